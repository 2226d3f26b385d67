/* test_control.c -- control commands without a socket (control_exec):
 * replies and final lines, the file written, and the /metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "config.h"
#include "control.h"

static char *
run(const char *line)
{
	char *out = NULL;
	size_t len = 0;
	control_exec(line, &out, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

static void
expect(const char *line, const char *reply)
{
	char *out = run(line);
	assert_string_equal(out, reply);
	free(out);
}

static void
test_exec(void **state)
{
	char dir[] = "/tmp/ctltest-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/allow.txt", dir);

	/* No allowlist configured. */
	expect("acl add a 10.0.0.0/8", "error: no allowlist configured "
	    "(allowlist: file: in the config)\n");
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.allowlist_file = path;
	cfg.allowlist_action = CFG_AL_REFUSE;
	assert_int_equal(control_allowlist_init(&cfg), 0);

	expect("acl list", "# no active entry: every client is allowed\nok\n");
	expect("acl add a 10.0.0.0/8", "added a 10.0.0.0/8\nok\n");
	expect("acl add a 10.0.0.0/8", "error: an entry named \"a\" already "
	    "exists\n");
	expect("acl pause a", "paused a 10.0.0.0/8\nok\n");
	expect("acl resume a", "resumed a 10.0.0.0/8\nok\n");
	/* Without the daemon's command line the zone cannot be checked. */
	expect("acl add b 10.1.0.0/16 z.test", "error: cannot read the config "
	    "to check zone \"z.test\"\n");
	expect("nonsense", "error: unknown command \"nonsense\" (acl, reload "
	    "[force], status, stats)\n");
	expect("acl", "error: usage: acl list|add|rename|set|pause|resume|"
	    "delete ...\n");
	expect("a b c d e f g h i", "error: too many words\n");
	expect("acl list all", "error: usage: acl list\n");

	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\na 10.0.0.0/8\n"));

	/* Counters reach the /metrics text. */
	struct sockaddr_in s4;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.9.9", &s4.sin_addr);
	assert_int_equal(allowlist_check(&cfg, "x.test",
	    (struct sockaddr *)&s4, NULL), AL_PASS);
	inet_pton(AF_INET, "11.9.9.9", &s4.sin_addr);
	assert_int_equal(allowlist_check(&cfg, "x.test",
	    (struct sockaddr *)&s4, NULL), AL_REFUSE);
	size_t len;
	char *m = control_metrics_text(&len);
	assert_int_equal(strlen(m), len);
	assert_non_null(strstr(m, "\ndnsxld_allowlist_allowed_total{entry=\"a\","
	    "scope=\"*\"} 1\n"));
	assert_non_null(strstr(m, "\ndnsxld_allowlist_denied_total{scope=\"*\"} "
	    "1\n"));
	assert_non_null(strstr(m, "\ndnsxld_rrl_responses_total{action="
	    "\"dropped\"} 0\n"));
	free(m);

	expect("acl delete a", "deleted a\nok\n");
	control_stop();
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

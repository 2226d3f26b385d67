/* test_allowlist.c -- the allowlist: file parser and its exact errors,
 * edits and their errors, atomic save and reload, the published map
 * (scopes, paused entries, IPv6, actions) and its counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allowlist.h"
#include "config.h"
#include "errcode.h"

struct cap {
	char all[4096];
};

static void
sink(void *arg, int is_error, const char *msg)
{
	struct cap *c = arg;
	size_t l = strlen(c->all);
	snprintf(c->all + l, sizeof(c->all) - l, "%s%s\n", is_error ? "E:" : "W:",
	    msg);
}

static int
parse(struct allowlist *l, const char *text, struct cap *c)
{
	struct diag d;
	diag_init(&d);
	memset(c, 0, sizeof(*c));
	d.sink = sink;
	d.sink_arg = c;
	return allowlist_parse(l, text, strlen(text), "al", &d);
}

static struct sockaddr_storage ss;

static const struct sockaddr *
peer(const char *a)
{
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)&ss;
}

static void
test_parse_good(void **state)
{
	struct allowlist *l = allowlist_new();
	struct cap c;
	char t[64];
	assert_int_equal(parse(l,
	    "# comment\n"
	    "\n"
	    "office 192.0.2.0/24   # trailing comment\n"
	    "vpn\t2001:db8::/48 zone=BL.Example.ORG. paused\n"
	    "host 198.51.100.7\n"
	    "six ::1 active\n", &c), 0);
	assert_string_equal(c.all, "");
	assert_int_equal(allowlist_count(l), 4);
	const struct al_entry *e = allowlist_entry(l, 0);
	assert_string_equal(e->name, "office");
	assert_int_equal(e->family, 4);
	assert_int_equal(e->plen, 24);
	assert_string_equal(e->zone, "");
	assert_false(e->paused);
	e = allowlist_entry(l, 1);
	assert_string_equal(e->zone, "bl.example.org");
	assert_true(e->paused);
	allowlist_cidr_text(e, t, sizeof(t));
	assert_string_equal(t, "2001:db8::/48");
	allowlist_cidr_text(allowlist_entry(l, 2), t, sizeof(t));
	assert_string_equal(t, "198.51.100.7/32");
	allowlist_cidr_text(allowlist_entry(l, 3), t, sizeof(t));
	assert_string_equal(t, "::1/128");
	assert_int_equal(allowlist_find(l, "host"), 2);
	assert_int_equal(allowlist_find(l, "nope"), -1);
	char *txt = allowlist_format(l);
	assert_non_null(strstr(txt, "\noffice 192.0.2.0/24\n"
	    "vpn 2001:db8::/48 zone=bl.example.org paused\n"
	    "host 198.51.100.7/32\nsix ::1/128\n"));
	/* The formatted text parses back to the same list. */
	struct allowlist *l2 = allowlist_new();
	assert_int_equal(parse(l2, txt, &c), 0);
	char *txt2 = allowlist_format(l2);
	assert_string_equal(txt, txt2);
	free(txt);
	free(txt2);
	allowlist_free(l2);
	allowlist_free(l);
}

static void
test_parse_errors(void **state)
{
	struct allowlist *l = allowlist_new();
	struct cap c;
	assert_int_equal(parse(l,
	    "ok 10.0.0.0/8\n"
	    "lonely\n"
	    "bad/name 10.0.0.1\n"
	    "x 10.0.0.300\n"
	    "y 10.0.0.1/24\n"
	    "z 10.0.0.0/33\n"
	    "ok 11.0.0.0/8\n"
	    "w 10.1.0.0/16 zone= \n"
	    "v 10.2.0.0/16 sleepy\n"
	    "u fe80::1/129\n"
	    "t 1.2.3.4/\n"
	    "s 1.2.3.4 zone=a\"b\n", &c), DX_EINVAL);
	assert_string_equal(c.all,
	    "E:al:2: expected NAME CIDR [zone=ZONE] [paused]\n"
	    "E:al:3: invalid name \"bad/name\" (1-64 of A-Z a-z 0-9 . _ - : @)\n"
	    "E:al:4: invalid address or CIDR \"10.0.0.300\"\n"
	    "E:al:5: \"10.0.0.1/24\" has host bits set (use 10.0.0.0/24)\n"
	    "E:al:6: invalid address or CIDR \"10.0.0.0/33\"\n"
	    "E:al:7: an entry named \"ok\" already exists\n"
	    "E:al:8: unknown option \"zone=\" (zone=ZONE, paused or active)\n"
	    "E:al:9: unknown option \"sleepy\" (zone=ZONE, paused or active)\n"
	    "E:al:10: invalid address or CIDR \"fe80::1/129\"\n"
	    "E:al:11: invalid address or CIDR \"1.2.3.4/\"\n"
	    "E:al:12: invalid zone \"a\"b\"\n");
	assert_int_equal(allowlist_count(l), 1);        /* only the good line */
	allowlist_free(l);
}

static void
test_edits(void **state)
{
	struct allowlist *l = allowlist_new();
	char err[256];
	assert_int_equal(allowlist_add(l, "a", "10.0.0.0/8", NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(allowlist_add(l, "a", "11.0.0.0/8", NULL, err,
	    sizeof(err)), DX_EEXIST);
	assert_string_equal(err, "an entry named \"a\" already exists");
	assert_int_equal(allowlist_add(l, "b", "nonsense", NULL, err,
	    sizeof(err)), DX_EINVAL);
	assert_string_equal(err, "invalid address or CIDR \"nonsense\"");
	assert_int_equal(allowlist_add(l, "", "10.0.0.1", NULL, err,
	    sizeof(err)), DX_EINVAL);
	assert_string_equal(err, "invalid name \"\" (1-64 of A-Z a-z 0-9 . _ - "
	    ": @)");
	assert_int_equal(allowlist_add(l, "b", "2001:db8::/32", "Z.test.",
	    err, sizeof(err)), 0);
	assert_string_equal(allowlist_entry(l, 1)->zone, "z.test");
	assert_int_equal(allowlist_rename(l, "nope", "c", err, sizeof(err)),
	    DX_ENOENT);
	assert_string_equal(err, "no entry named \"nope\"");
	assert_int_equal(allowlist_rename(l, "a", "b", err, sizeof(err)),
	    DX_EEXIST);
	assert_string_equal(err, "an entry named \"b\" already exists");
	assert_int_equal(allowlist_rename(l, "a", "a b", err, sizeof(err)),
	    DX_EINVAL);
	assert_int_equal(allowlist_rename(l, "a", "c", err, sizeof(err)), 0);
	assert_int_equal(allowlist_find(l, "c"), 0);
	assert_int_equal(allowlist_set(l, "c", "10.1.2.3/16", err, sizeof(err)),
	    DX_EINVAL);
	assert_string_equal(err, "\"10.1.2.3/16\" has host bits set (use "
	    "10.1.0.0/16)");
	assert_int_equal(allowlist_set(l, "c", "10.1.0.0/16", err, sizeof(err)),
	    0);
	assert_int_equal(allowlist_entry(l, 0)->plen, 16);
	assert_int_equal(allowlist_pause(l, "c", true, err, sizeof(err)), 0);
	assert_true(allowlist_entry(l, 0)->paused);
	assert_int_equal(allowlist_pause(l, "x", true, err, sizeof(err)),
	    DX_ENOENT);
	assert_int_equal(allowlist_delete(l, "x", err, sizeof(err)), DX_ENOENT);
	assert_string_equal(err, "no entry named \"x\"");
	/* A clone is independent of its original. */
	struct allowlist *cl = allowlist_clone(l);
	assert_int_equal(allowlist_delete(cl, "c", err, sizeof(err)), 0);
	assert_int_equal(allowlist_count(cl), 1);
	assert_int_equal(allowlist_count(l), 2);
	allowlist_free(cl);
	allowlist_free(l);
}

static void
test_save_load(void **state)
{
	char dir[] = "/tmp/altest-XXXXXX", path[128], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/allow.txt", dir);
	struct diag d;
	diag_init(&d);
	struct allowlist *l = NULL;
	/* No file yet: an empty list. */
	assert_int_equal(allowlist_load(path, &d, &l), 0);
	assert_int_equal(allowlist_count(l), 0);
	assert_int_equal(allowlist_add(l, "a", "10.0.0.0/8", "z.test", err,
	    sizeof(err)), 0);
	assert_int_equal(allowlist_pause(l, "a", true, err, sizeof(err)), 0);
	assert_int_equal(allowlist_save(l, path, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	struct allowlist *l2 = NULL;
	assert_int_equal(allowlist_load(path, &d, &l2), 0);
	assert_int_equal(allowlist_count(l2), 1);
	assert_true(allowlist_entry(l2, 0)->paused);
	assert_string_equal(allowlist_entry(l2, 0)->zone, "z.test");
	/* No temp file is left behind. */
	DIR *dh = opendir(dir);
	unsigned files = 0;
	for (struct dirent *de; (de = readdir(dh));)
		files += de->d_name[0] != '.';
	closedir(dh);
	assert_int_equal(files, 1);
	/* A directory that does not exist: an error, nothing written. */
	assert_int_equal(allowlist_save(l, "/nonexistent/dir/allow.txt", err,
	    sizeof(err)), DX_EIO);
	assert_string_equal(err, "cannot write /nonexistent/dir/allow.txt: No "
	    "such file or directory");
	unlink(path);
	rmdir(dir);
	allowlist_free(l);
	allowlist_free(l2);
}

struct cq {
	const char *kind, *name, *scope;
	uint64_t n;
};

static int
cq_fn(const char *k, const char *nm, const char *sc, uint64_t n, void *arg)
{
	struct cq *q = arg;
	if (!strcmp(k, q->kind) && !strcmp(sc, q->scope) &&
	    ((!nm && !q->name) || (nm && q->name && !strcmp(nm, q->name))))
		q->n = n;
	return 0;
}

static uint64_t
counter(const char *kind, const char *name, const char *scope)
{
	struct cq q = { kind, name, scope, 0 };
	allowlist_counters(cq_fn, &q);
	return q.n;
}

static void
test_check(void **state)
{
	struct config cfg;
	struct cfg_zone zones[2];
	uint32_t code = 0;
	char err[256];
	memset(&cfg, 0, sizeof(cfg));
	memset(zones, 0, sizeof(zones));
	cfg.allowlist_action = CFG_AL_REFUSE;
	cfg.allowlist_code = 0x7ffffffe;
	zones[0].name = (char *)"a.test";
	zones[1].name = (char *)"b.test";
	zones[1].allowlist_action = CFG_AL_CODE;
	zones[1].allowlist_code = 0x7f0000fe;
	cfg.zones = zones;
	cfg.nzones = 2;

	/* Nothing published, and an empty list: everyone. */
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("192.0.2.1"),
	    &code), AL_PASS);
	struct allowlist *l = allowlist_new();
	assert_int_equal(allowlist_publish(l), 0);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("192.0.2.1"),
	    &code), AL_PASS);
	/* Only paused entries: still everyone. */
	allowlist_add(l, "office", "192.0.2.0/24", NULL, err, sizeof(err));
	allowlist_pause(l, "office", true, err, sizeof(err));
	assert_int_equal(allowlist_publish(l), 0);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("198.51.100.1"),
	    &code), AL_PASS);
	/* Active global entry: listed in, others refused. */
	allowlist_pause(l, "office", false, err, sizeof(err));
	allowlist_add(l, "v6", "2001:db8::/32", NULL, err, sizeof(err));
	assert_int_equal(allowlist_publish(l), 0);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("192.0.2.77"),
	    &code), AL_PASS);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("::ffff:192.0.2.8"),
	    &code), AL_PASS);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("2001:db8:1::5"),
	    &code), AL_PASS);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("2001:db9::5"),
	    &code), AL_REFUSE);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("198.51.100.1"),
	    &code), AL_REFUSE);
	assert_int_equal(code, 0x7ffffffe);
	/* b.test's own action: code. */
	assert_int_equal(allowlist_check(&cfg, "b.test", peer("198.51.100.1"),
	    &code), AL_CODE);
	assert_int_equal(code, 0x7f0000fe);
	cfg.allowlist_action = CFG_AL_DROP;
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("198.51.100.1"),
	    &code), AL_DROP);
	cfg.allowlist_action = CFG_AL_REFUSE;
	/* A zone with active entries of its own uses only those. */
	allowlist_add(l, "partner", "203.0.113.0/24", "b.test", err,
	    sizeof(err));
	assert_int_equal(allowlist_publish(l), 0);
	assert_int_equal(allowlist_check(&cfg, "b.test", peer("203.0.113.9"),
	    &code), AL_PASS);
	assert_int_equal(allowlist_check(&cfg, "b.test", peer("192.0.2.1"),
	    &code), AL_CODE);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("203.0.113.9"),
	    &code), AL_REFUSE);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("192.0.2.1"),
	    &code), AL_PASS);
	/* Counters by entry and scope; they survive a republish. */
	assert_int_equal(counter("allowed", "office", ""), 3);
	assert_int_equal(counter("allowed", "v6", ""), 1);
	assert_int_equal(counter("allowed", "partner", "b.test"), 1);
	assert_int_equal(counter("denied", NULL, ""), 5);
	assert_int_equal(counter("denied", NULL, "b.test"), 1);
	assert_int_equal(allowlist_denied_total(), 6);
	/* Deleted: gone at once. */
	allowlist_delete(l, "office", err, sizeof(err));
	assert_int_equal(allowlist_publish(l), 0);
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("192.0.2.1"),
	    &code), AL_REFUSE);
	assert_int_equal(counter("denied", NULL, ""), 6);
	/* No peer (internal callers): allowed. */
	assert_int_equal(allowlist_check(&cfg, "a.test", NULL, &code), AL_PASS);
	allowlist_free(l);
	allowlist_shutdown();
	assert_int_equal(allowlist_check(&cfg, "a.test", peer("198.51.100.1"),
	    &code), AL_PASS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_config_args.c -- the rbldnsd-style command line: every option, the
 * TTL forms, dataset specs, re-parsing, help/version, every error; and the
 * duration and TXT template helpers. Exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errcode.h"
#include "config_testutil.h"

/* --- helpers -------------------------------------------------------------- */

static void
test_duration(void **state)
{
	uint32_t v = 7;
	(void)state;
	assert_int_equal(config_parse_duration("30", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(config_parse_duration("30s", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(config_parse_duration("5m", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(config_parse_duration("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(config_parse_duration("1d", &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(config_parse_duration("1W", &v), 0);
	assert_int_equal(v, 604800);
	assert_int_equal(config_parse_duration("1h30m", &v), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(config_parse_duration("0", &v), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(config_parse_duration("", &v), DX_EINVAL);
	assert_int_equal(config_parse_duration("5x", &v), DX_EINVAL);
	assert_int_equal(config_parse_duration("m", &v), DX_EINVAL);
	assert_int_equal(config_parse_duration("-1", &v), DX_EINVAL);
	assert_int_equal(config_parse_duration("1 m", &v), DX_EINVAL);
	assert_int_equal(config_parse_duration("4294967296", &v), DX_ERANGE);
	assert_int_equal(config_parse_duration("10000w", &v), DX_ERANGE);
	assert_int_equal(v, 7);
}

static void
test_txt_template(void **state)
{
	struct cfg_txt_vars v = { "eop", "Exchange $ Online", "NAM",
	    "North America", NULL, "127.0.0.33" };
	const char *bad = NULL;
	char *out = NULL;
	(void)state;
	assert_int_equal(config_txt_template("{service}/{service_desc} "
	    "{region}={region_desc} [{pool}] {code} ip {ip} in {prefix} $5",
	    &v, &out, &bad), 0);
	assert_string_equal(out, "eop/Exchange $$ Online NAM=North America [] "
	    "127.0.0.33 ip $ in \x01 $$5");
	free(out);
	assert_int_equal(config_txt_template("", &v, &out, &bad), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(config_txt_template("{ unbalanced", &v, &out, &bad), 0);
	assert_string_equal(out, "{ unbalanced");
	free(out);
	assert_int_equal(config_txt_template("a {nope} b", &v, &out, &bad),
	    DX_EINVAL);
	assert_string_equal(bad, "{nope} b");
}

/* --- command line ---------------------------------------------------------- */

static void
test_args_defaults(void **state)
{
	struct config *c;
	(void)state;
	assert_int_equal(args(&c, "bl.example.org:ip4set:x.txt", NULL), 0);
	assert_null(c->path);
	assert_int_equal(c->nlisten, 0);
	assert_false(c->ipv4_only);
	assert_false(c->ipv6_only);
	assert_false(c->foreground);
	assert_null(c->user);
	assert_null(c->group);
	assert_null(c->chroot_dir);
	assert_null(c->workdir);
	assert_int_equal(c->ttl_default, 2100);
	assert_int_equal(c->ttl_min, 0);
	assert_int_equal(c->ttl_max, 0);
	assert_int_equal(c->check_interval, 60);
	assert_null(c->pidfile);
	assert_null(c->querylog);
	assert_null(c->statsfile);
	assert_null(c->metrics_listen);
	assert_false(c->log_syslog);
	assert_false(c->no_watch);
	assert_false(c->quick);
	assert_int_equal(c->minimal, 0);
	assert_int_equal(c->version_level, 0);
	assert_null(c->version_text);
	assert_null(c->identity);
	assert_false(c->allow_host_bits);
	assert_false(c->dump);
	assert_true(c->rfc5782_tests);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->tcp_max_clients, 256);
	assert_int_equal(c->tcp_idle_ms, 10000);
	assert_int_equal(c->edns_max, 1232);
	assert_int_equal(c->global_acl, -1);
	assert_int_equal(c->nzones, 1);
	assert_string_equal(c->zones[0].name, "bl.example.org");
	assert_int_equal(c->zones[0].ndatasets, 1);
	assert_int_equal(c->zones[0].acl, -1);
	assert_int_equal(c->ndatasets, 1);
	assert_string_equal(c->datasets[0].name, "ip4set:x.txt");
	assert_string_equal(c->datasets[0].type, "ip4set");
	assert_int_equal(c->datasets[0].nfiles, 1);
	assert_string_equal(c->datasets[0].files[0], "x.txt");
	assert_false(c->datasets[0].has_value);
	assert_null(c->datasets[0].service);
	assert_int_equal(cap.n, 0);
	config_free(c);
}

static void
test_args_every_option(void **state)
{
	struct config *c;
	(void)state;
	assert_int_equal(args(&c, "-b", "127.0.0.1/5300", "-b", "::1/5301",
	    "-b", "0.0.0.0", "-4", "-n", "-u", "rbldns:daemon", "-r", "/jail",
	    "-t", "1h:5m:1d", "-c", "5m", "-p", "/run/x.pid", "-l", "+q.log",
	    "-s", "+stats", "-q", "-a", "-v", "-e", "-d", "-f", "-C",
	    "--workers", "3", "--no-rfc5782-tests", "--metrics-listen",
	    "127.0.0.1@9153", "--syslog", "--no-watch", "z.org:ip4trie:a,b",
	    NULL),
	    0);
	assert_int_equal(c->nlisten, 3);
	assert_string_equal(c->listen[0].addr, "127.0.0.1");
	assert_int_equal(c->listen[0].port, 5300);
	assert_string_equal(c->listen[1].addr, "::1");
	assert_int_equal(c->listen[1].port, 5301);
	assert_string_equal(c->listen[2].addr, "0.0.0.0");
	assert_int_equal(c->listen[2].port, 53);
	assert_true(c->ipv4_only);
	assert_false(c->ipv6_only);
	assert_true(c->foreground);
	assert_string_equal(c->user, "rbldns");
	assert_string_equal(c->group, "daemon");
	assert_string_equal(c->chroot_dir, "/jail");
	assert_int_equal(c->ttl_default, 3600);
	assert_int_equal(c->ttl_min, 300);
	assert_int_equal(c->ttl_max, 86400);
	assert_int_equal(c->check_interval, 300);
	assert_string_equal(c->pidfile, "/run/x.pid");
	assert_string_equal(c->querylog, "+q.log");
	assert_string_equal(c->statsfile, "+stats");
	assert_string_equal(c->metrics_listen, "127.0.0.1@9153");
	assert_true(c->log_syslog);
	assert_true(c->no_watch);
	assert_true(c->quick);
	assert_int_equal(c->minimal, 1);
	assert_int_equal(c->version_level, 1);
	assert_true(c->allow_host_bits);
	assert_true(c->dump);
	assert_int_equal(c->workers, 3);
	assert_false(c->rfc5782_tests);
	assert_int_equal(c->datasets[0].nfiles, 2);
	assert_string_equal(c->datasets[0].files[0], "a");
	assert_string_equal(c->datasets[0].files[1], "b");
	config_free(c);

	assert_int_equal(args(&c, "-6", "-u", "nobody", "-a", "-A", "-v", "-v",
	    "-v", "-c", "0", "-w", "/srv/data", "z.org:ip4set:rel,/abs", NULL),
	    0);
	assert_true(c->ipv6_only);
	assert_false(c->ipv4_only);
	assert_string_equal(c->user, "nobody");
	assert_null(c->group);
	assert_int_equal(c->minimal, 0);
	assert_int_equal(c->version_level, 2);
	assert_int_equal(c->check_interval, 0);
	assert_string_equal(c->workdir, "/srv/data");
	assert_string_equal(c->datasets[0].files[0], "/srv/data/rel");
	assert_string_equal(c->datasets[0].files[1], "/abs");
	config_free(c);
	assert_int_equal(args(&c, "-w", "/", "z.org:ip4set:rel", NULL), 0);
	assert_string_equal(c->datasets[0].files[0], "/rel");
	config_free(c);
	assert_int_equal(cap.n, 0);
}

static void
test_args_ttl_forms(void **state)
{
	struct config *c;
	(void)state;
	assert_int_equal(args(&c, "-t", "30", "z:ip4set:f", NULL), 0);
	assert_int_equal(c->ttl_default, 30);
	assert_int_equal(c->ttl_min, 0);
	assert_int_equal(c->ttl_max, 0);
	config_free(c);
	assert_int_equal(args(&c, "-t", "::2m", "z:ip4set:f", NULL), 0);
	assert_int_equal(c->ttl_default, 2100);
	assert_int_equal(c->ttl_min, 0);
	assert_int_equal(c->ttl_max, 120);
	config_free(c);
	/* -4 and -6: the last one wins */
	assert_int_equal(args(&c, "-4", "-6", "z:ip4set:f", NULL), 0);
	assert_false(c->ipv4_only);
	assert_true(c->ipv6_only);
	config_free(c);
	/* files split on ',' and ':' as rbldnsd does; empty pieces skipped */
	assert_int_equal(args(&c, "z:ip4set:a,,b:c,", NULL), 0);
	assert_int_equal(c->datasets[0].nfiles, 3);
	assert_string_equal(c->datasets[0].files[0], "a");
	assert_string_equal(c->datasets[0].files[1], "b");
	assert_string_equal(c->datasets[0].files[2], "c");
	config_free(c);
	assert_int_equal(args(&c, "-t", ":1w", "z:ip4set:f", NULL), 0);
	assert_int_equal(c->ttl_default, 2100);
	assert_int_equal(c->ttl_min, 604800);
	config_free(c);
}

static void
test_args_specs(void **state)
{
	struct config *c;
	(void)state;
	assert_int_equal(args(&c, "wl.example.org:ip4trie:a.ip4",
	    "bl.example.net:ip4set:s.txt,t.txt", "WL.Example.ORG.:ip6trie:b.ip6",
	    "bl.example.net:ip4trie:a.ip4", "wl.example.org:acl:my.acl",
	    ":acl:global.acl", NULL), 0);
	assert_int_equal(c->nzones, 2);
	assert_int_equal(c->ndatasets, 5);
	assert_string_equal(c->datasets[0].name, "ip4trie:a.ip4");
	assert_string_equal(c->datasets[1].name, "ip4set:s.txt,t.txt");
	assert_string_equal(c->datasets[2].name, "ip6trie:b.ip6");
	assert_string_equal(c->datasets[3].name, "acl:my.acl");
	assert_string_equal(c->datasets[4].name, "acl:global.acl");
	assert_string_equal(c->zones[0].name, "wl.example.org");
	assert_int_equal(c->zones[0].ndatasets, 2);
	assert_int_equal(c->zones[0].datasets[0], 0);
	assert_int_equal(c->zones[0].datasets[1], 2);
	assert_int_equal(c->zones[0].acl, 3);
	assert_string_equal(c->zones[1].name, "bl.example.net");
	assert_int_equal(c->zones[1].ndatasets, 2);
	assert_int_equal(c->zones[1].datasets[0], 1);
	assert_int_equal(c->zones[1].datasets[1], 0);   /* shared, loaded once */
	assert_int_equal(c->zones[1].acl, -1);
	assert_int_equal(c->global_acl, 4);
	config_free(c);
}

/* The server parses the same argv again on reload: same result. */
static void
test_args_reparse_same_argv(void **state)
{
	char *argv[] = { (char *)"dnsxld", (char *)"z.org:ip4set:f",
	    (char *)"-b", (char *)"127.0.0.1/5300", (char *)"y.org:ip4set:g",
	    (char *)"-n", (char *)"z.org:ip4set:h", NULL };
	struct config *c;
	(void)state;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(config_from_args(7, argv, &dg, &c), 0);
		assert_int_equal(c->nlisten, 1);
		assert_int_equal(c->listen[0].port, 5300);
		assert_true(c->foreground);
		assert_int_equal(c->nzones, 2);
		assert_string_equal(c->zones[0].name, "z.org");
		assert_string_equal(c->zones[1].name, "y.org");
		assert_int_equal(c->zones[0].ndatasets, 2);
		assert_string_equal(c->datasets[c->zones[0].datasets[1]].name,
		    "ip4set:h");
		config_free(c);
	}
	assert_int_equal(cap.n, 0);
}

static void
test_args_help_version(void **state)
{
	struct config *c = (struct config *)1;
	(void)state;
	assert_int_equal(args(&c, "--help", NULL), 1);
	assert_null(c);
	assert_int_equal(args(&c, "--version", "z:ip4set:f", NULL), 1);
	assert_null(c);
	assert_int_equal(cap.n, 0);
}

static void
expect_arg_error(const char *msg, ...)
{
	char *argv[16];
	int argc = 0;
	struct config *c = (struct config *)1;
	va_list ap;
	const char *a;

	memset(&cap, 0, sizeof(cap));
	argv[argc++] = (char *)"dnsxld";
	va_start(ap, msg);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	if (config_from_args(argc, argv, &dg, &c) != DX_EINVAL)
		fail_msg("no error for %s", argv[1]);
	assert_null(c);
	assert_string_equal(cap.all, msg);
}

static void
test_args_errors(void **state)
{
	(void)state;
	expect_arg_error("E unknown option -x\n", "-x", "z:ip4set:f", NULL);
	expect_arg_error("E unknown option --bogus\n", "--bogus", "z:ip4set:f",
	    NULL);
	expect_arg_error("E option -b needs an argument\n", "z:ip4set:f", "-b",
	    NULL);
	expect_arg_error("E -b: bad address \"1.2.3.256\"\n", "-b",
	    "1.2.3.256/53", "z:ip4set:f", NULL);
	expect_arg_error("E -b: bad address \"localhost\"\n", "-b",
	    "localhost", "z:ip4set:f", NULL);
	expect_arg_error("E -b: bad port in \"::1/70000\"\n", "-b", "::1/70000",
	    "z:ip4set:f", NULL);
	expect_arg_error("E -b: bad port in \"::1/\"\n", "-b", "::1/",
	    "z:ip4set:f", NULL);
	expect_arg_error("E -u: bad user \":grp\"\n", "-u", ":grp",
	    "z:ip4set:f", NULL);
	expect_arg_error("E -t: bad ttl \"5x\" (want def:min:max, units s m h "
	    "d w)\n", "-t", "5x", "z:ip4set:f", NULL);
	expect_arg_error("E -t: bad ttl \"1:2:3:4\" (want def:min:max, units s "
	    "m h d w)\n", "-t", "1:2:3:4", "z:ip4set:f", NULL);
	expect_arg_error("E -t: bad ttl \":1h:1m\": min greater than max\n",
	    "-t", ":1h:1m", "z:ip4set:f", NULL);
	expect_arg_error("E -c: bad duration \"soon\"\n", "-c", "soon",
	    "z:ip4set:f", NULL);
	expect_arg_error("E --workers: \"many\" is not a number in 0..1024\n",
	    "--workers", "many", "z:ip4set:f", NULL);
	expect_arg_error("E z:ip5set:f: unknown dataset type \"ip5set\"\n",
	    "z:ip5set:f", NULL);
	expect_arg_error("E bad zone spec \"zonly\" (want zone:type:file,...)\n",
	    "zonly", NULL);
	expect_arg_error("E z:ip4set: bad dataset \"ip4set\" (want "
	    "type:file,...)\n", "z:ip4set", NULL);
	expect_arg_error("E z:ip4set:,:: missing file names in \"ip4set:,:\"\n",
	    "z:ip4set:,:", NULL);
	expect_arg_error("E :ip4set:f: dataset ip4set:f is not of type acl\n",
	    ":ip4set:f", "z:ip4set:g", NULL);
	expect_arg_error("E z:acl:b: zone z: more than one acl dataset\n",
	    "z:acl:a", "z:acl:b", "z:ip4set:f", NULL);
	expect_arg_error("E a..b:ip4set:f: bad zone name \"a..b\"\n",
	    "a..b:ip4set:f", NULL);
	expect_arg_error("E no zones to serve\n", "-n", NULL);
	expect_arg_error("E zone z: no datasets besides its acl\n", "z:acl:a",
	    "y:ip4set:f", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txt_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_every_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_ttl_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_specs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_reparse_same_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_help_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

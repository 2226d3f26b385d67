/* test_config.c -- every config option and every config error, exact values. */
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

/* Every diag message, one per line. */
struct capture {
	char all[8192];
	unsigned n;
};

static struct capture cap;
static struct diag dg;
static char tmpdir[64];
static char cfgpath[128];

static void
sink(void *arg, int is_error, const char *msg)
{
	struct capture *c = arg;
	size_t l = strlen(c->all);
	snprintf(c->all + l, sizeof(c->all) - l, "%s%s\n",
	    is_error ? "E " : "W ", msg);
	c->n++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&cap, 0, sizeof(cap));
	diag_init(&dg);
	dg.max_report = 0;
	dg.sink = sink;
	dg.sink_arg = &cap;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(cfgpath, sizeof(cfgpath), "%s/dnsxld.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
write_cfg(const char *text)
{
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* config_from_args over a NULL-terminated list (argv[0] added). */
static int
args(struct config **c, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = (char *)"dnsxld";
	va_start(ap, c);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_from_args(argc, argv, &dg, c);
}

static char *
ip(uint32_t a_net)
{
	static char buf[INET_ADDRSTRLEN];
	struct in_addr a = { a_net };
	return (char *)inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

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

/* --- YAML ------------------------------------------------------------------ */

static const char full_yaml[] =
"# a full config\n"
"server:\n"
"  listen: [ \"127.0.0.1@5300\", \"::1@5301\", \"0.0.0.0\" ]\n"
"  workers: 2\n"
"  user: dnsxl:dnsxl\n"
"  chroot: /var/lib/dnsxld\n"
"  pidfile: /run/dnsxld.pid\n"
"  data-dir: zones\n"
"  check-interval: 2m\n"
"  ttl: 1h\n"
"  ttl-min: 30s\n"
"  ttl-max: 1d\n"
"  minimal-responses: true\n"
"  allow-host-bits: yes\n"
"  rfc5782-test-entries: false\n"
"  version: \"my server\"\n"
"  identity: ns1.example.org\n"
"  tcp-max-clients: 100\n"
"  tcp-idle-timeout: 3s\n"
"  edns-max-payload: 4096\n"
"  query-log: \"+/var/log/q\"\n"
"  metrics-listen: \"::1@9153\"\n"
"  syslog: true\n"
"  watch-files: false\n"
"  stats-file: null\n"
"  soa:\n"
"    mname: ns.example.org\n"
"    rname: hostmaster.example.org\n"
"codes:\n"
"  services:\n"
"    - { id: 1, name: d365-marketing, description: \"Dynamics 365 Marketing\" }\n"
"    - { id: 2, name: eop, description: \"Exchange Online Protection\" }\n"
"  regions:\n"
"    - { id: 0, name: global, description: \"global (not regional)\" }\n"
"    - { id: 1, name: NAM, description: \"North America\" }\n"
"    - { id: 9, name: EUR }\n"
"  txt: \"{service_desc}, region {region_desc}, pool {pool}, matched {prefix}\"\n"
"datasets:\n"
"  - name: d365-nam\n"
"    type: ip4trie\n"
"    files: [ d365/nam.ip4 ]\n"
"    service: d365-marketing\n"
"    region: NAM\n"
"    pool: shared\n"
"  - name: eop-global\n"
"    type: ip6trie\n"
"    files: [ eop/a.ip6, /abs/eop.ip6.gz ]\n"
"    service: eop\n"
"    region: global\n"
"  - name: eop-eur\n"
"    type: ip4set\n"
"    files: eop/eur.ip4\n"
"    service: eop\n"
"    region: EUR\n"
"    code: 127.0.1.41\n"
"    txt: \"$ {ip} costs {code} in {region}\"\n"
"  - name: plain\n"
"    type: dnset\n"
"    files: [ plain.txt ]\n"
"  - name: clients\n"
"    type: acl\n"
"    files: [ clients.acl ]\n"
"  - name: everyone\n"
"    type: acl\n"
"    files: [ all.acl ]\n"
"zones:\n"
"  - name: wl.example.org\n"
"    datasets: [ d365-nam, eop-global ]\n"
"    acl: clients\n"
"  - name: BL.example.NET.\n"
"    specs: [ \"ip4set:bl/spam.txt,bl/extra.txt\" ]\n"
"    datasets: [ eop-eur, plain ]\n"
"acl: everyone\n";

static void
test_yaml_full(void **state)
{
	struct config *c;
	char want[256];
	(void)state;
	write_cfg(full_yaml);
	assert_int_equal(config_load_file(cfgpath, &dg, &c), 0);
	assert_string_equal(cap.all, "");
	assert_string_equal(c->path, cfgpath);
	assert_int_equal(c->nlisten, 3);
	assert_string_equal(c->listen[0].addr, "127.0.0.1");
	assert_int_equal(c->listen[0].port, 5300);
	assert_string_equal(c->listen[1].addr, "::1");
	assert_int_equal(c->listen[1].port, 5301);
	assert_string_equal(c->listen[2].addr, "0.0.0.0");
	assert_int_equal(c->listen[2].port, 53);
	assert_int_equal(c->workers, 2);
	assert_string_equal(c->user, "dnsxl");
	assert_string_equal(c->group, "dnsxl");
	assert_string_equal(c->chroot_dir, "/var/lib/dnsxld");
	assert_string_equal(c->pidfile, "/run/dnsxld.pid");
	assert_int_equal(c->check_interval, 120);
	assert_int_equal(c->ttl_default, 3600);
	assert_int_equal(c->ttl_min, 30);
	assert_int_equal(c->ttl_max, 86400);
	assert_int_equal(c->minimal, 1);
	assert_true(c->allow_host_bits);
	assert_false(c->rfc5782_tests);
	assert_string_equal(c->version_text, "my server");
	assert_int_equal(c->version_level, 0);
	assert_string_equal(c->identity, "ns1.example.org");
	assert_int_equal(c->tcp_max_clients, 100);
	assert_int_equal(c->tcp_idle_ms, 3000);
	assert_int_equal(c->edns_max, 4096);
	assert_string_equal(c->querylog, "+/var/log/q");
	assert_null(c->statsfile);
	assert_string_equal(c->metrics_listen, "::1@9153");
	assert_true(c->log_syslog);
	assert_true(c->no_watch);
	assert_string_equal(c->soa_mname, "ns.example.org");
	assert_string_equal(c->soa_rname, "hostmaster.example.org");

	assert_int_equal(c->nservices, 2);
	assert_string_equal(c->services[1].name, "eop");
	assert_string_equal(c->services[1].description,
	    "Exchange Online Protection");
	assert_int_equal(c->services[1].id, 2);
	assert_int_equal(c->nregions, 3);
	assert_string_equal(c->regions[2].name, "EUR");
	assert_string_equal(c->regions[2].description, "EUR");
	assert_int_equal(c->regions[2].id, 9);

	assert_int_equal(c->ndatasets, 7);
	/* 16 * 1 + 1 */
	assert_string_equal(c->datasets[0].name, "d365-nam");
	assert_string_equal(c->datasets[0].type, "ip4trie");
	snprintf(want, sizeof(want), "%s/zones/d365/nam.ip4", tmpdir);
	assert_string_equal(c->datasets[0].files[0], want);
	assert_string_equal(c->datasets[0].service, "d365-marketing");
	assert_string_equal(c->datasets[0].region, "NAM");
	assert_string_equal(c->datasets[0].pool, "shared");
	assert_true(c->datasets[0].has_value);
	assert_string_equal(ip(c->datasets[0].value.a), "127.0.0.17");
	assert_string_equal(c->datasets[0].value.txt, "Dynamics 365 Marketing, "
	    "region North America, pool shared, matched \x01");
	/* 16 * 2 + 0, no pool */
	assert_int_equal(c->datasets[1].nfiles, 2);
	snprintf(want, sizeof(want), "%s/zones/eop/a.ip6", tmpdir);
	assert_string_equal(c->datasets[1].files[0], want);
	assert_string_equal(c->datasets[1].files[1], "/abs/eop.ip6.gz");
	assert_string_equal(ip(c->datasets[1].value.a), "127.0.0.32");
	assert_null(c->datasets[1].pool);
	assert_string_equal(c->datasets[1].value.txt, "Exchange Online "
	    "Protection, region global (not regional), pool , matched \x01");
	/* code and txt given */
	assert_int_equal(c->datasets[2].nfiles, 1);
	assert_string_equal(ip(c->datasets[2].value.a), "127.0.1.41");
	assert_string_equal(c->datasets[2].value.txt,
	    "$$ $ costs 127.0.1.41 in EUR");
	/* no labels: rbldnsd's defaults */
	assert_false(c->datasets[3].has_value);
	assert_null(c->datasets[3].value.txt);
	assert_string_equal(c->datasets[6].name, "ip4set:bl/spam.txt,bl/extra.txt");
	snprintf(want, sizeof(want), "%s/zones/bl/extra.txt", tmpdir);
	assert_string_equal(c->datasets[6].files[1], want);

	assert_int_equal(c->nzones, 2);
	assert_string_equal(c->zones[0].name, "wl.example.org");
	assert_int_equal(c->zones[0].ndatasets, 2);
	assert_int_equal(c->zones[0].datasets[0], 0);
	assert_int_equal(c->zones[0].datasets[1], 1);
	assert_int_equal(c->zones[0].acl, 4);
	assert_string_equal(c->zones[1].name, "bl.example.net");
	assert_int_equal(c->zones[1].ndatasets, 3);
	assert_int_equal(c->zones[1].datasets[0], 2);
	assert_int_equal(c->zones[1].datasets[1], 3);
	assert_int_equal(c->zones[1].datasets[2], 6);
	assert_int_equal(c->zones[1].acl, -1);
	assert_int_equal(c->global_acl, 5);
	config_free(c);
}

static void
test_yaml_paths_and_version(void **state)
{
	struct config *c;
	char want[256];
	(void)state;
	/* No data-dir: the config file's directory; version false: REFUSED. */
	write_cfg("server:\n  version: false\n  identity: false\n"
	    "  listen: \"::@53\"\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [x/a.txt] }\n"
	    "zones:\n  - { name: z.org, datasets: [a] }\n");
	assert_int_equal(config_load_file(cfgpath, &dg, &c), 0);
	snprintf(want, sizeof(want), "%s/x/a.txt", tmpdir);
	assert_string_equal(c->datasets[0].files[0], want);
	assert_int_equal(c->version_level, 2);
	assert_null(c->version_text);
	assert_null(c->identity);
	assert_int_equal(c->nlisten, 1);
	assert_string_equal(c->listen[0].addr, "::");
	assert_int_equal(c->listen[0].port, 53);
	config_free(c);
	/* Absolute data-dir. */
	write_cfg("server: { data-dir: /srv/zones }\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [x/a.txt] }\n"
	    "zones:\n  - { name: z.org, datasets: [a] }\n");
	assert_int_equal(config_load_file(cfgpath, &dg, &c), 0);
	assert_string_equal(c->datasets[0].files[0], "/srv/zones/x/a.txt");
	config_free(c);
	assert_string_equal(cap.all, "");
}

static void
test_args_with_config(void **state)
{
	struct config *c;
	char want[256];
	(void)state;
	write_cfg("server:\n  listen: [ \"127.0.0.1@5300\" ]\n  ttl: 1h\n"
	    "  check-interval: 0\n  workers: 4\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [a.txt] }\n"
	    "zones:\n  - { name: z.org, datasets: [a] }\n");
	/* Config only. */
	assert_int_equal(args(&c, "--config", cfgpath, NULL), 0);
	assert_int_equal(c->nlisten, 1);
	assert_int_equal(c->ttl_default, 3600);
	assert_int_equal(c->workers, 4);
	config_free(c);
	/* The command line overrides it, wherever --config stands. */
	assert_int_equal(args(&c, "-b", "::1/99", "-t", "10::1h",
	    "--workers=1", "--config", cfgpath, "-c", "30", "-b", "127.0.0.2",
	    "z.org:ip4trie:b.txt", "y.org:ip4set:c.txt", NULL), 0);
	assert_string_equal(c->path, cfgpath);
	assert_int_equal(c->nlisten, 2);
	assert_string_equal(c->listen[0].addr, "::1");
	assert_int_equal(c->listen[0].port, 99);
	assert_string_equal(c->listen[1].addr, "127.0.0.2");
	assert_int_equal(c->ttl_default, 10);
	assert_int_equal(c->ttl_max, 3600);
	assert_int_equal(c->check_interval, 30);
	assert_int_equal(c->workers, 1);
	assert_int_equal(c->nzones, 2);
	assert_int_equal(c->zones[0].ndatasets, 2);
	snprintf(want, sizeof(want), "%s/a.txt", tmpdir);
	assert_string_equal(c->datasets[0].files[0], want);
	assert_string_equal(c->datasets[1].files[0], "b.txt");
	assert_string_equal(c->zones[1].name, "y.org");
	config_free(c);
	assert_string_equal(cap.all, "");
	/* A broken config file fails the command line. */
	write_cfg("server: { ttl: forever }\n");
	c = (struct config *)1;
	assert_int_equal(args(&c, "--config", cfgpath, "z:ip4set:f", NULL),
	    DX_EINVAL);
	assert_null(c);
	assert_non_null(strstr(cap.all, "dnsxld.conf:1: ttl: bad duration "
	    "\"forever\" (units s m h d w)\n"));
}

/* Load text; expect failure and exactly these messages (file:line made
 * relative: "F" stands for the config path). */
static void
expect_yaml(const char *text, int rc, const char *msgs)
{
	struct config *c = (struct config *)1;
	char want[8192], *w = want;
	const char *m;

	memset(&cap, 0, sizeof(cap));
	write_cfg(text);
	for (m = msgs; *m; m++) {
		if (*m == 'F' && (m == msgs || m[-1] == ' ') && m[1] == ':') {
			w += sprintf(w, "%s", cfgpath);
			continue;
		}
		*w++ = *m;
	}
	*w = '\0';
	assert_int_equal(config_load_file(cfgpath, &dg, &c), rc);
	if (rc < 0)
		assert_null(c);
	else
		config_free(c);
	assert_string_equal(cap.all, want);
}

#define DS "datasets:\n  - { name: a, type: ip4set, files: [a] }\n"
#define ZN "zones:\n  - { name: z.org, datasets: [a] }\n"
#define CODES "codes:\n  services: [ { id: 1, name: eop } ]\n" \
	"  regions: [ { id: 1, name: NAM } ]\n"

static void
test_yaml_errors(void **state)
{
	(void)state;
	expect_yaml("bogus: 1\n" DS ZN, DX_EINVAL,
	    "E F:1: unknown key \"bogus\"\n");
	expect_yaml("server:\n  listen: [ \"::1@53\" ]\n  colour: red\n" DS ZN,
	    DX_EINVAL, "E F:3: server: unknown key \"colour\"\n");
	expect_yaml("server:\n  workers: many\n" DS ZN, DX_EINVAL,
	    "E F:2: workers: \"many\" is not a number in 0..1024\n");
	expect_yaml("server:\n  workers: [1]\n" DS ZN, DX_EINVAL,
	    "E F:2: workers: expected a number\n");
	expect_yaml("server:\n  edns-max-payload: 100\n" DS ZN, DX_EINVAL,
	    "E F:2: edns-max-payload: \"100\" is not a number in 512..65535\n");
	expect_yaml("server:\n  minimal-responses: maybe\n" DS ZN, DX_EINVAL,
	    "E F:2: minimal-responses: expected true or false\n");
	expect_yaml("server:\n  chroot: [a]\n" DS ZN, DX_EINVAL,
	    "E F:2: chroot: expected a string\n");
	expect_yaml("server:\n  ttl: 5 minutes\n" DS ZN, DX_EINVAL,
	    "E F:2: ttl: bad duration \"5 minutes\" (units s m h d w)\n");
	expect_yaml("server:\n  check-interval: 1y\n" DS ZN, DX_EINVAL,
	    "E F:2: check-interval: bad duration \"1y\" (units s m h d w)\n");
	expect_yaml("server:\n  ttl-min: 1h\n  ttl-max: 1m\n" DS ZN, DX_EINVAL,
	    "E F:2: server: ttl-min greater than ttl-max\n");
	expect_yaml("server:\n  listen: [ \"1.2.3.4.5@53\", \"::1@0\" ]\n" DS ZN,
	    DX_EINVAL, "E F:2: listen: bad address \"1.2.3.4.5\"\n"
	    "E F:2: listen: bad port in \"::1@0\"\n");
	expect_yaml("server:\n  user: \"a:\"\n" DS ZN, DX_EINVAL,
	    "E F:2: user: bad user \"a:\"\n");
	expect_yaml("server:\n  soa: { mname: a, serial: 3 }\n" DS ZN, DX_EINVAL,
	    "E F:2: soa: unknown key \"serial\"\n");
	expect_yaml("server: 3\n" DS ZN, DX_EINVAL,
	    "E F:1: server: expected a mapping\n");
	expect_yaml("server:\n  ttl: 1\n  ttl: 2\n" DS ZN, DX_EINVAL,
	    "E F:3: server: duplicate key \"ttl\"\n");
	expect_yaml("datasets:\n  - { name: a, type: ip5set, files: [a] }\n" ZN,
	    DX_EINVAL, "E F:2: dataset a: unknown dataset type \"ip5set\"\n");
	expect_yaml(DS "  - { name: a, type: ip4trie, files: [b] }\n" ZN,
	    DX_EINVAL, "E F:3: dataset a: duplicate name\n");
	expect_yaml("datasets:\n  - { type: ip4set, files: [a] }\n" ZN,
	    DX_EINVAL, "E F:2: dataset: name is required\n"
	    "E F:4: zone z.org: unknown dataset \"a\"\n"
	    "E F:4: zone z.org: no datasets\n");
	expect_yaml("datasets:\n  - { name: a, files: [a] }\n" ZN, DX_EINVAL,
	    "E F:2: dataset a: type is required\n");
	expect_yaml("datasets:\n  - { name: a, type: ip4set }\n" ZN, DX_EINVAL,
	    "E F:2: dataset a: files: at least one file is required\n");
	expect_yaml("datasets:\n  - { name: a, type: ip4set, files: [] }\n" ZN,
	    DX_EINVAL,
	    "E F:2: dataset a: files: at least one file is required\n");
	expect_yaml("datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "colour: red }\n" ZN, DX_EINVAL,
	    "E F:2: dataset: unknown key \"colour\"\n");
	expect_yaml(CODES "datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "service: pop }\n" ZN, DX_EINVAL,
	    "E F:5: dataset a: unknown service \"pop\"\n");
	expect_yaml(CODES "datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "service: eop, region: MARS }\n" ZN, DX_EINVAL,
	    "E F:5: dataset a: unknown region \"MARS\"\n");
	expect_yaml(CODES "datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "pool: private }\n" ZN, DX_EINVAL,
	    "E F:5: dataset a: pool must be shared or dedicated, not "
	    "\"private\"\n");
	expect_yaml(CODES "datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "code: 127.0.0 }\n" ZN, DX_EINVAL,
	    "E F:5: dataset a: bad code \"127.0.0\": not an IPv4 address\n");
	expect_yaml(CODES "datasets:\n  - { name: a, type: ip4set, files: [a], "
	    "txt: \"{service} {colour}\" }\n" ZN, DX_EINVAL,
	    "E F:5: dataset a: unknown TXT placeholder \"{colour}\"\n");
	expect_yaml("codes:\n  services: [ { id: 16, name: x } ]\n" DS ZN,
	    DX_EINVAL, "E F:2: id: \"16\" is not a number in 0..15\n");
	expect_yaml("codes:\n  services: [ { id: 1, name: x }, { id: 1, name: y "
	    "} ]\n" DS ZN, DX_EINVAL, "E F:2: services: duplicate id 1\n");
	expect_yaml("codes:\n  regions: [ { id: 1, name: x }, { id: 2, name: x "
	    "} ]\n" DS ZN, DX_EINVAL, "E F:2: regions: duplicate name \"x\"\n");
	expect_yaml("codes:\n  regions: [ { id: 1 } ]\n" DS ZN, DX_EINVAL,
	    "E F:2: regions: id and name are required\n");
	expect_yaml("codes:\n  regions: [ { id: 0, name: g } ]\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [a], region: g }\n"
	    ZN, DX_EINVAL, "E F:4: dataset a: code 127.0.0.0 from service and "
	    "region is not usable; give code:\n");
	expect_yaml("codes:\n  flavours: []\n" DS ZN, DX_EINVAL,
	    "E F:2: codes: unknown key \"flavours\"\n");
	expect_yaml(DS "zones:\n  - { name: z.org, datasets: [a, b] }\n",
	    DX_EINVAL, "E F:4: zone z.org: unknown dataset \"b\"\n");
	expect_yaml(DS ZN "  - { name: Z.org., datasets: [a] }\n", DX_EINVAL,
	    "E F:5: zone z.org: duplicate zone\n");
	expect_yaml(DS "zones:\n  - { datasets: [a] }\n", DX_EINVAL,
	    "E F:4: zone: name is required\n");
	expect_yaml(DS "zones:\n  - { name: z.org }\n", DX_EINVAL,
	    "E F:4: zone z.org: no datasets\n");
	expect_yaml(DS "  - { name: x, type: acl, files: [x] }\n"
	    "zones:\n  - { name: z.org, acl: x }\n  - { name: y.org, "
	    "datasets: [a] }\n", DX_EINVAL,
	    "E F:5: zone z.org: no datasets\n");
	expect_yaml(DS "zones:\n  - { name: z.org, datasets: [a], acl: a }\n",
	    DX_EINVAL, "E F:4: zone z.org: dataset a is not of type acl\n");
	expect_yaml(DS "zones:\n  - { name: z.org, specs: [ \"ip4set\" ] }\n",
	    DX_EINVAL, "E F:4: zone z.org: bad dataset \"ip4set\" (want "
	    "type:file,...)\n" "E F:4: zone z.org: no datasets\n");
	expect_yaml(DS ZN "acl: a\n", DX_EINVAL,
	    "E F:5: acl: dataset a is not of type acl\n");
	expect_yaml(DS ZN "acl: nope\n", DX_EINVAL,
	    "E F:5: acl: unknown dataset \"nope\"\n");
	expect_yaml("server: {\n" DS, DX_EINVAL,
	    "E F:3: YAML: did not find expected node content while parsing "
	    "a flow node\n");
	expect_yaml("datasets: 3\n" ZN, DX_EINVAL,
	    "E F:1: datasets: expected a list\n"
	    "E F:3: zone z.org: unknown dataset \"a\"\n"
	    "E F:3: zone z.org: no datasets\n");
	expect_yaml(DS "zones: { name: z.org }\n", DX_EINVAL,
	    "E F:3: zones: expected a list\n");
	expect_yaml("? [a]\n: 1\n" DS ZN, DX_EINVAL,
	    "E F:1: config: keys must be strings\n");
	expect_yaml("- a\n- b\n", DX_EINVAL,
	    "E F:1: config: expected a mapping\n");
	expect_yaml("datasets:\n  - { name: a, type: ip4set, files: [ [x] ] }\n"
	    ZN, DX_EINVAL, "E F:2: files: expected a file name\n"
	    "E F:2: dataset a: files: at least one file is required\n");
	expect_yaml("codes:\n  txt: \"{ip} {when}\"\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [a], pool: shared }\n"
	    ZN, DX_EINVAL,
	    "E F:4: dataset a: unknown TXT placeholder \"{when}\"\n");
	expect_yaml("", DX_EINVAL, "E F: empty config\n");
	expect_yaml(DS, DX_EINVAL, "E F: no zones to serve\n"
	    "W F: dataset a is not used by any zone\n");
	/* Warnings alone do not fail a load. */
	expect_yaml(DS "  - { name: b, type: dnset, files: [b] }\n" ZN, 0,
	    "W F: dataset b is not used by any zone\n");
}

static void
test_yaml_missing_file(void **state)
{
	struct config *c = (struct config *)1;
	(void)state;
	assert_int_equal(config_load_file("/nonexistent/dnsxld.conf", &dg, &c),
	    DX_ENOENT);
	assert_null(c);
	assert_string_equal(cap.all, "E /nonexistent/dnsxld.conf: cannot "
	    "open: No such file or directory\n");
}

/* Per-zone allow-transfer / notify replace the server's lists (an empty
 * list too); "key NAME" must name one of tsig-keys. */
static void
test_yaml_zone_xfr(void **state)
{
	struct config *c;
	char *const *a, *const *n;
	unsigned na, nn;
	(void)state;
	write_cfg("server:\n  allow-transfer: [ 127.0.0.1 ]\n"
	    "  notify: \"127.0.0.1@5301\"\n"
	    "  tsig-keys: [ { name: k1, secret: \"c2VjcmV0\" } ]\n"
	    "datasets:\n  - { name: a, type: ip4set, files: [a] }\n"
	    "zones:\n  - { name: z.org, datasets: [a] }\n"
	    "  - name: y.org\n    datasets: [a]\n"
	    "    allow-transfer: [ \"10.0.0.0/8 key k1\", \"::1\" ]\n"
	    "    notify: [ \"10.1.1.1@53\" ]\n"
	    "  - { name: x.org, datasets: [a], allow-transfer: [], "
	    "notify: [] }\n");
	int lrc = config_load_file(cfgpath, &dg, &c);
	if (lrc)
		print_error("%s\n", cap.all);
	assert_int_equal(lrc, 0);
	assert_string_equal(cap.all, "");
	config_xfr_lists(c, "z.org", &a, &na, &n, &nn);
	assert_int_equal(na, 1);
	assert_string_equal(a[0], "127.0.0.1");
	assert_int_equal(nn, 1);
	assert_string_equal(n[0], "127.0.0.1@5301");
	config_xfr_lists(c, "Y.ORG.", &a, &na, &n, &nn);
	assert_int_equal(na, 2);
	assert_string_equal(a[0], "10.0.0.0/8 key k1");
	assert_string_equal(a[1], "::1");
	assert_int_equal(nn, 1);
	assert_string_equal(n[0], "10.1.1.1@53");
	config_xfr_lists(c, "x.org", &a, &na, &n, &nn);
	assert_int_equal(na, 0);
	assert_int_equal(nn, 0);
	assert_false(config_xfr_allows(c, "x.org"));
	assert_true(config_xfr_allows(c, "y.org"));
	assert_true(config_xfr_allows(c, "other.org"));   /* the server's */
	assert_true(config_xfr_any(c));
	config_free(c);

	/* only one zone has a list: transfers are still on */
	write_cfg("datasets:\n  - { name: a, type: ip4set, files: [a] }\n"
	    "zones:\n  - { name: z.org, datasets: [a] }\n"
	    "  - { name: y.org, datasets: [a], allow-transfer: 127.0.0.1 }\n");
	assert_int_equal(config_load_file(cfgpath, &dg, &c), 0);
	assert_true(config_xfr_any(c));
	assert_false(config_xfr_allows(c, "z.org"));
	assert_true(config_xfr_allows(c, "y.org"));
	config_free(c);
	assert_string_equal(cap.all, "");

	expect_yaml(DS "zones:\n  - { name: z.org, datasets: [a], "
	    "allow-transfer: [ \"::1 key nokey\" ] }\n", DX_EINVAL,
	    "E F: zone z.org: allow-transfer \"::1 key nokey\": no such key "
	    "in tsig-keys\n");
	expect_yaml("server:\n  notify: \"::1@53 key k2\"\n" DS ZN, DX_EINVAL,
	    "E F: notify \"::1@53 key k2\": no such key in tsig-keys\n");
	expect_yaml(DS "zones:\n  - { name: z.org, datasets: [a], "
	    "notify: [ [ 1 ] ] }\n", DX_EINVAL,
	    "E F:4: notify: expected a string\n");
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
		cmocka_unit_test_setup_teardown(test_yaml_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_paths_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_with_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_zone_xfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_missing_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

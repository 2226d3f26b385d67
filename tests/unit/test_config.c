/* test_config.c -- the YAML config: every option and every error, exact
 * values (the command line: test_config_args.c). */
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

static void
write_cfg(const char *text)
{
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
ip(uint32_t a_net)
{
	static char buf[INET_ADDRSTRLEN];
	struct in_addr a = { a_net };
	return (char *)inet_ntop(AF_INET, &a, buf, sizeof(buf));
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
		cmocka_unit_test_setup_teardown(test_yaml_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_paths_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_with_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_zone_xfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_missing_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

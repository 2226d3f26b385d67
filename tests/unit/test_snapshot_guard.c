/* test_snapshot_guard.c -- feeds through the YAML config (codes per Azure
 * region, azure-regions, {tag}/{change}, feed keys) and the reload guard
 * of snapshot_build_next: max-shrink, empty data, force, rbldnsd types. */
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
#include "dataset.h"
#include "errcode.h"
#include "snapshot.h"
#include "zone.h"
#include "snap_testutil.h"

#define FIX "tests/fixtures/feeds/"

static int
setup(void **state)
{
	(void)state;
	st_begin("/tmp/test_guard.XXXXXX");
	return 0;
}

/* Copy a fixture to tmpdir/name (as a download would replace it). */
static void
put_fixture(const char *fixture, const char *name)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s%s %s/%s", FIX, fixture, tmpdir, name);
	assert_int_equal(system(cmd), 0);
}

static const char codes[] =
"codes:\n"
"  services:\n"
"    - { id: 1, name: d365-marketing, description: \"Dynamics 365 Marketing\" }\n"
"    - { id: 2, name: eop, description: \"Exchange Online Protection\" }\n"
"  regions:\n"
"    - { id: 0, name: global, description: \"global\" }\n"
"    - { id: 1, name: NAM, description: \"North America\" }\n"
"    - { id: 9, name: EUR, description: \"Europe\" }\n"
"    - { id: 10, name: FRA, description: \"France\" }\n"
"  txt: \"{service} {region} {tag} cn{change} {prefix}\"\n";

/* Write dnsxld.conf = codes + extra and load it. */
static struct config *
yaml(const char *extra, int want)
{
	char path[256], *text = malloc(strlen(codes) + strlen(extra) + 1);
	struct config *c = NULL;

	strcpy(text, codes);
	strcat(text, extra);
	write_file("dnsxld.conf", text);
	free(text);
	snprintf(path, sizeof(path), "%s/dnsxld.conf", tmpdir);
	assert_int_equal(config_load_file(path, &dg, &c), want);
	return c;
}

/* "A TXT" of the first hit for a reverse IPv4 name in the first zone. */
static const char *
ask(const struct snapshot *s, const char *rname)
{
	static char out[600];
	const uint8_t *labels[8];
	uint8_t lens[8], buf[64];
	struct dx_qname q;
	struct dx_hits hits = { 0 };
	char txt[512];
	unsigned n = 0;
	size_t st = 0, len = strlen(rname);
	struct in_addr a;

	memcpy(buf, rname, len + 1);
	for (size_t i = 0; i <= len; i++)
		if (i == len || buf[i] == '.') {
			labels[n] = buf + st;
			lens[n++] = (uint8_t)(i - st);
			st = i + 1;
		}
	assert_int_equal(qname_parse(&q, n, labels, lens), 0);
	if (zone_query(snapshot_zone(s, 0), &q, &hits) != ZONE_FOUND)
		return "(none)";
	a.s_addr = hits.hit[0].val->a;
	if (dataset_txt_expand(&hits.hit[0], &q, txt, sizeof(txt)) < 0)
		strcpy(txt, "-");
	snprintf(out, sizeof(out), "%s %s", inet_ntoa(a), txt);
	return out;
}

static const char azure_conf[] =
"azure-regions:\n"
"  default: EUR\n"
"  map: { atlantisnorth: FRA }\n"
"datasets:\n"
"  - name: d365\n"
"    type: azure-servicetags\n"
"    files: feed.json\n"
"    service: d365-marketing\n"
"zones:\n"
"  - { name: wl.example.org, datasets: [ d365 ] }\n";

static void
config_codes_per_region(void **state)
{
	struct config *c = yaml(azure_conf, 0);
	struct snapshot *s;
	(void)state;

	put_fixture("servicetags_cn101.json", "feed.json");
	assert_int_equal(snapshot_build_next(c, NULL, false, &dg, &s), 0);
	assert_string_equal(ask(s, "5.242.78.40"), "127.0.0.17 d365-marketing "
	    "NAM Dynamics365ForMarketingEmail.WestUS2 cn101 40.78.242.0/25");
	assert_string_equal(ask(s, "200.138.79.40"), "127.0.0.26 d365-marketing"
	    " FRA Dynamics365ForMarketingEmail.FranceCentral cn101 "
	    "40.79.138.192/26");
	/* config row; default: EUR for a region without a row */
	assert_string_equal(ask(s, "3.2.0.192"), "127.0.0.26 d365-marketing "
	    "FRA Dynamics365ForMarketingEmail.Atlantis cn101 192.0.2.0/28");
	assert_string_equal(ask(s, "100.251.133.102"), "127.0.0.25 "
	    "d365-marketing EUR Dynamics365ForMarketingEmail.SouthAfricaNorth "
	    "cn101 102.133.251.96/27");
	/* aggregate only: region id 0 */
	assert_string_equal(ask(s, "7.100.51.198"), "127.0.0.16 d365-marketing "
	    "global Dynamics365ForMarketingEmail cn101 198.51.100.0/24");
	snapshot_free(s);
	config_free(c);
}

static void
config_errors(void **state)
{
	(void)state;
	assert_null(yaml(
	    "azure-regions: { default: MARS, map: { eastus: VENUS } }\n"
	    "datasets:\n"
	    "  - { name: a, type: azure-servicetags, files: f, region: NAM,"
	    " service: eop }\n"
	    "  - { name: m, type: m365-endpoints, files: f, tags: [ X ] }\n"
	    "  - { name: t, type: azure-servicetags, files: f, ids: [ 1 ] }\n"
	    "  - { name: s, type: ip4trie, files: f, max-shrink: 150% }\n"
	    "zones:\n"
	    "  - { name: x.org, datasets: [ a, m, t, s ] }\n", DX_EINVAL));
	assert_non_null(strstr(msgs, "dnsxld.conf:11: azure-regions.default: "
	    "unknown region \"MARS\""));
	assert_non_null(strstr(msgs, "azure-regions.map: eastus: unknown "
	    "region \"VENUS\""));
	assert_non_null(strstr(msgs, "dataset a: region: each Azure tag has "
	    "its own (see azure-regions)"));
	assert_non_null(strstr(msgs, "dataset m: tags: only for "
	    "azure-servicetags"));
	assert_non_null(strstr(msgs, "dataset t: service-areas and ids: only "
	    "for m365-endpoints"));
	assert_non_null(strstr(msgs, "dnsxld.conf:16: max-shrink: expected a "
	    "percentage 0%..100% or off"));
}

/* Build prev from one fixture, then the next from another. */
static int
reload(const char *conf, const char *first, const char *second, bool force,
    size_t *before, size_t *after)
{
	struct config *c1 = yaml(conf, 0), *c2;
	struct snapshot *s1, *s2 = NULL;
	int rc;

	put_fixture(first, "feed.json");
	assert_int_equal(snapshot_build_next(c1, NULL, false, &dg, &s1), 0);
	*before = dataset_entries(zone_dataset(snapshot_zone(s1, 0), 0));
	put_fixture(second, "feed.json");
	c2 = yaml(conf, 0);
	msgs[0] = '\0';
	rc = snapshot_build_next(c2, s1, force, &dg, &s2);
	*after = s2 ? dataset_entries(zone_dataset(snapshot_zone(s2, 0), 0)) : 0;
	if (rc == 0) {
		assert_non_null(s2);
		snapshot_free(s1);
		config_free(c1);
		snapshot_free(s2);
		config_free(c2);
	} else {
		assert_null(s2);        /* the caller keeps s1 */
		assert_string_equal(ask(s1, "5.242.78.40"), "127.0.0.17 "
		    "d365-marketing NAM Dynamics365ForMarketingEmail.WestUS2 "
		    "cn101 40.78.242.0/25");
		snapshot_free(s1);
		config_free(c1);
		config_free(c2);
	}
	return rc;
}

static void
guard_refuses_shrink(void **state)
{
	size_t b, a;
	(void)state;

	assert_int_equal(reload(azure_conf, "servicetags_cn101.json",
	    "servicetags_shrunk.json", false, &b, &a), DX_EPERM);
	assert_int_equal(b, 9);
	assert_non_null(strstr(msgs, "feed.json: dataset d365: 1 prefixes, 9 "
	    "before: would remove 88% (max-shrink 50%): refused, the loaded "
	    "data stays"));
	/* force takes it */
	assert_int_equal(reload(azure_conf, "servicetags_cn101.json",
	    "servicetags_shrunk.json", true, &b, &a), 0);
	assert_int_equal(a, 1);
	/* an ordinary update passes */
	assert_int_equal(reload(azure_conf, "servicetags_cn101.json",
	    "servicetags_cn102.json", false, &b, &a), 0);
	assert_int_equal(a, 9);
	assert_non_null(strstr(msgs, "W "));     /* southafricanorth, only */
	assert_null(strstr(msgs, "E "));
}

static void
broken_files_fail_first(void **state)
{
	size_t b, a;
	(void)state;

	/* a file that cannot be read as the feed fails the build itself */
	assert_int_equal(reload(
	    "datasets:\n"
	    "  - { name: d365, type: azure-servicetags, files: feed.json,"
	    " service: d365-marketing, max-shrink: 100% }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d365 ] }\n",
	    "servicetags_cn101.json", "servicetags_notobject.json", false,
	    &b, &a), DX_EINVAL);        /* broken files fail before the guard */
	assert_int_equal(reload(
	    "datasets:\n"
	    "  - { name: d365, type: azure-servicetags, files: feed.json,"
	    " service: d365-marketing, max-shrink: 100%, tags: [ X, "
	    "Dynamics365ForMarketingEmail ] }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d365 ] }\n",
	    "servicetags_cn101.json", "m365_worldwide.json", false, &b, &a),
	    DX_EINVAL);                 /* not an object */
	assert_non_null(strstr(msgs, "feed.json: top level: expected an "
	    "object (Azure Service Tags)"));
	assert_int_equal(reload(azure_conf, "servicetags_cn101.json",
	    "servicetags_truncated.json", true, &b, &a), DX_EINVAL);
	assert_non_null(strstr(msgs, "feed.json:"));
	assert_non_null(strstr(msgs, "file refused"));
}

static void
guard_empty_selection(void **state)
{
	static const char conf[] =
	    "datasets:\n"
	    "  - { name: d365, type: azure-servicetags, files: feed.json,"
	    " service: d365-marketing, max-shrink: 100% }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d365 ] }\n";
	(void)state;

	/* a valid document without the tags: empty -> refused */
	struct config *c1 = yaml(conf, 0), *c2;
	struct snapshot *s1, *s2 = NULL;
	put_fixture("servicetags_cn101.json", "feed.json");
	assert_int_equal(snapshot_build_next(c1, NULL, false, &dg, &s1), 0);
	write_file("feed.json", "{ \"changeNumber\": 9, \"values\": [] }");
	c2 = yaml(conf, 0);
	msgs[0] = '\0';
	assert_int_equal(snapshot_build_next(c2, s1, false, &dg, &s2), DX_EPERM);
	assert_null(s2);
	assert_non_null(strstr(msgs, "dataset d365: the new data is empty (9 "
	    "prefixes before): refused, the loaded data stays"));
	/* shrink 88% is fine under max-shrink 100% */
	put_fixture("servicetags_shrunk.json", "feed.json");
	assert_int_equal(snapshot_build_next(c2, s1, false, &dg, &s2), 0);
	snapshot_free(s2);
	/* max-shrink: off takes even an empty file */
	config_free(c2);
	write_file("feed.json", "{ \"changeNumber\": 9, \"values\": [] }");
	c2 = yaml("datasets:\n"
	    "  - { name: d365, type: azure-servicetags, files: feed.json,"
	    " service: d365-marketing, max-shrink: off }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d365 ] }\n", 0);
	assert_int_equal(snapshot_build_next(c2, s1, false, &dg, &s2), 0);
	snapshot_free(s2);
	config_free(c2);
	snapshot_free(s1);
	config_free(c1);
}

static void
guard_rbldnsd_types(void **state)
{
	static const char plain[] =
	    "datasets:\n"
	    "  - { name: d, type: ip4trie, files: d.txt }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d ] }\n";
	static const char guarded[] =
	    "datasets:\n"
	    "  - { name: d, type: ip4trie, files: d.txt, max-shrink: 50% }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d ] }\n";
	struct config *c1, *c2;
	struct snapshot *s1, *s2 = NULL;
	(void)state;

	/* rbldnsd's types keep rbldnsd's behaviour unless max-shrink is set */
	write_file("d.txt", "10.0.0.0/8\n11.0.0.0/8\n12.0.0.0/8\n");
	c1 = yaml(plain, 0);
	assert_int_equal(snapshot_build_next(c1, NULL, false, &dg, &s1), 0);
	write_file("d.txt", "10.0.0.0/8\n");
	c2 = yaml(plain, 0);
	assert_int_equal(snapshot_build_next(c2, s1, false, &dg, &s2), 0);
	snapshot_free(s2);
	config_free(c2);
	c2 = yaml(guarded, 0);
	assert_int_equal(snapshot_build_next(c2, s1, false, &dg, &s2),
	    DX_EPERM);
	assert_non_null(strstr(msgs, "dataset d: 1 prefixes, 3 before: would "
	    "remove 66% (max-shrink 50%)"));
	assert_int_equal(snapshot_build_next(c2, s1, true, &dg, &s2), 0);
	snapshot_free(s2);
	config_free(c2);
	snapshot_free(s1);
	config_free(c1);
}

static void
tag_empty_outside_feeds(void **state)
{
	struct config *c;
	struct snapshot *s;
	(void)state;

	write_file("d.txt", "10.0.0.0/8\n");
	c = yaml("datasets:\n"
	    "  - { name: d, type: ip4trie, files: d.txt, service: eop }\n"
	    "zones:\n  - { name: wl.example.org, datasets: [ d ] }\n", 0);
	assert_int_equal(snapshot_build_next(c, NULL, false, &dg, &s), 0);
	assert_string_equal(ask(s, "1.0.0.10"),
	    "127.0.0.32 eop   cn 10.0.0.0/8");
	snapshot_free(s);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_codes_per_region, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(config_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(guard_refuses_shrink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(broken_files_fail_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(guard_empty_selection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(guard_rbldnsd_types, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(tag_empty_outside_feeds, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

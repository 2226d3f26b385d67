/* test_snapshot.c -- datasets loaded once, zones in order, longest-suffix
 * zone lookup, config labels and defaults reaching the answers. */
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
#include "wire_testutil.h"

static int
setup(void **state)
{
	(void)state;
	st_begin("/tmp/test_snapshot.XXXXXX");
	dg.max_report = 0;
	return 0;
}

/* config from "-w tmpdir" plus the given specs. */
static struct config *
cfg_args(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[8] = { (char *)"dnsxld", (char *)"-w", tmpdir };
	const char *a[4] = { a1, a2, a3, a4 };
	int argc = 3;
	struct config *c = NULL;

	for (int i = 0; i < 4 && a[i]; i++)
		argv[argc++] = (char *)a[i];
	argv[argc] = NULL;
	assert_int_equal(config_from_args(argc, argv, &dg, &c), 0);
	return c;
}

static const struct zone *
find(const struct snapshot *s, const char *name, unsigned *zl)
{
	uint8_t w[256];
	unsigned n = (unsigned)tu_wire_name(name, w);
	return snapshot_find_zone(s, w, n, zl);
}

/* Query a zone for a dotted IPv4 address. */
static enum zone_status
query4(const struct zone *z, const char *ip, struct dx_hits *hits,
    struct dx_qname *q)
{
	static char lab[4][4];
	const uint8_t *labels[4];
	uint8_t lens[4];
	unsigned a, b, c, d;

	assert_int_equal(sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	snprintf(lab[0], 4, "%u", d);
	snprintf(lab[1], 4, "%u", c);
	snprintf(lab[2], 4, "%u", b);
	snprintf(lab[3], 4, "%u", a);
	for (int i = 0; i < 4; i++) {
		labels[i] = (const uint8_t *)lab[i];
		lens[i] = (uint8_t)strlen(lab[i]);
	}
	assert_int_equal(qname_parse(q, 4, labels, lens), 0);
	hits->n = 0;
	return zone_query(z, q, hits);
}

static void
test_zones_and_shared_datasets(void **state)
{
	struct config *c;
	struct snapshot *s;
	const struct zone *bl, *wl;
	(void)state;
	write_file("a.txt", "10.0.0.1\n10.0.0.2\n");
	write_file("b.txt", "192.0.2.0/24\n");
	c = cfg_args("bl.example.org:ip4set:a.txt", "wl.example.org:ip4set:a.txt",
	    "BL.example.org:ip4set:b.txt", NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	assert_string_equal(msgs, "");
	assert_ptr_equal(snapshot_config(s), c);
	assert_int_equal(snapshot_zone_count(s), 2);
	bl = snapshot_zone(s, 0);
	wl = snapshot_zone(s, 1);
	assert_null(snapshot_zone(s, 2));
	assert_string_equal(zone_name(bl), "bl.example.org");
	assert_string_equal(zone_name(wl), "wl.example.org");
	assert_int_equal(zone_dataset_count(bl), 2);
	assert_int_equal(zone_dataset_count(wl), 1);
	/* one dataset, loaded once, serving both zones */
	assert_ptr_equal(zone_dataset(bl, 0), zone_dataset(wl, 0));
	assert_ptr_not_equal(zone_dataset(bl, 0), zone_dataset(bl, 1));
	assert_int_equal(dataset_entries(zone_dataset(bl, 0)), 2);
	assert_string_equal(dataset_labels(zone_dataset(bl, 1))->name,
	    "ip4set:b.txt");
	snapshot_free(s);
	config_free(c);
}

static void
test_find_zone(void **state)
{
	struct config *c;
	struct snapshot *s;
	unsigned zl = 99;
	uint8_t w[256];
	unsigned n;
	(void)state;
	write_file("a.txt", "10.0.0.1\n");
	c = cfg_args("example.org:ip4set:a.txt", "sub.example.org:ip4set:a.txt",
	    "other.net:ip4set:a.txt", NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	assert_ptr_equal(find(s, "1.0.0.10.example.org", &zl),
	    snapshot_zone(s, 0));
	assert_int_equal(zl, 2);
	assert_ptr_equal(find(s, "example.org", &zl), snapshot_zone(s, 0));
	assert_int_equal(zl, 2);
	/* the longest suffix wins, whatever the config order */
	assert_ptr_equal(find(s, "x.sub.example.org", &zl), snapshot_zone(s, 1));
	assert_int_equal(zl, 3);
	assert_ptr_equal(find(s, "sub.example.org", &zl), snapshot_zone(s, 1));
	assert_ptr_equal(find(s, "a.b.other.net", &zl), snapshot_zone(s, 2));
	assert_int_equal(zl, 2);
	/* label boundaries: xexample.org is not in example.org */
	assert_null(find(s, "xexample.org", NULL));
	assert_null(find(s, "org", NULL));
	assert_null(find(s, "example.com", NULL));
	assert_null(find(s, "", NULL));
	/* without the root label too */
	n = (unsigned)tu_wire_name("1.example.org", w);
	assert_ptr_equal(snapshot_find_zone(s, w, n - 1, &zl), snapshot_zone(s, 0));
	/* malformed: a label running past the end */
	n = (unsigned)tu_wire_name("1.example.org", w);
	w[2] = 60;
	assert_null(snapshot_find_zone(s, w, n, &zl));
	assert_null(snapshot_find_zone(s, w, 0, &zl));
	snapshot_free(s);
	config_free(c);
}

static void
test_labels_and_config_value(void **state)
{
	char path[256];
	struct config *c;
	struct snapshot *s;
	const struct zone *z;
	const struct dataset *ds;
	struct dx_hits hits;
	struct dx_qname q;
	char txt[512];
	(void)state;
	write_file("nam.ip4", "40.78.242.0/25\n40.78.243.1 :5:own $\n");
	write_file("nam2.ip4", ":3:file default\n40.78.244.1\n");
	write_file("dnsxld.conf",
	    "server:\n  soa: { mname: ns.example.org, rname: h.example.org }\n"
	    "codes:\n"
	    "  services: [ { id: 1, name: d365, description: \"D 365\" } ]\n"
	    "  regions: [ { id: 1, name: NAM, description: \"N America\" } ]\n"
	    "  txt: \"{service_desc} {region} {pool} {ip} in {prefix}\"\n"
	    "datasets:\n"
	    "  - { name: d365-nam, type: ip4trie, files: [nam.ip4, nam2.ip4],\n"
	    "      service: d365, region: NAM, pool: shared }\n"
	    "  - { name: same-files-other-labels, type: ip4set,\n"
	    "      files: [nam.ip4, nam2.ip4] }\n"
	    "zones:\n"
	    "  - { name: wl.example.org, datasets: [d365-nam, "
	    "same-files-other-labels] }\n");
	snprintf(path, sizeof(path), "%s/dnsxld.conf", tmpdir);
	assert_int_equal(config_load_file(path, &dg, &c), 0);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	assert_string_equal(msgs, "");
	z = snapshot_zone(s, 0);
	assert_int_equal(zone_dataset_count(z), 2);
	/* different labels: two datasets even over the same files */
	assert_ptr_not_equal(zone_dataset(z, 0), zone_dataset(z, 1));
	ds = zone_dataset(z, 0);
	assert_string_equal(dataset_labels(ds)->name, "d365-nam");
	assert_string_equal(dataset_labels(ds)->service, "d365");
	assert_string_equal(dataset_labels(ds)->region, "NAM");
	assert_string_equal(dataset_labels(ds)->pool, "shared");

	/* the config default: A 127.0.0.17 and the expanded template */
	assert_int_equal(query4(z, "40.78.242.5", &hits, &q), ZONE_FOUND);
	assert_int_equal(hits.n, 2);
	assert_ptr_equal(hits.hit[0].ds, ds);
	assert_int_equal(hits.hit[0].val->a, htonl(0x7f000011));
	assert_true(dataset_txt_expand(&hits.hit[0], &q, txt, sizeof(txt)) > 0);
	assert_string_equal(txt, "D 365 NAM shared 40.78.242.5 in "
	    "40.78.242.0/25");
	/* the unlabelled twin: rbldnsd's default, no TXT */
	assert_int_equal(hits.hit[1].val->a, htonl(0x7f000002));
	assert_int_equal(dataset_txt_expand(&hits.hit[1], &q, txt,
	    sizeof(txt)), -1);
	/* a per-entry value wins over the config */
	assert_int_equal(query4(z, "40.78.243.1", &hits, &q), ZONE_FOUND);
	assert_int_equal(hits.hit[0].val->a, htonl(0x7f000005));
	assert_true(dataset_txt_expand(&hits.hit[0], &q, txt, sizeof(txt)) > 0);
	assert_string_equal(txt, "own 40.78.243.1");
	/* and the file's own default line too */
	assert_int_equal(query4(z, "40.78.244.1", &hits, &q), ZONE_FOUND);
	assert_int_equal(hits.hit[0].val->a, htonl(0x7f000003));
	assert_int_equal(query4(z, "40.78.245.1", &hits, &q), ZONE_NXDOMAIN);
	assert_int_equal(hits.n, 0);
	snapshot_free(s);
	config_free(c);
}

static void
test_load_errors(void **state)
{
	struct config *c;
	struct snapshot *s = (struct snapshot *)1;
	char want[1024];
	(void)state;
	write_file("a.txt", "10.0.0.1\nnot-an-address\n");
	c = cfg_args("z.org:ip4set:missing.txt", "y.org:ip4set:a.txt", NULL,
	    NULL);
	assert_true(snapshot_build(c, &dg, &s) < 0);
	assert_null(s);
	/* every dataset is still read, so all problems show at once */
	snprintf(want, sizeof(want), "E %s/missing.txt: unable to open file: "
	    "No such file or directory\nW %s/a.txt:2: invalid address\n",
	    tmpdir, tmpdir);
	assert_string_equal(msgs, want);
	config_free(c);
	/* a bad line alone leaves the data usable */
	msgs[0] = '\0';
	c = cfg_args("y.org:ip4set:a.txt", NULL, NULL, NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	assert_int_equal(dataset_entries(zone_dataset(snapshot_zone(s, 0), 0)),
	    1);
	snapshot_free(s);
	config_free(c);
}

static void
test_global_acl(void **state)
{
	struct config *c;
	struct snapshot *s;
	(void)state;
	write_file("a.txt", "10.0.0.1\n");
	write_file("g.acl", "127.0.0.1\n");
	write_file("z.acl", "127.0.0.2\n");
	c = cfg_args("z.org:ip4set:a.txt", "y.org:ip4set:a.txt",
	    ":acl:g.acl", "y.org:acl:z.acl");
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	/* the global acl stands apart: rbldnsd consults it beside the zone's */
	assert_null(zone_acl(snapshot_zone(s, 0)));
	assert_non_null(snapshot_global_acl(s));
	assert_string_equal(dataset_labels(snapshot_global_acl(s))->name,
	    "acl:g.acl");
	assert_non_null(zone_acl(snapshot_zone(s, 1)));
	assert_string_equal(dataset_labels(zone_acl(snapshot_zone(s, 1)))->name,
	    "acl:z.acl");
	/* acl datasets do not count as data datasets */
	assert_int_equal(zone_dataset_count(snapshot_zone(s, 0)), 1);
	assert_int_equal(zone_dataset_count(snapshot_zone(s, 1)), 1);
	snapshot_free(s);
	config_free(c);
	/* no global acl */
	c = cfg_args("z.org:ip4set:a.txt", NULL, NULL, NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	assert_null(snapshot_global_acl(s));
	snapshot_free(s);
	config_free(c);
}

/* The IPv4 map the prefetch hint uses: a trie's, none for a set; a hint
 * on any address, or on an empty trie, is harmless. */
static void
test_prefetch_hint(void **state)
{
	struct config *c;
	struct snapshot *s;
	const struct zone *z;
	(void)state;
	write_file("a.txt", "10.0.0.1\n");
	write_file("t.txt", "10.0.0.0/8\n");
	write_file("e.txt", "");
	c = cfg_args("bl.example.org:ip4set:a.txt", "bl.example.org:ip4trie:t.txt",
	    "wl.example.org:ip4trie:e.txt", NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	z = snapshot_zone(s, 0);
	assert_null(dataset_lpm4(zone_dataset(z, 0)));
	assert_non_null(dataset_lpm4(zone_dataset(z, 1)));
	snapshot_prefetch4(s, 0x0a000001);
	snapshot_prefetch4(s, 0xffffffff);
	z = snapshot_zone(s, 1);
	snapshot_prefetch4(s, 0);
	(void)dataset_lpm4(zone_dataset(z, 0));
	snapshot_free(s);
	config_free(c);
}

static bool
listed(const void *const *hot, unsigned n, const void *p)
{
	for (unsigned i = 0; i < n; i++)
		if (hot[i] == p)
			return true;
	return false;
}

/* The lines fetched when a query starts: the config, the first zone and
 * its first dataset, the prefetch hint's trie; nothing NULL. */
static void
test_hot_lines(void **state)
{
	struct config *c;
	struct snapshot *s;
	unsigned n;
	(void)state;
	write_file("a.txt", "10.0.0.1\n");
	write_file("t.txt", "10.0.0.0/8\n");
	c = cfg_args("bl.example.org:ip4set:a.txt", "bl.example.org:ip4trie:t.txt",
	    NULL, NULL);
	assert_int_equal(snapshot_build(c, &dg, &s), 0);
	const void *const *hot = snapshot_hot_lines(s, &n);
	const struct zone *z = snapshot_zone(s, 0);
	assert_in_range(n, 5, 12);
	for (unsigned i = 0; i < n; i++)
		assert_non_null(hot[i]);
	assert_ptr_equal(hot[0], snapshot_config(s));
	assert_true(listed(hot, n, z));
	assert_true(listed(hot, n, zone_dataset(z, 0)));
	assert_ptr_equal(hot[n - 1], dataset_lpm4(zone_dataset(z, 1)));
	snapshot_prefetch_hot(s);
	snapshot_free(s);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zones_and_shared_datasets,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels_and_config_value,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefetch_hint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_lines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

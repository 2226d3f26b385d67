/* test_query_short.c -- the short way for A (zone_lookup4, query.c's
 * answer_a4) writes the bytes of the long way: the same zone served once
 * by one IPv4 trie (short way) and once by that trie plus an empty one
 * (long way, zone_query), asked the same seeded queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "query.h"
#include "snapshot.h"
#include "zone.h"
#include "wire_testutil.h"

#define ZONE "wl.example.org"
#define NQUERIES 4000

static char dir[] = "/tmp/test_query_short.XXXXXX";
static char path_main[256], path_empty[256];

/* Listed, nested, excluded and adjacent prefixes with their own values. */
static const char data[] =
    "$SOA 3600 ns.example.org. hostmaster.example.org. 42 7200 900 "
    "604800 600\n"
    "$NS 3600 ns1.example.org. ns2.example.net.\n"
    "$TTL 1800\n"
    ":127.0.0.2:Listed $\n"
    "10.0.0.0/8 :127.0.0.3:ten\n"
    "10.1.0.0/16\n"
    "10.1.2.0/24 :127.0.0.4:\n"
    "10.1.2.3/32 :127.0.0.5:\n"
    "!10.1.2.128/25\n"
    "192.0.2.0/24 :127.0.0.10:\n"
    "192.0.2.77\n"
    "203.0.113.0/25 :127.0.0.11:\n";

/* Addresses the random ones are drawn near. */
static const uint32_t anchors[] = {
	0x0A000000, 0x0A010000, 0x0A010200, 0x0A010203, 0x0A010280,
	0xC0000200, 0xC000024D, 0xCB007100, 0xCB007180, 0x7F000002,
	0x7F000001, 0x28000000,
};

struct served {
	struct config *cfg;
	struct snapshot *snap;
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ZONE from the main trie, plus the empty one when two; extra: an option
 * such as "-a" or NULL. */
static void
serve(struct served *sv, int two, const char *extra)
{
	char spec[2][600];
	const char *argv[10];
	int argc = 0;
	struct diag d;

	snprintf(spec[0], sizeof(spec[0]), ZONE ":ip4trie:%s", path_main);
	snprintf(spec[1], sizeof(spec[1]), ZONE ":ip4trie:%s", path_empty);
	argv[argc++] = "dnsxld";
	argv[argc++] = "-n";
	argv[argc++] = "-b";
	argv[argc++] = "127.0.0.1/5353";
	if (extra)
		argv[argc++] = extra;
	argv[argc++] = spec[0];
	if (two)
		argv[argc++] = spec[1];
	argv[argc] = NULL;
	diag_init(&d);
	assert_int_equal(config_from_args(argc, (char **)argv, &d, &sv->cfg), 0);
	assert_int_equal(snapshot_build(sv->cfg, &d, &sv->snap), 0);
	assert_int_equal(snapshot_zone_count(sv->snap), 1);
}

static void
unserve(struct served *sv)
{
	snapshot_free(sv->snap);
	config_free(sv->cfg);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path_main, sizeof(path_main), "%s/main.ip4", dir);
	snprintf(path_empty, sizeof(path_empty), "%s/empty.ip4", dir);
	write_file(path_main, data);
	write_file(path_empty, "# nothing listed\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path_main);
	unlink(path_empty);
	rmdir(dir);
	return 0;
}

static uint64_t rs = 5782;

static uint32_t
rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (uint32_t)((rs * UINT64_C(2685821657736338717)) >> 32);
}

struct rq {
	size_t len;
	uint32_t addr;
	unsigned octets;        /* 4, or 3: an empty non-terminal */
	uint16_t type;
};

/* A query for a reversed address under the zone, the zone's letters in
 * random case (0x20); its labels, qtype and OPT (none, 512 or 1232, DO
 * bit) drawn too. */
static struct rq
random_query(uint8_t *q)
{
	struct rq r;
	char name[300], zone[sizeof(ZONE)];
	uint32_t a = anchors[rnd() % (sizeof(anchors) / sizeof(anchors[0]))];
	static const uint16_t types[] = { 1, 1, 1, 1, 1, 16, 255, 28 };
	uint16_t type = types[rnd() % 8];
	unsigned pick = rnd() % 8, octets = rnd() % 16 ? 4 : 3;
	size_t n = 12;

	if (pick < 3)
		a += rnd() % 256;
	else if (pick < 5)
		a ^= rnd() & 0xFFFF;
	else if (pick == 5)
		a = rnd();
	r.addr = a;
	r.octets = octets;
	r.type = type;
	memcpy(zone, ZONE, sizeof(ZONE));
	for (char *c = zone; *c; c++)
		if (rnd() % 2 && *c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	if (octets == 4)
		snprintf(name, sizeof(name), "%u.%u.%u.%u.%s", a & 255,
		    a >> 8 & 255, a >> 16 & 255, a >> 24, zone);
	else
		snprintf(name, sizeof(name), "%u.%u.%u.%s", a >> 8 & 255,
		    a >> 16 & 255, a >> 24, zone);
	memset(q, 0, 12);
	q[0] = (uint8_t)rnd();
	q[1] = (uint8_t)rnd();
	q[2] = rnd() % 2 ? 0x01 : 0x00;         /* RD */
	q[5] = 1;
	n += tu_wire_name(name, q + n);
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1;
	unsigned edns = rnd() % 4;
	if (edns) {
		uint16_t payload = edns == 1 ? 512 : 1232;
		const uint8_t opt[11] = { 0, 0, 41, (uint8_t)(payload >> 8),
		    (uint8_t)payload, 0, 0, edns == 3 ? 0x80 : 0, 0, 0, 0 };
		memcpy(q + n, opt, sizeof(opt));
		n += sizeof(opt);
		q[11] = 1;
	}
	r.len = n;
	return r;
}

/* The same replies both ways, byte for byte, and both kinds of answer
 * seen often enough that the comparison means something. tests: the RFC
 * 5782 test entries are served (they take the long way). */
static void
compare_ways(const char *extra, int tests)
{
	struct served shortw, longw;
	static uint8_t q[600], a[QUERY_MAX_BUF], b[QUERY_MAX_BUF];
	unsigned listed = 0, nx = 0, shortcut = 0;

	serve(&shortw, 0, extra);
	serve(&longw, 1, extra);
	const struct zone *zs = snapshot_zone(shortw.snap, 0);
	const struct zone *zl = snapshot_zone(longw.snap, 0);
	for (unsigned i = 0; i < NQUERIES; i++) {
		struct rq r = random_query(q);
		uint32_t addr = r.addr;
		struct query_info ia, ib;
		size_t la = query_process(shortw.snap, q, r.len, QUERY_UDP, NULL,
		    a, 1232, &ia);
		size_t lb = query_process(longw.snap, q, r.len, QUERY_UDP, NULL,
		    b, 1232, &ib);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		assert_int_equal(ia.nhits, ib.nhits);
		const struct dataset *ds;
		const struct dx_value *val;
		/* the long-way zone never takes the short way ... */
		assert_false(zone_lookup4(zl, addr, &ds, &val));
		if (r.octets != 4 || r.type != 1)
			continue;       /* query.c asks only for these */
		/* ... the short-way zone does, but for the RFC 5782 tests */
		if (tests && (addr == 0x7F000002 || addr == 0x7F000001)) {
			assert_false(zone_lookup4(zs, addr, &ds, &val));
			continue;
		}
		assert_true(zone_lookup4(zs, addr, &ds, &val));
		shortcut++;
		if ((a[3] & 0x0F) == 3) {
			assert_null(val);
			nx++;
		} else {
			assert_non_null(val);
			assert_int_equal(a[7], 1);      /* ANCOUNT */
			listed++;
		}
	}
	assert_true(listed > NQUERIES / 10);
	assert_true(nx > NQUERIES / 20);
	assert_true(shortcut > NQUERIES / 3);
	unserve(&shortw);
	unserve(&longw);
}

static void
test_same_bytes(void **state)
{
	(void)state;
	compare_ways(NULL, 1);
}

static void
test_same_bytes_minimal(void **state)
{
	(void)state;
	compare_ways("-a", 1);
}

static void
test_same_bytes_without_rfc5782_tests(void **state)
{
	(void)state;
	compare_ways("--no-rfc5782-tests", 0);
}

/* Values by hand: longest prefix, exclusion, nothing. */
static void
test_lookup4_values(void **state)
{
	struct served sv;
	const struct dataset *ds;
	const struct dx_value *val;
	static const struct { uint32_t addr; uint8_t last; } cases[] = {
		{ 0x0A010203, 5 },      /* the /32 */
		{ 0x0A010204, 4 },      /* the /24 around it */
		{ 0x0A0102FF, 0 },      /* excluded /25 */
		{ 0x0A01FF00, 2 },      /* the /16, default value */
		{ 0x0AFF0000, 3 },      /* the /8 */
		{ 0xC000024D, 2 },      /* inside 192.0.2.0/24, its own line */
		{ 0xCB007180, 0 },      /* past the /25 */
		{ 0x28000000, 0 },
	};
	(void)state;
	serve(&sv, 0, NULL);
	const struct zone *z = snapshot_zone(sv.snap, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(zone_lookup4(z, cases[i].addr, &ds, &val));
		assert_ptr_equal(ds, zone_dataset(z, 0));
		if (cases[i].last == 0) {
			assert_null(val);
		} else {
			assert_non_null(val);
			const uint8_t *p = (const uint8_t *)&val->a;
			assert_int_equal(p[0], 127);
			assert_int_equal(p[3], cases[i].last);
		}
	}
	unserve(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup4_values),
		cmocka_unit_test(test_same_bytes),
		cmocka_unit_test(test_same_bytes_minimal),
		cmocka_unit_test(test_same_bytes_without_rfc5782_tests),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_qauth.c -- a zone's precomputed SOA and NS records are the bytes the
 * reply writer itself would write, wherever the apex sits in the reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "qauth.h"
#include "qwrite.h"
#include "wire_testutil.h"

#define BUF 20000

struct zonedef {
	uint8_t apex[256];
	size_t apexlen;
	unsigned zl;
	struct ds_soa soa;
	struct ds_ns ns;
	uint32_t negttl;
};

static void
zone_def(struct zonedef *z, const char *apex, const char *mname,
    const char *rname, const char *const *ns, unsigned nns)
{
	memset(z, 0, sizeof(*z));
	z->apexlen = tu_wire_name(apex, z->apex);
	for (size_t i = 0; z->apex[i]; i += 1 + (size_t)z->apex[i])
		z->zl++;
	z->soa.set = true;
	z->soa.ttl = 3600;
	z->soa.serial = 1;
	z->soa.refresh = 7200;
	z->soa.retry = 600;
	z->soa.expire = 604800;
	z->soa.minttl = 300;
	tu_wire_name(mname, z->soa.mname);
	tu_wire_name(rname, z->soa.rname);
	z->ns.n = nns;
	z->ns.ttl = 86400;
	for (unsigned i = 0; i < nns; i++)
		tu_wire_name(ns[i], z->ns.name[i]);
	z->negttl = 300;
}

/* bl.example.org with its own SOA names and the given NS set, built. */
static void
bl_zone(struct zonedef *z, struct qauth *qa, const char *const *ns,
    unsigned nns)
{
	zone_def(z, "bl.example.org", "ns.bl.example.org",
	    "hostmaster.bl.example.org", ns, nns);
	qauth_build(qa, z->apex, &z->soa, z->negttl, &z->ns);
}

/* A reply up to the end of its answer section, as query.c leaves it:
 * the question is prefix labels + the apex (its letters' case flipped at
 * random), the apex and its parents remembered, fill bytes of answers.
 * Returns the apex offset. */
static uint16_t
reply_head(struct qw *w, uint8_t *buf, size_t lim, const struct zonedef *z,
    unsigned nprefix, size_t fill)
{
	qw_init(w, buf, lim);
	memset(buf, 0, 12);
	w->pos = 12;
	for (unsigned i = 0; i < nprefix; i++) {
		uint8_t l = (uint8_t)(1 + rand() % 20);
		qw_u8(w, l);
		for (unsigned k = 0; k < l; k++)
			qw_u8(w, (uint8_t)('0' + rand() % 10));
	}
	uint16_t apex = (uint16_t)w->pos;
	for (size_t i = 0; i < z->apexlen; i++) {
		uint8_t c = z->apex[i];
		if (c >= 'a' && c <= 'z' && rand() % 2)
			c = (uint8_t)(c - 32);
		qw_u8(w, c);
	}
	qw_u16(w, 1);
	qw_u16(w, 1);
	for (size_t i = 0; z->apex[i]; i += 1 + (size_t)z->apex[i])
		qw_ctab_add(w, (uint16_t)(apex + i));
	for (size_t i = 0; i < fill; i++)
		qw_u8(w, (uint8_t)rand());
	return apex;
}

static void
assert_same(const struct qw *a, const struct qw *b)
{
	assert_int_equal(a->pos, b->pos);
	assert_memory_equal(a->p, b->p, a->pos);
	assert_int_equal(a->over, b->over);
	assert_int_equal(a->nct, b->nct);
	assert_memory_equal(a->ct, b->ct, a->nct * sizeof(a->ct[0]));
}

/* The long way and the copy, on equal replies: same bytes and state. */
static void
check_zone(struct zonedef *z, unsigned nprefix, size_t fill, size_t lim,
    uint32_t serial)
{
	static uint8_t ba[BUF], bb[BUF];
	struct qauth qa;
	struct qw wa, wb;
	unsigned seed = (unsigned)rand();

	qauth_build(&qa, z->apex, &z->soa, z->negttl, &z->ns);
	assert_true(qa.soa.ok);
	assert_true(qa.ns.ok);
	z->soa.serial = serial;         /* a transfer's new serial */

	srand(seed);
	uint16_t apex = reply_head(&wa, ba, lim, z, nprefix, fill);
	srand(seed);
	assert_int_equal(reply_head(&wb, bb, lim, z, nprefix, fill), apex);
	qw_soa(&wa, apex, &z->soa, z->negttl);
	assert_true(qauth_put(&wb, &qa.soa, apex, z->zl, serial));
	assert_same(&wa, &wb);

	srand(seed);
	reply_head(&wa, ba, lim, z, nprefix, fill);
	srand(seed);
	reply_head(&wb, bb, lim, z, nprefix, fill);
	unsigned n = qw_ns(&wa, apex, &z->ns);
	assert_true(qauth_put(&wb, &qa.ns, apex, z->zl, 0));
	assert_int_equal(qa.ns.nrr, n);
	assert_same(&wa, &wb);
}

static const char *const ns_mixed[] = {
	"ns1.example.org", "ns2.example.org", "ns.bl.example.org",
	"ns1.example.org", "a.b.c.other.net", "other.net", "bl.example.org",
};

static void
test_same_bytes_as_the_writer(void **state)
{
	struct zonedef z;
	(void)state;
	srand(5782);
	for (unsigned round = 0; round < 300; round++) {
		unsigned nprefix = (unsigned)rand() % 7;
		size_t fill = (size_t)(rand() % 400);
		uint32_t serial = (uint32_t)rand();
		/* names under the apex, under its parent, elsewhere */
		zone_def(&z, "bl.example.org", "ns1.example.org",
		    "hostmaster.bl.example.org", ns_mixed, 7);
		check_zone(&z, nprefix, fill, 4096, serial);
		/* rname compressed against mname, inside the records */
		zone_def(&z, "wl.example.org", "dns.other.net",
		    "hostmaster.other.net", ns_mixed + 4, 2);
		check_zone(&z, nprefix, fill, 4096, serial);
		/* mname is the apex; a one-label apex */
		zone_def(&z, "dnswl", "dnswl", "root.dnswl", ns_mixed, 1);
		check_zone(&z, nprefix, fill, 4096, serial);
	}
}

static void
test_serial_is_patched(void **state)
{
	struct zonedef z;
	struct qauth qa;
	struct qw w;
	static uint8_t buf[BUF];
	(void)state;
	bl_zone(&z, &qa, ns_mixed, 1);
	uint16_t apex = reply_head(&w, buf, 4096, &z, 4, 0);
	size_t at = w.pos;
	assert_true(qauth_put(&w, &qa.soa, apex, z.zl, 0x01020304));
	assert_int_equal(qa.soa.nrr, 1);
	const uint8_t *p = buf + at + qa.soa.serial_at;
	assert_int_equal(p[0], 1);
	assert_int_equal(p[3], 4);
	/* owner: a pointer to the apex; TTL: the negative one */
	assert_int_equal(buf[at], 0xC0 | apex >> 8);
	assert_int_equal(buf[at + 1], apex & 0xFF);
	assert_int_equal(buf[at + 9], 300 & 0xFF);
}

static void
test_empty_ns_set(void **state)
{
	struct zonedef z;
	struct qauth qa;
	struct qw w;
	static uint8_t buf[BUF];
	(void)state;
	bl_zone(&z, &qa, NULL, 0);
	assert_true(qa.ns.ok);
	assert_int_equal(qa.ns.nrr, 0);
	uint16_t apex = reply_head(&w, buf, 4096, &z, 4, 0);
	size_t at = w.pos;
	assert_true(qauth_put(&w, &qa.ns, apex, z.zl, 0));
	assert_int_equal(w.pos, at);
}

/* Every state the copy was not made for goes the long way. */
static void
test_long_way_when_state_differs(void **state)
{
	struct zonedef z;
	struct qauth qa;
	struct qw w;
	static uint8_t buf[BUF];
	(void)state;
	zone_def(&z, "bl.example.org", "ns1.example.org",
	    "hostmaster.bl.example.org", ns_mixed, 3);
	qauth_build(&qa, z.apex, &z.soa, z.negttl, &z.ns);

	/* no room: nothing written, over not set (the long way sets it) */
	uint16_t apex = reply_head(&w, buf, 80, &z, 1, 0);
	size_t at = w.pos;
	assert_false(w.over);
	assert_false(qauth_put(&w, &qa.soa, apex, z.zl, 1));
	assert_int_equal(w.pos, at);
	assert_false(w.over);

	/* another name already remembered (an SOA answer, say) */
	apex = reply_head(&w, buf, 4096, &z, 4, 0);
	qw_ctab_add(&w, (uint16_t)(w.pos - 1));
	assert_false(qauth_put(&w, &qa.ns, apex, z.zl, 0));

	/* past 16 KB (TCP): the writer keeps no targets there */
	apex = reply_head(&w, buf, BUF, &z, 4, 0x4000);
	assert_false(qauth_put(&w, &qa.soa, apex, z.zl, 1));

	/* the root zone, and a set too large to keep, are never copied */
	zone_def(&z, "", "ns.example.org", "hostmaster.example.org", ns_mixed, 2);
	qauth_build(&qa, z.apex, &z.soa, z.negttl, &z.ns);
	assert_false(qa.soa.ok);
	assert_false(qa.ns.ok);
	static const char *const big[] = {
		"a123456789012345678901234567890123456789.ns.example.net",
		"b123456789012345678901234567890123456789.ns.example.net",
		"c123456789012345678901234567890123456789.ns.example.net",
		"d123456789012345678901234567890123456789.ns.example.net",
		"e123456789012345678901234567890123456789.ns.example.net",
		"f123456789012345678901234567890123456789.ns.example.net",
		"g123456789012345678901234567890123456789.ns.example.net",
		"h123456789012345678901234567890123456789.ns.example.net",
		"i123456789012345678901234567890123456789.ns.example.net",
		"j123456789012345678901234567890123456789.ns.example.net",
	};
	bl_zone(&z, &qa, big, 10);
	assert_true(qa.soa.ok);
	assert_false(qa.ns.ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_as_the_writer),
		cmocka_unit_test(test_serial_is_patched),
		cmocka_unit_test(test_empty_ns_set),
		cmocka_unit_test(test_long_way_when_state_differs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_lpm6.c -- IPv6 maps: the compact map's far parents, the split at /64 (masked blocks, partly covered blocks, merged walk), shared starts, big maps, 16- and 32-bit values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_testutil.h"

static int
add(struct lpm_builder *b, const char *a, unsigned plen, uint32_t v)
{
	uint8_t buf[16];
	assert_int_equal(inet_pton(AF_INET6, a, buf), 1);
	return lpm_builder_add(b, buf, plen, v);
}

static uint32_t
look(const struct lpm *m, const char *a, unsigned *plen)
{
	uint8_t buf[16];
	assert_int_equal(inet_pton(AF_INET6, a, buf), 1);
	return lpm_lookup(m, buf, plen);
}

static bool
within(const struct lpm *m, const char *a, unsigned plen)
{
	uint8_t buf[16];
	assert_int_equal(inet_pton(AF_INET6, a, buf), 1);
	return lpm_any_within(m, buf, plen);
}

/* The compact IPv6 map keeps 9-bit parent distances: a /32 holding 1200
 * /64s, with a nested /40 holding 600, climbs through the side table. */
static void
test_far_parent6(void **state)
{
	struct lpm_builder *b;
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	unsigned pl = 0;
	(void)state;
	for (int defer = 0; defer < 2; defer++) {
		assert_int_equal(lpm_builder_new(6, &b), 0);
		if (defer)
			lpm_builder_defer_dups(b, NULL, NULL);
		assert_int_equal(add(b, "2001:db8::", 32, 32), 0);
		assert_int_equal(add(b, "2001:db8:100::", 40, 40), 0);
		for (unsigned i = 0; i < 1800; i++) {
			/* 1200 /64s in 2001:db8:0::/40, 600 in :100::/40 */
			unsigned j = i < 1200 ? i * 2 : 0x10000 + (i - 1200) * 2;
			memset(a + 4, 0, 12);
			a[4] = (uint8_t)(j >> 16);
			a[6] = (uint8_t)(j >> 8);
			a[7] = (uint8_t)j;
			assert_int_equal(lpm_builder_add(b, a, 64,
			    i % 5 == 0 ? LPM_NONE : 1000 + i), 0);
		}
		struct lpm *m = build(b);
		assert_int_equal(lpm_prefix_count(m), 1802);
		for (unsigned i = 0; i < 1800; i++) {
			unsigned j = i < 1200 ? i * 2 : 0x10000 + (i - 1200) * 2;
			memset(a + 4, 0, 12);
			a[4] = (uint8_t)(j >> 16);
			a[6] = (uint8_t)(j >> 8);
			a[7] = (uint8_t)j;
			a[15] = 9;
			assert_int_equal(lpm_lookup(m, a, &pl),
			    i % 5 == 0 ? LPM_NONE : 1000 + i);
			a[7] = (uint8_t)(j + 1);   /* the gap: the far parent */
			assert_int_equal(lpm_lookup(m, a, &pl), i < 1200 ? 32 : 40);
			assert_int_equal(pl, i < 1200 ? 32 : 40);
		}
		assert_int_equal(look(m, "2001:db8:1ff:ffff::1", NULL), 40);
		assert_int_equal(look(m, "2001:db8:200::", NULL), 32);
		assert_true(within(m, "2001:db8::", 64) == false);
		assert_true(within(m, "2001:db8:0:1::", 64));
		assert_true(within(m, "2001:db8:100::", 40));
		lpm_free(m);
	}
}

/* A map split at /64: blocks masked by longer exclusions (with and
 * without their own /64), a block partly excluded, a /128 inside an
 * excluded /64, nesting across the boundary; walk merges both halves. */
static void
test_split64(void **state)
{
	struct lpm_builder *b;
	unsigned pl = 0;
	(void)state;
	for (int defer = 0; defer < 2; defer++) {
		assert_int_equal(lpm_builder_new(6, &b), 0);
		if (defer)
			lpm_builder_defer_dups(b, NULL, NULL);
		/* block 2001:db8:0:1::/64 listed by its own /64, both halves out */
		assert_int_equal(add(b, "2001:db8:0:1:8000::", 65, LPM_NONE), 0);
		assert_int_equal(add(b, "2001:db8:0:1::", 64, 5), 0);
		assert_int_equal(add(b, "2001:db8:0:1::", 65, LPM_NONE), 0);
		/* 2001:db8:1::/48 listed; block :5:: masked, :6:: partly out */
		assert_int_equal(add(b, "2001:db8:1::", 48, 7), 0);
		assert_int_equal(add(b, "2001:db8:1:5::", 65, LPM_NONE), 0);
		assert_int_equal(add(b, "2001:db8:1:5:8000::", 65, LPM_NONE), 0);
		assert_int_equal(add(b, "2001:db8:1:6::", 96, LPM_NONE), 0);
		/* a /128 listed inside an excluded /64 */
		assert_int_equal(add(b, "2001:db8:2:1::", 64, LPM_NONE), 0);
		assert_int_equal(add(b, "2001:db8:2:1::5", 128, 9), 0);
		/* nesting: /64 > /65 > /96 (out) > /128 */
		assert_int_equal(add(b, "2001:db8:3:1::", 64, 10), 0);
		assert_int_equal(add(b, "2001:db8:3:1::", 65, 11), 0);
		assert_int_equal(add(b, "2001:db8:3:1::", 96, LPM_NONE), 0);
		assert_int_equal(add(b, "2001:db8:3:1::1", 128, 12), 0);
		assert_int_equal(add(b, "::", 0, 1), 0);
		assert_int_equal(add(b, "2001:db8:3:1::1", 128, 99),
		    defer ? 0 : DX_EEXIST);
		struct lpm *m = build(b);
		assert_int_equal(lpm_prefix_count(m), 14);

		assert_int_equal(look(m, "2001:db8:0:1::1", NULL), LPM_NONE);
		assert_int_equal(look(m, "2001:db8:0:1:ffff::1", NULL), LPM_NONE);
		assert_int_equal(look(m, "2001:db8:0:2::", &pl), 1);
		assert_int_equal(pl, 0);
		assert_false(within(m, "2001:db8:0:1::", 64));
		assert_false(within(m, "2001:db8:0:1:8000::", 66));
		assert_true(within(m, "2001:db8:0:0::", 63));     /* ::/0 in block 0 */

		assert_int_equal(look(m, "2001:db8:1:5::9", NULL), LPM_NONE);
		assert_int_equal(look(m, "2001:db8:1:4::9", &pl), 7);
		assert_int_equal(pl, 48);
		assert_false(within(m, "2001:db8:1:5::", 64));
		assert_false(within(m, "2001:db8:1:5::", 80));
		assert_true(within(m, "2001:db8:1:4::", 63));
		assert_true(within(m, "2001:db8:1::", 48));
		assert_int_equal(look(m, "2001:db8:1:6::1", NULL), LPM_NONE);
		assert_int_equal(look(m, "2001:db8:1:6::1:0:0", &pl), 7);
		assert_int_equal(pl, 48);
		assert_true(within(m, "2001:db8:1:6::", 64));
		assert_false(within(m, "2001:db8:1:6::", 96));
		assert_false(within(m, "2001:db8:1:6::", 100));
		assert_true(within(m, "2001:db8:1:6::", 95));
		assert_true(within(m, "2001:db8:1:6::1:0:0", 96));

		assert_int_equal(look(m, "2001:db8:2:1::5", &pl), 9);
		assert_int_equal(pl, 128);
		assert_int_equal(look(m, "2001:db8:2:1::6", NULL), LPM_NONE);
		assert_true(within(m, "2001:db8:2:1::", 64));
		assert_true(within(m, "2001:db8:2:1::", 124));
		assert_false(within(m, "2001:db8:2:1::8", 125));
		assert_true(within(m, "2001:db8:2::", 48));

		assert_int_equal(look(m, "2001:db8:3:1::1", &pl), 12);
		assert_int_equal(pl, 128);
		assert_int_equal(look(m, "2001:db8:3:1::2", NULL), LPM_NONE);
		assert_int_equal(look(m, "2001:db8:3:1:0:1::", &pl), 11);
		assert_int_equal(pl, 65);
		assert_int_equal(look(m, "2001:db8:3:1:8000::", &pl), 10);
		assert_int_equal(pl, 64);
		assert_false(within(m, "2001:db8:3:1::2", 127));
		assert_true(within(m, "2001:db8:3:1::", 96));

		struct walked w = { .stop_at = 199 };   /* IPv6, no stop */
		assert_int_equal(lpm_walk(m, walk_cb, &w), 0);
		assert_int_equal(w.n, 14);
		static const char *const want[] = { "::/0=1",
		    "2001:db8:0:1::/64=5", "!2001:db8:0:1::/65",
		    "!2001:db8:0:1:8000::/65", "2001:db8:1::/48=7",
		    "!2001:db8:1:5::/65", "!2001:db8:1:5:8000::/65",
		    "!2001:db8:1:6::/96", "!2001:db8:2:1::/64",
		    "2001:db8:2:1::5/128=9", "2001:db8:3:1::/64=10",
		    "2001:db8:3:1::/65=11", "!2001:db8:3:1::/96",
		    "2001:db8:3:1::1/128=12" };
		for (unsigned i = 0; i < 14; i++)
			assert_string_equal(w.s[i], want[i]);
		lpm_free(m);
	}
}

/* Prefixes starting at one address, added longest first, in a bucket
 * big enough for the radix path and in a small one. */
static void
test_same_start6(void **state)
{
	struct lpm_builder *b;
	unsigned pl = 0;
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	(void)state;
	for (int defer = 0; defer < 2; defer++) {
		assert_int_equal(lpm_builder_new(6, &b), 0);
		if (defer)
			lpm_builder_defer_dups(b, NULL, NULL);
		for (unsigned i = 1; i <= 40; i++) {
			a[7] = (uint8_t)i;
			assert_int_equal(lpm_builder_add(b, a, 64, 100 + i), 0);
		}
		assert_int_equal(add(b, "2001:db8::", 64, 3), 0);
		assert_int_equal(add(b, "2001:db8::", 48, 2), 0);
		assert_int_equal(add(b, "2001:db8::", 32, 1), 0);
		assert_int_equal(add(b, "2001::", 16, 0), 0);
		assert_int_equal(add(b, "3001:db8::", 64, 7), 0);
		assert_int_equal(add(b, "3001:db8::", 17, 6), 0);
		struct lpm *m = build(b);
		assert_int_equal(look(m, "2001:db8::1", &pl), 3);
		assert_int_equal(pl, 64);
		assert_int_equal(look(m, "2001:db8:0:100::1", &pl), 2);
		assert_int_equal(pl, 48);
		assert_int_equal(look(m, "2001:db8:1::1", &pl), 1);
		assert_int_equal(pl, 32);
		assert_int_equal(look(m, "2001:dbff::1", &pl), 0);
		assert_int_equal(pl, 16);
		assert_int_equal(look(m, "2001:db8:0:28::", NULL), 140);
		assert_int_equal(look(m, "3001:db8::1", NULL), 7);
		assert_int_equal(look(m, "3001:db8:1::1", NULL), 6);
		struct walked w = { .stop_at = 106 };   /* IPv6, stop at 6 */
		assert_int_equal(lpm_walk(m, walk_cb, &w), 42);
		assert_string_equal(w.s[0], "2001::/16=0");
		assert_string_equal(w.s[1], "2001:db8::/32=1");
		assert_string_equal(w.s[2], "2001:db8::/48=2");
		assert_string_equal(w.s[3], "2001:db8::/64=3");
		assert_string_equal(w.s[4], "2001:db8:0:1::/64=101");
		lpm_free(m);
	}
}

/* Maps big enough for the builder's own mappings (in-place entries),
 * and one whose repeats shrink it below that after the sort. */
static void
test_big6(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		unsigned n = k ? 20000 : 40000, reps = k ? 2 : 1;
		struct lpm_builder *b;
		uint8_t a[16] = { 0x2a, 0x00 };
		assert_int_equal(lpm_builder_new(6, &b), 0);
		lpm_builder_defer_dups(b, NULL, NULL);
		for (unsigned r = 0; r < reps; r++)
			for (unsigned i = 0; i < n; i++) {
				unsigned x = (i * 2654435761u) % 1000003u;
				a[2] = (uint8_t)(x >> 16);
				a[3] = (uint8_t)(x >> 8);
				a[4] = (uint8_t)x;
				assert_int_equal(lpm_builder_add(b, a, 48, r ? 7 : i), 0);
			}
		a[2] = a[3] = a[4] = 0;
		a[5] = 1;
		assert_int_equal(lpm_builder_add(b, a, 128, 999), 0);
		struct lpm *m = build(b);
		assert_int_equal(lpm_prefix_count(m), n + 1);
		for (unsigned i = 0; i < n; i++) {
			unsigned x = (i * 2654435761u) % 1000003u;
			a[2] = (uint8_t)(x >> 16);
			a[3] = (uint8_t)(x >> 8);
			a[4] = (uint8_t)x;
			a[5] = 0;
			a[15] = 1;
			unsigned pl = 0;
			assert_int_equal(lpm_lookup(m, a, &pl), i);
			assert_int_equal(pl, 48);
		}
		a[2] = a[3] = a[4] = 0;
		a[5] = 1;
		a[15] = 0;
		assert_int_equal(lpm_lookup(m, a, NULL), 999);
		lpm_free(m);
	}
}

/* Long prefixes crowded into one /64 (the sort's all-equal top half),
 * added in a scrambled order with repeats: first add wins, each repeat
 * reported once in address order, in both duplicate modes. */
struct dups6 {
	unsigned n;
	uint32_t last;              /* address byte 15 of the last report */
	uint32_t tags[64];
};

static void
dup6_cb(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	struct dups6 *d = arg;
	assert_int_equal(plen, 128);
	assert_true(d->n == 0 || addr[15] >= d->last);
	d->last = addr[15];
	assert_true(d->n < 64);
	d->tags[d->n++] = tag;
}

static void
test_busy64(void **state)
{
	(void)state;
	for (unsigned defer = 0; defer < 2; defer++) {
		struct lpm_builder *b;
		struct dups6 d = { 0, 0, { 0 } };
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 9 };
		unsigned ndup = 0;
		assert_int_equal(lpm_builder_new(6, &b), 0);
		if (defer)
			lpm_builder_defer_dups(b, dup6_cb, &d);
		assert_int_equal(add(b, "2001:db8:0:9::", 64, 5000), 0);
		for (unsigned i = 0; i < 250; i++) {
			unsigned x = (i * 97u) % 200u;      /* 0..199, then 50 again */
			a[15] = (uint8_t)x;
			int rc = lpm_builder_add_tag(b, a, 128, i < 200 ? x : 9999, i);
			if (i >= 200) {
				ndup++;
				assert_int_equal(rc, defer ? 0 : DX_EEXIST);
			} else
				assert_int_equal(rc, 0);
		}
		struct lpm *m = build(b);
		assert_int_equal(lpm_prefix_count(m), 201);
		assert_int_equal(d.n, defer ? ndup : 0);
		for (unsigned i = 0; i < d.n; i++)
			assert_true(d.tags[i] >= 200 && d.tags[i] < 250);
		for (unsigned x = 0; x < 256; x++) {
			unsigned pl = 0;
			a[15] = (uint8_t)x;
			assert_int_equal(lpm_lookup(m, a, &pl), x < 200 ? x : 5000);
			assert_int_equal(pl, x < 200 ? 128 : 64);
		}
		assert_int_equal(look(m, "2001:db8:0:9:1::", NULL), 5000);
		assert_int_equal(look(m, "2001:db8:0:a::", NULL), LPM_NONE);
		lpm_free(m);
	}
}

/* One address added 3000 times with two lengths in turn (deferred): a
 * run the bucket sort orders by length in one counting pass; the first
 * add of each length wins, the other 2998 are reported. */
static size_t ndup_run;

static void
count_cb(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	(void)addr, (void)arg;
	assert_true(plen == 48 || plen == 56);
	assert_true(tag >= 2 && tag < 3000);
	ndup_run++;
}

static void
test_one_address_run(void **state)
{
	struct lpm_builder *b;
	uint8_t a[16] = { 0x2a, 0x02, 0, 0x10, 0, 0x20 };
	unsigned pl = 0;
	(void)state;
	assert_int_equal(lpm_builder_new(6, &b), 0);
	lpm_builder_defer_dups(b, count_cb, NULL);
	assert_int_equal(add(b, "2a02:10::", 32, 7), 0);   /* other records */
	for (unsigned i = 0; i < 3000; i++)
		assert_int_equal(lpm_builder_add_tag(b, a, i % 2 ? 48 : 56,
		    i, i), 0);
	struct lpm *m = build(b);
	assert_int_equal(ndup_run, 2998);
	assert_int_equal(lpm_prefix_count(m), 3);
	assert_int_equal(look(m, "2a02:10:20::1", &pl), 0);
	assert_int_equal(pl, 56);
	assert_int_equal(look(m, "2a02:10:20:100::", &pl), 1);
	assert_int_equal(pl, 48);
	assert_int_equal(look(m, "2a02:10:21::", &pl), 7);
	assert_int_equal(pl, 32);
	lpm_free(m);
}

/* The compact map keeps values in 16 bits while all are LPM_NONE or
 * below 0xffff, else in 32 (lpm_impl.h). NV /48s in 2a00::/24 (itself
 * listed, value 12345), every 7th an exclusion; the values of kind:
 * 0: i * 31 % 65535 (all of 0..0xfffe: the 16-bit path), 1: i (69999
 * distinct: 32-bit), 2: as 0 but one 0xffff (a value, not the sentinel:
 * 32-bit). */
#define NV 70000u

static uint32_t
val_of(unsigned kind, unsigned i)
{
	if (i % 7 == 3)
		return LPM_NONE;
	if (kind == 1)
		return i;
	if (kind == 2 && i == 1000)
		return 0xffff;
	return i * 31u % 65535u;
}

static void
addr_of(unsigned i, uint8_t *a)
{
	memset(a, 0, 16);
	a[0] = 0x2a;
	a[3] = (uint8_t)(i >> 16);
	a[4] = (uint8_t)(i >> 8);
	a[5] = (uint8_t)i;
}

struct vwalk {
	unsigned kind, n, nnone;
};

static int
vwalk_cb(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct vwalk *w = arg;
	if (plen == 24) {
		assert_int_equal(value, 12345);
		return 0;
	}
	unsigned i = (unsigned)addr[3] << 16 | (unsigned)addr[4] << 8 | addr[5];
	assert_int_equal(plen, 48);
	assert_int_equal(i, w->n);
	assert_int_equal(value, val_of(w->kind, i));
	w->n++;
	w->nnone += value == LPM_NONE;
	return 0;
}

static void
test_values16(void **state)
{
	size_t mem[3];
	(void)state;
	for (unsigned kind = 0; kind < 3; kind++) {
		struct lpm_builder *b;
		uint8_t a[16];
		unsigned pl = 0;
		assert_int_equal(lpm_builder_new(6, &b), 0);
		lpm_builder_defer_dups(b, NULL, NULL);
		assert_int_equal(add(b, "2a00::", 24, 12345), 0);
		for (unsigned i = 0; i < NV; i++) {
			addr_of((i * 7919u) % NV, a);    /* scrambled order */
			assert_int_equal(lpm_builder_add(b, a, 48,
			    val_of(kind, (i * 7919u) % NV)), 0);
		}
		struct lpm *m = build(b);
		assert_int_equal(lpm_prefix_count(m), NV + 1);
		for (unsigned i = 0; i < NV; i++) {
			addr_of(i, a);
			a[15] = 1;
			assert_int_equal(lpm_lookup(m, a, &pl), val_of(kind, i));
			assert_int_equal(pl, 48);
		}
		/* past the /48s, still in the /24; then outside it */
		addr_of(NV, a);
		assert_int_equal(lpm_lookup(m, a, &pl), 12345);
		assert_int_equal(pl, 24);
		assert_int_equal(look(m, "2a00:100::", NULL), LPM_NONE);
		/* an excluded /48 shows nothing, its neighbour does */
		assert_false(within(m, "2a00:0:3::", 48));
		assert_true(within(m, "2a00:0:4::", 48));
		assert_true(within(m, "2a00:0:3::", 47));
		if (kind == 2) {
			assert_int_equal(look(m, "2a00:0:3e8::1", &pl), 0xffff);
			assert_int_equal(pl, 48);
		}
		struct vwalk w = { kind, 0, 0 };
		assert_int_equal(lpm_walk(m, vwalk_cb, &w), 0);
		assert_int_equal(w.n, NV);
		assert_int_equal(w.nnone, NV / 7);
		mem[kind] = lpm_memory(m);
		lpm_free(m);
	}
	/* the same prefixes: 2 bytes a value more on the 32-bit path */
	assert_int_equal(mem[1] - mem[0], (size_t)(NV + 1) * 2);
	assert_int_equal(mem[2], mem[1]);
}

/* A map too small for the builder's mappings (values written to a
 * malloc'ed array): the 16-bit values written so far are widened when a
 * big one comes last; exclusions stay LPM_NONE. */
static void
test_values_widen(void **state)
{
	size_t mem[2];
	(void)state;
	for (unsigned big = 0; big < 2; big++) {
		struct lpm_builder *b;
		uint8_t a[16];
		assert_int_equal(lpm_builder_new(6, &b), 0);
		for (unsigned i = 0; i < 100; i++) {
			addr_of(i, a);
			uint32_t v = i % 5 == 0 ? LPM_NONE :
			    i == 99 && big ? 0x10000u + i : i;
			assert_int_equal(lpm_builder_add(b, a, 48, v), 0);
		}
		struct lpm *m = build(b);
		for (unsigned i = 0; i < 100; i++) {
			addr_of(i, a);
			assert_int_equal(lpm_lookup(m, a, NULL), i % 5 == 0 ?
			    LPM_NONE : i == 99 && big ? 0x10000u + i : i);
		}
		mem[big] = lpm_memory(m);
		lpm_free(m);
	}
	assert_int_equal(mem[1] - mem[0], 100 * 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_far_parent6),
		cmocka_unit_test(test_split64),
		cmocka_unit_test(test_same_start6),
		cmocka_unit_test(test_big6),
		cmocka_unit_test(test_busy64),
		cmocka_unit_test(test_one_address_run),
		cmocka_unit_test(test_values16),
		cmocka_unit_test(test_values_widen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_lpm_random.c -- the LPM maps against a linear scan over seeded random
 * prefixes and addresses, single and batched lookups (the hand-picked cases
 * are in test_lpm.c). */
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


/* --- seeded comparison with a linear scan ----------------------------------- */

struct ent {
	uint8_t a[16];
	unsigned plen;
	uint32_t value;
};

struct rnd {
	int family;
	unsigned alen, maxp;
	struct ent *e;
	size_t n;
};

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: seeded, the same on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static int
naive_in(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, p, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (p[full] & mask);
}

static void
mask_host(uint8_t *a, unsigned alen, unsigned plen, int ones)
{
	for (unsigned bit = plen; bit < alen * 8; bit++) {
		if (ones)
			a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		else
			a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	}
}

/* +1 or -1 with carry; returns 0 on wrap-around. */
static int
step(uint8_t *a, unsigned alen, int dir)
{
	for (unsigned i = alen; i-- > 0;) {
		if (dir > 0 && ++a[i] != 0)
			return 1;
		if (dir < 0 && a[i]-- != 0)
			return 1;
	}
	return 0;
}

static uint32_t
naive_lookup(const struct rnd *r, const uint8_t *a, unsigned *plen)
{
	int best = -1;
	for (size_t i = 0; i < r->n; i++)
		if (naive_in(a, r->e[i].a, r->e[i].plen) &&
		    (best < 0 || r->e[i].plen > r->e[best].plen))
			best = (int)i;
	if (best < 0)
		return LPM_NONE;
	*plen = r->e[best].plen;
	return r->e[best].value;
}

/* The map is constant between prefix starts and ends: checking the window
 * start and every start / end+1 inside it is exhaustive. */
static bool
naive_within(const struct rnd *r, const uint8_t *w, unsigned wplen)
{
	unsigned pl;
	uint8_t x[16];
	if (naive_lookup(r, w, &pl) != LPM_NONE)
		return true;
	for (size_t i = 0; i < r->n; i++) {
		const struct ent *e = &r->e[i];
		if (e->plen < wplen || !naive_in(e->a, w, wplen))
			continue;
		if (naive_lookup(r, e->a, &pl) != LPM_NONE)
			return true;
		memcpy(x, e->a, 16);
		mask_host(x, r->alen, e->plen, 1);
		if (step(x, r->alen, 1) && naive_in(x, w, wplen) &&
		    naive_lookup(r, x, &pl) != LPM_NONE)
			return true;
	}
	return false;
}

static void
rand_bytes(uint8_t *a, unsigned alen)
{
	for (unsigned i = 0; i < alen; i++)
		a[i] = (uint8_t)rng();
}

/* Lengths at the index's block edges (/16, /20, /24 and around) instead
 * of the usual mix: test_random4_edges. */
static int edge_lengths;
/* IPv6 lengths: 0 the usual mix, 64 only <= /64 (the compact map), 65
 * around the /64 boundary (both builder halves, merged). */
static unsigned mode6;

/* A few busy areas, nesting from re-using earlier prefixes. */
static void
rand_prefix(const struct rnd *r, struct ent *e)
{
	unsigned k = rng() % 10;
	memset(e->a, 0, sizeof(e->a));
	rand_bytes(e->a, r->alen);
	if (r->n > 0 && k < 5) {
		const struct ent *o = &r->e[rng() % r->n];
		unsigned keep = rng() % (r->maxp + 1);
		for (unsigned bit = 0; bit < keep; bit++) {
			uint8_t m = (uint8_t)(0x80 >> (bit % 8));
			e->a[bit / 8] = (uint8_t)((e->a[bit / 8] & ~m) | (o->a[bit / 8] & m));
		}
	} else if (k < 9) {
		static const uint8_t hot4[3][2] = { { 10, 1 }, { 10, 2 }, { 192, 168 } };
		static const uint8_t hot6[2][4] = { { 0x20, 0x01, 0x0d, 0xb8 },
		    { 0x2a, 0x01, 0x01, 0x11 } };
		if (r->family == 4)
			memcpy(e->a, hot4[rng() % 3], 2);
		else
			memcpy(e->a, hot6[rng() % 2], 4);
	}
	k = rng() % 10;
	static const unsigned edges[] = { 12, 15, 16, 17, 19, 20, 21, 23, 24,
	    25, 28, 32 };
	if (edge_lengths && r->family == 4)
		e->plen = edges[rng() % (sizeof(edges) / sizeof(edges[0]))];
	else if (r->family == 6 && mode6 == 65) {
		static const unsigned around[] = { 8, 16, 17, 32, 48, 56, 63, 64,
		    64, 65, 65, 66, 96, 127, 128 };
		e->plen = around[rng() % (sizeof(around) / sizeof(around[0]))];
	} else if (k == 0)
		e->plen = rng() % 17;
	else if (r->family == 6 && mode6 == 64)
		e->plen = 17 + rng() % 48;
	else if (r->family == 4)
		e->plen = 17 + rng() % 16;
	else if (k < 5)
		e->plen = 17 + rng() % 48;
	else
		e->plen = 65 + rng() % 64;
	mask_host(e->a, r->alen, e->plen, 0);
	e->value = rng() % 4 == 0 ? LPM_NONE : rng() % 1000;
}

static void
rand_addr(const struct rnd *r, uint8_t *a)
{
	unsigned k = rng() % 3;
	memset(a, 0, 16);
	rand_bytes(a, r->alen);
	if (k == 0 || r->n == 0)
		return;
	const struct ent *e = &r->e[rng() % r->n];
	if (k == 1) {           /* somewhere inside a prefix */
		unsigned keep = e->plen;
		for (unsigned bit = 0; bit < keep; bit++) {
			uint8_t m = (uint8_t)(0x80 >> (bit % 8));
			a[bit / 8] = (uint8_t)((a[bit / 8] & ~m) | (e->a[bit / 8] & m));
		}
		return;
	}
	memcpy(a, e->a, 16);    /* at a boundary: start-1, start, end, end+1 */
	switch (rng() % 4) {
	case 0: step(a, r->alen, -1); break;
	case 1: break;
	case 2: mask_host(a, r->alen, e->plen, 1); break;
	default: mask_host(a, r->alen, e->plen, 1); step(a, r->alen, 1); break;
	}
}

static int
ent_cmp(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;
	int c = memcmp(a->a, b->a, 16);
	return c ? c : (int)a->plen - (int)b->plen;
}

struct walk_check {
	const struct rnd *r;
	size_t i;
};

static int
walk_check_cb(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct walk_check *w = arg;
	assert_true(w->i < w->r->n);
	const struct ent *e = &w->r->e[w->i++];
	assert_memory_equal(addr, e->a, w->r->alen);
	assert_int_equal(plen, e->plen);
	assert_int_equal(value, e->value);
	return 0;
}

/* lpm_lookup4_batch against lpm_lookup4 (checked against the scan) on
 * batches of every small size and one long one. */
static void
check_batch(const struct lpm *m, const uint32_t *as, size_t n)
{
	uint32_t *v = calloc(n + 1, sizeof(*v));
	uint8_t *pl = calloc(n + 1, 1);
	assert_non_null(v);
	assert_non_null(pl);
	for (size_t len = 0; len <= n; len = len < 40 ? len + 1 : n > len ? n : len + 1) {
		v[len] = 0xabcd;
		lpm_lookup4_batch(m, as, len, v, len % 2 ? pl : NULL);
		assert_int_equal(v[len], 0xabcd);       /* no write past n */
		for (size_t i = 0; i < len; i++) {
			unsigned p = 0;
			uint32_t want = lpm_lookup4(m, as[i], &p);
			assert_int_equal(v[i], want);
			if (len % 2 && want != LPM_NONE)
				assert_int_equal(pl[i], p);
		}
	}
	free(v);
	free(pl);
}

static void
check_map(const struct rnd *r, const struct lpm *m, unsigned nq)
{
	uint8_t a[16];
	unsigned pl1 = 0, pl2 = 0;
	size_t nonempty = 0, hits = 0;
	uint32_t *as = calloc(nq + 1, sizeof(*as));
	assert_non_null(as);
	for (unsigned q = 0; q < nq; q++) {
		rand_addr(r, a);
		as[q] = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		    (uint32_t)a[2] << 8 | a[3];
		uint32_t want = naive_lookup(r, a, &pl1);
		uint32_t got = lpm_lookup(m, a, &pl2);
		if (want != got) {
			char s[INET6_ADDRSTRLEN];
			inet_ntop(r->family == 4 ? AF_INET : AF_INET6, a, s, sizeof(s));
			fail_msg("lookup %s: want %u got %u", s, want, got);
		}
		if (want != LPM_NONE) {
			assert_int_equal(pl1, pl2);
			hits++;
		}
		if (r->family == 4)
			assert_int_equal(lpm_lookup4(m, (uint32_t)a[0] << 24 |
			    (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3], NULL), want);
		/* windows: the partial-name lengths, then any length */
		unsigned wp = rng() % 2 ? rng() % (r->maxp + 1)
		    : (rng() % (r->maxp / 8) + 1) * (r->family == 4 ? 8 : 4);
		if (wp > r->maxp)
			wp = r->maxp;
		mask_host(a, r->alen, wp, 0);
		bool wwant = naive_within(r, a, wp);
		if (wwant != lpm_any_within(m, a, wp)) {
			char s[INET6_ADDRSTRLEN];
			inet_ntop(r->family == 4 ? AF_INET : AF_INET6, a, s, sizeof(s));
			fail_msg("any_within %s/%u: want %d", s, wp, wwant);
		}
		nonempty += wwant;
	}
	/* the test data must exercise both answers */
	assert_true(hits > nq / 10 && hits < nq - nq / 10);
	assert_true(nonempty > nq / 10 && nonempty < nq - nq / 10);
	if (r->family == 4)
		check_batch(m, as, nq);
	free(as);
	struct walk_check w = { r, 0 };
	assert_int_equal(lpm_walk(m, walk_check_cb, &w), 0);
	assert_int_equal(w.i, r->n);
}

/* Batch lookups where nearly every candidate misses and the answer is a
 * parent, grandparent or more up (the batch's climb stage), parents more
 * than 1023 entries back (side table) included, checked against the
 * scan, without and with the index. */
static void
put4(struct rnd *r, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3,
    unsigned plen)
{
	struct ent *e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->a[0] = a0, e->a[1] = a1, e->a[2] = a2, e->a[3] = a3;
	e->plen = plen;
	e->value = r->n % 7 == 3 ? LPM_NONE : 100 + (uint32_t)r->n;
	r->n++;
}

static void
test_batch_climbs(void **state)
{
	static const int bits[] = { 0, 17, 20, 24 };
	struct rnd r = { 4, 4, 32, calloc(4000, sizeof(struct ent)), 0 };
	enum { NQ = 5000 };
	uint32_t *as = calloc(NQ, sizeof(*as)), v[NQ];
	uint8_t pl[NQ];
	(void)state;
	assert_non_null(r.e);
	assert_non_null(as);
	put4(&r, 10, 1, 0, 0, 17);
	put4(&r, 10, 1, 0, 0, 19);
	put4(&r, 10, 1, 8, 0, 21);
	put4(&r, 10, 1, 12, 0, 23);
	put4(&r, 10, 1, 12, 0, 26);
	put4(&r, 10, 2, 0, 0, 15);
	put4(&r, 10, 2, 7, 0, 24);
	put4(&r, 10, 2, 7, 9, 32);
	for (unsigned x = 0; x <= 40; x++) {
		if (x % 2 == 0)
			put4(&r, 10, 1, (uint8_t)x, 64, 28);
		for (unsigned y = 1; y < 256; y += 8)
			put4(&r, 10, 1, (uint8_t)x, (uint8_t)y, 32);
	}
	rng_state = UINT64_C(0x5eedba7c);
	for (unsigned q = 0; q < NQ; q++) {
		uint32_t k = rng() % 8;
		as[q] = k < 6 ? 0x0a010000u | (rng() % 48) << 8 | (rng() % 256)
		    : k == 6 ? 0x0a020000u | (rng() % 0x20000u) : rng();
	}
	for (unsigned b = 0; b < 4; b++) {
		struct lpm_builder *bd;
		struct lpm *m;
		lpm_index_bits(bits[b]);
		assert_int_equal(lpm_builder_new(4, &bd), 0);
		for (size_t i = 0; i < r.n; i++)
			assert_int_equal(lpm_builder_add(bd, r.e[i].a, r.e[i].plen,
			    r.e[i].value), 0);
		assert_int_equal(lpm_build(bd, &m), 0);
		lpm_index_bits(-1);
		for (size_t len = 1; len <= NQ; len = len < 64 ? len + 7 : NQ + 1) {
			size_t nq = len <= 64 ? len : NQ;
			lpm_lookup4_batch(m, as, nq, v, pl);
			for (size_t q = 0; q < nq; q++) {
				uint8_t a[16] = { (uint8_t)(as[q] >> 24),
				    (uint8_t)(as[q] >> 16), (uint8_t)(as[q] >> 8),
				    (uint8_t)as[q] };
				unsigned p = 0;
				uint32_t want = naive_lookup(&r, a, &p);
				assert_int_equal(v[q], want);
				if (want != LPM_NONE)
					assert_int_equal(pl[q], p);
			}
		}
		lpm_free(m);
	}
	free(as);
	free(r.e);
}

struct dup_check {
	const uint32_t *tag_is_dup;     /* by tag: 1 if that add was a repeat */
	size_t n;
	int family;
};

static void
dup_cb(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	struct dup_check *d = arg;
	(void)addr, (void)plen;
	assert_true(tag < 1000000);
	assert_int_equal(d->tag_is_dup[tag], 1);
	d->n++;
}

static void
random_family(int family, uint64_t seed, unsigned np, unsigned nq)
{
	struct rnd r = { family, family == 4 ? 4 : 16, family == 4 ? 32 : 128,
	    calloc(np, sizeof(struct ent)), 0 };
	struct lpm_builder *b, *bs, *bd;
	struct lpm *m, *ms, *md;
	size_t dups = 0;
	uint32_t *isdup = calloc(np, sizeof(*isdup));
	struct dup_check dc = { isdup, 0, family };
	rng_state = seed;
	assert_non_null(r.e);
	assert_non_null(isdup);
	assert_int_equal(lpm_builder_new(family, &b), 0);
	assert_int_equal(lpm_builder_new(family, &bs), 0);
	/* deferred duplicate check: repeats added, dropped by lpm_build */
	assert_int_equal(lpm_builder_new(family, &bd), 0);
	lpm_builder_defer_dups(bd, dup_cb, &dc);
	for (unsigned i = 0; i < np; i++) {
		struct ent e;
		rand_prefix(&r, &e);
		int dup = 0;
		for (size_t j = 0; j < r.n && !dup; j++)
			dup = r.e[j].plen == e.plen && memcmp(r.e[j].a, e.a, 16) == 0;
		/* add with random host bits: they must be ignored */
		uint8_t noisy[16];
		memcpy(noisy, e.a, 16);
		for (unsigned bit = e.plen; bit < r.alen * 8; bit++)
			if (rng() % 2)
				noisy[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		assert_int_equal(lpm_builder_add(b, noisy, e.plen, dup ? 12345 : e.value),
		    dup ? DX_EEXIST : 0);
		assert_int_equal(lpm_builder_add_tag(bd, noisy, e.plen,
		    dup ? 12345 : e.value, i), 0);
		isdup[i] = (uint32_t)dup;
		if (dup)
			dups++;
		else
			r.e[r.n++] = e;
	}
	assert_true(dups > 0);
	assert_int_equal(lpm_builder_count(b), r.n);
	assert_int_equal(lpm_build(b, &m), 0);
	assert_int_equal(lpm_prefix_count(m), r.n);
	/* The same prefixes in sorted order take the no-hash path. */
	qsort(r.e, r.n, sizeof(*r.e), ent_cmp);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(lpm_builder_add(bs, r.e[i].a, r.e[i].plen, r.e[i].value), 0);
	assert_int_equal(lpm_builder_add(bs, r.e[0].a, r.e[0].plen, 1), DX_EEXIST);
	assert_int_equal(lpm_build(bs, &ms), 0);
	assert_int_equal(lpm_builder_count(bd), np);
	assert_int_equal(lpm_build(bd, &md), 0);
	assert_int_equal(dc.n, dups);
	assert_int_equal(lpm_prefix_count(md), r.n);
	check_map(&r, m, nq);
	check_map(&r, ms, nq / 4);
	check_map(&r, md, nq / 4);
	lpm_free(md);
	if (family == 4) {
		/* the second level, forced: blocks of 2^15, 2^12 and 2^8
		 * addresses (the hot /16s hold hundreds of prefixes each) */
		static const int bits[] = { 17, 20, 24 };
		for (unsigned k = 0; k < 3; k++) {
			lpm_index_bits(bits[k]);
			assert_int_equal(lpm_builder_new(family, &bd), 0);
			for (size_t i = 0; i < r.n; i++)
				assert_int_equal(lpm_builder_add(bd, r.e[i].a,
				    r.e[i].plen, r.e[i].value), 0);
			assert_int_equal(lpm_build(bd, &md), 0);
			lpm_index_bits(-1);
			check_map(&r, md, nq / 2);
			lpm_free(md);
		}
	}
	lpm_free(m);
	lpm_free(ms);
	free(isdup);
	free(r.e);
}

static void
test_random4(void **state)
{
	(void)state;
	random_family(4, UINT64_C(0x5eed0004), 3000, 4000);
}

static void
test_random4_edges(void **state)
{
	(void)state;
	edge_lengths = 1;
	random_family(4, UINT64_C(0x5eed0024), 3000, 4000);
	edge_lengths = 0;
}

static void
test_random6(void **state)
{
	(void)state;
	random_family(6, UINT64_C(0x5eed0006), 3000, 4000);
}

/* Only <= /64: every map (immediate and deferred check) is compact. */
static void
test_random6_short(void **state)
{
	(void)state;
	mode6 = 64;
	random_family(6, UINT64_C(0x5eed0064), 3000, 4000);
	mode6 = 0;
}

/* Lengths around /64: the deferred builder holds both halves. */
static void
test_random6_around64(void **state)
{
	(void)state;
	mode6 = 65;
	random_family(6, UINT64_C(0x5eed0065), 3000, 4000);
	mode6 = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_climbs),
		cmocka_unit_test(test_random4),
		cmocka_unit_test(test_random4_edges),
		cmocka_unit_test(test_random6),
		cmocka_unit_test(test_random6_short),
		cmocka_unit_test(test_random6_around64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

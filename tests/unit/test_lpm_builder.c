/* test_lpm_builder.c -- the builder's record arrays (growth faults pages in ahead) and the deferred IPv6 radix sort (sort8_msd's digit widths, shared digits, one-address runs): random prefixes <= /64 against a reference sort, first add wins, every repeat reported once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_impl.h"
#include "lpm_testutil.h"

struct rec {
	uint64_t a;
	unsigned plen;
	uint32_t value, tag;
};

static struct rec *got;
static size_t ngot;
static uint32_t *dtags;
static size_t ndup;

static int
rec_cmp(const void *x, const void *y)
{
	const struct rec *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->plen != q->plen)
		return p->plen < q->plen ? -1 : 1;
	return p->tag < q->tag ? -1 : p->tag > q->tag;   /* add order */
}

static int
u32_cmp(const void *x, const void *y)
{
	uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
	return p < q ? -1 : p > q;
}

static int
collect(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	uint64_t a = 0;
	(void)arg;
	for (unsigned i = 0; i < 8; i++)
		a = a << 8 | addr[i];
	for (unsigned i = 8; i < 16; i++)
		assert_int_equal(addr[i], 0);
	got[ngot].a = a;
	got[ngot].plen = plen;
	got[ngot++].value = value;
	return 0;
}

static void
on_dup(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	(void)addr, (void)plen, (void)arg;
	dtags[ndup++] = tag;
}


static uint64_t rng = 88172645463325252u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* n prefixes: bucket sizes from a few to thousands (every digit width),
 * addresses sharing long runs of bits in some buckets (skipped digits),
 * lengths 0..64, and repeats of earlier prefixes (same or other value). */
static void
run_order(size_t n, unsigned nbuckets, unsigned spread, int presorted)
{
	struct rec *ref = calloc(n, sizeof(*ref));
	struct lpm_builder *b;
	got = calloc(n + 1, sizeof(*got));
	dtags = calloc(n, sizeof(*dtags));
	ngot = ndup = 0;
	assert_non_null(ref);
	assert_non_null(got);
	assert_non_null(dtags);
	assert_int_equal(lpm_builder_new(6, &b), 0);
	lpm_builder_defer_dups(b, on_dup, NULL);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next(), a;
		unsigned plen;
		if (i > 0 && r % 8 == 0) {
			ref[i] = ref[next() % i];           /* a repeat */
			a = ref[i].a;
			plen = ref[i].plen;
		} else {
			uint64_t top = (uint64_t)(0x2000 + next() % nbuckets) << 48;
			/* spread: how many low bits vary (the rest are shared) */
			uint64_t low = next() & ((UINT64_C(1) << spread) - 1);
			a = top | (low << (48 - spread)) | (next() & 0xffff);
			plen = (unsigned)(next() % 4 == 0 ? next() % 65 :
			    16 + 8 * (next() % 7));
			a = plen ? a & (UINT64_MAX << (64 - plen)) : 0;
		}
		ref[i].a = a;
		ref[i].plen = plen;
		ref[i].value = (uint32_t)i;
		ref[i].tag = (uint32_t)i + 1;
	}
	if (presorted)              /* in order, repeats next to each other */
		qsort(ref, n, sizeof(*ref), rec_cmp);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = ref[i].a;
		unsigned plen = ref[i].plen;
		ref[i].value = (uint32_t)i;
		ref[i].tag = (uint32_t)i + 1;
		uint8_t addr[16] = { 0 };
		for (unsigned j = 0; j < 8; j++)
			addr[j] = (uint8_t)(a >> (56 - 8 * j));
		assert_int_equal(lpm_builder_add_tag(b, addr, plen, ref[i].value,
		    ref[i].tag), 0);
	}
	struct lpm *m = build(b);
	assert_int_equal(lpm_walk(m, collect, NULL), 0);
	qsort(ref, n, sizeof(*ref), rec_cmp);
	size_t w = 0, nd = 0;
	uint32_t *want = calloc(n, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < n; i++) {
		if (w && ref[i].a == ref[w - 1].a && ref[i].plen == ref[w - 1].plen) {
			want[nd++] = ref[i].tag;
			continue;
		}
		ref[w++] = ref[i];
	}
	assert_int_equal(ngot, w);
	for (size_t i = 0; i < w; i++) {
		assert_true(got[i].a == ref[i].a);
		assert_int_equal(got[i].plen, ref[i].plen);
		assert_int_equal(got[i].value, ref[i].value);   /* first add */
	}
	assert_int_equal(ndup, nd);
	qsort(dtags, ndup, sizeof(*dtags), u32_cmp);
	qsort(want, nd, sizeof(*want), u32_cmp);
	assert_memory_equal(dtags, want, nd * sizeof(*want));
	lpm_free(m);
	free(want);
	free(ref);
	free(got);
	free(dtags);
}

/* Under ASan the shadow of the written bytes faults too. */
#if defined(__SANITIZE_ADDRESS__)
#define FAULTS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULTS_MEANINGFUL 0
#endif
#endif
#ifndef FAULTS_MEANINGFUL
#define FAULTS_MEANINGFUL 1
#endif

static long
minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* A record array doubled from 256 KB to 2 MB: mapped in whole 2 MB
 * chunks (huge pages), or its pages faulted in by the growth, not one
 * fault per 4 KB page as the records are written (the 1..2 MB half of a
 * chunk that had 4 KB pages was 256 faults). Contents survive. */
static void
test_grow_populates(void **state)
{
	(void)state;
#ifdef MADV_POPULATE_WRITE
	void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(probe != MAP_FAILED);
	int ok = madvise(probe, 4096, MADV_POPULATE_WRITE) == 0;
	munmap(probe, 4096);
	if (!ok)
		skip();
	size_t maplen = 0, size = 128 << 10, used = 0;
	uint8_t *p = NULL;
	long faults = 0;
	while (size < ((size_t)2 << 20)) {
		size *= 2;
		p = lpm_rec_grow(&maplen, p, used, size);
		assert_non_null(p);
		for (size_t i = 0; i < used; i += 4093)
			assert_int_equal(p[i], (uint8_t)(i / 4093));
		long f0 = minflt();
		for (size_t i = used; i < size; i++)
			p[i] = (uint8_t)(i / 4093);
		faults += minflt() - f0;
		used = size;
	}
	assert_true(maplen > 0);
	assert_int_equal(maplen % ((size_t)2 << 20), 0);   /* whole huge pages */
	if (FAULTS_MEANINGFUL)
		assert_true(faults < 16);
	lpm_rec_free(&maplen, p);
#else
	skip();
#endif
}

static void
run(size_t n, unsigned nbuckets, unsigned spread)
{
	run_order(n, nbuckets, spread, 0);
}

struct walk3 {
	unsigned n;
	unsigned plen[8];
};

static int
plens(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct walk3 *w = arg;
	(void)addr, (void)value;
	if (w->n < 8)
		w->plen[w->n] = plen;
	w->n++;
	return 0;
}

/* Adds in order need no sort, only the repeats dropped; one address
 * added with a shorter length after a longer one is out of order. */
static void
test_presorted(void **state)
{
	(void)state;
	run_order(20000, 64, 32, 1);
	run_order(3000, 1, 0, 1);
	struct lpm_builder *b;
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };   /* 2001:db8:: */
	unsigned pl = 0;
	assert_int_equal(lpm_builder_new(6, &b), 0);
	lpm_builder_defer_dups(b, NULL, NULL);
	assert_int_equal(lpm_builder_add(b, a, 48, 1), 0);
	assert_int_equal(lpm_builder_add(b, a, 32, 2), 0);
	assert_int_equal(lpm_builder_add(b, a, 40, 3), 0);
	struct lpm *m = build(b);
	struct walk3 w3 = { 0, { 0 } };
	assert_int_equal(lpm_walk(m, plens, &w3), 0);
	assert_int_equal(w3.n, 3);
	assert_int_equal(w3.plen[0], 32);
	assert_int_equal(w3.plen[1], 40);
	assert_int_equal(w3.plen[2], 48);
	assert_int_equal(lpm_lookup(m, a, &pl), 1);
	assert_int_equal(pl, 48);
	a[5] = 1;
	assert_int_equal(lpm_lookup(m, a, &pl), 3);
	assert_int_equal(pl, 40);
	a[4] = 1;
	assert_int_equal(lpm_lookup(m, a, &pl), 2);
	assert_int_equal(pl, 32);
	lpm_free(m);
}

static void
test_sort_spread(void **state)
{
	(void)state;
	run(20000, 64, 32);         /* ~300 a bucket: 8-bit digits */
	run(20000, 1500, 32);       /* ~13: insertion */
	run(20000, 400, 32);        /* ~50: narrow digits */
}

static void
test_sort_shared_bits(void **state)
{
	(void)state;
	run(20000, 8, 3);           /* buckets of ~2500 sharing 45 bits */
	run(5000, 2, 1);            /* one-address runs of many lengths */
	run(3000, 1, 0);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* m->coarse (lpm_prefetch4's guess of the entry line): idx[] every /12,
 * and on evenly spread /24s (the bench's kind of data) the guess for an
 * address of the j-th /24 lands on entry j's line or the next for most. */
static void
test_coarse_guess(void **state)
{
	enum { N = 100000, SAMPLES = 20000 };
	static uint32_t p[N];
	struct lpm_builder *b;
	uint64_t rs = 42;
	unsigned near = 0, inwin = 0, online = 0;
	(void)state;
	for (unsigned i = 0; i < N; i++) {
		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		p[i] = (uint32_t)rs & 0xffffff00u;
	}
	qsort(p, N, sizeof(p[0]), cmp_u32);
	unsigned n = 0;
	for (unsigned i = 0; i < N; i++)        /* distinct /24s */
		if (n == 0 || p[n - 1] != p[i])
			p[n++] = p[i];
	lpm_index_bits(18);
	assert_int_equal(lpm_builder_new(4, &b), 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t a[4] = { p[i] >> 24, p[i] >> 16 & 255, p[i] >> 8 & 255, 0 };
		assert_int_equal(lpm_builder_add(b, a, 24, i), 0);
	}
	struct lpm *m = build(b);
	lpm_index_bits(-1);
	assert_non_null(m->idx);
	assert_non_null(m->coarse);
	assert_int_equal(m->n, n);      /* only the /24s: entry j is p[j] */
	for (unsigned k = 0; k <= LPM_NCOARSE; k++) {
		assert_int_equal(m->coarse[k], m->idx[k << (m->ibits - 12)]);
		if (k)
			assert_true(m->coarse[k] >= m->coarse[k - 1]);
	}
	for (unsigned s = 0; s < SAMPLES; s++) {
		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		uint32_t j = (uint32_t)(rs % n), addr = p[j] | (uint32_t)(rs >> 40 & 255);
		uint32_t g = lpm_coarse_guess4(m, addr);
		assert_true(g < n);
		assert_int_equal(lpm_lookup4(m, addr, NULL), j);
		if (g / 8 == j / 8 || g / 8 + 1 == j / 8 || g / 8 == j / 8 + 1)
			near++;
		/* The window lpm_prefetch4 fetches: the guess's line and one
		 * either side, clipped to the map. */
		uint32_t lo, hi;
		assert_int_equal(lpm_coarse_window4(m, addr, &lo, &hi), g);
		assert_true(lo <= g && g <= hi && hi < n);
		assert_true(g - lo <= 8 && hi - g <= 8);
		assert_true(lo == g - 8 || lo == 0);
		assert_true(hi == g + 8 || hi == n - 1);
		if (lo <= j && j <= hi)
			inwin++;
		if (g / 8 == j / 8)
			online++;
	}
	assert_true(near > SAMPLES / 2);
	/* The window holds the answer far more often than the guess's line
	 * alone: that is what its two extra lines are for. */
	print_message("coarse guess: own line %u, window %u of %u\n", online,
	    inwin, SAMPLES);
	assert_true(inwin > SAMPLES * 9 / 10);
	assert_true(inwin > online + SAMPLES / 10);
	lpm_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_populates),
		cmocka_unit_test(test_sort_spread),
		cmocka_unit_test(test_presorted),
		cmocka_unit_test(test_sort_shared_bits),
		cmocka_unit_test(test_coarse_guess),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* lpm_bench.c -- micro-benchmark of src/lpm.c: build time, bytes per prefix, lookups per second (CPU time). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "errcode.h"
#include "lpm.h"

struct pfx {
	uint8_t a[16];
	uint8_t plen;
	uint32_t value;
};

static uint64_t rs = 1;
static int defer = 1;           /* -d: deferred duplicate check (loaders) */
static unsigned maxlen6 = 128;  /* -l: longest IPv6 prefix (64: one map) */

static void
count_dup(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	(void)addr, (void)plen, (void)tag;
	(*(size_t *)arg)++;
}

static uint64_t
rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * UINT64_C(2685821657736338717);
}

/* CPU time of this process: the machine is shared, wall time is not ours.
 * Page faults count (as system time), as they would in a real load. */
static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
anon_huge_mb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb / 1024;
}

static long
maxrss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static void
mask(uint8_t *a, unsigned alen, unsigned plen)
{
	for (unsigned bit = plen; bit < alen * 8; bit++)
		a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
}

/* IPv4 lengths: 2% /8../15, 8% /16../23, 90% /24../32. */
static unsigned
plen4(void)
{
	unsigned k = (unsigned)(rnd() % 100);
	if (k < 2)
		return 8 + (unsigned)(rnd() % 8);
	if (k < 10)
		return 16 + (unsigned)(rnd() % 8);
	return 24 + (unsigned)(rnd() % 9);
}

/* IPv6 lengths: 10% /20../31, 60% /32../48, 25% /49../64, 5% /65../128. */
static unsigned
plen6(void)
{
	unsigned k = (unsigned)(rnd() % 100);
	if (k < 10)
		return 20 + (unsigned)(rnd() % 12);
	if (k < 70)
		return 32 + (unsigned)(rnd() % 17);
	if (k < 95)
		return 49 + (unsigned)(rnd() % 16);
	return 65 + (unsigned)(rnd() % 64);
}

static const uint16_t hot6[8] = { 0x2001, 0x2a01, 0x2603, 0x2620, 0x2a00,
    0x2400, 0x2600, 0x2c0f };

static struct lpm *
build(int family, const struct pfx *p, size_t n, double *secs, size_t *dups)
{
	struct lpm_builder *b;
	struct lpm *m;
	double t0 = now(), t1;
	*dups = 0;
	if (lpm_builder_new(family, &b) < 0)
		exit(1);
	if (defer)
		lpm_builder_defer_dups(b, count_dup, dups);
	for (size_t i = 0; i < n; i++) {
		int rc = lpm_builder_add(b, p[i].a, p[i].plen, p[i].value);
		if (rc == DX_EEXIST)
			(*dups)++;
		else if (rc < 0)
			exit(1);
	}
	t1 = now();
	if (lpm_build(b, &m) < 0) {
		fprintf(stderr, "lpm_build failed\n");
		exit(1);
	}
	*secs = now() - t0;
	printf("ipv%d: adds %.3f s + lpm_build %.3f s (%s duplicate check)\n",
	    family, t1 - t0, now() - t1, defer ? "deferred" : "immediate");
	return m;
}

static int
pfx_cmp4(const void *x, const void *y)
{
	const struct pfx *a = x, *b = y;
	int c = memcmp(a->a, b->a, 4);
	return c ? c : (int)a->plen - (int)b->plen;
}

static void
bench4(size_t n, size_t nq, unsigned excl_pct, int sorted)
{
	struct pfx *p = calloc(n, sizeof(*p));
	size_t dups, hits = 0;
	double secs;
	if (p == NULL)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		uint32_t a = (uint32_t)rnd();
		memcpy(p[i].a, &(uint8_t[4]){ (uint8_t)(a >> 24), (uint8_t)(a >> 16),
		    (uint8_t)(a >> 8), (uint8_t)a }, 4);
		p[i].plen = (uint8_t)plen4();
		mask(p[i].a, 4, p[i].plen);
		p[i].value = rnd() % 100 < excl_pct ? LPM_NONE : (uint32_t)i;
	}
	if (sorted)             /* rbldnsd files are often sorted */
		qsort(p, n, sizeof(*p), pfx_cmp4);
	struct lpm *m = build(4, p, n, &secs, &dups);
	free(p);
	size_t np = lpm_prefix_count(m), mem = lpm_memory(m);
	printf("ipv4 %s: %zu adds (%zu duplicates), %zu prefixes: build %.3f s, "
	    "%zu bytes = %.2f bytes/prefix, peak RSS %ld MB (huge pages now %ld MB)\n",
	    sorted ? "sorted input" : "random order", n, dups, np, secs, mem,
	    (double)mem / (double)(np ? np : 1), maxrss_mb(), anon_huge_mb());

	uint32_t x = 2463534242u, sum = 0;
	double t0 = now();
	for (size_t q = 0; q < nq; q++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint32_t v = lpm_lookup4(m, x, NULL);
		sum += v;
		hits += v != LPM_NONE;
	}
	double t = now() - t0;
	printf("ipv4 lpm_lookup4: %zu random addresses in %.3f s = %.1f M/s "
	    "(%.1f%% listed, check %u)\n", nq, t, (double)nq / t / 1e6,
	    100.0 * (double)hits / (double)nq, sum);

	/* The same kind of addresses through the batch call, 256 at a time
	 * (a recvmmsg batch is 32..256 queries). */
	uint32_t ab[256], vb[256];
	hits = 0;
	t0 = now();
	for (size_t q = 0; q < nq; q += 256) {
		for (unsigned k = 0; k < 256; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			ab[k] = x;
		}
		lpm_lookup4_batch(m, ab, 256, vb, NULL);
		for (unsigned k = 0; k < 256; k++) {
			sum += vb[k];
			hits += vb[k] != LPM_NONE;
		}
	}
	t = now() - t0;
	printf("ipv4 lpm_lookup4_batch: %zu random addresses in %.3f s = %.1f M/s "
	    "(%.1f%% listed, check %u)\n", nq / 256 * 256, t,
	    (double)(nq / 256 * 256) / t / 1e6, 100.0 * (double)hits / (double)nq, sum);

	t0 = now();
	for (size_t q = 0; q < nq / 4; q++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint8_t a[4] = { (uint8_t)(x >> 24), (uint8_t)(x >> 16),
		    (uint8_t)(x >> 8), (uint8_t)x };
		sum += lpm_any_within(m, a, 24);
	}
	t = now() - t0;
	printf("ipv4 lpm_any_within /24: %.1f M/s (check %u)\n",
	    (double)(nq / 4) / t / 1e6, sum);
	lpm_free(m);
}

static void
bench6(size_t n, size_t nq, unsigned excl_pct)
{
	struct pfx *p = calloc(n, sizeof(*p));
	size_t dups, hits = 0;
	double secs;
	if (p == NULL)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		uint64_t hi = rnd(), lo = rnd();
		hi = (hi & 0x0000ffffffffffffu) | (uint64_t)hot6[rnd() % 8] << 48;
		for (unsigned k = 0; k < 8; k++) {
			p[i].a[k] = (uint8_t)(hi >> (56 - 8 * k));
			p[i].a[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
		}
		do
			p[i].plen = (uint8_t)plen6();
		while (p[i].plen > maxlen6);
		mask(p[i].a, 16, p[i].plen);
		p[i].value = rnd() % 100 < excl_pct ? LPM_NONE : (uint32_t)i;
	}
	struct lpm *m = build(6, p, n, &secs, &dups);
	size_t np = lpm_prefix_count(m), mem = lpm_memory(m);
	printf("ipv6: %zu adds (%zu duplicates), %zu prefixes: build %.3f s, "
	    "%zu bytes = %.2f bytes/prefix, peak RSS %ld MB\n", n, dups, np, secs,
	    mem, (double)mem / (double)(np ? np : 1), maxrss_mb());

	/* Addresses: half inside a random prefix, half anywhere in the hot /16s. */
	size_t na = 1u << 20;
	uint8_t (*addrs)[16] = malloc(na * 16);
	if (addrs == NULL)
		exit(1);
	for (size_t i = 0; i < na; i++) {
		uint64_t hi = rnd(), lo = rnd();
		for (unsigned k = 0; k < 8; k++) {
			addrs[i][k] = (uint8_t)(hi >> (56 - 8 * k));
			addrs[i][8 + k] = (uint8_t)(lo >> (56 - 8 * k));
		}
		if (i % 2) {
			const struct pfx *e = &p[rnd() % n];
			for (unsigned bit = 0; bit < e->plen; bit++) {
				uint8_t mk = (uint8_t)(0x80 >> (bit % 8));
				addrs[i][bit / 8] = (uint8_t)((addrs[i][bit / 8] & ~mk) |
				    (e->a[bit / 8] & mk));
			}
		} else {
			uint16_t h = hot6[rnd() % 8];
			addrs[i][0] = (uint8_t)(h >> 8);
			addrs[i][1] = (uint8_t)h;
		}
	}
	free(p);
	uint32_t sum = 0;
	double t0 = now();
	for (size_t q = 0; q < nq; q++) {
		uint32_t v = lpm_lookup(m, addrs[q & (na - 1)], NULL);
		sum += v;
		hits += v != LPM_NONE;
	}
	double t = now() - t0;
	printf("ipv6 lpm_lookup: %zu addresses in %.3f s = %.1f M/s "
	    "(%.1f%% listed, check %u)\n", nq, t, (double)nq / t / 1e6,
	    100.0 * (double)hits / (double)nq, sum);
	free(addrs);
	lpm_free(m);
}

int
main(int argc, char **argv)
{
	size_t n4 = 10000000, n6 = 1000000, nq = 20000000;
	unsigned excl = 5, sorted = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-4") == 0)
			n4 = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-6") == 0)
			n6 = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-q") == 0)
			nq = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0)
			sorted = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-i") == 0)
			lpm_index_bits((int)strtol(argv[i + 1], NULL, 10));
		else if (strcmp(argv[i], "-d") == 0)
			defer = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-l") == 0)
			maxlen6 = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-x") == 0)
			excl = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr, "usage: lpm_bench [-4 N] [-6 N] [-q N] [-x PCT] [-s 0|1] [-d 0|1] [-i BITS] [-l MAXLEN6]\n");
			return 2;
		}
	}
	if (n4) {
		bench4(n4, nq, excl, 0);
		if (sorted)
			bench4(n4, nq / 4, excl, 1);
	}
	if (n6)
		bench6(n6, nq / 2, excl);
	return 0;
}

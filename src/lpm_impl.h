/* lpm_impl.h -- internals shared by lpm.c (the built map) and lpm_builder.c
 * (collecting, sorting and de-duplicating prefixes); not a public contract. */
#ifndef DNSXL_LPM_IMPL_H
#define DNSXL_LPM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define NOIDX   UINT32_MAX

struct k128 {                   /* an address, host order, left-aligned */
	uint64_t hi, lo;
};

/* Builder records: IPv4 key = addr << 8 | plen, sorted by a radix sort. */
struct b4 {
	uint64_t key;
	uint32_t value;
	uint32_t tag;               /* caller's, for deferred duplicates (free:
	                             * the record pads to 16 bytes anyway) */
};

/* IPv6 prefixes of length <= 64 (deferred mode): the top 64 bits, 16
 * bytes a record, the length beside it in b->p8 (1 byte): half of b6. */
struct b8 {
	uint64_t a;
	uint32_t value, tag;
};

struct b6 {
	struct k128 k;
	uint32_t value, tag;
	uint32_t seq;               /* add order: qsort is not stable */
	uint8_t plen;
	uint8_t syn;                /* a split map's stand-in /64 (below) */
	uint8_t lplen;              /* syn: the /64 half's plen for value */
};

struct lpm_builder {
	int family;
	size_t n, cap;
	struct b4 *v4;
	struct b6 *v6;
	/* Duplicate check: while adds arrive in strictly increasing order (a
	 * sorted data file) none can repeat and no hash is kept; the first add
	 * out of order builds the hash from everything so far. */
	int sorted;
	uint64_t *h4;               /* key + 1, 0 = empty */
	uint32_t *h6;               /* index + 1, 0 = empty */
	size_t hcap;                /* power of two, or 0 */
	/* Deferred mode (lpm_builder_defer_dups): no hash at all; "sorted"
	 * then means non-decreasing, and lpm_build drops the repeats. */
	void (*dupfn)(const uint8_t *addr, unsigned plen, uint32_t tag,
	    void *arg);
	void *duparg;
	int defer;
	size_t maplen;              /* v4/v6 is an mmap of maplen bytes (grows
	                             * by mremap), 0 = malloc'ed */
	/* IPv6, deferred mode: prefixes <= /64 go here, longer ones to v6.
	 * After lpm_builder_sort exactly one of n8, n is non-zero (or both
	 * are 0): v8 when every prefix is <= /64 (the compact map). */
	struct b8 *v8;
	uint8_t *p8;                /* plen of v8[i] */
	size_t n8, cap8, maplen8;
	int sorted8;
};

/* --- 128-bit helpers ------------------------------------------------------ */

static inline int
k_cmp(struct k128 a, struct k128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline struct k128
k_mask(unsigned plen)           /* network mask */
{
	struct k128 m;
	m.hi = plen == 0 ? 0 : plen >= 64 ? UINT64_MAX : UINT64_MAX << (64 - plen);
	m.lo = plen <= 64 ? 0 : plen >= 128 ? UINT64_MAX : UINT64_MAX << (128 - plen);
	return m;
}

static inline struct k128
k_net(struct k128 a, unsigned plen)
{
	struct k128 m = k_mask(plen);
	a.hi &= m.hi;
	a.lo &= m.lo;
	return a;
}

/* Last address of a prefix; IPv4 ones carry trailing ones in the unused
 * 96 bits, which keeps every comparison with left-aligned addresses right. */
static inline struct k128
k_end(struct k128 a, unsigned plen)
{
	struct k128 m = k_mask(plen);
	a.hi |= ~m.hi;
	a.lo |= ~m.lo;
	return a;
}

static inline struct k128
k_inc(struct k128 a)
{
	if (++a.lo == 0)
		a.hi++;
	return a;
}

static inline struct k128
k_dec(struct k128 a)
{
	if (a.lo-- == 0)
		a.hi--;
	return a;
}

static inline struct k128
k_from_bytes(int family, const uint8_t *p)
{
	struct k128 k = { 0, 0 };
	unsigned len = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < len; i++) {
		if (i < 8)
			k.hi |= (uint64_t)p[i] << (56 - 8 * i);
		else
			k.lo |= (uint64_t)p[i] << (56 - 8 * (i - 8));
	}
	return k;
}

static inline void
k_to_bytes(int family, struct k128 k, uint8_t *p)
{
	unsigned len = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < len; i++)
		p[i] = i < 8 ? (uint8_t)(k.hi >> (56 - 8 * i))
		    : (uint8_t)(k.lo >> (56 - 8 * (i - 8)));
}

/* A split IPv6 map (deferred mode, prefixes on both sides of /64): the
 * compact map holds the <= /64 ones, a second 32-byte map ("hi") the
 * longer ones plus, for every /64 block X they touch, a stand-in X/64
 * (syn) carrying the compact map's answer for X, so hi alone answers
 * every address of X and a lookup asks the compact map only outside.
 * Where the long prefixes hide X entirely (exclusions covering a listed
 * block: "masked"), the compact map says LPM_NONE for X, so that its
 * lpm_any_within counts only what shows: its X/64 gets value LPM_NONE
 * (the real one kept here for lpm_walk), or a stand-in X/64 is inserted
 * (skip: lpm_walk leaves it out). Sorted by i, the compact map's index. */
struct lpm_fix {
	uint32_t i, v;
	uint32_t skip;
};

/* Split b (sorted, deduplicated, both v8 and v6 non-empty): builds hi
 * from v6 and the stand-ins, frees v6 and rewrites v8 for the masked
 * blocks. 0 or DX_ENOMEM; *fix (nfix entries) is the caller's. */
struct lpm;
int lpm_builder_split(struct lpm_builder *b, struct lpm **hi,
    struct lpm_fix **fix, size_t *nfix);

/* Big arrays on huge pages where the kernel allows (lpm_builder.c);
 * lpm_dealloc needs the size given to lpm_alloc. */
#define LPM_MAPMIN ((size_t)256 << 10)   /* smaller: malloc */
void *lpm_alloc(size_t size);
void lpm_dealloc(void *p, size_t size);

/* Sort the records (stably: first add first), drop the hash, and in
 * deferred mode drop and report repeats. 0 or DX_ENOMEM. */
int lpm_builder_sort(struct lpm_builder *b);

#endif

/* lpm_impl.h -- internals shared by lpm.c (the built map) and lpm_builder.c
 * (collecting, sorting and de-duplicating prefixes); not a public contract. */
#ifndef DNSXL_LPM_IMPL_H
#define DNSXL_LPM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lpm.h"

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
	size_t maplenp8;            /* p8 is a mapping of that many bytes, or 0 */
	size_t n8, cap8, maplen8;
	int sorted8;
	int uncov;                  /* the map gets lpm->unc (a split's hi) */
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
 * compact map holds the <= /64 ones, a second 24-byte map ("hi") the
 * longer ones; a lookup asks hi first (where a filter says hi may touch
 * the /64 block), then the compact map. hi also knows, per segment,
 * whether some address there is covered by none of its prefixes (unc).
 * Where the long prefixes hide a listed /64 block X entirely ("masked"),
 * the compact map says LPM_NONE for X, so that its lpm_any_within counts
 * only what shows: its X/64 gets value LPM_NONE (the real one kept here
 * for lpm_walk), or an X/64 exclusion is inserted (skip: lpm_walk leaves
 * it out). Sorted by i, the compact map's index. */
struct lpm_fix {
	uint32_t i, v;
	uint32_t skip;
};

/* Split b (sorted, deduplicated, both v8 and v6 non-empty): builds hi
 * from v6 (moved out of b) and rewrites v8 for the masked blocks. 0 or DX_ENOMEM; *fix (nfix entries) is the caller's. */
struct lpm;
int lpm_builder_split(struct lpm_builder *b, struct lpm **hi,
    struct lpm_fix **fix, size_t *nfix);


/* --- the built map (lpm.c, lpm6.c) ---------------------------------------- */

#define NBKT    65536u
#define SHORT   16u             /* plen <= SHORT: folded into bkt[].bval */

struct bkt {
	uint32_t ls, le;
	uint32_t bval;
	uint8_t bplen;
	uint8_t pad[3];
};

#define LPM_NCOARSE 4096       /* m->coarse: one entry per /12 */

/* IPv4 word: low16 << 16 | plen << 10 | distance to the parent, 0 = no long
 * parent, PFAR = look in esc[] (sorted by child). Sorting words sorts by
 * (start, plen), so a lookup searches the words themselves. */
#define PFAR    1023u
struct e4 {
	uint32_t w, v;
};
/* IPv6 entry, 24 bytes: w = plen << 24 | distance back to the parent
 * (0 = none, PFAR6 = look in esc[]). 24 bits reach 16M entries back, so
 * esc[] is for pathological maps only (a /20 holding 100k prefixes is
 * still a direct step: climbing through esc[] was measured slower). */
#define PFAR6   0xffffffu
struct e6 {
	struct k128 k;
	uint32_t v, w;
};
struct esc {
	uint32_t i, par;
};

/* Compact IPv6 map, for maps whose prefixes are all <= /64 (real DNSxL
 * data): per entry a 64-bit word
 *   w = low 48 of the top 64 bits << 16 | plen << 9 | parent distance
 * in w8[] (the search reads only words: 8 to a cache line, not 5.3), and
 * its value apart, in v16[] (2 bytes) when every value is LPM_NONE or
 * below V16NONE (a dataset's value indexes: few), else in v32[]. Like the
 * IPv4 word, w sorts like the prefix. */
#define PFAR8   511u
#define V16NONE 0xffffu         /* LPM_NONE in v16[] */
#define W8(m, i) ((m)->w8[i])

/* IPv6 buckets are few and big (most space is 2xxx::/16): a lookup first
 * halves a sample of every SAMP-th key, small enough to stay in cache. */
#define SAMP    16

struct lpm {
	int family;
	size_t n;
	size_t bytes;
	struct bkt *bkt;
	struct e4 *e4;              /* IPv4: word and value side by side */
	struct e6 *e6;              /* IPv6: key, value, plen and parent */
	uint64_t *w8;               /* IPv6, all <= /64: the words */
	uint16_t *v16;              /* and their values: one of v16, v32 */
	uint32_t *v32;
	uint64_t *samp6;            /* 24-byte IPv6: top 64 bits of entry j * SAMP */
	uint32_t *samp8;            /* compact: bits 47..16 of entry j * SAMP (a
	                             * search stays in one /16 bucket) */
	struct esc *esc;            /* parents PFAR/PFAR8/PFAR6 or more back */
	size_t nesc;
	uint64_t *vis;              /* bit per long prefix: its segment shows */
	uint32_t *rank;             /* set bits of vis before each 512 */
	uint32_t *idx;              /* IPv4, big maps: per block of 2^(32-ibits)
	                             * addresses, the first long prefix of its
	                             * bucket starting in it or after; NULL */
	unsigned ibits;
	uint32_t *coarse;           /* with idx: idx[] every /12, 4097 words
	                             * (16 KB, stays cached) for
	                             * lpm_coarse_guess4(); NULL without idx */
	struct lpm *hi;             /* split IPv6: the prefixes > /64 */
	uint64_t *tf;               /* split IPv6: a bit per hash of a /64
	                             * block hi touches (no false negatives) */
	unsigned tfbits;
	struct lpm_fix *fix;        /* split IPv6: masked blocks (lpm_impl.h) */
	size_t nfix;
	size_t count;               /* prefixes added (no inserted ones) */
	uint64_t *unc;              /* split's hi: bit per segment holding an
	                             * address no prefix covers (or NULL) */
	uint32_t *urank;            /* set bits of unc before each 512 */
	int uncov;                  /* compute unc */
	/* bkt[] covers buckets hlo .. hlo + nb - 1 only: from the first
	 * prefix's bucket to the last one a prefix reaches (real IPv6 data
	 * sits in 2000::/4: 64 KB, not 1 MB, of table). Outside, bnone[0]
	 * (before: no prefixes, le 0) or bnone[1] (after: le = n). IPv4
	 * maps keep all NBKT (hlo 0): their lookups index bkt[] directly. */
	uint32_t hlo, nb;
	struct bkt bnone[2];
	uint64_t bvis[NBKT / 64];
};

/* --- accessors on a built map --------------------------------------------- */

static inline struct k128
key_at(const struct lpm *m, uint32_t h, size_t i)
{
	struct k128 k;
	if (m->w8) {
		k.hi = (uint64_t)h << 48 | W8(m, i) >> 16;
		k.lo = 0;
		return k;
	}
	if (m->family == 6)
		return m->e6[i].k;
	k.hi = (uint64_t)(h << 16 | m->e4[i].w >> 16) << 32;
	k.lo = 0;
	return k;
}

static inline unsigned
plen_at(const struct lpm *m, size_t i)
{
	if (m->w8)
		return (unsigned)(W8(m, i) >> 9) & 127;
	return m->family == 6 ? m->e6[i].w >> 24 : (m->e4[i].w >> 10) & 63;
}

/* Value of compact entry i. */
static inline uint32_t
val8(const struct lpm *m, size_t i)
{
	if (m->v16) {
		uint32_t v = m->v16[i];
		return v == V16NONE ? LPM_NONE : v;
	}
	return m->v32[i];
}

static inline uint32_t
val_at(const struct lpm *m, size_t i)
{
	if (m->w8)
		return val8(m, i);
	return m->family == 6 ? m->e6[i].v : m->e4[i].v;
}

static inline uint32_t
parent_at(const struct lpm *m, size_t i)
{
	uint32_t d;
	if (m->w8) {
		d = (uint32_t)W8(m, i) & PFAR8;
		if (d == 0)
			return NOIDX;
		if (d < PFAR8)
			return (uint32_t)(i - d);
	} else if (m->family == 6) {
		d = m->e6[i].w & PFAR6;
		if (d == 0)
			return NOIDX;
		if (d < PFAR6)
			return (uint32_t)(i - d);
	} else {
		d = m->e4[i].w & PFAR;
		if (d == 0)
			return NOIDX;
		if (d < PFAR)
			return (uint32_t)(i - d);
	}
	size_t lo = 0, hi = m->nesc;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (m->esc[mid].i <= i)
			lo = mid;
		else
			hi = mid;
	}
	return m->esc[lo].par;
}

/* Bucket h (0 .. NBKT - 1) of a non-empty map. */
static inline const struct bkt *
bkt_get(const struct lpm *m, uint32_t h)
{
	uint32_t r = h - m->hlo;        /* wraps below hlo */
	if (__builtin_expect(r < m->nb, 1))
		return &m->bkt[r];
	return &m->bnone[h >= m->hlo];
}

static inline uint32_t
bkt_first(const struct lpm *m, uint32_t h)
{
	return h ? bkt_get(m, h - 1)->le : 0;
}

/* lpm6.c / lpm.c / lpm_builder.c internals. */
void *lpm_rec_grow(size_t *maplen, void *old, size_t used, size_t size);
void lpm_rec_free(size_t *maplen, void *p);
int lpm_make_tf(struct lpm *m);
int lpm_e8_from(struct lpm *m, struct lpm_builder *b);
bool lpm_within1(const struct lpm *m, const uint8_t *addr, unsigned plen,
    int unc);

/* Big arrays on huge pages where the kernel allows (lpm_builder.c);
 * lpm_dealloc needs the size given to lpm_alloc. */
#define LPM_MAPMIN ((size_t)256 << 10)   /* smaller: malloc */
void *lpm_alloc(size_t size);
void lpm_dealloc(void *p, size_t size);

/* Sort the records (stably: first add first), drop the hash, and in
 * deferred mode drop and report repeats. 0 or DX_ENOMEM. */
int lpm_builder_sort(struct lpm_builder *b);

/* Where the entry a single IPv4 lookup of addr searches first probably
 * sits, from m->coarse alone: the /12's long prefixes taken as evenly
 * spread. Only a prefetch hint (lpm_prefetch4): the bucket line, which
 * the exact search needs first, is a miss of its own after each trip
 * through the kernel, and the entry line would wait for it. */
static inline uint32_t
lpm_coarse_guess4(const struct lpm *m, uint32_t addr)
{
	uint32_t k = addr >> 20, c0 = m->coarse[k], c1 = m->coarse[k + 1];
	uint32_t g = c0 + (uint32_t)(((uint64_t)(addr & 0xfffff) *
	    (c1 - c0)) >> 20);
	return g < m->n ? g : (uint32_t)m->n - 1;
}

/* The entries lpm_prefetch4 fetches for addr: the guess's line (the guess
 * is returned) and a line either side, from *lo to *hi (clipped to the
 * map). The guess is off by a line or so for many addresses, and the
 * search's gallop reads the next line: on the bench's 1M map, the entry
 * lines a lookup still had to wait for fell from 0.57 to 0.12 on average
 * (docs/design-lpm.md). */
static inline uint32_t
lpm_coarse_window4(const struct lpm *m, uint32_t addr, uint32_t *lo,
    uint32_t *hi)
{
	enum { LINE = 64 / sizeof(struct e4) };
	uint32_t g = lpm_coarse_guess4(m, addr);
	*lo = g >= LINE ? g - LINE : 0;
	*hi = g + LINE < m->n ? g + LINE : (uint32_t)m->n - 1;
	return g;
}

#endif

/* lpm.c -- immutable longest-prefix-match maps: sorted prefixes, /16 buckets, parent links.
 *
 * Layout (docs/design-lpm.md explains the choice and the numbers):
 *
 *   bkt[65536]   one entry per top-16-bit bucket h:
 *                  le    end of h's prefixes in the sorted array
 *                  ls    first "long" prefix of h (plen > 16)
 *                  bval  value (and bplen) of the longest "short" prefix
 *                        (plen <= 16) covering all of h, or LPM_NONE
 *
 *   sorted prefix array (address order, then length order; the only copy)
 *   index:  first(h) .. ls-1    ls ............................ le-1
 *           short prefixes      long prefixes, all inside h
 *           of h (low bits 0)   IPv4 entry (8 bytes): word = low 16 bits
 *                                 of the start, plen, distance back to the
 *                                 parent (the longest long prefix of h
 *                                 containing it) or 0; then the value
 *                               IPv6 entry (32 bytes): key, value, parent
 *                                 index, plen
 *
 *   idx[]        big IPv4 maps: per block of 2^(32-ibits) addresses, the
 *                first long prefix of its bucket starting in it or later
 *
 * lookup(a): bucket h = a >> 16; find the last long start <= a (IPv4 with
 * idx: halve the few starts of a's block, branch-free; without: guess the
 * place from a's low bits, gallop, halve; IPv6: halve a sample of every
 * 16th key first); climb parents until one covers a; none -> bval.
 * Prefixes nest or are disjoint, so the covering ones form that chain.
 *
 * any_within: a "segment" runs from one long start to the next; vis has a
 * bit per segment that holds a listed address, bvis one bit per bucket;
 * a window checks its two partial segments and counts the bits between.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_impl.h"

#define NBKT    65536u
#define SHORT   16u             /* plen <= SHORT: folded into bkt[].bval */

struct bkt {
	uint32_t ls, le;
	uint32_t bval;
	uint8_t bplen;
	uint8_t pad[3];
};

/* IPv4 word: low16 << 16 | plen << 10 | distance to the parent, 0 = no long
 * parent, PFAR = look in esc[] (sorted by child). Sorting words sorts by
 * (start, plen), so a lookup searches the words themselves. */
#define PFAR    1023u
struct e4 {
	uint32_t w, v;
};
/* IPv6 entry: parents can be far (a /20 holding 100k prefixes) and climbing
 * through a side table was measured slower, so the index is kept whole. */
struct e6 {
	struct k128 k;
	uint32_t v, par;
	uint8_t plen;
	uint8_t syn, lplen;         /* a split map's stand-in (lpm_impl.h) */
};
struct esc {
	uint32_t i, par;
};

/* Compact IPv6 entry, for maps whose prefixes are all <= /64 (real DNSxL
 * data): 12 bytes, three 32-bit words (4-byte aligned) holding
 *   w = low 48 of the top 64 bits << 16 | plen << 9 | parent distance
 * and the value. Like the IPv4 word it sorts like the prefix. */
#define PFAR8   511u
#define W8(m, i) ((uint64_t)(m)->e8[3 * (size_t)(i)] << 32 | (m)->e8[3 * (size_t)(i) + 1])

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
	uint32_t *e8;               /* IPv6, all <= /64: word hi, lo, value */
	uint64_t *samp6;            /* IPv6: top 64 bits of entry j * SAMP */
	struct esc *esc;            /* IPv4/e8 parents PFAR(8) or more back */
	size_t nesc;
	uint64_t *vis;              /* bit per long prefix: its segment shows */
	uint32_t *rank;             /* set bits of vis before each 512 */
	uint32_t *idx;              /* IPv4, big maps: per block of 2^(32-ibits)
	                             * addresses, the first long prefix of its
	                             * bucket starting in it or after; NULL */
	unsigned ibits;
	struct lpm *hi;             /* split IPv6: the prefixes > /64 */
	uint64_t *tf;               /* split IPv6: a bit per hash of a /64
	                             * block hi touches (no false negatives) */
	unsigned tfbits;
	struct lpm_fix *fix;        /* split IPv6: masked blocks (lpm_impl.h) */
	size_t nfix;
	size_t count;               /* prefixes added (no stand-ins) */
	uint64_t bvis[NBKT / 64];
};

/* Second level for big IPv4 maps: ~IDXPER long prefixes a block, 17..21
 * bits (8 MB at most); smaller maps live in the cache and search the
 * bucket directly. lpm_index_bits overrides (tests, benchmarks). */
#ifndef LPM_BATCH_D
#define LPM_BATCH_D 8           /* lookups between the prefetch stages */
#endif
#define IDXPER  4
#define IDXMIN  17
#define IDXMAX  21
static int index_bits = -1;

void
lpm_index_bits(int bits)
{
	index_bits = bits < 0 ? -1 : bits == 0 ? 0 : bits < IDXMIN ? IDXMIN :
	    bits > 24 ? 24 : bits;
}

/* --- accessors on a built map --------------------------------------------- */

static inline struct k128
key_at(const struct lpm *m, uint32_t h, size_t i)
{
	struct k128 k;
	if (m->e8) {
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
	if (m->e8)
		return (unsigned)(m->e8[3 * i + 1] >> 9) & 127;
	return m->family == 6 ? m->e6[i].plen : (m->e4[i].w >> 10) & 63;
}

static inline uint32_t
val_at(const struct lpm *m, size_t i)
{
	if (m->e8)
		return m->e8[3 * i + 2];
	return m->family == 6 ? m->e6[i].v : m->e4[i].v;
}

static inline uint32_t
parent_at(const struct lpm *m, size_t i)
{
	uint32_t d;
	if (m->e8) {
		d = m->e8[3 * i + 1] & PFAR8;
		if (d == 0)
			return NOIDX;
		if (d < PFAR8)
			return (uint32_t)(i - d);
	} else if (m->family == 6) {
		return m->e6[i].par;
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

static inline uint32_t
bkt_first(const struct lpm *m, uint32_t h)
{
	return h ? m->bkt[h - 1].le : 0;
}

static inline void
vis_set(uint64_t *bits, size_t i)
{
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/* Set bits of vis in [0, x). */
static size_t
rank_of(const struct lpm *m, size_t x)
{
	size_t r = m->rank[x / 512];
	for (size_t w = x / 512 * 8; w < x / 64; w++)
		r += (size_t)__builtin_popcountll(m->vis[w]);
	if (x % 64)
		r += (size_t)__builtin_popcountll(m->vis[x / 64] &
		    ((UINT64_C(1) << (x % 64)) - 1));
	return r;
}

/* --- build ---------------------------------------------------------------- */

/* Is there a listed address in [from, to] (non-empty, inside bucket h)?
 * i is the last long prefix of h starting at or before from, or ls - 1 if
 * none does: the addresses are then covered by i's chain, then by bval. */
static bool
seg_any(const struct lpm *m, uint32_t h, int64_t i, struct k128 from,
    struct k128 to)
{
	struct k128 cur = from;
	const struct bkt *bk = &m->bkt[h];
	uint32_t a = i >= (int64_t)bk->ls ? (uint32_t)i : NOIDX;
	for (; a != NOIDX; a = parent_at(m, a)) {
		struct k128 e = k_end(key_at(m, h, a), plen_at(m, a));
		if (k_cmp(e, cur) < 0)
			continue;        /* ended before cur: not on the chain here */
		if (val_at(m, a) != LPM_NONE)
			return true;
		if (k_cmp(e, to) >= 0)
			return false;
		cur = k_inc(e);
	}
	return bk->bval != LPM_NONE;
}

static struct k128
bkt_start(uint32_t h)
{
	struct k128 k = { (uint64_t)h << 48, 0 };
	return k;
}

static int
add_esc(struct lpm *m, uint32_t i, uint32_t par)
{
	if ((m->nesc & (m->nesc - 1)) == 0) {
		/* capacity doubles at 0, 1, 2, 4, 8, ... entries */
		struct esc *e = realloc(m->esc, (m->nesc ? m->nesc * 2 : 1) * sizeof(*e));
		if (e == NULL)
			return DX_ENOMEM;
		m->esc = e;
	}
	m->esc[m->nesc].i = i;
	m->esc[m->nesc++].par = par;
	if (m->e8)
		m->e8[3 * (size_t)i + 1] |= PFAR8;
	else
		m->e4[i].w |= PFAR;
	return 0;
}

/* Parents, bucket defaults, visibility bits and their rank directory. */
static int
finish(struct lpm *m)
{
	struct { uint32_t i; struct k128 end; } stack[130];
	unsigned sp = 0;
	int rc;
	size_t nw = (m->n + 63) / 64 + 1;
	m->vis = calloc(nw, sizeof(*m->vis));
	m->rank = calloc(nw / 8 + 2, sizeof(*m->rank));
	if (m->vis == NULL || m->rank == NULL)
		return DX_ENOMEM;
	m->bytes += nw * sizeof(*m->vis) + (nw / 8 + 2) * sizeof(*m->rank);

	for (uint32_t h = 0; h < NBKT; h++) {
		struct bkt *bk = &m->bkt[h];
		struct k128 bs = bkt_start(h);
		uint32_t i;
		/* Whatever is still open and covers this bucket is short. */
		while (sp && k_cmp(stack[sp - 1].end, bs) < 0)
			sp--;
		for (i = bkt_first(m, h); i < bk->le; i++) {
			struct k128 s = key_at(m, h, i);
			unsigned plen = plen_at(m, i);
			while (sp && k_cmp(stack[sp - 1].end, s) < 0)
				sp--;
			if (i == bk->ls) {
				bk->bval = sp ? val_at(m, stack[sp - 1].i) : LPM_NONE;
				bk->bplen = sp ? (uint8_t)plen_at(m, stack[sp - 1].i) : 0;
			}
			/* Only long parents are kept: shorts are in bval. */
			uint32_t par = sp && plen_at(m, stack[sp - 1].i) > SHORT ?
			    stack[sp - 1].i : NOIDX;
			if (plen > SHORT && m->e6)
				m->e6[i].par = par;
			else if (plen > SHORT && par != NOIDX) {
				uint32_t far = m->e8 ? PFAR8 : PFAR;
				if (i - par >= far) {
					if ((rc = add_esc(m, i, par)) < 0)
						return rc;
				} else if (m->e8)
					m->e8[3 * (size_t)i + 1] |= i - par;
				else
					m->e4[i].w |= i - par;
			}
			stack[sp].i = i;
			stack[sp++].end = k_end(s, plen);
		}
		if (bk->ls == bk->le) {
			while (sp && k_cmp(stack[sp - 1].end, bs) < 0)
				sp--;
			bk->bval = sp ? val_at(m, stack[sp - 1].i) : LPM_NONE;
			bk->bplen = sp ? (uint8_t)plen_at(m, stack[sp - 1].i) : 0;
		}
		/* Segments: long start to next long start (or bucket end). */
		struct k128 bend = k_end(bs, SHORT);
		bool any = false;
		if (bk->ls == bk->le)
			any = bk->bval != LPM_NONE;
		else if (k_cmp(key_at(m, h, bk->ls), bs) > 0)
			any = bk->bval != LPM_NONE;
		for (i = bk->ls; i < bk->le; i++) {
			struct k128 s = key_at(m, h, i), e = bend;
			if (i + 1 < bk->le) {
				struct k128 nx = key_at(m, h, i + 1);
				if (k_cmp(nx, s) == 0)
					continue;        /* empty segment */
				e = k_dec(nx);
			}
			if (seg_any(m, h, i, s, e)) {
				vis_set(m->vis, i);
				any = true;
			}
		}
		if (any)
			vis_set(m->bvis, h);
	}
	uint32_t r = 0;
	for (size_t w = 0; w < nw; w++) {
		if (w % 8 == 0)
			m->rank[w / 8] = r;
		r += (uint32_t)__builtin_popcountll(m->vis[w]);
	}
	m->rank[(nw + 7) / 8] = r;
	return 0;
}

/* idx[B] for each block B of 2^(32 - ibits) addresses: ls of its bucket
 * plus the bucket's long prefixes starting before the block. */
static int
make_idx(struct lpm *m)
{
	unsigned bits = (unsigned)index_bits;
	if (index_bits < 0) {
		size_t nb = m->n / IDXPER;
		for (bits = IDXMIN; bits < IDXMAX && ((size_t)1 << bits) < nb; bits++)
			;
		if (((size_t)1 << bits) > nb * 2)
			bits = 0;       /* small map: fits the cache, no index */
	}
	if (bits == 0)
		return 0;
	size_t nblk = (size_t)1 << bits, per = nblk / NBKT;
	unsigned shift = 32 - bits;
	if ((m->idx = lpm_alloc((nblk + 1) * sizeof(*m->idx))) == NULL)
		return DX_ENOMEM;
	m->ibits = bits;
	m->bytes += (nblk + 1) * sizeof(*m->idx);
	for (uint32_t h = 0; h < NBKT; h++) {
		const struct bkt *bk = &m->bkt[h];
		uint32_t i = bk->ls;
		for (size_t j = 0; j < per; j++) {
			uint32_t start = (uint32_t)(j << (shift)) & 0xffff;
			while (i < bk->le && m->e4[i].w >> 16 < start)
				i++;
			m->idx[h * per + j] = i;
		}
	}
	m->idx[nblk] = m->bkt[NBKT - 1].le;
	return 0;
}

/* Bucket bounds from the top 16 bits and plen of each sorted prefix. */
static void
set_buckets(struct lpm *m, const struct lpm_builder *b)
{
	size_t i = 0, n = b->n + b->n8;    /* one of them is 0 */
	for (uint32_t h = 0; h < NBKT; h++) {
#define HOF(j) (b->family == 4 ? (uint32_t)(b->v4[j].key >> 24) \
    : b->n8 ? (uint32_t)(b->v8[j].a >> 48) : (uint32_t)(b->v6[j].k.hi >> 48))
#define PLEN(j) (b->family == 4 ? (unsigned)(b->v4[j].key & 0xff) \
    : b->n8 ? (unsigned)b->p8[j] : (unsigned)b->v6[j].plen)
		while (i < n && HOF(i) == h && PLEN(i) <= SHORT)
			i++;
		m->bkt[h].ls = (uint32_t)i;
		while (i < n && HOF(i) == h)
			i++;
		m->bkt[h].le = (uint32_t)i;
#undef HOF
#undef PLEN
	}
}

static inline uint64_t
tf_hash(const struct lpm *m, uint64_t x)
{
	return (x * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - m->tfbits);
}

/* Might hi touch x's /64 block? A lookup asks hi only then: the hi map
 * first for every address was a second search, 3.5 -> 2.7 M lookups/s
 * with 5% of the prefixes longer than /64. */
static inline bool
tf_test(const struct lpm *m, uint64_t x)
{
	uint64_t h = tf_hash(m, x);
	return m->tf[h / 64] >> (h % 64) & 1;
}

/* 16 bits a touched block: a false positive (a needless hi search) for
 * about one address in 16 in untouched blocks; 100 KB at 50k blocks. */
static int
make_tf(struct lpm *m)
{
	size_t nt = 0;
	for (size_t i = 0; i < m->hi->n; i++)
		nt += m->hi->e6[i].syn;
	for (m->tfbits = 9; ((size_t)1 << m->tfbits) < nt * 16; m->tfbits++)
		;
	size_t words = ((size_t)1 << m->tfbits) / 64;
	if ((m->tf = calloc(words, sizeof(*m->tf))) == NULL)
		return DX_ENOMEM;
	m->bytes += words * sizeof(*m->tf);
	for (size_t i = 0; i < m->hi->n; i++)
		if (m->hi->e6[i].syn) {
			uint64_t h = tf_hash(m, m->hi->e6[i].k.hi);
			m->tf[h / 64] |= UINT64_C(1) << (h % 64);
		}
	return 0;
}

/* The compact entries from b's sorted v8 records. A big record array
 * (our own mapping) becomes the entry array in place, 16 bytes a record
 * to 12 an entry, front to back (entry i ends where record i + 1
 * starts), then shrunk: 12 MB a million prefixes not allocated, zeroed
 * and faulted in again. */
static int
e8_from(struct lpm *m, struct lpm_builder *b)
{
	size_t n = m->n;
	unsigned char *dst;
	/* lpm_dealloc tells a mapping from malloc's by the size */
	bool inplace = b->maplen8 && n * sizeof(uint32_t[3]) >= LPM_MAPMIN;
	if (inplace) {
		dst = (unsigned char *)b->v8;
	} else {
		if ((m->e8 = lpm_alloc(n * 3 * sizeof(*m->e8))) == NULL)
			return DX_ENOMEM;
		dst = (unsigned char *)m->e8;
	}
	for (size_t i = 0; i < n; i++) {
		struct b8 r;
		uint32_t e[3];
		memcpy(&r, (unsigned char *)b->v8 + i * sizeof(r), sizeof(r));
		if (i % SAMP == 0)
			m->samp6[i / SAMP] = r.a;
		e[0] = (uint32_t)(r.a >> 16);
		e[1] = (uint32_t)r.a << 16 | (uint32_t)b->p8[i] << 9;
		e[2] = r.value;
		memcpy(dst + i * sizeof(e), e, sizeof(e));
	}
	if (inplace) {
		/* what lpm_dealloc will unmap: the size rounded to pages */
		size_t len = (n * sizeof(uint32_t[3]) + 4095) & ~(size_t)4095;
		if (len < b->maplen8 && mremap(dst, b->maplen8, len, 0) == MAP_FAILED)
			munmap(dst + len, b->maplen8 - len);
		m->e8 = (uint32_t *)(void *)dst;
		b->v8 = NULL;
		b->maplen8 = 0;
	}
	return 0;
}

int
lpm_build(struct lpm_builder *b, struct lpm **out)
{
	struct lpm *m;
	int rc = DX_ENOMEM;
	*out = NULL;
	if (b->n + b->n8 >= NOIDX || (m = calloc(1, sizeof(*m))) == NULL) {
		lpm_builder_free(b);
		return DX_ENOMEM;
	}
	m->family = b->family;
	m->bytes = sizeof(*m);
	if (lpm_builder_sort(b) < 0)
		goto out;
	if (b->family == 6 && b->n8 && b->n) {
		if ((rc = lpm_builder_split(b, &m->hi, &m->fix, &m->nfix)) < 0)
			goto out;
		m->bytes += lpm_memory(m->hi) + m->nfix * sizeof(*m->fix);
		rc = DX_ENOMEM;
	}
	if (m->hi && (rc = make_tf(m)) < 0)
		goto out;
	rc = DX_ENOMEM;
	m->n = b->n + b->n8;
	m->count = m->n;
	for (size_t i = 0; i < m->nfix; i++)
		m->count -= m->fix[i].skip;
	if (m->hi) {
		m->count += m->hi->n;
		for (size_t i = 0; i < m->hi->n; i++)
			m->count -= m->hi->e6[i].syn;
	}
	if (m->n == 0) {
		/* Most datasets hold one family: the other map is empty and
		 * costs no bucket table (every query checks n first). */
		lpm_builder_free(b);
		*out = m;
		return 0;
	}
	m->bkt = lpm_alloc(NBKT * sizeof(*m->bkt));
	m->bytes += NBKT * sizeof(*m->bkt);
	if (m->bkt == NULL)
		goto out;
	memset(m->bkt, 0, NBKT * sizeof(*m->bkt));
	set_buckets(m, b);
	if (b->family == 4) {
		if ((m->e4 = lpm_alloc(b->n * sizeof(*m->e4))) == NULL)
			goto out;
		m->bytes += b->n * sizeof(*m->e4);
		for (size_t i = 0; i < b->n; i++) {
			m->e4[i].w = (uint32_t)(b->v4[i].key >> 8) << 16 |
			    (uint32_t)(b->v4[i].key & 0xff) << 10;
			m->e4[i].v = b->v4[i].value;
		}
	} else if (b->n8) {
		size_t ns = m->n / SAMP + 1;
		if ((m->samp6 = lpm_alloc(ns * sizeof(*m->samp6))) == NULL)
			goto out;
		m->bytes += ns * sizeof(*m->samp6) + m->n * 3 * sizeof(*m->e8);
		if ((rc = e8_from(m, b)) < 0)
			goto out;
		rc = DX_ENOMEM;
	} else {
		if ((m->e6 = lpm_alloc(b->n * sizeof(*m->e6))) == NULL)
			goto out;
		m->bytes += b->n * sizeof(*m->e6);
		size_t ns = b->n / SAMP + 1;
		if ((m->samp6 = lpm_alloc(ns * sizeof(*m->samp6))) == NULL)
			goto out;
		m->bytes += ns * sizeof(*m->samp6);
		for (size_t i = 0; i < b->n; i++) {
			if (i % SAMP == 0)
				m->samp6[i / SAMP] = b->v6[i].k.hi;
			m->e6[i].k = b->v6[i].k;
			m->e6[i].v = b->v6[i].value;
			m->e6[i].plen = b->v6[i].plen;
			m->e6[i].syn = b->v6[i].syn;
			m->e6[i].lplen = b->v6[i].lplen;
		}
	}
	lpm_builder_free(b);
	b = NULL;
	if ((rc = finish(m)) < 0)
		goto out;
	m->bytes += m->nesc * sizeof(*m->esc);
	if (m->family == 4 && (rc = make_idx(m)) < 0)
		goto out;
	*out = m;
	return 0;
out:
	lpm_builder_free(b);
	lpm_free(m);
	return rc;
}

void
lpm_free(struct lpm *m)
{
	if (m == NULL)
		return;
	lpm_dealloc(m->bkt, NBKT * sizeof(*m->bkt));
	lpm_dealloc(m->e6, m->n * sizeof(*m->e6));
	lpm_dealloc(m->samp6, (m->n / SAMP + 1) * sizeof(*m->samp6));
	lpm_dealloc(m->e4, m->n * sizeof(*m->e4));
	lpm_dealloc(m->e8, m->n * 3 * sizeof(*m->e8));
	lpm_free(m->hi);
	free(m->fix);
	free(m->tf);
	free(m->esc);
	free(m->vis);
	free(m->rank);
	if (m->idx)
		lpm_dealloc(m->idx, (((size_t)1 << m->ibits) + 1) * sizeof(*m->idx));
	free(m);
}

/* --- queries -------------------------------------------------------------- */

/* Climb from candidate i (the last long start <= addr) to the first
 * prefix covering addr; none -> the bucket's short default. */
static inline uint32_t
climb4(const struct lpm *m, const struct bkt *bk, size_t i, uint32_t lo,
    unsigned *plen_out)
{
	for (;;) {
		uint32_t wd = m->e4[i].w;
		unsigned plen = (wd >> 10) & 63;
		if (((lo ^ wd >> 16) & (0xffffu << (32 - plen)) & 0xffff) == 0) {
			if (plen_out)
				*plen_out = plen;
			return m->e4[i].v;
		}
		if ((wd & PFAR) == 0)
			break;
		i = parent_at(m, i);
	}
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

/* With the index (batch lookups only): the long prefixes starting in
 * addr's block are idx[B] .. idx[B+1] - 1 (a few), all before it start
 * earlier; a branch-free halving over them. A single lookup does not use
 * it: the 8 MB index is one more cache miss before the entry's (measured
 * 7-7.5 M/s with it, 8.5-9 without, at 10M prefixes), while the batch has
 * prefetched both and gains from the short, branch-free search. */
static inline uint32_t
look4x(const struct lpm *m, uint32_t addr, unsigned *plen_out)
{
	const struct bkt *bk = &m->bkt[addr >> 16];
	uint32_t blk = addr >> (32 - m->ibits);
	uint32_t s = m->idx[blk], e = m->idx[blk + 1];
	uint32_t lo = addr & 0xffff, t = lo << 16 | 0xffff;
	e = e < bk->le ? e : bk->le;
	/* Search s-1 .. e-1 taking s-1 as <= t (it starts before the block,
	 * if it is of this bucket at all): it is never read, and the result
	 * needs no test but the bucket's. */
	int64_t b = (int64_t)s - 1;
	uint32_t n = e - s + 1;
	while (n > 1) {
		uint32_t half = n / 2;
		b = m->e4[b + half].w <= t ? b + half : b;
		n -= half;
	}
	if (b >= (int64_t)bk->ls)
		return climb4(m, bk, (size_t)b, lo, plen_out);
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

static inline uint32_t
look4(const struct lpm *m, uint32_t addr, unsigned *plen_out)
{
	const struct bkt *bk = &m->bkt[addr >> 16];
	uint32_t lo = addr & 0xffff, t = lo << 16 | 0xffff;
	ptrdiff_t n = (ptrdiff_t)(bk->le - bk->ls);
	if (n) {
		/* Starts spread evenly in most buckets: guess the position from
		 * lo, gallop to bracket the answer, then halve: one or two cache
		 * lines for random data, O(log n) for any other.
		 * Invariant: e[a].w <= t (or a = -1), e[b].w > t (or b = n). */
		const struct e4 *e = m->e4 + bk->ls;
		ptrdiff_t g = (ptrdiff_t)((lo * (uint32_t)n) >> 16), a, b, step = 1;
		if (e[g].w <= t) {
			for (a = g; a + step < n && e[a + step].w <= t; step *= 2)
				a += step;
			b = a + step < n ? a + step : n;
		} else {
			for (b = g; b - step >= 0 && e[b - step].w > t; step *= 2)
				b -= step;
			a = b - step >= 0 ? b - step : -1;
		}
		while (b - a > 1) {
			ptrdiff_t mid = a + (b - a) / 2;
			if (e[mid].w <= t)
				a = mid;
			else
				b = mid;
		}
		if (a >= 0)
			return climb4(m, bk, bk->ls + (size_t)a, lo, plen_out);
	}
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

uint32_t
lpm_lookup4(const struct lpm *m, uint32_t addr, unsigned *plen_out)
{
	if (m->family != 4 || m->n == 0)
		return LPM_NONE;
	return look4(m, addr, plen_out);
}

/* A software pipeline: the bucket of lookup i + 2D is prefetched, then
 * (D steps later, the bucket now in cache) the entry line its search will
 * start from, then D steps later the lookup runs on cached lines. A single
 * lookup is two dependent misses; here ~2D of them are in flight. */
void
lpm_lookup4_batch(const struct lpm *m, const uint32_t *addr, size_t n,
    uint32_t *val, uint8_t *plen)
{
	enum { D = LPM_BATCH_D };
	if (m->family != 4 || m->n == 0) {
		for (size_t i = 0; i < n; i++) {
			val[i] = LPM_NONE;
			if (plen)
				plen[i] = 0;
		}
		return;
	}
	for (size_t i = 0; i < n + 2 * D; i++) {
		if (i < n) {
			__builtin_prefetch(&m->bkt[addr[i] >> 16]);
			if (m->idx)
				__builtin_prefetch(&m->idx[addr[i] >> (32 - m->ibits)]);
		}
		if (i >= D && i - D < n) {
			uint32_t a = addr[i - D];
			if (m->idx) {
				/* its few starts: one line, often two */
				const struct e4 *p = &m->e4[m->idx[a >> (32 - m->ibits)]];
				__builtin_prefetch(p);
				__builtin_prefetch(p + 4);
			} else {
				const struct bkt *bk = &m->bkt[a >> 16];
				uint32_t cnt = bk->le - bk->ls;
				__builtin_prefetch(&m->e4[bk->ls +
				    (((a & 0xffff) * cnt) >> 16)]);
			}
		}
		if (i >= 2 * D) {
			size_t j = i - 2 * D;
			unsigned p = 0;
			val[j] = m->idx ? look4x(m, addr[j], &p) : look4(m, addr[j], &p);
			if (plen)
				plen[j] = (uint8_t)p;
		}
	}
}

/* The last long prefix of bucket h starting at or before a, or ls - 1. */
static int64_t
last_le(const struct lpm *m, uint32_t h, struct k128 a)
{
	const struct bkt *bk = &m->bkt[h];
	size_t lo = bk->ls, hi = bk->le;  /* answer in [lo - 1, hi - 1] */
	if (m->family == 4) {
		uint32_t t = (uint32_t)(a.hi >> 32) << 16 | 0xffff;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (m->e4[mid].w <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		return (int64_t)lo - 1;
	}
	if (m->e8) {
		uint64_t t = a.hi << 16 | 0xffff;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (W8(m, mid) <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		return (int64_t)lo - 1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k_cmp(key_at(m, h, mid), a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

/* Compact IPv6 map: as the 32-byte one below, on 64-bit words. */
static uint32_t
look8(const struct lpm *m, uint64_t a, unsigned *plen_out)
{
	uint32_t h = (uint32_t)(a >> 48);
	const struct bkt *bk = &m->bkt[h];
	uint64_t t = a << 16 | 0xffff;
	/* Invariant: W8(lo) <= t (or lo = ls - 1), W8(hi) > t (or le). */
	int64_t lo = (int64_t)bk->ls - 1, hi = bk->le;
	if (hi - lo > 1) {
		/* the first sample (in the bucket: [sl, sh)) above a */
		size_t sl = (bk->ls + SAMP - 1) / SAMP, sh = (bk->le + SAMP - 1) / SAMP;
		size_t x = sl, y = sh;
		while (x < y) {
			size_t mid = x + (y - x) / 2;
			if (m->samp6[mid] <= a)
				x = mid + 1;
			else
				y = mid;
		}
		if (x > sl)
			lo = (int64_t)((x - 1) * SAMP);
		if (x < sh)
			hi = (int64_t)(x * SAMP);
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (W8(m, mid) <= t)
				lo = mid;
			else
				hi = mid;
		}
	}
	if (lo >= (int64_t)bk->ls) {
		for (size_t j = (size_t)lo;;) {
			uint64_t w = W8(m, j);
			unsigned plen = (unsigned)(w >> 9) & 127;
			if (((a ^ ((uint64_t)h << 48 | w >> 16)) >> (64 - plen)) == 0) {
				if (plen_out)
					*plen_out = plen;
				return m->e8[3 * j + 2];
			}
			if ((w & PFAR8) == 0)
				break;
			j = parent_at(m, j);
		}
	}
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

/* The 32-byte IPv6 map: false if no prefix covers a (a split map's hi
 * half: ask the compact one), else true and *v (maybe LPM_NONE). */
static bool
look6(const struct lpm *m, struct k128 a, uint32_t *v, unsigned *plen_out)
{
	uint32_t h = (uint32_t)(a.hi >> 48);
	const struct bkt *bk = &m->bkt[h];
	/* Invariant: e6[lo].k <= a (or lo = ls - 1), e6[hi].k > a (or le). */
	int64_t lo = (int64_t)bk->ls - 1, hi = bk->le;
	if (hi - lo > 1) {
		/* samples inside the bucket: j in [sl, sh) */
		size_t sl = (bk->ls + SAMP - 1) / SAMP, sh = (bk->le + SAMP - 1) / SAMP;
		size_t x = sl, y = sh;
		while (x < y) {          /* first sample with hi >= a.hi */
			size_t mid = x + (y - x) / 2;
			if (m->samp6[mid] < a.hi)
				x = mid + 1;
			else
				y = mid;
		}
		if (x > sl)
			lo = (int64_t)((x - 1) * SAMP);
		for (y = x; y < sh && m->samp6[y] == a.hi; y++)
			;
		if (y < sh)
			hi = (int64_t)(y * SAMP);
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (k_cmp(m->e6[mid].k, a) <= 0)
				lo = mid;
			else
				hi = mid;
		}
	}
	int64_t i = lo - (int64_t)bk->ls;
	for (uint32_t j = i >= 0 ? (uint32_t)lo : NOIDX; j != NOIDX;
	    j = parent_at(m, j)) {
		unsigned plen = plen_at(m, j);
		if (k_cmp(k_net(a, plen), m->e6[j].k) == 0) {
			if (plen_out)
				*plen_out = m->e6[j].syn ? m->e6[j].lplen : plen;
			*v = val_at(m, j);
			return true;
		}
	}
	if (plen_out)
		*plen_out = bk->bplen;
	*v = bk->bval;
	return bk->bval != LPM_NONE || bk->bplen;
}

uint32_t
lpm_lookup(const struct lpm *m, const uint8_t *addr, unsigned *plen_out)
{
	if (m->family == 4)
		return lpm_lookup4(m, (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3], plen_out);
	if (m->n == 0)
		return LPM_NONE;
	struct k128 a = k_from_bytes(6, addr);
	if (m->hi && tf_test(m, a.hi)) {
		uint32_t v;
		if (look6(m->hi, a, &v, plen_out))
			return v;
	}
	if (m->e8)
		return look8(m, a.hi, plen_out);
	uint32_t v = LPM_NONE;
	look6(m, a, &v, plen_out);
	return v;
}

static bool
within(const struct lpm *m, const uint8_t *addr, unsigned plen)
{
	if (m->n == 0)
		return false;
	struct k128 ws = k_net(k_from_bytes(m->family, addr), plen);
	struct k128 we = k_end(ws, plen);
	uint32_t hb = (uint32_t)(ws.hi >> 48), he = (uint32_t)(we.hi >> 48);
	if (plen <= SHORT) {
		/* Whole buckets [hb, he]: any visible one? */
		for (uint32_t w = hb / 64; w <= he / 64; w++) {
			uint64_t bits = m->bvis[w];
			if (w == hb / 64)
				bits &= UINT64_MAX << (hb % 64);
			if (w == he / 64 && he % 64 != 63)
				bits &= (UINT64_C(1) << (he % 64 + 1)) - 1;
			if (bits)
				return true;
		}
		return false;
	}
	int64_t i = last_le(m, hb, ws), j = last_le(m, hb, we);
	if (i == j)
		return seg_any(m, hb, i, ws, we);
	if (seg_any(m, hb, i, ws, k_dec(key_at(m, hb, (size_t)(i + 1)))))
		return true;
	if (j - 1 >= i + 1 && rank_of(m, (size_t)j) > rank_of(m, (size_t)(i + 1)))
		return true;
	return seg_any(m, hb, j, key_at(m, hb, (size_t)j), we);
}

/* A split map: the hi half answers all of each block it touches (its
 * stand-ins), the compact one the rest (LPM_NONE on masked blocks). A
 * window inside one /64 block asks the half that answers there; a wider
 * one may hold both kinds of block. */
bool
lpm_any_within(const struct lpm *m, const uint8_t *addr, unsigned plen)
{
	if (plen > (m->family == 4 ? 32u : 128u))
		return false;
	if (m->hi == NULL)
		return within(m, addr, plen);
	if (plen > 64) {
		uint32_t v;
		struct k128 a = k_from_bytes(6, addr);
		return within(look6(m->hi, a, &v, NULL) ? m->hi : m, addr, plen);
	}
	return within(m->hi, addr, plen) || within(m, addr, plen);
}

/* Entries of a map in order; the bucket h of entry i is tracked. */
struct cursor {
	const struct lpm *m;
	size_t i, fi;
	uint32_t h;
	struct k128 k;
	unsigned plen;
	uint32_t v;
};

/* Load the entry at or after c->i that lpm_walk shows (no stand-ins);
 * false at the end. */
static bool
cur_load(struct cursor *c)
{
	const struct lpm *m = c->m;
	for (; c->i < m->n; c->i++) {
		while (m->bkt[c->h].le <= c->i)
			c->h++;
		c->v = val_at(m, c->i);
		if (m->e6 && m->e6[c->i].syn)
			continue;
		while (c->fi < m->nfix && m->fix[c->fi].i < c->i)
			c->fi++;
		if (c->fi < m->nfix && m->fix[c->fi].i == c->i) {
			if (m->fix[c->fi].skip)
				continue;
			c->v = m->fix[c->fi].v;
		}
		c->k = key_at(m, c->h, c->i);
		c->plen = plen_at(m, c->i);
		return true;
	}
	return false;
}

int
lpm_walk(const struct lpm *m,
    int (*fn)(const uint8_t *addr, unsigned plen, uint32_t value, void *arg),
    void *arg)
{
	uint8_t buf[16];
	struct cursor a = { m, 0, 0, 0, { 0, 0 }, 0, 0 };
	struct cursor b = { m->hi, 0, 0, 0, { 0, 0 }, 0, 0 };
	bool ha = cur_load(&a), hb = m->hi && cur_load(&b);
	/* (address, length) order across both halves */
	while (ha || hb) {
		int c = !hb ? -1 : !ha ? 1 : k_cmp(a.k, b.k);
		if (c == 0)
			c = a.plen < b.plen ? -1 : 1;
		struct cursor *x = c < 0 ? &a : &b;
		k_to_bytes(m->family, x->k, buf);
		int rc = fn(buf, x->plen, x->v, arg);
		if (rc)
			return rc;
		x->i++;
		if (x == &a)
			ha = cur_load(&a);
		else
			hb = cur_load(&b);
	}
	return 0;
}

int
lpm_family(const struct lpm *m)
{
	return m->family;
}

size_t
lpm_prefix_count(const struct lpm *m)
{
	return m->count;
}

size_t
lpm_memory(const struct lpm *m)
{
	return m->bytes;
}

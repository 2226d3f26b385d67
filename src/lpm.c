/* lpm.c -- immutable longest-prefix-match maps: sorted prefixes, /16 buckets, parent links.
 *
 * Layout (docs/design-lpm.md explains the choice and the numbers):
 *
 *   bkt[]        one entry per top-16-bit bucket h (only the range of
 *                buckets prefixes touch: lpm_impl.h):
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
 *                               IPv6 entry: <= /64 in 8 bytes, a word like
 *                                 IPv4's on 64 bits, the value apart (2 or 4
 *                                 bytes, lpm_impl.h); longer
 *                                 ones (24 bytes: key, value, plen and
 *                                 parent distance) in a second map (lpm6.c)
 *
 *   idx[]        big IPv4 maps: per block of 2^(32-ibits) addresses, the
 *                first long prefix of its bucket starting in it or later
 *   coarse[]     the same every /12 (16 KB, cached): lpm_prefetch4 guesses
 *                the entry line from it, so that line (and one either
 *                side) and the bucket's are fetched at once instead of one
 *                after the other
 *
 * lookup(a): bucket h = a >> 16 (IPv4: none if bvis says h lists
 * nothing); find the last long start <= a (IPv4 with
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

static inline void
vis_set(uint64_t *bits, size_t i)
{
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/* Set bits of vis (or unc) in [0, x). */
static size_t
rank_of(const uint64_t *bits, const uint32_t *rank, size_t x)
{
	size_t r = rank[x / 512];
	for (size_t w = x / 512 * 8; w < x / 64; w++)
		r += (size_t)__builtin_popcountll(bits[w]);
	if (x % 64)
		r += (size_t)__builtin_popcountll(bits[x / 64] &
		    ((UINT64_C(1) << (x % 64)) - 1));
	return r;
}

/* calloc, its pages faulted in by one call, not one fault (a VM exit)
 * each as the bits are set. */
static void *
calloc_populated(size_t n, size_t size)
{
	uint8_t *p = malloc(n * size);
	if (p == NULL)
		return NULL;
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + n * size) & ~(uintptr_t)4095;
	if (n * size >= (16 << 10) && e > a)
		madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#endif
	memset(p, 0, n * size);
	return p;
}

static int
make_rank(uint64_t *bits, uint32_t **rank, size_t nw)
{
	uint32_t r = 0;
	if ((*rank = calloc_populated(nw / 8 + 2, sizeof(**rank))) == NULL)
		return DX_ENOMEM;
	for (size_t w = 0; w < nw; w++) {
		if (w % 8 == 0)
			(*rank)[w / 8] = r;
		r += (uint32_t)__builtin_popcountll(bits[w]);
	}
	(*rank)[(nw + 7) / 8] = r;
	return 0;
}

/* --- build ---------------------------------------------------------------- */

/* Is there a listed address in [from, to] (non-empty, inside bucket h)?
 * i is the last long prefix of h starting at or before from, or ls - 1 if
 * none does: the addresses are then covered by i's chain, then by bval. */
static bool
seg_any(const struct lpm *m, uint32_t h, int64_t i, struct k128 from,
    struct k128 to, int unc)
{
	struct k128 cur = from;
	const struct bkt *bk = bkt_get(m, h);
	uint32_t a = i >= (int64_t)bk->ls ? (uint32_t)i : NOIDX;
	for (; a != NOIDX; a = parent_at(m, a)) {
		struct k128 e = k_end(key_at(m, h, a), plen_at(m, a));
		if (k_cmp(e, cur) < 0)
			continue;        /* ended before cur: not on the chain here */
		if (!unc && val_at(m, a) != LPM_NONE)
			return true;
		if (k_cmp(e, to) >= 0)
			return false;
		cur = k_inc(e);
	}
	/* unc: [cur, to] is covered by no prefix of this map (a split's hi
	 * map has no short ones) */
	return unc ? true : bk->bval != LPM_NONE;
}

/* k_end without k_mask's branches (plen <= 128): finish takes it for
 * every prefix, and mixed lengths mispredicted there. */
static inline struct k128
end_of(struct k128 a, unsigned plen)
{
	unsigned q = plen > 64 ? plen - 64 : 0;
	a.hi |= (UINT64_MAX >> (plen & 63)) & -(uint64_t)(plen < 64);
	a.lo |= (UINT64_MAX >> (q & 63)) & -(uint64_t)(q < 64);
	return a;
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
	if (m->w8)
		m->w8[i] |= PFAR8;
	else if (m->e6)
		m->e6[i].w |= PFAR6;
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
	m->vis = calloc_populated(nw, sizeof(*m->vis));
	if (m->vis == NULL)
		return DX_ENOMEM;
	m->bytes += nw * sizeof(*m->vis) + (nw / 8 + 2) * sizeof(*m->rank);
	if (m->uncov) {
		if ((m->unc = calloc_populated(nw, sizeof(*m->unc))) == NULL)
			return DX_ENOMEM;
		m->bytes += nw * sizeof(*m->unc) + (nw / 8 + 2) * sizeof(*m->urank);
	}

	for (uint32_t h = m->hlo; h - m->hlo < m->nb; h++) {
		struct bkt *bk = &m->bkt[h - m->hlo];
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
			if (plen > SHORT && par != NOIDX) {
				uint32_t far = m->w8 ? PFAR8 : m->e6 ? PFAR6 : PFAR;
				if (i - par >= far) {
					if ((rc = add_esc(m, i, par)) < 0)
						return rc;
				} else if (m->w8)
					m->w8[i] |= i - par;
				else if (m->e6)
					m->e6[i].w |= i - par;
				else
					m->e4[i].w |= i - par;
			}
			stack[sp].i = i;
			stack[sp++].end = end_of(s, plen);
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
		/* Each key once (the next segment's start is this one's end);
		 * a segment whose own prefix has a value holds a listed address
		 * without seg_any's climb. */
		struct k128 s = bend, nx = bend;
		if (bk->ls < bk->le)
			s = key_at(m, h, bk->ls);
		for (i = bk->ls; i < bk->le; i++, s = nx) {
			struct k128 e = bend;
			if (i + 1 < bk->le) {
				nx = key_at(m, h, i + 1);
				if (k_cmp(nx, s) == 0)
					continue;        /* empty segment */
				e = k_dec(nx);
			}
			if (val_at(m, i) != LPM_NONE || seg_any(m, h, i, s, e, 0)) {
				vis_set(m->vis, i);
				any = true;
			}
			if (m->unc && seg_any(m, h, i, s, e, 1))
				vis_set(m->unc, i);
		}
		if (any)
			vis_set(m->bvis, h);
	}
	if ((rc = make_rank(m->vis, &m->rank, nw)) < 0)
		return rc;
	if (m->unc && (rc = make_rank(m->unc, &m->urank, nw)) < 0)
		return rc;
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
		const struct bkt *bk = bkt_get(m, h);
		uint32_t i = bk->ls;
		for (size_t j = 0; j < per; j++) {
			uint32_t start = (uint32_t)(j << (shift)) & 0xffff;
			while (i < bk->le && m->e4[i].w >> 16 < start)
				i++;
			m->idx[h * per + j] = i;
		}
	}
	m->idx[nblk] = bkt_get(m, NBKT - 1)->le;
	if ((m->coarse = malloc((LPM_NCOARSE + 1) * sizeof(*m->coarse))) == NULL)
		return DX_ENOMEM;
	m->bytes += (LPM_NCOARSE + 1) * sizeof(*m->coarse);
	for (size_t k = 0; k <= LPM_NCOARSE; k++)
		m->coarse[k] = m->idx[k << (bits - 12)];
	return 0;
}

#define HOF(j) (b->family == 4 ? (uint32_t)(b->v4[j].key >> 24) \
    : b->n8 ? (uint32_t)(b->v8[j].a >> 48) : (uint32_t)(b->v6[j].k.hi >> 48))
#define PLEN(j) (b->family == 4 ? (unsigned)(b->v4[j].key & 0xff) \
    : b->n8 ? (unsigned)b->p8[j] : (unsigned)b->v6[j].plen)

/* The buckets the table needs (n > 0): the first prefix's to the last
 * one a prefix reaches (a short one covers buckets after its own). */
static void
bucket_range(struct lpm *m, const struct lpm_builder *b)
{
	size_t n = b->n + b->n8;    /* one of them is 0 */
	m->bnone[0].bval = m->bnone[1].bval = LPM_NONE;
	m->bnone[1].ls = m->bnone[1].le = (uint32_t)n;
	if (b->family == 4) {
		/* whole: IPv4 lookups index it without bkt_get's test (-4%) */
		m->hlo = 0;
		m->nb = NBKT;
		return;
	}
	uint32_t hi = HOF(n - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned plen = PLEN(i);
		if (plen < SHORT && (HOF(i) | 0xffffu >> plen) > hi)
			hi = HOF(i) | 0xffffu >> plen;
	}
	m->hlo = HOF(0);
	m->nb = hi - m->hlo + 1;
}

/* Bucket bounds from the top 16 bits and plen of each sorted prefix. */
static void
set_buckets(struct lpm *m, const struct lpm_builder *b)
{
	size_t i = 0, n = b->n + b->n8;
	for (uint32_t r = 0; r < m->nb; r++) {
		uint32_t h = m->hlo + r;
		while (i < n && HOF(i) == h && PLEN(i) <= SHORT)
			i++;
		m->bkt[r].ls = (uint32_t)i;
		while (i < n && HOF(i) == h)
			i++;
		m->bkt[r].le = (uint32_t)i;
	}
}
#undef HOF
#undef PLEN

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
	m->uncov = b->uncov;
	m->bytes = sizeof(*m);
	if (lpm_builder_sort(b) < 0)
		goto out;
	if (b->family == 6 && b->n8 && b->n) {
		if ((rc = lpm_builder_split(b, &m->hi, &m->fix, &m->nfix)) < 0)
			goto out;
		m->bytes += lpm_memory(m->hi) + m->nfix * sizeof(*m->fix);
		rc = DX_ENOMEM;
	}
	if (m->hi && (rc = lpm_make_tf(m)) < 0)
		goto out;
	rc = DX_ENOMEM;
	m->n = b->n + b->n8;
	m->count = m->n;
	for (size_t i = 0; i < m->nfix; i++)
		m->count -= m->fix[i].skip;
	if (m->hi)
		m->count += m->hi->n;
	if (m->n == 0) {
		/* Most datasets hold one family: the other map is empty and
		 * costs no bucket table (every query checks n first). */
		lpm_builder_free(b);
		*out = m;
		return 0;
	}
	bucket_range(m, b);
	m->bkt = lpm_alloc(m->nb * sizeof(*m->bkt));
	m->bytes += m->nb * sizeof(*m->bkt);
	if (m->bkt == NULL)
		goto out;
	memset(m->bkt, 0, m->nb * sizeof(*m->bkt));
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
		if ((m->samp8 = lpm_alloc(ns * sizeof(*m->samp8))) == NULL)
			goto out;
		m->bytes += ns * sizeof(*m->samp8);
		if ((rc = lpm_e8_from(m, b)) < 0)
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
			m->e6[i].w = (uint32_t)b->v6[i].plen << 24;
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
	lpm_dealloc(m->bkt, m->nb * sizeof(*m->bkt));
	lpm_dealloc(m->e6, m->n * sizeof(*m->e6));
	lpm_dealloc(m->samp6, (m->n / SAMP + 1) * sizeof(*m->samp6));
	lpm_dealloc(m->samp8, (m->n / SAMP + 1) * sizeof(*m->samp8));
	lpm_dealloc(m->e4, m->n * sizeof(*m->e4));
	lpm_dealloc(m->w8, m->n * sizeof(*m->w8));
	lpm_dealloc(m->v16, m->n * sizeof(*m->v16));
	lpm_dealloc(m->v32, m->n * sizeof(*m->v32));
	lpm_free(m->hi);
	free(m->fix);
	free(m->tf);
	free(m->esc);
	free(m->vis);
	free(m->rank);
	free(m->unc);
	free(m->urank);
	if (m->idx)
		lpm_dealloc(m->idx, (((size_t)1 << m->ibits) + 1) * sizeof(*m->idx));
	free(m->coarse);
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

/* The first climb step, for the batch: true when candidate i (NOIDX:
 * none) answers at once (*v, *pl set), else false with *i its parent,
 * whose line the caller prefetches before climbing on from it. */
static inline bool
step4(const struct lpm *m, const struct bkt *bk, uint32_t *i, uint32_t lo,
    uint32_t *v, unsigned *pl)
{
	if (*i != NOIDX) {
		uint32_t wd = m->e4[*i].w;
		unsigned plen = (wd >> 10) & 63;
		if (((lo ^ wd >> 16) & (0xffffu << (32 - plen)) & 0xffff) == 0) {
			*v = m->e4[*i].v;
			*pl = plen;
			return true;
		}
		if (wd & PFAR) {
			*i = parent_at(m, *i);
			return false;
		}
	}
	*v = bk->bval;
	*pl = bk->bplen;
	return true;
}

/* With the index (batch lookups only): the long prefixes starting in
 * addr's block are idx[B] .. idx[B+1] - 1 (a few), all before it start
 * earlier; a branch-free halving over them gives the candidate (the last
 * long start <= addr) or NOIDX. A single lookup does not use it: the 8 MB
 * index is one more cache miss before the entry's (measured 7-7.5 M/s
 * with it, 8.5-9 without, at 10M prefixes), while the batch has
 * prefetched both and gains from the short, branch-free search. */
static inline uint32_t
search4x(const struct lpm *m, const struct bkt *bk, uint32_t addr)
{
	uint32_t blk = addr >> (32 - m->ibits);
	uint32_t s = m->idx[blk], e = m->idx[blk + 1];
	uint32_t t = (addr & 0xffff) << 16 | 0xffff;
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
	return b >= (int64_t)bk->ls ? (uint32_t)b : NOIDX;
}

/* Without the index: the candidate (or NOIDX) from the bucket alone. */
static inline uint32_t
search4(const struct lpm *m, const struct bkt *bk, uint32_t addr)
{
	uint32_t lo = addr & 0xffff, t = lo << 16 | 0xffff;
	ptrdiff_t n = (ptrdiff_t)(bk->le - bk->ls);
	if (n == 0)
		return NOIDX;
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
	return a >= 0 ? bk->ls + (uint32_t)a : NOIDX;
}

/* Does bucket h hold a listed address? The 8 KB of bits stay cached, so
 * a lookup into a bucket with none (most of the space, for an allowlist)
 * answers without reading the bucket's line, a cache miss in a big map. */
static inline bool
bkt_listed(const struct lpm *m, uint32_t h)
{
	return m->bvis[h / 64] >> (h % 64) & 1;
}

static inline uint32_t
look4(const struct lpm *m, uint32_t addr, unsigned *plen_out)
{
	if (!bkt_listed(m, addr >> 16)) {
		if (plen_out)
			*plen_out = 0;
		return LPM_NONE;
	}
	const struct bkt *bk = &m->bkt[addr >> 16];   /* whole for IPv4 */
	uint32_t c = search4(m, bk, addr);
	if (c != NOIDX)
		return climb4(m, bk, c, addr & 0xffff, plen_out);
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

/* A software pipeline of four stages, D lookups apart: at step i the
 * bucket (and index slot) of lookup i is prefetched; the entry lines of
 * lookup i - D (from its now cached slot: the first and the last entry
 * its search may read, often one line); lookup i - 2D searches on cached
 * lines and, when its candidate does not cover the address but has a
 * parent (most random addresses: the candidate is a /24 or longer, the
 * answer the /17../23 holding it), prefetches the parent's line instead
 * of waiting for it; lookup i - 3D climbs on from there. A single lookup
 * is three or four dependent misses; here ~3D of them are in flight. */
void
lpm_lookup4_batch(const struct lpm *m, const uint32_t *addr, size_t n,
    uint32_t *val, uint8_t *plen)
{
	enum { D = LPM_BATCH_D };
	uint32_t pend[D];       /* lookup j's parent to climb from, or NOIDX */
	if (m->family != 4 || m->n == 0) {
		for (size_t i = 0; i < n; i++) {
			val[i] = LPM_NONE;
			if (plen)
				plen[i] = 0;
		}
		return;
	}
	for (size_t i = 0; i < n + 3 * D; i++) {
		if (i < n) {
			__builtin_prefetch(&m->bkt[addr[i] >> 16]);
			if (m->idx)
				__builtin_prefetch(&m->idx[addr[i] >> (32 - m->ibits)]);
		}
		if (i >= D && i - D < n) {
			uint32_t a = addr[i - D];
			if (m->idx) {
				/* e not clipped to the bucket (its line may be
				 * wasted in a bucket's last block): reading the
				 * bucket here measured slower */
				uint32_t blk = a >> (32 - m->ibits);
				uint32_t s = m->idx[blk], e = m->idx[blk + 1];
				__builtin_prefetch(&m->e4[s ? s - 1 : 0]);
				__builtin_prefetch(&m->e4[e > s ? e - 1 : s]);
			} else {
				const struct bkt *bk = &m->bkt[a >> 16];
				uint32_t cnt = bk->le - bk->ls;
				__builtin_prefetch(&m->e4[bk->ls +
				    (((a & 0xffff) * cnt) >> 16)]);
			}
		}
		/* j - D first: its pend slot is the one lookup j takes. */
		if (i >= 3 * D && i - 3 * D < n) {
			size_t j = i - 3 * D;
			if (pend[j % D] != NOIDX) {
				uint32_t a = addr[j];
				unsigned p = 0;
				val[j] = climb4(m, &m->bkt[a >> 16], pend[j % D],
				    a & 0xffff, &p);
				if (plen)
					plen[j] = (uint8_t)p;
			}
		}
		if (i >= 2 * D && i - 2 * D < n) {
			size_t j = i - 2 * D;
			uint32_t a = addr[j], v;
			unsigned p;
			const struct bkt *bk = &m->bkt[a >> 16];
			uint32_t c = m->idx ? search4x(m, bk, a) : search4(m, bk, a);
			if (step4(m, bk, &c, a & 0xffff, &v, &p)) {
				val[j] = v;
				if (plen)
					plen[j] = (uint8_t)p;
				c = NOIDX;
			} else
				__builtin_prefetch(&m->e4[c]);
			pend[j % D] = c;
		}
	}
}

/* The last long prefix of bucket h starting at or before a, or ls - 1. */
static int64_t
last_le(const struct lpm *m, uint32_t h, struct k128 a)
{
	const struct bkt *bk = bkt_get(m, h);
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
	if (m->w8) {
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

/* lpm_any_within on one map (a split map's halves: lpm6.c); unc: is
 * some address of the window covered by no prefix (a split's hi map,
 * windows longer than /16 only). */
bool
lpm_within1(const struct lpm *m, const uint8_t *addr, unsigned plen,
    int unc)
{
	if (m->n == 0)
		return unc;
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
	const uint64_t *bits = unc ? m->unc : m->vis;
	const uint32_t *rank = unc ? m->urank : m->rank;
	if (i == j)
		return seg_any(m, hb, i, ws, we, unc);
	if (seg_any(m, hb, i, ws, k_dec(key_at(m, hb, (size_t)(i + 1))), unc))
		return true;
	if (j - 1 >= i + 1 && rank_of(bits, rank, (size_t)j) >
	    rank_of(bits, rank, (size_t)(i + 1)))
		return true;
	return seg_any(m, hb, j, key_at(m, hb, (size_t)j), we, unc);
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

void
lpm_prefetch4(const struct lpm *m, uint32_t addr)
{
	if (m->family != 4 || m->n == 0 || !bkt_listed(m, addr >> 16))
		return;
	__builtin_prefetch(&m->bkt[addr >> 16]);
	if (m->coarse) {
		uint32_t lo, hi, g = lpm_coarse_window4(m, addr, &lo, &hi);
		__builtin_prefetch(&m->e4[lo]);
		__builtin_prefetch(&m->e4[g]);
		__builtin_prefetch(&m->e4[hi]);
	}
}

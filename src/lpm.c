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
 *           of h (low bits 0)   key: low 16 bits (IPv4) / 128 bits (IPv6)
 *                               rec: value, plen, parent (longest long
 *                                    prefix of h containing it, or none)
 *
 * lookup(a): bucket h = a >> 16; binary search the long keys of h for the
 * last start <= a; climb parents until one covers a; none covers -> bval.
 * Prefixes nest or are disjoint, so the covering ones form that chain.
 *
 * any_within: a "segment" runs from one long start to the next; vis has a
 * bit per segment that holds a listed address, bvis one bit per bucket;
 * a window checks its two partial segments and counts the bits between.
 */
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "lpm.h"

#define NBKT    65536u
#define NOIDX   UINT32_MAX
#define SHORT   16u             /* plen <= SHORT: folded into bkt[].bval */

struct k128 {                   /* an address, host order, left-aligned */
	uint64_t hi, lo;
};

struct bkt {
	uint32_t ls, le;
	uint32_t bval;
	uint8_t bplen;
	uint8_t pad[3];
};

/* IPv4: meta = plen | (i - parent) << 8, 0 = no long parent (a bucket holds
 * fewer than 2^17 + 17 prefixes, so the distance fits). IPv6: meta = plen,
 * parents in par6[] (a bucket may be large). */
struct rec {
	uint32_t value;
	uint32_t meta;
};

struct lpm {
	int family;
	size_t n;
	size_t bytes;
	struct bkt *bkt;
	struct rec *rec;
	uint16_t *low;              /* IPv4 */
	struct k128 *key;           /* IPv6 */
	uint32_t *par6;             /* IPv6 */
	uint64_t *vis;              /* bit per long prefix: its segment shows */
	uint32_t *rank;             /* set bits of vis before each 512 */
	uint64_t bvis[NBKT / 64];
};

/* Builder records: IPv4 key = addr << 8 | plen, sorted by a radix sort. */
struct b4 {
	uint64_t key;
	uint32_t value;
};

struct b6 {
	struct k128 k;
	uint32_t value;
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

static struct k128
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

static void
k_to_bytes(int family, struct k128 k, uint8_t *p)
{
	unsigned len = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < len; i++)
		p[i] = i < 8 ? (uint8_t)(k.hi >> (56 - 8 * i))
		    : (uint8_t)(k.lo >> (56 - 8 * (i - 8)));
}

/* --- accessors on a built map --------------------------------------------- */

static inline struct k128
key_at(const struct lpm *m, uint32_t h, size_t i)
{
	struct k128 k;
	if (m->family == 6)
		return m->key[i];
	k.hi = (uint64_t)(h << 16 | m->low[i]) << 32;
	k.lo = 0;
	return k;
}

static inline unsigned
plen_at(const struct lpm *m, size_t i)
{
	return m->rec[i].meta & 0xff;
}

static inline uint32_t
parent_at(const struct lpm *m, size_t i)
{
	if (m->family == 6)
		return m->par6[i];
	uint32_t d = m->rec[i].meta >> 8;
	return d ? (uint32_t)(i - d) : NOIDX;
}

static inline uint32_t
bkt_first(const struct lpm *m, uint32_t h)
{
	return h ? m->bkt[h - 1].le : 0;
}

static inline int
vis_get(const uint64_t *bits, size_t i)
{
	return (int)(bits[i / 64] >> (i % 64) & 1);
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

/* --- builder -------------------------------------------------------------- */

int
lpm_builder_new(int family, struct lpm_builder **out)
{
	struct lpm_builder *b;
	*out = NULL;
	if (family != 4 && family != 6)
		return DX_EINVAL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return DX_ENOMEM;
	b->family = family;
	b->sorted = 1;
	*out = b;
	return 0;
}

void
lpm_builder_free(struct lpm_builder *b)
{
	if (b == NULL)
		return;
	free(b->v4);
	free(b->v6);
	free(b->h4);
	free(b->h6);
	free(b);
}

size_t
lpm_builder_count(const struct lpm_builder *b)
{
	return b->n;
}

static inline size_t
hash64(uint64_t x, size_t cap)
{
	x ^= x >> 31;
	x *= UINT64_C(0x9E3779B97F4A7C15);
	x ^= x >> 29;
	return (size_t)x & (cap - 1);
}

static inline uint64_t
hash_b6(const struct b6 *e)
{
	return e->k.hi * UINT64_C(0xff51afd7ed558ccd) ^ e->k.lo ^ e->plen;
}

/* Insert entry idx (already stored at b->v4/v6[idx]); NOIDX if it was
 * new, something else if an equal entry is there. */
static size_t
hash_put(struct lpm_builder *b, size_t idx)
{
	if (b->family == 4) {
		uint64_t k = b->v4[idx].key + 1;
		for (size_t s = hash64(k, b->hcap);; s = (s + 1) & (b->hcap - 1)) {
			if (b->h4[s] == 0) {
				b->h4[s] = k;
				return NOIDX;
			}
			if (b->h4[s] == k)
				return s;
		}
	}
	const struct b6 *e = &b->v6[idx];
	for (size_t s = hash64(hash_b6(e), b->hcap);; s = (s + 1) & (b->hcap - 1)) {
		if (b->h6[s] == 0) {
			b->h6[s] = (uint32_t)idx + 1;
			return NOIDX;
		}
		const struct b6 *o = &b->v6[b->h6[s] - 1];
		if (o->plen == e->plen && k_cmp(o->k, e->k) == 0)
			return b->h6[s] - 1;
	}
}

/* Keep the load under 3/4; rehash everything from the record arrays. */
static int
hash_grow(struct lpm_builder *b, size_t want)
{
	size_t cap = b->hcap ? b->hcap : 1024;
	while (want * 4 >= cap * 3)
		cap *= 2;
	if (cap == b->hcap)
		return 0;
	void *t = calloc(cap, b->family == 4 ? sizeof(uint64_t) : sizeof(uint32_t));
	if (t == NULL)
		return DX_ENOMEM;
	free(b->h4);
	free(b->h6);
	b->h4 = NULL;
	b->h6 = NULL;
	if (b->family == 4)
		b->h4 = t;
	else
		b->h6 = t;
	b->hcap = cap;
	for (size_t i = 0; i < b->n; i++)
		hash_put(b, i);
	return 0;
}

static int
b6_cmp(const struct b6 *a, const struct b6 *b)
{
	int c = k_cmp(a->k, b->k);
	return c ? c : (int)a->plen - (int)b->plen;
}

int
lpm_builder_add(struct lpm_builder *b, const uint8_t *addr, unsigned plen,
    uint32_t value)
{
	unsigned maxp = b->family == 4 ? 32 : 128;
	int after;                  /* compares greater than the last add */
	if (plen > maxp)
		return DX_EINVAL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		size_t sz = b->family == 4 ? sizeof(struct b4) : sizeof(struct b6);
		void *p = realloc(b->family == 4 ? (void *)b->v4 : (void *)b->v6,
		    cap * sz);
		if (p == NULL)
			return DX_ENOMEM;
		if (b->family == 4)
			b->v4 = p;
		else
			b->v6 = p;
		b->cap = cap;
	}
	struct k128 k = k_net(k_from_bytes(b->family, addr), plen);
	if (b->family == 4) {
		struct b4 *e = &b->v4[b->n];
		e->key = (k.hi >> 32) << 8 | plen;
		e->value = value;
		after = b->n == 0 || e->key > b->v4[b->n - 1].key;
	} else {
		struct b6 *e = &b->v6[b->n];
		e->k = k;
		e->plen = (uint8_t)plen;
		e->value = value;
		after = b->n == 0 || b6_cmp(e, &b->v6[b->n - 1]) > 0;
	}
	if (b->sorted && !after) {
		b->sorted = 0;
		if (hash_grow(b, b->n + 1) < 0) {
			b->sorted = 1;
			return DX_ENOMEM;
		}
	}
	if (!b->sorted) {
		if (hash_grow(b, b->n + 1) < 0)
			return DX_ENOMEM;
		if (hash_put(b, b->n) != NOIDX)
			return DX_EEXIST;
	}
	b->n++;
	return 0;
}

/* LSD radix sort on the 40-bit key (8 + 16 + 16 bits); b->v4 ends up
 * sorted (it may be the scratch array: the other one is freed). */
static int
sort4(struct lpm_builder *b)
{
	struct b4 *v = b->v4;
	size_t n = b->n;
	static const unsigned shift[3] = { 0, 8, 24 };
	static const unsigned width[3] = { 8, 16, 16 };
	struct b4 *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	size_t *cnt = malloc(65536 * sizeof(*cnt));
	if (tmp == NULL || cnt == NULL) {
		free(tmp);
		free(cnt);
		return DX_ENOMEM;
	}
	struct b4 *src = v, *dst = tmp;
	for (unsigned p = 0; p < 3; p++) {
		size_t nb = (size_t)1 << width[p], mask = nb - 1, sum = 0;
		memset(cnt, 0, nb * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[src[i].key >> shift[p] & mask]++;
		for (size_t d = 0; d < nb; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[src[i].key >> shift[p] & mask]++] = src[i];
		struct b4 *t = src;
		src = dst;
		dst = t;
	}
	b->v4 = src;
	free(dst);
	free(cnt);
	return 0;
}

static int
b6_qcmp(const void *a, const void *b)
{
	return b6_cmp(a, b);
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
		if (m->rec[a].value != LPM_NONE)
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

/* Parents, bucket defaults, visibility bits and their rank directory. */
static int
finish(struct lpm *m)
{
	struct { uint32_t i; struct k128 end; } stack[130];
	unsigned sp = 0;
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
				bk->bval = sp ? m->rec[stack[sp - 1].i].value : LPM_NONE;
				bk->bplen = sp ? (uint8_t)plen_at(m, stack[sp - 1].i) : 0;
			}
			/* Only long parents are kept: shorts are in bval. */
			uint32_t par = sp && plen_at(m, stack[sp - 1].i) > SHORT ?
			    stack[sp - 1].i : NOIDX;
			if (plen > SHORT) {
				if (m->family == 6)
					m->par6[i] = par;
				else if (par != NOIDX)
					m->rec[i].meta |= (i - par) << 8;
			}
			stack[sp].i = i;
			stack[sp++].end = k_end(s, plen);
		}
		if (bk->ls == bk->le) {
			while (sp && k_cmp(stack[sp - 1].end, bs) < 0)
				sp--;
			bk->bval = sp ? m->rec[stack[sp - 1].i].value : LPM_NONE;
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

/* Bucket bounds from the top 16 bits and plen of each sorted prefix. */
static void
set_buckets(struct lpm *m, const struct lpm_builder *b)
{
	size_t i = 0, n = b->n;
	for (uint32_t h = 0; h < NBKT; h++) {
#define HOF(j) (b->family == 4 ? (uint32_t)(b->v4[j].key >> 24) \
    : (uint32_t)(b->v6[j].k.hi >> 48))
#define PLEN(j) (b->family == 4 ? (unsigned)(b->v4[j].key & 0xff) \
    : (unsigned)b->v6[j].plen)
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

int
lpm_build(struct lpm_builder *b, struct lpm **out)
{
	struct lpm *m;
	int rc = DX_ENOMEM;
	*out = NULL;
	free(b->h4);
	free(b->h6);
	b->h4 = NULL;
	b->h6 = NULL;
	if (b->n >= NOIDX || (m = calloc(1, sizeof(*m))) == NULL) {
		lpm_builder_free(b);
		return DX_ENOMEM;
	}
	m->family = b->family;
	m->n = b->n;
	m->bkt = calloc(NBKT, sizeof(*m->bkt));
	m->rec = malloc((b->n ? b->n : 1) * sizeof(*m->rec));
	m->bytes = sizeof(*m) + NBKT * sizeof(*m->bkt) + b->n * sizeof(*m->rec);
	if (m->bkt == NULL || m->rec == NULL)
		goto out;
	if (b->family == 4) {
		if (!b->sorted && sort4(b) < 0)
			goto out;
		if ((m->low = malloc((b->n ? b->n : 1) * sizeof(*m->low))) == NULL)
			goto out;
		m->bytes += b->n * sizeof(*m->low);
		for (size_t i = 0; i < b->n; i++) {
			m->low[i] = (uint16_t)(b->v4[i].key >> 8);
			m->rec[i].value = b->v4[i].value;
			m->rec[i].meta = (uint32_t)(b->v4[i].key & 0xff);
		}
	} else {
		if (!b->sorted && b->n)    /* qsort(NULL, 0) is undefined */
			qsort(b->v6, b->n, sizeof(*b->v6), b6_qcmp);
		m->key = malloc((b->n ? b->n : 1) * sizeof(*m->key));
		m->par6 = malloc((b->n ? b->n : 1) * sizeof(*m->par6));
		if (m->key == NULL || m->par6 == NULL)
			goto out;
		m->bytes += b->n * (sizeof(*m->key) + sizeof(*m->par6));
		for (size_t i = 0; i < b->n; i++) {
			m->key[i] = b->v6[i].k;
			m->rec[i].value = b->v6[i].value;
			m->rec[i].meta = b->v6[i].plen;
		}
	}
	set_buckets(m, b);
	lpm_builder_free(b);
	b = NULL;
	if ((rc = finish(m)) < 0)
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
	free(m->bkt);
	free(m->rec);
	free(m->low);
	free(m->key);
	free(m->par6);
	free(m->vis);
	free(m->rank);
	free(m);
}

/* --- queries -------------------------------------------------------------- */

uint32_t
lpm_lookup4(const struct lpm *m, uint32_t addr, unsigned *plen_out)
{
	const struct bkt *bk = &m->bkt[addr >> 16];
	uint16_t lo = (uint16_t)addr;
	size_t n = bk->le - bk->ls;
	if (m->family != 4)
		return LPM_NONE;
	if (n) {
		/* Branch-free binary search: the last long start <= lo. */
		const uint16_t *p = m->low + bk->ls;
		while (n > 1) {
			size_t half = n / 2;
			p = p[half] <= lo ? p + half : p;
			n -= half;
		}
		if (*p <= lo) {
			size_t i = (size_t)(p - m->low);
			for (;;) {
				uint32_t meta = m->rec[i].meta;
				unsigned plen = meta & 0xff;
				if ((((unsigned)lo ^ m->low[i]) & (0xffffu << (32 - plen)) & 0xffff) == 0) {
					if (plen_out)
						*plen_out = plen;
					return m->rec[i].value;
				}
				if ((meta >> 8) == 0)
					break;
				i -= meta >> 8;
			}
		}
	}
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

/* The last long prefix of bucket h starting at or before a, or ls - 1. */
static int64_t
last_le(const struct lpm *m, uint32_t h, struct k128 a)
{
	const struct bkt *bk = &m->bkt[h];
	size_t lo = bk->ls, hi = bk->le;  /* answer in [lo - 1, hi - 1] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k_cmp(key_at(m, h, mid), a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

uint32_t
lpm_lookup(const struct lpm *m, const uint8_t *addr, unsigned *plen_out)
{
	if (m->family == 4)
		return lpm_lookup4(m, (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3], plen_out);
	struct k128 a = k_from_bytes(6, addr);
	uint32_t h = (uint32_t)(a.hi >> 48);
	const struct bkt *bk = &m->bkt[h];
	int64_t i = last_le(m, h, a);
	for (uint32_t j = i >= (int64_t)bk->ls ? (uint32_t)i : NOIDX; j != NOIDX;
	    j = m->par6[j]) {
		unsigned plen = plen_at(m, j);
		if (k_cmp(k_net(a, plen), m->key[j]) == 0) {
			if (plen_out)
				*plen_out = plen;
			return m->rec[j].value;
		}
	}
	if (plen_out)
		*plen_out = bk->bplen;
	return bk->bval;
}

bool
lpm_any_within(const struct lpm *m, const uint8_t *addr, unsigned plen)
{
	if (plen > (m->family == 4 ? 32u : 128u))
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

int
lpm_walk(const struct lpm *m,
    int (*fn)(const uint8_t *addr, unsigned plen, uint32_t value, void *arg),
    void *arg)
{
	uint8_t buf[16];
	for (uint32_t h = 0; h < NBKT; h++) {
		for (size_t i = bkt_first(m, h); i < m->bkt[h].le; i++) {
			k_to_bytes(m->family, key_at(m, h, i), buf);
			int rc = fn(buf, plen_at(m, i), m->rec[i].value, arg);
			if (rc)
				return rc;
		}
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
	return m->n;
}

size_t
lpm_memory(const struct lpm *m)
{
	return m->bytes;
}

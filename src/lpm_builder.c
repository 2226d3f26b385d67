/* lpm_builder.c -- collecting prefixes for lpm_build: growth, the duplicate
 * checks (immediate hash or deferred), stable radix sorts. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_impl.h"

#define HUGE    ((size_t)2 << 20)
#define MAPMIN  LPM_MAPMIN

/* An anonymous mapping of size bytes starting on a 2 MB boundary, its
 * whole 2 MB chunks advised for huge pages (the tail stays 4 KB pages:
 * no huge page half used). Page faults were the largest cost of a load
 * on this VM (a first touch of a 4 KB page: ~30 us), and memory malloc
 * takes from the heap stays resident after free (glibc raises its mmap
 * threshold up to 32 MB as big blocks are freed). */
static void *
map_aligned(size_t size, int populate)
{
	size = (size + 4095) & ~(size_t)4095;
	size_t len = size + HUGE;
	uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uint8_t *p = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + len > p + size)
		munmap(p + size, (size_t)(raw + len - (p + size)));
#ifdef MADV_HUGEPAGE
	if (size >= HUGE)
		madvise(p, size & ~(HUGE - 1), MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	/* All of it will be written: one call instead of a fault per 4 KB
	 * page of the tail (a fault is a VM exit here). Older kernels say
	 * EINVAL and the pages fault in as usual. */
	if (populate)
		madvise(p, size, MADV_POPULATE_WRITE);
#endif
	return p;
}

/* Fault in the whole pages of [p, p + size) at once: fresh heap pages
 * fault one at a time as they are written, a VM exit each (the bucket
 * table and the samples of a 1M-prefix map: ~90 faults). */
static void
populate(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + size) & ~(uintptr_t)4095;
	if (size >= (16 << 10) && e > a)
		madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p, (void)size;
#endif
}

/* Callers write all of it. */
void *
lpm_alloc(size_t size)
{
	if (size < MAPMIN) {
		void *p = malloc(size ? size : 1);
		if (p != NULL)
			populate(p, size);
		return p;
	}
	return map_aligned(size, 1);
}

void
lpm_dealloc(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < MAPMIN)
		free(p);
	else
		munmap(p, (size + 4095) & ~(size_t)4095);
}

/* --- builder -------------------------------------------------------------- */

/* Fault in [from, len) of a record array of size bytes in one call,
 * except whole 2 MB chunks above from: those are left to fault as huge
 * pages. The chunk holding from already has 4 KB pages (a huge page
 * cannot go there), so the rest of it is populated too: left alone, a
 * growth from 1 to 2 MB took 256 faults of 4 KB each, a VM exit each.
 * Older kernels say EINVAL and the pages fault in as usual. */
static void
populate_rest(uint8_t *p, size_t from, size_t len, size_t size)
{
#ifdef MADV_POPULATE_WRITE
	size_t hp = size & ~(HUGE - 1);
	size_t mixed = (from + HUGE - 1) & ~(HUGE - 1);
	if (from < hp && from < mixed) {
		madvise(p + from, (mixed < len ? mixed : len) - from,
		    MADV_POPULATE_WRITE);
		from = mixed;
	}
	if (from < hp)
		from = hp;
	if (from < len)
		madvise(p + from, len - from, MADV_POPULATE_WRITE);
#else
	(void)p, (void)from, (void)len, (void)size;
#endif
}

/* The record array grows by doubling. Big ones are our own mapping, grown
 * by mremap: no copy, and no 4 KB page faults (a realloc'ed block gets
 * no huge pages: ~10% of a load). */
void *
lpm_rec_grow(size_t *maplen, void *old, size_t used, size_t size)
{
	uint8_t *p;
	size_t from = *maplen;      /* first byte not yet faulted in */
	if (size < MAPMIN) {
		if ((p = realloc(old, size)) != NULL)
			populate(p + used, size - used);
		return p;
	}
	/* Whole 2 MB chunks, each a huge page when first touched: 4 KB
	 * pages cost ~10 us each here even faulted in by one madvise (a
	 * 1.6 MB array took 4 ms, a huge page ~0.2 ms). The caller's
	 * capacity may stay below the mapping: growth within it is free. */
	size_t len = (size + HUGE - 1) & ~(HUGE - 1);
	if (*maplen == 0) {
		if ((p = map_aligned(len, 0)) == NULL)
			return NULL;
		*maplen = len;
		populate_rest(p, 0, len, len);
		if (used)
			memcpy(p, old, used);
		free(old);
		return p;
	}
	if (size <= *maplen)
		return old;
	p = mremap(old, *maplen, len, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE);
#endif
	*maplen = len;
	populate_rest(p, from, len, len);
	return p;
}

/* Scratch the caller writes entirely: populated at once. *len as for
 * lpm_rec_grow (0 = malloc'ed); free with lpm_rec_free. */
static void *
scratch(size_t *len, size_t size)
{
	*len = 0;
	if (size < MAPMIN)
		return malloc(size ? size : 1);
	size = (size + HUGE - 1) & ~(HUGE - 1);     /* huge pages: see above */
	void *p = map_aligned(size, 1);
	if (p != NULL)
		*len = size;
	return p;
}

void
lpm_rec_free(size_t *maplen, void *p)
{
	if (p != NULL && *maplen)
		munmap(p, *maplen);
	else
		free(p);
	*maplen = 0;
}

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
	b->sorted8 = 1;
	*out = b;
	return 0;
}

void
lpm_builder_free(struct lpm_builder *b)
{
	if (b == NULL)
		return;
	lpm_rec_free(&b->maplen, b->family == 4 ? (void *)b->v4 : (void *)b->v6);
	lpm_rec_free(&b->maplen8, b->v8);
	lpm_rec_free(&b->maplenp8, b->p8);
	lpm_dealloc(b->h4 ? (void *)b->h4 : (void *)b->h6,
	    b->hcap * (b->h4 ? sizeof(*b->h4) : sizeof(*b->h6)));
	free(b);
}

size_t
lpm_builder_count(const struct lpm_builder *b)
{
	return b->n + b->n8;
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

/* Keep the load under 3/4; rehash everything from the record arrays,
 * growing fourfold: each rehash is a pass of cache misses. */
static int
hash_grow(struct lpm_builder *b, size_t want)
{
	size_t cap = b->hcap ? b->hcap : 1024;
	if (want * 4 < cap * 3 && b->hcap)
		return 0;
	while (want * 4 >= cap * 3)
		cap *= 4;
	if (cap == b->hcap)
		return 0;
	size_t sz = b->family == 4 ? sizeof(uint64_t) : sizeof(uint32_t);
	void *t = lpm_alloc(cap * sz);
	if (t == NULL)
		return DX_ENOMEM;
	memset(t, 0, cap * sz);
	lpm_dealloc(b->h4 ? (void *)b->h4 : (void *)b->h6, b->hcap * sz);
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

void
lpm_builder_defer_dups(struct lpm_builder *b,
    void (*dup)(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg),
    void *arg)
{
	b->defer = 1;
	b->dupfn = dup;
	b->duparg = arg;
}

int
lpm_builder_add(struct lpm_builder *b, const uint8_t *addr, unsigned plen,
    uint32_t value)
{
	return lpm_builder_add_tag(b, addr, plen, value, 0);
}

/* Deferred IPv6 add of a prefix <= /64: 17 bytes instead of 32. */
static int
add8(struct lpm_builder *b, const uint8_t *addr, unsigned plen,
    uint32_t value, uint32_t tag)
{
	if (b->n8 == b->cap8) {
		size_t cap = b->cap8 ? b->cap8 * 2 : 256;
		struct b8 *v = lpm_rec_grow(&b->maplen8, b->v8, b->n8 * sizeof(*v),
		    cap * sizeof(*v));
		if (v == NULL)
			return DX_ENOMEM;
		b->v8 = v;
		uint8_t *p = lpm_rec_grow(&b->maplenp8, b->p8, b->n8, cap);
		if (p == NULL)
			return DX_ENOMEM;
		b->p8 = p;
		b->cap8 = cap;
	}
	uint64_t a;
	memcpy(&a, addr, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	a = __builtin_bswap64(a);
#endif
	a &= plen ? UINT64_MAX << (64 - plen) : 0;
	struct b8 *e = &b->v8[b->n8];
	e->a = a;
	e->value = value;
	e->tag = tag;
	b->p8[b->n8] = (uint8_t)plen;
	/* without a branch: in a file in random order it went either way */
	if (b->n8) {
		uint64_t pa = e[-1].a;
		unsigned pp = b->p8[b->n8 - 1];
		b->sorted8 &= !((a < pa) | ((a == pa) & (plen < pp)));
	}
	b->n8++;
	return 0;
}

int
lpm_builder_add_tag(struct lpm_builder *b, const uint8_t *addr, unsigned plen,
    uint32_t value, uint32_t tag)
{
	unsigned maxp = b->family == 4 ? 32 : 128;
	int order;                  /* against the last add: <0, 0, >0 */
	if (plen > maxp)
		return DX_EINVAL;
	if (b->family == 6 && b->defer && plen <= 64)
		return add8(b, addr, plen, value, tag);
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		size_t sz = b->family == 4 ? sizeof(struct b4) : sizeof(struct b6);
		void *old = b->family == 4 ? (void *)b->v4 : (void *)b->v6;
		void *p = lpm_rec_grow(&b->maplen, old, b->n * sz, cap * sz);
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
		e->tag = tag;
		order = b->n == 0 ? 1 : e->key > b->v4[b->n - 1].key ? 1 :
		    e->key == b->v4[b->n - 1].key ? 0 : -1;
	} else {
		struct b6 *e = &b->v6[b->n];
		e->k = k;
		e->plen = (uint8_t)plen;
		e->value = value;
		e->tag = tag;
		e->seq = (uint32_t)b->n;
		order = b->n == 0 ? 1 : b6_cmp(e, &b->v6[b->n - 1]);
	}
	if (b->defer) {
		if (order < 0)
			b->sorted = 0;
		b->n++;
		return 0;
	}
	if (b->sorted && order == 0)
		return DX_EEXIST;       /* a repeated line of a sorted file */
	if (b->sorted && order < 0) {
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
	size_t tmplen = 0;
	struct b4 *tmp = lpm_rec_grow(&tmplen, NULL, 0, n * sizeof(*tmp));
	size_t *cnt = malloc(65536 * sizeof(*cnt));
	if (tmp == NULL || cnt == NULL) {
		lpm_rec_free(&tmplen, tmp);
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
	if (src == tmp) {
		lpm_rec_free(&b->maplen, v);
		b->v4 = tmp;
		b->maplen = tmplen;
	} else
		lpm_rec_free(&tmplen, tmp);
	free(cnt);
	return 0;
}

static int
b6_qcmp(const void *a, const void *b)
{
	int c = b6_cmp(a, b);
	if (c == 0)             /* equal prefixes keep add order: first wins */
		c = ((const struct b6 *)a)->seq < ((const struct b6 *)b)->seq ? -1 : 1;
	return c;
}

/* Records [0, n) of b6 by (address, plen, add order), those above bit
 * shift + 8 of k.hi being equal: MSD radix on 8-bit digits of k.hi
 * (scatter into scratch sv, copied back), small runs by insertion, and
 * a large run of one top half (a busy /64) by qsort on the rest. */
static void
sort6_msd(struct b6 *v, struct b6 *sv, size_t n, unsigned shift)
{
	if (n <= 32) {
		for (size_t i = 1; i < n; i++) {
			struct b6 r = v[i];
			size_t j = i;
			for (; j > 0 && b6_qcmp(&v[j - 1], &r) > 0; j--)
				v[j] = v[j - 1];
			v[j] = r;
		}
		return;
	}
	uint32_t cnt[257];
	for (;; shift -= 8) {
		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(v[i].k.hi >> shift & 0xff) + 1]++;
		if (cnt[(v[0].k.hi >> shift & 0xff) + 1] != n)
			break;
		if (shift == 0) {
			qsort(v, n, sizeof(*v), b6_qcmp);
			return;
		}
	}
	for (unsigned k = 1; k <= 256; k++)
		cnt[k] += cnt[k - 1];
	uint32_t end[256];
	memcpy(end, cnt + 1, sizeof(end));
	for (size_t i = 0; i < n; i++)
		sv[cnt[v[i].k.hi >> shift & 0xff]++] = v[i];
	memcpy(v, sv, n * sizeof(*v));
	for (unsigned k = 0, s = 0; k < 256; s = end[k++])
		if (end[k] - s > 1) {
			if (shift == 0)
				qsort(v + s, end[k] - s, sizeof(*v), b6_qcmp);
			else
				sort6_msd(v + s, sv + s, end[k] - s, shift - 8);
		}
}

/* IPv6 (the > /64 records of a split, or every record without deferred
 * checks): scattered by the top 16 bits into a copy, then each bucket by
 * sort6_msd. Four LSD passes of 16-bit digits cost a 512 KB count array
 * and a pass of cache misses each: a quarter of the sorting of a 1M
 * load with 50k long prefixes; glibc's qsort on the whole was 37%. */
static int
sort6(struct lpm_builder *b, uint32_t *cnt)
{
	size_t n = b->n, tmplen;
	if (n < 2)
		return 0;
	struct b6 *tmp = scratch(&tmplen, n * sizeof(*tmp));
	if (tmp == NULL)
		return DX_ENOMEM;
	memset(cnt, 0, (65536 + 1) * sizeof(*cnt));
	struct b6 *v = b->v6;
	for (size_t i = 0; i < n; i++)
		cnt[v[i].k.hi >> 48]++;
	uint32_t sum = 0;
	for (size_t k = 0; k <= 65536; k++) {
		uint32_t x = cnt[k];
		cnt[k] = sum;
		sum += x;
	}
	for (size_t i = 0; i < n; i++)
		tmp[cnt[v[i].k.hi >> 48]++] = v[i];
	for (size_t h = 0, s = 0; h < 65536; s = cnt[h++])
		if (cnt[h] - s > 1)
			sort6_msd(tmp + s, v + s, cnt[h] - s, 40);
	lpm_rec_free(&b->maplen, b->v6);
	b->v6 = tmp;
	b->maplen = tmplen;
	b->cap = n;
	return 0;
}

/* Deferred mode: the records are sorted (stably), so the repeats of a
 * prefix follow its first add; drop and report them. */
static void
dedup(struct lpm_builder *b)
{
	uint8_t buf[16];
	size_t w = 0;
	if (b->family == 4) {
		for (size_t i = 0; i < b->n; i++) {
			if (w && b->v4[i].key == b->v4[w - 1].key) {
				uint32_t a = (uint32_t)(b->v4[i].key >> 8);
				buf[0] = (uint8_t)(a >> 24);
				buf[1] = (uint8_t)(a >> 16);
				buf[2] = (uint8_t)(a >> 8);
				buf[3] = (uint8_t)a;
				if (b->dupfn)
					b->dupfn(buf, (unsigned)(b->v4[i].key & 0xff),
					    b->v4[i].tag, b->duparg);
				continue;
			}
			b->v4[w++] = b->v4[i];
		}
	} else {
		for (size_t i = 0; i < b->n; i++) {
			if (w && b6_cmp(&b->v6[i], &b->v6[w - 1]) == 0) {
				k_to_bytes(6, b->v6[i].k, buf);
				if (b->dupfn)
					b->dupfn(buf, b->v6[i].plen, b->v6[i].tag,
					    b->duparg);
				continue;
			}
			b->v6[w++] = b->v6[i];
		}
	}
	b->n = w;
}

/* Records [0, n) of one address by length, stably: a counting pass
 * into scratch (a run of repeats, or of lengths at one address, can be
 * long: insertion there was quadratic). */
static void
sort8_plen(struct b8 *v, uint8_t *p, struct b8 *sv, uint8_t *sp, size_t n)
{
	size_t i, cnt[66] = { 0 };
	for (i = 1; i < n && p[i] >= p[i - 1]; i++)
		;
	if (i >= n)
		return;
	for (i = 0; i < n; i++)
		cnt[p[i] + 1]++;
	for (i = 1; i < 66; i++)
		cnt[i] += cnt[i - 1];
	for (i = 0; i < n; i++) {
		size_t j = cnt[p[i]]++;
		sv[j] = v[i];
		sp[j] = p[i];
	}
	memcpy(v, sv, n * sizeof(*v));
	memcpy(p, sp, n);
}

/* Records [0, n) of v/p by (address, length), stably, by insertion:
 * for runs of a few, and for a run whose records are at most a few
 * places from where they belong (a linear pass then). */
static void
insert8(struct b8 *v, uint8_t *p, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1].a < v[i].a ||
		    (v[i - 1].a == v[i].a && p[i - 1] <= p[i]))
			continue;           /* in place already: the usual case */
		struct b8 r = v[i];
		uint8_t pl = p[i];
		size_t j = i;
		for (; j > 0 && (v[j - 1].a > r.a ||
		    (v[j - 1].a == r.a && p[j - 1] > pl)); j--) {
			v[j] = v[j - 1];
			p[j] = p[j - 1];
		}
		v[j] = r;
		p[j] = pl;
	}
}

/* Records [0, n) of v/p by (address, length), stably, the address bits
 * above bit rem being equal: MSD radix, each level a counting pass and a
 * scatter into sv/sp (scratch) copied back, digits every record shares
 * skipped; bins of more than SMALLBIN records sorted the same way (one
 * address by sort8_plen), then one insertion pass puts the records of
 * the small bins in order. A digit has about log2(n) bits (at most 8):
 * its bins then hold a record or two, and the count array costs what
 * the records do (a fixed 8-bit digit on the ~120 records of a /16
 * bucket spent most of its time clearing and summing 256 bins, and
 * recursing into bins of two or three: a tenth of a 1M-prefix load). */
#define SMALLBIN 8

static void
sort8_msd(struct b8 *v, uint8_t *p, struct b8 *sv, uint8_t *sp, size_t n,
    unsigned rem)
{
	if (n <= 16) {
		insert8(v, p, n);
		return;
	}
	unsigned w = 4;
	while (w < 8 && ((size_t)1 << w) < n)
		w++;
	uint32_t cnt[257];
	unsigned shift, nb, mask;
	for (;;) {
		if (w > rem)
			w = rem;
		shift = rem - w;
		nb = 1u << w;
		mask = nb - 1;
		memset(cnt, 0, (nb + 1) * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(v[i].a >> shift & mask) + 1]++;
		if (cnt[(v[0].a >> shift & mask) + 1] != n)
			break;
		if (shift == 0) {
			sort8_plen(v, p, sv, sp, n);   /* one address */
			return;
		}
		rem = shift;
	}
	uint32_t big = 0;
	for (unsigned k = 1; k <= nb; k++) {
		big |= cnt[k] > SMALLBIN;
		cnt[k] += cnt[k - 1];
	}
	uint32_t end[256];
	if (big)
		memcpy(end, cnt + 1, nb * sizeof(*end));
	for (size_t i = 0; i < n; i++) {
		uint32_t j = cnt[v[i].a >> shift & mask]++;
		sv[j] = v[i];
		sp[j] = p[i];
	}
	memcpy(v, sv, n * sizeof(*v));
	memcpy(p, sp, n);
	if (big)
		for (unsigned k = 0, s = 0; k < nb; s = end[k++]) {
			if (end[k] - s <= SMALLBIN)
				continue;
			if (shift == 0)
				sort8_plen(v + s, p + s, sv + s, sp + s, end[k] - s);
			else
				sort8_msd(v + s, p + s, sv + s, sp + s, end[k] - s,
				    shift);
		}
	insert8(v, p, n);
}

/* v8 by (a, plen), stably: scattered by the top 16 bits into a copy (one
 * pass of random writes; four such passes over the whole array were a
 * fifth of a 1M-prefix load), each bucket sorted in place, then the rare
 * runs of one address with several lengths (a /48 and a /56 starting at
 * the same place) by insertion. */
static int
sort8(struct lpm_builder *b, uint32_t *cnt)
{
	size_t n = b->n8, tmplen, tplen;
	struct b8 *tmp = scratch(&tmplen, n * sizeof(*tmp));
	uint8_t *tp = scratch(&tplen, n);
	if (tmp == NULL || tp == NULL) {
		lpm_rec_free(&tmplen, tmp);
		lpm_rec_free(&tplen, tp);
		return DX_ENOMEM;
	}
	memset(cnt, 0, (65536 + 1) * sizeof(*cnt));
	struct b8 *v = b->v8;
	uint8_t *p = b->p8;
	for (size_t i = 0; i < n; i++)
		cnt[v[i].a >> 48]++;
	uint32_t sum = 0;
	for (size_t k = 0; k <= 65536; k++) {
		uint32_t x = cnt[k];
		cnt[k] = sum;
		sum += x;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t j = cnt[v[i].a >> 48]++;
		tmp[j] = v[i];
		tp[j] = p[i];
	}
	/* cnt[h] is now the end of bucket h */
	for (size_t h = 0, s = 0; h < 65536; s = cnt[h++])
		if (cnt[h] - s > 1)
			sort8_msd(tmp + s, tp + s, v + s, p + s, cnt[h] - s, 48);
	lpm_rec_free(&b->maplen8, b->v8);
	lpm_rec_free(&b->maplenp8, b->p8);
	b->v8 = tmp;
	b->maplen8 = tmplen;
	b->p8 = tp;
	b->maplenp8 = tplen;
	return 0;
}

static void
dedup8(struct lpm_builder *b)
{
	uint8_t buf[16] = { 0 };
	size_t w = 0;
	for (size_t i = 0; i < b->n8; i++) {
		if (w && b->v8[i].a == b->v8[w - 1].a && b->p8[i] == b->p8[w - 1]) {
			for (unsigned j = 0; j < 8; j++)
				buf[j] = (uint8_t)(b->v8[i].a >> (56 - 8 * j));
			if (b->dupfn)
				b->dupfn(buf, b->p8[i], b->v8[i].tag, b->duparg);
			continue;
		}
		b->p8[w] = b->p8[i];
		b->v8[w++] = b->v8[i];
	}
	b->n8 = w;
}

/* Sorted IPv6 records all <= /64 (the immediate check's, an ACL or a
 * feed): to v8, for the compact map. */
static int
to8(struct lpm_builder *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->v6[i].plen > 64)
			return 0;
	b->v8 = malloc(b->n * sizeof(*b->v8));
	b->p8 = malloc(b->n);
	if (b->v8 == NULL || b->p8 == NULL)
		return DX_ENOMEM;       /* lpm_builder_free frees them */
	for (size_t i = 0; i < b->n; i++) {
		b->v8[i].a = b->v6[i].k.hi;
		b->v8[i].value = b->v6[i].value;
		b->v8[i].tag = b->v6[i].tag;
		b->p8[i] = b->v6[i].plen;
	}
	b->n8 = b->cap8 = b->n;
	lpm_rec_free(&b->maplen, b->v6);
	b->v6 = NULL;
	b->n = b->cap = 0;
	return 0;
}

int
lpm_builder_sort(struct lpm_builder *b)
{
	lpm_dealloc(b->h4 ? (void *)b->h4 : (void *)b->h6,
	    b->hcap * (b->h4 ? sizeof(*b->h4) : sizeof(*b->h6)));
	b->h4 = NULL;
	b->h6 = NULL;
	b->hcap = 0;
	/* sort8's and sort6's counts of top 16 bits: one populated block */
	size_t cntlen = 0;
	uint32_t *cnt = NULL;
	if ((b->n8 && !b->sorted8) || (b->family == 6 && !b->sorted && b->n > 1)) {
		if ((cnt = scratch(&cntlen, (65536 + 1) * sizeof(*cnt))) == NULL)
			return DX_ENOMEM;
	}
	if (b->n8) {
		if (!b->sorted8 && sort8(b, cnt) < 0) {
			lpm_rec_free(&cntlen, cnt);
			return DX_ENOMEM;
		}
		b->sorted8 = 1;
		if (b->defer)
			dedup8(b);
	}
	if (b->family == 4 && !b->sorted && sort4(b) < 0)
		return DX_ENOMEM;
	if (b->family == 6 && !b->sorted && sort6(b, cnt) < 0) {
		lpm_rec_free(&cntlen, cnt);
		return DX_ENOMEM;
	}
	lpm_rec_free(&cntlen, cnt);
	b->sorted = 1;
	if (b->defer)
		dedup(b);
	if (b->family == 6 && b->n && !b->n8 && to8(b) < 0)
		return DX_ENOMEM;
	return 0;
}

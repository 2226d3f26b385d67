/* lpm_builder.c -- collecting prefixes for lpm_build: memory (huge pages,
 * growth), the duplicate checks (immediate hash or deferred); the sorts
 * are in lpm_sort.c. */
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


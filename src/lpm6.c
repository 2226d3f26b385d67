/* lpm6.c -- IPv6 maps: the compact map of prefixes <= /64 (8-byte
 * words, values apart), the split between it and the 24-byte map of longer prefixes
 * (masked blocks, uncovered segments, the touched-block filter), lookups,
 * lpm_any_within and the merged lpm_walk. docs/design-lpm.md explains. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_impl.h"

/* --- build ---------------------------------------------------------------- */

static inline uint64_t
end64(uint64_t a, unsigned plen)
{
	return a | (plen >= 64 ? 0 : UINT64_MAX >> plen);
}

/* v8 with the masked blocks (sorted, nm of them) set to LPM_NONE: a real
 * X/64 keeps its value in the fix table, a missing one is inserted. */
static int
mask8(struct lpm_builder *b, const uint64_t *mx, size_t nm,
    struct lpm_fix **fixout, size_t *nfix)
{
	size_t cap = b->n8 + nm, w = 0, j = 0, vlen = 0, plen = 0;
	struct b8 *v = lpm_rec_grow(&vlen, NULL, 0, cap * sizeof(*v));
	/* a mapping, not malloc: fresh 4 KB pages fault one by one (a VM
	 * exit each here); the builder frees it by its length */
	uint8_t *p = lpm_rec_grow(&plen, NULL, 0, cap);
	struct lpm_fix *fix = malloc(nm * sizeof(*fix));
	if (v == NULL || p == NULL || fix == NULL) {
		lpm_rec_free(&vlen, v);
		lpm_rec_free(&plen, p);
		free(fix);
		return DX_ENOMEM;
	}
	for (size_t t = 0; t <= nm; t++) {
		while (j < b->n8 && (t == nm || b->v8[j].a < mx[t] ||
		    (b->v8[j].a == mx[t] && b->p8[j] < 64))) {
			p[w] = b->p8[j];
			v[w++] = b->v8[j++];
		}
		if (t == nm)
			break;
		fix[t].i = (uint32_t)w;
		if (j < b->n8 && b->v8[j].a == mx[t]) {     /* its own /64 */
			fix[t].v = b->v8[j].value;
			fix[t].skip = 0;
			p[w] = b->p8[j];
			v[w] = b->v8[j++];
		} else {
			fix[t].v = LPM_NONE;
			fix[t].skip = 1;
			p[w] = 64;
			v[w].a = mx[t];
			v[w].tag = 0;
		}
		v[w++].value = LPM_NONE;
	}
	lpm_rec_free(&b->maplen8, b->v8);
	lpm_rec_free(&b->maplenp8, b->p8);
	b->v8 = v;
	b->maplen8 = vlen;
	b->p8 = p;
	b->maplenp8 = plen;
	b->n8 = b->cap8 = w;
	*fixout = fix;
	*nfix = nm;
	return 0;
}

int
lpm_builder_split(struct lpm_builder *b, struct lpm **hiout,
    struct lpm_fix **fixout, size_t *nfix)
{
	struct lpm_builder *hb = NULL;
	struct { uint64_t end; size_t j; } st[66];
	size_t nt = 0, sp = 0, j = 0, nm = 0;
	uint64_t *tx = NULL;
	uint32_t *tv = NULL;
	int rc = DX_ENOMEM;

	*hiout = NULL;
	*fixout = NULL;
	*nfix = 0;
	for (size_t i = 0; i < b->n; i++)
		nt += i == 0 || b->v6[i].k.hi != b->v6[i - 1].k.hi;
	if (lpm_builder_new(6, &hb) < 0)
		return DX_ENOMEM;
	tx = lpm_alloc(nt * sizeof(*tx));     /* populated at once */
	tv = lpm_alloc(nt * sizeof(*tv));
	if (tx == NULL || tv == NULL)
		goto out;
	/* Each touched block X with the /64 half's answer for X: the
	 * innermost v8 prefix open at X (they nest: a stack of <= 65). */
	for (size_t i = 0, t = 0; i < b->n; i++) {
		uint64_t x = b->v6[i].k.hi;
		if (i == 0 || x != b->v6[i - 1].k.hi) {
			for (; j < b->n8 && b->v8[j].a <= x; j++) {
				while (sp && st[sp - 1].end < b->v8[j].a)
					sp--;
				if (sp == sizeof(st) / sizeof(st[0]))
					goto out;       /* not sorted: cannot happen */
				st[sp].end = end64(b->v8[j].a, b->p8[j]);
				st[sp++].j = j;
			}
			while (sp && st[sp - 1].end < x)
				sp--;
			tx[t] = x;
			tv[t++] = sp ? b->v8[st[sp - 1].j].value : LPM_NONE;
		}
	}
	/* hi: the long records, moved (sorted and deduplicated already) */
	hb->v6 = b->v6;
	hb->n = b->n;
	hb->cap = b->cap;
	hb->maplen = b->maplen;
	hb->uncov = 1;
	b->v6 = NULL;
	b->n = b->cap = b->maplen = 0;
	rc = lpm_build(hb, hiout);
	hb = NULL;
	if (rc < 0)
		goto out;
	/* Masked: the /64 half lists X, but nothing of X shows: hi lists
	 * nothing there and leaves nothing uncovered. */
	for (size_t t = 0; t < nt; t++) {
		uint8_t a[16] = { 0 };
		for (unsigned k = 0; k < 8; k++)
			a[k] = (uint8_t)(tx[t] >> (56 - 8 * k));
		if (tv[t] != LPM_NONE && !lpm_within1(*hiout, a, 64, 0) &&
		    !lpm_within1(*hiout, a, 64, 1))
			tx[nm++] = tx[t];
	}
	rc = nm ? mask8(b, tx, nm, fixout, nfix) : 0;
out:
	if (rc < 0) {
		lpm_free(*hiout);
		*hiout = NULL;
	}
	lpm_builder_free(hb);
	lpm_dealloc(tx, nt * sizeof(*tx));
	lpm_dealloc(tv, nt * sizeof(*tv));
	return rc;
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
int
lpm_make_tf(struct lpm *m)
{
	size_t nt = 0;
	for (size_t i = 0; i < m->hi->n; i++)
		nt += i == 0 || m->hi->e6[i].k.hi != m->hi->e6[i - 1].k.hi;
	for (m->tfbits = 9; ((size_t)1 << m->tfbits) < nt * 16; m->tfbits++)
		;
	size_t words = ((size_t)1 << m->tfbits) / 64;
	if ((m->tf = calloc(words, sizeof(*m->tf))) == NULL)
		return DX_ENOMEM;
	m->bytes += words * sizeof(*m->tf);
	for (size_t i = 0; i < m->hi->n; i++) {
		uint64_t h = tf_hash(m, m->hi->e6[i].k.hi);
		m->tf[h / 64] |= UINT64_C(1) << (h % 64);
	}
	return 0;
}

/* Values of the compact map: 2 bytes each while every one fits (the
 * usual case: a dataset's few value indexes), else 4 (the 2-byte ones
 * so far widened once). */
static int
put_val(struct lpm *m, size_t i, uint32_t v)
{
	if (m->v16 && v != LPM_NONE && v >= V16NONE) {
		if ((m->v32 = lpm_alloc(m->n * sizeof(*m->v32))) == NULL)
			return DX_ENOMEM;
		for (size_t j = 0; j < i; j++)
			m->v32[j] = val8(m, j);
		lpm_dealloc(m->v16, m->n * sizeof(*m->v16));
		m->v16 = NULL;
	}
	if (m->v16)
		m->v16[i] = v == LPM_NONE ? V16NONE : (uint16_t)v;
	else
		m->v32[i] = v;
	return 0;
}

/* The compact map from b's sorted v8 records. A big record array (our
 * own mapping) becomes the word array in place, 16 bytes a record to 8
 * a word, front to back (word i ends before record i + 1 starts), then
 * shrunk: 8 MB a million prefixes not allocated, zeroed and faulted in
 * again. The values go to their own array. */
int
lpm_e8_from(struct lpm *m, struct lpm_builder *b)
{
	size_t n = m->n;
	unsigned char *dst;
	/* lpm_dealloc tells a mapping from malloc's by the size */
	bool inplace = b->maplen8 && n * sizeof(*m->w8) >= LPM_MAPMIN;
	if ((m->v16 = lpm_alloc(n * sizeof(*m->v16))) == NULL)
		return DX_ENOMEM;
	if (inplace) {
		dst = (unsigned char *)b->v8;
	} else {
		if ((m->w8 = lpm_alloc(n * sizeof(*m->w8))) == NULL)
			return DX_ENOMEM;
		dst = (unsigned char *)m->w8;
	}
	for (size_t i = 0; i < n; i++) {
		struct b8 r;
		memcpy(&r, (unsigned char *)b->v8 + i * sizeof(r), sizeof(r));
		if (i % SAMP == 0)
			m->samp8[i / SAMP] = (uint32_t)(r.a >> 16);
		uint64_t w = r.a << 16 | (uint64_t)b->p8[i] << 9;
		memcpy(dst + i * sizeof(w), &w, sizeof(w));
		if (put_val(m, i, r.value) < 0) {
			if (inplace)        /* b frees the records, now half words */
				m->w8 = NULL;
			return DX_ENOMEM;
		}
	}
	if (inplace) {
		/* what lpm_dealloc will unmap: the size rounded to pages */
		size_t len = (n * sizeof(*m->w8) + 4095) & ~(size_t)4095;
		if (len < b->maplen8 && mremap(dst, b->maplen8, len, 0) == MAP_FAILED)
			munmap(dst + len, b->maplen8 - len);
		m->w8 = (uint64_t *)(void *)dst;
		b->v8 = NULL;
		b->maplen8 = 0;
	}
	m->bytes += n * (sizeof(*m->w8) + (m->v16 ? sizeof(*m->v16) :
	    sizeof(*m->v32)));
	return 0;
}

/* --- queries -------------------------------------------------------------- */

/* Compact IPv6 map: as the 24-byte one below, on 64-bit words. */
static uint32_t
look8(const struct lpm *m, uint64_t a, unsigned *plen_out)
{
	uint32_t h = (uint32_t)(a >> 48);
	const struct bkt *bk = bkt_get(m, h);
	uint64_t t = a << 16 | 0xffff;
	/* Invariant: W8(lo) <= t (or lo = ls - 1), W8(hi) > t (or le). */
	int64_t lo = (int64_t)bk->ls - 1, hi = bk->le;
	if (hi - lo > 1) {
		/* samples in the bucket: [sl, sh); 32 bits of 48 (250 KB less at
		 * 1M prefixes), so an equal one decides nothing */
		size_t sl = (bk->ls + SAMP - 1) / SAMP, sh = (bk->le + SAMP - 1) / SAMP;
		size_t x = sl, y = sh;
		uint32_t a32 = (uint32_t)(a >> 16);
		while (x < y) {          /* first sample >= a32 */
			size_t mid = x + (y - x) / 2;
			if (m->samp8[mid] < a32)
				x = mid + 1;
			else
				y = mid;
		}
		if (x > sl)
			lo = (int64_t)((x - 1) * SAMP);
		for (y = x; y < sh && m->samp8[y] == a32; y++)
			;
		if (y < sh)
			hi = (int64_t)(y * SAMP);
		/* The value is apart from the word: its line (the answer's
		 * is in lo + 1 .. hi - 1, a parent aside) comes in while the
		 * words are searched. */
		if (m->v16)
			__builtin_prefetch(&m->v16[lo + 1]);
		else
			__builtin_prefetch(&m->v32[lo + 1]);
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
				return val8(m, j);
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

/* The 24-byte IPv6 map: false if no prefix covers a (a split map's hi
 * half: ask the compact one), else true and *v (maybe LPM_NONE). */
static bool
look6(const struct lpm *m, struct k128 a, uint32_t *v, unsigned *plen_out)
{
	uint32_t h = (uint32_t)(a.hi >> 48);
	const struct bkt *bk = bkt_get(m, h);
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
				*plen_out = plen;
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
	if (m->w8)
		return look8(m, a.hi, plen_out);
	uint32_t v = LPM_NONE;
	look6(m, a, &v, plen_out);
	return v;
}

/* Does hi hold a prefix inside the /64 block x? */
static bool
touched(const struct lpm *hi, uint64_t x)
{
	const struct bkt *bk = bkt_get(hi, (uint32_t)(x >> 48));
	size_t lo = bk->ls, end = bk->le;   /* first with k.hi > x */
	while (lo < end) {
		size_t mid = lo + (end - lo) / 2;
		if (hi->e6[mid].k.hi <= x)
			lo = mid + 1;
		else
			end = mid;
	}
	return lo > bk->ls && hi->e6[lo - 1].k.hi == x;
}

/* A split map. A window inside one /64 block X that hi touches: hi's
 * listed addresses, or, if the compact map lists X, any address hi
 * leaves uncovered; in another block, the compact map alone. A window
 * of /64 or wider: hi's listed addresses or the compact map's (it says
 * LPM_NONE on masked blocks, so a listed block there shows somewhere). */
bool
lpm_any_within(const struct lpm *m, const uint8_t *addr, unsigned plen)
{
	if (plen > (m->family == 4 ? 32u : 128u))
		return false;
	if (m->hi == NULL)
		return lpm_within1(m, addr, plen, 0);
	if (plen > 64) {
		uint64_t x = k_from_bytes(6, addr).hi;
		if (!tf_test(m, x) || !touched(m->hi, x))
			return lpm_within1(m, addr, plen, 0);
		if (lpm_within1(m->hi, addr, plen, 0))
			return true;
		return look8(m, x, NULL) != LPM_NONE &&
		    lpm_within1(m->hi, addr, plen, 1);
	}
	return lpm_within1(m->hi, addr, plen, 0) || lpm_within1(m, addr, plen, 0);
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

/* Load the entry at or after c->i that lpm_walk shows (not the inserted exclusions);
 * false at the end. */
static bool
cur_load(struct cursor *c)
{
	const struct lpm *m = c->m;
	for (; c->i < m->n; c->i++) {
		while (bkt_get(m, c->h)->le <= c->i)
			c->h++;
		c->v = val_at(m, c->i);
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

/* lpm_sort.c -- lpm_builder_sort: the builder's records in (address,
 * length, add order) order by stable radix sorts, repeats dropped and
 * reported in deferred mode. */
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_impl.h"

/* Scratch the caller writes entirely: *len as for lpm_rec_grow (0 =
 * malloc'ed); free with lpm_rec_free. */
static void *
grow_new(size_t *len, size_t size)
{
	*len = 0;
	return lpm_rec_grow(len, NULL, 0, size ? size : 1);
}

static int
b6_cmp(const struct b6 *a, const struct b6 *b)
{
	int c = k_cmp(a->k, b->k);
	return c ? c : (int)a->plen - (int)b->plen;
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
	struct b6 *tmp = grow_new(&tmplen, n * sizeof(*tmp));
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
	struct b8 *tmp = grow_new(&tmplen, n * sizeof(*tmp));
	uint8_t *tp = grow_new(&tplen, n);
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
		if ((cnt = grow_new(&cntlen, (65536 + 1) * sizeof(*cnt))) == NULL)
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

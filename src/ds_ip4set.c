/* ds_ip4set.c -- the ip4set dataset type: IPv4 ranges, several values per
 * entry, exclusions.
 *
 * As in rbldnsd, an entry is stored at /8, /16, /24 or /32 granularity: a
 * range is split into whole octets ("127.0.0.0/25" becomes 128 /32 keys,
 * "10.0.0.0-10.1.255.255" two /16 keys). A query looks at /32, then /24,
 * /16, /8 and stops at the first level with its key: all values under
 * that key are answered, unless the key holds an exclusion.
 *
 *   level:   0 (/32)  1 (/24)  2 (/16)  3 (/8)
 *   e[level] sorted array of  key = addr << 32 | (value index + 1)
 *            (+1 so an exclusion, index UINT32_MAX, sorts first as 0)
 */
#include <stdlib.h>
#include <string.h>

#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"

#define EXCL UINT32_MAX

struct ip4set {
	uint64_t *e[4];
	size_t n[4], cap[4];
};

static const unsigned level_bits[4] = { 32, 24, 16, 8 };

static int
ip4set_start(struct dataset *ds)
{
	ds->priv = calloc(1, sizeof(struct ip4set));
	return ds->priv ? 0 : DX_ENOMEM;
}

static void
ip4set_free(struct dataset *ds)
{
	struct ip4set *s = ds->priv;
	unsigned i;
	for (i = 0; i < 4; i++)
		free(s->e[i]);
	free(s);
}

/* Add count keys a, a+step, ... at level (step = one unit of the level). */
static int
add(struct dataset *ds, unsigned level, uint32_t a, uint32_t count,
    uint32_t v)
{
	struct ip4set *s = ds->priv;
	uint32_t step = (uint32_t)1 << (level * 8);
	uint64_t tag = (uint64_t)(uint32_t)(v + 1);

	if (!count)
		return 0;
	if (s->n[level] + count > s->cap[level]) {
		size_t ncap = s->cap[level] ? s->cap[level] : 64;
		uint64_t *ne;
		while (ncap < s->n[level] + count)
			ncap *= 2;
		ne = realloc(s->e[level], ncap * sizeof(*ne));
		if (!ne)
			return DX_ENOMEM;
		s->e[level] = ne;
		s->cap[level] = ncap;
	}
	while (count--) {
		s->e[level][s->n[level]++] = (uint64_t)a << 32 | tag;
		a += step;
		ds->nentries++;
	}
	return 0;
}

/* Split [a, b] into whole /32, /24, /16 and /8 blocks (rbldnsd's rule). */
static int
expand(struct dataset *ds, uint32_t a, uint32_t b, uint32_t v)
{
	unsigned level;
	int rc;

	for (level = 0; level < 3; level++) {
		unsigned sh = level * 8;
		if ((a | 255u) >= b) {
			if (b - a == 255u)
				return add(ds, level + 1, a << sh, 1, v);
			return add(ds, level, a << sh, b - a + 1, v);
		}
		if (a & 255u) {
			if ((rc = add(ds, level, a << sh, 256u - (a & 255u), v)) < 0)
				return rc;
			a = (a >> 8) + 1;
		} else
			a >>= 8;
		if ((b & 255u) != 255u) {
			if ((rc = add(ds, level, (b & ~255u) << sh, (b & 255u) + 1, v)) < 0)
				return rc;
			b = (b >> 8) - 1;
		} else
			b >>= 8;
	}
	return add(ds, 3, a << 24, b - a + 1, v);
}

#define ISSP(c) ((c) == ' ' || (c) == '\t')
#define ISCOMMENT(c) ((c) == '#' || (c) == ';')

static int
ip4set_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	uint32_t a, b, v;
	const char *e;
	bool excl = false;
	int bits, rc;

	if (*s == ':')
		return ds_default_line(ds, ld, s, NULL);
	if (*s == '!') {
		excl = true;
		s++;
		while (ISSP(*s))
			s++;
	}
	bits = ip4_range(s, &a, &b, &e);
	if (bits < 0 || (*e && !ISSP(*e) && !ISCOMMENT(*e) && *e != ':')) {
		ds_warn(ld, "invalid address");
		return 0;
	}
	if (ds->opts.allow_host_bits)
		a &= ip4_mask((unsigned)bits);
	else if (a & ~ip4_mask((unsigned)bits)) {
		ds_warn(ld, "invalid range (non-zero host part)");
		return 0;
	}
	if (ld->maxrange4 && ld->maxrange4 <= b - a) {
		ds_warn(ld, "too large range (%u) ignored (%u max)", b - a + 1,
		    ld->maxrange4);
		return 0;
	}
	s = (char *)(uintptr_t)e;
	if (excl)
		v = EXCL;
	else if ((rc = ds_entry_value(ds, ld, s, &v)) < 0)
		return rc == DX_EINVAL ? 0 : rc;
	return expand(ds, a, b, v);
}

static int
cmp64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static int
ip4set_finish(struct dataset *ds, struct ds_load *ld)
{
	struct ip4set *s = ds->priv;
	unsigned l;

	for (l = 0; l < 4; l++) {
		size_t i, n = 0;
		if (!s->n[l])
			continue;
		qsort(s->e[l], s->n[l], sizeof(uint64_t), cmp64);
		for (i = 0; i < s->n[l]; i++)      /* drop exact duplicates */
			if (!n || s->e[l][n - 1] != s->e[l][i])
				s->e[l][n++] = s->e[l][i];
		s->n[l] = n;
		if (n < s->cap[l]) {
			uint64_t *ne = realloc(s->e[l], n * sizeof(uint64_t));
			if (ne) {
				s->e[l] = ne;
				s->cap[l] = n;
			}
		}
	}
	return 0;
}

/* Index of the first key with address addr, or SIZE_MAX. */
static size_t
find(const uint64_t *e, size_t n, uint32_t addr)
{
	uint64_t k = (uint64_t)addr << 32;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (e[m] < k)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < n && (uint32_t)(e[lo] >> 32) == addr ? lo : SIZE_MAX;
}

static bool
ip4set_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct ip4set *s = ds->priv;
	unsigned l;

	if (!s || q->ip4_octets != 4)
		return false;
	for (l = 0; l < 4; l++) {
		uint32_t key = q->ip4 & ip4_mask(level_bits[l]);
		size_t i = s->n[l] ? find(s->e[l], s->n[l], key) : SIZE_MAX;
		if (i == SIZE_MAX)
			continue;
		if ((uint32_t)s->e[l][i] == 0)
			return false;       /* exclusion */
		for (; i < s->n[l] && (uint32_t)(s->e[l][i] >> 32) == key; i++)
			ds_hit_add4(hits, ds, (uint32_t)s->e[l][i] - 1, key,
			    level_bits[l]);
		return true;
	}
	return false;
}

/* A partial name (1-3 octets): is some address below it listed? */
static bool
ip4set_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct ip4set *s = ds->priv;
	unsigned l, plen;
	uint32_t lo, hi;

	if (!s || q->ip4_octets < 1 || q->ip4_octets > 3)
		return false;
	plen = q->ip4_octets * 8;
	lo = q->ip4 & ip4_mask(plen);
	hi = lo | ~ip4_mask(plen);
	for (l = 0; l < 4; l++) {
		size_t i, n = s->n[l];
		const uint64_t *e = s->e[l];
		uint64_t k;
		if (!n)
			continue;
		if (level_bits[l] <= plen) {
			/* a covering block: listed unless excluded */
			i = find(e, n, lo & ip4_mask(level_bits[l]));
			if (i != SIZE_MAX)
				return (uint32_t)e[i] != 0;
			continue;
		}
		/* first key >= lo, then any non-exclusion up to hi */
		k = (uint64_t)lo << 32;
		{
			size_t a = 0, b = n;
			while (a < b) {
				size_t m = a + (b - a) / 2;
				if (e[m] < k)
					a = m + 1;
				else
					b = m;
			}
			i = a;
		}
		for (; i < n && (uint32_t)(e[i] >> 32) <= hi; i++)
			if ((uint32_t)e[i] != 0)
				return true;
	}
	return false;
}

/* Dump walk (dump.c): every key of every level, exclusions included. */
static int
ip4set_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct ip4set *s = ds->priv;
	unsigned l;
	size_t i;
	int rc;

	for (l = 0; s && l < 4; l++)
		for (i = 0; i < s->n[l]; i++) {
			uint32_t a = (uint32_t)(s->e[l][i] >> 32);
			uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
			    (uint8_t)(a >> 8), (uint8_t)a };
			if ((rc = fn(4, b, level_bits[l], arg)) != 0)
				return rc;
		}
	return 0;
}

const struct ds_type ds_type_ip4set = {
	.name = "ip4set",
	.flags = DS_F_IP4,
	.start = ip4set_start,
	.line = ip4set_line,
	.finish = ip4set_finish,
	.query = ip4set_query,
	.exists_below = ip4set_exists_below,
	.free = ip4set_free,
	.walk = ip4set_walk,
};

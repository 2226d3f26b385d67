/* ds_ip6tset.c -- the ip6tset dataset type: IPv6 /64s (four groups) sharing
 * one dataset-wide value, with single-address (/128) exclusions. */
#include <stdlib.h>
#include <string.h>

#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"

struct a128 {
	uint64_t hi, lo;
};

struct ip6tset {
	uint64_t *a;            /* listed /64s */
	size_t n, cap;
	struct a128 *x;         /* excluded addresses */
	size_t nx, capx;
	uint32_t v;
};

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int
ip6tset_start(struct dataset *ds)
{
	struct ip6tset *s = calloc(1, sizeof(*s));
	if (!s)
		return DX_ENOMEM;
	s->v = UINT32_MAX;
	ds->priv = s;
	return 0;
}

static void
ip6tset_free(struct dataset *ds)
{
	struct ip6tset *s = ds->priv;
	free(s->a);
	free(s->x);
	free(s);
}

static int
grow(void **p, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *np;
	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	np = realloc(*p, ncap * elem);
	if (!np)
		return DX_ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
ip6tset_line(struct dataset *ds, struct ds_load *ld, char *line)
{
	struct ip6tset *s = ds->priv;
	uint8_t addr[16];
	const char *e;
	bool excl = false;
	int bits;

	if (*line == ':') {
		if (s->v == UINT32_MAX)
			return ds_default_line(ds, ld, line, &s->v);
		return 0;
	}
	if (*line == '!') {
		excl = true;
		line++;
		while (*line == ' ' || *line == '\t')
			line++;
	}
	bits = ip6_prefix(line, addr, &e);
	if (bits < 0 || (*e && *e != ' ' && *e != '\t' && *e != '#' &&
	    *e != ';' && *e != ':')) {
		ds_warn(ld, "invalid address");
		return 0;
	}
	if (bits != (excl ? 128 : 64)) {
		ds_warn(ld, "invalid address for %s (should be %d bits)",
		    excl ? "exclusion" : "regular entry", excl ? 128 : 64);
		return 0;
	}
	if (excl) {
		if (grow((void **)&s->x, &s->capx, s->nx, sizeof(*s->x)) < 0)
			return DX_ENOMEM;
		s->x[s->nx].hi = load64(addr);
		s->x[s->nx++].lo = load64(addr + 8);
	} else {
		if (grow((void **)&s->a, &s->cap, s->n, sizeof(*s->a)) < 0)
			return DX_ENOMEM;
		s->a[s->n++] = load64(addr);
		ds->nentries++;
	}
	return 0;
}

static int
cmp64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static int
cmp128(const void *x, const void *y)
{
	const struct a128 *a = x, *b = y;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static int
ip6tset_finish(struct dataset *ds, struct ds_load *ld)
{
	struct ip6tset *s = ds->priv;
	size_t i, n = 0;

	if (s->v == UINT32_MAX) {
		int rc = ds_value_intern(ds, &ds->cfg_deflt, &s->v);
		if (rc < 0)
			return rc;
	}
	if (s->n)                   /* qsort(NULL, 0) is undefined */
		qsort(s->a, s->n, sizeof(*s->a), cmp64);
	for (i = 0; i < s->n; i++)
		if (!n || s->a[n - 1] != s->a[i])
			s->a[n++] = s->a[i];
	s->n = n;
	if (s->nx)
		qsort(s->x, s->nx, sizeof(*s->x), cmp128);
	return 0;
}

static size_t
lower64(const uint64_t *a, size_t n, uint64_t k)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (a[m] < k)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

static bool
ip6tset_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct ip6tset *s = ds->priv;
	struct a128 k;
	size_t i;

	if (!s || q->ip6_nibbles != 32)
		return false;
	k.hi = load64(q->ip6);
	k.lo = load64(q->ip6 + 8);
	i = lower64(s->a, s->n, k.hi);
	if (i == s->n || s->a[i] != k.hi)
		return false;
	if (s->nx && bsearch(&k, s->x, s->nx, sizeof(k), cmp128))
		return false;
	{
		uint8_t p[16];
		memcpy(p, q->ip6, 8);
		memset(p + 8, 0, 8);
		ds_hit_add6(hits, ds, s->v, p, 64);
	}
	return true;
}

static bool
ip6tset_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct ip6tset *s = ds->priv;
	unsigned bits;
	uint64_t lo, hi, mask;
	size_t i;

	if (!s || q->ip6_nibbles < 1 || q->ip6_nibbles > 31)
		return false;
	bits = q->ip6_nibbles * 4;
	if (bits >= 64) {
		/* inside one /64: listed unless every address is excluded */
		i = lower64(s->a, s->n, load64(q->ip6));
		return i < s->n && s->a[i] == load64(q->ip6);
	}
	mask = ~(uint64_t)0 << (64 - bits);
	lo = load64(q->ip6) & mask;
	hi = lo | ~mask;
	i = lower64(s->a, s->n, lo);
	return i < s->n && s->a[i] <= hi;
}

/* Dump walk (dump.c): every /64 and every excluded address. */
static void
store64(uint64_t v, uint8_t *p)
{
	int i;
	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int
ip6tset_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct ip6tset *s = ds->priv;
	uint8_t b[16];
	size_t i;
	int rc;

	for (i = 0; s && i < s->n; i++) {
		memset(b, 0, sizeof(b));
		store64(s->a[i], b);
		if ((rc = fn(6, b, 64, arg)) != 0)
			return rc;
	}
	for (i = 0; s && i < s->nx; i++) {
		store64(s->x[i].hi, b);
		store64(s->x[i].lo, b + 8);
		if ((rc = fn(6, b, 128, arg)) != 0)
			return rc;
	}
	return 0;
}

const struct ds_type ds_type_ip6tset = {
	.name = "ip6tset",
	.flags = DS_F_IP6,
	.start = ip6tset_start,
	.line = ip6tset_line,
	.finish = ip6tset_finish,
	.query = ip6tset_query,
	.exists_below = ip6tset_exists_below,
	.free = ip6tset_free,
	.walk = ip6tset_walk,
};

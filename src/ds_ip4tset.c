/* ds_ip4tset.c -- the ip4tset dataset type: single IPv4 addresses sharing
 * one dataset-wide value (the first ":A:TXT" line of any file wins). */
#include <stdlib.h>
#include <string.h>

#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"

struct ip4tset {
	uint32_t *a;
	size_t n, cap;
	uint32_t v;             /* value index, UINT32_MAX until known */
};

static int
ip4tset_start(struct dataset *ds)
{
	struct ip4tset *s = calloc(1, sizeof(*s));
	if (!s)
		return DX_ENOMEM;
	s->v = UINT32_MAX;
	ds->priv = s;
	return 0;
}

static void
ip4tset_free(struct dataset *ds)
{
	struct ip4tset *s = ds->priv;
	free(s->a);
	free(s);
}

static int
ip4tset_line(struct dataset *ds, struct ds_load *ld, char *line)
{
	struct ip4tset *s = ds->priv;
	const char *e;
	uint32_t a;

	if (*line == ':') {
		if (s->v == UINT32_MAX)
			return ds_default_line(ds, ld, line, &s->v);
		return 0;
	}
	if (ip4_prefix(line, &a, &e) != 32 ||
	    (*e && *e != ' ' && *e != '\t' && *e != '#' && *e != ';' &&
	    *e != ':')) {
		ds_warn(ld, "invalid address");
		return 0;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint32_t *na = realloc(s->a, ncap * sizeof(*na));
		if (!na)
			return DX_ENOMEM;
		s->a = na;
		s->cap = ncap;
	}
	s->a[s->n++] = a;
	ds->nentries++;
	return 0;
}

static int
cmp32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

static int
ip4tset_finish(struct dataset *ds, struct ds_load *ld)
{
	struct ip4tset *s = ds->priv;
	size_t i, n = 0;

	if (s->v == UINT32_MAX) {
		int rc = ds_value_intern(ds, &ds->cfg_deflt, &s->v);
		if (rc < 0)
			return rc;
	}
	if (s->n)                   /* qsort(NULL, 0) is undefined */
		qsort(s->a, s->n, sizeof(uint32_t), cmp32);
	for (i = 0; i < s->n; i++)
		if (!n || s->a[n - 1] != s->a[i])
			s->a[n++] = s->a[i];
	s->n = n;
	return 0;
}

static size_t
lower(const uint32_t *a, size_t n, uint32_t k)
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
ip4tset_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct ip4tset *s = ds->priv;
	size_t i;

	if (!s || q->ip4_octets != 4)
		return false;
	i = lower(s->a, s->n, q->ip4);
	if (i == s->n || s->a[i] != q->ip4)
		return false;
	ds_hit_add4(hits, ds, s->v, q->ip4, 32);
	return true;
}

static bool
ip4tset_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct ip4tset *s = ds->priv;
	uint32_t lo, hi;
	size_t i;

	if (!s || q->ip4_octets < 1 || q->ip4_octets > 3)
		return false;
	lo = q->ip4 & ip4_mask(q->ip4_octets * 8);
	hi = lo | ~ip4_mask(q->ip4_octets * 8);
	i = lower(s->a, s->n, lo);
	return i < s->n && s->a[i] <= hi;
}

/* Dump walk (dump.c): every address. */
static int
ip4tset_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct ip4tset *s = ds->priv;
	size_t i;
	int rc;

	for (i = 0; s && i < s->n; i++) {
		uint32_t a = s->a[i];
		uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
		    (uint8_t)(a >> 8), (uint8_t)a };
		if ((rc = fn(4, b, 32, arg)) != 0)
			return rc;
	}
	return 0;
}

const struct ds_type ds_type_ip4tset = {
	.name = "ip4tset",
	.flags = DS_F_IP4,
	.start = ip4tset_start,
	.line = ip4tset_line,
	.finish = ip4tset_finish,
	.query = ip4tset_query,
	.exists_below = ip4tset_exists_below,
	.free = ip4tset_free,
	.walk = ip4tset_walk,
};

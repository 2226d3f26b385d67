/* ds_ip4trie.c -- the ip4trie dataset type: IPv4 CIDR prefixes with one
 * value each, true longest-prefix match (lpm.h), exclusions; and the trie
 * helpers ds_ip6trie.c shares (ds_trie_*). */
#include <stdlib.h>
#include <string.h>

#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"
#include "lpm.h"


/* One file's run of adds: tags base + 1 .. base + last line. */
struct ds_trie_seg {
	uint32_t base;
	const char *file;       /* arena copy: ld->file does not outlive the load */
};

static void trie_dup(const uint8_t *addr, unsigned plen, uint32_t tag,
    void *arg);

int
ds_trie_start(struct dataset *ds, int family)
{
	struct ds_iptrie *t = calloc(1, sizeof(*t));
	int rc;
	if (!t)
		return DX_ENOMEM;
	if ((rc = lpm_builder_new(family, &t->b)) < 0) {
		free(t);
		return rc;
	}
	/* No hash per add: repeats are found after the sort in lpm_build. */
	lpm_builder_defer_dups(t->b, trie_dup, t);
	t->ds = ds;
	ds->priv = t;
	return 0;
}

static int ip4trie_start(struct dataset *ds) { return ds_trie_start(ds, 4); }

void
ds_trie_free(struct dataset *ds)
{
	struct ds_iptrie *t = ds->priv;
	lpm_builder_free(t->b);
	lpm_free(t->m);
	free(t->seg);
	free(t->dups);
	free(t);
}

#define ISSP(c) ((c) == ' ' || (c) == '\t')
#define ENDOK(c) (!(c) || ISSP(c) || (c) == '#' || (c) == ';' || (c) == ':')

/* Common tail: value, then add to the builder. */
int
ds_trie_add(struct dataset *ds, struct ds_load *ld, char *s, bool excl,
    const uint8_t *addr, unsigned bits)
{
	struct ds_iptrie *t = ds->priv;
	uint32_t v;
	int rc;

	if (excl)
		v = LPM_NONE;
	else if ((rc = ds_entry_value(ds, ld, s, &v)) < 0)
		return rc == DX_EINVAL ? 0 : rc;
	if (t->nseg == 0 || t->curfile != ld->file) {
		if (t->nseg == t->capseg) {
			unsigned cap = t->capseg ? t->capseg * 2 : 4;
			struct ds_trie_seg *sg = realloc(t->seg, cap * sizeof(*sg));
			if (sg == NULL)
				return DX_ENOMEM;
			t->seg = sg;
			t->capseg = cap;
		}
		t->seg[t->nseg].base = t->next;
		t->seg[t->nseg].file = ld->file ?
		    ds_strdup(ds, ld->file, strlen(ld->file)) : NULL;
		if (ld->file && t->seg[t->nseg].file == NULL)
			return DX_ENOMEM;
		t->nseg++;
		t->curfile = ld->file;
	}
	uint32_t base = t->seg[t->nseg - 1].base;
	uint32_t tag = ld->line < UINT32_MAX - base ? base + ld->line : UINT32_MAX;
	if (tag != UINT32_MAX && tag >= t->next)
		t->next = tag + 1;
	if ((rc = lpm_builder_add_tag(t->b, addr, bits, v, tag)) < 0)
		return rc;
	ds->nentries++;
	return 0;
}

/* A repeated prefix, found by lpm_build. */
struct ds_trie_dup {
	uint32_t tag;
	uint8_t plen;
	uint8_t addr[16];
};

/* Warn at the repeat's file:line (as rbldnsd does while reading); the
 * first value stays. */
static void
trie_warn_dup(struct ds_iptrie *t, const struct ds_trie_dup *d)
{
	struct ds_load *ld = t->ld;
	const char *file = ld->file;
	unsigned line = ld->line;
	char buf[64];

	/* the last segment whose base is below tag */
	unsigned lo = 0, hi = t->nseg;
	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;
		if (t->seg[mid].base < d->tag)
			lo = mid;
		else
			hi = mid;
	}
	if (t->nseg && d->tag != UINT32_MAX) {
		ld->file = t->seg[lo].file;
		ld->line = d->tag - t->seg[lo].base;
	} else
		ld->line = 0;
	if (t->ds->type->flags & DS_F_IP4)
		ip4_format((uint32_t)d->addr[0] << 24 | (uint32_t)d->addr[1] << 16 |
		    (uint32_t)d->addr[2] << 8 | d->addr[3], buf);
	else
		ip6_format(d->addr, buf);
	ds_warn(ld, "duplicated entry for %s/%u", buf, d->plen);
	ld->file = file;
	ld->line = line;
}

/* lpm_build reports repeats in address order: keep them (a few bytes
 * each) to warn in file and line order afterwards. */
static void
trie_dup(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg)
{
	struct ds_iptrie *t = arg;
	struct ds_trie_dup d = { tag, (uint8_t)plen, { 0 } };

	if (t->ds->nentries)
		t->ds->nentries--;
	if (t->ld == NULL)
		return;
	memcpy(d.addr, addr, t->ds->type->flags & DS_F_IP4 ? 4 : 16);
	if (t->ndups == t->capdups) {
		size_t cap = t->capdups ? t->capdups * 2 : 64;
		struct ds_trie_dup *nd = realloc(t->dups, cap * sizeof(*nd));
		if (nd == NULL) {
			trie_warn_dup(t, &d);   /* out of order, but said */
			return;
		}
		t->dups = nd;
		t->capdups = cap;
	}
	t->dups[t->ndups++] = d;
}

static int
dup_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct ds_trie_dup *)a)->tag;
	uint32_t y = ((const struct ds_trie_dup *)b)->tag;
	return x < y ? -1 : x > y;
}

static int
ip4trie_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	uint8_t addr[4];
	uint32_t a;
	const char *e;
	bool excl = false;
	int bits;

	if (*s == ':')
		return ds_default_line(ds, ld, s, NULL);
	if (*s == '!') {
		excl = true;
		s++;
		while (ISSP(*s))
			s++;
	}
	bits = ip4_cidr(s, &a, &e);
	if (bits < 0 || !ENDOK(*e)) {
		ds_warn(ld, "invalid address");
		return 0;
	}
	if (ds->opts.allow_host_bits)
		a &= ip4_mask((unsigned)bits);
	else if (a & ~ip4_mask((unsigned)bits)) {
		ds_warn(ld, "invalid range (non-zero host part)");
		return 0;
	}
	if (ld->maxrange4 && ld->maxrange4 <= ~ip4_mask((unsigned)bits)) {
		ds_warn(ld, "too large range (%u) ignored (%u max)",
		    ~ip4_mask((unsigned)bits) + 1, ld->maxrange4);
		return 0;
	}
	addr[0] = (uint8_t)(a >> 24);
	addr[1] = (uint8_t)(a >> 16);
	addr[2] = (uint8_t)(a >> 8);
	addr[3] = (uint8_t)a;
	return ds_trie_add(ds, ld, (char *)(uintptr_t)e, excl, addr, (unsigned)bits);
}

int
ds_trie_finish(struct dataset *ds, struct ds_load *ld)
{
	struct ds_iptrie *t = ds->priv;
	t->ld = ld;
	int rc = lpm_build(t->b, &t->m);
	if (t->ndups)
		qsort(t->dups, t->ndups, sizeof(*t->dups), dup_cmp);
	for (size_t i = 0; i < t->ndups; i++)
		trie_warn_dup(t, &t->dups[i]);
	free(t->dups);
	t->dups = NULL;
	t->ndups = t->capdups = 0;
	t->ld = NULL;
	t->b = NULL;
	free(t->seg);
	t->seg = NULL;
	t->nseg = t->capseg = 0;
	return rc;
}

static bool
ip4trie_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct ds_iptrie *t = ds->priv;
	unsigned plen = 0;
	uint32_t v;

	if (!t || !t->m || q->ip4_octets != 4)
		return false;
	v = lpm_lookup4(t->m, q->ip4, &plen);
	if (v == LPM_NONE)
		return false;
	ds_hit_add4(hits, ds, v, q->ip4 & ip4_mask(plen), plen);
	return true;
}

static const struct lpm *
ip4trie_lpm4(const struct dataset *ds)
{
	const struct ds_iptrie *t = ds->priv;
	return t ? t->m : NULL;
}

static bool
ip4trie_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct ds_iptrie *t = ds->priv;
	uint8_t a[4];

	if (!t || !t->m || q->ip4_octets < 1 || q->ip4_octets > 3)
		return false;
	a[0] = (uint8_t)(q->ip4 >> 24);
	a[1] = (uint8_t)(q->ip4 >> 16);
	a[2] = (uint8_t)(q->ip4 >> 8);
	a[3] = (uint8_t)q->ip4;
	return lpm_any_within(t->m, a, q->ip4_octets * 8);
}

/* --- dump walk (dump.c): every prefix of the trie, exclusions included -- */

struct trie_walk {
	ds_walk_fn fn;
	void *arg;
	int family;
};

static int
trie_walk_one(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct trie_walk *w = arg;
	(void)value;
	return w->fn(w->family, addr, plen, w->arg);
}

int
ds_trie_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct ds_iptrie *t = ds->priv;
	struct trie_walk w;

	if (!t || !t->m)
		return 0;
	w.fn = fn;
	w.arg = arg;
	w.family = lpm_family(t->m);
	return lpm_walk(t->m, trie_walk_one, &w);
}

const struct ds_type ds_type_ip4trie = {
	.name = "ip4trie",
	.flags = DS_F_IP4,
	.start = ip4trie_start,
	.line = ip4trie_line,
	.finish = ds_trie_finish,
	.query = ip4trie_query,
	.lpm4 = ip4trie_lpm4,
	.exists_below = ip4trie_exists_below,
	.free = ds_trie_free,
	.walk = ds_trie_walk,
};

/* ds_combined.c -- the combined dataset type: one file holding several
 * nested datasets, each attached to subzones of the base zone, as rbldnsd's
 * combined.
 *
 *   $NS / $SOA / $TIMESTAMP        always the base zone's (common code)
 *   $TTL, $0-$9, $=                the current nested dataset's, or the
 *                                  common section's (inherited by the nested
 *                                  datasets started after them)
 *   $DATASET type[:name] sub... @  starts a nested dataset of any type but
 *                                  combined and acl; "@" is the base zone;
 *                                  it lasts to the next $DATASET or the end
 *                                  of the file
 *
 * A query picks the most specific subzone the name falls in, re-parses the
 * labels below that subzone (qname_parse) and asks the nested datasets of
 * that subzone in file order. A subzone apex always exists (NODATA when
 * nothing answers); names above subzones exist too (exists_below), which
 * is where this differs from rbldnsd (NXDOMAIN, see docs).
 *
 *   bl.example.com  (base)            key of a subzone: its labels in wire
 *     proxies        -> [ip4set]      form, leftmost first; subzones sorted
 *     @              -> [ip4set, generic]  by (length, bytes), found with
 *     www.x          -> [generic]          bsearch, longest suffix first
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "datafile.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"

struct cb_zone {
	const uint8_t *key;      /* labels, wire form, no root byte; "" = @ */
	uint8_t len, nlab;
	struct dataset **ds;     /* nested datasets, in file order */
	unsigned nds, capds;
};

struct cb_key {
	const uint8_t *key;
	uint8_t len;
};

struct combined {
	struct dataset **sets;   /* every nested dataset (owned) */
	unsigned nsets, capsets;
	struct cb_zone *zones;
	unsigned nzones, capzones;
	unsigned maxlab;
	struct cb_key *below;    /* names with a subzone strictly below */
	size_t nbelow;
	struct dataset *cur;     /* while loading: the current nested set */
};

static int
cb_keycmp(const uint8_t *ak, unsigned alen, const uint8_t *bk, unsigned blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen ? memcmp(ak, bk, alen) : 0;
}

static int
cb_zone_cmp(const void *pa, const void *pb)
{
	const struct cb_zone *a = pa, *b = pb;
	return cb_keycmp(a->key, a->len, b->key, b->len);
}

static int
cb_key_cmp(const void *pa, const void *pb)
{
	const struct cb_key *a = pa, *b = pb;
	return cb_keycmp(a->key, a->len, b->key, b->len);
}

static int
combined_start(struct dataset *ds)
{
	struct combined *c = calloc(1, sizeof(*c));
	if (!c)
		return DX_ENOMEM;
	ds->priv = c;
	return 0;
}

/* Finish the nested dataset being loaded, if any. */
static int
cb_end_current(struct combined *c, struct ds_load *ld)
{
	struct dataset *sub = c->cur;

	if (!sub)
		return 0;
	c->cur = NULL;
	ld->sub = NULL;
	return ds_end(sub, ld);
}

static int
cb_attach(struct dataset *ds, struct combined *c, const uint8_t *wire,
    unsigned len, struct dataset *sub)
{
	struct cb_zone *z = NULL;
	unsigned i, nlab = 0;

	for (i = 0; i < c->nzones; i++)
		if (cb_keycmp(c->zones[i].key, c->zones[i].len, wire, len) == 0) {
			z = &c->zones[i];
			break;
		}
	if (!z) {
		uint8_t *k = NULL;
		if (c->nzones == c->capzones) {
			unsigned ncap = c->capzones ? c->capzones * 2 : 8;
			struct cb_zone *nz = realloc(c->zones, ncap * sizeof(*nz));
			if (!nz)
				return DX_ENOMEM;
			c->zones = nz;
			c->capzones = ncap;
		}
		if (len && !(k = ds_alloc(ds, len)))
			return DX_ENOMEM;
		if (len)
			memcpy(k, wire, len);
		for (i = 0; i < len; i += wire[i] + 1u)
			nlab++;
		z = &c->zones[c->nzones++];
		memset(z, 0, sizeof(*z));
		z->key = k;
		z->len = (uint8_t)len;
		z->nlab = (uint8_t)nlab;
		if (nlab > c->maxlab)
			c->maxlab = nlab;
	}
	for (i = 0; i < z->nds; i++)
		if (z->ds[i] == sub)
			return 0;        /* "proxies proxies": once */
	if (z->nds == z->capds) {
		unsigned ncap = z->capds ? z->capds * 2 : 4;
		struct dataset **nd = realloc(z->ds, ncap * sizeof(*nd));
		if (!nd)
			return DX_ENOMEM;
		z->ds = nd;
		z->capds = ncap;
	}
	z->ds[z->nds++] = sub;
	return 0;
}

static int
cb_new_dataset(struct dataset *ds, struct ds_load *ld, char *typename,
    struct dataset **out)
{
	struct combined *c = ds->priv;
	const struct ds_type *t;
	struct ds_labels labels = ds->labels;
	struct dataset *sub;
	char *name, shortname[21];
	int rc;

	if ((name = strchr(typename, ':')))
		*name++ = '\0';
	t = ds_type_find(typename);
	if (!t) {
		ds_error(ld, "unknown dataset type `%.60s'", typename);
		return DX_EINVAL;
	}
	if (t == &ds_type_combined || t == &ds_type_acl) {
		ds_error(ld, "dataset type `%s' cannot be used inside `combined'",
		    typename);
		return DX_EINVAL;
	}
	if (name && *name) {
		/* rbldnsd keeps 20 characters of the name, for logs */
		snprintf(shortname, sizeof(shortname), "%s", name);
		labels.name = shortname;
	}
	if ((rc = dataset_new(t, NULL, 0, &labels, &sub)) < 0)
		return rc;
	if (c->nsets == c->capsets) {
		unsigned ncap = c->capsets ? c->capsets * 2 : 8;
		struct dataset **ns = realloc(c->sets, ncap * sizeof(*ns));
		if (!ns) {
			dataset_free(sub);
			return DX_ENOMEM;
		}
		c->sets = ns;
		c->capsets = ncap;
	}
	c->sets[c->nsets++] = sub;
	if ((rc = ds_begin(sub, &ds->opts)) < 0)
		return rc;
	/* rbldnsd: the nested set starts with the common section's $TTL and
	 * $n values (and cannot redefine those: first definition wins) */
	sub->ttl = ds->ttl;
	memcpy(sub->subst, ds->subst, sizeof(sub->subst));
	ds_reset_default(sub, ld);
	*out = sub;
	return 0;
}

/* "$DATASET type[:name] subzone... @" */
static int
cb_dataset_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	struct combined *c = ds->priv;
	struct dataset *sub;
	char *p, *tok, *save = NULL;
	unsigned nzones = 0;
	int rc;

	/* a comment starts at # or ; at the start or after a blank */
	for (p = s; *p; p++)
		if ((*p == '#' || *p == ';') &&
		    (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	if (!(tok = strtok_r(s, " \t", &save)))
		return 0;                /* "$DATASET" alone: warned, ignored */
	if ((rc = cb_end_current(c, ld)) < 0)
		return rc;
	if ((rc = cb_new_dataset(ds, ld, tok, &sub)) < 0)
		return rc;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		uint8_t wire[256];
		unsigned wlen;
		if (strcmp(tok, "@") == 0) {
			wlen = 1;
		} else if (!df_parse_dname(tok, wire, &wlen)) {
			ds_warn(ld, "invalid domain name `%.60s'", tok);
			continue;
		}
		if ((rc = cb_attach(ds, c, wire, wlen - 1, sub)) < 0)
			return rc;
		nzones++;
	}
	if (!nzones)
		ds_warn(ld, "no subzone(s) specified for dataset, data will be "
		    "ignored");
	c->cur = sub;
	ld->sub = sub;
	return 1;
}

/* Called by ds_special() for what it does not know: "$DATASET". ($TTL and
 * $n inside a section reach the nested dataset through ld->sub.) */
static int
combined_special(struct dataset *ds, struct ds_load *ld, char *kw)
{
	char *rest;

	if ((rest = df_keyword(kw, "dataset")))
		return cb_dataset_line(ds, ld, rest);
	return 0;
}

/* Only reached before the first $DATASET: later data lines go to ld->sub. */
static int
combined_line(struct dataset *ds, struct ds_load *ld, char *line)
{
	struct combined *c = ds->priv;

	if (!c->cur) {
		/* rbldnsd refuses the whole dataset here */
		ds_error(ld, "invalid/unrecognized entry - specify $DATASET line");
		return DX_EINVAL;
	}
	return c->cur->type->line(c->cur, ld, line);
}

static int
cb_collect_below(struct combined *c)
{
	size_t cap = 0, n = 0;
	struct cb_key *k = NULL;
	unsigned i;

	for (i = 0; i < c->nzones; i++) {
		const struct cb_zone *z = &c->zones[i];
		unsigned off;
		if (!z->len)
			continue;
		for (off = z->key[0] + 1u; ; off += z->key[off] + 1u) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct cb_key *nk = realloc(k, ncap * sizeof(*nk));
				if (!nk) {
					free(k);
					return DX_ENOMEM;
				}
				k = nk;
				cap = ncap;
			}
			k[n].key = z->key + off;
			k[n].len = (uint8_t)(z->len - off);
			n++;
			if (off >= z->len)
				break;
		}
	}
	if (n)
		qsort(k, n, sizeof(*k), cb_key_cmp);
	c->below = k;
	c->nbelow = n;
	return 0;
}

/* A section ends with its file (rbldnsd: data at the top of the next
 * file, before a $DATASET, is an error). */
static int
combined_file_end(struct dataset *ds, struct ds_load *ld)
{
	return cb_end_current(ds->priv, ld);
}

static int
combined_finish(struct dataset *ds, struct ds_load *ld)
{
	struct combined *c = ds->priv;
	unsigned i;
	int rc;

	if ((rc = cb_end_current(c, ld)) < 0)
		return rc;
	if (c->nzones)
		qsort(c->zones, c->nzones, sizeof(*c->zones), cb_zone_cmp);
	for (i = 0; i < c->nsets; i++)
		ds->nentries += c->sets[i]->nentries;
	return cb_collect_below(c);
}

/* The most specific subzone q falls in, and q re-parsed below it. */
static const struct cb_zone *
cb_find(const struct combined *c, const struct dx_qname *q,
    struct dx_qname *sq)
{
	uint8_t buf[256];
	unsigned off[DX_MAXLABELS + 1], pos = 0, i, nl;

	if (!c->nzones)
		return NULL;
	for (i = 0; i < q->nlabels; i++) {
		if (pos + 1u + q->len[i] > 254)
			return NULL;
		off[i] = pos;
		buf[pos++] = q->len[i];
		memcpy(buf + pos, q->label[i], q->len[i]);
		pos += q->len[i];
	}
	off[q->nlabels] = pos;
	nl = q->nlabels < c->maxlab ? q->nlabels : c->maxlab;
	for (;; nl--) {
		unsigned start = q->nlabels - nl;
		struct cb_zone key;
		const struct cb_zone *z;
		key.key = buf + off[start];
		key.len = (uint8_t)(pos - off[start]);
		z = bsearch(&key, c->zones, c->nzones, sizeof(key), cb_zone_cmp);
		if (z) {
			if (qname_parse(sq, start, q->label, q->len) < 0)
				return NULL;
			return z;
		}
		if (nl == 0)
			return NULL;
	}
}

static void
cb_mark(struct dx_hits *hits, unsigned from, unsigned qlabels)
{
	for (; from < hits->n; from++)
		if (!hits->hit[from].qlabels)
			hits->hit[from].qlabels = (uint8_t)(qlabels ? qlabels :
			    DX_QLABELS_APEX);
}

static bool
combined_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct combined *c = ds->priv;
	struct dx_qname sq;
	const struct cb_zone *z = cb_find(c, q, &sq);
	unsigned i, from = hits->n;
	bool found = false;

	if (!z)
		return false;
	for (i = 0; i < z->nds; i++)
		found |= dataset_query(z->ds[i], &sq, hits);
	cb_mark(hits, from, sq.nlabels);
	/* a subzone apex always exists */
	return found || sq.nlabels == 0;
}

bool
combined_query_acl(const struct dataset *ds, const struct dx_qname *q,
    const struct acl_verdict *v, struct dx_hits *hits, bool *acl_listed)
{
	const struct combined *c = ds->priv;
	struct dx_qname sq;
	const struct cb_zone *z = cb_find(c, q, &sq);
	unsigned i, from = hits->n;
	bool found = false;

	if (!z)
		return false;
	for (i = 0; i < z->nds; i++)
		found |= acl_dataset_query(z->ds[i], &sq, v, hits, acl_listed);
	cb_mark(hits, from, sq.nlabels);
	return found || sq.nlabels == 0;
}

static bool
combined_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct combined *c = ds->priv;
	struct dx_qname sq;
	const struct cb_zone *z;
	uint8_t buf[256];
	unsigned i, pos = 0;
	struct cb_key k;

	for (i = 0; i < q->nlabels; i++) {
		if (pos + 1u + q->len[i] > 254)
			return false;
		buf[pos++] = q->len[i];
		memcpy(buf + pos, q->label[i], q->len[i]);
		pos += q->len[i];
	}
	k.key = buf;
	k.len = (uint8_t)pos;
	if (c->nbelow && bsearch(&k, c->below, c->nbelow, sizeof(k), cb_key_cmp))
		return true;             /* a subzone lies below q */
	if (!(z = cb_find(c, q, &sq)))
		return false;
	for (i = 0; i < z->nds; i++)
		if (dataset_exists_below(z->ds[i], &sq))
			return true;
	return false;
}

/* Dump walk (dump.c): each subzone, then its nested datasets' walks; a
 * nested type without a walk cannot be rendered (DX_EINVAL). */
static int
combined_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct combined *c = ds->priv;
	uint8_t buf[256];
	int rc;

	for (unsigned i = 0; c && i < c->nzones; i++) {
		const struct cb_zone *z = &c->zones[i];
		if (z->len)
			memcpy(buf, z->key, z->len);
		buf[z->len] = 0;
		if ((rc = fn(DS_WALK_SUBZONE, buf, z->len + 1u, arg)) != 0)
			return rc;
		for (unsigned k = 0; k < z->nds; k++) {
			const struct ds_type *t = z->ds[k]->type;
			if (!t->walk)
				return DX_EINVAL;
			if ((rc = t->walk(z->ds[k], fn, arg)) != 0)
				return rc;
		}
	}
	return 0;
}

static void
combined_free(struct dataset *ds)
{
	struct combined *c = ds->priv;
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < c->nsets; i++)
		dataset_free(c->sets[i]);
	for (i = 0; i < c->nzones; i++)
		free(c->zones[i].ds);
	free(c->sets);
	free(c->zones);
	free(c->below);
	free(c);
	ds->priv = NULL;
}

const struct ds_type ds_type_combined = {
	.name = "combined",
	.flags = 0,
	.start = combined_start,
	.line = combined_line,
	.finish = combined_finish,
	.query = combined_query,
	.exists_below = combined_exists_below,
	.free = combined_free,
	.special = combined_special,
	.file_end = combined_file_end,
	.walk = combined_walk,
};

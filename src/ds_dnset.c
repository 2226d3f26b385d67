/* ds_dnset.c -- the dnset dataset type: domain names (not reversed), with
 * wildcards, exclusions and per-entry A+TXT values, as rbldnsd's dnset.
 *
 *   example.com     the name only          (plain array)
 *   *.example.com   names below it only    (wildcard array)
 *   .example.com    both                   (one entry in each array)
 *   !name           exclusion: a match on it answers "not listed"
 *
 * A query first looks for the whole name among plain entries; only when
 * the name is not there (not even as an exclusion) does it strip one label
 * at a time and look among wildcards, so the longest wildcard base wins.
 * Entries are kept as keys in wire label order (leftmost label first, no
 * root byte) in two arrays sorted by (length, bytes), searched by bisection
 * as rbldnsd does. Several values for one name all answer, in value order;
 * an exclusion for a name hides every value of that name in its array.
 */
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"

#define DN_EXCL UINT32_MAX

struct dn_ent {
	const uint8_t *key;      /* labels, wire form, no root byte */
	uint8_t len;             /* key length (1..254) */
	uint8_t nlab;
	uint32_t val;            /* value index, DN_EXCL for an exclusion */
	uint32_t seq;            /* input order, keeps the sort stable */
};

struct dn_arr {
	struct dn_ent *e;
	size_t n, cap;
	unsigned minlab, maxlab;
};

/* A name some positive entry lies strictly below (for exists_below). */
struct dn_key {
	const uint8_t *key;
	uint8_t len;
};

struct dnset {
	struct dn_arr plain, wild;
	struct dn_key *below;
	size_t nbelow;
	size_t npositive;
	uint32_t seq;
};

static int
dn_arr_add(struct dn_arr *a, const uint8_t *key, unsigned len, unsigned nlab,
    uint32_t val, uint32_t seq)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct dn_ent *ne = realloc(a->e, ncap * sizeof(*ne));
		if (!ne)
			return DX_ENOMEM;
		a->e = ne;
		a->cap = ncap;
	}
	a->e[a->n].key = key;
	a->e[a->n].len = (uint8_t)len;
	a->e[a->n].nlab = (uint8_t)nlab;
	a->e[a->n].val = val;
	a->e[a->n].seq = seq;
	a->n++;
	if (nlab > a->maxlab)
		a->maxlab = nlab;
	if (a->minlab == 0 || nlab < a->minlab)
		a->minlab = nlab;
	return 0;
}

static int
dn_keycmp(const uint8_t *ak, unsigned alen, const uint8_t *bk, unsigned blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen ? memcmp(ak, bk, alen) : 0;
}

/* Same name together; exclusion first (it hides the rest), then values in
 * interning order (rbldnsd orders by value address), then input order. */
static int
dn_ent_cmp(const void *pa, const void *pb)
{
	const struct dn_ent *a = pa, *b = pb;
	int r = dn_keycmp(a->key, a->len, b->key, b->len);
	if (r)
		return r;
	if (a->val != b->val) {
		if (a->val == DN_EXCL)
			return -1;
		if (b->val == DN_EXCL)
			return 1;
		return a->val < b->val ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
dn_key_cmp(const void *pa, const void *pb)
{
	const struct dn_key *a = pa, *b = pb;
	return dn_keycmp(a->key, a->len, b->key, b->len);
}

/* First entry with this key, or NULL. */
static const struct dn_ent *
dn_find(const struct dn_arr *a, const uint8_t *key, unsigned len)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = dn_keycmp(a->e[mid].key, a->e[mid].len, key, len);
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->n && dn_keycmp(a->e[lo].key, a->e[lo].len, key, len) == 0)
		return &a->e[lo];
	return NULL;
}

static int
dnset_start(struct dataset *ds)
{
	struct dnset *d = calloc(1, sizeof(*d));
	if (!d)
		return DX_ENOMEM;
	ds->priv = d;
	return 0;
}

static int
dnset_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	struct dnset *d = ds->priv;
	uint8_t wire[256];
	unsigned wlen, nlab = 0, i;
	bool neg = false, wild = false, plain = true;
	uint32_t val = DN_EXCL;
	uint8_t *key;
	int rc;

	if (*s == ':')
		return ds_default_line(ds, ld, s, NULL);
	if (*s == '!') {
		neg = true;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	if (s[0] == '.') {
		wild = true;
		s++;
	} else if (s[0] == '*' && s[1] == '.') {
		wild = true;
		plain = false;
		s += 2;
	}
	s = df_parse_dname(s, wire, &wlen);
	if (!s || wlen <= 1) {
		ds_warn(ld, "invalid domain name");
		return 0;
	}
	if (!neg) {
		if (*s == '\0' || *s == '#' || *s == ';')
			rc = ds_value_intern(ds, &ld->deflt, &val);
		else
			rc = ds_entry_value(ds, ld, s, &val);
		if (rc == DX_EINVAL)
			return 0;            /* reported; skip the line */
		if (rc < 0)
			return rc;
	}
	wlen--;                          /* drop the root label */
	for (i = 0; i < wlen; i += wire[i] + 1)
		nlab++;
	if (!(key = ds_alloc(ds, wlen)))
		return DX_ENOMEM;
	memcpy(key, wire, wlen);
	if (plain && (rc = dn_arr_add(&d->plain, key, wlen, nlab, val,
	    d->seq)) < 0)
		return rc;
	if (wild && (rc = dn_arr_add(&d->wild, key, wlen, nlab, val,
	    d->seq)) < 0)
		return rc;
	d->seq++;
	ds->nentries++;
	return 0;
}

static void
dn_arr_finish(struct dn_arr *a)
{
	size_t i, j;

	if (!a->n)
		return;
	qsort(a->e, a->n, sizeof(*a->e), dn_ent_cmp);
	/* the same name with the same value twice answers once */
	for (i = 1, j = 1; i < a->n; i++) {
		const struct dn_ent *p = &a->e[j - 1];
		if (dn_keycmp(p->key, p->len, a->e[i].key, a->e[i].len) == 0 &&
		    p->val == a->e[i].val)
			continue;
		a->e[j++] = a->e[i];
	}
	a->n = j;
}

/* Every name strictly above a positive plain entry, and every wildcard
 * base with the names above it: a query for one of them must not be told
 * the name does not exist (RFC 8020). Keys point into the entries. */
static int
dnset_collect_below(struct dnset *d)
{
	size_t cap = 0, n = 0;
	struct dn_key *k = NULL;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		const struct dn_arr *a = pass ? &d->wild : &d->plain;
		size_t i;
		for (i = 0; i < a->n; i++) {
			const struct dn_ent *e = &a->e[i];
			unsigned off = pass ? 0 : e->key[0] + 1u;
			if (e->val == DN_EXCL)
				continue;
			d->npositive++;
			for (; off < e->len; off += e->key[off] + 1u) {
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					struct dn_key *nk = realloc(k,
					    ncap * sizeof(*nk));
					if (!nk) {
						free(k);
						return DX_ENOMEM;
					}
					k = nk;
					cap = ncap;
				}
				k[n].key = e->key + off;
				k[n].len = (uint8_t)(e->len - off);
				n++;
			}
		}
	}
	if (n) {
		size_t i, j;
		qsort(k, n, sizeof(*k), dn_key_cmp);
		for (i = 1, j = 1; i < n; i++)
			if (dn_key_cmp(&k[j - 1], &k[i]) != 0)
				k[j++] = k[i];
		n = j;
	}
	d->below = k;
	d->nbelow = n;
	return 0;
}

static int
dnset_finish(struct dataset *ds, struct ds_load *ld)
{
	struct dnset *d = ds->priv;
	(void)ld;
	dn_arr_finish(&d->plain);
	dn_arr_finish(&d->wild);
	return dnset_collect_below(d);
}

/* q as one key (wire labels, leftmost first); off[i] is where label i
 * starts, so the key of the name below label i is buf + off[i]. Returns the
 * key length, or 0 when q is the apex or too long to be listed. */
static unsigned
dn_qkey(const struct dx_qname *q, uint8_t *buf, unsigned *off)
{
	unsigned i, pos = 0;

	for (i = 0; i < q->nlabels; i++) {
		if (pos + 1u + q->len[i] > 254)
			return 0;
		off[i] = pos;
		buf[pos++] = q->len[i];
		memcpy(buf + pos, q->label[i], q->len[i]);
		pos += q->len[i];
	}
	return pos;
}

static void
dn_add_hits(const struct dataset *ds, const struct dn_arr *a,
    const struct dn_ent *e, struct dx_hits *hits)
{
	const struct dn_ent *end = a->e + a->n;
	const uint8_t *key = e->key;
	unsigned len = e->len;

	for (; e < end && dn_keycmp(e->key, e->len, key, len) == 0; e++) {
		struct dx_hit *h;
		if (hits->n >= DX_MAXHITS)
			return;
		h = &hits->hit[hits->n++];
		memset(h, 0, sizeof(*h));
		h->ds = ds;
		h->val = ds_value(ds, e->val);
		/* the entry, for "$" (dnset_entry_text); family 0 = a name */
		memcpy(h->prefix, &e, sizeof(e));
	}
}

/* Most specific wildcard covering q (a base strictly above q), or NULL. */
static const struct dn_ent *
dn_find_wild(const struct dn_arr *w, const uint8_t *buf, unsigned klen,
    const unsigned *off, unsigned nlabels)
{
	unsigned i;

	if (!w->n)
		return NULL;
	for (i = 1; i < nlabels; i++) {
		unsigned nl = nlabels - i;
		const struct dn_ent *e;
		if (nl > w->maxlab)
			continue;
		if (nl < w->minlab)
			return NULL;
		if ((e = dn_find(w, buf + off[i], klen - off[i])))
			return e;
	}
	return NULL;
}

static bool
dnset_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct dnset *d = ds->priv;
	uint8_t buf[256];
	unsigned off[DX_MAXLABELS], klen;
	const struct dn_ent *e = NULL;
	const struct dn_arr *a = &d->plain;

	if (q->nlabels == 0 || !(klen = dn_qkey(q, buf, off)))
		return false;
	if (q->nlabels >= d->plain.minlab && q->nlabels <= d->plain.maxlab)
		e = dn_find(&d->plain, buf, klen);
	if (!e) {
		a = &d->wild;
		e = dn_find_wild(&d->wild, buf, klen, off, q->nlabels);
	}
	if (!e || e->val == DN_EXCL)
		return false;
	dn_add_hits(ds, a, e, hits);
	return true;
}

static bool
dnset_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct dnset *d = ds->priv;
	uint8_t buf[256];
	unsigned off[DX_MAXLABELS], klen;
	struct dn_key k;
	const struct dn_ent *e;

	if (q->nlabels == 0)
		return d->npositive > 0;
	if (!(klen = dn_qkey(q, buf, off)))
		return false;
	k.key = buf;
	k.len = (uint8_t)klen;
	if (d->nbelow && bsearch(&k, d->below, d->nbelow, sizeof(k),
	    dn_key_cmp))
		return true;
	/* below a wildcard: its children are listed even if q is excluded */
	e = dn_find_wild(&d->wild, buf, klen, off, q->nlabels);
	return e && e->val != DN_EXCL;
}

/* "$" is the listed entry: for a wildcard match its base, not the query
 * name (rbldnsd: dns_dntop of the entry). */
static int
dnset_entry_text(const struct dx_hit *hit, const struct dx_qname *q,
    char *out, size_t outlen)
{
	const struct dn_ent *e;
	size_t o = 0;
	unsigned i = 0;
	(void)q;

	memcpy(&e, hit->prefix, sizeof(e));
	if (!outlen)
		return 0;
	while (i < e->len) {
		unsigned l = e->key[i++], j;
		if (o && o + 1 < outlen)
			out[o++] = '.';
		for (j = 0; j < l; j++, i++) {
			uint8_t c = e->key[i];
			char tmp[5];
			size_t tl;
			if (c == '.' || c == '\\') {
				tmp[0] = '\\';
				tmp[1] = (char)c;
				tl = 2;
			} else if (c <= 0x20 || c >= 0x7f) {
				tmp[0] = '\\';
				tmp[1] = (char)('0' + c / 100);
				tmp[2] = (char)('0' + c / 10 % 10);
				tmp[3] = (char)('0' + c % 10);
				tl = 4;
			} else {
				tmp[0] = (char)c;
				tl = 1;
			}
			if (o + tl >= outlen)
				goto done;
			memcpy(out + o, tmp, tl);
			o += tl;
		}
	}
done:
	out[o] = '\0';
	return (int)o;
}

static void
dnset_free(struct dataset *ds)
{
	struct dnset *d = ds->priv;
	if (!d)
		return;
	free(d->plain.e);
	free(d->wild.e);
	free(d->below);
	free(d);
	ds->priv = NULL;
}

/* Dump walk (dump.c): every entry name (wildcards: their base). */
static int
dnset_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct dnset *d = ds->priv;
	const struct dn_arr *arr[2];
	uint8_t buf[256];
	int rc;

	if (!d)
		return 0;
	arr[0] = &d->plain;
	arr[1] = &d->wild;
	for (unsigned a = 0; a < 2; a++)
		for (size_t i = 0; i < arr[a]->n; i++) {
			const struct dn_ent *e = &arr[a]->e[i];
			if (e->len)
				memcpy(buf, e->key, e->len);
			buf[e->len] = 0;
			if ((rc = fn(0, buf, e->len + 1u, arg)) != 0)
				return rc;
		}
	return 0;
}

const struct ds_type ds_type_dnset = {
	.name = "dnset",
	.flags = DS_F_NAME,
	.start = dnset_start,
	.line = dnset_line,
	.finish = dnset_finish,
	.query = dnset_query,
	.exists_below = dnset_exists_below,
	.free = dnset_free,
	.entry_text = dnset_entry_text,
	.walk = dnset_walk,
};

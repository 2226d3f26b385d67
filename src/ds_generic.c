/* ds_generic.c -- the generic dataset type: rbldnsd's simplified bind-style
 * records "name [ttl] [IN] TYPE value", one per line, pre-encoded as rdata.
 *
 * As rbldnsd: names are relative to the zone ("@" is the apex) and
 * lowercased, values are absolute, no wildcards. Only A, TXT and MX are
 * accepted (the man page also names NS, rbldnsd 1.0 rejects it; AAAA is
 * rejected too): other types are "invalid/unrecognized entry" and skipped.
 * A bad TTL or a bad MX target name makes rbldnsd drop the whole dataset;
 * so does this file (DX_EINVAL). A query returns every record of the name
 * (the writer picks by type); records are grouped A, MX, TXT, as rbldnsd
 * orders an ANY answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/rr.h>

#include "datafile.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"

struct gen_rec {
	const uint8_t *key;      /* labels, wire form, no root byte */
	uint8_t len, nlab;
	uint8_t order;           /* A 0, MX 1, TXT 2 */
	uint32_t seq;
	struct dx_rr rr;
};

struct gen_name {
	const uint8_t *key;
	uint8_t len;
	uint32_t first, n;       /* records rr[first .. first+n) */
};

struct gen_key {
	const uint8_t *key;
	uint8_t len;
};

struct generic {
	struct gen_rec *rec;     /* while loading */
	size_t nrec, caprec;
	uint32_t seq;
	struct dx_rr *rr;        /* built by finish */
	struct gen_name *names;
	size_t nnames;
	struct gen_key *below;   /* names with some name strictly below */
	size_t nbelow;
	unsigned minlab, maxlab;
};

static int
gen_keycmp(const uint8_t *ak, unsigned alen, const uint8_t *bk, unsigned blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen ? memcmp(ak, bk, alen) : 0;
}

static int
gen_rec_cmp(const void *pa, const void *pb)
{
	const struct gen_rec *a = pa, *b = pb;
	int r = gen_keycmp(a->key, a->len, b->key, b->len);
	if (r)
		return r;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
gen_key_cmp(const void *pa, const void *pb)
{
	const struct gen_key *a = pa, *b = pb;
	return gen_keycmp(a->key, a->len, b->key, b->len);
}

static int
generic_start(struct dataset *ds)
{
	struct generic *g = calloc(1, sizeof(*g));
	if (!g)
		return DX_ENOMEM;
	ds->priv = g;
	return 0;
}

static char *
skip_blanks(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* rbldnsd's ip4addr(): inet_aton forms ("127.1" = 127.0.0.1, "1" =
 * 0.0.0.1); what follows the address is not checked. */
static bool
gen_parse_a(const char *s, uint8_t out[4])
{
	unsigned oct[4], n = 0;

	for (;;) {
		unsigned v = 0;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (v > 255)
				return false;
		}
		oct[n++] = v;
		if (n == 4 || *s != '.')
			break;
		s++;
	}
	memset(out, 0, 4);
	out[3] = (uint8_t)oct[n - 1];
	if (n >= 2)
		out[0] = (uint8_t)oct[0];
	if (n >= 3)
		out[1] = (uint8_t)oct[1];
	if (n == 4)
		out[2] = (uint8_t)oct[2];
	return true;
}

/* rbldnsd keeps the case of values (only keys are lowercased): put the
 * letters of the text back into the parsed wire name. Names with escapes
 * keep the parser's lowercase form. */
static void
gen_keep_case(uint8_t *wire, unsigned wlen, const char *text)
{
	unsigned k;

	if (strchr(text, '\\') || strlen(text) + 1 < wlen - 1)
		return;
	/* "MX.Example.COM" -> 2 M X 7 E x a ...: wire byte k is text[k-1] */
	for (k = 0; k + 1 < wlen; k += wire[k] + 1u) {
		unsigned j;
		for (j = 1; j <= wire[k]; j++)
			wire[k + j] = (uint8_t)text[k + j - 1];
	}
}

/* TTL as rbldnsd's parse_ttl(): 0 means the dataset's, then -t limits. */
static uint32_t
gen_ttl(const struct dataset *ds, uint32_t ttl)
{
	if (ttl == 0)
		return ds->ttl;
	if (ds->opts.ttl_min && ttl < ds->opts.ttl_min)
		return ds->opts.ttl_min;
	if (ds->opts.ttl_max && ttl > ds->opts.ttl_max)
		return ds->opts.ttl_max;
	return ttl;
}

static int
gen_add(struct dataset *ds, struct gen_rec *r, const uint8_t *wire,
    unsigned wlen, const uint8_t *rdata, unsigned rdlen)
{
	struct generic *g = ds->priv;
	uint8_t *k = NULL, *rd;

	if (wlen && !(k = ds_alloc(ds, wlen)))
		return DX_ENOMEM;
	if (wlen)
		memcpy(k, wire, wlen);
	if (!(rd = ds_alloc(ds, rdlen)))
		return DX_ENOMEM;
	memcpy(rd, rdata, rdlen);
	if (g->nrec == g->caprec) {
		size_t ncap = g->caprec ? g->caprec * 2 : 16;
		struct gen_rec *nr = realloc(g->rec, ncap * sizeof(*nr));
		if (!nr)
			return DX_ENOMEM;
		g->rec = nr;
		g->caprec = ncap;
	}
	r->key = k;
	r->len = (uint8_t)wlen;
	r->seq = g->seq++;
	r->rr.rdata = rd;
	r->rr.rdlen = (uint16_t)rdlen;
	g->rec[g->nrec++] = *r;
	ds->nentries++;
	return 0;
}

static int
generic_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	uint8_t wire[256], rdata[2 + 256];
	unsigned wlen = 0, rdlen, i;
	struct gen_rec r;
	uint32_t ttl = 0;
	char *type;

	memset(&r, 0, sizeof(r));
	if (s[0] == '@' && (s[1] == ' ' || s[1] == '\t')) {
		s = skip_blanks(s + 2);
	} else {
		s = df_parse_dname(s, wire, &wlen);
		if (!s || wlen <= 1)
			goto bad;
		wlen--;                  /* drop the root label */
	}
	for (i = 0; i < wlen; i += wire[i] + 1u)
		r.nlab++;
	if (*s >= '0' && *s <= '9') {
		if (!(s = df_parse_time(s, &ttl))) {
			ds_error(ld, "invalid TTL");
			return DX_EINVAL;
		}
		s = skip_blanks(s);
	}
	r.rr.ttl = gen_ttl(ds, ttl);
	if ((s[0] == 'i' || s[0] == 'I') && (s[1] == 'n' || s[1] == 'N') &&
	    (s[2] == ' ' || s[2] == '\t'))
		s = skip_blanks(s + 2);
	type = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (!*s)
		goto bad;                /* a type with no value */
	*s++ = '\0';
	s = skip_blanks(s);

	if (strcasecmp(type, "a") == 0) {
		if (!gen_parse_a(s, rdata))
			goto bad;
		r.rr.type = LDNS_RR_TYPE_A;
		r.order = 0;
		rdlen = 4;
	} else if (strcasecmp(type, "txt") == 0) {
		size_t l = strlen(s);
		if (l >= 2 && s[0] == '"' && s[l - 1] == '"') {
			s++;
			l -= 2;
		}
		if (l > 255) {
			ds_warn(ld, "TXT RR truncated to 255 bytes");
			l = 255;
		}
		rdata[0] = (uint8_t)l;
		memcpy(rdata + 1, s, l);
		r.rr.type = LDNS_RR_TYPE_TXT;
		r.order = 2;
		rdlen = (unsigned)l + 1;
	} else if (strcasecmp(type, "mx") == 0) {
		uint32_t pref;
		unsigned nlen;
		if (!(s = df_parse_uint32(s, &pref)) || pref > 65535)
			goto bad;
		char orig[256];
		size_t ol = strcspn(s, " \t");
		snprintf(orig, sizeof(orig), "%.*s", (int)ol, s);
		s = df_parse_dname(s, rdata + 2, &nlen);
		if (!s || *s) {
			ds_error(ld, "invalid MX target");
			return DX_EINVAL;
		}
		gen_keep_case(rdata + 2, nlen, orig);
		rdata[0] = (uint8_t)(pref >> 8);
		rdata[1] = (uint8_t)pref;
		r.rr.type = LDNS_RR_TYPE_MX;
		r.order = 1;
		rdlen = 2 + nlen;
	} else {
		goto bad;
	}
	return gen_add(ds, &r, wire, wlen, rdata, rdlen);
bad:
	ds_warn(ld, "invalid/unrecognized entry");
	return 0;
}

static int
gen_collect_below(struct generic *g)
{
	size_t cap = 0, n = 0, i;
	struct gen_key *k = NULL;

	for (i = 0; i < g->nnames; i++) {
		const struct gen_name *nm = &g->names[i];
		unsigned off;
		if (nm->len == 0)
			continue;
		/* the apex and every proper suffix have this name below */
		for (off = nm->key[0] + 1u; ; off += nm->key[off] + 1u) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct gen_key *nk = realloc(k, ncap * sizeof(*nk));
				if (!nk) {
					free(k);
					return DX_ENOMEM;
				}
				k = nk;
				cap = ncap;
			}
			k[n].key = nm->key + off;
			k[n].len = (uint8_t)(nm->len - off);
			n++;
			if (off >= nm->len)
				break;
		}
	}
	if (n) {
		size_t j;
		qsort(k, n, sizeof(*k), gen_key_cmp);
		for (i = 1, j = 1; i < n; i++)
			if (gen_key_cmp(&k[j - 1], &k[i]) != 0)
				k[j++] = k[i];
		n = j;
	}
	g->below = k;
	g->nbelow = n;
	return 0;
}

static int
generic_finish(struct dataset *ds, struct ds_load *ld)
{
	struct generic *g = ds->priv;
	size_t i;
	(void)ld;

	if (!g->nrec)
		return 0;
	qsort(g->rec, g->nrec, sizeof(*g->rec), gen_rec_cmp);
	if (!(g->rr = malloc(g->nrec * sizeof(*g->rr))) ||
	    !(g->names = malloc(g->nrec * sizeof(*g->names))))
		return DX_ENOMEM;
	g->minlab = UINT32_MAX;
	for (i = 0; i < g->nrec; i++) {
		const struct gen_rec *r = &g->rec[i];
		struct gen_name *last = g->nnames ? &g->names[g->nnames - 1] : NULL;
		g->rr[i] = r->rr;
		if (last && gen_keycmp(last->key, last->len, r->key, r->len) == 0) {
			last->n++;
			continue;
		}
		last = &g->names[g->nnames++];
		last->key = r->key;
		last->len = r->len;
		last->first = (uint32_t)i;
		last->n = 1;
		if (r->nlab < g->minlab)
			g->minlab = r->nlab;
		if (r->nlab > g->maxlab)
			g->maxlab = r->nlab;
	}
	free(g->rec);
	g->rec = NULL;
	g->nrec = g->caprec = 0;
	return gen_collect_below(g);
}

static unsigned
gen_qkey(const struct dx_qname *q, uint8_t *buf)
{
	unsigned i, pos = 0;

	for (i = 0; i < q->nlabels; i++) {
		if (pos + 1u + q->len[i] > 254)
			return UINT32_MAX;
		buf[pos++] = q->len[i];
		memcpy(buf + pos, q->label[i], q->len[i]);
		pos += q->len[i];
	}
	return pos;
}

static bool
generic_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct generic *g = ds->priv;
	uint8_t buf[256];
	unsigned len;
	size_t lo = 0, hi;
	const struct gen_name *nm;
	struct dx_hit *h;

	if (!g->nnames || q->nlabels < g->minlab || q->nlabels > g->maxlab)
		return false;
	if ((len = gen_qkey(q, buf)) == UINT32_MAX)
		return false;
	for (hi = g->nnames; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;
		if (gen_keycmp(g->names[mid].key, g->names[mid].len, buf,
		    len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= g->nnames ||
	    gen_keycmp(g->names[lo].key, g->names[lo].len, buf, len) != 0)
		return false;
	nm = &g->names[lo];
	if (hits->n >= DX_MAXHITS)
		return true;
	h = &hits->hit[hits->n++];
	memset(h, 0, sizeof(*h));
	h->ds = ds;
	h->rr = &g->rr[nm->first];
	h->nrr = nm->n;
	return true;
}

static bool
generic_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct generic *g = ds->priv;
	struct gen_key k;
	uint8_t buf[256];
	unsigned len;

	if (!g->nbelow || (len = gen_qkey(q, buf)) == UINT32_MAX)
		return false;
	k.key = buf;
	k.len = (uint8_t)len;
	return bsearch(&k, g->below, g->nbelow, sizeof(k), gen_key_cmp) != NULL;
}

static void
generic_free(struct dataset *ds)
{
	struct generic *g = ds->priv;
	if (!g)
		return;
	free(g->rec);
	free(g->rr);
	free(g->names);
	free(g->below);
	free(g);
	ds->priv = NULL;
}

/* Dump walk (dump.c): every name that has records. */
static int
generic_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct generic *g = ds->priv;
	uint8_t buf[256];
	int rc;

	for (size_t i = 0; g && i < g->nnames; i++) {
		if (g->names[i].len)    /* 0: the apex ("@") */
			memcpy(buf, g->names[i].key, g->names[i].len);
		buf[g->names[i].len] = 0;
		if ((rc = fn(0, buf, g->names[i].len + 1u, arg)) != 0)
			return rc;
	}
	return 0;
}

const struct ds_type ds_type_generic = {
	.name = "generic",
	.flags = DS_F_NAME | DS_F_NOSUBST,
	.start = generic_start,
	.line = generic_line,
	.finish = generic_finish,
	.query = generic_query,
	.exists_below = generic_exists_below,
	.free = generic_free,
	.walk = generic_walk,
};

/* dump.c -- render a zone as a BIND zone file that answers every address
 * exactly as zone_query() does.
 *
 * The reverse names of both families share one DNS tree below the apex:
 * IPv4 names are 4 decimal labels (octets), IPv6 names 32 hex labels
 * (nibbles), and a label "0".."9" is both. We walk that tree from the apex:
 *
 *   node X (depth d)     per family ("view") for which X is a name:
 *     |                    rep  = an address in X no deeper prefix covers
 *     |                    ans  = zone_query(rep): what the rest of X gets
 *     |                    touched children = those holding deeper prefixes
 *     +-- leaf (4 / 32 labels): explicit records when listed
 *     +-- touched children: rendered first, recursively
 *     +-- "*.X" with ans when: every interior view is listed with the same
 *         records, no TXT depends on the name ($), and every touched child
 *         emitted a name (an empty child would fall under *.X: RFC 4592)
 *     +-- otherwise, when some view is listed: every untouched child
 *         rendered on its own (so "*.3.2.1" appears beside "4.3.2.1")
 *
 * Prefixes come from each dataset's walk op; zone_query() is the oracle
 * for every answer, so the rendering inherits the trie's semantics (longest
 * prefix, exclusions, several datasets, RFC 5782 entries, IPv4-mapped and
 * 6to4 names) without re-implementing them. Names that are not addresses
 * (partial names such as 2.1.zone) may answer differently.
 */
#include "dump.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"
#include "snapshot.h"
#include "zone.h"

typedef unsigned __int128 u128;

struct pfx {
	u128 a;                 /* first address, right-aligned in B bits */
	unsigned plen;
};

struct view {                   /* one family's digit tree */
	unsigned W, D, B;       /* bits per label, labels, address bits */
	struct pfx *p;
	size_t n, cap;
};

struct rnd {
	const struct zone *z;
	const struct config *cfg;
	struct view v[2];       /* 0: IPv4, 1: IPv6 */
	struct dump_zone *dz;
	size_t limit;
	int err;
	uint8_t **names;        /* name datasets: relative wire names */
	size_t nnames, capnames;
	bool has_ip;            /* the zone has IP datasets */
};

#define MAXREC (2 * DX_MAXHITS)

struct ans {
	bool listed;
	bool namedep;           /* a TXT differs for another name */
	bool peraddr;           /* ... for the neighbour address: one name
	                         * per address is needed */
	unsigned n;
	char *rec[MAXREC];      /* "TTL\tIN\tTYPE\trdata", sorted */
};

/* --- output -------------------------------------------------------------- */

static int
push_line(struct rnd *r, const char *owner, const char *rec)
{
	struct dump_zone *dz = r->dz;
	size_t lo = strlen(owner), lr = strlen(rec);
	char *s;

	if (r->err)
		return r->err;
	if (dz->n >= r->limit)
		return r->err = DX_ERANGE;
	if (dz->n == dz->cap) {
		size_t nc = dz->cap ? dz->cap * 2 : 256;
		char **nl = realloc(dz->line, nc * sizeof(*nl));
		if (!nl)
			return r->err = DX_ENOMEM;
		dz->line = nl;
		dz->cap = nc;
	}
	if ((s = malloc(lo + lr + 2)) == NULL)
		return r->err = DX_ENOMEM;
	memcpy(s, owner, lo);
	s[lo] = '\t';
	memcpy(s + lo + 1, rec, lr + 1);
	dz->line[dz->n++] = s;
	if (owner[0] == '*')
		dz->wildcards++;
	return 0;
}

static void
emit(struct rnd *r, const char *owner, const struct ans *a)
{
	for (unsigned i = 0; i < a->n; i++)
		push_line(r, owner, a->rec[i]);
}

/* --- answers ------------------------------------------------------------- */

static void
ans_free(struct ans *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->rec[i]);
	a->n = 0;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool
ans_same(const struct ans *a, const struct ans *b)
{
	if (a->listed != b->listed || a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (strcmp(a->rec[i], b->rec[i]) != 0)
			return false;
	return true;
}

/* A TXT record as zone file text: 255-byte strings, escaped. */
static void
txt_text(const char *t, size_t len, char *out, size_t cap)
{
	size_t o = 0, i;

	for (i = 0; i < len || i == 0; i++) {
		unsigned char c = i < len ? (unsigned char)t[i] : 0;
		if (o + 8 >= cap)
			break;
		if (i % 255 == 0) {
			if (i)
				out[o++] = '"', out[o++] = ' ';
			out[o++] = '"';
		}
		if (i >= len)
			break;
		if (c == '"' || c == '\\')
			out[o++] = '\\', out[o++] = (char)c;
		else if (c < 32 || c > 126)
			o += (size_t)snprintf(out + o, cap - o, "\\%03u", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static char *wire_text(const uint8_t *w);

/* A generic record (A, MX, TXT: what ds_generic.c accepts) as text. */
static int
rr_text(const struct dx_rr *rr, char *out, size_t cap)
{
	const uint8_t *p = rr->rdata;
	size_t o = (size_t)snprintf(out, cap, "%u\tIN\t", rr->ttl);
	char esc[1100];

	if (rr->type == 1 && rr->rdlen == 4) {
		snprintf(out + o, cap - o, "A\t%u.%u.%u.%u", p[0], p[1], p[2],
		    p[3]);
		return 0;
	}
	if (rr->type == 15 && rr->rdlen >= 3) {
		char *n = wire_text(p + 2);
		if (!n)
			return DX_ENOMEM;
		snprintf(out + o, cap - o, "MX\t%u %s", (unsigned)(p[0] << 8 |
		    p[1]), n);
		free(n);
		return 0;
	}
	if (rr->type == 16) {
		o += (size_t)snprintf(out + o, cap - o, "TXT\t");
		for (unsigned i = 0; i < rr->rdlen; ) {
			unsigned l = p[i++];
			if (i + l > rr->rdlen)
				return DX_EINVAL;
			txt_text((const char *)p + i, l, esc, sizeof(esc));
			o += (size_t)snprintf(out + o, cap - o, "%s%s",
			    o && out[o - 1] != '\t' ? " " : "", esc);
			if (o >= cap)
				return DX_EINVAL;
			i += l;
		}
		return 0;
	}
	return DX_EINVAL;
}

static uint32_t
hit_ttl(const struct rnd *r, const struct dx_hit *h)
{
	if (h->ds)
		return dataset_ttl(h->ds);
	return r->cfg ? r->cfg->ttl_default : 2100;
}

static int
add_rec(struct ans *a, const char *rec)
{
	for (unsigned i = 0; i < a->n; i++)
		if (strcmp(a->rec[i], rec) == 0)
			return 0;
	if (a->n == MAXREC)
		return 0;
	if ((a->rec[a->n] = strdup(rec)) == NULL)
		return DX_ENOMEM;
	a->n++;
	return 0;
}

/* The records query.c writes for hits at q (A deduplicated by address,
 * TXT by content), as strings. */
static int
hits_recs(struct rnd *r, const struct dx_hits *h, const struct dx_qname *q,
    struct ans *a)
{
	char txt[1024], esc[4400], rec[4500], ip[INET_ADDRSTRLEN];
	unsigned i;
	int len, rc;

	for (i = 0; i < h->n; i++) {
		const struct dx_hit *hit = &h->hit[i];
		for (unsigned j = 0; hit->rr && j < hit->nrr; j++) {
			if (rr_text(&hit->rr[j], rec, sizeof(rec)) < 0)
				return DX_EINVAL;
			if ((rc = add_rec(a, rec)) < 0)
				return rc;
		}
		if (!hit->val)
			continue;
		inet_ntop(AF_INET, &hit->val->a, ip, sizeof(ip));
		snprintf(rec, sizeof(rec), "%u\tIN\tA\t%s", hit_ttl(r, hit), ip);
		if ((rc = add_rec(a, rec)) < 0)
			return rc;
		if (!hit->val->txt)
			continue;
		len = dataset_txt_expand(hit, q, txt, sizeof(txt));
		if (len < 0)
			continue;
		if ((size_t)len >= sizeof(txt))
			len = (int)sizeof(txt) - 1;
		txt_text(txt, (size_t)len, esc, sizeof(esc));
		snprintf(rec, sizeof(rec), "%u\tIN\tTXT\t%s", hit_ttl(r, hit),
		    esc);
		if ((rc = add_rec(a, rec)) < 0)
			return rc;
	}
	qsort(a->rec, a->n, sizeof(a->rec[0]), cmp_str);
	return 0;
}

/* The reverse name of address x in view vi as a dx_qname. */
static void
addr_qname(const struct view *V, u128 x, struct dx_qname *q, char *buf)
{
	const uint8_t *lab[32];
	uint8_t len[32];
	unsigned i, o = 0;

	for (i = 0; i < V->D; i++) {
		unsigned dig = (unsigned)(x >> (V->W * i)) &
		    ((1u << V->W) - 1);
		int n = V->W == 8 ? snprintf(buf + o, 4, "%u", dig) :
		    snprintf(buf + o, 2, "%x", dig);
		lab[i] = (const uint8_t *)buf + o;
		len[i] = (uint8_t)n;
		o += (unsigned)n;
	}
	qname_parse(q, V->D, lab, len);
}

/* What zone_query() answers for address x; with check, whether a TXT
 * would read differently at another address of the node: x ^ 1 changes
 * the address "$" shows (IPv4, IPv6, IPv4-mapped), x ^ 2^80 the IPv4
 * address inside a 6to4 name, when the node spans that bit. */
static int
answer(struct rnd *r, const struct view *V, u128 x, bool check,
    unsigned hostbits, struct ans *a)
{
	struct dx_qname q, q2;
	struct dx_hits hits;
	char buf[128], buf2[128];
	int rc;

	memset(a, 0, sizeof(*a));
	addr_qname(V, x, &q, buf);
	if (zone_query(r->z, &q, &hits) != ZONE_FOUND)
		return 0;
	a->listed = true;
	if ((rc = hits_recs(r, &hits, &q, a)) < 0)
		return rc;
	if (check) {
		struct ans b;
		for (unsigned k = 0; k < 2 && !a->namedep; k++) {
			unsigned bit = k ? 80 : 0;
			if (bit >= hostbits)
				break;
			memset(&b, 0, sizeof(b));
			b.listed = true;
			addr_qname(V, x ^ ((u128)1 << bit), &q2, buf2);
			rc = hits_recs(r, &hits, &q2, &b);
			a->namedep = rc == 0 && !ans_same(a, &b);
			a->peraddr = a->namedep && k == 0;
			ans_free(&b);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* --- the tree ------------------------------------------------------------ */

struct nview {
	bool on;                /* the node is a name of this family */
	u128 a;                 /* its first address */
	size_t lo, hi;          /* prefixes starting inside it */
};

static unsigned
digit(const struct view *V, u128 a, unsigned d)
{
	return (unsigned)(a >> (V->B - V->W * (d + 1))) & ((1u << V->W) - 1);
}

static u128
span(const struct view *V, unsigned plen)
{
	return V->B - plen >= 128 ? ~(u128)0 : (((u128)1 << (V->B - plen)) - 1);
}

/* First address in node (a, depth d) that no prefix longer than the node
 * covers; false when there is none. */
static bool
first_free(const struct view *V, const struct nview *nv, unsigned d,
    u128 *out)
{
	u128 x = nv->a, end = nv->a + span(V, V->W * d);

	for (size_t i = nv->lo; i < nv->hi; i++) {
		const struct pfx *p = &V->p[i];
		if (p->plen <= V->W * d)
			continue;
		if (p->a > x)
			break;
		u128 pend = p->a + span(V, p->plen);
		if (pend >= x) {
			if (pend >= end)
				return false;
			x = pend + 1;
		}
	}
	*out = x;
	return true;
}

static bool node(struct rnd *r, const char *path, unsigned d,
    struct nview nv[2]);

/* Render child label c (decimal for IPv4, hex in IPv6-only labels). */
static bool
child(struct rnd *r, const char *path, unsigned d, const struct nview nv[2],
    const size_t *b[2], unsigned c, bool v4, bool v6)
{
	struct nview cv[2];
	char cpath[160];
	int vi;

	memset(cv, 0, sizeof(cv));
	for (vi = 0; vi < 2; vi++) {
		const struct view *V = &r->v[vi];
		if (!(vi == 0 ? v4 : v6))
			continue;
		cv[vi].on = true;
		cv[vi].a = nv[vi].a +
		    ((u128)c << (V->B - V->W * (d + 1)));
		cv[vi].lo = b[vi][c];
		cv[vi].hi = b[vi][c + 1];
	}
	snprintf(cpath, sizeof(cpath), v4 || c < 10 ? "%u%s%s" : "%x%s%s", c,
	    path[0] ? "." : "", path);
	return node(r, cpath, d + 1, cv);
}

static bool
node(struct rnd *r, const char *path, unsigned d, struct nview nv[2])
{
	struct ans an[2];
	bool interior[2] = { false, false }, emitted = false;
	bool t4[256], t6[16], *touched[2] = { t4, t6 };
	size_t b4[257], b6[17];
	const size_t *b[2] = { b4, b6 };
	bool anylisted = false, wild = true, bad = false;
	char owner[170];
	int vi;
	unsigned c;

	memset(an, 0, sizeof(an));
	memset(t4, 0, sizeof(t4));
	memset(t6, 0, sizeof(t6));
	for (vi = 0; vi < 2 && !r->err; vi++) {
		const struct view *V = &r->v[vi];
		size_t *bb = vi == 0 ? b4 : b6, i;
		u128 rep;
		int rc;

		if (!nv[vi].on)
			continue;
		if (first_free(V, &nv[vi], d, &rep) &&
		    (rc = answer(r, V, rep, d < V->D, V->B - V->W * d,
		    &an[vi])) < 0) {
			r->err = rc;
			break;
		}
		if (d == V->D) {
			if (an[vi].listed) {
				emit(r, path, &an[vi]);
				emitted = true;
			}
			continue;
		}
		interior[vi] = true;
		/* children holding deeper prefixes; each child's slice */
		unsigned nch = 1u << V->W;
		for (c = 0, i = nv[vi].lo; c <= nch; c++) {
			while (i < nv[vi].hi && digit(V, V->p[i].a, d) < c)
				i++;
			bb[c] = c == nch ? nv[vi].hi : i;
		}
		for (i = nv[vi].lo; i < nv[vi].hi; i++) {
			const struct pfx *p = &V->p[i];
			unsigned dg = digit(V, p->a, d), k, cnt = 1;
			if (p->plen <= V->W * d)
				continue;
			if (p->plen < V->W * (d + 1))
				cnt = 1u << (V->W * (d + 1) - p->plen);
			for (k = 0; k < cnt && dg + k < nch; k++)
				touched[vi][dg + k] = true;
		}
		if (an[vi].listed)
			anylisted = true;
		else
			wild = false;
		if (an[vi].namedep)
			wild = false;
		/* fail fast: one name per address of a big block */
		if (an[vi].peraddr && (V->B - V->W * d >= 63 ||
		    ((size_t)1 << (V->B - V->W * d)) > r->limit)) {
			r->err = DX_ERANGE;
			break;
		}
	}
	if (r->err)
		goto out;
	if (interior[0] && interior[1] && !ans_same(&an[0], &an[1]))
		wild = false;

	if (!interior[0] && !interior[1])
		goto out;

	/* Child labels: "0".."255" (IPv4; "0".."9" are IPv6 nibbles too) and
	 * "a".."f" (IPv6 only). Touched children first. */
	for (c = 0; c < 262 && !r->err; c++) {
		unsigned lab = c < 256 ? c : c - 246;
		bool v4 = c < 256 && interior[0];
		bool v6 = interior[1] && (c < 10 || c >= 256);
		if ((v4 && t4[lab]) || (v6 && t6[lab])) {
			if (child(r, path, d, nv, b, lab, v4, v6))
				emitted = true;
			else
				bad = true;
		}
	}
	if (!anylisted || r->err)
		goto out;
	if (wild && !bad) {
		snprintf(owner, sizeof(owner), "*%s%s", path[0] ? "." : "",
		    path);
		emit(r, owner, interior[0] ? &an[0] : &an[1]);
		emitted = true;
		goto out;
	}
	/* no wildcard here: every untouched child with a listed view */
	for (c = 0; c < 262 && !r->err; c++) {
		unsigned lab = c < 256 ? c : c - 246;
		bool v4 = c < 256 && interior[0];
		bool v6 = interior[1] && (c < 10 || c >= 256);
		if ((v4 && t4[lab]) || (v6 && t6[lab]))
			continue;
		if ((v4 && an[0].listed) || (v6 && an[1].listed))
			if (child(r, path, d, nv, b, lab, v4, v6))
				emitted = true;
	}
out:
	ans_free(&an[0]);
	ans_free(&an[1]);
	return emitted;
}

/* --- names (dnset, generic) ---------------------------------------------
 * Every entry name and each of its ancestors is a node. A node gets the
 * records of its own name, and "*.node" with what any other name below it
 * answers (the nearest dnset wildcard above, found by asking zone_query()
 * for a label no entry has). Every node has its own wildcard, so a name
 * never hides its parent's wildcard (the empty non-terminal case). */

static size_t
wlen(const uint8_t *w)
{
	size_t i = 0;
	while (w[i])
		i += w[i] + 1u;
	return i + 1;
}

static int
cmp_wire(const void *x, const void *y)
{
	const uint8_t *a = *(const uint8_t *const *)x;
	const uint8_t *b = *(const uint8_t *const *)y;
	size_t la = wlen(a), lb = wlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

static void
wire_qname(const uint8_t *w, struct dx_qname *q)
{
	const uint8_t *lab[DX_MAXLABELS];
	uint8_t len[DX_MAXLABELS];
	unsigned n = 0;

	for (size_t i = 0; w[i] && n < DX_MAXLABELS; i += w[i] + 1u) {
		lab[n] = w + i + 1;
		len[n++] = w[i];
	}
	qname_parse(q, n, lab, len);
}

/* Answer for the relative wire name w (check: and whether w2 reads
 * differently). */
static int
answer_name(struct rnd *r, const uint8_t *w, const uint8_t *w2,
    struct ans *a)
{
	struct dx_qname q, q2;
	struct dx_hits hits;
	int rc;

	memset(a, 0, sizeof(*a));
	wire_qname(w, &q);
	if (zone_query(r->z, &q, &hits) != ZONE_FOUND)
		return 0;
	a->listed = true;
	if ((rc = hits_recs(r, &hits, &q, a)) < 0 || !w2)
		return rc;
	struct ans b;
	memset(&b, 0, sizeof(b));
	b.listed = true;
	wire_qname(w2, &q2);
	rc = hits_recs(r, &hits, &q2, &b);
	a->namedep = rc == 0 && !ans_same(a, &b);
	ans_free(&b);
	return rc;
}

/* Is the label closest to the apex of w one an IP tree uses too? */
static bool
ip_like(const uint8_t *w)
{
	size_t i = 0, last = 0;
	while (w[i]) {
		last = i;
		i += w[i] + 1u;
	}
	if (i == 0)
		return false;
	unsigned l = w[last], v = 0;
	const uint8_t *p = w + last + 1;
	if (l == 1 && ((p[0] >= '0' && p[0] <= '9') ||
	    (p[0] >= 'a' && p[0] <= 'f')))
		return true;
	for (unsigned k = 0; k < l; k++) {
		if (p[k] < '0' || p[k] > '9')
			return false;
		v = v * 10 + (unsigned)(p[k] - '0');
	}
	return l <= 3 && v <= 255;
}

#define NF_EMITTED 1    /* records at the node or its wildcard */
#define NF_WILD    2    /* "*.node" written */
#define NF_DNSXL   4    /* zone_query: the name exists (listed or NODATA) */
#define NF_EXISTS  8    /* the name exists in the zone file */

static size_t
node_find(const uint8_t *const *nodes, size_t n, const uint8_t *w)
{
	const uint8_t *const *hit = bsearch(&w, nodes, n, sizeof(*nodes),
	    cmp_wire);
	return hit ? (size_t)(hit - nodes) : SIZE_MAX;
}

static unsigned
nlabels(const uint8_t *w)
{
	unsigned k = 0;
	for (size_t i = 0; w[i]; i += w[i] + 1u)
		k++;
	return k;
}

/* A name the zone file would not otherwise hold, although it must exist:
 * dnsxld says NODATA for it (an excluded entry), or a wildcard above it
 * would answer for it and the names below it, which dnsxld does not list
 * (an excluded wildcard under a listed one). One record of a private type
 * (RFC 6895 65534) makes it exist; its A and TXT answers stay empty. */
static int
placeholders(struct rnd *r, const uint8_t **nodes, size_t n, uint8_t *flag)
{
	size_t *ord = malloc((n ? n : 1) * sizeof(*ord)), i, k;
	char rec[64];
	int rc = 0;

	if (!ord)
		return DX_ENOMEM;
	for (i = 0; i < n; i++) {
		ord[i] = i;
		if (!(flag[i] & NF_EMITTED))
			continue;
		for (const uint8_t *w = nodes[i];; w += w[0] + 1u) {
			if ((k = node_find(nodes, n, w)) != SIZE_MAX)
				flag[k] |= NF_EXISTS;
			if (!w[0])
				break;
		}
	}
	/* closest to the apex first: a placeholder changes what is below */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && nlabels(nodes[ord[k - 1]]) >
		    nlabels(nodes[ord[k]]); k--) {
			size_t t = ord[k];
			ord[k] = ord[k - 1];
			ord[k - 1] = t;
		}
	snprintf(rec, sizeof(rec), "%u\tIN\tTYPE65534\t\\# 0",
	    r->cfg ? r->cfg->ttl_default : 2100);
	for (i = 0; i < n && rc == 0; i++) {
		size_t j = ord[i], e = SIZE_MAX;
		const uint8_t *w = nodes[j];
		if (!w[0] || (flag[j] & NF_EXISTS))
			continue;
		/* the closest existing ancestor (the apex at worst) */
		for (const uint8_t *p = w + w[0] + 1u;; p += p[0] + 1u) {
			k = node_find(nodes, n, p);
			if ((k != SIZE_MAX && (flag[k] & NF_EXISTS)) || !p[0]) {
				e = k;
				break;
			}
		}
		if (!(flag[j] & NF_DNSXL) &&
		    !(e != SIZE_MAX && (flag[e] & NF_WILD)))
			continue;
		char *t = wire_text(w);
		if (!t)
			return DX_ENOMEM;
		t[strlen(t) - 1] = '\0';
		rc = push_line(r, t, rec);
		free(t);
		for (const uint8_t *p = w;; p += p[0] + 1u) {
			if ((k = node_find(nodes, n, p)) != SIZE_MAX)
				flag[k] |= NF_EXISTS;
			if (!p[0])
				break;
		}
	}
	free(ord);
	return rc;
}

static int
names_render(struct rnd *r, struct diag *d)
{
	size_t n = 0, cap = 0, i;
	const uint8_t **nodes = NULL;
	bool ip_tree = r->v[0].n || r->v[1].n;
	int rc = 0;

	for (i = 0; i < r->nnames; i++)
		for (size_t o = 0;; o += r->names[i][o] + 1u) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				const uint8_t **nn = realloc(nodes,
				    cap * sizeof(*nn));
				if (!nn) {
					free(nodes);
					return DX_ENOMEM;
				}
				nodes = nn;
			}
			nodes[n++] = r->names[i] + o;
			if (r->names[i][o] == 0)
				break;
		}
	qsort(nodes, n, sizeof(*nodes), cmp_wire);
	{
		size_t k = 0;
		for (size_t j = 0; j < n; j++)
			if (k == 0 || cmp_wire(&nodes[k - 1], &nodes[j]) != 0)
				nodes[k++] = nodes[j];
		n = k;
	}
	uint8_t *flag = calloc(n ? n : 1, 1);
	if (!flag) {
		free(nodes);
		return DX_ENOMEM;
	}
	for (i = 0; i < n && !r->err; i++) {
		const uint8_t *w = nodes[i];
		uint8_t rep[2][300];
		struct ans a;
		char *t = wire_text(w), owner[1200];
		if (!t) {
			rc = DX_ENOMEM;
			break;
		}
		size_t tl = strlen(t);
		if (tl > 0 && t[tl - 1] == '.')
			t[--tl] = '\0';            /* relative */
		if (ip_tree && ip_like(w)) {
			diag_error(d, NULL, 0, "zone %s: name %s collides with "
			    "reverse IP names; cannot be rendered",
			    zone_name(r->z), t);
			free(t);
			rc = DX_EINVAL;
			break;
		}
		if (w[0] && (rc = answer_name(r, w, NULL, &a)) == 0) {
			struct dx_qname q;
			struct dx_hits hits;
			emit(r, t, &a);
			if (a.n)
				flag[i] |= NF_EMITTED;
			wire_qname(w, &q);
			if (zone_query(r->z, &q, &hits) != ZONE_NXDOMAIN)
				flag[i] |= NF_DNSXL;
			ans_free(&a);
		}
		/* what any other name below w answers: a label no node has */
		for (unsigned v = 0; v < 2 && rc == 0; v++) {
			const uint8_t **hit;
			unsigned len = 1 + v;
			do {
				/* "-", "--", ... and "-x", "-xx", ... */
				rep[v][0] = (uint8_t)len;
				memset(rep[v] + 1, v ? 'x' : '-', len);
				rep[v][1] = '-';
				memcpy(rep[v] + 1 + len, w, wlen(w));
				const uint8_t *key = rep[v];
				hit = bsearch(&key, nodes, n, sizeof(*nodes),
				    cmp_wire);
				len++;
			} while (hit && len < 60);
		}
		if (rc == 0 && (rc = answer_name(r, rep[0], rep[1], &a)) == 0) {
			if (a.listed && a.namedep) {
				diag_error(d, NULL, 0, "zone %s: a TXT below %s "
				    "depends on the queried name; cannot be "
				    "rendered", zone_name(r->z), w[0] ? t : "@");
				rc = DX_EINVAL;
			} else if (a.listed && !w[0] && ip_tree) {
				diag_error(d, NULL, 0, "zone %s: a wildcard at "
				    "the apex would answer reverse IP names; "
				    "cannot be rendered", zone_name(r->z));
				rc = DX_EINVAL;
			} else if (a.listed) {
				snprintf(owner, sizeof(owner), "*%s%s",
				    w[0] ? "." : "", t);
				emit(r, owner, &a);
				flag[i] |= NF_EMITTED | NF_WILD;
			}
			ans_free(&a);
		}
		free(t);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !r->err)
		rc = placeholders(r, nodes, n, flag);
	free(flag);
	free(nodes);
	return rc < 0 ? rc : r->err;
}

/* --- prefixes ------------------------------------------------------------ */

static int
add_pfx(struct view *V, u128 a, unsigned plen)
{
	if (V->n == V->cap) {
		size_t nc = V->cap ? V->cap * 2 : 64;
		struct pfx *np = realloc(V->p, nc * sizeof(*np));
		if (!np)
			return DX_ENOMEM;
		V->p = np;
		V->cap = nc;
	}
	if (plen < V->B)
		a &= ~span(V, plen);
	V->p[V->n].a = a;
	V->p[V->n].plen = plen;
	V->n++;
	return 0;
}

struct collect {
	struct rnd *r;
	bool has_ip4;
};

/* An IPv4 prefix also bounds IPv4-mapped names, and 6to4 names when the
 * zone has IPv4 data (zone_query answers both from the IPv4 datasets). */
static int
add4(struct collect *cl, uint32_t a, unsigned plen)
{
	struct rnd *r = cl->r;
	int rc;

	if ((rc = add_pfx(&r->v[0], a, plen)) < 0 ||
	    (rc = add_pfx(&r->v[1], (u128)0xffff << 32 | a, 96 + plen)) < 0)
		return rc;
	if (cl->has_ip4)
		rc = add_pfx(&r->v[1], ((u128)0x2002 << 112) |
		    ((u128)a << 80), 16 + plen);
	return rc;
}

static int
collect_one(int family, const uint8_t *addr, unsigned plen, void *arg)
{
	struct collect *cl = arg;
	struct rnd *r = cl->r;
	u128 a = 0;

	if (family == 0) {
		if (r->nnames == r->capnames) {
			size_t nc = r->capnames ? r->capnames * 2 : 64;
			uint8_t **nn = realloc(r->names, nc * sizeof(*nn));
			if (!nn)
				return DX_ENOMEM;
			r->names = nn;
			r->capnames = nc;
		}
		if ((r->names[r->nnames] = malloc(plen)) == NULL)
			return DX_ENOMEM;
		memcpy(r->names[r->nnames++], addr, plen);
		return 0;
	}
	if (family == 4)
		return add4(cl, (uint32_t)addr[0] << 24 |
		    (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3],
		    plen);
	for (int i = 0; i < 16; i++)
		a = a << 8 | addr[i];
	return add_pfx(&cl->r->v[1], a, plen);
}

static int
cmp_pfx(const void *x, const void *y)
{
	const struct pfx *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->plen < b->plen ? -1 : a->plen > b->plen;
}

static int
collect(struct rnd *r, struct diag *d)
{
	struct collect cl = { r, false };
	unsigned i, n = zone_dataset_count(r->z);
	int rc;

	for (i = 0; i < n; i++) {
		const struct dataset *ds = zone_dataset(r->z, i);
		if (dataset_type(ds)->flags & DS_F_IP4)
			cl.has_ip4 = true;
		if (dataset_type(ds)->flags & (DS_F_IP4 | DS_F_IP6))
			r->has_ip = true;
	}
	for (i = 0; i < n; i++) {
		const struct dataset *ds = zone_dataset(r->z, i);
		const struct ds_type *t = dataset_type(ds);
		if (!t->walk) {
			diag_error(d, NULL, 0, "zone %s: dataset %s of type %s "
			    "cannot be rendered as a zone file (IP datasets, "
			    "dnset and generic can)", zone_name(r->z),
			    dataset_labels(ds)->name ? dataset_labels(ds)->name :
			    "?", t->name);
			return DX_EINVAL;
		}
		if ((rc = t->walk(ds, collect_one, &cl)) < 0)
			return rc;
	}
	if (!r->cfg || r->cfg->rfc5782_tests) {
		if ((rc = add4(&cl, 0x7f000001u, 32)) < 0 ||
		    (rc = add4(&cl, 0x7f000002u, 32)) < 0)
			return rc;
	}
	if (cl.has_ip4 && ((rc = add_pfx(&r->v[1], (u128)0xffff << 32, 96)) < 0 ||
	    (rc = add_pfx(&r->v[1], (u128)0x2002 << 112, 16)) < 0))
		return rc;
	for (int vi = 0; vi < 2; vi++) {
		struct view *V = &r->v[vi];
		size_t j, k = 0;
		if (V->n)
			qsort(V->p, V->n, sizeof(*V->p), cmp_pfx);
		for (j = 0; j < V->n; j++)
			if (k == 0 || cmp_pfx(&V->p[k - 1], &V->p[j]) != 0)
				V->p[k++] = V->p[j];
		V->n = k;
	}
	return 0;
}

/* --- the zone ------------------------------------------------------------ */

/* Wire name to text with a trailing dot. */
static char *
wire_text(const uint8_t *w)
{
	char buf[1100];
	size_t o = 0, i = 0;

	while (w[i] && i < 255) {
		unsigned l = w[i++];
		for (unsigned k = 0; k < l && o + 5 < sizeof(buf); k++, i++) {
			unsigned char c = w[i];
			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$')
				buf[o++] = '\\', buf[o++] = (char)c;
			else if (c <= 32 || c > 126)
				o += (size_t)snprintf(buf + o, 5, "\\%03u", c);
			else
				buf[o++] = (char)c;
		}
		buf[o++] = '.';
	}
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
	return strdup(buf);
}

void
dump_zone_free(struct dump_zone *dz)
{
	if (!dz)
		return;
	for (size_t i = 0; i < dz->n; i++)
		free(dz->line[i]);
	free(dz->line);
	free(dz->origin);
	free(dz->mname);
	free(dz->rname);
	free(dz);
}

/* SOA, NS and whatever the apex itself answers. */
static int
apex(struct rnd *r)
{
	const struct ds_soa *soa = zone_soa(r->z);
	const struct ds_ns *ns = zone_ns(r->z);
	struct dump_zone *dz = r->dz;
	struct dx_qname q;
	struct dx_hits hits;
	struct ans a;
	char rec[600];
	int rc;

	dz->soa_ttl = soa->ttl;
	dz->serial = soa->serial;
	dz->refresh = soa->refresh;
	dz->retry = soa->retry;
	dz->expire = soa->expire;
	dz->minttl = soa->minttl;
	if (!(dz->mname = wire_text(soa->mname)) ||
	    !(dz->rname = wire_text(soa->rname)))
		return DX_ENOMEM;
	for (unsigned i = 0; i < ns->n && i < 32; i++) {
		char *n = wire_text(ns->name[i]);
		if (!n)
			return DX_ENOMEM;
		snprintf(rec, sizeof(rec), "%u\tIN\tNS\t%s", ns->ttl, n);
		free(n);
		push_line(r, "@", rec);
	}
	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	if (zone_query(r->z, &q, &hits) == ZONE_FOUND) {
		if ((rc = hits_recs(r, &hits, &q, &a)) < 0)
			return rc;
		emit(r, "@", &a);
		ans_free(&a);
	}
	return r->err;
}

int
dump_zone_render(const struct zone *z, const struct config *cfg,
    size_t limit, struct diag *d, struct dump_zone **out)
{
	struct rnd r;
	struct nview root[2];
	char origin[300];
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.z = z;
	r.cfg = cfg;
	r.limit = limit ? limit : DUMP_LIMIT_DEFAULT;
	r.v[0] = (struct view){ 8, 4, 32, NULL, 0, 0 };
	r.v[1] = (struct view){ 4, 32, 128, NULL, 0, 0 };
	if ((r.dz = calloc(1, sizeof(*r.dz))) == NULL)
		return DX_ENOMEM;
	snprintf(origin, sizeof(origin), "%s.", zone_name(z));
	if ((r.dz->origin = strdup(origin)) == NULL)
		rc = DX_ENOMEM;
	else if ((rc = collect(&r, d)) == 0 && (rc = apex(&r)) == 0) {
		memset(root, 0, sizeof(root));
		root[0].on = root[1].on = true;
		root[0].hi = r.v[0].n;
		root[1].hi = r.v[1].n;
		node(&r, "", 0, root);
		rc = r.err;
		if (rc == 0 && r.nnames)
			rc = names_render(&r, d);
	}
	free(r.v[0].p);
	free(r.v[1].p);
	for (size_t i = 0; i < r.nnames; i++)
		free(r.names[i]);
	free(r.names);
	if (rc == DX_ERANGE)
		diag_error(d, NULL, 0, "zone %s: the zone file rendering needs "
		    "more than %zu records (limit: dump-limit); refused",
		    zone_name(z), r.limit);
	if (rc < 0) {
		dump_zone_free(r.dz);
		return rc;
	}
	if (r.dz->n)
		qsort(r.dz->line, r.dz->n, sizeof(char *), cmp_str);
	{
		size_t j, k = 0;
		for (j = 0; j < r.dz->n; j++) {
			if (k && strcmp(r.dz->line[k - 1], r.dz->line[j]) == 0)
				free(r.dz->line[j]);
			else
				r.dz->line[k++] = r.dz->line[j];
		}
		r.dz->n = k;
	}
	*out = r.dz;
	return 0;
}

void
dump_zone_soa_line(const struct dump_zone *dz, uint32_t serial, char *buf,
    size_t len)
{
	snprintf(buf, len, "@\t%u\tIN\tSOA\t%s %s %u %u %u %u %u", dz->soa_ttl,
	    dz->mname, dz->rname, serial, dz->refresh, dz->retry, dz->expire,
	    dz->minttl);
}

int
dump_zone_print(FILE *f, const struct dump_zone *dz)
{
	char soa[1200];

	dump_zone_soa_line(dz, dz->serial, soa, sizeof(soa));
	fprintf(f, "; %s rendered by dnsxld: %zu records, %zu wildcards\n"
	    "$ORIGIN %s\n%s\n", dz->origin, dz->n + 1, dz->wildcards,
	    dz->origin, soa);
	for (size_t i = 0; i < dz->n; i++)
		fprintf(f, "%s\n", dz->line[i]);
	return ferror(f) ? DX_EIO : 0;
}

int
dump_snapshot(FILE *f, const struct snapshot *s, const char *zone,
    size_t limit, struct diag *d)
{
	const struct config *cfg = snapshot_config(s);
	unsigned i, done = 0;
	int rc = 0;

	for (i = 0; i < snapshot_zone_count(s); i++) {
		const struct zone *z = snapshot_zone(s, i);
		struct dump_zone *dz;
		int r;
		if (zone && strcasecmp(zone, zone_name(z)) != 0)
			continue;
		done++;
		if ((r = dump_zone_render(z, cfg, limit, d, &dz)) < 0) {
			if (rc == 0)
				rc = r;
			continue;
		}
		fprintf(stderr, "%s: %zu records (%zu wildcards)\n",
		    zone_name(z), dz->n + 1, dz->wildcards);
		r = dump_zone_print(f, dz);
		dump_zone_free(dz);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (zone && !done) {
		diag_error(d, NULL, 0, "no zone %s", zone);
		return DX_ENOENT;
	}
	return rc;
}

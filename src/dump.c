/* dump.c -- render a zone as a BIND zone file that answers every name as
 * zone_query() does: the records of one answer, the prefixes and names
 * the datasets walk, the zone (SOA, NS, apex) and its output. The trees
 * are dump_ip.c (reverse IPv4/IPv6 names) and dump_names.c (dnset,
 * generic).
 *
 * zone_query() is the oracle for every answer, so the rendering inherits
 * the datasets' semantics (longest prefix, exclusions, several datasets,
 * RFC 5782 entries, IPv4-mapped and 6to4 names, dnset wildcards) without
 * re-implementing them; the walks only say where answers may change.
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
#include "dump_impl.h"
#include "snapshot.h"
#include "zone.h"

/* --- output -------------------------------------------------------------- */

int
dump_push_line(struct rnd *r, const char *owner, const char *rec)
{
	struct dump_zone *dz = r->dz;
	char full[1400];
	size_t lo, lr = strlen(rec);
	char *s;

	if (r->err)
		return r->err;
	if (r->counting) {
		dump_count(r, 1);
		return r->err;
	}
	if (r->sfxt[0]) {       /* below a subzone: "@" is its apex */
		snprintf(full, sizeof(full), "%s%s", strcmp(owner, "@") ?
		    owner : "", strcmp(owner, "@") ? r->sfxt : r->sfxt + 1);
		owner = full;
	}
	lo = strlen(owner);
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

void
dump_count(struct rnd *r, size_t n)
{
	if (n > r->limit || r->base + r->count + n > r->limit)
		r->err = DX_ERANGE;
	else
		r->count += n;
}

void
dump_group_qname(const struct rnd *r, const uint8_t *const *lab,
    const uint8_t *len, unsigned n, struct dx_qname *q)
{
	const uint8_t *l[DX_MAXLABELS];
	uint8_t ln[DX_MAXLABELS];
	unsigned k = 0;

	for (; k < n && k < DX_MAXLABELS; k++) {
		l[k] = lab[k];
		ln[k] = len[k];
	}
	for (size_t i = 0; r->sfx && r->sfx[i] && k < DX_MAXLABELS;
	    i += r->sfx[i] + 1u, k++) {
		l[k] = r->sfx + i + 1;
		ln[k] = r->sfx[i];
	}
	qname_parse(q, k, l, ln);
}

void
dump_emit(struct rnd *r, const char *owner, const struct ans *a)
{
	for (unsigned i = 0; i < a->n; i++)
		dump_push_line(r, owner, a->rec[i]);
}

/* --- answers ------------------------------------------------------------- */

void
dump_ans_free(struct ans *a)
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

bool
dump_ans_same(const struct ans *a, const struct ans *b)
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
		char *n = dump_wire_text(p + 2);
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
int
dump_hits_recs(struct rnd *r, const struct dx_hits *h, const struct dx_qname *q,
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
		a &= ~dump_span(V, plen);
	V->p[V->n].a = a;
	V->p[V->n].plen = plen;
	V->n++;
	return 0;
}

struct collect {
	struct rnd *r;
	size_t g;               /* the group being walked */
	bool zone_ip4;          /* the zone has IPv4 datasets */
};

/* An IPv4 prefix also bounds IPv4-mapped names, and 6to4 names when the
 * zone has IPv4 data (zone_query answers both from the IPv4 datasets;
 * below a subzone the nested datasets see mapped names only: a 6to4
 * bound there is harmless, zone_query stays the oracle). */
static int
add4(struct grp *g, uint32_t a, unsigned plen, bool six)
{
	int rc;

	if ((rc = add_pfx(&g->v[0], a, plen)) < 0 ||
	    (rc = add_pfx(&g->v[1], (u128)0xffff << 32 | a, 96 + plen)) < 0)
		return rc;
	if (!six)
		return 0;
	g->has_ip4 = true;
	return add_pfx(&g->v[1], ((u128)0x2002 << 112) | ((u128)a << 80),
	    16 + plen);
}

/* The group for subzone w (wire, root-terminated), created if new. */
static int
group_find(struct rnd *r, const uint8_t *w, unsigned wl, size_t *out)
{
	size_t i;

	for (i = 0; i < r->ng; i++)
		if (memcmp(r->g[i].sfx, w, wl) == 0) {
			*out = i;
			return 0;
		}
	struct grp *ng = realloc(r->g, (r->ng + 1) * sizeof(*ng));
	if (!ng)
		return DX_ENOMEM;
	r->g = ng;
	memset(&ng[r->ng], 0, sizeof(*ng));
	memcpy(ng[r->ng].sfx, w, wl);
	ng[r->ng].v[0] = (struct view){ 8, 4, 32, NULL, 0, 0 };
	ng[r->ng].v[1] = (struct view){ 4, 32, 128, NULL, 0, 0 };
	*out = r->ng++;
	return 0;
}

static int
collect_one(int family, const uint8_t *addr, unsigned plen, void *arg)
{
	struct collect *cl = arg;
	struct rnd *r = cl->r;
	struct grp *g = &r->g[cl->g];
	u128 a = 0;

	if (family == DS_WALK_SUBZONE)
		return plen > 255 ? DX_EINVAL : group_find(r, addr, plen, &cl->g);
	if (family == 0) {
		if (g->nnames == g->capnames) {
			size_t nc = g->capnames ? g->capnames * 2 : 64;
			uint8_t **nn = realloc(g->names, nc * sizeof(*nn));
			if (!nn)
				return DX_ENOMEM;
			g->names = nn;
			g->capnames = nc;
		}
		if ((g->names[g->nnames] = malloc(plen)) == NULL)
			return DX_ENOMEM;
		memcpy(g->names[g->nnames++], addr, plen);
		return 0;
	}
	if (family == 4) {
		uint32_t a4 = (uint32_t)addr[0] << 24 |
		    (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
		return add4(g, a4, plen, cl->g != 0 || cl->zone_ip4);
	}
	for (int i = 0; i < 16; i++)
		a = a << 8 | addr[i];
	return add_pfx(&g->v[1], a, plen);
}

static int
cmp_pfx(const void *x, const void *y)
{
	const struct pfx *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->plen < b->plen ? -1 : a->plen > b->plen;
}

/* The first label of g's suffix below the shorter suffix p, if g lies
 * strictly below p. */
static const uint8_t *
label_below(const uint8_t *gs, const uint8_t *p)
{
	size_t gl = 0, pl = 0, i, prev = SIZE_MAX;

	while (gs[gl])
		gl += gs[gl] + 1u;
	while (p[pl])
		pl += p[pl] + 1u;
	if (gl <= pl || memcmp(gs + gl - pl, p, pl + 1) != 0)
		return NULL;
	for (i = 0; i < gl - pl; i += gs[i] + 1u)
		prev = i;
	return i == gl - pl ? gs + prev : NULL;
}

/* A subzone whose label under an enclosing apex with reverse IP names
 * reads as an address label would meet that apex's IP tree. */
static int
check_groups(struct rnd *r, struct diag *d)
{
	for (size_t i = 0; i < r->ng; i++)
		for (size_t j = 0; j < r->ng; j++) {
			const struct grp *g = &r->g[j];
			const uint8_t *l = label_below(r->g[i].sfx, g->sfx);
			unsigned v = 0, k;
			if (!l || (!g->v[0].n && !g->v[1].n))
				continue;
			for (k = 0; k < l[0] && l[1 + k] >= '0' &&
			    l[1 + k] <= '9'; k++)
				v = v * 10 + (unsigned)(l[1 + k] - '0');
			if ((k == l[0] && k <= 3 && v <= 255) || (l[0] == 1 &&
			    l[1] >= 'a' && l[1] <= 'f')) {
				char *t = dump_wire_text(r->g[i].sfx);
				diag_error(d, NULL, 0, "zone %s: subzone %s "
				    "collides with reverse IP names; cannot be "
				    "rendered", zone_name(r->z), t ? t : "?");
				free(t);
				return DX_EINVAL;
			}
		}
	return 0;
}

static int
collect(struct rnd *r, struct diag *d)
{
	struct collect cl = { r, 0, false };
	unsigned i, n = zone_dataset_count(r->z);
	size_t g0;
	int rc;

	if ((rc = group_find(r, (const uint8_t *)"", 1, &g0)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (dataset_type(zone_dataset(r->z, i))->flags & DS_F_IP4)
			cl.zone_ip4 = true;
	for (i = 0; i < n; i++) {
		const struct dataset *ds = zone_dataset(r->z, i);
		const struct ds_type *t = dataset_type(ds);
		if (!t->walk) {
			diag_error(d, NULL, 0, "zone %s: dataset %s of type %s "
			    "cannot be rendered as a zone file (IP datasets, "
			    "dnset, generic and combined can)", zone_name(r->z),
			    dataset_labels(ds)->name ? dataset_labels(ds)->name :
			    "?", t->name);
			return DX_EINVAL;
		}
		cl.g = 0;
		if ((rc = t->walk(ds, collect_one, &cl)) < 0) {
			if (rc == DX_EINVAL)
				diag_error(d, NULL, 0, "zone %s: dataset %s of "
				    "type %s holds a dataset that cannot be "
				    "rendered as a zone file", zone_name(r->z),
				    dataset_labels(ds)->name ?
				    dataset_labels(ds)->name : "?", t->name);
			return rc;
		}
	}
	if (!r->cfg || r->cfg->rfc5782_tests) {
		if ((rc = add4(&r->g[0], 0x7f000001u, 32, cl.zone_ip4)) < 0 ||
		    (rc = add4(&r->g[0], 0x7f000002u, 32, cl.zone_ip4)) < 0)
			return rc;
	}
	r->g[0].has_ip4 = cl.zone_ip4;
	for (size_t gi = 0; gi < r->ng; gi++) {
		struct grp *g = &r->g[gi];
		if (g->has_ip4 && ((rc = add_pfx(&g->v[1], (u128)0xffff << 32,
		    96)) < 0 || (rc = add_pfx(&g->v[1], (u128)0x2002 << 112,
		    16)) < 0))
			return rc;
		for (int vi = 0; vi < 2; vi++) {
			struct view *V = &g->v[vi];
			size_t j, k = 0;
			if (V->n)
				qsort(V->p, V->n, sizeof(*V->p), cmp_pfx);
			for (j = 0; j < V->n; j++)
				if (k == 0 || cmp_pfx(&V->p[k - 1], &V->p[j]) != 0)
					V->p[k++] = V->p[j];
			V->n = k;
		}
	}
	return check_groups(r, d);
}

/* --- the zone ------------------------------------------------------------ */

/* Wire name to text with a trailing dot. */
char *
dump_wire_text(const uint8_t *w)
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
	if (!(dz->mname = dump_wire_text(soa->mname)) ||
	    !(dz->rname = dump_wire_text(soa->rname)))
		return DX_ENOMEM;
	for (unsigned i = 0; i < ns->n && i < 32; i++) {
		char *n = dump_wire_text(ns->name[i]);
		if (!n)
			return DX_ENOMEM;
		snprintf(rec, sizeof(rec), "%u\tIN\tNS\t%s", ns->ttl, n);
		free(n);
		dump_push_line(r, "@", rec);
	}
	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	if (zone_query(r->z, &q, &hits) == ZONE_FOUND) {
		if ((rc = dump_hits_recs(r, &hits, &q, &a)) < 0)
			return rc;
		dump_emit(r, "@", &a);
		dump_ans_free(&a);
	}
	return r->err;
}

/* Make the group the one being rendered (NULL: none). */
static void
group_enter(struct rnd *r, const struct grp *g)
{
	memset(r->v, 0, sizeof(r->v));
	r->names = NULL;
	r->nnames = 0;
	r->sfx = NULL;
	r->sfxt[0] = '\0';
	if (!g)
		return;
	r->v[0] = g->v[0];
	r->v[1] = g->v[1];
	r->names = g->names;
	r->nnames = g->nnames;
	r->sfx = g->sfx;
	if (g->sfx[0]) {
		char *t = dump_wire_text(g->sfx);
		if (!t) {
			r->err = DX_ENOMEM;
			return;
		}
		t[strlen(t) - 1] = '\0';
		snprintf(r->sfxt, sizeof(r->sfxt), ".%s", t);
		free(t);
	}
}

/* Is there a line at or below the group's apex? */
static bool
group_has_lines(const struct rnd *r)
{
	const char *sub = r->sfxt + 1;
	size_t sl = strlen(sub);

	for (size_t i = 0; i < r->dz->n; i++) {
		const char *l = r->dz->line[i], *tab = strchr(l, '\t');
		size_t ol = (size_t)(tab - l);
		if (ol == sl ? memcmp(l, sub, sl) == 0 : ol > sl &&
		    l[ol - sl - 1] == '.' && memcmp(tab - sl, sub, sl) == 0)
			return true;
	}
	return false;
}

/* A subzone: its apex's own records (generic "@" entries of its nested
 * datasets) and its trees. Its apex always exists in dnsxld (NODATA):
 * with nothing at or below it, a placeholder record (see dump_names.c)
 * makes it exist. */
static int
render_subzone(struct rnd *r, struct grp *g, struct diag *d)
{
	struct dx_qname q;
	struct dx_hits hits;
	struct ans a;
	size_t before = r->dz->n;
	int rc = 0;

	group_enter(r, g);
	memset(&a, 0, sizeof(a));
	dump_group_qname(r, NULL, NULL, 0, &q);
	if (!r->err && zone_query(r->z, &q, &hits) == ZONE_FOUND) {
		if ((rc = dump_hits_recs(r, &hits, &q, &a)) < 0)
			return rc;
		dump_emit(r, "@", &a);
		dump_ans_free(&a);
	}
	if (!r->err)
		dump_ip_render(r);
	if (!r->err && r->nnames)
		rc = dump_names_render(r, d);
	g->pushed = r->dz->n - before;
	return rc < 0 ? rc : r->err;
}

static int
render_placeholders(struct rnd *r)
{
	char rec[64];

	snprintf(rec, sizeof(rec), "%u\tIN\tTYPE65534\t\\# 0",
	    r->cfg ? r->cfg->ttl_default : 2100);
	for (size_t i = 1; i < r->ng && !r->err; i++) {
		if (r->g[i].pushed)
			continue;       /* its own lines make it exist */
		group_enter(r, &r->g[i]);
		if (!r->err && !group_has_lines(r))
			dump_push_line(r, "@", rec);
	}
	group_enter(r, NULL);
	return r->err;
}

int
dump_zone_render(const struct zone *z, const struct config *cfg,
    size_t limit, struct diag *d, struct dump_zone **out)
{
	struct rnd r;
	char origin[300];
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.z = z;
	r.cfg = cfg;
	r.limit = limit ? limit : DUMP_LIMIT_DEFAULT;
	if ((r.dz = calloc(1, sizeof(*r.dz))) == NULL)
		return DX_ENOMEM;
	snprintf(origin, sizeof(origin), "%s.", zone_name(z));
	if ((r.dz->origin = strdup(origin)) == NULL)
		rc = DX_ENOMEM;
	else if ((rc = collect(&r, d)) == 0 && (rc = apex(&r)) == 0) {
		group_enter(&r, &r.g[0]);
		dump_ip_render(&r);
		rc = r.err;
		if (rc == 0 && r.nnames)
			rc = dump_names_render(&r, d);
		for (size_t i = 1; rc == 0 && i < r.ng; i++)
			rc = render_subzone(&r, &r.g[i], d);
		if (rc == 0)
			rc = render_placeholders(&r);
	}
	for (size_t gi = 0; gi < r.ng; gi++) {
		free(r.g[gi].v[0].p);
		free(r.g[gi].v[1].p);
		for (size_t i = 0; i < r.g[gi].nnames; i++)
			free(r.g[gi].names[i]);
		free(r.g[gi].names);
	}
	free(r.g);
	if (rc == DX_ERANGE)
		diag_error(d, NULL, 0, "zone %s: the zone file rendering needs "
		    "more than %zu records (limit: dump-limit); refused%s",
		    zone_name(z), r.limit, r.peraddr ? " (a TXT template "
		    "with $, the queried address, needs one name per listed "
		    "address: a wildcard cannot carry it)" : "");
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

/* spf_resolve.c -- walking an SPF tree: the record at a domain, its
 * include: and redirect= targets depth first, with loop detection and the
 * RFC 7208 limit on DNS-querying terms, collecting the "+" ip4:/ip6:
 * ranges (and a/mx when enabled) with the chain of includes that led to
 * each. Also the ldns-backed resolver used outside the unit tests.
 *
 *   _spf.mailersend.net  TXT "v=spf1 include:spf.mailersend.net ~all"
 *     spf.mailersend.net TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/48 -all"
 *   -> 192.0.2.0/24 and 2001:db8::/48, chain
 *      "_spf.mailersend.net -> spf.mailersend.net"
 *
 * Any failure (NXDOMAIN, SERVFAIL or timeout, permerror, loop, over the
 * limit) is counted in res->errors: the caller treats the result as
 * partial and keeps its previous ranges.
 */
#include "spf_resolve.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errcode.h"
#include "ipaddr.h"

#define MAX_DEPTH 32            /* the lookup limit stops loops first */
#define MAX_MX    10            /* RFC 7208 4.6.4: MX names per mx term */

/* ---- answers ---------------------------------------------------------- */

void
spf_rrs_clear(struct spf_rrs *r)
{
	for (unsigned i = 0; i < r->n; i++)
		free(r->v[i]);
	r->n = 0;
}

int
spf_rrs_add(struct spf_rrs *r, const char *s, size_t len)
{
	char *c;

	if (r->n >= SPF_MAX_RRS)
		return 0;
	if ((c = malloc(len + 1)) == NULL)
		return DX_ENOMEM;
	memcpy(c, s, len);
	c[len] = '\0';
	r->v[r->n++] = c;
	return 0;
}

/* ---- the walk --------------------------------------------------------- */

struct walk {
	const struct spf_resolver *r;
	const struct spf_opts *o;
	struct spf_result *res;
	const char *path[MAX_DEPTH];
	const char *region[MAX_DEPTH];
	int chain[MAX_DEPTH];       /* chain index of this path, -1 = none */
	unsigned depth;
	bool stop;                  /* over the limit: no more lookups */
	int nomem;
};

static void
msg(struct walk *w, char sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
msg(struct walk *w, char sev, const char *fmt, ...)
{
	struct spf_result *res = w->res;
	char buf[512], **nm;
	va_list ap;
	int n;

	if (sev == 'E')
		res->errors++;
	else
		res->warnings++;
	buf[0] = sev;
	buf[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((nm = realloc(res->msgs, (res->nmsgs + 1) * sizeof(*nm))) == NULL) {
		w->nomem = 1;
		return;
	}
	res->msgs = nm;
	if ((nm[res->nmsgs] = strdup(buf)) == NULL) {
		w->nomem = 1;
		return;
	}
	res->nmsgs++;
}

static bool
on_path(const struct walk *w, const char *d)
{
	for (unsigned i = 0; i < w->depth; i++)
		if (strcasecmp(w->path[i], d) == 0)
			return true;
	return false;
}

/* The region mapped for d, else the one in force. */
static const char *
region_for(const struct walk *w, const char *d, const char *cur)
{
	size_t dl = strlen(d);

	if (dl && d[dl - 1] == '.')
		dl--;
	for (unsigned i = 0; i < w->o->nrmap; i++) {
		const char *f = w->o->rmap_from[i];
		size_t fl = strlen(f);
		if (fl && f[fl - 1] == '.')
			fl--;
		if (fl == dl && strncasecmp(f, d, dl) == 0)
			return w->o->rmap_to[i];
	}
	return cur;
}

/* The chain index of the current path (made on first use). */
static int
cur_chain(struct walk *w)
{
	struct spf_result *res = w->res;
	struct spf_chain *nc;
	size_t len = 0;
	char *t;
	unsigned top = w->depth - 1;

	if (w->chain[top] >= 0)
		return w->chain[top];
	for (unsigned i = 0; i < w->depth; i++)
		len += strlen(w->path[i]) + 4;
	if ((t = malloc(len + 1)) == NULL)
		return -1;
	t[0] = '\0';
	for (unsigned i = 0; i < w->depth; i++) {
		if (i)
			strcat(t, " -> ");
		strcat(t, w->path[i]);
	}
	if ((nc = realloc(res->chains, (res->nchains + 1) * sizeof(*nc))) ==
	    NULL) {
		free(t);
		return -1;
	}
	res->chains = nc;
	nc[res->nchains].text = t;
	nc[res->nchains].last = strdup(w->path[top]);
	nc[res->nchains].region = w->region[top] ? strdup(w->region[top]) :
	    NULL;
	if (!nc[res->nchains].last || (w->region[top] &&
	    !nc[res->nchains].region)) {
		free(nc[res->nchains].last);
		free(t);
		return -1;
	}
	return w->chain[top] = (int)res->nchains++;
}

static void
add_range(struct walk *w, int family, const uint8_t *addr, unsigned plen)
{
	struct spf_result *res = w->res;
	struct spf_range *g;
	int ci = cur_chain(w);

	if (ci < 0) {
		w->nomem = 1;
		return;
	}
	if (res->n == res->cap) {
		size_t nc = res->cap ? res->cap * 2 : 16;
		if ((g = realloc(res->ranges, nc * sizeof(*g))) == NULL) {
			w->nomem = 1;
			return;
		}
		res->ranges = g;
		res->cap = nc;
	}
	g = &res->ranges[res->n++];
	memset(g, 0, sizeof(*g));
	g->family = (uint8_t)family;
	g->plen = (uint8_t)plen;
	memcpy(g->addr, addr, family == 4 ? 4 : 16);
	g->chain = (unsigned)ci;
}

/* An address text from ip4:/ip6: or an A/AAAA answer, with a length. */
static bool
add_addr_text(struct walk *w, int family, const char *s, size_t n, int plen)
{
	char buf[64];
	uint8_t a6[16];
	struct in_addr a4;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (family == 4) {
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return false;
		if (plen < 0)
			plen = 32;
		memcpy(a6, &a4, 4);
		for (unsigned i = (unsigned)plen; i < 32; i++)
			a6[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	} else {
		if (inet_pton(AF_INET6, buf, a6) != 1)
			return false;
		if (plen < 0)
			plen = 128;
		ip6_clear_host(a6, (unsigned)plen);
	}
	add_range(w, family, a6, (unsigned)plen);
	return true;
}

static void
note_ttl(struct walk *w, const struct spf_rrs *rr)
{
	if (rr->n && rr->ttl < w->res->ttl)
		w->res->ttl = rr->ttl;
}

/* Count one DNS-querying term; false (reported once) past the limit. */
static bool
count_lookup(struct walk *w, const struct spf_term *t, const char *dom)
{
	if (w->stop)
		return false;
	if (++w->res->lookups > w->o->max_lookups) {
		msg(w, 'E', "%s: \"%.*s\": over the limit of %u DNS lookups "
		    "(permerror): the rest of the tree is not read", dom,
		    (int)t->textlen, t->text, w->o->max_lookups);
		w->stop = true;
		return false;
	}
	return true;
}

/* A and AAAA of name with the term's lengths. */
static void
resolve_addrs(struct walk *w, const char *dom, const struct spf_term *t,
    const char *name)
{
	static const enum spf_rtype types[2] = { SPF_RR_A, SPF_RR_AAAA };

	for (int k = 0; k < 2; k++) {
		struct spf_rrs rr = { 0 };
		int rc = w->r->lookup(w->r->ctx, name, types[k], &rr);
		if (rc < 0) {
			w->nomem = 1;
			return;
		}
		if (rc == SPF_DNS_FAIL)
			msg(w, 'E', "%s: \"%.*s\": %s %s: lookup failed "
			    "(SERVFAIL or timeout)", dom, (int)t->textlen,
			    t->text, name, k ? "AAAA" : "A");
		note_ttl(w, &rr);
		for (unsigned i = 0; i < rr.n; i++)
			if (!add_addr_text(w, k ? 6 : 4, rr.v[i],
			    strlen(rr.v[i]), k ? t->cidr6 : t->cidr4))
				msg(w, 'E', "%s: %s: bad address \"%s\"", dom,
				    name, rr.v[i]);
		spf_rrs_clear(&rr);
	}
}

static void
do_mx(struct walk *w, const char *dom, const struct spf_term *t,
    const char *name)
{
	struct spf_rrs rr = { 0 };
	int rc = w->r->lookup(w->r->ctx, name, SPF_RR_MX, &rr);

	if (rc < 0) {
		w->nomem = 1;
		return;
	}
	if (rc == SPF_DNS_FAIL)
		msg(w, 'E', "%s: \"%.*s\": MX %s: lookup failed (SERVFAIL or "
		    "timeout)", dom, (int)t->textlen, t->text, name);
	note_ttl(w, &rr);
	if (rr.n > MAX_MX)
		msg(w, 'E', "%s: \"%.*s\": %u MX names, over the limit of %d "
		    "(permerror)", dom, (int)t->textlen, t->text, rr.n, MAX_MX);
	for (unsigned i = 0; i < rr.n && i < MAX_MX; i++)
		resolve_addrs(w, dom, t, rr.v[i]);
	spf_rrs_clear(&rr);
}

static void walk_domain(struct walk *w, const char *dom, const char *region);

/* One term of dom's record; *redirect gets a redirect= target. */
static void
do_term(struct walk *w, const char *dom, const struct spf_term *t,
    char **redirect, bool *has_all)
{
	char name[256];
	int tl = (int)t->textlen;

	if (t->arg && t->arglen < sizeof(name)) {
		memcpy(name, t->arg, t->arglen);
		name[t->arglen] = '\0';
	} else
		snprintf(name, sizeof(name), "%s", dom);
	switch (t->kind) {
	case SPF_T_BAD:
		msg(w, 'E', "%s: \"%.*s\": syntax error (permerror)", dom, tl,
		    t->text);
		return;
	case SPF_T_ALL:
		*has_all = true;
		return;
	case SPF_T_EXP:
	case SPF_T_UNKNOWN_MOD:
		return;
	case SPF_T_REDIRECT:
		if (t->macro)
			msg(w, 'W', "%s: \"%.*s\": a macro cannot be expanded "
			    "into ranges: not followed", dom, tl, t->text);
		else if (!*redirect)
			*redirect = strdup(name);
		return;
	case SPF_T_IP4:
	case SPF_T_IP6:
		if (t->qual != '+') {
			msg(w, 'W', "%s: \"%.*s\": not a sending range (qualifier "
			    "'%c'): left out", dom, tl, t->text, t->qual);
			return;
		}
		if (!add_addr_text(w, t->kind == SPF_T_IP4 ? 4 : 6, t->arg,
		    t->arglen, t->kind == SPF_T_IP4 ? t->cidr4 : t->cidr6))
			msg(w, 'E', "%s: \"%.*s\": bad address (permerror)", dom,
			    tl, t->text);
		return;
	case SPF_T_PTR:
	case SPF_T_EXISTS:
		if (count_lookup(w, t, dom))
			msg(w, 'W', "%s: \"%.*s\": %s cannot be expanded into "
			    "ranges: left out", dom, tl, t->text,
			    t->kind == SPF_T_PTR ? "ptr" : "exists");
		return;
	case SPF_T_INCLUDE:
	case SPF_T_A:
	case SPF_T_MX:
		break;
	}
	if (!count_lookup(w, t, dom))
		return;
	if (t->macro) {
		msg(w, 'W', "%s: \"%.*s\": a macro cannot be expanded into "
		    "ranges: left out", dom, tl, t->text);
		return;
	}
	if (t->qual != '+') {
		msg(w, 'W', "%s: \"%.*s\": not a sending range (qualifier '%c'): "
		    "left out", dom, tl, t->text, t->qual);
		return;
	}
	if (t->kind == SPF_T_INCLUDE) {
		walk_domain(w, name, w->region[w->depth - 1]);
		return;
	}
	if (!w->o->resolve_a_mx) {
		msg(w, 'W', "%s: \"%.*s\": a and mx are not resolved "
		    "(resolve-a-mx: false): left out", dom, tl, t->text);
		return;
	}
	if (t->kind == SPF_T_A)
		resolve_addrs(w, dom, t, name);
	else
		do_mx(w, dom, t, name);
}

/* The one SPF record at dom into rec (malloc'd), or NULL (reported). */
static char *
fetch_record(struct walk *w, const char *dom)
{
	struct spf_rrs rr = { 0 };
	char *rec = NULL;
	unsigned nspf = 0;
	int rc = w->r->lookup(w->r->ctx, dom, SPF_RR_TXT, &rr);

	if (rc < 0) {
		w->nomem = 1;
		return NULL;
	}
	if (rc == SPF_DNS_NXDOMAIN)
		msg(w, 'E', "%s: no such domain (NXDOMAIN)", dom);
	else if (rc == SPF_DNS_FAIL)
		msg(w, 'E', "%s: TXT lookup failed (SERVFAIL or timeout)", dom);
	note_ttl(w, &rr);
	for (unsigned i = 0; rc == SPF_DNS_OK && i < rr.n; i++)
		if (spf_is_record(rr.v[i]) && nspf++ == 0)
			rec = strdup(rr.v[i]);
	if (rc == SPF_DNS_OK && nspf == 0)
		msg(w, 'E', "%s: no SPF record (permerror)", dom);
	else if (nspf > 1) {
		msg(w, 'E', "%s: %u SPF records (permerror)", dom, nspf);
		free(rec);
		rec = NULL;
	}
	spf_rrs_clear(&rr);
	return rec;
}

static void
walk_domain(struct walk *w, const char *dom, const char *region)
{
	struct spf_term terms[SPF_MAX_TERMS];
	char *rec, *redirect = NULL, *d;
	bool has_all = false, bad = false;
	int n;

	if (on_path(w, dom)) {
		msg(w, 'E', "%s: loop: %s is already being read above it "
		    "(permerror)", w->path[w->depth - 1], dom);
		return;
	}
	if (w->depth >= MAX_DEPTH) {
		msg(w, 'E', "%s: includes nested too deep", dom);
		return;
	}
	if ((d = strdup(dom)) == NULL) {
		w->nomem = 1;
		return;
	}
	w->path[w->depth] = d;
	w->region[w->depth] = region_for(w, dom, region);
	w->chain[w->depth] = -1;
	w->depth++;
	if ((rec = fetch_record(w, dom)) == NULL)
		goto out;
	if ((n = spf_parse(rec, terms, SPF_MAX_TERMS)) < 0) {
		msg(w, 'E', "%s: more than %d terms (permerror)", dom,
		    SPF_MAX_TERMS);
		goto out;
	}
	/* Syntax errors make the whole record a permerror (RFC 7208 4.6):
	 * report them all, read nothing from it. */
	for (int i = 0; i < n; i++)
		if (terms[i].kind == SPF_T_BAD) {
			do_term(w, dom, &terms[i], &redirect, &has_all);
			bad = true;
		}
	if (bad)
		goto out;
	for (int i = 0; i < n && !w->nomem; i++)
		do_term(w, dom, &terms[i], &redirect, &has_all);
	/* redirect= applies only when no "all" matched (RFC 7208 6.1) */
	if (redirect && !has_all && !w->nomem) {
		struct spf_term rt = { .kind = SPF_T_REDIRECT, .text = "redirect",
		    .textlen = 8 };
		if (count_lookup(w, &rt, dom))
			walk_domain(w, redirect, w->region[w->depth - 1]);
	} else if (redirect && has_all)
		msg(w, 'W', "%s: redirect=%s ignored: the record has \"all\"",
		    dom, redirect);
out:
	free(redirect);
	free(rec);
	w->depth--;
	free(d);
}

int
spf_resolve(const struct spf_resolver *r, const struct spf_opts *opts,
    const char *domain, struct spf_result *res)
{
	struct walk w;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	res->ttl = UINT32_MAX;
	w.r = r;
	w.o = opts;
	w.res = res;
	walk_domain(&w, domain, NULL);
	return w.nomem ? DX_ENOMEM : 0;
}

void
spf_result_free(struct spf_result *res)
{
	for (unsigned i = 0; i < res->nchains; i++) {
		free(res->chains[i].text);
		free(res->chains[i].last);
		free(res->chains[i].region);
	}
	for (unsigned i = 0; i < res->nmsgs; i++)
		free(res->msgs[i]);
	free(res->chains);
	free(res->msgs);
	free(res->ranges);
	memset(res, 0, sizeof(*res));
}

/* ---- the ldns resolver ------------------------------------------------ */

#define MAX_NS 8

struct ldns_ctx {
	ldns_resolver *res[MAX_NS];
	unsigned n;
};

static void
ldns_ctx_free(void *arg)
{
	struct ldns_ctx *c = arg;

	for (unsigned i = 0; c && i < c->n; i++)
		ldns_resolver_deep_free(c->res[i]);
	free(c);
}

/* One answer record of type t as text into out. */
static int
rr_text(const ldns_rr *rr, enum spf_rtype t, struct spf_rrs *out)
{
	char buf[INET6_ADDRSTRLEN], txt[4096];
	const ldns_rdf *f;
	size_t n = 0;

	switch (t) {
	case SPF_RR_TXT:
		/* several character-strings are joined (RFC 7208 3.3) */
		for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
			const uint8_t *p;
			f = ldns_rr_rdf(rr, i);
			if (ldns_rdf_size(f) < 1)
				continue;
			p = ldns_rdf_data(f);
			if ((size_t)p[0] + 1 > ldns_rdf_size(f) ||
			    n + p[0] >= sizeof(txt))
				break;
			memcpy(txt + n, p + 1, p[0]);
			n += p[0];
		}
		return spf_rrs_add(out, txt, n);
	case SPF_RR_A:
	case SPF_RR_AAAA:
		f = ldns_rr_rdf(rr, 0);
		if (!f || ldns_rdf_size(f) != (t == SPF_RR_A ? 4u : 16u) ||
		    !inet_ntop(t == SPF_RR_A ? AF_INET : AF_INET6,
		    ldns_rdf_data(f), buf, sizeof(buf)))
			return 0;
		return spf_rrs_add(out, buf, strlen(buf));
	case SPF_RR_MX: {
		char *s;
		int rc;
		if ((f = ldns_rr_rdf(rr, 1)) == NULL ||
		    (s = ldns_rdf2str(f)) == NULL)
			return 0;
		n = strlen(s);
		if (n > 1 && s[n - 1] == '.')
			n--;
		rc = spf_rrs_add(out, s, n);
		free(s);
		return rc;
	}
	}
	return 0;
}

static int
ldns_lookup(void *arg, const char *name, enum spf_rtype t, struct spf_rrs *out)
{
	static const ldns_rr_type map[] = { LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_A,
	    LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX };
	struct ldns_ctx *c = arg;
	ldns_rdf *dn = ldns_dname_new_frm_str(name);
	int result = SPF_DNS_FAIL;

	if (!dn)
		return SPF_DNS_FAIL;    /* not a domain name */
	out->ttl = UINT32_MAX;
	for (unsigned i = 0; i < c->n && result == SPF_DNS_FAIL; i++) {
		ldns_pkt *p = NULL;
		ldns_rr_list *ans;
		ldns_status st = ldns_resolver_query_status(&p, c->res[i], dn,
		    map[t], LDNS_RR_CLASS_IN, LDNS_RD);

		if (st != LDNS_STATUS_OK || !p) {
			ldns_pkt_free(p);
			continue;
		}
		switch (ldns_pkt_get_rcode(p)) {
		case LDNS_RCODE_NOERROR:
			result = SPF_DNS_OK;
			ans = ldns_pkt_answer(p);
			for (size_t k = 0; ans && k < ldns_rr_list_rr_count(ans);
			    k++) {
				ldns_rr *rr = ldns_rr_list_rr(ans, k);
				if (ldns_rr_get_type(rr) != map[t])
					continue;
				if (ldns_rr_ttl(rr) < out->ttl)
					out->ttl = ldns_rr_ttl(rr);
				if (rr_text(rr, t, out) < 0) {
					ldns_pkt_free(p);
					ldns_rdf_deep_free(dn);
					return DX_ENOMEM;
				}
			}
			break;
		case LDNS_RCODE_NXDOMAIN:
			result = SPF_DNS_NXDOMAIN;
			break;
		default:
			break;
		}
		ldns_pkt_free(p);
	}
	ldns_rdf_deep_free(dn);
	return result;
}

static int
add_server(struct ldns_ctx *c, const char *spec, unsigned timeout_ms)
{
	char host[64];
	const char *at = strchr(spec, '@');
	size_t hl = at ? (size_t)(at - spec) : strlen(spec);
	unsigned long port = 53;
	ldns_rdf *a;
	ldns_resolver *r;
	struct timeval tv = { (time_t)(timeout_ms / 1000),
	    (suseconds_t)(timeout_ms % 1000) * 1000 };

	if (hl == 0 || hl >= sizeof(host) || c->n >= MAX_NS)
		return DX_EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (at) {
		char *e;
		port = strtoul(at + 1, &e, 10);
		if (*e || port == 0 || port > 65535)
			return DX_EINVAL;
	}
	a = ldns_rdf_new_frm_str(strchr(host, ':') ? LDNS_RDF_TYPE_AAAA :
	    LDNS_RDF_TYPE_A, host);
	if (!a)
		return DX_EINVAL;
	if ((r = ldns_resolver_new()) == NULL) {
		ldns_rdf_deep_free(a);
		return DX_ENOMEM;
	}
	if (ldns_resolver_push_nameserver(r, a) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(a);
		ldns_resolver_deep_free(r);
		return DX_ENOMEM;
	}
	ldns_rdf_deep_free(a);
	ldns_resolver_set_port(r, (uint16_t)port);
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_recursive(r, true);
	c->res[c->n++] = r;
	return 0;
}

int
spf_resolver_ldns(const char *const *servers, unsigned n, unsigned timeout_ms,
    struct spf_resolver *out)
{
	struct ldns_ctx *c = calloc(1, sizeof(*c));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!c)
		return DX_ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if ((rc = add_server(c, servers[i], timeout_ms)) < 0) {
			ldns_ctx_free(c);
			return rc;
		}
	if (n == 0) {
		struct timeval tv = { (time_t)(timeout_ms / 1000),
		    (suseconds_t)(timeout_ms % 1000) * 1000 };
		if (ldns_resolver_new_frm_file(&c->res[0], NULL) !=
		    LDNS_STATUS_OK) {
			free(c);
			return DX_EINVAL;
		}
		ldns_resolver_set_timeout(c->res[0], tv);
		ldns_resolver_set_retry(c->res[0], 1);
		c->n = 1;
	}
	out->lookup = ldns_lookup;
	out->free = ldns_ctx_free;
	out->ctx = c;
	return 0;
}

void
spf_resolver_free(struct spf_resolver *r)
{
	if (r && r->free)
		r->free(r->ctx);
	if (r)
		memset(r, 0, sizeof(*r));
}

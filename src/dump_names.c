/* dump_names.c -- the names of dnset and generic datasets as zone file
 * names and wildcards, with the same answer as zone_query() for every name.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dump_impl.h"
#include "errcode.h"
#include "zone.h"

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
	if ((rc = dump_hits_recs(r, &hits, &q, a)) < 0 || !w2)
		return rc;
	struct ans b;
	memset(&b, 0, sizeof(b));
	b.listed = true;
	wire_qname(w2, &q2);
	rc = dump_hits_recs(r, &hits, &q2, &b);
	a->namedep = rc == 0 && !dump_ans_same(a, &b);
	dump_ans_free(&b);
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
		char *t = dump_wire_text(w);
		if (!t)
			return DX_ENOMEM;
		t[strlen(t) - 1] = '\0';
		rc = dump_push_line(r, t, rec);
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

int
dump_names_render(struct rnd *r, struct diag *d)
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
		char *t = dump_wire_text(w), owner[1200];
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
			dump_emit(r, t, &a);
			if (a.n)
				flag[i] |= NF_EMITTED;
			wire_qname(w, &q);
			if (zone_query(r->z, &q, &hits) != ZONE_NXDOMAIN)
				flag[i] |= NF_DNSXL;
			dump_ans_free(&a);
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
				dump_emit(r, owner, &a);
				flag[i] |= NF_EMITTED | NF_WILD;
			}
			dump_ans_free(&a);
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


/* dump_ip.c -- the reverse IPv4/IPv6 names of a zone as wildcards and
 * explicit names, with the same answer as zone_query() for every address.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_impl.h"
#include "errcode.h"
#include "zone.h"

/* Label dig as text (decimal octet or hex nibble), not terminated: the
 * hot path of the walk, so no printf. Returns its length. */
static unsigned
fmt_label(char *out, unsigned dig, bool dec)
{
	unsigned n = 0;

	if (!dec) {
		out[0] = "0123456789abcdef"[dig & 15];
		return 1;
	}
	if (dig >= 100)
		out[n++] = (char)('0' + dig / 100);
	if (dig >= 10)
		out[n++] = (char)('0' + dig / 10 % 10);
	out[n++] = (char)('0' + dig % 10);
	return n;
}

/* The reverse name of address x in view vi as a dx_qname. */
static void
addr_qname(const struct rnd *r, const struct view *V, u128 x,
    struct dx_qname *q, char *buf)
{
	const uint8_t *lab[32];
	uint8_t len[32];
	unsigned i, o = 0;

	for (i = 0; i < V->D; i++) {
		unsigned dig = (unsigned)(x >> (V->W * i)) &
		    ((1u << V->W) - 1);
		unsigned n = fmt_label(buf + o, dig, V->W == 8);
		lab[i] = (const uint8_t *)buf + o;
		len[i] = (uint8_t)n;
		o += n;
	}
	dump_group_qname(r, lab, len, V->D, q);
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
	addr_qname(r, V, x, &q, buf);
	if (zone_query(r->z, &q, &hits) != ZONE_FOUND)
		return 0;
	a->listed = true;
	if ((rc = dump_hits_recs(r, &hits, &q, a)) < 0)
		return rc;
	if (check) {
		struct ans b;
		for (unsigned k = 0; k < 2 && !a->namedep; k++) {
			unsigned bit = k ? 80 : 0;
			if (bit >= hostbits)
				break;
			memset(&b, 0, sizeof(b));
			b.listed = true;
			addr_qname(r, V, x ^ ((u128)1 << bit), &q2, buf2);
			rc = dump_hits_recs(r, &hits, &q2, &b);
			a->namedep = rc == 0 && !dump_ans_same(a, &b);
			a->peraddr = a->namedep && k == 0;
			dump_ans_free(&b);
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

/* First address in node (a, depth d) that no prefix longer than the node
 * covers; false when there is none. */
static bool
first_free(const struct view *V, const struct nview *nv, unsigned d,
    u128 *out)
{
	u128 x = nv->a, end = nv->a + dump_span(V, V->W * d);

	for (size_t i = nv->lo; i < nv->hi; i++) {
		const struct pfx *p = &V->p[i];
		if (p->plen <= V->W * d)
			continue;
		if (p->a > x)
			break;
		u128 pend = p->a + dump_span(V, p->plen);
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

/* Dry run: an untouched child (no deeper prefix starts in it) whose listed
 * views all need one name per address is only leaves, each with its view's
 * records: count them without walking it. */
static bool
leaves_only(struct rnd *r, unsigned d, const struct ans an[2], bool v4,
    bool v6)
{
	size_t n = 0;

	for (int vi = 0; vi < 2; vi++) {
		const struct view *V = &r->v[vi];
		unsigned h = V->B - V->W * (d + 1);
		if (!(vi == 0 ? v4 : v6) || !an[vi].listed)
			continue;
		if (!an[vi].peraddr)
			return false;
		if (h >= 63 || ((size_t)an[vi].n << h) >> h != an[vi].n) {
			r->err = DX_ERANGE;
			return true;
		}
		n += (size_t)an[vi].n << h;
	}
	dump_count(r, n);
	return true;
}

/* Count the records the group's IP tree will push (the same walk, the
 * per-address blocks in closed form), then go on rendering; r->err =
 * DX_ERANGE as soon as the count is over the limit. */
static void
precount(struct rnd *r)
{
	struct nview root[2];

	r->counted = r->counting = true;
	r->count = 0;
	memset(root, 0, sizeof(root));
	root[0].on = root[1].on = true;
	root[0].hi = r->v[0].n;
	root[1].hi = r->v[1].n;
	node(r, "", 0, root);
	r->counting = false;
}

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
	size_t o = fmt_label(cpath, c, v4 || c < 10), pl = strlen(path);
	if (pl) {
		cpath[o++] = '.';
		memcpy(cpath + o, path, pl);
	}
	cpath[o + pl] = '\0';
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
				dump_emit(r, path, &an[vi]);
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
		if (an[vi].peraddr)
			r->peraddr = true;
		/* fail fast: one name per address of a big block */
		if (an[vi].peraddr && (V->B - V->W * d >= 63 ||
		    ((size_t)1 << (V->B - V->W * d)) > r->limit)) {
			r->err = DX_ERANGE;
			break;
		}
	}
	if (r->err)
		goto out;
	if (interior[0] && interior[1] && !dump_ans_same(&an[0], &an[1]))
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
		dump_emit(r, owner, interior[0] ? &an[0] : &an[1]);
		emitted = true;
		goto out;
	}
	/* no wildcard here: every untouched child with a listed view. One
	 * name per address is the expensive case: count the whole tree first,
	 * so that a zone over the limit is refused before it is built. */
	if (!r->counting && !r->counted && (an[0].peraddr || an[1].peraddr))
		precount(r);
	for (c = 0; c < 262 && !r->err; c++) {
		unsigned lab = c < 256 ? c : c - 246;
		bool v4 = c < 256 && interior[0];
		bool v6 = interior[1] && (c < 10 || c >= 256);
		if ((v4 && t4[lab]) || (v6 && t6[lab]))
			continue;
		if (!(v4 && an[0].listed) && !(v6 && an[1].listed))
			continue;
		if (r->counting && leaves_only(r, d, an, v4, v6)) {
			emitted = true;
			continue;
		}
		if (child(r, path, d, nv, b, lab, v4, v6))
			emitted = true;
	}
out:
	dump_ans_free(&an[0]);
	dump_ans_free(&an[1]);
	return emitted;
}

void
dump_ip_render(struct rnd *r)
{
	struct nview root[2];

	r->counted = r->counting = false;
	r->base = r->dz->n;
	memset(root, 0, sizeof(root));
	root[0].on = root[1].on = true;
	root[0].hi = r->v[0].n;
	root[1].hi = r->v[1].n;
	node(r, "", 0, root);
}

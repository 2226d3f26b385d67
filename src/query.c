/* query.c -- the query path: parse a request in place, answer it from the
 * snapshot, write the reply wire by hand.
 *
 *   request bytes --(ladder of early returns)--> struct req (in place)
 *        |  short header / QR set        -> no reply
 *        |  opcode != QUERY              -> NOTIMP
 *        |  QDCOUNT != 1, bad question   -> FORMERR
 *        |  bad or repeated OPT (edns.c) -> FORMERR;  version > 0 -> BADVERS
 *        |  class CH                     -> chaos.c
 *        |  class not IN/ANY, no zone    -> REFUSED
 *        v
 *   zone_query() -> answer / NODATA / NXDOMAIN, written into `out`
 *
 * The question is copied verbatim (its 0x20 case survives) and every owner
 * name in the reply is a compression pointer into it: 0xC00C for the query
 * name, 12 + offset of the apex label for SOA and NS owners.
 */
#include "query.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <ldns/rr.h>

#include "acl.h"
#include "allowlist.h"
#include "config.h"
#include "dataset.h"
#include "edns.h"
#include "qauth.h"
#include "qwrite.h"
#include "snapshot.h"
#include "zone.h"

/* A parsed request; everything points into the packet or is copied. */
struct qw_req {
	const uint8_t *pkt;
	size_t len;
	size_t qend;            /* offset just after the question */
	int has_q;              /* the question parsed (QDCOUNT 1) */
	size_t qname_len;       /* wire length of the question name */
	unsigned nlabels;
	uint8_t loff[DX_MAXLABELS];  /* label offsets within the name */
	uint8_t lname[256];     /* the name, lowercased */
	uint16_t qtype, qclass;
	struct edns e;          /* the request's OPT */
	uint16_t our_payload;   /* what our OPT advertises */
	bool hinted;            /* the name starts d.c.b.a: hint4 = a.b.c.d */
	uint32_t hint4;
};

#define TXT_BUF 4096        /* longest TXT text we expand */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Parse the question at offset 12: uncompressed labels only (a pointer in
 * a query's question is rejected, so loops cannot happen), each checked
 * against the packet end before it is read. */
static int
parse_question(struct qw_req *r)
{
	const size_t start = 12;
	size_t pos = start;
	unsigned n = 0;

	for (;;) {
		if (pos >= r->len)
			return -1;
		uint8_t l = r->pkt[pos];
		if (l == 0)
			break;
		if (l & 0xC0)                    /* pointer or reserved type */
			return -1;
		if (n >= DX_MAXLABELS)
			return -1;
		if (pos - start + 1 + l + 1 > 255)   /* name too long */
			return -1;
		if (l >= r->len - pos)               /* label runs off the end */
			return -1;
		r->loff[n++] = (uint8_t)(pos - start);
		r->lname[pos - start] = l;
		for (unsigned i = 1; i <= l; i++) {
			uint8_t c = r->pkt[pos + i];
			r->lname[pos - start + i] =
			    (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		}
		pos += 1 + (size_t)l;
	}
	r->lname[pos - start] = 0;
	r->nlabels = n;
	pos++;
	r->qname_len = pos - start;
	if (r->len - pos < 4)
		return -1;
	r->qtype = rd16(r->pkt + pos);
	r->qclass = rd16(r->pkt + pos + 2);
	r->qend = pos + 4;
	return 0;
}

/* A name that starts with a reversed IPv4 address and has more labels
 * (d.c.b.a.zone): r->hint4 = a.b.c.d. The trie's first line is then
 * fetched while the checks before the lookup run (it is cold after each
 * trip through the kernel), and an A query may take the short way. */
static void
hint_ip4(struct qw_req *r)
{
	r->hinted = r->nlabels >= 5 &&
	    query_peek_ip4(r->lname, r->qname_len, &r->hint4);
}

bool
query_peek_ip4(const uint8_t *name, size_t len, uint32_t *addr)
{
	uint32_t a = 0;
	size_t pos = 0;
	for (unsigned i = 0; i < 4; i++) {
		if (pos >= len || name[pos] >= len - pos)
			return false;   /* the label (or its length) runs off */
		int v = qname_octet(name + pos + 1, name[pos]);
		if (v < 0)
			return false;
		a |= (uint32_t)v << (8 * i);
		pos += 1 + (size_t)name[pos];
	}
	*addr = a;
	return true;
}

void
query_prefetch(const struct snapshot *s, const uint8_t *req, size_t len)
{
	uint32_t a;
	if (s && len > 12 && query_peek_ip4(req + 12, len - 12, &a))
		snapshot_prefetch4(s, a);
}

/* --- answers from a zone ---------------------------------------------- */

static uint32_t
hit_ttl(const struct dx_hit *h, const struct config *cfg)
{
	if (h->ds)
		return dataset_ttl(h->ds);
	return cfg ? cfg->ttl_default : 2100;
}

/* One TXT record: text split into 255-byte character strings. Skipped
 * (rolled back) when an identical TXT record is already in the answer. */
static unsigned
put_txt(struct qw *w, uint16_t owner, uint16_t cls, uint32_t ttl,
    const char *txt, size_t len, size_t *seen, unsigned *nseen)
{
	size_t rr = w->pos;
	size_t at = qw_rr_start(w, owner, LDNS_RR_TYPE_TXT, cls, ttl);
	size_t i = 0;
	do {
		size_t chunk = len - i > 255 ? 255 : len - i;
		qw_u8(w, (uint8_t)chunk);
		qw_mem(w, txt + i, chunk);
		i += chunk;
	} while (i < len);
	qw_rr_end(w, at);
	if (w->over || !seen)
		return w->over ? 0 : 1;
	size_t rdlen = w->pos - at - 2;
	for (unsigned k = 0; k < *nseen; k++) {
		size_t o = seen[k];
		if (rd16(w->p + o) == rdlen &&
		    memcmp(w->p + o + 2, w->p + at + 2, rdlen) == 0) {
			qw_rollback(w, rr);
			return 0;
		}
	}
	if (*nseen < DX_MAXHITS)
		seen[(*nseen)++] = at;
	return 1;
}

/* RFC 2181 5.2: the records of one RRset share one TTL. Hits from
 * several datasets (or generic lines) may carry different TTLs; like
 * rbldnsd we send the smallest. Each record written is noted, then the
 * TTL fields are patched once the section is complete. */
#define RRTTL_MAX 256

struct rrttl {
	uint16_t type;
	uint32_t ttl;
	size_t pos;                 /* offset of the TTL field */
};

struct rrttls {
	unsigned n;
	struct rrttl r[RRTTL_MAX];
};

#define RRTTL_DUP SIZE_MAX      /* a duplicate not written: its TTL counts */

/* Owners in put_hits are 2-byte pointers: TTL sits 6 bytes in. */
static void
rrttl_note(struct rrttls *t, uint16_t type, size_t rrstart, uint32_t ttl)
{
	if (t->n < RRTTL_MAX)
		t->r[t->n++] = (struct rrttl){ type, ttl,
		    rrstart == RRTTL_DUP ? RRTTL_DUP : rrstart + 6 };
}

static void
rrttl_patch(struct qw *w, const struct rrttls *t)
{
	if (w->over)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		uint32_t min = t->r[i].ttl;
		for (unsigned k = 0; k < t->n; k++)
			if (t->r[k].type == t->r[i].type && t->r[k].ttl < min)
				min = t->r[k].ttl;
		if (t->r[i].pos == RRTTL_DUP)
			continue;
		uint8_t *p = w->p + t->r[i].pos;
		p[0] = (uint8_t)(min >> 24);
		p[1] = (uint8_t)(min >> 16);
		p[2] = (uint8_t)(min >> 8);
		p[3] = (uint8_t)min;
	}
}

/* The records of the hits that match qtype; returns how many. */
static unsigned
put_hits(struct qw *w, const struct qw_req *r, const struct dx_qname *q,
    const struct dx_hits *h, const struct config *cfg)
{
	uint16_t qt = r->qtype;
	unsigned n = 0, na = 0, ntxt = 0;
	uint32_t seen_a[DX_MAXHITS];
	size_t seen_txt[DX_MAXHITS];
	unsigned nh = h->n > DX_MAXHITS ? DX_MAXHITS : h->n;
	struct rrttls ttls;
	ttls.n = 0;

	if (qt == LDNS_RR_TYPE_A || qt == LDNS_RR_TYPE_ANY) {
		for (unsigned i = 0; i < nh; i++) {
			const struct dx_hit *hit = &h->hit[i];
			if (!hit->val)
				continue;
			unsigned k;
			for (k = 0; k < na && seen_a[k] != hit->val->a; k++)
				;
			if (k < na) {
				rrttl_note(&ttls, LDNS_RR_TYPE_A, RRTTL_DUP,
				    hit_ttl(hit, cfg));
				continue;
			}
			seen_a[na++] = hit->val->a;
			rrttl_note(&ttls, LDNS_RR_TYPE_A, w->pos,
			    hit_ttl(hit, cfg));
			size_t at = qw_rr_start(w, QW_QNAME, LDNS_RR_TYPE_A,
			    LDNS_RR_CLASS_IN, hit_ttl(hit, cfg));
			qw_mem(w, &hit->val->a, 4);
			qw_rr_end(w, at);
			n++;
		}
	}
	if (qt == LDNS_RR_TYPE_TXT || qt == LDNS_RR_TYPE_ANY) {
		char txt[TXT_BUF];
		for (unsigned i = 0; i < nh; i++) {
			const struct dx_hit *hit = &h->hit[i];
			/* No TXT of its own may still mean a TXT: the $= base
			 * template applies (rbldnsd); expansion decides. */
			if (!hit->val)
				continue;
			int len = dataset_txt_expand(hit, q, txt, sizeof(txt));
			if (len < 0)
				continue;
			if ((size_t)len >= sizeof(txt))
				len = (int)sizeof(txt) - 1;
			size_t rrstart = w->pos;
			if (put_txt(w, QW_QNAME, LDNS_RR_CLASS_IN,
			    hit_ttl(hit, cfg), txt, (size_t)len, seen_txt,
			    &ntxt)) {
				rrttl_note(&ttls, LDNS_RR_TYPE_TXT, rrstart,
				    hit_ttl(hit, cfg));
				n++;
			} else if (!w->over)
				rrttl_note(&ttls, LDNS_RR_TYPE_TXT, RRTTL_DUP,
				    hit_ttl(hit, cfg));
		}
	}
	/* Generic records (rbldnsd's generic dataset) go out as stored. */
	for (unsigned i = 0; i < nh; i++) {
		const struct dx_hit *hit = &h->hit[i];
		for (unsigned j = 0; hit->rr && j < hit->nrr; j++) {
			const struct dx_rr *rr = &hit->rr[j];
			if (rr->type != qt && qt != LDNS_RR_TYPE_ANY)
				continue;
			if (rr->type == LDNS_RR_TYPE_A && rr->rdlen == 4 &&
			    na < DX_MAXHITS) {
				uint32_t a;     /* no A twice in one RRset */
				unsigned k;
				memcpy(&a, rr->rdata, 4);
				for (k = 0; k < na && seen_a[k] != a; k++)
					;
				if (k < na) {
					rrttl_note(&ttls, LDNS_RR_TYPE_A,
					    RRTTL_DUP, rr->ttl);
					continue;
				}
				seen_a[na++] = a;
			}
			rrttl_note(&ttls, rr->type, w->pos, rr->ttl);
			size_t at = qw_rr_start(w, QW_QNAME, rr->type,
			    LDNS_RR_CLASS_IN, rr->ttl);
			qw_mem(w, rr->rdata, rr->rdlen);
			qw_rr_end(w, at);
			n++;
		}
	}
	rrttl_patch(w, &ttls);
	return n;
}

/* $TIMESTAMP expiry (docs/dnsxld.8): a dataset past its expiry time
 * answers nothing, as if it did not list the name; the reply then carries
 * EDE 0 "data expired" (RFC 8914) for EDNS clients. Also records the
 * datasets that answered, for statistics. */
static enum zone_status
drop_expired(struct dx_hits *h, struct qw *w, struct query_info *info)
{
	time_t now = 0;
	unsigned n = 0, nh = h->n > DX_MAXHITS ? DX_MAXHITS : h->n;
	for (unsigned i = 0; i < nh; i++) {
		time_t exp = h->hit[i].ds ? dataset_expires(h->hit[i].ds) : 0;
		if (exp && (now ? now : (now = time(NULL))) > exp) {
			w->expired = true;
			continue;
		}
		if (info && info->nhits < QUERY_INFO_HITS)
			info->hits[info->nhits++] = h->hit[i].ds;
		h->hit[n++] = h->hit[i];
	}
	h->n = n;
	return n || !w->expired ? ZONE_FOUND : ZONE_NXDOMAIN;
}

/* zone_query() under an acl verdict of EMPTY or VALUE: every dataset is
 * asked through acl_dataset_query() (acl.h); *listed is set when the acl
 * value must be added. TODO: belongs in zone.c as zone_query_acl() (the
 * RFC 5782 test entries and IPv4-mapped names are not special here). */
static enum zone_status
zone_query_acl(const struct zone *z, const struct dx_qname *q,
    const struct acl_verdict *v, struct dx_hits *hits, bool *listed)
{
	bool exists = q->nlabels == 0;
	unsigned n = zone_dataset_count(z);
	hits->n = 0;
	*listed = false;
	for (unsigned i = 0; i < n; i++)
		if (acl_dataset_query(zone_dataset(z, i), q, v, hits, listed))
			exists = true;
	if (hits->n || *listed)
		return ZONE_FOUND;
	if (exists)
		return ZONE_NODATA;
	for (unsigned i = 0; i < n; i++)
		if (dataset_exists_below(zone_dataset(z, i), q))
			return ZONE_NODATA;
	return ZONE_NXDOMAIN;
}

static socklen_t
peer_len(const struct sockaddr *sa)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return 0;
}

/* The acl's one A and one TXT ("$" = the client), as rbldnsd adds them. */
static unsigned
put_acl_value(struct qw *w, const struct qw_req *r, const struct acl_verdict *v,
    const struct sockaddr *peer)
{
	unsigned n = 0;
	uint32_t ttl = v->ds ? dataset_ttl(v->ds) : 0;
	if (!v->val)
		return 0;
	if (r->qtype == LDNS_RR_TYPE_A || r->qtype == LDNS_RR_TYPE_ANY) {
		size_t at = qw_rr_start(w, QW_QNAME, LDNS_RR_TYPE_A,
		    LDNS_RR_CLASS_IN, ttl);
		qw_mem(w, &v->val->a, 4);
		qw_rr_end(w, at);
		n++;
	}
	if (r->qtype == LDNS_RR_TYPE_TXT || r->qtype == LDNS_RR_TYPE_ANY) {
		char txt[TXT_BUF];
		int len = acl_txt_expand(v, peer, peer_len(peer), txt, sizeof(txt));
		if (len >= 0) {
			if ((size_t)len >= sizeof(txt))
				len = (int)sizeof(txt) - 1;
			n += put_txt(w, QW_QNAME, LDNS_RR_CLASS_IN, ttl, txt,
			    (size_t)len, NULL, NULL);
		}
	}
	return n;
}

/* The NS set in authority after an answer: optional, dropped when it does
 * not fit, and left out under "minimal". */
static void
put_authority_ns(struct qw *w, const struct zone *z, uint16_t apex,
    unsigned zl, int minimal)
{
	if (minimal)
		return;
	size_t mark = w->pos;
	const struct qauth_image *im = &zone_auth(z)->ns;
	unsigned k = qauth_put(w, im, apex, zl, 0) ? im->nrr :
	    qw_ns(w, apex, zone_ns(z));
	if (w->over)
		qw_rollback(w, mark);
	else
		w->ns = k;
}

/* NXDOMAIN or NODATA: the SOA with the negative TTL (RFC 2308); TC when
 * it does not fit after the question (body: where the answer began). */
static void
put_negative_soa(struct qw *w, const struct zone *z, uint16_t apex,
    unsigned zl, size_t body, int *tc)
{
	if (!qauth_put(w, &zone_auth(z)->soa, apex, zl, zone_soa(z)->serial))
		qw_soa(w, apex, zone_soa(z), zone_negative_ttl(z));
	if (w->over) {
		qw_rollback(w, body);
		*tc = 1;
	} else {
		w->ns = 1;
	}
}

/* The short way (zone_lookup4): an A query for d.c.b.a.zone answered by
 * one IPv4 trie. Writes the bytes the long way would: one A, or NXDOMAIN,
 * with the same authority records; it skips the name parse, the hit list
 * and the general record writer, whose code lines are cold on every
 * datagram (docs/design-query.md "The short way for A"). */
static int
answer_a4(struct qw *w, const struct dataset *ds, const struct dx_value *val,
    const struct zone *z, uint16_t apex, unsigned zl, int minimal,
    struct query_info *info, int *tc)
{
	size_t body = w->pos;
	if (!val) {
		put_negative_soa(w, z, apex, zl, body, tc);
		return QW_NXDOMAIN;
	}
	if (info && info->nhits < QUERY_INFO_HITS)
		info->hits[info->nhits++] = ds;
	size_t at = qw_rr_start(w, QW_QNAME, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
	    dataset_ttl(ds));
	qw_mem(w, &val->a, 4);
	qw_rr_end(w, at);
	if (w->over) {
		qw_rollback(w, body);
		*tc = 1;
		return QW_NOERROR;
	}
	w->an = 1;
	put_authority_ns(w, z, apex, zl, minimal);
	return QW_NOERROR;
}

/* The zone part of the ladder. Sets the rcode and flags; the body goes
 * into w after the question. */
static int
answer_zone(struct qw *w, const struct qw_req *r, const struct snapshot *s,
    const struct sockaddr *peer, struct query_info *info, int *tc)
{
	const struct config *cfg = snapshot_config(s);
	unsigned zl = 0;
	const struct zone *z = snapshot_find_zone(s, r->lname,
	    (unsigned)r->qname_len, &zl);
	if (!z || zl > r->nlabels)
		return QW_REFUSED;
	for (unsigned i = 0; info && i < snapshot_zone_count(s); i++)
		if (snapshot_zone(s, i) == z) {
			info->zone_index = (int)i;
			break;
		}
	/* Transfers go over TCP to xfr.c. IXFR over UDP (RFC 1995 section
	 * 2) gets the current SOA alone: "up to date, or ask over TCP". */
	if (r->qtype == LDNS_RR_TYPE_IXFR && r->nlabels == zl && cfg &&
	    config_xfr_allows(cfg, zone_name(z))) {
		uint16_t ap = zl ? (uint16_t)(12 + r->loff[0]) : QW_ROOT;
		qw_soa(w, ap, zone_soa(z), zone_soa(z)->ttl);
		if (w->over)
			return QW_SERVFAIL;
		w->an = 1;
		if (info)
			info->ancount = 1;
		return QW_NOERROR;
	}
	if (r->qtype == LDNS_RR_TYPE_AXFR || r->qtype == LDNS_RR_TYPE_IXFR)
		return QW_REFUSED;      /* transfers are not served here */

	struct acl_verdict v = { ACL_PASS, NULL, NULL };
	/* The runtime allowlist first (allowlist.h); its "code" action
	 * answers like an acl value of that A, without TXT, TTL 0. */
	uint32_t alcode = 0;
	struct dx_value alval = { 0, NULL };
	enum al_verdict av = allowlist_check(cfg, zone_name(z), peer, &alcode);
	if (av == AL_DROP)
		return QW_DROP;
	if (av == AL_REFUSE)
		return QW_REFUSED;
	const struct dataset *gacl = snapshot_global_acl(s), *zacl = zone_acl(z);
	if (av == AL_CODE) {
		alval.a = htonl(alcode);
		v.action = ACL_VALUE;
		v.val = &alval;
	} else if ((gacl || zacl) && peer)
		acl_check(gacl, zacl, peer, peer_len(peer), &v);
	if (v.action == ACL_IGNORE)
		return QW_DROP;
	if (v.action == ACL_REFUSE)
		return QW_REFUSED;

	unsigned nrel = r->nlabels - zl;
	uint16_t apex = zl ? (uint16_t)(12 + r->loff[nrel]) : QW_ROOT;
	for (unsigned i = nrel; i < r->nlabels; i++)
		qw_ctab_add(w, (uint16_t)(12 + r->loff[i]));
	int minimal = cfg ? cfg->minimal : 0;
	const struct dataset *ds4;
	const struct dx_value *val4;
	if (r->qtype == LDNS_RR_TYPE_A && r->hinted && nrel == 4 &&
	    v.action == ACL_PASS && zone_lookup4(z, r->hint4, &ds4, &val4))
		return answer_a4(w, ds4, val4, z, apex, zl, minimal, info, tc);

	const uint8_t *labels[DX_MAXLABELS];
	uint8_t lens[DX_MAXLABELS];
	for (unsigned i = 0; i < nrel; i++) {
		labels[i] = r->lname + r->loff[i] + 1;
		lens[i] = r->lname[r->loff[i]];
	}
	struct dx_qname q;
	if (qname_parse(&q, nrel, labels, lens) < 0)
		return QW_SERVFAIL;
	struct dx_hits hits;
	bool acl_listed = false;
	enum zone_status st;
	hits.n = 0;
	if (v.action == ACL_PASS)
		st = zone_query(z, &q, &hits);
	else
		st = zone_query_acl(z, &q, &v, &hits, &acl_listed);
	if (st == ZONE_FOUND)
		st = drop_expired(&hits, w, info);

	size_t body = w->pos;
	unsigned an = 0;
	int ns_answered = 0;
	if (st != ZONE_NXDOMAIN) {
		if (nrel == 0 && (r->qtype == LDNS_RR_TYPE_SOA ||
		    r->qtype == LDNS_RR_TYPE_ANY)) {
			const struct ds_soa *soa = zone_soa(z);
			qw_soa(w, apex, soa, soa->ttl);
			an++;
		}
		if (nrel == 0 && (r->qtype == LDNS_RR_TYPE_NS ||
		    r->qtype == LDNS_RR_TYPE_ANY)) {
			unsigned k = qw_ns(w, apex, zone_ns(z));
			an += k;
			ns_answered = k > 0;
		}
		if (st == ZONE_FOUND)
			an += put_hits(w, r, &q, &hits, cfg);
		if (acl_listed && v.action == ACL_VALUE)
			an += put_acl_value(w, r, &v, peer);
		if (w->over) {          /* the answer does not fit: TC */
			qw_rollback(w, body);
			*tc = 1;
			return QW_NOERROR;
		}
		w->an = an;
	}
	if (an > 0) {
		if (!ns_answered)
			put_authority_ns(w, z, apex, zl, minimal);
		return QW_NOERROR;
	}
	put_negative_soa(w, z, apex, zl, body, tc);
	return st == ZONE_NXDOMAIN ? QW_NXDOMAIN : QW_NOERROR;
}

/* CHAOS TXT: the text comes from chaos.c. */
static int
query_chaos(struct qw *w, const struct qw_req *r, const struct config *cfg)
{
	const char *text;
	int rc = chaos_text(r->lname, r->qname_len, cfg, &text);
	if (rc != QW_NOERROR)
		return rc;
	if (r->qtype != LDNS_RR_TYPE_TXT && r->qtype != LDNS_RR_TYPE_ANY)
		return QW_NOERROR;              /* the name exists, no such type */
	size_t len = strlen(text);
	if (len > 255)
		len = 255;                      /* one character-string */
	size_t mark = w->pos;
	if (put_txt(w, QW_QNAME, LDNS_RR_CLASS_CH, 0, text, len, NULL, NULL))
		w->an = 1;
	else
		qw_rollback(w, mark);
	return QW_NOERROR;
}

/* --- the ladder --------------------------------------------------------- */

/* EDNS option 15 (Extended DNS Error), INFO-CODE 0 (Other), EXTRA-TEXT. */
static const uint8_t ede_expired[] = {
	0, 15, 0, 14, 0, 0, 'd', 'a', 't', 'a', ' ', 'e', 'x', 'p', 'i', 'r', 'e',
	'd' };

static size_t
finish(struct qw *w, const struct qw_req *r, int rcode, int aa, int tc,
    struct query_info *info)
{
	uint8_t *o = w->p;
	if (r && r->e.present) {
		w->lim += EDNS_OPT_LEN;
		if (qw_room(w, EDNS_OPT_LEN)) {
			edns_write_opt(w->p + w->pos, r->our_payload, rcode,
			    r->e.do_bit);
			w->pos += EDNS_OPT_LEN;
			w->ar++;
			if (w->expired && qw_room(w, sizeof(ede_expired))) {
				qw_mem(w, ede_expired, sizeof(ede_expired));
				w->p[w->pos - sizeof(ede_expired) - 1] =
				    sizeof(ede_expired);        /* OPT RDLENGTH */
			}
		}
	}
	o[2] |= (aa ? 0x04 : 0) | (tc ? 0x02 : 0);
	o[3] |= (uint8_t)(rcode & 0x0F);
	o[4] = 0;
	o[5] = (r && r->has_q) ? 1 : 0;
	o[6] = (uint8_t)(w->an >> 8);
	o[7] = (uint8_t)w->an;
	o[8] = (uint8_t)(w->ns >> 8);
	o[9] = (uint8_t)w->ns;
	o[10] = (uint8_t)(w->ar >> 8);
	o[11] = (uint8_t)w->ar;
	info->rcode = rcode;
	info->truncated = tc;
	info->ancount = w->an;
	return w->pos;
}

size_t
query_process(const struct snapshot *s, const uint8_t *req, size_t reqlen,
    enum query_transport tr, const struct sockaddr *peer, uint8_t *out,
    size_t outcap, struct query_info *info)
{
	struct query_info dummy;
	struct qw w;
	struct qw_req r;

	if (s)                  /* cold after the kernel: fetch them at once */
		snapshot_prefetch_hot(s);
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->rcode = -1;
	info->zone_index = -1;
	if (reqlen < 12 || outcap < QUERY_MIN_BUF || (req[2] & 0x80))
		return 0;               /* short header or a response: drop */
	if (outcap > QUERY_MAX_BUF)
		outcap = QUERY_MAX_BUF;

	qw_init(&w, out, QUERY_MIN_BUF);
	out[0] = req[0];
	out[1] = req[1];
	out[2] = (uint8_t)(0x80 | (req[2] & 0x79));     /* QR, opcode, RD */
	out[3] = req[3] & 0x10;                         /* CD */
	memset(out + 4, 0, 8);
	w.pos = 12;

	/* Parse what can be parsed first, so that NOTIMP and FORMERR replies
	 * still echo the question and the OPT record when they were sound. */
	unsigned qd = rd16(req + 4);
	/* Field by field: the name buffers (~400 bytes) are written by
	 * parse_question before anything reads them. */
	r.pkt = req;
	r.len = reqlen;
	r.qend = 12;
	r.has_q = 0;
	r.qname_len = 0;
	r.nlabels = 0;
	r.qtype = r.qclass = 0;
	r.e.present = false;
	r.our_payload = 0;
	r.hinted = false;
	if (qd > 1)
		return finish(&w, NULL, QW_FORMERR, 0, 0, info);
	if (qd == 1) {
		if (parse_question(&r) < 0)
			return finish(&w, NULL, QW_FORMERR, 0, 0, info);
		r.has_q = 1;
		hint_ip4(&r);
		if (s && r.hinted)
			snapshot_prefetch4(s, r.hint4);
		info->qtype = r.qtype;
		info->qclass = r.qclass;
		qw_mem(&w, req + 12, r.qend - 12);  /* verbatim: keeps 0x20 case */
	}
	if (edns_parse(req, reqlen, r.qend, &r.e) < 0) {
		r.e.present = false;    /* RFC 6891 6.1.1: FORMERR, no OPT */
		return finish(&w, &r, QW_FORMERR, 0, 0, info);
	}
	if ((req[2] >> 3 & 0x0F) != 0)
		return finish(&w, &r, QW_NOTIMP, 0, 0, info);
	if (qd == 0)
		return finish(&w, &r, QW_FORMERR, 0, 0, info);

	const struct config *cfg = s ? snapshot_config(s) : NULL;
	uint16_t emax = cfg && cfg->edns_max >= 512 ? cfg->edns_max :
	    EDNS_DEFAULT_MAX;
	size_t lim = tr == QUERY_TCP ? outcap : edns_udp_limit(&r.e, emax);
	if (lim > outcap)
		lim = outcap;
	r.our_payload = emax;
	w.lim = lim - (r.e.present ? EDNS_OPT_LEN : 0);

	if (r.e.present && r.e.version > 0)
		return finish(&w, &r, QW_BADVERS, 0, 0, info);
	if (!s)
		return finish(&w, &r, QW_SERVFAIL, 0, 0, info);

	int tc = 0, rc;
	if (r.qclass == LDNS_RR_CLASS_CH) {
		rc = query_chaos(&w, &r, cfg);
		return finish(&w, &r, rc, rc == QW_NOERROR, 0, info);
	}
	if (r.qclass != LDNS_RR_CLASS_IN && r.qclass != LDNS_RR_CLASS_ANY)
		return finish(&w, &r, QW_REFUSED, 0, 0, info);
	rc = answer_zone(&w, &r, s, peer, info == &dummy ? NULL : info, &tc);
	if (rc == QW_DROP)
		return 0;
	return finish(&w, &r, rc, rc == QW_NOERROR || rc == QW_NXDOMAIN, tc,
	    info);
}

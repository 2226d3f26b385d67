/* xfr_req.c -- an AXFR/IXFR request: the question read by hand, the IXFR
 * serial and the TSIG through ldns, and the allow-transfer check.
 */
#include "xfr.h"
#include "xfr_impl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errcode.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool
xfr_is_transfer(const uint8_t *req, size_t len)
{
	size_t pos = 12;

	if (len < 17 || (req[2] & 0x80) || ((req[2] >> 3) & 0xF) != 0 ||
	    rd16(req + 4) != 1)
		return false;
	while (pos < len && req[pos] != 0) {
		if (req[pos] & 0xC0)
			return false;
		pos += 1 + (size_t)req[pos];
	}
	if (pos + 5 > len)
		return false;
	uint16_t t = rd16(req + pos + 1);
	return t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR;
}

/* "hmac-sha256" -> "hmac-sha256." (ldns compares absolute names). */
void
xfr_dotted(const char *s, char *out, size_t cap)
{
	size_t l = strlen(s);
	snprintf(out, cap, "%s%s", s, l && s[l - 1] == '.' ? "" : ".");
}

static bool
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* RFC 8945 5.2: a TSIG on the request is verified with the configured key
 * of that name; the reply is then signed with it. An unknown key or
 * another algorithm is BADKEY, a wrong MAC BADSIG (both answered NOTAUTH,
 * unsigned), a time outside the fudge BADTIME (NOTAUTH, signed). */
static void
check_tsig(ldns_pkt *p, const uint8_t *pkt, size_t len,
    const struct config *cfg, struct xreq *r)
{
	ldns_rr *t = ldns_pkt_tsig(p);
	const struct cfg_tsig *k = NULL;
	char *kn, name[300];

	if (!t)
		return;
	r->tsig_bad = true;
	if ((kn = ldns_rdf2str(ldns_rr_owner(t))) == NULL)
		return;
	snprintf(r->keyname, sizeof(r->keyname), "%s", kn);
	free(kn);
	if (ldns_rr_rd_count(t) < 7 || !xfr_tsig_fields(t, &r->terr))
		return;                 /* malformed: REFUSED */
	r->terr.error = TSIG_BADKEY;
	for (unsigned i = 0; cfg && i < cfg->ntsig && !k; i++)
		if (same_name(cfg->tsig[i].name, r->keyname))
			k = &cfg->tsig[i];
	if (!k)
		return;
	if ((kn = ldns_rdf2str(ldns_rr_rdf(t, 0))) == NULL)
		return;
	bool same_alg = same_name(kn, k->algorithm);
	free(kn);
	if (!same_alg)
		return;
	xfr_dotted(k->name, name, sizeof(name));
	if (!ldns_pkt_tsig_verify(p, pkt, len, name, k->secret, NULL)) {
		r->terr.error = TSIG_BADSIG;
		return;
	}
	int64_t skew = (int64_t)time(NULL) - (int64_t)r->terr.time_signed;
	if (skew > r->terr.fudge || -skew > r->terr.fudge) {
		r->terr.error = TSIG_BADTIME;
		r->terr.secret = k->secret;
		r->terr.algorithm = k->algorithm;
		return;
	}
	r->terr.error = 0;
	r->key = k;
	r->tsig_bad = false;
	r->mac = ldns_rdf_clone(ldns_rr_rdf(t, 3));
}

/* The question by hand (the raw bytes are echoed); the IXFR serial and
 * the TSIG through ldns (cold path). */
int
xfr_parse_req(const uint8_t *pkt, size_t len, const struct config *cfg,
    struct xreq *r)
{
	size_t pos = 12, o = 0;
	ldns_pkt *p = NULL;

	memset(r, 0, sizeof(*r));
	r->pkt = pkt;
	r->len = len;
	while (pos < len && pkt[pos] != 0) {
		unsigned l = pkt[pos];
		if ((l & 0xC0) || pos + 1 + l >= len || o + l + 2 >= 256)
			return DX_EINVAL;
		if (o)
			r->qname[o++] = '.';
		for (unsigned i = 0; i < l; i++)
			r->qname[o++] = (char)pkt[pos + 1 + i];
		pos += 1 + l;
	}
	r->qname[o] = '\0';
	if (pos + 5 > len)
		return DX_EINVAL;
	r->qtype = rd16(pkt + pos + 1);
	r->qclass = rd16(pkt + pos + 3);
	r->qend = pos + 5;
	if (ldns_wire2pkt(&p, pkt, len) == LDNS_STATUS_OK) {
		ldns_rr_list *ns = ldns_pkt_authority(p);
		check_tsig(p, pkt, len, cfg, r);
		for (size_t i = 0; r->qtype == LDNS_RR_TYPE_IXFR && ns &&
		    i < ldns_rr_list_rr_count(ns); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ns, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_rr_rd_count(rr) >= 3) {
				r->serial = ldns_rdf2native_int32(
				    ldns_rr_rdf(rr, 2));
				r->has_serial = true;
				break;
			}
		}
	}
	ldns_pkt_free(p);
	return 0;
}

/* allow-transfer: "addr", "addr/len", either followed by "key NAME", or
 * "key NAME" alone (any address); IPv4-mapped peers match IPv4. An entry
 * with a key needs the request signed with it. */
bool
xfr_allowed(const struct config *cfg, const struct sockaddr *peer,
    const struct xreq *r)
{
	char *const *list, *const *nl;
	unsigned nlist, nn;
	uint8_t pa[16];
	int pf;

	if (!peer)
		return false;
	if (peer->sa_family == AF_INET) {
		memcpy(pa, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		pf = 4;
	} else if (peer->sa_family == AF_INET6) {
		memcpy(pa, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
		pf = 6;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)pa)) {
			memmove(pa, pa + 12, 4);
			pf = 4;
		}
	} else {
		return false;
	}
	/* the zone's own list when it has one (config_xfr_lists) */
	config_xfr_lists(cfg, r->qname, &list, &nlist, &nl, &nn);
	for (unsigned i = 0; i < nlist; i++) {
		char buf[300], *slash, *key;
		uint8_t a[16];
		unsigned bits, fam;
		snprintf(buf, sizeof(buf), "%s", list[i]);
		if ((key = strstr(buf, "key ")) != NULL) {
			char *k = key + 4;
			while (*k == ' ')
				k++;
			if (!r->key || !same_name(k, r->key->name))
				continue;
			while (key > buf && key[-1] == ' ')
				key--;
			*key = '\0';
			if (!buf[0])
				return true;            /* any address */
		}
		slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		if (inet_pton(AF_INET, buf, a) == 1)
			fam = 4;
		else if (inet_pton(AF_INET6, buf, a) == 1)
			fam = 6;
		else
			continue;
		bits = slash ? (unsigned)atoi(slash) : (fam == 4 ? 32 : 128);
		if (fam != (unsigned)pf || bits > (fam == 4 ? 32u : 128u))
			continue;
		unsigned full = bits / 8, rest = bits % 8;
		if (memcmp(a, pa, full) != 0)
			continue;
		if (rest && ((a[full] ^ pa[full]) & (0xFF << (8 - rest)) & 0xFF))
			continue;
		return true;
	}
	return false;
}

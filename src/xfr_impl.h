/* xfr_impl.h -- what xfr.c (versions, replies) and xfr_req.c (parsing
 * and allowing a transfer request) share. Not a contract for other
 * modules: use xfr.h.
 */
#ifndef DNSXL_XFR_IMPL_H
#define DNSXL_XFR_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "config.h"
#include "xfr_tsig.h"

/* A transfer request, as parsed. */
struct xreq {
	const uint8_t *pkt;
	size_t len;
	size_t qend;               /* end of the question */
	uint16_t qtype, qclass;
	char qname[300];           /* text, no trailing dot */
	bool has_serial;           /* IXFR: the client's SOA serial */
	uint32_t serial;
	const struct cfg_tsig *key; /* the request's TSIG verified with it */
	bool tsig_bad;             /* a TSIG we cannot verify */
	ldns_rdf *mac;             /* the request's MAC (signs the reply) */
	char keyname[300];
	struct xfr_tsig_req terr;  /* RFC 8945 error to answer with */
};

/* A name with its trailing dot (ldns compares absolute names). */
void xfr_dotted(const char *s, char *out, size_t cap);

/* pkt into r: 0, or DX_EINVAL for a malformed question. r->key,
 * r->tsig_bad and r->terr say what its TSIG was; the caller frees r->mac. */
int xfr_parse_req(const uint8_t *pkt, size_t len, const struct config *cfg,
    struct xreq *r);

/* The zone's allow-transfer (or the server's) lets peer have it. */
bool xfr_allowed(const struct config *cfg, const struct sockaddr *peer,
    const struct xreq *r);

#endif

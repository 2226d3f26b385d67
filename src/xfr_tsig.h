/* xfr_tsig.h -- RFC 8945 error replies to signed transfer requests: the
 * TSIG record of a NOTAUTH reply (BADKEY and BADSIG unsigned, BADTIME
 * signed with the request's key). */
#ifndef DNSXL_XFR_TSIG_H
#define DNSXL_XFR_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSIG_BADSIG  16
#define TSIG_BADKEY  17
#define TSIG_BADTIME 18

/* What the request's TSIG said, and the error found. */
struct xfr_tsig_req {
	uint16_t error;             /* 0 or TSIG_BAD* */
	uint8_t owner[256];         /* key name, wire, lower case */
	size_t ownerlen;
	uint8_t alg[256];           /* algorithm name, wire, lower case */
	size_t alglen;
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t orig_id;
	uint8_t mac[128];           /* the request's MAC */
	size_t maclen;
	const char *secret;         /* base64, BADTIME only (signs) */
	const char *algorithm;      /* "hmac-sha256", BADTIME only */
};

/* Fill e (not its error) from the request's TSIG record t; false
 * when it is malformed. */
struct ldns_struct_rr;
bool xfr_tsig_fields(const struct ldns_struct_rr *t, struct xfr_tsig_req *e);

/* Append the TSIG record for t->error to the reply msg[0..len) (header
 * and question, ARCOUNT 0; now = the server's time) and set ARCOUNT.
 * Returns the new length, 0 when it does not fit in cap or the key's
 * algorithm cannot sign here (then the reply is sent unsigned). */
size_t xfr_tsig_error(const struct xfr_tsig_req *t, uint8_t *msg, size_t len,
    size_t cap, uint64_t now);

/* Whether the algorithm can sign a BADTIME reply (hmac-sha1, -sha256,
 * -sha384, -sha512). */
int xfr_tsig_can_sign(const char *algorithm);

#endif

/* edns.h -- EDNS0 (RFC 6891) on the query path: find the OPT record of a
 * request, size the reply, write our OPT. Untrusted input, bounds-checked
 * reads, no allocation. */
#ifndef DNSXL_EDNS_H
#define DNSXL_EDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDNS_OPT_LEN      11      /* root name, type, class, TTL, RDLENGTH */
#define EDNS_DEFAULT_MAX  1232    /* DNS flag day 2020 */

struct edns {
	bool present;                 /* the request had an OPT record */
	uint16_t payload;             /* its UDP payload size */
	uint8_t version;
	bool do_bit;                  /* DNSSEC OK, copied back (RFC 3225) */
};

/* Walk the answer, authority and additional records of pkt[0..len) from
 * offset pos (just after the question) using the header's counts, and
 * fill e from the OPT record. Returns 0, -1 when a record is malformed or
 * runs past the end or an OPT is misplaced (not additional, not owned by
 * the root), -2 when there is more than one OPT (FORMERR either way). */
int edns_parse(const uint8_t *pkt, size_t len, size_t pos, struct edns *e);

/* The largest UDP reply for a request: 512 without EDNS, else the
 * client's payload raised to 512 and capped at edns_max. */
size_t edns_udp_limit(const struct edns *e, uint16_t edns_max);

/* Write our OPT record (EDNS_OPT_LEN bytes) at p: payload we accept, the
 * upper 8 bits of a 12-bit rcode (BADVERS = 16 -> 1), version 0, DO. */
void edns_write_opt(uint8_t *p, uint16_t payload, int rcode, bool do_bit);

#endif

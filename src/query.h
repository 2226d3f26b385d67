/* query.h -- the hot path: one DNS request in wire form -> one reply in wire
 * form, written into a caller buffer. No allocation, no ldns objects.
 *
 * The request is untrusted: every read is bounds-checked; a request whose
 * header is short or has QR set gets no reply; every other request gets a
 * well-formed reply (FORMERR, NOTIMP, REFUSED, NXDOMAIN, NOERROR ...).
 */
#ifndef DNSXL_QUERY_H
#define DNSXL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct snapshot;

enum query_transport {
	QUERY_UDP = 0,          /* reply capped at 512, or the EDNS payload */
	QUERY_TCP = 1,          /* reply capped at the buffer (64 KiB max) */
};

/* The smallest buffer query_process() accepts (RFC 1035 UDP size). */
#define QUERY_MIN_BUF 512
/* Enough for any reply (the TCP maximum). */
#define QUERY_MAX_BUF 65535

struct dataset;
#define QUERY_INFO_HITS 8

/* What happened, for statistics and the query log (optional). */
struct query_info {
	int rcode;              /* 0..15, or 16 for BADVERS; -1 dropped */
	uint16_t qtype, qclass;
	unsigned ancount;
	int zone_index;         /* index in the snapshot, -1 none */
	int truncated;          /* TC was set */
	/* Added for statistics (ops): the datasets that answered (the first
	 * QUERY_INFO_HITS), and whether an expired dataset ($TIMESTAMP) was
	 * left out of the answer. */
	unsigned nhits;
	const struct dataset *hits[QUERY_INFO_HITS];
	int expired;
};

/* The reversed IPv4 address in the first four labels of the wire-format
 * name[0..len) (d.c.b.a...: a.b.c.d, d in the low byte) into *addr; false
 * when they are not four 1-3 digit octets. Reads nothing at name + len or
 * past it, and nothing after the fourth label. */
bool query_peek_ip4(const uint8_t *name, size_t len, uint32_t *addr);

/* Start fetching the trie lines that query_process() will read for the
 * request req[0..len), when its name starts with a reversed IPv4 address
 * (a hint: it changes nothing else). For a batch, before answering it. */
void query_prefetch(const struct snapshot *s, const uint8_t *req, size_t len);

/* Answer the request req[0..reqlen) from snapshot s (NULL: every query is
 * answered SERVFAIL). peer may be NULL (it is used for ACLs). out must hold
 * outcap >= QUERY_MIN_BUF bytes; the reply never exceeds outcap. info may
 * be NULL. Returns the reply length, or 0 when nothing must be sent. */
size_t query_process(const struct snapshot *s, const uint8_t *req,
    size_t reqlen, enum query_transport tr, const struct sockaddr *peer,
    uint8_t *out, size_t outcap, struct query_info *info);

/* chaos.c, for query.c: the TXT text for a CHAOS name (lowercased wire
 * form lname, len bytes): 0 and *text set, or 5 (REFUSED) for an unknown
 * name or one switched off by the config (cfg may be NULL). */
struct config;
int chaos_text(const uint8_t *lname, size_t len, const struct config *cfg,
    const char **text);

#endif

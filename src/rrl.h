/* rrl.h -- response rate limiting (as NSD and Knot do it): token buckets
 * keyed by client prefix (/24 IPv4, /56 IPv6) and response kind, in one
 * fixed-size table shared by every worker (a client's queries spread over
 * the workers by source port must not get a rate per worker), guarded by
 * striped spinlocks; the hot path never allocates. Only UDP answers are
 * limited; TCP proves the source address.
 *
 * A bucket holds up to `rate` tokens and gains `rate` per second; each
 * answer takes one. An answer with no token is "limited": every `slip`th
 * limited answer is sent truncated (TC=1, empty) so a real client retries
 * over TCP, the others are dropped (slip 0: drop all, 1: truncate all).
 */
#ifndef DNSXL_RRL_H
#define DNSXL_RRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rrl;
struct rrl_exempt;

enum rrl_kind {
	RRL_POSITIVE = 0,       /* NOERROR with answers */
	RRL_NODATA,             /* NOERROR, no answer */
	RRL_NXDOMAIN,
	RRL_ERROR,              /* REFUSED, FORMERR, SERVFAIL, ... */
	RRL_NKINDS,
};

enum rrl_action {
	RRL_PASS = 0,
	RRL_DROP,
	RRL_SLIP,               /* send rrl_truncate()'s reply instead */
};

/* Counters, summed over every table (monotonic since start). */
struct rrl_stats {
	uint64_t passed, dropped, slipped, exempt;
};

/* The exempt prefixes ("127.0.0.0/8", "2001:db8::/32"), shared by every
 * table, read-only once built. 0, or DX_EINVAL with the bad CIDR in err,
 * or DX_ENOMEM. n == 0 gives *out NULL (nothing exempt). */
int rrl_exempt_new(char *const *cidrs, unsigned n, struct rrl_exempt **out,
    char *err, size_t errlen);
void rrl_exempt_free(struct rrl_exempt *x);

/* A table: rate answers/s per bucket (0 = never limits),
 * slip as above, size buckets (rounded up to a power of two), clients
 * grouped by v4len (0..32, NSD's default 24) and v6len (0..128, 56) bits.
 * x may be NULL and must outlive the table. 0, DX_EINVAL (a length out
 * of range) or DX_ENOMEM. */
int rrl_new(uint32_t rate, unsigned slip, unsigned size, unsigned v4len,
    unsigned v6len, const struct rrl_exempt *x, struct rrl **out);
void rrl_free(struct rrl *t);

/* The response kind of a reply with this rcode and answer count. */
enum rrl_kind rrl_kind_of(int rcode, unsigned ancount);

/* Account one UDP answer of kind to peer at now_ms (a monotonic clock in
 * milliseconds). Any thread. */
enum rrl_action rrl_account(struct rrl *t, const struct sockaddr *peer,
    enum rrl_kind kind, uint64_t now_ms);

/* Rewrite the reply reply[0..len) in place as the slip answer: header and
 * question only, TC set, no records. Returns the new length (len when the
 * question cannot be found, which only a malformed reply has). */
size_t rrl_truncate(uint8_t *reply, size_t len);

/* Sum of every table's counters (any thread; relaxed reads). */
void rrl_stats(struct rrl_stats *out);

#endif

/* spf_resolve.h -- turning a sender's published SPF record (RFC 7208) into
 * the IPv4/IPv6 ranges it allows: parse the record text, follow include:
 * and redirect= with loop detection and a lookup limit, collect ip4:/ip6:
 * (and a/mx when asked). DNS goes through a small resolver interface so
 * unit tests can stub it; spf_resolver_ldns() is the real one.
 *
 * Only "+" (or unqualified) ip4/ip6/a/mx count as sending ranges; terms
 * that cannot become ranges (exists:, ptr, macros, "-ip4:" ...) are
 * reported in the result's messages, never dropped silently.
 */
#ifndef DNSXL_SPF_RESOLVE_H
#define DNSXL_SPF_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- record text ------------------------------------------------------ */

enum spf_kind {
	SPF_T_ALL, SPF_T_INCLUDE, SPF_T_A, SPF_T_MX, SPF_T_PTR, SPF_T_IP4,
	SPF_T_IP6, SPF_T_EXISTS,             /* mechanisms */
	SPF_T_REDIRECT, SPF_T_EXP, SPF_T_UNKNOWN_MOD,   /* modifiers */
	SPF_T_BAD,                           /* unparsable term */
};

/* One term of a record; pointers into the caller's copy of the text. */
struct spf_term {
	enum spf_kind kind;
	char qual;              /* '+', '-', '~', '?' ('+' when absent) */
	const char *arg;        /* domain-spec / address; NULL when absent */
	size_t arglen;
	int cidr4, cidr6;       /* "/n" and "//n"; -1 when absent */
	bool macro;             /* arg holds a '%' macro */
	const char *text;       /* the whole term, for messages */
	size_t textlen;
};

#define SPF_MAX_TERMS 64

/* True when txt is an SPF record ("v=spf1" alone or followed by a space;
 * case-insensitive). */
bool spf_is_record(const char *txt);

/* Split an SPF record (starting "v=spf1") into terms. Returns the number
 * of terms (at most max; extra terms are dropped and -1 is returned if
 * max is exceeded), or -1 when txt is not an SPF record. */
int spf_parse(const char *txt, struct spf_term *terms, int max);

/* ---- DNS -------------------------------------------------------------- */

enum spf_rtype { SPF_RR_TXT, SPF_RR_A, SPF_RR_AAAA, SPF_RR_MX };

enum spf_rcode {
	SPF_DNS_OK = 0,         /* answered (possibly with no records) */
	SPF_DNS_NXDOMAIN = 1,
	SPF_DNS_FAIL = 2,       /* SERVFAIL, REFUSED, timeout, bad reply */
};

#define SPF_MAX_RRS 64

/* The answer to one question, as text: a TXT record with its strings
 * joined, an address ("192.0.2.1", "2001:db8::1"), an MX exchange name
 * (no trailing dot). Strings are malloc'd; spf_rrs_clear frees them. */
struct spf_rrs {
	unsigned n;
	char *v[SPF_MAX_RRS];
	uint32_t ttl;           /* smallest TTL of the answer */
};

void spf_rrs_clear(struct spf_rrs *r);
/* Append a copy of s (dropped when full). 0 or DX_ENOMEM. */
int spf_rrs_add(struct spf_rrs *r, const char *s, size_t len);

/* Ask one question: fill out (zeroed by the caller) and return an
 * spf_rcode, or a negative DX_E* (ENOMEM). */
struct spf_resolver {
	int (*lookup)(void *ctx, const char *name, enum spf_rtype type,
	    struct spf_rrs *out);
	void (*free)(void *ctx);
	void *ctx;
};

/* The real resolver (ldns): nameservers "addr@port" or "addr" (port 53),
 * or /etc/resolv.conf when n is 0. timeout_ms per try, one retry.
 * Returns 0 or DX_EINVAL (bad address, no resolv.conf) / DX_ENOMEM. */
int spf_resolver_ldns(const char *const *servers, unsigned n,
    unsigned timeout_ms, struct spf_resolver *out);
void spf_resolver_free(struct spf_resolver *r);

/* ---- resolution ------------------------------------------------------- */

struct spf_opts {
	unsigned max_lookups;   /* DNS-querying terms; RFC 7208: 10 */
	bool resolve_a_mx;      /* expand a and mx into addresses */
	/* include domain -> region name (matched case-insensitively, without
	 * a trailing dot); a range takes the region of the last mapped
	 * domain on its chain, NULL when none */
	const char *const *rmap_from, *const *rmap_to;
	unsigned nrmap;
};

/* One collected range. */
struct spf_range {
	uint8_t family;         /* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];       /* network order, host bits cleared */
	unsigned chain;         /* index into spf_result.chains */
};

/* The includes that led to a range: "_spf.mailersend.net ->
 * spf.mailersend.net", and the region mapped on the way. */
struct spf_chain {
	char *text;
	char *last;             /* the domain that published the range */
	char *region;           /* a copy of the mapped name (the config is
	                         * replaced by reloads), NULL = the default */
};

struct spf_result {
	struct spf_range *ranges;
	size_t n, cap;
	struct spf_chain *chains;
	unsigned nchains;
	uint32_t ttl;           /* smallest TTL of the records read;
	                         * UINT32_MAX when none */
	unsigned lookups;       /* DNS-querying terms used */
	unsigned errors;        /* failures making the result partial:
	                         * NXDOMAIN, SERVFAIL/timeout, permerror,
	                         * loops, over the lookup limit */
	unsigned warnings;      /* terms that give no range (exists:, ptr,
	                         * macros, non-"+" qualifiers) */
	char **msgs;            /* one line each, "E " or "W " first */
	unsigned nmsgs;
};

/* Resolve domain with r and opts into *res (zeroed here). Returns 0 (see
 * res->errors for a partial result) or DX_ENOMEM. */
int spf_resolve(const struct spf_resolver *r, const struct spf_opts *opts,
    const char *domain, struct spf_result *res);
void spf_result_free(struct spf_result *res);

/* ---- for dnsxl lookup ------------------------------------------------- */

struct dx_hit;
/* The include chain of an spf dataset's hit into out ("a -> b", then
 * " (region EUR)" when a regions: row applied on the way). Returns its
 * length, or -1 when hit is not from an spf dataset. */
int spf_hit_chain(const struct dx_hit *hit, char *out, size_t outlen);

/* ---- refresh (ds_spf.c) ----------------------------------------------- */

/* Tests: make spf datasets ask r instead of the ldns resolver (NULL: back
 * to ldns), and forget every cached resolution. */
void spf_test_set_resolver(const struct spf_resolver *r);
void spf_cache_clear(void);

/* Seconds until an spf dataset loaded so far should be resolved again
 * (0 = due now), or -1 when no spf dataset was loaded. now: time(NULL). */
long spf_refresh_wait(long now);

#endif

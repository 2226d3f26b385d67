/* zone.h -- a DNSxL zone: a name, its datasets, SOA and NS, and the one
 * question the server asks of it: what is at this name below the apex?
 */
#ifndef DNSXL_ZONE_H
#define DNSXL_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"
#include "diag.h"

enum zone_status {
	ZONE_NXDOMAIN = 0,   /* no such name */
	ZONE_NODATA,         /* the name exists (apex, empty non-terminal, or
	                      * listed) but hits is empty */
	ZONE_FOUND,          /* listed: hits holds the matches */
};

struct zone_opts {
	bool rfc5782_tests;       /* serve 127.0.0.2 / ::ffff:7f00:2 as listed and
	                           * keep 127.0.0.1 / ::ffff:7f00:1 unlisted */
	uint32_t ttl_default;     /* for synthesized SOA/NS */
	const char *soa_mname;    /* synthesized SOA when no dataset has $SOA */
	const char *soa_rname;
	bool ent_nxdomain;        /* rbldnsd compatibility: a name with nothing
	                           * at it (an empty non-terminal such as
	                           * 78.40.zone) is NXDOMAIN, not NODATA */
};

struct zone;

/* name as text ("wl.example.org", trailing dot optional). */
int zone_new(const char *name, struct zone **out);
/* Datasets are not owned by the zone (a snapshot owns them: one dataset
 * may serve several zones). Order matters: $SOA and $NS come from the
 * first dataset that has them, as in rbldnsd. acl datasets go here too. */
int zone_add_dataset(struct zone *z, struct dataset *ds);
/* Pick SOA/NS (synthesize an SOA if none), build the test entries. */
int zone_finish(struct zone *z, const struct zone_opts *o, struct diag *d);
void zone_free(struct zone *z);

const char *zone_name(const struct zone *z);             /* no trailing dot */
const uint8_t *zone_name_wire(const struct zone *z, unsigned *len, unsigned *nlabels);

/* Answer for q (relative to the apex). For ZONE_FOUND, hits holds one entry
 * per matching dataset (A de-duplication is the writer's job). Thread-safe. */
enum zone_status zone_query(const struct zone *z, const struct dx_qname *q,
    struct dx_hits *hits);

/* The short way for a four-octet name d.c.b.a.zone (addr = a.b.c.d, host
 * order) in a zone that one IPv4 trie answers alone (no acl, no expiry,
 * not an RFC 5782 test address): true, with *ds that trie's dataset and
 * *val its value for addr, or NULL when addr is not listed (NXDOMAIN).
 * false: ask zone_query(). query.c's A answers (docs/design-query.md). */
bool zone_lookup4(const struct zone *z, uint32_t addr,
    const struct dataset **ds, const struct dx_value **val);

/* Always set after zone_finish. */
const struct ds_soa *zone_soa(const struct zone *z);
const struct ds_ns *zone_ns(const struct zone *z);      /* n may be 0 */
/* Its negative-answer SOA and its NS set as reply bytes (qauth.h), made
 * by zone_finish; the SOA serial is filled in when written. */
struct qauth;
const struct qauth *zone_auth(const struct zone *z);
uint32_t zone_negative_ttl(const struct zone *z);       /* RFC 2308: min(SOA TTL, minimum) */
/* Zone transfers (xfr.c): replace the SOA serial so it increases with every
 * data change. Only before the snapshot is published. */
void zone_set_serial(struct zone *z, uint32_t serial);

/* Client ACL verdict for a query to this zone (rbldnsd acl datasets plus
 * the global ACL): see acl.h. */
struct dataset *zone_acl(const struct zone *z);

unsigned zone_dataset_count(const struct zone *z);
const struct dataset *zone_dataset(const struct zone *z, unsigned i);

/* Up to max addresses of z's lines that most queries read, into out; how
 * many (snapshot_prefetch_hot). */
unsigned zone_hot_lines(const struct zone *z, const void **out, unsigned max);

#endif

/* dump.h -- a zone rendered as a BIND zone file: the same answers as the
 * trie for every IPv4 and IPv6 address, written with wildcards where the
 * DNS allows it and explicit names where it does not (dnsxld -d, dnsxl
 * dump, AXFR/IXFR).
 *
 * The rendering is independent of the snapshot it came from: it may be
 * kept (zone transfer history) after the snapshot is freed.
 */
#ifndef DNSXL_DUMP_H
#define DNSXL_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

struct config;
struct snapshot;
struct zone;

/* Records above this many are refused unless the config says otherwise
 * (config.dump_limit): a /8 with many holes expands to millions. */
#define DUMP_LIMIT_DEFAULT 1000000

struct dump_zone {
	char *origin;               /* "wl.example.org." */
	uint32_t soa_ttl, serial, refresh, retry, expire, minttl;
	char *mname, *rname;        /* absolute, trailing dot */
	/* Every record but the SOA: "owner\tTTL\tIN\tTYPE\trdata", owner
	 * relative to origin ("@" for the apex), sorted (strcmp), unique. */
	char **line;
	size_t n, cap;
	size_t wildcards;           /* lines whose owner is a wildcard */
};

/* Render zone z (cfg gives TTL defaults and the RFC 5782 switch; NULL =
 * defaults). limit 0 = DUMP_LIMIT_DEFAULT. Returns 0 with *out (free with
 * dump_zone_free), DX_ERANGE when the rendering needs more than limit
 * records, DX_EINVAL when a dataset type cannot be rendered (both
 * reported to d), DX_ENOMEM. */
int dump_zone_render(const struct zone *z, const struct config *cfg,
    size_t limit, struct diag *d, struct dump_zone **out);
void dump_zone_free(struct dump_zone *dz);

/* The SOA record as a zone file line with the given serial. */
void dump_zone_soa_line(const struct dump_zone *dz, uint32_t serial,
    char *buf, size_t len);

/* $ORIGIN, a comment with the size, the SOA, then every line. Returns 0
 * or DX_EIO. */
int dump_zone_print(FILE *f, const struct dump_zone *dz);

/* Render and print every zone of s (or only the one named zone, NULL =
 * all). Returns 0, DX_ENOENT (no such zone), or the first render error
 * (reported to d). */
int dump_snapshot(FILE *f, const struct snapshot *s, const char *zone,
    size_t limit, struct diag *d);

#endif

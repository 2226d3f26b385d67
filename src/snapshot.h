/* snapshot.h -- everything a query reads: zones and their datasets, built
 * completely from a config, then published with one pointer swap and never
 * written again.
 */
#ifndef DNSXL_SNAPSHOT_H
#define DNSXL_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "zone.h"

struct snapshot;

/* Load every dataset named by cfg (each distinct type+files once) and build
 * its zones. Returns 0 when usable; errors are in diag as file:line. */
int snapshot_build(const struct config *cfg, struct diag *d,
    struct snapshot **out);
void snapshot_free(struct snapshot *s);

/* A reload: build from cfg as snapshot_build does, then compare with prev
 * (the snapshot being served, NULL at start-up) unless force: a dataset
 * whose config max-shrink is set (max-shrink: 50%, the default for the
 * feed types) and whose name and type are in prev is refused when it
 * would lose more than that share of prev's prefixes, or become empty.
 * Refusals are reported to d (file: dataset, counts); the new snapshot is
 * freed and DX_EPERM returned, so the caller keeps serving prev. */
int snapshot_build_next(const struct config *cfg,
    const struct snapshot *prev, bool force, struct diag *d,
    struct snapshot **out);

/* The max-shrink check alone: 0, or DX_EPERM with the reasons in d. */
int snapshot_guard(const struct snapshot *next, const struct snapshot *prev,
    struct diag *d);

/* The zone whose name is the longest suffix of the wire name lname
 * (lowercased, uncompressed, length len). *zlabels receives the number of
 * labels of the zone name. NULL when no zone matches (REFUSED). */
const struct zone *snapshot_find_zone(const struct snapshot *s,
    const uint8_t *lname, unsigned len, unsigned *zlabels);

/* The global acl dataset (rbldnsd ":acl:file", config "acl:"), NULL when
 * none. It is not added to any zone: combine it with zone_acl() through
 * acl_check(), as rbldnsd consults both. */
const struct dataset *snapshot_global_acl(const struct snapshot *s);

/* A query starts: the lines most queries read (the config, the zone table,
 * the first zone's, its first dataset's and trie's) are fetched at once,
 * not one after another as the query reaches them. Only a hint. */
void snapshot_prefetch_hot(const struct snapshot *s);
/* The addresses snapshot_prefetch_hot() fetches (tests); *n of them. */
const void *const *snapshot_hot_lines(const struct snapshot *s, unsigned *n);

/* A hint that a query for IPv4 address addr is coming: the first line of
 * its lookup in the first zone's first trie is fetched meanwhile. */
void snapshot_prefetch4(const struct snapshot *s, uint32_t addr);

unsigned snapshot_zone_count(const struct snapshot *s);
const struct zone *snapshot_zone(const struct snapshot *s, unsigned i);
const struct config *snapshot_config(const struct snapshot *s);

#endif

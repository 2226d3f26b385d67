/* snapshot.h -- everything a query reads: zones and their datasets, built
 * completely from a config, then published with one pointer swap and never
 * written again.
 */
#ifndef DNSXL_SNAPSHOT_H
#define DNSXL_SNAPSHOT_H

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

/* The zone whose name is the longest suffix of the wire name lname
 * (lowercased, uncompressed, length len). *zlabels receives the number of
 * labels of the zone name. NULL when no zone matches (REFUSED). */
const struct zone *snapshot_find_zone(const struct snapshot *s,
    const uint8_t *lname, unsigned len, unsigned *zlabels);

/* The global acl dataset (rbldnsd ":acl:file", config "acl:"), NULL when
 * none. It is not added to any zone: combine it with zone_acl() through
 * acl_check(), as rbldnsd consults both. */
const struct dataset *snapshot_global_acl(const struct snapshot *s);

unsigned snapshot_zone_count(const struct snapshot *s);
const struct zone *snapshot_zone(const struct snapshot *s, unsigned i);
const struct config *snapshot_config(const struct snapshot *s);

#endif

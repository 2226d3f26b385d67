/* stats.h -- query counters: per worker, relaxed single-writer increments
 * on the hot path, summed when read (rbldnsd's -s stats file, /metrics).
 *
 * Counters are keyed by stable slots, not by snapshot indexes: a zone slot
 * per zone name and a dataset slot per dataset name, both append-only, so
 * a reload that reorders zones keeps every counter where it was.
 * stats_bind() maps one snapshot's zone indexes and dataset pointers onto
 * slots before the snapshot is published; the last STATS_MAPS maps are
 * kept, so a worker still answering from the previous snapshot finds its
 * map too.
 */
#ifndef DNSXL_STATS_H
#define DNSXL_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

struct snapshot;
struct query_info;

#define STATS_MAX_ZONES    64     /* zone slots; more zones count as "-" */
#define STATS_MAX_DATASETS 256    /* dataset slots */

enum stats_qtype { SQ_A, SQ_AAAA, SQ_TXT, SQ_NS, SQ_SOA, SQ_ANY, SQ_OTHER,
	SQ_N };
enum stats_rcode { SR_NOERROR, SR_FORMERR, SR_SERVFAIL, SR_NXDOMAIN,
	SR_NOTIMP, SR_REFUSED, SR_BADVERS, SR_OTHER, SR_DROPPED, SR_N };

/* Allocate counters for nworkers workers. 0 or DX_ENOMEM. */
int stats_init(unsigned nworkers);
void stats_free(void);

/* Map s's zones and datasets onto slots (reload thread, before publish). */
void stats_bind(const struct snapshot *s);

/* The server observer (server_set_observer): counts one query, then
 * hands it to the query log when one is open. */
void stats_observe(void *arg, const struct server_query *q);

/* Reading (any thread; sums over workers). */
unsigned stats_zone_slots(void);
const char *stats_zone_name(unsigned slot);
/* slot == stats_zone_slots() reads the "no zone" bucket. */
uint64_t stats_queries(unsigned zslot, enum stats_qtype qt, int tcp,
    enum stats_rcode rc);
void stats_bytes(unsigned zslot, uint64_t *in, uint64_t *out);
unsigned stats_dataset_slots(void);
/* Name and labels (NULL when none) of a dataset slot. */
void stats_dataset_labels(unsigned slot, const char **name,
    const char **service, const char **region, const char **pool);
uint64_t stats_dataset_hits(unsigned slot);
uint64_t stats_expired(void);           /* answers that left data out */

const char *stats_qtype_name(enum stats_qtype qt);
const char *stats_rcode_name(enum stats_rcode rc);

/* rbldnsd's -s file: spec "file" (absolute counters) or "+file" (deltas
 * since the last write). bare: only the timestamp (start, stop). Appends
 * one line; 0 or DX_EIO (logged). */
int stats_file_write(const char *spec, bool bare);

#endif

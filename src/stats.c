/* stats.c -- per-worker query counters keyed by stable zone and dataset
 * slots, summed when read; rbldnsd's -s statistics file.
 *
 *   worker i:  w[i].q[zone slot][qtype][transport][rcode] += 1  (relaxed,
 *              one writer per counter: a plain load and store)
 *   reader:    sum over i (relaxed loads) -- at most one query stale.
 */
#include "stats.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "errcode.h"
#include "log.h"
#include "query.h"
#include "querylog.h"
#include "snapshot.h"
#include "zone.h"

#define NZ        (STATS_MAX_ZONES + 1)      /* + "no zone" */
#define STATS_MAPS 8
#define DS_HASH   512                        /* > STATS_MAX_DATASETS */

typedef _Atomic uint64_t counter;

struct wstats {
	counter q[NZ][SQ_N][2][SR_N];
	counter bin[NZ], bout[NZ];
	counter hits[STATS_MAX_DATASETS];
	counter expired;
} __attribute__((aligned(64)));

/* One snapshot's view: zone index -> slot, dataset pointer -> slot. */
struct smap {
	_Atomic(const struct snapshot *) snap;
	uint16_t zone[STATS_MAX_ZONES];
	unsigned nzone;
	const struct dataset *dkey[DS_HASH];
	uint16_t dslot[DS_HASH];
};

struct dslot {
	char *name, *service, *region, *pool;
};

static struct wstats *W;
static unsigned NW;
static struct smap maps[STATS_MAPS];
static unsigned next_map;
/* Slot tables: written by the reload thread only, count published last. */
static char *zname[STATS_MAX_ZONES];
static _Atomic unsigned nzname;
static struct dslot dslots[STATS_MAX_DATASETS];
static _Atomic unsigned ndslot;
/* Last values written to an incremental stats file. */
static uint64_t last_file[NZ][5];

static inline void
inc(counter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
	    + n, memory_order_relaxed);
}

static inline uint64_t
rd(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

int
stats_init(unsigned nworkers)
{
	W = aligned_alloc(64, sizeof(*W) * (nworkers ? nworkers : 1));
	if (!W)
		return DX_ENOMEM;
	memset(W, 0, sizeof(*W) * (nworkers ? nworkers : 1));
	NW = nworkers ? nworkers : 1;
	return 0;
}

void
stats_free(void)
{
	free(W);
	W = NULL;
	for (unsigned i = 0; i < atomic_load(&nzname); i++)
		free(zname[i]);
	for (unsigned i = 0; i < atomic_load(&ndslot); i++) {
		free(dslots[i].name);
		free(dslots[i].service);
		free(dslots[i].region);
		free(dslots[i].pool);
	}
	atomic_store(&nzname, 0);
	atomic_store(&ndslot, 0);
}

static char *
dupn(const char *s)
{
	return s ? strdup(s) : NULL;
}

static unsigned
zone_slot(const char *name)
{
	unsigned n = atomic_load(&nzname);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(zname[i], name) == 0)
			return i;
	if (n == STATS_MAX_ZONES || !(zname[n] = strdup(name)))
		return STATS_MAX_ZONES;
	atomic_store(&nzname, n + 1);
	return n;
}

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int
dataset_slot(const struct dataset *ds)
{
	const struct ds_labels *l = dataset_labels(ds);
	const char *name = l->name ? l->name : "-";
	unsigned n = atomic_load(&ndslot);
	for (unsigned i = 0; i < n; i++)
		if (same(dslots[i].name, name) &&
		    same(dslots[i].service, l->service) &&
		    same(dslots[i].region, l->region) &&
		    same(dslots[i].pool, l->pool))
			return (int)i;
	if (n == STATS_MAX_DATASETS)
		return -1;
	dslots[n].name = dupn(name);
	dslots[n].service = dupn(l->service);
	dslots[n].region = dupn(l->region);
	dslots[n].pool = dupn(l->pool);
	atomic_store(&ndslot, n + 1);
	return (int)n;
}

static unsigned
ptr_hash(const void *p)
{
	uintptr_t v = (uintptr_t)p;
	v ^= v >> 17;
	v *= 0x9E3779B97F4A7C15ull;
	return (unsigned)(v >> 40) % DS_HASH;
}

void
stats_bind(const struct snapshot *s)
{
	struct smap *m = &maps[next_map];
	next_map = (next_map + 1) % STATS_MAPS;
	atomic_store(&m->snap, NULL);           /* unusable while rewritten */
	memset(m->dkey, 0, sizeof(m->dkey));
	m->nzone = snapshot_zone_count(s);
	if (m->nzone > STATS_MAX_ZONES)
		m->nzone = STATS_MAX_ZONES;
	for (unsigned i = 0; i < m->nzone; i++) {
		const struct zone *z = snapshot_zone(s, i);
		m->zone[i] = (uint16_t)zone_slot(zone_name(z));
		for (unsigned j = 0; j < zone_dataset_count(z); j++) {
			const struct dataset *ds = zone_dataset(z, j);
			unsigned h = ptr_hash(ds);
			while (m->dkey[h] && m->dkey[h] != ds)
				h = (h + 1) % DS_HASH;
			if (m->dkey[h])
				continue;
			int slot = dataset_slot(ds);
			if (slot < 0)
				continue;
			m->dkey[h] = ds;
			m->dslot[h] = (uint16_t)slot;
		}
	}
	atomic_store_explicit(&m->snap, s, memory_order_release);
}

static const struct smap *
find_map(const struct snapshot *s)
{
	for (unsigned i = 0; i < STATS_MAPS; i++)
		if (atomic_load_explicit(&maps[i].snap, memory_order_acquire) == s)
			return &maps[i];
	return NULL;
}

static enum stats_qtype
qt_bucket(uint16_t t)
{
	switch (t) {
	case 1:   return SQ_A;
	case 28:  return SQ_AAAA;
	case 16:  return SQ_TXT;
	case 2:   return SQ_NS;
	case 6:   return SQ_SOA;
	case 255: return SQ_ANY;
	default:  return SQ_OTHER;
	}
}

static enum stats_rcode
rc_bucket(int rc)
{
	switch (rc) {
	case -1: return SR_DROPPED;
	case 0:  return SR_NOERROR;
	case 1:  return SR_FORMERR;
	case 2:  return SR_SERVFAIL;
	case 3:  return SR_NXDOMAIN;
	case 4:  return SR_NOTIMP;
	case 5:  return SR_REFUSED;
	case 16: return SR_BADVERS;
	default: return SR_OTHER;
	}
}

void
stats_observe(void *arg, const struct server_query *q)
{
	const struct query_info *qi = q->info;
	struct wstats *w = &W[q->worker < NW ? q->worker : 0];
	unsigned z = STATS_MAX_ZONES;
	const struct smap *m = qi->zone_index >= 0 ? find_map(q->snap) : NULL;

	if (m && (unsigned)qi->zone_index < m->nzone)
		z = m->zone[qi->zone_index];
	inc(&w->q[z][qt_bucket(qi->qtype)][q->tcp ? 1 : 0][rc_bucket(qi->rcode)],
	    1);
	if (qi->rcode >= 0) {
		inc(&w->bin[z], q->reqlen);
		inc(&w->bout[z], q->replylen);
	}
	for (unsigned i = 0; m && i < qi->nhits; i++) {
		unsigned h = ptr_hash(qi->hits[i]);
		while (m->dkey[h] && m->dkey[h] != qi->hits[i])
			h = (h + 1) % DS_HASH;
		if (m->dkey[h])
			inc(&w->hits[m->dslot[h]], 1);
	}
	if (qi->expired)
		inc(&w->expired, 1);
	if (querylog_enabled())
		querylog_write(q);
}

/* --- reading ------------------------------------------------------------ */

unsigned stats_zone_slots(void) { return atomic_load(&nzname); }
unsigned stats_dataset_slots(void) { return atomic_load(&ndslot); }

const char *
stats_zone_name(unsigned slot)
{
	return slot < atomic_load(&nzname) ? zname[slot] : "-";
}

uint64_t
stats_queries(unsigned zslot, enum stats_qtype qt, int tcp,
    enum stats_rcode rc)
{
	uint64_t n = 0;
	if (zslot > STATS_MAX_ZONES)
		zslot = STATS_MAX_ZONES;
	for (unsigned i = 0; W && i < NW; i++)
		n += rd(&W[i].q[zslot][qt][tcp ? 1 : 0][rc]);
	return n;
}

void
stats_bytes(unsigned zslot, uint64_t *in, uint64_t *out)
{
	*in = *out = 0;
	if (zslot > STATS_MAX_ZONES)
		zslot = STATS_MAX_ZONES;
	for (unsigned i = 0; W && i < NW; i++) {
		*in += rd(&W[i].bin[zslot]);
		*out += rd(&W[i].bout[zslot]);
	}
}

void
stats_dataset_labels(unsigned slot, const char **name, const char **service,
    const char **region, const char **pool)
{
	const struct dslot *d = &dslots[slot];
	*name = d->name;
	*service = d->service;
	*region = d->region;
	*pool = d->pool;
}

uint64_t
stats_dataset_hits(unsigned slot)
{
	uint64_t n = 0;
	for (unsigned i = 0; W && i < NW && slot < STATS_MAX_DATASETS; i++)
		n += rd(&W[i].hits[slot]);
	return n;
}

uint64_t
stats_expired(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; W && i < NW; i++)
		n += rd(&W[i].expired);
	return n;
}

const char *
stats_qtype_name(enum stats_qtype qt)
{
	static const char *const n[SQ_N] = { "A", "AAAA", "TXT", "NS", "SOA",
	    "ANY", "other" };
	return n[qt];
}

const char *
stats_rcode_name(enum stats_rcode rc)
{
	static const char *const n[SR_N] = { "NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "other", "dropped" };
	return n[rc];
}

/* --- rbldnsd's statistics file ------------------------------------------ */

/* qtot qok qnxd bin bout of one zone slot (NZ-1 = no zone). */
static void
zone_totals(unsigned z, uint64_t v[5])
{
	memset(v, 0, 5 * sizeof(v[0]));
	for (int qt = 0; qt < SQ_N; qt++)
		for (int tr = 0; tr < 2; tr++)
			for (int rc = 0; rc < SR_N; rc++) {
				if (rc == SR_DROPPED)
					continue;
				uint64_t n = stats_queries(z, qt, tr, rc);
				v[0] += n;
				if (rc == SR_NOERROR)
					v[1] += n;
				else if (rc == SR_NXDOMAIN)
					v[2] += n;
			}
	stats_bytes(z, &v[3], &v[4]);
}

int
stats_file_write(const char *spec, bool bare)
{
	bool incr = spec[0] == '+';
	const char *path = incr ? spec + 1 : spec;
	char line[8192];
	size_t len = 0;
	uint64_t tot[5] = { 0, 0, 0, 0, 0 };

	len += (size_t)snprintf(line, sizeof(line), "%lld",
	    (long long)time(NULL));
	if (!bare) {
		unsigned nz = stats_zone_slots();
		for (unsigned z = 0; z <= STATS_MAX_ZONES; z++) {
			uint64_t v[5], d[5];
			if (z < STATS_MAX_ZONES && z >= nz)
				continue;
			zone_totals(z, v);
			for (int k = 0; k < 5; k++) {
				d[k] = incr ? v[k] - last_file[z][k] : v[k];
				last_file[z][k] = v[k];
				tot[k] += d[k];
			}
			if (z == STATS_MAX_ZONES || len + 128 > sizeof(line))
				continue;       /* queries to no zone: "*" only */
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    " %s:%llu:%llu:%llu:%llu:%llu", zname[z],
			    (unsigned long long)d[0], (unsigned long long)d[1],
			    (unsigned long long)d[2], (unsigned long long)d[3],
			    (unsigned long long)d[4]);
		}
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    " *:%llu:%llu:%llu:%llu:%llu", (unsigned long long)tot[0],
		    (unsigned long long)tot[1], (unsigned long long)tot[2],
		    (unsigned long long)tot[3], (unsigned long long)tot[4]);
	}
	FILE *f = fopen(path, "a");
	if (!f) {
		log_warn("stats file %s", path);
		return DX_EIO;
	}
	fprintf(f, "%s\n", line);
	if (fclose(f) != 0) {
		log_warn("stats file %s", path);
		return DX_EIO;
	}
	return 0;
}

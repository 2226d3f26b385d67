/* snapshot.c -- build every dataset once and every zone from a config; find
 * a query's zone by longest label suffix.
 *
 * A snapshot never changes after snapshot_build() returns: the server
 * publishes it with one pointer swap and frees the old one when no worker
 * holds it. It borrows the config (labels point into it): keep the config
 * alive as long as the snapshot.
 */
#include "snapshot.h"
#include "errcode.h"
#include "log.h"
#include "lpm.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct snap_zone {
	unsigned wlen;           /* first: a match reads these and the name's */
	unsigned nlabels;        /* start, all in one cache line */
	struct zone *zone;
	uint8_t wire[256];       /* own lowercased wire name, no root label */
};

/* Lines most queries read, in the order the query path reaches them: cfg,
 * the zone table, the first zone's, its first dataset's, the trie's. */
#define SNAP_HOT 11      /* 2 + 4 + 4 + 1: note_hot_lines() */

/* The fields every query reads fill the first two lines (the struct is
 * line-aligned): cold after each trip through the kernel, they come in
 * together, and nothing a query needs waits on a third line. */
struct snapshot {
	const struct config *cfg;
	struct snap_zone *zones;
	unsigned nzones;
	unsigned nhot;
	const struct lpm *hint4;        /* snapshot_prefetch4's guess */
	const struct dataset *global_acl;
	const void *hot[SNAP_HOT];
	struct dataset **byidx;  /* per config dataset; shared when equal */
	struct ds_labels *labels;
	struct dataset **owned;  /* each distinct dataset once */
	unsigned nowned;
};
_Static_assert(offsetof(struct snapshot, byidx) <= 128,
    "what a query reads must fit the snapshot's first two lines");

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Two config datasets read the same files the same way: load once. */
static bool
same_dataset(const struct cfg_dataset *a, const struct cfg_dataset *b)
{
	if (strcmp(a->type, b->type) != 0 || a->nfiles != b->nfiles)
		return false;
	for (unsigned i = 0; i < a->nfiles; i++)
		if (strcmp(a->files[i], b->files[i]) != 0)
			return false;
	if (!same_str(a->service, b->service) ||
	    !same_str(a->region, b->region) || !same_str(a->pool, b->pool) ||
	    a->has_value != b->has_value)
		return false;
	if (a->has_value && (a->value.a != b->value.a ||
	    !same_str(a->value.txt, b->value.txt)))
		return false;
	/* Feeds: the same file read with other options is another dataset
	 * (rvalues follow from the labels compared above). */
	if (!same_str(a->opts_key, b->opts_key))
		return false;   /* spf / aws-ip-ranges options */
	if (a->ntags != b->ntags || a->nareas != b->nareas ||
	    a->nids != b->nids || (a->rvalues == NULL) != (b->rvalues == NULL))
		return false;
	for (unsigned i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i], b->tags[i]) != 0)
			return false;
	for (unsigned i = 0; i < a->nareas; i++)
		if (strcmp(a->areas[i], b->areas[i]) != 0)
			return false;
	for (unsigned i = 0; i < a->nids; i++)
		if (a->ids[i] != b->ids[i])
			return false;
	return true;
}

/* "wl.example.org" -> 2wl7example3org (lowercased, no root label). */
static int
text_to_wire(const char *name, uint8_t *wire, unsigned *wlen,
    unsigned *nlabels)
{
	unsigned len = 0, n = 0;
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || len + l + 2 > 255)
			return DX_EINVAL;
		wire[len++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			wire[len++] = (uint8_t)tolower((unsigned char)p[i]);
		n++;
		p += l + (dot ? 1 : 0);
	}
	*wlen = len;
	*nlabels = n;
	return 0;
}

static int
load_datasets(struct snapshot *s, const struct config *cfg, struct diag *d)
{
	struct ds_loadopts lo;
	int rc = 0;

	memset(&lo, 0, sizeof(lo));
	lo.allow_host_bits = cfg->allow_host_bits;
	lo.ttl_default = cfg->ttl_default;
	lo.ttl_min = cfg->ttl_min;
	lo.ttl_max = cfg->ttl_max;
	for (unsigned i = 0; i < cfg->ndatasets; i++) {
		const struct cfg_dataset *cd = &cfg->datasets[i];
		const struct ds_type *t;
		struct ds_labels *l = &s->labels[i];
		struct dataset *ds;
		unsigned j;
		int r;

		for (j = 0; j < i; j++)
			if (same_dataset(&cfg->datasets[j], cd))
				break;
		if (j < i) {
			s->byidx[i] = s->byidx[j];
			continue;
		}
		if ((t = ds_type_find(cd->type)) == NULL) {
			diag_error(d, cfg->path, 0, "dataset %s: unknown dataset "
			    "type \"%s\"", cd->name, cd->type);
			rc = DX_EINVAL;
			continue;
		}
		l->name = cd->name;
		l->service = cd->service;
		l->region = cd->region;
		l->pool = cd->pool;
		l->deflt = cd->has_value ? &cd->value : NULL;
		l->feed = cd->feed;
		r = dataset_new(t, (const char *const *)cd->files, cd->nfiles, l,
		    &ds);
		if (r < 0)
			return r;
		s->owned[s->nowned++] = ds;
		s->byidx[i] = ds;
		/* Load every dataset even after a failure: a check reports
		 * all broken files at once. */
		if ((r = dataset_load(ds, &lo, d)) < 0) {
			if (rc == 0)
				rc = r;
			s->byidx[i] = NULL;
		}
	}
	return rc;
}

static int
build_zones(struct snapshot *s, const struct config *cfg, struct diag *d)
{
	struct zone_opts zo;
	int rc;

	memset(&zo, 0, sizeof(zo));
	zo.rfc5782_tests = cfg->rfc5782_tests;
	zo.ttl_default = cfg->ttl_default;
	zo.soa_mname = cfg->soa_mname;
	zo.soa_rname = cfg->soa_rname;
	for (unsigned i = 0; i < cfg->nzones; i++) {
		const struct cfg_zone *cz = &cfg->zones[i];
		struct snap_zone *sz = &s->zones[s->nzones];

		if (text_to_wire(cz->name, sz->wire, &sz->wlen,
		    &sz->nlabels) < 0) {
			diag_error(d, cfg->path, 0, "bad zone name \"%s\"",
			    cz->name);
			return DX_EINVAL;
		}
		if ((rc = zone_new(cz->name, &sz->zone)) < 0)
			return rc;
		s->nzones++;
		for (unsigned j = 0; j < cz->ndatasets; j++)
			if ((rc = zone_add_dataset(sz->zone,
			    s->byidx[cz->datasets[j]])) < 0)
				return rc;
		/* Only the zone's own acl: the global one is consulted beside
		 * it (snapshot_global_acl), not instead of it. */
		if (cz->acl >= 0 && (rc = zone_add_dataset(sz->zone,
		    s->byidx[cz->acl])) < 0)
			return rc;
		if ((rc = zone_finish(sz->zone, &zo, d)) < 0)
			return rc;
	}
	return 0;
}

/* After each trip through the kernel these lines are cold, and the query
 * path reaches them one through the other (snapshot, zone, dataset, trie):
 * a chain of misses. Listed here, they are all fetched at once when a
 * query starts (snapshot_prefetch_hot). */
static void
note_hot_lines(struct snapshot *s)
{
	s->hot[s->nhot++] = s->cfg;
	s->hot[s->nhot++] = s->zones;
	if (s->nzones) {
		const struct zone *z = s->zones[0].zone;
		s->nhot += zone_hot_lines(z, s->hot + s->nhot, 4);
		if (zone_dataset_count(z))
			s->nhot += dataset_hot_lines(zone_dataset(z, 0),
			    s->hot + s->nhot, 4);
	}
	if (s->hint4)
		s->hot[s->nhot++] = s->hint4;
}

int
snapshot_build(const struct config *cfg, struct diag *d, struct snapshot **out)
{
	struct snapshot *s;
	unsigned n = cfg->ndatasets;
	int rc;

	*out = NULL;
	if ((s = aligned_alloc(64, (sizeof(*s) + 63) / 64 * 64)) == NULL)
		return DX_ENOMEM;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->byidx = calloc(n ? n : 1, sizeof(*s->byidx));
	s->labels = calloc(n ? n : 1, sizeof(*s->labels));
	s->owned = calloc(n ? n : 1, sizeof(*s->owned));
	s->zones = calloc(cfg->nzones ? cfg->nzones : 1, sizeof(*s->zones));
	if (!s->byidx || !s->labels || !s->owned || !s->zones) {
		snapshot_free(s);
		return DX_ENOMEM;
	}
	if ((rc = load_datasets(s, cfg, d)) < 0 ||
	    (rc = build_zones(s, cfg, d)) < 0) {
		snapshot_free(s);
		return rc;
	}
	if (cfg->global_acl >= 0)
		s->global_acl = s->byidx[cfg->global_acl];
	/* The first zone's first trie: where most IPv4 queries go when a
	 * server has one list, or one list per zone. */
	for (unsigned i = 0; s->nzones && !s->hint4 &&
	    i < zone_dataset_count(s->zones[0].zone); i++)
		s->hint4 = dataset_lpm4(zone_dataset(s->zones[0].zone, i));
	note_hot_lines(s);
	*out = s;
	return 0;
}

/* The dataset named name in s (NULL if none, or not loaded). */
static const struct dataset *
find_dataset(const struct snapshot *s, const char *name, const char *type)
{
	for (unsigned i = 0; i < s->cfg->ndatasets; i++)
		if (strcmp(s->cfg->datasets[i].name, name) == 0 &&
		    strcmp(s->cfg->datasets[i].type, type) == 0)
			return s->byidx[i];
	return NULL;
}

int
snapshot_guard(const struct snapshot *next, const struct snapshot *prev,
    struct diag *d)
{
	const struct config *cfg = next->cfg;
	int rc = 0;

	for (unsigned i = 0; prev && i < cfg->ndatasets; i++) {
		const struct cfg_dataset *cd = &cfg->datasets[i];
		const struct dataset *old, *now = next->byidx[i];
		size_t before, after;

		if (cd->max_shrink < 0 || !now ||
		    !(old = find_dataset(prev, cd->name, cd->type)))
			continue;
		before = dataset_entries(old);
		after = dataset_entries(now);
		if (before == 0 || after >= before)
			continue;
		if (after == 0) {
			diag_error(d, cd->nfiles ? cd->files[0] : cfg->path, 0,
			    "dataset %s: the new data is empty (%zu prefixes "
			    "before): refused, the loaded data stays", cd->name,
			    before);
			rc = DX_EPERM;
		} else if ((before - after) * 100 > before *
		    (size_t)cd->max_shrink) {
			diag_error(d, cd->nfiles ? cd->files[0] : cfg->path, 0,
			    "dataset %s: %zu prefixes, %zu before: would remove "
			    "%zu%% (max-shrink %d%%): refused, the loaded data "
			    "stays", cd->name, after, before,
			    (before - after) * 100 / before, cd->max_shrink);
			rc = DX_EPERM;
		}
	}
	return rc;
}

int
snapshot_build_next(const struct config *cfg, const struct snapshot *prev,
    bool force, struct diag *d, struct snapshot **out)
{
	struct snapshot *s;
	int rc;

	*out = NULL;
	if ((rc = snapshot_build(cfg, d, &s)) < 0)
		return rc;
	if (!force && (rc = snapshot_guard(s, prev, d)) < 0) {
		snapshot_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nzones; i++)
		zone_free(s->zones[i].zone);
	for (unsigned i = 0; i < s->nowned; i++)
		dataset_free(s->owned[i]);
	free(s->zones);
	free(s->owned);
	free(s->labels);
	free(s->byidx);
	free(s);
}

const struct zone *
snapshot_find_zone(const struct snapshot *s, const uint8_t *lname,
    unsigned len, unsigned *zlabels)
{
	unsigned off[128], n = 0, o = 0, end;

	/* Label starts; the name may or may not carry its root label. */
	while (o < len && lname[o] != 0) {
		if (lname[o] > 63 || n == 128 || o + 1u + lname[o] > len)
			return NULL;
		off[n++] = o;
		o += 1u + lname[o];
	}
	end = o;
	/* Leftmost suffix first: the first zone that matches is the longest. */
	for (unsigned i = 0; i <= n; i++) {
		unsigned start = i < n ? off[i] : end, slen = end - start;
		for (unsigned z = 0; z < s->nzones; z++) {
			const struct snap_zone *sz = &s->zones[z];
			if (sz->wlen == slen &&
			    memcmp(sz->wire, lname + start, slen) == 0) {
				if (zlabels)
					*zlabels = sz->nlabels;
				return sz->zone;
			}
		}
	}
	return NULL;
}

const void *const *
snapshot_hot_lines(const struct snapshot *s, unsigned *n)
{
	*n = s->nhot;
	return s->hot;
}

void
snapshot_prefetch_hot(const struct snapshot *s)
{
	for (unsigned i = 0; i < s->nhot; i++)
		__builtin_prefetch(s->hot[i]);
}

void
snapshot_prefetch4(const struct snapshot *s, uint32_t addr)
{
	if (s->hint4)
		lpm_prefetch4(s->hint4, addr);
}

const struct dataset *
snapshot_global_acl(const struct snapshot *s)
{
	return s->global_acl;
}

unsigned
snapshot_zone_count(const struct snapshot *s)
{
	return s->nzones;
}

const struct zone *
snapshot_zone(const struct snapshot *s, unsigned i)
{
	return i < s->nzones ? s->zones[i].zone : NULL;
}

const struct config *
snapshot_config(const struct snapshot *s)
{
	return s->cfg;
}

/* ds_spf.c -- the spf dataset type: the sending ranges a mail provider
 * publishes in its SPF record (ip4:/ip6: below include: and redirect=),
 * resolved over DNS (spf_resolve.c). Each "file" of the dataset is a
 * domain ("_spf.mailersend.net"); each range takes the region mapped for
 * the last include on its way (config regions:), else the dataset's.
 *
 * Resolutions are kept in a process-wide cache, one entry per dataset and
 * domain, so that a reload reuses ranges that are not yet due and a failed
 * or partial resolution keeps the ranges of the last complete one:
 *
 *   load: entry due? -- no --> its ranges
 *            | yes
 *         resolve -- complete --> new ranges, due = now + max(TTL, min)
 *            | errors
 *         entry has ranges? -- yes --> keep them, due = now + min
 *            | no (first load)
 *         the partial ranges, due = now + min
 *
 * The daemon's timer asks spf_refresh_wait() and reloads when an entry is
 * due; the max-shrink guard then judges the new ranges like any feed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ds_impl.h"
#include "errcode.h"
#include "feed.h"
#include "ipaddr.h"
#include "log.h"
#include "spf_resolve.h"

#define DEFAULT_LOOKUPS  10
#define DEFAULT_MIN      300
#define TIMEOUT_MS       2000
#define STALE_GRACE      120    /* a due entry no reload picked up */

struct spf_entry {
	struct spf_entry *next;
	char *key;
	struct spf_result res;      /* the ranges in use */
	bool have;
	bool complete;              /* res came from a complete resolution */
	long due;                   /* next resolution */
	long resolved;              /* when res was resolved (the "age") */
	long used;                  /* last load that read it */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct spf_entry *cache;
static const struct spf_resolver *test_resolver;

/* Where one range of the dataset came from (arena, for dnsxl lookup). */
struct spf_prov {
	const struct spf_prov *next;
	uint8_t family, plen;
	uint8_t addr[16];
	const char *chain;
	const char *region;         /* mapped on the chain, NULL = none */
};

static struct spf_entry *
entry_get(const char *key)
{
	struct spf_entry *e;

	for (e = cache; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	e->next = cache;
	cache = e;
	return e;
}

static void
report(struct ds_load *ld, const struct spf_result *r, bool errors_as_warn)
{
	for (unsigned i = 0; i < r->nmsgs; i++) {
		if (r->msgs[i][0] == 'E' && !errors_as_warn)
			ds_error(ld, "SPF %s", r->msgs[i] + 2);
		else
			ds_warn(ld, "SPF %s", r->msgs[i] + 2);
	}
}

/* Resolve domain now; update e as the top comment says. Called without
 * the cache lock (a resolution may take seconds): only one build runs at
 * a time, and entries are never freed. */
static int
refresh_entry(struct dataset *ds, struct ds_load *ld, struct spf_entry *e,
    const char *domain, long now)
{
	const struct ds_feed *f = ds->labels.feed;
	struct spf_opts o;
	struct spf_resolver r;
	struct spf_result res;
	uint32_t min = f && f->refresh_min ? f->refresh_min : DEFAULT_MIN;
	int rc;

	memset(&o, 0, sizeof(o));
	o.max_lookups = f && f->max_lookups ? f->max_lookups : DEFAULT_LOOKUPS;
	o.resolve_a_mx = f && f->resolve_a_mx;
	if (f) {
		o.rmap_from = f->rmap_from;
		o.rmap_to = f->rmap_to;
		o.nrmap = f->nrmap;
	}
	if (test_resolver) {
		r = *test_resolver;
		r.free = NULL;
		rc = 0;
	} else
		rc = spf_resolver_ldns(f ? f->resolvers : NULL,
		    f ? f->nresolvers : 0, TIMEOUT_MS, &r);
	if (rc < 0) {
		ds_error(ld, "SPF %s: no usable resolver (resolver: or "
		    "/etc/resolv.conf)%s", domain, e->have ?
		    ": keeping the previous ranges" : "");
		pthread_mutex_lock(&cache_mu);
		e->due = now + (long)min;
		pthread_mutex_unlock(&cache_mu);
		return rc == DX_ENOMEM ? rc : 0;
	}
	rc = spf_resolve(&r, &o, domain, &res);
	spf_resolver_free(&r);
	if (rc < 0) {
		spf_result_free(&res);
		return rc;
	}
	pthread_mutex_lock(&cache_mu);
	if (res.errors == 0) {
		uint32_t ttl = res.ttl == UINT32_MAX ? 0 : res.ttl;
		report(ld, &res, false);
		spf_result_free(&e->res);
		e->res = res;
		e->have = e->complete = true;
		e->resolved = now;
		e->due = now + (long)(ttl > min ? ttl : min);
		log_debug("SPF %s: %zu ranges, %u lookups, next in %lds",
		    domain, res.n, res.lookups, e->due - now);
	} else if (e->have) {
		report(ld, &res, false);
		ds_error(ld, "SPF %s: resolution incomplete (%u error%s): keeping "
		    "the %zu ranges of the %s resolution", domain, res.errors,
		    res.errors == 1 ? "" : "s", e->res.n, e->complete ?
		    "last complete" : "first");
		spf_result_free(&res);
		e->due = now + (long)min;
	} else {
		report(ld, &res, false);
		ds_error(ld, "SPF %s: resolution incomplete (%u error%s) and no "
		    "previous ranges: using the %zu found", domain, res.errors,
		    res.errors == 1 ? "" : "s", res.n);
		e->res = res;
		e->have = true;
		e->complete = false;
		e->resolved = now;
		e->due = now + (long)min;
	}
	pthread_mutex_unlock(&cache_mu);
	return 0;
}

/* The value of a range whose chain is c. */
static int
chain_value(struct dataset *ds, struct ds_load *ld, const struct spf_chain *c,
    uint32_t *vidx)
{
	static const struct dx_value builtin = { 0, "\x02" };
	const struct ds_feed *f = ds->labels.feed;
	struct dx_value d = ld->deflt;
	const struct dx_value *v = &d;

	if (!ds->has_cfg_deflt) {       /* no config: name the domain in TXT */
		d.a = ds->cfg_deflt.a;
		d.txt = builtin.txt;
	}
	if (c->region && f && f->rvalues)
		for (unsigned i = 0; i < f->nregions; i++)
			if (strcmp(f->rnames[i], c->region) == 0)
				v = &f->rvalues[i];
	return feed_value(ds, v, c->last, "", vidx);
}

static int
add_ranges(struct dataset *ds, struct ds_load *ld, const struct spf_result *r)
{
	uint32_t *vidx = NULL;
	int rc = 0;

	if (r->nchains && (vidx = calloc(r->nchains, sizeof(*vidx))) == NULL)
		return DX_ENOMEM;
	for (unsigned i = 0; i < r->nchains && rc == 0; i++)
		rc = chain_value(ds, ld, &r->chains[i], &vidx[i]);
	for (size_t i = 0; i < r->n && rc >= 0; i++) {
		const struct spf_range *g = &r->ranges[i];
		struct spf_prov *p;
		char text[64];
		uint8_t a6[16];

		if (g->family == 4)
			snprintf(text, sizeof(text), "%u.%u.%u.%u/%u", g->addr[0],
			    g->addr[1], g->addr[2], g->addr[3], g->plen);
		else {
			char t6[48];
			memcpy(a6, g->addr, 16);
			ip6_format(a6, t6);
			snprintf(text, sizeof(text), "%s/%u", t6, g->plen);
		}
		if ((rc = feed_add_prefix(ds, ld, text, vidx[g->chain])) <= 0)
			continue;       /* a duplicate keeps its first chain */
		if ((p = ds_alloc(ds, sizeof(*p))) == NULL ||
		    (p->chain = ds_strdup(ds, r->chains[g->chain].text,
		    strlen(r->chains[g->chain].text))) == NULL) {
			rc = DX_ENOMEM;
			break;
		}
		p->region = NULL;
		if (r->chains[g->chain].region && (p->region = ds_strdup(ds,
		    r->chains[g->chain].region,
		    strlen(r->chains[g->chain].region))) == NULL) {
			rc = DX_ENOMEM;
			break;
		}
		p->family = g->family;
		p->plen = g->plen;
		memcpy(p->addr, g->addr, 16);
		p->next = ds->prov;
		ds->prov = p;
	}
	free(vidx);
	return rc < 0 ? rc : 0;
}

static int
spf_load_file(struct dataset *ds, struct ds_load *ld, const char *domain)
{
	const struct ds_feed *f = ds->labels.feed;
	const char *name = ds->labels.name ? ds->labels.name : "";
	const char *opt = f && f->key ? f->key : "";
	size_t kl = strlen(name) + strlen(opt) + strlen(domain) + 3;
	long now = (long)time(NULL);
	struct spf_entry *e;
	char *key = malloc(kl);
	int rc;

	if (!key)
		return DX_ENOMEM;
	snprintf(key, kl, "%s\n%s\n%s", name, opt, domain);
	pthread_mutex_lock(&cache_mu);
	e = entry_get(key);
	pthread_mutex_unlock(&cache_mu);
	free(key);
	if (!e)
		return DX_ENOMEM;
	if (!e->have || now >= e->due)
		if ((rc = refresh_entry(ds, ld, e, domain, now)) < 0)
			return rc;
	pthread_mutex_lock(&cache_mu);
	e->used = now;
	if ((time_t)e->resolved > ds->mtime)    /* dnsxl's "age" */
		ds->mtime = (time_t)e->resolved;
	rc = add_ranges(ds, ld, &e->res);
	pthread_mutex_unlock(&cache_mu);
	return rc;
}

void
spf_test_set_resolver(const struct spf_resolver *r)
{
	test_resolver = r;
}

void
spf_cache_clear(void)
{
	pthread_mutex_lock(&cache_mu);
	while (cache) {
		struct spf_entry *e = cache;
		cache = e->next;
		spf_result_free(&e->res);
		free(e->key);
		free(e);
	}
	pthread_mutex_unlock(&cache_mu);
}

long
spf_refresh_wait(long now)
{
	long best = -1;

	pthread_mutex_lock(&cache_mu);
	for (const struct spf_entry *e = cache; e; e = e->next) {
		long w = e->due - now;
		/* due a while ago and no load since: not in the config now */
		if (e->used < e->due && now > e->due + STALE_GRACE)
			continue;
		if (w < 0)
			w = 0;
		if (best < 0 || w < best)
			best = w;
	}
	pthread_mutex_unlock(&cache_mu);
	return best;
}

int
spf_hit_chain(const struct dx_hit *hit, char *out, size_t outlen)
{
	const struct spf_prov *p;

	if (!hit->ds || dataset_type(hit->ds) != &ds_type_spf)
		return -1;
	for (p = hit->ds->prov; p; p = p->next)
		if (p->family == hit->family && p->plen == hit->plen &&
		    memcmp(p->addr, hit->prefix, p->family == 4 ? 4 : 16) == 0)
			return p->region ? snprintf(out, outlen, "%s (region %s)",
			    p->chain, p->region) : snprintf(out, outlen, "%s",
			    p->chain);
	return -1;
}

const struct ds_type ds_type_spf = {
	.name = "spf",
	.load_file = spf_load_file,
	FEED_TYPE_OPS,
};

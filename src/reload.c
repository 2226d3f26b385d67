/* reload.c -- the reload thread: config -> new snapshot -> publish, off the
 * query path, keeping the old snapshot on any failure.
 *
 *   SIGHUP / -c timer (main) --+
 *   inotify watcher (watch.c) -+--> reload_request(): want |= kind, signal
 *   control channel ----------+                |
 *                                               v
 *   reload thread: config_from_args -> signatures changed? ->
 *                  snapshot_build_next(cfg, served, force) ->
 *                  stats_bind -> server_publish (waits for no worker to
 *                  hold the old one, then frees it)
 */
#include "reload.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dataset.h"
#include "diag.h"
#include "errcode.h"
#include "log.h"
#include "reload_prio.h"
#include "sdnotify.h"
#include "server.h"
#include "snapshot.h"
#include "watch.h"
#include "zone.h"

/* What a file looked like when it was last loaded. */
struct fsig {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool missing;
};

struct reload {
	struct server *srv;
	int argc;
	char **argv;
	unsigned settle_ms;
	struct watch *watch;
	pthread_t tid;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv, done;
	int want;                   /* RELOAD_* bits asked for */
	bool stop;
	uint64_t asked, finished;   /* request and completion counters */
	int last_rc;
	char last_msg[256];
	struct reload_status st;
	struct reload_dataset *prov;    /* served snapshot's datasets, under mu */
	unsigned nprov;
	reload_prepare_fn prepare;
	reload_published_fn published;
	void *hook_arg;
	/* Reload thread only. */
	struct fsig *sigs;
	unsigned nsigs;
};

static void
sigs_free(struct fsig *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(s[i].path);
	free(s);
}

/* Every file the config reads: the config file and each data file. */
static unsigned
sigs_take(const struct config *cfg, struct fsig **out)
{
	unsigned n = cfg->path ? 1 : 0, k = 0;
	for (unsigned i = 0; i < cfg->ndatasets; i++)
		n += cfg->datasets[i].nfiles;
	struct fsig *s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		*out = NULL;
		return 0;
	}
	if (cfg->path)
		s[k++].path = strdup(cfg->path);
	for (unsigned i = 0; i < cfg->ndatasets; i++)
		for (unsigned j = 0; j < cfg->datasets[i].nfiles; j++)
			s[k++].path = strdup(cfg->datasets[i].files[j]);
	for (unsigned i = 0; i < k; i++) {
		struct stat st;
		if (!s[i].path || stat(s[i].path, &st) < 0) {
			s[i].missing = true;
			continue;
		}
		s[i].dev = st.st_dev;
		s[i].ino = st.st_ino;
		s[i].size = st.st_size;
		s[i].mtime = st.st_mtim;
	}
	*out = s;
	return k;
}

static bool
sigs_equal(const struct fsig *a, unsigned na, const struct fsig *b,
    unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++) {
		if (!a[i].path || !b[i].path || strcmp(a[i].path, b[i].path) ||
		    a[i].missing != b[i].missing)
			return false;
		if (a[i].missing)
			continue;
		if (a[i].dev != b[i].dev || a[i].ino != b[i].ino ||
		    a[i].size != b[i].size ||
		    a[i].mtime.tv_sec != b[i].mtime.tv_sec ||
		    a[i].mtime.tv_nsec != b[i].mtime.tv_nsec)
			return false;
	}
	return true;
}

static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* Resident bytes: the fallback when malloc is not glibc's (sanitizers). */
static size_t
rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Facts about a freshly built snapshot, for /metrics. */
static void
describe(struct reload_status *st, const struct snapshot *s)
{
	st->nzones = snapshot_zone_count(s);
	st->data_mtime = 0;
	st->expires = 0;
	st->entries = 0;
	memset(st->has_serial, 0, sizeof(st->has_serial));
	for (unsigned i = 0; i < st->nzones; i++) {
		const struct zone *z = snapshot_zone(s, i);
		for (unsigned j = 0; j < zone_dataset_count(z); j++) {
			const struct dataset *ds = zone_dataset(z, j);
			time_t m = dataset_mtime(ds), e = dataset_expires(ds);
			if (m > st->data_mtime)
				st->data_mtime = m;
			if (e && (!st->expires || e < st->expires))
				st->expires = e;
			st->entries += dataset_entries(ds);
		}
	}
	/* Serials by zone slot (stats_bind has named the slots). */
	for (unsigned slot = 0; slot < stats_zone_slots(); slot++)
		for (unsigned i = 0; i < st->nzones; i++) {
			const struct zone *z = snapshot_zone(s, i);
			if (strcmp(zone_name(z), stats_zone_name(slot)) == 0) {
				st->serial[slot] = zone_soa(z)->serial;
				st->has_serial[slot] = true;
			}
		}
}

static void
prov_free(struct reload_dataset *p, unsigned n)
{
	if (!p)
		return;
	for (unsigned i = 0; i < n; i++) {
		free((char *)p[i].name);
		free((char *)p[i].type);
		free((char *)p[i].version);
	}
	free(p);
}

/* A copy of each distinct dataset's provenance (the snapshot may be freed
 * by a later publish while /metrics or the control channel reads it). */
static unsigned
prov_take(const struct snapshot *s, struct reload_dataset **out)
{
	unsigned n = 0, cap = 0;
	struct reload_dataset *p = NULL;
	const struct dataset **seen = NULL;

	for (unsigned i = 0; i < snapshot_zone_count(s); i++) {
		const struct zone *z = snapshot_zone(s, i);
		for (unsigned j = 0; j < zone_dataset_count(z); j++) {
			const struct dataset *ds = zone_dataset(z, j);
			unsigned k = 0;
			while (k < n && seen[k] != ds)
				k++;
			if (k < n)
				continue;       /* shared by several zones */
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				void *np = realloc(p, cap * sizeof(*p));
				void *ns = realloc(seen, cap * sizeof(*seen));
				if (np)
					p = np;
				if (ns)
					seen = ns;
				if (!np || !ns)
					goto oom;
			}
			const struct ds_labels *l = dataset_labels(ds);
			const char *v = dataset_version(ds);
			seen[n] = ds;
			p[n].name = strdup(l && l->name ? l->name : "");
			p[n].type = strdup(ds_type_name(dataset_type(ds)));
			p[n].version = v ? strdup(v) : NULL;
			p[n].mtime = dataset_mtime(ds);
			p[n].entries = dataset_entries(ds);
			n++;
			if (!p[n - 1].name || !p[n - 1].type || (v &&
			    !p[n - 1].version))
				goto oom;
		}
	}
	free(seen);
	*out = p;
	return n;
oom:
	free(seen);
	prov_free(p, n);
	*out = NULL;
	return 0;
}

unsigned
reload_datasets(struct reload *r,
    void (*fn)(const struct reload_dataset *d, void *arg), void *arg)
{
	pthread_mutex_lock(&r->mu);
	unsigned n = r->nprov;
	for (unsigned i = 0; i < n; i++)
		fn(&r->prov[i], arg);
	pthread_mutex_unlock(&r->mu);
	return n;
}

static void
watch_files(struct reload *r)
{
	if (!r->watch)
		return;
	const char **v = calloc(r->nsigs ? r->nsigs : 1, sizeof(*v));
	if (!v)
		return;
	for (unsigned i = 0; i < r->nsigs; i++)
		v[i] = r->sigs[i].path ? r->sigs[i].path : "";
	watch_set_files(r->watch, v, r->nsigs);
	free(v);
}

/* Build and publish snapshot from cfg (owned from here on). */
static int
build_publish(struct reload *r, struct config *cfg, bool initial, bool force,
    char *msg, size_t msglen)
{
	struct snapshot *snap = NULL;
	struct diag d;
	double t0 = mono();
	size_t h0 = heap_bytes(), r0 = rss_bytes();
	int rc;

	diag_init(&d);
	if (initial)
		rc = snapshot_build(cfg, &d, &snap);
	else
		rc = snapshot_build_next(cfg, server_snapshot(r->srv), force, &d,
		    &snap);
	size_t h1 = heap_bytes(), r1 = rss_bytes();
	double secs = mono() - t0;
	pthread_mutex_lock(&r->mu);
	r->st.last_time = time(NULL);
	r->st.last_seconds = secs;
	r->st.last_errors = d.errors;
	r->st.last_ok = rc == 0;
	if (!initial) {
		if (rc == 0)
			r->st.ok++;
		else
			r->st.failed++;
	}
	pthread_mutex_unlock(&r->mu);
	if (rc != 0) {
		snprintf(msg, msglen, "%s failed (%s, %u error%s): %s",
		    initial ? "load" : "reload", dx_strerror(rc), d.errors,
		    d.errors == 1 ? "" : "s", initial ? "no data loaded" :
		    "keeping the loaded data");
		snapshot_free(snap);
		config_free(cfg);
		return rc;
	}
	/* The hook may set zone serials (xfr): before anything reads them. */
	if (r->prepare && r->prepare(r->hook_arg, snap, cfg) < 0)
		log_warnx("%s: prepare hook failed", initial ? "load" : "reload");
	stats_bind(snap);
	struct reload_status tmp;
	pthread_mutex_lock(&r->mu);
	tmp = r->st;
	pthread_mutex_unlock(&r->mu);
	describe(&tmp, snap);
	struct reload_dataset *prov;
	unsigned nprov = prov_take(snap, &prov);
	tmp.snapshot_bytes = h1 > h0 ? h1 - h0 : r1 > r0 ? r1 - r0 : 0;
	tmp.loaded_time = time(NULL);
	server_publish(r->srv, snap, cfg);
	if (r->published)       /* safe: only this thread publishes or frees */
		r->published(r->hook_arg, snap, cfg);
	pthread_mutex_lock(&r->mu);
	r->st = tmp;
	struct reload_dataset *old = r->prov;
	unsigned nold = r->nprov;
	r->prov = prov;
	r->nprov = nprov;
	pthread_mutex_unlock(&r->mu);
	prov_free(old, nold);
	snprintf(msg, msglen, "%s: %u zone%s, %zu entries in %.3f s",
	    initial ? "loaded" : "reloaded", tmp.nzones,
	    tmp.nzones == 1 ? "" : "s", tmp.entries, secs);
	return 0;
}

/* One run of the reload thread. */
static int
run_once(struct reload *r, int want, char *msg, size_t msglen)
{
	struct config *cfg = NULL;
	struct diag d;
	struct fsig *sigs;
	unsigned n;

	diag_init(&d);
	if (config_from_args(r->argc, r->argv, &d, &cfg) != 0 || !cfg) {
		config_free(cfg);
		pthread_mutex_lock(&r->mu);
		r->st.failed++;
		r->st.last_ok = false;
		r->st.last_time = time(NULL);
		r->st.last_errors = d.errors ? d.errors : 1;
		pthread_mutex_unlock(&r->mu);
		snprintf(msg, msglen, "reload: config error, keeping the loaded "
		    "data");
		return DX_EINVAL;
	}
	n = sigs_take(cfg, &sigs);
	if (!(want & (RELOAD_ALWAYS | RELOAD_FORCE)) &&
	    sigs_equal(sigs, n, r->sigs, r->nsigs)) {
		sigs_free(sigs, n);
		config_free(cfg);
		snprintf(msg, msglen, "reload: no change");
		return 1;
	}
	/* Remember this attempt even when it fails: a broken file is not
	 * retried until it changes again. */
	sigs_free(r->sigs, r->nsigs);
	r->sigs = sigs;
	r->nsigs = n;
	watch_files(r);
	sdnotify("RELOADING=1");
	/* Nothing served yet (quick start, -q): this is the first load, and
	 * no worker needs the CPU it takes. */
	bool initial = server_snapshot(r->srv) == NULL;
	if (!initial)
		reload_prio_begin();
	int rc = build_publish(r, cfg, initial, (want & RELOAD_FORCE) != 0,
	    msg, msglen);
	if (!initial)
		reload_prio_end();
	sdnotify("READY=1");
	return rc;
}

static void *
reload_main(void *arg)
{
	struct reload *r = arg;
	char msg[256];

	reload_prio_thread();
	pthread_setname_np(pthread_self(), "reload");
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->want && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			break;
		int want = r->want;
		uint64_t upto = r->asked;
		r->want = 0;
		pthread_mutex_unlock(&r->mu);
		int rc = run_once(r, want, msg, sizeof(msg));
		if (rc < 0)
			log_warnx("%s", msg);
		else if (rc == 0)
			log_info("%s", msg);
		pthread_mutex_lock(&r->mu);
		r->finished = upto;
		r->last_rc = rc;
		snprintf(r->last_msg, sizeof(r->last_msg), "%s", msg);
		pthread_cond_broadcast(&r->done);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void
watch_cb(void *arg)
{
	reload_request(arg, RELOAD_IF_CHANGED);
}

int
reload_new(struct server *srv, int argc, char **argv, unsigned settle_ms,
    struct reload **out)
{
	struct reload *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return DX_ENOMEM;
	r->srv = srv;
	r->argc = argc;
	r->argv = argv;
	r->settle_ms = settle_ms;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_cond_init(&r->done, NULL);
	*out = r;
	return 0;
}

void
reload_set_hooks(struct reload *r, reload_prepare_fn prepare,
    reload_published_fn published, void *arg)
{
	r->prepare = prepare;
	r->published = published;
	r->hook_arg = arg;
}

int
reload_initial(struct reload *r, struct config *cfg)
{
	char msg[256];
	r->nsigs = sigs_take(cfg, &r->sigs);
	int rc = build_publish(r, cfg, true, false, msg, sizeof(msg));
	if (rc < 0)
		log_warnx("%s", msg);
	return rc;
}

int
reload_start(struct reload *r)
{
	if (r->settle_ms && watch_start(watch_cb, r, r->settle_ms,
	    &r->watch) == 0)
		watch_files(r);
	if (pthread_create(&r->tid, NULL, reload_main, r) != 0)
		return DX_ENOMEM;
	r->started = true;
	return 0;
}

void
reload_request(struct reload *r, enum reload_kind kind)
{
	pthread_mutex_lock(&r->mu);
	r->want |= (int)kind;
	r->asked++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

int
reload_now(struct reload *r, enum reload_kind kind, char *msg, size_t msglen)
{
	pthread_mutex_lock(&r->mu);
	if (!r->started) {
		pthread_mutex_unlock(&r->mu);
		snprintf(msg, msglen, "reload: not running");
		return DX_EINVAL;
	}
	r->want |= (int)kind;
	uint64_t mine = ++r->asked;
	pthread_cond_signal(&r->cv);
	while (r->finished < mine && !r->stop)
		pthread_cond_wait(&r->done, &r->mu);
	int rc = r->last_rc;
	snprintf(msg, msglen, "%s", r->last_msg);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void
reload_status(struct reload *r, struct reload_status *out)
{
	pthread_mutex_lock(&r->mu);
	*out = r->st;
	pthread_mutex_unlock(&r->mu);
}

void
reload_free(struct reload *r)
{
	if (!r)
		return;
	watch_stop(r->watch);
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_cond_broadcast(&r->done);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->tid, NULL);
	}
	sigs_free(r->sigs, r->nsigs);
	prov_free(r->prov, r->nprov);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	pthread_cond_destroy(&r->done);
	free(r);
}

/* reload.h -- zero-downtime reload: a dedicated thread parses the config
 * again, builds a complete new snapshot (snapshot_build_next, with the
 * served snapshot as prev for the max-shrink guard) and publishes it; any
 * failure keeps the old snapshot serving and is logged as file:line and
 * counted for /metrics. Workers never wait for a build (docs/design.md,
 * "Reload").
 *
 * Triggers: reload_request() from SIGHUP and the -c timer (main thread),
 * the file watcher (watch.h), and the control channel (reload_now()).
 */
#ifndef DNSXL_RELOAD_H
#define DNSXL_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "stats.h"

struct server;
struct config;
struct reload;
struct snapshot;

enum reload_kind {
	RELOAD_IF_CHANGED = 1,  /* only when a file's (inode, size, mtime) moved */
	RELOAD_ALWAYS = 2,      /* rebuild even when nothing seems changed */
	RELOAD_FORCE = 4,       /* ALWAYS, and skip the max-shrink guard */
};

/* What /metrics shows about loading (a copy; see reload_status()). */
struct reload_status {
	uint64_t ok, failed;        /* reloads since start (not the first load) */
	bool last_ok;               /* the last attempt published a snapshot */
	time_t last_time;           /* end of the last attempt, 0 = none yet */
	double last_seconds;        /* its duration */
	unsigned last_errors;       /* diag errors of the last attempt */
	time_t loaded_time;         /* when the served snapshot was published */
	time_t data_mtime;          /* newest data file mtime of the served one */
	time_t expires;             /* earliest $TIMESTAMP expiry, 0 = none */
	size_t snapshot_bytes;      /* heap growth while building it */
	size_t entries;             /* dataset entries in the served snapshot */
	unsigned nzones;
	uint32_t serial[STATS_MAX_ZONES];   /* SOA serial by stats zone slot */
	bool has_serial[STATS_MAX_ZONES];
};

/* A reloader for srv, which re-reads the command line argc/argv (kept by
 * pointer). settle_ms: the file watcher's debounce (0: no watcher). */
int reload_new(struct server *srv, int argc, char **argv, unsigned settle_ms,
    struct reload **out);

/* The first load, before serving: build from cfg and publish (the server
 * owns cfg afterwards, also on failure). 0, or the build's error. */
int reload_initial(struct reload *r, struct config *cfg);

/* Optional hooks around each publish, the first load included, on the
 * thread that publishes: prepare(arg, s, cfg) before s becomes visible
 * (e.g. the transfer history; a negative return is logged, s is still
 * published), published(arg, s, cfg) right after (e.g. NOTIFY). Set
 * before reload_initial(). */
typedef int (*reload_prepare_fn)(void *arg, struct snapshot *s,
    struct config *cfg);
typedef void (*reload_published_fn)(void *arg, const struct snapshot *s,
    const struct config *cfg);
void reload_set_hooks(struct reload *r, reload_prepare_fn prepare,
    reload_published_fn published, void *arg);

/* Start the reload thread and the file watcher (after fork). */
int reload_start(struct reload *r);

/* Ask for a reload (async-signal-unsafe, any thread, never blocks);
 * requests made while one runs are merged into one more run. */
void reload_request(struct reload *r, enum reload_kind kind);

/* For the control channel: reload now and wait for the result. Returns 0
 * (published), 1 (nothing changed), or a negative DX_E*; msg gets one
 * line of text. */
int reload_now(struct reload *r, enum reload_kind kind, char *msg,
    size_t msglen);

void reload_status(struct reload *r, struct reload_status *out);

/* Added (gaps7): provenance of each distinct dataset of the served
 * snapshot, for /metrics and `dnsxl status`. version is NULL when the
 * source carries none; mtime is the newest file mtime (SPF: resolution
 * time), 0 = unknown. */
struct reload_dataset {
	const char *name, *type, *version;
	time_t mtime;
	size_t entries;
};
/* Call fn for each, in config order, under the reloader's lock (fn must
 * not block or call back into reload). Returns how many were visited. */
unsigned reload_datasets(struct reload *r,
    void (*fn)(const struct reload_dataset *d, void *arg), void *arg);

/* Stop the thread and the watcher (before server_free). */
void reload_free(struct reload *r);

#endif

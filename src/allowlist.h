/* allowlist.h -- who may query: named IPv4/IPv6/CIDR entries, each active
 * or paused, global or for one zone (docs/allowlist.md, the MailerSend
 * model: an empty list allows everyone, an unlisted querier is denied).
 *
 * Two halves:
 *   struct allowlist   the editable list (control thread, reload); parsed
 *                      from and saved to the allowlist file atomically
 *   the published map  built from a list by allowlist_publish(): one
 *                      immutable lpm pair per scope, swapped in with one
 *                      atomic pointer store; the hot path only reads it
 *
 * File format, one entry a line ('#' starts a comment):
 *   NAME CIDR [zone=ZONE] [paused]
 * NAME: 1-64 of A-Z a-z 0-9 . _ - : @ (unique); CIDR: an IPv4 or IPv6
 * address, optionally /bits, without host bits; no zone = global.
 */
#ifndef DNSXL_ALLOWLIST_H
#define DNSXL_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "diag.h"

struct config;

#define AL_NAME_MAX 64
#define AL_ZONE_MAX 255

struct al_entry {
	char name[AL_NAME_MAX + 1];
	char zone[AL_ZONE_MAX + 1];     /* "" = global */
	int family;                     /* 4 or 6 */
	uint8_t addr[16];               /* network order, host bits zero */
	unsigned plen;
	bool paused;
};

struct allowlist;

/* An empty list. NULL only when out of memory. */
struct allowlist *allowlist_new(void);
/* A deep copy (edits are made on a copy, then committed). */
struct allowlist *allowlist_clone(const struct allowlist *l);
void allowlist_free(struct allowlist *l);

/* Parse the file format from text into l (appending). Every problem goes
 * to d as fname:line; returns 0 or DX_EINVAL (l then holds the good
 * lines, callers normally discard it). */
int allowlist_parse(struct allowlist *l, const char *text, size_t len,
    const char *fname, struct diag *d);
/* Read path into a new list: a missing file is an empty list. Returns 0,
 * DX_EINVAL (problems in d), DX_EIO or DX_ENOMEM. */
int allowlist_load(const char *path, struct diag *d, struct allowlist **out);
/* The file text, malloc'd (NUL-terminated); NULL when out of memory. */
char *allowlist_format(const struct allowlist *l);
/* Write path atomically: temp file in the same directory, fsync, rename,
 * fsync the directory. 0 or DX_EIO (errno kept, message in err). */
int allowlist_save(const struct allowlist *l, const char *path, char *err,
    size_t errlen);

unsigned allowlist_count(const struct allowlist *l);
const struct al_entry *allowlist_entry(const struct allowlist *l, unsigned i);
/* Index of the entry named name, or -1. */
int allowlist_find(const struct allowlist *l, const char *name);

/* "192.0.2.0/24", "2001:db8::/32", "192.0.2.7" (a /32), "::1" (/128).
 * Returns 0, or DX_EINVAL with the reason in err. */
int allowlist_parse_cidr(const char *s, struct al_entry *e, char *err,
    size_t errlen);
/* The CIDR text of e ("192.0.2.0/24"); out >= 48 bytes. */
void allowlist_cidr_text(const struct al_entry *e, char *out, size_t outlen);
bool allowlist_name_ok(const char *name);

/* Edits. Each checks everything before it changes anything: 0, or
 * DX_EINVAL (bad name or CIDR), DX_EEXIST (name taken), DX_ENOENT (no
 * such name), with the message for the operator in err. zone: NULL or ""
 * for a global entry (the caller checks that the zone exists). */
int allowlist_add(struct allowlist *l, const char *name, const char *cidr,
    const char *zone, char *err, size_t errlen);
int allowlist_rename(struct allowlist *l, const char *oldname,
    const char *newname, char *err, size_t errlen);
int allowlist_set(struct allowlist *l, const char *name, const char *cidr,
    char *err, size_t errlen);
int allowlist_pause(struct allowlist *l, const char *name, bool paused,
    char *err, size_t errlen);
int allowlist_delete(struct allowlist *l, const char *name, char *err,
    size_t errlen);

/* --- the published map (process-wide) ------------------------------- */

/* Build the lookup maps of l and make them the ones queries see (any
 * thread; publishers are serialized). A map replaced more than a few
 * seconds ago is freed on a later publish (queries hold one for
 * microseconds). 0 or DX_ENOMEM (the old map stays). */
int allowlist_publish(const struct allowlist *l);
/* Free every map (at exit, after the workers stopped). */
void allowlist_shutdown(void);

enum al_verdict {
	AL_PASS = 0,            /* allowed, or no active entry applies */
	AL_REFUSE,
	AL_DROP,
	AL_CODE,                /* answer listed-looking names with *code */
};

/* The hot path: may peer query zone (its name as zone_name() gives it)?
 * The zone's own active entries decide when it has any, else the global
 * ones; none at all = everyone. A denial takes the zone's action from cfg
 * (else the global one). Counts the entry that allowed, or the scope that
 * denied. Lock-free, no allocation. */
enum al_verdict allowlist_check(const struct config *cfg, const char *zone,
    const struct sockaddr *peer, uint32_t *code);

/* Counters for /metrics and `dnsxl stats` (monotonic since start, kept by
 * entry name and scope name across edits and reloads). fn gets kind
 * "allowed" (name = entry, scope = its zone or "" for global) or
 * "denied" (name = NULL, scope = zone or ""). Stops early on non-zero. */
int allowlist_counters(int (*fn)(const char *kind, const char *name,
    const char *scope, uint64_t n, void *arg), void *arg);
uint64_t allowlist_denied_total(void);

#endif

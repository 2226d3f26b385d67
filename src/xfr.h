/* xfr.h -- zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995) over TCP,
 * served from the renderings (dump.h) of the last snapshots, and the SOA
 * serial that increases with every data change.
 *
 * Life cycle: after every snapshot_build() and before server_publish(),
 * the main thread calls xfr_prepare(): it renders each zone, compares the
 * rendering with the previous one, sets the zone's serial and keeps the
 * rendering (the last cfg->xfr_history + 1 versions) for the workers,
 * which call xfr_serve() for AXFR/IXFR requests received over TCP.
 */
#ifndef DNSXL_XFR_H
#define DNSXL_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config;
struct snapshot;

/* Render and remember every zone of s, and set its serial (policy
 * cfg->xfr_serial). Does nothing unless cfg has allow-transfer or notify.
 * A zone that cannot be rendered (too large, non-IP datasets) is logged
 * and refuses transfers. Main thread only; returns 0 or DX_ENOMEM. */
int xfr_prepare(struct snapshot *s, const struct config *cfg);

/* True when req is a query for AXFR or IXFR (the TCP path hands it to
 * xfr_serve instead of query_process). */
bool xfr_is_transfer(const uint8_t *req, size_t len);

/* One reply message (without the TCP length prefix); non-zero stops. */
typedef int (*xfr_emit_fn)(const uint8_t *msg, size_t len, void *arg);

/* Answer a transfer request received over TCP from peer: the whole zone
 * (AXFR, or IXFR when the history does not reach the client's serial), the
 * differences (IXFR), one SOA (IXFR, client up to date), or REFUSED /
 * NOTAUTH / FORMERR in one message. Thread-safe. Returns 0, or a negative
 * DX_E* when nothing could be sent (close the connection). */
int xfr_serve(const struct snapshot *s, const uint8_t *req, size_t len,
    const struct sockaddr *peer, xfr_emit_fn emit, void *arg);

/* The serial xfr_prepare() gave zone name (no trailing dot); false when
 * the zone has no rendering. For NOTIFY and tests. */
bool xfr_serial(const char *zone, uint32_t *serial);

/* Free the history (at exit). */
void xfr_shutdown(void);

#endif

/* notify.h -- NOTIFY (RFC 1996) to the configured secondaries after a load
 * or reload, so they fetch the new serial at once instead of at refresh.
 */
#ifndef DNSXL_NOTIFY_H
#define DNSXL_NOTIFY_H

struct config;
struct snapshot;

/* For every zone of s and every target of its notify list ("addr@port",
 * port 53 when none; the zone's own list or cfg->xfr_notify, see
 * config_xfr_lists): queue a NOTIFY for the zone's SOA over UDP and
 * return at once. A thread of notify.c's own sends it, waits for the
 * acknowledgement without blocking anything else (3 tries, 300 ms each)
 * and logs the outcome. Any thread. Returns the number of NOTIFYs queued
 * (changed: it used to wait and count the acknowledgements). */
int notify_send(const struct snapshot *s, const struct config *cfg);

/* Stop the NOTIFY thread, dropping NOTIFYs still waiting (at exit;
 * xfr_shutdown() calls it). */
void notify_shutdown(void);

#endif

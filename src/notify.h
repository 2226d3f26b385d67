/* notify.h -- NOTIFY (RFC 1996) to the configured secondaries after a load
 * or reload, so they fetch the new serial at once instead of at refresh.
 */
#ifndef DNSXL_NOTIFY_H
#define DNSXL_NOTIFY_H

struct config;
struct snapshot;

/* For every zone of s and every cfg->xfr_notify target ("addr@port", port
 * 53 when none): send a NOTIFY for the zone's SOA over UDP and wait briefly
 * for the acknowledgement (3 tries, 300 ms each). Main thread; blocks at
 * most about one second per silent target and zone. Problems are logged.
 * Returns the number of NOTIFYs acknowledged. */
int notify_send(const struct snapshot *s, const struct config *cfg);

#endif

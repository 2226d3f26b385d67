/* metrics.h -- Prometheus text exposition on /metrics (libevent evhttp),
 * served by its own thread; off unless metrics-listen is set.
 */
#ifndef DNSXL_METRICS_H
#define DNSXL_METRICS_H

#include <stddef.h>

struct reload;

/* Bind "addr@port" (IPv4 or IPv6; port 0 picks one) before privileges are
 * dropped. 0, DX_EINVAL (bad spec), DX_EIO (bind failed; logged). */
int metrics_bind(const char *spec);

/* Start serving (after fork); r gives the reload status. */
int metrics_start(struct reload *r, unsigned nworkers);

/* The whole exposition as text, malloc'd (also for tests). */
char *metrics_render(struct reload *r, size_t *len);

void metrics_stop(void);

#endif

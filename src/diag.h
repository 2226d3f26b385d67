/* diag.h -- collecting load-time problems as "file:line: message". */
#ifndef DNSXL_DIAG_H
#define DNSXL_DIAG_H

#include <stddef.h>

/* A sink for errors and warnings found while reading data or config.
 * Each message is logged at once (log.h) and counted; the caller decides
 * whether the load is still usable. */
struct diag {
	unsigned errors;
	unsigned warnings;
	unsigned max_report;     /* stop logging after this many (0 = no cap) */
	void (*sink)(void *arg, int is_error, const char *msg); /* optional */
	void *sink_arg;
};

void diag_init(struct diag *d);
void diag_error(struct diag *d, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_warn(struct diag *d, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

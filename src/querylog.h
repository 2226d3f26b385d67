/* querylog.h -- rbldnsd's query log (-l): one line per answered query,
 * "time client qname TYPE CLASS: RCODE/ancount/length", written by a
 * writer thread from per-worker buffers so a worker never waits for disk.
 */
#ifndef DNSXL_QUERYLOG_H
#define DNSXL_QUERYLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

/* Open spec ("file", "+file" unbuffered, "-" / "+-" stdout) for nworkers
 * workers and start the writer thread. 0, DX_EIO (logged), DX_ENOMEM. */
int querylog_open(const char *spec, unsigned nworkers);

bool querylog_enabled(void);

/* Worker side: append one line (dropped, and counted, when the worker's
 * buffer is full). */
void querylog_write(const struct server_query *q);

/* Reopen the file at the writer's next turn (SIGHUP, log rotation). */
void querylog_reopen(void);

/* Lines dropped because a buffer was full. */
uint64_t querylog_dropped(void);

/* Flush everything, stop the writer, close. */
void querylog_close(void);

/* Format one log line into out (for tests); returns its length. */
size_t querylog_format(const struct server_query *q, long long now,
    char *out, size_t outlen);

#endif

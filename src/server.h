/* server.h -- the network loop: UDP and TCP listeners served by N worker
 * threads on libevent, and the one atomic pointer to the current snapshot.
 *
 * Life cycle: server_new() binds every socket (so privileges can be dropped
 * afterwards) -> server_publish() the first snapshot -> server_run() until
 * SIGTERM/SIGINT -> server_free(). SIGHUP and the check timer call the
 * reload hook on the main thread, which builds a new snapshot and publishes
 * it; workers keep answering from the old one meanwhile.
 */
#ifndef DNSXL_SERVER_H
#define DNSXL_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config;
struct snapshot;
struct server;

enum server_reload_why {
	SERVER_RELOAD_SIGHUP,    /* reload unconditionally */
	SERVER_RELOAD_TIMER,     /* every check interval: reload if changed */
};

typedef void (*server_reload_fn)(struct server *srv,
    enum server_reload_why why, void *arg);

/* Resolve and bind every cfg->listen address (UDP and TCP, one SO_REUSEPORT
 * socket per worker each), honouring -4/-6, workers, tcp-max-clients and
 * tcp-idle-timeout. cfg is only read during the call. Returns 0, DX_EINVAL
 * (bad address), DX_EIO (bind failed; logged) or DX_ENOMEM. */
int server_new(const struct config *cfg, struct server **out);

/* Make s (built from c) the snapshot new queries see. The server owns both
 * from now on; the previous pair is freed once no worker still reads it
 * (the call waits for that, briefly). */
void server_publish(struct server *srv, struct snapshot *s, struct config *c);

/* The snapshot being served now (read-only; valid until the next publish
 * on the calling thread). */
const struct snapshot *server_snapshot(const struct server *srv);

/* Reload hook (main thread); interval in seconds for the timer, 0 = off. */
void server_set_reload(struct server *srv, server_reload_fn fn, void *arg,
    uint32_t interval);

/* Added for statistics and the query log (ops): one query a worker has
 * just answered (or dropped: info->rcode -1, replylen 0). Called on the
 * worker thread while it still holds snap; must not block. */
struct query_info;
struct server_query {
	unsigned worker;
	const struct snapshot *snap;
	const struct query_info *info;
	const uint8_t *req, *reply;
	size_t reqlen, replylen;
	const struct sockaddr *peer;
	int tcp;
};
typedef void (*server_observe_fn)(void *arg, const struct server_query *q);

/* Set before server_run(); NULL (the default) skips the call and the
 * query_info bookkeeping. */
void server_set_observer(struct server *srv, server_observe_fn fn, void *arg);

/* Start the workers and serve until SIGTERM or SIGINT (or server_stop).
 * Returns 0, or DX_ENOMEM / DX_EIO when a worker cannot start. */
int server_run(struct server *srv);

/* Ask server_run() to return (async-signal-unsafe; any thread). */
void server_stop(struct server *srv);

/* Number of worker threads and of bound sockets (for logs and tests). */
unsigned server_workers(const struct server *srv);

/* Close every socket, free the published snapshot and config. */
void server_free(struct server *srv);

#endif

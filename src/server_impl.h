/* server_impl.h -- what server.c and server_udp.c share: the worker, socket
 * and server structures and the snapshot hazard slot. Not a public API. */
#ifndef DNSXL_SERVER_IMPL_H
#define DNSXL_SERVER_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "server.h"

#define UDP_BATCH   32          /* datagrams per recvmmsg/sendmmsg */
#define UDP_ROUNDS  8           /* batches per callback, then yield */
#define UDP_RBUF    4096        /* largest request read over UDP */
#define UDP_WBUF    4096        /* largest UDP reply (edns-max above is cut) */
#define TCP_OUT_MAX (256 * 1024)  /* stop reading a client that does not read */
#define MAX_WORKERS 64
#define CTRL_LEN    64          /* room for one in(6)_pktinfo cmsg */
#define UDP_BLOCK_MS 100        /* blocking recvmmsg wakes up at least this often */

struct worker;

/* One bound address: the worker's UDP socket and TCP listener on it. */
struct sock {
	struct worker *wk;
	int family;
	bool wildcard;              /* bound to 0.0.0.0 / ::: need pktinfo */
	int udp_fd, tcp_fd;
	struct event *udp_ev;
	struct evconnlistener *lev;
};

struct tcp_conn {
	struct worker *wk;
	struct bufferevent *bev;
	struct sockaddr_storage peer;
	bool closing;               /* peer sent EOF: flush, then close */
	struct tcp_conn *prev, *next;
};

struct worker {
	struct server *srv;
	unsigned id;
	pthread_t tid;
	bool started;
	bool block;                 /* serves UDP in blocking recvmmsg when idle */
	atomic_bool stopping;       /* set by server_stop() */
	struct event_base *base;
	struct event *stop_ev;      /* activated by server_stop() */
	struct sock *socks;         /* srv->naddr of them */
	_Atomic(const struct snapshot *) hazard;
	struct tcp_conn *conns;
	/* UDP batch buffers, allocated once. */
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec iin[UDP_BATCH], iout[UDP_BATCH];
	struct sockaddr_storage peer[UDP_BATCH];
	uint8_t cin[UDP_BATCH][CTRL_LEN], cout[UDP_BATCH][CTRL_LEN];
	uint8_t *rbuf, *wbuf;
	const struct sock *in_sk;   /* in[] is set up for this socket ... */
	unsigned in_used;           /* ... but for its first in_used headers */
	uint8_t *tcpbuf;            /* 2 + QUERY_MAX_BUF */
	struct rrl *rrl;            /* UDP rate limiting (srv->rrl), NULL = off */
};

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool wildcard;
};

struct server {
	unsigned nworkers;
	struct worker *workers;
	struct addr *addrs;
	unsigned naddr;
	unsigned tcp_max;
	struct timeval tcp_idle;
	atomic_uint tcp_open;
	_Atomic(struct snapshot *) current;
	struct config *cfg;         /* the config current was built from */
	struct event_base *main_base;
	struct event *main_stop_ev;
	server_reload_fn reload;
	void *reload_arg;
	struct rrl *rrl;            /* the RRL table, shared by the workers */
	struct rrl_exempt *rrl_x;   /* rrl.exempt, shared by the workers */
	server_observe_fn observe;
	void *observe_arg;
	uint32_t interval;
	bool udp_block;             /* blocking UDP path allowed (one address) */
};

struct query_info;

/* The snapshot a worker answers from; held until server_unhold(). */
const struct snapshot *server_hold(struct worker *wk);
void server_unhold(struct worker *wk);

/* Hand one answered query to the observer (srv->observe set). */
void server_observe(struct worker *wk, const struct snapshot *s,
    const struct query_info *qi, const uint8_t *req, size_t reqlen,
    const uint8_t *reply, size_t replylen, const struct sockaddr *peer,
    int tcp);

/* --- server_udp.c --- */

/* libevent callback: read and answer what sk's UDP socket holds. */
void server_udp_cb(evutil_socket_t fd, short what, void *arg);

/* Whether the blocking path is wanted (environment DNSXLD_UDP_LOOP). */
bool server_udp_block_wanted(void);

/* Once per process, before the workers start: the wake-up signal handler. */
int server_udp_block_init(void);

/* On the worker thread: make its only UDP socket blocking (with a receive
 * timeout) and its TCP listener signal this thread on a new connection. */
int server_udp_block_setup(struct worker *wk);

/* Undo the listener's signalling (the worker thread is about to end). */
void server_udp_block_done(struct worker *wk);

/* Serve UDP in blocking recvmmsg until a TCP connection waits, a signal
 * arrives or the worker stops. Holds no snapshot while blocked. */
void server_udp_block(struct worker *wk);

/* Interrupt the worker's blocking recvmmsg (server_stop). */
void server_udp_wake(struct worker *wk);

#endif

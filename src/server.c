/* server.c -- libevent workers: sockets, TCP (RFC 7766) listeners, signals,
 * and the published snapshot; the UDP batches are in server_udp.c.
 *
 *   main thread: event base with SIGTERM/SIGINT/SIGHUP + check timer
 *        |  server_publish(): atomic swap, wait for no worker to hold old
 *   worker i (x N): own event base, own SO_REUSEPORT UDP and TCP socket
 *                   (plain sockets when N = 1)
 *        |  per listen address; holds the snapshot only while answering;
 *        |  with one address, UDP from a blocking recvmmsg while no TCP
 *        |  connection is open (server_udp.c)
 *        v
 *   query_process(snapshot, packet) -> reply
 *
 * A worker "holds" a snapshot by storing it in its hazard slot, re-checking
 * the global pointer, and clearing the slot when the batch is done; the
 * publisher frees the old snapshot once no slot names it.
 */
#include "server_impl.h"

#include <errno.h>
#include <sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "config.h"
#include "errcode.h"
#include "log.h"
#include "query.h"
#include "rrl.h"
#include "snapshot.h"
#include "xfr.h"

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg);
static void tcp_read_cb(struct bufferevent *bev, void *arg);
static void tcp_write_cb(struct bufferevent *bev, void *arg);
static void tcp_event_cb(struct bufferevent *bev, short what, void *arg);

/* --- the snapshot pointer ---------------------------------------------- */

const struct snapshot *
server_hold(struct worker *wk)
{
	struct snapshot *s;
	do {
		s = atomic_load(&wk->srv->current);
		atomic_store(&wk->hazard, s);
	} while (s != atomic_load(&wk->srv->current));
	return s;
}

void
server_unhold(struct worker *wk)
{
	atomic_store(&wk->hazard, NULL);
}

void
server_publish(struct server *srv, struct snapshot *s, struct config *c)
{
	struct snapshot *old = atomic_exchange(&srv->current, s);
	struct config *oldc = srv->cfg;
	srv->cfg = c;
	if (old) {
		struct timespec ms = { 0, 1000000 };
		for (unsigned i = 0; i < srv->nworkers; i++)
			while (atomic_load(&srv->workers[i].hazard) == old)
				nanosleep(&ms, NULL);
		snapshot_free(old);
	}
	if (oldc)
		config_free(oldc);
}

const struct snapshot *
server_snapshot(const struct server *srv)
{
	return atomic_load(&((struct server *)srv)->current);
}

void
server_set_observer(struct server *srv, server_observe_fn fn, void *arg)
{
	srv->observe = fn;
	srv->observe_arg = arg;
}

void
server_observe(struct worker *wk, const struct snapshot *s,
    const struct query_info *qi, const uint8_t *req, size_t reqlen,
    const uint8_t *reply, size_t replylen, const struct sockaddr *peer,
    int tcp)
{
	struct server_query q = { wk->id, s, qi, req, reply, reqlen, replylen,
	    peer, tcp };
	wk->srv->observe(wk->srv->observe_arg, &q);
}

/* --- sockets -------------------------------------------------------------- */

static int
resolve(const struct config *cfg, struct server *srv)
{
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		const struct cfg_listen *l = &cfg->listen[i];
		struct addrinfo hints, *res, *ai;
		char port[8];
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = cfg->ipv4_only ? AF_INET :
		    cfg->ipv6_only ? AF_INET6 : AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		hints.ai_flags = AI_PASSIVE;
		snprintf(port, sizeof(port), "%u", l->port ? l->port : 53);
		const char *host = l->addr && *l->addr && strcmp(l->addr, "*") ?
		    l->addr : NULL;
		int rc = getaddrinfo(host, port, &hints, &res);
		if (rc != 0) {
			log_warnx("listen %s/%s: %s", host ? host : "*", port,
			    gai_strerror(rc));
			return DX_EINVAL;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			struct addr *na = realloc(srv->addrs,
			    (srv->naddr + 1) * sizeof(*na));
			if (!na) {
				freeaddrinfo(res);
				return DX_ENOMEM;
			}
			srv->addrs = na;
			struct addr *a = &na[srv->naddr++];
			memset(a, 0, sizeof(*a));
			memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
			a->len = ai->ai_addrlen;
			if (ai->ai_family == AF_INET)
				a->wildcard = ((struct sockaddr_in *)ai->ai_addr)->
				    sin_addr.s_addr == htonl(INADDR_ANY);
			else
				a->wildcard = IN6_IS_ADDR_UNSPECIFIED(
				    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		}
		freeaddrinfo(res);
	}
	return srv->naddr ? 0 : DX_EINVAL;
}

static const char *
addr_text(const struct addr *a, char *buf, size_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	if (getnameinfo((const struct sockaddr *)&a->ss, a->len, host,
	    sizeof(host), serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s/%s", host, serv);
	return buf;
}

/* One socket of type on address a, bound, non-blocking. reuseport: one of
 * several workers' sockets on a. A lone socket goes without SO_REUSEPORT:
 * no other process can then bind the port and take a share of its
 * queries, and the kernel skips the group's hash on every datagram. */
static int
open_sock(struct addr *a, int type, bool reuseport)
{
	int fam = a->ss.ss_family, on = 1;
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char txt[NI_MAXHOST + NI_MAXSERV + 2];
	if (fd < 0) {
		log_warn("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		log_warn("SO_REUSEPORT");
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (type == SOCK_DGRAM) {
		int rcv = 1 << 20;          /* absorb bursts; best effort */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	if (type == SOCK_DGRAM && a->wildcard) {
		if (fam == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			    sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&a->ss, a->len) < 0) {
		log_warn("bind %s %s", type == SOCK_DGRAM ? "udp" : "tcp",
		    addr_text(a, txt, sizeof(txt)));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 128) < 0) {
		log_warn("listen %s", addr_text(a, txt, sizeof(txt)));
		close(fd);
		return -1;
	}
	/* Port 0: every later socket must share the port the first one got. */
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	if (getsockname(fd, (struct sockaddr *)&got, &glen) == 0) {
		if (fam == AF_INET)
			((struct sockaddr_in *)&a->ss)->sin_port =
			    ((struct sockaddr_in *)&got)->sin_port;
		else
			((struct sockaddr_in6 *)&a->ss)->sin6_port =
			    ((struct sockaddr_in6 *)&got)->sin6_port;
	}
	return fd;
}

/* Response rate limiting (rrl.h): one table per worker. */
static int
rrl_setup(const struct config *cfg, struct server *srv)
{
	char err[200];
	int rc = rrl_exempt_new(cfg->rrl_exempt, cfg->nrrl_exempt,
	    &srv->rrl_x, err, sizeof(err));
	if (rc < 0) {
		log_warnx("rrl: exempt: %s", err);
		return rc;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		if ((rc = rrl_new(cfg->rrl_rate, cfg->rrl_slip, cfg->rrl_table,
		    cfg->rrl_v4len, cfg->rrl_v6len, srv->rrl_x,
		    &srv->workers[i].rrl)) < 0)
			return rc;
	log_info("rrl: %u responses/s per bucket, slip %u", cfg->rrl_rate,
	    cfg->rrl_slip);
	return 0;
}

/* The default worker count: the CPUs this process may run on (taskset,
 * cgroup cpusets), not all the machine's: two workers on one allowed CPU
 * only take turns. */
static unsigned
cpus_usable(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c > 0 ? (unsigned)c : 1;
}

int
server_new(const struct config *cfg, struct server **out)
{
	struct server *srv = calloc(1, sizeof(*srv));
	int rc;
	*out = NULL;
	if (!srv)
		return DX_ENOMEM;
	if ((rc = resolve(cfg, srv)) < 0) {
		free(srv->addrs);
		free(srv);
		return rc;
	}
	unsigned n = cfg->workers;
	if (n == 0)
		n = cpus_usable();
	srv->nworkers = n > MAX_WORKERS ? MAX_WORKERS : n;
	srv->tcp_max = cfg->tcp_max_clients ? cfg->tcp_max_clients : 256;
	uint32_t idle = cfg->tcp_idle_ms ? cfg->tcp_idle_ms : 10000;
	srv->tcp_idle.tv_sec = idle / 1000;
	srv->tcp_idle.tv_usec = (idle % 1000) * 1000;
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	if (!srv->workers) {
		server_free(srv);
		return DX_ENOMEM;
	}
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct worker *wk = &srv->workers[i];
		wk->srv = srv;
		wk->id = i;
		wk->socks = calloc(srv->naddr, sizeof(*wk->socks));
		wk->rbuf = malloc((size_t)UDP_BATCH * UDP_RBUF);
		wk->wbuf = malloc((size_t)UDP_BATCH * UDP_WBUF);
		wk->tcpbuf = malloc(2 + QUERY_MAX_BUF);
		for (unsigned j = 0; wk->socks && j < srv->naddr; j++)
			wk->socks[j].udp_fd = wk->socks[j].tcp_fd = -1;
		if (!wk->socks || !wk->rbuf || !wk->wbuf || !wk->tcpbuf) {
			server_free(srv);
			return DX_ENOMEM;
		}
		for (unsigned j = 0; j < srv->naddr; j++) {
			struct sock *sk = &wk->socks[j];
			sk->wk = wk;
			sk->family = srv->addrs[j].ss.ss_family;
			sk->wildcard = srv->addrs[j].wildcard;
			bool rp = srv->nworkers > 1;
			sk->udp_fd = open_sock(&srv->addrs[j], SOCK_DGRAM, rp);
			sk->tcp_fd = sk->udp_fd < 0 ? -1 :
			    open_sock(&srv->addrs[j], SOCK_STREAM, rp);
			if (sk->udp_fd < 0 || sk->tcp_fd < 0) {
				server_free(srv);
				return DX_EIO;
			}
		}
	}
	/* Blocking recvmmsg needs one UDP socket per worker. */
	srv->udp_block = srv->naddr == 1 && server_udp_block_wanted();
	if (cfg->rrl_rate && (rc = rrl_setup(cfg, srv)) < 0) {
		server_free(srv);
		return rc;
	}
	for (unsigned j = 0; j < srv->naddr; j++) {
		char txt[NI_MAXHOST + NI_MAXSERV + 2];
		log_info("listening on %s (udp, tcp)",
		    addr_text(&srv->addrs[j], txt, sizeof(txt)));
	}
	*out = srv;
	return 0;
}

unsigned
server_workers(const struct server *srv)
{
	return srv->nworkers;
}

/* --- TCP (RFC 7766) --------------------------------------------------------- */

static void
conn_free(struct tcp_conn *c)
{
	struct worker *wk = c->wk;
	if (c->prev)
		c->prev->next = c->next;
	else
		wk->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	atomic_fetch_sub(&wk->srv->tcp_open, 1);
	free(c);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct sock *sk = arg;
	struct worker *wk = sk->wk;
	struct server *srv = wk->srv;

	if (atomic_fetch_add(&srv->tcp_open, 1) >= srv->tcp_max) {
		atomic_fetch_sub(&srv->tcp_open, 1);
		evutil_closesocket(fd);     /* at the cap: refuse by closing */
		return;
	}
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (c)
		c->bev = bufferevent_socket_new(wk->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (!c || !c->bev) {
		log_warnx("tcp: out of memory, connection dropped");
		free(c);
		evutil_closesocket(fd);
		atomic_fetch_sub(&srv->tcp_open, 1);
		return;
	}
	c->wk = wk;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer))
		memcpy(&c->peer, sa, (size_t)salen);
	c->next = wk->conns;
	if (wk->conns)
		wk->conns->prev = c;
	wk->conns = c;
	bufferevent_setcb(c->bev, tcp_read_cb, tcp_write_cb, tcp_event_cb, c);
	bufferevent_set_timeouts(c->bev, &srv->tcp_idle, &srv->tcp_idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Answer every complete length-prefixed query in the input, in order
 * (pipelining); stop reading while the client does not read its replies. */
/* xfr.c writes each transfer message here, with its length prefix. */
static int
tcp_emit(const uint8_t *msg, size_t len, void *arg)
{
	uint8_t lb[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct bufferevent *bev = arg;
	return bufferevent_write(bev, lb, 2) == 0 &&
	    bufferevent_write(bev, msg, len) == 0 ? 0 : -1;
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct worker *wk = c->wk;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	const struct snapshot *s = server_hold(wk);

	for (;;) {
		size_t avail = evbuffer_get_length(in);
		uint8_t lb[2];
		if (avail < 2 || evbuffer_copyout(in, lb, 2) != 2)
			break;
		size_t mlen = (size_t)lb[0] << 8 | lb[1];
		if (avail < 2 + mlen)
			break;
		const uint8_t *m = evbuffer_pullup(in, (ev_ssize_t)(2 + mlen));
		if (m && xfr_is_transfer(m + 2, mlen)) {
			xfr_serve(s, m + 2, mlen, (struct sockaddr *)&c->peer,
			    tcp_emit, bev);
			evbuffer_drain(in, 2 + mlen);
			continue;
		}
		struct query_info qi;
		size_t rlen = m ? query_process(s, m + 2, mlen, QUERY_TCP,
		    (struct sockaddr *)&c->peer, wk->tcpbuf + 2, QUERY_MAX_BUF,
		    wk->srv->observe ? &qi : NULL) : 0;
		if (m && wk->srv->observe)
			server_observe(wk, s, &qi, m + 2, mlen, wk->tcpbuf + 2, rlen,
			    (struct sockaddr *)&c->peer, 1);
		evbuffer_drain(in, 2 + mlen);
		if (rlen > 0) {
			wk->tcpbuf[0] = (uint8_t)(rlen >> 8);
			wk->tcpbuf[1] = (uint8_t)rlen;
			bufferevent_write(bev, wk->tcpbuf, rlen + 2);
		}
		if (evbuffer_get_length(out) > TCP_OUT_MAX) {
			bufferevent_disable(bev, EV_READ);
			break;
		}
	}
	server_unhold(wk);
}

static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	if (c->closing) {
		conn_free(c);
		return;
	}
	/* Output drained: read again, and answer what is already buffered. */
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		tcp_read_cb(bev, c);
	}
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		c->closing = true;          /* half-close: flush replies first */
		bufferevent_disable(bev, EV_READ);
		return;
	}
	conn_free(c);                       /* EOF, error or idle timeout */
}

/* --- workers, signals, run ---------------------------------------------- */

/* A stop is an activated event, not a bare loopbreak: a loopbreak sent
 * before a loop starts is forgotten, an active event is not. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* With the blocking UDP path, the worker sits in recvmmsg while it has no
 * TCP connection, and in its event base (UDP and TCP) while it has one. */
static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	char name[16];
	snprintf(name, sizeof name, "worker%u", wk->id);
	pthread_setname_np(pthread_self(), name);	/* top -H, ps -L */
	if (wk->block && server_udp_block_setup(wk) < 0)
		wk->block = false;
	if (!wk->block) {
		event_base_dispatch(wk->base);
		return NULL;
	}
	/* The listener signals only connections that arrive from now on; the
	 * sockets listened before the data loaded, so accept what is queued. */
	event_base_loop(wk->base, EVLOOP_NONBLOCK);
	while (!atomic_load(&wk->stopping)) {
		if (!wk->conns) {
			/* Out of epoll meanwhile: no ready-list work per datagram. */
			event_del(wk->socks[0].udp_ev);
			server_udp_block(wk);
			event_add(wk->socks[0].udp_ev, NULL);
		}
		if (atomic_load(&wk->stopping))
			break;
		/* Accept what woke us, or serve the open connections. */
		event_base_loop(wk->base, wk->conns ? EVLOOP_ONCE :
		    EVLOOP_NONBLOCK);
	}
	server_udp_block_done(wk);
	return NULL;
}

static int
worker_setup(struct worker *wk)
{
	struct server *srv = wk->srv;
	wk->base = event_base_new();
	if (!wk->base)
		return DX_ENOMEM;
	wk->stop_ev = event_new(wk->base, -1, 0, stop_cb, wk->base);
	if (!wk->stop_ev)
		return DX_ENOMEM;
	for (unsigned j = 0; j < srv->naddr; j++) {
		struct sock *sk = &wk->socks[j];
		sk->udp_ev = event_new(wk->base, sk->udp_fd, EV_READ | EV_PERSIST,
		    server_udp_cb, sk);
		if (!sk->udp_ev || event_add(sk->udp_ev, NULL) < 0)
			return DX_ENOMEM;
		sk->lev = evconnlistener_new(wk->base, accept_cb, sk,
		    LEV_OPT_CLOSE_ON_FREE, 0, sk->tcp_fd);
		if (!sk->lev)
			return DX_ENOMEM;
		sk->tcp_fd = -1;            /* the listener owns it now */
	}
	return 0;
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading");
		if (srv->reload)
			srv->reload(srv, SERVER_RELOAD_SIGHUP, srv->reload_arg);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	server_stop(srv);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	if (srv->reload)
		srv->reload(srv, SERVER_RELOAD_TIMER, srv->reload_arg);
}

void
server_set_reload(struct server *srv, server_reload_fn fn, void *arg,
    uint32_t interval)
{
	srv->reload = fn;
	srv->reload_arg = arg;
	srv->interval = interval;
}

void
server_stop(struct server *srv)
{
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct worker *wk = &srv->workers[i];
		atomic_store(&wk->stopping, true);
		if (wk->stop_ev)
			event_active(wk->stop_ev, 0, 0);
		server_udp_wake(wk);
	}
	if (srv->main_stop_ev)
		event_active(srv->main_stop_ev, 0, 0);
}

int
server_run(struct server *srv)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct event *sev[3] = { NULL, NULL, NULL }, *tev = NULL;
	sigset_t block, old;
	int rc = 0;

	if (evthread_use_pthreads() < 0)
		return DX_ENOMEM;
	signal(SIGPIPE, SIG_IGN);
	srv->main_base = event_base_new();
	if (!srv->main_base)
		return DX_ENOMEM;
	srv->main_stop_ev = event_new(srv->main_base, -1, 0, stop_cb,
	    srv->main_base);
	if (!srv->main_stop_ev) {
		rc = DX_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < 3; i++) {
		sev[i] = evsignal_new(srv->main_base, sigs[i], signal_cb, srv);
		if (!sev[i] || event_add(sev[i], NULL) < 0) {
			rc = DX_ENOMEM;
			goto out;
		}
	}
	if (srv->interval) {
		struct timeval tv = { (time_t)srv->interval, 0 };
		tev = event_new(srv->main_base, -1, EV_PERSIST, timer_cb, srv);
		if (!tev || event_add(tev, &tv) < 0) {
			rc = DX_ENOMEM;
			goto out;
		}
	}
	/* Workers block the signals so they all reach the main thread. */
	sigemptyset(&block);
	for (unsigned i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (srv->udp_block && server_udp_block_init() < 0)
		srv->udp_block = false;
	for (unsigned i = 0; i < srv->nworkers && rc == 0; i++) {
		struct worker *wk = &srv->workers[i];
		if ((rc = worker_setup(wk)) < 0)
			break;
		wk->block = srv->udp_block;
		if (pthread_create(&wk->tid, NULL, worker_main, wk) != 0) {
			rc = DX_ENOMEM;
			break;
		}
		wk->started = true;
	}
	/* Unblock rather than restore: a caller may block them during
	 * start-up so that an early signal waits for the handlers. */
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	if (rc == 0) {
		log_info("serving with %u worker%s", srv->nworkers,
		    srv->nworkers == 1 ? "" : "s");
		event_base_dispatch(srv->main_base);
	} else {
		log_warnx("cannot start workers: %s", dx_strerror(rc));
	}
	server_stop(srv);
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].started) {
			pthread_join(srv->workers[i].tid, NULL);
			srv->workers[i].started = false;
		}
out:
	if (tev)
		event_free(tev);
	for (unsigned i = 0; i < 3; i++)
		if (sev[i])
			event_free(sev[i]);
	if (srv->main_stop_ev)
		event_free(srv->main_stop_ev);
	srv->main_stop_ev = NULL;
	event_base_free(srv->main_base);
	srv->main_base = NULL;
	return rc;
}

void
server_free(struct server *srv)
{
	if (!srv)
		return;
	for (unsigned i = 0; srv->workers && i < srv->nworkers; i++) {
		struct worker *wk = &srv->workers[i];
		while (wk->conns)
			conn_free(wk->conns);
		for (unsigned j = 0; wk->socks && j < srv->naddr; j++) {
			struct sock *sk = &wk->socks[j];
			if (sk->lev)
				evconnlistener_free(sk->lev);
			if (sk->udp_ev)
				event_free(sk->udp_ev);
			if (sk->udp_fd >= 0)
				close(sk->udp_fd);
			if (sk->tcp_fd >= 0)
				close(sk->tcp_fd);
		}
		if (wk->stop_ev)
			event_free(wk->stop_ev);
		if (wk->base)
			event_base_free(wk->base);
		free(wk->socks);
		free(wk->rbuf);
		free(wk->wbuf);
		free(wk->tcpbuf);
		rrl_free(wk->rrl);
	}
	rrl_exempt_free(srv->rrl_x);
	free(srv->workers);
	free(srv->addrs);
	struct snapshot *s = atomic_load(&srv->current);
	if (s)
		snapshot_free(s);
	if (srv->cfg)
		config_free(srv->cfg);
	free(srv);
}

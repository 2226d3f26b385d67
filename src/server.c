/* server.c -- libevent workers: UDP (recvmmsg/sendmmsg batches) and TCP
 * (RFC 7766) listeners, signals, and the published snapshot.
 *
 *   main thread: event base with SIGTERM/SIGINT/SIGHUP + check timer
 *        |  server_publish(): atomic swap, wait for no worker to hold old
 *   worker i (x N): own event base, own SO_REUSEPORT UDP and TCP socket
 *        |  per listen address; holds the snapshot only while answering
 *        v
 *   query_process(snapshot, packet) -> reply
 *
 * A worker "holds" a snapshot by storing it in its hazard slot, re-checking
 * the global pointer, and clearing the slot when the batch is done; the
 * publisher frees the old snapshot once no slot names it.
 */
#include "server.h"

#include <errno.h>
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
#include "snapshot.h"
#include "xfr.h"

#define UDP_BATCH   32          /* datagrams per recvmmsg/sendmmsg */
#define UDP_ROUNDS  8           /* batches per callback, then yield */
#define UDP_RBUF    4096        /* largest request read over UDP */
#define UDP_WBUF    4096        /* largest UDP reply (edns-max above is cut) */
#define TCP_OUT_MAX (256 * 1024)  /* stop reading a client that does not read */
#define MAX_WORKERS 64
#define CTRL_LEN    64          /* room for one in(6)_pktinfo cmsg */

struct server;
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
	uint8_t *tcpbuf;            /* 2 + QUERY_MAX_BUF */
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
	uint32_t interval;
};

static void udp_cb(evutil_socket_t fd, short what, void *arg);
static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg);
static void tcp_read_cb(struct bufferevent *bev, void *arg);
static void tcp_write_cb(struct bufferevent *bev, void *arg);
static void tcp_event_cb(struct bufferevent *bev, short what, void *arg);

/* --- the snapshot pointer ---------------------------------------------- */

static const struct snapshot *
hold(struct worker *wk)
{
	struct snapshot *s;
	do {
		s = atomic_load(&wk->srv->current);
		atomic_store(&wk->hazard, s);
	} while (s != atomic_load(&wk->srv->current));
	return s;
}

static void
unhold(struct worker *wk)
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

/* One socket of type on address a, bound, non-blocking. */
static int
open_sock(struct addr *a, int type)
{
	int fam = a->ss.ss_family, on = 1;
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char txt[NI_MAXHOST + NI_MAXSERV + 2];
	if (fd < 0) {
		log_warn("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
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
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c > 0 ? (unsigned)c : 1;
	}
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
			sk->udp_fd = open_sock(&srv->addrs[j], SOCK_DGRAM);
			sk->tcp_fd = sk->udp_fd < 0 ? -1 :
			    open_sock(&srv->addrs[j], SOCK_STREAM);
			if (sk->udp_fd < 0 || sk->tcp_fd < 0) {
				server_free(srv);
				return DX_EIO;
			}
		}
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

/* --- UDP ------------------------------------------------------------------ */

/* Reply from the address the query came to (wildcard sockets only). */
static socklen_t
reply_pktinfo(const struct msghdr *in, uint8_t *ctl)
{
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_control = ctl;
	m.msg_controllen = CTRL_LEN;
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)in); c;
	    c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		struct cmsghdr *o = CMSG_FIRSTHDR(&m);
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(c),
			    sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static void
udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sock *sk = arg;
	struct worker *wk = sk->wk;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			struct msghdr *h = &wk->in[i].msg_hdr;
			wk->iin[i].iov_base = wk->rbuf + (size_t)i * UDP_RBUF;
			wk->iin[i].iov_len = UDP_RBUF;
			memset(h, 0, sizeof(*h));
			h->msg_iov = &wk->iin[i];
			h->msg_iovlen = 1;
			h->msg_name = &wk->peer[i];
			h->msg_namelen = sizeof(wk->peer[i]);
			if (sk->wildcard) {
				h->msg_control = wk->cin[i];
				h->msg_controllen = CTRL_LEN;
			}
		}
		int n = recvmmsg(fd, wk->in, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_debug("recvmmsg: %s", strerror(errno));
			return;
		}
		const struct snapshot *s = hold(wk);
		unsigned m = 0;
		for (int i = 0; i < n; i++) {
			uint8_t *reply = wk->wbuf + (size_t)m * UDP_WBUF;
			size_t len = query_process(s, wk->iin[i].iov_base,
			    wk->in[i].msg_len, QUERY_UDP,
			    (struct sockaddr *)&wk->peer[i], reply, UDP_WBUF,
			    NULL);
			if (len == 0)
				continue;
			struct msghdr *o = &wk->out[m].msg_hdr;
			memset(o, 0, sizeof(*o));
			wk->iout[m].iov_base = reply;
			wk->iout[m].iov_len = len;
			o->msg_iov = &wk->iout[m];
			o->msg_iovlen = 1;
			o->msg_name = &wk->peer[i];
			o->msg_namelen = wk->in[i].msg_hdr.msg_namelen;
			if (sk->wildcard) {
				socklen_t cl = reply_pktinfo(&wk->in[i].msg_hdr,
				    wk->cout[m]);
				o->msg_control = cl ? wk->cout[m] : NULL;
				o->msg_controllen = cl;
			}
			m++;
		}
		unhold(wk);
		for (unsigned sent = 0; sent < m;) {
			int k = sendmmsg(fd, wk->out + sent, m - sent, 0);
			if (k > 0) {
				sent += (unsigned)k;
			} else if (errno == EINTR) {
				continue;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
				break;  /* UDP is lossy: the client retries */
			} else {
				log_debug("sendmmsg: %s", strerror(errno));
				sent++; /* skip the datagram that failed */
			}
		}
		if (n < UDP_BATCH)
			return;
	}
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
	const struct snapshot *s = hold(wk);

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
		size_t rlen = m ? query_process(s, m + 2, mlen, QUERY_TCP,
		    (struct sockaddr *)&c->peer, wk->tcpbuf + 2, QUERY_MAX_BUF,
		    NULL) : 0;
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
	unhold(wk);
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

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	event_base_dispatch(wk->base);
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
		    udp_cb, sk);
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
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].stop_ev)
			event_active(srv->workers[i].stop_ev, 0, 0);
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
	for (unsigned i = 0; i < srv->nworkers && rc == 0; i++) {
		struct worker *wk = &srv->workers[i];
		if ((rc = worker_setup(wk)) < 0)
			break;
		if (pthread_create(&wk->tid, NULL, worker_main, wk) != 0) {
			rc = DX_ENOMEM;
			break;
		}
		wk->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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
	}
	free(srv->workers);
	free(srv->addrs);
	struct snapshot *s = atomic_load(&srv->current);
	if (s)
		snapshot_free(s);
	if (srv->cfg)
		config_free(srv->cfg);
	free(srv);
}

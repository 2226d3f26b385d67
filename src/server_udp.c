/* server_udp.c -- the UDP half of the workers: recvmmsg/sendmmsg batches,
 * from a libevent callback or, while a worker has no TCP work, from a
 * blocking recvmmsg loop that saves the epoll_wait per wake-up.
 *
 * Blocking path (one listen address, DNSXLD_UDP_LOOP unset or "block"):
 *
 *   worker: recvmmsg(MSG_WAITFORONE) -> answer -> sendmmsg -> again
 *      ^ new TCP connection: the listener is O_ASYNC, owned by the worker
 *      |   thread, and raises SIG_KICK (no SA_RESTART): recvmmsg -> EINTR,
 *      |   the handler sets a thread-local flag, the worker runs its event
 *      |   base until its last TCP connection is closed, then comes back.
 *      | server_stop(): flag + pthread_kill, same wake-up.
 *      | SO_RCVTIMEO (UDP_BLOCK_MS): covers a signal that lands between the
 *      |   flag check and the system call while no datagram arrives.
 */
#include "server_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "query.h"
#include "rrl.h"

#define SIG_KICK (SIGRTMIN + 1)

/* Set by the signal handler on the thread it interrupted. A lock-free
 * atomic, the one kind of thread-local object C11 lets a handler touch. */
static _Thread_local atomic_int kicked;

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

/* Rate limiting of one UDP reply: its new length (0 = drop). */
static size_t
rrl_apply(struct worker *wk, const struct sockaddr *peer,
    const struct query_info *qi, uint8_t *reply, size_t len, uint64_t ms)
{
	switch (rrl_account(wk->rrl, peer, rrl_kind_of(qi->rcode, qi->ancount),
	    ms)) {
	case RRL_DROP:
		return 0;
	case RRL_SLIP:
		return rrl_truncate(reply, len);
	default:
		return len;
	}
}

/* One recvmmsg with flags, every datagram answered, the replies sent: the
 * number read, or -1 with errno from recvmmsg. */
static int
udp_batch(struct sock *sk, int flags)
{
	struct worker *wk = sk->wk;
	int fd = sk->udp_fd;

	/* The kernel rewrites only the name and control lengths and the flags
	 * of the headers it filled: after the first batch on this socket,
	 * reset those (a wake-up usually carries a datagram or two). */
	unsigned prep = wk->in_sk == sk ? wk->in_used : UDP_BATCH;
	for (unsigned i = 0; i < prep; i++) {
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
	wk->in_sk = sk;
	wk->in_used = 0;
	int n = recvmmsg(fd, wk->in, UDP_BATCH, flags, NULL);
	if (n <= 0)
		return n;
	wk->in_used = (unsigned)n;
	const struct snapshot *s = server_hold(wk);
	unsigned m = 0;
	uint64_t ms = 0;
	if (wk->rrl) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	/* Answered one by one, a batch's lookups would miss the map one
	 * after another: fetch all their lines first, so that the misses
	 * overlap (a lone datagram fetches its own in query_process). */
	if (n > 1)
		for (int i = 0; i < n; i++)
			query_prefetch(s, wk->iin[i].iov_base, wk->in[i].msg_len);
	for (int i = 0; i < n; i++) {
		uint8_t *reply = wk->wbuf + (size_t)m * UDP_WBUF;
		struct query_info qi;
		size_t len = query_process(s, wk->iin[i].iov_base,
		    wk->in[i].msg_len, QUERY_UDP,
		    (struct sockaddr *)&wk->peer[i], reply, UDP_WBUF,
		    wk->srv->observe || wk->rrl ? &qi : NULL);
		if (len && wk->rrl)
			len = rrl_apply(wk, (struct sockaddr *)&wk->peer[i],
			    &qi, reply, len, ms);
		if (wk->srv->observe)
			server_observe(wk, s, &qi, wk->iin[i].iov_base,
			    wk->in[i].msg_len, reply, len,
			    (struct sockaddr *)&wk->peer[i], 0);
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
	server_unhold(wk);
	/* MSG_DONTWAIT: the socket may be blocking (for recvmmsg), a full
	 * send buffer must not stall the worker. */
	for (unsigned sent = 0; sent < m;) {
		int k = sendmmsg(fd, wk->out + sent, m - sent, MSG_DONTWAIT);
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
	return n;
}

void
server_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sock *sk = arg;
	(void)fd;
	(void)what;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		int n = udp_batch(sk, MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_debug("recvmmsg: %s", strerror(errno));
		if (n < UDP_BATCH)
			return;
	}
}

/* --- the blocking path ---------------------------------------------------- */

bool
server_udp_block_wanted(void)
{
	const char *e = getenv("DNSXLD_UDP_LOOP");
	return !e || !*e || strcmp(e, "event") != 0;
}

static void
kick_handler(int sig)
{
	(void)sig;
	atomic_store_explicit(&kicked, 1, memory_order_relaxed);
}

int
server_udp_block_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;                /* no SA_RESTART: recvmmsg -> EINTR */
	/* SIGIO too: the kernel sends it instead when the realtime signal
	 * queue overflows, and its default action would end the process. */
	if (sigaction(SIG_KICK, &sa, NULL) < 0 || sigaction(SIGIO, &sa, NULL) < 0) {
		log_warn("sigaction");
		return -1;
	}
	return 0;
}

int
server_udp_block_setup(struct worker *wk)
{
	struct sock *sk = &wk->socks[0];
	int ufd = sk->udp_fd, lfd = evconnlistener_get_fd(sk->lev);
	struct timeval tv = { 0, UDP_BLOCK_MS * 1000 };
	struct f_owner_ex own = { F_OWNER_TID, (pid_t)syscall(SYS_gettid) };
	int ufl = fcntl(ufd, F_GETFL), lfl = fcntl(lfd, F_GETFL);

	if (ufl < 0 || lfl < 0 ||
	    setsockopt(ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    fcntl(lfd, F_SETOWN_EX, &own) < 0 ||
	    fcntl(lfd, F_SETSIG, SIG_KICK) < 0 ||
	    fcntl(lfd, F_SETFL, lfl | O_ASYNC) < 0 ||
	    fcntl(ufd, F_SETFL, ufl & ~O_NONBLOCK) < 0) {
		log_warn("worker %u: blocking UDP path off", wk->id);
		server_udp_block_done(wk);
		return -1;
	}
	return 0;
}

void
server_udp_block_done(struct worker *wk)
{
	struct sock *sk = &wk->socks[0];
	int lfd = evconnlistener_get_fd(sk->lev);
	int lfl = fcntl(lfd, F_GETFL), ufl = fcntl(sk->udp_fd, F_GETFL);
	if (lfl >= 0)
		fcntl(lfd, F_SETFL, lfl & ~O_ASYNC);
	if (ufl >= 0)
		fcntl(sk->udp_fd, F_SETFL, ufl | O_NONBLOCK);
}

void
server_udp_block(struct worker *wk)
{
	struct sock *sk = &wk->socks[0];

	while (!atomic_load_explicit(&kicked, memory_order_relaxed) &&
	    !atomic_load(&wk->stopping)) {
		/* Blocks for the first datagram, then takes what is queued. */
		int n = udp_batch(sk, MSG_WAITFORONE);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_debug("recvmmsg: %s", strerror(errno));
	}
	/* Cleared before the caller looks at its event base: a connection
	 * arriving after that look sets it again. */
	atomic_store_explicit(&kicked, 0, memory_order_relaxed);
}

void
server_udp_wake(struct worker *wk)
{
	/* srv->udp_block, not wk->block: the worker may still change that. */
	if (wk->srv->udp_block && wk->started)
		pthread_kill(wk->tid, SIG_KICK);
}

/* floor.c -- the benchmark floor: a UDP responder that flips QR and echoes. */
/*
 * No DNS server can answer a query with less work than this: one recvmmsg
 * and one sendmmsg per batch of up to 32 datagrams, no parsing beyond the
 * 12-byte header. bench/run.sh measures it beside rbldnsd and dnsxld so the
 * ratios say how much of a server's cost is the kernel's and how much its own.
 *
 *   floor -b ADDR/PORT        e.g. floor -b 127.0.0.1/5399
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH	32
#define BUFSZ	1232	/* larger datagrams are truncated: a floor need not echo them */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Parses ADDR/PORT (IPv4 or IPv6) into ss; returns its length or -1. */
static socklen_t
parse_bind(const char *arg, struct sockaddr_storage *ss)
{
	char host[64];
	const char *slash = strrchr(arg, '/');
	size_t n;
	long port;

	if (slash == NULL || (n = (size_t)(slash - arg)) >= sizeof(host))
		return 0;
	memcpy(host, arg, n);
	host[n] = '\0';
	port = strtol(slash + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return 0;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return sizeof(*s6);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[BATCH][BUFSZ];
	struct sockaddr_storage peer[BATCH], addr;
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sigaction sa;
	socklen_t alen;
	int fd, one = 1, rcvbuf = 4 << 20;
	unsigned long long answered = 0;

	if (argc != 3 || strcmp(argv[1], "-b") != 0 ||
	    (alen = parse_bind(argv[2], &addr)) == 0) {
		fprintf(stderr, "usage: floor -b ADDR/PORT\n");
		return 2;
	}
	fd = socket(addr.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("floor: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&addr, alen) < 0) {
		perror("floor: bind");
		return 1;
	}
	/* No SA_RESTART: a signal interrupts the blocking recvmmsg. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	while (!stop) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = BUFSZ;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &peer[i];
			msg[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		}
		/* Block for the first datagram, then take what is queued. */
		int n = recvmmsg(fd, msg, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("floor: recvmmsg");
			return 1;
		}
		int k = 0;
		for (int i = 0; i < n; i++) {
			unsigned len = msg[i].msg_len;
			if (len < 12 || (buf[i][2] & 0x80))
				continue;	/* not a query: drop, as a server would */
			buf[i][2] |= 0x80;	/* QR */
			iov[i].iov_len = len;
			if (k != i)
				msg[k] = msg[i];
			k++;
		}
		for (int off = 0; off < k;) {
			int s = sendmmsg(fd, msg + off, (unsigned)(k - off), 0);
			if (s <= 0) {
				if (s < 0 && errno == EINTR && !stop)
					continue;
				break;	/* a full socket buffer drops, like UDP does */
			}
			off += s;
			answered += (unsigned)s;
		}
	}
	fprintf(stderr, "floor: %llu answered\n", answered);
	close(fd);
	return 0;
}

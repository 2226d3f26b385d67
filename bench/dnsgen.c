/* dnsgen.c -- a lean closed-loop UDP DNS load generator for bench/run.sh. */
/*
 * One thread keeps a fixed number of queries outstanding over a few connected
 * UDP sockets, sending and receiving in batches with sendmmsg/recvmmsg, so a
 * server on another core can be saturated (one dnsperf process measures itself
 * near 130k q/s on this machine class; see docs/performance.md). Queries are
 * read from a dnsperf-format file ("name type" per line) and encoded once.
 *
 *   dnsgen -s ADDR -p PORT -d FILE [-l SECS] [-c SOCKETS] [-q OUTSTANDING]
 *          [-t TIMEOUT_MS]      run, then print a report and a RESULT line
 *                               (defaults: 10 s, 16 sockets, 256, 250 ms)
 *
 * A query unanswered after TIMEOUT_MS is counted lost and its slot reused:
 * on loopback an answer comes within milliseconds even at saturation, and a
 * long timeout would let a burst of drops (a server's full socket buffer)
 * hold slots idle and understate the server's rate.
 *   dnsgen -s ADDR -p PORT -d FILE -w SECS [-a]
 *                               probe until the first NOERROR reply with an
 *                               answer (-a: any reply) (exit 0), or SECS (1)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		32
#define MAXSOCK		64
#define HISTMAX		100000	/* 1 us bins up to 100 ms; beyond, the last bin */

struct gsock {
	int fd;
	uint16_t next_id, oldest;	/* ids oldest..next_id-1 may be in flight */
	uint64_t *sent;			/* [65536] send time in ns, 0 = free */
};

static unsigned char *qwire;		/* all queries, encoded back to back */
static size_t *qoff, nq, qcap;
static size_t wire_used, wire_cap;
static uint32_t hist[HISTMAX + 1];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
qtype_code(const char *t)
{
	static const struct { const char *n; int c; } tab[] = {
		{ "A", 1 }, { "NS", 2 }, { "SOA", 6 }, { "PTR", 12 },
		{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "ANY", 255 },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(t, tab[i].n) == 0)
			return tab[i].c;
	return -1;
}

/* Appends one encoded query; returns 0, or -1 if the line is not usable. */
static int
add_query(const char *name, int type)
{
	unsigned char w[12 + 256 + 4];
	size_t n = 12;
	const char *p = name;

	memset(w, 0, 12);
	w[2] = 0x01;		/* RD, as dnsperf sends */
	w[5] = 1;		/* QDCOUNT */
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len > 63 || n + 1 + len + 5 > 12 + 255)
			return -1;
		w[n++] = (unsigned char)len;
		memcpy(w + n, p, len);
		n += len;
		p += len + (dot != NULL);
	}
	w[n++] = 0;
	w[n++] = (unsigned char)(type >> 8);
	w[n++] = (unsigned char)type;
	w[n++] = 0;
	w[n++] = 1;		/* IN */
	if (nq + 1 >= qcap) {
		qcap = qcap ? qcap * 2 : 4096;
		if ((qoff = realloc(qoff, qcap * sizeof(*qoff))) == NULL)
			return -2;
	}
	if (wire_used + n > wire_cap) {
		wire_cap = wire_cap ? wire_cap * 2 : 1 << 20;
		if ((qwire = realloc(qwire, wire_cap)) == NULL)
			return -2;
	}
	memcpy(qwire + wire_used, w, n);
	qoff[nq++] = wire_used;
	wire_used += n;
	qoff[nq] = wire_used;
	return 0;
}

static int
load_queries(const char *path)
{
	char line[512], name[300], type[16];
	unsigned long lineno = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (sscanf(line, "%299s %15s", name, type) != 2 || name[0] == '#')
			continue;
		size_t l = strlen(name);
		if (l > 1 && name[l - 1] == '.')
			name[l - 1] = '\0';
		int t = qtype_code(type), r = t < 0 ? -1 : add_query(name, t);
		if (r == -2) {
			fprintf(stderr, "dnsgen: out of memory\n");
			fclose(f);
			return -1;
		}
		if (r < 0)
			fprintf(stderr, "%s:%lu: skipped unusable query\n", path, lineno);
	}
	fclose(f);
	if (nq == 0) {
		fprintf(stderr, "%s: no queries\n", path);
		return -1;
	}
	return 0;
}

static int
open_socket(const char *addr, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, buf = 1 << 20;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		fprintf(stderr, "dnsgen: bad address %s\n", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("dnsgen: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	return fd;
}

/* Sends up to n queries on s, stamped at t; returns how many left. */
static int
send_batch(struct gsock *s, int n, size_t *qi, uint64_t t)
{
	static unsigned char buf[BATCH][12 + 256 + 4];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	uint16_t first = s->next_id;

	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < n; i++) {
		size_t q = (*qi + (size_t)i) % nq, len = qoff[q + 1] - qoff[q];
		uint16_t id = (uint16_t)(first + i);
		memcpy(buf[i], qwire + qoff[q], len);
		buf[i][0] = (unsigned char)(id >> 8);
		buf[i][1] = (unsigned char)id;
		iov[i].iov_base = buf[i];
		iov[i].iov_len = len;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	int r = sendmmsg(s->fd, msg, (unsigned)n, 0);
	if (r <= 0)
		return 0;
	for (int i = 0; i < r; i++)
		s->sent[(uint16_t)(first + i)] = t;
	s->next_id = (uint16_t)(first + r);
	*qi = (*qi + (size_t)r) % nq;
	return r;
}

static double
percentile(uint64_t total, double p)
{
	uint64_t want = (uint64_t)((double)total * p), acc = 0;

	if (total == 0)
		return 0;
	for (int i = 0; i <= HISTMAX; i++)
		if ((acc += hist[i]) > want)
			return i;
	return HISTMAX;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dnsgen -s ADDR -p PORT -d FILE [-l SECS] "
	    "[-c SOCKETS] [-q OUTSTANDING] [-t TIMEOUT_MS] [-w SECS [-a]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *file = NULL;
	int port = 53, nsock = 16, maxq = 256, timeout_ms = 250, anyreply = 0, opt;
	double secs = 10, wait = 0;
	struct gsock sock[MAXSOCK];
	uint64_t sent = 0, answered = 0, lost = 0, rc[3] = { 0, 0, 0 }, maxlat = 0;

	while ((opt = getopt(argc, argv, "s:p:d:l:c:q:t:w:a")) != -1) {
		switch (opt) {
		case 's': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'd': file = optarg; break;
		case 'l': secs = atof(optarg); break;
		case 'c': nsock = atoi(optarg); break;
		case 'q': maxq = atoi(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'w': wait = atof(optarg); break;
		case 'a': anyreply = 1; break;
		default: usage();
		}
	}
	if (file == NULL || port <= 0 || nsock < 1 || nsock > MAXSOCK ||
	    maxq < 1 || secs <= 0 || timeout_ms < 1)
		usage();
	if (load_queries(file) < 0)
		return 1;
	if (wait > 0) {		/* probe mode: one socket, one query every 2 ms */
		nsock = 1;
		maxq = 1;
		secs = wait;
		timeout_ms = 2;
	}

	int ep = epoll_create1(0);
	for (int i = 0; i < nsock; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		sock[i].fd = open_socket(addr, port);
		sock[i].next_id = sock[i].oldest = (uint16_t)(i * 4099);
		sock[i].sent = calloc(65536, sizeof(uint64_t));
		if (sock[i].fd < 0 || sock[i].sent == NULL ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, sock[i].fd, &ev) < 0)
			return 1;
	}

	uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9);
	uint64_t tmo = (uint64_t)timeout_ms * 1000000u, t = start, last_scan = start;
	size_t qi = 0;
	int outstanding = 0, rr = 0;
	while (t < end && !(wait > 0 && answered > 0)) {
		/* Refill in batches: sockets take turns so each stays shallow. */
		for (int tries = 0; outstanding < maxq && tries < nsock; tries++) {
			int n = maxq - outstanding < BATCH ? maxq - outstanding : BATCH;
			int r = send_batch(&sock[rr], n, &qi, t);
			rr = (rr + 1) % nsock;
			outstanding += r;
			sent += (uint64_t)r;
		}
		struct epoll_event evs[MAXSOCK];
		int ne = epoll_wait(ep, evs, nsock, wait > 0 ? 2 : 10);
		t = now_ns();
		for (int e = 0; e < ne; e++) {
			struct gsock *s = &sock[evs[e].data.u32];
			static unsigned char rbuf[BATCH][512];
			struct mmsghdr msg[BATCH];
			struct iovec iov[BATCH];
			int r;
			do {
				memset(msg, 0, sizeof(msg));
				for (int i = 0; i < BATCH; i++) {
					iov[i].iov_base = rbuf[i];
					iov[i].iov_len = sizeof(rbuf[i]);
					msg[i].msg_hdr.msg_iov = &iov[i];
					msg[i].msg_hdr.msg_iovlen = 1;
				}
				r = recvmmsg(s->fd, msg, BATCH, MSG_DONTWAIT, NULL);
				for (int i = 0; i < r; i++) {
					if (msg[i].msg_len < 12 || !(rbuf[i][2] & 0x80))
						continue;
					/* a server still loading may answer SERVFAIL or
					 * REFUSED: only a real answer says it is ready */
					if (wait > 0 && !anyreply && ((rbuf[i][3] & 0x0f) != 0 ||
					    (rbuf[i][6] | rbuf[i][7]) == 0))
						continue;
					uint16_t id = (uint16_t)(rbuf[i][0] << 8 | rbuf[i][1]);
					if (s->sent[id] == 0) {
						/* late answer, already counted lost; a probe
						 * only wants to know the server answers */
						answered += wait > 0;
						continue;
					}
					uint64_t lat = (t - s->sent[id]) / 1000;
					s->sent[id] = 0;
					hist[lat < HISTMAX ? lat : HISTMAX]++;
					if (lat > maxlat)
						maxlat = lat;
					int code = rbuf[i][3] & 0x0f;
					rc[code == 0 ? 0 : code == 3 ? 1 : 2]++;
					answered++;
					outstanding--;
				}
			} while (r == BATCH);
		}
		/* Expire the unanswered, oldest first, a few times a second. */
		if (t - last_scan > tmo / 4 || wait > 0) {
			last_scan = t;
			for (int i = 0; i < nsock; i++) {
				struct gsock *s = &sock[i];
				while (s->oldest != s->next_id) {
					uint64_t st = s->sent[s->oldest];
					if (st != 0 && t - st < tmo)
						break;
					if (st != 0) {
						s->sent[s->oldest] = 0;
						if (wait == 0)
							lost++;
						outstanding--;
					}
					s->oldest++;
				}
			}
		}
	}
	double el = (double)(t - start) / 1e9;

	if (wait > 0) {
		if (answered == 0) {
			fprintf(stderr, "dnsgen: no answer within %.1f s\n", wait);
			return 1;
		}
		printf("RESULT ready_ms=%.1f\n", el * 1e3);
		return 0;
	}
	printf("dnsgen: %zu distinct queries, %d sockets, %d outstanding, %.2f s\n",
	    nq, nsock, maxq, el);
	printf("  sent %llu answered %llu lost %llu (%.3f%%) in flight %d\n",
	    (unsigned long long)sent, (unsigned long long)answered,
	    (unsigned long long)lost, sent ? 100.0 * (double)lost / (double)sent : 0.0,
	    outstanding);
	printf("  rcode NOERROR %llu NXDOMAIN %llu other %llu\n",
	    (unsigned long long)rc[0], (unsigned long long)rc[1], (unsigned long long)rc[2]);
	printf("  latency us: p50 %.0f p90 %.0f p99 %.0f p99.9 %.0f max %llu\n",
	    percentile(answered, .5), percentile(answered, .9),
	    percentile(answered, .99), percentile(answered, .999),
	    (unsigned long long)maxlat);
	printf("  queries/s: %.0f\n", (double)answered / el);
	printf("RESULT qps=%.0f sent=%llu answered=%llu lost=%llu noerror=%llu "
	    "nxdomain=%llu other=%llu p50_us=%.0f p99_us=%.0f max_us=%llu\n",
	    (double)answered / el, (unsigned long long)sent,
	    (unsigned long long)answered, (unsigned long long)lost,
	    (unsigned long long)rc[0], (unsigned long long)rc[1],
	    (unsigned long long)rc[2],
	    percentile(answered, .5), percentile(answered, .99),
	    (unsigned long long)maxlat);
	return 0;
}

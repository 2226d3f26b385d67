/* querylog.c -- the query log (-l): workers append formatted lines to
 * their own buffer under their own (uncontended) lock; one writer thread
 * swaps each buffer for an empty one and writes it out, every second
 * (buffered) or every 10 ms ("+file"), and reopens the file on request.
 */
#include "querylog.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "errcode.h"
#include "log.h"
#include "query.h"

#define QL_BUF (256 * 1024)     /* per worker, per side */

struct qlbuf {
	pthread_mutex_t mu;
	char *buf, *spare;
	size_t len;
	uint64_t dropped;
} __attribute__((aligned(64)));

static struct qlbuf *B;
static unsigned NB;
static int fd = -1;
static char *path;              /* NULL: stdout, never reopened */
static bool unbuffered;
static _Atomic bool enabled, reopen_req, stop_req;
static pthread_t writer;
static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wcv = PTHREAD_COND_INITIALIZER;

static int
open_file(void)
{
	if (!path)
		return 1;
	int nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (nfd < 0) {
		log_warn("query log %s", path);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	fd = nfd;
	return nfd;
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0 && fd >= 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_warn("query log write");
			return;
		}
		p += k;
		n -= (size_t)k;
	}
}

static void
flush_all(void)
{
	for (unsigned i = 0; i < NB; i++) {
		struct qlbuf *b = &B[i];
		pthread_mutex_lock(&b->mu);
		char *full = b->buf;
		size_t len = b->len;
		b->buf = b->spare;
		b->len = 0;
		b->spare = full;
		pthread_mutex_unlock(&b->mu);
		write_all(full, len);  /* spare is ours until the next swap */
	}
}

static void *
writer_main(void *arg)
{
	pthread_setname_np(pthread_self(), "querylog");
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long step = unbuffered ? 10000000L : 1000000000L;
		ts.tv_nsec += step;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&wmu);
		if (!atomic_load(&stop_req) && !atomic_load(&reopen_req))
			pthread_cond_timedwait(&wcv, &wmu, &ts);
		pthread_mutex_unlock(&wmu);
		flush_all();
		if (atomic_exchange(&reopen_req, false))
			open_file();
		if (atomic_load(&stop_req))
			break;
	}
	flush_all();
	return NULL;
}

int
querylog_open(const char *spec, unsigned nworkers)
{
	if (spec[0] == '+') {
		unbuffered = true;
		spec++;
	}
	NB = nworkers ? nworkers : 1;
	B = calloc(NB, sizeof(*B));
	if (!B)
		return DX_ENOMEM;
	for (unsigned i = 0; i < NB; i++) {
		pthread_mutex_init(&B[i].mu, NULL);
		B[i].buf = malloc(QL_BUF);
		B[i].spare = malloc(QL_BUF);
		if (!B[i].buf || !B[i].spare)
			return DX_ENOMEM;
	}
	if (strcmp(spec, "-") == 0) {
		fd = 1;
	} else {
		if (!(path = strdup(spec)))
			return DX_ENOMEM;
		if (open_file() < 0)
			return DX_EIO;
	}
	atomic_store(&stop_req, false);
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0)
		return DX_ENOMEM;
	atomic_store(&enabled, true);
	return 0;
}

bool
querylog_enabled(void)
{
	return atomic_load_explicit(&enabled, memory_order_relaxed);
}

void
querylog_reopen(void)
{
	if (!querylog_enabled())
		return;
	atomic_store(&reopen_req, true);
	pthread_mutex_lock(&wmu);
	pthread_cond_signal(&wcv);
	pthread_mutex_unlock(&wmu);
}

uint64_t
querylog_dropped(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < NB; i++) {
		pthread_mutex_lock(&B[i].mu);
		n += B[i].dropped;
		pthread_mutex_unlock(&B[i].mu);
	}
	return n;
}

void
querylog_close(void)
{
	if (!querylog_enabled())
		return;
	atomic_store(&enabled, false);
	atomic_store(&stop_req, true);
	pthread_mutex_lock(&wmu);
	pthread_cond_signal(&wcv);
	pthread_mutex_unlock(&wmu);
	pthread_join(writer, NULL);
	if (fd > 2)
		close(fd);
	fd = -1;
	for (unsigned i = 0; i < NB; i++) {
		free(B[i].buf);
		free(B[i].spare);
		pthread_mutex_destroy(&B[i].mu);
	}
	free(B);
	B = NULL;
	free(path);
	path = NULL;
}

/* --- the line ------------------------------------------------------------- */

static size_t
put_name(const uint8_t *req, size_t len, char *o, size_t cap)
{
	size_t p = 12, n = 0;
	while (p < len && req[p] != 0 && (req[p] & 0xC0) == 0) {
		unsigned l = req[p++];
		if (l > len - p)
			break;
		if (n && n < cap)
			o[n++] = '.';
		for (unsigned i = 0; i < l && n + 4 < cap; i++) {
			uint8_t c = req[p + i];
			if (c > ' ' && c < 127 && c != '.' && c != '\\')
				o[n++] = (char)c;
			else
				n += (size_t)snprintf(o + n, cap - n, "\\%03u", c);
		}
		p += l;
	}
	if (n == 0 && cap > 1)
		o[n++] = '.';
	return n;
}

static const char *
code_name(ldns_lookup_table *t, int id, const char *base, char *buf,
    size_t len)
{
	ldns_lookup_table *e = ldns_lookup_by_id(t, id);
	if (e && e->name)
		return e->name;
	snprintf(buf, len, "%s%d", base, id);
	return buf;
}

size_t
querylog_format(const struct server_query *q, long long now, char *out,
    size_t outlen)
{
	const struct query_info *qi = q->info;
	char host[NI_MAXHOST] = "?", tb[24], cb[24], rb[24], name[1100];
	const ldns_rr_descriptor *d = ldns_rr_descript(qi->qtype);
	const char *tn = d && d->_name ? d->_name : NULL;

	if (q->peer)
		getnameinfo(q->peer, q->peer->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		    host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	if (!tn) {
		snprintf(tb, sizeof(tb), "type%u", qi->qtype);
		tn = tb;
	}
	size_t nl = put_name(q->req, q->reqlen, name, sizeof(name) - 1);
	name[nl] = '\0';
	int n = snprintf(out, outlen, "%lld %s %s %s %s: %s/%u/%zu\n", now,
	    host, name, tn,
	    code_name(ldns_rr_classes, qi->qclass, "class", cb, sizeof(cb)),
	    code_name(ldns_rcodes, qi->rcode, "rcode", rb, sizeof(rb)),
	    qi->ancount, q->replylen);
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

void
querylog_write(const struct server_query *q)
{
	char line[1400];
	if (q->replylen == 0 || q->info->rcode < 0 || q->info->qclass == 0)
		return;                 /* rbldnsd logs answered questions only */
	struct qlbuf *b = &B[q->worker % NB];
	size_t n = querylog_format(q, (long long)time(NULL), line,
	    sizeof(line));
	pthread_mutex_lock(&b->mu);
	if (b->len + n <= QL_BUF) {
		memcpy(b->buf + b->len, line, n);
		b->len += n;
	} else {
		b->dropped++;
	}
	pthread_mutex_unlock(&b->mu);
}

/* notify.c -- send NOTIFY (RFC 1996) for every zone to every configured
 * secondary: one UDP datagram, answered by the secondary with the same ID;
 * resent when no answer comes (RFC 1996 section 3.6).
 *
 * Nothing here blocks the caller: notify_send() queues one job per zone
 * and target and wakes a thread of its own running a libevent loop, where
 * each job is a non-blocking UDP socket with a read event and a timer
 * (send, wait NOTIFY_WAIT_MS, resend, NOTIFY_TRIES times). A new NOTIFY
 * for the same zone and target replaces one still waiting. */
#include "notify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <ldns/ldns.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "snapshot.h"
#include "zone.h"

#define NOTIFY_TRIES 3
#define NOTIFY_WAIT_MS 300

/* "addr@port" or "addr" -> sockaddr; false when it is not an address. */
static bool
target_addr(const char *t, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[80], *at;
	unsigned port = 53;

	snprintf(buf, sizeof(buf), "%s", t);
	if ((at = strrchr(buf, '@')) != NULL) {
		*at++ = '\0';
		port = (unsigned)atoi(at);
		if (port == 0 || port > 65535)
			return false;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return true;
	}
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return true;
	}
	return false;
}

/* NOTIFY for zone z: header (opcode 4, AA), question zone SOA IN, and the
 * SOA serial in the answer section as a hint (RFC 1996 section 3.7). */
static size_t
build(const struct zone *z, uint16_t id, uint8_t *p, size_t cap)
{
	unsigned wlen;
	const uint8_t *w = zone_name_wire(z, &wlen, NULL);
	const struct ds_soa *soa = zone_soa(z);
	size_t pos = 12;

	if (wlen + 1 + 4 + 2 + 10 + 22 + 12 > cap)
		return 0;
	memset(p, 0, 12);
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
	p[2] = 4 << 3 | 0x04;          /* opcode NOTIFY, AA */
	p[5] = 1;                       /* QDCOUNT */
	p[7] = 1;                       /* ANCOUNT */
	memcpy(p + pos, w, wlen);
	pos += wlen;
	if (wlen == 0 || w[wlen - 1] != 0)
		p[pos++] = 0;
	p[pos++] = 0, p[pos++] = 6, p[pos++] = 0, p[pos++] = 1;
	/* answer: owner = pointer to the question name, SOA with root names */
	p[pos++] = 0xC0, p[pos++] = 12;
	p[pos++] = 0, p[pos++] = 6, p[pos++] = 0, p[pos++] = 1;
	uint32_t ttl = soa->ttl;
	p[pos++] = (uint8_t)(ttl >> 24), p[pos++] = (uint8_t)(ttl >> 16);
	p[pos++] = (uint8_t)(ttl >> 8), p[pos++] = (uint8_t)ttl;
	p[pos++] = 0, p[pos++] = 22;
	p[pos++] = 0;                   /* mname "." */
	p[pos++] = 0;                   /* rname "." */
	uint32_t v[5] = { soa->serial, soa->refresh, soa->retry, soa->expire,
	    soa->minttl };
	for (int i = 0; i < 5; i++) {
		p[pos++] = (uint8_t)(v[i] >> 24), p[pos++] = (uint8_t)(v[i] >> 16);
		p[pos++] = (uint8_t)(v[i] >> 8), p[pos++] = (uint8_t)v[i];
	}
	return pos;
}

struct job {
	struct job *next;
	char zone[300];
	char target[80];            /* "addr@port" */
	uint32_t serial;
	uint8_t pkt[512];
	size_t len;
	int fd;
	int tries;
	struct event *ev;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct event_base *base;
static struct event *wake;
static pthread_t thr;
static bool running;
static struct job *pending;     /* queued by notify_send (under mu) */
static struct job *active;      /* owned by the notify thread */

static void
job_free(struct job *j)
{
	if (j->ev)
		event_free(j->ev);
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

static void
job_unlink(struct job *j)
{
	for (struct job **pp = &active; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			return;
		}
}

/* Send (again) and wait NOTIFY_WAIT_MS: the event is persistent, its
 * timer restarts whenever it fires. */
static void
job_send(struct job *j)
{
	struct timeval tv = { 0, NOTIFY_WAIT_MS * 1000 };

	j->tries++;
	if (send(j->fd, j->pkt, j->len, 0) < 0 && errno != EAGAIN &&
	    errno != ECONNREFUSED)
		log_warn("notify %s", j->target);
	event_add(j->ev, &tv);
}

static void
job_event(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	uint8_t ans[512];
	ssize_t n;

	if (what & EV_READ) {
		while ((n = recv(fd, ans, sizeof(ans), 0)) >= 0) {
			if (n >= 12 && ans[0] == j->pkt[0] &&
			    ans[1] == j->pkt[1] && (ans[2] & 0x80)) {
				log_info("notify: %s serial %u to %s: rcode %u",
				    j->zone, j->serial, j->target, ans[3] & 0xF);
				job_unlink(j);
				job_free(j);
				return;
			}
		}
		return;         /* something else, or ICMP refused: wait */
	}
	if (j->tries < NOTIFY_TRIES) {
		j->tries++;
		if (send(j->fd, j->pkt, j->len, 0) < 0 && errno != EAGAIN &&
		    errno != ECONNREFUSED)
			log_warn("notify %s", j->target);
		return;
	}
	log_warnx("notify: %s to %s: no answer", j->zone, j->target);
	job_unlink(j);
	job_free(j);
}

/* Start the jobs notify_send() queued (notify thread). */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *q, *j;
	struct sockaddr_storage ss;
	socklen_t sl;

	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&mu);
	if (!running) {
		/* notify_shutdown(): an active event is not lost the way a
		 * loopbreak sent before the loop starts would be */
		pthread_mutex_unlock(&mu);
		event_base_loopbreak(base);
		return;
	}
	q = pending;
	pending = NULL;
	pthread_mutex_unlock(&mu);
	while ((j = q) != NULL) {
		q = j->next;
		j->next = NULL;
		/* a newer serial replaces a NOTIFY still waiting */
		for (struct job *o = active, *nx; o; o = nx) {
			nx = o->next;
			if (strcasecmp(o->zone, j->zone) == 0 &&
			    strcmp(o->target, j->target) == 0) {
				job_unlink(o);
				job_free(o);
			}
		}
		if (!target_addr(j->target, &ss, &sl)) {
			log_warnx("notify: bad target \"%s\" (addr@port)",
			    j->target);
			job_free(j);
			continue;
		}
		if ((j->fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0 ||
		    fcntl(j->fd, F_SETFL, O_NONBLOCK) < 0 ||
		    connect(j->fd, (struct sockaddr *)&ss, sl) < 0 ||
		    (j->ev = event_new(base, j->fd, EV_READ | EV_PERSIST, job_event,
		    j)) ==
		    NULL) {
			log_warn("notify %s", j->target);
			job_free(j);
			continue;
		}
		j->next = active;
		active = j;
		job_send(j);
	}
}

static void *
loop(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "notify");
	event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* The notify thread and its loop, once (under mu). */
static bool
start(void)
{
	if (running)
		return true;
	if (evthread_use_pthreads() < 0 || (base = event_base_new()) == NULL)
		return false;
	if ((wake = event_new(base, -1, 0, wake_cb, NULL)) == NULL ||
	    pthread_create(&thr, NULL, loop, NULL) != 0) {
		if (wake)
			event_free(wake);
		event_base_free(base);
		base = NULL;
		wake = NULL;
		return false;
	}
	running = true;
	return true;
}

/* "addr@port key NAME": the address part into out, the key (NULL when
 * none); false when the key is not one of tsig-keys. */
static bool
split_target(const struct config *cfg, const char *t, char *out, size_t cap,
    const struct cfg_tsig **key)
{
	const char *k = strstr(t, "key ");
	size_t l = k ? (size_t)(k - t) : strlen(t);

	*key = NULL;
	while (l && t[l - 1] == ' ')
		l--;
	snprintf(out, cap, "%.*s", (int)l, t);
	if (!k)
		return true;
	for (k += 4; *k == ' '; k++)
		;
	for (unsigned i = 0; i < cfg->ntsig; i++) {
		const char *n = cfg->tsig[i].name;
		size_t nl = strlen(n), kl = strlen(k);
		if (nl && n[nl - 1] == '.')
			nl--;
		if (kl && k[kl - 1] == '.')
			kl--;
		if (nl == kl && strncasecmp(n, k, nl) == 0) {
			*key = &cfg->tsig[i];
			return true;
		}
	}
	return false;
}

/* Sign the NOTIFY with key (RFC 8945; a secondary may require it). */
static bool
sign(struct job *j, const struct cfg_tsig *key)
{
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	size_t len = 0;
	char kn[300], alg[300];
	bool ok = false;

	snprintf(kn, sizeof(kn), "%s%s", key->name,
	    key->name[0] && key->name[strlen(key->name) - 1] == '.' ? "" : ".");
	snprintf(alg, sizeof(alg), "%s%s", key->algorithm,
	    key->algorithm[strlen(key->algorithm) - 1] == '.' ? "" : ".");
	if (ldns_wire2pkt(&p, j->pkt, j->len) == LDNS_STATUS_OK &&
	    ldns_pkt_tsig_sign(p, kn, key->secret, 300, alg, NULL) ==
	    LDNS_STATUS_OK && ldns_pkt2wire(&w, p, &len) == LDNS_STATUS_OK &&
	    len <= sizeof(j->pkt)) {
		memcpy(j->pkt, w, len);
		j->len = len;
		ok = true;
	}
	free(w);
	ldns_pkt_free(p);
	return ok;
}

int
notify_send(const struct snapshot *s, const struct config *cfg)
{
	struct job *q = NULL, **tail = &q;
	int n = 0;

	for (unsigned i = 0; i < snapshot_zone_count(s); i++) {
		const struct zone *z = snapshot_zone(s, i);
		char *const *al, *const *nl;
		unsigned na, nn;
		config_xfr_lists(cfg, zone_name(z), &al, &na, &nl, &nn);
		for (unsigned k = 0; k < nn; k++) {
			struct job *j = calloc(1, sizeof(*j));
			uint16_t id = (uint16_t)(random() & 0xFFFF);
			const struct cfg_tsig *key;
			if (!j)
				break;
			j->fd = -1;
			snprintf(j->zone, sizeof(j->zone), "%s", zone_name(z));
			if (!split_target(cfg, nl[k], j->target,
			    sizeof(j->target), &key)) {
				log_warnx("notify: %s: no such key in tsig-keys",
				    nl[k]);
				free(j);
				continue;
			}
			j->serial = zone_soa(z)->serial;
			if ((j->len = build(z, id, j->pkt, sizeof(j->pkt))) == 0 ||
			    (key && !sign(j, key))) {
				if (key)
					log_warnx("notify: %s: cannot sign with "
					    "key %s", nl[k], key->name);
				free(j);
				continue;
			}
			*tail = j;
			tail = &j->next;
			n++;
		}
	}
	if (!q)
		return 0;
	pthread_mutex_lock(&mu);
	if (!start()) {
		pthread_mutex_unlock(&mu);
		log_warnx("notify: cannot start the NOTIFY thread");
		for (struct job *j; (j = q) != NULL; ) {
			q = j->next;
			free(j);
		}
		return 0;
	}
	*tail = pending;
	pending = q;
	event_active(wake, 0, 0);
	pthread_mutex_unlock(&mu);
	return n;
}

void
notify_shutdown(void)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	running = false;
	event_active(wake, 0, 0);
	pthread_mutex_unlock(&mu);
	pthread_join(thr, NULL);
	for (struct job *j; (j = active) != NULL; ) {
		active = j->next;
		job_free(j);
	}
	for (struct job *j; (j = pending) != NULL; ) {
		pending = j->next;
		free(j);
	}
	event_free(wake);
	event_base_free(base);
	wake = NULL;
	base = NULL;
}

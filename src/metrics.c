/* metrics.c -- /metrics in Prometheus text format: query counters from
 * stats.c (summed over workers at scrape time), reload state from
 * reload.c. One thread with its own event base, so a slow scraper never
 * touches a DNS worker.
 */
#include "metrics.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "control.h"
#include "errcode.h"
#include "log.h"
#include "querylog.h"
#include "reload.h"
#include "stats.h"

static int lfd = -1;
static struct event_base *base;
static struct evhttp *http;
static struct event *stop_ev;
static pthread_t tid;
static bool running;
static struct reload *rl;
static unsigned nwork;

int
metrics_bind(const char *spec)
{
	const char *at = strrchr(spec, '@');
	char host[256];
	struct addrinfo hints, *res;
	int on = 1;

	if (!at || at == spec || (size_t)(at - spec) >= sizeof(host) || !at[1]) {
		log_warnx("metrics-listen \"%s\": expected addr@port", spec);
		return DX_EINVAL;
	}
	memcpy(host, spec, (size_t)(at - spec));
	host[at - spec] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, at + 1, &hints, &res) != 0) {
		log_warnx("metrics-listen \"%s\": bad address", spec);
		return DX_EINVAL;
	}
	lfd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (lfd >= 0)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (lfd < 0 || bind(lfd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(lfd, 16) < 0) {
		log_warn("metrics-listen %s", spec);
		if (lfd >= 0)
			close(lfd);
		lfd = -1;
		freeaddrinfo(res);
		return DX_EIO;
	}
	freeaddrinfo(res);
	log_info("metrics on http://%s/metrics", spec);
	return 0;
}

/* --- rendering ------------------------------------------------------------ */

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->p ? o->p + o->len : NULL,
		    o->p ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0 || o->oom)
			return;
		if (o->p && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		size_t nc = (o->cap ? o->cap * 2 : 16384) + (size_t)n;
		char *np = realloc(o->p, nc);
		if (!np) {
			o->oom = true;
			return;
		}
		o->p = np;
		o->cap = nc;
	}
}

/* A label value, escaped as the text format wants. */
static const char *
esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; s && *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void
head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_queries(struct out *o)
{
	unsigned nz = stats_zone_slots();
	char zb[600];

	head(o, "dnsxld_queries_total", "counter",
	    "DNS queries by zone, qtype, transport and rcode.");
	for (unsigned z = 0; z <= nz; z++) {
		unsigned slot = z < nz ? z : STATS_MAX_ZONES;
		const char *zn = z < nz ? stats_zone_name(z) : "-";
		for (int qt = 0; qt < SQ_N; qt++)
			for (int tr = 0; tr < 2; tr++)
				for (int rc = 0; rc < SR_N; rc++) {
					uint64_t v = stats_queries(slot, qt, tr, rc);
					if (v == 0)
						continue;
					put(o, "dnsxld_queries_total{zone=\"%s\","
					    "qtype=\"%s\",transport=\"%s\","
					    "rcode=\"%s\"} %llu\n",
					    esc(zn, zb, sizeof(zb)),
					    stats_qtype_name(qt), tr ? "tcp" : "udp",
					    stats_rcode_name(rc),
					    (unsigned long long)v);
				}
	}
	head(o, "dnsxld_received_bytes_total", "counter",
	    "DNS message bytes received (answered queries), by zone.");
	for (unsigned z = 0; z <= nz; z++) {
		uint64_t in, out;
		stats_bytes(z < nz ? z : STATS_MAX_ZONES, &in, &out);
		put(o, "dnsxld_received_bytes_total{zone=\"%s\"} %llu\n",
		    esc(z < nz ? stats_zone_name(z) : "-", zb, sizeof(zb)),
		    (unsigned long long)in);
	}
	head(o, "dnsxld_sent_bytes_total", "counter",
	    "DNS message bytes sent, by zone.");
	for (unsigned z = 0; z <= nz; z++) {
		uint64_t in, out;
		stats_bytes(z < nz ? z : STATS_MAX_ZONES, &in, &out);
		put(o, "dnsxld_sent_bytes_total{zone=\"%s\"} %llu\n",
		    esc(z < nz ? stats_zone_name(z) : "-", zb, sizeof(zb)),
		    (unsigned long long)out);
	}
}

static void
render_datasets(struct out *o)
{
	char a[300], b[300], c[300], d[300];
	head(o, "dnsxld_dataset_hits_total", "counter",
	    "Answers a dataset contributed to, with its service/region labels.");
	for (unsigned i = 0; i < stats_dataset_slots(); i++) {
		const char *name, *svc, *reg, *pool;
		stats_dataset_labels(i, &name, &svc, &reg, &pool);
		put(o, "dnsxld_dataset_hits_total{dataset=\"%s\",service=\"%s\","
		    "region=\"%s\",pool=\"%s\"} %llu\n", esc(name, a, sizeof(a)),
		    esc(svc, b, sizeof(b)), esc(reg, c, sizeof(c)),
		    esc(pool, d, sizeof(d)),
		    (unsigned long long)stats_dataset_hits(i));
	}
	head(o, "dnsxld_expired_answers_total", "counter",
	    "Answers that left out a dataset past its $TIMESTAMP expiry.");
	put(o, "dnsxld_expired_answers_total %llu\n",
	    (unsigned long long)stats_expired());
}

/* Per-dataset provenance (reload_datasets), one pass per metric family. */
struct prov_arg {
	struct out *o;
	int family;
	time_t now;
};

/* A version made of digits only (Azure changeNumber) as a number. */
static bool
version_number(const char *v, unsigned long long *n)
{
	char *end;
	if (!v || *v < '0' || *v > '9')
		return false;
	errno = 0;
	*n = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0';
}

static void
prov_line(const struct reload_dataset *d, void *arg)
{
	struct prov_arg *pa = arg;
	char a[300], b[100], c[300];
	unsigned long long n;

	esc(d->name, a, sizeof(a));
	esc(d->type, b, sizeof(b));
	switch (pa->family) {
	case 0:
		put(pa->o, "dnsxld_dataset_version{dataset=\"%s\",type=\"%s\","
		    "version=\"%s\"} 1\n", a, b,
		    esc(d->version ? d->version : "", c, sizeof(c)));
		break;
	case 1:
		if (version_number(d->version, &n))
			put(pa->o, "dnsxld_dataset_source_change_number{dataset="
			    "\"%s\",type=\"%s\"} %llu\n", a, b, n);
		break;
	case 2:
		put(pa->o, "dnsxld_dataset_source_timestamp_seconds{dataset="
		    "\"%s\",type=\"%s\"} %lld\n", a, b, (long long)d->mtime);
		break;
	case 3:
		put(pa->o, "dnsxld_dataset_source_age_seconds{dataset=\"%s\","
		    "type=\"%s\"} %lld\n", a, b, d->mtime && pa->now > d->mtime ?
		    (long long)(pa->now - d->mtime) : 0LL);
		break;
	default:
		put(pa->o, "dnsxld_dataset_entries{dataset=\"%s\",type=\"%s\"} "
		    "%zu\n", a, b, d->entries);
		break;
	}
}

static void
render_provenance(struct out *o, struct reload *r)
{
	static const char *const fam[][2] = {
		{ "dnsxld_dataset_version", "Source version of each served "
		    "dataset (label; empty when the source has none), always 1." },
		{ "dnsxld_dataset_source_change_number", "The source's change "
		    "number, for datasets whose version is numeric." },
		{ "dnsxld_dataset_source_timestamp_seconds", "Newest source "
		    "file mtime of each dataset (SPF: resolution time)." },
		{ "dnsxld_dataset_source_age_seconds", "Seconds since that "
		    "time (0: unknown)." },
		{ "dnsxld_dataset_entries", "Entries of each served dataset." },
	};
	struct prov_arg pa = { o, 0, time(NULL) };

	for (pa.family = 0; pa.family < 5; pa.family++) {
		head(o, fam[pa.family][0], "gauge", fam[pa.family][1]);
		reload_datasets(r, prov_line, &pa);
	}
}

static void
render_reload(struct out *o, struct reload *r)
{
	struct reload_status st;
	char zb[600];
	time_t now = time(NULL);

	reload_status(r, &st);
	head(o, "dnsxld_reloads_total", "counter",
	    "Reload attempts since start, by result.");
	put(o, "dnsxld_reloads_total{result=\"success\"} %llu\n",
	    (unsigned long long)st.ok);
	put(o, "dnsxld_reloads_total{result=\"failure\"} %llu\n",
	    (unsigned long long)st.failed);
	head(o, "dnsxld_reload_last_success", "gauge",
	    "1 if the last load or reload was published, 0 if it failed.");
	put(o, "dnsxld_reload_last_success %d\n", st.last_ok ? 1 : 0);
	head(o, "dnsxld_reload_last_timestamp_seconds", "gauge",
	    "When the last load or reload attempt ended.");
	put(o, "dnsxld_reload_last_timestamp_seconds %lld\n",
	    (long long)st.last_time);
	head(o, "dnsxld_reload_last_duration_seconds", "gauge",
	    "How long the last attempt took.");
	put(o, "dnsxld_reload_last_duration_seconds %.6f\n", st.last_seconds);
	head(o, "dnsxld_reload_last_errors", "gauge",
	    "Errors (file:line, logged) in the last attempt.");
	put(o, "dnsxld_reload_last_errors %u\n", st.last_errors);
	head(o, "dnsxld_snapshot_loaded_timestamp_seconds", "gauge",
	    "When the served snapshot was published.");
	put(o, "dnsxld_snapshot_loaded_timestamp_seconds %lld\n",
	    (long long)st.loaded_time);
	head(o, "dnsxld_data_mtime_timestamp_seconds", "gauge",
	    "Newest data file modification time in the served snapshot.");
	put(o, "dnsxld_data_mtime_timestamp_seconds %lld\n",
	    (long long)st.data_mtime);
	head(o, "dnsxld_data_age_seconds", "gauge",
	    "Seconds since the newest served data file was modified.");
	put(o, "dnsxld_data_age_seconds %lld\n", st.data_mtime ?
	    (long long)(now - st.data_mtime) : 0LL);
	head(o, "dnsxld_data_expiry_timestamp_seconds", "gauge",
	    "Earliest $TIMESTAMP expiry of the served data (0: none).");
	put(o, "dnsxld_data_expiry_timestamp_seconds %lld\n",
	    (long long)st.expires);
	head(o, "dnsxld_zone_serial", "gauge", "SOA serial served, by zone.");
	for (unsigned z = 0; z < stats_zone_slots() && z < STATS_MAX_ZONES; z++)
		if (st.has_serial[z])
			put(o, "dnsxld_zone_serial{zone=\"%s\"} %u\n",
			    esc(stats_zone_name(z), zb, sizeof(zb)), st.serial[z]);
	head(o, "dnsxld_snapshot_entries", "gauge",
	    "Dataset entries in the served snapshot.");
	put(o, "dnsxld_snapshot_entries %zu\n", st.entries);
	head(o, "dnsxld_snapshot_memory_bytes", "gauge",
	    "Heap growth while the served snapshot was built.");
	put(o, "dnsxld_snapshot_memory_bytes %zu\n", st.snapshot_bytes);
	head(o, "dnsxld_zones", "gauge", "Zones in the served snapshot.");
	put(o, "dnsxld_zones %u\n", st.nzones);
}

char *
metrics_render(struct reload *r, size_t *len)
{
	struct out o = { NULL, 0, 0, false };
	render_queries(&o);
	render_datasets(&o);
	if (r) {
		render_reload(&o, r);
		render_provenance(&o, r);
	}
	head(&o, "dnsxld_querylog_dropped_total", "counter",
	    "Query log lines dropped because a worker buffer was full.");
	put(&o, "dnsxld_querylog_dropped_total %llu\n",
	    (unsigned long long)(querylog_enabled() ? querylog_dropped() : 0));
	head(&o, "dnsxld_workers", "gauge", "Worker threads.");
	put(&o, "dnsxld_workers %u\n", nwork);
	size_t cl;                      /* added (control): allowlist, rrl */
	char *ct = control_metrics_text(&cl);
	put(&o, "%s", ct ? ct : "");
	free(ct);
	if (o.oom) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}

/* --- serving -------------------------------------------------------------- */

static void
http_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    !uri || (strcmp(uri, "/metrics") != 0 &&
	    strncmp(uri, "/metrics?", 9) != 0)) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	size_t len;
	char *text = metrics_render(rl, &len);
	struct evbuffer *b = evbuffer_new();
	if (!text || !b) {
		free(text);
		if (b)
			evbuffer_free(b);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void *
metrics_main(void *arg)
{
	pthread_setname_np(pthread_self(), "metrics");
	event_base_dispatch(base);
	return NULL;
}

int
metrics_start(struct reload *r, unsigned nworkers)
{
	rl = r;
	nwork = nworkers;
	if (lfd < 0)
		return 0;
	if (evthread_use_pthreads() < 0)        /* stop from another thread */
		return DX_ENOMEM;
	base = event_base_new();
	http = base ? evhttp_new(base) : NULL;
	stop_ev = base ? event_new(base, -1, 0, stop_cb, NULL) : NULL;
	if (!http || !stop_ev ||
	    !evhttp_accept_socket_with_handle(http, lfd)) {
		log_warnx("metrics: cannot start");
		return DX_ENOMEM;
	}
	lfd = -1;                       /* evhttp owns it */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET);
	evhttp_set_gencb(http, http_cb, NULL);
	evhttp_set_timeout(http, 10);
	if (pthread_create(&tid, NULL, metrics_main, NULL) != 0)
		return DX_ENOMEM;
	running = true;
	return 0;
}

void
metrics_stop(void)
{
	if (running) {
		event_active(stop_ev, 0, 0);
		pthread_join(tid, NULL);
		running = false;
	}
	if (stop_ev)
		event_free(stop_ev);
	if (http)
		evhttp_free(http);
	if (base)
		event_base_free(base);
	stop_ev = NULL;
	http = NULL;
	base = NULL;
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
}

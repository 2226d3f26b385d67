/* xfr.c -- AXFR and IXFR over TCP from the renderings of the last
 * snapshots; the serial policy.
 *
 *   reload (main thread)              worker (TCP)
 *   snapshot_build                    AXFR/IXFR request
 *   xfr_prepare: dump_zone_render     xfr_serve: allow-transfer check
 *     same lines as the last version?   version lookup (under the lock)
 *       yes: keep its serial            AXFR: SOA, every line, SOA
 *       no : new serial (policy),       IXFR: SOA new, SOA old, removed,
 *            push a version                   SOA new, added, SOA new
 *   zone_set_serial; publish
 *
 * The history keeps the current rendering whole (sorted lines with their
 * wire form) and, for each older version, only its difference to the next
 * one (removed and added lines): an IXFR from any kept version sends those
 * differences in order (RFC 1995 section 4), one SOA pair each.
 */
#include "xfr.h"
#include "xfr_impl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>

#include "config.h"
#include "dump.h"
#include "errcode.h"
#include "log.h"
#include "notify.h"
#include "xfr_tsig.h"
#include "snapshot.h"
#include "zone.h"

struct xver {
	uint32_t serial;
	/* The current version: every line. An older one: its SOA, and as
	 * lines those removed on the way to the next version. */
	struct dump_zone *dz;
	uint8_t **wire;            /* per line, uncompressed RR */
	uint16_t *wlen;
	/* Older versions: the lines added on the way to the next one. */
	char **add;
	uint8_t **awire;
	uint16_t *awlen;
	size_t nadd;
};

struct xzone {
	char *name;
	bool ok;                   /* the current snapshot rendered */
	struct xver *v;            /* oldest first; v[n-1] is current */
	unsigned n;
};

static pthread_mutex_t hist_mu = PTHREAD_MUTEX_INITIALIZER;
static struct xzone *hist;
static unsigned nhist;

#define MSG_MAX 16384              /* bytes per transfer message */

/* --- versions ------------------------------------------------------------ */

static void
xver_free(struct xver *v)
{
	if (v->wire)
		for (size_t i = 0; i < v->dz->n; i++)
			free(v->wire[i]);
	free(v->wire);
	free(v->wlen);
	dump_zone_free(v->dz);
	for (size_t i = 0; i < v->nadd; i++) {
		free(v->add[i]);
		free(v->awire[i]);
	}
	free(v->add);
	free(v->awire);
	free(v->awlen);
}

/* Turn old (a whole rendering) into its difference to nw (the next one):
 * keep the lines nw lacks, copy those nw adds, free the rest. */
static int
xver_to_diff(struct xver *old, const struct xver *nw)
{
	struct dump_zone *a = old->dz;
	const struct dump_zone *b = nw->dz;
	size_t i = 0, j = 0, nrem = 0, n = a->n + b->n + 1;
	char **rem = calloc(n, sizeof(*rem)), **add = calloc(n, sizeof(*add));
	uint8_t **rw = calloc(n, sizeof(*rw)), **aw = calloc(n, sizeof(*aw));
	uint16_t *rl = calloc(n, sizeof(*rl)), *al = calloc(n, sizeof(*al));

	if (!rem || !add || !rw || !aw || !rl || !al) {
		free(rem), free(add), free(rw), free(aw), free(rl), free(al);
		return DX_ENOMEM;
	}
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 :
		    strcmp(a->line[i], b->line[j]);
		if (c < 0) {                    /* removed: keep */
			rem[nrem] = a->line[i];
			rw[nrem] = old->wire[i];
			rl[nrem++] = old->wlen[i];
			i++;
		} else if (c > 0) {             /* added: copy */
			add[old->nadd] = strdup(b->line[j]);
			aw[old->nadd] = malloc(nw->wlen[j]);
			if (aw[old->nadd])
				memcpy(aw[old->nadd], nw->wire[j], nw->wlen[j]);
			al[old->nadd++] = nw->wlen[j];
			j++;
		} else {                        /* in both: drop */
			free(a->line[i]);
			free(old->wire[i]);
			i++;
			j++;
		}
	}
	free(a->line);
	free(old->wire);
	free(old->wlen);
	a->line = rem;
	a->n = a->cap = nrem;
	old->wire = rw;
	old->wlen = rl;
	old->add = add;
	old->awire = aw;
	old->awlen = al;
	for (i = 0; i < old->nadd; i++)
		if (!add[i] || !aw[i])
			return DX_ENOMEM;
	return 0;
}

/* Zone file line -> uncompressed wire RR (malloc'd). */
static int
line_wire(const char *line, ldns_rdf *origin, uint8_t **w, uint16_t *wl)
{
	ldns_rr *rr = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;

	if (ldns_rr_new_frm_str(&rr, line, 0, origin, NULL) != LDNS_STATUS_OK)
		return DX_EINVAL;
	if (ldns_rr2wire(&buf, rr, LDNS_SECTION_ANSWER, &size) !=
	    LDNS_STATUS_OK || size > 65535) {
		ldns_rr_free(rr);
		free(buf);
		return DX_EINVAL;
	}
	ldns_rr_free(rr);
	*w = buf;
	*wl = (uint16_t)size;
	return 0;
}

static int
xver_wire(struct xver *v)
{
	ldns_rdf *origin = ldns_dname_new_frm_str(v->dz->origin);
	int rc = 0;

	if (!origin)
		return DX_ENOMEM;
	v->wire = calloc(v->dz->n ? v->dz->n : 1, sizeof(*v->wire));
	v->wlen = calloc(v->dz->n ? v->dz->n : 1, sizeof(*v->wlen));
	if (!v->wire || !v->wlen)
		rc = DX_ENOMEM;
	for (size_t i = 0; rc == 0 && i < v->dz->n; i++)
		if ((rc = line_wire(v->dz->line[i], origin, &v->wire[i],
		    &v->wlen[i])) < 0)
			log_warnx("xfr: %s: cannot encode \"%s\"", v->dz->origin,
			    v->dz->line[i]);
	ldns_rdf_deep_free(origin);
	return rc;
}

static bool
same_lines(const struct dump_zone *a, const struct dump_zone *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->line[i], b->line[i]) != 0)
			return false;
	return true;
}

static bool
serial_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static uint32_t
policy_serial(const struct config *cfg, uint32_t data)
{
	time_t now = time(NULL);
	struct tm tm;

	if (cfg->xfr_serial == 1)
		return (uint32_t)now;
	if (cfg->xfr_serial == 2 && gmtime_r(&now, &tm))
		return (uint32_t)(tm.tm_year + 1900) * 1000000u +
		    (uint32_t)(tm.tm_mon + 1) * 10000u +
		    (uint32_t)tm.tm_mday * 100u;
	return data;
}

static struct xzone *
xzone_get(const char *name)
{
	for (unsigned i = 0; i < nhist; i++)
		if (strcasecmp(hist[i].name, name) == 0)
			return &hist[i];
	struct xzone *n = realloc(hist, (nhist + 1) * sizeof(*hist));
	if (!n)
		return NULL;
	hist = n;
	memset(&hist[nhist], 0, sizeof(hist[nhist]));
	if ((hist[nhist].name = strdup(name)) == NULL)
		return NULL;
	return &hist[nhist++];
}

/* One zone: render, compare, pick the serial, push. */
static int
prepare_zone(struct zone *z, const struct config *cfg, struct xzone *xz)
{
	struct dump_zone *dz = NULL;
	struct diag d;
	struct xver nv;
	struct xver *last = xz->n ? &xz->v[xz->n - 1] : NULL;
	unsigned keep = cfg->xfr_history + 1;
	uint32_t serial;
	int rc;

	diag_init(&d);
	if ((rc = dump_zone_render(z, cfg, cfg->dump_limit, &d, &dz)) < 0) {
		log_warnx("xfr: zone %s cannot be rendered (%s); transfers "
		    "are refused", zone_name(z), rc == DX_ERANGE ?
		    "over dump-limit" : "see dnsxl dump");
		xz->ok = false;
		return rc == DX_ENOMEM ? rc : 0;
	}
	if (last && same_lines(last->dz, dz)) {
		zone_set_serial(z, last->serial);
		dump_zone_free(dz);
		xz->ok = true;
		return 0;
	}
	serial = policy_serial(cfg, dz->serial);
	if (last && !serial_gt(serial, last->serial))
		serial = last->serial + 1;
	zone_set_serial(z, serial);
	dz->serial = serial;
	memset(&nv, 0, sizeof(nv));
	nv.serial = serial;
	nv.dz = dz;
	if ((rc = xver_wire(&nv)) < 0) {
		xver_free(&nv);
		xz->ok = false;
		return rc == DX_ENOMEM ? rc : 0;
	}
	pthread_mutex_lock(&hist_mu);
	struct xver *vv = realloc(xz->v, (xz->n + 1) * sizeof(*vv));
	if (vv) {
		xz->v = vv;
		last = xz->n ? &xz->v[xz->n - 1] : NULL;
		if (last && (rc = xver_to_diff(last, &nv)) < 0) {
			/* the history is now unusable: start over */
			for (unsigned k = 0; k < xz->n; k++)
				xver_free(&xz->v[k]);
			xz->n = 0;
		}
		xz->v[xz->n++] = nv;
		while (xz->n > keep) {
			xver_free(&xz->v[0]);
			memmove(xz->v, xz->v + 1, --xz->n * sizeof(*xz->v));
		}
		xz->ok = true;
	}
	pthread_mutex_unlock(&hist_mu);
	if (!vv) {
		xver_free(&nv);
		return DX_ENOMEM;
	}
	log_info("xfr: zone %s serial %u, %zu records (%zu wildcards)",
	    zone_name(z), serial, dz->n + 1, dz->wildcards);
	return 0;
}

int
xfr_prepare(struct snapshot *s, const struct config *cfg)
{
	int rc = 0;

	if (!config_xfr_any(cfg))
		return 0;
	for (unsigned i = 0; i < snapshot_zone_count(s) && rc == 0; i++) {
		/* not yet published: still ours to change */
		struct zone *z = (struct zone *)(uintptr_t)snapshot_zone(s, i);
		pthread_mutex_lock(&hist_mu);
		struct xzone *xz = xzone_get(zone_name(z));
		pthread_mutex_unlock(&hist_mu);
		rc = xz ? prepare_zone(z, cfg, xz) : DX_ENOMEM;
	}
	return rc;
}

bool
xfr_serial(const char *zone, uint32_t *serial)
{
	bool ok = false;

	pthread_mutex_lock(&hist_mu);
	for (unsigned i = 0; i < nhist; i++)
		if (strcasecmp(hist[i].name, zone) == 0 && hist[i].ok &&
		    hist[i].n) {
			*serial = hist[i].v[hist[i].n - 1].serial;
			ok = true;
		}
	pthread_mutex_unlock(&hist_mu);
	return ok;
}

void
xfr_shutdown(void)
{
	notify_shutdown();
	pthread_mutex_lock(&hist_mu);
	for (unsigned i = 0; i < nhist; i++) {
		for (unsigned j = 0; j < hist[i].n; j++)
			xver_free(&hist[i].v[j]);
		free(hist[i].v);
		free(hist[i].name);
	}
	free(hist);
	hist = NULL;
	nhist = 0;
	pthread_mutex_unlock(&hist_mu);
}

/* --- replies ------------------------------------------------------------- */

struct out {
	const struct xreq *r;
	uint8_t buf[MSG_MAX];
	size_t pos;
	unsigned an;
	xfr_emit_fn emit;
	void *arg;
	int rc;
	ldns_rdf *mac;             /* MAC the next signature covers */
	unsigned nsigned;
};

/* Sign message o->buf (RFC 8945 5.3.1: the first reply covers the
 * request's MAC and every TSIG variable, the next ones the previous MAC
 * and the timers). Returns the wire to send (malloc'd) or NULL. */
static uint8_t *
out_sign(struct out *o, size_t *len)
{
	const struct cfg_tsig *k = o->r->key;
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	char kn[300], alg[300];
	ldns_status st;

	if (ldns_wire2pkt(&p, o->buf, o->pos) != LDNS_STATUS_OK)
		return NULL;
	xfr_dotted(k->name, kn, sizeof(kn));
	xfr_dotted(k->algorithm, alg, sizeof(alg));
	st = o->nsigned == 0 ?
	    ldns_pkt_tsig_sign(p, kn, k->secret, 300, alg, o->mac) :
	    ldns_pkt_tsig_sign_next(p, kn, k->secret, 300, alg, o->mac, 1);
	if (st == LDNS_STATUS_OK && ldns_pkt_tsig(p) &&
	    ldns_pkt2wire(&w, p, len) == LDNS_STATUS_OK) {
		ldns_rdf *m = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		if (o->nsigned)
			ldns_rdf_deep_free(o->mac);
		o->mac = m;
		o->nsigned++;
	} else {
		free(w);
		w = NULL;
	}
	ldns_pkt_free(p);
	return w;
}

static void
out_start(struct out *o, int rcode)
{
	const struct xreq *r = o->r;
	memcpy(o->buf, r->pkt, 2);                       /* ID */
	o->buf[2] = 0x84 | (r->pkt[2] & 0x01);          /* QR AA, keep RD */
	o->buf[3] = (uint8_t)rcode;
	o->buf[4] = 0;
	o->buf[5] = 1;
	memset(o->buf + 6, 0, 6);
	memcpy(o->buf + 12, r->pkt + 12, r->qend - 12);
	o->pos = r->qend;
	o->an = 0;
}

static void
out_flush(struct out *o)
{
	if (o->rc)
		return;
	o->buf[6] = (uint8_t)(o->an >> 8);
	o->buf[7] = (uint8_t)o->an;
	if (o->r->key) {
		size_t len = 0;
		uint8_t *w = out_sign(o, &len);
		if (!w || o->emit(w, len, o->arg) != 0)
			o->rc = DX_EIO;
		free(w);
	} else if (o->emit(o->buf, o->pos, o->arg) != 0) {
		o->rc = DX_EIO;
	}
	out_start(o, 0);
}

/* A reply to r, its first message started with rcode; NULL when out of
 * memory. */
static struct out *
out_new(const struct xreq *r, int rcode, xfr_emit_fn emit, void *arg)
{
	struct out *o = malloc(sizeof(*o));

	if (!o)
		return NULL;
	o->r = r;
	o->emit = emit;
	o->arg = arg;
	o->rc = 0;
	o->mac = r->mac;
	o->nsigned = 0;
	out_start(o, rcode);
	return o;
}

/* Free o and the last MAC it made (not the request's); returns o->rc. */
static int
out_free(struct out *o)
{
	int rc = o->rc;

	if (o->nsigned)
		ldns_rdf_deep_free(o->mac);
	free(o);
	return rc;
}

static void
out_rr(struct out *o, const uint8_t *w, size_t wl)
{
	if (o->pos + wl > MSG_MAX && o->an)
		out_flush(o);
	if (o->rc || o->pos + wl > MSG_MAX)
		return;
	memcpy(o->buf + o->pos, w, wl);
	o->pos += wl;
	o->an++;
}

/* The request's kind, for the log. */
static const char *
xfr_kind(const struct xreq *r)
{
	return r->qtype == LDNS_RR_TYPE_IXFR ? "IXFR" : "AXFR";
}

static int
reply_rcode(const struct xreq *r, int rcode, xfr_emit_fn emit, void *arg)
{
	struct out *o = out_new(r, rcode, emit, arg);

	if (!o)
		return DX_ENOMEM;
	out_flush(o);
	return out_free(o);
}

/* NOTAUTH with the request's TSIG error (RFC 8945 5.3.2). */
static int
reply_tsig_error(const struct xreq *r, xfr_emit_fn emit, void *arg)
{
	struct out *o = malloc(sizeof(*o));
	size_t n;
	int rc = 0;

	if (!o)
		return DX_ENOMEM;
	o->r = r;
	out_start(o, 9);
	n = xfr_tsig_error(&r->terr, o->buf, o->pos, sizeof(o->buf),
	    (uint64_t)time(NULL));
	if (emit(o->buf, n ? n : o->pos, arg) != 0)
		rc = DX_EIO;
	free(o);
	return rc;
}

/* The SOA of version v as wire. */
static int
soa_wire(const struct xver *v, uint8_t **w, uint16_t *wl)
{
	char line[1200];
	ldns_rdf *origin = ldns_dname_new_frm_str(v->dz->origin);
	int rc;

	if (!origin)
		return DX_ENOMEM;
	dump_zone_soa_line(v->dz, v->serial, line, sizeof(line));
	rc = line_wire(line, origin, w, wl);
	ldns_rdf_deep_free(origin);
	return rc;
}

/* IXFR from xz->v[from]: each kept difference in order. */
static int
out_diffs(struct out *o, const struct xzone *xz, unsigned from)
{
	for (unsigned k = from; k + 1 < xz->n && !o->rc; k++) {
		const struct xver *v = &xz->v[k];
		uint8_t *s1 = NULL, *s2 = NULL;
		uint16_t l1 = 0, l2 = 0;
		int rc;
		if ((rc = soa_wire(v, &s1, &l1)) < 0 ||
		    (rc = soa_wire(&xz->v[k + 1], &s2, &l2)) < 0) {
			free(s1);
			return rc;
		}
		out_rr(o, s1, l1);
		for (size_t i = 0; i < v->dz->n; i++)
			out_rr(o, v->wire[i], v->wlen[i]);
		out_rr(o, s2, l2);
		for (size_t i = 0; i < v->nadd; i++)
			out_rr(o, v->awire[i], v->awlen[i]);
		free(s1);
		free(s2);
	}
	return 0;
}

static int
transfer(const struct xreq *r, const struct xzone *xz, xfr_emit_fn emit,
    void *arg)
{
	const struct xver *cur = &xz->v[xz->n - 1], *old = NULL;
	unsigned from = 0;
	uint8_t *soa = NULL;
	uint16_t soal = 0;
	struct out *o;
	int rc;

	if ((rc = soa_wire(cur, &soa, &soal)) < 0)
		return rc;
	if ((o = out_new(r, 0, emit, arg)) == NULL) {
		free(soa);
		return DX_ENOMEM;
	}
	if (r->qtype == LDNS_RR_TYPE_IXFR && r->has_serial &&
	    !serial_gt(cur->serial, r->serial)) {
		out_rr(o, soa, soal);               /* up to date */
		goto done;
	}
	for (unsigned i = 0; r->qtype == LDNS_RR_TYPE_IXFR && r->has_serial &&
	    i + 1 < xz->n; i++)
		if (xz->v[i].serial == r->serial) {
			old = &xz->v[i];
			from = i;
		}
	if (old) {
		out_rr(o, soa, soal);
		rc = out_diffs(o, xz, from);
		out_rr(o, soa, soal);
		if (rc < 0 && o->rc == 0)
			o->rc = rc;
		log_info("xfr: IXFR %s %u -> %u (%u difference%s)", r->qname,
		    old->serial, cur->serial, xz->n - 1 - from,
		    xz->n - 1 - from == 1 ? "" : "s");
	} else {
		out_rr(o, soa, soal);
		for (size_t i = 0; i < cur->dz->n; i++)
			out_rr(o, cur->wire[i], cur->wlen[i]);
		out_rr(o, soa, soal);
		log_info("xfr: %s %s serial %u (full)", xfr_kind(r), r->qname,
		    cur->serial);
	}
done:
	if (o->an)
		out_flush(o);
	rc = out_free(o);
	free(soa);
	return rc;
}

static int xfr_serve_req(const struct config *cfg, struct xreq *rp,
    const struct sockaddr *peer, xfr_emit_fn emit, void *arg);

int
xfr_serve(const struct snapshot *s, const uint8_t *req, size_t len,
    const struct sockaddr *peer, xfr_emit_fn emit, void *arg)
{
	const struct config *cfg = s ? snapshot_config(s) : NULL;
	struct xreq r;
	int rc;

	if (xfr_parse_req(req, len, cfg, &r) < 0) {
		ldns_rdf_deep_free(r.mac);
		return DX_EINVAL;
	}
	rc = xfr_serve_req(cfg, &r, peer, emit, arg);
	ldns_rdf_deep_free(r.mac);
	return rc;
}

static int
xfr_serve_req(const struct config *cfg, struct xreq *rp,
    const struct sockaddr *peer, xfr_emit_fn emit, void *arg)
{
	struct xreq r = *rp;
	int rc;

	if (!cfg || r.qclass != LDNS_RR_CLASS_IN)
		return reply_rcode(&r, LDNS_RCODE_REFUSED, emit, arg);
	if (r.terr.error) {
		log_info("xfr: %s of %s: TSIG key \"%s\": %s", xfr_kind(&r),
		    r.qname, r.keyname,
		    r.terr.error == TSIG_BADKEY ? "BADKEY (unknown key or "
		    "algorithm)" : r.terr.error == TSIG_BADSIG ? "BADSIG" :
		    "BADTIME");
		return reply_tsig_error(&r, emit, arg);
	}
	if (r.tsig_bad)
		log_info("xfr: %s of %s: malformed TSIG", xfr_kind(&r),
		    r.qname);
	if (r.tsig_bad || !xfr_allowed(cfg, peer, &r)) {
		log_info("xfr: %s of %s refused (allow-transfer)",
		    xfr_kind(&r), r.qname);
		return reply_rcode(&r, LDNS_RCODE_REFUSED, emit, arg);
	}
	pthread_mutex_lock(&hist_mu);
	const struct xzone *xz = NULL;
	for (unsigned i = 0; i < nhist; i++)
		if (strcasecmp(hist[i].name, r.qname) == 0)
			xz = &hist[i];
	if (!xz || !xz->ok || !xz->n) {
		pthread_mutex_unlock(&hist_mu);
		/* not a zone of ours (NOTAUTH), or not renderable */
		return reply_rcode(&r, xz ? LDNS_RCODE_REFUSED :
		    LDNS_RCODE_NOTAUTH, emit, arg);
	}
	rc = transfer(&r, xz, emit, arg);
	pthread_mutex_unlock(&hist_mu);
	return rc;
}

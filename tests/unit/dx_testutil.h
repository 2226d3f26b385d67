/* dx_testutil.h -- helpers shared by the data/zone unit tests: temp files,
 * loading a dataset from text, building query names. Header-only. */
#ifndef DX_TESTUTIL_H
#define DX_TESTUTIL_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"

/* Diag sink that keeps every message, newline-separated. */
struct tu_capture {
	char all[8192];
	unsigned n;
};

static __attribute__((unused)) void
tu_sink(void *arg, int is_error, const char *msg)
{
	struct tu_capture *c = arg;
	size_t l = strlen(c->all);
	snprintf(c->all + l, sizeof(c->all) - l, "%s%s\n",
	    is_error ? "E:" : "W:", msg);
	c->n++;
}

static __attribute__((unused)) void
tu_diag(struct diag *d, struct tu_capture *c)
{
	diag_init(d);
	memset(c, 0, sizeof(*c));
	d->sink = tu_sink;
	d->sink_arg = c;
	d->max_report = 0;
}

/* Write content to a fresh temp file; returns its path (malloc'd). */
static __attribute__((unused)) char *
tu_write(const char *content)
{
	char *path = strdup("/tmp/dxtest-XXXXXX");
	int fd = mkstemp(path);
	size_t n = strlen(content);
	if (fd < 0 || write(fd, content, n) != (ssize_t)n)
		abort();
	close(fd);
	return path;
}

struct tu_ds {
	struct dataset *ds;
	char *path[4];
	unsigned n;
	struct diag d;
	struct tu_capture cap;
	int rc;
};

/* Load a dataset of type from up to 4 file contents (NULL-terminated). */
static __attribute__((unused)) struct tu_ds *
tu_load_opts(const char *type, const struct ds_loadopts *o,
    const struct dx_value *deflt, const char *c1, const char *c2)
{
	struct tu_ds *t = calloc(1, sizeof(*t));
	struct ds_labels lb = { .name = "test", .deflt = deflt };
	struct ds_loadopts def = { .ttl_default = 2100 };
	const char *contents[2] = { c1, c2 };
	unsigned i;
	for (i = 0; i < 2 && contents[i]; i++)
		t->path[t->n++] = tu_write(contents[i]);
	tu_diag(&t->d, &t->cap);
	if (dataset_new(ds_type_find(type), (const char *const *)t->path, t->n,
	    &lb, &t->ds) < 0)
		abort();
	t->rc = dataset_load(t->ds, o ? o : &def, &t->d);
	return t;
}

static __attribute__((unused)) struct tu_ds *
tu_load(const char *type, const char *content)
{
	return tu_load_opts(type, NULL, NULL, content, NULL);
}

static __attribute__((unused)) void
tu_free(struct tu_ds *t)
{
	unsigned i;
	dataset_free(t->ds);
	for (i = 0; i < t->n; i++) {
		unlink(t->path[i]);
		free(t->path[i]);
	}
	free(t);
}

/* A query name with its own label storage. */
struct tu_q {
	struct dx_qname q;
	char buf[512];
};

/* Build from relative text ("4.3.2.1", "" for the apex). */
static __attribute__((unused)) struct dx_qname *
tu_qname(struct tu_q *t, const char *name)
{
	const uint8_t *labels[DX_MAXLABELS];
	uint8_t lens[DX_MAXLABELS];
	unsigned n = 0;
	char *p;
	snprintf(t->buf, sizeof(t->buf), "%s", name);
	p = t->buf;
	while (*p) {
		char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		labels[n] = (const uint8_t *)p;
		lens[n++] = (uint8_t)l;
		if (!dot)
			break;
		*dot = '\0';
		p = dot + 1;
	}
	if (qname_parse(&t->q, n, labels, lens) < 0)
		abort();
	return &t->q;
}

/* Reverse name for an address: "1.2.3.4" -> "4.3.2.1", IPv6 -> nibbles. */
static __attribute__((unused)) struct dx_qname *
tu_qip(struct tu_q *t, const char *ip)
{
	char name[128];
	uint8_t a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		snprintf(name, sizeof(name), "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		char *p = name;
		int i;
		for (i = 15; i >= 0; i--)
			p += sprintf(p, "%x.%x%s", a[i] & 15, a[i] >> 4, i ? "." : "");
	} else
		abort();
	return tu_qname(t, name);
}

/* Query ds for ip; fills hits; returns number of hits or -1 if not found. */
static __attribute__((unused)) int
tu_query(const struct dataset *ds, const char *ip, struct dx_hits *h)
{
	struct tu_q t;
	h->n = 0;
	if (!dataset_query(ds, tu_qip(&t, ip), h))
		return -1;
	return (int)h->n;
}

/* "A:127.0.0.2 TXT:<expanded>" of hit i, for exact comparisons. */
static __attribute__((unused)) const char *
tu_hit(const struct dx_hits *h, unsigned i, const char *ip)
{
	static char out[600];
	char txt[300];
	struct tu_q t;
	struct in_addr a;
	int n;
	if (i >= h->n)
		return "(none)";
	a.s_addr = h->hit[i].val->a;
	n = dataset_txt_expand(&h->hit[i], tu_qip(&t, ip), txt, sizeof(txt));
	snprintf(out, sizeof(out), "%s%s%s", inet_ntoa(a), n >= 0 ? " " : "",
	    n >= 0 ? txt : "");
	return out;
}

/* Answer for ip as one string: "-" not listed; hits joined by " | ". */
static __attribute__((unused)) const char *
tu_ans(const struct dataset *ds, const char *ip)
{
	static char all[2048];
	struct dx_hits h;
	unsigned i;
	if (tu_query(ds, ip, &h) < 0)
		return "-";
	all[0] = '\0';
	for (i = 0; i < h.n; i++) {
		if (i)
			strcat(all, " | ");
		strncat(all, tu_hit(&h, i, ip), sizeof(all) - strlen(all) - 1);
	}
	return all;
}

#endif

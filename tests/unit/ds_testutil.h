/* ds_testutil.h -- helpers for the dataset type unit tests: write data files,
 * load them with captured file:line messages, build query names. */
#ifndef DS_TESTUTIL_H
#define DS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "diag.h"

struct tu_log {
	char text[8192];         /* messages, one per line */
	unsigned n;
};

static void
tu_sink(void *arg, int is_error, const char *msg)
{
	struct tu_log *l = arg;
	size_t used = strlen(l->text);
	(void)is_error;
	snprintf(l->text + used, sizeof(l->text) - used, "%s\n", msg);
	l->n++;
}

/* Write text to a fresh temporary file; path receives its name. */
static void
tu_write(char *path, size_t pathlen, const char *text)
{
	int fd;
	snprintf(path, pathlen, "/tmp/dnsxl-names-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("tu_write");
		exit(1);
	}
	close(fd);
}

/* Load a dataset of type over the given file texts (NULL-terminated
 * list); returns dataset_load()'s code, *out the dataset (NULL if the type
 * is unknown). paths receives the file names (up to 4). */
static int
tu_load(const char *type, const char *const *texts, struct tu_log *log,
    char paths[][64], struct dataset **out)
{
	const struct ds_type *t = ds_type_find(type);
	const char *files[4];
	struct ds_loadopts opts;
	struct diag d;
	unsigned n = 0;
	int rc;

	*out = NULL;
	if (!t)
		return -1;
	for (n = 0; texts[n] && n < 4; n++) {
		tu_write(paths[n], 64, texts[n]);
		files[n] = paths[n];
	}
	if (dataset_new(t, files, n, NULL, out) < 0)
		return -1;
	memset(&opts, 0, sizeof(opts));
	opts.ttl_default = 2100;
	diag_init(&d);
	d.max_report = 0;
	d.sink = tu_sink;
	d.sink_arg = log;
	rc = dataset_load(*out, &opts, &d);
	for (unsigned i = 0; i < n; i++)
		unlink(paths[i]);
	return rc;
}

/* "a.b.c" (relative to the zone; "" = apex) into q; storage in buf. */
static void
tu_qname(struct dx_qname *q, const char *name, uint8_t buf[256])
{
	const uint8_t *labels[DX_MAXLABELS];
	uint8_t lens[DX_MAXLABELS];
	unsigned n = 0;
	size_t i, start = 0, len = strlen(name);

	memcpy(buf, name, len + 1);
	for (i = 0; len && i <= len; i++) {
		if (i == len || buf[i] == '.') {
			labels[n] = buf + start;
			lens[n] = (uint8_t)(i - start);
			n++;
			start = i + 1;
		}
	}
	if (qname_parse(q, n, labels, lens) < 0) {
		fprintf(stderr, "qname_parse failed for %s\n", name);
		exit(1);
	}
}

/* Query name; returns found and fills hits. */
__attribute__((unused)) static bool
tu_query(const struct dataset *ds, const char *name, struct dx_hits *hits,
    struct dx_qname *q, uint8_t buf[256])
{
	tu_qname(q, name, buf);
	hits->n = 0;
	return dataset_query(ds, q, hits);
}

/* "A txt" of hit i, e.g. "127.0.0.3 wild wild.com" or "127.0.0.2 -". */
__attribute__((unused)) static const char *
tu_hit(const struct dx_hits *hits, unsigned i, const struct dx_qname *q)
{
	static char out[600];
	char txt[512];
	const uint8_t *a;
	if (i >= hits->n || !hits->hit[i].val)
		return "(none)";
	a = (const uint8_t *)&hits->hit[i].val->a;
	if (dataset_txt_expand(&hits->hit[i], q, txt, sizeof(txt)) < 0)
		snprintf(txt, sizeof(txt), "-");
	snprintf(out, sizeof(out), "%u.%u.%u.%u %s", a[0], a[1], a[2], a[3], txt);
	return out;
}

#endif

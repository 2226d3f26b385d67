/* feed_testutil.h -- helpers shared by the feed type unit tests (aws,
 * azure, m365): load one fixture with captured messages, ask a reverse
 * name, build an IPv6 reverse name. Header-only; include after cmocka.h. */
#ifndef FEED_TESTUTIL_H
#define FEED_TESTUTIL_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dataset.h"
#include "feed.h"
#include "ds_testutil.h"

#define FIX "tests/fixtures/feeds/"

static struct tu_log lg;         /* messages of the last ft_load */

/* Load file as a dataset of type with labels l (default TTL 2100);
 * returns dataset_load()'s code. */
static int
ft_load(const char *type, const struct ds_labels *l, const char *file,
    struct dataset **out)
{
	struct ds_loadopts opts = { .ttl_default = 2100 };
	const char *files[1] = { file };
	struct diag d;

	memset(&lg, 0, sizeof(lg));
	assert_int_equal(dataset_new(ds_type_find(type), files, 1, l, out), 0);
	diag_init(&d);
	d.sink = tu_sink;
	d.sink_arg = &lg;
	return dataset_load(*out, &opts, &d);
}

/* "A TXT" for a reverse name, or "(none)". */
static __attribute__((unused)) const char *
ask(const struct dataset *ds, const char *rname)
{
	static uint8_t buf[256];
	static struct dx_qname q;
	static struct dx_hits hits;

	if (!tu_query(ds, rname, &hits, &q, buf))
		return "(none)";
	assert_int_equal(hits.n, 1);
	return tu_hit(&hits, 0, &q);
}

/* The reverse name of IPv6 addr (32 nibbles). */
static __attribute__((unused)) const char *
rev6(const char *addr)
{
	static char out[80];
	uint8_t a[16];
	char *p = out;

	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	for (int i = 15; i >= 0; i--)
		p += sprintf(p, "%x.%x%s", a[i] & 15, a[i] >> 4, i ? "." : "");
	return out;
}

#endif

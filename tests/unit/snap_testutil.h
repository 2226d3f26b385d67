/* snap_testutil.h -- helpers shared by the snapshot unit tests
 * (test_snapshot.c, test_snapshot_guard.c): a fresh temporary directory
 * per test, a diag whose messages are kept as "E msg"/"W msg" lines, and
 * writing files into the directory. Header-only; include after cmocka.h. */
#ifndef SNAP_TESTUTIL_H
#define SNAP_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static char tmpdir[64];
static char msgs[8192];
static struct diag dg;

static void
sink(void *arg, int is_error, const char *msg)
{
	size_t l = strlen(msgs);
	(void)arg;
	snprintf(msgs + l, sizeof(msgs) - l, "%s%s\n", is_error ? "E " : "W ",
	    msg);
}

/* The common part of each test's setup: empty msgs, dg reset with sink,
 * tmpdir made from tmpl ("/tmp/NAME.XXXXXX"). */
static void
st_begin(const char *tmpl)
{
	msgs[0] = '\0';
	diag_init(&dg);
	dg.sink = sink;
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	assert_non_null(mkdtemp(tmpdir));
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

#endif

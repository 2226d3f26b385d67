/* config_testutil.h -- what the config unit tests (test_config.c: YAML,
 * test_config_args.c: the command line) share: a fresh temporary directory
 * and config path per test, every diag message kept as an "E msg"/"W msg"
 * line in cap, and config_from_args over a list. Header-only; include after
 * cmocka.h. */
#ifndef CONFIG_TESTUTIL_H
#define CONFIG_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

/* Every diag message, one per line. */
struct capture {
	char all[8192];
	unsigned n;
};

static struct capture cap;
static struct diag dg;
static char tmpdir[64];
static char cfgpath[128];

static void
sink(void *arg, int is_error, const char *msg)
{
	struct capture *c = arg;
	size_t l = strlen(c->all);
	snprintf(c->all + l, sizeof(c->all) - l, "%s%s\n",
	    is_error ? "E " : "W ", msg);
	c->n++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&cap, 0, sizeof(cap));
	diag_init(&dg);
	dg.max_report = 0;
	dg.sink = sink;
	dg.sink_arg = &cap;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(cfgpath, sizeof(cfgpath), "%s/dnsxld.conf", tmpdir);
	return 0;
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

/* config_from_args over a NULL-terminated list (argv[0] added). */
static int
args(struct config **c, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = (char *)"dnsxld";
	va_start(ap, c);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_from_args(argc, argv, &dg, c);
}

#endif

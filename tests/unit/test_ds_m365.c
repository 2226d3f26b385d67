/* test_ds_m365.c -- the m365-endpoints type on small fixtures
 * (tests/fixtures/feeds): serviceArea and id selection, sets without ips,
 * IPv4 and IPv6, the dataset value, refused files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "errcode.h"
#include "feed_testutil.h"

static int
load(const char *file, const struct ds_feed *feed,
    const struct dx_value *deflt, struct dataset **out)
{
	struct ds_labels l = { .name = "m365", .feed = feed, .deflt = deflt };

	return ft_load("m365-endpoints", &l, file, out);
}

static void
exchange_by_default(void **state)
{
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "m365_worldwide.json", NULL, NULL, &ds), 0);
	/* sets 2 and 10 (set 1 has no ips); not SharePoint, not Common */
	assert_int_equal(dataset_entries(ds), 5);
	assert_null(dataset_version(ds));
	assert_string_equal(ask(ds, "1.1.92.40"), "127.0.0.2 Exchange:10");
	assert_string_equal(ask(ds, "153.6.107.13"), "127.0.0.2 Exchange:2");
	assert_string_equal(ask(ds, rev6("2a01:111:f400::1")),
	    "127.0.0.2 Exchange:10");
	assert_string_equal(ask(ds, rev6("2603:1006:1::1")),
	    "127.0.0.2 Exchange:2");
	assert_string_equal(ask(ds, "1.136.107.13"), "(none)");   /* SharePoint */
	assert_string_equal(ask(ds, "1.32.20.20"), "(none)");     /* Common */
	assert_int_equal(lg.n, 0);
	dataset_free(ds);
}

static void
areas_ids_and_value(void **state)
{
	static const char *const areas[] = { "exchange", "Common" };
	static const unsigned ids[] = { 10, 56 };
	struct ds_feed f = { .areas = areas, .nareas = 2, .ids = ids,
	    .nids = 2, .rglobal = -1, .rfallback = -1 };
	struct dx_value v = { 0x2000007f, "EOP {\x02} change [\x03] $" };
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "m365_worldwide.json", &f, &v, &ds), 0);
	/* 10: 3 prefixes; 56: 20.20.32.0/19 (40.92.0.0/15 is 10's already) */
	assert_int_equal(dataset_entries(ds), 4);
	assert_string_equal(ask(ds, "1.1.92.40"),
	    "127.0.0.32 EOP {Exchange:10} change [] 40.92.1.1");
	assert_string_equal(ask(ds, "1.32.20.20"),
	    "127.0.0.32 EOP {Common:56} change [] 20.20.32.1");
	assert_string_equal(ask(ds, "153.6.107.13"), "(none)");   /* set 2 */
	dataset_free(ds);
}

static void
nothing_selected(void **state)
{
	static const char *const areas[] = { "Teams" };
	struct ds_feed f = { .areas = areas, .nareas = 1, .rglobal = -1,
	    .rfallback = -1 };
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "m365_worldwide.json", &f, NULL, &ds), 0);
	assert_int_equal(dataset_entries(ds), 0);
	assert_non_null(strstr(lg.text, "m365_worldwide.json: no selected "
	    "endpoint set in this file"));
	dataset_free(ds);
}

static void
refused(const char *file, const char *const *expect, int rc)
{
	struct dataset *ds;

	assert_int_equal(load(file, NULL, NULL, &ds), rc);
	for (; *expect; expect++)
		if (!strstr(lg.text, *expect))
			fail_msg("missing \"%s\" in:\n%s", *expect, lg.text);
	assert_int_equal(dataset_entries(ds), 0);
	dataset_free(ds);
}

static void
truncated(void **state)
{
	static const char *const e[] = { "m365_truncated.json:",
		": JSON: ", "file refused", NULL };
	(void)state;
	refused(FIX "m365_truncated.json", e, DX_EINVAL);
}

static void
wrong_types(void **state)
{
	static const char *const e[] = {
		"m365_wrongtypes.json: [1] id 2: ips: expected a list",
		"m365_wrongtypes.json: [5]: expected an object with a numeric "
		"id and a string serviceArea",
		"m365_wrongtypes.json: file refused", NULL };
	(void)state;
	refused(FIX "m365_wrongtypes.json", e, DX_EINVAL);
}

static void
not_an_array(void **state)
{
	static const char *const e[] = { "m365_notarray.json: top level: "
		"expected a list of endpoint sets", NULL };
	(void)state;
	refused(FIX "m365_notarray.json", e, DX_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exchange_by_default),
		cmocka_unit_test(areas_ids_and_value),
		cmocka_unit_test(nothing_selected),
		cmocka_unit_test(truncated),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(not_an_array),
	};
	(void)tu_load;          /* ds_testutil.h's file-text loader */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

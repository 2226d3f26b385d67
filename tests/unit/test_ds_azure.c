/* test_ds_azure.c -- the azure-servicetags type on small fixtures
 * (tests/fixtures/feeds): tag selection, regional before aggregate, Azure
 * region -> region value (config rows, built-in table, fallback), IPv4 and
 * IPv6, changeNumber in TXT and version, BOM + CRLF, refused files. */
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
load(const char *file, const struct ds_feed *feed, struct dataset **out)
{
	struct ds_labels l = { .name = "azure", .feed = feed };

	return ft_load("azure-servicetags", &l, file, out);
}

static void
defaults_without_config(void **state)
{
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "servicetags_cn101.json", NULL, &ds), 0);
	/* 7 regional prefixes, then 2 only in the aggregate; not AzureCloud,
	 * not Dynamics365ForMarketingEmailArchive */
	assert_int_equal(dataset_entries(ds), 9);
	assert_string_equal(dataset_version(ds), "101");
	assert_string_equal(ask(ds, "5.242.78.40"), "127.0.0.2 "
	    "Dynamics365ForMarketingEmail.WestUS2 (change 101)");
	assert_string_equal(ask(ds, "7.100.51.198"),
	    "127.0.0.2 Dynamics365ForMarketingEmail (change 101)");
	assert_string_equal(ask(ds, rev6("2603:1030:c06:1::25")), "127.0.0.2 "
	    "Dynamics365ForMarketingEmail.WestUS2 (change 101)");
	assert_string_equal(ask(ds, rev6("2603:1000:4:ff::1")),
	    "127.0.0.2 Dynamics365ForMarketingEmail (change 101)");
	assert_string_equal(ask(ds, "1.113.0.203"), "(none)");
	assert_string_equal(ask(ds, "1.1.1.20"), "(none)");
	assert_string_equal(ask(ds, rev6("2603:1030::1")), "(none)");
	assert_int_equal(lg.n, 0);   /* no config: no region table at all */
	dataset_free(ds);
}

static const char *const rnames[] = { "global", "NAM", "EUR", "FRA" };
static const struct dx_value rvalues[] = {
	{ 0x1000007f, "\x02 global/\x03 $$" }, /* 127.0.0.16 */
	{ 0x1100007f, "\x02 NAM/\x03" },
	{ 0x1900007f, "\x02 EUR/\x03" },
	{ 0x1a00007f, "\x02 FRA/\x03" },
};
static const char *const map_from[] = { "AtlantisNorth" };
static const char *const map_to[] = { "EUR" };

static void
regions_from_config(void **state)
{
	struct ds_feed f = {
		.rnames = rnames, .rvalues = rvalues, .nregions = 4,
		.rglobal = 0, .rfallback = 0,
		.map_from = map_from, .map_to = map_to, .nmap = 1,
	};
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "servicetags_cn101.json", &f, &ds), 0);
	assert_int_equal(dataset_entries(ds), 9);
	/* built-in table; FranceCentral's region is "centralfrance" */
	assert_string_equal(ask(ds, "5.242.78.40"),
	    "127.0.0.17 Dynamics365ForMarketingEmail.WestUS2 NAM/101");
	assert_string_equal(ask(ds, "200.138.79.40"),
	    "127.0.0.26 Dynamics365ForMarketingEmail.FranceCentral FRA/101");
	assert_string_equal(ask(ds, "129.226.69.13"),
	    "127.0.0.25 Dynamics365ForMarketingEmail.NorthEurope EUR/101");
	/* a config row for a region the built-in table does not know */
	assert_string_equal(ask(ds, "3.2.0.192"),
	    "127.0.0.25 Dynamics365ForMarketingEmail.Atlantis EUR/101");
	/* no row: the fallback, with a warning naming the tag */
	assert_string_equal(ask(ds, "100.251.133.102"), "127.0.0.16 "
	    "Dynamics365ForMarketingEmail.SouthAfricaNorth global/101 $");
	assert_non_null(strstr(lg.text, "servicetags_cn101.json: tag "
	    "Dynamics365ForMarketingEmail.SouthAfricaNorth: Azure region "
	    "\"southafricanorth\" has no row in the region table"));
	assert_int_equal(lg.n, 1);
	/* only in the aggregate: region 0 */
	assert_string_equal(ask(ds, "7.100.51.198"),
	    "127.0.0.16 Dynamics365ForMarketingEmail global/101 $");
	assert_string_equal(ask(ds, rev6("2603:1030:c06:1::25")),
	    "127.0.0.17 Dynamics365ForMarketingEmail.WestUS2 NAM/101");
	dataset_free(ds);
}

static void
region_code_missing_in_config(void **state)
{
	/* the built-in row says FRA, but this config has no FRA region */
	struct ds_feed f = {
		.rnames = rnames, .rvalues = rvalues, .nregions = 3,
		.rglobal = 0, .rfallback = 2,
	};
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "servicetags_cn101.json", &f, &ds), 0);
	assert_string_equal(ask(ds, "200.138.79.40"),
	    "127.0.0.25 Dynamics365ForMarketingEmail.FranceCentral EUR/101");
	assert_non_null(strstr(lg.text, "\"centralfrance\" has no region "
	    "code in this config"));
	dataset_free(ds);
}

static void
other_tags(void **state)
{
	static const char *const tags[] = { "AzureCloud" };
	struct ds_feed f = { .tags = tags, .ntags = 1, .rglobal = -1,
	    .rfallback = -1 };
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "servicetags_cn101.json", &f, &ds), 0);
	assert_int_equal(dataset_entries(ds), 2);
	assert_string_equal(ask(ds, "9.9.9.20"),
	    "127.0.0.2 AzureCloud.eastus (change 101)");
	assert_string_equal(ask(ds, "5.242.78.40"), "(none)");
	dataset_free(ds);
}

static void
no_tag_selected(void **state)
{
	static const char *const tags[] = { "NoSuchTag" };
	struct ds_feed f = { .tags = tags, .ntags = 1, .rglobal = -1,
	    .rfallback = -1 };
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "servicetags_cn101.json", &f, &ds), 0);
	assert_int_equal(dataset_entries(ds), 0);
	assert_non_null(strstr(lg.text, "no selected tag in this file"));
	dataset_free(ds);
}

static void
refused(const char *file, const char *const *expect, int rc)
{
	struct dataset *ds;

	assert_int_equal(load(file, NULL, &ds), rc);
	for (; *expect; expect++) {
		if (!strstr(lg.text, *expect))
			fail_msg("missing \"%s\" in:\n%s", *expect, lg.text);
	}
	assert_int_equal(dataset_entries(ds), 0);
	assert_null(dataset_version(ds));
	dataset_free(ds);
}

static void
malformed(void **state)
{
	static const char *const e[] = {
		"servicetags_malformed.json:4: JSON: '}' expected near "
		"'\"values\"' (column 10): file refused", NULL };
	(void)state;
	refused(FIX "servicetags_malformed.json", e, DX_EINVAL);
}

static void
truncated(void **state)
{
	static const char *const e[] = { "servicetags_truncated.json:",
		"JSON: ", "file refused", NULL };
	(void)state;
	refused(FIX "servicetags_truncated.json", e, DX_EINVAL);
}

static void
wrong_types(void **state)
{
	static const char *const e[] = {
		"servicetags_wrongtypes.json: values[2] Dynamics365ForMarketing"
		"Email.WestUS2: properties.addressPrefixes: expected a list",
		"values[3] Dynamics365ForMarketingEmail.FranceCentral: "
		"addressPrefixes[0]: expected a string",
		"values[3] Dynamics365ForMarketingEmail.FranceCentral: "
		"addressPrefixes[1]: \"not-a-prefix\" is not a prefix",
		"servicetags_wrongtypes.json: file refused", NULL };
	(void)state;
	refused(FIX "servicetags_wrongtypes.json", e, DX_EINVAL);
}

static void
not_an_object(void **state)
{
	static const char *const e[] = { "servicetags_notobject.json: top "
		"level: expected an object (Azure Service Tags)", NULL };
	(void)state;
	refused(FIX "servicetags_notobject.json", e, DX_EINVAL);
}

static void
missing_file(void **state)
{
	static const char *const e[] = { "nonexistent.json: unable to open "
		"file", NULL };
	(void)state;
	refused(FIX "nonexistent.json", e, DX_EIO);
}

static void
builtin_table(void **state)
{
	(void)state;
	assert_string_equal(feed_azure_region("centralfrance"), "FRA");
	assert_string_equal(feed_azure_region("switzerlandn"), "CHE");
	assert_string_equal(feed_azure_region("WestUS2"), "NAM");
	assert_string_equal(feed_azure_region("uksouth"), "GBR");
	assert_string_equal(feed_azure_region("usgovtexas"), "NAM");
	assert_null(feed_azure_region("southafricanorth"));
	assert_null(feed_azure_region(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_without_config),
		cmocka_unit_test(regions_from_config),
		cmocka_unit_test(region_code_missing_in_config),
		cmocka_unit_test(other_tags),
		cmocka_unit_test(no_tag_selected),
		cmocka_unit_test(malformed),
		cmocka_unit_test(truncated),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(not_an_object),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(builtin_table),
	};
	(void)tu_load;          /* ds_testutil.h's file-text loader */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

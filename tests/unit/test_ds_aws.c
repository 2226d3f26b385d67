/* test_ds_aws.c -- the aws-ip-ranges type on small fixtures
 * (tests/fixtures/feeds): service selection, AWS region -> region value
 * through the dataset's regions: map with the dataset default as fallback,
 * IPv4 and IPv6, syncToken as version and {change}, refused files. */
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
	struct ds_labels l = { .name = "aws", .feed = feed };

	return ft_load("aws-ip-ranges", &l, file, out);
}

static void
every_service_without_config(void **state)
{
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "aws_ip-ranges_small.json", NULL, &ds), 0);
	/* 192.0.2.0/24 twice (AMAZON, EC2): once, the first service kept */
	assert_int_equal(dataset_entries(ds), 7);
	assert_string_equal(dataset_version(ds), "1787356625");
	assert_string_equal(ask(ds, "1.2.0.192"),
	    "127.0.0.2 AMAZON (1787356625)");
	assert_string_equal(ask(ds, "1.113.0.203"),
	    "127.0.0.2 CLOUDFRONT (1787356625)");
	assert_string_equal(ask(ds, rev6("2001:db8:bb::1")),
	    "127.0.0.2 S3 (1787356625)");
	assert_string_equal(ask(ds, "1.100.51.198"),
	    "127.0.0.2 EC2 (1787356625)");
	assert_string_equal(ask(ds, "1.2.51.199"), "(none)");
	assert_int_equal(lg.n, 0);
	dataset_free(ds);
}

static const char *const rnames[] = { "global", "NAM", "EUR" };
static const struct dx_value rvalues[] = {
	{ 0x2000007f, "global \x02/\x03" },     /* 127.0.0.32 */
	{ 0x2100007f, "NAM \x02/\x03" },
	{ 0x2900007f, "EUR \x02/\x03" },
};
static const char *const from[] = { "us-east-1", "eu-west-1", "GLOBAL" };
static const char *const to[] = { "NAM", "EUR", "global" };
static const char *const ec2[] = { "ec2" };

static void
services_and_regions(void **state)
{
	struct ds_feed f = {
		.rnames = rnames, .rvalues = rvalues, .nregions = 3,
		.rglobal = 0, .rfallback = 0,
		.rmap_from = from, .rmap_to = to, .nrmap = 3,
		.services = ec2, .nservices = 1,
	};
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "aws_ip-ranges_small.json", &f, &ds), 0);
	assert_int_equal(dataset_entries(ds), 4);
	assert_string_equal(ask(ds, "1.2.0.192"),
	    "127.0.0.33 NAM EC2/1787356625");
	assert_string_equal(ask(ds, "1.100.51.198"),
	    "127.0.0.41 EUR EC2/1787356625");
	assert_string_equal(ask(ds, rev6("2001:db8:aa::25")),
	    "127.0.0.41 EUR EC2/1787356625");
	/* no row for ap-southeast-7: the dataset default (no config value
	 * here: the built-in one naming the service) */
	assert_string_equal(ask(ds, "200.100.51.198"),
	    "127.0.0.2 EC2 (1787356625)");
	/* other services left out */
	assert_string_equal(ask(ds, "1.113.0.203"), "(none)");
	assert_string_equal(ask(ds, "1.114.0.203"), "(none)");
	assert_string_equal(ask(ds, rev6("2001:db8:bb::1")), "(none)");
	dataset_free(ds);

	/* a service matching nothing: empty, with a warning */
	static const char *const none[] = { "AMAZON_SES" };
	f.services = none;
	assert_int_equal(load(FIX "aws_ip-ranges_small.json", &f, &ds), 0);
	assert_int_equal(dataset_entries(ds), 0);
	assert_non_null(strstr(lg.text, "aws_ip-ranges_small.json: no prefix "
	    "of the selected services in this file"));
	dataset_free(ds);
}

static void
refused_files(void **state)
{
	struct dataset *ds;
	(void)state;

	assert_int_equal(load(FIX "aws_wrongtypes.json", NULL, &ds), DX_EINVAL);
	assert_non_null(strstr(lg.text, "aws_wrongtypes.json: prefixes[1]: "
	    "expected an object with string ip_prefix, service and region"));
	assert_non_null(strstr(lg.text, "aws_wrongtypes.json: prefixes[2]: "
	    "\"not-a-prefix\" is not a prefix"));
	assert_non_null(strstr(lg.text, "file refused"));
	dataset_free(ds);
	assert_int_equal(load(FIX "aws_truncated.json", NULL, &ds), DX_EINVAL);
	assert_non_null(strstr(lg.text, "JSON:"));
	dataset_free(ds);
	assert_int_equal(load(FIX "servicetags_cn101.json", NULL, &ds),
	    DX_EINVAL);
	assert_non_null(strstr(lg.text, "top level: expected an object with "
	    "prefixes or ipv6_prefixes (AWS ip-ranges)"));
	dataset_free(ds);
}

int
main(void)
{
	(void)tu_load;          /* ds_testutil.h's file-text loader */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_service_without_config),
		cmocka_unit_test(services_and_regions),
		cmocka_unit_test(refused_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

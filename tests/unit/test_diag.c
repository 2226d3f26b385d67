/* test_diag.c -- load problems are counted and formatted as file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "diag.h"

struct capture {
	char last[1024];
	int last_is_error;
	unsigned calls;
};

static void
capture_sink(void *arg, int is_error, const char *msg)
{
	struct capture *c = arg;
	strncpy(c->last, msg, sizeof(c->last) - 1);
	c->last_is_error = is_error;
	c->calls++;
}

static void
test_file_line_format(void **state)
{
	struct diag d;
	struct capture c = {0};
	(void)state;
	diag_init(&d);
	d.sink = capture_sink;
	d.sink_arg = &c;
	diag_error(&d, "zones/x.ip4", 12, "bad address \"%s\"", "1.2.3.400");
	assert_string_equal(c.last, "zones/x.ip4:12: bad address \"1.2.3.400\"");
	assert_int_equal(c.last_is_error, 1);
	diag_warn(&d, "conf/dnsxld.conf", 0, "unused key");
	assert_string_equal(c.last, "conf/dnsxld.conf: unused key");
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
}

static void
test_report_cap_still_counts(void **state)
{
	struct diag d;
	struct capture c = {0};
	(void)state;
	diag_init(&d);
	d.max_report = 3;
	d.sink = capture_sink;
	d.sink_arg = &c;
	for (unsigned i = 1; i <= 10; i++)
		diag_error(&d, "f", i, "e%u", i);
	assert_int_equal(d.errors, 10);
	assert_int_equal(c.calls, 3);
	assert_string_equal(c.last, "f:3: e3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_line_format),
		cmocka_unit_test(test_report_cap_still_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

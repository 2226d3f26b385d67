/* test_ds_dnset.c -- dnset answers exactly as rbldnsd 1.0 did on the same
 * file (answers recorded from rbldnsd on loopback), plus bad lines as
 * file:line and exists_below for empty non-terminals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_testutil.h"

static const char dn_txt[] =
    ":127.0.0.2:Listed $ here\n"
    "example.com\n"
    "*.wild.com :3:wild $\n"
    ".both.org :4:both $\n"
    "a.b.deep.net\n"
    "!x.wild.com\n"
    "*.y.wild.com :5:ywild $\n"
    "Mixed.CASE.com\n"
    "dup.com :6:one\n"
    "dup.com :7:two\n"
    "!ex.both.org\n"
    "notxt.net :8:\n";

static struct dataset *
load_dn(struct tu_log *log)
{
	const char *texts[] = { dn_txt, NULL };
	char paths[4][64];
	struct dataset *ds;
	assert_int_equal(tu_load("dnset", texts, log, paths, &ds), 0);
	return ds;
}

/* One name: "" when not listed, else "A txt | A txt ...". */
static const char *
ask(const struct dataset *ds, const char *name)
{
	static char out[2048];
	struct dx_hits hits;
	struct dx_qname q;
	uint8_t buf[256];
	unsigned i;

	out[0] = '\0';
	if (!tu_query(ds, name, &hits, &q, buf)) {
		assert_int_equal(hits.n, 0);
		return out;
	}
	for (i = 0; i < hits.n; i++) {
		if (i)
			strcat(out, " | ");
		strcat(out, tu_hit(&hits, i, &q));
	}
	return out;
}

static void
test_match_rules(void **state)
{
	struct tu_log log = {0};
	struct dataset *ds = load_dn(&log);
	(void)state;

	assert_int_equal(log.n, 0);
	assert_string_equal(ask(ds, ""), "");
	assert_string_equal(ask(ds, "example.com"),
	    "127.0.0.2 Listed example.com here");
	assert_string_equal(ask(ds, "www.example.com"), "");
	assert_string_equal(ask(ds, "com"), "");
	/* *.x: below only, "$" is the wildcard's base, not the query */
	assert_string_equal(ask(ds, "wild.com"), "");
	assert_string_equal(ask(ds, "a.wild.com"), "127.0.0.3 wild wild.com");
	assert_string_equal(ask(ds, "q.a.wild.com"), "127.0.0.3 wild wild.com");
	/* exact exclusion; its children still match the wildcard */
	assert_string_equal(ask(ds, "x.wild.com"), "");
	assert_string_equal(ask(ds, "z.x.wild.com"), "127.0.0.3 wild wild.com");
	/* the longest wildcard base wins */
	assert_string_equal(ask(ds, "y.wild.com"), "127.0.0.3 wild wild.com");
	assert_string_equal(ask(ds, "a.y.wild.com"),
	    "127.0.0.5 ywild y.wild.com");
	/* .x: the name and below */
	assert_string_equal(ask(ds, "both.org"), "127.0.0.4 both both.org");
	assert_string_equal(ask(ds, "s.both.org"), "127.0.0.4 both both.org");
	assert_string_equal(ask(ds, "ex.both.org"), "");
	assert_string_equal(ask(ds, "q.ex.both.org"), "127.0.0.4 both both.org");
	assert_string_equal(ask(ds, "b.deep.net"), "");
	assert_string_equal(ask(ds, "a.b.deep.net"),
	    "127.0.0.2 Listed a.b.deep.net here");
	/* keys are lowercased at load; queries arrive lowercased */
	assert_string_equal(ask(ds, "mixed.case.com"),
	    "127.0.0.2 Listed mixed.case.com here");
	/* one name, two values: both answer, in file order */
	assert_string_equal(ask(ds, "dup.com"), "127.0.0.6 one | 127.0.0.7 two");
	assert_string_equal(ask(ds, "notxt.net"), "127.0.0.8 -");
	dataset_free(ds);
}

static bool
below(const struct dataset *ds, const char *name)
{
	struct dx_qname q;
	uint8_t buf[256];
	tu_qname(&q, name, buf);
	return dataset_exists_below(ds, &q);
}

static void
test_exists_below(void **state)
{
	struct tu_log log = {0};
	struct dataset *ds = load_dn(&log);
	(void)state;

	assert_true(below(ds, ""));
	assert_true(below(ds, "b.deep.net"));
	assert_true(below(ds, "deep.net"));
	assert_true(below(ds, "net"));
	assert_true(below(ds, "com"));
	assert_true(below(ds, "wild.com"));      /* *.wild.com lists below */
	assert_true(below(ds, "x.wild.com"));    /* excluded, children listed */
	assert_true(below(ds, "ex.both.org"));
	assert_true(below(ds, "y.wild.com"));
	assert_false(below(ds, "www.example.com"));
	assert_false(below(ds, "a.b.deep.net"));
	assert_false(below(ds, "other.org"));
	assert_false(below(ds, "org.x"));
	dataset_free(ds);
}

static void
test_bad_lines(void **state)
{
	const char *texts[] = {
		"good.com\n"
		"*.\n"
		"!\n"
		".\n"
		"x.com :5 junk\n"
		"ok.org :9:fine\n",
		NULL };
	char paths[4][64], want[1024];
	struct tu_log log = {0};
	struct dataset *ds;
	(void)state;

	assert_int_equal(tu_load("dnset", texts, &log, paths, &ds), 0);
	snprintf(want, sizeof(want),
	    "%s:2: invalid domain name\n"
	    "%s:3: invalid domain name\n"
	    "%s:4: invalid domain name\n"
	    "%s:5: invalid value\n",
	    paths[0], paths[0], paths[0], paths[0]);
	assert_string_equal(log.text, want);
	assert_string_equal(ask(ds, "good.com"), "127.0.0.2 -");
	assert_string_equal(ask(ds, "ok.org"), "127.0.0.9 fine");
	assert_string_equal(ask(ds, "x.com"), "");
	assert_int_equal(dataset_entries(ds), 2);
	dataset_free(ds);
}

/* A ":A:TXT" default lasts to the end of its file (rbldnsd resets it per
 * file); an exclusion in one file hides the name of another file. */
static void
test_default_per_file(void **state)
{
	const char *texts[] = {
		":3:first $\n"
		"one.com\n"
		"!gone.com\n",
		"two.com\n"
		"gone.com :4:back\n"
		":5:second\n"
		"three.com\n",
		NULL };
	char paths[4][64];
	struct tu_log log = {0};
	struct dataset *ds;
	(void)state;

	assert_int_equal(tu_load("dnset", texts, &log, paths, &ds), 0);
	assert_int_equal(log.n, 0);
	assert_string_equal(ask(ds, "one.com"), "127.0.0.3 first one.com");
	assert_string_equal(ask(ds, "two.com"), "127.0.0.2 -");
	assert_string_equal(ask(ds, "three.com"), "127.0.0.5 second");
	assert_string_equal(ask(ds, "gone.com"), "");
	dataset_free(ds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_rules),
		cmocka_unit_test(test_exists_below),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_default_per_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

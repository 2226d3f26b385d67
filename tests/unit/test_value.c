/* test_value.c -- ":A:TXT" values in every form and TXT template expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "errcode.h"
#include "value.h"

static const char *
show(const struct dx_value *v)
{
	static char buf[400];
	struct in_addr a;
	a.s_addr = v->a;
	snprintf(buf, sizeof(buf), "%s|%s", inet_ntoa(a), v->txt ? v->txt : "(null)");
	return buf;
}

static const char *
parse(const char *in)
{
	static char line[600];
	struct dx_value d = { 0, "deftxt" }, v;
	d.a = htonl(0x7f00000a);
	snprintf(line, sizeof(line), "%s", in);
	if (value_parse(line, &d, &v, NULL) < 0)
		return "EINVAL";
	return show(&v);
}

static void
test_forms(void **state)
{
	(void)state;
	assert_string_equal(parse(""), "127.0.0.10|deftxt");
	assert_string_equal(parse("# comment"), "127.0.0.10|deftxt");
	assert_string_equal(parse("; comment"), "127.0.0.10|deftxt");
	assert_string_equal(parse(":2"), "127.0.0.2|deftxt");
	assert_string_equal(parse(":2:"), "127.0.0.2|");
	assert_string_equal(parse(":2:text here"), "127.0.0.2|text here");
	assert_string_equal(parse(":127.0.0.3:  spaced"), "127.0.0.3|spaced");
	assert_string_equal(parse(":127.0.0.3 : x"), "127.0.0.3|x");
	assert_string_equal(parse("  :4"), "127.0.0.4|deftxt");
	assert_string_equal(parse("bare TXT $ here"), "127.0.0.10|bare TXT $ here");
	assert_string_equal(parse("=opt out"), "127.0.0.10|=opt out");
	assert_string_equal(parse(":1.2:x"), "1.0.0.2|x");
	assert_string_equal(parse(":1.2.3:x"), "1.2.0.3|x");
	assert_string_equal(parse(":10.20.30.40:x"), "10.20.30.40|x");
	assert_string_equal(parse("::text"), "EINVAL");
	assert_string_equal(parse(":0:x"), "EINVAL");
	assert_string_equal(parse(":0.0.0.0:x"), "EINVAL");
	assert_string_equal(parse(":256:x"), "EINVAL");
	assert_string_equal(parse(":5 junk"), "EINVAL");
	assert_string_equal(parse(":5 # comment"), "EINVAL");
	assert_string_equal(parse(":x"), "EINVAL");
}

static void
test_default_line(void **state)
{
	char l1[] = ":2", l2[] = ":3:", l3[] = ":4:Listed $", l4[] = "no colon";
	struct dx_value v;
	(void)state;
	assert_int_equal(value_parse_default(l1, &v, NULL), 0);
	assert_string_equal(show(&v), "127.0.0.2|(null)");
	assert_int_equal(value_parse_default(l2, &v, NULL), 0);
	assert_string_equal(show(&v), "127.0.0.3|");
	assert_int_equal(value_parse_default(l3, &v, NULL), 0);
	assert_string_equal(show(&v), "127.0.0.4|Listed $");
	assert_int_equal(value_parse_default(l4, &v, NULL), DX_EINVAL);
}

static void
test_truncation(void **state)
{
	char line[400];
	struct dx_value d = { 0, NULL }, v;
	bool trunc = false;
	(void)state;
	memset(line, 'x', 300);
	line[300] = '\0';
	assert_int_equal(value_parse(line, &d, &v, &trunc), 0);
	assert_true(trunc);
	assert_int_equal(strlen(v.txt), 255);
}

static const char *
expand(const char *tpl, const char *base)
{
	static char out[300];
	struct value_subst s;
	memset(&s, 0, sizeof(s));
	s.entry = "1.2.3.4";
	s.prefix = "1.2.3.0/24";
	s.var[1] = "ONE";
	s.var[0] = "ZERO";
	s.base = base;
	value_expand(tpl, &s, out, sizeof(out));
	return out;
}

static void
test_expand(void **state)
{
	char big[400], out[300];
	(void)state;
	assert_string_equal(expand("plain", NULL), "plain");
	assert_string_equal(expand("ip $ end", NULL), "ip 1.2.3.4 end");
	assert_string_equal(expand("$", NULL), "1.2.3.4");
	assert_string_equal(expand("$$ and $$$$", NULL), "$ and $$");
	assert_string_equal(expand("$1 $0 $2.", NULL), "ONE ZERO $2.");
	assert_string_equal(expand("m \x01 by $", NULL), "m 1.2.3.0/24 by 1.2.3.4");
	assert_string_equal(expand("$=", NULL), "$=");
	assert_string_equal(expand("x$=", NULL), "x" "x$=");
	assert_string_equal(expand("r1", "see $= ($)"), "see r1 (1.2.3.4)");
	assert_string_equal(expand("", "see $= ($)"), "see 1.2.3.4 (1.2.3.4)");
	assert_string_equal(expand(NULL, "see $="), "see 1.2.3.4");
	assert_string_equal(expand("=own $", "see $="), "own 1.2.3.4");
	/* $= inserts the entry's template unexpanded */
	assert_string_equal(expand("a$1", "[$=]"), "[a$1]");
	assert_string_equal(expand("", ""), "");
	memset(big, 'y', 399);
	big[399] = '\0';
	assert_int_equal(value_expand(big, NULL, out, sizeof(out)), 254);
	assert_int_equal(value_expand("abcdef", NULL, out, 4), 3);
	assert_string_equal(out, "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_default_line),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

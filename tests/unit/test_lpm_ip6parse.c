/* test_lpm_ip6parse.c -- the table-driven IPv6 parser (ip6_prefix, ip6_cidr) against the previous one and inet_pton. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"

/* The parser as it was before the table (commit 8dee19a): the reference
 * for every input, valid or not (return value, end, address bytes). */
static int
ref_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
ref_prefix(const char *s, uint8_t addr[16], const char **end)
{
	unsigned bytes = 0;
	int zstart = -1, ret = -1;

	memset(addr, 0, 16);
	if (s[0] == ':' && s[1] == ':') {
		zstart = 0;
		s += 2;
	}
	for (;;) {
		unsigned v = 0;
		const char *start = s;
		int h;
		while ((h = ref_hexval(*s)) >= 0) {
			v = (v << 4) | (unsigned)h;
			if (v > 0xffff)
				break;
			s++;
		}
		if (s == start || v > 0xffff)
			break;
		addr[bytes++] = (uint8_t)(v >> 8);
		addr[bytes++] = (uint8_t)v;
		if (*s != ':' || bytes + 2 > 16) {
			ret = (int)bytes * 8;
			break;
		}
		s++;
		if (zstart < 0 && *s == ':') {
			zstart = (int)bytes;
			s++;
		}
	}
	if (zstart >= 0) {
		unsigned nz = 16 - bytes;
		if (nz == 0)
			ret = -1;
		else {
			memmove(addr + zstart + nz, addr + zstart,
			    bytes - (unsigned)zstart);
			memset(addr + zstart, 0, nz);
			ret = 128;
		}
	}
	if (end)
		*end = s;
	return ret;
}

static uint64_t rs = UINT64_C(0x1b6e5eed);

static uint32_t
rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (uint32_t)((rs * UINT64_C(2685821657736338717)) >> 32);
}

static unsigned ok_count, bad_count;

static void
same_as_ref(const char *s)
{
	uint8_t a[16], b[16];
	const char *ea = NULL, *eb = NULL;
	int ra = ip6_prefix(s, a, &ea), rb = ref_prefix(s, b, &eb);
	if (ra != rb || ea != eb || memcmp(a, b, 16) != 0)
		fail_msg("\"%s\": got %d end +%td, want %d end +%td", s, ra,
		    ea - s, rb, eb - s);
	if (ra >= 0)
		ok_count++;
	else
		bad_count++;
}

/* Hand-picked: valid forms, and the malformed ones a data file may hold. */
static void
test_cases(void **state)
{
	static const char *const cases[] = {
		"::", "::1", "1::", "2001:db8::", "2001:db8::1", "2001:21ab:c000",
		"2605:6001:42::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2:3:4:5:6:7:8",
		"1:2:3:4::5:6:7:8", "1::2::3", ":::", ":1", "1:", "1::2:",
		"12345::", "00001::1", "0000000000000000001::", "fffff::",
		"FFFF:abcd::", "g::", "2001:db8:", "2001", "", " ::1",
		"2001:db8::/32", "2001:db8::1 :127.0.0.2:", "2001:db8::1#c",
		"::ffff:1.2.3.4", "1.2.3.4", "2001:db8::1\t", "2001:DB8::",
		"::0:0:0:0:0:0:0", "::0:0:0:0:0:0:0:0", "0:0:0:0:0:0:0::",
		"2001:db8::1:", "a:b:c:d:e:f:a:b:",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_as_ref(cases[i]);
}

/* Random strings over the characters that matter, then random valid
 * addresses from inet_ntop with random damage. */
static void
test_corpus(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEFxg::::://. \t#";
	char s[64];
	(void)state;
	ok_count = bad_count = 0;
	for (unsigned n = 0; n < 200000; n++) {
		unsigned len = rnd() % 44;
		for (unsigned i = 0; i < len; i++)
			s[i] = alpha[rnd() % (sizeof(alpha) - 1)];
		s[len] = '\0';
		same_as_ref(s);
	}
	for (unsigned n = 0; n < 200000; n++) {
		uint8_t a[16], b[16];
		for (unsigned i = 0; i < 16; i++)
			a[i] = rnd() % 3 ? 0 : (uint8_t)rnd();
		inet_ntop(AF_INET6, a, s, sizeof(s));
		if (strchr(s, '.') == NULL) {
			/* inet_pton's valid forms parse to the same bytes */
			const char *e;
			assert_int_equal(ip6_prefix(s, b, &e), 128);
			assert_int_equal(*e, '\0');
			assert_memory_equal(a, b, 16);
		}
		size_t len = strlen(s);
		switch (rnd() % 5) {
		case 0: s[rnd() % (len + 1)] = "0:fG/ "[rnd() % 6]; break;
		case 1: s[rnd() % (len + 1)] = '\0'; break;
		case 2: if (len < 60) { s[len] = ':'; s[len + 1] = '\0'; } break;
		case 3: if (len) s[0] = ':'; break;
		default: break;
		}
		same_as_ref(s);
		assert_int_equal(ip6_prefix(s, b, NULL) >= 0,
		    ref_prefix(s, a, NULL) >= 0);
	}
	/* both kinds must have been tried */
	assert_true(ok_count > 100000 && bad_count > 100000);
}

/* inet_pton accepts only some of what a data file may say (it has no
 * "2001:db8" prefixes); where it does, the bytes agree. */
static void
test_cidr(void **state)
{
	uint8_t a[16], b[16];
	const char *e;
	(void)state;
	assert_int_equal(ip6_cidr("2001:db8::/32", a, &e), 32);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::", b), 1);
	assert_memory_equal(a, b, 16);
	assert_int_equal(ip6_cidr("2001:db8/32", a, &e), 32);
	assert_memory_equal(a, b, 16);
	assert_int_equal(ip6_cidr("2001:db8:4", a, &e), 48);
	assert_int_equal(ip6_cidr("2001", a, &e), -1);     /* one group, no / */
	assert_int_equal(ip6_cidr("2001/16", a, &e), 16);
	assert_int_equal(ip6_cidr("::/0", a, &e), 0);
	assert_int_equal(ip6_cidr("::1/129", a, &e), -1);
	assert_int_equal(ip6_cidr("::1/", a, &e), -1);
	assert_int_equal(ip6_cidr("::1/128 x", a, &e), 128);
	assert_string_equal(e, " x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_cidr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ipaddr.c -- every rbldnsd address and range form, and the printers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ipaddr.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void
test_ip4_prefix(void **state)
{
	uint32_t a;
	const char *e;
	(void)state;
	assert_int_equal(ip4_prefix("127", &a, &e), 8);
	assert_int_equal(a, IP(127, 0, 0, 0));
	assert_int_equal(ip4_prefix("127.0.0", &a, &e), 24);
	assert_int_equal(ip4_prefix("1.2.3.4 rest", &a, &e), 32);
	assert_int_equal(a, IP(1, 2, 3, 4));
	assert_string_equal(e, " rest");
	assert_int_equal(ip4_prefix("1.2.3.256", &a, &e), -1);
	assert_int_equal(ip4_prefix("x", &a, &e), -1);
	assert_int_equal(ip4_prefix("1.2.3.4.5", &a, &e), 32);
	assert_string_equal(e, ".5");
	assert_int_equal(ip4_prefix("001.002.003.004", &a, &e), 32);
	assert_int_equal(a, IP(1, 2, 3, 4));
}

static void
test_ip4_cidr(void **state)
{
	uint32_t a;
	const char *e;
	(void)state;
	assert_int_equal(ip4_cidr("127/8", &a, &e), 8);
	assert_int_equal(ip4_cidr("127", &a, &e), -1);
	assert_int_equal(ip4_cidr("127.0.0", &a, &e), 24);
	assert_int_equal(ip4_cidr("10.0.0.0/0", &a, &e), 0);
	assert_int_equal(ip4_cidr("10.0.0.0/33", &a, &e), -1);
	assert_int_equal(ip4_cidr("10.0.0.0/", &a, &e), -1);
	assert_int_equal(ip4_cidr("127.2.3.4/24", &a, &e), 24);
	assert_int_equal(a & ~ip4_mask(24), 4);
	assert_int_equal(ip4_cidr("1.2.3-1.2.4", &a, &e), 24);
	assert_string_equal(e, "-1.2.4");
}

static void
range(const char *s, int bits, uint32_t lo, uint32_t hi)
{
	uint32_t a = 0, b = 0;
	const char *e;
	int r = ip4_range(s, &a, &b, &e);
	if (r != bits)
		fail_msg("%s: bits %d, want %d", s, r, bits);
	if (bits < 0)
		return;
	assert_int_equal(a & ip4_mask((unsigned)bits), lo);
	assert_int_equal(b, hi);
	assert_string_equal(e, "");
}

static void
test_ip4_range(void **state)
{
	(void)state;
	range("127.0.0.0/24", 24, IP(127, 0, 0, 0), IP(127, 0, 0, 255));
	range("127.0.0", 24, IP(127, 0, 0, 0), IP(127, 0, 0, 255));
	range("127/24", 24, IP(127, 0, 0, 0), IP(127, 0, 0, 255));
	range("127.0.0.0-127.0.0.255", 32, IP(127, 0, 0, 0), IP(127, 0, 0, 255));
	range("127.0.0.1-255", 32, IP(127, 0, 0, 1), IP(127, 0, 0, 255));
	range("127.16.0.0-127.31.255.255", 32, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16.0-127.31.255", 32, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16-127.31", 32, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16-31", 32, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16.0-31", 32, IP(127, 16, 0, 0), IP(127, 16, 31, 255));
	range("127.16.0.0/12", 12, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16.0/12", 12, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("127.16/12", 12, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	range("0.0.0.0/0", 0, 0, 0xffffffffu);
	range("127-127.0.0", -1, 0, 0);
	range("1.2-1.2.3.4", -1, 0, 0);
	range("1.2.3.9-1.2.3.1", -1, 0, 0);
	range("127", -1, 0, 0);
	range("1.2.3.4-", -1, 0, 0);
}

static void
test_ip6(void **state)
{
	uint8_t a[16];
	char buf[64];
	const char *e;
	(void)state;
	assert_int_equal(ip6_prefix("2001:21ab:c000", a, &e), 48);
	assert_int_equal(a[4], 0xc0);
	assert_int_equal(a[6], 0);
	assert_int_equal(ip6_cidr("2001:21ab:c000/36", a, &e), 36);
	assert_int_equal(ip6_clear_host(a, 36), 0);
	assert_int_equal(ip6_cidr("2001:21ab:def7:4242", a, &e), 64);
	assert_int_equal(ip6_cidr("2605:6001:42::/52", a, &e), 52);
	assert_int_equal(ip6_cidr("::1", a, &e), 128);
	assert_int_equal(a[15], 1);
	assert_int_equal(ip6_cidr("::", a, &e), 128);
	assert_int_equal(ip6_cidr("2001", a, &e), -1);
	assert_int_equal(ip6_cidr("2001/16", a, &e), 16);
	assert_int_equal(ip6_cidr("1:2:3:4:5:6:7:8", a, &e), 128);
	/* "::" must stand for at least one group (rbldnsd) */
	assert_int_equal(ip6_cidr("1:2:3:4:5:6:7::8", a, &e), -1);
	assert_int_equal(ip6_cidr("1:2:3:4::5:6:7:8", a, &e), -1);
	assert_int_equal(ip6_cidr("12345::", a, &e), -1);
	assert_int_equal(ip6_cidr("::1/129", a, &e), -1);
	assert_int_equal(ip6_cidr("2001:db8::1/64", a, &e), 64);
	assert_int_equal(ip6_clear_host(a, 64), 1);
	assert_int_equal(a[15], 0);
	assert_int_equal(ip6_cidr("ABAC:adab::", a, &e), 128);
	assert_int_equal(a[0], 0xab);

	ip6_prefix("::1", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "::1");
	ip6_prefix("1::", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "1::");
	ip6_prefix("1::4:0:0:0:8", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "1:0:0:4::8");
	ip6_prefix("::", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "::");
	ip6_prefix("1:0:2:0:3:0:4:0", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "1:0:2:0:3:0:4:0");
	ip6_prefix("2001:DB8:0:0:1::1", a, NULL);
	ip6_format(a, buf);
	assert_string_equal(buf, "2001:db8::1:0:0:1");
	ip4_format(IP(10, 1, 255, 0), buf);
	assert_string_equal(buf, "10.1.255.0");
}

/* The byte-by-byte ip6_clear_host this file used to have: the word
 * version must agree with it on every length (and past 128). */
static int
clear_host_bytes(uint8_t addr[16], unsigned bits)
{
	unsigned i = bits / 8;
	int r = 0;
	if (i < 16 && bits % 8) {
		uint8_t keep = (uint8_t)(0xff << (8 - bits % 8));
		if (addr[i] & ~keep)
			r = 1;
		addr[i] &= keep;
		i++;
	}
	for (; i < 16; i++) {
		if (addr[i])
			r = 1;
		addr[i] = 0;
	}
	return r;
}

static void
test_ip6_clear_host_random(void **state)
{
	uint32_t x = 2463534242u;
	(void)state;
	for (unsigned round = 0; round < 3000; round++) {
		uint8_t a[16], b[16], c[16];
		for (unsigned i = 0; i < 16; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* sparse bytes: host parts that are often all zero */
			a[i] = round % 3 == 0 ? (uint8_t)x : x % 5 == 0 ? (uint8_t)(x >> 8) : 0;
		}
		for (unsigned bits = 0; bits <= 130; bits++) {
			memcpy(b, a, 16);
			memcpy(c, a, 16);
			assert_int_equal(ip6_clear_host(b, bits),
			    clear_host_bytes(c, bits));
			assert_memory_equal(b, c, 16);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_prefix),
		cmocka_unit_test(test_ip4_cidr),
		cmocka_unit_test(test_ip4_range),
		cmocka_unit_test(test_ip6),
		cmocka_unit_test(test_ip6_clear_host_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

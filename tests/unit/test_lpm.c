/* test_lpm.c -- the LPM maps: hand-picked edge cases (the seeded comparison
 * with a linear scan is in test_lpm_random.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "lpm.h"
#include "lpm_testutil.h"

/* --- helpers -------------------------------------------------------------- */

static void
pton(const char *s, uint8_t *out, int *family)
{
	if (inet_pton(AF_INET, s, out) == 1)
		*family = 4;
	else {
		assert_int_equal(inet_pton(AF_INET6, s, out), 1);
		*family = 6;
	}
}

static int
add(struct lpm_builder *b, const char *a, unsigned plen, uint32_t v)
{
	uint8_t buf[16];
	int fam;
	pton(a, buf, &fam);
	return lpm_builder_add(b, buf, plen, v);
}

static uint32_t
look(const struct lpm *m, const char *a, unsigned *plen)
{
	uint8_t buf[16];
	int fam;
	pton(a, buf, &fam);
	return lpm_lookup(m, buf, plen);
}

static bool
within(const struct lpm *m, const char *a, unsigned plen)
{
	uint8_t buf[16];
	int fam;
	pton(a, buf, &fam);
	return lpm_any_within(m, buf, plen);
}

/* --- hand-picked cases ---------------------------------------------------- */

static void
test_empty(void **state)
{
	struct lpm_builder *b;
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	struct lpm *m = build(b);
	assert_int_equal(lpm_prefix_count(m), 0);
	assert_int_equal(lpm_family(m), 4);
	assert_int_equal(look(m, "1.2.3.4", NULL), LPM_NONE);
	assert_int_equal(lpm_lookup4(m, 0, NULL), LPM_NONE);
	assert_false(within(m, "0.0.0.0", 0));
	assert_false(within(m, "10.0.0.0", 8));
	assert_false(within(m, "10.1.2.0", 24));
	assert_true(lpm_memory(m) > 0);
	assert_true(lpm_memory(m) < 16384);     /* no 1 MB bucket table */
	assert_int_equal(lpm_walk(m, NULL, NULL), 0);
	lpm_free(m);
	assert_int_equal(lpm_builder_new(6, &b), 0);
	m = build(b);
	assert_int_equal(look(m, "::1", NULL), LPM_NONE);
	assert_false(within(m, "::", 0));
	assert_false(within(m, "2001:db8::", 32));
	assert_int_equal(lpm_family(m), 6);
	lpm_free(m);
	assert_int_equal(lpm_builder_new(5, &b), DX_EINVAL);
}

static void
test_ip4_lengths(void **state)
{
	struct lpm_builder *b;
	unsigned pl = 99;
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	assert_int_equal(add(b, "0.0.0.0", 0, 100), 0);
	assert_int_equal(add(b, "128.0.0.0", 1, 101), 0);
	assert_int_equal(add(b, "10.0.0.2", 31, 131), 0);
	assert_int_equal(add(b, "10.0.0.3", 32, 132), 0);
	assert_int_equal(add(b, "10.0.0.0", 33, 1), DX_EINVAL);
	assert_int_equal(lpm_builder_count(b), 4);
	struct lpm *m = build(b);
	assert_int_equal(look(m, "1.2.3.4", &pl), 100);
	assert_int_equal(pl, 0);
	assert_int_equal(look(m, "200.1.1.1", &pl), 101);
	assert_int_equal(pl, 1);
	assert_int_equal(look(m, "255.255.255.255", &pl), 101);
	assert_int_equal(look(m, "127.255.255.255", &pl), 100);
	assert_int_equal(look(m, "10.0.0.1", &pl), 100);
	assert_int_equal(look(m, "10.0.0.2", &pl), 131);
	assert_int_equal(pl, 31);
	assert_int_equal(look(m, "10.0.0.3", &pl), 132);
	assert_int_equal(pl, 32);
	assert_int_equal(look(m, "10.0.0.4", &pl), 100);
	assert_int_equal(pl, 0);
	assert_int_equal(lpm_lookup4(m, 0x0a000003, &pl), 132);
	assert_int_equal(lpm_lookup4(m, 0x0a000002, NULL), 131);
	lpm_free(m);
}

static void
test_ip6_lengths(void **state)
{
	struct lpm_builder *b;
	unsigned pl = 0;
	(void)state;
	assert_int_equal(lpm_builder_new(6, &b), 0);
	assert_int_equal(add(b, "::", 0, 600), 0);
	assert_int_equal(add(b, "8000::", 1, 601), 0);
	assert_int_equal(add(b, "2001:db8::", 127, 727), 0);
	assert_int_equal(add(b, "2001:db8::1", 128, 728), 0);
	assert_int_equal(add(b, "2001:db8::2", 128, 729), 0);
	assert_int_equal(add(b, "2001:db8::", 129, 1), DX_EINVAL);
	struct lpm *m = build(b);
	assert_int_equal(look(m, "2001:db8::", &pl), 727);
	assert_int_equal(pl, 127);
	assert_int_equal(look(m, "2001:db8::1", &pl), 728);
	assert_int_equal(pl, 128);
	assert_int_equal(look(m, "2001:db8::2", &pl), 729);
	assert_int_equal(look(m, "2001:db8::3", &pl), 600);
	assert_int_equal(pl, 0);
	assert_int_equal(look(m, "ffff::1", &pl), 601);
	assert_int_equal(pl, 1);
	assert_int_equal(look(m, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL), 600);
	assert_true(within(m, "2001:db8::", 126));
	lpm_free(m);
}

/* Nested, overlapping, exclusions around and inside prefixes. */
static void
test_nested_and_exclusions(void **state)
{
	struct lpm_builder *b;
	unsigned pl = 0;
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	/* Added out of order on purpose (exercises the duplicate hash). */
	assert_int_equal(add(b, "10.1.2.0", 24, 3), 0);
	assert_int_equal(add(b, "10.0.0.0", 8, 1), 0);
	assert_int_equal(add(b, "10.1.0.0", 16, 2), 0);
	assert_int_equal(add(b, "10.1.2.128", 25, LPM_NONE), 0);  /* hole in /24 */
	assert_int_equal(add(b, "10.1.2.200", 32, 5), 0);         /* listed in hole */
	assert_int_equal(add(b, "10.1.2.77", 32, LPM_NONE), 0);   /* single hole */
	assert_int_equal(add(b, "10.2.0.0", 16, LPM_NONE), 0);    /* covers a listed */
	assert_int_equal(add(b, "10.2.3.0", 24, 6), 0);
	assert_int_equal(add(b, "10.3.0.0", 16, LPM_NONE), 0);    /* only excluded */
	assert_int_equal(add(b, "10.3.4.0", 24, LPM_NONE), 0);
	assert_int_equal(add(b, "192.168.0.0", 16, 9), 0);
	assert_int_equal(add(b, "192.168.1.0", 24, LPM_NONE), 0);
	/* Lookups skip buckets with no listed address (a bit each): the one
	 * listed address of a bucket is its last, under an excluded /16; a
	 * bucket listed only through the /8, with a long exclusion. */
	assert_int_equal(add(b, "10.5.0.0", 16, LPM_NONE), 0);
	assert_int_equal(add(b, "10.5.255.255", 32, 7), 0);
	assert_int_equal(add(b, "10.6.7.0", 24, LPM_NONE), 0);
	/* host bits ignored: this is 10.1.2.0/24 again */
	assert_int_equal(add(b, "10.1.2.99", 24, 77), DX_EEXIST);
	assert_int_equal(lpm_builder_count(b), 15);
	struct lpm *m = build(b);
	assert_int_equal(lpm_prefix_count(m), 15);
	assert_int_equal(look(m, "10.5.255.255", &pl), 7);
	assert_int_equal(pl, 32);
	assert_int_equal(look(m, "10.5.255.254", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.5.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.6.0.1", &pl), 1);
	assert_int_equal(pl, 8);
	assert_int_equal(look(m, "10.6.7.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.6.8.0", NULL), 1);
	assert_int_equal(look(m, "10.9.9.9", &pl), 1);
	assert_int_equal(pl, 8);
	assert_int_equal(look(m, "10.1.9.9", &pl), 2);
	assert_int_equal(pl, 16);
	assert_int_equal(look(m, "10.1.2.5", &pl), 3);
	assert_int_equal(pl, 24);
	assert_int_equal(look(m, "10.1.2.77", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.1.2.78", NULL), 3);
	assert_int_equal(look(m, "10.1.2.127", NULL), 3);
	assert_int_equal(look(m, "10.1.2.128", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.1.2.199", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.1.2.200", &pl), 5);
	assert_int_equal(pl, 32);
	assert_int_equal(look(m, "10.1.2.201", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.1.3.0", NULL), 2);
	assert_int_equal(look(m, "10.2.0.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.2.3.1", &pl), 6);
	assert_int_equal(pl, 24);
	assert_int_equal(look(m, "10.2.4.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.3.4.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.4.0.0", NULL), 1);
	assert_int_equal(look(m, "11.0.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "9.255.255.255", NULL), LPM_NONE);
	assert_int_equal(look(m, "192.168.1.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "192.168.2.1", NULL), 9);

	/* Partial names: /8, /16, /24 windows. */
	assert_true(within(m, "10.0.0.0", 8));
	assert_false(within(m, "11.0.0.0", 8));
	assert_true(within(m, "0.0.0.0", 0));
	assert_true(within(m, "10.1.0.0", 16));
	assert_true(within(m, "10.2.0.0", 16));      /* via 10.2.3.0/24 */
	assert_false(within(m, "10.3.0.0", 16));     /* excluded space only */
	assert_false(within(m, "10.3.4.0", 24));
	assert_false(within(m, "10.2.4.0", 24));
	assert_true(within(m, "10.2.3.0", 24));
	assert_true(within(m, "10.1.2.0", 24));
	assert_true(within(m, "10.1.2.128", 25));    /* the /32 inside the hole */
	assert_false(within(m, "10.1.2.128", 26));
	assert_true(within(m, "10.1.2.192", 26));
	assert_false(within(m, "10.1.2.77", 32));
	assert_true(within(m, "10.1.2.76", 31));
	assert_false(within(m, "192.168.1.0", 24));
	assert_true(within(m, "192.168.0.0", 23));
	assert_true(within(m, "192.0.0.0", 8));
	assert_false(within(m, "172.16.0.0", 12));
	lpm_free(m);
}

/* An exclusion exactly covering a listed prefix's addresses hides it. */
static void
test_fully_hidden(void **state)
{
	struct lpm_builder *b;
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	assert_int_equal(add(b, "20.0.0.0", 24, 1), 0);
	assert_int_equal(add(b, "20.0.0.0", 25, LPM_NONE), 0);
	assert_int_equal(add(b, "20.0.0.128", 25, LPM_NONE), 0);
	/* sorted so far: a repeat of the last add is still a duplicate */
	assert_int_equal(add(b, "20.0.0.128", 25, 3), DX_EEXIST);
	assert_int_equal(add(b, "20.0.0.0", 24, 2), DX_EEXIST);
	/* a bucket listed only before its first long prefix */
	assert_int_equal(add(b, "30.0.0.0", 8, 4), 0);
	assert_int_equal(add(b, "30.5.128.0", 17, LPM_NONE), 0);
	assert_int_equal(add(b, "30.6.0.0", 17, LPM_NONE), 0);
	assert_int_equal(add(b, "30.6.128.0", 17, LPM_NONE), 0);
	struct lpm *m = build(b);
	assert_int_equal(look(m, "20.0.0.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "20.0.0.255", NULL), LPM_NONE);
	assert_false(within(m, "20.0.0.0", 24));
	assert_false(within(m, "20.0.0.0", 16));
	assert_false(within(m, "20.0.0.0", 8));
	assert_true(within(m, "0.0.0.0", 0));
	assert_true(within(m, "30.5.0.0", 16));
	assert_false(within(m, "30.5.128.0", 17));
	assert_false(within(m, "30.6.0.0", 16));
	assert_true(within(m, "30.6.0.0", 15));
	assert_int_equal(look(m, "30.5.127.255", NULL), 4);
	assert_int_equal(look(m, "30.5.128.0", NULL), LPM_NONE);
	lpm_free(m);
	/* The same for IPv6 in sorted order. */
	assert_int_equal(lpm_builder_new(6, &b), 0);
	assert_int_equal(add(b, "2001:db8::", 48, 1), 0);
	assert_int_equal(add(b, "2001:db8::", 48, 2), DX_EEXIST);
	assert_int_equal(add(b, "2001:db8::", 49, LPM_NONE), 0);
	assert_int_equal(add(b, "2001:db8:0:8000::", 49, LPM_NONE), 0);
	m = build(b);
	assert_false(within(m, "2001:db8::", 48));
	assert_false(within(m, "2000::", 4));
	assert_int_equal(look(m, "2001:db8::1", NULL), LPM_NONE);
	lpm_free(m);
}

/* The second level at the ends of the address space and of buckets, for
 * each forced block size: the last block of 255.255/16 has no next block. */
static void
test_index_edges(void **state)
{
	static const int bits[] = { 0, 17, 20, 24 };
	(void)state;
	for (unsigned k = 0; k < 4; k++) {
		struct lpm_builder *b;
		lpm_index_bits(bits[k]);
		assert_int_equal(lpm_builder_new(4, &b), 0);
		assert_int_equal(add(b, "255.255.255.255", 32, 1), 0);
		assert_int_equal(add(b, "255.255.255.0", 24, 2), 0);
		assert_int_equal(add(b, "255.255.0.0", 16, 3), 0);
		assert_int_equal(add(b, "255.255.240.0", 20, LPM_NONE), 0);
		assert_int_equal(add(b, "0.0.0.0", 32, 4), 0);
		assert_int_equal(add(b, "0.0.0.0", 20, 5), 0);
		assert_int_equal(add(b, "10.1.255.255", 32, 6), 0);
		assert_int_equal(add(b, "10.2.0.0", 16, 7), 0);    /* next bucket's short */
		assert_int_equal(add(b, "10.1.255.0", 24, LPM_NONE), 0);
		assert_int_equal(add(b, "10.1.0.0", 16, 8), 0);
		struct lpm *m = build(b);
		lpm_index_bits(-1);
		unsigned pl = 0;
		assert_int_equal(look(m, "255.255.255.255", &pl), 1);
		assert_int_equal(pl, 32);
		assert_int_equal(look(m, "255.255.255.254", &pl), 2);
		assert_int_equal(look(m, "255.255.254.1", NULL), LPM_NONE);
		assert_int_equal(look(m, "255.255.239.255", &pl), 3);
		assert_int_equal(pl, 16);
		assert_int_equal(look(m, "0.0.0.0", &pl), 4);
		assert_int_equal(look(m, "0.0.0.1", &pl), 5);
		assert_int_equal(pl, 20);
		assert_int_equal(look(m, "0.0.16.0", NULL), LPM_NONE);
		assert_int_equal(look(m, "10.1.255.255", NULL), 6);
		assert_int_equal(look(m, "10.1.255.254", NULL), LPM_NONE);
		assert_int_equal(look(m, "10.1.254.255", NULL), 8);
		assert_int_equal(look(m, "10.2.0.0", NULL), 7);
		uint32_t as[6] = { 0xffffffffu, 0xfffffffeu, 0, 1, 0x0a01ffffu,
		    0x0a01fffeu }, v[6];
		lpm_lookup4_batch(m, as, 6, v, NULL);
		assert_int_equal(v[0], 1);
		assert_int_equal(v[1], 2);
		assert_int_equal(v[2], 4);
		assert_int_equal(v[3], 5);
		assert_int_equal(v[4], 6);
		assert_int_equal(v[5], LPM_NONE);
		lpm_free(m);
	}
}

/* A parent more than a thousand prefixes back (the IPv4 word cannot hold the
 * distance: it goes through a side table). */
static void
test_far_parent(void **state)
{
	struct lpm_builder *b;
	uint8_t a[4] = { 10, 0, 0, 0 };
	unsigned pl = 0;
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	assert_int_equal(add(b, "10.0.0.0", 17, 17), 0);
	assert_int_equal(add(b, "10.0.64.0", 18, 18), 0);
	for (unsigned i = 0; i < 3200; i++) {
		a[2] = (uint8_t)(i / 128);
		a[3] = (uint8_t)(i % 128 * 2);
		if (a[2] == 24)
			continue;        /* leave 10.0.24.0/24 to the /17 */
		assert_int_equal(lpm_builder_add(b, a, 32,
		    i % 7 == 0 ? LPM_NONE : 1000 + i), 0);
	}
	assert_int_equal(add(b, "10.0.64.0", 24, LPM_NONE), 0);
	for (unsigned i = 0; i < 1500; i++) {
		a[2] = (uint8_t)(65 + i / 128);
		a[3] = (uint8_t)(i % 128 * 2);
		assert_int_equal(lpm_builder_add(b, a, 32, LPM_NONE), 0);
	}
	struct lpm *m = build(b);
	/* every gap between the /32s falls back to its far parent */
	for (unsigned i = 0; i < 3200 + 1500; i++) {
		unsigned j = i < 3200 ? i : i - 3200;
		a[2] = (uint8_t)(i < 3200 ? j / 128 : 65 + j / 128);
		a[3] = (uint8_t)(j % 128 * 2 + 1);
		if (a[2] != 24)
			assert_int_equal(lpm_lookup(m, a, NULL), i < 3200 ? 17 : 18);
	}
	assert_int_equal(look(m, "10.0.0.1", &pl), 17);
	assert_int_equal(pl, 17);
	assert_int_equal(look(m, "10.0.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.0.0.2", NULL), 1001);
	assert_int_equal(look(m, "10.0.23.255", NULL), 17);
	assert_int_equal(look(m, "10.0.23.254", NULL), 1000 + 23 * 128 + 127);
	assert_int_equal(look(m, "10.0.24.2", NULL), 17);
	assert_int_equal(look(m, "10.0.63.255", NULL), 17);
	assert_int_equal(look(m, "10.0.127.255", &pl), 18);
	assert_int_equal(pl, 18);
	assert_int_equal(look(m, "10.0.64.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.0.69.255", NULL), 18);
	assert_int_equal(look(m, "10.0.76.184", NULL), 18);
	assert_int_equal(look(m, "10.0.76.182", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.0.128.0", NULL), LPM_NONE);
	assert_true(within(m, "10.0.70.0", 24));
	assert_false(within(m, "10.0.64.0", 24));
	assert_false(within(m, "10.0.69.0", 32));
	assert_true(within(m, "10.0.69.0", 31));
	assert_true(within(m, "10.0.64.0", 23));
	lpm_free(m);
}

static void
test_walk(void **state)
{
	struct lpm_builder *b;
	struct walked w = { .n = 0, .stop_at = 0 };
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	assert_int_equal(add(b, "10.1.2.3", 32, 4), 0);
	assert_int_equal(add(b, "10.1.2.0", 24, 3), 0);
	assert_int_equal(add(b, "10.0.0.0", 8, 1), 0);
	assert_int_equal(add(b, "10.0.0.0", 16, LPM_NONE), 0);
	assert_int_equal(add(b, "9.255.0.0", 16, 7), 0);
	assert_int_equal(add(b, "0.0.0.0", 0, 0), 0);
	assert_int_equal(add(b, "10.0.0.0", 8, 99), DX_EEXIST);
	struct lpm *m = build(b);
	assert_int_equal(lpm_walk(m, walk_cb, &w), 0);
	assert_int_equal(w.n, 6);
	assert_string_equal(w.s[0], "0.0.0.0/0=0");
	assert_string_equal(w.s[1], "9.255.0.0/16=7");
	assert_string_equal(w.s[2], "10.0.0.0/8=1");
	assert_string_equal(w.s[3], "!10.0.0.0/16");
	assert_string_equal(w.s[4], "10.1.2.0/24=3");
	assert_string_equal(w.s[5], "10.1.2.3/32=4");
	w.n = 0;
	w.stop_at = 2;
	assert_int_equal(lpm_walk(m, walk_cb, &w), 42);
	assert_int_equal(w.n, 2);
	lpm_free(m);

	assert_int_equal(lpm_builder_new(6, &b), 0);
	assert_int_equal(add(b, "2001:db8::1", 128, 2), 0);
	assert_int_equal(add(b, "2001:db8::", 32, 1), 0);
	assert_int_equal(add(b, "::", 0, LPM_NONE), 0);
	m = build(b);
	w.n = 0;
	w.stop_at = 100;
	assert_int_equal(lpm_walk(m, walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.s[0], "!::/0");
	assert_string_equal(w.s[1], "2001:db8::/32=1");
	assert_string_equal(w.s[2], "2001:db8::1/128=2");
	lpm_free(m);
}

/* An IPv6 bucket table covers only the buckets prefixes reach: lookups,
 * windows and walks before, inside and after that range. */
static void
test_bucket_range(void **state)
{
	struct lpm_builder *b;
	struct walked w = { .n = 0, .stop_at = 0 };
	(void)state;
	assert_int_equal(lpm_builder_new(4, &b), 0);
	assert_int_equal(add(b, "10.1.2.0", 24, 3), 0);
	assert_int_equal(add(b, "11.0.0.0", 12, 5), 0);       /* to 11.15.255.255 */
	assert_int_equal(add(b, "11.4.0.0", 16, LPM_NONE), 0);
	struct lpm *m = build(b);
	/* IPv4 keeps the whole table (its lookups skip the range test) */
	assert_true(lpm_memory(m) > 65536 * 16);
	assert_int_equal(look(m, "0.0.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "10.1.1.255", NULL), LPM_NONE);
	unsigned plen = 0;
	assert_int_equal(look(m, "10.1.2.9", &plen), 3);
	assert_int_equal(plen, 24);
	assert_int_equal(look(m, "10.2.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "11.0.0.1", &plen), 5);
	assert_int_equal(plen, 12);
	assert_int_equal(look(m, "11.4.1.1", NULL), LPM_NONE);
	assert_int_equal(look(m, "11.15.255.255", &plen), 5);
	assert_int_equal(look(m, "11.16.0.0", NULL), LPM_NONE);
	assert_int_equal(look(m, "255.255.255.255", NULL), LPM_NONE);
	assert_int_equal(lpm_lookup4(m, 0x0b0f0000, NULL), 5);
	assert_true(within(m, "0.0.0.0", 0));
	assert_false(within(m, "9.0.0.0", 8));
	assert_true(within(m, "10.0.0.0", 8));
	assert_false(within(m, "11.4.0.0", 16));
	assert_true(within(m, "11.15.0.0", 16));
	assert_false(within(m, "11.16.0.0", 12));
	assert_false(within(m, "12.0.0.0", 6));
	assert_false(within(m, "200.1.2.0", 24));
	uint32_t ad[4] = { 0x0a010209, 0x0b0f0001, 0x01020304, 0xfffffffe }, v[4];
	uint8_t pl[4];
	lpm_lookup4_batch(m, ad, 4, v, pl);
	assert_int_equal(v[0], 3);
	assert_int_equal(v[1], 5);
	assert_int_equal(v[2], LPM_NONE);
	assert_int_equal(v[3], LPM_NONE);
	assert_int_equal(lpm_walk(m, walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.s[0], "10.1.2.0/24=3");
	assert_string_equal(w.s[2], "!11.4.0.0/16");
	lpm_free(m);

	/* IPv6: compact (<= /64) and split maps in 2000::/4 */
	for (int split = 0; split < 2; split++) {
		assert_int_equal(lpm_builder_new(6, &b), 0);
		lpm_builder_defer_dups(b, NULL, NULL);
		assert_int_equal(add(b, "2a01:1::", 32, 1), 0);
		assert_int_equal(add(b, "2c00::", 7, 2), 0);  /* to 2dff:... */
		if (split)
			assert_int_equal(add(b, "2a01:1::1", 128, 9), 0);
		m = build(b);
		assert_true(lpm_memory(m) < 65536 * 16 / 2);
		assert_int_equal(look(m, "::1", NULL), LPM_NONE);
		assert_int_equal(look(m, "2a01:0:ffff::", NULL), LPM_NONE);
		assert_int_equal(look(m, "2a01:1::2", &plen), 1);
		assert_int_equal(plen, 32);
		assert_int_equal(look(m, "2a01:1::1", &plen), split ? 9 : 1);
		assert_int_equal(plen, split ? 128 : 32);
		assert_int_equal(look(m, "2dff:ffff::", NULL), 2);
		assert_int_equal(look(m, "2e00::", NULL), LPM_NONE);
		assert_int_equal(look(m, "ffff::1", NULL), LPM_NONE);
		assert_false(within(m, "::", 3));
		assert_true(within(m, "2a01:1::", 64));
		assert_true(within(m, "2a01:1::1", 128));
		assert_false(within(m, "2a02::", 16));
		assert_true(within(m, "2d00::", 8));
		assert_false(within(m, "2e00::", 7));
		assert_false(within(m, "f000::", 4));
		/* windows longer than a bucket outside the range */
		assert_false(within(m, "::1", 128));
		assert_false(within(m, "1fff:ffff::", 32));
		assert_false(within(m, "2e00::", 64));
		assert_false(within(m, "ffff:ffff::1", 128));
		assert_true(within(m, "2dff:ffff:ffff:ffff::", 64));
		w.n = 0;
		w.stop_at = 100;
		assert_int_equal(lpm_walk(m, walk_cb, &w), 0);
		assert_int_equal(w.n, 2 + split);
		assert_string_equal(w.s[0], "2a01:1::/32=1");
		assert_string_equal(w.s[1 + split], "2c00::/7=2");
		lpm_free(m);
	}
}

/* Compact map samples keep 32 of the 48 bits below the bucket: runs of
 * entries inside one /48 have equal samples; lookups must still land. */
static void
test_equal_samples(void **state)
{
	struct lpm_builder *b;
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	unsigned pl = 0;
	(void)state;
	assert_int_equal(lpm_builder_new(6, &b), 0);
	lpm_builder_defer_dups(b, NULL, NULL);
	for (unsigned i = 0; i < 300; i++) {       /* even /64s, backwards */
		unsigned j = 299 - i;
		a[6] = (uint8_t)(j * 2 >> 8);
		a[7] = (uint8_t)(j * 2);
		assert_int_equal(lpm_builder_add(b, a, 64, j), 0);
	}
	assert_int_equal(add(b, "2001:db8:1::", 48, 1000), 0);
	assert_int_equal(add(b, "2001:db8:3::", 48, 1001), 0);
	struct lpm *m = build(b);
	for (unsigned j = 0; j < 600; j++) {
		a[6] = (uint8_t)(j >> 8);
		a[7] = (uint8_t)j;
		a[15] = (uint8_t)j;
		assert_int_equal(lpm_lookup(m, a, &pl), j % 2 ? 1000 : j / 2);
		assert_int_equal(pl, j % 2 ? 48 : 64);
	}
	a[15] = 0;
	assert_int_equal(look(m, "2001:db8:0:ffff::", NULL), LPM_NONE);
	assert_int_equal(look(m, "2001:db8:1:ffff::1", NULL), 1000);
	assert_int_equal(look(m, "2001:db8:2::", NULL), LPM_NONE);
	assert_int_equal(look(m, "2001:db8:3:4::", NULL), 1001);
	assert_int_equal(look(m, "2001:db8:4::", NULL), LPM_NONE);
	lpm_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ip4_lengths),
		cmocka_unit_test(test_ip6_lengths),
		cmocka_unit_test(test_nested_and_exclusions),
		cmocka_unit_test(test_fully_hidden),
		cmocka_unit_test(test_far_parent),
		cmocka_unit_test(test_index_edges),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_bucket_range),
		cmocka_unit_test(test_equal_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

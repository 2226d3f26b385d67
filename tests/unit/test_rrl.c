/* test_rrl.c -- response rate limiting: bucket size and refill, slip
 * patterns, client prefixes and kinds as separate buckets, exemptions,
 * the truncated reply, the counters, and one table shared by threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "rrl.h"

static struct sockaddr_storage ss;

static const struct sockaddr *
peer(const char *a)
{
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)&ss;
}

/* The actions of n answers at time ms, as a string: . pass, d drop, t TC. */
static const char *
run(struct rrl *t, const char *a, enum rrl_kind k, unsigned n, uint64_t ms)
{
	static char out[128];
	for (unsigned i = 0; i < n && i < sizeof(out) - 1; i++) {
		enum rrl_action r = rrl_account(t, peer(a), k, ms);
		out[i] = r == RRL_PASS ? '.' : r == RRL_DROP ? 'd' : 't';
		out[i + 1] = '\0';
	}
	return out;
}

static void
test_rate_and_refill(void **state)
{
	struct rrl *t;
	assert_int_equal(rrl_new(5, 2, 64, 24, 56, NULL, &t), 0);
	/* A burst of `rate`, then every 2nd limited answer is truncated. */
	assert_string_equal(run(t, "192.0.2.1", RRL_POSITIVE, 10, 1000),
	    ".....dtdtd");
	/* 200 ms at 5/s gives one token back. */
	assert_string_equal(run(t, "192.0.2.1", RRL_POSITIVE, 2, 1200), ".t");
	/* A long pause refills to the cap, never above it. */
	assert_string_equal(run(t, "192.0.2.1", RRL_POSITIVE, 7, 60000),
	    ".....dt");
	rrl_free(t);
}

static void
test_slip(void **state)
{
	struct rrl *t;
	assert_int_equal(rrl_new(1, 0, 64, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.1", RRL_NXDOMAIN, 5, 0), ".dddd");
	rrl_free(t);
	assert_int_equal(rrl_new(1, 1, 64, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.1", RRL_NXDOMAIN, 5, 0), ".tttt");
	rrl_free(t);
	assert_int_equal(rrl_new(1, 3, 64, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.1", RRL_NXDOMAIN, 7, 0), ".ddtddt");
	rrl_free(t);
	/* Rate 0: never limited. */
	assert_int_equal(rrl_new(0, 2, 64, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.1", RRL_NXDOMAIN, 5, 0), ".....");
	rrl_free(t);
}

static void
test_prefixes_and_kinds(void **state)
{
	struct rrl *t;
	assert_int_equal(rrl_new(2, 2, 4096, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.1", RRL_POSITIVE, 3, 0), "..d");
	/* Same /24: the same bucket. */
	assert_string_equal(run(t, "192.0.2.200", RRL_POSITIVE, 1, 0), "t");
	/* Next /24, and another kind: fresh buckets. */
	assert_string_equal(run(t, "192.0.3.1", RRL_POSITIVE, 3, 0), "..d");
	assert_string_equal(run(t, "192.0.2.1", RRL_NXDOMAIN, 3, 0), "..d");
	assert_string_equal(run(t, "192.0.2.1", RRL_NODATA, 3, 0), "..d");
	assert_string_equal(run(t, "192.0.2.1", RRL_ERROR, 3, 0), "..d");
	/* IPv6: one /56 bucket; the next /56 is another. */
	assert_string_equal(run(t, "2001:db8:0:ff::1", RRL_POSITIVE, 3, 0),
	    "..d");
	assert_string_equal(run(t, "2001:db8:0:1::2", RRL_POSITIVE, 1, 0), "t");
	assert_string_equal(run(t, "2001:db8:0:100::1", RRL_POSITIVE, 3, 0),
	    "..d");
	/* An IPv4-mapped peer is its IPv4 address. */
	assert_string_equal(run(t, "::ffff:192.0.3.9", RRL_POSITIVE, 1, 0),
	    "t");
	rrl_free(t);
	/* /32: every address its own bucket. */
	assert_int_equal(rrl_new(2, 2, 4096, 32, 64, NULL, &t), 0);
	assert_string_equal(run(t, "127.0.0.5", RRL_POSITIVE, 3, 0), "..d");
	assert_string_equal(run(t, "127.0.0.6", RRL_POSITIVE, 3, 0), "..d");
	rrl_free(t);
	assert_int_equal(rrl_new(2, 2, 16, 33, 56, NULL, &t), DX_EINVAL);
}

static void
test_kind_of(void **state)
{
	assert_int_equal(rrl_kind_of(0, 2), RRL_POSITIVE);
	assert_int_equal(rrl_kind_of(0, 0), RRL_NODATA);
	assert_int_equal(rrl_kind_of(3, 0), RRL_NXDOMAIN);
	assert_int_equal(rrl_kind_of(5, 0), RRL_ERROR);
	assert_int_equal(rrl_kind_of(1, 0), RRL_ERROR);
}

static void
test_exempt_and_stats(void **state)
{
	char *cidrs[] = { (char *)"127.0.0.9/32", (char *)"2001:db8::/32" };
	char *bad[] = { (char *)"127.0.0.1/8" };
	struct rrl_exempt *x;
	struct rrl *t;
	struct rrl_stats before, after;
	char err[200];
	assert_int_equal(rrl_exempt_new(bad, 1, &x, err, sizeof(err)),
	    DX_EINVAL);
	assert_string_equal(err, "\"127.0.0.1/8\" has host bits set (use "
	    "127.0.0.0/8)");
	assert_int_equal(rrl_exempt_new(cidrs, 0, &x, err, sizeof(err)), 0);
	assert_null(x);
	assert_int_equal(rrl_exempt_new(cidrs, 2, &x, err, sizeof(err)), 0);
	rrl_stats(&before);
	assert_int_equal(rrl_new(1, 2, 64, 24, 56, x, &t), 0);
	assert_string_equal(run(t, "127.0.0.9", RRL_POSITIVE, 4, 0), "....");
	assert_string_equal(run(t, "2001:db8::53", RRL_POSITIVE, 4, 0), "....");
	assert_string_equal(run(t, "127.0.0.8", RRL_POSITIVE, 4, 0), ".dtd");
	rrl_stats(&after);
	assert_int_equal(after.exempt - before.exempt, 8);
	assert_int_equal(after.passed - before.passed, 1);
	assert_int_equal(after.dropped - before.dropped, 2);
	assert_int_equal(after.slipped - before.slipped, 1);
	rrl_free(t);
	rrl_exempt_free(x);
}

/* Workers share the table: 4 threads answering the same client at the
 * same millisecond pass exactly `rate` answers between them, and the
 * counters lose no update. */
struct burst {
	struct rrl *t;
	unsigned passed;
};

static void *
burst_main(void *arg)
{
	struct burst *b = arg;
	struct sockaddr_in s4;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.7", &s4.sin_addr);
	for (unsigned i = 0; i < 20000; i++)
		if (rrl_account(b->t, (struct sockaddr *)&s4, RRL_NXDOMAIN,
		    5000) == RRL_PASS)
			b->passed++;
	return NULL;
}

static void
test_shared_by_threads(void **state)
{
	struct rrl *t;
	struct burst b[4];
	pthread_t tid[4];
	struct rrl_stats before, after;
	(void)state;
	assert_int_equal(rrl_new(500, 0, 64, 24, 56, NULL, &t), 0);
	rrl_stats(&before);
	for (unsigned i = 0; i < 4; i++) {
		b[i].t = t;
		b[i].passed = 0;
		assert_int_equal(pthread_create(&tid[i], NULL, burst_main, &b[i]), 0);
	}
	unsigned passed = 0;
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		passed += b[i].passed;
	}
	assert_int_equal(passed, 500);
	rrl_stats(&after);
	assert_int_equal(after.passed - before.passed, 500);
	assert_int_equal(after.dropped - before.dropped, 4 * 20000 - 500);
	rrl_free(t);
}

/* A worker that read the clock just before another one: its "now" is
 * behind the bucket's last refill. That refills nothing (no wrap to a
 * full bucket), and the bucket still refills after a long pause. */
static void
test_clock_a_little_behind(void **state)
{
	struct rrl *t;
	(void)state;
	assert_int_equal(rrl_new(3, 0, 64, 24, 56, NULL, &t), 0);
	assert_string_equal(run(t, "192.0.2.9", RRL_POSITIVE, 4, 10000), "...d");
	assert_string_equal(run(t, "192.0.2.9", RRL_POSITIVE, 2, 9999), "dd");
	assert_string_equal(run(t, "192.0.2.9", RRL_POSITIVE, 2, 10000), "dd");
	/* 2^31 ms on (a bucket idle for 25 days): full again. */
	assert_string_equal(run(t, "192.0.2.9", RRL_POSITIVE, 4,
	    10000 + ((uint64_t)1 << 31)), "...d");
	rrl_free(t);
}

static void
test_truncate(void **state)
{
	/* id, QR|RD, RA, QD 1, AN 1, NS 0, AR 1; "a.b" A IN; then records. */
	uint8_t r[] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1,
	    1, 'a', 1, 'b', 0, 0, 1, 0, 1,
	    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 2,
	    0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0 };
	size_t n = rrl_truncate(r, sizeof(r));
	assert_int_equal(n, 21);
	assert_int_equal(r[2], 0x83);       /* TC added */
	assert_int_equal(r[5], 1);
	assert_int_equal(r[7], 0);
	assert_int_equal(r[11], 0);
	/* Malformed: a pointer in the question, or too short. */
	uint8_t p[] = { 0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12 };
	assert_int_equal(rrl_truncate(p, sizeof(p)), sizeof(p));
	assert_int_equal(rrl_truncate(p, 5), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_refill),
		cmocka_unit_test(test_slip),
		cmocka_unit_test(test_prefixes_and_kinds),
		cmocka_unit_test(test_kind_of),
		cmocka_unit_test(test_exempt_and_stats),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_shared_by_threads),
		cmocka_unit_test(test_clock_a_little_behind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_qname.c -- a query name's reverse-IPv4 and reverse-IPv6 readings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dx_testutil.h"

static void
test_ip4(void **state)
{
	struct tu_q t;
	struct dx_qname *q;
	(void)state;
	q = tu_qname(&t, "5.242.78.40");
	assert_int_equal(q->nlabels, 4);
	assert_int_equal(q->ip4_octets, 4);
	assert_int_equal(q->ip4, 0x284ef205);
	assert_string_equal(q->text, "5.242.78.40");
	q = tu_qname(&t, "78.40");
	assert_int_equal(q->ip4_octets, 2);
	assert_int_equal(q->ip4, 0x284e0000);
	q = tu_qname(&t, "010.0.0.127");
	assert_int_equal(q->ip4_octets, 4);
	assert_int_equal(q->ip4, 0x7f00000a);
	q = tu_qname(&t, "256.0.0.1");
	assert_int_equal(q->ip4_octets, 0);
	q = tu_qname(&t, "1.2.3.4.5");
	assert_int_equal(q->ip4_octets, 0);
	q = tu_qname(&t, "1.x.3.4");
	assert_int_equal(q->ip4_octets, 0);
	q = tu_qname(&t, "0001.2.3.4");
	assert_int_equal(q->ip4_octets, 0);
	q = tu_qname(&t, "");
	assert_int_equal(q->nlabels, 0);
	assert_int_equal(q->ip4_octets, 0);
	assert_int_equal(q->ip6_nibbles, 0);
	assert_string_equal(q->text, "");
}

static void
test_ip6(void **state)
{
	struct tu_q t;
	struct dx_qname *q;
	(void)state;
	q = tu_qip(&t, "2001:db8::1");
	assert_int_equal(q->nlabels, 32);
	assert_int_equal(q->ip6_nibbles, 32);
	assert_int_equal(q->ip4_octets, 0);
	assert_int_equal(q->ip6[0], 0x20);
	assert_int_equal(q->ip6[1], 0x01);
	assert_int_equal(q->ip6[3], 0xb8);
	assert_int_equal(q->ip6[15], 0x01);
	q = tu_qname(&t, "8.b.d.0.1.0.0.2");
	assert_int_equal(q->ip6_nibbles, 8);
	assert_int_equal(q->ip6[0], 0x20);
	assert_int_equal(q->ip6[3], 0xb8);
	assert_int_equal(q->ip6[4], 0);
	/* digits-only single labels read both ways */
	q = tu_qname(&t, "1.2");
	assert_int_equal(q->ip4_octets, 2);
	assert_int_equal(q->ip6_nibbles, 2);
	assert_int_equal(q->ip6[0], 0x21);
	q = tu_qname(&t, "ab.1");
	assert_int_equal(q->ip6_nibbles, 0);
	/* IPv4-mapped: also an IPv4 query */
	q = tu_qip(&t, "::ffff:40.78.242.5");
	assert_int_equal(q->ip6_nibbles, 32);
	assert_int_equal(q->ip4_octets, 4);
	assert_int_equal(q->ip4, 0x284ef205);
	q = tu_qip(&t, "::fffe:40.78.242.5");
	assert_int_equal(q->ip4_octets, 0);
}

static void
test_too_many_labels(void **state)
{
	struct dx_qname q;
	const uint8_t *labels[DX_MAXLABELS + 1];
	uint8_t lens[DX_MAXLABELS + 1];
	unsigned i;
	(void)state;
	for (i = 0; i <= DX_MAXLABELS; i++) {
		labels[i] = (const uint8_t *)"a";
		lens[i] = 1;
	}
	assert_int_equal(qname_parse(&q, DX_MAXLABELS + 1, labels, lens), DX_EINVAL);
	assert_int_equal(qname_parse(&q, DX_MAXLABELS, labels, lens), 0);
	assert_int_equal(q.ip6_nibbles, 0);
	assert_int_equal(strlen(q.text), 253);   /* cut to fit, never overflows */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4),
		cmocka_unit_test(test_ip6),
		cmocka_unit_test(test_too_many_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

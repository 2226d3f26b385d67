/* test_zone.c -- a zone is the union of its datasets; SOA/NS choice, the
 * synthesized SOA, NODATA vs NXDOMAIN and the RFC 5782 test entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <utime.h>

#include "dx_testutil.h"
#include "zone.h"

static const struct zone_opts opts_default = {
	.rfc5782_tests = true, .ttl_default = 2100,
	.soa_mname = "ns.example.org", .soa_rname = "hostmaster.example.org",
};

static void
set_mtime(struct tu_ds *t, time_t when)
{
	struct utimbuf u = { when, when };
	struct diag d;
	struct tu_capture c;
	struct ds_loadopts o = { .ttl_default = 2100 };
	unsigned i;
	for (i = 0; i < t->n; i++)
		assert_int_equal(utime(t->path[i], &u), 0);
	tu_diag(&d, &c);
	assert_int_equal(dataset_load(t->ds, &o, &d), 0);   /* reload */
}

static enum zone_status
zq(const struct zone *z, const char *name, struct dx_hits *h)
{
	struct tu_q q;
	return zone_query(z, tu_qname(&q, name), h);
}

static void
test_name(void **state)
{
	struct zone *z;
	unsigned len, nl;
	const uint8_t *w;
	(void)state;
	assert_int_equal(zone_new("Wl.Example.ORG.", &z), 0);
	assert_string_equal(zone_name(z), "wl.example.org");
	w = zone_name_wire(z, &len, &nl);
	assert_int_equal(len, 16);
	assert_int_equal(nl, 3);
	assert_memory_equal(w, "\2wl\7example\3org", 16);
	zone_free(z);
	assert_int_equal(zone_new("bad..name", &z), DX_EINVAL);
}

static void
test_union_and_status(void **state)
{
	struct tu_ds *a = tu_load("ip4set", "1.1.1.1 :3:a\n");
	struct tu_ds *b = tu_load("ip4trie", "1.1.1.0/24 :4:b\n!1.1.1.9\n");
	struct tu_ds *c = tu_load("ip6trie", "2001:db8::/32 :6:six\n");
	struct zone *z;
	struct dx_hits h;
	struct tu_q q;
	(void)state;
	assert_int_equal(zone_new("bl.example", &z), 0);
	assert_int_equal(zone_add_dataset(z, a->ds), 0);
	assert_int_equal(zone_add_dataset(z, b->ds), 0);
	assert_int_equal(zone_add_dataset(z, c->ds), 0);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	assert_int_equal(zone_dataset_count(z), 3);
	assert_ptr_equal(zone_dataset(z, 1), b->ds);

	assert_int_equal(zq(z, "1.1.1.1", &h), ZONE_FOUND);
	assert_int_equal(h.n, 2);
	assert_ptr_equal(h.hit[0].ds, a->ds);
	assert_int_equal(ntohl(h.hit[0].val->a), 0x7f000003);
	assert_ptr_equal(h.hit[1].ds, b->ds);
	assert_int_equal(ntohl(h.hit[1].val->a), 0x7f000004);
	assert_int_equal(zq(z, "2.1.1.1", &h), ZONE_FOUND);
	assert_int_equal(h.n, 1);
	assert_int_equal(zq(z, "9.1.1.1", &h), ZONE_NXDOMAIN);
	assert_int_equal(zq(z, "1.1.1.2", &h), ZONE_NXDOMAIN);
	/* empty non-terminals and the apex exist */
	assert_int_equal(zq(z, "1.1.1", &h), ZONE_NODATA);
	assert_int_equal(zq(z, "1.1", &h), ZONE_NODATA);
	assert_int_equal(zq(z, "1", &h), ZONE_NODATA);
	assert_int_equal(zq(z, "3", &h), ZONE_NXDOMAIN);
	assert_int_equal(zq(z, "", &h), ZONE_NODATA);
	assert_int_equal(h.n, 0);
	assert_int_equal(zq(z, "www", &h), ZONE_NXDOMAIN);
	assert_int_equal(zq(z, "1.1.1.1.1", &h), ZONE_NXDOMAIN);
	/* IPv6 */
	assert_int_equal(zone_query(z, tu_qip(&q, "2001:db8::1"), &h), ZONE_FOUND);
	assert_int_equal(h.hit[0].family, 6);
	assert_int_equal(zq(z, "8.b.d.0.1.0.0.2", &h), ZONE_NODATA);
	assert_int_equal(zq(z, "9.b.d.0.1.0.0.2", &h), ZONE_NXDOMAIN);
	/* an IPv4-mapped IPv6 name asks the IPv4 datasets */
	assert_int_equal(zone_query(z, tu_qip(&q, "::ffff:1.1.1.1"), &h), ZONE_FOUND);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.hit[0].family, 4);
	/* 6to4: 2002:0101:0101::/48 carries 1.1.1.1 */
	assert_int_equal(zone_query(z, tu_qip(&q, "2002:101:101::5"), &h), ZONE_FOUND);
	assert_int_equal(h.n, 2);
	{
		/* "$" in its TXT is that IPv4 address (regression: 0.0.0.0) */
		struct tu_ds *d = tu_load("ip4trie", "1.2.3.0/24 :2:Host $\n");
		struct zone *z2;
		char txt[64];
		assert_int_equal(zone_new("bl.example", &z2), 0);
		zone_add_dataset(z2, d->ds);
		assert_int_equal(zone_finish(z2, &opts_default, NULL), 0);
		assert_int_equal(zone_query(z2, tu_qip(&q, "2002:102:304::"), &h),
		    ZONE_FOUND);
		assert_true(dataset_txt_expand(&h.hit[0], &q.q, txt,
		    sizeof(txt)) > 0);
		assert_string_equal(txt, "Host 1.2.3.4");
		assert_int_equal(zone_query(z2, tu_qip(&q, "::ffff:1.2.3.5"), &h),
		    ZONE_FOUND);
		assert_true(dataset_txt_expand(&h.hit[0], &q.q, txt,
		    sizeof(txt)) > 0);
		assert_string_equal(txt, "Host 1.2.3.5");
		zone_free(z2);
		tu_free(d);
	}
	zone_free(z);

	/* rbldnsd compatibility: empty non-terminals are NXDOMAIN */
	{
		struct zone_opts o = opts_default;
		o.ent_nxdomain = true;
		assert_int_equal(zone_new("bl.example", &z), 0);
		zone_add_dataset(z, a->ds);
		assert_int_equal(zone_finish(z, &o, NULL), 0);
		assert_int_equal(zq(z, "1.1", &h), ZONE_NXDOMAIN);
		assert_int_equal(zq(z, "", &h), ZONE_NODATA);
		assert_int_equal(zq(z, "1.1.1.1", &h), ZONE_FOUND);
		zone_free(z);
	}
	tu_free(a);
	tu_free(b);
	tu_free(c);
}

static void
test_soa_ns_choice(void **state)
{
	struct tu_ds *a = tu_load("ip4set", "1.1.1.1\n");
	struct tu_ds *b = tu_load("ip4set",
	    "$SOA 1h ns1.b.example hm.b.example 0 2h 1h 1w 5m\n$NS 0 ns1.b.example\n");
	struct tu_ds *c = tu_load("ip4set",
	    "$SOA 1h ns1.c.example hm.c.example 77 2h 1h 1w 5m\n"
	    "$NS 0 ns1.c.example ns2.c.example\n");
	struct zone *z;
	(void)state;
	set_mtime(a, 1700000000);
	set_mtime(b, 1600000000);
	set_mtime(c, 1500000000);
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, a->ds);
	zone_add_dataset(z, c->ds);
	zone_add_dataset(z, b->ds);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	/* c is the first with $SOA and $NS */
	assert_int_equal(zone_soa(z)->serial, 77);
	assert_memory_equal(zone_soa(z)->mname, "\3ns1\1c\7example", 15);
	assert_int_equal(zone_ns(z)->n, 2);
	assert_int_equal(zone_ns(z)->ttl, 2100);
	assert_int_equal(zone_negative_ttl(z), 300);
	zone_free(z);
	/* serial 0: the newest data file of the zone */
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, b->ds);
	zone_add_dataset(z, a->ds);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	assert_int_equal(zone_soa(z)->serial, 1700000000);
	assert_int_equal(zone_soa(z)->ttl, 3600);
	assert_int_equal(zone_ns(z)->n, 1);
	zone_free(z);
	/* none: synthesized from the options */
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, a->ds);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	assert_true(zone_soa(z)->set);
	assert_int_equal(zone_soa(z)->serial, 1700000000);
	assert_int_equal(zone_soa(z)->ttl, 2100);
	assert_int_equal(zone_soa(z)->minttl, 2100);
	assert_memory_equal(zone_soa(z)->mname, "\2ns\7example\3org", 16);
	assert_memory_equal(zone_soa(z)->rname, "\12hostmaster\7example\3org", 24);
	assert_int_equal(zone_ns(z)->n, 0);
	assert_int_equal(zone_negative_ttl(z), 2100);
	zone_free(z);
	tu_free(a);
	tu_free(b);
	tu_free(c);
}

static void
test_rfc5782(void **state)
{
	struct tu_ds *a = tu_load("ip4set", "127.0.0.0/8 :5:loop\n");
	struct tu_ds *b = tu_load("ip6trie", "2001:db8::/32\n");
	struct zone *z;
	struct zone_opts off = opts_default;
	struct dx_hits h;
	struct tu_q q;
	char txt[300];
	(void)state;
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, a->ds);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	assert_int_equal(zq(z, "1.0.0.127", &h), ZONE_NXDOMAIN);
	/* listed by the data: the data answers */
	assert_int_equal(zq(z, "2.0.0.127", &h), ZONE_FOUND);
	assert_int_equal(h.n, 1);
	assert_int_equal(ntohl(h.hit[0].val->a), 0x7f000005);
	assert_int_equal(zq(z, "3.0.0.127", &h), ZONE_FOUND);
	zone_free(z);

	/* an IPv6 zone without 127.0.0.2 gets the test entry */
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, b->ds);
	assert_int_equal(zone_finish(z, &opts_default, NULL), 0);
	assert_int_equal(zone_query(z, tu_qip(&q, "::ffff:127.0.0.2"), &h), ZONE_FOUND);
	assert_int_equal(h.n, 1);
	assert_int_equal(ntohl(h.hit[0].val->a), 0x7f000002);
	assert_int_equal(dataset_txt_expand(&h.hit[0], &q.q, txt, sizeof(txt)), 19);
	assert_string_equal(txt, "RFC 5782 test entry");
	assert_int_equal(dataset_ttl(h.hit[0].ds), 2100);
	assert_int_equal(zone_query(z, tu_qip(&q, "::ffff:127.0.0.1"), &h), ZONE_NXDOMAIN);
	assert_int_equal(zq(z, "2.0.0.127", &h), ZONE_FOUND);
	assert_int_equal(zq(z, "0.0.127", &h), ZONE_NODATA);
	assert_int_equal(zq(z, "0.0.128", &h), ZONE_NXDOMAIN);
	zone_free(z);

	off.rfc5782_tests = false;
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, a->ds);
	assert_int_equal(zone_finish(z, &off, NULL), 0);
	assert_int_equal(zq(z, "1.0.0.127", &h), ZONE_FOUND);
	zone_free(z);
	assert_int_equal(zone_new("bl.example", &z), 0);
	zone_add_dataset(z, b->ds);
	assert_int_equal(zone_finish(z, &off, NULL), 0);
	assert_int_equal(zq(z, "2.0.0.127", &h), ZONE_NXDOMAIN);
	zone_free(z);
	tu_free(a);
	tu_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_union_and_status),
		cmocka_unit_test(test_soa_ns_choice),
		cmocka_unit_test(test_rfc5782),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

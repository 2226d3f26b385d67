/* test_ds_combined.c -- combined: subzones, nested datasets, the most
 * specific subzone, $TTL scopes, fatal and bad lines. The answers are those
 * rbldnsd 1.0 gave on the same file (recorded on loopback), except for the
 * names above a subzone, which exist here (RFC 8020) and not in rbldnsd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_testutil.h"
#include "errcode.h"

static const char comb_txt[] =
    "# common\n"
    "$TTL 600\n"
    "$SOA 1w ns1.ex.com admin.ex.com 5 2h 2h 1w 1h\n"
    "$NS 1d ns1.ex.com ns2.ex.com\n"
    "$DATASET ip4set:proxy proxies @\n"
    ":2:Open proxy $\n"
    "127.0.0.2\n"
    "127.0.0.10\n"
    "$DATASET dnset:names deep.sub.names @ # comment\n"
    ":7:name $\n"
    "spam.com\n"
    "$DATASET generic:common proxies @ x.y\n"
    "@ A 127.0.0.8\n"
    "www A 127.0.0.9\n"
    "$DATASET ip4set two.levels\n"
    "$TTL 99\n"
    "127.0.0.3\n"
    "$DATASET ip4set:nozones\n"
    "127.0.0.4\n";

/* What the nested datasets say at name: "" when the name does not exist,
 * "-" when it exists without records, else "A ttl a [txt]; ..." (generic:
 * "rr A ttl a"). dataset_txt_expand() takes "$" from the name below the
 * subzone (dx_hit.qlabels). */
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
	if (!hits.n)
		return "-";
	for (i = 0; i < hits.n; i++) {
		const struct dx_hit *h = &hits.hit[i];
		size_t o = strlen(out);
		assert_int_not_equal(h->qlabels, 0);
		if (h->rr) {
			const uint8_t *d = h->rr[0].rdata;
			assert_int_equal(h->nrr, 1);
			snprintf(out + o, sizeof(out) - o, "%srr A %u %u.%u.%u.%u",
			    i ? "; " : "", h->rr[0].ttl, d[0], d[1], d[2], d[3]);
			continue;
		}
		snprintf(out + o, sizeof(out) - o, "%s%s ttl %u", i ? "; " : "",
		    tu_hit(&hits, i, &q), dataset_ttl(h->ds));
	}
	return out;
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
test_subzones(void **state)
{
	const char *texts[] = { comb_txt, NULL };
	char paths[4][64], want[512];
	struct tu_log log = {0};
	struct dataset *ds;
	const struct ds_soa *soa;
	(void)state;

	assert_int_equal(tu_load("combined", texts, &log, paths, &ds), 0);
	snprintf(want, sizeof(want), "%s:18: no subzone(s) specified for "
	    "dataset, data will be ignored\n", paths[0]);
	assert_string_equal(log.text, want);
	/* $SOA and $NS are the base zone's, wherever they are */
	soa = dataset_soa(ds);
	assert_true(soa->set);
	assert_int_equal(soa->ttl, 604800);
	assert_int_equal(soa->serial, 5);
	assert_int_equal(dataset_ns(ds)->n, 2);
	assert_int_equal(dataset_ns(ds)->ttl, 86400);

	/* the base zone: @ datasets (ip4set proxy, dnset names, generic) */
	assert_string_equal(ask(ds, ""), "rr A 600 127.0.0.8");
	assert_string_equal(ask(ds, "2.0.0.127"),
	    "127.0.0.2 Open proxy 127.0.0.2 ttl 600");
	assert_string_equal(ask(ds, "www"), "rr A 600 127.0.0.9");
	assert_string_equal(ask(ds, "spam.com"), "127.0.0.7 name spam.com ttl 600");
	assert_string_equal(ask(ds, "3.0.0.127"), "");
	assert_string_equal(ask(ds, "4.0.0.127"), "");
	assert_string_equal(ask(ds, "foo"), "");
	/* subzones: the most specific one answers, names re-parsed below it */
	assert_string_equal(ask(ds, "proxies"), "rr A 600 127.0.0.8");
	assert_string_equal(ask(ds, "2.0.0.127.proxies"),
	    "127.0.0.2 Open proxy 127.0.0.2 ttl 600");
	assert_string_equal(ask(ds, "10.0.0.127.proxies"),
	    "127.0.0.2 Open proxy 127.0.0.10 ttl 600");
	assert_string_equal(ask(ds, "www.proxies"), "rr A 600 127.0.0.9");
	assert_string_equal(ask(ds, "2.0.0.127.foo.proxies"), "");
	assert_string_equal(ask(ds, "spam.com.deep.sub.names"),
	    "127.0.0.7 name spam.com ttl 600");
	assert_string_equal(ask(ds, "deep.sub.names"), "-");
	assert_string_equal(ask(ds, "x.y"), "rr A 600 127.0.0.8");
	assert_string_equal(ask(ds, "www.x.y"), "rr A 600 127.0.0.9");
	/* $TTL inside a section is that nested dataset's */
	assert_string_equal(ask(ds, "3.0.0.127.two.levels"), "127.0.0.2 - ttl 99");
	assert_string_equal(ask(ds, "two.levels"), "-");
	/* above a subzone: not a name of any nested dataset ... */
	assert_string_equal(ask(ds, "sub.names"), "");
	assert_string_equal(ask(ds, "names"), "");
	assert_string_equal(ask(ds, "y"), "");
	assert_string_equal(ask(ds, "levels"), "");
	/* ... but it has names below it (rbldnsd: NXDOMAIN) */
	assert_true(below(ds, "sub.names"));
	assert_true(below(ds, "names"));
	assert_true(below(ds, "y"));
	assert_true(below(ds, "levels"));
	assert_true(below(ds, ""));
	assert_false(below(ds, "foo"));
	assert_false(below(ds, "www.x.y"));
	assert_false(below(ds, "z.levels"));
	dataset_free(ds);
}

static void
fatal_case(const char *text, unsigned line, const char *msg)
{
	const char *texts[] = { text, NULL };
	char paths[4][64], want[256];
	struct tu_log log = {0};
	struct dataset *ds;

	assert_int_equal(tu_load("combined", texts, &log, paths, &ds),
	    DX_EINVAL);
	snprintf(want, sizeof(want), "%s:%u: %s\n", paths[0], line, msg);
	assert_string_equal(log.text, want);
	dataset_free(ds);
}

/* rbldnsd refuses the whole dataset for these. */
static void
test_fatal(void **state)
{
	(void)state;
	fatal_case("$TTL 60\n127.0.0.2\n", 2,
	    "invalid/unrecognized entry - specify $DATASET line");
	fatal_case("$DATASET bogus x\n", 1, "unknown dataset type `bogus'");
	fatal_case("$DATASET ip4set a\n1.2.3.4\n$DATASET combined:c b\n", 3,
	    "dataset type `combined' cannot be used inside `combined'");
	fatal_case("$DATASET acl @\n", 1,
	    "dataset type `acl' cannot be used inside `combined'");
}

static void
test_bad_subzone(void **state)
{
	const char *texts[] = {
		"$DATASET dnset "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		" ok\n"
		"a.com\n"
		"$DATASET\n"
		"b.com\n",
		NULL };
	char paths[4][64], want[512];
	struct tu_log log = {0};
	struct dataset *ds;
	(void)state;

	assert_int_equal(tu_load("combined", texts, &log, paths, &ds), 0);
	snprintf(want, sizeof(want),
	    "%s:1: invalid domain name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaa'\n"
	    "%s:3: invalid or unrecognized special entry\n",
	    paths[0], paths[0]);
	assert_string_equal(log.text, want);
	/* a bare "$DATASET" is ignored: b.com stays in the dnset section */
	assert_string_equal(ask(ds, "a.com.ok"), "127.0.0.2 - ttl 2100");
	assert_string_equal(ask(ds, "b.com.ok"), "127.0.0.2 - ttl 2100");
	dataset_free(ds);
}

/* Each file is read in its own sections: the second file must start one. */
static void
test_section_per_file(void **state)
{
	const char *ok[] = { "$DATASET dnset sub\n:3:t\nx.com\n",
	    "$DATASET dnset sub\ny.com\n", NULL };
	const char *bad[] = { "$DATASET dnset sub\nx.com\n", "y.com\n", NULL };
	char paths[4][64], want[256];
	struct tu_log log = {0};
	struct dataset *ds;
	(void)state;

	assert_int_equal(tu_load("combined", ok, &log, paths, &ds), 0);
	assert_int_equal(log.n, 0);
	assert_string_equal(ask(ds, "x.com.sub"), "127.0.0.3 t ttl 2100");
	assert_string_equal(ask(ds, "y.com.sub"), "127.0.0.2 - ttl 2100");
	dataset_free(ds);

	assert_int_equal(tu_load("combined", bad, &log, paths, &ds), DX_EINVAL);
	snprintf(want, sizeof(want), "%s:1: invalid/unrecognized entry - "
	    "specify $DATASET line\n", paths[1]);
	assert_string_equal(log.text, want);
	dataset_free(ds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subzones),
		cmocka_unit_test(test_fatal),
		cmocka_unit_test(test_bad_subzone),
		cmocka_unit_test(test_section_per_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

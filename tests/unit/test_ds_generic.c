/* test_ds_generic.c -- generic records, TTLs, pre-encoded rdata and the
 * parse rules rbldnsd 1.0 showed on the same file (recorded on loopback):
 * A/TXT/MX only, "@" apex, inet_aton A forms, fatal bad TTL / MX name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_testutil.h"
#include "errcode.h"

static const char gen_txt[] =
    "@ A 127.0.0.8\n"
    "@ TXT apex text\n"
    "www 3000 A 127.0.0.9\n"
    "www IN TXT \"hello world\"\n"
    "www 1h in mx 10 MX.Example.COM.\n"
    "www 0 A 127.1\n"
    "multi A 10.0.0.1\n"
    "multi A 10.0.0.2\n"
    "Upper.Sub a 1\n"
    "q TXT \"unbalanced\n"
    "bad XYZ 1\n"
    "www AAAA ::1\n"
    "ns NS ns1.example.com\n"
    "big MX 65536 mx.example.com\n"
    "notype\n"
    "noval A\n"
    "$TTL 600\n"
    "late A 10.9.9.9\n";

/* The records at name as "TYPE ttl value; ...", "" when the name is not
 * there (NXDOMAIN for this dataset). */
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
	assert_int_equal(hits.n, 1);
	assert_null(hits.hit[0].val);
	for (i = 0; i < hits.hit[0].nrr; i++) {
		const struct dx_rr *rr = &hits.hit[0].rr[i];
		const uint8_t *d = rr->rdata;
		size_t o = strlen(out);
		char *p = out + o;
		size_t left = sizeof(out) - o;

		if (i) {
			snprintf(p, left, "; ");
			p += 2;
			left -= 2;
		}
		switch (rr->type) {
		case 1:
			assert_int_equal(rr->rdlen, 4);
			snprintf(p, left, "A %u %u.%u.%u.%u", rr->ttl, d[0], d[1],
			    d[2], d[3]);
			break;
		case 16:
			assert_int_equal(rr->rdlen, d[0] + 1);
			snprintf(p, left, "TXT %u %.*s", rr->ttl, d[0], d + 1);
			break;
		case 15: {
			char target[256];
			unsigned pos = 2, n = 0;
			while (d[pos]) {
				if (n)
					target[n++] = '.';
				memcpy(target + n, d + pos + 1, d[pos]);
				n += d[pos];
				pos += d[pos] + 1u;
			}
			target[n] = '\0';
			assert_int_equal(rr->rdlen, pos + 1);
			snprintf(p, left, "MX %u %u %s", rr->ttl,
			    (unsigned)d[0] << 8 | d[1], target);
			break;
		}
		default:
			snprintf(p, left, "type%u", rr->type);
		}
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
test_records(void **state)
{
	const char *texts[] = { gen_txt, NULL };
	char paths[4][64], want[2048];
	struct tu_log log = {0};
	struct dataset *ds;
	(void)state;

	assert_int_equal(tu_load("generic", texts, &log, paths, &ds), 0);
	snprintf(want, sizeof(want),
	    "%s:11: invalid/unrecognized entry\n"
	    "%s:12: invalid/unrecognized entry\n"
	    "%s:13: invalid/unrecognized entry\n"
	    "%s:14: invalid/unrecognized entry\n"
	    "%s:15: invalid/unrecognized entry\n"
	    "%s:16: invalid/unrecognized entry\n",
	    paths[0], paths[0], paths[0], paths[0], paths[0], paths[0]);
	assert_string_equal(log.text, want);

	assert_string_equal(ask(ds, ""), "A 2100 127.0.0.8; TXT 2100 apex text");
	/* grouped A, MX, TXT (rbldnsd's ANY order), file order inside */
	assert_string_equal(ask(ds, "www"),
	    "A 3000 127.0.0.9; A 2100 127.0.0.1; MX 3600 10 MX.Example.COM; "
	    "TXT 2100 hello world");
	assert_string_equal(ask(ds, "multi"), "A 2100 10.0.0.1; A 2100 10.0.0.2");
	assert_string_equal(ask(ds, "upper.sub"), "A 2100 0.0.0.1");
	assert_string_equal(ask(ds, "q"), "TXT 2100 \"unbalanced");
	assert_string_equal(ask(ds, "late"), "A 600 10.9.9.9");
	assert_string_equal(ask(ds, "sub"), "");
	assert_string_equal(ask(ds, "bad"), "");
	assert_string_equal(ask(ds, "ns"), "");
	assert_string_equal(ask(ds, "big"), "");
	assert_string_equal(ask(ds, "www.www"), "");
	assert_int_equal(dataset_entries(ds), 11);

	assert_true(below(ds, ""));
	assert_true(below(ds, "sub"));
	assert_false(below(ds, "www"));
	assert_false(below(ds, "upper.sub"));
	assert_false(below(ds, "x.sub"));
	dataset_free(ds);
}

/* rbldnsd drops the whole dataset for these (zone not serviced). */
static void
fatal_case(const char *text, unsigned line, const char *msg)
{
	const char *texts[] = { text, NULL };
	char paths[4][64], want[256];
	struct tu_log log = {0};
	struct dataset *ds;

	assert_int_equal(tu_load("generic", texts, &log, paths, &ds), DX_EINVAL);
	snprintf(want, sizeof(want), "%s:%u: %s\n", paths[0], line, msg);
	assert_string_equal(log.text, want);
	dataset_free(ds);
}

static void
test_fatal_lines(void **state)
{
	(void)state;
	fatal_case("ok A 1.2.3.4\nx 12q A 1.2.3.4\n", 2, "invalid TTL");
	fatal_case("x MX 10 mx.example.com junk\n", 1, "invalid MX target");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_fatal_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ds_ip.c -- the IP dataset types (ip4set, ip4tset, ip4trie, ip6trie,
 * ip6tset) answer exactly as rbldnsd: ranges, values, exclusions, scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dx_testutil.h"

static void
range_case(const char *line, const char *in1, const char *in2,
    const char *out1, const char *out2)
{
	struct tu_ds *t = tu_load("ip4set", line);
	assert_int_equal(t->rc, 0);
	if (strcmp(tu_ans(t->ds, in1), "127.0.0.2") != 0)
		fail_msg("%s: %s not listed (%s)", line, in1, t->cap.all);
	assert_string_equal(tu_ans(t->ds, in2), "127.0.0.2");
	if (strcmp(tu_ans(t->ds, out1), "-") != 0)
		fail_msg("%s: %s listed", line, out1);
	assert_string_equal(tu_ans(t->ds, out2), "-");
	assert_int_equal(t->d.warnings + t->d.errors, 0);
	tu_free(t);
}

/* Every form of the man page for 127.0.0.0/24 and 127.16.0.0/12. */
static void
test_ip4set_man_ranges(void **state)
{
	static const char *const c24[] = { "127.0.0.0/24", "127.0.0", "127/24"
	    /* host bits: 127/24 = 127.0.0.0/24 */, "127-127.0.0",
	    "127.0.0.0-127.0.0.255", NULL };
	static const char *const c12[] = { "127.16.0.0-127.31.255.255",
	    "127.16.0-127.31.255", "127.16-127.31", "127.16-31",
	    "127.16.0.0/12", "127.16.0/12", "127.16/12", NULL };
	unsigned i;
	(void)state;
	for (i = 0; c24[i]; i++) {
		if (strcmp(c24[i], "127-127.0.0") == 0)
			continue;       /* different lengths: refused, below */
		range_case(c24[i], "127.0.0.0", "127.0.0.255", "127.0.1.0",
		    "126.255.255.255");
	}
	for (i = 0; c12[i]; i++)
		range_case(c12[i], "127.16.0.0", "127.31.255.255",
		    "127.15.255.255", "127.32.0.0");
	/* suffix form on the last octet */
	{
		struct tu_ds *t = tu_load("ip4set", "127.0.0.1-255\n127.16.0-31\n");
		assert_string_equal(tu_ans(t->ds, "127.0.0.0"), "-");
		assert_string_equal(tu_ans(t->ds, "127.0.0.1"), "127.0.0.2");
		assert_string_equal(tu_ans(t->ds, "127.0.0.255"), "127.0.0.2");
		assert_string_equal(tu_ans(t->ds, "127.16.31.255"), "127.0.0.2");
		assert_string_equal(tu_ans(t->ds, "127.16.32.0"), "-");
		tu_free(t);
	}
}

static void
test_ip4set_bad_ranges(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set", "127-127.0.0\n127\n1.2.3.400\n1.2.3.4x\n"
	    "1.2.3.9-1.2.3.1\n5.6.7.8\n");
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->d.warnings, 5);
	assert_non_null(strstr(t->cap.all, ":1: invalid address"));
	assert_non_null(strstr(t->cap.all, ":3: invalid address"));
	assert_non_null(strstr(t->cap.all, ":5: invalid address"));
	assert_string_equal(tu_ans(t->ds, "5.6.7.8"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "127.0.0.1"), "-");
	assert_int_equal(dataset_entries(t->ds), 1);
	tu_free(t);
}

static void
test_ip4set_values(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set",
	    "# default A value and TXT template\n"
	    ":127.0.0.2:IP address $ is listed\n"
	    "127.0.0.4\n"
	    "127.0.0.5 :5\n"
	    "127.0.0.6 :6:\n"
	    "127.0.0.7 IP address $ running an open relay\n"
	    "127.0.0.8:9:direct\n"
	    "127.0.0.10 ; comment, default value\n"
	    "127.0.0.11 :1.2:x\n"
	    "127.0.0.12 :5 junk\n"
	    "127.0.0.13 :0:zero\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "127.0.0.4"),
	    "127.0.0.2 IP address 127.0.0.4 is listed");
	assert_string_equal(tu_ans(t->ds, "127.0.0.5"),
	    "127.0.0.5 IP address 127.0.0.5 is listed");
	assert_string_equal(tu_ans(t->ds, "127.0.0.6"), "127.0.0.6");
	assert_string_equal(tu_ans(t->ds, "127.0.0.7"),
	    "127.0.0.2 IP address 127.0.0.7 running an open relay");
	assert_string_equal(tu_ans(t->ds, "127.0.0.8"), "127.0.0.9 direct");
	assert_string_equal(tu_ans(t->ds, "127.0.0.10"),
	    "127.0.0.2 IP address 127.0.0.10 is listed");
	/* inet_aton short form, as rbldnsd: 1.2 is 1.0.0.2 */
	assert_string_equal(tu_ans(t->ds, "127.0.0.11"), "1.0.0.2 x");
	assert_string_equal(tu_ans(t->ds, "127.0.0.12"), "-");
	assert_string_equal(tu_ans(t->ds, "127.0.0.13"), "-");
	assert_non_null(strstr(t->cap.all, ":10: invalid value"));
	assert_non_null(strstr(t->cap.all, ":11: invalid value"));
	tu_free(t);
}

static void
test_ip4set_subst_vars(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set",
	    "$1 See http://www.example.com/bl\n"
	    "$2 for details\n"
	    "$1 ignored second definition\n"
	    "127.0.0.2  $1/spammer/$ $2\n"
	    "127.0.0.3  $1/relay/$ $2\n"
	    "127.0.0.4  This spammer wants some $$$$.  $1/$\n"
	    "127.0.0.5  undefined $7 stays, $x is entry+x\n");
	assert_string_equal(tu_ans(t->ds, "127.0.0.2"),
	    "127.0.0.2 See http://www.example.com/bl/spammer/127.0.0.2 for details");
	assert_string_equal(tu_ans(t->ds, "127.0.0.3"),
	    "127.0.0.2 See http://www.example.com/bl/relay/127.0.0.3 for details");
	assert_string_equal(tu_ans(t->ds, "127.0.0.4"),
	    "127.0.0.2 This spammer wants some $$.  See http://www.example.com/bl/127.0.0.4");
	assert_string_equal(tu_ans(t->ds, "127.0.0.5"),
	    "127.0.0.2 undefined $7 stays, 127.0.0.5x is entry+x");
	tu_free(t);
}

static void
test_ip4set_base_template(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set",
	    "$= See http://www.example.com/bl?$= ($) for details\n"
	    "127.0.0.2    r123\n"
	    "127.0.0.3\n"
	    "127.0.0.4    =See other blocklists for details about $\n"
	    "127.0.0.5    :7:\n");
	assert_string_equal(tu_ans(t->ds, "127.0.0.2"),
	    "127.0.0.2 See http://www.example.com/bl?r123 (127.0.0.2) for details");
	assert_string_equal(tu_ans(t->ds, "127.0.0.3"),
	    "127.0.0.2 See http://www.example.com/bl?127.0.0.3 (127.0.0.3) for details");
	assert_string_equal(tu_ans(t->ds, "127.0.0.4"),
	    "127.0.0.2 See other blocklists for details about 127.0.0.4");
	/* no TXT of its own: the base template still applies (rbldnsd) */
	assert_string_equal(tu_ans(t->ds, "127.0.0.5"),
	    "127.0.0.7 See http://www.example.com/bl?127.0.0.5 (127.0.0.5) for details");
	tu_free(t);
}

static void
test_ip4set_granularity_and_multi(void **state)
{
	struct tu_ds *t;
	struct dx_hits h;
	(void)state;
	t = tu_load("ip4set",
	    "10.0.0.0/8 :2:eight\n"
	    "10.1.0.0/16 :3:sixteen\n"
	    "10.1.1.0/24 :4:tf\n"
	    "10.1.1.1 :5:one\n"
	    "10.1.1.1 :6:one-b\n"
	    "10.1.1.1 :5:one\n"
	    "10.1.1.128/25 :7:half\n"
	    "11.0.0.0-11.1.255.255 :8:two16\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "10.1.1.1"), "127.0.0.5 one | 127.0.0.6 one-b");
	assert_string_equal(tu_ans(t->ds, "10.1.1.2"), "127.0.0.4 tf");
	assert_string_equal(tu_ans(t->ds, "10.1.1.200"), "127.0.0.7 half");
	assert_string_equal(tu_ans(t->ds, "10.1.2.1"), "127.0.0.3 sixteen");
	assert_string_equal(tu_ans(t->ds, "10.2.0.0"), "127.0.0.2 eight");
	assert_string_equal(tu_ans(t->ds, "11.1.255.255"), "127.0.0.8 two16");
	assert_string_equal(tu_ans(t->ds, "11.2.0.0"), "-");
	/* matched prefix: the granularity key; a /25 is 128 /32 keys */
	assert_int_equal(tu_query(t->ds, "10.1.1.200", &h), 1);
	assert_int_equal(h.hit[0].plen, 32);
	assert_int_equal(tu_query(t->ds, "10.1.1.2", &h), 1);
	assert_int_equal(h.hit[0].plen, 24);
	assert_int_equal(h.hit[0].prefix[2], 1);
	assert_int_equal(h.hit[0].family, 4);
	assert_int_equal(tu_query(t->ds, "10.9.9.9", &h), 1);
	assert_int_equal(h.hit[0].plen, 8);
	/* 4 single keys + 3 + 128 + 2 /16 keys */
	assert_int_equal(dataset_entries(t->ds), 1 + 1 + 1 + 3 + 128 + 2);
	tu_free(t);
}

static void
test_ip4set_exclusions(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set",
	    "10.0.0.0/8\n"
	    "!10.2.3.4\n"
	    "! 10.3.0.0/16 :5:value ignored\n"
	    "10.3.3.3\n"
	    "1.2.3.4 :3\n"
	    "!1.2.3.4\n");
	assert_string_equal(tu_ans(t->ds, "10.2.3.4"), "-");
	assert_string_equal(tu_ans(t->ds, "10.2.3.5"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "10.3.1.1"), "-");
	assert_string_equal(tu_ans(t->ds, "10.3.3.3"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "1.2.3.4"), "-");
	tu_free(t);
}

static void
test_ip4set_host_bits(void **state)
{
	struct ds_loadopts o = { .ttl_default = 60, .allow_host_bits = true };
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set", "127.2.3.4/24\n1.2.3.0/24\n");
	assert_string_equal(tu_ans(t->ds, "127.2.3.9"), "-");
	assert_string_equal(tu_ans(t->ds, "1.2.3.9"), "127.0.0.2");
	assert_non_null(strstr(t->cap.all, ":1: invalid range (non-zero host part)"));
	assert_int_equal(t->d.warnings, 1);
	tu_free(t);
	t = tu_load_opts("ip4set", &o, NULL, "127.2.3.4/24\n", NULL);
	assert_string_equal(tu_ans(t->ds, "127.2.3.9"), "127.0.0.2");
	assert_int_equal(t->d.warnings, 0);
	tu_free(t);
}

static void
test_default_scope_per_file(void **state)
{
	struct dx_value cfg = { 0, "svc $" };
	struct tu_ds *t;
	(void)state;
	t = tu_load_opts("ip4set", NULL, NULL, ":3:first\n1.1.1.1\n",
	    "2.2.2.2\n:4:x\n3.3.3.3\n");
	assert_string_equal(tu_ans(t->ds, "1.1.1.1"), "127.0.0.3 first");
	assert_string_equal(tu_ans(t->ds, "2.2.2.2"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "3.3.3.3"), "127.0.0.4 x");
	tu_free(t);
	/* the config value is the default of each file, a file line wins */
	cfg.a = htonl(0x7f000011);
	t = tu_load_opts("ip4set", NULL, &cfg, "1.1.1.1\n:5:own\n1.1.1.2\n",
	    "2.2.2.2 :6\n");
	assert_string_equal(tu_ans(t->ds, "1.1.1.1"), "127.0.0.17 svc 1.1.1.1");
	assert_string_equal(tu_ans(t->ds, "1.1.1.2"), "127.0.0.5 own");
	assert_string_equal(tu_ans(t->ds, "2.2.2.2"), "127.0.0.6 svc 2.2.2.2");
	tu_free(t);
}

/* Entries without a value (nothing, blanks, a comment after them) take
 * the default in scope, which lines change mid-file; entries with one in
 * between must not disturb that (the default's index is cached), nor an
 * empty TXT, nor the configured default of the next file. */
static void
test_default_values_interleaved(void **state)
{
	struct dx_value cfg = { 0, "cfg $" };
	struct tu_ds *t;
	(void)state;
	cfg.a = htonl(0x7f000009);
	for (int six = 0; six < 2; six++) {
		t = tu_load_opts(six ? "ip6trie" : "ip4trie", NULL, &cfg, six ?
		    "2001:db8:1::/48\n:3:three\n2001:db8:2::/48 \t\n"
		    "2001:db8:3::/48 :4:four\n2001:db8:4::/48\t# c\n"
		    "2001:db8:5::/48 ;c\n:5:\n2001:db8:6::/48\n"
		    "2001:db8:7::/48 :6:six\n2001:db8:8::/48\n:3:other\n"
		    "2001:db8:9::/48\n" :
		    "10.1.0.0/16\n:3:three\n10.2.0.0/16 \t\n"
		    "10.3.0.0/16 :4:four\n10.4.0.0/16\t# c\n"
		    "10.5.0.0/16 ;c\n:5:\n10.6.0.0/16\n"
		    "10.7.0.0/16 :6:six\n10.8.0.0/16\n:3:other\n"
		    "10.9.0.0/16\n",
		    six ? "2001:db8:a::/48\n" : "10.10.0.0/16\n");
		assert_int_equal(t->rc, 0);
		assert_int_equal(t->d.warnings + t->d.errors, 0);
		static const char *const want4[] = {
			"127.0.0.9 cfg 10.1.0.1", "127.0.0.3 three",
			"127.0.0.4 four", "127.0.0.3 three", "127.0.0.3 three",
			"127.0.0.5", "127.0.0.6 six", "127.0.0.5",
			"127.0.0.3 other", "127.0.0.9 cfg 10.10.0.1",
		};
		for (unsigned i = 0; i < 10; i++) {
			char q[64], w[80];
			if (six)
				snprintf(q, sizeof(q), "2001:db8:%x::1", i + 1);
			else
				snprintf(q, sizeof(q), "10.%u.0.1", i + 1);
			snprintf(w, sizeof(w), "%s", want4[i]);
			if (six && (i == 0 || i == 9))
				snprintf(w, sizeof(w), "127.0.0.9 cfg %s", q);
			assert_string_equal(tu_ans(t->ds, q), w);
		}
		tu_free(t);
	}
}

static void
test_maxrange4(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set", "10.0.0.0/16\n$MAXRANGE4 /24\n10.1.0.0/16\n"
	    "10.2.2.0/24\n$MAXRANGE4 65536\n10.3.0.0/16\n$MAXRANGE4 16\n"
	    "10.4.4.0/28\n10.4.5.0/27\n");
	assert_string_equal(tu_ans(t->ds, "10.0.5.5"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "10.1.5.5"), "-");
	assert_string_equal(tu_ans(t->ds, "10.2.2.2"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "10.3.5.5"), "-");
	assert_string_equal(tu_ans(t->ds, "10.4.4.4"), "127.0.0.2");
	assert_string_equal(tu_ans(t->ds, "10.4.5.4"), "-");
	assert_non_null(strstr(t->cap.all, ":3: too large range (65536) ignored (256 max)"));
	assert_non_null(strstr(t->cap.all, ":5: ignoring attempt to increase $MAXRANGE4"));
	tu_free(t);
	/* ip4trie too */
	t = tu_load("ip4trie", "$MAXRANGE4 /24\n10.1.0.0/16\n10.2.2.0/24\n");
	assert_string_equal(tu_ans(t->ds, "10.1.5.5"), "-");
	assert_string_equal(tu_ans(t->ds, "10.2.2.2"), "127.0.0.2");
	tu_free(t);
}

static void
test_ip4trie(void **state)
{
	struct tu_ds *t;
	struct dx_hits h;
	struct tu_q q;
	char txt[300];
	(void)state;
	t = tu_load("ip4trie",
	    ":2:default $\n"
	    "10.0.0.0/8 :3:big\n"
	    "10.1.0.0/16\n"
	    "10.1.2.0/23 :4\n"
	    "!10.1.3.0/24\n"
	    "10.1.3.7\n"
	    "10.0.0.0/8 :9:dup\n"
	    "10.0.0.0-10.0.0.255\n"
	    "127\n"
	    "192.168.0.0/16 :5:matched \x01 for $\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "10.5.5.5"), "127.0.0.3 big");
	assert_string_equal(tu_ans(t->ds, "10.1.9.9"), "127.0.0.2 default 10.1.9.9");
	assert_string_equal(tu_ans(t->ds, "10.1.2.1"), "127.0.0.4 default 10.1.2.1");
	assert_string_equal(tu_ans(t->ds, "10.1.3.1"), "-");
	assert_string_equal(tu_ans(t->ds, "10.1.3.7"), "127.0.0.2 default 10.1.3.7");
	assert_string_equal(tu_ans(t->ds, "11.0.0.0"), "-");
	assert_non_null(strstr(t->cap.all, ":7: duplicated entry for 10.0.0.0/8"));
	assert_non_null(strstr(t->cap.all, ":8: invalid address"));
	assert_non_null(strstr(t->cap.all, ":9: invalid address"));
	assert_int_equal(tu_query(t->ds, "10.1.2.1", &h), 1);
	assert_int_equal(h.hit[0].plen, 23);
	assert_int_equal(tu_query(t->ds, "192.168.7.9", &h), 1);
	assert_int_equal(dataset_txt_expand(&h.hit[0], tu_qip(&q, "192.168.7.9"),
	    txt, sizeof(txt)), (int)strlen("matched 192.168.0.0/16 for 192.168.7.9"));
	assert_string_equal(txt, "matched 192.168.0.0/16 for 192.168.7.9");
	tu_free(t);
}

static void
test_ip6trie_man_example(void **state)
{
	struct tu_ds *t;
	struct dx_hits h;
	(void)state;
	t = tu_load("ip6trie",
	    "# Default A and TXT template valuse\n"
	    ":127.0.1.2: Listed, see http://example.com/lookup?$\n"
	    "# A listing, note that trailing :0s can be omitted\n"
	    "2001:21ab:c000/36\n"
	    "# /64 range with non-default A and TXT values\n"
	    "2001:21ab:def7:4242 :127.0.1.3: This one smells funny\n"
	    "# compressed notation\n"
	    "2605:6001:42::/52\n"
	    "::1\t\t       # localhost\n"
	    "!2605:6001:42::bead   # exclusion\n"
	    "2001:db8::/32\n"
	    "2001:db8:1::1/64\n"
	    "2001\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "2001:21ab:c123::1"),
	    "127.0.1.2 Listed, see http://example.com/lookup?2001:21ab:c123::1");
	assert_string_equal(tu_ans(t->ds, "2001:21ab:d000::"), "-");
	assert_string_equal(tu_ans(t->ds, "2001:21ab:def7:4242::5"),
	    "127.0.1.3 This one smells funny");
	assert_string_equal(tu_ans(t->ds, "2605:6001:42::bead"), "-");
	assert_string_equal(tu_ans(t->ds, "2605:6001:42::beac"),
	    "127.0.1.2 Listed, see http://example.com/lookup?2605:6001:42::beac");
	assert_string_equal(tu_ans(t->ds, "::1"),
	    "127.0.1.2 Listed, see http://example.com/lookup?::1");
	assert_string_equal(tu_ans(t->ds, "2001:db8:0:0:1:0:0:1"),
	    "127.0.1.2 Listed, see http://example.com/lookup?2001:db8::1:0:0:1");
	assert_non_null(strstr(t->cap.all, ":12: invalid range (non-zero host part)"));
	assert_non_null(strstr(t->cap.all, ":13: invalid address"));
	assert_int_equal(tu_query(t->ds, "2001:21ab:c123::1", &h), 1);
	assert_int_equal(h.hit[0].plen, 36);
	assert_int_equal(h.hit[0].family, 6);
	assert_int_equal(h.hit[0].prefix[4], 0xc0);
	assert_int_equal(h.hit[0].prefix[5], 0);
	tu_free(t);
}

static void
test_ip4tset(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load_opts("ip4tset", NULL, NULL,
	    ":4:t $\n1.2.3.4 :9:ignored\n1.2.3\n!1.2.3.5\n",
	    ":5:second file default is ignored\n5.5.5.5\n1.2.3.4\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "1.2.3.4"), "127.0.0.4 t 1.2.3.4");
	assert_string_equal(tu_ans(t->ds, "5.5.5.5"), "127.0.0.4 t 5.5.5.5");
	assert_string_equal(tu_ans(t->ds, "1.2.3.5"), "-");
	assert_int_equal(t->d.warnings, 2);
	tu_free(t);
}

static void
test_ip6tset(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip6tset",
	    ":3:v6 $\n"
	    "2001:20fe:23:41ed\n"
	    "abac:adab:ad00:42f\n"
	    "!abac:adab:ad00:42f:face:0f:a:beef\n"
	    "!abac:adab:ad00:42f::2\n"
	    "2001:db8::/64\n"
	    "2001:db8:1\n"
	    "!abac:adab:ad00:42f\n");
	assert_int_equal(t->rc, 0);
	assert_string_equal(tu_ans(t->ds, "2001:20fe:23:41ed::1"),
	    "127.0.0.3 v6 2001:20fe:23:41ed::1");
	assert_string_equal(tu_ans(t->ds, "abac:adab:ad00:42f::2"), "-");
	assert_string_equal(tu_ans(t->ds, "abac:adab:ad00:42f:face:f:a:beef"), "-");
	assert_string_equal(tu_ans(t->ds, "abac:adab:ad00:42f::3"),
	    "127.0.0.3 v6 abac:adab:ad00:42f::3");
	assert_string_equal(tu_ans(t->ds, "2001:20fe:23:41ee::1"), "-");
	assert_non_null(strstr(t->cap.all, ":6: invalid address"));
	assert_non_null(strstr(t->cap.all,
	    ":7: invalid address for regular entry (should be 64 bits)"));
	assert_non_null(strstr(t->cap.all,
	    ":8: invalid address for exclusion (should be 128 bits)"));
	tu_free(t);
}

static void
test_specials(void **state)
{
	struct ds_loadopts o = { .ttl_default = 2100, .ttl_max = 600 };
	struct tu_ds *t;
	const struct ds_soa *soa;
	const struct ds_ns *ns;
	(void)state;
	t = tu_load("ip4set",
	    "$SOA 0 ns1.ex.com admin.ex.com 0 2h 2h 1w 1h\n"
	    "$SOA 5 other.ex.com admin.ex.com 9 1 1 1 1\n"
	    "#$NS 1w ns1.ex.com -ns2.ex.com NS3.Ex.Com.\n"
	    ":$NS 0 ignored.ex.com\n"
	    "$TTL 1h\n"
	    "$BOGUS 1\n"
	    "$SOA bad\n");
	assert_int_equal(t->rc, 0);
	soa = dataset_soa(t->ds);
	assert_true(soa->set);
	assert_int_equal(soa->ttl, 2100);
	assert_int_equal(soa->serial, 0);
	assert_int_equal(soa->refresh, 7200);
	assert_int_equal(soa->retry, 7200);
	assert_int_equal(soa->expire, 604800);
	assert_int_equal(soa->minttl, 3600);
	assert_memory_equal(soa->mname, "\3ns1\2ex\3com", 12);
	assert_memory_equal(soa->rname, "\5admin\2ex\3com", 14);
	ns = dataset_ns(t->ds);
	assert_int_equal(ns->n, 2);
	assert_int_equal(ns->ttl, 604800);
	assert_memory_equal(ns->name[1], "\3ns3\2ex\3com", 12);
	assert_int_equal(dataset_ttl(t->ds), 3600);
	assert_non_null(strstr(t->cap.all, ":6: invalid or unrecognized special entry"));
	/* a repeated $SOA is ignored silently, even a bad one */
	assert_int_equal(t->d.warnings, 1);
	tu_free(t);
	t = tu_load_opts("ip4set", &o, NULL, "$TTL 1h\n", NULL);
	assert_int_equal(dataset_ttl(t->ds), 600);
	tu_free(t);
	t = tu_load_opts("ip4set", &o, NULL, "$TTL 0\n", NULL);
	assert_int_equal(dataset_ttl(t->ds), 2100);
	tu_free(t);
}

static void
test_timestamp(void **state)
{
	struct tu_ds *t;
	(void)state;
	t = tu_load("ip4set", "$TIMESTAMP 2005:01:02 2006-01-02-03-04-05\n1.2.3.4\n");
	assert_int_equal(t->rc, 0);
	assert_int_equal(dataset_expires(t->ds), 1136171045);
	tu_free(t);
	t = tu_load("ip4set", "$TIMESTAMP 20050102 +1d\n$TIMESTAMP 0 2030:01:01\n");
	assert_int_equal(dataset_expires(t->ds), 1104624000 + 86400);
	tu_free(t);
	t = tu_load("ip4set", "1.2.3.4\n$TIMESTAMP 2037:12:31\n");
	assert_int_equal(t->rc, DX_EINVAL);
	assert_non_null(strstr(t->cap.all, ":2: data timestamp is"));
	tu_free(t);
	t = tu_load("ip4set", "$TIMESTAMP 2005:13:01\n");
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->d.warnings, 1);
	tu_free(t);
}

static void
test_missing_file(void **state)
{
	struct dataset *ds;
	struct diag d;
	struct tu_capture c;
	struct ds_loadopts o = { .ttl_default = 60 };
	const char *f[1] = { "/nonexistent/dx.txt" };
	(void)state;
	tu_diag(&d, &c);
	assert_int_equal(dataset_new(ds_type_find("ip4set"), f, 1, NULL, &ds), 0);
	assert_int_equal(dataset_load(ds, &o, &d), DX_EIO);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(c.all, "/nonexistent/dx.txt: unable to open file"));
	dataset_free(ds);
	assert_null(ds_type_find("nosuch"));
	assert_string_equal(ds_type_name(ds_type_find("ip6tset")), "ip6tset");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4set_man_ranges),
		cmocka_unit_test(test_ip4set_bad_ranges),
		cmocka_unit_test(test_ip4set_values),
		cmocka_unit_test(test_ip4set_subst_vars),
		cmocka_unit_test(test_ip4set_base_template),
		cmocka_unit_test(test_ip4set_granularity_and_multi),
		cmocka_unit_test(test_ip4set_exclusions),
		cmocka_unit_test(test_ip4set_host_bits),
		cmocka_unit_test(test_default_scope_per_file),
		cmocka_unit_test(test_default_values_interleaved),
		cmocka_unit_test(test_maxrange4),
		cmocka_unit_test(test_ip4trie),
		cmocka_unit_test(test_ip6trie_man_example),
		cmocka_unit_test(test_ip4tset),
		cmocka_unit_test(test_ip6tset),
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

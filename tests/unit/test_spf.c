/* test_spf.c -- SPF record parsing, the include/redirect walk against a
 * stub resolver (nested includes, redirect, loops, the lookup limit,
 * exists:/ptr/macros, IPv6, NXDOMAIN and SERVFAIL, several records, a/mx),
 * and the spf dataset: regions per include, the chain for dnsxl lookup,
 * keeping the previous ranges when a refresh fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"
#include "feed.h"
#include "ipaddr.h"
#include "spf_resolve.h"
#include "ds_testutil.h"

/* ---- the stub resolver ------------------------------------------------ */

struct zrec {
	const char *name;
	enum spf_rtype type;
	int rcode;
	const char *data;       /* answers separated by '|'; NULL = none */
	uint32_t ttl;
};

static const struct zrec *zone;
static unsigned nqueries;
static uint32_t ttl_cap = UINT32_MAX;   /* every TTL at most this */

static int
stub_lookup(void *ctx, const char *name, enum spf_rtype t, struct spf_rrs *out)
{
	bool found = false;

	(void)ctx;
	nqueries++;
	out->ttl = UINT32_MAX;
	for (const struct zrec *z = zone; z->name; z++) {
		if (strcasecmp(z->name, name) != 0)
			continue;
		found = true;
		if (z->rcode != SPF_DNS_OK)
			return z->rcode;
		if (z->type != t || !z->data)
			continue;
		for (const char *p = z->data; *p; ) {
			size_t n = strcspn(p, "|");
			assert_int_equal(spf_rrs_add(out, p, n), 0);
			p += n + (p[n] == '|');
		}
		if (z->ttl < out->ttl)
			out->ttl = z->ttl < ttl_cap ? z->ttl : ttl_cap;
	}
	return found ? SPF_DNS_OK : SPF_DNS_NXDOMAIN;
}

static const struct spf_resolver stub = { stub_lookup, NULL, NULL };

static struct spf_result res;

static void
run(const struct zrec *z, const char *domain, const struct spf_opts *o)
{
	struct spf_opts def = { .max_lookups = 10 };

	zone = z;
	nqueries = 0;
	spf_result_free(&res);
	assert_int_equal(spf_resolve(&stub, o ? o : &def, domain, &res), 0);
}

/* The ranges as "a.b.c.d/n" text, in order, space-separated. */
static const char *
ranges(void)
{
	static char out[2048];
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < res.n; i++) {
		char a[64];
		const struct spf_range *g = &res.ranges[i];
		if (g->family == 4)
			snprintf(a, sizeof(a), "%u.%u.%u.%u/%u", g->addr[0],
			    g->addr[1], g->addr[2], g->addr[3], g->plen);
		else {
			char t[48];
			ip6_format(g->addr, t);
			snprintf(a, sizeof(a), "%s/%u", t, g->plen);
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    n ? " " : "", a);
	}
	return out;
}

/* All messages joined with '\n'. */
static const char *
msgs(void)
{
	static char out[4096];
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < res.nmsgs; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n",
		    res.msgs[i]);
	return out;
}

/* ---- parser ----------------------------------------------------------- */

static void
parse_terms(void **state)
{
	struct spf_term t[16];
	(void)state;

	assert_true(spf_is_record("v=spf1"));
	assert_true(spf_is_record("V=SPF1 -all"));
	assert_false(spf_is_record("v=spf10 -all"));
	assert_false(spf_is_record("google-site-verification=x"));
	assert_int_equal(spf_parse("v=spf2.0/pra", t, 16), -1);

	assert_int_equal(spf_parse("v=spf1  ip4:192.0.2.0/24 -ip4:198.51.100.1 "
	    "ip6:2001:db8::/32 a:mail.example.com/24//64 mx//48 "
	    "include:_spf.example.net ~all redirect=_spf.x.org exp=e.x.org "
	    "exists:%{i}.x.org ?ptr foo=bar ip4:1.2.3.4/33 bogus", t, 16), 14);
	assert_int_equal(t[0].kind, SPF_T_IP4);
	assert_int_equal(t[0].qual, '+');
	assert_int_equal(t[0].arglen, 9);
	assert_memory_equal(t[0].arg, "192.0.2.0", 9);
	assert_int_equal(t[0].cidr4, 24);
	assert_int_equal(t[1].qual, '-');
	assert_int_equal(t[1].cidr4, -1);
	assert_int_equal(t[2].kind, SPF_T_IP6);
	assert_memory_equal(t[2].arg, "2001:db8::", 10);
	assert_int_equal(t[2].cidr6, 32);
	assert_int_equal(t[3].kind, SPF_T_A);
	assert_memory_equal(t[3].arg, "mail.example.com", 16);
	assert_int_equal(t[3].arglen, 16);
	assert_int_equal(t[3].cidr4, 24);
	assert_int_equal(t[3].cidr6, 64);
	assert_int_equal(t[4].kind, SPF_T_MX);
	assert_null(t[4].arg);
	assert_int_equal(t[4].cidr4, -1);
	assert_int_equal(t[4].cidr6, 48);
	assert_int_equal(t[5].kind, SPF_T_INCLUDE);
	assert_int_equal(t[6].kind, SPF_T_ALL);
	assert_int_equal(t[6].qual, '~');
	assert_int_equal(t[7].kind, SPF_T_REDIRECT);
	assert_memory_equal(t[7].arg, "_spf.x.org", 10);
	assert_int_equal(t[8].kind, SPF_T_EXP);
	assert_int_equal(t[9].kind, SPF_T_EXISTS);
	assert_true(t[9].macro);
	assert_int_equal(t[10].kind, SPF_T_PTR);
	assert_int_equal(t[10].qual, '?');
	assert_int_equal(t[11].kind, SPF_T_UNKNOWN_MOD);
	assert_int_equal(t[12].kind, SPF_T_BAD);      /* /33 */
	assert_int_equal(t[13].kind, SPF_T_BAD);
	assert_int_equal(spf_parse("v=spf1 ip4:x ip6:1.2.3.4 ip4:1.2.3.4", t,
	    16), 3);
	assert_int_equal(t[0].kind, SPF_T_BAD);
	assert_int_equal(t[1].kind, SPF_T_BAD);
	assert_int_equal(t[2].kind, SPF_T_IP4);
	/* too many terms */
	assert_int_equal(spf_parse("v=spf1 a a a", t, 2), -1);
	/* include without a domain, all with an argument */
	assert_int_equal(spf_parse("v=spf1 include: all:x ip6:::1//64", t, 16),
	    3);
	assert_int_equal(t[0].kind, SPF_T_BAD);
	assert_int_equal(t[1].kind, SPF_T_BAD);
	assert_int_equal(t[2].kind, SPF_T_BAD);
}

/* ---- the walk --------------------------------------------------------- */

static const struct zrec mailersend[] = {
	{ "_spf.mailersend.net", SPF_RR_TXT, 0,
	  "v=spf1 include:spf.mailersend.net include:spf6.mailersend.net ~all",
	  3600 },
	{ "spf.mailersend.net", SPF_RR_TXT, 0,
	  "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all", 600 },
	{ "spf6.mailersend.net", SPF_RR_TXT, 0,
	  "google-site-verification=abc|v=spf1 ip6:2001:db8:10::/48 -all", 900 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
nested_includes(void **state)
{
	(void)state;
	run(mailersend, "_spf.mailersend.net", NULL);
	assert_string_equal(ranges(), "192.0.2.0/24 198.51.100.7/32 "
	    "2001:db8:10::/48");
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.warnings, 0);
	assert_int_equal(res.lookups, 2);
	assert_int_equal(res.ttl, 600);
	assert_int_equal(res.nchains, 2);
	assert_string_equal(res.chains[res.ranges[0].chain].text,
	    "_spf.mailersend.net -> spf.mailersend.net");
	assert_string_equal(res.chains[res.ranges[0].chain].last,
	    "spf.mailersend.net");
	assert_string_equal(res.chains[res.ranges[2].chain].text,
	    "_spf.mailersend.net -> spf6.mailersend.net");
}

static const struct zrec mailgun[] = {
	{ "mailgun.org", SPF_RR_TXT, 0,
	  "v=spf1 include:_spf.mailgun.org include:_spf.eu.mailgun.org "
	  "ip4:203.0.113.9 ~all", 300 },
	{ "_spf.mailgun.org", SPF_RR_TXT, 0,
	  "v=spf1 include:_spf1.mailgun.org ~all", 300 },
	{ "_spf1.mailgun.org", SPF_RR_TXT, 0, "v=spf1 ip4:198.61.254.0/23 ~all",
	  300 },
	{ "_spf.eu.mailgun.org", SPF_RR_TXT, 0,
	  "v=spf1 include:_spf1.eu.mailgun.org ~all", 300 },
	{ "_spf1.eu.mailgun.org", SPF_RR_TXT, 0,
	  "v=spf1 ip4:141.193.32.0/23 ~all", 300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
regions_per_include(void **state)
{
	const char *from[] = { "_spf.eu.mailgun.org.", "mailgun.org" };
	const char *to[] = { "EUR", "NAM" };
	struct spf_opts o = { .max_lookups = 10, .rmap_from = from,
	    .rmap_to = to, .nrmap = 2 };
	(void)state;

	run(mailgun, "mailgun.org", &o);
	assert_string_equal(ranges(), "198.61.254.0/23 141.193.32.0/23 "
	    "203.0.113.9/32");
	assert_string_equal(res.chains[res.ranges[0].chain].region, "NAM");
	assert_string_equal(res.chains[res.ranges[1].chain].region, "EUR");
	assert_string_equal(res.chains[res.ranges[1].chain].text, "mailgun.org "
	    "-> _spf.eu.mailgun.org -> _spf1.eu.mailgun.org");
	assert_string_equal(res.chains[res.ranges[2].chain].region, "NAM");
}

static const struct zrec redirects[] = {
	{ "r.example", SPF_RR_TXT, 0, "v=spf1 ip4:10.1.0.0/16 redirect=t.example",
	  300 },
	{ "t.example", SPF_RR_TXT, 0, "v=spf1 ip4:10.2.0.0/16 -all", 300 },
	{ "all.example", SPF_RR_TXT, 0,
	  "v=spf1 ip4:10.3.0.0/16 -all redirect=t.example", 300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
redirect(void **state)
{
	(void)state;
	run(redirects, "r.example", NULL);
	assert_string_equal(ranges(), "10.1.0.0/16 10.2.0.0/16");
	assert_int_equal(res.lookups, 1);
	assert_string_equal(res.chains[res.ranges[1].chain].text,
	    "r.example -> t.example");
	/* with "all" the redirect is not followed (and said so) */
	run(redirects, "all.example", NULL);
	assert_string_equal(ranges(), "10.3.0.0/16");
	assert_int_equal(res.errors, 0);
	assert_string_equal(msgs(), "W all.example: redirect=t.example "
	    "ignored: the record has \"all\"\n");
}

static const struct zrec loops[] = {
	{ "a.loop", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.0.1 include:b.loop -all",
	  300 },
	{ "b.loop", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.0.2 include:A.LOOP -all",
	  300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
loop(void **state)
{
	(void)state;
	run(loops, "a.loop", NULL);
	assert_string_equal(ranges(), "10.0.0.1/32 10.0.0.2/32");
	assert_int_equal(res.errors, 1);
	assert_string_equal(msgs(), "E b.loop: loop: A.LOOP is already being "
	    "read above it (permerror)\n");
}

static const struct zrec deep[] = {
	{ "l0.x", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.0.0/24 include:l1.x", 300 },
	{ "l1.x", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.1.0/24 include:l2.x", 300 },
	{ "l2.x", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.2.0/24 include:l3.x", 300 },
	{ "l3.x", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.3.0/24 include:l4.x", 300 },
	{ "l4.x", SPF_RR_TXT, 0, "v=spf1 ip4:10.0.4.0/24", 300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
lookup_limit(void **state)
{
	struct spf_opts o = { .max_lookups = 2 };
	(void)state;

	run(deep, "l0.x", &o);
	assert_string_equal(ranges(), "10.0.0.0/24 10.0.1.0/24 10.0.2.0/24");
	assert_int_equal(res.errors, 1);
	assert_string_equal(msgs(), "E l2.x: \"include:l3.x\": over the limit "
	    "of 2 DNS lookups (permerror): the rest of the tree is not read\n");
	assert_int_equal(nqueries, 3);
	o.max_lookups = 4;
	run(deep, "l0.x", &o);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.n, 5);
}

static const struct zrec odd[] = {
	{ "odd.example", SPF_RR_TXT, 0, "v=spf1 exists:%{i}._spf.odd.example "
	  "ptr include:%{d}.inc.example -ip4:10.9.0.0/16 ~ip6:2001:db8::1 "
	  "a mx ip4:10.8.0.0/16 -all", 300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
unexpandable_terms(void **state)
{
	(void)state;
	run(odd, "odd.example", NULL);
	assert_string_equal(ranges(), "10.8.0.0/16");
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.warnings, 7);
	assert_int_equal(res.lookups, 5);
	assert_string_equal(msgs(),
	    "W odd.example: \"exists:%{i}._spf.odd.example\": exists cannot be "
	    "expanded into ranges: left out\n"
	    "W odd.example: \"ptr\": ptr cannot be expanded into ranges: left "
	    "out\n"
	    "W odd.example: \"include:%{d}.inc.example\": a macro cannot be "
	    "expanded into ranges: left out\n"
	    "W odd.example: \"-ip4:10.9.0.0/16\": not a sending range "
	    "(qualifier '-'): left out\n"
	    "W odd.example: \"~ip6:2001:db8::1\": not a sending range "
	    "(qualifier '~'): left out\n"
	    "W odd.example: \"a\": a and mx are not resolved (resolve-a-mx: "
	    "false): left out\n"
	    "W odd.example: \"mx\": a and mx are not resolved (resolve-a-mx: "
	    "false): left out\n");
}

static const struct zrec amx[] = {
	{ "amx.example", SPF_RR_TXT, 0, "v=spf1 a/24 mx:mx.example//64 -all",
	  900 },
	{ "amx.example", SPF_RR_A, 0, "192.0.2.77", 120 },
	{ "mx.example", SPF_RR_MX, 0, "m1.example|m2.example", 900 },
	{ "m1.example", SPF_RR_A, 0, "198.51.100.1", 900 },
	{ "m2.example", SPF_RR_A, 0, "198.51.100.2", 900 },
	{ "m2.example", SPF_RR_AAAA, 0, "2001:db8:5::25", 900 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
a_and_mx(void **state)
{
	struct spf_opts o = { .max_lookups = 10, .resolve_a_mx = true };
	(void)state;

	run(amx, "amx.example", &o);
	assert_string_equal(ranges(), "192.0.2.0/24 198.51.100.1/32 "
	    "198.51.100.2/32 2001:db8:5::/64");
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.lookups, 2);
	assert_int_equal(res.ttl, 120);
}

static const struct zrec broken[] = {
	{ "b.example", SPF_RR_TXT, 0, "v=spf1 include:gone.example "
	  "include:fail.example include:two.example include:none.example "
	  "ip4:10.7.0.0/16 ~all", 300 },
	{ "fail.example", SPF_RR_TXT, SPF_DNS_FAIL, NULL, 0 },
	{ "two.example", SPF_RR_TXT, 0, "v=spf1 ip4:10.5.0.0/16|v=spf1 -all",
	  300 },
	{ "none.example", SPF_RR_TXT, 0, "not spf", 300 },
	{ "syntax.example", SPF_RR_TXT, 0, "v=spf1 ip4:10.6.0.0/16 ip4:x -all",
	  300 },
	{ NULL, 0, 0, NULL, 0 },
};

static void
failures(void **state)
{
	(void)state;
	run(broken, "b.example", NULL);
	assert_string_equal(ranges(), "10.7.0.0/16");
	assert_int_equal(res.errors, 4);
	assert_string_equal(msgs(),
	    "E gone.example: no such domain (NXDOMAIN)\n"
	    "E fail.example: TXT lookup failed (SERVFAIL or timeout)\n"
	    "E two.example: 2 SPF records (permerror)\n"
	    "E none.example: no SPF record (permerror)\n");
	/* a syntax error: the record gives nothing */
	run(broken, "syntax.example", NULL);
	assert_string_equal(ranges(), "");
	assert_string_equal(msgs(), "E syntax.example: \"ip4:x\": syntax error "
	    "(permerror)\n");
	run(broken, "nowhere.example", NULL);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.n, 0);
}

/* ---- the dataset ------------------------------------------------------ */

static struct tu_log lg;
static const struct zrec *dszone;

static int
load_ds(const char *domain, const struct ds_feed *f, struct dataset **out,
    struct diag *d)
{
	struct ds_labels l = { .name = "spf-test", .feed = f };
	struct ds_loadopts opts = { .ttl_default = 2100 };
	const char *files[1] = { domain };

	zone = dszone;
	memset(&lg, 0, sizeof(lg));
	assert_int_equal(dataset_new(ds_type_find("spf"), files, 1, &l, out),
	    0);
	diag_init(d);
	d->sink = tu_sink;
	d->sink_arg = &lg;
	return dataset_load(*out, &opts, d);
}

static const char *
ask(const struct dataset *ds, const char *rname, char *chain, size_t clen)
{
	static uint8_t buf[256];
	static struct dx_qname q;
	static struct dx_hits hits;

	chain[0] = '\0';
	if (!tu_query(ds, rname, &hits, &q, buf))
		return "(none)";
	assert_int_equal(hits.n, 1);
	spf_hit_chain(&hits.hit[0], chain, clen);
	return tu_hit(&hits, 0, &q);
}

static void
dataset_keeps_previous(void **state)
{
	struct dataset *ds;
	struct diag d;
	struct ds_feed f;
	char chain[256];
	long now = (long)time(NULL);
	(void)state;

	memset(&f, 0, sizeof(f));
	f.refresh_min = 60;
	spf_cache_clear();
	spf_test_set_resolver(&stub);
	dszone = mailersend;
	assert_int_equal(load_ds("_spf.mailersend.net", &f, &ds, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(dataset_entries(ds), 3);
	assert_string_equal(ask(ds, "9.2.0.192", chain, sizeof(chain)),
	    "127.0.0.2 spf.mailersend.net");
	assert_string_equal(chain, "_spf.mailersend.net -> spf.mailersend.net");
	assert_string_equal(ask(ds, "1.2.0.192", chain, sizeof(chain)) ,
	    "127.0.0.2 spf.mailersend.net");
	assert_string_equal(ask(ds, "9.3.0.192", chain, sizeof(chain)),
	    "(none)");
	/* next due: the smallest TTL (600) is above refresh-min */
	assert_true(spf_refresh_wait(now) >= 590 &&
	    spf_refresh_wait(now) <= 600);
	dataset_free(ds);

	/* not due: a reload reuses the cache, no query */
	nqueries = 0;
	assert_int_equal(load_ds("_spf.mailersend.net", &f, &ds, &d), 0);
	assert_int_equal(nqueries, 0);
	assert_int_equal(dataset_entries(ds), 3);
	dataset_free(ds);

	/* due, and the include now fails: the three old ranges stay */
	assert_int_equal(spf_refresh_wait(now + 700), 0);
	spf_cache_clear();      /* fresh cache, then one bad refresh */
	assert_int_equal(load_ds("_spf.mailersend.net", &f, &ds, &d), 0);
	dataset_free(ds);
	{
		static const struct zrec bad[] = {
			{ "_spf.mailersend.net", SPF_RR_TXT, 0,
			  "v=spf1 include:spf.mailersend.net -all", 60 },
			{ "spf.mailersend.net", SPF_RR_TXT, SPF_DNS_FAIL, NULL,
			  0 },
			{ NULL, 0, 0, NULL, 0 },
		};
		struct ds_feed g = f;
		g.refresh_min = 1;
		g.key = "other";        /* another key: a new entry */
		dszone = mailersend;
		ttl_cap = 1;
		assert_int_equal(load_ds("_spf.mailersend.net", &g, &ds, &d),
		    0);
		ttl_cap = UINT32_MAX;
		dataset_free(ds);
		sleep(2);               /* due now */
		dszone = bad;
		assert_int_equal(load_ds("_spf.mailersend.net", &g, &ds, &d),
		    0);
		assert_int_equal(d.errors, 2);
		assert_non_null(strstr(lg.text, "spf.mailersend.net: TXT lookup "
		    "failed (SERVFAIL or timeout)"));
		assert_non_null(strstr(lg.text, "resolution incomplete (1 error)"
		    ": keeping the 3 ranges of the last complete resolution"));
		assert_int_equal(dataset_entries(ds), 3);
		assert_string_equal(ask(ds, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "0.0.0.0.0.1.0.0.8.b.d.0.1.0.0.2", chain, sizeof(chain)),
		    "127.0.0.2 spf6.mailersend.net");
		assert_string_equal(chain,
		    "_spf.mailersend.net -> spf6.mailersend.net");
		dataset_free(ds);
	}
	spf_test_set_resolver(NULL);
	spf_cache_clear();
	assert_int_equal(spf_refresh_wait(now), -1);
}

static void
dataset_regions(void **state)
{
	static const char *rnames[] = { "global", "NAM", "EUR" };
	struct dx_value rvals[] = {
		{ htonl(0x7f000030), "global" }, { htonl(0x7f000031), "NAM" },
		{ htonl(0x7f000039), "EUR \x02" },
	};
	const char *from[] = { "_spf.eu.mailgun.org" };
	const char *to[] = { "EUR" };
	struct ds_feed f;
	struct dataset *ds;
	struct diag d;
	char chain[256];
	(void)state;

	memset(&f, 0, sizeof(f));
	f.rnames = rnames;
	f.rvalues = rvals;
	f.nregions = 3;
	f.rmap_from = from;
	f.rmap_to = to;
	f.nrmap = 1;
	spf_cache_clear();
	spf_test_set_resolver(&stub);
	dszone = mailgun;
	assert_int_equal(load_ds("mailgun.org", &f, &ds, &d), 0);
	assert_int_equal(dataset_entries(ds), 3);
	/* 141.193.32.0/23 under the EU include: the EUR value, tag filled */
	assert_string_equal(ask(ds, "5.33.193.141", chain, sizeof(chain)),
	    "127.0.0.57 EUR _spf1.eu.mailgun.org");
	assert_string_equal(chain, "mailgun.org -> _spf.eu.mailgun.org -> "
	    "_spf1.eu.mailgun.org (region EUR)");
	/* the rest: the dataset default (no config value here: builtin) */
	assert_string_equal(ask(ds, "9.113.0.203", chain, sizeof(chain)),
	    "127.0.0.2 mailgun.org");
	assert_string_equal(chain, "mailgun.org");
	dataset_free(ds);
	spf_test_set_resolver(NULL);
	spf_cache_clear();
}

/* ---- config ----------------------------------------------------------- */

static int
conf(const char *text, struct config **out)
{
	char path[64];
	struct diag d;
	int rc;

	tu_write(path, sizeof(path), text);
	memset(&lg, 0, sizeof(lg));
	diag_init(&d);
	d.sink = tu_sink;
	d.sink_arg = &lg;
	rc = config_load_file(path, &d, out);
	unlink(path);
	return rc;
}

static const char *const conf_head =
	"codes:\n"
	"  services: [ { id: 3, name: ms, description: MailerSend } ]\n"
	"  regions: [ { id: 0, name: global, description: g },\n"
	"             { id: 9, name: EUR, description: e } ]\n"
	"resolver: [ \"127.0.0.1@5353\", \"::1\" ]\n";

static void
config_keys(void **state)
{
	struct config *c;
	char text[2048];
	const struct ds_feed *f;
	(void)state;

	snprintf(text, sizeof(text), "%s"
	    "datasets:\n"
	    "  - name: ms\n"
	    "    type: spf\n"
	    "    domain: [ _spf.mailersend.net, spf-eu.example.net ]\n"
	    "    service: ms\n"
	    "    region: global\n"
	    "    regions: { spf-eu.example.net: EUR }\n"
	    "    max-lookups: 20\n"
	    "    resolve-a-mx: true\n"
	    "    refresh-min: 2m\n"
	    "  - name: aws\n"
	    "    type: aws-ip-ranges\n"
	    "    files: ip-ranges.json\n"
	    "    service: ms\n"
	    "    services: [ EC2, S3 ]\n"
	    "    regions: { eu-west-1: EUR }\n"
	    "zones: [ { name: wl.example.org, datasets: [ ms, aws ] } ]\n",
	    conf_head);
	assert_int_equal(conf(text, &c), 0);
	assert_int_equal(c->ndatasets, 2);
	/* domains are the files, as they are (not paths) */
	assert_int_equal(c->datasets[0].nfiles, 2);
	assert_string_equal(c->datasets[0].files[0], "_spf.mailersend.net");
	f = c->datasets[0].feed;
	assert_non_null(f);
	assert_int_equal(f->max_lookups, 20);
	assert_true(f->resolve_a_mx);
	assert_int_equal(f->refresh_min, 120);
	assert_int_equal(f->nresolvers, 2);
	assert_string_equal(f->resolvers[1], "::1");
	assert_int_equal(f->nrmap, 1);
	assert_string_equal(f->rmap_to[0], "EUR");
	assert_int_equal(c->datasets[0].max_shrink, 50);
	assert_non_null(f->rvalues);
	assert_int_equal(c->datasets[0].value.a, htonl(0x7f000030));
	assert_int_equal(f->rvalues[1].a, htonl(0x7f000039));
	assert_non_null(f->key);
	f = c->datasets[1].feed;
	assert_int_equal(f->nservices, 2);
	assert_string_equal(f->services[1], "S3");
	assert_int_equal(f->nrmap, 1);
	assert_non_null(strstr(c->datasets[1].files[0], "ip-ranges.json"));
	config_free(c);
}

static void
config_errors(void **state)
{
	struct config *c = NULL;
	char text[2048];
	(void)state;

	snprintf(text, sizeof(text), "%s"
	    "datasets:\n"
	    "  - { name: a, type: spf, files: x }\n"
	    "  - { name: b, type: spf }\n"
	    "  - { name: c, type: ip4trie, files: x, domain: y.example }\n"
	    "  - { name: d, type: spf, domain: z.example,\n"
	    "      regions: { q.example: MARS }, resolver: [ nowhere@53 ] }\n"
	    "  - { name: e, type: aws-ip-ranges, files: x, max-lookups: 3 }\n"
	    "  - { name: f, type: ip4trie, files: x, services: [ EC2 ] }\n"
	    "zones: [ { name: wl.example.org, datasets: [ a ] } ]\n",
	    conf_head);
	assert_int_equal(conf(text, &c), DX_EINVAL);
	assert_null(c);
	assert_non_null(strstr(lg.text, "dataset a: spf takes domain:, not "
	    "files:"));
	assert_non_null(strstr(lg.text, "dataset b: domain: at least one "
	    "domain is required"));
	assert_non_null(strstr(lg.text, "dataset c: domain: only for spf"));
	assert_non_null(strstr(lg.text, "dataset d: regions: q.example: "
	    "unknown region \"MARS\""));
	assert_non_null(strstr(lg.text, "resolver: \"nowhere\": not an IP "
	    "address"));
	assert_non_null(strstr(lg.text, "dataset e: resolver, max-lookups, "
	    "resolve-a-mx and refresh-min: only for spf"));
	assert_non_null(strstr(lg.text, "dataset f: services: only for "
	    "aws-ip-ranges"));
}

int
main(void)
{
	(void)tu_load;          /* ds_testutil.h's file-text loader */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_terms),
		cmocka_unit_test(nested_includes),
		cmocka_unit_test(regions_per_include),
		cmocka_unit_test(redirect),
		cmocka_unit_test(loop),
		cmocka_unit_test(lookup_limit),
		cmocka_unit_test(unexpandable_terms),
		cmocka_unit_test(a_and_mx),
		cmocka_unit_test(failures),
		cmocka_unit_test(dataset_keeps_previous),
		cmocka_unit_test(dataset_regions),
		cmocka_unit_test(config_keys),
		cmocka_unit_test(config_errors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	spf_result_free(&res);
	return rc;
}

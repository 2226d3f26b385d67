/* test_dump.c -- the zone file rendering: exact lines for small inputs (the
 * wildcard / empty non-terminal case, exclusions, $ templates, the limit),
 * and a randomized oracle: answer random addresses from the rendering with
 * a small RFC 4592 wildcard matcher and compare with zone_query(); the
 * same for names (dnset, generic) and for combined datasets (subzones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "dump.h"
#include "dx_testutil.h"
#include "zone.h"

static const struct zone_opts zopts = {
	.rfc5782_tests = false, .ttl_default = 2100,
	.soa_mname = "ns.example.org", .soa_rname = "hostmaster.example.org",
};

struct fix {
	struct tu_ds *ds[2];
	struct zone *z;
	struct config cfg;
	struct dump_zone *dz;
	struct diag d;
	struct tu_capture cap;
	int rc;
};

/* Zone "bl.example" over an ip4trie (t4) and optionally an ip6trie (t6). */
static struct fix *
build(const char *t4, const char *t6, size_t limit)
{
	struct fix *f = calloc(1, sizeof(*f));
	f->ds[0] = tu_load("ip4trie", t4);
	assert_int_equal(f->ds[0]->rc, 0);
	if (t6) {
		f->ds[1] = tu_load("ip6trie", t6);
		assert_int_equal(f->ds[1]->rc, 0);
	}
	assert_int_equal(zone_new("bl.example", &f->z), 0);
	zone_add_dataset(f->z, f->ds[0]->ds);
	if (f->ds[1])
		zone_add_dataset(f->z, f->ds[1]->ds);
	assert_int_equal(zone_finish(f->z, &zopts, NULL), 0);
	f->cfg.ttl_default = 2100;
	f->cfg.rfc5782_tests = false;
	tu_diag(&f->d, &f->cap);
	f->rc = dump_zone_render(f->z, &f->cfg, limit, &f->d, &f->dz);
	return f;
}

static void
fix_free(struct fix *f)
{
	dump_zone_free(f->dz);
	zone_free(f->z);
	tu_free(f->ds[0]);
	if (f->ds[1])
		tu_free(f->ds[1]);
	free(f);
}

/* Lines whose owner has at most 5 labels (IPv4 names and their
 * wildcards; IPv4-mapped and most 6to4 names are longer), joined. */
static char *
short_lines(const struct dump_zone *dz, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < dz->n; i++) {
		const char *l = dz->line[i], *tab = strchr(l, '\t');
		unsigned dots = 0;
		for (const char *p = l; p < tab; p++)
			dots += *p == '.';
		if (dots > 4 || strncmp(l, "*.2.0.0.2", 9) == 0 ||
		    strstr(l, ".2.0.0.2\t"))
			continue;
		o += (size_t)snprintf(out + o, cap - o, "%s\n", l);
	}
	return out;
}

static size_t
count_owner_prefix(const struct dump_zone *dz, const char *suffix)
{
	size_t n = 0, sl = strlen(suffix);
	for (size_t i = 0; i < dz->n; i++) {
		const char *l = dz->line[i], *tab = strchr(l, '\t');
		if ((size_t)(tab - l) >= sl && memcmp(tab - sl, suffix, sl) == 0)
			n++;
	}
	return n;
}

static void
test_wildcard_and_empty_non_terminal(void **state)
{
	char buf[4096];
	(void)state;
	/* *.20.10 would stop matching 41.30.20.10 once 40.30.20.10 exists:
	 * 30.20.10 gets its own wildcard with the /16's records */
	struct fix *f = build(":2:Wide\n10.20.0.0/16\n10.20.30.40 :3:Narrow\n",
	    NULL, 0);
	assert_int_equal(f->rc, 0);
	assert_string_equal(short_lines(f->dz, buf, sizeof(buf)),
	    "*.20.10\t2100\tIN\tA\t127.0.0.2\n"
	    "*.20.10\t2100\tIN\tTXT\t\"Wide\"\n"
	    "*.30.20.10\t2100\tIN\tA\t127.0.0.2\n"
	    "*.30.20.10\t2100\tIN\tTXT\t\"Wide\"\n"
	    "40.30.20.10\t2100\tIN\tA\t127.0.0.3\n"
	    "40.30.20.10\t2100\tIN\tTXT\t\"Narrow\"\n");
	fix_free(f);
}

static void
test_exclusion_and_unaligned(void **state)
{
	char buf[65536];
	(void)state;
	/* an excluded address cannot sit under a wildcard: the other 255
	 * addresses of its /24 are explicit; a /25 is 128 /32 names? no: a
	 * /25 inside a /24 is half of the /24's children, each a name */
	struct fix *f = build("10.20.30.0/24\n!10.20.30.40\n"
	    "10.20.40.128/25 :4:\n", NULL, 0);
	assert_int_equal(f->rc, 0);
	short_lines(f->dz, buf, sizeof(buf));
	assert_null(strstr(buf, "*.30.20.10\t"));
	assert_null(strstr(buf, "\n40.30.20.10\t"));
	assert_non_null(strstr(buf, "\n39.30.20.10\t2100\tIN\tA\t127.0.0.2\n"));
	assert_int_equal(count_owner_prefix(f->dz, ".30.20.10"), 255);
	assert_int_equal(count_owner_prefix(f->dz, ".40.20.10"), 128);
	assert_non_null(strstr(buf, "\n128.40.20.10\t2100\tIN\tA\t127.0.0.4\n"));
	assert_null(strstr(buf, "\n127.40.20.10\t"));
	fix_free(f);
}

static void
test_dollar_template_and_limit(void **state)
{
	char buf[8192];
	(void)state;
	struct fix *f = build(":2:Listed $\n10.20.30.0/30\n", NULL, 0);
	assert_int_equal(f->rc, 0);
	short_lines(f->dz, buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "2.30.20.10\t2100\tIN\tTXT\t\"Listed 10.20.30.2\"\n"));
	assert_null(strstr(buf, "*.30.20.10"));
	assert_int_equal(count_owner_prefix(f->dz, ".30.20.10"), 8);
	fix_free(f);

	/* a /16 of per-address TXT is 65536 names: over a limit of 1000 */
	f = build(":2:Listed $\n10.20.0.0/16\n", NULL, 1000);
	assert_int_equal(f->rc, DX_ERANGE);
	assert_null(f->dz);
	assert_non_null(strstr(f->cap.all, "more than 1000 records"));
	fix_free(f);

	/* 40 /24s of per-address TXT: no block alone is over the limit, the
	 * dry run sees the sum and refuses, naming $ as the reason */
	char d[2048];
	size_t o = (size_t)snprintf(d, sizeof(d), ":2:Listed $\n");
	for (unsigned i = 0; i < 40; i++)
		o += (size_t)snprintf(d + o, sizeof(d) - o, "10.%u.%u.0/24\n",
		    i, 3 * i);
	f = build(d, NULL, 61439);
	assert_int_equal(f->rc, DX_ERANGE);
	assert_non_null(strstr(f->cap.all, "more than 61439 records"));
	assert_non_null(strstr(f->cap.all, "one name per listed address"));
	fix_free(f);
	/* 40 * 256 addresses, each an IPv4 and an IPv4-mapped name (A, TXT)
	 * and a 6to4 wildcard (A, TXT: $ is the IPv4 address inside it) */
	f = build(d, NULL, 61440);
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->dz->n, 40 * 256 * 6);
	fix_free(f);
}

/* --- randomized oracle ---------------------------------------------------- */

struct names {
	char **v;                   /* owners and their ancestors, sorted */
	size_t n;
};

static int
cmp_s(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
exists(const struct names *ns, const char *name)
{
	return bsearch(&name, ns->v, ns->n, sizeof(char *), cmp_s) != NULL;
}

static void
names_build(const struct dump_zone *dz, struct names *ns)
{
	ns->v = calloc(dz->n * 40 + 1, sizeof(char *));
	ns->n = 0;
	for (size_t i = 0; i < dz->n; i++) {
		const char *l = dz->line[i];
		size_t len = (size_t)(strchr(l, '\t') - l);
		const char *p = l;
		for (;;) {
			ns->v[ns->n++] = strndup(p, len - (size_t)(p - l));
			const char *dot = memchr(p, '.', len - (size_t)(p - l));
			if (!dot)
				break;
			p = dot + 1;
		}
	}
	qsort(ns->v, ns->n, sizeof(char *), cmp_s);
}

/* "A x" / "TXT t" records of owner, joined sorted (lines are sorted). */
static void
records_at(const struct dump_zone *dz, const char *owner, char *out,
    size_t cap)
{
	size_t ol = strlen(owner), o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < dz->n; i++) {
		const char *l = dz->line[i];
		if (strncmp(l, owner, ol) != 0 || l[ol] != '\t')
			continue;
		const char *type = strstr(l + ol, "\tIN\t") + 4;
		if (strncmp(type, "TYPE65534", 9) == 0)
			continue;       /* a placeholder: existence only */
		o += (size_t)snprintf(out + o, cap - o, "%s;", type);
	}
}

/* RFC 4592: the name itself, else the wildcard at its closest encloser.
 * Returns 0 NXDOMAIN, 1 exists (records in out, maybe none). */
static int
match(const struct dump_zone *dz, const struct names *ns, const char *name,
    char *out, size_t cap)
{
	char wc[300];
	const char *p = name;

	out[0] = '\0';
	if (exists(ns, name)) {
		records_at(dz, name, out, cap);
		return 1;
	}
	while ((p = strchr(p, '.')) != NULL) {
		p++;
		if (exists(ns, p)) {
			snprintf(wc, sizeof(wc), "*.%s", p);
			if (!exists(ns, wc))
				return 0;
			records_at(dz, wc, out, cap);
			return 1;
		}
	}
	snprintf(wc, sizeof(wc), "*");
	if (!exists(ns, wc))
		return 0;
	records_at(dz, wc, out, cap);
	return 1;
}

/* zone_query's answer in the same form. */
static int
truth(const struct zone *z, const char *name, char *out, size_t cap)
{
	struct tu_q q;
	struct dx_hits h;
	char *recs[2 * DX_MAXHITS], txt[600];
	unsigned n = 0;
	size_t o = 0;

	enum zone_status st;

	out[0] = '\0';
	st = zone_query(z, tu_qname(&q, name), &h);
	if (st != ZONE_FOUND)
		return st == ZONE_NODATA;       /* exists, no records */
	for (unsigned i = 0; i < h.n; i++) {
		char r[700], ip[INET_ADDRSTRLEN];
		for (unsigned k = 0; h.hit[i].rr && k < h.hit[i].nrr; k++) {
			const struct dx_rr *rr = &h.hit[i].rr[k];
			if (rr->type != 1 || rr->rdlen != 4 || n >= 2 * DX_MAXHITS)
				continue;       /* generic A only in these tests */
			snprintf(r, sizeof(r), "A\t%u.%u.%u.%u", rr->rdata[0],
			    rr->rdata[1], rr->rdata[2], rr->rdata[3]);
			recs[n++] = strdup(r);
		}
		if (!h.hit[i].val)
			continue;
		inet_ntop(AF_INET, &h.hit[i].val->a, ip, sizeof(ip));
		snprintf(r, sizeof(r), "A\t%s", ip);
		recs[n++] = strdup(r);
		if (dataset_txt_expand(&h.hit[i], &q.q, txt, sizeof(txt)) > 0) {
			snprintf(r, sizeof(r), "TXT\t\"%s\"", txt);
			recs[n++] = strdup(r);
		}
	}
	qsort(recs, n, sizeof(char *), cmp_s);
	for (unsigned i = 0; i < n; i++) {
		if (i == 0 || strcmp(recs[i], recs[i - 1]) != 0)
			o += (size_t)snprintf(out + o, cap - o, "%s;", recs[i]);
	}
	for (unsigned i = 0; i < n; i++)
		free(recs[i]);
	return 1;
}

static void
rev4(uint32_t a, char *out)
{
	sprintf(out, "%u.%u.%u.%u", a & 255, a >> 8 & 255, a >> 16 & 255,
	    a >> 24);
}

static void
rev6(const uint8_t *a, char *out)
{
	for (int i = 31; i >= 0; i--) {
		unsigned nib = (a[i / 2] >> (i % 2 ? 0 : 4)) & 15;
		out += sprintf(out, "%x%s", nib, i ? "." : "");
	}
}

static void
test_random_oracle(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++) {
		char d4[8192], d6[8192], name[128], got[2048], want[2048];
		uint32_t p4[40];
		uint8_t p6[40][16];
		size_t o4 = 0, o6 = 0;
		unsigned n4 = 0, n6 = 0, i, bad = 0;
		srandom(seed);
		/* IPv4 in 10/8 and 2/8 (its labels are IPv6 nibbles too),
		 * IPv6 in 2001:db8::/32; some exclusions, some $ */
		for (i = 0; i < 14; i++) {
			uint32_t a = (uint32_t)(i % 2 ? 10 : 2) << 24 |
			    ((uint32_t)random() & 0x0003ffff) << 4;
			unsigned plen = 14 + (unsigned)random() % 19;
			p4[n4++] = a;
			o4 += (size_t)snprintf(d4 + o4, sizeof(d4) - o4,
			    "%s%u.%u.%u.%u/%u :%u:%s\n", random() % 4 ? "" : "!",
			    a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, plen,
			    1 + i % 5, i == 3 && plen >= 28 ? "T$" : "T");
		}
		for (i = 0; i < 10; i++) {
			uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
			char txt[64];
			unsigned plen = 32 + (unsigned)random() % 97;
			for (int k = 4; k < 16; k++)
				a[k] = k < 7 ? (uint8_t)(random() & 3) : 0;
			memcpy(p6[n6++], a, 16);
			inet_ntop(AF_INET6, a, txt, sizeof(txt));
			o6 += (size_t)snprintf(d6 + o6, sizeof(d6) - o6,
			    "%s%s/%u :%u:S%u\n", random() % 4 ? "" : "!", txt,
			    plen > 128 ? 128 : plen, 1 + i % 3, i);
		}
		struct fix *f = build(d4, d6, 2000000);
		assert_int_equal(f->rc, 0);
		struct names ns;
		names_build(f->dz, &ns);
		for (i = 0; i < 1500; i++) {
			uint32_t a = p4[random() % n4] ^
			    ((uint32_t)random() >> (random() % 32));
			if (i % 3 == 0) {
				uint8_t b[16];
				memcpy(b, p6[random() % n6], 16);
				int k = 4 + (int)(random() % 12);
				b[k] ^= (uint8_t)random();
				if (i % 2)
					b[15] ^= 1;
				rev6(b, name);
			} else {
				rev4(i % 50 == 1 ? (uint32_t)random() : a, name);
			}
			int m = match(f->dz, &ns, name, got, sizeof(got));
			int t = truth(f->z, name, want, sizeof(want));
			if (m != t || strcmp(got, want) != 0) {
				if (bad++ < 5)
					print_error("seed %u %s: zone file %d %s, "
					    "zone_query %d %s\n", seed, name, m,
					    got, t, want);
			}
		}
		for (size_t k = 0; k < ns.n; k++)
			free(ns.v[k]);
		free(ns.v);
		fix_free(f);
		assert_int_equal(bad, 0);
	}
}

/* Zone "nm.example" over a dnset and a generic dataset, no RFC 5782. */
static struct fix *
build_names(const char *dn, const char *gen)
{
	struct fix *f = calloc(1, sizeof(*f));
	f->ds[0] = tu_load("dnset", dn);
	f->ds[1] = tu_load("generic", gen);
	assert_int_equal(f->ds[0]->rc, 0);
	assert_int_equal(f->ds[1]->rc, 0);
	assert_int_equal(zone_new("nm.example", &f->z), 0);
	zone_add_dataset(f->z, f->ds[0]->ds);
	zone_add_dataset(f->z, f->ds[1]->ds);
	assert_int_equal(zone_finish(f->z, &zopts, NULL), 0);
	f->cfg.ttl_default = 2100;
	tu_diag(&f->d, &f->cap);
	f->rc = dump_zone_render(f->z, &f->cfg, 0, &f->d, &f->dz);
	return f;
}

static void
test_names_exact(void **state)
{
	char buf[4096];
	(void)state;
	struct fix *f = build_names(":2:Listed $\nexample.com\n.bad.example\n"
	    "!good.bad.example\n*.wild.test :3:Wild\ndeep.x.wild.test :4:Deep\n",
	    "@ A 127.0.0.9\ninfo TXT \"hello world\"\nmx MX 10 mail.example.\n");
	assert_int_equal(f->rc, 0);
	/* x.wild.test is an empty non-terminal of deep.x.wild.test: it and
	 * the names below it repeat *.wild.test; good.bad.example is
	 * excluded (NODATA, as dnsxld) but its children are listed */
	assert_string_equal(short_lines(f->dz, buf, sizeof(buf)),
	    "*.bad.example\t2100\tIN\tA\t127.0.0.2\n"
	    "*.bad.example\t2100\tIN\tTXT\t\"Listed bad.example\"\n"
	    "*.deep.x.wild.test\t2100\tIN\tA\t127.0.0.3\n"
	    "*.deep.x.wild.test\t2100\tIN\tTXT\t\"Wild\"\n"
	    "*.good.bad.example\t2100\tIN\tA\t127.0.0.2\n"
	    "*.good.bad.example\t2100\tIN\tTXT\t\"Listed bad.example\"\n"
	    "*.wild.test\t2100\tIN\tA\t127.0.0.3\n"
	    "*.wild.test\t2100\tIN\tTXT\t\"Wild\"\n"
	    "*.x.wild.test\t2100\tIN\tA\t127.0.0.3\n"
	    "*.x.wild.test\t2100\tIN\tTXT\t\"Wild\"\n"
	    "@\t2100\tIN\tA\t127.0.0.9\n"
	    "bad.example\t2100\tIN\tA\t127.0.0.2\n"
	    "bad.example\t2100\tIN\tTXT\t\"Listed bad.example\"\n"
	    "deep.x.wild.test\t2100\tIN\tA\t127.0.0.4\n"
	    "deep.x.wild.test\t2100\tIN\tTXT\t\"Deep\"\n"
	    "example.com\t2100\tIN\tA\t127.0.0.2\n"
	    "example.com\t2100\tIN\tTXT\t\"Listed example.com\"\n"
	    "info\t2100\tIN\tTXT\t\"hello world\"\n"
	    "mx\t2100\tIN\tMX\t10 mail.example.\n"
	    "x.wild.test\t2100\tIN\tA\t127.0.0.3\n"
	    "x.wild.test\t2100\tIN\tTXT\t\"Wild\"\n");
	assert_int_equal(count_owner_prefix(f->dz, "deep.x.wild.test"), 4);
	fix_free(f);
}

static void
test_names_oracle(void **state)
{
	static const char *const lab[] = { "a", "b", "c", "com", "net", "x" };
	(void)state;
	for (unsigned seed = 1; seed <= 10; seed++) {
		char dn[4096], name[256], got[2048], want[2048];
		size_t o = 0;
		unsigned i, bad = 0;
		srandom(seed);
		for (i = 0; i < 25; i++) {
			static const char *const form[] = { "", "*.", ".", "!",
			    "!*." };
			char nm[64];
			unsigned nl = 1 + (unsigned)random() % 3, k;
			size_t p = 0;
			for (k = 0; k < nl; k++)
				p += (size_t)snprintf(nm + p, sizeof(nm) - p, "%s%s",
				    k ? "." : "", lab[random() % 6]);
			o += (size_t)snprintf(dn + o, sizeof(dn) - o,
			    "%s%s :%u:T%u\n", form[random() % 5], nm,
			    1 + i % 4, i % 3);
		}
		struct fix *f = build_names(dn, "");
		if (f->rc < 0)
			print_error("%s\n", f->cap.all);
		assert_int_equal(f->rc, 0);
		struct names ns;
		names_build(f->dz, &ns);
		for (i = 0; i < 800; i++) {
			unsigned nl = 1 + (unsigned)random() % 5, k;
			size_t p = 0;
			for (k = 0; k < nl; k++)
				p += (size_t)snprintf(name + p, sizeof(name) - p,
				    "%s%s", k ? "." : "", k == 0 && random() % 4 == 0 ?
				    "zz" : lab[random() % 6]);
			int m = match(f->dz, &ns, name, got, sizeof(got));
			int t = truth(f->z, name, want, sizeof(want));
			if (m != t || strcmp(got, want) != 0) {
				if (bad++ < 5)
					print_error("seed %u %s: zone file %d %s, "
					    "zone_query %d %s\n", seed, name, m,
					    got, t, want);
			}
		}
		for (size_t k = 0; k < ns.n; k++)
			free(ns.v[k]);
		free(ns.v);
		fix_free(f);
		assert_int_equal(bad, 0);
	}
}

/* --- combined ------------------------------------------------------------- */

/* Zone "cb.example" over one combined dataset. */
static struct fix *
build_combined(const char *text, bool rfc5782)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct zone_opts o = zopts;
	o.rfc5782_tests = rfc5782;
	f->ds[0] = tu_load("combined", text);
	if (f->ds[0]->rc < 0)
		print_error("%s\n", f->ds[0]->cap.all);
	assert_int_equal(f->ds[0]->rc, 0);
	assert_int_equal(zone_new("cb.example", &f->z), 0);
	zone_add_dataset(f->z, f->ds[0]->ds);
	assert_int_equal(zone_finish(f->z, &o, NULL), 0);
	f->cfg.ttl_default = 2100;
	f->cfg.rfc5782_tests = rfc5782;
	tu_diag(&f->d, &f->cap);
	f->rc = dump_zone_render(f->z, &f->cfg, 0, &f->d, &f->dz);
	return f;
}

static void
test_combined_exact(void **state)
{
	char buf[8192];
	(void)state;
	/* proxies: an ip4set below its labels (IPv4-mapped names too, which
	 * short_lines leaves out); names: a dnset; www.x and the base zone
	 * share a generic "@"; empty: a subzone with nothing, which exists
	 * (NODATA) and so gets a placeholder; x exists above www.x */
	struct fix *f = build_combined(
	    "$DATASET ip4set:proxy proxies\n"
	    ":2:Proxy $\n"
	    "10.1.2.3\n"
	    "$DATASET dnset:names names\n"
	    "bad.example :3:Bad\n"
	    ".wild.test :4:Wild\n"
	    "$DATASET generic:gen www.x @\n"
	    "@ A 127.0.0.9\n"
	    "$DATASET ip4set:none empty\n", false);
	assert_int_equal(f->rc, 0);
	assert_string_equal(short_lines(f->dz, buf, sizeof(buf)),
	    "*.wild.test.names\t2100\tIN\tA\t127.0.0.4\n"
	    "*.wild.test.names\t2100\tIN\tTXT\t\"Wild\"\n"
	    "3.2.1.10.proxies\t2100\tIN\tA\t127.0.0.2\n"
	    "3.2.1.10.proxies\t2100\tIN\tTXT\t\"Proxy 10.1.2.3\"\n"
	    "@\t2100\tIN\tA\t127.0.0.9\n"
	    "bad.example.names\t2100\tIN\tA\t127.0.0.3\n"
	    "bad.example.names\t2100\tIN\tTXT\t\"Bad\"\n"
	    "empty\t2100\tIN\tTYPE65534\t\\# 0\n"
	    "wild.test.names\t2100\tIN\tA\t127.0.0.4\n"
	    "wild.test.names\t2100\tIN\tTXT\t\"Wild\"\n"
	    "www.x\t2100\tIN\tA\t127.0.0.9\n");
	/* the IPv4-mapped name of 10.1.2.3 below proxies (nested ip4set
	 * datasets answer those) */
	assert_int_equal(count_owner_prefix(f->dz,
	    "3.0.2.0.1.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "proxies"), 2);
	assert_int_equal(f->dz->n, 13);
	fix_free(f);

	/* a subzone whose label is an address label under an apex with
	 * reverse IP names is refused, as is a nested type with no walk */
	f = build_combined("$DATASET ip4set @\n10.0.0.1\n"
	    "$DATASET dnset 10\nx.y\n", false);
	assert_int_equal(f->rc, DX_EINVAL);
	assert_non_null(strstr(f->cap.all, "subzone 10. collides"));
	fix_free(f);
}

static void
test_combined_oracle(void **state)
{
	static const char *const lab[] = { "com", "net", "xx", "zz", "www" };
	static const char *const sub[] = { "", "p", "q.p", "n", "x.y", "y",
	    "zz", "p.n" };
	(void)state;
	for (unsigned seed = 1; seed <= 12; seed++) {
		char text[16384], name[300], got[2048], want[2048], nm[64];
		uint32_t p4[40];
		size_t o = 0;
		unsigned n4 = 0, i, k, bad = 0;
		srandom(seed);
		for (unsigned set = 0; set < 2; set++) {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "$DATASET ip4trie:t%u %s\n", set,
			    set ? "q.p" : "p @");
			for (i = 0; i < 10; i++) {
				uint32_t a = (uint32_t)10 << 24 |
				    ((uint32_t)random() & 0x0003ffff) << 4;
				unsigned plen = 14 + (unsigned)random() % 19;
				p4[n4++] = a;
				o += (size_t)snprintf(text + o, sizeof(text) - o,
				    "%s%u.%u.%u.%u/%u :%u:%s\n",
				    random() % 4 ? "" : "!", a >> 24,
				    a >> 16 & 255, a >> 8 & 255, a & 255, plen,
				    1 + i % 5, i == 3 && plen >= 28 ? "T$" : "T");
			}
		}
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "$DATASET dnset:d n x.y\n");
		for (i = 0; i < 15; i++) {
			static const char *const form[] = { "", "*.", ".", "!" };
			unsigned nl = 1 + (unsigned)random() % 2;
			size_t p = 0;
			for (k = 0; k < nl; k++)
				p += (size_t)snprintf(nm + p, sizeof(nm) - p,
				    "%s%s", k ? "." : "", lab[random() % 5]);
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "%s%s :%u:D%u\n", form[random() % 4], nm, 2 + i % 3,
			    i % 2);
		}
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "$DATASET generic:g x.y p.n\n@ A 127.0.0.9\nwww A 127.0.0.8\n"
		    "$DATASET ip4set:e zz\n");
		struct fix *f = build_combined(text, seed % 2 == 0);
		if (f->rc < 0)
			print_error("%s\n", f->cap.all);
		assert_int_equal(f->rc, 0);
		struct names ns;
		names_build(f->dz, &ns);
		for (i = 0; i < 1500; i++) {
			const char *s = sub[random() % 8];
			char rel[200];
			if (i % 3 == 0) {
				unsigned nl = random() % 3;
				size_t p = 0;
				rel[0] = '\0';
				for (k = 0; k < nl; k++)
					p += (size_t)snprintf(rel + p, sizeof(rel) - p,
					    "%s%s", k ? "." : "", random() % 5 == 0 ?
					    "qq" : lab[random() % 5]);
			} else {
				uint32_t a = p4[random() % n4] ^
				    ((uint32_t)random() >> (random() % 32));
				if (i % 40 == 1)
					a = 0x7f000001u + (unsigned)random() % 2;
				rev4(a, rel);
			}
			snprintf(name, sizeof(name), "%s%s%s", rel,
			    rel[0] && s[0] ? "." : "", s);
			if (!name[0])
				continue;
			int m = match(f->dz, &ns, name, got, sizeof(got));
			int t = truth(f->z, name, want, sizeof(want));
			if (m != t || strcmp(got, want) != 0) {
				if (bad++ < 5)
					print_error("seed %u %s: zone file %d %s, "
					    "zone_query %d %s\n", seed, name, m,
					    got, t, want);
			}
		}
		for (size_t j = 0; j < ns.n; j++)
			free(ns.v[j]);
		free(ns.v);
		fix_free(f);
		assert_int_equal(bad, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildcard_and_empty_non_terminal),
		cmocka_unit_test(test_exclusion_and_unaligned),
		cmocka_unit_test(test_dollar_template_and_limit),
		cmocka_unit_test(test_random_oracle),
		cmocka_unit_test(test_names_exact),
		cmocka_unit_test(test_names_oracle),
		cmocka_unit_test(test_combined_exact),
		cmocka_unit_test(test_combined_oracle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

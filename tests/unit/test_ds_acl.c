/* test_ds_acl.c -- acl entries and actions, global + zone precedence, the
 * "$" = client address expansion, and how datasets answer under empty and
 * value verdicts (as rbldnsd 1.0 answered on loopback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "acl.h"
#include "ds_testutil.h"

static const char acl_txt[] =
    "$1 see\n"
    "# no value: the default action, ignore\n"
    "10.0.0.0/8\n"
    "10.1.0.0/16 :refuse\n"
    "10.1.2.0/24 =empty\n"
    "10.1.3.0/24 :pass\n"
    "10.1.4.0/24 :127.0.0.9:acl $ $1\n"
    "10.1.5.0/24 Listed text only\n"
    "2001:db8::/32 :Empty\n"
    "2001:db8:1::/48 :BLACKHOLE\n"
    "::1 :pass\n"
    ":refuse\n"
    "192.168.0.0/16\n"
    "=bogus\n"
    "10.1.0.0/16 :empty\n"
    "1.2.3.4/24\n"
    "999.1.1.1\n"
    "10.2.0.0/16 :300:x\n"
    "$SOA 1h a.ex b.ex 1 1 1 1 1\n";

static struct sockaddr_storage peer_ss;

static const struct sockaddr *
peer(const char *addr, socklen_t *len)
{
	memset(&peer_ss, 0, sizeof(peer_ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peer_ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&peer_ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		*len = sizeof(*s4);
	}
	return (const struct sockaddr *)&peer_ss;
}

/* "ignore", "refuse", "empty", "pass" or "value A txt". */
static const char *
verdict(const struct dataset *g, const struct dataset *z, const char *addr)
{
	static char out[600];
	struct acl_verdict v;
	socklen_t len;
	const struct sockaddr *sa = peer(addr, &len);
	char txt[512];
	const uint8_t *a;

	acl_check(g, z, sa, len, &v);
	switch (v.action) {
	case ACL_IGNORE: return "ignore";
	case ACL_REFUSE: return "refuse";
	case ACL_EMPTY: return "empty";
	case ACL_PASS: return "pass";
	case ACL_VALUE: break;
	}
	assert_non_null(v.val);
	assert_non_null(v.ds);
	a = (const uint8_t *)&v.val->a;
	if (acl_txt_expand(&v, sa, len, txt, sizeof(txt)) < 0)
		snprintf(txt, sizeof(txt), "-");
	snprintf(out, sizeof(out), "value %u.%u.%u.%u %s", a[0], a[1], a[2],
	    a[3], txt);
	return out;
}

static struct dataset *
load(const char *type, const char *text, struct tu_log *log, char *path0)
{
	const char *texts[] = { text, NULL };
	char paths[4][64];
	struct dataset *ds;
	assert_int_equal(tu_load(type, texts, log, paths, &ds), 0);
	if (path0)
		strcpy(path0, paths[0]);
	return ds;
}

static void
test_entries(void **state)
{
	struct tu_log log = {0};
	char path[64], want[1024];
	struct dataset *acl = load("acl", acl_txt, &log, path);
	(void)state;

	snprintf(want, sizeof(want),
	    "%s:14: invalid keyword\n"
	    "%s:15: duplicated entry for 10.1.0.0/16\n"
	    "%s:16: invalid range (non-zero host part)\n"
	    "%s:17: invalid address\n"
	    "%s:18: invalid value\n"
	    "%s:19: invalid or unrecognized special entry\n",
	    path, path, path, path, path, path);
	assert_string_equal(log.text, want);

	assert_string_equal(verdict(NULL, acl, "10.9.9.9"), "ignore");
	assert_string_equal(verdict(NULL, acl, "10.1.9.9"), "refuse");
	assert_string_equal(verdict(NULL, acl, "10.1.2.3"), "empty");
	assert_string_equal(verdict(NULL, acl, "10.1.3.3"), "pass");
	assert_string_equal(verdict(NULL, acl, "10.1.4.4"),
	    "value 127.0.0.9 acl 10.1.4.4 see");
	assert_string_equal(verdict(NULL, acl, "10.1.5.5"),
	    "value 127.0.0.2 Listed text only");
	assert_string_equal(verdict(NULL, acl, "192.168.1.1"), "refuse");
	assert_string_equal(verdict(NULL, acl, "8.8.8.8"), "pass");
	assert_string_equal(verdict(NULL, acl, "2001:db8::5"), "empty");
	assert_string_equal(verdict(NULL, acl, "2001:db8:1::5"), "ignore");
	assert_string_equal(verdict(NULL, acl, "::1"), "pass");
	assert_string_equal(verdict(NULL, acl, "2001:db9::1"), "pass");
	/* a dual-stack socket's IPv4 client is looked up as IPv4 */
	assert_string_equal(verdict(NULL, acl, "::ffff:10.1.2.3"), "empty");
	assert_string_equal(verdict(NULL, acl, "::ffff:10.1.4.4"),
	    "value 127.0.0.9 acl 10.1.4.4 see");
	assert_string_equal(verdict(NULL, NULL, "10.1.2.3"), "pass");
	/* an acl never answers a name */
	{
		struct dx_hits hits;
		struct dx_qname q;
		uint8_t buf[256];
		assert_false(tu_query(acl, "4.4.1.10", &hits, &q, buf));
	}
	dataset_free(acl);
}

/* Both acls are asked; ignore > refuse > empty > value; the global value
 * wins over the zone's (rbldnsd keeps the first value it sees). */
static void
test_global_and_zone(void **state)
{
	struct tu_log log = {0};
	struct dataset *zone = load("acl", acl_txt, &log, NULL);
	struct dataset *global = load("acl",
	    "10.0.0.0/8 :127.0.0.3:global $\n"
	    "10.5.0.0/16 :pass\n"
	    "10.6.0.0/16 :refuse\n"
	    "2001:db8::/32 :4:g6 $\n", &log, NULL);
	(void)state;

	assert_string_equal(verdict(global, zone, "10.1.4.4"),
	    "value 127.0.0.3 global 10.1.4.4");
	assert_string_equal(verdict(global, zone, "10.1.2.3"), "empty");
	assert_string_equal(verdict(global, zone, "10.1.3.3"),
	    "value 127.0.0.3 global 10.1.3.3");
	assert_string_equal(verdict(global, zone, "10.9.9.9"), "ignore");
	assert_string_equal(verdict(global, zone, "10.5.1.1"), "ignore");
	assert_string_equal(verdict(global, NULL, "10.5.1.1"), "pass");
	assert_string_equal(verdict(global, zone, "8.8.8.8"), "pass");
	assert_string_equal(verdict(global, zone, "10.6.3.3"), "ignore");
	assert_string_equal(verdict(global, NULL, "10.6.3.3"), "refuse");
	assert_string_equal(verdict(global, zone, "10.1.9.9"), "refuse");
	assert_string_equal(verdict(global, zone, "192.168.0.1"), "refuse");
	assert_string_equal(verdict(global, NULL, "2001:db8::abcd"),
	    "value 127.0.0.4 g6 2001:db8::abcd");
	assert_string_equal(verdict(global, zone, "2001:db8::abcd"), "empty");
	dataset_free(zone);
	dataset_free(global);
}

static const char comb_txt[] =
    "$DATASET ip4set:proxy proxies @\n"
    "127.0.0.2\n"
    "$DATASET dnset:names @\n"
    "spam.com\n"
    "$DATASET generic:common proxies @\n"
    "@ A 127.0.0.8\n"
    "www A 127.0.0.9\n";

/* "" not found, "-" found without anything, "listed", "N hits". */
static const char *
under(const struct dataset *ds, enum acl_action act, const char *name)
{
	static char out[64];
	struct acl_verdict v;
	struct dx_value val = { 0, NULL };
	struct dx_hits hits;
	struct dx_qname q;
	uint8_t buf[256];
	bool listed = false, found;

	memset(&v, 0, sizeof(v));
	v.action = act;
	v.val = &val;
	tu_qname(&q, name, buf);
	hits.n = 0;
	found = acl_dataset_query(ds, &q, &v, &hits, &listed);
	if (!found) {
		assert_false(listed);
		assert_int_equal(hits.n, 0);
		return "";
	}
	if (listed) {
		assert_int_equal(hits.n, 0);
		return "listed";
	}
	if (!hits.n)
		return "-";
	snprintf(out, sizeof(out), "%u hits", hits.n);
	return out;
}

static void
test_dataset_under_verdict(void **state)
{
	struct tu_log log = {0};
	struct dataset *comb = load("combined", comb_txt, &log, NULL);
	struct dataset *ip4 = load("ip4set", "1.2.3.4\n", &log, NULL);
	struct dataset *gen = load("generic", "www A 1.2.3.4\n", &log, NULL);
	(void)state;

	assert_int_equal(log.n, 0);
	/* pass: as dataset_query */
	assert_string_equal(under(comb, ACL_PASS, "2.0.0.127"), "1 hits");
	assert_string_equal(under(comb, ACL_PASS, "www"), "1 hits");
	/* empty: data not listed; generic names exist without records */
	assert_string_equal(under(comb, ACL_EMPTY, "2.0.0.127"), "");
	assert_string_equal(under(comb, ACL_EMPTY, "spam.com"), "");
	assert_string_equal(under(comb, ACL_EMPTY, "www"), "-");
	assert_string_equal(under(comb, ACL_EMPTY, ""), "-");
	assert_string_equal(under(comb, ACL_EMPTY, "proxies"), "-");
	assert_string_equal(under(ip4, ACL_EMPTY, "4.3.2.1"), "");
	assert_string_equal(under(gen, ACL_EMPTY, "www"), "-");
	assert_string_equal(under(gen, ACL_EMPTY, "ftp"), "");
	/* value: listed wherever the name is a key of a nested dataset */
	assert_string_equal(under(comb, ACL_VALUE, "9.9.9.9"), "listed");
	assert_string_equal(under(comb, ACL_VALUE, "2.0.0.127.proxies"), "listed");
	assert_string_equal(under(comb, ACL_VALUE, "foo"), "listed");
	assert_string_equal(under(comb, ACL_VALUE, "1.2.3.4.foo"), "listed");
	assert_string_equal(under(comb, ACL_VALUE, "www"), "listed");
	assert_string_equal(under(comb, ACL_VALUE, "proxies"), "-");
	assert_string_equal(under(comb, ACL_VALUE, "foo.proxies"), "");
	assert_string_equal(under(comb, ACL_VALUE, ""), "-");
	assert_string_equal(under(ip4, ACL_VALUE, "9.9.9.9"), "listed");
	assert_string_equal(under(ip4, ACL_VALUE, "9.9.9"), "");
	assert_string_equal(under(ip4, ACL_VALUE, "www"), "");
	assert_string_equal(under(gen, ACL_VALUE, "www"), "-");
	/* refuse and ignore never get here; they behave as pass */
	assert_string_equal(under(ip4, ACL_REFUSE, "4.3.2.1"), "1 hits");
	dataset_free(comb);
	dataset_free(ip4);
	dataset_free(gen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_global_and_zone),
		cmocka_unit_test(test_dataset_under_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* zone.c -- a DNSxL zone: the union of its datasets, SOA/NS from the first
 * dataset that has them (or synthesized), RFC 5782 test entries, and the
 * NXDOMAIN / NODATA / FOUND answer for a name below the apex. */
#include "zone.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "datafile.h"
#include "ds_impl.h"
#include "errcode.h"
#include "lpm.h"
#include "qauth.h"

struct zone {
	/* What a query reads first, then the reply bytes of its authority
	 * records; the 8 KB of SOA and NS names after them. */
	struct dataset **ds;
	unsigned nds;
	const struct dataset *ip4ds;    /* zone_lookup4: the one IPv4 trie */
	const struct lpm *ip4map;
	bool has_ip4;
	bool rfc5782;
	bool ent_nxdomain;
	struct dataset *acl;
	struct dataset *testds;     /* holds the test entry's value */
	uint32_t test_vidx;
	struct ds_soa soa;          /* serial and TTLs lead: read per answer */
	struct qauth auth;          /* soa and ns as reply bytes */
	struct ds_ns ns;
	char *name;                 /* no trailing dot, lowercase */
	unsigned wlen, nlabels, capds;
	uint8_t wire[256];
};

#define IP4_TEST_LISTED   0x7f000002u   /* 127.0.0.2 */
#define IP4_TEST_UNLISTED 0x7f000001u   /* 127.0.0.1 */

int
zone_new(const char *name, struct zone **out)
{
	struct zone *z = calloc(1, sizeof(*z));
	size_t len = strlen(name), i;
	char *tmp;

	if (!z)
		return DX_ENOMEM;
	while (len > 1 && name[len - 1] == '.')
		len--;
	z->name = malloc(len + 1);
	tmp = malloc(len + 1);
	if (!z->name || !tmp) {
		free(tmp);
		zone_free(z);
		return DX_ENOMEM;
	}
	for (i = 0; i < len; i++) {
		char c = name[i];
		z->name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	z->name[len] = '\0';
	memcpy(tmp, z->name, len + 1);
	if (len == 0 || !df_parse_dname(tmp, z->wire, &z->wlen) ||
	    strchr(z->name, ' ') || strchr(z->name, '\t')) {
		free(tmp);
		zone_free(z);
		return DX_EINVAL;
	}
	free(tmp);
	for (i = 0; z->wire[i]; i += z->wire[i] + 1u)
		z->nlabels++;
	*out = z;
	return 0;
}

int
zone_add_dataset(struct zone *z, struct dataset *ds)
{
	if (ds->type == &ds_type_acl && ds_type_acl.name) {
		z->acl = ds;
		return 0;
	}
	if (z->nds == z->capds) {
		unsigned ncap = z->capds ? z->capds * 2 : 4;
		struct dataset **n = realloc(z->ds, ncap * sizeof(*n));
		if (!n)
			return DX_ENOMEM;
		z->ds = n;
		z->capds = ncap;
	}
	z->ds[z->nds++] = ds;
	if (ds->type->flags & DS_F_IP4)
		z->has_ip4 = true;
	return 0;
}

/* Text name to wire; false when it is not a valid name. */
static bool
name_to_wire(const char *name, uint8_t *wire)
{
	char buf[300];
	unsigned len;
	if (strlen(name) >= sizeof(buf) - 1)
		return false;
	strcpy(buf, name);
	return df_parse_dname(buf, wire, &len) != NULL;
}

int
zone_finish(struct zone *z, const struct zone_opts *o, struct diag *d)
{
	time_t stamp = 0;
	unsigned i;
	bool have_soa = false, have_ns = false;

	for (i = 0; i < z->nds; i++)
		if (z->ds[i]->mtime > stamp)
			stamp = z->ds[i]->mtime;
	for (i = 0; i < z->nds; i++) {
		const struct dataset *ds = z->ds[i];
		if (!have_soa && ds->soa.set) {
			z->soa = ds->soa;
			have_soa = true;
		}
		if (!have_ns && ds->ns_set) {
			z->ns = ds->ns;
			have_ns = true;
		}
	}
	if (have_soa && z->soa.serial == 0)
		z->soa.serial = (uint32_t)stamp;   /* newest data file */
	if (!have_soa) {
		/* rbldnsd would have no SOA; we always serve one */
		struct ds_soa *s = &z->soa;
		memset(s, 0, sizeof(*s));
		s->ttl = o->ttl_default;
		s->serial = stamp ? (uint32_t)stamp : (uint32_t)time(NULL);
		s->refresh = 3600;
		s->retry = 600;
		s->expire = 604800;
		s->minttl = o->ttl_default;
		if (!o->soa_mname || !name_to_wire(o->soa_mname, s->mname)) {
			if (o->soa_mname && d)
				diag_error(d, NULL, 0, "zone %s: bad SOA mname \"%s\"",
				    z->name, o->soa_mname);
			memcpy(s->mname, z->wire, z->wlen);
		}
		if (!o->soa_rname || !name_to_wire(o->soa_rname, s->rname)) {
			if (o->soa_rname && d)
				diag_error(d, NULL, 0, "zone %s: bad SOA rname \"%s\"",
				    z->name, o->soa_rname);
			s->rname[0] = 10;
			memcpy(s->rname + 1, "hostmaster", 10);
			memcpy(s->rname + 11, z->wire, z->wlen);
		}
		s->set = true;
	}
	qauth_build(&z->auth, z->wire, &z->soa, zone_negative_ttl(z), &z->ns);
	/* One dataset, an IPv4 trie: a four-octet name is its lookup alone
	 * (no acl verdict, no $TIMESTAMP expiry, no other dataset to ask) */
	z->ip4ds = NULL;
	z->ip4map = NULL;
	if (z->nds == 1 && !z->acl && z->ds[0]->expires == 0 &&
	    (z->ip4map = dataset_lpm4(z->ds[0])) != NULL)
		z->ip4ds = z->ds[0];
	z->rfc5782 = o->rfc5782_tests;
	z->ent_nxdomain = o->ent_nxdomain;
	if (z->rfc5782 && !z->testds) {
		struct ds_loadopts lo = { .ttl_default = o->ttl_default };
		struct dx_value v = { 0, "RFC 5782 test entry" };
		int rc;
		v.a = htonl(IP4_TEST_LISTED);
		if ((rc = dataset_new(&ds_type_ip4tset, NULL, 0, NULL,
		    &z->testds)) < 0)
			return rc;
		if ((rc = ds_begin(z->testds, &lo)) < 0 ||
		    (rc = ds_value_intern(z->testds, &v, &z->test_vidx)) < 0)
			return rc;
	}
	return 0;
}

void
zone_free(struct zone *z)
{
	if (!z)
		return;
	dataset_free(z->testds);
	free(z->ds);
	free(z->name);
	free(z);
}

const char *
zone_name(const struct zone *z)
{
	return z->name;
}

const uint8_t *
zone_name_wire(const struct zone *z, unsigned *len, unsigned *nlabels)
{
	if (len)
		*len = z->wlen;
	if (nlabels)
		*nlabels = z->nlabels;
	return z->wire;
}

static bool
query_all(const struct zone *z, const struct dx_qname *q,
    struct dx_hits *hits)
{
	bool found = false;
	unsigned i;
	for (i = 0; i < z->nds; i++)
		if (dataset_query(z->ds[i], q, hits))
			found = true;
	return found;
}

enum zone_status
zone_query(const struct zone *z, const struct dx_qname *q,
    struct dx_hits *hits)
{
	struct dx_qname copy;
	bool found;
	unsigned i;

	hits->n = 0;
	if (q->nlabels == 0) {
		query_all(z, q, hits);
		return hits->n ? ZONE_FOUND : ZONE_NODATA;
	}
	/* rbldnsd: with IPv4 datasets in the zone, an IPv4-mapped name is
	 * only an IPv4 query, and a 6to4 name (2002:V4ADDR::/48) is both */
	uint32_t v4;
	if (z->has_ip4 && q->ip6_nibbles == 32) {
		if (q->ip4_octets == 4) {
			copy = *q;
			copy.ip6_nibbles = 0;
			q = &copy;
		} else if (qname_6to4(q, &v4)) {
			copy = *q;
			copy.ip4_octets = 4;
			copy.ip4 = v4;
			q = &copy;
		}
	}
	if (z->rfc5782 && q->ip4_octets == 4) {
		if (q->ip4 == IP4_TEST_UNLISTED)
			return ZONE_NXDOMAIN;
		if (q->ip4 == IP4_TEST_LISTED) {
			query_all(z, q, hits);
			if (!hits->n)
				ds_hit_add4(hits, z->testds, z->test_vidx, q->ip4, 32);
			return ZONE_FOUND;
		}
	}
	found = query_all(z, q, hits);
	if (found)
		return hits->n ? ZONE_FOUND : ZONE_NODATA;
	if (z->ent_nxdomain)
		return ZONE_NXDOMAIN;
	for (i = 0; i < z->nds; i++)
		if (dataset_exists_below(z->ds[i], q))
			return ZONE_NODATA;
	if (z->rfc5782 && q->ip4_octets >= 1 && q->ip4_octets <= 3 &&
	    ((q->ip4 ^ IP4_TEST_LISTED) >> (32 - 8 * q->ip4_octets)) == 0)
		return ZONE_NODATA;
	return ZONE_NXDOMAIN;
}

bool
zone_lookup4(const struct zone *z, uint32_t addr, const struct dataset **ds,
    const struct dx_value **val)
{
	if (!z->ip4ds || (z->rfc5782 &&
	    (addr == IP4_TEST_LISTED || addr == IP4_TEST_UNLISTED)))
		return false;
	uint32_t v = lpm_lookup4(z->ip4map, addr, NULL);   /* A needs no length */
	*ds = z->ip4ds;
	*val = NULL;
	if (v != LPM_NONE && (*val = ds_value(z->ip4ds, v)) == NULL)
		return false;   /* a hit without a value: zone_query's NODATA */
	return true;
}

const struct ds_soa *zone_soa(const struct zone *z) { return &z->soa; }
const struct ds_ns *zone_ns(const struct zone *z) { return &z->ns; }
const struct qauth *zone_auth(const struct zone *z) { return &z->auth; }

uint32_t
zone_negative_ttl(const struct zone *z)
{
	return z->soa.ttl < z->soa.minttl ? z->soa.ttl : z->soa.minttl;
}

void zone_set_serial(struct zone *z, uint32_t serial) { z->soa.serial = serial; }

struct dataset *zone_acl(const struct zone *z) { return z->acl; }
unsigned zone_dataset_count(const struct zone *z) { return z->nds; }

const struct dataset *
zone_dataset(const struct zone *z, unsigned i)
{
	return i < z->nds ? z->ds[i] : NULL;
}

/* The lines of z a query reads, for snapshot_prefetch_hot(): the fields
 * it reads first, the SOA's negative-answer image (qauth) and the
 * dataset array. */
unsigned
zone_hot_lines(const struct zone *z, const void **out, unsigned max)
{
	const void *l[] = { z, (const char *)z + 64, &z->auth, z->ds };
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(l) / sizeof(l[0]) && n < max; i++)
		if (l[i])
			out[n++] = l[i];
	return n;
}

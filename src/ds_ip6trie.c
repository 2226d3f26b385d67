/* ds_ip6trie.c -- the ip6trie dataset type: IPv6 CIDR prefixes with one
 * value each, true longest-prefix match (lpm.h), exclusions ("::" forms and
 * trailing groups omitted: "2001:21ab:c000/36"). */
#include <string.h>

#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"
#include "lpm.h"

static int ip6trie_start(struct dataset *ds) { return ds_trie_start(ds, 6); }

#define ISSP(c) ((c) == ' ' || (c) == '\t')
#define ENDOK(c) (!(c) || ISSP(c) || (c) == '#' || (c) == ';' || (c) == ':')

static int
ip6trie_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	uint8_t addr[16];
	const char *e;
	bool excl = false;
	int bits;

	/* "::1" is an address, ":2:..." a default line */
	if (*s == ':' && s[1] != ':')
		return ds_default_line(ds, ld, s, NULL);
	if (*s == '!') {
		excl = true;
		s++;
		while (ISSP(*s))
			s++;
	}
	bits = ip6_cidr(s, addr, &e);
	if (bits < 0 || !ENDOK(*e)) {
		ds_warn(ld, "invalid address");
		return 0;
	}
	if (ip6_clear_host(addr, (unsigned)bits) && !ds->opts.allow_host_bits) {
		ds_warn(ld, "invalid range (non-zero host part)");
		return 0;
	}
	return ds_trie_add(ds, ld, (char *)(uintptr_t)e, excl, addr, (unsigned)bits);
}

static bool
ip6trie_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct ds_iptrie *t = ds->priv;
	unsigned plen = 0;
	uint8_t p[16];
	uint32_t v;

	if (!t || !t->m || q->ip6_nibbles != 32)
		return false;
	v = lpm_lookup(t->m, q->ip6, &plen);
	if (v == LPM_NONE)
		return false;
	memcpy(p, q->ip6, 16);
	ip6_clear_host(p, plen);
	ds_hit_add6(hits, ds, v, p, plen);
	return true;
}

static bool
ip6trie_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct ds_iptrie *t = ds->priv;

	if (!t || !t->m || q->ip6_nibbles < 1 || q->ip6_nibbles > 31)
		return false;
	return lpm_any_within(t->m, q->ip6, q->ip6_nibbles * 4);
}

const struct ds_type ds_type_ip6trie = {
	.name = "ip6trie",
	.flags = DS_F_IP6,
	.start = ip6trie_start,
	.line = ip6trie_line,
	.finish = ds_trie_finish,
	.query = ip6trie_query,
	.exists_below = ip6trie_exists_below,
	.free = ds_trie_free,
	.walk = ds_trie_walk,
};

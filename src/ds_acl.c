/* ds_acl.c -- the acl dataset type and the client ACL verdict (acl.h), as
 * rbldnsd's acl: IPv4/IPv6 CIDR entries (ip4trie/ip6trie syntax) mapped to
 * an action, longest prefix wins.
 *
 *   10.0.0.0/8             the default action (":ignore" unless changed)
 *   10.1.0.0/16 :refuse    also =refuse; keywords ignore (or blackhole),
 *   10.1.2.0/24 :empty     refuse, empty, pass; case does not matter
 *   10.1.3.0/24 :pass
 *   2001:db8::/32 :127.0.0.3:Your client $ is listed    an A+TXT value
 *   :refuse  or  =empty  or  :2:text                    a default line
 *
 * The map values are value indexes, or one of the ACL_C_* codes below.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "dataset.h"
#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"
#include "lpm.h"
#include "value.h"

#define ACL_C_IGNORE 0xFFFFFFF0u
#define ACL_C_REFUSE 0xFFFFFFF1u
#define ACL_C_EMPTY  0xFFFFFFF2u
#define ACL_C_PASS   0xFFFFFFF3u

struct acl {
	struct lpm_builder *b4, *b6;  /* while loading */
	struct lpm *m4, *m6;
	uint32_t def_action;          /* for entries without a value */
};

static int
acl_start(struct dataset *ds)
{
	struct acl *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return DX_ENOMEM;
	ds->priv = a;
	a->def_action = ACL_C_IGNORE;
	if ((rc = lpm_builder_new(4, &a->b4)) < 0 ||
	    (rc = lpm_builder_new(6, &a->b6)) < 0)
		return rc;
	return 0;
}

static bool
acl_is_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '#' || c == ';' ||
	    c == ':';
}

/* A keyword at s, case-insensitive, ended by end/':'/blank/comment. */
static uint32_t
acl_keyword(const char *s)
{
	static const struct { const char *kw; uint32_t code; } kws[] = {
		{ "ignore", ACL_C_IGNORE }, { "blackhole", ACL_C_IGNORE },
		{ "refuse", ACL_C_REFUSE }, { "empty", ACL_C_EMPTY },
		{ "pass", ACL_C_PASS },
	};
	size_t i, l;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		l = strlen(kws[i].kw);
		if (strncasecmp(s, kws[i].kw, l) == 0 && acl_is_end(s[l]))
			return kws[i].code;
	}
	return 0;
}

/* The value part of a line: "=kw", ":kw" or an A+TXT value. Returns 0
 * with *code, DX_EINVAL (reported), DX_ENOMEM. */
static int
acl_parse_val(struct dataset *ds, struct ds_load *ld, char *s, bool deflt,
    uint32_t *code)
{
	uint32_t kw;

	if (*s == '=') {
		if ((kw = acl_keyword(s + 1))) {
			*code = kw;
			return 0;
		}
		ds_warn(ld, "invalid keyword");
		return DX_EINVAL;
	}
	if (*s == ':' && (kw = acl_keyword(s + 1))) {
		*code = kw;
		return 0;
	}
	if (deflt) {
		int rc = ds_default_line(ds, ld, s, code);
		if (rc < 0)
			return rc;
		return *code == UINT32_MAX ? DX_EINVAL : 0;
	}
	return ds_entry_value(ds, ld, s, code);
}

static int
acl_line(struct dataset *ds, struct ds_load *ld, char *s)
{
	struct acl *a = ds->priv;
	uint8_t addr[16];
	struct lpm_builder *b;
	const char *end;
	char text[64];
	uint32_t a4, code;
	int bits, rc;

	/* "::1" is an address, not a default line */
	if ((s[0] == ':' && s[1] != ':') || s[0] == '=') {
		if ((rc = acl_parse_val(ds, ld, s, true, &code)) == 0)
			a->def_action = code;
		return rc == DX_EINVAL ? 0 : rc;
	}
	if ((bits = ip4_cidr(s, &a4, &end)) >= 0 && acl_is_end(*end)) {
		if (a4 & ~ip4_mask((unsigned)bits)) {
			if (!ds->opts.allow_host_bits) {
				ds_warn(ld, "invalid range (non-zero host part)");
				return 0;
			}
			a4 &= ip4_mask((unsigned)bits);
		}
		if (ld->maxrange4 && ld->maxrange4 <= ~ip4_mask((unsigned)bits)) {
			ds_warn(ld, "too large range (%u) ignored (%u max)",
			    ~ip4_mask((unsigned)bits) + 1, ld->maxrange4);
			return 0;
		}
		addr[0] = (uint8_t)(a4 >> 24);
		addr[1] = (uint8_t)(a4 >> 16);
		addr[2] = (uint8_t)(a4 >> 8);
		addr[3] = (uint8_t)a4;
		ip4_format(a4, text);
		b = a->b4;
	} else if ((bits = ip6_cidr(s, addr, &end)) >= 0 && acl_is_end(*end)) {
		if (ip6_clear_host(addr, (unsigned)bits) &&
		    !ds->opts.allow_host_bits) {
			ds_warn(ld, "invalid range (non-zero host part)");
			return 0;
		}
		ip6_format(addr, text);
		b = a->b6;
	} else {
		ds_warn(ld, "invalid address");
		return 0;
	}
	s = (char *)end;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		code = a->def_action;
	else if ((rc = acl_parse_val(ds, ld, s, false, &code)) < 0)
		return rc == DX_EINVAL ? 0 : rc;
	rc = lpm_builder_add(b, addr, (unsigned)bits, code);
	if (rc == DX_EEXIST) {
		ds_warn(ld, "duplicated entry for %s/%d", text, bits);
		return 0;
	}
	if (rc < 0)
		return rc;
	ds->nentries++;
	return 0;
}

static int
acl_finish(struct dataset *ds, struct ds_load *ld)
{
	struct acl *a = ds->priv;
	int rc;
	(void)ld;

	rc = lpm_build(a->b4, &a->m4);
	a->b4 = NULL;
	if (rc < 0)
		return rc;
	rc = lpm_build(a->b6, &a->m6);
	a->b6 = NULL;
	return rc;
}

/* An acl is not data: it never answers a name. */
static bool
acl_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	(void)ds, (void)q, (void)hits;
	return false;
}

static void
acl_free(struct dataset *ds)
{
	struct acl *a = ds->priv;
	if (!a)
		return;
	lpm_builder_free(a->b4);
	lpm_builder_free(a->b6);
	lpm_free(a->m4);
	lpm_free(a->m6);
	free(a);
	ds->priv = NULL;
}

const struct ds_type ds_type_acl = {
	.name = "acl",
	.flags = DS_F_NOSOA,
	.start = acl_start,
	.line = acl_line,
	.finish = acl_finish,
	.query = acl_query,
	.free = acl_free,
};

/* ---- the verdict ------------------------------------------------------ */

/* The peer as IPv4 (host order) when it is IPv4 or IPv4-mapped IPv6;
 * 4 / 6 for the family, 0 when unusable. */
static int
peer_addr(const struct sockaddr *peer, socklen_t len, uint32_t *a4,
    uint8_t a6[16])
{
	if (!peer)
		return 0;
	if (peer->sa_family == AF_INET) {
		struct sockaddr_in sin;
		if (len < (socklen_t)sizeof(sin))
			return 0;
		memcpy(&sin, peer, sizeof(sin));
		*a4 = ntohl(sin.sin_addr.s_addr);
		return 4;
	}
	if (peer->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		if (len < (socklen_t)sizeof(sin6))
			return 0;
		memcpy(&sin6, peer, sizeof(sin6));
		memcpy(a6, sin6.sin6_addr.s6_addr, 16);
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			*a4 = (uint32_t)a6[12] << 24 | (uint32_t)a6[13] << 16 |
			    (uint32_t)a6[14] << 8 | a6[15];
			return 4;
		}
		return 6;
	}
	return 0;
}

enum acl_action
acl_lookup(const struct dataset *acl, const struct sockaddr *peer,
    socklen_t peerlen, const struct dx_value **val)
{
	const struct acl *a;
	uint32_t a4 = 0, code;
	uint8_t a6[16];
	int fam;

	*val = NULL;
	if (!acl || acl->type != &ds_type_acl || !(a = acl->priv))
		return ACL_PASS;
	fam = peer_addr(peer, peerlen, &a4, a6);
	if (fam == 4 && a->m4)
		code = lpm_lookup4(a->m4, a4, NULL);
	else if (fam == 6 && a->m6)
		code = lpm_lookup(a->m6, a6, NULL);
	else
		return ACL_PASS;
	switch (code) {
	case LPM_NONE:
	case ACL_C_PASS:
		return ACL_PASS;
	case ACL_C_IGNORE:
		return ACL_IGNORE;
	case ACL_C_REFUSE:
		return ACL_REFUSE;
	case ACL_C_EMPTY:
		return ACL_EMPTY;
	default:
		if (!(*val = ds_value(acl, code)))
			return ACL_PASS;
		return ACL_VALUE;
	}
}

void
acl_check(const struct dataset *global_acl, const struct dataset *zone_acl,
    const struct sockaddr *peer, socklen_t peerlen, struct acl_verdict *out)
{
	const struct dx_value *gv, *zv;
	enum acl_action g = acl_lookup(global_acl, peer, peerlen, &gv);
	enum acl_action z = acl_lookup(zone_acl, peer, peerlen, &zv);

	memset(out, 0, sizeof(*out));
	out->action = g > z ? g : z;
	if (out->action != ACL_VALUE)
		return;
	/* rbldnsd keeps the first value seen: the global acl's */
	if (g == ACL_VALUE) {
		out->val = gv;
		out->ds = global_acl;
	} else {
		out->val = zv;
		out->ds = zone_acl;
	}
}

bool
acl_dataset_query(const struct dataset *ds, const struct dx_qname *q,
    const struct acl_verdict *v, struct dx_hits *hits, bool *acl_listed)
{
	unsigned flags;

	if (!v || (v->action != ACL_EMPTY && v->action != ACL_VALUE))
		return dataset_query(ds, q, hits);
	if (ds->type == &ds_type_generic) {
		/* rbldnsd 1.0 (checked on loopback): with the acl flags in the
		 * query type, generic finds the name but none of its records */
		struct dx_hits scratch;
		scratch.n = 0;
		return dataset_query(ds, q, &scratch);
	}
	if (ds->type == &ds_type_combined)
		return combined_query_acl(ds, q, v, hits, acl_listed);
	if (ds->type == &ds_type_acl || v->action == ACL_EMPTY)
		return false;
	/* ACL_VALUE: "listed" wherever the name is a key of this dataset */
	flags = ds->type->flags;
	if (((flags & DS_F_IP4) && q->ip4_octets == 4) ||
	    ((flags & DS_F_IP6) && q->ip6_nibbles == 32) ||
	    ((flags & DS_F_NAME) && q->nlabels > 0)) {
		*acl_listed = true;
		return true;
	}
	return false;
}

int
acl_txt_expand(const struct acl_verdict *v, const struct sockaddr *peer,
    socklen_t peerlen, char *out, size_t outlen)
{
	struct value_subst sv;
	char text[INET6_ADDRSTRLEN];
	uint32_t a4 = 0;
	uint8_t a6[16];
	int i, n;

	if (!v || v->action != ACL_VALUE || !v->val || !v->val->txt || !outlen)
		return -1;
	switch (peer_addr(peer, peerlen, &a4, a6)) {
	case 4:
		ip4_format(a4, text);
		break;
	case 6:
		if (!inet_ntop(AF_INET6, a6, text, sizeof(text)))
			text[0] = '\0';
		break;
	default:
		text[0] = '\0';
	}
	memset(&sv, 0, sizeof(sv));
	sv.entry = text;
	if (v->ds) {
		for (i = 0; i < 10; i++)
			sv.var[i] = v->ds->subst[i];
		sv.base = v->ds->subst[DS_SUBST_BASE];
	}
	n = value_expand(v->val->txt, &sv, out, outlen);
	return n;
}

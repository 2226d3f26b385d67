/* acl.h -- client access control: what rbldnsd's acl datasets decide for a
 * peer address, and how a zone's datasets answer under that decision.
 *
 * An acl dataset (type "acl", ds_acl.c) maps IPv4/IPv6 CIDR prefixes, in
 * ip4trie/ip6trie syntax, to an action; the longest prefix covering the
 * peer wins. A zone may have one acl dataset (zone_acl()), and the server
 * one global acl dataset. The server asks acl_check() once per query,
 * before it answers:
 *
 *   ACL_IGNORE  send nothing at all
 *   ACL_REFUSE  rcode REFUSED (after the zone is found; not authoritative)
 *   ACL_EMPTY   every data dataset says "not listed"; SOA and NS at the
 *               apex answer as usual
 *   ACL_VALUE   every data dataset for which the name is a valid key says
 *               "listed" with the acl's A+TXT ("$" = the client address,
 *               TTL = dataset_ttl() of the acl dataset); SOA and NS as usual
 *   ACL_PASS    answer as usual (no entry, or ":pass")
 *
 * Generic datasets under EMPTY and VALUE: the man page says they answer
 * as usual; rbldnsd 1.0 (checked on loopback) finds their names but returns
 * none of their records (NODATA), because the acl flags end up in the
 * query type it compares. We do what rbldnsd does.
 *
 * rbldnsd asks the global acl before it even parses the packet: its
 * IGNORE also drops queries for zones we do not serve (call acl_check()
 * with a NULL zone acl then); its REFUSE, EMPTY and VALUE only matter once
 * a zone is found (no zone: REFUSED anyway).
 *
 * For EMPTY and VALUE the zone queries each of its datasets with
 * acl_dataset_query() instead of dataset_query(), and when any of them
 * reports acl_listed, adds ONE A (verdict val->a) and, if val->txt, ONE TXT
 * (acl_txt_expand()) to the answer, as rbldnsd's NSQUERY_ADDPEER does.
 */
#ifndef DNSXL_ACL_H
#define DNSXL_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dataset.h"

/* In rbldnsd's order of precedence, lowest first: when the global and the
 * zone acl disagree, the higher one wins. */
enum acl_action {
	ACL_PASS = 0,
	ACL_VALUE,
	ACL_EMPTY,
	ACL_REFUSE,
	ACL_IGNORE,
};

struct acl_verdict {
	enum acl_action action;
	/* ACL_VALUE only (else NULL): the value and the acl dataset it comes
	 * from (its $0-$9 and $= expand the template). When both acls give a
	 * value, the global one is used, as in rbldnsd. */
	const struct dx_value *val;
	const struct dataset *ds;
};

/* The action of one acl dataset for peer (AF_INET or AF_INET6; an
 * IPv4-mapped IPv6 peer is looked up as IPv4, as rbldnsd sees it on its
 * IPv4 socket). *val receives the value for ACL_VALUE, else NULL. A NULL
 * acl, an unknown family or a short peerlen give ACL_PASS. */
enum acl_action acl_lookup(const struct dataset *acl,
    const struct sockaddr *peer, socklen_t peerlen,
    const struct dx_value **val);

/* Combine the global acl and the zone's acl (either may be NULL) for
 * peer into *out, as rbldnsd's replypacket() does. */
void acl_check(const struct dataset *global_acl, const struct dataset *zone_acl,
    const struct sockaddr *peer, socklen_t peerlen, struct acl_verdict *out);

/* Query one (non-acl) dataset of a zone under verdict v, as rbldnsd's
 * check_query_overwrites(): PASS is dataset_query(); EMPTY: data is "not
 * listed", generic names exist without records; VALUE: generic as for
 * EMPTY, other datasets set *acl_listed and return true when q is a valid
 * key for them
 * (a full reverse IPv4 or IPv6 name for IP types, a non-apex name for
 * dnset). combined applies the same rule to its nested datasets, below the
 * subzone q falls in. Returns true when the name exists. Thread-safe. */
bool acl_dataset_query(const struct dataset *ds, const struct dx_qname *q,
    const struct acl_verdict *v, struct dx_hits *hits, bool *acl_listed);

/* Expand the verdict's TXT template with "$" = the peer address (dotted
 * quad, or IPv6 text as getnameinfo(NI_NUMERICHOST) writes it). Returns
 * the length, or -1 when the verdict has no TXT. */
int acl_txt_expand(const struct acl_verdict *v, const struct sockaddr *peer,
    socklen_t peerlen, char *out, size_t outlen);

/* ds_combined.c: the combined part of acl_dataset_query(). */
bool combined_query_acl(const struct dataset *ds, const struct dx_qname *q,
    const struct acl_verdict *v, struct dx_hits *hits, bool *acl_listed);

#endif

/* dump_impl.h -- what dump.c, dump_ip.c and dump_names.c share: the
 * render state, one name's answer as zone file records, the output. */
#ifndef DNSXL_DUMP_IMPL_H
#define DNSXL_DUMP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "diag.h"
#include "dump.h"

struct config;
struct zone;

typedef unsigned __int128 u128;

struct pfx {
	u128 a;                 /* first address, right-aligned in B bits */
	unsigned plen;
};

struct view {                   /* one family's digit tree */
	unsigned W, D, B;       /* bits per label, labels, address bits */
	struct pfx *p;
	size_t n, cap;
};

/* The prefixes and names below one apex: the zone's, or a combined
 * dataset's subzone (its nested datasets answer names below it). */
struct grp {
	uint8_t sfx[256];       /* wire form relative to the zone apex,
	                         * root-terminated; "" = the zone apex */
	struct view v[2];       /* 0: IPv4, 1: IPv6 */
	uint8_t **names;        /* name datasets: wire names below sfx */
	size_t nnames, capnames;
	bool has_ip4;           /* IPv4 prefixes bound IPv4-mapped names */
	size_t pushed;          /* lines its own rendering wrote */
};

struct rnd {
	const struct zone *z;
	const struct config *cfg;
	struct dump_zone *dz;
	size_t limit;
	int err;
	struct grp *g;          /* g[0]: the zone apex */
	size_t ng;
	/* the group being rendered: its views and names, its suffix as
	 * labels (for queries) and as text (".proxies", "" at the apex),
	 * which dump_push_line() appends to every owner */
	struct view v[2];
	uint8_t **names;
	size_t nnames;
	const uint8_t *sfx;
	char sfxt[1100];
	/* dump_ip.c's dry run (see precount()): records are counted, not
	 * stored; base is dz->n when the group's IP tree started */
	bool counting, counted;
	bool peraddr;           /* some TXT names its address ($) */
	size_t count, base;
};

#define MAXREC (2 * DX_MAXHITS)

struct ans {
	bool listed;
	bool namedep;           /* a TXT differs for another name */
	bool peraddr;           /* ... for the neighbour address: one name
	                         * per address is needed */
	unsigned n;
	char *rec[MAXREC];      /* "TTL\tIN\tTYPE\trdata", sorted */
};


/* All ones below the prefix: the last address of a plen block is a | span. */
static inline u128
dump_span(const struct view *V, unsigned plen)
{
	return V->B - plen >= 128 ? ~(u128)0 : (((u128)1 << (V->B - plen)) - 1);
}

/* Append "owner\trec", owner relative to the group's apex ("@" = the
 * group's apex; r->err set on ENOMEM or past the limit). */
int dump_push_line(struct rnd *r, const char *owner, const char *rec);
/* Count n records in a dry run (r->err = DX_ERANGE past the limit). */
void dump_count(struct rnd *r, size_t n);
/* Every record of a at owner. */
void dump_emit(struct rnd *r, const char *owner, const struct ans *a);
void dump_ans_free(struct ans *a);
bool dump_ans_same(const struct ans *a, const struct ans *b);
/* The records query.c writes for hits at q, into a (sorted). */
int dump_hits_recs(struct rnd *r, const struct dx_hits *h,
    const struct dx_qname *q, struct ans *a);
/* Wire name -> text with a trailing dot (malloc'd, NULL on ENOMEM). */
char *dump_wire_text(const uint8_t *w);
/* The labels of w (relative to the group's apex) then the group's
 * suffix, parsed into q. */
void dump_group_qname(const struct rnd *r, const uint8_t *const *lab,
    const uint8_t *len, unsigned n, struct dx_qname *q);

/* The reverse-IP tree (dump_ip.c) and the names (dump_names.c). */
void dump_ip_render(struct rnd *r);
int dump_names_render(struct rnd *r, struct diag *d);

#endif

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

struct rnd {
	const struct zone *z;
	const struct config *cfg;
	struct view v[2];       /* 0: IPv4, 1: IPv6 */
	struct dump_zone *dz;
	size_t limit;
	int err;
	uint8_t **names;        /* name datasets: relative wire names */
	size_t nnames, capnames;
	bool has_ip;            /* the zone has IP datasets */
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

/* Append "owner\trec" (r->err set on ENOMEM or past the limit). */
int dump_push_line(struct rnd *r, const char *owner, const char *rec);
/* Every record of a at owner. */
void dump_emit(struct rnd *r, const char *owner, const struct ans *a);
void dump_ans_free(struct ans *a);
bool dump_ans_same(const struct ans *a, const struct ans *b);
/* The records query.c writes for hits at q, into a (sorted). */
int dump_hits_recs(struct rnd *r, const struct dx_hits *h,
    const struct dx_qname *q, struct ans *a);
/* Wire name -> text with a trailing dot (malloc'd, NULL on ENOMEM). */
char *dump_wire_text(const uint8_t *w);

/* The reverse-IP tree (dump_ip.c) and the names (dump_names.c). */
void dump_ip_render(struct rnd *r);
int dump_names_render(struct rnd *r, struct diag *d);

#endif

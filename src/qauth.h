/* qauth.h -- a zone's authority records written once per load: the SOA of
 * its negative answers and its NS set, as reply bytes whose compression
 * pointers are moved to wherever a reply holds the zone apex.
 *
 * Why: the reply writer compresses every name against the names already
 * in the reply (qwrite.h), and for the SOA of an NXDOMAIN that search cost
 * more than the whole lookup in a 1 000-prefix map. At the point the
 * authority records go out, the only names a reply holds are the question
 * name's apex and its parents, so the writer's choices are the same for
 * every query: qauth_build() runs the writer once on a reply whose
 * question is the apex, and qauth_put() copies its bytes, adding to each
 * pointer the offset of the apex (or of the records themselves). The
 * bytes are those the writer would have produced; when the reply is in
 * any other state, qauth_put() says no and the caller writes the long way.
 */
#ifndef DNSXL_QAUTH_H
#define DNSXL_QAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"

#define QAUTH_WIRE  480         /* larger record sets go the long way */
#define QAUTH_PTRS  24          /* pointer fields (an NS record has two) */
#define QAUTH_TGTS  16          /* compression targets the records add */
#define QAUTH_SECTION 0x8000    /* ptr[]: the pointer is into the records */
#define QAUTH_NONE  0xFFFF

struct qw;

struct qauth_image {
	bool ok;                /* false: go the long way */
	uint16_t len;           /* bytes in wire (0: an empty NS set) */
	uint16_t nrr;           /* records */
	uint16_t serial_at;     /* where the SOA serial goes, or QAUTH_NONE */
	uint8_t nptr, ntgt;
	/* Offset of each pointer field in wire, | QAUTH_SECTION when it
	 * points into the records; the field holds the target's offset from
	 * the apex or from the records' start. */
	uint16_t ptr[QAUTH_PTRS];
	uint16_t tgt[QAUTH_TGTS];       /* targets added, from the start */
	uint8_t wire[QAUTH_WIRE];
};

struct qauth {
	struct qauth_image soa;     /* SOA with the negative TTL (RFC 2308) */
	struct qauth_image ns;      /* the NS set of the authority section */
};

/* Write both images for the zone whose apex is the wire name apex. An
 * image that does not fit, or a root apex, is not ok. */
void qauth_build(struct qauth *qa, const uint8_t *apex,
    const struct ds_soa *soa, uint32_t neg_ttl, const struct ds_ns *ns);

/* Append im at w->pos when the reply's only compression targets are the
 * zl labels of the apex at offset apex (query.c's state after the answer
 * section), with serial in an SOA. false: nothing written, not even when
 * it does not fit (the long way then sets w->over as usual). */
bool qauth_put(struct qw *w, const struct qauth_image *im, uint16_t apex,
    unsigned zl, uint32_t serial);

#endif

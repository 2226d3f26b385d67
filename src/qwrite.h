/* qwrite.h -- the reply writer of the query path (query.c): bounded
 * appends into the reply buffer, owner names as compression pointers, RR
 * headers with their RDLENGTH patched at the end, a zone's SOA and NS
 * records. Static inline functions in a header: every call is on the hot
 * path, and qauth.c writes a zone's authority records with the very same
 * code once per load (qauth.h).
 */
#ifndef DNSXL_QWRITE_H
#define DNSXL_QWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldns/rr.h>

#include "dataset.h"

/* Every put checks the room left under w->lim; once something does not
 * fit, `over` is set and nothing more is written, so a caller checks once
 * at the end of a section and rolls back to a mark. */

enum {
	QW_NOERROR = 0, QW_FORMERR = 1, QW_SERVFAIL = 2, QW_NXDOMAIN = 3,
	QW_NOTIMP = 4, QW_REFUSED = 5, QW_BADVERS = 16,
	QW_DROP = -1,           /* send nothing (acl "ignore") */
};

#define QW_QNAME 12         /* offset of the question name */
#define QW_ROOT  0          /* "owner is the root name" (no pointer) */
#define QW_CTAB  32         /* compression targets remembered */

struct qw {
	uint8_t *p;
	size_t pos, lim;
	bool over;
	unsigned an, ns, ar;
	unsigned nct;
	uint16_t ct[QW_CTAB];   /* offsets of names (label starts) in p */
	bool expired;           /* an expired dataset was left out: EDE */
};

static inline void
qw_init(struct qw *w, uint8_t *p, size_t lim)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->lim = lim;
}

static inline bool
qw_room(struct qw *w, size_t n)
{
	if (w->over || w->lim - w->pos < n) {
		w->over = true;
		return false;
	}
	return true;
}

static inline void
qw_u8(struct qw *w, uint8_t v)
{
	if (qw_room(w, 1))
		w->p[w->pos++] = v;
}

static inline void
qw_u16(struct qw *w, uint16_t v)
{
	if (qw_room(w, 2)) {
		w->p[w->pos++] = (uint8_t)(v >> 8);
		w->p[w->pos++] = (uint8_t)v;
	}
}

static inline void
qw_u32(struct qw *w, uint32_t v)
{
	qw_u16(w, (uint16_t)(v >> 16));
	qw_u16(w, (uint16_t)v);
}

static inline void
qw_mem(struct qw *w, const void *m, size_t n)
{
	if (n && qw_room(w, n)) {
		memcpy(w->p + w->pos, m, n);
		w->pos += n;
	}
}

/* Forget everything written from mark on (counts are the caller's). */
static inline void
qw_rollback(struct qw *w, size_t mark)
{
	w->pos = mark;
	w->over = false;
	while (w->nct > 0 && w->ct[w->nct - 1] >= mark)
		w->nct--;
}

static inline void
qw_ctab_add(struct qw *w, uint16_t off)
{
	if (off < 0x4000 && w->nct < QW_CTAB)
		w->ct[w->nct++] = off;
}

static inline uint8_t
lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Is the uncompressed name n equal (ignoring case) to the name at off in
 * our own reply? Our pointers only point backwards; hops are capped anyway. */
static inline bool
qw_name_at(const struct qw *w, size_t off, const uint8_t *n)
{
	unsigned hops = 0;
	for (;;) {
		if (off >= w->pos)
			return false;
		uint8_t l = w->p[off];
		if ((l & 0xC0) == 0xC0) {
			if (off + 1 >= w->pos || ++hops > 32)
				return false;
			off = (size_t)(l & 0x3F) << 8 | w->p[off + 1];
			continue;
		}
		if (l != *n)
			return false;
		if (l == 0)
			return true;
		if (off + 1 + l > w->pos)
			return false;
		for (unsigned i = 1; i <= l; i++)
			if (lc(w->p[off + i]) != lc(n[i]))
				return false;
		off += 1 + (size_t)l;
		n += 1 + l;
	}
}

/* Length of a wire name held in a 256-byte snapshot field, 0 if invalid. */
static inline size_t
wire_len(const uint8_t *n)
{
	size_t i = 0;
	while (i < 255 && n[i] != 0) {
		if (n[i] > 63)
			return 0;
		i += 1 + (size_t)n[i];
	}
	return i < 255 ? i + 1 : 0;
}

/* Write name n (uncompressed wire), compressed against the names already
 * in the reply; remember its new labels as targets. */
static inline void
qw_name(struct qw *w, const uint8_t *n)
{
	static const uint8_t root[1] = { 0 };
	size_t len = wire_len(n);
	if (len == 0) {
		n = root;
		len = 1;
	}
	size_t start = w->pos, i, tail = len;
	unsigned target = 0;
	bool found = false;
	for (i = 0; n[i] != 0 && !found; i += 1 + (size_t)n[i])
		for (unsigned k = 0; k < w->nct; k++)
			if (qw_name_at(w, w->ct[k], n + i)) {
				tail = i;
				target = w->ct[k];
				found = true;
				break;
			}
	qw_mem(w, n, found ? tail : len);
	if (found)
		qw_u16(w, (uint16_t)(0xC000 | target));
	if (w->over)
		return;
	for (i = 0; i < tail && n[i] != 0; i += 1 + (size_t)n[i])
		qw_ctab_add(w, (uint16_t)(start + i));
}

/* Owner, type, class, TTL and a placeholder RDLENGTH; returns where the
 * RDLENGTH goes for qw_rr_end(). */
static inline size_t
qw_rr_start(struct qw *w, uint16_t owner, uint16_t type, uint16_t cls,
    uint32_t ttl)
{
	if (owner == QW_ROOT)
		qw_u8(w, 0);
	else
		qw_u16(w, (uint16_t)(0xC000 | owner));
	qw_u16(w, type);
	qw_u16(w, cls);
	qw_u32(w, ttl);
	size_t at = w->pos;
	qw_u16(w, 0);
	return at;
}

static inline void
qw_rr_end(struct qw *w, size_t at)
{
	if (w->over)
		return;
	size_t n = w->pos - at - 2;
	w->p[at] = (uint8_t)(n >> 8);
	w->p[at + 1] = (uint8_t)n;
}

/* The zone's SOA owned by the apex (an offset, or QW_ROOT). */
static inline void
qw_soa(struct qw *w, uint16_t apex, const struct ds_soa *soa, uint32_t ttl)
{
	size_t at = qw_rr_start(w, apex, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN,
	    ttl);
	qw_name(w, soa->mname);
	qw_name(w, soa->rname);
	qw_u32(w, soa->serial);
	qw_u32(w, soa->refresh);
	qw_u32(w, soa->retry);
	qw_u32(w, soa->expire);
	qw_u32(w, soa->minttl);
	qw_rr_end(w, at);
}

/* The zone's NS set owned by the apex; returns the number written. */
static inline unsigned
qw_ns(struct qw *w, uint16_t apex, const struct ds_ns *ns)
{
	unsigned n = ns ? (ns->n > 32 ? 32 : ns->n) : 0;
	for (unsigned i = 0; i < n; i++) {
		size_t at = qw_rr_start(w, apex, LDNS_RR_TYPE_NS,
		    LDNS_RR_CLASS_IN, ns->ttl);
		qw_name(w, ns->name[i]);
		qw_rr_end(w, at);
	}
	return n;
}

#endif

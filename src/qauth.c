/* qauth.c -- a zone's authority records written once per load and copied
 * into replies with their compression pointers moved (qauth.h). */
#include "qauth.h"

#include <string.h>

#include "qwrite.h"

#define APEX_AT QW_QNAME        /* the made-up reply's question is the apex */

enum kind { KIND_SOA, KIND_NS };

/* The pointer field at off of the records (which start at offset start
 * of the made-up reply): store the target's offset from the apex or from
 * the records instead. false: too many fields, or a target the copy
 * could not place. */
static bool
note_ptr(struct qauth_image *im, size_t off, size_t start, size_t apexlen)
{
	size_t t = (size_t)(im->wire[off] & 0x3F) << 8 | im->wire[off + 1];
	size_t v;
	uint16_t flag;

	if (im->nptr >= QAUTH_PTRS)
		return false;
	if (t >= start) {
		v = t - start;
		flag = QAUTH_SECTION;
	} else if (t >= APEX_AT && t < APEX_AT + apexlen) {
		v = t - APEX_AT;
		flag = 0;
	} else {
		return false;
	}
	im->ptr[im->nptr++] = (uint16_t)(off | flag);
	im->wire[off] = (uint8_t)(v >> 8);
	im->wire[off + 1] = (uint8_t)v;
	return true;
}

/* Step over the name at *off, noting its pointer. */
static bool
walk_name(struct qauth_image *im, size_t *off, size_t start, size_t apexlen)
{
	for (;;) {
		if (*off >= im->len)
			return false;
		uint8_t l = im->wire[*off];
		if ((l & 0xC0) == 0xC0) {
			if (*off + 2 > im->len ||
			    !note_ptr(im, *off, start, apexlen))
				return false;
			*off += 2;
			return true;
		}
		if (l & 0xC0)
			return false;
		*off += 1 + (size_t)l;
		if (l == 0)
			return true;
	}
}

/* Find the pointers of the nrr records in im->wire. */
static bool
walk_records(struct qauth_image *im, enum kind kind, size_t start,
    size_t apexlen)
{
	size_t off = 0;
	for (unsigned i = 0; i < im->nrr; i++) {
		if (!walk_name(im, &off, start, apexlen))      /* owner */
			return false;
		off += 10;              /* type, class, TTL, RDLENGTH */
		if (!walk_name(im, &off, start, apexlen))      /* NS, MNAME */
			return false;
		if (kind == KIND_SOA) {
			if (!walk_name(im, &off, start, apexlen))  /* RNAME */
				return false;
			im->serial_at = (uint16_t)off;
			off += 20;
		}
	}
	return off == im->len;
}

static void
build_one(struct qauth_image *im, enum kind kind, const uint8_t *apex,
    size_t apexlen, const struct ds_soa *soa, uint32_t ttl,
    const struct ds_ns *ns)
{
	uint8_t buf[QW_QNAME + 256 + 4 + QAUTH_WIRE];
	struct qw w;

	memset(im, 0, sizeof(*im));
	im->serial_at = QAUTH_NONE;
	qw_init(&w, buf, sizeof(buf));
	memset(buf, 0, QW_QNAME);
	w.pos = QW_QNAME;
	qw_mem(&w, apex, apexlen);
	qw_u16(&w, LDNS_RR_TYPE_SOA);
	qw_u16(&w, LDNS_RR_CLASS_IN);
	/* What query.c remembers of the question: the apex and its parents. */
	for (size_t i = 0; apex[i] != 0; i += 1 + (size_t)apex[i])
		qw_ctab_add(&w, (uint16_t)(APEX_AT + i));
	size_t start = w.pos;
	unsigned nct0 = w.nct, nrr;
	if (kind == KIND_SOA) {
		qw_soa(&w, APEX_AT, soa, ttl);
		nrr = 1;
	} else {
		nrr = qw_ns(&w, APEX_AT, ns);
	}
	if (w.over || w.pos - start > QAUTH_WIRE || w.nct - nct0 > QAUTH_TGTS)
		return;
	im->len = (uint16_t)(w.pos - start);
	im->nrr = (uint16_t)nrr;
	memcpy(im->wire, buf + start, im->len);
	for (unsigned k = nct0; k < w.nct; k++)
		im->tgt[im->ntgt++] = (uint16_t)(w.ct[k] - start);
	im->ok = walk_records(im, kind, start, apexlen);
}

void
qauth_build(struct qauth *qa, const uint8_t *apex, const struct ds_soa *soa,
    uint32_t neg_ttl, const struct ds_ns *ns)
{
	size_t apexlen = wire_len(apex);

	memset(qa, 0, sizeof(*qa));
	qa->soa.serial_at = qa->ns.serial_at = QAUTH_NONE;
	if (apexlen <= 1)       /* the root, or no name: the long way */
		return;
	build_one(&qa->soa, KIND_SOA, apex, apexlen, soa, neg_ttl, NULL);
	build_one(&qa->ns, KIND_NS, apex, apexlen, NULL, 0, ns);
}

bool
qauth_put(struct qw *w, const struct qauth_image *im, uint16_t apex,
    unsigned zl, uint32_t serial)
{
	if (im->ok && im->len == 0)
		return true;            /* no NS: nothing to write either way */
	if (!im->ok || apex == QW_ROOT || w->over || w->nct != zl ||
	    w->ct[0] != apex || w->lim - w->pos < im->len ||
	    w->pos + im->len >= 0x4000)
		return false;
	uint8_t *o = w->p + w->pos;
	memcpy(o, im->wire, im->len);
	for (unsigned i = 0; i < im->nptr; i++) {
		uint16_t f = im->ptr[i];
		size_t at = f & (uint16_t)~QAUTH_SECTION;
		size_t base = (f & QAUTH_SECTION) ? w->pos : apex;
		size_t v = ((size_t)o[at] << 8 | o[at + 1]) + base;
		o[at] = (uint8_t)(0xC0 | v >> 8);
		o[at + 1] = (uint8_t)v;
	}
	if (im->serial_at != QAUTH_NONE) {
		uint8_t *s = o + im->serial_at;
		s[0] = (uint8_t)(serial >> 24);
		s[1] = (uint8_t)(serial >> 16);
		s[2] = (uint8_t)(serial >> 8);
		s[3] = (uint8_t)serial;
	}
	for (unsigned i = 0; i < im->ntgt; i++)
		qw_ctab_add(w, (uint16_t)(w->pos + im->tgt[i]));
	w->pos += im->len;
	return true;
}

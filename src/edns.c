/* edns.c -- EDNS0 (RFC 6891): find the request's OPT, size the reply,
 * write our OPT. */
#include "edns.h"

#include <ldns/rr.h>

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Skip a record owner name (pointers allowed outside the question: a
 * pointer ends the name and is not followed, so no loop is possible). */
static int
skip_name(const uint8_t *p, size_t len, size_t *pos)
{
	size_t i = *pos;
	for (;;) {
		if (i >= len)
			return -1;
		uint8_t l = p[i];
		if ((l & 0xC0) == 0xC0) {
			if (len - i < 2)
				return -1;
			*pos = i + 2;
			return 0;
		}
		if (l & 0xC0)
			return -1;
		if (l == 0) {
			*pos = i + 1;
			return 0;
		}
		if (l >= len - i)
			return -1;
		i += 1 + (size_t)l;
	}
}

int
edns_parse(const uint8_t *pkt, size_t len, size_t pos, struct edns *e)
{
	unsigned an = rd16(pkt + 6), ns = rd16(pkt + 8), ar = rd16(pkt + 10);
	unsigned total = an + ns + ar;

	e->present = false;
	e->payload = 0;
	e->version = 0;
	e->do_bit = false;
	/* Every record takes at least 11 bytes, so this ends quickly on
	 * inflated counts. */
	for (unsigned i = 0; i < total; i++) {
		size_t name = pos;
		if (skip_name(pkt, len, &pos) < 0 || len - pos < 10)
			return -1;
		uint16_t type = rd16(pkt + pos);
		uint16_t rdlen = rd16(pkt + pos + 8);
		if (len - pos - 10 < rdlen)
			return -1;
		if (type == LDNS_RR_TYPE_OPT) {
			if (i < an + ns || pkt[name] != 0)
				return -1;
			if (e->present)
				return -2;
			e->present = true;
			e->payload = rd16(pkt + pos + 2);
			e->version = pkt[pos + 5];
			e->do_bit = (pkt[pos + 6] & 0x80) != 0;
		}
		pos += 10 + (size_t)rdlen;
	}
	return 0;
}

size_t
edns_udp_limit(const struct edns *e, uint16_t edns_max)
{
	if (edns_max < 512)
		edns_max = EDNS_DEFAULT_MAX;
	if (!e->present || e->payload <= 512)
		return 512;
	return e->payload > edns_max ? edns_max : e->payload;
}

void
edns_write_opt(uint8_t *p, uint16_t payload, int rcode, bool do_bit)
{
	p[0] = 0;                               /* root */
	p[1] = 0;
	p[2] = LDNS_RR_TYPE_OPT;
	p[3] = (uint8_t)(payload >> 8);
	p[4] = (uint8_t)payload;
	p[5] = (uint8_t)(rcode >> 4);           /* extended rcode */
	p[6] = 0;                               /* version */
	p[7] = do_bit ? 0x80 : 0;
	p[8] = 0;
	p[9] = 0;                               /* RDLENGTH */
	p[10] = 0;
}

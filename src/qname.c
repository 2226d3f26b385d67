/* qname.c -- reading a query name below a zone apex once: labels, text, and
 * its reverse-IPv4 / reverse-IPv6 meaning (rbldnsd's dntoip rules). */
#include "dataset.h"

#include <string.h>

#include "errcode.h"

static int
nibble(const uint8_t *l, unsigned len)
{
	if (len != 1)
		return -1;
	if (l[0] >= '0' && l[0] <= '9')
		return l[0] - '0';
	if (l[0] >= 'a' && l[0] <= 'f')
		return l[0] - 'a' + 10;
	return -1;
}

int
qname_parse(struct dx_qname *q, unsigned nlabels,
    const uint8_t *const *labels, const uint8_t *lens)
{
	static const uint8_t mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned i, pos = 0;

	if (nlabels > DX_MAXLABELS)
		return DX_EINVAL;
	q->nlabels = nlabels;
	q->ip4_octets = 0;
	q->ip4 = 0;
	q->ip6_nibbles = 0;
	memset(q->ip6, 0, sizeof(q->ip6));
	for (i = 0; i < nlabels; i++) {
		q->label[i] = labels[i];
		q->len[i] = lens[i];
		if (pos + lens[i] + 1 < sizeof(q->text)) {
			if (i)
				q->text[pos++] = '.';
			memcpy(q->text + pos, labels[i], lens[i]);
			pos += lens[i];
		}
	}
	q->text[pos] = '\0';

	/* reverse IPv4: the rightmost label is the first octet */
	if (nlabels >= 1 && nlabels <= 4) {
		uint32_t a = 0;
		for (i = 0; i < nlabels; i++) {
			int o = qname_octet(labels[nlabels - 1 - i],
			    lens[nlabels - 1 - i]);
			if (o < 0)
				break;
			a |= (uint32_t)o << (24 - 8 * i);
		}
		if (i == nlabels) {
			q->ip4_octets = nlabels;
			q->ip4 = a;
		}
	}
	/* reverse IPv6: one nibble per label, rightmost most significant */
	if (nlabels >= 1 && nlabels <= 32) {
		uint8_t a[16];
		memset(a, 0, sizeof(a));
		for (i = 0; i < nlabels; i++) {
			int n = nibble(labels[nlabels - 1 - i], lens[nlabels - 1 - i]);
			if (n < 0)
				break;
			a[i / 2] |= (uint8_t)(i % 2 ? n : n << 4);
		}
		if (i == nlabels) {
			q->ip6_nibbles = nlabels;
			memcpy(q->ip6, a, 16);
			if (nlabels == 32 && memcmp(a, mapped, 12) == 0 &&
			    q->ip4_octets == 0) {
				q->ip4_octets = 4;
				q->ip4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
				    (uint32_t)a[14] << 8 | a[15];
			}
		}
	}
	return 0;
}

bool
qname_6to4(const struct dx_qname *q, uint32_t *v4)
{
	if (q->ip6_nibbles != 32 || q->ip6[0] != 0x20 || q->ip6[1] != 0x02)
		return false;
	*v4 = (uint32_t)q->ip6[2] << 24 | (uint32_t)q->ip6[3] << 16 |
	    (uint32_t)q->ip6[4] << 8 | q->ip6[5];
	return true;
}

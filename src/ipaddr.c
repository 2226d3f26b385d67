/* ipaddr.c -- parsing and printing IPv4/IPv6 addresses the way rbldnsd does. */
#include "ipaddr.h"

#include <stdio.h>
#include <string.h>

#define ISDIGIT(c) ((c) >= '0' && (c) <= '9')

int
ip4_prefix(const char *s, uint32_t *a, const char **end)
{
	uint32_t addr = 0;
	int bits;

	for (bits = 8; ; bits += 8) {
		unsigned o;
		if (!ISDIGIT(*s))
			goto bad;
		o = (unsigned)(*s++ - '0');
		while (ISDIGIT(*s)) {
			o = o * 10 + (unsigned)(*s++ - '0');
			if (o > 255)
				goto bad;
		}
		addr |= (uint32_t)o << (32 - bits);
		if (bits == 32 || *s != '.')
			break;
		s++;
	}
	*a = addr;
	if (end)
		*end = s;
	return bits;
bad:
	if (end)
		*end = s;
	return -1;
}

/* "/bits" after a prefix: s points at the digits. */
static int
ip4_maskbits(const char *s, const char **end)
{
	int bits;
	if (!ISDIGIT(*s)) {
		*end = s;
		return -1;
	}
	bits = *s++ - '0';
	while (ISDIGIT(*s)) {
		bits = bits * 10 + (*s++ - '0');
		if (bits > 32) {
			*end = s;
			return -1;
		}
	}
	*end = s;
	return bits;
}

int
ip4_cidr(const char *s, uint32_t *a, const char **end)
{
	const char *e;
	int bits = ip4_prefix(s, a, &e);

	if (bits >= 0 && *e == '/')
		bits = ip4_maskbits(e + 1, &e);
	else if (bits == 8)
		bits = -1;         /* a bare number: write 127/8 */
	if (end)
		*end = e;
	return bits;
}

int
ip4_range(const char *s, uint32_t *lo, uint32_t *hi, const char **end)
{
	const char *e;
	uint32_t a, b;
	int bits = ip4_prefix(s, &a, &e);

	if (bits < 0)
		goto out;
	if (*e == '-') {
		int bbits = ip4_prefix(e + 1, &b, &e);
		if (bbits < 0) {
			bits = -1;
			goto out;
		}
		if (bbits == 8) {
			/* 127.0.0.1-2: the number replaces the last given octet */
			b = (b >> (bits - 8)) | (a & ip4_mask((unsigned)bits - 8));
			bbits = bits;
		} else if (bbits != bits) {
			bits = -1;
			goto out;
		}
		if (bbits != 32)
			b |= ~ip4_mask((unsigned)bbits);
		if (a > b) {
			bits = -1;
			goto out;
		}
		*lo = a;
		*hi = b;
		bits = 32;
		goto out;
	}
	if (*e == '/') {
		bits = ip4_maskbits(e + 1, &e);
		if (bits < 0)
			goto out;
	} else if (bits == 8) {
		bits = -1;
		goto out;
	}
	*lo = a;
	*hi = a | ~ip4_mask((unsigned)bits);
out:
	if (end)
		*end = e;
	return bits;
}

int
ip4_format(uint32_t a, char *out)
{
	return sprintf(out, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
	    (a >> 8) & 255, a & 255);
}

/* Hex digit value + 1; 0 for anything else (a table: this parser is
 * most of an IPv6 data file's load). */
static const uint8_t hexd[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int
ip6_prefix(const char *s, uint8_t addr[16], const char **end)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned bytes = 0;
	int zstart = -1, ret = -1;

	memset(addr, 0, 16);
	if (p[0] == ':' && p[1] == ':') {
		zstart = 0;
		p += 2;
	}
	for (;;) {
		/* a group: hex digits while the value fits 16 bits (leading
		 * zeros are allowed, as rbldnsd does) */
		unsigned h = hexd[*p], v;
		if (h == 0)
			break;
		v = h - 1;
		p++;
		while ((h = hexd[*p]) != 0) {
			v = v << 4 | (h - 1);
			if (v > 0xffff)
				break;
			p++;
		}
		if (v > 0xffff)
			break;
		addr[bytes++] = (uint8_t)(v >> 8);
		addr[bytes++] = (uint8_t)v;
		if (*p != ':' || bytes + 2 > 16) {
			ret = (int)bytes * 8;
			break;
		}
		p++;
		if (zstart < 0 && *p == ':') {
			zstart = (int)bytes;
			p++;
		}
	}
	if (zstart >= 0) {
		/* "::" alone or "x::" leaves ret -1 from the loop: fix here */
		unsigned nz = 16 - bytes;
		if (nz == 0)
			ret = -1;
		else {
			/* move the groups after "::" to the end, zeros between */
			for (unsigned i = bytes; i-- > (unsigned)zstart;) {
				addr[i + nz] = addr[i];
				addr[i] = 0;
			}
			ret = 128;
		}
	}
	if (end)
		*end = (const char *)p;
	return ret;
}

int
ip6_cidr(const char *s, uint8_t addr[16], const char **end)
{
	const char *e;
	int bits = ip6_prefix(s, addr, &e);

	if (bits >= 0 && *e == '/') {
		e++;
		if (!ISDIGIT(*e))
			bits = -1;
		else {
			bits = *e++ - '0';
			while (ISDIGIT(*e)) {
				bits = bits * 10 + (*e++ - '0');
				if (bits > 128) {
					bits = -1;
					break;
				}
			}
		}
	} else if (bits == 16)
		bits = -1;
	if (end)
		*end = e;
	return bits;
}

/* Two 64-bit halves instead of a loop over 16 bytes (a call per data
 * line: 3% of a load). */
static inline uint64_t
be64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

static inline void
put_be64(uint8_t *p, uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	memcpy(p, &x, 8);
}

int
ip6_clear_host(uint8_t addr[16], unsigned bits)
{
	uint64_t hi = be64(addr), lo = be64(addr + 8), mh, ml;

	if (bits >= 128)
		return 0;
	mh = bits >= 64 ? UINT64_MAX : bits ? UINT64_MAX << (64 - bits) : 0;
	ml = bits > 64 ? UINT64_MAX << (128 - bits) : 0;
	if (((hi & ~mh) | (lo & ~ml)) == 0)
		return 0;
	put_be64(addr, hi & mh);
	put_be64(addr + 8, lo & ml);
	return 1;
}

static char *
join_words(char *p, const unsigned *w, unsigned from, unsigned to)
{
	unsigned i;
	for (i = from; i < to; i++)
		p += sprintf(p, i > from ? ":%x" : "%x", w[i]);
	return p;
}

int
ip6_format(const uint8_t addr[16], char *out)
{
	unsigned w[8], i, zstart = 0, nzeros = 0;
	char *p = out;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
	for (i = 0; i < 8; i++) {
		unsigned n = 0;
		while (i + n < 8 && w[i + n] == 0)
			n++;
		if (n > 1 && n > nzeros) {
			nzeros = n;
			zstart = i;
		}
	}
	if (!nzeros)
		p = join_words(p, w, 0, 8);
	else {
		p = join_words(p, w, 0, zstart);
		*p++ = ':';
		*p++ = ':';
		p = join_words(p, w, zstart + nzeros, 8);
	}
	*p = '\0';
	return (int)(p - out);
}

/* ipaddr.h -- IPv4/IPv6 address and range syntax of rbldnsd data files. */
#ifndef DNSXL_IPADDR_H
#define DNSXL_IPADDR_H

#include <stddef.h>
#include <stdint.h>

/* All IPv4 values are host byte order. Parsers return a prefix length
 * (0..32 / 0..128) or -1, and set *end to the first unparsed character
 * (on error too, where known). */

/* Leading octets "127", "127.0", "127.0.0", "127.0.0.1": returns 8, 16, 24
 * or 32 and the address with missing octets zero. */
int ip4_prefix(const char *s, uint32_t *a, const char **end);

/* CIDR: a prefix, optionally "/bits" ("127/8", "127.0.0", "10.0.0.0/8");
 * a bare number without "/" is refused. *a may have host bits set. */
int ip4_cidr(const char *s, uint32_t *a, const char **end);

/* ip4set range: a CIDR, or "a-b" between two prefixes of the same length
 * (the last one completed with ones), or "127.0.0.1-255" (suffix form:
 * one octet after '-' replaces the last octet of the first). Returns the
 * CIDR length (host bits of *lo may be set: check with ip4_mask), or 32 for
 * an a-b range. *hi is the last address. */
int ip4_range(const char *s, uint32_t *lo, uint32_t *hi, const char **end);

static inline uint32_t
ip4_mask(unsigned bits)
{
	return bits ? ~(uint32_t)0 << (32 - bits) : 0;
}

/* Dotted quad into out (at least 16 bytes). Returns the length. */
int ip4_format(uint32_t a, char *out);

/* IPv6 prefix of 16-bit groups, "::" allowed: "2001:21ab:c000" -> 48 bits
 * (missing groups zero), "2605:6001:42::" -> 128. addr gets 16 bytes. */
int ip6_prefix(const char *s, uint8_t addr[16], const char **end);

/* IPv6 CIDR: a prefix with optional "/bits"; a single group without "/"
 * is refused. */
int ip6_cidr(const char *s, uint8_t addr[16], const char **end);

/* Zero the bits of addr beyond bits; returns 1 when some were set. */
int ip6_clear_host(uint8_t addr[16], unsigned bits);

/* rbldnsd's text form (ip6atos): lowercase groups, the longest run of two
 * or more zero groups (the first of equal runs) as "::". out >= 40 bytes. */
int ip6_format(const uint8_t addr[16], char *out);

#endif

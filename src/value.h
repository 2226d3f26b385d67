/* value.h -- rbldnsd ":A:TXT" values of data lines and TXT template expansion.
 *
 * Parsing works in place on a line the caller owns (no allocation): the
 * returned txt points into that line and must be interned (ds_value_intern)
 * before the line buffer is reused.
 */
#ifndef DNSXL_VALUE_H
#define DNSXL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* rbldnsd's default A value, 127.0.0.2, network byte order. */
uint32_t value_default_a(void);

/* Parse an A value as rbldnsd does: one octet "2" means 127.0.0.2; more
 * octets are an IPv4 prefix completed with zeros ("10.1" = 10.1.0.0);
 * 0.0.0.0 is refused. end (optional) receives the first unparsed char.
 * Returns 0 and *a in network byte order, or DX_EINVAL. */
int value_parse_a(const char *s, uint32_t *a, const char **end);

/* Parse the value part of an entry line, s = text after the key with
 * leading whitespace already skipped (may be ""), modified in place. deflt
 * is the default in scope (the last ":A:TXT" line of the current file).
 *   ""                 -> deflt
 *   "# comment", "; x" -> deflt
 *   ":5"               -> A 127.0.0.5, TXT of deflt
 *   ":5:"              -> A 127.0.0.5, no TXT
 *   ":5:text"          -> A 127.0.0.5, TXT "text"
 *   "text"             -> A of deflt, TXT "text"
 *   ":5 junk", "::t"   -> DX_EINVAL (rbldnsd: invalid A / unrecognized)
 * TXT longer than 255 bytes is cut to 255 (*truncated set, optional).
 * Returns 0, or DX_EINVAL (the caller reports file:line, skips the line). */
int value_parse(char *s, const struct dx_value *deflt, struct dx_value *out,
    bool *truncated);

/* Parse a default line ":A:TXT" (s starts with the ':'): as value_parse()
 * with rbldnsd's built-in default (127.0.0.2, no TXT) as the inherited
 * value, so ":2" and ":2:" both mean A 127.0.0.2+, no TXT. */
int value_parse_default(char *s, struct dx_value *out, bool *truncated);

/* Substitutions for template expansion. */
struct value_subst {
	const char *entry;       /* "$": the listed entry (queried IP, name) */
	const char *prefix;      /* byte 0x01: the matched prefix; NULL = "" */
	const char *var[10];     /* $0..$9; NULL = empty */
	const char *base;        /* $= base template; NULL = none */
};

/* Expand template tpl into out (always NUL-terminated when outlen > 0):
 * "$$" -> "$", "$0".."$9" -> var, "$" -> entry, 0x01 -> prefix. When a
 * base template is set and tpl does not start with '=', the base is
 * expanded with "$=" -> tpl (itself expanded); a leading '=' is dropped.
 * "$=" outside a base template inserts the entry text. An undefined $n
 * stays literal. Output is cut at 254 bytes as rbldnsd does. Returns the
 * length. */
int value_expand(const char *tpl, const struct value_subst *s, char *out,
    size_t outlen);

#endif

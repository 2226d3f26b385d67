/* value.c -- rbldnsd ":A:TXT" values of data lines and TXT template expansion. */
#include "value.h"

#include <arpa/inet.h>
#include <string.h>

#include "errcode.h"
#include "ipaddr.h"

#define TXT_MAX 255     /* a TXT template is cut here at load */
#define TXT_OUT 254     /* rbldnsd's expansion limit */

#define SKIPBLANK(s) while (*(s) == ' ' || *(s) == '\t') (s)++

uint32_t
value_default_a(void)
{
	return htonl(0x7f000002u);
}

int
value_parse_a(const char *s, uint32_t *a, const char **end)
{
	uint32_t v;
	const char *e;
	int bits = ip4_prefix(s, &v, &e);

	if (end)
		*end = e;
	/* inet_aton's short forms, as rbldnsd's ip4addr() */
	switch (bits) {
	case 8:
		v >>= 24;
		break;
	case 16:
		v = (v & 0xff000000u) | ((v >> 16) & 255);
		break;
	case 24:
		v = (v & 0xffff0000u) | ((v >> 8) & 255);
		break;
	case 32:
		break;
	default:
		return DX_EINVAL;
	}
	if (!v)
		return DX_EINVAL;
	if (bits == 8)
		v |= 0x7f000000u;    /* "2" is 127.0.0.2 */
	*a = htonl(v);
	return 0;
}

static void
cut_txt(char *s, bool *truncated)
{
	size_t n = strlen(s);
	if (n > TXT_MAX) {
		s[TXT_MAX] = '\0';
		if (truncated)
			*truncated = true;
	}
}

int
value_parse(char *s, const struct dx_value *deflt, struct dx_value *out,
    bool *truncated)
{
	SKIPBLANK(s);
	if (truncated)
		*truncated = false;
	if (*s == '\0' || *s == '#' || *s == ';') {
		*out = *deflt;
		return 0;
	}
	if (*s == ':') {
		const char *e;
		uint32_t a;
		if (value_parse_a(s + 1, &a, &e) < 0)
			return DX_EINVAL;
		s = (char *)(uintptr_t)e;
		SKIPBLANK(s);
		out->a = a;
		if (*s == ':') {
			s++;
			SKIPBLANK(s);
			cut_txt(s, truncated);
			out->txt = s;
		} else if (*s)
			return DX_EINVAL;    /* "unrecognized value" */
		else
			out->txt = deflt->txt;
		return 0;
	}
	out->a = deflt->a;
	cut_txt(s, truncated);
	out->txt = s;
	return 0;
}

int
value_parse_default(char *s, struct dx_value *out, bool *truncated)
{
	struct dx_value builtin = { value_default_a(), NULL };

	if (*s != ':')
		return DX_EINVAL;
	return value_parse(s, &builtin, out, truncated);
}

/* Append n bytes of src, up to the limit; returns the new position. */
static size_t
put(char *out, size_t pos, size_t lim, const char *src, size_t n)
{
	if (pos + n > lim)
		n = lim - pos;
	memcpy(out + pos, src, n);
	return pos + n;
}

int
value_expand(const char *tpl, const struct value_subst *sv, char *out,
    size_t outlen)
{
	const char *txt = tpl ? tpl : "";
	const char *entry = sv && sv->entry ? sv->entry : "";
	const char *prefix = sv && sv->prefix ? sv->prefix : "";
	const char *sx;
	size_t lim, pos = 0;

	if (!outlen)
		return 0;
	lim = outlen - 1 < TXT_OUT ? outlen - 1 : TXT_OUT;
	if (txt[0] == '=')
		sx = ++txt;             /* opt out of the base template */
	else if (sv && sv->base && *sv->base) {
		sx = *txt ? txt : entry;
		txt = sv->base;
	} else
		sx = txt;

	while (pos < lim) {
		size_t n = strcspn(txt, "$\x01");
		const char *si;
		size_t sl;

		pos = put(out, pos, lim, txt, n);
		txt += n;
		if (!*txt)
			break;
		if (*txt == '\x01') {
			pos = put(out, pos, lim, prefix, strlen(prefix));
			txt++;
			continue;
		}
		txt++;                  /* past '$' */
		if (*txt == '$') {
			si = "$";
			sl = 1;
			txt++;
		} else if (*txt >= '0' && *txt <= '9') {
			si = sv ? sv->var[*txt - '0'] : NULL;
			if (!si) {
				si = txt - 1;   /* undefined: kept literally */
				sl = 2;
			} else
				sl = strlen(si);
			txt++;
		} else if (*txt == '=') {
			si = sx;
			sl = strlen(si);
			txt++;
		} else {
			si = entry;
			sl = strlen(si);
		}
		pos = put(out, pos, lim, si, sl);
	}
	out[pos] = '\0';
	return (int)pos;
}

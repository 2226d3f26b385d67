/* spf_parse.c -- splitting an SPF record's text (RFC 7208 section 4.6)
 * into mechanisms and modifiers with their qualifiers and CIDR lengths.
 * Nothing here touches the network: spf_resolve.c walks the terms.
 */
#include "spf_resolve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool
spf_is_record(const char *txt)
{
	return txt && strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == '\0' || txt[6] == ' ');
}

static const struct {
	const char *name;
	enum spf_kind kind;
} mechs[] = {
	{ "all", SPF_T_ALL }, { "include", SPF_T_INCLUDE }, { "a", SPF_T_A },
	{ "mx", SPF_T_MX }, { "ptr", SPF_T_PTR }, { "ip4", SPF_T_IP4 },
	{ "ip6", SPF_T_IP6 }, { "exists", SPF_T_EXISTS },
};

/* A decimal CIDR length after a '/', at most max; -2 when malformed. */
static int
cidr_len(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -2;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -2 : v;
}

/* Split "domain/24//64" (a, mx), "addr/24" (ip4) or "addr/64" (ip6) at
 * the end of t->arg. Returns false when a length is malformed. */
static bool
split_cidr(struct spf_term *t, const char *s, size_t n)
{
	const char *dbl = NULL, *one = NULL;

	if (t->kind == SPF_T_IP6) {
		/* the address has colons but no '/': the last '/' is ours */
		const char *sl = memchr(s, '/', n);
		if (sl) {
			t->cidr6 = cidr_len(sl + 1, n - (size_t)(sl + 1 - s), 128);
			n = (size_t)(sl - s);
			if (t->cidr6 < 0)
				return false;
		}
		t->arg = n ? s : NULL;
		t->arglen = n;
		return true;
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '/' && s[i + 1] == '/') {
			dbl = s + i;
			break;
		}
	if (dbl) {
		if (t->kind == SPF_T_IP4)
			return false;
		t->cidr6 = cidr_len(dbl + 2, n - (size_t)(dbl + 2 - s), 128);
		if (t->cidr6 < 0)
			return false;
		n = (size_t)(dbl - s);
	}
	one = n ? memchr(s, '/', n) : NULL;
	if (one) {
		t->cidr4 = cidr_len(one + 1, n - (size_t)(one + 1 - s), 32);
		if (t->cidr4 < 0)
			return false;
		n = (size_t)(one - s);
	}
	t->arg = n ? s : NULL;
	t->arglen = n;
	return true;
}

static void
parse_term(const char *s, size_t n, struct spf_term *t)
{
	size_t i, name;

	memset(t, 0, sizeof(*t));
	t->text = s;
	t->textlen = n;
	t->cidr4 = t->cidr6 = -1;
	t->qual = '+';
	t->kind = SPF_T_BAD;
	/* name=value: a modifier (the name has no ':' or '/') */
	name = strcspn(s, "=:/ ");
	if (name < n && s[name] == '=' && name > 0 && isalpha((unsigned char)*s)) {
		const char *v = s + name + 1;
		size_t vl = n - name - 1;
		if (name == 8 && strncasecmp(s, "redirect", 8) == 0)
			t->kind = SPF_T_REDIRECT;
		else if (name == 3 && strncasecmp(s, "exp", 3) == 0)
			t->kind = SPF_T_EXP;
		else
			t->kind = SPF_T_UNKNOWN_MOD;
		t->arg = v;
		t->arglen = vl;
		t->macro = memchr(v, '%', vl) != NULL;
		if (t->kind == SPF_T_REDIRECT && vl == 0)
			t->kind = SPF_T_BAD;
		return;
	}
	if (n > 0 && strchr("+-~?", *s)) {
		t->qual = *s;
		s++;
		n--;
	}
	for (i = 0; i < n && s[i] != ':' && s[i] != '/'; i++)
		;
	for (size_t k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++)
		if (strlen(mechs[k].name) == i &&
		    strncasecmp(s, mechs[k].name, i) == 0)
			t->kind = mechs[k].kind;
	if (t->kind == SPF_T_BAD)
		return;
	if (i < n && s[i] == ':') {
		if (t->kind == SPF_T_ALL) {
			t->kind = SPF_T_BAD;
			return;
		}
		i++;
	}
	if (!split_cidr(t, s + i, n - i)) {
		t->kind = SPF_T_BAD;
		return;
	}
	if (t->arg)
		t->macro = memchr(t->arg, '%', t->arglen) != NULL;
	if ((t->kind == SPF_T_IP4 || t->kind == SPF_T_IP6) && t->arg) {
		char buf[64];
		uint8_t a[16];
		if (t->arglen >= sizeof(buf)) {
			t->kind = SPF_T_BAD;
			return;
		}
		memcpy(buf, t->arg, t->arglen);
		buf[t->arglen] = '\0';
		if (inet_pton(t->kind == SPF_T_IP4 ? AF_INET : AF_INET6, buf,
		    a) != 1) {
			t->kind = SPF_T_BAD;
			return;
		}
	}
	/* required / forbidden arguments and lengths */
	switch (t->kind) {
	case SPF_T_INCLUDE:
	case SPF_T_EXISTS:
	case SPF_T_IP4:
	case SPF_T_IP6:
		if (!t->arg || (t->cidr4 >= 0 && t->kind != SPF_T_IP4))
			t->kind = SPF_T_BAD;
		else if (t->kind == SPF_T_IP4 && t->cidr6 >= 0)
			t->kind = SPF_T_BAD;
		break;
	case SPF_T_ALL:
	case SPF_T_PTR:
		if (t->cidr4 >= 0 || t->cidr6 >= 0)
			t->kind = SPF_T_BAD;
		break;
	default:
		break;
	}
}

int
spf_parse(const char *txt, struct spf_term *terms, int max)
{
	const char *p;
	int n = 0, over = 0;

	if (!spf_is_record(txt))
		return -1;
	for (p = txt + 6;;) {
		size_t len;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		if (n < max)
			parse_term(p, len, &terms[n++]);
		else
			over = 1;
		p += len;
	}
	return over ? -1 : n;
}

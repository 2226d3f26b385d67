/* config_codes.c -- the service/region code scheme: durations, A codes and
 * TXT templates of labelled datasets (docs/config-schema.md, docs/codes.md).
 */
#include "config.h"
#include "errcode.h"
#include "feed.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
config_parse_duration(const char *s, uint32_t *out)
{
	uint64_t total = 0;

	if (s == NULL || *s == '\0')
		return DX_EINVAL;
	while (*s) {
		uint64_t n = 0, mult = 1;

		if (!isdigit((unsigned char)*s))
			return DX_EINVAL;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (uint64_t)(*s++ - '0');
			if (n > UINT32_MAX)
				return DX_ERANGE;
		}
		switch (tolower((unsigned char)*s)) {
		case '\0': break;
		case 's': s++; break;
		case 'm': mult = 60; s++; break;
		case 'h': mult = 3600; s++; break;
		case 'd': mult = 86400; s++; break;
		case 'w': mult = 604800; s++; break;
		default: return DX_EINVAL;
		}
		total += n * mult;
		if (total > UINT32_MAX)
			return DX_ERANGE;
	}
	*out = (uint32_t)total;
	return 0;
}

const struct cfg_code *
config_code_find(const struct cfg_code *v, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* A growable string; on allocation failure ok goes false. */
struct sbuf {
	char *p;
	size_t len, cap;
	int ok;
};

static void
sb_putc(struct sbuf *b, char ch)
{
	if (!b->ok)
		return;
	if (b->len + 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->ok = 0;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	b->p[b->len++] = ch;
	b->p[b->len] = '\0';
}

/* Literal text in an rbldnsd template: '$' must be doubled. */
static void
sb_literal(struct sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '$')
			sb_putc(b, '$');
		sb_putc(b, *s);
	}
}

int
config_txt_template(const char *tmpl, const struct cfg_txt_vars *v,
    char **out, const char **bad)
{
	static const struct { const char *name; size_t off; } vars[] = {
		{ "service", offsetof(struct cfg_txt_vars, service) },
		{ "service_desc", offsetof(struct cfg_txt_vars, service_desc) },
		{ "region", offsetof(struct cfg_txt_vars, region) },
		{ "region_desc", offsetof(struct cfg_txt_vars, region_desc) },
		{ "pool", offsetof(struct cfg_txt_vars, pool) },
		{ "code", offsetof(struct cfg_txt_vars, code) },
	};
	struct sbuf b = { NULL, 0, 0, 1 };
	const char *s = tmpl;

	while (*s) {
		const char *end;
		size_t n, i;

		if (*s == '$') {
			sb_putc(&b, '$');
			sb_putc(&b, '$');
			s++;
			continue;
		}
		if (*s != '{' || (end = strchr(s, '}')) == NULL) {
			sb_putc(&b, *s++);
			continue;
		}
		n = (size_t)(end - s - 1);
		if (n == 2 && strncmp(s + 1, "ip", 2) == 0) {
			sb_putc(&b, '$');
		} else if (n == 6 && strncmp(s + 1, "prefix", 6) == 0) {
			sb_putc(&b, '\x01');
		} else if (n == 3 && strncmp(s + 1, "tag", 3) == 0) {
			sb_putc(&b, FEED_TXT_TAG);
		} else if (n == 6 && strncmp(s + 1, "change", 6) == 0) {
			sb_putc(&b, FEED_TXT_CHANGE);
		} else {
			for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
				if (strlen(vars[i].name) == n &&
				    strncmp(s + 1, vars[i].name, n) == 0)
					break;
			if (i == sizeof(vars) / sizeof(vars[0])) {
				free(b.p);
				if (bad)
					*bad = s;
				return DX_EINVAL;
			}
			sb_literal(&b, *(const char *const *)
			    (const void *)((const char *)v + vars[i].off));
		}
		s = end + 1;
	}
	if (b.ok && b.p == NULL)
		b.p = strdup("");	/* an empty template is "", not NULL */
	if (!b.ok || b.p == NULL) {
		free(b.p);
		return DX_ENOMEM;
	}
	*out = b.p;
	return 0;
}

/* The value of ds in region rg (NULL: none), from sv, an optional code and
 * the TXT template tmpl (NULL: no TXT). */
static int
one_value(const struct cfg_dataset *ds, const struct cfg_code *sv,
    const struct cfg_code *rg, const char *code, const char *tmpl,
    struct dx_value *out, char *err, size_t errlen)
{
	struct cfg_txt_vars v;
	struct in_addr a;
	char codetext[INET_ADDRSTRLEN];
	const char *bad = NULL;
	char *expanded = NULL;
	bool feed = config_type_is_feed(ds->type);
	int rc;

	if (code) {
		if (inet_pton(AF_INET, code, &a) != 1) {
			snprintf(err, errlen, "bad code \"%s\": not an IPv4 "
			    "address", code);
			return DX_EINVAL;
		}
	} else if (sv || rg) {
		unsigned last = 16 * (sv ? sv->id : 0) + (rg ? rg->id : 0);
		if (last == 0 || last > 255) {
			snprintf(err, errlen, "code 127.0.0.%u from service "
			    "and region is not usable; give code:", last);
			return DX_EINVAL;
		}
		a.s_addr = htonl(0x7f000000u | last);
	} else {
		a.s_addr = htonl(0x7f000002u);	/* rbldnsd's default */
	}
	inet_ntop(AF_INET, &a, codetext, sizeof(codetext));
	out->a = a.s_addr;
	out->txt = NULL;
	if (tmpl == NULL)
		return 0;
	v.service = ds->service;
	v.service_desc = sv ? sv->description : NULL;
	v.region = rg ? rg->name : NULL;
	v.region_desc = rg ? rg->description : NULL;
	v.pool = ds->pool;
	v.code = codetext;
	rc = config_txt_template(tmpl, &v, &expanded, &bad);
	if (rc == DX_EINVAL) {
		const char *e = strchr(bad, '}');
		snprintf(err, errlen, "unknown TXT placeholder \"%.*s\"",
		    (int)(e - bad + 1), bad);
		return rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (!feed) {    /* {tag} and {change} are empty outside feeds */
		char *w = expanded;
		for (const char *r = expanded; *r; r++)
			if (*r != FEED_TXT_TAG && *r != FEED_TXT_CHANGE)
				*w++ = *r;
		*w = '\0';
	}
	out->txt = expanded;
	return 0;
}

bool
config_type_is_feed(const char *type)
{
	return type && (strcmp(type, "azure-servicetags") == 0 ||
	    strcmp(type, "m365-endpoints") == 0 || strcmp(type, "spf") == 0 ||
	    strcmp(type, "aws-ip-ranges") == 0);
}

int
config_dataset_value(const struct config *c, struct cfg_dataset *ds,
    const char *code, const char *txt, char *err, size_t errlen)
{
	const struct cfg_code *sv = NULL, *rg = NULL;
	const char *tmpl;
	int rc;

	ds->has_value = false;
	if (!ds->service && !ds->region && !ds->pool && !code && !txt)
		return 0;
	if (ds->service && (sv = config_code_find(c->services, c->nservices,
	    ds->service)) == NULL) {
		snprintf(err, errlen, "unknown service \"%s\"", ds->service);
		return DX_EINVAL;
	}
	if (ds->region && ds->type &&
	    strcmp(ds->type, "azure-servicetags") == 0) {
		snprintf(err, errlen, "region: each Azure tag has its own "
		    "(see azure-regions)");
		return DX_EINVAL;
	}
	if (ds->region && (rg = config_code_find(c->regions, c->nregions,
	    ds->region)) == NULL) {
		snprintf(err, errlen, "unknown region \"%s\"", ds->region);
		return DX_EINVAL;
	}
	tmpl = txt ? txt : c->txt_default;
	if ((rc = one_value(ds, sv, rg, code, tmpl, &ds->value, err,
	    errlen)) < 0)
		return rc;
	ds->has_value = true;
	/* An Azure feed's tags take the value of their region; so do the
	 * ranges of spf and aws-ip-ranges datasets (their regions: map). */
	if (ds->type && (strcmp(ds->type, "azure-servicetags") == 0 ||
	    strcmp(ds->type, "spf") == 0 ||
	    strcmp(ds->type, "aws-ip-ranges") == 0) &&
	    c->nregions > 0 && (sv || code)) {
		ds->rvalues = calloc(c->nregions, sizeof(*ds->rvalues));
		if (ds->rvalues == NULL) {
			snprintf(err, errlen, "out of memory");
			return DX_ENOMEM;
		}
		for (unsigned i = 0; i < c->nregions; i++)
			if ((rc = one_value(ds, sv, &c->regions[i], code, tmpl,
			    &ds->rvalues[i], err, errlen)) < 0)
				return rc;
	}
	return 0;
}

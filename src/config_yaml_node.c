/* config_yaml_node.c -- reading libyaml nodes for the config: scalars,
 * mappings without duplicate keys, typed values and lists, each error
 * reported at the node's file:line.
 */
#include "config.h"
#include "config_internal.h"
#include "config_yaml_impl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

yaml_node_t *
cy_node(struct yctx *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

unsigned
cy_line(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

const char *
cy_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

bool
cy_is_null(const yaml_node_t *n)
{
	const char *s = cy_scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL");
}

bool
cy_get_str(struct yctx *y, const char *key, yaml_node_t *n, char **out)
{
	if (cy_is_null(n)) {
		free(*out);
		*out = NULL;
		return true;
	}
	if (cy_scalar(n) == NULL) {
		yerr(y, n, "%s: expected a string", key);
		return false;
	}
	config_set_str(out, cy_scalar(n));
	return true;
}

/* YAML 1.1 booleans, as libyaml leaves them untyped. */
int
cy_parse_bool(const char *s)
{
	static const char *const t[] = { "true", "yes", "on" };
	static const char *const f[] = { "false", "no", "off" };
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, t[i]) == 0)
			return 1;
		if (strcasecmp(s, f[i]) == 0)
			return 0;
	}
	return -1;
}

bool
cy_get_bool(struct yctx *y, const char *key, yaml_node_t *n, bool *out)
{
	const char *s = cy_scalar(n);
	int b = s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
	    cy_parse_bool(s) : -1;

	if (b < 0) {
		yerr(y, n, "%s: expected true or false", key);
		return false;
	}
	*out = b;
	return true;
}

bool
cy_get_uint(struct yctx *y, const char *key, yaml_node_t *n, unsigned long min,
    unsigned long max, unsigned long *out)
{
	const char *s = cy_scalar(n);
	char *end;
	unsigned long v;

	if (s == NULL) {
		yerr(y, n, "%s: expected a number", key);
		return false;
	}
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end != '\0' || v < min || v > max) {
		yerr(y, n, "%s: \"%s\" is not a number in %lu..%lu", key, s,
		    min, max);
		return false;
	}
	*out = v;
	return true;
}

bool
cy_get_dur(struct yctx *y, const char *key, yaml_node_t *n, uint32_t *out)
{
	const char *s = cy_scalar(n);

	if (s == NULL || config_parse_duration(s, out) < 0) {
		yerr(y, n, "%s: bad duration \"%s\" (units s m h d w)", key,
		    s ? s : "");
		return false;
	}
	return true;
}

/* Check n is a mapping without duplicate keys; report otherwise. */
bool
cy_map(struct yctx *y, yaml_node_t *n, const char *what)
{
	yaml_node_pair_t *p, *q;

	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		yerr(y, n, "%s: expected a mapping", what);
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cy_node(y, p->key);
		if (cy_scalar(k) == NULL) {
			yerr(y, k, "%s: keys must be strings", what);
			return false;
		}
		for (q = n->data.mapping.pairs.start; q < p; q++)
			if (strcmp(cy_scalar(cy_node(y, q->key)), cy_scalar(k)) == 0)
				yerr(y, k, "%s: duplicate key \"%s\"", what,
				    cy_scalar(k));
	}
	return true;
}

bool
cy_seq(struct yctx *y, yaml_node_t *n, const char *what)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
		yerr(y, n, "%s: expected a list", what);
		return false;
	}
	return true;
}

/* A string or a list of strings (allow-transfer, notify). */
void
cy_strlist(struct yctx *y, const char *key, yaml_node_t *n, char ***vp,
    unsigned *np)
{
	if (cy_scalar(n) && !cy_is_null(n)) {
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[*np] = NULL;
		config_set_str(&(*vp)[(*np)++], cy_scalar(n));
		return;
	}
	if (cy_is_null(n) || !cy_seq(y, n, key))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (cy_scalar(v) == NULL) {
			yerr(y, v, "%s: expected a string", key);
			continue;
		}
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[*np] = NULL;
		config_set_str(&(*vp)[(*np)++], cy_scalar(v));
	}
}

/* A list of non-empty strings (or one string) into *vp. */
void
cy_strv(struct yctx *y, yaml_node_t *n, const char *what, char ***vp,
    unsigned *np)
{
	if (cy_scalar(n) && !cy_is_null(n)) {
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[(*np)++] = config_xstrdup(cy_scalar(n));
		return;
	}
	if (!cy_seq(y, n, what))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (cy_scalar(v) == NULL || cy_scalar(v)[0] == '\0') {
			yerr(y, v, "%s: expected a name", what);
			continue;
		}
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[(*np)++] = config_xstrdup(cy_scalar(v));
	}
}

/* A resolver: item, "addr" or "addr@port", checked before any lookup. */
void
cy_resolvers(struct yctx *y, yaml_node_t *n, char ***vp, unsigned *np)
{
	unsigned from = *np;

	cy_strv(y, n, "resolver", vp, np);
	for (unsigned i = from; i < *np; i++) {
		char host[64], *at = strchr((*vp)[i], '@'), *e = NULL;
		size_t hl = at ? (size_t)(at - (*vp)[i]) : strlen((*vp)[i]);
		unsigned char a[16];
		unsigned long port = at ? strtoul(at + 1, &e, 10) : 53;

		if (hl == 0 || hl >= sizeof(host) || (at && (*e || port == 0 ||
		    port > 65535))) {
			yerr(y, n, "resolver: \"%s\": expected addr or addr@port",
			    (*vp)[i]);
			continue;
		}
		memcpy(host, (*vp)[i], hl);
		host[hl] = '\0';
		if (inet_pton(strchr(host, ':') ? AF_INET6 : AF_INET, host, a) != 1)
			yerr(y, n, "resolver: \"%s\": not an IP address", host);
	}
}

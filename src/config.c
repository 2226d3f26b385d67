/* config.c -- dnsxld.conf (YAML, libyaml) and the rbldnsd command line,
 * both into one struct config (docs/config-schema.md).
 */
#include "config.h"
#include "errcode.h"
#include "version.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* The rbldnsd dataset types (the data module owns their implementation;
 * config only has to reject typos early, with a file:line). */
static const char *const known_types[] = {
	"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset", "dnset",
	"generic", "combined", "acl",
};

static bool
type_known(const char *t)
{
	for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		if (strcmp(t, known_types[i]) == 0)
			return true;
	return false;
}

/* Allocation failure at load is fatal (STYLE.md 7). */
static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		fprintf(stderr, "dnsxl: out of memory\n");
		exit(1);
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	size_t n;
	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xrealloc(NULL, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

/* A data file path: absolute, or relative to base (NULL = leave as is). */
static char *
resolve_path(const char *base, const char *file)
{
	size_t bl, fl;
	char *p;

	if (file[0] == '/' || base == NULL || base[0] == '\0')
		return xstrdup(file);
	bl = strlen(base);
	fl = strlen(file);
	p = xrealloc(NULL, bl + fl + 2);
	memcpy(p, base, bl);
	if (base[bl - 1] != '/')	/* "/" + "x" is "/x", not "//x" */
		p[bl++] = '/';
	memcpy(p + bl, file, fl + 1);
	return p;
}

static struct config *
config_defaults(void)
{
	struct config *c = xrealloc(NULL, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->ttl_default = 35 * 60;
	c->check_interval = 60;
	c->rfc5782_tests = true;
	c->tcp_max_clients = 256;
	c->tcp_idle_ms = 10000;
	c->edns_max = 1232;
	c->global_acl = -1;
	return c;
}

static void
free_datasets(struct config *c)
{
	for (unsigned i = 0; i < c->ndatasets; i++) {
		struct cfg_dataset *ds = &c->datasets[i];
		free(ds->name);
		free(ds->type);
		for (unsigned j = 0; j < ds->nfiles; j++)
			free(ds->files[j]);
		free(ds->files);
		free(ds->service);
		free(ds->region);
		free(ds->pool);
		free((char *)(uintptr_t)ds->value.txt);
	}
	free(c->datasets);
}

static void
free_codes(struct cfg_code *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
	}
	free(v);
}

static void
free_listen(struct config *c)
{
	for (unsigned i = 0; i < c->nlisten; i++)
		free(c->listen[i].addr);
	free(c->listen);
	c->listen = NULL;
	c->nlisten = 0;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free_listen(c);
	free(c->user);
	free(c->group);
	free(c->chroot_dir);
	free(c->workdir);
	free(c->pidfile);
	free(c->querylog);
	free(c->statsfile);
	free(c->version_text);
	free(c->identity);
	free(c->soa_mname);
	free(c->soa_rname);
	free_codes(c->services, c->nservices);
	free_codes(c->regions, c->nregions);
	free(c->txt_default);
	free_datasets(c);
	for (unsigned i = 0; i < c->nzones; i++) {
		free(c->zones[i].name);
		free(c->zones[i].datasets);
	}
	free(c->zones);
	free(c);
}

/* --- shared by both front ends -------------------------------------------- */

/* "addr" or "addr<sep>port" (sep '/' on the command line, '@' in YAML). */
static int
add_listen(struct config *c, const char *spec, char sep, char *err,
    size_t errlen)
{
	const char *p = strrchr(spec, sep);
	unsigned char buf[16];
	unsigned long port = 53;
	char *addr, *end;

	addr = p ? xstrndup(spec, (size_t)(p - spec)) : xstrdup(spec);
	if (p) {
		port = strtoul(p + 1, &end, 10);
		if (p[1] == '\0' || *end != '\0' || port == 0 || port > 65535) {
			snprintf(err, errlen, "bad port in \"%s\"", spec);
			free(addr);
			return DX_EINVAL;
		}
	}
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1) {
		snprintf(err, errlen, "bad address \"%s\"", addr);
		free(addr);
		return DX_EINVAL;
	}
	c->listen = xrealloc(c->listen, (c->nlisten + 1) * sizeof(*c->listen));
	c->listen[c->nlisten].addr = addr;
	c->listen[c->nlisten].port = (uint16_t)port;
	c->nlisten++;
	return 0;
}

/* "user" or "user:group" */
static int
set_user(struct config *c, const char *s, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');

	if (s[0] == '\0' || s[0] == ':' || (colon && colon[1] == '\0')) {
		snprintf(err, errlen, "bad user \"%s\"", s);
		return DX_EINVAL;
	}
	free(c->user);
	free(c->group);
	c->user = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	c->group = colon ? xstrdup(colon + 1) : NULL;
	return 0;
}

/* -t def:min:max; any part may be empty (kept). */
static int
set_ttls(struct config *c, const char *s, char *err, size_t errlen)
{
	uint32_t *dst[3] = { &c->ttl_default, &c->ttl_min, &c->ttl_max };
	uint32_t val[3] = { c->ttl_default, c->ttl_min, c->ttl_max };
	const char *p = s;

	for (int i = 0; i < 3; i++) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (n > 0) {
			char *part = xstrndup(p, n);
			int rc = config_parse_duration(part, &val[i]);
			free(part);
			if (rc < 0)
				goto bad;
		}
		if (!colon)
			break;
		if (i == 2)
			goto bad;	/* a fourth field */
		p = colon + 1;
	}
	if (val[1] && val[2] && val[1] > val[2]) {
		snprintf(err, errlen, "bad ttl \"%s\": min greater than max", s);
		return DX_EINVAL;
	}
	for (int i = 0; i < 3; i++)
		*dst[i] = val[i];
	return 0;
bad:
	snprintf(err, errlen, "bad ttl \"%s\" (want def:min:max, units "
	    "s m h d w)", s);
	return DX_EINVAL;
}

static int
find_dataset(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->ndatasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct cfg_dataset *
new_dataset(struct config *c)
{
	struct cfg_dataset *ds;

	c->datasets = xrealloc(c->datasets,
	    (c->ndatasets + 1) * sizeof(*c->datasets));
	ds = &c->datasets[c->ndatasets++];
	memset(ds, 0, sizeof(*ds));
	return ds;
}

static void
ds_add_file(struct cfg_dataset *ds, const char *base, const char *file)
{
	ds->files = xrealloc(ds->files, (ds->nfiles + 1) * sizeof(*ds->files));
	ds->files[ds->nfiles++] = resolve_path(base, file);
}

/* "type:file,file" -> the index of that dataset; the same text twice is one
 * dataset. Returns the index or DX_EINVAL (message in err). */
static int
spec_dataset(struct config *c, const char *spec, const char *base, char *err,
    size_t errlen)
{
	const char *colon = strchr(spec, ':'), *p;
	struct cfg_dataset *ds;
	char *type;
	int idx;

	if ((idx = find_dataset(c, spec)) >= 0)
		return idx;
	if (colon == NULL || colon == spec || colon[1] == '\0') {
		snprintf(err, errlen, "bad dataset \"%s\" (want type:file,...)",
		    spec);
		return DX_EINVAL;
	}
	type = xstrndup(spec, (size_t)(colon - spec));
	if (!type_known(type)) {
		snprintf(err, errlen, "unknown dataset type \"%s\"", type);
		free(type);
		return DX_EINVAL;
	}
	ds = new_dataset(c);
	ds->name = xstrdup(spec);
	ds->type = type;
	/* Files split on ',' and (as rbldnsd) ':'; empty pieces skipped. */
	for (p = colon + 1; *p; ) {
		size_t n = strcspn(p, ",:");
		if (n > 0) {
			char *f = xstrndup(p, n);
			ds_add_file(ds, base, f);
			free(f);
		}
		p += n + (p[n] ? 1 : 0);
	}
	if (ds->nfiles == 0) {
		snprintf(err, errlen, "missing file names in \"%s\"", spec);
		return DX_EINVAL;	/* the config is thrown away: no cleanup */
	}
	return (int)(c->ndatasets - 1);
}

/* Lowercase, drop one trailing dot, check label lengths. */
static char *
zone_name_norm(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s), lab = 0;
	char *z;

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || s[0] == '.') {
		snprintf(err, errlen, "bad zone name \"%s\"", s);
		return NULL;
	}
	z = xstrndup(s, n);
	for (size_t i = 0; i < n; i++) {
		z[i] = (char)tolower((unsigned char)z[i]);
		if (z[i] == '.') {
			if (lab == 0)
				goto bad;
			lab = 0;
		} else if (++lab > 63 || z[i] == ' ' || z[i] == '\\') {
			goto bad;
		}
	}
	if (lab == 0)
		goto bad;
	return z;
bad:
	snprintf(err, errlen, "bad zone name \"%s\"", s);
	free(z);
	return NULL;
}

static int
find_zone(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct cfg_zone *
new_zone(struct config *c, char *name)
{
	struct cfg_zone *z;

	c->zones = xrealloc(c->zones, (c->nzones + 1) * sizeof(*c->zones));
	z = &c->zones[c->nzones++];
	memset(z, 0, sizeof(*z));
	z->name = name;
	z->acl = -1;
	return z;
}

/* Add dataset idx to z, in order; an acl dataset becomes the zone's acl. */
static int
zone_add(struct config *c, struct cfg_zone *z, unsigned idx, char *err,
    size_t errlen)
{
	if (strcmp(c->datasets[idx].type, "acl") == 0) {
		if (z->acl >= 0 && (unsigned)z->acl != idx) {
			snprintf(err, errlen, "zone %s: more than one acl "
			    "dataset", z->name);
			return DX_EINVAL;
		}
		z->acl = (int)idx;
		return 0;
	}
	for (unsigned i = 0; i < z->ndatasets; i++)
		if (z->datasets[i] == idx)
			return 0;	/* listed twice: still one answer */
	z->datasets = xrealloc(z->datasets,
	    (z->ndatasets + 1) * sizeof(*z->datasets));
	z->datasets[z->ndatasets++] = idx;
	return 0;
}

static int
set_global_acl(struct config *c, int idx, char *err, size_t errlen)
{
	if (strcmp(c->datasets[idx].type, "acl") != 0) {
		snprintf(err, errlen, "dataset %s is not of type acl",
		    c->datasets[idx].name);
		return DX_EINVAL;
	}
	if (c->global_acl >= 0 && c->global_acl != idx) {
		snprintf(err, errlen, "more than one global acl");
		return DX_EINVAL;
	}
	c->global_acl = idx;
	return 0;
}

/* --- YAML ------------------------------------------------------------------ */

struct yctx {
	yaml_document_t doc;
	const char *file;
	struct diag *d;
	struct config *c;
	char *base;              /* where relative data paths resolve */
};

static yaml_node_t *
ynode(struct yctx *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

static unsigned
yline(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

static const char *
yscalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

static bool
yis_null(const yaml_node_t *n)
{
	const char *s = yscalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL");
}

#define yerr(y, n, ...) diag_error((y)->d, (y)->file, yline(n), __VA_ARGS__)

static bool
get_str(struct yctx *y, const char *key, yaml_node_t *n, char **out)
{
	if (yis_null(n)) {
		free(*out);
		*out = NULL;
		return true;
	}
	if (yscalar(n) == NULL) {
		yerr(y, n, "%s: expected a string", key);
		return false;
	}
	set_str(out, yscalar(n));
	return true;
}

/* YAML 1.1 booleans, as libyaml leaves them untyped. */
static int
parse_bool(const char *s)
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

static bool
get_bool(struct yctx *y, const char *key, yaml_node_t *n, bool *out)
{
	const char *s = yscalar(n);
	int b = s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
	    parse_bool(s) : -1;

	if (b < 0) {
		yerr(y, n, "%s: expected true or false", key);
		return false;
	}
	*out = b;
	return true;
}

static bool
get_uint(struct yctx *y, const char *key, yaml_node_t *n, unsigned long min,
    unsigned long max, unsigned long *out)
{
	const char *s = yscalar(n);
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

static bool
get_dur(struct yctx *y, const char *key, yaml_node_t *n, uint32_t *out)
{
	const char *s = yscalar(n);

	if (s == NULL || config_parse_duration(s, out) < 0) {
		yerr(y, n, "%s: bad duration \"%s\" (units s m h d w)", key,
		    s ? s : "");
		return false;
	}
	return true;
}

/* Check n is a mapping without duplicate keys; report otherwise. */
static bool
ymap(struct yctx *y, yaml_node_t *n, const char *what)
{
	yaml_node_pair_t *p, *q;

	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		yerr(y, n, "%s: expected a mapping", what);
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key);
		if (yscalar(k) == NULL) {
			yerr(y, k, "%s: keys must be strings", what);
			return false;
		}
		for (q = n->data.mapping.pairs.start; q < p; q++)
			if (strcmp(yscalar(ynode(y, q->key)), yscalar(k)) == 0)
				yerr(y, k, "%s: duplicate key \"%s\"", what,
				    yscalar(k));
	}
	return true;
}

#define FOR_PAIRS(y, n, p, k, v) \
	for (yaml_node_pair_t *p = (n)->data.mapping.pairs.start; \
	    p < (n)->data.mapping.pairs.top; p++) \
		for (yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value); \
		    k; k = NULL)

#define FOR_ITEMS(y, n, it, v) \
	for (yaml_node_item_t *it = (n)->data.sequence.items.start; \
	    it < (n)->data.sequence.items.top; it++) \
		for (yaml_node_t *v = ynode(y, *it); v; v = NULL)

static bool
yseq(struct yctx *y, yaml_node_t *n, const char *what)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
		yerr(y, n, "%s: expected a list", what);
		return false;
	}
	return true;
}

static void
yaml_soa(struct yctx *y, yaml_node_t *n)
{
	if (!ymap(y, n, "soa"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "mname"))
			get_str(y, "soa.mname", v, &y->c->soa_mname);
		else if (!strcmp(key, "rname"))
			get_str(y, "soa.rname", v, &y->c->soa_rname);
		else
			yerr(y, k, "soa: unknown key \"%s\"", key);
	}
}

static void
yaml_listen(struct yctx *y, yaml_node_t *n)
{
	char err[256];

	free_listen(y->c);
	if (yscalar(n) && !yis_null(n)) {
		if (add_listen(y->c, yscalar(n), '@', err, sizeof(err)) < 0)
			yerr(y, n, "listen: %s", err);
		return;
	}
	if (yis_null(n) || !yseq(y, n, "listen"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL)
			yerr(y, v, "listen: expected \"address@port\"");
		else if (add_listen(y->c, yscalar(v), '@', err, sizeof(err)) < 0)
			yerr(y, v, "listen: %s", err);
	}
}

static void
yaml_server(struct yctx *y, yaml_node_t *n)
{
	struct config *c = y->c;
	unsigned long u;
	uint32_t t;
	char err[256], *s;

	if (!ymap(y, n, "server"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "listen")) {
			yaml_listen(y, v);
		} else if (!strcmp(key, "workers")) {
			if (get_uint(y, key, v, 0, 1024, &u))
				c->workers = (unsigned)u;
		} else if (!strcmp(key, "user")) {
			s = NULL;
			if (get_str(y, key, v, &s) && s &&
			    set_user(c, s, err, sizeof(err)) < 0)
				yerr(y, v, "user: %s", err);
			free(s);
		} else if (!strcmp(key, "chroot")) {
			get_str(y, key, v, &c->chroot_dir);
		} else if (!strcmp(key, "pidfile")) {
			get_str(y, key, v, &c->pidfile);
		} else if (!strcmp(key, "data-dir")) {
			s = NULL;
			if (get_str(y, key, v, &s) && s) {
				char *b = resolve_path(y->base, s);
				free(y->base);
				y->base = b;
			}
			free(s);
		} else if (!strcmp(key, "check-interval")) {
			get_dur(y, key, v, &c->check_interval);
		} else if (!strcmp(key, "ttl")) {
			get_dur(y, key, v, &c->ttl_default);
		} else if (!strcmp(key, "ttl-min")) {
			get_dur(y, key, v, &c->ttl_min);
		} else if (!strcmp(key, "ttl-max")) {
			get_dur(y, key, v, &c->ttl_max);
		} else if (!strcmp(key, "minimal-responses")) {
			bool b;
			if (get_bool(y, key, v, &b))
				c->minimal = b;
		} else if (!strcmp(key, "allow-host-bits")) {
			get_bool(y, key, v, &c->allow_host_bits);
		} else if (!strcmp(key, "rfc5782-test-entries")) {
			get_bool(y, key, v, &c->rfc5782_tests);
		} else if (!strcmp(key, "version") || !strcmp(key, "identity")) {
			bool isv = key[0] == 'v';
			char **dst = isv ? &c->version_text : &c->identity;
			int b = yscalar(v) && v->data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE ? parse_bool(yscalar(v)) : -1;
			if (b == 0 || yis_null(v)) {	/* false: REFUSED */
				set_str(dst, NULL);
				if (isv)
					c->version_level = 2;
			} else if (b == 1) {	/* true: the default text */
				set_str(dst, NULL);
				if (isv)
					c->version_level = 0;
			} else if (get_str(y, key, v, dst) && isv) {
				c->version_level = 0;
			}
		} else if (!strcmp(key, "tcp-max-clients")) {
			if (get_uint(y, key, v, 1, 65535, &u))
				c->tcp_max_clients = (unsigned)u;
		} else if (!strcmp(key, "tcp-idle-timeout")) {
			if (get_dur(y, key, v, &t)) {
				if (t > UINT32_MAX / 1000)
					yerr(y, v, "%s: too long", key);
				else
					c->tcp_idle_ms = t * 1000;
			}
		} else if (!strcmp(key, "edns-max-payload")) {
			if (get_uint(y, key, v, 512, 65535, &u))
				c->edns_max = (uint16_t)u;
		} else if (!strcmp(key, "query-log")) {
			get_str(y, key, v, &c->querylog);
		} else if (!strcmp(key, "stats-file")) {
			get_str(y, key, v, &c->statsfile);
		} else if (!strcmp(key, "soa")) {
			yaml_soa(y, v);
		} else {
			yerr(y, k, "server: unknown key \"%s\"", key);
		}
	}
	if (c->ttl_min && c->ttl_max && c->ttl_min > c->ttl_max)
		yerr(y, n, "server: ttl-min greater than ttl-max");
}

/* services: or regions: a list of { id, name, description }. */
static void
yaml_codes_list(struct yctx *y, yaml_node_t *n, const char *what,
    struct cfg_code **vp, unsigned *np)
{
	if (!yseq(y, n, what))
		return;
	FOR_ITEMS(y, n, it, e) {
		struct cfg_code cc = { NULL, NULL, 0 };
		bool have_id = false, ok = true;
		unsigned long u;

		if (!ymap(y, e, what))
			continue;
		FOR_PAIRS(y, e, p, k, v) {
			const char *key = yscalar(k);
			if (!strcmp(key, "id")) {
				/* 16*service + region must fit one octet */
				if ((ok = get_uint(y, "id", v, 0, 15, &u) && ok))
					cc.id = (unsigned)u, have_id = true;
			} else if (!strcmp(key, "name")) {
				ok = get_str(y, "name", v, &cc.name) && ok;
			} else if (!strcmp(key, "description")) {
				ok = get_str(y, "description", v,
				    &cc.description) && ok;
			} else {
				yerr(y, k, "%s: unknown key \"%s\"", what, key);
				ok = false;
			}
		}
		if (ok && (!have_id || cc.name == NULL)) {
			yerr(y, e, "%s: id and name are required", what);
			ok = false;
		}
		for (unsigned i = 0; ok && i < *np; i++) {
			if (strcmp((*vp)[i].name, cc.name) == 0) {
				yerr(y, e, "%s: duplicate name \"%s\"", what,
				    cc.name);
				ok = false;
			} else if ((*vp)[i].id == cc.id) {
				yerr(y, e, "%s: duplicate id %u", what, cc.id);
				ok = false;
			}
		}
		if (!ok) {
			free(cc.name);
			free(cc.description);
			continue;
		}
		if (cc.description == NULL)
			cc.description = xstrdup(cc.name);
		*vp = xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[(*np)++] = cc;
	}
}

static void
yaml_codes(struct yctx *y, yaml_node_t *n)
{
	if (!ymap(y, n, "codes"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "services"))
			yaml_codes_list(y, v, "services", &y->c->services,
			    &y->c->nservices);
		else if (!strcmp(key, "regions"))
			yaml_codes_list(y, v, "regions", &y->c->regions,
			    &y->c->nregions);
		else if (!strcmp(key, "txt"))
			get_str(y, "txt", v, &y->c->txt_default);
		else
			yerr(y, k, "codes: unknown key \"%s\"", key);
	}
}

static void
yaml_files(struct yctx *y, yaml_node_t *n, struct cfg_dataset *ds)
{
	if (yscalar(n) && !yis_null(n)) {
		ds_add_file(ds, y->base, yscalar(n));
		return;
	}
	if (!yseq(y, n, "files"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL || yscalar(v)[0] == '\0')
			yerr(y, v, "files: expected a file name");
		else
			ds_add_file(ds, y->base, yscalar(v));
	}
}

static void
yaml_dataset(struct yctx *y, yaml_node_t *e)
{
	struct cfg_dataset tmp, *ds;
	char *code = NULL, *txt = NULL, err[256];
	yaml_node_t *files = NULL, *typen = NULL;
	unsigned before = y->d->errors;

	if (!ymap(y, e, "datasets"))
		return;
	memset(&tmp, 0, sizeof(tmp));
	FOR_PAIRS(y, e, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "name"))
			get_str(y, key, v, &tmp.name);
		else if (!strcmp(key, "type"))
			get_str(y, key, v, &tmp.type), typen = v;
		else if (!strcmp(key, "files"))
			files = v;
		else if (!strcmp(key, "service"))
			get_str(y, key, v, &tmp.service);
		else if (!strcmp(key, "region"))
			get_str(y, key, v, &tmp.region);
		else if (!strcmp(key, "pool"))
			get_str(y, key, v, &tmp.pool);
		else if (!strcmp(key, "code"))
			get_str(y, key, v, &code);
		else if (!strcmp(key, "txt"))
			get_str(y, key, v, &txt);
		else
			yerr(y, k, "dataset: unknown key \"%s\"", key);
	}
	if (tmp.name == NULL)
		yerr(y, e, "dataset: name is required");
	else if (find_dataset(y->c, tmp.name) >= 0)
		yerr(y, e, "dataset %s: duplicate name", tmp.name);
	if (tmp.type == NULL)
		yerr(y, e, "dataset %s: type is required",
		    tmp.name ? tmp.name : "?");
	else if (!type_known(tmp.type))
		yerr(y, typen, "dataset %s: unknown dataset type \"%s\"",
		    tmp.name ? tmp.name : "?", tmp.type);
	if (files)
		yaml_files(y, files, &tmp);
	if (tmp.nfiles == 0)
		yerr(y, files ? files : e, "dataset %s: files: at least one "
		    "file is required", tmp.name ? tmp.name : "?");
	if (tmp.pool && strcmp(tmp.pool, "shared") != 0 &&
	    strcmp(tmp.pool, "dedicated") != 0)
		yerr(y, e, "dataset %s: pool must be shared or dedicated, "
		    "not \"%s\"", tmp.name ? tmp.name : "?", tmp.pool);
	if (y->d->errors == before &&
	    config_dataset_value(y->c, &tmp, code, txt, err, sizeof(err)) < 0)
		yerr(y, e, "dataset %s: %s", tmp.name, err);
	free(code);
	free(txt);
	/* Kept even when broken (unless unnamed or a duplicate), so zones
	 * naming it do not pile up "unknown dataset" errors. */
	if (tmp.name == NULL || (find_dataset(y->c, tmp.name) >= 0)) {
		struct config one = { 0 };
		one.datasets = xrealloc(NULL, sizeof(tmp));
		one.datasets[0] = tmp;
		one.ndatasets = 1;
		free_datasets(&one);
		return;
	}
	if (tmp.type == NULL)
		tmp.type = xstrdup("?");
	ds = new_dataset(y->c);
	*ds = tmp;
}

static void
yaml_zone(struct yctx *y, yaml_node_t *e)
{
	yaml_node_t *namen = NULL, *dsn = NULL, *specn = NULL, *acln = NULL;
	struct cfg_zone *z;
	char err[256], *name;
	int idx;

	if (!ymap(y, e, "zones"))
		return;
	FOR_PAIRS(y, e, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "name"))
			namen = v;
		else if (!strcmp(key, "datasets"))
			dsn = v;
		else if (!strcmp(key, "specs"))
			specn = v;
		else if (!strcmp(key, "acl"))
			acln = v;
		else
			yerr(y, k, "zone: unknown key \"%s\"", key);
	}
	if (yscalar(namen) == NULL) {
		yerr(y, namen ? namen : e, "zone: name is required");
		return;
	}
	if ((name = zone_name_norm(yscalar(namen), err, sizeof(err))) == NULL) {
		yerr(y, namen, "zone: %s", err);
		return;
	}
	if (find_zone(y->c, name) >= 0) {
		yerr(y, namen, "zone %s: duplicate zone", name);
		free(name);
		return;
	}
	z = new_zone(y->c, name);
	if (dsn && yseq(y, dsn, "datasets")) {
		FOR_ITEMS(y, dsn, it, v) {
			if (yscalar(v) == NULL)
				yerr(y, v, "zone %s: expected a dataset name",
				    z->name);
			else if ((idx = find_dataset(y->c, yscalar(v))) < 0)
				yerr(y, v, "zone %s: unknown dataset \"%s\"",
				    z->name, yscalar(v));
			else if (zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "%s", err);
		}
	}
	if (specn && yseq(y, specn, "specs")) {
		FOR_ITEMS(y, specn, it, v) {
			if (yscalar(v) == NULL)
				yerr(y, v, "zone %s: expected \"type:file,...\"",
				    z->name);
			else if ((idx = spec_dataset(y->c, yscalar(v), y->base,
			    err, sizeof(err))) < 0 ||
			    zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "zone %s: %s", z->name, err);
		}
	}
	if (acln && !yis_null(acln)) {
		if (yscalar(acln) == NULL)
			yerr(y, acln, "zone %s: acl: expected a dataset name",
			    z->name);
		else if ((idx = find_dataset(y->c, yscalar(acln))) < 0)
			yerr(y, acln, "zone %s: unknown dataset \"%s\"", z->name,
			    yscalar(acln));
		else if (strcmp(y->c->datasets[idx].type, "acl") != 0)
			yerr(y, acln, "zone %s: dataset %s is not of type acl",
			    z->name, yscalar(acln));
		else if (zone_add(y->c, z, (unsigned)idx, err, sizeof(err)) < 0)
			yerr(y, acln, "%s", err);
	}
	if (z->ndatasets == 0)	/* rbldnsd: at least one non-acl dataset */
		yerr(y, e, "zone %s: no datasets", z->name);
}

static void
yaml_top(struct yctx *y, yaml_node_t *root)
{
	static const char *const order[] = {
		"server", "codes", "datasets", "zones", "acl",
	};
	char err[256];

	if (!ymap(y, root, "config"))
		return;
	FOR_PAIRS(y, root, p, k, v) {
		size_t i;
		(void)v;
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (!strcmp(yscalar(k), order[i]))
				break;
		if (i == sizeof(order) / sizeof(order[0]))
			yerr(y, k, "unknown key \"%s\"", yscalar(k));
	}
	/* Sections in dependency order, whatever their order in the file. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		FOR_PAIRS(y, root, p, k, v) {
			if (strcmp(yscalar(k), order[i]) != 0)
				continue;
			if (i == 0)
				yaml_server(y, v);
			else if (i == 1)
				yaml_codes(y, v);
			else if (i == 2 || i == 3) {
				if (yis_null(v) || !yseq(y, v, order[i]))
					continue;
				FOR_ITEMS(y, v, it, e) {
					if (i == 2)
						yaml_dataset(y, e);
					else
						yaml_zone(y, e);
				}
			} else if (!yis_null(v)) {
				int idx = yscalar(v) ?
				    find_dataset(y->c, yscalar(v)) : -1;
				if (idx < 0)
					yerr(y, v, "acl: unknown dataset \"%s\"",
					    yscalar(v) ? yscalar(v) : "");
				else if (set_global_acl(y->c, idx, err,
				    sizeof(err)) < 0)
					yerr(y, v, "acl: %s", err);
			}
		}
	}
}

/* Parse path into c (which may hold defaults); errors go to d. */
static int
yaml_load(const char *path, struct diag *d, struct config *c)
{
	struct yctx y;
	yaml_parser_t parser;
	FILE *f;
	const char *slash;
	unsigned before = d->errors;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return DX_ENOENT;
	}
	memset(&y, 0, sizeof(y));
	y.file = path;
	y.d = d;
	y.c = c;
	slash = strrchr(path, '/');
	y.base = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) :
	    NULL;
	set_str(&c->path, path);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.doc)) {
		diag_error(d, path, (unsigned)parser.problem_mark.line + 1,
		    "YAML: %s%s%s", parser.problem ? parser.problem : "error",
		    parser.context ? " " : "",
		    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(f);
		free(y.base);
		return DX_EINVAL;
	}
	if (yaml_document_get_root_node(&y.doc) == NULL)
		diag_error(d, path, 0, "empty config");
	else
		yaml_top(&y, yaml_document_get_root_node(&y.doc));
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	free(y.base);
	if (d->errors > before)
		rc = DX_EINVAL;
	return rc;
}

/* Checks on the finished config, whatever its source. */
static int
config_check(struct config *c, struct diag *d)
{
	unsigned before = d->errors;

	if (c->nzones == 0)
		diag_error(d, c->path, 0, "no zones to serve");
	for (unsigned i = 0; i < c->nzones; i++)
		if (c->zones[i].ndatasets == 0)	/* an acl alone serves nothing */
			diag_error(d, c->path, 0, "zone %s: no datasets besides "
			    "its acl", c->zones[i].name);
	for (unsigned i = 0; i < c->ndatasets; i++) {
		bool used = c->global_acl == (int)i;
		for (unsigned j = 0; j < c->nzones && !used; j++) {
			used = c->zones[j].acl == (int)i;
			for (unsigned k = 0; k < c->zones[j].ndatasets; k++)
				used = used || c->zones[j].datasets[k] == i;
		}
		if (!used)
			diag_warn(d, c->path, 0, "dataset %s is not used by "
			    "any zone", c->datasets[i].name);
	}
	return d->errors > before ? DX_EINVAL : 0;
}

int
config_load_file(const char *path, struct diag *d, struct config **out)
{
	struct config *c = config_defaults();
	int rc = yaml_load(path, d, c);

	if (rc == 0)
		rc = config_check(c, d);
	if (rc < 0) {
		config_free(c);
		*out = NULL;
		return rc;
	}
	*out = c;
	return 0;
}

/* --- command line ---------------------------------------------------------- */

enum { OPT_CONFIG = 256, OPT_HELP, OPT_VERSION, OPT_WORKERS, OPT_NO_TESTS };

static const char short_opts[] = ":b:46nu:r:w:t:c:p:l:s:qaAvedfC";
static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "no-rfc5782-tests", no_argument, NULL, OPT_NO_TESTS },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dnsxld [options] zone:type:file[,file...] ...\n"
"  --config FILE   read dnsxld.conf (YAML); command-line values override it\n"
"  -b addr[/port]  listen on addr (IPv4 or IPv6, default port 53); repeatable\n"
"  -4 | -6         IPv4 only | IPv6 only\n"
"  -n              stay in the foreground\n"
"  -u user[:group] run as user\n"
"  -r dir          chroot to dir\n"
"  -w dir          work directory (relative data files resolve there)\n"
"  -t def:min:max  default TTL and limits (units s m h d w; default 35m)\n"
"  -c interval     check data files for changes (default 1m, 0 = off)\n"
"  -p file         write the pid to file\n"
"  -l [+]file      log queries (+ unbuffered, - stdout)\n"
"  -s [+]file      write statistics (+ incremental)\n"
"  -q              quick start: load in background, load errors not fatal\n"
"  -a | -A         minimal responses | full authority section (default)\n"
"  -v              version.bind: name only; twice: refuse\n"
"  -e              allow host bits in CIDR ranges (127.2.3.4/24)\n"
"  -d              dump zones in BIND format and exit\n"
"  -f, -C          accepted for rbldnsd compatibility\n"
"  --workers N     worker threads (0 = one per core)\n"
"  --no-rfc5782-tests  do not serve the 127.0.0.2 / 127.0.0.1 test entries\n"
"  --help, --version\n"
"types: ip4set ip4tset ip4trie ip6trie ip6tset dnset generic combined acl;\n"
"\":acl:file\" (empty zone) is a global acl.\n");
}

static int arg_error(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A command-line problem: no file:line to give. */
static int
arg_error(struct diag *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(d, NULL, 0, "%s", msg);
	return DX_EINVAL;
}

/* zone:type:file,file (empty zone with type acl: the global acl). */
static int
add_arg_spec(struct config *c, const char *spec, struct diag *d)
{
	const char *colon = strchr(spec, ':');
	char err[256], *zname;
	int idx, zi;

	if (colon == NULL)
		return arg_error(d, "bad zone spec \"%s\" (want "
		    "zone:type:file,...)", spec);
	if ((idx = spec_dataset(c, colon + 1, c->workdir, err,
	    sizeof(err))) < 0)
		return arg_error(d, "%s: %s", spec, err);
	if (colon == spec) {
		if (set_global_acl(c, idx, err, sizeof(err)) < 0)
			return arg_error(d, "%s: %s", spec, err);
		return 0;
	}
	zname = xstrndup(spec, (size_t)(colon - spec));
	{
		char *norm = zone_name_norm(zname, err, sizeof(err));
		free(zname);
		if (norm == NULL)
			return arg_error(d, "%s: %s", spec, err);
		zname = norm;
	}
	if ((zi = find_zone(c, zname)) >= 0)
		free(zname);	/* several specs for one zone: add in order */
	else
		zi = (int)(new_zone(c, zname) - c->zones);
	if (zone_add(c, &c->zones[zi], (unsigned)idx, err, sizeof(err)) < 0)
		return arg_error(d, "%s: %s", spec, err);
	return 0;
}

static int
apply_opt(struct config *c, int ch, const char *arg, bool *listen_seen,
    struct diag *d)
{
	char err[256];
	unsigned long u;
	char *end;

	switch (ch) {
	case 'b':
		if (!*listen_seen)	/* -b replaces the config's listen */
			free_listen(c);
		*listen_seen = true;
		if (add_listen(c, arg, '/', err, sizeof(err)) < 0)
			return arg_error(d, "-b: %s", err);
		break;
	case '4': c->ipv4_only = true; c->ipv6_only = false; break;
	case '6': c->ipv6_only = true; c->ipv4_only = false; break;
	case 'n': c->foreground = true; break;
	case 'u':
		if (set_user(c, arg, err, sizeof(err)) < 0)
			return arg_error(d, "-u: %s", err);
		break;
	case 'r': set_str(&c->chroot_dir, arg); break;
	case 'w': set_str(&c->workdir, arg); break;
	case 't':
		if (set_ttls(c, arg, err, sizeof(err)) < 0)
			return arg_error(d, "-t: %s", err);
		break;
	case 'c':
		if (config_parse_duration(arg, &c->check_interval) < 0)
			return arg_error(d, "-c: bad duration \"%s\"", arg);
		break;
	case 'p': set_str(&c->pidfile, arg); break;
	case 'l': set_str(&c->querylog, arg); break;
	case 's': set_str(&c->statsfile, arg); break;
	case 'q': c->quick = true; break;
	case 'a': c->minimal = 1; break;
	case 'A': c->minimal = 0; break;
	case 'v':
		if (c->version_level < 2)
			c->version_level++;
		break;
	case 'e': c->allow_host_bits = true; break;
	case 'd': c->dump = true; break;
	case 'f': case 'C': break;	/* rbldnsd's fork-on-reload, no-gzip */
	case OPT_WORKERS:
		u = strtoul(arg, &end, 10);
		if (!isdigit((unsigned char)*arg) || *end || u > 1024)
			return arg_error(d, "--workers: \"%s\" is not a number "
			    "in 0..1024", arg);
		c->workers = (unsigned)u;
		break;
	case OPT_NO_TESTS: c->rfc5782_tests = false; break;
	case OPT_CONFIG: case OPT_HELP: case OPT_VERSION: break;
	default:
		return DX_EINVAL;
	}
	return 0;
}

static const char *
opt_name(int optopt_val, char *buf, size_t len, char **argv, int idx)
{
	if (optopt_val)
		snprintf(buf, len, "-%c", optopt_val);
	else
		snprintf(buf, len, "%s", argv[idx - 1]);
	return buf;
}

int
config_from_args(int argc, char **argv, struct diag *d, struct config **out)
{
	struct config *c = config_defaults();
	const char *cfgfile = NULL;
	bool listen_seen = false;
	unsigned before = d->errors;
	char name[64], **argv1;
	int ch, rc = 0;

	*out = NULL;
	opterr = 0;
	/* Pass 1: --config, --help and --version, so the file is read
	 * before the options that override it. On a copy: getopt permutes
	 * argv, which would change how pass 2 reads a trailing "-b". */
	argv1 = xrealloc(NULL, (size_t)(argc + 1) * sizeof(*argv1));
	memcpy(argv1, argv, (size_t)(argc + 1) * sizeof(*argv1));
	optind = 0;
	while ((ch = getopt_long(argc, argv1, short_opts, long_opts, NULL)) != -1) {
		if (ch == OPT_HELP) {
			usage(stdout);
			free(argv1);
			config_free(c);
			return 1;
		}
		if (ch == OPT_VERSION) {
			printf("dnsxld %s\n", DNSXL_VERSION);
			free(argv1);
			config_free(c);
			return 1;
		}
		if (ch == OPT_CONFIG)
			cfgfile = optarg;
	}
	free(argv1);
	if (cfgfile && yaml_load(cfgfile, d, c) < 0)
		rc = DX_EINVAL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (ch == '?') {
			arg_error(d, "unknown option %s",
			    opt_name(optopt, name, sizeof(name), argv, optind));
			rc = DX_EINVAL;
		} else if (ch == ':') {
			arg_error(d, "option %s needs an argument",
			    opt_name(optopt, name, sizeof(name), argv, optind));
			rc = DX_EINVAL;
		} else if (apply_opt(c, ch, optarg, &listen_seen, d) < 0) {
			rc = DX_EINVAL;
		}
	}
	for (int i = optind; i < argc; i++)
		if (add_arg_spec(c, argv[i], d) < 0)
			rc = DX_EINVAL;
	if (rc == 0 && d->errors == before)
		rc = config_check(c, d);
	if (rc < 0 || d->errors > before) {
		config_free(c);
		return DX_EINVAL;
	}
	*out = c;
	return 0;
}

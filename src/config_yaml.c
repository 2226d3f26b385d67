/* config_yaml.c -- reading dnsxld.conf (YAML, libyaml) into a struct config
 * (docs/config-schema.md).
 */
#include "config.h"
#include "config_internal.h"
#include "errcode.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

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
	config_set_str(out, yscalar(n));
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

	config_free_listen(y->c);
	if (yscalar(n) && !yis_null(n)) {
		if (config_add_listen(y->c, yscalar(n), '@', err, sizeof(err)) < 0)
			yerr(y, n, "listen: %s", err);
		return;
	}
	if (yis_null(n) || !yseq(y, n, "listen"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL)
			yerr(y, v, "listen: expected \"address@port\"");
		else if (config_add_listen(y->c, yscalar(v), '@', err, sizeof(err)) < 0)
			yerr(y, v, "listen: %s", err);
	}
}

/* A string or a list of strings (allow-transfer, notify). */
static void
yaml_strlist(struct yctx *y, const char *key, yaml_node_t *n, char ***vp,
    unsigned *np)
{
	if (yscalar(n) && !yis_null(n)) {
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[*np] = NULL;
		config_set_str(&(*vp)[(*np)++], yscalar(n));
		return;
	}
	if (yis_null(n) || !yseq(y, n, key))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL) {
			yerr(y, v, "%s: expected a string", key);
			continue;
		}
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[*np] = NULL;
		config_set_str(&(*vp)[(*np)++], yscalar(v));
	}
}

/* tsig-keys: [ { name, algorithm (default hmac-sha256), secret } ] */
static void
yaml_tsig(struct yctx *y, yaml_node_t *n)
{
	struct config *c = y->c;

	if (!yseq(y, n, "tsig-keys"))
		return;
	FOR_ITEMS(y, n, it, e) {
		struct cfg_tsig k = { NULL, NULL, NULL };
		if (!ymap(y, e, "tsig-keys"))
			continue;
		FOR_PAIRS(y, e, p, kk, v) {
			const char *key = yscalar(kk);
			if (!strcmp(key, "name"))
				get_str(y, key, v, &k.name);
			else if (!strcmp(key, "algorithm"))
				get_str(y, key, v, &k.algorithm);
			else if (!strcmp(key, "secret"))
				get_str(y, key, v, &k.secret);
			else
				yerr(y, kk, "tsig-keys: unknown key \"%s\"", key);
		}
		if (!k.name || !k.secret) {
			yerr(y, e, "tsig-keys: name and secret are required");
			free(k.name);
			free(k.algorithm);
			free(k.secret);
			continue;
		}
		if (!k.algorithm)
			config_set_str(&k.algorithm, "hmac-sha256");
		c->tsig = config_xrealloc(c->tsig, (c->ntsig + 1) *
		    sizeof(*c->tsig));
		c->tsig[c->ntsig++] = k;
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
			    config_set_user(c, s, err, sizeof(err)) < 0)
				yerr(y, v, "user: %s", err);
			free(s);
		} else if (!strcmp(key, "chroot")) {
			get_str(y, key, v, &c->chroot_dir);
		} else if (!strcmp(key, "pidfile")) {
			get_str(y, key, v, &c->pidfile);
		} else if (!strcmp(key, "data-dir")) {
			s = NULL;
			if (get_str(y, key, v, &s) && s) {
				char *b = config_resolve_path(y->base, s);
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
				config_set_str(dst, NULL);
				if (isv)
					c->version_level = 2;
			} else if (b == 1) {	/* true: the default text */
				config_set_str(dst, NULL);
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
		} else if (!strcmp(key, "allow-transfer")) {
			yaml_strlist(y, key, v, &c->xfr_allow, &c->nxfr_allow);
		} else if (!strcmp(key, "notify")) {
			yaml_strlist(y, key, v, &c->xfr_notify, &c->nxfr_notify);
		} else if (!strcmp(key, "tsig-keys")) {
			yaml_tsig(y, v);
		} else if (!strcmp(key, "ixfr-history")) {
			if (get_uint(y, key, v, 0, 1000, &u))
				c->xfr_history = (unsigned)u;
		} else if (!strcmp(key, "dump-limit")) {
			if (get_uint(y, key, v, 1, 1000000000, &u))
				c->dump_limit = (size_t)u;
		} else if (!strcmp(key, "serial")) {
			const char *sv = yscalar(v) ? yscalar(v) : "";
			if (!strcmp(sv, "data"))
				c->xfr_serial = 0;
			else if (!strcmp(sv, "unixtime"))
				c->xfr_serial = 1;
			else if (!strcmp(sv, "date"))
				c->xfr_serial = 2;
			else
				yerr(y, v, "serial: expected data, unixtime or "
				    "date");
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
			cc.description = config_xstrdup(cc.name);
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
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
		config_add_file(ds, y->base, yscalar(n));
		return;
	}
	if (!yseq(y, n, "files"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL || yscalar(v)[0] == '\0')
			yerr(y, v, "files: expected a file name");
		else
			config_add_file(ds, y->base, yscalar(v));
	}
}

/* A list of non-empty strings (or one string) into *vp. */
static void
yaml_strv(struct yctx *y, yaml_node_t *n, const char *what, char ***vp,
    unsigned *np)
{
	if (yscalar(n) && !yis_null(n)) {
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[(*np)++] = config_xstrdup(yscalar(n));
		return;
	}
	if (!yseq(y, n, what))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (yscalar(v) == NULL || yscalar(v)[0] == '\0') {
			yerr(y, v, "%s: expected a name", what);
			continue;
		}
		*vp = config_xrealloc(*vp, (*np + 1) * sizeof(**vp));
		(*vp)[(*np)++] = config_xstrdup(yscalar(v));
	}
}

/* "50%", "50" (percent of the prefixes a reload may remove) or "off". */
static void
yaml_max_shrink(struct yctx *y, yaml_node_t *n, int *out)
{
	const char *s = yscalar(n);
	char *end;
	unsigned long u;

	if (s && (!strcmp(s, "off") || !strcmp(s, "false"))) {
		*out = -1;
		return;
	}
	u = s && isdigit((unsigned char)*s) ? strtoul(s, &end, 10) : 101;
	if (u > 100 || (*end != '\0' && strcmp(end, "%") != 0)) {
		yerr(y, n, "max-shrink: expected a percentage 0%%..100%% or off");
		return;
	}
	*out = (int)u;
}

/* The keys of the vendor-feed types (docs/feeds.md). */
static void
yaml_feed_keys(struct yctx *y, struct cfg_dataset *ds,
    yaml_node_t *tagsn, yaml_node_t *areasn, yaml_node_t *idsn,
    yaml_node_t *shrinkn)
{
	bool azure = ds->type && !strcmp(ds->type, "azure-servicetags");
	bool m365 = ds->type && !strcmp(ds->type, "m365-endpoints");
	const char *name = ds->name ? ds->name : "?";
	unsigned long u;

	ds->max_shrink = config_type_is_feed(ds->type) ? 50 : -1;
	if (shrinkn)
		yaml_max_shrink(y, shrinkn, &ds->max_shrink);
	if (tagsn && !azure)
		yerr(y, tagsn, "dataset %s: tags: only for azure-servicetags",
		    name);
	else if (tagsn)
		yaml_strv(y, tagsn, "tags", &ds->tags, &ds->ntags);
	if ((areasn || idsn) && !m365)
		yerr(y, areasn ? areasn : idsn, "dataset %s: service-areas and "
		    "ids: only for m365-endpoints", name);
	else if (areasn)
		yaml_strv(y, areasn, "service-areas", &ds->areas, &ds->nareas);
	if (idsn && m365 && yseq(y, idsn, "ids")) {
		FOR_ITEMS(y, idsn, it, v) {
			if (!get_uint(y, "ids", v, 0, UINT32_MAX, &u))
				continue;
			ds->ids = config_xrealloc(ds->ids, (ds->nids + 1) *
			    sizeof(*ds->ids));
			ds->ids[ds->nids++] = (unsigned)u;
		}
	}
}

/* azure-regions: { default: NAME, map: { azure-region: NAME, ... } } */
static void
yaml_azure_regions(struct yctx *y, yaml_node_t *n)
{
	struct config *c = y->c;

	if (yis_null(n) || !ymap(y, n, "azure-regions"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = yscalar(k);
		if (!strcmp(key, "default")) {
			if (get_str(y, "azure-regions.default", v,
			    &c->azure_default) && c->azure_default &&
			    !config_code_find(c->regions, c->nregions,
			    c->azure_default))
				yerr(y, v, "azure-regions.default: unknown region "
				    "\"%s\"", c->azure_default);
		} else if (!strcmp(key, "map")) {
			if (yis_null(v) || !ymap(y, v, "azure-regions.map"))
				continue;
			FOR_PAIRS(y, v, q, ak, av) {
				const char *to = yscalar(av);
				if (to == NULL || !config_code_find(c->regions,
				    c->nregions, to)) {
					yerr(y, av, "azure-regions.map: %s: unknown "
					    "region \"%s\"", yscalar(ak),
					    to ? to : "");
					continue;
				}
				c->azure_from = config_xrealloc(c->azure_from,
				    (c->nazure + 1) * sizeof(char *));
				c->azure_to = config_xrealloc(c->azure_to,
				    (c->nazure + 1) * sizeof(char *));
				c->azure_from[c->nazure] =
				    config_xstrdup(yscalar(ak));
				c->azure_to[c->nazure++] = config_xstrdup(to);
			}
		} else {
			yerr(y, k, "azure-regions: unknown key \"%s\"", key);
		}
	}
}

static void
yaml_dataset(struct yctx *y, yaml_node_t *e)
{
	struct cfg_dataset tmp, *ds;
	char *code = NULL, *txt = NULL, err[256];
	yaml_node_t *files = NULL, *typen = NULL, *tagsn = NULL, *areasn = NULL;
	yaml_node_t *idsn = NULL, *shrinkn = NULL;
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
		else if (!strcmp(key, "tags"))
			tagsn = v;
		else if (!strcmp(key, "service-areas"))
			areasn = v;
		else if (!strcmp(key, "ids"))
			idsn = v;
		else if (!strcmp(key, "max-shrink"))
			shrinkn = v;
		else
			yerr(y, k, "dataset: unknown key \"%s\"", key);
	}
	if (tmp.name == NULL)
		yerr(y, e, "dataset: name is required");
	else if (config_find_dataset(y->c, tmp.name) >= 0)
		yerr(y, e, "dataset %s: duplicate name", tmp.name);
	if (tmp.type == NULL)
		yerr(y, e, "dataset %s: type is required",
		    tmp.name ? tmp.name : "?");
	else if (!config_type_known(tmp.type))
		yerr(y, typen, "dataset %s: unknown dataset type \"%s\"",
		    tmp.name ? tmp.name : "?", tmp.type);
	if (files)
		yaml_files(y, files, &tmp);
	if (tmp.nfiles == 0)
		yerr(y, files ? files : e, "dataset %s: files: at least one "
		    "file is required", tmp.name ? tmp.name : "?");
	yaml_feed_keys(y, &tmp, tagsn, areasn, idsn, shrinkn);
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
	if (tmp.name == NULL || (config_find_dataset(y->c, tmp.name) >= 0)) {
		struct config one = { 0 };
		one.datasets = config_xrealloc(NULL, sizeof(tmp));
		one.datasets[0] = tmp;
		one.ndatasets = 1;
		config_free_datasets(&one);
		return;
	}
	if (tmp.type == NULL)
		tmp.type = config_xstrdup("?");
	ds = config_new_dataset(y->c);
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
	if ((name = config_zone_name_norm(yscalar(namen), err, sizeof(err))) == NULL) {
		yerr(y, namen, "zone: %s", err);
		return;
	}
	if (config_find_zone(y->c, name) >= 0) {
		yerr(y, namen, "zone %s: duplicate zone", name);
		free(name);
		return;
	}
	z = config_new_zone(y->c, name);
	if (dsn && yseq(y, dsn, "datasets")) {
		FOR_ITEMS(y, dsn, it, v) {
			if (yscalar(v) == NULL)
				yerr(y, v, "zone %s: expected a dataset name",
				    z->name);
			else if ((idx = config_find_dataset(y->c, yscalar(v))) < 0)
				yerr(y, v, "zone %s: unknown dataset \"%s\"",
				    z->name, yscalar(v));
			else if (config_zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "%s", err);
		}
	}
	if (specn && yseq(y, specn, "specs")) {
		FOR_ITEMS(y, specn, it, v) {
			if (yscalar(v) == NULL)
				yerr(y, v, "zone %s: expected \"type:file,...\"",
				    z->name);
			else if ((idx = config_spec_dataset(y->c, yscalar(v), y->base,
			    err, sizeof(err))) < 0 ||
			    config_zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "zone %s: %s", z->name, err);
		}
	}
	if (acln && !yis_null(acln)) {
		if (yscalar(acln) == NULL)
			yerr(y, acln, "zone %s: acl: expected a dataset name",
			    z->name);
		else if ((idx = config_find_dataset(y->c, yscalar(acln))) < 0)
			yerr(y, acln, "zone %s: unknown dataset \"%s\"", z->name,
			    yscalar(acln));
		else if (strcmp(y->c->datasets[idx].type, "acl") != 0)
			yerr(y, acln, "zone %s: dataset %s is not of type acl",
			    z->name, yscalar(acln));
		else if (config_zone_add(y->c, z, (unsigned)idx, err, sizeof(err)) < 0)
			yerr(y, acln, "%s", err);
	}
	if (z->ndatasets == 0)	/* rbldnsd: at least one non-acl dataset */
		yerr(y, e, "zone %s: no datasets", z->name);
}

static void
yaml_top(struct yctx *y, yaml_node_t *root)
{
	static const char *const order[] = {
		"server", "codes", "azure-regions", "datasets", "zones", "acl",
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
			else if (i == 2)
				yaml_azure_regions(y, v);
			else if (i == 3 || i == 4) {
				if (yis_null(v) || !yseq(y, v, order[i]))
					continue;
				FOR_ITEMS(y, v, it, e) {
					if (i == 3)
						yaml_dataset(y, e);
					else
						yaml_zone(y, e);
				}
			} else if (!yis_null(v)) {
				int idx = yscalar(v) ?
				    config_find_dataset(y->c, yscalar(v)) : -1;
				if (idx < 0)
					yerr(y, v, "acl: unknown dataset \"%s\"",
					    yscalar(v) ? yscalar(v) : "");
				else if (config_set_global_acl(y->c, idx, err,
				    sizeof(err)) < 0)
					yerr(y, v, "acl: %s", err);
			}
		}
	}
}

int
config_yaml_load(const char *path, struct diag *d, struct config *c)
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
	y.base = slash ? config_xstrndup(path, (size_t)(slash - path + (slash == path))) :
	    NULL;
	config_set_str(&c->path, path);
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

int
config_load_file(const char *path, struct diag *d, struct config **out)
{
	struct config *c = config_defaults();
	int rc = config_yaml_load(path, d, c);

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

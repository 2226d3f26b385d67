/* config_yaml.c -- reading dnsxld.conf (YAML, libyaml) into a struct config
 * (docs/config-schema.md).
 */
#include "config.h"
#include "config_internal.h"
#include "config_yaml_impl.h"
#include "errcode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
yaml_soa(struct yctx *y, yaml_node_t *n)
{
	if (!cy_map(y, n, "soa"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "mname"))
			cy_get_str(y, "soa.mname", v, &y->c->soa_mname);
		else if (!strcmp(key, "rname"))
			cy_get_str(y, "soa.rname", v, &y->c->soa_rname);
		else
			yerr(y, k, "soa: unknown key \"%s\"", key);
	}
}

static void
yaml_listen(struct yctx *y, yaml_node_t *n)
{
	char err[256];

	config_free_listen(y->c);
	if (cy_scalar(n) && !cy_is_null(n)) {
		if (config_add_listen(y->c, cy_scalar(n), '@', err, sizeof(err)) < 0)
			yerr(y, n, "listen: %s", err);
		return;
	}
	if (cy_is_null(n) || !cy_seq(y, n, "listen"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (cy_scalar(v) == NULL)
			yerr(y, v, "listen: expected \"address@port\"");
		else if (config_add_listen(y->c, cy_scalar(v), '@', err, sizeof(err)) < 0)
			yerr(y, v, "listen: %s", err);
	}
}

/* tsig-keys: [ { name, algorithm (default hmac-sha256), secret } ] */
static void
yaml_tsig(struct yctx *y, yaml_node_t *n)
{
	struct config *c = y->c;

	if (!cy_seq(y, n, "tsig-keys"))
		return;
	FOR_ITEMS(y, n, it, e) {
		struct cfg_tsig k = { NULL, NULL, NULL };
		if (!cy_map(y, e, "tsig-keys"))
			continue;
		FOR_PAIRS(y, e, p, kk, v) {
			const char *key = cy_scalar(kk);
			if (!strcmp(key, "name"))
				cy_get_str(y, key, v, &k.name);
			else if (!strcmp(key, "algorithm"))
				cy_get_str(y, key, v, &k.algorithm);
			else if (!strcmp(key, "secret"))
				cy_get_str(y, key, v, &k.secret);
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

	if (!cy_map(y, n, "server"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "listen")) {
			yaml_listen(y, v);
		} else if (!strcmp(key, "workers")) {
			if (cy_get_uint(y, key, v, 0, 1024, &u))
				c->workers = (unsigned)u;
		} else if (!strcmp(key, "user")) {
			s = NULL;
			if (cy_get_str(y, key, v, &s) && s &&
			    config_set_user(c, s, err, sizeof(err)) < 0)
				yerr(y, v, "user: %s", err);
			free(s);
		} else if (!strcmp(key, "chroot")) {
			cy_get_str(y, key, v, &c->chroot_dir);
		} else if (!strcmp(key, "pidfile")) {
			cy_get_str(y, key, v, &c->pidfile);
		} else if (!strcmp(key, "data-dir")) {
			s = NULL;
			if (cy_get_str(y, key, v, &s) && s) {
				char *b = config_resolve_path(y->base, s);
				free(y->base);
				y->base = b;
			}
			free(s);
		} else if (!strcmp(key, "check-interval")) {
			cy_get_dur(y, key, v, &c->check_interval);
		} else if (!strcmp(key, "ttl")) {
			cy_get_dur(y, key, v, &c->ttl_default);
		} else if (!strcmp(key, "ttl-min")) {
			cy_get_dur(y, key, v, &c->ttl_min);
		} else if (!strcmp(key, "ttl-max")) {
			cy_get_dur(y, key, v, &c->ttl_max);
		} else if (!strcmp(key, "minimal-responses")) {
			bool b;
			if (cy_get_bool(y, key, v, &b))
				c->minimal = b;
		} else if (!strcmp(key, "allow-host-bits")) {
			cy_get_bool(y, key, v, &c->allow_host_bits);
		} else if (!strcmp(key, "rfc5782-test-entries")) {
			cy_get_bool(y, key, v, &c->rfc5782_tests);
		} else if (!strcmp(key, "version") || !strcmp(key, "identity")) {
			bool isv = key[0] == 'v';
			char **dst = isv ? &c->version_text : &c->identity;
			int b = cy_scalar(v) && v->data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE ? cy_parse_bool(cy_scalar(v)) : -1;
			if (b == 0 || cy_is_null(v)) {	/* false: REFUSED */
				config_set_str(dst, NULL);
				if (isv)
					c->version_level = 2;
			} else if (b == 1) {	/* true: the default text */
				config_set_str(dst, NULL);
				if (isv)
					c->version_level = 0;
			} else if (cy_get_str(y, key, v, dst) && isv) {
				c->version_level = 0;
			}
		} else if (!strcmp(key, "tcp-max-clients")) {
			if (cy_get_uint(y, key, v, 1, 65535, &u))
				c->tcp_max_clients = (unsigned)u;
		} else if (!strcmp(key, "tcp-idle-timeout")) {
			if (cy_get_dur(y, key, v, &t)) {
				if (t > UINT32_MAX / 1000)
					yerr(y, v, "%s: too long", key);
				else
					c->tcp_idle_ms = t * 1000;
			}
		} else if (!strcmp(key, "edns-max-payload")) {
			if (cy_get_uint(y, key, v, 512, 65535, &u))
				c->edns_max = (uint16_t)u;
		} else if (!strcmp(key, "query-log")) {
			cy_get_str(y, key, v, &c->querylog);
		} else if (!strcmp(key, "stats-file")) {
			cy_get_str(y, key, v, &c->statsfile);
		} else if (!strcmp(key, "metrics-listen")) {
			cy_get_str(y, key, v, &c->metrics_listen);
		} else if (!strcmp(key, "syslog")) {
			cy_get_bool(y, key, v, &c->log_syslog);
		} else if (!strcmp(key, "watch-files")) {
			bool b;
			if (cy_get_bool(y, key, v, &b))
				c->no_watch = !b;
		} else if (!strcmp(key, "soa")) {
			yaml_soa(y, v);
		} else if (!strcmp(key, "allow-transfer")) {
			cy_strlist(y, key, v, &c->xfr_allow, &c->nxfr_allow);
		} else if (!strcmp(key, "notify")) {
			cy_strlist(y, key, v, &c->xfr_notify, &c->nxfr_notify);
		} else if (!strcmp(key, "tsig-keys")) {
			yaml_tsig(y, v);
		} else if (!strcmp(key, "ixfr-history")) {
			if (cy_get_uint(y, key, v, 0, 1000, &u))
				c->xfr_history = (unsigned)u;
		} else if (!strcmp(key, "dump-limit")) {
			if (cy_get_uint(y, key, v, 1, 1000000000, &u))
				c->dump_limit = (size_t)u;
		} else if (!strcmp(key, "serial")) {
			const char *sv = cy_scalar(v) ? cy_scalar(v) : "";
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
	if (!cy_seq(y, n, what))
		return;
	FOR_ITEMS(y, n, it, e) {
		struct cfg_code cc = { NULL, NULL, 0 };
		bool have_id = false, ok = true;
		unsigned long u;

		if (!cy_map(y, e, what))
			continue;
		FOR_PAIRS(y, e, p, k, v) {
			const char *key = cy_scalar(k);
			if (!strcmp(key, "id")) {
				/* 16*service + region must fit one octet */
				if ((ok = cy_get_uint(y, "id", v, 0, 15, &u) && ok))
					cc.id = (unsigned)u, have_id = true;
			} else if (!strcmp(key, "name")) {
				ok = cy_get_str(y, "name", v, &cc.name) && ok;
			} else if (!strcmp(key, "description")) {
				ok = cy_get_str(y, "description", v,
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
	if (!cy_map(y, n, "codes"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "services"))
			yaml_codes_list(y, v, "services", &y->c->services,
			    &y->c->nservices);
		else if (!strcmp(key, "regions"))
			yaml_codes_list(y, v, "regions", &y->c->regions,
			    &y->c->nregions);
		else if (!strcmp(key, "txt"))
			cy_get_str(y, "txt", v, &y->c->txt_default);
		else
			yerr(y, k, "codes: unknown key \"%s\"", key);
	}
}

/* Added (control): allowlist.action / allowlist.code, global or per zone. */
static void
yaml_al_action(struct yctx *y, const char *key, yaml_node_t *v,
    int *action, uint32_t *code)
{
	const char *s = cy_scalar(v);
	struct in_addr ia;

	if (!strcmp(key, "action")) {
		if (s && !strcmp(s, "refuse"))
			*action = CFG_AL_REFUSE;
		else if (s && !strcmp(s, "drop"))
			*action = CFG_AL_DROP;
		else if (s && !strcmp(s, "code"))
			*action = CFG_AL_CODE;
		else
			yerr(y, v, "allowlist: action: \"%s\" is not refuse, "
			    "drop or code", s ? s : "");
	} else if (s && inet_pton(AF_INET, s, &ia) == 1) {
		*code = ntohl(ia.s_addr);
	} else {
		yerr(y, v, "allowlist: code: \"%s\" is not an IPv4 address",
		    s ? s : "");
	}
}

/* Added (control): the allowlist:, control: and rrl: sections. */
static void
yaml_control(struct yctx *y, const char *sect, yaml_node_t *n)
{
	unsigned long u;

	if (cy_is_null(n) || !cy_map(y, n, sect))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(sect, "allowlist") && !strcmp(key, "file")) {
			char *f = NULL;
			if (cy_get_str(y, "allowlist: file", v, &f)) {
				free(y->c->allowlist_file);
				y->c->allowlist_file = config_resolve_path(y->base, f);
				free(f);
			}
		} else if (!strcmp(sect, "allowlist") && (!strcmp(key, "action") ||
		    !strcmp(key, "code"))) {
			yaml_al_action(y, key, v, &y->c->allowlist_action,
			    &y->c->allowlist_code);
		} else if (!strcmp(sect, "control") && !strcmp(key, "socket")) {
			cy_get_str(y, "control: socket", v, &y->c->control_socket);
		} else if (!strcmp(sect, "rrl") && !strcmp(key, "rate")) {
			if (cy_get_uint(y, "rrl: rate", v, 0, 1000000, &u))
				y->c->rrl_rate = (uint32_t)u;
		} else if (!strcmp(sect, "rrl") && !strcmp(key, "slip")) {
			if (cy_get_uint(y, "rrl: slip", v, 0, 100, &u))
				y->c->rrl_slip = (unsigned)u;
		} else if (!strcmp(sect, "rrl") && !strcmp(key, "table-size")) {
			if (cy_get_uint(y, "rrl: table-size", v, 16, 1048576, &u))
				y->c->rrl_table = (unsigned)u;
		} else if (!strcmp(sect, "rrl") &&
		    !strcmp(key, "ipv4-prefix-length")) {
			if (cy_get_uint(y, "rrl: ipv4-prefix-length", v, 0, 32, &u))
				y->c->rrl_v4len = (unsigned)u;
		} else if (!strcmp(sect, "rrl") &&
		    !strcmp(key, "ipv6-prefix-length")) {
			if (cy_get_uint(y, "rrl: ipv6-prefix-length", v, 0, 64, &u))
				y->c->rrl_v6len = (unsigned)u;
		} else if (!strcmp(sect, "rrl") && !strcmp(key, "exempt")) {
			cy_strv(y, v, "rrl: exempt", &y->c->rrl_exempt,
			    &y->c->nrrl_exempt);
		} else {
			yerr(y, k, "%s: unknown key \"%s\"", sect, key);
		}
	}
}

static void
yaml_zone(struct yctx *y, yaml_node_t *e)
{
	yaml_node_t *namen = NULL, *dsn = NULL, *specn = NULL, *acln = NULL;
	yaml_node_t *aln = NULL;
	yaml_node_t *xalln = NULL, *xnotn = NULL;
	struct cfg_zone *z;
	char err[256], *name;
	int idx;

	if (!cy_map(y, e, "zones"))
		return;
	FOR_PAIRS(y, e, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "name"))
			namen = v;
		else if (!strcmp(key, "datasets"))
			dsn = v;
		else if (!strcmp(key, "specs"))
			specn = v;
		else if (!strcmp(key, "acl"))
			acln = v;
		else if (!strcmp(key, "allowlist"))
			aln = v;
		else if (!strcmp(key, "allow-transfer"))
			xalln = v;
		else if (!strcmp(key, "notify"))
			xnotn = v;
		else
			yerr(y, k, "zone: unknown key \"%s\"", key);
	}
	if (cy_scalar(namen) == NULL) {
		yerr(y, namen ? namen : e, "zone: name is required");
		return;
	}
	if ((name = config_zone_name_norm(cy_scalar(namen), err, sizeof(err))) == NULL) {
		yerr(y, namen, "zone: %s", err);
		return;
	}
	if (config_find_zone(y->c, name) >= 0) {
		yerr(y, namen, "zone %s: duplicate zone", name);
		free(name);
		return;
	}
	z = config_new_zone(y->c, name);
	/* per-zone transfer policy: replaces the server's lists */
	if (xalln) {
		cy_strlist(y, "allow-transfer", xalln, &z->xfr_allow,
		    &z->nxfr_allow);
		z->xfr_allow_set = true;
	}
	if (xnotn) {
		cy_strlist(y, "notify", xnotn, &z->xfr_notify,
		    &z->nxfr_notify);
		z->xfr_notify_set = true;
	}
	if (dsn && cy_seq(y, dsn, "datasets")) {
		FOR_ITEMS(y, dsn, it, v) {
			if (cy_scalar(v) == NULL)
				yerr(y, v, "zone %s: expected a dataset name",
				    z->name);
			else if ((idx = config_find_dataset(y->c, cy_scalar(v))) < 0)
				yerr(y, v, "zone %s: unknown dataset \"%s\"",
				    z->name, cy_scalar(v));
			else if (config_zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "%s", err);
		}
	}
	if (specn && cy_seq(y, specn, "specs")) {
		FOR_ITEMS(y, specn, it, v) {
			if (cy_scalar(v) == NULL)
				yerr(y, v, "zone %s: expected \"type:file,...\"",
				    z->name);
			else if ((idx = config_spec_dataset(y->c, cy_scalar(v), y->base,
			    err, sizeof(err))) < 0 ||
			    config_zone_add(y->c, z, (unsigned)idx, err,
			    sizeof(err)) < 0)
				yerr(y, v, "zone %s: %s", z->name, err);
		}
	}
	if (acln && !cy_is_null(acln)) {
		if (cy_scalar(acln) == NULL)
			yerr(y, acln, "zone %s: acl: expected a dataset name",
			    z->name);
		else if ((idx = config_find_dataset(y->c, cy_scalar(acln))) < 0)
			yerr(y, acln, "zone %s: unknown dataset \"%s\"", z->name,
			    cy_scalar(acln));
		else if (strcmp(y->c->datasets[idx].type, "acl") != 0)
			yerr(y, acln, "zone %s: dataset %s is not of type acl",
			    z->name, cy_scalar(acln));
		else if (config_zone_add(y->c, z, (unsigned)idx, err, sizeof(err)) < 0)
			yerr(y, acln, "%s", err);
	}
	if (aln && !cy_is_null(aln) && cy_map(y, aln, "allowlist")) {
		FOR_PAIRS(y, aln, p, k, v) {
			if (!strcmp(cy_scalar(k), "action") ||
			    !strcmp(cy_scalar(k), "code"))
				yaml_al_action(y, cy_scalar(k), v,
				    &z->allowlist_action, &z->allowlist_code);
			else
				yerr(y, k, "zone %s: allowlist: unknown key "
				    "\"%s\" (the file is global)", z->name,
				    cy_scalar(k));
		}
	}
	if (z->ndatasets == 0)	/* rbldnsd: at least one non-acl dataset */
		yerr(y, e, "zone %s: no datasets", z->name);
}

static void
yaml_top(struct yctx *y, yaml_node_t *root)
{
	static const char *const order[] = {
		"server", "codes", "azure-regions", "datasets", "zones", "acl",
		"resolver", "allowlist", "control", "rrl",
	};
	char err[256];

	if (!cy_map(y, root, "config"))
		return;
	FOR_PAIRS(y, root, p, k, v) {
		size_t i;
		(void)v;
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (!strcmp(cy_scalar(k), order[i]))
				break;
		if (i == sizeof(order) / sizeof(order[0]))
			yerr(y, k, "unknown key \"%s\"", cy_scalar(k));
	}
	/* Sections in dependency order, whatever their order in the file. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		FOR_PAIRS(y, root, p, k, v) {
			if (strcmp(cy_scalar(k), order[i]) != 0)
				continue;
			if (i == 0)
				yaml_server(y, v);
			else if (i == 1)
				yaml_codes(y, v);
			else if (i == 2)
				cy_azure_regions(y, v);
			else if (i == 3 || i == 4) {
				if (cy_is_null(v) || !cy_seq(y, v, order[i]))
					continue;
				FOR_ITEMS(y, v, it, e) {
					if (i == 3)
						cy_dataset(y, e);
					else
						yaml_zone(y, e);
				}
			} else if (i == 6) {
				if (!cy_is_null(v))
					cy_resolvers(y, v, &y->c->resolvers,
					    &y->c->nresolvers);
			} else if (i >= 7) {
				yaml_control(y, order[i], v);
			} else if (!cy_is_null(v)) {
				int idx = cy_scalar(v) ?
				    config_find_dataset(y->c, cy_scalar(v)) : -1;
				if (idx < 0)
					yerr(y, v, "acl: unknown dataset \"%s\"",
					    cy_scalar(v) ? cy_scalar(v) : "");
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

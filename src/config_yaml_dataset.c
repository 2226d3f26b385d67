/* config_yaml_dataset.c -- one entry of the config's datasets list (type,
 * files, labels, and the keys of feed, spf and aws-ip-ranges datasets) and
 * the Azure region names (docs/config-schema.md).
 */
#include "config.h"
#include "config_internal.h"
#include "config_yaml_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void
yaml_files(struct yctx *y, yaml_node_t *n, struct cfg_dataset *ds)
{
	if (cy_scalar(n) && !cy_is_null(n)) {
		config_add_file(ds, y->base, cy_scalar(n));
		return;
	}
	if (!cy_seq(y, n, "files"))
		return;
	FOR_ITEMS(y, n, it, v) {
		if (cy_scalar(v) == NULL || cy_scalar(v)[0] == '\0')
			yerr(y, v, "files: expected a file name");
		else
			config_add_file(ds, y->base, cy_scalar(v));
	}
}

/* "50%", "50" (percent of the prefixes a reload may remove) or "off". */
static void
yaml_max_shrink(struct yctx *y, yaml_node_t *n, int *out)
{
	const char *s = cy_scalar(n);
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
		cy_strv(y, tagsn, "tags", &ds->tags, &ds->ntags);
	if ((areasn || idsn) && !m365)
		yerr(y, areasn ? areasn : idsn, "dataset %s: service-areas and "
		    "ids: only for m365-endpoints", name);
	else if (areasn)
		cy_strv(y, areasn, "service-areas", &ds->areas, &ds->nareas);
	if (idsn && m365 && cy_seq(y, idsn, "ids")) {
		FOR_ITEMS(y, idsn, it, v) {
			if (!cy_get_uint(y, "ids", v, 0, UINT32_MAX, &u))
				continue;
			ds->ids = config_xrealloc(ds->ids, (ds->nids + 1) *
			    sizeof(*ds->ids));
			ds->ids[ds->nids++] = (unsigned)u;
		}
	}
}

/* The nodes of the spf and aws-ip-ranges keys of one dataset. */
struct spf_nodes {
	yaml_node_t *domain, *regions, *services, *resolver, *lookups, *amx,
	    *refresh;
};

/* The keys of the spf and aws-ip-ranges types (docs/feeds.md). An spf
 * dataset's domains become its files, as they are (not paths). */
static void
yaml_spf_keys(struct yctx *y, struct cfg_dataset *ds,
    const struct spf_nodes *sn)
{
	bool spf = ds->type && !strcmp(ds->type, "spf");
	bool aws = ds->type && !strcmp(ds->type, "aws-ip-ranges");
	const char *name = ds->name ? ds->name : "?";
	unsigned long u;

	if (spf && ds->nfiles)
		yerr(y, sn->domain ? sn->domain : sn->regions ? sn->regions :
		    sn->lookups ? sn->lookups : sn->amx, "dataset %s: spf "
		    "takes domain:, not files:", name);
	if (sn->domain && !spf)
		yerr(y, sn->domain, "dataset %s: domain: only for spf", name);
	else if (sn->domain)
		cy_strv(y, sn->domain, "domain", &ds->files, &ds->nfiles);
	if ((sn->resolver || sn->lookups || sn->amx || sn->refresh) && !spf)
		yerr(y, sn->resolver ? sn->resolver : sn->lookups ? sn->lookups :
		    sn->amx ? sn->amx : sn->refresh, "dataset %s: resolver, "
		    "max-lookups, resolve-a-mx and refresh-min: only for spf",
		    name);
	else if (spf) {
		if (sn->resolver)
			cy_resolvers(y, sn->resolver, &ds->resolvers,
			    &ds->nresolvers);
		if (sn->lookups && cy_get_uint(y, "max-lookups", sn->lookups, 1,
		    1000, &u))
			ds->max_lookups = (unsigned)u;
		if (sn->amx)
			cy_get_bool(y, "resolve-a-mx", sn->amx, &ds->resolve_a_mx);
		if (sn->refresh)
			cy_get_dur(y, "refresh-min", sn->refresh, &ds->refresh_min);
	}
	if (sn->services && !aws)
		yerr(y, sn->services, "dataset %s: services: only for "
		    "aws-ip-ranges", name);
	else if (sn->services)
		cy_strv(y, sn->services, "services", &ds->aws_services,
		    &ds->naws_services);
	if (sn->regions && !spf && !aws) {
		yerr(y, sn->regions, "dataset %s: regions: only for spf and "
		    "aws-ip-ranges", name);
		return;
	}
	if (!sn->regions || cy_is_null(sn->regions) || !cy_map(y, sn->regions,
	    "regions"))
		return;
	FOR_PAIRS(y, sn->regions, p, k, v) {
		const char *to = cy_scalar(v);
		if (!cy_scalar(k) || !to || !config_code_find(y->c->regions,
		    y->c->nregions, to)) {
			yerr(y, v, "dataset %s: regions: %s: unknown region "
			    "\"%s\"", name, cy_scalar(k) ? cy_scalar(k) : "",
			    to ? to : "");
			continue;
		}
		ds->rmap_from = config_xrealloc(ds->rmap_from,
		    (ds->nrmap + 1) * sizeof(char *));
		ds->rmap_to = config_xrealloc(ds->rmap_to,
		    (ds->nrmap + 1) * sizeof(char *));
		ds->rmap_from[ds->nrmap] = config_xstrdup(cy_scalar(k));
		ds->rmap_to[ds->nrmap++] = config_xstrdup(to);
	}
}

/* azure-regions: { default: NAME, map: { azure-region: NAME, ... } } */
void
cy_azure_regions(struct yctx *y, yaml_node_t *n)
{
	struct config *c = y->c;

	if (cy_is_null(n) || !cy_map(y, n, "azure-regions"))
		return;
	FOR_PAIRS(y, n, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "default")) {
			if (cy_get_str(y, "azure-regions.default", v,
			    &c->azure_default) && c->azure_default &&
			    !config_code_find(c->regions, c->nregions,
			    c->azure_default))
				yerr(y, v, "azure-regions.default: unknown region "
				    "\"%s\"", c->azure_default);
		} else if (!strcmp(key, "map")) {
			if (cy_is_null(v) || !cy_map(y, v, "azure-regions.map"))
				continue;
			FOR_PAIRS(y, v, q, ak, av) {
				const char *to = cy_scalar(av);
				if (to == NULL || !config_code_find(c->regions,
				    c->nregions, to)) {
					yerr(y, av, "azure-regions.map: %s: unknown "
					    "region \"%s\"", cy_scalar(ak),
					    to ? to : "");
					continue;
				}
				c->azure_from = config_xrealloc(c->azure_from,
				    (c->nazure + 1) * sizeof(char *));
				c->azure_to = config_xrealloc(c->azure_to,
				    (c->nazure + 1) * sizeof(char *));
				c->azure_from[c->nazure] =
				    config_xstrdup(cy_scalar(ak));
				c->azure_to[c->nazure++] = config_xstrdup(to);
			}
		} else {
			yerr(y, k, "azure-regions: unknown key \"%s\"", key);
		}
	}
}

void
cy_dataset(struct yctx *y, yaml_node_t *e)
{
	struct cfg_dataset tmp, *ds;
	char *code = NULL, *txt = NULL, err[256];
	yaml_node_t *files = NULL, *typen = NULL, *tagsn = NULL, *areasn = NULL;
	yaml_node_t *idsn = NULL, *shrinkn = NULL;
	struct spf_nodes sn = { 0 };
	unsigned before = y->d->errors;

	if (!cy_map(y, e, "datasets"))
		return;
	memset(&tmp, 0, sizeof(tmp));
	FOR_PAIRS(y, e, p, k, v) {
		const char *key = cy_scalar(k);
		if (!strcmp(key, "name"))
			cy_get_str(y, key, v, &tmp.name);
		else if (!strcmp(key, "type"))
			cy_get_str(y, key, v, &tmp.type), typen = v;
		else if (!strcmp(key, "files"))
			files = v;
		else if (!strcmp(key, "service"))
			cy_get_str(y, key, v, &tmp.service);
		else if (!strcmp(key, "region"))
			cy_get_str(y, key, v, &tmp.region);
		else if (!strcmp(key, "pool"))
			cy_get_str(y, key, v, &tmp.pool);
		else if (!strcmp(key, "code"))
			cy_get_str(y, key, v, &code);
		else if (!strcmp(key, "txt"))
			cy_get_str(y, key, v, &txt);
		else if (!strcmp(key, "tags"))
			tagsn = v;
		else if (!strcmp(key, "service-areas"))
			areasn = v;
		else if (!strcmp(key, "ids"))
			idsn = v;
		else if (!strcmp(key, "max-shrink"))
			shrinkn = v;
		else if (!strcmp(key, "domain"))
			sn.domain = v;
		else if (!strcmp(key, "regions"))
			sn.regions = v;
		else if (!strcmp(key, "services"))
			sn.services = v;
		else if (!strcmp(key, "resolver"))
			sn.resolver = v;
		else if (!strcmp(key, "max-lookups"))
			sn.lookups = v;
		else if (!strcmp(key, "resolve-a-mx"))
			sn.amx = v;
		else if (!strcmp(key, "refresh-min"))
			sn.refresh = v;
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
	yaml_spf_keys(y, &tmp, &sn);
	if (tmp.nfiles == 0)
		yerr(y, files ? files : e, "dataset %s: %s", tmp.name ?
		    tmp.name : "?", tmp.type && !strcmp(tmp.type, "spf") ?
		    "domain: at least one domain is required" :
		    "files: at least one file is required");
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

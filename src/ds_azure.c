/* ds_azure.c -- the azure-servicetags dataset type: Microsoft's "Azure IP
 * Ranges and Service Tags" JSON (ServiceTags_Public_YYYYMMDD.json), read
 * natively. Selected tags (default Dynamics365ForMarketingEmail and its
 * regional variants "<tag>.<Region>") give IPv4 and IPv6 prefixes; each
 * tag's Azure region (properties.region, not the tag name: FranceCentral
 * is "centralfrance") picks the region code, hence the A and TXT.
 *
 *   { "changeNumber": 376, "cloud": "Public", "values": [
 *       { "name": "Dynamics365ForMarketingEmail.NorthEurope", "id": ...,
 *         "properties": { "changeNumber": 1, "region": "northeurope",
 *           "regionId": 17, "platform": "Azure", "systemService": "...",
 *           "addressPrefixes": [ "13.69.226.128/25", "2603:...::/64" ],
 *           "networkFeatures": [ "API", ... ] or null } }, ... ] }
 *
 * The aggregate tag lists the regional prefixes again: regional tags are
 * read first, so a prefix keeps its region and the aggregate only adds the
 * prefixes no regional tag has (region 0, global).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ds_impl.h"
#include "errcode.h"
#include "feed.h"

static const char *const default_tags[] = { "Dynamics365ForMarketingEmail" };

/* 0 no, 1 the tag itself (aggregate), 2 a regional variant "<tag>.X". */
static int
tag_selected(const struct ds_feed *f, const char *name)
{
	const char *const *tags = f && f->ntags ? f->tags : default_tags;
	unsigned n = f && f->ntags ? f->ntags : 1;

	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(tags[i]);
		if (strncasecmp(name, tags[i], l) != 0)
			continue;
		if (name[l] == '\0')
			return 1;
		if (name[l] == '.' && name[l + 1] != '\0')
			return 2;
	}
	return 0;
}

static int
region_index(const struct ds_feed *f, const char *name)
{
	for (unsigned i = 0; name && i < f->nregions; i++)
		if (strcmp(f->rnames[i], name) == 0)
			return (int)i;
	return -1;
}

/* The value template for a tag in Azure region az ("" = no region). */
static const struct dx_value *
tag_template(struct dataset *ds, struct ds_load *ld, const char *tag,
    const char *az, const struct dx_value *deflt)
{
	const struct ds_feed *f = ds->labels.feed;
	const char *name = NULL;
	int i;

	if (!f || f->nregions == 0 || !f->rvalues)
		return deflt;
	if (*az == '\0')
		i = f->rglobal;
	else {
		for (unsigned k = 0; k < f->nmap && !name; k++)
			if (strcasecmp(f->map_from[k], az) == 0)
				name = f->map_to[k];
		if (!name)
			name = feed_azure_region(az);
		if ((i = region_index(f, name)) < 0) {
			ds_warn(ld, "tag %s: Azure region \"%s\" has no %s: "
			    "using the fallback region", tag, az, name ?
			    "region code in this config" : "row in the region "
			    "table");
			i = f->rfallback;
		}
	}
	return i >= 0 ? &f->rvalues[i] : deflt;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One selected tag: its prefixes with its value. Returns 0, DX_EINVAL
 * (reported, the load will be refused) or DX_ENOMEM. */
static int
add_tag(struct dataset *ds, struct ds_load *ld, size_t idx, json_t *e,
    const char *name, const char *change, const struct dx_value *deflt)
{
	json_t *props = json_object_get(e, "properties"), *pfx, *p;
	const char *az;
	uint32_t vidx;
	size_t i;
	int rc, bad = 0;

	if (!json_is_object(props)) {
		ds_error(ld, "values[%zu] %s: properties: expected an object",
		    idx, name);
		return DX_EINVAL;
	}
	az = json_object_get(props, "region") ? jstr(props, "region") : "";
	if (!az) {
		ds_error(ld, "values[%zu] %s: properties.region: expected a "
		    "string", idx, name);
		return DX_EINVAL;
	}
	pfx = json_object_get(props, "addressPrefixes");
	if (!json_is_array(pfx)) {
		ds_error(ld, "values[%zu] %s: properties.addressPrefixes: "
		    "expected a list", idx, name);
		return DX_EINVAL;
	}
	if ((rc = feed_value(ds, tag_template(ds, ld, name, az, deflt), name,
	    change, &vidx)) < 0)
		return rc;
	json_array_foreach(pfx, i, p) {
		if (!json_is_string(p)) {
			ds_error(ld, "values[%zu] %s: addressPrefixes[%zu]: "
			    "expected a string", idx, name, i);
			bad = 1;
			continue;
		}
		rc = feed_add_prefix(ds, ld, json_string_value(p), vidx);
		if (rc == DX_EINVAL) {
			ds_error(ld, "values[%zu] %s: addressPrefixes[%zu]: "
			    "\"%s\" is not a prefix", idx, name, i,
			    json_string_value(p));
			bad = 1;
		} else if (rc < 0)
			return rc;
	}
	return bad ? DX_EINVAL : 0;
}

static int
azure_load_file(struct dataset *ds, struct ds_load *ld, const char *path)
{
	static const struct dx_value builtin = { 0, "\x02 (change \x03)" };
	struct dx_value deflt = ld->deflt;
	json_t *root = NULL, *values, *cn, *e;
	char change[32] = "";
	size_t i;
	int rc, bad = 0, nsel = 0;

	if ((rc = feed_read_json(ds, ld, path, (void **)&root)) < 0)
		return rc;
	if (!ds->has_cfg_deflt) {       /* no config: name the tag in TXT */
		deflt.a = ds->cfg_deflt.a;
		deflt.txt = builtin.txt;
	}
	rc = DX_EINVAL;
	if (!json_is_object(root)) {
		ds_error(ld, "top level: expected an object (Azure Service Tags)");
		goto out;
	}
	cn = json_object_get(root, "changeNumber");
	if (json_is_integer(cn))
		snprintf(change, sizeof(change), "%lld",
		    (long long)json_integer_value(cn));
	else if (cn) {
		ds_error(ld, "changeNumber: expected a number");
		goto out;
	} else
		ds_warn(ld, "no changeNumber");
	values = json_object_get(root, "values");
	if (!json_is_array(values)) {
		ds_error(ld, "values: expected a list");
		goto out;
	}
	/* Pass 1 regional tags, pass 2 aggregates (see the top comment). */
	for (int pass = 2; pass >= 1; pass--) {
		json_array_foreach(values, i, e) {
			const char *name = json_is_object(e) ? jstr(e, "name") : NULL;
			int sel;
			if (!name) {
				if (pass == 2) {
					ds_error(ld, "values[%zu]: expected an "
					    "object with a string name", i);
					bad = 1;
				}
				continue;
			}
			if ((sel = tag_selected(ds->labels.feed, name)) != pass)
				continue;
			nsel++;
			rc = add_tag(ds, ld, i, e, name, change, &deflt);
			if (rc == DX_ENOMEM)
				goto out;
			if (rc < 0)
				bad = 1;
		}
	}
	if (nsel == 0)
		ds_warn(ld, "no selected tag in this file");
	if (feed_keep_version(ds, *change ? change : NULL) < 0) {
		rc = DX_ENOMEM;
		goto out;
	}
	rc = feed_verdict(ld, bad);
out:
	json_decref(root);
	return rc;
}

const struct ds_type ds_type_azure = {
	.name = "azure-servicetags",
	.load_file = azure_load_file,
	FEED_TYPE_OPS,
};

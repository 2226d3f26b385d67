/* ds_aws.c -- the aws-ip-ranges dataset type: AWS's ip-ranges.json and the
 * feeds of other vendors that copy its shape, read natively. Prefixes of
 * the selected services (config services:, default every service) give
 * IPv4 and IPv6 entries; each prefix's region goes through the dataset's
 * regions: map to a region code, else the dataset's own region.
 *
 *   { "syncToken": "1787356625", "createDate": "2026-08-21-23-57-05",
 *     "prefixes": [ { "ip_prefix": "3.4.12.4/32", "region": "eu-west-1",
 *         "service": "AMAZON", "network_border_group": "eu-west-1" }, ... ],
 *     "ipv6_prefixes": [ { "ipv6_prefix": "2406:daba:f000::/40", ... } ] }
 *
 * AWS lists every prefix under "AMAZON" too: select the specific services
 * to keep their regions apart. syncToken (else createDate) is the version.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ds_impl.h"
#include "errcode.h"
#include "feed.h"

static bool
service_selected(const struct ds_feed *f, const char *svc)
{
	if (!f || f->nservices == 0)
		return true;
	for (unsigned i = 0; i < f->nservices; i++)
		if (strcasecmp(f->services[i], svc) == 0)
			return true;
	return false;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The value template of a prefix in AWS region rg. */
static const struct dx_value *
region_template(const struct dataset *ds, const char *rg,
    const struct dx_value *deflt)
{
	const struct ds_feed *f = ds->labels.feed;
	const char *name = NULL;

	if (!f || !f->rvalues)
		return deflt;
	for (unsigned k = 0; k < f->nrmap && !name; k++)
		if (strcasecmp(f->rmap_from[k], rg) == 0)
			name = f->rmap_to[k];
	for (unsigned i = 0; name && i < f->nregions; i++)
		if (strcmp(f->rnames[i], name) == 0)
			return &f->rvalues[i];
	return deflt;
}

/* One list (prefixes or ipv6_prefixes). Returns the number of selected
 * entries, or DX_EINVAL (reported) / DX_ENOMEM. */
static int
add_list(struct dataset *ds, struct ds_load *ld, json_t *list,
    const char *lname, const char *pkey, const char *change,
    const struct dx_value *deflt, int *bad)
{
	json_t *e;
	size_t i;
	int nsel = 0, rc;

	if (!list)
		return 0;
	if (!json_is_array(list)) {
		ds_error(ld, "%s: expected a list", lname);
		*bad = 1;
		return 0;
	}
	json_array_foreach(list, i, e) {
		const char *pfx = json_is_object(e) ? jstr(e, pkey) : NULL;
		const char *svc = json_is_object(e) ? jstr(e, "service") : NULL;
		const char *rg = json_is_object(e) ? jstr(e, "region") : NULL;
		uint32_t vidx;

		if (!pfx || !svc || !rg) {
			ds_error(ld, "%s[%zu]: expected an object with string %s, "
			    "service and region", lname, i, pkey);
			*bad = 1;
			continue;
		}
		if (!service_selected(ds->labels.feed, svc))
			continue;
		nsel++;
		if ((rc = feed_value(ds, region_template(ds, rg, deflt), svc,
		    change, &vidx)) < 0)
			return rc;
		rc = feed_add_prefix(ds, ld, pfx, vidx);
		if (rc == DX_EINVAL) {
			ds_error(ld, "%s[%zu]: \"%s\" is not a prefix", lname, i,
			    pfx);
			*bad = 1;
		} else if (rc < 0)
			return rc;
	}
	return nsel;
}

static int
aws_load_file(struct dataset *ds, struct ds_load *ld, const char *path)
{
	static const struct dx_value builtin = { 0, "\x02 (\x03)" };
	struct dx_value deflt = ld->deflt;
	json_t *root = NULL;
	const char *ver;
	int rc, bad = 0, n4, n6;

	if ((rc = feed_read_json(ds, ld, path, (void **)&root)) < 0)
		return rc;
	if (!ds->has_cfg_deflt) {       /* no config: name the service */
		deflt.a = ds->cfg_deflt.a;
		deflt.txt = builtin.txt;
	}
	rc = DX_EINVAL;
	if (!json_is_object(root) || (!json_object_get(root, "prefixes") &&
	    !json_object_get(root, "ipv6_prefixes"))) {
		ds_error(ld, "top level: expected an object with prefixes or "
		    "ipv6_prefixes (AWS ip-ranges)");
		goto out;
	}
	ver = jstr(root, "syncToken");
	if (!ver)
		ver = jstr(root, "createDate");
	if (!ver)
		ds_warn(ld, "no syncToken or createDate");
	n4 = add_list(ds, ld, json_object_get(root, "prefixes"), "prefixes",
	    "ip_prefix", ver ? ver : "", &deflt, &bad);
	if (n4 < 0) {
		rc = n4;
		goto out;
	}
	n6 = add_list(ds, ld, json_object_get(root, "ipv6_prefixes"),
	    "ipv6_prefixes", "ipv6_prefix", ver ? ver : "", &deflt, &bad);
	if (n6 < 0) {
		rc = n6;
		goto out;
	}
	if (n4 + n6 == 0)
		ds_warn(ld, "no prefix of the selected services in this file");
	if (feed_keep_version(ds, ver) < 0) {
		rc = DX_ENOMEM;
		goto out;
	}
	rc = feed_verdict(ld, bad);
out:
	json_decref(root);
	return rc;
}

const struct ds_type ds_type_aws = {
	.name = "aws-ip-ranges",
	.load_file = aws_load_file,
	FEED_TYPE_OPS,
};

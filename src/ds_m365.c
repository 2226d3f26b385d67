/* ds_m365.c -- the m365-endpoints dataset type: the Microsoft 365 "IP
 * address and URL web service" JSON (endpoints/worldwide), read natively.
 * Endpoint sets of the selected serviceArea (default Exchange), optionally
 * only some ids, give IPv4 and IPv6 prefixes, all with the dataset's value
 * (its service code from the config: the feed has no region data).
 *
 *   [ { "id": 2, "serviceArea": "Exchange", "serviceAreaDisplayName":
 *       "Exchange Online", "urls": [...], "ips": [ "40.92.0.0/15",
 *       "2a01:111:f400::/48" ], "tcpPorts": "25", "expressRoute": false,
 *       "category": "Allow", "required": true, "notes": "..." }, ... ]
 *
 * Empty fields are left out of a record (no "ips": a URL-only set).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ds_impl.h"
#include "errcode.h"
#include "feed.h"

static bool
area_selected(const struct ds_feed *f, const char *area)
{
	if (!f || f->nareas == 0)
		return strcasecmp(area, "Exchange") == 0;
	for (unsigned i = 0; i < f->nareas; i++)
		if (strcasecmp(area, f->areas[i]) == 0)
			return true;
	return false;
}

static bool
id_selected(const struct ds_feed *f, long long id)
{
	if (!f || f->nids == 0)
		return true;
	for (unsigned i = 0; i < f->nids; i++)
		if ((long long)f->ids[i] == id)
			return true;
	return false;
}

/* One selected endpoint set. Returns 0, DX_EINVAL (reported) or ENOMEM. */
static int
add_set(struct dataset *ds, struct ds_load *ld, size_t idx, json_t *e,
    long long id, const char *area, const struct dx_value *deflt)
{
	json_t *ips = json_object_get(e, "ips"), *p;
	char tag[96];
	uint32_t vidx;
	size_t i;
	int rc, bad = 0;

	if (!ips)
		return 0;               /* URLs only */
	if (!json_is_array(ips)) {
		ds_error(ld, "[%zu] id %lld: ips: expected a list", idx, id);
		return DX_EINVAL;
	}
	snprintf(tag, sizeof(tag), "%s:%lld", area, id);
	if ((rc = feed_value(ds, deflt, tag, "", &vidx)) < 0)
		return rc;
	json_array_foreach(ips, i, p) {
		if (!json_is_string(p)) {
			ds_error(ld, "[%zu] id %lld: ips[%zu]: expected a string",
			    idx, id, i);
			bad = 1;
			continue;
		}
		rc = feed_add_prefix(ds, ld, json_string_value(p), vidx);
		if (rc == DX_EINVAL) {
			ds_error(ld, "[%zu] id %lld: ips[%zu]: \"%s\" is not a "
			    "prefix", idx, id, i, json_string_value(p));
			bad = 1;
		} else if (rc < 0)
			return rc;
	}
	return bad ? DX_EINVAL : 0;
}

static int
m365_load_file(struct dataset *ds, struct ds_load *ld, const char *path)
{
	const struct ds_feed *f = ds->labels.feed;
	struct dx_value deflt = ld->deflt;
	json_t *root = NULL, *e;
	size_t i;
	int rc, bad = 0, nsel = 0;

	if ((rc = feed_read_json(ds, ld, path, (void **)&root)) < 0)
		return rc;
	if (!ds->has_cfg_deflt)         /* no config: name the set in TXT */
		deflt.txt = "\x02";
	rc = DX_EINVAL;
	if (!json_is_array(root)) {
		ds_error(ld, "top level: expected a list of endpoint sets "
		    "(Microsoft 365 endpoints)");
		goto out;
	}
	json_array_foreach(root, i, e) {
		json_t *idn = json_is_object(e) ? json_object_get(e, "id") : NULL;
		json_t *an = json_is_object(e) ?
		    json_object_get(e, "serviceArea") : NULL;
		long long id;

		if (!json_is_integer(idn) || !json_is_string(an)) {
			ds_error(ld, "[%zu]: expected an object with a numeric "
			    "id and a string serviceArea", i);
			bad = 1;
			continue;
		}
		id = (long long)json_integer_value(idn);
		if (!area_selected(f, json_string_value(an)) ||
		    !id_selected(f, id))
			continue;
		nsel++;
		rc = add_set(ds, ld, i, e, id, json_string_value(an), &deflt);
		if (rc == DX_ENOMEM)
			goto out;
		if (rc < 0)
			bad = 1;
	}
	if (nsel == 0)
		ds_warn(ld, "no selected endpoint set in this file");
	rc = feed_verdict(ld, bad);
out:
	json_decref(root);
	return rc;
}

const struct ds_type ds_type_m365 = {
	.name = "m365-endpoints",
	.load_file = m365_load_file,
	FEED_TYPE_OPS,
};

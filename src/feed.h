/* feed.h -- vendor feeds read natively (Azure Service Tags, Microsoft 365
 * endpoints, AWS ip-ranges, SPF records): the options a feed dataset
 * receives from the config, and the helpers its types (ds_azure.c,
 * ds_m365.c, ds_aws.c, ds_spf.c) share: reading a JSON document, adding
 * IPv4/IPv6 prefixes, filling the TXT template, keeping the version.
 *
 * A feed dataset holds two longest-prefix maps (IPv4, IPv6) and answers
 * both reverse forms. Its TXT template may contain two markers the config
 * leaves in place of {tag} and {change}; they are filled per tag at load.
 */
#ifndef DNSXL_FEED_H
#define DNSXL_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "ds_impl.h"

/* Markers in a feed dataset's TXT template (config_txt_template). */
#define FEED_TXT_TAG    '\x02'
#define FEED_TXT_CHANGE '\x03'

/* Options from the config; every pointer is borrowed (the config outlives
 * the snapshot). A zeroed struct means the type's defaults. */
struct ds_feed {
	/* azure-servicetags: tag names; each also selects "<tag>.<Region>".
	 * 0 = Dynamics365ForMarketingEmail. */
	const char *const *tags;
	unsigned ntags;
	/* m365-endpoints: serviceArea values (0 = Exchange) and endpoint-set
	 * ids (0 = every set of those areas). */
	const char *const *areas;
	unsigned nareas;
	const unsigned *ids;
	unsigned nids;
	/* azure-servicetags: the code scheme's regions and this dataset's
	 * value (A + TXT template) in each; nregions 0 = the dataset default
	 * for every tag. */
	const char *const *rnames;
	const struct dx_value *rvalues;
	unsigned nregions;
	int rglobal;             /* index of region id 0 (tags without a
	                          * region), -1 = none: dataset default */
	int rfallback;           /* index for an Azure region with no row */
	/* Config rows, tried before the built-in table: Azure region
	 * (properties.region, lowercase) -> region name in rnames. */
	const char *const *map_from;
	const char *const *map_to;
	unsigned nmap;
	/* spf and aws-ip-ranges: the dataset's own regions: map (an include
	 * domain, or an AWS region, -> a region name in rnames); a range
	 * with no row takes the dataset default (its region: label). */
	const char *const *rmap_from;
	const char *const *rmap_to;
	unsigned nrmap;
	/* aws-ip-ranges: the service values kept (0 = every service). */
	const char *const *services;
	unsigned nservices;
	/* spf: nameservers "addr@port" (0 = /etc/resolv.conf), the limit on
	 * DNS-querying terms (0 = 10), a/mx expansion, the shortest refresh
	 * interval in seconds (0 = 300), and a text naming these options
	 * (the refresh cache tells datasets apart by it). */
	const char *const *resolvers;
	unsigned nresolvers;
	unsigned max_lookups;
	bool resolve_a_mx;
	uint32_t refresh_min;
	const char *key;
};

/* The built-in region table: the region code name ("EUR") for an Azure
 * region ("northeurope", "centralfrance"), NULL when it has no row. */
const char *feed_azure_region(const char *azure);

/* The type operations both feed types share (priv: two lpm maps). */
int feed_start(struct dataset *ds);
int feed_finish(struct dataset *ds, struct ds_load *ld);
bool feed_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits);
bool feed_exists_below(const struct dataset *ds, const struct dx_qname *q);
void feed_free(struct dataset *ds);
/* Dump walk (dump.c): every prefix of both maps. */
int feed_walk(const struct dataset *ds, ds_walk_fn fn, void *arg);

/* The struct ds_type members every feed type has; each type adds .name
 * and .load_file. */
#define FEED_TYPE_OPS \
	.flags = DS_F_IP4 | DS_F_IP6, \
	.start = feed_start, \
	.finish = feed_finish, \
	.query = feed_query, \
	.exists_below = feed_exists_below, \
	.free = feed_free, \
	.walk = feed_walk      /* zone file rendering (dump.c) */

/* Keep ver (a decimal serial; NULL = none) as the dataset version when
 * there is none yet or it is numerically greater. 0 or DX_ENOMEM. */
int feed_keep_version(struct dataset *ds, const char *ver);

/* How a feed file's load ends: DX_EINVAL, reported as "file refused",
 * when any entry was bad (bad != 0), else 0. */
int feed_verdict(struct ds_load *ld, int bad);

/* Read path whole (plain or gzip), drop a UTF-8 byte-order mark and parse
 * it as JSON. *root receives a jansson json_t * (json_decref it). Problems
 * go to ld as file:line. Returns 0, DX_EIO, DX_EINVAL or DX_ENOMEM. */
int feed_read_json(struct dataset *ds, struct ds_load *ld, const char *path,
    void **root);

/* Intern v with its markers replaced by tag and change ($ doubled).
 * Returns 0 with *idx or DX_ENOMEM. */
int feed_value(struct dataset *ds, const struct dx_value *v, const char *tag,
    const char *change, uint32_t *idx);

/* Add one "a.b.c.d/n" or IPv6 "x::/n" prefix with value vidx. Returns 1
 * added, 0 already present (first value kept), DX_EINVAL when the text is
 * not a prefix (not reported: the caller knows the context), DX_ENOMEM. */
int feed_add_prefix(struct dataset *ds, struct ds_load *ld, const char *text,
    uint32_t vidx);

#endif

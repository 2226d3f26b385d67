/* feed.h -- vendor feeds read natively (Azure Service Tags, Microsoft 365
 * endpoints): the options a feed dataset receives from the config, and the
 * helpers its two types (ds_azure.c, ds_m365.c) share: reading a JSON
 * document, adding IPv4/IPv6 prefixes, filling the TXT template.
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

/* config.h -- the server's configuration, from conf/dnsxld.conf (YAML) or
 * from an rbldnsd-style command line; both produce the same struct.
 */
#ifndef DNSXL_CONFIG_H
#define DNSXL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "diag.h"

struct ds_feed;

struct cfg_listen {
	char *addr;                /* "127.0.0.1", "::1", "0.0.0.0", "::" */
	uint16_t port;
};

/* A service or region of the code scheme (docs/codes.md). */
struct cfg_code {
	char *name;                /* "d365-marketing", "NAM" */
	char *description;         /* "Dynamics 365 Marketing", "North America" */
	unsigned id;
};

struct cfg_dataset {
	char *name;                /* unique; from the config or "type:files" */
	char *type;                /* "ip4set", "ip4trie", ... */
	char **files;
	unsigned nfiles;
	char *service, *region, *pool;   /* labels; NULL when not given */
	bool has_value;            /* A/TXT default from the config */
	struct dx_value value;     /* A from code or service*16+region; TXT
	                            * template from the config */
	/* Vendor feeds (azure-servicetags, m365-endpoints; docs/feeds.md). */
	char **tags;               /* azure: tags: (NULL = the default) */
	unsigned ntags;
	char **areas;              /* m365: service-areas: (NULL = Exchange) */
	unsigned nareas;
	unsigned *ids;             /* m365: ids: (NULL = every set) */
	unsigned nids;
	struct dx_value *rvalues;  /* azure: the value in each codes region
	                            * (nregions of them), NULL = value only */
	struct ds_feed *feed;      /* the above as a dataset sees them (feed.h),
	                            * set once the config is complete */
	int max_shrink;            /* max-shrink: percent of prefixes a reload
	                            * may remove (snapshot_build_next); -1 = no
	                            * guard. Default 50 for feeds, -1 else */
};

struct cfg_zone {
	char *name;                /* "wl.example.org" */
	unsigned *datasets;        /* indexes into config.datasets, in order */
	unsigned ndatasets;
	int acl;                   /* index of an acl dataset, -1 none */
};

struct config {
	char *path;                /* config file, NULL for command line only */
	struct cfg_listen *listen;
	unsigned nlisten;
	bool ipv4_only, ipv6_only; /* -4, -6 */
	bool foreground;           /* -n */
	char *user, *group;        /* -u */
	char *chroot_dir;          /* -r */
	char *workdir;             /* -w */
	uint32_t ttl_default, ttl_min, ttl_max;  /* -t, default 35m */
	uint32_t check_interval;   /* -c, seconds, default 60; 0 = off */
	char *pidfile;             /* -p */
	char *querylog;            /* -l ("+file" unbuffered, "-" stdout) */
	char *statsfile;           /* -s ("+file" incremental) */
	bool quick;                /* -q */
	int minimal;               /* -a = 1, -A = 0 (default 0: rbldnsd's) */
	int version_level;         /* -v count: 0 full, 1 name only, 2 refuse */
	char *version_text;        /* CHAOS version.bind text, NULL = default */
	char *identity;            /* id.server / hostname.bind, NULL = off */
	bool allow_host_bits;      /* -e */
	bool dump;                 /* -d */
	bool rfc5782_tests;        /* default true */
	unsigned workers;          /* 0 = one per core */
	unsigned tcp_max_clients;  /* default 256 */
	uint32_t tcp_idle_ms;      /* default 10000 */
	uint16_t edns_max;         /* default 1232 */
	char *soa_mname, *soa_rname;   /* synthesized SOA when no $SOA */
	struct cfg_code *services, *regions;
	unsigned nservices, nregions;
	char *txt_default;         /* template for datasets with labels */
	struct cfg_dataset *datasets;
	unsigned ndatasets;
	struct cfg_zone *zones;
	unsigned nzones;
	int global_acl;            /* dataset index, -1 none */
	/* zone transfers (xfr.c, notify.c, dump.c) */
	size_t dump_limit;         /* records per rendered zone, 0 = default */
	char **xfr_allow;          /* allow-transfer: "addr" or "addr/len" */
	unsigned nxfr_allow;
	char **xfr_notify;         /* notify: "addr@port" (port 53 if none) */
	unsigned nxfr_notify;
	int xfr_serial;            /* 0 data ($SOA/mtime), 1 unixtime, 2 date */
	unsigned xfr_history;      /* IXFR: versions kept, default 8 */
	struct cfg_tsig {          /* tsig-keys: for allow-transfer "... key K" */
		char *name, *algorithm, *secret;   /* secret: base64 */
	} *tsig;
	unsigned ntsig;
	/* azure-regions: rows tried before the built-in table (feed.c):
	 * Azure region (properties.region) -> codes region name. */
	char **azure_from, **azure_to;
	unsigned nazure;
	char *azure_default;       /* region for an Azure region with no row;
	                            * NULL = the region with id 0 */
};

/* Read a YAML config file; every problem goes to d as file:line. Returns 0
 * or DX_EINVAL / DX_ENOENT. *out owned by the caller (config_free). */
int config_load_file(const char *path, struct diag *d, struct config **out);

/* Parse an rbldnsd-compatible command line (options and zone:type:file
 * specs) plus our long options (--config FILE, ...). A --config file is
 * read first; command-line values override it. Returns 0, DX_EINVAL (the
 * message is in d), or 1 when --help/--version was printed. */
int config_from_args(int argc, char **argv, struct diag *d,
    struct config **out);

void config_free(struct config *c);

/* Helpers shared by config.c and config_codes.c (and unit-tested). */

/* rbldnsd time units: "30", "30s", "5m", "2h", "1d", "1w", also "1h30m".
 * Returns 0 or DX_EINVAL (empty, bad unit, overflow). */
int config_parse_duration(const char *s, uint32_t *out);

/* Load-time values of a labelled dataset's TXT placeholders (NULL = ""). */
struct cfg_txt_vars {
	const char *service, *service_desc, *region, *region_desc, *pool, *code;
};

/* Turn a config TXT template ({service} ... {ip} {prefix}) into an rbldnsd
 * template: load-time placeholders become literal text with $ doubled,
 * {tag} and {change} the marker bytes 0x02 and 0x03 (feed.h: a feed
 * dataset fills them per tag at load; config_dataset_value drops them for
 * other types),
 * {ip} becomes $, {prefix} the byte 0x01, a literal $ becomes $$.
 * Returns 0 (*out malloc'd) or DX_EINVAL with *bad pointing at the unknown
 * placeholder in tmpl. */
int config_txt_template(const char *tmpl, const struct cfg_txt_vars *v,
    char **out, const char **bad);

/* Set ds->has_value/ds->value from its labels, an optional code ("127.0.0.17")
 * and an optional txt template (else c->txt_default). Returns 0 or DX_EINVAL
 * with a message in err. */
int config_dataset_value(const struct config *c, struct cfg_dataset *ds,
    const char *code, const char *txt, char *err, size_t errlen);

/* True for the vendor-feed dataset types (azure-servicetags,
 * m365-endpoints): TXT {tag}/{change}, max-shrink 50% by default. */
bool config_type_is_feed(const char *type);

/* Find a service or region by name; NULL if none. */
const struct cfg_code *config_code_find(const struct cfg_code *v, unsigned n,
    const char *name);

#endif

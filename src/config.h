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
	/* spf (files are its domains) and aws-ip-ranges (docs/feeds.md). */
	char **rmap_from, **rmap_to;   /* regions: { domain or AWS region:
	                            * codes region name } */
	unsigned nrmap;
	char **aws_services;       /* aws: services: (NULL = every service) */
	unsigned naws_services;
	char **resolvers;          /* spf: resolver: (NULL = config.resolvers) */
	unsigned nresolvers;
	unsigned max_lookups;      /* spf: max-lookups: (0 = 10) */
	bool resolve_a_mx;         /* spf: resolve-a-mx: */
	uint32_t refresh_min;      /* spf: refresh-min: seconds (0 = 5m) */
	char *opts_key;            /* the options above as text, set with feed
	                            * (datasets differing only there are not
	                            * merged by the snapshot) */
};

struct cfg_zone {
	char *name;                /* "wl.example.org" */
	unsigned *datasets;        /* indexes into config.datasets, in order */
	unsigned ndatasets;
	int acl;                   /* index of an acl dataset, -1 none */
	/* Added (control): allowlist.action / allowlist.code for this zone;
	 * CFG_AL_INHERIT = the global setting. */
	int allowlist_action;
	uint32_t allowlist_code;
	/* per-zone allow-transfer / notify: used instead of the server's
	 * when set (an empty list too); see config_xfr_lists() */
	char **xfr_allow, **xfr_notify;
	unsigned nxfr_allow, nxfr_notify;
	bool xfr_allow_set, xfr_notify_set;
};

/* Added (control): what a querier the allowlist denies gets. */
enum cfg_al_action {
	CFG_AL_INHERIT = 0,
	CFG_AL_REFUSE,             /* rcode REFUSED (the default) */
	CFG_AL_DROP,               /* no reply at all */
	CFG_AL_CODE,               /* every valid key "listed" as allowlist.code */
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
	char *metrics_listen;      /* --metrics-listen, "127.0.0.1@9153"; NULL = off */
	bool log_syslog;           /* --syslog: log to syslog, not stderr */
	bool no_watch;             /* --no-watch: no inotify, -c polling only */
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
	/* Added (control): the runtime allowlist, the control socket and
	 * response rate limiting (docs/allowlist.md, docs/control.md). */
	char *allowlist_file;      /* allowlist.file, NULL = no allowlist */
	int allowlist_action;      /* allowlist.action, default CFG_AL_REFUSE */
	uint32_t allowlist_code;   /* allowlist.code, host order, 127.255.255.254 */
	char *control_socket;      /* control.socket, NULL = no control channel */
	uint32_t rrl_rate;         /* rrl.rate: responses/s per bucket, 0 = off */
	unsigned rrl_slip;         /* rrl.slip: every Nth limited reply TC, 2 */
	unsigned rrl_table;        /* rrl.table-size: buckets per worker, 4096 */
	unsigned rrl_v4len;        /* rrl.ipv4-prefix-length, default 24 */
	unsigned rrl_v6len;        /* rrl.ipv6-prefix-length, default 56 */
	char **rrl_exempt;         /* rrl.exempt: CIDRs never limited */
	unsigned nrrl_exempt;
	char *azure_default;       /* region for an Azure region with no row;
	                            * NULL = the region with id 0 */
	char **resolvers;          /* resolver: nameservers "addr@port" for
	                            * the spf datasets; NULL = resolv.conf */
	unsigned nresolvers;
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

/* The allow-transfer and notify lists that apply to zone (no trailing
 * dot, any case): the zone's own where it sets them, else the server's. */
void config_xfr_lists(const struct config *c, const char *zone,
    char *const **allow, unsigned *nallow, char *const **notify,
    unsigned *nnotify);
/* True when zone has a non-empty allow-transfer list (its own or the
 * server's). */
bool config_xfr_allows(const struct config *c, const char *zone);
/* True when the server or any zone has allow-transfer or notify. */
bool config_xfr_any(const struct config *c);

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

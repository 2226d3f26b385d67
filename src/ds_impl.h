/* ds_impl.h -- the internal contract between dataset.c and the dataset type
 * implementations (ds_ip4set.c, ds_ip4trie.c, ds_dnset.c, ...).
 *
 * Load flow, driven by dataset.c (rbldnsd's loaddataset/readdslines):
 *
 *   type->start(ds)                      once, before the first file
 *   for each file:
 *     ld.deflt = dataset default          (":A:TXT" scope = one file)
 *     for each line:  comments skipped; "$" specials handled by
 *                     ds_special() (type->special first, if set);
 *                     everything else -> type->line(ds, ld, line)
 *   type->finish(ds, ld)                 build the immutable index
 *
 * A type keeps its own data in ds->priv. Values (A + TXT template) are
 * interned per dataset with ds_value_intern(): an entry stores a 32-bit
 * index, never a copy, so many entries sharing the default cost nothing.
 * The line buffer is reused: intern or copy (ds_strdup) what you keep.
 */
#ifndef DNSXL_DS_IMPL_H
#define DNSXL_DS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dataset.h"
#include "diag.h"

#define DS_SUBST_BASE 10        /* index of "$=" in dataset.subst */
#define DS_NSUBST     11

/* Per-load context: where we are and what is in scope. */
struct ds_load {
	struct dataset *ds;         /* top-level dataset being loaded */
	const char *file;           /* current file, for diag */
	unsigned line;              /* current line number, 0 = none */
	struct diag *diag;
	const struct ds_loadopts *opts;
	struct dx_value deflt;      /* default A/TXT in scope (current file) */
	uint32_t maxrange4;         /* $MAXRANGE4 in addresses, 0 = no limit */
	void *sub;                  /* for types with nested datasets
	                             * (combined): the current subset */
};

/* For ds_type.walk (dump.c): one prefix, family 4 or 6, addr in network
 * byte order; or, family 0, one name of a name dataset: addr is its wire
 * form relative to the zone apex (root-terminated), plen its length.
 * Non-zero stops the walk. */
typedef int (*ds_walk_fn)(int family, const uint8_t *addr, unsigned plen,
    void *arg);
/* family DS_WALK_SUBZONE (combined): what follows, up to the next such
 * call, lies below the subzone addr (wire form relative to the zone apex,
 * root-terminated, plen bytes; "" = the apex): names relative to it,
 * prefixes of reverse names below it. */
#define DS_WALK_SUBZONE 1

/* Operations of one dataset type. Return conventions: 0 ok, negative
 * DX_E* aborts the load (only for fatal problems such as ENOMEM); a bad
 * line is reported with ds_warn()/ds_error() and returns 0. */
struct ds_type {
	const char *name;           /* "ip4set" */
	unsigned flags;             /* DS_F_* */
	int (*start)(struct dataset *ds);
	int (*line)(struct dataset *ds, struct ds_load *ld, char *line);
	int (*finish)(struct dataset *ds, struct ds_load *ld);
	bool (*query)(const struct dataset *ds, const struct dx_qname *q,
	    struct dx_hits *hits);
	bool (*exists_below)(const struct dataset *ds, const struct dx_qname *q);
	void (*free)(struct dataset *ds);  /* free ds->priv (not ds) */
	/* Optional: a "$" special the common code does not know ($DATASET).
	 * kw points past the '$'. Return 1 consumed, 0 not recognised (the
	 * common code warns), negative DX_E* to abort. */
	int (*special)(struct dataset *ds, struct ds_load *ld, char *kw);
	/* Optional: expansion text of "$" for a hit ("40.78.242.5" for IP
	 * types, the name for dnset). NULL: dataset.c formats the hit's
	 * address (IPv4 dotted quad / IPv6 rbldnsd form) or q->text. */
	int (*entry_text)(const struct dx_hit *hit, const struct dx_qname *q,
	    char *out, size_t outlen);
	/* Optional: read one whole file (a JSON vendor feed) instead of
	 * lines; line may then be NULL. Sets ds->mtime and reports problems
	 * like line(); a negative DX_E* refuses the whole load. */
	int (*load_file)(struct dataset *ds, struct ds_load *ld,
	    const char *path);
	/* Optional: the IPv4 map query() looks in (dataset_lpm4). */
	const struct lpm *(*lpm4)(const struct dataset *ds);
	/* Optional: called after each file of dataset_load() (combined ends
	 * its current $DATASET section there, as rbldnsd does). Negative
	 * DX_E* aborts the load. */
	int (*file_end)(struct dataset *ds, struct ds_load *ld);
	/* Optional (dump.c, zone transfers): call fn for every prefix (or
	 * name, incl. wildcard bases and exclusions) that bounds this
	 * dataset's answers, exclusions included, in any order.
	 * Returns fn's first non-zero, else 0. NULL: the type cannot be
	 * rendered as a zone file yet. */
	int (*walk)(const struct dataset *ds, ds_walk_fn fn, void *arg);
};

#define DS_F_IP4     0x01       /* answers reverse IPv4 names */
#define DS_F_IP6     0x02       /* answers reverse IPv6 names */
#define DS_F_NAME    0x04       /* answers domain names */
#define DS_F_NOSOA   0x08       /* $SOA/$NS not allowed (acl) */
#define DS_F_NOSUBST 0x10       /* $0-$9 ignored (generic) */

/* A dataset; common part used by every type. */
struct dataset {
	/* What every query reads, in its first cache line: the rest lies
	 * past the 8 KB of SOA and NS (a TLB miss and a line each). */
	const struct ds_type *type;
	void *priv;                 /* the type's data */
	struct dx_value *vals;      /* interned values: index -> value */
	uint32_t nvals;
	uint32_t ttl;               /* $TTL (clamped) or opts.ttl_default */
	time_t expires;             /* $TIMESTAMP expires, 0 = never */

	char **files;
	unsigned nfiles;
	struct ds_labels labels;    /* deep copy; labels.deflt -> &cfg_deflt */
	struct dx_value cfg_deflt;  /* default from config, or 127.0.0.2 */
	bool has_cfg_deflt;
	struct ds_loadopts opts;

	struct ds_soa soa;
	struct ds_ns ns;
	bool ns_set;
	time_t mtime;               /* newest file mtime */
	time_t stamp;               /* $TIMESTAMP dstamp, 0 = none */
	size_t nentries;            /* entries added (for dataset_entries) */
	const char *version;        /* feed's change number (arena), NULL */
	const char *subst[DS_NSUBST];  /* $0..$9, $= (first definition wins) */

	/* txt strings of the interned values are in the arena */
	uint32_t capvals;
	uint32_t *vhash;            /* open addressing, UINT32_MAX = empty */
	uint32_t vhashcap;
	uint32_t vcache[8];         /* recent interns by (a, txt pointer): most
	                             * lines repeat the default in scope */

	struct ds_arena *arena;     /* strings and small objects, freed with ds */
	const void *prov;           /* spf: where each range came from (in the
	                             * arena; ds_spf.c), NULL for other types */
};

/* Intern v (its txt is copied); *idx receives its index. 0 or DX_ENOMEM. */
int ds_value_intern(struct dataset *ds, const struct dx_value *v,
    uint32_t *idx);
/* The value with index idx (valid until the dataset is freed; do not keep
 * pointers while still loading: the array may move). */
const struct dx_value *ds_value(const struct dataset *ds, uint32_t idx);

/* Arena memory freed with the dataset; NULL on ENOMEM. */
void *ds_alloc(struct dataset *ds, size_t size);
char *ds_strdup(struct dataset *ds, const char *s, size_t len);

/* Append a hit for value index vidx with the matched prefix (IPv4 in host
 * byte order / IPv6 bytes). False when hits is full. */
bool ds_hit_add4(struct dx_hits *hits, const struct dataset *ds,
    uint32_t vidx, uint32_t prefix, unsigned plen);
bool ds_hit_add6(struct dx_hits *hits, const struct dataset *ds,
    uint32_t vidx, const uint8_t prefix[16], unsigned plen);

/* Parse a ":A:TXT" default line (s starts with ':'), intern it and make it
 * the default in scope (ld->deflt). Reports a bad line; returns 0 or
 * DX_ENOMEM. *idx (optional) receives the value index, UINT32_MAX if bad. */
int ds_default_line(struct dataset *ds, struct ds_load *ld, char *s,
    uint32_t *idx);

/* Parse the value part of an entry line against ld->deflt and intern it.
 * Returns 0 with *idx, DX_EINVAL (reported: skip the line), DX_ENOMEM. */
int ds_entry_value(struct dataset *ds, struct ds_load *ld, char *s,
    uint32_t *idx);

/* Report a problem at the current file:line of ld. */
void ds_warn(struct ds_load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ds_error(struct ds_load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Handle one "$" special for ds (kw points past the '$'): $SOA $NS $TTL
 * $TIMESTAMP $MAXRANGE4 $0-$9 $=, then type->special. For nested datasets
 * (combined) pass the subset as ds: $TTL and $n go to it. Returns 1
 * handled, 0 unknown/invalid (already warned), negative DX_E* fatal. */
int ds_special(struct dataset *ds, struct ds_load *ld, char *kw);

/* Feed one raw line (already trimmed) to ds: classify, skip comments,
 * specials via ds_special(), data to ds->type->line(). Used by dataset.c
 * and by types that own nested datasets. */
int ds_feed_line(struct dataset *ds, struct ds_load *ld, char *line);

/* Start/finish a dataset outside dataset_load() (nested datasets):
 * ds_begin resets the common state with opts and calls type->start. */
int ds_begin(struct dataset *ds, const struct ds_loadopts *opts);
int ds_end(struct dataset *ds, struct ds_load *ld);

/* Reset ld->deflt to the dataset's default (start of each file). */
void ds_reset_default(const struct dataset *ds, struct ds_load *ld);

/* Shared by ds_ip4trie.c and ds_ip6trie.c: priv of a trie dataset. */
struct lpm;
struct lpm_builder;
struct ds_iptrie {
	struct lpm_builder *b;  /* while loading */
	struct lpm *m;          /* after finish */
	/* Duplicates are found at finish (lpm_builder_defer_dups); an add's
	 * tag is base + line of its file's segment, to find its file:line. */
	struct ds_trie_seg *seg;
	unsigned nseg, capseg;
	uint32_t next;          /* first tag of the next segment */
	const char *curfile;    /* ld->file of the last add */
	struct ds_load *ld;     /* during finish, for the dup callback */
	struct dataset *ds;
	struct ds_trie_dup *dups;   /* found by lpm_build, warned in line order */
	size_t ndups, capdups;
};
int ds_trie_start(struct dataset *ds, int family);
void ds_trie_free(struct dataset *ds);
int ds_trie_finish(struct dataset *ds, struct ds_load *ld);
int ds_trie_walk(const struct dataset *ds, ds_walk_fn fn, void *arg);
/* Value of the rest of the line s (or an exclusion), then add addr/bits;
 * a duplicate prefix is warned about and the first value kept. */
int ds_trie_add(struct dataset *ds, struct ds_load *ld, char *s, bool excl,
    const uint8_t *addr, unsigned bits);

/* Types (one per file). */
extern const struct ds_type ds_type_ip4set, ds_type_ip4tset, ds_type_ip4trie,
    ds_type_ip6trie, ds_type_ip6tset;
/* Implemented by the names module (ds_dnset.c, ds_generic.c, ds_combined.c,
 * ds_acl.c). */
extern const struct ds_type ds_type_dnset, ds_type_generic,
    ds_type_combined, ds_type_acl;
/* Vendor feeds (JSON): ds_azure.c, ds_m365.c. */
extern const struct ds_type ds_type_azure, ds_type_m365;
/* Sender SPF records (ds_spf.c) and AWS-style ip-ranges JSON (ds_aws.c). */
extern const struct ds_type ds_type_spf, ds_type_aws;

#endif

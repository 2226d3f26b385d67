/* dataset.h -- a dataset: the entries of rbldnsd-format data files, and the
 * operations table each dataset type implements (one file per type:
 * ds_ip4set.c, ds_ip4trie.c, ...).
 *
 * Life cycle: dataset_new() -> dataset_load() (reads every file through
 * the type's start/line/finish) -> immutable, queried concurrently ->
 * dataset_free(). A dataset used by several zones is loaded once.
 */
#ifndef DNSXL_DATASET_H
#define DNSXL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "diag.h"

#define DX_MAXLABELS 127
#define DX_MAXHITS   64

/* The A value and TXT template of one data line (or of a default line). */
struct dx_value {
	uint32_t a;              /* A rdata, network byte order */
	const char *txt;         /* TXT template; NULL = no TXT record */
};

/* One pre-encoded record of a generic dataset (uncompressed rdata). */
struct dx_rr {
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

/* A query name below a zone apex, parsed once per query by qname_parse().
 * Labels are lowercased; label[0] is the leftmost (as on the wire). */
struct dx_qname {
	unsigned nlabels;                    /* 0 = the apex itself */
	const uint8_t *label[DX_MAXLABELS];  /* not NUL-terminated */
	uint8_t len[DX_MAXLABELS];
	char text[256];                      /* "5.242.78.40", "" at apex */
	/* Reverse-IPv4 reading: ip4_octets is the number of labels when every
	 * label is a decimal octet (1..4), else 0. ip4 holds them, host byte
	 * order, most significant first: "78.40" -> 40.78.0.0, ip4_octets 2. */
	unsigned ip4_octets;
	uint32_t ip4;
	/* Reverse-IPv6 reading: number of labels when each is one hex nibble
	 * (1..32), else 0; ip6 holds them, network byte order. */
	unsigned ip6_nibbles;
	uint8_t ip6[16];
	/* A full IPv6 name that is IPv4-mapped (::ffff:a.b.c.d) also sets
	 * ip4_octets = 4 and ip4, so IPv4 datasets answer it. */
};

/* Fill q from labels (pointers into caller memory, already lowercased).
 * Returns DX_EINVAL when nlabels > DX_MAXLABELS. */
int qname_parse(struct dx_qname *q, unsigned nlabels,
    const uint8_t *const *labels, const uint8_t *lens);

/* A reverse-IPv4 label: 1-3 decimal digits, value <= 255 ("010" is 10,
 * as in rbldnsd). The value, or -1. Inline: the query path's prefetch
 * hint reads the same labels before qname_parse() does. */
static inline int
qname_octet(const uint8_t *l, unsigned len)
{
	unsigned v = 0;
	if (len < 1 || len > 3)
		return -1;
	for (unsigned i = 0; i < len; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(l[i] - '0');
	}
	return v > 255 ? -1 : (int)v;
}

/* The IPv4 address a full 6to4 name (2002:V4ADDR::/48, 32 nibbles)
 * carries, into *v4; false for any other name. Zones with IPv4 data look
 * it up, and "$" in their TXT must then name that address too. */
bool qname_6to4(const struct dx_qname *q, uint32_t *v4);

/* Labels a dataset carries from the config (all may be NULL for a
 * dataset named only on an rbldnsd-style command line). */
struct ds_labels {
	const char *name;        /* dataset name, for logs and metrics */
	const char *service;     /* e.g. "d365-marketing" */
	const char *region;      /* e.g. "NAM" */
	const char *pool;        /* "shared", "dedicated" or NULL */
	const struct dx_value *deflt; /* from the config: A and TXT used when a
	                           * file gives no default line; NULL = rbldnsd's
	                           * 127.0.0.2 and no TXT */
	const struct ds_feed *feed; /* vendor-feed options (feed.h) for the
	                           * azure-servicetags and m365-endpoints types;
	                           * borrowed from the config, not copied;
	                           * NULL = the type's defaults */
};

/* One match of a dataset for a name. */
struct dx_hit {
	const struct dataset *ds;
	const struct dx_value *val;  /* A+TXT; NULL for generic records */
	const struct dx_rr *rr;      /* generic: nrr records at the name */
	unsigned nrr;
	uint8_t family;              /* 4, 6, or 0 for name datasets */
	uint8_t plen;                /* matched prefix length */
	uint8_t prefix[16];          /* matched prefix, network byte order */
	/* 0: the hit answers q itself. Set by combined: a nested dataset
	 * answered the name below its subzone, i.e. the first qlabels labels
	 * of q (DX_QLABELS_APEX: none, the subzone apex); "$" in its TXT is
	 * expanded from q re-parsed that way (qname_parse). */
	uint8_t qlabels;
};
#define DX_QLABELS_APEX 255

struct dx_hits {
	unsigned n;
	struct dx_hit hit[DX_MAXHITS];
};

/* What $SOA gives (times in seconds; names as wire-format, lowercased). */
struct ds_soa {
	bool set;
	uint32_t ttl, serial, refresh, retry, expire, minttl;
	uint8_t mname[256], rname[256];
};

struct ds_ns {
	unsigned n;
	uint32_t ttl;
	uint8_t name[32][256];       /* wire format */
};

/* Options that apply while loading (rbldnsd's -e, -t, $MAXRANGE4 ...). */
struct ds_loadopts {
	bool allow_host_bits;        /* -e: accept 127.2.3.4/24 */
	uint32_t ttl_default, ttl_min, ttl_max;   /* -t */
};

struct dataset;
struct ds_type;
struct ds_feed;

/* Find a type by name ("ip4set", "ip4trie", ..., "acl"); NULL if unknown. */
const struct ds_type *ds_type_find(const char *name);
const char *ds_type_name(const struct ds_type *t);

/* Create an empty dataset of type t over files (copied). Returns 0 or
 * DX_ENOMEM. */
int dataset_new(const struct ds_type *t, const char *const *files,
    unsigned nfiles, const struct ds_labels *labels, struct dataset **out);

/* Read every file. Every problem is reported to diag as file:line; a bad
 * line is skipped (as rbldnsd does) and counted. Returns 0 when the data is
 * usable, DX_EIO when a file cannot be read, DX_EINVAL on a fatal format
 * error. */
int dataset_load(struct dataset *ds, const struct ds_loadopts *opts,
    struct diag *diag);

void dataset_free(struct dataset *ds);

/* Queries (thread-safe on a loaded dataset). Add this dataset's matches for
 * q to hits; return true when the name exists in the dataset. */
bool dataset_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits);
/* True when some listed name exists strictly below q (empty non-terminal). */
bool dataset_exists_below(const struct dataset *ds, const struct dx_qname *q);

const struct ds_labels *dataset_labels(const struct dataset *ds);
const struct ds_type *dataset_type(const struct dataset *ds);
/* The IPv4 map a query looks in first, NULL for types without one. */
struct lpm;
const struct lpm *dataset_lpm4(const struct dataset *ds);
const struct ds_soa *dataset_soa(const struct dataset *ds);
const struct ds_ns *dataset_ns(const struct dataset *ds);
uint32_t dataset_ttl(const struct dataset *ds);   /* $TTL or -t default */
time_t dataset_mtime(const struct dataset *ds);   /* newest file mtime */
time_t dataset_expires(const struct dataset *ds); /* $TIMESTAMP, 0 = never */
size_t dataset_entries(const struct dataset *ds);
/* The source's own version of a vendor feed (Azure changeNumber), NULL when
 * the data carries none (rbldnsd files, Microsoft 365 endpoints). */
const char *dataset_version(const struct dataset *ds);

/* Expand hit's TXT template for the name q into out (NUL-terminated,
 * rbldnsd rules: $ -> the listed entry text, $$ -> $, $0..$9, $= base
 * template). Returns the length, or -1 when the hit has no TXT. */
int dataset_txt_expand(const struct dx_hit *hit, const struct dx_qname *q,
    char *out, size_t outlen);

/* Up to max addresses of ds's lines that most queries read, into out; how
 * many (snapshot_prefetch_hot). */
unsigned dataset_hot_lines(const struct dataset *ds, const void **out,
    unsigned max);

#endif

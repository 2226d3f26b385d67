/* feed.c -- what the vendor-feed dataset types share: JSON reading (jansson),
 * two longest-prefix maps (IPv4 and IPv6) per dataset, TXT markers, and the
 * built-in Azure region table.
 */
#include "feed.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "errcode.h"
#include "ipaddr.h"
#include "lpm.h"

/* ---- the built-in Azure region table ---------------------------------- */

/* Every Azure region name seen in the public, government and China clouds
 * (properties.region), to our region codes (docs/codes.md). Regions with
 * no code of their own (South Africa, Israel, Qatar) have no row and take
 * the fallback (azure-regions.default, normally global). */
static const struct { const char *azure, *region; } azure_table[] = {
	/* North America, including the US Government and staging regions */
	{ "centralus", "NAM" }, { "centraluseuap", "NAM" },
	{ "eastus", "NAM" }, { "eastus2", "NAM" }, { "eastus2euap", "NAM" },
	{ "eastus3", "NAM" }, { "northcentralus", "NAM" },
	{ "southcentralus", "NAM" }, { "southcentralus2", "NAM" },
	{ "southeastus", "NAM" }, { "southeastus3", "NAM" },
	{ "westcentralus", "NAM" }, { "westus", "NAM" }, { "westus2", "NAM" },
	{ "westus3", "NAM" }, { "usstagec", "NAM" }, { "usstagee", "NAM" },
	{ "mexicocentral", "NAM" },
	{ "usdodcentral", "NAM" }, { "usdodeast", "NAM" },
	{ "usgovarizona", "NAM" }, { "usgoviowa", "NAM" },
	{ "usgovtexas", "NAM" }, { "usgovvirginia", "NAM" },
	/* Canada */
	{ "canadacentral", "CAN" }, { "canadaeast", "CAN" },
	/* South America */
	{ "brazilsouth", "SAM" }, { "brazilse", "SAM" }, { "brazilne", "SAM" },
	{ "chilec", "SAM" },
	/* Asia-Pacific */
	{ "eastasia", "APJ" }, { "southeastasia", "APJ" },
	{ "koreacentral", "APJ" }, { "koreasouth", "APJ" },
	{ "indonesiacentral", "APJ" }, { "malaysiasouth", "APJ" },
	{ "malaysiawest", "APJ" }, { "taiwannorth", "APJ" },
	{ "taiwannorthwest", "APJ" },
	{ "chinaeast", "APJ" }, { "chinaeast2", "APJ" }, { "chinaeast3", "APJ" },
	{ "chinanorth", "APJ" }, { "chinanorth2", "APJ" },
	{ "chinanorth3", "APJ" },
	/* Oceania */
	{ "australiacentral", "OCE" }, { "australiacentral2", "OCE" },
	{ "australiaeast", "OCE" }, { "australiasoutheast", "OCE" },
	{ "newzealandnorth", "OCE" },
	/* United Arab Emirates */
	{ "uaecentral", "UAE" }, { "uaenorth", "UAE" },
	/* India */
	{ "centralindia", "IND" }, { "southindia", "IND" },
	{ "westindia", "IND" }, { "jioindiacentral", "IND" },
	{ "jioindiawest", "IND" },
	/* Japan */
	{ "japaneast", "JPN" }, { "japanwest", "JPN" },
	/* Europe */
	{ "northeurope", "EUR" }, { "northeurope2", "EUR" },
	{ "westeurope", "EUR" }, { "germanyn", "EUR" }, { "germanywc", "EUR" },
	{ "norwaye", "EUR" }, { "norwayw", "EUR" }, { "swedencentral", "EUR" },
	{ "swedensouth", "EUR" }, { "polandcentral", "EUR" },
	{ "italynorth", "EUR" }, { "spaincentral", "EUR" },
	{ "austriaeast", "EUR" }, { "belgiumcentral", "EUR" },
	/* France: FranceCentral is "centralfrance" */
	{ "centralfrance", "FRA" }, { "southfrance", "FRA" },
	/* Switzerland */
	{ "switzerlandn", "CHE" }, { "switzerlandw", "CHE" },
	/* Great Britain */
	{ "uksouth", "GBR" }, { "ukwest", "GBR" },
};

const char *
feed_azure_region(const char *azure)
{
	for (size_t i = 0; i < sizeof(azure_table) / sizeof(azure_table[0]); i++)
		if (strcasecmp(azure_table[i].azure, azure) == 0)
			return azure_table[i].region;
	return NULL;
}

/* ---- the dataset's maps ------------------------------------------------ */

struct feed_maps {
	struct lpm_builder *b4, *b6;    /* while loading */
	struct lpm *m4, *m6;            /* after finish */
};

int
feed_start(struct dataset *ds)
{
	struct feed_maps *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return DX_ENOMEM;
	ds->priv = f;
	if ((rc = lpm_builder_new(4, &f->b4)) < 0 ||
	    (rc = lpm_builder_new(6, &f->b6)) < 0)
		return rc;      /* dataset.c frees priv through feed_free */
	return 0;
}

void
feed_free(struct dataset *ds)
{
	struct feed_maps *f = ds->priv;

	lpm_builder_free(f->b4);
	lpm_builder_free(f->b6);
	lpm_free(f->m4);
	lpm_free(f->m6);
	free(f);
}

int
feed_finish(struct dataset *ds, struct ds_load *ld)
{
	struct feed_maps *f = ds->priv;
	int rc = lpm_build(f->b4, &f->m4), rc6;

	f->b4 = NULL;
	rc6 = lpm_build(f->b6, &f->m6);
	f->b6 = NULL;
	return rc < 0 ? rc : rc6;
}

bool
feed_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	const struct feed_maps *f = ds->priv;
	unsigned plen = 0;
	uint32_t v;

	if (!f)
		return false;
	if (f->m4 && q->ip4_octets == 4) {
		v = lpm_lookup4(f->m4, q->ip4, &plen);
		if (v != LPM_NONE)
			return ds_hit_add4(hits, ds, v, q->ip4 & ip4_mask(plen),
			    plen), true;
	}
	if (f->m6 && q->ip6_nibbles == 32) {
		uint8_t p[16];
		v = lpm_lookup(f->m6, q->ip6, &plen);
		if (v != LPM_NONE) {
			memcpy(p, q->ip6, 16);
			ip6_clear_host(p, plen);
			ds_hit_add6(hits, ds, v, p, plen);
			return true;
		}
	}
	return false;
}

/* Dump walk (dump.c): every prefix of both maps, exclusions included. */
struct feed_walk_ctx {
	ds_walk_fn fn;
	void *arg;
	int family;
};

static int
feed_walk_one(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct feed_walk_ctx *w = arg;
	(void)value;
	return w->fn(w->family, addr, plen, w->arg);
}

int
feed_walk(const struct dataset *ds, ds_walk_fn fn, void *arg)
{
	const struct feed_maps *f = ds->priv;
	struct feed_walk_ctx w = { fn, arg, 4 };
	int rc = 0;

	if (f && f->m4)
		rc = lpm_walk(f->m4, feed_walk_one, &w);
	w.family = 6;
	if (rc == 0 && f && f->m6)
		rc = lpm_walk(f->m6, feed_walk_one, &w);
	return rc;
}

bool
feed_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	const struct feed_maps *f = ds->priv;

	if (!f)
		return false;
	if (f->m4 && q->ip4_octets >= 1 && q->ip4_octets <= 3) {
		uint8_t a[4] = { (uint8_t)(q->ip4 >> 24), (uint8_t)(q->ip4 >> 16),
		    (uint8_t)(q->ip4 >> 8), (uint8_t)q->ip4 };
		if (lpm_any_within(f->m4, a, q->ip4_octets * 8))
			return true;
	}
	return f->m6 && q->ip6_nibbles >= 1 && q->ip6_nibbles <= 31 &&
	    lpm_any_within(f->m6, q->ip6, q->ip6_nibbles * 4);
}

int
feed_add_prefix(struct dataset *ds, struct ds_load *ld, const char *text,
    uint32_t vidx)
{
	struct feed_maps *f = ds->priv;
	uint8_t addr[16];
	const char *e;
	int bits, rc;

	if (strchr(text, ':')) {
		bits = ip6_cidr(text, addr, &e);
		if (bits < 0 || *e || !strchr(text, '/'))
			return DX_EINVAL;
		if (ip6_clear_host(addr, (unsigned)bits))
			ds_warn(ld, "%s: host bits set, used as /%d", text, bits);
		rc = lpm_builder_add(f->b6, addr, (unsigned)bits, vidx);
	} else {
		uint32_t a;
		bits = ip4_cidr(text, &a, &e);
		if (bits < 0 || *e || !strchr(text, '/'))
			return DX_EINVAL;
		if (a & ~ip4_mask((unsigned)bits))
			ds_warn(ld, "%s: host bits set, used as /%d", text, bits);
		a &= ip4_mask((unsigned)bits);
		addr[0] = (uint8_t)(a >> 24);
		addr[1] = (uint8_t)(a >> 16);
		addr[2] = (uint8_t)(a >> 8);
		addr[3] = (uint8_t)a;
		rc = lpm_builder_add(f->b4, addr, (unsigned)bits, vidx);
	}
	if (rc == DX_EEXIST)
		return 0;
	if (rc < 0)
		return rc;
	ds->nentries++;
	return 1;
}

/* ---- values ----------------------------------------------------------- */

static int
put(char *buf, size_t cap, size_t *n, const char *s, bool dollar)
{
	for (; s && *s; s++) {
		if (dollar && *s == '$') {
			if (*n + 1 >= cap)
				return -1;
			buf[(*n)++] = '$';
		}
		if (*n + 1 >= cap)
			return -1;
		buf[(*n)++] = *s;
	}
	return 0;
}

int
feed_value(struct dataset *ds, const struct dx_value *v, const char *tag,
    const char *change, uint32_t *idx)
{
	struct dx_value out = { v->a, NULL };
	char buf[1024];
	size_t n = 0;

	if (v->txt) {
		for (const char *p = v->txt; *p; p++) {
			char one[2] = { *p, '\0' };
			int r;
			if (*p == FEED_TXT_TAG)
				r = put(buf, sizeof(buf), &n, tag, true);
			else if (*p == FEED_TXT_CHANGE)
				r = put(buf, sizeof(buf), &n, change, true);
			else
				r = put(buf, sizeof(buf), &n, one, false);
			if (r < 0)
				break;          /* TXT is cut at 255 later anyway */
		}
		buf[n] = '\0';
		out.txt = buf;
	}
	return ds_value_intern(ds, &out, idx);
}

/* ---- reading ---------------------------------------------------------- */

int
feed_read_json(struct dataset *ds, struct ds_load *ld, const char *path,
    void **root)
{
	size_t len = 0, cap = 256 * 1024;
	char *buf = NULL, *p;
	json_error_t err;
	struct stat st;
	json_t *doc;
	gzFile gz;
	int r;

	*root = NULL;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		ds_error(ld, "unable to open file: %s", errno == ENOENT ?
		    dx_strerror(DX_ENOENT) : dx_strerror(DX_EIO));
		return DX_EIO;
	}
	if (st.st_mtime > ds->mtime)
		ds->mtime = st.st_mtime;
	if ((gz = gzopen(path, "rb")) == NULL) {
		ds_error(ld, "unable to open file");
		return DX_EIO;
	}
	for (;;) {
		if (cap - len < 64 * 1024) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				gzclose(gz);
				return DX_ENOMEM;
			}
			buf = nb;
		} else if (!buf && !(buf = malloc(cap))) {
			gzclose(gz);
			return DX_ENOMEM;
		}
		r = gzread(gz, buf + len, (unsigned)(cap - len));
		if (r < 0) {
			ds_error(ld, "error reading file");
			free(buf);
			gzclose(gz);
			return DX_EIO;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	gzclose(gz);
	p = buf;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {  /* UTF-8 BOM */
		p += 3;
		len -= 3;
	}
	doc = json_loadb(p, len, 0, &err);
	free(buf);
	if (!doc) {
		ld->line = err.line > 0 ? (unsigned)err.line : 0;
		ds_error(ld, "JSON: %s (column %d): file refused", err.text,
		    err.column);
		ld->line = 0;
		return DX_EINVAL;
	}
	*root = doc;
	return 0;
}

int
feed_keep_version(struct dataset *ds, const char *ver)
{
	if (ver && (!ds->version || strtoll(ver, NULL, 10) >
	    strtoll(ds->version, NULL, 10)) &&
	    !(ds->version = ds_strdup(ds, ver, strlen(ver))))
		return DX_ENOMEM;
	return 0;
}

int
feed_verdict(struct ds_load *ld, int bad)
{
	if (!bad)
		return 0;
	ds_error(ld, "file refused");
	return DX_EINVAL;
}

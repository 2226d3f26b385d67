/* dataset.c -- the dataset type registry, loading data files through a
 * type's operations, $ specials, interned values and TXT expansion. */
#include "dataset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "ds_impl.h"
#include "errcode.h"
#include "ipaddr.h"
#include "value.h"

/* ---- arena ------------------------------------------------------------ */

struct ds_arena {
	struct ds_arena *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_CHUNK (64 * 1024)

void *
ds_alloc(struct dataset *ds, size_t size)
{
	struct ds_arena *a = ds->arena;
	size_t al = _Alignof(max_align_t);

	size = (size + al - 1) & ~(al - 1);
	if (!a || a->size - a->used < size) {
		size_t csize = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
		struct ds_arena *n = malloc(sizeof(*n) + csize);
		if (!n)
			return NULL;
		n->used = 0;
		n->size = csize;
		if (size > ARENA_CHUNK / 4 && a) {
			/* big block: keep the current chunk for small ones */
			n->next = a->next;
			a->next = n;
			n->used = size;
			return n->data;
		}
		n->next = a;
		ds->arena = a = n;
	}
	a->used += size;
	return (char *)a->data + a->used - size;
}

char *
ds_strdup(struct dataset *ds, const char *s, size_t len)
{
	char *p = ds_alloc(ds, len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static void
arena_free(struct ds_arena *a)
{
	while (a) {
		struct ds_arena *n = a->next;
		free(a);
		a = n;
	}
}

/* ---- interned values -------------------------------------------------- */

static uint32_t
value_hash(uint32_t a, const char *txt)
{
	uint32_t h = 2166136261u ^ a;
	h *= 16777619u;
	if (txt)
		for (; *txt; txt++)
			h = (h ^ (uint8_t)*txt) * 16777619u;
	return h;
}

static bool
value_eq(const struct dx_value *x, uint32_t a, const char *txt)
{
	if (x->a != a)
		return false;
	if (!x->txt || !txt)
		return x->txt == txt;
	return strcmp(x->txt, txt) == 0;
}

static int
vhash_grow(struct dataset *ds)
{
	uint32_t ncap = ds->vhashcap ? ds->vhashcap * 2 : 64, i;
	uint32_t *nh = malloc(ncap * sizeof(*nh));
	if (!nh)
		return DX_ENOMEM;
	memset(nh, 0xff, ncap * sizeof(*nh));
	for (i = 0; i < ds->nvals; i++) {
		uint32_t h = value_hash(ds->vals[i].a, ds->vals[i].txt) & (ncap - 1);
		while (nh[h] != UINT32_MAX)
			h = (h + 1) & (ncap - 1);
		nh[h] = i;
	}
	free(ds->vhash);
	ds->vhash = nh;
	ds->vhashcap = ncap;
	return 0;
}

int
ds_value_intern(struct dataset *ds, const struct dx_value *v, uint32_t *idx)
{
	const char *txt = v->txt && *v->txt ? v->txt : NULL;
	uint32_t h, c;

	/* Fast path: an entry taking the default (or an A with the default's
	 * TXT) passes an interned txt pointer; equal pointers are equal
	 * strings, so no hash of the text and no strcmp per line. */
	c = (uint32_t)(v->a ^ (uintptr_t)txt >> 4) % 8;
	if (ds->vcache[c] < ds->nvals && ds->vals[ds->vcache[c]].a == v->a &&
	    ds->vals[ds->vcache[c]].txt == txt) {
		*idx = ds->vcache[c];
		return 0;
	}
	if ((ds->nvals + 1) * 2 > ds->vhashcap && vhash_grow(ds) < 0)
		return DX_ENOMEM;
	h = value_hash(v->a, txt) & (ds->vhashcap - 1);
	while (ds->vhash[h] != UINT32_MAX) {
		if (value_eq(&ds->vals[ds->vhash[h]], v->a, txt)) {
			*idx = ds->vhash[h];
			if (ds->vals[*idx].txt == txt)
				ds->vcache[c] = *idx;
			return 0;
		}
		h = (h + 1) & (ds->vhashcap - 1);
	}
	if (ds->nvals == ds->capvals) {
		uint32_t ncap = ds->capvals ? ds->capvals * 2 : 16;
		struct dx_value *nv = realloc(ds->vals, ncap * sizeof(*nv));
		if (!nv)
			return DX_ENOMEM;
		ds->vals = nv;
		ds->capvals = ncap;
	}
	if (txt && !(txt = ds_strdup(ds, txt, strlen(txt))))
		return DX_ENOMEM;
	ds->vals[ds->nvals].a = v->a;
	ds->vals[ds->nvals].txt = txt;
	ds->vhash[h] = ds->nvals;
	ds->vcache[(uint32_t)(v->a ^ (uintptr_t)txt >> 4) % 8] = ds->nvals;
	*idx = ds->nvals++;
	return 0;
}

const struct dx_value *
ds_value(const struct dataset *ds, uint32_t idx)
{
	return idx < ds->nvals ? &ds->vals[idx] : NULL;
}

bool
ds_hit_add4(struct dx_hits *hits, const struct dataset *ds, uint32_t vidx,
    uint32_t prefix, unsigned plen)
{
	struct dx_hit *h;
	if (hits->n >= DX_MAXHITS)
		return false;
	h = &hits->hit[hits->n++];
	memset(h, 0, sizeof(*h));
	h->ds = ds;
	h->val = ds_value(ds, vidx);
	h->family = 4;
	h->plen = (uint8_t)plen;
	h->prefix[0] = (uint8_t)(prefix >> 24);
	h->prefix[1] = (uint8_t)(prefix >> 16);
	h->prefix[2] = (uint8_t)(prefix >> 8);
	h->prefix[3] = (uint8_t)prefix;
	return true;
}

bool
ds_hit_add6(struct dx_hits *hits, const struct dataset *ds, uint32_t vidx,
    const uint8_t prefix[16], unsigned plen)
{
	struct dx_hit *h;
	if (hits->n >= DX_MAXHITS)
		return false;
	h = &hits->hit[hits->n++];
	memset(h, 0, sizeof(*h));
	h->ds = ds;
	h->val = ds_value(ds, vidx);
	h->family = 6;
	h->plen = (uint8_t)plen;
	memcpy(h->prefix, prefix, 16);
	return true;
}

int
ds_default_line(struct dataset *ds, struct ds_load *ld, char *s,
    uint32_t *idx)
{
	struct dx_value v;
	bool trunc;
	uint32_t i;
	int rc;

	if (idx)
		*idx = UINT32_MAX;
	if (value_parse_default(s, &v, &trunc) < 0) {
		ds_warn(ld, "invalid A RR");
		return 0;
	}
	if (trunc)
		ds_warn(ld, "TXT RR truncated to 255 bytes");
	if ((rc = ds_value_intern(ds, &v, &i)) < 0)
		return rc;
	ld->deflt = ds->vals[i];
	if (idx)
		*idx = i;
	return 0;
}

int
ds_entry_value(struct dataset *ds, struct ds_load *ld, char *s,
    uint32_t *idx)
{
	struct dx_value v;
	bool trunc;
	const char *t = s;

	/* Most entries have no value: the default's index straight from the
	 * intern cache (value_parse would copy the default, then
	 * ds_value_intern look it up: 6% of an IPv6 load). */
	while (*t == ' ' || *t == '\t')
		t++;
	if (*t == '\0' || *t == '#' || *t == ';') {
		const char *txt = ld->deflt.txt && *ld->deflt.txt ?
		    ld->deflt.txt : NULL;
		uint32_t c = ds->vcache[(uint32_t)(ld->deflt.a ^
		    (uintptr_t)txt >> 4) % 8];
		if (c < ds->nvals && ds->vals[c].a == ld->deflt.a &&
		    ds->vals[c].txt == txt) {
			*idx = c;
			return 0;
		}
		return ds_value_intern(ds, &ld->deflt, idx);
	}
	if (value_parse(s, &ld->deflt, &v, &trunc) < 0) {
		ds_warn(ld, "invalid value");
		return DX_EINVAL;
	}
	if (trunc)
		ds_warn(ld, "TXT RR truncated to 255 bytes");
	return ds_value_intern(ds, &v, idx);
}

/* ---- registry --------------------------------------------------------- */

static const struct ds_type *const types[] = {
	&ds_type_ip4set, &ds_type_ip4tset, &ds_type_ip4trie,
	&ds_type_ip6trie, &ds_type_ip6tset,
	&ds_type_dnset, &ds_type_generic, &ds_type_combined, &ds_type_acl,
	&ds_type_azure, &ds_type_m365, &ds_type_spf, &ds_type_aws,
};

const struct ds_type *
ds_type_find(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i]->name && strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

const char *
ds_type_name(const struct ds_type *t)
{
	return t ? t->name : NULL;
}

/* ---- reporting -------------------------------------------------------- */

/* Both levels format the same way; only the diag call differs. */
static void __attribute__((format(printf, 3, 0)))
report(struct ds_load *ld, int is_error, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!ld->diag)
		return;
	if (is_error)
		diag_error(ld->diag, ld->file, ld->line, "%s", msg);
	else
		diag_warn(ld->diag, ld->file, ld->line, "%s", msg);
}

void
ds_warn(struct ds_load *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(ld, 0, fmt, ap);
	va_end(ap);
}

void
ds_error(struct ds_load *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(ld, 1, fmt, ap);
	va_end(ap);
}

/* ---- life cycle ------------------------------------------------------- */

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
dataset_new(const struct ds_type *t, const char *const *files,
    unsigned nfiles, const struct ds_labels *labels, struct dataset **out)
{
	struct dataset *ds = calloc(1, sizeof(*ds));
	unsigned i;

	if (!ds)
		return DX_ENOMEM;
	ds->type = t;
	ds->cfg_deflt.a = value_default_a();
	if (nfiles) {
		ds->files = calloc(nfiles, sizeof(*ds->files));
		if (!ds->files)
			goto nomem;
		for (i = 0; i < nfiles; i++)
			if (!(ds->files[ds->nfiles++] = strdup(files[i])))
				goto nomem;
	}
	if (labels) {
		ds->labels.feed = labels->feed;
		ds->labels.name = xstrdup(labels->name);
		ds->labels.service = xstrdup(labels->service);
		ds->labels.region = xstrdup(labels->region);
		ds->labels.pool = xstrdup(labels->pool);
		if ((labels->name && !ds->labels.name) ||
		    (labels->service && !ds->labels.service) ||
		    (labels->region && !ds->labels.region) ||
		    (labels->pool && !ds->labels.pool))
			goto nomem;
		if (labels->deflt) {
			ds->cfg_deflt.a = labels->deflt->a;
			if (labels->deflt->txt &&
			    !(ds->cfg_deflt.txt = xstrdup(labels->deflt->txt)))
				goto nomem;
			ds->has_cfg_deflt = true;
			ds->labels.deflt = &ds->cfg_deflt;
		}
	}
	*out = ds;
	return 0;
nomem:
	dataset_free(ds);
	return DX_ENOMEM;
}

/* Drop loaded data (a reload starts from scratch). */
static void
ds_clear(struct dataset *ds)
{
	if (ds->type && ds->type->free && ds->priv)
		ds->type->free(ds);
	ds->priv = NULL;
	arena_free(ds->arena);
	ds->arena = NULL;
	free(ds->vals);
	free(ds->vhash);
	ds->vals = NULL;
	ds->vhash = NULL;
	ds->nvals = ds->capvals = ds->vhashcap = 0;
	memset(&ds->soa, 0, sizeof(ds->soa));
	memset(&ds->ns, 0, sizeof(ds->ns));
	memset(ds->subst, 0, sizeof(ds->subst));
	ds->ns_set = false;
	ds->mtime = ds->stamp = ds->expires = 0;
	ds->nentries = 0;
	ds->version = NULL;
	ds->prov = NULL;
}

void
dataset_free(struct dataset *ds)
{
	unsigned i;
	if (!ds)
		return;
	ds_clear(ds);
	for (i = 0; i < ds->nfiles; i++)
		free(ds->files[i]);
	free(ds->files);
	free((char *)ds->labels.name);
	free((char *)ds->labels.service);
	free((char *)ds->labels.region);
	free((char *)ds->labels.pool);
	free((char *)ds->cfg_deflt.txt);
	free(ds);
}

void
ds_reset_default(const struct dataset *ds, struct ds_load *ld)
{
	ld->deflt = ds->cfg_deflt;
}

int
ds_begin(struct dataset *ds, const struct ds_loadopts *opts)
{
	ds_clear(ds);
	if (opts)
		ds->opts = *opts;
	ds->ttl = ds->opts.ttl_default;
	return ds->type->start ? ds->type->start(ds) : 0;
}

int
ds_end(struct dataset *ds, struct ds_load *ld)
{
	return ds->type->finish ? ds->type->finish(ds, ld) : 0;
}

/* ---- specials --------------------------------------------------------- */

/* rbldnsd parse_ttl: 0 means the default; -t min/max clamp the rest. */
static char *
parse_ttl(const struct dataset *ds, char *s, uint32_t *ttl, uint32_t def)
{
	if (!(s = df_parse_time(s, ttl)))
		return NULL;
	if (*ttl == 0)
		*ttl = def;
	else if (ds->opts.ttl_min && *ttl < ds->opts.ttl_min)
		*ttl = ds->opts.ttl_min;
	else if (ds->opts.ttl_max && *ttl > ds->opts.ttl_max)
		*ttl = ds->opts.ttl_max;
	return s;
}

static int
special_soa(struct dataset *ds, char *w)
{
	struct ds_soa soa;
	unsigned len;
	uint32_t *t[4];
	int i;

	memset(&soa, 0, sizeof(soa));
	if (!(w = parse_ttl(ds, w, &soa.ttl, ds->ttl)))
		return 0;
	if (!(w = df_parse_dname(w, soa.mname, &len)))
		return 0;
	if (!(w = df_parse_dname(w, soa.rname, &len)))
		return 0;
	if (!(w = df_parse_uint32(w, &soa.serial)))
		return 0;
	t[0] = &soa.refresh;
	t[1] = &soa.retry;
	t[2] = &soa.expire;
	t[3] = &soa.minttl;
	for (i = 0; i < 4; i++) {
		if (!(w = df_parse_time(w, t[i])) || *w == ':')
			return 0;
	}
	if (*w)
		return 0;
	soa.set = true;
	ds->soa = soa;
	return 1;
}

static int
special_ns(struct dataset *ds, char *w)
{
	struct ds_ns ns;
	uint32_t ttl;

	memset(&ns, 0, sizeof(ns));
	if (!(w = parse_ttl(ds, w, &ttl, ds->ttl)))
		return 0;
	do {
		uint8_t dn[256];
		unsigned len;
		if (*w == '-') {        /* "-ns.example" is commented out */
			while (*w && *w != ' ' && *w != '\t')
				w++;
			while (*w == ' ' || *w == '\t')
				w++;
			continue;
		}
		if (!(w = df_parse_dname(w, dn, &len)))
			return 0;
		if (ns.n < 32)
			memcpy(ns.name[ns.n++], dn, len);
	} while (*w);
	ns.ttl = ttl;
	ds->ns = ns;
	ds->ns_set = true;
	return 1;
}

static int
special_timestamp(struct dataset *ds, struct ds_load *ld, char *w)
{
	time_t stamp, expires;

	if (!(w = df_parse_timestamp(w, &stamp)))
		return 0;
	if (!*w)
		expires = 0;
	else if (*w == '+') {
		uint32_t n;
		if (!(w = df_parse_time(w + 1, &n)) || *w)
			return 0;
		if (!stamp || !n)
			return 0;
		expires = stamp + (time_t)n;
	} else if (!(w = df_parse_timestamp(w, &expires)) || *w)
		return 0;
	if (stamp) {
		time_t now = time(NULL);
		if (stamp > now) {
			ds_error(ld, "data timestamp is %lld sec in the future, "
			    "aborting loading", (long long)(stamp - now));
			return DX_EINVAL;
		}
	}
	if (stamp && (!ds->stamp || stamp > ds->stamp))
		ds->stamp = stamp;
	if (expires && (!ds->expires || ds->expires > expires))
		ds->expires = expires;
	return 1;
}

static int
special_maxrange4(struct ds_load *ld, char *w)
{
	uint32_t r;
	bool cidr = false;

	if (*w == '/') {
		cidr = true;
		w++;
	}
	if (!(w = df_parse_uint32(w, &r)) || *w || !r)
		return 0;
	if (cidr) {
		if (r > 32)
			return 0;
		r = ~ip4_mask(r) + 1;   /* /0 wraps to 0: no limit */
	}
	if (ld->maxrange4 && ld->maxrange4 < r)
		ds_warn(ld, "ignoring attempt to increase $MAXRANGE4 from %u to %u",
		    ld->maxrange4, r);
	else
		ld->maxrange4 = r;
	return 1;
}

int
ds_special(struct dataset *ds, struct ds_load *ld, char *kw)
{
	char *w;
	unsigned flags = ds->type->flags;
	/* $SOA/$NS always belong to the top dataset (rbldnsd: base zone) */
	struct dataset *top = ld->ds ? ld->ds : ds;

	if ((w = df_keyword(kw, "soa"))) {
		if (top->type->flags & DS_F_NOSOA)
			return 0;
		if (top->soa.set)
			return 1;        /* only the first $SOA counts */
		return special_soa(top, w);
	}
	if ((w = df_keyword(kw, "ns")) || (w = df_keyword(kw, "nameserver"))) {
		if (top->type->flags & DS_F_NOSOA)
			return 0;
		if (top->ns_set)
			return 1;
		return special_ns(top, w);
	}
	if ((w = df_keyword(kw, "ttl"))) {
		uint32_t ttl;
		if (!(w = parse_ttl(ds, w, &ttl, ds->opts.ttl_default)) || *w)
			return 0;
		ds->ttl = ttl;
		return 1;
	}
	if ((w = df_keyword(kw, "maxrange4")))
		return special_maxrange4(ld, w);
	if (((kw[0] >= '0' && kw[0] <= '9') || kw[0] == '=') &&
	    (kw[1] == ' ' || kw[1] == '\t')) {
		unsigned n = kw[0] == '=' ? DS_SUBST_BASE : (unsigned)(kw[0] - '0');
		(void)flags;
		if (ds->subst[n])
			return 1;        /* the first definition wins */
		w = kw + 2;
		while (*w == ' ' || *w == '\t')
			w++;
		if (!*w)
			return 0;
		if (!(ds->subst[n] = ds_strdup(ds, w, strlen(w))))
			return DX_ENOMEM;
		return 1;
	}
	if ((w = df_keyword(kw, "timestamp")))
		return special_timestamp(top, ld, w);
	if (top->type->special)
		return top->type->special(top, ld, kw);
	return 0;
}

int
ds_feed_line(struct dataset *ds, struct ds_load *ld, char *line)
{
	char *kw;

	switch (datafile_classify(line, &kw)) {
	case DF_EMPTY:
	case DF_COMMENT:
		return 0;
	case DF_SPECIAL: {
		struct dataset *cur = ld->sub ? ld->sub : ds;
		int r = ds_special(cur, ld, kw);
		if (r == 0)
			ds_warn(ld, "invalid or unrecognized special entry");
		return r < 0 ? r : 0;
	}
	case DF_DATA:
	default: {
		struct dataset *cur = ld->sub ? ld->sub : ds;
		return cur->type->line ? cur->type->line(cur, ld, line) : 0;
	}
	}
}

/* ---- loading ---------------------------------------------------------- */

int
dataset_load(struct dataset *ds, const struct ds_loadopts *opts,
    struct diag *diag)
{
	struct ds_load ld;
	unsigned i;
	int rc;

	if (!ds->type || (!ds->type->line && !ds->type->load_file))
		return DX_EINVAL;
	memset(&ld, 0, sizeof(ld));
	ld.ds = ds;
	ld.diag = diag;
	ld.opts = opts;
	if ((rc = ds_begin(ds, opts)) < 0)
		return rc;
	for (i = 0; i < ds->nfiles; i++) {
		struct datafile *f;
		time_t mt = 0;
		char *line;
		unsigned lineno;

		ld.file = ds->files[i];
		ld.line = 0;
		ds_reset_default(ds, &ld);
		if (ds->type->load_file) {      /* a whole JSON document */
			if ((rc = ds->type->load_file(ds, &ld, ds->files[i])) < 0) {
				ds_clear(ds);
				return rc;
			}
			continue;
		}
		rc = datafile_open(ds->files[i], &f, &mt);
		if (rc < 0) {
			ds_error(&ld, "unable to open file: %s", dx_strerror(rc));
			ds_clear(ds);
			return rc == DX_ENOMEM ? rc : DX_EIO;
		}
		if (mt > ds->mtime)
			ds->mtime = mt;
		while ((rc = datafile_next(f, &line, &lineno)) > 0) {
			ld.line = lineno;
			if ((rc = ds_feed_line(ds, &ld, line)) < 0)
				break;
		}
		if (rc >= 0 && datafile_changed(f)) {
			/* rewritten in place while we read: not served */
			ds_error(&ld, "file changed while being read: not loaded");
			rc = DX_EAGAIN;
		}
		datafile_close(f);
		if (rc < 0) {
			if (rc == DX_EIO)
				ds_error(&ld, "error reading file");
			ds_clear(ds);
			return rc;
		}
		if (ds->type->file_end && (rc = ds->type->file_end(ds, &ld)) < 0) {
			ds_clear(ds);
			return rc;
		}
	}
	ld.file = ds->nfiles ? ds->files[ds->nfiles - 1] : NULL;
	ld.line = 0;
	if ((rc = ds_end(ds, &ld)) < 0) {
		ds_clear(ds);
		return rc;
	}
	return 0;
}

/* ---- queries and accessors -------------------------------------------- */

bool
dataset_query(const struct dataset *ds, const struct dx_qname *q,
    struct dx_hits *hits)
{
	return ds->type->query ? ds->type->query(ds, q, hits) : false;
}

const struct lpm *
dataset_lpm4(const struct dataset *ds)
{
	return ds->type->lpm4 ? ds->type->lpm4(ds) : NULL;
}

bool
dataset_exists_below(const struct dataset *ds, const struct dx_qname *q)
{
	return ds->type->exists_below ? ds->type->exists_below(ds, q) : false;
}

const struct ds_labels *dataset_labels(const struct dataset *ds) { return &ds->labels; }
const struct ds_type *dataset_type(const struct dataset *ds) { return ds->type; }
const struct ds_soa *dataset_soa(const struct dataset *ds) { return &ds->soa; }
const struct ds_ns *dataset_ns(const struct dataset *ds) { return &ds->ns; }
uint32_t dataset_ttl(const struct dataset *ds) { return ds->ttl; }
time_t dataset_mtime(const struct dataset *ds) { return ds->mtime; }
time_t dataset_expires(const struct dataset *ds) { return ds->expires; }
size_t dataset_entries(const struct dataset *ds) { return ds->nentries; }
const char *dataset_version(const struct dataset *ds) { return ds->version; }

static void
format_prefix(const struct dx_hit *hit, char *out)
{
	int n;
	if (hit->family == 4) {
		uint32_t a = (uint32_t)hit->prefix[0] << 24 |
		    (uint32_t)hit->prefix[1] << 16 |
		    (uint32_t)hit->prefix[2] << 8 | hit->prefix[3];
		n = ip4_format(a, out);
	} else if (hit->family == 6)
		n = ip6_format(hit->prefix, out);
	else {
		out[0] = '\0';
		return;
	}
	sprintf(out + n, "/%u", hit->plen);
}

int
dataset_txt_expand(const struct dx_hit *hit, const struct dx_qname *q,
    char *out, size_t outlen)
{
	const struct dataset *ds = hit->ds;
	struct value_subst sv;
	struct dx_qname below;
	char entry[256], prefix[64];
	int i, n;

	if (!hit->val || !outlen)
		return -1;
	if (hit->qlabels && q) {
		/* combined: "$" is the name below the subzone (dx_hit.qlabels) */
		unsigned nl = hit->qlabels == DX_QLABELS_APEX ? 0 : hit->qlabels;
		if (nl <= q->nlabels && qname_parse(&below, nl, q->label, q->len) == 0)
			q = &below;
	}
	memset(&sv, 0, sizeof(sv));
	entry[0] = '\0';
	if (ds && ds->type->entry_text)
		ds->type->entry_text(hit, q, entry, sizeof(entry));
	else if (hit->family == 4) {
		/* an IPv4 hit for a 6to4 name: "$" is the address inside it */
		uint32_t v4 = q->ip4;
		if (q->ip4_octets != 4)
			qname_6to4(q, &v4);
		ip4_format(v4, entry);
	}
	else if (hit->family == 6)
		ip6_format(q->ip6, entry);
	else
		snprintf(entry, sizeof(entry), "%s", q->text);
	format_prefix(hit, prefix);
	sv.entry = entry;
	sv.prefix = prefix;
	if (ds) {
		for (i = 0; i < 10; i++)
			sv.var[i] = ds->subst[i];
		sv.base = ds->subst[DS_SUBST_BASE];
	}
	n = value_expand(hit->val->txt, &sv, out, outlen);
	return n > 0 ? n : -1;
}

/* The lines of ds a query reads, for snapshot_prefetch_hot(): the struct,
 * its type's operations, the type's data and the first values. */
unsigned
dataset_hot_lines(const struct dataset *ds, const void **out, unsigned max)
{
	const void *l[] = { ds, ds->type, ds->priv, ds->vals };
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(l) / sizeof(l[0]) && n < max; i++)
		if (l[i])
			out[n++] = l[i];
	return n;
}

/* config.c -- the parts of the configuration both front ends share: the
 * struct's defaults and freeing, listen/user/ttl values, datasets, zones
 * and the final checks. The YAML file is read in config_yaml.c, the rbldnsd
 * command line in config_args.c (docs/config-schema.md).
 */
#include "config.h"
#include "config_internal.h"
#include "errcode.h"
#include "feed.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rbldnsd dataset types (the data module owns their implementation;
 * config only has to reject typos early, with a file:line). */
static const char *const known_types[] = {
	"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset", "dnset",
	"generic", "combined", "acl", "azure-servicetags", "m365-endpoints",
};

bool
config_type_known(const char *t)
{
	for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		if (strcmp(t, known_types[i]) == 0)
			return true;
	return false;
}

/* Allocation failure at load is fatal (STYLE.md 7). */
void *
config_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		fprintf(stderr, "dnsxl: out of memory\n");
		exit(1);
	}
	return q;
}

char *
config_xstrdup(const char *s)
{
	size_t n;
	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	return memcpy(config_xrealloc(NULL, n), s, n);
}

char *
config_xstrndup(const char *s, size_t n)
{
	char *p = config_xrealloc(NULL, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
config_set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = config_xstrdup(src);
}

/* A data file path: absolute, or relative to base (NULL = leave as is). */
char *
config_resolve_path(const char *base, const char *file)
{
	size_t bl, fl;
	char *p;

	if (file[0] == '/' || base == NULL || base[0] == '\0')
		return config_xstrdup(file);
	bl = strlen(base);
	fl = strlen(file);
	p = config_xrealloc(NULL, bl + fl + 2);
	memcpy(p, base, bl);
	if (base[bl - 1] != '/')	/* "/" + "x" is "/x", not "//x" */
		p[bl++] = '/';
	memcpy(p + bl, file, fl + 1);
	return p;
}

struct config *
config_defaults(void)
{
	struct config *c = config_xrealloc(NULL, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->ttl_default = 35 * 60;
	c->check_interval = 60;
	c->rfc5782_tests = true;
	c->tcp_max_clients = 256;
	c->tcp_idle_ms = 10000;
	c->edns_max = 1232;
	c->global_acl = -1;
	c->xfr_history = 8;
	return c;
}

void
config_free_datasets(struct config *c)
{
	for (unsigned i = 0; i < c->ndatasets; i++) {
		struct cfg_dataset *ds = &c->datasets[i];
		free(ds->name);
		free(ds->type);
		for (unsigned j = 0; j < ds->nfiles; j++)
			free(ds->files[j]);
		free(ds->files);
		free(ds->service);
		free(ds->region);
		free(ds->pool);
		free((char *)(uintptr_t)ds->value.txt);
		config_free_strv(ds->tags, ds->ntags);
		config_free_strv(ds->areas, ds->nareas);
		free(ds->ids);
		for (unsigned j = 0; ds->rvalues && j < c->nregions; j++)
			free((char *)(uintptr_t)ds->rvalues[j].txt);
		free(ds->rvalues);
		if (ds->feed)
			free((void *)(uintptr_t)ds->feed->rnames);
		free(ds->feed);
	}
	free(c->datasets);
}

void
config_free_strv(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_codes(struct cfg_code *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
	}
	free(v);
}

void
config_free_listen(struct config *c)
{
	for (unsigned i = 0; i < c->nlisten; i++)
		free(c->listen[i].addr);
	free(c->listen);
	c->listen = NULL;
	c->nlisten = 0;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	config_free_listen(c);
	free(c->user);
	free(c->group);
	free(c->chroot_dir);
	free(c->workdir);
	free(c->pidfile);
	free(c->querylog);
	free(c->statsfile);
	free(c->version_text);
	free(c->identity);
	free(c->soa_mname);
	free(c->soa_rname);
	free_codes(c->services, c->nservices);
	free_codes(c->regions, c->nregions);
	free(c->txt_default);
	for (unsigned i = 0; i < c->nxfr_allow; i++)
		free(c->xfr_allow[i]);
	free(c->xfr_allow);
	for (unsigned i = 0; i < c->nxfr_notify; i++)
		free(c->xfr_notify[i]);
	free(c->xfr_notify);
	for (unsigned i = 0; i < c->ntsig; i++) {
		free(c->tsig[i].name);
		free(c->tsig[i].algorithm);
		free(c->tsig[i].secret);
	}
	free(c->tsig);
	config_free_datasets(c);
	config_free_strv(c->azure_from, c->nazure);
	config_free_strv(c->azure_to, c->nazure);
	free(c->azure_default);
	for (unsigned i = 0; i < c->nzones; i++) {
		free(c->zones[i].name);
		free(c->zones[i].datasets);
	}
	free(c->zones);
	free(c);
}

/* --- shared by both front ends -------------------------------------------- */

/* "addr" or "addr<sep>port" (sep '/' on the command line, '@' in YAML). */
int
config_add_listen(struct config *c, const char *spec, char sep, char *err,
    size_t errlen)
{
	const char *p = strrchr(spec, sep);
	unsigned char buf[16];
	unsigned long port = 53;
	char *addr, *end;

	addr = p ? config_xstrndup(spec, (size_t)(p - spec)) : config_xstrdup(spec);
	if (p) {
		port = strtoul(p + 1, &end, 10);
		if (p[1] == '\0' || *end != '\0' || port == 0 || port > 65535) {
			snprintf(err, errlen, "bad port in \"%s\"", spec);
			free(addr);
			return DX_EINVAL;
		}
	}
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1) {
		snprintf(err, errlen, "bad address \"%s\"", addr);
		free(addr);
		return DX_EINVAL;
	}
	c->listen = config_xrealloc(c->listen, (c->nlisten + 1) * sizeof(*c->listen));
	c->listen[c->nlisten].addr = addr;
	c->listen[c->nlisten].port = (uint16_t)port;
	c->nlisten++;
	return 0;
}

/* "user" or "user:group" */
int
config_set_user(struct config *c, const char *s, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');

	if (s[0] == '\0' || s[0] == ':' || (colon && colon[1] == '\0')) {
		snprintf(err, errlen, "bad user \"%s\"", s);
		return DX_EINVAL;
	}
	free(c->user);
	free(c->group);
	c->user = colon ? config_xstrndup(s, (size_t)(colon - s)) : config_xstrdup(s);
	c->group = colon ? config_xstrdup(colon + 1) : NULL;
	return 0;
}

/* -t def:min:max; any part may be empty (kept). */
int
config_set_ttls(struct config *c, const char *s, char *err, size_t errlen)
{
	uint32_t *dst[3] = { &c->ttl_default, &c->ttl_min, &c->ttl_max };
	uint32_t val[3] = { c->ttl_default, c->ttl_min, c->ttl_max };
	const char *p = s;

	for (int i = 0; i < 3; i++) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (n > 0) {
			char *part = config_xstrndup(p, n);
			int rc = config_parse_duration(part, &val[i]);
			free(part);
			if (rc < 0)
				goto bad;
		}
		if (!colon)
			break;
		if (i == 2)
			goto bad;	/* a fourth field */
		p = colon + 1;
	}
	if (val[1] && val[2] && val[1] > val[2]) {
		snprintf(err, errlen, "bad ttl \"%s\": min greater than max", s);
		return DX_EINVAL;
	}
	for (int i = 0; i < 3; i++)
		*dst[i] = val[i];
	return 0;
bad:
	snprintf(err, errlen, "bad ttl \"%s\" (want def:min:max, units "
	    "s m h d w)", s);
	return DX_EINVAL;
}

int
config_find_dataset(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->ndatasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0)
			return (int)i;
	return -1;
}

struct cfg_dataset *
config_new_dataset(struct config *c)
{
	struct cfg_dataset *ds;

	c->datasets = config_xrealloc(c->datasets,
	    (c->ndatasets + 1) * sizeof(*c->datasets));
	ds = &c->datasets[c->ndatasets++];
	memset(ds, 0, sizeof(*ds));
	return ds;
}

void
config_add_file(struct cfg_dataset *ds, const char *base, const char *file)
{
	ds->files = config_xrealloc(ds->files, (ds->nfiles + 1) * sizeof(*ds->files));
	ds->files[ds->nfiles++] = config_resolve_path(base, file);
}

/* "type:file,file" -> the index of that dataset; the same text twice is one
 * dataset. Returns the index or DX_EINVAL (message in err). */
int
config_spec_dataset(struct config *c, const char *spec, const char *base, char *err,
    size_t errlen)
{
	const char *colon = strchr(spec, ':'), *p;
	struct cfg_dataset *ds;
	char *type;
	int idx;

	if ((idx = config_find_dataset(c, spec)) >= 0)
		return idx;
	if (colon == NULL || colon == spec || colon[1] == '\0') {
		snprintf(err, errlen, "bad dataset \"%s\" (want type:file,...)",
		    spec);
		return DX_EINVAL;
	}
	type = config_xstrndup(spec, (size_t)(colon - spec));
	if (!config_type_known(type)) {
		snprintf(err, errlen, "unknown dataset type \"%s\"", type);
		free(type);
		return DX_EINVAL;
	}
	ds = config_new_dataset(c);
	ds->name = config_xstrdup(spec);
	ds->type = type;
	ds->max_shrink = config_type_is_feed(type) ? 50 : -1;
	/* Files split on ',' and (as rbldnsd) ':'; empty pieces skipped. */
	for (p = colon + 1; *p; ) {
		size_t n = strcspn(p, ",:");
		if (n > 0) {
			char *f = config_xstrndup(p, n);
			config_add_file(ds, base, f);
			free(f);
		}
		p += n + (p[n] ? 1 : 0);
	}
	if (ds->nfiles == 0) {
		snprintf(err, errlen, "missing file names in \"%s\"", spec);
		return DX_EINVAL;	/* the config is thrown away: no cleanup */
	}
	return (int)(c->ndatasets - 1);
}

/* Lowercase, drop one trailing dot, check label lengths. */
char *
config_zone_name_norm(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s), lab = 0;
	char *z;

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || s[0] == '.') {
		snprintf(err, errlen, "bad zone name \"%s\"", s);
		return NULL;
	}
	z = config_xstrndup(s, n);
	for (size_t i = 0; i < n; i++) {
		z[i] = (char)tolower((unsigned char)z[i]);
		if (z[i] == '.') {
			if (lab == 0)
				goto bad;
			lab = 0;
		} else if (++lab > 63 || z[i] == ' ' || z[i] == '\\') {
			goto bad;
		}
	}
	if (lab == 0)
		goto bad;
	return z;
bad:
	snprintf(err, errlen, "bad zone name \"%s\"", s);
	free(z);
	return NULL;
}

int
config_find_zone(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return (int)i;
	return -1;
}

struct cfg_zone *
config_new_zone(struct config *c, char *name)
{
	struct cfg_zone *z;

	c->zones = config_xrealloc(c->zones, (c->nzones + 1) * sizeof(*c->zones));
	z = &c->zones[c->nzones++];
	memset(z, 0, sizeof(*z));
	z->name = name;
	z->acl = -1;
	return z;
}

/* Add dataset idx to z, in order; an acl dataset becomes the zone's acl. */
int
config_zone_add(struct config *c, struct cfg_zone *z, unsigned idx, char *err,
    size_t errlen)
{
	if (strcmp(c->datasets[idx].type, "acl") == 0) {
		if (z->acl >= 0 && (unsigned)z->acl != idx) {
			snprintf(err, errlen, "zone %s: more than one acl "
			    "dataset", z->name);
			return DX_EINVAL;
		}
		z->acl = (int)idx;
		return 0;
	}
	for (unsigned i = 0; i < z->ndatasets; i++)
		if (z->datasets[i] == idx)
			return 0;	/* listed twice: still one answer */
	z->datasets = config_xrealloc(z->datasets,
	    (z->ndatasets + 1) * sizeof(*z->datasets));
	z->datasets[z->ndatasets++] = idx;
	return 0;
}

int
config_set_global_acl(struct config *c, int idx, char *err, size_t errlen)
{
	if (strcmp(c->datasets[idx].type, "acl") != 0) {
		snprintf(err, errlen, "dataset %s is not of type acl",
		    c->datasets[idx].name);
		return DX_EINVAL;
	}
	if (c->global_acl >= 0 && c->global_acl != idx) {
		snprintf(err, errlen, "more than one global acl");
		return DX_EINVAL;
	}
	c->global_acl = idx;
	return 0;
}

/* What a feed dataset sees of its options and of the code scheme. */
static void
build_feed(struct config *c, struct cfg_dataset *ds)
{
	struct ds_feed *f = config_xrealloc(NULL, sizeof(*f));
	const char **rn = config_xrealloc(NULL, (c->nregions + 1) *
	    sizeof(*rn));

	memset(f, 0, sizeof(*f));
	f->tags = (const char *const *)ds->tags;
	f->ntags = ds->ntags;
	f->areas = (const char *const *)ds->areas;
	f->nareas = ds->nareas;
	f->ids = ds->ids;
	f->nids = ds->nids;
	f->rglobal = f->rfallback = -1;
	for (unsigned i = 0; i < c->nregions; i++) {
		rn[i] = c->regions[i].name;
		if (c->regions[i].id == 0)
			f->rglobal = (int)i;
		if (c->azure_default && strcmp(c->azure_default,
		    c->regions[i].name) == 0)
			f->rfallback = (int)i;
	}
	if (!c->azure_default)
		f->rfallback = f->rglobal;
	f->rnames = rn;
	f->rvalues = ds->rvalues;
	f->nregions = ds->rvalues ? c->nregions : 0;
	f->map_from = (const char *const *)c->azure_from;
	f->map_to = (const char *const *)c->azure_to;
	f->nmap = c->nazure;
	ds->feed = f;
}

int
config_check(struct config *c, struct diag *d)
{
	unsigned before = d->errors;

	for (unsigned i = 0; i < c->ndatasets; i++)
		if (config_type_is_feed(c->datasets[i].type) &&
		    !c->datasets[i].feed)
			build_feed(c, &c->datasets[i]);

	if (c->nzones == 0)
		diag_error(d, c->path, 0, "no zones to serve");
	for (unsigned i = 0; i < c->nzones; i++)
		if (c->zones[i].ndatasets == 0)	/* an acl alone serves nothing */
			diag_error(d, c->path, 0, "zone %s: no datasets besides "
			    "its acl", c->zones[i].name);
	for (unsigned i = 0; i < c->ndatasets; i++) {
		bool used = c->global_acl == (int)i;
		for (unsigned j = 0; j < c->nzones && !used; j++) {
			used = c->zones[j].acl == (int)i;
			for (unsigned k = 0; k < c->zones[j].ndatasets; k++)
				used = used || c->zones[j].datasets[k] == i;
		}
		if (!used)
			diag_warn(d, c->path, 0, "dataset %s is not used by "
			    "any zone", c->datasets[i].name);
	}
	return d->errors > before ? DX_EINVAL : 0;
}

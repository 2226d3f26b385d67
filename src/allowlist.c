/* allowlist.c -- the named client allowlist: the editable list, its file
 * (parse, format, atomic save), and the published lpm maps the query path
 * reads (allowlist.h).
 *
 *   control / reload                        workers (query.c)
 *   list --clone, edit, save--> list'       allowlist_check():
 *        allowlist_publish(list')             m = atomic load of `current`
 *          build one lpm pair per scope  -->  scope = zone's, else global
 *          atomic store `current`             lpm lookup -> slot counter
 *          old map retired, freed later
 *
 * Counters live outside the maps, in append-only slot tables keyed by
 * entry name and scope name, so edits and reloads keep them.
 */
#include "allowlist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errcode.h"
#include "lpm.h"

struct allowlist {
	struct al_entry *e;
	unsigned n, cap;
};

/* --- the editable list ---------------------------------------------------- */

struct allowlist *
allowlist_new(void)
{
	return calloc(1, sizeof(struct allowlist));
}

void
allowlist_free(struct allowlist *l)
{
	if (!l)
		return;
	free(l->e);
	free(l);
}

static int
grow(struct allowlist *l)
{
	if (l->n < l->cap)
		return 0;
	unsigned cap = l->cap ? l->cap * 2 : 16;
	struct al_entry *ne = realloc(l->e, cap * sizeof(*ne));
	if (!ne)
		return DX_ENOMEM;
	l->e = ne;
	l->cap = cap;
	return 0;
}

struct allowlist *
allowlist_clone(const struct allowlist *l)
{
	struct allowlist *c = allowlist_new();
	if (!c)
		return NULL;
	if (l && l->n) {
		c->e = malloc(l->n * sizeof(*c->e));
		if (!c->e) {
			free(c);
			return NULL;
		}
		memcpy(c->e, l->e, l->n * sizeof(*c->e));
		c->n = c->cap = l->n;
	}
	return c;
}

unsigned
allowlist_count(const struct allowlist *l)
{
	return l ? l->n : 0;
}

const struct al_entry *
allowlist_entry(const struct allowlist *l, unsigned i)
{
	return l && i < l->n ? &l->e[i] : NULL;
}

int
allowlist_find(const struct allowlist *l, const char *name)
{
	for (unsigned i = 0; l && i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool
allowlist_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > AL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && !strchr("._-:@", c))
			return false;
	}
	return true;
}

void
allowlist_cidr_text(const struct al_entry *e, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, a,
	    sizeof(a)))
		a[0] = '\0';
	snprintf(out, outlen, "%s/%u", a, e->plen);
}

int
allowlist_parse_cidr(const char *s, struct al_entry *e, char *err,
    size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	uint8_t a[16];
	int fam;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		fam = 6;
	else
		goto bad;
	unsigned max = fam == 4 ? 32 : 128;
	plen = max;
	if (slash) {
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			goto bad;
		plen = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || plen > max)
			goto bad;
	}
	/* Host bits: refuse rather than guess what the operator meant. */
	uint8_t m[16];
	memcpy(m, a, sizeof(m));
	bool host = false;
	for (unsigned i = 0; i < max / 8; i++) {
		unsigned keep = plen > i * 8 ? (plen - i * 8 >= 8 ? 8 :
		    plen - i * 8) : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
		if (m[i] & ~mask)
			host = true;
		m[i] &= mask;
	}
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, m, max / 8);
	e->family = fam;
	e->plen = (unsigned)plen;
	if (host) {
		char t[64];
		allowlist_cidr_text(e, t, sizeof(t));
		snprintf(err, errlen, "\"%s\" has host bits set (use %s)", s, t);
		return DX_EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid address or CIDR \"%s\"", s);
	return DX_EINVAL;
}

static void
zone_norm(const char *zone, char *out)
{
	size_t n = 0;
	for (; zone && zone[n] && n < AL_ZONE_MAX; n++)
		out[n] = (char)tolower((unsigned char)zone[n]);
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

int
allowlist_add(struct allowlist *l, const char *name, const char *cidr,
    const char *zone, char *err, size_t errlen)
{
	struct al_entry e;
	memset(&e, 0, sizeof(e));
	if (!allowlist_name_ok(name)) {
		snprintf(err, errlen, "invalid name \"%s\" (1-64 of A-Z a-z "
		    "0-9 . _ - : @)", name);
		return DX_EINVAL;
	}
	if (allowlist_parse_cidr(cidr, &e, err, errlen) < 0)
		return DX_EINVAL;
	for (const char *z = zone; z && *z; z++)
		if (!isgraph((unsigned char)*z) || *z == '"' || *z == '\\' ||
		    z - zone >= AL_ZONE_MAX) {
			snprintf(err, errlen, "invalid zone \"%s\"", zone);
			return DX_EINVAL;
		}
	if (allowlist_find(l, name) >= 0) {
		snprintf(err, errlen, "an entry named \"%s\" already exists",
		    name);
		return DX_EEXIST;
	}
	if (grow(l) < 0) {
		snprintf(err, errlen, "out of memory");
		return DX_ENOMEM;
	}
	snprintf(e.name, sizeof(e.name), "%s", name);
	zone_norm(zone, e.zone);
	l->e[l->n++] = e;
	return 0;
}

static int
need(const struct allowlist *l, const char *name, char *err, size_t errlen)
{
	int i = allowlist_find(l, name);
	if (i < 0)
		snprintf(err, errlen, "no entry named \"%s\"", name);
	return i;
}

int
allowlist_rename(struct allowlist *l, const char *oldname,
    const char *newname, char *err, size_t errlen)
{
	int i = need(l, oldname, err, errlen);
	if (i < 0)
		return DX_ENOENT;
	if (!allowlist_name_ok(newname)) {
		snprintf(err, errlen, "invalid name \"%s\" (1-64 of A-Z a-z "
		    "0-9 . _ - : @)", newname);
		return DX_EINVAL;
	}
	int j = allowlist_find(l, newname);
	if (j >= 0 && j != i) {
		snprintf(err, errlen, "an entry named \"%s\" already exists",
		    newname);
		return DX_EEXIST;
	}
	snprintf(l->e[i].name, sizeof(l->e[i].name), "%s", newname);
	return 0;
}

int
allowlist_set(struct allowlist *l, const char *name, const char *cidr,
    char *err, size_t errlen)
{
	struct al_entry e;
	int i = need(l, name, err, errlen);
	if (i < 0)
		return DX_ENOENT;
	if (allowlist_parse_cidr(cidr, &e, err, errlen) < 0)
		return DX_EINVAL;
	l->e[i].family = e.family;
	memcpy(l->e[i].addr, e.addr, sizeof(e.addr));
	l->e[i].plen = e.plen;
	return 0;
}

int
allowlist_pause(struct allowlist *l, const char *name, bool paused,
    char *err, size_t errlen)
{
	int i = need(l, name, err, errlen);
	if (i < 0)
		return DX_ENOENT;
	l->e[i].paused = paused;
	return 0;
}

int
allowlist_delete(struct allowlist *l, const char *name, char *err,
    size_t errlen)
{
	int i = need(l, name, err, errlen);
	if (i < 0)
		return DX_ENOENT;
	memmove(&l->e[i], &l->e[i + 1], (l->n - (unsigned)i - 1) *
	    sizeof(l->e[0]));
	l->n--;
	return 0;
}

/* --- the file ------------------------------------------------------------- */

/* One line (NUL-terminated, comment removed) into l. */
static void
parse_line(struct allowlist *l, char *s, const char *fname, unsigned lineno,
    struct diag *d)
{
	char *f[8], *save = NULL, err[200];
	unsigned nf = 0;
	for (char *t = strtok_r(s, " \t\r", &save); t;
	    t = strtok_r(NULL, " \t\r", &save)) {
		if (nf == 8) {
			diag_error(d, fname, lineno, "too many fields");
			return;
		}
		f[nf++] = t;
	}
	if (nf == 0)
		return;
	if (nf < 2) {
		diag_error(d, fname, lineno, "expected NAME CIDR [zone=ZONE] "
		    "[paused]");
		return;
	}
	const char *zone = NULL;
	bool paused = false;
	for (unsigned i = 2; i < nf; i++) {
		if (strncmp(f[i], "zone=", 5) == 0 && f[i][5])
			zone = f[i] + 5;
		else if (strcmp(f[i], "paused") == 0)
			paused = true;
		else if (strcmp(f[i], "active") == 0)
			paused = false;
		else {
			diag_error(d, fname, lineno, "unknown option \"%s\" "
			    "(zone=ZONE, paused or active)", f[i]);
			return;
		}
	}
	if (allowlist_add(l, f[0], f[1], zone, err, sizeof(err)) < 0) {
		diag_error(d, fname, lineno, "%s", err);
		return;
	}
	l->e[l->n - 1].paused = paused;
}

int
allowlist_parse(struct allowlist *l, const char *text, size_t len,
    const char *fname, struct diag *d)
{
	unsigned before = d->errors, lineno = 0;
	char line[1024];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n)) {
			diag_error(d, fname, lineno, "line too long or binary");
		} else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			char *hash = strchr(line, '#');
			if (hash)
				*hash = '\0';
			parse_line(l, line, fname, lineno, d);
		}
		pos += n + 1;
	}
	return d->errors > before ? DX_EINVAL : 0;
}

int
allowlist_load(const char *path, struct diag *d, struct allowlist **out)
{
	struct allowlist *l = allowlist_new();
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	if (!l)
		return DX_ENOMEM;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT) {
			*out = l;               /* no file yet: nobody listed */
			return 0;
		}
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		allowlist_free(l);
		return DX_EIO;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb) {
				rc = DX_ENOMEM;
				break;
			}
			buf = nb;
		}
		size_t k = fread(buf + len, 1, cap - len, f);
		len += k;
		if (k == 0) {
			if (ferror(f)) {
				diag_error(d, path, 0, "read error");
				rc = DX_EIO;
			}
			break;
		}
	}
	fclose(f);
	if (rc == 0)
		rc = allowlist_parse(l, buf ? buf : "", len, path, d);
	free(buf);
	if (rc < 0) {
		allowlist_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

char *
allowlist_format(const struct allowlist *l)
{
	static const char head[] = "# dnsxld allowlist (docs/allowlist.md): "
	    "NAME CIDR [zone=ZONE] [paused]\n"
	    "# Written by dnsxld; edit with `dnsxl acl ...`.\n";
	size_t cap = sizeof(head) + (size_t)allowlist_count(l) *
	    (AL_NAME_MAX + AL_ZONE_MAX + 80);
	char *out = malloc(cap), *p = out;
	if (!out)
		return NULL;
	p += snprintf(p, cap, "%s", head);
	for (unsigned i = 0; i < allowlist_count(l); i++) {
		const struct al_entry *e = &l->e[i];
		char c[64];
		allowlist_cidr_text(e, c, sizeof(c));
		p += snprintf(p, cap - (size_t)(p - out), "%s %s%s%s%s\n",
		    e->name, c, e->zone[0] ? " zone=" : "", e->zone,
		    e->paused ? " paused" : "");
	}
	return out;
}

int
allowlist_save(const struct allowlist *l, const char *path, char *err,
    size_t errlen)
{
	char *text = allowlist_format(l), *tmp = NULL, *dir = NULL;
	int fd = -1, rc = DX_EIO;
	size_t plen = strlen(path);

	if (!text || !(tmp = malloc(plen + 16)) || !(dir = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(text);
		free(tmp);
		return DX_ENOMEM;
	}
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	else
		strcpy(dir, ".");
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (off < len || fchmod(fd, 0640) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	/* The rename itself survives a crash only once the directory is on
	 * disk too. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(text);
	free(tmp);
	free(dir);
	return rc;
}

/* --- counters: append-only slots ---------------------------------------- */

#define AL_ENTRY_SLOTS 4096
#define AL_SCOPE_SLOTS 256
#define AL_RETIRE_SECS 2

struct al_slot {
	char name[AL_NAME_MAX + 1];
	char scope[AL_ZONE_MAX + 1];
	_Atomic uint64_t n;
};

static struct al_slot entry_slots[AL_ENTRY_SLOTS];
static struct al_slot scope_slots[AL_SCOPE_SLOTS];
static _Atomic unsigned nentry_slots, nscope_slots;
static pthread_mutex_t pub_mu = PTHREAD_MUTEX_INITIALIZER;

/* Under pub_mu. UINT32_MAX when the table is full (not counted). */
static uint32_t
slot_for(struct al_slot *t, _Atomic unsigned *nt, unsigned max,
    const char *name, const char *scope)
{
	unsigned n = atomic_load(nt);
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(t[i].name, name) && !strcmp(t[i].scope, scope))
			return i;
	if (n == max)
		return UINT32_MAX;
	snprintf(t[n].name, sizeof(t[n].name), "%s", name);
	snprintf(t[n].scope, sizeof(t[n].scope), "%s", scope);
	atomic_store(nt, n + 1);        /* publish the names, then count */
	return n;
}

int
allowlist_counters(int (*fn)(const char *kind, const char *name,
    const char *scope, uint64_t n, void *arg), void *arg)
{
	unsigned ne = atomic_load(&nentry_slots), ns = atomic_load(&nscope_slots);
	int rc;
	for (unsigned i = 0; i < ne; i++)
		if ((rc = fn("allowed", entry_slots[i].name, entry_slots[i].scope,
		    atomic_load_explicit(&entry_slots[i].n,
		    memory_order_relaxed), arg)) != 0)
			return rc;
	for (unsigned i = 0; i < ns; i++)
		if ((rc = fn("denied", NULL, scope_slots[i].scope,
		    atomic_load_explicit(&scope_slots[i].n,
		    memory_order_relaxed), arg)) != 0)
			return rc;
	return 0;
}

uint64_t
allowlist_denied_total(void)
{
	uint64_t t = 0;
	unsigned ns = atomic_load(&nscope_slots);
	for (unsigned i = 0; i < ns; i++)
		t += atomic_load_explicit(&scope_slots[i].n,
		    memory_order_relaxed);
	return t;
}

/* --- the published map ---------------------------------------------------- */

struct al_scope {
	char zone[AL_ZONE_MAX + 1];     /* "" = global */
	struct lpm *v4, *v6;            /* values: entry slots */
	uint32_t slot;                  /* scope counter slot */
};

struct al_map {
	unsigned nscopes;
	struct al_scope *scopes;        /* only scopes with an active entry */
	int global;                     /* index in scopes, -1 none */
	struct al_map *retired_next;
	struct timespec retired_at;
};

static _Atomic(struct al_map *) current;
static struct al_map *retired;

static void
map_free(struct al_map *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nscopes; i++) {
		lpm_free(m->scopes[i].v4);
		lpm_free(m->scopes[i].v6);
	}
	free(m->scopes);
	free(m);
}

static int
scope_build(struct al_scope *sc, const struct allowlist *l)
{
	struct lpm_builder *b4 = NULL, *b6 = NULL;
	if (lpm_builder_new(4, &b4) < 0 || lpm_builder_new(6, &b6) < 0) {
		lpm_builder_free(b4);
		lpm_builder_free(b6);
		return DX_ENOMEM;
	}
	for (unsigned i = 0; i < l->n; i++) {
		const struct al_entry *e = &l->e[i];
		if (e->paused || strcmp(e->zone, sc->zone) != 0)
			continue;
		uint32_t slot = slot_for(entry_slots, &nentry_slots,
		    AL_ENTRY_SLOTS, e->name, e->zone);
		/* A full slot table still lets the entry allow; it is just
		 * not counted (LPM_NONE would deny). */
		int rc = lpm_builder_add(e->family == 4 ? b4 : b6, e->addr,
		    e->plen, slot == UINT32_MAX ? UINT32_MAX - 1 : slot);
		if (rc < 0 && rc != DX_EEXIST) {
			lpm_builder_free(b4);
			lpm_builder_free(b6);
			return rc;
		}
	}
	int rc = lpm_build(b4, &sc->v4);
	int rc6 = lpm_build(b6, &sc->v6);
	return rc < 0 ? rc : rc6;
}

int
allowlist_publish(const struct allowlist *l)
{
	struct al_map *m = calloc(1, sizeof(*m));
	int rc = 0;

	if (!m)
		return DX_ENOMEM;
	m->global = -1;
	m->scopes = calloc(allowlist_count(l) + 1, sizeof(*m->scopes));
	if (!m->scopes) {
		free(m);
		return DX_ENOMEM;
	}
	pthread_mutex_lock(&pub_mu);
	for (unsigned i = 0; i < allowlist_count(l) && rc == 0; i++) {
		const struct al_entry *e = &l->e[i];
		unsigned j;
		if (e->paused)
			continue;
		for (j = 0; j < m->nscopes; j++)
			if (!strcmp(m->scopes[j].zone, e->zone))
				break;
		if (j < m->nscopes)
			continue;
		struct al_scope *sc = &m->scopes[m->nscopes++];
		snprintf(sc->zone, sizeof(sc->zone), "%s", e->zone);
		sc->slot = slot_for(scope_slots, &nscope_slots, AL_SCOPE_SLOTS,
		    "", e->zone);
		if (!e->zone[0])
			m->global = (int)j;
		rc = scope_build(sc, l);
	}
	if (rc < 0) {
		pthread_mutex_unlock(&pub_mu);
		map_free(m);
		return rc;
	}
	struct al_map *old = atomic_exchange(&current, m);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Free what was retired long enough ago: a query holds a map for
	 * microseconds, never seconds. */
	for (struct al_map **pp = &retired; *pp;) {
		struct al_map *r = *pp;
		if (now.tv_sec - r->retired_at.tv_sec >= AL_RETIRE_SECS) {
			*pp = r->retired_next;
			map_free(r);
		} else {
			pp = &r->retired_next;
		}
	}
	if (old) {
		old->retired_at = now;
		old->retired_next = retired;
		retired = old;
	}
	pthread_mutex_unlock(&pub_mu);
	return 0;
}

void
allowlist_shutdown(void)
{
	pthread_mutex_lock(&pub_mu);
	map_free(atomic_exchange(&current, NULL));
	while (retired) {
		struct al_map *r = retired;
		retired = r->retired_next;
		map_free(r);
	}
	pthread_mutex_unlock(&pub_mu);
}

static enum al_verdict
deny_action(const struct config *cfg, const char *zone, uint32_t *code)
{
	int act = cfg ? cfg->allowlist_action : CFG_AL_REFUSE;
	uint32_t c = cfg ? cfg->allowlist_code : 0x7ffffffe;
	for (unsigned i = 0; cfg && zone && i < cfg->nzones; i++)
		if (cfg->zones[i].allowlist_action != CFG_AL_INHERIT &&
		    strcmp(cfg->zones[i].name, zone) == 0) {
			act = cfg->zones[i].allowlist_action;
			if (act == CFG_AL_CODE && cfg->zones[i].allowlist_code)
				c = cfg->zones[i].allowlist_code;
			break;
		}
	if (code)
		*code = c;
	return act == CFG_AL_DROP ? AL_DROP : act == CFG_AL_CODE ? AL_CODE :
	    AL_REFUSE;
}

enum al_verdict
allowlist_check(const struct config *cfg, const char *zone,
    const struct sockaddr *peer, uint32_t *code)
{
	const struct al_map *m = atomic_load_explicit(&current,
	    memory_order_acquire);
	if (!m || m->nscopes == 0 || !peer)
		return AL_PASS;
	const struct al_scope *sc = NULL;
	for (unsigned i = 0; zone && i < m->nscopes; i++)
		if ((int)i != m->global && !strcmp(m->scopes[i].zone, zone)) {
			sc = &m->scopes[i];
			break;
		}
	if (!sc) {
		if (m->global < 0)
			return AL_PASS;
		sc = &m->scopes[m->global];
	}
	uint32_t v = LPM_NONE;
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
		v = lpm_lookup4(sc->v4, ntohl(s4->sin_addr.s_addr), NULL);
	} else if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
		const uint8_t *a = s6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			v = lpm_lookup4(sc->v4, (uint32_t)a[12] << 24 |
			    (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15],
			    NULL);
		else
			v = lpm_lookup(sc->v6, a, NULL);
	}
	if (v != LPM_NONE) {
		if (v < AL_ENTRY_SLOTS)
			atomic_fetch_add_explicit(&entry_slots[v].n, 1,
			    memory_order_relaxed);
		return AL_PASS;
	}
	if (sc->slot < AL_SCOPE_SLOTS)
		atomic_fetch_add_explicit(&scope_slots[sc->slot].n, 1,
		    memory_order_relaxed);
	return deny_action(cfg, zone, code);
}

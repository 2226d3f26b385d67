/* control.c -- the control channel, server side: a UNIX socket served by
 * its own thread (one command line per connection), and the allowlist it
 * edits (docs/control.md, docs/allowlist.md).
 *
 *   dnsxl --line--> accept -> control_exec() -> reply lines, "ok" | "error: "
 *   acl edits:  clone the list -> edit -> save the file atomically
 *               -> allowlist_publish() -> the clone becomes the list
 *   (any failure before the save leaves list, file and map unchanged)
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "config.h"
#include "diag.h"
#include "errcode.h"
#include "log.h"
#include "reload.h"
#include "rrl.h"
#include "version.h"

#define CTL_LINE_MAX 2048
#define CTL_IO_SECS  5

/* Process-wide, like the published map: one daemon, one list. */
static pthread_mutex_t al_mu = PTHREAD_MUTEX_INITIALIZER;
static struct allowlist *al_list;       /* under al_mu */
static char *al_file;                   /* NULL = no allowlist configured */

static struct {
	int fd;                         /* listening socket, -1 none */
	int stop[2];                    /* self-pipe */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t tid;
	bool running;
	struct server *srv;
	struct reload *reload;
	int argc;
	char **argv;
	time_t started;
	uint32_t rrl_rate;
	unsigned rrl_slip;
} ctl = { -1, { -1, -1 }, "", 0, false, NULL, NULL, 0, NULL, 0, 0, 0 };

/* --- output buffer ---------------------------------------------------------- */

struct obuf {
	char *p;
	size_t len, cap;
};

static void ob_printf(struct obuf *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ob_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = o->cap - o->len;
		va_start(ap, fmt);
		int n = o->p ? vsnprintf(o->p + o->len, room, fmt, ap) : -1;
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap ? o->cap * 2 : 1024;
		while (n >= 0 && cap - o->len <= (size_t)n)
			cap *= 2;
		char *np = realloc(o->p, cap);
		if (!np)
			return;                 /* the reply is cut short */
		o->p = np;
		o->cap = cap;
	}
}

/* --- the allowlist ------------------------------------------------------------ */

/* The first error of a load, for the operator's reply. */
static void
first_error(void *arg, int is_error, const char *msg)
{
	char *buf = arg;
	if (is_error && !buf[0])
		snprintf(buf, 256, "%s", msg);
}

/* Under al_mu. */
static int
load_publish(char *msg, size_t msglen)
{
	struct allowlist *l = NULL;
	struct diag d;
	char first[256] = "";
	diag_init(&d);
	d.sink = first_error;
	d.sink_arg = first;
	int rc = allowlist_load(al_file, &d, &l);
	if (rc == 0 && (rc = allowlist_publish(l)) < 0)
		snprintf(first, sizeof(first), "%s", dx_strerror(rc));
	if (rc < 0) {
		allowlist_free(l);
		if (msg)
			snprintf(msg, msglen, "allowlist not loaded: %s", first);
		return rc;
	}
	allowlist_free(al_list);
	al_list = l;
	if (msg)
		snprintf(msg, msglen, "allowlist %s: %u entr%s", al_file,
		    allowlist_count(l), allowlist_count(l) == 1 ? "y" : "ies");
	return 0;
}

int
control_allowlist_init(const struct config *cfg)
{
	char msg[400];
	if (!cfg->allowlist_file)
		return 0;
	free(al_file);
	if (!(al_file = strdup(cfg->allowlist_file)))
		return DX_ENOMEM;
	pthread_mutex_lock(&al_mu);
	int rc = load_publish(msg, sizeof(msg));
	pthread_mutex_unlock(&al_mu);
	if (rc < 0)
		log_warnx("%s", msg);
	else
		log_info("%s", msg);
	return rc;
}

int
control_allowlist_reload(char *msg, size_t msglen)
{
	if (!al_file) {
		if (msg)
			snprintf(msg, msglen, "no allowlist configured");
		return 0;
	}
	char buf[400];
	pthread_mutex_lock(&al_mu);     /* not between an edit and its save */
	int rc = load_publish(buf, sizeof(buf));
	pthread_mutex_unlock(&al_mu);
	if (rc < 0)
		log_warnx("%s", buf);
	if (msg)
		snprintf(msg, msglen, "%s", buf);
	return rc;
}

/* Does the served config have zone z? Read again from the command line,
 * because the snapshot belongs to the reload thread. */
static int
zone_exists(const char *z, char *err, size_t errlen)
{
	struct config *cfg = NULL;
	struct diag d;
	diag_init(&d);
	if (!ctl.argv || config_from_args(ctl.argc, ctl.argv, &d, &cfg) != 0 ||
	    !cfg) {
		config_free(cfg);
		snprintf(err, errlen, "cannot read the config to check zone "
		    "\"%s\"", z);
		return DX_EIO;
	}
	size_t n = strlen(z);
	while (n > 0 && z[n - 1] == '.')
		n--;
	for (unsigned i = 0; i < cfg->nzones; i++)
		if (strlen(cfg->zones[i].name) == n &&
		    strncasecmp(cfg->zones[i].name, z, n) == 0) {
			config_free(cfg);
			return 0;
		}
	config_free(cfg);
	snprintf(err, errlen, "unknown zone \"%s\"", z);
	return DX_ENOENT;
}

static int
count_allowed(const char *kind, const char *name, const char *scope,
    uint64_t n, void *arg)
{
	const struct al_entry *e = arg;
	if (name && !strcmp(kind, "allowed") && !strcmp(name, e->name) &&
	    !strcmp(scope, e->zone))
		return (int)(n > 0x7fffffff ? 0x7fffffff : n) + 1;
	return 0;
}

static void
acl_list(struct obuf *o)
{
	pthread_mutex_lock(&al_mu);
	unsigned n = allowlist_count(al_list), active = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct al_entry *e = allowlist_entry(al_list, i);
		char c[64];
		allowlist_cidr_text(e, c, sizeof(c));
		int k = allowlist_counters(count_allowed, (void *)e);
		ob_printf(o, "%-24s %-32s %-24s %-6s %d\n", e->name, c,
		    e->zone[0] ? e->zone : "*", e->paused ? "paused" : "active",
		    k > 0 ? k - 1 : 0);
		active += !e->paused;
	}
	pthread_mutex_unlock(&al_mu);
	if (active == 0)
		ob_printf(o, "# no active entry: every client is allowed\n");
}

/* One edit of the list: argv as received after "acl". */
static int
acl_edit(int argc, char **argv, struct obuf *o, char *err, size_t errlen)
{
	const char *cmd = argv[0];
	static const struct {
		const char *cmd;
		int min, max;
		const char *usage;
	} forms[] = {
		{ "add", 3, 4, "acl add NAME CIDR [ZONE]" },
		{ "rename", 3, 3, "acl rename OLD NEW" },
		{ "set", 3, 3, "acl set NAME CIDR" },
		{ "pause", 2, 2, "acl pause NAME" },
		{ "resume", 2, 2, "acl resume NAME" },
		{ "delete", 2, 2, "acl delete NAME" },
	};
	size_t f;
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
		if (!strcmp(cmd, forms[f].cmd))
			break;
	if (f == sizeof(forms) / sizeof(forms[0])) {
		snprintf(err, errlen, "unknown command \"acl %s\" (list, add, "
		    "rename, set, pause, resume, delete)", cmd);
		return DX_EINVAL;
	}
	if (argc < forms[f].min || argc > forms[f].max) {
		snprintf(err, errlen, "usage: %s", forms[f].usage);
		return DX_EINVAL;
	}
	if (!al_file) {
		snprintf(err, errlen, "no allowlist configured (allowlist: "
		    "file: in the config)");
		return DX_EPERM;
	}
	if (f == 0 && argc == 4 && zone_exists(argv[3], err, errlen) < 0)
		return DX_ENOENT;

	int rc;
	pthread_mutex_lock(&al_mu);
	struct allowlist *l = allowlist_clone(al_list);
	if (!l) {
		pthread_mutex_unlock(&al_mu);
		snprintf(err, errlen, "out of memory");
		return DX_ENOMEM;
	}
	switch (f) {
	case 0:
		rc = allowlist_add(l, argv[1], argv[2], argc == 4 ? argv[3] :
		    NULL, err, errlen);
		break;
	case 1:
		rc = allowlist_rename(l, argv[1], argv[2], err, errlen);
		break;
	case 2:
		rc = allowlist_set(l, argv[1], argv[2], err, errlen);
		break;
	case 3:
	case 4:
		rc = allowlist_pause(l, argv[1], f == 3, err, errlen);
		break;
	default:
		rc = allowlist_delete(l, argv[1], err, errlen);
		break;
	}
	if (rc == 0)
		rc = allowlist_save(l, al_file, err, errlen);
	if (rc == 0 && (rc = allowlist_publish(l)) < 0)
		snprintf(err, errlen, "saved, but not applied: %s",
		    dx_strerror(rc));
	if (rc == 0) {
		allowlist_free(al_list);
		al_list = l;
		static const char *const done[] = { "added", "renamed",
		    "changed", "paused", "resumed", "deleted" };
		int i = allowlist_find(l, f == 1 ? argv[2] : argv[1]);
		char c[64] = "";
		if (i >= 0)
			allowlist_cidr_text(allowlist_entry(l, (unsigned)i), c,
			    sizeof(c));
		ob_printf(o, "%s %s%s%s\n", done[f], f == 1 ? argv[2] :
		    argv[1], c[0] ? " " : "", c);
		log_info("control: acl %s %s", cmd, argv[1]);
	} else {
		allowlist_free(l);
	}
	pthread_mutex_unlock(&al_mu);
	return rc;
}

/* --- status, stats, reload ------------------------------------------------- */

struct ds_arg {
	struct obuf *o;
	time_t now;
};

/* One "dataset NAME type T entries N version V age S" line; "-" when the
 * source has no version or no known time. */
static void
ds_line(const struct reload_dataset *d, void *arg)
{
	struct ds_arg *a = arg;
	char age[32] = "-";
	if (d->mtime)
		snprintf(age, sizeof(age), "%lld", a->now > d->mtime ?
		    (long long)(a->now - d->mtime) : 0LL);
	ob_printf(a->o, "dataset %s type %s entries %zu version %s age %s\n",
	    d->name[0] ? d->name : "-", d->type, d->entries,
	    d->version && d->version[0] ? d->version : "-", age);
}

static void
do_status(struct obuf *o)
{
	ob_printf(o, "version %s\n", DNSXL_VERSION);
	ob_printf(o, "uptime %lld\n", (long long)(time(NULL) - ctl.started));
	if (ctl.reload) {
		struct reload_status st;
		reload_status(ctl.reload, &st);
		ob_printf(o, "zones %u\n", st.nzones);
		ob_printf(o, "loaded %lld\n", (long long)st.loaded_time);
		ob_printf(o, "last-reload %s\n", st.last_time == 0 ? "none" :
		    st.last_ok ? "ok" : "failed");
		struct ds_arg da = { o, time(NULL) };
		reload_datasets(ctl.reload, ds_line, &da);
	}
	pthread_mutex_lock(&al_mu);
	unsigned n = allowlist_count(al_list), paused = 0;
	for (unsigned i = 0; i < n; i++)
		paused += allowlist_entry(al_list, i)->paused;
	pthread_mutex_unlock(&al_mu);
	if (al_file)
		ob_printf(o, "allowlist %s entries %u active %u paused %u\n",
		    al_file, n, n - paused, paused);
	else
		ob_printf(o, "allowlist none\n");
	if (ctl.rrl_rate)
		ob_printf(o, "rrl rate %u slip %u\n", ctl.rrl_rate,
		    ctl.rrl_slip);
	else
		ob_printf(o, "rrl off\n");
}

static int
stat_line(const char *kind, const char *name, const char *scope, uint64_t n,
    void *arg)
{
	if (name)
		ob_printf(arg, "allowlist.%s %s %s %llu\n", kind, name,
		    scope[0] ? scope : "*", (unsigned long long)n);
	else
		ob_printf(arg, "allowlist.%s %s %llu\n", kind,
		    scope[0] ? scope : "*", (unsigned long long)n);
	return 0;
}

static void
do_stats(struct obuf *o)
{
	struct rrl_stats rs;
	if (ctl.reload) {
		struct reload_status st;
		reload_status(ctl.reload, &st);
		ob_printf(o, "reload.ok %llu\nreload.failed %llu\n",
		    (unsigned long long)st.ok, (unsigned long long)st.failed);
	}
	allowlist_counters(stat_line, o);
	rrl_stats(&rs);
	ob_printf(o, "rrl.passed %llu\nrrl.dropped %llu\nrrl.slipped %llu\n"
	    "rrl.exempt %llu\n", (unsigned long long)rs.passed,
	    (unsigned long long)rs.dropped, (unsigned long long)rs.slipped,
	    (unsigned long long)rs.exempt);
}

static int
prom_line(const char *kind, const char *name, const char *scope, uint64_t n,
    void *arg)
{
	/* Names and zone names hold no quote or backslash (checked on input). */
	if (name)
		ob_printf(arg, "dnsxld_allowlist_%s_total{entry=\"%s\",scope="
		    "\"%s\"} %llu\n", kind, name, scope[0] ? scope : "*",
		    (unsigned long long)n);
	else
		ob_printf(arg, "dnsxld_allowlist_%s_total{scope=\"%s\"} %llu\n",
		    kind, scope[0] ? scope : "*", (unsigned long long)n);
	return 0;
}

char *
control_metrics_text(size_t *len)
{
	struct obuf o = { NULL, 0, 0 };
	struct rrl_stats rs;
	ob_printf(&o, "# HELP dnsxld_allowlist_allowed_total Queries an "
	    "allowlist entry let in.\n"
	    "# TYPE dnsxld_allowlist_allowed_total counter\n"
	    "# HELP dnsxld_allowlist_denied_total Queries the allowlist "
	    "denied, by scope.\n"
	    "# TYPE dnsxld_allowlist_denied_total counter\n");
	allowlist_counters(prom_line, &o);
	rrl_stats(&rs);
	ob_printf(&o, "# HELP dnsxld_rrl_responses_total UDP answers seen by "
	    "rate limiting, by outcome.\n"
	    "# TYPE dnsxld_rrl_responses_total counter\n"
	    "dnsxld_rrl_responses_total{action=\"passed\"} %llu\n"
	    "dnsxld_rrl_responses_total{action=\"dropped\"} %llu\n"
	    "dnsxld_rrl_responses_total{action=\"slipped\"} %llu\n"
	    "dnsxld_rrl_responses_total{action=\"exempt\"} %llu\n",
	    (unsigned long long)rs.passed, (unsigned long long)rs.dropped,
	    (unsigned long long)rs.slipped, (unsigned long long)rs.exempt);
	*len = o.p ? o.len : 0;
	return o.p;
}

static int
do_reload(bool force, struct obuf *o, char *err, size_t errlen)
{
	char msg[400];
	if (control_allowlist_reload(msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s", msg);
		return DX_EINVAL;
	}
	ob_printf(o, "%s\n", msg);
	if (!ctl.reload)
		return 0;
	int rc = reload_now(ctl.reload, force ? RELOAD_FORCE : RELOAD_ALWAYS,
	    msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "%s", msg[0] ? msg : dx_strerror(rc));
		return rc;
	}
	ob_printf(o, "%s\n", msg);
	return 0;
}

/* --- one command ------------------------------------------------------------- */

void
control_exec(const char *line, char **out, size_t *outlen)
{
	struct obuf o = { NULL, 0, 0 };
	char buf[CTL_LINE_MAX], err[512] = "", *argv[8], *save = NULL;
	int argc = 0, rc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " \t\r\n", &save); t;
	    t = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == 8) {
			snprintf(err, sizeof(err), "too many words");
			rc = DX_EINVAL;
			break;
		}
		argv[argc++] = t;
	}
	if (rc == 0 && argc == 0) {
		snprintf(err, sizeof(err), "empty command");
		rc = DX_EINVAL;
	} else if (rc == 0 && !strcmp(argv[0], "acl")) {
		if (argc == 1) {
			snprintf(err, sizeof(err), "usage: acl list|add|rename|"
			    "set|pause|resume|delete ...");
			rc = DX_EINVAL;
		} else if (!strcmp(argv[1], "list")) {
			if (argc == 2) {
				acl_list(&o);
			} else {
				snprintf(err, sizeof(err), "usage: acl list");
				rc = DX_EINVAL;
			}
		} else {
			rc = acl_edit(argc - 1, argv + 1, &o, err, sizeof(err));
		}
	} else if (rc == 0 && !strcmp(argv[0], "reload") && (argc == 1 ||
	    (argc == 2 && !strcmp(argv[1], "force")))) {
		rc = do_reload(argc == 2, &o, err, sizeof(err));
	} else if (rc == 0 && !strcmp(argv[0], "status") && argc == 1) {
		do_status(&o);
	} else if (rc == 0 && !strcmp(argv[0], "stats") && argc == 1) {
		do_stats(&o);
	} else if (rc == 0) {
		snprintf(err, sizeof(err), "unknown command \"%s\" (acl, "
		    "reload [force], status, stats)", argv[0]);
		rc = DX_EINVAL;
	}
	if (rc < 0)
		ob_printf(&o, "error: %s\n", err);
	else
		ob_printf(&o, "ok\n");
	*out = o.p;
	*outlen = o.p ? o.len : 0;
}

/* --- the socket ----------------------------------------------------------------- */

int
control_bind(const struct config *cfg, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	const char *path = cfg->control_socket;
	if (!path)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return DX_EINVAL;
	}
	strcpy(sun.sun_path, path);
	/* The directory (/run/dnsxld) may not exist yet after a boot. */
	char dir[sizeof(sun.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) == 0 && uid != (uid_t)-1 &&
		    chown(dir, uid, gid) < 0)
			log_warn("chown %s", dir);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("control socket");
		return DX_EIO;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("control socket %s: in use by a running daemon", path);
		close(fd);
		return DX_EIO;
	}
	unlink(path);                   /* a stale socket from a crash */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		log_warn("control socket %s", path);
		close(fd);
		return DX_EIO;
	}
	if (uid != (uid_t)-1 && chown(path, uid, gid) < 0) {
		log_warn("chown %s", path);
		close(fd);
		unlink(path);
		return DX_EIO;
	}
	ctl.fd = fd;
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	ctl.rrl_rate = cfg->rrl_rate;
	ctl.rrl_slip = cfg->rrl_slip;
	return 0;
}

static void
serve_one(int fd)
{
	struct timeval tv = { CTL_IO_SECS, 0 };
	char line[CTL_LINE_MAX];
	size_t len = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The socket's mode already keeps others out; this holds even if
	 * someone loosens it: only root and the daemon's own user. */
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	memset(&cr, 0, sizeof(cr));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		static const char pd[] = "error: permission denied\n";
		log_warnx("control: refused a client (uid %ld)", (long)cr.uid);
		if (write(fd, pd, sizeof(pd) - 1) < 0)
			log_debug("control: write: %s", strerror(errno));
		return;
	}
	while (len < sizeof(line) - 1) {
		ssize_t k = read(fd, line + len, sizeof(line) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	char *nl = strchr(line, '\n');
	if (!nl && len == sizeof(line) - 1) {
		static const char tl[] = "error: command too long\n";
		if (write(fd, tl, sizeof(tl) - 1) < 0)
			log_debug("control: write: %s", strerror(errno));
		return;
	}
	if (nl)
		*nl = '\0';
	char *out = NULL;
	size_t outlen = 0, off = 0;
	control_exec(line, &out, &outlen);
	while (off < outlen) {
		ssize_t k = write(fd, out + off, outlen - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	free(out);
}

static void *
control_main(void *arg)
{
	struct pollfd p[2] = { { ctl.fd, POLLIN, 0 }, { ctl.stop[0], POLLIN, 0 } };
	pthread_setname_np(pthread_self(), "control");
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("control: poll");
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int c = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			serve_one(c);
			close(c);
		}
	}
	return NULL;
}

int
control_start(struct server *srv, struct reload *r, int argc, char **argv)
{
	ctl.srv = srv;
	ctl.reload = r;
	ctl.argc = argc;
	ctl.argv = argv;
	ctl.started = time(NULL);
	if (ctl.fd < 0)
		return 0;
	if (pipe2(ctl.stop, O_CLOEXEC) < 0) {
		log_warn("control: pipe");
		return DX_EIO;
	}
	if (pthread_create(&ctl.tid, NULL, control_main, NULL) != 0) {
		log_warnx("control: cannot start its thread");
		return DX_ENOMEM;
	}
	ctl.running = true;
	log_info("control socket %s", ctl.path);
	return 0;
}

void
control_stop(void)
{
	if (ctl.running) {
		if (write(ctl.stop[1], "x", 1) != 1)
			log_warn("control: stop");
		pthread_join(ctl.tid, NULL);
		ctl.running = false;
	}
	for (int i = 0; i < 2; i++)
		if (ctl.stop[i] >= 0) {
			close(ctl.stop[i]);
			ctl.stop[i] = -1;
		}
	if (ctl.fd >= 0) {
		close(ctl.fd);
		ctl.fd = -1;
		if (ctl.path[0] && unlink(ctl.path) < 0 && errno != ENOENT)
			log_warn("unlink %s", ctl.path);
	}
	pthread_mutex_lock(&al_mu);
	allowlist_free(al_list);
	al_list = NULL;
	pthread_mutex_unlock(&al_mu);
	free(al_file);
	al_file = NULL;
	allowlist_shutdown();
}

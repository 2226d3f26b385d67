/* dnsxld.c -- the DNSxL server: command line, bind, drop privileges, load,
 * then the serving loop. (-w is applied by the config parser, which
 * prefixes relative data paths with it; after -r they resolve in the jail.)
 *
 * Order (as rbldnsd): parse -> bind every socket -> fork to the background
 * unless -n (the parent waits for the child's "loaded" word, so load errors
 * still reach the terminal and the exit status) -> pidfile -> chroot (-r) ->
 * setuid (-u) -> build the snapshot -> serve. Reloads run on their own
 * thread (reload.c); statistics, the query log, /metrics and sd_notify
 * are wired here.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "diag.h"
#include "dump.h"
#include "errcode.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "querylog.h"
#include "reload.h"
#include "reload_prio.h"
#include "sdnotify.h"
#include "server.h"
#include "snapshot.h"
#include "spf_resolve.h"
#include "stats.h"
#include "version.h"
#include "xfr.h"

#define WATCH_SETTLE_MS 500     /* a changed file must be quiet this long */

/* What the main thread keeps once the config belongs to the server. */
struct daemon_ctx {
	struct reload *reload;
	char *statsfile;            /* -s, NULL = none */
};

/* Around each publish (reload thread): the transfer history, NOTIFY. */
static int
xfr_hook(void *arg, struct snapshot *s, struct config *cfg)
{
	return xfr_prepare(s, cfg);
}

static void
notify_hook(void *arg, const struct snapshot *s, const struct config *cfg)
{
	notify_send(s, cfg);
}

/* SIGHUP and the -c timer (main thread): never build here, only ask the
 * reload thread, so the signal loop stays free. */
static void
reload_hook(struct server *srv, enum server_reload_why why, void *arg)
{
	struct daemon_ctx *dc = arg;
	if (why == SERVER_RELOAD_SIGHUP) {
		querylog_reopen();
		control_allowlist_reload(NULL, 0);
		reload_request(dc->reload, RELOAD_ALWAYS);
		return;
	}
	/* an spf dataset due for resolving has no file that changed */
	reload_request(dc->reload, spf_refresh_wait((long)time(NULL)) == 0 ?
	    RELOAD_ALWAYS : RELOAD_IF_CHANGED);
	if (dc->statsfile)
		stats_file_write(dc->statsfile, false);
}

/* The check timer also drives the spf refresh: tick at least once a
 * minute, or sooner when the first resolution is due sooner. */
static uint32_t
spf_tick(uint32_t interval)
{
	long w = spf_refresh_wait((long)time(NULL));

	if (w < 0)
		return interval;        /* no spf dataset */
	if (w > 60)
		w = 60;
	if (w < 1)
		w = 1;
	return interval && interval < (uint32_t)w ? interval : (uint32_t)w;
}

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		log_warn("pidfile %s", path);
		return DX_EIO;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0) {
		log_warn("pidfile %s", path);
		return DX_EIO;
	}
	return 0;
}

/* Fork; the parent waits for one status byte from the child and exits
 * with it. Returns the write end of the status pipe in the child. */
static int
daemonize(void)
{
	int p[2];
	if (pipe(p) < 0) {
		log_warn("pipe");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_warn("fork");
		return -1;
	}
	if (pid > 0) {
		unsigned char st = 1;
		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void
tell_parent(int fd, unsigned char st)
{
	if (fd < 0)
		return;
	if (write(fd, &st, 1) != 1)
		log_warn("status pipe");
	close(fd);
}

/* Resolve -u before chroot (the passwd file is outside it). */
static int
lookup_user(const struct config *cfg, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(cfg->user);
	if (!pw) {
		log_warnx("unknown user %s", cfg->user);
		return DX_EINVAL;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg->group) {
		struct group *gr = getgrnam(cfg->group);
		if (!gr) {
			log_warnx("unknown group %s", cfg->group);
			return DX_EINVAL;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static int
drop_privileges(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_warn("dropping privileges to %u:%u", (unsigned)uid,
		    (unsigned)gid);
		return DX_EPERM;
	}
	return 0;
}

static void
to_dev_null(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct daemon_ctx dc = { NULL, NULL };
	struct config *cfg = NULL;
	struct server *srv = NULL;
	struct diag d;
	uid_t uid = 0;
	gid_t gid = 0;
	int status_fd = -1, rc;

	log_set_progname("dnsxld");
	/* A SIGTERM or SIGHUP during start-up (a long load) waits for
	 * server_run()'s handlers instead of killing us half-way. */
	sigset_t early;
	sigemptyset(&early);
	sigaddset(&early, SIGTERM);
	sigaddset(&early, SIGINT);
	sigaddset(&early, SIGHUP);
	sigprocmask(SIG_BLOCK, &early, NULL);
	diag_init(&d);
	rc = config_from_args(argc, argv, &d, &cfg);
	if (rc == 1)
		return 0;               /* --help or --version printed */
	if (rc != 0 || !cfg) {
		log_warnx("usage: dnsxld [options] zone:type:file[,file...] ...");
		return 2;
	}
	if (cfg->dump) {                /* -d: print the zones and exit */
		struct snapshot *snap = NULL;
		rc = snapshot_build(cfg, &d, &snap);
		if (rc == 0)
			rc = dump_snapshot(stdout, snap, NULL, cfg->dump_limit, &d);
		snapshot_free(snap);
		config_free(cfg);
		return rc < 0 ? 1 : 0;
	}
	if (cfg->nlisten == 0) {
		log_warnx("no listening address: give -b addr/port or "
		    "server.listen");
		config_free(cfg);
		return 2;
	}
	if (cfg->log_syslog)
		log_to_syslog("dnsxld", LOG_DAEMON);
	if (cfg->user && lookup_user(cfg, &uid, &gid) < 0) {
		config_free(cfg);
		return 1;
	}
	if ((rc = server_new(cfg, &srv)) < 0) {
		log_warnx("cannot listen: %s", dx_strerror(rc));
		config_free(cfg);
		return 1;
	}
	/* Sockets that need privileges or the full file system: before
	 * fork, chroot and setuid. */
	if (cfg->metrics_listen && metrics_bind(cfg->metrics_listen) < 0)
		goto fail;
	if (control_bind(cfg, cfg->user ? uid : (uid_t)-1, gid) < 0)
		goto fail;
	sdnotify_init();
	if (!cfg->foreground && (status_fd = daemonize()) < 0)
		goto fail;
	if (cfg->pidfile && write_pidfile(cfg->pidfile) < 0)
		goto fail;
	if (cfg->chroot_dir && (chroot(cfg->chroot_dir) < 0 ||
	    chdir("/") < 0)) {
		log_warn("chroot %s", cfg->chroot_dir);
		goto fail;
	}
	reload_prio_init();     /* while root: let builds leave SCHED_IDLE */
	if (cfg->user && drop_privileges(uid, gid) < 0)
		goto fail;
	if (control_allowlist_init(cfg) < 0)
		goto fail;

	unsigned nw = server_workers(srv);
	uint32_t interval = cfg->check_interval;
	bool observe = cfg->metrics_listen || cfg->statsfile || cfg->querylog;
	char *pidfile = cfg->pidfile && !cfg->chroot_dir ?
	    strdup(cfg->pidfile) : NULL;
	dc.statsfile = cfg->statsfile ? strdup(cfg->statsfile) : NULL;
	if (stats_init(nw) < 0 ||
	    reload_new(srv, argc, argv, cfg->no_watch ? 0 : WATCH_SETTLE_MS,
	    &dc.reload) < 0)
		goto fail;
	if (cfg->querylog && querylog_open(cfg->querylog, nw) < 0)
		goto fail;
	reload_set_hooks(dc.reload, xfr_hook, notify_hook, NULL);
	if (cfg->quick) {
		/* -q: serve at once (SERVFAIL until loaded, as rbldnsd); the
		 * reload thread does the first load, and a failed one is
		 * retried on the next trigger (SIGHUP, -c, a changed file). */
		config_free(cfg);
		cfg = NULL;
		reload_request(dc.reload, RELOAD_ALWAYS);
		log_info("dnsxld %s: quick start, loading in the background",
		    DNSXL_VERSION);
	} else {
		rc = reload_initial(dc.reload, cfg);    /* owns cfg now */
		cfg = NULL;
		if (rc != 0) {
			log_warnx("data not loaded");
			goto fail;
		}
		log_info("dnsxld %s: %u zone%s loaded", DNSXL_VERSION,
		    snapshot_zone_count(server_snapshot(srv)),
		    snapshot_zone_count(server_snapshot(srv)) == 1 ? "" : "s");
	}
	interval = spf_tick(interval);
	server_set_reload(srv, reload_hook, &dc, interval);
	if (observe)
		server_set_observer(srv, stats_observe, NULL);
	if (status_fd >= 0) {
		log_to_syslog("dnsxld", LOG_DAEMON);
		tell_parent(status_fd, 0);
		status_fd = -1;
		to_dev_null();
	}
	if (reload_start(dc.reload) < 0 || metrics_start(dc.reload, nw) < 0 ||
	    control_start(srv, dc.reload, argc, argv) < 0)
		goto fail;
	if (dc.statsfile)
		stats_file_write(dc.statsfile, true);
	sdnotify("READY=1");
	rc = server_run(srv);
	sdnotify("STOPPING=1");
	log_info("shutting down");
	control_stop();
	if (dc.statsfile) {
		stats_file_write(dc.statsfile, false);
		stats_file_write(dc.statsfile, true);
	}
	metrics_stop();
	reload_free(dc.reload);
	querylog_close();
	if (pidfile && unlink(pidfile) < 0 && errno != ENOENT)
		log_warn("unlink %s", pidfile);
	free(pidfile);
	free(dc.statsfile);
	server_free(srv);
	stats_free();
	sdnotify_close();
	xfr_shutdown();
	return rc == 0 ? 0 : 1;

fail:
	tell_parent(status_fd, 1);
	control_stop();
	metrics_stop();
	reload_free(dc.reload);
	querylog_close();
	free(dc.statsfile);
	server_free(srv);
	config_free(cfg);
	return 1;
}

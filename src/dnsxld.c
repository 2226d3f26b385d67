/* dnsxld.c -- the DNSxL server: command line, bind, drop privileges, load,
 * then the serving loop. (-w is applied by the config parser, which
 * prefixes relative data paths with it; after -r they resolve in the jail.)
 *
 * Order (as rbldnsd): parse -> bind every socket -> fork to the background
 * unless -n (the parent waits for the child's "loaded" word, so load errors
 * still reach the terminal and the exit status) -> pidfile -> chroot (-r) ->
 * setuid (-u) -> build the snapshot -> serve.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
#include "diag.h"
#include "dump.h"
#include "errcode.h"
#include "log.h"
#include "notify.h"
#include "server.h"
#include "snapshot.h"
#include "version.h"
#include "xfr.h"

struct daemon_ctx {
	int argc;
	char **argv;
	time_t newest;              /* newest data file mtime at last load */
};

/* Newest mtime of every data file named by cfg (0 if none readable). */
static time_t
newest_mtime(const struct config *cfg)
{
	time_t t = 0;
	for (unsigned i = 0; i < cfg->ndatasets; i++)
		for (unsigned j = 0; j < cfg->datasets[i].nfiles; j++) {
			struct stat st;
			if (stat(cfg->datasets[i].files[j], &st) == 0 &&
			    st.st_mtime > t)
				t = st.st_mtime;
		}
	if (cfg->path) {
		struct stat st;
		if (stat(cfg->path, &st) == 0 && st.st_mtime > t)
			t = st.st_mtime;
	}
	return t;
}

/* Parse the command line again and build a new snapshot; on any error
 * keep serving the old one. Runs on the main thread. */
static void
reload(struct server *srv, enum server_reload_why why, void *arg)
{
	struct daemon_ctx *dc = arg;
	struct config *cfg = NULL;
	struct snapshot *snap = NULL;
	struct diag d;

	diag_init(&d);
	if (config_from_args(dc->argc, dc->argv, &d, &cfg) != 0) {
		log_warnx("reload: config error, keeping the loaded data");
		config_free(cfg);
		return;
	}
	time_t newest = newest_mtime(cfg);
	if (why == SERVER_RELOAD_TIMER && newest == dc->newest) {
		config_free(cfg);
		return;
	}
	if (snapshot_build(cfg, &d, &snap) != 0) {
		log_warnx("reload: %u error%s, keeping the loaded data",
		    d.errors, d.errors == 1 ? "" : "s");
		snapshot_free(snap);
		config_free(cfg);
		return;
	}
	dc->newest = newest;
	if (xfr_prepare(snap, cfg) < 0)
		log_warnx("reload: out of memory for the transfer history");
	server_publish(srv, snap, cfg);
	notify_send(server_snapshot(srv), snapshot_config(server_snapshot(srv)));
	log_info("reloaded: %u zone%s", snapshot_zone_count(snap),
	    snapshot_zone_count(snap) == 1 ? "" : "s");
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
	struct daemon_ctx dc = { argc, argv, 0 };
	struct config *cfg = NULL;
	struct snapshot *snap = NULL;
	struct server *srv = NULL;
	struct diag d;
	uid_t uid = 0;
	gid_t gid = 0;
	int status_fd = -1, rc;

	log_set_progname("dnsxld");
	diag_init(&d);
	rc = config_from_args(argc, argv, &d, &cfg);
	if (rc == 1)
		return 0;               /* --help or --version printed */
	if (rc != 0 || !cfg) {
		log_warnx("usage: dnsxld [options] zone:type:file[,file...] ...");
		return 2;
	}
	if (cfg->dump) {                /* -d: print the zones and exit */
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
	if (cfg->user && lookup_user(cfg, &uid, &gid) < 0) {
		config_free(cfg);
		return 1;
	}
	if ((rc = server_new(cfg, &srv)) < 0) {
		log_warnx("cannot listen: %s", dx_strerror(rc));
		config_free(cfg);
		return 1;
	}
	if (!cfg->foreground && (status_fd = daemonize()) < 0)
		goto fail;
	if (cfg->pidfile && write_pidfile(cfg->pidfile) < 0)
		goto fail;
	if (cfg->chroot_dir && (chroot(cfg->chroot_dir) < 0 ||
	    chdir("/") < 0)) {
		log_warn("chroot %s", cfg->chroot_dir);
		goto fail;
	}
	if (cfg->user && drop_privileges(uid, gid) < 0)
		goto fail;

	dc.newest = newest_mtime(cfg);
	if (snapshot_build(cfg, &d, &snap) != 0) {
		log_warnx("data not loaded: %u error%s", d.errors,
		    d.errors == 1 ? "" : "s");
		snapshot_free(snap);
		goto fail;
	}
	log_info("dnsxld %s: %u zone%s loaded", DNSXL_VERSION,
	    snapshot_zone_count(snap), snapshot_zone_count(snap) == 1 ? "" : "s");
	uint32_t interval = cfg->check_interval;
	char *pidfile = cfg->pidfile && !cfg->chroot_dir ?
	    strdup(cfg->pidfile) : NULL;
	if (xfr_prepare(snap, cfg) < 0)
		log_warnx("out of memory for the transfer history");
	server_publish(srv, snap, cfg);         /* the server owns both now */
	notify_send(server_snapshot(srv), snapshot_config(server_snapshot(srv)));
	cfg = NULL;
	server_set_reload(srv, reload, &dc, interval);
	if (status_fd >= 0) {
		log_to_syslog("dnsxld", LOG_DAEMON);
		tell_parent(status_fd, 0);
		status_fd = -1;
		to_dev_null();
	}
	rc = server_run(srv);
	if (pidfile && unlink(pidfile) < 0 && errno != ENOENT)
		log_warn("unlink %s", pidfile);
	free(pidfile);
	server_free(srv);
	xfr_shutdown();
	return rc == 0 ? 0 : 1;

fail:
	tell_parent(status_fd, 1);
	server_free(srv);
	config_free(cfg);
	return 1;
}

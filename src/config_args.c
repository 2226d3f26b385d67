/* config_args.c -- the rbldnsd-compatible command line (options and
 * zone:type:file specs, plus --config FILE) into a struct config.
 */
#include "config.h"
#include "config_internal.h"
#include "errcode.h"
#include "version.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_CONFIG = 256, OPT_HELP, OPT_VERSION, OPT_WORKERS, OPT_NO_TESTS,
	OPT_METRICS, OPT_SYSLOG, OPT_NO_WATCH };

static const char short_opts[] = ":b:46nu:r:w:t:c:p:l:s:qaAvedfC";
static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "no-rfc5782-tests", no_argument, NULL, OPT_NO_TESTS },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "no-watch", no_argument, NULL, OPT_NO_WATCH },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dnsxld [options] zone:type:file[,file...] ...\n"
"  --config FILE   read dnsxld.conf (YAML); command-line values override it\n"
"  -b addr[/port]  listen on addr (IPv4 or IPv6, default port 53); repeatable\n"
"  -4 | -6         IPv4 only | IPv6 only\n"
"  -n              stay in the foreground\n"
"  -u user[:group] run as user\n"
"  -r dir          chroot to dir\n"
"  -w dir          work directory (relative data files resolve there)\n"
"  -t def:min:max  default TTL and limits (units s m h d w; default 35m)\n"
"  -c interval     check data files for changes (default 1m, 0 = off)\n"
"  -p file         write the pid to file\n"
"  -l [+]file      log queries (+ unbuffered, - stdout)\n"
"  -s [+]file      write statistics (+ incremental)\n"
"  -q              quick start: load in background, load errors not fatal\n"
"  -a | -A         minimal responses | full authority section (default)\n"
"  -v              version.bind: name only; twice: refuse\n"
"  -e              allow host bits in CIDR ranges (127.2.3.4/24)\n"
"  -d              dump zones in BIND format and exit\n"
"  -f, -C          accepted for rbldnsd compatibility\n"
"  --workers N     worker threads (0 = one per core)\n"
"  --no-rfc5782-tests  do not serve the 127.0.0.2 / 127.0.0.1 test entries\n"
"  --metrics-listen addr@port  Prometheus /metrics over HTTP (default off)\n"
"  --syslog        log to syslog instead of stderr\n"
"  --no-watch      no inotify: notice changed files by -c polling only\n"
"  --help, --version\n"
"types: ip4set ip4tset ip4trie ip6trie ip6tset dnset generic combined acl\n"
"       azure-servicetags m365-endpoints (JSON feeds);\n"
"\":acl:file\" (empty zone) is a global acl.\n");
}

static int arg_error(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A command-line problem: no file:line to give. */
static int
arg_error(struct diag *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(d, NULL, 0, "%s", msg);
	return DX_EINVAL;
}

/* zone:type:file,file (empty zone with type acl: the global acl). */
static int
add_arg_spec(struct config *c, const char *spec, struct diag *d)
{
	const char *colon = strchr(spec, ':');
	char err[256], *zname;
	int idx, zi;

	if (colon == NULL)
		return arg_error(d, "bad zone spec \"%s\" (want "
		    "zone:type:file,...)", spec);
	if ((idx = config_spec_dataset(c, colon + 1, c->workdir, err,
	    sizeof(err))) < 0)
		return arg_error(d, "%s: %s", spec, err);
	if (colon == spec) {
		if (config_set_global_acl(c, idx, err, sizeof(err)) < 0)
			return arg_error(d, "%s: %s", spec, err);
		return 0;
	}
	zname = config_xstrndup(spec, (size_t)(colon - spec));
	{
		char *norm = config_zone_name_norm(zname, err, sizeof(err));
		free(zname);
		if (norm == NULL)
			return arg_error(d, "%s: %s", spec, err);
		zname = norm;
	}
	if ((zi = config_find_zone(c, zname)) >= 0)
		free(zname);	/* several specs for one zone: add in order */
	else
		zi = (int)(config_new_zone(c, zname) - c->zones);
	if (config_zone_add(c, &c->zones[zi], (unsigned)idx, err, sizeof(err)) < 0)
		return arg_error(d, "%s: %s", spec, err);
	return 0;
}

static int
apply_opt(struct config *c, int ch, const char *arg, bool *listen_seen,
    struct diag *d)
{
	char err[256];
	unsigned long u;
	char *end;

	switch (ch) {
	case 'b':
		if (!*listen_seen)	/* -b replaces the config's listen */
			config_free_listen(c);
		*listen_seen = true;
		if (config_add_listen(c, arg, '/', err, sizeof(err)) < 0)
			return arg_error(d, "-b: %s", err);
		break;
	case '4': c->ipv4_only = true; c->ipv6_only = false; break;
	case '6': c->ipv6_only = true; c->ipv4_only = false; break;
	case 'n': c->foreground = true; break;
	case 'u':
		if (config_set_user(c, arg, err, sizeof(err)) < 0)
			return arg_error(d, "-u: %s", err);
		break;
	case 'r': config_set_str(&c->chroot_dir, arg); break;
	case 'w': config_set_str(&c->workdir, arg); break;
	case 't':
		if (config_set_ttls(c, arg, err, sizeof(err)) < 0)
			return arg_error(d, "-t: %s", err);
		break;
	case 'c':
		if (config_parse_duration(arg, &c->check_interval) < 0)
			return arg_error(d, "-c: bad duration \"%s\"", arg);
		break;
	case 'p': config_set_str(&c->pidfile, arg); break;
	case 'l': config_set_str(&c->querylog, arg); break;
	case 's': config_set_str(&c->statsfile, arg); break;
	case 'q': c->quick = true; break;
	case 'a': c->minimal = 1; break;
	case 'A': c->minimal = 0; break;
	case 'v':
		if (c->version_level < 2)
			c->version_level++;
		break;
	case 'e': c->allow_host_bits = true; break;
	case 'd': c->dump = true; break;
	case 'f': case 'C': break;	/* rbldnsd's fork-on-reload, no-gzip */
	case OPT_WORKERS:
		u = strtoul(arg, &end, 10);
		if (!isdigit((unsigned char)*arg) || *end || u > 1024)
			return arg_error(d, "--workers: \"%s\" is not a number "
			    "in 0..1024", arg);
		c->workers = (unsigned)u;
		break;
	case OPT_NO_TESTS: c->rfc5782_tests = false; break;
	case OPT_METRICS: config_set_str(&c->metrics_listen, arg); break;
	case OPT_SYSLOG: c->log_syslog = true; break;
	case OPT_NO_WATCH: c->no_watch = true; break;
	case OPT_CONFIG: case OPT_HELP: case OPT_VERSION: break;
	default:
		return DX_EINVAL;
	}
	return 0;
}

static const char *
opt_name(int optopt_val, char *buf, size_t len, char **argv, int idx)
{
	if (optopt_val)
		snprintf(buf, len, "-%c", optopt_val);
	else
		snprintf(buf, len, "%s", argv[idx - 1]);
	return buf;
}

int
config_from_args(int argc, char **argv, struct diag *d, struct config **out)
{
	struct config *c = config_defaults();
	const char *cfgfile = NULL;
	bool listen_seen = false;
	unsigned before = d->errors;
	char name[64], **argv1;
	int ch, rc = 0;

	*out = NULL;
	opterr = 0;
	/* Pass 1: --config, --help and --version, so the file is read
	 * before the options that override it. On a copy: getopt permutes
	 * argv, which would change how pass 2 reads a trailing "-b". */
	argv1 = config_xrealloc(NULL, (size_t)(argc + 1) * sizeof(*argv1));
	memcpy(argv1, argv, (size_t)(argc + 1) * sizeof(*argv1));
	optind = 0;
	while ((ch = getopt_long(argc, argv1, short_opts, long_opts, NULL)) != -1) {
		if (ch == OPT_HELP) {
			usage(stdout);
			free(argv1);
			config_free(c);
			return 1;
		}
		if (ch == OPT_VERSION) {
			printf("dnsxld %s\n", DNSXL_VERSION);
			free(argv1);
			config_free(c);
			return 1;
		}
		if (ch == OPT_CONFIG)
			cfgfile = optarg;
	}
	free(argv1);
	if (cfgfile && config_yaml_load(cfgfile, d, c) < 0)
		rc = DX_EINVAL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (ch == '?') {
			arg_error(d, "unknown option %s",
			    opt_name(optopt, name, sizeof(name), argv, optind));
			rc = DX_EINVAL;
		} else if (ch == ':') {
			arg_error(d, "option %s needs an argument",
			    opt_name(optopt, name, sizeof(name), argv, optind));
			rc = DX_EINVAL;
		} else if (apply_opt(c, ch, optarg, &listen_seen, d) < 0) {
			rc = DX_EINVAL;
		}
	}
	for (int i = optind; i < argc; i++)
		if (add_arg_spec(c, argv[i], d) < 0)
			rc = DX_EINVAL;
	if (rc == 0 && d->errors == before)
		rc = config_check(c, d);
	if (rc < 0 || d->errors > before) {
		config_free(c);
		return DX_EINVAL;
	}
	*out = c;
	return 0;
}

/* dnsxl.c -- the offline tool: check data and config, look addresses up. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dataset.h"
#include "diag.h"
#include "dump.h"
#include "errcode.h"
#include "log.h"
#include "snapshot.h"
#include "version.h"
#include "zone.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dnsxl check  [--config FILE] [options] [zone:type:file,...]\n"
"       dnsxl lookup [--config FILE] [options] [zone:type:file,...] IP...\n"
"       dnsxl dump   [--config FILE] [options] [zone:type:file,...] [zone]\n"
"       dnsxl --help | --version\n"
"\n"
"check   read the config and every data file; print each problem as\n"
"        file:line: message and one summary line per zone and dataset;\n"
"        exit 1 on any error.\n"
"lookup  for each IPv4 or IPv6 address, print per zone every matching\n"
"        dataset (service, region, pool, matched prefix, A, TXT) or\n"
"        \"not listed\".\n"
"dump    print every zone (or one) as a BIND zone file, the same answers\n"
"        as the server for every address; refused above dump-limit records.\n"
"options are dnsxld's (-e, -t def:min:max, -w dir, --no-rfc5782-tests, ...);\n"
"see dnsxl(1) and dnsxld.conf(5).\n");
}

/* Problems go to stderr, one per line, as file:line: message. */
static void
print_problem(void *arg, int is_error, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s%s\n", is_error ? "" : "warning: ", msg);
}

/* Options of dnsxld that take an argument: their argument is never an IP. */
static int
takes_arg(const char *a)
{
	static const char with_arg[] = "burwtcpls";
	if (strcmp(a, "--config") == 0 || strcmp(a, "--workers") == 0)
		return 1;
	return a[0] == '-' && a[1] && a[1] != '-' && a[2] == '\0' &&
	    strchr(with_arg, a[1]) != NULL;
}

static int
is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Split args into dnsxld's command line (av) and addresses (ips). */
static int
split_args(int argc, char **argv, int want_ips, char **av, int *ac,
    char **ips, int *nips)
{
	*ac = 0;
	*nips = 0;
	av[(*ac)++] = (char *)"dnsxl";
	for (int i = 0; i < argc; i++) {
		if (takes_arg(argv[i]) && i + 1 < argc) {
			av[(*ac)++] = argv[i++];
			av[(*ac)++] = argv[i];
		} else if (want_ips && argv[i][0] != '-' && is_ip(argv[i])) {
			ips[(*nips)++] = argv[i];
		} else {
			av[(*ac)++] = argv[i];
		}
	}
	av[*ac] = NULL;
	return 0;
}

static int
load(int ac, char **av, struct diag *d, struct config **cfg,
    struct snapshot **snap)
{
	int rc = config_from_args(ac, av, d, cfg);

	if (rc == 1)
		return 1;
	if (rc < 0)
		return rc;
	if ((rc = snapshot_build(*cfg, d, snap)) < 0) {
		config_free(*cfg);
		*cfg = NULL;
	}
	return rc;
}

/* Vendor feeds: " version 376, age 2h5m" (the source's change number and
 * the time since the file was written); "" for rbldnsd data files. */
static const char *
provenance(const struct dataset *ds, char *buf, size_t len)
{
	const char *v = dataset_version(ds);
	long long age = (long long)(time(NULL) - dataset_mtime(ds));

	buf[0] = '\0';
	if (!v && !config_type_is_feed(ds_type_name(dataset_type(ds))))
		return buf;
	if (age < 0)
		age = 0;
	if (age >= 86400)
		snprintf(buf, len, " version %s, age %lldd%lldh", v ? v : "-",
		    age / 86400, age % 86400 / 3600);
	else if (age >= 3600)
		snprintf(buf, len, " version %s, age %lldh%lldm", v ? v : "-",
		    age / 3600, age % 3600 / 60);
	else
		snprintf(buf, len, " version %s, age %lldm%llds", v ? v : "-",
		    age / 60, age % 60);
	return buf;
}

/* "  dataset d365-nam (ip4trie): 12 entries" (+ provenance for feeds) */
static void
print_dataset(const char *what, const struct dataset *ds)
{
	size_t e = dataset_entries(ds);
	char pv[96];
	printf("%s %s (%s): %zu entr%s%s%s\n", what, dataset_labels(ds)->name,
	    ds_type_name(dataset_type(ds)), e, e == 1 ? "y" : "ies",
	    *provenance(ds, pv, sizeof(pv)) ? "," : "", pv);
}

static int
cmd_check(int ac, char **av)
{
	struct diag d;
	struct config *cfg = NULL;
	struct snapshot *snap = NULL;
	int rc;

	diag_init(&d);
	d.max_report = 1000;
	d.sink = print_problem;
	rc = load(ac, av, &d, &cfg, &snap);
	if (rc == 1)
		return 0;
	if (rc == 0) {
		for (unsigned i = 0; i < snapshot_zone_count(snap); i++) {
			const struct zone *z = snapshot_zone(snap, i);
			unsigned n = zone_dataset_count(z);
			printf("zone %s: SOA serial %u, %u dataset%s\n",
			    zone_name(z), (unsigned)zone_soa(z)->serial, n,
			    n == 1 ? "" : "s");
			for (unsigned j = 0; j < n; j++) {
				const struct dataset *ds = zone_dataset(z, j);
				print_dataset("  dataset", ds);
			}
			if (zone_acl(z))
				print_dataset("  acl", zone_acl(z));
		}
		if (snapshot_global_acl(snap))
			print_dataset("global acl", snapshot_global_acl(snap));
	}
	printf("%u error%s, %u warning%s\n", d.errors, d.errors == 1 ? "" : "s",
	    d.warnings, d.warnings == 1 ? "" : "s");
	snapshot_free(snap);
	config_free(cfg);
	return rc < 0 || d.errors ? 1 : 0;
}

/* The reverse name of an address as labels ("5.242.78.40" for 40.78.242.5,
 * 32 nibbles for IPv6). text holds the label bytes. */
static unsigned
reverse_labels(const char *ip, char *text, const uint8_t **lab, uint8_t *len)
{
	unsigned char a[16];
	unsigned n = 0;

	if (inet_pton(AF_INET, ip, a) == 1) {
		for (int i = 3; i >= 0; i--) {
			int l = sprintf(text, "%u", a[i]);
			lab[n] = (const uint8_t *)text;
			len[n++] = (uint8_t)l;
			text += l + 1;
		}
		return n;
	}
	inet_pton(AF_INET6, ip, a);
	for (int i = 15; i >= 0; i--) {
		for (int k = 0; k < 2; k++) {
			text[0] = "0123456789abcdef"[k ? a[i] >> 4 : a[i] & 15];
			lab[n] = (const uint8_t *)text;
			len[n++] = 1;
			text += 2;
		}
	}
	return n;
}

static void
print_hit(const char *zname, const struct dx_hit *h, const struct dx_qname *q)
{
	const struct ds_labels *l = h->ds ? dataset_labels(h->ds) : NULL;
	char pfx[INET6_ADDRSTRLEN + 8] = "-", txt[512], pv[96];
	struct in_addr a;

	if (h->family == 4 || h->family == 6) {
		inet_ntop(h->family == 4 ? AF_INET : AF_INET6, h->prefix, pfx,
		    sizeof(pfx));
		sprintf(pfx + strlen(pfx), "/%u", h->plen);
	}
	printf("  %s: %s service=%s region=%s pool=%s prefix=%s", zname,
	    l && l->name ? l->name : "(test entry)",
	    l && l->service ? l->service : "-",
	    l && l->region ? l->region : "-",
	    l && l->pool ? l->pool : "-", pfx);
	if (h->val) {
		a.s_addr = h->val->a;
		printf(" A=%s", inet_ntoa(a));
		if (h->ds && dataset_txt_expand(h, q, txt, sizeof(txt)) >= 0)
			printf(" TXT=\"%s\"", txt);
	} else {
		printf(" records=%u", h->nrr);
	}
	if (h->ds && *provenance(h->ds, pv, sizeof(pv)))
		printf(" (%s)", pv + 1);
	printf("\n");
}

/* dump: av may end with a zone name (no ':', not an option). */
static int
cmd_dump(int ac, char **av)
{
	struct diag d;
	struct config *cfg = NULL;
	struct snapshot *snap = NULL;
	const char *zone = NULL;
	int rc;

	if (ac > 1 && av[ac - 1][0] != '-' && !strchr(av[ac - 1], ':') &&
	    !(ac > 2 && takes_arg(av[ac - 2]))) {
		zone = av[--ac];
		av[ac] = NULL;
	}
	diag_init(&d);
	d.sink = print_problem;
	rc = load(ac, av, &d, &cfg, &snap);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return 1;
	rc = dump_snapshot(stdout, snap, zone, cfg->dump_limit, &d);
	snapshot_free(snap);
	config_free(cfg);
	return rc < 0 ? 1 : 0;
}

static int
cmd_lookup(int ac, char **av, char **ips, int nips)
{
	struct diag d;
	struct config *cfg = NULL;
	struct snapshot *snap = NULL;
	int rc;

	if (nips == 0) {
		fprintf(stderr, "dnsxl lookup: no address given\n");
		return 2;
	}
	diag_init(&d);
	d.sink = print_problem;
	rc = load(ac, av, &d, &cfg, &snap);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return 1;
	for (int i = 0; i < nips; i++) {
		char text[256];
		const uint8_t *lab[32];
		uint8_t len[32];
		unsigned n = reverse_labels(ips[i], text, lab, len);
		struct dx_qname q;
		static struct dx_hits hits;

		printf("%s:\n", ips[i]);
		if (qname_parse(&q, n, lab, len) < 0)
			continue;
		for (unsigned z = 0; z < snapshot_zone_count(snap); z++) {
			const struct zone *zn = snapshot_zone(snap, z);
			hits.n = 0;
			if (zone_query(zn, &q, &hits) != ZONE_FOUND ||
			    hits.n == 0) {
				printf("  %s: not listed\n", zone_name(zn));
				continue;
			}
			for (unsigned h = 0; h < hits.n; h++)
				print_hit(zone_name(zn), &hits.hit[h], &q);
		}
	}
	snapshot_free(snap);
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	char **av, **ips;
	int ac, nips, rc;

	log_set_progname("dnsxl");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dnsxl %s\n", DNSXL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "lookup") != 0 &&
	    strcmp(argv[1], "dump") != 0) {
		fprintf(stderr, "dnsxl: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++)	/* dnsxl's help, not dnsxld's */
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	av = calloc((size_t)argc + 2, sizeof(*av));
	ips = calloc((size_t)argc + 1, sizeof(*ips));
	if (av == NULL || ips == NULL)
		return 1;
	split_args(argc - 2, argv + 2, argv[1][0] == 'l', av, &ac, ips, &nips);
	if (argv[1][0] == 'c')
		rc = cmd_check(ac, av);
	else if (argv[1][0] == 'd')
		rc = cmd_dump(ac, av);
	else
		rc = cmd_lookup(ac, av, ips, nips);
	free(av);
	free(ips);
	return rc;
}

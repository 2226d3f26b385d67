/* query_bench.c -- what query_process() costs, warm and as a server sees it.
 *
 *   query_bench [-c KB] [-n N] [-r ROUNDS] QUERYFILE ZONE:TYPE:FILE...
 *
 * QUERYFILE is a dnsperf file ("name TYPE" per line), the zones are given
 * as to dnsxld. Two measures, in TSC cycles per query:
 *   warm  the queries back to back (caches and TLB warm: the code's cost);
 *   cold  before each query a system call and a sweep over KB of memory
 *         (the kernel's network path evicts L1/L2 much like it; the TLB
 *         survives the call here, see coldtouch.c), then that query alone
 *         between fenced TSC reads: what a server answering one datagram
 *         per wake-up pays. The cost of the fenced reads alone is taken off.
 * On a shared machine the host's noise moves the cold figure by 10-20%
 * between runs: compare builds in alternating runs, several times.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <x86intrin.h>

#include "config.h"
#include "diag.h"
#include "query.h"
#include "snapshot.h"

#define MAXQ 100000
#define QLEN 300

static uint8_t pkt[MAXQ][QLEN];
static size_t pktlen[MAXQ];
static unsigned cyc[MAXQ];

static int
qtype_code(const char *t)
{
	static const struct { const char *name; int code; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "SOA", 6 }, { "TXT", 16 },
		{ "AAAA", 28 }, { "ANY", 255 },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(t, types[i].name) == 0)
			return types[i].code;
	return -1;
}

/* "name TYPE" -> a query packet; its length, or 0 for a line to skip. */
static size_t
make_query(char *line, uint8_t *p)
{
	char *name = strtok(line, " \t\r\n"), *type = strtok(NULL, " \t\r\n");
	int code = type ? qtype_code(type) : -1;
	size_t o = 12;
	if (!name || code < 0 || strlen(name) > 250)
		return 0;
	memset(p, 0, 12);
	p[1] = 7;
	p[5] = 1;                       /* QDCOUNT 1 */
	while (*name) {
		char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		if (l == 0 || l > 63)
			return 0;
		p[o++] = (uint8_t)l;
		memcpy(p + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	p[o++] = 0;
	p[o++] = 0;
	p[o++] = (uint8_t)code;
	p[o++] = 0;
	p[o++] = 1;                     /* IN */
	return o;
}

static int
cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *what, unsigned *c, size_t n, double sum)
{
	qsort(c, n, sizeof(*c), cmp_unsigned);
	printf("%-5s mean %6.0f  median %6u  p90 %6u  cycles/query\n", what,
	    sum / (double)n, c[n / 2], c[n * 9 / 10]);
}

static unsigned
fenced_gap(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	_mm_lfence();
	return (unsigned)(__rdtsc() - t);
}

int
main(int argc, char **argv)
{
	size_t evict_kb = 512, nmax = 20000;
	int rounds = 3, opt;
	while ((opt = getopt(argc, argv, "c:n:r:")) != -1) {
		if (opt == 'c')
			evict_kb = strtoul(optarg, NULL, 10);
		else if (opt == 'n')
			nmax = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind < 2 || nmax == 0 || nmax > MAXQ) {
		fprintf(stderr, "usage: query_bench [-c KB] [-n N<=%d] [-r ROUNDS] "
		    "QUERYFILE ZONE:TYPE:FILE...\n", MAXQ);
		return 2;
	}

	const char *qfile = argv[optind];
	struct diag d;
	struct config *cfg = NULL;
	struct snapshot *s = NULL;
	diag_init(&d);
	static char prog[] = "query_bench";
	argv[optind] = prog;            /* argv[0] for config_from_args */
	if (config_from_args(argc - optind, argv + optind, &d, &cfg) < 0 ||
	    snapshot_build(cfg, &d, &s) < 0) {
		fprintf(stderr, "query_bench: the zones did not load\n");
		return 1;
	}

	FILE *f = fopen(qfile, "r");
	char line[QLEN];
	size_t n = 0;
	if (!f) {
		perror(qfile);
		return 1;
	}
	while (n < nmax && fgets(line, sizeof(line), f))
		if ((pktlen[n] = make_query(line, pkt[n])) > 0)
			n++;
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "query_bench: no queries in %s\n", qfile);
		return 1;
	}

	static uint8_t out[4096];
	volatile uint8_t *sweep = calloc(evict_kb ? evict_kb * 1024 : 1, 1);
	unsigned gap = fenced_gap();
	for (int i = 0; i < 1000; i++) {
		unsigned g = fenced_gap();
		gap = g < gap ? g : gap;
	}
	printf("%zu queries from %s; cold: a system call and a %zu KB sweep "
	    "before each (fenced reads, %u cycles, taken off)\n", n, qfile,
	    evict_kb, gap);
	for (int r = 0; r < rounds; r++) {
		uint64_t t = __rdtsc();
		for (size_t i = 0; i < n; i++)
			query_process(s, pkt[i], pktlen[i], QUERY_UDP, NULL, out,
			    sizeof(out), NULL);
		printf("round %d: warm mean %.0f cycles/query\n", r + 1,
		    (double)(__rdtsc() - t) / (double)n);
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < evict_kb * 1024; k += 64)
				sweep[k]++;
			syscall(SYS_getppid);
			_mm_lfence();
			uint64_t t0 = __rdtsc();
			_mm_lfence();
			query_process(s, pkt[i], pktlen[i], QUERY_UDP, NULL, out,
			    sizeof(out), NULL);
			_mm_lfence();
			uint64_t c = __rdtsc() - t0;
			cyc[i] = c > gap ? (unsigned)(c - gap) : 0;
			sum += cyc[i];
		}
		printf("round %d: ", r + 1);
		report("cold", cyc, n, sum);
	}
	snapshot_free(s);
	config_free(cfg);
	free((void *)sweep);
	return 0;
}

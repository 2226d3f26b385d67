/* test_stats.c -- per-worker counters summed over workers and mapped by
 * zone name across snapshots, rbldnsd's stats file lines (absolute and
 * incremental), the query log line, and the Prometheus rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "config.h"
#include "metrics.h"
#include "query.h"
#include "querylog.h"
#include "snapshot.h"
#include "stats.h"
#include "zone.h"

static char dir[] = "/tmp/dx_statsXXXXXX";

static struct snapshot *
build(const char *spec, struct config **cfg)
{
	char a0[] = "dnsxld", a1[] = "-n", a2[512];
	char *argv[] = { a0, a1, a2, NULL };
	struct diag d;
	struct snapshot *s = NULL;
	snprintf(a2, sizeof(a2), "%s", spec);
	diag_init(&d);
	assert_int_equal(config_from_args(3, argv, &d, cfg), 0);
	assert_int_equal(snapshot_build(*cfg, &d, &s), 0);
	return s;
}

/* One query as a worker would report it. */
static void
observe(unsigned worker, const struct snapshot *s, int zone, uint16_t qtype,
    int rcode, size_t in, size_t out, int tcp)
{
	struct query_info qi;
	struct server_query q;
	memset(&qi, 0, sizeof(qi));
	qi.zone_index = zone;
	qi.qtype = qtype;
	qi.qclass = 1;
	qi.rcode = rcode;
	memset(&q, 0, sizeof(q));
	q.worker = worker;
	q.snap = s;
	q.info = &qi;
	q.reqlen = in;
	q.replylen = out;
	q.tcp = tcp;
	stats_observe(NULL, &q);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Drop the leading "timestamp " of each line, keep the rest. */
static void
strip_times(const char *in, char *out, size_t len)
{
	size_t o = 0;
	while (*in && o + 1 < len) {
		while (*in >= '0' && *in <= '9')
			in++;
		if (*in == ' ')
			in++;
		while (*in && *in != '\n' && o + 1 < len)
			out[o++] = *in++;
		if (*in == '\n' && o + 1 < len)
			out[o++] = *in++;
	}
	out[o] = '\0';
}

static void
test_counters_and_stats_file(void **state)
{
	struct config *c1, *c2;
	char spec[400], path[300], plus[310], got[2048];
	(void)state;

	snprintf(path, sizeof(path), "%s/a.ip4", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("10.0.0.1\n", f);
	fclose(f);
	snprintf(spec, sizeof(spec), "a.example:ip4set:%s", path);
	struct snapshot *s1 = build(spec, &c1);

	assert_int_equal(stats_init(2), 0);
	stats_bind(s1);
	assert_int_equal(stats_zone_slots(), 1);
	assert_string_equal(stats_zone_name(0), "a.example");
	observe(0, s1, 0, 1, 0, 40, 60, 0);     /* A NOERROR, udp */
	observe(1, s1, 0, 1, 0, 40, 60, 0);     /* other worker */
	observe(1, s1, 0, 16, 3, 41, 90, 1);    /* TXT NXDOMAIN, tcp */
	observe(0, s1, -1, 1, 5, 30, 30, 0);    /* REFUSED, no zone */
	observe(0, s1, -1, 0, -1, 5, 0, 0);     /* dropped: no bytes */
	assert_int_equal(stats_queries(0, SQ_A, 0, SR_NOERROR), 2);
	assert_int_equal(stats_queries(0, SQ_TXT, 1, SR_NXDOMAIN), 1);
	assert_int_equal(stats_queries(STATS_MAX_ZONES, SQ_A, 0, SR_REFUSED), 1);
	assert_int_equal(stats_queries(STATS_MAX_ZONES, SQ_OTHER, 0,
	    SR_DROPPED), 1);

	snprintf(path, sizeof(path), "%s/stats", dir);
	assert_int_equal(stats_file_write(path, true), 0);
	assert_int_equal(stats_file_write(path, false), 0);
	strip_times(slurp(path), got, sizeof(got));
	assert_string_equal(got, "\na.example:3:2:1:121:210 *:4:2:1:151:240\n");

	/* A second snapshot with the zones in another order: the slot of
	 * a.example stays, b.example gets a new one; a worker still on s1
	 * keeps counting into the right slot. */
	char spec2[400];
	snprintf(spec2, sizeof(spec2), "b.example:ip4set:%s/a.ip4", dir);
	char a0[] = "dnsxld", a1[] = "-n";
	char *argv[] = { a0, a1, spec2, spec, NULL };
	struct diag d;
	struct snapshot *s2 = NULL;
	diag_init(&d);
	assert_int_equal(config_from_args(4, argv, &d, &c2), 0);
	assert_int_equal(snapshot_build(c2, &d, &s2), 0);
	stats_bind(s2);
	assert_string_equal(zone_name(snapshot_zone(s2, 0)), "b.example");
	observe(0, s2, 1, 1, 0, 40, 60, 0);     /* a.example via s2 */
	observe(0, s2, 0, 1, 0, 40, 60, 0);     /* b.example */
	observe(1, s1, 0, 1, 0, 40, 60, 0);     /* a.example via s1 */
	assert_int_equal(stats_queries(0, SQ_A, 0, SR_NOERROR), 4);
	assert_int_equal(stats_queries(1, SQ_A, 0, SR_NOERROR), 1);
	assert_string_equal(stats_zone_name(1), "b.example");

	/* Incremental: each "+" line counts since the previous line (here
	 * the absolute one above). */
	snprintf(plus, sizeof(plus), "+%s/inc", dir);
	assert_int_equal(stats_file_write(plus, false), 0);
	observe(0, s2, 0, 1, 0, 40, 60, 0);
	assert_int_equal(stats_file_write(plus, false), 0);
	strip_times(slurp(plus + 1), got, sizeof(got));
	assert_string_equal(got,
	    "a.example:2:2:0:80:120 b.example:1:1:0:40:60 *:3:3:0:120:180\n"
	    "a.example:0:0:0:0:0 b.example:1:1:0:40:60 *:1:1:0:40:60\n");

	/* The exposition has the same numbers. */
	size_t len;
	char *text = metrics_render(NULL, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "dnsxld_queries_total{zone=\"a.example\","
	    "qtype=\"A\",transport=\"udp\",rcode=\"NOERROR\"} 4\n"));
	assert_non_null(strstr(text, "dnsxld_queries_total{zone=\"-\","
	    "qtype=\"other\",transport=\"udp\",rcode=\"dropped\"} 1\n"));
	assert_non_null(strstr(text, "dnsxld_received_bytes_total{zone="
	    "\"b.example\"} 80\n"));
	assert_null(strstr(text, "rcode=\"SERVFAIL\""));  /* zeros left out */
	free(text);

	stats_free();
	snapshot_free(s1);
	snapshot_free(s2);
	config_free(c1);
	config_free(c2);
}

static void
test_querylog_line(void **state)
{
	/* 4.3.2.1.bl.example A IN, id 0x1234 */
	static const uint8_t req[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    1, '4', 1, '3', 1, '2', 1, '1', 2, 'b', 'l', 7, 'e', 'x', 'a', 'm',
	    'p', 'l', 'e', 0, 0, 1, 0, 1 };
	static const uint8_t odd[] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    3, 'a', '.', ' ', 0, 0, 99, 0, 1 };
	struct sockaddr_in6 sin6;
	struct query_info qi;
	struct server_query q;
	char line[512];
	(void)state;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
	memset(&qi, 0, sizeof(qi));
	qi.qtype = 1;
	qi.qclass = 1;
	qi.rcode = 0;
	qi.ancount = 1;
	memset(&q, 0, sizeof(q));
	q.info = &qi;
	q.req = req;
	q.reqlen = sizeof(req);
	q.replylen = 63;
	q.peer = (struct sockaddr *)&sin6;
	querylog_format(&q, 1795391116LL, line, sizeof(line));
	assert_string_equal(line,
	    "1795391116 2001:db8::5 4.3.2.1.bl.example A IN: NOERROR/1/63\n");

	qi.qtype = 65400;       /* unknown to ldns: rbldnsd's "type%d" */
	qi.qclass = 3;
	qi.rcode = 3;
	qi.ancount = 0;
	q.req = odd;
	q.reqlen = sizeof(odd);
	q.peer = NULL;
	querylog_format(&q, 7LL, line, sizeof(line));
	assert_string_equal(line, "7 ? a\\046\\032 type65400 CH: NXDOMAIN/0/63\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_stats_file),
		cmocka_unit_test(test_querylog_line),
	};
	if (!mkdtemp(dir))
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

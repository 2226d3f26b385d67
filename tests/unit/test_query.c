/* test_query.c -- crafted packets through query_process() against a small
 * zone: exact reply bytes, every rung of the ladder, and no read outside
 * the packet for any truncation or mutation of a valid query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "query.h"
#include "snapshot.h"
#include "version.h"
#include "wire_testutil.h"

#define ZONE "bl.example.org"

static char dir[] = "/tmp/test_query.XXXXXX";
static char path_ip4[256], path_ip6[256], path_big[3][256];
static struct config *cfg;
static struct snapshot *snap;
static uint8_t out[QUERY_MAX_BUF];

/* 40.78.242.7 is listed in three more files with 250-byte TXTs: ~800
 * bytes of answer, more than 512, less than 1232. */
static char longtxt[3][251];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Build cfg + snapshot from an rbldnsd-style command line. */
static void
load(const char *const *extra, unsigned nextra)
{
	char spec4[600], spec6[600], specb[3][600];
	const char *argv[16];
	int argc = 0;
	struct diag d;

	snprintf(spec4, sizeof(spec4), ZONE ":ip4set:%s", path_ip4);
	snprintf(spec6, sizeof(spec6), ZONE ":ip6tset:%s", path_ip6);
	argv[argc++] = "dnsxld";
	argv[argc++] = "-n";
	argv[argc++] = "-b";
	argv[argc++] = "127.0.0.1/5353";
	for (unsigned i = 0; i < nextra; i++)
		argv[argc++] = extra[i];
	argv[argc++] = spec4;
	argv[argc++] = spec6;
	for (int i = 0; i < 3; i++) {
		snprintf(specb[i], sizeof(specb[i]), ZONE ":ip4set:%.255s",
		    path_big[i]);
		argv[argc++] = specb[i];
	}
	argv[argc] = NULL;
	diag_init(&d);
	assert_int_equal(config_from_args(argc, (char **)argv, &d, &cfg), 0);
	assert_int_equal(snapshot_build(cfg, &d, &snap), 0);
}

static void
unload(void)
{
	snapshot_free(snap);
	config_free(cfg);
	snap = NULL;
	cfg = NULL;
}

static int
setup(void **state)
{
	char text[1024];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path_ip4, sizeof(path_ip4), "%s/bl.ip4", dir);
	snprintf(path_ip6, sizeof(path_ip6), "%s/bl.ip6", dir);
	for (int i = 0; i < 3; i++) {
		snprintf(path_big[i], sizeof(path_big[i]), "%s/big%d.ip4", dir, i);
		memset(longtxt[i], 'a' + i, 250);
		longtxt[i][250] = 0;
		snprintf(text, sizeof(text), "40.78.242.7 :127.0.0.3:%s\n",
		    longtxt[i]);
		write_file(path_big[i], text);
	}
	snprintf(text, sizeof(text),
	    "$SOA 3600 ns.example.org. hostmaster.example.org. 42 7200 900 "
	    "604800 600\n"
	    "$NS 3600 ns1.example.org.\n"
	    ":127.0.0.3:Listed $\n"
	    "40.78.242.5\n"
	    "40.78.242.6 :127.0.0.4:\n");
	write_file(path_ip4, text);
	write_file(path_ip6, ":127.0.0.3:Listed six\n2001:db8:0:0\n");
	load(NULL, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unload();
	unlink(path_ip4);
	unlink(path_ip6);
	for (int i = 0; i < 3; i++)
		unlink(path_big[i]);
	rmdir(dir);
	return 0;
}

/* --- building queries ------------------------------------------------------ */

/* A query; payload < 0: no OPT. Returns its length. */
static size_t
mkq(uint8_t *q, const char *name, uint16_t type, uint16_t cls, int payload)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x00, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = 12;
	memcpy(q, hdr, 12);
	n += tu_wire_name(name, q + n);
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = (uint8_t)(cls >> 8);
	q[n++] = (uint8_t)cls;
	if (payload >= 0) {
		const uint8_t opt[11] = { 0, 0, 41, (uint8_t)(payload >> 8),
		    (uint8_t)payload, 0, 0, 0, 0, 0, 0 };
		memcpy(q + n, opt, 11);
		n += 11;
		q[11] = 1;
	}
	return n;
}

static size_t
ask(const uint8_t *q, size_t qlen, enum query_transport tr)
{
	return query_process(snap, q, qlen, tr, NULL, out, sizeof(out), NULL);
}

static int
rcode(void)
{
	return out[3] & 0x0F;
}

static unsigned
count(int i)
{
	return (unsigned)(out[4 + 2 * i] << 8 | out[5 + 2 * i]);
}

/* --- tests ----------------------------------------------------------------- */

static void
test_listed_a_exact_bytes(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "5.242.78.40.Bl.Example.ORG", 1, 1, -1);
	q[2] = 0x01;                                    /* RD */
	size_t n = ask(q, ql, QUERY_UDP);
	/* header: id, QR|AA|RD, NOERROR, 1 question, 1 answer, 1 NS */
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1,
	    0, 1, 0, 0 };
	assert_memory_equal(out, hdr, 12);
	/* question verbatim, 0x20 case kept */
	assert_memory_equal(out + 12, q + 12, ql - 12);
	size_t p = ql;
	static const uint8_t a[] = { 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x08, 0x34,
	    0, 4, 127, 0, 0, 3 };
	assert_memory_equal(out + p, a, sizeof(a));     /* TTL 2100 = 35m */
	p += sizeof(a);
	/* NS owned by the apex: pointer to "Bl" at 12 + 12 */
	static const uint8_t ns[] = { 0xC0, 24, 0, 2, 0, 1, 0, 0, 0x0E, 0x10,
	    0, 6, 3, 'n', 's', '1', 0xC0, 27 };
	assert_memory_equal(out + p, ns, sizeof(ns));
	p += sizeof(ns);
	assert_int_equal(n, p);
}

static void
test_txt_and_any(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "5.242.78.40." ZONE, 16, 1, -1);
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	static const char txt[] = "Listed 40.78.242.5";
	const uint8_t *rr = out + ql;
	assert_int_equal(rr[3], 16);
	assert_int_equal(rr[11], sizeof(txt));          /* rdlen */
	assert_int_equal(rr[12], sizeof(txt) - 1);
	assert_memory_equal(rr + 13, txt, sizeof(txt) - 1);
	assert_true(n > ql + 12 + sizeof(txt));

	ql = mkq(q, "5.242.78.40." ZONE, 255, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(count(1), 2);                  /* A + TXT */
	assert_int_equal(out[ql + 3], 1);
	assert_int_equal(out[ql + 16 + 3], 16);

	/* a listed entry without TXT: TXT query is NODATA */
	ql = mkq(q, "6.242.78.40." ZONE, 16, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 1);
}

static void
test_long_txt_and_tc(void **state)
{
	uint8_t q[512];
	(void)state;
	/* TCP: the three 250-byte TXTs, each one character-string */
	size_t ql = mkq(q, "7.242.78.40." ZONE, 16, 1, -1);
	size_t n = ask(q, ql, QUERY_TCP);
	assert_int_equal(count(1), 3);
	const uint8_t *rr = out + ql;
	assert_int_equal(rr[10] << 8 | rr[11], 251);
	assert_int_equal(rr[12], 250);
	assert_memory_equal(rr + 13, longtxt[0], 250);
	assert_int_equal(out[2] & 0x02, 0);
	assert_true(n > 512);

	/* UDP without EDNS: 512 -> TC, question only */
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(out[2] & 0x02, 0x02);
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 0);
	assert_int_equal(n, ql);

	/* EDNS 100 is raised to 512: TC, OPT kept */
	ql = mkq(q, "7.242.78.40." ZONE, 16, 1, 100);
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(out[2] & 0x02, 0x02);
	assert_int_equal(count(3), 1);
	assert_int_equal(n, ql);

	/* EDNS 4096 is capped at 1232: fits, no TC */
	ql = mkq(q, "7.242.78.40." ZONE, 16, 1, 4096);
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(out[2] & 0x02, 0);
	assert_int_equal(count(1), 3);
	assert_true(n > 512 && n <= 1232);

	/* the same into a 700-byte buffer: TC again */
	n = query_process(snap, q, ql, QUERY_UDP, NULL, out, 700, NULL);
	assert_int_equal(n, ql);
	assert_int_equal(out[2] & 0x02, 0x02);
	assert_int_equal(count(1), 0);
}

static void
test_nxdomain_soa_negative_ttl(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "1.242.78.40." ZONE, 1, 1, -1);
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 3);
	assert_int_equal(out[2] & 0x04, 0x04);          /* AA */
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 1);
	const uint8_t *rr = out + ql;
	assert_int_equal(rr[0], 0xC0);
	assert_int_equal(rr[1], 24);                    /* apex label "bl" */
	assert_int_equal(rr[3], 6);
	/* TTL = min(SOA TTL 3600, minimum 600) */
	assert_int_equal(rr[6] << 24 | rr[7] << 16 | rr[8] << 8 | rr[9], 600);
	struct query_info info;
	assert_int_equal(query_process(snap, q, ql, QUERY_UDP, NULL, out,
	    sizeof(out), &info), n);
	assert_int_equal(info.rcode, 3);
	assert_int_equal(info.zone_index, 0);
	assert_int_equal(info.qtype, 1);
	assert_int_equal(info.ancount, 0);
	/* serial 42 sits 20 bytes before the end */
	const uint8_t *end = out + n;
	assert_int_equal(end[-20] << 24 | end[-19] << 16 | end[-18] << 8 |
	    end[-17], 42);
}

static void
test_nodata_cases(void **state)
{
	uint8_t q[512];
	const char *names[] = { "78.40." ZONE, "242.78.40." ZONE, ZONE };
	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		size_t ql = mkq(q, names[i], 1, 1, -1);
		ask(q, ql, QUERY_UDP);
		assert_int_equal(rcode(), 0);
		assert_int_equal(count(1), 0);
		assert_int_equal(count(2), 1);
	}
	size_t ql = mkq(q, "5.242.78.40." ZONE, 28, 1, -1);   /* AAAA */
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 1);
	/* not an ENT */
	ql = mkq(q, "79.40." ZONE, 1, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 3);
}

static void
test_apex_soa_ns(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, ZONE, 6, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	assert_int_equal(out[ql + 3], 6);
	assert_int_equal(out[ql + 9], 0x10);            /* TTL 3600 */
	/* mname and rname compressed onto "example.org" in the question */
	static const uint8_t soa[] = { 0, 38, 2, 'n', 's', 0xC0, 15, 10, 'h',
	    'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xC0, 15, 0, 0, 0, 42,
	    0, 0, 0x1C, 0x20, 0, 0, 0x03, 0x84, 0, 0x09, 0x3A, 0x80, 0, 0, 0x02,
	    0x58 };
	assert_memory_equal(out + ql + 10, soa, sizeof(soa));
	assert_int_equal(count(2), 1);                  /* NS */
	ql = mkq(q, ZONE, 2, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(count(1), 1);
	assert_int_equal(count(2), 0);
	assert_int_equal(out[ql + 3], 2);
}

static void
test_minimal_drops_ns(void **state)
{
	static const char *const a[] = { "-a" };
	uint8_t q[512];
	(void)state;
	unload();
	load(a, 1);
	size_t ql = mkq(q, "5.242.78.40." ZONE, 1, 1, -1);
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(count(1), 1);
	assert_int_equal(count(2), 0);
	assert_int_equal(n, ql + 16);
	unload();
	load(NULL, 0);
}

static void
test_ipv6_names(void **state)
{
	uint8_t q[512];
	(void)state;
	/* 2001:db8::1 */
	size_t ql = mkq(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2." ZONE, 1, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	assert_int_equal(out[ql + 15], 3);
	/* 33 labels */
	ql = mkq(q, "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2." ZONE, 1, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 3);
	/* non-nibble label */
	ql = mkq(q, "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2." ZONE, 1, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 3);
}

static void
test_refused_notimp_drop(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "5.242.78.40.example.com", 1, 1, -1);
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);
	assert_int_equal(out[2] & 0x04, 0);
	assert_int_equal(n, ql);
	ql = mkq(q, "5.242.78.40." ZONE, 1, 4, -1);   /* class HS */
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);
	ql = mkq(q, "5.242.78.40." ZONE, 1, 255, -1); /* class ANY */
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	ql = mkq(q, "5.242.78.40." ZONE, 252, 1, -1); /* AXFR */
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);

	ql = mkq(q, ZONE, 6, 1, -1);
	q[2] = 2 << 3;                                   /* STATUS */
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 4);
	assert_int_equal(out[2], 0x80 | (2 << 3));
	q[2] = 0x80;                                     /* a response */
	assert_int_equal(ask(q, ql, QUERY_UDP), 0);
	for (size_t l = 0; l < 12; l++)                  /* short header */
		assert_int_equal(ask(q, l, QUERY_UDP), 0);
}

static void
test_formerr(void **state)
{
	uint8_t q[600];
	(void)state;
	size_t ql = mkq(q, ZONE, 6, 1, -1);
	q[5] = 2;                                        /* QDCOUNT 2 */
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);
	assert_int_equal(n, 12);
	q[5] = 0;                                        /* QDCOUNT 0 */
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);

	/* a compression pointer in the question (to itself: a loop) */
	static const uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xC0, 12, 0, 1, 0, 1 };
	n = query_process(snap, loop, sizeof(loop), QUERY_UDP, NULL, out,
	    sizeof(out), NULL);
	assert_int_equal(n, 12);
	assert_int_equal(rcode(), 1);

	/* a label of 64 (reserved bits) and a name over 255 bytes */
	ql = mkq(q, ZONE, 1, 1, -1);
	q[12] = 64;
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);
	char big[400];
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 64; i++)
		memcpy(big + i * 4, "abc.", 4);
	strcat(big, ZONE);
	ql = mkq(q, big, 1, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);

	/* two OPT records: FORMERR without OPT */
	ql = mkq(q, ZONE, 6, 1, 1232);
	memcpy(q + ql, q + ql - 11, 11);
	ql += 11;
	q[11] = 2;
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);
	assert_int_equal(count(3), 0);
	/* ARCOUNT larger than the records present */
	q[11] = 3;
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 1);
}

/* Every prefix of a valid query is answered FORMERR or dropped. */
static void
test_truncated_queries(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "5.242.78.40." ZONE, 1, 1, 1232);
	for (size_t l = 0; l < ql; l++) {
		uint8_t *copy = malloc(l ? l : 1);   /* exact size for ASan */
		memcpy(copy, q, l);
		size_t n = query_process(snap, copy, l, QUERY_UDP, NULL, out,
		    sizeof(out), NULL);
		if (l < 12)
			assert_int_equal(n, 0);
		else
			assert_int_equal(rcode(), 1);
		free(copy);
	}
}

static void
test_edns(void **state)
{
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "5.242.78.40." ZONE, 1, 1, 4096);
	q[ql - 4] = 0x80;                               /* DO */
	size_t n = ask(q, ql, QUERY_UDP);
	assert_int_equal(count(3), 1);
	const uint8_t *opt = out + n - 11;
	assert_int_equal(opt[2], 41);
	assert_int_equal(opt[3] << 8 | opt[4], 1232);   /* edns_max */
	assert_int_equal(opt[7], 0x80);                 /* DO copied */

	ql = mkq(q, ZONE, 6, 1, 1232);
	q[ql - 5] = 1;                                  /* version 1 */
	n = ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 0);
	assert_int_equal(out[n - 11 + 5], 1);           /* ext rcode: BADVERS */
	assert_int_equal(out[n - 11 + 6], 0);

	/* no OPT in, none out */
	ql = mkq(q, ZONE, 6, 1, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(count(3), 0);
}

/* Random mutations of valid queries: the reply is bounded and consistent. */
static void
test_mutations(void **state)
{
	uint8_t q[512], m[512];
	const char *names[] = { "5.242.78.40." ZONE, ZONE, "version.bind",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." ZONE };
	(void)state;
	srand(7);
	for (int it = 0; it < 20000; it++) {
		size_t ql = mkq(q, names[it % 4], (it & 1) ? 255 : 16,
		    (it % 4 == 2) ? 3 : 1, (it & 2) ? 1232 : -1);
		memcpy(m, q, ql);
		int k = 1 + rand() % 4;
		for (int j = 0; j < k; j++)
			m[rand() % ql] = (uint8_t)rand();
		size_t l = (rand() % 3 == 0) ? (size_t)rand() % (ql + 1) : ql;
		uint8_t *copy = malloc(l ? l : 1);
		memcpy(copy, m, l);
		size_t cap = (it & 4) ? 512 : sizeof(out);
		size_t n = query_process(snap, copy, l,
		    (it & 8) ? QUERY_TCP : QUERY_UDP, NULL, out, cap, NULL);
		free(copy);
		assert_true(n <= cap);
		if (n > 0) {
			assert_true(n >= 12);
			assert_int_equal(out[2] & 0x80, 0x80);
			assert_true(count(0) <= 1);
		}
	}
}

/* query_peek_ip4: the batch prefetch's hint (server_udp.c) and the short
 * way's gate read the same four labels. Each input is read twice: from a
 * buffer of its exact size (a read past len fails under ASan), and from
 * one where digits follow len (a read past len then finds an octet, and
 * the answer changes without ASan too). */
static bool
peek(const char *wire, size_t len, uint32_t *a)
{
	uint8_t *copy = malloc(len ? len : 1), padded[64];
	uint32_t b = 0;
	assert_non_null(copy);
	assert_true(len + 8 <= sizeof(padded));
	memcpy(copy, wire, len);
	memset(padded, '9', sizeof(padded));
	memcpy(padded, wire, len);
	bool ok = query_peek_ip4(copy, len, a);
	free(copy);
	assert_int_equal(query_peek_ip4(padded, len, &b), ok);
	if (ok)
		assert_int_equal(b, *a);
	return ok;
}

static void
test_peek_ip4(void **state)
{
	(void)state;
	static const char name[] = "\0015\003242\00278\00240\002bl\0";
	size_t full = sizeof(name) - 1, four = 1 + 1 + 1 + 3 + 1 + 2 + 1 + 2;
	uint32_t a = 0;

	assert_true(peek(name, full, &a));
	assert_int_equal(a, 40u << 24 | 78u << 16 | 242u << 8 | 5u);
	/* the fourth label whole is enough; any cut before it is not */
	for (size_t len = 0; len <= full; len++) {
		a = 0;
		assert_int_equal(peek(name, len, &a), len >= four);
	}
	assert_true(peek("\003010\0010\0010\003255", 13, &a));
	assert_int_equal(a, 255u << 24 | 10u);          /* "010" is 10 */
	assert_false(peek("\003256\0010\0010\0010", 11, &a));
	assert_false(peek("\0041234\0010\0010\0010", 12, &a));
	assert_false(peek("\0011\001x\0010\0010", 8, &a));
	assert_false(peek("\0011\0012\0013\0", 7, &a));   /* 3 labels */
	assert_false(peek("\0011\0012\0013\300\014", 8, &a)); /* pointer */
	/* an IPv6 name's first nibbles are digits too: only a hint */
	assert_true(peek("\0011\0010\0010\0012", 8, &a));
	/* query_prefetch takes any bytes, a snapshot or none */
	static const uint8_t junk[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3 };
	for (size_t len = 0; len <= sizeof(junk); len++) {
		query_prefetch(snap, junk, len);
		query_prefetch(NULL, junk, len);
	}
}

static void
test_chaos(void **state)
{
	static const char *const vv[] = { "-v", "-v" };
	static const char *const v1[] = { "-v" };
	uint8_t q[512];
	(void)state;
	size_t ql = mkq(q, "VERSION.bind", 16, 3, -1);
	size_t n = ask(q, ql, QUERY_UDP);
	static const char full[] = "dnsxld " DNSXL_VERSION;
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	assert_int_equal(out[ql + 5], 3);               /* class CH */
	assert_int_equal(out[ql + 12], sizeof(full) - 1);
	assert_memory_equal(out + ql + 13, full, sizeof(full) - 1);
	assert_int_equal(n, ql + 13 + sizeof(full) - 1);
	ql = mkq(q, "id.server", 16, 3, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);
	ql = mkq(q, "other.bind", 16, 3, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);

	unload();
	load(v1, 1);
	ql = mkq(q, "version.server", 16, 3, -1);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(out[ql + 12], 6);
	assert_memory_equal(out + ql + 13, "dnsxld", 6);
	unload();
	load(vv, 2);
	ask(q, ql, QUERY_UDP);
	assert_int_equal(rcode(), 5);
	unload();
	load(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed_a_exact_bytes),
		cmocka_unit_test(test_txt_and_any),
		cmocka_unit_test(test_long_txt_and_tc),
		cmocka_unit_test(test_nxdomain_soa_negative_ttl),
		cmocka_unit_test(test_nodata_cases),
		cmocka_unit_test(test_apex_soa_ns),
		cmocka_unit_test(test_minimal_drops_ns),
		cmocka_unit_test(test_ipv6_names),
		cmocka_unit_test(test_refused_notimp_drop),
		cmocka_unit_test(test_formerr),
		cmocka_unit_test(test_truncated_queries),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_chaos),
		cmocka_unit_test(test_peek_ip4),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

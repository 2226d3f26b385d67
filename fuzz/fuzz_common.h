/* fuzz_common.h -- helpers shared by the libFuzzer harnesses: quiet logs,
 * in-memory files (memfd, read back through /proc/self/fd), the built-in
 * snapshot, and the reply well-formedness check. Header-only. */
#ifndef DNSXL_FUZZ_COMMON_H
#define DNSXL_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "config.h"
#include "diag.h"
#include "log.h"
#include "query.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Failures must be loud under libFuzzer and under the plain replay. */
#define FZ_CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

/* A memfd holding data; *path names it for code that opens files by path.
 * Returns the fd (close it when done). */
static __attribute__((unused)) int
fz_memfile(const uint8_t *data, size_t size, char *path, size_t plen)
{
	int fd = memfd_create("fuzz", 0);
	FZ_CHECK(fd >= 0);
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		FZ_CHECK(n > 0);
		off += (size_t)n;
	}
	snprintf(path, plen, "/proc/self/fd/%d", fd);
	return fd;
}

static __attribute__((unused)) void
fz_quiet(void)
{
	log_level = LOG_CRIT;   /* diag messages are expected: do not flood */
}

/* The built-in zone: a few datasets of different types under one zone. */
#define FZ_ZONE "bl.example.org"

static __attribute__((unused)) const struct snapshot *
fz_snapshot(void)
{
	static struct snapshot *snap;
	static struct config *cfg;
	static const char *files[][2] = {
		{ "ip4set", ":127.0.0.3:Listed $ see http://example.org/?$\n"
		    "$SOA 1h ns.example.org. hm.example.org. 1 2h 1h 1w 5m\n"
		    "$NS 1h ns.example.org.\n"
		    "40.78.242.5\n10.0.0.0/8 :127.0.0.4:Ten $\n!10.1.1.1\n"
		    "127.0.0.2\n" },
		{ "ip4trie", "192.0.2.0/24 :2:Doc $\n0.0.0.0/1\n" },
		{ "ip6tset", "2001:db8::/32\n2a01:111:f403::/48 :5:v6 $\n" },
		{ "dnset", "spam.example.com :127.0.0.6:Bad domain $\n"
		    "*.wild.example.net\n" },
		{ "generic", "www A 127.0.0.9\nwww TXT \"hello\"\n"
		    "@ MX 10 mx.example.org.\n" },
	};
	if (snap)
		return snap;
	fz_quiet();
	char dir[] = "/tmp/dnsxl-fuzz.XXXXXX";
	FZ_CHECK(mkdtemp(dir) != NULL);
	char path[5][64], spec[5][128];
	const char *argv[16];
	int argc = 0;
	argv[argc++] = "dnsxld";
	for (int i = 0; i < 5; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%d.%s", dir, i,
		    files[i][0]);
		FILE *f = fopen(path[i], "w");
		FZ_CHECK(f != NULL);
		fputs(files[i][1], f);
		fclose(f);
		snprintf(spec[i], sizeof(spec[i]), "%s:%s:%s", FZ_ZONE,
		    files[i][0], path[i]);
		argv[argc++] = spec[i];
	}
	argv[argc] = NULL;
	struct diag d;
	diag_init(&d);
	FZ_CHECK(config_from_args(argc, (char **)argv, &d, &cfg) == 0);
	FZ_CHECK(snapshot_build(cfg, &d, &snap) == 0);
	for (int i = 0; i < 5; i++)
		unlink(path[i]);
	rmdir(dir);
	return snap;
}

/* Length of the question at offset 12 of a request (uncompressed name,
 * type, class), 0 when it is not well-formed. */
static __attribute__((unused)) size_t
fz_question_len(const uint8_t *p, size_t len)
{
	size_t pos = 12;
	while (pos < len && p[pos] != 0) {
		if (p[pos] & 0xC0)
			return 0;
		pos += 1 + (size_t)p[pos];
	}
	if (pos >= len || len - pos < 5)
		return 0;
	return pos + 5 - 12;
}

/* A reply must parse, be a response, echo the ID, the opcode and RD, and
 * echo the request's question byte for byte when it carries one. */
static __attribute__((unused)) void
fz_check_reply(const uint8_t *req, size_t reqlen, const uint8_t *rep,
    size_t replen, size_t cap)
{
	if (replen == 0) {
		/* query.h: only a short header or a response is dropped */
		FZ_CHECK(reqlen < 12 || (req[2] & 0x80));
		return;
	}
	FZ_CHECK(reqlen >= 12 && !(req[2] & 0x80));
	FZ_CHECK(replen >= 12 && replen <= cap);
	FZ_CHECK(rep[0] == req[0] && rep[1] == req[1]);
	FZ_CHECK(rep[2] & 0x80);
	FZ_CHECK((rep[2] & 0x79) == (req[2] & 0x79));
	ldns_pkt *pkt = NULL;
	ldns_status st = ldns_wire2pkt(&pkt, rep, replen);
	if (st != LDNS_STATUS_OK)
		fprintf(stderr, "reply does not parse: %s\n",
		    ldns_get_errorstr_by_id(st));
	FZ_CHECK(st == LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	unsigned qd = (unsigned)rep[4] << 8 | rep[5];
	FZ_CHECK(qd <= 1);
	if (qd == 1) {
		size_t ql = fz_question_len(req, reqlen);
		FZ_CHECK(ql > 0 && replen >= 12 + ql);
		FZ_CHECK(memcmp(rep + 12, req + 12, ql) == 0);
	} else {
		/* no question echoed: only for errors */
		FZ_CHECK((rep[3] & 0x0F) != 0 || (req[2] & 0x78) != 0);
	}
}

#endif

/* notify.c -- send NOTIFY (RFC 1996) for every zone to every configured
 * secondary: one UDP datagram, answered by the secondary with the same ID;
 * resent when no answer comes (RFC 1996 section 3.6). */
#include "notify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "snapshot.h"
#include "zone.h"

#define NOTIFY_TRIES 3
#define NOTIFY_WAIT_MS 300

/* "addr@port" or "addr" -> sockaddr; false when it is not an address. */
static bool
target_addr(const char *t, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[80], *at;
	unsigned port = 53;

	snprintf(buf, sizeof(buf), "%s", t);
	if ((at = strrchr(buf, '@')) != NULL) {
		*at++ = '\0';
		port = (unsigned)atoi(at);
		if (port == 0 || port > 65535)
			return false;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return true;
	}
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return true;
	}
	return false;
}

/* NOTIFY for zone z: header (opcode 4, AA), question zone SOA IN, and the
 * SOA serial in the answer section as a hint (RFC 1996 section 3.7). */
static size_t
build(const struct zone *z, uint16_t id, uint8_t *p, size_t cap)
{
	unsigned wlen;
	const uint8_t *w = zone_name_wire(z, &wlen, NULL);
	const struct ds_soa *soa = zone_soa(z);
	size_t pos = 12;

	if (wlen + 1 + 4 + 2 + 10 + 22 + 12 > cap)
		return 0;
	memset(p, 0, 12);
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
	p[2] = 4 << 3 | 0x04;          /* opcode NOTIFY, AA */
	p[5] = 1;                       /* QDCOUNT */
	p[7] = 1;                       /* ANCOUNT */
	memcpy(p + pos, w, wlen);
	pos += wlen;
	if (wlen == 0 || w[wlen - 1] != 0)
		p[pos++] = 0;
	p[pos++] = 0, p[pos++] = 6, p[pos++] = 0, p[pos++] = 1;
	/* answer: owner = pointer to the question name, SOA with root names */
	p[pos++] = 0xC0, p[pos++] = 12;
	p[pos++] = 0, p[pos++] = 6, p[pos++] = 0, p[pos++] = 1;
	uint32_t ttl = soa->ttl;
	p[pos++] = (uint8_t)(ttl >> 24), p[pos++] = (uint8_t)(ttl >> 16);
	p[pos++] = (uint8_t)(ttl >> 8), p[pos++] = (uint8_t)ttl;
	p[pos++] = 0, p[pos++] = 22;
	p[pos++] = 0;                   /* mname "." */
	p[pos++] = 0;                   /* rname "." */
	uint32_t v[5] = { soa->serial, soa->refresh, soa->retry, soa->expire,
	    soa->minttl };
	for (int i = 0; i < 5; i++) {
		p[pos++] = (uint8_t)(v[i] >> 24), p[pos++] = (uint8_t)(v[i] >> 16);
		p[pos++] = (uint8_t)(v[i] >> 8), p[pos++] = (uint8_t)v[i];
	}
	return pos;
}

static bool
notify_one(const struct zone *z, const char *target)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t pkt[512], ans[512];
	uint16_t id = (uint16_t)(random() & 0xFFFF);
	size_t len;
	int fd;

	if (!target_addr(target, &ss, &sl)) {
		log_warnx("notify: bad target \"%s\" (addr@port)", target);
		return false;
	}
	if ((len = build(z, id, pkt, sizeof(pkt))) == 0)
		return false;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0) {
		log_warn("notify: socket");
		return false;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		log_warn("notify %s", target);
		close(fd);
		return false;
	}
	for (int t = 0; t < NOTIFY_TRIES; t++) {
		struct pollfd pf = { fd, POLLIN, 0 };
		if (send(fd, pkt, len, 0) < 0)
			break;
		while (poll(&pf, 1, NOTIFY_WAIT_MS) > 0) {
			ssize_t n = recv(fd, ans, sizeof(ans), 0);
			if (n >= 12 && ans[0] == pkt[0] && ans[1] == pkt[1] &&
			    (ans[2] & 0x80)) {
				close(fd);
				log_info("notify: %s serial %u to %s: rcode %u",
				    zone_name(z), zone_soa(z)->serial, target,
				    ans[3] & 0xF);
				return (ans[3] & 0xF) == 0;
			}
			if (n < 0)
				break;
		}
	}
	close(fd);
	log_warnx("notify: %s to %s: no answer", zone_name(z), target);
	return false;
}

int
notify_send(const struct snapshot *s, const struct config *cfg)
{
	int ok = 0;

	for (unsigned i = 0; i < snapshot_zone_count(s); i++)
		for (unsigned j = 0; j < cfg->nxfr_notify; j++)
			if (notify_one(snapshot_zone(s, i), cfg->xfr_notify[j]))
				ok++;
	return ok;
}

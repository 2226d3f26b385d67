/* xfr_tsig.c -- the request's TSIG fields and the TSIG record of an RFC
 * 8945 error reply to a transfer request: BADKEY and BADSIG go unsigned (MAC size 0), BADTIME is signed
 * with the request's key over the request's MAC, the reply and the TSIG
 * variables (RFC 8945 4.3), with the server's time as Other Data. ldns
 * signs only replies with error 0, so the HMAC (RFC 2104) is done here
 * over ldns's hash functions. */
#include "xfr_tsig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>
#include <ldns/sha1.h>
#include <ldns/sha2.h>

struct hash {
	const char *name;
	size_t block, out;
};

static const struct hash hashes[] = {
	{ "hmac-sha1", 64, 20 },
	{ "hmac-sha256", 64, 32 },
	{ "hmac-sha384", 128, 48 },
	{ "hmac-sha512", 128, 64 },
};

static const struct hash *
hash_find(const char *alg)
{
	size_t l = alg ? strlen(alg) : 0;

	if (l && alg[l - 1] == '.')
		l--;
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strlen(hashes[i].name) == l &&
		    strncasecmp(hashes[i].name, alg, l) == 0)
			return &hashes[i];
	return NULL;
}

int
xfr_tsig_can_sign(const char *algorithm)
{
	return hash_find(algorithm) != NULL;
}

/* One-shot digest of a[0..la) then b[0..lb). */
static void
digest(const struct hash *h, const uint8_t *a, size_t la, const uint8_t *b,
    size_t lb, uint8_t *out)
{
	if (h->out == 20) {
		ldns_sha1_ctx c;
		ldns_sha1_init(&c);
		ldns_sha1_update(&c, a, (unsigned)la);
		ldns_sha1_update(&c, b, (unsigned)lb);
		ldns_sha1_final(out, &c);
	} else if (h->out == 32) {
		ldns_sha256_CTX c;
		ldns_sha256_init(&c);
		ldns_sha256_update(&c, a, la);
		ldns_sha256_update(&c, b, lb);
		ldns_sha256_final(out, &c);
	} else if (h->out == 48) {
		ldns_sha384_CTX c;
		ldns_sha384_init(&c);
		ldns_sha384_update(&c, a, la);
		ldns_sha384_update(&c, b, lb);
		ldns_sha384_final(out, &c);
	} else {
		ldns_sha512_CTX c;
		ldns_sha512_init(&c);
		ldns_sha512_update(&c, a, la);
		ldns_sha512_update(&c, b, lb);
		ldns_sha512_final(out, &c);
	}
}

/* HMAC (RFC 2104) of data with key; out gets h->out bytes. */
static bool
hmac(const struct hash *h, const uint8_t *key, size_t klen,
    const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t k[128], pad[128], inner[64];

	memset(k, 0, sizeof(k));
	if (klen > h->block)
		digest(h, key, klen, NULL, 0, k);
	else
		memcpy(k, key, klen);
	for (size_t i = 0; i < h->block; i++)
		pad[i] = k[i] ^ 0x36;
	digest(h, pad, h->block, data, len, inner);
	for (size_t i = 0; i < h->block; i++)
		pad[i] = k[i] ^ 0x5c;
	digest(h, pad, h->block, inner, h->out, out);
	return true;
}

static size_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t
put48(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (8 * (5 - i)));
	return 6;
}

/* The BADTIME MAC over the request's MAC, msg (ARCOUNT 0) and the TSIG
 * variables; false when the key cannot be used. */
static bool
badtime_mac(const struct xfr_tsig_req *t, const uint8_t *msg, size_t len,
    uint64_t now, uint8_t *mac, size_t *maclen)
{
	const struct hash *h = hash_find(t->algorithm);
	ldns_rdf *key = NULL;
	uint8_t *buf;
	size_t o = 0;
	bool ok;

	if (!h || !t->secret ||
	    ldns_str2rdf_b64(&key, t->secret) != LDNS_STATUS_OK)
		return false;
	if ((buf = malloc(len + t->maclen + t->ownerlen + t->alglen + 64)) ==
	    NULL) {
		ldns_rdf_deep_free(key);
		return false;
	}
	o += put16(buf + o, (uint16_t)t->maclen);
	memcpy(buf + o, t->mac, t->maclen);
	o += t->maclen;
	memcpy(buf + o, msg, len);
	o += len;
	memcpy(buf + o, t->owner, t->ownerlen);
	o += t->ownerlen;
	o += put16(buf + o, 255);               /* class ANY */
	memset(buf + o, 0, 4);                  /* TTL */
	o += 4;
	memcpy(buf + o, t->alg, t->alglen);
	o += t->alglen;
	o += put48(buf + o, t->time_signed);
	o += put16(buf + o, t->fudge);
	o += put16(buf + o, TSIG_BADTIME);
	o += put16(buf + o, 6);
	o += put48(buf + o, now);
	ok = hmac(h, ldns_rdf_data(key), ldns_rdf_size(key), buf, o, mac);
	*maclen = h->out;
	free(buf);
	ldns_rdf_deep_free(key);
	return ok;
}

bool
xfr_tsig_fields(const ldns_rr *t, struct xfr_tsig_req *e)
{
	ldns_rdf *own = ldns_rdf_clone(ldns_rr_owner(t));
	ldns_rdf *alg = ldns_rdf_clone(ldns_rr_rdf(t, 0));
	const ldns_rdf *tm = ldns_rr_rdf(t, 1), *mac = ldns_rr_rdf(t, 3);
	bool ok = own && alg && tm && mac && ldns_rdf_size(tm) == 6 &&
	    ldns_rdf_size(own) <= sizeof(e->owner) &&
	    ldns_rdf_size(alg) <= sizeof(e->alg) && ldns_rdf_size(mac) >= 2 &&
	    ldns_rdf_size(mac) - 2 <= sizeof(e->mac);

	if (ok) {
		ldns_dname2canonical(own);
		ldns_dname2canonical(alg);
		e->ownerlen = ldns_rdf_size(own);
		memcpy(e->owner, ldns_rdf_data(own), e->ownerlen);
		e->alglen = ldns_rdf_size(alg);
		memcpy(e->alg, ldns_rdf_data(alg), e->alglen);
		e->time_signed = 0;
		for (int i = 0; i < 6; i++)
			e->time_signed = e->time_signed << 8 |
			    ldns_rdf_data(tm)[i];
		e->fudge = ldns_rdf2native_int16(ldns_rr_rdf(t, 2));
		e->orig_id = ldns_rdf2native_int16(ldns_rr_rdf(t, 4));
		/* the MAC rdf is "size, MAC" */
		e->maclen = ldns_rdf_size(mac) - 2;
		memcpy(e->mac, ldns_rdf_data(mac) + 2, e->maclen);
	}
	ldns_rdf_deep_free(own);
	ldns_rdf_deep_free(alg);
	return ok;
}

size_t
xfr_tsig_error(const struct xfr_tsig_req *t, uint8_t *msg, size_t len,
    size_t cap, uint64_t now)
{
	uint8_t mac[64];
	size_t maclen = 0, o = len, rdstart;
	bool badtime = t->error == TSIG_BADTIME;

	if (badtime && !badtime_mac(t, msg, len, now, mac, &maclen))
		return 0;
	if (len + t->ownerlen + t->alglen + 10 + 16 + maclen + 6 > cap)
		return 0;
	memcpy(msg + o, t->owner, t->ownerlen);
	o += t->ownerlen;
	o += put16(msg + o, 250);               /* TSIG */
	o += put16(msg + o, 255);               /* ANY */
	memset(msg + o, 0, 4);
	o += 4;
	rdstart = o + 2;
	o += 2;
	memcpy(msg + o, t->alg, t->alglen);
	o += t->alglen;
	o += put48(msg + o, t->time_signed);
	o += put16(msg + o, t->fudge);
	o += put16(msg + o, (uint16_t)maclen);
	memcpy(msg + o, mac, maclen);
	o += maclen;
	o += put16(msg + o, t->orig_id);
	o += put16(msg + o, t->error);
	o += put16(msg + o, badtime ? 6 : 0);
	if (badtime)
		o += put48(msg + o, now);
	put16(msg + rdstart - 2, (uint16_t)(o - rdstart));
	put16(msg + 10, 1);                     /* ARCOUNT */
	return o;
}

/* rrl.c -- response rate limiting: one token-bucket table shared by the
 * workers (rrl.h).
 *
 * A table is an open array of 2^k buckets; a key (prefix, kind) hashes to
 * one bucket and takes it over when another key holds it (the loser's
 * state is forgotten: at worst an abusive source gets a fresh burst, a
 * trade NSD makes too). Tokens are kept in thousandths so that refill is
 * exact for any rate at millisecond resolution. Buckets are guarded by
 * STRIPES spinlocks (bucket index modulo STRIPES): workers meet on one only
 * when they answer for the same stripe at the same moment, and a bucket
 * update is a few dozen instructions.
 */
#include "rrl.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "errcode.h"
#include "lpm.h"

#define RRL_MAX_TABLES 256
#define STRIPES 64

struct bucket {
	uint8_t key[12];        /* family, kind, then up to 8 prefix bytes */
	uint32_t last_ms;       /* low 32 bits of the clock at last refill */
	int64_t milli;          /* tokens * 1000 */
	uint32_t limited;       /* limited answers since the last pass */
	bool used;
};

struct rrl {
	uint32_t rate;
	unsigned slip;
	size_t mask;
	uint32_t v4mask;        /* host order */
	uint8_t v6mask[8];      /* the first 64 bits; longer prefixes are cut */
	struct bucket *b;
	const struct rrl_exempt *x;
	_Atomic uint64_t passed, dropped, slipped, exempt;
	pthread_spinlock_t lock[STRIPES];
};

struct rrl_exempt {
	struct lpm *v4, *v6;
};

/* Every worker writes: an atomic add; readers sum with relaxed loads. */
static inline void
bump(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rrl *tables[RRL_MAX_TABLES];

int
rrl_exempt_new(char *const *cidrs, unsigned n, struct rrl_exempt **out,
    char *err, size_t errlen)
{
	struct lpm_builder *b4 = NULL, *b6 = NULL;
	struct rrl_exempt *x;
	*out = NULL;
	if (n == 0)
		return 0;
	if (!(x = calloc(1, sizeof(*x))) || lpm_builder_new(4, &b4) < 0 ||
	    lpm_builder_new(6, &b6) < 0) {
		lpm_builder_free(b4);
		free(x);
		snprintf(err, errlen, "out of memory");
		return DX_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct al_entry e;
		if (allowlist_parse_cidr(cidrs[i], &e, err, errlen) < 0) {
			lpm_builder_free(b4);
			lpm_builder_free(b6);
			free(x);
			return DX_EINVAL;
		}
		lpm_builder_add(e.family == 4 ? b4 : b6, e.addr, e.plen, 1);
	}
	int rc = lpm_build(b4, &x->v4);
	int rc6 = lpm_build(b6, &x->v6);
	if (rc < 0 || rc6 < 0) {
		rrl_exempt_free(x);
		snprintf(err, errlen, "out of memory");
		return DX_ENOMEM;
	}
	*out = x;
	return 0;
}

void
rrl_exempt_free(struct rrl_exempt *x)
{
	if (!x)
		return;
	lpm_free(x->v4);
	lpm_free(x->v6);
	free(x);
}

int
rrl_new(uint32_t rate, unsigned slip, unsigned size, unsigned v4len,
    unsigned v6len, const struct rrl_exempt *x, struct rrl **out)
{
	struct rrl *t;
	size_t n = 16;
	*out = NULL;
	if (v4len > 32 || v6len > 128)
		return DX_EINVAL;
	if (!(t = calloc(1, sizeof(*t))))
		return DX_ENOMEM;
	t->v4mask = v4len ? ~(uint32_t)0 << (32 - v4len) : 0;
	for (unsigned i = 0; i < 8; i++) {
		unsigned k = v6len > i * 8 ? v6len - i * 8 : 0;
		t->v6mask[i] = (uint8_t)(k >= 8 ? 0xff : k ? 0xff << (8 - k) : 0);
	}
	while (n < size && n < (1u << 24))
		n <<= 1;
	t->b = calloc(n, sizeof(*t->b));
	if (!t->b) {
		free(t);
		return DX_ENOMEM;
	}
	for (unsigned i = 0; i < STRIPES; i++)
		pthread_spin_init(&t->lock[i], PTHREAD_PROCESS_PRIVATE);
	t->mask = n - 1;
	t->rate = rate;
	t->slip = slip;
	t->x = x;
	pthread_mutex_lock(&reg_mu);
	for (unsigned i = 0; i < RRL_MAX_TABLES; i++)
		if (!tables[i]) {
			tables[i] = t;
			break;
		}
	pthread_mutex_unlock(&reg_mu);
	*out = t;
	return 0;
}

void
rrl_free(struct rrl *t)
{
	if (!t)
		return;
	/* Tables are freed at exit only; their counts leave the totals. */
	pthread_mutex_lock(&reg_mu);
	for (unsigned i = 0; i < RRL_MAX_TABLES; i++)
		if (tables[i] == t)
			tables[i] = NULL;
	pthread_mutex_unlock(&reg_mu);
	for (unsigned i = 0; i < STRIPES; i++)
		pthread_spin_destroy(&t->lock[i]);
	free(t->b);
	free(t);
}

enum rrl_kind
rrl_kind_of(int rcode, unsigned ancount)
{
	if (rcode == 0)
		return ancount ? RRL_POSITIVE : RRL_NODATA;
	if (rcode == 3)
		return RRL_NXDOMAIN;
	return RRL_ERROR;
}

/* The bucket key and whether peer is exempt; false for an unknown family. */
static bool
make_key(const struct rrl *t, const struct sockaddr *peer, enum rrl_kind kind,
    uint8_t key[12], bool *exempt)
{
	memset(key, 0, 12);
	key[1] = (uint8_t)kind;
	*exempt = false;
	if (peer->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)peer)->
		    sin_addr.s_addr);
		if (t->x && lpm_lookup4(t->x->v4, a, NULL) != LPM_NONE)
			*exempt = true;
		a &= t->v4mask;
		key[0] = 4;
		key[2] = (uint8_t)(a >> 24);
		key[3] = (uint8_t)(a >> 16);
		key[4] = (uint8_t)(a >> 8);
		key[5] = (uint8_t)a;
		return true;
	}
	if (peer->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)peer)->sin6_addr;
		const uint8_t *a = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			struct sockaddr_in s4;
			memset(&s4, 0, sizeof(s4));
			s4.sin_family = AF_INET;
			memcpy(&s4.sin_addr, a + 12, 4);
			return make_key(t, (struct sockaddr *)&s4, kind, key,
			    exempt);
		}
		if (t->x && lpm_lookup(t->x->v6, a, NULL) != LPM_NONE)
			*exempt = true;
		key[0] = 6;
		for (unsigned i = 0; i < 8; i++)
			key[2 + i] = a[i] & t->v6mask[i];
		return true;
	}
	return false;
}

static size_t
hash_key(const uint8_t key[12])
{
	uint64_t h, l = 0;
	memcpy(&h, key, 8);
	memcpy(&l, key + 8, 4);
	h ^= l * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)h;
}

enum rrl_action
rrl_account(struct rrl *t, const struct sockaddr *peer, enum rrl_kind kind,
    uint64_t now_ms)
{
	uint8_t key[12];
	bool exempt;
	if (!t || t->rate == 0 || !peer || !make_key(t, peer, kind, key, &exempt))
		return RRL_PASS;
	if (exempt) {
		bump(&t->exempt);
		return RRL_PASS;
	}
	size_t i = hash_key(key) & t->mask;
	struct bucket *b = &t->b[i];
	pthread_spinlock_t *lk = &t->lock[i % STRIPES];
	int64_t cap = (int64_t)t->rate * 1000;
	uint32_t now = (uint32_t)now_ms;
	bool pass, slip;
	pthread_spin_lock(lk);
	if (!b->used || memcmp(b->key, key, 12) != 0) {
		memcpy(b->key, key, 12);
		b->used = true;
		b->milli = cap;
		b->limited = 0;
		b->last_ms = now;
	} else {
		uint32_t dt = now - b->last_ms;     /* wraps correctly */
		/* Another worker read the clock a little earlier: "now" is
		 * then just behind last_ms; that refills nothing. */
		if (dt >= 0xffff0000u)
			dt = 0;
		if (dt > 1000000)
			dt = 1000000;
		b->milli += (int64_t)dt * t->rate;  /* rate/ms * 1000 */
		if (b->milli > cap)
			b->milli = cap;
		if (dt)
			b->last_ms = now;
	}
	pass = b->milli >= 1000;
	if (pass)
		b->milli -= 1000;
	else
		b->limited++;
	slip = !pass && t->slip && b->limited % t->slip == 0;
	pthread_spin_unlock(lk);
	if (pass) {
		bump(&t->passed);
		return RRL_PASS;
	}
	if (slip) {
		bump(&t->slipped);
		return RRL_SLIP;
	}
	bump(&t->dropped);
	return RRL_DROP;
}

size_t
rrl_truncate(uint8_t *reply, size_t len)
{
	if (len < 12)
		return len;
	size_t pos = 12;
	if (reply[4] == 0 && reply[5] == 1) {
		/* The question is a verbatim copy: labels, no pointers. */
		while (pos < len && reply[pos] != 0) {
			if (reply[pos] & 0xC0)
				return len;
			pos += 1u + reply[pos];
		}
		pos += 1 + 4;
		if (pos > len)
			return len;
	} else if (reply[4] != 0 || reply[5] != 0) {
		return len;
	}
	reply[2] |= 0x02;                   /* TC */
	memset(reply + 6, 0, 6);            /* AN, NS, AR: none */
	return pos;
}

void
rrl_stats(struct rrl_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&reg_mu);
	for (unsigned i = 0; i < RRL_MAX_TABLES; i++) {
		struct rrl *t = tables[i];
		if (!t)
			continue;
		out->passed += atomic_load_explicit(&t->passed,
		    memory_order_relaxed);
		out->dropped += atomic_load_explicit(&t->dropped,
		    memory_order_relaxed);
		out->slipped += atomic_load_explicit(&t->slipped,
		    memory_order_relaxed);
		out->exempt += atomic_load_explicit(&t->exempt,
		    memory_order_relaxed);
	}
	pthread_mutex_unlock(&reg_mu);
}

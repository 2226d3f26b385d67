/* lpm_testutil.h -- helpers shared by the prefix-map unit tests
 * (test_lpm.c, test_lpm_random.c, test_lpm6.c, test_lpm_builder.c): build a map that must
 * build, and collect lpm_walk's prefixes as text. Header-only (static
 * inline: a test may use one of them); include after cmocka.h. */
#ifndef LPM_TESTUTIL_H
#define LPM_TESTUTIL_H

#include <arpa/inet.h>
#include <stdio.h>

#include "lpm.h"

static inline struct lpm *
build(struct lpm_builder *b)
{
	struct lpm *m = NULL;
	assert_int_equal(lpm_build(b, &m), 0);
	assert_non_null(m);
	return m;
}

/* Walked prefixes as text: "!10.0.0.0/8" or "2001:db8::/64=5". stop_at
 * >= 100 means IPv6; the walk stops (returns 42) after stop_at % 100. */
struct walked {
	char s[16][80];
	unsigned n, stop_at;
};

static inline int
walk_cb(const uint8_t *addr, unsigned plen, uint32_t value, void *arg)
{
	struct walked *w = arg;
	char a[INET6_ADDRSTRLEN];
	inet_ntop(w->stop_at >= 100 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	if (value == LPM_NONE)
		snprintf(w->s[w->n], sizeof(w->s[0]), "!%s/%u", a, plen);
	else
		snprintf(w->s[w->n], sizeof(w->s[0]), "%s/%u=%u", a, plen, value);
	w->n++;
	return w->n == w->stop_at % 100 ? 42 : 0;
}

#endif

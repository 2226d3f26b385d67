/* lpm.h -- immutable longest-prefix-match maps for IPv4 and IPv6 addresses.
 *
 * Build once per load with a builder, then query from any number of threads
 * without locks: a built map is never written again. Values are opaque 32-bit
 * numbers chosen by the caller (a dataset uses them as entry indexes).
 * LPM_NONE as a value marks an exclusion: addresses it covers (and that no
 * longer prefix covers) are "not listed".
 */
#ifndef DNSXL_LPM_H
#define DNSXL_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LPM_NONE UINT32_MAX

struct lpm_builder;
struct lpm;

/* family is 4 or 6. Returns 0 or DX_ENOMEM; *out owned by the caller. */
int lpm_builder_new(int family, struct lpm_builder **out);

/* Add addr/plen -> value. addr is network byte order, 4 or 16 bytes; host
 * bits beyond plen are ignored (the caller enforces rbldnsd's -e rule).
 * plen 0..32 or 0..128. The same prefix added twice: the first value stays
 * and DX_EEXIST is returned (the caller decides whether that is an error;
 * after lpm_builder_defer_dups, lpm_build reports it instead).
 * DX_EINVAL for a bad plen. */
int lpm_builder_add(struct lpm_builder *b, const uint8_t *addr, unsigned plen,
    uint32_t value);

/* Deferred duplicate check (added for the load path; call it before the
 * first add). From then on lpm_builder_add never returns DX_EEXIST and keeps
 * no hash: lpm_build finds repeats after sorting, keeps the first add of
 * each prefix (as the immediate check does) and calls dup (may be NULL) once
 * per dropped add, in address order, with that add's tag. The immediate
 * check needs a cache miss per add on unsorted input; this costs nothing. */
void lpm_builder_defer_dups(struct lpm_builder *b,
    void (*dup)(const uint8_t *addr, unsigned plen, uint32_t tag, void *arg),
    void *arg);

/* lpm_builder_add with a caller's tag (a line number, say) handed back to
 * the dup callback; lpm_builder_add uses tag 0. Same results. */
int lpm_builder_add_tag(struct lpm_builder *b, const uint8_t *addr,
    unsigned plen, uint32_t value, uint32_t tag);

/* Number of prefixes added so far (in deferred mode, repeats included). */
size_t lpm_builder_count(const struct lpm_builder *b);

/* Turn the builder into an immutable map; the builder is consumed (freed)
 * whatever the result. Returns 0, DX_ENOMEM. */
int lpm_build(struct lpm_builder *b, struct lpm **out);

void lpm_builder_free(struct lpm_builder *b);
void lpm_free(struct lpm *m);

/* The value of the longest prefix covering addr, or LPM_NONE.
 * If plen_out is not NULL it receives that prefix's length (undefined when
 * LPM_NONE is returned). */
uint32_t lpm_lookup(const struct lpm *m, const uint8_t *addr, unsigned *plen_out);

/* IPv4 fast path: addr in host byte order. */
uint32_t lpm_lookup4(const struct lpm *m, uint32_t addr, unsigned *plen_out);

/* Start fetching the lines lpm_lookup4(m, addr) reads first (its bucket;
 * in a big map also its entry's line and the lines either side, guessed
 * from a cached /12 table), for a caller that knows the address before it
 * has other work to do. */
void lpm_prefetch4(const struct lpm *m, uint32_t addr);

/* n IPv4 lookups (host order) at once, the same answers as lpm_lookup4:
 * val[i] (and plen[i] if plen is not NULL, as plen_out). Prefetches
 * ahead so the memory misses of several lookups overlap: much faster than a
 * loop of lpm_lookup4 when the map is larger than the cache. */
void lpm_lookup4_batch(const struct lpm *m, const uint32_t *addr, size_t n,
    uint32_t *val, uint8_t *plen);

/* True if some address inside addr/plen maps to a value other than LPM_NONE:
 * decides whether a partial reverse name (78.40.zone) is an empty
 * non-terminal (NODATA) or does not exist (NXDOMAIN). */
bool lpm_any_within(const struct lpm *m, const uint8_t *addr, unsigned plen);

/* Call fn for every prefix added, in address order then length order, with
 * its value (LPM_NONE for exclusions). Stops early if fn returns non-zero and
 * returns that. Used by dumps and zone transfers. */
int lpm_walk(const struct lpm *m,
    int (*fn)(const uint8_t *addr, unsigned plen, uint32_t value, void *arg),
    void *arg);

/* Tuning, for tests and benchmarks: IPv4 maps built from now on get a
 * second-level index of 2^bits blocks (17..24; 0 = none; -1 = automatic,
 * the default: big maps only). Process-wide; not for use while building
 * in another thread. */
void lpm_index_bits(int bits);

int lpm_family(const struct lpm *m);
size_t lpm_prefix_count(const struct lpm *m);
size_t lpm_memory(const struct lpm *m);   /* bytes held, for metrics */

#endif

/* config_yaml_impl.h -- what the files of the YAML config reader share:
 * the parse context and node helpers (config_yaml_node.c) and the dataset
 * entries (config_yaml_dataset.c). Not a contract for other modules: use
 * config.h.
 */
#ifndef DNSXL_CONFIG_YAML_IMPL_H
#define DNSXL_CONFIG_YAML_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "config.h"
#include "diag.h"

struct yctx {
	yaml_document_t doc;
	const char *file;
	struct diag *d;
	struct config *c;
	char *base;              /* where relative data paths resolve */
};

/* An error at node n's line (n may be NULL: line 0). */
#define yerr(y, n, ...) diag_error((y)->d, (y)->file, cy_line(n), __VA_ARGS__)

#define FOR_PAIRS(y, n, p, k, v) \
	for (yaml_node_pair_t *p = (n)->data.mapping.pairs.start; \
	    p < (n)->data.mapping.pairs.top; p++) \
		for (yaml_node_t *k = cy_node(y, p->key), *v = cy_node(y, p->value); \
		    k; k = NULL)

#define FOR_ITEMS(y, n, it, v) \
	for (yaml_node_item_t *it = (n)->data.sequence.items.start; \
	    it < (n)->data.sequence.items.top; it++) \
		for (yaml_node_t *v = cy_node(y, *it); v; v = NULL)

/* config_yaml_node.c: a node by id, its line and scalar text; typed
 * values of key: node pairs (false, with the error reported, when wrong). */
yaml_node_t *cy_node(struct yctx *y, int id);
unsigned cy_line(const yaml_node_t *n);
const char *cy_scalar(const yaml_node_t *n);
bool cy_is_null(const yaml_node_t *n);
bool cy_get_str(struct yctx *y, const char *key, yaml_node_t *n, char **out);
int cy_parse_bool(const char *s);
bool cy_get_bool(struct yctx *y, const char *key, yaml_node_t *n, bool *out);
bool cy_get_uint(struct yctx *y, const char *key, yaml_node_t *n, unsigned long min,
    unsigned long max, unsigned long *out);
bool cy_get_dur(struct yctx *y, const char *key, yaml_node_t *n, uint32_t *out);
bool cy_map(struct yctx *y, yaml_node_t *n, const char *what);
bool cy_seq(struct yctx *y, yaml_node_t *n, const char *what);
void cy_strlist(struct yctx *y, const char *key, yaml_node_t *n, char ***vp,
    unsigned *np);
void cy_strv(struct yctx *y, yaml_node_t *n, const char *what, char ***vp,
    unsigned *np);
void cy_resolvers(struct yctx *y, yaml_node_t *n, char ***vp, unsigned *np);

/* config_yaml_dataset.c: one datasets entry; the azure-regions map. */
void cy_azure_regions(struct yctx *y, yaml_node_t *n);
void cy_dataset(struct yctx *y, yaml_node_t *e);

#endif

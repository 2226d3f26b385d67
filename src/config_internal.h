/* config_internal.h -- what config.c (shared parts), config_yaml.c (the
 * YAML file) and config_args.c (the rbldnsd command line) share. Not a
 * contract for other modules: use config.h.
 */
#ifndef DNSXL_CONFIG_INTERNAL_H
#define DNSXL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"

/* Allocation failure at load is fatal (STYLE.md 7): these exit. */
void *config_xrealloc(void *p, size_t n);
char *config_xstrdup(const char *s);
char *config_xstrndup(const char *s, size_t n);
void config_set_str(char **dst, const char *src);

/* A data file path: absolute, or relative to base (NULL = leave as is). */
char *config_resolve_path(const char *base, const char *file);

bool config_type_known(const char *t);
void config_free_strv(char **v, unsigned n);
struct config *config_defaults(void);
void config_free_datasets(struct config *c);
void config_free_listen(struct config *c);

/* Shared by both front ends; errors as text in err. */
int config_add_listen(struct config *c, const char *spec, char sep, char *err,
    size_t errlen);
int config_set_user(struct config *c, const char *s, char *err, size_t errlen);
int config_set_ttls(struct config *c, const char *s, char *err, size_t errlen);
int config_find_dataset(const struct config *c, const char *name);
struct cfg_dataset *config_new_dataset(struct config *c);
void config_add_file(struct cfg_dataset *ds, const char *base,
    const char *file);
int config_spec_dataset(struct config *c, const char *spec, const char *base,
    char *err, size_t errlen);
char *config_zone_name_norm(const char *s, char *err, size_t errlen);
int config_find_zone(const struct config *c, const char *name);
struct cfg_zone *config_new_zone(struct config *c, char *name);
int config_zone_add(struct config *c, struct cfg_zone *z, unsigned idx,
    char *err, size_t errlen);
int config_set_global_acl(struct config *c, int idx, char *err,
    size_t errlen);

/* Checks on the finished config, whatever its source. */
int config_check(struct config *c, struct diag *d);

/* Parse the YAML file path into c (which may hold defaults). */
int config_yaml_load(const char *path, struct diag *d, struct config *c);

#endif

/* ds_pending.c -- weak placeholders for the name-based dataset types until
 * their own files (ds_dnset.c, ds_generic.c, ds_combined.c, ds_acl.c)
 * provide the real, strong definitions; the registry skips a NULL name. */
#include "ds_impl.h"

__attribute__((weak)) const struct ds_type ds_type_dnset = { .name = NULL };
__attribute__((weak)) const struct ds_type ds_type_generic = { .name = NULL };
__attribute__((weak)) const struct ds_type ds_type_combined = { .name = NULL };
__attribute__((weak)) const struct ds_type ds_type_acl = { .name = NULL };

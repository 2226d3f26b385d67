/* errcode.h -- the one error convention: 0 is success, a negative DX_E* fails. */
#ifndef DNSXL_ERRCODE_H
#define DNSXL_ERRCODE_H

#include <errno.h>

/* Values map onto errno so strerror(-rc) is meaningful for the system ones. */
enum dx_err {
	DX_OK      = 0,
	DX_ENOMEM  = -ENOMEM,
	DX_EINVAL  = -EINVAL,   /* bad input: a data line, a config value, a packet */
	DX_ENOENT  = -ENOENT,   /* no such file, zone, name */
	DX_EIO     = -EIO,      /* read or write failed */
	DX_EEXIST  = -EEXIST,   /* duplicate (prefix, name, entry) */
	DX_ERANGE  = -ERANGE,   /* value out of range, buffer too small */
	DX_ESTALE  = -ESTALE,   /* data expired ($TIMESTAMP) */
	DX_EPERM   = -EPERM,    /* refused by a guard or an ACL */
	DX_EAGAIN  = -EAGAIN,   /* try again later (a file changed while read) */
};

/* Human text for an error code; never NULL. */
const char *dx_strerror(int rc);

#endif

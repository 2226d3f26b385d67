/* log.c -- the one logging module: stderr or syslog, with levels. */
#include "log.h"
#include "errcode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int log_level = LOG_INFO;
static int use_syslog;
static const char *progname = "dnsxl";

void
log_to_syslog(const char *ident, int facility)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	use_syslog = 1;
}

void
log_set_progname(const char *name)
{
	progname = name;
}

void
log_vmsg(int prio, const char *fmt, va_list ap)
{
	if (prio > log_level)
		return;
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	/* One fprintf per line keeps lines from several threads whole. */
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s: %s\n", progname, line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	char buf[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOG_WARNING, "%s: %s", buf, strerror(saved));
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

const char *
dx_strerror(int rc)
{
	switch (rc) {
	case DX_OK:     return "success";
	case DX_EINVAL: return "invalid input";
	case DX_EEXIST: return "duplicate entry";
	case DX_ESTALE: return "data expired";
	case DX_EPERM:  return "refused";
	default:        return rc < 0 ? strerror(-rc) : "unknown error";
	}
}

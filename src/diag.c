/* diag.c -- load-time problems reported as "file:line: message". */
#include "diag.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
	d->max_report = 100;
}

static void diag_report(struct diag *, int, const char *, unsigned,
    const char *, va_list) __attribute__((format(printf, 5, 0)));

static void
diag_report(struct diag *d, int is_error, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	unsigned seen = d->errors + d->warnings;
	char msg[1024];
	int off = 0;

	if (is_error)
		d->errors++;
	else
		d->warnings++;
	if (d->max_report && seen >= d->max_report) {
		if (seen == d->max_report)
			log_warnx("further problems not shown");
		return;
	}
	if (file && line)
		off = snprintf(msg, sizeof(msg), "%s:%u: ", file, line);
	else if (file)
		off = snprintf(msg, sizeof(msg), "%s: ", file);
	if (off < 0 || (size_t)off >= sizeof(msg))
		off = 0;
	vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
	if (d->sink)
		d->sink(d->sink_arg, is_error, msg);
	else
		log_msg(is_error ? LOG_ERR : LOG_WARNING, "%s", msg);
}

void
diag_error(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(d, 1, file, line, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(d, 0, file, line, fmt, ap);
	va_end(ap);
}

/* log.h -- the one logging module: stderr or syslog, levels, file:line errors. */
#ifndef DNSXL_LOG_H
#define DNSXL_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Current verbosity: messages above it are dropped. LOG_INFO by default. */
extern int log_level;

/* Send messages to syslog (ident, facility) instead of stderr. */
void log_to_syslog(const char *ident, int facility);
/* Prefix every stderr message with this program name. */
void log_set_progname(const char *name);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* warn appends ": strerror(errno)"; warnx does not (OpenBSD log.c). */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Cheap gate: the arguments are not evaluated unless debug is on. */
#define log_debug(...) do { if (log_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif

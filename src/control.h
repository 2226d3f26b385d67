/* control.h -- the control channel: a UNIX stream socket on which the
 * daemon takes one command line per connection (docs/control.md), and the
 * allowlist it edits; plus the client half used by `dnsxl`.
 *
 * Protocol: the client sends one line (words separated by spaces, "\n"
 * at the end); the server answers zero or more data lines, then one final
 * line, "ok" or "error: MESSAGE", and closes the connection.
 */
#ifndef DNSXL_CONTROL_H
#define DNSXL_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

struct config;
struct server;
struct reload;

/* The socket path the client uses when none is given (-s). */
#define CONTROL_DEFAULT_SOCKET "/run/dnsxld/control.sock"

/* Load the allowlist file named by cfg (missing file = empty list) and
 * publish it; remember the path for later edits. No file configured: no
 * allowlist (everyone allowed), and acl commands say so. Run after
 * privileges are dropped (the daemon's user writes the file). 0, or
 * DX_EINVAL / DX_EIO with file:line problems logged. */
int control_allowlist_init(const struct config *cfg);

/* Read the allowlist file again and publish it (SIGHUP, `dnsxl reload`);
 * on any problem the loaded list stays. msg (may be NULL) gets one line. */
int control_allowlist_reload(char *msg, size_t msglen);

/* Create the socket cfg->control_socket names (nothing when NULL): mode
 * 0600, owned by uid:gid when uid is not (uid_t)-1. A live socket at the
 * path is an error; a stale one is replaced. Before chroot and setuid.
 * 0, DX_EIO (logged), DX_EINVAL (path too long). */
int control_bind(const struct config *cfg, uid_t uid, gid_t gid);

/* Serve the socket on a thread of its own. argc/argv re-read the config
 * to check zone names; r (may be NULL) runs `dnsxl reload`. */
int control_start(struct server *srv, struct reload *r, int argc,
    char **argv);

/* Stop the thread, remove the socket, free the allowlist and its maps
 * (after the workers have stopped). */
void control_stop(void);

/* Run one command line as the socket does, appending the reply (data
 * lines and the final line) to *out (malloc'd, *outlen bytes). For
 * tests and the socket thread. */
void control_exec(const char *line, char **out, size_t *outlen);

/* For /metrics (metrics.c may append it): Prometheus text exposition of
 * the allowlist and rate-limiting counters,
 *   dnsxld_allowlist_allowed_total{entry="office",scope="*"} 1520
 *   dnsxld_allowlist_denied_total{scope="bl.example.org"} 2
 *   dnsxld_rrl_responses_total{action="dropped"} 310
 * malloc'd, NUL-terminated, *len bytes; NULL when out of memory. */
char *control_metrics_text(size_t *len);

/* ctl_client.c: `dnsxl acl|reload|status|stats ...` (argv[0] is the
 * command). Returns the exit status: 0 ok, 1 error reply, 2 usage or
 * connection problem. */
int ctl_client_main(int argc, char **argv);

#endif

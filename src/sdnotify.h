/* sdnotify.h -- systemd's readiness protocol (sd_notify(3)) without
 * libsystemd: one datagram of "KEY=value" lines to $NOTIFY_SOCKET.
 */
#ifndef DNSXL_SDNOTIFY_H
#define DNSXL_SDNOTIFY_H

/* Connect to $NOTIFY_SOCKET (a path, or "@name" for the abstract
 * namespace) if set; call before chroot. 0 also when unset; DX_EIO when
 * set but unusable (logged). */
int sdnotify_init(void);

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."), with
 * MAINPID (and MONOTONIC_USEC for RELOADING=1, as systemd 253 asks). No-op
 * without a socket. */
void sdnotify(const char *state);

void sdnotify_close(void);

#endif

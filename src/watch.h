/* watch.h -- notice changed data files without a signal: inotify on each
 * file's directory (so a file replaced by rename(2) and a file rewritten
 * in place are both seen), debounced: the callback runs once no event has
 * come for settle_ms, so a file still being written is not picked up
 * half-way. rbldnsd's -c interval (the reload timer) stays the fallback.
 */
#ifndef DNSXL_WATCH_H
#define DNSXL_WATCH_H

struct watch;

typedef void (*watch_fn)(void *arg);

/* Start the watcher thread. 0, DX_ENOMEM, or DX_EIO when inotify is not
 * available (logged; polling still works). */
int watch_start(watch_fn fn, void *arg, unsigned settle_ms,
    struct watch **out);

/* Replace the set of watched files (thread-safe; copied). */
void watch_set_files(struct watch *w, const char *const *paths, unsigned n);

void watch_stop(struct watch *w);

#endif

/* reload_prio.h -- the CPU priority of the reload (build) thread.
 *
 * A build runs under SCHED_IDLE: a waking worker on the same core takes it
 * over at once (at nice 10 a worker could wait tens of ms, measured in
 * docs/performance.md "Reload"). An idle thread hardly runs on a core that
 * other programs keep busy, so after DNSXLD_RELOAD_IDLE seconds (default
 * 5, 0 = never idle) a build goes on at nice 10 and still finishes.
 * Leaving SCHED_IDLE needs RLIMIT_NICE >= 10 or CAP_SYS_NICE; without
 * either, builds run at nice 10 throughout (never stuck idle).
 */
#ifndef DNSXL_RELOAD_PRIO_H
#define DNSXL_RELOAD_PRIO_H

#define RELOAD_NICE 10          /* the build's nice value outside SCHED_IDLE */

/* Main thread, before privileges are dropped: raise RLIMIT_NICE so that
 * the build thread may later leave SCHED_IDLE for nice 10. */
void reload_prio_init(void);

/* The reload thread, once: nice 10, and the escalation timer. */
void reload_prio_thread(void);

/* Around one build that runs while queries are being served. */
void reload_prio_begin(void);
void reload_prio_end(void);

#endif

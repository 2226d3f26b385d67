/* reload_prio.c -- SCHED_IDLE for builds, nice 10 after a deadline
 * (reload_prio.h says why). Linux: policy and nice are per thread, and a
 * POSIX timer's SIGEV_THREAD callback may change another thread's. */
#include "reload_prio.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"

#define IDLE_SECS_DEFAULT 5

static pid_t build_tid;
static timer_t escalate_timer;
static bool use_idle;           /* SCHED_IDLE can be entered and left */
static unsigned idle_secs;

static int
normal(pid_t tid)
{
	struct sched_param p = { .sched_priority = 0 };
	if (sched_setscheduler(tid, SCHED_OTHER, &p) < 0)
		return -1;
	return setpriority(PRIO_PROCESS, (id_t)tid, RELOAD_NICE);
}

/* Timer thread: the build is still running after idle_secs. */
static void
escalate(union sigval v)
{
	(void)v;
	if (normal(build_tid) == 0)
		log_info("reload: build still running after %u s under "
		    "SCHED_IDLE, going on at nice %d", idle_secs, RELOAD_NICE);
}

void
reload_prio_init(void)
{
	struct rlimit rl;
	const rlim_t need = 20 - RELOAD_NICE;   /* ceiling = 20 - rlim_cur */

	if (getrlimit(RLIMIT_NICE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	(void)setrlimit(RLIMIT_NICE, &rl);      /* needs CAP_SYS_RESOURCE */
}

/* CAP_SYS_NICE in the effective set (capget: no libcap for one bit). */
static bool
cap_sys_nice(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return (d[CAP_TO_INDEX(CAP_SYS_NICE)].effective &
	    CAP_TO_MASK(CAP_SYS_NICE)) != 0;
}

static void
idle_init(void)
{
	struct rlimit rl;

	if ((getrlimit(RLIMIT_NICE, &rl) < 0 || rl.rlim_cur < 20 - RELOAD_NICE) &&
	    !cap_sys_nice()) {
		log_info("reload: builds run at nice %d, not SCHED_IDLE: "
		    "RLIMIT_NICE is below %d and there is no CAP_SYS_NICE "
		    "(systemd: LimitNICE=%d)", RELOAD_NICE, 20 - RELOAD_NICE,
		    20 - RELOAD_NICE);
		return;
	}
	struct sigevent ev = {
		.sigev_notify = SIGEV_THREAD,
		.sigev_notify_function = escalate,
	};
	if (timer_create(CLOCK_MONOTONIC, &ev, &escalate_timer) < 0) {
		log_warn("reload: timer_create");
		return;
	}
	use_idle = true;
}

void
reload_prio_thread(void)
{
	const char *env = getenv("DNSXLD_RELOAD_IDLE");
	char *end;

	build_tid = gettid();
	idle_secs = IDLE_SECS_DEFAULT;
	if (env && *env) {
		unsigned long s = strtoul(env, &end, 10);
		if (*end || s > 86400)
			log_warnx("DNSXLD_RELOAD_IDLE=%s: not a number of "
			    "seconds (0-86400), using %u", env, idle_secs);
		else
			idle_secs = (unsigned)s;
	}
	if (idle_secs > 0)
		idle_init();
	/* After timer_create: glibc's timer thread, started from this one,
	 * keeps nice 0 and the name it inherits. */
	if (setpriority(PRIO_PROCESS, (id_t)build_tid, RELOAD_NICE) < 0)
		log_debug("reload thread: setpriority failed");
}

void
reload_prio_begin(void)
{
	struct sched_param p = { .sched_priority = 0 };
	struct itimerspec its = { .it_value = { .tv_sec = idle_secs } };

	if (!use_idle)
		return;
	if (sched_setscheduler(build_tid, SCHED_IDLE, &p) < 0)
		return;
	timer_settime(escalate_timer, 0, &its, NULL);
}

void
reload_prio_end(void)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (!use_idle)
		return;
	timer_settime(escalate_timer, 0, &off, NULL);
	if (normal(build_tid) < 0)
		log_warn("reload: cannot leave SCHED_IDLE");
}

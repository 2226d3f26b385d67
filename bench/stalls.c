/* stalls.c -- when did this machine itself stall? For bench/reload_bench.sh.
 *
 *   stalls [-t MS] CPU...      until SIGTERM or SIGINT, then print the stalls
 *
 * One thread per CPU, pinned, sleeps 1 ms at a time; a wake-up more than
 * MS (default 10) late means nothing on that CPU could run for that long (a
 * busy hypervisor, another tenant, the kernel): the threads are SCHED_FIFO,
 * so no ordinary thread, a server's or a build's, could have held them off.
 * A slow DNS answer that coincides with such a stall is the machine's.
 * Output, one line per stall, times in seconds since start:
 *   stall cpu 1 at 20.41 s: 98.7 ms
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAXCPU   64
#define MAXSTALL 4096

struct stall {
	int cpu;
	double at, ms;
};

static struct stall stalls[MAXSTALL];
static unsigned nstall;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double t0, limit_ms = 10;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
watch(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	cpu_set_t set;
	struct timespec one = { 0, 1000000 };

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
		fprintf(stderr, "stalls: cannot pin to CPU %d\n", cpu);
		return NULL;
	}
	/* Real-time, so that a late wake-up is not an ordinary thread that
	 * had the CPU (a server's worker) but something no thread could
	 * preempt. Without the privilege, it measures both. */
	struct sched_param fifo = { .sched_priority = 1 };
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo);
	for (;;) {
		double a = now();
		nanosleep(&one, NULL);
		double late = (now() - a) * 1e3 - 1;
		if (late > limit_ms) {
			pthread_mutex_lock(&mu);
			if (nstall < MAXSTALL)
				stalls[nstall++] = (struct stall){ cpu, a - t0, late };
			pthread_mutex_unlock(&mu);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	sigset_t stop;
	int sig, c;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't') {
			fprintf(stderr, "usage: stalls [-t MS] CPU...\n");
			return 2;
		}
		limit_ms = atof(optarg);
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: stalls [-t MS] CPU...\n");
		return 2;
	}
	/* Threads inherit the blocked set: only sigwait below sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	t0 = now();
	for (int i = optind; i < argc && i - optind < MAXCPU; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, watch, (void *)(intptr_t)atoi(argv[i])) != 0) {
			perror("stalls: pthread_create");
			return 1;
		}
	}
	sigwait(&stop, &sig);
	pthread_mutex_lock(&mu);
	for (unsigned i = 0; i < nstall; i++)
		printf("stall cpu %d at %.2f s: %.1f ms\n", stalls[i].cpu,
		    stalls[i].at, stalls[i].ms);
	fflush(stdout);
	return 0;
}

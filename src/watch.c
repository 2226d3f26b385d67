/* watch.c -- inotify watcher for the data files and the config file.
 *
 * Directories are watched, not files: a watch on a file follows its inode,
 * so after "write tmp; rename tmp file" it would keep watching the old,
 * unlinked inode. An event on a directory counts when its name is one of
 * the watched basenames. Each such event (re)arms a deadline settle_ms
 * ahead; when it passes quietly, the callback asks for a reload, which
 * compares file signatures and rebuilds only when something changed.
 */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "errcode.h"
#include "log.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | \
    IN_CREATE | IN_DELETE | IN_ATTRIB)

struct wfile {
	char *dir, *base;
	int wd;
};

struct watch {
	watch_fn fn;
	void *arg;
	unsigned settle_ms;
	int wake;                   /* eventfd: new file list, or stop */
	pthread_t tid;
	pthread_mutex_t mu;
	char **pending;             /* new list, taken by the thread */
	unsigned npending;
	bool have_pending, stop;
	/* Thread-owned. */
	int ifd;
	struct wfile *files;
	unsigned nfiles;
};

static void
free_files(struct watch *w)
{
	for (unsigned i = 0; i < w->nfiles; i++) {
		free(w->files[i].dir);
		free(w->files[i].base);
	}
	free(w->files);
	w->files = NULL;
	w->nfiles = 0;
}

/* Split path into directory and basename ("." for a bare name). */
static int
split(const char *path, char **dir, char **base)
{
	const char *s = strrchr(path, '/');
	if (!s) {
		*dir = strdup(".");
		*base = strdup(path);
	} else {
		*dir = s == path ? strdup("/") : strndup(path, (size_t)(s - path));
		*base = strdup(s + 1);
	}
	return *dir && *base ? 0 : DX_ENOMEM;
}

/* Rebuild the inotify instance for a new list (thread). */
static void
rewatch(struct watch *w, char **paths, unsigned n)
{
	free_files(w);
	if (w->ifd >= 0)
		close(w->ifd);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd < 0) {
		log_warn("inotify");
		return;
	}
	w->files = calloc(n ? n : 1, sizeof(*w->files));
	if (!w->files)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct wfile *f = &w->files[w->nfiles];
		if (split(paths[i], &f->dir, &f->base) < 0) {
			free(f->dir);
			free(f->base);
			continue;
		}
		f->wd = inotify_add_watch(w->ifd, f->dir, WATCH_MASK);
		if (f->wd < 0)
			log_warn("inotify %s", f->dir);
		w->nfiles++;
	}
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drain inotify; true when an event names a watched file. */
static bool
drain(struct watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof(buf));
		if (n <= 0)
			return hit;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			for (unsigned i = 0; i < w->nfiles; i++)
				if (w->files[i].wd == ev->wd && ev->len &&
				    strcmp(w->files[i].base, ev->name) == 0)
					hit = true;
			if (ev->mask & IN_Q_OVERFLOW)
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void *
watch_main(void *arg)
{
	struct watch *w = arg;
	long long deadline = -1;
	pthread_setname_np(pthread_self(), "watch");

	for (;;) {
		struct pollfd pf[2] = { { w->wake, POLLIN, 0 },
		    { w->ifd, POLLIN, 0 } };
		int timeout = -1;
		if (deadline >= 0) {
			long long d = deadline - now_ms();
			timeout = d < 0 ? 0 : (int)d;
		}
		int n = poll(pf, w->ifd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN) {
			uint64_t v;
			if (read(w->wake, &v, sizeof(v)) < 0)
				(void)0;
			pthread_mutex_lock(&w->mu);
			bool stop = w->stop;
			char **np = w->pending;
			unsigned nn = w->npending;
			bool have = w->have_pending;
			w->pending = NULL;
			w->have_pending = false;
			pthread_mutex_unlock(&w->mu);
			if (stop) {
				for (unsigned i = 0; np && i < nn; i++)
					free(np[i]);
				free(np);
				break;
			}
			if (have) {
				rewatch(w, np, nn);
				for (unsigned i = 0; i < nn; i++)
					free(np[i]);
				free(np);
			}
		}
		if (w->ifd >= 0 && (pf[1].revents & POLLIN) && drain(w))
			deadline = now_ms() + w->settle_ms;   /* debounce */
		if (deadline >= 0 && now_ms() >= deadline) {
			deadline = -1;
			w->fn(w->arg);
		}
	}
	return NULL;
}

int
watch_start(watch_fn fn, void *arg, unsigned settle_ms, struct watch **out)
{
	struct watch *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return DX_ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->settle_ms = settle_ms;
	w->ifd = -1;
	pthread_mutex_init(&w->mu, NULL);
	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake < 0) {
		log_warn("eventfd");
		free(w);
		return DX_EIO;
	}
	if (pthread_create(&w->tid, NULL, watch_main, w) != 0) {
		close(w->wake);
		free(w);
		return DX_ENOMEM;
	}
	*out = w;
	return 0;
}

static void
poke(struct watch *w)
{
	uint64_t one = 1;
	if (write(w->wake, &one, sizeof(one)) < 0)
		log_debug("watch: eventfd write failed");
}

void
watch_set_files(struct watch *w, const char *const *paths, unsigned n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return;
	for (unsigned i = 0; i < n; i++)
		if (!(v[i] = strdup(paths[i]))) {
			while (i--)
				free(v[i]);
			free(v);
			return;
		}
	pthread_mutex_lock(&w->mu);
	if (w->pending) {
		for (unsigned i = 0; i < w->npending; i++)
			free(w->pending[i]);
		free(w->pending);
	}
	w->pending = v;
	w->npending = n;
	w->have_pending = true;
	pthread_mutex_unlock(&w->mu);
	poke(w);
}

void
watch_stop(struct watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_mutex_unlock(&w->mu);
	poke(w);
	pthread_join(w->tid, NULL);
	if (w->pending) {
		for (unsigned i = 0; i < w->npending; i++)
			free(w->pending[i]);
		free(w->pending);
	}
	free_files(w);
	if (w->ifd >= 0)
		close(w->ifd);
	close(w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* sdnotify.c -- READY=1 / RELOADING=1 / STOPPING=1 to systemd over the
 * $NOTIFY_SOCKET datagram socket: a dozen lines instead of libsystemd. */
#include "sdnotify.h"

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "errcode.h"
#include "log.h"

static int sfd = -1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

int
sdnotify_init(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t n;

	if (!e || !*e)
		return 0;
	n = strlen(e);
	if ((e[0] != '/' && e[0] != '@') || n >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s: not a socket path", e);
		return DX_EIO;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, n);
	if (e[0] == '@')
		sun.sun_path[0] = '\0';         /* abstract namespace */
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sfd < 0 || connect(sfd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		log_warn("NOTIFY_SOCKET %s", e);
		if (sfd >= 0)
			close(sfd);
		sfd = -1;
		return DX_EIO;
	}
	/* Children (none today) must not talk to systemd in our name. */
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

void
sdnotify(const char *state)
{
	char msg[512];
	struct timespec ts;
	int n;

	pthread_mutex_lock(&mu);
	if (sfd < 0) {
		pthread_mutex_unlock(&mu);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (strcmp(state, "RELOADING=1") == 0)
		n = snprintf(msg, sizeof(msg), "%s\nMAINPID=%ld\n"
		    "MONOTONIC_USEC=%lld\n", state, (long)getpid(),
		    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	else
		n = snprintf(msg, sizeof(msg), "%s\nMAINPID=%ld\n", state,
		    (long)getpid());
	if (n > 0 && send(sfd, msg, (size_t)n < sizeof(msg) ? (size_t)n :
	    sizeof(msg) - 1, MSG_NOSIGNAL) < 0)
		log_debug("sd_notify: send failed");
	pthread_mutex_unlock(&mu);
}

void
sdnotify_close(void)
{
	if (sfd >= 0)
		close(sfd);
	sfd = -1;
}

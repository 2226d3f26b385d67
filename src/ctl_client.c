/* ctl_client.c -- the client half of the control channel: `dnsxl acl ...`,
 * `dnsxl reload`, `dnsxl status`, `dnsxl stats` turn their arguments into
 * one protocol line, send it to the daemon's socket and print the reply
 * (docs/control.md).
 */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_LINE_MAX 2048
#define CLI_TIMEOUT  30         /* a forced reload may take a while */

static int
usage(void)
{
	fprintf(stderr,
"usage: dnsxl [-s SOCKET] acl list\n"
"       dnsxl [-s SOCKET] acl add NAME CIDR|--current [--zone ZONE]\n"
"       dnsxl [-s SOCKET] acl rename OLD NEW\n"
"       dnsxl [-s SOCKET] acl set NAME CIDR\n"
"       dnsxl [-s SOCKET] acl pause|resume|delete NAME\n"
"       dnsxl [-s SOCKET] reload [--force]\n"
"       dnsxl [-s SOCKET] status | stats\n"
"The socket is " CONTROL_DEFAULT_SOCKET " unless -s or $DNSXL_SOCKET "
"says otherwise.\n");
	return 2;
}

static int
append(char *line, size_t cap, const char *word)
{
	size_t n = strlen(line);
	if (!*word || strpbrk(word, " \t\r\n")) {
		fprintf(stderr, "dnsxl: \"%s\": words must be non-empty and "
		    "without spaces\n", word);
		return -1;
	}
	if (n + strlen(word) + 2 >= cap) {
		fprintf(stderr, "dnsxl: command too long\n");
		return -1;
	}
	snprintf(line + n, cap - n, "%s%s", n ? " " : "", word);
	return 0;
}

/* The operator's address from SSH_CLIENT ("addr port port"). */
static int
current_addr(char *out, size_t cap)
{
	const char *s = getenv("SSH_CLIENT");
	size_t n = s ? strcspn(s, " ") : 0;
	if (!s || n == 0) {
		fprintf(stderr, "dnsxl: --current: SSH_CLIENT is not set "
		    "(not logged in over SSH?); give the address instead\n");
		return -1;
	}
	if (n >= cap) {
		fprintf(stderr, "dnsxl: --current: bad SSH_CLIENT \"%s\"\n", s);
		return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* `acl ...` arguments (after "acl") into the protocol line. */
static int
acl_line(int argc, char **argv, char *line, size_t cap)
{
	const char *zone = NULL;
	char cur[128];
	char *pos[4];
	int npos = 0, current = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--zone") || !strcmp(argv[i], "-z")) {
			if (i + 1 == argc)
				return usage();
			zone = argv[++i];
		} else if (!strncmp(argv[i], "--zone=", 7)) {
			zone = argv[i] + 7;
		} else if (!strcmp(argv[i], "--current")) {
			current = 1;
		} else if (npos < 4) {
			pos[npos++] = argv[i];
		} else {
			return usage();
		}
	}
	if (npos == 0)
		return usage();
	if ((zone || current) && strcmp(pos[0], "add") != 0) {
		fprintf(stderr, "dnsxl: --zone and --current go with acl add\n");
		return 2;
	}
	if (current) {
		if (npos != 2) {
			fprintf(stderr, "dnsxl: usage: acl add NAME --current "
			    "[--zone ZONE]\n");
			return 2;
		}
		if (current_addr(cur, sizeof(cur)) < 0)
			return 1;
		pos[npos++] = cur;
	}
	if (append(line, cap, "acl") < 0)
		return 2;
	for (int i = 0; i < npos; i++)
		if (append(line, cap, pos[i]) < 0)
			return 2;
	if (zone && append(line, cap, zone) < 0)
		return 2;
	return 0;
}

/* Send line, print the reply; the exit status. */
static int
talk(const char *path, const char *line)
{
	struct sockaddr_un sun;
	struct timeval tv = { CLI_TIMEOUT, 0 };
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dnsxl: %s: socket path too long\n", path);
		return 2;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "dnsxl: cannot connect to %s: %s (is dnsxld "
		    "running with control: socket: set?)\n", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t len = strlen(line);
	/* The daemon may answer (e.g. "permission denied") and close before
	 * reading our line: no SIGPIPE, and read its reply anyway. */
	int werr = 0;
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		werr = errno ? errno : EIO;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 1024 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (!nb)
				break;
			buf = nb;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (!buf || n == 0 || buf[n - 1] != '\n') {
		if (werr)
			fprintf(stderr, "dnsxl: %s: %s\n", path, strerror(werr));
		else
			fprintf(stderr, "dnsxl: %s: no complete reply\n", path);
		free(buf);
		return 2;
	}
	buf[n - 1] = '\0';
	char *last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	fwrite(buf, 1, (size_t)(last - buf), stdout);
	int rc;
	if (!strcmp(last, "ok")) {
		rc = 0;
	} else if (!strncmp(last, "error: ", 7)) {
		fprintf(stderr, "dnsxl: %s\n", last + 7);
		rc = 1;
	} else {
		fprintf(stderr, "dnsxl: unexpected reply \"%s\"\n", last);
		rc = 2;
	}
	free(buf);
	return rc;
}

int
ctl_client_main(int argc, char **argv)
{
	const char *path = getenv("DNSXL_SOCKET");
	char line[CLI_LINE_MAX] = "";
	int i = 0, rc;

	if (!path || !*path)
		path = CONTROL_DEFAULT_SOCKET;
	while (i < argc && (!strcmp(argv[i], "-s") ||
	    !strcmp(argv[i], "--socket"))) {
		if (i + 1 >= argc)
			return usage();
		path = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	const char *cmd = argv[i++];
	if (!strcmp(cmd, "acl")) {
		if ((rc = acl_line(argc - i, argv + i, line, sizeof(line))) != 0)
			return rc;
	} else if (!strcmp(cmd, "reload")) {
		if (i < argc && !strcmp(argv[i], "--force") && i + 1 == argc)
			snprintf(line, sizeof(line), "reload force");
		else if (i == argc)
			snprintf(line, sizeof(line), "reload");
		else
			return usage();
	} else if ((!strcmp(cmd, "status") || !strcmp(cmd, "stats")) &&
	    i == argc) {
		snprintf(line, sizeof(line), "%s", cmd);
	} else {
		return usage();
	}
	return talk(path, line);
}

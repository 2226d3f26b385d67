/* fuzz_control.c -- libFuzzer harness: the control channel. Byte 0 picks
 * the parser: even = control_exec() over each line of the rest (against
 * an allowlist file in a temp dir, reset before every input), odd = the
 * allowlist file parser (allowlist_parse, format, parse again, publish,
 * check a few peers). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "allowlist.h"
#include "control.h"
#include "fuzz_common.h"

/* Each edit saves the file and publishes a map (lpm_build of a 64K-bucket
 * root, ~2 ms, far more under ASan): keep inputs short. */
#define FZ_MAX_LINES 16

static const char base_list[] =
    "office 192.0.2.0/24\n"
    "home 2001:db8::/32 paused\n"
    "mon 198.51.100.7 zone=" FZ_ZONE "\n";

static char dir[64], file[96], data_path[96];
static struct config *cfg;

static void
cleanup(void)
{
	unlink(file);
	unlink(data_path);
	rmdir(dir);     /* allowlist_save renames or removes its temp files */
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	FZ_CHECK(f != NULL);
	fputs(text, f);
	FZ_CHECK(fclose(f) == 0);
}

/* Once: a config with one zone and an allowlist file, the control state
 * initialised without a socket (control_start only records argv then). */
static void
setup(void)
{
	static char *argv[4];
	static char spec[160], arg_al[120], prog[] = "dnsxld";

	fz_quiet();
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/dnsxl-fzctl.XXXXXX",
	    stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
	FZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/allow.list", dir);
	snprintf(data_path, sizeof(data_path), "%s/bl.ip4", dir);
	write_file(data_path, "127.0.0.2\n");
	write_file(file, base_list);
	atexit(cleanup);
	snprintf(spec, sizeof(spec), "%s:ip4set:%s", FZ_ZONE, data_path);
	snprintf(arg_al, sizeof(arg_al), "--allowlist=%s", file);
	argv[0] = prog;
	argv[1] = arg_al;
	argv[2] = spec;
	argv[3] = NULL;
	struct diag d;
	diag_init(&d);
	FZ_CHECK(config_from_args(3, argv, &d, &cfg) == 0);
	FZ_CHECK(cfg->allowlist_file != NULL);
	FZ_CHECK(control_allowlist_init(cfg) == 0);
	FZ_CHECK(control_start(NULL, NULL, 3, argv) == 0);
}

/* A reply is data lines, then exactly one final "ok" or "error: ...". */
static void
check_reply(const char *out, size_t len)
{
	FZ_CHECK(out != NULL && len > 0 && out[len - 1] == '\n');
	FZ_CHECK(memchr(out, '\0', len) == NULL);
	size_t last = len - 1;
	while (last > 0 && out[last - 1] != '\n')
		last--;
	FZ_CHECK((len - last == 3 && !memcmp(out + last, "ok\n", 3)) ||
	    (len - last > 8 && !memcmp(out + last, "error: ", 7)));
}

/* Is the file still base_list (no edit by the last input)? */
static int
file_is_base(void)
{
	char buf[sizeof(base_list) + 1];
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == sizeof(base_list) - 1 && !memcmp(buf, base_list, n);
}

static void
fuzz_commands(const uint8_t *data, size_t size)
{
	char line[4096];   /* > CTL_LINE_MAX: control_exec cuts */
	/* The same start for every input: the file, then the loaded list
	 * (an unchanged file is also the loaded list: edits save first). */
	static int loaded;
	if (!loaded || !file_is_base()) {
		write_file(file, base_list);
		char msg[400];
		FZ_CHECK(control_allowlist_reload(msg, sizeof(msg)) == 0);
		loaded = 1;
	}

	size_t pos = 0;
	for (int n = 0; pos < size && n < FZ_MAX_LINES; n++) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t l = nl ? (size_t)(nl - (data + pos)) : size - pos;
		/* a NUL ends the C string there, as it does in serve_one */
		size_t cl = l < sizeof(line) - 1 ? l : sizeof(line) - 1;
		memcpy(line, data + pos, cl);
		line[cl] = '\0';
		pos += l + 1;

		char *out = NULL;
		size_t outlen = 0;
		control_exec(line, &out, &outlen);
		if (getenv("FZ_CONTROL_SHOW"))      /* to eyeball the seeds */
			fprintf(stderr, "> %s\n%.*s", line, (int)outlen, out);
		check_reply(out, outlen);
		free(out);
	}
	/* whatever the edits did, the file on disk must load */
	struct diag d;
	struct allowlist *l = NULL;
	diag_init(&d);
	FZ_CHECK(allowlist_load(file, &d, &l) == 0);
	allowlist_free(l);
}

static void
fuzz_file(const uint8_t *data, size_t size)
{
	struct diag d;
	struct allowlist *l = allowlist_new();
	FZ_CHECK(l != NULL);
	diag_init(&d);
	int rc = allowlist_parse(l, (const char *)data, size, "fuzz", &d);
	FZ_CHECK(rc == 0 || d.errors > 0);

	/* What was kept formats to text that parses back to the same. */
	char *text = allowlist_format(l);
	FZ_CHECK(text != NULL);
	struct allowlist *l2 = allowlist_new();
	FZ_CHECK(l2 != NULL);
	diag_init(&d);
	FZ_CHECK(allowlist_parse(l2, text, strlen(text), "again", &d) == 0);
	FZ_CHECK(allowlist_count(l2) == allowlist_count(l));
	char *text2 = allowlist_format(l2);
	FZ_CHECK(text2 != NULL && strcmp(text, text2) == 0);
	free(text2);
	free(text);
	allowlist_free(l2);

	/* Publish it and ask the hot path about a few peers. */
	if (allowlist_publish(l) == 0) {
		struct sockaddr_in a4 = { .sin_family = AF_INET };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
		static const char *const v4[] = { "192.0.2.1", "127.0.0.1",
		    "0.0.0.0", "255.255.255.255" };
		static const char *const v6[] = { "2001:db8::1", "::1",
		    "::ffff:192.0.2.1" };
		static const char *const zones[] = { FZ_ZONE, "other.example" };
		uint32_t code;
		for (size_t z = 0; z < 2; z++) {
			for (size_t i = 0; i < 4; i++) {
				FZ_CHECK(inet_pton(AF_INET, v4[i],
				    &a4.sin_addr) == 1);
				(void)allowlist_check(cfg, zones[z],
				    (struct sockaddr *)&a4, &code);
			}
			for (size_t i = 0; i < 3; i++) {
				FZ_CHECK(inet_pton(AF_INET6, v6[i],
				    &a6.sin6_addr) == 1);
				(void)allowlist_check(cfg, zones[z],
				    (struct sockaddr *)&a6, &code);
			}
		}
	}
	allowlist_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cfg)
		setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_file(data + 1, size - 1);
	else
		fuzz_commands(data + 1, size - 1);
	return 0;
}

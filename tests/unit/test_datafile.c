/* test_datafile.c -- lines from plain and gzip files, line kinds, times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "datafile.h"
#include "dx_testutil.h"

static void
test_lines(void **state)
{
	char *path = tu_write("  first  \n\n\t# comment\r\nlast without newline");
	struct datafile *f;
	char *line;
	unsigned n;
	time_t mt = 0;
	(void)state;
	assert_int_equal(datafile_open(path, &f, &mt), 0);
	assert_true(mt > 0);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_string_equal(line, "first");
	assert_int_equal(n, 1);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_string_equal(line, "");
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_string_equal(line, "# comment");
	assert_int_equal(n, 3);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_string_equal(line, "last without newline");
	assert_int_equal(n, 4);
	assert_int_equal(datafile_next(f, &line, &n), 0);
	datafile_close(f);
	unlink(path);
	free(path);
	assert_int_equal(datafile_open("/nonexistent/x", &f, NULL), DX_ENOENT);
}

static void
test_long_line(void **state)
{
	char *buf = malloc(10010), *path, *line;
	struct datafile *f;
	unsigned n;
	(void)state;
	memset(buf, 'a', 10000);
	strcpy(buf + 10000, "\nb\n");
	path = tu_write(buf);
	assert_int_equal(datafile_open(path, &f, NULL), 0);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_int_equal(strlen(line), 10000);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_string_equal(line, "b");
	assert_int_equal(n, 2);
	datafile_close(f);
	unlink(path);
	free(path);
	free(buf);
}

static void
test_gzip_dataset(void **state)
{
	char path[] = "/tmp/dxgz-XXXXXX";
	int fd = mkstemp(path);
	gzFile gz;
	struct dataset *ds;
	struct diag d;
	struct tu_capture c;
	struct ds_loadopts o = { .ttl_default = 60 };
	const char *files[1] = { path };
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	gzputs(gz, ":3:gz $\n1.2.3.4\n10.0.0.0/8 :4:ten\n1.2.3.400\n");
	gzclose(gz);
	tu_diag(&d, &c);
	assert_int_equal(dataset_new(ds_type_find("ip4set"), files, 1, NULL, &ds), 0);
	assert_int_equal(dataset_load(ds, &o, &d), 0);
	assert_string_equal(tu_ans(ds, "1.2.3.4"), "127.0.0.3 gz 1.2.3.4");
	assert_string_equal(tu_ans(ds, "10.9.9.9"), "127.0.0.4 ten");
	assert_int_equal(d.warnings, 1);
	{
		char want[128];
		snprintf(want, sizeof(want), "%s:4: invalid address", path);
		assert_non_null(strstr(c.all, want));
	}
	dataset_free(ds);
	/* a corrupt gzip file is a read error, not a crash */
	{
		FILE *fp = fopen(path, "wb");
		static const unsigned char junk[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
		    0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
		fwrite(junk, 1, sizeof(junk), fp);
		fclose(fp);
		tu_diag(&d, &c);
		assert_int_equal(dataset_new(ds_type_find("ip4set"), files, 1, NULL,
		    &ds), 0);
		assert_int_equal(dataset_load(ds, &o, &d), DX_EIO);
		assert_true(d.errors >= 1);
		dataset_free(ds);
	}
	unlink(path);
}

static void
test_classify(void **state)
{
	char l1[] = "$SOA x", l2[] = "#$NS y", l3[] = ";$TTL 1", l4[] = ":$1 v",
	    l5[] = "# c", l6[] = "; c", l7[] = ":2:x", l8[] = "", l9[] = "1.2.3.4";
	char *kw;
	(void)state;
	assert_int_equal(datafile_classify(l1, &kw), DF_SPECIAL);
	assert_string_equal(kw, "SOA x");
	assert_int_equal(datafile_classify(l2, &kw), DF_SPECIAL);
	assert_string_equal(kw, "NS y");
	assert_int_equal(datafile_classify(l3, &kw), DF_SPECIAL);
	assert_int_equal(datafile_classify(l4, &kw), DF_SPECIAL);
	assert_string_equal(kw, "1 v");
	assert_int_equal(datafile_classify(l5, &kw), DF_COMMENT);
	assert_int_equal(datafile_classify(l6, &kw), DF_COMMENT);
	assert_int_equal(datafile_classify(l7, &kw), DF_DATA);
	assert_int_equal(datafile_classify(l8, &kw), DF_EMPTY);
	assert_int_equal(datafile_classify(l9, &kw), DF_DATA);
}

static void
test_keyword_and_times(void **state)
{
	char k1[] = "TtL  5m", k2[] = "ttlx 5", k3[] = "ttl", t1[] = "35m",
	    t2[] = "1w rest", t3[] = "2h:", t4[] = "5x", t5[] = "4294967296",
	    t6[] = "10", t7[] = "3D";
	uint32_t v;
	char *r;
	(void)state;
	assert_string_equal(df_keyword(k1, "ttl"), "5m");
	assert_null(df_keyword(k2, "ttl"));
	assert_null(df_keyword(k3, "ttl"));
	assert_non_null(df_parse_time(t1, &v));
	assert_int_equal(v, 2100);
	r = df_parse_time(t2, &v);
	assert_int_equal(v, 604800);
	assert_string_equal(r, "rest");
	r = df_parse_time(t3, &v);
	assert_int_equal(v, 7200);
	assert_string_equal(r, ":");
	assert_null(df_parse_time(t4, &v));
	assert_null(df_parse_time(t5, &v));
	assert_non_null(df_parse_time(t6, &v));
	assert_int_equal(v, 10);
	assert_non_null(df_parse_time(t7, &v));
	assert_int_equal(v, 259200);
}

static void
test_timestamps(void **state)
{
	char s1[] = "2005:01:02", s2[] = "20050102", s3[] = "2005-01-02-03:04:05",
	    s4[] = "0", s5[] = "-", s6[] = "2004:02:29", s7[] = "2005:02:29",
	    s8[] = "1969:01:01", s9[] = "2038:01:19:03:14:07 x";
	time_t t;
	(void)state;
	assert_non_null(df_parse_timestamp(s1, &t));
	assert_int_equal(t, 1104624000);
	assert_non_null(df_parse_timestamp(s2, &t));
	assert_int_equal(t, 1104624000);
	assert_non_null(df_parse_timestamp(s3, &t));
	assert_int_equal(t, 1104624000 + 3 * 3600 + 4 * 60 + 5);
	assert_non_null(df_parse_timestamp(s4, &t));
	assert_int_equal(t, 0);
	assert_non_null(df_parse_timestamp(s5, &t));
	assert_int_equal(t, 0);
	assert_non_null(df_parse_timestamp(s6, &t));
	assert_int_equal(t, 1078012800);
	assert_null(df_parse_timestamp(s7, &t));
	assert_null(df_parse_timestamp(s8, &t));
	assert_string_equal(df_parse_timestamp(s9, &t), "x");
	assert_int_equal(t, 2147483647);
}

static void
test_dname(void **state)
{
	char d1[] = "NS1.Example.COM. next", d2[] = "a..b", d3[] = ".";
	uint8_t w[256];
	unsigned len;
	char *r;
	(void)state;
	r = df_parse_dname(d1, w, &len);
	assert_string_equal(r, "next");
	assert_int_equal(len, 17);
	assert_memory_equal(w, "\3ns1\7example\3com", 17);
	assert_null(df_parse_dname(d2, w, &len));
	assert_non_null(df_parse_dname(d3, w, &len));
	assert_int_equal(len, 1);
}

/* text[0..size) into a new temporary file made from path (a mkstemp
 * template), gzip-compressed or plain. */
static void
write_temp(char *path, const char *text, size_t size, int gzip)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	if (gzip) {
		gzFile gz = gzdopen(fd, "wb");
		assert_int_equal(gzwrite(gz, text, (unsigned)size), (int)size);
		gzclose(gz);
	} else {
		assert_int_equal(write(fd, text, size), (ssize_t)size);
		close(fd);
	}
}

/* Lines of every length around the 256 KB read size, some with a NUL
 * (the line ends there), the last without a newline: each one comes back
 * whole, with its number, from a plain and from a gzip file. */
static void
check_boundaries(const char *text, size_t size, unsigned nlines, int gzip)
{
	char path[] = "/tmp/dxbnd-XXXXXX";
	struct datafile *f;
	char *line, want[40];
	unsigned n, i;
	write_temp(path, text, size, gzip);
	assert_int_equal(datafile_open(path, &f, NULL), 0);
	for (i = 1; i <= nlines; i++) {
		assert_int_equal(datafile_next(f, &line, &n), 1);
		assert_int_equal(n, i);
		snprintf(want, sizeof(want), "line %u", i);
		assert_int_equal(strncmp(line, want, strlen(want)), 0);
		/* the filler after the number is x's, cut at a NUL */
		assert_int_equal(strspn(line + strlen(want), "x"),
		    strlen(line) - strlen(want));
		if (i % 7 == 0)
			assert_int_equal(strlen(line), strlen(want) + 3);
	}
	assert_int_equal(datafile_next(f, &line, &n), 0);
	datafile_close(f);
	unlink(path);
}

static void
test_read_boundaries(void **state)
{
	size_t cap = 2u << 20, size = 0;
	char *text = malloc(cap);
	unsigned i = 0;
	(void)state;
	/* lengths 1..4000 cycling: lines end at every offset near 256 KB */
	while (size < (1u << 20) + 3000) {
		int k = sprintf(text + size, "line %u", ++i);
		size_t fill = (size_t)(i * 37 % 4000);
		if (i % 7 == 0 && fill < 4)
			fill = 4;
		size += (size_t)k;
		memset(text + size, 'x', fill);
		if (i % 7 == 0)
			text[size + 3] = '\0';         /* ends the line */
		size += fill;
		text[size++] = '\n';
	}
	size--;                                 /* the last line: no newline */
	check_boundaries(text, size, i, 0);
	check_boundaries(text, size, i, 1);
	free(text);
}

/* Random bytes (short lines, blanks, CRs, NULs, a few long lines that
 * span reads) from a plain and a gzip file against a plain reference:
 * a line ends at '\n', is cut at its first NUL, loses trailing blanks
 * (space, tab, CR) and leading spaces and tabs; the numbers count every
 * '\n'-ended line. */
static void
check_random(const char *text, size_t size, int gzip)
{
	char path[] = "/tmp/dxrnd-XXXXXX";
	struct datafile *f;
	char *line;
	unsigned n, want_n = 0;
	size_t pos = 0;
	write_temp(path, text, size, gzip);
	assert_int_equal(datafile_open(path, &f, NULL), 0);
	while (pos < size) {
		const char *p = text + pos, *nl = memchr(p, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - p) : size - pos;
		size_t e = strnlen(p, len), b = 0;
		while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t' ||
		    p[e - 1] == '\r'))
			e--;
		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		assert_int_equal(datafile_next(f, &line, &n), 1);
		assert_int_equal(n, ++want_n);
		assert_int_equal(strlen(line), e - b);
		assert_memory_equal(line, p + b, e - b);
		pos += len + 1;
	}
	assert_int_equal(datafile_next(f, &line, &n), 0);
	datafile_close(f);
	unlink(path);
}

static void
test_random_bytes(void **state)
{
	static const char alpha[] = "aaaaaaaaaa0123456789:/  \t\r\n\n\n\n";
	size_t size = 700000, i;
	char *text = malloc(size);
	uint32_t r = 12345;
	(void)state;
	for (int round = 0; round < 3; round++) {
		for (i = 0; i < size; i++) {
			r = r * 1103515245u + 12345u;
			unsigned x = r >> 16;
			if (x % (round == 0 ? 50 : 2000) == 0)
				text[i] = '\0';
			else if (round == 2 && x % 997 == 0) {
				/* a long line: no '\n' for a while */
				size_t k = i + 1000 + x % 300000;
				for (; i < size && i < k; i++)
					text[i] = (char)(i % 3 ? 'b' : '\0');
				i--;
			} else
				text[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		if (round == 1)
			text[size - 1] = '\n';    /* ends with a newline */
		check_random(text, size, 0);
		check_random(text, size, 1);
	}
	free(text);
}

/* Plain files are read without zlib and gzip ones through it, told
 * apart by the two magic bytes: a file that only starts like gzip (or
 * is one byte long) is plain text; bad data after the magic is a read
 * error, as gzread makes it. */
static void
test_gzip_magic(void **state)
{
	static const struct { const char *text; size_t len; int rc; const char *line; } c[] = {
		{ "\x1f", 1, 1, "\x1f" },
		{ "\x1f" "abc\n", 5, 1, "\x1f" "abc" },
		{ "\x8b\x1f" "x", 3, 1, "\x8b\x1f" "x" },
		{ "\x1f\x8b" "not gzip at all\n", 17, DX_EIO, NULL },
		{ "", 0, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char path[] = "/tmp/dxmagic-XXXXXX", *line;
		int fd = mkstemp(path);
		struct datafile *f;
		unsigned n;
		assert_true(fd >= 0);
		assert_int_equal(write(fd, c[i].text, c[i].len), (ssize_t)c[i].len);
		close(fd);
		assert_int_equal(datafile_open(path, &f, NULL), 0);
		assert_int_equal(datafile_next(f, &line, &n), c[i].rc);
		if (c[i].rc == 1) {
			assert_string_equal(line, c[i].line);
			assert_int_equal(datafile_next(f, &line, &n), 0);
		}
		datafile_close(f);
		unlink(path);
	}
}

/* A gzip stream cut short (a file still being written) is a read error,
 * even where a whole line before the cut could be read. */
static void
test_gzip_truncated(void **state)
{
	char path[] = "/tmp/dxgzt-XXXXXX";
	int fd = mkstemp(path);
	struct stat st;
	struct datafile *f;
	char *line;
	unsigned n, i;
	int r;
	gzFile gz;
	(void)state;
	assert_true(fd >= 0);
	gz = gzdopen(fd, "wb");
	for (i = 0; i < 100000; i++)
		gzprintf(gz, "10.%u.%u.%u\n", i >> 16, (i >> 8) & 255, i & 255);
	gzclose(gz);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	assert_int_equal(datafile_open(path, &f, NULL), 0);
	while ((r = datafile_next(f, &line, &n)) == 1)
		;
	assert_int_equal(r, DX_EIO);
	datafile_close(f);
	unlink(path);
}

/* A file rewritten in place while a load reads it must be noticed: the
 * lines read may be half old, half new (regression: a reload raced an
 * in-place rewrite and served a truncated list). */
static void
test_changed_while_read(void **state)
{
	char *path = tu_write("1.2.3.4\n5.6.7.8\n");
	struct datafile *f;
	char *line;
	unsigned n;
	FILE *fp;
	(void)state;
	assert_int_equal(datafile_open(path, &f, NULL), 0);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	assert_false(datafile_changed(f));
	while (datafile_next(f, &line, &n) > 0)
		;
	assert_false(datafile_changed(f));
	datafile_close(f);

	assert_int_equal(datafile_open(path, &f, NULL), 0);
	assert_int_equal(datafile_next(f, &line, &n), 1);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("9.9.9.9\n", fp);
	fclose(fp);
	assert_true(datafile_changed(f));
	datafile_close(f);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_changed_while_read),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_read_boundaries),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_gzip_magic),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_dataset),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_keyword_and_times),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_dname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

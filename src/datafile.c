/* datafile.c -- reading rbldnsd data files line by line (plain or gzip) and
 * the small value syntaxes shared by the specials ($SOA times, $TIMESTAMP). */
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>

#include "errcode.h"

struct datafile {
	gzFile gz;              /* NULL: a plain file, read() into rb */
	int fd;                 /* owned by gz if any; kept to fstat */
	struct stat st;         /* as opened: size and mtime tell a rewrite */
	char *buf;              /* a line that spans two reads is put together here */
	size_t cap;
	char *rb;               /* what gzread gave, lines are found in place */
	size_t rpos, rlen;
	size_t nul;             /* offset of a NUL in rb at or after the line
	                         * being read, rlen if none (one memchr per
	                         * read, not one per line: 8% of a load) */
	unsigned lineno;
};

/* Read size: one gzread per 256 KB instead of a call per byte. */
#define DF_READ (256 * 1024)

#define ISBLANK(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define ISDIGIT(c) ((c) >= '0' && (c) <= '9')

/* The read buffer: its own mapping, faulted in by one call (64 page
 * faults of 4 KB were ~2 ms of a load here: each is a VM exit). */
static char *
rb_alloc(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	void *p = mmap(NULL, DF_READ, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Is it gzip (the magic bytes)? Anything else is read as it is, as
 * gzread's transparent mode would, without zlib's buffers and copy. */
static bool
is_gzip(int fd)
{
	unsigned char m[2];
	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

int
datafile_open(const char *path, struct datafile **out, time_t *mtime)
{
	struct datafile *f;
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? DX_ENOENT : DX_EIO;
	if (!S_ISREG(st.st_mode))
		return DX_EIO;
	f = calloc(1, sizeof(*f));
	if (!f)
		return DX_ENOMEM;
	f->cap = 1024;
	f->buf = malloc(f->cap);
	f->rb = rb_alloc();
	if (!f->buf || !f->rb) {
		free(f->buf);
		if (f->rb)
			munmap(f->rb, DF_READ);
		free(f);
		return DX_ENOMEM;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &f->st) < 0) {
		int e = errno;
		if (f->fd >= 0)
			close(f->fd);
		free(f->buf);
		munmap(f->rb, DF_READ);
		free(f);
		return e == ENOENT ? DX_ENOENT : e == ENOMEM ? DX_ENOMEM : DX_EIO;
	}
	if (mtime)
		*mtime = f->st.st_mtime;
	if (is_gzip(f->fd)) {
		f->gz = gzdopen(f->fd, "rb");
		if (!f->gz) {
			close(f->fd);
			free(f->buf);
			munmap(f->rb, DF_READ);
			free(f);
			return DX_ENOMEM;
		}
		gzbuffer(f->gz, 128 * 1024);
	}
	*out = f;
	return 0;
}

/* Append n bytes to the line being put together in f->buf. */
static int
df_append(struct datafile *f, size_t *len, const char *p, size_t n)
{
	if (*len + n + 1 > f->cap) {    /* long line: grow geometrically */
		size_t nc = f->cap;
		while (*len + n + 1 > nc)
			nc *= 2;
		char *nb = realloc(f->buf, nc);
		if (!nb)
			return DX_ENOMEM;
		f->buf = nb;
		f->cap = nc;
	}
	memcpy(f->buf + *len, p, n);
	*len += n;
	return 0;
}

/* The next DF_READ bytes into f->rb: 1, 0 at the end, or DX_EIO for a
 * read error or a gzip stream cut short (Z_BUF_ERROR: a file still being
 * written; its tail must not load). */
static int
df_fill(struct datafile *f)
{
	int n, err;
	char *z;

	if (f->gz)
		n = gzread(f->gz, f->rb, DF_READ);
	else {
		/* a regular file: short only at its end */
		ssize_t r = 0;
		for (n = 0; n < DF_READ; n += (int)r) {
			r = read(f->fd, f->rb + n, (size_t)(DF_READ - n));
			if (r < 0 && errno == EINTR)
				r = 0;
			else if (r < 0)
				return DX_EIO;
			else if (r == 0)
				break;
		}
	}
	f->rpos = 0;
	f->rlen = n > 0 ? (size_t)n : 0;
	z = memchr(f->rb, '\0', f->rlen);
	f->nul = z ? (size_t)(z - f->rb) : f->rlen;
	if (!f->gz)
		return n > 0;
	if (n < DF_READ) {
		gzerror(f->gz, &err);
		if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
			return DX_EIO;
		if (n == 0 && !gzeof(f->gz))
			return DX_EIO;
	}
	return n > 0;
}

int
datafile_next(struct datafile *f, char **line, unsigned *lineno)
{
	size_t len = 0;
	char *s, *e, *nl;
	int r;

	/* A line found whole in the read buffer is used in place; one that
	 * spans two reads is put together in f->buf. A NUL ends its line
	 * (gzgets could not tell it from its terminator, and a NUL once glued
	 * the next line onto this one, shifting every later line number); the
	 * rest of that line is skipped. */
	for (;;) {
		if (f->rpos < f->rlen) {
			char *p = f->rb + f->rpos;
			size_t avail = f->rlen - f->rpos;
			nl = memchr(p, '\n', avail);
			if (nl && len == 0) {
				if (f->nul < f->rpos) {
					char *z = memchr(p, '\0', f->rlen - f->rpos);
					f->nul = z ? (size_t)(z - f->rb) : f->rlen;
				}
				s = p;
				e = f->rb + f->nul < nl ? f->rb + f->nul : nl;
				f->rpos += (size_t)(nl - p) + 1;
				*nl = '\0';
				goto trim;
			}
			size_t n = nl ? (size_t)(nl - p) : avail;
			if ((r = df_append(f, &len, p, n)) < 0)
				return r;
			f->rpos += n + (nl ? 1 : 0);
			if (nl)
				break;
		}
		if ((r = df_fill(f)) < 0)
			return r;
		if (r == 0) {
			if (len == 0)
				return 0;
			break;          /* last line without a newline */
		}
	}
	f->buf[len] = '\0';
	s = f->buf;
	e = s + len;
	if ((nl = memchr(s, '\0', (size_t)(e - s))) != NULL)
		e = nl;                         /* stop at an embedded NUL */
trim:
	f->lineno++;
	while (e > s && ISBLANK(e[-1]))
		e--;
	*e = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	*line = s;
	*lineno = f->lineno;
	return 1;
}

bool
datafile_changed(const struct datafile *f)
{
	struct stat now;

	if (fstat(f->fd, &now) < 0)
		return true;
	return now.st_size != f->st.st_size ||
	    now.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec;
}

void
datafile_close(struct datafile *f)
{
	if (!f)
		return;
	if (f->gz)
		gzclose(f->gz);
	else
		close(f->fd);
	free(f->buf);
	munmap(f->rb, DF_READ);
	free(f);
}

enum df_kind
datafile_classify(char *line, char **special)
{
	if (line[0] == '$') {
		*special = line + 1;
		return DF_SPECIAL;
	}
	if ((line[0] == '#' || line[0] == ';' || line[0] == ':') &&
	    line[1] == '$') {
		*special = line + 2;
		return DF_SPECIAL;
	}
	if (line[0] == '\0')
		return DF_EMPTY;
	if (line[0] == '#' || line[0] == ';')
		return DF_COMMENT;
	return DF_DATA;
}

char *
df_keyword(char *line, const char *kw)
{
	while (*kw) {
		char c = *line;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *kw)
			return NULL;
		line++;
		kw++;
	}
	if (*line != ' ' && *line != '\t')
		return NULL;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static char *
parse_u32(char *s, uint32_t *out)
{
	uint64_t n = 0;
	if (!ISDIGIT(*s))
		return NULL;
	do {
		n = n * 10 + (uint64_t)(*s++ - '0');
		if (n > UINT32_MAX)
			return NULL;
	} while (ISDIGIT(*s));
	*out = (uint32_t)n;
	return s;
}

static char *
skip_after(char *s)
{
	if (*s) {
		if (*s != ' ' && *s != '\t')
			return NULL;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return s;
}

char *
df_parse_uint32(char *s, uint32_t *out)
{
	if (!(s = parse_u32(s, out)))
		return NULL;
	return skip_after(s);
}

char *
df_parse_time(char *s, uint32_t *out)
{
	uint32_t n, m = 0;
	if (!(s = parse_u32(s, &n)))
		return NULL;
	switch (*s) {
	case 'w': case 'W': m = 7 * 24 * 3600; break;
	case 'd': case 'D': m = 24 * 3600; break;
	case 'h': case 'H': m = 3600; break;
	case 'm': case 'M': m = 60; break;
	case 's': case 'S': m = 1; break;
	}
	if (m) {
		if (n > UINT32_MAX / m)
			return NULL;
		n *= m;
		s++;
	}
	*out = n;
	if (*s == ':')
		return s;
	return skip_after(s);
}

static const unsigned char mdays[12] =
    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

static int
leap(unsigned y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* One field of w digits at most, within [min,max], then an optional
 * ':' or '-' separator. */
static char *
ts_field(char *s, unsigned *out, unsigned min, unsigned max, unsigned w)
{
	unsigned n = 0;
	if (!ISDIGIT(*s))
		return NULL;
	do
		n = n * 10 + (unsigned)(*s++ - '0');
	while (ISDIGIT(*s) && --w);
	if (n < min || n > max)
		return NULL;
	if (*s == ':' || *s == '-')
		s++;
	*out = n;
	return s;
}

char *
df_parse_timestamp(char *s, time_t *out)
{
	unsigned y, mon, d, h = 0, mi = 0, sec = 0, dim, i;
	int64_t days;

	if ((*s == '0' || *s == '-' || *s == ':') &&
	    (s[1] == '\0' || s[1] == ' ' || s[1] == '\t')) {
		*out = 0;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		return s;
	}
	if (!(s = ts_field(s, &y, 1970, 2038, 4)))
		return NULL;
	if (!(s = ts_field(s, &mon, 1, 12, 2)))
		return NULL;
	dim = (mon == 2 && leap(y)) ? 29 : mdays[mon - 1];
	if (!(s = ts_field(s, &d, 1, dim, 2)))
		return NULL;
	if (*s && *s != ' ' && *s != '\t' && !(s = ts_field(s, &h, 0, 23, 2)))
		return NULL;
	if (*s && *s != ' ' && *s != '\t' && !(s = ts_field(s, &mi, 0, 59, 2)))
		return NULL;
	if (*s && *s != ' ' && *s != '\t' && !(s = ts_field(s, &sec, 0, 59, 2)))
		return NULL;
	if (!(s = skip_after(s)))
		return NULL;
	days = 0;
	for (i = 1970; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (i = 1; i < mon; i++)
		days += mdays[i - 1] + (i == 2 && leap(y));
	days += d - 1;
	*out = (time_t)(((days * 24 + h) * 60 + mi) * 60 + sec);
	return s;
}

char *
df_parse_dname(char *s, uint8_t *wire, unsigned *len)
{
	char *w = s, *e;
	unsigned pos = 0;

	while (*s && *s != ' ' && *s != '\t')
		s++;
	e = s;
	if (e == w)
		return NULL;
	if (e - w > 1 && e[-1] == '.')
		e--;                /* trailing dot ignored */
	if (!(e - w == 1 && *w == '.')) {
		while (w < e) {
			unsigned l = 0;
			while (w + l < e && w[l] != '.')
				l++;
			if (l == 0 || l > 63 || pos + l + 2 > 255)
				return NULL;
			wire[pos++] = (uint8_t)l;
			for (unsigned i = 0; i < l; i++) {
				char c = w[i];
				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				wire[pos++] = (uint8_t)c;
			}
			w += l;
			if (w < e)
				w++;
		}
	}
	wire[pos++] = 0;
	*len = pos;
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

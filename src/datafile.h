/* datafile.h -- reading rbldnsd data files: lines, gzip, specials, times.
 *
 * A datafile yields lines with leading and trailing blanks removed, in a
 * buffer owned by the reader and reused for the next line (callers parse in
 * place and may modify it). gzip files are decompressed on the fly (zlib).
 */
#ifndef DNSXL_DATAFILE_H
#define DNSXL_DATAFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct datafile;

/* Open path for reading (plain or gzip). *mtime (optional) receives the
 * file's modification time. Returns 0, DX_ENOENT, DX_EIO, DX_ENOMEM. */
int datafile_open(const char *path, struct datafile **out, time_t *mtime);

/* Next line, NUL-terminated, blanks trimmed (may be ""). *lineno is its
 * 1-based number. Returns 1 with a line, 0 at end of file, DX_EIO on a read
 * or decompression error. */
int datafile_next(struct datafile *f, char **line, unsigned *lineno);

/* True when the open file was written to since it was opened (size or
 * mtime moved): what was read may be half old, half new, so the caller
 * must not use it (rbldnsd aborts such a load too). */
bool datafile_changed(const struct datafile *f);

void datafile_close(struct datafile *f);

/* What kind of line this is (rbldnsd readdslines rules). */
enum df_kind {
	DF_EMPTY,     /* "" */
	DF_COMMENT,   /* "# ..." or "; ..." (but not "#$") */
	DF_SPECIAL,   /* "$KW ...", "#$KW ...", ";$KW ...", ":$KW ..." */
	DF_DATA,      /* anything else, including ":A:TXT" default lines */
};
/* Classify line; for DF_SPECIAL *special points just past the '$'. */
enum df_kind datafile_classify(char *line, char **special);

/* If line starts with keyword kw (lowercase; compared case-insensitively)
 * followed by a blank, return a pointer to the next word, else NULL. */
char *df_keyword(char *line, const char *kw);

/* rbldnsd time: digits with an optional unit s m h d w ("35m", "1w").
 * On success returns a pointer past the value and the blanks after it;
 * NULL on a bad value or overflow. A ':' after the value is left in place
 * (for "-t 30:0:0"). */
char *df_parse_time(char *s, uint32_t *out);

/* Unsigned 32-bit decimal, followed by blanks or end. NULL if bad. */
char *df_parse_uint32(char *s, uint32_t *out);

/* $TIMESTAMP value "yyyy:mm:dd[:hh[:mi[:ss]]]" (':' or '-' separators
 * optional), or "0" / "-" = not given (*out = 0). Years 1970..2038. UTC.
 * Returns a pointer past it and the following blanks, NULL if bad. */
char *df_parse_timestamp(char *s, time_t *out);

/* A domain name word into wire format (lowercased, trailing dot ignored).
 * Returns a pointer past the word and blanks, NULL if bad. *len = wire
 * length including the root label. */
char *df_parse_dname(char *s, uint8_t *wire, unsigned *len);

#endif

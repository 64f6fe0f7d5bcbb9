/* csv: an RFC 4180 row scanner over a buffer in memory.
 *
 * It finds rows and field boundaries and nothing more: it never copies, never allocates, and
 * never stops at a bad row. Fields are comma separated; a field may be quoted ("...", with ""
 * for a quote) and then hold commas, CR and LF. Rows end at LF, CRLF, or a CR that is the last
 * byte of the input. Spaces and tabs around a quoted field are allowed. Lines are counted by LF
 * (a CRLF is one line), so a row's `line` is the physical line a text editor shows.
 *
 * A row the scanner cannot split cleanly is still returned whole, with a flag saying why, so
 * that the caller can dead-letter exactly that row and carry on at the next one:
 *   HR_CSV_UNTERMINATED  a quoted field runs to the end of the input (the row is the rest)
 *   HR_CSV_BAD_QUOTE     text follows a closing quote ("ab"c); the row ends at the next comma
 *                        or line end outside quotes as usual
 *   HR_CSV_NUL           the row contains a NUL byte
 *   HR_CSV_HIGH          the row contains a byte >= 0x80 (the caller checks UTF-8)
 * Must never read outside [data, data + len) whatever the bytes. */
#ifndef HR_CSV_H
#define HR_CSV_H

#include <stddef.h>
#include <stdint.h>

enum {
  HR_CSV_HIGH = 1u << 0,
  HR_CSV_NUL = 1u << 1,
  HR_CSV_UNTERMINATED = 1u << 2,
  HR_CSV_BAD_QUOTE = 1u << 3,
};

typedef struct hr_csv_field {
  size_t off;            /* byte offset in the input of the field's text (inside any quotes) */
  size_t len;            /* its length in bytes (without the quotes, "" still doubled) */
  unsigned char quoted;  /* 1 when the field was quoted */
  unsigned char escaped; /* 1 when it holds "" pairs to be undoubled (hr_csv_unescape) */
} hr_csv_field;

typedef struct hr_csv_row {
  size_t start;         /* offset of the row's first byte */
  size_t end;           /* offset one past its last byte, line terminator excluded */
  uint64_t line;        /* 1-based line on which the row starts */
  size_t nfields;       /* fields in the row; may exceed cap (only cap are stored) */
  unsigned flags;       /* HR_CSV_* */
  hr_csv_field *fields; /* caller-provided storage for up to cap fields */
  size_t cap;
} hr_csv_row;

typedef struct hr_csv {
  const char *data;
  size_t len;
  size_t pos;    /* offset of the next row */
  uint64_t line; /* 1-based line of pos */
} hr_csv;

void hr_csv_init(hr_csv *c, const char *data, size_t len);
/* Scans the row at c->pos into *row and moves past it. Returns 1, or 0 at the end of input. */
int hr_csv_next(hr_csv *c, hr_csv_row *row);
/* 1 when the row holds nothing but separators and blanks (skipped silently by readers). */
int hr_csv_row_blank(const hr_csv *c, const hr_csv_row *row);
/* Field i of the row, surrounding whitespace trimmed (still escaped when f->escaped). */
void hr_csv_field_trimmed(const hr_csv *c, const hr_csv_field *f, const char **s, size_t *n);
/* Undoubles "" in s[0..n) into out (at least n bytes); returns the new length. */
size_t hr_csv_unescape(const char *s, size_t n, char *out);

#endif

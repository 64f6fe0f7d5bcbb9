/* csv: the RFC 4180 row scanner (see csv.h). The inner loops walk a byte-class table so that
 * ordinary bytes cost one load and one compare; everything else (separators, quotes, NUL,
 * non-ASCII) drops out to a switch. This is the hot path of the attendance feed, which runs to
 * millions of rows. */
#include "csv.h"

#include <string.h>

enum { C_ORD = 0, C_COMMA, C_LF, C_CR, C_QUOTE, C_NUL, C_HIGH };

/* Classes outside quotes. */
static const unsigned char cls_plain[256] = {
    [0] = C_NUL, [','] = C_COMMA, ['\n'] = C_LF, ['\r'] = C_CR, ['"'] = C_QUOTE,
#define H16(b)                                                                                                         \
  [b + 0] = C_HIGH, [b + 1] = C_HIGH, [b + 2] = C_HIGH, [b + 3] = C_HIGH, [b + 4] = C_HIGH, [b + 5] = C_HIGH,          \
       [b + 6] = C_HIGH, [b + 7] = C_HIGH, [b + 8] = C_HIGH, [b + 9] = C_HIGH, [b + 10] = C_HIGH, [b + 11] = C_HIGH,   \
       [b + 12] = C_HIGH, [b + 13] = C_HIGH, [b + 14] = C_HIGH, [b + 15] = C_HIGH
    H16(0x80),   H16(0x90),       H16(0xA0),     H16(0xB0),     H16(0xC0),       H16(0xD0), H16(0xE0), H16(0xF0),
};

/* Classes inside quotes: only the quote, LF (for line counting), NUL and non-ASCII matter. */
static const unsigned char cls_quoted[256] = {
    [0] = C_NUL, ['\n'] = C_LF, ['"'] = C_QUOTE, H16(0x80), H16(0x90), H16(0xA0),
    H16(0xB0),   H16(0xC0),     H16(0xD0),       H16(0xE0), H16(0xF0),
#undef H16
};

void hr_csv_init(hr_csv *c, const char *data, size_t len) {
  c->data = data;
  c->len = len;
  c->pos = 0;
  c->line = 1;
}

static inline void add_field(hr_csv_row *row, size_t off, size_t len, int quoted, int escaped) {
  if (row->nfields < row->cap) {
    hr_csv_field *f = &row->fields[row->nfields];
    f->off = off;
    f->len = len;
    f->quoted = (unsigned char)quoted;
    f->escaped = (unsigned char)escaped;
  }
  row->nfields++;
}

int hr_csv_next(hr_csv *c, hr_csv_row *row) {
  const unsigned char *u = (const unsigned char *)c->data;
  const size_t n = c->len;
  size_t i = c->pos;
  if (i >= n) return 0;
  uint64_t lf = 0; /* LFs inside quoted fields of this row */
  unsigned flags = 0;
  row->start = i;
  row->line = c->line;
  row->nfields = 0;

  for (;;) { /* one field per turn */
    size_t fstart = i, k = i;
    int in_field = 1; /* still inside the field's text (unquoted, or a bad tail after quotes) */
    while (k < n && (u[k] == ' ' || u[k] == '\t'))
      k++;
    if (k < n && u[k] == '"') {
      size_t q = k + 1;
      int escaped = 0;
      for (;;) {
        while (q < n && !cls_quoted[u[q]])
          q++;
        if (q >= n) { /* the quote never closes: the row is the rest of the input */
          add_field(row, k + 1, n - (k + 1), 1, escaped);
          row->end = n;
          row->flags = flags | HR_CSV_UNTERMINATED;
          c->pos = n;
          c->line += lf;
          return 1;
        }
        unsigned char cl = cls_quoted[u[q]];
        if (cl == C_QUOTE) {
          if (q + 1 < n && u[q + 1] == '"') {
            escaped = 1;
            q += 2;
            continue;
          }
          break;
        }
        if (cl == C_LF)
          lf++;
        else
          flags |= cl == C_NUL ? HR_CSV_NUL : HR_CSV_HIGH;
        q++;
      }
      add_field(row, k + 1, q - (k + 1), 1, escaped);
      i = q + 1;
      while (i < n && (u[i] == ' ' || u[i] == '\t'))
        i++;
      if (i >= n || u[i] == ',' || u[i] == '\n' || (u[i] == '\r' && (i + 1 == n || u[i + 1] == '\n')))
        in_field = 0;
      else /* text after the closing quote: flag it and skip to the field's end */
        flags |= HR_CSV_BAD_QUOTE;
    }
    if (in_field) {
      for (;;) {
        while (i < n && !cls_plain[u[i]])
          i++;
        if (i >= n) break;
        unsigned char cl = cls_plain[u[i]];
        if (cl == C_COMMA || cl == C_LF) break;
        if (cl == C_CR) {
          if (i + 1 == n || u[i + 1] == '\n') break;
        } else if (cl == C_NUL) {
          flags |= HR_CSV_NUL;
        } else if (cl == C_HIGH) {
          flags |= HR_CSV_HIGH;
        }
        i++;
      }
      if (!(k < n && u[k] == '"')) add_field(row, fstart, i - fstart, 0, 0);
    }
    /* At a separator or the end. */
    if (i >= n) {
      row->end = n;
      c->pos = n;
      break;
    }
    if (u[i] == ',') {
      i++;
      if (i >= n) { /* a trailing comma at the very end: one more, empty field */
        add_field(row, n, 0, 0, 0);
        row->end = n;
        c->pos = n;
        break;
      }
      continue;
    }
    row->end = i;
    if (u[i] == '\r') i++;
    if (i < n && u[i] == '\n') {
      i++;
      lf++;
    }
    c->pos = i;
    break;
  }
  row->flags = flags;
  c->line += lf;
  return 1;
}

int hr_csv_row_blank(const hr_csv *c, const hr_csv_row *row) {
  if (row->flags) return 0;
  for (size_t i = row->start; i < row->end; i++) {
    char ch = c->data[i];
    if (ch != ',' && ch != ' ' && ch != '\t' && ch != '\r') return 0;
  }
  return 1;
}

static inline int is_blank(unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

void hr_csv_field_trimmed(const hr_csv *c, const hr_csv_field *f, const char **s, size_t *n) {
  const char *p = c->data + f->off;
  size_t len = f->len;
  if (len && (is_blank((unsigned char)p[0]) || is_blank((unsigned char)p[len - 1]))) {
    while (len && is_blank((unsigned char)p[0]))
      p++, len--;
    while (len && is_blank((unsigned char)p[len - 1]))
      len--;
  }
  *s = p;
  *n = len;
}

size_t hr_csv_unescape(const char *s, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    out[o++] = s[i];
    if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') i++;
  }
  return o;
}

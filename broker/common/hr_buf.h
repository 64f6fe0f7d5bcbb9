/* hr_buf: a growable byte buffer, and JSON string writing on top of it.
 * The buffer owns its memory; hr_buf_free() accepts a zeroed or half-built buffer. On an
 * allocation failure the buffer keeps what it had and sets `oom`, so callers check once at the
 * end instead of after every append. */
#ifndef HR_BUF_H
#define HR_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct hr_buf {
  char *data; /* NUL-terminated when len > 0 or after any append */
  size_t len; /* bytes used, excluding the terminating NUL */
  size_t cap; /* bytes allocated */
  int oom;    /* 1 after a failed allocation */
} hr_buf;

void hr_buf_free(hr_buf *b);
void hr_buf_reset(hr_buf *b); /* len = 0, memory kept */
int hr_buf_reserve(hr_buf *b, size_t extra);
void hr_buf_append(hr_buf *b, const void *p, size_t n);
void hr_buf_puts(hr_buf *b, const char *s);
void hr_buf_putc(hr_buf *b, char c);
void hr_buf_printf(hr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string. Invalid UTF-8 bytes become U+FFFD, controls are escaped. */
void hr_buf_json_str(hr_buf *b, const char *s, size_t n);
static inline void hr_buf_json_cstr(hr_buf *b, const char *s) {
  if (!s)
    hr_buf_puts(b, "null");
  else {
    size_t n = 0;
    while (s[n])
      n++;
    hr_buf_json_str(b, s, n);
  }
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one. */
size_t hr_utf8_seq_len(const unsigned char *s, size_t n);
/* 1 when all of s is valid UTF-8 (no overlongs, no surrogates). */
int hr_utf8_valid(const char *s, size_t n);

#endif

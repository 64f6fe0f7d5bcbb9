#include "hr_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hr_buf_free(hr_buf *b) {
  if (!b) return;
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void hr_buf_reset(hr_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

int hr_buf_reserve(hr_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->oom = 1;
    return -1;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void hr_buf_append(hr_buf *b, const void *p, size_t n) {
  if (hr_buf_reserve(b, n)) return;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void hr_buf_puts(hr_buf *b, const char *s) {
  hr_buf_append(b, s, strlen(s));
}

void hr_buf_putc(hr_buf *b, char c) {
  if (hr_buf_reserve(b, 1)) return;
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}

void hr_buf_printf(hr_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    hr_buf_append(b, small, (size_t)n);
    return;
  }
  if (hr_buf_reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

size_t hr_utf8_seq_len(const unsigned char *s, size_t n) {
  if (n == 0) return 0;
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned min;
  unsigned cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else
    return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

int hr_utf8_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    size_t l = hr_utf8_seq_len(u + i, n - i);
    if (!l) return 0;
    i += l;
  }
  return 1;
}

void hr_buf_json_str(hr_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  if (hr_buf_reserve(b, n + 2)) return;
  hr_buf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
    unsigned char c = u[i];
    if (c >= 0x80) {
      size_t l = hr_utf8_seq_len(u + i, n - i);
      if (l)
        hr_buf_append(b, u + i, l), i += l;
      else
        hr_buf_puts(b, "\xEF\xBF\xBD"), i++;
      continue;
    }
    if (c == '"')
      hr_buf_puts(b, "\\\"");
    else if (c == '\\')
      hr_buf_puts(b, "\\\\");
    else if (c == '\n')
      hr_buf_puts(b, "\\n");
    else if (c == '\r')
      hr_buf_puts(b, "\\r");
    else if (c == '\t')
      hr_buf_puts(b, "\\t");
    else if (c < 0x20 || c == 0x7F) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      hr_buf_append(b, e, 6);
    } else
      hr_buf_putc(b, (char)c);
    i++;
  }
  hr_buf_putc(b, '"');
}

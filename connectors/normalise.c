/* normalise: names and postcodes as REFERENCE section 6 and broker/READING.md R7 compare them.
 *
 * A name is decoded from UTF-8 (invalid bytes are skipped), each code point replaced by the
 * letters A-Z it contributes under NFKD with combining marks dropped and upper case (plus R7's
 * hand map for the letters NFKD leaves alone: ß -> SS, Æ -> AE, Œ -> OE, Ø -> O, Ł -> L,
 * Đ -> D, Þ -> TH), and everything else dropped. The table in normalise_table.h is generated
 * from Python's unicodedata, the same function the reference oracle uses, so the two agree on
 * every code point, not just on Latin-1. Both functions are pure and never write past cap. */
#include <stdint.h>
#include <string.h>

#include "connector.h"
#include "hr_buf.h"
#include "normalise_table.h"

static const char *table_lookup(uint32_t cp) {
  size_t lo = 0, hi = sizeof hr_norm_table / sizeof hr_norm_table[0];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (hr_norm_table[mid].cp < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < sizeof hr_norm_table / sizeof hr_norm_table[0] && hr_norm_table[lo].cp == cp) return hr_norm_table[lo].out;
  return NULL;
}

size_t hr_normalise_name(const char *s, size_t len, char *out, size_t cap) {
  const unsigned char *u = (const unsigned char *)s;
  size_t o = 0, i = 0;
  if (cap == 0) return 0;
  while (i < len) {
    unsigned char c = u[i];
    if (c < 0x80) {
      i++;
      if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 'a' + 'A');
      if (c >= 'A' && c <= 'Z' && o + 1 < cap) out[o++] = (char)c;
      continue;
    }
    size_t l = hr_utf8_seq_len(u + i, len - i);
    if (!l) {
      i++;
      continue;
    }
    uint32_t cp = l == 2 ? (c & 0x1Fu) : l == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < l; k++)
      cp = (cp << 6) | (u[i + k] & 0x3Fu);
    i += l;
    const char *rep = table_lookup(cp);
    for (; rep && *rep && o + 1 < cap; rep++)
      out[o++] = *rep;
  }
  out[o] = '\0';
  return o;
}

size_t hr_normalise_postcode(const char *s, size_t len, char *out, size_t cap) {
  size_t o = 0;
  if (cap == 0) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) && o + 1 < cap) out[o++] = c;
  }
  out[o] = '\0';
  return o;
}

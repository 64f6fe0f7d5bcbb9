/* link_compare: string comparators for person names. Pure functions over bytes, no allocation.
 *
 * Jaro and Jaro-Winkler follow Winkler (1990) "String comparator metrics and enhanced decision
 * rules in the Fellegi-Sunter model of record linkage" without the later adjustments for
 * similar-looking characters or long strings (the form Splink and most libraries use). Soundex is
 * the US National Archives' American Soundex; NYSIIS is Taft (1970) as Apache Commons Codec
 * implements it, whose published test vectors the unit tests check. */
#include <string.h>

#include "link.h"

#define JARO_MAX 64

static int is_alpha_upper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
static unsigned char upper(unsigned char c) {
  return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

double hr_jaro(const char *a, size_t la, const char *b, size_t lb) {
  if (la > JARO_MAX) la = JARO_MAX;
  if (lb > JARO_MAX) lb = JARO_MAX;
  if (la == 0 || lb == 0) return 0.0;
  if (la == lb && memcmp(a, b, la) == 0) return 1.0;
  size_t longer = la > lb ? la : lb;
  size_t window = longer / 2 >= 1 ? longer / 2 - 1 : 0;
  /* Matched flags as bit sets: strings are at most 64 bytes. */
  uint64_t ma = 0, mb = 0;
  size_t m = 0;
  for (size_t i = 0; i < la; i++) {
    size_t lo = i > window ? i - window : 0, hi = i + window + 1 < lb ? i + window + 1 : lb;
    for (size_t j = lo; j < hi; j++) {
      if ((mb >> j) & 1u) continue;
      if (a[i] != b[j]) continue;
      ma |= UINT64_C(1) << i;
      mb |= UINT64_C(1) << j;
      m++;
      break;
    }
  }
  if (m == 0) return 0.0;
  /* Transpositions: matched characters of a and b, in order, that differ; half of them count. */
  size_t t = 0, j = 0;
  for (size_t i = 0; i < la; i++) {
    if (!((ma >> i) & 1u)) continue;
    while (!((mb >> j) & 1u))
      j++;
    if (a[i] != b[j]) t++;
    j++;
  }
  double dm = (double)m;
  return (dm / (double)la + dm / (double)lb + (dm - (double)t / 2.0) / dm) / 3.0;
}

double hr_jaro_winkler(const char *a, size_t la, const char *b, size_t lb) {
  double j = hr_jaro(a, la, b, lb);
  size_t l = 0;
  while (l < 4 && l < la && l < lb && a[l] == b[l])
    l++;
  return j + (double)l * 0.1 * (1.0 - j);
}

/* ---- Soundex ----------------------------------------------------------------------------------- */

/* Codes A..Z; 0 = vowel (separates), '-' = H or W (does not separate). */
static const char sdx_code[26] = {'0', '1', '2', '3', '0', '1', '2', '-', '0', '2', '2', '4', '5',
                                  '5', '0', '1', '2', '6', '2', '3', '0', '1', '-', '2', '0', '2'};

int hr_soundex(const char *s, size_t n, char out[5]) {
  size_t i = 0, o = 0;
  out[0] = '\0';
  while (i < n && !is_alpha_upper(upper((unsigned char)s[i])))
    i++;
  if (i == n) return 0;
  unsigned char first = upper((unsigned char)s[i++]);
  out[o++] = (char)first;
  char last = sdx_code[first - 'A'];
  for (; i < n && o < 4; i++) {
    unsigned char c = upper((unsigned char)s[i]);
    if (!is_alpha_upper(c)) continue;
    char code = sdx_code[c - 'A'];
    if (code == '-') continue; /* H, W: the code before carries over */
    if (code == '0') {
      last = '0';
      continue;
    }
    if (code != last) out[o++] = code;
    last = code;
  }
  while (o < 4)
    out[o++] = '0';
  out[4] = '\0';
  return 1;
}

/* ---- NYSIIS ------------------------------------------------------------------------------------ */

static int nys_vowel(char c) {
  return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/* The replacement for chars[i] given its neighbours; returns its length (1..3) in rep. */
static int nys_transcode(char prev, char cur, char next, char after, char rep[3]) {
  if (cur == 'E' && next == 'V') return rep[0] = 'A', rep[1] = 'F', 2;
  if (nys_vowel(cur)) return rep[0] = 'A', 1;
  if (cur == 'Q') return rep[0] = 'G', 1;
  if (cur == 'Z') return rep[0] = 'S', 1;
  if (cur == 'M') return rep[0] = 'N', 1;
  if (cur == 'K') {
    if (next == 'N') return rep[0] = rep[1] = 'N', 2;
    return rep[0] = 'C', 1;
  }
  if (cur == 'S' && next == 'C' && after == 'H') return rep[0] = rep[1] = rep[2] = 'S', 3;
  if (cur == 'P' && next == 'H') return rep[0] = rep[1] = 'F', 2;
  if (cur == 'H' && (!nys_vowel(prev) || !nys_vowel(next))) return rep[0] = prev, 1;
  if (cur == 'W' && nys_vowel(prev)) return rep[0] = prev, 1;
  return rep[0] = cur, 1;
}

size_t hr_nysiis(const char *s, size_t n, char *out, size_t cap) {
  char w[JARO_MAX + 1];
  size_t len = 0;
  if (cap == 0) return 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && len < JARO_MAX; i++) {
    unsigned char c = upper((unsigned char)s[i]);
    if (is_alpha_upper(c)) w[len++] = (char)c;
  }
  if (len == 0) return 0;
  w[len] = '\0';
  /* Rule 1: the first letters. */
  if (len >= 3 && memcmp(w, "MAC", 3) == 0)
    w[1] = 'C';
  else if (len >= 2 && memcmp(w, "KN", 2) == 0)
    w[0] = 'N';
  else if (w[0] == 'K')
    w[0] = 'C';
  else if (len >= 2 && (memcmp(w, "PH", 2) == 0 || memcmp(w, "PF", 2) == 0))
    w[0] = w[1] = 'F';
  else if (len >= 3 && memcmp(w, "SCH", 3) == 0)
    w[1] = w[2] = 'S';
  /* Rule 2: the last letters. */
  if (len >= 2) {
    const char *e = w + len - 2;
    if (memcmp(e, "EE", 2) == 0 || memcmp(e, "IE", 2) == 0) {
      w[len - 2] = 'Y';
      w[--len] = '\0';
    } else if (memcmp(e, "DT", 2) == 0 || memcmp(e, "RT", 2) == 0 || memcmp(e, "RD", 2) == 0 ||
               memcmp(e, "NT", 2) == 0 || memcmp(e, "ND", 2) == 0) {
      w[len - 2] = 'D';
      w[--len] = '\0';
    }
  }
  char key[JARO_MAX + 1];
  size_t k = 0;
  key[k++] = w[0];
  for (size_t i = 1; i < len; i++) {
    char next = i + 1 < len ? w[i + 1] : ' ', after = i + 2 < len ? w[i + 2] : ' ';
    char rep[3];
    int r = nys_transcode(w[i - 1], w[i], next, after, rep);
    /* The replacement overwrites the letters after i too (EV -> AF: the V is now an F and is
     * transcoded in turn); it never runs past the end: SCH, KN, PH, EV are all in w. */
    memcpy(w + i, rep, (size_t)r);
    if (w[i] != w[i - 1]) key[k++] = w[i];
  }
  if (k > 1) {
    char last = key[k - 1];
    if (last == 'S') {
      k--;
      last = key[k - 1];
    }
    if (k > 2 && key[k - 2] == 'A' && last == 'Y') {
      key[k - 2] = 'Y';
      k--;
    }
    if (last == 'A') k--;
  }
  if (k >= cap) k = cap - 1;
  memcpy(out, key, k);
  out[k] = '\0';
  return k;
}

/* ---- One edit ---------------------------------------------------------------------------------- */

int hr_within_one_edit(const char *a, size_t la, const char *b, size_t lb) {
  if (la > lb) {
    const char *t = a;
    a = b;
    b = t;
    size_t tl = la;
    la = lb;
    lb = tl;
  }
  if (lb - la > 1) return 0;
  size_t i = 0;
  while (i < la && a[i] == b[i])
    i++;
  if (i == la) return 1; /* equal, or b has one more at the end */
  if (la == lb) {
    /* substitution at i, or a swap of i and i+1 */
    if (memcmp(a + i + 1, b + i + 1, la - i - 1) == 0) return 1;
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && memcmp(a + i + 2, b + i + 2, la - i - 2) == 0;
  }
  return memcmp(a + i, b + i + 1, la - i) == 0; /* b has one inserted at i */
}

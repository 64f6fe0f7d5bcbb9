/* hl7: message framing and field access for HL7 v2 (see hl7.h). Every function is bounded by
 * the span it is given: no read ever goes past the message, whatever its bytes. */
#include "hl7.h"

#include <string.h>

static int starts_msh(const char *data, size_t len, size_t i) {
  return len - i >= 3 && data[i] == 'M' && data[i + 1] == 'S' && data[i + 2] == 'H';
}

size_t hr_hl7_next_msh(const char *data, size_t len, size_t pos, uint64_t *lines) {
  const unsigned char *u = (const unsigned char *)data;
  size_t i = pos;
  uint64_t nl = 0;
  /* Skip the current segment's first bytes so an "MSH" at pos is not found again. */
  if (i < len && !hr_hl7_is_segsep(u[i])) i++;
  for (;;) {
    while (i < len && !hr_hl7_is_segsep(u[i]))
      i++;
    if (i >= len) break;
    while (i < len && hr_hl7_is_segsep(u[i])) {
      if (u[i] == '\n' || (u[i] == '\r' && (i + 1 >= len || u[i + 1] != '\n'))) nl++;
      i++;
    }
    size_t k = i;
    while (k < len && hr_hl7_is_frame(u[k]))
      k++;
    if (k < len && starts_msh(data, len, k)) {
      i = k;
      break;
    }
  }
  *lines += nl;
  return i < len ? i : len;
}

static int sep_ok(char c) {
  unsigned char u = (unsigned char)c;
  return u > 0x20 && u < 0x7F && !((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z'));
}

int hr_hl7_parse(hr_hl7_msg *m, const char *s, size_t n, const char **why) {
  memset(m, 0, sizeof *m);
  m->data = s;
  m->len = n;
  size_t i = 0;
  int first = 1;
  while (i < n) {
    size_t st = i;
    while (i < n && !hr_hl7_is_segsep((unsigned char)s[i]))
      i++;
    hr_hl7_span seg = {s + st, i - st};
    while (i < n && hr_hl7_is_segsep((unsigned char)s[i]))
      i++;
    while (seg.n && hr_hl7_is_frame((unsigned char)seg.s[0]))
      seg.s++, seg.n--;
    while (seg.n && hr_hl7_is_frame((unsigned char)seg.s[seg.n - 1]))
      seg.n--;
    if (seg.n == 0) continue;
    if (first) {
      first = 0;
      if (seg.n < 4 || memcmp(seg.s, "MSH", 3) != 0) {
        *why = "the message does not start with an MSH segment and its field separator";
        return -1;
      }
      m->fs = seg.s[3];
      if (!sep_ok(m->fs)) {
        *why = "the MSH field separator is not a punctuation character";
        return -1;
      }
      m->msh = seg;
      /* MSH-2: up to four encoding characters. */
      size_t k = 4, e = 0;
      char enc[4] = {0, 0, 0, 0};
      while (k < seg.n && seg.s[k] != m->fs && e < 4)
        enc[e++] = seg.s[k++];
      if (e == 0) memcpy(enc, "^~\\&", 4);
      for (size_t a = 0; a < 4; a++) {
        if (!enc[a]) continue;
        if (!sep_ok(enc[a]) || enc[a] == m->fs) goto bad_enc;
        for (size_t b = a + 1; b < 4; b++)
          if (enc[a] == enc[b]) goto bad_enc;
      }
      m->comp = enc[0];
      m->rep = enc[1];
      m->esc = enc[2];
      m->sub = enc[3];
      continue;
    }
    if (seg.n >= 3 && (seg.n == 3 || seg.s[3] == m->fs)) {
      hr_hl7_span *slot = NULL;
      if (memcmp(seg.s, "EVN", 3) == 0)
        slot = &m->evn;
      else if (memcmp(seg.s, "PID", 3) == 0)
        slot = &m->pid;
      else if (memcmp(seg.s, "PV1", 3) == 0)
        slot = &m->pv1;
      if (slot && !slot->s) *slot = seg;
    }
  }
  if (first) {
    *why = "the message is empty";
    return -1;
  }
  return 0;
bad_enc:
  *why = "the MSH-2 encoding characters are not distinct punctuation characters";
  return -1;
}

/* Piece idx (0-based) of v split by sep; sep 0 means v is one piece. */
static hr_hl7_span piece(hr_hl7_span v, char sep, int idx) {
  hr_hl7_span out = {NULL, 0};
  if (!v.s || idx < 0) return out;
  if (!sep) {
    if (idx == 0) out = v;
    return out;
  }
  size_t i = 0;
  for (int k = 0; k < idx; k++) {
    const char *p = memchr(v.s + i, sep, v.n - i);
    if (!p) return out;
    i = (size_t)(p - v.s) + 1;
  }
  const char *p = memchr(v.s + i, sep, v.n - i);
  out.s = v.s + i;
  out.n = p ? (size_t)(p - (v.s + i)) : v.n - i;
  return out;
}

hr_hl7_span hr_hl7_field(const hr_hl7_msg *m, hr_hl7_span seg, int n) {
  hr_hl7_span none = {NULL, 0};
  if (!seg.s || n < 1) return none;
  if (seg.n >= 3 && memcmp(seg.s, "MSH", 3) == 0) {
    if (n == 1) {
      hr_hl7_span fs = {seg.s + 3, seg.n > 3 ? 1u : 0u};
      return fs;
    }
    return piece(seg, m->fs, n - 1);
  }
  return piece(seg, m->fs, n);
}

hr_hl7_span hr_hl7_rep(const hr_hl7_msg *m, hr_hl7_span f, int r) {
  return piece(f, m->rep, r);
}
hr_hl7_span hr_hl7_comp(const hr_hl7_msg *m, hr_hl7_span v, int c) {
  return piece(v, m->comp, c - 1);
}
hr_hl7_span hr_hl7_sub(const hr_hl7_msg *m, hr_hl7_span v, int s) {
  return piece(v, m->sub, s - 1);
}

int hr_hl7_iter(hr_hl7_span v, char sep, size_t *cursor, hr_hl7_span *out) {
  if (!v.s || *cursor > v.n) return 0;
  size_t i = *cursor;
  const char *p = sep ? memchr(v.s + i, sep, v.n - i) : NULL;
  out->s = v.s + i;
  out->n = p ? (size_t)(p - (v.s + i)) : v.n - i;
  *cursor = p ? (size_t)(p - v.s) + 1 : v.n + 1;
  return 1;
}

hr_hl7_span hr_hl7_get(const hr_hl7_msg *m, hr_hl7_span seg, int n, int c) {
  return hr_hl7_sub(m, hr_hl7_comp(m, hr_hl7_rep(m, hr_hl7_field(m, seg, n), 0), c), 1);
}

size_t hr_hl7_unescape(const hr_hl7_msg *m, hr_hl7_span v, char *out) {
  size_t o = 0;
  if (!v.s) {
    out[0] = '\0';
    return 0;
  }
  const char e = m->esc;
  for (size_t i = 0; i < v.n; i++) {
    char c = v.s[i];
    if (!e || c != e || i + 2 >= v.n || v.s[i + 2] != e) {
      out[o++] = c;
      continue;
    }
    char code = v.s[i + 1], rep = 0;
    switch (code) {
    case 'F': rep = m->fs; break;
    case 'S': rep = m->comp; break;
    case 'T': rep = m->sub; break;
    case 'R': rep = m->rep; break;
    case 'E': rep = m->esc; break;
    case 'H':
    case 'N': i += 2; continue; /* highlighting on/off: no text */
    default: break;
    }
    if (!rep) {
      out[o++] = c;
      continue;
    }
    out[o++] = rep;
    i += 2;
  }
  out[o] = '\0';
  return o;
}

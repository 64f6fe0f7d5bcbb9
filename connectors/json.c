/* json: the strict, iterative JSON parser (see json.h). One loop with an explicit stack of open
 * containers: the parse of a 64 KiB line of "[[[[..." costs HR_JSON_MAX_DEPTH entries, not a C
 * stack frame per bracket. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "hr_err.h"

int hr_json_init(hr_json *j, uint32_t max) {
  memset(j, 0, sizeof *j);
  j->max = max;
  j->cap = max < 64 ? max : 64;
  j->nodes = malloc((size_t)(j->cap ? j->cap : 1) * sizeof *j->nodes);
  if (!j->nodes) return HR_ENOMEM;
  return 0;
}

void hr_json_free(hr_json *j) {
  if (!j) return;
  free(j->nodes);
  j->nodes = NULL;
  j->cap = j->max = j->count = 0;
}

static inline int is_ws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static inline int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads 4 hex digits at s[0..4) (caller checked the length); -1 when not hex. */
static long hex4(const unsigned char *s) {
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

typedef struct parse_state {
  hr_json *j;
  const unsigned char *s;
  size_t n;
  size_t i;
} parse_state;

static int fail(parse_state *p, const char *what) {
  p->j->err = what;
  p->j->err_pos = p->i;
  return HR_EPARSE;
}

static int new_node(parse_state *p, int type, size_t start, uint32_t *idx) {
  hr_json *j = p->j;
  if (j->count >= j->cap) { /* grow (rarely: the array is kept between documents) */
    uint32_t cap = j->cap < j->max / 2 ? j->cap * 2 : j->max;
    hr_json_node *nodes = cap > j->cap ? realloc(j->nodes, (size_t)cap * sizeof *nodes) : NULL;
    if (!nodes) {
      j->err = cap > j->cap ? "out of memory" : "too many values";
      j->err_pos = p->i;
      return HR_ETOOBIG;
    }
    j->nodes = nodes;
    j->cap = cap;
  }
  hr_json_node *nd = &j->nodes[j->count];
  nd->type = (uint8_t)type;
  nd->escaped = 0;
  nd->start = (uint32_t)start;
  nd->len = 0;
  *idx = j->count++;
  nd->end = j->count;
  return 0;
}

/* A string starting at the opening quote p->i. */
static int parse_string(parse_state *p) {
  uint32_t idx;
  int rc = new_node(p, HR_JSON_STRING, p->i + 1, &idx);
  if (rc) return rc;
  const unsigned char *s = p->s;
  size_t i = p->i + 1, n = p->n;
  int escaped = 0;
  for (;;) {
    if (i >= n) return p->i = i, fail(p, "unterminated string");
    unsigned char c = s[i];
    if (c == '"') break;
    if (c < 0x20) return p->i = i, fail(p, "control character in string");
    if (c != '\\') {
      i++;
      continue;
    }
    escaped = 1;
    if (i + 1 >= n) return p->i = i, fail(p, "unterminated escape");
    c = s[i + 1];
    if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      i += 2;
      continue;
    }
    if (c != 'u' || i + 6 > n) return p->i = i, fail(p, "bad escape");
    long cp = hex4(s + i + 2);
    if (cp < 0) return p->i = i, fail(p, "bad \\u escape");
    i += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return p->i = i, fail(p, "lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u') return p->i = i, fail(p, "lone high surrogate");
      long lo = hex4(s + i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) return p->i = i, fail(p, "lone high surrogate");
      i += 6;
    }
  }
  hr_json_node *nd = &p->j->nodes[idx];
  nd->len = (uint32_t)(i - (p->i + 1));
  nd->escaped = (uint8_t)escaped;
  p->i = i + 1;
  return 0;
}

static int parse_number(parse_state *p) {
  const unsigned char *s = p->s;
  size_t i = p->i, n = p->n, start = i;
  if (i < n && s[i] == '-') i++;
  if (i >= n || !is_digit(s[i])) return p->i = i, fail(p, "bad number");
  if (s[i] == '0')
    i++;
  else
    while (i < n && is_digit(s[i]))
      i++;
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !is_digit(s[i])) return p->i = i, fail(p, "bad number");
    while (i < n && is_digit(s[i]))
      i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !is_digit(s[i])) return p->i = i, fail(p, "bad number");
    while (i < n && is_digit(s[i]))
      i++;
  }
  uint32_t idx;
  int rc = new_node(p, HR_JSON_NUMBER, start, &idx);
  if (rc) return rc;
  p->j->nodes[idx].len = (uint32_t)(i - start);
  p->i = i;
  return 0;
}

static int parse_literal(parse_state *p, const char *word, int type) {
  size_t wl = strlen(word);
  if (p->n - p->i < wl || memcmp(p->s + p->i, word, wl) != 0) return fail(p, "unexpected character");
  uint32_t idx;
  int rc = new_node(p, type, p->i, &idx);
  if (rc) return rc;
  p->j->nodes[idx].len = (uint32_t)wl;
  p->i += wl;
  return 0;
}

static void skip_ws(parse_state *p) {
  while (p->i < p->n && is_ws(p->s[p->i]))
    p->i++;
}

/* An object key and its colon. */
static int parse_key(parse_state *p) {
  skip_ws(p);
  if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected a string key");
  int rc = parse_string(p);
  if (rc) return rc;
  skip_ws(p);
  if (p->i >= p->n || p->s[p->i] != ':') return fail(p, "expected ':'");
  p->i++;
  return 0;
}

int hr_json_parse(hr_json *j, const char *src, size_t n) {
  parse_state p = {j, (const unsigned char *)src, n, 0};
  uint32_t stack[HR_JSON_MAX_DEPTH];
  int depth = 0, rc;
  j->src = src;
  j->count = 0;
  j->err = NULL;
  j->err_pos = 0;
  if (n >= UINT32_MAX) return fail(&p, "document too large");

  for (;;) {
    /* Expecting a value. */
    skip_ws(&p);
    if (p.i >= n) return fail(&p, depth ? "unexpected end" : "empty document");
    unsigned char c = p.s[p.i];
    if (c == '{' || c == '[') {
      if (depth == HR_JSON_MAX_DEPTH) return fail(&p, "nested too deeply");
      uint32_t idx;
      if ((rc = new_node(&p, c == '{' ? HR_JSON_OBJECT : HR_JSON_ARRAY, p.i, &idx))) return rc;
      stack[depth++] = idx;
      p.i++;
      skip_ws(&p);
      if (p.i < n && p.s[p.i] == (c == '{' ? '}' : ']')) goto close_container;
      if (c == '{' && (rc = parse_key(&p))) return rc;
      continue;
    }
    if (c == '"')
      rc = parse_string(&p);
    else if (c == '-' || is_digit(c))
      rc = parse_number(&p);
    else if (c == 't')
      rc = parse_literal(&p, "true", HR_JSON_TRUE);
    else if (c == 'f')
      rc = parse_literal(&p, "false", HR_JSON_FALSE);
    else if (c == 'n')
      rc = parse_literal(&p, "null", HR_JSON_NULL);
    else
      rc = fail(&p, "unexpected character");
    if (rc) return rc;

  after_value:
    skip_ws(&p);
    if (depth == 0) {
      if (p.i != n) return fail(&p, "text after the value");
      return 0;
    }
    if (p.i >= n) return fail(&p, "unexpected end");
    c = p.s[p.i];
    {
      hr_json_node *top = &j->nodes[stack[depth - 1]];
      if (c == ',') {
        p.i++;
        if (top->type == HR_JSON_OBJECT && (rc = parse_key(&p))) return rc;
        continue;
      }
      if (c != (top->type == HR_JSON_OBJECT ? '}' : ']')) return fail(&p, "expected ',' or a closing bracket");
    }
  close_container : {
    hr_json_node *top = &j->nodes[stack[--depth]];
    p.i++;
    top->end = j->count;
    top->len = (uint32_t)(p.i - top->start);
  }
    goto after_value;
  }
}

int hr_json_first(const hr_json *j, int container) {
  if (container < 0) return -1;
  const hr_json_node *c = &j->nodes[container];
  if (c->type != HR_JSON_ARRAY && c->type != HR_JSON_OBJECT) return -1;
  return (uint32_t)container + 1 < c->end ? container + 1 : -1;
}

int hr_json_next(const hr_json *j, int container, int i) {
  if (container < 0 || i < 0) return -1;
  uint32_t nx = j->nodes[i].end;
  return nx < j->nodes[container].end ? (int)nx : -1;
}

static size_t put_utf8(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t hr_json_str(const hr_json *j, int i, char *out) {
  const hr_json_node *nd = &j->nodes[i];
  const unsigned char *s = (const unsigned char *)j->src + nd->start;
  size_t n = nd->len, o = 0;
  if (!nd->escaped) {
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
  }
  /* The parser checked every escape, so this loop trusts the shapes. */
  for (size_t k = 0; k < n;) {
    if (s[k] != '\\') {
      out[o++] = (char)s[k++];
      continue;
    }
    unsigned char e = s[k + 1];
    k += 2;
    switch (e) {
    case 'b': out[o++] = '\b'; break;
    case 'f': out[o++] = '\f'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'u': {
      unsigned long cp = (unsigned long)hex4(s + k);
      k += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned long lo = (unsigned long)hex4(s + k + 2);
        k += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      o += put_utf8(out + o, cp);
      break;
    }
    default: out[o++] = (char)e; break; /* " \ / */
    }
  }
  out[o] = '\0';
  return o;
}

int hr_json_get(const hr_json *j, int obj, const char *key) {
  if (hr_json_type_of(j, obj) != HR_JSON_OBJECT) return -1;
  size_t kl = strlen(key);
  int found = -1;
  for (int k = hr_json_first(j, obj); k >= 0; k = hr_json_next(j, obj, k + 1)) {
    const hr_json_node *kn = &j->nodes[k];
    int match;
    if (!kn->escaped) {
      match = kn->len == kl && memcmp(j->src + kn->start, key, kl) == 0;
    } else {
      char buf[64];
      match = kn->len < sizeof buf && (hr_json_str(j, k, buf), strlen(buf) == kl) && memcmp(buf, key, kl) == 0;
    }
    if (match) found = k + 1;
  }
  return found;
}

int hr_json_int(const hr_json *j, int i, int64_t *out) {
  if (hr_json_type_of(j, i) != HR_JSON_NUMBER) return 0;
  const hr_json_node *nd = &j->nodes[i];
  const char *s = j->src + nd->start;
  size_t n = nd->len, k = 0;
  if (memchr(s, 'e', n) || memchr(s, 'E', n)) { /* an exponent: strtod on a short copy */
    char buf[64];
    if (n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    double d = strtod(buf, NULL);
    if (!(d >= -9.0e18 && d <= 9.0e18) || d != (double)(int64_t)d) return 0;
    *out = (int64_t)d;
    return 1;
  }
  int neg = 0;
  if (s[k] == '-') neg = 1, k++;
  /* Integer digits, then an optional all-zero fraction. */
  uint64_t v = 0;
  for (; k < n && is_digit((unsigned char)s[k]); k++) {
    if (v >= UINT64_C(1000000000000000000)) return 0;
    v = v * 10 + (uint64_t)(s[k] - '0');
  }
  if (k < n && s[k] == '.') {
    for (k++; k < n && s[k] == '0'; k++) {
    }
    if (k < n) return 0;
  }
  if (v > (uint64_t)INT64_MAX) return 0;
  *out = neg ? -(int64_t)v : (int64_t)v;
  return 1;
}

/* rules_test: `hearth rules test FILE...`, rule unit tests in the spirit of `promtool test rules`.
 *
 * A test file (rules/README.md, "Testing rules") names a rule pack, gives register rows, then
 * one or more `test "name" ... end` blocks, each with input events at given times and the alerts
 * expected (or expected absent). Every test runs in a fresh engine (broker/core) with the real
 * pack, so what passes here is what `hearth replay` and `hearth run` do. A failing test prints a
 * diff: expected alerts that were not raised (-) and raised alerts nobody expected (+).
 *
 * Identity is taken out of the picture on purpose: every register person gets the identifiers
 * `nhs-<id>` and `upn-<id>` and every event about them carries the same, so a test is about
 * rules, not matching. `unknown` names an adult the register does not hold. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "hr_time.h"
#include "rules.h"

#define MAX_WORDS 96
#define MAX_LINE 4096

/* ---- parsed test files ------------------------------------------------------------------ */

typedef struct words {
  char *w[MAX_WORDS];
  int n;
  int line;
} words;

enum ev_kind {
  EV_CUSTODY_START = 1,
  EV_CUSTODY_END,
  EV_ADMIT,
  EV_TRANSFER,
  EV_DISCHARGE,
  EV_CANCEL_ADMIT,
  EV_NRPF_START,
  EV_NRPF_END,
  EV_MARK,
};

typedef struct tevent {
  int kind;
  int64_t t;
  int line;
  uint32_t order; /* file order, for ties */
  char person[64];
  char code[8];    /* attendance code */
  int session;     /* 1 AM, 2 PM */
  int32_t date;    /* attendance and NRPF: the day */
  char la[32];     /* the record's LA code; "" = none */
  char noms[64];   /* custody: prison number */
  char visit[64];  /* inpatient: visit number */
  char service[8]; /* inpatient: treatment function code */
  char facility[32];
  char born[11]; /* unknown subject's date of birth */
  int dependants;
} tevent;

typedef struct texpect {
  int line;
  int absent;         /* `expect no` */
  char rule[64];      /* "" = any rule (expect no alert) */
  int64_t lo, hi;     /* raised_at in [lo, hi); hi = 0 means any time */
  char children[512]; /* comma-joined, sorted as alerts list them; "" = not checked */
  int has_children;
  char subject[64];
  char la[32];
  char route[96]; /* "key_worker KW1", "front_door E09...", "team T1" */
  char severity[16];
  int version;
  char explain[256]; /* substring of the explanation */
} texpect;

typedef struct vecp {
  void *d;
  int n, cap;
  size_t sz;
} vecp;

static void *vp_push(vecp *v) {
  if (v->n == v->cap) {
    int cap = v->cap ? v->cap * 2 : 16;
    void *d = realloc(v->d, (size_t)cap * v->sz);
    if (!d) {
      fputs("hearth rules test: out of memory\n", stderr);
      exit(1);
    }
    v->d = d;
    v->cap = cap;
  }
  void *p = (char *)v->d + (size_t)v->n++ * v->sz;
  memset(p, 0, v->sz);
  return p;
}
#define VP(v, type, i) (((type *)(v).d)[i])

typedef struct row { /* one register row, as words */
  words w;
  char *buf;
} row;

typedef struct tcase {
  char name[200];
  int line;
  vecp rows;    /* row */
  vecp events;  /* tevent */
  vecp expects; /* texpect */
  char only[512];
} tcase;

typedef struct tfile {
  const char *path;
  char dir[1024];
  char pack_path[1024];
  char *inline_pack; /* pack text, padded with newlines so its line numbers are the file's */
  size_t inline_len;
  char default_la[32];
  char only[512];
  vecp rows;  /* row */
  vecp cases; /* tcase */
} tfile;

static int tfail(const tfile *f, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tfail(const tfile *f, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: ", f->path, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return -1;
}

/* Splits a line into words; "double quoted" text is one word (quotes removed). Comments start
 * with # outside quotes. Returns -1 on an unclosed quote or too many words. */
static int split(char *s, words *w) {
  w->n = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
      s++;
    if (!*s || *s == '#') return 0;
    if (w->n == MAX_WORDS) return -1;
    if (*s == '"') {
      char *start = ++s;
      while (*s && *s != '"')
        s++;
      if (*s != '"') return -1;
      *s++ = '\0';
      w->w[w->n++] = start;
      continue;
    }
    w->w[w->n++] = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
      s++;
    if (*s) *s++ = '\0';
  }
}

static int parse_day(const char *s, int32_t *d) {
  return hr_parse_date(s, strlen(s), d) == 0 ? 0 : -1;
}

/* WHEN at w[*i]: DATE [AM|PM|HH:MM]. Sets [lo, hi): a whole UK day for a bare date, else one
 * instant. *t is lo. Advances *i. */
static int parse_when(const words *w, int *i, int64_t *lo, int64_t *hi, int32_t *day, int *session) {
  int32_t d;
  if (*i >= w->n || parse_day(w->w[*i], &d)) return -1;
  (*i)++;
  *day = d;
  if (session) *session = 0;
  if (*i < w->n && (strcmp(w->w[*i], "AM") == 0 || strcmp(w->w[*i], "PM") == 0)) {
    int pm = w->w[*i][0] == 'P';
    /* The attendance connector's session instants: AM 09:00, PM 13:30 UK time. */
    *lo = pm ? hr_uk_instant_of(d, 13, 30) : hr_uk_instant_of(d, 9, 0);
    *hi = *lo + 1;
    if (session) *session = pm ? 2 : 1;
    (*i)++;
    return 0;
  }
  int hh, mm;
  char extra;
  if (*i < w->n && strlen(w->w[*i]) == 5 && sscanf(w->w[*i], "%2d:%2d%c", &hh, &mm, &extra) == 2 && hh >= 0 &&
      hh < 24 && mm >= 0 && mm < 60) {
    *lo = hr_uk_instant_of(d, hh, mm);
    *hi = *lo + 1;
    (*i)++;
    return 0;
  }
  *lo = hr_uk_instant_of(d, 0, 0);
  *hi = hr_uk_instant_of(d + 1, 0, 0);
  return 0;
}

static void copy(char *dst, size_t n, const char *s) {
  snprintf(dst, n, "%s", s);
}

/* key value pairs after position i; returns -1 (with a message) on an unknown key. */
static int event_opts(const tfile *f, const words *w, int i, tevent *ev) {
  for (; i < w->n; i += 2) {
    const char *k = w->w[i];
    if (i + 1 >= w->n) return tfail(f, w->line, "'%s' needs a value", k);
    const char *v = w->w[i + 1];
    if (strcmp(k, "la") == 0)
      copy(ev->la, sizeof ev->la, v);
    else if (strcmp(k, "noms") == 0)
      copy(ev->noms, sizeof ev->noms, v);
    else if (strcmp(k, "visit") == 0)
      copy(ev->visit, sizeof ev->visit, v);
    else if (strcmp(k, "service") == 0)
      copy(ev->service, sizeof ev->service, v);
    else if (strcmp(k, "facility") == 0)
      copy(ev->facility, sizeof ev->facility, v);
    else if (strcmp(k, "born") == 0)
      copy(ev->born, sizeof ev->born, v);
    else if (strcmp(k, "dependants") == 0)
      ev->dependants = atoi(v);
    else
      return tfail(f, w->line,
                   "unknown word '%s' (an event takes la, noms, visit, service, facility, born, dependants)", k);
  }
  return 0;
}

static const struct {
  const char *word;
  int kind;
} event_words[] = {
    {"custody_start", EV_CUSTODY_START}, {"custody_end", EV_CUSTODY_END}, {"admit", EV_ADMIT},
    {"transfer", EV_TRANSFER},           {"discharge", EV_DISCHARGE},     {"cancel_admit", EV_CANCEL_ADMIT},
    {"nrpf_start", EV_NRPF_START},       {"nrpf_end", EV_NRPF_END},       {"mark", EV_MARK}};

/* at WHEN KIND PERSON [CODE] [key value]... */
static int parse_event(const tfile *f, tcase *tc, const words *w) {
  int i = 1, session;
  int64_t lo, hi;
  int32_t day;
  if (parse_when(w, &i, &lo, &hi, &day, &session))
    return tfail(f, w->line, "expected a date (YYYY-MM-DD) and optionally AM, PM or HH:MM after 'at'");
  if (i + 1 >= w->n) return tfail(f, w->line, "expected an event and a person after the time");
  int kind = 0;
  for (size_t k = 0; k < sizeof event_words / sizeof event_words[0]; k++)
    if (strcmp(w->w[i], event_words[k].word) == 0) kind = event_words[k].kind;
  if (!kind)
    return tfail(f, w->line,
                 "unknown event '%s' (custody_start, custody_end, admit, transfer, discharge, cancel_admit, "
                 "nrpf_start, nrpf_end, mark)",
                 w->w[i]);
  tevent *ev = vp_push(&tc->events);
  ev->kind = kind;
  ev->t = lo;
  ev->date = day;
  ev->line = w->line;
  ev->order = (uint32_t)tc->events.n;
  copy(ev->person, sizeof ev->person, w->w[i + 1]);
  i += 2;
  if (kind == EV_MARK) {
    if (!session) return tfail(f, w->line, "a mark needs its session: 'at DATE AM' or 'at DATE PM'");
    if (i >= w->n) return tfail(f, w->line, "a mark needs its code, e.g. 'mark C1 N'");
    copy(ev->code, sizeof ev->code, w->w[i++]);
    ev->session = session;
  }
  copy(ev->service, sizeof ev->service, "710");
  copy(ev->facility, sizeof ev->facility, "RTEST");
  return event_opts(f, w, i, ev);
}

/* marks PERSON from DATE to DATE PATTERN: every weekday's AM and PM session in the range gets
 * the next code of PATTERN (one character per code, [C1] for a longer code), cycling. */
static int parse_marks(const tfile *f, tcase *tc, const words *w) {
  int32_t from, to;
  if (w->n != 7 || strcmp(w->w[2], "from") || strcmp(w->w[4], "to") || parse_day(w->w[3], &from) ||
      parse_day(w->w[5], &to))
    return tfail(f, w->line, "expected 'marks PERSON from YYYY-MM-DD to YYYY-MM-DD PATTERN'");
  if (to < from || to - from > 3660) return tfail(f, w->line, "the range must run forward and span at most 10 years");
  char codes[512][8];
  int ncodes = 0;
  for (const char *c = w->w[6]; *c;) {
    if (ncodes == 512) return tfail(f, w->line, "a pattern has at most 512 codes");
    if (*c == '[') {
      const char *e = strchr(c, ']');
      if (!e || e - c - 1 < 1 || e - c - 1 > 7) return tfail(f, w->line, "'[' in a pattern needs a code and ']'");
      snprintf(codes[ncodes++], 8, "%.*s", (int)(e - c - 1), c + 1);
      c = e + 1;
    } else if (*c == ' ') {
      c++; /* spaces only group codes for the reader */
    } else {
      snprintf(codes[ncodes++], 8, "%c", *c);
      c++;
    }
  }
  if (!ncodes) return tfail(f, w->line, "the pattern is empty");
  int k = 0;
  for (int32_t d = from; d <= to; d++) {
    if (((d % 7) + 7 + 3) % 7 >= 5) continue; /* 1970-01-01 was a Thursday: Saturday, Sunday */
    for (int s = 1; s <= 2; s++) {
      tevent *ev = vp_push(&tc->events);
      ev->kind = EV_MARK;
      ev->date = d;
      ev->session = s;
      ev->t = s == 1 ? hr_uk_instant_of(d, 9, 0) : hr_uk_instant_of(d, 13, 30);
      ev->line = w->line;
      ev->order = (uint32_t)tc->events.n;
      copy(ev->person, sizeof ev->person, w->w[1]);
      copy(ev->code, sizeof ev->code, codes[k++ % ncodes]);
    }
  }
  return 0;
}

static int is_expect_key(const char *s) {
  static const char *const keys[] = {"at",    "from",     "child",   "children", "subject", "la",
                                     "route", "severity", "version", "explain",  NULL};
  for (int i = 0; keys[i]; i++)
    if (strcmp(s, keys[i]) == 0) return 1;
  return 0;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* expect RULE at WHEN [key value]...   |   expect no RULE|alert [at WHEN | from D to D] [...] */
static int parse_expect(const tfile *f, tcase *tc, const words *w) {
  texpect *x = vp_push(&tc->expects);
  x->line = w->line;
  int i = 1;
  if (i < w->n && strcmp(w->w[i], "no") == 0) x->absent = 1, i++;
  if (i >= w->n) return tfail(f, w->line, "expected a rule name after 'expect'");
  if (!(x->absent && strcmp(w->w[i], "alert") == 0)) copy(x->rule, sizeof x->rule, w->w[i]);
  i++;
  int timed = 0;
  while (i < w->n) {
    const char *k = w->w[i++];
    int32_t day;
    if (strcmp(k, "at") == 0) {
      if (parse_when(w, &i, &x->lo, &x->hi, &day, NULL)) return tfail(f, w->line, "expected a date after 'at'");
      timed = 1;
    } else if (strcmp(k, "from") == 0) {
      int32_t a, b;
      if (i + 2 >= w->n + 0 || parse_day(w->w[i], &a) || strcmp(w->w[i + 1], "to") || parse_day(w->w[i + 2], &b))
        return tfail(f, w->line, "expected 'from YYYY-MM-DD to YYYY-MM-DD'");
      x->lo = hr_uk_instant_of(a, 0, 0);
      x->hi = hr_uk_instant_of(b + 1, 0, 0);
      i += 3;
      timed = 1;
    } else if (strcmp(k, "child") == 0 || strcmp(k, "children") == 0) {
      const char *ids[64];
      int n = 0;
      while (i < w->n && !is_expect_key(w->w[i]) && n < 64)
        ids[n++] = w->w[i++];
      qsort(ids, (size_t)n, sizeof ids[0], cmp_cstr);
      x->children[0] = '\0';
      for (int j = 0; j < n; j++) {
        if (j) strncat(x->children, ",", sizeof x->children - strlen(x->children) - 1);
        strncat(x->children, ids[j], sizeof x->children - strlen(x->children) - 1);
      }
      x->has_children = 1;
    } else if (i >= w->n) {
      return tfail(f, w->line, "'%s' needs a value", k);
    } else if (strcmp(k, "subject") == 0) {
      copy(x->subject, sizeof x->subject, w->w[i++]);
    } else if (strcmp(k, "la") == 0) {
      copy(x->la, sizeof x->la, w->w[i++]);
    } else if (strcmp(k, "route") == 0) {
      const char *how = w->w[i++];
      if (i >= w->n || (strcmp(how, "key_worker") && strcmp(how, "front_door") && strcmp(how, "team")))
        return tfail(f, w->line, "expected 'route key_worker ID', 'route team ID' or 'route front_door LA'");
      snprintf(x->route, sizeof x->route, "%s %s", how, w->w[i++]);
    } else if (strcmp(k, "severity") == 0) {
      copy(x->severity, sizeof x->severity, w->w[i++]);
    } else if (strcmp(k, "version") == 0) {
      x->version = atoi(w->w[i++]);
    } else if (strcmp(k, "explain") == 0) {
      copy(x->explain, sizeof x->explain, w->w[i++]);
    } else {
      return tfail(f, w->line,
                   "unknown word '%s' in an expectation (at, from, child, children, subject, la, route, severity, "
                   "version, explain)",
                   k);
    }
  }
  if (!timed && !x->absent) return tfail(f, w->line, "say when the alert is expected: 'at YYYY-MM-DD [AM|PM|HH:MM]'");
  return 0;
}

static int add_row(vecp *rows, const words *w, char *line) {
  row *r = vp_push(rows);
  r->buf = strdup(line);
  if (!r->buf) return -1;
  r->w.line = w->line;
  split(r->buf, &r->w); /* already known to split */
  return 0;
}

static int is_row_word(const char *s) {
  return !strcmp(s, "person") || !strcmp(s, "relationship") || !strcmp(s, "key_worker") || !strcmp(s, "assign");
}

static void free_file(tfile *f) {
  for (int i = 0; i < f->rows.n; i++)
    free(VP(f->rows, row, i).buf);
  for (int c = 0; c < f->cases.n; c++) {
    tcase *tc = &VP(f->cases, tcase, c);
    for (int i = 0; i < tc->rows.n; i++)
      free(VP(tc->rows, row, i).buf);
    free(tc->rows.d);
    free(tc->events.d);
    free(tc->expects.d);
  }
  free(f->rows.d);
  free(f->cases.d);
  free(f->inline_pack);
}

static int parse_file(tfile *f, const char *text) {
  f->rows.sz = sizeof(row);
  f->cases.sz = sizeof(tcase);
  const char *slash = strrchr(f->path, '/');
  snprintf(f->dir, sizeof f->dir, "%.*s", slash ? (int)(slash - f->path) : 1, slash ? f->path : ".");
  tcase *tc = NULL;
  int lineno = 0;
  char line[MAX_LINE];
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    lineno++;
    if (n >= sizeof line) return tfail(f, lineno, "line longer than %d characters", MAX_LINE - 1);
    memcpy(line, p, n);
    line[n] = '\0';
    p = e ? e + 1 : p + n;
    char work[MAX_LINE];
    memcpy(work, line, n + 1);
    words w = {.line = lineno};
    if (split(work, &w)) return tfail(f, lineno, "unclosed quote or more than %d words", MAX_WORDS);
    if (!w.n) continue;
    const char *k = w.w[0];
    if (!tc && strcmp(k, "pack") == 0 && w.n == 2 && strcmp(w.w[1], "inline") == 0) {
      /* The pack's text follows up to a line "end pack"; pad so rule errors name this file's lines. */
      if (f->inline_pack || f->pack_path[0]) return tfail(f, lineno, "a test file names one pack");
      size_t cap = (size_t)lineno + strlen(p) + 1;
      f->inline_pack = malloc(cap);
      if (!f->inline_pack) return -1;
      memset(f->inline_pack, '\n', (size_t)lineno);
      size_t len = (size_t)lineno;
      int closed = 0;
      while (*p) {
        const char *le = strchr(p, '\n');
        size_t ln = le ? (size_t)(le - p) + 1 : strlen(p);
        lineno++;
        const char *s = p;
        while (*s == ' ' || *s == '\t')
          s++;
        if (strncmp(s, "end pack", 8) == 0) {
          p += ln;
          closed = 1;
          break;
        }
        memcpy(f->inline_pack + len, p, ln);
        len += ln;
        p += ln;
      }
      if (!closed) return tfail(f, lineno, "'pack inline' is not closed with a line 'end pack'");
      f->inline_len = len;
    } else if (!tc && strcmp(k, "pack") == 0) {
      if (w.n != 2) return tfail(f, lineno, "expected 'pack PATH' (relative to this file) or 'pack inline'");
      if (f->inline_pack || f->pack_path[0]) return tfail(f, lineno, "a test file names one pack");
      int pn = w.w[1][0] == '/' ? snprintf(f->pack_path, sizeof f->pack_path, "%s", w.w[1])
                                : snprintf(f->pack_path, sizeof f->pack_path, "%s/%s", f->dir, w.w[1]);
      if (pn < 0 || (size_t)pn >= sizeof f->pack_path) return tfail(f, lineno, "the pack's path is too long");
    } else if (!tc && strcmp(k, "default_la") == 0 && w.n == 2) {
      copy(f->default_la, sizeof f->default_la, w.w[1]);
    } else if (strcmp(k, "only") == 0) {
      char *dst = tc ? tc->only : f->only;
      dst[0] = '\0';
      for (int i = 1; i < w.n; i++) {
        strncat(dst, " ", 511 - strlen(dst));
        strncat(dst, w.w[i], 511 - strlen(dst));
      }
      strncat(dst, " ", 511 - strlen(dst));
    } else if (is_row_word(k)) {
      if (add_row(tc ? &tc->rows : &f->rows, &w, line)) return -1;
    } else if (strcmp(k, "test") == 0) {
      if (tc) return tfail(f, lineno, "'test' inside test \"%s\": close it with 'end' first", tc->name);
      if (w.n != 2) return tfail(f, lineno, "expected 'test \"what it checks\"'");
      tc = vp_push(&f->cases);
      tc->rows.sz = sizeof(row);
      tc->events.sz = sizeof(tevent);
      tc->expects.sz = sizeof(texpect);
      copy(tc->name, sizeof tc->name, w.w[1]);
      tc->line = lineno;
    } else if (strcmp(k, "end") == 0 && w.n == 1) {
      if (!tc) return tfail(f, lineno, "'end' without 'test'");
      tc = NULL;
    } else if (tc && strcmp(k, "at") == 0) {
      if (parse_event(f, tc, &w)) return -1;
    } else if (tc && strcmp(k, "marks") == 0) {
      if (parse_marks(f, tc, &w)) return -1;
    } else if (tc && strcmp(k, "expect") == 0) {
      if (parse_expect(f, tc, &w)) return -1;
    } else {
      return tfail(f, lineno, "unknown line starting '%s'%s", k,
                   tc ? " (in a test: person, relationship, key_worker, assign, at, marks, expect, only, end)"
                      : " (outside tests: pack, default_la, only, person, relationship, key_worker, assign, test)");
    }
  }
  if (tc) return tfail(f, tc->line, "test \"%s\" is not closed with 'end'", tc->name);
  if (!f->inline_pack && !f->pack_path[0]) return tfail(f, 1, "the file names no pack ('pack PATH' or 'pack inline')");
  if (!f->cases.n) return tfail(f, 1, "the file has no tests");
  return 0;
}

/* ---- register rows into the engine -------------------------------------------------------- */

static const char *opt(const words *w, int from, const char *key) {
  for (int i = from; i + 1 < w->n; i++)
    if (strcmp(w->w[i], key) == 0) return w->w[i + 1];
  return NULL;
}

/* The value after key, or "" when the row does not give it (the register's "unknown"). */
static char *opt_or_empty(const words *w, int from, const char *key) {
  const char *v = opt(w, from, key);
  return (char *)(v ? v : "");
}

static int check_opts(const tfile *f, const words *w, int from, const char *const *keys) {
  for (int i = from; i < w->n; i += 2) {
    int ok = 0;
    for (int k = 0; keys[k]; k++)
      if (strcmp(w->w[i], keys[k]) == 0) ok = 1;
    if (!ok || i + 1 >= w->n) return tfail(f, w->line, "unexpected '%s' in a '%s' row", w->w[i], w->w[0]);
  }
  return 0;
}

typedef struct known { /* persons of this test, for events */
  char id[64];
  char dob[11];
} known;

static int apply_row(const tfile *f, hr_engine *e, const words *w, known *people, int *npeople) {
  Hearth__V1__RegisterRecord rec = HEARTH__V1__REGISTER_RECORD__INIT;
  rec.source = (char *)"test";
  const char *kind = w->w[0];
  char nhs[80], upn[80];
  if (strcmp(kind, "person") == 0) {
    static const char *const keys[] = {"born", "la", NULL};
    if (w->n < 2 || check_opts(f, w, 2, keys)) return tfail(f, w->line, "expected 'person ID [born DATE] [la CODE]'");
    const char *born = opt(w, 2, "born");
    int32_t d;
    if (born && parse_day(born, &d)) return tfail(f, w->line, "'%s' is not a date (YYYY-MM-DD)", born);
    Hearth__V1__Person p = HEARTH__V1__PERSON__INIT;
    snprintf(nhs, sizeof nhs, "nhs-%s", w->w[1]);
    snprintf(upn, sizeof upn, "upn-%s", w->w[1]);
    p.person_id = w->w[1];
    p.la_code = opt_or_empty(w, 2, "la");
    p.nhs_number = nhs;
    p.upn = upn;
    p.date_of_birth = (char *)(born ? born : "");
    rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
    rec.person = &p;
    if (*npeople < 4096) {
      copy(people[*npeople].id, sizeof people[0].id, w->w[1]);
      copy(people[*npeople].dob, sizeof people[0].dob, born ? born : "");
      (*npeople)++;
    }
    return hr_engine_register(e, &rec) ? tfail(f, w->line, "the engine refused this row") : 0;
  }
  if (strcmp(kind, "relationship") == 0) {
    static const char *const keys[] = {"from", "until", NULL};
    static const struct {
      const char *w;
      Hearth__V1__RelationshipType t;
    } types[] = {{"parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT},
                 {"step_parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_STEP_PARENT},
                 {"carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_CARER},
                 {"kinship_carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_KINSHIP_CARER},
                 {"household_member", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_HOUSEHOLD_MEMBER},
                 {"sibling", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING}};
    if (w->n < 4 || check_opts(f, w, 4, keys))
      return tfail(f, w->line, "expected 'relationship A TYPE B [from DATE] [until DATE]' (A is the TYPE of B)");
    Hearth__V1__Relationship r = HEARTH__V1__RELATIONSHIP__INIT;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strcmp(w->w[2], types[i].w) == 0) r.type = types[i].t;
    if (!r.type)
      return tfail(f, w->line,
                   "unknown relationship '%s' (parent, step_parent, carer, kinship_carer, "
                   "household_member, sibling)",
                   w->w[2]);
    r.person_id = w->w[1];
    r.related_person_id = w->w[3];
    r.start_date = opt_or_empty(w, 4, "from");
    r.end_date = opt_or_empty(w, 4, "until");
    rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP;
    rec.relationship = &r;
    return hr_engine_register(e, &rec) ? tfail(f, w->line, "the engine refused this row") : 0;
  }
  if (strcmp(kind, "key_worker") == 0) {
    static const char *const keys[] = {"team", "la", NULL};
    if (w->n < 2 || check_opts(f, w, 2, keys)) return tfail(f, w->line, "expected 'key_worker ID [team T] [la CODE]'");
    Hearth__V1__KeyWorker k = HEARTH__V1__KEY_WORKER__INIT;
    k.key_worker_id = w->w[1];
    k.team_id = opt_or_empty(w, 2, "team");
    k.la_code = opt_or_empty(w, 2, "la");
    rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER;
    rec.key_worker = &k;
    return hr_engine_register(e, &rec) ? tfail(f, w->line, "the engine refused this row") : 0;
  }
  /* assign KW CHILD [from D] [until D] */
  static const char *const keys[] = {"from", "until", NULL};
  if (w->n < 3 || check_opts(f, w, 3, keys))
    return tfail(f, w->line, "expected 'assign KEY_WORKER CHILD [from DATE] [until DATE]'");
  Hearth__V1__Assignment a = HEARTH__V1__ASSIGNMENT__INIT;
  a.key_worker_id = w->w[1];
  a.child_person_id = w->w[2];
  a.start_date = opt_or_empty(w, 3, "from");
  a.end_date = opt_or_empty(w, 3, "until");
  rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT;
  rec.assignment = &a;
  return hr_engine_register(e, &rec) ? tfail(f, w->line, "the engine refused this row") : 0;
}

/* ---- events into the engine --------------------------------------------------------------- */

static int feed_rank(int kind) { /* replay's tie order: NRPF, custody, inpatient, attendance */
  return kind >= EV_NRPF_START && kind <= EV_NRPF_END ? 0 : kind <= EV_CUSTODY_END ? 1 : kind == EV_MARK ? 3 : 2;
}

static int cmp_events(const void *a, const void *b) {
  const tevent *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (feed_rank(x->kind) != feed_rank(y->kind)) return feed_rank(x->kind) - feed_rank(y->kind);
  return x->order < y->order ? -1 : x->order > y->order;
}

typedef struct got {
  char rule[64], la[32], subject[64], route[96], severity[16];
  char children[512];
  char explain[512];
  int64_t t;
  uint32_t version;
  int matched;
} got;

typedef struct run {
  vecp alerts; /* got */
} run;

static void collect(void *ud, const Hearth__V1__Alert *a) {
  run *r = ud;
  got *g = vp_push(&r->alerts);
  copy(g->rule, sizeof g->rule, a->rule_id);
  copy(g->la, sizeof g->la, a->la_code ? a->la_code : "");
  copy(g->subject, sizeof g->subject, a->subject ? a->subject : "");
  copy(g->severity, sizeof g->severity, a->severity ? a->severity : "");
  copy(g->explain, sizeof g->explain, a->explanation ? a->explanation : "");
  g->t = a->raised_at_us;
  g->version = a->rule_version;
  const char *ids[64];
  size_t n = a->n_children < 64 ? a->n_children : 64;
  for (size_t i = 0; i < n; i++)
    ids[i] = a->children[i];
  qsort(ids, n, sizeof ids[0], cmp_cstr);
  for (size_t i = 0; i < n; i++) {
    if (i) strncat(g->children, ",", sizeof g->children - strlen(g->children) - 1);
    strncat(g->children, ids[i], sizeof g->children - strlen(g->children) - 1);
  }
  const Hearth__V1__Route *rt = a->route;
  if (rt && rt->to_case == HEARTH__V1__ROUTE__TO_KEY_WORKER_ID)
    snprintf(g->route, sizeof g->route, "key_worker %s", rt->key_worker_id);
  else if (rt && rt->to_case == HEARTH__V1__ROUTE__TO_TEAM)
    snprintf(g->route, sizeof g->route, "team %s", rt->team);
  else if (rt && rt->to_case == HEARTH__V1__ROUTE__TO_FRONT_DOOR)
    snprintf(g->route, sizeof g->route, "front_door %s", rt->front_door);
  else
    copy(g->route, sizeof g->route, "nobody");
}

static const known *find_person(const known *people, int n, const char *id) {
  for (int i = 0; i < n; i++)
    if (strcmp(people[i].id, id) == 0) return &people[i];
  return NULL;
}

static int apply_event(const tfile *f, hr_engine *e, const tevent *te, const known *people, int npeople, run *r,
                       uint32_t seq) {
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  char nhs[80] = "", upn[80] = "", id[96], date[11], noms[96];
  ev.event_time_us = te->t;
  ev.source = (char *)f->path;
  ev.position = (uint64_t)te->line;
  ev.la_code = (char *)te->la;
  ev.subject = &s;
  if (strcmp(te->person, "unknown") == 0) {
    s.date_of_birth = (char *)te->born;
  } else {
    const known *k = find_person(people, npeople, te->person);
    if (!k)
      return tfail(f, te->line, "'%s' is not a person of this test (add a 'person' row, or use 'unknown')", te->person);
    snprintf(nhs, sizeof nhs, "nhs-%s", k->id);
    snprintf(upn, sizeof upn, "upn-%s", k->id);
    s.date_of_birth = (char *)k->dob;
  }
  Hearth__V1__CustodyEvent c = HEARTH__V1__CUSTODY_EVENT__INIT;
  Hearth__V1__InpatientEvent in = HEARTH__V1__INPATIENT_EVENT__INIT;
  Hearth__V1__AttendanceMark m = HEARTH__V1__ATTENDANCE_MARK__INIT;
  Hearth__V1__NrpfRecord nr = HEARTH__V1__NRPF_RECORD__INIT;
  snprintf(id, sizeof id, "%s-%u", te->person, seq);
  hr_format_date(te->date, date);
  switch (te->kind) {
  case EV_CUSTODY_START:
  case EV_CUSTODY_END: {
    snprintf(noms, sizeof noms, "%s", te->noms[0] ? te->noms : te->person);
    s.nhs_number = nhs;
    ev.feed = HEARTH__V1__FEED__FEED_CUSTODY;
    ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY;
    ev.custody = &c;
    c.noms_number = noms;
    c.dependants = te->dependants;
    if (te->kind == EV_CUSTODY_START) {
      c.event_type = (char *)"prison-offender-events.prisoner.received";
      c.kind = HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED;
      c.reason = (char *)"NEW_ADMISSION";
      c.effect = HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS;
    } else {
      c.event_type = (char *)"prison-offender-events.prisoner.released";
      c.kind = HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RELEASED;
      c.reason = (char *)"RELEASED";
      c.effect = HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS;
    }
    break;
  }
  case EV_ADMIT:
  case EV_TRANSFER:
  case EV_DISCHARGE:
  case EV_CANCEL_ADMIT: {
    static const struct {
      Hearth__V1__AdtTrigger t;
      const char *code;
    } trig[] = {{HEARTH__V1__ADT_TRIGGER__ADT_A01, "A01"},
                {HEARTH__V1__ADT_TRIGGER__ADT_A02, "A02"},
                {HEARTH__V1__ADT_TRIGGER__ADT_A03, "A03"},
                {HEARTH__V1__ADT_TRIGGER__ADT_A11, "A11"}};
    int k = te->kind - EV_ADMIT;
    s.nhs_number = nhs;
    ev.feed = HEARTH__V1__FEED__FEED_INPATIENT;
    ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT;
    ev.inpatient = &in;
    in.trigger = trig[k].t;
    in.trigger_code = (char *)trig[k].code;
    in.sending_facility = (char *)te->facility;
    in.control_id = id;
    in.patient_class = (char *)"I";
    in.hospital_service = (char *)te->service;
    in.visit_number = (char *)(te->visit[0] ? te->visit : te->person);
    break;
  }
  case EV_NRPF_START:
  case EV_NRPF_END:
    s.nhs_number = nhs;
    ev.feed = HEARTH__V1__FEED__FEED_NRPF;
    ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF;
    ev.nrpf = &nr;
    nr.record_id = id;
    nr.status = te->kind == EV_NRPF_START ? HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF
                                          : HEARTH__V1__NRPF_STATUS__NRPF_STATUS_RECOURSE;
    nr.effective_date = date;
    nr.dependants = te->dependants;
    break;
  default:
    s.upn = upn;
    ev.feed = HEARTH__V1__FEED__FEED_ATTENDANCE;
    ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
    ev.attendance = &m;
    m.school_urn = (char *)"100000";
    m.date = date;
    m.session = te->session == 2 ? HEARTH__V1__SESSION__SESSION_PM : HEARTH__V1__SESSION__SESSION_AM;
    m.code = (char *)te->code;
    break;
  }
  int rc = hr_engine_apply(e, &ev, collect, r);
  if (rc) return tfail(f, te->line, "the engine refused this event (is '%s' a DfE attendance code?)", te->code);
  return 0;
}

/* ---- matching and the diff ------------------------------------------------------------------ */

static int in_only(const char *only, const char *rule) {
  if (!only[0]) return 1;
  char pat[80];
  snprintf(pat, sizeof pat, " %s ", rule);
  return strstr(only, pat) != NULL;
}

static int matches(const texpect *x, const got *g) {
  if (x->rule[0] && strcmp(x->rule, g->rule)) return 0;
  if (x->hi && (g->t < x->lo || g->t >= x->hi)) return 0;
  if (x->has_children && strcmp(x->children, g->children)) return 0;
  if (x->subject[0] && strcmp(x->subject, g->subject)) return 0;
  if (x->la[0] && strcmp(x->la, g->la)) return 0;
  if (x->route[0] && strcmp(x->route, g->route)) return 0;
  if (x->severity[0] && strcmp(x->severity, g->severity)) return 0;
  if (x->version && (uint32_t)x->version != g->version) return 0;
  if (x->explain[0] && !strstr(g->explain, x->explain)) return 0;
  return 1;
}

/* `expect no alert` is about the rules the test looks at (`only`); `expect no RULE` about RULE. */
static int forbids(const texpect *x, const got *g, const char *only) {
  return matches(x, g) && (x->rule[0] || in_only(only, g->rule));
}

static void print_got(const got *g, const char *mark) {
  char t[HR_ISO_MAX];
  hr_format_uk_instant(g->t, t);
  printf("    %s %s at %s", mark, g->rule, t);
  if (g->children[0]) printf(" children %s", g->children);
  if (g->subject[0]) printf(" subject %s", g->subject);
  printf(" la %s route %s severity %s version %u\n", g->la[0] ? g->la : "-", g->route, g->severity, g->version);
  printf("        \"%s\"\n", g->explain);
}

static void print_expect(const texpect *x, const char *line) {
  printf("    - line %d: %s\n", x->line, line);
}

/* Runs one test; returns 1 when it passed. */
static int run_case(const tfile *f, const hr_rulepack *pack, tcase *tc, const char *source, int verbose) {
  char err[512];
  hr_engine_config cfg = {f->default_la[0] ? f->default_la : NULL, NULL, NULL, 0, NULL};
  hr_engine *e = hr_engine_new(&cfg, pack, err, sizeof err);
  if (!e) {
    fprintf(stderr, "hearth rules test: %s\n", err);
    return 0;
  }
  known *people = calloc(4096, sizeof *people);
  int npeople = 0, ok = 1;
  run r = {.alerts = {.sz = sizeof(got)}};
  for (int i = 0; ok && i < f->rows.n; i++)
    if (apply_row(f, e, &VP(f->rows, row, i).w, people, &npeople)) ok = 0;
  for (int i = 0; ok && i < tc->rows.n; i++)
    if (apply_row(f, e, &VP(tc->rows, row, i).w, people, &npeople)) ok = 0;
  qsort(tc->events.d, (size_t)tc->events.n, sizeof(tevent), cmp_events);
  for (int i = 0; ok && i < tc->events.n; i++)
    if (apply_event(f, e, &VP(tc->events, tevent, i), people, npeople, &r, (uint32_t)i + 1)) ok = 0;
  hr_engine_free(e);
  free(people);
  if (!ok) {
    printf("FAIL %s:%d: %s (could not run)\n", f->path, tc->line, tc->name);
    free(r.alerts.d);
    return 0;
  }
  const char *only = tc->only[0] ? tc->only : f->only;
  /* Each `expect` takes the first raised alert it fits that no earlier `expect` took. */
  int missing = 0, unexpected = 0, forbidden = 0;
  for (int i = 0; i < tc->expects.n; i++) {
    texpect *x = &VP(tc->expects, texpect, i);
    if (x->absent) continue;
    int found = 0;
    for (int j = 0; j < r.alerts.n && !found; j++) {
      got *g = &VP(r.alerts, got, j);
      if (!g->matched && matches(x, g)) g->matched = found = 1;
    }
    if (!found) missing++, x->version = x->version ? x->version : 0, x->line = -x->line; /* negative: missing */
  }
  for (int j = 0; j < r.alerts.n; j++) {
    got *g = &VP(r.alerts, got, j);
    if (!g->matched && in_only(only, g->rule)) unexpected++;
  }
  for (int i = 0; i < tc->expects.n; i++) {
    const texpect *x = &VP(tc->expects, texpect, i);
    if (!x->absent) continue;
    for (int j = 0; j < r.alerts.n; j++)
      if (forbids(x, &VP(r.alerts, got, j), only)) {
        forbidden++;
        break;
      }
  }
  int passed = !missing && !unexpected && !forbidden;
  if (passed) {
    if (verbose) printf("ok   %s:%d: %s (%d alerts)\n", f->path, tc->line, tc->name, r.alerts.n);
  } else {
    printf("FAIL %s:%d: %s\n", f->path, tc->line, tc->name);
    if (missing) {
      printf("  expected, not raised:\n");
      for (int i = 0; i < tc->expects.n; i++) {
        texpect *x = &VP(tc->expects, texpect, i);
        if (x->absent || x->line > 0) continue;
        x->line = -x->line;
        /* Quote the test file's own line so the reader sees what was asked. */
        const char *p = source;
        for (int l = 1; l < x->line && p; l++) {
          p = strchr(p, '\n');
          if (p) p++;
        }
        char buf[300] = "";
        if (p) {
          while (*p == ' ' || *p == '\t')
            p++;
          size_t n = strcspn(p, "\n");
          snprintf(buf, sizeof buf, "%.*s", (int)(n < 290 ? n : 290), p);
        }
        print_expect(x, buf);
      }
    }
    if (unexpected) {
      printf("  raised, not expected:\n");
      for (int j = 0; j < r.alerts.n; j++) {
        const got *g = &VP(r.alerts, got, j);
        if (!g->matched && in_only(only, g->rule)) print_got(g, "+");
      }
    }
    if (forbidden) {
      printf("  raised, but the test says none should be:\n");
      for (int i = 0; i < tc->expects.n; i++) {
        const texpect *x = &VP(tc->expects, texpect, i);
        if (!x->absent) continue;
        for (int j = 0; j < r.alerts.n; j++)
          if (forbids(x, &VP(r.alerts, got, j), only)) {
            printf("    line %d forbids:\n", x->line);
            print_got(&VP(r.alerts, got, j), "+");
          }
      }
    }
    if (r.alerts.n && (missing || forbidden)) {
      printf("  all alerts raised:\n");
      for (int j = 0; j < r.alerts.n; j++)
        print_got(&VP(r.alerts, got, j), " ");
    }
  }
  free(r.alerts.d);
  return passed;
}

static char *read_all(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  char *buf = malloc(4u << 20);
  size_t n = buf ? fread(buf, 1, (4u << 20) - 1, fp) : 0;
  int bad = ferror(fp) || n == (4u << 20) - 1;
  fclose(fp);
  if (!buf || bad) {
    free(buf);
    errno = bad ? EFBIG : ENOMEM;
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static const char usage_rules_test[] =
    "usage: hearth rules test [--rules PACK] [--verbose] FILE...\n"
    "\n"
    "Runs rule unit tests (rules/README.md, \"Testing rules\"): each FILE names a rule pack, gives\n"
    "register rows, input events with times and the alerts expected (or expected absent), and\n"
    "every test runs through Hearth's engine. A failing test prints what was expected and not\n"
    "raised (-) and what was raised and not expected (+).\n"
    "\n"
    "  --rules PACK  use PACK instead of the pack a file names with 'pack PATH' (files with an\n"
    "                inline pack keep it): to see which tests a changed pack breaks\n"
    "  --verbose     also list the tests that pass\n"
    "\n"
    "Exit status: 0 when every test passes, 1 when any fails or cannot run, 2 for bad usage.\n";

int hr_cli_rules_test(int argc, char **argv) {
  const char *override = NULL;
  int verbose = 0, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage_rules_test, stdout);
      return 0;
    } else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
      override = argv[++i];
    } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
      verbose = 1;
    } else {
      fprintf(stderr, "hearth rules test: unknown option '%s'\n\n%s", argv[i], usage_rules_test);
      return 2;
    }
  }
  if (i >= argc) {
    fputs(usage_rules_test, stderr);
    return 2;
  }
  int passed = 0, failed = 0, broken = 0;
  for (; i < argc; i++) {
    size_t len;
    char *text = read_all(argv[i], &len);
    if (!text) {
      fprintf(stderr, "%s: cannot read: %s\n", argv[i], strerror(errno));
      broken++;
      continue;
    }
    tfile f = {.path = argv[i]};
    hr_rulepack *pack = NULL;
    char err[1024];
    if (memchr(text, '\0', len)) {
      fprintf(stderr, "%s: contains a NUL byte; is it a test file?\n", argv[i]);
    } else if (parse_file(&f, text) == 0) {
      if (f.inline_pack)
        pack = hr_rulepack_compile(f.inline_pack, f.inline_len, f.path, err, sizeof err);
      else
        pack = hr_rulepack_load(override ? override : f.pack_path, err, sizeof err);
      if (!pack) fprintf(stderr, "%s\n", err);
    }
    if (!pack) {
      printf("FAIL %s: not run\n", argv[i]);
      broken++;
    } else {
      for (int c = 0; c < f.cases.n; c++) {
        if (run_case(&f, pack, &VP(f.cases, tcase, c), text, verbose))
          passed++;
        else
          failed++;
      }
    }
    hr_rulepack_free(pack);
    free_file(&f);
    free(text);
  }
  printf("%d passed, %d failed%s\n", passed, failed + broken, broken ? " (some files could not run)" : "");
  return failed || broken ? 1 : 0;
}

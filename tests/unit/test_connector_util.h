/* Helpers shared by the connector tests (tests/unit/test_connector_*.c): open a reader over a
 * string, expect a record of a given type, and run a table of hostile records, each placed
 * between a valid record before it and a valid record after it, so that every case also proves
 * its neighbours carry on. */
#ifndef TEST_CONNECTOR_UTIL_H
#define TEST_CONNECTOR_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "connector.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "hr_time.h"

static inline hr_reader *open_text(hr_input_kind kind, const char *text) {
  hr_reader *r = hr_reader_new(kind, text, strlen(text), "test.in", "test-agency");
  if (!r) hr_test_fail(__FILE__, __LINE__, "hr_reader_new failed");
  return r;
}

static inline int64_t iso_us(const char *s) {
  int64_t t = 0;
  int rc = hr_parse_iso_instant(s, strlen(s), &t);
  if (rc) hr_test_fail(__FILE__, __LINE__, "parse %s: %s", s, hr_err_name(rc));
  return t;
}

static inline const char *record_type_name(int t) {
  return t == HR_RECORD_EVENT        ? "event"
         : t == HR_RECORD_REGISTER   ? "register"
         : t == HR_RECORD_DEADLETTER ? "deadletter"
                                     : "none";
}

/* Reads the next record and checks its type; on a dead letter where one was not expected,
 * prints it. Returns 1 when the type matched. */
static inline int expect_next(hr_reader *r, hr_record *rec, int type, const char *what, const char *file, int line) {
  if (!hr_reader_next(r, rec)) {
    hr_test_fail(file, line, "%s: expected a %s record, got the end", what, record_type_name(type));
    return 0;
  }
  if ((int)rec->type != type) {
    if (rec->type == HR_RECORD_DEADLETTER)
      hr_test_fail(file, line, "%s: expected a %s record, got dead letter %s (%s): %s", what, record_type_name(type),
                   hr_dl_reason_code(rec->dl->reason), rec->dl->field, rec->dl->message);
    else
      hr_test_fail(file, line, "%s: expected a %s record, got a %s", what, record_type_name(type),
                   record_type_name(rec->type));
    return 0;
  }
  return 1;
}
#define EXPECT_NEXT(r, rec, type) expect_next((r), (rec), (type), #type, __FILE__, __LINE__)

static inline void expect_end(hr_reader *r, const char *what, const char *file, int line) {
  hr_record rec;
  if (hr_reader_next(r, &rec))
    hr_test_fail(file, line, "%s: expected the end, got a %s record%s%s", what, record_type_name(rec.type),
                 rec.type == HR_RECORD_DEADLETTER ? ": " : "", rec.type == HR_RECORD_DEADLETTER ? rec.dl->message : "");
}
#define EXPECT_END(r) expect_end((r), "input", __FILE__, __LINE__)

/* A hostile record and what it must become. */
typedef struct dl_case {
  const char *name;
  const char *record; /* the bad record, without its terminator (may be multi-line) */
  hr_dl_reason reason;
  const char *field; /* expected dead letter field ("" for none) */
} dl_case;

static inline uint64_t count_lines(const char *s, const char *sep) {
  uint64_t n = 0;
  for (const char *p = s; *p; p++)
    if (*p == '\n' || (sep[0] == '\r' && *p == '\r' && p[1] != '\n')) n++;
  return n;
}

/* For each case: prefix (header, may be ""), good, bad, good; sep ends each record. Checks the
 * first good record, the dead letter (reason, field, position, raw, message naming the field),
 * the good record after it at the right position, and the end. */
static inline void run_dl_cases(hr_input_kind kind, const char *prefix, const char *good, const char *sep,
                                const dl_case *cases, size_t n, int good_type, const char *file, int line) {
  for (size_t i = 0; i < n; i++) {
    const dl_case *c = &cases[i];
    hr_buf in = {0};
    hr_buf_puts(&in, prefix);
    hr_buf_puts(&in, good);
    hr_buf_puts(&in, sep);
    size_t bad_at = in.len;
    hr_buf_puts(&in, c->record);
    hr_buf_puts(&in, sep);
    hr_buf_puts(&in, good);
    hr_buf_puts(&in, sep);
    uint64_t first = 1 + count_lines(prefix, sep);
    uint64_t bad_line = first + 1 + count_lines(good, sep);
    uint64_t after = bad_line + 1 + count_lines(c->record, sep);
    hr_reader *r = hr_reader_new(kind, in.data, in.len, "test.in", NULL);
    hr_record rec;
    char what[160];
    snprintf(what, sizeof what, "case %s", c->name);
    if (expect_next(r, &rec, good_type, what, file, line) && rec.position != first)
      hr_test_fail(file, line, "%s: first record at %llu, want %llu", what, (unsigned long long)rec.position,
                   (unsigned long long)first);
    if (expect_next(r, &rec, HR_RECORD_DEADLETTER, what, file, line)) {
      const hr_deadletter *dl = rec.dl;
      if (dl->reason != c->reason)
        hr_test_fail(file, line, "%s: reason %s, want %s (%s)", what, hr_dl_reason_code(dl->reason),
                     hr_dl_reason_code(c->reason), dl->message);
      if (strcmp(dl->field, c->field) != 0)
        hr_test_fail(file, line, "%s: field \"%s\", want \"%s\" (%s)", what, dl->field, c->field, dl->message);
      if (dl->position != bad_line || rec.position != bad_line)
        hr_test_fail(file, line, "%s: position %llu, want %llu", what, (unsigned long long)dl->position,
                     (unsigned long long)bad_line);
      if (dl->raw != in.data + bad_at || rec.offset != bad_at)
        hr_test_fail(file, line, "%s: raw does not point at the record", what);
      if (dl->raw_len < 1 || dl->raw_len > strlen(c->record))
        hr_test_fail(file, line, "%s: raw_len %zu for a %zu-byte record", what, dl->raw_len, strlen(c->record));
      if (!dl->message[0] || (c->field[0] && !strstr(dl->message, c->field)))
        hr_test_fail(file, line, "%s: message \"%s\" does not name the field", what, dl->message);
      if (strcmp(dl->source, "test.in") != 0) hr_test_fail(file, line, "%s: source %s", what, dl->source);
    }
    if (expect_next(r, &rec, good_type, what, file, line) && rec.position != after)
      hr_test_fail(file, line, "%s: record after at %llu, want %llu", what, (unsigned long long)rec.position,
                   (unsigned long long)after);
    expect_end(r, what, file, line);
    hr_reader_stats st;
    hr_reader_stats_get(r, &st);
    if (st.records != 2 || st.deadletters != 1)
      hr_test_fail(file, line, "%s: stats %llu records, %llu dead letters", what, (unsigned long long)st.records,
                   (unsigned long long)st.deadletters);
    hr_reader_free(r);
    hr_buf_free(&in);
  }
}
#define RUN_DL_CASES(kind, prefix, good, sep, cases, type)                                                             \
  run_dl_cases((kind), (prefix), (good), (sep), (cases), sizeof(cases) / sizeof(cases[0]), (type), __FILE__, __LINE__)

/* A string of n copies of c (caller frees). */
static inline char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

#endif

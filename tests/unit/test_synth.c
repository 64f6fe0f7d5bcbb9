/* Tests of broker/synth: the synthetic LA generator. Each test generates into its own temporary
 * directory under /tmp and removes it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "hr_time.h"
#include "ids.h"
#include "synth.h"

static const char *files[] = {
    "register/persons.csv", "register/relationships.csv", "register/key_workers.csv", "register/assignments.csv",
    "feeds/custody.jsonl",  "feeds/inpatient.hl7",        "feeds/attendance.csv",     "feeds/nrpf.csv",
};
#define N_FILES (sizeof files / sizeof files[0])

typedef struct tmpdir {
  char path[64];
} tmpdir;

static void tmp_make(tmpdir *t) {
  char six_x[7] = {0}; /* mkdtemp's template suffix, six 'X's */
  memset(six_x, 'X', 6);
  snprintf(t->path, sizeof t->path, "/tmp/hr_test_synth_%s", six_x);
  if (!mkdtemp(t->path)) hr_test_fail(__FILE__, __LINE__, "mkdtemp failed");
}

static void tmp_remove(tmpdir *t) {
  char p[256];
  for (size_t i = 0; i < N_FILES; i++) {
    snprintf(p, sizeof p, "%s/%s", t->path, files[i]);
    unlink(p);
  }
  snprintf(p, sizeof p, "%s/register", t->path);
  rmdir(p);
  snprintf(p, sizeof p, "%s/feeds", t->path);
  rmdir(p);
  rmdir(t->path);
}

static char *slurp(const tmpdir *t, const char *rel, size_t *len) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", t->path, rel);
  FILE *f = fopen(p, "rb");
  if (!f) {
    hr_test_fail(__FILE__, __LINE__, "cannot open %s", p);
    *len = 0;
    return calloc(1, 1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  *len = fread(buf, 1, (size_t)n, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static int generate(const tmpdir *t, uint32_t families, uint64_t seed, int clean, hr_synth_stats *st) {
  hr_synth_opts o = {t->path, families, seed, NULL, 0, clean, 0};
  char err[256];
  int rc = hr_synth_generate(&o, st, err, sizeof err);
  if (rc) hr_test_fail(__FILE__, __LINE__, "hr_synth_generate: %s: %s", hr_err_name(rc), err);
  return rc;
}

/* Lines that are not blank (blank lines are no records, READING R37). */
static uint64_t count_lines(const char *s, size_t n) {
  uint64_t lines = 0;
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\n') continue;
    size_t len = i - start;
    if (len && s[i - 1] == '\r') len--;
    lines += len > 0;
    start = i + 1;
  }
  return lines;
}

/* Field `col` (0-based) of a CSV line, trimmed and without its quotes (the columns we read hold
 * no commas). */
static size_t csv_field(const char *line, int col, const char **start) {
  const char *p = line;
  for (int c = 0; c < col; c++) {
    p = strpbrk(p, ",\n");
    if (!p || *p == '\n') {
      *start = "";
      return 0;
    }
    p++;
  }
  size_t n = strcspn(p, ",\r\n");
  while (n && *p == ' ')
    p++, n--; /* cells are trimmed (READING R37) */
  while (n && p[n - 1] == ' ')
    n--;
  if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
    p++;
    n -= 2;
  }
  *start = p;
  return n;
}

static void test_same_seed_writes_identical_files(void) {
  tmpdir a, b;
  tmp_make(&a);
  tmp_make(&b);
  hr_synth_stats sa, sb;
  if (!generate(&a, 200, 42, 0, &sa) && !generate(&b, 200, 42, 0, &sb)) {
    for (size_t i = 0; i < N_FILES; i++) {
      size_t la, lb;
      char *x = slurp(&a, files[i], &la), *y = slurp(&b, files[i], &lb);
      if (la != lb || memcmp(x, y, la) != 0) hr_test_fail(__FILE__, __LINE__, "%s differs between runs", files[i]);
      free(x);
      free(y);
    }
    CHECK(memcmp(&sa, &sb, sizeof sa) == 0);
  }
  tmp_remove(&a);
  tmp_remove(&b);
}

static void test_different_seed_writes_different_files(void) {
  tmpdir a, b;
  tmp_make(&a);
  tmp_make(&b);
  hr_synth_stats sa, sb;
  if (!generate(&a, 200, 1, 0, &sa) && !generate(&b, 200, 2, 0, &sb)) {
    int same = 0;
    for (size_t i = 0; i < N_FILES; i++) {
      if (!strcmp(files[i], "register/key_workers.csv")) continue; /* a fixed pool per LA */
      size_t la, lb;
      char *x = slurp(&a, files[i], &la), *y = slurp(&b, files[i], &lb);
      if (la == lb && memcmp(x, y, la) == 0) {
        hr_test_fail(__FILE__, __LINE__, "%s is the same for seeds 1 and 2", files[i]);
        same++;
      }
      free(x);
      free(y);
    }
    CHECK_INT(same, 0);
  }
  tmp_remove(&a);
  tmp_remove(&b);
}

static void test_every_file_starts_with_its_header(void) {
  static const char *headers[N_FILES] = {
      "postcode,sex,date_of_birth,family_name,given_name,upn,nhs_number,la_code,person_id\r\n",
      "person_id,related_person_id,relationship,",
      "key_worker_id,name,email,",
      "Child_Person_ID,Key_Worker_ID,Start_Date,End_Date\r\n", /* header case varies (R37) */
      "{\"eventType\"",
      "MSH|^~\\&|",
      "upn,school_urn,la_code,date,session,code,given_name,family_name,date_of_birth\r\n",
      "\xEF\xBB\xBFrecord_id,la_code,nhs_number,given_name,family_name,date_of_birth,postcode,status,"
      "effective_date,dependants,", /* with a byte order mark (R37) */
  };
  tmpdir t;
  tmp_make(&t);
  hr_synth_stats st;
  if (!generate(&t, 200, 7, 0, &st)) {
    for (size_t i = 0; i < N_FILES; i++) {
      size_t n;
      char *s = slurp(&t, files[i], &n);
      if (strncmp(s, headers[i], strlen(headers[i])) != 0)
        hr_test_fail(__FILE__, __LINE__, "%s does not start with %s", files[i], headers[i]);
      free(s);
    }
  }
  tmp_remove(&t);
}

static void test_stats_count_the_lines_written(void) {
  tmpdir t;
  tmp_make(&t);
  hr_synth_stats st;
  if (!generate(&t, 200, 11, 0, &st)) {
    uint64_t want[N_FILES] = {st.persons, st.relationships, st.key_workers, st.assignments,
                              st.custody, st.inpatient,     st.attendance,  st.nrpf};
    for (size_t i = 0; i < N_FILES; i++) {
      size_t n;
      char *s = slurp(&t, files[i], &n);
      uint64_t got;
      if (!strcmp(files[i], "feeds/inpatient.hl7")) {
        got = 0; /* messages: an MSH at the start of the file or of a line */
        for (size_t j = 0; j + 4 <= n; j++)
          got += !memcmp(s + j, "MSH|", 4) && (j == 0 || s[j - 1] == '\r' || s[j - 1] == '\n');
      } else {
        got = count_lines(s, n) - (strstr(files[i], ".csv") ? 1 : 0);
      }
      if (got != want[i])
        hr_test_fail(__FILE__, __LINE__, "%s: %llu lines, stats say %llu", files[i], (unsigned long long)got,
                     (unsigned long long)want[i]);
      CHECK(want[i] > 0);
      free(s);
    }
    CHECK(st.bad_records > 0);
    CHECK(st.dq_warnings >= st.register_bad_nhs);
  }
  tmp_remove(&t);
}

static void test_register_nhs_numbers_pass_except_the_deliberately_bad(void) {
  tmpdir t;
  tmp_make(&t);
  hr_synth_stats st;
  if (!generate(&t, 200, 5, 0, &st)) {
    size_t n;
    char *s = slurp(&t, "register/persons.csv", &n);
    uint64_t failing = 0, passing = 0, spaced = 0, upns = 0;
    for (char *line = strchr(s, '\n') + 1; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
      const char *f;
      size_t len = csv_field(line, 6, &f); /* nhs_number: 7th column in this file's order */
      char norm[11];
      if (len) {
        if (hr_nhs_normalise(f, len, norm)) {
          passing++;
          CHECK(!strncmp(norm, "999", 3)); /* the test range */
        } else {
          failing++;
        }
        spaced += memchr(f, ' ', len) != NULL;
      }
      len = csv_field(line, 5, &f); /* upn */
      if (len) {
        char upn[14];
        CHECK(hr_upn_normalise(f, len, upn));
        upns++;
      }
    }
    CHECK_INT(failing, st.register_bad_nhs);
    CHECK(failing > 0);
    CHECK(passing > 10 * failing);
    CHECK(spaced > 0 && spaced < passing);
    CHECK(upns > 0);
    free(s);
  }
  tmp_remove(&t);
}

static int known_code(const char *c, size_t n) {
  static const char *codes[] = {"/",  "\\", "L",  "K",  "V",  "P",  "W", "B", "C", "C1", "C2", "E", "I",
                                "M",  "J1", "S",  "T",  "R",  "G",  "N", "O", "U", "D",  "X",  "Q", "Y1",
                                "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#", "H", "J",  "Y"};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (strlen(codes[i]) == n && !memcmp(codes[i], c, n)) return 1;
  return 0;
}

static void test_attendance_marks_school_days_in_date_order(void) {
  tmpdir t;
  tmp_make(&t);
  hr_synth_stats st;
  if (!generate(&t, 200, 9, 1, &st)) {
    CHECK_INT(st.bad_records, 0);
    size_t n;
    char *s = slurp(&t, "feeds/attendance.csv", &n);
    int32_t prev = 0, half_lo, half_hi, first = 0, last = 0;
    hr_parse_date("2026-10-26", 10, &half_lo);
    hr_parse_date("2026-10-30", 10, &half_hi);
    uint64_t rows = 0, bad = 0;
    for (char *line = strchr(s, '\n') + 1; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
      const char *f;
      size_t len = csv_field(line, 3, &f);
      int32_t d;
      if (hr_parse_date(f, len, &d)) {
        bad++;
        continue;
      }
      int weekday = (int)(((d + 3) % 7 + 7) % 7);
      if (weekday >= 5 || (d >= half_lo && d <= half_hi) || d < prev) bad++;
      if (!first) first = d;
      last = d;
      prev = d;
      len = csv_field(line, 5, &f);
      if (!known_code(f, len)) bad++;
      len = csv_field(line, 4, &f);
      if (len != 2 || (strncasecmp(f, "AM", 2) && strncasecmp(f, "PM", 2))) bad++; /* any case (R30) */
      rows++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(rows, st.attendance);
    int32_t want_first, want_last;
    hr_parse_date("2026-09-01", 10, &want_first);
    hr_parse_date("2026-12-18", 10, &want_last); /* 15 school weeks, half-term excluded */
    CHECK_INT(first, want_first);
    CHECK_INT(last, want_last);
    free(s);
  }
  tmp_remove(&t);
}

static void test_clean_mode_writes_no_bad_records(void) {
  tmpdir t;
  tmp_make(&t);
  hr_synth_stats st;
  if (!generate(&t, 200, 13, 1, &st)) {
    CHECK_INT(st.bad_records, 0);
    size_t n;
    char *s = slurp(&t, "feeds/inpatient.hl7", &n);
    CHECK(strstr(s, "ORU^R01") == NULL);
    free(s);
    s = slurp(&t, "feeds/nrpf.csv", &n);
    CHECK(strstr(s, ",pending,") == NULL);
    free(s);
  }
  tmp_remove(&t);
}

static void test_bad_options_are_rejected_with_a_message(void) {
  char err[256];
  hr_synth_stats st;
  hr_synth_opts o = {NULL, 10, 1, NULL, 0, 0, 0};
  CHECK_INT(hr_synth_generate(&o, &st, err, sizeof err), HR_EINVAL);
  CHECK(strstr(err, "output directory") != NULL);
  o.out_dir = "/tmp/hr_test_synth_never_written";
  o.term_start = "2026-02-30";
  CHECK_INT(hr_synth_generate(&o, &st, err, sizeof err), HR_EINVAL);
  CHECK(strstr(err, "2026-02-30") != NULL);
  o.term_start = NULL;
  o.weeks = 41;
  CHECK_INT(hr_synth_generate(&o, &st, err, sizeof err), HR_EINVAL);
  CHECK(access("/tmp/hr_test_synth_never_written", F_OK) != 0);
}

static void test_unwritable_output_is_an_io_error(void) {
  char err[256];
  hr_synth_opts o = {"/proc/hr_test_synth/out", 5, 1, NULL, 0, 0, 0};
  CHECK_INT(hr_synth_generate(&o, NULL, err, sizeof err), HR_EIO);
  CHECK(strstr(err, "/proc/hr_test_synth") != NULL);
}

/* --messy: the same world twice, the truth beside records as agencies write them. */
static void test_messy_world_has_the_truth_beside_it(void) {
  tmpdir t;
  tmp_make(&t);
  hr_synth_opts o = {t.path, 300, 4, NULL, 0, 1, 1};
  char err[256];
  hr_synth_stats st;
  CHECK_OK(hr_synth_generate(&o, &st, err, sizeof err));
  CHECK(st.messy_records > 50 && st.mess[0] > 0 && st.mess[1] > 0 && st.namesakes > 0);
  static const char *same_records[] = {"custody.jsonl", "inpatient.hl7", "nrpf.csv"};
  for (size_t i = 0; i < 3; i++) {
    char a[64], b[64];
    snprintf(a, sizeof a, "feeds/%s", same_records[i]);
    snprintf(b, sizeof b, "truth/feeds/%s", same_records[i]);
    size_t na, nb;
    char *x = slurp(&t, a, &na), *y = slurp(&t, b, &nb);
    CHECK(hr_utf8_valid(x, na)); /* typos never split a UTF-8 sequence (and clean has no bad bytes) */
    CHECK_INT(count_lines(x, na), count_lines(y, nb)); /* the same records, */
    CHECK(na != nb || memcmp(x, y, na) != 0);          /* identities spoiled */
    free(x);
    free(y);
  }
  size_t n;
  char *truth = slurp(&t, "truth/records.csv", &n);
  CHECK(strncmp(truth, "feed,record_id,sender,person_id,changes\n", 40) == 0);
  uint64_t rows = 0, changed = 0;
  for (char *line = strchr(truth, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
    const char *f;
    size_t fl = csv_field(line + 1, 0, &f);
    CHECK((fl == 7 && !strncmp(f, "custody", 7)) || (fl == 9 && !strncmp(f, "inpatient", 9)) ||
          (fl == 4 && !strncmp(f, "nrpf", 4)));
    size_t pl = csv_field(line + 1, 3, &f);
    CHECK(pl == 0 || (pl == 8 && f[0] == 'P'));
    size_t cl = csv_field(line + 1, 4, &f);
    for (size_t i = 0; i < cl;) { /* every change is a known kind */
      size_t w = strcspn(f + i, ";\r\n");
      int known = 0;
      for (int k = 0; hr_synth_mess_name(k); k++)
        known |= strlen(hr_synth_mess_name(k)) == w && !strncmp(f + i, hr_synth_mess_name(k), w);
      CHECK(known);
      i += w + 1;
    }
    rows++;
    changed += cl > 0;
  }
  CHECK(rows >= st.messy_records / 2 && changed > 0);
  free(truth);
  static const char *extra[] = {"truth/feeds/custody.jsonl",
                                "truth/feeds/inpatient.hl7",
                                "truth/feeds/nrpf.csv",
                                "truth/records.csv",
                                "truth/feeds",
                                "truth"};
  for (size_t i = 0; i < 6; i++) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", t.path, extra[i]);
    if (unlink(p)) rmdir(p);
  }
  tmp_remove(&t);
}

static const hr_test_case tests[] = {
    {"messy_world_has_the_truth_beside_it", test_messy_world_has_the_truth_beside_it},
    {"same_seed_writes_identical_files", test_same_seed_writes_identical_files},
    {"different_seed_writes_different_files", test_different_seed_writes_different_files},
    {"every_file_starts_with_its_header", test_every_file_starts_with_its_header},
    {"stats_count_the_lines_written", test_stats_count_the_lines_written},
    {"register_nhs_numbers_pass_except_the_deliberately_bad",
     test_register_nhs_numbers_pass_except_the_deliberately_bad},
    {"attendance_marks_school_days_in_date_order", test_attendance_marks_school_days_in_date_order},
    {"clean_mode_writes_no_bad_records", test_clean_mode_writes_no_bad_records},
    {"bad_options_are_rejected_with_a_message", test_bad_options_are_rejected_with_a_message},
    {"unwritable_output_is_an_io_error", test_unwritable_output_is_an_io_error},
};
HR_TEST_MAIN(tests)

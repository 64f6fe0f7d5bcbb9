/* Tests of broker/link/link_csv: reading person tables from CSV with a column map, and batch
 * linkage and dedup through the same engine. */
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "link.h"

static const char left_csv[] = "rec_id, given_name, surname, date_of_birth, postcode, street_number, address_1\n"
                               "a1, john, coxon, 19800102, 2000, 5, paterick place\n"
                               "a2, \"mary, ann\", o'brien, 19750311, 3000, 12, high street\n"
                               "a3, zoe, patel, 20010707, 4000, 1, long road\n";
static const char right_csv[] = "rec_id, given_name, surname, date_of_birth, postcode, street_number, address_1\n"
                                "b1, coxon, jonh, 19800102, 2000, 5, paterick place\n"
                                "b2, mary, obrien, 19751103, 3000, 12, high st\n"
                                "b3, xavier, quint, 19990909, 9999, 77, other lane\n";
static const char *const maps[] = {"given_name=given",  "surname=family",        "date_of_birth=dob",
                                   "postcode=postcode", "street_number=address", "address_1=address"};

static void test_table_maps_columns_and_joins_address(void) {
  hr_link_table t;
  char err[256];
  CHECK_OK(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, maps, 6, NULL, err, sizeof err));
  CHECK_INT(t.n, 3);
  CHECK_STR(t.ids[1], "a2");
  CHECK_STR(t.recs[1].given.full, "MARYANN"); /* quoted cell with a comma */
  CHECK_INT(t.recs[1].given.ntok, 2);
  CHECK_STR(t.recs[1].family.full, "OBRIEN");
  CHECK_STR(t.recs[0].address, "5 PATERICK PLACE");
  CHECK(t.recs[2].dob.y == 2001 && t.recs[2].dob.m == 7 && t.recs[2].dob.d == 7);
  CHECK(t.used[HR_LF_ADDRESS] && !t.used[HR_LF_SEX]);
  hr_link_table_free(&t);
  CHECK_OK(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, maps, 2, "surname", err, sizeof err));
  CHECK_STR(t.ids[0], "coxon");
  hr_link_table_free(&t);
}

static void test_table_reports_bad_maps_and_columns(void) {
  hr_link_table t;
  char err[256];
  const char *bad1[] = {"given_name"};
  CHECK_INT(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, bad1, 1, NULL, err, sizeof err), HR_EPARSE);
  CHECK(strstr(err, "expected COLUMN=FIELD") != NULL);
  const char *bad2[] = {"forename=given"};
  CHECK_INT(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, bad2, 1, NULL, err, sizeof err), HR_EPARSE);
  CHECK_STR(err, "--map forename=given: no column 'forename' in the header");
  const char *bad3[] = {"surname=surname"};
  CHECK_INT(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, bad3, 1, NULL, err, sizeof err), HR_EPARSE);
  CHECK_INT(hr_link_table_load(&t, left_csv, sizeof left_csv - 1, maps, 1, "nope", err, sizeof err), HR_EPARSE);
  CHECK_STR(err, "--id nope: no such column in the header");
  CHECK_INT(hr_link_table_load(&t, "", 0, maps, 1, NULL, err, sizeof err), HR_EPARSE);
  /* Ragged rows and stray bytes are read, never a crash. */
  static const char ragged[] = "id,given_name\nx\n\"unterminated,\xff\n";
  CHECK_OK(hr_link_table_load(&t, ragged, sizeof ragged - 1, maps, 1, "id", err, sizeof err));
  CHECK_INT(t.n, 2);
  hr_link_table_free(&t);
}

static void test_batch_links_best_pairs_with_levels(void) {
  hr_link_table l, r;
  char err[256];
  CHECK_OK(hr_link_table_load(&l, left_csv, sizeof left_csv - 1, maps, 6, NULL, err, sizeof err));
  CHECK_OK(hr_link_table_load(&r, right_csv, sizeof right_csv - 1, maps, 6, NULL, err, sizeof err));
  hr_link_params p;
  hr_link_params_default(&p);
  p.use[HR_LF_ADDRESS] = 1;
  p.use[HR_LF_SEX] = 0;
  hr_buf out = {0};
  hr_link_batch_stats st;
  CHECK_OK(hr_link_batch(&p, &l, &r, 0, &out, &st));
  CHECK(strncmp(out.data, "left_id,right_id,weight,probability,decision,levels\n", 52) == 0);
  /* a1-b1: names swapped and a typo; a2-b2: day and month swapped; a3 has no match. */
  CHECK(strstr(out.data, "\na1,b1,") != NULL);
  CHECK(strstr(out.data, "\na2,b2,") != NULL);
  CHECK(strstr(out.data, "\na3,") == NULL);
  CHECK(strstr(out.data, "dob=swapped") != NULL);
  CHECK_INT(st.queries, 3);
  CHECK_INT(st.pairs_out, 2);
  hr_buf_reset(&out);
  /* Dedup of the two files' rows together finds the same pairs, each once. */
  hr_buf both = {0};
  hr_buf_puts(&both, left_csv);
  hr_buf_puts(&both, strchr(right_csv, '\n') + 1);
  hr_link_table all;
  CHECK_OK(hr_link_table_load(&all, both.data, both.len, maps, 6, NULL, err, sizeof err));
  CHECK_OK(hr_link_batch(&p, &all, NULL, 0, &out, &st));
  CHECK(strstr(out.data, "\na1,b1,") != NULL);
  CHECK(strstr(out.data, "\na2,b2,") != NULL);
  CHECK(strstr(out.data, "\nb1,a1,") == NULL);
  CHECK_INT(st.pairs_out, 2);
  hr_buf_free(&both);
  hr_buf_free(&out);
  hr_link_table_free(&all);
  hr_link_table_free(&l);
  hr_link_table_free(&r);
}

/* Random bytes into every parser of the module: never a crash, never a read out of bounds (the
 * sanitizer run checks). Deterministic: a fixed xorshift stream. */
static void test_hostile_bytes_never_crash(void) {
  uint64_t x = 88172645463325252ull;
  char buf[512];
  const char alphabet[] = "ab,\"\n\r-' 0123456789/SWsw\xc3\xa9\xff=.mu given family dob exact";
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = 0, len;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    len = x % sizeof buf;
    for (; n < len; n++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[n] = (x >> 8) % 3 ? alphabet[x % (sizeof alphabet - 1)] : (char)(x >> 16);
    }
    hr_link_name nm;
    hr_link_name_norm(buf, len, &nm);
    CHECK(nm.len < HR_LINK_NAME_MAX && nm.ntok <= HR_LINK_TOKENS);
    hr_link_postcode pc;
    hr_link_postcode_norm(buf, len, &pc);
    char out[16];
    hr_link_postcode_format(&pc, out, sizeof out);
    hr_link_date d;
    hr_link_date_parse(buf, len, &d);
    char code[8];
    hr_soundex(buf, len, code);
    hr_nysiis(buf, len, code, sizeof code);
    hr_jaro_winkler(buf, len, buf + len / 2, len - len / 2);
    hr_link_params p;
    char err[128];
    hr_link_params_read(&p, buf, len, err, sizeof err);
    if (iter % 20 == 0) {
      hr_link_table t;
      if (hr_link_table_load(&t, buf, len, maps, 6, NULL, err, sizeof err) == 0) hr_link_table_free(&t);
    }
  }
}

static const hr_test_case tests[] = {
    {"table_maps_columns_and_joins_address", test_table_maps_columns_and_joins_address},
    {"table_reports_bad_maps_and_columns", test_table_reports_bad_maps_and_columns},
    {"batch_links_best_pairs_with_levels", test_batch_links_best_pairs_with_levels},
    {"hostile_bytes_never_crash", test_hostile_bytes_never_crash},
};
HR_TEST_MAIN(tests)

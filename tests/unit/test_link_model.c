/* Tests of broker/link's model, index and training: weights and decisions, the surname
 * term-frequency adjustment, parameter files, the incrementally maintained blocking index, the
 * branch-and-bound lookup against exhaustive scoring, and EM training on synthetic data. */
#include <math.h>
#include <stdlib.h>

#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "link.h"

static void rec(hr_link_rec *r, const char *g, const char *f, const char *dob, const char *pc, const char *sex) {
  hr_link_rec_from(r, g, f, dob, pc, sex);
}

static void test_weights_are_log2_m_over_u_and_decide(void) {
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_rec a, b;
  rec(&a, "Aisha", "Green", "2018-04-02", "BS3 5NL", "F");
  rec(&b, "Aisha", "Green", "2018-04-02", "BS3 5NL", "F");
  hr_link_levels lv;
  hr_link_compare(&a, &b, &lv);
  hr_link_score s;
  hr_link_score_levels(&p, &lv, 1e-6, 0, &s);
  double want = log2(1e-6 / (1 - 1e-6));
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p.use[f]) continue;
    CHECK_INT(lv.level[f], 0);
    want += log2(p.m[f][0] / p.u[f][0]);
  }
  CHECK(fabs(s.total - want) < 1e-9);
  CHECK_INT(hr_link_decide(&p, s.total), HR_LINK_MATCH);
  /* A different person: every field different. */
  rec(&b, "Zoe", "Patel", "1975-11-30", "M1 1AE", "M");
  hr_link_compare(&a, &b, &lv);
  hr_link_score_levels(&p, &lv, 1e-6, 0, &s);
  CHECK(s.total < p.review_weight);
  CHECK_INT(hr_link_decide(&p, s.total), HR_LINK_NONE);
  CHECK_INT(hr_link_decide(&p, (p.link_weight + p.review_weight) / 2), HR_LINK_REVIEW);
  /* Two candidates at the link weight: tied unless the best is the margin ahead. */
  CHECK(hr_link_tied(&p, 20, 20));
  CHECK(hr_link_tied(&p, 20, 20 - p.margin + 0.1));
  CHECK(!hr_link_tied(&p, 20, 20 - p.margin));
  CHECK(!hr_link_tied(&p, p.link_weight + 1, p.link_weight - 0.1)); /* runner-up below the link weight */
  /* Missing values weigh nothing either way. */
  rec(&b, "Aisha", "Green", NULL, NULL, NULL);
  hr_link_compare(&a, &b, &lv);
  hr_link_score_levels(&p, &lv, 1e-6, 0, &s);
  CHECK(s.w[HR_LF_DOB] == 0 && s.w[HR_LF_POSTCODE] == 0 && s.w[HR_LF_SEX] == 0);
  CHECK(fabs(hr_link_probability(0) - 0.5) < 1e-12);
}

static void test_rare_surname_counts_more_than_common(void) {
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_levels lv;
  hr_link_rec a;
  rec(&a, "Ann", "Smith", "1980-01-01", "SW1A 1AA", "F");
  hr_link_compare(&a, &a, &lv);
  hr_link_score common, rare, none;
  hr_link_score_levels(&p, &lv, 1e-6, 0.0126, &common); /* Smith: 1.26% of England and Wales */
  hr_link_score_levels(&p, &lv, 1e-6, 0.00002, &rare);
  hr_link_score_levels(&p, &lv, 1e-6, 0, &none);
  CHECK(rare.w[HR_LF_FAMILY] > none.w[HR_LF_FAMILY]);
  CHECK(common.w[HR_LF_FAMILY] < none.w[HR_LF_FAMILY]);
  CHECK(fabs(rare.w[HR_LF_FAMILY] - log2(p.m[HR_LF_FAMILY][0] / 0.00002)) < 1e-9);
  CHECK(fabs(rare.tf_u - 0.00002) < 1e-12);
  /* Below the floor, the floor. */
  hr_link_score tiny;
  hr_link_score_levels(&p, &lv, 1e-6, 1e-9, &tiny);
  CHECK(fabs(tiny.w[HR_LF_FAMILY] - log2(p.m[HR_LF_FAMILY][0] / p.tf_min)) < 1e-9);
}

static void test_params_file_round_trips_and_rejects_mistakes(void) {
  hr_link_params p, q;
  hr_link_params_default(&p);
  p.m[HR_LF_DOB][1] = 0.0123;
  p.u[HR_LF_POSTCODE][2] = 0.0456;
  p.prior = 0.00031;
  p.use[HR_LF_ADDRESS] = 1;
  p.link_weight = 9;
  p.margin = 4.5;
  hr_buf b = {0};
  hr_link_params_write(&p, &b);
  char err[256];
  CHECK_OK(hr_link_params_read(&q, b.data, b.len, err, sizeof err));
  CHECK(fabs(q.m[HR_LF_DOB][1] - 0.0123) < 1e-12);
  CHECK(fabs(q.u[HR_LF_POSTCODE][2] - 0.0456) < 1e-12);
  CHECK(fabs(q.prior - 0.00031) < 1e-12);
  CHECK_INT(q.use[HR_LF_ADDRESS], 1);
  CHECK(q.link_weight == 9);
  CHECK(q.margin == 4.5);
  CHECK(fabs(q.w[HR_LF_DOB][1] - log2(0.0123 / p.u[HR_LF_DOB][1])) < 1e-9); /* prepared */
  hr_buf_free(&b);
  static const struct {
    const char *text, *want;
  } bad[] = {
      {"m given exact 2\n", "line 1: bad value"},
      {"# c\nm given nearly 0.5\n", "line 2: field given has no level 'nearly'"},
      {"m forename exact 0.5\n", "line 1: unknown field 'forename'"},
      {"colour blue\n", "line 1: unknown setting 'colour'"},
      {"prior 1\n", "line 1: bad value"},
      {"link_weight 1\nreview_weight 3\n", "review_weight 3 is above link_weight 1"},
      {"use sex 2\n", "line 1: bad value"},
      {"margin -1\n", "line 1: bad value"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    CHECK_INT(hr_link_params_read(&q, bad[i].text, strlen(bad[i].text), err, sizeof err), HR_EPARSE);
    if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
      hr_test_fail(__FILE__, __LINE__, "%s: got '%s', want '%s'", bad[i].text, err, bad[i].want);
  }
}

static void test_explain_says_why_in_words(void) {
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_rec a, b;
  rec(&a, "Bill", "Smith-Jones", "1980-03-04", "SW1A 1AA", "M");
  rec(&b, "William", "Jones", "1980-04-03", "SW1A 2BB", "M");
  hr_link_levels lv;
  hr_link_compare(&a, &b, &lv);
  hr_link_score s;
  hr_link_score_levels(&p, &lv, 1e-6, 0.001, &s);
  hr_buf out = {0};
  hr_link_explain(&p, &a, &b, &s, &out);
  CHECK(strstr(out.data, "nickname") != NULL);
  CHECK(strstr(out.data, "double-barrelled") != NULL);
  CHECK(strstr(out.data, "day and month swapped") != NULL);
  CHECK(strstr(out.data, "postcode district") != NULL);
  CHECK(strstr(out.data, "\"SW1A 1AA\" and \"SW1A 2BB\"") != NULL);
  hr_buf_reset(&out);
  hr_link_score_json(&p, &s, &out);
  CHECK(strstr(out.data, "{\"field\":\"dob\",\"level\":\"swapped\"") != NULL);
  CHECK(strstr(out.data, "\"decision\":") != NULL);
  hr_buf_free(&out);
}

static void test_names_written_the_wrong_way_round_still_match(void) {
  hr_link_rec a, b;
  rec(&a, "John", "Coxon", "1980-01-02", NULL, NULL);
  rec(&b, "Coxon", "John", "1980-01-02", NULL, NULL);
  hr_link_levels lv;
  hr_link_compare(&a, &b, &lv);
  CHECK_INT(lv.swapped, 1);
  CHECK_INT(lv.level[HR_LF_GIVEN], 0);
  CHECK_INT(lv.level[HR_LF_FAMILY], 0);
  rec(&b, "John", "Coxon", "1980-01-02", NULL, NULL);
  hr_link_compare(&a, &b, &lv);
  CHECK_INT(lv.swapped, 0);
}

/* A register of synthetic people; queries are messy copies. */
static hr_link_index *make_register(uint32_t n, uint64_t seed) {
  hr_link_index *ix = hr_link_index_new();
  CHECK(ix != NULL);
  for (uint32_t i = 0; i < n; i++) {
    hr_link_gen g;
    hr_link_rec r;
    hr_link_gen_person(seed, i, &g);
    hr_link_gen_rec(&g, &r);
    CHECK_OK(hr_link_index_put(ix, i, &r));
  }
  return ix;
}

static void test_each_blocking_key_finds_the_record_despite_a_typo_elsewhere(void) {
  hr_link_index *ix = hr_link_index_new();
  hr_link_rec r, q;
  rec(&r, "Aisha", "Green", "2018-04-02", "BS3 5NL", "F");
  CHECK_OK(hr_link_index_put(ix, 7, &r));
  static const char *const queries[][4] = {
      {"Xaver", "Qwerty", "2018-04-02", "M1 1AE"},  /* D: birth date only */
      {"Aisha", "Green", "2018-05-09", "M1 1AE"},   /* N: names and year */
      {"Aisha", "Green", "2011-04-02", "M1 1AE"},   /* M: names, month and day */
      {"Xaver", "Qwerty", "1999-09-09", "BS3 5NL"}, /* P: postcode */
      {"Ayesha", "Green", "1999-09-09", "BS3 9ZZ"}, /* S: surname, initial, district */
      {"Green", "Aisha", "2018-05-09", "M1 1AE"},   /* N, with the names swapped */
  };
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    rec(&q, queries[i][0], queries[i][1], queries[i][2], queries[i][3], NULL);
    uint32_t ids[8];
    int trunc;
    uint32_t n = hr_link_index_candidates(ix, &q, ids, 8, &trunc);
    if (n != 1 || ids[0] != 7) hr_test_fail(__FILE__, __LINE__, "query %zu: %u candidates", i, n);
  }
  rec(&q, "Xaver", "Qwerty", "1999-09-09", "M1 1AE", NULL);
  uint32_t ids[8];
  int trunc;
  CHECK_INT(hr_link_index_candidates(ix, &q, ids, 8, &trunc), 0);
  hr_link_index_free(ix);
}

static void test_index_is_maintained_incrementally(void) {
  hr_link_index *ix = hr_link_index_new();
  hr_link_rec a, b, q;
  rec(&a, "Aisha", "Green", "2018-04-02", "BS3 5NL", "F");
  rec(&b, "Aisha", "Green", "2018-04-02", "NW1 7GS", "F");
  CHECK_OK(hr_link_index_put(ix, 1, &a));
  CHECK_OK(hr_link_index_put(ix, 2, &a));
  CHECK_INT(hr_link_index_size(ix), 2);
  CHECK(fabs(hr_link_index_surname_freq(ix, "GREEN") - 1.0) < 1e-12);
  /* Moving house: the old postcode no longer finds record 2. */
  CHECK_OK(hr_link_index_put(ix, 2, &b));
  CHECK_INT(hr_link_index_size(ix), 2);
  rec(&q, "Xaver", "Qwerty", "1999-09-09", "NW1 7GS", NULL);
  uint32_t ids[8];
  int trunc;
  CHECK_INT(hr_link_index_candidates(ix, &q, ids, 8, &trunc), 1);
  CHECK_INT(ids[0], 2);
  rec(&q, "Xaver", "Qwerty", "1999-09-09", "BS3 5NL", NULL);
  CHECK_INT(hr_link_index_candidates(ix, &q, ids, 8, &trunc), 1);
  CHECK_INT(ids[0], 1);
  CHECK_OK(hr_link_index_remove(ix, 1));
  CHECK_INT(hr_link_index_remove(ix, 1), HR_ENOTFOUND);
  CHECK_INT(hr_link_index_candidates(ix, &q, ids, 8, &trunc), 0);
  CHECK(hr_link_index_get(ix, 1) == NULL);
  CHECK(hr_link_index_get(ix, 2) != NULL);
  CHECK(fabs(hr_link_index_surname_freq(ix, "GREEN") - 1.0) < 1e-12);
  CHECK_OK(hr_link_index_remove(ix, 2));
  CHECK(hr_link_index_surname_freq(ix, "GREEN") == 0);
  hr_link_index_free(ix);
}

static void test_blocks_are_capped(void) {
  /* Everyone born on one day: the birth-date block is read up to its cap only. */
  hr_link_index *ix = hr_link_index_new();
  char given[16];
  for (uint32_t i = 0; i < 3 * HR_LINK_BLOCK_CAP; i++) {
    hr_link_rec r;
    snprintf(given, sizeof given, "G%u", i);
    rec(&r, given, "Family", "2000-01-01", NULL, NULL);
    CHECK_OK(hr_link_index_put(ix, i, &r));
  }
  hr_link_rec q;
  rec(&q, "Nobody", "Else", "2000-01-01", NULL, NULL);
  uint32_t *ids = malloc(HR_LINK_CANDIDATE_CAP * sizeof *ids);
  int trunc;
  CHECK_INT(hr_link_index_candidates(ix, &q, ids, HR_LINK_CANDIDATE_CAP, &trunc), HR_LINK_BLOCK_CAP);
  CHECK_INT(trunc, 1);
  CHECK_INT(ids[0], 3 * HR_LINK_BLOCK_CAP - 1); /* newest first */
  free(ids);
  hr_link_index_free(ix);
}

static void test_lookup_equals_exhaustive_scoring_of_candidates(void) {
  /* Branch and bound must never change the answer: compare with scoring every candidate. */
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_index *ix = make_register(20000, 3);
  uint32_t *ids = malloc(HR_LINK_CANDIDATE_CAP * sizeof *ids);
  int agree = 0, found = 0;
  for (uint32_t i = 0; i < 2000; i++) {
    hr_link_gen g, m;
    hr_link_rec q;
    hr_link_gen_person(3, (i * 7919u) % 20000, &g);
    hr_link_gen_messy(3, i, &g, &m);
    hr_link_gen_rec(&m, &q);
    hr_link_match best[3];
    uint32_t nc;
    uint32_t nb = hr_link_index_lookup(ix, &p, &q, best, 3, &nc);
    int trunc;
    uint32_t n = hr_link_index_candidates(ix, &q, ids, HR_LINK_CANDIDATE_CAP, &trunc);
    CHECK_INT(n, nc);
    /* exhaustive: the three best at or above the review weight */
    double top[3] = {-INFINITY, -INFINITY, -INFINITY};
    uint32_t topid[3] = {0, 0, 0}, ntop = 0;
    for (uint32_t c = 0; c < n; c++) {
      const hr_link_rec *r = hr_link_index_get(ix, ids[c]);
      hr_link_levels lv;
      hr_link_compare(&q, r, &lv);
      double tf = lv.level[HR_LF_FAMILY] == 0 ? hr_link_index_surname_freq(ix, r->family.full) : 0;
      hr_link_score s;
      hr_link_score_levels(&p, &lv, 1.0 / 20000, tf, &s);
      if (s.total < p.review_weight) continue;
      for (int k = 0; k < 3; k++)
        if (s.total > top[k] || (s.total == top[k] && ids[c] < topid[k])) {
          for (int j = 2; j > k; j--) {
            top[j] = top[j - 1];
            topid[j] = topid[j - 1];
          }
          top[k] = s.total;
          topid[k] = ids[c];
          break;
        }
      ntop++;
    }
    uint32_t want = ntop < 3 ? ntop : 3;
    int same = nb == want;
    for (uint32_t k = 0; same && k < nb; k++)
      same = best[k].id == topid[k] && fabs(best[k].score.total - top[k]) < 1e-9;
    agree += same;
    found += nb > 0 && best[0].id == (i * 7919u) % 20000;
  }
  CHECK_INT(agree, 2000);
  printf("lookup: %d of 2000 messy copies ranked their person first\n", found);
  CHECK(found > 1900);
  free(ids);
  hr_link_index_free(ix);
}

static void test_training_is_deterministic_and_learns_m_and_u(void) {
  /* Left: 3,000 people; right: messy copies of the first 2,000 and 1,000 others. */
  enum { NL = 3000, NR = 3000 };
  hr_link_rec *l = malloc(NL * sizeof *l), *r = malloc(NR * sizeof *r);
  for (uint32_t i = 0; i < NL; i++) {
    hr_link_gen g;
    hr_link_gen_person(11, i, &g);
    hr_link_gen_rec(&g, &l[i]);
  }
  for (uint32_t i = 0; i < NR; i++) {
    hr_link_gen g, m;
    hr_link_gen_person(11, i < 2000 ? i : 100000 + i, &g);
    hr_link_gen_messy(11, i, &g, &m);
    hr_link_gen_rec(&m, &r[i]);
  }
  hr_link_params a, b;
  hr_link_params_default(&a);
  hr_link_params_default(&b);
  hr_link_train_stats sa, sb;
  CHECK_OK(hr_link_train(&a, l, NL, r, NR, 200000, 42, &sa));
  CHECK_OK(hr_link_train(&b, l, NL, r, NR, 200000, 42, &sb));
  CHECK(memcmp(a.m, b.m, sizeof a.m) == 0 && memcmp(a.u, b.u, sizeof a.u) == 0 && a.prior == b.prior);
  CHECK_INT(sa.em_sessions, 2);
  /* The generator's error rates: about 10% surname typos, 5% swapped or mistyped dates. */
  CHECK(a.m[HR_LF_FAMILY][0] > 0.8 && a.m[HR_LF_FAMILY][0] < 0.97);
  CHECK(a.m[HR_LF_DOB][0] > 0.85 && a.m[HR_LF_DOB][0] < 0.99);
  CHECK(a.u[HR_LF_DOB][0] < 0.001);
  CHECK(a.u[HR_LF_SEX][0] > 0.4 && a.u[HR_LF_SEX][0] < 0.6);
  /* 2,000 matches among 9 million pairs. */
  double want = 2000.0 / ((double)NL * NR);
  if (a.prior < want / 2 || a.prior > want * 2)
    hr_test_fail(__FILE__, __LINE__, "prior %.3g, want about %.3g", a.prior, want);
  printf("trained: m(family exact) %.3f, m(dob exact) %.3f, prior %.3g (true %.3g)\n", a.m[HR_LF_FAMILY][0],
         a.m[HR_LF_DOB][0], a.prior, want);
  CHECK_INT(hr_link_train(&a, l, 1, r, NR, 10, 1, &sa), HR_EINVAL);
  free(l);
  free(r);
}

static const hr_test_case tests[] = {
    {"weights_are_log2_m_over_u_and_decide", test_weights_are_log2_m_over_u_and_decide},
    {"rare_surname_counts_more_than_common", test_rare_surname_counts_more_than_common},
    {"params_file_round_trips_and_rejects_mistakes", test_params_file_round_trips_and_rejects_mistakes},
    {"explain_says_why_in_words", test_explain_says_why_in_words},
    {"names_written_the_wrong_way_round_still_match", test_names_written_the_wrong_way_round_still_match},
    {"each_blocking_key_finds_the_record_despite_a_typo_elsewhere",
     test_each_blocking_key_finds_the_record_despite_a_typo_elsewhere},
    {"index_is_maintained_incrementally", test_index_is_maintained_incrementally},
    {"blocks_are_capped", test_blocks_are_capped},
    {"lookup_equals_exhaustive_scoring_of_candidates", test_lookup_equals_exhaustive_scoring_of_candidates},
    {"training_is_deterministic_and_learns_m_and_u", test_training_is_deterministic_and_learns_m_and_u},
};
HR_TEST_MAIN(tests)

/* Tests of broker/link comparators and normalisation against published test vectors:
 * Jaro and Jaro-Winkler from Winkler (1990) and the table of Winkler's later papers (values
 * without his similar-character adjustments), American Soundex from the US National Archives and
 * Knuth (TAOCP vol. 3), NYSIIS from the vectors Apache Commons Codec's NysiisTest publishes. */
#include <math.h>

#include "hr_test.h"
#include "link.h"

typedef struct pair_case {
  const char *a, *b;
  double jaro, jw;
} pair_case;

static void test_jaro_winkler_matches_winkler_table(void) {
  static const pair_case cases[] = {
      {"MARTHA", "MARHTA", 0.944, 0.961},
      {"DWAYNE", "DUANE", 0.822, 0.840},
      {"DIXON", "DICKSONX", 0.767, 0.813},
      {"SHACKLEFORD", "SHACKELFORD", 0.970, 0.982},
      {"DUNNINGHAM", "CUNNIGHAM", 0.896, 0.896},
      {"NICHLESON", "NICHULSON", 0.926, 0.956},
      {"JONES", "JOHNSON", 0.790, 0.832},
      {"MASSEY", "MASSIE", 0.889, 0.933},
      {"ABROMS", "ABRAMS", 0.889, 0.922},
      {"HARDIN", "MARTINEZ", 0.722, 0.722},
      {"ITMAN", "SMITH", 0.467, 0.467},
      {"JERALDINE", "GERALDINE", 0.926, 0.926},
      {"MICHELLE", "MICHAEL", 0.869, 0.921},
      {"JULIES", "JULIUS", 0.889, 0.933},
      {"TANYA", "TONYA", 0.867, 0.880},
      {"SEAN", "SUSAN", 0.783, 0.805},
      {"JON", "JOHN", 0.917, 0.933},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const pair_case *c = &cases[i];
    double j = hr_jaro(c->a, strlen(c->a), c->b, strlen(c->b));
    double jw = hr_jaro_winkler(c->a, strlen(c->a), c->b, strlen(c->b));
    if (fabs(j - c->jaro) > 0.0005 || fabs(jw - c->jw) > 0.0005)
      hr_test_fail(__FILE__, __LINE__, "%s/%s: jaro %.4f (want %.3f), jw %.4f (want %.3f)", c->a, c->b, j, c->jaro, jw,
                   c->jw);
    /* symmetric */
    CHECK(fabs(hr_jaro_winkler(c->b, strlen(c->b), c->a, strlen(c->a)) - jw) < 1e-12);
  }
}

static void test_jaro_edge_cases(void) {
  CHECK(hr_jaro("", 0, "", 0) == 0.0);
  CHECK(hr_jaro("A", 1, "", 0) == 0.0);
  CHECK(hr_jaro("ABC", 3, "ABC", 3) == 1.0);
  CHECK(hr_jaro("ABC", 3, "XYZ", 3) == 0.0);
  CHECK(hr_jaro_winkler("A", 1, "A", 1) == 1.0);
  /* Longer than 64 bytes: compared on the first 64, never read out of bounds. */
  char a[100], b[100];
  memset(a, 'A', sizeof a);
  memset(b, 'A', sizeof b);
  b[99] = 'B';
  CHECK(hr_jaro(a, 100, b, 100) == 1.0);
}

static void test_soundex_national_archives_vectors(void) {
  static const char *const cases[][2] = {
      {"Robert", "R163"},  {"Rupert", "R163"},     {"Rubin", "R150"},    {"Ashcraft", "A261"}, {"Ashcroft", "A261"},
      {"Tymczak", "T522"}, {"Pfister", "P236"},    {"Honeyman", "H555"}, {"Lee", "L000"},      {"Gutierrez", "G362"},
      {"Jackson", "J250"}, {"Washington", "W252"}, {"Lloyd", "L300"},    {"o'hara", "O600"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[5];
    CHECK_INT(hr_soundex(cases[i][0], strlen(cases[i][0]), out), 1);
    CHECK_STR(out, cases[i][1]);
  }
  char out[5];
  CHECK_INT(hr_soundex("123 -", 5, out), 0);
  CHECK_STR(out, "");
}

static void test_nysiis_commons_codec_vectors(void) {
  static const char *const cases[][2] = {
      /* testDropBy (dropby.com vectors as modified by Commons Codec) */
      {"MACINTOSH", "MCANT"},
      {"KNUTH", "NAT"},
      {"KOEHN", "CAN"},
      {"PHILLIPSON", "FALAPSAN"},
      {"PFEISTER", "FASTAR"},
      {"SCHOENHOEFT", "SANAFT"},
      {"MCKEE", "MCY"},
      {"MACKIE", "MCY"},
      {"HEITSCHMIDT", "HATSNAD"},
      {"BART", "BAD"},
      {"HURD", "HAD"},
      {"HUNT", "HAD"},
      {"WESTERLUND", "WASTARLAD"},
      {"CASSTEVENS", "CASTAFAN"},
      {"VASQUEZ", "VASG"},
      {"FRAZIER", "FRASAR"},
      {"BOWMAN", "BANAN"},
      {"MCKNIGHT", "MCNAGT"},
      {"RICKERT", "RACAD"},
      {"DEUTSCH", "DAT"},
      {"WESTPHAL", "WASTFAL"},
      {"SHRIVER", "SRAVAR"},
      {"KUHL", "CAL"},
      {"RAWSON", "RASAN"},
      {"JILES", "JAL"},
      {"CARRAWAY", "CARY"},
      {"YAMADA", "YANAD"},
      /* testOthers, testFal, testTranan, testSnat, testSnad, testDan, testDad, testCap, testBran */
      {"O'Daniel", "ODANAL"},
      {"O'Donnel", "ODANAL"},
      {"Cory", "CARY"},
      {"Corey", "CARY"},
      {"Kory", "CARY"},
      {"FUZZY", "FASY"},
      {"Phil", "FAL"},
      {"Trueman", "TRANAN"},
      {"Truman", "TRANAN"},
      {"Smith", "SNAT"},
      {"Schmit", "SNAT"},
      {"Schmidt", "SNAD"},
      {"Dane", "DAN"},
      {"Dean", "DAN"},
      {"Dionne", "DAN"},
      {"Dent", "DAD"},
      {"Capp", "CAP"},
      {"Cope", "CAP"},
      {"Copp", "CAP"},
      {"Kipp", "CAP"},
      {"Brian", "BRAN"},
      {"Brown", "BRAN"},
      {"Brun", "BRAN"},
      /* testRule1 .. testRule7 */
      {"MACX", "MCX"},
      {"KNX", "NX"},
      {"KX", "CX"},
      {"PHX", "FX"},
      {"PFX", "FX"},
      {"SCHX", "SX"},
      {"XEE", "XY"},
      {"XIE", "XY"},
      {"XDT", "XD"},
      {"XRT", "XD"},
      {"XRD", "XD"},
      {"XNT", "XD"},
      {"XND", "XD"},
      {"XEV", "XAF"},
      {"XAX", "XAX"},
      {"XEX", "XAX"},
      {"XIX", "XAX"},
      {"XOX", "XAX"},
      {"XUX", "XAX"},
      {"XQ", "XG"},
      {"XZ", "X"},
      {"XM", "XN"},
      {"XS", "X"},
      {"XSS", "X"},
      {"XAY", "XY"},
      {"XAYS", "XY"},
      {"XA", "X"},
      {"XAS", "X"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[32];
    hr_nysiis(cases[i][0], strlen(cases[i][0]), out, sizeof out);
    if (strcmp(out, cases[i][1]) != 0)
      hr_test_fail(__FILE__, __LINE__, "nysiis(%s) = %s, want %s", cases[i][0], out, cases[i][1]);
  }
  char small[4];
  CHECK_INT(hr_nysiis("WESTERLUND", 10, small, sizeof small), 3); /* truncated to the buffer */
  CHECK_STR(small, "WAS");
  CHECK_INT(hr_nysiis("--", 2, small, sizeof small), 0);
}

static void test_one_edit_is_damerau(void) {
  CHECK(hr_within_one_edit("1234", 4, "1234", 4));
  CHECK(hr_within_one_edit("1234", 4, "1243", 4)); /* adjacent swap */
  CHECK(hr_within_one_edit("1234", 4, "1284", 4)); /* substitution */
  CHECK(hr_within_one_edit("1234", 4, "124", 3));  /* deletion */
  CHECK(hr_within_one_edit("124", 3, "1234", 4));  /* insertion */
  CHECK(hr_within_one_edit("", 0, "1", 1));
  CHECK(!hr_within_one_edit("1234", 4, "4321", 4));
  CHECK(!hr_within_one_edit("1234", 4, "12", 2));
  CHECK(!hr_within_one_edit("1234", 4, "2143", 4)); /* two swaps */
}

static void test_names_fold_case_accents_punctuation_and_split_parts(void) {
  hr_link_name n;
  hr_link_name_norm("  Zoë  O'Brien-Smith ", 22, &n);
  CHECK_STR(n.full, "ZOEOBRIENSMITH");
  CHECK_INT(n.ntok, 3);
  CHECK_INT(n.tok_len[1], 6); /* OBRIEN */
  hr_link_name_norm("Mr. John", 8, &n);
  CHECK_STR(n.full, "JOHN"); /* a title before a name is dropped */
  hr_link_name_norm("Mr", 2, &n);
  CHECK_STR(n.full, "MR"); /* a lone title is a name */
  hr_link_name_norm("José-María", strlen("José-María"), &n);
  CHECK_STR(n.full, "JOSEMARIA");
  CHECK_INT(n.ntok, 2);
  hr_link_name_norm("--", 2, &n);
  CHECK_INT(n.len, 0);
}

static void test_nicknames_meet_their_full_names(void) {
  CHECK_STR(hr_link_nickname("BILL"), "WILLIAM");
  CHECK_STR(hr_link_nickname("WILLIAM"), "WILLIAM");
  CHECK_STR(hr_link_nickname("PEGGY"), "MARGARET");
  CHECK(hr_link_nickname("XAVIERA") == NULL);
  hr_link_rec a, b;
  hr_link_rec_from(&a, "Bill", "Smith", "1980-01-02", "SW1A 1AA", "M");
  hr_link_rec_from(&b, "William", "Smith", "1980-01-02", "SW1A 1AA", "M");
  hr_link_levels lv;
  hr_link_compare(&a, &b, &lv);
  CHECK_STR(hr_link_level_name(HR_LF_GIVEN, lv.level[HR_LF_GIVEN]), "alias");
}

static void test_dates_keep_fields_and_forms(void) {
  hr_link_date d;
  CHECK_INT(hr_link_date_parse("1980-03-04", 10, &d), 0);
  CHECK(d.y == 1980 && d.m == 3 && d.d == 4);
  CHECK_INT(hr_link_date_parse(" 19800304", 9, &d), 0);
  CHECK(d.y == 1980 && d.m == 3 && d.d == 4);
  CHECK_INT(hr_link_date_parse("04/03/1980", 10, &d), 0);
  CHECK(d.y == 1980 && d.m == 3 && d.d == 4);
  CHECK_INT(hr_link_date_parse("19801304", 8, &d), 0); /* month 13: unknown, the rest kept */
  CHECK(d.y == 1980 && d.m == 0 && d.d == 4);
  CHECK_INT(hr_link_date_parse("1980-3-4", 8, &d), -1);
  CHECK_INT(hr_link_date_parse("", 0, &d), -1);
  CHECK_INT(hr_link_date_parse("abcdefgh", 8, &d), -1);
}

static void test_dob_levels_exact_swapped_one_field_year(void) {
  static const struct {
    const char *a, *b, *level;
  } cases[] = {
      {"1980-03-04", "1980-03-04", "exact"},     {"1980-03-04", "1980-04-03", "swapped"},
      {"1980-03-04", "1980-03-05", "one_field"}, {"1980-03-04", "1981-03-04", "one_field"},
      {"1980-03-04", "1980-05-06", "year"},      {"1980-03-04", "1975-05-06", "different"},
      {"1980-03-03", "1980-03-03", "exact"},     {"1980-03-04", "", "missing"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hr_link_rec a, b;
    hr_link_rec_from(&a, "A", "B", cases[i].a, NULL, NULL);
    hr_link_rec_from(&b, "A", "B", cases[i].b, NULL, NULL);
    hr_link_levels lv;
    hr_link_compare(&a, &b, &lv);
    const char *got = hr_link_level_name(HR_LF_DOB, lv.level[HR_LF_DOB] == HR_LINK_NULL ? -1 : lv.level[HR_LF_DOB]);
    if (strcmp(got, cases[i].level))
      hr_test_fail(__FILE__, __LINE__, "%s vs %s: %s, want %s", cases[i].a, cases[i].b, got, cases[i].level);
  }
}

static void test_uk_postcodes_format_outward_district_area(void) {
  hr_link_postcode p;
  char s[16];
  hr_link_postcode_norm("sw1a1aa", 7, &p);
  CHECK(p.uk);
  CHECK_INT(p.out_len, 4);
  CHECK_INT(p.area_len, 2);
  hr_link_postcode_format(&p, s, sizeof s);
  CHECK_STR(s, "SW1A 1AA");
  hr_link_postcode_norm(" M1  1AE ", 9, &p);
  hr_link_postcode_format(&p, s, sizeof s);
  CHECK_STR(s, "M1 1AE");
  CHECK_INT(p.area_len, 1);
  hr_link_postcode_norm("B33 8TH", 7, &p);
  CHECK(p.uk && p.out_len == 3 && p.area_len == 1);
  hr_link_postcode_norm("CR2 6XH", 7, &p);
  CHECK(p.uk && p.out_len == 3 && p.area_len == 2);
  hr_link_postcode_norm("4223", 4, &p); /* Australian: kept as text */
  CHECK(!p.uk && p.len == 4);
  hr_link_postcode_norm("SW1A 1A", 7, &p);
  CHECK(!p.uk);
  static const struct {
    const char *a, *b, *level;
  } cases[] = {
      {"SW1A 1AA", "sw1a1aa", "exact"}, {"SW1A 1AA", "SW1A 1AB", "one_edit"}, {"SW1A 1AA", "SW1A 2BB", "district"},
      {"SW1A 1AA", "SW3 4XY", "area"},  {"SW1A 1AA", "M1 1AE", "different"},  {"4223", "4232", "one_edit"},
      {"4223", "5110", "different"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hr_link_rec a, b;
    hr_link_rec_from(&a, "A", "B", NULL, cases[i].a, NULL);
    hr_link_rec_from(&b, "A", "B", NULL, cases[i].b, NULL);
    hr_link_levels lv;
    hr_link_compare(&a, &b, &lv);
    CHECK_STR(hr_link_level_name(HR_LF_POSTCODE, lv.level[HR_LF_POSTCODE]), cases[i].level);
  }
}

static void test_name_levels_from_exact_to_different(void) {
  static const struct {
    hr_link_field f;
    const char *a, *b, *level;
  } cases[] = {
      {HR_LF_FAMILY, "Smith", "SMITH", "exact"},
      {HR_LF_FAMILY, "Smith-Jones", "Jones", "part"},
      {HR_LF_FAMILY, "Smith Jones", "Smith", "part"},
      {HR_LF_FAMILY, "Shackleford", "Shackelford", "jw92"},
      {HR_LF_FAMILY, "Smith", "Schmit", "phonetic"},
      {HR_LF_FAMILY, "Jones", "Johnson", "jw80"},
      {HR_LF_FAMILY, "Smith", "Patel", "different"},
      {HR_LF_GIVEN, "Mary", "MARY", "exact"},
      {HR_LF_GIVEN, "Peggy", "Margaret", "alias"},
      {HR_LF_GIVEN, "John Paul", "Paul", "alias"},
      {HR_LF_GIVEN, "Martha", "Marhta", "jw92"},
      {HR_LF_GIVEN, "J", "John", "initial"},
      {HR_LF_GIVEN, "J.", "Mary", "different"},
      {HR_LF_GIVEN, "Aisha", "Zoe", "different"},
      {HR_LF_GIVEN, "", "Zoe", "missing"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hr_link_rec a, b;
    int g = cases[i].f == HR_LF_GIVEN;
    hr_link_rec_from(&a, g ? cases[i].a : "X", g ? "X" : cases[i].a, NULL, NULL, NULL);
    hr_link_rec_from(&b, g ? cases[i].b : "X", g ? "X" : cases[i].b, NULL, NULL, NULL);
    hr_link_levels lv;
    hr_link_compare(&a, &b, &lv);
    uint8_t l = lv.level[cases[i].f];
    const char *got = hr_link_level_name(cases[i].f, l == HR_LINK_NULL ? -1 : l);
    if (strcmp(got, cases[i].level))
      hr_test_fail(__FILE__, __LINE__, "%s %s vs %s: %s, want %s", hr_link_field_name(cases[i].f), cases[i].a,
                   cases[i].b, got, cases[i].level);
  }
}

static const hr_test_case tests[] = {
    {"jaro_winkler_matches_winkler_table", test_jaro_winkler_matches_winkler_table},
    {"jaro_edge_cases", test_jaro_edge_cases},
    {"soundex_national_archives_vectors", test_soundex_national_archives_vectors},
    {"nysiis_commons_codec_vectors", test_nysiis_commons_codec_vectors},
    {"one_edit_is_damerau", test_one_edit_is_damerau},
    {"names_fold_case_accents_punctuation_and_split_parts", test_names_fold_case_accents_punctuation_and_split_parts},
    {"nicknames_meet_their_full_names", test_nicknames_meet_their_full_names},
    {"dates_keep_fields_and_forms", test_dates_keep_fields_and_forms},
    {"dob_levels_exact_swapped_one_field_year", test_dob_levels_exact_swapped_one_field_year},
    {"uk_postcodes_format_outward_district_area", test_uk_postcodes_format_outward_district_area},
    {"name_levels_from_exact_to_different", test_name_levels_from_exact_to_different},
};
HR_TEST_MAIN(tests)

/* Tests of connectors/ids: NHS number Modulus 11 and UPN check letters. */
#include "hr_test.h"
#include "ids.h"

static void test_nhs_numbers_from_the_sample_pass(void) {
  char out[11];
  CHECK(hr_nhs_normalise("9434765919", 10, out));
  CHECK_STR(out, "9434765919");
  CHECK(hr_nhs_normalise("943 476 5919", 12, out));
  CHECK_STR(out, "9434765919");
  CHECK(hr_nhs_normalise("999 154 3171", 12, out));
}

static void test_nhs_number_with_wrong_check_digit_fails(void) {
  char out[11];
  CHECK(!hr_nhs_normalise("9434765918", 10, out));
  CHECK(!hr_nhs_normalise("943476591", 9, out));
  CHECK(!hr_nhs_normalise("94347659190", 11, out));
  CHECK(!hr_nhs_normalise("94347x5919", 10, out));
  CHECK(!hr_nhs_normalise("", 0, out));
}

static void test_nhs_check_digit_ten_is_never_valid(void) {
  /* 0000000060: weights give sum 6*2=12, 11-(12%11)=10: no valid number starts 000000006. */
  char out[11];
  CHECK_INT(hr_nhs_make("000000006", out), -1);
  for (char c = '0'; c <= '9'; c++) {
    char s[11] = "000000006";
    s[9] = c;
    CHECK(!hr_nhs_normalise(s, 10, out));
  }
}

static void test_nhs_make_round_trips(void) {
  char out[11], norm[11];
  int made = 0;
  for (int i = 0; i < 1000; i++) {
    char nine[16];
    snprintf(nine, sizeof nine, "999%06d", i * 997 % 1000000);
    if (hr_nhs_make(nine, out) == 0) {
      made++;
      CHECK(hr_nhs_normalise(out, 10, norm));
    }
  }
  CHECK(made > 850);
}

static void test_upn_check_letter(void) {
  char out[14];
  CHECK(hr_upn_normalise("X801595120867", 13, out));
  CHECK(hr_upn_normalise("m202323420279", 13, out));
  CHECK_STR(out, "M202323420279");
  CHECK(!hr_upn_normalise("A801595120867", 13, out));
  CHECK(!hr_upn_normalise("X80159512086", 12, out));
  CHECK(!hr_upn_normalise("X8015951208A7", 13, out)); /* letter only allowed last */
  char made[14];
  hr_upn_make("20171234567A", made); /* temporary UPN ends in a letter */
  CHECK(hr_upn_normalise(made, 13, out));
}

static const hr_test_case tests[] = {
    {"nhs_numbers_from_the_sample_pass", test_nhs_numbers_from_the_sample_pass},
    {"nhs_number_with_wrong_check_digit_fails", test_nhs_number_with_wrong_check_digit_fails},
    {"nhs_check_digit_ten_is_never_valid", test_nhs_check_digit_ten_is_never_valid},
    {"nhs_make_round_trips", test_nhs_make_round_trips},
    {"upn_check_letter", test_upn_check_letter},
};
HR_TEST_MAIN(tests)

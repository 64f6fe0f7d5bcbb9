/* Tests of the NRPF connector (REFERENCE section 5): casework rows, their status, the carried
 * optional columns, and hostile rows. */
#include "test_connector_util.h"

#define HEADER                                                                                                         \
  "record_id,la_code,nhs_number,given_name,family_name,date_of_birth,postcode,status,effective_date,dependants,"       \
  "household_type,immigration_status,support_start_date,support_end_date,closure_reason\n"
#define GOOD "NR1,E09000007,9434765919,Chloe,Green,1987-01-28,NW5 6SP,nrpf,2026-09-23,2,family,no_leave,,,"

static void test_record_fills_every_field(void) {
  hr_reader *r =
      open_text(HR_INPUT_NRPF,
                HEADER "NR00011,E09000007,943 476 5919,Chloé,Green-Smith,1987-01-28,nw5 6sp,NRPF,2026-09-23,2,family,"
                       "no_leave,2026-09-01,2027-03-01,\"moved, left area\"\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->feed, HEARTH__V1__FEED__FEED_NRPF);
    CHECK_INT(e->event_time_us, iso_us("2026-09-23T00:00:00+01:00"));
    CHECK_INT(e->position, 2);
    CHECK_STR(e->la_code, "E09000007");
    CHECK_INT(e->n_quality_warnings, 0);
    const Hearth__V1__Subject *s = e->subject;
    CHECK_STR(s->nhs_number, "9434765919");
    CHECK_STR(s->given_name, "Chloé");
    CHECK_STR(s->given_name_norm, "CHLOE");
    CHECK_STR(s->family_name_norm, "GREENSMITH");
    CHECK_STR(s->date_of_birth, "1987-01-28");
    CHECK_STR(s->postcode, "nw5 6sp");
    CHECK_STR(s->postcode_norm, "NW56SP");
    const Hearth__V1__NrpfRecord *n = e->nrpf;
    CHECK_STR(n->record_id, "NR00011");
    CHECK_INT(n->status, HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF);
    CHECK_STR(n->effective_date, "2026-09-23");
    CHECK_INT(n->dependants, 2);
    CHECK_STR(n->household_type, "family");
    CHECK_STR(n->immigration_status, "no_leave");
    CHECK_STR(n->support_start_date, "2026-09-01");
    CHECK_STR(n->support_end_date, "2027-03-01");
    CHECK_STR(n->closure_reason, "moved, left area");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_recourse_empty_dependants_and_winter_midnight(void) {
  hr_reader *r = open_text(
      HR_INPUT_NRPF, "record_id,status,effective_date,dependants,nhs_number\nNR2,recourse,2026-12-01,,9434765918\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_INT(rec.event->nrpf->status, HEARTH__V1__NRPF_STATUS__NRPF_STATUS_RECOURSE);
    CHECK_INT(rec.event->nrpf->dependants, 0);
    CHECK_INT(rec.event->event_time_us, iso_us("2026-12-01T00:00:00Z"));
    CHECK_STR(rec.event->subject->nhs_number, "");
    CHECK_INT(rec.event->n_quality_warnings, 1);
    CHECK_STR(rec.event->la_code, "");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_hostile_rows_are_dead_lettered_and_neighbours_carry_on(void) {
  static const dl_case cases[] = {
      {"unknown_status", "NR9,E1,,A,B,,,destitute,2026-09-23,0,,,,,", HR_DL_unknown_status, "status"},
      {"missing_status", "NR9,E1,,A,B,,,,2026-09-23,0,,,,,", HR_DL_missing_field, "status"},
      {"missing_record_id", ",E1,,A,B,,,nrpf,2026-09-23,0,,,,,", HR_DL_missing_field, "record_id"},
      {"impossible_effective_date", "NR9,E1,,A,B,,,nrpf,2026-09-31,0,,,,,", HR_DL_bad_date, "effective_date"},
      {"missing_effective_date", "NR9,E1,,A,B,,,nrpf,,0,,,,,", HR_DL_missing_field, "effective_date"},
      {"impossible_date_of_birth", "NR9,E1,,A,B,1990-02-30,,nrpf,2026-09-23,0,,,,,", HR_DL_bad_date, "date_of_birth"},
      {"negative_dependants", "NR9,E1,,A,B,,,nrpf,2026-09-23,-1,,,,,", HR_DL_out_of_range, "dependants"},
      {"fractional_dependants", "NR9,E1,,A,B,,,nrpf,2026-09-23,1.5,,,,,", HR_DL_out_of_range, "dependants"},
      {"huge_dependants", "NR9,E1,,A,B,,,nrpf,2026-09-23,99999999999,,,,,", HR_DL_out_of_range, "dependants"},
      {"invalid_utf8", "NR9,E1,,\xF0\x28\x8C\x28,B,,,nrpf,2026-09-23,0,,,,,", HR_DL_invalid_utf8, ""},
      {"extra_field", "NR9,E1,,A,B,,,nrpf,2026-09-23,0,,,,,,", HR_DL_not_parseable, ""},
  };
  RUN_DL_CASES(HR_INPUT_NRPF, HEADER, GOOD, "\n", cases, HR_RECORD_EVENT);
}

static void test_missing_status_column_dead_letters_each_row(void) {
  hr_reader *r = open_text(HR_INPUT_NRPF, "record_id,effective_date\nNR1,2026-09-23\nNR2,2026-09-24\n");
  hr_record rec;
  for (int i = 0; i < 2; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_missing_column);
      CHECK_STR(rec.dl->field, "status");
      CHECK_STR(hr_input_connector_name(rec.dl->input), "nrpf");
    }
  EXPECT_END(r);
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"record_fills_every_field", test_record_fills_every_field},
    {"recourse_empty_dependants_and_winter_midnight", test_recourse_empty_dependants_and_winter_midnight},
    {"hostile_rows_are_dead_lettered_and_neighbours_carry_on",
     test_hostile_rows_are_dead_lettered_and_neighbours_carry_on},
    {"missing_status_column_dead_letters_each_row", test_missing_status_column_dead_letters_each_row},
};
HR_TEST_MAIN(tests)

/* Tests of the attendance connector (REFERENCE section 4): register marks, their DfE code
 * categories, session times in UK local time, and hostile rows. */
#include "test_connector_util.h"

#define HEADER "upn,school_urn,la_code,date,session,code,given_name,family_name,date_of_birth\n"
#define GOOD "C330239619590,100004,E08000025,2026-09-07,AM,/,,,"

static void test_mark_fills_every_field(void) {
  hr_reader *r =
      open_text(HR_INPUT_ATTENDANCE, HEADER "c330239619590,100004,E08000025,2026-09-07,pm,N,Zoë,Ó Briain,2014-05-06\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->feed, HEARTH__V1__FEED__FEED_ATTENDANCE);
    CHECK_INT(e->event_time_us, iso_us("2026-09-07T13:30:00+01:00"));
    CHECK_INT(e->position, 2);
    CHECK_STR(e->la_code, "E08000025");
    CHECK_STR(e->agency, "test-agency");
    CHECK_INT(e->n_quality_warnings, 0);
    CHECK_STR(e->subject->upn, "C330239619590");
    CHECK_STR(e->subject->nhs_number, "");
    CHECK_STR(e->subject->given_name, "Zoë");
    CHECK_STR(e->subject->family_name, "Ó Briain");
    CHECK_STR(e->subject->given_name_norm, "ZOE");
    CHECK_STR(e->subject->family_name_norm, "OBRIAIN");
    CHECK_STR(e->subject->date_of_birth, "2014-05-06");
    CHECK_STR(e->subject->postcode_norm, "");
    const Hearth__V1__AttendanceMark *m = e->attendance;
    CHECK_STR(m->school_urn, "100004");
    CHECK_STR(m->date, "2026-09-07");
    CHECK_INT(m->session, HEARTH__V1__SESSION__SESSION_PM);
    CHECK_STR(m->code, "N");
    CHECK_INT(m->category, HEARTH__V1__MARK_CATEGORY__MARK_UNAUTHORISED_ABSENCE);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_every_dfe_code_maps_to_its_category(void) {
  static const struct {
    const char *codes;
    Hearth__V1__MarkCategory cat;
  } groups[] = {
      {"/ \\ L", HEARTH__V1__MARK_CATEGORY__MARK_PRESENT},
      {"K V P W B J", HEARTH__V1__MARK_CATEGORY__MARK_EDUCATIONAL_ACTIVITY},
      {"C C1 C2 E I M J1 S T R H", HEARTH__V1__MARK_CATEGORY__MARK_AUTHORISED_ABSENCE},
      {"G N O U", HEARTH__V1__MARK_CATEGORY__MARK_UNAUTHORISED_ABSENCE},
      {"D X Q Y1 Y2 Y3 Y4 Y5 Y6 Y7 Z # Y", HEARTH__V1__MARK_CATEGORY__MARK_NOT_POSSIBLE},
  };
  int seen = 0;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
    char codes[64];
    snprintf(codes, sizeof codes, "%s", groups[g].codes);
    for (char *c = strtok(codes, " "); c; c = strtok(NULL, " ")) {
      char in[256];
      /* "\" and "#" need no quoting in CSV; quote every code anyway to show quoting is fine. */
      snprintf(in, sizeof in, HEADER ",1,E1,2026-09-07,AM,\"%s\",,,\n", c);
      hr_reader *r = open_text(HR_INPUT_ATTENDANCE, in);
      hr_record rec;
      if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
        if ((int)rec.event->attendance->category != (int)groups[g].cat)
          hr_test_fail(__FILE__, __LINE__, "code %s: category %d, want %d", c, rec.event->attendance->category,
                       groups[g].cat);
        CHECK_STR(rec.event->attendance->code, c);
      }
      seen++;
      hr_reader_free(r);
    }
  }
  CHECK_INT(seen, 3 + 6 + 11 + 4 + 13);
}

static void test_session_times_are_uk_local_across_clock_changes(void) {
  static const struct {
    const char *date, *session, *want;
  } cases[] = {
      {"2026-09-07", "AM", "2026-09-07T08:00:00Z"}, {"2026-12-01", "AM", "2026-12-01T09:00:00Z"},
      {"2026-12-01", "PM", "2026-12-01T13:30:00Z"}, {"2026-03-29", "AM", "2026-03-29T08:00:00Z"},
      {"2026-10-25", "PM", "2026-10-25T13:30:00Z"}, {"2026-10-24", "PM", "2026-10-24T12:30:00Z"},
  };
  hr_buf in = {0};
  hr_buf_puts(&in, HEADER);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    hr_buf_printf(&in, ",1,E1,%s,%s,/,,,\n", cases[i].date, cases[i].session);
  hr_reader *r = hr_reader_new(HR_INPUT_ATTENDANCE, in.data, in.len, "t", NULL);
  hr_record rec;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.event->event_time_us, iso_us(cases[i].want));
  EXPECT_END(r);
  hr_reader_free(r);
  hr_buf_free(&in);
}

static void test_failing_upn_is_a_warning_not_a_dead_letter(void) {
  hr_reader *r = open_text(
      HR_INPUT_ATTENDANCE,
      HEADER "D330239619590,1,E1,2026-09-07,AM,/,,,\nC33023961959,1,E1,2026-09-07,AM,/,,,\n,1,E1,2026-09-07,AM,/,,,\n");
  hr_record rec;
  for (int i = 0; i < 3; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
      CHECK_STR(rec.event->subject->upn, "");
      CHECK_INT(rec.event->n_quality_warnings, i < 2 ? 1 : 0);
      if (i < 2 && rec.event->n_quality_warnings) CHECK_STR(rec.event->quality_warnings[0], "upn_check_failed");
    }
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  CHECK_INT(st.warnings, 2);
  CHECK_INT(st.deadletters, 0);
  hr_reader_free(r);
}

static void test_optional_columns_may_be_absent_and_columns_reordered(void) {
  hr_reader *r = open_text(HR_INPUT_ATTENDANCE, "code,session,date,upn\n/,AM,2026-09-07,C330239619590\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_STR(rec.event->la_code, "");
    CHECK_STR(rec.event->attendance->school_urn, "");
    CHECK_STR(rec.event->subject->upn, "C330239619590");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_hostile_rows_are_dead_lettered_and_neighbours_carry_on(void) {
  static const dl_case cases[] = {
      {"impossible_date", "C330239619590,1,E1,2026-02-29,AM,/,,,", HR_DL_bad_date, "date"},
      {"malformed_date", "C330239619590,1,E1,07/09/2026,AM,/,,,", HR_DL_bad_date, "date"},
      {"missing_date", "C330239619590,1,E1,,AM,/,,,", HR_DL_missing_field, "date"},
      {"session_out_of_range", "C330239619590,1,E1,2026-09-07,EVE,/,,,", HR_DL_out_of_range, "session"},
      {"missing_session", "C330239619590,1,E1,2026-09-07,,/,,,", HR_DL_missing_field, "session"},
      {"unknown_code", "C330239619590,1,E1,2026-09-07,AM,Y8,,,", HR_DL_unknown_code, "code"},
      {"lower_case_code", "C330239619590,1,E1,2026-09-07,AM,n,,,", HR_DL_unknown_code, "code"},
      {"missing_code", "C330239619590,1,E1,2026-09-07,AM,,,,", HR_DL_missing_field, "code"},
      {"impossible_date_of_birth", "C330239619590,1,E1,2026-09-07,AM,/,A,B,2015-06-31", HR_DL_bad_date,
       "date_of_birth"},
      {"invalid_utf8", "C330239619590,1,E1,2026-09-07,AM,/,Zo\xC3,B,", HR_DL_invalid_utf8, ""},
      {"missing_cells", "C330239619590,1,E1,2026-09-07,AM", HR_DL_not_parseable, ""},
      {"unterminated_quote_closed_later", "C330239619590,\"1,E1,2026-09-07,AM,/,,,\n\"", HR_DL_not_parseable, ""},
  };
  RUN_DL_CASES(HR_INPUT_ATTENDANCE, HEADER, GOOD, "\n", cases, HR_RECORD_EVENT);
}

static void test_missing_required_column_dead_letters_each_row(void) {
  static const struct {
    const char *header, *column;
  } cases[] = {
      {"school_urn,la_code,date,session,code\n1,E1,2026-09-07,AM,/\n", "upn"},
      {"upn,la_code,session,code\n,E1,AM,/\n", "date"},
      {"upn,date,code\n,2026-09-07,/\n", "session"},
      {"upn,date,session\n,2026-09-07,AM\n", "code"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hr_reader *r = open_text(HR_INPUT_ATTENDANCE, cases[i].header);
    hr_record rec;
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_missing_column);
      CHECK_STR(rec.dl->field, cases[i].column);
    }
    EXPECT_END(r);
    hr_reader_free(r);
  }
}

static void test_unterminated_quote_at_end_keeps_earlier_marks(void) {
  hr_reader *r = open_text(HR_INPUT_ATTENDANCE, HEADER GOOD "\n" GOOD "\nC330239619590,\"100004,E1");
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
    CHECK_INT(rec.dl->position, 4);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"mark_fills_every_field", test_mark_fills_every_field},
    {"every_dfe_code_maps_to_its_category", test_every_dfe_code_maps_to_its_category},
    {"session_times_are_uk_local_across_clock_changes", test_session_times_are_uk_local_across_clock_changes},
    {"failing_upn_is_a_warning_not_a_dead_letter", test_failing_upn_is_a_warning_not_a_dead_letter},
    {"optional_columns_may_be_absent_and_columns_reordered", test_optional_columns_may_be_absent_and_columns_reordered},
    {"hostile_rows_are_dead_lettered_and_neighbours_carry_on",
     test_hostile_rows_are_dead_lettered_and_neighbours_carry_on},
    {"missing_required_column_dead_letters_each_row", test_missing_required_column_dead_letters_each_row},
    {"unterminated_quote_at_end_keeps_earlier_marks", test_unterminated_quote_at_end_keeps_earlier_marks},
};
HR_TEST_MAIN(tests)

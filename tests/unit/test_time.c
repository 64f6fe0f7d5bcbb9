/* Tests of broker/common/hr_time: calendar, UK summer time, ISO 8601 and HL7 instants. */
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"
#include "hr_test.h"
#include "hr_time.h"

static int64_t iso(const char *s) {
  int64_t t = 0;
  int rc = hr_parse_iso_instant(s, strlen(s), &t);
  if (rc) hr_test_fail(__FILE__, __LINE__, "parse %s: %s", s, hr_err_name(rc));
  return t;
}

static void test_days_round_trip_over_six_centuries(void) {
  for (int32_t d = -60000; d < 160000; d += 7) {
    int y;
    unsigned m, dd;
    hr_civil_from_days(d, &y, &m, &dd);
    CHECK_INT(hr_days_from_civil(y, m, dd), d);
  }
  CHECK_INT(hr_days_from_civil(1970, 1, 1), 0);
  CHECK_INT(hr_days_from_civil(2000, 3, 1), 11017);
}

static void test_parse_date_rejects_impossible_dates(void) {
  int32_t d;
  CHECK_INT(hr_parse_date("2026-02-29", 10, &d), HR_ERANGE);
  CHECK_INT(hr_parse_date("2024-02-29", 10, &d), 0);
  CHECK_INT(hr_parse_date("2026-13-01", 10, &d), HR_ERANGE);
  CHECK_INT(hr_parse_date("2026-04-31", 10, &d), HR_ERANGE);
  CHECK_INT(hr_parse_date("2026-4-01", 9, &d), HR_EPARSE);
  CHECK_INT(hr_parse_date("2026/04/01", 10, &d), HR_EPARSE);
  CHECK_INT(hr_parse_date("1799-12-31", 10, &d), HR_ERANGE);
  CHECK_INT(hr_parse_date_compact("19880406", 8, &d), 0);
  CHECK_INT(d, hr_days_from_civil(1988, 4, 6));
  CHECK_INT(hr_parse_date_compact("19880431", 8, &d), HR_ERANGE);
}

static void test_uk_offset_switches_at_one_am_utc_on_last_sundays(void) {
  /* 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC. */
  CHECK_INT(hr_uk_offset_at(iso("2026-03-29T00:59:59Z")), 0);
  CHECK_INT(hr_uk_offset_at(iso("2026-03-29T01:00:00Z")), 3600);
  CHECK_INT(hr_uk_offset_at(iso("2026-10-25T00:59:59Z")), 3600);
  CHECK_INT(hr_uk_offset_at(iso("2026-10-25T01:00:00Z")), 0);
  /* 2024: 31 March and 27 October. */
  CHECK_INT(hr_uk_offset_at(iso("2024-03-31T01:00:00Z")), 3600);
  CHECK_INT(hr_uk_offset_at(iso("2024-10-27T01:00:00Z")), 0);
}

static void test_naive_local_times_take_offset_before_the_change(void) {
  /* Summer, winter, the March gap (01:30 never happens: GMT) and the October fold (01:30
   * happens twice: the first, BST). */
  CHECK_INT(iso("2026-07-01T09:00:00"), iso("2026-07-01T08:00:00Z"));
  CHECK_INT(iso("2026-12-01T09:00:00"), iso("2026-12-01T09:00:00Z"));
  CHECK_INT(iso("2026-03-29T01:30:00"), iso("2026-03-29T01:30:00Z"));
  CHECK_INT(iso("2026-03-29T02:00:00"), iso("2026-03-29T01:00:00Z"));
  CHECK_INT(iso("2026-10-25T01:30:00"), iso("2026-10-25T00:30:00Z"));
  CHECK_INT(iso("2026-10-25T02:00:00"), iso("2026-10-25T02:00:00Z"));
}

static void test_iso_instants_with_offsets_and_fractions(void) {
  CHECK_INT(iso("2026-09-14T08:55:00+01:00"), iso("2026-09-14T07:55:00Z"));
  CHECK_INT(iso("2026-09-14T07:55:00.2260399Z") - iso("2026-09-14T07:55:00Z"), 226039);
  CHECK_INT(iso("2026-09-14T07:55Z"), iso("2026-09-14T07:55:00Z"));
  CHECK_INT(iso("2026-09-14T09:55:00+0200"), iso("2026-09-14T07:55:00Z"));
  int64_t t;
  CHECK_INT(hr_parse_iso_instant("2026-09-14T25:00:00Z", 20, &t), HR_ERANGE);
  CHECK_INT(hr_parse_iso_instant("2026-09-14X10:00:00Z", 20, &t), HR_EPARSE);
  CHECK_INT(hr_parse_iso_instant("2026-09-14T10:00:00+01:0", 24, &t), HR_EPARSE);
  CHECK_INT(hr_parse_iso_instant("2026-09-14T10:00:00.Z", 21, &t), HR_EPARSE);
}

static void test_hl7_timestamps(void) {
  int64_t t;
  CHECK_OK(hr_parse_hl7_instant("202609240930", 12, &t));
  CHECK_INT(t, iso("2026-09-24T08:30:00Z"));
  CHECK_OK(hr_parse_hl7_instant("20261201093015.25+0000", 22, &t));
  CHECK_INT(t, iso("2026-12-01T09:30:15.25Z"));
  CHECK_INT(hr_parse_hl7_instant("2026092409", 10, &t), HR_EPARSE);
  CHECK_INT(hr_parse_hl7_instant("202602300930", 12, &t), HR_ERANGE);
  CHECK_INT(hr_parse_hl7_instant("202609240930+01", 15, &t), HR_EPARSE);
}

static void test_format_uk_instant_shows_local_offset(void) {
  char buf[HR_ISO_MAX];
  hr_format_uk_instant(iso("2026-10-01T09:13:27.830768Z"), buf);
  CHECK_STR(buf, "2026-10-01T10:13:27.830768+01:00");
  hr_format_uk_instant(iso("2026-11-04T11:00:00Z"), buf);
  CHECK_STR(buf, "2026-11-04T11:00:00+00:00");
  hr_format_uk_instant(iso("2026-10-25T00:30:00Z"), buf);
  CHECK_STR(buf, "2026-10-25T01:30:00+01:00");
  hr_format_uk_instant(iso("2026-10-25T01:30:00Z"), buf);
  CHECK_STR(buf, "2026-10-25T01:30:00+00:00");
}

static void test_local_date_near_midnight(void) {
  int32_t d;
  hr_parse_date("2026-07-02", 10, &d);
  CHECK_INT(hr_uk_local_date(iso("2026-07-01T23:30:00Z")), d);
  CHECK_INT(hr_uk_local_date(iso("2026-12-01T23:30:00Z")), d + 152);
}

static void test_week_index_starts_monday(void) {
  int32_t mon, sun, next;
  hr_parse_date("2026-09-07", 10, &mon); /* Monday */
  hr_parse_date("2026-09-13", 10, &sun);
  hr_parse_date("2026-09-14", 10, &next);
  CHECK_INT(hr_week_of(mon), hr_week_of(sun));
  CHECK_INT(hr_week_of(next), hr_week_of(mon) + 1);
  CHECK_INT(hr_week_of(-3), 0); /* Monday 1969-12-29 */
  CHECK_INT(hr_week_of(-4), -1);
}

static void test_child_until_eighteenth_birthday_leapling_on_first_march(void) {
  int32_t dob, d;
  hr_parse_date("2008-02-29", 10, &dob);
  hr_parse_date("2026-02-28", 10, &d);
  CHECK(hr_is_child_on(dob, d));
  hr_parse_date("2026-03-01", 10, &d);
  CHECK(!hr_is_child_on(dob, d));
  hr_parse_date("2008-09-14", 10, &dob);
  hr_parse_date("2026-09-13", 10, &d);
  CHECK(hr_is_child_on(dob, d));
  CHECK(!hr_is_child_on(dob, d + 1));
}

/* hr_is_child_on answers from the day count away from the birthday: it must agree with the
 * calendar on every day around every eighteenth birthday, leap days included. */
static void test_child_on_agrees_with_the_calendar_around_every_birthday(void) {
  int32_t from = hr_days_from_civil(1996, 1, 1), to = hr_days_from_civil(2012, 12, 31);
  long disagreements = 0;
  for (int32_t dob = from; dob <= to; dob++) {
    int y;
    unsigned m, d;
    hr_civil_from_days(dob, &y, &m, &d);
    int32_t eighteenth =
        m == 2 && d == 29 && !hr_is_leap(y + 18) ? hr_days_from_civil(y + 18, 3, 1) : hr_days_from_civil(y + 18, m, d);
    for (int32_t day = dob + 6560; day <= dob + 6590; day++)
      disagreements += hr_is_child_on(dob, day) != (day < eighteenth);
    disagreements += !hr_is_child_on(dob, dob - 1) + !hr_is_child_on(dob, dob) + hr_is_child_on(dob, dob + 7000);
  }
  CHECK_INT(disagreements, 0);
}

/* hr_parse_date remembers the last date: alternating, repeated and invalid dates after a valid
 * one are all parsed as if for the first time. */
static void test_parse_date_repeated_and_alternating(void) {
  static const char *const texts[] = {"2026-09-14", "2026-09-14", "2026-09-15", "2026-09-14",
                                      "2026-02-30", "2026-09-14", "2026-13-01", "2024-02-29"};
  static const int ok[] = {1, 1, 1, 1, 0, 1, 0, 1};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    int32_t days = -1;
    int rc = hr_parse_date(texts[i], strlen(texts[i]), &days);
    CHECK_INT(rc == 0, ok[i]);
    if (!ok[i]) continue;
    int y = atoi(texts[i]);
    unsigned m = (unsigned)atoi(texts[i] + 5), d = (unsigned)atoi(texts[i] + 8);
    CHECK_INT(days, hr_days_from_civil(y, m, d));
  }
}

static const hr_test_case tests[] = {
    {"child_on_agrees_with_the_calendar_around_every_birthday",
     test_child_on_agrees_with_the_calendar_around_every_birthday},
    {"parse_date_repeated_and_alternating", test_parse_date_repeated_and_alternating},
    {"days_round_trip_over_six_centuries", test_days_round_trip_over_six_centuries},
    {"parse_date_rejects_impossible_dates", test_parse_date_rejects_impossible_dates},
    {"uk_offset_switches_at_one_am_utc_on_last_sundays", test_uk_offset_switches_at_one_am_utc_on_last_sundays},
    {"naive_local_times_take_offset_before_the_change", test_naive_local_times_take_offset_before_the_change},
    {"iso_instants_with_offsets_and_fractions", test_iso_instants_with_offsets_and_fractions},
    {"hl7_timestamps", test_hl7_timestamps},
    {"format_uk_instant_shows_local_offset", test_format_uk_instant_shows_local_offset},
    {"local_date_near_midnight", test_local_date_near_midnight},
    {"week_index_starts_monday", test_week_index_starts_monday},
    {"child_until_eighteenth_birthday_leapling_on_first_march",
     test_child_until_eighteenth_birthday_leapling_on_first_march},
};
HR_TEST_MAIN(tests)

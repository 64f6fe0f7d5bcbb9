/* attendance: school register marks (REFERENCE section 4), one AgencyEvent per CSV row.
 * The feed is the largest Hearth reads (every pupil, twice a day), so this path avoids work it
 * can: the mark's instant is cached per (date, session), and codes are classified by a switch
 * rather than a search. */
#include "hr_time.h"
#include "reader_int.h"

enum { C_UPN, C_URN, C_LA, C_DATE, C_SESSION, C_CODE, C_GIVEN, C_FAMILY, C_DOB, C__N };
static const hr__csv_col attendance_cols[C__N] = {
    {"upn", 1},  {"school_urn", 0}, {"la_code", 0},     {"date", 1},          {"session", 1},
    {"code", 1}, {"given_name", 0}, {"family_name", 0}, {"date_of_birth", 0},
};

/* The DfE codes in force from August 2024, plus the withdrawn H, J and Y still read in older
 * marks; 0 (unspecified) for anything else. Exact and case-sensitive. */
static Hearth__V1__MarkCategory category_of(const char *s, size_t n) {
  if (n == 1) {
    switch (s[0]) {
    case '/':
    case '\\':
    case 'L': return HEARTH__V1__MARK_CATEGORY__MARK_PRESENT;
    case 'K':
    case 'V':
    case 'P':
    case 'W':
    case 'B':
    case 'J': return HEARTH__V1__MARK_CATEGORY__MARK_EDUCATIONAL_ACTIVITY;
    case 'C':
    case 'E':
    case 'I':
    case 'M':
    case 'S':
    case 'T':
    case 'R':
    case 'H': return HEARTH__V1__MARK_CATEGORY__MARK_AUTHORISED_ABSENCE;
    case 'G':
    case 'N':
    case 'O':
    case 'U': return HEARTH__V1__MARK_CATEGORY__MARK_UNAUTHORISED_ABSENCE;
    case 'D':
    case 'X':
    case 'Q':
    case 'Z':
    case '#':
    case 'Y': return HEARTH__V1__MARK_CATEGORY__MARK_NOT_POSSIBLE;
    default: return HEARTH__V1__MARK_CATEGORY__MARK_CATEGORY_UNSPECIFIED;
    }
  }
  if (n == 2) {
    if (s[0] == 'C' && (s[1] == '1' || s[1] == '2')) return HEARTH__V1__MARK_CATEGORY__MARK_AUTHORISED_ABSENCE;
    if (s[0] == 'J' && s[1] == '1') return HEARTH__V1__MARK_CATEGORY__MARK_AUTHORISED_ABSENCE;
    if (s[0] == 'Y' && s[1] >= '1' && s[1] <= '7') return HEARTH__V1__MARK_CATEGORY__MARK_NOT_POSSIBLE;
  }
  return HEARTH__V1__MARK_CATEGORY__MARK_CATEGORY_UNSPECIFIED;
}

static int attendance_row(hr_reader *r) {
  static const Hearth__V1__AttendanceMark mark0 = HEARTH__V1__ATTENDANCE_MARK__INIT;
  int rc = 0;
  int32_t days, dob;
  const char *s;
  size_t n;

  hr__str date = hr__csv_str(r, C_DATE);
  if (date.n == 0)
    return hr__dead(r, HR_DL_missing_field, "date", "date is empty; every mark needs its date (YYYY-MM-DD)");
  if (hr_parse_date(date.s, date.n, &days) != 0)
    return hr__dead_value(r, HR_DL_bad_date, "date", date.s, date.n, "is not a real date; write it as YYYY-MM-DD");

  hr__csv_raw(r, C_SESSION, &s, &n);
  Hearth__V1__Session session;
  if (hr__eq_nocase(s, n, "AM"))
    session = HEARTH__V1__SESSION__SESSION_AM;
  else if (hr__eq_nocase(s, n, "PM"))
    session = HEARTH__V1__SESSION__SESSION_PM;
  else if (n == 0)
    return hr__dead(r, HR_DL_missing_field, "session", "session is empty; write AM or PM");
  else
    return hr__dead_value(r, HR_DL_out_of_range, "session", s, n, "is not a session; write AM or PM");

  hr__str code = hr__csv_str(r, C_CODE);
  Hearth__V1__MarkCategory cat = category_of(code.s, code.n);
  if (code.n == 0) return hr__dead(r, HR_DL_missing_field, "code", "code is empty; write the DfE attendance code");
  if (!cat)
    return hr__dead_value(r, HR_DL_unknown_code, "code", code.s, code.n,
                          "is not a DfE attendance code; use a code in force from August 2024 (or "
                          "withdrawn H, J, Y), exactly as the DfE writes it");
  char *dob_s = hr__csv_date(r, C_DOB, &dob, &rc);
  if (!dob_s) return rc;

  hr__event_begin(r, HEARTH__V1__FEED__FEED_ATTENDANCE);
  if (days != r->att_days || (int)session != r->att_session) {
    r->att_days = days;
    r->att_session = (int)session;
    r->att_instant =
        session == HEARTH__V1__SESSION__SESSION_AM ? hr_uk_instant_of(days, 9, 0) : hr_uk_instant_of(days, 13, 30);
  }
  r->ev.event_time_us = r->att_instant;
  r->ev.la_code = hr__csv_str(r, C_LA).s;
  hr__csv_raw(r, C_UPN, &s, &n);
  r->subject.upn = hr__upn(r, s, n);
  r->subject.date_of_birth = dob_s;
  hr__subject_names(r, hr__csv_str(r, C_GIVEN), hr__csv_str(r, C_FAMILY), hr__copy(r, "", 0));

  Hearth__V1__AttendanceMark *m = &r->attendance;
  *m = mark0;
  m->school_urn = hr__csv_str(r, C_URN).s;
  m->date = date.s;
  m->session = session;
  m->code = code.s;
  m->category = cat;
  r->ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  r->ev.attendance = m;
  return hr__event_finish(r);
}

const hr__csv_spec hr__attendance_spec = {attendance_cols, C__N, attendance_row};

/* hr_time: dates, instants and UK local time, with no clock reads and no tz database.
 *
 * An instant is microseconds since 1970-01-01T00:00:00Z (int64). A date is days since
 * 1970-01-01 (int32). UK local time is Europe/London under the rules in force since 1996:
 * BST (+01:00) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October, GMT otherwise. A local time that occurs twice or never takes the offset in force
 * just before the change (broker/READING.md R2). Everything here is pure and deterministic. */
#ifndef HR_TIME_H
#define HR_TIME_H

#include <stddef.h>
#include <stdint.h>

#define HR_US_PER_SEC INT64_C(1000000)
#define HR_US_PER_DAY (INT64_C(86400) * HR_US_PER_SEC)
#define HR_DATE_NONE INT32_MIN /* an unknown date */

/* Days since 1970-01-01 of a proleptic Gregorian date; no validation. */
int32_t hr_days_from_civil(int y, unsigned m, unsigned d);
void hr_civil_from_days(int32_t days, int *y, unsigned *m, unsigned *d);
int hr_is_leap(int y);
unsigned hr_days_in_month(int y, unsigned m);

/* Strict YYYY-MM-DD (years 1800..2399) into days. 0 on success, HR_EPARSE / HR_ERANGE. */
int hr_parse_date(const char *s, size_t len, int32_t *days);
/* YYYYMMDD (HL7 DT), same rules. */
int hr_parse_date_compact(const char *s, size_t len, int32_t *days);
/* Writes YYYY-MM-DD and a NUL into buf (at least 11 bytes). */
void hr_format_date(int32_t days, char *buf);

/* UK offset in seconds (0 or 3600) in force at a UTC instant. */
int hr_uk_offset_at(int64_t instant_us);
/* UTC instant of a UK local wall-clock time given as microseconds since the local epoch. */
int64_t hr_uk_local_to_instant(int64_t local_us);
/* UK local date (days) of an instant. */
int32_t hr_uk_local_date(int64_t instant_us);
/* Instant of a UK local date at hh:mm. */
int64_t hr_uk_instant_of(int32_t days, int hh, int mm);

/* ISO 8601 date-time: YYYY-MM-DD[T ]hh:mm[:ss[.f+]][Z|+hh:mm|+hhmm|+hh]. No offset = UK local.
 * Fraction beyond 6 digits is truncated. 0 on success, HR_EPARSE / HR_ERANGE. */
int hr_parse_iso_instant(const char *s, size_t len, int64_t *instant_us);
/* HL7 TS: YYYYMMDDHHMM[SS[.S+]][+/-ZZZZ]; no offset = UK local. */
int hr_parse_hl7_instant(const char *s, size_t len, int64_t *instant_us);

/* Writes the instant as UK local ISO 8601 with offset, e.g. 2026-10-01T10:13:27.830768+01:00
 * (microseconds only when non-zero). buf must hold HR_ISO_MAX bytes. Returns the length. */
#define HR_ISO_MAX 40
size_t hr_format_uk_instant(int64_t instant_us, char *buf);

/* Monday-based week index (week 0 starts Monday 1969-12-29); ISO weeks share boundaries. */
static inline int32_t hr_week_of(int32_t days) {
  int32_t x = days + 3;
  return x >= 0 ? x / 7 : -((-x + 6) / 7);
}
/* Is a person born on dob a child (under 18) on date? (29 Feb birthdays fall on 1 March.) */
int hr_is_child_on(int32_t dob, int32_t date);

#endif

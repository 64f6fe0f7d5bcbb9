#include "hr_time.h"

#include <string.h>

#include "hr_err.h"

/* Civil-from-days and days-from-civil after Howard Hinnant's public-domain derivation of the
 * proleptic Gregorian calendar (eras of 400 years starting on 1 March). */
int32_t hr_days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

void hr_civil_from_days(int32_t z0, int *y, unsigned *m, unsigned *d) {
  int32_t z = z0 + 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)yoe + era * 400 + (*m <= 2);
}

int hr_is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned hr_days_in_month(int y, unsigned m) {
  static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && hr_is_leap(y) ? 29 : dim[m - 1];
}

static int digits(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

static int make_date(int y, int m, int d, int32_t *days) {
  if (y < 1800 || y > 2399 || m < 1 || m > 12 || d < 1 || (unsigned)d > hr_days_in_month(y, (unsigned)m))
    return HR_ERANGE;
  *days = hr_days_from_civil(y, (unsigned)m, (unsigned)d);
  return 0;
}

/* The last date parsed, per thread: attendance marks come in date order, so most marks carry
 * the date of the one before. */
static _Thread_local struct {
  char text[10];
  int32_t days;
  int valid;
} last_date;

int hr_parse_date(const char *s, size_t len, int32_t *days) {
  int y, m, d;
  if (len != 10 || s[4] != '-' || s[7] != '-') return HR_EPARSE;
  if (last_date.valid && memcmp(s, last_date.text, 10) == 0) {
    *days = last_date.days;
    return 0;
  }
  if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return HR_EPARSE;
  int rc = make_date(y, m, d, days);
  if (rc == 0) memcpy(last_date.text, s, 10), last_date.days = *days, last_date.valid = 1;
  return rc;
}

int hr_parse_date_compact(const char *s, size_t len, int32_t *days) {
  int y, m, d;
  if (len != 8) return HR_EPARSE;
  if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d)) return HR_EPARSE;
  return make_date(y, m, d, days);
}

void hr_format_date(int32_t days, char *buf) {
  int y;
  unsigned m, d;
  hr_civil_from_days(days, &y, &m, &d);
  /* Years are 1800..2399 for parsed dates; clamp the width for anything else. */
  unsigned yy = (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y);
  buf[0] = (char)('0' + yy / 1000);
  buf[1] = (char)('0' + yy / 100 % 10);
  buf[2] = (char)('0' + yy / 10 % 10);
  buf[3] = (char)('0' + yy % 10);
  buf[4] = '-';
  buf[5] = (char)('0' + m / 10);
  buf[6] = (char)('0' + m % 10);
  buf[7] = '-';
  buf[8] = (char)('0' + d / 10);
  buf[9] = (char)('0' + d % 10);
  buf[10] = '\0';
}

/* ---- UK summer time -------------------------------------------------------------------- */

static int32_t last_sunday(int y, unsigned m) {
  int32_t last = hr_days_from_civil(y, m, hr_days_in_month(y, m));
  /* 1970-01-01 was a Thursday: weekday 0 = Monday .. 6 = Sunday is (days + 3) mod 7. */
  int32_t wd = ((last + 3) % 7 + 7) % 7;
  return last - (wd + 1) % 7;
}

/* BST runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October. Both transitions happen at 01:00 UTC, so in UTC terms the test is exact. */
static void bst_bounds_utc(int y, int64_t *start_us, int64_t *end_us) {
  *start_us = (int64_t)last_sunday(y, 3) * HR_US_PER_DAY + 3600 * HR_US_PER_SEC;
  *end_us = (int64_t)last_sunday(y, 10) * HR_US_PER_DAY + 3600 * HR_US_PER_SEC;
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int year_of_instant(int64_t us) {
  int y;
  unsigned m, d;
  hr_civil_from_days((int32_t)floor_div(us, HR_US_PER_DAY), &y, &m, &d);
  return y;
}

/* The year of the last instant asked about, and its BST bounds: events come in time order, so
 * nearly every call falls in the same year. Per thread (hearth run's two threads both ask). */
static _Thread_local struct {
  int64_t year_from, year_to; /* [1 January, next 1 January) 00:00 UTC; from > to: none yet */
  int64_t bst_from, bst_to;
} last_year = {1, 0, 0, 0};

int hr_uk_offset_at(int64_t instant_us) {
  if (!(instant_us >= last_year.year_from && instant_us < last_year.year_to)) {
    int y = year_of_instant(instant_us);
    bst_bounds_utc(y, &last_year.bst_from, &last_year.bst_to);
    last_year.year_from = (int64_t)hr_days_from_civil(y, 1, 1) * HR_US_PER_DAY;
    last_year.year_to = (int64_t)hr_days_from_civil(y + 1, 1, 1) * HR_US_PER_DAY;
  }
  return instant_us >= last_year.bst_from && instant_us < last_year.bst_to ? 3600 : 0;
}

int64_t hr_uk_local_to_instant(int64_t local_us) {
  /* In local terms BST covers [March change day 02:00, October change day 02:00): the March
   * gap 01:00-02:00 and the October fold 01:00-02:00 both take the offset before the change. */
  int64_t s, e;
  bst_bounds_utc(year_of_instant(local_us), &s, &e);
  int64_t bst_from_local = s + 3600 * HR_US_PER_SEC;
  int64_t bst_to_local = e + 3600 * HR_US_PER_SEC;
  if (local_us >= bst_from_local && local_us < bst_to_local) return local_us - 3600 * HR_US_PER_SEC;
  return local_us;
}

int32_t hr_uk_local_date(int64_t instant_us) {
  return (int32_t)floor_div(instant_us + hr_uk_offset_at(instant_us) * HR_US_PER_SEC, HR_US_PER_DAY);
}

int64_t hr_uk_instant_of(int32_t days, int hh, int mm) {
  return hr_uk_local_to_instant((int64_t)days * HR_US_PER_DAY + ((int64_t)hh * 3600 + mm * 60) * HR_US_PER_SEC);
}

/* ---- parsing instants -------------------------------------------------------------------- */

/* Parses ".ffff" (any count of digits; first six kept) at s. Returns chars consumed or -1. */
static int parse_fraction(const char *s, size_t len, int64_t *us) {
  size_t i = 1;
  int64_t v = 0;
  int kept = 0;
  while (i < len && s[i] >= '0' && s[i] <= '9') {
    if (kept < 6) {
      v = v * 10 + (s[i] - '0');
      kept++;
    }
    i++;
  }
  if (i == 1 || i > 40) return -1;
  while (kept < 6) {
    v *= 10;
    kept++;
  }
  *us = v;
  return (int)i;
}

/* Parses an offset "Z", "+hh:mm", "+hhmm" or "+hh" filling all of s. */
static int parse_offset(const char *s, size_t len, int *offset_s) {
  int hh, mm = 0;
  if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
    *offset_s = 0;
    return 0;
  }
  if (len < 3 || (s[0] != '+' && s[0] != '-')) return HR_EPARSE;
  if (digits(s + 1, 2, &hh)) return HR_EPARSE;
  if (len == 6 && s[3] == ':') {
    if (digits(s + 4, 2, &mm)) return HR_EPARSE;
  } else if (len == 5) {
    if (digits(s + 3, 2, &mm)) return HR_EPARSE;
  } else if (len != 3) {
    return HR_EPARSE;
  }
  if (hh > 14 || mm > 59) return HR_ERANGE;
  *offset_s = (hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
  return 0;
}

static int finish_instant(int32_t days, int hh, int mi, int ss, int64_t frac_us, const char *off, size_t off_len,
                          int64_t *out) {
  if (hh > 23 || mi > 59 || ss > 59) return HR_ERANGE; /* leap seconds are not in our feeds */
  int64_t local = (int64_t)days * HR_US_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss) * HR_US_PER_SEC + frac_us;
  if (off_len == 0) {
    *out = hr_uk_local_to_instant(local);
    return 0;
  }
  int offset_s, rc = parse_offset(off, off_len, &offset_s);
  if (rc) return rc;
  *out = local - (int64_t)offset_s * HR_US_PER_SEC;
  return 0;
}

int hr_parse_iso_instant(const char *s, size_t len, int64_t *out) {
  int32_t days;
  int hh, mi, ss = 0, rc;
  int64_t frac = 0;
  if (len < 16 || len > 64) return HR_EPARSE;
  if ((rc = hr_parse_date(s, 10, &days))) return rc;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return HR_EPARSE;
  if (digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mi)) return HR_EPARSE;
  size_t i = 16;
  if (i < len && s[i] == ':') {
    if (len < i + 3 || digits(s + i + 1, 2, &ss)) return HR_EPARSE;
    i += 3;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
      int n = parse_fraction(s + i, len - i, &frac);
      if (n < 0) return HR_EPARSE;
      i += (size_t)n;
    }
  }
  return finish_instant(days, hh, mi, ss, frac, s + i, len - i, out);
}

int hr_parse_hl7_instant(const char *s, size_t len, int64_t *out) {
  int32_t days;
  int hh, mi, ss = 0, rc;
  int64_t frac = 0;
  if (len < 12 || len > 64) return HR_EPARSE;
  if ((rc = hr_parse_date_compact(s, 8, &days))) return rc;
  if (digits(s + 8, 2, &hh) || digits(s + 10, 2, &mi)) return HR_EPARSE;
  size_t i = 12;
  if (i < len && s[i] >= '0' && s[i] <= '9') {
    if (len < i + 2 || digits(s + i, 2, &ss)) return HR_EPARSE;
    i += 2;
    if (i < len && s[i] == '.') {
      int n = parse_fraction(s + i, len - i, &frac);
      if (n < 0) return HR_EPARSE;
      i += (size_t)n;
    }
  }
  if (i < len && len - i != 5) return HR_EPARSE; /* HL7 offsets are +/-ZZZZ */
  return finish_instant(days, hh, mi, ss, frac, s + i, len - i, out);
}

size_t hr_format_uk_instant(int64_t instant_us, char *buf) {
  int off = hr_uk_offset_at(instant_us);
  int64_t local = instant_us + off * HR_US_PER_SEC;
  int64_t day = floor_div(local, HR_US_PER_DAY);
  int64_t rem = local - day * HR_US_PER_DAY;
  int64_t secs = rem / HR_US_PER_SEC, us = rem % HR_US_PER_SEC;
  hr_format_date((int32_t)day, buf);
  char *p = buf + 10;
  int hh = (int)(secs / 3600), mi = (int)(secs / 60 % 60), ss = (int)(secs % 60);
  *p++ = 'T';
  *p++ = (char)('0' + hh / 10);
  *p++ = (char)('0' + hh % 10);
  *p++ = ':';
  *p++ = (char)('0' + mi / 10);
  *p++ = (char)('0' + mi % 10);
  *p++ = ':';
  *p++ = (char)('0' + ss / 10);
  *p++ = (char)('0' + ss % 10);
  if (us) {
    *p++ = '.';
    for (int64_t div = 100000; div; div /= 10)
      *p++ = (char)('0' + us / div % 10);
  }
  *p++ = '+';
  *p++ = '0';
  *p++ = off ? '1' : '0';
  *p++ = ':';
  *p++ = '0';
  *p++ = '0';
  *p = '\0';
  return (size_t)(p - buf);
}

int hr_is_child_on(int32_t dob, int32_t date) {
  /* 18 years are 6,574 or 6,575 days (4 or 5 leap days; a 29 February birthday counts from
   * 1 March): only near that is the calendar needed. */
  if (date - (int64_t)dob < 6573) return 1;
  if (date - (int64_t)dob > 6576) return 0;
  int y;
  unsigned m, d;
  hr_civil_from_days(dob, &y, &m, &d);
  int32_t eighteenth;
  if (m == 2 && d == 29 && !hr_is_leap(y + 18))
    eighteenth = hr_days_from_civil(y + 18, 3, 1);
  else
    eighteenth = hr_days_from_civil(y + 18, m, d);
  return date < eighteenth;
}

/* synth_attendance.c: the attendance feed (REFERENCE section 4), streamed last and largest.
 *
 * Every school-age register pupil on a roll gets an AM and a PM mark each school day, in date,
 * then session, then school and pupil order; the half-term week has none. Codes are realistic:
 * mostly present (/ and \), some late (L) and approved activity (K V P W B), authorised (C C1 C2 E
 * I M J1 S T R) and unauthorised (G N O U) absence, sessions that are not possible (D X Q Y1..Y7
 * Z, and # for a school's INSET day), a few withdrawn codes (H J Y). Each pupil has a baseline
 * absence (1% to 32%), raised in the windows the custody, inpatient and NRPF scenarios set.
 * Some pupils join weeks into the term (Z before, or nothing). Some marks are replaced by a later
 * row (further down the session block, or at the end of the day), some rows are exact duplicates,
 * some have no UPN but names and a date of birth, some a UPN failing its check letter, some a
 * temporary UPN the register does not know, some the pupil's UPN with a date of birth that
 * disagrees; a mark A replaced by B and then A again (a redelivery: B stays); fields quoted, padded
 * or with the session in lower case; some pupils are not in the register at all.
 * Unless clean: unknown codes, bad dates, wrong field counts, impossible dates of birth, invalid
 * UTF-8.
 *
 * Each mark is a function of (seed, pupil, day, session) only, so the file streams in one pass
 * with little memory: 100,000 families are some 30 million rows. */
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

typedef struct pupil {
  uint32_t person;
  uint32_t urn;
  uint8_t la;
  uint8_t join_week;
  uint8_t z_before; /* Z marks before joining (else no rows) */
  uint8_t always_names;
  int32_t inset;
  char prefix[48]; /* "UPN,URN,LA," as the school writes it */
  char names[160]; /* ",given,family,dob" (always-names pupils), else "" */
} pupil;

static int pupil_cmp(const void *a, const void *b) {
  const pupil *x = a, *y = b;
  if (x->urn != y->urn) return x->urn < y->urn ? -1 : 1;
  return x->person < y->person ? -1 : x->person > y->person;
}

static const char *auth_codes[] = {"I", "I", "I", "I", "M", "M", "C", "E", "C1", "C2", "J1", "S", "T", "R", "R", "I"};
static const char *unauth_codes[] = {"O", "O", "O", "G", "G", "N", "N", "U"};
static const char *approved[] = {"K", "V", "P", "W", "B"};
static const char *not_possible[] = {"D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "D"};
static const char *withdrawn[] = {"H", "J", "Y"};

static inline double unit_of(uint64_t h) {
  return (double)(h >> 11) * 0x1.0p-53;
}

static const char *absence_code(uint64_t h) {
  h = sy__mix(h ^ 0xabcdefu);
  return (h & 1023) < 700 ? auth_codes[(h >> 10) & 15] : unauth_codes[(h >> 14) & 7];
}

/* The code of one session: whole days absent, single sessions absent, present and the rest. */
static const char *mark_code(uint64_t h_day, uint64_t h_ses, double p, int pm) {
  if (unit_of(h_day) < p * 0.85) {
    const char *c = absence_code(h_day);
    if (pm && c[0] == 'M' && (h_day & 0x100000)) return "\\"; /* an appointment in the morning only */
    return c;
  }
  if (unit_of(h_ses) < p * 0.15) return absence_code(h_ses);
  uint64_t h = sy__mix(h_ses ^ 0x5eed);
  uint32_t u = (uint32_t)(h % 100000);
  if (u < 93000) return pm ? "\\" : "/";
  if (u < 95500) return "L";
  if (u < 98500) return approved[(h >> 20) % 5];
  if (u < 99700) return not_possible[(h >> 20) % 12];
  if (u < 99760) return withdrawn[(h >> 20) % 3];
  return pm ? "\\" : "/";
}

/* A later mark that replaces c: an absence explained or withdrawn, a presence corrected. */
static const char *replacement_for(const char *c, uint64_t h, int pm) {
  int absent = 0;
  for (size_t i = 0; i < 16; i++)
    absent |= !strcmp(c, auth_codes[i]);
  for (size_t i = 0; i < 8; i++)
    absent |= !strcmp(c, unauth_codes[i]);
  if (absent) {
    if (h & 1) return pm ? "\\" : "/";
    const char *r = absence_code(h);
    return strcmp(r, c) ? r : (strcmp(c, "N") ? "N" : "I");
  }
  if (!strcmp(c, "L")) return "U";
  return (h & 2) ? "N" : "L";
}

static void put_names(hr_buf *b, const sy_person *p, sy_rng *r, int with_dob) {
  char buf[64];
  hr_buf_putc(b, ',');
  sy__put_csv(b, sy__spell(&sy__given[p->given], p->flags & SY_PF_TITLE, r, buf), 0);
  hr_buf_putc(b, ',');
  sy__put_csv(b, sy__spell(&sy__surnames[p->surname], p->flags & SY_PF_TITLE, r, buf), 0);
  hr_buf_putc(b, ',');
  if (with_dob) sy__put_date(b, p->dob);
}

/* Pupils the register does not know (they match nobody). */
static int add_unknown_pupils(sy_ctx *cx) {
  uint32_t n = cx->n_school ? 1 + cx->n_fam / 25 : 0;
  for (uint32_t i = 0; i < n; i++) {
    sy_rng r;
    sy__rng_init(&r, cx->seed, SY_S_PUPIL, 0x300000000ull + i);
    uint32_t idx;
    sy_person *p = sy__new_person(cx, &idx);
    if (!p) return cx->err;
    uint32_t s = sy__below(&r, cx->n_school);
    p->kind = SY_K_CHILD;
    p->school = s;
    p->la = cx->school[s].la;
    p->sex = sy__chance(&r, 0.5) ? 'M' : 'F';
    p->given = sy__pick_given(&r, p->sex);
    p->surname = sy__pick_surname(&r);
    p->dob = cx->term_start - (int32_t)sy__range(&r, 4 * 365 + 1, 17 * 365);
    p->base_pct = (uint8_t)sy__range(&r, 1, 20);
    char twelve[13];
    snprintf(twelve, sizeof twelve, "%s9%03u%02u%03u", sy__las[p->la].upn_la, i / 100000 % 1000,
             (unsigned)(i / 1000 % 100), i % 1000);
    hr_upn_make(twelve, p->upn);
    if (sy__chance(&r, 0.3)) p->flags |= SY_PF_NAMES;
  }
  return 0;
}

/* The bad row of a day (unless clean): unknown code, bad date, wrong field count, invalid UTF-8. */
static void bad_row(sy_ctx *cx, hr_buf *b, const pupil *pu, const char *date, uint32_t k) {
  static const char *codes[] = {"A", "ZZ", "9", "/L"};
  static const char *dates[] = {"2026-09-31", "2026/10/01", "01-10-2026", "2026-11-31"};
  hr_buf_puts(b, pu->prefix);
  switch (k % 5) {
  case 4: /* an impossible date of birth (READING R27) */
    hr_buf_printf(b, "%s,AM,N,Amy,Smith,2014-02-30\r\n", date);
    break;
  case 0: hr_buf_printf(b, "%s,AM,%s,,,\r\n", date, codes[k / 5 % 4]); break;
  case 1: hr_buf_printf(b, "%s,PM,N,,,\r\n", dates[k / 5 % 4]); break;
  case 2:
    hr_buf_printf(b, "%s,AM\r\n", date); /* five fields: no code */
    break;
  default: hr_buf_printf(b, "%s,PM,N,MAR\xC3\x28\xC3,,\r\n", date); break;
  }
  cx->st.bad_records++;
  cx->st.attendance++;
}

int sy__write_attendance(sy_ctx *cx) {
  if (add_unknown_pupils(cx)) return cx->err;
  uint32_t n = 0;
  for (uint32_t i = 0; i < cx->n_p; i++)
    n += sy__is_pupil(cx, &cx->p[i]);
  pupil *pv = calloc(n ? n : 1, sizeof *pv);
  if (!pv) return sy__fail(cx, HR_ENOMEM, "synth: out of memory for %u pupils", n);
  uint32_t k = 0;
  for (uint32_t i = 0; i < cx->n_p; i++) {
    const sy_person *p = &cx->p[i];
    if (!sy__is_pupil(cx, p)) continue;
    pupil *pu = &pv[k++];
    const sy_school *s = &cx->school[p->school];
    sy_rng r;
    sy__rng_init(&r, cx->seed, SY_S_PUPIL, i);
    pu->person = i;
    pu->urn = s->urn;
    pu->la = s->la;
    pu->inset = s->inset;
    pu->join_week = p->join;
    pu->z_before = sy__chance(&r, 0.5);
    const char *upn = p->upn;
    char temp[14];
    if (p->flags & SY_PF_TEMP_UPN) { /* the school's temporary UPN: valid, unknown to the register */
      char twelve[13];
      snprintf(twelve, sizeof twelve, "%s%04u%04u%c", sy__las[s->la].upn_la, (unsigned)s->estab, cx->upn_next++ % 10000,
               "ABCDEFGHJKLMNPQRTUVWXYZ"[sy__below(&r, 23)]);
      hr_upn_make(twelve, temp);
      upn = temp;
    }
    snprintf(pu->prefix, sizeof pu->prefix, "%s,%u,%s,", upn, s->urn, sy__las[s->la].code);
    pu->always_names = (p->flags & SY_PF_NAMES) != 0;
    if (pu->always_names) {
      hr_buf nb = {0};
      put_names(&nb, p, &r, !sy__chance(&r, 0.05));
      snprintf(pu->names, sizeof pu->names, "%s", nb.data ? nb.data : ",,,");
      hr_buf_free(&nb);
    }
  }
  qsort(pv, n, sizeof *pv, pupil_cmp);

  sy_out o;
  if (sy__out_open(cx, &o, "feeds/attendance.csv")) {
    free(pv);
    return sy__out_close(cx, &o);
  }
  hr_buf_puts(&o.b, "upn,school_urn,la_code,date,session,code,given_name,family_name,date_of_birth\r\n");
  hr_buf pend_session = {0}, pend_day = {0};
  uint64_t marks_seed = sy__mix(cx->seed ^ UINT64_C(0x6d61726b73));
  for (uint32_t d = 0; d < cx->n_days && !o.err; d++) {
    int32_t day = cx->days[d];
    char date[11];
    hr_format_date(day, date);
    uint32_t week = cx->day_week[d];
    uint32_t bad_at = (!cx->clean && n) ? (uint32_t)(sy__hash3(marks_seed, 0xbad, day, 0) % n) : UINT32_MAX;
    for (int pm = 0; pm < 2; pm++) {
      const char *ses = pm ? "PM" : "AM";
      for (uint32_t i = 0; i < n; i++) {
        const pupil *pu = &pv[i];
        const sy_person *p = &cx->p[pu->person];
        const char *code;
        if (week < pu->join_week) {
          if (!pu->z_before) continue;
          code = "Z";
        } else if (day == pu->inset) {
          code = "#";
        } else {
          double prob = p->base_pct / 100.0;
          for (int w = 0; w < 2; w++)
            if (p->win_pct[w] && day >= p->win_from[w] && day <= p->win_to[w] && p->win_pct[w] / 100.0 > prob)
              prob = p->win_pct[w] / 100.0;
          uint64_t h_day = sy__hash3(marks_seed, pu->person, (uint64_t)day, 2);
          uint64_t h_ses = sy__hash3(marks_seed, pu->person, (uint64_t)day, (uint64_t)pm);
          code = mark_code(h_day, h_ses, prob, pm);
        }
        uint64_t h_row = sy__hash3(marks_seed ^ 0x524f57, pu->person, (uint64_t)day, (uint64_t)pm);
        uint32_t u = (uint32_t)(h_row % 100000);
        hr_buf *b = &o.b;
        if (u < 300 || (u < 400 && p->upn[0])) {
          /* No UPN (names and, mostly, a date of birth), or a UPN failing its check letter. */
          sy_rng r;
          sy__rng_init(&r, h_row, SY_S_MARKS, 0);
          if (u < 300) {
            hr_buf_putc(b, ',');
          } else {
            char bad[14];
            sy__spoil_upn(p->upn, bad);
            hr_buf_puts(b, bad);
            hr_buf_putc(b, ',');
            cx->st.dq_warnings++;
          }
          hr_buf_printf(b, "%u,%s,%s,%s,%s", pu->urn, sy__las[pu->la].code, date, ses, code);
          if (u % 10 == 0)
            hr_buf_puts(b, ",,,");
          else
            put_names(b, p, &r, u % 10 != 1);
          hr_buf_puts(b, "\r\n");
        } else if (u < 410 && p->upn[0] && !(p->flags & SY_PF_TEMP_UPN)) {
          /* A lower-case UPN (valid once upper-cased). */
          char low[14];
          for (int j = 0; j < 14; j++)
            low[j] = (char)(p->upn[j] >= 'A' && p->upn[j] <= 'Z' ? p->upn[j] + 32 : p->upn[j]);
          hr_buf_printf(b, "%s,%u,%s,%s,%s,%s,,,\r\n", low, pu->urn, sy__las[pu->la].code, date, ses, code);
        } else if (u < 460) {
          /* RFC 4180 quoting on fields that do not need it. */
          hr_buf_printf(b, "%s\"%s\",%s,\"%s\"%s\r\n", pu->prefix, date, ses, code,
                        pu->always_names ? pu->names : ",,,");
        } else if (u < 480) {
          /* Session in lower case, cells padded with spaces (READING R30, R37). */
          hr_buf_printf(b, "%s%s, %s , %s%s\r\n", pu->prefix, date, pm ? "pm" : "am", code,
                        pu->always_names ? pu->names : ",,,");
        } else {
          hr_buf_puts(b, pu->prefix);
          hr_buf_append(b, date, 10);
          hr_buf_putc(b, ',');
          hr_buf_append(b, ses, 2);
          hr_buf_putc(b, ',');
          hr_buf_puts(b, code);
          if (pu->always_names)
            hr_buf_puts(b, pu->names);
          else
            hr_buf_puts(b, ",,,");
          hr_buf_puts(b, "\r\n");
        }
        cx->st.attendance++;
        uint32_t v = (uint32_t)((h_row >> 32) % 10000);
        if (v < 40 && code[0] != '#' && code[0] != 'Z') {
          /* A replacing mark, further down: the end of this session block, or of the day. */
          hr_buf *pb = v < 28 ? &pend_session : &pend_day;
          hr_buf_puts(pb, pu->prefix);
          hr_buf_printf(pb, "%s,%s,%s", date, ses, replacement_for(code, h_row >> 7, pm));
          hr_buf_puts(pb, pu->always_names ? pu->names : ",,,");
          hr_buf_puts(pb, "\r\n");
          cx->st.attendance++;
        } else if (v < 60) {
          /* The same row again (a redelivered mark). */
          hr_buf_puts(&pend_session, pu->prefix);
          hr_buf_printf(&pend_session, "%s,%s,%s%s\r\n", date, ses, code, pu->always_names ? pu->names : ",,,");
          cx->st.attendance++;
        } else if (v < 65 && code[0] != '#' && code[0] != 'Z') {
          /* A, then B replacing it, then A again at the end of the day: the last is a redelivery of
           * the first (same pupil, date, session and code), so B stays the latest. */
          const char *b2 = replacement_for(code, h_row >> 9, pm);
          hr_buf_printf(&pend_session, "%s%s,%s,%s%s\r\n", pu->prefix, date, ses, b2,
                        pu->always_names ? pu->names : ",,,");
          hr_buf_printf(&pend_day, "%s%s,%s,%s%s\r\n", pu->prefix, date, ses, code,
                        pu->always_names ? pu->names : ",,,");
          cx->st.attendance += 2;
        } else if (v < 70 && p->upn[0] && p->dob != SY_NO_DATE) {
          /* The pupil's UPN with a date of birth that disagrees: step 2 drops the pupil, step 3 finds
           * nobody with that date of birth; the row must change nothing. */
          sy_rng r;
          sy__rng_init(&r, h_row, SY_S_MARKS, 1);
          hr_buf_printf(&pend_session, "%s,%u,%s,%s,%s,O", p->upn, pu->urn, sy__las[pu->la].code, date, ses);
          sy_person q = *p;
          q.dob = p->dob + 1 + (int32_t)sy__below(&r, 300);
          put_names(&pend_session, &q, &r, 1);
          hr_buf_puts(&pend_session, "\r\n");
          cx->st.attendance++;
        }
        if (i == bad_at && pm == (int)(day & 1)) bad_row(cx, &pend_session, pu, date, (uint32_t)d);
        sy__out_maybe_flush(cx, &o);
      }
      if (pend_session.len) hr_buf_append(&o.b, pend_session.data, pend_session.len);
      hr_buf_reset(&pend_session);
    }
    if (pend_day.len) hr_buf_append(&o.b, pend_day.data, pend_day.len);
    hr_buf_reset(&pend_day);
    sy__out_maybe_flush(cx, &o);
  }
  if (pend_session.oom || pend_day.oom) sy__fail(cx, HR_ENOMEM, "synth: out of memory writing attendance");
  hr_buf_free(&pend_session);
  hr_buf_free(&pend_day);
  free(pv);
  sy__out_close(cx, &o);
  return cx->err;
}

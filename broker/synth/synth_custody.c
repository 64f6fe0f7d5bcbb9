/* synth_custody.c: the custody feed (REFERENCE section 2), JSON lines of HMPPS prisoner events
 * enriched with the custody data share's `prisoner` object.
 *
 * Episodes of register carers (and of adults with no child, ex-partners, household members and
 * prisoners unknown to the register), reported by either HMPPS event family or both (ADMISSION
 * then NEW_ADMISSION minutes later: the same episode), with every reason that changes nothing in
 * between, releases that end the episode, releases of episodes that began before the extract, and
 * new receptions after a release. Identity varies as it does in life: NHS number present, missing,
 * failing its check digit, spaced; a date of birth that disagrees or is missing; postcode spelled
 * differently; dependants > 0, 0, missing or written as a string; 16 and 17 year olds. Receptions
 * fall at the exact instant of a mark, just after local midnight, on the night the clocks go back,
 * and on the day a prisoner's relationship to a child starts or ends. Times use Z, +01:00/+00:00,
 * fractions up to 7 digits, sometimes no seconds. Some lines are delivered twice (byte for byte,
 * or re-serialised), some late; unless clean, some are bad (not JSON, truncated, unknown type or
 * reason, impossible time or date of birth, dependants out of range, invalid UTF-8).
 *
 * A carer's reception raises their school-age children's absence in the weeks after it, so the
 * absence rules have something to see. */
#include <string.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

#define SY_MAX_CAND 16

enum { POE, POS }; /* prison-offender-events, prisoner-offender-search */

enum {
  BAD_NONE,
  BAD_MALFORMED,
  BAD_TRUNCATED,
  BAD_TYPE,
  BAD_REASON,
  BAD_TIME,
  BAD_UTF8,
  BAD_DEPENDANTS, /* "-1" or "two": out of range (READING R31) */
  BAD_DOB,        /* an impossible dateOfBirth (READING R27) */
  BAD_KINDS
};

typedef struct prisoner {
  char noms[8];
  uint32_t person; /* who this really is (register person or outsider) */
  char first[64];  /* as the share spells them */
  char last[64];
  int32_t dob;       /* as the share records it (may disagree with the register) */
  char nhs[16];      /* "" = field missing; may fail its check, may carry spaces */
  char postcode[12]; /* "" = field missing */
  int la;            /* index into sy__las, -1 = field missing */
  int dependants;    /* -1 = field missing */
  uint8_t compact;   /* JSON without spaces */
  uint8_t escape;    /* non-ASCII written as \uHHHH */
  uint8_t dep_text;  /* dependants written as a JSON string of digits */
  uint8_t prison;
  unsigned mess; /* --messy: what sy__mess changed */
} prisoner;

typedef struct when {
  int64_t t; /* the instant the text denotes */
  int style; /* sy__put_iso style */
  int ndig;
  int d7;
} when;

static const char *prisons[] = {"MDI", "LEI", "PVI", "BMI", "BLI", "WWI", "HMI", "BSI", "EYI", "NMI"};

/* A time as a feed writes it: mostly whole seconds, some fractions (1-7 digits), some without
 * seconds; UK local with its offset, or UTC with Z. */
static when make_when(sy_rng *r, int64_t t) {
  when w;
  uint32_t u = sy__below(r, 100);
  w.style = u < 55 ? 0 : u < 95 ? 1 : 2;
  w.ndig = 0;
  w.d7 = 0;
  int whole_minute = t % (60 * HR_US_PER_SEC) == 0; /* an exact instant: keep it exact */
  t -= t % HR_US_PER_SEC;
  if (w.style == 2) {
    t -= t % (60 * HR_US_PER_SEC);
  } else if (!whole_minute && sy__chance(r, 0.25)) {
    static const int64_t scale[] = {0, 100000, 10000, 1000, 100, 10, 1, 1};
    w.ndig = (int)sy__range(r, 1, 7);
    t += (int64_t)sy__below(r, (uint32_t)(HR_US_PER_SEC / scale[w.ndig])) * scale[w.ndig];
    w.d7 = (int)sy__below(r, 10);
  }
  w.t = t;
  return w;
}

/* A non-ASCII character as \uHHHH (BMP; our names need no more). */
static void json_escaped_name(hr_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  hr_buf_putc(b, '"');
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    unsigned cp;
    if (*u < 0x80) {
      if (*u == '"' || *u == '\\') hr_buf_putc(b, '\\');
      hr_buf_putc(b, (char)*u++);
      continue;
    }
    if ((*u & 0xE0) == 0xC0 && u[1]) {
      cp = ((unsigned)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
      u += 2;
    } else if ((*u & 0xF0) == 0xE0 && u[1] && u[2]) {
      cp = ((unsigned)(u[0] & 0x0F) << 12) | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
      u += 3;
    } else {
      u++;
      continue;
    }
    char e[6] = {'\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15]};
    hr_buf_append(b, e, 6);
  }
  hr_buf_putc(b, '"');
}

typedef struct cgen {
  sy_ctx *cx;
  sy_rng r;
  uint32_t receptions; /* counter deciding where bad lines go */
} cgen;

/* Appends one event line and files it. Returns the text offset of the line. */
static size_t put_event(cgen *g, const prisoner *pr, int fam, int released, const char *reason, when w,
                        int64_t delivery, int bad) {
  sy_ctx *cx = g->cx;
  hr_buf *b = &cx->custody.text;
  size_t at = b->len;
  const char *sep = pr->compact ? "," : ", ";
  const char *col = pr->compact ? ":" : ": ";
  char type[80];
  snprintf(type, sizeof type, "%s.prisoner.%s", fam == POE ? "prison-offender-events" : "prisoner-offender-search",
           released ? "released" : "received");
  if (bad == BAD_TYPE)
    snprintf(type, sizeof type, "%s",
             fam == POE ? "prison-offender-events.prisoner.alerts-updated"
                        : "prisoner-offender-search.prisoner.updated");
  hr_buf_printf(b, "{\"eventType\"%s\"%s\"%s\"version\"%s1%s\"occurredAt\"%s\"", col, type, sep, col, sep, col);
  if (bad == BAD_TIME) {
    static const char *impossible[] = {"2026-09-31T10:00:00+01:00", "2026-10-12T25:10:00Z", "2026-11-03T09:61:00+00:00",
                                       "", "14/10/2026 10:12"};
    hr_buf_puts(b, impossible[g->receptions % 5]);
  } else {
    sy__put_iso(b, w.t, w.style, w.ndig, w.d7);
  }
  hr_buf_puts(b, "\"");
  if (!pr->compact || (pr->noms[2] & 1)) {
    hr_buf_printf(b, "%s\"publishedAt\"%s\"", sep, col);
    sy__put_iso(b, w.t + (int64_t)(3 + pr->noms[3] % 5) * HR_US_PER_SEC + 512000, w.style == 2 ? 0 : w.style, 3, 0);
    hr_buf_puts(b, "\"");
  }
  if (pr->noms[4] % 3 == 0)
    hr_buf_printf(b, "%s\"description\"%s\"A prisoner has been %s\"", sep, col,
                  released ? "released from prison" : "received into prison");
  hr_buf_printf(b, "%s\"additionalInformation\"%s{\"nomsNumber\"%s\"%s\"%s\"reason\"%s\"%s\"%s\"prisonId\"%s\"%s\"}",
                sep, col, col, pr->noms, sep, col,
                bad == BAD_REASON ? (released ? "ESCAPED" : "BOOKING_NUMBER_CHANGED") : reason, sep, col,
                prisons[pr->prison]);
  hr_buf_printf(b, "%s\"personReference\"%s{\"identifiers\"%s[{\"type\"%s\"NOMS\"%s\"value\"%s\"%s\"}]}", sep, col, col,
                col, sep, col, pr->noms);
  hr_buf_printf(b, "%s\"prisoner\"%s{\"firstName\"%s", sep, col, col);
  if (bad == BAD_UTF8) {
    hr_buf_puts(b, "\"JOS\xC3\x28\"");
  } else if (pr->escape) {
    json_escaped_name(b, pr->first);
  } else {
    hr_buf_json_cstr(b, pr->first);
  }
  hr_buf_printf(b, "%s\"lastName\"%s", sep, col);
  if (pr->escape)
    json_escaped_name(b, pr->last);
  else
    hr_buf_json_cstr(b, pr->last);
  if (bad == BAD_DOB) {
    static const char *impossible[] = {"1988-02-30", "1979-13-02", "1991-06-31"};
    hr_buf_printf(b, "%s\"dateOfBirth\"%s\"%s\"", sep, col, impossible[g->receptions % 3]);
  } else if (pr->dob != SY_NO_DATE) {
    hr_buf_printf(b, "%s\"dateOfBirth\"%s\"", sep, col);
    sy__put_date(b, pr->dob);
    hr_buf_putc(b, '"');
  }
  if (pr->postcode[0]) hr_buf_printf(b, "%s\"postcode\"%s\"%s\"", sep, col, pr->postcode);
  if (pr->la >= 0) hr_buf_printf(b, "%s\"laCode\"%s\"%s\"", sep, col, sy__las[pr->la].code);
  if (bad == BAD_DEPENDANTS)
    hr_buf_printf(b, "%s\"dependants\"%s%s", sep, col, g->receptions & 1 ? "-1" : "\"two\"");
  else if (pr->dependants >= 0 && pr->dep_text)
    hr_buf_printf(b, "%s\"dependants\"%s\"%d\"", sep, col, pr->dependants);
  else if (pr->dependants >= 0)
    hr_buf_printf(b, "%s\"dependants\"%s%d", sep, col, pr->dependants);
  if (pr->nhs[0]) hr_buf_printf(b, "%s\"nhsNumber\"%s\"%s\"", sep, col, pr->nhs);
  hr_buf_puts(b, "}}");
  if (bad == BAD_MALFORMED) {
    /* Drop the colon after "version": not JSON any more. */
    char *v = strstr(b->data + at, "\"version\"");
    if (v) {
      char *c = strchr(v, ':');
      if (c) *c = ' ';
    }
  }
  if (bad == BAD_TRUNCATED) b->len = at + (b->len - at) * 3 / 5;
  hr_buf_putc(b, '\n');
  sy__lines_commit(&cx->custody, at, delivery);
  if (bad) cx->st.bad_records++;
  if (pr->nhs[0]) {
    char norm[11];
    if (!hr_nhs_normalise(pr->nhs, strlen(pr->nhs), norm)) cx->st.dq_warnings++;
  }
  return at;
}

/* One event as delivered: sometimes late, sometimes twice. */
static void deliver(cgen *g, const prisoner *pr, int fam, int released, const char *reason, int64_t t) {
  sy_rng *r = &g->r;
  sy_ctx *cx = g->cx;
  when w = make_when(r, t);
  int64_t key = w.t;
  if (sy__chance(r, 0.015)) key += sy__range(r, 1, 5 * 24) * 3600 * HR_US_PER_SEC; /* out of order */
  size_t at = put_event(g, pr, fam, released, reason, w, key, BAD_NONE);
  size_t len = cx->custody.text.len - at;
  uint32_t u = sy__below(r, 100);
  if (u < 3) { /* exact redelivery of the same line */
    hr_buf_reserve(&cx->custody.text, len);
    size_t at2 = cx->custody.text.len;
    hr_buf_append(&cx->custody.text, cx->custody.text.data + at, len);
    sy__lines_commit(&cx->custody, at2, key + sy__range(r, 0, 7200) * HR_US_PER_SEC);
    if (pr->nhs[0]) {
      char norm[11];
      if (!hr_nhs_normalise(pr->nhs, strlen(pr->nhs), norm)) cx->st.dq_warnings++;
    }
  } else if (u < 4 && w.style != 2) { /* redelivered, re-serialised: the same instant written otherwise */
    when w2 = w;
    w2.style = w.style == 0 ? 1 : 0;
    put_event(g, pr, fam, released, reason, w2, key + sy__range(r, 60, 86400) * HR_US_PER_SEC, BAD_NONE);
  }
}

/* A bad line (unless clean): a reception of this prisoner under a fresh prison number, damaged so
 * that it must be dead-lettered. */
static void maybe_bad(cgen *g, const prisoner *pr, int64_t t) {
  sy_ctx *cx = g->cx;
  if (cx->clean || g->receptions++ % 19 != 7) return;
  prisoner copy = *pr;
  sy__alloc_noms(cx, copy.noms);
  int kind = 1 + (int)((g->receptions / 19) % (BAD_KINDS - 1));
  when w = make_when(&g->r, t + 90 * 60 * HR_US_PER_SEC);
  put_event(g, &copy, sy__chance(&g->r, 0.5) ? POE : POS, 0, "ADMISSION", w, w.t, kind);
}

/* A date of birth for someone aged lo..hi whole years on day. */
static int32_t dob_between(sy_rng *r, int32_t day, int lo, int hi) {
  return day - (int32_t)sy__range(r, lo * 365 + 1 + (lo + 3) / 4, (hi + 1) * 365 + (hi + 1) / 4 - 1);
}

static int64_t at_time(sy_rng *r, int32_t day, int h_lo, int h_hi) {
  return hr_uk_instant_of(day, (int)sy__range(r, h_lo, h_hi), (int)sy__below(r, 60)) +
         (int64_t)sy__below(r, 60) * HR_US_PER_SEC;
}

/* A reception: by one family or both (the same reception reported twice, minutes apart). */
static void reception(cgen *g, const prisoner *pr, int64_t t, int again) {
  sy_rng *r = &g->r;
  uint32_t u = sy__below(r, 100);
  static const char *pos_reasons[] = {"NEW_ADMISSION", "READMISSION", "READMISSION_SWITCH_BOOKING"};
  const char *pos_reason = again ? (sy__chance(r, 0.7) ? "READMISSION" : "READMISSION_SWITCH_BOOKING")
                                 : pos_reasons[sy__below(r, 10) < 7 ? 0 : 1 + sy__below(r, 2)];
  if (u < 40) {
    deliver(g, pr, POE, 0, sy__chance(r, 0.06) ? "READMISSION" : "ADMISSION", t);
  } else if (u < 62) {
    deliver(g, pr, POS, 0, pos_reason, t);
  } else if (u < 92) {
    deliver(g, pr, POE, 0, "ADMISSION", t);
    deliver(g, pr, POS, 0, pos_reason, t + sy__range(r, 60, 900) * HR_US_PER_SEC);
  } else {
    deliver(g, pr, POS, 0, pos_reason, t);
    deliver(g, pr, POE, 0, "ADMISSION", t + sy__range(r, 30, 600) * HR_US_PER_SEC);
  }
  maybe_bad(g, pr, t);
}

/* Events inside an open episode that change nothing. */
static void middle_events(cgen *g, const prisoner *pr, int64_t from, int64_t to) {
  sy_rng *r = &g->r;
  int n = (int)sy__below(r, 5);
  int64_t hour = 3600 * HR_US_PER_SEC;
  for (int i = 0; i < n; i++) {
    if (to - from < 3 * 24 * hour) return;
    int32_t day = hr_uk_local_date(from + sy__range(r, 24, (to - from) / hour - 48) * hour);
    int fam = sy__chance(r, 0.75) ? POE : POS;
    switch (sy__below(r, 5)) {
    case 0:
      deliver(g, pr, fam, 1, "TRANSFERRED", at_time(r, day, 7, 9));
      deliver(g, pr, fam, 0, "TRANSFERRED", at_time(r, day, 13, 17));
      break;
    case 1:
      deliver(g, pr, fam, 1, "SENT_TO_COURT", at_time(r, day, 6, 8));
      deliver(g, pr, fam, 0, "RETURN_FROM_COURT", at_time(r, day, 16, 19));
      break;
    case 2:
      deliver(g, pr, fam, 1, "TEMPORARY_ABSENCE_RELEASE", at_time(r, day, 8, 10));
      deliver(g, pr, fam, 0, "TEMPORARY_ABSENCE_RETURN", at_time(r, day + (int32_t)sy__below(r, 2), 15, 18));
      break;
    case 3: deliver(g, pr, fam, 0, "POST_MERGE_ADMISSION", at_time(r, day, 9, 16)); break;
    default: deliver(g, pr, fam, 1, "UNKNOWN", at_time(r, day, 9, 16)); break;
    }
  }
}

/* Children of a carer miss more school in the weeks after the carer is taken into custody. */
static void affect_children(sy_ctx *cx, sy_rng *r, uint32_t person, int64_t t, double p) {
  if (person >= cx->n_register) return;
  uint32_t kids[16];
  int32_t day = hr_uk_local_date(t);
  uint32_t n = sy__children_of(cx, person, day, kids, 16);
  for (uint32_t i = 0; i < n; i++)
    if (sy__chance(r, p))
      sy__raise_absence(cx, kids[i], day + (int32_t)sy__below(r, 7), (int32_t)sy__range(r, 21, 63),
                        (unsigned)sy__range(r, 22, 60));
}

/* A prisoner's episodes during the term: a reception (or a release of an episode that began
 * before the extract), events in between, perhaps a release, perhaps a new reception after it. */
static void episodes(cgen *g, const prisoner *pr, int64_t t0, double affect) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  int64_t day_us = HR_US_PER_DAY;
  int64_t term_end = hr_uk_instant_of(cx->term_end, 18, 0);
  if (sy__chance(r, 0.05)) {
    /* Began before the extract: we only see the release; a later reception is a new episode. */
    deliver(g, pr, POE, 1, "RELEASED", t0);
    if (sy__chance(r, 0.6)) {
      t0 += sy__range(r, 5, 30) * day_us;
      if (t0 > term_end) return;
      reception(g, pr, t0, 1);
      affect_children(cx, r, pr->person, t0, affect);
      middle_events(g, pr, t0, term_end);
    }
    return;
  }
  reception(g, pr, t0, 0);
  affect_children(cx, r, pr->person, t0, affect);
  int64_t release = sy__chance(r, 0.45) ? t0 + sy__range(r, 3, 70) * day_us : INT64_MAX;
  middle_events(g, pr, t0, release < term_end ? release : term_end);
  if (release > term_end) return;
  int32_t rday = hr_uk_local_date(release);
  int64_t rt = at_time(r, rday, 8, 12);
  int fam = sy__chance(r, 0.7) ? POE : POS;
  const char *why = sy__chance(r, 0.85) ? "RELEASED" : "RELEASED_TO_HOSPITAL";
  deliver(g, pr, fam, 1, why, rt);
  if (sy__chance(r, 0.15)) deliver(g, pr, fam == POE ? POS : POE, 1, why, rt + sy__range(r, 60, 600) * HR_US_PER_SEC);
  if (rday < cx->term_end - 10 && sy__chance(r, 0.35)) {
    int64_t t1 = at_time(r, rday + (int32_t)sy__range(r, 4, 30), 9, 18);
    if (t1 > term_end) return;
    reception(g, pr, t1, 1);
    affect_children(cx, r, pr->person, t1, affect);
    middle_events(g, pr, t1, term_end);
  }
}

/* Spelling of a postcode as another agency writes it. */
void sy__vary_postcode(sy_rng *r, const char *pc, char out[12]) {
  uint32_t u = sy__below(r, 100);
  size_t j = 0;
  for (size_t i = 0; pc[i] && j < 11; i++) {
    char c = pc[i];
    if (u < 8 && c == ' ') continue;                                  /* NW56QL */
    if (u >= 8 && u < 16 && c >= 'A' && c <= 'Z') c = (char)(c + 32); /* nw5 6ql */
    out[j++] = c;
  }
  out[j] = '\0';
}

/* The prisoner's details as the share records them, for a person. */
static void make_prisoner(sy_ctx *cx, sy_rng *r, uint32_t person, prisoner *pr, int identity) {
  const sy_person *p = &cx->p[person];
  memset(pr, 0, sizeof *pr);
  pr->person = person;
  sy__alloc_noms(cx, pr->noms);
  char buf[64];
  snprintf(pr->first, sizeof pr->first, "%s", sy__spell(&sy__given[p->given], p->flags & SY_PF_TITLE, r, buf));
  snprintf(pr->last, sizeof pr->last, "%s", sy__spell(&sy__surnames[p->surname], p->flags & SY_PF_TITLE, r, buf));
  pr->dob = p->dob;
  if (p->nhs[0]) snprintf(pr->nhs, sizeof pr->nhs, "%s", p->nhs);
  sy__vary_postcode(r, p->postcode, pr->postcode);
  pr->la = p->la;
  pr->compact = sy__chance(r, 0.3);
  pr->escape = sy__chance(r, 0.3);
  pr->dep_text = sy__chance(r, 0.04);
  pr->prison = (uint8_t)sy__below(r, 10);
  if (cx->messy) identity = 0; /* the truth: --messy spoils identities its own way (synth_messy.c) */
  switch (identity) {
  case 1: /* no NHS number: matching falls to family name, date of birth and postcode */ pr->nhs[0] = '\0'; break;
  case 2: /* a date of birth that disagrees with the register */
    pr->dob += sy__chance(r, 0.5) ? (int32_t)sy__range(r, 1, 3) : -365;
    break;
  case 3: /* an NHS number failing its check digit */
    if (pr->nhs[0]) {
      char bad[11];
      sy__spoil_nhs(pr->nhs, bad);
      memcpy(pr->nhs, bad, 11);
    }
    break;
  case 5: /* no date of birth: step 1 cannot agree, step 3 cannot match */ pr->dob = SY_NO_DATE; break;
  case 4: /* spaced */
    if (pr->nhs[0]) snprintf(pr->nhs, sizeof pr->nhs, "%.3s %.3s %.4s", p->nhs, p->nhs + 3, p->nhs + 6);
    break;
  default: break;
  }
  if (sy__chance(r, 0.06)) pr->postcode[0] = '\0';
  uint32_t u = sy__below(r, 100);
  if (u < 10)
    pr->la = -1;
  else if (u < 14)
    pr->la = (int)((p->la + 1) % SY_N_LA);
}

/* --messy: the prisoner as the share got them wrong (in the messy run), and who it really is. */
static void mess_prisoner(sy_ctx *cx, prisoner *pr) {
  if (!cx->messy) return;
  pr->mess = sy__mess(cx, pr->person, pr->first, sizeof pr->first, pr->last, &pr->dob, pr->postcode,
                      sizeof pr->postcode, pr->nhs[0] != 0);
  if (pr->mess & (1u << SY_MESS_NHS)) pr->nhs[0] = '\0';
  sy__truth_row(cx, "custody", pr->noms, NULL, pr->person, pr->mess);
}

static int pick_identity(sy_rng *r) {
  uint32_t v = sy__below(r, 100);
  return v < 62 ? 0 : v < 75 ? 1 : v < 81 ? 2 : v < 87 ? 3 : v < 92 ? 4 : v < 94 ? 5 : 0;
}

/* When an episode starts: mostly a daytime during the term, some before it; some at the exact
 * instant of a mark (09:00 or 13:30 on a school day: same-instant ordering, and the edge of the
 * 90-day window across the clock change); some just after local midnight (the UTC date is the day
 * before); some on the night the clocks go back. near_day, when given, is a day the subject's
 * relationships start or end on, or next to. */
static int64_t episode_start(sy_ctx *cx, sy_rng *r, int32_t near_day) {
  if (near_day != SY_NO_DATE) return at_time(r, near_day, 8, 19);
  uint32_t u = sy__below(r, 100);
  if (u < 3) {
    /* 00:00-02:59 UTC on the last Sunday of October. */
    int y;
    unsigned m, d;
    hr_civil_from_days(cx->term_start, &y, &m, &d);
    int32_t last = hr_days_from_civil(y, 10, 31);
    while (((last + 3) % 7 + 7) % 7 != 6)
      last--;
    return (int64_t)last * HR_US_PER_DAY + sy__range(r, 0, 3 * 3600 - 1) * HR_US_PER_SEC;
  }
  if (u < 11) {
    int32_t day = cx->days[sy__below(r, cx->n_days)];
    return (u & 1) ? hr_uk_instant_of(day, 9, 0) : hr_uk_instant_of(day, 13, 30);
  }
  int32_t day;
  if (u < 21)
    day = cx->term_start - (int32_t)sy__range(r, 1, 60); /* before the term */
  else
    day = (int32_t)sy__range(r, cx->term_start - 3, cx->term_end - 14);
  if (u >= 21 && u < 25)
    return hr_uk_instant_of(day, 0, (int)sy__below(r, 60)) + (int64_t)sy__below(r, 60) * HR_US_PER_SEC;
  return at_time(r, day, 8, 19);
}

/* A day on or next to the start or end, during the term, of one of person's relationships. */
static int32_t relationship_edge(const sy_ctx *cx, sy_rng *r, uint32_t person) {
  const sy_family *fam = &cx->fam[cx->p[person].family];
  for (uint32_t i = 0; i < fam->n_rel; i++) {
    const sy_rel *rl = &cx->rel[fam->first_rel + i];
    if (rl->a != person) continue;
    if (rl->end != SY_NO_DATE && rl->end >= cx->term_start && rl->end <= cx->term_end)
      return rl->end + (int32_t)sy__below(r, 2);
    if (rl->start != SY_NO_DATE && rl->start > cx->term_start && rl->start <= cx->term_end)
      return rl->start - (int32_t)sy__below(r, 2);
  }
  return SY_NO_DATE;
}

int sy__gen_custody(sy_ctx *cx) {
  cgen g;
  memset(&g, 0, sizeof g);
  g.cx = cx;
  /* Families: one carer in nine goes into custody during the term (far above life, so the rules
   * fire often); sometimes the prisoner is a household member, an ex-partner or a kinship carer. */
  for (uint32_t f = 0; f < cx->n_fam; f++) {
    sy__rng_init(&g.r, cx->seed, SY_S_CUSTODY, f);
    sy_rng *r = &g.r;
    const sy_family *fam = &cx->fam[f];
    uint32_t cands[SY_MAX_CAND], n = 0, others[SY_MAX_CAND], m = 0, childless[SY_MAX_CAND], c = 0;
    for (uint32_t i = fam->first; i < fam->first + fam->n && n < SY_MAX_CAND && m < SY_MAX_CAND; i++) {
      uint8_t k = cx->p[i].kind;
      if (k == SY_K_CARER)
        cands[n++] = i;
      else if (k == SY_K_EX || k == SY_K_MEMBER || k == SY_K_KIN)
        others[m++] = i;
      if (k == SY_K_EX || k == SY_K_MEMBER) childless[c++] = i;
    }
    uint32_t who;
    if (sy__chance(r, 0.11))
      who = (m && sy__chance(r, 0.35)) ? others[sy__below(r, m)] : cands[sy__below(r, n)];
    else if (c && sy__chance(r, 0.08))
      who = childless[sy__below(r, c)]; /* no child of their own */
    else
      continue;
    prisoner pr;
    make_prisoner(cx, r, who, &pr, pick_identity(r));
    uint32_t kids[16];
    uint32_t nk = sy__children_of(cx, who, cx->term_start, kids, 16);
    uint32_t u = sy__below(r, 100);
    pr.dependants = u < 70 ? (int)nk : u < 85 ? -1 : u < 90 ? 0 : (int)sy__range(r, 1, 5);
    if (cx->p[who].kind != SY_K_CARER && u < 85) pr.dependants = (int)sy__range(r, 1, 4);
    int32_t edge = sy__chance(r, 0.5) ? relationship_edge(cx, r, who) : SY_NO_DATE;
    mess_prisoner(cx, &pr);
    episodes(&g, &pr, episode_start(cx, r, edge), 0.75);
  }
  /* Prisoners the register does not know: with dependants, none, or not declared. */
  uint32_t outsiders = cx->n_fam ? 1 + cx->n_fam * 3 / 100 : 0;
  for (uint32_t i = 0; i < outsiders; i++) {
    sy__rng_init(&g.r, cx->seed, SY_S_OUTSIDER, i);
    sy_rng *r = &g.r;
    uint32_t who = sy__new_outsider(cx, r, (uint8_t)sy__below(r, SY_N_LA));
    if (who == SY_NONE) return cx->err;
    prisoner pr;
    make_prisoner(cx, r, who, &pr, sy__chance(r, 0.3) ? 1 : 0);
    uint32_t u = sy__below(r, 100);
    pr.dependants = u < 65 ? (int)sy__range(r, 1, 5) : u < 80 ? 0 : -1;
    if (sy__chance(r, 0.2)) pr.la = -1;
    u = sy__below(r, 100);
    if (u < 4) { /* a 16 or 17 year old with a child of their own: not an adult */
      pr.dob = dob_between(r, cx->term_start, 16, 17);
      pr.dependants = 1;
    } else if (u < 12) {
      pr.dob = SY_NO_DATE; /* no date of birth: taken as an adult */
    }
    mess_prisoner(cx, &pr);
    episodes(&g, &pr, episode_start(cx, r, SY_NO_DATE), 0);
  }
  if (cx->custody.oom || cx->custody.text.oom)
    return sy__fail(cx, HR_ENOMEM, "synth: out of memory building the custody feed");
  return 0;
}

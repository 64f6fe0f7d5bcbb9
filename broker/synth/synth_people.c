/* synth_people.c: the synthetic population and the LA register extract (REFERENCE section 1).
 *
 * Families of one or two carers and up to four children, with the shapes the reference rules
 * care about: step-parents, kinship carers, `carer` relationships, household members who are not
 * carers, ex-partners whose relationships ended, relationships that end or start during the term,
 * children registered in another LA than their parent, twins, 29 February birthdays, children who
 * turn 18 during the term, adults with no children. Key workers per LA, and assignments of every
 * shape routing has to break ties on. Identifiers are valid except where a defect is the point
 * (a register NHS number failing Modulus 11). Ambiguity on purpose: an adult twin in the household
 * (same family name, date of birth and postcode), the same person registered twice (same NHS
 * number, or UPN). The files' own shapes: persons.csv columns in another order, with stale rows a
 * later row replaces; an unknown column; header names in another case; a blank line; padded
 * cells; a key worker missing from key_workers.csv; unless clean, rows with impossible dates. */
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

#define SY_SCHOOL_CAPACITY 420 /* pupils per school (UPN serials stay within 3 digits) */

/* ---- Queries ----------------------------------------------------------------------------------- */

static int is_carer_type(uint8_t t) {
  return t == SY_R_PARENT || t == SY_R_STEP || t == SY_R_CARER || t == SY_R_KIN;
}

static int active_on(const sy_rel *r, int32_t date) {
  return (r->start == SY_NO_DATE || r->start <= date) && (r->end == SY_NO_DATE || r->end >= date);
}

int sy__is_carer_on(const sy_ctx *cx, uint32_t adult, uint32_t child, int32_t date) {
  uint32_t f = cx->p[adult].family;
  if (f == SY_NONE) return 0;
  const sy_family *fam = &cx->fam[f];
  for (uint32_t i = 0; i < fam->n_rel; i++) {
    const sy_rel *r = &cx->rel[fam->first_rel + i];
    if (r->a == adult && r->b == child && is_carer_type(r->type) && active_on(r, date)) return 1;
  }
  return 0;
}

uint32_t sy__children_of(const sy_ctx *cx, uint32_t adult, int32_t date, uint32_t *out, uint32_t max) {
  uint32_t f = cx->p[adult].family, n = 0;
  if (f == SY_NONE) return 0;
  const sy_family *fam = &cx->fam[f];
  for (uint32_t i = 0; i < fam->n_rel; i++) {
    const sy_rel *r = &cx->rel[fam->first_rel + i];
    if (r->a != adult || !is_carer_type(r->type) || !active_on(r, date)) continue;
    if (!hr_is_child_on(cx->p[r->b].dob, date)) continue;
    int dup = 0;
    for (uint32_t j = 0; j < n; j++)
      dup |= out[j] == r->b;
    if (!dup && n < max) out[n++] = r->b;
  }
  return n;
}

int sy__is_pupil(const sy_ctx *cx, const sy_person *p) {
  (void)cx;
  return p->kind == SY_K_CHILD && p->school != SY_NONE && !(p->flags & SY_PF_NO_MARKS);
}

void sy__raise_absence(sy_ctx *cx, uint32_t child, int32_t from, int32_t days, unsigned pct) {
  sy_person *p = &cx->p[child];
  if (p->kind != SY_K_CHILD || days <= 0) return;
  int slot = p->win_pct[0] == 0 ? 0 : p->win_pct[1] == 0 ? 1 : (p->win_pct[0] <= p->win_pct[1] ? 0 : 1);
  p->win_pct[slot] = (uint8_t)(pct > 95 ? 95 : pct);
  p->win_from[slot] = from;
  p->win_to[slot] = from + days - 1;
}

/* ---- Building ---------------------------------------------------------------------------------- */

static int add_rel(sy_ctx *cx, uint32_t a, uint32_t b, uint8_t type, int32_t start, int32_t end) {
  if (sy__grow(cx, (void **)&cx->rel, &cx->cap_rel, cx->n_rel + 1, sizeof *cx->rel)) return -1;
  cx->rel[cx->n_rel++] = (sy_rel){a, b, type, start, end};
  return 0;
}

static int32_t years_before(int32_t day, int years) {
  int y;
  unsigned m, d;
  hr_civil_from_days(day, &y, &m, &d);
  if (m == 2 && d == 29 && !hr_is_leap(y - years)) d = 28;
  return hr_days_from_civil(y - years, m, d);
}

static int32_t rand_day(sy_rng *r, int32_t lo, int32_t hi) {
  if (hi < lo) return lo;
  return (int32_t)sy__range(r, lo, hi);
}

/* A date of birth for someone aged min_age..max_age (whole years) on day. */
static int32_t dob_aged(sy_rng *r, int32_t day, int min_age, int max_age) {
  return rand_day(r, years_before(day, max_age + 1) + 1, years_before(day, min_age));
}

static int32_t leap_birthday(sy_rng *r, const int *years, int n) {
  return hr_days_from_civil(years[sy__below(r, (uint32_t)n)], 2, 29);
}

static void set_nhs(sy_ctx *cx, sy_rng *r, sy_person *p) {
  if (sy__alloc_nhs(cx, p->nhs)) {
    p->nhs_form = SY_NHS_NONE; /* the 999 range is used up: no number at all */
    return;
  }
  uint32_t u = sy__below(r, 1000);
  p->nhs_form = u < 60 ? SY_NHS_NONE : u < 70 ? SY_NHS_BAD : u < 520 ? SY_NHS_SPACED : SY_NHS_PLAIN;
}

static uint32_t add_adult(sy_ctx *cx, sy_rng *r, uint32_t f, uint8_t kind, char sex, uint16_t surname, int32_t dob,
                          uint8_t la, const char *postcode) {
  uint32_t idx;
  sy_person *p = sy__new_person(cx, &idx);
  if (!p) return SY_NONE;
  p->family = f;
  p->kind = kind;
  p->sex = sex;
  p->la = la;
  p->dob = dob;
  p->surname = surname;
  memcpy(p->postcode, postcode, 9);
  p->given = sy__pick_given(r, sex);
  if (sy__chance(r, 0.04)) p->flags |= SY_PF_TITLE;
  if (sy__chance(r, 0.02)) p->sex = sy__chance(r, 0.5) ? 'U' : 0;
  set_nhs(cx, r, p);
  return idx;
}

static uint32_t new_school(sy_ctx *cx, uint8_t la) {
  size_t cap = cx->cap_school;
  if (sy__grow(cx, (void **)&cx->school, &cap, (size_t)cx->n_school + 1, sizeof *cx->school)) return SY_NONE;
  cx->cap_school = (uint32_t)cap;
  uint32_t idx = cx->n_school++;
  uint32_t in_la = 0;
  for (uint32_t i = 0; i < idx; i++)
    in_la += cx->school[i].la == la;
  sy_school *s = &cx->school[idx];
  memset(s, 0, sizeof *s);
  s->la = la;
  s->urn = sy__las[la].urn_base + in_la * 7 + 3;
  s->estab = (uint16_t)(2000 + in_la % 8000);
  /* INSET days: a third of schools on the first day of term, a fifth on another day. */
  sy_rng r;
  sy__rng_init(&r, cx->seed, SY_S_SCHOOL, idx);
  s->inset = SY_NO_DATE;
  uint32_t u = sy__below(&r, 100);
  if (u < 33)
    s->inset = cx->days[0];
  else if (u < 53)
    s->inset = cx->days[sy__below(&r, cx->n_days)];
  return idx;
}

/* Puts a school-age child on a school roll with a UPN (or not, for new arrivals). */
static int enrol(sy_ctx *cx, sy_rng *r, uint32_t child) {
  uint8_t la = cx->p[child].la;
  uint32_t s = cx->cur_school[la];
  if (s == SY_NONE || cx->school[s].pupils >= SY_SCHOOL_CAPACITY) {
    s = new_school(cx, la);
    if (s == SY_NONE) return -1;
    cx->cur_school[la] = s;
  }
  sy_school *sc = &cx->school[s];
  sy_person *p = &cx->p[child];
  p->school = s;
  unsigned serial = sc->pupils++;
  int y;
  unsigned m, d;
  hr_civil_from_days(p->dob, &y, &m, &d);
  char twelve[13];
  snprintf(twelve, sizeof twelve, "%s%04u%02u%03u", sy__las[la].upn_la, (unsigned)sc->estab, (unsigned)((y + 4) % 100),
           serial % 1000);
  uint32_t u = sy__below(r, 1000);
  if (u < 30) {
    p->upn[0] = '\0'; /* a new arrival with no UPN in the register yet: the school writes names */
    p->flags |= SY_PF_NAMES;
  } else {
    hr_upn_make(twelve, p->upn);
  }
  if (u >= 30 && u < 40)
    p->flags |= SY_PF_TEMP_UPN | SY_PF_NAMES;
  else if (u >= 40 && u < 60)
    p->flags |= SY_PF_NAMES;
  else if (u >= 60 && u < 75)
    p->flags |= SY_PF_NO_MARKS;
  if (sy__below(r, 100) < 4) p->join = (uint8_t)sy__range(r, 2, cx->n_weeks > 9 ? 8 : cx->n_weeks / 2 + 1);
  /* Baseline absence: most pupils attend well, a fifth are persistently absent. */
  uint32_t b = sy__below(r, 100);
  p->base_pct = (uint8_t)(b < 55   ? sy__range(r, 1, 6)
                          : b < 80 ? sy__range(r, 6, 9)
                          : b < 93 ? sy__range(r, 10, 18)
                                   : sy__range(r, 18, 32));
  return 0;
}

static int make_family(sy_ctx *cx, uint32_t f) {
  sy_rng r;
  sy__rng_init(&r, cx->seed, SY_S_FAMILY, f);
  const int32_t T0 = cx->term_start, T1 = cx->term_end;
  sy_family *fam = &cx->fam[f];
  fam->first = cx->n_p;
  fam->first_rel = (uint32_t)cx->n_rel;
  uint32_t u = sy__below(&r, 100);
  uint8_t la = (uint8_t)(u < 40 ? 0 : u < 75 ? 1 : 2);
  fam->la = la;
  char pc[9];
  sy__postcode(&r, la, pc);
  uint16_t surname = sy__pick_surname(&r);

  int n_carers = sy__chance(&r, 0.62) ? 2 : 1;
  u = sy__below(&r, 100);
  int n_children = u < 3 ? 0 : u < 35 ? 1 : u < 70 ? 2 : u < 90 ? 3 : 4;

  char sex_a = n_carers == 1 ? (sy__chance(&r, 0.82) ? 'F' : 'M') : (sy__chance(&r, 0.5) ? 'F' : 'M');
  int32_t dob_a = dob_aged(&r, T0, 23, 52);
  if (sy__chance(&r, 0.004)) {
    static const int leap[] = {1984, 1988, 1992, 1996};
    dob_a = leap_birthday(&r, leap, 4);
  }
  uint32_t A = add_adult(cx, &r, f, SY_K_CARER, sex_a, surname, dob_a, la, pc), B = SY_NONE;
  if (A == SY_NONE) return -1;
  if (n_carers == 2) {
    char sex_b = sy__chance(&r, 0.9) ? (sex_a == 'F' ? 'M' : 'F') : sex_a;
    int32_t dob_b = dob_a + (int32_t)sy__range(&r, -6 * 365, 6 * 365);
    if (dob_b > years_before(T0, 20)) dob_b = years_before(T0, 20) - (int32_t)sy__below(&r, 900);
    uint16_t sn = sy__chance(&r, 0.7) ? surname : sy__pick_surname(&r);
    B = add_adult(cx, &r, f, SY_K_CARER, sex_b, sn, dob_b, la, pc);
    if (B == SY_NONE) return -1;
  }

  /* Children. */
  uint32_t kids[4];
  int cross_la = n_children > 0 && sy__chance(&r, 0.07);
  uint8_t other_la = (uint8_t)((la + 1 + sy__below(&r, 2)) % SY_N_LA);
  char other_pc[9];
  sy__postcode(&r, other_la, other_pc);
  int twins = n_children >= 2 && sy__chance(&r, 0.07);
  int32_t youngest_mother = years_before(dob_a, -17); /* children born when A was 17 or more */
  for (int i = 0; i < n_children; i++) {
    uint32_t idx;
    sy_person *c = sy__new_person(cx, &idx);
    if (!c) return -1;
    kids[i] = idx;
    c->family = f;
    c->kind = SY_K_CHILD;
    c->la = la;
    memcpy(c->postcode, pc, 9);
    u = sy__below(&r, 100);
    c->sex = u < 49 ? 'M' : u < 98 ? 'F' : u < 99 ? 'U' : 0;
    if (twins && i == 1) {
      c->dob = cx->p[kids[0]].dob;
    } else {
      u = sy__below(&r, 1000);
      if (u < 30) { /* turns 18 during the term */
        int32_t bday = rand_day(&r, T0 + 1, T1);
        c->dob = years_before(bday, 18);
      } else if (u < 140) {
        c->dob = dob_aged(&r, T0, 0, 3);
        if (c->dob > T0 - 30) c->dob = T0 - 30 - (int32_t)sy__below(&r, 300);
      } else if (u < 145) {
        static const int leap[] = {2012, 2016, 2020};
        c->dob = leap_birthday(&r, leap, 3);
      } else {
        c->dob = dob_aged(&r, T0, 4, 17);
      }
      if (c->dob < youngest_mother && u >= 30) c->dob = rand_day(&r, youngest_mother, years_before(T0, 4));
    }
    c->surname = (B != SY_NONE && cx->p[B].surname != surname && sy__chance(&r, 0.3)) ? cx->p[B].surname : surname;
    /* Distinct given names within the family (twins included). */
    for (int tries = 0; tries < 20; tries++) {
      uint16_t g = sy__pick_given(&r, c->sex);
      int clash = 0;
      for (uint32_t j = fam->first; j < idx; j++)
        clash |= cx->p[j].given == g;
      if (!clash) {
        c->given = g;
        break;
      }
    }
    if (sy__chance(&r, 0.04)) c->flags |= SY_PF_TITLE;
    if (cross_la && i == n_children - 1) {
      c->la = other_la;
      memcpy(c->postcode, other_pc, 9);
    }
    set_nhs(cx, &r, c);
    c = &cx->p[idx];
    int age_at_start_ok = c->dob <= years_before(T0, 4) && hr_is_child_on(c->dob, T0);
    if (age_at_start_ok && enrol(cx, &r, idx)) return -1;
  }

  /* Relationships: parents (or a `carer`), step-parents, and their dates. */
  int a_type = (n_carers == 1 && sy__chance(&r, 0.06)) ? SY_R_CARER : SY_R_PARENT;
  int b_step = B != SY_NONE && n_children > 0 && sy__chance(&r, 0.12);
  int32_t step_since = SY_NO_DATE;
  if (b_step) {
    int32_t oldest = cx->p[kids[0]].dob;
    for (int i = 1; i < n_children; i++)
      if (cx->p[kids[i]].dob < oldest) oldest = cx->p[kids[i]].dob;
    step_since = rand_day(&r, oldest + 200, T0 - 60);
  }
  int b_ends = B != SY_NONE && sy__chance(&r, 0.05);
  int32_t b_end = b_ends ? rand_day(&r, T0 + 7, T1 - 10) : SY_NO_DATE;
  for (int i = 0; i < n_children; i++) {
    uint32_t c = kids[i];
    int32_t born = cx->p[c].dob;
    if (add_rel(cx, A, c, (uint8_t)a_type, sy__chance(&r, 0.7) ? born : SY_NO_DATE, SY_NO_DATE)) return -1;
    if (B != SY_NONE) {
      int step = b_step && born < step_since;
      int32_t start =
          step ? (sy__chance(&r, 0.7) ? step_since : SY_NO_DATE) : (sy__chance(&r, 0.7) ? born : SY_NO_DATE);
      if (add_rel(cx, B, c, step ? SY_R_STEP : SY_R_PARENT, start, b_end)) return -1;
    }
  }

  /* An ex-partner whose relationships ended before the term (or during it). */
  if (n_children > 0 && sy__chance(&r, 0.08)) {
    char sx = sex_a == 'F' ? 'M' : 'F';
    uint32_t X =
        add_adult(cx, &r, f, SY_K_EX, sx, sy__pick_surname(&r), dob_a + (int32_t)sy__range(&r, -1500, 1500), la, pc);
    if (X == SY_NONE) return -1;
    sy__postcode(&r, (uint8_t)sy__below(&r, SY_N_LA), cx->p[X].postcode);
    int32_t end = sy__chance(&r, 0.8) ? rand_day(&r, T0 - 5 * 365, T0 - 1) : rand_day(&r, T0 + 5, T1 - 20);
    for (int i = 0; i < n_children; i++)
      if (add_rel(cx, X, kids[i], SY_R_PARENT, cx->p[kids[i]].dob, end)) return -1;
  }
  /* A new step-parent from a date during the term. */
  if (n_children > 0 && n_carers == 1 && sy__chance(&r, 0.06)) {
    char sx = sex_a == 'F' ? 'M' : 'F';
    uint32_t N = add_adult(cx, &r, f, SY_K_CARER, sx, sy__pick_surname(&r), dob_aged(&r, T0, 24, 50), la, pc);
    if (N == SY_NONE) return -1;
    int32_t start = rand_day(&r, T0 + 7, T1 - 14);
    for (int i = 0; i < n_children; i++)
      if (add_rel(cx, N, kids[i], SY_R_STEP, start, SY_NO_DATE)) return -1;
  }
  /* A grandparent as kinship carer (sometimes only from a date during the term). */
  if (n_children > 0 && sy__chance(&r, 0.08)) {
    uint32_t G =
        add_adult(cx, &r, f, SY_K_KIN, sy__chance(&r, 0.7) ? 'F' : 'M', surname, dob_aged(&r, T0, 55, 76), la, pc);
    if (G == SY_NONE) return -1;
    u = sy__below(&r, 100);
    int32_t start = u < 40 ? SY_NO_DATE : u < 85 ? rand_day(&r, T0 - 3 * 365, T0 - 1) : rand_day(&r, T0 + 7, T1 - 14);
    for (int i = 0; i < n_children; i++)
      if (add_rel(cx, G, kids[i], SY_R_KIN, start, SY_NO_DATE)) return -1;
  }
  /* A household member who is not a carer (a lodger, an adult sibling; sometimes carer A's twin,
   * so that family name, date of birth and postcode no longer tell them apart). */
  if (sy__chance(&r, n_children ? 0.10 : 0.5)) {
    int twin = sy__chance(&r, 0.12);
    uint32_t M = add_adult(cx, &r, f, SY_K_MEMBER, sy__chance(&r, 0.5) ? 'F' : 'M',
                           (twin || sy__chance(&r, 0.6)) ? surname : sy__pick_surname(&r),
                           twin ? dob_a : dob_aged(&r, T0, 18, 30), la, pc);
    if (M == SY_NONE) return -1;
    for (int i = 0; i < n_children; i++)
      if (add_rel(cx, M, kids[i], SY_R_MEMBER, sy__chance(&r, 0.5) ? SY_NO_DATE : rand_day(&r, T0 - 900, T0 - 1),
                  SY_NO_DATE))
        return -1;
    if (n_children == 0 && add_rel(cx, M, A, SY_R_MEMBER, SY_NO_DATE, SY_NO_DATE)) return -1;
  }
  /* The same person registered twice under two person_ids (no relationships on the copy): their
   * NHS number or UPN then finds two people. */
  if (sy__chance(&r, 0.005)) {
    uint32_t src = (n_children && sy__chance(&r, 0.5)) ? kids[sy__below(&r, (uint32_t)n_children)] : A, idx;
    sy_person *d = sy__new_person(cx, &idx);
    if (!d) return -1;
    *d = cx->p[src];
    d->school = SY_NONE; /* the copy is on no school roll */
    if (d->kind != SY_K_CHILD) d->kind = SY_K_MEMBER;
  }
  /* Siblings, both directions. */
  for (int i = 0; i < n_children; i++)
    for (int j = 0; j < n_children; j++)
      if (i != j && add_rel(cx, kids[i], kids[j], SY_R_SIBLING, SY_NO_DATE, SY_NO_DATE)) return -1;

  fam->n = (uint8_t)(cx->n_p - fam->first);
  fam->n_rel = (uint16_t)(cx->n_rel - fam->first_rel);
  return 0;
}

static int add_assign(sy_ctx *cx, uint32_t child, uint32_t kw, int32_t start, int32_t end) {
  if (sy__grow(cx, (void **)&cx->as, &cx->cap_as, cx->n_as + 1, sizeof *cx->as)) return -1;
  cx->as[cx->n_as++] = (sy_assign){child, kw, start, end};
  return 0;
}

static uint32_t pick_kw(const sy_ctx *cx, sy_rng *r, uint8_t la, uint32_t not_this) {
  if (sy__chance(r, 0.02)) la = (uint8_t)sy__below(r, SY_N_LA); /* a worker from another LA */
  for (;;) {
    uint32_t k = cx->kw_first[la] + sy__below(r, cx->kw_count[la]);
    if (k != not_this || cx->kw_count[la] < 2) return k;
  }
}

/* Key-worker assignments: none, one, an ended one and a new one, two active with different or
 * equal start dates (routing ties), empty start dates, only an ended one. */
static int make_assignments(sy_ctx *cx, uint32_t child) {
  sy_rng r;
  sy__rng_init(&r, cx->seed, SY_S_ASSIGN, child);
  const int32_t T0 = cx->term_start, T1 = cx->term_end;
  uint8_t la = cx->p[child].la;
  uint32_t u = sy__below(&r, 100);
  int32_t d2025 = hr_days_from_civil(2025, 1, 1);
  if (u < 45) return 0;
  uint32_t k1 = pick_kw(cx, &r, la, SY_NONE), k2 = pick_kw(cx, &r, la, k1);
  if (u < 75) {
    uint32_t v = sy__below(&r, 10);
    int32_t s = v < 5 ? d2025 : v < 9 ? rand_day(&r, T0 - 1200, T0 - 1) : rand_day(&r, T0 + 1, T1 - 14);
    return add_assign(cx, child, k1, s, SY_NO_DATE);
  }
  if (u < 83) {
    if (sy__chance(&r, 0.7)) {
      int32_t end = rand_day(&r, T0 + 1, T1 - 14);
      return add_assign(cx, child, k1, rand_day(&r, T0 - 900, T0 - 60), end) ||
             add_assign(cx, child, k2, rand_day(&r, T0 - 10, end), SY_NO_DATE);
    }
    int32_t end = rand_day(&r, T0 - 400, T0 - 1);
    return add_assign(cx, child, k1, end - 300, end) ||
           add_assign(cx, child, k2, rand_day(&r, end + 1, T1 - 5), SY_NO_DATE);
  }
  if (u < 88) {
    int32_t s1 = rand_day(&r, T0 - 900, T0 - 30);
    return add_assign(cx, child, k1, s1, SY_NO_DATE) ||
           add_assign(cx, child, k2, rand_day(&r, s1 + 1, T0 + 40), SY_NO_DATE);
  }
  if (u < 92) {
    int32_t s = hr_days_from_civil(2025, 9, 1);
    return add_assign(cx, child, k1, s, SY_NO_DATE) || add_assign(cx, child, k2, s, SY_NO_DATE);
  }
  if (u < 96) {
    if (add_assign(cx, child, k1, SY_NO_DATE, SY_NO_DATE)) return -1;
    return sy__chance(&r, 0.5) ? add_assign(cx, child, k2, rand_day(&r, T0 - 700, T0 + 30), SY_NO_DATE) : 0;
  }
  return add_assign(cx, child, k1, rand_day(&r, T0 - 900, T0 - 400), rand_day(&r, T0 - 300, T0 - 1));
}

static const char *kw_given[] = {"Sam",    "Alex", "Jo",  "Chris", "Priya", "Tunde", "Megan", "Hassan",
                                 "Claire", "Dev",  "Nia", "Tom",   "Bea",   "Kemi",  "Ravi",  "Ffion"};
static const char *kw_family[] = {"Patel", "Okoro", "Evans", "Clarke", "Nowak", "Begum",  "Reid",  "Shaw",
                                  "Lloyd", "Ahmed", "Doyle", "Frost",  "Kaur",  "Mensah", "Young", "Webb"};

static int make_key_workers(sy_ctx *cx) {
  uint32_t teams = 3 + cx->o->families / 600;
  unsigned width = 1;
  for (uint32_t t = teams - 1; t >= 10; t /= 10)
    width++;
  cx->n_kw = teams * 4 * SY_N_LA;
  cx->kw = calloc(cx->n_kw, sizeof *cx->kw);
  if (!cx->kw) return sy__fail(cx, HR_ENOMEM, "synth: out of memory for %u key workers", cx->n_kw);
  uint32_t k = 0;
  for (uint8_t la = 0; la < SY_N_LA; la++) {
    cx->kw_first[la] = k;
    cx->kw_count[la] = teams * 4;
    for (uint32_t t = 0; t < teams; t++)
      for (uint32_t w = 0; w < 4; w++, k++) {
        snprintf(cx->kw[k].id, sizeof cx->kw[k].id, "KW%s%0*u%u", sy__las[la].num, (int)width, t, w);
        cx->kw[k].la = la;
        cx->kw[k].team = (uint16_t)t;
      }
  }
  return 0;
}

int sy__build_population(sy_ctx *cx) {
  for (int la = 0; la < SY_N_LA; la++)
    cx->cur_school[la] = SY_NONE;
  if (make_key_workers(cx)) return cx->err;
  cx->n_fam = cx->o->families;
  cx->fam = calloc(cx->n_fam ? cx->n_fam : 1, sizeof *cx->fam);
  if (!cx->fam) return sy__fail(cx, HR_ENOMEM, "synth: out of memory for %u families", cx->n_fam);
  for (uint32_t f = 0; f < cx->n_fam; f++)
    if (make_family(cx, f)) return cx->err ? cx->err : sy__fail(cx, HR_ENOMEM, "synth: out of memory");
  cx->n_register = cx->n_p;
  for (uint32_t i = 0; i < cx->n_register; i++)
    if (cx->p[i].kind == SY_K_CHILD && hr_is_child_on(cx->p[i].dob, cx->term_start) && make_assignments(cx, i))
      return cx->err;
  return 0;
}

/* ---- Writing the register ----------------------------------------------------------------------- */

static void put_pid(hr_buf *b, uint32_t idx) {
  char id[16];
  snprintf(id, sizeof id, "P%07u", idx + 1);
  hr_buf_puts(b, id);
}

static const char *rel_name(uint8_t t) {
  static const char *names[] = {"parent", "step_parent", "carer", "kinship_carer", "household_member", "sibling"};
  return names[t];
}

/* One persons.csv row. A stale row (an old address, no NHS number) comes earlier in the file
 * than the person's current row, which replaces it (READING R36). */
static void put_person_row(sy_ctx *cx, hr_buf *b, uint32_t idx, int stale, sy_rng *r) {
  const sy_person *p = &cx->p[idx];
  char buf[64];
  if (stale) {
    char old[9];
    sy__postcode(r, p->la, old);
    hr_buf_puts(b, old);
  } else {
    hr_buf_puts(b, p->postcode);
    if (sy__chance(r, 0.003)) hr_buf_putc(b, ' '); /* a cell with a trailing space */
  }
  hr_buf_putc(b, ',');
  if (p->sex) hr_buf_putc(b, p->sex);
  hr_buf_putc(b, ',');
  sy__put_date(b, p->dob);
  hr_buf_putc(b, ',');
  int q = sy__chance(r, 0.01);
  sy__put_csv(b, sy__reg_spelling(&sy__surnames[p->surname], p->flags & SY_PF_TITLE, buf), q);
  hr_buf_putc(b, ',');
  sy__put_csv(b, sy__reg_spelling(&sy__given[p->given], p->flags & SY_PF_TITLE, buf), q);
  hr_buf_putc(b, ',');
  hr_buf_puts(b, p->upn);
  hr_buf_putc(b, ',');
  if (!stale && p->nhs[0] && p->nhs_form != SY_NHS_NONE) {
    char nhs[11];
    const char *v = p->nhs;
    if (p->nhs_form == SY_NHS_BAD) {
      sy__spoil_nhs(p->nhs, nhs);
      v = nhs;
      cx->st.register_bad_nhs++;
      cx->st.dq_warnings++;
    }
    if (p->nhs_form == SY_NHS_SPACED || (p->nhs_form == SY_NHS_BAD && (idx & 1)))
      sy__put_nhs_spaced(b, v);
    else
      hr_buf_puts(b, v);
  }
  hr_buf_putc(b, ',');
  hr_buf_puts(b, sy__las[p->la].code);
  hr_buf_putc(b, ',');
  put_pid(b, idx);
  hr_buf_puts(b, "\r\n");
  cx->st.persons++;
}

static int write_persons(sy_ctx *cx) {
  sy_out o;
  if (sy__out_open(cx, &o, "register/persons.csv")) return sy__out_close(cx, &o);
  /* Column order differs from REFERENCE (as in the sample); readers go by the header. */
  hr_buf_puts(&o.b, "postcode,sex,date_of_birth,family_name,given_name,upn,nhs_number,la_code,person_id\r\n");
  uint32_t n = cx->n_register;
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  uint32_t *later = malloc((n ? n : 1) * sizeof *later);
  if (!order || !later) {
    free(order);
    free(later);
    sy__out_close(cx, &o);
    return sy__fail(cx, HR_ENOMEM, "synth: out of memory ordering persons");
  }
  for (uint32_t i = 0; i < n; i++)
    order[i] = i;
  sy_rng r;
  sy__rng_init(&r, cx->seed, SY_S_SHUFFLE, 1);
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = sy__below(&r, i), t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  uint32_t n_later = 0;
  for (uint32_t k = 0; k < n; k++) {
    int stale = sy__chance(&r, 0.005);
    put_person_row(cx, &o.b, order[k], stale, &r);
    if (stale) later[n_later++] = order[k];
    sy__out_maybe_flush(cx, &o);
  }
  for (uint32_t k = 0; k < n_later; k++) {
    put_person_row(cx, &o.b, later[k], 0, &r);
    sy__out_maybe_flush(cx, &o);
  }
  /* Bad rows (unless clean): people with an impossible date of birth (READING R27). */
  static const char *bad_dobs[] = {"2015-02-30", "1990-13-01", "2012-04-31", "12/05/2014"};
  uint32_t n_bad = cx->clean || !n ? 0 : 1 + n / 4000;
  for (uint32_t k = 0; k < n_bad; k++) {
    hr_buf_printf(&o.b, "%s,F,%s,SMITH,AMY,,,%s,", cx->p[k * 7 % n].postcode, bad_dobs[k % 4],
                  sy__las[cx->p[k * 7 % n].la].code);
    put_pid(&o.b, n + k);
    hr_buf_puts(&o.b, "\r\n");
    cx->st.persons++;
    cx->st.bad_records++;
  }
  free(order);
  free(later);
  return sy__out_close(cx, &o);
}

static int write_relationships(sy_ctx *cx) {
  static const char *systems[] = {"LCS", "EHM", "MOSAIC"};
  sy_out o;
  if (sy__out_open(cx, &o, "register/relationships.csv")) return sy__out_close(cx, &o);
  /* recorded_in is not a REFERENCE column: readers must ignore it. */
  hr_buf_puts(&o.b, "person_id,related_person_id,relationship,recorded_in,start_date,end_date\r\n");
  for (size_t i = 0; i < cx->n_rel; i++) {
    const sy_rel *r = &cx->rel[i];
    hr_buf *b = &o.b;
    uint64_t h = sy__hash3(cx->seed, 0x72656c, i, 0) % 10000;
    if (h == 17) hr_buf_puts(b, "\r\n"); /* a blank line: skipped (READING R37) */
    if (h == 23 && !cx->clean && r->type == SY_R_SIBLING) {
      /* A bad row: an impossible start date dead-letters it (READING R27). */
      put_pid(b, r->a);
      hr_buf_putc(b, ',');
      put_pid(b, r->b);
      hr_buf_puts(b, ",sibling,LCS,2019-13-01,\r\n");
      cx->st.relationships++;
      cx->st.bad_records++;
    }
    put_pid(b, r->a);
    hr_buf_putc(b, ',');
    put_pid(b, r->b);
    hr_buf_putc(b, ',');
    hr_buf_puts(b, rel_name(r->type));
    if (h < 15) hr_buf_putc(b, ' '); /* trailing space: trimmed (READING R30) */
    hr_buf_putc(b, ',');
    hr_buf_puts(b, systems[(r->a + r->b) % 3]);
    hr_buf_putc(b, ',');
    sy__put_date(b, r->start);
    hr_buf_putc(b, ',');
    sy__put_date(b, r->end);
    hr_buf_puts(b, "\r\n");
    cx->st.relationships++;
    sy__out_maybe_flush(cx, &o);
  }
  return sy__out_close(cx, &o);
}

static int write_key_workers(sy_ctx *cx) {
  sy_out o;
  if (sy__out_open(cx, &o, "register/key_workers.csv")) return sy__out_close(cx, &o);
  hr_buf_puts(&o.b, "key_worker_id,name,email,phone,team_id,la_code\r\n");
  for (uint32_t k = 0; k < cx->n_kw; k++) {
    const sy_kw *w = &cx->kw[k];
    const char *g = kw_given[k % 16], *f = kw_family[(k / 16 + k * 7) % 16];
    char name[64], email[96], lower[16];
    size_t n = strlen(w->id);
    for (size_t i = 0; i <= n; i++)
      lower[i] = (char)(w->id[i] >= 'A' && w->id[i] <= 'Z' ? w->id[i] + 32 : w->id[i]);
    if (k % 9 == 4)
      snprintf(name, sizeof name, "%s, %s", f, g); /* a quoted field with a comma */
    else
      snprintf(name, sizeof name, "%s %s", g, f);
    snprintf(email, sizeof email, "%s@%s.la.example", lower, sy__las[w->la].code);
    hr_buf_puts(&o.b, w->id);
    hr_buf_putc(&o.b, ',');
    sy__put_csv(&o.b, name, 0);
    hr_buf_putc(&o.b, ',');
    hr_buf_puts(&o.b, email);
    hr_buf_printf(&o.b, ",0300 %03u %04u,T%s%u,%s\r\n", k % 1000, (k * 37) % 10000, sy__las[w->la].num,
                  (unsigned)w->team, sy__las[w->la].code);
    cx->st.key_workers++;
  }
  return sy__out_close(cx, &o);
}

static int write_assignments(sy_ctx *cx) {
  sy_out o;
  if (sy__out_open(cx, &o, "register/assignments.csv")) return sy__out_close(cx, &o);
  /* Header names are matched in any case (READING R37). */
  hr_buf_puts(&o.b, "Child_Person_ID,Key_Worker_ID,Start_Date,End_Date\r\n");
  for (size_t i = 0; i < cx->n_as; i++) {
    const sy_assign *a = &cx->as[i];
    uint64_t h = sy__hash3(cx->seed, 0x617373, i, 0) % 1000;
    if (h == 7 && !cx->clean) {
      /* A bad row for the same child: an impossible end date dead-letters it (READING R27). */
      put_pid(&o.b, a->child);
      hr_buf_printf(&o.b, ",%s,2025-01-01,2026-09-31\r\n", cx->kw[(a->kw + 1) % cx->n_kw].id);
      cx->st.assignments++;
      cx->st.bad_records++;
    }
    put_pid(&o.b, a->child);
    hr_buf_putc(&o.b, ',');
    if (h >= 990) /* a key worker who has left and is not in key_workers.csv: still routed to */
      hr_buf_printf(&o.b, "KWR%s%02u", sy__las[cx->kw[a->kw].la].num, (unsigned)(h - 990));
    else
      hr_buf_puts(&o.b, cx->kw[a->kw].id);
    hr_buf_putc(&o.b, ',');
    sy__put_date(&o.b, a->start);
    hr_buf_putc(&o.b, ',');
    sy__put_date(&o.b, a->end);
    hr_buf_puts(&o.b, "\r\n");
    cx->st.assignments++;
    sy__out_maybe_flush(cx, &o);
  }
  return sy__out_close(cx, &o);
}

int sy__write_register(sy_ctx *cx) {
  if (write_persons(cx) || write_relationships(cx) || write_key_workers(cx) || write_assignments(cx)) return cx->err;
  return 0;
}

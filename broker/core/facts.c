/* facts: what the engine remembers about people over time: evidence records, NRPF status
 * timelines, hospital spells, and attendance marks by school day and session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

facts *hr__facts_at(hr_engine *e, uint32_t idx) {
  return &VEC_AT(e->facts, facts, idx);
}

facts *hr__facts_of(hr_engine *e, uint32_t p, int create) {
  person *ps = &e->persons[p];
  if (ps->facts == NONE) {
    if (!create) return NULL;
    if (!hr__vec_push(&e->facts, sizeof(facts))) return NULL;
    ps->facts = e->facts.n - 1;
  }
  return hr__facts_at(e, ps->facts);
}

uint32_t hr__add_evidence(hr_engine *e, int feed, int64_t t, const char *record, const char *detail) {
  evidence *ev = hr__vec_push(&e->evs, sizeof *ev);
  if (!ev) return NONE;
  ev->feed = (uint8_t)feed;
  ev->t = t;
  ev->record = hr__intern_cstr(e, record ? record : "");
  if (e->link_note[0]) { /* linked probabilistically: the evidence says so, with the weights */
    char d[96 + sizeof e->link_note];
    snprintf(d, sizeof d, "%s%s", detail ? detail : "", e->link_note);
    ev->detail = hr__intern_cstr(e, d);
  } else {
    ev->detail = hr__intern_cstr(e, detail ? detail : "");
  }
  return e->evs.n - 1;
}

/* REFERENCE 5: "a person's status at a time is that of their latest record effective at or
 * before it" (ties: the record processed later). */
int hr__nrpf_status_at(const facts *f, int64_t t, uint32_t *ev) {
  const nrpf_entry *best = NULL;
  for (uint32_t i = 0; i < f->nrpf.n; i++) {
    const nrpf_entry *n = &VEC_AT(f->nrpf, nrpf_entry, i);
    if (n->eff > t) continue;
    if (!best || n->eff > best->eff || (n->eff == best->eff && n->seq > best->seq)) best = n;
  }
  if (!best) return 0;
  if (ev) *ev = best->ev;
  return best->status;
}

uint32_t hr__nrpf_begins(const facts *f, int64_t lo, int64_t hi, int64_t *latest, uint32_t *ev) {
  /* Replays the timeline as it was processed: entry i began NRPF if the status at its effective
   * instant was not nrpf before it and is nrpf with it (as apply_nrpf decides at the time). */
  uint32_t n = 0;
  for (uint32_t i = 0; i < f->nrpf.n; i++) {
    const nrpf_entry *x = &VEC_AT(f->nrpf, nrpf_entry, i);
    if (x->status != HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF || x->eff < lo || x->eff > hi) continue;
    facts prefix = *f;
    prefix.nrpf.n = i;
    if (hr__nrpf_status_at(&prefix, x->eff, NULL) == HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF) continue;
    prefix.nrpf.n = i + 1;
    if (hr__nrpf_status_at(&prefix, x->eff, NULL) != HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF) continue;
    if (!n || x->eff >= *latest) *latest = x->eff, *ev = x->ev;
    n++;
  }
  return n;
}

int hr__spell_counts(const hr_engine *e, uint32_t sp) {
  return VEC_AT(e->spells, spell, sp).state != SPELL_CANCELLED;
}

/* ---- attendance ------------------------------------------------------------------------- */

/* The DfE codes (REFERENCE section 4), each with the category that decides how it counts.
 * A stored code is its index here + 1. */
static const struct mark_code {
  const char *code;
  int category; /* Hearth__V1__MarkCategory */
} mark_codes[] = {
    {"/", 1},  {"\\", 1}, {"L", 1},  {"K", 2},  {"V", 2}, {"P", 2},  {"W", 2}, {"B", 2},  {"J", 2},  {"C", 3},
    {"C1", 3}, {"C2", 3}, {"E", 3},  {"I", 3},  {"M", 3}, {"J1", 3}, {"S", 3}, {"T", 3},  {"R", 3},  {"H", 3},
    {"G", 4},  {"N", 4},  {"O", 4},  {"U", 4},  {"D", 5}, {"X", 5},  {"Q", 5}, {"Y1", 5}, {"Y2", 5}, {"Y3", 5},
    {"Y4", 5}, {"Y5", 5}, {"Y6", 5}, {"Y7", 5}, {"Z", 5}, {"#", 5},  {"Y", 5},
};
#define NCODES (sizeof mark_codes / sizeof mark_codes[0])

uint8_t hr__mark_code_index(const char *code, int *category) {
  for (size_t i = 0; i < NCODES; i++)
    if (mark_codes[i].code[0] == code[0] && strcmp(mark_codes[i].code, code) == 0) { /* once per mark */
      if (category) *category = mark_codes[i].category;
      return (uint8_t)(i + 1);
    }
  return 0;
}

/* 0 = no mark, 1 = possible and attended, 2 = possible and absent, 3 = not possible. */
static uint8_t code_class(uint8_t code) {
  if (!code || code > NCODES) return 0;
  int c = mark_codes[code - 1].category;
  return c <= 2 ? 1 : c <= 4 ? 2 : 3;
}

static attendance *attendance_of(hr_engine *e, uint32_t child) {
  person *ps = &e->persons[child];
  if (ps->att == NONE) {
    if (!hr__vec_push(&e->att, sizeof(attendance))) return NULL;
    ps->att = e->att.n - 1;
  }
  return &VEC_AT(e->att, attendance, ps->att);
}

static uint8_t *week_counts(attendance *a) {
  return a->sessions + (size_t)a->ndays * 2;
}

/* Makes room for day in a's arrays: codes per session, then counts per ISO week (possible,
 * absent) kept up to date as marks arrive, so that a window is a sum of a few weeks. */
static int cover_day(attendance *a, int32_t day) {
  if (a->sessions && day >= a->base && (uint32_t)(day - a->base) < a->ndays) return 0;
  int32_t monday = 7 * hr_week_of(day) - 3;
  int32_t lo = a->sessions && a->base < monday ? a->base : monday;
  int32_t hi_excl = a->sessions ? a->base + (int32_t)a->ndays : 0;
  if (!a->sessions || day >= hi_excl) hi_excl = monday + 7;
  /* Grow in 8-week steps forward (marks mostly arrive in date order), exactly backward. */
  uint32_t want = (uint32_t)(hi_excl - lo);
  uint32_t ndays = day >= (a->sessions ? a->base : day) ? ((want + 55) / 56) * 56 : want;
  if (ndays > 20020) return -1; /* more than ~55 years of marks for one child: refuse */
  uint8_t *s = calloc((size_t)ndays * 2 + (size_t)ndays / 7 * 2, 1);
  if (!s) return -1;
  if (a->sessions) {
    uint32_t shift = (uint32_t)(a->base - lo);
    memcpy(s + (size_t)shift * 2, a->sessions, (size_t)a->ndays * 2);
    memcpy(s + (size_t)ndays * 2 + (size_t)shift / 7 * 2, week_counts(a), (size_t)a->ndays / 7 * 2);
  }
  free(a->sessions);
  a->sessions = s;
  a->base = lo;
  a->ndays = ndays;
  return 0;
}

static void count_code(attendance *a, int32_t day, uint8_t code, int delta) {
  uint8_t c = code_class(code);
  if (c != 1 && c != 2) return;
  uint8_t *w = week_counts(a) + (size_t)((day - a->base) / 7) * 2;
  w[0] = (uint8_t)(w[0] + delta);
  if (c == 2) w[1] = (uint8_t)(w[1] + delta);
}

int hr__attendance_record(hr_engine *e, uint32_t child, int32_t day, int session, uint8_t code) {
  attendance *a = attendance_of(e, child);
  if (!a || cover_day(a, day)) return -1;
  hr__dirty_person(e, child);
  uint8_t *slot = &a->sessions[(size_t)(day - a->base) * 2 + (size_t)session];
  if (*slot == code) return 0;
  for (uint32_t i = 0; i < a->replaced.n; i++) {
    const replaced_mark *r = &VEC_AT(a->replaced, replaced_mark, i);
    if (r->day == day && r->session == session && r->code == code) return 0;
  }
  if (*slot) {
    /* The session had another code: remember it was seen, then the new mark replaces it. */
    replaced_mark *r = hr__vec_push(&a->replaced, sizeof *r);
    if (!r) return -1;
    r->day = day;
    r->session = (uint8_t)session;
    r->code = *slot;
    count_code(a, day, *slot, -1);
  }
  *slot = code;
  count_code(a, day, code, +1);
  return 1;
}

void hr__attendance_window_days(const hr_engine *e, uint32_t child, int32_t day, int32_t ndays, uint32_t *possible,
                                uint32_t *absent) {
  *possible = *absent = 0;
  const person *ps = &e->persons[child];
  if (ps->att == NONE || ndays < 1) return;
  const attendance *a = &VEC_AT(e->att, attendance, ps->att);
  int32_t first = day - ndays + 1 < a->base ? a->base : day - ndays + 1;
  int32_t last = day < a->base + (int32_t)a->ndays - 1 ? day : a->base + (int32_t)a->ndays - 1;
  for (int32_t d = first; d <= last; d++)
    for (int s = 0; s < 2; s++) {
      uint8_t c = code_class(a->sessions[(size_t)(d - a->base) * 2 + (size_t)s]);
      *possible += c == 1 || c == 2;
      *absent += c == 2;
    }
}

void hr__attendance_window(const hr_engine *e, uint32_t child, int32_t day, int32_t weeks, uint32_t *possible,
                           uint32_t *absent) {
  *possible = *absent = 0;
  const person *ps = &e->persons[child];
  if (ps->att == NONE || weeks < 1) return;
  const attendance *a = &VEC_AT(e->att, attendance, ps->att);
  /* The mark's own ISO week and the weeks - 1 before it. */
  int32_t last = (7 * hr_week_of(day) - 3 - a->base) / 7;
  int32_t first = last - weeks + 1, nweeks = (int32_t)a->ndays / 7;
  if (first < 0) first = 0;
  if (last >= nweeks) last = nweeks - 1;
  const uint8_t *w = a->sessions + (size_t)a->ndays * 2;
  for (int32_t i = first; i <= last; i++) {
    *possible += w[2 * i];
    *absent += w[2 * i + 1];
  }
}

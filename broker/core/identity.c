/* identity: which register person an agency record is about (REFERENCE section 6, "Identity";
 * broker/READING.md R4-R8). Each step finds candidates; exactly one is a match, none passes to
 * the next step, two or more leave the record unmatched. */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"
#include "link.h"

typedef struct step_result {
  uint32_t person;
  uint32_t count;
} step_result;

static int32_t event_dob(const Hearth__V1__Subject *s) {
  int32_t d;
  if (!s || !s->date_of_birth || !*s->date_of_birth) return HR_DATE_NONE;
  return hr_parse_date(s->date_of_birth, strlen(s->date_of_birth), &d) == 0 ? d : HR_DATE_NONE;
}

/* Walks an index chain keeping candidates that pass the date-of-birth test.
 * strict: the person's date of birth must equal dob (NHS step: "the date of birth agrees").
 * Otherwise a known dob that differs excludes the candidate (UPN step). */
static step_result walk(const hr_engine *e, int which, const char *key, size_t len, int32_t dob, int strict) {
  step_result r = {NONE, 0};
  for (uint32_t p = len ? hr__chain_head(e, which, key, len) : NONE; p != NONE;) {
    const person *ps = &e->persons[p];
    int ok = strict ? (dob != HR_DATE_NONE && ps->dob == dob)
                    : (dob == HR_DATE_NONE || ps->dob == HR_DATE_NONE || ps->dob == dob);
    if (ok) {
      r.count++;
      r.person = p;
    }
    p = which == 0 ? ps->next_nhs : which == 1 ? ps->next_upn : which == 2 ? ps->next_demo : ps->next_pupil;
  }
  return r;
}

/* The step 3 key in e->scratch; empty when any part is missing. */
static void key3(hr_engine *e, const char *a, const char *b, const char *c) {
  hr_buf_reset(&e->scratch);
  if (!a || !b || !c || !*a || !*b || !*c) return;
  hr_buf_puts(&e->scratch, a);
  hr_buf_putc(&e->scratch, '|');
  hr_buf_puts(&e->scratch, b);
  hr_buf_putc(&e->scratch, '|');
  hr_buf_puts(&e->scratch, c);
}

/* Agency identifier of the record for the optional linking tier (READING R8). */
static int agency_key(const Hearth__V1__AgencyEvent *ev, hr_buf *b) {
  hr_buf_reset(b);
  if (ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY && ev->custody->noms_number)
    hr_buf_printf(b, "noms|%s", ev->custody->noms_number);
  else if (ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT && ev->inpatient->visit_number &&
           *ev->inpatient->visit_number)
    hr_buf_printf(b, "spell|%s|%s", ev->inpatient->sending_facility, ev->inpatient->visit_number);
  else
    return 0;
  return !b->oom;
}

/* The comparisons of a score: "given exact +6.3, family jw92 +4.9, ..." into out. */
static void comparisons_text(const hr_link_params *lp, const hr_link_score *sc, char *out, size_t n) {
  int o = 0;
  out[0] = '\0';
  const char *sep = "";
  for (int f = 0; f < HR_LF_COUNT && o >= 0 && (size_t)o < n; f++) {
    uint8_t l = sc->lv.level[f];
    if (!lp->use[f] || l == HR_LINK_NULL) continue;
    o += snprintf(out + o, n - (size_t)o, "%s%s %s %+.1f", sep, hr_link_field_name((hr_link_field)f),
                  hr_link_level_name((hr_link_field)f, l), sc->w[f]);
    sep = ", ";
  }
}

/* "; identity: probabilistic link, weight +19.9 (given exact +6.3, ...)" into e->link_note, or
 * "; identity: review decision R0123456789ab, weight ..." when a reviewer accepted the pair.
 * The alert's structured IdentityLink is read back from this text (evaluate.c). */
static void link_note(hr_engine *e, const hr_link_params *lp, const hr_link_score *sc, const char *case_id) {
  char cmp[256];
  comparisons_text(lp, sc, cmp, sizeof cmp);
  if (case_id)
    snprintf(e->link_note, sizeof e->link_note, "; identity: review decision %s, weight %+.1f (%s)", case_id, sc->total,
             cmp);
  else
    snprintf(e->link_note, sizeof e->link_note, "; identity: probabilistic link, weight %+.1f (%s)", sc->total, cmp);
}

/* A review case for (record, candidate): why 1 between the review and the link weight, 2 too
 * close to another candidate. A school's marks for one pupil share a description, so they add
 * up in one case rather than opening hundreds. */
static void review(hr_engine *e, const Hearth__V1__AgencyEvent *ev, const hr_link_params *lp, const char *desc,
                   const hr_link_match *m, int why) {
  char cmp[256];
  comparisons_text(lp, &m->score, cmp, sizeof cmp);
  hr__review_note(e, ev, desc, m->id, why, m->score.total, cmp); /* no memory: the case waits */
}

/* Does a valid NHS number on the record belong to someone else than person? The reference
 * tiers trust NHS numbers, so a probabilistic link must not contradict one. */
static int nhs_contradicts(const hr_engine *e, const Hearth__V1__Subject *s, uint32_t p) {
  return s->nhs_number && *s->nhs_number && e->persons[p].nhs != NONE &&
         strcmp(hr_map_key(&e->nhs_index, e->persons[p].nhs), s->nhs_number) != 0;
}

uint32_t hr__resolve(hr_engine *e, const Hearth__V1__AgencyEvent *ev, int *tier) {
  const Hearth__V1__Subject *s = ev->subject;
  *tier = 0;
  e->link_note[0] = '\0';
  if (!s) return NONE;
  int32_t dob = event_dob(s);
  char dobs[11] = "";
  if (dob != HR_DATE_NONE) hr_format_date(dob, dobs);

  /* 1: a valid NHS number with the date of birth agreeing. */
  if (s->nhs_number && *s->nhs_number) {
    step_result r = walk(e, 0, s->nhs_number, strlen(s->nhs_number), dob, 1);
    if (r.count == 1) return *tier = 1, r.person;
    if (r.count > 1) return *tier = -1, NONE;
  }
  int is_att = ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  /* 2: a valid UPN (attendance). */
  if (is_att && s->upn && *s->upn) {
    step_result r = walk(e, 1, s->upn, strlen(s->upn), dob, 0);
    if (r.count == 1) return *tier = 2, r.person;
    if (r.count > 1) return *tier = -1, NONE;
  }
  /* 3: exact demographics. */
  if (is_att)
    key3(e, s->given_name_norm, s->family_name_norm, dobs);
  else
    key3(e, s->family_name_norm, dobs, s->postcode_norm);
  if (e->scratch.len) {
    step_result r = walk(e, is_att ? 3 : 2, e->scratch.data, e->scratch.len, dob, 0);
    if (r.count == 1) return *tier = 3, r.person;
    if (r.count > 1) return *tier = -1, NONE;
  }
  /* 4 (optional): an agency identifier linked to a person by an earlier record. */
  if (e->cfg.link_agency_ids && agency_key(ev, &e->scratch)) {
    uint32_t p = hr_map_get(&e->agency_links, e->scratch.data, e->scratch.len);
    if (p != HR_MAP_NONE) return *tier = 4, p;
  }
  /* 5 (optional, off by default): probabilistic (broker/link). A pair a reviewer accepted
   * links; candidates a reviewer rejected are passed over. Then the best person at the link
   * weight links unless the runner-up reaches it too and is within the margin (namesakes with one
   * birthday: ambiguous, both go to review); a best candidate between the review and the link
   * weight goes to review and the record stays unmatched. */
  if (e->linkix) {
    const hr_link_params *lp = e->cfg.link_params;
    hr_link_rec q;
    hr_link_rec_from(&q, s->given_name, s->family_name, s->date_of_birth, s->postcode, s->sex);
    char desc[HR_REVIEW_DESC_MAX];
    hr__link_description(&q, desc);
    uint32_t acc = hr__link_accepted(e, desc);
    hr_link_match best[4];
    if (acc != NONE && !nhs_contradicts(e, s, acc) &&
        hr_link_index_score(e->linkix, lp, &q, acc, &best[0].score) == 0) {
      char id[HR_REVIEW_ID_MAX];
      hr_review_case_id(desc, hr__pid(e, acc), id);
      link_note(e, lp, &best[0].score, id);
      e->stats.link_by_decision++;
      return *tier = 5, acc;
    }
    /* With rejections about, look further down: a rejected best leaves the next ones. */
    uint32_t n = hr_link_index_lookup(e->linkix, lp, &q, best, e->link_decisions.n ? 4 : 2, NULL), kept = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (e->link_decisions.n && hr__link_decision_of(e, desc, best[i].id) == 2) {
        e->stats.link_rejected++;
        continue;
      }
      best[kept++] = best[i];
    }
    n = kept > 2 ? 2 : kept;
    if (n >= 1 && nhs_contradicts(e, s, best[0].id)) {
      e->stats.link_review++;
      return NONE;
    }
    if (n >= 1 && best[0].score.total >= lp->link_weight) {
      if (n == 2 && hr_link_tied(lp, best[0].score.total, best[1].score.total)) {
        e->stats.link_ambiguous++;
        review(e, ev, lp, desc, &best[0], 2);
        review(e, ev, lp, desc, &best[1], 2);
        return *tier = -1, NONE;
      }
      link_note(e, lp, &best[0].score, NULL);
      return *tier = 5, best[0].id;
    }
    if (n >= 1) {
      e->stats.link_review++;
      review(e, ev, lp, desc, &best[0], 1);
    }
  }
  return NONE;
}

/* Remembers the agency identifier of a record resolved by steps 1-3. */
void hr__link_agency_id(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t who);
void hr__link_agency_id(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t who) {
  if (!e->cfg.link_agency_ids || who == NONE || !agency_key(ev, &e->scratch)) return;
  uint32_t *v = hr_map_upsert(&e->agency_links, e->scratch.data, e->scratch.len, who, NULL);
  if (!v) return;
  *v = who;
  hr__dirty_index(&e->dirty_links, hr_map_entry_of(&e->agency_links, v));
}

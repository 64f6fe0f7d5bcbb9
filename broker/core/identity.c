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

/* "; identity: probabilistic link, weight +19.9 (given exact +6.3, ...)" into e->link_note. */
static void link_note(hr_engine *e, const hr_link_params *lp, const hr_link_score *sc) {
  size_t n = sizeof e->link_note;
  int o = snprintf(e->link_note, n, "; identity: probabilistic link, weight %+.1f (", sc->total);
  const char *sep = "";
  for (int f = 0; f < HR_LF_COUNT && o > 0 && (size_t)o < n; f++) {
    uint8_t l = sc->lv.level[f];
    if (!lp->use[f] || l == HR_LINK_NULL) continue;
    o += snprintf(e->link_note + o, n - (size_t)o, "%s%s %s %+.1f", sep, hr_link_field_name((hr_link_field)f),
                  hr_link_level_name((hr_link_field)f, l), sc->w[f]);
    sep = ", ";
  }
  if (o > 0 && (size_t)o < n) snprintf(e->link_note + o, n - (size_t)o, ")");
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
  /* 5 (optional, off by default): probabilistic (broker/link). Links the best person at the
   * link weight unless the runner-up reaches it too and is within the margin (namesakes with one
   * birthday: ambiguous); a best candidate between the review and the link weight is counted
   * for review and left unmatched. */
  if (e->linkix) {
    const hr_link_params *lp = e->cfg.link_params;
    hr_link_rec q;
    hr_link_rec_from(&q, s->given_name, s->family_name, s->date_of_birth, s->postcode, s->sex);
    hr_link_match best[2];
    uint32_t n = hr_link_index_lookup(e->linkix, lp, &q, best, 2, NULL);
    /* A valid NHS number on the record that is another person's rules that person out: the
     * reference tiers trust it, so a probabilistic link must not contradict it. */
    if (n >= 1 && s->nhs_number && *s->nhs_number && e->persons[best[0].id].nhs != NONE &&
        strcmp(hr_map_key(&e->nhs_index, e->persons[best[0].id].nhs), s->nhs_number) != 0) {
      e->stats.link_review++;
      return NONE;
    }
    if (n >= 1 && best[0].score.total >= lp->link_weight) {
      if (n == 2 && hr_link_tied(lp, best[0].score.total, best[1].score.total)) {
        e->stats.link_ambiguous++;
        return *tier = -1, NONE;
      }
      link_note(e, lp, &best[0].score);
      return *tier = 5, best[0].id;
    }
    if (n >= 1) e->stats.link_review++;
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

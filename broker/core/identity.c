/* identity: which register person an agency record is about (REFERENCE section 6, "Identity";
 * broker/READING.md R4-R8). Each step finds candidates; exactly one is a match, none passes to
 * the next step, two or more leave the record unmatched. */
#include <string.h>

#include "engine_int.h"

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

uint32_t hr__resolve(hr_engine *e, const Hearth__V1__AgencyEvent *ev, int *tier) {
  const Hearth__V1__Subject *s = ev->subject;
  *tier = 0;
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

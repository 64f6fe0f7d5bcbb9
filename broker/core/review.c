/* review: the probabilistic tier's questions to people, and their answers.
 *
 * A review case is a record the tier could not decide on, paired with one register candidate:
 * the best candidate weighed between the review and the link weight, or two candidates were too
 * close to tell apart. A case is keyed by the record's description (its normalised given name,
 * family name, date of birth, postcode and sex) and the candidate, so every record described the
 * same way adds to the same case instead of opening a new one.
 *
 * A decision (register LinkDecision, written by `hearth review accept|reject`) is engine input
 * like any register record: from the moment it is applied, records described that way link to
 * the accepted person, or never to the rejected one. Decisions live in the register (the
 * compacted topic, the state store's register table, replay's link_decisions.csv), so a restart
 * or a replay applies them again; cases live in the engine's checkpoint. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "engine_int.h"
#include "hr_err.h"
#include "hr_sha256.h"
#include "link.h"

void hr__link_description(const hr_link_rec *q, char out[HR_REVIEW_DESC_MAX]) {
  char dob[16] = "";
  if (q->dob.y) snprintf(dob, sizeof dob, "%04u-%02u-%02u", q->dob.y % 10000u, q->dob.m % 100u, q->dob.d % 100u);
  snprintf(out, HR_REVIEW_DESC_MAX, "%s|%s|%s|%s|%s", q->given.full, q->family.full, dob, q->postcode.pc,
           q->sex ? (char[2]){q->sex, 0} : "");
}

void hr_review_case_id(const char *description, const char *person_id, char out[HR_REVIEW_ID_MAX]) {
  /* A hash of what the case is about: the same pair gets the same id in every run and on every
   * machine, so a decision names its case without a registry of ids. */
  hr_sha256 c;
  unsigned char d[32];
  hr_sha256_init(&c);
  hr_sha256_update(&c, "hearth-review-v1\n", 17);
  hr_sha256_update(&c, description, strlen(description));
  hr_sha256_update(&c, "\n", 1);
  hr_sha256_update(&c, person_id, strlen(person_id));
  hr_sha256_final(&c, d);
  static const char hex[] = "0123456789abcdef";
  out[0] = 'R';
  for (int i = 0; i < 6; i++) {
    out[1 + 2 * i] = hex[d[i] >> 4];
    out[2 + 2 * i] = hex[d[i] & 15];
  }
  out[13] = '\0';
}

/* "DESCRIPTION\x1fPERSON_ID": the key of a decision. */
static size_t decision_key(char *k, size_t cap, const char *desc, const char *pid) {
  int n = snprintf(k, cap, "%s\x1f%s", desc, pid);
  return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int hr__apply_link_decision(hr_engine *e, const Hearth__V1__LinkDecision *d, int deleted) {
  if (!d->description || !*d->description || !d->person_id || !*d->person_id) return HR_EINVAL;
  if (!deleted && d->decision != HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT &&
      d->decision != HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_REJECT)
    return HR_EINVAL;
  char k[HR_REVIEW_DESC_MAX + 80];
  size_t kl = decision_key(k, sizeof k, d->description, d->person_id);
  int inserted;
  uint32_t *v = hr_map_upsert(&e->link_decisions, k, kl, 0, &inserted);
  if (!v) return HR_ENOMEM;
  uint8_t was = (uint8_t)*v;
  *v = deleted ? 0 : d->decision == HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT ? 1 : 2;
  if (inserted || was != *v) e->stats.link_decisions++;
  /* The accepted person of a description: the latest accept wins; a later reject or withdrawal
   * of that same pair leaves the description with none. */
  const char *desc = d->description;
  uint32_t *acc = hr_map_upsert(&e->link_accepts, desc, strlen(desc), NONE, NULL);
  if (!acc) return HR_ENOMEM;
  if (*v == 1) {
    uint32_t pid = hr__intern_cstr(e, d->person_id);
    if (pid == NONE) return HR_ENOMEM;
    *acc = pid;
  } else if (*acc != NONE && strcmp(hr__str(e, *acc), d->person_id) == 0) {
    *acc = NONE;
  }
  return 0;
}

int hr__link_decision_of(const hr_engine *e, const char *desc, uint32_t who) {
  if (!e->link_decisions.n) return 0;
  char k[HR_REVIEW_DESC_MAX + 80];
  size_t kl = decision_key(k, sizeof k, desc, hr__pid(e, who));
  uint32_t v = hr_map_get(&e->link_decisions, k, kl);
  return v == HR_MAP_NONE ? 0 : (int)v;
}

uint32_t hr__link_accepted(const hr_engine *e, const char *desc) {
  if (!e->link_accepts.n) return NONE;
  uint32_t pid = hr_map_get(&e->link_accepts, desc, strlen(desc));
  if (pid == HR_MAP_NONE || pid == NONE) return NONE;
  const char *s = hr__str(e, pid);
  uint32_t p = hr_map_get(&e->person_ids, s, strlen(s));
  return p == HR_MAP_NONE ? NONE : p;
}

/* The source record id of the event being resolved, as evidence names it. */
static const char *record_id_of(const Hearth__V1__AgencyEvent *ev) {
  const char *s = NULL;
  switch (ev->payload_case) {
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY: s = ev->custody->noms_number; break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT: s = ev->inpatient->control_id; break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF: s = ev->nrpf->record_id; break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE: s = ev->subject->upn; break; /* as evidence names it */
  default: break;
  }
  return s ? s : "";
}

int hr__review_note(hr_engine *e, const Hearth__V1__AgencyEvent *ev, const char *desc, uint32_t who, int why,
                    double weight, const char *comparisons) {
  char id[HR_REVIEW_ID_MAX];
  hr_review_case_id(desc, hr__pid(e, who), id);
  int inserted;
  uint32_t *slot = hr_map_upsert(&e->review_index, id, strlen(id), e->review_cases.n, &inserted);
  if (!slot) return HR_ENOMEM;
  if (inserted) {
    review_case *c = hr__vec_push(&e->review_cases, sizeof *c);
    if (!c) return HR_ENOMEM;
    memset(c, 0, sizeof *c);
    c->id = hr__intern_cstr(e, id);
    c->desc = hr__intern_cstr(e, desc);
    c->person = hr__intern_cstr(e, hr__pid(e, who));
    c->first_t = e->t;
    if (c->id == NONE || c->desc == NONE || c->person == NONE) return HR_ENOMEM;
    e->stats.review_cases++;
  }
  uint32_t idx = hr_map_get(&e->review_index, id, strlen(id));
  review_case *c = &VEC_AT(e->review_cases, review_case, idx);
  if (!c->dirty) {
    c->dirty = 1;
    hr__dirty_index(&e->dirty_cases, idx);
  }
  c->records++;
  if (e->t < c->first_t) c->first_t = e->t;
  if (e->t >= c->last_t || c->records == 1) {
    /* What the case shows is its latest record's (ties in time: the one processed later). */
    c->last_t = e->t;
    c->feed = (uint8_t)ev->feed;
    c->why = (uint8_t)why;
    c->weight_c = (int32_t)lround(weight * 100);
    c->record = hr__intern_cstr(e, record_id_of(ev));
    c->comparisons = hr__intern_cstr(e, comparisons);
    if (c->record == NONE || c->comparisons == NONE) return HR_ENOMEM;
  }
  return 0;
}

/* ---- Identity notes back into structure ----------------------------------------------------- */

#define NOTE_MARK "; identity: "

int hr__link_evidence(const char *detail, link_evidence *out) {
  const char *note = strstr(detail, NOTE_MARK);
  if (!note) return 0;
  static const Hearth__V1__IdentityLink link0 = HEARTH__V1__IDENTITY_LINK__INIT;
  static const Hearth__V1__LinkComparison cmp0 = HEARTH__V1__LINK_COMPARISON__INIT;
  snprintf(out->detail, sizeof out->detail, "%.*s", (int)(note - detail), detail);
  snprintf(out->words, sizeof out->words, "%s", note + strlen(NOTE_MARK));
  out->link = link0;
  char *p = out->words;
  if (strncmp(p, "probabilistic link, weight ", 27) == 0) {
    out->link.method = (char *)"probabilistic";
    p += 27;
  } else if (strncmp(p, "review decision ", 16) == 0) {
    out->link.method = (char *)"review_decision";
    p += 16;
    out->link.review_case = p;
    p = strchr(p, ',');
    if (!p || strncmp(p, ", weight ", 9) != 0) return 0;
    *p = '\0';
    p += 9;
  } else {
    return 0;
  }
  char *end;
  out->link.weight = strtod(p, &end);
  if (end == p || strncmp(end, " (", 2) != 0) return 0;
  p = end + 2;
  char *close = strrchr(p, ')');
  if (!close) return 0;
  *close = '\0';
  /* "field level +w, field level +w, ..." */
  size_t n = 0;
  while (*p && n < HR_LINK_EV_MAX_CMP) {
    char *field = p, *sp1 = strchr(field, ' ');
    if (!sp1) return 0;
    *sp1 = '\0';
    char *level = sp1 + 1, *sp2 = strchr(level, ' ');
    if (!sp2) return 0;
    *sp2 = '\0';
    double w = strtod(sp2 + 1, &end);
    if (end == sp2 + 1) return 0;
    out->cmp[n] = cmp0;
    out->cmp[n].field = field;
    out->cmp[n].level = level;
    out->cmp[n].weight = w;
    out->cmpp[n] = &out->cmp[n];
    n++;
    if (strncmp(end, ", ", 2) == 0)
      p = end + 2;
    else if (!*end)
      p = end;
    else
      return 0;
  }
  out->link.n_comparisons = n;
  out->link.comparisons = out->cmpp;
  return 1;
}

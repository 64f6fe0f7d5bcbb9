/* engine: lifecycle and hr_engine_apply, which turns one agency event into state changes and
 * the triggers the rules run on (REFERENCE sections 2-6). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "hr_err.h"
#include "link.h"

void hr__link_agency_id(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t person);

static const char default_mh_services[] = "710 711 712 713 715 720 721 722 723 724 725 726 727 730";

static int load_code_set(hr_map *m, const char *list) {
  const char *c = list;
  while (*c) {
    while (*c == ' ' || *c == ',' || *c == '\t')
      c++;
    const char *s = c;
    while (*c && *c != ' ' && *c != ',' && *c != '\t')
      c++;
    if (c > s && !hr_map_upsert(m, s, (size_t)(c - s), 1, NULL)) return -1;
  }
  return 0;
}

hr_engine *hr_engine_new(const hr_engine_config *cfg, const hr_rulepack *pack, char *err, size_t errsz) {
  hr_engine *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  if (cfg) e->cfg = *cfg;
  e->default_la = NONE;
  e->last_la = NONE;
  if (e->cfg.default_la && *e->cfg.default_la) e->default_la = hr__intern_cstr(e, e->cfg.default_la);
  if (load_code_set(&e->mh_services, e->cfg.mh_services ? e->cfg.mh_services : default_mh_services) ||
      load_code_set(&e->mh_providers, e->cfg.mh_providers ? e->cfg.mh_providers : "")) {
    snprintf(err, errsz, "out of memory");
    hr_engine_free(e);
    return NULL;
  }
  /* Tier 5 indexes the register as it is loaded (register.c), so it exists before any record. */
  if (e->cfg.link_params && !(e->linkix = hr_link_index_new())) {
    snprintf(err, errsz, "out of memory");
    hr_engine_free(e);
    return NULL;
  }
  /* The copied config must not point at the caller's strings. */
  e->cfg.default_la = NULL;
  e->cfg.mh_services = NULL;
  e->cfg.mh_providers = NULL;
  hr_engine_set_rules(e, pack);
  return e;
}

void hr_engine_set_rules(hr_engine *e, const hr_rulepack *pack) {
  e->pack = pack;
  free(e->alerts_by_rule);
  e->alerts_by_rule_n = pack ? hr_rulepack_count(pack) : 0;
  e->alerts_by_rule = e->alerts_by_rule_n ? calloc(e->alerts_by_rule_n, sizeof(uint64_t)) : NULL;
  if (!e->alerts_by_rule) e->alerts_by_rule_n = 0;
}

int hr_engine_also_run(hr_engine *e, const hr_rulepack *pack, hr_alert_fn fn, void *ud) {
  rule_set *grown = realloc(e->also, (e->nalso + 1) * sizeof *grown);
  if (!grown) return HR_ENOMEM;
  e->also = grown;
  rule_set *rs = &e->also[e->nalso];
  memset(rs, 0, sizeof *rs);
  rs->pack = pack, rs->fn = fn, rs->ud = ud;
  rs->alerts_by_rule_n = hr_rulepack_count(pack);
  if (rs->alerts_by_rule_n && !(rs->alerts_by_rule = calloc(rs->alerts_by_rule_n, sizeof(uint64_t)))) return HR_ENOMEM;
  e->nalso++;
  return 0;
}

void hr_engine_free(hr_engine *e) {
  if (!e) return;
  for (uint32_t i = 0; i < e->nalso; i++) {
    hr_map_free(&e->also[i].alert_keys);
    hr__vec_free(&e->also[i].last_alert);
    hr__vec_free(&e->also[i].dirty_alerts);
    free(e->also[i].alerts_by_rule);
  }
  free(e->also);
  hr_map *maps[] = {&e->strings,      &e->person_ids,     &e->nhs_index,    &e->upn_index,    &e->demo_index,
                    &e->pupil_index,  &e->key_workers,    &e->mh_services,  &e->mh_providers, &e->episodes,
                    &e->spell_keys,   &e->unmatched_nrpf, &e->agency_links, &e->seen_events,  &e->alert_keys,
                    &e->review_index, &e->link_decisions, &e->link_accepts};
  for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
    hr_map_free(maps[i]);
  hr_link_index_free(e->linkix);
  for (uint32_t i = 0; i < e->facts.n; i++) {
    facts *f = hr__facts_at(e, i);
    hr__vec_free(&f->custody);
    hr__vec_free(&f->mh);
    hr__vec_free(&f->nrpf);
  }
  for (uint32_t i = 0; i < e->att.n; i++) {
    attendance *a = &VEC_AT(e->att, attendance, i);
    free(a->sessions);
    hr__vec_free(&a->replaced);
  }
  vec *vecs[] = {&e->rels,          &e->assigns,         &e->facts,          &e->att,
                 &e->evs,           &e->episode_v,       &e->spells,         &e->last_alert,
                 &e->dirty_persons, &e->dirty_unmatched, &e->dirty_episodes, &e->dirty_spells,
                 &e->dirty_alerts,  &e->dirty_links,     &e->review_cases,   &e->dirty_cases};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
    hr__vec_free(vecs[i]);
  free(e->persons);
  free(e->alerts_by_rule);
  hr_buf_free(&e->scratch);
  free(e);
}

int hr_engine_register(hr_engine *e, const Hearth__V1__RegisterRecord *rec) {
  return hr__register_apply(e, rec);
}

/* Has this event been processed before? Records its identity when not. REFERENCE 6,
 * "Redelivery". -1 on no memory. */
static int seen_before(hr_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int seen_before(hr_engine *e, const char *fmt, ...) {
  char key[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(key, sizeof key, fmt, ap);
  va_end(ap);
  if (n < 0) return -1;
  if ((size_t)n >= sizeof key) n = sizeof key - 1; /* identities are bounded by field limits */
  int inserted;
  if (!hr_map_upsert(&e->seen_events, key, (size_t)n, 1, &inserted)) return -1;
  return !inserted;
}

static const char *s_or(const char *s) {
  return s ? s : "";
}

/* The key an adult is known by in alert identities: register person_id, else the agency's. */
static uint32_t subject_key(hr_engine *e, uint32_t subject, const char *agency_key) {
  if (subject != NONE) return hr__intern_cstr(e, hr__pid(e, subject));
  return hr__intern_cstr(e, agency_key);
}

static int apply_custody(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t subject, hr_alert_fn fn, void *ud) {
  const Hearth__V1__CustodyEvent *c = ev->custody;
  if (!c->noms_number || !*c->noms_number) return HR_EINVAL;
  uint32_t *slot = hr_map_upsert(&e->episodes, c->noms_number, strlen(c->noms_number), e->episode_v.n, NULL);
  if (!slot) return HR_ENOMEM;
  if (*slot == e->episode_v.n && !hr__vec_push(&e->episode_v, sizeof(episode))) return HR_ENOMEM;
  uint32_t epi = *slot;
  episode *ep = &VEC_AT(e->episode_v, episode, epi);
  if (c->effect == HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS) {
    if (ep->open) hr__dirty_index(&e->dirty_episodes, epi);
    ep->open = 0;
    return 0;
  }
  if (c->effect != HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS || ep->open) return 0;
  /* A new reception while no episode is open: a custody episode starts. */
  hr__dirty_index(&e->dirty_episodes, epi);
  ep->open = 1;
  ep->start = e->t;
  char detail[96];
  snprintf(detail, sizeof detail, "received %s", s_or(c->reason));
  uint32_t evi = hr__add_evidence(e, HEARTH__V1__FEED__FEED_CUSTODY, e->t, c->noms_number, detail);
  if (evi == NONE) return HR_ENOMEM;
  if (subject != NONE) {
    facts *f = hr__facts_of(e, subject, 1);
    custody_start *cs = f ? hr__vec_push(&f->custody, sizeof *cs) : NULL;
    if (!cs) return HR_ENOMEM;
    cs->t = e->t;
    cs->ev = evi;
    hr__dirty_person(e, subject);
  }
  char key[160];
  snprintf(key, sizeof key, "custody|%s", c->noms_number);
  uint32_t sk = subject_key(e, subject, key);
  snprintf(key, sizeof key, "custody|%s|%lld", c->noms_number, (long long)e->t);
  uint32_t epk = hr__intern_cstr(e, key);
  e->trig_record = hr__str(e, VEC_AT(e->evs, evidence, evi).record);
  snprintf(e->trig_detail, sizeof e->trig_detail, "%s%s", detail, e->link_note);
  return hr__run_rules(e, HR_TRIGGER_CUSTODY_START, subject, sk, epk, fn, ud) ? HR_ENOMEM : 0;
}

static int is_mh(const hr_engine *e, const char *facility, const char *service) {
  if (facility && *facility && hr_map_get(&e->mh_providers, facility, strlen(facility)) != HR_MAP_NONE) return 1;
  return service && *service && hr_map_get(&e->mh_services, service, strlen(service)) != HR_MAP_NONE;
}

static int mh_spell_starts(hr_engine *e, uint32_t sp, uint32_t subject, const Hearth__V1__InpatientEvent *in,
                           hr_alert_fn fn, void *ud) {
  char detail[96];
  snprintf(detail, sizeof detail, "%s MH service %s", s_or(in->trigger_code), s_or(in->hospital_service));
  uint32_t evi = hr__add_evidence(e, HEARTH__V1__FEED__FEED_INPATIENT, e->t, in->control_id, detail);
  if (evi == NONE) return HR_ENOMEM;
  if (subject == NONE) return 0; /* nobody in the register: no carer, no child to reach */
  facts *f = hr__facts_of(e, subject, 1);
  mh_start *ms = f ? hr__vec_push(&f->mh, sizeof *ms) : NULL;
  if (!ms) return HR_ENOMEM;
  ms->t = e->t;
  ms->spell = sp;
  ms->ev = evi;
  hr__dirty_person(e, subject);
  const spell *s = &VEC_AT(e->spells, spell, sp);
  char key[600];
  snprintf(key, sizeof key, "spell|%s|%lld", hr__str(e, s->key), (long long)s->admitted);
  uint32_t epk = hr__intern_cstr(e, key);
  /* Intern before taking trig_record: interning may move the string table it points into. */
  uint32_t sk = hr__intern_cstr(e, hr__pid(e, subject));
  e->trig_record = hr__str(e, VEC_AT(e->evs, evidence, evi).record);
  snprintf(e->trig_detail, sizeof e->trig_detail, "%s%s", detail, e->link_note);
  return hr__run_rules(e, HR_TRIGGER_MH_SPELL_START, subject, sk, epk, fn, ud) ? HR_ENOMEM : 0;
}

static int apply_inpatient(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t subject, hr_alert_fn fn,
                           void *ud) {
  const Hearth__V1__InpatientEvent *in = ev->inpatient;
  if (!in->visit_number || !*in->visit_number) return 0; /* no spell identity: counted, nothing */
  char key[512];
  int n = snprintf(key, sizeof key, "%s|%s", s_or(in->sending_facility), in->visit_number);
  if (n < 0 || (size_t)n >= sizeof key) return 0;
  uint32_t cur = hr_map_get(&e->spell_keys, key, (size_t)n);
  spell *s = cur != HR_MAP_NONE ? &VEC_AT(e->spells, spell, cur) : NULL;
  switch (in->trigger) {
  case HEARTH__V1__ADT_TRIGGER__ADT_A01:
  case HEARTH__V1__ADT_TRIGGER__ADT_A06: {
    if (!in->patient_class || strcmp(in->patient_class, "I") != 0) return 0; /* only inpatient spells */
    if (s && s->state == SPELL_OPEN) return 0; /* a further admit of an open spell changes nothing */
    spell *ns = hr__vec_push(&e->spells, sizeof *ns);
    if (!ns) return HR_ENOMEM;
    uint32_t sp = e->spells.n - 1;
    uint32_t *slot = hr_map_upsert(&e->spell_keys, key, (size_t)n, sp, NULL);
    if (!slot) return HR_ENOMEM;
    *slot = sp;
    ns->state = SPELL_OPEN;
    ns->key = hr__intern(e, key, (size_t)n);
    ns->admitted = e->t;
    ns->is_mh = (uint8_t)is_mh(e, in->sending_facility, in->hospital_service);
    hr__dirty_index(&e->dirty_spells, sp);
    return ns->is_mh ? mh_spell_starts(e, sp, subject, in, fn, ud) : 0;
  }
  case HEARTH__V1__ADT_TRIGGER__ADT_A02:
  case HEARTH__V1__ADT_TRIGGER__ADT_A08: {
    if (!s || s->state != SPELL_OPEN || !in->hospital_service || !*in->hospital_service) return 0;
    int now_mh = is_mh(e, in->sending_facility, in->hospital_service);
    int was_mh = s->is_mh;
    s->is_mh = (uint8_t)now_mh;
    if (was_mh != now_mh) hr__dirty_index(&e->dirty_spells, cur);
    return !was_mh && now_mh ? mh_spell_starts(e, cur, subject, in, fn, ud) : 0;
  }
  case HEARTH__V1__ADT_TRIGGER__ADT_A03:
    if (s && s->state == SPELL_OPEN) s->state = SPELL_DISCHARGED, hr__dirty_index(&e->dirty_spells, cur);
    return 0;
  case HEARTH__V1__ADT_TRIGGER__ADT_A13:
    if (s && s->state == SPELL_DISCHARGED) s->state = SPELL_OPEN, hr__dirty_index(&e->dirty_spells, cur);
    return 0;
  case HEARTH__V1__ADT_TRIGGER__ADT_A11:
    if (s && (s->state == SPELL_OPEN || s->state == SPELL_DISCHARGED))
      s->state = SPELL_CANCELLED, hr__dirty_index(&e->dirty_spells, cur);
    return 0;
  default: return 0; /* other ADT events: accepted, counted, change nothing */
  }
}

/* READING R18: unmatched NRPF subjects are tracked by NHS number, else by normalised given
 * name, family name and date of birth (any of which may be empty). */
static facts *unmatched_nrpf_facts(hr_engine *e, const Hearth__V1__AgencyEvent *ev, char *key, size_t keysz) {
  const Hearth__V1__Subject *s = ev->subject;
  if (s && s->nhs_number && *s->nhs_number)
    snprintf(key, keysz, "nrpf|nhs|%s", s->nhs_number);
  else
    snprintf(key, keysz, "nrpf|demo|%s|%s|%s", s ? s_or(s->given_name_norm) : "", s ? s_or(s->family_name_norm) : "",
             s ? s_or(s->date_of_birth) : "");
  int inserted;
  uint32_t *slot = hr_map_upsert(&e->unmatched_nrpf, key, strlen(key), e->facts.n, &inserted);
  if (!slot) return NULL;
  if (inserted && !hr__vec_push(&e->facts, sizeof(facts))) return NULL;
  facts *f = hr__facts_at(e, *slot);
  if (!f->dirty) {
    f->dirty = 1;
    hr__dirty_index(&e->dirty_unmatched, hr_map_entry_of(&e->unmatched_nrpf, slot));
  }
  return f;
}

static int apply_nrpf(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t subject, hr_alert_fn fn, void *ud) {
  const Hearth__V1__NrpfRecord *r = ev->nrpf;
  char key[700];
  facts *f = subject != NONE ? hr__facts_of(e, subject, 1) : unmatched_nrpf_facts(e, ev, key, sizeof key);
  if (!f) return HR_ENOMEM;
  int before = hr__nrpf_status_at(f, e->t, NULL);
  char detail[64];
  snprintf(detail, sizeof detail, "status %s",
           r->status == HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF ? "nrpf" : "recourse");
  uint32_t evi = hr__add_evidence(e, HEARTH__V1__FEED__FEED_NRPF, e->t, r->record_id, detail);
  nrpf_entry *ne = evi == NONE ? NULL : hr__vec_push(&f->nrpf, sizeof *ne);
  if (!ne) return HR_ENOMEM;
  ne->eff = e->t;
  ne->seq = ++e->nrpf_seq;
  ne->status = (uint8_t)r->status;
  ne->ev = evi;
  if (subject != NONE) hr__dirty_person(e, subject);
  int after = hr__nrpf_status_at(f, e->t, NULL);
  if (before == HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF || after != HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF)
    return 0;
  /* NRPF status begins. */
  uint32_t sk = subject_key(e, subject, key);
  snprintf(key, sizeof key, "nrpf|%s|%lld", hr__str(e, sk), (long long)e->t);
  uint32_t epk = hr__intern_cstr(e, key);
  e->trig_record = hr__str(e, VEC_AT(e->evs, evidence, evi).record);
  snprintf(e->trig_detail, sizeof e->trig_detail, "%s%s", detail, e->link_note);
  return hr__run_rules(e, HR_TRIGGER_NRPF_BEGINS, subject, sk, epk, fn, ud) ? HR_ENOMEM : 0;
}

static int apply_attendance(hr_engine *e, const Hearth__V1__AgencyEvent *ev, uint32_t child, hr_alert_fn fn, void *ud) {
  const Hearth__V1__AttendanceMark *m = ev->attendance;
  int32_t day;
  if (!m->date || hr_parse_date(m->date, strlen(m->date), &day)) return HR_EINVAL;
  uint8_t code = hr__mark_code_index(s_or(m->code), NULL);
  if (!code || (m->session != HEARTH__V1__SESSION__SESSION_AM && m->session != HEARTH__V1__SESSION__SESSION_PM))
    return HR_EINVAL;
  if (child == NONE) return 0;
  const person *p = &e->persons[child];
  if (p->dob == HR_DATE_NONE || !hr_is_child_on(p->dob, day)) {
    e->stats.marks_not_child++;
    return 0;
  }
  int fresh = hr__attendance_record(e, child, day, m->session == HEARTH__V1__SESSION__SESSION_PM, code);
  if (fresh < 0) return HR_ENOMEM;
  if (!fresh) {
    e->stats.duplicates++; /* same pupil, date, session and code: the same event */
    return 0;
  }
  const char *upn = ev->subject && ev->subject->upn && *ev->subject->upn ? ev->subject->upn
                    : p->upn != NONE                                     ? hr_map_key(&e->upn_index, p->upn)
                                                                         : "";
  e->trig_record = upn;
  /* "2026-09-14 AM N", built without printf: this runs for every mark. */
  size_t cl = strlen(m->code);
  if (cl > 8) cl = 8;
  memcpy(e->trig_detail, m->date, 10);
  memcpy(e->trig_detail + 10, m->session == HEARTH__V1__SESSION__SESSION_PM ? " PM " : " AM ", 4);
  memcpy(e->trig_detail + 14, m->code, cl);
  e->trig_detail[14 + cl] = '\0';
  if (e->link_note[0]) /* linked probabilistically: the evidence says so */
    snprintf(e->trig_detail + 14 + cl, sizeof e->trig_detail - 14 - cl, "%s", e->link_note);
  return hr__run_rules(e, HR_TRIGGER_ATTENDANCE_MARK, child, NONE, NONE, fn, ud) ? HR_ENOMEM : 0;
}

int hr_engine_apply(hr_engine *e, const Hearth__V1__AgencyEvent *ev, hr_alert_fn fn, void *ud) {
  e->ev = ev;
  e->t = ev->event_time_us;
  e->date = hr_uk_local_date(e->t);
  e->trig_feed = ev->feed;
  e->trig_record = "";
  e->trig_detail[0] = '\0';
  /* The rules may need the event's LA as an interned string (an alert's LA): intern it now,
   * because interning can move the string table that evidence pointers taken later point into. */
  if (ev->la_code && *ev->la_code && (e->last_la == NONE || strcmp(hr__str(e, e->last_la), ev->la_code) != 0)) {
    e->last_la = hr__intern_cstr(e, ev->la_code); /* events mostly repeat the last LA: no lookup */
    if (e->last_la == NONE) return HR_ENOMEM;
  }
  int dup;
  switch (ev->payload_case) {
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY:
    dup = seen_before(e, "C|%s|%lld|%s|%s", s_or(ev->custody->event_type), (long long)e->t,
                      s_or(ev->custody->noms_number), s_or(ev->custody->reason));
    break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT:
    dup = seen_before(e, "I|%s|%s", s_or(ev->inpatient->sending_facility), s_or(ev->inpatient->control_id));
    break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF: dup = seen_before(e, "N|%s", s_or(ev->nrpf->record_id)); break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE:
    dup = 0; /* per pupil, date, session and code: decided once the pupil is known */
    break;
  default: return HR_EINVAL;
  }
  if (dup < 0) return HR_ENOMEM;
  if (dup) {
    e->stats.duplicates++;
    return 0;
  }
  if (ev->feed >= 1 && ev->feed <= 4) e->stats.events[ev->feed]++;
  int tier;
  uint32_t subject = hr__resolve(e, ev, &tier);
  if (subject != NONE) {
    e->stats.matched++;
    e->stats.matched_by_tier[tier]++;
    if (tier >= 1 && tier <= 3) hr__link_agency_id(e, ev, subject);
    /* not tier 5: a probabilistic link is not evidence enough to tie an agency id to a person */
  } else if (tier < 0) {
    e->stats.unmatched++;
    e->stats.ambiguous++;
  } else {
    e->stats.unmatched++;
  }
  switch (ev->payload_case) {
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY: return apply_custody(e, ev, subject, fn, ud);
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT: return apply_inpatient(e, ev, subject, fn, ud);
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF: return apply_nrpf(e, ev, subject, fn, ud);
  default: return apply_attendance(e, ev, subject, fn, ud);
  }
}

void hr_engine_stats_get(const hr_engine *e, hr_engine_stats *out) {
  *out = e->stats;
}

uint64_t hr_engine_alerts_by_rule(const hr_engine *e, uint32_t rule) {
  return rule < e->alerts_by_rule_n ? e->alerts_by_rule[rule] : 0;
}

size_t hr_engine_memory(const hr_engine *e) {
  size_t b = sizeof *e + (size_t)e->persons_cap * sizeof(person);
  const hr_map *maps[] = {&e->strings,      &e->person_ids,  &e->nhs_index, &e->upn_index,  &e->demo_index,
                          &e->pupil_index,  &e->key_workers, &e->episodes,  &e->spell_keys, &e->unmatched_nrpf,
                          &e->agency_links, &e->seen_events, &e->alert_keys};
  for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
    b += hr_map_bytes(maps[i]);
  b += (size_t)e->rels.cap * sizeof(relationship) + (size_t)e->assigns.cap * sizeof(assignment);
  b += (size_t)e->facts.cap * sizeof(facts) + (size_t)e->att.cap * sizeof(attendance);
  b += (size_t)e->evs.cap * sizeof(evidence) + (size_t)e->spells.cap * sizeof(spell);
  for (uint32_t i = 0; i < e->att.n; i++)
    b += (size_t)VEC_AT(e->att, attendance, i).ndays * 16 / 7;
  if (e->linkix) b += hr_link_index_bytes(e->linkix); /* tier 5, when on */
  b += hr_map_bytes(&e->review_index) + hr_map_bytes(&e->link_decisions) + hr_map_bytes(&e->link_accepts);
  b += (size_t)e->review_cases.cap * sizeof(review_case);
  return b;
}

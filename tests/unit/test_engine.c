/* Tests of broker/core (the engine) with the reference rule pack, driven by canonical events
 * built here directly, so that the core's semantics are tested apart from the parsers. Each
 * test is one REFERENCE sentence. */
#include <stdlib.h>

#include "engine.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "hr_time.h"

/* ---- fixture ------------------------------------------------------------------------------ */

typedef struct got {
  char rule[40], la[16], children[200], subject[24], route[40], raised[HR_ISO_MAX], id[40];
} got;

static hr_rulepack *pack;
static hr_engine *eng;
static got alerts[256];
static int nalerts;
static uint64_t pos;

static void collect(void *ud, const Hearth__V1__Alert *a) {
  (void)ud;
  if (nalerts >= 256) return;
  got *g = &alerts[nalerts++];
  snprintf(g->rule, sizeof g->rule, "%s", a->rule_id);
  snprintf(g->la, sizeof g->la, "%s", a->la_code);
  g->children[0] = '\0';
  for (size_t i = 0; i < a->n_children; i++) {
    if (i) strcat(g->children, ",");
    strcat(g->children, a->children[i]);
  }
  snprintf(g->subject, sizeof g->subject, "%s", a->subject);
  if (a->route->to_case == HEARTH__V1__ROUTE__TO_KEY_WORKER_ID)
    snprintf(g->route, sizeof g->route, "kw:%s", a->route->key_worker_id);
  else
    snprintf(g->route, sizeof g->route, "fd:%s", a->route->to_case ? a->route->front_door : "none");
  hr_format_uk_instant(a->raised_at_us, g->raised);
  snprintf(g->id, sizeof g->id, "%s", a->alert_id);
}

static int link_ids; /* hr_engine_config.link_agency_ids for the next setup() */

static void setup(const char *default_la) {
  char err[512];
  if (!pack) pack = hr_rulepack_load("rules/packs/reference.rules", err, sizeof err);
  if (!pack) {
    hr_test_fail(__FILE__, __LINE__, "%s", err);
    exit(1);
  }
  hr_engine_config cfg = {default_la, NULL, NULL, link_ids, NULL};
  hr_engine_free(eng);
  eng = hr_engine_new(&cfg, pack, err, sizeof err);
  nalerts = 0;
  pos = 0;
}

static void teardown(void) {
  hr_engine_free(eng);
  eng = NULL;
  hr_rulepack_free(pack);
  pack = NULL;
}

static void person(const char *id, const char *la, const char *nhs, const char *upn, const char *family,
                   const char *dob, const char *postcode) {
  Hearth__V1__Person p = HEARTH__V1__PERSON__INIT;
  p.person_id = (char *)id;
  p.la_code = (char *)la;
  p.nhs_number = (char *)nhs;
  p.upn = (char *)upn;
  p.given_name = (char *)"ALEX";
  p.family_name = (char *)family;
  p.date_of_birth = (char *)dob;
  p.postcode = (char *)postcode;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
  r.person = &p;
  CHECK_OK(hr_engine_register(eng, &r));
}

static void rel(const char *from, const char *to, Hearth__V1__RelationshipType type, const char *start,
                const char *end) {
  Hearth__V1__Relationship x = HEARTH__V1__RELATIONSHIP__INIT;
  x.person_id = (char *)from;
  x.related_person_id = (char *)to;
  x.type = type;
  x.start_date = (char *)start;
  x.end_date = (char *)end;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP;
  r.relationship = &x;
  CHECK_OK(hr_engine_register(eng, &r));
}
#define PARENT HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT

static void assign(const char *child, const char *kw, const char *start, const char *end) {
  Hearth__V1__Assignment a = HEARTH__V1__ASSIGNMENT__INIT;
  a.child_person_id = (char *)child;
  a.key_worker_id = (char *)kw;
  a.start_date = (char *)start;
  a.end_date = (char *)end;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT;
  r.assignment = &a;
  CHECK_OK(hr_engine_register(eng, &r));
}

static int64_t at(const char *iso) {
  int64_t t = 0;
  if (hr_parse_iso_instant(iso, strlen(iso), &t)) hr_test_fail(__FILE__, __LINE__, "bad time %s", iso);
  return t;
}

static void apply(Hearth__V1__AgencyEvent *ev) {
  ev->position = ++pos;
  CHECK_OK(hr_engine_apply(eng, ev, collect, NULL));
}

static void custody(const char *when, const char *reason, Hearth__V1__CustodyEffect effect, const char *noms,
                    const char *nhs, const char *dob, const char *la, int dependants) {
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.nhs_number = (char *)nhs;
  s.date_of_birth = (char *)dob;
  Hearth__V1__CustodyEvent c = HEARTH__V1__CUSTODY_EVENT__INIT;
  c.event_type = (char *)"prison-offender-events.prisoner.received";
  c.reason = (char *)reason;
  c.effect = effect;
  c.noms_number = (char *)noms;
  c.dependants = dependants;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_CUSTODY;
  ev.event_time_us = at(when);
  ev.la_code = (char *)la;
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY;
  ev.custody = &c;
  apply(&ev);
}
#define STARTS HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS
#define ENDS HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS

static void adt(const char *when, Hearth__V1__AdtTrigger trig, const char *control, const char *cls,
                const char *service, const char *visit, const char *nhs, const char *dob) {
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.nhs_number = (char *)nhs;
  s.date_of_birth = (char *)dob;
  Hearth__V1__InpatientEvent in = HEARTH__V1__INPATIENT_EVENT__INIT;
  in.trigger = trig;
  in.trigger_code = (char *)"A0x";
  in.sending_facility = (char *)"RX1";
  in.control_id = (char *)control;
  in.patient_class = (char *)cls;
  in.hospital_service = (char *)service;
  in.visit_number = (char *)visit;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_INPATIENT;
  ev.event_time_us = at(when);
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT;
  ev.inpatient = &in;
  apply(&ev);
}

static void mark(const char *upn, const char *date, int pm, const char *code) {
  int32_t d;
  hr_parse_date(date, 10, &d);
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.upn = (char *)upn;
  Hearth__V1__AttendanceMark m = HEARTH__V1__ATTENDANCE_MARK__INIT;
  m.date = (char *)date;
  m.session = pm ? HEARTH__V1__SESSION__SESSION_PM : HEARTH__V1__SESSION__SESSION_AM;
  m.code = (char *)code;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_ATTENDANCE;
  ev.event_time_us = hr_uk_instant_of(d, pm ? 13 : 9, pm ? 30 : 0);
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  ev.attendance = &m;
  apply(&ev);
}

static void nrpf(const char *date, const char *record, int is_nrpf, const char *nhs, const char *dob, const char *la,
                 int dependants) {
  int32_t d;
  hr_parse_date(date, 10, &d);
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.nhs_number = (char *)nhs;
  s.date_of_birth = (char *)dob;
  s.family_name_norm = (char *)"NOBODY";
  Hearth__V1__NrpfRecord r = HEARTH__V1__NRPF_RECORD__INIT;
  r.record_id = (char *)record;
  r.status = is_nrpf ? HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF : HEARTH__V1__NRPF_STATUS__NRPF_STATUS_RECOURSE;
  r.effective_date = (char *)date;
  r.dependants = dependants;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_NRPF;
  ev.event_time_us = hr_uk_instant_of(d, 0, 0);
  ev.la_code = (char *)la;
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF;
  ev.nrpf = &r;
  apply(&ev);
}

/* A family: carer P1 (NHS 9434765919) with children C1 (2016, UPN U1) and C2 (2019). */
#define NHS_P1 "9434765919"
#define UPN_C1 "X801595120867"
static void family(void) {
  person("P1", "E09000007", NHS_P1, "", "SMITH", "1988-02-29", "N1 9GU");
  person("C1", "E09000007", "", UPN_C1, "SMITH", "2016-05-01", "N1 9GU");
  person("C2", "E09000007", "", "", "SMITH", "2019-07-01", "N1 9GU");
  rel("P1", "C1", PARENT, "2016-05-01", "");
  rel("P1", "C2", PARENT, "", "");
}

/* Every weekday of the 6 weeks from Monday 2026-09-07 to Friday 2026-10-16, both sessions; the
 * first `absent` sessions are N, the rest /. Returns the sessions written. */
static int six_weeks_of_marks(const char *upn, int absent, int stop_after) {
  int32_t d0;
  hr_parse_date("2026-09-07", 10, &d0);
  int n = 0;
  for (int32_t d = d0; d < d0 + 42 && n < stop_after; d++) {
    if (((d + 3) % 7 + 7) % 7 >= 5) continue; /* weekend */
    char date[11];
    hr_format_date(d, date);
    for (int pm = 0; pm < 2 && n < stop_after; pm++, n++)
      mark(upn, date, pm, n < absent ? "N" : "/");
  }
  return n;
}

/* ---- parental rules ------------------------------------------------------------------------ */

static void test_custody_start_by_carer_alerts_once_per_episode(void) {
  setup(NULL);
  family();
  assign("C1", "KW1", "2025-01-01", "");
  custody("2026-09-14T10:12:00+01:00", "ADMISSION", STARTS, "A1234BC", NHS_P1, "1988-02-29", "E09000007", 2);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "parental_custody");
  CHECK_STR(alerts[0].children, "C1,C2");
  CHECK_STR(alerts[0].subject, "P1");
  CHECK_STR(alerts[0].route, "kw:KW1"); /* C2 is youngest but has no key worker */
  CHECK_STR(alerts[0].raised, "2026-09-14T10:12:00+01:00");
  /* The same reception from the other event family: the same episode. */
  custody("2026-09-14T10:20:00+01:00", "NEW_ADMISSION", STARTS, "A1234BC", NHS_P1, "1988-02-29", "E09000007", 2);
  custody("2026-09-20T10:00:00+01:00", "TRANSFERRED", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE, "A1234BC",
          NHS_P1, "1988-02-29", "E09000007", 2);
  CHECK_INT(nalerts, 1);
  /* Released, then received again: a new episode. */
  custody("2026-10-01T09:00:00+01:00", "RELEASED", ENDS, "A1234BC", NHS_P1, "1988-02-29", "E09000007", 2);
  custody("2026-10-05T09:00:00+01:00", "READMISSION", STARTS, "A1234BC", NHS_P1, "1988-02-29", "E09000007", 2);
  CHECK_INT(nalerts, 2);
  CHECK(strcmp(alerts[0].id, alerts[1].id) != 0);
  teardown();
}

static void test_children_in_two_las_give_one_alert_per_la(void) {
  setup(NULL);
  family();
  person("C3", "E08000025", "", "", "SMITH", "2014-01-01", "B1 1AA");
  rel("P1", "C3", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_KINSHIP_CARER, "", "");
  custody("2026-09-14T10:12:00Z", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  CHECK_INT(nalerts, 2);
  CHECK_STR(alerts[0].la, "E08000025");
  CHECK_STR(alerts[0].children, "C3");
  CHECK_STR(alerts[0].route, "fd:E08000025");
  CHECK_STR(alerts[1].la, "E09000007");
  CHECK_STR(alerts[1].children, "C1,C2");
  teardown();
}

static void test_ended_relationship_is_not_a_carer_and_dependants_are_unknown(void) {
  setup(NULL);
  person("P1", "E09000007", NHS_P1, "", "SMITH", "1988-02-29", "N1 9GU");
  person("C1", "E09000007", "", "", "SMITH", "2016-05-01", "N1 9GU");
  rel("P1", "C1", PARENT, "2016-05-01", "2026-09-13");
  custody("2026-09-14T10:12:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "E06000023", 1);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "unknown_dependants");
  CHECK_STR(alerts[0].subject, "P1");
  CHECK_STR(alerts[0].children, "");
  CHECK_STR(alerts[0].route, "fd:E06000023");
  teardown();
}

static void test_relationship_ending_on_the_day_is_still_active(void) {
  setup(NULL);
  person("P1", "E09000007", NHS_P1, "", "SMITH", "1988-02-29", "N1 9GU");
  person("C1", "E09000007", "", "", "SMITH", "2016-05-01", "N1 9GU");
  rel("P1", "C1", PARENT, "2026-09-14", "2026-09-14");
  custody("2026-09-14T23:30:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 1);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "parental_custody");
  teardown();
}

static void test_unmatched_prisoner_with_dependants_goes_to_default_front_door(void) {
  setup("E09000001");
  family();
  custody("2026-09-14T10:12:00+01:00", "ADMISSION", STARTS, "U1", "", "1985-01-10", "", 2);
  custody("2026-09-15T10:12:00+01:00", "ADMISSION", STARTS, "U2", "", "1985-01-10", "E06000023", 0);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "unknown_dependants");
  CHECK_STR(alerts[0].subject, "");
  CHECK_STR(alerts[0].la, "E09000001");
  CHECK_STR(alerts[0].route, "fd:E09000001");
  teardown();
}

static void test_nhs_number_with_disagreeing_birth_date_does_not_match(void) {
  setup(NULL);
  family();
  custody("2026-09-14T10:12:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-03-01", "E09000007", 1);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "unknown_dependants");
  teardown();
}

static void test_key_worker_tie_breaks_latest_start_then_lowest_id(void) {
  setup(NULL);
  family();
  assign("C2", "KW9", "2025-01-01", "");
  assign("C2", "KW5", "2026-01-01", "");
  assign("C2", "KW3", "2026-01-01", "");
  assign("C2", "KW1", "2026-02-01", "2026-09-01"); /* ended */
  custody("2026-09-14T10:12:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].route, "kw:KW3");
  teardown();
}

static void test_mh_spell_start_cancel_and_transfer_to_mh(void) {
  setup(NULL);
  family();
  /* Outpatient class: not a spell. */
  adt("2026-09-10T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A01, "M0", "O", "710", "V0", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 0);
  /* Non-MH admission, then a transfer to an MH service: the MH spell starts then. */
  adt("2026-09-11T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A01, "M1", "I", "100", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 0);
  adt("2026-09-12T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A02, "M2", "I", "700", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 0); /* 700 learning disability is not MH */
  adt("2026-09-13T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A08, "M3", "I", "710", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "parental_mh_inpatient");
  CHECK_STR(alerts[0].raised, "2026-09-13T09:00:00+01:00");
  /* Leaving and re-entering MH care within the same spell does not alert twice. */
  adt("2026-09-14T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A02, "M4", "I", "100", "V1", NHS_P1, "1988-02-29");
  adt("2026-09-15T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A02, "M5", "I", "711", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 1);
  /* Discharged; cancel the discharge; discharge; a new admission of the same visit is a new spell. */
  adt("2026-09-20T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A03, "M6", "I", "711", "V1", NHS_P1, "1988-02-29");
  adt("2026-09-21T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A01, "M7", "I", "711", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 2);
  /* The same message again (same MSH-4 and MSH-10) changes nothing. */
  adt("2026-09-22T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A01, "M7", "I", "711", "V9", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 2);
  teardown();
}

/* ---- absence rules -------------------------------------------------------------------------- */

static void test_adversity_then_absence_needs_twenty_sessions_and_ten_percent(void) {
  setup(NULL);
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  CHECK_INT(nalerts, 1);
  /* 2 absences: at the 19th session the rate is 2/19 but fewer than 20 sessions were possible. */
  six_weeks_of_marks(UPN_C1, 2, 19);
  CHECK_INT(nalerts, 1);
  /* 20th session: 2/20 = exactly 10%: alerts. */
  mark(UPN_C1, "2026-09-18", 1, "/");
  CHECK_INT(nalerts, 2);
  CHECK_STR(alerts[1].rule, "adversity_then_absence");
  CHECK_STR(alerts[1].children, "C1");
  CHECK_STR(alerts[1].subject, "");
  CHECK_STR(alerts[1].raised, "2026-09-18T13:30:00+01:00");
  teardown();
}

static void test_just_under_ten_percent_does_not_alert(void) {
  setup(NULL);
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 2, 21); /* 2/21 < 10% at the 21st */
  int before = nalerts;
  CHECK_INT(before, 2); /* the 20th session alerted */
  setup(NULL);
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  /* A not-possible code does not count: 1 absence in 20 possible = 5%. */
  mark(UPN_C1, "2026-09-07", 0, "#");
  six_weeks_of_marks(UPN_C1, 1, 60);
  CHECK_INT(nalerts, 1);
  teardown();
}

static void test_cooldown_allows_exactly_twenty_eight_days_later(void) {
  setup(NULL);
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 10, 59); /* alerts at the 20th session: Friday 18 Sept PM */
  /* Every later mark up to 16 Oct AM (27 days 20.5 hours later) is held back. */
  CHECK_INT(nalerts, 2);
  CHECK_STR(alerts[1].raised, "2026-09-18T13:30:00+01:00");
  mark(UPN_C1, "2026-10-16", 1, "/"); /* exactly t + 28 days: allowed */
  CHECK_INT(nalerts, 3);
  CHECK_STR(alerts[2].raised, "2026-10-16T13:30:00+01:00");
  teardown();
}

static void test_ninety_day_window_includes_its_first_instant(void) {
  setup(NULL);
  family();
  /* Custody started exactly 90 days before the mark at which the rate first reaches 10%. */
  custody("2026-06-20T13:30:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 2, 20); /* 20th session: 2026-09-18 PM = 2026-06-20 13:30 + 90 days */
  CHECK_INT(nalerts, 2);
  setup(NULL);
  family();
  custody("2026-06-20T13:29:59+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 2, 20);
  CHECK_INT(nalerts, 1); /* one second too early */
  teardown();
}

static void test_cancelled_spell_no_longer_counts(void) {
  setup(NULL);
  family();
  adt("2026-09-01T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A01, "M1", "I", "710", "V1", NHS_P1, "1988-02-29");
  CHECK_INT(nalerts, 1);
  adt("2026-09-02T09:00:00", HEARTH__V1__ADT_TRIGGER__ADT_A11, "M2", "I", "710", "V1", NHS_P1, "1988-02-29");
  six_weeks_of_marks(UPN_C1, 10, 60);
  CHECK_INT(nalerts, 1);
  teardown();
}

static void test_replacing_mark_counts_and_redelivered_mark_does_not(void) {
  setup(NULL);
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 1, 20); /* 1/20 */
  CHECK_INT(nalerts, 1);
  mark(UPN_C1, "2026-09-18", 1, "/"); /* the same mark again: nothing */
  CHECK_INT(nalerts, 1);
  mark(UPN_C1, "2026-09-18", 1, "U"); /* replaces / with U: 2/20 */
  CHECK_INT(nalerts, 2);
  mark(UPN_C1, "2026-09-18", 1, "/"); /* / was already processed for that session: the same event */
  CHECK_INT(nalerts, 2);
  teardown();
}

static void test_nrpf_absence_and_nrpf_begins_only_on_transition(void) {
  setup(NULL);
  family();
  nrpf("2026-08-01", "R1", 1, NHS_P1, "1988-02-29", "E09000007", 2);
  nrpf("2026-08-15", "R2", 1, NHS_P1, "1988-02-29", "E09000007", 2); /* still nrpf: no beginning */
  CHECK_INT(nalerts, 0); /* P1 has children: unknown_dependants does not apply */
  six_weeks_of_marks(UPN_C1, 2, 20);
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "nrpf_absence");
  /* Unknown adult: begins, stays, lifted, begins again. */
  nrpf("2026-09-01", "U1", 1, "", "1990-02-21", "E09000007", 2);
  nrpf("2026-09-02", "U2", 1, "", "1990-02-21", "E09000007", 2);
  nrpf("2026-09-03", "U3", 0, "", "1990-02-21", "E09000007", 2);
  nrpf("2026-09-04", "U4", 1, "", "1990-02-21", "E09000007", 2);
  nrpf("2026-09-04", "U4", 1, "", "1990-02-21", "E09000007", 2); /* redelivered */
  CHECK_INT(nalerts, 3);
  CHECK_STR(alerts[1].rule, "unknown_dependants");
  CHECK_STR(alerts[2].raised, "2026-09-04T00:00:00+01:00");
  teardown();
}

static void test_agency_id_linking_is_off_by_default_and_on_when_asked(void) {
  for (link_ids = 0; link_ids <= 1; link_ids++) {
    setup("E09000007");
    family();
    /* First episode: the NHS number resolves P1, which links prison number A1 to P1. */
    custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 2);
    custody("2026-09-05T10:00:00+01:00", "RELEASED", ENDS, "A1", "", "", "", 2);
    /* Second episode: nothing on the record resolves it by REFERENCE's steps. */
    custody("2026-10-01T10:00:00+01:00", "READMISSION", STARTS, "A1", "", "", "", 2);
    CHECK_INT(nalerts, 2);
    if (nalerts == 2) {
      /* Off (REFERENCE): an adult matching nobody with dependants. On: P1 again. */
      CHECK_STR(alerts[1].rule, link_ids ? "parental_custody" : "unknown_dependants");
      CHECK_STR(alerts[1].subject, link_ids ? "P1" : "");
    }
  }
  link_ids = 0;
  teardown();
}

static void test_same_events_give_the_same_alert_ids(void) {
  char first[8][40];
  for (int round = 0; round < 2; round++) {
    setup(NULL);
    family();
    custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
    six_weeks_of_marks(UPN_C1, 10, 60);
    CHECK_INT(nalerts, 3);
    for (int i = 0; i < nalerts && i < 8; i++) {
      if (round == 0)
        strcpy(first[i], alerts[i].id);
      else
        CHECK_STR(alerts[i].id, first[i]);
    }
  }
  teardown();
}

/* ---- further packs over the same facts (hr_engine_also_run, for backtests) ------------------ */

static got also_alerts[256];
static int nalso;

static void collect_also(void *ud, const Hearth__V1__Alert *a) {
  (void)ud;
  /* collect() writes to alerts[]: borrow it, then move the row. */
  got keep = alerts[nalerts < 256 ? nalerts : 255];
  int n = nalerts;
  collect(NULL, a);
  if (nalso < 256 && nalerts > n) also_alerts[nalso++] = alerts[n];
  alerts[n < 256 ? n : 255] = keep;
  nalerts = n;
}

static void cooldown_scenario(void) {
  family();
  custody("2026-09-01T10:00:00+01:00", "ADMISSION", STARTS, "A1", NHS_P1, "1988-02-29", "", 0);
  six_weeks_of_marks(UPN_C1, 10, 59);
  mark(UPN_C1, "2026-10-16", 1, "/");
}

/* A further pack sees the same facts and keeps its own alert history: the same pack raises the
 * same alerts (ids, times) as the engine's own, and a stricter one raises only what it would
 * alone; neither changes the engine's own alerts or statistics. */
static void test_further_pack_runs_over_the_same_facts(void) {
  setup(NULL); /* the reference alone: what the engine's own alerts must stay */
  cooldown_scenario();
  int own = nalerts;
  got own_alerts[8];
  memcpy(own_alerts, alerts, sizeof own_alerts);
  hr_engine_stats alone;
  hr_engine_stats_get(eng, &alone);
  CHECK_INT(own, 3);

  setup(NULL);
  nalso = 0;
  CHECK_INT(hr_engine_also_run(eng, pack, collect_also, NULL), 0);
  cooldown_scenario();
  CHECK_INT(nalerts, own);
  CHECK_INT(nalso, own);
  for (int i = 0; i < own && i < nalso; i++) {
    CHECK_STR(alerts[i].id, own_alerts[i].id);
    CHECK_STR(also_alerts[i].id, own_alerts[i].id);
    CHECK_STR(also_alerts[i].raised, own_alerts[i].raised);
  }
  hr_engine_stats with;
  hr_engine_stats_get(eng, &with);
  CHECK_INT(with.alerts, alone.alerts);
  CHECK_INT(with.suppressed, alone.suppressed);
  CHECK_INT(with.rule_evals, alone.rule_evals);

  /* A stricter threshold for the absence rule (the child's rate peaks at 50%): only the custody
   * alert in that pack. */
  char err[512];
  const char *strict_text = "rule adversity_then_absence {\n severity high\n on attendance_mark\n when "
                            "absence_rate(6 weeks, min 20 sessions) >= 60% and any carer (custody_started within "
                            "90 days)\n alert per child\n cooldown 28 days\n route key_worker or front_door\n}\n"
                            "rule parental_custody {\n severity high\n on custody_start\n when children >= 1\n"
                            " alert per subject, episode, la\n route key_worker or front_door\n}\n";
  hr_rulepack *strict = hr_rulepack_compile(strict_text, strlen(strict_text), "strict.rules", err, sizeof err);
  CHECK(strict != NULL);
  if (strict) {
    setup(NULL);
    nalso = 0;
    CHECK_INT(hr_engine_also_run(eng, strict, collect_also, NULL), 0);
    cooldown_scenario();
    CHECK_INT(nalerts, own);
    CHECK_INT(nalso, 1);
    CHECK_STR(also_alerts[0].rule, "parental_custody");
    CHECK_STR(also_alerts[0].id, own_alerts[0].id); /* same rule, same keys, same instant: same id */
    hr_engine_free(eng);
    eng = NULL;
    hr_rulepack_free(strict);
  }
  teardown();
}

static const hr_test_case tests[] = {
    {"further_pack_runs_over_the_same_facts", test_further_pack_runs_over_the_same_facts},
    {"custody_start_by_carer_alerts_once_per_episode", test_custody_start_by_carer_alerts_once_per_episode},
    {"children_in_two_las_give_one_alert_per_la", test_children_in_two_las_give_one_alert_per_la},
    {"ended_relationship_is_not_a_carer_and_dependants_are_unknown",
     test_ended_relationship_is_not_a_carer_and_dependants_are_unknown},
    {"relationship_ending_on_the_day_is_still_active", test_relationship_ending_on_the_day_is_still_active},
    {"unmatched_prisoner_with_dependants_goes_to_default_front_door",
     test_unmatched_prisoner_with_dependants_goes_to_default_front_door},
    {"nhs_number_with_disagreeing_birth_date_does_not_match",
     test_nhs_number_with_disagreeing_birth_date_does_not_match},
    {"key_worker_tie_breaks_latest_start_then_lowest_id", test_key_worker_tie_breaks_latest_start_then_lowest_id},
    {"mh_spell_start_cancel_and_transfer_to_mh", test_mh_spell_start_cancel_and_transfer_to_mh},
    {"adversity_then_absence_needs_twenty_sessions_and_ten_percent",
     test_adversity_then_absence_needs_twenty_sessions_and_ten_percent},
    {"just_under_ten_percent_does_not_alert", test_just_under_ten_percent_does_not_alert},
    {"cooldown_allows_exactly_twenty_eight_days_later", test_cooldown_allows_exactly_twenty_eight_days_later},
    {"ninety_day_window_includes_its_first_instant", test_ninety_day_window_includes_its_first_instant},
    {"cancelled_spell_no_longer_counts", test_cancelled_spell_no_longer_counts},
    {"replacing_mark_counts_and_redelivered_mark_does_not", test_replacing_mark_counts_and_redelivered_mark_does_not},
    {"nrpf_absence_and_nrpf_begins_only_on_transition", test_nrpf_absence_and_nrpf_begins_only_on_transition},
    {"same_events_give_the_same_alert_ids", test_same_events_give_the_same_alert_ids},
    {"agency_id_linking_is_off_by_default_and_on_when_asked",
     test_agency_id_linking_is_off_by_default_and_on_when_asked},
};
HR_TEST_MAIN(tests)

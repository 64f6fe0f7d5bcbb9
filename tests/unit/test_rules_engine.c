/* Tests of how the engine runs compiled rules: only the rules whose `on` matches an event are
 * evaluated (an event no rule reads costs no rule evaluation, however many rules the pack has),
 * and a `for` duration's clock survives a checkpoint and restore exactly. */
#include <stdlib.h>

#include "engine.h"
#include "hr_buf.h"
#include "hr_test.h"
#include "hr_time.h"

static int nalerts;
static void count_alert(void *ud, const Hearth__V1__Alert *a) {
  (void)ud;
  (void)a;
  nalerts++;
}

static hr_rulepack *compile(const char *text) {
  char err[512];
  hr_rulepack *p = hr_rulepack_compile(text, strlen(text), "t.rules", err, sizeof err);
  if (!p) hr_test_fail(__FILE__, __LINE__, "%s", err);
  return p;
}

static void reg_person(hr_engine *e, const char *id, const char *dob) {
  char nhs[32], upn[32];
  snprintf(nhs, sizeof nhs, "nhs-%s", id);
  snprintf(upn, sizeof upn, "upn-%s", id);
  Hearth__V1__Person p = HEARTH__V1__PERSON__INIT;
  p.person_id = (char *)id;
  p.la_code = (char *)"E09000007";
  p.nhs_number = nhs;
  p.upn = upn;
  p.date_of_birth = (char *)dob;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
  r.person = &p;
  CHECK_INT(hr_engine_register(e, &r), 0);
}

static void reg_parent(hr_engine *e, const char *adult, const char *child) {
  Hearth__V1__Relationship x = HEARTH__V1__RELATIONSHIP__INIT;
  x.person_id = (char *)adult;
  x.related_person_id = (char *)child;
  x.type = HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP;
  r.relationship = &x;
  CHECK_INT(hr_engine_register(e, &r), 0);
}

static void family(hr_engine *e) {
  reg_person(e, "M1", "1985-01-01");
  reg_person(e, "C1", "2015-01-01");
  reg_parent(e, "M1", "C1");
}

/* day: days from 2026-09-07 (a Monday); pm: the PM session. */
static void mark(hr_engine *e, int day, int pm, const char *code) {
  int32_t d = hr_days_from_civil(2026, 9, 7) + day;
  char date[11];
  hr_format_date(d, date);
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.upn = (char *)"upn-C1";
  s.date_of_birth = (char *)"2015-01-01";
  Hearth__V1__AttendanceMark m = HEARTH__V1__ATTENDANCE_MARK__INIT;
  m.date = date;
  m.session = pm ? HEARTH__V1__SESSION__SESSION_PM : HEARTH__V1__SESSION__SESSION_AM;
  m.code = (char *)code;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_ATTENDANCE;
  ev.event_time_us = pm ? hr_uk_instant_of(d, 13, 30) : hr_uk_instant_of(d, 9, 0);
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  ev.attendance = &m;
  CHECK_INT(hr_engine_apply(e, &ev, count_alert, NULL), 0);
}

static void event_nrpf(hr_engine *e, const char *when, const char *id, int nrpf) {
  int32_t d;
  hr_parse_date(when, strlen(when), &d);
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.nhs_number = (char *)"nhs-M1";
  s.date_of_birth = (char *)"1985-01-01";
  Hearth__V1__NrpfRecord r = HEARTH__V1__NRPF_RECORD__INIT;
  r.record_id = (char *)id;
  r.status = nrpf ? HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF : HEARTH__V1__NRPF_STATUS__NRPF_STATUS_RECOURSE;
  r.effective_date = (char *)when;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_NRPF;
  ev.event_time_us = hr_uk_instant_of(d, 0, 0);
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF;
  ev.nrpf = &r;
  CHECK_INT(hr_engine_apply(e, &ev, count_alert, NULL), 0);
}

static uint64_t evals(const hr_engine *e) {
  hr_engine_stats st;
  hr_engine_stats_get(e, &st);
  return st.rule_evals;
}

/* A pack of 2 attendance rules and `extra` rules on custody. */
static char *pack_text(int extra) {
  hr_buf b = {0};
  hr_buf_puts(&b, "rule a1 {\n severity low\n on attendance_mark\n when absent_sessions(1 week) >= 1\n alert per "
                  "child\n route front_door\n}\n"
                  "rule a2 {\n severity low\n on attendance_mark\n when nrpf_active\n alert per child\n route "
                  "front_door\n}\n");
  for (int i = 0; i < extra; i++)
    hr_buf_printf(&b,
                  "rule c%d {\n severity low\n on custody_start, mh_spell_start\n when children >= %d\n alert per "
                  "subject, episode\n route front_door\n}\n",
                  i, i % 5 + 1);
  return b.data;
}

static void test_rules_not_triggered_cost_nothing(void) {
  char *small = pack_text(0), *large = pack_text(1000);
  hr_rulepack *ps = compile(small), *pl = compile(large);
  free(small);
  free(large);
  if (!ps || !pl) return;
  char err[256];
  hr_engine *es = hr_engine_new(NULL, ps, err, sizeof err), *el = hr_engine_new(NULL, pl, err, sizeof err);
  family(es);
  family(el);
  for (int day = 0; day < 5; day++)
    for (int pm = 0; pm < 2; pm++) {
      mark(es, day, pm, day == 2 ? "N" : "/");
      mark(el, day, pm, day == 2 ? "N" : "/");
    }
  /* 10 marks, 2 rules each: the 1,000 custody rules add no evaluation. */
  CHECK_INT(evals(es), 20);
  CHECK_INT(evals(el), 20);
  /* An event no rule reads (NRPF begins: no rule runs on nrpf_begins) evaluates no rule. */
  uint64_t before = evals(el);
  event_nrpf(el, "2026-09-20", "N1", 1);
  CHECK_INT(evals(el), before);
  hr_engine_free(es);
  hr_engine_free(el);
  hr_rulepack_free(ps);
  hr_rulepack_free(pl);
}

/* Checkpoint entries kept in memory, handed back in key order as a driver would. */
typedef struct kv {
  char *k, *v;
  size_t kl, vl;
} kv;
typedef struct store {
  kv items[4096];
  int n;
} store;

static int put(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  store *s = ud;
  for (int i = 0; i < s->n; i++)
    if (s->items[i].kl == kl && memcmp(s->items[i].k, k, kl) == 0) {
      free(s->items[i].v);
      s->items[i].v = malloc(vl ? vl : 1);
      memcpy(s->items[i].v, v, vl);
      s->items[i].vl = vl;
      return 0;
    }
  if (s->n == 4096) return -1;
  kv *x = &s->items[s->n++];
  x->k = malloc(kl ? kl : 1);
  memcpy(x->k, k, kl);
  x->kl = kl;
  x->v = malloc(vl ? vl : 1);
  memcpy(x->v, v, vl);
  x->vl = vl;
  return 0;
}

static int cmp_kv(const void *a, const void *b) {
  const kv *x = a, *y = b;
  size_t n = x->kl < y->kl ? x->kl : y->kl;
  int c = memcmp(x->k, y->k, n);
  return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

/* `for 10 days`: interrupted by a checkpoint and restore half-way, the rule fires at the same
 * mark as in an uninterrupted run. */
static void test_for_duration_survives_restore(void) {
  const char *text = "rule f {\n severity low\n on attendance_mark\n when any carer (nrpf_active)\n for 10 days\n"
                     " alert per child\n route front_door\n}\n";
  hr_rulepack *p = compile(text);
  if (!p) return;
  char err[256];
  /* Uninterrupted: NRPF from 09-01; marks every weekday from 09-07; fires on 09-17 AM. */
  hr_engine *e = hr_engine_new(NULL, p, err, sizeof err);
  family(e);
  event_nrpf(e, "2026-09-01", "N1", 1);
  nalerts = 0;
  int fired_at = -1;
  for (int day = 0; day < 14 && fired_at < 0; day++)
    if (day % 7 < 5)
      for (int pm = 0; pm < 2 && fired_at < 0; pm++) {
        mark(e, day, pm, "/");
        if (nalerts) fired_at = day * 2 + pm;
      }
  CHECK_INT(fired_at, 10 * 2); /* day 10 = 2026-09-17, AM */
  hr_engine_free(e);

  /* Interrupted after the first week's marks. */
  store *st = calloc(1, sizeof *st);
  e = hr_engine_new(NULL, p, err, sizeof err);
  family(e);
  event_nrpf(e, "2026-09-01", "N1", 1);
  for (int day = 0; day < 5; day++)
    for (int pm = 0; pm < 2; pm++)
      mark(e, day, pm, "/");
  CHECK_INT(hr_engine_checkpoint(e, put, st), 0);
  hr_engine_free(e);
  qsort(st->items, (size_t)st->n, sizeof st->items[0], cmp_kv);
  e = hr_engine_new(NULL, p, err, sizeof err);
  family(e);
  for (int i = 0; i < st->n; i++)
    CHECK_INT(hr_engine_restore(e, st->items[i].k, st->items[i].kl, st->items[i].v, st->items[i].vl), 0);
  nalerts = 0;
  fired_at = -1;
  for (int day = 7; day < 14 && fired_at < 0; day++)
    if (day % 7 < 5)
      for (int pm = 0; pm < 2 && fired_at < 0; pm++) {
        mark(e, day, pm, "/");
        if (nalerts) fired_at = day * 2 + pm;
      }
  CHECK_INT(fired_at, 10 * 2);
  hr_engine_free(e);
  for (int i = 0; i < st->n; i++)
    free(st->items[i].k), free(st->items[i].v);
  free(st);
  hr_rulepack_free(p);
}

static const hr_test_case tests[] = {
    {"rules_not_triggered_cost_nothing", test_rules_not_triggered_cost_nothing},
    {"for_duration_survives_restore", test_for_duration_survives_restore},
};
HR_TEST_MAIN(tests)

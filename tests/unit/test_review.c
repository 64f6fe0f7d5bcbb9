/* Tests of the probabilistic tier's review queue (broker/core/review.c, identity.c): cases open
 * for records the tier cannot decide on, a decision (a register LinkDecision) is applied from
 * then on, the evidence of a decided link says so, and cases survive a checkpoint. */
#include <stdlib.h>

#include "engine.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "hr_time.h"
#include "link.h"

static hr_rulepack *pack;
static hr_engine *eng;
static hr_link_params lp;
static uint64_t pos;

typedef struct got {
  char rule[40], subject[24], children[64], method[32], review_case[32];
  size_t ncmp;
  double weight, cmp_sum;
} got;
static got alerts[16];
static int nalerts;

static void collect(void *ud, const Hearth__V1__Alert *a) {
  (void)ud;
  if (nalerts >= 16) return;
  got *g = &alerts[nalerts++];
  memset(g, 0, sizeof *g);
  snprintf(g->rule, sizeof g->rule, "%s", a->rule_id);
  snprintf(g->subject, sizeof g->subject, "%s", a->subject);
  for (size_t i = 0; i < a->n_children; i++)
    snprintf(g->children + strlen(g->children), sizeof g->children - strlen(g->children), "%s%s", i ? "," : "",
             a->children[i]);
  const Hearth__V1__IdentityLink *l = a->n_evidence ? a->evidence[0]->link : NULL;
  if (!l) return;
  snprintf(g->method, sizeof g->method, "%s", l->method);
  snprintf(g->review_case, sizeof g->review_case, "%s", l->review_case ? l->review_case : "");
  g->weight = l->weight;
  g->ncmp = l->n_comparisons;
  for (size_t i = 0; i < l->n_comparisons; i++)
    g->cmp_sum += l->comparisons[i]->weight;
}

static void put_person(const char *id, const char *given, const char *family, const char *dob, const char *sex,
                       const char *postcode) {
  Hearth__V1__Person p = HEARTH__V1__PERSON__INIT;
  p.person_id = (char *)id;
  p.la_code = (char *)"E09000007";
  p.given_name = (char *)given;
  p.family_name = (char *)family;
  p.date_of_birth = (char *)dob;
  p.sex = (char *)sex;
  p.postcode = (char *)postcode;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
  r.person = &p;
  CHECK_OK(hr_engine_register(eng, &r));
}

static void put_parent(const char *adult, const char *child) {
  Hearth__V1__Relationship x = HEARTH__V1__RELATIONSHIP__INIT;
  x.person_id = (char *)adult;
  x.related_person_id = (char *)child;
  x.type = HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP;
  r.relationship = &x;
  CHECK_OK(hr_engine_register(eng, &r));
}

static void decide(const hr_review_case_info *c, const char *person_id, int accept, int withdraw) {
  Hearth__V1__LinkDecision d = HEARTH__V1__LINK_DECISION__INIT;
  char id[HR_REVIEW_ID_MAX];
  hr_review_case_id(c->description, person_id, id);
  d.case_id = id;
  d.description = (char *)c->description;
  d.person_id = (char *)person_id;
  d.decision = accept ? HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT
                      : HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_REJECT;
  Hearth__V1__RegisterRecord r = HEARTH__V1__REGISTER_RECORD__INIT;
  r.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION;
  r.link_decision = &d;
  r.deleted = withdraw;
  CHECK_OK(hr_engine_register(eng, &r));
}

/* A register of some 2,000 people with distinct made-up names, so that the prior is an LA's,
 * then the people a test is about. */
static void setup(double link_weight) {
  char err[512];
  if (!pack) pack = hr_rulepack_load("rules/packs/reference.rules", err, sizeof err);
  CHECK(pack != NULL);
  hr_link_params_default(&lp);
  lp.link_weight = link_weight;
  hr_engine_config cfg = {"E09000007", NULL, NULL, 0, &lp};
  hr_engine_free(eng);
  eng = hr_engine_new(&cfg, pack, err, sizeof err);
  CHECK(eng != NULL);
  nalerts = 0;
  pos = 0;
  static const char *given[] = {"OLIVER", "AMELIA", "GEORGE", "ISLA", "NOAH", "AVA", "ARTHUR", "MIA"};
  for (unsigned i = 0; i < 2000; i++) {
    char id[16], fam[16], dob[11];
    snprintf(id, sizeof id, "F%05u", i);
    snprintf(fam, sizeof fam, "Q%c%c%cSON", 'A' + i % 26, 'A' + i / 26 % 26, 'A' + i / 676 % 26);
    snprintf(dob, sizeof dob, "%04u-%02u-%02u", 1950 + i % 50, 1 + i % 12, 1 + i % 28);
    put_person(id, given[i % 8], fam, dob, i & 1 ? "M" : "F", "ZZ1 1ZZ");
  }
}

static void teardown(void) {
  hr_engine_free(eng);
  eng = NULL;
  hr_rulepack_free(pack);
  pack = NULL;
}

static void reception(const char *noms, const char *given, const char *family, const char *dob, const char *postcode) {
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.given_name = (char *)given;
  s.family_name = (char *)family;
  s.date_of_birth = (char *)dob;
  s.postcode = (char *)postcode;
  s.sex = (char *)"F";
  Hearth__V1__CustodyEvent c = HEARTH__V1__CUSTODY_EVENT__INIT;
  c.event_type = (char *)"prison-offender-events.prisoner.received";
  c.reason = (char *)"ADMISSION";
  c.effect = HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS;
  c.noms_number = (char *)noms;
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_CUSTODY;
  hr_parse_iso_instant("2026-10-05T10:00:00+01:00", 25, &ev.event_time_us);
  ev.event_time_us += (int64_t)pos * 3600 * HR_US_PER_SEC; /* each an hour later */
  ev.la_code = (char *)"E09000007";
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY;
  ev.custody = &c;
  ev.position = ++pos;
  CHECK_OK(hr_engine_apply(eng, &ev, collect, NULL));
}

/* The review cases of a checkpoint, decoded. */
typedef struct entries {
  hr_buf keys[64], vals[64];
  int n;
} entries;
static entries saved;
static int keep(void *ud, const void *key, size_t klen, const void *val, size_t vlen) {
  entries *e = ud;
  if (e->n == 64) return HR_ENOMEM;
  hr_buf_reset(&e->keys[e->n]);
  hr_buf_reset(&e->vals[e->n]);
  hr_buf_append(&e->keys[e->n], key, klen);
  hr_buf_append(&e->vals[e->n], val, vlen);
  e->n++;
  return 0;
}
static void entries_free(entries *e) {
  for (int i = 0; i < 64; i++) {
    hr_buf_free(&e->keys[i]);
    hr_buf_free(&e->vals[i]);
  }
  e->n = 0;
}
static int cases_of(entries *e, hr_review_case_info *out, int max) {
  int n = 0;
  for (int i = 0; i < e->n && n < max; i++)
    if (e->keys[i].len && e->keys[i].data[0] == HR_REVIEW_STATE_KIND)
      CHECK_OK(hr_review_case_decode(e->keys[i].data, e->keys[i].len, e->vals[i].data ? e->vals[i].data : "",
                                     e->vals[i].len, &out[n++]));
  return n;
}

/* A checkpoint of the engine now, and the review cases in it. */
static int checkpoint_cases(hr_review_case_info *out, int max) {
  entries_free(&saved);
  CHECK_OK(hr_engine_checkpoint(eng, keep, &saved));
  return cases_of(&saved, out, max);
}

static void family_of_chloe(void) {
  put_person("P1", "Chloe", "King", "1990-03-04", "F", "NW5 7UD");
  put_person("C1", "Mia", "King", "2016-05-06", "F", "NW5 7UD");
  put_parent("P1", "C1");
}

static void test_undecided_record_opens_a_case_and_an_accept_links_from_then_on(void) {
  setup(60); /* a link weight nothing reaches: every candidate above the review weight is a case */
  family_of_chloe();
  hr_engine_stats st;
  reception("A0001AA", "CHLOE", "KNG", "1990-03-04", "NW5 7UD");
  reception("A0002AA", "Chloe", "Kng", "1990-03-04", "nw57ud"); /* the same description, spelt otherwise */
  hr_engine_stats_get(eng, &st);
  CHECK_INT(nalerts, 0);
  CHECK_INT(st.review_cases, 1);
  CHECK_INT(st.link_review, 2);
  hr_review_case_info c[4];
  CHECK_INT(checkpoint_cases(c, 4), 1);
  CHECK_STR(c[0].person_id, "P1");
  CHECK_STR(c[0].description, "CHLOE|KNG|1990-03-04|NW57UD|F");
  CHECK_INT(c[0].records, 2);
  CHECK_INT(c[0].why, 1);
  CHECK_STR(c[0].record_id, "A0002AA");
  CHECK(c[0].weight > 0 && c[0].weight < 60);
  CHECK(strstr(c[0].comparisons, "family jw92") != NULL);
  char id[HR_REVIEW_ID_MAX];
  hr_review_case_id(c[0].description, "P1", id);
  CHECK_STR(c[0].case_id, id);

  /* Accepted: the next record described that way links, and its alert says why. */
  decide(&c[0], "P1", 1, 0);
  reception("A0003AA", "CHLOE", "KNG", "1990-03-04", "NW5 7UD");
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].rule, "parental_custody");
  CHECK_STR(alerts[0].subject, "P1");
  CHECK_STR(alerts[0].children, "C1");
  CHECK_STR(alerts[0].method, "review_decision");
  CHECK_STR(alerts[0].review_case, id);
  CHECK(alerts[0].ncmp >= 4);
  CHECK(alerts[0].weight > alerts[0].cmp_sum - 30 && alerts[0].weight < alerts[0].cmp_sum); /* prior < 0 */
  hr_engine_stats_get(eng, &st);
  CHECK_INT(st.link_by_decision, 1);
  CHECK_INT(st.link_decisions, 1);
  /* Another description is not covered by the decision. */
  reception("A0004AA", "CHLOE", "KINGE", "1990-03-04", "NW5 7UD");
  CHECK_INT(nalerts, 1);

  /* Restored from its checkpoint (and the register, with the decision), an engine has the same
   * cases and applies the decision the same way. */
  entries_free(&saved);
  CHECK_OK(hr_engine_checkpoint(eng, keep, &saved));
  entries all = saved;
  memset(&saved, 0, sizeof saved);
  setup(60);
  family_of_chloe();
  decide(&c[0], "P1", 1, 0);
  for (int i = 0; i < all.n; i++)
    CHECK_OK(hr_engine_restore(eng, all.keys[i].data, all.keys[i].len, all.vals[i].data ? all.vals[i].data : "",
                               all.vals[i].len));
  reception("A0005AA", "CHLOE", "KNG", "1990-03-04", "NW5 7UD");
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].method, "review_decision");
  hr_review_case_info d[4];
  CHECK_INT(checkpoint_cases(d, 4), 0); /* restored cases are not written again */
  reception("A0006AA", "CHLOE", "KINGE", "1990-03-04", "NW5 7UD");
  CHECK_INT(checkpoint_cases(d, 4), 1); /* the KINGE case, which the new record touched */
  CHECK_STR(d[0].description, "CHLOE|KINGE|1990-03-04|NW57UD|F");
  CHECK_INT(d[0].records, 2); /* one before the restore, one after */
  entries_free(&all);
  entries_free(&saved);
  teardown();
}

static void test_a_rejected_namesake_is_passed_over_until_the_decision_is_withdrawn(void) {
  setup(6); /* the default link weight */
  family_of_chloe();
  put_person("P2", "Chloe", "King", "1990-03-04", "F", "SE1 9AA"); /* a namesake with one birthday */
  reception("B0001AA", "CHLOE", "KING", "1990-03-04", "M1 1AA");   /* a postcode neither has */
  hr_engine_stats st;
  hr_engine_stats_get(eng, &st);
  CHECK_INT(nalerts, 0);
  CHECK_INT(st.link_ambiguous, 1);
  CHECK_INT(st.review_cases, 2);
  hr_review_case_info c[4];
  CHECK_INT(checkpoint_cases(c, 4), 2);
  CHECK_INT(c[0].why, 2);
  CHECK_INT(c[1].why, 2);
  CHECK(strcmp(c[0].person_id, c[1].person_id) != 0);

  decide(&c[0], "P2", 0, 0); /* not P2 */
  reception("B0002AA", "CHLOE", "KING", "1990-03-04", "M1 1AA");
  CHECK_INT(nalerts, 1);
  CHECK_STR(alerts[0].subject, "P1");
  CHECK_STR(alerts[0].method, "probabilistic");
  hr_engine_stats_get(eng, &st);
  CHECK(st.link_rejected >= 1);

  decide(&c[0], "P2", 0, 1); /* withdrawn: ambiguous again */
  reception("B0003AA", "CHLOE", "KING", "1990-03-04", "M1 1AA");
  CHECK_INT(nalerts, 1);
  hr_engine_stats_get(eng, &st);
  CHECK_INT(st.link_ambiguous, 2);
  entries_free(&saved);
  teardown();
}

static void test_a_damaged_case_entry_is_refused(void) {
  hr_review_case_info c;
  CHECK_INT(hr_review_case_decode("Ix", 2,
                                  "\x05"
                                  "AB",
                                  3, &c),
            HR_EPARSE);
  CHECK_INT(hr_review_case_decode("Hx", 2, "", 0, &c), HR_EPARSE);
  setup(60);
  CHECK_INT(hr_engine_restore(eng, "IR000000000000", 14, "\x01", 1), HR_EPARSE);
  teardown();
}

static const hr_test_case tests[] = {
    {"undecided_record_opens_a_case_and_an_accept_links_from_then_on",
     test_undecided_record_opens_a_case_and_an_accept_links_from_then_on},
    {"a_rejected_namesake_is_passed_over_until_the_decision_is_withdrawn",
     test_a_rejected_namesake_is_passed_over_until_the_decision_is_withdrawn},
    {"a_damaged_case_entry_is_refused", test_a_damaged_case_entry_is_refused},
};

HR_TEST_MAIN(tests)

/* register_csv: the LA register extract (REFERENCE section 1): persons.csv, relationships.csv,
 * key_workers.csv and assignments.csv, and Hearth's own link_decisions.csv (`hearth review`),
 * each row a RegisterRecord. The CSV framing is reader.c's;
 * this file says what each column means and which values sink a row. */
#include "hr_time.h"
#include <string.h>

#include "reader_int.h"

static int need(hr_reader *r, hr__str v, const char *name, int *rc) {
  if (v.n) return 1;
  *rc = hr__dead(r, HR_DL_missing_field, name, "%s is empty; every row needs a %s", name, name);
  return 0;
}

/* ---- persons.csv --------------------------------------------------------------------------- */

enum { P_ID, P_LA, P_NHS, P_UPN, P_GIVEN, P_FAMILY, P_DOB, P_SEX, P_POSTCODE, P__N };
static const hr__csv_col persons_cols[P__N] = {
    {"person_id", 1},   {"la_code", 0},       {"nhs_number", 0}, {"upn", 0},      {"given_name", 0},
    {"family_name", 0}, {"date_of_birth", 0}, {"sex", 0},        {"postcode", 0},
};

static int persons_row(hr_reader *r) {
  static const Hearth__V1__Person person0 = HEARTH__V1__PERSON__INIT;
  int rc = 0;
  int32_t dob;
  hr__str id = hr__csv_str(r, P_ID), la = hr__csv_str(r, P_LA);
  if (!need(r, id, "person_id", &rc)) return rc; /* an empty la_code is an unknown LA (R36) */
  char *dob_s = hr__csv_date(r, P_DOB, &dob, &rc);
  if (!dob_s) return rc;

  hr__register_begin(r);
  Hearth__V1__Person *p = &r->person;
  *p = person0;
  p->person_id = id.s;
  p->la_code = la.s;
  p->date_of_birth = dob_s;
  const char *s;
  size_t n;
  hr__csv_raw(r, P_NHS, &s, &n);
  p->nhs_number = hr__nhs(r, s, n);
  hr__csv_raw(r, P_UPN, &s, &n);
  p->upn = hr__upn(r, s, n);
  p->given_name = hr__csv_str(r, P_GIVEN).s;
  p->family_name = hr__csv_str(r, P_FAMILY).s;
  p->postcode = hr__csv_str(r, P_POSTCODE).s;
  hr__csv_raw(r, P_SEX, &s, &n);
  if (n == 0)
    p->sex = hr__copy(r, "", 0).s;
  else if (n == 1 && (hr__eq_nocase(s, n, "M") || hr__eq_nocase(s, n, "F") || hr__eq_nocase(s, n, "U"))) {
    char c = (char)(s[0] & ~0x20);
    p->sex = hr__copy(r, &c, 1).s;
  } else {
    p->sex = hr__copy(r, "", 0).s;
    hr__warn(r, HR_WARN_SEX);
  }
  r->reg.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
  r->reg.person = p;
  return hr__register_finish(r);
}

const hr__csv_spec hr__persons_spec = {persons_cols, P__N, persons_row};

/* ---- relationships.csv --------------------------------------------------------------------- */

enum { R_PERSON, R_RELATED, R_TYPE, R_START, R_END, R__N };
static const hr__csv_col relationships_cols[R__N] = {
    {"person_id", 1}, {"related_person_id", 1}, {"relationship", 1}, {"start_date", 0}, {"end_date", 0},
};

static const struct {
  const char *name;
  Hearth__V1__RelationshipType type;
} relationship_types[] = {
    {"parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT},
    {"step_parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_STEP_PARENT},
    {"carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_CARER},
    {"kinship_carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_KINSHIP_CARER},
    {"household_member", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_HOUSEHOLD_MEMBER},
    {"sibling", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING},
};

static int relationships_row(hr_reader *r) {
  static const Hearth__V1__Relationship rel0 = HEARTH__V1__RELATIONSHIP__INIT;
  int rc = 0;
  int32_t start, end;
  hr__str person = hr__csv_str(r, R_PERSON), related = hr__csv_str(r, R_RELATED), type = hr__csv_str(r, R_TYPE);
  if (!need(r, person, "person_id", &rc) || !need(r, related, "related_person_id", &rc) ||
      !need(r, type, "relationship", &rc))
    return rc;
  Hearth__V1__RelationshipType t = HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_TYPE_UNSPECIFIED;
  for (size_t i = 0; i < sizeof relationship_types / sizeof relationship_types[0]; i++)
    if (type.n == strlen(relationship_types[i].name) && memcmp(type.s, relationship_types[i].name, type.n) == 0)
      t = relationship_types[i].type; /* exact, as REFERENCE spells them (R30) */
  if (!t)
    return hr__dead_value(r, HR_DL_unknown_code, "relationship", type.s, type.n,
                          "is not a relationship Hearth reads; use parent, step_parent, carer, "
                          "kinship_carer, household_member or sibling");
  char *start_s = hr__csv_date(r, R_START, &start, &rc);
  if (!start_s) return rc;
  char *end_s = hr__csv_date(r, R_END, &end, &rc);
  if (!end_s) return rc;

  hr__register_begin(r);
  Hearth__V1__Relationship *rel = &r->relationship;
  *rel = rel0;
  rel->person_id = person.s;
  rel->related_person_id = related.s;
  rel->type = t;
  rel->start_date = start_s;
  rel->end_date = end_s;
  r->reg.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP;
  r->reg.relationship = rel;
  return hr__register_finish(r);
}

const hr__csv_spec hr__relationships_spec = {relationships_cols, R__N, relationships_row};

/* ---- key_workers.csv ----------------------------------------------------------------------- */

enum { K_ID, K_NAME, K_EMAIL, K_TEAM, K_LA, K__N };
static const hr__csv_col key_workers_cols[K__N] = {
    {"key_worker_id", 1}, {"name", 0}, {"email", 0}, {"team_id", 0}, {"la_code", 0},
};

static int key_workers_row(hr_reader *r) {
  static const Hearth__V1__KeyWorker kw0 = HEARTH__V1__KEY_WORKER__INIT;
  int rc = 0;
  hr__str id = hr__csv_str(r, K_ID);
  if (!need(r, id, "key_worker_id", &rc)) return rc;
  hr__register_begin(r);
  Hearth__V1__KeyWorker *kw = &r->key_worker;
  *kw = kw0;
  kw->key_worker_id = id.s;
  kw->name = hr__csv_str(r, K_NAME).s;
  kw->email = hr__csv_str(r, K_EMAIL).s;
  kw->team_id = hr__csv_str(r, K_TEAM).s;
  kw->la_code = hr__csv_str(r, K_LA).s;
  r->reg.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER;
  r->reg.key_worker = kw;
  return hr__register_finish(r);
}

const hr__csv_spec hr__key_workers_spec = {key_workers_cols, K__N, key_workers_row};

/* ---- assignments.csv ----------------------------------------------------------------------- */

enum { A_CHILD, A_KW, A_START, A_END, A__N };
static const hr__csv_col assignments_cols[A__N] = {
    {"child_person_id", 1},
    {"key_worker_id", 1},
    {"start_date", 0},
    {"end_date", 0},
};

static int assignments_row(hr_reader *r) {
  static const Hearth__V1__Assignment asg0 = HEARTH__V1__ASSIGNMENT__INIT;
  int rc = 0;
  int32_t start, end;
  hr__str child = hr__csv_str(r, A_CHILD), kw = hr__csv_str(r, A_KW);
  if (!need(r, child, "child_person_id", &rc) || !need(r, kw, "key_worker_id", &rc)) return rc;
  char *start_s = hr__csv_date(r, A_START, &start, &rc);
  if (!start_s) return rc;
  char *end_s = hr__csv_date(r, A_END, &end, &rc);
  if (!end_s) return rc;
  hr__register_begin(r);
  Hearth__V1__Assignment *a = &r->assignment;
  *a = asg0;
  a->child_person_id = child.s;
  a->key_worker_id = kw.s;
  a->start_date = start_s;
  a->end_date = end_s;
  r->reg.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT;
  r->reg.assignment = a;
  return hr__register_finish(r);
}

const hr__csv_spec hr__assignments_spec = {assignments_cols, A__N, assignments_row};

/* ---- link_decisions.csv (written by `hearth review accept|reject`) ------------------------- */

enum { L_CASE, L_DESC, L_PERSON, L_DECISION, L_BY, L_AT, L_NOTE, L__N };
static const hr__csv_col link_decisions_cols[L__N] = {
    {"case_id", 1},    {"description", 1}, {"person_id", 1}, {"decision", 1},
    {"decided_by", 0}, {"decided_at", 0},  {"note", 0},
};

static int link_decisions_row(hr_reader *r) {
  static const Hearth__V1__LinkDecision ld0 = HEARTH__V1__LINK_DECISION__INIT;
  int rc = 0;
  int32_t at;
  hr__str id = hr__csv_str(r, L_CASE), desc = hr__csv_str(r, L_DESC), person = hr__csv_str(r, L_PERSON);
  if (!need(r, id, "case_id", &rc) || !need(r, desc, "description", &rc) || !need(r, person, "person_id", &rc))
    return rc;
  const char *s;
  size_t n;
  hr__csv_raw(r, L_DECISION, &s, &n);
  Hearth__V1__LinkDecisionKind kind;
  if (hr__eq_nocase(s, n, "accept"))
    kind = HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT;
  else if (hr__eq_nocase(s, n, "reject"))
    kind = HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_REJECT;
  else
    return hr__dead_value(r, HR_DL_unknown_code, "decision", s, n, "is not a decision; use accept or reject");
  char *at_s = hr__csv_date(r, L_AT, &at, &rc);
  if (!at_s) return rc;
  hr__register_begin(r);
  Hearth__V1__LinkDecision *d = &r->link_decision;
  *d = ld0;
  d->case_id = id.s;
  d->description = desc.s;
  d->person_id = person.s;
  d->decision = kind;
  d->decided_by = hr__csv_str(r, L_BY).s;
  d->decided_at = at_s;
  d->note = hr__csv_str(r, L_NOTE).s;
  r->reg.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION;
  r->reg.link_decision = d;
  return hr__register_finish(r);
}

const hr__csv_spec hr__link_decisions_spec = {link_decisions_cols, L__N, link_decisions_row};

/* Tests of the LA register extract (REFERENCE section 1): persons, relationships, key workers
 * and assignments become RegisterRecords; identifiers failing their checks become warnings. */
#include "test_connector_util.h"

#define PERSONS_HEADER "person_id,la_code,nhs_number,upn,given_name,family_name,date_of_birth,sex,postcode\n"
#define GOOD_PERSON "P1,E09000007,9434765919,G801200300400,Jo,Smith,2015-04-02,F,N1 9GU"

static void test_person_row_fills_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_PERSONS, PERSONS_HEADER
                           "P00037,E06000023,943 476 5919,g801200300400,Aisha,Green,2018-04-02,f,BS3 5NL\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__RegisterRecord *rr = rec.reg;
    CHECK_INT(rr->record_case, HEARTH__V1__REGISTER_RECORD__RECORD_PERSON);
    CHECK_INT(rr->deleted, 0);
    CHECK_STR(rr->source, "test.in");
    CHECK_INT(rr->position, 2);
    CHECK_INT(rr->n_quality_warnings, 0);
    const Hearth__V1__Person *p = rr->person;
    CHECK_STR(p->person_id, "P00037");
    CHECK_STR(p->la_code, "E06000023");
    CHECK_STR(p->nhs_number, "9434765919");
    CHECK_STR(p->upn, "G801200300400");
    CHECK_STR(p->given_name, "Aisha");
    CHECK_STR(p->family_name, "Green");
    CHECK_STR(p->date_of_birth, "2018-04-02");
    CHECK_STR(p->sex, "F");
    CHECK_STR(p->postcode, "BS3 5NL");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_person_with_failing_identifiers_flows_with_warnings(void) {
  hr_reader *r = open_text(HR_INPUT_PERSONS, PERSONS_HEADER "P1,E09000007,9434765918,B801200300400,Jo,Smith,,X,\n"
                                                            "P2,E09000007,12345,A80120030040,Jo,Smith,,,\n"
                                                            "P3,E09000007,,,,,,U,\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__Person *p = rec.reg->person;
    CHECK_STR(p->nhs_number, "");
    CHECK_STR(p->upn, "");
    CHECK_STR(p->sex, "");
    CHECK_STR(p->date_of_birth, "");
    CHECK_INT(rec.reg->n_quality_warnings, 3);
    if (rec.reg->n_quality_warnings == 3) {
      CHECK_STR(rec.reg->quality_warnings[0], "nhs_number_check_failed");
      CHECK_STR(rec.reg->quality_warnings[1], "upn_check_failed");
      CHECK_STR(rec.reg->quality_warnings[2], "sex_unknown");
    }
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_INT(rec.reg->n_quality_warnings, 2);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_INT(rec.reg->n_quality_warnings, 0); /* empty identifiers are unknown, not wrong */
    CHECK_STR(rec.reg->person->sex, "U");
  }
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  CHECK_INT(st.records, 3);
  CHECK_INT(st.deadletters, 0);
  CHECK_INT(st.warnings, 5);
  hr_reader_free(r);
}

static void test_bad_person_rows_are_dead_lettered(void) {
  static const dl_case cases[] = {
      {"impossible_date_of_birth", "P2,E09000007,,,,,2015-02-29,,", HR_DL_bad_date, "date_of_birth"},
      {"malformed_date_of_birth", "P2,E09000007,,,,,02/04/2015,,", HR_DL_bad_date, "date_of_birth"},
      {"missing_person_id", ",E09000007,,,,,,,", HR_DL_missing_field, "person_id"},
      {"invalid_utf8_name", "P2,E09000007,,,Zo\xEB,,,,", HR_DL_invalid_utf8, ""},
      {"wrong_field_count", "P2,E09000007", HR_DL_not_parseable, ""},
  };
  RUN_DL_CASES(HR_INPUT_PERSONS, PERSONS_HEADER, GOOD_PERSON, "\n", cases, HR_RECORD_REGISTER);
}

static void test_person_with_empty_la_code_is_an_unknown_la(void) {
  hr_reader *r = open_text(HR_INPUT_PERSONS, PERSONS_HEADER "P2, ,,,,,,,\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->person->person_id, "P2");
    CHECK_STR(rec.reg->person->la_code, "");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_persons_without_person_id_column_dead_letter_every_row(void) {
  hr_reader *r = open_text(HR_INPUT_PERSONS, "la_code,given_name\nE09000007,Jo\nE09000007,Al\n");
  hr_record rec;
  for (int i = 0; i < 2; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_missing_column);
      CHECK_STR(rec.dl->field, "person_id");
      CHECK_STR(hr_input_connector_name(rec.dl->input), "register");
    }
  EXPECT_END(r);
  hr_reader_free(r);
}

#define REL_HEADER "person_id,related_person_id,relationship,start_date,end_date\n"

static void test_relationship_types_and_dates(void) {
  static const struct {
    const char *name;
    Hearth__V1__RelationshipType type;
  } types[] = {
      {"parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT},
      {"step_parent", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_STEP_PARENT},
      {"carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_CARER},
      {"kinship_carer", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_KINSHIP_CARER},
      {"household_member", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_HOUSEHOLD_MEMBER},
      {"sibling", HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING},
  };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    char in[256];
    snprintf(in, sizeof in, REL_HEADER "P1,P4,%s,2015-09-26,\n", types[i].name);
    hr_reader *r = open_text(HR_INPUT_RELATIONSHIPS, in);
    hr_record rec;
    if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
      const Hearth__V1__Relationship *rel = rec.reg->relationship;
      CHECK_INT(rec.reg->record_case, HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP);
      CHECK_STR(rel->person_id, "P1");
      CHECK_STR(rel->related_person_id, "P4");
      CHECK_INT(rel->type, types[i].type);
      CHECK_STR(rel->start_date, "2015-09-26");
      CHECK_STR(rel->end_date, "");
    }
    hr_reader_free(r);
  }
}

static void test_bad_relationship_rows_are_dead_lettered(void) {
  static const dl_case cases[] = {
      {"unknown_relationship", "P1,P4,uncle,,", HR_DL_unknown_code, "relationship"},
      {"relationship_in_capitals", "P1,P4,Parent,,", HR_DL_unknown_code, "relationship"}, /* R30: exact */
      {"empty_relationship", "P1,P4,,,", HR_DL_missing_field, "relationship"},
      {"missing_related_person", "P1,,parent,,", HR_DL_missing_field, "related_person_id"},
      {"impossible_start_date", "P1,P4,parent,2026-04-31,", HR_DL_bad_date, "start_date"},
      {"malformed_end_date", "P1,P4,parent,,next week", HR_DL_bad_date, "end_date"},
  };
  RUN_DL_CASES(HR_INPUT_RELATIONSHIPS, REL_HEADER, "P1,P4,parent,,2030-01-01", "\n", cases, HR_RECORD_REGISTER);
}

static void test_key_worker_row_fills_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, "key_worker_id,name,email,team_id,la_code\nKW00700,Worker "
                                                 "KW00700,kw00700@la.example,T0070,E09000007\n,x,y,z,w\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__KeyWorker *kw = rec.reg->key_worker;
    CHECK_STR(kw->key_worker_id, "KW00700");
    CHECK_STR(kw->name, "Worker KW00700");
    CHECK_STR(kw->email, "kw00700@la.example");
    CHECK_STR(kw->team_id, "T0070");
    CHECK_STR(kw->la_code, "E09000007");
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_missing_field);
    CHECK_STR(rec.dl->field, "key_worker_id");
  }
  hr_reader_free(r);
}

#define ASG_HEADER "child_person_id,key_worker_id,start_date,end_date\n"

static void test_assignment_row_fills_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_ASSIGNMENTS, ASG_HEADER "P00005,KW02501,2024-03-01,2026-09-04\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__Assignment *a = rec.reg->assignment;
    CHECK_INT(rec.reg->record_case, HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT);
    CHECK_STR(a->child_person_id, "P00005");
    CHECK_STR(a->key_worker_id, "KW02501");
    CHECK_STR(a->start_date, "2024-03-01");
    CHECK_STR(a->end_date, "2026-09-04");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_bad_assignment_rows_are_dead_lettered(void) {
  static const dl_case cases[] = {
      {"missing_child", ",KW1,,", HR_DL_missing_field, "child_person_id"},
      {"missing_key_worker", "P1,,,", HR_DL_missing_field, "key_worker_id"},
      {"impossible_end_date", "P1,KW1,,2025-13-01", HR_DL_bad_date, "end_date"},
  };
  RUN_DL_CASES(HR_INPUT_ASSIGNMENTS, ASG_HEADER, "P1,KW1,2025-01-01,", "\n", cases, HR_RECORD_REGISTER);
}

static void test_assignments_without_key_worker_column_dead_letter_rows(void) {
  hr_reader *r = open_text(HR_INPUT_ASSIGNMENTS, "child_person_id,start_date\nP1,2025-01-01\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_missing_column);
    CHECK_STR(rec.dl->field, "key_worker_id");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

#define LD_HEADER "case_id,description,person_id,decision,decided_by,decided_at,note\n"

static void test_link_decision_row_fills_every_field(void) {
  hr_reader *r =
      open_text(HR_INPUT_LINK_DECISIONS, LD_HEADER "R0123456789ab,CHLOE|KNG|1990-03-04|NW57UD|F,P1,Accept,"
                                                   "T. Lead,2026-11-20,\"same person, school confirmed\"\n"
                                                   "R0123456789ab,CHLOE|KNG|1990-03-04|NW57UD|F,P1,reject,,,\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__LinkDecision *d = rec.reg->link_decision;
    CHECK_INT(rec.reg->record_case, HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION);
    CHECK_STR(d->case_id, "R0123456789ab");
    CHECK_STR(d->description, "CHLOE|KNG|1990-03-04|NW57UD|F");
    CHECK_STR(d->person_id, "P1");
    CHECK_INT(d->decision, HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT);
    CHECK_STR(d->decided_by, "T. Lead");
    CHECK_STR(d->decided_at, "2026-11-20");
    CHECK_STR(d->note, "same person, school confirmed");
    hr_buf k = {0};
    hr_register_key(rec.reg, &k);
    CHECK(k.len == 27 && memcmp(k.data, "link_decision|R0123456789ab", 27) == 0);
    hr_buf_free(&k);
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER))
    CHECK_INT(rec.reg->link_decision->decision, HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_REJECT);
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_bad_link_decision_rows_are_dead_lettered(void) {
  static const dl_case cases[] = {
      {"missing_case", ",D,P1,accept,,,", HR_DL_missing_field, "case_id"},
      {"missing_description", "R1,,P1,accept,,,", HR_DL_missing_field, "description"},
      {"missing_person", "R1,D,,accept,,,", HR_DL_missing_field, "person_id"},
      {"unknown_decision", "R1,D,P1,maybe,,,", HR_DL_unknown_code, "decision"},
      {"impossible_date", "R1,D,P1,accept,,2026-02-30,", HR_DL_bad_date, "decided_at"},
  };
  RUN_DL_CASES(HR_INPUT_LINK_DECISIONS, LD_HEADER, "R1,D,P1,accept,,,", "\n", cases, HR_RECORD_REGISTER);
}

static const hr_test_case tests[] = {
    {"link_decision_row_fills_every_field", test_link_decision_row_fills_every_field},
    {"bad_link_decision_rows_are_dead_lettered", test_bad_link_decision_rows_are_dead_lettered},
    {"person_row_fills_every_field", test_person_row_fills_every_field},
    {"person_with_failing_identifiers_flows_with_warnings", test_person_with_failing_identifiers_flows_with_warnings},
    {"bad_person_rows_are_dead_lettered", test_bad_person_rows_are_dead_lettered},
    {"person_with_empty_la_code_is_an_unknown_la", test_person_with_empty_la_code_is_an_unknown_la},
    {"persons_without_person_id_column_dead_letter_every_row",
     test_persons_without_person_id_column_dead_letter_every_row},
    {"relationship_types_and_dates", test_relationship_types_and_dates},
    {"bad_relationship_rows_are_dead_lettered", test_bad_relationship_rows_are_dead_lettered},
    {"key_worker_row_fills_every_field", test_key_worker_row_fills_every_field},
    {"assignment_row_fills_every_field", test_assignment_row_fills_every_field},
    {"bad_assignment_rows_are_dead_lettered", test_bad_assignment_rows_are_dead_lettered},
    {"assignments_without_key_worker_column_dead_letter_rows",
     test_assignments_without_key_worker_column_dead_letter_rows},
};
HR_TEST_MAIN(tests)

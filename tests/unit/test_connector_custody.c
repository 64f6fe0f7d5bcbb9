/* Tests of the custody connector (REFERENCE section 2): HMPPS prisoner events as JSON lines,
 * their effect on the episode, the prisoner share's fields, and hostile lines. */
#include "test_connector_util.h"

#define GOOD                                                                                                           \
  "{\"eventType\":\"prison-offender-events.prisoner.received\",\"version\":1,"                                         \
  "\"occurredAt\":\"2026-09-14T10:12:00+01:00\",\"publishedAt\":\"2026-09-14T10:12:04.512+01:00\","                    \
  "\"additionalInformation\":{\"nomsNumber\":\"A1234BC\",\"reason\":\"ADMISSION\",\"prisonId\":\"MDI\"},"              \
  "\"personReference\":{\"identifiers\":[{\"type\":\"NOMS\",\"value\":\"A1234BC\"}]},"                                 \
  "\"prisoner\":{\"firstName\":\"JOHN\",\"lastName\":\"SMITH\",\"dateOfBirth\":\"1988-02-29\","                        \
  "\"nhsNumber\":\"9434765919\",\"postcode\":\"N1 9GU\",\"laCode\":\"E09000019\",\"dependants\":2}}"

static void test_reference_example_fills_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_CUSTODY, GOOD "\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->feed, HEARTH__V1__FEED__FEED_CUSTODY);
    CHECK_INT(e->event_time_us, iso_us("2026-09-14T09:12:00Z"));
    CHECK_STR(e->source, "test.in");
    CHECK_STR(e->agency, "test-agency");
    CHECK_INT(e->position, 1);
    CHECK_STR(e->la_code, "E09000019");
    CHECK_INT(e->n_quality_warnings, 0);
    const Hearth__V1__Subject *s = e->subject;
    CHECK_STR(s->nhs_number, "9434765919");
    CHECK_STR(s->upn, "");
    CHECK_STR(s->given_name, "JOHN");
    CHECK_STR(s->family_name, "SMITH");
    CHECK_STR(s->date_of_birth, "1988-02-29");
    CHECK_STR(s->sex, "");
    CHECK_STR(s->postcode, "N1 9GU");
    CHECK_STR(s->given_name_norm, "JOHN");
    CHECK_STR(s->family_name_norm, "SMITH");
    CHECK_STR(s->postcode_norm, "N19GU");
    CHECK_INT(e->payload_case, HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY);
    const Hearth__V1__CustodyEvent *c = e->custody;
    CHECK_STR(c->event_type, "prison-offender-events.prisoner.received");
    CHECK_INT(c->kind, HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED);
    CHECK_STR(c->reason, "ADMISSION");
    CHECK_INT(c->effect, HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS);
    CHECK_STR(c->noms_number, "A1234BC");
    CHECK_STR(c->prison_id, "MDI");
    CHECK_STR(c->occurred_at, "2026-09-14T10:12:00+01:00");
    CHECK_INT(c->dependants, 2);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_effect_of_each_event_type_and_reason(void) {
  static const struct {
    const char *type, *reason;
    Hearth__V1__CustodyEffect effect;
  } cases[] = {
      {"prison-offender-events.prisoner.received", "ADMISSION", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS},
      {"prisoner-offender-search.prisoner.received", "NEW_ADMISSION",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS},
      {"prisoner-offender-search.prisoner.received", "READMISSION", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS},
      {"prison-offender-events.prisoner.received", "READMISSION_SWITCH_BOOKING",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS},
      {"prison-offender-events.prisoner.received", "TRANSFERRED", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prison-offender-events.prisoner.received", "RETURN_FROM_COURT",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prisoner-offender-search.prisoner.received", "TEMPORARY_ABSENCE_RETURN",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prisoner-offender-search.prisoner.received", "POST_MERGE_ADMISSION",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prison-offender-events.prisoner.released", "RELEASED", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS},
      {"prisoner-offender-search.prisoner.released", "RELEASED_TO_HOSPITAL",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS},
      {"prison-offender-events.prisoner.released", "TRANSFERRED", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prison-offender-events.prisoner.released", "SENT_TO_COURT", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prisoner-offender-search.prisoner.released", "TEMPORARY_ABSENCE_RELEASE",
       HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
      {"prisoner-offender-search.prisoner.released", "UNKNOWN", HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char line[512];
    snprintf(line, sizeof line,
             "{\"eventType\":\"%s\",\"occurredAt\":\"2026-10-06T07:00:00Z\",\"additionalInformation\":{\"nomsNumber\":"
             "\"A1\",\"reason\":\"%s\"}}",
             cases[i].type, cases[i].reason);
    hr_reader *r = open_text(HR_INPUT_CUSTODY, line);
    hr_record rec;
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
      CHECK_INT(rec.event->custody->effect, cases[i].effect);
      CHECK_INT(rec.event->custody->kind, strstr(cases[i].type, "received")
                                              ? HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED
                                              : HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RELEASED);
      CHECK_INT(rec.event->custody->dependants, 0);
      CHECK_STR(rec.event->la_code, "");
      CHECK_STR(rec.event->subject->nhs_number, "");
    }
    hr_reader_free(r);
  }
}

static void test_noms_number_falls_back_to_person_reference(void) {
  hr_reader *r =
      open_text(HR_INPUT_CUSTODY,
                "{\"eventType\":\"prisoner-offender-search.prisoner.released\",\"occurredAt\":\"2026-10-06T07:00Z\","
                "\"additionalInformation\":{\"reason\":\"RELEASED\"},"
                "\"personReference\":{\"identifiers\":[{\"type\":\"CRN\",\"value\":\"X1\"},{\"type\":\"NOMS\","
                "\"value\":\"G5555XY\"}]}}");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_STR(rec.event->custody->noms_number, "G5555XY");
  hr_reader_free(r);
}

static void test_prisoner_fields_accept_numbers_strings_and_escapes(void) {
  hr_reader *r =
      open_text(HR_INPUT_CUSTODY,
                "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-07-01T09:00:00\","
                "\"additionalInformation\":{\"nomsNumber\":\" A1 \",\"reason\":\"ADMISSION\",\"unknown\":[1,{}]},"
                "\"prisoner\":{\"firstName\":\"Ren\\u00e9e\",\"lastName\":\"O'Br\\u00efen-\\u0141ukasz\",\"nhsNumber\":"
                "9434765919,"
                "\"dependants\":\"3\",\"extra\":null}}\n"
                "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-07-01T09:00:00Z\","
                "\"additionalInformation\":{\"nomsNumber\":\"A2\",\"reason\":\"ADMISSION\"},"
                "\"prisoner\":{\"nhsNumber\":\"9434765918\",\"dependants\":0,\"dateOfBirth\":null}}\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->event_time_us, iso_us("2026-07-01T08:00:00Z")); /* no offset: UK local (BST) */
    CHECK_STR(e->custody->noms_number, "A1");
    CHECK_STR(e->subject->given_name, "Ren\xC3\xA9"
                                      "e");
    CHECK_STR(e->subject->given_name_norm, "RENEE");
    CHECK_STR(e->subject->family_name_norm, "OBRIENLUKASZ");
    CHECK_STR(e->subject->nhs_number, "9434765919");
    CHECK_INT(e->custody->dependants, 3);
    CHECK_STR(e->custody->prison_id, "");
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_STR(rec.event->subject->nhs_number, "");
    CHECK_INT(rec.event->n_quality_warnings, 1);
    if (rec.event->n_quality_warnings) CHECK_STR(rec.event->quality_warnings[0], "nhs_number_check_failed");
    CHECK_STR(rec.event->subject->date_of_birth, "");
    CHECK_INT(rec.event->position, 2);
  }
  EXPECT_END(r);
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  CHECK_INT(st.warnings, 1);
  hr_reader_free(r);
}

#define HEAD_OK "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-09-14T10:12:00Z\","
#define INFO_OK "\"additionalInformation\":{\"nomsNumber\":\"A1\",\"reason\":\"ADMISSION\"}"

static void test_hostile_lines_are_dead_lettered_and_neighbours_carry_on(void) {
  static const dl_case cases[] = {
      {"line_cut_in_half", "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-09-",
       HR_DL_not_parseable, ""},
      {"not_json", "eventType=received", HR_DL_not_parseable, ""},
      {"json_array_not_object", "[1,2,3]", HR_DL_not_parseable, ""},
      {"json_string_not_object", "\"hello\"", HR_DL_not_parseable, ""},
      {"trailing_garbage", HEAD_OK INFO_OK "} x", HR_DL_not_parseable, ""},
      {"invalid_utf8", HEAD_OK INFO_OK ",\"prisoner\":{\"lastName\":\"M\xFCller\"}}", HR_DL_invalid_utf8, ""},
      {"unknown_event_type",
       "{\"eventType\":\"prison-offender-events.prisoner.alerts-updated\",\"occurredAt\":\"2026-09-14T10:12:"
       "00Z\"," INFO_OK "}",
       HR_DL_unknown_event_type, "eventType"},
      {"event_type_not_a_string", "{\"eventType\":7,\"occurredAt\":\"2026-09-14T10:12:00Z\"," INFO_OK "}",
       HR_DL_unknown_event_type, "eventType"},
      {"missing_event_type", "{\"occurredAt\":\"2026-09-14T10:12:00Z\"," INFO_OK "}", HR_DL_missing_field, "eventType"},
      {"unknown_reason", HEAD_OK "\"additionalInformation\":{\"nomsNumber\":\"A1\",\"reason\":\"ESCAPED\"}}",
       HR_DL_unknown_reason, "reason"},
      {"release_reason_on_received",
       HEAD_OK "\"additionalInformation\":{\"nomsNumber\":\"A1\",\"reason\":\"RELEASED\"}}", HR_DL_unknown_reason,
       "reason"},
      {"missing_reason", HEAD_OK "\"additionalInformation\":{\"nomsNumber\":\"A1\"}}", HR_DL_missing_field, "reason"},
      {"missing_noms_number", HEAD_OK "\"additionalInformation\":{\"reason\":\"ADMISSION\"}}", HR_DL_missing_field,
       "nomsNumber"},
      {"missing_occurred_at", "{\"eventType\":\"prison-offender-events.prisoner.received\"," INFO_OK "}",
       HR_DL_missing_field, "occurredAt"},
      {"impossible_occurred_at",
       "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-02-30T10:00:00Z\"," INFO_OK
       "}",
       HR_DL_bad_time, "occurredAt"},
      {"date_only_occurred_at",
       "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-09-14\"," INFO_OK "}",
       HR_DL_bad_time, "occurredAt"},
      {"impossible_date_of_birth", HEAD_OK INFO_OK ",\"prisoner\":{\"dateOfBirth\":\"1987-02-29\"}}", HR_DL_bad_date,
       "dateOfBirth"},
      {"numeric_date_of_birth", HEAD_OK INFO_OK ",\"prisoner\":{\"dateOfBirth\":19870228}}", HR_DL_bad_date,
       "dateOfBirth"},
      {"negative_dependants", HEAD_OK INFO_OK ",\"prisoner\":{\"dependants\":-1}}", HR_DL_out_of_range, "dependants"},
      {"fractional_dependants", HEAD_OK INFO_OK ",\"prisoner\":{\"dependants\":1.5}}", HR_DL_out_of_range,
       "dependants"},
      {"text_dependants", HEAD_OK INFO_OK ",\"prisoner\":{\"dependants\":\"two\"}}", HR_DL_out_of_range, "dependants"},
      {"boolean_dependants", HEAD_OK INFO_OK ",\"prisoner\":{\"dependants\":true}}", HR_DL_out_of_range, "dependants"},
      {"prisoner_not_an_object", HEAD_OK INFO_OK ",\"prisoner\":[]}", HR_DL_not_parseable, "prisoner"},
      {"nul_escape_in_a_field", HEAD_OK INFO_OK ",\"prisoner\":{\"lastName\":\"A\\u0000B\"}}", HR_DL_not_parseable,
       "lastName"},
      {"lone_surrogate", HEAD_OK INFO_OK ",\"prisoner\":{\"lastName\":\"\\ud83d\"}}", HR_DL_not_parseable, ""},
      {"nested_too_deeply", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
       HR_DL_not_parseable, ""},
  };
  RUN_DL_CASES(HR_INPUT_CUSTODY, "", GOOD, "\n", cases, HR_RECORD_EVENT);
}

static void test_nul_byte_and_oversized_lines_are_dead_lettered(void) {
  static const char in[] = GOOD "\n{\"eventType\"\0:1}\n" GOOD "\n";
  hr_reader *r = hr_reader_new(HR_INPUT_CUSTODY, in, sizeof in - 1, "t", NULL);
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  EXPECT_END(r);
  hr_reader_free(r);

  /* A 1 MB name: the line is over the record limit. A 2 KB name: the field is over its limit. */
  for (int big = 0; big < 2; big++) {
    size_t n = big ? 1024 * 1024 : 2048;
    char *name = repeat('Q', n);
    hr_buf b = {0};
    hr_buf_puts(&b, GOOD "\n" HEAD_OK INFO_OK ",\"prisoner\":{\"lastName\":\"");
    hr_buf_puts(&b, name);
    hr_buf_puts(&b, "\"}}\r\n" GOOD "\n");
    r = hr_reader_new(HR_INPUT_CUSTODY, b.data, b.len, "t", NULL);
    EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_oversized);
      CHECK_STR(rec.dl->field, big ? "" : "lastName");
      CHECK_INT(rec.dl->position, 2);
    }
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.position, 3);
    EXPECT_END(r);
    hr_reader_free(r);
    hr_buf_free(&b);
    free(name);
  }
}

static void test_blank_lines_crlf_and_bom_are_tolerated(void) {
  hr_reader *r = open_text(HR_INPUT_CUSTODY, "\xEF\xBB\xBF" GOOD "\r\n\r\n   \n" GOOD);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.position, 1);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.position, 4);
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_seek_rereads_the_same_event(void) {
  const char *in = GOOD "\n\n" HEAD_OK INFO_OK "}\n";
  hr_reader *r = open_text(HR_INPUT_CUSTODY, in);
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  uint64_t off = 0, pos = 0;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) off = rec.offset, pos = rec.position;
  CHECK_INT(pos, 3);
  hr_reader_seek(r, off, pos);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_INT(rec.position, 3);
    CHECK_STR(rec.event->custody->noms_number, "A1");
  }
  hr_reader_seek(r, 0, 1);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_STR(rec.event->custody->noms_number, "A1234BC");
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"reference_example_fills_every_field", test_reference_example_fills_every_field},
    {"effect_of_each_event_type_and_reason", test_effect_of_each_event_type_and_reason},
    {"noms_number_falls_back_to_person_reference", test_noms_number_falls_back_to_person_reference},
    {"prisoner_fields_accept_numbers_strings_and_escapes", test_prisoner_fields_accept_numbers_strings_and_escapes},
    {"hostile_lines_are_dead_lettered_and_neighbours_carry_on",
     test_hostile_lines_are_dead_lettered_and_neighbours_carry_on},
    {"nul_byte_and_oversized_lines_are_dead_lettered", test_nul_byte_and_oversized_lines_are_dead_lettered},
    {"blank_lines_crlf_and_bom_are_tolerated", test_blank_lines_crlf_and_bom_are_tolerated},
    {"seek_rereads_the_same_event", test_seek_rereads_the_same_event},
};
HR_TEST_MAIN(tests)

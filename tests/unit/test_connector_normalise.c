/* Tests of name and postcode normalisation (READING.md R7), the dead letter's JSON form, and the
 * small tables (reason codes, input kinds) the connector exports. */
#include "test_connector_util.h"

static const char *norm(const char *s) {
  static char out[256];
  hr_normalise_name(s, strlen(s), out, sizeof out);
  return out;
}

static void test_name_drops_accents_case_and_non_letters(void) {
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"Zoë", "ZOE"},
      {"O'Brien-Smith", "OBRIENSMITH"},
      {"  mary anne ", "MARYANNE"},
      {"José Álvarez", "JOSEALVAREZ"},
      {"Ñúñez Çelik", "NUNEZCELIK"},
      {"Dvořák", "DVORAK"}, /* Latin Extended-A */
      {"Šťastný Ŵ", "STASTNYW"},
      {"e\xCC\x81"
       "clair",
       "ECLAIR"}, /* e + combining acute */
      {"Straße", "STRASSE"},
      {"Æsa Ærø", "AESAAERO"},
      {"Œuvre œil", "OEUVREOEIL"},
      {"Øre søn", "ORESON"},
      {"Łódź", "LODZ"},
      {"Đorđe", "DORDE"},
      {"Þór þ", "THORTH"},
      {"Ĳssel", "IJSSEL"}, /* NFKD compatibility ligature */
      {"ＡＢｃ", "ABC"},   /* fullwidth forms decompose under NFKD */
      {"Ольга", ""},       /* not Latin: no letters A-Z */
      {"李", ""},
      {"123-456", ""},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (strcmp(norm(cases[i].in), cases[i].want) != 0)
      hr_test_fail(__FILE__, __LINE__, "normalise(%s) = %s, want %s", cases[i].in, norm(cases[i].in), cases[i].want);
}

static void test_name_skips_invalid_utf8_and_respects_capacity(void) {
  CHECK_STR(norm("A\xFF"
                 "B\xC3"
                 "C\xE2\x82"),
            "ABC");
  char out[4];
  CHECK_INT(hr_normalise_name("abcdef", 6, out, sizeof out), 3);
  CHECK_STR(out, "ABC");
  CHECK_INT(hr_normalise_name("ßß", 4, out, sizeof out), 3); /* an expansion cut at the cap */
  CHECK_STR(out, "SSS");
  CHECK_INT(hr_normalise_name("abc", 3, out, 1), 0);
  CHECK_STR(out, "");
}

static void test_postcode_is_upper_case_without_spaces(void) {
  char out[16];
  CHECK_INT(hr_normalise_postcode(" nw5  6qL\t", 10, out, sizeof out), 6);
  CHECK_STR(out, "NW56QL");
  hr_normalise_postcode("SW1A-1AA", 8, out, sizeof out);
  CHECK_STR(out, "SW1A1AA");
  hr_normalise_postcode("EC1A 1BB", 8, out, 4);
  CHECK_STR(out, "EC1");
}

static void test_dead_letter_json_has_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_ATTENDANCE, "upn,date,session,code\n,2026-02-30,AM,\"/\"\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    hr_buf b = {0};
    hr_deadletter_to_json(rec.dl, &b);
    CHECK_STR(b.data,
              "{\"source\":\"test.in\",\"position\":2,\"connector\":\"attendance\",\"reason_code\":\"bad_date\","
              "\"field\":\"date\",\"message\":\"date \\\"2026-02-30\\\" is not a real date; write it as YYYY-MM-DD\","
              "\"raw\":\",2026-02-30,AM,\\\"/\\\"\"}");
    hr_buf_free(&b);
  }
  hr_reader_free(r);
}

static void test_dead_letter_raw_is_truncated_at_4096_bytes(void) {
  char *row = repeat('x', 100000);
  hr_buf in = {0};
  hr_buf_puts(&in, "key_worker_id\n");
  hr_buf_puts(&in, row);
  hr_buf_puts(&in, "\n");
  hr_reader *r = hr_reader_new(HR_INPUT_KEY_WORKERS, in.data, in.len, "kw.csv", NULL);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_oversized);
    hr_buf b = {0};
    hr_deadletter_to_json(rec.dl, &b);
    CHECK(strstr(b.data, "\"raw_truncated\":true}") != NULL);
    CHECK(b.len < 4096 + 512);
    CHECK(strstr(b.data, "\"connector\":\"register\"") != NULL);
    hr_buf_free(&b);
  }
  hr_reader_free(r);
  hr_buf_free(&in);
  free(row);
}

static void test_message_value_is_cut_short_and_printable(void) {
  hr_reader *r = open_text(HR_INPUT_NRPF, "record_id,status,effective_date\nNR1,\"not\ta\x01status at all, and it goes "
                                          "on and on and on and on\",2026-01-01\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_unknown_status);
    CHECK(strstr(rec.dl->message, "status \"not?a?status at all, and it goes on and ...\"") != NULL);
    for (const char *p = rec.dl->message; *p; p++)
      CHECK((unsigned char)*p >= 0x20);
  }
  hr_reader_free(r);
}

static void test_reason_codes_and_texts_are_stable(void) {
  CHECK_STR(hr_dl_reason_code(HR_DL_not_parseable), "not_parseable");
  CHECK_STR(hr_dl_reason_code(HR_DL_invalid_utf8), "invalid_utf8");
  CHECK_STR(hr_dl_reason_code(HR_DL_missing_segment), "missing_segment");
  CHECK_STR(hr_dl_reason_code(HR_DL__COUNT), "unknown");
  CHECK_STR(hr_dl_reason_text(HR_DL_bad_date), "a date is malformed or impossible");
  for (int i = 0; i < HR_DL__COUNT; i++)
    CHECK(hr_dl_reason_text((hr_dl_reason)i)[0] != '\0');
}

static void test_input_kind_names_connectors_and_feeds(void) {
  static const char *names[HR_INPUT__COUNT] = {"persons",   "relationships", "key_workers", "assignments",   "custody",
                                               "inpatient", "attendance",    "nrpf",        "link_decisions"};
  for (int k = 0; k < HR_INPUT__COUNT; k++) {
    hr_input_kind back;
    CHECK_STR(hr_input_kind_name((hr_input_kind)k), names[k]);
    CHECK_OK(hr_input_kind_from_name(names[k], &back));
    CHECK_INT(back, k);
  }
  hr_input_kind dummy;
  CHECK_INT(hr_input_kind_from_name("prison", &dummy), HR_EINVAL);
  CHECK(hr_input_kind_name(HR_INPUT__COUNT) == NULL);
  CHECK_STR(hr_input_connector_name(HR_INPUT_ASSIGNMENTS), "register");
  CHECK_STR(hr_input_connector_name(HR_INPUT_LINK_DECISIONS), "register");
  CHECK_INT(hr_input_feed(HR_INPUT_LINK_DECISIONS), HEARTH__V1__FEED__FEED_UNSPECIFIED);
  CHECK_STR(hr_input_connector_name(HR_INPUT_INPATIENT), "inpatient");
  CHECK_INT(hr_input_feed(HR_INPUT_PERSONS), HEARTH__V1__FEED__FEED_UNSPECIFIED);
  CHECK_INT(hr_input_feed(HR_INPUT_CUSTODY), HEARTH__V1__FEED__FEED_CUSTODY);
  CHECK_INT(hr_input_feed(HR_INPUT_INPATIENT), HEARTH__V1__FEED__FEED_INPATIENT);
  CHECK_INT(hr_input_feed(HR_INPUT_ATTENDANCE), HEARTH__V1__FEED__FEED_ATTENDANCE);
  CHECK_INT(hr_input_feed(HR_INPUT_NRPF), HEARTH__V1__FEED__FEED_NRPF);
  CHECK(hr_reader_new(HR_INPUT__COUNT, "", 0, "x", NULL) == NULL);
  hr_reader_free(NULL);
}

static void test_events_pack_as_protobuf_and_round_trip(void) {
  hr_reader *r = open_text(HR_INPUT_NRPF, "record_id,status,effective_date,given_name\nNR1,nrpf,2026-09-23,Zoë\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    size_t n = hearth__v1__agency_event__get_packed_size(rec.event);
    uint8_t *buf = malloc(n);
    CHECK_INT(hearth__v1__agency_event__pack(rec.event, buf), n);
    Hearth__V1__AgencyEvent *back = hearth__v1__agency_event__unpack(NULL, n, buf);
    CHECK(back != NULL);
    if (back) {
      CHECK_STR(back->nrpf->record_id, "NR1");
      CHECK_STR(back->subject->given_name_norm, "ZOE");
      CHECK_STR(back->source, "test.in");
      CHECK_INT(back->event_time_us, rec.event->event_time_us);
      hearth__v1__agency_event__free_unpacked(back, NULL);
    }
    free(buf);
  }
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"name_drops_accents_case_and_non_letters", test_name_drops_accents_case_and_non_letters},
    {"name_skips_invalid_utf8_and_respects_capacity", test_name_skips_invalid_utf8_and_respects_capacity},
    {"postcode_is_upper_case_without_spaces", test_postcode_is_upper_case_without_spaces},
    {"dead_letter_json_has_every_field", test_dead_letter_json_has_every_field},
    {"dead_letter_raw_is_truncated_at_4096_bytes", test_dead_letter_raw_is_truncated_at_4096_bytes},
    {"message_value_is_cut_short_and_printable", test_message_value_is_cut_short_and_printable},
    {"reason_codes_and_texts_are_stable", test_reason_codes_and_texts_are_stable},
    {"input_kind_names_connectors_and_feeds", test_input_kind_names_connectors_and_feeds},
    {"events_pack_as_protobuf_and_round_trip", test_events_pack_as_protobuf_and_round_trip},
};
HR_TEST_MAIN(tests)

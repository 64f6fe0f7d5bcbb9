/* Tests of the inpatient connector (REFERENCE section 3): a file of HL7 v2 ADT messages, the
 * fields REFERENCE names, event times with their fall-backs, and hostile messages. */
#include "test_connector_util.h"

#define MSH(type, id) "MSH|^~\\&|PAS|RX1|HEARTH|LA|202609240930||" type "|" id "|P|2.4\r"
#define EVN "EVN|A01|202609240931||||202609240932\r"
#define PID                                                                                                            \
  "PID|1||MRN00001^^^RX1^MR~9434765919^^^NHS^NH||MORGAN^PRIYA^J||19880406|F|||1 HIGH ST^^LONDON^^NW5 6QL^M~"           \
  "2 LOW RD^^LEEDS^^LS1 1AA\r"
#define PV1_TAIL "|||||||||||||||||||||||||"
#define PV1 "PV1|1|I|WARD7^BED2^RX1|||||||710^MH|||||||||V000001^^^RX1" PV1_TAIL "202609240935|202610011200\r"
#define GOOD MSH("ADT^A01", "MSG1") EVN PID PV1

static void test_admission_fills_every_field(void) {
  hr_reader *r = open_text(HR_INPUT_INPATIENT, GOOD);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->feed, HEARTH__V1__FEED__FEED_INPATIENT);
    CHECK_INT(e->event_time_us, iso_us("2026-09-24T08:35:00Z")); /* PV1-44, UK local (BST) */
    CHECK_INT(e->position, 1);
    CHECK_STR(e->source, "test.in");
    CHECK_STR(e->la_code, "");
    CHECK_INT(e->n_quality_warnings, 0);
    const Hearth__V1__Subject *s = e->subject;
    CHECK_STR(s->nhs_number, "9434765919");
    CHECK_STR(s->family_name, "MORGAN");
    CHECK_STR(s->given_name, "PRIYA");
    CHECK_STR(s->family_name_norm, "MORGAN");
    CHECK_STR(s->date_of_birth, "1988-04-06");
    CHECK_STR(s->sex, "F");
    CHECK_STR(s->postcode, "NW5 6QL");
    CHECK_STR(s->postcode_norm, "NW56QL");
    const Hearth__V1__InpatientEvent *ip = e->inpatient;
    CHECK_INT(ip->trigger, HEARTH__V1__ADT_TRIGGER__ADT_A01);
    CHECK_STR(ip->trigger_code, "A01");
    CHECK_STR(ip->sending_facility, "RX1");
    CHECK_STR(ip->control_id, "MSG1");
    CHECK_STR(ip->patient_class, "I");
    CHECK_STR(ip->hospital_service, "710");
    CHECK_STR(ip->visit_number, "V000001");
    CHECK_STR(ip->hl7_version, "2.4");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_event_time_per_trigger_with_fallbacks(void) {
  static const struct {
    const char *msg;
    const char *want;
    Hearth__V1__AdtTrigger trigger;
  } cases[] = {
      /* A03: PV1-45 */
      {MSH("ADT^A03", "M") EVN PID PV1, "2026-10-01T11:00:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A03},
      /* A02/A08/A11/A13: EVN-6 */
      {MSH("ADT^A02", "M") EVN PID PV1, "2026-09-24T08:32:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A02},
      {MSH("ADT^A08", "M") EVN PID PV1, "2026-09-24T08:32:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A08},
      {MSH("ADT^A11", "M") EVN PID PV1, "2026-09-24T08:32:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A11},
      {MSH("ADT^A13", "M") EVN PID PV1, "2026-09-24T08:32:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A13},
      /* A06: PV1-44 */
      {MSH("ADT^A06", "M") EVN PID PV1, "2026-09-24T08:35:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A06},
      /* Other ADT triggers: still events, EVN-6; PV1 not needed. */
      {MSH("ADT^A04", "M") EVN PID, "2026-09-24T08:32:00Z", HEARTH__V1__ADT_TRIGGER__ADT_OTHER},
      /* Fall-backs: EVN-6 empty -> EVN-2; no EVN -> MSH-7; PV1-44 empty -> EVN-2. */
      {MSH("ADT^A08", "M") "EVN|A08|202609240931\r" PID PV1, "2026-09-24T08:31:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A08},
      {MSH("ADT^A08", "M") PID PV1, "2026-09-24T08:30:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A08},
      {MSH("ADT^A01", "M") EVN PID "PV1|1|I|||||||||||||||||V1\r", "2026-09-24T08:31:00Z",
       HEARTH__V1__ADT_TRIGGER__ADT_A01},
      /* An offset and seconds. */
      {MSH("ADT^A08", "M") "EVN|A08|||||20261201093015.25+0000\r" PID PV1, "2026-12-01T09:30:15.25Z",
       HEARTH__V1__ADT_TRIGGER__ADT_A08},
      /* Trigger from EVN-1 when MSH-9.2 is missing (older senders). */
      {MSH("ADT", "M") EVN PID PV1, "2026-09-24T08:35:00Z", HEARTH__V1__ADT_TRIGGER__ADT_A01},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hr_reader *r = open_text(HR_INPUT_INPATIENT, cases[i].msg);
    hr_record rec;
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
      if (rec.event->event_time_us != iso_us(cases[i].want))
        hr_test_fail(__FILE__, __LINE__, "case %zu: time %lld, want %s", i, (long long)rec.event->event_time_us,
                     cases[i].want);
      CHECK_INT(rec.event->inpatient->trigger, cases[i].trigger);
    }
    hr_reader_free(r);
  }
}

static void test_escapes_lf_separators_and_hl7_null(void) {
  hr_reader *r =
      open_text(HR_INPUT_INPATIENT, "\r\n\nMSH|^~\\&|PAS|RX\\T\\1|H|LA|202601150930||ADT^A08|C\\F\\1|P|2.5\n"
                                    "PID|1||9434765919^^^RX1^NH||O\\S\\BRIEN^J\\E\\O||19880406123000|m|||^^^^ls1  1aa\n"
                                    "PV1|1|I||||||||\"\"|||||||||V\\R\\2\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    const Hearth__V1__AgencyEvent *e = rec.event;
    CHECK_INT(e->position, 3);                                   /* CRLF is one line break, LF another */
    CHECK_INT(e->event_time_us, iso_us("2026-01-15T09:30:00Z")); /* MSH-7, GMT */
    CHECK_STR(e->inpatient->sending_facility, "RX&1");
    CHECK_STR(e->inpatient->control_id, "C|1");
    CHECK_STR(e->inpatient->visit_number, "V~2");
    CHECK_STR(e->inpatient->hospital_service, "\"\""); /* HL7 null kept: it clears the service */
    CHECK_STR(e->subject->family_name, "O^BRIEN");
    CHECK_STR(e->subject->family_name_norm, "OBRIEN");
    CHECK_STR(e->subject->given_name, "J\\O");
    CHECK_STR(e->subject->nhs_number, "9434765919"); /* identifier type NH */
    CHECK_STR(e->subject->sex, "M");
    CHECK_STR(e->subject->date_of_birth, "1988-04-06");
    CHECK_STR(e->subject->postcode_norm, "LS11AA");
    CHECK_STR(e->inpatient->hl7_version, "2.5");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_nhs_number_failing_check_is_a_warning(void) {
  hr_reader *r = open_text(HR_INPUT_INPATIENT, MSH("ADT^A01", "M1") EVN
                           "PID|1||9434765918^^^NHS^NH~1234567890^^^RX1^MR||SMITH^AL||19880406|X\r" PV1);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_STR(rec.event->subject->nhs_number, "");
    CHECK_STR(rec.event->subject->sex, "");
    CHECK_INT(rec.event->n_quality_warnings, 2);
    if (rec.event->n_quality_warnings == 2) {
      CHECK_STR(rec.event->quality_warnings[0], "nhs_number_check_failed");
      CHECK_STR(rec.event->quality_warnings[1], "sex_unknown");
    }
  }
  hr_reader_free(r);
}

static void test_hostile_messages_are_dead_lettered_and_neighbours_carry_on(void) {
  static const dl_case cases[] = {
      {"not_adt", MSH("ORU^R01", "X1") "PID|1||9434765919^^^NHS^NH\r", HR_DL_not_adt, "MSH-9"},
      {"empty_message_type", MSH("", "X1") PID PV1, HR_DL_not_adt, "MSH-9"},
      {"no_pid", MSH("ADT^A01", "X1") EVN PV1, HR_DL_missing_segment, "PID"},
      {"no_pv1_on_admission", MSH("ADT^A01", "X1") EVN PID, HR_DL_missing_segment, "PV1"},
      {"cut_mid_segment", MSH("ADT^A01", "X1") EVN "PID|1||94347659", HR_DL_missing_segment, "PV1"},
      {"cut_inside_msh", "MSH|^~\\&|PAS|RX1|HEA", HR_DL_not_parseable, "MSH"},
      {"missing_control_id", MSH("ADT^A01", "") EVN PID PV1, HR_DL_missing_field, "MSH-10"},
      {"missing_facility", "MSH|^~\\&|PAS||H|LA|202609240930||ADT^A01|X1|P|2.4\r" EVN PID PV1, HR_DL_missing_field,
       "MSH-4"},
      {"missing_visit_number", MSH("ADT^A01", "X1") EVN PID "PV1|1|I\r", HR_DL_missing_field, "PV1-19"},
      {"malformed_admit_time", MSH("ADT^A01", "X1") EVN PID "PV1|1|I|||||||||||||||||V1" PV1_TAIL "2026-09-24\r",
       HR_DL_bad_time, "PV1-44"},
      {"impossible_event_time", MSH("ADT^A08", "X1") "EVN|A08|||||202602301200\r" PID PV1, HR_DL_bad_time, "EVN-6"},
      {"no_time_anywhere", "MSH|^~\\&|PAS|RX1|H|LA|||ADT^A08|X1|P|2.4\r" PID PV1, HR_DL_missing_field, "EVN-6"},
      {"impossible_date_of_birth", MSH("ADT^A01", "X1") EVN "PID|1||||A^B||19870229\r" PV1, HR_DL_bad_date, "PID-7"},
      {"short_date_of_birth", MSH("ADT^A01", "X1") EVN "PID|1||||A^B||198702\r" PV1, HR_DL_bad_date, "PID-7"},
      {"invalid_utf8", MSH("ADT^A01", "X1") EVN "PID|1||||M\xFCLLER^B\r" PV1, HR_DL_invalid_utf8, ""},
      {"bad_encoding_characters", "MSH|^^\\&|PAS|RX1|H|LA|202609240930||ADT^A01|X1|P|2.4\r" EVN PID PV1,
       HR_DL_not_parseable, "MSH"},
  };
  RUN_DL_CASES(HR_INPUT_INPATIENT, "", GOOD, "\r", cases, HR_RECORD_EVENT);
}

static void test_garbage_before_first_msh_is_one_dead_letter(void) {
  hr_reader *r = open_text(HR_INPUT_INPATIENT, "hello\rthis is not HL7\r" GOOD);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
    CHECK_INT(rec.dl->position, 1);
    CHECK_INT(rec.dl->raw_len, strlen("hello\rthis is not HL7"));
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.position, 3);
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_nul_byte_and_oversized_messages_are_dead_lettered(void) {
  static const char in[] = GOOD MSH("ADT^A01", "X\0") EVN PID PV1 GOOD;
  hr_reader *r = hr_reader_new(HR_INPUT_INPATIENT, in, sizeof in - 1, "t", NULL);
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  EXPECT_END(r);
  hr_reader_free(r);

  /* A field over 1 KB that we read; then a message over 1 MB (in a segment we do not read). */
  for (int big = 0; big < 2; big++) {
    size_t n = big ? HR_MAX_HL7_MESSAGE_BYTES : 2000;
    char *blob = repeat('Z', n);
    hr_buf b = {0};
    hr_buf_puts(&b, GOOD MSH("ADT^A01", "X2") EVN);
    hr_buf_puts(&b, big ? "NTE|1||" : "PID|1||||");
    hr_buf_puts(&b, blob);
    hr_buf_puts(&b, "\r" PID PV1 GOOD);
    r = hr_reader_new(HR_INPUT_INPATIENT, b.data, b.len, "t", NULL);
    EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_oversized);
      CHECK_STR(rec.dl->field, big ? "" : "PID-5");
      CHECK_INT(rec.dl->position, 5);
    }
    if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_INT(rec.position, 10);
    EXPECT_END(r);
    hr_reader_free(r);
    hr_buf_free(&b);
    free(blob);
  }
}

static void test_mllp_framing_bytes_separate_messages(void) {
  hr_reader *r = open_text(HR_INPUT_INPATIENT, "\x0b" GOOD "\x1c\r\x0b" MSH("ADT^A03", "M2") EVN PID PV1 "\x1c\r");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) CHECK_STR(rec.event->inpatient->control_id, "MSG1");
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_STR(rec.event->inpatient->control_id, "M2");
    CHECK_STR(rec.event->inpatient->hl7_version, "2.4");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_seek_rereads_a_message(void) {
  const char *in = GOOD MSH("ADT^A03", "M2") EVN PID PV1;
  hr_reader *r = open_text(HR_INPUT_INPATIENT, in);
  hr_record rec;
  uint64_t off = 0, pos = 0;
  EXPECT_NEXT(r, &rec, HR_RECORD_EVENT);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) off = rec.offset, pos = rec.position;
  CHECK_INT(pos, 5);
  hr_reader_seek(r, off, pos);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_EVENT)) {
    CHECK_STR(rec.event->inpatient->control_id, "M2");
    CHECK_INT(rec.position, 5);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"admission_fills_every_field", test_admission_fills_every_field},
    {"event_time_per_trigger_with_fallbacks", test_event_time_per_trigger_with_fallbacks},
    {"escapes_lf_separators_and_hl7_null", test_escapes_lf_separators_and_hl7_null},
    {"nhs_number_failing_check_is_a_warning", test_nhs_number_failing_check_is_a_warning},
    {"hostile_messages_are_dead_lettered_and_neighbours_carry_on",
     test_hostile_messages_are_dead_lettered_and_neighbours_carry_on},
    {"garbage_before_first_msh_is_one_dead_letter", test_garbage_before_first_msh_is_one_dead_letter},
    {"nul_byte_and_oversized_messages_are_dead_lettered", test_nul_byte_and_oversized_messages_are_dead_lettered},
    {"mllp_framing_bytes_separate_messages", test_mllp_framing_bytes_separate_messages},
    {"seek_rereads_a_message", test_seek_rereads_a_message},
};
HR_TEST_MAIN(tests)

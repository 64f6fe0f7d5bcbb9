/* Every parser against the same hostile records (issue 2, acceptance 4): a 1 MiB field, invalid
 * UTF-8, a NUL byte, and a record cut in half. Each must be dead-lettered with a reason while
 * the valid records before and after it still flow, for all eight inputs. */
#include <stdlib.h>

#include "connector.h"
#include "hr_test.h"

typedef struct input {
  hr_input_kind kind;
  const char *header;  /* CSV header with newline, or "" */
  const char *good;    /* one valid record, without its terminator */
  const char *field;   /* a substring of good to replace with hostile bytes */
  const char *sep;     /* record terminator */
  hr_record_type type; /* what a valid record yields */
} input;

#define HL7_GOOD                                                                                                       \
  "MSH|^~\\&|PAS|RX1|HEARTH|LA|202609240930||ADT^A01|MSG1|P|2.4\rEVN|A01|202609240930\r"                               \
  "PID|1||9434765919^^^NHS^NH||SMITH^JO||19880229|F|||1 HIGH ST^^LONDON^^N1 9GU\r"                                     \
  "PV1|1|I|WARD7|||||||710|||||||||V1|||||||||||||||||||||||||202609240930|"

static const input inputs[] = {
    {HR_INPUT_PERSONS, "person_id,la_code,nhs_number,upn,given_name,family_name,date_of_birth,sex,postcode\n",
     "P1,E09000007,9434765919,,JO,SMITH,1988-02-29,F,N1 9GU", "SMITH", "\n", HR_RECORD_REGISTER},
    {HR_INPUT_RELATIONSHIPS, "person_id,related_person_id,relationship,start_date,end_date\n", "P1,P2,parent,,", "P2",
     "\n", HR_RECORD_REGISTER},
    {HR_INPUT_KEY_WORKERS, "key_worker_id,name,email,team_id,la_code\n", "KW1,Worker One,kw1@la.example,T1,E09000007",
     "Worker One", "\n", HR_RECORD_REGISTER},
    {HR_INPUT_ASSIGNMENTS, "child_person_id,key_worker_id,start_date,end_date\n", "P2,KW1,2025-01-01,", "KW1", "\n",
     HR_RECORD_REGISTER},
    {HR_INPUT_ATTENDANCE, "upn,school_urn,la_code,date,session,code,given_name,family_name,date_of_birth\n",
     "X801595120867,100004,E08000025,2026-09-07,AM,/,JO,SMITH,2015-01-01", "SMITH", "\n", HR_RECORD_EVENT},
    {HR_INPUT_NRPF,
     "record_id,la_code,nhs_number,given_name,family_name,date_of_birth,postcode,status,effective_date,dependants\n",
     "NR1,E09000007,9434765919,JO,SMITH,1988-02-29,N1 9GU,nrpf,2026-09-23,2", "SMITH", "\n", HR_RECORD_EVENT},
    {HR_INPUT_CUSTODY, "",
     "{\"eventType\":\"prison-offender-events.prisoner.received\",\"occurredAt\":\"2026-09-14T10:12:00+01:00\","
     "\"additionalInformation\":{\"nomsNumber\":\"A1234BC\",\"reason\":\"ADMISSION\"},"
     "\"prisoner\":{\"firstName\":\"JO\",\"lastName\":\"SMITH\",\"dateOfBirth\":\"1988-02-29\",\"dependants\":2}}",
     "SMITH", "\n", HR_RECORD_EVENT},
    {HR_INPUT_INPATIENT, "", HL7_GOOD, "SMITH", "\n", HR_RECORD_EVENT},
};

/* good with `field` replaced by repl (repl_len bytes). */
static char *replace(const char *good, const char *field, const char *repl, size_t repl_len, size_t *out_len) {
  const char *at = strstr(good, field);
  size_t pre = (size_t)(at - good), flen = strlen(field), post = strlen(at + flen);
  char *s = malloc(pre + repl_len + post + 1);
  memcpy(s, good, pre);
  memcpy(s + pre, repl, repl_len);
  memcpy(s + pre + repl_len, at + flen, post + 1);
  *out_len = pre + repl_len + post;
  return s;
}

/* header + good + hostile + good (+ tail): checks good, dead letter (reason if want >= 0), good. */
static void run_case(const input *in, const char *name, const char *hostile, size_t hlen, int want, int hostile_last) {
  size_t cap = strlen(in->header) + 3 * strlen(in->good) + hlen + 16;
  char *buf = malloc(cap);
  size_t n = 0;
#define PUT(p, l) (memcpy(buf + n, (p), (l)), n += (l))
  PUT(in->header, strlen(in->header));
  PUT(in->good, strlen(in->good));
  PUT(in->sep, strlen(in->sep));
  if (!hostile_last) {
    PUT(hostile, hlen);
    PUT(in->sep, strlen(in->sep));
  }
  PUT(in->good, strlen(in->good));
  PUT(in->sep, strlen(in->sep));
  if (hostile_last) PUT(hostile, hlen); /* cut off: no terminator */
#undef PUT
  hr_reader *r = hr_reader_new(in->kind, buf, n, "hostile", NULL);
  hr_record rec;
  int types[4] = {0}, reason = -1, count = 0;
  while (count < 4 && hr_reader_next(r, &rec)) {
    types[count++] = rec.type;
    if (rec.type == HR_RECORD_DEADLETTER) reason = (int)rec.dl->reason;
  }
  int expect[3];
  expect[0] = in->type;
  expect[1] = hostile_last ? (int)in->type : HR_RECORD_DEADLETTER;
  expect[2] = hostile_last ? HR_RECORD_DEADLETTER : (int)in->type;
  if (count != 3 || types[0] != expect[0] || types[1] != expect[1] || types[2] != expect[2])
    hr_test_fail(__FILE__, __LINE__, "%s/%s: records %d %d %d %d (count %d), expected %d %d %d",
                 hr_input_kind_name(in->kind), name, types[0], types[1], types[2], types[3], count, expect[0],
                 expect[1], expect[2]);
  else if (want >= 0 && reason != want)
    hr_test_fail(__FILE__, __LINE__, "%s/%s: reason %s, expected %s", hr_input_kind_name(in->kind), name,
                 hr_dl_reason_code((hr_dl_reason)reason), hr_dl_reason_code((hr_dl_reason)want));
  hr_reader_free(r);
  free(buf);
}

static void test_a_one_mib_field_is_dead_lettered_in_every_input(void) {
  size_t big = 1u << 20, len;
  char *a = malloc(big);
  memset(a, 'A', big);
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    char *h = replace(inputs[i].good, inputs[i].field, a, big, &len);
    run_case(&inputs[i], "one_mib_field", h, len, HR_DL_oversized, 0);
    free(h);
  }
  free(a);
}

static void test_invalid_utf8_is_dead_lettered_in_every_input(void) {
  size_t len;
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    char *h = replace(inputs[i].good, inputs[i].field, "SM\xC3\x28TH", 6, &len);
    run_case(&inputs[i], "invalid_utf8", h, len, HR_DL_invalid_utf8, 0);
    free(h);
  }
}

static void test_a_nul_byte_is_dead_lettered_in_every_input(void) {
  size_t len;
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    char *h = replace(inputs[i].good, inputs[i].field, "SM\0TH", 5, &len);
    run_case(&inputs[i], "nul_byte", h, len, -1, 0);
    free(h);
  }
}

static void test_a_record_cut_in_half_is_dead_lettered_in_every_input(void) {
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    size_t half = strlen(inputs[i].good) / 2;
    if (inputs[i].kind == HR_INPUT_INPATIENT) half = strstr(inputs[i].good, "PID|") - inputs[i].good + 20;
    run_case(&inputs[i], "cut_in_half", inputs[i].good, half, -1, 1);
  }
}

static const hr_test_case tests[] = {
    {"a_one_mib_field_is_dead_lettered_in_every_input", test_a_one_mib_field_is_dead_lettered_in_every_input},
    {"invalid_utf8_is_dead_lettered_in_every_input", test_invalid_utf8_is_dead_lettered_in_every_input},
    {"a_nul_byte_is_dead_lettered_in_every_input", test_a_nul_byte_is_dead_lettered_in_every_input},
    {"a_record_cut_in_half_is_dead_lettered_in_every_input", test_a_record_cut_in_half_is_dead_lettered_in_every_input},
};
HR_TEST_MAIN(tests)

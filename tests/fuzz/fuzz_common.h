/* fuzz_common: drives a reader over a fuzz input and checks what every reader promises, whatever
 * the bytes: records come in input order (offsets and positions strictly increasing), reasons are
 * in range, dead letters point into the input, every string of a yielded record is valid UTF-8
 * with a NUL, every event packs as protobuf and unpacks again, and seeking back to an event
 * reads the same event. Any broken promise aborts, which libFuzzer reports as a crash. */
#ifndef HR_FUZZ_COMMON_H
#define HR_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector.h"
#include "hr_buf.h"

#define FUZZ_CHECK(cond)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                               \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

static void fuzz_check_str(const char *s) {
  FUZZ_CHECK(s != NULL);
  size_t n = strlen(s);
  FUZZ_CHECK(hr_utf8_valid(s, n));
}

static void fuzz_check_subject(const Hearth__V1__Subject *s) {
  FUZZ_CHECK(s != NULL);
  const char *f[] = {s->nhs_number, s->upn,      s->given_name,      s->family_name,      s->date_of_birth,
                     s->sex,        s->postcode, s->given_name_norm, s->family_name_norm, s->postcode_norm};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    fuzz_check_str(f[i]);
  FUZZ_CHECK(strlen(s->nhs_number) == 0 || strlen(s->nhs_number) == 10);
  FUZZ_CHECK(strlen(s->upn) == 0 || strlen(s->upn) == 13);
  FUZZ_CHECK(strlen(s->date_of_birth) == 0 || strlen(s->date_of_birth) == 10);
  for (const char *p = s->given_name_norm; *p; p++)
    FUZZ_CHECK(*p >= 'A' && *p <= 'Z');
  for (const char *p = s->family_name_norm; *p; p++)
    FUZZ_CHECK(*p >= 'A' && *p <= 'Z');
}

static void fuzz_check_event(hr_input_kind kind, const Hearth__V1__AgencyEvent *e) {
  FUZZ_CHECK(e->feed == hr_input_feed(kind));
  fuzz_check_str(e->source);
  fuzz_check_str(e->agency);
  fuzz_check_str(e->la_code);
  fuzz_check_subject(e->subject);
  FUZZ_CHECK(e->n_quality_warnings <= 4);
  for (size_t i = 0; i < e->n_quality_warnings; i++)
    fuzz_check_str(e->quality_warnings[i]);
  switch (kind) {
  case HR_INPUT_CUSTODY:
    FUZZ_CHECK(e->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY);
    fuzz_check_str(e->custody->event_type);
    fuzz_check_str(e->custody->reason);
    fuzz_check_str(e->custody->noms_number);
    fuzz_check_str(e->custody->prison_id);
    fuzz_check_str(e->custody->occurred_at);
    FUZZ_CHECK(e->custody->effect >= 1 && e->custody->effect <= 3);
    FUZZ_CHECK(e->custody->kind >= 1 && e->custody->kind <= 2);
    FUZZ_CHECK(e->custody->noms_number[0] && e->custody->dependants >= 0);
    break;
  case HR_INPUT_INPATIENT:
    FUZZ_CHECK(e->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT);
    fuzz_check_str(e->inpatient->trigger_code);
    fuzz_check_str(e->inpatient->sending_facility);
    fuzz_check_str(e->inpatient->control_id);
    fuzz_check_str(e->inpatient->patient_class);
    fuzz_check_str(e->inpatient->hospital_service);
    fuzz_check_str(e->inpatient->visit_number);
    fuzz_check_str(e->inpatient->hl7_version);
    FUZZ_CHECK(e->inpatient->control_id[0] && e->inpatient->sending_facility[0]);
    FUZZ_CHECK(e->inpatient->trigger != HEARTH__V1__ADT_TRIGGER__ADT_TRIGGER_UNSPECIFIED);
    break;
  case HR_INPUT_ATTENDANCE:
    FUZZ_CHECK(e->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE);
    fuzz_check_str(e->attendance->school_urn);
    fuzz_check_str(e->attendance->date);
    fuzz_check_str(e->attendance->code);
    FUZZ_CHECK(strlen(e->attendance->date) == 10);
    FUZZ_CHECK(e->attendance->session == 1 || e->attendance->session == 2);
    FUZZ_CHECK(e->attendance->category >= 1 && e->attendance->category <= 5);
    break;
  case HR_INPUT_NRPF:
    FUZZ_CHECK(e->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF);
    fuzz_check_str(e->nrpf->record_id);
    fuzz_check_str(e->nrpf->effective_date);
    fuzz_check_str(e->nrpf->household_type);
    fuzz_check_str(e->nrpf->immigration_status);
    fuzz_check_str(e->nrpf->support_start_date);
    fuzz_check_str(e->nrpf->support_end_date);
    fuzz_check_str(e->nrpf->closure_reason);
    FUZZ_CHECK(e->nrpf->record_id[0] && e->nrpf->dependants >= 0);
    FUZZ_CHECK(e->nrpf->status == 1 || e->nrpf->status == 2);
    break;
  default: FUZZ_CHECK(0);
  }
  /* Every event packs and unpacks to the same time and position. */
  size_t n = hearth__v1__agency_event__get_packed_size(e);
  uint8_t *buf = malloc(n ? n : 1);
  FUZZ_CHECK(buf && hearth__v1__agency_event__pack(e, buf) == n);
  Hearth__V1__AgencyEvent *back = hearth__v1__agency_event__unpack(NULL, n, buf);
  FUZZ_CHECK(back && back->event_time_us == e->event_time_us && back->position == e->position);
  hearth__v1__agency_event__free_unpacked(back, NULL);
  free(buf);
}

static void fuzz_check_register(const Hearth__V1__RegisterRecord *g) {
  fuzz_check_str(g->source);
  FUZZ_CHECK(g->n_quality_warnings <= 4);
  switch (g->record_case) {
  case HEARTH__V1__REGISTER_RECORD__RECORD_PERSON:
    FUZZ_CHECK(g->person->person_id[0]); /* an empty la_code is an unknown LA (READING R36) */
    fuzz_check_str(g->person->la_code);
    fuzz_check_str(g->person->nhs_number);
    fuzz_check_str(g->person->upn);
    fuzz_check_str(g->person->given_name);
    fuzz_check_str(g->person->family_name);
    fuzz_check_str(g->person->date_of_birth);
    fuzz_check_str(g->person->sex);
    fuzz_check_str(g->person->postcode);
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP:
    FUZZ_CHECK(g->relationship->type >= 1 && g->relationship->type <= 6);
    fuzz_check_str(g->relationship->start_date);
    fuzz_check_str(g->relationship->end_date);
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER:
    FUZZ_CHECK(g->key_worker->key_worker_id[0]);
    fuzz_check_str(g->key_worker->name);
    fuzz_check_str(g->key_worker->email);
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT:
    FUZZ_CHECK(g->assignment->child_person_id[0] && g->assignment->key_worker_id[0]);
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION:
    FUZZ_CHECK(g->link_decision->case_id[0] && g->link_decision->description[0] && g->link_decision->person_id[0]);
    FUZZ_CHECK(g->link_decision->decision == HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT ||
               g->link_decision->decision == HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_REJECT);
    fuzz_check_str(g->link_decision->decided_by);
    fuzz_check_str(g->link_decision->decided_at);
    fuzz_check_str(g->link_decision->note);
    break;
  default: FUZZ_CHECK(0);
  }
  size_t n = hearth__v1__register_record__get_packed_size(g);
  uint8_t *buf = malloc(n ? n : 1);
  FUZZ_CHECK(buf && hearth__v1__register_record__pack(g, buf) == n);
  free(buf);
}

static void fuzz_check_deadletter(hr_input_kind kind, const hr_deadletter *dl, const char *data, size_t len,
                                  const hr_record *rec, hr_buf *json) {
  FUZZ_CHECK((unsigned)dl->reason < HR_DL__COUNT);
  FUZZ_CHECK(dl->input == kind);
  FUZZ_CHECK(dl->field != NULL && dl->source != NULL);
  FUZZ_CHECK(memchr(dl->message, '\0', sizeof dl->message) != NULL && dl->message[0]);
  FUZZ_CHECK(dl->raw == data + rec->offset);
  FUZZ_CHECK(dl->raw_len <= len - rec->offset);
  FUZZ_CHECK(dl->position == rec->position);
  hr_buf_reset(json);
  hr_deadletter_to_json(dl, json);
  FUZZ_CHECK(!json->oom && json->len > 0 && json->data[0] == '{' && json->data[json->len - 1] == '}');
  FUZZ_CHECK(hr_utf8_valid(json->data, json->len));
}

/* Reads all of data as kind, checking every record; returns the count of records. */
static size_t fuzz_drain(hr_input_kind kind, const char *data, size_t len) {
  hr_reader *r = hr_reader_new(kind, data, len, "fuzz", "agency");
  hr_reader *again = hr_reader_new(kind, data, len, "fuzz", "agency");
  FUZZ_CHECK(r && again);
  hr_record rec, rec2;
  hr_buf json = {0};
  uint64_t last_pos = 0, last_off = 0, n = 0, events = 0, regs = 0, dls = 0;
  while (hr_reader_next(r, &rec)) {
    FUZZ_CHECK(n == 0 || rec.offset > last_off);
    FUZZ_CHECK(rec.position > last_pos);
    FUZZ_CHECK(rec.offset < len);
    last_pos = rec.position;
    last_off = rec.offset;
    n++;
    if (rec.type == HR_RECORD_EVENT) {
      events++;
      FUZZ_CHECK(rec.event && rec.event->position == rec.position);
      fuzz_check_event(kind, rec.event);
    } else if (rec.type == HR_RECORD_REGISTER) {
      regs++;
      FUZZ_CHECK(rec.reg && rec.reg->position == rec.position);
      FUZZ_CHECK(kind <= HR_INPUT_ASSIGNMENTS || kind == HR_INPUT_LINK_DECISIONS);
      fuzz_check_register(rec.reg);
    } else {
      dls++;
      FUZZ_CHECK(rec.type == HR_RECORD_DEADLETTER && rec.dl);
      fuzz_check_deadletter(kind, rec.dl, data, len, &rec, &json);
      continue;
    }
    /* Seeking back to a record reads it again, as the replay does for unsorted feeds. */
    hr_reader_seek(again, rec.offset, rec.position);
    FUZZ_CHECK(hr_reader_next(again, &rec2));
    FUZZ_CHECK(rec2.type == rec.type && rec2.position == rec.position && rec2.offset == rec.offset);
  }
  FUZZ_CHECK(!hr_reader_next(r, &rec)); /* the end stays the end */
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  FUZZ_CHECK(st.records == events + regs && st.deadletters == dls);
  hr_reader_free(r);
  hr_reader_free(again);
  hr_buf_free(&json);
  return n;
}

#endif

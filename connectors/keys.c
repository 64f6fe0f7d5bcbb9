/* keys: the identities of canonical records, used as Kafka message keys and store keys. */
#include <string.h>

#include "connector.h"
#include "hr_buf.h"
#include "hr_decode.h"

void hr_register_key(const Hearth__V1__RegisterRecord *rec, hr_buf *k) {
  hr_buf_reset(k);
  switch (rec->record_case) {
  case HEARTH__V1__REGISTER_RECORD__RECORD_PERSON: hr_buf_printf(k, "person|%s", rec->person->person_id); break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP:
    hr_buf_printf(k, "relationship|%s|%s|%d|%s", rec->relationship->person_id, rec->relationship->related_person_id,
                  (int)rec->relationship->type, rec->relationship->start_date ? rec->relationship->start_date : "");
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER:
    hr_buf_printf(k, "key_worker|%s", rec->key_worker->key_worker_id);
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT:
    hr_buf_printf(k, "assignment|%s|%s|%s", rec->assignment->child_person_id, rec->assignment->key_worker_id,
                  rec->assignment->start_date ? rec->assignment->start_date : "");
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION:
    hr_buf_printf(k, "link_decision|%s", rec->link_decision->case_id);
    break;
  default: break;
  }
}

void hr_event_key(const Hearth__V1__AgencyEvent *ev, hr_buf *k) {
  hr_buf_reset(k);
  const Hearth__V1__Subject *s = ev->subject;
  switch (ev->payload_case) {
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY: hr_buf_printf(k, "noms|%s", ev->custody->noms_number); break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT:
    if (ev->inpatient->visit_number && *ev->inpatient->visit_number)
      hr_buf_printf(k, "spell|%s|%s", ev->inpatient->sending_facility, ev->inpatient->visit_number);
    else
      hr_buf_printf(k, "msg|%s|%s", ev->inpatient->sending_facility, ev->inpatient->control_id);
    break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE:
    if (s && s->upn && *s->upn)
      hr_buf_printf(k, "upn|%s", s->upn);
    else if (s)
      hr_buf_printf(k, "pupil|%s|%s|%s", s->given_name_norm ? s->given_name_norm : "",
                    s->family_name_norm ? s->family_name_norm : "", s->date_of_birth ? s->date_of_birth : "");
    break;
  case HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF:
    if (s && s->nhs_number && *s->nhs_number)
      hr_buf_printf(k, "nhs|%s", s->nhs_number);
    else
      hr_buf_printf(k, "nrpf|%s", ev->nrpf->record_id);
    break;
  default: break;
  }
}

int hr_event_order_key(const uint8_t *p, size_t n, hr_order_key *k) {
  memset(k, 0, sizeof *k);
  size_t i = 0;
  while (i < n) {
    uint64_t tag, v;
    /* As protobuf-c: a tag whose first byte holds no field bits is refused; field 0 written in
     * more bytes is skipped as an unknown field. */
    if ((p[i] & 0xf8) == 0 || hr_pb_varint(p, n, &i, &tag)) return -1;
    uint64_t field = tag >> 3;
    unsigned wire = (unsigned)(tag & 7);
    if (wire != 0) {
      if (hr_pb_skip(p, n, &i, wire)) return -1;
      if (wire == 2 && field >= 10 && field <= 13) k->has_payload = 1;
      continue;
    }
    if (hr_pb_varint(p, n, &i, &v)) return -1;
    if (field == 1) { /* an enum: the low 32 bits, signed, as protobuf-c reads it */
      int32_t f = (int32_t)(uint32_t)v;
      k->feed = f < 0 || f > 1000 ? 1000 : f;
    }
    if (field == 2) k->time_us = (int64_t)v;
    if (field == 4) k->position = v;
  }
  return 0;
}

int hr_feed_order(Hearth__V1__Feed feed) {
  switch (feed) {
  case HEARTH__V1__FEED__FEED_NRPF: return 0;
  case HEARTH__V1__FEED__FEED_CUSTODY: return 1;
  case HEARTH__V1__FEED__FEED_INPATIENT: return 2;
  default: return 3;
  }
}

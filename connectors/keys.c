/* keys: the identities of canonical records, used as Kafka message keys and store keys. */
#include <string.h>

#include "connector.h"
#include "hr_buf.h"

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

/* A protobuf varint (at most 10 bytes) at p[*i]; 0, or -1 when cut short or too long. */
static int wire_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (*i >= n) return -1;
    uint8_t b = p[(*i)++];
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return 0;
  }
  return -1;
}

/* Wire format: a tag varint (field << 3 | type), then a varint (0), 8 bytes (1), a length
 * and that many bytes (2) or 4 bytes (5). */
int hr_event_order_key(const uint8_t *p, size_t n, hr_order_key *k) {
  memset(k, 0, sizeof *k);
  size_t i = 0;
  while (i < n) {
    uint64_t tag, v;
    /* As protobuf-c: a tag whose first byte holds no field bits is refused; field 0 written in
     * more bytes is skipped as an unknown field. */
    if ((p[i] & 0xf8) == 0 || wire_varint(p, n, &i, &tag)) return -1;
    uint64_t field = tag >> 3;
    switch (tag & 7) {
    case 0:
      if (wire_varint(p, n, &i, &v)) return -1;
      if (field == 1) { /* an enum: the low 32 bits, signed, as protobuf-c reads it */
        int32_t f = (int32_t)(uint32_t)v;
        k->feed = f < 0 || f > 1000 ? 1000 : f;
      }
      if (field == 2) k->time_us = (int64_t)v;
      if (field == 4) k->position = v;
      break;
    case 1:
      if (n - i < 8) return -1;
      i += 8;
      break;
    case 5:
      if (n - i < 4) return -1;
      i += 4;
      break;
    case 2:
      if (wire_varint(p, n, &i, &v) || v > n - i) return -1;
      i += (size_t)v;
      if (field >= 10 && field <= 13) k->has_payload = 1;
      break;
    default: return -1; /* groups and undefined wire types */
    }
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

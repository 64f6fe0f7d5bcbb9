/* Tests of the backtest's decoder (broker/backtest/decode.h): it must give the message protobuf-c
 * gives, for every payload and register kind, with unknown fields, and on hostile bytes (never
 * accepting what protobuf-c rejects). Compared by packing both results again. */
#include <stdlib.h>
#include <string.h>

#include "hr_decode.h"
#include "hearth/v1/event.pb-c.h"
#include "hearth/v1/register.pb-c.h"
#include "hr_test.h"

/* Clears the unknown fields protobuf-c keeps (decode.h skips them), recursively. */
static void strip_unknown(ProtobufCMessage *m) {
  m->n_unknown_fields = 0;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) continue;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF && *(uint32_t *)((char *)m + f->quantifier_offset) != f->id) continue;
    ProtobufCMessage *sub = *(ProtobufCMessage **)((char *)m + f->offset);
    if (sub) strip_unknown(sub);
  }
}

/* Both decoders over the bytes; 1 when they agree (both reject, or both give the same message). */
static int agree(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, int want_fast) {
  hr_arena a, b;
  if (hr_arena_init(&a, 4096) || hr_arena_init(&b, 4096)) return 0;
  ProtobufCMessage *fast = hr_decode_fast(d, p, len, &a);
  ProtobufCMessage *ref = protobuf_c_message_unpack(d, &b.alloc, len, p);
  int ok = 1;
  if (want_fast && !fast) ok = 0;
  if (fast && !ref) ok = 0; /* accepted what protobuf-c rejects */
  if (fast && ref) {
    strip_unknown(ref);
    size_t n1 = protobuf_c_message_get_packed_size(fast), n2 = protobuf_c_message_get_packed_size(ref);
    uint8_t *x = malloc(n1 + 1), *y = malloc(n2 + 1);
    protobuf_c_message_pack(fast, x);
    protobuf_c_message_pack(ref, y);
    ok = n1 == n2 && memcmp(x, y, n1) == 0;
    free(x);
    free(y);
  }
  hr_arena_free(&a);
  hr_arena_free(&b);
  return ok;
}

static size_t pack_event(const Hearth__V1__AgencyEvent *ev, uint8_t *buf) {
  return hearth__v1__agency_event__pack(ev, buf);
}

static void test_every_event_kind_decodes_as_protobuf_c_does(void) {
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.nhs_number = (char *)"9434765919";
  s.upn = (char *)"A123456789012";
  s.given_name = (char *)"Zoë";
  s.family_name = (char *)"O'Brien";
  s.date_of_birth = (char *)"2014-03-02";
  s.sex = (char *)"F";
  s.postcode = (char *)"E1 1AA";
  s.given_name_norm = (char *)"ZOE";
  s.family_name_norm = (char *)"OBRIEN";
  s.postcode_norm = (char *)"E11AA";
  char *warnings[] = {(char *)"nhs_number_check_failed", (char *)"postcode_invalid", (char *)""};
  Hearth__V1__CustodyEvent c = HEARTH__V1__CUSTODY_EVENT__INIT;
  c.event_type = (char *)"prison-offender-events.prisoner.received";
  c.kind = HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED;
  c.reason = (char *)"ADMISSION";
  c.effect = HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS;
  c.noms_number = (char *)"A1234BC";
  c.prison_id = (char *)"MDI";
  c.occurred_at = (char *)"2026-10-01T10:13:27+01:00";
  c.dependants = -3; /* negative int32: ten bytes on the wire */
  Hearth__V1__InpatientEvent in = HEARTH__V1__INPATIENT_EVENT__INIT;
  in.trigger = HEARTH__V1__ADT_TRIGGER__ADT_OTHER;
  in.trigger_code = (char *)"A01";
  in.sending_facility = (char *)"RV5";
  in.control_id = (char *)"MSG1";
  in.patient_class = (char *)"I";
  in.hospital_service = (char *)"710";
  in.visit_number = (char *)"V1";
  in.hl7_version = (char *)"2.5";
  Hearth__V1__AttendanceMark m = HEARTH__V1__ATTENDANCE_MARK__INIT;
  m.school_urn = (char *)"100001";
  m.date = (char *)"2026-09-14";
  m.session = HEARTH__V1__SESSION__SESSION_PM;
  m.code = (char *)"N";
  m.category = HEARTH__V1__MARK_CATEGORY__MARK_UNAUTHORISED_ABSENCE;
  Hearth__V1__NrpfRecord n = HEARTH__V1__NRPF_RECORD__INIT;
  n.record_id = (char *)"NR1";
  n.status = HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF;
  n.effective_date = (char *)"2026-01-01";
  n.dependants = 2;
  n.household_type = (char *)"family";
  n.immigration_status = (char *)"x";
  n.support_start_date = (char *)"2026-01-02";
  n.support_end_date = (char *)"";
  n.closure_reason = (char *)"none";
  for (int kind = 0; kind < 5; kind++) {
    Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
    ev.feed = (Hearth__V1__Feed)(kind % 4 + 1);
    ev.event_time_us = kind == 4 ? -5 : 1767225600000000LL + kind;
    ev.source = (char *)"feeds/x.csv";
    ev.position = UINT64_MAX - (uint64_t)kind;
    ev.agency = (char *)"agency";
    ev.la_code = (char *)"E09000007";
    ev.subject = kind == 4 ? NULL : &s;
    ev.n_quality_warnings = (size_t)kind % 4;
    ev.quality_warnings = warnings;
    switch (kind) {
    case 0: ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY, ev.custody = &c; break;
    case 1: ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT, ev.inpatient = &in; break;
    case 2: ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE, ev.attendance = &m; break;
    case 3: ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF, ev.nrpf = &n; break;
    default: break; /* no payload, no subject: still a message */
    }
    uint8_t buf[2048];
    size_t len = pack_event(&ev, buf);
    CHECK(agree(&hearth__v1__agency_event__descriptor, buf, len, 1));
    /* Unknown fields (a newer connector's) are skipped: the same event. */
    uint8_t ext[2100];
    memcpy(ext, buf, len);
    const uint8_t extra[] = {0xb0, 0x06, 0x2a, 0xba, 0x06, 0x03, 'n', 'e', 'w'}; /* field 102 varint, 103 string */
    memcpy(ext + len, extra, sizeof extra);
    CHECK(agree(&hearth__v1__agency_event__descriptor, ext, len + sizeof extra, 1));
  }
}

static void test_every_register_kind_decodes_as_protobuf_c_does(void) {
  Hearth__V1__Person p = HEARTH__V1__PERSON__INIT;
  p.person_id = (char *)"P1";
  p.la_code = (char *)"E09000007";
  p.nhs_number = (char *)"9434765919";
  p.given_name = (char *)"A";
  p.family_name = (char *)"B";
  p.date_of_birth = (char *)"1980-01-01";
  p.postcode = (char *)"E1 1AA";
  Hearth__V1__Relationship r = HEARTH__V1__RELATIONSHIP__INIT;
  r.person_id = (char *)"P1";
  r.related_person_id = (char *)"P2";
  r.type = HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING;
  r.start_date = (char *)"2020-01-01";
  Hearth__V1__KeyWorker k = HEARTH__V1__KEY_WORKER__INIT;
  k.key_worker_id = (char *)"KW1";
  k.email = (char *)"kw@example.org";
  Hearth__V1__Assignment as = HEARTH__V1__ASSIGNMENT__INIT;
  as.child_person_id = (char *)"P2";
  as.key_worker_id = (char *)"KW1";
  as.end_date = (char *)"2027-01-01";
  for (int kind = 0; kind < 4; kind++) {
    Hearth__V1__RegisterRecord rec = HEARTH__V1__REGISTER_RECORD__INIT;
    rec.deleted = kind == 2;
    rec.source = (char *)"persons.csv";
    rec.position = 7;
    switch (kind) {
    case 0: rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON, rec.person = &p; break;
    case 1: rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP, rec.relationship = &r; break;
    case 2: rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER, rec.key_worker = &k; break;
    default: rec.record_case = HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT, rec.assignment = &as; break;
    }
    uint8_t buf[1024];
    size_t len = hearth__v1__register_record__pack(&rec, buf);
    CHECK(agree(&hearth__v1__register_record__descriptor, buf, len, 1));
  }
}

static void test_hostile_bytes_never_decode_differently(void) {
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  /* Mutations of a real event, and random bytes. */
  Hearth__V1__AttendanceMark m = HEARTH__V1__ATTENDANCE_MARK__INIT;
  m.date = (char *)"2026-09-14";
  m.code = (char *)"N";
  Hearth__V1__Subject s = HEARTH__V1__SUBJECT__INIT;
  s.upn = (char *)"A123456789012";
  Hearth__V1__AgencyEvent ev = HEARTH__V1__AGENCY_EVENT__INIT;
  ev.feed = HEARTH__V1__FEED__FEED_ATTENDANCE;
  ev.event_time_us = 1767225600000000LL;
  ev.subject = &s;
  ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  ev.attendance = &m;
  uint8_t base[256];
  size_t blen = pack_event(&ev, base);
  for (int round = 0; round < 20000; round++) {
    uint8_t buf[256];
    size_t len;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (round % 2) {
      memcpy(buf, base, blen);
      len = blen - (size_t)(x % 4 == 0 ? x % blen : 0);
      for (int k = 0; k < 1 + (int)(x >> 60) % 3; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[x % blen] = (uint8_t)(x >> 32);
      }
    } else {
      len = x % 64;
      for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
      }
    }
    if (!agree(&hearth__v1__agency_event__descriptor, buf, len, 0)) {
      fprintf(stderr, "input (%zu bytes):", len);
      for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02x", buf[i]);
      fputc('\n', stderr);
      CHECK(!"the decoders disagree");
      return;
    }
  }
}

static const hr_test_case tests[] = {
    {"archive_decode_every_event_kind_as_protobuf_c", test_every_event_kind_decodes_as_protobuf_c_does},
    {"archive_decode_every_register_kind_as_protobuf_c", test_every_register_kind_decodes_as_protobuf_c_does},
    {"archive_decode_hostile_bytes_never_differ", test_hostile_bytes_never_decode_differently},
};
HR_TEST_MAIN(tests)

/* inpatient: a file of HL7 v2 ADT messages (REFERENCE section 3), one AgencyEvent per message.
 * A message that is not ADT is dead-lettered not_adt (the MLLP listener answers it AR); other
 * faults are dead-lettered with the HL7 field at fault (e.g. "PID-7"). The event time follows
 * REFERENCE: A01/A06 PV1-44, A03 PV1-45, others EVN-6; each falling back to EVN-2, then MSH-7
 * when empty. A message's position is the line of its MSH. */
#include <string.h>

#include "hl7.h"
#include "hr_buf.h"
#include "hr_time.h"
#include "ids.h"
#include "reader_int.h"

/* The fields this parser reads; any of them over HR_MAX_FIELD_BYTES sinks the message. */
enum { S_MSH, S_EVN, S_PID, S_PV1 };
static const struct {
  int seg, n;
  const char *name;
} read_fields[] = {
    {S_MSH, 4, "MSH-4"},   {S_MSH, 7, "MSH-7"},   {S_MSH, 9, "MSH-9"},   {S_MSH, 10, "MSH-10"}, {S_MSH, 12, "MSH-12"},
    {S_EVN, 1, "EVN-1"},   {S_EVN, 2, "EVN-2"},   {S_EVN, 6, "EVN-6"},   {S_PID, 3, "PID-3"},   {S_PID, 5, "PID-5"},
    {S_PID, 7, "PID-7"},   {S_PID, 8, "PID-8"},   {S_PID, 11, "PID-11"}, {S_PV1, 2, "PV1-2"},   {S_PV1, 10, "PV1-10"},
    {S_PV1, 19, "PV1-19"}, {S_PV1, 44, "PV1-44"}, {S_PV1, 45, "PV1-45"},
};

static hr_hl7_span seg_of(const hr_hl7_msg *m, int seg) {
  switch (seg) {
  case S_MSH: return m->msh;
  case S_EVN: return m->evn;
  case S_PID: return m->pid;
  default: return m->pv1;
  }
}

static const struct {
  const char *code;
  Hearth__V1__AdtTrigger trigger;
} triggers[] = {
    {"A01", HEARTH__V1__ADT_TRIGGER__ADT_A01}, {"A02", HEARTH__V1__ADT_TRIGGER__ADT_A02},
    {"A03", HEARTH__V1__ADT_TRIGGER__ADT_A03}, {"A06", HEARTH__V1__ADT_TRIGGER__ADT_A06},
    {"A08", HEARTH__V1__ADT_TRIGGER__ADT_A08}, {"A11", HEARTH__V1__ADT_TRIGGER__ADT_A11},
    {"A13", HEARTH__V1__ADT_TRIGGER__ADT_A13},
};

static inline int is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* A value unescaped into the arena and trimmed. The HL7 null "" reads as empty unless keep_null
 * (PV1-10 keeps it: "" clears the service, empty leaves it unchanged; see README). */
static hr__str value(hr_reader *r, const hr_hl7_msg *m, hr_hl7_span v, int keep_null) {
  hr__str out = {hr__alloc(r, v.n), 0};
  if (!out.s) return hr__copy(r, "", 0);
  size_t n = hr_hl7_unescape(m, v, out.s);
  char *s = out.s;
  while (n && is_blank(s[0]))
    s++, n--;
  while (n && is_blank(s[n - 1]))
    n--;
  s[n] = '\0';
  if (!keep_null && n == 2 && s[0] == '"' && s[1] == '"') s[n = 0] = '\0';
  out.s = s;
  out.n = n;
  return out;
}

static hr__str get(hr_reader *r, const hr_hl7_msg *m, hr_hl7_span seg, int n, int c) {
  return value(r, m, hr_hl7_get(m, seg, n, c), 0);
}

/* PID-3: the first repetition whose assigning authority (component 4) is NHS or identifier type
 * (component 5) is NH and whose number passes Modulus 11; a warning when some qualify but none
 * passes. */
static void pid3_nhs(hr_reader *r, const hr_hl7_msg *m) {
  hr_hl7_span f = hr_hl7_field(m, m->pid, 3), rep;
  size_t cur = 0;
  int qualified = 0;
  char digits[11];
  while (hr_hl7_iter(f, m->rep, &cur, &rep)) {
    hr__str auth = value(r, m, hr_hl7_sub(m, hr_hl7_comp(m, rep, 4), 1), 0);
    hr__str type = value(r, m, hr_hl7_sub(m, hr_hl7_comp(m, rep, 5), 1), 0);
    if (!hr__eq(auth.s, auth.n, "NHS") && !hr__eq(type.s, type.n, "NH")) continue;
    hr__str id = value(r, m, hr_hl7_sub(m, hr_hl7_comp(m, rep, 1), 1), 0);
    if (id.n == 0) continue;
    qualified = 1;
    if (hr_nhs_normalise(id.s, id.n, digits)) {
      r->subject.nhs_number = hr__copy(r, digits, 10).s;
      return;
    }
  }
  if (qualified) hr__warn(r, HR_WARN_NHS);
}

static int message(hr_reader *r) {
  static const Hearth__V1__InpatientEvent inpatient0 = HEARTH__V1__INPATIENT_EVENT__INIT;
  const char *d = r->data + r->rec_start;
  size_t len = r->rec_end - r->rec_start;
  hr_hl7_msg msg, *m = &msg;
  const char *why;

  if (len > HR_MAX_HL7_MESSAGE_BYTES)
    return hr__dead(r, HR_DL_oversized, "", "the message is %zu bytes, over the %u-byte limit; split or shorten it",
                    len, HR_MAX_HL7_MESSAGE_BYTES);
  size_t bad = hr__utf8_invalid_at(d, len);
  if (bad < len)
    return hr__dead(r, HR_DL_invalid_utf8, "",
                    "the message has a byte that is not UTF-8 at byte %zu (0x%02X); send HL7 encoded as UTF-8", bad + 1,
                    (unsigned)(unsigned char)d[bad]);
  if (memchr(d, '\0', len))
    return hr__dead(r, HR_DL_not_parseable, "", "the message contains a NUL byte; send HL7 v2 text");
  if (hr_hl7_parse(m, d, len, &why) != 0)
    return hr__dead(r, HR_DL_not_parseable, "MSH", "%s; fix the MSH segment", why);
  if (!hr_hl7_field(m, m->msh, 9).s)
    return hr__dead(r, HR_DL_not_parseable, "MSH",
                    "the MSH segment ends before MSH-9 (message type); the message is cut short, send it whole");
  for (size_t i = 0; i < sizeof read_fields / sizeof read_fields[0]; i++) {
    hr_hl7_span f = hr_hl7_field(m, seg_of(m, read_fields[i].seg), read_fields[i].n);
    if (f.n > HR_MAX_FIELD_BYTES)
      return hr__dead(r, HR_DL_oversized, read_fields[i].name,
                      "%s is %zu bytes, over the %u-byte limit for a field; shorten it", read_fields[i].name, f.n,
                      HR_MAX_FIELD_BYTES);
  }

  /* MSH-9: ADT, and the trigger (MSH-9.2, else EVN-1 as older senders put it). */
  hr__str type = get(r, m, m->msh, 9, 1);
  if (!hr__eq(type.s, type.n, "ADT")) {
    if (type.n == 0)
      return hr__dead(r, HR_DL_not_adt, "MSH-9", "MSH-9 (message type) is empty; Hearth reads ADT messages only");
    return hr__dead_value(r, HR_DL_not_adt, "MSH-9", type.s, type.n,
                          "is not an ADT message type; Hearth reads ADT messages only");
  }
  hr__str trig = get(r, m, m->msh, 9, 2);
  if (trig.n == 0) trig = get(r, m, m->evn, 1, 1);
  if (trig.n == 0)
    return hr__dead(r, HR_DL_missing_field, "MSH-9",
                    "MSH-9 has no trigger event (e.g. ADT^A01); send the trigger in MSH-9.2");
  Hearth__V1__AdtTrigger trigger = HEARTH__V1__ADT_TRIGGER__ADT_OTHER;
  for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++)
    if (hr__eq_nocase(trig.s, trig.n, triggers[i].code)) trigger = triggers[i].trigger;
  int spell = trigger != HEARTH__V1__ADT_TRIGGER__ADT_OTHER;

  hr__str control = value(r, m, hr_hl7_field(m, m->msh, 10), 0);
  if (control.n == 0)
    return hr__dead(r, HR_DL_missing_field, "MSH-10",
                    "MSH-10 (message control id) is empty; every message needs a unique one");
  hr__str facility = get(r, m, m->msh, 4, 1);
  if (facility.n == 0)
    return hr__dead(r, HR_DL_missing_field, "MSH-4", "MSH-4 (sending facility) is empty; send the facility's ODS code");
  if (!m->pid.s)
    return hr__dead(r, HR_DL_missing_segment, "PID", "the message has no PID segment; send the patient's PID");
  if (spell && !m->pv1.s)
    return hr__dead(r, HR_DL_missing_segment, "PV1", "an ADT %s message has no PV1 segment; send the visit's PV1",
                    trig.s);
  hr__str visit = get(r, m, m->pv1, 19, 1);
  if (spell && visit.n == 0)
    return hr__dead(
        r, HR_DL_missing_field, "PV1-19",
        "PV1-19 (visit number) is empty; an ADT %s message needs the visit number that identifies the spell", trig.s);

  /* Event time. */
  struct {
    hr_hl7_span seg;
    int n;
    const char *name;
  } chain[3] = {{m->evn, 6, "EVN-6"}, {m->evn, 2, "EVN-2"}, {m->msh, 7, "MSH-7"}};
  if (trigger == HEARTH__V1__ADT_TRIGGER__ADT_A01 || trigger == HEARTH__V1__ADT_TRIGGER__ADT_A06)
    chain[0].seg = m->pv1, chain[0].n = 44, chain[0].name = "PV1-44";
  else if (trigger == HEARTH__V1__ADT_TRIGGER__ADT_A03)
    chain[0].seg = m->pv1, chain[0].n = 45, chain[0].name = "PV1-45";
  int64_t when = 0;
  int have_time = 0;
  for (int i = 0; i < 3 && !have_time; i++) {
    hr__str t = get(r, m, chain[i].seg, chain[i].n, 1);
    if (t.n == 0) continue;
    if (hr_parse_hl7_instant(t.s, t.n, &when) != 0)
      return hr__dead_value(r, HR_DL_bad_time, chain[i].name, t.s, t.n,
                            "is not a real HL7 time; write it as YYYYMMDDHHMM[SS][+ZZZZ]");
    have_time = 1;
  }
  if (!have_time)
    return hr__dead(r, HR_DL_missing_field, chain[0].name,
                    "the message has no event time (%s, EVN-2 and MSH-7 are empty); send one", chain[0].name);

  /* PID-7: YYYYMMDD, then at most a time of birth. */
  hr__str dob = get(r, m, m->pid, 7, 1);
  char dob_iso[11] = "";
  if (dob.n) {
    int32_t days;
    int ok = dob.n >= 8 && hr_parse_date_compact(dob.s, 8, &days) == 0;
    for (size_t i = 8; ok && i < dob.n; i++)
      ok = (dob.s[i] >= '0' && dob.s[i] <= '9') || dob.s[i] == '.' || dob.s[i] == '+' || dob.s[i] == '-';
    if (!ok)
      return hr__dead_value(r, HR_DL_bad_date, "PID-7", dob.s, dob.n,
                            "is not a real date of birth; write it as YYYYMMDD");
    hr_format_date(days, dob_iso);
  }

  hr__event_begin(r, HEARTH__V1__FEED__FEED_INPATIENT);
  r->ev.event_time_us = when;
  pid3_nhs(r, m);
  r->subject.date_of_birth = hr__copy(r, dob_iso, strlen(dob_iso)).s;
  hr__str sex = get(r, m, m->pid, 8, 1);
  if (sex.n == 1 && (hr__eq_nocase(sex.s, 1, "M") || hr__eq_nocase(sex.s, 1, "F") || hr__eq_nocase(sex.s, 1, "U"))) {
    sex.s[0] = (char)(sex.s[0] & ~0x20);
    r->subject.sex = sex.s;
  } else if (sex.n) {
    hr__warn(r, HR_WARN_SEX);
  }
  hr__str family = value(r, m, hr_hl7_sub(m, hr_hl7_comp(m, hr_hl7_rep(m, hr_hl7_field(m, m->pid, 5), 0), 1), 1), 0);
  hr__str given = get(r, m, m->pid, 5, 2);
  hr__str postcode = get(r, m, m->pid, 11, 5);
  hr__subject_names(r, given, family, postcode);

  Hearth__V1__InpatientEvent *ip = &r->inpatient;
  *ip = inpatient0;
  ip->trigger = trigger;
  ip->trigger_code = trig.s;
  ip->sending_facility = facility.s;
  ip->control_id = control.s;
  ip->patient_class = get(r, m, m->pv1, 2, 1).s;
  ip->hospital_service = value(r, m, hr_hl7_get(m, m->pv1, 10, 1), 1).s;
  ip->visit_number = visit.s;
  ip->hl7_version = get(r, m, m->msh, 12, 1).s;
  r->ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT;
  r->ev.inpatient = ip;
  return hr__event_finish(r);
}

static int is_gap(char c) {
  return hr_hl7_is_segsep((unsigned char)c) || hr_hl7_is_frame((unsigned char)c) || c == ' ' || c == '\t';
}

int hr__inpatient_next(hr_reader *r) {
  const char *d = r->data;
  const size_t len = r->len;
  if (!r->started) {
    /* Separators before the first MSH are fine; anything else is one dead letter. */
    r->started = 1;
    size_t i = r->pos;
    uint64_t line = r->line;
    while (i < len && is_gap(d[i])) {
      if (d[i] == '\n' || (d[i] == '\r' && (i + 1 >= len || d[i + 1] != '\n'))) line++;
      i++;
    }
    r->pos = i;
    r->line = line;
    if (i < len && !(len - i >= 3 && memcmp(d + i, "MSH", 3) == 0)) {
      size_t next = hr_hl7_next_msh(d, len, i, &r->line);
      size_t end = next;
      while (end > i && is_gap(d[end - 1]))
        end--;
      r->pos = next;
      hr__record_begin(r, i, end, line);
      return hr__dead(r, HR_DL_not_parseable, "",
                      "the input has %zu bytes before its first MSH segment; every HL7 message starts "
                      "with MSH at the start of a line",
                      end - i);
    }
  }
  if (r->pos >= len) return 0;
  size_t start = r->pos;
  uint64_t line = r->line;
  size_t next = hr_hl7_next_msh(d, len, start, &r->line);
  size_t end = next;
  while (end > start && is_gap(d[end - 1]))
    end--;
  r->pos = next;
  hr__record_begin(r, start, end, line);
  return message(r);
}

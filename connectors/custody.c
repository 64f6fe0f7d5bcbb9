/* custody: HMPPS prisoner events, enriched with the custody data share's `prisoner` object, as
 * JSON lines (REFERENCE section 2). One line, one AgencyEvent or one dead letter; a line that is
 * blank is skipped. What the event does to the prison number's episode (STARTS / ENDS / NONE) is
 * decided here from eventType and reason, so the engine never sees an unknown reason
 * (READING.md R12). */
#include <string.h>

#include "hr_err.h"
#include "hr_buf.h"
#include "hr_time.h"
#include "reader_int.h"

/* Each value takes at least two bytes of a line ("1," / "[]" / ""), bar the few containers the
 * depth limit allows, so this many nodes always suffice for a line within the limit. */
#define CUSTODY_JSON_NODES (HR_MAX_RECORD_BYTES / 2u + 2u * HR_JSON_MAX_DEPTH + 8u)

int hr__custody_init(hr_reader *r) {
  return hr_json_init(&r->json, CUSTODY_JSON_NODES);
}

static const struct {
  const char *name;
  Hearth__V1__CustodyKind kind;
} event_types[] = {
    {"prison-offender-events.prisoner.received", HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED},
    {"prison-offender-events.prisoner.released", HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RELEASED},
    {"prisoner-offender-search.prisoner.received", HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED},
    {"prisoner-offender-search.prisoner.released", HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RELEASED},
};

static const struct {
  Hearth__V1__CustodyKind kind;
  const char *reason;
  Hearth__V1__CustodyEffect effect;
} reasons[] = {
#define RCV HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED
#define REL HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RELEASED
#define STARTS HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_STARTS
#define ENDS HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_ENDS
#define NONE HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_NONE
    {RCV, "ADMISSION", STARTS},
    {RCV, "NEW_ADMISSION", STARTS},
    {RCV, "READMISSION", STARTS},
    {RCV, "READMISSION_SWITCH_BOOKING", STARTS},
    {RCV, "TRANSFERRED", NONE},
    {RCV, "RETURN_FROM_COURT", NONE},
    {RCV, "TEMPORARY_ABSENCE_RETURN", NONE},
    {RCV, "POST_MERGE_ADMISSION", NONE},
    {REL, "RELEASED", ENDS},
    {REL, "RELEASED_TO_HOSPITAL", ENDS},
    {REL, "TRANSFERRED", NONE},
    {REL, "SENT_TO_COURT", NONE},
    {REL, "TEMPORARY_ABSENCE_RELEASE", NONE},
    {REL, "UNKNOWN", NONE},
#undef RCV
#undef REL
#undef STARTS
#undef ENDS
#undef NONE
};

static inline int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Results of reading one member. */
enum { M_ABSENT = 0, M_STRING = 1, M_OTHER = 2, M_DEAD = -1 };

/* Member `key` of object obj as a trimmed, decoded string in the arena. M_ABSENT when missing or
 * null, M_OTHER when another type (node in *node), M_DEAD when dead-lettered (*rc set). */
static int member_str(hr_reader *r, int obj, const char *key, const char *field, hr__str *out, int *node, int *rc) {
  const hr_json *j = &r->json;
  int v = hr_json_get(j, obj, key);
  int type = hr_json_type_of(j, v);
  out->s = NULL;
  out->n = 0;
  if (node) *node = v;
  if (v < 0 || type == HR_JSON_NULL) return M_ABSENT;
  if (type != HR_JSON_STRING) return M_OTHER;
  size_t raw = j->nodes[v].len;
  char *buf = raw <= 6u * HR_MAX_FIELD_BYTES ? hr__alloc(r, raw) : NULL;
  size_t n = buf ? hr_json_str(j, v, buf) : raw;
  if (n > HR_MAX_FIELD_BYTES || !buf) {
    *rc = hr__dead(r, HR_DL_oversized, field, "%s is %zu bytes, over the %u-byte limit for a field; shorten it", field,
                   n, HR_MAX_FIELD_BYTES);
    return M_DEAD;
  }
  if (memchr(buf, '\0', n)) {
    *rc = hr__dead(r, HR_DL_not_parseable, field, "%s contains a NUL character (\\u0000); remove it", field);
    return M_DEAD;
  }
  char *s = buf;
  while (n && is_space(s[0]))
    s++, n--;
  while (n && is_space(s[n - 1]))
    n--;
  s[n] = '\0';
  out->s = s;
  out->n = n;
  return M_STRING;
}

/* The raw JSON text of node v, for messages. */
static void node_text(const hr_reader *r, int v, const char **s, size_t *n) {
  const hr_json_node *nd = &r->json.nodes[v];
  *s = r->json.src + nd->start;
  *n = nd->len;
}

static int custody_event(hr_reader *r) {
  static const Hearth__V1__CustodyEvent custody0 = HEARTH__V1__CUSTODY_EVENT__INIT;
  const hr_json *j = &r->json;
  int rc = 0, node, m;
  const char *t;
  size_t tn;
  hr__str et, noms, reason, occurred, prison = {NULL, 0};

  /* eventType */
  m = member_str(r, 0, "eventType", "eventType", &et, &node, &rc);
  if (m == M_DEAD) return rc;
  if (m == M_ABSENT || (m == M_STRING && et.n == 0))
    return hr__dead(r, HR_DL_missing_field, "eventType",
                    "eventType is missing; every line needs an HMPPS event type such as "
                    "prison-offender-events.prisoner.received");
  if (m == M_OTHER) {
    node_text(r, node, &t, &tn);
    return hr__dead_value(r, HR_DL_unknown_event_type, "eventType", t, tn, "is not a string event type");
  }
  Hearth__V1__CustodyKind kind = HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_UNSPECIFIED;
  for (size_t i = 0; i < sizeof event_types / sizeof event_types[0]; i++)
    if (hr__eq(et.s, et.n, event_types[i].name)) kind = event_types[i].kind;
  if (!kind)
    return hr__dead_value(r, HR_DL_unknown_event_type, "eventType", et.s, et.n,
                          "is not an event type Hearth reads; send prisoner.received or "
                          "prisoner.released of prison-offender-events or prisoner-offender-search");

  /* nomsNumber: additionalInformation first, then personReference's NOMS identifier. */
  int info = hr_json_get(j, 0, "additionalInformation");
  if (hr_json_type_of(j, info) != HR_JSON_OBJECT) info = -1;
  noms.s = NULL;
  noms.n = 0;
  if (info >= 0 && (m = member_str(r, info, "nomsNumber", "nomsNumber", &noms, NULL, &rc)) == M_DEAD) return rc;
  if (noms.n == 0) {
    int ids = hr_json_get(j, hr_json_get(j, 0, "personReference"), "identifiers");
    for (int id = hr_json_first(j, ids); id >= 0 && noms.n == 0; id = hr_json_next(j, ids, id)) {
      hr__str type, value;
      if ((m = member_str(r, id, "type", "personReference.identifiers.type", &type, NULL, &rc)) == M_DEAD) return rc;
      if (m != M_STRING || !hr__eq(type.s, type.n, "NOMS")) continue;
      if ((m = member_str(r, id, "value", "personReference.identifiers.value", &value, NULL, &rc)) == M_DEAD) return rc;
      if (m == M_STRING) noms = value;
    }
  }
  if (noms.n == 0)
    return hr__dead(r, HR_DL_missing_field, "nomsNumber",
                    "nomsNumber is missing; send the prison number in additionalInformation.nomsNumber");

  /* reason */
  reason.s = NULL;
  reason.n = 0;
  m = info >= 0 ? member_str(r, info, "reason", "reason", &reason, &node, &rc) : M_ABSENT;
  if (m == M_DEAD) return rc;
  if (m == M_ABSENT || (m == M_STRING && reason.n == 0))
    return hr__dead(r, HR_DL_missing_field, "reason",
                    "reason is missing; send additionalInformation.reason (e.g. ADMISSION, RELEASED)");
  if (m == M_OTHER) {
    node_text(r, node, &t, &tn);
    return hr__dead_value(r, HR_DL_unknown_reason, "reason", t, tn, "is not a string reason");
  }
  Hearth__V1__CustodyEffect effect = HEARTH__V1__CUSTODY_EFFECT__CUSTODY_EFFECT_UNSPECIFIED;
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
    if (reasons[i].kind == kind && hr__eq(reason.s, reason.n, reasons[i].reason)) effect = reasons[i].effect;
  if (!effect)
    return hr__dead_value(r, HR_DL_unknown_reason, "reason", reason.s, reason.n,
                          kind == HEARTH__V1__CUSTODY_KIND__CUSTODY_KIND_RECEIVED
                              ? "is not a reason Hearth reads for a received event; see REFERENCE section 2"
                              : "is not a reason Hearth reads for a released event; see REFERENCE section 2");

  /* occurredAt */
  int64_t when;
  m = member_str(r, 0, "occurredAt", "occurredAt", &occurred, &node, &rc);
  if (m == M_DEAD) return rc;
  if (m == M_ABSENT || (m == M_STRING && occurred.n == 0))
    return hr__dead(r, HR_DL_missing_field, "occurredAt",
                    "occurredAt is missing; send the event time as ISO 8601, e.g. 2026-09-14T10:12:00+01:00");
  if (m == M_OTHER) {
    node_text(r, node, &t, &tn);
    return hr__dead_value(r, HR_DL_bad_time, "occurredAt", t, tn,
                          "is not an ISO 8601 time; write it like 2026-09-14T10:12:00+01:00");
  }
  if (hr_parse_iso_instant(occurred.s, occurred.n, &when) != 0)
    return hr__dead_value(r, HR_DL_bad_time, "occurredAt", occurred.s, occurred.n,
                          "is not a real ISO 8601 time; write it like 2026-09-14T10:12:00+01:00");

  if (info >= 0 && member_str(r, info, "prisonId", "prisonId", &prison, NULL, &rc) == M_DEAD) return rc;

  /* prisoner: optional, but an object when present. */
  int pr = hr_json_get(j, 0, "prisoner");
  int prt = hr_json_type_of(j, pr);
  if (pr >= 0 && prt != HR_JSON_NULL && prt != HR_JSON_OBJECT) {
    node_text(r, pr, &t, &tn);
    return hr__dead_value(r, HR_DL_not_parseable, "prisoner", t, tn,
                          "is not a JSON object; send an object or leave it out");
  }
  if (prt != HR_JSON_OBJECT) pr = -1;
  hr__str first = {NULL, 0}, last = {NULL, 0}, dob = {NULL, 0}, postcode = {NULL, 0}, la = {NULL, 0};
  hr__str nhs = {NULL, 0};
  int32_t dob_days, dependants = 0;
  int nhs_node = -1, nhs_m = M_ABSENT;
  if (pr >= 0) {
    if (member_str(r, pr, "firstName", "firstName", &first, NULL, &rc) == M_DEAD ||
        member_str(r, pr, "lastName", "lastName", &last, NULL, &rc) == M_DEAD ||
        member_str(r, pr, "postcode", "postcode", &postcode, NULL, &rc) == M_DEAD ||
        member_str(r, pr, "laCode", "laCode", &la, NULL, &rc) == M_DEAD)
      return rc;
    m = member_str(r, pr, "dateOfBirth", "dateOfBirth", &dob, &node, &rc);
    if (m == M_DEAD) return rc;
    if (m == M_OTHER) {
      node_text(r, node, &t, &tn);
      return hr__dead_value(r, HR_DL_bad_date, "dateOfBirth", t, tn, "is not a date; write it as \"YYYY-MM-DD\"");
    }
    if (m == M_STRING && dob.n && hr_parse_date(dob.s, dob.n, &dob_days) != 0)
      return hr__dead_value(r, HR_DL_bad_date, "dateOfBirth", dob.s, dob.n,
                            "is not a real date; write it as YYYY-MM-DD");

    /* dependants: a non-negative integer, as a JSON number or a string of digits. */
    int dv = hr_json_get(j, pr, "dependants");
    int dt = hr_json_type_of(j, dv);
    if (dt == HR_JSON_NUMBER) {
      int64_t v;
      if (!hr_json_int(j, dv, &v) || v < 0 || v > INT32_MAX) {
        node_text(r, dv, &t, &tn);
        return hr__dead_value(r, HR_DL_out_of_range, "dependants", t, tn,
                              "is not a count of dependants; send a whole number 0 or more");
      }
      dependants = (int32_t)v;
    } else if (dt == HR_JSON_STRING) {
      hr__str ds;
      if (member_str(r, pr, "dependants", "dependants", &ds, NULL, &rc) == M_DEAD) return rc;
      if (ds.n && !hr__parse_count(ds.s, ds.n, &dependants))
        return hr__dead_value(r, HR_DL_out_of_range, "dependants", ds.s, ds.n,
                              "is not a count of dependants; send a whole number 0 or more");
    } else if (dv >= 0 && dt != HR_JSON_NULL) {
      node_text(r, dv, &t, &tn);
      return hr__dead_value(r, HR_DL_out_of_range, "dependants", t, tn,
                            "is not a count of dependants; send a whole number 0 or more");
    }
    nhs_m = member_str(r, pr, "nhsNumber", "nhsNumber", &nhs, &nhs_node, &rc);
    if (nhs_m == M_DEAD) return rc;
  }

  /* The event. Strings read above live in the arena, which hr__event_begin keeps. */
  hr__event_begin(r, HEARTH__V1__FEED__FEED_CUSTODY);
  r->ev.event_time_us = when;
  r->ev.la_code = la.s ? la.s : hr__copy(r, "", 0).s;
  if (nhs_m == M_STRING) {
    hr__subject_nhs(r, nhs.s, nhs.n);
  } else if (nhs_m == M_OTHER) {
    /* A JSON number keeps its text: 9434765919 reads as those digits; anything else fails. */
    node_text(r, nhs_node, &t, &tn);
    if (hr_json_type_of(j, nhs_node) == HR_JSON_NUMBER && tn <= 32)
      hr__subject_nhs(r, t, tn);
    else
      hr__subject_nhs(r, "x", 1);
  }
  hr__str empty = hr__copy(r, "", 0);
  if (!r->subject.nhs_number[0]) r->subject.nhs_number = empty.s;
  r->subject.date_of_birth = dob.n ? dob.s : empty.s;
  hr__subject_names(r, first.s ? first : empty, last.s ? last : empty, postcode.s ? postcode : empty);

  Hearth__V1__CustodyEvent *c = &r->custody;
  *c = custody0;
  c->event_type = et.s;
  c->kind = kind;
  c->reason = reason.s;
  c->effect = effect;
  c->noms_number = noms.s;
  c->prison_id = prison.s ? prison.s : empty.s;
  c->occurred_at = occurred.s;
  c->dependants = dependants;
  r->ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY;
  r->ev.custody = c;
  return hr__event_finish(r);
}

int hr__custody_next(hr_reader *r) {
  for (;;) {
    if (r->pos >= r->len) return 0;
    const char *d = r->data;
    size_t start = r->pos;
    const char *nl = memchr(d + start, '\n', r->len - start);
    size_t end = nl ? (size_t)(nl - d) : r->len;
    uint64_t line = r->line;
    r->pos = nl ? end + 1 : r->len;
    if (nl) r->line++;
    if (end > start && d[end - 1] == '\r') end--;
    hr__record_begin(r, start, end, line);

    size_t b = start, n = end - start;
    if (n >= 3 && memcmp(d + b, "\xEF\xBB\xBF", 3) == 0) b += 3, n -= 3; /* a BOM per line, as some tools write */
    size_t k = 0;
    while (k < n && is_space(d[b + k]))
      k++;
    if (k == n) continue; /* blank line */
    if (end - start > HR_MAX_RECORD_BYTES)
      return hr__dead(r, HR_DL_oversized, "", "the line is %zu bytes, over the %u-byte limit; split or shorten it",
                      end - start, HR_MAX_RECORD_BYTES);
    size_t bad = hr__utf8_invalid_at(d + b, n);
    if (bad < n)
      return hr__dead(r, HR_DL_invalid_utf8, "",
                      "the line has a byte that is not UTF-8 at byte %zu (0x%02X); send the JSON as UTF-8",
                      b - start + bad + 1, (unsigned)(unsigned char)d[b + bad]);
    if (memchr(d + b, '\0', n))
      return hr__dead(r, HR_DL_not_parseable, "", "the line contains a NUL byte; send one JSON object per line");
    int rc = hr_json_parse(&r->json, d + b, n);
    if (rc == HR_ETOOBIG)
      return hr__dead(r, HR_DL_oversized, "", "the line holds too many JSON values; send one event per line");
    if (rc)
      return hr__dead(r, HR_DL_not_parseable, "",
                      "the line is not valid JSON (%s at byte %zu); send one complete JSON object per line",
                      r->json.err ? r->json.err : "error", r->json.err_pos + 1);
    if (r->json.nodes[0].type != HR_JSON_OBJECT)
      return hr__dead(r, HR_DL_not_parseable, "", "the line is JSON but not an object; send one JSON object per line");
    return custody_event(r);
  }
}

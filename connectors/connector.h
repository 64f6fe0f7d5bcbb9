/* connector: the agency formats of REFERENCE.md turned into canonical records.
 *
 * A reader walks one input held in memory (a file the caller read or mapped) and yields, one at
 * a time, a canonical AgencyEvent, a RegisterRecord, or a dead letter naming the position, field
 * and reason. A bad record never stops the reader: its neighbours carry on. The reader never
 * allocates per record: what it yields points into storage it owns and stays valid until the
 * next call to hr_reader_next() or hr_reader_free().
 *
 * Readers are pure: no clock, no I/O, no globals. Identifier checks (NHS Modulus 11, UPN check
 * letter) that fail do not sink a record: the identifier is left empty and a quality warning
 * ("nhs_number_check_failed", "upn_check_failed") is added to the record. */
#ifndef HR_CONNECTOR_H
#define HR_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/v1/deadletter.pb-c.h"
#include "hearth/v1/event.pb-c.h"
#include "hearth/v1/register.pb-c.h"

typedef enum hr_input_kind {
  HR_INPUT_PERSONS = 0,    /* register persons.csv */
  HR_INPUT_RELATIONSHIPS,  /* register relationships.csv */
  HR_INPUT_KEY_WORKERS,    /* register key_workers.csv */
  HR_INPUT_ASSIGNMENTS,    /* register assignments.csv */
  HR_INPUT_CUSTODY,        /* custody JSON lines */
  HR_INPUT_INPATIENT,      /* HL7 v2 ADT messages (file of messages) */
  HR_INPUT_ATTENDANCE,     /* attendance CSV */
  HR_INPUT_NRPF,           /* NRPF CSV */
  HR_INPUT_LINK_DECISIONS, /* register link_decisions.csv: `hearth review` decisions */
  HR_INPUT__COUNT
} hr_input_kind;

/* "persons", "custody", ... ; NULL for an out-of-range kind. */
const char *hr_input_kind_name(hr_input_kind kind);
/* Connector name as in dead letters: "register", "custody", "inpatient", "attendance", "nrpf". */
const char *hr_input_connector_name(hr_input_kind kind);
/* Feed of an event input; FEED_UNSPECIFIED for register inputs. */
Hearth__V1__Feed hr_input_feed(hr_input_kind kind);
/* REFERENCE section 6 tie order of events at the same instant: NRPF 0, custody 1, inpatient 2,
 * attendance 3 (register changes come before all of them). Replay and the live broker share it. */
int hr_feed_order(Hearth__V1__Feed feed);
/* The order key of an encoded AgencyEvent, read from the wire without decoding it (the live
 * broker orders events before it decodes them): fields 1 feed, 2 event_time_us, 4 position, and
 * whether a payload (fields 10-13) is present. 0, or -1 when the bytes are not protobuf. */
typedef struct hr_order_key {
  int64_t time_us;
  int feed; /* as on the wire, capped at 1000: check it is a known feed */
  uint64_t position;
  int has_payload;
} hr_order_key;
int hr_event_order_key(const uint8_t *p, size_t n, hr_order_key *key);
/* The kind named "persons", "custody", ... (as hr_input_kind_name); 0 or HR_EINVAL. */
int hr_input_kind_from_name(const char *name, hr_input_kind *kind);

/* Data-quality warnings a record may carry in quality_warnings (each counted in
 * hr_reader_stats.warnings). The record still flows; the value is left empty. */
#define HR_QW_NHS_CHECK_FAILED "nhs_number_check_failed" /* NHS number fails Modulus 11 */
#define HR_QW_UPN_CHECK_FAILED "upn_check_failed"        /* UPN fails its check letter */
#define HR_QW_SEX_UNKNOWN "sex_unknown"                  /* sex not M, F, U or empty */

/* Dead-letter reasons: a stable snake_case code and the text people read. */
#define HR_DL_REASON_MAP(XX)                                                                                           \
  XX(not_parseable, "the record could not be parsed")                                                                  \
  XX(invalid_utf8, "the record is not valid UTF-8")                                                                    \
  XX(oversized, "the record or a field is larger than the limit")                                                      \
  XX(missing_field, "a required field is missing or empty")                                                            \
  XX(missing_column, "the file has no column for a required field")                                                    \
  XX(bad_date, "a date is malformed or impossible")                                                                    \
  XX(bad_time, "a time is malformed or impossible")                                                                    \
  XX(unknown_event_type, "the event type is not one Hearth reads")                                                     \
  XX(unknown_reason, "the reason is not one Hearth reads for this event type")                                         \
  XX(unknown_status, "the status is not one Hearth reads")                                                             \
  XX(unknown_code, "the code is not one Hearth reads")                                                                 \
  XX(out_of_range, "a value is out of range")                                                                          \
  XX(not_adt, "the HL7 message is not an ADT message")                                                                 \
  XX(missing_segment, "a required HL7 segment is missing")

typedef enum hr_dl_reason {
#define XX(code, text) HR_DL_##code,
  HR_DL_REASON_MAP(XX)
#undef XX
      HR_DL__COUNT
} hr_dl_reason;

const char *hr_dl_reason_code(hr_dl_reason r); /* "bad_date" */
const char *hr_dl_reason_text(hr_dl_reason r);

/* A dead letter as a reader yields it. raw points into the input (not copied). */
typedef struct hr_deadletter {
  hr_input_kind input;
  const char *source; /* as given to hr_reader_new */
  uint64_t position;  /* 1-based line of the record's start (HL7: line of its MSH) */
  hr_dl_reason reason;
  const char *field; /* e.g. "date_of_birth", "PID-7"; "" when no single field */
  char message[256]; /* one sentence naming the field, the value (cut short) and the fix */
  const char *raw;
  size_t raw_len;
} hr_deadletter;

typedef enum hr_record_type {
  HR_RECORD_EVENT = 1,
  HR_RECORD_REGISTER = 2,
  HR_RECORD_DEADLETTER = 3,
} hr_record_type;

typedef struct hr_record {
  hr_record_type type;
  const Hearth__V1__AgencyEvent *event;  /* HR_RECORD_EVENT */
  const Hearth__V1__RegisterRecord *reg; /* HR_RECORD_REGISTER */
  const hr_deadletter *dl;               /* HR_RECORD_DEADLETTER */
  uint64_t offset;                       /* byte offset of the record's start in the input */
  uint64_t position;                     /* its 1-based line */
} hr_record;

typedef struct hr_reader hr_reader;

/* Limits that bound every input (REFERENCE: oversized fields are rejected). */
#define HR_MAX_RECORD_BYTES (64u * 1024u)        /* CSV row, JSON line */
#define HR_MAX_HL7_MESSAGE_BYTES (1024u * 1024u) /* one HL7 message */
#define HR_MAX_FIELD_BYTES 1024u                 /* any single field we read */

/* Creates a reader over data[0..len) (not copied: it must outlive the reader). source names
 * the input in dead letters. agency (may be NULL) is copied into each event's `agency`.
 * Returns NULL only on allocation failure. A CSV header without a required column does not
 * fail here: each row is then dead-lettered with reason missing_column. */
hr_reader *hr_reader_new(hr_input_kind kind, const char *data, size_t len, const char *source, const char *agency);
/* Yields the next record: 1 when *rec is filled, 0 at the end of the input. */
int hr_reader_next(hr_reader *r, hr_record *rec);
/* Positions the reader at a record start previously reported in hr_record.offset/position
 * (used to re-read records in another order). The header must already have been read. */
void hr_reader_seek(hr_reader *r, uint64_t offset, uint64_t position);
/* Accepts NULL. */
void hr_reader_free(hr_reader *r);

/* Counters a reader keeps for the run summary. */
typedef struct hr_reader_stats {
  uint64_t records; /* events or register records yielded */
  uint64_t deadletters;
  uint64_t warnings; /* data-quality warnings (failed identifier checks) */
} hr_reader_stats;
void hr_reader_stats_get(const hr_reader *r, hr_reader_stats *out);

/* The identity of a register record ("person|P1", "relationship|P1|P2|1|2015-09-26", ...): the
 * key of the compacted register topic and of the state store. Leaves out empty when the record
 * has no identity. */
struct hr_buf;
void hr_register_key(const Hearth__V1__RegisterRecord *rec, struct hr_buf *out);
/* The agency subject an event is about ("noms|A1234BC", "spell|RX1|V1", "upn|...", "nhs|..."):
 * the key of hearth.events.v1, so one subject's events stay in order in one partition. */
void hr_event_key(const Hearth__V1__AgencyEvent *ev, struct hr_buf *out);

/* Writes a dead letter as one JSON object (no newline): source, position, connector,
 * reason_code, field, message, raw (as a string, invalid UTF-8 replaced). */
struct hr_buf;
void hr_deadletter_to_json(const hr_deadletter *dl, struct hr_buf *out);
/* The canonical DeadLetter message for hearth.deadletter.v1: the fields point into dl (valid
 * while it is), the raw record cut to its first 4 KiB (raw_truncated says so). */
void hr_deadletter_to_proto(const hr_deadletter *dl, Hearth__V1__DeadLetter *out);

/* ---- normalisation shared by the parsers and the broker -------------------------------- */

/* Name as REFERENCE normalises it: accents removed, upper case, letters A-Z only. Writes at most
 * cap-1 bytes and a NUL; returns the length. */
size_t hr_normalise_name(const char *s, size_t len, char *out, size_t cap);
/* Postcode: upper case, spaces removed; returns the length. */
size_t hr_normalise_postcode(const char *s, size_t len, char *out, size_t cap);

#endif

/* reader_int.h: the reader's private state and the helpers the format parsers share
 * (reader.c, register_csv.c, custody.c, inpatient.c, attendance.c, nrpf.c). Not for use outside
 * connectors/.
 *
 * Invariants:
 *  1. Nothing is allocated per record. A record's strings live in `arena`, which is reset when
 *     the next record begins; the protobuf-c structs are the reader's own and are re-initialised
 *     from their INIT macros per record.
 *  2. Every string a parser reads is at most HR_MAX_FIELD_BYTES (else the record is dead-lettered
 *     oversized) and a record reads a bounded number of them, so the fixed arena cannot fill
 *     (hr__copy still checks, and yields "" rather than overflow).
 *  3. [rec_start, rec_end) is the record being parsed and rec_line its first line; a dead letter
 *     always points there, so one bad record costs exactly that record. */
#ifndef HR_READER_INT_H
#define HR_READER_INT_H

#include <stdarg.h>

#include "connector.h"
#include "csv.h"
#include "json.h"

#define HR_DL_RAW_MAX 4096u          /* raw bytes written in a dead letter's JSON */
#define HR_DL_VALUE_MAX 40u          /* bytes of a bad value quoted in a dead letter's message */
#define HR_ARENA_BYTES (96u * 1024u) /* per-record string storage */
#define HR_MAX_WARNINGS 4
#define HR_CSV_MAX_KNOWN 16 /* known columns of any CSV kind */

typedef struct hr__csv_col {
  const char *name;       /* lower case, as matched against the trimmed header */
  unsigned char required; /* 1: the column must exist (its cell may still be empty) */
} hr__csv_col;

typedef struct hr__csv_spec {
  const hr__csv_col *cols;
  int ncols;
  /* Turns the current row (structurally sound, every read field within limits) into a record;
   * returns the hr_record_type it filled (HR_RECORD_DEADLETTER via hr__dead). */
  int (*row)(hr_reader *r);
} hr__csv_spec;

/* A CSV cell of the current row: trimmed text in the input (still "" escaped when escaped). */
typedef struct hr__cell {
  const char *s;
  size_t n;
  int escaped;
} hr__cell;

/* A string copied into the arena: NUL-terminated. */
typedef struct hr__str {
  char *s;
  size_t n;
} hr__str;

struct hr_reader {
  hr_input_kind kind;
  const char *data; /* the input (not owned) */
  size_t len;
  char *source; /* owned copies */
  char *agency;
  size_t pos;    /* JSON lines, HL7: offset of the next record */
  uint64_t line; /* its 1-based line */
  size_t bom;    /* 3 when the input starts with a UTF-8 byte-order mark, else 0 */
  int started;   /* CSV: header read; HL7: leading bytes before the first MSH dealt with */
  hr_reader_stats stats;

  /* The record being parsed. */
  size_t rec_start, rec_end;
  uint64_t rec_line;
  char *arena;
  size_t arena_len;
  char *warnings[HR_MAX_WARNINGS];
  size_t nwarnings;

  /* What is yielded. */
  Hearth__V1__AgencyEvent ev;
  Hearth__V1__Subject subject;
  Hearth__V1__CustodyEvent custody;
  Hearth__V1__InpatientEvent inpatient;
  Hearth__V1__AttendanceMark attendance;
  Hearth__V1__NrpfRecord nrpf;
  Hearth__V1__RegisterRecord reg;
  Hearth__V1__Person person;
  Hearth__V1__Relationship relationship;
  Hearth__V1__KeyWorker key_worker;
  Hearth__V1__Assignment assignment;
  Hearth__V1__LinkDecision link_decision;
  hr_deadletter dl;

  /* CSV inputs. */
  const hr__csv_spec *spec;
  hr_csv csv;
  hr_csv_row row;
  size_t header_fields;            /* fields in the header row */
  int col[HR_CSV_MAX_KNOWN];       /* header index of each known column; -1 when absent */
  hr__cell cell[HR_CSV_MAX_KNOWN]; /* the current row's cell of each known column */
  int missing_col;                 /* first required known column absent; -1 when none */
  int header_bad;                  /* the header row was dead-lettered: no row can be read */
  uint64_t header_line;
  size_t data_start; /* offset just after the header row, and its line */
  uint64_t data_line;

  /* Custody. */
  hr_json json;

  /* Attendance: the instant of the last (date, session) seen, as marks come in runs. */
  int32_t att_days;
  int att_session;
  int64_t att_instant;
};

/* ---- shared by the parsers (reader.c) ------------------------------------------------------ */

/* Starts a record at [start, end) on line `line`: resets the arena and the warnings. */
void hr__record_begin(hr_reader *r, size_t start, size_t end, uint64_t line);
/* n + 1 bytes of the arena (the first set to NUL), or NULL when it is full. */
char *hr__alloc(hr_reader *r, size_t n);
/* Copies s[0..n) into the arena, NUL-terminated ("" when the arena is full). */
hr__str hr__copy(hr_reader *r, const char *s, size_t n);
/* Adds a quality warning to the record being built (counted only if the record is yielded). */
void hr__warn(hr_reader *r, const char *code);

/* Fills the dead letter for the current record. message: printf-style, one sentence naming the
 * field, the value and the fix. Returns HR_RECORD_DEADLETTER. */
int hr__dead(hr_reader *r, hr_dl_reason reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* As hr__dead with the message `FIELD "VALUE" TAIL` (value cut short and made printable). */
int hr__dead_value(hr_reader *r, hr_dl_reason reason, const char *field, const char *value, size_t n, const char *tail);
/* Writes s[0..n) printable and cut to HR_DL_VALUE_MAX bytes into out; returns its length. */
size_t hr__printable(const char *s, size_t n, char *out, size_t cap);

/* Begin an event / register record (after hr__record_begin); finish returns its record type. */
void hr__event_begin(hr_reader *r, Hearth__V1__Feed feed);
int hr__event_finish(hr_reader *r);
void hr__register_begin(hr_reader *r);
int hr__register_finish(hr_reader *r);

/* Subject helpers: validate and set the NHS number (or warn); set the names and postcode and
 * their normalised forms. */
void hr__subject_nhs(hr_reader *r, const char *s, size_t n);
void hr__subject_names(hr_reader *r, hr__str given, hr__str family, hr__str postcode);
/* Validates an NHS number / UPN into a fresh arena string; "" and a warning when it fails. */
char *hr__nhs(hr_reader *r, const char *s, size_t n);
char *hr__upn(hr_reader *r, const char *s, size_t n);

/* CSV cells of the current row by known-column index: trimmed raw text (still "" escaped), and
 * an unescaped arena copy. Both are empty when the column is absent. */
void hr__csv_raw(hr_reader *r, int k, const char **s, size_t *n);
hr__str hr__csv_str(hr_reader *r, int k);
/* A date column: empty -> *days = HR_DATE_NONE and the empty string; valid -> the copy; else the
 * record is dead-lettered bad_date and NULL is returned (*rc set to HR_RECORD_DEADLETTER). */
char *hr__csv_date(hr_reader *r, int k, int32_t *days, int *rc);

/* Per-format entry points. */
extern const hr__csv_spec hr__persons_spec, hr__relationships_spec, hr__key_workers_spec, hr__assignments_spec,
    hr__link_decisions_spec, hr__attendance_spec, hr__nrpf_spec;
int hr__custody_next(hr_reader *r);   /* returns a record type, or 0 at the end */
int hr__inpatient_next(hr_reader *r); /* idem */
int hr__custody_init(hr_reader *r);   /* 0 or HR_ENOMEM */

/* Offset of the first byte of s that does not start valid UTF-8 (as hr_utf8_valid judges), or n
 * when all of s is valid; skips ASCII eight bytes at a time. */
size_t hr__utf8_invalid_at(const char *s, size_t n);

/* A count of things: digits only, at most INT32_MAX. 1 when valid. */
int hr__parse_count(const char *s, size_t n, int32_t *out);

/* ASCII case-insensitive comparison of s[0..n) with the NUL-terminated word. */
int hr__eq_nocase(const char *s, size_t n, const char *word);
static inline int hr__eq(const char *s, size_t n, const char *word) {
  size_t i = 0;
  for (; i < n; i++)
    if (word[i] != s[i] || !word[i]) return 0;
  return word[i] == '\0';
}

/* Warning codes. */
#define HR_WARN_NHS HR_QW_NHS_CHECK_FAILED
#define HR_WARN_UPN HR_QW_UPN_CHECK_FAILED
#define HR_WARN_SEX HR_QW_SEX_UNKNOWN

#endif

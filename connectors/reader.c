/* reader: one reader over one input, whatever its kind. It owns the storage records are built
 * in, dispatches to the format's parser, and runs the CSV framing every CSV kind shares (header
 * mapping, blank lines, the structural faults of a row) so that the per-kind files only say
 * what their columns mean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"
#include "ids.h"
#include "reader_int.h"

/* ==== kinds ================================================================================ */

static const struct {
  const char *name, *connector;
  Hearth__V1__Feed feed;
} kinds[HR_INPUT__COUNT] = {
    [HR_INPUT_PERSONS] = {"persons", "register", HEARTH__V1__FEED__FEED_UNSPECIFIED},
    [HR_INPUT_RELATIONSHIPS] = {"relationships", "register", HEARTH__V1__FEED__FEED_UNSPECIFIED},
    [HR_INPUT_KEY_WORKERS] = {"key_workers", "register", HEARTH__V1__FEED__FEED_UNSPECIFIED},
    [HR_INPUT_ASSIGNMENTS] = {"assignments", "register", HEARTH__V1__FEED__FEED_UNSPECIFIED},
    [HR_INPUT_CUSTODY] = {"custody", "custody", HEARTH__V1__FEED__FEED_CUSTODY},
    [HR_INPUT_INPATIENT] = {"inpatient", "inpatient", HEARTH__V1__FEED__FEED_INPATIENT},
    [HR_INPUT_ATTENDANCE] = {"attendance", "attendance", HEARTH__V1__FEED__FEED_ATTENDANCE},
    [HR_INPUT_NRPF] = {"nrpf", "nrpf", HEARTH__V1__FEED__FEED_NRPF},
    [HR_INPUT_LINK_DECISIONS] = {"link_decisions", "register", HEARTH__V1__FEED__FEED_UNSPECIFIED},
};

const char *hr_input_kind_name(hr_input_kind kind) {
  return (unsigned)kind < HR_INPUT__COUNT ? kinds[kind].name : NULL;
}

const char *hr_input_connector_name(hr_input_kind kind) {
  return (unsigned)kind < HR_INPUT__COUNT ? kinds[kind].connector : NULL;
}

Hearth__V1__Feed hr_input_feed(hr_input_kind kind) {
  return (unsigned)kind < HR_INPUT__COUNT ? kinds[kind].feed : HEARTH__V1__FEED__FEED_UNSPECIFIED;
}

int hr_input_kind_from_name(const char *name, hr_input_kind *kind) {
  for (int k = 0; k < HR_INPUT__COUNT; k++)
    if (name && strcmp(name, kinds[k].name) == 0) {
      *kind = (hr_input_kind)k;
      return 0;
    }
  return HR_EINVAL;
}

static const hr__csv_spec *csv_spec_of(hr_input_kind kind) {
  switch (kind) {
  case HR_INPUT_PERSONS: return &hr__persons_spec;
  case HR_INPUT_RELATIONSHIPS: return &hr__relationships_spec;
  case HR_INPUT_KEY_WORKERS: return &hr__key_workers_spec;
  case HR_INPUT_ASSIGNMENTS: return &hr__assignments_spec;
  case HR_INPUT_LINK_DECISIONS: return &hr__link_decisions_spec;
  case HR_INPUT_ATTENDANCE: return &hr__attendance_spec;
  case HR_INPUT_NRPF: return &hr__nrpf_spec;
  default: return NULL;
  }
}

static int csv_take_header(hr_reader *r);

/* ==== life cycle =========================================================================== */

#define CSV_INITIAL_FIELDS 32

static char *dup_str(const char *s) {
  size_t n = s ? strlen(s) : 0;
  char *p = malloc(n + 1);
  if (p) {
    if (n) memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

hr_reader *hr_reader_new(hr_input_kind kind, const char *data, size_t len, const char *source, const char *agency) {
  if ((unsigned)kind >= HR_INPUT__COUNT) return NULL;
  hr_reader *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->kind = kind;
  r->data = data ? data : "";
  r->len = data ? len : 0;
  r->line = 1;
  r->att_days = HR_DATE_NONE;
  if (!(r->source = dup_str(source)) || !(r->agency = dup_str(agency))) goto fail;
  if (!(r->arena = malloc(HR_ARENA_BYTES))) goto fail;
  /* A UTF-8 byte-order mark is allowed at the start of any input. */
  if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0) r->pos = r->bom = 3;
  r->spec = csv_spec_of(kind);
  if (r->spec) {
    r->row.cap = CSV_INITIAL_FIELDS;
    if (!(r->row.fields = malloc(r->row.cap * sizeof *r->row.fields))) goto fail;
    hr_csv_init(&r->csv, r->data, r->len);
    r->csv.pos = r->pos;
  } else if (kind == HR_INPUT_CUSTODY) {
    if (hr__custody_init(r)) goto fail;
  }
  return r;
fail:
  hr_reader_free(r);
  return NULL;
}

void hr_reader_free(hr_reader *r) {
  if (!r) return;
  hr_json_free(&r->json);
  free(r->row.fields);
  free(r->arena);
  free(r->source);
  free(r->agency);
  free(r);
}

void hr_reader_stats_get(const hr_reader *r, hr_reader_stats *out) {
  if (r)
    *out = r->stats;
  else
    memset(out, 0, sizeof *out);
}

void hr_reader_seek(hr_reader *r, uint64_t offset, uint64_t position) {
  size_t off = offset > r->len ? r->len : (size_t)offset;
  if (r->spec) {
    /* A CSV reader reads its header first; an offset inside the header means the first row. */
    if (!r->started) { /* a faulty header was reported by the pass that found the offset */
      hr_reader_stats before = r->stats;
      csv_take_header(r);
      r->stats = before;
    }
    if (off < r->data_start) {
      off = r->data_start;
      position = r->data_line;
    }
    r->csv.pos = off;
    r->csv.line = position;
  } else if (off <= r->bom) {
    r->pos = r->bom; /* back to the start: read it as new */
    r->line = 1;
    r->started = 0;
  } else {
    r->pos = off;
    r->line = position;
    r->started = 1;
  }
}

/* ==== building records ====================================================================== */

void hr__record_begin(hr_reader *r, size_t start, size_t end, uint64_t line) {
  r->rec_start = start;
  r->rec_end = end;
  r->rec_line = line;
  r->arena_len = 0;
  r->nwarnings = 0;
}

char *hr__alloc(hr_reader *r, size_t n) {
  if (n + 1 > HR_ARENA_BYTES - r->arena_len) return NULL; /* not within the field limits */
  char *p = r->arena + r->arena_len;
  p[0] = '\0';
  r->arena_len += n + 1;
  return p;
}

hr__str hr__copy(hr_reader *r, const char *s, size_t n) {
  static char empty[1]; /* never written: callers only write into non-empty copies */
  hr__str out = {hr__alloc(r, n), n};
  if (!out.s) {
    out.s = empty;
    out.n = 0;
    return out;
  }
  if (n) memcpy(out.s, s, n);
  out.s[n] = '\0';
  return out;
}

void hr__warn(hr_reader *r, const char *code) {
  for (size_t i = 0; i < r->nwarnings; i++)
    if (strcmp(r->warnings[i], code) == 0) return;
  if (r->nwarnings < HR_MAX_WARNINGS) r->warnings[r->nwarnings++] = (char *)code;
}

static int dead_start(hr_reader *r, hr_dl_reason reason, const char *field) {
  hr_deadletter *dl = &r->dl;
  dl->input = r->kind;
  dl->source = r->source;
  dl->position = r->rec_line;
  dl->reason = reason;
  dl->field = field ? field : "";
  dl->raw = r->data + r->rec_start;
  dl->raw_len = r->rec_end - r->rec_start;
  r->stats.deadletters++;
  return HR_RECORD_DEADLETTER;
}

int hr__dead(hr_reader *r, hr_dl_reason reason, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->dl.message, sizeof r->dl.message, fmt, ap);
  va_end(ap);
  return dead_start(r, reason, field);
}

int hr__dead_value(hr_reader *r, hr_dl_reason reason, const char *field, const char *value, size_t n,
                   const char *tail) {
  char shown[HR_DL_VALUE_MAX + 8];
  hr__printable(value, n, shown, sizeof shown);
  snprintf(r->dl.message, sizeof r->dl.message, "%s \"%s\" %s", field, shown, tail);
  return dead_start(r, reason, field);
}

void hr__event_begin(hr_reader *r, Hearth__V1__Feed feed) {
  static const Hearth__V1__AgencyEvent ev0 = HEARTH__V1__AGENCY_EVENT__INIT;
  static const Hearth__V1__Subject subject0 = HEARTH__V1__SUBJECT__INIT;
  r->ev = ev0;
  r->subject = subject0;
  r->ev.feed = feed;
  r->ev.source = r->source;
  r->ev.agency = r->agency;
  r->ev.position = r->rec_line;
  r->ev.subject = &r->subject;
}

int hr__event_finish(hr_reader *r) {
  r->ev.n_quality_warnings = r->nwarnings;
  r->ev.quality_warnings = r->nwarnings ? r->warnings : NULL;
  r->stats.records++;
  r->stats.warnings += r->nwarnings;
  return HR_RECORD_EVENT;
}

void hr__register_begin(hr_reader *r) {
  static const Hearth__V1__RegisterRecord reg0 = HEARTH__V1__REGISTER_RECORD__INIT;
  r->reg = reg0;
  r->reg.source = r->source;
  r->reg.position = r->rec_line;
}

int hr__register_finish(hr_reader *r) {
  r->reg.n_quality_warnings = r->nwarnings;
  r->reg.quality_warnings = r->nwarnings ? r->warnings : NULL;
  r->stats.records++;
  r->stats.warnings += r->nwarnings;
  return HR_RECORD_REGISTER;
}

char *hr__nhs(hr_reader *r, const char *s, size_t n) {
  char digits[11];
  if (n == 0) return hr__copy(r, "", 0).s;
  if (!hr_nhs_normalise(s, n, digits)) {
    hr__warn(r, HR_WARN_NHS);
    return hr__copy(r, "", 0).s;
  }
  return hr__copy(r, digits, 10).s;
}

char *hr__upn(hr_reader *r, const char *s, size_t n) {
  char upn[14];
  if (n == 0) return hr__copy(r, "", 0).s;
  if (!hr_upn_normalise(s, n, upn)) {
    hr__warn(r, HR_WARN_UPN);
    return hr__copy(r, "", 0).s;
  }
  return hr__copy(r, upn, 13).s;
}

void hr__subject_nhs(hr_reader *r, const char *s, size_t n) {
  r->subject.nhs_number = hr__nhs(r, s, n);
}

void hr__subject_names(hr_reader *r, hr__str given, hr__str family, hr__str postcode) {
  Hearth__V1__Subject *sj = &r->subject;
  sj->given_name = given.s;
  sj->family_name = family.s;
  sj->postcode = postcode.s;
  /* Normalised forms are never longer than 4/3 of the text (a 3-byte code point gives at most
   * four letters, a 2-byte one two), so reserve that much. */
  size_t gcap = given.n + given.n / 3 + 1, fcap = family.n + family.n / 3 + 1;
  hr__str g = {hr__alloc(r, gcap), 0}, f = {hr__alloc(r, fcap), 0}, p = {hr__alloc(r, postcode.n), 0};
  if (!g.s || !f.s || !p.s) {
    g = f = p = hr__copy(r, "", 0);
  } else {
    hr_normalise_name(given.s, given.n, g.s, gcap + 1);
    hr_normalise_name(family.s, family.n, f.s, fcap + 1);
    hr_normalise_postcode(postcode.s, postcode.n, p.s, postcode.n + 1);
  }
  sj->given_name_norm = g.s;
  sj->family_name_norm = f.s;
  sj->postcode_norm = p.s;
}

int hr__eq_nocase(const char *s, size_t n, const char *word) {
  size_t i = 0;
  for (; i < n; i++) {
    char a = s[i], b = word[i];
    if (!b) return 0;
    if (a >= 'a' && a <= 'z') a = (char)(a - 'a' + 'A');
    if (b >= 'a' && b <= 'z') b = (char)(b - 'a' + 'A');
    if (a != b) return 0;
  }
  return word[i] == '\0';
}

int hr__parse_count(const char *s, size_t n, int32_t *out) {
  int64_t v = 0;
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
    if (v > INT32_MAX) return 0;
  }
  *out = (int32_t)v;
  return 1;
}

size_t hr__utf8_invalid_at(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) { /* eight ASCII bytes at a time: most text is ASCII */
      uint64_t w;
      memcpy(&w, u + i, 8);
      if (!(w & UINT64_C(0x8080808080808080))) {
        i += 8;
        continue;
      }
    }
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    size_t l = hr_utf8_seq_len(u + i, n - i);
    if (!l) return i;
    i += l;
  }
  return n;
}

/* ==== CSV framing ============================================================================ */

void hr__csv_raw(hr_reader *r, int k, const char **s, size_t *n) {
  *s = r->cell[k].s;
  *n = r->cell[k].n;
}

hr__str hr__csv_str(hr_reader *r, int k) {
  const char *s;
  size_t n;
  hr__csv_raw(r, k, &s, &n);
  if (r->cell[k].escaped) {
    hr__str out = hr__copy(r, s, n);
    out.n = hr_csv_unescape(out.s, out.n, out.s);
    out.s[out.n] = '\0';
    return out;
  }
  return hr__copy(r, s, n);
}

char *hr__csv_date(hr_reader *r, int k, int32_t *days, int *rc) {
  hr__str v = hr__csv_str(r, k);
  *days = HR_DATE_NONE;
  if (v.n == 0) return v.s;
  if (hr_parse_date(v.s, v.n, days) != 0) {
    *rc = hr__dead_value(r, HR_DL_bad_date, r->spec->cols[k].name, v.s, v.n,
                         "is not a real date; write it as YYYY-MM-DD");
    return NULL;
  }
  return v.s;
}

/* Header names are trimmed and matched case-insensitively; a later duplicate wins. */
static void map_header(hr_reader *r) {
  const hr__csv_spec *sp = r->spec;
  for (int k = 0; k < sp->ncols; k++)
    r->col[k] = -1;
  for (size_t i = 0; i < r->row.nfields && i < r->row.cap; i++) {
    const char *s;
    size_t n;
    hr_csv_field_trimmed(&r->csv, &r->row.fields[i], &s, &n);
    for (int k = 0; k < sp->ncols; k++)
      if (hr__eq_nocase(s, n, sp->cols[k].name)) r->col[k] = (int)i;
  }
  r->missing_col = -1;
  for (int k = 0; k < sp->ncols; k++)
    if (sp->cols[k].required && r->col[k] < 0) {
      r->missing_col = k;
      break;
    }
  r->header_fields = r->row.nfields;
}

/* The structural faults of a row, in the order they are reported. */
static int row_fault(hr_reader *r, int is_header) {
  const hr_csv_row *row = &r->row;
  size_t bytes = row->end - row->start;
  const char *what = is_header ? "the header row" : "the row";
  if (row->flags & HR_CSV_UNTERMINATED)
    return hr__dead(r, HR_DL_not_parseable, "",
                    "%s has a quoted field that is never closed before the end of the input; close "
                    "the quote (a quote inside a quoted field is written \"\")",
                    what);
  if (bytes > HR_MAX_RECORD_BYTES)
    return hr__dead(r, HR_DL_oversized, "", "%s is %zu bytes, over the %u-byte limit; split or shorten it", what, bytes,
                    HR_MAX_RECORD_BYTES);
  if (row->flags & HR_CSV_HIGH) {
    const char *p = r->data + row->start;
    size_t at = hr__utf8_invalid_at(p, bytes);
    if (at < bytes)
      return hr__dead(r, HR_DL_invalid_utf8, "",
                      "%s has a byte that is not UTF-8 at byte %zu of the row (0x%02X); export the "
                      "file as UTF-8",
                      what, at + 1, (unsigned)(unsigned char)p[at]);
  }
  if (row->flags & HR_CSV_NUL)
    return hr__dead(r, HR_DL_not_parseable, "", "%s contains a NUL byte; export the file as UTF-8 text", what);
  if (row->flags & HR_CSV_BAD_QUOTE)
    return hr__dead(r, HR_DL_not_parseable, "",
                    "%s has text after the closing quote of a field; quote the whole field and "
                    "write a quote inside it as \"\"",
                    what);
  if (!is_header && !r->header_bad && row->nfields != r->header_fields)
    return hr__dead(r, HR_DL_not_parseable, "",
                    "the row has %zu fields but the header has %zu; quote fields that contain "
                    "commas",
                    row->nfields, r->header_fields);
  return 0;
}

/* Reads rows up to and including the header (blank lines before it are skipped). Returns 0 when
 * the header is mapped or the input ended, or HR_RECORD_DEADLETTER for an unusable header. */
static int csv_take_header(hr_reader *r) {
  while (!r->started) {
    hr_csv_row *row = &r->row;
    if (!hr_csv_next(&r->csv, row)) return 0;
    hr__record_begin(r, row->start, row->end, row->line);
    if (hr_csv_row_blank(&r->csv, row)) continue;
    r->started = 1;
    r->header_line = row->line;
    r->data_start = r->csv.pos;
    r->data_line = r->csv.line;
    if (row->nfields > row->cap && !(row->flags & HR_CSV_UNTERMINATED) &&
        row->end - row->start <= HR_MAX_RECORD_BYTES) {
      /* A wide header: make room for every name and read it again. */
      hr_csv_field *f = realloc(row->fields, row->nfields * sizeof *f);
      if (f) {
        row->fields = f;
        row->cap = row->nfields;
        r->csv.pos = row->start;
        r->csv.line = row->line;
        r->started = 0;
        continue;
      }
    }
    int rc = row_fault(r, 1);
    if (!rc && row->nfields > row->cap)
      rc = hr__dead(r, HR_DL_oversized, "", "the header row has too many columns to hold in memory");
    if (rc) { /* no usable header: every row after it says so */
      for (int k = 0; k < r->spec->ncols; k++)
        r->col[k] = -1;
      r->header_bad = 1;
      return rc;
    }
    map_header(r);
  }
  return 0;
}

static int csv_next(hr_reader *r) {
  if (!r->started) {
    int rc = csv_take_header(r);
    if (rc) return rc;
  }
  for (;;) {
    if (!hr_csv_next(&r->csv, &r->row)) return 0;
    hr_csv_row *row = &r->row;
    hr__record_begin(r, row->start, row->end, row->line);
    if (hr_csv_row_blank(&r->csv, row)) continue;
    int rc = row_fault(r, 0);
    if (rc) return rc;
    if (r->header_bad)
      return hr__dead(r, HR_DL_missing_column, "",
                      "the header row (line %llu) could not be read, so the columns of this row are "
                      "unknown; fix the header row",
                      (unsigned long long)r->header_line);
    if (r->missing_col >= 0) {
      const char *name = r->spec->cols[r->missing_col].name;
      return hr__dead(r, HR_DL_missing_column, name,
                      "the file has no \"%s\" column, so this row cannot be read; add a \"%s\" "
                      "column to the header",
                      name, name);
    }
    /* The trimmed cell of every known column, once; any over the field limit sinks the row. */
    for (int k = 0; k < r->spec->ncols; k++) {
      hr__cell *c = &r->cell[k];
      if (r->col[k] < 0) {
        c->s = "";
        c->n = 0;
        c->escaped = 0;
        continue;
      }
      const hr_csv_field *f = &r->row.fields[r->col[k]];
      hr_csv_field_trimmed(&r->csv, f, &c->s, &c->n);
      c->escaped = f->escaped;
      size_t text = c->n;
      if (text > HR_MAX_FIELD_BYTES && c->escaped) /* "" counts as one byte of text */
        for (size_t i = 0; i + 1 < c->n; i++)
          if (c->s[i] == '"' && c->s[i + 1] == '"') text--, i++;
      if (text > HR_MAX_FIELD_BYTES)
        return hr__dead(r, HR_DL_oversized, r->spec->cols[k].name,
                        "%s is %zu bytes, over the %u-byte limit for a field; shorten it", r->spec->cols[k].name, text,
                        HR_MAX_FIELD_BYTES);
    }
    return r->spec->row(r);
  }
}

/* ==== the public loop ======================================================================== */

int hr_reader_next(hr_reader *r, hr_record *rec) {
  int type;
  if (r->spec)
    type = csv_next(r);
  else if (r->kind == HR_INPUT_CUSTODY)
    type = hr__custody_next(r);
  else
    type = hr__inpatient_next(r);
  memset(rec, 0, sizeof *rec);
  if (!type) return 0;
  rec->type = (hr_record_type)type;
  rec->offset = r->rec_start;
  rec->position = r->rec_line;
  if (type == HR_RECORD_EVENT)
    rec->event = &r->ev;
  else if (type == HR_RECORD_REGISTER)
    rec->reg = &r->reg;
  else
    rec->dl = &r->dl;
  return 1;
}

/* hl7: HL7 v2 messages in a file: where each message starts and ends, its segments, and the
 * fields, repetitions, components and subcomponents of a segment, with the escapes undone.
 *
 * Segments are separated by CR, LF or CRLF; the MLLP framing bytes 0x0B and 0x1C at either end
 * of a segment are ignored, so a captured MLLP stream reads as a file. A message starts at a segment
 * whose first three bytes are "MSH" and runs to the next such segment. The field separator is
 * the byte after "MSH"; the component, repetition, escape and subcomponent characters are
 * MSH-2 (default ^~\&). Nothing here allocates or copies; spans point into the input. */
#ifndef HR_HL7_H
#define HR_HL7_H

#include <stddef.h>
#include <stdint.h>

typedef struct hr_hl7_span {
  const char *s; /* NULL when absent */
  size_t n;
} hr_hl7_span;

typedef struct hr_hl7_msg {
  const char *data;
  size_t len;
  char fs, comp, rep, esc, sub;   /* separators; 0 when MSH-2 does not define one */
  hr_hl7_span msh, evn, pid, pv1; /* first occurrence of each segment; .s NULL when absent */
} hr_hl7_msg;

/* 1 for the bytes that separate segments (CR, LF); 1 for the MLLP framing bytes (0x0B, 0x1C). */
static inline int hr_hl7_is_segsep(unsigned char c) {
  return c == '\r' || c == '\n';
}
static inline int hr_hl7_is_frame(unsigned char c) {
  return c == 0x0B || c == 0x1C;
}

/* Scans from pos (a segment start) to the start of the next segment beginning "MSH" (after any
 * framing bytes: the offset returned is that of the "M"), or len.
 * *lines is increased by the line breaks crossed (CR, LF and CRLF count one each). */
size_t hr_hl7_next_msh(const char *data, size_t len, size_t pos, uint64_t *lines);
/* Reads the separators and finds MSH, EVN, PID and PV1 in the message s[0..n), which starts
 * with "MSH". Returns 0, or -1 with *why set when the MSH header is unusable. */
int hr_hl7_parse(hr_hl7_msg *m, const char *s, size_t n, const char **why);

/* Field n of a segment in HL7 numbering (PID-3 is n = 3; for MSH, MSH-1 is the separator and
 * MSH-2 the encoding characters). Absent fields are empty spans. */
hr_hl7_span hr_hl7_field(const hr_hl7_msg *m, hr_hl7_span seg, int n);
/* Repetition r (0-based) of a field; component c (1-based) of a repetition; subcomponent s
 * (1-based) of a component. */
hr_hl7_span hr_hl7_rep(const hr_hl7_msg *m, hr_hl7_span f, int r);
hr_hl7_span hr_hl7_comp(const hr_hl7_msg *m, hr_hl7_span v, int c);
hr_hl7_span hr_hl7_sub(const hr_hl7_msg *m, hr_hl7_span v, int s);
/* Walks the pieces of v split by sep: *cursor starts at 0; returns 1 with *out set, 0 after the
 * last piece. Linear in v.n over the whole walk (piece-by-index would be quadratic). */
int hr_hl7_iter(hr_hl7_span v, char sep, size_t *cursor, hr_hl7_span *out);
/* Shorthand: first repetition, component c, first subcomponent of field n. */
hr_hl7_span hr_hl7_get(const hr_hl7_msg *m, hr_hl7_span seg, int n, int c);
/* Undoes \F\ \S\ \T\ \R\ \E\ (and drops the highlight escapes \H\ \N\) from v into out, which
 * holds at least v.n + 1 bytes; other escapes are kept as written. NUL-terminates; returns the
 * length. */
size_t hr_hl7_unescape(const hr_hl7_msg *m, hr_hl7_span v, char *out);

#endif

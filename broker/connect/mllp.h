/* mllp: the Minimal Lower Layer Protocol framing of HL7 v2 (a message is 0x0B, the message,
 * 0x1C 0x0D) and the HL7 ACK a receiver answers with. Pure: no I/O, no clock (the ACK's time is
 * given by the caller), so both are unit-tested and fuzzed on their own. */
#ifndef HR_MLLP_H
#define HR_MLLP_H

#include <stddef.h>
#include <stdint.h>

#include "hr_buf.h"

#define HR_MLLP_SB 0x0B /* start block */
#define HR_MLLP_EB 0x1C /* end block, followed by CR */

typedef enum hr_mllp_status {
  HR_MLLP_MORE = 0,      /* every byte given was consumed; no frame complete yet */
  HR_MLLP_FRAME = 1,     /* a frame is complete: f->frame holds the message (framing removed) */
  HR_MLLP_TOOBIG = -1,   /* the frame grew beyond the limit: f->frame holds its first bytes */
  HR_MLLP_BADBYTES = -2, /* bytes outside a frame that are not white space, or 0x1C not followed by CR */
} hr_mllp_status;

/* The framer keeps at most `max` bytes of the frame being read: a sender cannot make it hold
 * more, however long the frame it sends. */
typedef struct hr_mllp {
  hr_buf frame;
  size_t max;      /* most bytes a message may have */
  int in_frame;    /* after 0x0B */
  int saw_eb;      /* after 0x1C, waiting for CR */
  uint64_t frames; /* complete frames so far */
} hr_mllp;

void hr_mllp_init(hr_mllp *f, size_t max);
void hr_mllp_free(hr_mllp *f);
/* Consumes bytes from data[0..len) up to the end of one frame; *used says how many. Call again
 * with the rest after handling HR_MLLP_FRAME (the frame is valid until the next call). After an
 * error the connection should be closed: the framer's state is no longer meaningful. */
hr_mllp_status hr_mllp_push(hr_mllp *f, const char *data, size_t len, size_t *used);

/* Acknowledgement codes (HL7 table 0008). */
#define HR_ACK_AA "AA" /* accepted: the event is safely on Kafka */
#define HR_ACK_AE "AE" /* error: the message cannot be used (the reason says why); do not resend as is */
#define HR_ACK_AR "AR" /* rejected: not a message this receiver takes (not ADT), or it could not be stored */

/* Writes an MLLP-framed HL7 ACK answering msg[0..len) (the message as received) into out:
 * MSH (sender and receiver swapped, the message's separators and version, trigger echoed),
 * MSA-1 code, MSA-2 the message's control id (MSH-10), MSA-3 text; for AE/AR an ERR segment
 * with the HL7 error code (table 0357), the location (e.g. PID^1^7 from field "PID-7") and the
 * text. ts is the HL7 time of the ACK (YYYYMMDDHHMMSS), ack_id its own control id. A message
 * whose MSH cannot be read is answered with default separators and empty MSA-2. Separator
 * characters in text are replaced by spaces so the ACK stays well formed. */
void hr_mllp_ack(const char *msg, size_t len, const char *code, const char *err_code, const char *field,
                 const char *text, const char *ts, const char *ack_id, hr_buf *out);
/* The control id (MSH-10) of a message, copied into out (cap bytes); "" when unreadable. */
void hr_mllp_control_id(const char *msg, size_t len, char *out, size_t cap);

#endif

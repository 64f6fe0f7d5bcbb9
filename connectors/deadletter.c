/* deadletter: reason codes, their text, and a dead letter written as one JSON object. */
#include <inttypes.h>
#include <string.h>

#include "connector.h"
#include "hr_buf.h"
#include "reader_int.h"

static const char *const reason_codes[] = {
#define XX(code, text) #code,
    HR_DL_REASON_MAP(XX)
#undef XX
};

static const char *const reason_texts[] = {
#define XX(code, text) text,
    HR_DL_REASON_MAP(XX)
#undef XX
};

const char *hr_dl_reason_code(hr_dl_reason r) {
  return (unsigned)r < HR_DL__COUNT ? reason_codes[r] : "unknown";
}

const char *hr_dl_reason_text(hr_dl_reason r) {
  return (unsigned)r < HR_DL__COUNT ? reason_texts[r] : "unknown reason";
}

void hr_deadletter_to_json(const hr_deadletter *dl, hr_buf *out) {
  const char *conn = hr_input_connector_name(dl->input);
  size_t raw_len = dl->raw ? dl->raw_len : 0;
  int truncated = 0;
  if (raw_len > HR_DL_RAW_MAX) {
    raw_len = HR_DL_RAW_MAX;
    /* Cut on a UTF-8 boundary: back off over continuation bytes. */
    const unsigned char *u = (const unsigned char *)dl->raw;
    for (int k = 0; k < 3 && raw_len > 0 && (u[raw_len] & 0xC0) == 0x80; k++)
      raw_len--;
    truncated = 1;
  }
  hr_buf_puts(out, "{\"source\":");
  hr_buf_json_cstr(out, dl->source ? dl->source : "");
  hr_buf_printf(out, ",\"position\":%" PRIu64 ",\"connector\":", dl->position);
  hr_buf_json_cstr(out, conn ? conn : "");
  hr_buf_puts(out, ",\"reason_code\":");
  hr_buf_json_cstr(out, hr_dl_reason_code(dl->reason));
  hr_buf_puts(out, ",\"field\":");
  hr_buf_json_cstr(out, dl->field ? dl->field : "");
  hr_buf_puts(out, ",\"message\":");
  hr_buf_json_str(out, dl->message, strnlen(dl->message, sizeof dl->message));
  hr_buf_puts(out, ",\"raw\":");
  hr_buf_json_str(out, dl->raw ? dl->raw : "", raw_len);
  if (truncated) hr_buf_puts(out, ",\"raw_truncated\":true");
  hr_buf_putc(out, '}');
}

void hr_deadletter_to_proto(const hr_deadletter *d, Hearth__V1__DeadLetter *dl) {
  hearth__v1__dead_letter__init(dl);
  dl->source = (char *)d->source;
  dl->position = d->position;
  dl->feed = hr_input_feed(d->input);
  dl->connector = (char *)hr_input_connector_name(d->input);
  dl->reason_code = (char *)hr_dl_reason_code(d->reason);
  dl->field = (char *)d->field;
  dl->message = (char *)d->message;
  size_t raw = d->raw_len > 4096 ? 4096 : d->raw_len;
  dl->raw.data = (uint8_t *)d->raw;
  dl->raw.len = raw;
  dl->raw_truncated = raw < d->raw_len;
}

size_t hr__printable(const char *s, size_t n, char *out, size_t cap) {
  /* Keeps printable ASCII and valid UTF-8 (not C1 controls); anything else becomes '?'. Cuts at
   * HR_DL_VALUE_MAX bytes on a character boundary and marks the cut with "...". */
  const unsigned char *u = (const unsigned char *)s;
  size_t o = 0, i = 0;
  if (cap < 4) {
    if (cap) out[0] = '\0';
    return 0;
  }
  while (i < n) {
    size_t l = u[i] < 0x80 ? 1 : hr_utf8_seq_len(u + i, n - i);
    int ok = l > 0;
    if (l == 1 && (u[i] < 0x20 || u[i] == 0x7F)) ok = 0;
    if (l == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0) ok = 0; /* C1 controls */
    size_t w = ok ? l : 1;
    if (o + w > HR_DL_VALUE_MAX || o + w + 4 > cap) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    if (ok)
      memcpy(out + o, u + i, l);
    else
      out[o] = '?';
    o += w;
    i += ok ? l : 1;
  }
  out[o] = '\0';
  return o;
}

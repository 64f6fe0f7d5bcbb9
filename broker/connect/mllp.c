/* mllp: see mllp.h. */
#include "mllp.h"

#include <string.h>

#include "hl7.h"

void hr_mllp_init(hr_mllp *f, size_t max) {
  memset(f, 0, sizeof *f);
  f->max = max;
}

void hr_mllp_free(hr_mllp *f) {
  hr_buf_free(&f->frame);
}

static int is_space(unsigned char c) {
  return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

hr_mllp_status hr_mllp_push(hr_mllp *f, const char *data, size_t len, size_t *used) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)data[i];
    if (!f->in_frame) {
      i++;
      if (c == HR_MLLP_SB) {
        f->in_frame = 1;
        f->saw_eb = 0;
        hr_buf_reset(&f->frame);
      } else if (!is_space(c)) {
        *used = i;
        return HR_MLLP_BADBYTES;
      }
      continue;
    }
    if (f->saw_eb) {
      i++;
      if (c != '\r') {
        *used = i;
        return HR_MLLP_BADBYTES;
      }
      f->in_frame = f->saw_eb = 0;
      f->frames++;
      *used = i;
      return HR_MLLP_FRAME;
    }
    const char *eb = memchr(data + i, HR_MLLP_EB, len - i);
    size_t chunk = eb ? (size_t)(eb - (data + i)) : len - i;
    if (f->frame.len + chunk > f->max) {
      size_t room = f->max - f->frame.len;
      hr_buf_append(&f->frame, data + i, room);
      *used = i + room;
      return HR_MLLP_TOOBIG;
    }
    hr_buf_append(&f->frame, data + i, chunk);
    i += chunk;
    if (eb) {
      f->saw_eb = 1;
      i++;
    }
  }
  *used = len;
  return HR_MLLP_MORE;
}

/* ---- ACK ------------------------------------------------------------------------------------ */

/* Copies a span from the message, control characters replaced by spaces. */
static void put_span(hr_buf *out, hr_hl7_span s) {
  for (size_t i = 0; s.s && i < s.n; i++) {
    unsigned char c = (unsigned char)s.s[i];
    hr_buf_putc(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
  }
}

/* Free text: separators and controls replaced by spaces, cut at 200 bytes. */
static void put_text(hr_buf *out, const char *t, const hr_hl7_msg *m) {
  for (size_t i = 0; t && t[i] && i < 200; i++) {
    unsigned char c = (unsigned char)t[i];
    int sep = c == (unsigned char)m->fs || c == (unsigned char)m->comp || c == (unsigned char)m->rep ||
              c == (unsigned char)m->esc || c == (unsigned char)m->sub;
    hr_buf_putc(out, sep || c < 0x20 || c == 0x7f ? ' ' : (char)c);
  }
}

/* Skips leading blank lines so that a frame starting with CR/LF still reads its MSH. */
static int parse_msg(hr_hl7_msg *m, const char *msg, size_t len) {
  while (len && (msg[0] == '\r' || msg[0] == '\n')) {
    msg++;
    len--;
  }
  const char *why;
  if (len < 8 || memcmp(msg, "MSH", 3) != 0) return -1;
  return hr_hl7_parse(m, msg, len, &why);
}

void hr_mllp_control_id(const char *msg, size_t len, char *out, size_t cap) {
  hr_hl7_msg m;
  out[0] = '\0';
  if (parse_msg(&m, msg, len) != 0) return;
  hr_hl7_span s = hr_hl7_field(&m, m.msh, 10);
  size_t n = s.s ? (s.n < cap - 1 ? s.n : cap - 1) : 0;
  for (size_t i = 0; i < n; i++)
    out[i] = (unsigned char)s.s[i] < 0x20 ? ' ' : s.s[i];
  out[n] = '\0';
}

void hr_mllp_ack(const char *msg, size_t len, const char *code, const char *err_code, const char *field,
                 const char *text, const char *ts, const char *ack_id, hr_buf *out) {
  hr_hl7_msg m;
  int ok = parse_msg(&m, msg, len) == 0;
  if (!ok) {
    memset(&m, 0, sizeof m);
    m.fs = '|';
    m.comp = '^';
    m.rep = '~';
    m.esc = '\\';
    m.sub = '&';
  }
  char fs = m.fs, comp = m.comp ? m.comp : '^';
  hr_hl7_span none = {NULL, 0};
#define F(n) (ok ? hr_hl7_field(&m, m.msh, (n)) : none)
  hr_buf_putc(out, HR_MLLP_SB);
  hr_buf_printf(out, "MSH%c", fs);
  hr_hl7_span enc = F(2);
  if (enc.s && enc.n)
    put_span(out, enc);
  else
    hr_buf_puts(out, "^~\\&");
  hr_buf_putc(out, fs);
  put_span(out, F(5)); /* the receiver becomes the sender */
  hr_buf_putc(out, fs);
  put_span(out, F(6));
  hr_buf_putc(out, fs);
  put_span(out, F(3));
  hr_buf_putc(out, fs);
  put_span(out, F(4));
  hr_buf_printf(out, "%c%s%c%cACK", fs, ts, fs, fs);
  hr_hl7_span trig = ok ? hr_hl7_get(&m, m.msh, 9, 2) : none;
  if (trig.s && trig.n) {
    hr_buf_putc(out, comp);
    put_span(out, trig);
    hr_buf_printf(out, "%cACK", comp);
  }
  hr_buf_printf(out, "%c%s%c", fs, ack_id, fs);
  hr_hl7_span pid = ok ? hr_hl7_get(&m, m.msh, 11, 1) : none, ver = ok ? hr_hl7_get(&m, m.msh, 12, 1) : none;
  if (pid.s && pid.n)
    put_span(out, pid);
  else
    hr_buf_putc(out, 'P');
  hr_buf_putc(out, fs);
  if (ver.s && ver.n)
    put_span(out, ver);
  else
    hr_buf_puts(out, "2.5");
  hr_buf_printf(out, "\rMSA%c%s%c", fs, code, fs);
  put_span(out, F(10));
  if (text && *text) {
    hr_buf_putc(out, fs);
    put_text(out, text, &m);
  }
  hr_buf_putc(out, '\r');
  if (strcmp(code, HR_ACK_AA) != 0) {
    /* ERR (v2.5): ERR-2 location, ERR-3 code^text^HL70357, ERR-4 severity, ERR-8 user message. */
    hr_buf_printf(out, "ERR%c%c", fs, fs);
    if (field && *field) {
      const char *dash = strchr(field, '-');
      size_t seg = dash ? (size_t)(dash - field) : strlen(field);
      hr_buf_printf(out, "%.*s%c1", (int)(seg > 3 ? 3 : seg), field, comp);
      if (dash) {
        const char *d = dash + 1;
        size_t n = 0;
        while (d[n] >= '0' && d[n] <= '9' && n < 4)
          n++;
        if (n) hr_buf_printf(out, "%c%.*s", comp, (int)n, d);
      }
    }
    hr_buf_printf(out, "%c%s%c", fs, err_code ? err_code : "207", comp);
    put_text(out, text, &m);
    hr_buf_printf(out, "%cHL70357%cE%c%c%c%c", comp, fs, fs, fs, fs, fs);
    put_text(out, text, &m);
    hr_buf_putc(out, '\r');
  }
#undef F
  hr_buf_putc(out, HR_MLLP_EB);
  hr_buf_putc(out, '\r');
}

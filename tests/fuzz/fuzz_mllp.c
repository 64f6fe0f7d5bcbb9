/* libFuzzer target: MLLP framing and the HL7 ACK over arbitrary bytes (broker/connect/mllp.c).
 * The first byte picks the read size, so frames are cut across reads at every offset. Checked:
 * a frame never exceeds the limit, and every ACK is one well-formed MLLP frame (starts 0x0B, ends
 * 0x1C CR, no framing byte or CR/LF inside a field it echoes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hr_buf.h"
#include "mllp.h"

static void check_ack(const char *frame, size_t len) {
  hr_buf ack = {0};
  hr_mllp_ack(frame, len, HR_ACK_AE, "207", "PID-7", frame, "20260101000000+0000", "H1", &ack);
  if (ack.oom) abort();
  if (ack.len < 4 || (unsigned char)ack.data[0] != HR_MLLP_SB || (unsigned char)ack.data[ack.len - 2] != HR_MLLP_EB ||
      ack.data[ack.len - 1] != '\r')
    abort();
  for (size_t i = 1; i + 2 < ack.len; i++)
    if (ack.data[i] == HR_MLLP_SB || ack.data[i] == HR_MLLP_EB || ack.data[i] == '\n') abort();
  char id[64];
  hr_mllp_control_id(frame, len, id, sizeof id);
  if (strlen(id) >= sizeof id) abort();
  hr_buf_free(&ack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t step = (size_t)data[0] % 64 + 1;
  const char *p = (const char *)data + 1;
  size_t n = size - 1;
  hr_mllp f;
  hr_mllp_init(&f, 512);
  for (size_t off = 0; off < n;) {
    size_t len = n - off < step ? n - off : step, used = 0;
    hr_mllp_status s = hr_mllp_push(&f, p + off, len, &used);
    if (used > len || f.frame.len > f.max) abort();
    off += used;
    if (s == HR_MLLP_FRAME || s == HR_MLLP_TOOBIG) check_ack(f.frame.data ? f.frame.data : "", f.frame.len);
    if (s < 0) break; /* the server closes the connection */
    if (s == HR_MLLP_MORE && used != len) abort();
  }
  hr_mllp_free(&f);
  return 0;
}

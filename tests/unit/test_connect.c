/* Tests of broker/connect's pure parts: MLLP framing across partial reads, the HL7 ACK, the
 * listen address and the connector settings table. The services themselves are exercised
 * end to end by tests/e2e/connect_*.sh. */
#include <stdlib.h>
#include <string.h>

#include "connect.h"
#include "connect_config.h"
#include "hr_buf.h"
#include "hr_test.h"
#include "mllp.h"

static const char msg1[] = "MSH|^~\\&|PAS|RX1|HEARTH|LA|202609240930||ADT^A01|MSG000001|P|2.4\r"
                           "EVN|A01|202609240930\rPID|1||9993303828^^^NHS^NH||MORGAN^PRIYA||19880406|F\r";

static size_t frame(char *out, const char *m) {
  size_t n = strlen(m);
  out[0] = HR_MLLP_SB;
  memcpy(out + 1, m, n);
  out[n + 1] = HR_MLLP_EB;
  out[n + 2] = '\r';
  return n + 3;
}

static void test_mllp_frames_split_byte_by_byte(void) {
  char buf[512];
  size_t n = frame(buf, msg1);
  hr_mllp f;
  hr_mllp_init(&f, 4096);
  int frames = 0;
  for (size_t i = 0; i < n; i++) {
    size_t used;
    hr_mllp_status s = hr_mllp_push(&f, buf + i, 1, &used);
    CHECK_INT(used, 1);
    if (s == HR_MLLP_FRAME) {
      frames++;
      CHECK_INT(i, n - 1); /* complete only at the final CR */
      CHECK_INT(f.frame.len, strlen(msg1));
      CHECK(memcmp(f.frame.data, msg1, f.frame.len) == 0);
    } else {
      CHECK_INT(s, HR_MLLP_MORE);
    }
  }
  CHECK_INT(frames, 1);
  hr_mllp_free(&f);
}

static void test_mllp_two_frames_in_one_read_with_blank_lines_between(void) {
  char buf[1024];
  size_t n = frame(buf, msg1);
  buf[n++] = '\n';
  n += frame(buf + n, "MSH|^~\\&|A|B|C|D|1||ADT^A03|X2|P|2.5\r");
  hr_mllp f;
  hr_mllp_init(&f, 4096);
  size_t used, off = 0;
  CHECK_INT(hr_mllp_push(&f, buf, n, &used), HR_MLLP_FRAME);
  CHECK_INT(f.frame.len, strlen(msg1));
  off += used;
  CHECK_INT(hr_mllp_push(&f, buf + off, n - off, &used), HR_MLLP_FRAME);
  CHECK(strstr(f.frame.data, "|X2|") != NULL);
  off += used;
  CHECK_INT(off, n);
  CHECK_INT(f.frames, 2);
  hr_mllp_free(&f);
}

static void test_mllp_bytes_outside_a_frame_are_refused(void) {
  hr_mllp f;
  hr_mllp_init(&f, 4096);
  size_t used;
  CHECK_INT(hr_mllp_push(&f, "GET / HTTP/1.1\r\n", 16, &used), HR_MLLP_BADBYTES);
  CHECK_INT(used, 1);
  hr_mllp_free(&f);
  hr_mllp_init(&f, 4096);
  CHECK_INT(hr_mllp_push(&f, "\x0bMSH|x\x1cZ", 9, &used), HR_MLLP_BADBYTES); /* 0x1C must be followed by CR */
  hr_mllp_free(&f);
}

static void test_mllp_frame_over_the_limit_keeps_only_the_limit(void) {
  hr_mllp f;
  hr_mllp_init(&f, 100);
  char *big = malloc(10000);
  big[0] = HR_MLLP_SB;
  memset(big + 1, 'A', 9999);
  size_t used, total = 0;
  hr_mllp_status s = HR_MLLP_MORE;
  for (size_t off = 0; off < 10000 && s == HR_MLLP_MORE; off += 1000) {
    s = hr_mllp_push(&f, big + off, 1000, &used);
    total += used;
  }
  CHECK_INT(s, HR_MLLP_TOOBIG);
  CHECK_INT(f.frame.len, 100);
  CHECK(f.frame.cap < 1000); /* memory bounded by the limit, not the frame */
  free(big);
  hr_mllp_free(&f);
}

/* The segment of an ACK starting with tag, without framing. */
static const char *segment(const hr_buf *b, const char *tag, char *out, size_t cap) {
  const char *p = strstr(b->data, tag);
  if (!p) return "";
  size_t n = strcspn(p, "\r");
  if (n >= cap) n = cap - 1;
  memcpy(out, p, n);
  out[n] = '\0';
  return out;
}

static void test_ack_aa_echoes_control_id_and_swaps_sender_and_receiver(void) {
  hr_buf b = {0};
  hr_mllp_ack(msg1, strlen(msg1), HR_ACK_AA, NULL, NULL, NULL, "20261123120000+0000", "H1", &b);
  CHECK_INT((unsigned char)b.data[0], HR_MLLP_SB);
  CHECK((unsigned char)b.data[b.len - 2] == HR_MLLP_EB && b.data[b.len - 1] == '\r');
  char seg[512];
  CHECK_STR(segment(&b, "MSH", seg, sizeof seg),
            "MSH|^~\\&|HEARTH|LA|PAS|RX1|20261123120000+0000||ACK^A01^ACK|H1|P|2.4");
  CHECK_STR(segment(&b, "MSA", seg, sizeof seg), "MSA|AA|MSG000001");
  CHECK(strstr(b.data, "ERR|") == NULL);
  hr_buf_free(&b);
}

static void test_ack_ae_names_the_field_code_and_reason_without_breaking_the_segment(void) {
  hr_buf b = {0};
  hr_mllp_ack(msg1, strlen(msg1), HR_ACK_AE, "102", "PID-7", "bad_date: PID-7 '19881399' is not a date|fix^it", "T",
              "H2", &b);
  char seg[512];
  CHECK_STR(segment(&b, "MSA", seg, sizeof seg), "MSA|AE|MSG000001|bad_date: PID-7 '19881399' is not a date fix it");
  CHECK_STR(segment(&b, "ERR", seg, sizeof seg),
            "ERR||PID^1^7|102^bad_date: PID-7 '19881399' is not a date fix it^HL70357|E||||bad_date: PID-7 '19881399' "
            "is not a date fix it");
  hr_buf_free(&b);
}

static void test_ack_of_an_unreadable_message_uses_defaults(void) {
  hr_buf b = {0};
  hr_mllp_ack("garbage", 7, HR_ACK_AE, "100", "", "the frame holds no HL7 message", "T", "H3", &b);
  char seg[512];
  CHECK_STR(segment(&b, "MSH", seg, sizeof seg), "MSH|^~\\&|||||T||ACK|H3|P|2.5");
  CHECK_STR(segment(&b, "MSA", seg, sizeof seg), "MSA|AE||the frame holds no HL7 message");
  char id[32];
  hr_mllp_control_id("garbage", 7, id, sizeof id);
  CHECK_STR(id, "");
  hr_mllp_control_id(msg1, strlen(msg1), id, sizeof id);
  CHECK_STR(id, "MSG000001");
  hr_buf_free(&b);
}

static void test_listen_address_parses_ipv4_and_ipv6(void) {
  char host[64];
  int port;
  CHECK_OK(hr__parse_hostport("127.0.0.1:2575", host, sizeof host, &port));
  CHECK_STR(host, "127.0.0.1");
  CHECK_INT(port, 2575);
  CHECK_OK(hr__parse_hostport("[::1]:0", host, sizeof host, &port));
  CHECK_STR(host, "::1");
  CHECK_INT(port, 0);
  CHECK(hr__parse_hostport("127.0.0.1", host, sizeof host, &port) != 0);
  CHECK(hr__parse_hostport("h:99999", host, sizeof host, &port) != 0);
  CHECK(hr__parse_hostport("h:12x", host, sizeof host, &port) != 0);
}

static void test_connect_settings_defaults_and_errors(void) {
  hr_connect_settings s;
  memset(&s, 0, sizeof s);
  hr_cfg_extra x;
  memset(&x, 0, sizeof x);
  char err[256];
  CHECK_OK(hr_cfg_defaults(hr_connect_config_keys, hr_connect_config_nkeys, &s, &x, err, sizeof err));
  CHECK_INT(s.max_message_bytes, 1048576);
  CHECK_INT(s.insecure, 0);
  const char text[] = "brokers = b:1\ninsecure = true\nkafka.linger.ms = 1\n";
  CHECK_OK(hr_cfg_parse(hr_connect_config_keys, hr_connect_config_nkeys, HR_CONNECT_CONFIG_PREFIX, text,
                        sizeof text - 1, "c.conf", &s, &x, err, sizeof err));
  CHECK_STR(s.brokers, "b:1");
  CHECK_INT(s.insecure, 1);
  CHECK_INT(x.npassthrough, 1);
  const char typo[] = "max_mesage_bytes = 10\n";
  CHECK(hr_cfg_parse(hr_connect_config_keys, hr_connect_config_nkeys, HR_CONNECT_CONFIG_PREFIX, typo, sizeof typo - 1,
                     "c.conf", &s, &x, err, sizeof err) != 0);
  CHECK(strstr(err, "did you mean 'max_message_bytes'") != NULL);
  const char small[] = "max_message_bytes = 10\n";
  CHECK(hr_cfg_parse(hr_connect_config_keys, hr_connect_config_nkeys, HR_CONNECT_CONFIG_PREFIX, small, sizeof small - 1,
                     "c.conf", &s, &x, err, sizeof err) != 0);
  hr_cfg_free(&x);
}

static const hr_test_case tests[] = {
    {"mllp_frames_split_byte_by_byte", test_mllp_frames_split_byte_by_byte},
    {"mllp_two_frames_in_one_read_with_blank_lines_between", test_mllp_two_frames_in_one_read_with_blank_lines_between},
    {"mllp_bytes_outside_a_frame_are_refused", test_mllp_bytes_outside_a_frame_are_refused},
    {"mllp_frame_over_the_limit_keeps_only_the_limit", test_mllp_frame_over_the_limit_keeps_only_the_limit},
    {"ack_aa_echoes_control_id_and_swaps_sender_and_receiver",
     test_ack_aa_echoes_control_id_and_swaps_sender_and_receiver},
    {"ack_ae_names_the_field_code_and_reason_without_breaking_the_segment",
     test_ack_ae_names_the_field_code_and_reason_without_breaking_the_segment},
    {"ack_of_an_unreadable_message_uses_defaults", test_ack_of_an_unreadable_message_uses_defaults},
    {"listen_address_parses_ipv4_and_ipv6", test_listen_address_parses_ipv4_and_ipv6},
    {"connect_settings_defaults_and_errors", test_connect_settings_defaults_and_errors},
};
HR_TEST_MAIN(tests)

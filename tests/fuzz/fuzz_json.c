/* libFuzzer target: the JSON parser alone. Parsing must never overrun, every node must lie inside
 * the document and inside its parent, and every string must decode to no more bytes than its
 * text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_buf.h"
#include "json.h"

#define CHECK(c)                                                                                                       \
  do {                                                                                                                 \
    if (!(c)) {                                                                                                        \
      fprintf(stderr, "fuzz invariant broken: %s (line %d)\n", #c, __LINE__);                                          \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hr_json j;
  static char *out;
  if (!j.nodes) {
    CHECK(hr_json_init(&j, 4096) == 0);
    out = malloc(1 << 20);
  }
  const char *s = (const char *)data;
  if (!hr_utf8_valid(s, size) || size >= (1 << 20)) return 0; /* callers check UTF-8 first */
  if (hr_json_parse(&j, s, size) != 0) return 0;
  CHECK(j.count >= 1 && j.nodes[0].end == j.count);
  for (uint32_t i = 0; i < j.count; i++) {
    const hr_json_node *nd = &j.nodes[i];
    CHECK(nd->start + (size_t)nd->len <= size);
    CHECK(nd->end > i && nd->end <= j.count);
    if (nd->type == HR_JSON_STRING) {
      size_t n = hr_json_str(&j, (int)i, out);
      CHECK(n <= nd->len && out[n] == '\0');
      CHECK(hr_utf8_valid(out, n));
    }
    if (nd->type == HR_JSON_OBJECT) {
      for (int k = hr_json_first(&j, (int)i); k >= 0; k = hr_json_next(&j, (int)i, k + 1))
        CHECK(j.nodes[k].type == HR_JSON_STRING && (uint32_t)k + 1 < nd->end);
      hr_json_get(&j, (int)i, "eventType");
    }
    if (nd->type == HR_JSON_NUMBER) {
      int64_t v;
      hr_json_int(&j, (int)i, &v);
    }
  }
  return 0;
}

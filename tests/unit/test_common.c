/* Tests of broker/common: hash map, SHA-256, buffers and JSON strings. */
#include <stdlib.h>

#include "hr_buf.h"
#include "hr_map.h"
#include "hr_sha256.h"
#include "hr_test.h"

static void test_map_insert_get_and_grow_keeps_insertion_order(void) {
  hr_map m = {0};
  char key[32];
  for (uint32_t i = 0; i < 10000; i++) {
    int n = snprintf(key, sizeof key, "P%07u", i);
    int ins;
    uint32_t *v = hr_map_upsert(&m, key, (size_t)n, i * 3, &ins);
    CHECK(v != NULL);
    CHECK(ins);
  }
  CHECK_INT(m.n, 10000);
  for (uint32_t i = 0; i < 10000; i += 7) {
    int n = snprintf(key, sizeof key, "P%07u", i);
    CHECK_INT(hr_map_get(&m, key, (size_t)n), i * 3);
  }
  CHECK_INT(hr_map_get(&m, "P", 1), HR_MAP_NONE);
  CHECK_STR(hr_map_key(&m, 1234), "P0001234");
  int ins;
  uint32_t *v = hr_map_upsert(&m, "P0000005", 8, 0, &ins);
  CHECK(!ins);
  CHECK_INT(*v, 15);
  hr_map_free(&m);
}

static void test_map_keys_may_contain_nul_bytes(void) {
  hr_map m = {0};
  hr_map_upsert(&m, "a\0b", 3, 1, NULL);
  hr_map_upsert(&m, "a\0c", 3, 2, NULL);
  CHECK_INT(hr_map_get(&m, "a\0b", 3), 1);
  CHECK_INT(hr_map_get(&m, "a\0c", 3), 2);
  CHECK_INT(hr_map_get(&m, "a", 1), HR_MAP_NONE);
  hr_map_free(&m);
}

static void sha_hex(const char *s, size_t n, char *out) {
  hr_sha256 c;
  unsigned char d[32];
  hr_sha256_init(&c);
  hr_sha256_update(&c, s, n);
  hr_sha256_final(&c, d);
  hr_hex(d, 32, out);
}

static void test_sha256_fips_vectors(void) {
  char out[65];
  sha_hex("abc", 3, out);
  CHECK_STR(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha_hex("", 0, out);
  CHECK_STR(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha_hex(two, strlen(two), out);
  CHECK_STR(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char *million = malloc(1000000);
  memset(million, 'a', 1000000);
  sha_hex(million, 1000000, out);
  CHECK_STR(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(million);
}

static void test_json_strings_escape_controls_and_replace_bad_utf8(void) {
  hr_buf b = {0};
  hr_buf_json_str(&b, "a\"b\\c\n\x01\xC3\xA9\xFF", 10);
  CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\xEF\xBF\xBD\"");
  hr_buf_free(&b);
  CHECK(hr_utf8_valid("\xE2\x82\xAC", 3));
  CHECK(!hr_utf8_valid("\xC0\xAF", 2));     /* overlong */
  CHECK(!hr_utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
  CHECK(!hr_utf8_valid("\xE2\x82", 2));     /* truncated */
}

static const hr_test_case tests[] = {
    {"map_insert_get_and_grow_keeps_insertion_order", test_map_insert_get_and_grow_keeps_insertion_order},
    {"map_keys_may_contain_nul_bytes", test_map_keys_may_contain_nul_bytes},
    {"sha256_fips_vectors", test_sha256_fips_vectors},
    {"json_strings_escape_controls_and_replace_bad_utf8", test_json_strings_escape_controls_and_replace_bad_utf8},
};
HR_TEST_MAIN(tests)

/* Tests of the small JSON parser (connectors/json.c): the grammar, string decoding, lookups,
 * integers, and the limits (depth, node count) that keep hostile lines cheap. */
#include "json.h"
#include "test_connector_util.h"

static hr_json J;

static int parse(const char *s) {
  if (!J.nodes) hr_json_init(&J, 4096);
  return hr_json_parse(&J, s, strlen(s));
}

static void test_parses_objects_arrays_and_scalars(void) {
  CHECK_OK(parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}, \"c\": []} "));
  CHECK_INT(J.nodes[0].type, HR_JSON_OBJECT);
  int a = hr_json_get(&J, 0, "a");
  CHECK_INT(hr_json_type_of(&J, a), HR_JSON_ARRAY);
  int types[] = {HR_JSON_NUMBER, HR_JSON_NUMBER, HR_JSON_TRUE, HR_JSON_FALSE, HR_JSON_NULL, HR_JSON_STRING};
  int k = 0;
  for (int e = hr_json_first(&J, a); e >= 0; e = hr_json_next(&J, a, e)) {
    CHECK(k < 6);
    if (k < 6) CHECK_INT(J.nodes[e].type, types[k]);
    k++;
  }
  CHECK_INT(k, 6);
  CHECK_INT(hr_json_type_of(&J, hr_json_get(&J, 0, "b")), HR_JSON_OBJECT);
  CHECK_INT(hr_json_first(&J, hr_json_get(&J, 0, "b")), -1);
  CHECK_INT(hr_json_get(&J, 0, "zz"), -1);
  CHECK_INT(hr_json_get(&J, a, "a"), -1); /* not an object */
  CHECK_OK(parse("\"just a string\""));
  CHECK_OK(parse("0"));
}

static void test_decodes_escapes_and_surrogate_pairs(void) {
  char out[64];
  CHECK_OK(parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", \"plain\"]"));
  int e = hr_json_first(&J, 0);
  CHECK_INT(hr_json_str(&J, e, out), 12);
  CHECK_STR(out, "a\"b\\c/d\b\f\n\r\t");
  e = hr_json_next(&J, 0, e);
  hr_json_str(&J, e, out);
  CHECK_STR(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  e = hr_json_next(&J, 0, e);
  CHECK_INT(J.nodes[e].escaped, 0);
  hr_json_str(&J, e, out);
  CHECK_STR(out, "plain");
}

static void test_later_duplicate_key_wins_and_escaped_keys_match(void) {
  char out[16];
  CHECK_OK(parse("{\"k\":\"first\",\"\\u006b\":\"second\"}"));
  hr_json_str(&J, hr_json_get(&J, 0, "k"), out);
  CHECK_STR(out, "second");
}

static void test_rejects_what_rfc_8259_rejects(void) {
  const char *bad[] = {
      "",
      "   ",
      "{",
      "[1,]",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{a:1}",
      "[01]",
      "[1.]",
      "[.5]",
      "[-]",
      "[1e]",
      "[+1]",
      "[tru]",
      "[nul]",
      "\"abc",
      "\"a\tb\"",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      "{} {}",
      "[1] x",
      "'a'",
      "[\"a\"\"b\"]",
      "{\"a\":1 \"b\":2}",
      "NaN",
      "[1,,2]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = parse(bad[i]);
    if (rc != HR_EPARSE) hr_test_fail(__FILE__, __LINE__, "accepted %s (rc %d)", bad[i], rc);
    CHECK(J.err != NULL);
  }
}

static void test_depth_limit_is_32_without_recursion(void) {
  char buf[200];
  size_t n = 0;
  for (int i = 0; i < HR_JSON_MAX_DEPTH; i++)
    buf[n++] = '[';
  for (int i = 0; i < HR_JSON_MAX_DEPTH; i++)
    buf[n++] = ']';
  buf[n] = '\0';
  CHECK_OK(parse(buf));
  n = 0;
  for (int i = 0; i <= HR_JSON_MAX_DEPTH; i++)
    buf[n++] = '[';
  for (int i = 0; i <= HR_JSON_MAX_DEPTH; i++)
    buf[n++] = ']';
  buf[n] = '\0';
  CHECK_INT(parse(buf), HR_EPARSE);
  /* A megabyte of brackets fails fast at the limit. */
  char *deep = repeat('[', 1 << 20);
  CHECK_INT(hr_json_parse(&J, deep, 1 << 20), HR_EPARSE);
  free(deep);
}

static void test_too_many_values_is_refused_not_overrun(void) {
  hr_json small;
  CHECK_OK(hr_json_init(&small, 4));
  CHECK_OK(hr_json_parse(&small, "[1,2,3]", 7));
  CHECK_INT(hr_json_parse(&small, "[1,2,3,4]", 9), HR_ETOOBIG);
  hr_json_free(&small);
  hr_json_free(&small); /* twice is fine */
  /* The array grows to the maximum as documents need it, and is kept. */
  hr_json big;
  CHECK_OK(hr_json_init(&big, 10000));
  hr_buf doc = {0};
  hr_buf_putc(&doc, '[');
  for (int i = 0; i < 9998; i++)
    hr_buf_puts(&doc, i ? ",1" : "1");
  hr_buf_putc(&doc, ']');
  CHECK_OK(hr_json_parse(&big, doc.data, doc.len));
  CHECK_INT(big.count, 9999);
  hr_buf_puts(&doc, ""); /* one more element is one too many */
  doc.data[doc.len - 1] = ',';
  hr_buf_puts(&doc, "2,3]");
  CHECK_INT(hr_json_parse(&big, doc.data, doc.len), HR_ETOOBIG);
  CHECK_OK(hr_json_parse(&big, "{}", 2));
  hr_json_free(&big);
  hr_buf_free(&doc);
}

static void test_integers_accept_integral_forms_only(void) {
  int64_t v;
  CHECK_OK(parse("[2, 2.0, 2e1, -7, 1.5, 1e400, 99999999999999999999, \"3\"]"));
  int e = hr_json_first(&J, 0);
  CHECK(hr_json_int(&J, e, &v) && v == 2);
  e = hr_json_next(&J, 0, e);
  CHECK(hr_json_int(&J, e, &v) && v == 2);
  e = hr_json_next(&J, 0, e);
  CHECK(hr_json_int(&J, e, &v) && v == 20);
  e = hr_json_next(&J, 0, e);
  CHECK(hr_json_int(&J, e, &v) && v == -7);
  e = hr_json_next(&J, 0, e);
  CHECK(!hr_json_int(&J, e, &v));
  e = hr_json_next(&J, 0, e);
  CHECK(!hr_json_int(&J, e, &v));
  e = hr_json_next(&J, 0, e);
  CHECK(!hr_json_int(&J, e, &v));
  e = hr_json_next(&J, 0, e);
  CHECK(!hr_json_int(&J, e, &v)); /* a string is not a number */
}

static void cleanup(void) {
  hr_json_free(&J);
}

static void test_nested_lookup_walks_subtrees(void) {
  char out[32];
  CHECK_OK(parse("{\"x\":{\"deep\":[{\"y\":1}]},\"p\":{\"ids\":[{\"type\":\"A\",\"value\":\"1\"},{\"type\":\"NOMS\","
                 "\"value\":\"A1234BC\"}]}}"));
  int ids = hr_json_get(&J, hr_json_get(&J, 0, "p"), "ids");
  const char *found = NULL;
  for (int e = hr_json_first(&J, ids); e >= 0; e = hr_json_next(&J, ids, e)) {
    int t = hr_json_get(&J, e, "type");
    hr_json_str(&J, t, out);
    if (strcmp(out, "NOMS") == 0) {
      hr_json_str(&J, hr_json_get(&J, e, "value"), out);
      found = out;
    }
  }
  CHECK_STR(found, "A1234BC");
  cleanup();
}

static const hr_test_case tests[] = {
    {"parses_objects_arrays_and_scalars", test_parses_objects_arrays_and_scalars},
    {"decodes_escapes_and_surrogate_pairs", test_decodes_escapes_and_surrogate_pairs},
    {"later_duplicate_key_wins_and_escaped_keys_match", test_later_duplicate_key_wins_and_escaped_keys_match},
    {"rejects_what_rfc_8259_rejects", test_rejects_what_rfc_8259_rejects},
    {"depth_limit_is_32_without_recursion", test_depth_limit_is_32_without_recursion},
    {"too_many_values_is_refused_not_overrun", test_too_many_values_is_refused_not_overrun},
    {"integers_accept_integral_forms_only", test_integers_accept_integral_forms_only},
    {"nested_lookup_walks_subtrees", test_nested_lookup_walks_subtrees},
};
HR_TEST_MAIN(tests)

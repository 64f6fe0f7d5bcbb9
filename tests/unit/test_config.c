/* Tests of broker/config and the hearth run settings table: defaults, overrides, pass-through
 * properties, and errors that name the file, the line and the fix. */
#include "config.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_test.h"
#include "run_config.h"

static char err[512];

static int parse(const char *text, hr_run_settings *s, hr_cfg_extra *x) {
  memset(s, 0, sizeof *s);
  memset(x, 0, sizeof *x);
  if (hr_cfg_defaults(hr_run_config_keys, hr_run_config_nkeys, s, x, err, sizeof err)) return -1;
  return hr_cfg_parse(hr_run_config_keys, hr_run_config_nkeys, HR_RUN_CONFIG_PREFIX, text, strlen(text), "hearth.conf",
                      s, x, err, sizeof err);
}

static void test_defaults_then_file_values_and_passthrough(void) {
  hr_run_settings s;
  hr_cfg_extra x;
  CHECK_OK(parse("# a comment\n\nbrokers = 127.0.0.1:9092 \nstate_dir=/var/lib/hearth\r\nrules = r.rules\n"
                 "commit_ms = 500\nlink_agency_ids = true\nkafka.security.protocol = ssl\n",
                 &s, &x));
  CHECK_STR(s.brokers, "127.0.0.1:9092");
  CHECK_STR(s.state_dir, "/var/lib/hearth");
  CHECK_INT(s.commit_ms, 500);
  CHECK_INT(s.link_agency_ids, 1);
  CHECK_STR(s.group, "hearth-broker"); /* default kept */
  CHECK_STR(s.default_la, "");
  CHECK_INT(x.npassthrough, 1);
  CHECK_STR(x.passthrough[0], "security.protocol=ssl");
  CHECK_OK(hr_cfg_set(hr_run_config_keys, hr_run_config_nkeys, "commit_ms", "50", &s, &x, err, sizeof err));
  CHECK_INT(s.commit_ms, 50);
  hr_cfg_free(&x);
}

static void test_unknown_key_and_invalid_value_are_different_errors(void) {
  hr_run_settings s;
  hr_cfg_extra x;
  CHECK_INT(parse("brokers = b\ncomit_ms = 5\n", &s, &x), HR_EINVAL);
  CHECK_STR(err, "hearth.conf:2: unknown setting 'comit_ms' (did you mean 'commit_ms'?)");
  hr_cfg_free(&x);
  CHECK_INT(parse("commit_ms = 0\n", &s, &x), HR_EINVAL);
  CHECK_STR(err, "hearth.conf:1: invalid value for commit_ms: '0' is not a whole number from 1 to 60000");
  hr_cfg_free(&x);
  CHECK_INT(parse("\n\nlink_agency_ids = maybe\n", &s, &x), HR_EINVAL);
  CHECK_STR(err, "hearth.conf:3: invalid value for link_agency_ids: 'maybe' is not true or false");
  hr_cfg_free(&x);
  CHECK_INT(parse("just words\n", &s, &x), HR_EINVAL);
  CHECK_STR(err, "hearth.conf:1: expected 'key = value'");
  hr_cfg_free(&x);
  CHECK_INT(hr_cfg_set(hr_run_config_keys, hr_run_config_nkeys, "nope", "1", &s, &x, err, sizeof err), HR_EINVAL);
}

static void test_the_generated_example_parses_back_to_the_defaults(void) {
  hr_buf b = {0};
  hr_cfg_document(hr_run_config_keys, hr_run_config_nkeys, "t", HR_RUN_CONFIG_PREFIX_NOTE, &b);
  hr_run_settings s;
  hr_cfg_extra x;
  CHECK_OK(parse(b.data, &s, &x));
  CHECK_INT(s.commit_ms, 200);
  CHECK_STR(s.mh_services, "710 711 712 713 715 720 721 722 723 724 725 726 727 730");
  CHECK(strstr(b.data, "# brokers =") != NULL); /* required keys are shown, commented out */
  hr_cfg_free(&x);
  hr_buf_free(&b);
}

static const hr_test_case tests[] = {
    {"defaults_then_file_values_and_passthrough", test_defaults_then_file_values_and_passthrough},
    {"unknown_key_and_invalid_value_are_different_errors", test_unknown_key_and_invalid_value_are_different_errors},
    {"the_generated_example_parses_back_to_the_defaults", test_the_generated_example_parses_back_to_the_defaults},
};
HR_TEST_MAIN(tests)

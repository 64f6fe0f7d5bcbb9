/* hr_test: the unit-test harness. Each tests/unit/test_*.c ends with a table of its tests:
 *
 *   static const hr_test_case tests[] = {
 *     {"nhs_number_with_wrong_check_digit_is_invalid", test_nhs_wrong_check},
 *   };
 *   HR_TEST_MAIN(tests)
 *
 * A test binary run with no argument runs every test in-process; `--list` prints the names;
 * `NAME` runs one. tests/run.sh runs each test in its own process (a crash fails that test
 * only) and counts. A test fails through CHECK* macros, which print the expression, the file
 * and line, and the values. */
#ifndef HR_TEST_H
#define HR_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct hr_test_case {
  const char *name;
  void (*fn)(void);
} hr_test_case;

extern int hr_test_failures;
int hr_test_main(int argc, char **argv, const hr_test_case *cases, size_t n);
void hr_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define HR_TEST_MAIN(cases)                                                                                            \
  int main(int argc, char **argv) {                                                                                    \
    return hr_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));                                          \
  }

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) hr_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                                 \
  } while (0)

#define CHECK_INT(a, b)                                                                                                \
  do {                                                                                                                 \
    long long a_ = (long long)(a), b_ = (long long)(b);                                                                \
    if (a_ != b_) hr_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);                          \
  } while (0)

#define CHECK_STR(a, b)                                                                                                \
  do {                                                                                                                 \
    const char *a_ = (a), *b_ = (b);                                                                                   \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                                             \
      hr_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
  } while (0)

/* A call returning an hr_err: prints the call and the error name on failure. */
#define CHECK_OK(call)                                                                                                 \
  do {                                                                                                                 \
    int rc_ = (call);                                                                                                  \
    if (rc_ != 0) hr_test_fail(__FILE__, __LINE__, "%s failed: %s", #call, hr_test_errname(rc_));                      \
  } while (0)
const char *hr_test_errname(int rc);

#endif

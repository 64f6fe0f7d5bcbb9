#include "hr_test.h"

#include <stdarg.h>
#include <stdlib.h>

#include "hr_err.h"

int hr_test_failures;

void hr_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "  %s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  hr_test_failures++;
}

const char *hr_test_errname(int rc) {
  return hr_err_name(rc);
}

static int run_one(const hr_test_case *c) {
  int before = hr_test_failures;
  c->fn();
  int ok = hr_test_failures == before;
  printf("%s %s\n", ok ? "ok" : "FAIL", c->name);
  fflush(stdout);
  return ok;
}

int hr_test_main(int argc, char **argv, const hr_test_case *cases, size_t n) {
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; i++)
      printf("%s\n", cases[i].name);
    return 0;
  }
  size_t passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
    if (run_one(&cases[i]))
      passed++;
    else
      failed++;
  }
  if (argc > 1 && passed + failed == 0) {
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
  }
  return failed ? 1 : 0;
}

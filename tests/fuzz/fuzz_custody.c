/* libFuzzer target: the custody connector over arbitrary bytes (see fuzz_common.h for what is checked). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_drain(HR_INPUT_CUSTODY, (const char *)data, size);
  return 0;
}

/* libFuzzer target: the register extracts. The first byte picks the file (persons,
 * relationships, key_workers, assignments, link_decisions); the rest is its content. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const hr_input_kind kinds[5] = {HR_INPUT_PERSONS, HR_INPUT_RELATIONSHIPS, HR_INPUT_KEY_WORKERS,
                                         HR_INPUT_ASSIGNMENTS, HR_INPUT_LINK_DECISIONS};
  fuzz_drain(kinds[data[0] % 5], (const char *)data + 1, size - 1);
  return 0;
}

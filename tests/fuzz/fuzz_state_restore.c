/* fuzz_state_restore: the engine's restore on damaged state entries. The input is split into
 * (key, value) entries by a length byte each; restore must refuse what does not decode
 * (HR_EPARSE) and never crash, leak or allocate without bound; the engine stays usable: a
 * checkpoint of whatever was restored succeeds. */
#include <stdint.h>
#include <stdlib.h>

#include "engine.h"
#include "hr_err.h"

static int sink(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  (void)ud;
  (void)k;
  (void)kl;
  (void)v;
  (void)vl;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[128];
  hr_engine_config cfg = {0};
  hr_engine *e = hr_engine_new(&cfg, NULL, err, sizeof err);
  if (!e) return 0;
  size_t i = 0;
  while (i + 2 <= size) {
    size_t kl = data[i] % 24, vl = data[i + 1];
    i += 2;
    if (i + kl + vl > size) break;
    int rc = hr_engine_restore(e, data + i, kl, data + i + kl, vl);
    if (rc != 0 && rc != HR_EPARSE && rc != HR_ENOMEM) abort();
    i += kl + vl;
  }
  hr_engine_checkpoint(e, sink, NULL);
  hr_engine_free(e);
  return 0;
}

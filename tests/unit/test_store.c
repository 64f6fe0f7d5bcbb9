/* Tests of broker/store (LMDB) and of the engine's checkpoint/restore: transactions commit or
 * vanish whole, iteration is in key order, and a damaged state entry is refused, never trusted. */
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "hr_err.h"
#include "hr_test.h"
#include "state.h"
#include "store.h"

static char dir[64];

static hr_store *open_fresh(void) {
  char six_x[7] = {0}; /* mkdtemp's template suffix, six 'X's */
  memset(six_x, 'X', 6);
  snprintf(dir, sizeof dir, "/tmp/hearth-store-%s", six_x);
  if (!mkdtemp(dir)) return NULL;
  hr_store *s;
  char err[256];
  if (hr_store_open(dir, 64, &s, err, sizeof err)) {
    hr_test_fail(__FILE__, __LINE__, "%s", err);
    return NULL;
  }
  return s;
}

static void remove_dir(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  rmdir(dir);
}

static int count_cb(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  (void)v;
  (void)vl;
  char *seen = ud;
  strncat(seen, k, kl);
  strcat(seen, ",");
  return 0;
}

static void test_committed_writes_persist_and_aborted_ones_vanish(void) {
  hr_store *s = open_fresh();
  if (!s) return;
  hr_txn *t;
  CHECK_OK(hr_store_begin(s, 1, &t));
  CHECK_OK(hr_txn_put(t, HR_TABLE_META, "b", 1, "2", 1));
  CHECK_OK(hr_txn_put(t, HR_TABLE_META, "a", 1, "1", 1));
  CHECK_OK(hr_state_put_position(t, "feed.csv", 12345));
  CHECK_OK(hr_txn_commit(t));
  CHECK_OK(hr_store_begin(s, 1, &t));
  CHECK_OK(hr_txn_put(t, HR_TABLE_META, "c", 1, "3", 1));
  hr_txn_abort(t);
  hr_store_close(s);

  char err[256];
  CHECK_OK(hr_store_open(dir, 64, &s, err, sizeof err));
  CHECK_OK(hr_store_begin(s, 0, &t));
  char seen[64] = "";
  CHECK_OK(hr_txn_foreach(t, HR_TABLE_META, count_cb, seen));
  CHECK_STR(seen, "a,b,"); /* key order; the aborted "c" is not there */
  const void *v;
  size_t n;
  CHECK_INT(hr_txn_get(t, HR_TABLE_META, "c", 1, &v, &n), HR_ENOTFOUND);
  uint64_t pos = 0;
  CHECK_OK(hr_state_get_position(t, "feed.csv", &pos));
  CHECK_INT(pos, 12345);
  hr_txn_abort(t);
  hr_store_close(s);
  remove_dir();
}

static void test_store_in_unwritable_place_fails_clearly(void) {
  hr_store *s;
  char err[256];
  int rc = hr_store_open("/proc/hearth-cannot-be-here", 64, &s, err, sizeof err);
  CHECK(rc != 0);
  CHECK(strstr(err, "/proc/hearth-cannot-be-here") != NULL);
}

static void test_restore_refuses_damaged_entries(void) {
  char err[256];
  hr_rulepack *p = hr_rulepack_load("rules/packs/reference.rules", err, sizeof err);
  hr_engine_config cfg = {0};
  hr_engine *e = hr_engine_new(&cfg, p, err, sizeof err);
  CHECK(e != NULL);
  /* Unknown kind, truncated varints, impossible lengths, trailing bytes. */
  CHECK_INT(hr_engine_restore(e, "Z", 1, "", 0), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "", 0, "", 0), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "Cnoms", 5, "\x01", 1), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "Cnoms", 5, "\x01\x02\x03", 3), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "B\0\0\0\1", 5, "\x01\x00\xff\xff\xff\xff\x0f", 7), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "HP1", 3, "\x05", 1), HR_EPARSE);
  CHECK_INT(hr_engine_restore(e, "HP1", 3, "\x00\x00\x00\x01\x00\xff\xff\x03", 8), HR_EPARSE);
  /* Random bytes never crash it (run under ASan in make test). */
  unsigned char buf[64];
  unsigned x = 12345;
  for (int i = 0; i < 20000; i++) {
    size_t n = (size_t)(i % 60);
    for (size_t j = 0; j < n; j++)
      buf[j] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
    const char kinds[] = "ABCDEFGH";
    char key[8] = {kinds[i % 8], 'k', (char)('0' + i % 10)};
    int rc = hr_engine_restore(e, key, 3, buf, n);
    CHECK(rc == 0 || rc == HR_EPARSE);
  }
  hr_engine_free(e);
  hr_rulepack_free(p);
}

static const hr_test_case tests[] = {
    {"committed_writes_persist_and_aborted_ones_vanish", test_committed_writes_persist_and_aborted_ones_vanish},
    {"store_in_unwritable_place_fails_clearly", test_store_in_unwritable_place_fails_clearly},
    {"restore_refuses_damaged_entries", test_restore_refuses_damaged_entries},
};
HR_TEST_MAIN(tests)

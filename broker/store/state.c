/* state: see state.h. */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_buf.h"
#include "connector.h"
#include "hr_err.h"

int hr_state_put_register(hr_txn *t, const Hearth__V1__RegisterRecord *rec) {
  hr_buf k = {0};
  hr_register_key(rec, &k);
  if (!k.len) return HR_EINVAL;
  size_t n = hearth__v1__register_record__get_packed_size(rec);
  uint8_t *v = malloc(n ? n : 1);
  int rc = HR_ENOMEM;
  if (v && !k.oom) {
    hearth__v1__register_record__pack(rec, v);
    rc = hr_txn_put(t, HR_TABLE_REGISTER, k.data, k.len, v, n);
  }
  free(v);
  hr_buf_free(&k);
  return rc;
}

typedef struct load_ctx {
  hr_engine *e;
  int rc;
} load_ctx;

static int load_register(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  (void)k;
  (void)kl;
  load_ctx *c = ud;
  Hearth__V1__RegisterRecord *rec = hearth__v1__register_record__unpack(NULL, vl, v);
  if (!rec) return c->rc = HR_EPARSE;
  int rc = hr_engine_register(c->e, rec);
  hearth__v1__register_record__free_unpacked(rec, NULL);
  return rc == HR_ENOMEM ? (c->rc = rc) : 0;
}

static int load_state(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  load_ctx *c = ud;
  int rc = hr_engine_restore(c->e, k, kl, v, vl);
  return rc ? (c->rc = rc) : 0;
}

int hr_state_load(hr_store *s, hr_engine *e, char *err, size_t errsz) {
  hr_txn *t;
  int rc = hr_store_begin(s, 0, &t);
  if (rc) {
    snprintf(err, errsz, "cannot read the state store: %s", hr_store_last_error(s));
    return rc;
  }
  load_ctx c = {e, 0};
  rc = hr_txn_foreach(t, HR_TABLE_REGISTER, load_register, &c);
  if (!rc) rc = hr_txn_foreach(t, HR_TABLE_STATE, load_state, &c);
  hr_txn_abort(t);
  if (rc)
    snprintf(err, errsz, "the state store is damaged or from another version (%s); move it aside and replay",
             hr_err_name(c.rc ? c.rc : rc));
  return rc;
}

static int put_state(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  return hr_txn_put(ud, HR_TABLE_STATE, k, kl, v, vl);
}

int hr_state_checkpoint(hr_txn *t, hr_engine *e) {
  return hr_engine_checkpoint(e, put_state, t);
}

int hr_state_put_position(hr_txn *t, const char *input, uint64_t position) {
  unsigned char v[8];
  for (int i = 0; i < 8; i++)
    v[i] = (unsigned char)(position >> (56 - 8 * i));
  return hr_txn_put(t, HR_TABLE_OFFSETS, input, strlen(input), v, 8);
}

int hr_state_get_position(hr_txn *t, const char *input, uint64_t *position) {
  const void *v;
  size_t n;
  int rc = hr_txn_get(t, HR_TABLE_OFFSETS, input, strlen(input), &v, &n);
  if (rc) return rc;
  if (n != 8) return HR_EPARSE;
  const unsigned char *b = v;
  uint64_t p = 0;
  for (int i = 0; i < 8; i++)
    p = p << 8 | b[i];
  *position = p;
  return 0;
}

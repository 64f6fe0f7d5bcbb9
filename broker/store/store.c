/* store: LMDB behind the interface in store.h. */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hr_err.h"

static const char *const table_names[HR_TABLE__COUNT] = {"meta", "register", "state", "offsets"};

struct hr_store {
  MDB_env *env;
  MDB_dbi dbi[HR_TABLE__COUNT];
  char last_error[256];
};

struct hr_txn {
  hr_store *s;
  MDB_txn *txn;
};

static int fail(hr_store *s, int rc, const char *what) {
  if (s) snprintf(s->last_error, sizeof s->last_error, "%s: %s", what, mdb_strerror(rc));
  return rc == MDB_NOTFOUND ? HR_ENOTFOUND : rc == ENOMEM ? HR_ENOMEM : HR_ESTORE;
}

int hr_store_open(const char *dir, size_t map_size_mb, hr_store **out, char *err, size_t errsz) {
  *out = NULL;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errsz, "%s: cannot create the state directory: %s", dir, strerror(errno));
    return HR_EIO;
  }
  hr_store *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  int rc = mdb_env_create(&s->env);
  if (rc) goto fail_create;
  size_t mb = map_size_mb ? map_size_mb : 64 * 1024;
  if ((rc = mdb_env_set_mapsize(s->env, mb << 20)) || (rc = mdb_env_set_maxdbs(s->env, HR_TABLE__COUNT))) goto fail_env;
  /* MDB_NOTLS: transactions are tied to our objects, not threads. Durability is LMDB's default
   * (fsync at commit): a checkpoint that returned is on disk. */
  if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600))) goto fail_env;
  MDB_txn *txn;
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) goto fail_env;
  for (int i = 0; i < HR_TABLE__COUNT; i++) {
    if ((rc = mdb_dbi_open(txn, table_names[i], MDB_CREATE, &s->dbi[i]))) {
      mdb_txn_abort(txn);
      goto fail_env;
    }
  }
  if ((rc = mdb_txn_commit(txn))) goto fail_env;
  *out = s;
  return 0;
fail_env:
  mdb_env_close(s->env);
fail_create:
  snprintf(err, errsz, "%s: cannot open the state store: %s", dir, mdb_strerror(rc));
  free(s);
  return HR_ESTORE;
}

void hr_store_close(hr_store *s) {
  if (!s) return;
  if (s->env) mdb_env_close(s->env);
  free(s);
}

int hr_store_begin(hr_store *s, int write, hr_txn **out) {
  hr_txn *t = calloc(1, sizeof *t);
  if (!t) return HR_ENOMEM;
  int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
  if (rc) {
    free(t);
    return fail(s, rc, "begin");
  }
  t->s = s;
  *out = t;
  return 0;
}

int hr_txn_put(hr_txn *t, hr_table table, const void *key, size_t klen, const void *val, size_t vlen) {
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  int rc = mdb_put(t->txn, t->s->dbi[table], &k, &v, 0);
  return rc ? fail(t->s, rc, "put") : 0;
}

int hr_txn_get(hr_txn *t, hr_table table, const void *key, size_t klen, const void **val, size_t *vlen) {
  MDB_val k = {klen, (void *)key}, v;
  int rc = mdb_get(t->txn, t->s->dbi[table], &k, &v);
  if (rc) return rc == MDB_NOTFOUND ? HR_ENOTFOUND : fail(t->s, rc, "get");
  *val = v.mv_data;
  *vlen = v.mv_size;
  return 0;
}

int hr_txn_del(hr_txn *t, hr_table table, const void *key, size_t klen) {
  MDB_val k = {klen, (void *)key};
  int rc = mdb_del(t->txn, t->s->dbi[table], &k, NULL);
  return rc && rc != MDB_NOTFOUND ? fail(t->s, rc, "del") : 0;
}

int hr_txn_foreach(hr_txn *t, hr_table table,
                   int (*fn)(void *ud, const void *key, size_t klen, const void *val, size_t vlen), void *ud) {
  MDB_cursor *c;
  int rc = mdb_cursor_open(t->txn, t->s->dbi[table], &c);
  if (rc) return fail(t->s, rc, "cursor");
  MDB_val k, v;
  int ret = 0;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    if ((ret = fn(ud, k.mv_data, k.mv_size, v.mv_data, v.mv_size))) break;
  }
  mdb_cursor_close(c);
  if (!ret && rc != MDB_NOTFOUND) return fail(t->s, rc, "iterate");
  return ret;
}

int hr_txn_commit(hr_txn *t) {
  int rc = mdb_txn_commit(t->txn);
  hr_store *s = t->s;
  free(t);
  return rc ? fail(s, rc, "commit") : 0;
}

void hr_txn_abort(hr_txn *t) {
  if (!t) return;
  mdb_txn_abort(t->txn);
  free(t);
}

const char *hr_store_last_error(const hr_store *s) {
  return s->last_error;
}

/* store: Hearth's embedded, crash-safe state store (LMDB). One environment per broker instance,
 * one named database per table. Writes happen in transactions: a checkpoint of the engine's
 * changed state and the input positions it corresponds to commit together or not at all, so a
 * restart resumes exactly where the state left off.
 *
 * Only drivers include this header; the core knows nothing of LMDB. */
#ifndef HR_STORE_H
#define HR_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum hr_table {
  HR_TABLE_META = 0, /* format version, counters */
  HR_TABLE_REGISTER, /* register records, key = kind|id, value = RegisterRecord protobuf */
  HR_TABLE_STATE,    /* engine state entries (engine.h hr_state_*), key = [kind][key] */
  HR_TABLE_OFFSETS,  /* input positions: key = input name, value = position */
  HR_TABLE__COUNT
} hr_table;

typedef struct hr_store hr_store;
typedef struct hr_txn hr_txn;

/* Opens (creating when needed) the store in directory dir. map_size_mb = 0 picks the default
 * (64 GiB of address space; the file grows only as data is written). */
int hr_store_open(const char *dir, size_t map_size_mb, hr_store **out, char *err, size_t errsz);
void hr_store_close(hr_store *s); /* accepts NULL */

int hr_store_begin(hr_store *s, int write, hr_txn **out);
int hr_txn_put(hr_txn *t, hr_table table, const void *key, size_t klen, const void *val, size_t vlen);
/* 0 and the value (valid until the transaction ends), or HR_ENOTFOUND. */
int hr_txn_get(hr_txn *t, hr_table table, const void *key, size_t klen, const void **val, size_t *vlen);
int hr_txn_del(hr_txn *t, hr_table table, const void *key, size_t klen);
/* Calls fn for every entry in key order; stops at fn's first non-zero return, returning it. */
int hr_txn_foreach(hr_txn *t, hr_table table,
                   int (*fn)(void *ud, const void *key, size_t klen, const void *val, size_t vlen), void *ud);
int hr_txn_commit(hr_txn *t); /* frees t whatever the outcome */
void hr_txn_abort(hr_txn *t); /* accepts NULL */
/* Text of the last LMDB error, for logs. */
const char *hr_store_last_error(const hr_store *s);

#endif

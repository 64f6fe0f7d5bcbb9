/* state: saving and loading the engine's state and input positions in the store, together.
 * A save is one transaction: the engine's changed entries, the register records applied since
 * the last save and the positions of the inputs they came from commit together or not at all. */
#ifndef HR_STATE_H
#define HR_STATE_H

#include "engine.h"
#include "store.h"

/* Stores one register record (key: kind and id, like the compacted register topic), inside t. */
int hr_state_put_register(hr_txn *t, const Hearth__V1__RegisterRecord *rec);
/* Loads the stored register into e, then the engine state. */
int hr_state_load(hr_store *s, hr_engine *e, char *err, size_t errsz);
/* Checkpoints e into t (the caller adds positions and commits). */
int hr_state_checkpoint(hr_txn *t, hr_engine *e);
/* Input positions. */
int hr_state_put_position(hr_txn *t, const char *input, uint64_t position);
int hr_state_get_position(hr_txn *t, const char *input, uint64_t *position); /* HR_ENOTFOUND */

#endif

/* hr_map: an open-addressing hash map from byte-string keys to 32-bit values.
 *
 * Keys are copied into the map's own arena, so callers may pass stack buffers. Values are the
 * caller's (typically an index into an array it owns). No deletion of keys: a removed entry is
 * set to HR_MAP_NONE by the caller, which keeps the map simple and iteration order stable.
 * Iteration order depends only on the order of insertion (entries are kept in insertion order),
 * never on hash values, so output derived from it is deterministic. */
#ifndef HR_MAP_H
#define HR_MAP_H

#include <stddef.h>
#include <stdint.h>

#define HR_MAP_NONE UINT32_MAX

#define HR_MAP_INLINE_KEY 16 /* keys shorter than this live in the entry itself */

typedef struct hr_map_entry {
  uint64_t hash;
  uint32_t value;
  uint32_t key_len;
  /* Identifiers (UPN, NHS number, person id) are short: kept inline they are compared without
   * another cache miss. Longer keys live in the arena. Both are NUL-terminated. */
  union {
    char small[HR_MAP_INLINE_KEY];
    uint32_t off;
  } key;
} hr_map_entry;

typedef struct hr_map {
  /* Per slot: high 32 bits = the key's hash tag, low 32 bits = entry index + 1 (0 = empty).
   * Probes compare tags in the slot array and touch an entry only on a tag match: at a
   * million keys, that is the difference between one cache miss per probe and one per lookup. */
  uint64_t *slots;
  uint32_t nslots;       /* power of two */
  hr_map_entry *entries; /* in insertion order */
  uint32_t n, cap;
  char *arena; /* bytes of keys too long to be inline, each NUL-terminated */
  size_t arena_len, arena_cap;
  int oom; /* set when an allocation failed; the map stays usable for reads */
} hr_map;

uint64_t hr_hash_bytes(const void *p, size_t n);

void hr_map_free(hr_map *m); /* accepts zeroed maps */
/* Value of key, or HR_MAP_NONE. */
uint32_t hr_map_get(const hr_map *m, const void *key, size_t len);
/* Pointer to the value slot of key, inserting it with value `init` when absent (then *inserted
 * = 1). NULL on allocation failure. The pointer is valid until the next insertion. */
uint32_t *hr_map_upsert(hr_map *m, const void *key, size_t len, uint32_t init, int *inserted);
/* Key of the i-th entry in insertion order (NUL-terminated). */
static inline const char *hr_map_key(const hr_map *m, uint32_t i) {
  const hr_map_entry *e = &m->entries[i];
  return e->key_len < HR_MAP_INLINE_KEY ? e->key.small : m->arena + e->key.off;
}
/* Insertion index of the entry whose value slot hr_map_upsert returned. */
static inline uint32_t hr_map_entry_of(const hr_map *m, const uint32_t *value) {
  return (uint32_t)(((const char *)value - (const char *)m->entries) / sizeof(hr_map_entry));
}
/* Bytes held, for memory accounting. */
size_t hr_map_bytes(const hr_map *m);

#endif

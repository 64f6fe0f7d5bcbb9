#include "hr_map.h"

#include <stdlib.h>
#include <string.h>

/* A small, fast, well-mixing hash for short keys (identifiers of 6-40 bytes): 8-byte words
 * folded with a multiply-xorshift, finished with the splitmix64 finaliser. Not keyed: keys come
 * from the LA's own register and agency feeds, and the table grows to keep probes short. */
uint64_t hr_hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ (w * 0xFF51AFD7ED558CCDull)) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ (w * 0xFF51AFD7ED558CCDull)) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h;
}

void hr_map_free(hr_map *m) {
  if (!m) return;
  free(m->slots);
  free(m->entries);
  free(m->arena);
  memset(m, 0, sizeof *m);
}

static uint32_t tag_of(uint64_t h) {
  return (uint32_t)(h >> 32);
}

static uint32_t find_slot(const hr_map *m, uint64_t h, const void *key, size_t len, int *found) {
  uint32_t mask = m->nslots - 1, i = (uint32_t)h & mask, tag = tag_of(h);
  for (;;) {
    uint64_t s = m->slots[i];
    uint32_t e = (uint32_t)s;
    if (!e) {
      *found = 0;
      return i;
    }
    if ((uint32_t)(s >> 32) == tag) {
      const hr_map_entry *en = &m->entries[e - 1];
      const char *k = len < HR_MAP_INLINE_KEY ? en->key.small : m->arena + en->key.off;
      if (en->hash == h && en->key_len == len && memcmp(k, key, len) == 0) {
        *found = 1;
        return i;
      }
    }
    i = (i + 1) & mask;
  }
}

uint32_t hr_map_get(const hr_map *m, const void *key, size_t len) {
  if (!m->nslots) return HR_MAP_NONE;
  int found;
  uint32_t i = find_slot(m, hr_hash_bytes(key, len), key, len, &found);
  return found ? m->entries[(uint32_t)m->slots[i] - 1].value : HR_MAP_NONE;
}

static int grow_slots(hr_map *m) {
  uint32_t n = m->nslots ? m->nslots * 2 : 64;
  uint64_t *slots = calloc(n, sizeof *slots);
  if (!slots) return -1;
  free(m->slots);
  m->slots = slots;
  m->nslots = n;
  for (uint32_t e = 0; e < m->n; e++) {
    uint64_t h = m->entries[e].hash;
    uint32_t i = (uint32_t)h & (n - 1);
    while (slots[i])
      i = (i + 1) & (n - 1);
    slots[i] = (uint64_t)tag_of(h) << 32 | (e + 1);
  }
  return 0;
}

uint32_t *hr_map_upsert(hr_map *m, const void *key, size_t len, uint32_t init, int *inserted) {
  if (inserted) *inserted = 0;
  if (len > UINT32_MAX / 2) return NULL;
  /* Keep the load factor under 0.7 so linear probes stay short. */
  if ((uint64_t)(m->n + 1) * 10 > (uint64_t)m->nslots * 7 && grow_slots(m)) {
    m->oom = 1;
    return NULL;
  }
  uint64_t h = hr_hash_bytes(key, len);
  int found;
  uint32_t i = find_slot(m, h, key, len, &found);
  if (found) return &m->entries[(uint32_t)m->slots[i] - 1].value;
  if (m->n == m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    hr_map_entry *e = realloc(m->entries, (size_t)cap * sizeof *e);
    if (!e) {
      m->oom = 1;
      return NULL;
    }
    m->entries = e;
    m->cap = cap;
  }
  if (len >= HR_MAP_INLINE_KEY && m->arena_len + len + 1 > m->arena_cap) {
    size_t cap = m->arena_cap ? m->arena_cap : 1024;
    while (cap < m->arena_len + len + 1)
      cap *= 2;
    if (cap > UINT32_MAX) {
      m->oom = 1;
      return NULL;
    }
    char *a = realloc(m->arena, cap);
    if (!a) {
      m->oom = 1;
      return NULL;
    }
    m->arena = a;
    m->arena_cap = cap;
  }
  hr_map_entry *en = &m->entries[m->n];
  en->hash = h;
  en->key_len = (uint32_t)len;
  en->value = init;
  if (len < HR_MAP_INLINE_KEY) {
    memset(en->key.small, 0, sizeof en->key.small);
    memcpy(en->key.small, key, len);
  } else {
    en->key.off = (uint32_t)m->arena_len;
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = '\0';
    m->arena_len += len + 1;
  }
  m->slots[i] = (uint64_t)tag_of(h) << 32 | ++m->n;
  if (inserted) *inserted = 1;
  return &en->value;
}

size_t hr_map_bytes(const hr_map *m) {
  return (size_t)m->nslots * sizeof *m->slots + (size_t)m->cap * sizeof *m->entries + m->arena_cap;
}

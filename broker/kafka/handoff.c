/* handoff: see handoff.h. */
#include "handoff.h"

#include <stdlib.h>
#include <string.h>

int hr_handoff_init(hr_handoff *q, size_t item_size, size_t capacity) {
  memset(q, 0, sizeof *q);
  if (!item_size || !capacity || !(q->items = calloc(capacity, item_size))) return -1;
  q->item_size = item_size;
  q->capacity = capacity;
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  return 0;
}

void hr_handoff_free(hr_handoff *q) {
  if (!q->items) return;
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
  free(q->items);
  q->items = NULL;
}

/* Copies n items between the ring and a flat array, in at most two runs (the ring wraps). */
static void ring_copy(hr_handoff *q, size_t slot, unsigned char *flat, size_t n, int into_ring) {
  size_t first = q->capacity - slot < n ? q->capacity - slot : n;
  unsigned char *ring = q->items + slot * q->item_size;
  if (into_ring) {
    memcpy(ring, flat, first * q->item_size);
    memcpy(q->items, flat + first * q->item_size, (n - first) * q->item_size);
  } else {
    memcpy(flat, ring, first * q->item_size);
    memcpy(flat + first * q->item_size, q->items, (n - first) * q->item_size);
  }
}

void hr_handoff_push(hr_handoff *q, const void *items, size_t n) {
  const unsigned char *p = items;
  pthread_mutex_lock(&q->lock);
  while (n) {
    while (q->count == q->capacity) {
      q->pusher_waiting = 1;
      pthread_cond_wait(&q->not_full, &q->lock);
      q->pusher_waiting = 0;
    }
    size_t room = q->capacity - q->count, k = n < room ? n : room;
    ring_copy(q, (q->head + q->count) % q->capacity, (unsigned char *)p, k, 1);
    q->count += k;
    p += k * q->item_size;
    n -= k;
    if (q->popper_waiting) pthread_cond_signal(&q->not_empty);
  }
  pthread_mutex_unlock(&q->lock);
}

static size_t pop(hr_handoff *q, void *items, size_t max, int wait) {
  pthread_mutex_lock(&q->lock);
  while (!q->count && wait) {
    q->popper_waiting = 1;
    pthread_cond_wait(&q->not_empty, &q->lock);
    q->popper_waiting = 0;
  }
  size_t k = q->count < max ? q->count : max;
  ring_copy(q, q->head, items, k, 0);
  q->head = (q->head + k) % q->capacity;
  q->count -= k;
  if (q->pusher_waiting) pthread_cond_signal(&q->not_full);
  pthread_mutex_unlock(&q->lock);
  return k;
}

size_t hr_handoff_pop(hr_handoff *q, void *items, size_t max) {
  return pop(q, items, max, 1);
}

size_t hr_handoff_pop_nowait(hr_handoff *q, void *items, size_t max) {
  return pop(q, items, max, 0);
}

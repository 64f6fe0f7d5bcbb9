/* handoff: a bounded first-in-first-out queue that hands work from one thread to another, in
 * batches. hearth run's loop thread (consuming, ordering) hands events to its engine thread
 * (decoding, applying, committing) through one: the engine thread sees items in exactly the order
 * they were pushed, which is all the crash-safety invariants need (the offsets it saves are those
 * of the events it applied, in the transaction that saves their state).
 *
 * One pusher and one popper. A push waits while the queue is full (back-pressure: the loop stops
 * consuming when the engine falls behind); a pop waits while it is empty. Both move whole
 * batches under one lock, so the cost per item is a copy, not a lock. */
#ifndef HR_HANDOFF_H
#define HR_HANDOFF_H

#include <pthread.h>
#include <stddef.h>

typedef struct hr_handoff {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  unsigned char *items;
  size_t item_size, capacity;
  size_t head, count; /* the oldest item's slot, and how many are queued */
  int popper_waiting, pusher_waiting;
} hr_handoff;

/* 0, or -1 when out of memory. capacity items of item_size bytes each. */
int hr_handoff_init(hr_handoff *q, size_t item_size, size_t capacity);
void hr_handoff_free(hr_handoff *q);
/* Appends n items, in order, waiting for room as often as needed. */
void hr_handoff_push(hr_handoff *q, const void *items, size_t n);
/* Takes between 1 and max items, the oldest first, waiting until there is one. */
size_t hr_handoff_pop(hr_handoff *q, void *items, size_t max);
/* The same without waiting: 0 when the queue is empty. */
size_t hr_handoff_pop_nowait(hr_handoff *q, void *items, size_t max);

#endif

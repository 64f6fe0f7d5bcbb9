/* byteq: copies of byte strings, released first in first out. hearth run's loop thread copies
 * each consumed event here and destroys the librdkafka message at once: an event may wait for
 * the merge behind thousands of others, and holding the message holds the whole fetch response
 * it came in, so the consumer keeps allocating (and the kernel keeps faulting in) fresh memory.
 * The copies sit in chunks that are reused once every copy in them is released, so the memory a
 * backlog needs is touched once.
 *
 * One thread; copies are released in the order they were made, each by its length. */
#ifndef HR_BYTEQ_H
#define HR_BYTEQ_H

#include <stddef.h>

typedef struct hr_byteq_chunk hr_byteq_chunk;

typedef struct hr_byteq {
  hr_byteq_chunk *head, *tail; /* the oldest copy is in head; new ones go into tail */
  hr_byteq_chunk *spare;       /* emptied chunks, kept for reuse */
  size_t nspare, chunk_size, bytes;
} hr_byteq;

/* chunk_size: bytes per chunk (a copy bigger than that gets a chunk of its own size). */
void hr_byteq_init(hr_byteq *q, size_t chunk_size);
void hr_byteq_free(hr_byteq *q);
/* A copy of n bytes of p (n may be 0), valid until it is released; NULL when out of memory. */
void *hr_byteq_push(hr_byteq *q, const void *p, size_t n);
/* Releases the oldest copy, which was n bytes long. */
void hr_byteq_pop(hr_byteq *q, size_t n);
/* Bytes held (copies not yet released). */
size_t hr_byteq_bytes(const hr_byteq *q);

#endif

/* byteq: see byteq.h. */
#include "byteq.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SPARE 32 /* chunks kept for reuse beyond those in use */

struct hr_byteq_chunk {
  hr_byteq_chunk *next;
  size_t cap, used, released;
  unsigned char data[];
};

void hr_byteq_init(hr_byteq *q, size_t chunk_size) {
  memset(q, 0, sizeof *q);
  q->chunk_size = chunk_size ? chunk_size : 65536;
}

static void free_list(hr_byteq_chunk *c) {
  while (c) {
    hr_byteq_chunk *next = c->next;
    free(c);
    c = next;
  }
}

void hr_byteq_free(hr_byteq *q) {
  free_list(q->head);
  free_list(q->spare);
  memset(q, 0, sizeof *q);
}

/* A chunk at the end with room for n bytes: a spare one, or a new one (of n bytes when n is more
 * than a chunk). */
static hr_byteq_chunk *new_chunk(hr_byteq *q, size_t n) {
  hr_byteq_chunk *c;
  if (n <= q->chunk_size && q->spare) {
    c = q->spare;
    q->spare = c->next;
    q->nspare--;
  } else {
    size_t cap = n > q->chunk_size ? n : q->chunk_size;
    if (!(c = malloc(sizeof *c + cap))) return NULL;
    c->cap = cap;
  }
  c->next = NULL;
  c->used = c->released = 0;
  if (q->tail)
    q->tail->next = c;
  else
    q->head = c;
  q->tail = c;
  return c;
}

void *hr_byteq_push(hr_byteq *q, const void *p, size_t n) {
  hr_byteq_chunk *c = q->tail;
  if (!c || c->cap - c->used < n) c = new_chunk(q, n);
  if (!c) return NULL;
  void *copy = c->data + c->used;
  if (n) memcpy(copy, p, n);
  c->used += n;
  q->bytes += n;
  return copy;
}

void hr_byteq_pop(hr_byteq *q, size_t n) {
  hr_byteq_chunk *c = q->head;
  if (!c) return;
  c->released += n;
  q->bytes -= n;
  if (c->released < c->used) return;
  if (c == q->tail) { /* the only chunk: start it again from its beginning */
    c->used = c->released = 0;
    return;
  }
  q->head = c->next;
  if (c->cap == q->chunk_size && q->nspare < MAX_SPARE) {
    c->next = q->spare;
    q->spare = c;
    q->nspare++;
  } else
    free(c);
}

size_t hr_byteq_bytes(const hr_byteq *q) {
  return q->bytes;
}

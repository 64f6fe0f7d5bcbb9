/* byteq: the copies hearth run keeps of held events' payloads. What run relies on: a copy stays
 * intact until it is released, whatever is pushed and released meanwhile (first in, first out),
 * big and empty copies included, and the memory of released chunks is used again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "byteq.h"
#include "hr_test.h"

/* A copy as the test remembers it: where it is, how long, and the byte pattern it was filled with. */
typedef struct copy {
  unsigned char *at;
  size_t len;
  unsigned seed;
} copy;

static void fill(unsigned char *buf, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    buf[i] = (unsigned char)(seed * 31u + i * 7u);
}

static int intact(const copy *c) {
  for (size_t i = 0; i < c->len; i++)
    if (c->at[i] != (unsigned char)(c->seed * 31u + i * 7u)) return 0;
  return 1;
}

static void test_copies_stay_intact_until_released(void) {
  enum { N = 4096 };
  static copy live[N];
  static unsigned char src[70000];
  hr_byteq q;
  hr_byteq_init(&q, 1024);
  size_t head = 0, tail = 0, bytes = 0, broken = 0;
  uint64_t rng = 42;
  for (int step = 0; step < 200000; step++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    unsigned r = (unsigned)(rng >> 33);
    if (tail - head < N && (r % 3 != 0 || head == tail)) {
      /* mostly small, now and then empty or bigger than a chunk (a chunk of its own) */
      size_t len = r % 97 == 0 ? 2000 + r % 60000 : r % 13 == 0 ? 0 : r % 300;
      fill(src, len, r);
      copy *c = &live[tail % N];
      c->at = hr_byteq_push(&q, src, len);
      CHECK(c->at != NULL);
      c->len = len, c->seed = r;
      tail++, bytes += len;
    } else {
      copy *c = &live[head % N];
      if (!intact(c)) broken++;
      hr_byteq_pop(&q, c->len);
      head++, bytes -= c->len;
    }
    CHECK_INT(hr_byteq_bytes(&q), bytes);
  }
  for (size_t i = head; i < tail; i++)
    if (!intact(&live[i % N])) broken++;
  CHECK_INT(broken, 0);
  hr_byteq_free(&q);
}

static void test_released_chunks_are_reused(void) {
  hr_byteq q;
  hr_byteq_init(&q, 256);
  unsigned char buf[100] = {0};
  unsigned char *first = hr_byteq_push(&q, buf, 100);
  hr_byteq_push(&q, buf, 100);
  hr_byteq_push(&q, buf, 100); /* does not fit: a second chunk */
  hr_byteq_pop(&q, 100);
  hr_byteq_pop(&q, 100); /* the first chunk is empty: kept for reuse */
  hr_byteq_push(&q, buf, 100);
  CHECK(hr_byteq_push(&q, buf, 100) == first); /* the second chunk is full: the first one again */
  hr_byteq_pop(&q, 100);
  hr_byteq_pop(&q, 100);
  hr_byteq_pop(&q, 100);
  CHECK_INT(hr_byteq_bytes(&q), 0);
  /* The only chunk, emptied, starts again from its beginning. */
  CHECK(hr_byteq_push(&q, buf, 10) == first);
  hr_byteq_free(&q);
  hr_byteq_free(&q); /* freeing twice is harmless */
}

static const hr_test_case tests[] = {
    {"byteq_copies_stay_intact_until_released", test_copies_stay_intact_until_released},
    {"byteq_reuses_released_chunks", test_released_chunks_are_reused},
};
HR_TEST_MAIN(tests)

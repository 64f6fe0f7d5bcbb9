/* handoff: the queue between hearth run's loop thread and its engine thread. What the
 * crash-safety invariants rest on: every item arrives once, in the order pushed, across wraps of
 * the ring and while the pusher waits for room. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "handoff.h"
#include "hr_test.h"

typedef struct item {
  uint64_t seq;
  uint64_t check; /* a function of seq: a torn or misplaced copy shows */
} item;

static item make(uint64_t seq) {
  return (item){seq, seq * 0x9E3779B97F4A7C15ull ^ 0xA5A5A5A5ull};
}

static void test_single_thread_order_and_wrap(void) {
  hr_handoff q;
  CHECK_INT(hr_handoff_init(&q, sizeof(item), 5), 0);
  item in[4], out[8];
  uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 20; round++) { /* 3 in, 3 out: the ring wraps every few rounds */
    for (int i = 0; i < 3; i++)
      in[i] = make(next_in++);
    hr_handoff_push(&q, in, 3);
    size_t n = hr_handoff_pop(&q, out, 8);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++) {
      CHECK_INT(out[i].seq, next_out);
      CHECK(out[i].check == make(next_out).check);
      next_out++;
    }
  }
  CHECK_INT(hr_handoff_pop_nowait(&q, out, 8), 0); /* empty: does not wait */
  hr_handoff_push(&q, in, 2);
  CHECK_INT(hr_handoff_pop_nowait(&q, out, 1), 1); /* at most max */
  CHECK_INT(hr_handoff_pop_nowait(&q, out, 8), 1);
  hr_handoff_free(&q);
  CHECK_INT(hr_handoff_init(&q, 0, 4), -1); /* nonsense sizes are refused */
  CHECK_INT(hr_handoff_init(&q, sizeof(item), 0), -1);
}

typedef struct popper {
  hr_handoff *q;
  uint64_t want, got, out_of_order, slow_every;
} popper;

static void *pop_all(void *arg) {
  popper *p = arg;
  item buf[7];
  while (p->got < p->want) {
    size_t n = hr_handoff_pop(p->q, buf, 7);
    for (size_t i = 0; i < n; i++, p->got++)
      if (buf[i].seq != p->got || buf[i].check != make(p->got).check) p->out_of_order++;
    if (p->slow_every && p->got % p->slow_every == 0) usleep(100); /* let the pusher fill the ring */
  }
  return NULL;
}

/* A pusher much faster than the popper: pushes of up to 40 items into a ring of 16 wait for room
 * part-way, and every item still arrives once, in order. */
static void test_two_threads_back_pressure_keeps_order(void) {
  hr_handoff q;
  CHECK_INT(hr_handoff_init(&q, sizeof(item), 16), 0);
  popper p = {.q = &q, .want = 200000, .slow_every = 5000};
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, pop_all, &p), 0);
  item batch[40];
  uint64_t seq = 0;
  while (seq < p.want) {
    size_t n = 1 + seq % 40;
    if (n > p.want - seq) n = (size_t)(p.want - seq);
    for (size_t i = 0; i < n; i++)
      batch[i] = make(seq + i);
    hr_handoff_push(&q, batch, n);
    seq += n;
  }
  pthread_join(t, NULL);
  CHECK_INT(p.got, p.want);
  CHECK_INT(p.out_of_order, 0);
  hr_handoff_free(&q);
}

static const hr_test_case tests[] = {
    {"handoff_keeps_order_across_ring_wraps", test_single_thread_order_and_wrap},
    {"handoff_between_threads_delivers_each_item_once_in_order", test_two_threads_back_pressure_keeps_order},
};
HR_TEST_MAIN(tests)

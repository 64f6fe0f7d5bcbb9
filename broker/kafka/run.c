/* run: `hearth run`, the live broker. Consumes the register and agency events from Kafka,
 * applies them through the core and produces alerts, keeping state and consumed offsets in LMDB.
 *
 * States: STARTING (load state; catch the register up to its end, so events meet a complete
 * register) -> RUNNING -> STOPPING (SIGINT/SIGTERM: last commit, close).
 *
 * Two threads while RUNNING. The loop thread (libuv: the consumer queue's IO event wakes a
 * uv_poll handle, which drains the queue to empty) consumes, reads each event's order key, copies
 * the event (byteq.h) and destroys the message, merges the partitions in event-time order and
 * hands the events over, in that order and in batches, to the engine thread (handoff.h), which
 * decodes, applies, produces alerts, archives and commits, and hands each batch back to be
 * recycled (its copies released). The commit timer, rule reloads and the last commit at a
 * signal are handed over in the same line, so they happen exactly between the events before and
 * after them, and only the engine thread touches the engine, the state store, the archive and
 * the producer's delivery reports. The engine thread wakes the loop (uv_async) when it fails,
 * reaches --stop-after or has applied everything up to the point the loop saw every partition's
 * end.
 *
 * Invariants:
 *  1. Offsets are saved only in the LMDB transaction that saves the state they produced.
 *  2. A commit happens only after the cluster acknowledged every alert of the batch, so a
 *     crash loses no alert: the batch is consumed again from the saved offsets, and the same
 *     alerts are produced again with the same content-derived ids (consumers de-duplicate).
 *  3. A message that cannot be used is dead-lettered with its reason and its offset advances.
 *  4. With an archive, every record applied is archived and synced before the commit that saves
 *     its offset; a record redelivered after a crash is recognised by the archive (by content)
 *     and not archived twice. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <uv.h>

#include "archive.h"
#include "byteq.h"
#include "handoff.h"
#include "hr_decode.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"
#include "kafka.h"
#include "rules_reload.h"
#include "state.h"

#define MAX_PARTITIONS 256
#define MAX_BUFFERED 100000 /* events held for ordering; beyond it the earliest is applied anyway */
#define BATCH_ITEMS 256     /* work handed to the engine thread in one go */
#define MAX_BATCHES 32      /* batches in flight: beyond, the loop waits for the engine thread */
#define EVENT_ARENA 16384   /* the event being applied, decoded: a bigger one spills to malloc */
#define DEADLETTER_RAW 4096 /* bytes of an unusable message a dead letter keeps */
#define PAYLOAD_CHUNK 65536 /* held payloads' chunks (byteq.h): under glibc's mmap threshold */

/* An event consumed but not yet applied (held to be applied in event-time order). Only its
 * order key is read from the wire when it arrives; the engine thread decodes it. A message that
 * cannot be used waits in its partition's line too, so that its offset passes in order. What
 * later steps need of the message is copied here (the payload into its partition's byteq) and
 * the message destroyed at once: with a backlog an event waits behind thousands of others, and
 * a held message holds librdkafka's whole fetch response (see byteq.h). */
typedef struct held {
  const void *payload;  /* the copy: all of it, or for a bad message what a dead letter keeps */
  size_t len, copied;   /* the message's length, and the copy's */
  int64_t timestamp_ms; /* the message's Kafka timestamp (-1 none): alerts carry it */
  int64_t offset;
  int32_t partition;
  int feed_order;
  int64_t time_us; /* REFERENCE 6 order: instant, feed, position */
  uint64_t position;
  const char *bad_reason; /* non-NULL: dead-lettered, not applied, when released */
  const char *bad_message;
  uint64_t arrived_ms; /* loop time it was consumed */
} held;

/* What the loop thread hands the engine thread. */
typedef enum work_kind {
  W_EVENT,     /* m: an agency event to apply, or (bad_reason set) to dead-letter */
  W_REGISTER,  /* m: a register record */
  W_COMMIT,    /* save state and offsets (the commit timer, a signal) */
  W_CAUGHT_UP, /* the loop has read every partition to its end and handed all of it over */
  W_RULES,     /* run rules from now on, then free retired */
  W_STOP       /* the last item: the thread ends */
} work_kind;

typedef struct work {
  work_kind kind;
  int32_t partition; /* W_EVENT: the event's partition, offset and timestamp */
  int64_t offset;
  int64_t timestamp_ms;
  rd_kafka_message_t *m; /* W_REGISTER: the message (destroyed when the batch comes back) */
  const char *bad_reason, *bad_message;
  const void *raw;    /* W_EVENT: the copy of the message's first `copied` bytes (its partition's byteq) */
  size_t copied, len; /* ... released when the batch comes back; len: the message's */
  const hr_rulepack *rules;
  hr_rulepack *retired;
} work;

/* Work handed over together; what it holds (register messages, event copies) is released by the
 * loop thread when the batch comes back (librdkafka's bookkeeping stays on the thread that
 * consumed). */
typedef struct work_batch {
  size_t n;
  work items[BATCH_ITEMS];
} work_batch;

/* A partition's held events, oldest first: a ring, so that the merge reads memory in order. Its
 * size is a power of two (a mask, not a division, per step). */
typedef struct fifo {
  held *ring;
  size_t cap, head, n;
  hr_byteq payloads; /* the held events' payloads, in the same order */
  int at_end;        /* the partition reported its end since its last message */
} fifo;

static held *fifo_first(fifo *f) {
  return f->n ? &f->ring[f->head] : NULL;
}

static held *fifo_last(fifo *f) {
  return f->n ? &f->ring[(f->head + f->n - 1) & (f->cap - 1)] : NULL;
}

/* A slot at the end, or NULL when out of memory. */
static held *fifo_push(fifo *f) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 1024;
    held *ring = malloc(cap * sizeof *ring);
    if (!ring) return NULL;
    for (size_t i = 0; i < f->n; i++) /* unwrapped */
      ring[i] = f->ring[(f->head + i) & (f->cap - 1)];
    free(f->ring);
    f->ring = ring, f->cap = cap, f->head = 0;
  }
  return &f->ring[(f->head + f->n++) & (f->cap - 1)];
}

static held fifo_pop(fifo *f) {
  held h = f->ring[f->head];
  f->head = (f->head + 1) & (f->cap - 1);
  f->n--;
  if (f->n) { /* the partition's next event is the merge's next look: fetch it now */
    const held *next = &f->ring[f->head];
    __builtin_prefetch(next->payload);
    __builtin_prefetch((const char *)next->payload + 64);
  }
  return h;
}

/* The two threads' fields are on cache lines of their own (allocated 64-byte aligned): a field one
 * thread writes per event beside one the other reads per message costs a cache-line transfer
 * each time (false sharing; it once took a fifth of the engine thread's time). */
typedef struct run {
  const hr_run_opts *o;
  /* Owned by the engine thread while RUNNING (by the starting thread before, and after the join). */
  hr_run_stats counts; /* copied into *st at the end, with the loop thread's figures */
  hr_engine *engine;
  hr_store *store;
  hr_archive *archive;    /* NULL = none; synced before each commit (invariant 4) */
  hr_txn *batch;          /* the open write transaction of the current batch, or NULL */
  uint64_t batch_changes; /* messages applied since the last commit */
  uint64_t delivery_failures;
  char delivery_error[256];
  hr_buf val;
  hr_arena decoded;                       /* the event being applied: one arena, reset per event, stays in the cache */
  int64_t applying_timestamp_ms;          /* the event being applied's (-1 none): it goes on alerts */
  int64_t next_offset[2][MAX_PARTITIONS]; /* [0] register, [1] events: next offset to consume */
  /* The hand-over and the signals between the threads. */
  _Alignas(64) hr_handoff to_engine, to_loop; /* of batch pointers: full ones there, done ones back */
  pthread_t engine_thread;
  int engine_started;
  uv_async_t wake;           /* the engine thread wakes the loop: failed, done or caught up */
  _Alignas(64) int failed;   /* atomic: a fatal error: stop without committing (first error in err) */
  int done;                  /* atomic: stop_after_events reached, saved: stop */
  int caught_up_applied;     /* atomic: the engine thread reached W_CAUGHT_UP */
  uint64_t caught_up_events; /* events applied then (written before caught_up_applied) */
  char err[512];
  /* Owned by the loop thread. */
  _Alignas(64) rd_kafka_t *consumer, *producer; /* the producer: the engine thread's once running */
  rd_kafka_queue_t *queue;
  int pipe_r, pipe_w;
  uv_loop_t loop;
  uv_poll_t poll;
  uv_timer_t commit_timer;
  uv_timer_t release_timer; /* with a grace period: releases held events as their grace ends */
  uv_signal_t sigint, sigterm;
  hr_rules_reload *reload; /* SIGHUP and the watched pack (rules_path) */
  int nparts[2];
  fifo pending[MAX_PARTITIONS]; /* per events partition */
  size_t npending;
  hr_run_stats *st;               /* the caller's: rule reloads counted into it as they happen */
  uint64_t first_event_ns;        /* the first event consumed */
  work_batch *filling;            /* the batch being filled, or NULL */
  rd_kafka_topic_t *events_topic; /* hearth.events.v1's, once seen */
  work_batch *last;               /* W_STOP's, set aside at the start so that the engine thread always ends */
  work_batch *batches[MAX_BATCHES];
  int nbatches;
  int caught_up_posted; /* W_CAUGHT_UP handed over */
  int caught_up;        /* ... and reported */
} run;

static int is_failed(run *r) {
  return __atomic_load_n(&r->failed, __ATOMIC_ACQUIRE);
}

static int is_stopping(run *r) {
  return is_failed(r) || __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/* Records a fatal error from either thread; the first one's message is kept. */
static void fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run *r, const char *fmt, ...) {
  int expected = 0; /* err is read only after the engine thread has ended */
  if (!__atomic_compare_exchange_n(&r->failed, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  if (r->engine_started) uv_async_send(&r->wake);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  run *r = opaque;
  if (m->err) {
    r->delivery_failures++;
    if (!r->delivery_error[0]) snprintf(r->delivery_error, sizeof r->delivery_error, "%s", rd_kafka_err2str(m->err));
  }
}

/* One readable line per alert, for people watching (hearth demo, hearth run --print). */
static void print_alert(const Hearth__V1__Alert *a) {
  char when[HR_ISO_MAX];
  hr_format_uk_instant(a->raised_at_us, when);
  printf("%.16s  %-6s %-23s %-9s -> %s %s; children: ", when, a->severity, a->rule_id, a->la_code,
         a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_KEY_WORKER_ID ? "key worker" : "front door of",
         a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_KEY_WORKER_ID ? a->route->key_worker_id
         : a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_FRONT_DOOR  ? a->route->front_door
                                                                              : "?");
  for (size_t i = 0; i < a->n_children; i++)
    printf("%s%s", i ? ", " : "", a->children[i]);
  printf("%s\n    %s\n", a->n_children ? "" : "none known", a->explanation);
  fflush(stdout);
}

static void on_alert(void *ud, const Hearth__V1__Alert *a) {
  run *r = ud;
  size_t n = hearth__v1__alert__get_packed_size(a);
  hr_buf_reset(&r->val);
  if (hr_buf_reserve(&r->val, n)) {
    fail(r, "out of memory");
    return;
  }
  hearth__v1__alert__pack(a, (uint8_t *)r->val.data);
  char ts[24] = "", perr[256];
  if (r->applying_timestamp_ms >= 0) snprintf(ts, sizeof ts, "%lld", (long long)r->applying_timestamp_ms);
  const char *key = a->la_code ? a->la_code : "";
  if (hr_kafka_produce_ex(r->producer, HR_TOPIC_ALERTS, key, strlen(key), r->val.data, n, NULL,
                          ts[0] ? HR_HEADER_SOURCE_TS : NULL, ts, perr, sizeof perr))
    fail(r, "%s", perr);
  r->counts.alerts++;
  if (r->o->print_alerts) print_alert(a);
}

/* A message that cannot be used: where it was, and its first raw_len bytes (of len) at hand. */
typedef struct unusable {
  const char *topic;
  int32_t partition;
  int64_t offset;
  const void *raw;
  size_t raw_len, len;
} unusable;

static unusable unusable_message(const rd_kafka_message_t *m) {
  return (unusable){rd_kafka_topic_name(m->rkt), m->partition, m->offset, m->payload, m->len, m->len};
}

static size_t deadletter_raw(size_t n) {
  return n > DEADLETTER_RAW ? DEADLETTER_RAW : n;
}

static void deadletter(run *r, unusable u, const char *reason, const char *message) {
  Hearth__V1__DeadLetter dl = HEARTH__V1__DEAD_LETTER__INIT;
  char source[300], perr[256];
  snprintf(source, sizeof source, "kafka:%s/%d", u.topic, (int)u.partition);
  dl.source = source;
  dl.position = (uint64_t)u.offset;
  dl.connector = (char *)"broker";
  dl.reason_code = (char *)reason;
  dl.message = (char *)message;
  dl.raw.data = (uint8_t *)u.raw;
  dl.raw.len = deadletter_raw(u.raw_len);
  dl.raw_truncated = dl.raw.len < u.len;
  size_t n = hearth__v1__dead_letter__get_packed_size(&dl);
  hr_buf_reset(&r->val);
  if (hr_buf_reserve(&r->val, n)) return;
  hearth__v1__dead_letter__pack(&dl, (uint8_t *)r->val.data);
  if (hr_kafka_produce(r->producer, HR_TOPIC_DEADLETTER, source, strlen(source), r->val.data, n, perr, sizeof perr))
    fail(r, "%s", perr);
  r->counts.deadletters++;
}

static int ensure_batch(run *r) {
  if (r->batch) return 0;
  if (hr_store_begin(r->store, 1, &r->batch)) {
    fail(r, "state store: %s", hr_store_last_error(r->store));
    return HR_ESTORE;
  }
  return 0;
}

static void apply_register(run *r, const rd_kafka_message_t *m) {
  if (ensure_batch(r)) return;
  Hearth__V1__RegisterRecord *rec = hearth__v1__register_record__unpack(NULL, m->len, m->payload);
  if (!rec)
    deadletter(r, unusable_message(m), "not_parseable", "the register message is not a RegisterRecord");
  else {
    if (hr_engine_register(r->engine, rec) == HR_EINVAL)
      deadletter(r, unusable_message(m), "missing_field", "the register record has no identity");
    else if (hr_state_put_register(r->batch, rec) == HR_ESTORE)
      fail(r, "state store: %s", hr_store_last_error(r->store));
    else if (r->archive && hr_archive_append_register(r->archive, rec) < 0)
      fail(r, "archive: %s", hr_archive_error(r->archive));
    r->counts.register_records++;
    hearth__v1__register_record__free_unpacked(rec, NULL);
  }
  r->next_offset[0][m->partition] = m->offset + 1;
  r->batch_changes++;
}

static unusable unusable_event(const work *w) {
  return (unusable){HR_TOPIC_EVENTS, w->partition, w->offset, w->raw, w->copied, w->len};
}

static void apply_event(run *r, const work *w, Hearth__V1__AgencyEvent *ev) {
  r->applying_timestamp_ms = w->timestamp_ms;
  int rc = hr_engine_apply(r->engine, ev, on_alert, r);
  r->applying_timestamp_ms = -1;
  if (rc == HR_EINVAL)
    deadletter(r, unusable_event(w), "not_parseable", "the event's payload is incomplete");
  else if (rc)
    fail(r, "core: %s", hr_strerror(rc));
  else if (r->archive && hr_archive_append_event(r->archive, ev) < 0)
    fail(r, "archive: %s", hr_archive_error(r->archive));
  r->counts.events++;
  if (r->o->stop_after_events && r->counts.events >= r->o->stop_after_events)
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* Engine thread: applies (or dead-letters) one event, whose turn it is. */
static void apply_or_deadletter(run *r, work *w) {
  if (ensure_batch(r)) return;
  Hearth__V1__AgencyEvent *ev = NULL;
  if (!w->bad_reason &&
      !(ev = (Hearth__V1__AgencyEvent *)hr_decode(&hearth__v1__agency_event__descriptor, w->raw, w->len, &r->decoded)))
    w->bad_reason = "not_parseable", w->bad_message = "the event message is not an AgencyEvent (truncated)";
  if (ev)
    apply_event(r, w, ev);
  else
    deadletter(r, unusable_event(w), w->bad_reason, w->bad_message);
  hr_arena_reset(&r->decoded);
  r->next_offset[1][w->partition] = w->offset + 1;
  r->batch_changes++;
}

/* Engine thread. Invariant 2 then 1: every alert acknowledged, then state and offsets in one
 * transaction. */
static int commit(run *r) {
  if (is_failed(r)) return -1;
  if (!r->batch_changes) return 0;
  while (rd_kafka_outq_len(r->producer) > 0 && rd_kafka_flush(r->producer, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    char fatal[256];
    if (rd_kafka_fatal_error(r->producer, fatal, sizeof fatal)) {
      snprintf(r->delivery_error, sizeof r->delivery_error, "%s", fatal);
      r->delivery_failures++;
      break;
    }
  }
  if (r->delivery_failures) {
    fail(r,
         "%llu alert(s) not delivered (%s): stopping without saving, so a restart "
         "produces them again",
         (unsigned long long)r->delivery_failures, r->delivery_error);
    return -1;
  }
  static const char *const topics[2] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS};
  if (r->archive && hr_archive_sync(r->archive)) { /* invariant 4 */
    fail(r, "archive: %s", hr_archive_error(r->archive));
    return -1;
  }
  int rc = 0;
  for (int t = 0; t < 2 && !rc; t++)
    for (int p = 0; p < r->nparts[t] && !rc; p++) {
      char key[128];
      snprintf(key, sizeof key, "%s/%d", topics[t], p);
      if (r->next_offset[t][p] >= 0) rc = hr_state_put_position(r->batch, key, (uint64_t)r->next_offset[t][p]);
    }
  if (!rc) rc = hr_state_checkpoint(r->batch, r->engine);
  hr_txn *t = r->batch;
  r->batch = NULL;
  if (!rc)
    rc = hr_txn_commit(t);
  else
    hr_txn_abort(t);
  if (rc) {
    fail(r, "could not save the state: %s", hr_store_last_error(r->store));
    return -1;
  }
  r->counts.commits++;
  r->batch_changes = 0;
  return 0;
}

/* An item done with or not acted on (after a failure or --stop-after: its message is consumed
 * again from the saved offsets after a restart). The engine thread frees a retired pack; the
 * loop thread, recycling the batch, the message. */
static void retire_pack(work *w) {
  hr_rulepack_free(w->retired);
  w->retired = NULL;
}

/* Engine thread: one item, in the order the loop handed them over. */
static void do_work(run *r, work *w) {
  switch (w->kind) {
  case W_EVENT: apply_or_deadletter(r, w); break;
  case W_REGISTER: apply_register(r, w->m); break;
  case W_COMMIT: commit(r); break;
  case W_CAUGHT_UP:
    __atomic_store_n(&r->caught_up_events, r->counts.events, __ATOMIC_RELAXED);
    __atomic_store_n(&r->caught_up_applied, 1, __ATOMIC_RELEASE);
    uv_async_send(&r->wake);
    break;
  case W_RULES: hr_engine_set_rules(r->engine, w->rules); break;
  case W_STOP: break;
  }
  retire_pack(w);
}

static void *engine_main(void *arg) {
  run *r = arg;
  prctl(PR_SET_NAME, "hearth-engine"); /* as top -H and perf show it */
  work_batch *got[MAX_BATCHES];
  for (;;) {
    size_t n = hr_handoff_pop(&r->to_engine, got, MAX_BATCHES);
    int applied = 0, stop = 0;
    for (size_t b = 0; b < n; b++) {
      for (size_t i = 0; i < got[b]->n; i++) {
        work *w = &got[b]->items[i];
        if (w->kind == W_STOP) stop = 1; /* always the last item handed over */
        if (stop || is_stopping(r)) {
          retire_pack(w);
          continue;
        }
        applied |= w->kind == W_EVENT;
        do_work(r, w);
        if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) { /* --stop-after: save and stop */
          commit(r);
          uv_async_send(&r->wake);
        }
      }
      hr_handoff_push(&r->to_loop, &got[b], 1); /* never waits: it holds every work_batch */
    }
    if (applied) r->counts.last_event_ns = uv_hrtime();
    rd_kafka_poll(r->producer, 0); /* delivery reports */
    if (stop) {
      /* A batch not committed (after a failure) is given up here: an LMDB write transaction
       * ends on the thread that began it. */
      hr_txn_abort(r->batch);
      r->batch = NULL;
      return NULL;
    }
  }
}

/* Loop thread: releases what a batch's work held (register messages, event copies), so that
 * it can be filled again. */
static void recycle(run *r, work_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    work *w = &b->items[i];
    if (w->m) rd_kafka_message_destroy(w->m);
    if (w->kind == W_EVENT) hr_byteq_pop(&r->pending[w->partition].payloads, w->copied);
    retire_pack(w); /* only for a batch the engine thread never took */
  }
  b->n = 0;
}

/* Loop thread: an empty batch: one handed back, a new one, or (all in flight) the next one
 * handed back, waiting for it. NULL when out of memory. */
static work_batch *empty_batch(run *r) {
  work_batch *b;
  if (hr_handoff_pop_nowait(&r->to_loop, &b, 1) || (r->nbatches == MAX_BATCHES && hr_handoff_pop(&r->to_loop, &b, 1))) {
    recycle(r, b);
    return b;
  }
  if (!(b = calloc(1, sizeof *b))) return NULL;
  r->batches[r->nbatches++] = b;
  return b;
}

static void publish(run *r) {
  if (!r->filling) return;
  hr_handoff_push(&r->to_engine, &r->filling, 1);
  r->filling = NULL;
}

/* Loop thread: adds work to the batch being filled. 0, or -1 when out of memory (the caller still
 * owns the message). Events are decoded on the engine thread: with a backlog the loop thread is
 * the busier one (consuming, the order key, the copy, the merge). */
static int post(run *r, work w) {
  if (!r->filling && !(r->filling = empty_batch(r))) {
    fail(r, "out of memory");
    return -1;
  }
  work_batch *b = r->filling;
  b->items[b->n++] = w;
  if (b->n == BATCH_ITEMS) publish(r);
  return 0;
}

/* REFERENCE 6 order, as hearth replay: instant, feed (hr_feed_order), position in the source. */
static inline int held_before(const held *a, const held *b) {
  if (a->time_us != b->time_us) return a->time_us < b->time_us;
  if (a->feed_order != b->feed_order) return a->feed_order < b->feed_order;
  return a->position < b->position;
}

/* Hands held events to the engine thread in event-time order across partitions, for as long as
 * every partition either has an event held or has reported its end: with a backlog this is the
 * replay's order exactly; live, a partition that is caught up does not hold the others back. */
static void release(run *r) {
  while (!is_stopping(r) && r->npending) {
    int best = -1, blocked = 0, all_held = 1;
    const held *first = NULL;
    for (int p = 0; p < r->nparts[1]; p++) {
      const held *h = fifo_first(&r->pending[p]);
      if (!h) {
        all_held = 0;
        if (!r->pending[p].at_end) blocked = 1;
        continue;
      }
      if (best < 0 || held_before(h, first)) best = p, first = h;
    }
    if (best < 0 || (blocked && r->npending < MAX_BUFFERED)) return;
    /* A partition is caught up but may yet receive an earlier event: with a grace period, hold
     * each event that long after it arrived (the reorder buffer of DESIGN.md). */
    if (!all_held && r->o->grace_ms && r->npending < MAX_BUFFERED &&
        first->arrived_ms + r->o->grace_ms > uv_now(&r->loop))
      return;
    held h = fifo_pop(&r->pending[best]);
    r->npending--;
    work w = {.kind = W_EVENT,
              .partition = h.partition,
              .offset = h.offset,
              .timestamp_ms = h.timestamp_ms,
              .raw = h.payload,
              .copied = h.copied,
              .len = h.len,
              .bad_reason = h.bad_reason,
              .bad_message = h.bad_message};
    post(r, w); /* on failure (it stops the run) the copy stays until the end */
  }
}

/* Whether a consumed message is an event (else a register record): a client keeps one topic
 * object per topic, so after the first the name need not be compared. */
static int is_events_topic(run *r, rd_kafka_topic_t *rkt) {
  if (rkt == r->events_topic) return 1;
  if (strcmp(rd_kafka_topic_name(rkt), HR_TOPIC_EVENTS) != 0) return 0;
  r->events_topic = rkt;
  return 1;
}

/* Loop thread: takes one consumed message; returns 1 when it was kept (a register record handed
 * over), 0 when the caller still owns it (an event: copied, held for ordering or handed over). */
static int take_message(run *r, rd_kafka_message_t *m) {
  int is_events = is_events_topic(r, m->rkt);
  if (m->partition < 0 || m->partition >= MAX_PARTITIONS) return 0;
  if (!is_events) return post(r, (work){.kind = W_REGISTER, .m = m}) == 0;
  hr_order_key key;
  const char *bad = NULL, *why = NULL;
  if (hr_event_order_key(m->payload, m->len, &key))
    bad = "not_parseable", why = "the event message is not an AgencyEvent (truncated or not protobuf)";
  else if (key.feed < HEARTH__V1__FEED__FEED_CUSTODY || key.feed > HEARTH__V1__FEED__FEED_NRPF || !key.has_payload)
    bad = "unknown_event_type", why = "the event names no feed Hearth reads, or carries no payload";
  fifo *f = &r->pending[m->partition];
  size_t copied = bad ? deadletter_raw(m->len) : m->len; /* a bad one: what a dead letter keeps */
  const void *copy = hr_byteq_push(&f->payloads, m->payload, copied);
  if (!copy) {
    fail(r, "out of memory");
    return 0;
  }
  rd_kafka_timestamp_type_t tstype;
  const held *last = fifo_last(f);
  if (bad && !last) { /* nothing before it in its partition: dead-letter it now */
    work w = {.kind = W_EVENT,
              .partition = m->partition,
              .offset = m->offset,
              .raw = copy,
              .copied = copied,
              .len = m->len,
              .bad_reason = bad,
              .bad_message = why};
    post(r, w); /* on failure the copy stays until the end: copies are released oldest first */
    return 0;
  }
  if (!r->first_event_ns) r->first_event_ns = uv_hrtime();
  held h = {.payload = copy,
            .len = m->len,
            .copied = copied,
            .timestamp_ms = rd_kafka_message_timestamp(m, &tstype),
            .offset = m->offset,
            .partition = m->partition,
            .bad_reason = bad,
            .bad_message = why,
            .arrived_ms = uv_now(&r->loop)};
  if (bad) /* behind the event before it in its partition: it passes right after it */
    h.time_us = last->time_us, h.feed_order = last->feed_order, h.position = last->position;
  else
    h.time_us = key.time_us, h.feed_order = hr_feed_order((Hearth__V1__Feed)key.feed), h.position = key.position;
  held *slot = fifo_push(f);
  if (!slot) {
    fail(r, "out of memory"); /* the copy stays until the end: copies are released oldest first */
    return 0;
  }
  *slot = h;
  f->at_end = 0;
  r->npending++;
  return 0;
}

static void free_held(run *r) {
  for (int p = 0; p < MAX_PARTITIONS; p++) { /* first: the batches' copies are freed with them */
    free(r->pending[p].ring);
    hr_byteq_free(&r->pending[p].payloads);
  }
  for (int i = 0; i < r->nbatches; i++) { /* after the engine thread ended */
    recycle(r, r->batches[i]);
    free(r->batches[i]);
  }
  free(r->last);
}

static void drain(run *r) {
  /* In batches: one queue lock per batch, and events are handed over while they are still in
   * the cache rather than after the whole queue was taken. */
  rd_kafka_message_t *msgs[256];
  ssize_t n;
  while (!is_stopping(r) && (n = rd_kafka_consume_batch_queue(r->queue, 0, msgs, 256)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = msgs[i];
      int kept = 0;
      if (is_stopping(r))
        ; /* not taken: consumed again from the saved offsets */
      else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        kept = take_message(r, m);
      else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->rkt && is_events_topic(r, m->rkt) && m->partition >= 0 && m->partition < MAX_PARTITIONS)
          r->pending[m->partition].at_end = 1;
      } else
        fprintf(stderr, "hearth run: consumer: %s (retrying)\n", rd_kafka_message_errstr(m));
      if (!kept) rd_kafka_message_destroy(m);
    }
    release(r);
    publish(r);
  }
  release(r);
  if (!r->caught_up_posted) {
    int all = r->nparts[1] > 0;
    for (int p = 0; p < r->nparts[1]; p++)
      if (!r->pending[p].at_end || r->pending[p].n) all = 0;
    if (all) {
      r->caught_up_posted = 1;
      post(r, (work){.kind = W_CAUGHT_UP});
    }
  }
  publish(r);
}

static void stop(run *r) {
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->commit_timer);
  uv_timer_stop(&r->release_timer);
  uv_signal_stop(&r->sigint);
  uv_signal_stop(&r->sigterm);
  uv_stop(&r->loop);
}

/* The engine thread has news: it failed, reached --stop-after, or caught up. */
static void on_wake(uv_async_t *h) {
  run *r = h->data;
  if (!r->caught_up && __atomic_load_n(&r->caught_up_applied, __ATOMIC_ACQUIRE)) {
    r->caught_up = 1;
    fprintf(stderr, "hearth run: caught up with %s (%llu events applied)\n", HR_TOPIC_EVENTS,
            (unsigned long long)__atomic_load_n(&r->caught_up_events, __ATOMIC_RELAXED));
    if (r->o->on_caught_up) r->o->on_caught_up(r->o->caught_up_ud);
  }
  if (is_stopping(r)) stop(r);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  run *r = h->data;
  char buf[64];
  while (read(r->pipe_r, buf, sizeof buf) > 0) {
  }
  if (status < 0) return;
  drain(r); /* to empty: librdkafka writes the fd only when the queue becomes non-empty */
  if (is_stopping(r)) stop(r);
}

static void on_release_timer(uv_timer_t *h) {
  run *r = h->data;
  if (r->npending) release(r);
  publish(r);
  if (is_stopping(r)) stop(r);
}

static void on_commit_timer(uv_timer_t *h) {
  run *r = h->data;
  post(r, (work){.kind = W_COMMIT});
  publish(r);
}

static void on_signal(uv_signal_t *h, int signum) {
  run *r = h->data;
  fprintf(stderr, "hearth run: %s received: saving and stopping\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
  drain(r);
  post(r, (work){.kind = W_COMMIT}); /* the last commit: after everything handed over */
  publish(r);
  stop(r);
}

/* Rule reloads (loop thread) reach the engine in line with the events. */
static void install_rules(void *ud, const hr_rulepack *next, hr_rulepack *retired) {
  run *r = ud;
  if (post(r, (work){.kind = W_RULES, .rules = next, .retired = retired}))
    hr_rulepack_free(retired); /* failing: the engine keeps the pack it has until the end */
  publish(r);
}

static int partitions_of(rd_kafka_t *rk, const char *topic, int *n, char *err, size_t errsz) {
  const struct rd_kafka_metadata *md;
  rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (e || md->topic_cnt != 1 || md->topics[0].err) {
    snprintf(err, errsz, "cannot read the metadata of %s: %s", topic,
             rd_kafka_err2str(e               ? e
                              : md->topic_cnt ? md->topics[0].err
                                              : RD_KAFKA_RESP_ERR_UNKNOWN));
    if (!e) rd_kafka_metadata_destroy(md);
    return -1;
  }
  *n = md->topics[0].partition_cnt > MAX_PARTITIONS ? MAX_PARTITIONS : md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return 0;
}

/* Assigns the register partitions, or all, at the saved offsets (else the beginning). */
static int assign(run *r, int with_events) {
  static const char *const topics[2] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS};
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(MAX_PARTITIONS * 2);
  for (int t = 0; t <= with_events; t++)
    for (int p = 0; p < r->nparts[t]; p++)
      rd_kafka_topic_partition_list_add(l, topics[t], p)->offset =
          r->next_offset[t][p] >= 0 ? r->next_offset[t][p] : RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t e = rd_kafka_assign(r->consumer, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (e) snprintf(r->err, sizeof r->err, "cannot assign partitions: %s", rd_kafka_err2str(e));
  return e ? -1 : 0;
}

/* STARTING: consume the register to its end before any event. */
static int catch_up_register(run *r) {
  int64_t high[MAX_PARTITIONS];
  for (int p = 0; p < r->nparts[0]; p++) {
    int64_t lo;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(r->consumer, HR_TOPIC_REGISTER, p, &lo, &high[p], 10000);
    if (e) {
      snprintf(r->err, sizeof r->err, "cannot read the register's end: %s", rd_kafka_err2str(e));
      return -1;
    }
    if (r->next_offset[0][p] < lo) r->next_offset[0][p] = -1;
  }
  if (assign(r, 0)) return -1;
  for (;;) {
    int behind = 0;
    for (int p = 0; p < r->nparts[0]; p++)
      if ((r->next_offset[0][p] < 0 ? 0 : r->next_offset[0][p]) < high[p]) behind = 1;
    if (!behind || is_failed(r)) break;
    rd_kafka_message_t *m = rd_kafka_consume_queue(r->queue, 1000);
    if (!m) continue;
    if (!m->err) apply_register(r, m);
    rd_kafka_message_destroy(m);
  }
  return is_failed(r) ? -1 : commit(r);
}

static int load_offsets(run *r) {
  static const char *const topics[2] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS};
  hr_txn *t;
  if (hr_store_begin(r->store, 0, &t)) return -1;
  for (int i = 0; i < 2; i++)
    for (int p = 0; p < MAX_PARTITIONS; p++) {
      char key[128];
      uint64_t pos;
      snprintf(key, sizeof key, "%s/%d", topics[i], p);
      r->next_offset[i][p] = hr_state_get_position(t, key, &pos) == 0 ? (int64_t)pos : -1;
    }
  hr_txn_abort(t);
  return 0;
}

static rd_kafka_t *client(run *r, rd_kafka_type_t type) {
  char e[512];
  rd_kafka_conf_t *conf = hr_kafka_conf(r->o->brokers, NULL, r->err, sizeof r->err);
  if (!conf) return NULL;
  if (type == RD_KAFKA_CONSUMER) {
    if (rd_kafka_conf_set(conf, "group.id", r->o->group ? r->o->group : "hearth-broker", e, sizeof e) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", e, sizeof e) ||
        /* Short fetch waits: a partition's end is known sooner (the cross-partition merge waits
         * for it), and the mock cluster answers a fetch with no new data only when the wait ends
         * (a real broker answers as soon as data arrives), so on the mock the wait bounds alert
         * latency. On a real cluster the cost is at most 100 small requests/s per broker when
         * idle; -X fetch.wait.max.ms=500 there if that matters. */
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", e, sizeof e) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof e) ||
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", e, sizeof e))
      goto bad;
  } else {
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e) ||
        rd_kafka_conf_set(conf, "linger.ms", "2", e, sizeof e))
      goto bad;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, r);
  }
  for (size_t i = 0; r->o->props && i < r->o->props->n; i++) {
    const char *kv = r->o->props->kv[i], *eq = strchr(kv, '=');
    char key[256];
    if (!eq) {
      snprintf(e, sizeof e, "'%s' is not key=value", kv);
      goto bad;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    if (rd_kafka_conf_set(conf, key, eq + 1, e, sizeof e)) goto bad;
  }
  rd_kafka_t *rk = rd_kafka_new(type, conf, e, sizeof e);
  if (rk) return rk;
bad:
  snprintf(r->err, sizeof r->err, "Kafka client: %.400s", e);
  rd_kafka_conf_destroy(conf);
  return NULL;
}

int hr_run(const hr_run_opts *o, hr_run_stats *st, char *err, size_t errsz) {
  run *r = aligned_alloc(_Alignof(run), sizeof(run)); /* sizeof is a multiple of the alignment */
  if (!r) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  memset(r, 0, sizeof *r);
  memset(st, 0, sizeof *st);
  r->o = o;
  r->st = st;
  r->pipe_r = r->pipe_w = -1;
  r->applying_timestamp_ms = -1;
  for (int p = 0; p < MAX_PARTITIONS; p++)
    hr_byteq_init(&r->pending[p].payloads, PAYLOAD_CHUNK);
  if (hr_handoff_init(&r->to_engine, sizeof(work_batch *), MAX_BATCHES + 1) ||
      hr_handoff_init(&r->to_loop, sizeof(work_batch *), MAX_BATCHES + 1) || !(r->last = calloc(1, sizeof *r->last)) ||
      hr_arena_init(&r->decoded, EVENT_ARENA)) {
    hr_handoff_free(&r->to_engine);
    hr_handoff_free(&r->to_loop);
    free(r->last);
    free(r);
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  int rc = HR_EIO, loop_ready = 0;
  r->engine = hr_engine_new(&o->engine, o->rules, r->err, sizeof r->err);
  if (!r->engine) goto done;
  if (hr_store_open(o->state_dir, 0, &r->store, r->err, sizeof r->err)) goto done;
  if (hr_state_load(r->store, r->engine, r->err, sizeof r->err) || load_offsets(r)) goto done;
  if (o->archive_dir && hr_archive_open(o->archive_dir, 0, &r->archive, r->err, sizeof r->err)) goto done;
  if (!(r->producer = client(r, RD_KAFKA_PRODUCER)) || !(r->consumer = client(r, RD_KAFKA_CONSUMER))) goto done;
  rd_kafka_poll_set_consumer(r->consumer); /* errors and logs arrive on the consumer queue too */
  r->queue = rd_kafka_queue_get_consumer(r->consumer);
  int alert_parts;
  if (partitions_of(r->consumer, HR_TOPIC_REGISTER, &r->nparts[0], r->err, sizeof r->err) ||
      partitions_of(r->consumer, HR_TOPIC_EVENTS, &r->nparts[1], r->err, sizeof r->err) ||
      /* The producer learns where the alerts go now, not when the first alert waits for it. */
      partitions_of(r->producer, HR_TOPIC_ALERTS, &alert_parts, r->err, sizeof r->err))
    goto done;
  if (catch_up_register(r) || assign(r, 1)) goto done;
  fprintf(stderr, "hearth run: register loaded (%llu records); consuming %s (%d partitions)\n",
          (unsigned long long)r->counts.register_records, HR_TOPIC_EVENTS, r->nparts[1]);

  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(r->err, sizeof r->err, "pipe: %s", strerror(errno));
    goto done;
  }
  r->pipe_r = fds[0];
  r->pipe_w = fds[1];
  fcntl(r->pipe_r, F_SETFL, O_NONBLOCK);
  fcntl(r->pipe_w, F_SETFL, O_NONBLOCK);
  rd_kafka_queue_io_event_enable(r->queue, r->pipe_w, "1", 1);
  uv_loop_init(&r->loop);
  loop_ready = 1;
  r->poll.data = r->commit_timer.data = r->release_timer.data = r->sigint.data = r->sigterm.data = r->wake.data = r;
  uv_async_init(&r->loop, &r->wake, on_wake);
  uv_poll_init(&r->loop, &r->poll, r->pipe_r);
  uv_timer_init(&r->loop, &r->commit_timer);
  uv_timer_init(&r->loop, &r->release_timer);
  uv_signal_init(&r->loop, &r->sigint);
  uv_signal_init(&r->loop, &r->sigterm);
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  uv_timer_start(&r->commit_timer, on_commit_timer, o->commit_ms, o->commit_ms);
  if (o->grace_ms) uv_timer_start(&r->release_timer, on_release_timer, 10, 10);
  uv_signal_start(&r->sigint, on_signal, SIGINT);
  uv_signal_start(&r->sigterm, on_signal, SIGTERM);
  if (o->rules_path &&
      hr_rules_reload_start(&r->loop, o->rules_path, o->rules_watch, install_rules, r, o->rules, &st->rule_reloads,
                            &st->rule_reload_failures, &r->reload, r->err, sizeof r->err))
    goto done;
  /* From here the engine, the store, the archive and the producer's reports are the engine
   * thread's, until it is joined. */
  r->engine_started = 1;
  if ((errno = pthread_create(&r->engine_thread, NULL, engine_main, r))) {
    r->engine_started = 0;
    snprintf(r->err, sizeof r->err, "cannot start the engine thread: %s", strerror(errno));
    goto done;
  }
  drain(r); /* messages that arrived before the IO event was enabled */
  if (!is_stopping(r)) uv_run(&r->loop, UV_RUN_DEFAULT);
  rc = is_failed(r) ? HR_EIO : 0;

done:
  if (r->engine_started) { /* everything handed over is done with, then the thread ends */
    publish(r);
    r->last->items[0] = (work){.kind = W_STOP};
    r->last->n = 1;
    hr_handoff_push(&r->to_engine, &r->last, 1);
    pthread_join(r->engine_thread, NULL);
    rc = is_failed(r) ? HR_EIO : rc;
  }
  if (loop_ready) {
    uv_close((uv_handle_t *)&r->wake, NULL);
    uv_close((uv_handle_t *)&r->poll, NULL);
    uv_close((uv_handle_t *)&r->commit_timer, NULL);
    uv_close((uv_handle_t *)&r->release_timer, NULL);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    hr_rules_reload_close(r->reload);
    uv_run(&r->loop, UV_RUN_DEFAULT); /* run the close callbacks */
    uv_loop_close(&r->loop);
  }
  if (rc) snprintf(err, errsz, "%s", r->err[0] ? r->err : "failed");
  hr_txn_abort(r->batch);
  free_held(r);
  if (r->queue) {
    rd_kafka_queue_io_event_enable(r->queue, -1, NULL, 0);
    rd_kafka_queue_destroy(r->queue);
  }
  if (r->consumer) {
    rd_kafka_consumer_close(r->consumer);
    rd_kafka_destroy(r->consumer);
  }
  if (r->producer) {
    rd_kafka_flush(r->producer, 5000);
    rd_kafka_destroy(r->producer);
  }
  if (r->pipe_r >= 0) close(r->pipe_r);
  if (r->pipe_w >= 0) close(r->pipe_w);
  if (hr_archive_close(r->archive) && !rc) { /* after the last commit: nothing left unsynced */
    snprintf(err, errsz, "archive: could not save %s", o->archive_dir);
    rc = HR_EIO;
  }
  hr_store_close(r->store);
  hr_engine_free(r->engine);
  hr_rules_reload_free(r->reload); /* after the engine: it may run a reloaded pack */
  hr_buf_free(&r->val);
  hr_arena_free(&r->decoded);
  hr_handoff_free(&r->to_engine);
  hr_handoff_free(&r->to_loop);
  uint64_t reloads = st->rule_reloads, refused = st->rule_reload_failures;
  *st = r->counts;
  st->first_event_ns = r->first_event_ns;
  st->rule_reloads = reloads, st->rule_reload_failures = refused;
  free(r);
  return rc;
}

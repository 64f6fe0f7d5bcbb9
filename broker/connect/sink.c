/* sink: see sink.h.
 *
 * Delivery reports are taken off librdkafka's main queue when its IO event wakes a uv_poll
 * handle (librdkafka writes the pipe only when the queue goes from empty to non-empty, so every
 * wake-up drains it to empty). hr_kafka_produce_ex() also serves reports after queueing, inside
 * the caller's stack; so the report callback only moves the request to a done list, and a uv_idle
 * handle runs the listeners' callbacks from the loop: a listener is never re-entered while it is
 * in the middle of handling a read. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hr_buf.h"
#include "hr_err.h"

typedef struct sink_req {
  hr_sink_cb cb;
  void *opaque;
  int err;
  char why[128];
  struct sink_req *next;
} sink_req;

struct hr_sink {
  rd_kafka_t *rk;
  uv_loop_t *loop;
  uv_poll_t poll;
  uv_idle_t idle;
  int pipe_r, pipe_w;
  int handles; /* poll and idle initialised */
  size_t outstanding, bound;
  sink_req *done_head, *done_tail;
  hr_sink_resume_cb resume_cb;
  void *resume_opaque;
  int paused; /* outstanding reached the bound since the last resume */
  hr_buf key;
  uint8_t *val;
  size_t val_cap;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  hr_sink *s = opaque;
  sink_req *q = m->_private;
  if (!q) return;
  q->err = m->err;
  if (m->err) snprintf(q->why, sizeof q->why, "%s", rd_kafka_err2str(m->err));
  q->next = NULL;
  if (s->done_tail)
    s->done_tail->next = q;
  else
    s->done_head = q;
  s->done_tail = q;
}

static void dispatch(hr_sink *s) {
  while (s->done_head) {
    sink_req *q = s->done_head;
    s->done_head = q->next;
    if (!s->done_head) s->done_tail = NULL;
    s->outstanding--;
    q->cb(q->opaque, q->err, q->why);
    free(q);
  }
  if (s->paused && s->outstanding <= s->bound / 2) {
    s->paused = 0;
    if (s->resume_cb) s->resume_cb(s->resume_opaque);
  }
}

static void on_idle(uv_idle_t *h) {
  hr_sink *s = h->data;
  uv_idle_stop(&s->idle);
  dispatch(s);
}

static void arm(hr_sink *s) {
  if (s->done_head && s->handles) uv_idle_start(&s->idle, on_idle);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  hr_sink *s = h->data;
  char buf[64];
  while (read(s->pipe_r, buf, sizeof buf) > 0) {
  }
  if (status < 0) return;
  while (rd_kafka_poll(s->rk, 0) > 0) {
  }
  arm(s);
}

hr_sink *hr_sink_new(uv_loop_t *loop, const char *brokers, const hr_kafka_props *props, size_t bound, char *err,
                     size_t errsz) {
  hr_sink *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  s->loop = loop;
  s->bound = bound ? bound : 1;
  s->pipe_r = s->pipe_w = -1;
  /* A short linger batches concurrent senders without holding an ACK long. User properties win,
   * except idempotence (acks=all and duplicate-free retries), which is never turned off. */
  hr_kafka_props all = {{"linger.ms=2"}, 1};
  for (size_t i = 0; props && i < props->n && all.n < sizeof all.kv / sizeof all.kv[0]; i++)
    all.kv[all.n++] = props->kv[i];
  rd_kafka_conf_t *conf = hr_kafka_conf(brokers, &all, err, errsz);
  if (!conf) goto fail;
  char e[512];
  if (rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e)) {
    snprintf(err, errsz, "%s", e);
    rd_kafka_conf_destroy(conf);
    goto fail;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, s);
  s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
  if (!s->rk) {
    snprintf(err, errsz, "cannot create the Kafka producer: %s", e);
    rd_kafka_conf_destroy(conf);
    goto fail;
  }
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(err, errsz, "pipe: %s", strerror(errno));
    goto fail;
  }
  s->pipe_r = fds[0];
  s->pipe_w = fds[1];
  fcntl(s->pipe_r, F_SETFL, O_NONBLOCK);
  fcntl(s->pipe_w, F_SETFL, O_NONBLOCK);
  rd_kafka_queue_t *q = rd_kafka_queue_get_main(s->rk);
  rd_kafka_queue_io_event_enable(q, s->pipe_w, "1", 1);
  rd_kafka_queue_destroy(q);
  uv_poll_init(loop, &s->poll, s->pipe_r);
  uv_idle_init(loop, &s->idle);
  s->poll.data = s->idle.data = s;
  s->handles = 1;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  return s;
fail:
  if (s->rk) rd_kafka_destroy(s->rk);
  if (s->pipe_r >= 0) close(s->pipe_r);
  if (s->pipe_w >= 0) close(s->pipe_w);
  free(s);
  return NULL;
}

int hr_sink_produce(hr_sink *s, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                    const char *hdr_name, const char *hdr_value, hr_sink_cb cb, void *opaque, char *err, size_t errsz) {
  sink_req *q = calloc(1, sizeof *q);
  if (!q) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  q->cb = cb;
  q->opaque = opaque;
  s->outstanding++;
  int rc = hr_kafka_produce_ex(s->rk, topic, key, klen, val, vlen, q, hdr_name, hdr_value, err, errsz);
  if (rc) {
    s->outstanding--;
    free(q);
    return rc;
  }
  if (s->outstanding >= s->bound) s->paused = 1;
  arm(s); /* reports served inside produce */
  return 0;
}

static uint8_t *val_room(hr_sink *s, size_t n) {
  if (n > s->val_cap) {
    uint8_t *v = realloc(s->val, n);
    if (!v) return NULL;
    s->val = v;
    s->val_cap = n;
  }
  return s->val;
}

int hr_sink_event(hr_sink *s, const Hearth__V1__AgencyEvent *ev, const char *hdr_value, hr_sink_cb cb, void *opaque,
                  char *err, size_t errsz) {
  size_t n = hearth__v1__agency_event__get_packed_size(ev);
  uint8_t *v = val_room(s, n ? n : 1);
  if (!v) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  hearth__v1__agency_event__pack(ev, v);
  hr_buf_reset(&s->key);
  hr_event_key(ev, &s->key);
  return hr_sink_produce(s, HR_TOPIC_EVENTS, s->key.data ? s->key.data : "", s->key.len, v, n,
                         hdr_value ? HR_CONNECT_HEADER : NULL, hdr_value, cb, opaque, err, errsz);
}

int hr_sink_deadletter(hr_sink *s, const hr_deadletter *d, const char *hdr_value, hr_sink_cb cb, void *opaque,
                       char *err, size_t errsz) {
  Hearth__V1__DeadLetter dl;
  hr_deadletter_to_proto(d, &dl);
  size_t n = hearth__v1__dead_letter__get_packed_size(&dl);
  uint8_t *v = val_room(s, n ? n : 1);
  if (!v) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  hearth__v1__dead_letter__pack(&dl, v);
  return hr_sink_produce(s, HR_TOPIC_DEADLETTER, d->source, strlen(d->source), v, n,
                         hdr_value ? HR_CONNECT_HEADER : NULL, hdr_value, cb, opaque, err, errsz);
}

size_t hr_sink_outstanding(const hr_sink *s) {
  return s->outstanding;
}

int hr_sink_full(const hr_sink *s) {
  return s->outstanding >= s->bound;
}

void hr_sink_on_resume(hr_sink *s, hr_sink_resume_cb cb, void *opaque) {
  s->resume_cb = cb;
  s->resume_opaque = opaque;
}

rd_kafka_t *hr_sink_rk(hr_sink *s) {
  return s->rk;
}

static void on_handle_closed(uv_handle_t *h) {
  hr_sink *s = h->data;
  if (--s->handles > 0) return;
  close(s->pipe_r); /* only now: the poll handle watched it until it closed */
  close(s->pipe_w);
  free(s);
}

void hr_sink_close(hr_sink *s, int timeout_ms) {
  if (!s) return;
  rd_kafka_flush(s->rk, timeout_ms);
  while (rd_kafka_poll(s->rk, 0) > 0) {
  }
  s->resume_cb = NULL;
  dispatch(s);
  /* Whatever is still queued fails; purge so that destroy does not wait, and report each. */
  rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  while (rd_kafka_poll(s->rk, 0) > 0) {
  }
  dispatch(s);
  rd_kafka_destroy(s->rk);
  s->rk = NULL;
  uv_poll_stop(&s->poll);
  hr_buf_free(&s->key);
  free(s->val);
  s->val = NULL;
  s->handles = 2;
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
  uv_close((uv_handle_t *)&s->idle, on_handle_closed);
}

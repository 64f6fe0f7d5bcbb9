/* mllp_server: `hearth connect inpatient`, HL7 v2 over MLLP.
 *
 * Each frame is parsed by the inpatient connector (connectors/inpatient.c) and produced: an
 * event to hearth.events.v1, or a dead letter to hearth.deadletter.v1. The ACK is written only
 * when Kafka has acknowledged what the message became:
 *   AA  the event is on Kafka;
 *   AE  the message cannot be used (the dead letter's reason in MSA-3 and ERR), and the dead
 *       letter is on Kafka;
 *   AR  not an ADT message (dead-lettered), or Kafka could not take it: the sender keeps it and
 *       resends (MSA-3 says why).
 * ACKs go out in the order the messages came, even when deliveries finish out of order. A frame
 * larger than the limit is answered AR and the connection closed; bytes outside a frame close it.
 * A connection with max_pending unanswered messages stops reading until answers go out. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "mllp.h"

typedef struct mllp_srv {
  hr_connect_opts o;
  hr_connect_stats *st;
  uint64_t ack_seq;
  hr_buf ack;
} mllp_srv;

typedef struct pending pending;
typedef struct mconn {
  mllp_srv *srv;
  hr_conn *c; /* NULL once the connection closed */
  hr_mllp framer;
  pending *head, *tail;
  size_t npending;
  int close_when_answered;
  char source[160];
} mconn;

struct pending {
  mconn *mc;
  pending *next;
  int parts;            /* records not yet reported by the sink */
  int done;             /* every part reported */
  int store_failed;     /* Kafka did not take one: AR */
  const char *code;     /* AA, AE or AR when stored */
  const char *err_code; /* HL7 table 0357 */
  char field[32];
  char text[400];
  size_t msh_len;
  char msh[]; /* the message's MSH segment, for the ACK */
};

/* HL7 error code (table 0357) for a dead-letter reason. */
static const char *hl7_err_code(hr_dl_reason r) {
  switch (r) {
  case HR_DL_missing_field:
  case HR_DL_missing_segment: return "101"; /* required field missing */
  case HR_DL_bad_date:
  case HR_DL_bad_time:
  case HR_DL_oversized:
  case HR_DL_invalid_utf8: return "102"; /* data type error */
  case HR_DL_not_adt: return "200";      /* unsupported message type */
  default: return "207";                 /* application internal error */
  }
}

static void hl7_now(char *ts, size_t n) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(ts, n, "%Y%m%d%H%M%S+0000", &tm);
}

static void mconn_free(mconn *mc) {
  hr_mllp_free(&mc->framer);
  free(mc);
}

static void answer(mconn *mc) {
  mllp_srv *srv = mc->srv;
  while (mc->head && mc->head->done) {
    pending *p = mc->head;
    mc->head = p->next;
    if (!mc->head) mc->tail = NULL;
    mc->npending--;
    const char *code = p->store_failed ? HR_ACK_AR : p->code;
    if (strcmp(code, HR_ACK_AA) == 0)
      srv->st->acked++;
    else if (strcmp(code, HR_ACK_AE) == 0)
      srv->st->errors++;
    else
      srv->st->rejected++;
    if (mc->c) {
      char ts[32], id[32];
      hl7_now(ts, sizeof ts);
      snprintf(id, sizeof id, "H%llx", (unsigned long long)++srv->ack_seq);
      hr_buf_reset(&srv->ack);
      hr_mllp_ack(p->msh, p->msh_len, code, p->err_code, p->field, p->text, ts, id, &srv->ack);
      if (!srv->ack.oom) hr_conn_write(mc->c, srv->ack.data, srv->ack.len);
    }
    free(p);
  }
  if (!mc->c) {
    if (!mc->head) mconn_free(mc);
    return;
  }
  hr_conn_hold(mc->c, mc->close_when_answered || mc->npending >= srv->o.max_pending);
  if (mc->close_when_answered && !mc->head) hr_conn_close(mc->c);
}

static void on_stored(void *opaque, int err, const char *why) {
  pending *p = opaque;
  if (err) {
    p->store_failed = 1;
    p->mc->srv->st->failed++;
    snprintf(p->text, sizeof p->text, "could not store the message (%s): send it again", why);
    p->err_code = "207";
    p->field[0] = '\0';
  }
  if (--p->parts == 0) {
    p->done = 1;
    answer(p->mc);
  }
}

static pending *pending_new(mconn *mc, const char *msg, size_t len) {
  size_t m = 0;
  while (m < len && msg[m] != '\r' && msg[m] != '\n')
    m++;
  if (m > 4096) m = 4096; /* enough of MSH for the ACK's fields */
  pending *p = calloc(1, sizeof *p + m + 1);
  if (!p) return NULL;
  p->mc = mc;
  memcpy(p->msh, msg, m);
  p->msh_len = m;
  p->code = HR_ACK_AA;
  if (mc->tail)
    mc->tail->next = p;
  else
    mc->head = p;
  mc->tail = p;
  mc->npending++;
  return p;
}

/* One complete frame: parse, produce, and queue its answer. */
static int on_frame(mconn *mc, const char *msg, size_t len) {
  mllp_srv *srv = mc->srv;
  srv->st->messages++;
  while (len && (msg[0] == '\r' || msg[0] == '\n'))
    msg++, len--;
  pending *p = pending_new(mc, msg, len);
  if (!p) return -1;
  p->parts = 1; /* held while producing, so that an early report cannot answer too soon */
  hr_reader *r = hr_reader_new(HR_INPUT_INPATIENT, msg, len, mc->source, hr_conn_agency(mc->c));
  if (!r) {
    p->store_failed = 1;
    snprintf(p->text, sizeof p->text, "out of memory: send the message again");
    on_stored(p, 0, NULL); /* answered AR, in order */
    return 0;
  }
  hr_record rec;
  int n = 0;
  char err[256];
  while (hr_reader_next(r, &rec)) {
    int rc = 0;
    p->parts++;
    n++;
    if (rec.type == HR_RECORD_EVENT) {
      srv->st->events++;
      rc = hr_sink_event(hr_conn_sink(mc->c), rec.event, NULL, on_stored, p, err, sizeof err);
    } else if (rec.type == HR_RECORD_DEADLETTER) {
      const hr_deadletter *d = rec.dl;
      srv->st->deadletters++;
      if (strcmp(p->code, HR_ACK_AA) == 0) { /* the first fault names the answer */
        p->code = d->reason == HR_DL_not_adt ? HR_ACK_AR : HR_ACK_AE;
        p->err_code = hl7_err_code(d->reason);
        snprintf(p->field, sizeof p->field, "%s", d->field ? d->field : "");
        snprintf(p->text, sizeof p->text, "%s: %.300s", hr_dl_reason_code(d->reason), d->message);
      }
      rc = hr_sink_deadletter(hr_conn_sink(mc->c), d, NULL, on_stored, p, err, sizeof err);
    } else {
      p->parts--; /* register records cannot come from an HL7 reader */
    }
    if (rc) {
      p->parts--;
      p->store_failed = 1;
      snprintf(p->text, sizeof p->text, "could not store the message (%.200s): send it again", err);
    }
  }
  hr_reader_free(r);
  if (n == 0) {
    p->code = HR_ACK_AE;
    p->err_code = "100";
    snprintf(p->text, sizeof p->text, "the frame holds no HL7 message (it must start with MSH)");
  }
  hr_conn_progress(mc->c);
  on_stored(p, 0, NULL); /* drops the hold */
  return 0;
}

static int mllp_data(void *stp, const char *data, size_t len) {
  mconn *mc = stp;
  while (len && mc->c && !mc->close_when_answered) {
    size_t used = 0;
    hr_mllp_status s = hr_mllp_push(&mc->framer, data, len, &used);
    data += used;
    len -= used;
    if (s == HR_MLLP_FRAME) {
      if (on_frame(mc, mc->framer.frame.data ? mc->framer.frame.data : "", mc->framer.frame.len)) return -1;
    } else if (s == HR_MLLP_TOOBIG) {
      fprintf(stderr, "hearth connect inpatient: %s: message over %zu bytes: answered AR, closing\n",
              hr_conn_peer(mc->c), mc->srv->o.max_message);
      pending *p = pending_new(mc, mc->framer.frame.data, mc->framer.frame.len);
      if (!p) return -1;
      p->code = HR_ACK_AR;
      p->err_code = "207";
      snprintf(p->text, sizeof p->text, "message larger than the limit of %zu bytes", mc->srv->o.max_message);
      p->done = 1;
      mc->srv->st->messages++;
      mc->close_when_answered = 1;
      answer(mc);
      return 0;
    } else if (s == HR_MLLP_BADBYTES) {
      fprintf(stderr, "hearth connect inpatient: %s: bytes outside an MLLP frame: closing\n", hr_conn_peer(mc->c));
      mc->close_when_answered = 1;
      answer(mc);
      return 0;
    }
  }
  return 0;
}

static void *mllp_open(hr_conn *c, void *opaque) {
  mllp_srv *srv = opaque;
  mconn *mc = calloc(1, sizeof *mc);
  if (!mc) return NULL;
  mc->srv = srv;
  mc->c = c;
  hr_mllp_init(&mc->framer, srv->o.max_message);
  const char *agency = hr_conn_agency(c);
  snprintf(mc->source, sizeof mc->source, "mllp:%s", *agency ? agency : hr_conn_peer(c));
  return mc;
}

static int mllp_busy(void *stp) {
  return ((mconn *)stp)->npending > 0;
}

static void mllp_closed(void *stp) {
  mconn *mc = stp;
  mc->c = NULL;
  if (!mc->head) mconn_free(mc);
}

static const hr_proto mllp_proto = {"mllp", mllp_open, mllp_data, mllp_busy, mllp_closed};

/* ---- the service ---------------------------------------------------------------------------- */

typedef struct service {
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  hr_sink *sink;
  hr_listener *l;
} service;

static void on_signal(uv_signal_t *h, int signum) {
  service *sv = h->data;
  fprintf(stderr, "hearth connect: %s: answering what is in flight, then stopping\n",
          signum == SIGINT ? "SIGINT" : "SIGTERM");
  uv_signal_stop(&sv->sigint);
  uv_signal_stop(&sv->sigterm);
  uv_close((uv_handle_t *)&sv->sigint, NULL);
  uv_close((uv_handle_t *)&sv->sigterm, NULL);
  hr_sink_close(sv->sink, 10000); /* deliveries report: their answers are queued */
  sv->sink = NULL;
  hr_listener_close(sv->l); /* answers go out, then connections close */
  sv->l = NULL;
}

void hr__connect_ready(const hr_connect_opts *o, const char *what, int port) {
  char host[256] = "?";
  int p;
  if (o->listen.listen) hr__parse_hostport(o->listen.listen, host, sizeof host, &p);
  fprintf(stderr, "hearth connect %s: listening on %s:%d (%s)\n", what, host, port,
          o->listen.cert ? (o->listen.client_ca ? "TLS, client certificates" : "TLS") : "plain TCP, --insecure");
  if (o->ready_file) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->ready_file);
    FILE *f = fopen(tmp, "w");
    if (f) {
      fprintf(f, "%s:%d\n", host, port);
      fclose(f);
      rename(tmp, o->ready_file);
    }
  }
}

int hr_run_service(const hr_connect_opts *o, const hr_proto *proto, void *opaque, const char *what, char *err,
                   size_t errsz) {
  service sv;
  memset(&sv, 0, sizeof sv);
  uv_loop_init(&sv.loop);
  sv.sink = hr_sink_new(&sv.loop, o->brokers, o->props, o->listen.bound, err, errsz);
  if (!sv.sink) {
    uv_loop_close(&sv.loop);
    return HR_EINVAL;
  }
  sv.l = hr_listener_new(&sv.loop, &o->listen, proto, opaque, sv.sink, err, errsz);
  if (!sv.l) {
    hr_sink_close(sv.sink, 0);
    uv_run(&sv.loop, UV_RUN_DEFAULT);
    uv_loop_close(&sv.loop);
    return HR_EINVAL;
  }
  hr__connect_ready(o, what, hr_listener_port(sv.l));
  uv_signal_init(&sv.loop, &sv.sigint);
  uv_signal_init(&sv.loop, &sv.sigterm);
  sv.sigint.data = sv.sigterm.data = &sv;
  uv_signal_start(&sv.sigint, on_signal, SIGINT);
  uv_signal_start(&sv.sigterm, on_signal, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  uv_run(&sv.loop, UV_RUN_DEFAULT);
  uv_loop_close(&sv.loop);
  return 0;
}

int hr_connect_mllp(const hr_connect_opts *o, hr_connect_stats *st, char *err, size_t errsz) {
  mllp_srv srv;
  memset(&srv, 0, sizeof srv);
  memset(st, 0, sizeof *st);
  srv.o = *o;
  if (!srv.o.max_message) srv.o.max_message = HR_MAX_HL7_MESSAGE_BYTES;
  if (!srv.o.max_pending) srv.o.max_pending = 256;
  srv.st = st;
  int rc = hr_run_service(&srv.o, &mllp_proto, &srv, "inpatient", err, errsz);
  hr_buf_free(&srv.ack);
  return rc;
}

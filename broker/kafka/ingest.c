/* ingest: `hearth ingest KIND`: agency files to canonical records on Kafka.
 *
 * Each record goes to its topic keyed by its identity; a bad record goes to the dead-letter
 * topic with its reason. The producer is idempotent (acks=all, no duplicates on retry), and the
 * run succeeds only when the cluster acknowledged every message: nothing accepted is lost
 * silently, and running the same file again is harmless (the broker ignores redelivered events). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hr_buf.h"
#include "hr_err.h"
#include "kafka.h"
#include "replay.h"

typedef struct ingest {
  rd_kafka_t *rk;
  uint64_t rate; /* events per second to pace at; 0 = as fast as possible */
  struct timespec start;
  hr_ingest_stats *st;
  hr_buf key;
  uint8_t *val;
  size_t val_cap;
  char first_error[256];
} ingest;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  ingest *g = opaque;
  if (m->err) {
    g->st->failed++;
    if (!g->first_error[0]) snprintf(g->first_error, sizeof g->first_error, "%s", rd_kafka_err2str(m->err));
  } else {
    g->st->delivered++;
  }
}

static uint8_t *val_room(ingest *g, size_t n) {
  if (n > g->val_cap) {
    uint8_t *v = realloc(g->val, n);
    if (!v) return NULL;
    g->val = v;
    g->val_cap = n;
  }
  return g->val;
}

static int produce(ingest *g, const char *topic, const void *key, size_t klen, const void *val, size_t vlen) {
  return hr_kafka_produce(g->rk, topic, key, klen, val, vlen, g->first_error, sizeof g->first_error);
}

static int produce_deadletter(ingest *g, const hr_deadletter *d) {
  Hearth__V1__DeadLetter dl;
  hr_deadletter_to_proto(d, &dl);
  size_t n = hearth__v1__dead_letter__get_packed_size(&dl);
  uint8_t *v = val_room(g, n);
  if (!v) return HR_ENOMEM;
  hearth__v1__dead_letter__pack(&dl, v);
  g->st->deadletters++;
  return produce(g, HR_TOPIC_DEADLETTER, d->source, strlen(d->source), v, n);
}

static int ingest_buffer(ingest *g, hr_input_kind kind, const char *data, size_t len, const char *source) {
  hr_reader *r = hr_reader_new(kind, data, len, source, NULL);
  if (!r) return HR_ENOMEM;
  hr_record rec;
  int rc = 0;
  while (!rc && hr_reader_next(r, &rec)) {
    if (rec.type == HR_RECORD_DEADLETTER) {
      rc = produce_deadletter(g, rec.dl);
    } else if (rec.type == HR_RECORD_EVENT) {
      size_t n = hearth__v1__agency_event__get_packed_size(rec.event);
      uint8_t *v = val_room(g, n);
      if (!v) {
        rc = HR_ENOMEM;
        break;
      }
      hearth__v1__agency_event__pack(rec.event, v);
      hr_event_key(rec.event, &g->key);
      g->st->records++;
      rc = produce(g, HR_TOPIC_EVENTS, g->key.data ? g->key.data : "", g->key.len, v, n);
    } else if (rec.type == HR_RECORD_REGISTER) {
      size_t n = hearth__v1__register_record__get_packed_size(rec.reg);
      uint8_t *v = val_room(g, n);
      if (!v) {
        rc = HR_ENOMEM;
        break;
      }
      hearth__v1__register_record__pack(rec.reg, v);
      hr_register_key(rec.reg, &g->key);
      g->st->records++;
      rc = produce(g, HR_TOPIC_REGISTER, g->key.data ? g->key.data : "", g->key.len, v, n);
    }
  }
  hr_reader_free(r);
  return rc;
}

/* Reads a whole file (or standard input for "-") into memory. */
static int read_all(const char *path, char **data, size_t *len, char *err, size_t errsz) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
    return HR_EIO;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (n == cap) {
      char *b = realloc(buf, cap * 2);
      if (!b) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = b;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  if (f != stdin) fclose(f);
  if (!buf || bad) {
    free(buf);
    snprintf(err, errsz, "%s: %s", path, buf ? "read error" : "out of memory");
    return buf ? HR_EIO : HR_ENOMEM;
  }
  *data = buf;
  *len = n;
  return 0;
}

static int ingest_file(ingest *g, hr_input_kind kind, const char *path, char *err, size_t errsz) {
  char *data;
  size_t len;
  int rc = read_all(path, &data, &len, err, errsz);
  if (rc) return rc;
  rc = ingest_buffer(g, kind, data, len, strcmp(path, "-") == 0 ? "stdin" : path);
  free(data);
  if (rc) snprintf(err, errsz, "%s: could not produce: %s", path, g->first_error[0] ? g->first_error : hr_strerror(rc));
  return rc;
}

static const struct {
  const char *file;
  hr_input_kind kind;
} register_files[] = {{"persons.csv", HR_INPUT_PERSONS},
                      {"relationships.csv", HR_INPUT_RELATIONSHIPS},
                      {"key_workers.csv", HR_INPUT_KEY_WORKERS},
                      {"assignments.csv", HR_INPUT_ASSIGNMENTS},
                      {"link_decisions.csv", HR_INPUT_LINK_DECISIONS}};

static int ingest_register(ingest *g, const char *path, char *err, size_t errsz) {
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    int any = 0;
    for (size_t i = 0; i < sizeof register_files / sizeof register_files[0]; i++) {
      char file[4096];
      snprintf(file, sizeof file, "%s/%s", path, register_files[i].file);
      if (access(file, F_OK) != 0) continue;
      any = 1;
      int rc = ingest_file(g, register_files[i].kind, file, err, errsz);
      if (rc) return rc;
    }
    if (!any) {
      snprintf(err, errsz, "%s: no persons.csv, relationships.csv, key_workers.csv or assignments.csv", path);
      return HR_EINVAL;
    }
    return 0;
  }
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  for (size_t i = 0; i < sizeof register_files / sizeof register_files[0]; i++)
    if (strcmp(base, register_files[i].file) == 0) return ingest_file(g, register_files[i].kind, path, err, errsz);
  snprintf(err, errsz,
           "%s: give the register directory, or one of persons.csv, relationships.csv, key_workers.csv, "
           "assignments.csv, link_decisions.csv",
           path);
  return HR_EINVAL;
}

/* Creates the idempotent producer. */
static int ingest_open(ingest *g, const char *brokers, const hr_kafka_props *props, char *err, size_t errsz) {
  rd_kafka_conf_t *conf = hr_kafka_conf(brokers, props, err, errsz);
  if (!conf) return HR_EINVAL;
  char e[512];
  /* Idempotence implies acks=all and in-order, duplicate-free retries. */
  if (rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e) ||
      rd_kafka_conf_set(conf, "linger.ms", "5", e, sizeof e)) {
    snprintf(err, errsz, "%s", e);
    rd_kafka_conf_destroy(conf);
    return HR_EINVAL;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, g);
  g->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
  if (!g->rk) {
    snprintf(err, errsz, "cannot create the Kafka producer: %s", e);
    rd_kafka_conf_destroy(conf);
    return HR_EINVAL;
  }
  static const char *const topics[] = {HR_TOPIC_EVENTS, HR_TOPIC_REGISTER, HR_TOPIC_DEADLETTER};
  hr_kafka_warm(g->rk, topics, 3, 2000);
  return 0;
}

/* Waits for every acknowledgement (bounded by message.timeout.ms, default 300 s), frees. */
static int ingest_close(ingest *g, int rc, char *err, size_t errsz) {
  while (rd_kafka_outq_len(g->rk) > 0 && rd_kafka_flush(g->rk, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    char fatal[256];
    if (rd_kafka_fatal_error(g->rk, fatal, sizeof fatal)) {
      snprintf(g->first_error, sizeof g->first_error, "%s", fatal);
      break;
    }
  }
  g->st->failed += (uint64_t)rd_kafka_outq_len(g->rk);
  if (!rc && g->st->failed) {
    snprintf(err, errsz, "%llu message(s) not delivered: %s", (unsigned long long)g->st->failed,
             g->first_error[0] ? g->first_error : "timed out");
    rc = HR_EIO;
  }
  rd_kafka_destroy(g->rk);
  hr_buf_free(&g->key);
  free(g->val);
  return rc;
}

int hr_ingest(const char *kind, const char *path, const char *brokers, const hr_kafka_props *props, hr_ingest_stats *st,
              char *err, size_t errsz) {
  memset(st, 0, sizeof *st);
  hr_input_kind k = HR_INPUT__COUNT;
  int is_register = strcmp(kind, "register") == 0;
  if (!is_register && (hr_input_kind_from_name(kind, &k) != 0 || hr_input_feed(k) == 0)) {
    snprintf(err, errsz, "unknown kind '%s': use register, custody, inpatient, attendance or nrpf", kind);
    return HR_EINVAL;
  }
  ingest g = {.st = st};
  int rc = ingest_open(&g, brokers, props, err, errsz);
  if (rc) return rc;
  rc = is_register ? ingest_register(&g, path, err, errsz) : ingest_file(&g, k, path, err, errsz);
  return ingest_close(&g, rc, err, errsz);
}

/* Paces production at g->rate events per second (a driver may read the clock; the core never). */
static void pace(ingest *g) {
  if (!g->rate) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double elapsed = (double)(now.tv_sec - g->start.tv_sec) + (double)(now.tv_nsec - g->start.tv_nsec) / 1e9;
  double due = (double)g->st->records / (double)g->rate;
  if (due > elapsed) {
    rd_kafka_poll(g->rk, (int)((due - elapsed) * 1000));
    clock_gettime(CLOCK_MONOTONIC, &now);
  }
}

static int merged_event(void *ud, const Hearth__V1__AgencyEvent *ev) {
  ingest *g = ud;
  pace(g);
  size_t n = hearth__v1__agency_event__get_packed_size(ev);
  uint8_t *v = val_room(g, n);
  if (!v) return HR_ENOMEM;
  hearth__v1__agency_event__pack(ev, v);
  hr_event_key(ev, &g->key);
  g->st->records++;
  return produce(g, HR_TOPIC_EVENTS, g->key.data ? g->key.data : "", g->key.len, v, n);
}

static void merged_deadletter(void *ud, const hr_deadletter *d) {
  produce_deadletter(ud, d);
}

int hr_ingest_feeds(const hr_replay_feed *feeds, size_t nfeeds, const char *brokers, const hr_kafka_props *props,
                    uint64_t rate, hr_ingest_stats *st, char *err, size_t errsz) {
  memset(st, 0, sizeof *st);
  if (nfeeds > HR_REPLAY_MAX_FEEDS) {
    snprintf(err, errsz, "at most %d feeds", HR_REPLAY_MAX_FEEDS);
    return HR_EINVAL;
  }
  ingest g = {.st = st, .rate = rate};
  clock_gettime(CLOCK_MONOTONIC, &g.start);
  int rc = ingest_open(&g, brokers, props, err, errsz);
  if (rc) return rc;
  hr_replay_opts o;
  memset(&o, 0, sizeof o);
  memcpy(o.feeds, feeds, nfeeds * sizeof *feeds);
  o.nfeeds = nfeeds;
  o.on_event = merged_event;
  o.on_deadletter = merged_deadletter;
  o.on_event_ud = &g;
  hr_replay_summary sum;
  rc = hr_replay_run(&o, &sum, err, errsz);
  hr_replay_summary_free(&sum);
  return ingest_close(&g, rc, err, errsz);
}

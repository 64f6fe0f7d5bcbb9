/* kafka_bench: end-to-end figures of hearth run through the mock cluster (make bench).
 *
 *   kafka_bench LA_DIR RULES [RATE [key=value...]]
 *
 * key=value pairs are librdkafka properties for hearth run's clients (as -X).
 * LA_DIR is a `hearth synth` directory. Three measurements in one process, one cluster each:
 *  1. the transport ceiling: the LA's events produced as a backlog, then read by a plain
 *     librdkafka consumer (configured as hearth run's) that does nothing with them, first
 *     message to last;
 *  2. hearth run on the same backlog (the same messages): first event consumed to last applied
 *     (with its alerts produced and the state saved as it goes);
 *  Both REPS times, alternating. Reported: the median of each, every run's figure, and the
 *  share as the median of the REPS pairs' ratios, each run against the plain consumer just
 *  before it (on a 2-core machine shared with other work a single run swings by half, and the
 *  two sides swing together).
 *  3. latency: events produced live at RATE per second (default 5,000) while hearth run applies
 *     them; for each alert, the time from the agency event's production (its Kafka timestamp,
 *     which run copies onto the alert as the header hearth-source-ts-ms) to a consumer of
 *     hearth.alerts.v1 receiving it.
 * One JSON line per figure on stdout. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka.h"
#include "replay.h"
#include "rules.h"

#define PARTITIONS 6
#define REPS 11 /* pairs: one lasts a few tenths of a second, and a single pair swings from 0.3 to 0.8 */
#define BROKERS 3

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what, const char *err) {
  fprintf(stderr, "kafka_bench: %s: %s\n", what, err);
  exit(1);
}

static hr_replay_feed feeds[4];

static void set_feeds(const char *la) {
  static char paths[4][4096];
  static const struct {
    hr_input_kind kind;
    const char *file;
  } f[4] = {{HR_INPUT_CUSTODY, "custody.jsonl"},
            {HR_INPUT_INPATIENT, "inpatient.hl7"},
            {HR_INPUT_ATTENDANCE, "attendance.csv"},
            {HR_INPUT_NRPF, "nrpf.csv"}};
  for (int i = 0; i < 4; i++) {
    snprintf(paths[i], sizeof paths[i], "%s/feeds/%s", la, f[i].file);
    feeds[i].kind = f[i].kind;
    feeds[i].path = paths[i];
  }
}

/* A cluster with the LA's register on it. */
static hr_devkafka *cluster_with_register(const char *la) {
  char err[512], reg[4096];
  hr_devkafka *d = hr_devkafka_start(BROKERS, PARTITIONS, err, sizeof err);
  if (!d) die("mock cluster", err);
  snprintf(reg, sizeof reg, "%s/register", la);
  hr_ingest_stats st = {0};
  if (hr_ingest("register", reg, hr_devkafka_bootstraps(d), NULL, &st, err, sizeof err)) die("register", err);
  return d;
}

/* 1. A plain consumer: every message of hearth.events.v1 from the beginning, nothing done. */
static double plain_consumer(const char *brokers, uint64_t want, uint64_t *got) {
  char err[512];
  rd_kafka_conf_t *conf = hr_kafka_conf(brokers, NULL, err, sizeof err);
  if (!conf) die("consumer", err);
  rd_kafka_conf_set(conf, "group.id", "bench-plain", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err); /* as hearth run's consumer */
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!c) die("consumer", err);
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(PARTITIONS);
  for (int p = 0; p < PARTITIONS; p++)
    rd_kafka_topic_partition_list_add(l, HR_TOPIC_EVENTS, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, l);
  rd_kafka_topic_partition_list_destroy(l);
  double first = 0, last = 0;
  uint64_t bytes = 0;
  *got = 0;
  while (*got < want) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
    if (!m) continue;
    if (!m->err) {
      if (!*got) first = now_s();
      ++*got;
      bytes += m->len; /* touch the message, as any consumer must */
    }
    rd_kafka_message_destroy(m);
  }
  last = now_s(); /* the loop ends at the last message; a clock read per message would slow it */
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return (double)*got / (last - first);
}

/* 3. The alerts consumer: latency of each alert, until told to stop. */
typedef struct latency {
  const char *brokers;
  volatile int stop;
  int64_t *ms;
  size_t n, cap;
  uint64_t without_header;
} latency;

static void *alert_consumer(void *arg) {
  latency *lt = arg;
  char err[512];
  rd_kafka_conf_t *conf = hr_kafka_conf(lt->brokers, NULL, err, sizeof err);
  if (!conf) die("alerts consumer", err);
  rd_kafka_conf_set(conf, "group.id", "bench-alerts", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  /* The mock broker answers an empty fetch only when its wait ends: keep the wait short, so
   * that the figure is Hearth's latency and not this consumer's polling interval. */
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "2", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.error.backoff.ms", "5", err, sizeof err);
  rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!c) die("alerts consumer", err);
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(PARTITIONS);
  for (int p = 0; p < PARTITIONS; p++)
    rd_kafka_topic_partition_list_add(l, HR_TOPIC_ALERTS, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, l);
  rd_kafka_topic_partition_list_destroy(l);
  while (!lt->stop) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
    if (!m) continue;
    int64_t now = wall_ms();
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t vn;
    char buf[32];
    if (!m->err && !rd_kafka_message_headers(m, &h) && !rd_kafka_header_get_last(h, HR_HEADER_SOURCE_TS, &v, &vn) &&
        vn < sizeof buf) {
      memcpy(buf, v, vn);
      buf[vn] = '\0';
      if (lt->n == lt->cap) {
        lt->cap = lt->cap ? lt->cap * 2 : 1024;
        lt->ms = realloc(lt->ms, lt->cap * sizeof *lt->ms);
        if (!lt->ms) die("alerts consumer", "out of memory");
      }
      lt->ms[lt->n++] = now - strtoll(buf, NULL, 10);
    } else if (!m->err)
      lt->without_header++;
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return NULL;
}

typedef struct run_thread {
  hr_run_opts o;
  hr_run_stats st;
  int rc;
  char err[512];
} run_thread;

static volatile int run_caught_up;
static void on_caught_up(void *ud) {
  (void)ud;
  __atomic_store_n(&run_caught_up, 1, __ATOMIC_RELEASE);
}

static void *run_broker(void *arg) {
  run_thread *t = arg;
  t->rc = hr_run(&t->o, &t->st, t->err, sizeof t->err);
  return NULL;
}

static hr_kafka_props run_props;

static void run_opts(run_thread *t, const char *brokers, const hr_rulepack *rules, const char *state, uint64_t events) {
  memset(t, 0, sizeof *t);
  t->o.props = &run_props;
  t->o.brokers = brokers;
  t->o.state_dir = state;
  t->o.rules = rules;
  t->o.engine.default_la = "E09000007";
  t->o.stop_after_events = events;
}

/* The bench's state directories, at the end: 0, or 1 when they could not be removed. */
static int remove_tree(const char *dir) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v, size_t n) {
  double s[16];
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t percentile(const int64_t *v, size_t n, double p) {
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return v[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: kafka_bench LA_DIR RULES [RATE]\n");
    return 2;
  }
  hr_tune_allocator(); /* as hearth run's process: both sides run with it */
  const char *la = argv[1];
  uint64_t rate = argc > 3 ? strtoull(argv[3], NULL, 10) : 5000;
  for (int i = 4; i < argc && run_props.n < 64; i++)
    run_props.kv[run_props.n++] = argv[i];
  char err[512];
  hr_rulepack *rules = hr_rulepack_load(argv[2], err, sizeof err);
  if (!rules) die("rules", err);
  set_feeds(la);
  char state[512];
  snprintf(state, sizeof state, "%s/hearth-kafka-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(state)) die("mkdtemp", "cannot create a state directory");
  char s1[600], s2[600];
  snprintf(s1, sizeof s1, "%s/backlog", state);
  snprintf(s2, sizeof s2, "%s/live", state);

  /* 1 and 2: one backlog, read by a plain consumer and by hearth run. */
  hr_devkafka *d = cluster_with_register(la);
  const char *b = hr_devkafka_bootstraps(d);
  hr_ingest_stats in = {0};
  if (hr_ingest_feeds(feeds, 4, b, NULL, 0, &in, err, sizeof err)) die("events", err);
  uint64_t got = 0;
  double plain_v[REPS], run_v[REPS], share_v[REPS];
  run_thread rt = {0}; /* read for the report even when only the plain side ran */
  /* KAFKA_BENCH_SIDE=plain, run or none: only that side's runs, for profiling one side (CPU
   * time of one side less that of none is that side's); no share. */
  const char *side = getenv("KAFKA_BENCH_SIDE") ? getenv("KAFKA_BENCH_SIDE") : "";
  int do_plain = !*side || !strcmp(side, "plain"), do_run = !*side || !strcmp(side, "run");
  for (int rep = 0; rep < REPS; rep++) {
    plain_v[rep] = do_plain ? plain_consumer(b, in.records, &got) : 1;
    run_v[rep] = share_v[rep] = 1;
    if (!do_run) continue;
    char dir[700];
    snprintf(dir, sizeof dir, "%s%d", s1, rep);
    run_opts(&rt, b, rules, dir, in.records);
    run_broker(&rt);
    if (rt.rc) die("hearth run (backlog)", rt.err);
    double r = (double)rt.st.events / ((double)(rt.st.last_event_ns - rt.st.first_event_ns) / 1e9);
    run_v[rep] = r;
    share_v[rep] = r / plain_v[rep];
  }
  hr_devkafka_stop(d);
  char plain_runs[256], run_runs[256], share_runs[256];
  for (int i = 0, o = 0, q = 0, x = 0; i < REPS; i++) {
    o += snprintf(plain_runs + o, sizeof plain_runs - (size_t)o, "%s%.0f", i ? "," : "", plain_v[i]);
    q += snprintf(run_runs + q, sizeof run_runs - (size_t)q, "%s%.0f", i ? "," : "", run_v[i]);
    x += snprintf(share_runs + x, sizeof share_runs - (size_t)x, "%s%.3f", i ? "," : "", share_v[i]);
  }
  printf("{\"bench\":\"kafka\",\"metric\":\"plain_consumer_events_per_s\",\"value\":%.0f,\"unit\":\"events/s\","
         "\"events\":%" PRIu64 ",\"runs\":[%s],\"note\":\"transport ceiling: the same messages read by a plain "
         "librdkafka consumer, same run\"}\n",
         median(plain_v, REPS), got, plain_runs);
  printf("{\"bench\":\"kafka\",\"metric\":\"run_events_per_s\",\"value\":%.0f,\"unit\":\"events/s\",\"events\":%" PRIu64
         ",\"alerts\":%" PRIu64 ",\"runs\":[%s],\"share_of_plain\":%.3f,\"shares\":[%s],\"target_share\":0.5}\n",
         median(run_v, REPS), rt.st.events, rt.st.alerts, run_runs, median(share_v, REPS), share_runs);
  fflush(stdout);

  if (getenv("KAFKA_BENCH_BACKLOG_ONLY")) { /* for profiling the backlog phase */
    hr_rulepack_free(rules);
    return remove_tree(state);
  }
  /* 3: live at RATE events/s. */
  d = cluster_with_register(la);
  b = hr_devkafka_bootstraps(d);
  latency lt = {.brokers = b};
  pthread_t lt_thread, run_th;
  pthread_create(&lt_thread, NULL, alert_consumer, &lt);
  run_opts(&rt, b, rules, s2, in.records);
  rt.o.on_caught_up = on_caught_up;
  pthread_create(&run_th, NULL, run_broker, &rt);
  /* The stream starts once hearth run is live (register loaded, every partition read to its
   * end) and the alerts consumer has had time to start: start-up is not latency. */
  for (int i = 0; i < 300 && !__atomic_load_n(&run_caught_up, __ATOMIC_ACQUIRE); i++)
    usleep(100000);
  if (!run_caught_up) die("hearth run (live)", "not live after 30 s");
  sleep(1);
  hr_ingest_stats live = {0};
  double t0 = now_s();
  if (hr_ingest_feeds(feeds, 4, b, NULL, rate, &live, err, sizeof err)) die("live events", err);
  double produced_s = now_s() - t0;
  pthread_join(run_th, NULL);
  if (rt.rc) die("hearth run (live)", rt.err);
  for (int i = 0; i < 100 && lt.n + lt.without_header < rt.st.alerts; i++)
    usleep(50000); /* the last alerts on their way */
  lt.stop = 1;
  pthread_join(lt_thread, NULL);
  hr_devkafka_stop(d);
  if (!lt.n) die("latency", "no alert was consumed");
  if (getenv("KAFKA_BENCH_DUMP")) { /* each alert's latency in arrival order, for a closer look */
    FILE *f = fopen(getenv("KAFKA_BENCH_DUMP"), "w");
    for (size_t i = 0; f && i < lt.n; i++)
      fprintf(f, "%" PRId64 "\n", lt.ms[i]);
    if (f) fclose(f);
  }
  qsort(lt.ms, lt.n, sizeof *lt.ms, cmp_i64);
  double achieved = (double)live.records / produced_s;
  for (int k = 0; k < 3; k++) {
    static const char *const name[3] = {"alert_latency_p50_ms", "alert_latency_p99_ms", "alert_latency_max_ms"};
    static const double p[3] = {0.50, 0.99, 1.0};
    printf("{\"bench\":\"kafka\",\"metric\":\"%s\",\"value\":%" PRId64 ",\"unit\":\"ms\",\"alerts\":%zu,"
           "\"rate\":%" PRIu64 ",\"achieved_rate\":%.0f%s}\n",
           name[k], percentile(lt.ms, lt.n, p[k]), lt.n, rate, achieved, k == 1 ? ",\"target\":50" : "");
  }
  if (lt.n != rt.st.alerts || lt.without_header)
    fprintf(stderr, "kafka_bench: %zu alerts timed of %" PRIu64 " raised (%" PRIu64 " without the header)\n", lt.n,
            rt.st.alerts, lt.without_header);
  free(lt.ms);
  hr_rulepack_free(rules);
  return remove_tree(state);
}

/* kafka: Hearth's Kafka drivers (librdkafka). The core never includes this header.
 *
 * Topics (docs: deploy/README.md "Topics"):
 *   hearth.register.v1   RegisterRecord, key = record identity (hr_register_key); compacted,
 *                        so the latest row per person, relationship, key worker or assignment
 *                        is kept for ever; a tombstone (deleted) removes it.
 *   hearth.events.v1     AgencyEvent, key = agency subject (hr_event_key), so one subject's
 *                        events keep their order within a partition; retention as long as the
 *                        LA's policy allows (history for backtests lives in Hearth's archive).
 *   hearth.alerts.v1     Alert, key = la_code, so each LA's alerts are in order.
 *   hearth.deadletter.v1 DeadLetter, key = source; kept long enough for a person to act.
 * The mock cluster (hearth devkafka) keeps only a few MB per partition: consume while producing. */
#ifndef HR_KAFKA_H
#define HR_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "connector.h"
#include "engine.h"

#define HR_TOPIC_REGISTER "hearth.register.v1"
#define HR_TOPIC_EVENTS "hearth.events.v1"
#define HR_TOPIC_ALERTS "hearth.alerts.v1"
#define HR_TOPIC_DEADLETTER "hearth.deadletter.v1"

/* librdkafka properties passed through verbatim ("key=value", e.g. security.protocol=ssl). */
typedef struct hr_kafka_props {
  const char *kv[64];
  size_t n;
} hr_kafka_props;

/* A configuration with bootstrap.servers = brokers and every property in props (which win).
 * NULL with a message naming the property on an unknown key or bad value. */
rd_kafka_conf_t *hr_kafka_conf(const char *brokers, const hr_kafka_props *props, char *err, size_t errsz);

/* Configures this process's allocator for a long-running Kafka client (hearth run, the bench):
 * freed memory is kept for reuse instead of returned to the kernel, and buffers up to 32 MB come
 * from the heap. librdkafka allocates each fetch response afresh on its broker threads; with
 * glibc's defaults that memory is handed back when freed and faulted in again by the next fetch,
 * which on a busy consumer costs more than the events' processing. Process-wide: call it once,
 * first thing in main. */
void hr_tune_allocator(void);

/* Produces one message (copied), waiting while librdkafka's local queue is full: back-pressure,
 * never a drop. Serves delivery reports after queueing. 0, or HR_EIO with the reason in err. */
int hr_kafka_produce(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                     char *err, size_t errsz);
/* The same with a per-message opaque (handed to the delivery report callback) and, when hdr_name
 * is not NULL, one string header (broker/connect tags each record with its source position). */
int hr_kafka_produce_ex(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                        void *msg_opaque, const char *hdr_name, const char *hdr_value, char *err, size_t errsz);

/* Best effort: learns the topics' partition leaders now (one metadata request each, up to
 * timeout_ms), so that the first record produced is not held while the client finds out: a
 * record's Kafka timestamp is taken when it is produced, and latency is measured from it. */
void hr_kafka_warm(rd_kafka_t *rk, const char *const *topics, size_t n, int timeout_ms);

/* hearth devkafka: a mock cluster on loopback with Hearth's topics; prints the bootstrap servers
 * as the first line of stdout, runs until SIGINT or SIGTERM. With control ("-" for standard
 * input, else a FIFO path) it reads fault-injection commands, one per line (see
 * hr_devkafka_command), answering each on stdout. Returns the exit status. */
int hr_devkafka_main(int brokers, int partitions, const char *control);
/* The same cluster hosted by the caller (hearth demo): start, bootstrap servers, stop. */
typedef struct hr_devkafka hr_devkafka;
hr_devkafka *hr_devkafka_start(int brokers, int partitions, char *err, size_t errsz);
const char *hr_devkafka_bootstraps(const hr_devkafka *d);
void hr_devkafka_stop(hr_devkafka *d); /* accepts NULL */
/* One fault-injection command on the mock cluster's own machinery:
 *   down B | up B             broker B (1..N) refuses connections / serves again
 *   rtt B MS                  broker B answers MS milliseconds late
 *   errors REQUEST COUNT ERR  the next COUNT requests of a kind (produce, fetch, listoffsets,
 *                             metadata, offsetcommit, offsetfetch, findcoordinator, apiversions,
 *                             initproducerid) fail with broker error ERR (name or number)
 *   clear REQUEST             drops the errors still queued for that kind
 * 0 with a description in reply, or -1 with the reason. */
int hr_devkafka_command(hr_devkafka *d, const char *line, char *reply, size_t replysz);

typedef struct hr_ingest_stats {
  uint64_t records;     /* events or register records produced */
  uint64_t deadletters; /* dead letters produced */
  uint64_t delivered;   /* acknowledged by the cluster */
  uint64_t failed;      /* not delivered: the run fails */
} hr_ingest_stats;

/* hearth ingest: parses path ("-" = standard input; for the register a directory holding the
 * four CSVs, or one of them) and produces canonical records, dead letters to their topic.
 * Idempotent producer, acks=all. 0 when every message was delivered. */
int hr_ingest(const char *kind, const char *path, const char *brokers, const hr_kafka_props *props, hr_ingest_stats *st,
              char *err, size_t errsz);

/* hearth ingest feeds: several feeds merged in event-time order (REFERENCE section 6, as hearth
 * replay merges them) and produced in that order, so that a broker consuming them applies them
 * as a replay would; rate > 0 paces production at that many events per second. */
struct hr_replay_feed;
int hr_ingest_feeds(const struct hr_replay_feed *feeds, size_t nfeeds, const char *brokers, const hr_kafka_props *props,
                    uint64_t rate, hr_ingest_stats *st, char *err, size_t errsz);

/* hearth run: the live broker (broker/kafka/run.c). */
typedef struct hr_run_opts {
  const char *brokers;
  const char *state_dir; /* LMDB state and consumed offsets */
  const char *group;     /* consumer group id; NULL = "hearth-broker" */
  const hr_rulepack *rules;
  const char *rules_path; /* reloaded from on SIGHUP (and when it changes, with rules_watch); NULL = never */
  int rules_watch;
  hr_engine_config engine;
  const hr_kafka_props *props;    /* librdkafka properties for both clients */
  uint64_t commit_ms;             /* how often state and offsets are saved (default 200) */
  int print_alerts;               /* also print each alert as one readable line on stdout */
  uint64_t grace_ms;              /* hold events this long for ordering across partitions; 0 = none */
  const char *archive_dir;        /* event archive (broker/archive); NULL = none */
  uint64_t stop_after_events;     /* save and stop once this many events were applied (benchmarks,
                                     tests); 0 = run until SIGINT or SIGTERM */
  void (*on_caught_up)(void *ud); /* called once (in the run's thread) when every events partition
                                     has been read to its end: live from then on; may be NULL */
  void *caught_up_ud;
} hr_run_opts;

/* What hr_run did, filled in when it returns. */
typedef struct hr_run_stats {
  uint64_t register_records, events, alerts, deadletters, commits;
  uint64_t first_event_ns, last_event_ns; /* monotonic ns: first event consumed, last applied */
  uint64_t rule_reloads, rule_reload_failures;
} hr_run_stats;

/* Every alert hearth run produces carries this header: the Kafka timestamp (ms since the epoch)
 * of the agency event that raised it, so a consumer can measure produced-to-alert latency. */
#define HR_HEADER_SOURCE_TS "hearth-source-ts-ms"

/* Runs until SIGINT or SIGTERM (0) or a fatal error (HR_EIO, message in err). */
int hr_run(const hr_run_opts *o, hr_run_stats *st, char *err, size_t errsz);

#endif

/* connect: agency connector services (`hearth connect ...`). Agencies do not write to Kafka:
 * hospitals send HL7 v2 over MLLP, data shares post JSON over HTTPS, LAs and schools drop CSV
 * exports in a folder. Each service turns what arrives into canonical records with the existing
 * parsers (connectors/), produces them with an idempotent producer, and answers the sender only
 * once Kafka has them: nothing accepted is lost. See broker/connect/README.md. */
#ifndef HR_CONNECT_H
#define HR_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "connector.h"
#include "kafka.h"
#include "listener.h"

typedef struct hr_connect_opts {
  const char *brokers;
  const hr_kafka_props *props;
  hr_listen_opts listen;  /* listeners (inpatient, custody, nrpf over HTTPS) */
  size_t max_message;     /* bytes of one HL7 message or HTTP body */
  size_t max_pending;     /* MLLP: unanswered messages per connection before it stops reading */
  const char *watch_dir;  /* drop folders */
  const char *state_file; /* drop folders: the checkpoint ("" = DIR/.hearth-connect.state) */
  uint64_t settle_ms;     /* drop folders: a file is taken once unchanged for this long */
  uint64_t batch;         /* drop folders: records per checkpointed batch */
  int once;               /* drop folders: process what is there, then exit (tests, benchmarks) */
  const char *ready_file; /* listeners: write "HOST:PORT\n" here once listening (tests) */
} hr_connect_opts;

typedef struct hr_connect_stats {
  uint64_t messages, events, deadletters, acked, errors, rejected, failed, files;
} hr_connect_stats;

/* `hearth connect inpatient`: the MLLP listener. Runs until SIGINT or SIGTERM; 0, or HR_E* with
 * the reason in err. */
int hr_connect_mllp(const hr_connect_opts *o, hr_connect_stats *st, char *err, size_t errsz);
/* `hearth connect custody|nrpf --listen`: the HTTPS endpoint. */
int hr_connect_https(hr_input_kind kind, const hr_connect_opts *o, hr_connect_stats *st, char *err, size_t errsz);
/* `hearth connect attendance|nrpf|register --watch DIR`: the drop folder. */
int hr_connect_watch(const char *kind, const hr_connect_opts *o, hr_connect_stats *st, char *err, size_t errsz);

/* Shared by the services: "HOST:PORT" split (IPv6 in brackets); 0 or -1. */
int hr__parse_hostport(const char *s, char *host, size_t hostsz, int *port);
/* Runs a listener with its sink until SIGINT or SIGTERM (mllp_server.c). */
int hr_run_service(const hr_connect_opts *o, const hr_proto *proto, void *opaque, const char *what, char *err,
                   size_t errsz);
/* Writes the listening address where the tests look for it, and to stderr. */
void hr__connect_ready(const hr_connect_opts *o, const char *what, int port);

#endif

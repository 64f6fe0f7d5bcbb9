/* devkafka: librdkafka's mock cluster as a one-machine Kafka for development, tests and the
 * demo. It speaks the real Kafka protocol on loopback, so kcat and other clients can use it. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h" /* rdkafka.h first: rdkafka_mock.h requires it */
#include <librdkafka/rdkafka_mock.h>

struct hr_devkafka {
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mc;
};

hr_devkafka *hr_devkafka_start(int brokers, int partitions, char *err, size_t errsz) {
  hr_devkafka *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char e[512];
  /* The handle only hosts the cluster; keep its log quiet unless something is wrong. */
  rd_kafka_conf_set(conf, "log_level", "3", e, sizeof e);
  d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
  if (!d->rk) {
    snprintf(err, errsz, "%s", e);
    rd_kafka_conf_destroy(conf);
    free(d);
    return NULL;
  }
  d->mc = rd_kafka_mock_cluster_new(d->rk, brokers);
  if (!d->mc) {
    snprintf(err, errsz, "could not start the mock cluster");
    hr_devkafka_stop(d);
    return NULL;
  }
  static const char *const topics[] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS, HR_TOPIC_ALERTS, HR_TOPIC_DEADLETTER};
  for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
    rd_kafka_resp_err_t re = rd_kafka_mock_topic_create(d->mc, topics[i], partitions, brokers < 3 ? brokers : 3);
    if (re) {
      snprintf(err, errsz, "cannot create %s: %s", topics[i], rd_kafka_err2str(re));
      hr_devkafka_stop(d);
      return NULL;
    }
  }
  return d;
}

const char *hr_devkafka_bootstraps(const hr_devkafka *d) {
  return rd_kafka_mock_cluster_bootstraps(d->mc);
}

void hr_devkafka_stop(hr_devkafka *d) {
  if (!d) return;
  if (d->mc) rd_kafka_mock_cluster_destroy(d->mc);
  if (d->rk) rd_kafka_destroy(d->rk);
  free(d);
}

int hr_devkafka_main(int brokers, int partitions) {
  char err[512];
  /* Block SIGINT and SIGTERM before the cluster's threads start, so that only sigwait takes them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  hr_devkafka *d = hr_devkafka_start(brokers, partitions, err, sizeof err);
  if (!d) {
    fprintf(stderr, "hearth devkafka: %s\n", err);
    return 1;
  }
  printf("%s\n", hr_devkafka_bootstraps(d));
  fflush(stdout);
  fprintf(stderr, "hearth devkafka: %d broker(s), topics %s %s %s %s with %d partitions; Ctrl-C stops it\n", brokers,
          HR_TOPIC_REGISTER, HR_TOPIC_EVENTS, HR_TOPIC_ALERTS, HR_TOPIC_DEADLETTER, partitions);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "hearth devkafka: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  hr_devkafka_stop(d);
  return 0;
}

/* devkafka: librdkafka's mock cluster as a one-machine Kafka for development, tests and the
 * demo. It speaks the real Kafka protocol on loopback, so kcat and other clients can use it. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kafka.h" /* rdkafka.h first: rdkafka_mock.h requires it */
#include <librdkafka/rdkafka_mock.h>

int hr_devkafka_main(int brokers, int partitions) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the cluster; keep its log quiet unless something is wrong. */
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "hearth devkafka: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "hearth devkafka: could not start the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  static const char *const topics[] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS, HR_TOPIC_ALERTS, HR_TOPIC_DEADLETTER};
  for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i], partitions, brokers < 3 ? brokers : 3);
    if (e) {
      fprintf(stderr, "hearth devkafka: cannot create %s: %s\n", topics[i], rd_kafka_err2str(e));
      rd_kafka_mock_cluster_destroy(mc);
      rd_kafka_destroy(rk);
      return 1;
    }
  }
  /* Wait for SIGINT or SIGTERM with the signals blocked, so no handler races the cluster. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  fprintf(stderr, "hearth devkafka: %d broker(s), topics %s %s %s %s with %d partitions; Ctrl-C stops it\n", brokers,
          topics[0], topics[1], topics[2], topics[3], partitions);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "hearth devkafka: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

/* devkafka's fault injection (hr_devkafka_command): what it accepts, what it refuses, and that
 * an accepted fault really reaches the mock cluster's brokers. */
#include <stdlib.h>
#include <string.h>

#include "hr_test.h"
#include "kafka.h"

static hr_devkafka *start(int brokers) {
  char err[256];
  hr_devkafka *d = hr_devkafka_start(brokers, 1, err, sizeof err);
  if (!d) hr_test_fail(__FILE__, __LINE__, "mock cluster: %s", err);
  return d;
}

static int cmd(hr_devkafka *d, const char *line, char *reply, size_t n) {
  return hr_devkafka_command(d, line, reply, n);
}

static void test_commands_are_checked(void) {
  hr_devkafka *d = start(3);
  if (!d) return;
  char reply[256];
  static const char *const refused[] = {"",
                                        "down",
                                        "down 0",
                                        "down 4",
                                        "down x",
                                        "down 1 2",
                                        "up 9",
                                        "rtt 1",
                                        "rtt 1 -5",
                                        "rtt 1 60001",
                                        "errors",
                                        "errors produce",
                                        "errors produce 2",
                                        "errors produce 0 NOT_LEADER_FOR_PARTITION",
                                        "errors produce 2 NO_SUCH_ERROR",
                                        "errors nope 1 NOT_LEADER_FOR_PARTITION",
                                        "errors produce 1 _MSG_TIMED_OUT",
                                        "errors fetch 1 -1",
                                        "clear",
                                        "clear nope",
                                        "reboot everything"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    reply[0] = '\0';
    if (cmd(d, refused[i], reply, sizeof reply) != -1) hr_test_fail(__FILE__, __LINE__, "accepted '%s'", refused[i]);
    CHECK(reply[0] != '\0'); /* with a reason */
  }
  CHECK_INT(cmd(d, "down 2", reply, sizeof reply), 0);
  CHECK(strstr(reply, "broker 2 is down") != NULL);
  CHECK_INT(cmd(d, "up 2", reply, sizeof reply), 0);
  CHECK_INT(cmd(d, "rtt 3 20", reply, sizeof reply), 0);
  CHECK_INT(cmd(d, "errors produce 2 NOT_LEADER_FOR_PARTITION", reply, sizeof reply), 0);
  CHECK(strstr(reply, "2 produce") != NULL);
  CHECK_INT(cmd(d, "errors fetch 1 6", reply, sizeof reply), 0); /* by number: 6 = not leader */
  CHECK(strstr(reply, "NOT_LEADER_FOR_PARTITION") != NULL);
  CHECK_INT(cmd(d, "errors fetch 1 _TRANSPORT", reply, sizeof reply), 0);
  CHECK_INT(cmd(d, "clear produce", reply, sizeof reply), 0);
  CHECK_INT(cmd(d, "clear fetch", reply, sizeof reply), 0);
  hr_devkafka_stop(d);
}

/* A plain producer (no retries) and the error of one message's delivery. */
static rd_kafka_resp_err_t last_delivery;
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  last_delivery = m->err;
}

static rd_kafka_resp_err_t produce_one(rd_kafka_t *rk) {
  last_delivery = RD_KAFKA_RESP_ERR__FAIL;
  if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(HR_TOPIC_EVENTS), RD_KAFKA_V_VALUE((void *)"x", 1),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
    return RD_KAFKA_RESP_ERR__FAIL;
  rd_kafka_flush(rk, 10000);
  return last_delivery;
}

static void test_faults_reach_the_brokers(void) {
  hr_devkafka *d = start(1);
  if (!d) return;
  char err[256], reply[256];
  rd_kafka_conf_t *conf = hr_kafka_conf(hr_devkafka_bootstraps(d), NULL, err, sizeof err);
  CHECK(conf != NULL);
  if (!conf) return;
  rd_kafka_conf_set(conf, "retries", "0", err, sizeof err);
  rd_kafka_conf_set(conf, "message.timeout.ms", "1500", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  CHECK(rk != NULL);
  if (!rk) return;
  CHECK_INT(produce_one(rk), RD_KAFKA_RESP_ERR_NO_ERROR);

  /* A permanent error is handed to the producer as is. */
  CHECK_INT(cmd(d, "errors produce 1 INVALID_RECORD", reply, sizeof reply), 0);
  CHECK_INT(produce_one(rk), RD_KAFKA_RESP_ERR_INVALID_RECORD);
  CHECK_INT(produce_one(rk), RD_KAFKA_RESP_ERR_NO_ERROR); /* one error only */

  /* A broker that is down takes nothing until it is up. */
  CHECK_INT(cmd(d, "down 1", reply, sizeof reply), 0);
  CHECK(produce_one(rk) != RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK_INT(cmd(d, "up 1", reply, sizeof reply), 0);
  rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
  for (int i = 0; i < 5 && e; i++) /* the client reconnects with a back-off */
    e = produce_one(rk);
  CHECK_INT(e, RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  hr_devkafka_stop(d);
}

/* Partition leaders are spread over the brokers, as Kafka places them (the mock alone picks at
 * random): each broker leads as many partitions of each topic. */
static void test_leaders_are_spread(void) {
  char err[256];
  hr_devkafka *d = hr_devkafka_start(3, 6, err, sizeof err);
  if (!d) hr_test_fail(__FILE__, __LINE__, "mock cluster: %s", err);
  if (!d) return;
  rd_kafka_conf_t *conf = hr_kafka_conf(hr_devkafka_bootstraps(d), NULL, err, sizeof err);
  rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err) : NULL;
  CHECK(rk != NULL);
  const struct rd_kafka_metadata *md = NULL;
  if (rk) CHECK_INT(rd_kafka_metadata(rk, 1, NULL, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  int topics = 0;
  for (int t = 0; md && t < md->topic_cnt; t++) {
    if (strncmp(md->topics[t].topic, "hearth.", 7) != 0) continue;
    int led[4] = {0};
    CHECK_INT(md->topics[t].partition_cnt, 6);
    for (int p = 0; p < md->topics[t].partition_cnt; p++) {
      int32_t leader = md->topics[t].partitions[p].leader;
      CHECK(leader >= 1 && leader <= 3);
      if (leader >= 1 && leader <= 3) led[leader]++;
    }
    CHECK_INT(led[1], 2);
    CHECK_INT(led[2], 2);
    CHECK_INT(led[3], 2);
    topics++;
  }
  CHECK_INT(topics, 4);
  if (md) rd_kafka_metadata_destroy(md);
  if (rk) rd_kafka_destroy(rk);
  hr_devkafka_stop(d);
}

static const hr_test_case tests[] = {
    {"devkafka_spreads_partition_leaders_over_brokers", test_leaders_are_spread},
    {"devkafka_commands_are_checked_and_refusals_say_why", test_commands_are_checked},
    {"devkafka_faults_reach_the_brokers_and_end", test_faults_reach_the_brokers},
};
HR_TEST_MAIN(tests)

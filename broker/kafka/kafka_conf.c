/* kafka_conf: client configuration with pass-through properties. */
#include <stdio.h>
#include <string.h>

#include "hr_err.h"
#include "kafka.h"

rd_kafka_conf_t *hr_kafka_conf(const char *brokers, const hr_kafka_props *props, char *err, size_t errsz) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char e[512];
  if (brokers && rd_kafka_conf_set(conf, "bootstrap.servers", brokers, e, sizeof e) != RD_KAFKA_CONF_OK) {
    snprintf(err, errsz, "bootstrap.servers: %s", e);
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  for (size_t i = 0; props && i < props->n; i++) {
    const char *kv = props->kv[i], *eq = strchr(kv, '=');
    char key[256];
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) {
      snprintf(err, errsz, "librdkafka property '%s': expected key=value", kv);
      rd_kafka_conf_destroy(conf);
      return NULL;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (rd_kafka_conf_set(conf, key, eq + 1, e, sizeof e) != RD_KAFKA_CONF_OK) {
      snprintf(err, errsz, "librdkafka property %s: %s", key, e);
      rd_kafka_conf_destroy(conf);
      return NULL;
    }
  }
  return conf;
}

int hr_kafka_produce(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                     char *err, size_t errsz) {
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, klen),
                                              RD_KAFKA_V_VALUE((void *)val, vlen),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (!e) {
      rd_kafka_poll(rk, 0);
      return 0;
    }
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      snprintf(err, errsz, "cannot produce to %s: %s", topic, rd_kafka_err2str(e));
      return HR_EIO;
    }
    rd_kafka_poll(rk, 50); /* the local queue is full: wait for deliveries */
  }
}

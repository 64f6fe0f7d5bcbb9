/* kafka_conf: client configuration with pass-through properties. */
#include <stdio.h>
#include <string.h>

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

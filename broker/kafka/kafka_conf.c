/* kafka_conf: client configuration with pass-through properties. */
#include <malloc.h>
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
  return hr_kafka_produce_ex(rk, topic, key, klen, val, vlen, NULL, NULL, NULL, err, errsz);
}

int hr_kafka_produce_ex(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                        void *msg_opaque, const char *hdr_name, const char *hdr_value, char *err, size_t errsz) {
  for (;;) {
    rd_kafka_headers_t *hdrs = NULL;
    if (hdr_name) {
      hdrs = rd_kafka_headers_new(1);
      rd_kafka_header_add(hdrs, hdr_name, -1, hdr_value, -1);
    }
    rd_kafka_resp_err_t e =
        hdrs ? rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, klen),
                                 RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)
             : rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, klen),
                                 RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
    if (e && hdrs) rd_kafka_headers_destroy(hdrs); /* on success librdkafka owns them */
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

void hr_kafka_warm(rd_kafka_t *rk, const char *const *topics, size_t n, int timeout_ms) {
  for (size_t i = 0; i < n; i++) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topics[i], NULL);
    if (!t) continue;
    if (rd_kafka_metadata(rk, 0, t, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
  }
}

void hr_tune_allocator(void) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest; fixed, so the next two hold */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
}

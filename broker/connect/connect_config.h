/* connect_config: the settings of `hearth connect`, a declarative table (broker/config).
 * deploy/connect.conf.example is generated from it (`hearth config example connect`). */
#ifndef HR_CONNECT_CONFIG_H
#define HR_CONNECT_CONFIG_H

#include <stdint.h>

#include "config.h"

typedef struct hr_connect_settings {
  const char *brokers;
  const char *listen;
  const char *tls_cert, *tls_key, *tls_client_ca;
  const char *allowed_agencies;
  const char *agency;
  const char *watch_dir;
  const char *state_file;
  int insecure;
  uint64_t idle_timeout_ms;
  uint64_t max_connections;
  uint64_t max_message_bytes;
  uint64_t max_pending;
  uint64_t max_outstanding;
  uint64_t settle_ms;
  uint64_t batch;
} hr_connect_settings;

extern const hr_cfg_key hr_connect_config_keys[];
extern const size_t hr_connect_config_nkeys;
#define HR_CONNECT_CONFIG_PREFIX "kafka."
#define HR_CONNECT_CONFIG_PREFIX_NOTE                                                                                  \
  "# Any key starting with kafka. is a librdkafka property, passed verbatim to the connector's\n"                      \
  "# producer (the prefix removed), e.g. kafka.security.protocol = ssl"

#endif

/* run_config: the settings of `hearth run`, as a declarative table (broker/config). */
#ifndef HR_RUN_CONFIG_H
#define HR_RUN_CONFIG_H

#include <stdint.h>

#include "config.h"

typedef struct hr_run_settings {
  const char *brokers;
  const char *state_dir;
  const char *rules;
  const char *default_la;
  const char *group;
  const char *mh_services;
  const char *mh_providers;
  const char *archive_dir; /* "" = no archive */
  uint64_t commit_ms;
  uint64_t grace_ms;
  int link_agency_ids;
  const char *link_params; /* "" = no probabilistic tier */
  int rules_watch;
} hr_run_settings;

extern const hr_cfg_key hr_run_config_keys[];
extern const size_t hr_run_config_nkeys;
#define HR_RUN_CONFIG_PREFIX "kafka."
#define HR_RUN_CONFIG_PREFIX_NOTE                                                                                      \
  "# Any key starting with kafka. is a librdkafka property, passed verbatim to both Kafka clients\n"                   \
  "# (the prefix removed), e.g.:\n"                                                                                    \
  "# kafka.security.protocol = ssl\n"                                                                                  \
  "# kafka.ssl.ca.location = /etc/hearth/ca.pem\n"                                                                     \
  "# kafka.ssl.certificate.location = /etc/hearth/broker.pem\n"                                                        \
  "# kafka.ssl.key.location = /etc/hearth/broker.key"

#endif

/* run_config: the settings of `hearth run`. deploy/hearth.conf.example is generated from this
 * table (`hearth config example`), and a test checks that it is. */
#include "run_config.h"

#include <stddef.h>

#define F(name) offsetof(hr_run_settings, name)

const hr_cfg_key hr_run_config_keys[] = {
    {"brokers", HR_CFG_STRING, NULL, F(brokers), 0, 0,
     "Kafka bootstrap servers, host:port[,host:port...] (hearth devkafka prints them)."},
    {"state_dir", HR_CFG_STRING, NULL, F(state_dir), 0, 0,
     "Directory of the LMDB state store: the core's state and the consumed offsets, saved together."},
    {"rules", HR_CFG_STRING, NULL, F(rules), 0, 0,
     "The rule pack, e.g. rules/packs/reference.rules. SIGHUP reloads it: a pack that fails its checks is "
     "refused (the error logged with line and column) and the running one kept; a good one takes effect "
     "from the next event."},
    {"rules_watch", HR_CFG_BOOL, "false", F(rules_watch), 0, 0,
     "Also reload the rule pack whenever its file changes (its directory is watched)."},
    {"default_la", HR_CFG_STRING, "", F(default_la), 0, 0,
     "LA (ONS code) for alerts whose record names none (unknown_dependants); empty = none."},
    {"group", HR_CFG_STRING, "hearth-broker", F(group), 0, 0, "Kafka consumer group id of this broker."},
    {"commit_ms", HR_CFG_UINT, "200", F(commit_ms), 1, 60000,
     "How often, in milliseconds, state and offsets are saved (after the batch's alerts are acknowledged)."},
    {"grace_ms", HR_CFG_UINT, "0", F(grace_ms), 0, 60000,
     "Reorder grace: hold each event this many milliseconds so that events arriving on other partitions "
     "are applied in event-time order (agreement with hearth replay, at the cost of latency; 0 = none)."},
    {"mh_services", HR_CFG_STRING, "710 711 712 713 715 720 721 722 723 724 725 726 727 730", F(mh_services), 0, 0,
     "Treatment function codes (PV1-10) that are mental-health inpatient care, space-separated."},
    {"mh_providers", HR_CFG_STRING, "", F(mh_providers), 0, 0,
     "Sending facilities (MSH-4 ODS codes) whose every spell is mental-health care, space-separated."},
    {"archive_dir", HR_CFG_STRING, "", F(archive_dir), 0, 0,
     "Event archive directory: every register record and event applied is appended to it, synced before "
     "each save (broker/archive/README.md; hearth rules backtest reads it); empty = no archive."},
    {"link_agency_ids", HR_CFG_BOOL, "false", F(link_agency_ids), 0, 0,
     "Also resolve a record by a prison number or hospital spell linked to a person earlier (broker/READING.md R8)."},
    {"link_params", HR_CFG_STRING, "", F(link_params), 0, 0,
     "Probabilistic identity resolution as a fifth tier (broker/link/README.md): a parameters file written by "
     "hearth link train, or 'default' for the built-in ones; empty = off, identity is REFERENCE's tiers only."},
};
const size_t hr_run_config_nkeys = sizeof hr_run_config_keys / sizeof hr_run_config_keys[0];

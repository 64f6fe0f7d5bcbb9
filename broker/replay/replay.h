/* replay: drives the core over files. Reads the register directory, then merges every feed
 * into event-time order (REFERENCE section 6: instant, then NRPF, custody, inpatient,
 * attendance, then position in the feed) and applies each event, writing alerts as JSON lines
 * and dead letters as JSON lines.
 *
 * Memory stays flat for feeds already in event-time order (they are streamed); a feed out of
 * order costs 24 bytes per event for its sort index. */
#ifndef HR_REPLAY_H
#define HR_REPLAY_H

#include <stdio.h>

#include "connector.h"
#include "engine.h"

#define HR_REPLAY_MAX_FEEDS 16

typedef struct hr_replay_feed {
  hr_input_kind kind;
  const char *path;
} hr_replay_feed;

typedef struct hr_replay_opts {
  const char *register_dir; /* persons.csv, relationships.csv, key_workers.csv, assignments.csv */
  hr_replay_feed feeds[HR_REPLAY_MAX_FEEDS];
  size_t nfeeds;
  const hr_rulepack *rules;
  hr_engine_config engine;
  FILE *alerts;              /* JSON lines; may be NULL (count only) */
  FILE *deadletters;         /* JSON lines; may be NULL */
  const char *state_dir;     /* LMDB state: loaded first, checkpointed at the end; NULL = none */
  int64_t from_us, until_us; /* apply only events with from <= time < until (0 = open) */
  int parse_only;            /* read and merge the feeds, apply nothing (benchmark baseline) */
  /* When set, each event is handed to on_event in merged order instead of the engine (used by
   * `hearth ingest --feed` to stream several feeds onto Kafka in event-time order). Non-zero
   * from on_event stops the run with that error. */
  int (*on_event)(void *ud, const Hearth__V1__AgencyEvent *ev);
  void *on_event_ud;
  void (*on_deadletter)(void *ud, const hr_deadletter *dl); /* in addition to the file; may be NULL */
  /* Called for each alert in addition to writing it (may be NULL). */
  hr_alert_fn on_alert;
  void *on_alert_ud;
  /* Event archive (broker/archive): every register record and event applied is appended to
   * it, unless already there; NULL = none. Ignored with parse_only and on_event. */
  const char *archive_dir;
} hr_replay_opts;

typedef struct hr_replay_summary {
  uint64_t events_by_feed[5]; /* accepted, by Feed */
  uint64_t register_records;
  uint64_t deadletters;
  uint64_t warnings;
  uint64_t feeds_sorted_in_memory; /* feeds that were out of event-time order */
  hr_engine_stats engine;
  uint64_t *alerts_by_rule; /* hr_rulepack_count entries; freed by hr_replay_summary_free */
  size_t engine_bytes;
  uint64_t archived;           /* records appended to the archive */
  uint64_t archive_duplicates; /* records the archive already held */
} hr_replay_summary;

/* 0 on success; otherwise a negative hr_err with a message naming the file in err. */
int hr_replay_run(const hr_replay_opts *o, hr_replay_summary *sum, char *err, size_t errsz);
void hr_replay_summary_free(hr_replay_summary *sum);
/* Writes the human summary (stderr format). */
void hr_replay_summary_print(const hr_replay_summary *sum, const hr_rulepack *rules, FILE *out);

#endif

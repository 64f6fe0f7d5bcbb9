/* engine: Hearth's deterministic core. (state, event) -> (state, alerts).
 *
 * The engine keeps the LA register (persons, relationships, key workers, assignments), resolves
 * each agency event to a register person (REFERENCE section 6 "Identity"), keeps per-person
 * facts (custody episodes, inpatient spells, NRPF status, attendance marks), runs the rules that
 * the event triggers and emits alerts with content-derived ids.
 *
 * It must never: read a clock, do I/O, use randomness, or depend on hash or pointer order. Its
 * output is a pure function of the register records and events applied, in order, so a replay
 * of the same inputs gives byte-identical alerts. Drivers (file replay, Kafka, tests) own I/O.
 * It includes no librdkafka, libuv, LMDB, OpenSSL, h2o or curl header. */
#ifndef HR_ENGINE_H
#define HR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/v1/alert.pb-c.h"
#include "hearth/v1/event.pb-c.h"
#include "hearth/v1/register.pb-c.h"
#include "rules.h"

struct hr_buf;

typedef struct hr_engine_config {
  const char *default_la;   /* LA for alerts whose event names none; NULL = none */
  const char *mh_services;  /* space-separated treatment function codes; NULL = REFERENCE's */
  const char *mh_providers; /* space-separated ODS codes of MH providers; NULL = none */
  int link_agency_ids;      /* resolve by an agency id linked earlier (READING R8); 0 = off */
  /* Probabilistic identity resolution (broker/link) as a fifth tier, after every reference tier
   * has failed: NULL = off, the default (REFERENCE's tiers only). Borrowed: must outlive the
   * engine. A record links when exactly one register person reaches link_weight. */
  const struct hr_link_params *link_params;
} hr_engine_config;

typedef struct hr_engine hr_engine;

/* Called for each alert raised; the alert and everything it points to is valid only during
 * the call. */
typedef void (*hr_alert_fn)(void *ud, const Hearth__V1__Alert *alert);

/* The pack is borrowed and must outlive the engine (or be replaced with hr_engine_set_rules).
 * Returns NULL with a message in err on a bad configuration or no memory. */
hr_engine *hr_engine_new(const hr_engine_config *cfg, const hr_rulepack *pack, char *err, size_t errsz);
void hr_engine_free(hr_engine *e); /* accepts NULL */
void hr_engine_set_rules(hr_engine *e, const hr_rulepack *pack);
/* Runs a further pack too, over the same facts, for backtests that compare packs: after the
 * engine's own pack, at every point where rules run, with its own alert history (cooldowns,
 * `for`), its alerts to fn and none to hr_engine_apply's callback, and no effect on the
 * engine's own alerts or statistics. Its alerts equal what an engine with that pack alone
 * would raise; they are not checkpointed. The pack is borrowed. 0, or HR_ENOMEM. */
int hr_engine_also_run(hr_engine *e, const hr_rulepack *pack, hr_alert_fn fn, void *ud);

/* Adds or replaces a register record (a tombstone removes it). 0, or HR_EINVAL for a record
 * missing its key, HR_ENOMEM. */
int hr_engine_register(hr_engine *e, const Hearth__V1__RegisterRecord *rec);

/* Applies one agency event and emits the alerts it raises through fn. 0, or HR_EINVAL for an
 * event without a usable payload (a driver bug: connectors never produce one), HR_ENOMEM. */
int hr_engine_apply(hr_engine *e, const Hearth__V1__AgencyEvent *ev, hr_alert_fn fn, void *ud);

typedef struct hr_engine_stats {
  uint64_t events[5];  /* by Feed value */
  uint64_t duplicates; /* redelivered events that changed nothing */
  uint64_t matched, unmatched, ambiguous;
  uint64_t matched_by_tier[6]; /* 1 NHS number, 2 UPN, 3 demographics, 4 agency id, 5 probabilistic */
  uint64_t link_review;        /* tier 5: best candidate between the review and the link weight */
  uint64_t link_ambiguous;     /* tier 5: two or more candidates at the link weight */
  uint64_t link_by_decision;   /* tier 5: linked because a reviewer accepted the pair */
  uint64_t link_rejected;      /* tier 5: candidates passed over because a reviewer rejected them */
  uint64_t review_cases;       /* review cases opened (hearth review list) */
  uint64_t link_decisions;     /* link decisions applied (register LinkDecision records) */
  uint64_t marks_not_child;    /* attendance marks for a person who is not a child */
  uint64_t alerts;
  uint64_t suppressed; /* alerts held back by a cooldown or already raised */
  uint64_t rule_evals; /* rule conditions evaluated: only rules whose `on` matches an event run */
  uint64_t pending;    /* alerts held back because a `for` duration had not yet passed */
  uint64_t persons, relationships, key_workers, assignments;
} hr_engine_stats;
void hr_engine_stats_get(const hr_engine *e, hr_engine_stats *out);
/* Alerts raised by rule i of the current pack. */
uint64_t hr_engine_alerts_by_rule(const hr_engine *e, uint32_t rule);
/* Bytes of memory the engine holds (its own accounting, for benchmarks). */
size_t hr_engine_memory(const hr_engine *e);

/* State persistence. The engine emits, as (key, value) byte strings, what changed since its
 * previous checkpoint; a driver stores them (broker/store) in the same transaction as the input
 * positions they correspond to. After a restart the driver reloads the register, then hands
 * every stored entry back in key order to hr_engine_restore(). put returns 0 or an hr_err;
 * the checkpoint stops at the first error (and then remembers the changes for the next try). */
typedef int (*hr_state_put_fn)(void *ud, const void *key, size_t klen, const void *val, size_t vlen);
int hr_engine_checkpoint(hr_engine *e, hr_state_put_fn put, void *ud);
/* 0, HR_EPARSE for an entry that does not decode (the store is damaged), HR_ENOMEM. */
int hr_engine_restore(hr_engine *e, const void *key, size_t klen, const void *val, size_t vlen);

/* ---- The probabilistic tier's review queue (broker/core/review.c) ---------------------------- */

#define HR_REVIEW_ID_MAX 14    /* "R" + 12 hex digits + NUL */
#define HR_REVIEW_DESC_MAX 160 /* a record's description: GIVEN|FAMILY|YYYY-MM-DD|POSTCODE|SEX */

/* A review case's id: derived from the record's description and the candidate's person_id. */
void hr_review_case_id(const char *description, const char *person_id, char out[HR_REVIEW_ID_MAX]);

/* A review case as the checkpoint stores it (state entries whose key starts with
 * HR_REVIEW_STATE_KIND), decoded for `hearth review list` without an engine. */
#define HR_REVIEW_STATE_KIND 'I'
typedef struct hr_review_case_info {
  char case_id[HR_REVIEW_ID_MAX];
  char description[HR_REVIEW_DESC_MAX];
  char person_id[64];
  char record_id[64];    /* the latest record: its source id (nomsNumber, MSH-10, NRPF record_id) */
  char comparisons[320]; /* "given exact +6.3, family jw92 +4.9, ..." */
  int feed;              /* of the latest record (Feed) */
  int why;               /* 1 weight between the review and the link weight, 2 too close to another */
  double weight;         /* the match weight of the latest record */
  uint64_t records;      /* records described this way while the case was open */
  int64_t first_us, last_us;
} hr_review_case_info;
/* 0, or HR_EPARSE when the entry is not a review case or does not decode. */
int hr_review_case_decode(const void *key, size_t klen, const void *val, size_t vlen, hr_review_case_info *out);

/* Writes an alert as one JSON object (no newline), REFERENCE section 7. */
void hr_alert_to_json(const Hearth__V1__Alert *a, struct hr_buf *out);

#endif

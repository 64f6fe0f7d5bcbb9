/* rules: Hearth's rule language, compiled once into a pack the engine evaluates.
 *
 * A pack is a list of rules. Each rule names the events it runs on (`on`), a condition over
 * facts about the person the event concerns (`when`), how its alerts are grouped and
 * de-duplicated (`alert per`, `cooldown`), who receives them (`route`) and a sentence for the
 * key worker (`explain`). rules/README.md teaches the language.
 *
 * This module knows nothing of the engine's data: a condition asks for facts through
 * hr_rule_env, which the engine implements. Evaluation is pure and deterministic. */
#ifndef HR_RULES_H
#define HR_RULES_H

#include <stddef.h>
#include <stdint.h>

/* What a rule runs on. */
typedef enum hr_trigger {
  HR_TRIGGER_CUSTODY_START = 0, /* a custody episode starts (adult subject) */
  HR_TRIGGER_MH_SPELL_START,    /* an inpatient spell becomes mental-health care (adult) */
  HR_TRIGGER_NRPF_BEGINS,       /* a person's NRPF status begins (adult) */
  HR_TRIGGER_ATTENDANCE_MARK,   /* an attendance mark for a child (child subject) */
  HR_TRIGGER__COUNT
} hr_trigger;
const char *hr_trigger_name(hr_trigger t);

/* Facts a condition can read. The engine answers them for a person at the event's time. */
typedef enum hr_fact_id {
  HR_FACT_ABSENCE_RATE = 0,  /* child: absent / possible over N weeks; undefined under min */
  HR_FACT_POSSIBLE_SESSIONS, /* child: possible sessions over N weeks */
  HR_FACT_ABSENT_SESSIONS,   /* child: absent sessions over N weeks */
  HR_FACT_NRPF_ACTIVE,       /* person: NRPF status is nrpf at the event's time */
  HR_FACT_CUSTODY_STARTED,   /* person: a custody episode started within the window */
  HR_FACT_MH_SPELL_STARTED,  /* person: an MH spell started within the window (not cancelled) */
  HR_FACT_CHILDREN,          /* person: number of children they are a carer of on the date */
  HR_FACT_AGE,               /* person: age in whole years on the date; undefined if unknown */
  HR_FACT_ADULT,             /* person: not known to be under 18 */
  HR_FACT_DEPENDANTS,        /* event: dependants the agency record declares */
  HR_FACT_MATCHED,           /* event: the subject was found in the register */
  HR_FACT_COUNT,             /* person: events of a kind (args.event) that started within the window */
  HR_FACT_DAYS_SINCE,        /* person: whole days since the latest event of a kind; undefined if none */
  HR_FACT__COUNT
} hr_fact_id;

/* Relations a condition can quantify over with `any`. */
typedef enum hr_relation {
  HR_REL_CARER = 0, /* parent, step_parent, carer, kinship_carer of the person */
  HR_REL_PARENT,    /* parent, step_parent of the person */
  HR_REL_CHILD,     /* children the person is a carer of */
  HR_REL_SIBLING,   /* sibling rows */
  HR_REL_HOUSEHOLD, /* household_member rows, either direction */
  HR_REL__COUNT
} hr_relation;

typedef enum hr_value_kind { HR_VAL_UNDEF = 0, HR_VAL_BOOL, HR_VAL_NUM } hr_value_kind;

/* Numbers are exact rationals (num / den, den > 0) so that thresholds such as 10% compare
 * exactly: 2 absences in 20 sessions is 10%, not 9.999...%. */
typedef struct hr_value {
  hr_value_kind kind;
  int b;
  int64_t num, den;
} hr_value;

typedef struct hr_fact_args {
  int32_t weeks;        /* absence facts: window in ISO weeks (0 when given in days) */
  int32_t days;         /* absence facts: window in calendar days ending on the mark's date (0 = weeks) */
  int32_t min_sessions; /* absence_rate: defined only with at least this many possible */
  int32_t event;        /* count, days_since: the hr_trigger counted (custody, MH spell, NRPF begins) */
  int64_t window_us;    /* *_started within, count: window length in microseconds */
} hr_fact_args;

/* Evidence a fact offers when it holds: the engine appends items to its own list and the
 * evaluator rolls the list back when the enclosing condition turns out false. */
typedef struct hr_rule_env {
  void *ud;
  /* Value of fact for person (UINT32_MAX = the event's unmatched subject). */
  hr_value (*fact)(void *ud, uint32_t person, hr_fact_id fact, const hr_fact_args *args);
  /* Persons related to person on the event's date; returns the count written (<= max). */
  uint32_t (*related)(void *ud, uint32_t person, hr_relation rel, uint32_t *out, uint32_t max);
  /* Current length of the evidence list, and truncation back to a length. */
  uint32_t (*evidence_mark)(void *ud);
  void (*evidence_reset)(void *ud, uint32_t mark);
} hr_rule_env;

typedef enum hr_group_key {
  HR_GROUP_CHILD = 1 << 0,
  HR_GROUP_SUBJECT = 1 << 1,
  HR_GROUP_EPISODE = 1 << 2,
  HR_GROUP_LA = 1 << 3,
  HR_GROUP_FAMILY = 1 << 4, /* the children's carers: siblings with the same carers share alerts */
} hr_group_key;

typedef enum hr_route_kind {
  HR_ROUTE_KEY_WORKER = 1, /* key worker of the youngest affected child with an assignment */
  HR_ROUTE_FRONT_DOOR,     /* the early-help front door of the alert's LA */
  HR_ROUTE_TEAM,           /* the team of that key worker (the first such key worker with a team) */
  HR_ROUTE_NAMED_TEAM,     /* the team the rule names (hr_rule.route_team) */
} hr_route_kind;

#define HR_RULE_MAX_ROUTES 4

typedef struct hr_rule {
  char *id;
  char *description;
  uint32_t version;
  char *severity;      /* "high", "medium", "low" */
  uint32_t triggers;   /* bit set of 1 << hr_trigger */
  uint32_t when;       /* root node of the condition */
  uint32_t group;      /* bit set of hr_group_key */
  int64_t cooldown_us; /* 0 = none */
  int64_t for_us;      /* the condition must have held this long, in event time (0 = fire at once) */
  hr_route_kind routes[HR_RULE_MAX_ROUTES];
  uint32_t nroutes;
  char *route_team;      /* HR_ROUTE_NAMED_TEAM: the team's id; NULL otherwise */
  char *explain;         /* template with {placeholders} */
  int32_t explain_weeks; /* window of the first absence_rate fact, for {weeks} (0 if in days) */
  int32_t explain_days;  /* window of the first absence_rate fact, for {days} (0 if in weeks) */
  uint32_t line;         /* where the rule starts in its file */
} hr_rule;

typedef struct hr_rulepack hr_rulepack;

/* Compiles a pack from text. On error returns NULL and writes "file:line:col: message" into
 * errstr. The pack owns all its memory. */
hr_rulepack *hr_rulepack_compile(const char *text, size_t len, const char *filename, char *errstr, size_t errsz);
/* Reads and compiles a file. */
hr_rulepack *hr_rulepack_load(const char *path, char *errstr, size_t errsz);
void hr_rulepack_free(hr_rulepack *p); /* accepts NULL */

uint32_t hr_rulepack_count(const hr_rulepack *p);
const hr_rule *hr_rulepack_rule(const hr_rulepack *p, uint32_t i);
const char *hr_rulepack_name(const hr_rulepack *p);
/* SHA-256 of the pack's text, hex (64 chars). */
const char *hr_rulepack_checksum(const hr_rulepack *p);
/* Indexes of the rules that run on a trigger, in pack order. */
const uint32_t *hr_rulepack_for_trigger(const hr_rulepack *p, hr_trigger t, uint32_t *n);
/* Does any rule read this fact? (The engine skips work for facts nobody reads.) */
int hr_rulepack_reads(const hr_rulepack *p, hr_fact_id f);

/* Evaluates rule r's condition for subject (UINT32_MAX = unmatched). Returns 1 when it holds. */
int hr_rule_eval(const hr_rulepack *p, const hr_rule *r, const hr_rule_env *env, uint32_t subject);

#endif

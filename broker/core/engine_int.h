/* engine_int.h: the engine's state, shared by the files of broker/core only.
 *
 * Layout for memory: persons are one compact array; everything about a person that most people
 * lack (facts, attendance) hangs off an index that is NONE until needed. Strings are interned
 * once (hr_map) and referred to by 32-bit ids. Lists are singly linked through arrays. */
#ifndef HR_ENGINE_INT_H
#define HR_ENGINE_INT_H

#include "engine.h"
#include "hearth/v1/alert.pb-c.h"
#include "hr_map.h"
#include "hr_buf.h"
#include "hr_time.h"

#define NONE UINT32_MAX
#define DATE_MIN INT32_MIN
#define DATE_MAX INT32_MAX

/* A growable array of fixed-size items. */
typedef struct vec {
  void *data;
  uint32_t n, cap;
} vec;
void *hr__vec_push(vec *v, size_t item_size); /* NULL on no memory */
#define VEC_AT(v, type, i) (((type *)(v).data)[i])
void hr__vec_free(vec *v);

/* A register person. Its index is also the insertion index of its person_id in e->person_ids,
 * which is where the id string lives (hr__pid). */
typedef struct person {
  uint32_t la; /* interned la_code; NONE if empty */
  int32_t dob; /* HR_DATE_NONE if unknown */
  /* The person's keys, as entry indexes in the identity index maps (NONE if absent): NHS
   * number, UPN, family|dob|postcode (step 3) and given|family|dob (attendance step 3). */
  uint32_t nhs, upn, demo_key, pupil_key;
  uint32_t next_nhs, next_upn, next_demo, next_pupil; /* index chains of equal keys */
  uint32_t rel_from;                                  /* first relationship where this person is person_id */
  uint32_t rel_to;                                    /* first relationship where this person is related_person_id */
  uint32_t assign;                                    /* first assignment of this child */
  uint32_t facts;                                     /* index into e->facts; NONE until the person has a fact */
  uint32_t att;                                       /* index into e->att; NONE until the person has a mark */
  uint8_t dirty;                                      /* facts or attendance changed since the last checkpoint */
} person;

typedef struct relationship {
  uint32_t from, to; /* persons: `from` is the `type` of `to` */
  uint8_t type;      /* Hearth__V1__RelationshipType */
  uint8_t deleted;
  int32_t start, end; /* DATE_MIN / DATE_MAX when open */
  uint32_t next_from, next_to;
} relationship;

typedef struct assignment {
  uint32_t child;
  uint32_t kw; /* interned key_worker_id */
  int32_t start, end;
  uint8_t deleted;
  uint32_t next;
} assignment;

/* An event kept as evidence: the least that identifies its source record. */
typedef struct evidence {
  int64_t t;
  uint32_t record; /* interned record id */
  uint32_t detail; /* interned short description */
  uint8_t feed;
} evidence;

typedef struct custody_start {
  int64_t t;
  uint32_t ev;
} custody_start;
typedef struct mh_start {
  int64_t t;
  uint32_t spell;
  uint32_t ev;
} mh_start;
typedef struct nrpf_entry {
  int64_t eff;
  uint64_t seq;
  uint8_t status;
  uint32_t ev;
} nrpf_entry;

/* Facts about one person (or one unmatched NRPF subject). */
typedef struct facts {
  vec custody;   /* custody_start */
  vec mh;        /* mh_start */
  vec nrpf;      /* nrpf_entry */
  uint8_t dirty; /* unmatched subjects only: changed since the last checkpoint */
} facts;

/* A prison number's custody episode. */
typedef struct episode {
  uint8_t open;
  int64_t start; /* instant the current (or last) episode started */
} episode;

enum { SPELL_OPEN = 1, SPELL_DISCHARGED, SPELL_CANCELLED };

/* One hospital spell; a new admission of the same visit is a new spell record. */
typedef struct spell {
  uint8_t state;
  uint8_t is_mh;
  uint32_t key; /* interned facility|visit */
  int64_t admitted;
} spell;

/* Attendance marks of one child: one byte per session (code index + 1, 0 = no mark) for the
 * days from `base`, and the codes a session had before it was replaced (to recognise a
 * redelivered mark as the same event). */
typedef struct attendance {
  int32_t base;      /* first day stored: always a Monday, so weeks align with days */
  uint32_t ndays;    /* days allocated: a multiple of 7 */
  uint8_t *sessions; /* 2 * ndays codes, then 2 * ndays / 7 weekly counts: possible, absent */
  vec replaced;      /* replaced_mark */
} attendance;
/* A review case (review.c): a record description and a candidate the tier could not decide on. */
typedef struct review_case {
  uint32_t id, desc, person;    /* interned case id, description, candidate person_id */
  uint32_t record, comparisons; /* interned: the latest record's id and its comparisons */
  int32_t weight_c;             /* the latest record's match weight, in hundredths */
  uint32_t records;             /* records seen */
  int64_t first_t, last_t;
  uint8_t feed, why, dirty;
} review_case;

typedef struct replaced_mark {
  int32_t day;
  uint8_t session;
  uint8_t code;
} replaced_mark;

struct hr_engine {
  hr_engine_config cfg;
  const hr_rulepack *pack;
  uint32_t default_la; /* interned; NONE when not configured */
  uint32_t last_la;    /* the last event LA interned by hr_engine_apply; NONE before any */

  hr_map strings;                                       /* interned strings: value = id (insertion index) */
  hr_map person_ids;                                    /* person_id -> person index */
  hr_map nhs_index, upn_index, demo_index, pupil_index; /* key string -> first person */
  hr_map key_workers;                                   /* key_worker_id -> 1 (known key workers) */
  hr_map mh_services, mh_providers;

  person *persons;
  uint32_t npersons, persons_cap;
  vec rels;    /* relationship */
  vec assigns; /* assignment */
  vec facts;   /* facts */
  vec att;     /* attendance */
  vec evs;     /* evidence */

  hr_map episodes;       /* noms -> episode index */
  vec episode_v;         /* episode */
  hr_map spell_keys;     /* facility|visit -> current spell index */
  vec spells;            /* spell */
  hr_map unmatched_nrpf; /* unmatched NRPF subject key -> facts index */
  hr_map agency_links;   /* noms / facility|visit -> person (link_agency_ids) */
  /* Tier 5 (cfg.link_params): the register's blocking index, by person index; NULL when off. */
  struct hr_link_index *linkix;
  /* The current event's tier-5 link, weight and contributions, appended to its evidence detail;
   * "" when the event was not linked by tier 5. */
  char link_note[320];
  /* Tier 5's review queue and the decisions people took on it (review.c). */
  hr_map review_index;   /* case id -> index into review_cases */
  vec review_cases;      /* review_case */
  hr_map link_decisions; /* description \x1f person_id -> 0 withdrawn, 1 accepted, 2 rejected */
  hr_map link_accepts;   /* description -> interned person_id of its latest accept, or NONE */

  hr_map seen_events; /* custody, inpatient, NRPF identities already processed */
  hr_map alert_keys;  /* rule|group key -> index into last_alert */
  vec last_alert;     /* int64_t: instant of the last alert for that key */
  uint64_t nrpf_seq;

  /* What changed since the last checkpoint (checkpoint.c), as indexes. */
  vec dirty_persons, dirty_unmatched, dirty_episodes, dirty_spells, dirty_alerts, dirty_links; /* uint32_t */
  vec dirty_cases;                                                                             /* uint32_t */
  uint32_t seen_checkpointed; /* seen_events entries before this index are stored */

  /* Scratch of the event being applied. */
  const Hearth__V1__AgencyEvent *ev;
  int64_t t;
  int32_t date;
  int trig_feed;           /* evidence of the triggering event: feed, source record id */
  const char *trig_record; /* points into the event or the interned strings */
  char trig_detail[96 + 320];

  hr_engine_stats stats;
  uint64_t *alerts_by_rule;
  uint32_t alerts_by_rule_n;
  hr_buf scratch;

  /* Further packs run over the same facts (hr_engine_also_run, for backtests): each with its
   * own alert history, swapped in for its turn at the rules. Not checkpointed. */
  struct rule_set *also;
  uint32_t nalso;
};

/* What a pack's rules keep apart from the facts: swapped with the engine's own for a further
 * pack's turn (the field names are the engine's). */
typedef struct rule_set {
  const hr_rulepack *pack;
  hr_map alert_keys;
  vec last_alert;
  vec dirty_alerts;
  uint64_t *alerts_by_rule;
  uint32_t alerts_by_rule_n;
  hr_alert_fn fn;
  void *ud;
} rule_set;

/* Interned strings. */
uint32_t hr__intern(hr_engine *e, const char *s, size_t len); /* NONE on no memory */
static inline uint32_t hr__intern_cstr(hr_engine *e, const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return hr__intern(e, s, n);
}
static inline const char *hr__str(const hr_engine *e, uint32_t id) {
  return id == NONE ? "" : hr_map_key(&e->strings, id);
}
uint32_t hr__find_string(const hr_engine *e, const char *s, size_t len); /* NONE if never seen */
static inline const char *hr__pid(const hr_engine *e, uint32_t p) {
  return hr_map_key(&e->person_ids, p);
}
/* First person with an identity key (which: 0 NHS, 1 UPN, 2 demographics, 3 pupil), or NONE. */
uint32_t hr__chain_head(const hr_engine *e, int which, const char *key, size_t len);

/* register.c */
int hr__register_apply(hr_engine *e, const Hearth__V1__RegisterRecord *rec);
int hr__rel_active(const relationship *r, int32_t date);
int hr__is_carer_type(uint8_t type);
/* Distinct children `adult` is a carer of on date, in relationship order. */
uint32_t hr__children_of(const hr_engine *e, uint32_t adult, int32_t date, uint32_t *out, uint32_t max);
uint32_t hr__related(const hr_engine *e, uint32_t p, hr_relation rel, int32_t date, uint32_t *out, uint32_t max);
/* Active key worker of child on date: interned id or NONE. */
uint32_t hr__key_worker_of(const hr_engine *e, uint32_t child, int32_t date);

/* identity.c */
uint32_t hr__resolve(hr_engine *e, const Hearth__V1__AgencyEvent *ev, int *tier);

/* review.c */
struct hr_link_rec;
/* The record's description, the key of review cases and decisions. */
void hr__link_description(const struct hr_link_rec *q, char out[HR_REVIEW_DESC_MAX]);
int hr__apply_link_decision(hr_engine *e, const Hearth__V1__LinkDecision *d, int deleted);
/* 0 none, 1 accepted, 2 rejected: what a reviewer decided on (description, person). */
int hr__link_decision_of(const hr_engine *e, const char *desc, uint32_t who);
/* The person a reviewer accepted for the description, or NONE. */
uint32_t hr__link_accepted(const hr_engine *e, const char *desc);
/* An evidence detail with the identity note identity.c appends, split into the detail people
 * read and the structured IdentityLink of the alert. */
#define HR_LINK_EV_MAX_CMP 8
typedef struct link_evidence {
  char detail[96];
  char words[320]; /* the note's text, cut into NUL-terminated words the fields point into */
  Hearth__V1__IdentityLink link;
  Hearth__V1__LinkComparison cmp[HR_LINK_EV_MAX_CMP], *cmpp[HR_LINK_EV_MAX_CMP];
} link_evidence;
/* 1 when detail carries an identity note (out filled), 0 when not or when it does not read. */
int hr__link_evidence(const char *detail, link_evidence *out);
/* Opens or updates the case (description, person) for the event being resolved. */
int hr__review_note(hr_engine *e, const Hearth__V1__AgencyEvent *ev, const char *desc, uint32_t who, int why,
                    double weight, const char *comparisons);

/* facts.c */
facts *hr__facts_of(hr_engine *e, uint32_t person, int create);
facts *hr__facts_at(hr_engine *e, uint32_t idx);
uint32_t hr__add_evidence(hr_engine *e, int feed, int64_t t, const char *record, const char *detail);
int hr__nrpf_status_at(const facts *f, int64_t t, uint32_t *ev);
int hr__spell_counts(const hr_engine *e, uint32_t spell);
/* Attendance: 1 when the mark is new (stored), 0 when it was already processed. */
int hr__attendance_record(hr_engine *e, uint32_t child, int32_t day, int session, uint8_t code);
void hr__attendance_window(const hr_engine *e, uint32_t child, int32_t day, int32_t weeks, uint32_t *possible,
                           uint32_t *absent);
/* The same over the ndays calendar days ending on day (inclusive). */
void hr__attendance_window_days(const hr_engine *e, uint32_t child, int32_t day, int32_t ndays, uint32_t *possible,
                                uint32_t *absent);
/* NRPF status beginnings (a record that turned the status to nrpf, in processing order) at
 * instants in [lo, hi]: how many, and the latest (*latest, its evidence *ev) when any. */
uint32_t hr__nrpf_begins(const facts *f, int64_t lo, int64_t hi, int64_t *latest, uint32_t *ev);
uint8_t hr__mark_code_index(const char *code, int *category);

/* checkpoint.c: remember what changed. */
void hr__dirty_person(hr_engine *e, uint32_t p);
void hr__dirty_index(vec *v, uint32_t idx);
uint32_t hr__ensure_person(hr_engine *e, const char *id, size_t len);

/* evaluate.c */
int hr__run_rules(hr_engine *e, hr_trigger trig, uint32_t subject, uint32_t subject_key, uint32_t episode_key,
                  hr_alert_fn fn, void *ud);

#endif

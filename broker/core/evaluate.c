/* evaluate: runs the rules an event triggers and turns those that hold into alerts.
 *
 * For each rule: evaluate its condition for the subject (the facts come from the engine's state
 * at the event's time), then group the affected children (by LA when the rule says `per ... la`),
 * de-duplicate (once per key, or a cooldown), route, and emit. Alert ids are SHA-256 of the
 * alert's identifying content, so the same alert raised again carries the same id. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "hr_err.h"
#include "hr_sha256.h"

#define MAX_CHILDREN 64

/* An evidence item of the alert being built; strings live in the engine or the event. */
typedef struct ev_item {
  int feed;
  int64_t t;
  const char *record;
  const char *detail;
} ev_item;

typedef struct eval_ctx {
  hr_engine *e;
  uint32_t subject;
  ev_item items[32];
  uint32_t nitems;
  /* The last attendance window counted: the rules an event runs usually ask the same one
   * (a shared definition), and nothing they do changes the marks. */
  struct {
    int valid;
    uint32_t person;
    int32_t weeks, days;
    uint32_t possible, absent;
  } window;
} eval_ctx;

static void add_item(eval_ctx *c, int feed, int64_t t, const char *record, const char *detail) {
  for (uint32_t i = 0; i < c->nitems; i++)
    if (c->items[i].feed == feed && c->items[i].t == t && strcmp(c->items[i].record, record) == 0) return;
  if (c->nitems < sizeof c->items / sizeof c->items[0]) c->items[c->nitems++] = (ev_item){feed, t, record, detail};
}

static void add_stored(eval_ctx *c, uint32_t evi) {
  const evidence *ev = &VEC_AT(c->e->evs, evidence, evi);
  add_item(c, ev->feed, ev->t, hr__str(c->e, ev->record), hr__str(c->e, ev->detail));
}

static hr_value num(int64_t n, int64_t d) {
  hr_value v = {HR_VAL_NUM, 0, n, d};
  return v;
}
static hr_value yes(int b) {
  hr_value v = {HR_VAL_BOOL, b != 0, 0, 1};
  return v;
}
static hr_value undef(void) {
  hr_value v = {HR_VAL_UNDEF, 0, 0, 1};
  return v;
}

static int32_t event_dob(const hr_engine *e) {
  int32_t d;
  const Hearth__V1__Subject *s = e->ev->subject;
  if (!s || !s->date_of_birth || !*s->date_of_birth) return HR_DATE_NONE;
  return hr_parse_date(s->date_of_birth, strlen(s->date_of_birth), &d) == 0 ? d : HR_DATE_NONE;
}

static int32_t dob_for(const eval_ctx *c, uint32_t p) {
  /* READING R11: for the event's subject the record's date of birth comes first. */
  if (p == c->subject || p == NONE) {
    int32_t d = event_dob(c->e);
    if (d != HR_DATE_NONE || p == NONE) return d;
  }
  return c->e->persons[p].dob;
}

static int32_t dependants(const hr_engine *e) {
  if (e->ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY) return e->ev->custody->dependants;
  if (e->ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF) return e->ev->nrpf->dependants;
  return 0;
}

static facts *facts_for(eval_ctx *c, uint32_t p) {
  return p == NONE ? NULL : hr__facts_of(c->e, p, 0);
}

static hr_value fact_cb(void *ud, uint32_t p, hr_fact_id f, const hr_fact_args *a) {
  eval_ctx *c = ud;
  hr_engine *e = c->e;
  switch (f) {
  case HR_FACT_ABSENCE_RATE:
  case HR_FACT_POSSIBLE_SESSIONS:
  case HR_FACT_ABSENT_SESSIONS: {
    if (p == NONE) return undef();
    uint32_t possible, absent;
    if (c->window.valid && c->window.person == p && c->window.weeks == a->weeks && c->window.days == a->days)
      possible = c->window.possible, absent = c->window.absent;
    else {
      if (a->days)
        hr__attendance_window_days(e, p, e->date, a->days, &possible, &absent);
      else
        hr__attendance_window(e, p, e->date, a->weeks, &possible, &absent);
      c->window.valid = 1, c->window.person = p, c->window.weeks = a->weeks, c->window.days = a->days;
      c->window.possible = possible, c->window.absent = absent;
    }
    if (f == HR_FACT_POSSIBLE_SESSIONS) return num(possible, 1);
    if (f == HR_FACT_ABSENT_SESSIONS) return num(absent, 1);
    if (possible == 0 || possible < (uint32_t)a->min_sessions) return undef();
    return num(absent, possible);
  }
  case HR_FACT_NRPF_ACTIVE: {
    facts *fs = facts_for(c, p);
    uint32_t ev;
    if (fs && hr__nrpf_status_at(fs, e->t, &ev) == HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF) {
      add_stored(c, ev);
      return yes(1);
    }
    return yes(0);
  }
  case HR_FACT_CUSTODY_STARTED:
  case HR_FACT_MH_SPELL_STARTED: {
    facts *fs = facts_for(c, p);
    if (!fs) return yes(0);
    int held = 0;
    /* "Within the previous N days": t - N days <= s <= t. */
    if (f == HR_FACT_CUSTODY_STARTED) {
      for (uint32_t i = 0; i < fs->custody.n; i++) {
        const custody_start *s = &VEC_AT(fs->custody, custody_start, i);
        if (s->t <= e->t && s->t >= e->t - a->window_us) held = 1, add_stored(c, s->ev);
      }
    } else {
      for (uint32_t i = 0; i < fs->mh.n; i++) {
        const mh_start *s = &VEC_AT(fs->mh, mh_start, i);
        if (s->t <= e->t && s->t >= e->t - a->window_us && hr__spell_counts(e, s->spell))
          held = 1, add_stored(c, s->ev);
      }
    }
    return yes(held);
  }
  case HR_FACT_COUNT:
  case HR_FACT_DAYS_SINCE: {
    /* Events of one kind that started at or before the event (count: within the window). */
    facts *fs = facts_for(c, p);
    int64_t lo = f == HR_FACT_COUNT ? e->t - a->window_us : INT64_MIN, latest = INT64_MIN;
    uint32_t n = 0, latest_ev = NONE;
    if (fs && a->event == HR_TRIGGER_NRPF_BEGINS) {
      n = hr__nrpf_begins(fs, lo, e->t, &latest, &latest_ev);
    } else if (fs && a->event == HR_TRIGGER_CUSTODY_START) {
      for (uint32_t i = 0; i < fs->custody.n; i++) {
        const custody_start *s = &VEC_AT(fs->custody, custody_start, i);
        if (s->t > e->t || s->t < lo) continue;
        n++;
        if (f == HR_FACT_COUNT) add_stored(c, s->ev);
        if (s->t >= latest) latest = s->t, latest_ev = s->ev;
      }
    } else if (fs) {
      for (uint32_t i = 0; i < fs->mh.n; i++) {
        const mh_start *s = &VEC_AT(fs->mh, mh_start, i);
        if (s->t > e->t || s->t < lo || !hr__spell_counts(e, s->spell)) continue;
        n++;
        if (f == HR_FACT_COUNT) add_stored(c, s->ev);
        if (s->t >= latest) latest = s->t, latest_ev = s->ev;
      }
    }
    if (f == HR_FACT_COUNT) {
      if (a->event == HR_TRIGGER_NRPF_BEGINS && n) add_stored(c, latest_ev);
      return num(n, 1);
    }
    if (!n) return undef();
    add_stored(c, latest_ev);
    /* Whole days elapsed: 0 within the first 24 hours, 1 from 24 hours, and so on. */
    return num((e->t - latest) / HR_US_PER_DAY, 1);
  }
  case HR_FACT_CHILDREN: {
    if (p == NONE) return num(0, 1);
    uint32_t kids[MAX_CHILDREN];
    return num(hr__children_of(e, p, e->date, kids, MAX_CHILDREN), 1);
  }
  case HR_FACT_AGE: {
    int32_t dob = dob_for(c, p);
    if (dob == HR_DATE_NONE || dob > e->date) return undef();
    int y1, y2;
    unsigned m1, d1, m2, d2;
    hr_civil_from_days(dob, &y1, &m1, &d1);
    hr_civil_from_days(e->date, &y2, &m2, &d2);
    int age = y2 - y1 - ((m2 < m1 || (m2 == m1 && d2 < d1)) ? 1 : 0);
    return num(age, 1);
  }
  case HR_FACT_ADULT: {
    int32_t dob = dob_for(c, p);
    return yes(dob == HR_DATE_NONE || !hr_is_child_on(dob, e->date));
  }
  case HR_FACT_DEPENDANTS: return num(dependants(e), 1);
  case HR_FACT_MATCHED: return yes(c->subject != NONE);
  default: return undef();
  }
}

static uint32_t related_cb(void *ud, uint32_t p, hr_relation rel, uint32_t *out, uint32_t max) {
  eval_ctx *c = ud;
  return hr__related(c->e, p, rel, c->e->date, out, max);
}
static uint32_t mark_cb(void *ud) {
  return ((eval_ctx *)ud)->nitems;
}
static void reset_cb(void *ud, uint32_t mark) {
  ((eval_ctx *)ud)->nitems = mark;
}

/* ---- groups, routing, ids -------------------------------------------------------------- */

typedef struct group {
  uint32_t la; /* interned; NONE when unknown */
  uint32_t children[MAX_CHILDREN];
  uint32_t n;
} group;

static int cmp_str_ids(const hr_engine *e, uint32_t a, uint32_t b) {
  return strcmp(hr__str(e, a), hr__str(e, b));
}

static void sort_children_by_id(const hr_engine *e, uint32_t *ch, uint32_t n) {
  for (uint32_t i = 1; i < n; i++)
    for (uint32_t j = i; j > 0 && strcmp(hr__pid(e, ch[j - 1]), hr__pid(e, ch[j])) > 0; j--) {
      uint32_t t = ch[j];
      ch[j] = ch[j - 1];
      ch[j - 1] = t;
    }
}

/* READING R23: youngest first (latest date of birth, then lowest person_id). With team = 1,
 * the team of the first such key worker who has one (a key worker row's team_id). */
static uint32_t route_key_worker_or_team(const hr_engine *e, const group *g, int team) {
  uint32_t order[MAX_CHILDREN];
  memcpy(order, g->children, g->n * sizeof *order);
  for (uint32_t i = 1; i < g->n; i++)
    for (uint32_t j = i; j > 0; j--) {
      const person *a = &e->persons[order[j - 1]], *b = &e->persons[order[j]];
      int swap = a->dob < b->dob || (a->dob == b->dob && strcmp(hr__pid(e, order[j - 1]), hr__pid(e, order[j])) > 0);
      if (!swap) break;
      uint32_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (uint32_t i = 0; i < g->n; i++) {
    uint32_t kw = hr__key_worker_of(e, order[i], e->date);
    if (kw == NONE) continue;
    if (!team) return kw;
    const char *id = hr__str(e, kw);
    uint32_t v = hr_map_get(&e->key_workers, id, strlen(id));
    if (v != HR_MAP_NONE && v >= 2) return v - 2;
  }
  return NONE;
}

/* `alert per family`: a family is known by its lowest carer's person_id on the date (the
 * children's carers; siblings with a carer in common share it), else by its lowest child's,
 * else (no child) by the adult's key. */
static const char *family_key(hr_engine *e, const group *g, uint32_t subject_key) {
  const char *best = NULL;
  for (uint32_t i = 0; i < g->n; i++) {
    uint32_t carers[MAX_CHILDREN];
    uint32_t n = hr__related(e, g->children[i], HR_REL_CARER, e->date, carers, MAX_CHILDREN);
    for (uint32_t j = 0; j < n; j++)
      if (!best || strcmp(hr__pid(e, carers[j]), best) < 0) best = hr__pid(e, carers[j]);
  }
  for (uint32_t i = 0; !best && i < g->n; i++)
    if (!best || strcmp(hr__pid(e, g->children[i]), best) < 0) best = hr__pid(e, g->children[i]);
  return best ? best : hr__str(e, subject_key);
}

/* `for D`: the condition must have held at every evaluation of the rule for this subject (each
 * event that triggers the rule for them) since an instant at least D of event time earlier. The
 * instant it began holding is kept in the alert-key table under "for|rule|subject", so state
 * checkpoints carry it (INT64_MIN: not holding). 1 = fire now, 0 = not (yet), -1 = no memory. */
static int held_long_enough(hr_engine *e, const hr_rule *r, hr_trigger trig, uint32_t subject, uint32_t subject_key,
                            int holds) {
  hr_buf *key = &e->scratch;
  hr_buf_reset(key);
  hr_buf_printf(key, "for|%s|%s", r->id,
                trig == HR_TRIGGER_ATTENDANCE_MARK ? hr__pid(e, subject) : hr__str(e, subject_key));
  if (key->oom) return -1;
  if (!holds) {
    uint32_t slot = hr_map_get(&e->alert_keys, key->data, key->len);
    if (slot != HR_MAP_NONE && VEC_AT(e->last_alert, int64_t, slot) != INT64_MIN) {
      VEC_AT(e->last_alert, int64_t, slot) = INT64_MIN;
      hr__dirty_index(&e->dirty_alerts, slot);
    }
    return 0;
  }
  int inserted;
  uint32_t *slot = hr_map_upsert(&e->alert_keys, key->data, key->len, e->last_alert.n, &inserted);
  if (!slot) return -1;
  if (inserted) {
    if (!hr__vec_push(&e->last_alert, sizeof(int64_t))) return -1;
    VEC_AT(e->last_alert, int64_t, *slot) = INT64_MIN;
  }
  int64_t *since = &VEC_AT(e->last_alert, int64_t, *slot);
  if (*since == INT64_MIN) {
    *since = e->t;
    hr__dirty_index(&e->dirty_alerts, *slot);
  }
  if (e->t - *since < r->for_us) {
    e->stats.pending++;
    return 0;
  }
  return 1;
}

static uint32_t event_la(const hr_engine *e) {
  const char *la = e->ev->la_code;
  if (la && *la) {
    uint32_t id = hr__find_string(e, la, strlen(la));
    return id != NONE ? id : hr__intern((hr_engine *)e, la, strlen(la));
  }
  return e->default_la;
}

static uint32_t build_groups(hr_engine *e, const hr_rule *r, hr_trigger trig, uint32_t subject, group *groups,
                             uint32_t max) {
  uint32_t kids[MAX_CHILDREN], nk = 0;
  if (trig == HR_TRIGGER_ATTENDANCE_MARK)
    kids[nk++] = subject;
  else if (subject != NONE)
    nk = hr__children_of(e, subject, e->date, kids, MAX_CHILDREN);
  if (nk == 0) {
    groups[0].la = event_la(e);
    groups[0].n = 0;
    return 1;
  }
  uint32_t ng = 0;
  for (uint32_t i = 0; i < nk; i++) {
    uint32_t la = e->persons[kids[i]].la;
    if (la == NONE) la = event_la(e);
    uint32_t g = 0;
    if (r->group & HR_GROUP_LA) {
      while (g < ng && groups[g].la != la)
        g++;
    }
    if (g == ng) {
      if (ng == max) continue;
      groups[ng].la = la;
      groups[ng].n = 0;
      ng++;
    }
    groups[g].children[groups[g].n++] = kids[i];
  }
  /* Groups in la_code order (READING R26); children by person_id. */
  for (uint32_t i = 1; i < ng; i++)
    for (uint32_t j = i; j > 0 && cmp_str_ids(e, groups[j - 1].la, groups[j].la) > 0; j--) {
      group t = groups[j];
      groups[j] = groups[j - 1];
      groups[j - 1] = t;
    }
  for (uint32_t g = 0; g < ng; g++)
    sort_children_by_id(e, groups[g].children, groups[g].n);
  return ng;
}

static const char *feed_name(int feed) {
  switch (feed) {
  case HEARTH__V1__FEED__FEED_CUSTODY: return "custody";
  case HEARTH__V1__FEED__FEED_INPATIENT: return "inpatient";
  case HEARTH__V1__FEED__FEED_ATTENDANCE: return "attendance";
  case HEARTH__V1__FEED__FEED_NRPF: return "nrpf";
  default: return "unknown";
  }
}

static void render_explanation(hr_engine *e, const hr_rule *r, hr_trigger trig, uint32_t subject, const group *g,
                               hr_buf *out) {
  char date[11];
  hr_format_date(e->date, date);
  for (const char *c = r->explain; *c; c++) {
    if (*c != '{') {
      hr_buf_putc(out, *c);
      continue;
    }
    const char *end = strchr(c, '}');
    size_t n = (size_t)(end - c - 1);
    const char *w = c + 1;
#define IS(word) (n == sizeof(word) - 1 && memcmp(w, word, n) == 0)
    if (IS("subject"))
      hr_buf_puts(out, subject != NONE ? hr__pid(e, subject) : "an adult unknown to the register");
    else if (IS("children")) {
      for (uint32_t i = 0; i < g->n; i++) {
        if (i) hr_buf_puts(out, ", ");
        hr_buf_puts(out, hr__pid(e, g->children[i]));
      }
    } else if (IS("children_count"))
      hr_buf_printf(out, "%u", g->n);
    else if (IS("la"))
      hr_buf_puts(out, g->la != NONE ? hr__str(e, g->la) : "an unknown LA");
    else if (IS("date"))
      hr_buf_puts(out, date);
    else if (IS("weeks"))
      hr_buf_printf(out, "%d", r->explain_weeks);
    else if (IS("days"))
      hr_buf_printf(out, "%d", r->explain_days);
    else if (IS("absence_rate")) {
      uint32_t possible = 0, absent = 0;
      if (trig == HR_TRIGGER_ATTENDANCE_MARK && r->explain_weeks)
        hr__attendance_window(e, subject, e->date, r->explain_weeks, &possible, &absent);
      else if (trig == HR_TRIGGER_ATTENDANCE_MARK && r->explain_days)
        hr__attendance_window_days(e, subject, e->date, r->explain_days, &possible, &absent);
      if (possible)
        hr_buf_printf(out, "%.1f%% (%u of %u sessions)", 100.0 * absent / possible, absent, possible);
      else
        hr_buf_puts(out, "unknown");
    } else if (IS("dependants"))
      hr_buf_printf(out, "%d", dependants(e));
    else if (IS("event")) {
      if (e->ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_CUSTODY)
        hr_buf_printf(out, "custody reception %s", e->ev->custody->reason);
      else if (e->ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF)
        hr_buf_puts(out, "NRPF status began");
      else if (e->ev->payload_case == HEARTH__V1__AGENCY_EVENT__PAYLOAD_INPATIENT)
        hr_buf_puts(out, "mental-health admission");
      else
        hr_buf_puts(out, "attendance mark");
    } else if (IS("rule"))
      hr_buf_puts(out, r->id);
#undef IS
    c = end;
  }
}

/* ---- the rule loop ---------------------------------------------------------------------- */

static int run_rules(hr_engine *e, hr_trigger trig, uint32_t subject, uint32_t subject_key, uint32_t episode_key,
                     hr_alert_fn fn, void *ud) {
  if (!e->pack) return 0;
  uint32_t nrules;
  const uint32_t *idx = hr_rulepack_for_trigger(e->pack, trig, &nrules);
  eval_ctx c; /* not zeroed: items are read only below nitems, and zeroing 1 KB per event shows */
  c.e = e, c.subject = subject, c.nitems = 0, c.window.valid = 0;
  hr_rule_env env = {&c, fact_cb, related_cb, mark_cb, reset_cb};
  for (uint32_t k = 0; k < nrules; k++) {
    const hr_rule *r = hr_rulepack_rule(e->pack, idx[k]);
    c.nitems = 0;
    add_item(&c, e->trig_feed, e->t, e->trig_record, e->trig_detail);
    e->stats.rule_evals++;
    int holds = hr_rule_eval(e->pack, r, &env, subject);
    if (r->for_us) {
      int fire = held_long_enough(e, r, trig, subject, subject_key, holds);
      if (fire < 0) return -1;
      if (!fire) continue;
    } else if (!holds) {
      continue;
    }
    group groups[8];
    uint32_t ng = build_groups(e, r, trig, subject, groups, 8);
    for (uint32_t g = 0; g < ng; g++) {
      /* The alert's identity: rule and the keys it groups by. */
      hr_buf *key = &e->scratch;
      hr_buf_reset(key);
      hr_buf_puts(key, r->id);
      if (r->group & HR_GROUP_CHILD) hr_buf_printf(key, "|child=%s", hr__pid(e, subject));
      if (r->group & HR_GROUP_SUBJECT) hr_buf_printf(key, "|subject=%s", hr__str(e, subject_key));
      if (r->group & HR_GROUP_EPISODE) hr_buf_printf(key, "|episode=%s", hr__str(e, episode_key));
      if (r->group & HR_GROUP_LA) hr_buf_printf(key, "|la=%s", hr__str(e, groups[g].la));
      if (r->group & HR_GROUP_FAMILY) hr_buf_printf(key, "|family=%s", family_key(e, &groups[g], subject_key));
      if (key->oom) return -1;
      int inserted;
      uint32_t *slot = hr_map_upsert(&e->alert_keys, key->data, key->len, e->last_alert.n, &inserted);
      if (!slot) return -1;
      if (inserted) {
        if (!hr__vec_push(&e->last_alert, sizeof(int64_t))) return -1;
      } else {
        int64_t last = VEC_AT(e->last_alert, int64_t, *slot);
        /* Once per key; with a cooldown, again from last + cooldown (inclusive). */
        if (!r->cooldown_us || e->t < last + r->cooldown_us) {
          e->stats.suppressed++;
          continue;
        }
      }
      VEC_AT(e->last_alert, int64_t, *slot) = e->t;
      hr__dirty_index(&e->dirty_alerts, *slot);

      hr_sha256 sha;
      unsigned char digest[32];
      char alert_id[33];
      hr_buf_printf(key, "|t=%lld", (long long)e->t);
      hr_sha256_init(&sha);
      hr_sha256_update(&sha, key->data, key->len);
      hr_sha256_final(&sha, digest);
      hr_hex(digest, 16, alert_id);

      char raised[HR_ISO_MAX];
      hr_format_uk_instant(e->t, raised);
      const char *children[MAX_CHILDREN];
      for (uint32_t i = 0; i < groups[g].n; i++)
        children[i] = hr__pid(e, groups[g].children[i]);

      /* The first route that reaches someone: a key worker, a key worker's team, a named team,
       * else the front door of the alert's LA (none when the LA is unknown). */
      Hearth__V1__Route route = HEARTH__V1__ROUTE__INIT;
      for (uint32_t i = 0; i < r->nroutes && route.to_case == HEARTH__V1__ROUTE__TO__NOT_SET; i++) {
        uint32_t who;
        switch (r->routes[i]) {
        case HR_ROUTE_KEY_WORKER:
        case HR_ROUTE_TEAM:
          who = route_key_worker_or_team(e, &groups[g], r->routes[i] == HR_ROUTE_TEAM);
          if (who == NONE) break;
          if (r->routes[i] == HR_ROUTE_KEY_WORKER) {
            route.to_case = HEARTH__V1__ROUTE__TO_KEY_WORKER_ID;
            route.key_worker_id = (char *)hr__str(e, who);
          } else {
            route.to_case = HEARTH__V1__ROUTE__TO_TEAM;
            route.team = (char *)hr__str(e, who);
          }
          break;
        case HR_ROUTE_NAMED_TEAM:
          route.to_case = HEARTH__V1__ROUTE__TO_TEAM;
          route.team = r->route_team;
          break;
        default:
          if (groups[g].la != NONE) {
            route.to_case = HEARTH__V1__ROUTE__TO_FRONT_DOOR;
            route.front_door = (char *)hr__str(e, groups[g].la);
          }
          i = r->nroutes; /* the front door ends the list, reached or not */
          break;
        }
      }

      /* The triggering event first, then the supporting events in time order: the list must
       * not depend on the order the state was built in (a restored engine lists the same). */
      for (uint32_t i = 2; i < c.nitems; i++)
        for (uint32_t j = i; j > 1; j--) {
          ev_item *x = &c.items[j - 1], *y = &c.items[j];
          int cmp = x->t != y->t         ? (x->t > y->t ? 1 : -1)
                    : x->feed != y->feed ? x->feed - y->feed
                                         : strcmp(x->record, y->record);
          if (cmp <= 0) break;
          ev_item tmp = *x;
          *x = *y;
          *y = tmp;
        }
      Hearth__V1__Evidence evs[32], *evp[32];
      char times[32][HR_ISO_MAX];
      link_evidence *links = NULL; /* only when tier 5 linked an event: most alerts need none */
      for (uint32_t i = 0; i < c.nitems; i++) {
        Hearth__V1__Evidence x = HEARTH__V1__EVIDENCE__INIT;
        x.feed = (Hearth__V1__Feed)c.items[i].feed;
        x.event_time_us = c.items[i].t;
        x.record_id = (char *)c.items[i].record;
        x.detail = (char *)c.items[i].detail;
        if (e->linkix && strstr(x.detail, "; identity: ")) {
          if (!links && !(links = malloc(32 * sizeof *links))) return HR_ENOMEM;
          if (hr__link_evidence(x.detail, &links[i])) {
            x.detail = links[i].detail;
            x.link = &links[i].link;
          }
        }
        evs[i] = x;
        evp[i] = &evs[i];
        hr_format_uk_instant(c.items[i].t, times[i]);
      }
      hr_buf expl = {0};
      render_explanation(e, r, trig, subject, &groups[g], &expl);

      Hearth__V1__Alert a = HEARTH__V1__ALERT__INIT;
      a.alert_id = alert_id;
      a.rule_id = r->id;
      a.rule_version = r->version;
      a.severity = r->severity;
      a.la_code = groups[g].la != NONE ? (char *)hr__str(e, groups[g].la) : (char *)"";
      a.raised_at_us = e->t;
      a.n_children = groups[g].n;
      a.children = (char **)children;
      a.subject = (trig != HR_TRIGGER_ATTENDANCE_MARK && subject != NONE) ? (char *)hr__pid(e, subject) : (char *)"";
      a.route = &route;
      a.n_evidence = c.nitems;
      a.evidence = evp;
      a.explanation = expl.data ? expl.data : (char *)"";
      a.rule_pack_checksum = (char *)hr_rulepack_checksum(e->pack);
      e->stats.alerts++;
      if (idx[k] < e->alerts_by_rule_n) e->alerts_by_rule[idx[k]]++;
      if (fn) fn(ud, &a);
      hr_buf_free(&expl);
      free(links);
    }
  }
  return 0;
}

/* ---- JSON ------------------------------------------------------------------------------- */

void hr_alert_to_json(const Hearth__V1__Alert *a, hr_buf *out) {
  char t[HR_ISO_MAX];
  hr_buf_puts(out, "{\"alert_id\":");
  hr_buf_json_cstr(out, a->alert_id);
  hr_buf_puts(out, ",\"rule_id\":");
  hr_buf_json_cstr(out, a->rule_id);
  hr_buf_printf(out, ",\"rule_version\":%u,\"severity\":", a->rule_version);
  hr_buf_json_cstr(out, a->severity);
  hr_buf_puts(out, ",\"la_code\":");
  if (a->la_code && *a->la_code)
    hr_buf_json_cstr(out, a->la_code);
  else
    hr_buf_puts(out, "null");
  hr_format_uk_instant(a->raised_at_us, t);
  hr_buf_puts(out, ",\"raised_at\":\"");
  hr_buf_puts(out, t);
  hr_buf_puts(out, "\",\"children\":[");
  for (size_t i = 0; i < a->n_children; i++) {
    if (i) hr_buf_putc(out, ',');
    hr_buf_json_cstr(out, a->children[i]);
  }
  hr_buf_puts(out, "],\"subject\":");
  if (a->subject && *a->subject)
    hr_buf_json_cstr(out, a->subject);
  else
    hr_buf_puts(out, "null");
  hr_buf_puts(out, ",\"route\":");
  if (a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_KEY_WORKER_ID) {
    hr_buf_puts(out, "{\"key_worker_id\":");
    hr_buf_json_cstr(out, a->route->key_worker_id);
    hr_buf_putc(out, '}');
  } else if (a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_FRONT_DOOR) {
    hr_buf_puts(out, "{\"front_door\":");
    hr_buf_json_cstr(out, a->route->front_door);
    hr_buf_putc(out, '}');
  } else if (a->route && a->route->to_case == HEARTH__V1__ROUTE__TO_TEAM) {
    hr_buf_puts(out, "{\"team\":");
    hr_buf_json_cstr(out, a->route->team);
    hr_buf_putc(out, '}');
  } else {
    hr_buf_puts(out, "{\"front_door\":null}");
  }
  hr_buf_puts(out, ",\"evidence\":[");
  for (size_t i = 0; i < a->n_evidence; i++) {
    const Hearth__V1__Evidence *x = a->evidence[i];
    if (i) hr_buf_putc(out, ',');
    hr_format_uk_instant(x->event_time_us, t);
    hr_buf_puts(out, "{\"feed\":\"");
    hr_buf_puts(out, feed_name(x->feed));
    hr_buf_puts(out, "\",\"event_time\":\"");
    hr_buf_puts(out, t);
    hr_buf_puts(out, "\",\"record_id\":");
    hr_buf_json_cstr(out, x->record_id);
    hr_buf_puts(out, ",\"detail\":");
    hr_buf_json_cstr(out, x->detail);
    if (x->link) {
      hr_buf_puts(out, ",\"link\":{\"method\":");
      hr_buf_json_cstr(out, x->link->method);
      hr_buf_printf(out, ",\"weight\":%.1f", x->link->weight);
      if (x->link->review_case && *x->link->review_case) {
        hr_buf_puts(out, ",\"review_case\":");
        hr_buf_json_cstr(out, x->link->review_case);
      }
      hr_buf_puts(out, ",\"comparisons\":[");
      for (size_t j = 0; j < x->link->n_comparisons; j++) {
        const Hearth__V1__LinkComparison *m = x->link->comparisons[j];
        hr_buf_puts(out, j ? ",{\"field\":" : "{\"field\":");
        hr_buf_json_cstr(out, m->field);
        hr_buf_puts(out, ",\"level\":");
        hr_buf_json_cstr(out, m->level);
        hr_buf_printf(out, ",\"weight\":%.1f}", m->weight);
      }
      hr_buf_puts(out, "]}");
    }
    hr_buf_putc(out, '}');
  }
  hr_buf_puts(out, "],\"explanation\":");
  hr_buf_json_cstr(out, a->explanation);
  hr_buf_puts(out, ",\"rule_pack\":");
  hr_buf_json_cstr(out, a->rule_pack_checksum);
  hr_buf_putc(out, '}');
}

static void swap_rule_set(hr_engine *e, rule_set *rs) {
#define SWAP(T, field)                                                                                                 \
  do {                                                                                                                 \
    T tmp_ = e->field;                                                                                                 \
    e->field = rs->field;                                                                                              \
    rs->field = tmp_;                                                                                                  \
  } while (0)
  SWAP(const hr_rulepack *, pack);
  SWAP(hr_map, alert_keys);
  SWAP(vec, last_alert);
  SWAP(vec, dirty_alerts);
  SWAP(uint64_t *, alerts_by_rule);
  SWAP(uint32_t, alerts_by_rule_n);
#undef SWAP
}

/* The engine's own pack, then each further pack (hr_engine_also_run) with its own alert
 * history, over the same facts; the further packs leave the engine's statistics as they were. */
int hr__run_rules(hr_engine *e, hr_trigger trig, uint32_t subject, uint32_t subject_key, uint32_t episode_key,
                  hr_alert_fn fn, void *ud) {
  int rc = run_rules(e, trig, subject, subject_key, episode_key, fn, ud);
  if (rc || !e->nalso) return rc;
  hr_engine_stats own = e->stats;
  for (uint32_t i = 0; i < e->nalso && !rc; i++) {
    rule_set *rs = &e->also[i];
    swap_rule_set(e, rs);
    rc = run_rules(e, trig, subject, subject_key, episode_key, rs->fn, rs->ud);
    swap_rule_set(e, rs);
  }
  e->stats = own;
  return rc;
}

/* backtest_int.h: the backtest's collected results, shared by backtest.c (running the engines)
 * and report.c (aggregating and writing). Private to broker/backtest. */
#ifndef HR_BACKTEST_INT_H
#define HR_BACKTEST_INT_H

#include "backtest.h"
#include "hr_map.h"
#include "rules.h"

#define BT_NONE UINT32_MAX
#define BT_NO_TIME INT64_MIN

/* An alert raised in the reported range (strings interned in hr_backtest.strings). */
typedef struct bt_alert {
  char id[33];
  uint32_t rule;              /* index in hr_backtest.rules */
  uint32_t la;                /* interned */
  int64_t t;                  /* raised at (event time, UTC microseconds) */
  uint32_t child0, nchildren; /* children: hr_backtest.child_refs[child0 ...] (indexes in .children) */
  uint32_t subject;           /* interned person id; BT_NONE for none */
  uint32_t why;               /* interned explanation */
  uint32_t evidence;          /* interned "feed record (detail) at time; ..." */
  int64_t adversity;          /* first adversity of its children at or before t; BT_NO_TIME if none */
} bt_alert;

/* One rule pack's run. */
typedef struct bt_run {
  const char *path;
  char checksum[65];
  char name[128];
  bt_alert *alerts;
  size_t n, cap;
  hr_map ids; /* alert id -> index in alerts */
} bt_run;

struct hr_backtest {
  int64_t from, until;
  const char *archive_dir;
  hr_map strings;
  hr_map rules;    /* rule ids of both packs, new pack's first */
  hr_map children; /* child person ids (alerted, or reached by an adversity) */
  uint32_t *child_refs;
  size_t nrefs, cap_refs;
  int64_t *first_adversity; /* per child index; BT_NO_TIME when none */
  size_t cap_adv;
  int adversity_known; /* the probe rules compiled with the new pack */
  bt_run runs[2];      /* [0] new, [1] baseline */
  int nruns;
  hr_backtest_figures fig;
};

uint32_t hr__bt_intern(hr_map *m, const char *s); /* BT_NONE on no memory */
static inline const char *hr__bt_str(const hr_map *m, uint32_t id) {
  return id == BT_NONE ? "" : hr_map_key(m, id);
}

#endif

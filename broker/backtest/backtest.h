/* backtest: `hearth rules backtest`. Replays the event archive (broker/archive) through the core
 * (broker/core, the same engine as hearth replay and hearth run) with a new rule pack and,
 * optionally, a baseline pack, and reports what each raised between two dates: per rule, LA and
 * ISO week, the alerts added and removed by the change with who and why, the share of children
 * alerted by more than one rule, and the time from a child's first adversity to the alert.
 *
 * Every record is decoded once and applied to one engine running both packs over the same facts
 * (hr_engine_also_run). The whole archive before --to is applied (facts from before --from
 * decide alerts after it: a 90-day window, a cooldown); only alerts raised in [from, to) are
 * reported, so the report equals what a full replay raised in that range. */
#ifndef HR_BACKTEST_H
#define HR_BACKTEST_H

#include <stdio.h>

#include "engine.h"

typedef struct hr_backtest_opts {
  const char *archive_dir;
  const char *rules_path;    /* the new pack */
  const char *baseline_path; /* NULL = none: the report is of the new pack alone */
  int64_t from_us, until_us; /* report alerts raised in [from, until); 0 = open */
  hr_engine_config engine;   /* as given to hearth replay / hearth run */
  FILE *alerts;              /* the new pack's alerts in range as JSON lines (replay's format); may be NULL */
} hr_backtest_opts;

typedef struct hr_backtest hr_backtest;

/* Runs the backtest. 0 with *out set, or a negative hr_err with a message in err (a rule pack
 * that does not compile gives its file:line:col message). */
int hr_backtest_run(const hr_backtest_opts *o, hr_backtest **out, char *err, size_t errsz);
void hr_backtest_free(hr_backtest *b); /* accepts NULL */

typedef struct hr_backtest_figures {
  uint64_t records, events, register_records;
  uint64_t undecodable; /* records that checked but did not decode: counted, skipped */
  double seconds;       /* reading, decoding and applying (not the report), wall clock */
  double cpu_seconds;   /* the same, CPU time of this process (a shared machine steals wall time) */
  uint64_t alerts_new, alerts_baseline, added, removed;
} hr_backtest_figures;
void hr_backtest_figures_get(const hr_backtest *b, hr_backtest_figures *out);

/* The report: a readable text table, one JSON object, or a self-contained HTML page with
 * inline SVG charts. 0 or HR_EIO. */
int hr_backtest_write_text(const hr_backtest *b, FILE *out);
int hr_backtest_write_json(const hr_backtest *b, FILE *out);
int hr_backtest_write_html(const hr_backtest *b, FILE *out);

#endif

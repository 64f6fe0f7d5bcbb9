/* report: the backtest's figures (backtest.h) aggregated per rule, LA and ISO week, and written
 * as a text table, JSON or a self-contained HTML page (inline SVG; no script, no external
 * asset). Counts are exact; distinct children are counted by sorting (cell, child) pairs. */
#include <stdlib.h>
#include <string.h>

#include "backtest_int.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"

typedef struct cell {
  uint32_t rule, la;
  int32_t week; /* ISO year * 100 + week */
  uint64_t n[2], children[2], added, removed;
} cell;

typedef struct rule_sum {
  uint64_t n[2], children[2], added, removed;
  uint64_t timed[2];     /* alerts with an adversity before them */
  double med[2], p90[2]; /* days from the child's first adversity to the alert */
} rule_sum;

typedef struct report {
  cell *cells;
  size_t ncells;
  rule_sum *rules;
  size_t nrules;
  uint64_t alerted[2], multi[2]; /* children alerted; by more than one rule */
} report;

static int32_t iso_week(int64_t t) {
  int32_t d = hr_uk_local_date(t);
  int32_t wd = (int32_t)(((int64_t)d % 7 + 7 + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
  int32_t thursday = d - wd + 3;
  int y;
  unsigned m, dd;
  hr_civil_from_days(thursday, &y, &m, &dd);
  return y * 100 + (thursday - hr_days_from_civil(y, 1, 1)) / 7 + 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static int cmp_cell(const void *a, const void *b) {
  const cell *x = a, *y = b;
  if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
  if (x->la != y->la) return x->la < y->la ? -1 : 1;
  return x->week < y->week ? -1 : x->week > y->week;
}

/* Nearest-rank percentile of sorted values. */
static double pct(const double *v, size_t n, double p) {
  if (!n) return 0;
  size_t k = (size_t)(p * (double)n + 0.999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

static int in_other(const hr_backtest *b, int run, const bt_alert *x) {
  if (b->nruns < 2) return 1;
  return hr_map_get(&b->runs[1 - run].ids, x->id, strlen(x->id)) != HR_MAP_NONE;
}

static int build(const hr_backtest *b, report *r) {
  memset(r, 0, sizeof *r);
  r->nrules = b->rules.n;
  r->rules = calloc(r->nrules ? r->nrules : 1, sizeof *r->rules);
  hr_map cells = {0};
  size_t cap = 0;
  uint64_t *pairs = NULL;
  double *days = NULL;
  int rc = r->rules ? 0 : HR_ENOMEM;
  for (int run = 0; run < b->nruns && !rc; run++) {
    const bt_run *R = &b->runs[run];
    size_t npairs = 0;
    for (size_t k = 0; k < R->n; k++)
      npairs += R->alerts[k].nchildren;
    uint64_t *np = realloc(pairs, (npairs ? npairs : 1) * sizeof *pairs);
    double *nd = np ? realloc(days, (R->n ? R->n : 1) * sizeof *days) : NULL;
    if (np) pairs = np;
    if (nd) days = nd;
    if (!np || !nd) {
      rc = HR_ENOMEM;
      break;
    }
    /* Cells and plain counts. */
    for (size_t k = 0; k < R->n && !rc; k++) {
      const bt_alert *x = &R->alerts[k];
      char key[64];
      int32_t w = iso_week(x->t);
      int kl = snprintf(key, sizeof key, "%u|%u|%d", x->rule, x->la, w);
      int ins;
      uint32_t *slot = hr_map_upsert(&cells, key, (size_t)kl, (uint32_t)r->ncells, &ins);
      if (!slot) {
        rc = HR_ENOMEM;
        break;
      }
      if (ins) {
        if (r->ncells == cap) {
          cap = cap ? cap * 2 : 256;
          cell *nc = realloc(r->cells, cap * sizeof *nc);
          if (!nc) {
            rc = HR_ENOMEM;
            break;
          }
          r->cells = nc;
        }
        r->cells[r->ncells++] = (cell){x->rule, x->la, w, {0, 0}, {0, 0}, 0, 0};
      }
      cell *c = &r->cells[*slot];
      c->n[run]++;
      r->rules[x->rule].n[run]++;
      if (!in_other(b, run, x)) {
        if (run == 0)
          c->added++, r->rules[x->rule].added++;
        else
          c->removed++, r->rules[x->rule].removed++;
      }
    }
    if (rc) break;
    /* Distinct children per cell. */
    size_t np2 = 0;
    for (size_t k = 0; k < R->n; k++) {
      const bt_alert *x = &R->alerts[k];
      char key[64];
      int kl = snprintf(key, sizeof key, "%u|%u|%d", x->rule, x->la, iso_week(x->t));
      uint64_t ci = hr_map_get(&cells, key, (size_t)kl);
      for (uint32_t j = 0; j < x->nchildren; j++)
        pairs[np2++] = ci << 32 | b->child_refs[x->child0 + j];
    }
    qsort(pairs, np2, sizeof *pairs, cmp_u64);
    for (size_t i = 0; i < np2; i++)
      if (i == 0 || pairs[i] != pairs[i - 1]) r->cells[pairs[i] >> 32].children[run]++;
    /* Distinct children per rule, and children alerted by more than one rule. */
    np2 = 0;
    for (size_t k = 0; k < R->n; k++)
      for (uint32_t j = 0; j < R->alerts[k].nchildren; j++)
        pairs[np2++] = (uint64_t)b->child_refs[R->alerts[k].child0 + j] << 32 | R->alerts[k].rule;
    qsort(pairs, np2, sizeof *pairs, cmp_u64);
    size_t distinct_rules = 0;
    for (size_t i = 0; i < np2; i++) {
      if (i && pairs[i] == pairs[i - 1]) continue;
      r->rules[pairs[i] & 0xffffffffu].children[run]++;
      int new_child = i == 0 || (pairs[i] >> 32) != (pairs[i - 1] >> 32);
      if (new_child) {
        r->alerted[run]++;
        distinct_rules = 0;
      }
      if (++distinct_rules == 2) r->multi[run]++;
    }
    /* Days from first adversity to the alert, per rule. */
    for (size_t rule = 0; rule < r->nrules; rule++) {
      size_t nd2 = 0;
      for (size_t k = 0; k < R->n; k++)
        if (R->alerts[k].rule == rule && R->alerts[k].adversity != BT_NO_TIME)
          days[nd2++] = (double)(R->alerts[k].t - R->alerts[k].adversity) / 86400e6;
      qsort(days, nd2, sizeof *days, cmp_double);
      r->rules[rule].timed[run] = nd2;
      r->rules[rule].med[run] = pct(days, nd2, 0.5);
      r->rules[rule].p90[run] = pct(days, nd2, 0.9);
    }
  }
  free(pairs);
  free(days);
  hr_map_free(&cells);
  if (!rc && r->ncells) qsort(r->cells, r->ncells, sizeof *r->cells, cmp_cell);
  return rc;
}

static void report_free(report *r) {
  free(r->cells);
  free(r->rules);
}

static void week_str(int32_t w, char *out) {
  sprintf(out, "%04d-W%02d", w / 100, w % 100);
}

static void date_str(int64_t t, char *out) {
  if (!t) {
    strcpy(out, "(open)");
    return;
  }
  hr_format_date(hr_uk_local_date(t), out);
}

static double share(uint64_t a, uint64_t b) {
  return b ? (double)a / (double)b : 0.0;
}

/* ---- text --------------------------------------------------------------------------------- */

static void text_alert(const hr_backtest *b, const bt_alert *x, FILE *out) {
  char when[HR_ISO_MAX];
  hr_format_uk_instant(x->t, when);
  fprintf(out, "  %s  %-24s %-9s %.16s  children: ", x->id, hr__bt_str(&b->rules, x->rule),
          hr__bt_str(&b->strings, x->la), when);
  for (uint32_t j = 0; j < x->nchildren; j++)
    fprintf(out, "%s%s", j ? ", " : "", hr__bt_str(&b->children, b->child_refs[x->child0 + j]));
  if (!x->nchildren) fputs("none", out);
  if (x->subject != BT_NONE) fprintf(out, "; adult: %s", hr__bt_str(&b->strings, x->subject));
  fprintf(out, "\n      why: %s\n      evidence: %s\n", hr__bt_str(&b->strings, x->why),
          hr__bt_str(&b->strings, x->evidence));
}

static void list_changes(const hr_backtest *b, int run, FILE *out) {
  const bt_run *R = &b->runs[run];
  for (size_t k = 0; k < R->n; k++)
    if (!in_other(b, run, &R->alerts[k])) text_alert(b, &R->alerts[k], out);
}

int hr_backtest_write_text(const hr_backtest *b, FILE *out) {
  report r;
  if (build(b, &r)) return HR_ENOMEM;
  int two = b->nruns == 2;
  char from[16], to[16];
  date_str(b->from, from);
  date_str(b->until, to);
  const hr_backtest_figures *f = &b->fig;
  fprintf(out, "Backtest of %s over the archive %s, alerts raised from %s to %s (UK dates, to excluded)\n",
          b->runs[0].path, b->archive_dir, from, to);
  if (two) fprintf(out, "Baseline: %s\n", b->runs[1].path);
  fprintf(out,
          "Replayed %llu archived records (%llu events, %llu register records) in %.2f s (%.2f s of CPU): %.0f "
          "events/s\n\n",
          (unsigned long long)f->records, (unsigned long long)f->events, (unsigned long long)f->register_records,
          f->seconds, f->cpu_seconds, f->seconds > 0 ? (double)f->events / f->seconds : 0.0);
  fprintf(out, "%-26s %8s %8s", "rule", "alerts", "children");
  if (two) fprintf(out, " %9s %8s %7s %7s", "baseline", "children", "added", "removed");
  fprintf(out, "   days from first adversity to alert: median  p90 (alerts)\n");
  for (size_t i = 0; i < r.nrules; i++) {
    const rule_sum *s = &r.rules[i];
    fprintf(out, "%-26s %8llu %8llu", hr__bt_str(&b->rules, (uint32_t)i), (unsigned long long)s->n[0],
            (unsigned long long)s->children[0]);
    if (two)
      fprintf(out, " %9llu %8llu %+7lld %7lld", (unsigned long long)s->n[1], (unsigned long long)s->children[1],
              (long long)s->added, -(long long)s->removed);
    if (!b->adversity_known)
      fprintf(out, "   (not known: the probe rules did not compile with this pack)\n");
    else if (s->timed[0])
      fprintf(out, "   %37.1f %5.1f (%llu)\n", s->med[0], s->p90[0], (unsigned long long)s->timed[0]);
    else
      fprintf(out, "   %37s\n", "-");
  }
  fprintf(out, "\nChildren alerted: %llu; by more than one rule: %llu (%.1f%%)", (unsigned long long)r.alerted[0],
          (unsigned long long)r.multi[0], 100 * share(r.multi[0], r.alerted[0]));
  if (two)
    fprintf(out, "; baseline: %llu, %llu (%.1f%%)", (unsigned long long)r.alerted[1], (unsigned long long)r.multi[1],
            100 * share(r.multi[1], r.alerted[1]));
  fprintf(out, "\n\nPer rule, LA and ISO week:\n%-26s %-10s %-8s %7s %8s", "rule", "LA", "week", "alerts", "children");
  if (two) fprintf(out, " %9s %8s %7s %7s", "baseline", "children", "added", "removed");
  fputc('\n', out);
  for (size_t i = 0; i < r.ncells; i++) {
    const cell *c = &r.cells[i];
    char w[16];
    week_str(c->week, w);
    fprintf(out, "%-26s %-10s %-8s %7llu %8llu", hr__bt_str(&b->rules, c->rule), hr__bt_str(&b->strings, c->la), w,
            (unsigned long long)c->n[0], (unsigned long long)c->children[0]);
    if (two)
      fprintf(out, " %9llu %8llu %+7lld %7lld", (unsigned long long)c->n[1], (unsigned long long)c->children[1],
              (long long)c->added, -(long long)c->removed);
    fputc('\n', out);
  }
  if (two) {
    fprintf(out, "\nAlerts the change removes (%llu): raised with the baseline, not with the new pack\n",
            (unsigned long long)f->removed);
    list_changes(b, 1, out);
    fprintf(out, "\nAlerts the change adds (%llu): raised with the new pack, not with the baseline\n",
            (unsigned long long)f->added);
    list_changes(b, 0, out);
  }
  report_free(&r);
  return ferror(out) ? HR_EIO : 0;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_alert(const hr_backtest *b, const bt_alert *x, hr_buf *o) {
  char when[HR_ISO_MAX];
  hr_format_uk_instant(x->t, when);
  hr_buf_puts(o, "{\"alert_id\":");
  hr_buf_json_cstr(o, x->id);
  hr_buf_puts(o, ",\"rule\":");
  hr_buf_json_cstr(o, hr__bt_str(&b->rules, x->rule));
  hr_buf_puts(o, ",\"la\":");
  hr_buf_json_cstr(o, hr__bt_str(&b->strings, x->la));
  hr_buf_puts(o, ",\"raised_at\":");
  hr_buf_json_cstr(o, when);
  hr_buf_puts(o, ",\"children\":[");
  for (uint32_t j = 0; j < x->nchildren; j++) {
    if (j) hr_buf_putc(o, ',');
    hr_buf_json_cstr(o, hr__bt_str(&b->children, b->child_refs[x->child0 + j]));
  }
  hr_buf_puts(o, "],\"subject\":");
  if (x->subject == BT_NONE)
    hr_buf_puts(o, "null");
  else
    hr_buf_json_cstr(o, hr__bt_str(&b->strings, x->subject));
  hr_buf_puts(o, ",\"why\":");
  hr_buf_json_cstr(o, hr__bt_str(&b->strings, x->why));
  hr_buf_puts(o, ",\"evidence\":");
  hr_buf_json_cstr(o, hr__bt_str(&b->strings, x->evidence));
  if (x->adversity != BT_NO_TIME)
    hr_buf_printf(o, ",\"days_from_first_adversity\":%.3f", (double)(x->t - x->adversity) / 86400e6);
  hr_buf_putc(o, '}');
}

static void json_changes(const hr_backtest *b, int run, hr_buf *o) {
  const bt_run *R = &b->runs[run];
  int first = 1;
  hr_buf_putc(o, '[');
  for (size_t k = 0; k < R->n; k++)
    if (!in_other(b, run, &R->alerts[k])) {
      if (!first) hr_buf_putc(o, ',');
      first = 0;
      json_alert(b, &R->alerts[k], o);
    }
  hr_buf_putc(o, ']');
}

int hr_backtest_write_json(const hr_backtest *b, FILE *out) {
  report r;
  if (build(b, &r)) return HR_ENOMEM;
  int two = b->nruns == 2;
  hr_buf o = {0};
  char from[16], to[16];
  date_str(b->from, from);
  date_str(b->until, to);
  const hr_backtest_figures *f = &b->fig;
  hr_buf_puts(&o, "{\"archive\":");
  hr_buf_json_cstr(&o, b->archive_dir);
  hr_buf_puts(&o, ",\"from\":");
  hr_buf_json_cstr(&o, b->from ? from : NULL);
  hr_buf_puts(&o, ",\"to\":");
  hr_buf_json_cstr(&o, b->until ? to : NULL);
  for (int i = 0; i < b->nruns; i++) {
    hr_buf_puts(&o, i ? ",\"baseline\":{\"path\":" : ",\"rules\":{\"path\":");
    hr_buf_json_cstr(&o, b->runs[i].path);
    hr_buf_puts(&o, ",\"pack\":");
    hr_buf_json_cstr(&o, b->runs[i].name);
    hr_buf_puts(&o, ",\"sha256\":");
    hr_buf_json_cstr(&o, b->runs[i].checksum);
    hr_buf_putc(&o, '}');
  }
  hr_buf_printf(&o,
                ",\"figures\":{\"records\":%llu,\"events\":%llu,\"register_records\":%llu,\"undecodable\":%llu,"
                "\"seconds\":%.6f,\"events_per_s\":%.0f,\"cpu_seconds\":%.6f,\"events_per_cpu_s\":%.0f}",
                (unsigned long long)f->records, (unsigned long long)f->events, (unsigned long long)f->register_records,
                (unsigned long long)f->undecodable, f->seconds, f->seconds > 0 ? (double)f->events / f->seconds : 0.0,
                f->cpu_seconds, f->cpu_seconds > 0 ? (double)f->events / f->cpu_seconds : 0.0);
  hr_buf_printf(&o, ",\"alerts\":%llu", (unsigned long long)f->alerts_new);
  if (two)
    hr_buf_printf(&o, ",\"baseline_alerts\":%llu,\"added\":%llu,\"removed\":%llu",
                  (unsigned long long)f->alerts_baseline, (unsigned long long)f->added, (unsigned long long)f->removed);
  hr_buf_printf(&o, ",\"children_alerted\":%llu,\"children_alerted_by_more_than_one_rule\":%llu,\"share\":%.6f",
                (unsigned long long)r.alerted[0], (unsigned long long)r.multi[0], share(r.multi[0], r.alerted[0]));
  if (two)
    hr_buf_printf(&o,
                  ",\"baseline_children_alerted\":%llu,\"baseline_children_alerted_by_more_than_one_rule\":%llu,"
                  "\"baseline_share\":%.6f",
                  (unsigned long long)r.alerted[1], (unsigned long long)r.multi[1], share(r.multi[1], r.alerted[1]));
  hr_buf_printf(&o, ",\"adversity_known\":%s,\"by_rule\":[", b->adversity_known ? "true" : "false");
  for (size_t i = 0; i < r.nrules; i++) {
    const rule_sum *s = &r.rules[i];
    if (i) hr_buf_putc(&o, ',');
    hr_buf_puts(&o, "{\"rule\":");
    hr_buf_json_cstr(&o, hr__bt_str(&b->rules, (uint32_t)i));
    hr_buf_printf(&o, ",\"alerts\":%llu,\"children\":%llu", (unsigned long long)s->n[0],
                  (unsigned long long)s->children[0]);
    if (two)
      hr_buf_printf(&o, ",\"baseline_alerts\":%llu,\"baseline_children\":%llu,\"added\":%llu,\"removed\":%llu",
                    (unsigned long long)s->n[1], (unsigned long long)s->children[1], (unsigned long long)s->added,
                    (unsigned long long)s->removed);
    hr_buf_printf(&o, ",\"days_from_first_adversity\":{\"alerts\":%llu", (unsigned long long)s->timed[0]);
    if (s->timed[0]) hr_buf_printf(&o, ",\"median\":%.3f,\"p90\":%.3f", s->med[0], s->p90[0]);
    hr_buf_puts(&o, "}}");
  }
  hr_buf_puts(&o, "],\"by_rule_la_week\":[");
  for (size_t i = 0; i < r.ncells; i++) {
    const cell *c = &r.cells[i];
    char w[16];
    week_str(c->week, w);
    if (i) hr_buf_putc(&o, ',');
    hr_buf_puts(&o, "{\"rule\":");
    hr_buf_json_cstr(&o, hr__bt_str(&b->rules, c->rule));
    hr_buf_puts(&o, ",\"la\":");
    hr_buf_json_cstr(&o, hr__bt_str(&b->strings, c->la));
    hr_buf_printf(&o, ",\"week\":\"%s\",\"alerts\":%llu,\"children\":%llu", w, (unsigned long long)c->n[0],
                  (unsigned long long)c->children[0]);
    if (two)
      hr_buf_printf(&o, ",\"baseline_alerts\":%llu,\"baseline_children\":%llu,\"added\":%llu,\"removed\":%llu",
                    (unsigned long long)c->n[1], (unsigned long long)c->children[1], (unsigned long long)c->added,
                    (unsigned long long)c->removed);
    hr_buf_putc(&o, '}');
  }
  hr_buf_putc(&o, ']');
  if (two) {
    hr_buf_puts(&o, ",\"removed_alerts\":");
    json_changes(b, 1, &o);
    hr_buf_puts(&o, ",\"added_alerts\":");
    json_changes(b, 0, &o);
  }
  hr_buf_puts(&o, "}\n");
  int rc = o.oom ? HR_ENOMEM : fwrite(o.data, 1, o.len, out) == o.len ? 0 : HR_EIO;
  hr_buf_free(&o);
  report_free(&r);
  return rc;
}

/* ---- HTML --------------------------------------------------------------------------------- */

static void html_text(hr_buf *o, const char *s) {
  for (; *s; s++)
    switch (*s) {
    case '<': hr_buf_puts(o, "&lt;"); break;
    case '>': hr_buf_puts(o, "&gt;"); break;
    case '&': hr_buf_puts(o, "&amp;"); break;
    case '"': hr_buf_puts(o, "&quot;"); break;
    default: hr_buf_putc(o, *s);
    }
}

/* Alerts per ISO week of one rule (all LAs), new pack beside the baseline, as SVG bars. */
static void html_chart(const hr_backtest *b, const report *r, uint32_t rule, hr_buf *o) {
  int32_t weeks[128];
  uint64_t n[128][2];
  size_t nw = 0;
  uint64_t max = 1;
  for (size_t i = 0; i < r->ncells; i++) {
    const cell *c = &r->cells[i];
    if (c->rule != rule) continue;
    size_t k = 0;
    while (k < nw && weeks[k] != c->week)
      k++;
    if (k == nw) {
      if (nw == 128) continue;
      weeks[nw] = c->week;
      n[nw][0] = n[nw][1] = 0;
      nw++;
    }
    n[k][0] += c->n[0];
    n[k][1] += c->n[1];
  }
  for (size_t i = 1; i < nw; i++) /* weeks in order */
    for (size_t j = i; j > 0 && weeks[j - 1] > weeks[j]; j--) {
      int32_t tw = weeks[j];
      weeks[j] = weeks[j - 1];
      weeks[j - 1] = tw;
      uint64_t t0 = n[j][0], t1 = n[j][1];
      n[j][0] = n[j - 1][0], n[j][1] = n[j - 1][1];
      n[j - 1][0] = t0, n[j - 1][1] = t1;
    }
  for (size_t k = 0; k < nw; k++)
    for (int run = 0; run < 2; run++)
      if (n[k][run] > max) max = n[k][run];
  const int H = 160, bw = 10, gap = 8, left = 40;
  int width = left + (int)nw * (2 * bw + gap) + 10;
  hr_buf_printf(o, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'>",
                width < 300 ? 300 : width, H + 40);
  hr_buf_printf(o, "<text x='0' y='12' font-size='11'>%llu</text><text x='0' y='%d' font-size='11'>0</text>",
                (unsigned long long)max, H + 10);
  hr_buf_printf(o, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#888'/>", left - 4, H + 10, width, H + 10);
  for (size_t k = 0; k < nw; k++) {
    int x = left + (int)k * (2 * bw + gap);
    for (int run = 0; run < b->nruns; run++) {
      int h = (int)((double)n[k][run] / (double)max * H);
      hr_buf_printf(o, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'><title>%04d-W%02d: %llu</title></rect>",
                    x + run * bw, H + 10 - h, bw, h, run ? "#bbbbbb" : "#1f5fa8", weeks[k] / 100, weeks[k] % 100,
                    (unsigned long long)n[k][run]);
    }
    if (k % 4 == 0) hr_buf_printf(o, "<text x='%d' y='%d' font-size='10'>W%02d</text>", x, H + 26, weeks[k] % 100);
  }
  hr_buf_puts(o, "</svg>");
}

static void html_changes(const hr_backtest *b, int run, hr_buf *o) {
  const bt_run *R = &b->runs[run];
  hr_buf_puts(o, "<table><tr><th>alert</th><th>rule</th><th>LA</th><th>raised</th><th>children</th><th>adult</th>"
                 "<th>why</th><th>evidence</th></tr>");
  for (size_t k = 0; k < R->n; k++) {
    const bt_alert *x = &R->alerts[k];
    if (in_other(b, run, x)) continue;
    char when[HR_ISO_MAX];
    hr_format_uk_instant(x->t, when);
    hr_buf_printf(o, "<tr><td><code>%s</code></td><td>", x->id);
    html_text(o, hr__bt_str(&b->rules, x->rule));
    hr_buf_puts(o, "</td><td>");
    html_text(o, hr__bt_str(&b->strings, x->la));
    hr_buf_printf(o, "</td><td>%.16s</td><td>", when);
    for (uint32_t j = 0; j < x->nchildren; j++) {
      if (j) hr_buf_puts(o, ", ");
      html_text(o, hr__bt_str(&b->children, b->child_refs[x->child0 + j]));
    }
    hr_buf_puts(o, "</td><td>");
    html_text(o, hr__bt_str(&b->strings, x->subject));
    hr_buf_puts(o, "</td><td>");
    html_text(o, hr__bt_str(&b->strings, x->why));
    hr_buf_puts(o, "</td><td>");
    html_text(o, hr__bt_str(&b->strings, x->evidence));
    hr_buf_puts(o, "</td></tr>");
  }
  hr_buf_puts(o, "</table>");
}

int hr_backtest_write_html(const hr_backtest *b, FILE *out) {
  report r;
  if (build(b, &r)) return HR_ENOMEM;
  int two = b->nruns == 2;
  hr_buf o = {0};
  char from[16], to[16];
  date_str(b->from, from);
  date_str(b->until, to);
  hr_buf_puts(&o, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Hearth rule backtest</title>"
                  "<style>body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse;"
                  "margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
                  "td.n{text-align:right}.new{color:#1f5fa8}.base{color:#888}</style></head><body>\n");
  hr_buf_puts(&o, "<h1>Rule backtest</h1><p>New pack <code>");
  html_text(&o, b->runs[0].path);
  hr_buf_puts(&o, "</code>");
  if (two) {
    hr_buf_puts(&o, " against the baseline <code>");
    html_text(&o, b->runs[1].path);
    hr_buf_puts(&o, "</code>");
  }
  hr_buf_puts(&o, ", over the archive <code>");
  html_text(&o, b->archive_dir);
  hr_buf_printf(&o, "</code>: alerts raised from %s to %s (UK dates, the last excluded). %llu events replayed.</p>",
                from, to, (unsigned long long)b->fig.events);
  hr_buf_printf(&o, "<p>Children alerted: %llu, by more than one rule: %llu (%.1f%%)", (unsigned long long)r.alerted[0],
                (unsigned long long)r.multi[0], 100 * share(r.multi[0], r.alerted[0]));
  if (two)
    hr_buf_printf(&o, "; with the baseline: %llu, %llu (%.1f%%)", (unsigned long long)r.alerted[1],
                  (unsigned long long)r.multi[1], 100 * share(r.multi[1], r.alerted[1]));
  hr_buf_puts(&o, ".</p><h2>Per rule</h2><table><tr><th>rule</th><th>alerts</th><th>children</th>");
  if (two) hr_buf_puts(&o, "<th>baseline</th><th>children</th><th>added</th><th>removed</th>");
  hr_buf_puts(&o, "<th>days from first adversity: median</th><th>p90</th></tr>");
  for (size_t i = 0; i < r.nrules; i++) {
    const rule_sum *s = &r.rules[i];
    hr_buf_puts(&o, "<tr><td>");
    html_text(&o, hr__bt_str(&b->rules, (uint32_t)i));
    hr_buf_printf(&o, "</td><td class=n>%llu</td><td class=n>%llu</td>", (unsigned long long)s->n[0],
                  (unsigned long long)s->children[0]);
    if (two)
      hr_buf_printf(&o, "<td class=n>%llu</td><td class=n>%llu</td><td class=n>%llu</td><td class=n>%llu</td>",
                    (unsigned long long)s->n[1], (unsigned long long)s->children[1], (unsigned long long)s->added,
                    (unsigned long long)s->removed);
    if (s->timed[0])
      hr_buf_printf(&o, "<td class=n>%.1f</td><td class=n>%.1f</td></tr>", s->med[0], s->p90[0]);
    else
      hr_buf_puts(&o, "<td>-</td><td>-</td></tr>");
  }
  hr_buf_puts(&o, "</table><h2>Alerts per ISO week</h2><p><span class=new>&#9632; new pack</span>");
  if (two) hr_buf_puts(&o, " <span class=base>&#9632; baseline</span>");
  hr_buf_puts(&o, "</p>");
  for (size_t i = 0; i < r.nrules; i++) {
    hr_buf_puts(&o, "<h3>");
    html_text(&o, hr__bt_str(&b->rules, (uint32_t)i));
    hr_buf_puts(&o, "</h3>");
    html_chart(b, &r, (uint32_t)i, &o);
  }
  hr_buf_puts(&o, "<h2>Per rule, LA and ISO week</h2><table><tr><th>rule</th><th>LA</th><th>week</th><th>alerts</th>"
                  "<th>children</th>");
  if (two) hr_buf_puts(&o, "<th>baseline</th><th>children</th><th>added</th><th>removed</th>");
  hr_buf_puts(&o, "</tr>");
  for (size_t i = 0; i < r.ncells; i++) {
    const cell *c = &r.cells[i];
    char w[16];
    week_str(c->week, w);
    hr_buf_puts(&o, "<tr><td>");
    html_text(&o, hr__bt_str(&b->rules, c->rule));
    hr_buf_puts(&o, "</td><td>");
    html_text(&o, hr__bt_str(&b->strings, c->la));
    hr_buf_printf(&o, "</td><td>%s</td><td class=n>%llu</td><td class=n>%llu</td>", w, (unsigned long long)c->n[0],
                  (unsigned long long)c->children[0]);
    if (two)
      hr_buf_printf(&o, "<td class=n>%llu</td><td class=n>%llu</td><td class=n>%llu</td><td class=n>%llu</td>",
                    (unsigned long long)c->n[1], (unsigned long long)c->children[1], (unsigned long long)c->added,
                    (unsigned long long)c->removed);
    hr_buf_puts(&o, "</tr>");
  }
  hr_buf_puts(&o, "</table>");
  if (two) {
    hr_buf_printf(&o, "<h2>Alerts the change removes (%llu)</h2>", (unsigned long long)b->fig.removed);
    html_changes(b, 1, &o);
    hr_buf_printf(&o, "<h2>Alerts the change adds (%llu)</h2>", (unsigned long long)b->fig.added);
    html_changes(b, 0, &o);
  }
  hr_buf_puts(&o, "</body></html>\n");
  int rc = o.oom ? HR_ENOMEM : fwrite(o.data, 1, o.len, out) == o.len ? 0 : HR_EIO;
  hr_buf_free(&o);
  report_free(&r);
  return rc;
}

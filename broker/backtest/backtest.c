/* backtest: running the archive through the core with the new pack and the baseline (backtest.h).
 *
 * Cost: each archived record is checked (CRC) and decoded once (hr_decode.h: into an arena reset
 * per record, no malloc or free per string), then applied to one engine, which runs the new
 * pack and, over the same facts, the baseline (hr_engine_also_run): identity, the family graph
 * and the facts are paid for once, the rules once per pack.
 *
 * Adversity: a child's first adversity is when a carer of theirs started custody, an inpatient
 * mental-health spell or NRPF status (the starts the reference rules call adversity). The
 * engine does not report facts, and the backtest must not look inside it, so the new pack is
 * compiled together with three probe rules that fire on exactly those starts for every adult
 * with a child; their alerts give the children reached and the time, and are not reported. The
 * probes are separate rules with their own ids: they change no other rule's alerts or ids. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "backtest_int.h"
#include "hr_decode.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"

#define PROBE_PREFIX "zz_backtest_probe_"

static const char probe_rules[] = "\n# --- added by hearth rules backtest: adversity probes (not reported) ---\n"
                                  "rule zz_backtest_probe_custody {\n"
                                  "  description \"backtest probe: a carer of children starts custody\"\n"
                                  "  version 1\n  severity low\n  on custody_start\n  when children >= 1\n"
                                  "  alert per subject, episode, la\n  route front_door\n  explain \"probe\"\n}\n"
                                  "rule zz_backtest_probe_mh {\n"
                                  "  description \"backtest probe: a carer of children starts a mental-health spell\"\n"
                                  "  version 1\n  severity low\n  on mh_spell_start\n  when children >= 1\n"
                                  "  alert per subject, episode, la\n  route front_door\n  explain \"probe\"\n}\n"
                                  "rule zz_backtest_probe_nrpf {\n"
                                  "  description \"backtest probe: a carer of children starts NRPF status\"\n"
                                  "  version 1\n  severity low\n  on nrpf_begins\n  when children >= 1\n"
                                  "  alert per subject, episode, la\n  route front_door\n  explain \"probe\"\n}\n";

uint32_t hr__bt_intern(hr_map *m, const char *s) {
  int ins;
  uint32_t *v = hr_map_upsert(m, s, strlen(s), m->n, &ins);
  return v ? *v : BT_NONE;
}

/* ---- packs -------------------------------------------------------------------------------- */

static char *slurp_text(const char *path, size_t *len, char *err, size_t errsz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errsz, "%s: cannot open", path);
    return NULL;
  }
  hr_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hr_buf_append(&b, chunk, n);
  fclose(f);
  hr_buf_putc(&b, '\0');
  if (b.oom) {
    hr_buf_free(&b);
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  *len = b.len - 1;
  return b.data;
}

/* The pack as the user wrote it (its errors are reported as theirs), and for the new pack the
 * same text with the probes after it (*with_probes; NULL if the probes do not compile). */
static hr_rulepack *load_pack(const char *path, int probes, hr_rulepack **with_probes, char *err, size_t errsz) {
  size_t len;
  char *text = slurp_text(path, &len, err, errsz);
  if (!text) return NULL;
  hr_rulepack *p = hr_rulepack_compile(text, len, path, err, errsz);
  if (p && probes) {
    hr_buf b = {0};
    hr_buf_append(&b, text, len);
    hr_buf_puts(&b, probe_rules);
    char perr[512];
    *with_probes = b.oom ? NULL : hr_rulepack_compile(b.data, b.len, path, perr, sizeof perr);
    hr_buf_free(&b);
  }
  free(text);
  return p;
}

/* ---- alerts ------------------------------------------------------------------------------- */

typedef struct capture {
  hr_backtest *b;
  int run;
  const hr_backtest_opts *o;
  const char *checksum; /* of the user's pack, written on the alerts instead of the probes' */
  hr_buf line, scratch;
  int oom;
} capture;

static const char *feed_name(int f) {
  static const char *const names[] = {"?", "custody", "inpatient", "attendance", "nrpf"};
  return f >= 1 && f <= 4 ? names[f] : "?";
}

static void note_adversity(capture *c, const Hearth__V1__Alert *a) {
  hr_backtest *b = c->b;
  for (size_t i = 0; i < a->n_children; i++) {
    uint32_t ch = hr__bt_intern(&b->children, a->children[i]);
    if (ch == BT_NONE) {
      c->oom = 1;
      return;
    }
    if (ch >= b->cap_adv) {
      size_t cap = b->cap_adv ? b->cap_adv * 2 : 1024;
      while (cap <= ch)
        cap *= 2;
      int64_t *n = realloc(b->first_adversity, cap * sizeof *n);
      if (!n) {
        c->oom = 1;
        return;
      }
      for (size_t k = b->cap_adv; k < cap; k++)
        n[k] = BT_NO_TIME;
      b->first_adversity = n;
      b->cap_adv = cap;
    }
    if (b->first_adversity[ch] == BT_NO_TIME || a->raised_at_us < b->first_adversity[ch])
      b->first_adversity[ch] = a->raised_at_us;
  }
}

static void on_alert(void *ud, const Hearth__V1__Alert *a) {
  capture *c = ud;
  hr_backtest *b = c->b;
  if (strncmp(a->rule_id, PROBE_PREFIX, sizeof PROBE_PREFIX - 1) == 0) {
    note_adversity(c, a);
    return;
  }
  if (a->raised_at_us < b->from || (b->until && a->raised_at_us >= b->until)) return;
  bt_run *r = &b->runs[c->run];
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    bt_alert *n = realloc(r->alerts, cap * sizeof *n);
    if (!n) {
      c->oom = 1;
      return;
    }
    r->alerts = n;
    r->cap = cap;
  }
  bt_alert *x = &r->alerts[r->n];
  memset(x, 0, sizeof *x);
  snprintf(x->id, sizeof x->id, "%s", a->alert_id);
  x->rule = hr__bt_intern(&b->rules, a->rule_id);
  x->la = hr__bt_intern(&b->strings, a->la_code ? a->la_code : "");
  x->t = a->raised_at_us;
  x->subject = a->subject && *a->subject ? hr__bt_intern(&b->strings, a->subject) : BT_NONE;
  x->why = hr__bt_intern(&b->strings, a->explanation ? a->explanation : "");
  x->adversity = BT_NO_TIME;
  hr_buf_reset(&c->scratch);
  for (size_t i = 0; i < a->n_evidence; i++) {
    const Hearth__V1__Evidence *ev = a->evidence[i];
    char when[HR_ISO_MAX];
    hr_format_uk_instant(ev->event_time_us, when);
    hr_buf_printf(&c->scratch, "%s%s %s (%s) at %s", i ? "; " : "", feed_name(ev->feed),
                  ev->record_id ? ev->record_id : "", ev->detail ? ev->detail : "", when);
  }
  hr_buf_putc(&c->scratch, '\0');
  x->evidence = c->scratch.oom ? BT_NONE : hr__bt_intern(&b->strings, c->scratch.data);
  x->child0 = (uint32_t)b->nrefs;
  x->nchildren = (uint32_t)a->n_children;
  if (b->nrefs + a->n_children > b->cap_refs) {
    size_t cap = b->cap_refs ? b->cap_refs * 2 : 4096;
    while (cap < b->nrefs + a->n_children)
      cap *= 2;
    uint32_t *n = realloc(b->child_refs, cap * sizeof *n);
    if (!n) {
      c->oom = 1;
      return;
    }
    b->child_refs = n;
    b->cap_refs = cap;
  }
  for (size_t i = 0; i < a->n_children; i++)
    b->child_refs[b->nrefs++] = hr__bt_intern(&b->children, a->children[i]);
  int ins;
  uint32_t *slot = hr_map_upsert(&r->ids, x->id, strlen(x->id), (uint32_t)r->n, &ins);
  if (x->rule == BT_NONE || x->la == BT_NONE || x->why == BT_NONE || !slot) c->oom = 1;
  r->n++;
  if (c->run == 0 && c->o->alerts) {
    /* As hearth replay writes it, with the user's pack checksum rather than the probes'. */
    Hearth__V1__Alert copy = *a;
    copy.rule_pack_checksum = (char *)c->checksum;
    hr_alert_to_json(&copy, &c->line);
    hr_buf_putc(&c->line, '\n');
    if (c->line.len > (1u << 20)) {
      fwrite(c->line.data, 1, c->line.len, c->o->alerts);
      hr_buf_reset(&c->line);
    }
  }
}

/* ---- the run ------------------------------------------------------------------------------ */

static void set_pack_meta(bt_run *r, const char *path, const hr_rulepack *p) {
  r->path = path;
  snprintf(r->checksum, sizeof r->checksum, "%s", hr_rulepack_checksum(p));
  snprintf(r->name, sizeof r->name, "%s", hr_rulepack_name(p) ? hr_rulepack_name(p) : "");
}

int hr_backtest_run(const hr_backtest_opts *o, hr_backtest **out, char *err, size_t errsz) {
  *out = NULL;
  hr_backtest *b = calloc(1, sizeof *b);
  if (!b) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  b->from = o->from_us;
  b->until = o->until_us;
  b->archive_dir = o->archive_dir;
  int rc = 0;
  hr_rulepack *packs[2] = {NULL, NULL}, *probed = NULL;
  hr_engine *engine = NULL;
  capture caps[2];
  memset(caps, 0, sizeof caps);
  hr_archive_reader *rd = NULL;
  hr_arena ar;
  if (hr_arena_init(&ar, 1u << 16)) {
    free(b);
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }

  if (!(packs[0] = load_pack(o->rules_path, 1, &probed, err, errsz))) {
    rc = HR_ERULES;
    goto done;
  }
  b->nruns = 1;
  if (o->baseline_path) {
    if (!(packs[1] = load_pack(o->baseline_path, 0, NULL, err, errsz))) {
      rc = HR_ERULES;
      goto done;
    }
    b->nruns = 2;
  }
  b->adversity_known = probed != NULL;
  /* Rule ids in pack order, new pack first: the report lists rules in this order. */
  for (int i = 0; i < b->nruns; i++)
    for (uint32_t k = 0; k < hr_rulepack_count(packs[i]); k++)
      hr__bt_intern(&b->rules, hr_rulepack_rule(packs[i], k)->id);
  set_pack_meta(&b->runs[0], o->rules_path, packs[0]);
  if (b->nruns == 2) set_pack_meta(&b->runs[1], o->baseline_path, packs[1]);
  /* One engine: the baseline pack runs over the same facts (hr_engine_also_run), so a
   * comparison pays for identity, the family graph and the facts once, and for rules twice. */
  for (int i = 0; i < b->nruns; i++)
    caps[i] = (capture){.b = b, .run = i, .o = o, .checksum = b->runs[i].checksum};
  if (!(engine = hr_engine_new(&o->engine, probed ? probed : packs[0], err, errsz)) ||
      (b->nruns == 2 && hr_engine_also_run(engine, packs[1], on_alert, &caps[1]))) {
    if (engine) snprintf(err, errsz, "out of memory");
    rc = HR_ENOMEM;
    goto done;
  }
  if (!(rd = hr_archive_reader_new(o->archive_dir, 0, o->until_us, err, errsz))) {
    rc = HR_EIO;
    goto done;
  }

  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  hr_archive_record rec;
  int got;
  while ((got = hr_archive_reader_next(rd, &rec)) == 1) {
    b->fig.records++;
    hr_arena_reset(&ar);
    if (rec.kind == HR_ARCHIVE_REGISTER) {
      Hearth__V1__RegisterRecord *reg =
          (Hearth__V1__RegisterRecord *)hr_decode(&hearth__v1__register_record__descriptor, rec.data, rec.len, &ar);
      if (!reg) {
        b->fig.undecodable++;
        continue;
      }
      b->fig.register_records++;
      if (hr_engine_register(engine, reg) == HR_ENOMEM) rc = HR_ENOMEM;
    } else {
      Hearth__V1__AgencyEvent *ev =
          (Hearth__V1__AgencyEvent *)hr_decode(&hearth__v1__agency_event__descriptor, rec.data, rec.len, &ar);
      if (!ev) {
        b->fig.undecodable++;
        continue;
      }
      b->fig.events++;
      if (hr_engine_apply(engine, ev, on_alert, &caps[0]) == HR_ENOMEM) rc = HR_ENOMEM;
    }
    if (rc || ar.oom || caps[0].oom || caps[1].oom) {
      snprintf(err, errsz, "out of memory at %08u.seg offset %llu", rec.segment, (unsigned long long)rec.offset);
      rc = HR_ENOMEM;
      goto done;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  b->fig.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  b->fig.cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
  if (got < 0) {
    snprintf(err, errsz, "%s", hr_archive_reader_error(rd));
    rc = got;
    goto done;
  }
  if (o->alerts && caps[0].line.len && fwrite(caps[0].line.data, 1, caps[0].line.len, o->alerts) != caps[0].line.len) {
    snprintf(err, errsz, "could not write the alerts");
    rc = HR_EIO;
    goto done;
  }
  /* Adversity before each alert: the first over the whole run, when it is not after the alert
   * (the earliest is the first before the alert whenever there is one before it). */
  for (int i = 0; i < b->nruns; i++)
    for (size_t k = 0; k < b->runs[i].n; k++) {
      bt_alert *x = &b->runs[i].alerts[k];
      for (uint32_t c = 0; c < x->nchildren; c++) {
        uint32_t ch = b->child_refs[x->child0 + c];
        int64_t adv = ch < b->cap_adv ? b->first_adversity[ch] : BT_NO_TIME;
        if (adv != BT_NO_TIME && adv <= x->t && (x->adversity == BT_NO_TIME || adv < x->adversity)) x->adversity = adv;
      }
    }
  b->fig.alerts_new = b->runs[0].n;
  if (b->nruns == 2) {
    b->fig.alerts_baseline = b->runs[1].n;
    for (size_t k = 0; k < b->runs[0].n; k++)
      if (hr_map_get(&b->runs[1].ids, b->runs[0].alerts[k].id, strlen(b->runs[0].alerts[k].id)) == HR_MAP_NONE)
        b->fig.added++;
    for (size_t k = 0; k < b->runs[1].n; k++)
      if (hr_map_get(&b->runs[0].ids, b->runs[1].alerts[k].id, strlen(b->runs[1].alerts[k].id)) == HR_MAP_NONE)
        b->fig.removed++;
  }

done:
  hr_engine_free(engine);
  for (int i = 0; i < 2; i++) {
    hr_buf_free(&caps[i].line);
    hr_buf_free(&caps[i].scratch);
    hr_rulepack_free(packs[i]);
  }
  hr_rulepack_free(probed);
  hr_archive_reader_free(rd);
  hr_arena_free(&ar);
  if (rc) {
    hr_backtest_free(b);
    return rc;
  }
  *out = b;
  return 0;
}

void hr_backtest_free(hr_backtest *b) {
  if (!b) return;
  hr_map_free(&b->strings);
  hr_map_free(&b->rules);
  hr_map_free(&b->children);
  for (int i = 0; i < 2; i++) {
    free(b->runs[i].alerts);
    hr_map_free(&b->runs[i].ids);
  }
  free(b->child_refs);
  free(b->first_adversity);
  free(b);
}

void hr_backtest_figures_get(const hr_backtest *b, hr_backtest_figures *out) {
  *out = b->fig;
}

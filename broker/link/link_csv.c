/* link_csv: batch linkage of CSV tables (`hearth link`), for evaluation on public benchmarks and
 * for a local authority's data team. Works on buffers: the command line reads and writes files.
 * The same comparison, blocking and scoring code as the broker's tier, nothing of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "link.h"

#define MAX_COLS 256
#define CELL_MAX 256

void hr_link_table_free(hr_link_table *t) {
  if (!t) return;
  if (t->ids)
    for (uint32_t i = 0; i < t->n; i++)
      free(t->ids[i]);
  free(t->ids);
  free(t->recs);
  memset(t, 0, sizeof *t);
}

static void cell(const hr_csv *c, const hr_csv_row *row, size_t i, char *out, size_t cap) {
  out[0] = '\0';
  if (i >= row->nfields || i >= row->cap) return;
  const char *s;
  size_t n;
  hr_csv_field_trimmed(c, &row->fields[i], &s, &n);
  if (n >= cap) n = cap - 1;
  if (row->fields[i].escaped) {
    char tmp[CELL_MAX];
    memcpy(tmp, s, n);
    n = hr_csv_unescape(tmp, n, out);
  } else {
    memcpy(out, s, n);
  }
  out[n] = '\0';
}

int hr_link_table_load(hr_link_table *t, const char *data, size_t len, const char *const *maps, int nmaps,
                       const char *id_column, char *errstr, size_t errstr_size) {
  memset(t, 0, sizeof *t);
  if (nmaps > HR_LINK_MAX_MAPS) {
    snprintf(errstr, errstr_size, "at most %d --map options", HR_LINK_MAX_MAPS);
    return HR_EPARSE;
  }
  hr_csv c;
  hr_csv_init(&c, data, len);
  hr_csv_field *fields = calloc(MAX_COLS, sizeof *fields);
  if (!fields) return HR_ENOMEM;
  hr_csv_row row = {.fields = fields, .cap = MAX_COLS};
  int rc = 0;
  int col_of_map[HR_LINK_MAX_MAPS];
  hr_link_field field_of_map[HR_LINK_MAX_MAPS];
  int id_col = 0;
  if (!hr_csv_next(&c, &row)) {
    snprintf(errstr, errstr_size, "empty file: a header row is needed");
    rc = HR_EPARSE;
    goto out;
  }
  for (int m = 0; m < nmaps; m++) {
    const char *eq = strchr(maps[m], '=');
    if (!eq || eq == maps[m] || hr_link_field_from_name(eq + 1, &field_of_map[m])) {
      snprintf(errstr, errstr_size,
               "--map %s: expected COLUMN=FIELD, FIELD one of given, family, dob, postcode, sex, "
               "ident, address",
               maps[m]);
      rc = HR_EPARSE;
      goto out;
    }
    col_of_map[m] = -1;
    for (size_t i = 0; i < row.nfields && i < row.cap; i++) {
      char name[CELL_MAX];
      cell(&c, &row, i, name, sizeof name);
      if (strlen(name) == (size_t)(eq - maps[m]) && memcmp(name, maps[m], (size_t)(eq - maps[m])) == 0)
        col_of_map[m] = (int)i;
    }
    if (col_of_map[m] < 0) {
      snprintf(errstr, errstr_size, "--map %s: no column '%.*s' in the header", maps[m], (int)(eq - maps[m]), maps[m]);
      rc = HR_EPARSE;
      goto out;
    }
    t->used[field_of_map[m]] = 1;
  }
  if (id_column) {
    id_col = -1;
    for (size_t i = 0; i < row.nfields && i < row.cap; i++) {
      char name[CELL_MAX];
      cell(&c, &row, i, name, sizeof name);
      if (strcmp(name, id_column) == 0) id_col = (int)i;
    }
    if (id_col < 0) {
      snprintf(errstr, errstr_size, "--id %s: no such column in the header", id_column);
      rc = HR_EPARSE;
      goto out;
    }
  }
  uint32_t cap = 0;
  while (hr_csv_next(&c, &row)) {
    if (hr_csv_row_blank(&c, &row)) continue;
    if (t->n == cap) {
      uint32_t nc = cap ? cap * 2 : 1024;
      hr_link_rec *r = realloc(t->recs, (size_t)nc * sizeof *r);
      if (!r) {
        rc = HR_ENOMEM;
        goto out;
      }
      t->recs = r;
      char **ids = realloc(t->ids, (size_t)nc * sizeof *ids);
      if (!ids) {
        rc = HR_ENOMEM;
        goto out;
      }
      t->ids = ids;
      cap = nc;
    }
    char vals[HR_LF_COUNT][CELL_MAX];
    hr_link_input in;
    memset(&in, 0, sizeof in);
    for (int f = 0; f < HR_LF_COUNT; f++)
      vals[f][0] = '\0';
    for (int m = 0; m < nmaps; m++) {
      char v[CELL_MAX];
      cell(&c, &row, (size_t)col_of_map[m], v, sizeof v);
      if (!v[0]) continue;
      char *dst = vals[field_of_map[m]];
      size_t dl = strlen(dst);
      snprintf(dst + dl, CELL_MAX - dl, "%s%s", dl ? " " : "", v);
    }
    for (int f = 0; f < HR_LF_COUNT; f++) {
      in.field[f] = vals[f];
      in.len[f] = strlen(vals[f]);
    }
    hr_link_rec_make(&in, &t->recs[t->n]);
    char id[CELL_MAX];
    cell(&c, &row, (size_t)id_col, id, sizeof id);
    if (!(t->ids[t->n] = strdup(id))) {
      rc = HR_ENOMEM;
      goto out;
    }
    t->n++;
  }
out:
  free(fields);
  if (rc) hr_link_table_free(t);
  return rc;
}

static void levels_text(const hr_link_params *p, const hr_link_levels *lv, hr_buf *out) {
  int first = 1;
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p->use[f]) continue;
    uint8_t l = lv->level[f];
    hr_buf_printf(out, "%s%s=%s", first ? "" : ";", hr_link_field_name((hr_link_field)f),
                  hr_link_level_name((hr_link_field)f, l == HR_LINK_NULL ? -1 : l));
    first = 0;
  }
}

static void csv_cell(hr_buf *out, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    hr_buf_puts(out, s);
    return;
  }
  hr_buf_putc(out, '"');
  for (; *s; s++) {
    if (*s == '"') hr_buf_putc(out, '"');
    hr_buf_putc(out, *s);
  }
  hr_buf_putc(out, '"');
}

static void pair_out(const hr_link_params *p, const char *a, const char *b, const hr_link_score *s, int tied,
                     hr_buf *out, hr_link_batch_stats *st) {
  hr_link_decision d = hr_link_decide(p, s->total);
  if (tied && d == HR_LINK_MATCH) d = HR_LINK_REVIEW; /* two records at the link weight: which one? */
  csv_cell(out, a);
  hr_buf_putc(out, ',');
  csv_cell(out, b);
  hr_buf_printf(out, ",%.3f,%.6f,%s,", s->total, hr_link_probability(s->total), hr_link_decision_name(d));
  levels_text(p, &s->lv, out);
  hr_buf_putc(out, '\n');
  st->pairs_out++;
  if (d == HR_LINK_MATCH) st->links++;
  if (d == HR_LINK_REVIEW) st->reviews++;
}

int hr_link_batch(const hr_link_params *p, const hr_link_table *left, const hr_link_table *right, int all_pairs,
                  hr_buf *out, hr_link_batch_stats *st) {
  memset(st, 0, sizeof *st);
  const hr_link_table *side = right ? right : left;
  hr_link_index *ix = hr_link_index_new();
  hr_link_match *best = malloc(HR_LINK_CANDIDATE_CAP * sizeof *best);
  int rc = ix && best ? 0 : HR_ENOMEM;
  for (uint32_t i = 0; rc == 0 && i < side->n; i++)
    rc = hr_link_index_put(ix, i, &side->recs[i]);
  hr_buf_puts(out, "left_id,right_id,weight,probability,decision,levels\n");
  /* The prior of a pair: the trained one, else one in the size of the other side (each record
   * has at most about one match there). */
  hr_link_params q = *p;
  if (q.prior <= 0) q.prior = 1.0 / (double)(side->n > 1 ? side->n : 2);
  for (uint32_t i = 0; rc == 0 && i < left->n; i++) {
    uint32_t ncand = 0;
    /* Linkage keeps the best right record; the second tells whether it is the only one at the
     * link weight (else it goes to review, as the broker's tier leaves it unmatched). */
    int best_only = right && !all_pairs;
    uint32_t k = best_only ? 2 : HR_LINK_CANDIDATE_CAP;
    uint32_t nb = hr_link_index_lookup(ix, &q, &left->recs[i], best, k, &ncand);
    int tied = best_only && nb == 2 && hr_link_tied(&q, best[0].score.total, best[1].score.total);
    if (best_only && nb > 1) nb = 1;
    st->queries++;
    st->candidates += ncand;
    if (ncand > st->max_candidates) st->max_candidates = ncand;
    for (uint32_t b = 0; b < nb; b++) {
      if (best[b].score.total < q.review_weight) break; /* sorted: the rest are lower */
      if (!right && best[b].id <= i) continue;          /* dedup: each pair once, never itself */
      pair_out(&q, left->ids[i], side->ids[best[b].id], &best[b].score, tied, out, st);
    }
  }
  if (out->oom) rc = HR_ENOMEM;
  free(best);
  hr_link_index_free(ix);
  return rc;
}

/* hearth link: batch linkage and dedup of CSV files, training of the model's parameters, and the
 * lookup benchmark. Options, file reading and timing here; the work in broker/link. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "link.h"

static const char usage_link[] =
    "usage: hearth link --left FILE [--right FILE] --map COLUMN=FIELD... --out FILE\n"
    "                   [--id COLUMN] [--right-map COLUMN=FIELD]... [--right-id COLUMN]\n"
    "                   [--params FILE | --train] [--seed N] [--all-pairs]\n"
    "                   [--link-weight W] [--review-weight W]\n"
    "       hearth link train (--register DIR [--events FILE --map COLUMN=FIELD...] |\n"
    "                          --left FILE [--right FILE] --map COLUMN=FIELD...)\n"
    "                   --out PARAMS [--seed N] [--samples N]\n"
    "       hearth link explain --register DIR [--params FILE] [--given G] [--family F] [--dob D]\n"
    "                   [--postcode P] [--sex S] [--top N]\n"
    "       hearth link explain --alert ID --alerts FILE\n"
    "       hearth link bench [--persons N] [--lookups N] [--seed N]\n"
    "\n"
    "Probabilistic record linkage (Fellegi-Sunter) with the engine the broker uses. With --right,\n"
    "links each record of --left to its best match in --right; without, finds the duplicates\n"
    "within --left. Writes CSV: left_id,right_id,weight,probability,decision,levels for every pair\n"
    "whose match weight reaches the review weight; decision is link, review or no_link.\n"
    "\n"
    "  --map C=F       column C of the header feeds field F: given, family, dob (YYYY-MM-DD,\n"
    "                  YYYYMMDD or DD/MM/YYYY), postcode, sex, ident (an identifier with typos),\n"
    "                  address (free text; several columns are joined). Only mapped fields count.\n"
    "  --id C          the column that names a record (default: the first)\n"
    "  --right-map C=F, --right-id C   the same for --right when its columns are named otherwise\n"
    "                  (default: --map and --id apply to both files)\n"
    "  --params FILE   m/u parameters from 'hearth link train'; default: built-in estimates\n"
    "  --train         estimate the parameters from the files themselves first (u from random\n"
    "                  pairs, m by expectation-maximisation over blocked pairs), seeded by --seed\n"
    "  --link-weight W, --review-weight W   decision thresholds on the match weight (log2 odds)\n"
    "  --all-pairs     with --right, every pair above the review weight, not only the best\n"
    "\n"
    "train writes the estimated parameters to PARAMS. --register DIR reads DIR/persons.csv\n"
    "(given_name, family_name, date_of_birth, postcode, sex); --events FILE is a CSV of the\n"
    "people agencies sent (columns mapped with --map), linked to the register to learn from.\n"
    "Without --events the register's own duplicates are used; a register with too few of them\n"
    "teaches nothing (EM then learns households) and train refuses to write the file.\n"
    "explain shows, for a person as an agency described them, the register's best candidates\n"
    "and, comparison by comparison, why each would or would not be linked, with the decision the\n"
    "broker's probabilistic tier would take (replay --link-params). With --alert, it says for\n"
    "that alert in FILE (alerts as JSON lines) how each record that raised it was linked to its\n"
    "subject: by the exact rules, by comparing details, or by a reviewer's decision.\n"
    "bench times lookups of messy copies against a synthetic register on this core and prints\n"
    "one JSON line per figure.\n"
    "\n"
    "Exit status: 0 on success, 1 when an input could not be used, 2 for bad usage.\n";

char *hr_cli_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  hr_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hr_buf_append(&b, chunk, n);
  int bad = ferror(f) || b.oom;
  fclose(f);
  if (bad) {
    hr_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  if (!b.data) return calloc(1, 1);
  return b.data;
}

static int write_file(const char *path, const hr_buf *b) {
  FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
  if (!f) return -1;
  int bad = b->len && fwrite(b->data, 1, b->len, f) != b->len;
  if (f != stdout)
    bad |= fclose(f) != 0;
  else
    bad |= fflush(f) != 0;
  return bad ? -1 : 0;
}

static int load_table(const char *path, const char *const *maps, int nmaps, const char *id, hr_link_table *t) {
  size_t len;
  char *data = hr_cli_read_file(path, &len);
  if (!data) {
    fprintf(stderr, "hearth link: cannot read %s\n", path);
    return 1;
  }
  char err[512];
  int rc = hr_link_table_load(t, data, len, maps, nmaps, id, err, sizeof err);
  free(data);
  if (rc) {
    fprintf(stderr, "hearth link: %s: %s\n", path, rc == HR_ENOMEM ? "out of memory" : err);
    return 1;
  }
  if (t->n == 0) {
    fprintf(stderr, "hearth link: %s: no records after the header\n", path);
    hr_link_table_free(t);
    return 1;
  }
  return 0;
}

static int load_params(const char *path, hr_link_params *p) {
  size_t len;
  char *data = hr_cli_read_file(path, &len);
  if (!data) {
    fprintf(stderr, "hearth link: cannot read parameters %s\n", path);
    return 1;
  }
  char err[256];
  int rc = hr_link_params_read(p, data, len, err, sizeof err);
  free(data);
  if (rc) fprintf(stderr, "hearth link: %s: %s\n", path, err);
  return rc ? 1 : 0;
}

/* For other commands (replay --link-params): a parameters file, or "default". 0 or 1. */
int hr_cli_link_params_load(const char *path, hr_link_params *p) {
  if (strcmp(path, "default") == 0) {
    hr_link_params_default(p);
    return 0;
  }
  return load_params(path, p);
}

static int parse_u64(const char *s, uint64_t *v) {
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (!*s || *end || s[0] == '-') return -1;
  *v = x;
  return 0;
}

static int parse_double(const char *s, double *v) {
  char *end;
  *v = strtod(s, &end);
  return *s && !*end ? 0 : -1;
}

static void use_mapped(hr_link_params *p, const hr_link_table *a, const hr_link_table *b) {
  for (int f = 0; f < HR_LF_COUNT; f++)
    p->use[f] = a->used[f] && (!b || b->used[f]);
}

static int train(hr_link_params *p, const hr_link_table *l, const hr_link_table *r, uint64_t samples, uint64_t seed) {
  hr_link_train_stats ts;
  int rc = hr_link_train(p, l->recs, l->n, r ? r->recs : NULL, r ? r->n : 0, samples, seed, &ts);
  if (rc) {
    fprintf(stderr, "hearth link: training failed: %s\n", hr_strerror(rc));
    return 1;
  }
  fprintf(stderr,
          "hearth link: trained on %llu random pairs (u) and %llu blocked pairs (m: %d EM sessions, %d "
          "iterations); %.4f of the blocked pairs are matches; prior %.3g\n",
          (unsigned long long)ts.u_pairs, (unsigned long long)ts.em_pairs, ts.em_sessions, ts.em_iterations,
          ts.em_match_share, p->prior);
  return 0;
}

enum {
  O_LEFT = 256,
  O_RIGHT,
  O_MAP,
  O_OUT,
  O_ID,
  O_PARAMS,
  O_TRAIN,
  O_SEED,
  O_ALL,
  O_LW,
  O_RW,
  O_REG,
  O_SAMPLES,
  O_PERSONS,
  O_LOOKUPS,
  O_EVENTS,
  O_RMAP,
  O_RID,
  O_GIVEN,
  O_FAMILY,
  O_DOB,
  O_POSTCODE,
  O_SEX,
  O_TOP,
  O_HELP
};

static const struct option link_opts[] = {{"left", required_argument, 0, O_LEFT},
                                          {"right", required_argument, 0, O_RIGHT},
                                          {"map", required_argument, 0, O_MAP},
                                          {"out", required_argument, 0, O_OUT},
                                          {"id", required_argument, 0, O_ID},
                                          {"params", required_argument, 0, O_PARAMS},
                                          {"train", no_argument, 0, O_TRAIN},
                                          {"seed", required_argument, 0, O_SEED},
                                          {"all-pairs", no_argument, 0, O_ALL},
                                          {"link-weight", required_argument, 0, O_LW},
                                          {"review-weight", required_argument, 0, O_RW},
                                          {"register", required_argument, 0, O_REG},
                                          {"samples", required_argument, 0, O_SAMPLES},
                                          {"persons", required_argument, 0, O_PERSONS},
                                          {"lookups", required_argument, 0, O_LOOKUPS},
                                          {"events", required_argument, 0, O_EVENTS},
                                          {"right-map", required_argument, 0, O_RMAP},
                                          {"right-id", required_argument, 0, O_RID},
                                          {"given", required_argument, 0, O_GIVEN},
                                          {"family", required_argument, 0, O_FAMILY},
                                          {"dob", required_argument, 0, O_DOB},
                                          {"postcode", required_argument, 0, O_POSTCODE},
                                          {"sex", required_argument, 0, O_SEX},
                                          {"top", required_argument, 0, O_TOP},
                                          {"help", no_argument, 0, O_HELP},
                                          {0, 0, 0, 0}};

typedef struct link_args {
  const char *left, *right, *out, *id, *params, *reg, *events;
  const char *q_given, *q_family, *q_dob, *q_postcode, *q_sex;
  uint64_t top;
  const char *maps[HR_LINK_MAX_MAPS], *rmaps[HR_LINK_MAX_MAPS], *rid;
  int nrmaps;
  int nmaps, train, all_pairs, has_lw, has_rw;
  double lw, rw;
  uint64_t seed, samples, persons, lookups;
} link_args;

static int parse_args(int argc, char **argv, link_args *a) {
  memset(a, 0, sizeof *a);
  a->seed = 1;
  a->samples = 2000000;
  a->persons = 1000000;
  a->lookups = 200000;
  a->top = 3;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", link_opts, NULL)) != -1) {
    switch (c) {
    case O_LEFT: a->left = optarg; break;
    case O_RIGHT: a->right = optarg; break;
    case O_OUT: a->out = optarg; break;
    case O_ID: a->id = optarg; break;
    case O_PARAMS: a->params = optarg; break;
    case O_REG: a->reg = optarg; break;
    case O_EVENTS: a->events = optarg; break;
    case O_RID: a->rid = optarg; break;
    case O_RMAP:
      if (a->nrmaps == HR_LINK_MAX_MAPS) {
        fprintf(stderr, "hearth link: at most %d --right-map options\n", HR_LINK_MAX_MAPS);
        return 2;
      }
      a->rmaps[a->nrmaps++] = optarg;
      break;
    case O_GIVEN: a->q_given = optarg; break;
    case O_FAMILY: a->q_family = optarg; break;
    case O_DOB: a->q_dob = optarg; break;
    case O_POSTCODE: a->q_postcode = optarg; break;
    case O_SEX: a->q_sex = optarg; break;
    case O_TOP: {
      uint64_t v;
      if (parse_u64(optarg, &v) || v == 0 || v > 20) {
        fprintf(stderr, "hearth link: --top must be 1 to 20\n");
        return 2;
      }
      a->top = v;
      break;
    }
    case O_TRAIN: a->train = 1; break;
    case O_ALL: a->all_pairs = 1; break;
    case O_MAP:
      if (a->nmaps == HR_LINK_MAX_MAPS) {
        fprintf(stderr, "hearth link: at most %d --map options\n", HR_LINK_MAX_MAPS);
        return 2;
      }
      a->maps[a->nmaps++] = optarg;
      break;
    case O_SEED:
    case O_SAMPLES:
    case O_PERSONS:
    case O_LOOKUPS: {
      uint64_t v;
      if (parse_u64(optarg, &v) || (c != O_SEED && (v == 0 || v > 100000000))) {
        fprintf(stderr, "hearth link: bad number '%s'\n", optarg);
        return 2;
      }
      *(c == O_SEED ? &a->seed : c == O_SAMPLES ? &a->samples : c == O_PERSONS ? &a->persons : &a->lookups) = v;
      break;
    }
    case O_LW:
    case O_RW:
      if (parse_double(optarg, c == O_LW ? &a->lw : &a->rw)) {
        fprintf(stderr, "hearth link: bad weight '%s'\n", optarg);
        return 2;
      }
      *(c == O_LW ? &a->has_lw : &a->has_rw) = 1;
      break;
    case O_HELP: return -1;
    default: return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "hearth link: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  return 0;
}

static int cmd_link_batch(link_args *a) {
  if (!a->left || !a->out || a->nmaps == 0 || a->reg) {
    fprintf(stderr, "hearth link: --left, --map and --out are required\n\n%s", usage_link);
    return 2;
  }
  if (a->params && a->train) {
    fprintf(stderr, "hearth link: --params and --train exclude each other\n");
    return 2;
  }
  hr_link_params p;
  hr_link_params_default(&p);
  if (a->params && load_params(a->params, &p)) return 1;
  hr_link_table l = {0}, r = {0};
  if (load_table(a->left, a->maps, a->nmaps, a->id, &l)) return 1;
  if (a->right && load_table(a->right, a->nrmaps ? a->rmaps : a->maps, a->nrmaps ? a->nrmaps : a->nmaps,
                             a->rid ? a->rid : a->id, &r)) {
    hr_link_table_free(&l);
    return 1;
  }
  int rc = 0;
  if (!a->params) use_mapped(&p, &l, a->right ? &r : NULL);
  if (a->train && train(&p, &l, a->right ? &r : NULL, a->samples, a->seed)) rc = 1;
  if (a->has_lw) p.link_weight = a->lw;
  if (a->has_rw) p.review_weight = a->rw;
  if (!rc && p.review_weight > p.link_weight) {
    fprintf(stderr, "hearth link: --review-weight is above --link-weight\n");
    rc = 2;
  }
  hr_buf out = {0};
  hr_link_batch_stats st;
  if (!rc && hr_link_batch(&p, &l, a->right ? &r : NULL, a->all_pairs, &out, &st)) {
    fprintf(stderr, "hearth link: out of memory\n");
    rc = 1;
  }
  if (!rc && write_file(a->out, &out)) {
    fprintf(stderr, "hearth link: cannot write %s\n", a->out);
    rc = 1;
  }
  if (!rc)
    fprintf(stderr,
            "hearth link: %u left, %u right records; %llu pairs written (%llu link, %llu review); "
            "candidates per record %.1f mean, %llu max\n",
            l.n, a->right ? r.n : l.n, (unsigned long long)st.pairs_out, (unsigned long long)st.links,
            (unsigned long long)st.reviews, st.queries ? (double)st.candidates / (double)st.queries : 0.0,
            (unsigned long long)st.max_candidates);
  hr_buf_free(&out);
  hr_link_table_free(&l);
  hr_link_table_free(&r);
  return rc;
}

/* EM that found households instead of people: the same person's records would agree on their
 * birth date and given name far more often than this. */
static int plausible(const hr_link_params *p) {
  return (!p->use[HR_LF_DOB] || p->m[HR_LF_DOB][0] >= 0.5) && (!p->use[HR_LF_GIVEN] || p->m[HR_LF_GIVEN][0] >= 0.5);
}

static int cmd_link_train(link_args *a) {
  static const char *const reg_maps[] = {"given_name=given", "family_name=family", "date_of_birth=dob",
                                         "postcode=postcode", "sex=sex"};
  if (!a->out || (!a->reg && (!a->left || a->nmaps == 0)) || (a->reg && a->left) || (a->events && !a->reg) ||
      (a->events && a->nmaps == 0)) {
    fprintf(stderr,
            "hearth link train: --out and one of --register [--events FILE --map ...] or --left with --map "
            "are required\n\n%s",
            usage_link);
    return 2;
  }
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_table l = {0}, r = {0};
  int rc = 0, two = 0;
  if (a->reg) {
    char path[4096];
    snprintf(path, sizeof path, "%s/persons.csv", a->reg);
    if (a->events) { /* events on the left, the register on the right */
      rc = load_table(a->events, a->maps, a->nmaps, a->id, &l);
      if (!rc) rc = load_table(path, reg_maps, 5, "person_id", &r);
      two = 1;
    } else {
      rc = load_table(path, reg_maps, 5, "person_id", &l);
    }
  } else {
    rc = load_table(a->left, a->maps, a->nmaps, a->id, &l);
    if (!rc && a->right) rc = load_table(a->right, a->maps, a->nmaps, a->id, &r);
    two = a->right != NULL;
  }
  if (!rc) {
    use_mapped(&p, &l, two ? &r : NULL);
    rc = train(&p, &l, two ? &r : NULL, a->samples, a->seed);
  }
  if (!rc && !plausible(&p)) {
    fprintf(stderr,
            "hearth link train: the estimates are not plausible (m of an exact birth date %.2f, of an exact "
            "given name %.2f: EM found households, not people): the data has too few records of the same "
            "person; train with --events, or on a file with known duplicates\n",
            p.m[HR_LF_DOB][0], p.m[HR_LF_GIVEN][0]);
    rc = 1;
  }
  if (!rc) {
    if (a->has_lw) p.link_weight = a->lw;
    if (a->has_rw) p.review_weight = a->rw;
    hr_buf out = {0};
    hr_link_params_write(&p, &out);
    if (out.oom || write_file(a->out, &out)) {
      fprintf(stderr, "hearth link train: cannot write %s\n", a->out);
      rc = 1;
    }
    hr_buf_free(&out);
  }
  hr_link_table_free(&l);
  hr_link_table_free(&r);
  return rc;
}

typedef struct scored {
  uint32_t id;
  hr_link_score s;
} scored;

static int by_total_desc(const void *x, const void *y) {
  const scored *a = x, *b = y;
  if (a->s.total != b->s.total) return a->s.total < b->s.total ? 1 : -1;
  return a->id < b->id ? -1 : a->id > b->id;
}

static int cmd_link_explain(link_args *a) {
  static const char *const reg_maps[] = {"given_name=given", "family_name=family", "date_of_birth=dob",
                                         "postcode=postcode", "sex=sex"};
  if (!a->reg || (!a->q_given && !a->q_family && !a->q_dob && !a->q_postcode)) {
    fprintf(stderr,
            "hearth link explain: --register and at least one of --given, --family, --dob, --postcode are "
            "required\n\n%s",
            usage_link);
    return 2;
  }
  hr_link_params p;
  hr_link_params_default(&p);
  if (a->params && load_params(a->params, &p)) return 1;
  char path[4096];
  snprintf(path, sizeof path, "%s/persons.csv", a->reg);
  hr_link_table t = {0};
  if (load_table(path, reg_maps, 5, "person_id", &t)) return 1;
  hr_link_index *ix = hr_link_index_new();
  uint32_t *ids = malloc(HR_LINK_CANDIDATE_CAP * sizeof *ids);
  scored *sc = malloc(HR_LINK_CANDIDATE_CAP * sizeof *sc);
  int rc = ix && ids && sc ? 0 : 1;
  for (uint32_t i = 0; !rc && i < t.n; i++)
    rc = hr_link_index_put(ix, i, &t.recs[i]) ? 1 : 0;
  if (rc) {
    fprintf(stderr, "hearth link explain: out of memory\n");
  } else {
    hr_link_rec q;
    hr_link_rec_from(&q, a->q_given, a->q_family, a->q_dob, a->q_postcode, a->q_sex);
    int trunc;
    uint32_t n = hr_link_index_candidates(ix, &q, ids, HR_LINK_CANDIDATE_CAP, &trunc);
    double prior = p.prior > 0 ? p.prior : 1.0 / (double)t.n;
    for (uint32_t i = 0; i < n; i++) {
      const hr_link_rec *r = &t.recs[ids[i]];
      hr_link_levels lv;
      hr_link_compare(&q, r, &lv);
      double tf = lv.level[HR_LF_FAMILY] == 0 && p.tf_family ? hr_link_index_surname_freq(ix, r->family.full) : 0;
      sc[i].id = ids[i];
      hr_link_score_levels(&p, &lv, prior, tf, &sc[i].s);
    }
    qsort(sc, n, sizeof *sc, by_total_desc);
    int top_links = n && sc[0].s.total >= p.link_weight;
    int tied = top_links && n > 1 && hr_link_tied(&p, sc[0].s.total, sc[1].s.total);
    printf("%u register records share a blocking key with this person (same birth date, similar names with the "
           "birth year or day, postcode, or surname and initial nearby).\n",
           n);
    if (top_links && !tied)
      printf("Decision: linked to %s: at or above the link weight %+.1f, and clearly the best (the next record, "
             "if any, is below the link weight or %.1f lower).\n",
             t.ids[sc[0].id], p.link_weight, p.margin);
    else if (tied)
      printf("Decision: not linked: %s and %s both reach the link weight %+.1f within %.1f of each other, so it "
             "cannot tell which.\n",
             t.ids[sc[0].id], t.ids[sc[1].id], p.link_weight, p.margin);
    else if (n && sc[0].s.total >= p.review_weight)
      printf("Decision: not linked; the best record needs a person to review it (weight %+.1f, between %+.1f and "
             "%+.1f).\n",
             sc[0].s.total, p.review_weight, p.link_weight);
    else
      printf("Decision: not linked: no record comes close.\n");
    hr_buf out = {0};
    for (uint32_t i = 0; i < n && i < a->top; i++) {
      hr_buf_reset(&out);
      hr_link_explain(&p, &q, &t.recs[sc[i].id], &sc[i].s, &out);
      printf("\n%u. %s\n%s", i + 1, t.ids[sc[i].id], out.data ? out.data : "");
    }
    hr_buf_free(&out);
  }
  free(ids);
  free(sc);
  hr_link_index_free(ix);
  hr_link_table_free(&t);
  return rc;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmd_link_bench(link_args *a) {
  uint32_t n = (uint32_t)a->persons, q = (uint32_t)a->lookups;
  hr_link_params p;
  hr_link_params_default(&p);
  hr_link_index *ix = hr_link_index_new();
  hr_link_rec *queries = malloc((size_t)q * sizeof *queries);
  uint32_t *truth = malloc((size_t)q * sizeof *truth);
  if (!ix || !queries || !truth) {
    fprintf(stderr, "hearth link bench: out of memory\n");
    hr_link_index_free(ix);
    free(queries);
    free(truth);
    return 1;
  }
  double t0 = now_s();
  for (uint32_t i = 0; i < n; i++) {
    hr_link_gen g;
    hr_link_rec r;
    hr_link_gen_person(a->seed, i, &g);
    hr_link_gen_rec(&g, &r);
    if (hr_link_index_put(ix, i, &r)) {
      fprintf(stderr, "hearth link bench: out of memory at %u persons\n", i);
      hr_link_index_free(ix);
      free(queries);
      free(truth);
      return 1;
    }
  }
  double t_build = now_s() - t0;
  /* Queries: messy copies of random register persons, prepared before the clock starts (an
   * event's fields are normalised once by the connector, not per lookup). */
  for (uint32_t i = 0; i < q; i++) {
    uint32_t who = (uint32_t)(((uint64_t)(i * 2654435761u) ^ a->seed) % n);
    hr_link_gen g, m;
    hr_link_gen_person(a->seed, who, &g);
    hr_link_gen_messy(a->seed, i, &g, &m);
    hr_link_gen_rec(&m, &queries[i]);
    truth[i] = who;
  }
  hr_link_match best[4];
  uint64_t cand_total = 0, cand_max = 0, found = 0, linked = 0;
  uint32_t hist[5] = {0}; /* candidate set sizes: <=16, <=64, <=256, <=1024, more */
  t0 = now_s();
  for (uint32_t i = 0; i < q; i++) {
    uint32_t nc;
    uint32_t nb = hr_link_index_lookup(ix, &p, &queries[i], best, 1, &nc);
    cand_total += nc;
    if (nc > cand_max) cand_max = nc;
    hist[nc <= 16 ? 0 : nc <= 64 ? 1 : nc <= 256 ? 2 : nc <= 1024 ? 3 : 4]++;
    if (nb && best[0].id == truth[i]) {
      found++;
      if (hr_link_decide(&p, best[0].score.total) == HR_LINK_MATCH) linked++;
    }
  }
  double t_lookup = now_s() - t0;
  printf("{\"bench\":\"link\",\"metric\":\"lookups_per_s\",\"value\":%.0f,\"unit\":\"lookups/s\",\"persons\":%u,"
         "\"lookups\":%u,\"target\":100000}\n",
         (double)q / t_lookup, n, q);
  printf("{\"bench\":\"link\",\"metric\":\"candidates_mean\",\"value\":%.1f,\"unit\":\"records\",\"max\":%llu,"
         "\"cap\":%d,\"le16\":%u,\"le64\":%u,\"le256\":%u,\"le1024\":%u}\n",
         (double)cand_total / q, (unsigned long long)cand_max, HR_LINK_CANDIDATE_CAP, hist[0], hist[1], hist[2],
         hist[3]);
  printf("{\"bench\":\"link\",\"metric\":\"true_person_ranked_first\",\"value\":%.4f,\"unit\":\"fraction\","
         "\"linked_at_threshold\":%.4f,\"note\":\"messy copies, untrained default parameters\"}\n",
         (double)found / q, (double)linked / q);
  printf("{\"bench\":\"link\",\"metric\":\"index_build_s\",\"value\":%.2f,\"unit\":\"s\",\"persons\":%u}\n", t_build,
         n);
  printf("{\"bench\":\"link\",\"metric\":\"index_bytes_per_person\",\"value\":%.0f,\"unit\":\"bytes\"}\n",
         (double)hr_link_index_bytes(ix) / n);
  hr_link_index_free(ix);
  free(queries);
  free(truth);
  return 0;
}

int hr_cli_link(int argc, char **argv) {
  const char *sub = argc >= 2 ? argv[1] : "";
  int shift = strcmp(sub, "train") == 0 || strcmp(sub, "bench") == 0 || strcmp(sub, "explain") == 0;
  if (strcmp(sub, "explain") == 0)
    for (int i = 2; i < argc; i++)
      if (strcmp(argv[i], "--alert") == 0 || strncmp(argv[i], "--alert=", 8) == 0)
        return hr_cli_link_explain_alert(argc - 1, argv + 1);
  link_args a;
  int rc = parse_args(argc - shift, argv + shift, &a);
  if (rc == -1) {
    fputs(usage_link, stdout);
    return 0;
  }
  if (rc) {
    fputs(usage_link, stderr);
    return 2;
  }
  if (strcmp(sub, "train") == 0) return cmd_link_train(&a);
  if (strcmp(sub, "bench") == 0) return cmd_link_bench(&a);
  if (strcmp(sub, "explain") == 0) return cmd_link_explain(&a);
  return cmd_link_batch(&a);
}

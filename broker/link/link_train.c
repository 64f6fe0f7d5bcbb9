/* link_train: estimating the model from the data itself, as Splink does.
 *
 * u (how often different people agree by chance) comes from random pairs: almost every random
 * pair is two different people. m (how often the same person's records agree) cannot be
 * counted without knowing the matches, so it is estimated by expectation-maximisation over the
 * pairs the blocking keys bring together, with u held fixed: the E step gives each pair a match
 * probability from the current m, the M step re-estimates m (and the share of matches) from
 * those probabilities. Pairs with the same comparison vector are counted once with a weight,
 * so an iteration costs the number of distinct vectors, not of pairs.
 *
 * Randomness comes from a caller-given seed (splitmix64): the same data and seed give the same
 * parameters. No I/O, no clock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"
#include "hr_map.h"
#include "link.h"

#define EM_MAX_ITER 50
#define EM_TOL 1e-6
#define EM_MAX_QUERIES 200000 /* query records EM draws pairs for, at most */

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static uint32_t below(uint64_t *s, uint32_t n) {
  return (uint32_t)(((splitmix(s) >> 32) * (uint64_t)n) >> 32);
}

typedef struct pattern {
  hr_link_levels lv;
  double count;
} pattern;

typedef struct patterns {
  hr_map map; /* comparison vector bytes -> index */
  pattern *v;
  uint32_t n, cap;
} patterns;

static int pattern_add(patterns *ps, const hr_link_levels *lv) {
  int inserted = 0;
  uint32_t *slot = hr_map_upsert(&ps->map, lv->level, sizeof lv->level, ps->n, &inserted);
  if (!slot) return HR_ENOMEM;
  if (inserted) {
    if (ps->n == ps->cap) {
      uint32_t c = ps->cap ? ps->cap * 2 : 1024;
      pattern *v = realloc(ps->v, (size_t)c * sizeof *v);
      if (!v) return HR_ENOMEM;
      ps->v = v;
      ps->cap = c;
    }
    ps->v[ps->n].lv = *lv;
    ps->v[ps->n].count = 0;
    ps->n++;
  }
  ps->v[*slot].count += 1;
  return 0;
}

static void estimate_u(hr_link_params *p, const hr_link_rec *left, uint32_t nleft, const hr_link_rec *right,
                       uint32_t nright, uint64_t samples, uint64_t *rng) {
  double cnt[HR_LF_COUNT][HR_LINK_LEVELS] = {{0}};
  for (uint64_t s = 0; s < samples; s++) {
    uint32_t i = below(rng, nleft), j;
    if (right) {
      j = below(rng, nright);
    } else {
      j = below(rng, nleft - 1);
      if (j >= i) j++; /* never a record with itself */
    }
    hr_link_levels lv;
    hr_link_compare(&left[i], right ? &right[j] : &left[j], &lv);
    for (int f = 0; f < HR_LF_COUNT; f++)
      if (lv.level[f] != HR_LINK_NULL) cnt[f][lv.level[f]] += 1;
  }
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p->use[f]) continue;
    int nl = hr_link_nlevels((hr_link_field)f);
    double total = 0;
    for (int l = 0; l < nl; l++)
      total += cnt[f][l];
    if (total == 0) continue; /* never both present: keep what we had */
    /* Half a pair of pseudo-count: a level never seen in the sample is rare, not impossible. */
    for (int l = 0; l < nl; l++)
      p->u[f][l] = (cnt[f][l] + 0.5) / (total + 0.5 * nl);
  }
}

/* One EM run over the patterns with u fixed, estimating m of the fields in `est` only; returns
 * the iterations. */
static int em(hr_link_params *p, const uint8_t est[HR_LF_COUNT], const patterns *ps) {
  double lambda = 0.1;
  int it;
  for (it = 1; it <= EM_MAX_ITER; it++) {
    double num[HR_LF_COUNT][HR_LINK_LEVELS] = {{0}}, den[HR_LF_COUNT] = {0}, matches = 0, all = 0;
    for (uint32_t i = 0; i < ps->n; i++) {
      const pattern *pt = &ps->v[i];
      double lm = log(lambda), lu = log(1 - lambda);
      for (int f = 0; f < HR_LF_COUNT; f++) {
        uint8_t l = pt->lv.level[f];
        if (!est[f] || l == HR_LINK_NULL) continue;
        lm += log(p->m[f][l] > 1e-12 ? p->m[f][l] : 1e-12);
        lu += log(p->u[f][l] > 1e-12 ? p->u[f][l] : 1e-12);
      }
      double pm = 1 / (1 + exp(lu - lm)); /* P(match | vector) */
      double w = pm * pt->count;
      matches += w;
      all += pt->count;
      for (int f = 0; f < HR_LF_COUNT; f++) {
        uint8_t l = pt->lv.level[f];
        if (!est[f] || l == HR_LINK_NULL) continue;
        num[f][l] += w;
        den[f] += w;
      }
    }
    double change = 0;
    for (int f = 0; f < HR_LF_COUNT; f++) {
      if (!est[f] || den[f] <= 0) continue;
      int nl = hr_link_nlevels((hr_link_field)f);
      for (int l = 0; l < nl; l++) {
        double m = (num[f][l] + 0.01) / (den[f] + 0.01 * nl);
        change = fmax(change, fabs(m - p->m[f][l]));
        p->m[f][l] = m;
      }
    }
    double nl = all > 0 ? matches / all : lambda;
    change = fmax(change, fabs(nl - lambda));
    lambda = nl > 1e-9 ? (nl < 1 - 1e-9 ? nl : 1 - 1e-9) : 1e-9;
    if (change < EM_TOL) break;
  }
  return it > EM_MAX_ITER ? EM_MAX_ITER : it;
}

/* Pairs brought together by one kind of blocking key (0: any), as patterns. */
static int blocked_patterns(hr_link_index *ix, const hr_link_rec *left, uint32_t nleft, const hr_link_rec *side,
                            int dedup, char key_type, uint32_t step, uint32_t *ids, patterns *ps, uint64_t *pairs) {
  int rc = 0;
  for (uint32_t i = 0; rc == 0 && i < nleft; i += step) {
    int truncated;
    uint32_t n = hr_link_index_candidates_by(ix, &left[i], key_type, ids, HR_LINK_CANDIDATE_CAP, &truncated);
    for (uint32_t c = 0; rc == 0 && c < n; c++) {
      if (dedup && ids[c] <= i) continue; /* each unordered pair once, never itself */
      hr_link_levels lv;
      hr_link_compare(&left[i], &side[ids[c]], &lv);
      rc = pattern_add(ps, &lv);
      (*pairs)++;
    }
  }
  return rc;
}

/* Pairs that agree exactly on both names (not a blocking key of the index: training only). */
static int name_patterns(const hr_link_rec *left, uint32_t nleft, const hr_link_rec *side, uint32_t nside, int dedup,
                         uint32_t step, patterns *ps, uint64_t *pairs) {
  hr_map heads;
  memset(&heads, 0, sizeof heads);
  uint32_t *next = malloc((size_t)nside * sizeof *next);
  int rc = next ? 0 : HR_ENOMEM;
  char key[2 * HR_LINK_NAME_MAX + 1];
  for (uint32_t j = 0; rc == 0 && j < nside; j++) {
    const hr_link_rec *r = &side[j];
    next[j] = UINT32_MAX;
    if (!r->given.len || !r->family.len) continue;
    int n = snprintf(key, sizeof key, "%s|%s", r->given.full, r->family.full);
    int inserted;
    uint32_t *head = hr_map_upsert(&heads, key, (size_t)n, j, &inserted);
    if (!head) {
      rc = HR_ENOMEM;
      break;
    }
    if (!inserted) { /* push in front */
      next[j] = *head;
      *head = j;
    }
  }
  for (uint32_t i = 0; rc == 0 && i < nleft; i += step) {
    const hr_link_rec *q = &left[i];
    if (!q->given.len || !q->family.len) continue;
    int n = snprintf(key, sizeof key, "%s|%s", q->given.full, q->family.full);
    uint32_t j = hr_map_get(&heads, key, (size_t)n);
    for (int read = 0; rc == 0 && j != UINT32_MAX && read < HR_LINK_BLOCK_CAP; j = next[j], read++) {
      if (dedup && j <= i) continue;
      hr_link_levels lv;
      hr_link_compare(q, &side[j], &lv);
      rc = pattern_add(ps, &lv);
      (*pairs)++;
    }
  }
  free(next);
  hr_map_free(&heads);
  return rc;
}

static void patterns_free(patterns *ps) {
  free(ps->v);
  hr_map_free(&ps->map);
  memset(ps, 0, sizeof *ps);
}

/* Sessions, as Splink trains: blocking on a field makes every blocked pair agree on it, so m of
 * that field cannot be learnt from those pairs; each session leaves its blocking fields out and
 * learns the others. Birth date, and both names, together cover every field. Not postcode:
 * pairs sharing a postcode are mostly households (same surname, other people), and EM then
 * learns "same household" instead of "same person". */
static const struct {
  char key; /* an index key kind, or 'X': both names exactly */
  uint8_t skip[HR_LF_COUNT];
} sessions[] = {
    {'D', {[HR_LF_DOB] = 1}},
    {'X', {[HR_LF_GIVEN] = 1, [HR_LF_FAMILY] = 1}},
};

int hr_link_train(hr_link_params *p, const hr_link_rec *left, uint32_t nleft, const hr_link_rec *right, uint32_t nright,
                  uint64_t u_samples, uint64_t seed, hr_link_train_stats *stats) {
  memset(stats, 0, sizeof *stats);
  if (nleft < 2 || (right && nright < 1)) return HR_EINVAL;
  uint64_t rng = seed;
  estimate_u(p, left, nleft, right, nright, u_samples, &rng);
  stats->u_pairs = u_samples;

  const hr_link_rec *side = right ? right : left;
  uint32_t nside = right ? nright : nleft;
  hr_link_index *ix = hr_link_index_new();
  uint32_t *ids = malloc(HR_LINK_CANDIDATE_CAP * sizeof *ids);
  int rc = ix && ids ? 0 : HR_ENOMEM;
  for (uint32_t i = 0; rc == 0 && i < nside; i++)
    rc = hr_link_index_put(ix, i, &side[i]);
  /* Queries: all of left, or an evenly spread sample of it when it is large. */
  uint32_t step = nleft > EM_MAX_QUERIES ? (nleft + EM_MAX_QUERIES - 1) / EM_MAX_QUERIES : 1;

  double msum[HR_LF_COUNT][HR_LINK_LEVELS] = {{0}};
  int mn[HR_LF_COUNT] = {0};
  for (size_t s = 0; rc == 0 && s < sizeof sessions / sizeof sessions[0]; s++) {
    patterns ps;
    memset(&ps, 0, sizeof ps);
    uint64_t pairs = 0;
    if (sessions[s].key == 'X')
      rc = name_patterns(left, nleft, side, nside, !right, step, &ps, &pairs);
    else
      rc = blocked_patterns(ix, left, nleft, side, !right, sessions[s].key, step, ids, &ps, &pairs);
    if (rc == 0 && pairs > 0) {
      hr_link_params q = *p;
      uint8_t est[HR_LF_COUNT];
      for (int f = 0; f < HR_LF_COUNT; f++)
        est[f] = p->use[f] && !sessions[s].skip[f];
      stats->em_iterations += em(&q, est, &ps);
      stats->em_sessions++;
      stats->em_pairs += pairs;
      for (int f = 0; f < HR_LF_COUNT; f++)
        if (est[f]) {
          for (int l = 0; l < HR_LINK_LEVELS; l++)
            msum[f][l] += q.m[f][l];
          mn[f]++;
        }
    }
    patterns_free(&ps);
  }
  if (rc == 0 && stats->em_sessions == 0) rc = HR_EINVAL;
  if (rc == 0) {
    for (int f = 0; f < HR_LF_COUNT; f++)
      if (mn[f])
        for (int l = 0; l < HR_LINK_LEVELS; l++)
          p->m[f][l] = msum[f][l] / mn[f];
    /* The prior: with m and u fixed, EM on the share of matches among all pairs, taking the
     * pairs no blocking key brings together as non-matches. */
    patterns ps;
    memset(&ps, 0, sizeof ps);
    uint64_t pairs = 0;
    rc = blocked_patterns(ix, left, nleft, side, !right, 0, step, ids, &ps, &pairs);
    if (rc == 0 && pairs > 0) {
      double all = right ? (double)nleft * (double)nright : (double)nleft * (double)(nleft - 1) / 2;
      all *= (double)((nleft + step - 1) / step) / (double)nleft; /* the pairs the queries saw */
      double lambda = 1.0 / (double)nside, expected = 0;
      for (int it = 0; it < EM_MAX_ITER; it++) {
        expected = 0;
        for (uint32_t i = 0; i < ps.n; i++) {
          double lr = log(lambda) - log(1 - lambda);
          for (int f = 0; f < HR_LF_COUNT; f++) {
            uint8_t l = ps.v[i].lv.level[f];
            if (!p->use[f] || l == HR_LINK_NULL) continue;
            lr += log(p->m[f][l] > 1e-12 ? p->m[f][l] : 1e-12) - log(p->u[f][l] > 1e-12 ? p->u[f][l] : 1e-12);
          }
          expected += ps.v[i].count / (1 + exp(-lr));
        }
        double nl = expected / all;
        nl = nl > 1e-12 ? (nl < 0.5 ? nl : 0.5) : 1e-12;
        int done = fabs(nl - lambda) < lambda * 1e-4;
        lambda = nl;
        if (done) break;
      }
      p->prior = lambda;
      stats->em_match_share = expected / (double)pairs;
    }
    patterns_free(&ps);
    hr_link_params_prepare(p);
  }
  free(ids);
  hr_link_index_free(ix);
  return rc;
}

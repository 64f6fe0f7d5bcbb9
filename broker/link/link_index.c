/* link_index: a register of prepared person records with blocking indexes, kept up to date one
 * record at a time, and the bounded candidate lookup the probabilistic tier runs per event.
 *
 * Blocking: a record is filed under up to HR_LINK_MAX_KEYS keys, each built from different
 * fields, so that a typo in one field still leaves the true record reachable through another:
 *   D  date of birth                                   (names misspelt, moved house)
 *   N  Soundex of both names (sorted) year of birth    (day or month wrong; names swapped)
 *   M  Soundex of both names (sorted) month and day    (year wrong)
 *   P  postcode                                        (birth date wrong)
 *   S  family name, given initial, postcode district   (given name and birth date wrong)
 *   I  identifier, when the record has one
 *   A  the first two words of the address (house number, street), when there is one
 * A block is a contiguous array of postings, oldest first (a block of one keeps it inline: most
 * name keys are nearly unique). A lookup reads at most HR_LINK_BLOCK_CAP postings of a block,
 * newest first, and HR_LINK_CANDIDATE_CAP candidates in all, so a common name or a shared
 * birthday cannot make one lookup slow. Removal takes the record's postings out again (its keys
 * are recomputed from its stored fields).
 *
 * Each posting carries a 20-byte summary of its record (birth date, sex, postcode, 16-bit hashes
 * of the names), so a lookup
 * bounds every candidate's weight without touching the record, then compares names for the
 * candidates in order of that bound and stops when no bound can beat the best found (branch
 * and bound): most lookups compare names with one or two records.
 *
 * Surname frequencies for the term-frequency adjustment are counted here, as records come and go.
 * Pure: no I/O, no clock. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"
#include "hr_map.h"
#include "link.h"

/* A posting: the record id and what the cheap comparisons need. meta bits: 0-8 year - 1799
 * (0 unknown), 9-12 month, 13-17 day, 18-19 sex (0 unknown, 1 M, 2 F), 20-23 postcode length,
 * 24 UK shape, 25-27 outward length, 28-29 area length, 30 postcode longer than 8 (the record
 * must be read). */
typedef struct posting {
  uint32_t id;
  uint32_t meta;
  char pc[8];        /* the normalised postcode's first 8 bytes, zero padded */
  uint16_t given_h;  /* 16 bits of a hash of the given name, odd; 0 when missing */
  uint16_t family_h; /* the same for the family name */
} posting;

/* Names differ for sure when these differ: the bound can then leave out an exact match. */
static uint16_t name_h16(const hr_link_name *n) {
  return n->len ? (uint16_t)(hr_hash_bytes(n->full, n->len) | 1u) : 0;
}

typedef struct block {
  uint32_t n, cap; /* cap 1: the posting is inline */
  union {
    posting one;
    posting *v;
  } u;
} block;

static posting *block_postings(block *b) {
  return b->cap <= 1 ? &b->u.one : b->u.v;
}

typedef struct bslot {
  uint64_t h; /* 0 = empty */
  uint32_t block;
  uint32_t unused;
} bslot;

struct hr_link_index {
  hr_link_rec *recs; /* by id */
  uint8_t *present;
  uint32_t cap, n;
  /* Blocking key -> block number, by a 64-bit hash of the key: one cache line per probe and no
   * key bytes kept. Two keys with the same hash (about 1 in 10^12 at a million records) would
   * share a block: more candidates, never a wrong score. */
  bslot *bslots;
  uint32_t nbslots; /* power of two, 0 before the first key */
  block *blk;
  uint32_t nblocks, cap_blocks;
  uint64_t npostings;
  hr_map surnames; /* family name -> slot in sn_count */
  uint32_t *sn_count, n_sn, cap_sn;
  uint64_t sn_total; /* records with a family name */
};

hr_link_index *hr_link_index_new(void) {
  return calloc(1, sizeof(hr_link_index));
}

void hr_link_index_free(hr_link_index *ix) {
  if (!ix) return;
  for (uint32_t b = 0; b < ix->nblocks; b++)
    if (ix->blk[b].cap > 1) free(ix->blk[b].u.v);
  free(ix->recs);
  free(ix->present);
  free(ix->bslots);
  free(ix->blk);
  hr_map_free(&ix->surnames);
  free(ix->sn_count);
  free(ix);
}

uint32_t hr_link_index_size(const hr_link_index *ix) {
  return ix->n;
}

const hr_link_rec *hr_link_index_get(const hr_link_index *ix, uint32_t id) {
  return id < ix->cap && ix->present[id] ? &ix->recs[id] : NULL;
}

size_t hr_link_index_bytes(const hr_link_index *ix) {
  size_t heap = 0;
  for (uint32_t b = 0; b < ix->nblocks; b++)
    if (ix->blk[b].cap > 1) heap += (size_t)ix->blk[b].cap * sizeof(posting);
  return sizeof *ix + (size_t)ix->cap * (sizeof(hr_link_rec) + 1) + (size_t)ix->nbslots * sizeof(bslot) +
         (size_t)ix->cap_blocks * sizeof(block) + heap + hr_map_bytes(&ix->surnames) + (size_t)ix->cap_sn * 4;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 0;
  uint32_t c = *cap ? *cap : 1024;
  while (c < need)
    c = c > UINT32_MAX / 2 ? need : c * 2;
  void *q = realloc(*p, (size_t)c * elem);
  if (!q) return HR_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

static int grow_recs(hr_link_index *ix, uint32_t id) {
  if (id < ix->cap) return 0;
  uint32_t c = ix->cap ? ix->cap : 1024;
  while (c <= id)
    c *= 2;
  hr_link_rec *r = realloc(ix->recs, (size_t)c * sizeof *r);
  if (!r) return HR_ENOMEM;
  ix->recs = r;
  uint8_t *pr = realloc(ix->present, c);
  if (!pr) return HR_ENOMEM;
  ix->present = pr;
  memset(pr + ix->cap, 0, c - ix->cap);
  ix->cap = c;
  return 0;
}

/* ---- Posting summaries ------------------------------------------------------------------------- */

static posting summarise(uint32_t id, const hr_link_rec *r) {
  posting p;
  memset(&p, 0, sizeof p);
  p.id = id;
  uint32_t y = r->dob.y ? (uint32_t)(r->dob.y - 1799) : 0;
  uint32_t sex = r->sex == 'M' ? 1 : r->sex == 'F' ? 2 : 0;
  const hr_link_postcode *pc = &r->postcode;
  uint32_t len = pc->len > 15 ? 15 : pc->len;
  p.meta = y | (uint32_t)r->dob.m << 9 | (uint32_t)r->dob.d << 13 | sex << 18 | len << 20 | (uint32_t)pc->uk << 24 |
           (uint32_t)(pc->out_len & 7) << 25 | (uint32_t)(pc->area_len & 3) << 28 | (uint32_t)(pc->len > 8) << 30;
  memcpy(p.pc, pc->pc, pc->len < 8 ? pc->len : 8);
  p.given_h = name_h16(&r->given);
  p.family_h = name_h16(&r->family);
  return p;
}

/* The fields the cheap comparisons read, back from a summary (into a scratch record). */
static void unsummarise(const posting *p, hr_link_rec *r) {
  uint32_t m = p->meta, y = m & 511u;
  r->dob.y = (uint16_t)(y ? y + 1799 : 0);
  r->dob.m = (uint8_t)((m >> 9) & 15u);
  r->dob.d = (uint8_t)((m >> 13) & 31u);
  uint32_t sex = (m >> 18) & 3u;
  r->sex = sex == 1 ? 'M' : sex == 2 ? 'F' : 0;
  memset(r->postcode.pc, 0, sizeof r->postcode.pc);
  memcpy(r->postcode.pc, p->pc, 8);
  r->postcode.len = (uint8_t)((m >> 20) & 15u);
  r->postcode.uk = (uint8_t)((m >> 24) & 1u);
  r->postcode.out_len = (uint8_t)((m >> 25) & 7u);
  r->postcode.area_len = (uint8_t)((m >> 28) & 3u);
}

/* ---- Keys -------------------------------------------------------------------------------------- */

static void add_key(hr_link_keys *k, char type, const char *a, const char *b, const char *c) {
  if (k->n >= HR_LINK_MAX_KEYS) return;
  char *o = k->key[k->n];
  int len = 0;
  o[len++] = type;
  for (const char *parts[3] = {a, b, c}, **pp = parts; pp < parts + 3; pp++)
    for (const char *s = *pp; s && *s && len < 39; s++)
      o[len++] = *s;
  o[len] = '\0';
  k->len[k->n++] = (uint8_t)len;
}

static void digits(char *out, unsigned v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10)
    out[i] = (char)('0' + v % 10);
  out[n] = '\0';
}

void hr_link_blocking_keys(const hr_link_rec *r, hr_link_keys *k) {
  k->n = 0;
  /* Digits by hand: this runs for every lookup, and snprintf showed in profiles. */
  char y[8] = "", md[8] = "", ymd[16] = "";
  if (r->dob.y) digits(y, r->dob.y, 4);
  if (r->dob.m && r->dob.d) {
    digits(md, r->dob.m, 2);
    digits(md + 2, r->dob.d, 2);
  }
  if (y[0] && md[0]) {
    memcpy(ymd, y, 4);
    memcpy(ymd + 4, md, 5);
  }
  int names = r->given.len && r->family.len;
  /* The two Soundex codes in sorted order: names entered the wrong way round meet too. */
  const char *s1 = r->family_sdx, *s2 = r->given_sdx;
  if (strcmp(s1, s2) > 0) {
    const char *t = s1;
    s1 = s2;
    s2 = t;
  }
  if (ymd[0]) add_key(k, 'D', ymd, NULL, NULL);
  if (names && y[0]) add_key(k, 'N', s1, s2, y);
  if (names && md[0]) add_key(k, 'M', s1, s2, md);
  if (r->postcode.len) add_key(k, 'P', r->postcode.pc, NULL, NULL);
  if (names) {
    /* With the postcode's district (or all but its last character when it is not a UK one), so
     * that a common surname does not make one huge block. */
    char initial[2] = {r->given.full[0], 0}, district[12] = "";
    size_t dl = r->postcode.uk ? r->postcode.out_len : r->postcode.len > 1 ? r->postcode.len - 1u : 0;
    memcpy(district, r->postcode.pc, dl);
    district[dl] = '\0';
    add_key(k, 'S', r->family.full, initial, district);
  }
  if (r->ident[0]) add_key(k, 'I', r->ident, NULL, NULL);
  if (r->address[0] && k->n < HR_LINK_MAX_KEYS) {
    /* The first two words of an address (house number and street): a household's key when every
     * personal field has a slip. */
    char a2[40];
    size_t n = 0;
    int words = 0;
    for (const char *c = r->address; *c && n + 1 < sizeof a2; c++) {
      if (*c == ' ' && ++words == 2) break;
      a2[n++] = *c;
    }
    a2[n] = '\0';
    if (words >= 1 || strchr(r->address, ' ') == NULL) add_key(k, 'A', a2, NULL, NULL);
  }
}

/* ---- Adding and removing ----------------------------------------------------------------------- */

static uint64_t key_hash(const char *key, size_t len) {
  uint64_t h = hr_hash_bytes(key, len);
  return h ? h : 1;
}

/* The slot of h: its own, or the empty one where it would go. */
static bslot *bslot_find(const hr_link_index *ix, uint64_t h) {
  uint32_t mask = ix->nbslots - 1, i = (uint32_t)(h >> 32) & mask;
  while (ix->bslots[i].h && ix->bslots[i].h != h)
    i = (i + 1) & mask;
  return &ix->bslots[i];
}

static uint32_t block_get(const hr_link_index *ix, const char *key, size_t len) {
  if (!ix->nbslots) return UINT32_MAX;
  const bslot *s = bslot_find(ix, key_hash(key, len));
  return s->h ? s->block : UINT32_MAX;
}

/* Keeps the load under a half. */
static int bslots_room(hr_link_index *ix) {
  if ((uint64_t)(ix->nblocks + 1) * 2 <= ix->nbslots) return 0;
  uint32_t n = ix->nbslots ? ix->nbslots * 2 : 4096;
  bslot *old = ix->bslots;
  uint32_t nold = ix->nbslots;
  ix->bslots = calloc(n, sizeof(bslot));
  if (!ix->bslots) {
    ix->bslots = old;
    return HR_ENOMEM;
  }
  ix->nbslots = n;
  for (uint32_t i = 0; i < nold; i++)
    if (old[i].h) *bslot_find(ix, old[i].h) = old[i];
  free(old);
  return 0;
}

static int file_under(hr_link_index *ix, const char *key, size_t len, const posting *p) {
  /* Room first, so that a failed allocation leaves no half-filed key behind. */
  if (grow((void **)&ix->blk, &ix->cap_blocks, ix->nblocks + 1, sizeof(block))) return HR_ENOMEM;
  if (bslots_room(ix)) return HR_ENOMEM;
  uint64_t h = key_hash(key, len);
  bslot *slot = bslot_find(ix, h);
  if (!slot->h) {
    slot->h = h;
    slot->block = ix->nblocks;
  }
  uint32_t bn = slot->block;
  if (bn == ix->nblocks) {
    memset(&ix->blk[bn], 0, sizeof(block));
    ix->blk[bn].cap = 1;
    ix->nblocks++;
  }
  block *b = &ix->blk[bn];
  if (b->n == b->cap) {
    uint32_t c = b->cap * 2;
    posting *v = malloc((size_t)c * sizeof *v);
    if (!v) return HR_ENOMEM;
    memcpy(v, block_postings(b), (size_t)b->n * sizeof *v);
    if (b->cap > 1) free(b->u.v);
    b->u.v = v;
    b->cap = c;
  }
  block_postings(b)[b->n++] = *p;
  ix->npostings++;
  return 0;
}

static void unfile(hr_link_index *ix, const char *key, size_t len, uint32_t id) {
  uint32_t bn = block_get(ix, key, len);
  if (bn == UINT32_MAX) return;
  block *b = &ix->blk[bn];
  posting *v = block_postings(b);
  for (uint32_t i = 0; i < b->n; i++)
    if (v[i].id == id) {
      /* keep the order: the cap reads the newest */
      memmove(&v[i], &v[i + 1], (size_t)(b->n - i - 1) * sizeof *v);
      b->n--;
      ix->npostings--;
      return;
    }
}

static int surname_add(hr_link_index *ix, const hr_link_rec *r, int delta) {
  if (!r->family.len) return 0;
  int inserted = 0;
  uint32_t *slot = hr_map_upsert(&ix->surnames, r->family.full, r->family.len, ix->n_sn, &inserted);
  if (!slot) return HR_ENOMEM;
  uint32_t s = *slot;
  if (inserted) {
    if (grow((void **)&ix->sn_count, &ix->cap_sn, ix->n_sn + 1, sizeof(uint32_t))) return HR_ENOMEM;
    ix->sn_count[s] = 0;
    ix->n_sn++;
  }
  ix->sn_count[s] = (uint32_t)((int64_t)ix->sn_count[s] + delta);
  ix->sn_total = (uint64_t)((int64_t)ix->sn_total + delta);
  return 0;
}

int hr_link_index_remove(hr_link_index *ix, uint32_t id) {
  if (id >= ix->cap || !ix->present[id]) return HR_ENOTFOUND;
  hr_link_keys k;
  hr_link_blocking_keys(&ix->recs[id], &k);
  for (int i = 0; i < k.n; i++)
    unfile(ix, k.key[i], k.len[i], id);
  surname_add(ix, &ix->recs[id], -1); /* the name is in the map already: cannot fail */
  ix->present[id] = 0;
  ix->n--;
  return 0;
}

int hr_link_index_put(hr_link_index *ix, uint32_t id, const hr_link_rec *rec) {
  if (id > INT32_MAX) return HR_EINVAL;
  if (grow_recs(ix, id)) return HR_ENOMEM;
  if (ix->present[id]) hr_link_index_remove(ix, id);
  ix->recs[id] = *rec;
  posting p = summarise(id, rec);
  hr_link_keys k;
  hr_link_blocking_keys(rec, &k);
  for (int i = 0; i < k.n; i++)
    if (file_under(ix, k.key[i], k.len[i], &p)) {
      for (int j = 0; j < i; j++) /* leave the index as it was */
        unfile(ix, k.key[j], k.len[j], id);
      return HR_ENOMEM;
    }
  if (surname_add(ix, rec, +1)) {
    for (int j = 0; j < k.n; j++)
      unfile(ix, k.key[j], k.len[j], id);
    return HR_ENOMEM;
  }
  ix->present[id] = 1;
  ix->n++;
  return 0;
}

double hr_link_index_surname_freq(const hr_link_index *ix, const char *family) {
  if (!family[0] || ix->sn_total == 0) return 0;
  uint32_t s = hr_map_get(&ix->surnames, family, strlen(family));
  if (s == HR_MAP_NONE || ix->sn_count[s] == 0) return 0;
  return (double)ix->sn_count[s] / (double)ix->sn_total;
}

/* ---- Lookup ------------------------------------------------------------------------------------ */

/* Candidates with their summaries, each record once. */
static uint32_t gather(hr_link_index *ix, const hr_link_rec *q, char key_type, posting *out, uint32_t cap,
                       int *truncated) {
  hr_link_keys k;
  hr_link_blocking_keys(q, &k);
  *truncated = 0;
  /* Each record once: a small open-addressing set of ids, in L1, instead of a per-record mark
   * in a table as large as the register. */
  uint32_t seen[2 * HR_LINK_CANDIDATE_CAP];
  memset(seen, 0xff, sizeof seen);
  uint32_t n = 0;
  for (int i = 0; i < k.n; i++) {
    if (key_type && k.key[i][0] != key_type) continue;
    uint32_t bn = block_get(ix, k.key[i], k.len[i]);
    if (bn == UINT32_MAX) continue;
    block *b = &ix->blk[bn];
    const posting *v = block_postings(b);
    uint32_t lo = 0;
    if (b->n > HR_LINK_BLOCK_CAP) {
      *truncated = 1;
      lo = b->n - HR_LINK_BLOCK_CAP;
    }
    for (uint32_t j = b->n; j-- > lo;) {
      uint32_t id = v[j].id, h = (id * 2654435761u) & (2 * HR_LINK_CANDIDATE_CAP - 1);
      while (seen[h] != UINT32_MAX && seen[h] != id)
        h = (h + 1) & (2 * HR_LINK_CANDIDATE_CAP - 1);
      if (seen[h] == id) continue;
      if (n == cap) {
        *truncated = 1;
        return n;
      }
      seen[h] = id;
      out[n++] = v[j];
    }
  }
  return n;
}

uint32_t hr_link_index_candidates(hr_link_index *ix, const hr_link_rec *q, uint32_t *ids, uint32_t cap,
                                  int *truncated) {
  return hr_link_index_candidates_by(ix, q, 0, ids, cap, truncated);
}

uint32_t hr_link_index_candidates_by(hr_link_index *ix, const hr_link_rec *q, char key_type, uint32_t *ids,
                                     uint32_t cap, int *truncated) {
  posting c[HR_LINK_CANDIDATE_CAP];
  uint32_t n = gather(ix, q, key_type, c, cap < HR_LINK_CANDIDATE_CAP ? cap : HR_LINK_CANDIDATE_CAP, truncated);
  for (uint32_t i = 0; i < n; i++)
    ids[i] = c[i].id;
  return n;
}

/* The highest weight a field can contribute, from level `from` on. */
static double max_weight(const hr_link_params *p, int f, int from) {
  double mx = 0; /* a missing value contributes 0 */
  for (int l = from; l < hr_link_nlevels((hr_link_field)f); l++)
    if (p->w[f][l] > mx) mx = p->w[f][l];
  return mx;
}

typedef struct bounded {
  double bound;
  uint32_t i; /* index into the candidates */
} bounded;

/* Moves the highest bound of order[from..n) to order[from] (ties: the earlier candidate). A
 * selection, not a sort: a lookup usually stops after one or two. */
static void select_max(bounded *order, uint32_t from, uint32_t n) {
  uint32_t m = from;
  for (uint32_t i = from + 1; i < n; i++)
    if (order[i].bound > order[m].bound || (order[i].bound == order[m].bound && order[i].i < order[m].i)) m = i;
  bounded t = order[from];
  order[from] = order[m];
  order[m] = t;
}

uint32_t hr_link_index_lookup(hr_link_index *ix, const hr_link_params *p, const hr_link_rec *q, hr_link_match *best,
                              uint32_t k, uint32_t *ncand) {
  posting c[HR_LINK_CANDIDATE_CAP];
  bounded order[HR_LINK_CANDIDATE_CAP];
  int truncated;
  uint32_t n = gather(ix, q, 0, c, HR_LINK_CANDIDATE_CAP, &truncated);
  if (ncand) *ncand = n;
  if (k == 0) return 0;
  double prior = p->prior > 0 ? p->prior : ix->n ? 1.0 / (double)ix->n : 1e-6;
  double prior_w = log2(prior / (1 - prior));
  /* The names' best case, with and without an exact match: an exact surname weighs by the query
   * surname's frequency (the only surname an exact match can have). */
  double qtf = p->tf_family && q->family.len ? hr_link_index_surname_freq(ix, q->family.full) : 0;
  double other_max = 0, given_any = 0, given_inexact = 0, family_any = 0, family_inexact = 0;
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p->use[f] || f == HR_LF_DOB || f == HR_LF_POSTCODE || f == HR_LF_SEX) continue;
    if (f == HR_LF_GIVEN) {
      given_any = max_weight(p, f, 0);
      given_inexact = max_weight(p, f, 1);
    } else if (f == HR_LF_FAMILY) {
      family_any = max_weight(p, f, 0);
      family_inexact = max_weight(p, f, 1);
      if (qtf > 0) {
        double t = log2((p->m[f][0] > 1e-6 ? p->m[f][0] : 1e-6) / (qtf > p->tf_min ? qtf : p->tf_min));
        if (t > family_any) family_any = t;
      }
    } else {
      other_max += max_weight(p, f, 0);
    }
  }
  uint16_t qg = name_h16(&q->given), qf = name_h16(&q->family);
  /* Bound every candidate from its summary; drop those that cannot reach the review weight. */
  uint32_t nb = 0;
  hr_link_rec scratch;
  memset(&scratch, 0, sizeof scratch);
  for (uint32_t i = 0; i < n; i++) {
    const hr_link_rec *r = &scratch;
    if (c[i].meta & (1u << 30))
      r = &ix->recs[c[i].id]; /* a postcode too long for the summary */
    else
      unsummarise(&c[i], &scratch);
    hr_link_levels lv;
    hr_link_compare_cheap(q, r, &lv);
    double bound = prior_w + other_max;
    const posting *pc = &c[i];
    if ((qg && qg == pc->family_h) || (qf && qf == pc->given_h)) { /* names may be swapped */
      bound += given_any + family_any;
    } else {
      bound += !qg || !pc->given_h ? 0 : qg == pc->given_h ? given_any : given_inexact;
      bound += !qf || !pc->family_h ? 0 : qf == pc->family_h ? family_any : family_inexact;
    }
    for (int f = HR_LF_DOB; f <= HR_LF_SEX; f++)
      if (p->use[f] && lv.level[f] != HR_LINK_NULL) bound += p->w[f][lv.level[f]];
    if (bound < p->review_weight) continue;
    order[nb].bound = bound;
    order[nb].i = i;
    nb++;
  }
  uint32_t nbest = 0;
  for (uint32_t o = 0; o < nb; o++) {
    select_max(order, o, nb);
    /* Sorted by bound: once the best bound left is below the k-th best found, nothing can
     * enter the result any more. */
    if (nbest == k && order[o].bound < best[k - 1].score.total) break;
    uint32_t id = c[order[o].i].id;
    hr_link_levels lv;
    hr_link_compare(q, &ix->recs[id], &lv);
    double tf = lv.level[HR_LF_FAMILY] == 0 ? qtf : 0;
    hr_link_score s;
    hr_link_score_levels(p, &lv, prior, tf, &s);
    if (s.total < p->review_weight) continue;
    /* insert into best[0..nbest) kept sorted by weight, then id */
    uint32_t pos = nbest;
    while (pos > 0 &&
           (best[pos - 1].score.total < s.total || (best[pos - 1].score.total == s.total && best[pos - 1].id > id)))
      pos--;
    if (pos >= k) continue;
    uint32_t last = nbest < k ? nbest : k - 1;
    memmove(&best[pos + 1], &best[pos], (size_t)(last - pos) * sizeof *best);
    best[pos].id = id;
    best[pos].score = s;
    if (nbest < k) nbest++;
  }
  return nbest;
}

int hr_link_index_score(hr_link_index *ix, const hr_link_params *p, const hr_link_rec *q, uint32_t id,
                        hr_link_score *out) {
  const hr_link_rec *r = hr_link_index_get(ix, id);
  if (!r) return HR_ENOTFOUND;
  /* As hr_link_index_lookup scores a candidate: the same prior and surname frequency. */
  double prior = p->prior > 0 ? p->prior : ix->n ? 1.0 / (double)ix->n : 1e-6;
  double qtf = p->tf_family && q->family.len ? hr_link_index_surname_freq(ix, q->family.full) : 0;
  hr_link_levels lv;
  hr_link_compare(q, r, &lv);
  hr_link_score_levels(p, &lv, prior, lv.level[HR_LF_FAMILY] == 0 ? qtf : 0, out);
  return 0;
}

/* link: probabilistic identity resolution (Fellegi-Sunter), the third tier of DESIGN.md.
 *
 * Pieces, one file each:
 *   link_compare.c  string comparators: Jaro, Jaro-Winkler, Soundex, NYSIIS, one-edit test
 *   link_norm.c     normalisation: names (tokens, accents, nicknames, initials), dates, UK postcodes
 *   link_model.c    comparison levels, m/u parameters, match weights, explanations, parameter files
 *   link_index.c    a register of person records with incrementally maintained blocking indexes
 *                   and surname frequencies; bounded candidate lookup and scoring
 *   link_train.c    u by random sampling of pairs (seeded PRNG), m by expectation-maximisation
 *   link_csv.c      batch linkage and dedup of CSV tables held in memory (hearth link)
 *   link_gen.c      deterministic synthetic people and messy copies (benchmark, tests)
 *
 * Everything here is pure: no I/O, no clock (the command line reads and writes files); training
 * randomness comes from a caller-given seed. Nothing here allocates per comparison. The core
 * uses it for the optional fifth identity tier (hr_engine_config.link_params). */
#ifndef HR_LINK_H
#define HR_LINK_H

#include <stddef.h>
#include <stdint.h>

struct hr_buf;

/* ---- Comparators (link_compare.c) ------------------------------------------------------------ */

/* Jaro similarity in [0, 1] (Jaro 1989). Strings of up to 64 bytes are compared in full; longer
 * ones are cut at 64 (names never are). Two empty strings give 0. */
double hr_jaro(const char *a, size_t la, const char *b, size_t lb);
/* Jaro-Winkler (Winkler 1990): jaro + l * 0.1 * (1 - jaro), l = common prefix up to 4. */
double hr_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);
/* American Soundex (US National Archives rules, H and W do not separate equal codes) of the
 * letters of s, into out[5] ("R163"). Returns 0 when s has no letter (out = ""). */
int hr_soundex(const char *s, size_t n, char out[5]);
/* NYSIIS (Taft 1970) as Apache Commons Codec implements it, not truncated; out holds up to cap-1
 * characters. Returns the length (0 when s has no letter). */
size_t hr_nysiis(const char *s, size_t n, char *out, size_t cap);
/* 1 when a and b are at most one edit apart (insert, delete, substitute or swap of two adjacent
 * characters: Damerau), 0 otherwise. */
int hr_within_one_edit(const char *a, size_t la, const char *b, size_t lb);

/* ---- Normalisation (link_norm.c) ------------------------------------------------------------- */

#define HR_LINK_NAME_MAX 32 /* bytes of a normalised name, NUL included */
#define HR_LINK_TOKENS 4    /* name parts kept (double-barrelled, middle names) */

/* A normalised name: upper-case A-Z only (accents folded, apostrophes dropped), split into parts
 * at spaces, hyphens, commas and full stops. `full` is the parts joined without separators. */
typedef struct hr_link_name {
  char full[HR_LINK_NAME_MAX];
  uint8_t len;                                              /* strlen(full); 0 = missing */
  uint8_t ntok;                                             /* parts, up to HR_LINK_TOKENS */
  uint8_t tok_off[HR_LINK_TOKENS], tok_len[HR_LINK_TOKENS]; /* each part within full */
} hr_link_name;

void hr_link_name_norm(const char *s, size_t n, hr_link_name *out);
/* Canonical given name for a nickname or spelling variant ("BILL" -> "WILLIAM"), or NULL. */
const char *hr_link_nickname(const char *upper);
/* How many nicknames the table has for a canonical name (WILLIAM: BILL, BILLY, WILL, WILLIE);
 * with out, the k-th of them (k < the count) into *out. For synthetic messy data. */
unsigned hr_link_nicknames_of(const char *upper, unsigned k, const char **out);

/* Date of birth: fields kept apart so that a transposition or a one-field slip can be seen.
 * Zero fields are unknown. */
typedef struct hr_link_date {
  uint16_t y;
  uint8_t m, d;
} hr_link_date;
/* Accepts YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY. A date that is not a valid calendar date (31
 * February) is still kept when its fields are in range (1..12, 1..31): agencies' typos are
 * evidence. Returns 0, or -1 (date cleared) when unparseable. */
int hr_link_date_parse(const char *s, size_t n, hr_link_date *out);

/* UK postcode, normalised: upper case, no spaces ("SW1A1AA"). When it has a valid UK shape
 * (outward code A9, A99, AA9, AA99, A9A or AA9A; inward 9AA) the outward code, district and area
 * lengths are set; otherwise the text is kept as it is (foreign postcodes, typos) and only exact
 * and one-edit comparison apply. */
typedef struct hr_link_postcode {
  char pc[12];
  uint8_t len;      /* 0 = missing */
  uint8_t uk;       /* 1 when the UK shape was recognised */
  uint8_t out_len;  /* outward code ("SW1A") */
  uint8_t area_len; /* area letters ("SW") */
} hr_link_postcode;
void hr_link_postcode_norm(const char *s, size_t n, hr_link_postcode *out);
/* "SW1A 1AA" into out (at least 10 bytes); the normalised text when not UK-shaped. */
void hr_link_postcode_format(const hr_link_postcode *p, char *out, size_t cap);

/* ---- Records --------------------------------------------------------------------------------- */

/* The fields a comparison can use. A record may leave any of them missing. */
typedef enum hr_link_field {
  HR_LF_GIVEN,
  HR_LF_FAMILY,
  HR_LF_DOB,
  HR_LF_POSTCODE,
  HR_LF_SEX,
  HR_LF_IDENT,   /* an identifier that may carry typos (a social security number) */
  HR_LF_ADDRESS, /* free-text address */
  HR_LF_COUNT
} hr_link_field;
const char *hr_link_field_name(hr_link_field f); /* "given", "family", ... */
int hr_link_field_from_name(const char *s, hr_link_field *f);

#define HR_LINK_ADDR_MAX 48

/* A person record prepared for comparison: everything derived once, when it is added. */
typedef struct hr_link_rec {
  hr_link_name given, family;
  hr_link_date dob;
  hr_link_postcode postcode;
  char sex; /* 'M', 'F' or 0 */
  char ident[16];
  char address[HR_LINK_ADDR_MAX];
  /* derived */
  char given_sdx[5], family_sdx[5];
  char given_nys[8], family_nys[8];
  const char *given_canon; /* nickname table canonical form, or NULL */
} hr_link_rec;

/* Raw text fields, as read from a file or an event; NULL or "" = missing. */
typedef struct hr_link_input {
  const char *field[HR_LF_COUNT];
  size_t len[HR_LF_COUNT];
} hr_link_input;
void hr_link_rec_make(const hr_link_input *in, hr_link_rec *out);
/* Convenience for C strings. */
void hr_link_rec_from(hr_link_rec *out, const char *given, const char *family, const char *dob, const char *postcode,
                      const char *sex);

/* ---- Model (link_model.c) -------------------------------------------------------------------- */

#define HR_LINK_LEVELS 8
#define HR_LINK_NULL 255 /* a comparison with a value missing on either side: weight 0 */

typedef struct hr_link_levels {
  uint8_t level[HR_LF_COUNT]; /* per field, or HR_LINK_NULL */
  uint8_t swapped;            /* 1 when names were compared crosswise (given <-> family) */
} hr_link_levels;

/* Number of levels of a field's comparison, and what each means in words ("exact",
 * "day and month swapped"). The last level is always "different". */
int hr_link_nlevels(hr_link_field f);
const char *hr_link_level_name(hr_link_field f, int level);
const char *hr_link_level_words(hr_link_field f, int level); /* a sentence fragment */

/* The comparison vector of two records. */
void hr_link_compare(const hr_link_rec *a, const hr_link_rec *b, hr_link_levels *out);
/* Only the cheap comparisons (dob, postcode, sex): lookups bound a candidate's weight with them
 * before comparing names. */
void hr_link_compare_cheap(const hr_link_rec *a, const hr_link_rec *b, hr_link_levels *out);

typedef struct hr_link_params {
  double m[HR_LF_COUNT][HR_LINK_LEVELS]; /* P(level | match) */
  double u[HR_LF_COUNT][HR_LINK_LEVELS]; /* P(level | non-match) */
  uint8_t use[HR_LF_COUNT];              /* 1 when the field takes part */
  double prior;                          /* P(match) of a random pair; 0 = 1 / register size */
  double link_weight, review_weight;     /* thresholds on the total match weight (log2 odds) */
  double margin;                         /* a link needs the runner-up below link_weight or this far below the best */
  int tf_family;                         /* term-frequency adjustment of exact surname matches */
  double tf_min;                         /* floor of a surname's frequency */
  double w[HR_LF_COUNT][HR_LINK_LEVELS]; /* log2(m/u), filled by hr_link_params_prepare */
} hr_link_params;

/* Computes the weight table from m and u: call after changing m or u by hand (the functions
 * below that fill parameters call it). */
void hr_link_params_prepare(hr_link_params *p);

/* Hand-set parameters (from published linkage studies' orders of magnitude): usable before any
 * training; `hearth link train` replaces them with estimates. */
void hr_link_params_default(hr_link_params *p);
/* Text form: one "m FIELD LEVEL VALUE" line per value, "prior", "link_weight", "review_weight",
 * "use FIELD 0|1", "tf_family". Reading reports the line of the first error into errstr. */
void hr_link_params_write(const hr_link_params *p, struct hr_buf *out);
int hr_link_params_read(hr_link_params *p, const char *text, size_t len, char *errstr, size_t errstr_size);

/* The weights of one comparison, field by field, and in total. */
typedef struct hr_link_score {
  hr_link_levels lv;
  double w[HR_LF_COUNT]; /* log2(m/u) of each field's level, 0 when missing or unused */
  double prior_w;        /* log2(prior / (1 - prior)) */
  double total;          /* prior_w + sum of w */
  double tf_u;           /* the surname frequency used, when tf applied; 0 otherwise */
} hr_link_score;

typedef enum hr_link_decision { HR_LINK_NONE = 0, HR_LINK_REVIEW = 1, HR_LINK_MATCH = 2 } hr_link_decision;
const char *hr_link_decision_name(hr_link_decision d); /* "no_link", "review", "link" */

/* surname_freq: the share of the register with b's surname (0 = unknown: no tf adjustment). */
void hr_link_score_levels(const hr_link_params *p, const hr_link_levels *lv, double prior, double surname_freq,
                          hr_link_score *out);
hr_link_decision hr_link_decide(const hr_link_params *p, double total);
/* 1 when a best candidate at the link weight cannot be told from the runner-up: the runner-up
 * also reaches the link weight and is less than `margin` below (namesakes with one birthday). */
int hr_link_tied(const hr_link_params *p, double best, double second);
/* Probability of a match for a total weight. */
double hr_link_probability(double total);
/* A key worker's explanation: one line per comparison with its contribution, then the total. */
void hr_link_explain(const hr_link_params *p, const hr_link_rec *a, const hr_link_rec *b, const hr_link_score *s,
                     struct hr_buf *out);
/* Evidence as JSON: {"weight":..,"probability":..,"decision":..,"comparisons":[{"field":..,
 * "level":..,"weight":..},...]}. */
void hr_link_score_json(const hr_link_params *p, const hr_link_score *s, struct hr_buf *out);

/* ---- Register with blocking (link_index.c) --------------------------------------------------- */

typedef struct hr_link_index hr_link_index;

#define HR_LINK_BLOCK_CAP 256      /* entries read from one block at most (the newest) */
#define HR_LINK_CANDIDATE_CAP 1024 /* candidates scored per lookup at most */

hr_link_index *hr_link_index_new(void);
void hr_link_index_free(hr_link_index *ix); /* accepts NULL */
/* Adds a record under id (0 .. 2^31); an id already present is replaced (its old blocking keys
 * are removed first). Returns 0 or HR_ENOMEM. */
int hr_link_index_put(hr_link_index *ix, uint32_t id, const hr_link_rec *rec);
/* Removes id; 0, or HR_ENOTFOUND. */
int hr_link_index_remove(hr_link_index *ix, uint32_t id);
uint32_t hr_link_index_size(const hr_link_index *ix);                       /* records present */
const hr_link_rec *hr_link_index_get(const hr_link_index *ix, uint32_t id); /* NULL when absent */
/* Share of records with this normalised surname (0 when unseen or empty register). */
double hr_link_index_surname_freq(const hr_link_index *ix, const char *family);
size_t hr_link_index_bytes(const hr_link_index *ix);

/* Blocking keys of a record: at most HR_LINK_MAX_KEYS, each up to 40 bytes. */
#define HR_LINK_MAX_KEYS 7
typedef struct hr_link_keys {
  int n;
  char key[HR_LINK_MAX_KEYS][40];
  uint8_t len[HR_LINK_MAX_KEYS];
} hr_link_keys;
void hr_link_blocking_keys(const hr_link_rec *r, hr_link_keys *out);

/* Candidate ids of a query record (distinct, each at most once), at most cap; returns the count.
 * *truncated is set when a block or the total cap cut the set. */
uint32_t hr_link_index_candidates(hr_link_index *ix, const hr_link_rec *q, uint32_t *ids, uint32_t cap, int *truncated);

/* The same, through one kind of key only ('D', 'N', 'M', 'P', 'S', 'I': see link_index.c). */
uint32_t hr_link_index_candidates_by(hr_link_index *ix, const hr_link_rec *q, char key_type, uint32_t *ids,
                                     uint32_t cap, int *truncated);

typedef struct hr_link_match {
  uint32_t id;
  hr_link_score score;
} hr_link_match;
/* Scores the candidates and returns up to k best by weight (ties: lower id first), best first,
 * among those that reach the review weight. *ncand gets the candidate set size. A candidate whose
 * weight cannot reach the review weight or the k-th best so far, whatever its names, is not
 * compared on names (its cheap comparisons bound it). */
uint32_t hr_link_index_lookup(hr_link_index *ix, const hr_link_params *p, const hr_link_rec *q, hr_link_match *best,
                              uint32_t k, uint32_t *ncand);
/* The score of q against the record filed under id, as a lookup would score it (a reviewer's
 * accepted pair is scored for its evidence this way). 0, or HR_ENOTFOUND. */
int hr_link_index_score(hr_link_index *ix, const hr_link_params *p, const hr_link_rec *q, uint32_t id,
                        hr_link_score *out);

/* ---- Training (link_train.c) ----------------------------------------------------------------- */

typedef struct hr_link_train_stats {
  uint64_t u_pairs;      /* random pairs sampled for u */
  uint64_t em_pairs;     /* blocked pairs EM ran over, all sessions */
  int em_sessions;       /* EM runs, one per blocking key kind */
  int em_iterations;     /* in all */
  double em_match_share; /* estimated share of matches among all blocked pairs (prior step) */
} hr_link_train_stats;

/* Estimates u from `u_samples` random pairs of left x right (or of one side when right is NULL:
 * dedup), and m and the prior by EM over the pairs the blocking keys produce. Deterministic for a
 * seed. Fields whose use flag is 0 are left alone. Returns 0, HR_EINVAL (too few records) or
 * HR_ENOMEM. */
int hr_link_train(hr_link_params *p, const hr_link_rec *left, uint32_t nleft, const hr_link_rec *right, uint32_t nright,
                  uint64_t u_samples, uint64_t seed, hr_link_train_stats *stats);

/* ---- Synthetic people (link_gen.c) ------------------------------------------------------------ */

typedef struct hr_link_gen {
  char given[24], family[32], dob[12], postcode[12];
  char sex; /* 'M', 'F' or 0 */
} hr_link_gen;
/* Person i of a synthetic population (Zipf-distributed names): a pure function of seed and i. */
void hr_link_gen_person(uint64_t seed, uint32_t i, hr_link_gen *out);
/* A messy copy of person i as an agency might send it (typos, nicknames' initials, swapped
 * day and month, moved postcode, missing fields); deterministic. */
void hr_link_gen_messy(uint64_t seed, uint32_t i, const hr_link_gen *in, hr_link_gen *out);
void hr_link_gen_rec(const hr_link_gen *g, hr_link_rec *out);

/* ---- Tables of records from CSV (link_csv.c) ---------------------------------------------- */

/* Person records read from a CSV buffer with a header row. The caller maps columns onto fields
 * ("given_name=given"); several columns mapped to one field are joined with a space in the
 * order given ("street_number=address", "address_1=address"). Cells are trimmed. */
typedef struct hr_link_table {
  uint32_t n;
  hr_link_rec *recs;
  char **ids;                /* the id column's value of each record (the first column unless told) */
  uint8_t used[HR_LF_COUNT]; /* 1 for each field some column maps to */
} hr_link_table;

#define HR_LINK_MAX_MAPS 16

/* Returns 0, HR_EPARSE (errstr names the line or the column) or HR_ENOMEM. `id_column` may be
 * NULL (the first column). The data need not stay alive afterwards. */
int hr_link_table_load(hr_link_table *t, const char *data, size_t len, const char *const *maps, int nmaps,
                       const char *id_column, char *errstr, size_t errstr_size);
void hr_link_table_free(hr_link_table *t); /* accepts a zeroed table */

typedef struct hr_link_batch_stats {
  uint64_t queries, candidates, max_candidates, pairs_out, links, reviews;
} hr_link_batch_stats;

/* Links left to right (right NULL: deduplicates left) and appends CSV to out:
 * "left_id,right_id,weight,probability,decision,levels" for every pair at or above the review
 * weight. Linkage keeps each left record's best right record only (files of one record per
 * person), and makes it `review` rather than `link` when a second right record also reaches the
 * link weight (the broker's tier leaves such a record unmatched); `all_pairs` keeps every pair.
 * Returns 0 or HR_ENOMEM. */
int hr_link_batch(const hr_link_params *p, const hr_link_table *left, const hr_link_table *right, int all_pairs,
                  struct hr_buf *out, hr_link_batch_stats *stats);

#endif

/* synth_int.h: the generator's private state, shared by the files of broker/synth/.
 *
 * Order of work (synth.c): build the population (synth_people.c: families, persons,
 * relationships, key workers, assignments, schools), write the register, then let each feed
 * generator add its scenarios (synth_custody.c, synth_inpatient.c, synth_nrpf.c: they also mark
 * the weeks in which a child's absence rises), write those feeds, and stream the attendance
 * marks last (synth_attendance.c), which reads those marks.
 *
 * Determinism: every random choice comes from an sy_rng stream seeded by (seed, purpose, index),
 * so a family's data does not depend on how much randomness another family used. */
#ifndef HR_SYNTH_INT_H
#define HR_SYNTH_INT_H

#include <stdint.h>
#include <stdio.h>

#include "hr_buf.h"
#include "hr_time.h"
#include "synth.h"

#define SY_NONE UINT32_MAX
#define SY_NO_DATE HR_DATE_NONE

/* ---- PRNG: splitmix64 seeding, xoshiro256** streams ---------------------------------------- */

typedef struct sy_rng {
  uint64_t s[4];
} sy_rng;

static inline uint64_t sy__mix(uint64_t z) {
  z += UINT64_C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline uint64_t sy__rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static inline uint64_t sy__next(sy_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = sy__rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = sy__rotl(s[3], 45);
  return out;
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t sy__below(sy_rng *r, uint32_t n) {
  return (uint32_t)(((sy__next(r) >> 32) * (uint64_t)n) >> 32);
}
/* Uniform in [lo, hi] (inclusive); lo when hi < lo (a short term leaves some windows empty). */
static inline int64_t sy__range(sy_rng *r, int64_t lo, int64_t hi) {
  uint64_t x = sy__next(r);
  return hi <= lo ? lo : lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
}
static inline double sy__unit(sy_rng *r) {
  return (double)(sy__next(r) >> 11) * 0x1.0p-53;
}
static inline int sy__chance(sy_rng *r, double p) {
  return sy__unit(r) < p;
}

/* Streams: one per purpose and index (a family, a pupil, a school...). */
enum {
  SY_S_FAMILY = 1,
  SY_S_ASSIGN,
  SY_S_CUSTODY,
  SY_S_INPATIENT,
  SY_S_NRPF,
  SY_S_OUTSIDER,
  SY_S_PUPIL,
  SY_S_SCHOOL,
  SY_S_MARKS,
  SY_S_SHUFFLE,
  SY_S_MESS,    /* --messy: a record's mess, by record (synth_messy.c) */
  SY_S_NAMESAKE /* --messy: namesakes in the register, by family */
};
void sy__rng_init(sy_rng *r, uint64_t seed, uint64_t stream, uint64_t index);
/* A stateless draw for (seed, a, b, c): used for the marks, so each is independent of the others. */
static inline uint64_t sy__hash3(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  return sy__mix(sy__mix(sy__mix(seed ^ a) ^ b) ^ c);
}

/* ---- Static tables ---------------------------------------------------------------------- */

typedef struct sy_la {
  const char *code;   /* ONS code, e.g. E09000007 */
  const char *num;    /* three digits used in key-worker ids (KW007..) */
  const char *upn_la; /* the DfE LA number in UPNs (202, 330, 801) */
  const char *town;   /* for addresses */
  const char *districts[5];
  unsigned urn_base; /* school URNs of this LA start here */
} sy_la;
#define SY_N_LA 3
extern const sy_la sy__las[SY_N_LA];

typedef struct sy_name {
  const char *reg;  /* the register's spelling (UTF-8) */
  const char *fold; /* an ASCII upper-case spelling that normalises the same (READING R7), or
                       NULL when reg is already plain upper-case ASCII */
  char sex;         /* given names: 'M', 'F' or 'U'; family names: 0 */
} sy_name;
extern const sy_name sy__given[];
extern const uint32_t sy__n_given;
extern const sy_name sy__surnames[];
extern const uint32_t sy__n_surnames;
/* Picks a given name of that sex (special names, with accents, about 6% of the time). */
uint16_t sy__pick_given(sy_rng *r, char sex);
uint16_t sy__pick_surname(sy_rng *r);
/* How an agency record spells a name: the register's spelling, the ASCII fold, upper or title
 * case; all normalise to the same letters. Writes into buf (>= 64 bytes), returns buf. */
const char *sy__spell(const sy_name *n, int title_case_in_register, sy_rng *r, char *buf);
/* The register's own spelling of a name (title case when asked). */
const char *sy__reg_spelling(const sy_name *n, int title_case, char *buf);

/* ---- The population ------------------------------------------------------------------------ */

enum sy_kind { SY_K_CARER, SY_K_CHILD, SY_K_KIN, SY_K_MEMBER, SY_K_EX, SY_K_OUTSIDER };
enum sy_nhs { SY_NHS_NONE, SY_NHS_PLAIN, SY_NHS_SPACED, SY_NHS_BAD };
enum sy_rel_type { SY_R_PARENT, SY_R_STEP, SY_R_CARER, SY_R_KIN, SY_R_MEMBER, SY_R_SIBLING };

#define SY_PF_TITLE 0x01    /* names written in title case in the register */
#define SY_PF_NO_MARKS 0x02 /* school-age child with no marks (home educated) */
#define SY_PF_NAMES 0x04    /* the school writes this pupil's names on every mark */
#define SY_PF_TEMP_UPN 0x08 /* the school uses a temporary UPN the register does not know */

typedef struct sy_person {
  int32_t dob;         /* days since 1970-01-01; SY_NO_DATE for none */
  uint32_t family;     /* family index; SY_NONE for outsiders */
  uint32_t school;     /* school index for pupils, else SY_NONE */
  uint16_t given;      /* index into sy__given */
  uint16_t surname;    /* index into sy__surnames */
  uint8_t la;          /* index into sy__las */
  uint8_t kind;        /* enum sy_kind */
  char sex;            /* 'M', 'F', 'U' or 0 (empty) */
  uint8_t nhs_form;    /* enum sy_nhs: how persons.csv writes nhs */
  uint8_t flags;       /* SY_PF_* */
  uint8_t join;        /* pupils: school week (0-based) of the first mark; 0 = from the start */
  uint8_t base_pct;    /* pupils: baseline absence, percent of sessions */
  uint8_t win_pct[2];  /* pupils: absence while in window i, percent; 0 = no window */
  int32_t win_from[2]; /* window i: first and last day (inclusive) of the raised absence */
  int32_t win_to[2];
  char nhs[11]; /* ten digits (a failing check digit when nhs_form is SY_NHS_BAD);
                   for SY_NHS_NONE the person's real number, not in the register */
  char upn[14]; /* pupils: the register's UPN, "" when none */
  char postcode[9];
} sy_person;

typedef struct sy_rel {
  uint32_t a, b;      /* a is the `type` of b */
  uint8_t type;       /* enum sy_rel_type */
  int32_t start, end; /* SY_NO_DATE = empty */
} sy_rel;

typedef struct sy_assign {
  uint32_t child;
  uint32_t kw; /* index into key workers */
  int32_t start, end;
} sy_assign;

typedef struct sy_family {
  uint32_t first; /* first person index; the family's persons are contiguous */
  uint32_t first_rel;
  uint16_t n_rel;
  uint8_t n; /* persons */
  uint8_t la;
} sy_family;

typedef struct sy_school {
  uint32_t urn;
  uint16_t estab;  /* DfE establishment number used in UPNs */
  uint16_t pupils; /* allocated so far (UPN serials) */
  uint8_t la;
  int32_t inset; /* a day that is an INSET day (#) for the whole school, or SY_NO_DATE */
} sy_school;

typedef struct sy_kw {
  char id[16];
  uint8_t la;
  uint16_t team;
} sy_kw;

/* ---- Line stores: feed lines built out of order, sorted by delivery key, then written ------ */

typedef struct sy_line {
  int64_t key;  /* delivery order: usually the event instant */
  uint64_t seq; /* ties: creation order */
  size_t off;
  size_t len;
} sy_line;

typedef struct sy_lines {
  hr_buf text;
  sy_line *v;
  size_t n, cap;
  int oom;
} sy_lines;

/* Ends the line begun at text offset `at` (text.len then) and files it under key. */
void sy__lines_commit(sy_lines *l, size_t at, int64_t key);
void sy__lines_sort(sy_lines *l);
void sy__lines_free(sy_lines *l);

/* ---- Output files ------------------------------------------------------------------------- */

typedef struct sy_out {
  FILE *f;
  hr_buf b;
  char path[1024];
  int err; /* 0 or HR_EIO */
} sy_out;

/* ---- The generator ------------------------------------------------------------------------ */

typedef struct sy_ctx {
  const hr_synth_opts *o;
  uint64_t seed;
  hr_synth_stats st;
  int clean;
  char *errstr;
  size_t errsz;
  int err; /* first error, 0 while all is well */

  /* The term: school days (Mon-Fri, half-term week excluded). */
  int32_t term_start, term_end; /* first and last school day */
  int32_t *days;
  uint32_t n_days;
  uint8_t *day_week; /* school week (0-based) of each day */
  uint32_t n_weeks;

  sy_person *p;
  uint32_t n_p, cap_p;
  uint32_t n_register; /* persons 0..n_register-1 are in the register */
  sy_family *fam;
  uint32_t n_fam;
  sy_rel *rel;
  size_t n_rel, cap_rel;
  sy_assign *as;
  size_t n_as, cap_as;
  sy_kw *kw;
  uint32_t n_kw;
  uint32_t kw_first[SY_N_LA], kw_count[SY_N_LA];
  sy_school *school;
  uint32_t n_school, cap_school;
  uint32_t cur_school[SY_N_LA]; /* the school an LA's next pupils join */

  uint32_t nhs_next;  /* NHS number allocator: position in a permutation of 10^6 */
  uint32_t noms_next; /* prison numbers */
  uint32_t nrpf_next; /* NRPF record ids */
  uint32_t upn_next;  /* temporary UPNs */

  sy_lines custody, inpatient, nrpf;

  /* --messy (synth_messy.c): messy is set in both runs, mess_run in the one whose records get
   * messy; truth collects OUT/truth/records.csv. */
  int messy, mess_run;
  uint32_t mess_no;
  hr_buf truth;
} sy_ctx;

/* Records the first error; later ones are dropped. Returns err. */
int sy__fail(sy_ctx *cx, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Grows an array of elem bytes to hold at least need elements; 0 or HR_ENOMEM (recorded). */
int sy__grow(sy_ctx *cx, void **v, size_t *cap, size_t need, size_t elem);
/* A new person (zeroed except family = SY_NONE, school = SY_NONE, dob = SY_NO_DATE); NULL on
 * out-of-memory. Pointers into cx->p are invalidated by the next call. */
sy_person *sy__new_person(sy_ctx *cx, uint32_t *index);
/* A fresh valid NHS number in the 999 test range (unique until ~900,000 are taken); 0, or -1 when
 * the range is exhausted (out left empty). */
int sy__alloc_nhs(sy_ctx *cx, char out[11]);
/* A fresh prison number, e.g. A1234BC. */
void sy__alloc_noms(sy_ctx *cx, char out[8]);
/* An adult from outside the register (an unknown prisoner or NRPF client). */
uint32_t sy__new_outsider(sy_ctx *cx, sy_rng *r, uint8_t la);
/* A postcode as another agency may spell it: as is, without the space, or in lower case. */
void sy__vary_postcode(sy_rng *r, const char *pc, char out[12]);
/* A postcode in one of the LA's districts. */
void sy__postcode(sy_rng *r, uint8_t la, char out[9]);

/* Register helpers (synth_people.c). */
int sy__build_population(sy_ctx *cx);
int sy__write_register(sy_ctx *cx);
/* 1 when adult is a carer (parent, step_parent, carer, kinship_carer) of child on date. */
int sy__is_carer_on(const sy_ctx *cx, uint32_t adult, uint32_t child, int32_t date);
/* The children (under 18 on date) adult cares for on date; writes up to max into out. */
uint32_t sy__children_of(const sy_ctx *cx, uint32_t adult, int32_t date, uint32_t *out, uint32_t max);
/* A pupil who gets marks this term. */
int sy__is_pupil(const sy_ctx *cx, const sy_person *p);
/* Raises the absence of child from day `from` for `days` days to pct percent (keeps the highest
 * of overlapping windows; two windows per child at most). */
void sy__raise_absence(sy_ctx *cx, uint32_t child, int32_t from, int32_t days, unsigned pct);

/* --messy (synth_messy.c). Kinds of mess, bits of what sy__mess returns. */
enum {
  SY_MESS_NHS,
  SY_MESS_FAMILY,
  SY_MESS_GIVEN,
  SY_MESS_NICKNAME,
  SY_MESS_DOB_SWAP,
  SY_MESS_DOB_DIGIT,
  SY_MESS_DISTRICT,
  SY_MESS_MOVED,
  SY_MESS_KINDS
};
/* In the messy run, spoils a record's identity in place (given and family up to given_cap and 64
 * bytes, the postcode up to postcode_cap) and returns what it changed; bit SY_MESS_NHS asks the
 * caller to leave the NHS number out. 0 and nothing changed in other runs. */
unsigned sy__mess(sy_ctx *cx, uint32_t person, char *given, size_t given_cap, char *family, int32_t *dob,
                  char *postcode, size_t postcode_cap, int has_nhs);
/* In the messy run, a row of OUT/truth/records.csv: the record, its sender, who it is, what changed. */
void sy__truth_row(sy_ctx *cx, const char *feed, const char *record_id, const char *sender, uint32_t person,
                   unsigned changes);
/* --messy: some carers get another family's carer's name and birthday. */
int sy__add_namesakes(sy_ctx *cx);

/* Feeds. */
int sy__gen_custody(sy_ctx *cx);
int sy__gen_inpatient(sy_ctx *cx);
int sy__gen_nrpf(sy_ctx *cx);
int sy__write_lines(sy_ctx *cx, sy_lines *l, const char *rel_path, const char *header, uint64_t *count);
int sy__write_attendance(sy_ctx *cx);

/* Output. */
int sy__out_open(sy_ctx *cx, sy_out *o, const char *rel_path);
int sy__out_flush(sy_ctx *cx, sy_out *o);
int sy__out_close(sy_ctx *cx, sy_out *o); /* flushes and closes; safe on a failed open */
static inline void sy__out_maybe_flush(sy_ctx *cx, sy_out *o) {
  if (o->b.len >= (1u << 20)) sy__out_flush(cx, o);
}

/* ---- Small writers into an hr_buf ----------------------------------------------------------- */

/* Date as YYYY-MM-DD; nothing for SY_NO_DATE. */
void sy__put_date(hr_buf *b, int32_t d);
/* Date as YYYYMMDD (HL7). */
void sy__put_date_compact(hr_buf *b, int32_t d);
/* A CSV field: quoted (RFC 4180) when it needs it or when force_quote. */
void sy__put_csv(hr_buf *b, const char *s, int force_quote);
/* NHS number digits as 3-3-4 with spaces. */
void sy__put_nhs_spaced(hr_buf *b, const char *nhs);
/* ISO 8601 instant. style: 0 UK local with offset, 1 UTC with Z, 2 UK local without seconds.
 * ndig fraction digits (0-7) are written from the instant's microseconds; the 7th digit, which
 * parsers truncate, is digit7. */
void sy__put_iso(hr_buf *b, int64_t t, int style, int ndig, int digit7);
/* HL7 TS of an instant. style: 0 YYYYMMDDHHMM local, 1 +SS, 2 +SS.ffff, 3 +SS and local offset
 * (+0100), 4 UTC with +0000. */
void sy__put_hl7(hr_buf *b, int64_t t, int style);

/* An NHS number failing Modulus 11, made from a valid one (another check digit). */
void sy__spoil_nhs(const char valid[11], char out[11]);
/* A UPN failing its check letter, made from a valid one. */
void sy__spoil_upn(const char valid[14], char out[14]);

#endif

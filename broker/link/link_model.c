/* link_model: the Fellegi-Sunter model. Each field's comparison has ordered levels (the first
 * that holds is taken); a level's weight is log2(m/u), m = P(level | same person), u = P(level |
 * different people); the match weight is the prior's log-odds plus the weights of the fields.
 * The level definitions live here and nowhere else, so scoring, training and explanations agree.
 * Pure: no I/O, no clock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_buf.h"
#include "hr_err.h"
#include "link.h"

/* ---- Fields and levels ------------------------------------------------------------------------- */

typedef struct level_def {
  const char *name;  /* in parameter files and JSON */
  const char *words; /* for a key worker */
} level_def;

typedef struct field_def {
  const char *name;
  const char *label;
  int nlevels;
  level_def lv[HR_LINK_LEVELS];
} field_def;

static const field_def fields[HR_LF_COUNT] = {
    [HR_LF_GIVEN] = {"given",
                     "Given name",
                     7,
                     {{"exact", "the same"},
                      {"alias", "the same name written another way (a nickname, or another of their given names)"},
                      {"jw92", "very similar (a small spelling difference)"},
                      {"phonetic", "sounds the same (Soundex or NYSIIS code)"},
                      {"jw80", "similar"},
                      {"initial", "an initial that agrees"},
                      {"different", "different"}}},
    [HR_LF_FAMILY] = {"family",
                      "Family name",
                      6,
                      {{"exact", "the same"},
                       {"part", "one part of a double-barrelled or hyphenated name agrees"},
                       {"jw92", "very similar (a small spelling difference)"},
                       {"phonetic", "sounds the same (Soundex or NYSIIS code)"},
                       {"jw80", "similar"},
                       {"different", "different"}}},
    [HR_LF_DOB] = {"dob",
                   "Date of birth",
                   5,
                   {{"exact", "the same"},
                    {"swapped", "the same with day and month swapped (a common slip)"},
                    {"one_field", "the same but for one of day, month or year"},
                    {"year", "only the year agrees"},
                    {"different", "different"}}},
    [HR_LF_POSTCODE] = {"postcode",
                        "Postcode",
                        5,
                        {{"exact", "the same"},
                         {"one_edit", "one character different (a typing slip)"},
                         {"district", "the same postcode district (for example SW1A)"},
                         {"area", "the same postcode area (for example SW)"},
                         {"different", "different"}}},
    [HR_LF_SEX] = {"sex", "Sex", 2, {{"exact", "the same"}, {"different", "different"}}},
    [HR_LF_IDENT] = {"ident",
                     "Identifier",
                     3,
                     {{"exact", "the same"}, {"one_edit", "one character different"}, {"different", "different"}}},
    [HR_LF_ADDRESS] =
        {"address",
         "Address",
         4,
         {{"exact", "the same"}, {"jw90", "very similar"}, {"jw75", "similar"}, {"different", "different"}}},
};

const char *hr_link_field_name(hr_link_field f) {
  return (unsigned)f < HR_LF_COUNT ? fields[f].name : "?";
}

int hr_link_field_from_name(const char *s, hr_link_field *f) {
  for (int i = 0; i < HR_LF_COUNT; i++)
    if (strcmp(s, fields[i].name) == 0) {
      *f = (hr_link_field)i;
      return 0;
    }
  return HR_ENOTFOUND;
}

int hr_link_nlevels(hr_link_field f) {
  return (unsigned)f < HR_LF_COUNT ? fields[f].nlevels : 0;
}
const char *hr_link_level_name(hr_link_field f, int level) {
  if ((unsigned)f >= HR_LF_COUNT || level < 0 || level >= fields[f].nlevels) return "missing";
  return fields[f].lv[level].name;
}
const char *hr_link_level_words(hr_link_field f, int level) {
  if ((unsigned)f >= HR_LF_COUNT || level < 0 || level >= fields[f].nlevels) return "missing on one side";
  return fields[f].lv[level].words;
}

/* ---- Preparing records ------------------------------------------------------------------------- */

void hr_link_rec_make(const hr_link_input *in, hr_link_rec *r) {
  memset(r, 0, sizeof *r);
  const char *s;
  size_t n;
#define IN(f) (s = in->field[f], n = s ? in->len[f] : 0, s && n > 0)
  if (IN(HR_LF_GIVEN)) hr_link_name_norm(s, n, &r->given);
  if (IN(HR_LF_FAMILY)) hr_link_name_norm(s, n, &r->family);
  if (IN(HR_LF_DOB)) hr_link_date_parse(s, n, &r->dob);
  if (IN(HR_LF_POSTCODE)) hr_link_postcode_norm(s, n, &r->postcode);
  if (IN(HR_LF_SEX)) {
    while (n > 0 && *s == ' ')
      s++, n--;
    char c = n ? s[0] : 0;
    if (c == 'm' || c == 'M') r->sex = 'M';
    if (c == 'f' || c == 'F') r->sex = 'F';
  }
  if (IN(HR_LF_IDENT)) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < sizeof r->ident; i++) {
      char c = s[i];
      if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
      if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) r->ident[o++] = c;
    }
    r->ident[o] = '\0';
  }
  if (IN(HR_LF_ADDRESS)) {
    /* Upper case, runs of anything else collapsed to one space. */
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n && o + 1 < sizeof r->address; i++) {
      char c = s[i];
      if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
      if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        if (space && o > 0) r->address[o++] = ' ';
        if (o + 1 < sizeof r->address) r->address[o++] = c;
        space = 0;
      } else {
        space = 1;
      }
    }
    r->address[o] = '\0';
  }
#undef IN
  /* Phonetic codes and the nickname are of the first part: the name a person goes by. */
  if (r->given.len) {
    const char *g = r->given.full + r->given.tok_off[0];
    size_t gl = r->given.tok_len[0];
    hr_soundex(g, gl, r->given_sdx);
    hr_nysiis(g, gl, r->given_nys, sizeof r->given_nys);
    char first[HR_LINK_NAME_MAX];
    memcpy(first, g, gl);
    first[gl] = '\0';
    r->given_canon = hr_link_nickname(first);
  }
  if (r->family.len) {
    hr_soundex(r->family.full, r->family.len, r->family_sdx);
    hr_nysiis(r->family.full, r->family.len, r->family_nys, sizeof r->family_nys);
  }
}

void hr_link_rec_from(hr_link_rec *out, const char *given, const char *family, const char *dob, const char *postcode,
                      const char *sex) {
  hr_link_input in;
  memset(&in, 0, sizeof in);
  const char *v[] = {given, family, dob, postcode, sex};
  for (int f = 0; f < 5; f++) {
    in.field[f] = v[f];
    in.len[f] = v[f] ? strlen(v[f]) : 0;
  }
  hr_link_rec_make(&in, out);
}

/* ---- Comparing --------------------------------------------------------------------------------- */

static int tok_eq(const hr_link_name *a, int i, const hr_link_name *b, int j) {
  return a->tok_len[i] == b->tok_len[j] && memcmp(a->full + a->tok_off[i], b->full + b->tok_off[j], a->tok_len[i]) == 0;
}

static int any_part_agrees(const hr_link_name *a, const hr_link_name *b) {
  for (int i = 0; i < a->ntok; i++)
    for (int j = 0; j < b->ntok; j++)
      if (a->tok_len[i] > 1 && tok_eq(a, i, b, j)) return 1;
  return 0;
}

/* Codes are compared whole: hr_link_rec_make zeroes the bytes after each code's NUL. */
static int phonetic_eq(const char *sa, const char *sb, const char *na, const char *nb) {
  return (sa[0] && memcmp(sa, sb, 5) == 0) || (na[0] && memcmp(na, nb, 8) == 0);
}

/* Levels of a family-name comparison (shared by the straight and the swapped comparison). */
static uint8_t cmp_family_name(const hr_link_name *x, const hr_link_name *y, const char *xs, const char *ys,
                               const char *xn, const char *yn) {
  if (!x->len || !y->len) return HR_LINK_NULL;
  if (x->len == y->len && memcmp(x->full, y->full, x->len) == 0) return 0;
  if ((x->ntok > 1 || y->ntok > 1) && any_part_agrees(x, y)) return 1;
  double jw = hr_jaro_winkler(x->full, x->len, y->full, y->len);
  if (jw >= 0.92) return 2;
  if (phonetic_eq(xs, ys, xn, yn)) return 3;
  if (jw >= 0.80) return 4;
  return 5;
}

static uint8_t cmp_given(const hr_link_rec *a, const hr_link_rec *b) {
  const hr_link_name *x = &a->given, *y = &b->given;
  if (!x->len || !y->len) return HR_LINK_NULL;
  if (x->len == y->len && memcmp(x->full, y->full, x->len) == 0) return 0;
  const char *fx = x->full + x->tok_off[0], *fy = y->full + y->tok_off[0];
  size_t lx = x->tok_len[0], ly = y->tok_len[0];
  if (lx == 1 || ly == 1) return fx[0] == fy[0] ? 5 : 6; /* an initial: nothing finer to say */
  if ((a->given_canon && a->given_canon == b->given_canon) || any_part_agrees(x, y)) return 1;
  double jw = hr_jaro_winkler(fx, lx, fy, ly);
  if (jw >= 0.92) return 2;
  if (phonetic_eq(a->given_sdx, b->given_sdx, a->given_nys, b->given_nys)) return 3;
  if (jw >= 0.80) return 4;
  return 6;
}

static uint8_t cmp_family(const hr_link_rec *a, const hr_link_rec *b) {
  return cmp_family_name(&a->family, &b->family, a->family_sdx, b->family_sdx, a->family_nys, b->family_nys);
}

/* Given and family name entered the wrong way round (common in agency data: "SMITH JOHN").
 * Taken only when the straight comparison is weak (neither name even similar) and one name
 * agrees exactly crosswise; the other crosswise comparison then counts as it is. */
static int names_swapped(const hr_link_rec *a, const hr_link_rec *b, uint8_t *g, uint8_t *f) {
  int weak = (*g == HR_LINK_NULL || *g >= 4) && (*f == HR_LINK_NULL || *f >= 4);
  if (!weak) return 0;
  uint8_t gf = cmp_family_name(&a->given, &b->family, a->given_sdx, b->family_sdx, a->given_nys, b->family_nys);
  uint8_t fg = cmp_family_name(&a->family, &b->given, a->family_sdx, b->given_sdx, a->family_nys, b->given_nys);
  if (gf != 0 && fg != 0) return 0;                     /* one of the names must agree exactly crosswise */
  static const uint8_t as_given[] = {0, 1, 2, 3, 4, 6}; /* family levels onto given levels */
  *g = fg == HR_LINK_NULL ? HR_LINK_NULL : as_given[fg];
  *f = gf;
  return 1;
}

static uint8_t cmp_dob(const hr_link_date *a, const hr_link_date *b) {
  if ((!a->y && !a->m && !a->d) || (!b->y && !b->m && !b->d)) return HR_LINK_NULL;
  int ey = a->y && a->y == b->y, em = a->m && a->m == b->m, ed = a->d && a->d == b->d;
  if (ey && em && ed) return 0;
  if (ey && a->d != a->m && a->d == b->m && a->m == b->d) return 1;
  if (ey + em + ed == 2) return 2;
  if (ey) return 3;
  return 4;
}

static uint8_t cmp_postcode(const hr_link_postcode *a, const hr_link_postcode *b) {
  if (!a->len || !b->len) return HR_LINK_NULL;
  if (a->len == b->len && memcmp(a->pc, b->pc, a->len) == 0) return 0;
  if (hr_within_one_edit(a->pc, a->len, b->pc, b->len)) return 1;
  if (a->uk && b->uk) {
    if (a->out_len == b->out_len && memcmp(a->pc, b->pc, a->out_len) == 0) return 2;
    if (a->area_len == b->area_len && memcmp(a->pc, b->pc, a->area_len) == 0) return 3;
  }
  return 4;
}

void hr_link_compare_cheap(const hr_link_rec *a, const hr_link_rec *b, hr_link_levels *out) {
  out->level[HR_LF_DOB] = cmp_dob(&a->dob, &b->dob);
  out->level[HR_LF_POSTCODE] = cmp_postcode(&a->postcode, &b->postcode);
  out->level[HR_LF_SEX] = !a->sex || !b->sex ? HR_LINK_NULL : a->sex == b->sex ? 0 : 1;
}

void hr_link_compare(const hr_link_rec *a, const hr_link_rec *b, hr_link_levels *out) {
  uint8_t g = cmp_given(a, b), f = cmp_family(a, b);
  out->swapped = (uint8_t)names_swapped(a, b, &g, &f);
  out->level[HR_LF_GIVEN] = g;
  out->level[HR_LF_FAMILY] = f;
  out->level[HR_LF_DOB] = cmp_dob(&a->dob, &b->dob);
  out->level[HR_LF_POSTCODE] = cmp_postcode(&a->postcode, &b->postcode);
  out->level[HR_LF_SEX] = !a->sex || !b->sex ? HR_LINK_NULL : a->sex == b->sex ? 0 : 1;
  size_t ia = strlen(a->ident), ib = strlen(b->ident);
  out->level[HR_LF_IDENT] = !ia || !ib                                        ? HR_LINK_NULL
                            : ia == ib && memcmp(a->ident, b->ident, ia) == 0 ? 0
                            : hr_within_one_edit(a->ident, ia, b->ident, ib)  ? 1
                                                                              : 2;
  size_t aa = strlen(a->address), ab = strlen(b->address);
  if (!aa || !ab) {
    out->level[HR_LF_ADDRESS] = HR_LINK_NULL;
  } else if (aa == ab && memcmp(a->address, b->address, aa) == 0) {
    out->level[HR_LF_ADDRESS] = 0;
  } else {
    double jw = hr_jaro_winkler(a->address, aa, b->address, ab);
    out->level[HR_LF_ADDRESS] = jw >= 0.90 ? 1 : jw >= 0.75 ? 2 : 3;
  }
}

/* ---- Parameters -------------------------------------------------------------------------------- */

/* Orders of magnitude for a register of an English LA: u from the chance that two different
 * people agree (1 in ~20,000 on a birth date, 1 in ~200 on a surname), m from published error
 * rates of administrative data (a few percent of names mistyped, ~1-2% of birth dates). */
static const double default_m[HR_LF_COUNT][HR_LINK_LEVELS] = {
    [HR_LF_GIVEN] = {0.80, 0.04, 0.06, 0.02, 0.03, 0.01, 0.04},
    [HR_LF_FAMILY] = {0.85, 0.02, 0.06, 0.02, 0.02, 0.03},
    [HR_LF_DOB] = {0.88, 0.02, 0.06, 0.02, 0.02},
    [HR_LF_POSTCODE] = {0.80, 0.03, 0.07, 0.05, 0.05},
    [HR_LF_SEX] = {0.97, 0.03},
    [HR_LF_IDENT] = {0.90, 0.07, 0.03},
    [HR_LF_ADDRESS] = {0.70, 0.15, 0.10, 0.05},
};
static const double default_u[HR_LF_COUNT][HR_LINK_LEVELS] = {
    [HR_LF_GIVEN] = {0.01, 0.002, 0.003, 0.005, 0.02, 0.01, 0.95},
    [HR_LF_FAMILY] = {0.005, 0.0005, 0.002, 0.003, 0.0095, 0.98},
    [HR_LF_DOB] = {0.00005, 0.00001, 0.0046, 0.016, 0.97934},
    [HR_LF_POSTCODE] = {0.0005, 0.001, 0.03, 0.30, 0.6685},
    [HR_LF_SEX] = {0.5, 0.5},
    [HR_LF_IDENT] = {0.0001, 0.0005, 0.9994},
    [HR_LF_ADDRESS] = {0.001, 0.005, 0.05, 0.944},
};

void hr_link_params_default(hr_link_params *p) {
  memset(p, 0, sizeof *p);
  memcpy(p->m, default_m, sizeof p->m);
  memcpy(p->u, default_u, sizeof p->u);
  for (int f = 0; f < HR_LF_COUNT; f++)
    p->use[f] = f <= HR_LF_SEX; /* ident and address only when a caller maps them */
  p->prior = 0;
  p->link_weight = 6.0;   /* P(match) >= 0.985 */
  p->review_weight = 0.0; /* P(match) >= 0.5 */
  p->margin = 6.0;        /* the best 64 times likelier than the runner-up */
  p->tf_family = 1;
  p->tf_min = 1e-5;
  hr_link_params_prepare(p);
}

void hr_link_params_write(const hr_link_params *p, hr_buf *out) {
  hr_buf_puts(out, "# hearth link parameters v1: m = P(level | same person), u = P(level | different people)\n");
  hr_buf_printf(out, "prior %.9g\nlink_weight %.6g\nreview_weight %.6g\nmargin %.6g\ntf_family %d\ntf_min %.6g\n",
                p->prior, p->link_weight, p->review_weight, p->margin, p->tf_family, p->tf_min);
  for (int f = 0; f < HR_LF_COUNT; f++) {
    hr_buf_printf(out, "use %s %d\n", fields[f].name, p->use[f]);
    for (int l = 0; l < fields[f].nlevels; l++)
      hr_buf_printf(out, "m %s %s %.9g\nu %s %s %.9g\n", fields[f].name, fields[f].lv[l].name, p->m[f][l],
                    fields[f].name, fields[f].lv[l].name, p->u[f][l]);
  }
}

static int level_from_name(hr_link_field f, const char *s) {
  for (int l = 0; l < fields[f].nlevels; l++)
    if (strcmp(fields[f].lv[l].name, s) == 0) return l;
  return -1;
}

int hr_link_params_read(hr_link_params *p, const char *text, size_t len, char *errstr, size_t errstr_size) {
  hr_link_params_default(p);
  size_t pos = 0;
  int line = 0;
  char buf[256];
  while (pos < len) {
    size_t e = pos;
    while (e < len && text[e] != '\n')
      e++;
    line++;
    size_t n = e - pos;
    if (n >= sizeof buf) {
      snprintf(errstr, errstr_size, "line %d: too long", line);
      return HR_EPARSE;
    }
    memcpy(buf, text + pos, n);
    buf[n] = '\0';
    pos = e + 1;
    if (n && buf[n - 1] == '\r') buf[--n] = '\0';
    if (n == 0 || buf[0] == '#') continue;
    char a[32], b[32], c[32], d[64], extra[2];
    int k = sscanf(buf, "%31s %31s %31s %63s %1s", a, b, c, d, extra);
    char *end;
    if (k == 2 && (strcmp(a, "prior") == 0 || strcmp(a, "link_weight") == 0 || strcmp(a, "review_weight") == 0 ||
                   strcmp(a, "margin") == 0 || strcmp(a, "tf_family") == 0 || strcmp(a, "tf_min") == 0)) {
      double v = strtod(b, &end);
      if (*end || !isfinite(v)) goto bad_value;
      if (strcmp(a, "prior") == 0) {
        if (v < 0 || v >= 1) goto bad_value;
        p->prior = v;
      } else if (strcmp(a, "link_weight") == 0) {
        p->link_weight = v;
      } else if (strcmp(a, "review_weight") == 0) {
        p->review_weight = v;
      } else if (strcmp(a, "margin") == 0) {
        if (v < 0) goto bad_value;
        p->margin = v;
      } else if (strcmp(a, "tf_min") == 0) {
        if (v <= 0 || v > 1) goto bad_value;
        p->tf_min = v;
      } else {
        if (v != 0 && v != 1) goto bad_value;
        p->tf_family = (int)v;
      }
      continue;
    }
    hr_link_field f;
    if (k == 3 && strcmp(a, "use") == 0) {
      if (hr_link_field_from_name(b, &f)) goto bad_field;
      if (strcmp(c, "0") && strcmp(c, "1")) goto bad_value;
      p->use[f] = c[0] == '1';
      continue;
    }
    if (k == 4 && (strcmp(a, "m") == 0 || strcmp(a, "u") == 0)) {
      int l;
      if (hr_link_field_from_name(b, &f)) goto bad_field;
      if ((l = level_from_name(f, c)) < 0) {
        snprintf(errstr, errstr_size, "line %d: field %s has no level '%s'", line, b, c);
        return HR_EPARSE;
      }
      double v = strtod(d, &end);
      if (*end || !isfinite(v) || v < 0 || v > 1) goto bad_value;
      (a[0] == 'm' ? p->m : p->u)[f][l] = v;
      continue;
    }
    snprintf(errstr, errstr_size, "line %d: unknown setting '%s'", line, a);
    return HR_EPARSE;
  bad_field:
    snprintf(errstr, errstr_size,
             "line %d: unknown field '%s' (fields: given, family, dob, postcode, sex, ident, "
             "address)",
             line, b);
    return HR_EPARSE;
  bad_value:
    snprintf(errstr, errstr_size, "line %d: bad value in '%s'", line, buf);
    return HR_EPARSE;
  }
  if (p->review_weight > p->link_weight) {
    snprintf(errstr, errstr_size, "review_weight %.3g is above link_weight %.3g", p->review_weight, p->link_weight);
    return HR_EPARSE;
  }
  hr_link_params_prepare(p);
  return 0;
}

/* ---- Scoring ----------------------------------------------------------------------------------- */

#define P_FLOOR 1e-6 /* m or u of a level never seen in training: a large but finite weight */

static double lw(double m, double u) {
  return log2((m > P_FLOOR ? m : P_FLOOR) / (u > P_FLOOR ? u : P_FLOOR));
}

void hr_link_params_prepare(hr_link_params *p) {
  for (int f = 0; f < HR_LF_COUNT; f++)
    for (int l = 0; l < HR_LINK_LEVELS; l++)
      p->w[f][l] = l < fields[f].nlevels ? lw(p->m[f][l], p->u[f][l]) : 0;
}

void hr_link_score_levels(const hr_link_params *p, const hr_link_levels *lv, double prior, double surname_freq,
                          hr_link_score *s) {
  s->lv = *lv;
  s->tf_u = 0;
  if (p->prior > 0) prior = p->prior;
  if (prior <= 0 || prior >= 1) prior = 1e-6;
  s->prior_w = log2(prior / (1 - prior));
  s->total = s->prior_w;
  for (int f = 0; f < HR_LF_COUNT; f++) {
    uint8_t l = lv->level[f];
    if (!p->use[f] || l == HR_LINK_NULL) {
      s->w[f] = 0;
      continue;
    }
    if (f == HR_LF_FAMILY && l == 0 && p->tf_family && surname_freq > 0) {
      /* Splink's term-frequency adjustment: agreeing on a surname shared by a share tf of the
       * register is evidence in proportion to 1/tf, not to the average u. */
      double u = surname_freq > p->tf_min ? surname_freq : p->tf_min;
      s->tf_u = u;
      s->w[f] = lw(p->m[f][l], u);
    } else {
      s->w[f] = p->w[f][l];
    }
    s->total += s->w[f];
  }
}

hr_link_decision hr_link_decide(const hr_link_params *p, double total) {
  if (total >= p->link_weight) return HR_LINK_MATCH;
  if (total >= p->review_weight) return HR_LINK_REVIEW;
  return HR_LINK_NONE;
}

int hr_link_tied(const hr_link_params *p, double best, double second) {
  return second >= p->link_weight && best - second < p->margin;
}

const char *hr_link_decision_name(hr_link_decision d) {
  return d == HR_LINK_MATCH ? "link" : d == HR_LINK_REVIEW ? "review" : "no_link";
}

double hr_link_probability(double total) {
  double odds = exp2(total);
  return odds / (1 + odds);
}

static void field_value(const hr_link_rec *r, int f, char *out, size_t cap) {
  out[0] = '\0';
  switch (f) {
  case HR_LF_GIVEN: snprintf(out, cap, "%s", r->given.full); break;
  case HR_LF_FAMILY: snprintf(out, cap, "%s", r->family.full); break;
  case HR_LF_DOB:
    if (r->dob.y || r->dob.m || r->dob.d) snprintf(out, cap, "%04u-%02u-%02u", r->dob.y, r->dob.m, r->dob.d);
    break;
  case HR_LF_POSTCODE: hr_link_postcode_format(&r->postcode, out, cap); break;
  case HR_LF_SEX:
    if (r->sex) snprintf(out, cap, "%c", r->sex);
    break;
  case HR_LF_IDENT: snprintf(out, cap, "%s", r->ident); break;
  case HR_LF_ADDRESS: snprintf(out, cap, "%s", r->address); break;
  }
}

void hr_link_explain(const hr_link_params *p, const hr_link_rec *a, const hr_link_rec *b, const hr_link_score *s,
                     hr_buf *out) {
  hr_buf_printf(out, "Match weight %+.1f (probability %.4f): %s.\n", s->total, hr_link_probability(s->total),
                hr_link_decide(p, s->total) == HR_LINK_MATCH    ? "linked as the same person"
                : hr_link_decide(p, s->total) == HR_LINK_REVIEW ? "not sure: a person should review it"
                                                                : "not linked");
  hr_buf_printf(out, "  %+6.1f  starting point: any two records are rarely the same person\n", s->prior_w);
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p->use[f]) continue;
    char va[64], vb[64];
    field_value(a, f, va, sizeof va);
    field_value(b, f, vb, sizeof vb);
    uint8_t l = s->lv.level[f];
    hr_buf_printf(out, "  %+6.1f  %s %s: \"%s\" and \"%s\"", s->w[f], fields[f].label,
                  l == HR_LINK_NULL ? "missing on one side, so it counts neither way" : hr_link_level_words(f, l), va,
                  vb);
    if (f == HR_LF_FAMILY && s->lv.swapped) hr_buf_puts(out, " (given and family name written the other way round)");
    if (f == HR_LF_FAMILY && s->tf_u > 0)
      hr_buf_printf(out, " (a surname shared by %.3g%% of the register: the rarer, the stronger)", s->tf_u * 100);
    hr_buf_puts(out, "\n");
  }
}

void hr_link_score_json(const hr_link_params *p, const hr_link_score *s, hr_buf *out) {
  hr_buf_printf(out, "{\"weight\":%.3f,\"probability\":%.6f,\"decision\":\"%s\",\"comparisons\":[", s->total,
                hr_link_probability(s->total), hr_link_decision_name(hr_link_decide(p, s->total)));
  int first = 1;
  for (int f = 0; f < HR_LF_COUNT; f++) {
    if (!p->use[f]) continue;
    hr_buf_printf(out, "%s{\"field\":\"%s\",\"level\":\"%s\",\"weight\":%.3f}", first ? "" : ",", fields[f].name,
                  hr_link_level_name((hr_link_field)f, s->lv.level[f] == HR_LINK_NULL ? -1 : s->lv.level[f]), s->w[f]);
    first = 0;
  }
  hr_buf_puts(out, "]}");
}

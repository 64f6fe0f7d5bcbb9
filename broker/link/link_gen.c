/* link_gen: deterministic synthetic people and messy copies of them, for the linkage benchmark
 * (`hearth link bench`) and tests. A person is a pure function of (seed, index); a messy copy a
 * pure function of (seed, index, person).
 *
 * Names: a Zipf-Mandelbrot-distributed choice among generated surnames (two or three syllables, about
 * 40,000 distinct) and given names (about 3,000), so that a million-person register has a few
 * very common surnames and a long tail of rare ones, as the ONS surname tables show. Birth dates
 * over 90 years; postcodes in the districts of one LA-sized area (about 25 people per postcode).
 * Errors in messy copies, at published rates of administrative data: a typo in a name, a
 * nickname, a missing field, day and month swapped, a digit slip in the year, a moved postcode. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "link.h"

static uint64_t mix(uint64_t z) {
  z += UINT64_C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

typedef struct gen_rng {
  uint64_t s;
} gen_rng;
static uint64_t next(gen_rng *r) {
  return mix(r->s++ * 0x2545F4914F6CDD1DULL);
}
static uint32_t below(gen_rng *r, uint32_t n) {
  return (uint32_t)(((next(r) >> 32) * (uint64_t)n) >> 32);
}
static double unit(gen_rng *r) {
  return (double)(next(r) >> 11) * 0x1.0p-53;
}

/* Zipf-Mandelbrot over [0, n): P(k) ~ 1 / (k + q), drawn by inverting the continuous CDF
 * ln((k + q) / q) / ln((n + q) / q). q flattens the head: with n = 40,000 and q = 10 the
 * commonest surname is 1.15% of people (Smith is 1.26% in England and Wales). */
static uint32_t zipf(gen_rng *r, uint32_t n, double q) {
  double x = q * (exp(unit(r) * log(((double)n + q) / q)) - 1.0);
  uint32_t k = (uint32_t)x;
  return k < n ? k : n - 1;
}

static const char *const onset[] = {"B",  "C",  "D",  "F",  "G",  "H",  "J",  "K",  "L",  "M",  "N",
                                    "P",  "R",  "S",  "T",  "V",  "W",  "BR", "CH", "CL", "DR", "GR",
                                    "PR", "SH", "ST", "TH", "TR", "WH", "SM", "GL", "FL", "CR"};
static const char *const vowel[] = {"A", "E", "I", "O", "U", "EA", "OO", "AI", "OU", "Y"};
static const char *const coda[] = {"",   "N",  "R",  "L",  "S",  "T",  "M",  "NT", "RD", "LL",
                                   "SS", "CK", "TT", "NG", "RN", "LD", "RS", "TH", "WN", "Y"};
#define NO (sizeof onset / sizeof onset[0])
#define NV (sizeof vowel / sizeof vowel[0])
#define NC (sizeof coda / sizeof coda[0])

/* The k-th generated name: a bijection of k onto syllable choices, so names are distinct-ish. */
static void make_name(uint64_t k, int syll, char *out, size_t cap) {
  uint64_t h = mix(k * 7919 + (uint64_t)syll);
  out[0] = '\0';
  for (int s = 0; s < syll; s++) {
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%s%s", onset[h % NO], vowel[(h / NO) % NV],
             s == syll - 1 ? coda[(h / NO / NV) % NC] : "");
    h = mix(h);
  }
}

#define N_SURNAMES 40000
#define N_GIVEN 3000
#define N_DISTRICTS 40
#define PC_PER_DISTRICT 1000

void hr_link_gen_person(uint64_t seed, uint32_t i, hr_link_gen *g) {
  gen_rng r = {mix(seed ^ mix(i + 1))};
  uint32_t sn = zipf(&r, N_SURNAMES, 10), gn = zipf(&r, N_GIVEN, 5);
  make_name(sn, 2 + (int)(sn % 3 == 0), g->family, sizeof g->family);
  make_name(1000000 + gn, 2, g->given, sizeof g->given);
  g->sex = (gn & 1) ? 'F' : 'M';
  unsigned y = 1930 + below(&r, 90), m = 1 + below(&r, 12), d = 1 + below(&r, 28);
  snprintf(g->dob, sizeof g->dob, "%04u-%02u-%02u", y, m, d);
  uint32_t dist = below(&r, N_DISTRICTS), pc = below(&r, PC_PER_DISTRICT);
  snprintf(g->postcode, sizeof g->postcode, "LS%u %u%c%c", dist + 1, pc % 10, 'A' + (int)(pc / 10 % 26),
           'A' + (int)(pc / 260 % 26));
}

static void typo(gen_rng *r, char *s) {
  size_t n = strlen(s);
  if (n < 3) return;
  size_t at = 1 + below(r, (uint32_t)(n - 2));
  switch (below(r, 3)) {
  case 0: s[at] = (char)('A' + below(r, 26)); break; /* substitution */
  case 1: {
    char t = s[at];
    s[at] = s[at + 1 < n ? at + 1 : at - 1];
    s[at + 1 < n ? at + 1 : at - 1] = t;
  } break;
  default: memmove(s + at, s + at + 1, n - at); break; /* deletion */
  }
}

void hr_link_gen_messy(uint64_t seed, uint32_t i, const hr_link_gen *in, hr_link_gen *out) {
  gen_rng r = {mix(seed ^ mix(i + 0x51ed))};
  *out = *in;
  if (unit(&r) < 0.10) typo(&r, out->family);
  if (unit(&r) < 0.10) typo(&r, out->given);
  if (unit(&r) < 0.05) out->given[1] = '\0'; /* an initial only */
  if (unit(&r) < 0.05) {                     /* day and month swapped, when that is still a date */
    unsigned y, m, d;
    if (sscanf(in->dob, "%4u-%2u-%2u", &y, &m, &d) == 3 && d <= 12)
      snprintf(out->dob, sizeof out->dob, "%04u-%02u-%02u", y, d, m);
  }
  if (unit(&r) < 0.03) out->dob[3] = (char)('0' + below(&r, 10)); /* a slip in the year */
  if (unit(&r) < 0.15) {                                          /* moved within the area */
    hr_link_gen other;
    hr_link_gen_person(seed + 1, i, &other);
    memcpy(out->postcode, other.postcode, sizeof out->postcode);
  }
  if (unit(&r) < 0.05) out->postcode[0] = '\0';
  if (unit(&r) < 0.05) out->sex = 0;
}

void hr_link_gen_rec(const hr_link_gen *g, hr_link_rec *out) {
  char sex[2] = {g->sex, 0};
  hr_link_rec_from(out, g->given, g->family, g->dob, g->postcode, sex);
}

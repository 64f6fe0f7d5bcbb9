/* synth_names.c: the static tables of the synthetic LA: the three LAs, given and family names.
 *
 * Most names are plain upper-case ASCII, as LA extracts usually are. About one in sixteen is a
 * "special" name (accents, apostrophes, hyphens, letters that do not decompose such as Ł, ß, Ø,
 * Þ, Đ, Æ) whose fold is the upper-case ASCII spelling an agency might use instead: both must
 * normalise to the same letters under READING R7, so identity matching on names is exercised. */
#include <string.h>

#include "synth_int.h"

const sy_la sy__las[SY_N_LA] = {
    {"E09000007", "007", "202", "LONDON", {"NW1", "NW5", "N7", "WC1H", "NW3"}, 100000},
    {"E08000025", "025", "330", "BIRMINGHAM", {"B5", "B12", "B29", "B44", "B8"}, 300000},
    {"E06000023", "023", "801", "BRISTOL", {"BS1", "BS3", "BS5", "BS16", "BS7"}, 800000},
};

/* The first SY_N_PLAIN_GIVEN entries are plain; the rest are special. */
const sy_name sy__given[] = {
    /* plain, male */
    {"OLIVER", NULL, 'M'},
    {"JACK", NULL, 'M'},
    {"HARRY", NULL, 'M'},
    {"GEORGE", NULL, 'M'},
    {"NOAH", NULL, 'M'},
    {"MOHAMMED", NULL, 'M'},
    {"MUHAMMAD", NULL, 'M'},
    {"LEO", NULL, 'M'},
    {"ARTHUR", NULL, 'M'},
    {"OSCAR", NULL, 'M'},
    {"JAMES", NULL, 'M'},
    {"LIAM", NULL, 'M'},
    {"RYAN", NULL, 'M'},
    {"ADAM", NULL, 'M'},
    {"OMAR", NULL, 'M'},
    {"ALI", NULL, 'M'},
    {"ARJUN", NULL, 'M'},
    {"KWAME", NULL, 'M'},
    {"CONNOR", NULL, 'M'},
    {"SAMUEL", NULL, 'M'},
    {"JOSEPH", NULL, 'M'},
    {"LUKE", NULL, 'M'},
    {"DAVID", NULL, 'M'},
    {"DANIEL", NULL, 'M'},
    {"TOMASZ", NULL, 'M'},
    {"DYLAN", NULL, 'M'},
    {"ETHAN", NULL, 'M'},
    {"ISAAC", NULL, 'M'},
    {"YUSUF", NULL, 'M'},
    {"IBRAHIM", NULL, 'M'},
    {"CHARLIE", NULL, 'M'},
    {"THOMAS", NULL, 'M'},
    {"MICHAEL", NULL, 'M'},
    {"KOFI", NULL, 'M'},
    {"EMEKA", NULL, 'M'},
    {"RAJ", NULL, 'M'},
    {"HAMZA", NULL, 'M'},
    {"FINLEY", NULL, 'M'},
    {"REUBEN", NULL, 'M'},
    {"MASON", NULL, 'M'},
    /* plain, female */
    {"OLIVIA", NULL, 'F'},
    {"AMELIA", NULL, 'F'},
    {"ISLA", NULL, 'F'},
    {"AVA", NULL, 'F'},
    {"MIA", NULL, 'F'},
    {"GRACE", NULL, 'F'},
    {"LILY", NULL, 'F'},
    {"FREYA", NULL, 'F'},
    {"SOPHIE", NULL, 'F'},
    {"CHLOE", NULL, 'F'},
    {"RUBY", NULL, 'F'},
    {"AISHA", NULL, 'F'},
    {"FATIMA", NULL, 'F'},
    {"PRIYA", NULL, 'F'},
    {"MARIA", NULL, 'F'},
    {"AMIRA", NULL, 'F'},
    {"ELLIE", NULL, 'F'},
    {"LEAH", NULL, 'F'},
    {"CHANTELLE", NULL, 'F'},
    {"JESSICA", NULL, 'F'},
    {"ZOFIA", NULL, 'F'},
    {"NIAMH", NULL, 'F'},
    {"EMILY", NULL, 'F'},
    {"HANNAH", NULL, 'F'},
    {"POPPY", NULL, 'F'},
    {"EVIE", NULL, 'F'},
    {"MAYA", NULL, 'F'},
    {"ZARA", NULL, 'F'},
    {"HAFSA", NULL, 'F'},
    {"ABENA", NULL, 'F'},
    {"CHIDERA", NULL, 'F'},
    {"KAREN", NULL, 'F'},
    {"SARAH", NULL, 'F'},
    {"LAURA", NULL, 'F'},
    {"NADIA", NULL, 'F'},
    {"ROSIE", NULL, 'F'},
    {"IMOGEN", NULL, 'F'},
    {"SIENNA", NULL, 'F'},
    {"ANNA", NULL, 'F'},
    {"MARTA", NULL, 'F'},
    /* special */
    {"José", "JOSE", 'M'},
    {"Zoë", "ZOE", 'F'},
    {"Ngozi-Adé", "NGOZI-ADE", 'F'},
    {"Łukasz", "LUKASZ", 'M'},
    {"Chloé", "CHLOE", 'F'},
    {"Siobhán", "SIOBHAN", 'F'},
    {"Renée", "RENEE", 'F'},
    {"Małgorzata", "MALGORZATA", 'F'},
    {"Søren", "SOREN", 'M'},
    {"Raúl", "RAUL", 'M'},
    {"Ayşe", "AYSE", 'F'},
    {"Þóra", "THORA", 'F'},
    {"Jean-Luc", "JEAN-LUC", 'M'},
    {"Dáithí", "DAITHI", 'M'},
    {"Lærke", "LAERKE", 'F'},
    {"Bartłomiej", "BARTLOMIEJ", 'M'},
    {"Mary Anne", "MARYANNE", 'F'},
    {"D'Andre", "DANDRE", 'M'},
};
const uint32_t sy__n_given = sizeof sy__given / sizeof sy__given[0];
#define SY_N_PLAIN_GIVEN 80u

const sy_name sy__surnames[] = {
    {"SMITH", NULL, 0},
    {"JONES", NULL, 0},
    {"TAYLOR", NULL, 0},
    {"BROWN", NULL, 0},
    {"WILLIAMS", NULL, 0},
    {"WILSON", NULL, 0},
    {"JOHNSON", NULL, 0},
    {"DAVIES", NULL, 0},
    {"PATEL", NULL, 0},
    {"KHAN", NULL, 0},
    {"AHMED", NULL, 0},
    {"BEGUM", NULL, 0},
    {"SHAH", NULL, 0},
    {"HUSSAIN", NULL, 0},
    {"ALI", NULL, 0},
    {"MENSAH", NULL, 0},
    {"OKAFOR", NULL, 0},
    {"OSEI", NULL, 0},
    {"NOWAK", NULL, 0},
    {"KOWALSKI", NULL, 0},
    {"MURPHY", NULL, 0},
    {"KELLY", NULL, 0},
    {"GREEN", NULL, 0},
    {"WOOD", NULL, 0},
    {"TURNER", NULL, 0},
    {"HILL", NULL, 0},
    {"COOPER", NULL, 0},
    {"MARTIN", NULL, 0},
    {"WATSON", NULL, 0},
    {"HARRIS", NULL, 0},
    {"WHITE", NULL, 0},
    {"LEWIS", NULL, 0},
    {"MORGAN", NULL, 0},
    {"WALKER", NULL, 0},
    {"ROBINSON", NULL, 0},
    {"THOMPSON", NULL, 0},
    {"WRIGHT", NULL, 0},
    {"EVANS", NULL, 0},
    {"ROBERTS", NULL, 0},
    {"EDWARDS", NULL, 0},
    {"HUGHES", NULL, 0},
    {"HALL", NULL, 0},
    {"CLARKE", NULL, 0},
    {"JACKSON", NULL, 0},
    {"BAKER", NULL, 0},
    {"ADEYEMI", NULL, 0},
    {"NGUYEN", NULL, 0},
    {"SINGH", NULL, 0},
    {"KAUR", NULL, 0},
    {"CHOWDHURY", NULL, 0},
    {"RAHMAN", NULL, 0},
    {"MIAH", NULL, 0},
    {"OWUSU", NULL, 0},
    {"BOATENG", NULL, 0},
    {"ADEBAYO", NULL, 0},
    {"IBRAHIM", NULL, 0},
    {"YILDIZ", NULL, 0},
    {"POPESCU", NULL, 0},
    {"SANTOS", NULL, 0},
    {"SILVA", NULL, 0},
    {"MOORE", NULL, 0},
    {"KING", NULL, 0},
    {"SCOTT", NULL, 0},
    {"YOUNG", NULL, 0},
    {"ALLEN", NULL, 0},
    {"MITCHELL", NULL, 0},
    {"CAMPBELL", NULL, 0},
    {"ANDERSON", NULL, 0},
    {"PHILLIPS", NULL, 0},
    {"PARKER", NULL, 0},
    {"COLLINS", NULL, 0},
    {"STEWART", NULL, 0},
    {"MORRIS", NULL, 0},
    {"REID", NULL, 0},
    {"BENNETT", NULL, 0},
    {"GRAY", NULL, 0},
    {"JAMES", NULL, 0},
    {"PRICE", NULL, 0},
    {"BAILEY", NULL, 0},
    {"FOSTER", NULL, 0},
    {"BUTLER", NULL, 0},
    {"BARNES", NULL, 0},
    {"FISHER", NULL, 0},
    {"HENRY", NULL, 0},
    {"MASON", NULL, 0},
    {"HUNT", NULL, 0},
    {"KNIGHT", NULL, 0},
    {"ELLIS", NULL, 0},
    {"HOLMES", NULL, 0},
    {"MILLS", NULL, 0},
    {"PALMER", NULL, 0},
    {"NICHOLSON", NULL, 0},
    {"GORDON", NULL, 0},
    {"GRANT", NULL, 0},
    {"DUNCAN", NULL, 0},
    {"OBI", NULL, 0},
    {"EZE", NULL, 0},
    {"ASANTE", NULL, 0},
    {"MAHMOOD", NULL, 0},
    {"AKHTAR", NULL, 0},
    /* special */
    {"O'Brien", "OBRIEN", 0},
    {"Müller", "MULLER", 0},
    {"Weiß", "WEISS", 0},
    {"Østergaard", "OSTERGAARD", 0},
    {"Łukasiewicz", "LUKASIEWICZ", 0},
    {"Đorđević", "DORDEVIC", 0},
    {"Núñez", "NUNEZ", 0},
    {"García", "GARCIA", 0},
    {"Ó Súilleabháin", "OSUILLEABHAIN", 0},
    {"Nowak-Kamińska", "NOWAK-KAMINSKA", 0},
    {"Adé-Bámidélé", "ADEBAMIDELE", 0},
    {"MacAllister", "MACALLISTER", 0},
    {"D'Souza", "DSOUZA", 0},
    {"Çelik", "CELIK", 0},
    {"Dvořák", "DVORAK", 0},
    {"Sæther", "SAETHER", 0},
};
const uint32_t sy__n_surnames = sizeof sy__surnames / sizeof sy__surnames[0];
#define SY_N_PLAIN_SURNAMES 100u

uint16_t sy__pick_given(sy_rng *r, char sex) {
  if (sy__chance(r, 0.06)) {
    for (;;) { /* a special name of that sex (any sex for 'U') */
      uint32_t i = SY_N_PLAIN_GIVEN + sy__below(r, sy__n_given - SY_N_PLAIN_GIVEN);
      if (sex != 'M' && sex != 'F') return (uint16_t)i;
      if (sy__given[i].sex == sex) return (uint16_t)i;
    }
  }
  if (sex == 'M') return (uint16_t)sy__below(r, 40);
  if (sex == 'F') return (uint16_t)(40 + sy__below(r, 40));
  return (uint16_t)sy__below(r, SY_N_PLAIN_GIVEN);
}

uint16_t sy__pick_surname(sy_rng *r) {
  if (sy__chance(r, 0.06)) return (uint16_t)(SY_N_PLAIN_SURNAMES + sy__below(r, sy__n_surnames - SY_N_PLAIN_SURNAMES));
  return (uint16_t)sy__below(r, SY_N_PLAIN_SURNAMES);
}

/* Title case of ASCII letters after a letter: "O'BRIEN" -> "O'Brien" is not attempted; words
 * start upper, the rest lower ("NGOZI-ADE" -> "Ngozi-Ade"). Non-ASCII bytes are copied. */
static void title_case(const char *s, char *out) {
  int in_word = 0;
  size_t i = 0;
  for (; s[i] && i < 62; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') {
      out[i] = (char)(in_word ? c - 'A' + 'a' : c);
      in_word = 1;
    } else if (c >= 'a' && c <= 'z') {
      out[i] = (char)(in_word ? c : c - 'a' + 'A');
      in_word = 1;
    } else {
      out[i] = (char)c;
      in_word = c >= 0x80;
    }
  }
  out[i] = '\0';
}

const char *sy__reg_spelling(const sy_name *n, int title, char *buf) {
  if (title && !n->fold) {
    title_case(n->reg, buf);
    return buf;
  }
  return n->reg;
}

const char *sy__spell(const sy_name *n, int title_in_register, sy_rng *r, char *buf) {
  uint32_t v = sy__below(r, 100);
  if (n->fold) {
    /* Special names: agencies often drop the accents. */
    if (v < 45) return n->reg;
    if (v < 90) return n->fold;
    title_case(n->fold, buf);
    return buf;
  }
  if (title_in_register ? v < 60 : v < 90) return n->reg; /* upper case, as most feeds write */
  title_case(n->reg, buf);
  return buf;
}

/* synth_messy.c: `hearth synth --messy` - agency records written the way agencies really write
 * them, beside a truth world to measure identity resolution against.
 *
 * --messy generates the same LA twice (synth.c). In both runs every agency record carries its
 * person's true identity: no spoiled NHS numbers, no disagreeing or missing birth dates (the
 * generator's REFERENCE identity cases are for the reference tiers, not for this). The first run
 * writes those records to OUT/truth/feeds/: the world as it is. The second writes OUT/feeds/ with
 * each custody, inpatient and NRPF record's identity spoiled, independently: the NHS number left
 * out, a family or given name mistyped, a nickname for the given name, day and month swapped, a
 * date field wrong, a postcode from a move. Every random choice of the mess comes from its own
 * stream (SY_S_MESS), so the two runs draw everything else identically and differ only there.
 * The register gains people with another register person's name and birthday (SY_S_NAMESAKE),
 * in both runs; adult twins in a household already exist (synth_people.c).
 *
 * OUT/truth/records.csv says, for every messy record, who it really is and what was changed. */
#include <string.h>

#include "link.h"
#include "synth_int.h"

static const char *const mess_names[SY_MESS_KINDS] = {"nhs_missing",       "family_typo",   "given_typo",
                                                      "nickname",          "dob_swapped",   "dob_digit",
                                                      "postcode_district", "postcode_moved"};

const char *hr_synth_mess_name(int kind) {
  return kind >= 0 && kind < SY_MESS_KINDS ? mess_names[kind] : NULL;
}

static int ascii_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A slip of the keyboard: a letter dropped or two neighbours swapped, never the first letter and
 * only between ASCII letters (a UTF-8 sequence is never split). 1 when the name changed. */
static int typo(sy_rng *r, char *s) {
  size_t n = strlen(s);
  if (n < 4) return 0;
  uint32_t at[64], k = 0;
  for (size_t i = 1; i + 1 < n && k < 64; i++)
    if (ascii_letter(s[i]) && ascii_letter(s[i + 1])) at[k++] = (uint32_t)i;
  if (!k) return 0;
  size_t i = at[sy__below(r, k)];
  if (sy__chance(r, 0.5) || s[i] == s[i + 1]) {
    memmove(s + i, s + i + 1, n - i); /* drops s[i], moves the NUL too */
  } else {
    char t = s[i];
    s[i] = s[i + 1];
    s[i + 1] = t;
  }
  return 1;
}

/* The given name as a nickname (WILLIAM -> BILL), in the case it was written in. */
static int nickname(sy_rng *r, char *given, size_t cap) {
  char up[32];
  size_t n = strlen(given);
  if (n == 0 || n >= sizeof up) return 0;
  for (size_t i = 0; i < n; i++) {
    if (!ascii_letter(given[i])) return 0;
    up[i] = (char)(given[i] & ~0x20);
  }
  up[n] = '\0';
  unsigned count = hr_link_nicknames_of(up, 0, NULL);
  if (!count) return 0;
  const char *nick = NULL;
  hr_link_nicknames_of(up, sy__below(r, count), &nick);
  if (!nick || strlen(nick) >= cap) return 0;
  int title = n > 1 && given[1] >= 'a' && given[1] <= 'z';
  for (size_t i = 0; nick[i]; i++)
    given[i] = (char)(title && i > 0 ? nick[i] | 0x20 : nick[i]);
  given[strlen(nick)] = '\0';
  return 1;
}

/* Another postcode: in the same district (the outward code kept) or anywhere in the LA. */
static void move(sy_rng *r, uint8_t la, char *postcode, size_t cap, int same_district) {
  char fresh[9];
  sy__postcode(r, la, fresh); /* "NW5 7UD": outward, space, inward */
  if (same_district) {
    /* the outward code as written (any case, maybe no space): up to the last three characters */
    size_t n = strlen(postcode);
    if (n >= 5) {
      char out[12];
      size_t o = n - 3;
      while (o > 0 && postcode[o - 1] == ' ')
        o--;
      snprintf(out, sizeof out, "%.*s %s", (int)o, postcode, strchr(fresh, ' ') + 1);
      snprintf(postcode, cap, "%s", out);
      return;
    }
  }
  snprintf(postcode, cap, "%s", fresh);
}

unsigned sy__mess(sy_ctx *cx, uint32_t person, char *given, size_t given_cap, char *family, int32_t *dob,
                  char *postcode, size_t postcode_cap, int has_nhs) {
  if (!cx->mess_run) return 0;
  sy_rng rr, *r = &rr;
  sy__rng_init(r, cx->seed, SY_S_MESS, cx->mess_no++);
  unsigned ch = 0;
  if (has_nhs && sy__chance(r, 0.55)) ch |= 1u << SY_MESS_NHS;
  if (family[0] && sy__chance(r, 0.15) && typo(r, family)) ch |= 1u << SY_MESS_FAMILY;
  uint32_t u = sy__below(r, 100);
  if (u < 20 && nickname(r, given, given_cap)) /* when the name has one: few of ours do */
    ch |= 1u << SY_MESS_NICKNAME;
  else if (u >= 20 && u < 28 && typo(r, given))
    ch |= 1u << SY_MESS_GIVEN;
  if (*dob != SY_NO_DATE) {
    int y;
    unsigned m, d;
    hr_civil_from_days(*dob, &y, &m, &d);
    u = sy__below(r, 100);
    if (u < 6 && d <= 12 && d != m) {
      *dob = hr_days_from_civil(y, d, m);
      ch |= 1u << SY_MESS_DOB_SWAP;
    } else if (u >= 6 && u < 8) {
      if (sy__chance(r, 0.5))
        *dob = hr_days_from_civil(y + (sy__chance(r, 0.5) ? 1 : -1), m, d > 28 ? 28 : d);
      else
        *dob = hr_days_from_civil(y, m, d % 28 + 1); /* another day of the month */
      ch |= 1u << SY_MESS_DOB_DIGIT;
    }
  }
  if (postcode[0] && sy__chance(r, 0.10)) {
    int same = sy__chance(r, 0.5);
    move(r, cx->p[person].la, postcode, postcode_cap, same);
    ch |= 1u << (same ? SY_MESS_DISTRICT : SY_MESS_MOVED);
  }
  cx->st.messy_records++;
  for (int k = 0; k < SY_MESS_KINDS; k++)
    if (ch & (1u << k)) cx->st.mess[k]++;
  return ch;
}

void sy__truth_row(sy_ctx *cx, const char *feed, const char *record_id, const char *sender, uint32_t person,
                   unsigned changes) {
  if (!cx->mess_run) return;
  hr_buf *b = &cx->truth;
  hr_buf_printf(b, "%s,%s,%s,", feed, record_id, sender ? sender : "");
  if (person < cx->n_register) hr_buf_printf(b, "P%07u", person + 1); /* as persons.csv writes it */
  hr_buf_putc(b, ',');
  const char *sep = "";
  for (int k = 0; k < SY_MESS_KINDS; k++)
    if (changes & (1u << k)) {
      hr_buf_printf(b, "%s%s", sep, mess_names[k]);
      sep = ";";
    }
  hr_buf_putc(b, '\n');
}

int sy__add_namesakes(sy_ctx *cx) {
  if (!cx->messy || cx->n_fam < 4) return 0;
  for (uint32_t f = 0; f < cx->n_fam; f++) {
    sy_rng r;
    sy__rng_init(&r, cx->seed, SY_S_NAMESAKE, f);
    if (!sy__chance(&r, 0.02)) continue;
    uint32_t g = (f + cx->n_fam / 2) % cx->n_fam;
    sy_person *a = &cx->p[cx->fam[f].first], *b = &cx->p[cx->fam[g].first];
    if (a->kind != SY_K_CARER || b->kind != SY_K_CARER) continue;
    /* Another family's carer with the same name and birthday: only the postcode, the NHS number
     * and the family tell them apart. */
    b->given = a->given;
    b->surname = a->surname;
    b->dob = a->dob;
    b->sex = a->sex;
    b->flags = (uint8_t)((b->flags & ~SY_PF_TITLE) | (a->flags & SY_PF_TITLE));
    cx->st.namesakes++;
  }
  return 0;
}

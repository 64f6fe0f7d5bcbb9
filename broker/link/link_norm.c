/* link_norm: normalising what agencies type about a person before it is compared.
 *
 * Names become upper-case A-Z parts (accents folded by the connectors' table, apostrophes
 * dropped: O'Brien = OBRIEN) split at spaces, hyphens, commas and full stops, so that
 * "Smith-Jones" can match "Jones" on one part. Titles (Mr, Mrs, Dr...) are dropped. Dates keep
 * their fields apart (a swapped day and month is a comparison level of its own). UK postcodes
 * are recognised by shape so that the outward code, district and area can be compared. */
#include <stdlib.h>
#include <string.h>

#include "connector.h"
#include "link.h"

static int is_sep(unsigned char c) {
  return c == ' ' || c == '\t' || c == '-' || c == ',' || c == '.' || c == '/' || c == '_';
}

static int is_title(const char *t, size_t n) {
  static const char *const titles[] = {"MR", "MRS", "MS", "MISS", "DR", "MX", "SIR", "REV"};
  for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
    if (strlen(titles[i]) == n && memcmp(titles[i], t, n) == 0) return 1;
  return 0;
}

void hr_link_name_norm(const char *s, size_t n, hr_link_name *out) {
  memset(out, 0, sizeof *out);
  size_t i = 0;
  while (i < n) {
    while (i < n && is_sep((unsigned char)s[i]))
      i++;
    size_t start = i;
    while (i < n && !is_sep((unsigned char)s[i]))
      i++;
    if (i == start) continue;
    char tok[HR_LINK_NAME_MAX];
    size_t tl = hr_normalise_name(s + start, i - start, tok, sizeof tok);
    if (tl == 0) continue;
    if (is_title(tok, tl) && i < n) continue; /* a title before a name, never a lone one */
    size_t room = HR_LINK_NAME_MAX - 1 - out->len;
    if (room == 0) break;
    if (tl > room) tl = room;
    if (out->ntok < HR_LINK_TOKENS) {
      out->tok_off[out->ntok] = out->len;
      out->tok_len[out->ntok] = (uint8_t)tl;
      out->ntok++;
    }
    memcpy(out->full + out->len, tok, tl);
    out->len = (uint8_t)(out->len + tl);
    out->full[out->len] = '\0';
  }
}

/* ---- Nicknames --------------------------------------------------------------------------------- */

/* Common English nicknames and spelling variants of given names, one entry per nickname. Small on purpose: a wrong
 * entry makes two different people look alike. */
static const char *const nicknames[][2] = {
    {"ABBY", "ABIGAIL"},      {"AGGIE", "AGNES"},         {"AL", "ALAN"},           {"ALEX", "ALEXANDER"},
    {"ALF", "ALFRED"},        {"ALFIE", "ALFRED"},        {"ALLAN", "ALAN"},        {"ALLEN", "ALAN"},
    {"ANDY", "ANDREW"},       {"ANNIE", "ANNE"},          {"ANN", "ANNE"},          {"ANNA", "ANNE"},
    {"ARCHIE", "ARCHIBALD"},  {"BARNEY", "BARNABY"},      {"BECKY", "REBECCA"},     {"BEN", "BENJAMIN"},
    {"BENNY", "BENJAMIN"},    {"BERT", "ALBERT"},         {"BESS", "ELIZABETH"},    {"BETH", "ELIZABETH"},
    {"BETTY", "ELIZABETH"},   {"BILL", "WILLIAM"},        {"BILLY", "WILLIAM"},     {"BOB", "ROBERT"},
    {"BOBBY", "ROBERT"},      {"CATHERINE", "KATHERINE"}, {"CATHY", "KATHERINE"},   {"CHARLIE", "CHARLES"},
    {"CHRIS", "CHRISTOPHER"}, {"CHUCK", "CHARLES"},       {"DAN", "DANIEL"},        {"DANNY", "DANIEL"},
    {"DAVE", "DAVID"},        {"DAVY", "DAVID"},          {"DEBBIE", "DEBORAH"},    {"DICK", "RICHARD"},
    {"DOLLY", "DOROTHY"},     {"DOT", "DOROTHY"},         {"ED", "EDWARD"},         {"EDDIE", "EDWARD"},
    {"ELLIE", "ELEANOR"},     {"FRAN", "FRANCES"},        {"FRANKIE", "FRANCIS"},   {"FRED", "FREDERICK"},
    {"FREDDIE", "FREDERICK"}, {"FREDDY", "FREDERICK"},    {"GEOFF", "GEOFFREY"},    {"GERRY", "GERALD"},
    {"HANK", "HENRY"},        {"HARRY", "HENRY"},         {"IZZY", "ISABEL"},       {"JACK", "JOHN"},
    {"JAKE", "JACOB"},        {"JIM", "JAMES"},           {"JIMMY", "JAMES"},       {"JOE", "JOSEPH"},
    {"JOEY", "JOSEPH"},       {"JOHNNY", "JOHN"},         {"JON", "JONATHAN"},      {"JONNY", "JONATHAN"},
    {"KATE", "KATHERINE"},    {"KATHRYN", "KATHERINE"},   {"KATIE", "KATHERINE"},   {"KATY", "KATHERINE"},
    {"KIT", "CHRISTOPHER"},   {"LARRY", "LAWRENCE"},      {"LAURENCE", "LAWRENCE"}, {"LEN", "LEONARD"},
    {"LENNY", "LEONARD"},     {"LIBBY", "ELIZABETH"},     {"LIZ", "ELIZABETH"},     {"LIZZIE", "ELIZABETH"},
    {"MAGGIE", "MARGARET"},   {"MANDY", "AMANDA"},        {"MATT", "MATTHEW"},      {"MEG", "MARGARET"},
    {"MICK", "MICHAEL"},      {"MICKEY", "MICHAEL"},      {"MIKE", "MICHAEL"},      {"MOLLY", "MARY"},
    {"NAT", "NATHAN"},        {"NED", "EDWARD"},          {"NICK", "NICHOLAS"},     {"NICKY", "NICHOLAS"},
    {"OLLIE", "OLIVER"},      {"PAT", "PATRICK"},         {"PATSY", "PATRICIA"},    {"PEGGY", "MARGARET"},
    {"PETE", "PETER"},        {"PHIL", "PHILIP"},         {"PHILLIP", "PHILIP"},    {"POLLY", "MARY"},
    {"RICH", "RICHARD"},      {"RICHIE", "RICHARD"},      {"RICK", "RICHARD"},      {"RICKY", "RICHARD"},
    {"ROB", "ROBERT"},        {"ROBBIE", "ROBERT"},       {"RON", "RONALD"},        {"RONNIE", "RONALD"},
    {"SAM", "SAMUEL"},        {"SAMMY", "SAMUEL"},        {"SANDY", "ALEXANDRA"},   {"SOPHIE", "SOPHIA"},
    {"STEVE", "STEPHEN"},     {"STEVEN", "STEPHEN"},      {"SUE", "SUSAN"},         {"SUZY", "SUSAN"},
    {"TED", "EDWARD"},        {"TEDDY", "EDWARD"},        {"TERRY", "TERENCE"},     {"TILLY", "MATILDA"},
    {"TOM", "THOMAS"},        {"TOMMY", "THOMAS"},        {"TONY", "ANTHONY"},      {"VICKY", "VICTORIA"},
    {"WILL", "WILLIAM"},      {"WILLIE", "WILLIAM"},      {"ZACH", "ZACHARY"},      {"ZAK", "ZACHARY"},
};
#define N_NICK (sizeof nicknames / sizeof nicknames[0])

const char *hr_link_nickname(const char *upper) {
  /* Linear: called once per record when it is prepared, never per comparison. */
  for (size_t i = 0; i < N_NICK; i++)
    if (strcmp(nicknames[i][0], upper) == 0) return nicknames[i][1];
  /* A canonical name is its own canonical form, so BILL and WILLIAM meet. */
  for (size_t i = 0; i < N_NICK; i++)
    if (strcmp(nicknames[i][1], upper) == 0) return nicknames[i][1];
  return NULL;
}

unsigned hr_link_nicknames_of(const char *upper, unsigned k, const char **out) {
  unsigned n = 0;
  for (size_t i = 0; i < N_NICK; i++)
    if (strcmp(nicknames[i][1], upper) == 0 && n++ == k && out) *out = nicknames[i][0];
  return n;
}

/* ---- Dates ------------------------------------------------------------------------------------- */

static int digits(const char *s, size_t n, unsigned *v) {
  unsigned x = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    x = x * 10 + (unsigned)(s[i] - '0');
  }
  *v = x;
  return 0;
}

int hr_link_date_parse(const char *s, size_t n, hr_link_date *out) {
  memset(out, 0, sizeof *out);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  while (n > 0 && (*s == ' ' || *s == '\t'))
    s++, n--;
  unsigned y, m, d;
  if (n == 10 && s[4] == '-' && s[7] == '-') {
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return -1;
  } else if (n == 8) {
    if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d)) return -1;
  } else if (n == 10 && s[2] == '/' && s[5] == '/') {
    if (digits(s, 2, &d) || digits(s + 3, 2, &m) || digits(s + 6, 4, &y)) return -1;
  } else {
    return -1;
  }
  /* Fields out of range are cleared one by one: a month of 13 is unknown, the rest still counts. */
  out->y = y >= 1800 && y <= 2200 ? (uint16_t)y : 0;
  out->m = m >= 1 && m <= 12 ? (uint8_t)m : 0;
  out->d = d >= 1 && d <= 31 ? (uint8_t)d : 0;
  return 0;
}

/* ---- Postcodes --------------------------------------------------------------------------------- */

static int is_l(char c) {
  return c >= 'A' && c <= 'Z';
}
static int is_d(char c) {
  return c >= '0' && c <= '9';
}

/* Length of a UK outward code matching the whole of s[0..n), or 0. */
static int uk_outward(const char *s, size_t n, uint8_t *area) {
  size_t a = 0;
  while (a < n && a < 2 && is_l(s[a]))
    a++;
  if (a == 0 || a == n || !is_d(s[a])) return 0;
  *area = (uint8_t)a;
  size_t rest = n - a; /* digit, then optional digit or letter */
  if (rest == 1) return 1;
  if (rest == 2 && (is_d(s[a + 1]) || is_l(s[a + 1]))) return 1;
  return 0;
}

void hr_link_postcode_norm(const char *s, size_t n, hr_link_postcode *out) {
  memset(out, 0, sizeof *out);
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < sizeof out->pc; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (is_l(c) || is_d(c)) out->pc[o++] = c;
  }
  out->pc[o] = '\0';
  out->len = (uint8_t)o;
  /* inward code: digit, letter, letter; outward: 2 to 4 characters */
  if (o >= 5 && o <= 7 && is_d(out->pc[o - 3]) && is_l(out->pc[o - 2]) && is_l(out->pc[o - 1])) {
    uint8_t area = 0;
    if (uk_outward(out->pc, o - 3, &area)) {
      out->uk = 1;
      out->out_len = (uint8_t)(o - 3);
      out->area_len = area;
    }
  }
}

void hr_link_postcode_format(const hr_link_postcode *p, char *out, size_t cap) {
  if (cap == 0) return;
  if (p->uk && cap > (size_t)p->len + 1) {
    memcpy(out, p->pc, p->out_len);
    out[p->out_len] = ' ';
    memcpy(out + p->out_len + 1, p->pc + p->out_len, (size_t)(p->len - p->out_len));
    out[p->len + 1] = '\0';
    return;
  }
  size_t n = p->len < cap - 1 ? p->len : cap - 1;
  memcpy(out, p->pc, n);
  out[n] = '\0';
}

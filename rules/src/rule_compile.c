/* rule_compile: reads a rule pack's text into its compiled form.
 *
 * The grammar (rules/README.md teaches it):
 *   pack    := ["pack" NAME] (define | list | rule)*
 *   define  := "define" NAME "=" expr            (usable before it is written; no cycles)
 *   list    := "list" NAME "=" item ("," item)*  (events, or other lists; used after "on")
 *   rule    := "rule" NAME "{" clause* "}"
 *   clause  := "description" STRING | "version" INT | "severity" (high|medium|low)
 *            | "on" item ("," item)* | "when" expr | "for" INT unit
 *            | "alert" "per" key ("," key)* | "cooldown" INT unit
 *            | "route" target ("or" target)* | "explain" STRING
 *   target  := "key_worker" | "team" [NAME | STRING] | "front_door"
 *   expr    := and ("or" and)* ;  and := unary ("and" unary)*
 *   unary   := "not" unary | "any" relation "(" expr ")" | operand [cmp operand]
 *   operand := NUMBER ["%"] | "(" expr ")" | DEFINE_NAME
 *            | fact ["(" args ")"] ["within" INT unit]
 *   args    := INT ("weeks"|"days") ["," "min" INT "sessions"] | EVENT ["within" INT unit]
 * A definition is kept as text and parsed again at each use, for the person it is used about.
 * After parsing, each rule is checked for conditions that can never hold (per event in `on`).
 * Every error names file:line:col and, for a misspelt word, the nearest known one. Hostile
 * input is bounded: file size, nesting depth, node, rule, definition and token counts, literal
 * sizes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_sha256.h"
#include "hr_suggest.h"
#include "hr_time.h"
#include "rules_int.h"

/* ---- vocabulary ------------------------------------------------------------------------- */

static const char *const trigger_names[HR_TRIGGER__COUNT] = {"custody_start", "mh_spell_start", "nrpf_begins",
                                                             "attendance_mark"};
const char *hr_trigger_name(hr_trigger t) {
  return t < HR_TRIGGER__COUNT ? trigger_names[t] : "?";
}

/* CTX_DEF: a definition checked on its own, before any use says whom it is about. */
typedef enum { CTX_ANY = 0, CTX_CHILD, CTX_ADULT, CTX_DEF } ctx_kind;
typedef enum { TY_BOOL = 1, TY_NUM } ty_kind;
typedef enum { ARGS_NONE = 0, ARGS_WEEKS, ARGS_WEEKS_MIN, ARGS_WITHIN, ARGS_EVENT_WITHIN, ARGS_EVENT } args_kind;

static const struct fact_def {
  const char *name;
  ty_kind type;
  ctx_kind ctx;
  args_kind args;
} facts[HR_FACT__COUNT] = {
    [HR_FACT_ABSENCE_RATE] = {"absence_rate", TY_NUM, CTX_CHILD, ARGS_WEEKS_MIN},
    [HR_FACT_POSSIBLE_SESSIONS] = {"possible_sessions", TY_NUM, CTX_CHILD, ARGS_WEEKS},
    [HR_FACT_ABSENT_SESSIONS] = {"absent_sessions", TY_NUM, CTX_CHILD, ARGS_WEEKS},
    [HR_FACT_NRPF_ACTIVE] = {"nrpf_active", TY_BOOL, CTX_ANY, ARGS_NONE},
    [HR_FACT_CUSTODY_STARTED] = {"custody_started", TY_BOOL, CTX_ANY, ARGS_WITHIN},
    [HR_FACT_MH_SPELL_STARTED] = {"mh_spell_started", TY_BOOL, CTX_ANY, ARGS_WITHIN},
    [HR_FACT_CHILDREN] = {"children", TY_NUM, CTX_ANY, ARGS_NONE},
    [HR_FACT_AGE] = {"age", TY_NUM, CTX_ANY, ARGS_NONE},
    [HR_FACT_ADULT] = {"adult", TY_BOOL, CTX_ANY, ARGS_NONE},
    [HR_FACT_DEPENDANTS] = {"dependants", TY_NUM, CTX_ANY, ARGS_NONE},
    [HR_FACT_MATCHED] = {"matched", TY_BOOL, CTX_ANY, ARGS_NONE},
    [HR_FACT_COUNT] = {"count", TY_NUM, CTX_ANY, ARGS_EVENT_WITHIN},
    [HR_FACT_DAYS_SINCE] = {"days_since", TY_NUM, CTX_ANY, ARGS_EVENT},
};

static const struct rel_def {
  const char *name;
  ctx_kind from, to;
} relations[HR_REL__COUNT] = {
    [HR_REL_CARER] = {"carer", CTX_CHILD, CTX_ADULT},     [HR_REL_PARENT] = {"parent", CTX_CHILD, CTX_ADULT},
    [HR_REL_CHILD] = {"child", CTX_ADULT, CTX_CHILD},     [HR_REL_SIBLING] = {"sibling", CTX_CHILD, CTX_CHILD},
    [HR_REL_HOUSEHOLD] = {"household", CTX_ANY, CTX_ANY},
};

static const char *const clause_names[] = {"description", "version", "severity", "on",  "when", "alert",
                                           "cooldown",    "route",   "explain",  "for", NULL};
static const char *const group_names[] = {"child", "subject", "episode", "la", "family", NULL};
static const char *const route_names[] = {"key_worker", "front_door", "team", NULL};
static const char *const severity_names[] = {"high", "medium", "low", NULL};
static const char *const placeholder_names[] = {"subject", "children",     "children_count", "la",
                                                "date",    "absence_rate", "weeks",          "days",
                                                "event",   "dependants",   "rule",           NULL};
/* Events count() and days_since() can look back at: the adult events the engine remembers. */
static const char *const counted_names[] = {"custody_start", "mh_spell_start", "nrpf_begins", NULL};

/* ---- errors and suggestions ------------------------------------------------------------- */

typedef struct tok {
  int type; /* one of the T_ values */
  const char *p;
  size_t len;
  uint32_t line, col;
} tok;

enum { T_EOF = 0, T_IDENT, T_NUMBER, T_STRING, T_PUNCT };

typedef struct parser {
  const char *src, *end, *cur;
  const char *file;
  uint32_t line;
  const char *line_start;
  tok t; /* current token */
  char *err;
  size_t errsz;
  int failed;
  int depth;
  hr_rulepack *pack;
  uint32_t nodes_cap, rules_cap;
  struct define *defs; /* named definitions, found before parsing (they may be used before they are written) */
  uint32_t ndefs;
  struct list_def *lists; /* named lists of events, found the same way */
  uint32_t nlists;
  uint32_t list_steps;                        /* items visited expanding lists: bounds lists of lists of lists */
  uint32_t expanding[HR_RULES_MAX_DEPTH + 1]; /* definitions being expanded, outermost first */
  uint32_t nexpanding;
  uint32_t lexed; /* tokens read, definitions' expansions included: bounds the work */
} parser;

/* `define NAME = condition`: kept as the position of its text and parsed again at each use, so
 * the condition is checked for the person it is used about (a child, or an adult in `any`). */
typedef struct define {
  tok name;
  const char *body; /* first character after '=' */
  uint32_t line;
  const char *line_start;
  uint32_t used;
} define;

/* `list NAME = item, item, ...`: a named list of events (or of other lists), as Falco's lists:
 * `on NAME` means on any of them. Its items are kept as tokens of the source. */
#define HR_RULES_MAX_LIST_ITEMS 64u
#define HR_RULES_MAX_LIST_STEPS 100000u
typedef struct list_def {
  tok name;
  tok items[HR_RULES_MAX_LIST_ITEMS];
  uint32_t nitems;
} list_def;

static void fail_at(parser *ps, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_at(parser *ps, uint32_t line, uint32_t col, const char *fmt, ...) {
  if (ps->failed) return;
  ps->failed = 1;
  int n = snprintf(ps->err, ps->errsz, "%s:%u:%u: ", ps->file, line, col);
  if (n < 0 || (size_t)n >= ps->errsz) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->err + n, ps->errsz - (size_t)n, fmt, ap);
  va_end(ap);
}
#define FAIL(ps, ...) fail_at((ps), (ps)->t.line, (ps)->t.col, __VA_ARGS__)

/* " (did you mean 'x'?)" for the nearest of names within distance 3, else "". */
static const char *suggest(const char *word, size_t len, const char *const *names, size_t stride, size_t count,
                           char *buf, size_t bufsz) {
  size_t best = 4;
  const char *pick = NULL;
  for (size_t i = 0; i < count; i++) {
    const char *n = *(const char *const *)((const char *)names + i * stride);
    if (!n) continue;
    size_t d = hr_edit_distance(word, len, n);
    if (d < best) best = d, pick = n;
  }
  if (!pick) return "";
  snprintf(buf, bufsz, " (did you mean '%s'?)", pick);
  return buf;
}

static int count_names(const char *const *names) {
  int n = 0;
  while (names[n])
    n++;
  return n;
}

/* ---- lexer ------------------------------------------------------------------------------ */

static int is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

#define HR_RULES_MAX_TOKENS 2000000u

static void next(parser *ps) {
  const char *c = ps->cur;
  if (++ps->lexed > HR_RULES_MAX_TOKENS && !ps->failed) {
    /* Only definitions used inside definitions can make this much text: each use is re-read. */
    fail_at(ps, ps->line, (uint32_t)(c - ps->line_start) + 1,
            "the rules are too large once definitions are expanded (more than %u words)", HR_RULES_MAX_TOKENS);
  }
  for (;;) {
    while (c < ps->end && (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')) {
      if (*c == '\n') ps->line++, ps->line_start = c + 1;
      c++;
    }
    if (c < ps->end && *c == '#') {
      while (c < ps->end && *c != '\n')
        c++;
      continue;
    }
    break;
  }
  tok t = {T_EOF, c, 0, ps->line, (uint32_t)(c - ps->line_start) + 1};
  if (c >= ps->end) {
    ps->t = t;
    ps->cur = c;
    return;
  }
  if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_') {
    const char *s = c;
    while (c < ps->end && is_ident_char(*c))
      c++;
    t.type = T_IDENT;
    t.len = (size_t)(c - s);
    if (t.len > 64) fail_at(ps, t.line, t.col, "name is longer than 64 characters");
  } else if (*c >= '0' && *c <= '9') {
    const char *s = c;
    while (c < ps->end && ((*c >= '0' && *c <= '9') || *c == '.'))
      c++;
    t.type = T_NUMBER;
    t.len = (size_t)(c - s);
    if (t.len > 15) fail_at(ps, t.line, t.col, "number is longer than 15 characters");
  } else if (*c == '"') {
    const char *s = c++;
    while (c < ps->end && *c != '"' && *c != '\n') {
      if (*c == '\\' && c + 1 < ps->end) c++;
      c++;
    }
    if (c >= ps->end || *c != '"') {
      fail_at(ps, t.line, t.col, "text in quotes is not closed on the same line");
    } else {
      c++;
    }
    t.type = T_STRING;
    t.len = (size_t)(c - s);
    if (t.len > 4096) fail_at(ps, t.line, t.col, "text in quotes is longer than 4096 characters");
  } else {
    t.type = T_PUNCT;
    t.len = 1;
    if (c + 1 < ps->end && (c[1] == '=') && (*c == '>' || *c == '<' || *c == '!' || *c == '=')) t.len = 2;
    if (!strchr("{}(),%<>=!", *c)) {
      fail_at(ps, t.line, t.col, "unexpected character '%c'", (*c >= 32 && *c < 127) ? *c : '?');
    }
    c += t.len;
  }
  ps->t = t;
  ps->cur = c;
}

static int is_word(const tok *t, const char *w) {
  return t->type == T_IDENT && strlen(w) == t->len && memcmp(t->p, w, t->len) == 0;
}
static int is_punct(const tok *t, const char *p) {
  return t->type == T_PUNCT && strlen(p) == t->len && memcmp(t->p, p, t->len) == 0;
}

static int expect_punct(parser *ps, const char *p) {
  if (!is_punct(&ps->t, p)) {
    FAIL(ps, "expected '%s' but found '%.*s'", p, (int)(ps->t.len ? ps->t.len : 3), ps->t.len ? ps->t.p : "end");
    return -1;
  }
  next(ps);
  return 0;
}

static int expect_word(parser *ps, const char *w) {
  if (!is_word(&ps->t, w)) {
    FAIL(ps, "expected '%s' but found '%.*s'", w, (int)(ps->t.len ? ps->t.len : 3), ps->t.len ? ps->t.p : "end");
    return -1;
  }
  next(ps);
  return 0;
}

static int word_index(const tok *t, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (is_word(t, names[i])) return i;
  return -1;
}

static char *dup_tok(const tok *t) {
  char *s = malloc(t->len + 1);
  if (s) memcpy(s, t->p, t->len), s[t->len] = '\0';
  return s;
}

/* String literal without quotes, with \" and \\ unescaped. */
static char *dup_string(const tok *t) {
  char *s = malloc(t->len);
  if (!s) return NULL;
  size_t n = 0;
  for (size_t i = 1; i + 1 < t->len; i++) {
    if (t->p[i] == '\\' && i + 2 < t->len) i++;
    s[n++] = t->p[i];
  }
  s[n] = '\0';
  return s;
}

/* Integer literal (no fraction) into *v; fails otherwise. */
static int parse_int(parser *ps, int64_t *v, int64_t max) {
  if (ps->failed) return -1; /* the lexer may have refused this token already */
  if (ps->t.type != T_NUMBER) {
    FAIL(ps, "expected a whole number but found '%.*s'", (int)ps->t.len, ps->t.p);
    return -1;
  }
  int64_t x = 0;
  for (size_t i = 0; i < ps->t.len; i++) {
    char c = ps->t.p[i];
    if (c < '0' || c > '9') {
      FAIL(ps, "expected a whole number but found '%.*s'", (int)ps->t.len, ps->t.p);
      return -1;
    }
    x = x * 10 + (c - '0');
    if (x > max) { /* checked per digit, so x never overflows */
      FAIL(ps, "%.*s is too large here (at most %lld)", (int)ps->t.len, ps->t.p, (long long)max);
      return -1;
    }
  }
  *v = x;
  next(ps);
  return 0;
}

/* A duration "N days|weeks|hours" in microseconds. */
static int parse_duration(parser *ps, int64_t *us) {
  int64_t n;
  if (parse_int(ps, &n, 36500)) return -1;
  int64_t unit;
  if (is_word(&ps->t, "day") || is_word(&ps->t, "days"))
    unit = HR_US_PER_DAY;
  else if (is_word(&ps->t, "week") || is_word(&ps->t, "weeks"))
    unit = 7 * HR_US_PER_DAY;
  else if (is_word(&ps->t, "hour") || is_word(&ps->t, "hours"))
    unit = 3600 * HR_US_PER_SEC;
  else {
    FAIL(ps, "expected a unit (days, weeks or hours) after %lld", (long long)n);
    return -1;
  }
  next(ps);
  *us = n * unit;
  return 0;
}

/* ---- expressions ------------------------------------------------------------------------ */

typedef struct typed {
  uint32_t node;
  ty_kind type;
} typed;

static uint32_t new_node(parser *ps, uint8_t kind) {
  hr_rulepack *p = ps->pack;
  if (p->nnodes >= HR_RULES_MAX_NODES) {
    FAIL(ps, "the pack is too large (more than %u condition parts)", HR_RULES_MAX_NODES);
    return 0;
  }
  if (p->nnodes == ps->nodes_cap) {
    uint32_t cap = ps->nodes_cap ? ps->nodes_cap * 2 : 64;
    hr_node *n = realloc(p->nodes, cap * sizeof *n);
    if (!n) {
      FAIL(ps, "out of memory");
      return 0;
    }
    p->nodes = n;
    ps->nodes_cap = cap;
  }
  memset(&p->nodes[p->nnodes], 0, sizeof(hr_node));
  p->nodes[p->nnodes].kind = kind;
  return p->nnodes++;
}

static typed parse_or(parser *ps, ctx_kind ctx);

static const char *ctx_name(ctx_kind c) {
  return c == CTX_CHILD ? "a child" : c == CTX_ADULT ? "an adult" : "anyone";
}

static int parse_number_literal(parser *ps, hr_value *v) {
  if (ps->failed) return -1; /* e.g. the lexer refused a number longer than 15 characters */
  int64_t num = 0, den = 1;
  int frac = 0;
  for (size_t i = 0; i < ps->t.len; i++) {
    char c = ps->t.p[i];
    if (c == '.') {
      if (frac) {
        FAIL(ps, "'%.*s' is not a number", (int)ps->t.len, ps->t.p);
        return -1;
      }
      frac = 1;
      continue;
    }
    num = num * 10 + (c - '0');
    if (frac) den *= 10;
  }
  next(ps);
  if (is_punct(&ps->t, "%")) {
    den *= 100;
    next(ps);
  }
  v->kind = HR_VAL_NUM;
  v->num = num;
  v->den = den;
  return 0;
}

static typed parse_fact(parser *ps, ctx_kind ctx) {
  typed r = {0, TY_BOOL};
  tok name = ps->t;
  int id = -1;
  for (int i = 0; i < HR_FACT__COUNT; i++)
    if (is_word(&name, facts[i].name)) id = i;
  if (id < 0) {
    char sb[96];
    const char *hint = suggest(name.p, name.len, &facts[0].name, sizeof facts[0], HR_FACT__COUNT, sb, sizeof sb);
    /* Not near a fact: perhaps a misspelt definition. */
    size_t best = 4;
    for (uint32_t d = 0; !hint[0] && d < ps->ndefs; d++) {
      char dn[72];
      snprintf(dn, sizeof dn, "%.*s", (int)ps->defs[d].name.len, ps->defs[d].name.p);
      size_t dist = hr_edit_distance(name.p, name.len, dn);
      if (dist < best) best = dist, snprintf(sb, sizeof sb, " (did you mean '%s'?)", dn);
    }
    if (best < 4) hint = sb;
    fail_at(ps, name.line, name.col, "unknown fact '%.*s'%s", (int)name.len, name.p, hint);
    return r;
  }
  const struct fact_def *fd = &facts[id];
  if (fd->ctx == CTX_CHILD && ctx != CTX_CHILD && ctx != CTX_DEF) {
    fail_at(ps, name.line, name.col, "'%s' is about a child, but here the person is %s", fd->name, ctx_name(ctx));
    return r;
  }
  next(ps);
  uint32_t n = new_node(ps, HR_NODE_FACT);
  if (ps->failed) return r;
  hr_fact_args args = {0, 0, 0, 0, 0};
  ps->pack->nodes[n].line = name.line;
  ps->pack->nodes[n].col = name.col;
  if (fd->args == ARGS_WEEKS || fd->args == ARGS_WEEKS_MIN) {
    int64_t w, m = 0;
    if (expect_punct(ps, "(") || parse_int(ps, &w, 3660)) return r;
    int in_days = is_word(&ps->t, "days") || is_word(&ps->t, "day");
    if (!in_days && !is_word(&ps->t, "weeks") && !is_word(&ps->t, "week")) {
      FAIL(ps, "expected 'weeks' or 'days' after the window length");
      return r;
    }
    if (w < 1 || (!in_days && w > 520)) {
      FAIL(ps, "the window must be from 1 to %s", in_days ? "3660 days" : "520 weeks");
      return r;
    }
    next(ps);
    if (fd->args == ARGS_WEEKS_MIN && is_punct(&ps->t, ",")) {
      next(ps);
      if (expect_word(ps, "min") || parse_int(ps, &m, 100000)) return r;
      if (!is_word(&ps->t, "sessions")) {
        FAIL(ps, "expected 'sessions' after the minimum");
        return r;
      }
      next(ps);
    }
    if (expect_punct(ps, ")")) return r;
    if (in_days)
      args.days = (int32_t)w;
    else
      args.weeks = (int32_t)w;
    args.min_sessions = (int32_t)(fd->args == ARGS_WEEKS_MIN ? (m ? m : 1) : 0);
  } else if (fd->args == ARGS_WITHIN) {
    if (expect_word(ps, "within") || parse_duration(ps, &args.window_us)) return r;
  } else if (fd->args == ARGS_EVENT_WITHIN || fd->args == ARGS_EVENT) {
    /* count(custody_start within 365 days), days_since(custody_start) */
    if (expect_punct(ps, "(")) return r;
    int k = word_index(&ps->t, counted_names);
    if (k < 0) {
      char sb[96];
      FAIL(ps, "'%s' counts custody_start, mh_spell_start or nrpf_begins, not '%.*s'%s", fd->name, (int)ps->t.len,
           ps->t.p,
           suggest(ps->t.p, ps->t.len, counted_names, sizeof(char *), (size_t)count_names(counted_names), sb,
                   sizeof sb));
      return r;
    }
    args.event = k == 0 ? HR_TRIGGER_CUSTODY_START : k == 1 ? HR_TRIGGER_MH_SPELL_START : HR_TRIGGER_NRPF_BEGINS;
    next(ps);
    if (fd->args == ARGS_EVENT_WITHIN && (expect_word(ps, "within") || parse_duration(ps, &args.window_us))) return r;
    if (expect_punct(ps, ")")) return r;
  } else if (is_punct(&ps->t, "(")) {
    FAIL(ps, "'%s' takes no arguments", fd->name);
    return r;
  }
  ps->pack->nodes[n].fact = (uint8_t)id;
  ps->pack->nodes[n].args = args;
  ps->pack->reads |= 1u << id;
  r.node = n;
  r.type = fd->type;
  return r;
}

static int is_top_word(const tok *t) {
  return t->type == T_EOF || is_word(t, "rule") || is_word(t, "define") || is_word(t, "list");
}

static int find_list(const parser *ps, const tok *t) {
  for (uint32_t i = 0; t->type == T_IDENT && i < ps->nlists; i++)
    if (ps->lists[i].name.len == t->len && memcmp(ps->lists[i].name.p, t->p, t->len) == 0) return (int)i;
  return -1;
}

static int trigger_of(const tok *t) {
  for (int i = 0; i < HR_TRIGGER__COUNT; i++)
    if (is_word(t, trigger_names[i])) return i;
  return -1;
}

/* " (did you mean 'x'?)" for an unknown event: the nearest event or list name within 3. */
static const char *suggest_event(const parser *ps, const tok *w, char *buf, size_t bufsz) {
  size_t best = 4;
  char pick[128] = "", name[128];
  for (int i = 0; i < HR_TRIGGER__COUNT; i++) {
    size_t d = hr_edit_distance(w->p, w->len, trigger_names[i]);
    if (d < best) best = d, snprintf(pick, sizeof pick, "%s", trigger_names[i]);
  }
  for (uint32_t i = 0; i < ps->nlists; i++) {
    const tok *n = &ps->lists[i].name;
    if (n->len >= sizeof name) continue;
    memcpy(name, n->p, n->len);
    name[n->len] = '\0';
    size_t d = hr_edit_distance(w->p, w->len, name);
    if (d < best) best = d, memcpy(pick, name, n->len + 1);
  }
  if (!pick[0]) return "";
  snprintf(buf, bufsz, " (did you mean '%s'?)", pick);
  return buf;
}

/* The events an item names: an event's bit, or every event of a list (and of the lists in it).
 * chain holds the lists being expanded, for cycles. 0 on error (reported at the item). */
static uint32_t item_events(parser *ps, const tok *item, uint32_t *chain, uint32_t depth) {
  if (++ps->list_steps > HR_RULES_MAX_LIST_STEPS) {
    fail_at(ps, item->line, item->col, "lists expand to more than %u items; name fewer lists inside lists",
            HR_RULES_MAX_LIST_STEPS);
    return 0;
  }
  int t = trigger_of(item);
  if (t >= 0) return 1u << t;
  int l = find_list(ps, item);
  if (l < 0) {
    char sb[160];
    fail_at(ps, item->line, item->col, "unknown event '%.*s'%s", (int)item->len, item->p,
            suggest_event(ps, item, sb, sizeof sb));
    return 0;
  }
  for (uint32_t i = 0; i < depth; i++)
    if (chain[i] == (uint32_t)l) {
      const tok *n = &ps->lists[l].name;
      fail_at(ps, item->line, item->col, "lists form a cycle: '%.*s' includes itself", (int)n->len, n->p);
      return 0;
    }
  if (depth >= HR_RULES_MAX_DEPTH) {
    fail_at(ps, item->line, item->col, "lists are put inside each other more than %d deep", HR_RULES_MAX_DEPTH);
    return 0;
  }
  chain[depth] = (uint32_t)l;
  uint32_t bits = 0;
  const list_def *ld = &ps->lists[l];
  for (uint32_t i = 0; i < ld->nitems && !ps->failed; i++)
    bits |= item_events(ps, &ld->items[i], chain, depth + 1);
  return ps->failed ? 0 : bits;
}

/* Adds where a definition was used to an error found inside it. */
static void note_use(parser *ps, const define *df, const tok *use) {
  size_t l = strlen(ps->err);
  if (l + 1 < ps->errsz)
    snprintf(ps->err + l, ps->errsz - l, " (in definition '%.*s', used at %u:%u)", (int)df->name.len, df->name.p,
             use->line, use->col);
}

/* A use of a definition: its text is parsed here, for the person here. */
static typed expand_define(parser *ps, uint32_t d, ctx_kind ctx) {
  typed r = {0, TY_BOOL};
  define *df = &ps->defs[d];
  tok use = ps->t;
  for (uint32_t i = 0; i < ps->nexpanding; i++) {
    if (ps->expanding[i] != d) continue;
    char chain[600];
    size_t n = 0;
    for (uint32_t j = i; j < ps->nexpanding && n < sizeof chain - 80; j++) {
      const define *x = &ps->defs[ps->expanding[j]];
      int w = snprintf(chain + n, sizeof chain - n, "'%.*s' uses ", (int)x->name.len, x->name.p);
      if (w > 0) n += (size_t)w;
    }
    snprintf(chain + n, sizeof chain - n, "'%.*s'", (int)df->name.len, df->name.p);
    fail_at(ps, use.line, use.col, "definitions form a cycle: %s", chain);
    return r;
  }
  if (ps->nexpanding >= HR_RULES_MAX_DEPTH) {
    FAIL(ps, "definitions are used inside each other more than %d deep", HR_RULES_MAX_DEPTH);
    return r;
  }
  df->used = 1;
  const char *cur = ps->cur, *line_start = ps->line_start;
  uint32_t line = ps->line;
  ps->cur = df->body;
  ps->line = df->line;
  ps->line_start = df->line_start;
  ps->expanding[ps->nexpanding++] = d;
  next(ps);
  r = parse_or(ps, ctx);
  if (!ps->failed && !is_top_word(&ps->t))
    FAIL(ps, "unexpected '%.*s' in the definition of '%.*s' (a definition is one condition or number)", (int)ps->t.len,
         ps->t.p, (int)df->name.len, df->name.p);
  ps->nexpanding--;
  if (ps->failed) {
    if (ctx != CTX_DEF) note_use(ps, df, &use);
    return r;
  }
  ps->cur = cur;
  ps->line = line;
  ps->line_start = line_start;
  next(ps);
  return r;
}

static typed parse_operand(parser *ps, ctx_kind ctx) {
  typed r = {0, TY_BOOL};
  if (ps->t.type == T_NUMBER) {
    uint32_t n = new_node(ps, HR_NODE_NUM);
    if (ps->failed || parse_number_literal(ps, &ps->pack->nodes[n].value)) return r;
    r.node = n;
    r.type = TY_NUM;
    return r;
  }
  if (is_punct(&ps->t, "(")) {
    next(ps);
    r = parse_or(ps, ctx);
    if (!ps->failed) expect_punct(ps, ")");
    return r;
  }
  if (ps->t.type == T_IDENT) {
    for (uint32_t d = 0; d < ps->ndefs; d++)
      if (ps->defs[d].name.len == ps->t.len && memcmp(ps->defs[d].name.p, ps->t.p, ps->t.len) == 0)
        return expand_define(ps, d, ctx);
    return parse_fact(ps, ctx);
  }
  FAIL(ps, "expected a fact, a number or '(' but found '%.*s'", (int)(ps->t.len ? ps->t.len : 3),
       ps->t.len ? ps->t.p : "end");
  return r;
}

static int cmp_op(const tok *t) {
  if (is_punct(t, "<")) return HR_CMP_LT;
  if (is_punct(t, "<=")) return HR_CMP_LE;
  if (is_punct(t, ">")) return HR_CMP_GT;
  if (is_punct(t, ">=")) return HR_CMP_GE;
  if (is_punct(t, "=") || is_punct(t, "==")) return HR_CMP_EQ;
  if (is_punct(t, "!=")) return HR_CMP_NE;
  return 0;
}

static typed parse_unary(parser *ps, ctx_kind ctx) {
  typed r = {0, TY_BOOL};
  if (++ps->depth > HR_RULES_MAX_DEPTH) {
    FAIL(ps, "the condition is nested more than %d deep", HR_RULES_MAX_DEPTH);
    return r;
  }
  tok at = ps->t;
  if (is_word(&ps->t, "not")) {
    next(ps);
    typed a = parse_unary(ps, ctx);
    if (ps->failed) return r;
    if (a.type != TY_BOOL) {
      fail_at(ps, at.line, at.col, "'not' needs a yes/no condition, not a number");
      return r;
    }
    uint32_t n = new_node(ps, HR_NODE_NOT);
    if (ps->failed) return r;
    ps->pack->nodes[n].a = a.node;
    r.node = n;
  } else if (is_word(&ps->t, "any")) {
    next(ps);
    int rel = -1;
    tok rt = ps->t;
    for (int i = 0; i < HR_REL__COUNT; i++)
      if (is_word(&rt, relations[i].name)) rel = i;
    if (rel < 0) {
      char sb[96];
      FAIL(ps, "unknown relation '%.*s'%s", (int)rt.len, rt.p,
           suggest(rt.p, rt.len, &relations[0].name, sizeof relations[0], HR_REL__COUNT, sb, sizeof sb));
      return r;
    }
    if (relations[rel].from != CTX_ANY && ctx != CTX_ANY && ctx != CTX_DEF && relations[rel].from != ctx) {
      FAIL(ps, "'any %s' needs the person to be %s, but here the person is %s", relations[rel].name,
           ctx_name(relations[rel].from), ctx_name(ctx));
      return r;
    }
    next(ps);
    if (expect_punct(ps, "(")) return r;
    typed a = parse_or(ps, relations[rel].to);
    if (ps->failed || expect_punct(ps, ")")) return r;
    if (a.type != TY_BOOL) {
      fail_at(ps, at.line, at.col, "'any %s (...)' needs a yes/no condition inside", relations[rel].name);
      return r;
    }
    uint32_t n = new_node(ps, HR_NODE_ANY);
    if (ps->failed) return r;
    ps->pack->nodes[n].a = a.node;
    ps->pack->nodes[n].rel = (uint8_t)rel;
    r.node = n;
  } else {
    typed a = parse_operand(ps, ctx);
    if (ps->failed) return r;
    int op = cmp_op(&ps->t);
    if (!op) {
      r = a;
    } else {
      tok optok = ps->t;
      next(ps);
      typed b = parse_operand(ps, ctx);
      if (ps->failed) return r;
      if (a.type != TY_NUM || b.type != TY_NUM) {
        fail_at(ps, optok.line, optok.col, "'%.*s' compares numbers, but one side is a yes/no condition",
                (int)optok.len, optok.p);
        return r;
      }
      if (ps->pack->nodes[a.node].kind == HR_NODE_NUM && ps->pack->nodes[b.node].kind == HR_NODE_NUM) {
        fail_at(ps, optok.line, optok.col,
                "'%.*s' compares two fixed numbers, so it never changes; compare a fact with a number", (int)optok.len,
                optok.p);
        return r;
      }
      uint32_t n = new_node(ps, HR_NODE_CMP);
      if (ps->failed) return r;
      ps->pack->nodes[n].a = a.node;
      ps->pack->nodes[n].b = b.node;
      ps->pack->nodes[n].op = (uint8_t)op;
      ps->pack->nodes[n].line = optok.line;
      ps->pack->nodes[n].col = optok.col;
      r.node = n;
      r.type = TY_BOOL;
    }
  }
  ps->depth--;
  return r;
}

static typed parse_binary(parser *ps, ctx_kind ctx, int is_or) {
  typed a = is_or ? parse_binary(ps, ctx, 0) : parse_unary(ps, ctx);
  const char *word = is_or ? "or" : "and";
  while (!ps->failed && is_word(&ps->t, word)) {
    tok at = ps->t;
    next(ps);
    typed b = is_or ? parse_binary(ps, ctx, 0) : parse_unary(ps, ctx);
    if (ps->failed) break;
    if (a.type != TY_BOOL || b.type != TY_BOOL) {
      fail_at(ps, at.line, at.col, "'%s' joins yes/no conditions, but one side is a number", word);
      break;
    }
    uint32_t n = new_node(ps, is_or ? HR_NODE_OR : HR_NODE_AND);
    if (ps->failed) break;
    ps->pack->nodes[n].a = a.node;
    ps->pack->nodes[n].b = b.node;
    a.node = n;
  }
  return a;
}

static typed parse_or(parser *ps, ctx_kind ctx) {
  if (++ps->depth > HR_RULES_MAX_DEPTH) {
    typed r = {0, TY_BOOL};
    FAIL(ps, "the condition is nested more than %d deep", HR_RULES_MAX_DEPTH);
    return r;
  }
  typed r = parse_binary(ps, ctx, 1);
  ps->depth--;
  return r;
}

/* ---- rules ------------------------------------------------------------------------------ */

static int check_template(parser *ps, const tok *at, const char *s) {
  for (const char *c = s; *c; c++) {
    if (*c != '{') continue;
    const char *e = strchr(c, '}');
    if (!e) {
      fail_at(ps, at->line, at->col, "'{' without a closing '}' in the explanation");
      return -1;
    }
    tok w = {T_IDENT, c + 1, (size_t)(e - c - 1), 0, 0};
    if (word_index(&w, placeholder_names) < 0) {
      char sb[96];
      fail_at(ps, at->line, at->col, "unknown placeholder '{%.*s}' in the explanation%s", (int)w.len, w.p,
              suggest(w.p, w.len, placeholder_names, sizeof(char *), (size_t)count_names(placeholder_names), sb,
                      sizeof sb));
      return -1;
    }
    c = e;
  }
  return 0;
}

/* The first absence_rate fact of a condition (its window fills {weeks}, {days}), or NULL. */
static const hr_node *first_absence(const hr_rulepack *p, uint32_t n) {
  const hr_node *node = &p->nodes[n];
  if (node->kind == HR_NODE_FACT && node->fact == HR_FACT_ABSENCE_RATE) return node;
  if (node->kind == HR_NODE_NUM || node->kind == HR_NODE_FACT) return NULL;
  const hr_node *w = first_absence(p, node->a);
  if (!w && (node->kind == HR_NODE_AND || node->kind == HR_NODE_OR || node->kind == HR_NODE_CMP))
    w = first_absence(p, node->b);
  return w;
}

/* ---- what a condition can never do ---------------------------------------------------- */

/* The range a number can take, for one kind of event. Used only to find conditions that can
 * never hold: a rule that can never fire is a mistake its author wants to hear about. */
typedef struct range {
  double lo, hi;
  int defined; /* 0: the value is always unknown (e.g. a minimum no window can reach) */
} range;

static range num_range(const hr_rulepack *p, uint32_t n, int trig) {
  const hr_node *x = &p->nodes[n];
  range r = {0, 1e300, 1};
  if (x->kind == HR_NODE_NUM) {
    r.lo = r.hi = (double)x->value.num / (double)x->value.den;
    return r;
  }
  if (x->kind != HR_NODE_FACT) return r;
  /* A school week has at most 10 sessions (AM and PM, Monday to Friday); a day at most 2. */
  double max_sessions = x->args.days ? 2.0 * x->args.days : 10.0 * x->args.weeks;
  switch (x->fact) {
  case HR_FACT_ABSENCE_RATE:
    r.hi = 1;
    r.defined = x->args.min_sessions <= max_sessions;
    break;
  case HR_FACT_POSSIBLE_SESSIONS:
  case HR_FACT_ABSENT_SESSIONS: r.hi = max_sessions; break;
  case HR_FACT_CHILDREN: r.hi = HR_RULES_MAX_RELATED; break;
  case HR_FACT_DEPENDANTS:
    /* Only custody and NRPF records declare dependants. */
    if (trig == HR_TRIGGER_MH_SPELL_START || trig == HR_TRIGGER_ATTENDANCE_MARK) r.hi = 0;
    break;
  default: break;
  }
  return r;
}

static const char *const op_text[] = {"", "<", "<=", ">", ">=", "=", "!="};

/* Can node n be true (want 1) or false (want 0) on an event of kind trig? Errs on "yes". When
 * the answer is no for a comparison, why goes into why (the first such reason found). */
static int can_be(const hr_rulepack *p, uint32_t n, int want, int trig, char *why, size_t whysz) {
  const hr_node *x = &p->nodes[n];
  switch (x->kind) {
  case HR_NODE_NOT: return can_be(p, x->a, !want, trig, why, whysz);
  case HR_NODE_AND:
    return want ? can_be(p, x->a, 1, trig, why, whysz) && can_be(p, x->b, 1, trig, why, whysz)
                : can_be(p, x->a, 0, trig, why, whysz) || can_be(p, x->b, 0, trig, why, whysz);
  case HR_NODE_OR:
    return want ? can_be(p, x->a, 1, trig, why, whysz) || can_be(p, x->b, 1, trig, why, whysz)
                : can_be(p, x->a, 0, trig, why, whysz) && can_be(p, x->b, 0, trig, why, whysz);
  case HR_NODE_ANY: return want ? can_be(p, x->a, 1, trig, why, whysz) : 1;
  case HR_NODE_FACT:
    /* The subject of an attendance mark is always a register child. */
    if (x->fact == HR_FACT_MATCHED && trig == HR_TRIGGER_ATTENDANCE_MARK && !want) {
      if (!why[0]) snprintf(why, whysz, "at %u:%u 'matched' always holds for an attendance mark", x->line, x->col);
      return 0;
    }
    return 1;
  case HR_NODE_CMP: {
    if (!want) return 1; /* an unknown value makes any comparison false */
    range a = num_range(p, x->a, trig), b = num_range(p, x->b, trig);
    int ok = a.defined && b.defined;
    if (ok) switch (x->op) {
      case HR_CMP_LT: ok = a.lo < b.hi; break;
      case HR_CMP_LE: ok = a.lo <= b.hi; break;
      case HR_CMP_GT: ok = a.hi > b.lo; break;
      case HR_CMP_GE: ok = a.hi >= b.lo; break;
      case HR_CMP_EQ: ok = a.lo <= b.hi && b.lo <= a.hi; break;
      default: ok = !(a.lo == a.hi && b.lo == b.hi && a.lo == b.lo); break;
      }
    if (!ok && !why[0]) {
      const hr_node *f = p->nodes[x->a].kind == HR_NODE_FACT ? &p->nodes[x->a] : &p->nodes[x->b];
      const char *fname = f->kind == HR_NODE_FACT ? facts[f->fact].name : "the value";
      range fr = num_range(p, (uint32_t)(f - p->nodes), trig);
      if (!fr.defined)
        snprintf(why, whysz,
                 "at %u:%u '%s' is always unknown: its minimum of %d sessions is more than its window can hold",
                 x->line, x->col, fname, f->args.min_sessions);
      else if (f->kind == HR_NODE_FACT && f->fact == HR_FACT_ABSENCE_RATE)
        snprintf(why, whysz, "at %u:%u '%s' is between 0%% and 100%%, so '%s' never holds", x->line, x->col, fname,
                 op_text[x->op]);
      else
        snprintf(why, whysz, "at %u:%u '%s' is at most %g here, so '%s' never holds", x->line, x->col, fname, fr.hi,
                 op_text[x->op]);
    }
    return ok;
  }
  default: return 1;
  }
}

/* A rule that can never fire, or that lists an event its condition can never hold on. */
static void check_reachable(parser *ps, const hr_rule *r, const tok *at) {
  char why[256] = "";
  uint32_t never = 0, n = 0;
  for (int t = 0; t < HR_TRIGGER__COUNT; t++) {
    if (!(r->triggers & (1u << t))) continue;
    n++;
    char w[256] = "";
    if (!can_be(ps->pack, r->when, 1, t, w, sizeof w)) {
      never |= 1u << t;
      if (!why[0]) memcpy(why, w, sizeof why);
    }
  }
  if (!never) return;
  if (__builtin_popcount(never) == (int)n) {
    fail_at(ps, at->line, at->col, "rule '%s' can never fire: its condition can never hold (%s)", r->id, why);
    return;
  }
  int t = __builtin_ctz(never);
  fail_at(ps, at->line, at->col,
          "rule '%s' runs on '%s' but its condition can never hold for that event (%s); remove it from 'on'", r->id,
          trigger_names[t], why);
}

static void parse_rule(parser *ps) {
  hr_rulepack *p = ps->pack;
  tok rule_tok = ps->t;
  next(ps); /* "rule" */
  if (ps->t.type != T_IDENT) {
    FAIL(ps, "expected the rule's name after 'rule'");
    return;
  }
  for (uint32_t i = 0; i < p->nrules; i++)
    if (is_word(&ps->t, p->rules[i].id)) {
      FAIL(ps, "a rule named '%s' is already defined on line %u", p->rules[i].id, p->rules[i].line);
      return;
    }
  if (p->nrules >= HR_RULES_MAX_RULES) {
    FAIL(ps, "too many rules (at most %u)", HR_RULES_MAX_RULES);
    return;
  }
  if (p->nrules == ps->rules_cap) {
    uint32_t cap = ps->rules_cap ? ps->rules_cap * 2 : 8;
    hr_rule *r = realloc(p->rules, cap * sizeof *r);
    if (!r) {
      FAIL(ps, "out of memory");
      return;
    }
    p->rules = r;
    ps->rules_cap = cap;
  }
  hr_rule *r = &p->rules[p->nrules++];
  memset(r, 0, sizeof *r);
  r->id = dup_tok(&ps->t);
  r->line = rule_tok.line;
  r->version = 1;
  r->when = UINT32_MAX;
  next(ps);
  if (expect_punct(ps, "{")) return;
  ctx_kind ctx = CTX_ANY;
  int seen[16] = {0};
  while (!ps->failed && !is_punct(&ps->t, "}")) {
    if (ps->t.type == T_EOF) {
      fail_at(ps, rule_tok.line, rule_tok.col, "rule '%s' is not closed with '}'", r->id);
      return;
    }
    tok ct = ps->t;
    int clause = word_index(&ct, clause_names);
    if (clause < 0) {
      char sb[96];
      FAIL(ps, "unknown clause '%.*s' in rule '%s'%s", (int)ct.len, ct.p, r->id,
           suggest(ct.p, ct.len, clause_names, sizeof(char *), (size_t)count_names(clause_names), sb, sizeof sb));
      return;
    }
    if (seen[clause]++) {
      FAIL(ps, "'%s' is given twice in rule '%s'", clause_names[clause], r->id);
      return;
    }
    next(ps);
    switch (clause) {
    case 0: /* description */
    case 8: /* explain */
      if (ps->t.type != T_STRING) {
        FAIL(ps, "expected text in double quotes after '%s'", clause_names[clause]);
        return;
      }
      if (clause == 0)
        r->description = dup_string(&ps->t);
      else {
        r->explain = dup_string(&ps->t);
        if (r->explain && check_template(ps, &ps->t, r->explain)) return;
      }
      next(ps);
      break;
    case 1: { /* version */
      int64_t v;
      if (parse_int(ps, &v, 1000000)) return;
      r->version = (uint32_t)v;
      break;
    }
    case 2: { /* severity */
      int s = word_index(&ps->t, severity_names);
      if (s < 0) {
        FAIL(ps, "severity must be high, medium or low, not '%.*s'", (int)ps->t.len, ps->t.p);
        return;
      }
      r->severity = dup_tok(&ps->t);
      next(ps);
      break;
    }
    case 3: /* on */
      for (;;) {
        uint32_t chain[HR_RULES_MAX_DEPTH], bits;
        if (trigger_of(&ps->t) < 0 && find_list(ps, &ps->t) < 0) {
          char sb[160];
          FAIL(ps, "unknown event '%.*s' after 'on'%s", (int)ps->t.len, ps->t.p,
               suggest_event(ps, &ps->t, sb, sizeof sb));
          return;
        }
        if (!(bits = item_events(ps, &ps->t, chain, 0))) return;
        for (int t = 0; t < HR_TRIGGER__COUNT; t++) {
          if (!(bits & (1u << t))) continue;
          ctx_kind tctx = t == HR_TRIGGER_ATTENDANCE_MARK ? CTX_CHILD : CTX_ADULT;
          if (ctx != CTX_ANY && ctx != tctx) {
            FAIL(ps, "rule '%s' mixes events about a child and about an adult; split it in two", r->id);
            return;
          }
          ctx = tctx;
        }
        r->triggers |= bits;
        next(ps);
        if (!is_punct(&ps->t, ",")) break;
        next(ps);
      }
      break;
    case 4: { /* when */
      if (!r->triggers) {
        FAIL(ps, "put 'on' before 'when' in rule '%s' (the condition depends on the event)", r->id);
        return;
      }
      tok wt = ps->t;
      typed c = parse_or(ps, ctx);
      if (ps->failed) return;
      if (c.type != TY_BOOL) {
        fail_at(ps, wt.line, wt.col, "the condition of rule '%s' is a number; compare it (for example '>= 10%%')",
                r->id);
        return;
      }
      r->when = c.node;
      break;
    }
    case 5: /* alert per */
      if (expect_word(ps, "per")) return;
      for (;;) {
        int g = word_index(&ps->t, group_names);
        if (g < 0) {
          char sb[96];
          FAIL(ps, "unknown grouping '%.*s'%s", (int)ps->t.len, ps->t.p,
               suggest(ps->t.p, ps->t.len, group_names, sizeof(char *), (size_t)count_names(group_names), sb,
                       sizeof sb));
          return;
        }
        r->group |= 1u << g;
        next(ps);
        if (!is_punct(&ps->t, ",")) break;
        next(ps);
      }
      break;
    case 6: /* cooldown */
      if (parse_duration(ps, &r->cooldown_us)) return;
      break;
    case 7: /* route */
      for (;;) {
        int k = word_index(&ps->t, route_names);
        if (k < 0) {
          char sb[96];
          FAIL(ps, "unknown route '%.*s'%s", (int)ps->t.len, ps->t.p,
               suggest(ps->t.p, ps->t.len, route_names, sizeof(char *), (size_t)count_names(route_names), sb,
                       sizeof sb));
          return;
        }
        if (r->nroutes == HR_RULE_MAX_ROUTES) {
          FAIL(ps, "at most %d routes", HR_RULE_MAX_ROUTES);
          return;
        }
        hr_route_kind kind = k == 0 ? HR_ROUTE_KEY_WORKER : k == 1 ? HR_ROUTE_FRONT_DOOR : HR_ROUTE_TEAM;
        next(ps);
        /* `team` alone is the key worker's team; `team NAME` (or "NAME") a team the rule names. */
        if (kind == HR_ROUTE_TEAM && (ps->t.type == T_STRING || (ps->t.type == T_IDENT && !is_word(&ps->t, "or") &&
                                                                 word_index(&ps->t, clause_names) < 0))) {
          if (r->route_team) {
            FAIL(ps, "a rule can name one team");
            return;
          }
          r->route_team = ps->t.type == T_STRING ? dup_string(&ps->t) : dup_tok(&ps->t);
          if (!r->route_team || !r->route_team[0]) {
            FAIL(ps, "the team's name is empty");
            return;
          }
          kind = HR_ROUTE_NAMED_TEAM;
          next(ps);
        }
        r->routes[r->nroutes++] = kind;
        if (!is_word(&ps->t, "or")) break;
        next(ps);
      }
      if (r->routes[r->nroutes - 1] != HR_ROUTE_FRONT_DOOR && r->routes[r->nroutes - 1] != HR_ROUTE_NAMED_TEAM) {
        FAIL(ps, "end the route of rule '%s' with 'or front_door' (or a named team) so every alert reaches someone",
             r->id);
        return;
      }
      break;
    case 9: /* for */
      if (parse_duration(ps, &r->for_us)) return;
      break;
    }
  }
  if (ps->failed) return;
  next(ps); /* "}" */
  const char *missing = !r->triggers            ? "on"
                        : r->when == UINT32_MAX ? "when"
                        : !r->severity          ? "severity"
                        : !r->group             ? "alert per"
                        : !r->nroutes           ? "route"
                                                : NULL;
  if (missing) {
    fail_at(ps, rule_tok.line, rule_tok.col, "rule '%s' has no '%s' clause", r->id, missing);
    return;
  }
  if ((r->group & HR_GROUP_CHILD) && !(r->triggers & (1u << HR_TRIGGER_ATTENDANCE_MARK))) {
    fail_at(ps, rule_tok.line, rule_tok.col, "rule '%s' groups 'per child' but runs on events about adults", r->id);
    return;
  }
  if ((r->group & (HR_GROUP_SUBJECT | HR_GROUP_EPISODE)) && (r->triggers & (1u << HR_TRIGGER_ATTENDANCE_MARK))) {
    fail_at(ps, rule_tok.line, rule_tok.col, "rule '%s' runs on attendance marks: group it 'per child'", r->id);
    return;
  }
  if (!r->explain) r->explain = dup_string(&(tok){T_STRING, "\"\"", 2, 0, 0});
  if (!r->description) r->description = dup_string(&(tok){T_STRING, "\"\"", 2, 0, 0});
  const hr_node *abs = first_absence(p, r->when);
  r->explain_weeks = abs ? abs->args.weeks : 0;
  r->explain_days = abs ? abs->args.days : 0;
  check_reachable(ps, r, &rule_tok);
}

/* Words a definition or a list may not be named: the language's own, events, relations. */
static int is_language_word(const tok *t) {
  static const char *const reserved[] = {"and", "or", "not", "any", "within", "min", "rule", "define", "list", NULL};
  static const char *const relation_words[] = {"carer", "parent", "child", "sibling", "household", NULL};
  return word_index(t, reserved) >= 0 || trigger_of(t) >= 0 || word_index(t, relation_words) >= 0;
}

/* define NAME = condition (or number). Checked here on its own; parsed again where used. */
static void parse_define(parser *ps) {
  next(ps); /* "define" */
  tok name = ps->t;
  if (name.type != T_IDENT) {
    FAIL(ps, "expected a name after 'define'");
    return;
  }
  for (int i = 0; i < HR_FACT__COUNT; i++)
    if (is_word(&name, facts[i].name)) {
      FAIL(ps, "'%s' is already a fact; give the definition another name", facts[i].name);
      return;
    }
  int l = find_list(ps, &name);
  if (l >= 0 && ps->lists[l].name.p < name.p) { /* the later of the two is the mistake */
    FAIL(ps, "'%.*s' is already a list (line %u); give the definition another name", (int)name.len, name.p,
         ps->lists[l].name.line);
    return;
  }
  if (is_language_word(&name)) {
    FAIL(ps, "'%.*s' is a word of the language; give the definition another name", (int)name.len, name.p);
    return;
  }
  uint32_t d = UINT32_MAX;
  for (uint32_t i = 0; i < ps->ndefs; i++)
    if (ps->defs[i].name.p == name.p) d = i;
  for (uint32_t i = 0; i < ps->ndefs && d != UINT32_MAX; i++)
    if (i != d && ps->defs[i].name.len == name.len && memcmp(ps->defs[i].name.p, name.p, name.len) == 0 &&
        ps->defs[i].name.p < name.p) {
      FAIL(ps, "'%.*s' is already defined on line %u", (int)name.len, name.p, ps->defs[i].name.line);
      return;
    }
  if (d == UINT32_MAX) { /* the scan stopped early (a lexical error before this point) */
    FAIL(ps, "cannot read the definition of '%.*s'", (int)name.len, name.p);
    return;
  }
  next(ps);
  if (expect_punct(ps, "=")) return;
  /* Check it alone: names, types, cycles. The nodes built for the check are dropped. */
  uint32_t nnodes = ps->pack->nnodes, reads = ps->pack->reads;
  ps->expanding[ps->nexpanding++] = d;
  parse_or(ps, CTX_DEF);
  ps->nexpanding--;
  if (ps->failed) return;
  if (!is_top_word(&ps->t)) {
    FAIL(ps, "unexpected '%.*s' in the definition of '%.*s' (a definition is one condition or number)", (int)ps->t.len,
         ps->t.p, (int)name.len, name.p);
    return;
  }
  ps->pack->nnodes = nnodes;
  ps->pack->reads = reads;
}

/* list NAME = item, item, ...: read by the scan already; checked here (its name, and that every
 * item is an event or a list, with no cycle), whether or not a rule uses it. */
static void parse_list(parser *ps) {
  next(ps); /* "list" */
  tok name = ps->t;
  if (name.type != T_IDENT) {
    FAIL(ps, "expected a name after 'list'");
    return;
  }
  int is_fact = 0;
  for (int i = 0; i < HR_FACT__COUNT; i++)
    is_fact |= is_word(&name, facts[i].name);
  if (is_language_word(&name) || is_fact) {
    FAIL(ps, "'%.*s' is a word of the language; give the list another name", (int)name.len, name.p);
    return;
  }
  for (uint32_t i = 0; i < ps->ndefs; i++)
    if (ps->defs[i].name.len == name.len && memcmp(ps->defs[i].name.p, name.p, name.len) == 0 &&
        ps->defs[i].name.p < name.p) {
      FAIL(ps, "'%.*s' is already a definition (line %u); give the list another name", (int)name.len, name.p,
           ps->defs[i].name.line);
      return;
    }
  int l = -1;
  for (uint32_t i = 0; i < ps->nlists; i++) {
    const tok *n = &ps->lists[i].name;
    if (n->len != name.len || memcmp(n->p, name.p, name.len) != 0) continue;
    if (n->p < name.p) {
      FAIL(ps, "'%.*s' is already a list (line %u)", (int)name.len, name.p, n->line);
      return;
    }
    if (n->p == name.p) l = (int)i;
  }
  if (l < 0) { /* the scan stopped early, or the list is malformed: say where */
    next(ps);
    if (!is_punct(&ps->t, "="))
      FAIL(ps, "expected '=' after 'list %.*s'", (int)name.len, name.p);
    else {
      next(ps);
      FAIL(ps, "expected an event or a list's name in list '%.*s', not '%.*s'", (int)name.len, name.p,
           (int)(ps->t.len ? ps->t.len : 3), ps->t.len ? ps->t.p : "end");
    }
    return;
  }
  next(ps); /* name */
  next(ps); /* "=" */
  const list_def *ld = &ps->lists[l];
  for (uint32_t i = 0; i < ld->nitems; i++) { /* the tokens the scan kept, in order */
    uint32_t chain[HR_RULES_MAX_DEPTH] = {(uint32_t)l};
    if (!item_events(ps, &ld->items[i], chain, 1)) return;
    next(ps);                         /* the item */
    if (i + 1 < ld->nitems) next(ps); /* "," */
  }
  if (is_punct(&ps->t, ",")) {
    FAIL(ps, "list '%.*s' has more than %u items", (int)name.len, name.p, HR_RULES_MAX_LIST_ITEMS);
    return;
  }
  if (!is_top_word(&ps->t))
    FAIL(ps, "unexpected '%.*s' after list '%.*s' (separate its items with commas)", (int)ps->t.len, ps->t.p,
         (int)name.len, name.p);
}

/* Room for one more element in a growing array: 0, or -1 (out of memory, reported). */
static int grow(parser *ps, void **arr, uint32_t *cap, uint32_t n, size_t size) {
  if (n < *cap) return 0;
  uint32_t c = *cap ? *cap * 2 : 8;
  void *na = realloc(*arr, c * size);
  if (!na) {
    fail_at(ps, 1, 1, "out of memory");
    return -1;
  }
  *arr = na;
  *cap = c;
  return 0;
}

/* Finds every `define NAME =` and every `list NAME = item, ...` before parsing, so either may be
 * used before (or inside) the other of its kind; a cycle is then reported where it closes. A
 * malformed list is not kept: parse_list reports it where it is. */
static int scan_names(parser *ps) {
  char err[8];
  parser scan = *ps;
  scan.err = err;
  scan.errsz = sizeof err;
  uint32_t defs_cap = 0, lists_cap = 0;
  while (!scan.failed && scan.t.type != T_EOF) {
    int is_define = is_word(&scan.t, "define");
    if (!is_define && !is_word(&scan.t, "list")) {
      next(&scan);
      continue;
    }
    next(&scan);
    tok name = scan.t;
    if (name.type != T_IDENT) continue;
    next(&scan);
    if (!is_punct(&scan.t, "=")) continue;
    if ((is_define ? ps->ndefs : ps->nlists) == HR_RULES_MAX_DEFINES) {
      fail_at(ps, name.line, name.col, "too many %s (at most %u)", is_define ? "definitions" : "lists",
              HR_RULES_MAX_DEFINES);
      return -1;
    }
    if (is_define) {
      if (grow(ps, (void **)&ps->defs, &defs_cap, ps->ndefs, sizeof *ps->defs)) return -1;
      ps->defs[ps->ndefs++] = (define){name, scan.cur, scan.line, scan.line_start, 0};
      next(&scan);
      continue;
    }
    next(&scan);
    list_def ld = {.name = name};
    int ok = 1;
    for (;;) {
      if (scan.t.type != T_IDENT || ld.nitems == HR_RULES_MAX_LIST_ITEMS) {
        ok = 0;
        break;
      }
      ld.items[ld.nitems++] = scan.t;
      next(&scan);
      if (!is_punct(&scan.t, ",")) break;
      next(&scan);
    }
    if (!ok) continue;
    if (grow(ps, (void **)&ps->lists, &lists_cap, ps->nlists, sizeof *ps->lists)) return -1;
    ps->lists[ps->nlists++] = ld;
  }
  return 0;
}

hr_rulepack *hr_rulepack_compile(const char *text, size_t len, const char *filename, char *errstr, size_t errsz) {
  char dummy[8];
  if (!errstr || !errsz) errstr = dummy, errsz = sizeof dummy;
  errstr[0] = '\0';
  if (!filename) filename = "<rules>";
  if (len > HR_RULES_MAX_FILE) {
    snprintf(errstr, errsz, "%s: the file is larger than %u bytes", filename, HR_RULES_MAX_FILE);
    return NULL;
  }
  if (memchr(text, '\0', len)) {
    snprintf(errstr, errsz, "%s: the file contains a NUL byte; is it a text file?", filename);
    return NULL;
  }
  hr_rulepack *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(errstr, errsz, "%s: out of memory", filename);
    return NULL;
  }
  parser ps = {.src = text,
               .end = text + len,
               .cur = text,
               .file = filename,
               .line = 1,
               .line_start = text,
               .err = errstr,
               .errsz = errsz,
               .pack = p};
  next(&ps);
  if (scan_names(&ps) == 0) ps.lexed = 0;
  if (is_word(&ps.t, "pack")) {
    next(&ps);
    if (ps.t.type != T_IDENT)
      FAIL(&ps, "expected the pack's name after 'pack'");
    else {
      p->name = dup_tok(&ps.t);
      next(&ps);
    }
  }
  while (!ps.failed && ps.t.type != T_EOF) {
    if (is_word(&ps.t, "define")) {
      parse_define(&ps);
      continue;
    }
    if (is_word(&ps.t, "list")) {
      parse_list(&ps);
      continue;
    }
    if (!is_word(&ps.t, "rule")) {
      FAIL(&ps, "expected 'rule', 'define' or 'list' but found '%.*s'", (int)ps.t.len, ps.t.p);
      break;
    }
    parse_rule(&ps);
  }
  free(ps.defs);
  free(ps.lists);
  if (!ps.failed && p->nrules == 0) fail_at(&ps, ps.line, 1, "the pack has no rules");
  if (!ps.failed) {
    for (int t = 0; t < HR_TRIGGER__COUNT; t++) {
      p->by_trigger[t] = calloc(p->nrules, sizeof(uint32_t));
      if (!p->by_trigger[t]) {
        fail_at(&ps, 1, 1, "out of memory");
        break;
      }
      for (uint32_t i = 0; i < p->nrules; i++)
        if (p->rules[i].triggers & (1u << t)) p->by_trigger[t][p->nby_trigger[t]++] = i;
    }
  }
  if (ps.failed) {
    hr_rulepack_free(p);
    return NULL;
  }
  if (!p->name) p->name = dup_tok(&(tok){T_IDENT, "unnamed", 7, 0, 0});
  hr_sha256 sha;
  unsigned char d[32];
  hr_sha256_init(&sha);
  hr_sha256_update(&sha, text, len);
  hr_sha256_final(&sha, d);
  hr_hex(d, 32, p->checksum);
  return p;
}

hr_rulepack *hr_rulepack_load(const char *path, char *errstr, size_t errsz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errstr, errsz, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = malloc(HR_RULES_MAX_FILE + 1);
  size_t n = buf ? fread(buf, 1, HR_RULES_MAX_FILE + 1, f) : 0;
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    snprintf(errstr, errsz, "%s: cannot read", path);
    free(buf);
    return NULL;
  }
  hr_rulepack *p = hr_rulepack_compile(buf, n, path, errstr, errsz);
  free(buf);
  return p;
}

void hr_rulepack_free(hr_rulepack *p) {
  if (!p) return;
  for (uint32_t i = 0; i < p->nrules; i++) {
    free(p->rules[i].id);
    free(p->rules[i].description);
    free(p->rules[i].severity);
    free(p->rules[i].explain);
    free(p->rules[i].route_team);
  }
  for (int t = 0; t < HR_TRIGGER__COUNT; t++)
    free(p->by_trigger[t]);
  free(p->rules);
  free(p->nodes);
  free(p->name);
  free(p);
}

uint32_t hr_rulepack_count(const hr_rulepack *p) {
  return p->nrules;
}
const hr_rule *hr_rulepack_rule(const hr_rulepack *p, uint32_t i) {
  return &p->rules[i];
}
const char *hr_rulepack_name(const hr_rulepack *p) {
  return p->name;
}
const char *hr_rulepack_checksum(const hr_rulepack *p) {
  return p->checksum;
}
const uint32_t *hr_rulepack_for_trigger(const hr_rulepack *p, hr_trigger t, uint32_t *n) {
  *n = p->nby_trigger[t];
  return p->by_trigger[t];
}
int hr_rulepack_reads(const hr_rulepack *p, hr_fact_id f) {
  return (p->reads >> f) & 1;
}

/* Tests of rules/src: the rule language's compiler (errors a person can act on, hostile input)
 * and evaluator (exact thresholds, undefined values, evidence roll-back). */
#include <stdlib.h>

#include "hr_test.h"
#include "hr_time.h"
#include "rules.h"

static char err[512];

static hr_rulepack *compile(const char *text) {
  return hr_rulepack_compile(text, strlen(text), "t.rules", err, sizeof err);
}

static void expect_error(const char *text, const char *want) {
  hr_rulepack *p = compile(text);
  if (p) {
    hr_test_fail(__FILE__, __LINE__, "compiled, but expected error %s", want);
    hr_rulepack_free(p);
    return;
  }
  if (!strstr(err, want)) hr_test_fail(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", err, want);
}

#define RULE_HEAD "rule r {\n  severity high\n  on attendance_mark\n  alert per child\n  route front_door\n"

static void test_reference_pack_compiles_with_five_rules(void) {
  hr_rulepack *p = hr_rulepack_load("rules/packs/reference.rules", err, sizeof err);
  CHECK(p != NULL);
  if (!p) return;
  CHECK_INT(hr_rulepack_count(p), 5);
  CHECK_STR(hr_rulepack_name(p), "reference");
  CHECK_STR(hr_rulepack_rule(p, 0)->id, "parental_custody");
  CHECK_INT(hr_rulepack_rule(p, 2)->cooldown_us, 28 * HR_US_PER_DAY);
  uint32_t n;
  hr_rulepack_for_trigger(p, HR_TRIGGER_ATTENDANCE_MARK, &n);
  CHECK_INT(n, 2);
  hr_rulepack_for_trigger(p, HR_TRIGGER_NRPF_BEGINS, &n);
  CHECK_INT(n, 1);
  CHECK(hr_rulepack_reads(p, HR_FACT_ABSENCE_RATE));
  CHECK(!hr_rulepack_reads(p, HR_FACT_AGE));
  CHECK_INT(strlen(hr_rulepack_checksum(p)), 64);
  hr_rulepack_free(p);
}

static void test_misspelt_fact_names_line_column_and_suggestion(void) {
  expect_error(RULE_HEAD "  when absense_rate(6 weeks) >= 10%\n}\n",
               "t.rules:6:8: unknown fact 'absense_rate' (did you mean 'absence_rate'?)");
  expect_error(RULE_HEAD "  wen x\n}\n", "t.rules:6:3: unknown clause 'wen' in rule 'r' (did you mean 'when'?)");
  expect_error("rule r {\n  on atendance_mark\n}\n",
               "unknown event 'atendance_mark' after 'on' (did you mean 'attendance_mark'?)");
  expect_error(RULE_HEAD "  when any carrer (nrpf_active)\n}\n", "unknown relation 'carrer' (did you mean 'carer'?)");
}

static void test_type_errors_are_reported(void) {
  expect_error(RULE_HEAD "  when nrpf_active >= 10%\n}\n", "compares numbers");
  expect_error(RULE_HEAD "  when absence_rate(6 weeks)\n}\n", "is a number; compare it");
  expect_error(RULE_HEAD "  when children and nrpf_active\n}\n", "joins yes/no conditions");
  expect_error("rule r {\n severity high\n on custody_start\n alert per subject\n route front_door\n when "
               "absence_rate(6 weeks) > 1\n}\n",
               "'absence_rate' is about a child, but here the person is an adult");
  expect_error(RULE_HEAD "  when any child (nrpf_active)\n}\n", "'any child' needs the person to be an adult");
  expect_error("rule r {\n severity high\n on custody_start, attendance_mark\n}\n",
               "mixes events about a child and about an adult");
}

static void test_missing_and_repeated_clauses(void) {
  expect_error("rule r {\n  on attendance_mark\n  when nrpf_active\n}\n", "rule 'r' has no 'severity' clause");
  expect_error(RULE_HEAD "  when nrpf_active\n  severity low\n}\n", "'severity' is given twice");
  expect_error(RULE_HEAD "  when nrpf_active\n", "is not closed");
  expect_error(
      "rule r {\n severity high\n on attendance_mark\n alert per child\n route key_worker\n when nrpf_active\n}\n",
      "end the route of rule 'r' with 'or front_door'");
  expect_error(RULE_HEAD "  when nrpf_active\n  explain \"{absence}\"\n}\n", "unknown placeholder '{absence}'");
  expect_error(RULE_HEAD "  when nrpf_active\n}\n" RULE_HEAD "  when nrpf_active\n}\n",
               "a rule named 'r' is already defined");
  expect_error("", "the pack has no rules");
}

static void test_hostile_input_is_bounded(void) {
  /* Deep nesting. */
  char *deep = malloc(20000);
  strcpy(deep, RULE_HEAD "  when ");
  for (int i = 0; i < 1000; i++)
    strcat(deep, "(");
  strcat(deep, "nrpf_active");
  for (int i = 0; i < 1000; i++)
    strcat(deep, ")");
  strcat(deep, "\n}\n");
  expect_error(deep, "nested more than 32 deep");
  /* not not not ... */
  strcpy(deep, RULE_HEAD "  when ");
  for (int i = 0; i < 1000; i++)
    strcat(deep, "not ");
  strcat(deep, "nrpf_active\n}\n");
  expect_error(deep, "nested more than 32 deep");
  free(deep);
  expect_error(RULE_HEAD "  when children >= 1234567890123456789\n}\n", "number is longer than 15 characters");
  expect_error(RULE_HEAD "  when custody_started within 99999999 days\n}\n", "too large");
  /* Found by fuzz_rules: a 19-digit duration once overflowed while being read. */
  expect_error(RULE_HEAD "  when custody_started within 2666666666666666666 days\n}\n", "longer than 15 characters");
  expect_error("rule r {\n cooldown 26666666666666666666 days\n}\n", "longer than 15 characters");
  char big[6000];
  memset(big, 'a', sizeof big);
  memcpy(big, "rule r { description \"", 22);
  big[sizeof big - 1] = '\0';
  expect_error(big, "not closed on the same line");
  expect_error("rule r {\0}", "is not closed"); /* strlen stops at the NUL */
  hr_rulepack *p = hr_rulepack_compile("rule r {\0}", 10, "t.rules", err, sizeof err);
  CHECK(p == NULL);
  CHECK(strstr(err, "NUL byte") != NULL);
}

/* ---- evaluation ---------------------------------------------------------------------------- */

typedef struct fake {
  int64_t absent, possible;
  int nrpf[4];
  uint32_t carers[4], ncarers;
  uint32_t evidence;
} fake;

static hr_value fake_fact(void *ud, uint32_t p, hr_fact_id f, const hr_fact_args *a) {
  fake *x = ud;
  hr_value v = {HR_VAL_BOOL, 0, 0, 1};
  if (f == HR_FACT_ABSENCE_RATE) {
    if (x->possible < a->min_sessions) return (hr_value){HR_VAL_UNDEF, 0, 0, 1};
    return (hr_value){HR_VAL_NUM, 0, x->absent, x->possible};
  }
  if (f == HR_FACT_NRPF_ACTIVE) {
    v.b = p < 4 && x->nrpf[p];
    if (v.b) x->evidence++;
  }
  return v;
}
static uint32_t fake_related(void *ud, uint32_t p, hr_relation r, uint32_t *out, uint32_t max) {
  fake *x = ud;
  (void)p;
  (void)r;
  uint32_t n = x->ncarers < max ? x->ncarers : max;
  memcpy(out, x->carers, n * sizeof *out);
  return n;
}
static uint32_t fake_mark(void *ud) {
  return ((fake *)ud)->evidence;
}
static void fake_reset(void *ud, uint32_t m) {
  ((fake *)ud)->evidence = m;
}

static int eval_with(hr_rulepack *p, fake *x) {
  hr_rule_env env = {x, fake_fact, fake_related, fake_mark, fake_reset};
  return hr_rule_eval(p, hr_rulepack_rule(p, 0), &env, 0);
}

static void test_percent_threshold_is_exact(void) {
  hr_rulepack *p = compile(RULE_HEAD "  when absence_rate(6 weeks, min 20 sessions) >= 10%\n}\n");
  CHECK(p != NULL);
  if (!p) return;
  fake x = {0};
  x.absent = 2, x.possible = 20;
  CHECK(eval_with(p, &x));
  x.absent = 3, x.possible = 30;
  CHECK(eval_with(p, &x));
  x.absent = 7, x.possible = 71;
  CHECK(!eval_with(p, &x));
  x.absent = 19, x.possible = 19; /* under the minimum: undefined, so false */
  CHECK(!eval_with(p, &x));
  hr_rulepack_free(p);
  p = compile(RULE_HEAD "  when absence_rate(6 weeks) > 12.5%\n}\n");
  x.absent = 1, x.possible = 8;
  CHECK(!eval_with(p, &x));
  x.absent = 2, x.possible = 15;
  CHECK(eval_with(p, &x));
  hr_rulepack_free(p);
}

static void test_any_carer_and_evidence_rollback(void) {
  hr_rulepack *p =
      compile(RULE_HEAD "  when (nrpf_active and absence_rate(6 weeks) > 50%) or any carer (nrpf_active)\n}\n");
  CHECK(p != NULL);
  if (!p) return;
  fake x = {0};
  x.nrpf[0] = 1; /* the child is NRPF but absence is low: the first branch fails */
  x.absent = 1, x.possible = 10;
  CHECK(!eval_with(p, &x));
  CHECK_INT(x.evidence, 0); /* the child's NRPF evidence was rolled back */
  x.carers[0] = 1, x.carers[1] = 2, x.ncarers = 2;
  x.nrpf[2] = 1;
  CHECK(eval_with(p, &x));
  CHECK_INT(x.evidence, 1); /* only carer 2's */
  hr_rulepack_free(p);
  p = compile(RULE_HEAD "  when not any carer (nrpf_active)\n}\n");
  x.evidence = 0;
  CHECK(!eval_with(p, &x));
  x.nrpf[2] = 0;
  CHECK(eval_with(p, &x));
  CHECK_INT(x.evidence, 0);
  hr_rulepack_free(p);
}

static void test_comments_and_clause_values_parse(void) {
  hr_rulepack *p = compile("# a pack\npack mine\nrule r { # the rule\n version 7\n severity low\n on attendance_mark\n"
                           " when possible_sessions(4 weeks) != 0 and absent_sessions(4 weeks) < 3\n"
                           " alert per child\n cooldown 2 weeks\n route key_worker or front_door\n"
                           " description \"say \\\"hi\\\"\"\n explain \"{weeks} weeks\"\n}\n");
  CHECK(p != NULL);
  if (!p) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  const hr_rule *r = hr_rulepack_rule(p, 0);
  CHECK_INT(r->version, 7);
  CHECK_STR(r->severity, "low");
  CHECK_INT(r->cooldown_us, 14 * HR_US_PER_DAY);
  CHECK_INT(r->nroutes, 2);
  CHECK_STR(r->description, "say \"hi\"");
  CHECK_STR(hr_rulepack_name(p), "mine");
  hr_rulepack_free(p);
}

/* ---- the language's newer constructs -------------------------------------------------- */

static void test_new_constructs_compile_to_what_they_say(void) {
  hr_rulepack *p =
      compile("define recent = custody_started within 90 days or mh_spell_started within 90 days\n"
              "define rate = absence_rate(30 days, min 20 sessions)\n"
              "rule a {\n severity high\n on attendance_mark\n when rate >= 10% and any carer (recent)\n"
              " for 2 weeks\n alert per family\n route key_worker or team or team \"Early Help East\"\n"
              " explain \"{days} days: {absence_rate}\"\n}\n"
              "rule b {\n severity low\n on custody_start\n when count(custody_start within 365 days) >= 2 and "
              "days_since(mh_spell_start) <= 30 and recent\n alert per subject, episode\n route team MASH\n}\n");
  CHECK(p != NULL);
  if (!p) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  const hr_rule *a = hr_rulepack_rule(p, 0), *b = hr_rulepack_rule(p, 1);
  CHECK_INT(a->for_us, 14 * HR_US_PER_DAY);
  CHECK_INT(a->group, HR_GROUP_FAMILY);
  CHECK_INT(a->nroutes, 3);
  CHECK_INT(a->routes[0], HR_ROUTE_KEY_WORKER);
  CHECK_INT(a->routes[1], HR_ROUTE_TEAM);
  CHECK_INT(a->routes[2], HR_ROUTE_NAMED_TEAM);
  CHECK_STR(a->route_team, "Early Help East");
  CHECK_INT(a->explain_days, 30);
  CHECK_INT(a->explain_weeks, 0);
  CHECK_INT(b->nroutes, 1);
  CHECK_STR(b->route_team, "MASH");
  CHECK(hr_rulepack_reads(p, HR_FACT_COUNT));
  CHECK(hr_rulepack_reads(p, HR_FACT_DAYS_SINCE));
  CHECK(hr_rulepack_reads(p, HR_FACT_MH_SPELL_STARTED));
  hr_rulepack_free(p);
}

/* A definition behaves exactly as its text written in place. */
static void test_definition_is_its_text(void) {
  hr_rulepack *p = compile("define low = absence_rate(6 weeks, min 20 sessions) < 50%\n" RULE_HEAD
                           "  when not low and any carer (nrpf_active)\n}\n");
  hr_rulepack *q = compile(RULE_HEAD "  when not absence_rate(6 weeks, min 20 sessions) < 50% and any carer "
                                     "(nrpf_active)\n}\n");
  CHECK(p && q);
  if (!p || !q) {
    hr_rulepack_free(p);
    hr_rulepack_free(q);
    return;
  }
  fake x = {0};
  x.carers[0] = 1, x.ncarers = 1;
  for (int absent = 0; absent <= 30; absent += 3)
    for (int nrpf = 0; nrpf <= 1; nrpf++) {
      x.absent = absent, x.possible = 30, x.nrpf[1] = nrpf;
      CHECK_INT(eval_with(p, &x), eval_with(q, &x));
    }
  hr_rulepack_free(p);
  hr_rulepack_free(q);
}

static void test_definition_errors(void) {
  expect_error("define a = b\ndefine b = a\n" RULE_HEAD "  when a\n}\n",
               "t.rules:2:12: definitions form a cycle: 'a' uses 'b' uses 'a'");
  expect_error("define a = not a\n" RULE_HEAD "  when a\n}\n", "t.rules:1:16: definitions form a cycle: 'a' uses 'a'");
  expect_error("define a = nrpf_active\ndefine a = adult\n" RULE_HEAD "  when a\n}\n",
               "t.rules:2:8: 'a' is already defined on line 1");
  expect_error("define children = adult\n" RULE_HEAD "  when children\n}\n", "'children' is already a fact");
  expect_error("define carer = adult\n" RULE_HEAD "  when carer\n}\n", "'carer' is a word of the language");
  expect_error("define a = absense_rate(6 weeks) > 1\n" RULE_HEAD "  when a\n}\n",
               "t.rules:1:12: unknown fact 'absense_rate' (did you mean 'absence_rate'?)");
  expect_error("define a = nrpf_active adult\n" RULE_HEAD "  when a\n}\n",
               "unexpected 'adult' in the definition of 'a'");
  /* About a child, used about an adult: the error points into the definition and at the use. */
  expect_error("define absent = absence_rate(6 weeks) > 10%\nrule r {\n severity high\n on custody_start\n"
               " alert per subject\n route front_door\n when children >= 1 and absent\n}\n",
               "t.rules:1:17: 'absence_rate' is about a child, but here the person is an adult (in definition "
               "'absent', used at 7:25)");
  expect_error("define recent_adversity = adult\n" RULE_HEAD "  when recent_adversty\n}\n",
               "t.rules:7:8: unknown fact 'recent_adversty' (did you mean 'recent_adversity'?)");
  expect_error("define n = children\n" RULE_HEAD "  when n and adult\n}\n", "joins yes/no conditions");
  /* Definitions doubling at each level: refused, quickly, rather than expanded forever. */
  char *big = malloc(8192);
  strcpy(big, "define d0 = nrpf_active\n");
  for (int i = 1; i < 12; i++)
    sprintf(big + strlen(big), "define d%d = d%d and d%d and d%d and d%d\n", i, i - 1, i - 1, i - 1, i - 1);
  strcat(big, RULE_HEAD "  when d11\n}\n");
  expect_error(big, "too large");
  free(big);
}

static void test_new_syntax_errors(void) {
  expect_error(RULE_HEAD "  when count(custody_started within 30 days) > 1\n}\n",
               "'count' counts custody_start, mh_spell_start or nrpf_begins, not 'custody_started' (did you mean "
               "'custody_start'?)");
  expect_error(RULE_HEAD "  when count(custody_start) > 1\n}\n", "expected 'within'");
  expect_error(RULE_HEAD "  when days_since(custody_start within 3 days) > 1\n}\n", "expected ')'");
  expect_error(RULE_HEAD "  when absence_rate(6 fortnights) > 1%\n}\n", "expected 'weeks' or 'days'");
  expect_error(RULE_HEAD "  when absence_rate(5000 days) > 1%\n}\n", "too large");
  expect_error(RULE_HEAD "  when absence_rate(600 weeks) > 1%\n}\n", "from 1 to 520 weeks");
  expect_error(RULE_HEAD "  when nrpf_active\n  for ever\n}\n", "expected a whole number");
  expect_error("rule r {\n severity high\n on attendance_mark\n alert per child\n route team\n when nrpf_active\n}\n",
               "end the route of rule 'r' with 'or front_door' (or a named team)");
  expect_error("rule r {\n severity high\n on attendance_mark\n alert per child\n route team A or team B\n when "
               "nrpf_active\n}\n",
               "a rule can name one team");
  expect_error(RULE_HEAD "  when nrpf_active\n  explain \"{day}\"\n}\n", "(did you mean 'days'?)");
}

static void test_unreachable_rules_are_refused(void) {
  expect_error(RULE_HEAD "  when absence_rate(6 weeks, min 20 sessions) > 100%\n}\n",
               "t.rules:1:1: rule 'r' can never fire: its condition can never hold (at 6:47 'absence_rate' is "
               "between 0% and 100%, so '>' never holds)");
  expect_error(RULE_HEAD "  when absence_rate(2 weeks, min 21 sessions) >= 10%\n}\n",
               "its minimum of 21 sessions is more than its window can hold");
  expect_error(RULE_HEAD "  when absence_rate(3 days, min 7 sessions) >= 10%\n}\n",
               "its minimum of 7 sessions is more than its window can hold");
  expect_error(RULE_HEAD "  when possible_sessions(1 week) > 10\n}\n", "'possible_sessions' is at most 10 here");
  expect_error(RULE_HEAD "  when not matched\n}\n", "'matched' always holds for an attendance mark");
  expect_error(RULE_HEAD "  when dependants > 0\n}\n", "'dependants' is at most 0 here");
  expect_error(RULE_HEAD "  when 1 > 2\n}\n", "'>' compares two fixed numbers");
  /* An event the condition can never see: MH records declare no dependants. */
  expect_error("rule r {\n severity high\n on custody_start, mh_spell_start\n alert per subject\n route front_door\n"
               " when dependants > 0\n}\n",
               "rule 'r' runs on 'mh_spell_start' but its condition can never hold for that event (at 6:18 "
               "'dependants' is at most 0 here, so '>' never holds); remove it from 'on'");
  /* Conditions that can hold are left alone, however unusual. */
  hr_rulepack *p = compile(RULE_HEAD "  when absence_rate(2 weeks, min 20 sessions) >= 100% or not nrpf_active\n}\n");
  CHECK(p != NULL);
  hr_rulepack_free(p);
  p = compile(RULE_HEAD "  when not (dependants > 0)\n}\n");
  CHECK(p != NULL);
  hr_rulepack_free(p);
}

#define ADULT_RULE(on)                                                                                                 \
  "rule r {\n severity low\n on " on "\n when children >= 1\n alert per subject\n route front_door\n}\n"

/* `on LIST` is `on` every event of the list, and of the lists in it, used before or after. */
static void test_lists_expand_to_their_events(void) {
  hr_rulepack *p =
      compile("list all = custody_start, later\n" ADULT_RULE("all") "list later = mh_spell_start, nrpf_begins\n");
  hr_rulepack *q = compile(ADULT_RULE("custody_start, mh_spell_start, nrpf_begins"));
  hr_rulepack *one = compile("list l = nrpf_begins\n" ADULT_RULE("custody_start, l"));
  CHECK(p && q && one);
  if (p && q && one) {
    CHECK_INT(hr_rulepack_rule(p, 0)->triggers, hr_rulepack_rule(q, 0)->triggers);
    CHECK_INT(hr_rulepack_rule(p, 0)->triggers,
              1u << HR_TRIGGER_CUSTODY_START | 1u << HR_TRIGGER_MH_SPELL_START | 1u << HR_TRIGGER_NRPF_BEGINS);
    CHECK_INT(hr_rulepack_rule(one, 0)->triggers, 1u << HR_TRIGGER_CUSTODY_START | 1u << HR_TRIGGER_NRPF_BEGINS);
    for (int t = 0; t < HR_TRIGGER__COUNT; t++) {
      uint32_t np, nq;
      hr_rulepack_for_trigger(p, (hr_trigger)t, &np);
      hr_rulepack_for_trigger(q, (hr_trigger)t, &nq);
      CHECK_INT(np, nq);
    }
  }
  hr_rulepack_free(p);
  hr_rulepack_free(q);
  hr_rulepack_free(one);
}

static void test_list_errors(void) {
  expect_error("list a = custody_start, mh_spel_start\n" ADULT_RULE("a"),
               "t.rules:1:25: unknown event 'mh_spel_start' (did you mean 'mh_spell_start'?)");
  expect_error(ADULT_RULE("adversty") "list adversity = custody_start\n",
               "unknown event 'adversty' after 'on' (did you mean 'adversity'?)");
  expect_error("list a = b\nlist b = custody_start, a\n" ADULT_RULE("a"), "lists form a cycle: 'a' includes itself");
  expect_error("list a = custody_start\nlist a = nrpf_begins\n" ADULT_RULE("a"),
               "t.rules:2:6: 'a' is already a list (line 1)");
  expect_error("list children = custody_start\n" ADULT_RULE("custody_start"), "'children' is a word of the language");
  expect_error("list custody_start = nrpf_begins\n" ADULT_RULE("custody_start"), "is a word of the language");
  expect_error("define a = adult\nlist a = nrpf_begins\n" ADULT_RULE("a"), "already a definition");
  expect_error("list a = nrpf_begins\ndefine a = adult\n" ADULT_RULE("a"), "'a' is already a list (line 1)");
  expect_error("define list = adult\n" ADULT_RULE("custody_start"), "'list' is a word of the language");
  expect_error("list mixed = custody_start, attendance_mark\n" ADULT_RULE("mixed"),
               "mixes events about a child and about an adult");
  expect_error("list a custody_start\n" ADULT_RULE("custody_start"), "t.rules:1:8: expected '=' after 'list a'");
  expect_error("list a = 5\n" ADULT_RULE("custody_start"), "expected an event or a list's name in list 'a', not '5'");
  expect_error("list a = custody_start nrpf_begins\n" ADULT_RULE("a"),
               "unexpected 'nrpf_begins' after list 'a' (separate its items with commas)");
  /* Hostile: lists doubling at each level are refused quickly, not expanded 2^30 times. */
  char *big = malloc(8192);
  size_t o = (size_t)snprintf(big, 8192, "list l0 = custody_start, nrpf_begins\n");
  for (int i = 1; i <= 30; i++)
    o += (size_t)snprintf(big + o, 8192 - o, "list l%d = l%d, l%d\n", i, i - 1, i - 1);
  snprintf(big + o, 8192 - o, ADULT_RULE("l30"));
  expect_error(big, "lists expand to more than 100000 items");
  /* ... and 33 lists deep is too deep. */
  o = (size_t)snprintf(big, 8192, "list d0 = custody_start\n");
  for (int i = 1; i <= 33; i++)
    o += (size_t)snprintf(big + o, 8192 - o, "list d%d = d%d\n", i, i - 1);
  snprintf(big + o, 8192 - o, ADULT_RULE("d33"));
  expect_error(big, "more than 32 deep");
  free(big);
}

static const hr_test_case tests[] = {
    {"lists_expand_to_their_events", test_lists_expand_to_their_events},
    {"list_errors", test_list_errors},
    {"new_constructs_compile_to_what_they_say", test_new_constructs_compile_to_what_they_say},
    {"definition_is_its_text", test_definition_is_its_text},
    {"definition_errors", test_definition_errors},
    {"new_syntax_errors", test_new_syntax_errors},
    {"unreachable_rules_are_refused", test_unreachable_rules_are_refused},
    {"reference_pack_compiles_with_five_rules", test_reference_pack_compiles_with_five_rules},
    {"misspelt_fact_names_line_column_and_suggestion", test_misspelt_fact_names_line_column_and_suggestion},
    {"type_errors_are_reported", test_type_errors_are_reported},
    {"missing_and_repeated_clauses", test_missing_and_repeated_clauses},
    {"hostile_input_is_bounded", test_hostile_input_is_bounded},
    {"percent_threshold_is_exact", test_percent_threshold_is_exact},
    {"any_carer_and_evidence_rollback", test_any_carer_and_evidence_rollback},
    {"comments_and_clause_values_parse", test_comments_and_clause_values_parse},
};
HR_TEST_MAIN(tests)

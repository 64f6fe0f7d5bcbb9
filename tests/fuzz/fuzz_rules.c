/* fuzz_rules: the rule compiler on arbitrary bytes. Whatever the input, compiling returns a
 * pack or NULL with an error that names "<fuzz>:line:col"; a pack that compiles keeps the
 * promises the engine relies on and evaluates without crashing against a fake environment for
 * every rule. Seeds (tests/fuzz/corpus/fuzz_rules) hold every construct: definitions, lists,
 * for, count, days_since, windows in days, team routes, alert per family. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static hr_value fact(void *ud, uint32_t p, hr_fact_id f, const hr_fact_args *a) {
  (void)ud;
  (void)a;
  hr_value v = {HR_VAL_NUM, 0, (int64_t)(p + f) % 7, 5};
  if (f == HR_FACT_NRPF_ACTIVE || f == HR_FACT_ADULT || f == HR_FACT_MATCHED || f == HR_FACT_CUSTODY_STARTED ||
      f == HR_FACT_MH_SPELL_STARTED) {
    v.kind = HR_VAL_BOOL;
    v.b = (p + f) & 1;
  }
  return v;
}
static uint32_t related(void *ud, uint32_t p, hr_relation r, uint32_t *out, uint32_t max) {
  (void)ud;
  uint32_t n = (p + r) % 3 < max ? (p + r) % 3 : max;
  for (uint32_t i = 0; i < n; i++) out[i] = p + i + 1;
  return p > 20 ? 0 : n; /* bounded depth of people */
}
static uint32_t mark(void *ud) { return *(uint32_t *)ud; }
static void reset(void *ud, uint32_t m) { *(uint32_t *)ud = m; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  hr_rulepack *p = hr_rulepack_compile((const char *)data, size, "<fuzz>", err, sizeof err);
  if (!p) {
    if (strncmp(err, "<fuzz>:", 7) != 0) abort(); /* every error names the input and a position */
    return 0;
  }
  uint32_t ev = 0;
  hr_rule_env env = {&ev, fact, related, mark, reset};
  for (uint32_t i = 0; i < hr_rulepack_count(p); i++) {
    const hr_rule *r = hr_rulepack_rule(p, i);
    /* What a compiled rule promises the engine: it runs on something, groups by something,
     * and its route ends with someone who always exists (the front door or a named team). */
    if (!r->triggers || !r->group || !r->nroutes || r->nroutes > HR_RULE_MAX_ROUTES) abort();
    hr_route_kind last = r->routes[r->nroutes - 1];
    if (last != HR_ROUTE_FRONT_DOOR && !(last == HR_ROUTE_NAMED_TEAM && r->route_team && r->route_team[0])) abort();
    if (r->for_us < 0 || r->cooldown_us < 0) abort();
    hr_rule_eval(p, r, &env, 0);
  }
  hr_rulepack_free(p);
  return 0;
}

/* rule_eval: evaluates a compiled condition. Pure: every fact comes through hr_rule_env.
 * Comparisons with an undefined value are false; evidence gathered by a sub-condition that
 * turns out false is rolled back, so an alert lists only what made it fire. */
#include "rules_int.h"

static int cmp_values(hr_value x, hr_value y, int op) {
  if (x.kind != HR_VAL_NUM || y.kind != HR_VAL_NUM) return 0;
  /* Exact: x.num/x.den ? y.num/y.den with positive denominators. */
  __int128 l = (__int128)x.num * y.den, r = (__int128)y.num * x.den;
  switch (op) {
  case HR_CMP_LT: return l < r;
  case HR_CMP_LE: return l <= r;
  case HR_CMP_GT: return l > r;
  case HR_CMP_GE: return l >= r;
  case HR_CMP_EQ: return l == r;
  case HR_CMP_NE: return l != r;
  default: return 0;
  }
}

/* A value node: a number or a fact. */
static hr_value eval_value(const hr_rulepack *p, uint32_t n, const hr_rule_env *env, uint32_t person);

/* A condition node, as true or false. Conditions recurse as conditions: only the leaves of a
 * comparison are values (a rule runs for every attendance mark; this is its inner loop). */
static int eval_bool(const hr_rulepack *p, uint32_t n, const hr_rule_env *env, uint32_t person) {
  const hr_node *node = &p->nodes[n];
  switch (node->kind) {
  case HR_NODE_NOT: {
    uint32_t mark = env->evidence_mark(env->ud);
    int b = eval_bool(p, node->a, env, person);
    env->evidence_reset(env->ud, mark); /* evidence of what did not happen is no evidence */
    return !b;
  }
  case HR_NODE_AND: {
    uint32_t mark = env->evidence_mark(env->ud);
    if (eval_bool(p, node->a, env, person) && eval_bool(p, node->b, env, person)) return 1;
    env->evidence_reset(env->ud, mark);
    return 0;
  }
  case HR_NODE_OR: {
    uint32_t mark = env->evidence_mark(env->ud);
    if (eval_bool(p, node->a, env, person)) return 1;
    env->evidence_reset(env->ud, mark);
    if (eval_bool(p, node->b, env, person)) return 1;
    env->evidence_reset(env->ud, mark);
    return 0;
  }
  case HR_NODE_CMP: {
    uint32_t mark = env->evidence_mark(env->ud);
    hr_value x = eval_value(p, node->a, env, person), y = eval_value(p, node->b, env, person);
    int b = cmp_values(x, y, node->op);
    if (!b) env->evidence_reset(env->ud, mark);
    return b;
  }
  case HR_NODE_ANY: {
    uint32_t related[HR_RULES_MAX_RELATED];
    uint32_t count =
        person == UINT32_MAX ? 0 : env->related(env->ud, person, (hr_relation)node->rel, related, HR_RULES_MAX_RELATED);
    for (uint32_t i = 0; i < count; i++) {
      uint32_t mark = env->evidence_mark(env->ud);
      if (eval_bool(p, node->a, env, related[i])) return 1;
      env->evidence_reset(env->ud, mark);
    }
    return 0;
  }
  case HR_NODE_NUM:
  case HR_NODE_FACT: {
    hr_value v = eval_value(p, n, env, person); /* a fact used as a condition */
    return v.kind == HR_VAL_BOOL && v.b;
  }
  default: return 0;
  }
}

static hr_value eval_value(const hr_rulepack *p, uint32_t n, const hr_rule_env *env, uint32_t person) {
  const hr_node *node = &p->nodes[n];
  switch (node->kind) {
  case HR_NODE_NUM: return node->value;
  case HR_NODE_FACT: return env->fact(env->ud, person, (hr_fact_id)node->fact, &node->args);
  default: { /* a condition where a value is wanted: true or false (never a value node: see above) */
    hr_value v = {HR_VAL_BOOL, eval_bool(p, n, env, person), 0, 1};
    return v;
  }
  }
}

int hr_rule_eval(const hr_rulepack *p, const hr_rule *r, const hr_rule_env *env, uint32_t subject) {
  return eval_bool(p, r->when, env, subject);
}

/* rules_int.h: the compiled form of a pack, shared by the compiler and the evaluator only. */
#ifndef HR_RULES_INT_H
#define HR_RULES_INT_H

#include "rules.h"

typedef enum hr_node_kind {
  HR_NODE_NUM = 1, /* literal number (value) */
  HR_NODE_FACT,    /* fact with args */
  HR_NODE_NOT,     /* a */
  HR_NODE_AND,     /* a, b */
  HR_NODE_OR,      /* a, b */
  HR_NODE_CMP,     /* a op b */
  HR_NODE_ANY,     /* any rel (a) */
} hr_node_kind;

typedef enum hr_cmp_op { HR_CMP_LT = 1, HR_CMP_LE, HR_CMP_GT, HR_CMP_GE, HR_CMP_EQ, HR_CMP_NE } hr_cmp_op;

typedef struct hr_node {
  uint8_t kind;   /* hr_node_kind */
  uint8_t op;     /* hr_cmp_op for CMP */
  uint8_t fact;   /* hr_fact_id for FACT */
  uint8_t rel;    /* hr_relation for ANY */
  uint32_t a, b;  /* children */
  hr_value value; /* NUM */
  hr_fact_args args;
  uint32_t line, col; /* where it was written (CMP, FACT), for messages */
} hr_node;

#define HR_RULES_MAX_NODES 65536u
#define HR_RULES_MAX_DEPTH 32
#define HR_RULES_MAX_RULES 1024u
#define HR_RULES_MAX_FILE (1024u * 1024u)
#define HR_RULES_MAX_RELATED 64u
#define HR_RULES_MAX_DEFINES 1024u

struct hr_rulepack {
  char *name;
  char checksum[65];
  hr_rule *rules;
  uint32_t nrules;
  hr_node *nodes;
  uint32_t nnodes;
  uint32_t *by_trigger[HR_TRIGGER__COUNT];
  uint32_t nby_trigger[HR_TRIGGER__COUNT];
  uint32_t reads; /* bit set of 1 << hr_fact_id */
};

#endif

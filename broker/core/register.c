/* register: the LA's register inside the engine (persons, relationships, key workers,
 * assignments), its identifier indexes, and the family graph questions asked of it. */
#include <stdlib.h>
#include <string.h>

#include "connector.h"
#include "engine_int.h"
#include "hr_err.h"
#include "link.h"

/* ---- interning -------------------------------------------------------------------------- */

uint32_t hr__intern(hr_engine *e, const char *s, size_t len) {
  uint32_t next = e->strings.n;
  uint32_t *v = hr_map_upsert(&e->strings, s, len, next, NULL);
  return v ? *v : NONE;
}

uint32_t hr__find_string(const hr_engine *e, const char *s, size_t len) {
  return hr_map_get(&e->strings, s, len);
}

void *hr__vec_push(vec *v, size_t item_size) {
  if (v->n == v->cap) {
    uint32_t cap = v->cap ? v->cap * 2 : 4;
    void *d = realloc(v->data, (size_t)cap * item_size);
    if (!d) return NULL;
    v->data = d;
    v->cap = cap;
  }
  void *slot = (char *)v->data + (size_t)v->n++ * item_size;
  memset(slot, 0, item_size);
  return slot;
}

void hr__vec_free(vec *v) {
  free(v->data);
  v->data = NULL;
  v->n = v->cap = 0;
}

/* ---- persons and their indexes ------------------------------------------------------------ */

uint32_t hr__ensure_person(hr_engine *e, const char *id, size_t len) {
  int inserted;
  uint32_t *slot = hr_map_upsert(&e->person_ids, id, len, e->npersons, &inserted);
  if (!slot) return NONE;
  if (!inserted) return *slot;
  if (e->npersons == e->persons_cap) {
    uint32_t cap = e->persons_cap ? e->persons_cap * 2 : 1024;
    person *p = realloc(e->persons, (size_t)cap * sizeof *p);
    if (!p) return NONE; /* the id stays mapped to an index we never fill: checked below */
    e->persons = p;
    e->persons_cap = cap;
  }
  person *p = &e->persons[e->npersons];
  p->la = NONE;
  p->dob = HR_DATE_NONE;
  p->nhs = p->upn = p->demo_key = p->pupil_key = NONE;
  p->next_nhs = p->next_upn = p->next_demo = p->next_pupil = NONE;
  p->rel_from = p->rel_to = p->assign = p->facts = p->att = NONE;
  p->dirty = 0;
  e->stats.persons++;
  return e->npersons++;
}

/* Index chains: map value is the first person with the key; persons link to the next. */
static uint32_t *chain_next(person *p, int which) {
  switch (which) {
  case 0: return &p->next_nhs;
  case 1: return &p->next_upn;
  case 2: return &p->next_demo;
  default: return &p->next_pupil;
  }
}

static hr_map *chain_map(hr_engine *e, int which) {
  switch (which) {
  case 0: return &e->nhs_index;
  case 1: return &e->upn_index;
  case 2: return &e->demo_index;
  default: return &e->pupil_index;
  }
}

static uint32_t *person_key(person *p, int which) {
  switch (which) {
  case 0: return &p->nhs;
  case 1: return &p->upn;
  case 2: return &p->demo_key;
  default: return &p->pupil_key;
  }
}

static void index_unlink(hr_engine *e, uint32_t idx, int which) {
  person *p = &e->persons[idx];
  uint32_t entry = *person_key(p, which);
  if (entry == NONE) return;
  uint32_t *link = &chain_map(e, which)->entries[entry].value;
  while (*link != NONE && *link != idx)
    link = chain_next(&e->persons[*link], which);
  if (*link == idx) *link = *chain_next(p, which);
  *chain_next(p, which) = NONE;
  *person_key(p, which) = NONE;
}

/* Puts person idx at the head of the chain of key (nothing when key is empty). */
static int index_link(hr_engine *e, uint32_t idx, int which, const char *key, size_t len) {
  if (!key || !len) return 0;
  hr_map *m = chain_map(e, which);
  uint32_t *head = hr_map_upsert(m, key, len, NONE, NULL);
  if (!head) return HR_ENOMEM;
  person *p = &e->persons[idx];
  *chain_next(p, which) = *head;
  *head = idx;
  *person_key(p, which) = hr_map_entry_of(m, head);
  return 0;
}

uint32_t hr__chain_head(const hr_engine *e, int which, const char *key, size_t len) {
  const hr_map *m = which == 0   ? &e->nhs_index
                    : which == 1 ? &e->upn_index
                    : which == 2 ? &e->demo_index
                                 : &e->pupil_index;
  return hr_map_get(m, key, len);
}

static int32_t parse_date_or(const char *s, int32_t dflt) {
  int32_t d;
  if (!s || !*s) return dflt;
  return hr_parse_date(s, strlen(s), &d) == 0 ? d : dflt;
}

/* Key for step 3 of identity, in e->scratch: parts joined by '|'; empty when any part is. */
static void join_key(hr_engine *e, const char *a, const char *b, const char *c) {
  hr_buf_reset(&e->scratch);
  if (!*a || !*b || !*c) return;
  hr_buf_puts(&e->scratch, a);
  hr_buf_putc(&e->scratch, '|');
  hr_buf_puts(&e->scratch, b);
  hr_buf_putc(&e->scratch, '|');
  hr_buf_puts(&e->scratch, c);
}

static int apply_person(hr_engine *e, const Hearth__V1__Person *ps, int deleted) {
  if (!ps->person_id || !*ps->person_id) return HR_EINVAL;
  uint32_t idx = hr__ensure_person(e, ps->person_id, strlen(ps->person_id));
  if (idx == NONE || idx >= e->npersons) return HR_ENOMEM;
  for (int w = 0; w < 4; w++)
    index_unlink(e, idx, w);
  person *p = &e->persons[idx];
  if (e->linkix) hr_link_index_remove(e->linkix, idx); /* tier 5: refiled below with the new fields */
  if (deleted) {
    p->la = NONE;
    p->dob = HR_DATE_NONE;
    return 0;
  }
  p->la = ps->la_code && *ps->la_code ? hr__intern_cstr(e, ps->la_code) : NONE;
  p->dob = parse_date_or(ps->date_of_birth, HR_DATE_NONE);
  char given[128], family[128], postcode[32];
  hr_normalise_name(ps->given_name ? ps->given_name : "", ps->given_name ? strlen(ps->given_name) : 0, given,
                    sizeof given);
  hr_normalise_name(ps->family_name ? ps->family_name : "", ps->family_name ? strlen(ps->family_name) : 0, family,
                    sizeof family);
  hr_normalise_postcode(ps->postcode ? ps->postcode : "", ps->postcode ? strlen(ps->postcode) : 0, postcode,
                        sizeof postcode);
  char dob[11] = "";
  if (p->dob != HR_DATE_NONE) hr_format_date(p->dob, dob);
  if (index_link(e, idx, 0, ps->nhs_number, ps->nhs_number ? strlen(ps->nhs_number) : 0) ||
      index_link(e, idx, 1, ps->upn, ps->upn ? strlen(ps->upn) : 0))
    return HR_ENOMEM;
  join_key(e, family, dob, postcode);
  if (e->scratch.oom || index_link(e, idx, 2, e->scratch.data, e->scratch.len)) return HR_ENOMEM;
  join_key(e, given, family, dob);
  if (e->scratch.oom || index_link(e, idx, 3, e->scratch.data, e->scratch.len)) return HR_ENOMEM;
  if (e->linkix) {
    hr_link_rec lr;
    hr_link_rec_from(&lr, ps->given_name, ps->family_name, dob, ps->postcode, ps->sex);
    if (hr_link_index_put(e->linkix, idx, &lr)) return HR_ENOMEM;
  }
  return 0;
}

/* A relationship is identified by (person, related person, type, start date): a row with the
 * same identity replaces the earlier one (its end date changes). Found by walking the person's
 * own short list, so no key map is kept. */
static int apply_relationship(hr_engine *e, const Hearth__V1__Relationship *r, int deleted) {
  if (!r->person_id || !*r->person_id || !r->related_person_id || !*r->related_person_id) return HR_EINVAL;
  if (r->type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_TYPE_UNSPECIFIED) return HR_EINVAL;
  uint32_t from = hr__ensure_person(e, r->person_id, strlen(r->person_id));
  uint32_t to = hr__ensure_person(e, r->related_person_id, strlen(r->related_person_id));
  if (from == NONE || to == NONE || from >= e->npersons || to >= e->npersons) return HR_ENOMEM;
  int32_t start = parse_date_or(r->start_date, DATE_MIN);
  relationship *rel = NULL;
  for (uint32_t i = e->persons[from].rel_from; i != NONE;) {
    relationship *x = &VEC_AT(e->rels, relationship, i);
    if (x->to == to && x->type == (uint8_t)r->type && x->start == start) {
      rel = x;
      break;
    }
    i = x->next_from;
  }
  if (!rel) {
    rel = hr__vec_push(&e->rels, sizeof *rel);
    if (!rel) return HR_ENOMEM;
    uint32_t ri = e->rels.n - 1;
    rel->from = from;
    rel->to = to;
    rel->type = (uint8_t)r->type;
    rel->start = start;
    rel->next_from = e->persons[from].rel_from;
    rel->next_to = e->persons[to].rel_to;
    e->persons[from].rel_from = ri;
    e->persons[to].rel_to = ri;
    e->stats.relationships++;
  }
  rel->end = parse_date_or(r->end_date, DATE_MAX);
  rel->deleted = (uint8_t)deleted;
  return 0;
}

/* An assignment is identified by (child, key worker, start date), like a relationship. */
static int apply_assignment(hr_engine *e, const Hearth__V1__Assignment *a, int deleted) {
  if (!a->child_person_id || !*a->child_person_id || !a->key_worker_id || !*a->key_worker_id) return HR_EINVAL;
  uint32_t child = hr__ensure_person(e, a->child_person_id, strlen(a->child_person_id));
  uint32_t kw = hr__intern_cstr(e, a->key_worker_id);
  if (child == NONE || child >= e->npersons || kw == NONE) return HR_ENOMEM;
  int32_t start = parse_date_or(a->start_date, DATE_MIN);
  assignment *as = NULL;
  for (uint32_t i = e->persons[child].assign; i != NONE;) {
    assignment *x = &VEC_AT(e->assigns, assignment, i);
    if (x->kw == kw && x->start == start) {
      as = x;
      break;
    }
    i = x->next;
  }
  if (!as) {
    as = hr__vec_push(&e->assigns, sizeof *as);
    if (!as) return HR_ENOMEM;
    as->child = child;
    as->kw = kw;
    as->start = start;
    as->next = e->persons[child].assign;
    e->persons[child].assign = e->assigns.n - 1;
    e->stats.assignments++;
  }
  as->end = parse_date_or(a->end_date, DATE_MAX);
  as->deleted = (uint8_t)deleted;
  return 0;
}

int hr__register_apply(hr_engine *e, const Hearth__V1__RegisterRecord *rec) {
  switch (rec->record_case) {
  case HEARTH__V1__REGISTER_RECORD__RECORD_PERSON: return apply_person(e, rec->person, rec->deleted);
  case HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP: return apply_relationship(e, rec->relationship, rec->deleted);
  case HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT: return apply_assignment(e, rec->assignment, rec->deleted);
  case HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER: {
    const char *id = rec->key_worker->key_worker_id;
    if (!id || !*id) return HR_EINVAL;
    int inserted;
    uint32_t *v = hr_map_upsert(&e->key_workers, id, strlen(id), 0, &inserted);
    if (!v) return HR_ENOMEM;
    if (inserted) e->stats.key_workers++;
    /* The value says what routing needs: 0 deleted, 1 known without a team, 2 + the interned
     * team_id (rules may route to the key worker's team). */
    const char *team = rec->key_worker->team_id;
    uint32_t tid = !rec->deleted && team && *team ? hr__intern_cstr(e, team) : NONE;
    if (!rec->deleted && team && *team && tid == NONE) return HR_ENOMEM;
    *v = rec->deleted ? 0 : tid == NONE ? 1 : tid + 2;
    return 0;
  }
  case HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION:
    return hr__apply_link_decision(e, rec->link_decision, rec->deleted);
  default: return HR_EINVAL;
  }
}

/* ---- the family graph ------------------------------------------------------------------- */

int hr__rel_active(const relationship *r, int32_t date) {
  return !r->deleted && r->start <= date && date <= r->end;
}

int hr__is_carer_type(uint8_t type) {
  return type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT ||
         type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_STEP_PARENT ||
         type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_CARER ||
         type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_KINSHIP_CARER;
}

static int is_parent_type(uint8_t type) {
  return type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_PARENT ||
         type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_STEP_PARENT;
}

static int add_unique(uint32_t *out, uint32_t n, uint32_t max, uint32_t p) {
  for (uint32_t i = 0; i < n; i++)
    if (out[i] == p) return 0;
  if (n >= max) return 0;
  out[n] = p;
  return 1;
}

static int is_child(const hr_engine *e, uint32_t p, int32_t date) {
  int32_t dob = e->persons[p].dob;
  return dob != HR_DATE_NONE && dob <= date && hr_is_child_on(dob, date);
}

uint32_t hr__children_of(const hr_engine *e, uint32_t adult, int32_t date, uint32_t *out, uint32_t max) {
  uint32_t n = 0;
  for (uint32_t r = e->persons[adult].rel_from; r != NONE;) {
    const relationship *rel = &VEC_AT(e->rels, relationship, r);
    if (hr__is_carer_type(rel->type) && hr__rel_active(rel, date) && is_child(e, rel->to, date))
      n += (uint32_t)add_unique(out, n, max, rel->to);
    r = rel->next_from;
  }
  return n;
}

uint32_t hr__related(const hr_engine *e, uint32_t p, hr_relation relk, int32_t date, uint32_t *out, uint32_t max) {
  if (relk == HR_REL_CHILD) return hr__children_of(e, p, date, out, max);
  uint32_t n = 0;
  /* Rows where p is related_person_id: who is what to p. */
  for (uint32_t r = e->persons[p].rel_to; r != NONE;) {
    const relationship *rel = &VEC_AT(e->rels, relationship, r);
    if (hr__rel_active(rel, date)) {
      int take = 0;
      switch (relk) {
      case HR_REL_CARER: take = hr__is_carer_type(rel->type); break;
      case HR_REL_PARENT: take = is_parent_type(rel->type); break;
      case HR_REL_SIBLING: take = rel->type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING; break;
      case HR_REL_HOUSEHOLD: take = rel->type == HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_HOUSEHOLD_MEMBER; break;
      default: break;
      }
      if (take) n += (uint32_t)add_unique(out, n, max, rel->from);
    }
    r = rel->next_to;
  }
  /* Symmetric relations also read the rows where p is person_id. */
  if (relk == HR_REL_SIBLING || relk == HR_REL_HOUSEHOLD) {
    uint8_t want = relk == HR_REL_SIBLING ? HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_SIBLING
                                          : HEARTH__V1__RELATIONSHIP_TYPE__RELATIONSHIP_HOUSEHOLD_MEMBER;
    for (uint32_t r = e->persons[p].rel_from; r != NONE;) {
      const relationship *rel = &VEC_AT(e->rels, relationship, r);
      if (rel->type == want && hr__rel_active(rel, date)) n += (uint32_t)add_unique(out, n, max, rel->to);
      r = rel->next_from;
    }
  }
  return n;
}

uint32_t hr__key_worker_of(const hr_engine *e, uint32_t child, int32_t date) {
  uint32_t best = NONE;
  int32_t best_start = 0;
  for (uint32_t a = e->persons[child].assign; a != NONE;) {
    const assignment *as = &VEC_AT(e->assigns, assignment, a);
    if (!as->deleted && as->start <= date && date <= as->end) {
      /* Latest start date wins; on a tie, the lowest key_worker_id. */
      if (best == NONE || as->start > best_start ||
          (as->start == best_start && strcmp(hr__str(e, as->kw), hr__str(e, best)) < 0)) {
        best = as->kw;
        best_start = as->start;
      }
    }
    a = as->next;
  }
  return best;
}

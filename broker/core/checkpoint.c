/* checkpoint: the engine's state as (key, value) entries, for a driver to store.
 *
 * hr_engine_checkpoint() emits only what changed since the previous checkpoint (persons whose
 * facts or marks changed, new or changed episodes, spells, alert keys, links, new event
 * identities); hr_engine_restore() takes the entries back in key order after the register has
 * been reloaded. The first key byte is the kind, chosen so that key order is restore order:
 *   'A' meta, 'B' spell (big-endian index), 'C' custody episode (prison number),
 *   'D' processed event identity, 'E' alert key, 'F' agency link, 'G' unmatched NRPF subject,
 *   'H' person facts (person_id), 'I' review case (case id).
 * Values are varint-encoded; a value that does not decode is refused (HR_EPARSE), never
 * trusted. Restoring a checkpoint and applying further events gives the same alerts as an
 * uninterrupted run: alert content never depends on the order state was loaded in. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "hr_err.h"

void hr__dirty_index(vec *v, uint32_t idx) {
  uint32_t *slot = hr__vec_push(v, sizeof *slot);
  if (slot) *slot = idx; /* on no memory the next full restore still has the older value */
}

void hr__dirty_person(hr_engine *e, uint32_t p) {
  if (e->persons[p].dirty) return;
  e->persons[p].dirty = 1;
  hr__dirty_index(&e->dirty_persons, p);
}

/* ---- encoding ------------------------------------------------------------------------------ */

static void put_uv(hr_buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
    v >>= 7;
  } while (v);
  hr_buf_append(b, tmp, n);
}
static void put_sv(hr_buf *b, int64_t v) {
  put_uv(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
static void put_str(hr_buf *b, const char *s) {
  size_t n = strlen(s);
  put_uv(b, n);
  hr_buf_append(b, s, n);
}

typedef struct rd {
  const unsigned char *p, *end;
  int bad;
} rd;

static uint64_t get_uv(rd *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) break;
    unsigned char c = *r->p++;
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}
static int64_t get_sv(rd *r) {
  uint64_t u = get_uv(r);
  return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}
static uint8_t get_u8(rd *r) {
  if (r->p >= r->end) {
    r->bad = 1;
    return 0;
  }
  return *r->p++;
}
/* A string as an interned id (NONE when bad). */
static uint32_t get_str(hr_engine *e, rd *r) {
  uint64_t n = get_uv(r);
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = 1;
    return NONE;
  }
  uint32_t id = hr__intern(e, (const char *)r->p, (size_t)n);
  r->p += n;
  return id;
}

static void put_evidence(const hr_engine *e, hr_buf *b, uint32_t evi) {
  const evidence *ev = &VEC_AT(e->evs, evidence, evi);
  hr_buf_putc(b, (char)ev->feed);
  put_sv(b, ev->t);
  put_str(b, hr__str(e, ev->record));
  put_str(b, hr__str(e, ev->detail));
}

static uint32_t get_evidence(hr_engine *e, rd *r) {
  uint8_t feed = get_u8(r);
  int64_t t = get_sv(r);
  uint32_t rec = get_str(e, r), det = get_str(e, r);
  if (r->bad) return NONE;
  uint32_t id = hr__add_evidence(e, feed, t, hr__str(e, rec), hr__str(e, det));
  if (id == NONE) r->bad = 1;
  return id;
}

static void put_facts(const hr_engine *e, hr_buf *b, const facts *f, const attendance *a) {
  put_uv(b, f ? f->custody.n : 0);
  for (uint32_t i = 0; f && i < f->custody.n; i++) {
    const custody_start *c = &VEC_AT(f->custody, custody_start, i);
    put_sv(b, c->t);
    put_evidence(e, b, c->ev);
  }
  put_uv(b, f ? f->mh.n : 0);
  for (uint32_t i = 0; f && i < f->mh.n; i++) {
    const mh_start *m = &VEC_AT(f->mh, mh_start, i);
    put_sv(b, m->t);
    put_uv(b, m->spell);
    put_evidence(e, b, m->ev);
  }
  put_uv(b, f ? f->nrpf.n : 0);
  for (uint32_t i = 0; f && i < f->nrpf.n; i++) {
    const nrpf_entry *n = &VEC_AT(f->nrpf, nrpf_entry, i);
    put_sv(b, n->eff);
    put_uv(b, n->seq);
    hr_buf_putc(b, (char)n->status);
    put_evidence(e, b, n->ev);
  }
  hr_buf_putc(b, a ? 1 : 0);
  if (!a) return;
  put_sv(b, a->base);
  put_uv(b, a->ndays);
  hr_buf_append(b, a->sessions, (size_t)a->ndays * 2 + (size_t)a->ndays / 7 * 2);
  put_uv(b, a->replaced.n);
  for (uint32_t i = 0; i < a->replaced.n; i++) {
    const replaced_mark *m = &VEC_AT(a->replaced, replaced_mark, i);
    put_sv(b, m->day);
    hr_buf_putc(b, (char)m->session);
    hr_buf_putc(b, (char)m->code);
  }
}

/* Decodes facts (and, for persons, attendance) into f / *att. */
static int get_facts(hr_engine *e, rd *r, facts *f, attendance *att) {
  uint64_t n = get_uv(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    custody_start *c = hr__vec_push(&f->custody, sizeof *c);
    if (!c) return HR_ENOMEM;
    c->t = get_sv(r);
    c->ev = get_evidence(e, r);
  }
  n = get_uv(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    mh_start *m = hr__vec_push(&f->mh, sizeof *m);
    if (!m) return HR_ENOMEM;
    m->t = get_sv(r);
    uint64_t sp = get_uv(r);
    if (sp >= e->spells.n) r->bad = 1;
    m->spell = (uint32_t)sp;
    m->ev = get_evidence(e, r);
  }
  n = get_uv(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    nrpf_entry *x = hr__vec_push(&f->nrpf, sizeof *x);
    if (!x) return HR_ENOMEM;
    x->eff = get_sv(r);
    x->seq = get_uv(r);
    x->status = get_u8(r);
    x->ev = get_evidence(e, r);
  }
  uint8_t has_att = get_u8(r);
  if (has_att && att && !r->bad) {
    att->base = (int32_t)get_sv(r);
    uint64_t ndays = get_uv(r);
    uint64_t bytes = ndays * 2 + ndays / 7 * 2;
    if (r->bad || ndays == 0 || ndays % 7 || ndays > 20020 || bytes > (uint64_t)(r->end - r->p)) return HR_EPARSE;
    free(att->sessions);
    att->sessions = malloc((size_t)bytes);
    if (!att->sessions) return HR_ENOMEM;
    memcpy(att->sessions, r->p, (size_t)bytes);
    att->ndays = (uint32_t)ndays;
    r->p += bytes;
    n = get_uv(r);
    for (uint64_t i = 0; i < n && !r->bad; i++) {
      replaced_mark *m = hr__vec_push(&att->replaced, sizeof *m);
      if (!m) return HR_ENOMEM;
      m->day = (int32_t)get_sv(r);
      m->session = get_u8(r);
      m->code = get_u8(r);
    }
  } else if (has_att) {
    r->bad = 1;
  }
  return r->bad || r->p != r->end ? HR_EPARSE : 0;
}

/* ---- checkpoint ---------------------------------------------------------------------------- */

typedef struct out {
  hr_state_put_fn put;
  void *ud;
  hr_buf key, val;
} out;

static int emit(out *o, char kind, const void *k, size_t klen) {
  hr_buf_reset(&o->key);
  hr_buf_putc(&o->key, kind);
  hr_buf_append(&o->key, k, klen);
  if (o->key.oom || o->val.oom) return HR_ENOMEM;
  return o->put(o->ud, o->key.data, o->key.len, o->val.data ? o->val.data : "", o->val.len);
}

static int emit_index(out *o, char kind, uint32_t idx) {
  unsigned char be[4] = {(unsigned char)(idx >> 24), (unsigned char)(idx >> 16), (unsigned char)(idx >> 8),
                         (unsigned char)idx};
  return emit(o, kind, be, 4);
}

int hr_engine_checkpoint(hr_engine *e, hr_state_put_fn put, void *ud) {
  out o = {put, ud, {0}, {0}};
  int rc = 0;
  hr_buf_reset(&o.val);
  put_uv(&o.val, e->nrpf_seq);
  if ((rc = emit(&o, 'A', "nrpf_seq", 8))) goto done;
  for (uint32_t i = 0; i < e->dirty_spells.n; i++) {
    uint32_t sp = VEC_AT(e->dirty_spells, uint32_t, i);
    const spell *s = &VEC_AT(e->spells, spell, sp);
    hr_buf_reset(&o.val);
    hr_buf_putc(&o.val, (char)s->state);
    hr_buf_putc(&o.val, (char)s->is_mh);
    put_str(&o.val, hr__str(e, s->key));
    put_sv(&o.val, s->admitted);
    if ((rc = emit_index(&o, 'B', sp))) goto done;
  }
  for (uint32_t i = 0; i < e->dirty_episodes.n; i++) {
    uint32_t ep = VEC_AT(e->dirty_episodes, uint32_t, i);
    const episode *x = &VEC_AT(e->episode_v, episode, ep);
    hr_buf_reset(&o.val);
    hr_buf_putc(&o.val, (char)x->open);
    put_sv(&o.val, x->start);
    if ((rc = emit(&o, 'C', hr_map_key(&e->episodes, ep), e->episodes.entries[ep].key_len))) goto done;
  }
  hr_buf_reset(&o.val);
  for (uint32_t i = e->seen_checkpointed; i < e->seen_events.n; i++)
    if ((rc = emit(&o, 'D', hr_map_key(&e->seen_events, i), e->seen_events.entries[i].key_len))) goto done;
  for (uint32_t i = 0; i < e->dirty_alerts.n; i++) {
    uint32_t k = VEC_AT(e->dirty_alerts, uint32_t, i);
    hr_buf_reset(&o.val);
    put_sv(&o.val, VEC_AT(e->last_alert, int64_t, k));
    if ((rc = emit(&o, 'E', hr_map_key(&e->alert_keys, k), e->alert_keys.entries[k].key_len))) goto done;
  }
  for (uint32_t i = 0; i < e->dirty_links.n; i++) {
    uint32_t k = VEC_AT(e->dirty_links, uint32_t, i);
    hr_buf_reset(&o.val);
    put_str(&o.val, hr__pid(e, e->agency_links.entries[k].value));
    if ((rc = emit(&o, 'F', hr_map_key(&e->agency_links, k), e->agency_links.entries[k].key_len))) goto done;
  }
  for (uint32_t i = 0; i < e->dirty_unmatched.n; i++) {
    uint32_t k = VEC_AT(e->dirty_unmatched, uint32_t, i);
    facts *f = hr__facts_at(e, e->unmatched_nrpf.entries[k].value);
    hr_buf_reset(&o.val);
    put_facts(e, &o.val, f, NULL);
    if ((rc = emit(&o, 'G', hr_map_key(&e->unmatched_nrpf, k), e->unmatched_nrpf.entries[k].key_len))) goto done;
  }
  for (uint32_t i = 0; i < e->dirty_persons.n; i++) {
    uint32_t pi = VEC_AT(e->dirty_persons, uint32_t, i);
    const person *p = &e->persons[pi];
    hr_buf_reset(&o.val);
    put_facts(e, &o.val, p->facts != NONE ? hr__facts_at(e, p->facts) : NULL,
              p->att != NONE ? &VEC_AT(e->att, attendance, p->att) : NULL);
    const char *id = hr__pid(e, pi);
    if ((rc = emit(&o, 'H', id, strlen(id)))) goto done;
  }
  for (uint32_t i = 0; i < e->dirty_cases.n; i++) {
    const review_case *c = &VEC_AT(e->review_cases, review_case, VEC_AT(e->dirty_cases, uint32_t, i));
    hr_buf_reset(&o.val);
    put_str(&o.val, hr__str(e, c->desc));
    put_str(&o.val, hr__str(e, c->person));
    put_str(&o.val, hr__str(e, c->record));
    put_str(&o.val, hr__str(e, c->comparisons));
    hr_buf_putc(&o.val, (char)c->feed);
    hr_buf_putc(&o.val, (char)c->why);
    put_sv(&o.val, c->weight_c);
    put_uv(&o.val, c->records);
    put_sv(&o.val, c->first_t);
    put_sv(&o.val, c->last_t);
    const char *id = hr__str(e, c->id);
    if ((rc = emit(&o, HR_REVIEW_STATE_KIND, id, strlen(id)))) goto done;
  }
  /* Everything is out: forget what changed. */
  for (uint32_t i = 0; i < e->dirty_persons.n; i++)
    e->persons[VEC_AT(e->dirty_persons, uint32_t, i)].dirty = 0;
  for (uint32_t i = 0; i < e->dirty_unmatched.n; i++)
    hr__facts_at(e, e->unmatched_nrpf.entries[VEC_AT(e->dirty_unmatched, uint32_t, i)].value)->dirty = 0;
  e->dirty_persons.n = e->dirty_unmatched.n = e->dirty_episodes.n = 0;
  e->dirty_spells.n = e->dirty_alerts.n = e->dirty_links.n = 0;
  for (uint32_t i = 0; i < e->dirty_cases.n; i++)
    VEC_AT(e->review_cases, review_case, VEC_AT(e->dirty_cases, uint32_t, i)).dirty = 0;
  e->dirty_cases.n = 0;
  e->seen_checkpointed = e->seen_events.n;
done:
  hr_buf_free(&o.key);
  hr_buf_free(&o.val);
  return rc;
}

/* ---- restore ------------------------------------------------------------------------------- */

int hr_engine_restore(hr_engine *e, const void *key, size_t klen, const void *val, size_t vlen) {
  if (klen < 1) return HR_EPARSE;
  const char *k = (const char *)key + 1;
  size_t kl = klen - 1;
  rd r = {val, (const unsigned char *)val + vlen, 0};
  switch (((const char *)key)[0]) {
  case 'A':
    if (kl == 8 && memcmp(k, "nrpf_seq", 8) == 0) e->nrpf_seq = get_uv(&r);
    return r.bad ? HR_EPARSE : 0;
  case 'B': {
    if (kl != 4) return HR_EPARSE;
    const unsigned char *b = (const unsigned char *)k;
    uint32_t sp = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (sp >= (1u << 22)) return HR_EPARSE; /* 4 million spells: beyond any LA; a damaged key */
    while (e->spells.n <= sp)
      if (!hr__vec_push(&e->spells, sizeof(spell))) return HR_ENOMEM;
    spell *s = &VEC_AT(e->spells, spell, sp);
    s->state = get_u8(&r);
    s->is_mh = get_u8(&r);
    s->key = get_str(e, &r);
    s->admitted = get_sv(&r);
    if (r.bad || r.p != r.end || s->key == NONE) return HR_EPARSE;
    const char *sk = hr__str(e, s->key);
    uint32_t *slot = hr_map_upsert(&e->spell_keys, sk, strlen(sk), sp, NULL);
    if (!slot) return HR_ENOMEM;
    if (*slot < sp) *slot = sp; /* the latest spell of a visit is its current one */
    return 0;
  }
  case 'C': {
    uint32_t *slot = hr_map_upsert(&e->episodes, k, kl, e->episode_v.n, NULL);
    if (!slot) return HR_ENOMEM;
    if (*slot == e->episode_v.n && !hr__vec_push(&e->episode_v, sizeof(episode))) return HR_ENOMEM;
    episode *ep = &VEC_AT(e->episode_v, episode, *slot);
    ep->open = get_u8(&r);
    ep->start = get_sv(&r);
    return r.bad || r.p != r.end ? HR_EPARSE : 0;
  }
  case 'D':
    if (!hr_map_upsert(&e->seen_events, k, kl, 1, NULL)) return HR_ENOMEM;
    e->seen_checkpointed = e->seen_events.n;
    return 0;
  case 'E': {
    int64_t t = get_sv(&r);
    if (r.bad || r.p != r.end) return HR_EPARSE;
    int inserted;
    uint32_t *slot = hr_map_upsert(&e->alert_keys, k, kl, e->last_alert.n, &inserted);
    if (!slot) return HR_ENOMEM;
    if (inserted && !hr__vec_push(&e->last_alert, sizeof(int64_t))) return HR_ENOMEM;
    VEC_AT(e->last_alert, int64_t, *slot) = t;
    return 0;
  }
  case 'F': {
    uint32_t id = get_str(e, &r);
    if (r.bad || r.p != r.end) return HR_EPARSE;
    const char *pid = hr__str(e, id);
    uint32_t p = hr__ensure_person(e, pid, strlen(pid));
    uint32_t *slot = p == NONE ? NULL : hr_map_upsert(&e->agency_links, k, kl, p, NULL);
    if (!slot) return HR_ENOMEM;
    *slot = p;
    return 0;
  }
  case 'G': {
    int inserted;
    uint32_t *slot = hr_map_upsert(&e->unmatched_nrpf, k, kl, e->facts.n, &inserted);
    if (!slot) return HR_ENOMEM;
    if (inserted && !hr__vec_push(&e->facts, sizeof(facts))) return HR_ENOMEM;
    facts *f = hr__facts_at(e, *slot);
    f->custody.n = f->mh.n = f->nrpf.n = 0;
    return get_facts(e, &r, f, NULL);
  }
  case 'H': {
    uint32_t p = hr__ensure_person(e, k, kl);
    if (p == NONE) return HR_ENOMEM;
    facts *f = hr__facts_of(e, p, 1);
    if (!f) return HR_ENOMEM;
    f->custody.n = f->mh.n = f->nrpf.n = 0;
    attendance tmp = {0};
    int rc = get_facts(e, &r, f, &tmp);
    if (rc) {
      free(tmp.sessions);
      hr__vec_free(&tmp.replaced);
      return rc;
    }
    if (tmp.sessions) {
      if (e->persons[p].att == NONE) {
        if (!hr__vec_push(&e->att, sizeof(attendance))) {
          free(tmp.sessions);
          hr__vec_free(&tmp.replaced);
          return HR_ENOMEM;
        }
        e->persons[p].att = e->att.n - 1;
      }
      attendance *a = &VEC_AT(e->att, attendance, e->persons[p].att);
      free(a->sessions);
      hr__vec_free(&a->replaced);
      *a = tmp;
    }
    return 0;
  }
  case HR_REVIEW_STATE_KIND: {
    int inserted;
    uint32_t *slot = hr_map_upsert(&e->review_index, k, kl, e->review_cases.n, &inserted);
    if (!slot) return HR_ENOMEM;
    if (inserted && !hr__vec_push(&e->review_cases, sizeof(review_case))) return HR_ENOMEM;
    review_case *c = &VEC_AT(e->review_cases, review_case, *slot);
    memset(c, 0, sizeof *c);
    c->id = hr__intern(e, k, kl);
    c->desc = get_str(e, &r);
    c->person = get_str(e, &r);
    c->record = get_str(e, &r);
    c->comparisons = get_str(e, &r);
    c->feed = get_u8(&r);
    c->why = get_u8(&r);
    c->weight_c = (int32_t)get_sv(&r);
    c->records = (uint32_t)get_uv(&r);
    c->first_t = get_sv(&r);
    c->last_t = get_sv(&r);
    return r.bad || r.p != r.end || c->id == NONE ? HR_EPARSE : 0;
  }
  default: return HR_EPARSE;
  }
}

/* A string into a fixed buffer (cut to fit). */
static void get_text(rd *r, char *dst, size_t cap) {
  uint64_t n = get_uv(r);
  dst[0] = '\0';
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = 1;
    return;
  }
  size_t c = n < cap ? (size_t)n : cap - 1;
  memcpy(dst, r->p, c);
  dst[c] = '\0';
  r->p += n;
}

int hr_review_case_decode(const void *key, size_t klen, const void *val, size_t vlen, hr_review_case_info *info) {
  memset(info, 0, sizeof *info);
  if (klen < 2 || klen > HR_REVIEW_ID_MAX || ((const char *)key)[0] != HR_REVIEW_STATE_KIND) return HR_EPARSE;
  memcpy(info->case_id, (const char *)key + 1, klen - 1);
  rd r = {val, (const unsigned char *)val + vlen, 0};
  get_text(&r, info->description, sizeof info->description);
  get_text(&r, info->person_id, sizeof info->person_id);
  get_text(&r, info->record_id, sizeof info->record_id);
  get_text(&r, info->comparisons, sizeof info->comparisons);
  info->feed = get_u8(&r);
  info->why = get_u8(&r);
  info->weight = (double)get_sv(&r) / 100.0;
  info->records = get_uv(&r);
  info->first_us = get_sv(&r);
  info->last_us = get_sv(&r);
  return r.bad || r.p != r.end ? HR_EPARSE : 0;
}

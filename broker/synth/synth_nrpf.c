/* synth_nrpf.c: the NRPF feed (REFERENCE section 5), the LA's own No Recourse to Public Funds
 * casework export.
 *
 * Register carers become `nrpf` (before or during the term), some later `recourse`; some get a
 * repeated `nrpf` record (not a new beginning), some `nrpf` again after `recourse` (a new one);
 * a child's own record; adults with no child in the register and adults the register does not
 * know, with dependants (la_code sometimes empty); records with no NHS number (matched by name,
 * date of birth and postcode), with one failing its check, with a date of birth that disagrees;
 * the same record_id delivered twice; a same-day correction; 16 and 17 year old parents; statuses
 * in other letter cases, NHS numbers with spaces or hyphens, a byte order mark; the optional
 * columns filled in. Unless clean: unknown statuses, bad effective dates, impossible dates of
 * birth.
 *
 * While a family is `nrpf` its children's absence rises; some of them are new arrivals who join
 * school weeks into the term. */
#include <string.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

typedef struct client {
  uint32_t person;
  char nhs[16]; /* as written; "" = empty */
  char given[64], family[64];
  int32_t dob;
  char postcode[12];
  int la;         /* -1 = empty */
  int dependants; /* -1 = empty */
  const char *household;
  const char *immigration;
  unsigned mess; /* --messy: what sy__mess changed */
} client;

typedef struct ngen {
  sy_ctx *cx;
  sy_rng r;
  uint32_t records;
} ngen;

static void put_record(ngen *g, const client *c, const char *status, int32_t eff, const char *bad_date,
                       const char *bad_dob, int32_t support_start, const char *closure, int64_t delay, int bad) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  hr_buf *b = &cx->nrpf.text;
  size_t at = b->len;
  hr_buf_printf(b, "NR%07u,%s,%s,", ++cx->nrpf_next, c->la >= 0 ? sy__las[c->la].code : "", c->nhs);
  if (cx->mess_run) {
    char id[16];
    snprintf(id, sizeof id, "NR%07u", cx->nrpf_next);
    sy__truth_row(cx, "nrpf", id, NULL, c->person, c->mess);
  }
  sy__put_csv(b, c->given, sy__chance(r, 0.02));
  hr_buf_putc(b, ',');
  sy__put_csv(b, c->family, 0);
  hr_buf_putc(b, ',');
  if (bad_dob)
    hr_buf_puts(b, bad_dob);
  else
    sy__put_date(b, c->dob);
  /* Status is read in any case (READING R30). */
  if (sy__chance(r, 0.03))
    status = !strcmp(status, "nrpf") ? "NRPF" : !strcmp(status, "recourse") ? "Recourse" : status;
  hr_buf_printf(b, ",%s,%s,", c->postcode, status);
  if (bad_date)
    hr_buf_puts(b, bad_date);
  else
    sy__put_date(b, eff);
  hr_buf_putc(b, ',');
  if (c->dependants >= 0) hr_buf_printf(b, "%d", c->dependants);
  hr_buf_printf(b, ",%s,%s,", c->household, c->immigration);
  sy__put_date(b, support_start);
  hr_buf_putc(b, ',');
  if (!strcmp(status, "recourse") || !strcmp(status, "Recourse")) sy__put_date(b, eff);
  hr_buf_putc(b, ',');
  sy__put_csv(b, closure ? closure : "", 0);
  hr_buf_puts(b, "\r\n");
  int64_t key = (int64_t)eff * HR_US_PER_DAY + delay;
  sy__lines_commit(&cx->nrpf, at, key);
  g->records++;
  int dq = 0;
  if (c->nhs[0]) {
    char norm[11];
    dq = !hr_nhs_normalise(c->nhs, strlen(c->nhs), norm);
  }
  cx->st.dq_warnings += (uint64_t)dq;
  if (sy__chance(r, 0.04) && !bad) { /* the same record delivered twice (never a bad one) */
    size_t len = b->len - at;
    hr_buf_reserve(b, len);
    size_t at2 = b->len;
    hr_buf_append(b, b->data + at, len);
    sy__lines_commit(&cx->nrpf, at2, key + sy__range(r, 0, 3) * HR_US_PER_DAY + 1);
    cx->st.dq_warnings += (uint64_t)dq;
  }
}

/* A record, sometimes filed out of order (a late correction). */
static void record(ngen *g, const client *c, const char *status, int32_t eff, int32_t support_start,
                   const char *closure) {
  int64_t delay = sy__chance(&g->r, 0.03) ? sy__range(&g->r, 1, 20) * HR_US_PER_DAY : 0;
  put_record(g, c, status, eff, NULL, NULL, support_start, closure, delay, 0);
  if (!g->cx->clean && g->records % 17 == 9) {
    /* A bad copy of it: an unknown status or an effective date that is no date. */
    static const char *statuses[] = {"pending", "closed", "nrpf_pending"};
    static const char *dates[] = {"2026-09-31", "31/10/2026", "", "2026-13-01"};
    uint32_t k = g->records / 17;
    if (k % 3 == 0)
      put_record(g, c, statuses[k / 3 % 3], eff, NULL, NULL, support_start, closure, 1, 1);
    else if (k % 3 == 1)
      put_record(g, c, status, eff, dates[k / 3 % 4], NULL, support_start, closure, 1, 1);
    else
      put_record(g, c, status, eff, NULL, "1990-02-30", support_start, closure, 1, 1); /* READING R27 */
    g->cx->st.bad_records++;
  }
}

static void make_client(sy_ctx *cx, sy_rng *r, uint32_t person, client *c) {
  static const char *households[] = {"family", "single_parent", "couple_with_children", "single_adult", ""};
  static const char *statuses[] = {"no_leave", "leave_with_nrpf", "asylum_claim", "eu_pre_settled", ""};
  const sy_person *p = &cx->p[person];
  memset(c, 0, sizeof *c);
  c->person = person;
  char buf[64];
  snprintf(c->given, sizeof c->given, "%s", sy__spell(&sy__given[p->given], p->flags & SY_PF_TITLE, r, buf));
  snprintf(c->family, sizeof c->family, "%s", sy__spell(&sy__surnames[p->surname], p->flags & SY_PF_TITLE, r, buf));
  c->dob = p->dob;
  sy__vary_postcode(r, p->postcode, c->postcode);
  c->la = p->la;
  uint32_t u = sy__below(r, 100);
  if (cx->messy && u >= 70) { /* the truth: --messy spoils identities its own way */
    if (p->nhs[0]) snprintf(c->nhs, sizeof c->nhs, "%s", p->nhs);
  } else if (p->nhs[0] && u < 50)
    snprintf(c->nhs, sizeof c->nhs, "%s", p->nhs);
  else if (p->nhs[0] && u < 67)
    snprintf(c->nhs, sizeof c->nhs, "%.3s %.3s %.4s", p->nhs, p->nhs + 3, p->nhs + 6);
  else if (p->nhs[0] && u < 70)
    snprintf(c->nhs, sizeof c->nhs, "%.3s-%.3s-%.4s", p->nhs, p->nhs + 3, p->nhs + 6);
  else if (p->nhs[0] && u < 75) {
    char bad[11];
    sy__spoil_nhs(p->nhs, bad);
    snprintf(c->nhs, sizeof c->nhs, "%s", bad);
  } else if (p->nhs[0] && u < 80) {
    snprintf(c->nhs, sizeof c->nhs, "%s", p->nhs);
    c->dob += 1 + (int32_t)sy__below(r, 30); /* disagrees */
  } else if (u < 82) {
    c->dob = SY_NO_DATE; /* not recorded: the record cannot be matched */
  }
  c->household = households[sy__below(r, 5)];
  c->immigration = statuses[sy__below(r, 5)];
}

/* --messy: the client as the NRPF team got them wrong (in the messy run). */
static void mess_client(sy_ctx *cx, client *c) {
  if (!cx->messy) return;
  c->mess = sy__mess(cx, c->person, c->given, sizeof c->given, c->family, &c->dob, c->postcode, sizeof c->postcode,
                     c->nhs[0] != 0);
  if (c->mess & (1u << SY_MESS_NHS)) c->nhs[0] = '\0';
}

static void affect_family(sy_ctx *cx, sy_rng *r, uint32_t person, int32_t from, int32_t to) {
  if (person >= cx->n_register) return;
  const sy_family *fam = &cx->fam[cx->p[person].family];
  if (from < cx->term_start) from = cx->term_start;
  int late = sy__chance(r, 0.25); /* arrived recently: the children join school late */
  for (uint32_t i = fam->first; i < fam->first + fam->n; i++) {
    sy_person *c = &cx->p[i];
    if (!sy__is_pupil(cx, c)) continue;
    if (late && c->join == 0) c->join = (uint8_t)sy__range(r, 1, cx->n_weeks > 7 ? 6 : 1);
    if (sy__chance(r, 0.8)) sy__raise_absence(cx, i, from, to - from + 1, (unsigned)sy__range(r, 16, 45));
  }
}

/* One client's history: nrpf, maybe repeated, maybe recourse, maybe nrpf again. */
static void history(ngen *g, const client *c, int affect) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  const int32_t T0 = cx->term_start, T1 = cx->term_end;
  int32_t e0 = sy__chance(r, 0.3) ? T0 - (int32_t)sy__range(r, 1, 200) : (int32_t)sy__range(r, T0, T1 - 20);
  if (sy__chance(r, 0.1)) record(g, c, "recourse", e0 - (int32_t)sy__range(r, 20, 200), SY_NO_DATE, "no_longer_nrpf");
  record(g, c, "nrpf", e0, sy__chance(r, 0.6) ? e0 : SY_NO_DATE, NULL);
  if (sy__chance(r, 0.03)) { /* corrected the same day: the later record wins, the beginning stands */
    record(g, c, "recourse", e0, e0, "recorded_in_error");
    record(g, c, "nrpf", e0 + (int32_t)sy__range(r, 5, 30), SY_NO_DATE, NULL);
  }
  int32_t e1 = sy__chance(r, 0.4) ? e0 + (int32_t)sy__range(r, 14, 120) : SY_NO_DATE;
  if (e1 != SY_NO_DATE && e1 > T1) e1 = SY_NO_DATE;
  int32_t until = e1 != SY_NO_DATE ? e1 - 1 : T1;
  if (sy__chance(r, 0.15) && until > e0 + 2)
    record(g, c, "nrpf", (int32_t)sy__range(r, e0 + 1, until), SY_NO_DATE, NULL); /* not a new beginning */
  if (e1 != SY_NO_DATE) {
    static const char *why[] = {"leave_granted", "moved_out_of_area", "granted leave, recourse to public funds"};
    record(g, c, "recourse", e1, e0, why[sy__below(r, 3)]);
    if (sy__chance(r, 0.25) && e1 < T1 - 10) {
      int32_t e2 = (int32_t)sy__range(r, e1 + 3, T1 - 5);
      record(g, c, "nrpf", e2, e2, NULL); /* a new beginning */
      if (affect) affect_family(cx, r, c->person, e2, T1);
    }
  }
  if (affect) affect_family(cx, r, c->person, e0, until);
}

int sy__gen_nrpf(sy_ctx *cx) {
  ngen g;
  memset(&g, 0, sizeof g);
  g.cx = cx;
  for (uint32_t f = 0; f < cx->n_fam; f++) {
    sy__rng_init(&g.r, cx->seed, SY_S_NRPF, f);
    sy_rng *r = &g.r;
    const sy_family *fam = &cx->fam[f];
    uint32_t who = fam->first;
    uint32_t u = sy__below(r, 100), n_kids = 0;
    if (!sy__chance(r, 0.085)) {
      /* Adults with no child of their own, now and then. */
      int found = 0;
      for (uint32_t i = fam->first; i < fam->first + fam->n; i++)
        found |= cx->p[i].kind == SY_K_MEMBER || cx->p[i].kind == SY_K_EX;
      if (!found || !sy__chance(r, 0.05)) continue;
      u = 35;
    }
    for (uint32_t i = fam->first; i < fam->first + fam->n; i++)
      n_kids += cx->p[i].kind == SY_K_CHILD;
    if (u < 15 && fam->n > 1 && cx->p[fam->first + 1].kind == SY_K_CARER)
      who = fam->first + 1;
    else if (u < 22 && n_kids) { /* the child's own record */
      for (uint32_t i = fam->first; i < fam->first + fam->n; i++)
        if (cx->p[i].kind == SY_K_CHILD) who = i;
    } else if (u < 40) { /* an adult with no child: a household member or an ex-partner */
      for (uint32_t i = fam->first; i < fam->first + fam->n; i++)
        if (cx->p[i].kind == SY_K_MEMBER || cx->p[i].kind == SY_K_EX) who = i;
    }
    client c;
    make_client(cx, r, who, &c);
    u = sy__below(r, 100);
    if (cx->p[who].kind == SY_K_CHILD)
      c.dependants = -1;
    else if (cx->p[who].kind == SY_K_CARER)
      c.dependants = u < 75 ? (int)n_kids : u < 90 ? -1 : 0;
    else
      c.dependants = u < 80 ? (int)sy__range(r, 1, 4) : u < 90 ? 0 : -1;
    mess_client(cx, &c);
    history(&g, &c, 1);
  }
  /* Adults the register does not know, mostly with dependants. */
  uint32_t outsiders = cx->n_fam ? 1 + cx->n_fam * 2 / 100 : 0;
  for (uint32_t i = 0; i < outsiders; i++) {
    sy__rng_init(&g.r, cx->seed, SY_S_OUTSIDER, 0x200000000ull + i);
    sy_rng *r = &g.r;
    uint32_t who = sy__new_outsider(cx, r, (uint8_t)sy__below(r, SY_N_LA));
    if (who == SY_NONE) return cx->err;
    client c;
    make_client(cx, r, who, &c);
    uint32_t u = sy__below(r, 100);
    c.dependants = u < 80 ? (int)sy__range(r, 1, 5) : u < 90 ? 0 : -1;
    if (sy__chance(r, 0.25)) c.la = -1;
    u = sy__below(r, 100);
    if (u < 5) { /* a 16 or 17 year old parent: not an adult */
      c.dob = cx->term_start - (int32_t)sy__range(r, 16 * 365 + 5, 18 * 365 - 30);
      c.dependants = 1;
    } else if (u < 10) {
      c.dob = SY_NO_DATE; /* no date of birth: taken as an adult */
    }
    mess_client(cx, &c);
    history(&g, &c, 0);
  }
  if (cx->nrpf.oom || cx->nrpf.text.oom) return sy__fail(cx, HR_ENOMEM, "synth: out of memory building the NRPF feed");
  return 0;
}

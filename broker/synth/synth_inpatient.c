/* synth_inpatient.c: the inpatient feed (REFERENCE section 3), a file of HL7 v2 ADT messages.
 *
 * Spells per (MSH-4, PV1-19) of every shape REFERENCE names: A01 with a mental-health treatment
 * function code; A01 with another code (100, 300, 700 learning disability) that an A02 or A08
 * later moves to MH; A06; patient class O; A03, A13, A11 (some before the children's absence
 * rises); A01 again after a discharge or a cancel (a new spell); a repeated A01 for an open
 * spell; a spell that leaves MH care and comes back; the same message (MSH-4, MSH-10) twice;
 * other triggers (A04, A05, A28) and messages about spells never admitted. The NHS number sits
 * in the first or a later PID-3 repetition, under authority NHS or type NH only, or is missing or
 * failing its check (alone, or before a valid repetition); PID-7 missing or disagreeing. MSH-4 and
 * PV1-19 sometimes carry more components; A08 sometimes leaves PV1-10 empty. Event times come
 * from PV1-44 / PV1-45 / EVN-6 or fall back to EVN-2 and MSH-7, some at the exact instant of a
 * mark, some at 01:xx local with no offset; versions 2.3 to 2.5; segments end in CR, some in LF.
 * Unless clean: a non-ADT message, an ADT message without PID or without MSH-10, malformed
 * timestamps, an impossible PID-7.
 *
 * An MH admission of a carer raises the absence of their school-age children. */
#include <string.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

#define SY_N_FAC 8
static const char *facilities[SY_N_FAC] = {"RX1", "RRP", "RV3", "RXT", "RW1", "RQ3", "RA7", "RTQ"};
static const char *mh_codes[] = {"710", "711", "712", "713", "715", "720", "721",
                                 "722", "723", "724", "725", "726", "727", "730"};
static const char *other_codes[] = {"100", "300", "700", "101", "110", "320", "340", "400", "500", "501"};

typedef struct patient {
  uint32_t person;
  char nhs[11]; /* "" = none */
  int nhs_mode; /* where and how PID-3 carries it */
  char family[64], given[64];
  int32_t dob;
  char sex;
  char postcode[12];
  char mrn[16];
  unsigned mess; /* --messy: what sy__mess changed */
} patient;

typedef struct msg {
  const char *type;    /* "ADT", or "ORU" for a bad record */
  const char *trigger; /* "A01" ... */
  char pclass;         /* PV1-2 */
  const char *service; /* PV1-10, NULL = empty */
  char visit[16];      /* PV1-19 */
  uint8_t fac;
  int64_t t;     /* the event time the message means */
  int64_t admit; /* PV1-44 when it is not the event time (0 = empty) */
  int chain;     /* 0 the trigger's own field, 1 empty -> EVN-2, 2 both empty -> MSH-7 */
  const char *bad_time;
  int no_pid;
  int no_control_id; /* MSH-10 empty (a bad record) */
  int bad_dob;       /* PID-7 an impossible date (a bad record) */
} msg;

typedef struct igen {
  sy_ctx *cx;
  sy_rng r;
  uint32_t msg_no[SY_N_FAC];
  uint32_t visit_no[SY_N_FAC];
  uint32_t scenarios;
} igen;

static void new_visit(igen *g, msg *m) {
  m->fac = (uint8_t)sy__below(&g->r, SY_N_FAC);
  snprintf(m->visit, sizeof m->visit, "V%07u", ++g->visit_no[m->fac]);
}

static int ts_style(sy_rng *r) {
  uint32_t u = sy__below(r, 100);
  return u < 40 ? 0 : u < 70 ? 1 : u < 80 ? 2 : u < 95 ? 3 : 4;
}

/* Writes the message; a copy of it is sometimes delivered again (same MSH-4 and MSH-10). */
static void put_msg(igen *g, const patient *pt, const msg *m) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  hr_buf *b = &cx->inpatient.text;
  size_t at = b->len;
  const char *eos = sy__chance(r, 0.1) ? "\n" : "\r";
  const char *fac = facilities[m->fac];
  int ver = 3 + (int)sy__below(r, 3);
  int style = ts_style(r);
  int is_a01 = !strcmp(m->trigger, "A01") || !strcmp(m->trigger, "A06");
  int is_a03 = !strcmp(m->trigger, "A03");
  int64_t delay = sy__range(r, 0, 40 * 60) * HR_US_PER_SEC;
  int64_t t_msh = m->t + (m->chain == 2 ? 0 : delay);
  int64_t t_evn2 = m->t + (m->chain == 1 ? 0 : delay);
  int bad_in = m->bad_time ? (m->chain == 0 ? 1 : m->chain == 1 ? 2 : 3) : 0; /* field holding it */

  /* MSH */
  /* MSH-4 and PV1-19 are keyed on their first component (READING R32): some senders add more. */
  if (sy__chance(r, 0.05))
    hr_buf_printf(b, "MSH|^~\\&|PAS|%s^2.16.840.1.113883.2.1.3.2.4.18.48^ISO|HEARTH|LA|", fac);
  else
    hr_buf_printf(b, "MSH|^~\\&|PAS|%s|HEARTH|LA|", fac);
  if (bad_in == 3)
    hr_buf_puts(b, m->bad_time);
  else
    sy__put_hl7(b, t_msh, style);
  hr_buf_printf(b, "||%s^%s", m->type, m->trigger);
  if (ver >= 4 && sy__chance(r, 0.3)) hr_buf_printf(b, "^%s_%s", m->type, m->trigger);
  ++g->msg_no[m->fac];
  if (m->no_control_id)
    hr_buf_printf(b, "||P|2.%d%s", ver, eos);
  else
    hr_buf_printf(b, "|MSG%07u|P|2.%d%s", g->msg_no[m->fac], ver, eos);
  if (cx->mess_run && !m->no_control_id && !m->no_pid) {
    char id[16];
    snprintf(id, sizeof id, "MSG%07u", g->msg_no[m->fac]);
    sy__truth_row(cx, "inpatient", id, fac, pt->person, pt->mess);
  }
  /* EVN: EVN-2 recorded time, EVN-6 event occurred */
  hr_buf_printf(b, "EVN|%s|", m->trigger);
  if (bad_in == 2)
    hr_buf_puts(b, m->bad_time);
  else if (m->chain < 2)
    sy__put_hl7(b, t_evn2, style);
  hr_buf_puts(b, "||||");
  if (!is_a01 && !is_a03 && m->chain == 0) {
    if (bad_in == 1)
      hr_buf_puts(b, m->bad_time);
    else
      sy__put_hl7(b, m->t, style);
  }
  hr_buf_puts(b, eos);
  /* PID */
  if (!m->no_pid) {
    hr_buf_puts(b, "PID|1||");
    const char *nhs = pt->nhs;
    switch (pt->nhs_mode) {
    case 0: hr_buf_printf(b, "%s^^^NHS^NH~%s^^^%s^MR", nhs, pt->mrn, fac); break;
    case 1: hr_buf_printf(b, "%s^^^%s^MR~%s^^^NHS^NH", pt->mrn, fac, nhs); break;
    case 2: /* type NH under another authority (the NHS number OID) */
      hr_buf_printf(b, "%s^^^%s^MR~%s^^^2.16.840.1.113883.2.1.4.1^NH", pt->mrn, fac, nhs);
      break;
    case 3: /* authority NHS, no type, after a local number */
      hr_buf_printf(b, "%s^^^%s^MR~%s^^^NHS", pt->mrn, fac, nhs);
      break;
    case 5: { /* a first NHS repetition failing its check, then the valid one (READING R34) */
      char bad[11];
      sy__spoil_nhs(nhs, bad);
      hr_buf_printf(b, "%s^^^NHS^NH~%s^^^%s^MR~%s^^^NHS^NH", bad, pt->mrn, fac, nhs);
      break;
    }
    default: /* no NHS number at all */ hr_buf_printf(b, "%s^^^%s^MR", pt->mrn, fac); break;
    }
    hr_buf_printf(b, "||%s^%s||", pt->family, pt->given);
    if (m->bad_dob)
      hr_buf_puts(b, "19880230");
    else if (pt->dob != SY_NO_DATE)
      sy__put_date_compact(b, pt->dob);
    hr_buf_printf(b, "|%c|||%u %s^^%s^^%s%s", pt->sex ? pt->sex : 'U', (unsigned)(1 + pt->mrn[5] % 90),
                  pt->mrn[6] & 1 ? "HIGH ST" : "FLAT 2 \\T\\ 3 MILL LANE", sy__las[cx->p[pt->person].la].town,
                  pt->postcode, eos);
  }
  if (!strcmp(m->type, "ORU")) {
    hr_buf_printf(b, "OBR|1||LAB%u|CBC^FULL BLOOD COUNT%sOBX|1|NM|HB^HAEMOGLOBIN||131|g/L%s", g->msg_no[m->fac], eos,
                  eos);
  } else {
    /* PV1 fields 1..45 */
    hr_buf_printf(b, "PV1|1|%s|WARD%u^BED%u^%s|||||||%s|||||||||%s", m->pclass ? (char[2]){m->pclass, 0} : "",
                  (unsigned)(1 + m->visit[7] % 9), (unsigned)(1 + m->visit[6] % 20), fac, m->service ? m->service : "",
                  m->visit);
    if (sy__chance(r, 0.05)) hr_buf_printf(b, "^^^%s^VN", fac);
    for (int i = 20; i <= 43; i++)
      hr_buf_putc(b, '|');
    hr_buf_putc(b, '|'); /* PV1-44 */
    if (is_a01 && m->chain == 0) {
      if (bad_in == 1)
        hr_buf_puts(b, m->bad_time);
      else
        sy__put_hl7(b, m->t, style);
    } else if (!is_a01 && m->admit) {
      sy__put_hl7(b, m->admit, style);
    }
    hr_buf_putc(b, '|'); /* PV1-45 */
    if (is_a03 && m->chain == 0) {
      if (bad_in == 1)
        hr_buf_puts(b, m->bad_time);
      else
        sy__put_hl7(b, m->t, style);
    }
    hr_buf_puts(b, eos);
  }
  if (eos[0] == '\r') hr_buf_putc(b, '\n');
  int64_t key = t_msh;
  if (sy__chance(r, 0.01)) key += sy__range(r, 1, 72) * 3600 * HR_US_PER_SEC; /* delivered late */
  sy__lines_commit(&cx->inpatient, at, key);
  size_t len = b->len - at;
  int dq = 0;
  if (!m->no_pid && pt->nhs_mode == 5) dq = 1;
  if (!m->no_pid && pt->nhs_mode < 4 && pt->nhs[0]) {
    char norm[11];
    dq = !hr_nhs_normalise(pt->nhs, 10, norm);
  }
  cx->st.dq_warnings += (uint64_t)dq;
  int bad = m->bad_time || m->no_pid || m->no_control_id || m->bad_dob || strcmp(m->type, "ADT");
  if (sy__chance(r, 0.03) && !bad) { /* the same message sent twice (never a bad one) */
    hr_buf_reserve(b, len);
    size_t at2 = b->len;
    hr_buf_append(b, b->data + at, len);
    sy__lines_commit(&cx->inpatient, at2, key + sy__range(r, 1, 3600) * HR_US_PER_SEC);
    cx->st.dq_warnings += (uint64_t)dq;
  }
}

static void make_patient(sy_ctx *cx, sy_rng *r, uint32_t person, patient *pt) {
  const sy_person *p = &cx->p[person];
  memset(pt, 0, sizeof *pt);
  pt->person = person;
  char buf[64];
  snprintf(pt->family, sizeof pt->family, "%s", sy__spell(&sy__surnames[p->surname], p->flags & SY_PF_TITLE, r, buf));
  snprintf(pt->given, sizeof pt->given, "%s", sy__spell(&sy__given[p->given], p->flags & SY_PF_TITLE, r, buf));
  pt->dob = p->dob;
  pt->sex = p->sex;
  sy__vary_postcode(r, p->postcode, pt->postcode);
  snprintf(pt->mrn, sizeof pt->mrn, "MRN%07u", (unsigned)(sy__mix(person ^ cx->seed) % 10000000));
  memcpy(pt->nhs, p->nhs, 11);
  uint32_t u = sy__below(r, 100);
  pt->nhs_mode = u < 48 ? 0 : u < 66 ? 1 : u < 74 ? 2 : u < 80 ? 3 : u < 84 ? 5 : 4;
  if (cx->messy && pt->nhs_mode >= 4) pt->nhs_mode = 0; /* the truth: its NHS number, once */
  if (!pt->nhs[0]) pt->nhs_mode = 4;
  u = sy__below(r, 100);
  if (cx->messy) { /* the truth: --messy spoils identities its own way (synth_messy.c) */
  } else if (u < 5 && pt->nhs[0] && pt->nhs_mode < 4) { /* failing its check digit (the only number) */
    char bad[11];
    sy__spoil_nhs(pt->nhs, bad);
    memcpy(pt->nhs, bad, 11);
  } else if (u < 9) { /* a date of birth that disagrees */
    pt->dob += (int32_t)sy__range(r, 1, 40);
  } else if (u < 10) { /* no PID-7 */
    pt->dob = SY_NO_DATE;
  }
}

/* --messy: the patient as the hospital got them wrong (in the messy run). */
static void mess_patient(sy_ctx *cx, patient *pt) {
  if (!cx->messy) return;
  pt->mess = sy__mess(cx, pt->person, pt->given, sizeof pt->given, pt->family, &pt->dob, pt->postcode,
                      sizeof pt->postcode, pt->nhs_mode < 4);
  if (pt->mess & (1u << SY_MESS_NHS)) pt->nhs_mode = 4;
}

static int64_t at_time(sy_rng *r, int32_t day, int h_lo, int h_hi) {
  return hr_uk_instant_of(day, (int)sy__range(r, h_lo, h_hi), (int)sy__below(r, 60)) +
         (int64_t)sy__below(r, 60) * HR_US_PER_SEC;
}

static int pick_chain(sy_rng *r) {
  uint32_t u = sy__below(r, 100);
  return u < 75 ? 0 : u < 90 ? 1 : 2;
}

static void send(igen *g, const patient *pt, msg *m, const char *trigger, int64_t t) {
  m->trigger = trigger;
  m->t = t;
  m->chain = pick_chain(&g->r);
  put_msg(g, pt, m);
}

static void affect_children(sy_ctx *cx, sy_rng *r, uint32_t person, int64_t t, double p) {
  if (person >= cx->n_register) return;
  uint32_t kids[16];
  int32_t day = hr_uk_local_date(t);
  uint32_t n = sy__children_of(cx, person, day, kids, 16);
  for (uint32_t i = 0; i < n; i++)
    if (sy__chance(r, p))
      sy__raise_absence(cx, kids[i], day + (int32_t)sy__below(r, 5), (int32_t)sy__range(r, 21, 56),
                        (unsigned)sy__range(r, 20, 55));
}

/* A spell of mental-health care (or almost: class O, learning disability) for a person. */
static void mh_spell(igen *g, const patient *pt, double affect) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  int64_t day_us = HR_US_PER_DAY;
  int32_t day = (int32_t)sy__range(r, cx->term_start - 20, cx->term_end - 10);
  int64_t t0 = at_time(r, day, 0, 23);
  uint32_t when = sy__below(r, 100);
  if (when < 8) { /* the exact instant of a mark (09:00 or 13:30 on a school day) */
    day = cx->days[sy__below(r, cx->n_days)];
    t0 = (when & 1) ? hr_uk_instant_of(day, 9, 0) : hr_uk_instant_of(day, 13, 30);
  } else if (when < 10) { /* 01:00-01:59 local, no offset: on the night the clocks go back it is ambiguous */
    t0 = hr_uk_instant_of(day, 1, (int)sy__below(r, 60));
  }
  msg m;
  memset(&m, 0, sizeof m);
  m.type = "ADT";
  m.pclass = 'I';
  new_visit(g, &m);
  const char *mh = mh_codes[sy__below(r, 14)];
  const char *other = other_codes[sy__below(r, 10)];
  int64_t t = t0;
  uint32_t k = sy__below(r, 100);
  m.service = mh;
  if (k < 32) { /* A01 MH, a transfer within MH, an update, a discharge */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    if (sy__chance(r, 0.4)) {
      m.service = mh_codes[sy__below(r, 14)];
      send(g, pt, &m, "A02", t += sy__range(r, 1, 10) * day_us);
    }
    if (sy__chance(r, 0.3)) {
      /* An update; half of them leave PV1-10 empty: the service stays (READING R33). */
      const char *keep = m.service;
      if (sy__chance(r, 0.5)) m.service = NULL;
      send(g, pt, &m, "A08", t += sy__range(r, 3600, 86400) * HR_US_PER_SEC);
      m.service = keep;
    }
    if (sy__chance(r, 0.65)) send(g, pt, &m, "A03", t += sy__range(r, 3, 40) * day_us);
  } else if (k < 47) { /* non-MH, then moved to MH by A02 or A08 */
    m.service = other;
    send(g, pt, &m, "A01", t);
    m.admit = t;
    m.service = mh;
    send(g, pt, &m, sy__chance(r, 0.5) ? "A02" : "A08", t += sy__range(r, 3600, 5 * 86400) * HR_US_PER_SEC);
    if (sy__chance(r, 0.5)) send(g, pt, &m, "A03", t += sy__range(r, 3, 30) * day_us);
  } else if (k < 55) { /* outpatient registered, then becomes inpatient (A06) */
    m.pclass = 'O';
    send(g, pt, &m, "A04", t - sy__range(r, 3600, 86400) * HR_US_PER_SEC);
    m.pclass = 'I';
    send(g, pt, &m, "A06", t);
    m.admit = t;
    if (sy__chance(r, 0.5)) send(g, pt, &m, "A03", t += sy__range(r, 3, 30) * day_us);
  } else if (k < 65) { /* admission cancelled within days, before the absence rises */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    if (sy__chance(r, 0.25)) send(g, pt, &m, "A13", t + 3600 * HR_US_PER_SEC); /* not discharged: nothing */
    if (sy__chance(r, 0.3)) send(g, pt, &m, "A03", t += sy__range(r, 2, 24) * 3600 * HR_US_PER_SEC);
    send(g, pt, &m, "A11", t += sy__range(r, 6, 5 * 24) * 3600 * HR_US_PER_SEC);
    if (sy__chance(r, 0.2)) send(g, pt, &m, "A13", t + 3600 * HR_US_PER_SEC); /* cancelled: nothing */
  } else if (k < 73) { /* discharge, discharge cancelled, discharge again */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    send(g, pt, &m, "A03", t += sy__range(r, 3, 20) * day_us);
    send(g, pt, &m, "A13", t += sy__range(r, 1, 12) * 3600 * HR_US_PER_SEC);
    if (sy__chance(r, 0.6)) send(g, pt, &m, "A03", t += sy__range(r, 2, 20) * day_us);
  } else if (k < 80) { /* discharged, then A01 again for the same visit: a new spell */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    send(g, pt, &m, "A03", t += sy__range(r, 2, 15) * day_us);
    m.admit = 0;
    send(g, pt, &m, "A01", t += sy__range(r, 3, 25) * day_us);
    affect_children(cx, r, pt->person, t, affect * 0.5);
    m.admit = t;
    if (sy__chance(r, 0.4)) send(g, pt, &m, "A03", t += sy__range(r, 3, 20) * day_us);
  } else if (k < 85) { /* A01 repeated for an open spell (a new message, changes nothing) */
    send(g, pt, &m, "A01", t);
    send(g, pt, &m, "A01", t + sy__range(r, 600, 7200) * HR_US_PER_SEC);
    m.admit = t;
    if (sy__chance(r, 0.5)) send(g, pt, &m, "A03", t += sy__range(r, 3, 30) * day_us);
  } else if (k < 89) { /* patient class O: not an inpatient spell */
    m.pclass = 'O';
    send(g, pt, &m, "A01", t);
    affect = 0;
  } else if (k < 92) { /* learning disability (700) is not MH */
    m.service = "700";
    send(g, pt, &m, "A01", t);
    m.admit = t;
    if (sy__chance(r, 0.5)) send(g, pt, &m, "A03", t += sy__range(r, 3, 30) * day_us);
    affect = 0;
  } else if (k < 96) { /* MH, moved out of MH, back into MH (a second MH start of the spell) */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    m.service = other;
    send(g, pt, &m, "A02", t += sy__range(r, 1, 6) * day_us);
    m.service = mh_codes[sy__below(r, 14)];
    send(g, pt, &m, sy__chance(r, 0.5) ? "A02" : "A08", t += sy__range(r, 1, 10) * day_us);
    affect_children(cx, r, pt->person, t, affect * 0.5);
  } else { /* cancelled after weeks, then admitted again on the same visit: a new spell */
    send(g, pt, &m, "A01", t);
    m.admit = t;
    send(g, pt, &m, "A11", t += sy__range(r, 10, 30) * day_us);
    m.admit = 0;
    send(g, pt, &m, "A01", t += sy__range(r, 1, 10) * day_us);
    affect_children(cx, r, pt->person, t, affect * 0.5);
  }
  affect_children(cx, r, pt->person, t0, affect);
}

/* Admissions that are not MH, other triggers and messages about spells never admitted. */
static void noise(igen *g, const patient *pt) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  msg m;
  memset(&m, 0, sizeof m);
  m.type = "ADT";
  m.pclass = 'I';
  new_visit(g, &m);
  int32_t day = (int32_t)sy__range(r, cx->term_start - 10, cx->term_end);
  int64_t t = at_time(r, day, 0, 23);
  m.service = other_codes[sy__below(r, 10)];
  switch (sy__below(r, 6)) {
  case 0:
  case 1:
    send(g, pt, &m, "A01", t);
    m.admit = t;
    send(g, pt, &m, "A03", t + sy__range(r, 1, 10) * HR_US_PER_DAY);
    break;
  case 2:
    m.pclass = 'O';
    send(g, pt, &m, "A04", t);
    break;
  case 3: send(g, pt, &m, "A05", t); break;
  case 4: send(g, pt, &m, "A28", t); break;
  default: /* an update and a discharge for a visit never admitted */
    m.service = mh_codes[sy__below(r, 14)];
    send(g, pt, &m, "A08", t);
    send(g, pt, &m, "A03", t + 3600 * HR_US_PER_SEC);
    break;
  }
}

/* Bad records: not ADT, no PID, a malformed time; each would matter if it were read. */
static void bad(igen *g, const patient *pt) {
  sy_ctx *cx = g->cx;
  sy_rng *r = &g->r;
  static const char *bad_times[] = {"2026092409", "20260931093000", "2026-09-24 09:30", "202609240960",
                                    "20261012T1015"};
  msg m;
  memset(&m, 0, sizeof m);
  m.type = "ADT";
  m.pclass = 'I';
  m.service = mh_codes[sy__below(r, 14)];
  new_visit(g, &m);
  int64_t t = at_time(r, (int32_t)sy__range(r, cx->term_start, cx->term_end - 10), 8, 20);
  uint32_t kind = g->scenarios / 13 % 5;
  if (kind == 0) {
    m.type = "ORU";
    send(g, pt, &m, "R01", t);
  } else if (kind == 1) {
    m.no_pid = 1;
    send(g, pt, &m, "A01", t);
  } else if (kind == 2) {
    m.no_control_id = 1;
    send(g, pt, &m, "A01", t);
  } else if (kind == 3) {
    m.bad_dob = 1;
    send(g, pt, &m, "A01", t);
  } else {
    m.bad_time = bad_times[g->scenarios % 5];
    m.trigger = "A01";
    m.t = t;
    m.chain = pick_chain(r);
    put_msg(g, pt, &m);
  }
  cx->st.bad_records++;
}

int sy__gen_inpatient(sy_ctx *cx) {
  igen g;
  memset(&g, 0, sizeof g);
  g.cx = cx;
  for (uint32_t f = 0; f < cx->n_fam; f++) {
    sy__rng_init(&g.r, cx->seed, SY_S_INPATIENT, f);
    sy_rng *r = &g.r;
    const sy_family *fam = &cx->fam[f];
    patient pt;
    if (sy__chance(r, 0.13)) {
      uint32_t who = fam->first + sy__below(r, fam->n);
      /* Mostly a carer; sometimes anyone in the family (a child, a household member). */
      if (cx->p[who].kind != SY_K_CARER && sy__chance(r, 0.8)) who = fam->first;
      make_patient(cx, r, who, &pt);
      mess_patient(cx, &pt);
      mh_spell(&g, &pt, 0.8);
      if (!cx->clean && ++g.scenarios % 13 == 5) bad(&g, &pt);
    }
    if (sy__chance(r, 0.08)) {
      make_patient(cx, r, fam->first + sy__below(r, fam->n), &pt);
      mess_patient(cx, &pt);
      noise(&g, &pt);
    }
  }
  /* Patients the register does not know. */
  uint32_t outsiders = cx->n_fam ? 1 + cx->n_fam / 40 : 0;
  for (uint32_t i = 0; i < outsiders; i++) {
    sy__rng_init(&g.r, cx->seed, SY_S_OUTSIDER, 0x100000000ull + i);
    uint32_t who = sy__new_outsider(cx, &g.r, (uint8_t)sy__below(&g.r, SY_N_LA));
    if (who == SY_NONE) return cx->err;
    patient pt;
    make_patient(cx, &g.r, who, &pt);
    mess_patient(cx, &pt);
    mh_spell(&g, &pt, 0);
  }
  if (cx->inpatient.oom || cx->inpatient.text.oom)
    return sy__fail(cx, HR_ENOMEM, "synth: out of memory building the inpatient feed");
  return 0;
}

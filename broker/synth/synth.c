/* synth.c: `hearth synth` - options, the term calendar, allocators, output files and the order of
 * work. The population is in synth_people.c, each feed in its own file.
 *
 * Must never: read the clock, the environment or rand(); depend on hash or address order; write
 * outside out_dir. Same options => the same bytes. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hr_err.h"
#include "ids.h"
#include "synth_int.h"

/* ---- Errors and memory ----------------------------------------------------------------- */

int sy__fail(sy_ctx *cx, int err, const char *fmt, ...) {
  if (cx->err) return cx->err;
  cx->err = err;
  if (cx->errstr && cx->errsz) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->errstr, cx->errsz, fmt, ap);
    va_end(ap);
  }
  return err;
}

int sy__grow(sy_ctx *cx, void **v, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 64;
  while (n < need)
    n *= 2;
  void *nv = realloc(*v, n * elem);
  if (!nv) return sy__fail(cx, HR_ENOMEM, "synth: out of memory growing a table to %zu entries", n);
  *v = nv;
  *cap = n;
  return 0;
}

sy_person *sy__new_person(sy_ctx *cx, uint32_t *index) {
  size_t cap = cx->cap_p;
  if (sy__grow(cx, (void **)&cx->p, &cap, (size_t)cx->n_p + 1, sizeof *cx->p)) return NULL;
  cx->cap_p = (uint32_t)cap;
  sy_person *p = &cx->p[cx->n_p];
  memset(p, 0, sizeof *p);
  p->family = SY_NONE;
  p->school = SY_NONE;
  p->dob = SY_NO_DATE;
  p->win_from[0] = p->win_from[1] = SY_NO_DATE;
  p->win_to[0] = p->win_to[1] = SY_NO_DATE;
  if (index) *index = cx->n_p;
  cx->n_p++;
  return p;
}

/* ---- PRNG ----------------------------------------------------------------------------------- */

void sy__rng_init(sy_rng *r, uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t z = sy__mix(seed) ^ sy__mix(stream * UINT64_C(0x632be59bd9b4e019)) ^ sy__mix(index + UINT64_C(0x1234567));
  for (int i = 0; i < 4; i++) {
    z += UINT64_C(0x9e3779b97f4a7c15);
    r->s[i] = sy__mix(z);
  }
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

/* ---- Allocators ------------------------------------------------------------------------------ */

/* The 6 free digits of a 999-range NHS number walk a permutation of 0..999999 (multiplier prime
 * to 10^6), so numbers never repeat and do not look sequential. */
#define SY_NHS_SPACE 1000000u
#define SY_NHS_MULT 482711u

int sy__alloc_nhs(sy_ctx *cx, char out[11]) {
  uint32_t off = (uint32_t)(sy__mix(cx->seed ^ 0x4e4853u) % SY_NHS_SPACE);
  while (cx->nhs_next < SY_NHS_SPACE) {
    uint32_t v = (uint32_t)(((uint64_t)cx->nhs_next++ * SY_NHS_MULT + off) % SY_NHS_SPACE);
    char nine[10];
    snprintf(nine, sizeof nine, "999%06u", v);
    if (hr_nhs_make(nine, out) == 0) return 0;
  }
  out[0] = '\0';
  return -1;
}

void sy__alloc_noms(sy_ctx *cx, char out[8]) {
  /* Letter, four digits, two letters: 26 * 10^4 * 26^2 numbers, permuted (7919 is prime to it). */
  const uint64_t space = UINT64_C(26) * 10000 * 676;
  uint64_t off = sy__mix(cx->seed ^ 0x4e4f4d53u) % space;
  uint64_t v = ((uint64_t)cx->noms_next++ * 7919 + off) % space;
  out[0] = (char)('A' + v / (10000 * 676) % 26);
  uint64_t rest = v % (10000 * 676);
  unsigned digits = (unsigned)(rest / 676), letters = (unsigned)(rest % 676);
  snprintf(out + 1, 5, "%04u", digits);
  out[5] = (char)('A' + letters / 26);
  out[6] = (char)('A' + letters % 26);
  out[7] = '\0';
}

void sy__postcode(sy_rng *r, uint8_t la, char out[9]) {
  static const char inward[] = "ABDEFGHJLNPQRSTUWXYZ"; /* letters used in inward codes */
  const sy_la *l = &sy__las[la];
  const char *district = l->districts[sy__below(r, 5)];
  snprintf(out, 9, "%s %u%c%c", district, (unsigned)sy__below(r, 10), inward[sy__below(r, 20)],
           inward[sy__below(r, 20)]);
}

uint32_t sy__new_outsider(sy_ctx *cx, sy_rng *r, uint8_t la) {
  uint32_t idx;
  sy_person *p = sy__new_person(cx, &idx);
  if (!p) return SY_NONE;
  p->kind = SY_K_OUTSIDER;
  p->la = la;
  p->sex = sy__chance(r, 0.6) ? 'M' : 'F';
  p->given = sy__pick_given(r, p->sex);
  p->surname = sy__pick_surname(r);
  p->dob =
      hr_days_from_civil((int)sy__range(r, 1965, 2003), (unsigned)sy__range(r, 1, 12), (unsigned)sy__range(r, 1, 28));
  sy__postcode(r, la, p->postcode);
  if (sy__alloc_nhs(cx, p->nhs) == 0) p->nhs_form = SY_NHS_PLAIN;
  return idx;
}

/* ---- Small writers ----------------------------------------------------------------------- */

static inline void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

void sy__put_date(hr_buf *b, int32_t d) {
  if (d == SY_NO_DATE) return;
  char buf[11];
  hr_format_date(d, buf);
  hr_buf_append(b, buf, 10);
}

void sy__put_date_compact(hr_buf *b, int32_t d) {
  char buf[11];
  hr_format_date(d, buf);
  hr_buf_append(b, buf, 4);
  hr_buf_append(b, buf + 5, 2);
  hr_buf_append(b, buf + 8, 2);
}

void sy__put_csv(hr_buf *b, const char *s, int force_quote) {
  int need = force_quote;
  for (const char *q = s; *q && !need; q++)
    if (*q == ',' || *q == '"' || *q == '\n' || *q == '\r') need = 1;
  if (!need) {
    hr_buf_puts(b, s);
    return;
  }
  hr_buf_putc(b, '"');
  for (const char *q = s; *q; q++) {
    if (*q == '"') hr_buf_putc(b, '"');
    hr_buf_putc(b, *q);
  }
  hr_buf_putc(b, '"');
}

void sy__put_nhs_spaced(hr_buf *b, const char *nhs) {
  hr_buf_append(b, nhs, 3);
  hr_buf_putc(b, ' ');
  hr_buf_append(b, nhs + 3, 3);
  hr_buf_putc(b, ' ');
  hr_buf_append(b, nhs + 6, 4);
}

/* Splits an instant (shifted by off_s seconds) into a date and a time of day. */
static void split_instant(int64_t t, int off_s, int32_t *day, int *hh, int *mi, int *ss, int64_t *us) {
  int64_t local = t + off_s * HR_US_PER_SEC;
  int64_t d = local >= 0 ? local / HR_US_PER_DAY : -((-local + HR_US_PER_DAY - 1) / HR_US_PER_DAY);
  int64_t rem = local - d * HR_US_PER_DAY;
  int64_t secs = rem / HR_US_PER_SEC;
  *day = (int32_t)d;
  *hh = (int)(secs / 3600);
  *mi = (int)(secs / 60 % 60);
  *ss = (int)(secs % 60);
  *us = rem % HR_US_PER_SEC;
}

void sy__put_iso(hr_buf *b, int64_t t, int style, int ndig, int digit7) {
  int off = style == 1 ? 0 : hr_uk_offset_at(t);
  int32_t day;
  int hh, mi, ss;
  int64_t us;
  split_instant(t, off, &day, &hh, &mi, &ss, &us);
  char buf[48], *p = buf;
  hr_format_date(day, p);
  p += 10;
  *p++ = 'T';
  put2(p, (unsigned)hh);
  p += 2;
  *p++ = ':';
  put2(p, (unsigned)mi);
  p += 2;
  if (style != 2) {
    *p++ = ':';
    put2(p, (unsigned)ss);
    p += 2;
    if (ndig > 0) {
      *p++ = '.';
      int64_t div = 100000;
      for (int i = 0; i < ndig && i < 6; i++, div /= 10)
        *p++ = (char)('0' + us / div % 10);
      if (ndig >= 7) *p++ = (char)('0' + digit7 % 10);
    }
  }
  if (style == 1) {
    *p++ = 'Z';
  } else {
    memcpy(p, off ? "+01:00" : "+00:00", 6);
    p += 6;
  }
  hr_buf_append(b, buf, (size_t)(p - buf));
}

void sy__put_hl7(hr_buf *b, int64_t t, int style) {
  int off = style == 4 ? 0 : hr_uk_offset_at(t);
  int32_t day;
  int hh, mi, ss;
  int64_t us;
  split_instant(t, off, &day, &hh, &mi, &ss, &us);
  char buf[40], *p = buf;
  char date[11];
  hr_format_date(day, date);
  memcpy(p, date, 4);
  memcpy(p + 4, date + 5, 2);
  memcpy(p + 6, date + 8, 2);
  p += 8;
  put2(p, (unsigned)hh);
  put2(p + 2, (unsigned)mi);
  p += 4;
  if (style >= 1) {
    put2(p, (unsigned)ss);
    p += 2;
  }
  if (style == 2) {
    *p++ = '.';
    int64_t div = 100000;
    for (int i = 0; i < 4; i++, div /= 10)
      *p++ = (char)('0' + us / div % 10);
  }
  if (style == 3) {
    memcpy(p, off ? "+0100" : "+0000", 5);
    p += 5;
  } else if (style == 4) {
    memcpy(p, "+0000", 5);
    p += 5;
  }
  hr_buf_append(b, buf, (size_t)(p - buf));
}

void sy__spoil_nhs(const char valid[11], char out[11]) {
  memcpy(out, valid, 11);
  /* Any other last digit fails: the check digit is unique when it exists. */
  out[9] = (char)('0' + (valid[9] - '0' + 3) % 10);
}

void sy__spoil_upn(const char valid[14], char out[14]) {
  static const char letters[] = "ABCDEFGHJKLMNPQRTUVWXYZ";
  memcpy(out, valid, 14);
  const char *at = strchr(letters, valid[0]);
  size_t i = at ? (size_t)(at - letters) : 0;
  out[0] = letters[(i + 5) % 23];
}

/* ---- Line stores ------------------------------------------------------------------------------ */

void sy__lines_commit(sy_lines *l, size_t at, int64_t key) {
  if (l->text.oom) {
    l->oom = 1;
    return;
  }
  if (l->n == l->cap) {
    size_t n = l->cap ? l->cap * 2 : 1024;
    sy_line *nv = realloc(l->v, n * sizeof *nv);
    if (!nv) {
      l->oom = 1;
      return;
    }
    l->v = nv;
    l->cap = n;
  }
  l->v[l->n] = (sy_line){key, l->n, at, l->text.len - at};
  l->n++;
}

static int line_cmp(const void *a, const void *b) {
  const sy_line *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void sy__lines_sort(sy_lines *l) {
  if (l->n) qsort(l->v, l->n, sizeof *l->v, line_cmp);
}

void sy__lines_free(sy_lines *l) {
  hr_buf_free(&l->text);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* ---- Output files -------------------------------------------------------------------------- */

int sy__out_open(sy_ctx *cx, sy_out *o, const char *rel_path) {
  memset(o, 0, sizeof *o);
  snprintf(o->path, sizeof o->path, "%s/%s", cx->o->out_dir, rel_path);
  o->f = fopen(o->path, "wb");
  if (!o->f) {
    o->err = HR_EIO;
    return sy__fail(cx, HR_EIO, "synth: cannot create %s: %s", o->path, strerror(errno));
  }
  if (hr_buf_reserve(&o->b, (size_t)1 << 21)) {
    o->err = HR_ENOMEM;
    return sy__fail(cx, HR_ENOMEM, "synth: out of memory for the buffer of %s", o->path);
  }
  return 0;
}

int sy__out_flush(sy_ctx *cx, sy_out *o) {
  if (o->err) return o->err;
  if (o->b.oom) {
    o->err = HR_ENOMEM;
    return sy__fail(cx, HR_ENOMEM, "synth: out of memory while writing %s", o->path);
  }
  if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len) {
    o->err = HR_EIO;
    return sy__fail(cx, HR_EIO, "synth: cannot write %s: %s", o->path, strerror(errno));
  }
  hr_buf_reset(&o->b);
  return 0;
}

int sy__out_close(sy_ctx *cx, sy_out *o) {
  int rc = o->f ? sy__out_flush(cx, o) : o->err;
  if (o->f && fclose(o->f) != 0 && !rc) {
    o->err = HR_EIO;
    rc = sy__fail(cx, HR_EIO, "synth: cannot close %s: %s", o->path, strerror(errno));
  }
  o->f = NULL;
  hr_buf_free(&o->b);
  return rc;
}

int sy__write_lines(sy_ctx *cx, sy_lines *l, const char *rel_path, const char *header, uint64_t *count) {
  if (l->oom || l->text.oom) return sy__fail(cx, HR_ENOMEM, "synth: out of memory building %s", rel_path);
  sy__lines_sort(l);
  sy_out o;
  if (sy__out_open(cx, &o, rel_path)) return sy__out_close(cx, &o);
  if (header) hr_buf_puts(&o.b, header);
  for (size_t i = 0; i < l->n; i++) {
    hr_buf_append(&o.b, l->text.data + l->v[i].off, l->v[i].len);
    sy__out_maybe_flush(cx, &o);
  }
  *count = l->n;
  return sy__out_close(cx, &o);
}

/* ---- The term ---------------------------------------------------------------------------- */

static int32_t last_sunday_of(int y, unsigned m) {
  int32_t d = hr_days_from_civil(y, m, hr_days_in_month(y, m));
  /* 1970-01-01 was a Thursday: weekday (Mon=0) = (d + 3) mod 7. */
  int wd = (int)(((d + 3) % 7 + 7) % 7);
  return d - (wd + 1) % 7;
}

/* School days from term_start, Monday to Friday, for `weeks` school weeks; the autumn half-term
 * (the week after the last Sunday of October, when the clocks go back) has no marks. */
static int build_term(sy_ctx *cx, int32_t start, int weeks) {
  int y;
  unsigned m, d;
  hr_civil_from_days(start, &y, &m, &d);
  int32_t half_mon = last_sunday_of(y, 10) + 1;
  size_t cap = (size_t)weeks * 7 + 7;
  cx->days = malloc(cap * sizeof *cx->days);
  cx->day_week = malloc(cap);
  if (!cx->days || !cx->day_week) return sy__fail(cx, HR_ENOMEM, "synth: out of memory for the term");
  int32_t week_of_prev = INT32_MIN;
  int week = -1;
  for (int32_t day = start;; day++) {
    int wd = (int)(((day + 3) % 7 + 7) % 7);
    if (wd >= 5) continue;
    if (day >= half_mon && day < half_mon + 5) continue;
    int32_t w = hr_week_of(day);
    if (w != week_of_prev) {
      if (week + 1 >= weeks) break;
      week++;
      week_of_prev = w;
    }
    cx->days[cx->n_days] = day;
    cx->day_week[cx->n_days] = (uint8_t)week;
    cx->n_days++;
  }
  cx->n_weeks = (uint32_t)weeks;
  cx->term_start = cx->days[0];
  cx->term_end = cx->days[cx->n_days - 1];
  return 0;
}

/* ---- Entry point --------------------------------------------------------------------------- */

static int make_dir(sy_ctx *cx, const char *path) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) {
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return 0;
    return sy__fail(cx, HR_EIO, "synth: %s exists and is not a directory", path);
  }
  return sy__fail(cx, HR_EIO, "synth: cannot create directory %s: %s", path, strerror(errno));
}

/* mkdir -p */
static int make_dirs(sy_ctx *cx, const char *dir, const char *sub) {
  char path[1024];
  int n = snprintf(path, sizeof path, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
  if (n <= 0 || (size_t)n >= sizeof path - 32)
    return sy__fail(cx, HR_EINVAL, "synth: output directory name too long (%d bytes)", n);
  for (char *q = path + 1; *q; q++) {
    if (*q != '/') continue;
    *q = '\0';
    int rc = make_dir(cx, path);
    *q = '/';
    if (rc) return rc;
  }
  return make_dir(cx, path);
}

static void ctx_free(sy_ctx *cx) {
  free(cx->days);
  free(cx->day_week);
  free(cx->p);
  free(cx->fam);
  free(cx->rel);
  free(cx->as);
  free(cx->kw);
  free(cx->school);
  sy__lines_free(&cx->custody);
  sy__lines_free(&cx->inpatient);
  sy__lines_free(&cx->nrpf);
}

/* One run of the generator. run: 0 the ordinary one; with --messy, 1 the truth run (the three
 * feeds whose identities get messy, into o->out_dir/feeds) and 2 the messy run (everything). */
static int generate(const hr_synth_opts *o, int run, hr_synth_stats *st, char *errstr, size_t errsz) {
  sy_ctx cx;
  memset(&cx, 0, sizeof cx);
  cx.errstr = errstr;
  cx.errsz = errsz;
  if (errstr && errsz) errstr[0] = '\0';
  if (st) memset(st, 0, sizeof *st);
  if (!o || !o->out_dir || !o->out_dir[0]) return sy__fail(&cx, HR_EINVAL, "synth: no output directory (--out DIR)");
  if (o->families > 2000000u)
    return sy__fail(&cx, HR_EINVAL, "synth: --families %u is more than 2,000,000", o->families);
  int weeks = o->weeks ? o->weeks : 15;
  if (weeks < 1 || weeks > 40) return sy__fail(&cx, HR_EINVAL, "synth: weeks %d out of range 1..40", o->weeks);
  const char *ts = o->term_start ? o->term_start : "2026-09-01";
  int32_t start;
  if (hr_parse_date(ts, strlen(ts), &start))
    return sy__fail(&cx, HR_EINVAL, "synth: term start \"%s\" is not a YYYY-MM-DD date", ts);
  cx.o = o;
  cx.seed = o->seed;
  cx.clean = o->clean != 0;
  cx.messy = run != 0;
  cx.mess_run = run == 2;

  int rc = build_term(&cx, start, weeks);
  if (!rc && run != 1) rc = make_dirs(&cx, o->out_dir, "register");
  if (!rc) rc = make_dirs(&cx, o->out_dir, "feeds");
  if (!rc) rc = sy__build_population(&cx);
  if (!rc) rc = sy__add_namesakes(&cx);
  if (!rc) rc = sy__gen_custody(&cx);
  if (!rc) rc = sy__gen_inpatient(&cx);
  if (!rc) rc = sy__gen_nrpf(&cx);
  if (!rc && run != 1) rc = sy__write_register(&cx);
  if (!rc) rc = sy__write_lines(&cx, &cx.custody, "feeds/custody.jsonl", NULL, &cx.st.custody);
  if (!rc) rc = sy__write_lines(&cx, &cx.inpatient, "feeds/inpatient.hl7", NULL, &cx.st.inpatient);
  if (!rc)
    rc = sy__write_lines(&cx, &cx.nrpf, "feeds/nrpf.csv",
                         /* a UTF-8 byte order mark, as spreadsheet exports write (READING R37) */
                         "\xEF\xBB\xBFrecord_id,la_code,nhs_number,given_name,family_name,date_of_birth,"
                         "postcode,status,effective_date,dependants,household_type,"
                         "immigration_status,support_start_date,support_end_date,"
                         "closure_reason\r\n",
                         &cx.st.nrpf);
  if (!rc && run != 1) rc = sy__write_attendance(&cx);
  if (!rc && run == 2) {
    sy_out out;
    if (!sy__out_open(&cx, &out, "truth/records.csv")) {
      hr_buf_puts(&out.b, "feed,record_id,sender,person_id,changes\n");
      hr_buf_append(&out.b, cx.truth.data ? cx.truth.data : "", cx.truth.len);
      if (cx.truth.oom) sy__fail(&cx, HR_ENOMEM, "synth: out of memory building truth/records.csv");
    }
    rc = sy__out_close(&cx, &out);
  }
  if (!rc && cx.err) rc = cx.err;
  if (st) *st = cx.st;
  hr_buf_free(&cx.truth);
  ctx_free(&cx);
  return rc;
}

int hr_synth_generate(const hr_synth_opts *o, hr_synth_stats *st, char *errstr, size_t errsz) {
  if (!o || !o->messy) return generate(o, 0, st, errstr, errsz);
  /* --messy: the truth first, into OUT/truth (the same world: every random choice but the mess
   * is drawn the same way in both runs), then the messy feeds and the register into OUT. */
  if (!o->out_dir || !o->out_dir[0]) return generate(o, 0, st, errstr, errsz); /* reports it */
  char truth_dir[4096];
  int n = snprintf(truth_dir, sizeof truth_dir, "%s/truth", o->out_dir);
  if (n < 0 || (size_t)n >= sizeof truth_dir) {
    if (errstr && errsz) snprintf(errstr, errsz, "synth: the output directory's name is too long");
    return HR_EINVAL;
  }
  hr_synth_opts truth = *o;
  truth.out_dir = truth_dir;
  int rc = generate(&truth, 1, NULL, errstr, errsz);
  if (!rc) rc = generate(o, 2, st, errstr, errsz);
  return rc;
}

/* review_cmd: `hearth review list|accept|reject` (the probabilistic tier's review queue) and
 * `hearth link explain --alert ID` (why an alert's records were linked to its subject).
 *
 * The queue is the engine's: cases are in the saved state (hearth run --state, hearth replay
 * --state). A decision is register data: accept and reject append a row to the register
 * directory's link_decisions.csv, which replay loads after the register and which `hearth ingest
 * register` puts on the register topic for a running broker. So a decision reaches the engine
 * the way every other fact does, in order, and is applied from then on. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "connector.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"
#include "json.h"
#include "store.h"

static const char usage_review[] =
    "usage: hearth review list --state DIR [--register DIR] [--all]\n"
    "       hearth review accept CASE --state DIR --register DIR [--by NAME] [--note TEXT]\n"
    "       hearth review reject CASE --state DIR --register DIR [--by NAME] [--note TEXT]\n"
    "\n"
    "The probabilistic identity tier (--link-params, broker/link/README.md) sends a person to\n"
    "review when it cannot decide: the best register candidate for an agency record weighs\n"
    "between the review and the link weight, or two candidates are too close to tell apart.\n"
    "Each case pairs a record, as the agency described the person (given name, family name,\n"
    "date of birth, postcode, sex), with one register candidate; every later record described\n"
    "the same way adds to the same case.\n"
    "\n"
    "  list     the open cases in the state DIR (hearth run or hearth replay --state), highest\n"
    "           weight first, each with its comparisons; --all shows decided ones too\n"
    "  accept   records described as the case's record are that person: from then on they link\n"
    "  reject   they are not that person: from then on that candidate is passed over\n"
    "\n"
    "  --state DIR     the broker's state directory\n"
    "  --register DIR  the register directory: accept and reject append the decision to\n"
    "                  DIR/link_decisions.csv (created when missing), which hearth replay loads\n"
    "                  after the register; for a running broker, put it on the register topic:\n"
    "                  hearth ingest register --brokers B DIR/link_decisions.csv\n"
    "  --by NAME       who decided (recorded with the decision)\n"
    "  --note TEXT     why (recorded with the decision)\n"
    "\n"
    "Decisions apply to records processed after they are; an accepted pair does not reach back to\n"
    "records already processed (replay the history to apply it to them).\n"
    "\n"
    "Exit status: 0 on success, 1 when the state or register cannot be read or written, or the\n"
    "case is unknown, 2 for bad usage.\n";

/* ---- Reading the queue ------------------------------------------------------------------- */

typedef struct decided {
  char case_id[HR_REVIEW_ID_MAX];
  int decision; /* 1 accept, 2 reject */
} decided;

typedef struct queue {
  hr_review_case_info *cases;
  size_t n, cap;
  decided *dec;
  size_t ndec, capdec;
  int oom;
} queue;

static int take_case(void *ud, const void *key, size_t klen, const void *val, size_t vlen) {
  queue *q = ud;
  if (klen < 1 || ((const char *)key)[0] != HR_REVIEW_STATE_KIND) return 0;
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 64;
    hr_review_case_info *v = realloc(q->cases, cap * sizeof *v);
    if (!v) return q->oom = 1, 1;
    q->cases = v, q->cap = cap;
  }
  if (hr_review_case_decode(key, klen, val, vlen, &q->cases[q->n]) == 0) q->n++;
  return 0;
}

static void add_decision(queue *q, const char *case_id, int decision) {
  for (size_t i = 0; i < q->ndec; i++)
    if (strcmp(q->dec[i].case_id, case_id) == 0) {
      q->dec[i].decision = decision; /* the latest decision on a case wins */
      return;
    }
  if (q->ndec == q->capdec) {
    size_t cap = q->capdec ? q->capdec * 2 : 16;
    decided *v = realloc(q->dec, cap * sizeof *v);
    if (!v) {
      q->oom = 1;
      return;
    }
    q->dec = v, q->capdec = cap;
  }
  snprintf(q->dec[q->ndec].case_id, sizeof q->dec[q->ndec].case_id, "%s", case_id);
  q->dec[q->ndec++].decision = decision;
}

static int take_register_decision(void *ud, const void *key, size_t klen, const void *val, size_t vlen) {
  static const char prefix[] = "link_decision|";
  if (klen < sizeof prefix - 1 || memcmp(key, prefix, sizeof prefix - 1) != 0) return 0;
  Hearth__V1__RegisterRecord *rec = hearth__v1__register_record__unpack(NULL, vlen, val);
  if (!rec) return 0;
  if (rec->record_case == HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION && rec->link_decision->case_id)
    add_decision(ud, rec->link_decision->case_id,
                 rec->deleted                                                                           ? 0
                 : rec->link_decision->decision == HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT ? 1
                                                                                                        : 2);
  hearth__v1__register_record__free_unpacked(rec, NULL);
  return 0;
}

/* Decisions written to DIR/link_decisions.csv (perhaps not yet applied by a replay). */
static int read_decisions_file(queue *q, const char *reg_dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/link_decisions.csv", reg_dir);
  size_t len;
  char *data = hr_cli_read_file(path, &len);
  if (!data) return errno == ENOENT ? 0 : -1;
  hr_reader *r = hr_reader_new(HR_INPUT_LINK_DECISIONS, data, len, path, NULL);
  if (!r) {
    free(data);
    return -1;
  }
  hr_record rec;
  while (hr_reader_next(r, &rec))
    if (rec.type == HR_RECORD_REGISTER && rec.reg->record_case == HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION)
      add_decision(q, rec.reg->link_decision->case_id,
                   rec.reg->link_decision->decision == HEARTH__V1__LINK_DECISION_KIND__LINK_DECISION_ACCEPT ? 1 : 2);
  hr_reader_free(r);
  free(data);
  return 0;
}

static int decision_of(const queue *q, const char *case_id) {
  for (size_t i = 0; i < q->ndec; i++)
    if (strcmp(q->dec[i].case_id, case_id) == 0) return q->dec[i].decision;
  return 0;
}

static int load_queue(const char *state_dir, const char *reg_dir, queue *q) {
  struct stat st;
  char mdb[4096];
  snprintf(mdb, sizeof mdb, "%s/data.mdb", state_dir); /* never create a store where there is none */
  if (stat(state_dir, &st) != 0 || !S_ISDIR(st.st_mode) || stat(mdb, &st) != 0) {
    fprintf(stderr, "hearth review: %s is not a state directory (hearth run or hearth replay --state)\n", state_dir);
    return 1;
  }
  char err[512];
  hr_store *s;
  if (hr_store_open(state_dir, 0, &s, err, sizeof err)) {
    fprintf(stderr, "hearth review: %s\n", err);
    return 1;
  }
  hr_txn *t;
  int rc = hr_store_begin(s, 0, &t);
  if (!rc) {
    rc = hr_txn_foreach(t, HR_TABLE_STATE, take_case, q);
    if (!rc) rc = hr_txn_foreach(t, HR_TABLE_REGISTER, take_register_decision, q);
    hr_txn_abort(t);
  }
  hr_store_close(s);
  if (!rc && reg_dir && read_decisions_file(q, reg_dir)) {
    fprintf(stderr, "hearth review: cannot read %s/link_decisions.csv\n", reg_dir);
    return 1;
  }
  if (rc || q->oom) {
    fprintf(stderr, "hearth review: cannot read the state in %s\n", state_dir);
    return 1;
  }
  return 0;
}

static void queue_free(queue *q) {
  free(q->cases);
  free(q->dec);
}

static int by_weight_desc(const void *a, const void *b) {
  const hr_review_case_info *x = a, *y = b;
  if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
  return strcmp(x->case_id, y->case_id);
}

static const char *feed_word(int feed) {
  switch (feed) {
  case HEARTH__V1__FEED__FEED_CUSTODY: return "custody";
  case HEARTH__V1__FEED__FEED_INPATIENT: return "inpatient";
  case HEARTH__V1__FEED__FEED_ATTENDANCE: return "attendance";
  case HEARTH__V1__FEED__FEED_NRPF: return "nrpf";
  default: return "?";
  }
}

static int cmd_list(const char *state_dir, const char *reg_dir, int all) {
  queue q = {0};
  if (load_queue(state_dir, reg_dir, &q)) {
    queue_free(&q);
    return 1;
  }
  qsort(q.cases, q.n, sizeof *q.cases, by_weight_desc);
  size_t open = 0, shown = 0;
  for (size_t i = 0; i < q.n; i++) {
    const hr_review_case_info *c = &q.cases[i];
    int d = decision_of(&q, c->case_id);
    open += d == 0;
    if (d && !all) continue;
    char first[HR_ISO_MAX], last[HR_ISO_MAX];
    hr_format_uk_instant(c->first_us, first);
    hr_format_uk_instant(c->last_us, last);
    printf("%s  %s  weight %+.1f  %llu record%s, %.10s to %.10s, latest %s %s\n", c->case_id,
           d == 1   ? "accepted"
           : d == 2 ? "rejected"
                    : "open",
           c->weight, (unsigned long long)c->records, c->records == 1 ? "" : "s", first, last, feed_word(c->feed),
           c->record_id);
    printf("    record:    %s\n", c->description);
    printf("    candidate: %s\n", c->person_id);
    printf("    why:       %s\n", c->why == 2 ? "another candidate weighs almost the same: it cannot tell which"
                                              : "the weight is between the review weight and the link weight");
    printf("    compared:  %s\n", c->comparisons);
    shown++;
  }
  fprintf(stderr, "hearth review: %zu case%s, %zu open%s\n", q.n, q.n == 1 ? "" : "s", open,
          all || shown == open ? "" : " (--all shows the decided ones)");
  queue_free(&q);
  return 0;
}

/* ---- Deciding ------------------------------------------------------------------------------- */

static void csv_cell(hr_buf *b, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    hr_buf_puts(b, s);
    return;
  }
  hr_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"') hr_buf_putc(b, '"');
    hr_buf_putc(b, *s);
  }
  hr_buf_putc(b, '"');
}

static int append_decision(const char *reg_dir, const hr_review_case_info *c, const char *decision, const char *by,
                           const char *note) {
  char path[4096];
  snprintf(path, sizeof path, "%s/link_decisions.csv", reg_dir);
  struct stat st;
  int fresh = stat(path, &st) != 0 || st.st_size == 0;
  hr_buf b = {0};
  if (fresh) hr_buf_puts(&b, "case_id,description,person_id,decision,decided_by,decided_at,note\r\n");
  char today[11];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(today, sizeof today, "%Y-%m-%d", &tm);
  const char *cells[] = {c->case_id, c->description, c->person_id, decision, by ? by : "", today, note ? note : ""};
  for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
    if (i) hr_buf_putc(&b, ',');
    csv_cell(&b, cells[i]);
  }
  hr_buf_puts(&b, "\r\n");
  FILE *f = b.oom ? NULL : fopen(path, "ab");
  int ok = f && fwrite(b.data, 1, b.len, f) == b.len;
  ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
  if (f && fclose(f) != 0) ok = 0;
  hr_buf_free(&b);
  if (!ok) fprintf(stderr, "hearth review: cannot append to %s: %s\n", path, strerror(errno));
  return ok ? 0 : 1;
}

static int cmd_decide(const char *verb, const char *case_id, const char *state_dir, const char *reg_dir, const char *by,
                      const char *note) {
  queue q = {0};
  if (load_queue(state_dir, NULL, &q)) {
    queue_free(&q);
    return 1;
  }
  const hr_review_case_info *c = NULL;
  for (size_t i = 0; i < q.n && !c; i++)
    if (strcmp(q.cases[i].case_id, case_id) == 0) c = &q.cases[i];
  if (!c) {
    fprintf(stderr, "hearth review: no case %s in %s; 'hearth review list --state %s' shows them\n", case_id, state_dir,
            state_dir);
    queue_free(&q);
    return 1;
  }
  int accept = strcmp(verb, "accept") == 0;
  int rc = append_decision(reg_dir, c, accept ? "accept" : "reject", by, note);
  if (!rc)
    printf("%s %s: records described as %s %s %s from the next replay, or once the register topic has it:\n"
           "  hearth ingest register --brokers B %s/link_decisions.csv\n",
           accept ? "accepted" : "rejected", c->case_id, c->description, accept ? "link to" : "will not link to",
           c->person_id, reg_dir);
  queue_free(&q);
  return rc;
}

/* ---- explain an alert ---------------------------------------------------------------------- */

static const char *level_words(const char *field, const char *level) {
  hr_link_field f;
  if (hr_link_field_from_name(field, &f)) return level;
  for (int l = 0; l < hr_link_nlevels(f); l++)
    if (strcmp(hr_link_level_name(f, l), level) == 0) return hr_link_level_words(f, l);
  return level;
}

static const char *field_words(const char *field) {
  if (!strcmp(field, "given")) return "Given name";
  if (!strcmp(field, "family")) return "Family name";
  if (!strcmp(field, "dob")) return "Date of birth";
  if (!strcmp(field, "postcode")) return "Postcode";
  if (!strcmp(field, "sex")) return "Sex";
  return field;
}

/* A string member of obj into out (empty when absent, not a string or too long). */
static void json_text(const hr_json *j, int obj, const char *key, char *out, size_t cap) {
  int k = hr_json_get(j, obj, key);
  out[0] = '\0';
  if (hr_json_type_of(j, k) == HR_JSON_STRING && j->nodes[k].len < cap) hr_json_str(j, k, out);
}

/* A number member of obj (0 when absent or not a number). */
static double json_number(const hr_json *j, int obj, const char *key) {
  int k = hr_json_get(j, obj, key);
  char t[32] = "";
  if (hr_json_type_of(j, k) == HR_JSON_NUMBER && j->nodes[k].len < sizeof t)
    snprintf(t, sizeof t, "%.*s", (int)j->nodes[k].len, j->src + j->nodes[k].start);
  return atof(t);
}

/* One evidence entry of the alert, in words. */
static void explain_evidence(const hr_json *j, int ev, const char *subject) {
  char feed[32], rec[256], when[64], detail[256];
  json_text(j, ev, "feed", feed, sizeof feed);
  json_text(j, ev, "record_id", rec, sizeof rec);
  json_text(j, ev, "event_time", when, sizeof when);
  json_text(j, ev, "detail", detail, sizeof detail);
  printf("\nThe %s record %s (%s, %s)\n", feed, rec, detail, when);
  int link = hr_json_get(j, ev, "link");
  if (hr_json_type_of(j, link) != HR_JSON_OBJECT) {
    if (!strcmp(feed, "attendance"))
      printf("  is the school's mark for the pupil with this UPN, or with these exact names and date of birth.\n");
    else if (subject)
      printf("  was matched to %s by Hearth's exact rules: the NHS number with the date of birth, or the family\n"
             "  name, date of birth and postcode all the same as the register's.\n",
             subject);
    else
      printf("  matched nobody in the register (or more than one person), so it names no adult.\n");
    return;
  }
  char method[32], rcase[32];
  json_text(j, link, "method", method, sizeof method);
  json_text(j, link, "review_case", rcase, sizeof rcase);
  double w = json_number(j, link, "weight");
  if (!strcmp(method, "review_decision"))
    printf("  was linked to %s because a reviewer accepted the pair (review case %s). The details agree\n"
           "  this much (match weight %+.1f):\n",
           subject ? subject : "the subject", rcase, w);
  else
    printf("  carried no NHS number Hearth could use and no exact match, so it was linked to %s by comparing\n"
           "  the details, each counting for or against (match weight %+.1f, the sum of these):\n",
           subject ? subject : "the subject", w);
  int cmps = hr_json_get(j, link, "comparisons");
  double sum = 0;
  for (int c = hr_json_first(j, cmps); c >= 0; c = hr_json_next(j, cmps, c)) {
    char field[32], level[32];
    json_text(j, c, "field", field, sizeof field);
    json_text(j, c, "level", level, sizeof level);
    double x = json_number(j, c, "weight");
    sum += x;
    printf("    %+6.1f  %s %s\n", x, field_words(field), level_words(field, level));
  }
  printf("    %+6.1f  starting point: any two records are rarely the same person\n", w - sum);
}

static int cmd_explain_alert(const char *alert_id, const char *alerts_path) {
  size_t len;
  char *data = hr_cli_read_file(alerts_path, &len);
  if (!data) {
    fprintf(stderr, "hearth link explain: cannot read %s: %s\n", alerts_path, strerror(errno));
    return 1;
  }
  hr_json j = {0};
  if (hr_json_init(&j, 1u << 20)) {
    free(data);
    return 1;
  }
  int found = 0, rc = 1;
  for (char *line = data, *end; !found && line < data + len; line = end + 1) {
    end = memchr(line, '\n', (size_t)(data + len - line));
    if (!end) end = data + len;
    if (hr_json_parse(&j, line, (size_t)(end - line)) || hr_json_type_of(&j, 0) != HR_JSON_OBJECT) continue;
    char id[64], rule[128], subject[64];
    json_text(&j, 0, "alert_id", id, sizeof id);
    if (strcmp(id, alert_id) != 0) continue;
    found = 1;
    json_text(&j, 0, "rule_id", rule, sizeof rule);
    json_text(&j, 0, "subject", subject, sizeof subject);
    int has_subject = subject[0] != '\0';
    printf("Alert %s (%s)", id, rule);
    if (has_subject) printf(" is about %s", subject);
    int kids = hr_json_get(&j, 0, "children");
    if (hr_json_first(&j, kids) < 0)
      printf(has_subject ? " and names no child\n" : " and names no child or adult\n");
    else
      printf("%s the children", has_subject ? " and" : " is about");
    for (int c = hr_json_first(&j, kids); c >= 0; c = hr_json_next(&j, kids, c)) {
      char child[64] = "";
      if (j.nodes[c].len < sizeof child) hr_json_str(&j, c, child);
      printf(" %s", child);
    }
    if (hr_json_first(&j, kids) >= 0) printf(" (from the register's relationships on the day)\n");
    printf("How each record that raised it was linked:\n");
    int evs = hr_json_get(&j, 0, "evidence");
    for (int ev = hr_json_first(&j, evs); ev >= 0; ev = hr_json_next(&j, evs, ev))
      explain_evidence(&j, ev, has_subject ? subject : NULL);
    rc = 0;
  }
  if (!found) fprintf(stderr, "hearth link explain: no alert %s in %s\n", alert_id, alerts_path);
  hr_json_free(&j);
  free(data);
  return rc;
}

int hr_cli_link_explain_alert(int argc, char **argv) {
  static const struct option opts[] = {{"alert", required_argument, 0, 'a'},
                                       {"alerts", required_argument, 0, 'f'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *alert = NULL, *file = NULL;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'a': alert = optarg; break;
    case 'f': file = optarg; break;
    case 'h':
      puts("usage: hearth link explain --alert ID --alerts FILE\n\nFor the alert ID in FILE (alerts as JSON "
           "lines: hearth replay --out, or the alerts topic),\nsays how each record that raised it was linked to its "
           "subject: by Hearth's exact rules,\nby comparing details (each comparison's contribution to the match "
           "weight), or by a\nreviewer's decision (hearth review).");
      return 0;
    default: return 2;
    }
  }
  if (!alert || !file || optind < argc) {
    fprintf(stderr, "usage: hearth link explain --alert ID --alerts FILE\n");
    return 2;
  }
  return cmd_explain_alert(alert, file);
}

int hr_cli_review(int argc, char **argv) {
  static const struct option opts[] = {{"state", required_argument, 0, 's'},
                                       {"register", required_argument, 0, 'r'},
                                       {"by", required_argument, 0, 'b'},
                                       {"note", required_argument, 0, 'n'},
                                       {"all", no_argument, 0, 'a'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *sub = argc >= 2 ? argv[1] : "";
  if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
    fputs(usage_review, stdout);
    return 0;
  }
  if (strcmp(sub, "list") != 0 && strcmp(sub, "accept") != 0 && strcmp(sub, "reject") != 0) {
    fputs(usage_review, stderr);
    return 2;
  }
  const char *state = NULL, *reg = NULL, *by = NULL, *note = NULL;
  int all = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
    switch (c) {
    case 's': state = optarg; break;
    case 'r': reg = optarg; break;
    case 'b': by = optarg; break;
    case 'n': note = optarg; break;
    case 'a': all = 1; break;
    case 'h': fputs(usage_review, stdout); return 0;
    default: fputs(usage_review, stderr); return 2;
    }
  }
  int rest = argc - 1 - optind;
  char **args = argv + 1 + optind;
  if (!state) {
    fprintf(stderr, "hearth review: --state DIR is required\n\n%s", usage_review);
    return 2;
  }
  if (!strcmp(sub, "list")) {
    if (rest) {
      fprintf(stderr, "hearth review list: unexpected argument '%s'\n", args[0]);
      return 2;
    }
    return cmd_list(state, reg, all);
  }
  if (rest != 1 || !reg) {
    fprintf(stderr, "hearth review %s: give one CASE id and --register DIR\n\n%s", sub, usage_review);
    return 2;
  }
  return cmd_decide(sub, args[0], state, reg, by, note);
}

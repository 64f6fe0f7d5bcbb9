/* replay: the file driver of the core. See replay.h. */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "state.h"

/* A file's bytes, mapped read-only. */
typedef struct mapped {
  const char *data;
  size_t len;
} mapped;

static int map_file(const char *path, mapped *m, char *err, size_t errsz) {
  m->data = NULL;
  m->len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
    return HR_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    snprintf(err, errsz, "%s: not a regular file", path);
    close(fd);
    return HR_EIO;
  }
  if (st.st_size > 0) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      snprintf(err, errsz, "%s: cannot map: %s", path, strerror(errno));
      close(fd);
      return HR_EIO;
    }
    madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
    m->data = p;
    m->len = (size_t)st.st_size;
  }
  close(fd);
  return 0;
}

static void unmap_file(mapped *m) {
  if (m->data) munmap((void *)m->data, m->len);
  m->data = NULL;
}

typedef struct run {
  const hr_replay_opts *o;
  hr_txn *reg_txn; /* with --state: register records are stored as they are applied */
  hr_replay_summary *sum;
  hr_engine *engine;
  hr_archive *archive; /* NULL = none */
  hr_buf out;          /* pending alert lines */
  hr_buf dl;           /* pending dead-letter lines */
  int write_error;
} run;

static void flush(hr_buf *b, FILE *f, int *error) {
  if (f && b->len && fwrite(b->data, 1, b->len, f) != b->len) *error = 1;
  hr_buf_reset(b);
}

static void on_alert(void *ud, const Hearth__V1__Alert *a) {
  run *r = ud;
  if (r->o->alerts) {
    hr_alert_to_json(a, &r->out);
    hr_buf_putc(&r->out, '\n');
    if (r->out.len > (1u << 20)) flush(&r->out, r->o->alerts, &r->write_error);
  }
  if (r->o->on_alert) r->o->on_alert(r->o->on_alert_ud, a);
}

static void deadletter(run *r, const hr_deadletter *d) {
  r->sum->deadletters++;
  if (r->o->on_deadletter) r->o->on_deadletter(r->o->on_event_ud, d);
  if (!r->o->deadletters) return;
  hr_deadletter_to_json(d, &r->dl);
  hr_buf_putc(&r->dl, '\n');
  if (r->dl.len > (1u << 20)) flush(&r->dl, r->o->deadletters, &r->write_error);
}

/* ---- archive ------------------------------------------------------------------------------ */

/* Appends what was applied to the archive. 0, or a negative hr_err with a message. */
static int archive_result(run *r, int rc, char *err, size_t errsz) {
  if (rc == 1) r->sum->archive_duplicates++;
  if (rc == 0) r->sum->archived++;
  if (rc < 0 && rc != HR_EINVAL) {
    snprintf(err, errsz, "archive: %s", rc == HR_ENOMEM ? "out of memory" : hr_archive_error(r->archive));
    return rc;
  }
  return 0;
}

static int archive_register(run *r, const Hearth__V1__RegisterRecord *rec, char *err, size_t errsz) {
  return archive_result(r, hr_archive_append_register(r->archive, rec), err, errsz);
}

/* ---- register ----------------------------------------------------------------------------- */

static int load_register(run *r, char *err, size_t errsz) {
  static const struct {
    hr_input_kind kind;
    const char *file;
    int required;
  } files[] = {
      {HR_INPUT_PERSONS, "persons.csv", 1},
      {HR_INPUT_RELATIONSHIPS, "relationships.csv", 1},
      {HR_INPUT_KEY_WORKERS, "key_workers.csv", 0},
      {HR_INPUT_ASSIGNMENTS, "assignments.csv", 0},
      {HR_INPUT_LINK_DECISIONS, "link_decisions.csv", 0}, /* hearth review's decisions, last */
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->o->register_dir, files[i].file);
    if (!files[i].required && access(path, F_OK) != 0) continue;
    mapped m;
    int rc = map_file(path, &m, err, errsz), arc = 0;
    if (rc) return rc;
    hr_reader *rd = hr_reader_new(files[i].kind, m.data, m.len, path, NULL);
    if (!rd) {
      unmap_file(&m);
      snprintf(err, errsz, "out of memory");
      return HR_ENOMEM;
    }
    hr_record rec;
    while (hr_reader_next(rd, &rec)) {
      if (rec.type == HR_RECORD_DEADLETTER) {
        deadletter(r, rec.dl);
      } else if (rec.type == HR_RECORD_REGISTER) {
        rc = hr_engine_register(r->engine, rec.reg);
        if (rc == HR_ENOMEM) break;
        int accepted = rc == 0; /* only what the core took is archived */
        if (r->reg_txn && (rc = hr_state_put_register(r->reg_txn, rec.reg)) && rc != HR_EINVAL) break;
        if (accepted && r->archive && (arc = archive_register(r, rec.reg, err, errsz)) < 0) break;
        rc = 0;
        r->sum->register_records++;
      }
    }
    hr_reader_stats st;
    hr_reader_stats_get(rd, &st);
    r->sum->warnings += st.warnings;
    hr_reader_free(rd);
    unmap_file(&m);
    if (arc < 0) return arc; /* the message is in err */
    if (rc == HR_ENOMEM) {
      snprintf(err, errsz, "out of memory while loading %s", path);
      return rc;
    }
  }
  return 0;
}

/* ---- feeds -------------------------------------------------------------------------------- */

typedef struct index_entry {
  int64_t t;
  uint64_t offset;
  uint64_t position;
} index_entry;

/* A feed being read in event-time order. Most of a feed is usually in order already; the few
 * records that are not (a corrected mark written at the end of the day, a late custody event)
 * are found in a first pass and read back through a second reader in (time, position) order,
 * merged with the in-order rest, which is streamed. Memory: 24 bytes per out-of-order record. */
typedef struct cursor {
  mapped m;
  hr_input_kind kind;
  const char *path;
  int rank;          /* REFERENCE 6 tie order of the feed */
  size_t input;      /* order of --feed on the command line */
  hr_reader *stream; /* reads the in-order records front to back */
  uint64_t released; /* bytes at the start of the mapping handed back to the kernel */
  const Hearth__V1__AgencyEvent *stream_ev;
  uint64_t stream_pos;
  hr_reader *late;           /* reads the out-of-order records, by seeking */
  index_entry *late_by_time; /* out-of-order records in (time, position) order */
  uint64_t *late_offsets;    /* the same records in file order, to skip them in the stream */
  size_t nlate, late_at, skip_at;
  const Hearth__V1__AgencyEvent *late_ev;
  uint64_t late_pos;
  const Hearth__V1__AgencyEvent *cur; /* the earlier of the two heads; NULL when exhausted */
  uint64_t position;
} cursor;

/* A streamed feed is read once, front to back: give the pages behind the reader back to the
 * kernel so that a multi-gigabyte feed does not count against resident memory. */
#define RELEASE_STEP (32u << 20)
static void release_behind(mapped *m, uint64_t *released, uint64_t offset) {
  if (!m->data || offset < *released + RELEASE_STEP) return;
  uint64_t upto = offset & ~(uint64_t)(RELEASE_STEP - 1);
  madvise((char *)m->data + *released, (size_t)(upto - *released), MADV_DONTNEED);
  *released = upto;
}

static int cmp_index(const void *a, const void *b) {
  const index_entry *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->position < y->position ? -1 : x->position > y->position;
}

static void advance_stream(cursor *c) {
  hr_record rec;
  c->stream_ev = NULL;
  while (hr_reader_next(c->stream, &rec)) {
    if (rec.type != HR_RECORD_EVENT) continue;
    release_behind(&c->m, &c->released, rec.offset);
    if (c->skip_at < c->nlate && c->late_offsets[c->skip_at] == rec.offset) {
      c->skip_at++; /* read in its turn by the late reader */
      continue;
    }
    c->stream_ev = rec.event;
    c->stream_pos = rec.position;
    return;
  }
}

static void advance_late(cursor *c) {
  hr_record rec;
  c->late_ev = NULL;
  while (c->late_at < c->nlate) {
    const index_entry *ix = &c->late_by_time[c->late_at++];
    hr_reader_seek(c->late, ix->offset, ix->position);
    if (hr_reader_next(c->late, &rec) && rec.type == HR_RECORD_EVENT) {
      c->late_ev = rec.event;
      c->late_pos = rec.position;
      return;
    }
  }
}

static int head_before(const Hearth__V1__AgencyEvent *a, uint64_t apos, const Hearth__V1__AgencyEvent *b,
                       uint64_t bpos) {
  if (a->event_time_us != b->event_time_us) return a->event_time_us < b->event_time_us;
  return apos < bpos;
}

/* Moves past the current head (which the caller has applied) to the next one. */
static void advance(cursor *c, int first) {
  if (!first) {
    if (c->cur == c->stream_ev)
      advance_stream(c);
    else
      advance_late(c);
  }
  if (c->stream_ev && (!c->late_ev || head_before(c->stream_ev, c->stream_pos, c->late_ev, c->late_pos))) {
    c->cur = c->stream_ev;
    c->position = c->stream_pos;
  } else {
    c->cur = c->late_ev;
    c->position = c->late_pos;
  }
}

/* First pass over a feed: dead letters are written here (each record is read once in this
 * pass), and the records out of event-time order are found: those earlier than a record
 * before them in the file. */
static int scan_feed(run *r, cursor *c, char *err, size_t errsz) {
  hr_record rec;
  int64_t max_t = INT64_MIN;
  size_t cap = 0;
  index_entry *late = NULL;
  hr_reader *rd = hr_reader_new(c->kind, c->m.data, c->m.len, c->path, NULL);
  if (!rd) goto nomem;
  uint64_t released = 0;
  while (hr_reader_next(rd, &rec)) {
    release_behind(&c->m, &released, rec.offset);
    if (rec.type == HR_RECORD_DEADLETTER) {
      deadletter(r, rec.dl);
    } else if (rec.type == HR_RECORD_EVENT) {
      int64_t t = rec.event->event_time_us;
      if (t >= max_t) {
        max_t = t;
        continue;
      }
      if (c->nlate == cap) {
        cap = cap ? cap * 2 : 1024;
        index_entry *n = realloc(late, cap * sizeof *n);
        if (!n) goto nomem;
        late = n;
      }
      late[c->nlate++] = (index_entry){t, rec.offset, rec.position};
    }
  }
  hr_reader_stats st;
  hr_reader_stats_get(rd, &st);
  r->sum->warnings += st.warnings;
  hr_reader_free(rd);
  rd = NULL;
  c->stream = hr_reader_new(c->kind, c->m.data, c->m.len, c->path, NULL);
  if (!c->stream) goto nomem;
  if (c->nlate) {
    r->sum->feeds_sorted_in_memory++;
    c->late_offsets = malloc(c->nlate * sizeof *c->late_offsets);
    c->late = hr_reader_new(c->kind, c->m.data, c->m.len, c->path, NULL);
    if (!c->late_offsets || !c->late) goto nomem;
    for (size_t i = 0; i < c->nlate; i++)
      c->late_offsets[i] = late[i].offset; /* file order */
    qsort(late, c->nlate, sizeof *late, cmp_index);
    c->late_by_time = late;
    late = NULL;
    /* The header must be read before seeking to a record. */
    hr_reader_seek(c->late, 0, 1);
  }
  free(late);
  return 0;
nomem:
  hr_reader_free(rd);
  free(late);
  snprintf(err, errsz, "%s: out of memory", c->path);
  return HR_ENOMEM;
}

/* Does cursor a come before cursor b? */
static int before(const cursor *a, const cursor *b) {
  if (a->cur->event_time_us != b->cur->event_time_us) return a->cur->event_time_us < b->cur->event_time_us;
  if (a->rank != b->rank) return a->rank < b->rank;
  if (a->input != b->input) return a->input < b->input;
  return a->position < b->position;
}

int hr_replay_run(const hr_replay_opts *o, hr_replay_summary *sum, char *err, size_t errsz) {
  memset(sum, 0, sizeof *sum);
  run r = {.o = o, .sum = sum};
  cursor cur[HR_REPLAY_MAX_FEEDS];
  memset(cur, 0, sizeof cur);
  int rc = 0;
  if (o->nfeeds > HR_REPLAY_MAX_FEEDS) {
    snprintf(err, errsz, "at most %d feeds", HR_REPLAY_MAX_FEEDS);
    return HR_EINVAL;
  }
  hr_store *store = NULL;
  r.engine = hr_engine_new(&o->engine, o->rules, err, errsz);
  if (!r.engine) return HR_ENOMEM;
  if (o->state_dir) {
    if ((rc = hr_store_open(o->state_dir, 0, &store, err, errsz))) goto done;
    if ((rc = hr_state_load(store, r.engine, err, errsz))) goto done;
    if ((rc = hr_store_begin(store, 1, &r.reg_txn))) {
      snprintf(err, errsz, "%s: %s", o->state_dir, hr_store_last_error(store));
      goto done;
    }
  }
  if (o->archive_dir && !o->parse_only && !o->on_event &&
      (rc = hr_archive_open(o->archive_dir, 0, &r.archive, err, errsz)))
    goto done;
  if (o->register_dir && (rc = load_register(&r, err, errsz))) goto done;

  for (size_t i = 0; i < o->nfeeds; i++) {
    cursor *c = &cur[i];
    c->rank = hr_feed_order(hr_input_feed(o->feeds[i].kind));
    c->input = i;
    c->kind = o->feeds[i].kind;
    c->path = o->feeds[i].path;
    if ((rc = map_file(c->path, &c->m, err, errsz))) goto done;
    if ((rc = scan_feed(&r, c, err, errsz))) goto done;
    advance_stream(c);
    advance_late(c);
    advance(c, 1);
  }

  for (;;) {
    cursor *next = NULL;
    for (size_t i = 0; i < o->nfeeds; i++)
      if (cur[i].cur && (!next || before(&cur[i], next))) next = &cur[i];
    if (!next) break;
    const Hearth__V1__AgencyEvent *ev = next->cur;
    if ((o->from_us && ev->event_time_us < o->from_us) || (o->until_us && ev->event_time_us >= o->until_us)) {
      advance(next, 0);
      continue;
    }
    if (ev->feed >= 1 && ev->feed <= 4) sum->events_by_feed[ev->feed]++;
    if (o->on_event) {
      if ((rc = o->on_event(o->on_event_ud, ev))) {
        snprintf(err, errsz, "%s:%llu: could not be passed on", ev->source ? ev->source : "?",
                 (unsigned long long)ev->position);
        goto done;
      }
      advance(next, 0);
      continue;
    }
    rc = o->parse_only ? 0 : hr_engine_apply(r.engine, ev, on_alert, &r);
    if (rc == HR_ENOMEM) {
      snprintf(err, errsz, "out of memory applying %s:%llu", ev->source ? ev->source : "?",
               (unsigned long long)ev->position);
      goto done;
    }
    if (rc == 0 && r.archive && (rc = archive_result(&r, hr_archive_append_event(r.archive, ev), err, errsz)))
      goto done;
    rc = 0; /* HR_EINVAL cannot come from a connector's event; counted by the engine */
    advance(next, 0);
  }

  /* One transaction: the register applied, the engine's changed state, and how far each input
   * was read. */
  if (r.reg_txn && r.archive && (rc = hr_archive_sync(r.archive))) /* archived before saved */
    snprintf(err, errsz, "archive: %s", hr_archive_error(r.archive));
  if (r.reg_txn && !rc) {
    for (size_t i = 0; i < o->nfeeds && !rc; i++)
      rc = hr_state_put_position(r.reg_txn, o->feeds[i].path, cur[i].m.len);
    if (!rc) rc = hr_state_checkpoint(r.reg_txn, r.engine);
    hr_txn *t = r.reg_txn;
    r.reg_txn = NULL;
    if (!rc)
      rc = hr_txn_commit(t);
    else
      hr_txn_abort(t);
    if (rc) snprintf(err, errsz, "%s: could not save the state: %s", o->state_dir, hr_store_last_error(store));
  }

done:
  if (r.archive && hr_archive_close(r.archive) && !rc) {
    snprintf(err, errsz, "archive: could not save: %s", o->archive_dir);
    rc = HR_EIO;
  }
  hr_txn_abort(r.reg_txn);
  hr_store_close(store);
  flush(&r.out, o->alerts, &r.write_error);
  flush(&r.dl, o->deadletters, &r.write_error);
  if (!rc && r.write_error) {
    snprintf(err, errsz, "could not write the output: %s", strerror(errno));
    rc = HR_EIO;
  }
  hr_engine_stats_get(r.engine, &sum->engine);
  sum->engine_bytes = hr_engine_memory(r.engine);
  uint32_t nrules = o->rules ? hr_rulepack_count(o->rules) : 0;
  if (nrules && (sum->alerts_by_rule = calloc(nrules, sizeof(uint64_t))))
    for (uint32_t i = 0; i < nrules; i++)
      sum->alerts_by_rule[i] = hr_engine_alerts_by_rule(r.engine, i);
  for (size_t i = 0; i < o->nfeeds; i++) {
    hr_reader_free(cur[i].stream);
    hr_reader_free(cur[i].late);
    free(cur[i].late_by_time);
    free(cur[i].late_offsets);
    unmap_file(&cur[i].m);
  }
  hr_engine_free(r.engine);
  hr_buf_free(&r.out);
  hr_buf_free(&r.dl);
  return rc;
}

void hr_replay_summary_free(hr_replay_summary *sum) {
  free(sum->alerts_by_rule);
  sum->alerts_by_rule = NULL;
}

void hr_replay_summary_print(const hr_replay_summary *s, const hr_rulepack *rules, FILE *out) {
  const hr_engine_stats *e = &s->engine;
  uint64_t total = s->events_by_feed[1] + s->events_by_feed[2] + s->events_by_feed[3] + s->events_by_feed[4];
  fprintf(out, "events: %llu (custody %llu, inpatient %llu, attendance %llu, nrpf %llu); redelivered, ignored: %llu\n",
          (unsigned long long)total, (unsigned long long)s->events_by_feed[1], (unsigned long long)s->events_by_feed[2],
          (unsigned long long)s->events_by_feed[3], (unsigned long long)s->events_by_feed[4],
          (unsigned long long)e->duplicates);
  fprintf(out, "register: %llu persons, %llu relationships, %llu key workers, %llu assignments\n",
          (unsigned long long)e->persons, (unsigned long long)e->relationships, (unsigned long long)e->key_workers,
          (unsigned long long)e->assignments);
  fprintf(out,
          "matched: %llu (NHS number %llu, UPN %llu, name and date of birth %llu, agency id %llu); unmatched: %llu "
          "(ambiguous %llu)\n",
          (unsigned long long)e->matched, (unsigned long long)e->matched_by_tier[1],
          (unsigned long long)e->matched_by_tier[2], (unsigned long long)e->matched_by_tier[3],
          (unsigned long long)e->matched_by_tier[4], (unsigned long long)e->unmatched,
          (unsigned long long)e->ambiguous);
  fprintf(out, "dead-lettered: %llu; data-quality warnings: %llu; marks for people who are not children: %llu\n",
          (unsigned long long)s->deadletters, (unsigned long long)s->warnings, (unsigned long long)e->marks_not_child);
  fprintf(out, "alerts: %llu (held back by cooldown or already raised: %llu)", (unsigned long long)e->alerts,
          (unsigned long long)e->suppressed);
  if (rules && s->alerts_by_rule) {
    for (uint32_t i = 0; i < hr_rulepack_count(rules); i++)
      fprintf(out, "%s %s %llu", i ? "," : ":", hr_rulepack_rule(rules, i)->id,
              (unsigned long long)s->alerts_by_rule[i]);
  }
  fputc('\n', out);
  if (s->archived || s->archive_duplicates)
    fprintf(out, "archive: %llu records appended, %llu already archived\n", (unsigned long long)s->archived,
            (unsigned long long)s->archive_duplicates);
}

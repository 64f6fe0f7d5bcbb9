/* Tests of the event archive (broker/archive): round trip, time-range reads, torn tails,
 * duplicate suppression, segment rolling, damage detection and hostile bytes. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "archive_int.h"
#include "hr_err.h"
#include "hr_test.h"

static char dir[256];

static const char *tmpdir(void) {
  char six_x[7] = {0}; /* mkdtemp's template suffix, six 'X's */
  memset(six_x, 'X', 6);
  snprintf(dir, sizeof dir, "/tmp/hearth-archive-%s", six_x);
  if (!mkdtemp(dir)) return NULL;
  return dir;
}

static void rmdir_all(const char *d) {
  DIR *dd = opendir(d);
  struct dirent *de;
  char p[600];
  while (dd && (de = readdir(dd)))
    if (de->d_name[0] != '.') {
      snprintf(p, sizeof p, "%s/%s", d, de->d_name);
      unlink(p);
    }
  if (dd) closedir(dd);
  rmdir(d);
}

/* An attendance mark for pupil i at instant t, read from `source` line `pos`. */
typedef struct mark {
  Hearth__V1__AgencyEvent ev;
  Hearth__V1__Subject subj;
  Hearth__V1__AttendanceMark att;
  char upn[32], date[16];
} mark;

static void make_mark(mark *m, int i, int64_t t, const char *source, uint64_t pos) {
  hearth__v1__agency_event__init(&m->ev);
  hearth__v1__subject__init(&m->subj);
  hearth__v1__attendance_mark__init(&m->att);
  snprintf(m->upn, sizeof m->upn, "A%012d", i);
  snprintf(m->date, sizeof m->date, "2026-%02d-%02d", 1 + i % 12, 1 + i % 28);
  m->subj.upn = m->upn;
  m->att.date = m->date;
  m->att.code = (char *)"N";
  m->att.session = HEARTH__V1__SESSION__SESSION_AM;
  m->att.school_urn = (char *)"100001";
  m->ev.feed = HEARTH__V1__FEED__FEED_ATTENDANCE;
  m->ev.event_time_us = t;
  m->ev.source = (char *)source;
  m->ev.position = pos;
  m->ev.la_code = (char *)"E09000007";
  m->ev.subject = &m->subj;
  m->ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_ATTENDANCE;
  m->ev.attendance = &m->att;
}

static void make_person(Hearth__V1__RegisterRecord *r, Hearth__V1__Person *p, const char *id, const char *postcode,
                        uint64_t pos) {
  hearth__v1__register_record__init(r);
  hearth__v1__person__init(p);
  p->person_id = (char *)id;
  p->postcode = (char *)postcode;
  r->source = (char *)"persons.csv";
  r->position = pos;
  r->record_case = HEARTH__V1__REGISTER_RECORD__RECORD_PERSON;
  r->person = p;
}

#define T0 1767225600000000LL /* 2026-01-01T00:00:00Z */
#define HOUR 3600000000LL

/* Reads every record; returns how many, checking events decode with the expected times. */
static long read_all(const char *d, int64_t from, int64_t until, int64_t *times, long max, int *status) {
  char err[512];
  hr_archive_reader *r = hr_archive_reader_new(d, from, until, err, sizeof err);
  if (!r) {
    *status = -1;
    return 0;
  }
  long n = 0;
  hr_archive_record rec;
  int got;
  while ((got = hr_archive_reader_next(r, &rec)) == 1) {
    if (rec.kind == HR_ARCHIVE_EVENT) {
      Hearth__V1__AgencyEvent *ev = hearth__v1__agency_event__unpack(NULL, rec.len, rec.data);
      CHECK(ev != NULL);
      if (ev) {
        CHECK_INT(ev->event_time_us, rec.time_us);
        hearth__v1__agency_event__free_unpacked(ev, NULL);
      }
      if (times && n < max) times[n] = rec.time_us;
    }
    n++;
  }
  *status = got;
  hr_archive_reader_free(r);
  return n;
}

static void test_round_trip_keeps_order_and_content(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512];
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  Hearth__V1__RegisterRecord r;
  Hearth__V1__Person p;
  make_person(&r, &p, "P1", "E1 1AA", 2);
  CHECK_INT(hr_archive_append_register(a, &r), 0);
  for (int i = 0; i < 100; i++) {
    mark m;
    make_mark(&m, i, T0 + (100 - i) * HOUR, "att.csv", (uint64_t)i + 2); /* out of time order */
    CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  }
  CHECK_OK(hr_archive_close(a));
  char err2[512];
  hr_archive_reader *rd = hr_archive_reader_new(dir, 0, 0, err2, sizeof err2);
  CHECK(rd != NULL);
  hr_archive_record rec;
  CHECK_INT(hr_archive_reader_next(rd, &rec), 1);
  CHECK_INT(rec.kind, HR_ARCHIVE_REGISTER);
  Hearth__V1__RegisterRecord *rr = hearth__v1__register_record__unpack(NULL, rec.len, rec.data);
  CHECK(rr && rr->person);
  if (rr && rr->person) CHECK_STR(rr->person->person_id, "P1");
  hearth__v1__register_record__free_unpacked(rr, NULL);
  for (int i = 0; i < 100; i++) {
    CHECK_INT(hr_archive_reader_next(rd, &rec), 1);
    Hearth__V1__AgencyEvent *ev = hearth__v1__agency_event__unpack(NULL, rec.len, rec.data);
    CHECK(ev && ev->attendance && ev->subject);
    if (!ev) break;
    char upn[32];
    snprintf(upn, sizeof upn, "A%012d", i);
    CHECK_STR(ev->subject->upn, upn); /* arrival order, not time order */
    CHECK_INT(ev->event_time_us, T0 + (100 - i) * HOUR);
    CHECK_STR(ev->source, "att.csv");
    CHECK_INT(ev->position, i + 2);
    hearth__v1__agency_event__free_unpacked(ev, NULL);
  }
  CHECK_INT(hr_archive_reader_next(rd, &rec), 0);
  hr_archive_reader_free(rd);
  rmdir_all(dir);
}

static void test_time_range_read_skips_blocks_and_misses_nothing(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512];
  CHECK_OK(hr_archive_open(dir, 64 << 10, &a, err, sizeof err)); /* small segments: several */
  enum { N = 6000 };
  for (int i = 0; i < N; i++) {
    mark m;
    make_mark(&m, i, T0 + i * HOUR, "att.csv", (uint64_t)i + 2);
    CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  }
  hr_archive_stats st;
  hr_archive_stats_get(a, &st);
  CHECK(st.segments > 3);
  CHECK_OK(hr_archive_close(a));
  static int64_t times[N];
  int status;
  int64_t from = T0 + 2000 * HOUR, until = T0 + 2500 * HOUR;
  char err2[512];
  hr_archive_reader *rd = hr_archive_reader_new(dir, from, until, err2, sizeof err2);
  hr_archive_record rec;
  long n = 0;
  while (hr_archive_reader_next(rd, &rec) == 1) {
    CHECK(rec.time_us >= from && rec.time_us < until);
    CHECK_INT(rec.time_us, from + n * HOUR);
    n++;
  }
  CHECK_INT(n, 500);
  CHECK(hr_archive_reader_blocks_skipped(rd) > 5); /* most blocks were never read */
  hr_archive_reader_free(rd);
  CHECK_INT(read_all(dir, 0, 0, times, N, &status), N);
  CHECK_INT(status, 0);
  for (int i = 0; i < N; i++)
    CHECK_INT(times[i], T0 + i * HOUR);
  rmdir_all(dir);
}

static off_t size_of(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void test_torn_tail_is_never_read_and_is_truncated_on_open(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512], seg[512];
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  for (int i = 0; i < 10; i++) {
    mark m;
    make_mark(&m, i, T0 + i * HOUR, "att.csv", (uint64_t)i + 2);
    CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  }
  CHECK_OK(hr_archive_close(a));
  snprintf(seg, sizeof seg, "%s/00000001.seg", dir);
  off_t whole = size_of(seg);
  /* A crash mid-write: the last record cut short by 5 bytes (and the index now stale). */
  CHECK_INT(truncate(seg, whole - 5), 0);
  int status;
  CHECK_INT(read_all(dir, 0, 0, NULL, 0, &status), 9);
  CHECK_INT(status, 0);
  /* A crash that left the file extended with zeros: also not a record. */
  int fd = open(seg, O_WRONLY | O_APPEND);
  char zeros[100] = {0};
  CHECK_INT(write(fd, zeros, sizeof zeros), (long)sizeof zeros);
  close(fd);
  CHECK_INT(read_all(dir, 0, 0, NULL, 0, &status), 9);
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  hr_archive_stats st;
  hr_archive_stats_get(a, &st);
  CHECK_INT(st.events, 9);
  CHECK(st.torn_bytes > 100);
  /* The lost record is appended again (it was never acknowledged), and the rest continues. */
  mark m;
  make_mark(&m, 9, T0 + 9 * HOUR, "att.csv", 11);
  CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  make_mark(&m, 10, T0 + 10 * HOUR, "att.csv", 12);
  CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  CHECK_OK(hr_archive_close(a));
  static int64_t times[16];
  CHECK_INT(read_all(dir, 0, 0, times, 16, &status), 11);
  CHECK_INT(status, 0);
  for (int i = 0; i < 11; i++)
    CHECK_INT(times[i], T0 + i * HOUR);
  CHECK_INT(size_of(seg), whole + (whole - HR__ARC_SEG_HEADER) / 10);
  rmdir_all(dir);
}

static void test_same_event_again_is_not_archived_twice(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512];
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  mark m;
  make_mark(&m, 1, T0, "att.csv", 2);
  CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  CHECK_INT(hr_archive_append_event(a, &m.ev), 1);
  make_mark(&m, 1, T0, "renamed/att-copy.csv", 40); /* the same record from another file */
  CHECK_INT(hr_archive_append_event(a, &m.ev), 1);
  make_mark(&m, 1, T0 + HOUR, "att.csv", 2); /* a different instant: a different event */
  CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  CHECK_OK(hr_archive_close(a));
  /* After a restart (index loaded) and after a crash (index stale: segment scanned). */
  for (int round = 0; round < 2; round++) {
    CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
    make_mark(&m, 1, T0, "att.csv", 2);
    CHECK_INT(hr_archive_append_event(a, &m.ev), 1);
    make_mark(&m, 1, T0 + HOUR, "att.csv", 2);
    CHECK_INT(hr_archive_append_event(a, &m.ev), 1);
    hr_archive_stats st;
    hr_archive_stats_get(a, &st);
    CHECK_INT(st.events, 2);
    CHECK_OK(hr_archive_close(a));
    char idx[512];
    snprintf(idx, sizeof idx, "%s/00000001.idx", dir);
    unlink(idx);
  }
  int status;
  CHECK_INT(read_all(dir, 0, 0, NULL, 0, &status), 2);
  rmdir_all(dir);
}

static void test_register_changes_are_archived_and_repeats_are_not(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512];
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  Hearth__V1__RegisterRecord r;
  Hearth__V1__Person p;
  make_person(&r, &p, "P1", "E1 1AA", 2);
  CHECK_INT(hr_archive_append_register(a, &r), 0);
  make_person(&r, &p, "P1", "E1 1AA", 7); /* the same content from another line: no change */
  CHECK_INT(hr_archive_append_register(a, &r), 1);
  make_person(&r, &p, "P1", "N1 9ZZ", 3); /* moved: a change */
  CHECK_INT(hr_archive_append_register(a, &r), 0);
  CHECK_OK(hr_archive_close(a));
  /* The same register file read again (A at line 2, then B at line 3): nothing new. */
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  make_person(&r, &p, "P1", "E1 1AA", 2);
  CHECK_INT(hr_archive_append_register(a, &r), 1);
  make_person(&r, &p, "P1", "N1 9ZZ", 3);
  CHECK_INT(hr_archive_append_register(a, &r), 1);
  /* A later extract moves them back: a change, archived. */
  make_person(&r, &p, "P1", "E1 1AA", 5);
  r.source = (char *)"persons-2026-02.csv";
  CHECK_INT(hr_archive_append_register(a, &r), 0);
  make_person(&r, &p, "P2", "E1 1AA", 3); /* another person */
  CHECK_INT(hr_archive_append_register(a, &r), 0);
  CHECK_OK(hr_archive_close(a));
  int status;
  CHECK_INT(read_all(dir, 0, 0, NULL, 0, &status), 4);
  rmdir_all(dir);
}

static void test_damage_before_the_tail_is_an_error_not_a_repair(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a;
  char err[512], seg[512];
  CHECK_OK(hr_archive_open(dir, 4096, &a, err, sizeof err));
  for (int i = 0; i < 200; i++) {
    mark m;
    make_mark(&m, i, T0 + i * HOUR, "att.csv", (uint64_t)i + 2);
    CHECK_INT(hr_archive_append_event(a, &m.ev), 0);
  }
  CHECK_OK(hr_archive_close(a));
  snprintf(seg, sizeof seg, "%s/00000001.seg", dir);
  off_t before = size_of(seg);
  int fd = open(seg, O_RDWR);
  char c;
  CHECK_INT(pread(fd, &c, 1, 200), 1);
  c ^= 0x20;
  CHECK_INT(pwrite(fd, &c, 1, 200), 1);
  close(fd);
  int status;
  read_all(dir, 0, 0, NULL, 0, &status);
  CHECK_INT(status, HR_EPARSE);
  /* A writer trusts a sealed segment's index (it does not rescan history at every start); once
   * the index is gone it scans, finds the damage and refuses rather than drop records. */
  char idx[512];
  snprintf(idx, sizeof idx, "%s/00000001.idx", dir);
  CHECK_INT(unlink(idx), 0);
  CHECK_INT(hr_archive_open(dir, 0, &a, err, sizeof err), HR_EPARSE);
  CHECK(strstr(err, "00000001.seg") != NULL);
  read_all(dir, 0, 0, NULL, 0, &status);
  CHECK_INT(status, HR_EPARSE);
  CHECK_INT(size_of(seg), before); /* nothing dropped */
  rmdir_all(dir);
}

static void test_second_writer_is_refused(void) {
  CHECK(tmpdir() != NULL);
  hr_archive *a, *b = NULL;
  char err[512];
  CHECK_OK(hr_archive_open(dir, 0, &a, err, sizeof err));
  CHECK_INT(hr_archive_open(dir, 0, &b, err, sizeof err), HR_EEXISTS);
  CHECK(b == NULL);
  CHECK_OK(hr_archive_close(a));
  rmdir_all(dir);
}

static void test_hostile_segment_bytes_are_never_returned(void) {
  CHECK(tmpdir() != NULL);
  char seg[512];
  snprintf(seg, sizeof seg, "%s/00000001.seg", dir);
  uint64_t x = 88172645463325252ULL;
  for (int round = 0; round < 200; round++) {
    uint8_t buf[2048];
    size_t n = 16 + (size_t)(round * 37 % 2000);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[i] = (uint8_t)x;
    }
    memcpy(buf, HR__ARC_SEG_MAGIC, 8);
    uint32_t one = 1;
    memcpy(buf + 8, &one, 4);
    if (round % 2) { /* a plausible length, so the checksum is what stops it */
      uint32_t len = (uint32_t)(n > 60 ? n - HR__ARC_SEG_HEADER - HR__ARC_REC_HEADER : 1);
      memcpy(buf + 16, &len, 4);
    }
    FILE *f = fopen(seg, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    int status;
    CHECK_INT(read_all(dir, 0, 0, NULL, 0, &status), 0);
    CHECK_INT(status, 0);
  }
  rmdir_all(dir);
}

static void test_crc_hardware_equals_portable(void) {
  uint8_t buf[300];
  for (int i = 0; i < 300; i++)
    buf[i] = (uint8_t)(i * 7 + 3);
  for (size_t n = 0; n < 300; n += 13)
    CHECK_INT(hr__arc_crc32c(0, buf, n), hr__arc_crc32c_sw(0, buf, n));
  CHECK_INT(hr__arc_crc32c(0, "123456789", 9), 0xE3069283u); /* the CRC-32C check value */
}

static const hr_test_case tests[] = {
    {"archive_round_trip_keeps_order_and_content", test_round_trip_keeps_order_and_content},
    {"archive_time_range_read_skips_blocks_and_misses_nothing", test_time_range_read_skips_blocks_and_misses_nothing},
    {"archive_torn_tail_is_never_read_and_is_truncated_on_open", test_torn_tail_is_never_read_and_is_truncated_on_open},
    {"archive_same_event_again_is_not_archived_twice", test_same_event_again_is_not_archived_twice},
    {"archive_register_changes_are_archived_and_repeats_are_not",
     test_register_changes_are_archived_and_repeats_are_not},
    {"archive_damage_before_the_tail_is_an_error_not_a_repair", test_damage_before_the_tail_is_an_error_not_a_repair},
    {"archive_second_writer_is_refused", test_second_writer_is_refused},
    {"archive_hostile_segment_bytes_are_never_returned", test_hostile_segment_bytes_are_never_returned},
    {"archive_crc_hardware_equals_portable", test_crc_hardware_equals_portable},
};
HR_TEST_MAIN(tests)

/* The worked sample (shared testdata/sample: register and the four feeds) reads with no dead
 * letter, records in increasing position, every event packing as protobuf. The directory is
 * $HEARTH_SAMPLE_DIR, else ../shared/testdata/sample beside the repo; when it is absent the
 * tests say so and pass. */
#include <stdio.h>

#include "test_connector_util.h"

static const char *sample_dir(void) {
  static char dir[512];
  const char *env = getenv("HEARTH_SAMPLE_DIR");
  const char *cands[] = {env, "../shared/testdata/sample", "/work/shared/testdata/sample"};
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
    if (!cands[i]) continue;
    char probe[600];
    snprintf(probe, sizeof probe, "%s/register/persons.csv", cands[i]);
    FILE *f = fopen(probe, "rb");
    if (f) {
      fclose(f);
      snprintf(dir, sizeof dir, "%s", cands[i]);
      return dir;
    }
  }
  return NULL;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  hr_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hr_buf_append(&b, chunk, n);
  fclose(f);
  *len = b.len;
  return b.data ? b.data : calloc(1, 1);
}

static void read_sample(hr_input_kind kind, const char *rel, uint64_t min_records) {
  const char *dir = sample_dir();
  if (!dir) {
    printf("note: sample directory not found (set HEARTH_SAMPLE_DIR); skipping %s\n", rel);
    return;
  }
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  size_t len = 0;
  char *data = slurp(path, &len);
  if (!data) {
    hr_test_fail(__FILE__, __LINE__, "cannot read %s", path);
    return;
  }
  hr_reader *r = hr_reader_new(kind, data, len, path, NULL);
  hr_record rec;
  uint64_t last = 0;
  while (hr_reader_next(r, &rec)) {
    if (rec.type == HR_RECORD_DEADLETTER) {
      hr_buf b = {0};
      hr_deadletter_to_json(rec.dl, &b);
      hr_test_fail(__FILE__, __LINE__, "%s: dead letter %s", rel, b.data);
      hr_buf_free(&b);
    } else if (rec.type == HR_RECORD_EVENT) {
      if (!hearth__v1__agency_event__get_packed_size(rec.event)) hr_test_fail(__FILE__, __LINE__, "empty event");
      if (rec.event->event_time_us == 0) hr_test_fail(__FILE__, __LINE__, "%s: event without a time", rel);
    }
    if (rec.position <= last)
      hr_test_fail(__FILE__, __LINE__, "%s: position %llu after %llu", rel, (unsigned long long)rec.position,
                   (unsigned long long)last);
    last = rec.position;
  }
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  if (st.deadletters != 0 || st.records < min_records)
    hr_test_fail(__FILE__, __LINE__, "%s: %llu records, %llu dead letters", rel, (unsigned long long)st.records,
                 (unsigned long long)st.deadletters);
  printf("%s: %llu records, %llu warnings\n", rel, (unsigned long long)st.records, (unsigned long long)st.warnings);
  hr_reader_free(r);
  free(data);
}

static void test_sample_register_reads_without_dead_letters(void) {
  read_sample(HR_INPUT_PERSONS, "register/persons.csv", 1);
  read_sample(HR_INPUT_RELATIONSHIPS, "register/relationships.csv", 1);
  read_sample(HR_INPUT_KEY_WORKERS, "register/key_workers.csv", 1);
  read_sample(HR_INPUT_ASSIGNMENTS, "register/assignments.csv", 1);
}

static void test_sample_custody_reads_without_dead_letters(void) {
  read_sample(HR_INPUT_CUSTODY, "feeds/custody.jsonl", 1);
}

static void test_sample_inpatient_reads_without_dead_letters(void) {
  read_sample(HR_INPUT_INPATIENT, "feeds/inpatient.hl7", 1);
}

static void test_sample_attendance_reads_without_dead_letters(void) {
  read_sample(HR_INPUT_ATTENDANCE, "feeds/attendance.csv", 1000);
}

static void test_sample_nrpf_reads_without_dead_letters(void) {
  read_sample(HR_INPUT_NRPF, "feeds/nrpf.csv", 1);
}

static const hr_test_case tests[] = {
    {"sample_register_reads_without_dead_letters", test_sample_register_reads_without_dead_letters},
    {"sample_custody_reads_without_dead_letters", test_sample_custody_reads_without_dead_letters},
    {"sample_inpatient_reads_without_dead_letters", test_sample_inpatient_reads_without_dead_letters},
    {"sample_attendance_reads_without_dead_letters", test_sample_attendance_reads_without_dead_letters},
    {"sample_nrpf_reads_without_dead_letters", test_sample_nrpf_reads_without_dead_letters},
};
HR_TEST_MAIN(tests)

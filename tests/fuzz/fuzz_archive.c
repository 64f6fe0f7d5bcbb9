/* libFuzzer target: the event archive's segment reader on hostile bytes. The input is the body
 * of a segment (after a valid header). Checked, whatever the bytes: the record parser never
 * reads outside the input and returns records that lie inside it; an index decoded from the
 * same bytes is consistent or rejected; the reader returns only records that check and ends
 * without error (the only segment is the last, so a bad tail is its end); a writer opening the
 * archive truncates only what the reader did not return, so reading again gives the same
 * records. And the backtest's decoder (broker/backtest/decode.h) run over the same bytes as an
 * event and as a register record never accepts what protobuf-c rejects and never decodes
 * differently (compared by packing both again). Any broken promise aborts. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "archive_int.h"
#include "hr_decode.h"
#include "hearth/v1/register.pb-c.h"
#include "hr_err.h"

#define FUZZ_CHECK(cond)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                               \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

static char dir[64];

static long read_count(int *status) {
  char err[256];
  hr_archive_reader *r = hr_archive_reader_new(dir, 0, 0, err, sizeof err);
  FUZZ_CHECK(r != NULL);
  long n = 0;
  hr_archive_record rec;
  while ((*status = hr_archive_reader_next(r, &rec)) == 1) {
    FUZZ_CHECK(rec.kind == HR_ARCHIVE_EVENT || rec.kind == HR_ARCHIVE_REGISTER);
    FUZZ_CHECK(rec.len > 0 && rec.len <= HR_ARCHIVE_RECORD_MAX);
    n++;
  }
  hr_archive_reader_free(r);
  return n;
}

static void clear_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char p[400];
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') {
      snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
      unlink(p);
    }
  if (d) closedir(d);
}

static void strip_unknown(ProtobufCMessage *m) {
  m->n_unknown_fields = 0;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) continue;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF && *(uint32_t *)((char *)m + f->quantifier_offset) != f->id) continue;
    ProtobufCMessage *sub = *(ProtobufCMessage **)((char *)m + f->offset);
    if (sub) strip_unknown(sub);
  }
}

static void check_decoder(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t size) {
  hr_arena a, b;
  FUZZ_CHECK(hr_arena_init(&a, 4096) == 0 && hr_arena_init(&b, 4096) == 0);
  ProtobufCMessage *fast = hr_decode_fast(d, data, size, &a);
  ProtobufCMessage *ref = protobuf_c_message_unpack(d, &b.alloc, size, data);
  FUZZ_CHECK(!fast || ref);
  if (fast && ref) {
    strip_unknown(ref);
    size_t n1 = protobuf_c_message_get_packed_size(fast), n2 = protobuf_c_message_get_packed_size(ref);
    FUZZ_CHECK(n1 == n2);
    uint8_t *x = malloc(n1 + 1), *y = malloc(n2 + 1);
    protobuf_c_message_pack(fast, x);
    protobuf_c_message_pack(ref, y);
    FUZZ_CHECK(memcmp(x, y, n1) == 0);
    free(x);
    free(y);
  }
  hr_arena_free(&a);
  hr_arena_free(&b);
}

static void remove_dir(void) {
  clear_dir();
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_decoder(&hearth__v1__agency_event__descriptor, data, size);
  check_decoder(&hearth__v1__register_record__descriptor, data, size);
  /* The parser straight over the bytes. */
  uint64_t off = 0;
  hr__arc_rec rec;
  while (hr__arc_parse(data, size, off, &rec) == HR__ARC_OK) {
    FUZZ_CHECK(rec.data >= data && rec.data + rec.len <= data + size);
    FUZZ_CHECK(rec.next > off && rec.next <= size);
    off = rec.next;
  }
  /* The same bytes as an index. */
  hr__arc_index ix;
  const uint8_t *hashes, *reg;
  if (hr__arc_index_decode(data, size, 1, 1u << 20, &ix, &hashes, &reg) == 0) {
    FUZZ_CHECK(hashes >= data && reg + ix.nregister * 48 + 4 <= data + size);
    for (uint32_t i = 0; i < ix.nblocks; i++)
      FUZZ_CHECK(ix.blocks[i].offset >= HR__ARC_SEG_HEADER && ix.blocks[i].offset < (1u << 20));
    hr__arc_index_free(&ix);
  }
  /* As a file: read, open for writing (truncating a torn tail), read again. */
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/hearth-fuzz-archive-%d", (int)getpid());
    mkdir(dir, 0700);
    atexit(remove_dir);
  }
  clear_dir();
  char seg[128];
  snprintf(seg, sizeof seg, "%s/00000001.seg", dir);
  FILE *f = fopen(seg, "wb");
  FUZZ_CHECK(f != NULL);
  uint8_t hdr[HR__ARC_SEG_HEADER] = {0};
  uint32_t one = 1;
  memcpy(hdr, HR__ARC_SEG_MAGIC, 8);
  memcpy(hdr + 8, &one, 4);
  fwrite(hdr, 1, sizeof hdr, f);
  fwrite(data, 1, size, f);
  fclose(f);
  int status;
  long before = read_count(&status);
  FUZZ_CHECK(status == 0);
  hr_archive *a;
  char err[512];
  int rc = hr_archive_open(dir, 0, &a, err, sizeof err);
  FUZZ_CHECK(rc == 0 || rc == HR_EPARSE); /* EPARSE: a record that checks but is no register record */
  if (rc == 0) {
    hr_archive_close(a);
    long after = read_count(&status);
    FUZZ_CHECK(status == 0 && after == before);
  }
  clear_dir();
  return 0;
}

/* hr_decode: protobuf decoding for the hot loops (the backtest's archive reader, hearth run's
 * events): protobuf-c's generic unpack costs more per event than the core. A per-record arena (reset, not freed,
 * between records); the event, its subject and attendance mark decoded by code written for them,
 * and everything else by a decoder driven by protobuf-c's own message descriptors for the field
 * types Hearth's schemas use. It fills the same generated structs as protobuf-c's unpack, and
 * hands anything it does not handle (a type the schemas do not use, a repeated sub-message
 * occurrence to merge, a malformed field) back to the caller, which then uses protobuf-c's
 * unpack: the result is the same message either way (tests/unit/test_archive_decode.c). */
#ifndef HR_DECODE_H
#define HR_DECODE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hr_arena {
  uint8_t *buf;
  size_t used, cap;
  void **big; /* allocations that did not fit, freed at reset */
  size_t nbig, capbig;
  int oom;
  ProtobufCAllocator alloc; /* for protobuf-c's unpack into the same arena */
  /* Field descriptors by field number (< 32) of the message types met so far: protobuf-c's
   * lookup is a binary search per field, a sixth of the decoding time. */
  struct {
    const ProtobufCMessageDescriptor *d;
    const ProtobufCFieldDescriptor *by_id[32];
  } fields[16];
  int nfields;
} hr_arena;

int hr_arena_init(hr_arena *a, size_t cap); /* 0 or -1 (no memory) */
void *hr_arena_alloc(hr_arena *a, size_t n);
void hr_arena_reset(hr_arena *a);
void hr_arena_free(hr_arena *a); /* accepts a zeroed arena */

/* Decodes len bytes as a message of descriptor d into the arena. The message, or NULL when the
 * bytes are not a message of that type (as protobuf-c's unpack would say). Valid until the next
 * reset. */
ProtobufCMessage *hr_decode(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, hr_arena *a);
/* The fast path alone (for tests): NULL when it hands back to protobuf-c. */
ProtobufCMessage *hr_decode_fast(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, hr_arena *a);

/* The wire reader underneath, for code that reads a few fields without decoding (the live
 * broker's order key): a varint of at most 10 bytes at p[*at], and skipping one field's value
 * of wire type wire (length prefixes as protobuf-c reads them). 0, or -1 when cut short or
 * malformed; *at moves past what was read. */
int hr_pb_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *v);
int hr_pb_skip(const uint8_t *p, size_t len, size_t *at, unsigned wire);

#endif

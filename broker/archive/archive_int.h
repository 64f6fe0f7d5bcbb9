/* archive_int.h: the archive's on-disk format, shared by the writer, the reader and the fuzz
 * target. Private to broker/archive (and tests). All integers are little-endian.
 *
 * Segment file DIR/NNNNNNNN.seg:
 *   header  "HEARTHA" 0x01 | u32 segment number | u32 zero                       (16 bytes)
 *   records u32 len | u32 crc | u8 kind | i64 time_us | 16-byte hash | len bytes  (33 + len)
 * crc is CRC-32C of the len field followed by everything after the crc field, so a record that
 * checks was written whole; hash is the content hash of an event (without source and
 * position) or the hash of a register record's bytes (README: duplicates).
 *
 * Index file DIR/NNNNNNNN.idx (derived data: rebuilt from the segment when missing or stale):
 *   "HEARTHI" 0x01 | u32 segment number | u32 nblocks | u64 covered bytes | u64 nevents |
 *   u64 nregister | blocks (u64 offset, u32 records, u32 flags, i64 tmin, i64 tmax) |
 *   event hashes (16 bytes each) | register entries (identity hash, content hash without
 *   source and position, hash of all bytes: 48 bytes each) | u32 crc
 * A block is up to HR__ARC_BLOCK_RECORDS consecutive records with the event-time range of its
 * events; flag 1: it holds register records (always read). */
#ifndef HR_ARCHIVE_INT_H
#define HR_ARCHIVE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HR__ARC_SEG_MAGIC "HEARTHA\x01"
#define HR__ARC_IDX_MAGIC "HEARTHI\x01"
#define HR__ARC_SEG_HEADER 16
#define HR__ARC_REC_HEADER 33
#define HR__ARC_IDX_HEADER 44
#define HR__ARC_BLOCK_RECORDS 512
#define HR__ARC_BLOCK_REGISTER 1u

typedef struct hr__arc_hash {
  uint64_t a, b;
} hr__arc_hash;

typedef struct hr__arc_block {
  uint64_t offset;
  uint32_t records;
  uint32_t flags;
  int64_t tmin, tmax; /* of its events; tmin > tmax when it holds none */
} hr__arc_block;

typedef struct hr__arc_rec {
  uint8_t kind;
  int64_t time_us;
  hr__arc_hash hash;
  const uint8_t *data;
  uint32_t len;
  uint64_t next; /* offset just after the record */
} hr__arc_rec;

enum { HR__ARC_OK = 0, HR__ARC_END = 1, HR__ARC_TORN = 2, HR__ARC_BAD = 3 };

static inline uint32_t hr__arc_get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v; /* the formats are little-endian, as every machine Hearth builds for */
}
static inline uint64_t hr__arc_get64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

uint32_t hr__arc_crc32c(uint32_t crc, const void *data, size_t len);
uint32_t hr__arc_crc32c_sw(uint32_t crc, const void *data, size_t len); /* the portable version */
hr__arc_hash hr__arc_hash_bytes(const void *data, size_t len);
/* Hash of a protobuf message's bytes without its top-level fields in skip (bit n = field n):
 * an event's content without where it was read from. Falls back to all bytes if malformed. */
hr__arc_hash hr__arc_hash_skipping(const uint8_t *p, size_t len, uint32_t skip, uint8_t *scratch);

/* Parses the record at off of a segment of len bytes. HR__ARC_OK (rec filled), HR__ARC_END
 * (off == len), HR__ARC_TORN (the record runs past the end: a cut-short tail) or HR__ARC_BAD
 * (bad length, kind or checksum). Never reads outside [p, p + len). */
int hr__arc_parse(const uint8_t *p, size_t len, uint64_t off, hr__arc_rec *rec);
/* Writes a record header for payload (len bytes) into hdr (HR__ARC_REC_HEADER bytes). */
void hr__arc_header(uint8_t *hdr, uint8_t kind, int64_t time_us, hr__arc_hash h, const uint8_t *payload, uint32_t len);

/* The blocks of a segment, built while scanning or appending. */
typedef struct hr__arc_index {
  hr__arc_block *blocks;
  uint32_t nblocks, cap;
  uint64_t nevents, nregister;
} hr__arc_index;
/* Adds the record at offset to the index. -1 on no memory. */
int hr__arc_index_add(hr__arc_index *ix, uint64_t offset, uint8_t kind, int64_t time_us);
void hr__arc_index_free(hr__arc_index *ix);

/* Checks an index file's bytes: 0 when whole and for segment segno covering `covered` bytes;
 * fills ix (blocks only) and points *hashes at the event hashes and *reg at the register
 * entries inside data. -1 when it does not check (the caller rebuilds it). */
int hr__arc_index_decode(const uint8_t *data, size_t len, uint32_t segno, uint64_t covered, hr__arc_index *ix,
                         const uint8_t **hashes, const uint8_t **reg);

/* ---- files (archive_read.c) ---- */
/* The segment numbers in dir, ascending. 0 (with *n = 0 for none) or -1 (errno set). */
int hr__arc_list(const char *dir, uint32_t **segnos, size_t *n);
/* The whole of a small file, malloc'd. NULL when missing or unreadable. */
uint8_t *hr__arc_slurp(const char *path, size_t *len);
void hr__arc_path(char *buf, size_t sz, const char *dir, uint32_t segno, const char *ext);

#endif

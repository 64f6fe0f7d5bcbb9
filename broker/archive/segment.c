/* segment: the archive's record and index formats (archive_int.h): checksums, content hashes,
 * parsing a record from untrusted bytes, and the per-segment index of blocks by event time.
 * No I/O here, so the fuzz target can drive the parser over any bytes. */
#include <stdlib.h>
#include <string.h>

#include "archive_int.h"

/* ---- CRC-32C ------------------------------------------------------------------------------ */

/* The SSE4.2 instruction where the CPU has it (every x86-64 since 2008), else table-driven
 * (slicing by 8). The table version cost a backtest 12% of its time; the instruction, ~1%. */
static uint32_t crc_table[8][256];
static int crc_ready; /* 1 table built, 2 hardware */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define HAVE_CRC_HW 1
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len) {
  uint64_t c = ~crc & 0xffffffffu;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    len -= 8;
  }
  uint32_t c32 = (uint32_t)c;
  while (len--)
    c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}
#endif

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    crc_table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
  crc_ready = 1;
#ifdef HAVE_CRC_HW
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) crc_ready = 2;
#endif
}

/* The portable version, also what tests compare the hardware's against. */
uint32_t hr__arc_crc32c_sw(uint32_t crc, const void *data, size_t len) {
  if (!crc_ready) crc_init();
  const uint8_t *p = data;
  crc = ~crc;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= crc;
    crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^ crc_table[5][(w >> 16) & 0xff] ^
          crc_table[4][(w >> 24) & 0xff] ^ crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
          crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
    p += 8;
    len -= 8;
  }
  while (len--)
    crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

uint32_t hr__arc_crc32c(uint32_t crc, const void *data, size_t len) {
  if (!crc_ready) crc_init();
#ifdef HAVE_CRC_HW
  if (crc_ready == 2) return crc_hw(crc, data, len);
#endif
  return hr__arc_crc32c_sw(crc, data, len);
}

/* ---- content hash ------------------------------------------------------------------------- */

/* 128 bits from two independently seeded 64-bit multiply-mix lanes: a billion archived events
 * give a collision chance near 1e-21, so a distinct event is never taken for a duplicate. Not
 * cryptographic: the archive's writer is trusted; the checksum guards against damage. */
static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

hr__arc_hash hr__arc_hash_bytes(const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t a = 0x9e3779b97f4a7c15ULL ^ len, b = 0xc2b2ae3d27d4eb4fULL ^ (len << 1);
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    a = (a ^ mix(w)) * 0x87c37b91114253d5ULL;
    a = (a << 31) | (a >> 33);
    b = (b ^ mix(w ^ 0x4cf5ad432745937fULL)) * 0x52dce729;
    b = (b << 27) | (b >> 37);
    p += 8;
    len -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, len);
  a = mix(a ^ mix(w));
  b = mix(b ^ mix(w ^ 0x4cf5ad432745937fULL) ^ a);
  return (hr__arc_hash){a, b};
}

static int varint(const uint8_t *p, size_t len, size_t *at, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *at < len; shift += 7) {
    uint8_t c = p[(*at)++];
    *v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) return 0;
  }
  return -1;
}

hr__arc_hash hr__arc_hash_skipping(const uint8_t *p, size_t len, uint32_t skip, uint8_t *scratch) {
  size_t at = 0, out = 0;
  while (at < len) {
    size_t start = at;
    uint64_t tag, v;
    if (varint(p, len, &at, &tag)) return hr__arc_hash_bytes(p, len);
    switch (tag & 7) {
    case 0:
      if (varint(p, len, &at, &v)) return hr__arc_hash_bytes(p, len);
      break;
    case 1: at += 8; break;
    case 2:
      if (varint(p, len, &at, &v) || v > len - at) return hr__arc_hash_bytes(p, len);
      at += (size_t)v;
      break;
    case 5: at += 4; break;
    default: return hr__arc_hash_bytes(p, len);
    }
    if (at > len) return hr__arc_hash_bytes(p, len);
    uint64_t field = tag >> 3;
    if (field < 32 && (skip >> field) & 1) continue;
    memcpy(scratch + out, p + start, at - start);
    out += at - start;
  }
  return hr__arc_hash_bytes(scratch, out);
}

/* ---- records ------------------------------------------------------------------------------ */

static uint32_t record_crc(const uint8_t *rec, uint32_t len) {
  uint32_t c = hr__arc_crc32c(0, rec, 4);
  return hr__arc_crc32c(c, rec + 8, HR__ARC_REC_HEADER - 8 + (size_t)len);
}

int hr__arc_parse(const uint8_t *p, size_t len, uint64_t off, hr__arc_rec *rec) {
  if (off == len) return HR__ARC_END;
  if (off > len) return HR__ARC_BAD;
  if (len - off < HR__ARC_REC_HEADER) return HR__ARC_TORN;
  const uint8_t *h = p + off;
  uint32_t n = hr__arc_get32(h);
  if (n == 0 || n > (4u << 20)) return HR__ARC_BAD;
  if (len - off - HR__ARC_REC_HEADER < n) return HR__ARC_TORN;
  if (record_crc(h, n) != hr__arc_get32(h + 4)) return HR__ARC_BAD;
  if (h[8] != 1 && h[8] != 2) return HR__ARC_BAD;
  rec->kind = h[8];
  rec->time_us = (int64_t)hr__arc_get64(h + 9);
  rec->hash.a = hr__arc_get64(h + 17);
  rec->hash.b = hr__arc_get64(h + 25);
  rec->data = h + HR__ARC_REC_HEADER;
  rec->len = n;
  rec->next = off + HR__ARC_REC_HEADER + n;
  return HR__ARC_OK;
}

void hr__arc_header(uint8_t *hdr, uint8_t kind, int64_t time_us, hr__arc_hash h, const uint8_t *payload, uint32_t len) {
  uint64_t t = (uint64_t)time_us;
  memcpy(hdr, &len, 4);
  hdr[8] = kind;
  memcpy(hdr + 9, &t, 8);
  memcpy(hdr + 17, &h.a, 8);
  memcpy(hdr + 25, &h.b, 8);
  uint32_t c = hr__arc_crc32c(0, hdr, 4);
  c = hr__arc_crc32c(c, hdr + 8, HR__ARC_REC_HEADER - 8);
  c = hr__arc_crc32c(c, payload, len);
  memcpy(hdr + 4, &c, 4);
}

/* ---- index -------------------------------------------------------------------------------- */

int hr__arc_index_add(hr__arc_index *ix, uint64_t offset, uint8_t kind, int64_t time_us) {
  hr__arc_block *b = ix->nblocks ? &ix->blocks[ix->nblocks - 1] : NULL;
  if (!b || b->records >= HR__ARC_BLOCK_RECORDS) {
    if (ix->nblocks == ix->cap) {
      uint32_t cap = ix->cap ? ix->cap * 2 : 16;
      hr__arc_block *n = realloc(ix->blocks, (size_t)cap * sizeof *n);
      if (!n) return -1;
      ix->blocks = n;
      ix->cap = cap;
    }
    b = &ix->blocks[ix->nblocks++];
    *b = (hr__arc_block){offset, 0, 0, INT64_MAX, INT64_MIN};
  }
  b->records++;
  if (kind == 2) {
    b->flags |= HR__ARC_BLOCK_REGISTER;
    ix->nregister++;
  } else {
    if (time_us < b->tmin) b->tmin = time_us;
    if (time_us > b->tmax) b->tmax = time_us;
    ix->nevents++;
  }
  return 0;
}

void hr__arc_index_free(hr__arc_index *ix) {
  free(ix->blocks);
  memset(ix, 0, sizeof *ix);
}

int hr__arc_index_decode(const uint8_t *data, size_t len, uint32_t segno, uint64_t covered, hr__arc_index *ix,
                         const uint8_t **hashes, const uint8_t **reg) {
  memset(ix, 0, sizeof *ix);
  if (len < HR__ARC_IDX_HEADER + 4 || memcmp(data, HR__ARC_IDX_MAGIC, 8) != 0) return -1;
  if (hr__arc_crc32c(0, data, len - 4) != hr__arc_get32(data + len - 4)) return -1;
  uint32_t nb = hr__arc_get32(data + 12);
  uint64_t cov = hr__arc_get64(data + 16), ne = hr__arc_get64(data + 24), nr = hr__arc_get64(data + 32);
  if (hr__arc_get32(data + 8) != segno || cov != covered) return -1;
  /* Every count is bounded by the bytes present before anything is multiplied. */
  size_t body = len - HR__ARC_IDX_HEADER - 4;
  if (nb > body / 32 || ne > body / 16 || nr > body / 48 || (uint64_t)nb * 32 + ne * 16 + nr * 48 != body) return -1;
  uint64_t records = 0;
  if (nb) {
    ix->blocks = malloc((size_t)nb * sizeof *ix->blocks);
    if (!ix->blocks) return -1;
  }
  const uint8_t *b = data + HR__ARC_IDX_HEADER;
  for (uint32_t i = 0; i < nb; i++, b += 32) {
    hr__arc_block *x = &ix->blocks[i];
    x->offset = hr__arc_get64(b);
    x->records = hr__arc_get32(b + 8);
    x->flags = hr__arc_get32(b + 12);
    x->tmin = (int64_t)hr__arc_get64(b + 16);
    x->tmax = (int64_t)hr__arc_get64(b + 24);
    records += x->records;
    if (x->offset < HR__ARC_SEG_HEADER || x->offset >= covered || (i && x->offset <= ix->blocks[i - 1].offset)) {
      hr__arc_index_free(ix);
      return -1;
    }
  }
  if (records != ne + nr) {
    hr__arc_index_free(ix);
    return -1;
  }
  ix->nblocks = ix->cap = nb;
  ix->nevents = ne;
  ix->nregister = nr;
  *hashes = b;
  *reg = b + ne * 16;
  return 0;
}

/* archive_write: appending to the archive (archive.h). Records are buffered and written in
 * large writes; a segment is sealed (its index written) when it would grow beyond the segment
 * size. Duplicates are recognised by content hash (README.md: why not by source offset). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "archive_int.h"
#include "hr_err.h"

#define FLUSH_BYTES (1u << 20)

/* ---- hash sets ---------------------------------------------------------------------------- */

/* Open addressing, linear probing, at most half full. A slot is `words` uint64: the key hash
 * (two words), then for the register map the content hash. The all-zero key marks an empty
 * slot, so a zero key is stored as (0, 1). 16 bytes per archived event at most 50% load. */
typedef struct hset {
  uint64_t *slots;
  size_t n, cap; /* cap: slots, a power of two */
  int words;
} hset;

static uint64_t *hset_find(const hset *s, hr__arc_hash k) {
  size_t mask = s->cap - 1, i = (size_t)k.a & mask;
  for (;; i = (i + 1) & mask) {
    uint64_t *p = s->slots + i * (size_t)s->words;
    if ((p[0] == k.a && p[1] == k.b) || (p[0] == 0 && p[1] == 0)) return p;
  }
}

static hr__arc_hash fix_zero(hr__arc_hash k) {
  if (!k.a && !k.b) k.b = 1;
  return k;
}

/* Returns the slot of k (inserting it when absent: *inserted = 1), NULL on no memory. */
static uint64_t *hset_upsert(hset *s, hr__arc_hash k, int *inserted) {
  k = fix_zero(k);
  if ((s->n + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    hset g = {calloc(cap, (size_t)s->words * 8), 0, cap, s->words};
    if (!g.slots) return NULL;
    for (size_t i = 0; i < s->cap; i++) {
      uint64_t *p = s->slots + i * (size_t)s->words;
      if (p[0] || p[1]) memcpy(hset_find(&g, (hr__arc_hash){p[0], p[1]}), p, (size_t)s->words * 8);
    }
    g.n = s->n;
    free(s->slots);
    *s = g;
  }
  uint64_t *p = hset_find(s, k);
  *inserted = !(p[0] || p[1]);
  if (*inserted) {
    p[0] = k.a;
    p[1] = k.b;
    s->n++;
  }
  return p;
}

static int hset_has(const hset *s, hr__arc_hash k) {
  if (!s->cap) return 0;
  uint64_t *p = hset_find(s, fix_zero(k));
  return p[0] || p[1];
}

/* ---- the writer --------------------------------------------------------------------------- */

typedef struct reg_entry {
  hr__arc_hash key, content, full;
} reg_entry;

struct hr_archive {
  char *dir;
  int lock_fd, fd;
  uint64_t seg_limit;
  uint32_t segno;
  uint64_t size;    /* bytes of the open segment, including the buffer */
  hr__arc_index ix; /* of the open segment */
  hr__arc_hash *seg_events;
  reg_entry *seg_reg;
  size_t nseg_events, cap_events, nseg_reg, cap_reg;
  hset events;   /* every archived event's content hash */
  hset reg;      /* identity hash -> content hash of the last archived register record */
  hset reg_full; /* hashes of every archived register record, with its source and position */
  uint8_t *buf;
  size_t blen, bcap;
  uint8_t *pack, *scratch;
  size_t pcap;
  hr_archive_stats st;
  char err[8448];
};

static int grow(void **p, size_t *cap, size_t need, size_t item) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need)
    c *= 2;
  void *n = realloc(*p, c * item);
  if (!n) return -1;
  *p = n;
  *cap = c;
  return 0;
}

static int remember_event(hr_archive *a, hr__arc_hash h) {
  int ins;
  if (!hset_upsert(&a->events, h, &ins)) return HR_ENOMEM;
  if (grow((void **)&a->seg_events, &a->cap_events, a->nseg_events + 1, sizeof *a->seg_events)) return HR_ENOMEM;
  a->seg_events[a->nseg_events++] = h;
  return 0;
}

/* Learns a register record; in_segment: also list it for the open segment's index. */
static int remember_register(hr_archive *a, reg_entry e, int in_segment) {
  int ins;
  uint64_t *p = hset_upsert(&a->reg, e.key, &ins);
  if (!p || !hset_upsert(&a->reg_full, e.full, &ins)) return HR_ENOMEM;
  p[2] = e.content.a;
  p[3] = e.content.b;
  if (!in_segment) return 0;
  if (grow((void **)&a->seg_reg, &a->cap_reg, a->nseg_reg + 1, sizeof *a->seg_reg)) return HR_ENOMEM;
  a->seg_reg[a->nseg_reg++] = e;
  return 0;
}

static int io_error(hr_archive *a, const char *what) {
  snprintf(a->err, sizeof a->err, "%s/%08u.seg: %s: %s", a->dir, a->segno, what, strerror(errno));
  return HR_EIO;
}

static int flush_buf(hr_archive *a) {
  size_t done = 0;
  while (done < a->blen) {
    ssize_t w = write(a->fd, a->buf + done, a->blen - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return io_error(a, "cannot write");
    done += (size_t)w;
  }
  a->blen = 0;
  return 0;
}

/* The index of the open segment, written beside it (to a temporary name, then renamed). */
static int write_index(hr_archive *a) {
  size_t n = HR__ARC_IDX_HEADER + (size_t)a->ix.nblocks * 32 + a->nseg_events * 16 + a->nseg_reg * 48 + 4;
  uint8_t *b = malloc(n), *p;
  if (!b) return HR_ENOMEM;
  memcpy(b, HR__ARC_IDX_MAGIC, 8);
  uint64_t ne = a->nseg_events, nr = a->nseg_reg;
  memcpy(b + 8, &a->segno, 4);
  memcpy(b + 12, &a->ix.nblocks, 4);
  memcpy(b + 16, &a->size, 8);
  memcpy(b + 24, &ne, 8);
  memcpy(b + 32, &nr, 8);
  memset(b + 40, 0, 4);
  p = b + HR__ARC_IDX_HEADER;
  for (uint32_t i = 0; i < a->ix.nblocks; i++, p += 32) {
    const hr__arc_block *x = &a->ix.blocks[i];
    memcpy(p, &x->offset, 8);
    memcpy(p + 8, &x->records, 4);
    memcpy(p + 12, &x->flags, 4);
    memcpy(p + 16, &x->tmin, 8);
    memcpy(p + 24, &x->tmax, 8);
  }
  for (size_t i = 0; i < a->nseg_events; i++, p += 16) {
    memcpy(p, &a->seg_events[i].a, 8);
    memcpy(p + 8, &a->seg_events[i].b, 8);
  }
  for (size_t i = 0; i < a->nseg_reg; i++, p += 48) {
    memcpy(p, &a->seg_reg[i].key.a, 8);
    memcpy(p + 8, &a->seg_reg[i].key.b, 8);
    memcpy(p + 16, &a->seg_reg[i].content.a, 8);
    memcpy(p + 24, &a->seg_reg[i].content.b, 8);
    memcpy(p + 32, &a->seg_reg[i].full.a, 8);
    memcpy(p + 40, &a->seg_reg[i].full.b, 8);
  }
  uint32_t crc = hr__arc_crc32c(0, b, n - 4);
  memcpy(p, &crc, 4);
  char path[4096], tmp[4200];
  hr__arc_path(path, sizeof path, a->dir, a->segno, "idx");
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int rc = 0;
  if (fd < 0 || write(fd, b, n) != (ssize_t)n || close(fd) != 0 || rename(tmp, path) != 0) {
    snprintf(a->err, sizeof a->err, "%s: cannot write the index: %s", path, strerror(errno));
    rc = HR_EIO;
  }
  free(b);
  return rc;
}

static void reset_segment_state(hr_archive *a) {
  hr__arc_index_free(&a->ix);
  a->nseg_events = a->nseg_reg = 0;
}

static int create_segment(hr_archive *a, uint32_t no) {
  char path[4096];
  hr__arc_path(path, sizeof path, a->dir, no, "seg");
  a->segno = no;
  a->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (a->fd < 0) return io_error(a, "cannot create");
  uint8_t h[HR__ARC_SEG_HEADER] = {0};
  memcpy(h, HR__ARC_SEG_MAGIC, 8);
  memcpy(h + 8, &no, 4);
  if (write(a->fd, h, sizeof h) != (ssize_t)sizeof h) return io_error(a, "cannot write");
  a->size = HR__ARC_SEG_HEADER;
  a->st.segments++;
  a->st.bytes += HR__ARC_SEG_HEADER;
  return 0;
}

/* Seals the open segment (synced, index written) and starts the next. */
static int roll(hr_archive *a) {
  int rc;
  if ((rc = flush_buf(a))) return rc;
  if (fdatasync(a->fd) != 0) return io_error(a, "cannot sync");
  if ((rc = write_index(a))) return rc;
  close(a->fd);
  a->fd = -1;
  reset_segment_state(a);
  return create_segment(a, a->segno + 1);
}

static int append(hr_archive *a, uint8_t kind, int64_t t, hr__arc_hash h, const uint8_t *data, uint32_t len) {
  int rc;
  uint64_t need = HR__ARC_REC_HEADER + (uint64_t)len;
  if (a->ix.nblocks && a->size + need > a->seg_limit && (rc = roll(a))) return rc;
  if (grow((void **)&a->buf, &a->bcap, a->blen + need, 1)) return HR_ENOMEM;
  if (hr__arc_index_add(&a->ix, a->size, kind, t)) return HR_ENOMEM;
  hr__arc_header(a->buf + a->blen, kind, t, h, data, len);
  memcpy(a->buf + a->blen + HR__ARC_REC_HEADER, data, len);
  a->blen += need;
  a->size += need;
  a->st.bytes += need;
  a->st.appended++;
  if (t && kind == HR_ARCHIVE_EVENT) {
    if (!a->st.min_time || t < a->st.min_time) a->st.min_time = t;
    if (!a->st.max_time || t > a->st.max_time) a->st.max_time = t;
  }
  return a->blen >= FLUSH_BYTES ? flush_buf(a) : 0;
}

static int pack_space(hr_archive *a, size_t n) {
  if (n > HR_ARCHIVE_RECORD_MAX) return HR_EINVAL;
  if (n <= a->pcap) return 0;
  size_t c = n < 4096 ? 4096 : n;
  uint8_t *p = realloc(a->pack, c), *s = p ? realloc(a->scratch, c) : NULL;
  if (p) a->pack = p;
  if (s) a->scratch = s;
  if (!p || !s) return HR_ENOMEM;
  a->pcap = c;
  return 0;
}

int hr_archive_append_event(hr_archive *a, const Hearth__V1__AgencyEvent *ev) {
  size_t n = hearth__v1__agency_event__get_packed_size(ev);
  int rc = pack_space(a, n);
  if (rc) return rc;
  hearth__v1__agency_event__pack(ev, a->pack);
  /* Content without source (3) and position (4): the same record read again from a renamed
   * file, or redelivered by Kafka, is the same event. */
  hr__arc_hash h = hr__arc_hash_skipping(a->pack, n, (1u << 3) | (1u << 4), a->scratch);
  int fresh;
  if (!hset_upsert(&a->events, h, &fresh)) return HR_ENOMEM;
  if (!fresh) {
    a->st.duplicates++;
    return 1;
  }
  /* Known from here on: an append that fails is fatal to the writer's caller anyway. */
  if ((rc = append(a, HR_ARCHIVE_EVENT, ev->event_time_us, h, a->pack, (uint32_t)n))) return rc;
  a->st.events++;
  if (grow((void **)&a->seg_events, &a->cap_events, a->nseg_events + 1, sizeof *a->seg_events)) return HR_ENOMEM;
  a->seg_events[a->nseg_events++] = h;
  return 0;
}

static const char *s_or(const char *s) {
  return s ? s : "";
}

/* The identity of a register record, as the engine keys it (broker/core/register.c). */
static int register_key(const Hearth__V1__RegisterRecord *r, hr__arc_hash *out) {
  char k[2048];
  int n;
  switch (r->record_case) {
  case HEARTH__V1__REGISTER_RECORD__RECORD_PERSON: n = snprintf(k, sizeof k, "P|%s", s_or(r->person->person_id)); break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_RELATIONSHIP:
    n = snprintf(k, sizeof k, "R|%s|%s|%d|%s", s_or(r->relationship->person_id),
                 s_or(r->relationship->related_person_id), (int)r->relationship->type,
                 s_or(r->relationship->start_date));
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER:
    n = snprintf(k, sizeof k, "K|%s", s_or(r->key_worker->key_worker_id));
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_ASSIGNMENT:
    n = snprintf(k, sizeof k, "A|%s|%s|%s", s_or(r->assignment->child_person_id), s_or(r->assignment->key_worker_id),
                 s_or(r->assignment->start_date));
    break;
  case HEARTH__V1__REGISTER_RECORD__RECORD_LINK_DECISION:
    n = snprintf(k, sizeof k, "L|%s", s_or(r->link_decision->case_id));
    break;
  default: return HR_EINVAL;
  }
  if (n < 0) return HR_EINVAL;
  *out = hr__arc_hash_bytes(k, (size_t)n < sizeof k ? (size_t)n : sizeof k - 1);
  return 0;
}

static int reg_unchanged(const hr_archive *a, hr__arc_hash key, hr__arc_hash content) {
  if (!a->reg.cap) return 0;
  const uint64_t *p = hset_find(&a->reg, fix_zero(key));
  return (p[0] || p[1]) && p[2] == content.a && p[3] == content.b;
}

int hr_archive_append_register(hr_archive *a, const Hearth__V1__RegisterRecord *rec) {
  hr__arc_hash key;
  int rc = register_key(rec, &key);
  if (rc) return rc;
  size_t n = hearth__v1__register_record__get_packed_size(rec);
  if ((rc = pack_space(a, n))) return rc;
  hearth__v1__register_record__pack(rec, a->pack);
  reg_entry e = {key, hr__arc_hash_skipping(a->pack, n, (1u << 2) | (1u << 3), a->scratch),
                 hr__arc_hash_bytes(a->pack, n)};
  /* Skipped when it changes nothing (same content as the identity's last record) or when this
   * very record (same source and position too) was archived before: a register file read
   * again must not replay its history of changes after the events. */
  if (reg_unchanged(a, key, e.content) || hset_has(&a->reg_full, e.full)) {
    a->st.duplicates++;
    return 1;
  }
  if ((rc = append(a, HR_ARCHIVE_REGISTER, 0, e.full, a->pack, (uint32_t)n))) return rc;
  a->st.register_records++;
  return remember_register(a, e, 1);
}

int hr_archive_sync(hr_archive *a) {
  int rc = flush_buf(a);
  if (!rc && fdatasync(a->fd) != 0) rc = io_error(a, "cannot sync");
  return rc;
}

/* ---- open --------------------------------------------------------------------------------- */

/* Learns one segment: its hashes into the sets; for the last segment also its blocks and
 * per-segment lists (it is appended to), truncating a torn tail. */
static int load_segment(hr_archive *a, uint32_t no, int last) {
  char path[4096], ipath[4096];
  hr__arc_path(path, sizeof path, a->dir, no, "seg");
  hr__arc_path(ipath, sizeof ipath, a->dir, no, "idx");
  int fd = open(path, last ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(a->err, sizeof a->err, "%s: cannot open: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return HR_EIO;
  }
  size_t len = (size_t)st.st_size;
  int rc = 0;
  a->st.segments++;
  size_t ilen = 0;
  uint8_t *idx = hr__arc_slurp(ipath, &ilen);
  const uint8_t *hashes, *regs;
  hr__arc_index ix;
  if (idx && hr__arc_index_decode(idx, ilen, no, len, &ix, &hashes, &regs) == 0) {
    for (uint64_t i = 0; i < ix.nevents && !rc; i++) {
      hr__arc_hash h = {hr__arc_get64(hashes + i * 16), hr__arc_get64(hashes + i * 16 + 8)};
      int ins;
      if (last)
        rc = remember_event(a, h);
      else if (!hset_upsert(&a->events, h, &ins))
        rc = HR_ENOMEM;
    }
    for (uint64_t i = 0; i < ix.nregister && !rc; i++) {
      const uint8_t *p = regs + i * 48;
      reg_entry e = {{hr__arc_get64(p), hr__arc_get64(p + 8)},
                     {hr__arc_get64(p + 16), hr__arc_get64(p + 24)},
                     {hr__arc_get64(p + 32), hr__arc_get64(p + 40)}};
      rc = remember_register(a, e, last);
    }
    a->st.events += ix.nevents;
    a->st.register_records += ix.nregister;
    for (uint32_t i = 0; i < ix.nblocks; i++)
      if (ix.blocks[i].tmin <= ix.blocks[i].tmax) {
        if (!a->st.min_time || ix.blocks[i].tmin < a->st.min_time) a->st.min_time = ix.blocks[i].tmin;
        if (!a->st.max_time || ix.blocks[i].tmax > a->st.max_time) a->st.max_time = ix.blocks[i].tmax;
      }
    if (last)
      a->ix = ix;
    else
      hr__arc_index_free(&ix);
    free(idx);
    a->size = len;
    a->st.bytes += len;
    close(fd);
    return rc ? (snprintf(a->err, sizeof a->err, "out of memory"), rc) : 0;
  }
  free(idx);
  /* No index covering the file: scan it, checking every record. */
  const uint8_t *m = NULL;
  if (len) {
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      snprintf(a->err, sizeof a->err, "%s: cannot map: %s", path, strerror(errno));
      close(fd);
      return HR_EIO;
    }
    m = p;
  }
  uint64_t off = HR__ARC_SEG_HEADER;
  int status = HR__ARC_BAD;
  int header_ok = len >= HR__ARC_SEG_HEADER && memcmp(m, HR__ARC_SEG_MAGIC, 8) == 0 && hr__arc_get32(m + 8) == no;
  if (header_ok) {
    hr__arc_rec rec;
    hr__arc_index scan = {0};
    while (!rc && (status = hr__arc_parse(m, len, off, &rec)) == HR__ARC_OK) {
      if (hr__arc_index_add(&scan, off, rec.kind, rec.time_us)) rc = HR_ENOMEM;
      if (rec.kind == HR_ARCHIVE_EVENT) {
        int ins;
        if (last)
          rc = rc ? rc : remember_event(a, rec.hash);
        else if (!hset_upsert(&a->events, rec.hash, &ins))
          rc = HR_ENOMEM;
        a->st.events++;
        if (!a->st.min_time || rec.time_us < a->st.min_time) a->st.min_time = rec.time_us;
        if (!a->st.max_time || rec.time_us > a->st.max_time) a->st.max_time = rec.time_us;
      } else {
        if ((rc = rc ? rc : pack_space(a, rec.len))) break;
        reg_entry e = {{0, 0}, hr__arc_hash_skipping(rec.data, rec.len, (1u << 2) | (1u << 3), a->scratch), rec.hash};
        Hearth__V1__RegisterRecord *rr = hearth__v1__register_record__unpack(NULL, rec.len, rec.data);
        if (!rr || register_key(rr, &e.key)) {
          /* Checked but not a register record we can key: written by a different program. */
          if (rr) hearth__v1__register_record__free_unpacked(rr, NULL);
          status = HR__ARC_BAD;
          rc = HR_EPARSE;
          break;
        }
        hearth__v1__register_record__free_unpacked(rr, NULL);
        rc = remember_register(a, e, last);
        a->st.register_records++;
      }
      off = rec.next;
    }
    if (last)
      a->ix = scan;
    else
      hr__arc_index_free(&scan);
  } else if (last && len < HR__ARC_SEG_HEADER) {
    off = 0; /* created, header never written whole: rewrite the segment from nothing */
    status = HR__ARC_TORN;
  }
  if (m) munmap((void *)m, len);
  if (rc) {
    close(fd);
    if (rc == HR_EPARSE)
      snprintf(a->err, sizeof a->err, "%s: undecodable register record at offset %llu", path, (unsigned long long)off);
    else
      snprintf(a->err, sizeof a->err, "out of memory");
    return rc;
  }
  if (status != HR__ARC_END) {
    if (!last) {
      snprintf(a->err, sizeof a->err, "%s: damaged record at offset %llu (not at the end of the archive: not repaired)",
               path, (unsigned long long)off);
      close(fd);
      return HR_EPARSE;
    }
    if (!header_ok && len >= HR__ARC_SEG_HEADER) {
      snprintf(a->err, sizeof a->err, "%s: not a Hearth archive segment (bad header)", path);
      close(fd);
      return HR_EPARSE;
    }
    /* A torn tail: records never acknowledged (README: crashes). Cut it off. */
    if (ftruncate(fd, (off_t)off) != 0) {
      snprintf(a->err, sizeof a->err, "%s: cannot truncate the torn tail: %s", path, strerror(errno));
      close(fd);
      return HR_EIO;
    }
    a->st.torn_bytes += len - off;
    len = off;
  }
  close(fd);
  a->size = len;
  a->st.bytes += len;
  return 0;
}

int hr_archive_open(const char *dir, uint64_t segment_bytes, hr_archive **out, char *err, size_t errsz) {
  *out = NULL;
  hr_archive *a = calloc(1, sizeof *a);
  if (!a || !(a->dir = strdup(dir))) {
    free(a);
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  a->fd = a->lock_fd = -1;
  a->events.words = 2;
  a->reg.words = 4;
  a->reg_full.words = 2;
  a->seg_limit = segment_bytes ? segment_bytes : HR_ARCHIVE_SEGMENT_DEFAULT;
  uint32_t *segs = NULL;
  size_t nsegs = 0;
  int rc = 0;
  char path[4096];
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    snprintf(err, errsz, "%s: cannot create the archive directory: %s", dir, strerror(errno));
    rc = HR_EIO;
    goto fail;
  }
  snprintf(path, sizeof path, "%s/LOCK", dir);
  a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (a->lock_fd < 0) {
    snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
    rc = HR_EIO;
    goto fail;
  }
  if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    snprintf(err, errsz, "%s: another process is writing this archive", dir);
    rc = HR_EEXISTS;
    goto fail;
  }
  if (hr__arc_list(dir, &segs, &nsegs)) {
    snprintf(err, errsz, "%s: cannot list the archive: %s", dir, strerror(errno));
    rc = HR_EIO;
    goto fail;
  }
  for (size_t i = 0; i < nsegs; i++)
    if ((rc = load_segment(a, segs[i], i + 1 == nsegs))) {
      snprintf(err, errsz, "%s", a->err);
      goto fail;
    }
  if (!nsegs || a->size < HR__ARC_SEG_HEADER) {
    if (nsegs) a->st.segments--; /* the empty one is recreated */
    if ((rc = create_segment(a, nsegs ? segs[nsegs - 1] : 1))) {
      snprintf(err, errsz, "%s", a->err);
      goto fail;
    }
  } else {
    a->segno = segs[nsegs - 1];
    hr__arc_path(path, sizeof path, dir, a->segno, "seg");
    a->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (a->fd < 0) {
      snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
      rc = HR_EIO;
      goto fail;
    }
  }
  free(segs);
  *out = a;
  return 0;
fail:
  free(segs);
  hr_archive_close(a);
  return rc;
}

int hr_archive_close(hr_archive *a) {
  if (!a) return 0;
  int rc = 0;
  if (a->fd >= 0) {
    rc = hr_archive_sync(a);
    if (!rc) rc = write_index(a);
    close(a->fd);
  }
  if (a->lock_fd >= 0) close(a->lock_fd); /* releases the lock */
  hr__arc_index_free(&a->ix);
  free(a->seg_events);
  free(a->seg_reg);
  free(a->events.slots);
  free(a->reg.slots);
  free(a->reg_full.slots);
  free(a->buf);
  free(a->pack);
  free(a->scratch);
  free(a->dir);
  free(a);
  return rc;
}

void hr_archive_stats_get(const hr_archive *a, hr_archive_stats *out) {
  *out = a->st;
}

const char *hr_archive_error(const hr_archive *a) {
  return a->err;
}

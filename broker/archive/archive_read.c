/* archive_read: reading the archive in arrival order, skipping the blocks a time range does not
 * need (archive.h). Every record is checked (length, kind, CRC-32C) before it is handed out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "archive_int.h"
#include "hr_err.h"

/* ---- files -------------------------------------------------------------------------------- */

void hr__arc_path(char *buf, size_t sz, const char *dir, uint32_t segno, const char *ext) {
  snprintf(buf, sz, "%s/%08u.%s", dir, segno, ext);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int hr__arc_list(const char *dir, uint32_t **segnos, size_t *n) {
  *segnos = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return -1;
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *s = de->d_name;
    size_t len = strlen(s);
    if (len != 12 || strcmp(s + 8, ".seg") != 0 || strspn(s, "0123456789") != 8) continue;
    uint32_t no = (uint32_t)strtoul(s, NULL, 10);
    if (no == 0) continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      uint32_t *m = realloc(*segnos, cap * sizeof *m);
      if (!m) {
        closedir(d);
        free(*segnos);
        *segnos = NULL;
        errno = ENOMEM;
        return -1;
      }
      *segnos = m;
    }
    (*segnos)[(*n)++] = no;
  }
  closedir(d);
  if (*n) qsort(*segnos, *n, sizeof **segnos, cmp_u32);
  return 0;
}

uint8_t *hr__arc_slurp(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  uint8_t *buf = NULL;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (1LL << 34) &&
      (buf = malloc((size_t)st.st_size))) {
    size_t got = 0;
    while (got < (size_t)st.st_size) {
      ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (got != (size_t)st.st_size) {
      free(buf);
      buf = NULL;
    }
    *len = got;
  }
  close(fd);
  return buf;
}

/* ---- reader ------------------------------------------------------------------------------- */

struct hr_archive_reader {
  char *dir;
  int64_t from, until; /* until 0 = open */
  uint32_t *segnos;
  size_t nsegs, si; /* si: index of the next segment to open */
  const uint8_t *map;
  size_t maplen;
  int last;          /* the open segment is the last one: a bad tail is its end */
  hr__arc_index ix;  /* blocks of the open segment */
  uint32_t bi, left; /* current block, records left in it */
  uint64_t off;      /* next record */
  uint64_t skipped;  /* blocks skipped by the time range */
  char err[8448];
};

static void close_segment(hr_archive_reader *r) {
  if (r->map) munmap((void *)r->map, r->maplen);
  r->map = NULL;
  r->maplen = 0;
  hr__arc_index_free(&r->ix);
  r->bi = 0;
  r->left = 0;
}

/* Maps the next segment and finds its blocks: from its index when that checks and covers the
 * whole file, else by scanning. 1 opened, 0 no more segments, HR_EPARSE / HR_EIO. */
static int open_segment(hr_archive_reader *r) {
  close_segment(r);
  if (r->si >= r->nsegs) return 0;
  uint32_t no = r->segnos[r->si++];
  r->last = r->si == r->nsegs;
  char path[4096];
  hr__arc_path(path, sizeof path, r->dir, no, "seg");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(r->err, sizeof r->err, "%s: cannot open: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return HR_EIO;
  }
  size_t len = (size_t)st.st_size;
  if (len > 0) {
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      snprintf(r->err, sizeof r->err, "%s: cannot map: %s", path, strerror(errno));
      close(fd);
      return HR_EIO;
    }
    madvise(p, len, MADV_SEQUENTIAL);
    r->map = p;
    r->maplen = len;
  }
  close(fd);
  if (len < HR__ARC_SEG_HEADER || memcmp(r->map, HR__ARC_SEG_MAGIC, 8) != 0 || hr__arc_get32(r->map + 8) != no) {
    if (r->last && len < HR__ARC_SEG_HEADER) return open_segment(r); /* a segment being created */
    snprintf(r->err, sizeof r->err, "%s: not a Hearth archive segment (bad header)", path);
    return HR_EPARSE;
  }
  char ipath[4096];
  hr__arc_path(ipath, sizeof ipath, r->dir, no, "idx");
  size_t ilen = 0;
  uint8_t *idx = hr__arc_slurp(ipath, &ilen);
  const uint8_t *hashes, *reg;
  int have = idx && hr__arc_index_decode(idx, ilen, no, len, &r->ix, &hashes, &reg) == 0;
  free(idx);
  if (!have) {
    /* No index that covers the file (the segment is being written, or the writer crashed):
     * build the blocks by scanning. */
    uint64_t off = HR__ARC_SEG_HEADER;
    hr__arc_rec rec;
    int st2;
    while ((st2 = hr__arc_parse(r->map, len, off, &rec)) == HR__ARC_OK) {
      if (hr__arc_index_add(&r->ix, off, rec.kind, rec.time_us)) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return HR_ENOMEM;
      }
      off = rec.next;
    }
    if (st2 != HR__ARC_END && !r->last) {
      snprintf(r->err, sizeof r->err, "%s: damaged record at offset %llu", path, (unsigned long long)off);
      return HR_EPARSE;
    }
  }
  return 1;
}

hr_archive_reader *hr_archive_reader_new(const char *dir, int64_t from_us, int64_t until_us, char *err, size_t errsz) {
  hr_archive_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->dir = strdup(dir))) {
    free(r);
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  r->from = from_us;
  r->until = until_us;
  if (hr__arc_list(dir, &r->segnos, &r->nsegs)) {
    snprintf(err, errsz, "%s: cannot read the archive: %s", dir, strerror(errno));
    hr_archive_reader_free(r);
    return NULL;
  }
  return r;
}

static int wanted(const hr_archive_reader *r, int64_t t) {
  return t >= r->from && (!r->until || t < r->until);
}

int hr_archive_reader_next(hr_archive_reader *r, hr_archive_record *out) {
  for (;;) {
    if (!r->left) {
      /* The next block this range needs, in this segment or the next. */
      if (r->map && r->bi < r->ix.nblocks) {
        const hr__arc_block *b = &r->ix.blocks[r->bi++];
        int events_in_range = b->tmin <= b->tmax && b->tmax >= r->from && (!r->until || b->tmin < r->until);
        if (!(b->flags & HR__ARC_BLOCK_REGISTER) && !events_in_range) {
          r->skipped++;
          continue;
        }
        r->off = b->offset;
        r->left = b->records;
        continue;
      }
      int rc = open_segment(r);
      if (rc <= 0) return rc;
      continue;
    }
    hr__arc_rec rec;
    int st = hr__arc_parse(r->map, r->maplen, r->off, &rec);
    if (st != HR__ARC_OK) {
      if (r->last) { /* the tail being written, or torn: the end, never a record */
        r->left = 0;
        r->bi = r->ix.nblocks;
        continue;
      }
      snprintf(r->err, sizeof r->err, "%s/%08u.seg: damaged record at offset %llu", r->dir, r->segnos[r->si - 1],
               (unsigned long long)r->off);
      return HR_EPARSE;
    }
    r->off = rec.next;
    r->left--;
    if (rec.kind == HR_ARCHIVE_EVENT && !wanted(r, rec.time_us)) continue;
    out->kind = rec.kind;
    out->time_us = rec.kind == HR_ARCHIVE_EVENT ? rec.time_us : 0;
    out->data = rec.data;
    out->len = rec.len;
    out->segment = r->segnos[r->si - 1];
    out->offset = (uint64_t)(rec.data - r->map) - HR__ARC_REC_HEADER;
    return 1;
  }
}

const char *hr_archive_reader_error(const hr_archive_reader *r) {
  return r->err;
}

uint64_t hr_archive_reader_blocks_skipped(const hr_archive_reader *r) {
  return r->skipped;
}

void hr_archive_reader_free(hr_archive_reader *r) {
  if (!r) return;
  close_segment(r);
  free(r->segnos);
  free(r->dir);
  free(r);
}

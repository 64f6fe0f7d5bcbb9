/* archive: the event archive. Append-only segment files of checksummed, length-delimited
 * canonical protobuf records (hearth.v1 AgencyEvent and RegisterRecord), each segment with an
 * index by event time, so that history is kept longer than Kafka keeps it and a time range can
 * be read without scanning everything. broker/archive/README.md describes the format, the
 * crash rules and why duplicates are recognised by content.
 *
 * The archive never changes a record once written; the only thing it ever removes is a torn
 * tail (a record cut short by a crash) at the end of the last segment, when opened for writing.
 * One writer per directory (an exclusive lock); any number of readers. */
#ifndef HR_ARCHIVE_H
#define HR_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/v1/event.pb-c.h"
#include "hearth/v1/register.pb-c.h"

enum { HR_ARCHIVE_EVENT = 1, HR_ARCHIVE_REGISTER = 2 };

#define HR_ARCHIVE_SEGMENT_DEFAULT (64u << 20) /* bytes: a segment is sealed beyond this */
#define HR_ARCHIVE_RECORD_MAX (4u << 20)       /* bytes of one record's protobuf */

typedef struct hr_archive hr_archive;

typedef struct hr_archive_stats {
  uint64_t events;            /* event records in the archive */
  uint64_t register_records;  /* register records in the archive */
  uint64_t segments;          /* segment files */
  uint64_t bytes;             /* bytes of all segments */
  uint64_t appended;          /* records appended since open */
  uint64_t duplicates;        /* appends skipped: the same event, or an unchanged register record */
  uint64_t torn_bytes;        /* bytes of a torn tail truncated at open */
  int64_t min_time, max_time; /* event time range (UTC microseconds); 0 when empty */
} hr_archive_stats;

/* Opens (creating when missing) DIR for appending. segment_bytes 0 = the default. A torn tail
 * of the last segment is truncated (counted in torn_bytes); damage anywhere else is an error
 * (HR_EPARSE with the file and offset in err): the archive is never repaired by dropping data.
 * HR_EEXISTS when another writer holds the directory. */
int hr_archive_open(const char *dir, uint64_t segment_bytes, hr_archive **out, char *err, size_t errsz);

/* Appends an event. 0 appended, 1 when the same event is already archived (same content,
 * whatever its source file name and line), HR_EINVAL for an event that does not pack, HR_EIO
 * (message in hr_archive_error), HR_ENOMEM. Records are buffered: see hr_archive_sync. */
int hr_archive_append_event(hr_archive *a, const Hearth__V1__AgencyEvent *ev);
/* Appends a register record unless the record with the same identity (person id; relationship
 * person, related person, type, start; key worker id; assignment child, key worker, start) was
 * last archived with the same content: 0 appended, 1 unchanged, or an error as above. */
int hr_archive_append_register(hr_archive *a, const Hearth__V1__RegisterRecord *rec);
/* Writes buffered records and makes them durable (fdatasync). 0 or HR_EIO. */
int hr_archive_sync(hr_archive *a);
/* Syncs, writes the last segment's index and closes. Returns the sync's result; frees anyway.
 * Accepts NULL. */
int hr_archive_close(hr_archive *a);
void hr_archive_stats_get(const hr_archive *a, hr_archive_stats *out);
const char *hr_archive_error(const hr_archive *a);

/* ---- reading ----------------------------------------------------------------------------- */

typedef struct hr_archive_reader hr_archive_reader;

typedef struct hr_archive_record {
  int kind;            /* HR_ARCHIVE_EVENT or HR_ARCHIVE_REGISTER */
  int64_t time_us;     /* event time; for a register record, 0 */
  const uint8_t *data; /* the protobuf bytes; valid until the next call */
  size_t len;
  uint32_t segment; /* where it is: segment number and byte offset */
  uint64_t offset;
} hr_archive_record;

/* Reads DIR in archive (arrival) order. Events outside [from_us, until_us) are skipped, using
 * the segment indexes to skip whole blocks (0 = open bound); register records are always read,
 * since the register of any time needs every earlier change. NULL with a message on error. */
hr_archive_reader *hr_archive_reader_new(const char *dir, int64_t from_us, int64_t until_us, char *err, size_t errsz);
/* 1 a record, 0 the end, HR_EPARSE for a damaged record before the last segment's tail (a
 * message in hr_archive_reader_error). The tail of the last segment that does not check is its
 * end (a writer is appending, or crashed mid-record): never returned, never mis-read. */
int hr_archive_reader_next(hr_archive_reader *r, hr_archive_record *rec);
const char *hr_archive_reader_error(const hr_archive_reader *r);
/* Blocks of records skipped by the time range (for tests and the curious). */
uint64_t hr_archive_reader_blocks_skipped(const hr_archive_reader *r);
void hr_archive_reader_free(hr_archive_reader *r); /* accepts NULL */

#endif

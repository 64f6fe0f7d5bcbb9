/* synth: a deterministic generator of a synthetic local authority (`hearth synth`).
 *
 * It writes an LA register and the four agency feeds in exactly the formats of
 * ../shared/REFERENCE.md sections 1-5 (and of the worked sample in shared/testdata/sample):
 *
 *   OUT/register/persons.csv  relationships.csv  key_workers.csv  assignments.csv
 *   OUT/feeds/custody.jsonl   inpatient.hl7      attendance.csv   nrpf.csv
 *
 * With messy (synth_messy.c), the custody, inpatient and NRPF records' identities are spoiled as
 * agencies spoil them, and the truth is written beside them:
 *
 *   OUT/truth/feeds/custody.jsonl  inpatient.hl7  nrpf.csv   the same records, named correctly
 *   OUT/truth/records.csv         feed,record_id,sender,person_id,changes per messy record
 *
 * The data is built to exercise every sentence of REFERENCE (the register's shapes, every custody
 * reason, every ADT trigger, every attendance code, NRPF status changes, identity by NHS number,
 * UPN and demographics, redelivery, bad records) with a density at which each reference rule fires
 * many times on a few thousand families. It computes no alerts: an oracle does that.
 *
 * Same options => byte-identical files: the generator reads no clock, no environment and no
 * global random state; all randomness comes from its own PRNG streams seeded from `seed`.
 * It never writes outside out_dir.
 *
 * Scale: about 4 register persons and 270 attendance rows per family; 100,000 families take some
 * 10 s and 1.4 GB (attendance.csv is 1.3 GB) and 150 MB of memory. NHS numbers are unique in the
 * 999 test range for about 900,000 people (some 230,000 families); beyond that, people get none
 * and agencies' records fall back to matching on names. At most 2,000,000 families. */
#ifndef HR_SYNTH_H
#define HR_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct hr_synth_opts {
  const char *out_dir;    /* created (with register/ and feeds/) when missing; files overwritten */
  uint32_t families;      /* number of register families; 0 gives header-only files */
  uint64_t seed;          /* every byte written is a function of the options */
  const char *term_start; /* first school day, YYYY-MM-DD; NULL = "2026-09-01" */
  int weeks;              /* school weeks of marks (half-term not counted); 0 = 15 */
  int clean;              /* 1 = write no bad (dead-letter) records, for benchmarks */
  int messy;              /* 1 = agency records as agencies write them, beside the truth
                             (synth_messy.c): OUT/feeds/ messy, OUT/truth/feeds/ and
                             OUT/truth/records.csv the truth */
} hr_synth_opts;

/* What was written. Counts are data lines, headers excluded; inpatient counts HL7 messages. */
typedef struct hr_synth_stats {
  uint64_t persons, relationships, key_workers, assignments;
  uint64_t custody, inpatient, attendance, nrpf;
  uint64_t bad_records;      /* records written to be dead-lettered (0 when clean) */
  uint64_t dq_warnings;      /* identifiers written failing their check (NHS Modulus 11, UPN check
                                letter), all files: data-quality warnings, not bad records */
  uint64_t register_bad_nhs; /* of those, persons.csv rows whose NHS number fails Modulus 11 */
  /* --messy: agency records whose identity was open to mess, what was done to them (by kind,
   * hr_synth_mess_name), and register people given another's name and birthday. */
  uint64_t messy_records, mess[8], namesakes;
} hr_synth_stats;

/* "nhs_missing", "family_typo", "given_typo", "nickname", "dob_swapped", "dob_digit",
 * "postcode_district", "postcode_moved" for kinds 0..7; NULL otherwise. */
const char *hr_synth_mess_name(int kind);

/* Generates the synthetic LA described by o into o->out_dir. st may be NULL. Returns 0, or a
 * negative hr_err (HR_EINVAL bad options, HR_EIO a file or directory could not be written,
 * HR_ENOMEM) with a message naming the option or the path in errstr. On failure files already
 * written are left in place. */
int hr_synth_generate(const hr_synth_opts *o, hr_synth_stats *st, char *errstr, size_t errsz);

#endif

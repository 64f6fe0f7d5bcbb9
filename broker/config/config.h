/* config: configuration files as declarative tables (key, type, default, field, description),
 * as Fluent Bit's config maps and nginx's command tables. The loader reports an unknown key and
 * an invalid value as different errors, with file and line; keys under a pass-through prefix
 * ("kafka.") go verbatim to librdkafka; the documentation is generated from the table, so it
 * cannot drift from what the loader accepts. */
#ifndef HR_CONFIG_H
#define HR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum hr_cfg_type { HR_CFG_STRING = 1, HR_CFG_UINT, HR_CFG_BOOL } hr_cfg_type;

typedef struct hr_cfg_key {
  const char *key;
  hr_cfg_type type;
  const char *dflt;  /* as it would be written in the file; NULL = no default (required) */
  size_t offset;     /* of the field in the target struct */
  uint64_t min, max; /* HR_CFG_UINT bounds */
  const char *description;
} hr_cfg_key;

#define HR_CFG_MAX_PASSTHROUGH 64

/* What the loader fills besides the table's fields: pass-through properties ("key=value",
 * prefix removed) and the strings it owns. */
typedef struct hr_cfg_extra {
  char *passthrough[HR_CFG_MAX_PASSTHROUGH];
  size_t npassthrough;
  char *owned[128]; /* string values, freed by hr_cfg_free */
  size_t nowned;
} hr_cfg_extra;

/* Sets every key with a default. */
int hr_cfg_defaults(const hr_cfg_key *keys, size_t nkeys, void *target, hr_cfg_extra *extra, char *err, size_t errsz);
/* Reads `key = value` lines (# comments, blank lines) from text; prefix (e.g. "kafka.") keys are
 * passed through. 0, or HR_EINVAL with "file:line: ..." in err. */
int hr_cfg_parse(const hr_cfg_key *keys, size_t nkeys, const char *prefix, const char *text, size_t len,
                 const char *file, void *target, hr_cfg_extra *extra, char *err, size_t errsz);
int hr_cfg_load(const hr_cfg_key *keys, size_t nkeys, const char *prefix, const char *path, void *target,
                hr_cfg_extra *extra, char *err, size_t errsz);
/* Sets one key from a string (command-line overrides), same checks. */
int hr_cfg_set(const hr_cfg_key *keys, size_t nkeys, const char *key, const char *value, void *target,
               hr_cfg_extra *extra, char *err, size_t errsz);
void hr_cfg_free(hr_cfg_extra *extra);
/* Writes an example file documenting every key with its default, generated from the table. */
struct hr_buf;
void hr_cfg_document(const hr_cfg_key *keys, size_t nkeys, const char *title, const char *prefix_note,
                     struct hr_buf *out);

#endif

/* json: a small, strict JSON (RFC 8259) parser for one document held in memory.
 *
 * hr_json_parse() checks the whole document and lays it out as a flat array of nodes in
 * document order (a container is followed by its members; an object's members alternate key,
 * value). It never recurses; the node array is kept from one document to the next and grows
 * (doubling) only when a document has more values than any before it, up to the maximum given to
 * hr_json_init(): a document with more values is refused (HR_ETOOBIG). Nesting is limited to
 * HR_JSON_MAX_DEPTH. Strings are not decoded while parsing; their escapes
 * (\" \\ \/ \b \f \n \r \t \uHHHH, surrogate pairs) are checked, and decoded on demand by
 * hr_json_str(). The caller checks UTF-8 of the document beforehand; raw control characters in
 * strings and lone surrogates are refused. Numbers keep their text. */
#ifndef HR_JSON_H
#define HR_JSON_H

#include <stddef.h>
#include <stdint.h>

#define HR_JSON_MAX_DEPTH 32

typedef enum hr_json_type {
  HR_JSON_NULL = 1,
  HR_JSON_FALSE,
  HR_JSON_TRUE,
  HR_JSON_NUMBER,
  HR_JSON_STRING,
  HR_JSON_ARRAY,
  HR_JSON_OBJECT,
} hr_json_type;

typedef struct hr_json_node {
  uint8_t type;    /* hr_json_type */
  uint8_t escaped; /* strings: 1 when the text holds a backslash escape */
  uint32_t start;  /* offset of the text (strings: just inside the opening quote) */
  uint32_t len;    /* length of the text (strings: without the quotes) */
  uint32_t end;    /* index one past the last node of this value's subtree */
} hr_json_node;

typedef struct hr_json {
  hr_json_node *nodes; /* owned */
  uint32_t cap;        /* nodes allocated */
  uint32_t max;        /* most nodes a document may have */
  uint32_t count;      /* nodes of the last parsed document; node 0 is the root */
  const char *src;     /* the last parsed document (not owned) */
  const char *err;     /* after a failure: what was wrong, for messages */
  size_t err_pos;      /* and where (byte offset) */
} hr_json;

/* Prepares a parser for documents of at most max values. Returns 0 or HR_ENOMEM. */
int hr_json_init(hr_json *j, uint32_t max);
void hr_json_free(hr_json *j); /* accepts a zeroed parser */
/* Parses s[0..n) (whitespace around the one value allowed). 0, HR_EPARSE or HR_ETOOBIG. */
int hr_json_parse(hr_json *j, const char *s, size_t n);

/* Value of key in object node obj (the last one when a key repeats), or -1. */
int hr_json_get(const hr_json *j, int obj, const char *key);
/* Type of node i, or 0 when i < 0. */
static inline int hr_json_type_of(const hr_json *j, int i) {
  return i < 0 ? 0 : j->nodes[i].type;
}
/* First element of an array (or first key of an object), or -1; next sibling of element i. */
int hr_json_first(const hr_json *j, int container);
int hr_json_next(const hr_json *j, int container, int i);
/* Decodes string node i into out, which must hold nodes[i].len + 1 bytes; NUL-terminates it and
 * returns the decoded length (it may contain NUL bytes from \u0000). */
size_t hr_json_str(const hr_json *j, int i, char *out);
/* Integer value of a number node: 1 when it is integral (2, 2.0, 2e1) and fits in int64. */
int hr_json_int(const hr_json *j, int i, int64_t *out);

#endif

/* hr_suggest: "did you mean ...?" for names people type (rule words, config keys). */
#ifndef HR_SUGGEST_H
#define HR_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a[0..la) and the string b; 99 when either is over 64 chars. */
size_t hr_edit_distance(const char *a, size_t la, const char *b);

#endif

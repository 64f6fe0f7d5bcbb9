/* config: see config.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_buf.h"
#include "hr_err.h"
#include "hr_suggest.h"

static const hr_cfg_key *find(const hr_cfg_key *keys, size_t n, const char *key, size_t klen) {
  for (size_t i = 0; i < n; i++)
    if (strlen(keys[i].key) == klen && memcmp(keys[i].key, key, klen) == 0) return &keys[i];
  return NULL;
}

static int set_value(const hr_cfg_key *k, const char *v, size_t vlen, void *target, hr_cfg_extra *extra, char *why,
                     size_t whysz) {
  char *field = (char *)target + k->offset;
  switch (k->type) {
  case HR_CFG_STRING: {
    if (extra->nowned == sizeof extra->owned / sizeof extra->owned[0]) {
      snprintf(why, whysz, "too many settings");
      return -1;
    }
    char *s = malloc(vlen + 1);
    if (!s) return -1;
    memcpy(s, v, vlen);
    s[vlen] = '\0';
    extra->owned[extra->nowned++] = s;
    *(const char **)field = s;
    return 0;
  }
  case HR_CFG_UINT: {
    uint64_t x = 0;
    if (vlen == 0 || vlen > 19) goto bad_uint;
    for (size_t i = 0; i < vlen; i++) {
      if (v[i] < '0' || v[i] > '9') goto bad_uint;
      x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x < k->min || x > k->max) goto bad_uint;
    *(uint64_t *)field = x;
    return 0;
  bad_uint:
    snprintf(why, whysz, "'%.*s' is not a whole number from %llu to %llu", (int)(vlen > 40 ? 40 : vlen), v,
             (unsigned long long)k->min, (unsigned long long)k->max);
    return -1;
  }
  case HR_CFG_BOOL:
    if ((vlen == 4 && !memcmp(v, "true", 4)) || (vlen == 3 && !memcmp(v, "yes", 3)))
      *(int *)field = 1;
    else if ((vlen == 5 && !memcmp(v, "false", 5)) || (vlen == 2 && !memcmp(v, "no", 2)))
      *(int *)field = 0;
    else {
      snprintf(why, whysz, "'%.*s' is not true or false", (int)(vlen > 40 ? 40 : vlen), v);
      return -1;
    }
    return 0;
  }
  return -1;
}

int hr_cfg_defaults(const hr_cfg_key *keys, size_t nkeys, void *target, hr_cfg_extra *extra, char *err, size_t errsz) {
  for (size_t i = 0; i < nkeys; i++) {
    if (!keys[i].dflt) continue;
    char why[160];
    if (set_value(&keys[i], keys[i].dflt, strlen(keys[i].dflt), target, extra, why, sizeof why)) {
      snprintf(err, errsz, "default of %s: %s", keys[i].key, why);
      return HR_EINVAL;
    }
  }
  return 0;
}

int hr_cfg_set(const hr_cfg_key *keys, size_t nkeys, const char *key, const char *value, void *target,
               hr_cfg_extra *extra, char *err, size_t errsz) {
  const hr_cfg_key *k = find(keys, nkeys, key, strlen(key));
  char why[160];
  if (!k) {
    snprintf(err, errsz, "unknown setting '%s'", key);
    return HR_EINVAL;
  }
  if (set_value(k, value, strlen(value), target, extra, why, sizeof why)) {
    snprintf(err, errsz, "%s: %s", key, why);
    return HR_EINVAL;
  }
  return 0;
}

static const char *trim(const char *s, const char *e, const char **out_end) {
  while (s < e && (*s == ' ' || *s == '\t'))
    s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    e--;
  *out_end = e;
  return s;
}

int hr_cfg_parse(const hr_cfg_key *keys, size_t nkeys, const char *prefix, const char *text, size_t len,
                 const char *file, void *target, hr_cfg_extra *extra, char *err, size_t errsz) {
  const char *p = text, *end = text + len;
  size_t plen = prefix ? strlen(prefix) : 0;
  for (unsigned line = 1; p < end; line++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
    const char *ke, *ks = trim(p, le, &ke);
    p = nl ? nl + 1 : end;
    if (ks == ke || *ks == '#') continue;
    const char *eq = memchr(ks, '=', (size_t)(ke - ks));
    if (!eq) {
      snprintf(err, errsz, "%s:%u: expected 'key = value'", file, line);
      return HR_EINVAL;
    }
    const char *kend, *kstart = trim(ks, eq, &kend), *vend, *vstart = trim(eq + 1, ke, &vend);
    size_t klen = (size_t)(kend - kstart), vlen = (size_t)(vend - vstart);
    if (plen && klen > plen && memcmp(kstart, prefix, plen) == 0) {
      if (extra->npassthrough == HR_CFG_MAX_PASSTHROUGH) {
        snprintf(err, errsz, "%s:%u: more than %d %s settings", file, line, HR_CFG_MAX_PASSTHROUGH, prefix);
        return HR_EINVAL;
      }
      char *kv = malloc(klen - plen + vlen + 2);
      if (!kv) return HR_ENOMEM;
      sprintf(kv, "%.*s=%.*s", (int)(klen - plen), kstart + plen, (int)vlen, vstart);
      extra->passthrough[extra->npassthrough++] = kv;
      continue;
    }
    const hr_cfg_key *k = find(keys, nkeys, kstart, klen);
    if (!k) {
      const char *best = NULL;
      size_t bd = 4;
      for (size_t i = 0; i < nkeys; i++) {
        size_t d = hr_edit_distance(kstart, klen, keys[i].key);
        if (d < bd) bd = d, best = keys[i].key;
      }
      snprintf(err, errsz, "%s:%u: unknown setting '%.*s'%s%s%s", file, line, (int)(klen > 60 ? 60 : klen), kstart,
               best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
      return HR_EINVAL;
    }
    char why[160];
    if (set_value(k, vstart, vlen, target, extra, why, sizeof why)) {
      snprintf(err, errsz, "%s:%u: invalid value for %s: %s", file, line, k->key, why);
      return HR_EINVAL;
    }
  }
  return 0;
}

int hr_cfg_load(const hr_cfg_key *keys, size_t nkeys, const char *prefix, const char *path, void *target,
                hr_cfg_extra *extra, char *err, size_t errsz) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
    return HR_EIO;
  }
  char *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
  int toobig = buf && n == (1 << 20);
  fclose(f);
  if (!buf || toobig) {
    free(buf);
    snprintf(err, errsz, "%s: %s", path, buf ? "larger than 1 MiB" : "out of memory");
    return HR_EINVAL;
  }
  int rc = hr_cfg_parse(keys, nkeys, prefix, buf, n, path, target, extra, err, errsz);
  free(buf);
  return rc;
}

void hr_cfg_free(hr_cfg_extra *extra) {
  for (size_t i = 0; i < extra->npassthrough; i++)
    free(extra->passthrough[i]);
  for (size_t i = 0; i < extra->nowned; i++)
    free(extra->owned[i]);
  extra->npassthrough = extra->nowned = 0;
}

void hr_cfg_document(const hr_cfg_key *keys, size_t nkeys, const char *title, const char *prefix_note, hr_buf *out) {
  hr_buf_printf(out,
                "# %s\n#\n# Every setting with its default. Generated by `hearth config example` from the\n"
                "# table the loader uses, so it cannot drift. Lines are `key = value`; # starts a comment.\n",
                title);
  for (size_t i = 0; i < nkeys; i++) {
    const hr_cfg_key *k = &keys[i];
    hr_buf_printf(out, "\n# %s", k->description);
    if (k->type == HR_CFG_UINT)
      hr_buf_printf(out, " (%llu to %llu)", (unsigned long long)k->min, (unsigned long long)k->max);
    if (k->type == HR_CFG_BOOL) hr_buf_puts(out, " (true or false)");
    if (!k->dflt)
      hr_buf_printf(out, "\n# Required.\n# %s =\n", k->key);
    else if (!*k->dflt)
      hr_buf_printf(out, "\n# %s =\n", k->key);
    else
      hr_buf_printf(out, "\n%s = %s\n", k->key, k->dflt);
  }
  if (prefix_note) hr_buf_printf(out, "\n%s\n", prefix_note);
}

/* rules_reload: live rule changes for hearth run (see rules_reload.h). */
#include "rules_reload.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hr_rules_reload {
  hr_rules_install_fn install;
  void *install_ud;
  const hr_rulepack *current; /* the pack the engine runs: the caller's or owned */
  hr_rulepack *owned;         /* a reloaded pack, freed when replaced or at the end */
  char *path, *dir, *base;
  uint64_t *reloads, *failures;
  uv_signal_t sighup;
  uv_fs_event_t watch;
  uv_timer_t settle;
  int watching;
};

static void log_pack(const char *what, const hr_rulepack *p) {
  fprintf(stderr, "hearth run: %s: pack %s, %u rules, checksum %.16s\n", what, hr_rulepack_name(p),
          hr_rulepack_count(p), hr_rulepack_checksum(p));
}

int hr_rules_reload_now(hr_rules_reload *rr, const char *why) {
  char err[512];
  hr_rulepack *p = hr_rulepack_load(rr->path, err, sizeof err);
  if (!p) {
    ++*rr->failures;
    fprintf(stderr, "hearth run: rules not reloaded (%s), still running pack %s checksum %.16s: %s\n", why,
            hr_rulepack_name(rr->current), hr_rulepack_checksum(rr->current), err);
    return -1;
  }
  if (strcmp(hr_rulepack_checksum(p), hr_rulepack_checksum(rr->current)) == 0) {
    hr_rulepack_free(p); /* the same rules: nothing to change */
    return 0;
  }
  hr_rulepack *retired = rr->owned; /* freed by the installer once the engine has moved on */
  rr->owned = p;
  rr->current = p;
  rr->install(rr->install_ud, p, retired);
  ++*rr->reloads;
  char what[128];
  snprintf(what, sizeof what, "rules reloaded (%s)", why);
  log_pack(what, p);
  return 0;
}

static void on_sighup(uv_signal_t *h, int signum) {
  (void)signum;
  hr_rules_reload_now(h->data, "SIGHUP");
}

static void on_settled(uv_timer_t *h) {
  hr_rules_reload_now(h->data, "file changed");
}

/* Editors write a new file and rename it over the old one, or write in several steps: watch the
 * directory, and reload once the file has been quiet for 200 ms. */
static void on_dir_event(uv_fs_event_t *h, const char *filename, int events, int status) {
  (void)events;
  hr_rules_reload *rr = h->data;
  if (status < 0 || !filename || strcmp(filename, rr->base) != 0) return;
  uv_timer_start(&rr->settle, on_settled, 200, 0);
}

int hr_rules_reload_start(uv_loop_t *loop, const char *path, int watch, hr_rules_install_fn install, void *install_ud,
                          const hr_rulepack *initial, uint64_t *reloads, uint64_t *failures, hr_rules_reload **out,
                          char *err, size_t errsz) {
  *out = NULL;
  hr_rules_reload *rr = calloc(1, sizeof *rr);
  char *d = strdup(path), *b = strdup(path);
  if (!rr || !d || !b || !(rr->path = strdup(path)) || !(rr->dir = strdup(dirname(d))) ||
      !(rr->base = strdup(basename(b)))) {
    snprintf(err, errsz, "out of memory");
    free(d), free(b);
    hr_rules_reload_free(rr);
    return -1;
  }
  free(d), free(b);
  rr->install = install;
  rr->install_ud = install_ud;
  rr->current = initial;
  rr->reloads = reloads;
  rr->failures = failures;
  rr->sighup.data = rr->watch.data = rr->settle.data = rr;
  uv_signal_init(loop, &rr->sighup);
  uv_signal_start(&rr->sighup, on_sighup, SIGHUP);
  uv_timer_init(loop, &rr->settle);
  uv_fs_event_init(loop, &rr->watch);
  *out = rr; /* from here the caller closes and frees it, whatever happens */
  if (watch) {
    int e = uv_fs_event_start(&rr->watch, on_dir_event, rr->dir, 0);
    if (e) {
      snprintf(err, errsz, "cannot watch %s for rule changes: %s", rr->dir, uv_strerror(e));
      return -1;
    }
    rr->watching = 1;
  }
  log_pack(rr->watching ? "rules loaded (reloaded on SIGHUP and when the file changes)"
                        : "rules loaded (reloaded on SIGHUP)",
           initial);
  return 0;
}

void hr_rules_reload_close(hr_rules_reload *rr) {
  if (!rr) return;
  uv_close((uv_handle_t *)&rr->sighup, NULL);
  uv_close((uv_handle_t *)&rr->settle, NULL);
  uv_close((uv_handle_t *)&rr->watch, NULL);
}

void hr_rules_reload_free(hr_rules_reload *rr) {
  if (!rr) return;
  hr_rulepack_free(rr->owned);
  free(rr->path);
  free(rr->dir);
  free(rr->base);
  free(rr);
}

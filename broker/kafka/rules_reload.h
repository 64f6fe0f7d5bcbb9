/* rules_reload: live rule changes for hearth run. On SIGHUP, and when the pack's file changes if
 * watching, the pack is compiled again; a pack that fails its checks is refused (the error, with
 * its line and column, is logged) and the old one keeps running; a good one replaces it in the
 * engine between two events, so the next event is the first it sees and no event is lost or
 * applied twice. Each pack loaded is logged with its name and checksum; every alert already
 * carries its rule's version and its pack's checksum. */
#ifndef HR_RULES_RELOAD_H
#define HR_RULES_RELOAD_H

#include <stdint.h>
#include <uv.h>

#include "engine.h"
#include "rules.h"

typedef struct hr_rules_reload hr_rules_reload;

/* Puts a pack that passed its checks into the engine, between two events. retired is the pack
 * it replaces when that was an earlier reload (NULL for the initial, borrowed pack): the
 * installer frees it once the engine no longer runs it. hearth run's installer hands both to the
 * engine thread in line with the events, so the next event handed over is the first to see it. */
typedef void (*hr_rules_install_fn)(void *ud, const hr_rulepack *next, hr_rulepack *retired);

/* Starts reloading the pack from path (initial is the pack the engine runs now, borrowed). The
 * counters count reloads and refused reloads. 0, or -1 with the reason in err; in both cases
 * *out, when set, must be closed (hr_rules_reload_close, then the loop run to close its
 * handles) and freed. */
int hr_rules_reload_start(uv_loop_t *loop, const char *path, int watch, hr_rules_install_fn install, void *install_ud,
                          const hr_rulepack *initial, uint64_t *reloads, uint64_t *failures, hr_rules_reload **out,
                          char *err, size_t errsz);
/* Reloads now; why says what asked for it (for the log). 0 when the engine runs the file's
 * rules, -1 when they were refused. */
int hr_rules_reload_now(hr_rules_reload *rr, const char *why);
void hr_rules_reload_close(hr_rules_reload *rr); /* accepts NULL */
/* After the engine is freed: the last reloaded pack (the current one) goes with it. Accepts NULL. */
void hr_rules_reload_free(hr_rules_reload *rr);

#endif

/* cli: what the command-line front end's files share. Each hearth subcommand is a function
 * hr_cli_NAME(argc, argv) returning the exit status; main.c dispatches to them. */
#ifndef HR_CLI_H
#define HR_CLI_H

#include <stddef.h>

#include "engine.h"
#include "link.h"

int hr_cli_demo(int argc, char **argv);       /* demo.c */
int hr_cli_backtest(int argc, char **argv);   /* backtest_cmd.c: hearth rules backtest */
int hr_cli_archive(int argc, char **argv);    /* backtest_cmd.c: hearth archive */
int hr_cli_link(int argc, char **argv);       /* link_cmd.c */
int hr_cli_connect(int argc, char **argv);    /* connect_cmd.c */
int hr_cli_connect_config_example(void);      /* connect_cmd.c */
int hr_cli_rules_test(int argc, char **argv); /* rules_test.c: hearth rules test */
int hr_cli_review(int argc, char **argv);     /* review_cmd.c: hearth review */
/* review_cmd.c: hearth link explain --alert ID --alerts FILE (argv[0] is "explain") */
int hr_cli_link_explain_alert(int argc, char **argv);

/* link_cmd.c: a whole file in memory (NUL-terminated, *len without the NUL), or NULL with errno. */
char *hr_cli_read_file(const char *path, size_t *len);
/* link_cmd.c: a parameters file, or "default", for --link-params and run's link_params. */
int hr_cli_link_params_load(const char *path, hr_link_params *p);

/* The engine options that every command replaying events takes (replay, rules backtest), with
 * the same getopt codes in each: --default-la 'l', --mh-provider 'p' (repeatable),
 * --mh-services 's', --link-agency-ids 'k', --link-params 'L'. */
typedef struct hr_cli_engine_opts {
  char providers[4096]; /* --mh-provider codes, space-separated */
  hr_link_params link_params;
} hr_cli_engine_opts;

#define HR_CLI_ENGINE_LONGOPTS                                                                                         \
  {"default-la", required_argument, 0, 'l'}, {"mh-provider", required_argument, 0, 'p'},                               \
      {"mh-services", required_argument, 0, 's'}, {"link-agency-ids", no_argument, 0, 'k'}, {                          \
    "link-params", required_argument, 0, 'L'                                                                           \
  }

#define HR_CLI_ENGINE_USAGE                                                                                            \
  "  --default-la CODE  LA for alerts whose record names none (unknown_dependants)\n"                                  \
  "  --mh-provider ODS  a sending facility (MSH-4) whose every spell is mental-health care\n"                          \
  "  --mh-services LIST treatment function codes that are MH care (default: REFERENCE's list)\n"                       \
  "  --link-agency-ids  also resolve by a prison number or hospital spell linked earlier\n"                            \
  "  --link-params FILE also resolve probabilistically (broker/link/README.md), with the\n"                            \
  "                     parameters 'hearth link train' wrote, or 'default' for the built-in\n"                         \
  "                     ones: a record links to the best person at the link weight unless a\n"                         \
  "                     namesake comes within the margin (then it is ambiguous).\n"                                    \
  "                     Off by default: then identity is REFERENCE's tiers only\n"

/* Applies getopt code c with its argument to cfg (which keeps pointers into eo: keep eo alive
 * as long as the engine). 1 when c is one of the engine options, 0 when it is not; when it
 * cannot be applied (the reason printed, prefixed with cmd), HR_CLI_BAD_USAGE (exit 2) or
 * HR_CLI_FAILED (a file that does not load: exit 1). */
#define HR_CLI_BAD_USAGE (-2)
#define HR_CLI_FAILED (-1)
int hr_cli_engine_option(int c, const char *arg, hr_engine_config *cfg, hr_cli_engine_opts *eo, const char *cmd);

#endif

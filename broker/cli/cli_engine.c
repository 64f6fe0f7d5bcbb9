/* cli_engine: the engine options shared by the commands that replay events (see cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int hr_cli_engine_option(int c, const char *arg, hr_engine_config *cfg, hr_cli_engine_opts *eo, const char *cmd) {
  switch (c) {
  case 'l': cfg->default_la = arg; return 1;
  case 'p': {
    size_t have = strlen(eo->providers);
    if (have + strlen(arg) + 2 > sizeof eo->providers) {
      fprintf(stderr, "%s: too many --mh-provider codes\n", cmd);
      return HR_CLI_BAD_USAGE;
    }
    snprintf(eo->providers + have, sizeof eo->providers - have, " %s", arg);
    cfg->mh_providers = eo->providers;
    return 1;
  }
  case 's': cfg->mh_services = arg; return 1;
  case 'k': cfg->link_agency_ids = 1; return 1;
  case 'L':
    if (hr_cli_link_params_load(arg, &eo->link_params)) return HR_CLI_FAILED;
    cfg->link_params = &eo->link_params;
    return 1;
  default: return 0;
  }
}

/* backtest_cmd: `hearth rules backtest` and `hearth archive check`, the command-line side of
 * broker/backtest and broker/archive. Options are parsed here; the work is theirs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "backtest.h"
#include "cli.h"
#include "hr_err.h"
#include "hr_time.h"

static const char usage_backtest[] =
    "usage: hearth rules backtest --archive DIR --rules NEW [--baseline OLD] [--from D] [--to D]\n"
    "                             [--json] [--html FILE] [--alerts FILE] [--default-la CODE]\n"
    "                             [--mh-provider ODS]... [--mh-services LIST] [--link-agency-ids]\n"
    "                             [--link-params FILE|default]\n"
    "\n"
    "Replays the event archive in DIR (written by 'hearth replay --archive' or 'hearth run' with\n"
    "archive_dir) through the core with the rule pack NEW and, with --baseline, the pack OLD, and\n"
    "reports the alerts each raised from D to D: per rule, LA and ISO week the alerts and the\n"
    "children they reach; the alerts the change adds and removes, with the children, the adult,\n"
    "the explanation and the evidence; the share of children alerted by more than one rule; and\n"
    "the days from a child's first adversity (a carer's custody, mental-health admission or NRPF\n"
    "status starting) to the alert, median and 90th percentile.\n"
    "\n"
    "All history before --to is replayed, so facts from before --from count as they did live; the\n"
    "report covers alerts raised in [--from, --to). Its counts equal a full 'hearth replay' of the\n"
    "same records with the same pack and engine options.\n"
    "\n"
    "  --from D, --to D  dates (YYYY-MM-DD, UK midnight) or ISO 8601 times; either may be left out\n"
    "  --json            the report as one JSON object instead of the text table\n"
    "  --html FILE       also write a self-contained HTML report with charts (no external assets)\n"
    "  --alerts FILE     also write the new pack's alerts in range as JSON lines, as hearth replay\n"
    "\n"
    "The engine's options, as for hearth replay: give the ones the live broker used, or the alerts\n"
    "will differ.\n" HR_CLI_ENGINE_USAGE "\n"
    "Exit status 0 when the report was written, 1 when it could not run (a rule pack with an\n"
    "error is reported as file:line:col), 2 for bad usage.\n";

static int parse_when(const char *s, int64_t *t) {
  int32_t d;
  if (hr_parse_iso_instant(s, strlen(s), t) == 0) return 0;
  if (hr_parse_date(s, strlen(s), &d) != 0) return -1;
  *t = hr_uk_instant_of(d, 0, 0);
  return 0;
}

int hr_cli_backtest(int argc, char **argv) {
  static const struct option opts[] = {{"archive", required_argument, 0, 'a'},
                                       {"rules", required_argument, 0, 'R'},
                                       {"baseline", required_argument, 0, 'B'},
                                       {"from", required_argument, 0, 'F'},
                                       {"to", required_argument, 0, 'T'},
                                       {"json", no_argument, 0, 'j'},
                                       {"html", required_argument, 0, 'H'},
                                       {"alerts", required_argument, 0, 'o'},
                                       HR_CLI_ENGINE_LONGOPTS,
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  hr_backtest_opts o;
  memset(&o, 0, sizeof o);
  const char *html = NULL, *alerts = NULL;
  static hr_cli_engine_opts eo; /* borrowed by the engines for the whole backtest */
  int json = 0, c, e;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if ((e = hr_cli_engine_option(c, optarg, &o.engine, &eo, "hearth rules backtest"))) {
      if (e < 0) return e == HR_CLI_BAD_USAGE ? 2 : 1;
      continue;
    }
    switch (c) {
    case 'a': o.archive_dir = optarg; break;
    case 'R': o.rules_path = optarg; break;
    case 'B': o.baseline_path = optarg; break;
    case 'F':
    case 'T':
      if (parse_when(optarg, c == 'F' ? &o.from_us : &o.until_us)) {
        fprintf(stderr, "hearth rules backtest: --%s %s: expected a date (YYYY-MM-DD) or an ISO 8601 time\n",
                c == 'F' ? "from" : "to", optarg);
        return 2;
      }
      break;
    case 'j': json = 1; break;
    case 'H': html = optarg; break;
    case 'o': alerts = optarg; break;
    case 'h': fputs(usage_backtest, stdout); return 0;
    default: fputs(usage_backtest, stderr); return 2;
    }
  }
  if (optind < argc || !o.archive_dir || !o.rules_path) {
    fprintf(stderr, "hearth rules backtest: %s\n\n%s",
            optind < argc ? "unexpected argument" : "--archive and --rules are required", usage_backtest);
    return 2;
  }
  if (o.from_us && o.until_us && o.until_us <= o.from_us) {
    fprintf(stderr, "hearth rules backtest: --to must be after --from\n");
    return 2;
  }
  FILE *af = NULL;
  if (alerts && !(af = fopen(alerts, "w"))) {
    fprintf(stderr, "hearth rules backtest: cannot create %s: %s\n", alerts, strerror(errno));
    return 1;
  }
  o.alerts = af;
  char err[1024];
  hr_backtest *b;
  int rc = hr_backtest_run(&o, &b, err, sizeof err);
  if (af && fclose(af) && !rc) {
    snprintf(err, sizeof err, "could not write %s", alerts);
    hr_backtest_free(b);
    rc = HR_EIO;
  }
  if (rc) {
    fprintf(stderr, "hearth rules backtest: %s\n", err);
    return 1;
  }
  rc = json ? hr_backtest_write_json(b, stdout) : hr_backtest_write_text(b, stdout);
  if (!rc && html) {
    FILE *hf = fopen(html, "w");
    rc = hf ? hr_backtest_write_html(b, hf) : HR_EIO;
    if (hf && fclose(hf)) rc = HR_EIO;
    if (rc) fprintf(stderr, "hearth rules backtest: could not write %s\n", html);
  }
  hr_backtest_free(b);
  if (fflush(stdout)) rc = HR_EIO;
  return rc ? 1 : 0;
}

static const char usage_archive[] =
    "usage: hearth archive check DIR\n"
    "\n"
    "Reads every record of the event archive in DIR (broker/archive/README.md), checking each\n"
    "record's checksum, and prints the segments, the records by kind and the event-time range.\n"
    "A damaged record is reported with its segment and offset (exit status 1). The tail of the\n"
    "last segment that does not check (a writer is appending, or crashed) is the end, not damage.\n";

int hr_cli_archive(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    fputs(usage_archive, stdout);
    return 0;
  }
  if (argc != 3 || strcmp(argv[1], "check") != 0) {
    fputs(usage_archive, stderr);
    return 2;
  }
  char err[1024];
  hr_archive_reader *r = hr_archive_reader_new(argv[2], 0, 0, err, sizeof err);
  if (!r) {
    fprintf(stderr, "hearth archive: %s\n", err);
    return 1;
  }
  uint64_t events = 0, reg = 0, segments = 0;
  uint32_t last_seg = 0;
  int64_t tmin = 0, tmax = 0;
  hr_archive_record rec;
  int got;
  while ((got = hr_archive_reader_next(r, &rec)) == 1) {
    if (rec.segment != last_seg) segments++, last_seg = rec.segment;
    if (rec.kind == HR_ARCHIVE_REGISTER) {
      reg++;
      continue;
    }
    events++;
    if (!tmin || rec.time_us < tmin) tmin = rec.time_us;
    if (!tmax || rec.time_us > tmax) tmax = rec.time_us;
  }
  if (got < 0) {
    fprintf(stderr, "hearth archive: %s\n", hr_archive_reader_error(r));
    hr_archive_reader_free(r);
    return 1;
  }
  hr_archive_reader_free(r);
  char a[HR_ISO_MAX] = "-", b[HR_ISO_MAX] = "-";
  if (events) {
    hr_format_uk_instant(tmin, a);
    hr_format_uk_instant(tmax, b);
  }
  printf("%s: ok: %llu segments with records, %llu events, %llu register records; events from %s to %s\n", argv[2],
         (unsigned long long)segments, (unsigned long long)events, (unsigned long long)reg, a, b);
  return 0;
}

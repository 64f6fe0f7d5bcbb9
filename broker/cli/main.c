/* hearth: the command-line front end. Each subcommand parses its options, calls a driver and
 * reports. No work happens here beyond that. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "connector.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "hr_time.h"
#include "kafka.h"
#include "link.h"
#include "run_config.h"
#include "state.h"
#include "store.h"
#include "replay.h"
#include "rules.h"
#include "synth.h"

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "0.1.0"
#endif
#ifndef HR_SYNTH_DEFAULT_LA
#define HR_SYNTH_DEFAULT_LA "E09000007" /* the default LA the synthetic data is built for */
#endif
#ifndef HEARTH_SOURCE_DIR
#define HEARTH_SOURCE_DIR "."
#endif

static const char usage_main[] =
    "Hearth: a cross-agency early-help alert broker for local authorities.\n"
    "\n"
    "usage: hearth COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  replay        run the core over register and feed files, writing alerts as JSON lines\n"
    "  synth         generate a synthetic LA (register, four feeds, expected alerts)\n"
    "  rules check   check rule files and report errors with file:line:col\n"
    "  rules test    run rule unit tests: register rows, events, expected alerts\n"
    "  rules backtest  replay the event archive with a new (and a baseline) rule pack: what changes\n"
    "  archive check   check every record of an event archive and print what it holds\n"
    "  devkafka      a Kafka mock cluster on loopback with Hearth's topics (development, tests)\n"
    "  ingest        parse an agency file and produce canonical records to Kafka\n"
    "  connect       agency connector services: HL7 over MLLP, HTTPS posts, CSV drop folders\n"
    "  run           the live broker: register and events from Kafka, alerts to Kafka\n"
    "  demo          everything on one machine: mock Kafka, a synthetic LA, live alerts\n"
    "  state dump    print the core's saved state (LMDB) as sorted hex lines, to compare stores\n"
    "  link          probabilistic record linkage of CSV files; link train, explain, bench\n"
    "  review        the probabilistic tier's review queue: list, accept, reject\n"
    "  config example  print every hearth run setting with its default (a config file);\n"
    "                  'config example connect' does the same for hearth connect\n"
    "  version       print the version\n"
    "\n"
    "'hearth COMMAND --help' explains a command.\n";

static const char usage_replay[] =
    "usage: hearth replay --register DIR --rules FILE --out FILE [--feed KIND=FILE]...\n"
    "                     [--deadletter FILE] [--default-la CODE] [--mh-provider ODS]...\n"
    "                     [--mh-services \"710 711 ...\"] [--link-agency-ids] [--state DIR]\n"
    "                     [--from WHEN] [--until WHEN] [--stats-json FILE] [--parse-only] [--quiet]\n"
    "                     [--archive DIR] [--link-params FILE|default]\n"
    "\n"
    "Runs Hearth's core over files: the LA register in DIR (persons.csv, relationships.csv,\n"
    "key_workers.csv, assignments.csv) and any of the four agency feeds, merged in event-time\n"
    "order (REFERENCE.md section 6), and writes one JSON alert per line to --out ('-' = stdout).\n"
    "\n"
    "  --feed KIND=FILE   KIND is custody (JSON lines), inpatient (HL7 v2 messages), attendance\n"
    "                     (CSV) or nrpf (CSV). Repeat for each feed; any may be left out; the same\n"
    "                     kind may be given twice (a redelivery changes nothing).\n"
    "  --deadletter FILE  write records that cannot be used, with the reason, as JSON lines\n" HR_CLI_ENGINE_USAGE
    "  --state DIR        keep the core's state in an LMDB store in DIR: loaded before the run,\n"
    "                     saved after it, so a later replay of newer files carries on from it\n"
    "  --quiet            no summary on stderr\n"
    "  --from WHEN        apply only events at or after WHEN (a date, UK midnight, or ISO time)\n"
    "  --until WHEN       apply only events before WHEN\n"
    "  --stats-json FILE  write run figures (events/s, peak RSS, persons) as one JSON object\n"
    "  --parse-only       read and merge the feeds but apply nothing (a benchmark baseline)\n"
    "  --archive DIR      append every register record and event applied to the event archive in\n"
    "                     DIR (created if missing); what it already holds is not added again\n"
    "                     (broker/archive/README.md); 'hearth rules backtest' reads it\n"
    "\n"
    "Exit status: 0 when the replay ran (bad records are dead-lettered, not fatal); 1 when it\n"
    "could not run (missing file, bad rules); 2 for bad usage.\n";

static const char usage_synth[] =
    "usage: hearth synth --out DIR [--families N] [--seed S] [--weeks W] [--clean] [--messy]\n"
    "                    [--no-expected]\n"
    "\n"
    "Writes a deterministic synthetic LA to DIR: register/*.csv and feeds/ in the REFERENCE\n"
    "formats, then DIR/expected.jsonl: the alerts the reference pack must raise, computed by the\n"
    "independent oracle in tests/oracle/ (python3; set HEARTH_ORACLE to its path when Hearth is\n"
    "installed away from its source tree).\n"
    "\n"
    "  --families N   families to generate (default 2000)\n"
    "  --seed S       random seed (default 1); the same seed gives byte-identical files\n"
    "  --weeks W      school weeks in the term (default 15)\n"
    "  --clean        no deliberately bad records (for benchmarks)\n"
    "  --messy        agency records as agencies really write them, to test identity\n"
    "                 resolution (hearth replay --link-params): custody, inpatient and NRPF\n"
    "                 records lose NHS numbers and get typos, nicknames, day and month swapped,\n"
    "                 a wrong date field and postcodes from a move; the register gains people\n"
    "                 with another's name and birthday. Beside them, the truth: DIR/truth/feeds/\n"
    "                 (the same records, each naming its person correctly), DIR/truth/records.csv\n"
    "                 (feed,record_id,sender,person_id,changes: who each messy record really is\n"
    "                 and what was changed), and DIR/expected.jsonl computed over the truth: the\n"
    "                 alerts a perfect identity resolution would raise\n"
    "  --no-expected  do not run the oracle\n";

static const char usage_rules[] =
    "usage: hearth rules check FILE...\n"
    "       hearth rules test [--rules PACK] [--verbose] FILE...\n"
    "       hearth rules backtest --archive DIR --rules NEW [--baseline OLD] [--from D] [--to D] ...\n"
    "\n"
    "check: compiles each rule file and reports the first error in each as file:line:col: message.\n"
    "Exit status 0 when every file is valid.\n"
    "test: runs rule unit tests (register rows, events, expected alerts; rules/README.md) through\n"
    "the engine and prints a diff for each failing test ('hearth rules test --help').\n"
    "backtest: replays the event archive with a new and a baseline pack and reports what the change\n"
    "adds and removes ('hearth rules backtest --help').\n";

static const char usage_devkafka[] =
    "usage: hearth devkafka [--brokers N] [--partitions N] [--control FIFO|-]\n"
    "\n"
    "Starts librdkafka's mock cluster on loopback with the topics hearth.register.v1,\n"
    "hearth.events.v1, hearth.alerts.v1 and hearth.deadletter.v1, prints the bootstrap servers as\n"
    "the first line of standard output, and runs until SIGINT or SIGTERM. It speaks the real Kafka\n"
    "protocol: kcat and other clients can use it. A mock partition keeps only a few MB, so\n"
    "consumers must keep up with producers.\n"
    "\n"
    "  --brokers N      brokers in the cluster (default 3)\n"
    "  --partitions N   partitions per topic (default 6)\n"
    "  --control PATH   read fault-injection commands, one per line, from the FIFO PATH (created\n"
    "                   if missing) or from standard input for -; each is answered on standard\n"
    "                   output with \"ok ...\" or \"error ...\":\n"
    "                     down B | up B             broker B (1..N) refuses connections / serves again\n"
    "                     rtt B MS                  broker B answers MS milliseconds late\n"
    "                     errors REQUEST COUNT ERR  the next COUNT requests of a kind fail with the\n"
    "                                               broker error ERR (e.g. NOT_LEADER_FOR_PARTITION);\n"
    "                                               REQUEST: produce, fetch, listoffsets, metadata,\n"
    "                                               offsetcommit, offsetfetch, findcoordinator,\n"
    "                                               apiversions, initproducerid\n"
    "                     clear REQUEST             drop the errors still queued for that kind\n";

static const char usage_ingest[] =
    "usage: hearth ingest KIND --brokers HOST:PORT[,...] [-X key=value]... [FILE|-]\n"
    "       hearth ingest feeds --brokers HOST:PORT[,...] --feed KIND=FILE... [-X key=value]...\n"
    "\n"
    "Parses an agency file (REFERENCE formats) and produces canonical protobuf records to Kafka:\n"
    "events to hearth.events.v1, register records to hearth.register.v1, records that cannot be\n"
    "used to hearth.deadletter.v1 with their reason. The producer is idempotent (acks=all).\n"
    "Exit status 0 when the cluster acknowledged every message, 1 otherwise (nothing accepted is\n"
    "dropped silently), 2 for bad usage. Bad records are not a failure: they are dead-lettered.\n"
    "\n"
    "  KIND        register (FILE: the register directory, or one of its CSVs), custody,\n"
    "              inpatient, attendance or nrpf\n"
    "  feeds       several feeds (--feed KIND=FILE, as hearth replay takes them) merged in event-time\n"
    "              order and produced in that order, as a live system receives them;\n"
    "              --rate N paces them at N events per second (a realistic stream)\n"
    "  FILE        the file to read; '-' or nothing reads standard input\n"
    "  -X k=v      a librdkafka property, passed through verbatim (e.g. security.protocol=ssl)\n";

static const char usage_run[] =
    "usage: hearth run [--config FILE] [--brokers HOST:PORT[,...]] [--state DIR] [--rules FILE]\n"
    "                  [--default-la CODE] [--group ID] [--commit-ms N] [-X key=value]...\n"
    "\n"
    "The live broker. Consumes hearth.register.v1 (to its end before any event, so events meet a\n"
    "complete register) and hearth.events.v1, applies each event through the core and produces\n"
    "alerts to hearth.alerts.v1 (key = la_code). State and the consumed offsets are saved together\n"
    "in the LMDB store every commit_ms, after the cluster acknowledged every alert of the batch:\n"
    "after a crash it resumes from the last save and raises the same alerts with the same ids,\n"
    "never fewer. Messages it cannot use go to hearth.deadletter.v1. Stops on SIGINT or SIGTERM.\n"
    "\n"
    "  --config FILE  settings as 'key = value' lines; every key and its default is in\n"
    "                 deploy/hearth.conf.example ('hearth config example' prints it). Options\n"
    "                 given on the command line override the file.\n"
    "  -X k=v         a librdkafka property for both clients, verbatim (as kafka.k = v in the file)\n"
    "  --print        also print each alert as a readable line on standard output\n"
    "  --grace-ms N   reorder grace (grace_ms): agreement with replay for N ms of latency\n"
    "  --archive DIR  (archive_dir) append every register record and event applied to the event\n"
    "                 archive in DIR, synced before each save; hearth rules backtest reads it\n"
    "  --stop-after N save and stop once N events were applied (tests, benchmarks, batch catch-up)\n"
    "  --watch-rules  (rules_watch) reload the rule pack whenever its file changes; SIGHUP always\n"
    "                 reloads it. A pack that fails its checks is refused, with its error logged,\n"
    "                 and the running pack kept; a good one takes effect from the next event\n";

/* A whole decimal number, all of s; 0 or -1. */
static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-') return -1;
  *out = v;
  return 0;
}

static int cmd_run(int argc, char **argv) {
  static const struct option opts[] = {{"config", required_argument, 0, 'C'},
                                       {"brokers", required_argument, 0, 'b'},
                                       {"state", required_argument, 0, 's'},
                                       {"rules", required_argument, 0, 'R'},
                                       {"default-la", required_argument, 0, 'l'},
                                       {"group", required_argument, 0, 'g'},
                                       {"commit-ms", required_argument, 0, 'c'},
                                       {"print", no_argument, 0, 'p'},
                                       {"grace-ms", required_argument, 0, 'G'},
                                       {"archive", required_argument, 0, 'A'},
                                       {"stop-after", required_argument, 0, 'S'},
                                       {"watch-rules", no_argument, 0, 'W'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int print_alerts = 0;
  uint64_t stop_after = 0;
  hr_run_settings set;
  memset(&set, 0, sizeof set);
  hr_cfg_extra extra;
  memset(&extra, 0, sizeof extra);
  char err[1024];
  if (hr_cfg_defaults(hr_run_config_keys, hr_run_config_nkeys, &set, &extra, err, sizeof err)) {
    fprintf(stderr, "hearth run: %s\n", err);
    return 1;
  }
  /* The file first, then the command line over it. */
  const char *config = NULL;
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--config") == 0) config = argv[i + 1];
  int rc = 0;
  if (config && hr_cfg_load(hr_run_config_keys, hr_run_config_nkeys, HR_RUN_CONFIG_PREFIX, config, &set, &extra, err,
                            sizeof err)) {
    fprintf(stderr, "hearth run: %s\n", err);
    hr_cfg_free(&extra);
    return 1;
  }
  hr_kafka_props props = {{0}, 0};
  for (size_t i = 0; i < extra.npassthrough && props.n < 64; i++)
    props.kv[props.n++] = extra.passthrough[i];
  int c;
  while (!rc && (c = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
    const char *key = NULL, *val = optarg;
    switch (c) {
    case 'C': break;
    case 'p': print_alerts = 1; break;
    case 'S':
      if (parse_u64(optarg, &stop_after) || !stop_after) {
        fprintf(stderr, "hearth run: --stop-after takes a positive number of events, not '%s'\n", optarg);
        rc = 2;
      }
      break;
    case 'b': key = "brokers"; break;
    case 's': key = "state_dir"; break;
    case 'R': key = "rules"; break;
    case 'l': key = "default_la"; break;
    case 'g': key = "group"; break;
    case 'c': key = "commit_ms"; break;
    case 'G': key = "grace_ms"; break;
    case 'A': key = "archive_dir"; break;
    case 'W': key = "rules_watch", val = "true"; break;
    case 'X':
      if (props.n == sizeof props.kv / sizeof props.kv[0])
        rc = 2;
      else
        props.kv[props.n++] = optarg;
      break;
    case 'h':
      fputs(usage_run, stdout);
      hr_cfg_free(&extra);
      return 0;
    default: rc = 2; break;
    }
    if (key && hr_cfg_set(hr_run_config_keys, hr_run_config_nkeys, key, val, &set, &extra, err, sizeof err)) {
      fprintf(stderr, "hearth run: %s\n", err);
      rc = 2;
    }
  }
  if (!rc && (optind < argc || !set.brokers || !set.state_dir || !set.rules)) {
    fprintf(stderr, "hearth run: brokers, state_dir and rules must be set (in --config or as options)\n\n");
    rc = 2;
  }
  if (rc) {
    fputs(usage_run, stderr);
    hr_cfg_free(&extra);
    return rc;
  }
  hr_rulepack *rules = hr_rulepack_load(set.rules, err, sizeof err);
  if (!rules) {
    fprintf(stderr, "hearth run: %s\n", err);
    hr_cfg_free(&extra);
    return 1;
  }
  hr_run_opts o;
  memset(&o, 0, sizeof o);
  o.brokers = set.brokers;
  o.state_dir = set.state_dir;
  o.group = set.group;
  o.rules = rules;
  o.rules_path = set.rules;
  o.rules_watch = set.rules_watch;
  o.commit_ms = set.commit_ms;
  o.engine.default_la = set.default_la && *set.default_la ? set.default_la : NULL;
  o.engine.mh_services = set.mh_services;
  o.engine.mh_providers = set.mh_providers;
  o.engine.link_agency_ids = set.link_agency_ids;
  static hr_link_params link_params; /* borrowed by the engine for the whole run */
  if (set.link_params && *set.link_params) {
    if (hr_cli_link_params_load(set.link_params, &link_params)) {
      hr_cfg_free(&extra);
      return 1;
    }
    o.engine.link_params = &link_params;
  }
  o.props = &props;
  o.print_alerts = print_alerts;
  o.grace_ms = set.grace_ms;
  o.stop_after_events = stop_after;
  o.archive_dir = set.archive_dir && *set.archive_dir ? set.archive_dir : NULL;
  hr_run_stats st;
  hr_tune_allocator(); /* before the clients start their threads */
  rc = hr_run(&o, &st, err, sizeof err);
  fprintf(stderr,
          "hearth run: %llu register records, %llu events, %llu alerts, %llu dead letters, %llu saves, "
          "%llu rule reloads (%llu refused)\n",
          (unsigned long long)st.register_records, (unsigned long long)st.events, (unsigned long long)st.alerts,
          (unsigned long long)st.deadletters, (unsigned long long)st.commits, (unsigned long long)st.rule_reloads,
          (unsigned long long)st.rule_reload_failures);
  if (rc) fprintf(stderr, "hearth run: %s\n", err);
  hr_rulepack_free(rules);
  hr_cfg_free(&extra);
  return rc ? 1 : 0;
}

static int dump_entry(void *ud, const void *k, size_t kl, const void *v, size_t vl) {
  (void)ud;
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = k;
  for (size_t i = 0; i < kl; i++)
    putchar(hex[p[i] >> 4]), putchar(hex[p[i] & 15]);
  putchar(' ');
  p = v;
  for (size_t i = 0; i < vl; i++)
    putchar(hex[p[i] >> 4]), putchar(hex[p[i] & 15]);
  putchar('\n');
  return 0;
}

/* hearth state dump DIR: the engine's state entries in key order (not the register or offsets),
 * so that two stores can be compared: equal dumps mean equal state. */
static int cmd_state(int argc, char **argv) {
  if (argc != 3 || strcmp(argv[1], "dump") != 0) {
    fprintf(stderr,
            "usage: hearth state dump DIR\n\nPrints the core's saved state in DIR (hearth run --state, hearth replay\n"
            "--state) as one 'key value' line of hex per entry, in key order.\n");
    return 2;
  }
  char err[512];
  hr_store *st;
  if (hr_store_open(argv[2], 0, &st, err, sizeof err)) {
    fprintf(stderr, "hearth state: %s\n", err);
    return 1;
  }
  hr_txn *t;
  int rc = hr_store_begin(st, 0, &t);
  if (!rc) {
    rc = hr_txn_foreach(t, HR_TABLE_STATE, dump_entry, NULL);
    hr_txn_abort(t);
  }
  if (rc) fprintf(stderr, "hearth state: %s: %s\n", argv[2], hr_store_last_error(st));
  hr_store_close(st);
  return rc ? 1 : 0;
}

static int cmd_devkafka(int argc, char **argv) {
  static const struct option opts[] = {{"brokers", required_argument, 0, 'b'},
                                       {"partitions", required_argument, 0, 'p'},
                                       {"control", required_argument, 0, 'c'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int brokers = 3, partitions = 6, c;
  const char *control = NULL;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'b': brokers = atoi(optarg); break;
    case 'p': partitions = atoi(optarg); break;
    case 'c': control = optarg; break;
    case 'h': fputs(usage_devkafka, stdout); return 0;
    default: fputs(usage_devkafka, stderr); return 2;
    }
  }
  if (optind < argc || brokers < 1 || brokers > 16 || partitions < 1 || partitions > 256) {
    fprintf(stderr, "hearth devkafka: --brokers must be 1 to 16 and --partitions 1 to 256\n\n%s", usage_devkafka);
    return 2;
  }
  return hr_devkafka_main(brokers, partitions, control);
}

static int parse_kind(const char *s, size_t n, hr_input_kind *k);

static int cmd_ingest(int argc, char **argv) {
  static const struct option opts[] = {{"brokers", required_argument, 0, 'b'},
                                       {"feed", required_argument, 0, 'f'},
                                       {"rate", required_argument, 0, 'r'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  uint64_t rate = 0;
  const char *brokers = NULL;
  hr_kafka_props props = {{0}, 0};
  hr_replay_feed feeds[HR_REPLAY_MAX_FEEDS];
  size_t nfeeds = 0;
  int c;
  while ((c = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
    switch (c) {
    case 'b': brokers = optarg; break;
    case 'r':
      if (parse_u64(optarg, &rate)) {
        fprintf(stderr, "hearth ingest: --rate takes events per second, a whole number, not '%s'\n", optarg);
        return 2;
      }
      break;
    case 'f': {
      const char *eq = strchr(optarg, '=');
      if (!eq || nfeeds == HR_REPLAY_MAX_FEEDS || parse_kind(optarg, (size_t)(eq - optarg), &feeds[nfeeds].kind)) {
        fprintf(stderr, "hearth ingest: --feed %s: expected KIND=FILE (custody, inpatient, attendance, nrpf)\n",
                optarg);
        return 2;
      }
      feeds[nfeeds++].path = eq + 1;
      break;
    }
    case 'X':
      if (props.n == sizeof props.kv / sizeof props.kv[0]) {
        fprintf(stderr, "hearth ingest: too many -X properties\n");
        return 2;
      }
      props.kv[props.n++] = optarg;
      break;
    case 'h': fputs(usage_ingest, stdout); return 0;
    default: fputs(usage_ingest, stderr); return 2;
    }
  }
  if (optind >= argc || !brokers || argc - optind > 2) {
    fprintf(stderr, "hearth ingest: KIND and --brokers are required\n\n%s", usage_ingest);
    return 2;
  }
  const char *kind = argv[optind], *path = optind + 1 < argc ? argv[optind + 1] : "-";
  char err[1024];
  hr_ingest_stats st;
  int merged = strcmp(kind, "feeds") == 0;
  if (merged != (nfeeds > 0) || (merged && optind + 1 < argc)) {
    fprintf(stderr, "hearth ingest: --feed goes with KIND 'feeds' (and no FILE)\n\n%s", usage_ingest);
    return 2;
  }
  if (merged) path = "(merged feeds)";
  int rc = merged ? hr_ingest_feeds(feeds, nfeeds, brokers, &props, rate, &st, err, sizeof err)
                  : hr_ingest(kind, path, brokers, &props, &st, err, sizeof err);
  if (rc == HR_EINVAL && st.records == 0 && st.deadletters == 0) {
    fprintf(stderr, "hearth ingest: %s\n", err);
    return strstr(err, "unknown kind") ? 2 : 1;
  }
  fprintf(stderr, "hearth ingest: %s %s: %llu records, %llu dead letters; %llu delivered, %llu not delivered\n", kind,
          path, (unsigned long long)st.records, (unsigned long long)st.deadletters, (unsigned long long)st.delivered,
          (unsigned long long)st.failed);
  if (rc) fprintf(stderr, "hearth ingest: %s\n", err);
  return rc ? 1 : 0;
}

static int parse_kind(const char *s, size_t n, hr_input_kind *k) {
  static const struct {
    const char *name;
    hr_input_kind kind;
  } kinds[] = {{"custody", HR_INPUT_CUSTODY},
               {"inpatient", HR_INPUT_INPATIENT},
               {"attendance", HR_INPUT_ATTENDANCE},
               {"nrpf", HR_INPUT_NRPF}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0) {
      *k = kinds[i].kind;
      return 0;
    }
  return -1;
}

/* 1 when path does not exist or is a regular file: only those may be replaced by a rename. */
static int is_regular_or_absent(const char *path) {
  struct stat sb;
  return stat(path, &sb) != 0 || S_ISREG(sb.st_mode);
}

static int cmd_replay(int argc, char **argv) {
  static const struct option opts[] = {{"register", required_argument, 0, 'r'},
                                       {"feed", required_argument, 0, 'f'},
                                       {"rules", required_argument, 0, 'R'},
                                       {"out", required_argument, 0, 'o'},
                                       {"deadletter", required_argument, 0, 'd'},
                                       HR_CLI_ENGINE_LONGOPTS,
                                       {"quiet", no_argument, 0, 'q'},
                                       {"stats-json", required_argument, 0, 'J'},
                                       {"parse-only", no_argument, 0, 'P'},
                                       {"state", required_argument, 0, 'S'},
                                       {"from", required_argument, 0, 'F'},
                                       {"until", required_argument, 0, 'U'},
                                       {"archive", required_argument, 0, 'A'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  hr_replay_opts o;
  memset(&o, 0, sizeof o);
  const char *rules_path = NULL, *out_path = NULL, *dl_path = NULL, *stats_path = NULL;
  static hr_cli_engine_opts eo; /* borrowed by the engine for the whole replay */
  int quiet = 0, c, e;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if ((e = hr_cli_engine_option(c, optarg, &o.engine, &eo, "hearth replay"))) {
      if (e < 0) return e == HR_CLI_BAD_USAGE ? 2 : 1;
      continue;
    }
    switch (c) {
    case 'r': o.register_dir = optarg; break;
    case 'f': {
      const char *eq = strchr(optarg, '=');
      hr_input_kind kind;
      if (!eq || parse_kind(optarg, (size_t)(eq - optarg), &kind)) {
        fprintf(stderr,
                "hearth replay: --feed %s: expected KIND=FILE with KIND custody, inpatient, attendance or nrpf\n",
                optarg);
        return 2;
      }
      if (o.nfeeds == HR_REPLAY_MAX_FEEDS) {
        fprintf(stderr, "hearth replay: at most %d --feed options\n", HR_REPLAY_MAX_FEEDS);
        return 2;
      }
      o.feeds[o.nfeeds].kind = kind;
      o.feeds[o.nfeeds++].path = eq + 1;
      break;
    }
    case 'R': rules_path = optarg; break;
    case 'o': out_path = optarg; break;
    case 'd': dl_path = optarg; break;
    case 'q': quiet = 1; break;
    case 'J': stats_path = optarg; break;
    case 'P': o.parse_only = 1; break;
    case 'S': o.state_dir = optarg; break;
    case 'A': o.archive_dir = optarg; break;
    case 'F':
    case 'U': {
      int64_t t;
      int32_t d;
      if (hr_parse_iso_instant(optarg, strlen(optarg), &t) != 0) {
        if (hr_parse_date(optarg, strlen(optarg), &d) != 0) {
          fprintf(stderr, "hearth replay: --%s %s: expected a date (YYYY-MM-DD) or an ISO 8601 time\n",
                  c == 'F' ? "from" : "until", optarg);
          return 2;
        }
        t = hr_uk_instant_of(d, 0, 0);
      }
      if (c == 'F')
        o.from_us = t;
      else
        o.until_us = t;
      break;
    }
    case 'h': fputs(usage_replay, stdout); return 0;
    default: fputs(usage_replay, stderr); return 2;
    }
  }
  if (optind < argc || !o.register_dir || !rules_path || !out_path) {
    fprintf(stderr, "hearth replay: %s\n\n%s",
            optind < argc ? "unexpected argument" : "--register, --rules and --out are required", usage_replay);
    return 2;
  }
  char err[1024];
  hr_rulepack *rules = hr_rulepack_load(rules_path, err, sizeof err);
  if (!rules) {
    fprintf(stderr, "hearth replay: %s\n", err);
    return 1;
  }
  o.rules = rules;
  /* Output is written to FILE.partial and renamed into place only when the run succeeded, so a
   * file that exists is always complete. An existing device or pipe (/dev/null, a FIFO) is written directly: never
   * renamed over. */
  char out_tmp[4096], dl_tmp[4096];
  int to_stdout = strcmp(out_path, "-") == 0;
  int out_direct = to_stdout || !is_regular_or_absent(out_path);
  int dl_direct = dl_path && !is_regular_or_absent(dl_path);
  snprintf(out_tmp, sizeof out_tmp, "%s%s", out_path, out_direct ? "" : ".partial");
  if (dl_path) snprintf(dl_tmp, sizeof dl_tmp, "%s%s", dl_path, dl_direct ? "" : ".partial");
  FILE *out = to_stdout ? stdout : fopen(out_tmp, "w");
  FILE *dl = dl_path ? fopen(dl_tmp, "w") : NULL;
  if (!out || (dl_path && !dl)) {
    fprintf(stderr, "hearth replay: cannot create %s: %s\n", !out ? out_path : dl_path, strerror(errno));
    if (out && !to_stdout) {
      fclose(out);
      if (!out_direct) unlink(out_tmp);
    }
    hr_rulepack_free(rules);
    return 1;
  }
  o.alerts = out;
  o.deadletters = dl;
  hr_replay_summary sum;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = hr_replay_run(&o, &sum, err, sizeof err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int close_err = 0;
  if (!to_stdout && fclose(out)) close_err = 1;
  if (to_stdout && fflush(stdout)) close_err = 1;
  if (dl && fclose(dl)) close_err = 1;
  int ok = !rc && !close_err;
  if (!out_direct && (ok ? rename(out_tmp, out_path) : unlink(out_tmp)) && ok) close_err = 1;
  if (dl && !dl_direct && (ok ? rename(dl_tmp, dl_path) : unlink(dl_tmp)) && ok) close_err = 1;
  if (rc)
    fprintf(stderr, "hearth replay: %s\n", err);
  else if (close_err)
    fprintf(stderr, "hearth replay: could not write the output: %s\n", strerror(errno));
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  uint64_t total = sum.events_by_feed[1] + sum.events_by_feed[2] + sum.events_by_feed[3] + sum.events_by_feed[4];
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  if (!quiet || rc) {
    hr_replay_summary_print(&sum, rules, stderr);
    if (o.engine.link_params)
      fprintf(stderr,
              "probabilistic tier: %llu linked (%llu by a reviewer's decision), %llu for review, %llu ambiguous (left "
              "unmatched), %llu review cases opened, %llu candidates passed over as rejected\n",
              (unsigned long long)sum.engine.matched_by_tier[5], (unsigned long long)sum.engine.link_by_decision,
              (unsigned long long)sum.engine.link_review, (unsigned long long)sum.engine.link_ambiguous,
              (unsigned long long)sum.engine.review_cases, (unsigned long long)sum.engine.link_rejected);
    fprintf(stderr, "time: %.3f s (%.0f events/s); peak RSS %ld KiB; engine state %zu KiB\n", secs,
            secs > 0 ? (double)total / secs : 0.0, ru.ru_maxrss, sum.engine_bytes / 1024);
  }
  if (stats_path && !rc) {
    FILE *sf = fopen(stats_path, "w");
    if (sf) {
      fprintf(sf,
              "{\"events\":%llu,\"seconds\":%.6f,\"events_per_s\":%.0f,\"peak_rss_bytes\":%lld,"
              "\"persons\":%llu,\"engine_bytes\":%zu,\"alerts\":%llu,\"deadletters\":%llu,\"parse_only\":%s}\n",
              (unsigned long long)total, secs, secs > 0 ? (double)total / secs : 0.0, (long long)ru.ru_maxrss * 1024,
              (unsigned long long)sum.engine.persons, sum.engine_bytes, (unsigned long long)sum.engine.alerts,
              (unsigned long long)sum.deadletters, o.parse_only ? "true" : "false");
      fclose(sf);
    }
  }
  hr_replay_summary_free(&sum);
  hr_rulepack_free(rules);
  return rc || close_err ? 1 : 0;
}

/* With --messy the oracle reads the truth feeds: the alerts of a perfect identity resolution. */
static int run_oracle(const char *dir, int messy) {
  const char *oracle = getenv("HEARTH_ORACLE");
  char path[4096];
  if (!oracle) {
    snprintf(path, sizeof path, "%s/tests/oracle/reference_oracle.py", HEARTH_SOURCE_DIR);
    oracle = path;
  }
  if (access(oracle, R_OK) != 0) {
    fprintf(stderr, "hearth synth: the oracle %s is not readable; set HEARTH_ORACLE or use --no-expected\n", oracle);
    return 1;
  }
  char reg[4096], cu[4096], in[4096], at[4096], nr[4096], out[4096];
  snprintf(reg, sizeof reg, "%s/register", dir);
  const char *truth = messy ? "/truth" : "";
  snprintf(cu, sizeof cu, "custody=%s%s/feeds/custody.jsonl", dir, truth);
  snprintf(in, sizeof in, "inpatient=%s%s/feeds/inpatient.hl7", dir, truth);
  snprintf(at, sizeof at, "attendance=%s/feeds/attendance.csv", dir);
  snprintf(nr, sizeof nr, "nrpf=%s%s/feeds/nrpf.csv", dir, truth);
  snprintf(out, sizeof out, "%s/expected.jsonl", dir);
  char *const args[] = {"python3",
                        (char *)oracle,
                        "--register",
                        reg,
                        "--feed",
                        cu,
                        "--feed",
                        in,
                        "--feed",
                        at,
                        "--feed",
                        nr,
                        "--default-la",
                        (char *)HR_SYNTH_DEFAULT_LA,
                        "--out",
                        out,
                        NULL};
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execvp("python3", args);
    fprintf(stderr, "hearth synth: cannot run python3: %s\n", strerror(errno));
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "hearth synth: the oracle failed\n");
    return 1;
  }
  return 0;
}

static int cmd_synth(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                       {"families", required_argument, 0, 'n'},
                                       {"seed", required_argument, 0, 's'},
                                       {"weeks", required_argument, 0, 'w'},
                                       {"clean", no_argument, 0, 'c'},
                                       {"no-expected", no_argument, 0, 'x'},
                                       {"messy", no_argument, 0, 'm'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  hr_synth_opts o;
  memset(&o, 0, sizeof o);
  o.families = 2000;
  o.seed = 1;
  int expected = 1, c;
  char *end;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'o': o.out_dir = optarg; break;
    case 'n':
      errno = 0;
      o.families = (uint32_t)strtoul(optarg, &end, 10);
      if (errno || *end || o.families == 0 || o.families > 2000000) {
        fprintf(stderr, "hearth synth: --families must be 1 to 2000000\n");
        return 2;
      }
      break;
    case 's':
      errno = 0;
      o.seed = strtoull(optarg, &end, 10);
      if (errno || *end) {
        fprintf(stderr, "hearth synth: --seed must be a whole number\n");
        return 2;
      }
      break;
    case 'w':
      o.weeks = atoi(optarg);
      if (o.weeks < 1 || o.weeks > 52) {
        fprintf(stderr, "hearth synth: --weeks must be 1 to 52\n");
        return 2;
      }
      break;
    case 'c': o.clean = 1; break;
    case 'm': o.messy = 1; break;
    case 'x': expected = 0; break;
    case 'h': fputs(usage_synth, stdout); return 0;
    default: fputs(usage_synth, stderr); return 2;
    }
  }
  if (!o.out_dir || optind < argc) {
    fprintf(stderr, "hearth synth: --out DIR is required\n\n%s", usage_synth);
    return 2;
  }
  char err[1024];
  hr_synth_stats st;
  if (hr_synth_generate(&o, &st, err, sizeof err)) {
    fprintf(stderr, "hearth synth: %s\n", err);
    return 1;
  }
  fprintf(stderr,
          "hearth synth: %s: %llu persons, %llu relationships, %llu custody, %llu inpatient, %llu attendance, %llu "
          "nrpf records (%llu deliberately bad)\n",
          o.out_dir, (unsigned long long)st.persons, (unsigned long long)st.relationships,
          (unsigned long long)st.custody, (unsigned long long)st.inpatient, (unsigned long long)st.attendance,
          (unsigned long long)st.nrpf, (unsigned long long)st.bad_records);
  if (o.messy) {
    fprintf(stderr, "hearth synth: messy: %llu agency records, %llu register namesakes;",
            (unsigned long long)st.messy_records, (unsigned long long)st.namesakes);
    for (int k = 0; hr_synth_mess_name(k); k++)
      fprintf(stderr, " %s %llu", hr_synth_mess_name(k), (unsigned long long)st.mess[k]);
    fprintf(stderr, "\n");
  }
  return expected ? run_oracle(o.out_dir, o.messy) : 0;
}

static int cmd_rules(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "test") == 0) return hr_cli_rules_test(argc - 1, argv + 1);
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "check") != 0) {
    fputs(usage_rules, argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
  }
  if (argc < 3) {
    fputs(usage_rules, stderr);
    return 2;
  }
  int bad = 0;
  for (int i = 2; i < argc; i++) {
    char err[1024];
    hr_rulepack *p = hr_rulepack_load(argv[i], err, sizeof err);
    if (!p) {
      fprintf(stderr, "%s\n", err);
      bad = 1;
      continue;
    }
    printf("%s: ok: pack '%s', %u rules, sha256 %s\n", argv[i], hr_rulepack_name(p), hr_rulepack_count(p),
           hr_rulepack_checksum(p));
    hr_rulepack_free(p);
  }
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage_main, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("hearth %s\n", HEARTH_VERSION);
    return 0;
  }
  if (strcmp(cmd, "replay") == 0) return cmd_replay(argc - 1, argv + 1);
  if (strcmp(cmd, "synth") == 0) return cmd_synth(argc - 1, argv + 1);
  if (strcmp(cmd, "rules") == 0 && argc >= 3 && strcmp(argv[2], "backtest") == 0)
    return hr_cli_backtest(argc - 2, argv + 2);
  if (strcmp(cmd, "rules") == 0) return cmd_rules(argc - 1, argv + 1);
  if (strcmp(cmd, "archive") == 0) return hr_cli_archive(argc - 1, argv + 1);
  if (strcmp(cmd, "devkafka") == 0) return cmd_devkafka(argc - 1, argv + 1);
  if (strcmp(cmd, "ingest") == 0) return cmd_ingest(argc - 1, argv + 1);
  if (strcmp(cmd, "run") == 0) return cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "demo") == 0) return hr_cli_demo(argc - 1, argv + 1);
  if (strcmp(cmd, "link") == 0) return hr_cli_link(argc - 1, argv + 1);
  if (strcmp(cmd, "review") == 0) return hr_cli_review(argc - 1, argv + 1);
  if (strcmp(cmd, "connect") == 0) return hr_cli_connect(argc - 1, argv + 1);
  if (strcmp(cmd, "state") == 0) return cmd_state(argc - 1, argv + 1);
  if (strcmp(cmd, "config") == 0 && argc == 4 && strcmp(argv[2], "example") == 0 && strcmp(argv[3], "connect") == 0)
    return hr_cli_connect_config_example();
  if (strcmp(cmd, "config") == 0 && argc == 3 && strcmp(argv[2], "example") == 0) {
    hr_buf b = {0};
    hr_cfg_document(hr_run_config_keys, hr_run_config_nkeys, "hearth run configuration (hearth run --config FILE)",
                    HR_RUN_CONFIG_PREFIX_NOTE, &b);
    fputs(b.data, stdout);
    hr_buf_free(&b);
    return 0;
  }
  fprintf(stderr, "hearth: unknown command '%s'\n\n%s", cmd, usage_main);
  return 2;
}

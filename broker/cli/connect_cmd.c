/* connect_cmd: `hearth connect KIND ...`, the agency connector services (broker/connect). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "connect.h"
#include "connect_config.h"
#include "hr_buf.h"
#include "hr_err.h"

static const char usage_connect[] =
    "usage: hearth connect inpatient --listen HOST:PORT --brokers B [TLS options] [options]\n"
    "       hearth connect custody|nrpf --listen HOST:PORT --brokers B [TLS options] [options]\n"
    "       hearth connect attendance|nrpf|register --watch DIR --brokers B [options]\n"
    "\n"
    "Agency connector services: what agencies send becomes canonical records on Kafka\n"
    "(hearth.events.v1, bad records on hearth.deadletter.v1, register rows on hearth.register.v1),\n"
    "and the sender is answered only once Kafka has them. broker/connect/README.md has the details.\n"
    "\n"
    "  inpatient      HL7 v2 ADT over MLLP. Each message is answered with an HL7 ACK: AA once the\n"
    "                 event is on Kafka; AE with the reason (MSA-3, ERR) when the message cannot be\n"
    "                 used; AR when it is not ADT or could not be stored (send it again).\n"
    "  custody, nrpf  HTTPS: POST one JSON record or a JSON array of them; 202 once every record is\n"
    "                 on Kafka, 400 with a reason per bad record (then nothing is taken).\n"
    "  attendance, nrpf, register (--watch DIR)\n"
    "                 drop folder: each CSV file put in DIR is produced exactly once (checkpointed\n"
    "                 by file identity and line), then moved to DIR/done; a file with bad lines goes\n"
    "                 to DIR/failed with DIR/failed/NAME.report.jsonl naming each bad line.\n"
    "\n"
    "  --config FILE        settings (hearth config example connect lists them); options override\n"
    "  --brokers B          Kafka bootstrap servers\n"
    "  --listen HOST:PORT   listen address (port 0: any free port)\n"
    "  --cert FILE --key FILE   server certificate and key (PEM): TLS\n"
    "  --client-ca FILE     require client certificates signed by this CA (mutual TLS); the\n"
    "                       certificate's subject CN is the agency identity of what it sends\n"
    "  --allow CN           an agency identity allowed to send (repeat); default: any the CA signed\n"
    "  --agency NAME        identity of records when no client certificate names one\n"
    "  --insecure           allow plain TCP (local tests only)\n"
    "  --idle-ms MS         close connections that complete no message for MS (default 60000)\n"
    "  --max-message BYTES  largest HL7 message or HTTP body (default 1 MiB)\n"
    "  --max-outstanding N  records awaiting Kafka before listeners stop reading (default 20000)\n"
    "  --watch DIR          drop folder\n"
    "  --state FILE         drop folder checkpoint (default DIR/.hearth-connect.state)\n"
    "  --settle-ms MS       take a dropped file once unchanged for MS (default 1000)\n"
    "  --once               drop folder: process the files there, then exit\n"
    "  --batch N            drop folder: records per checkpointed batch (default 100000)\n"
    "  --ready-file FILE    listeners: write HOST:PORT to FILE once listening\n"
    "  -X KEY=VALUE         librdkafka property for the producer\n"
    "\n"
    "Exit status: 0 after SIGINT/SIGTERM (or --once) with everything answered; 1 on a fatal error;\n"
    "2 for bad usage.\n";

int hr_cli_connect(int argc, char **argv) {
  static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                       {"brokers", required_argument, 0, 'b'},
                                       {"listen", required_argument, 0, 'l'},
                                       {"cert", required_argument, 0, 'C'},
                                       {"key", required_argument, 0, 'K'},
                                       {"client-ca", required_argument, 0, 'A'},
                                       {"allow", required_argument, 0, 'a'},
                                       {"agency", required_argument, 0, 'g'},
                                       {"insecure", no_argument, 0, 'i'},
                                       {"idle-ms", required_argument, 0, 'I'},
                                       {"max-message", required_argument, 0, 'm'},
                                       {"max-outstanding", required_argument, 0, 'o'},
                                       {"watch", required_argument, 0, 'w'},
                                       {"state", required_argument, 0, 's'},
                                       {"settle-ms", required_argument, 0, 'S'},
                                       {"once", no_argument, 0, '1'},
                                       {"batch", required_argument, 0, 'B'},
                                       {"ready-file", required_argument, 0, 'r'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_connect, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *kind = argv[1];
  hr_connect_settings set;
  memset(&set, 0, sizeof set);
  hr_cfg_extra extra;
  memset(&extra, 0, sizeof extra);
  char err[1024];
  hr_kafka_props props = {{0}, 0};
  const char *ready = NULL;
  int once = 0, rc = 2, c;
  struct {
    const char *key, *val;
  } over[64];
  size_t nover = 0;
  hr_buf allow = {0};
  const char *config = NULL;
  if (hr_cfg_defaults(hr_connect_config_keys, hr_connect_config_nkeys, &set, &extra, err, sizeof err)) goto usage_err;
  optind = 2;
  while ((c = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
    const char *key = NULL;
    switch (c) {
    case 'c': config = optarg; break;
    case 'b': key = "brokers"; break;
    case 'l': key = "listen"; break;
    case 'C': key = "tls_cert"; break;
    case 'K': key = "tls_key"; break;
    case 'A': key = "tls_client_ca"; break;
    case 'a': hr_buf_printf(&allow, "%s%s", allow.len ? " " : "", optarg); break;
    case 'g': key = "agency"; break;
    case 'i': key = "insecure", optarg = "true"; break;
    case 'I': key = "idle_timeout_ms"; break;
    case 'm': key = "max_message_bytes"; break;
    case 'o': key = "max_outstanding"; break;
    case 'w': key = "watch_dir"; break;
    case 's': key = "state_file"; break;
    case 'S': key = "settle_ms"; break;
    case 'B': key = "batch"; break;
    case '1': once = 1; break;
    case 'r': ready = optarg; break;
    case 'X':
      if (props.n == sizeof props.kv / sizeof props.kv[0]) goto usage;
      props.kv[props.n++] = optarg;
      break;
    case 'h':
      fputs(usage_connect, stdout);
      rc = 0;
      goto out;
    default: goto usage;
    }
    if (key) {
      if (nover == sizeof over / sizeof over[0]) goto usage;
      over[nover].key = key;
      over[nover++].val = optarg;
    }
  }
  if (optind < argc) goto usage;
  if (config && hr_cfg_load(hr_connect_config_keys, hr_connect_config_nkeys, HR_CONNECT_CONFIG_PREFIX, config, &set,
                            &extra, err, sizeof err)) {
    rc = 1;
    goto usage_err;
  }
  for (size_t i = 0; i < extra.npassthrough && props.n < sizeof props.kv / sizeof props.kv[0]; i++)
    props.kv[props.n++] = extra.passthrough[i];
  for (size_t i = 0; i < nover; i++)
    if (hr_cfg_set(hr_connect_config_keys, hr_connect_config_nkeys, over[i].key, over[i].val, &set, &extra, err,
                   sizeof err))
      goto usage_err;
  if (allow.len && hr_cfg_set(hr_connect_config_keys, hr_connect_config_nkeys, "allowed_agencies", allow.data, &set,
                              &extra, err, sizeof err))
    goto usage_err;
  if (!set.brokers || !*set.brokers) {
    snprintf(err, sizeof err, "--brokers (or brokers in --config) is required");
    goto usage_err;
  }
  hr_connect_opts o;
  memset(&o, 0, sizeof o);
  o.brokers = set.brokers;
  o.props = &props;
  o.listen.listen = set.listen;
  o.listen.cert = *set.tls_cert ? set.tls_cert : NULL;
  o.listen.key = *set.tls_key ? set.tls_key : NULL;
  o.listen.client_ca = *set.tls_client_ca ? set.tls_client_ca : NULL;
  o.listen.allowed = set.allowed_agencies;
  o.listen.agency = set.agency;
  o.listen.idle_ms = set.idle_timeout_ms;
  o.listen.max_conns = set.max_connections;
  o.listen.bound = (size_t)set.max_outstanding;
  o.max_message = (size_t)set.max_message_bytes;
  o.max_pending = (size_t)set.max_pending;
  o.watch_dir = set.watch_dir;
  o.state_file = set.state_file;
  o.settle_ms = set.settle_ms;
  o.batch = set.batch;
  o.once = once;
  o.ready_file = ready;
  int listener = strcmp(kind, "inpatient") == 0 ||
                 ((strcmp(kind, "custody") == 0 || strcmp(kind, "nrpf") == 0) && *set.listen && !*set.watch_dir);
  int watcher =
      !listener && (strcmp(kind, "attendance") == 0 || strcmp(kind, "nrpf") == 0 || strcmp(kind, "register") == 0);
  if (!listener && !watcher) {
    snprintf(err, sizeof err,
             "unknown connector '%s': use inpatient, custody or nrpf (--listen), or attendance, nrpf or register "
             "(--watch)",
             kind);
    goto usage_err;
  }
  if (listener) {
    if (!*set.listen) {
      snprintf(err, sizeof err, "%s needs --listen HOST:PORT", kind);
      goto usage_err;
    }
    if (!o.listen.cert && !set.insecure) {
      snprintf(err, sizeof err,
               "listeners speak TLS: give --cert and --key (tls_cert, tls_key), or --insecure for local tests");
      goto usage_err;
    }
    if (o.listen.client_ca && !o.listen.cert) {
      snprintf(err, sizeof err, "--client-ca needs --cert and --key");
      goto usage_err;
    }
  } else if (!*set.watch_dir) {
    snprintf(err, sizeof err, "%s needs --watch DIR", kind);
    goto usage_err;
  }
  hr_connect_stats st;
  int r;
  if (strcmp(kind, "inpatient") == 0)
    r = hr_connect_mllp(&o, &st, err, sizeof err);
  else if (listener)
    r = hr_connect_https(strcmp(kind, "custody") == 0 ? HR_INPUT_CUSTODY : HR_INPUT_NRPF, &o, &st, err, sizeof err);
  else
    r = hr_connect_watch(kind, &o, &st, err, sizeof err);
  if (watcher)
    fprintf(stderr, "hearth connect %s: %llu files finished; %llu records, %llu dead letters produced\n", kind,
            (unsigned long long)st.files, (unsigned long long)st.events, (unsigned long long)st.deadletters);
  else
    fprintf(stderr,
            "hearth connect %s: %llu messages, %llu events, %llu dead letters; answered %llu accepted, %llu errors, "
            "%llu rejected; %llu not stored\n",
            kind, (unsigned long long)st.messages, (unsigned long long)st.events, (unsigned long long)st.deadletters,
            (unsigned long long)st.acked, (unsigned long long)st.errors, (unsigned long long)st.rejected,
            (unsigned long long)st.failed);
  if (r) fprintf(stderr, "hearth connect %s: %s\n", kind, err);
  rc = r ? 1 : 0;
  goto out;
usage_err:
  fprintf(stderr, "hearth connect: %s\n", err);
  if (rc == 2) fputs("'hearth connect --help' explains the options.\n", stderr);
  goto out;
usage:
  fputs(usage_connect, stderr);
out:
  hr_buf_free(&allow);
  hr_cfg_free(&extra);
  return rc;
}

/* `hearth config example connect`: deploy/connect.conf.example is its output. */
int hr_cli_connect_config_example(void) {
  hr_buf b = {0};
  hr_cfg_document(hr_connect_config_keys, hr_connect_config_nkeys,
                  "hearth connect configuration (hearth connect KIND --config FILE)", HR_CONNECT_CONFIG_PREFIX_NOTE,
                  &b);
  fputs(b.data, stdout);
  hr_buf_free(&b);
  return 0;
}

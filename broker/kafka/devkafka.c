/* devkafka: librdkafka's mock cluster as a one-machine Kafka for development, tests and the
 * demo. It speaks the real Kafka protocol on loopback, so kcat and other clients can use it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka.h" /* rdkafka.h first: rdkafka_mock.h requires it */
#include <librdkafka/rdkafka_mock.h>

struct hr_devkafka {
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mc;
  int brokers;
};

hr_devkafka *hr_devkafka_start(int brokers, int partitions, char *err, size_t errsz) {
  hr_devkafka *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char e[512];
  /* The handle only hosts the cluster; keep its log quiet unless something is wrong. */
  rd_kafka_conf_set(conf, "log_level", "3", e, sizeof e);
  d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
  if (!d->rk) {
    snprintf(err, errsz, "%s", e);
    rd_kafka_conf_destroy(conf);
    free(d);
    return NULL;
  }
  d->brokers = brokers;
  d->mc = rd_kafka_mock_cluster_new(d->rk, brokers);
  if (!d->mc) {
    snprintf(err, errsz, "could not start the mock cluster");
    hr_devkafka_stop(d);
    return NULL;
  }
  static const char *const topics[] = {HR_TOPIC_REGISTER, HR_TOPIC_EVENTS, HR_TOPIC_ALERTS, HR_TOPIC_DEADLETTER};
  for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
    rd_kafka_resp_err_t re = rd_kafka_mock_topic_create(d->mc, topics[i], partitions, brokers < 3 ? brokers : 3);
    if (re) {
      snprintf(err, errsz, "cannot create %s: %s", topics[i], rd_kafka_err2str(re));
      hr_devkafka_stop(d);
      return NULL;
    }
    /* Leaders round-robin over the brokers, as Kafka assigns them; the mock picks each at
     * random, and a topic led by one broker leaves a consumer one fetching thread, so figures
     * measured on it swing from one cluster to the next. */
    for (int p = 0; p < partitions; p++)
      if ((re = rd_kafka_mock_partition_set_leader(d->mc, topics[i], p, 1 + (int32_t)((size_t)p + i) % brokers))) {
        snprintf(err, errsz, "cannot place %s [%d]: %s", topics[i], p, rd_kafka_err2str(re));
        hr_devkafka_stop(d);
        return NULL;
      }
  }
  return d;
}

const char *hr_devkafka_bootstraps(const hr_devkafka *d) {
  return rd_kafka_mock_cluster_bootstraps(d->mc);
}

void hr_devkafka_stop(hr_devkafka *d) {
  if (!d) return;
  if (d->mc) rd_kafka_mock_cluster_destroy(d->mc);
  if (d->rk) rd_kafka_destroy(d->rk);
  free(d);
}

/* Fault injection: the Kafka protocol requests that `errors` and `clear` name. */
static const struct {
  const char *name;
  int16_t key;
} api_keys[] = {{"produce", 0},          {"fetch", 1},        {"listoffsets", 2},
                {"metadata", 3},         {"offsetcommit", 8}, {"offsetfetch", 9},
                {"findcoordinator", 10}, {"apiversions", 18}, {"initproducerid", 22}};

static int api_key_of(const char *name, int16_t *key) {
  for (size_t i = 0; i < sizeof api_keys / sizeof api_keys[0]; i++)
    if (strcmp(name, api_keys[i].name) == 0) return *key = api_keys[i].key, 0;
  return -1;
}

/* A broker error by its Kafka name (NOT_LEADER_FOR_PARTITION) or number; librdkafka's own
 * (negative) errors are not errors a broker can answer with, except _TRANSPORT, which makes
 * the mock broker drop the connection. */
static int broker_error_of(const char *name, rd_kafka_resp_err_t *err) {
  const struct rd_kafka_err_desc *descs;
  size_t n;
  rd_kafka_get_err_descs(&descs, &n);
  char *end;
  long num = strtol(name, &end, 10);
  for (size_t i = 0; i < n; i++) {
    if (!descs[i].name) continue;
    int hit = *end == '\0' && end != name ? descs[i].code == num : strcmp(descs[i].name, name) == 0;
    if (hit && (descs[i].code > 0 || descs[i].code == RD_KAFKA_RESP_ERR__TRANSPORT)) return *err = descs[i].code, 0;
  }
  return -1;
}

static int parse_count(const char *s, long lo, long hi, long *out) {
  char *end;
  if (!s) return -1;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi) return -1;
  return *out = v, 0;
}

int hr_devkafka_command(hr_devkafka *d, const char *line, char *reply, size_t replysz) {
  char buf[256], *save = NULL;
  if (strlen(line) >= sizeof buf) return snprintf(reply, replysz, "command too long"), -1;
  memcpy(buf, line, strlen(line) + 1);
  const char *verb = strtok_r(buf, " \t\r\n", &save);
  const char *a1 = verb ? strtok_r(NULL, " \t\r\n", &save) : NULL;
  const char *a2 = a1 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
  const char *a3 = a2 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
  const char *extra = a3 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
  long broker, n;
  int16_t key;
  rd_kafka_resp_err_t e;
  if (!verb) return snprintf(reply, replysz, "empty command"), -1;
  if ((strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) && !a2) {
    if (parse_count(a1, 1, d->brokers, &broker))
      return snprintf(reply, replysz, "%s: the broker must be 1 to %d", verb, d->brokers), -1;
    e = verb[0] == 'd' ? rd_kafka_mock_broker_set_down(d->mc, (int32_t)broker)
                       : rd_kafka_mock_broker_set_up(d->mc, (int32_t)broker);
    if (e) return snprintf(reply, replysz, "%s %ld: %s", verb, broker, rd_kafka_err2str(e)), -1;
    return snprintf(reply, replysz, "broker %ld is %s", broker, verb), 0;
  }
  if (strcmp(verb, "rtt") == 0 && a2 && !a3) {
    if (parse_count(a1, 1, d->brokers, &broker) || parse_count(a2, 0, 60000, &n))
      return snprintf(reply, replysz, "rtt BROKER MS: broker 1 to %d, 0 to 60000 ms", d->brokers), -1;
    e = rd_kafka_mock_broker_set_rtt(d->mc, (int32_t)broker, (int)n);
    if (e) return snprintf(reply, replysz, "rtt %ld: %s", broker, rd_kafka_err2str(e)), -1;
    return snprintf(reply, replysz, "broker %ld answers after %ld ms", broker, n), 0;
  }
  if (strcmp(verb, "errors") == 0 && a3 && !extra) {
    if (api_key_of(a1, &key)) return snprintf(reply, replysz, "errors: unknown request '%s'", a1), -1;
    if (parse_count(a2, 1, 10000, &n)) return snprintf(reply, replysz, "errors: the count must be 1 to 10000"), -1;
    if (broker_error_of(a3, &e)) return snprintf(reply, replysz, "errors: unknown broker error '%s'", a3), -1;
    rd_kafka_resp_err_t *errs = malloc((size_t)n * sizeof *errs);
    if (!errs) return snprintf(reply, replysz, "out of memory"), -1;
    for (long i = 0; i < n; i++)
      errs[i] = e;
    rd_kafka_mock_push_request_errors_array(d->mc, key, (size_t)n, errs);
    free(errs);
    return snprintf(reply, replysz, "the next %ld %s request(s) fail with %s", n, a1, rd_kafka_err2name(e)), 0;
  }
  if (strcmp(verb, "clear") == 0 && a1 && !a2) {
    if (api_key_of(a1, &key)) return snprintf(reply, replysz, "clear: unknown request '%s'", a1), -1;
    rd_kafka_mock_clear_request_errors(d->mc, key);
    return snprintf(reply, replysz, "no more injected %s errors", a1), 0;
  }
  return snprintf(reply, replysz,
                  "unknown command '%s' (down B, up B, rtt B MS, errors REQUEST COUNT ERROR, clear REQUEST)", line),
         -1;
}

/* Opens the control channel: standard input for "-", else a FIFO (created when missing).
 * Opened read-write so that writers coming and going never give us end-of-file. */
static int open_control(const char *path) {
  if (strcmp(path, "-") == 0) return 0;
  struct stat st;
  if (stat(path, &st) == 0) {
    if (!S_ISFIFO(st.st_mode)) {
      fprintf(stderr, "hearth devkafka: --control %s exists and is not a FIFO\n", path);
      return -1;
    }
  } else if (mkfifo(path, 0600) != 0) {
    fprintf(stderr, "hearth devkafka: cannot create the FIFO %s: %s\n", path, strerror(errno));
    return -1;
  }
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) fprintf(stderr, "hearth devkafka: cannot open %s: %s\n", path, strerror(errno));
  return fd;
}

/* Runs each complete line of buf as a command; returns the bytes consumed. Replies go to stdout
 * ("ok ..." or "error ...") so that a script can wait for them. */
static size_t run_commands(hr_devkafka *d, char *buf, size_t len) {
  size_t done = 0;
  for (char *nl; (nl = memchr(buf + done, '\n', len - done));) {
    *nl = '\0';
    const char *line = buf + done;
    done = (size_t)(nl - buf) + 1;
    if (!line[strspn(line, " \t\r")]) continue;
    char reply[256];
    int rc = hr_devkafka_command(d, line, reply, sizeof reply);
    printf("%s %s\n", rc ? "error" : "ok", reply);
    fflush(stdout);
    fprintf(stderr, "hearth devkafka: %s%s\n", rc ? "error: " : "", reply);
  }
  return done;
}

int hr_devkafka_main(int brokers, int partitions, const char *control) {
  char err[512];
  /* Block SIGINT and SIGTERM before the cluster's threads start, so that only our signalfd
   * takes them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) {
    fprintf(stderr, "hearth devkafka: signalfd: %s\n", strerror(errno));
    return 1;
  }
  int cfd = control ? open_control(control) : -1;
  if (control && cfd < 0) {
    close(sfd);
    return 1;
  }
  hr_devkafka *d = hr_devkafka_start(brokers, partitions, err, sizeof err);
  if (!d) {
    fprintf(stderr, "hearth devkafka: %s\n", err);
    if (cfd > 0) close(cfd);
    close(sfd);
    return 1;
  }
  printf("%s\n", hr_devkafka_bootstraps(d));
  fflush(stdout);
  fprintf(stderr, "hearth devkafka: %d broker(s), topics %s %s %s %s with %d partitions; Ctrl-C stops it\n", brokers,
          HR_TOPIC_REGISTER, HR_TOPIC_EVENTS, HR_TOPIC_ALERTS, HR_TOPIC_DEADLETTER, partitions);
  char line[1024];
  size_t have = 0;
  struct signalfd_siginfo si = {0};
  for (;;) {
    struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = cfd, .events = POLLIN}};
    if (poll(p, cfd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents & POLLIN) {
      if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) break;
    }
    if (cfd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
      ssize_t got = read(cfd, line + have, sizeof line - 1 - have);
      if (got <= 0) { /* standard input closed: no more commands, keep serving */
        if (cfd > 0) close(cfd);
        cfd = -1;
        continue;
      }
      have += (size_t)got;
      size_t used = run_commands(d, line, have);
      memmove(line, line + used, have - used);
      have -= used;
      if (have == sizeof line - 1) { /* a line longer than any command: drop it */
        printf("error command too long\n");
        fflush(stdout);
        have = 0;
      }
    }
  }
  fprintf(stderr, "hearth devkafka: %s received, stopping\n", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
  hr_devkafka_stop(d);
  if (cfd > 0) close(cfd);
  close(sfd);
  return 0;
}

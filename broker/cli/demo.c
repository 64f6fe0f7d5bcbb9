/* demo: `hearth demo`, the embedded default. With nothing set up beyond `make`: a mock Kafka
 * cluster in this process, a synthetic LA, the broker (`hearth run --print`, printing each alert
 * as it is raised), and the four feeds streamed through the connectors onto Kafka at a realistic
 * pace (`hearth ingest feeds --rate`). Ends when the feeds are done (or --duration, or Ctrl-C)
 * with a summary. The broker and the stream run as child processes of this binary, talking to
 * the cluster over loopback exactly as they would to a real one. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kafka.h"
#include "synth.h"

#ifndef HEARTH_SOURCE_DIR
#define HEARTH_SOURCE_DIR "."
#endif

static const char usage_demo[] =
    "usage: hearth demo [--families N] [--seed S] [--speed EVENTS_PER_S] [--duration SECONDS]\n"
    "                   [--rules FILE]\n"
    "\n"
    "Runs Hearth end to end on one machine: an in-process Kafka mock cluster, a synthetic LA of\n"
    "N families, the live broker printing each alert as one readable line as it is raised (when,\n"
    "severity, rule, LA, who receives it, the children, why), and the register and four agency\n"
    "feeds streamed through the connectors onto Kafka in event-time order. Ends with a summary\n"
    "when the feeds are done, after --duration seconds, or on Ctrl-C.\n"
    "\n"
    "  --families N   size of the synthetic LA (default 2000)\n"
    "  --seed S       its seed (default 1)\n"
    "  --speed N      events per second streamed (default 20000: about half a minute for 2000 families)\n"
    "  --duration S   stop after S seconds (default: when the feeds are done)\n";

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static pid_t spawn(char *const argv[], const char *log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  /* The child: stderr to the log, the interrupt left to the parent, which stops us cleanly. */
  signal(SIGINT, SIG_IGN);
  FILE *f = fopen(log, "w");
  if (f) dup2(fileno(f), 2);
  execv("/proc/self/exe", argv);
  fprintf(stderr, "hearth demo: cannot run %s: %s\n", argv[1], strerror(errno));
  _exit(127);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void print_last_line(const char *path, const char *prefix) {
  FILE *f = fopen(path, "r");
  char line[1024], last[1024] = "";
  while (f && fgets(line, sizeof line, f))
    if (!prefix || strncmp(line, prefix, strlen(prefix)) == 0) snprintf(last, sizeof last, "%s", line);
  if (f) fclose(f);
  if (*last) fputs(last, stdout);
}

int hr_cli_demo(int argc, char **argv) {
  static const struct option opts[] = {{"families", required_argument, 0, 'n'},
                                       {"seed", required_argument, 0, 's'},
                                       {"speed", required_argument, 0, 'v'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"rules", required_argument, 0, 'r'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  unsigned long families = 2000, speed = 20000, duration = 0;
  unsigned long long seed = 1;
  const char *rules = HEARTH_SOURCE_DIR "/rules/packs/reference.rules";
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'n': families = strtoul(optarg, NULL, 10); break;
    case 's': seed = strtoull(optarg, NULL, 10); break;
    case 'v': speed = strtoul(optarg, NULL, 10); break;
    case 'd': duration = strtoul(optarg, NULL, 10); break;
    case 'r': rules = optarg; break;
    case 'h': fputs(usage_demo, stdout); return 0;
    default: fputs(usage_demo, stderr); return 2;
    }
  }
  if (optind < argc || families < 1 || families > 200000 || speed < 1) {
    fprintf(stderr, "hearth demo: --families must be 1 to 200000 and --speed at least 1\n\n%s", usage_demo);
    return 2;
  }
  if (access(rules, R_OK) != 0) {
    fprintf(stderr, "hearth demo: cannot read the rule pack %s (give --rules FILE)\n", rules);
    return 1;
  }
  char dir[32] = "/tmp/hearth-demo-";
  memset(dir + strlen(dir), 'X', 6); /* mkdtemp's template suffix */
  if (!mkdtemp(dir)) {
    fprintf(stderr, "hearth demo: cannot create a work directory: %s\n", strerror(errno));
    return 1;
  }
  int rc = 1;
  char err[1024], la[256], state[300], runlog[300], inglog[300], reg[300], f[4][320];
  snprintf(la, sizeof la, "%s/la", dir);
  snprintf(state, sizeof state, "%s/state", dir);
  snprintf(runlog, sizeof runlog, "%s/run.log", dir);
  snprintf(inglog, sizeof inglog, "%s/ingest.log", dir);
  snprintf(reg, sizeof reg, "%s/register", la);
  hr_devkafka *kafka = NULL;
  pid_t run = -1, feed = -1;

  printf("Hearth demo: a synthetic LA of %lu families (seed %llu), streamed at %lu events/s.\n", families, seed, speed);
  fflush(stdout);
  hr_synth_opts so = {la, (uint32_t)families, seed, NULL, 0, 0, 0};
  hr_synth_stats ss;
  if (hr_synth_generate(&so, &ss, err, sizeof err)) {
    fprintf(stderr, "hearth demo: %s\n", err);
    goto done;
  }
  if (!(kafka = hr_devkafka_start(3, 6, err, sizeof err))) {
    fprintf(stderr, "hearth demo: Kafka mock cluster: %s\n", err);
    goto done;
  }
  const char *b = hr_devkafka_bootstraps(kafka);
  printf("Kafka mock cluster at %s; %llu persons in the register, %llu agency events to stream.\n", b,
         (unsigned long long)ss.persons, (unsigned long long)(ss.custody + ss.inpatient + ss.attendance + ss.nrpf));
  printf("Alerts appear below as they are raised; Ctrl-C stops.\n\n");
  fflush(stdout);
  hr_ingest_stats is;
  if (hr_ingest("register", reg, b, NULL, &is, err, sizeof err)) {
    fprintf(stderr, "hearth demo: register: %s\n", err);
    goto done;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  char *run_argv[] = {"hearth",      "run",          "--brokers", (char *)b, "--state",    state, "--rules",
                      (char *)rules, "--default-la", "E09000007", "--print", "--grace-ms", "500", NULL};
  run = spawn(run_argv, runlog);
  static const char *const kinds[4] = {"custody=%s/feeds/custody.jsonl", "inpatient=%s/feeds/inpatient.hl7",
                                       "nrpf=%s/feeds/nrpf.csv", "attendance=%s/feeds/attendance.csv"};
  for (int i = 0; i < 4; i++)
    snprintf(f[i], sizeof f[i], kinds[i], la);
  char rate[32];
  snprintf(rate, sizeof rate, "%lu", speed);
  char *feed_argv[] = {"hearth", "ingest", "feeds", "--brokers", (char *)b, "--rate", rate, "--feed",
                       f[0],     "--feed", f[1],    "--feed",    f[2],      "--feed", f[3], NULL};
  feed = spawn(feed_argv, inglog);

  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double fed_at = -1;
  for (;;) {
    struct timespec tick = {0, 100 * 1000 * 1000};
    nanosleep(&tick, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
    int status;
    if (feed > 0 && waitpid(feed, &status, WNOHANG) == feed) {
      feed = -1;
      fed_at = t;
    }
    if (run > 0 && waitpid(run, &status, WNOHANG) == run) {
      run = -1;
      fprintf(stderr, "hearth demo: the broker stopped unexpectedly:\n");
      print_last_line(runlog, NULL);
      break;
    }
    if (stop_requested || (duration && t >= (double)duration) || (fed_at >= 0 && t >= fed_at + 3)) break;
  }
  rc = run > 0 ? 0 : 1;
done:
  if (feed > 0) kill(feed, SIGTERM), waitpid(feed, NULL, 0);
  if (run > 0) kill(run, SIGTERM), waitpid(run, NULL, 0);
  printf("\nSummary%s:\n", stop_requested ? " (stopped by Ctrl-C)" : "");
  print_last_line(inglog, "hearth ingest:");
  print_last_line(runlog, "hearth run:");
  fflush(stdout);
  hr_devkafka_stop(kafka);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return rc;
}

/* Shared helpers for the native benchmark peers: timing, the stdout handshake
 * with bench/run.ts, and a lifetime limit so a peer never outlives a failed run. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
  exit(1);
}

/* Dies with the runner, and after `seconds` in any case (SIGALRM terminates). */
static inline void limit_lifetime(unsigned seconds) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  alarm(seconds);
}

static inline unsigned lifetime_from_env(void) {
  const char *text = getenv("BENCH_LIFETIME");
  return text ? (unsigned)atoi(text) : 120;
}

static inline void print_ready(void *socket) {
  char endpoint[256];
  size_t length = sizeof endpoint;
  if (zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &length) != 0) {
    die("getsockopt ZMQ_LAST_ENDPOINT");
  }
  printf("READY %s\n", endpoint);
  fflush(stdout);
}

static inline int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Prints the latency RESULT line: samples are in seconds, sorted in place. */
static inline void print_latency(double *samples, long count) {
  double sum = 0;
  for (long i = 0; i < count; i++) sum += samples[i];
  qsort(samples, (size_t)count, sizeof *samples, compare_doubles);
  printf("RESULT {\"count\":%ld,\"meanUs\":%.3f,\"p50Us\":%.3f,\"p99Us\":%.3f,"
         "\"minUs\":%.3f}\n",
         count, sum / count * 1e6, samples[count / 2] * 1e6,
         samples[(long)(count * 0.99)] * 1e6, samples[0] * 1e6);
  fflush(stdout);
}

#endif

/* REQ/REP round trips, one side per process.
 *   req_rep server                                      binds a REP echo server on tcp://127.0.0.1:*,
 *                                                       prints READY <endpoint>, runs until killed
 *   req_rep client <endpoint> <size> <count> <gap_us>   REQ client: <count> timed round trips after a
 *                                                       warm-up; sleeps <gap_us> before each one so the
 *                                                       sockets are idle when the request goes out */
#include "common.h"

_Noreturn static void serve(void) {
  void *context = zmq_ctx_new();
  void *rep = zmq_socket(context, ZMQ_REP);
  if (zmq_bind(rep, "tcp://127.0.0.1:*") != 0) die("bind");
  print_ready(rep);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  for (;;) {
    if (zmq_msg_recv(&msg, rep, 0) < 0) die("zmq_msg_recv");
    if (zmq_msg_send(&msg, rep, 0) < 0) die("zmq_msg_send");
  }
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static int run_client(const char *endpoint, long size, long count, long gap_us) {
  void *context = zmq_ctx_new();
  void *req = zmq_socket(context, ZMQ_REQ);
  if (zmq_connect(req, endpoint) != 0) die("connect");
  char *payload = calloc((size_t)size + 1, 1);
  char *reply = calloc((size_t)size + 1, 1);
  long warmup = count / 10 < 100 ? 100 : count / 10;
  double *samples = malloc(sizeof(double) * (size_t)count);
  for (long i = -warmup; i < count; i++) {
    if (gap_us > 0) sleep_us(gap_us);
    double start = now_seconds();
    if (zmq_send(req, payload, (size_t)size, 0) < 0) die("zmq_send");
    if (zmq_recv(req, reply, (size_t)size, 0) != size) die("zmq_recv");
    if (i >= 0) samples[i] = now_seconds() - start;
  }
  print_latency(samples, count);
  zmq_close(req);
  zmq_ctx_term(context);
  return 0;
}

int main(int argc, char **argv) {
  limit_lifetime(lifetime_from_env());
  if (argc == 2 && strcmp(argv[1], "server") == 0) serve();
  if (argc == 6 && strcmp(argv[1], "client") == 0) {
    return run_client(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
  }
  fprintf(stderr, "usage: req_rep server | client <endpoint> <size> <count> <gap_us>\n");
  return 2;
}

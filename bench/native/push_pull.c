/* PUSH -> PULL throughput, one side per process.
 *   push_pull recv <size> <count>              binds tcp://127.0.0.1:*, prints READY <endpoint>,
 *                                              receives <count> messages, prints RESULT
 *   push_pull send <endpoint> <size> <count>   connects and sends, then waits to be killed
 * Throughput is measured at the receiver, from the first to the last message. Receiving uses
 * zmq_msg_recv without copying the payload out, as libzmq's own perf/local_thr does. */
#include "common.h"

static int receive(long size, long count) {
  void *context = zmq_ctx_new();
  void *pull = zmq_socket(context, ZMQ_PULL);
  if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0) die("bind");
  print_ready(pull);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  long wrong = 0;
  double first = 0;
  for (long i = 0; i < count; i++) {
    int received = zmq_msg_recv(&msg, pull, 0);
    if (received < 0) die("zmq_msg_recv");
    if (i == 0) first = now_seconds();
    if (received != size) wrong++;
  }
  double seconds = now_seconds() - first;
  printf("RESULT {\"count\":%ld,\"size\":%ld,\"seconds\":%.6f,\"wrongSize\":%ld}\n", count,
         size, seconds, wrong);
  fflush(stdout);
  zmq_msg_close(&msg);
  zmq_close(pull);
  zmq_ctx_term(context);
  return 0;
}

_Noreturn static void send_all(const char *endpoint, long size, long count) {
  void *context = zmq_ctx_new();
  void *push = zmq_socket(context, ZMQ_PUSH);
  if (zmq_connect(push, endpoint) != 0) die("connect");
  char *payload = calloc((size_t)size + 1, 1);
  for (long i = 0; i < count; i++) {
    if (zmq_send(push, payload, (size_t)size, 0) < 0) die("zmq_send");
  }
  printf("SENT %ld\n", count);
  fflush(stdout);
  /* Closing would drop what is still queued (linger); the runner kills us once the
   * receiver has everything. */
  for (;;) pause();
}

int main(int argc, char **argv) {
  limit_lifetime(lifetime_from_env());
  if (argc == 4 && strcmp(argv[1], "recv") == 0) {
    return receive(atol(argv[2]), atol(argv[3]));
  }
  if (argc == 5 && strcmp(argv[1], "send") == 0) {
    send_all(argv[2], atol(argv[3]), atol(argv[4]));
  }
  fprintf(stderr, "usage: push_pull recv <size> <count> | send <endpoint> <size> <count>\n");
  return 2;
}

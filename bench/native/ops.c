/* Per-call costs in one thread over inproc, with nothing to wait for: the floor under every
 * workload. A Push with no high-water mark queues <count> 64 B messages, then a Pull takes
 * them back; then receives on the empty socket (EAGAIN).
 *   ops <count>   prints RESULT with nanoseconds per call (the fastest of 4 passes after a warm-up) */
#include <math.h>

#include "common.h"

#define PASSES 5

int main(int argc, char **argv) {
  limit_lifetime(lifetime_from_env());
  if (argc != 2) {
    fprintf(stderr, "usage: ops <count>\n");
    return 2;
  }
  long count = atol(argv[1]);
  void *context = zmq_ctx_new();
  void *pull = zmq_socket(context, ZMQ_PULL);
  void *push = zmq_socket(context, ZMQ_PUSH);
  int unlimited = 0;
  zmq_setsockopt(pull, ZMQ_RCVHWM, &unlimited, sizeof unlimited);
  zmq_setsockopt(push, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
  if (zmq_bind(pull, "inproc://ops") != 0) die("bind");
  if (zmq_connect(push, "inproc://ops") != 0) die("connect");
  char payload[64] = {0};
  zmq_msg_t msg;
  zmq_msg_init(&msg);

  /* The first pass warms up; then the fastest of the other passes, which the machine's
   * other work disturbed least. */
  double send_ns = 1e12, receive_ns = 1e12, empty_ns = 1e12;
  for (int pass = 0; pass < PASSES; pass++) {
    double start = now_seconds();
    for (long i = 0; i < count; i++) {
      if (zmq_send(push, payload, sizeof payload, ZMQ_DONTWAIT) < 0) die("zmq_send");
    }
    if (pass > 0) send_ns = fmin(send_ns, (now_seconds() - start) / count * 1e9);

    start = now_seconds();
    for (long i = 0; i < count; i++) {
      if (zmq_msg_recv(&msg, pull, ZMQ_DONTWAIT) != 64) die("zmq_msg_recv");
    }
    if (pass > 0) receive_ns = fmin(receive_ns, (now_seconds() - start) / count * 1e9);

    long empty = count / 10;
    start = now_seconds();
    for (long i = 0; i < empty; i++) {
      if (zmq_msg_recv(&msg, pull, ZMQ_DONTWAIT) >= 0 || zmq_errno() != EAGAIN) die("EAGAIN");
    }
    if (pass > 0) empty_ns = fmin(empty_ns, (now_seconds() - start) / empty * 1e9);
  }

  printf("RESULT {\"sendNs\":%.1f,\"receiveNs\":%.1f,\"emptyReceiveNs\":%.1f}\n", send_ns,
         receive_ns, empty_ns);
  fflush(stdout);
  zmq_msg_close(&msg);
  zmq_close(push);
  zmq_close(pull);
  zmq_ctx_term(context);
  return 0;
}

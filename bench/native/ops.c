/* Per-call costs in one thread over inproc, with nothing to wait for: the floor under every
 * workload. A Push with no high-water mark queues <count> 64 B messages, then a Pull takes
 * them back; then receives on the empty socket (EAGAIN).
 *   ops <count>   prints RESULT with nanoseconds per call */
#include "common.h"

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

  double send_ns = 0, receive_ns = 0, empty_ns = 0;
  for (int pass = 0; pass < 2; pass++) { /* the first pass warms up allocations and caches */
    double start = now_seconds();
    for (long i = 0; i < count; i++) {
      if (zmq_send(push, payload, sizeof payload, ZMQ_DONTWAIT) < 0) die("zmq_send");
    }
    send_ns = (now_seconds() - start) / count * 1e9;

    start = now_seconds();
    for (long i = 0; i < count; i++) {
      if (zmq_msg_recv(&msg, pull, ZMQ_DONTWAIT) != 64) die("zmq_msg_recv");
    }
    receive_ns = (now_seconds() - start) / count * 1e9;

    long empty = count / 10;
    start = now_seconds();
    for (long i = 0; i < empty; i++) {
      if (zmq_msg_recv(&msg, pull, ZMQ_DONTWAIT) >= 0 || zmq_errno() != EAGAIN) die("EAGAIN");
    }
    empty_ns = (now_seconds() - start) / empty * 1e9;
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

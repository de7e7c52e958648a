/* inproc PUSH -> PULL throughput in one process: a sender thread and the main thread receiving.
 *   inproc <size> <count>   prints RESULT, measured at the receiver from the first to the last message */
#include <pthread.h>

#include "common.h"

static void *context;
static long size, count;

static void *sender(void *unused) {
  (void)unused;
  void *push = zmq_socket(context, ZMQ_PUSH);
  if (zmq_connect(push, "inproc://bench") != 0) die("connect");
  char *payload = calloc((size_t)size + 1, 1);
  for (long i = 0; i < count; i++) {
    if (zmq_send(push, payload, (size_t)size, 0) < 0) die("zmq_send");
  }
  zmq_close(push);
  free(payload);
  return NULL;
}

int main(int argc, char **argv) {
  limit_lifetime(lifetime_from_env());
  if (argc != 3) {
    fprintf(stderr, "usage: inproc <size> <count>\n");
    return 2;
  }
  size = atol(argv[1]);
  count = atol(argv[2]);
  context = zmq_ctx_new();
  void *pull = zmq_socket(context, ZMQ_PULL);
  if (zmq_bind(pull, "inproc://bench") != 0) die("bind");
  pthread_t thread;
  pthread_create(&thread, NULL, sender, NULL);
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
  pthread_join(thread, NULL);
  zmq_msg_close(&msg);
  zmq_close(pull);
  zmq_ctx_term(context);
  return 0;
}

/**
 * The libzmq 4.3 C API as a runtime-neutral symbol table.
 *
 * Types: `pointer` is an opaque C pointer, `buffer` a typed array handed to C
 * for the duration of the call, `usize` a size_t (always passed as a bigint).
 * Symbols marked `optional` are missing from older or non-draft builds.
 *
 * @module
 */

/** A C type in a symbol signature. */
export type NativeType =
  | "void"
  | "i16"
  | "i32"
  | "u32"
  | "i64"
  | "usize"
  | "pointer"
  | "buffer";

/** One C function: its parameter types, result type and whether it may be absent. */
export interface SymbolDefinition {
  /** The C name when the key is an alias (the same function with other types). */
  readonly name?: string;
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
  readonly optional?: boolean;
}

/** Every libzmq function the binding calls. */
export const symbols = {
  // void zmq_version(int *major, int *minor, int *patch);
  zmq_version: { parameters: ["buffer", "buffer", "buffer"], result: "void" },
  // int zmq_errno(void);
  zmq_errno: { parameters: [], result: "i32" },
  // const char *zmq_strerror(int errnum);
  zmq_strerror: { parameters: ["i32"], result: "pointer" },
  // int zmq_has(const char *capability);
  zmq_has: { parameters: ["buffer"], result: "i32" },

  // void *zmq_ctx_new(void);
  zmq_ctx_new: { parameters: [], result: "pointer" },
  // int zmq_ctx_term(void *context);
  zmq_ctx_term: { parameters: ["pointer"], result: "i32" },
  // int zmq_ctx_shutdown(void *context);
  zmq_ctx_shutdown: { parameters: ["pointer"], result: "i32" },
  // int zmq_ctx_set(void *context, int option, int value);
  zmq_ctx_set: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  // int zmq_ctx_get(void *context, int option);
  zmq_ctx_get: { parameters: ["pointer", "i32"], result: "i32" },

  // void *zmq_socket(void *context, int type);
  zmq_socket: { parameters: ["pointer", "i32"], result: "pointer" },
  // int zmq_close(void *socket);
  zmq_close: { parameters: ["pointer"], result: "i32" },
  // int zmq_setsockopt(void *socket, int option, const void *value, size_t length);
  zmq_setsockopt: {
    parameters: ["pointer", "i32", "buffer", "usize"],
    result: "i32",
  },
  // int zmq_getsockopt(void *socket, int option, void *value, size_t *length);
  zmq_getsockopt: {
    parameters: ["pointer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  // int zmq_bind(void *socket, const char *endpoint);
  zmq_bind: { parameters: ["pointer", "buffer"], result: "i32" },
  // int zmq_connect(void *socket, const char *endpoint);
  zmq_connect: { parameters: ["pointer", "buffer"], result: "i32" },
  // int zmq_unbind(void *socket, const char *endpoint);
  zmq_unbind: { parameters: ["pointer", "buffer"], result: "i32" },
  // int zmq_disconnect(void *socket, const char *endpoint);
  zmq_disconnect: { parameters: ["pointer", "buffer"], result: "i32" },
  // int zmq_send(void *socket, const void *buf, size_t len, int flags);
  zmq_send: {
    parameters: ["pointer", "buffer", "usize", "i32"],
    result: "i32",
  },
  // int zmq_recv(void *socket, void *buf, size_t len, int flags);
  zmq_recv: {
    parameters: ["pointer", "buffer", "usize", "i32"],
    result: "i32",
  },
  // int zmq_socket_monitor(void *socket, const char *endpoint, int events);
  zmq_socket_monitor: {
    parameters: ["pointer", "buffer", "i32"],
    result: "i32",
  },

  // int zmq_msg_init(zmq_msg_t *msg);
  zmq_msg_init: { parameters: ["buffer"], result: "i32" },
  // int zmq_msg_init_size(zmq_msg_t *msg, size_t size);
  zmq_msg_init_size: { parameters: ["buffer", "usize"], result: "i32" },
  // int zmq_msg_send(zmq_msg_t *msg, void *socket, int flags);
  zmq_msg_send: { parameters: ["buffer", "pointer", "i32"], result: "i32" },
  // int zmq_msg_recv(zmq_msg_t *msg, void *socket, int flags);
  zmq_msg_recv: { parameters: ["buffer", "pointer", "i32"], result: "i32" },
  // int zmq_msg_close(zmq_msg_t *msg);
  zmq_msg_close: { parameters: ["buffer"], result: "i32" },
  // The same three with the zmq_msg_t passed by address: on Deno a pointer
  // argument costs less than a typed array one (~10 ns a call).
  zmq_msg_recv_at: {
    name: "zmq_msg_recv",
    parameters: ["pointer", "pointer", "i32"],
    result: "i32",
  },
  zmq_msg_data_at: {
    name: "zmq_msg_data",
    parameters: ["pointer"],
    result: "pointer",
  },
  zmq_msg_more_at: {
    name: "zmq_msg_more",
    parameters: ["pointer"],
    result: "i32",
  },
  // And for the zmq_msg_t of lent frames (src/lent_frames.ts), which live in
  // slabs of memory: passed by address, no typed array of their own.
  zmq_msg_init_at: {
    name: "zmq_msg_init",
    parameters: ["pointer"],
    result: "i32",
  },
  zmq_msg_move_at: {
    name: "zmq_msg_move",
    parameters: ["pointer", "pointer"],
    result: "i32",
  },
  // void *zmq_msg_data(zmq_msg_t *msg);
  zmq_msg_data: { parameters: ["buffer"], result: "pointer" },
  // size_t zmq_msg_size(const zmq_msg_t *msg);
  zmq_msg_size: { parameters: ["buffer"], result: "usize" },
  // int zmq_msg_more(const zmq_msg_t *msg);
  zmq_msg_more: { parameters: ["buffer"], result: "i32" },
  // int zmq_msg_get(const zmq_msg_t *msg, int property);
  zmq_msg_get: { parameters: ["buffer", "i32"], result: "i32" },
  // const char *zmq_msg_gets(const zmq_msg_t *msg, const char *property);
  zmq_msg_gets: { parameters: ["buffer", "buffer"], result: "pointer" },

  // int zmq_poll(zmq_pollitem_t *items, int nitems, long timeout);
  zmq_poll: { parameters: ["buffer", "i32", "i64"], result: "i32" },
  // int zmq_proxy(void *frontend, void *backend, void *capture);
  zmq_proxy: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  // int zmq_proxy_steerable(void *frontend, void *backend, void *capture, void *control);
  zmq_proxy_steerable: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },

  // char *zmq_z85_encode(char *dest, const uint8_t *data, size_t size);
  zmq_z85_encode: {
    parameters: ["buffer", "buffer", "usize"],
    result: "pointer",
  },
  // uint8_t *zmq_z85_decode(uint8_t *dest, const char *string);
  zmq_z85_decode: { parameters: ["buffer", "buffer"], result: "pointer" },
  // int zmq_curve_keypair(char *z85_public_key, char *z85_secret_key);
  zmq_curve_keypair: { parameters: ["buffer", "buffer"], result: "i32" },
  // int zmq_curve_public(char *z85_public_key, const char *z85_secret_key);
  zmq_curve_public: { parameters: ["buffer", "buffer"], result: "i32" },

  // Draft API: present only in libzmq built with ENABLE_DRAFTS.
  // int zmq_join(void *socket, const char *group);
  zmq_join: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  // int zmq_leave(void *socket, const char *group);
  zmq_leave: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  // int zmq_socket_get_peer_state(void *socket, const void *routing_id,
  //                               size_t routing_id_size);  (draft)
  zmq_socket_get_peer_state: {
    parameters: ["pointer", "buffer", "usize"],
    result: "i32",
    optional: true,
  },
  // uint32_t zmq_connect_peer(void *socket, const char *endpoint);
  zmq_connect_peer: {
    parameters: ["pointer", "buffer"],
    result: "u32",
    optional: true,
  },
  // int zmq_msg_set_routing_id(zmq_msg_t *msg, uint32_t routing_id);
  zmq_msg_set_routing_id: {
    parameters: ["buffer", "u32"],
    result: "i32",
    optional: true,
  },
  // uint32_t zmq_msg_routing_id(zmq_msg_t *msg);
  zmq_msg_routing_id: { parameters: ["buffer"], result: "u32", optional: true },
  // int zmq_msg_set_group(zmq_msg_t *msg, const char *group);
  zmq_msg_set_group: {
    parameters: ["buffer", "buffer"],
    result: "i32",
    optional: true,
  },
  // const char *zmq_msg_group(zmq_msg_t *msg);
  zmq_msg_group: { parameters: ["buffer"], result: "pointer", optional: true },
  // void *zmq_poller_new(void);
  zmq_poller_new: { parameters: [], result: "pointer", optional: true },
  // int zmq_poller_destroy(void **poller);
  zmq_poller_destroy: { parameters: ["buffer"], result: "i32", optional: true },
  // int zmq_poller_add(void *poller, void *socket, void *user_data, short events);
  zmq_poller_add: {
    parameters: ["pointer", "pointer", "pointer", "i16"],
    result: "i32",
    optional: true,
  },
  // int zmq_poller_remove(void *poller, void *socket);
  zmq_poller_remove: {
    parameters: ["pointer", "pointer"],
    result: "i32",
    optional: true,
  },
  // int zmq_poller_wait(void *poller, zmq_poller_event_t *event, long timeout);
  zmq_poller_wait: {
    parameters: ["pointer", "buffer", "i64"],
    result: "i32",
    optional: true,
  },
  // int zmq_poller_fd(void *poller, zmq_fd_t *fd);
  zmq_poller_fd: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
} as const satisfies Record<string, SymbolDefinition>;

/** The names of the libzmq functions in {@link symbols}. */
export type SymbolName = keyof typeof symbols;

/** The libc functions the poller thread needs (poll(2) and a wake-up pipe). */
export const libcSymbols = {
  // int poll(struct pollfd *fds, nfds_t nfds, int timeout);
  poll: { parameters: ["buffer", "usize", "i32"], result: "i32" },
  // int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
  //           const sigset_t *sigmask); (Linux: a wait shorter than 1 ms)
  ppoll: {
    parameters: ["buffer", "usize", "buffer", "pointer"],
    result: "i32",
    optional: true,
  },
  // Linux: the watcher thread waits with epoll, so that arming a descriptor
  // is one epoll_ctl call here instead of waking the watcher to rebuild its
  // poll(2) set.
  // int epoll_create1(int flags);
  epoll_create1: { parameters: ["i32"], result: "i32", optional: true },
  // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
  epoll_ctl: {
    parameters: ["i32", "i32", "i32", "buffer"],
    result: "i32",
    optional: true,
  },
  // int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout);
  epoll_wait: {
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    optional: true,
  },
  // int dup(int fd);
  dup: { parameters: ["i32"], result: "i32" },
  // int pipe(int fds[2]);
  pipe: { parameters: ["buffer"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t count);
  read: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  // ssize_t write(int fd, const void *buf, size_t count);
  write: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  // int close(int fd);
  close: { parameters: ["i32"], result: "i32" },
  // int socket(int domain, int type, int protocol); probes whether pgm://
  // may open its raw socket, which libzmq otherwise asserts on (abort).
  socket: { parameters: ["i32", "i32", "i32"], result: "i32", optional: true },
  // void *memcpy(void *dest, const void *src, size_t n);
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "void" },
  // The same memcpy, copying from JavaScript memory to C memory.
  memcpyToPointer: {
    name: "memcpy",
    parameters: ["pointer", "buffer", "usize"],
    result: "void",
  },
  // void *dlopen(const char *filename, int flags);
  dlopen: { parameters: ["buffer", "i32"], result: "pointer", optional: true },
  // void *dlsym(void *handle, const char *symbol); the address of a function
  // for C to call (a pthread key's destructor), never for JavaScript.
  dlsym: {
    parameters: ["pointer", "buffer"],
    result: "pointer",
    optional: true,
  },
  // Thread-exit destructors (src/thread_exit.ts): what a terminated worker
  // thread still releases as it ends.
  // int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
  pthread_key_create: {
    parameters: ["buffer", "pointer"],
    result: "i32",
    optional: true,
  },
  // int pthread_setspecific(pthread_key_t key, const void *value);
  // (pthread_key_t: unsigned int on Linux, unsigned long on macOS.)
  pthread_setspecific: {
    parameters: ["usize", "pointer"],
    result: "i32",
    optional: true,
  },
  // The same, with a number as the value (a file descriptor for close).
  pthread_setspecific_number: {
    name: "pthread_setspecific",
    parameters: ["usize", "usize"],
    result: "i32",
    optional: true,
  },
  // int pthread_key_delete(pthread_key_t key);
  pthread_key_delete: { parameters: ["usize"], result: "i32", optional: true },
} as const satisfies Record<string, SymbolDefinition>;

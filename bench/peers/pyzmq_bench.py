"""One side of a benchmark through pyzmq (Debian's python3-zmq), with the same
arguments and stdout lines as bench/peer.ts, so that bench/run.ts can put it in
any role: `READY <endpoint>` once bound, `RESULT <json>` when done.

By default every role uses pyzmq's blocking calls (`socket.send()`,
`socket.recv()`), what most pyzmq programs do; a trailing `asyncio` uses
`zmq.asyncio` (`await socket.send()`, `await socket.recv()`) in one event loop.

  pyzmq_bench.py recv <size> <count> [asyncio]              Pull bound on tcp, measures throughput
  pyzmq_bench.py send <endpoint> <size> <count> [asyncio]   Push, sends then waits to be killed
  pyzmq_bench.py server [asyncio]                           Rep echo server bound on tcp
  pyzmq_bench.py client <endpoint> <size> <count> <gap_us> [asyncio]
                                                            Req client, round-trip latency
  pyzmq_bench.py inproc <size> <count> [asyncio]            Push and Pull in this process
  pyzmq_bench.py ops <count>                                per-call costs with nothing to wait for

Run it with /usr/bin/python3 (the interpreter python3-zmq is installed for).
"""

import asyncio
import ctypes
import json
import os
import signal
import sys
import threading
import time

import zmq
import zmq.asyncio


def limit_lifetime():
    """Dies with the runner (SIGKILL when the parent goes), and after the
    lifetime the runner gives in any case: the default SIGALRM action ends the
    process even while a blocking call holds it in libzmq."""
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the alarm below still bounds our life
    signal.alarm(int(os.environ.get("BENCH_LIFETIME", "120")))


def say(line):
    print(line, flush=True)


def result(value):
    say("RESULT " + json.dumps(value))
    # Skip interpreter teardown: sockets may still hold queued messages.
    os._exit(0)


def latency_result(samples):
    count = len(samples)
    mean = sum(samples) / count
    samples.sort()
    result(
        {
            "count": count,
            "meanUs": mean * 1e6,
            "p50Us": samples[count // 2] * 1e6,
            "p99Us": samples[int(count * 0.99)] * 1e6,
            "minUs": samples[0] * 1e6,
        }
    )


def bound(context, kind, endpoint="tcp://127.0.0.1:*"):
    sock = context.socket(kind)
    sock.linger = 0
    sock.bind(endpoint)
    return sock


def wait_to_be_killed(count):
    # Closing would drop what is still queued: the runner kills us once the
    # receiver has everything.
    say(f"SENT {count}")
    while True:
        signal.pause()


# ---- blocking calls ------------------------------------------------------


def receive(size, count):
    pull = bound(zmq.Context(), zmq.PULL)
    say("READY " + pull.last_endpoint.decode())
    wrong_size = 0
    first = 0.0
    for index in range(count):
        message = pull.recv()
        if index == 0:
            first = time.perf_counter()
        if len(message) != size:
            wrong_size += 1
    seconds = time.perf_counter() - first
    result({"count": count, "size": size, "seconds": seconds, "wrongSize": wrong_size})


def send(endpoint, size, count):
    push = zmq.Context().socket(zmq.PUSH)
    push.linger = 0
    push.connect(endpoint)
    payload = bytes(size)
    for _ in range(count):
        push.send(payload)
    wait_to_be_killed(count)


def serve():
    rep = bound(zmq.Context(), zmq.REP)
    say("READY " + rep.last_endpoint.decode())
    while True:
        rep.send(rep.recv())


def client(endpoint, size, count, gap_us):
    req = zmq.Context().socket(zmq.REQ)
    req.linger = 0
    req.connect(endpoint)
    payload = bytes(size)
    warmup = max(100, count // 10)
    samples = []
    for index in range(-warmup, count):
        if gap_us > 0:
            time.sleep(gap_us / 1e6)
        start = time.perf_counter()
        req.send(payload)
        reply = req.recv()
        elapsed = time.perf_counter() - start
        if len(reply) != size:
            raise RuntimeError(f"reply of {len(reply)} B")
        if index >= 0:
            samples.append(elapsed)
    latency_result(samples)


def inproc(size, count):
    # The blocking API can't wait on two sockets in one thread, so the sender
    # gets a thread of its own, as in bench/native/inproc.c; pyzmq releases
    # the GIL while it waits in libzmq.
    context = zmq.Context()
    pull = bound(context, zmq.PULL, "inproc://bench")

    def sender():
        push = context.socket(zmq.PUSH)
        push.linger = 0
        push.connect("inproc://bench")
        payload = bytes(size)
        for _ in range(count):
            push.send(payload)
        push.close()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    wrong_size = 0
    first = 0.0
    for index in range(count):
        message = pull.recv()
        if index == 0:
            first = time.perf_counter()
        if len(message) != size:
            wrong_size += 1
    seconds = time.perf_counter() - first
    result({"count": count, "size": size, "seconds": seconds, "wrongSize": wrong_size})


# ---- zmq.asyncio -----------------------------------------------------------


async def receive_async(size, count):
    pull = bound(zmq.asyncio.Context(), zmq.PULL)
    say("READY " + pull.last_endpoint.decode())
    wrong_size = 0
    first = 0.0
    for index in range(count):
        message = await pull.recv()
        if index == 0:
            first = time.perf_counter()
        if len(message) != size:
            wrong_size += 1
    seconds = time.perf_counter() - first
    result({"count": count, "size": size, "seconds": seconds, "wrongSize": wrong_size})


async def send_async(endpoint, size, count):
    push = zmq.asyncio.Context().socket(zmq.PUSH)
    push.linger = 0
    push.connect(endpoint)
    payload = bytes(size)
    for _ in range(count):
        await push.send(payload)
    wait_to_be_killed(count)


async def serve_async():
    rep = bound(zmq.asyncio.Context(), zmq.REP)
    say("READY " + rep.last_endpoint.decode())
    while True:
        await rep.send(await rep.recv())


async def client_async(endpoint, size, count, gap_us):
    req = zmq.asyncio.Context().socket(zmq.REQ)
    req.linger = 0
    req.connect(endpoint)
    payload = bytes(size)
    warmup = max(100, count // 10)
    samples = []
    for index in range(-warmup, count):
        if gap_us > 0:
            await asyncio.sleep(gap_us / 1e6)
        start = time.perf_counter()
        await req.send(payload)
        reply = await req.recv()
        elapsed = time.perf_counter() - start
        if len(reply) != size:
            raise RuntimeError(f"reply of {len(reply)} B")
        if index >= 0:
            samples.append(elapsed)
    latency_result(samples)


async def inproc_async(size, count):
    context = zmq.asyncio.Context()
    pull = bound(context, zmq.PULL, "inproc://bench")
    push = context.socket(zmq.PUSH)
    push.linger = 0
    push.connect("inproc://bench")
    payload = bytes(size)

    async def sender():
        for _ in range(count):
            await push.send(payload)

    sending = asyncio.create_task(sender())
    wrong_size = 0
    first = 0.0
    for index in range(count):
        message = await pull.recv()
        if index == 0:
            first = time.perf_counter()
        if len(message) != size:
            wrong_size += 1
    seconds = time.perf_counter() - first
    await sending
    result({"count": count, "size": size, "seconds": seconds, "wrongSize": wrong_size})


# ---- per-call costs ----------------------------------------------------------


async def ops(count):
    """The steps of bench/native/ops.c and peer.ts ops: a Push with no
    high-water mark queues `count` messages of 64 B over inproc and a Pull
    takes them back, in each API form; five passes, the fastest after the
    first. Keys match peer.ts where the form exists in pyzmq."""
    payload = bytes(64)

    def pair(context, name):
        pull = context.socket(zmq.PULL)
        pull.linger = 0
        pull.rcvhwm = 0
        pull.bind(name)
        push = context.socket(zmq.PUSH)
        push.linger = 0
        push.sndhwm = 0
        push.connect(name)
        return push, pull

    # Both pairs live in this coroutine, so the asyncio one belongs to the
    # running loop; the blocking calls never wait here (nothing to wait for).
    push, pull = pair(zmq.Context(), "inproc://ops")
    async_push, async_pull = pair(zmq.asyncio.Context(), "inproc://ops-asyncio")

    def ns_per_call(started, calls):
        return (time.perf_counter() - started) / calls * 1e9

    async def awaited():
        started = time.perf_counter()
        for _ in range(count):
            await async_push.send(payload)
        send_ns = ns_per_call(started, count)
        started = time.perf_counter()
        for _ in range(count):
            await async_pull.recv()
        return send_ns, ns_per_call(started, count)

    costs = {}
    for run in range(5):
        started = time.perf_counter()
        for _ in range(count):
            push.send(payload, zmq.NOBLOCK)
        try_send_ns = ns_per_call(started, count)
        started = time.perf_counter()
        for _ in range(count):
            pull.recv(zmq.NOBLOCK)
        try_receive_ns = ns_per_call(started, count)

        started = time.perf_counter()
        for _ in range(count):
            push.send(payload)
        send_sync_ns = ns_per_call(started, count)
        started = time.perf_counter()
        for _ in range(count):
            pull.recv()
        receive_sync_ns = ns_per_call(started, count)

        # An empty socket answers a non-blocking recv with zmq.Again.
        empty = -(-count // 10)
        started = time.perf_counter()
        for _ in range(empty):
            try:
                pull.recv(zmq.NOBLOCK)
                raise RuntimeError("recv(NOBLOCK): not empty")
            except zmq.Again:
                pass
        empty_try_receive_ns = ns_per_call(started, empty)

        send_ns, receive_ns = await awaited()
        run_costs = {
            "trySendNs": try_send_ns,
            "tryReceiveNs": try_receive_ns,
            "sendNs": send_ns,
            "receiveNs": receive_ns,
            "sendSyncNs": send_sync_ns,
            "receiveSyncNs": receive_sync_ns,
            "emptyTryReceiveNs": empty_try_receive_ns,
        }
        if run == 0:
            continue  # warm-up
        for key, value in run_costs.items():
            costs[key] = min(costs.get(key, float("inf")), value)
    result(costs)


# role: (blocking form, zmq.asyncio form, types of the arguments). ops is one
# coroutine that measures both APIs.
ROLES = {
    "recv": (receive, receive_async, (int, int)),
    "send": (send, send_async, (str, int, int)),
    "server": (serve, serve_async, ()),
    "client": (client, client_async, (str, int, int, int)),
    "inproc": (inproc, inproc_async, (int, int)),
    "ops": (None, ops, (int,)),
}


def main():
    limit_lifetime()
    args = sys.argv[1:]
    use_asyncio = bool(args) and args[-1] == "asyncio"
    if use_asyncio:
        args.pop()
    role = args[0] if args else ""
    if role not in ROLES or len(args) - 1 != len(ROLES[role][2]):
        sys.stderr.write(f"bad arguments {args!r}: see the usage in {sys.argv[0]}\n")
        sys.exit(2)
    blocking, awaited, types = ROLES[role]
    values = [kind(text) for kind, text in zip(types, args[1:])]
    if use_asyncio or blocking is None:
        asyncio.run(awaited(*values))
    else:
        blocking(*values)


if __name__ == "__main__":
    main()

// Proxy: the three classic devices, steering (pause, resume, terminate),
// capture, closing while it runs, and misuse.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Context,
  Dealer,
  Proxy,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  endpoint,
  modUrl,
  receiveWithin,
  runScript,
  text,
  texts,
  type Transport,
} from "./helpers.ts";

const proxyTransports: Transport[] = ["inproc", "ipc", "tcp"];

/**
 * Runs a proxy. If an assertion fails first, closing its sockets in
 * `finally` stops it and rejects the promise: that must not surface as an
 * unhandled rejection on top of the real failure.
 */
function running(proxy: Proxy): Promise<void> {
  const done = proxy.run();
  done.catch(() => {});
  return done;
}

function closeAll(...sockets: (Socket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}

/** Binds a socket to a fresh endpoint and returns the address peers use. */
async function bindFresh(socket: Socket, transport: Transport) {
  await socket.bind(endpoint(transport));
  return socket.getOption("lastEndpoint") as string;
}

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ZmqError, `expected a ZmqError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** A streamer (Pull -> Push) with a Push feeding it and a Pull draining it. */
async function streamer(transport: Transport = "inproc") {
  const proxy = new Proxy(new Pull(), new Push());
  const input = new Push();
  const output = new Pull();
  input.connect(await bindFresh(proxy.frontEnd, transport));
  output.connect(await bindFresh(proxy.backEnd, transport));
  const close = () => closeAll(input, output, proxy.frontEnd, proxy.backEnd);
  return { proxy, input, output, close };
}

describe("proxy devices", () => {
  for (const transport of proxyTransports) {
    test(`queue: Router/Dealer between Request clients and Reply workers over ${transport}`, async () => {
      const proxy = new Proxy(new Router(), new Dealer());
      const clients = [new Request(), new Request()];
      const workers = [new Reply(), new Reply()];
      try {
        const front = await bindFresh(proxy.frontEnd, transport);
        const back = await bindFresh(proxy.backEnd, transport);
        const done = running(proxy);
        for (const worker of workers) worker.connect(back);
        for (const client of clients) client.connect(front);
        const served = workers.map(async (worker, id) => {
          const seen: string[] = [];
          for (;;) {
            const [request] = await worker.receive();
            if (text(request) === "stop") break;
            seen.push(text(request));
            await worker.send(`${text(request)} served by ${id}`);
          }
          await worker.send("stopped");
          return seen;
        });
        const replies = await Promise.all(clients.map(async (client, id) => {
          const got: string[] = [];
          for (let n = 0; n < 5; n++) {
            await client.send(`client ${id} request ${n}`);
            const [reply] = await client.receive();
            got.push(text(reply).replace(/ by \d$/, ""));
          }
          return got;
        }));
        for (const [id, got] of replies.entries()) {
          assert.deepEqual(
            got,
            [0, 1, 2, 3, 4].map((n) => `client ${id} request ${n} served`),
          );
        }
        // The Dealer shares requests between the workers: stop each one.
        for (let n = 0; n < workers.length; n++) {
          await clients[0]!.send("stop");
          assert.equal(text((await clients[0]!.receive())[0]), "stopped");
        }
        const seen = (await Promise.all(served)).flat().sort();
        assert.equal(seen.length, 10);
        proxy.terminate();
        await done;
      } finally {
        closeAll(...clients, ...workers, proxy.frontEnd, proxy.backEnd);
      }
    });

    test(`forwarder: XSubscriber/XPublisher, subscriptions flow upstream over ${transport}`, async () => {
      const proxy = new Proxy(new XSubscriber(), new XPublisher());
      const publisher = new XPublisher();
      const subscriber = new Subscriber();
      try {
        const upstream = await bindFresh(publisher, transport);
        proxy.frontEnd.connect(upstream);
        const back = await bindFresh(proxy.backEnd, transport);
        const done = running(proxy);
        subscriber.connect(back);
        subscriber.subscribe("weather");
        // The publisher sees the subscription only if it crossed the proxy.
        const [subscription] = await publisher.receive();
        assert.deepEqual([...subscription!], [
          1,
          ...new TextEncoder().encode("weather"),
        ]);
        await publisher.send(["sports", "0-0"]);
        await publisher.send(["weather", "sunny"]);
        assert.deepEqual(texts(await subscriber.receive()), [
          "weather",
          "sunny",
        ]);
        subscriber.unsubscribe("weather");
        const [unsubscription] = await publisher.receive();
        assert.deepEqual([...unsubscription!], [
          0,
          ...new TextEncoder().encode("weather"),
        ]);
        proxy.terminate();
        await done;
      } finally {
        closeAll(subscriber, publisher, proxy.frontEnd, proxy.backEnd);
      }
    });

    test(`streamer: Pull/Push keeps order over ${transport}`, async () => {
      const { proxy, input, output, close } = await streamer(transport);
      try {
        const done = running(proxy);
        for (let n = 0; n < 20; n++) await input.send(["task", String(n)]);
        for (let n = 0; n < 20; n++) {
          assert.deepEqual(texts(await output.receive()), ["task", String(n)]);
        }
        proxy.terminate();
        await done;
      } finally {
        close();
      }
    });
  }
});

describe("proxy steering", () => {
  test("pause holds messages, resume delivers them in order", async () => {
    const { proxy, input, output, close } = await streamer();
    try {
      const done = running(proxy);
      await input.send("before");
      assert.deepEqual(texts(await output.receive()), ["before"]);
      await proxy.pause();
      await input.send("held 1");
      await input.send("held 2");
      assert.equal(await receiveWithin(output, 150), null);
      await proxy.resume();
      assert.deepEqual(texts(await output.receive()), ["held 1"]);
      assert.deepEqual(texts(await output.receive()), ["held 2"]);
      proxy.terminate();
      await done;
    } finally {
      close();
    }
  });

  test("pause before the thread starts is applied before any message", async () => {
    const { proxy, input, output, close } = await streamer();
    try {
      const done = running(proxy);
      const paused = proxy.pause();
      await input.send("held");
      assert.equal(await receiveWithin(output, 150), null);
      await paused;
      proxy.resume(); // not awaited: zeromq.js style
      assert.deepEqual(texts(await output.receive()), ["held"]);
      proxy.terminate();
      await done;
    } finally {
      close();
    }
  });

  test("terminate right after run resolves and hands the sockets back", async () => {
    const { proxy, input, output, close } = await streamer("tcp");
    try {
      const done = running(proxy);
      assert.equal(proxy.running, true);
      assert.throws(() => proxy.frontEnd.tryReceive(), isCode("EBUSY"));
      assert.throws(() => proxy.backEnd.lastEndpoint, isCode("EBUSY"));
      proxy.terminate();
      await done;
      assert.equal(proxy.running, false);
      // Usable again on this thread.
      assert.match(proxy.frontEnd.lastEndpoint as string, /^tcp:/);
      await input.send("direct");
      assert.deepEqual(texts(await proxy.frontEnd.receive()), ["direct"]);
      assert.throws(() => proxy.terminate(), isCode("EBADF"));
      assert.throws(() => proxy.pause(), isCode("EBADF"));
      // And the proxy can run again.
      const again = proxy.run();
      await input.send("second run");
      assert.deepEqual(texts(await output.receive()), ["second run"]);
      proxy.terminate();
      await again;
    } finally {
      close();
    }
  });

  test("capture receives a copy of every message in both directions", async () => {
    const proxy = new Proxy(new Router(), new Dealer(), {
      capture: new Push(),
    });
    const captured = new Pull();
    const client = new Request();
    const worker = new Reply();
    try {
      captured.connect(await bindFresh(proxy.capture!, "inproc"));
      client.connect(await bindFresh(proxy.frontEnd, "inproc"));
      worker.connect(await bindFresh(proxy.backEnd, "inproc"));
      const done = running(proxy);
      await client.send("Hello");
      assert.deepEqual(texts(await worker.receive()), ["Hello"]);
      await worker.send("World");
      assert.deepEqual(texts(await client.receive()), ["World"]);
      // Request: [routing id, "", "Hello"]; reply: [routing id, "", "World"].
      const request = await captured.receive();
      assert.deepEqual(texts(request.slice(1)), ["", "Hello"]);
      const reply = await captured.receive();
      assert.deepEqual(texts(reply.slice(1)), ["", "World"]);
      assert.deepEqual(reply[0], request[0]);
      proxy.terminate();
      await done;
    } finally {
      closeAll(captured, client, worker, proxy.capture);
      closeAll(proxy.frontEnd, proxy.backEnd);
    }
  });
});

describe("proxy ends when its sockets or context close", () => {
  test("closing the context while it runs rejects run() with ETERM", async () => {
    const context = new Context();
    const proxy = new Proxy(new Pull({ context }), new Push({ context }));
    const input = new Push({ context });
    const output = new Pull({ context });
    await proxy.frontEnd.bind("inproc://ctx-front");
    await proxy.backEnd.bind("inproc://ctx-back");
    input.connect("inproc://ctx-front");
    output.connect("inproc://ctx-back");
    const done = running(proxy);
    await input.send("through");
    assert.deepEqual(texts(await output.receive()), ["through"]);
    context.close();
    await assert.rejects(done, isCode("ETERM"));
    assert.equal(proxy.frontEnd.closed, true);
    assert.equal(proxy.backEnd.closed, true);
  });

  test("closing one of its sockets stops it first; run() rejects with EBADF", async () => {
    const { proxy, input, output, close } = await streamer();
    try {
      const done = running(proxy);
      await input.send("through");
      assert.deepEqual(texts(await output.receive()), ["through"]);
      proxy.backEnd.close();
      await assert.rejects(done, isCode("EBADF"));
      assert.equal(proxy.backEnd.closed, true);
      assert.equal(proxy.frontEnd.closed, false);
      assert.equal(proxy.frontEnd.tryReceive(), null);
    } finally {
      close();
    }
  });

  test("a program whose proxy was terminated exits by itself", async () => {
    const child = await runScript(
      `
      import { Proxy, Pull, Push } from "${modUrl}";
      const proxy = new Proxy(new Pull(), new Push());
      await proxy.frontEnd.bind("inproc://exit-front");
      await proxy.backEnd.bind("inproc://exit-back");
      const done = proxy.run();
      setTimeout(() => proxy.terminate(), 50);
      await done;
      console.log("terminated");
    `,
      { timeout: 15000 },
    );
    assert.equal(child.stdout.trim(), "terminated", child.stderr);
    assert.equal(child.code, 0, child.stderr);
  });
  test("process.exit() while a proxy forwards ends the program promptly", async () => {
    // Node cannot end a thread inside zmq_proxy_steerable: the proxy is
    // stopped on exit instead (src/proxy.ts).
    const child = await runScript(
      `
      import { Proxy, Pull, Push } from "${modUrl}";
      const proxy = new Proxy(new Pull(), new Push());
      await proxy.frontEnd.bind("tcp://127.0.0.1:*");
      await proxy.backEnd.bind("tcp://127.0.0.1:*");
      const sink = new Pull();
      sink.connect(proxy.backEnd.lastEndpoint);
      const source = new Push();
      source.connect(proxy.frontEnd.lastEndpoint);
      proxy.run().catch(() => {});
      await source.send("through");
      await sink.receive();
      console.log("forwarding");
      process.exit(0);
    `,
      { timeout: 15000 },
    );
    assert.equal(child.stdout.trim(), "forwarding", child.stderr);
    assert.equal(child.signal, null, child.stderr);
    assert.equal(child.code, 0, child.stderr);
  });
});

describe("proxy misuse", () => {
  test("running twice rejects with EBUSY and leaves the first run alone", async () => {
    const { proxy, input, output, close } = await streamer();
    try {
      const done = running(proxy);
      await assert.rejects(proxy.run(), isCode("EBUSY"));
      await input.send("still running");
      assert.deepEqual(texts(await output.receive()), ["still running"]);
      proxy.terminate();
      await done;
    } finally {
      close();
    }
  });

  test("a socket already used by a running proxy is refused with EBUSY", async () => {
    const { proxy, close } = await streamer();
    const other = new Proxy(proxy.frontEnd, new Push());
    try {
      const done = running(proxy);
      await assert.rejects(other.run(), isCode("EBUSY"));
      proxy.terminate();
      await done;
    } finally {
      close();
      other.backEnd.close();
    }
  });

  test("a socket with a pending receive is refused with EBUSY", async () => {
    const { proxy, close } = await streamer();
    try {
      const pending = proxy.frontEnd.receive();
      await assert.rejects(proxy.run(), isCode("EBUSY"));
      assert.equal(proxy.running, false);
      close();
      await assert.rejects(pending, isCode("EBADF"));
    } finally {
      close();
    }
  });

  test("a closed socket is refused with EBADF", async () => {
    const { proxy, close } = await streamer();
    try {
      proxy.backEnd.close();
      await assert.rejects(proxy.run(), isCode("EBADF"));
      // The front-end was handed back.
      assert.equal(proxy.frontEnd.tryReceive(), null);
    } finally {
      close();
    }
  });

  test("a socket never bound or connected is refused with EINVAL", async () => {
    const { proxy, close } = await streamer();
    const front = new Proxy(new Pull(), proxy.backEnd);
    const back = new Proxy(proxy.frontEnd, new Push());
    try {
      await assert.rejects(front.run(), (error: ZmqError) => {
        assert.equal(error.code, "EINVAL");
        assert.match(
          error.message,
          /front-end socket is neither bound nor connected/,
        );
        return true;
      });
      await assert.rejects(back.run(), (error: ZmqError) => {
        assert.equal(error.code, "EINVAL");
        assert.match(
          error.message,
          /back-end socket is neither bound nor connected/,
        );
        return true;
      });
      assert.equal(front.running, false);
      // Nothing was lent: the sockets still work here.
      assert.equal(proxy.backEnd.trySend("after"), true);
    } finally {
      close();
      front.frontEnd.close();
      back.backEnd.close();
    }
  });

  test("a proxy refuses properties it does not have", () => {
    const proxy = new Proxy(new Pull(), new Push());
    try {
      assert.throws(() => {
        (proxy as unknown as Record<string, unknown>).captur = proxy.frontEnd;
      }, TypeError);
    } finally {
      proxy.frontEnd.close();
      proxy.backEnd.close();
    }
  });

  test("steering before run() throws EBADF", () => {
    const proxy = new Proxy(new Pull(), new Push());
    try {
      assert.throws(() => proxy.pause(), isCode("EBADF"));
      assert.throws(() => proxy.resume(), isCode("EBADF"));
      assert.throws(() => proxy.terminate(), isCode("EBADF"));
    } finally {
      closeAll(proxy.frontEnd, proxy.backEnd);
    }
  });

  test("arguments that are not sockets throw TypeError", () => {
    const pull = new Pull();
    const push = new Push();
    try {
      // deno-lint-ignore no-explicit-any
      const AnyProxy = Proxy as any;
      assert.throws(() => new AnyProxy(), TypeError);
      assert.throws(() => new AnyProxy(pull, {}), TypeError);
      assert.throws(() => new AnyProxy(pull, pull, { capture: 1 }), TypeError);
      assert.throws(
        () => new Proxy(pull, push, { capture: pull }),
        /capture must be another socket/,
      );
    } finally {
      pull.close();
      push.close();
    }
  });
});

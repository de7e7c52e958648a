// What goes wrong and how it is reported: ZmqError codes, messages and
// endpoints for bad addresses, state machine misuse and would-block cases.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Stream,
  Subscriber,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import { endpoint, texts, zmqCode } from "./helpers.ts";

describe("ZmqError", () => {
  test("is an Error with a stable code, errno, operation and endpoint", () => {
    using socket = new Push();
    let caught: unknown;
    try {
      socket.bindSync("foo://x");
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ZmqError);
    assert.ok(caught instanceof Error);
    assert.equal(caught.name, "ZmqError");
    assert.equal(caught.code, "EPROTONOSUPPORT");
    assert.equal(typeof caught.errno, "number");
    assert.ok(caught.errno > 0);
    assert.equal(caught.operation, "bind");
    assert.equal(caught.endpoint, "foo://x");
    assert.match(caught.message, /foo:\/\/x/);
    assert.ok(caught.stack?.includes("ZmqError"));
  });

  test("can be constructed with details", () => {
    const error = new ZmqError("EAGAIN", "try later", { operation: "send" });
    assert.equal(error.code, "EAGAIN");
    assert.equal(error.operation, "send");
    assert.equal(error.endpoint, undefined);
    assert.equal(error.message, "try later");
    assert.ok(error.errno > 0);
  });
});

describe("endpoint errors", () => {
  test("bind conflicts are EADDRINUSE naming the address", () => {
    for (const transport of ["tcp", "inproc"] as const) {
      using first = new Pull();
      using second = new Pull();
      first.bindSync(endpoint(transport));
      const address = first.lastEndpoint;
      assert.throws(() => second.bindSync(address), (error: ZmqError) => {
        assert.equal(error.code, "EADDRINUSE");
        assert.equal(error.endpoint, address);
        assert.ok(error.message.includes(address), error.message);
        return true;
      });
    }
  });

  test("the awaited bind rejects the same way", async () => {
    using first = new Pull();
    using second = new Pull();
    await first.bind("tcp://127.0.0.1:*");
    await assert.rejects(
      second.bind(first.lastEndpoint),
      zmqCode("EADDRINUSE"),
    );
    // The socket is still usable: another port works.
    await second.bind("tcp://127.0.0.1:*");
    assert.notEqual(second.lastEndpoint, first.lastEndpoint);
  });

  test("unknown transport is EPROTONOSUPPORT", () => {
    using socket = new Pair();
    assert.throws(
      () => socket.bindSync("foo://x"),
      zmqCode("EPROTONOSUPPORT", /foo:\/\/x/),
    );
    assert.throws(() => socket.connect("foo://x"), zmqCode("EPROTONOSUPPORT"));
  });

  test("malformed endpoints are EINVAL with the endpoint", () => {
    using socket = new Pair();
    for (const bad of ["tcp://nohost", "garbage", "tcp://", "tcp://:"]) {
      assert.throws(() => socket.bindSync(bad), (error: ZmqError) => {
        assert.equal(error.code, "EINVAL", bad);
        assert.equal(error.endpoint, bad);
        assert.ok(error.message.includes(bad), error.message);
        return true;
      });
      assert.throws(() => socket.connect(bad), zmqCode("EINVAL"), bad);
    }
  });

  test("binding to an interface that does not exist is ENODEV", () => {
    using socket = new Pair();
    assert.throws(
      () => socket.bindSync("tcp://nohost:5555"),
      zmqCode("ENODEV", /nohost/),
    );
  });

  test("empty and non-string endpoints are TypeErrors", async () => {
    using socket = new Dealer();
    const bad: unknown[] = ["", 42, null, undefined, {}];
    // A NUL would end the C string libzmq reads: a RangeError.
    assert.throws(() => socket.bindSync("tcp://a\0b"), RangeError);
    assert.throws(() => socket.connect("tcp://a\0b"), RangeError);
    for (const value of bad) {
      const address = value as string;
      assert.throws(() => socket.bindSync(address), TypeError, String(value));
      assert.throws(() => socket.connect(address), TypeError);
      assert.throws(() => socket.unbindSync(address), TypeError);
      assert.throws(() => socket.disconnect(address), TypeError);
      await assert.rejects(socket.bind(address), TypeError);
      await assert.rejects(socket.unbind(address), TypeError);
    }
  });

  test("unbind and disconnect of unknown endpoints are ENOENT", async () => {
    using socket = new Dealer();
    const address = "tcp://127.0.0.1:5999";
    assert.throws(() => socket.unbindSync(address), (error: ZmqError) => {
      assert.equal(error.code, "ENOENT");
      assert.equal(error.endpoint, address);
      assert.match(error.message, /not bound or connected/);
      return true;
    });
    await assert.rejects(socket.unbind(address), zmqCode("ENOENT"));
    assert.throws(() => socket.disconnect(address), zmqCode("ENOENT"));
    // Known ones succeed, once.
    socket.bindSync("tcp://127.0.0.1:*");
    const bound = socket.lastEndpoint;
    socket.connect("inproc://nobody-yet");
    socket.disconnect("inproc://nobody-yet");
    assert.throws(
      () => socket.disconnect("inproc://nobody-yet"),
      zmqCode("ENOENT"),
    );
    await socket.unbind(bound);
    assert.throws(() => socket.unbindSync(bound), zmqCode("ENOENT"));
  });
});

describe("state machine errors", () => {
  test("Request must alternate send and receive (EFSM)", async () => {
    using rep = new Reply({ receiveTimeout: 15000 });
    using req = new Request({ receiveTimeout: 15000 });
    rep.bindSync(endpoint("inproc"));
    req.connect(rep.lastEndpoint);

    // Receiving before any request was sent.
    assert.throws(() => req.tryReceive(), zmqCode("EFSM", /must alternate/));
    assert.throws(() => req.receiveSync(), zmqCode("EFSM", /Request/));
    await assert.rejects(req.receive(), zmqCode("EFSM"));

    req.sendSync("first");
    // A second request before the reply.
    assert.throws(
      () => req.sendSync("second"),
      zmqCode("EFSM", /Cannot send on a Request socket.*must alternate/),
    );
    assert.throws(() => req.trySend("second"), zmqCode("EFSM"));
    await assert.rejects(req.send("second"), zmqCode("EFSM"));

    // The socket recovers once the exchange completes.
    assert.deepEqual(texts(rep.receiveSync()), ["first"]);
    rep.sendSync("answer");
    assert.deepEqual(texts(req.receiveSync()), ["answer"]);
    req.sendSync("third");
    assert.deepEqual(texts(rep.receiveSync()), ["third"]);
  });

  test("Reply must receive before it sends (EFSM)", async () => {
    using rep = new Reply();
    rep.bindSync(endpoint("inproc"));
    assert.throws(
      () => rep.sendSync("unasked"),
      zmqCode("EFSM", /Cannot send on a Reply socket.*must alternate/),
    );
    assert.throws(() => rep.trySend("unasked"), zmqCode("EFSM"));
    await assert.rejects(rep.send("unasked"), zmqCode("EFSM"));
  });
});

describe("would-block errors (EAGAIN)", () => {
  test("trySend gives false and tryReceive null", () => {
    using push = new Push();
    using pull = new Pull();
    assert.equal(push.trySend("nobody listens"), false);
    assert.equal(pull.tryReceive(), null);
    pull.bindSync(endpoint("inproc"));
    assert.equal(pull.tryReceive(), null);
  });

  test("sendSync and receiveSync time out with EAGAIN", () => {
    using push = new Push({ sendTimeout: 20 });
    using pull = new Pull({ receiveTimeout: 20 });
    pull.bindSync(endpoint("inproc"));
    const started = performance.now();
    assert.throws(
      () => pull.receiveSync(),
      zmqCode("EAGAIN", /No message arrived/),
    );
    assert.ok(performance.now() - started >= 15);
    assert.throws(() => push.sendSync("nobody"), zmqCode("EAGAIN", /send/));
  });

  test("the awaited forms time out with EAGAIN too", async () => {
    using push = new Push({ sendTimeout: 20 });
    using pull = new Pull({ receiveTimeout: 20 });
    pull.bindSync(endpoint("inproc"));
    await assert.rejects(pull.receive(), zmqCode("EAGAIN"));
    await assert.rejects(push.send("nobody"), zmqCode("EAGAIN"));
    // Nothing was queued by the failed send.
    push.connect(pull.lastEndpoint);
    push.sendSync("after");
    assert.deepEqual(texts(pull.receiveSync()), ["after"]);
  });

  test("a send past the high-water mark would block", () => {
    using push = new Push({ sendHighWaterMark: 1 });
    using pull = new Pull({ receiveHighWaterMark: 1 });
    pull.bindSync(endpoint("inproc"));
    push.connect(pull.lastEndpoint);
    let sent = 0;
    while (push.trySend(String(sent))) sent++;
    assert.ok(sent >= 1 && sent < 10, `sent ${sent}`);
    assert.equal(push.writable, false);
    assert.deepEqual(texts(pull.receiveSync()), ["0"]);
  });
});

describe("mixing blocking and awaited calls", () => {
  test("sync calls cannot overtake waiting awaited ones (EBUSY)", async () => {
    using pull = new Pull({ receiveHighWaterMark: 1, receiveTimeout: 15000 });
    using push = new Push({ sendHighWaterMark: 1, sendTimeout: 15000 });
    pull.bindSync(endpoint("inproc"));

    const waiting = pull.receive();
    assert.throws(() => pull.receiveSync(), zmqCode("EBUSY"));
    // tryReceive never takes a message from an awaited receive queued first.
    assert.equal(pull.tryReceive(), null);

    push.connect(pull.lastEndpoint);
    let filled = 0;
    while (push.trySend(`fill ${filled}`)) filled++;
    const blocked = push.send("queued");
    assert.throws(() => push.sendSync("overtaking"), zmqCode("EBUSY"));
    assert.equal(push.trySend("overtaking"), false);

    assert.deepEqual(texts(await waiting), ["fill 0"]);
    await blocked;
    const rest: string[] = [];
    while (rest.at(-1) !== "queued") rest.push(...texts(await pull.receive()));
    assert.deepEqual(
      rest,
      [
        ...Array.from({ length: filled - 1 }, (_, n) => `fill ${n + 1}`),
        "queued",
      ],
    );
  });
});

describe("routing errors", () => {
  test("Router with mandatory: true fails with EHOSTUNREACH", async () => {
    using router = new Router({ mandatory: true });
    const unreachable = zmqCode("EHOSTUNREACH", /routing id/);
    assert.throws(() => router.sendSync(["nobody", "x"]), unreachable);
    assert.throws(() => router.trySend(["nobody", "x"]), unreachable);
    await assert.rejects(router.send(["nobody", "x"]), unreachable);
  });

  test("Router without mandatory drops silently", () => {
    using router = new Router();
    assert.equal(router.trySend(["nobody", "x"]), true);
    router.sendSync(["nobody", "x"]);
  });

  test("Stream to an unknown connection id fails with EHOSTUNREACH", () => {
    using stream = new Stream();
    assert.throws(
      () => stream.sendSync([new Uint8Array([0, 1, 2, 3, 4]), "x"]),
      zmqCode("EHOSTUNREACH"),
    );
  });
});

describe("API misuse", () => {
  test("subscribe exists only on Subscriber", () => {
    const others = [new Publisher(), new Push(), new XSubscriber()];
    try {
      for (const socket of others) {
        const loose = socket as unknown as { subscribe?: unknown };
        assert.equal(loose.subscribe, undefined, socket.constructor.name);
        assert.throws(
          () => (loose.subscribe as () => void)(),
          TypeError,
        );
      }
    } finally {
      for (const socket of others) socket.close();
    }
  });

  test("subscribe rejects prefixes that are not text or bytes", () => {
    using sub = new Subscriber();
    assert.throws(() => sub.subscribe(42 as never), TypeError);
    assert.throws(() => sub.unsubscribe(null as never), TypeError);
    sub.subscribe("ok", new Uint8Array([1, 2]));
  });

  test("send-only and receive-only sockets lack the other direction", () => {
    using push = new Push();
    using pull = new Pull();
    const loosePush = push as unknown as Record<string, unknown>;
    const loosePull = pull as unknown as Record<string, unknown>;
    for (const name of ["receive", "tryReceive", "receiveSync"]) {
      assert.equal(loosePush[name], undefined, name);
    }
    for (const name of ["send", "trySend", "sendSync"]) {
      assert.equal(loosePull[name], undefined, name);
    }
  });

  test("Router.connect validates the routing id", () => {
    using router = new Router();
    assert.throws(
      () => router.connect("inproc://x", { routingId: 5 as never }),
      TypeError,
    );
    assert.throws(
      () => router.connect("inproc://x", { routingId: "" }),
      RangeError,
    );
    assert.throws(
      () => router.connect("inproc://x", { routingId: "x".repeat(256) }),
      RangeError,
    );
  });
});

// Every socket type pairing over inproc, ipc and tcp, with the blocking
// (sendSync/receiveSync), non-waiting (trySend/tryReceive) and awaited forms.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as tcpConnect } from "node:net";
import { inspect } from "node:util";
import {
  capability,
  Context,
  Dealer,
  Pair,
  Poller,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import {
  endpoint,
  publishUntilReceived,
  receiveWithin,
  text,
  texts,
  type Transport,
  transports,
} from "./helpers.ts";

// Long enough for a loaded CI machine (Deno type-checks the watcher thread's
// module on the first wait), short enough that a bug fails instead of hanging.
const timeouts = { receiveTimeout: 15000, sendTimeout: 15000 } as const;

/** Binds `server` on a fresh endpoint and connects `client` to it. */
function wire(server: Socket, client: Socket, transport: Transport): string {
  server.bindSync(endpoint(transport));
  const address = server.getOption("lastEndpoint") as string;
  client.connect(address);
  return address;
}

/** Polls trySend/tryReceive-style calls until they succeed (bounded). */
async function eventually<T>(
  attempt: () => T | null | false,
  what: string,
): Promise<T> {
  for (let round = 0; round < 500; round++) {
    const result = attempt();
    if (result !== null && result !== false) return result;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

for (const transport of transports) {
  describe(`socket pairings over ${transport}`, () => {
    test("Pair/Pair: both directions, sync and awaited", async () => {
      using left = new Pair(timeouts);
      using right = new Pair(timeouts);
      wire(left, right, transport);

      right.sendSync("ping");
      assert.deepEqual(texts(left.receiveSync()), ["ping"]);
      left.sendSync(["pong", "2"]);
      assert.deepEqual(texts(right.receiveSync()), ["pong", "2"]);

      const received = left.receive();
      await right.send("awaited");
      assert.deepEqual(texts(await received), ["awaited"]);
    });

    test("Push/Pull: order kept; trySend/tryReceive", async () => {
      using pull = new Pull(timeouts);
      using push = new Push(timeouts);
      wire(pull, push, transport);

      for (let index = 0; index < 10; index++) push.sendSync(`job ${index}`);
      for (let index = 0; index < 10; index++) {
        assert.equal(text(pull.receiveSync()[0]), `job ${index}`);
      }
      assert.equal(pull.tryReceive(), null);

      assert.equal(push.trySend("try"), true);
      const frames = await eventually(() => pull.tryReceive(), "tryReceive");
      assert.deepEqual(texts(frames), ["try"]);

      await push.send(["a", "b"]);
      assert.deepEqual(texts(await pull.receive()), ["a", "b"]);
    });

    test("Publisher/Subscriber: prefixes, unsubscribe, subscribe()", async () => {
      using pub = new Publisher(timeouts);
      using sub = new Subscriber(timeouts);
      wire(pub, sub, transport);
      // The next message that is not a leftover copy of a sync message.
      const next = async () => {
        for (;;) {
          const frames = await receiveWithin(sub, 2000);
          assert.ok(frames !== null, "expected a message");
          if (!text(frames[0]).startsWith("sync-")) return texts(frames);
        }
      };

      // A new Subscriber filters everything out until it subscribes.
      sub.subscribe("sync-1");
      await publishUntilReceived(pub, sub, "sync-1");
      sub.subscribe("weather", Uint8Array.of(0x6e, 0x65, 0x77, 0x73)); // "news"
      // Subscriptions travel in order: once "sync-2" arrives, the ones above
      // reached the publisher too.
      sub.subscribe("sync-2");
      await publishUntilReceived(pub, sub, "sync-2");
      for (const message of ["sports 1", "weather 1", "other", "news 1"]) {
        pub.sendSync(message);
      }
      pub.sendSync(["weather 2", "second frame"]);
      assert.deepEqual(await next(), ["weather 1"]);
      assert.deepEqual(await next(), ["news 1"]);
      assert.deepEqual(await next(), ["weather 2", "second frame"]);

      sub.unsubscribe("weather");
      sub.subscribe("sync-3");
      await publishUntilReceived(pub, sub, "sync-3");
      pub.sendSync("weather 3");
      pub.sendSync("news 3");
      assert.deepEqual(await next(), ["news 3"]);

      sub.subscribe(); // everything
      sub.subscribe("sync-4");
      await publishUntilReceived(pub, sub, "sync-4");
      pub.sendSync("weather 4");
      pub.sendSync("anything at all");
      assert.deepEqual(await next(), ["weather 4"]);
      assert.deepEqual(await next(), ["anything at all"]);

      sub.unsubscribe(); // back to the prefixes: "news" and the sync ones
      sub.subscribe("sync-5");
      await publishUntilReceived(pub, sub, "sync-5");
      pub.sendSync("anything 5");
      pub.sendSync("news 5");
      assert.deepEqual(await next(), ["news 5"]);
    });

    test("Request/Reply: lock-step, sync and awaited", async () => {
      using rep = new Reply(timeouts);
      using req = new Request(timeouts);
      wire(rep, req, transport);

      for (let round = 0; round < 3; round++) {
        req.sendSync(`question ${round}`);
        assert.deepEqual(texts(rep.receiveSync()), [`question ${round}`]);
        rep.sendSync(["answer", String(round)]);
        assert.deepEqual(texts(req.receiveSync()), ["answer", String(round)]);
      }

      const served = (async () => {
        const [question] = await rep.receive();
        await rep.send(`echo ${text(question)}`);
      })();
      await req.send("awaited");
      assert.deepEqual(texts(await req.receive()), ["echo awaited"]);
      await served;
    });

    test("Dealer/Router: routing id frame both ways", async () => {
      using router = new Router(timeouts);
      using named = new Dealer({ ...timeouts, routingId: "dealer-1" });
      using anonymous = new Dealer(timeouts);
      const address = wire(router, named, transport);
      anonymous.connect(address);

      named.sendSync("hello");
      const [id, body] = router.receiveSync();
      assert.equal(text(id), "dealer-1");
      assert.equal(text(body), "hello");

      await anonymous.send(["two", "frames"]);
      const [autoId, ...frames] = await router.receive();
      // libzmq's generated ids are 5 bytes starting with a zero byte.
      assert.equal(autoId!.length, 5);
      assert.equal(autoId![0], 0);
      assert.deepEqual(texts(frames), ["two", "frames"]);

      router.sendSync([id!, "to named"]);
      await router.send([autoId!, "to anonymous"]);
      assert.deepEqual(texts(named.receiveSync()), ["to named"]);
      assert.deepEqual(texts(await anonymous.receive()), ["to anonymous"]);
    });

    test("Router.connect with routingId names the peer", async () => {
      using dealer = new Dealer(timeouts);
      using router = new Router({ ...timeouts, mandatory: true });
      dealer.bindSync(endpoint(transport));
      router.connect(dealer.lastEndpoint, { routingId: "peer-A" });

      // mandatory: true would throw EHOSTUNREACH if "peer-A" were unknown.
      router.sendSync(["peer-A", "hello"]);
      assert.deepEqual(texts(dealer.receiveSync()), ["hello"]);
      await dealer.send("back");
      assert.deepEqual(texts(await router.receive()), ["peer-A", "back"]);
    });

    test("Dealer/Reply: empty delimiter frame", async () => {
      using rep = new Reply(timeouts);
      using dealer = new Dealer(timeouts);
      wire(rep, dealer, transport);

      dealer.sendSync(["", "request"]);
      assert.deepEqual(texts(rep.receiveSync()), ["request"]);
      rep.sendSync("reply");
      assert.deepEqual(texts(dealer.receiveSync()), ["", "reply"]);

      await dealer.send(["", "again"]);
      assert.deepEqual(texts(await rep.receive()), ["again"]);
      await rep.send("done");
      assert.deepEqual(texts(await dealer.receive()), ["", "done"]);
    });

    test("Request/Router: envelope with delimiter", async () => {
      using router = new Router(timeouts);
      using req = new Request({ ...timeouts, routingId: "client-7" });
      wire(router, req, transport);

      req.sendSync("hi");
      const [id, delimiter, body] = router.receiveSync();
      assert.equal(text(id), "client-7");
      assert.equal(delimiter!.length, 0);
      assert.equal(text(body), "hi");
      router.sendSync([id!, "", "ok"]);
      assert.deepEqual(texts(req.receiveSync()), ["ok"]);

      await req.send("again");
      const envelope = await router.receive();
      assert.deepEqual(texts(envelope), ["client-7", "", "again"]);
      await router.send([envelope[0]!, "", "ok 2"]);
      assert.deepEqual(texts(await req.receive()), ["ok 2"]);
    });

    test("XPublisher/XSubscriber: subscription frames and delivery", async () => {
      using xpub = new XPublisher(timeouts);
      using xsub = new XSubscriber(timeouts);
      using sub = new Subscriber(timeouts);
      const address = wire(xpub, xsub, transport);

      xsub.sendSync(Uint8Array.of(1, ...new TextEncoder().encode("topic")));
      const [subscription] = xpub.receiveSync();
      assert.deepEqual([...subscription!], [1, ...Buffer.from("topic")]);

      // XPUB applied the subscription before handing it to us.
      xpub.sendSync("other");
      xpub.sendSync(["topic", "data"]);
      assert.deepEqual(texts(xsub.receiveSync()), ["topic", "data"]);

      sub.connect(address);
      sub.subscribe("abc");
      const [fromSub] = await xpub.receive();
      assert.equal(fromSub![0], 1);
      assert.equal(text(fromSub!.subarray(1)), "abc");
      await xpub.send("abc news");
      assert.deepEqual(texts(await sub.receive()), ["abc news"]);

      xsub.sendSync(Uint8Array.of(0, ...new TextEncoder().encode("topic")));
      const [unsubscription] = xpub.receiveSync();
      assert.equal(unsubscription![0], 0);
      assert.equal(text(unsubscription!.subarray(1)), "topic");
    });
  });
}

describe("Stream", () => {
  test("raw TCP client: connect notification, data, reply, disconnect", async () => {
    using stream = new Stream(timeouts);
    await stream.bind("tcp://127.0.0.1:*");
    const port = Number(stream.lastEndpoint.split(":").pop());
    const client = tcpConnect(port, "127.0.0.1");
    const closed = once(client, "close");
    try {
      await once(client, "connect");
      const [id, notification] = await stream.receive();
      assert.ok(id!.length > 0);
      assert.equal(notification!.length, 0);

      client.write("hello");
      const [dataId, data] = await stream.receive();
      assert.deepEqual(dataId, id);
      assert.equal(text(data), "hello");

      const reply = once(client, "data");
      await stream.send([id!, "world"]);
      const [chunk] = await reply;
      assert.equal(text(chunk), "world");

      client.end();
      const [goneId, goodbye] = await stream.receive();
      assert.deepEqual(goneId, id);
      assert.equal(goodbye!.length, 0);
    } finally {
      client.destroy();
      await closed;
    }
  });
});

describe("Stream.connect with a routing id", () => {
  test("the connection's messages lead with the given id; an id serves one connect", async () => {
    using server = new Stream(timeouts);
    using client = new Stream(timeouts);
    await server.bind("tcp://127.0.0.1:*");
    client.connect(server.lastEndpoint, { routingId: "web" });
    // With notify on, the connect notification carries the id.
    const [id, notification] = await client.receive();
    assert.equal(text(id), "web");
    assert.equal(notification!.length, 0);
    await client.send(["web", "ping"]);
    const [, first] = await server.receive(); // the server's connect notification
    assert.equal(first!.length, 0);
    const [, data] = await server.receive();
    assert.equal(text(data), "ping");
    assert.throws(
      () => client.connect(server.lastEndpoint, { routingId: "web" }),
      { code: "EEXIST" },
    );
    assert.throws(
      () => client.connect(server.lastEndpoint, { routingId: "" }),
      RangeError,
    );
  });
});

describe("XPublisher.verbosity", () => {
  test("allSubs passes a second subscriber's duplicate subscription; a bad value is refused", async () => {
    using xpub = new XPublisher(timeouts);
    using first = new Subscriber();
    using second = new Subscriber();
    assert.equal(xpub.verbosity, null);
    xpub.verbosity = "allSubs";
    assert.equal(xpub.verbosity, "allSubs");
    assert.throws(() => {
      xpub.verbosity = "everything" as "allSubs";
    }, TypeError);
    await xpub.bind("tcp://127.0.0.1:*");
    for (const sub of [first, second]) {
      sub.connect(xpub.lastEndpoint);
      sub.subscribe("topic");
      const [subscription] = await xpub.receive();
      assert.equal(text(subscription), "\x01topic");
    }
  });
});

describe("objects a program prints and mistypes", () => {
  test("printing a socket shows its type, endpoints, state and pending operations, never option values", async () => {
    const pull = new Pull();
    const push = new Push();
    try {
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint);
      const pending = pull.receive();
      const shown = inspect(pull);
      assert.match(shown, /^Pull \{/);
      assert.ok(shown.includes(pull.lastEndpoint), shown);
      assert.match(shown, /closed: false/);
      assert.match(shown, /receives: 1/);
      using plain = new Dealer({
        plainUsername: "user",
        plainPassword: "top-secret-password",
      });
      assert.doesNotMatch(inspect(plain), /top-secret/);
      assert.ok(inspect(push).includes(`connected: ["${pull.lastEndpoint}"]`));
      await push.send("done");
      await pending;
      assert.match(inspect(capability), /curve: (true|false)/);
      assert.match(inspect(new Poller()), /^Poller \{ closed: false/);
    } finally {
      push.close();
      pull.close();
    }
    assert.match(inspect(pull), /closed: true/);
  });

  test("a misspelt property throws instead of doing nothing", () => {
    using sock = new Dealer();
    const context = new Context();
    const poller = new Poller();
    try {
      assert.throws(() => {
        (sock as unknown as Record<string, unknown>).recieveTimeout = 5;
      }, TypeError);
      assert.throws(() => {
        (context as unknown as Record<string, unknown>).ioThread = 2;
      }, TypeError);
      assert.throws(() => {
        (poller as unknown as Record<string, unknown>).timeout = 2;
      }, TypeError);
      // Spreading or listing a socket's values never throws.
      assert.doesNotThrow(() => ({ ...sock }));
      assert.doesNotThrow(() => Object.values(sock));
      // A program's own subclass stays extensible.
      class Tagged extends Dealer {
        tag = "mine";
      }
      using tagged = new Tagged();
      assert.equal(tagged.tag, "mine");
    } finally {
      poller.close();
      context.close();
    }
  });
});

import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Authenticator,
  Context,
  Dealer,
  type Event,
  type EventOfType,
  type EventType,
  HandshakeError,
  type Observer,
  Observer as ObserverClass,
  Push,
  Router,
  type Socket,
  ZmqError,
} from "../mod.ts";
import { loadLibzmq } from "../ffi/load.ts";
import { socketInternals } from "../src/socket.ts";
import {
  endpoint,
  freePort,
  nextEvent,
  runChild,
  type Transport,
} from "./helpers.ts";

// Events that cannot be provoked from a test: `close:error` needs close(2)
// on a socket descriptor to fail, `unknown` an event this libzmq does not
// name. `connect:delay` exists only for tcp (an ipc connect completes or
// fails at once).

/** Every event until the observer ends (its socket must be closed). */
async function rest(events: Observer): Promise<Event[]> {
  const all: Event[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Closes sockets, then waits until each observer delivered `end`. */
async function closeAll(...sockets: Socket[]): Promise<void> {
  const observers = sockets.map((socket) => socket.events);
  const ends = observers.map((events) => events.closed ? [] : rest(events));
  for (const socket of sockets) socket.close();
  for (const events of await Promise.all(ends)) {
    if (events.length > 0) assert.equal(events.at(-1)!.type, "end");
  }
}

/** A raw TCP or Unix-socket client that speaks no ZMTP. */
function rawClient(address: string): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const client = address.startsWith("tcp://")
      ? netConnect(Number(address.split(":").at(-1)), "127.0.0.1")
      : netConnect({ path: address.slice("ipc://".length) });
    client.once("connect", () => resolve(client));
    client.once("error", reject);
  });
}

const encoder = new TextEncoder();
// Options outside the option table (deprecated in libzmq, used here only to
// make libzmq refuse a connection at accept time).
const TCP_ACCEPT_FILTER = 38;
const IPC_FILTER_PID = 58;

function refuseEveryPeer(socket: Socket, transport: Transport): void {
  const handle = socketInternals(socket).handle("test");
  const value = transport === "tcp"
    ? encoder.encode("192.0.2.1") // TEST-NET-1: never our loopback peer
    : Int32Array.of(0x7fffffff); // no process has this pid
  assert.equal(
    loadLibzmq().zmq_setsockopt(
      handle,
      transport === "tcp" ? TCP_ACCEPT_FILTER : IPC_FILTER_PID,
      value,
      BigInt(value.byteLength),
    ),
    0,
  );
}

describe("observer", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    test(`bind, accept, connect, handshake, disconnect, close, end over ${transport}`, async () => {
      const server = new Router();
      const client = new Dealer();
      try {
        const serverEvents = server.events;
        await server.bind(endpoint(transport));
        const address = server.lastEndpoint;
        assert.deepEqual(await nextEvent(serverEvents, "bind"), {
          type: "bind",
          address,
        });

        const clientEvents = client.events;
        client.connect(address);
        const clientSeen: EventType[] = [];
        assert.deepEqual(await nextEvent(clientEvents, "connect", clientSeen), {
          type: "connect",
          address,
        });
        if (transport === "tcp") {
          // Only tcp connects asynchronously (EINPROGRESS).
          assert.ok(
            clientSeen.every((type) =>
              type === "connect:delay" || type === "connect"
            ),
            String(clientSeen),
          );
        }
        assert.deepEqual(await nextEvent(clientEvents, "handshake"), {
          type: "handshake",
          address,
        });
        assert.deepEqual(await nextEvent(serverEvents, "accept"), {
          type: "accept",
          address,
        });
        assert.deepEqual(await nextEvent(serverEvents, "handshake"), {
          type: "handshake",
          address,
        });

        // Messages flow as usual while observed.
        await client.send("ping");
        const [, message] = await server.receive();
        assert.equal(new TextDecoder().decode(message), "ping");

        // The client's observer goes on after close() until libzmq's `end`.
        const clientRest = rest(clientEvents);
        client.close();
        assert.deepEqual((await clientRest).at(-1), { type: "end" });
        assert.equal(clientEvents.closed, true);

        assert.deepEqual(await nextEvent(serverEvents, "disconnect"), {
          type: "disconnect",
          address,
        });
        await server.unbind(address);
        assert.deepEqual(await nextEvent(serverEvents, "close"), {
          type: "close",
          address,
        });

        const serverRest = rest(serverEvents);
        server.close();
        assert.deepEqual(await serverRest, [{ type: "end" }]);
        await assert.rejects(
          serverEvents.receive(),
          (error: unknown) =>
            error instanceof ZmqError && error.code === "EBADF",
        );
      } finally {
        client.close();
        server.close();
      }
    });

    test(`connect:retry carries the reconnect interval over ${transport}`, async () => {
      const address = transport === "tcp"
        ? `tcp://127.0.0.1:${await freePort()}`
        : endpoint("ipc");
      const client = new Dealer({ reconnectInterval: 50 });
      try {
        const events = client.events;
        client.connect(address);
        const seen: EventType[] = [];
        const retry = await nextEvent(events, "connect:retry", seen);
        assert.equal(retry.address, address);
        // libzmq adds a random jitter of up to one interval.
        assert.ok(
          retry.interval >= 50 && retry.interval < 100,
          `interval ${retry.interval}`,
        );
        // The failed attempt's descriptor is closed before the retry.
        assert.ok(seen.includes("close"), String(seen));
        if (transport === "tcp") {
          assert.equal(seen[0], "connect:delay", String(seen));
        }
        await closeAll(client);
      } finally {
        client.close();
      }
    });

    test(`bind:error carries the error over ${transport}`, async () => {
      const holder = new Router();
      const socket = new Router();
      try {
        const events = socket.events;
        let address: string;
        let expected: string;
        if (transport === "tcp") {
          await holder.bind("tcp://127.0.0.1:*");
          address = holder.lastEndpoint;
          expected = "EADDRINUSE";
        } else {
          address = `ipc://${tmpdir()}/zmq-ffi-no-such-directory/socket`;
          expected = "ENOENT";
        }
        assert.throws(
          () => socket.bindSync(address),
          (error: unknown) =>
            error instanceof ZmqError && error.code === expected,
        );
        const event = await nextEvent(events, "bind:error");
        assert.ok(event.error instanceof ZmqError);
        assert.equal(event.error.code, expected);
        assert.equal(event.error.operation, "bind");
        // libzmq 4.3 reports this one address without its transport prefix.
        assert.ok(
          address.endsWith(event.address) && event.address.length > 0,
          event.address,
        );
        await closeAll(socket, holder);
      } finally {
        socket.close();
        holder.close();
      }
    });

    test(`accept:error when libzmq refuses a peer over ${transport}`, async () => {
      const server = new Router();
      const client = new Dealer();
      try {
        refuseEveryPeer(server, transport);
        const events = server.events;
        await server.bind(endpoint(transport));
        client.connect(server.lastEndpoint);
        const event = await nextEvent(events, "accept:error");
        assert.equal(event.address, server.lastEndpoint);
        assert.ok(event.error instanceof ZmqError);
        assert.equal(event.error.operation, "accept");
        await closeAll(client, server);
      } finally {
        client.close();
        server.close();
      }
    });

    test(`handshake:error:protocol on both sides over ${transport}`, async () => {
      const server = new Router({ plainServer: true });
      const client = new Dealer(); // NULL mechanism: a mismatch
      try {
        const serverEvents = server.events;
        const clientEvents = client.events;
        await server.bind(endpoint(transport));
        const address = server.lastEndpoint;
        client.connect(address);
        for (const events of [serverEvents, clientEvents]) {
          const event = await nextEvent(events, "handshake:error:protocol");
          assert.equal(event.address, address);
          assert.ok(event.error instanceof HandshakeError);
          assert.equal(event.error.reason, "ERR_ZMTP_MECHANISM_MISMATCH");
          assert.equal(event.error.code, "ECONNABORTED");
          assert.equal(event.error.endpoint, address);
        }
        await closeAll(client, server);
      } finally {
        client.close();
        server.close();
      }
    });

    test(`handshake:error:auth carries the ZAP status over ${transport}`, async () => {
      const context = new Context();
      const auth = new Authenticator({ context });
      auth.configurePlain("*", { alice: "right" });
      const server = new Router({ context, plainServer: true });
      const client = new Dealer({
        context,
        plainUsername: "alice",
        plainPassword: "wrong",
      });
      try {
        const serverEvents = server.events;
        const clientEvents = client.events;
        await server.bind(endpoint(transport));
        const address = server.lastEndpoint;
        client.connect(address);
        for (const events of [serverEvents, clientEvents]) {
          const event = await nextEvent(events, "handshake:error:auth");
          assert.equal(event.address, address);
          assert.ok(event.error instanceof HandshakeError);
          assert.equal(event.error.status, 400);
          assert.equal(event.error.code, "EACCES");
        }
        await closeAll(client, server);
      } finally {
        client.close();
        server.close();
        auth.close();
        context.close();
      }
    });

    test(`handshake:error:other when a peer gives up mid-handshake over ${transport}`, async () => {
      const server = new Router({ handshakeInterval: 100 });
      let raw: NetSocket | undefined;
      try {
        const events = server.events;
        await server.bind(endpoint(transport));
        const address = server.lastEndpoint;
        // A client that connects and never greets: the handshake times out.
        raw = await rawClient(address);
        raw.on("error", () => {});
        const seen: EventType[] = [];
        const event = await nextEvent(events, "handshake:error:other", seen);
        assert.equal(event.address, address);
        assert.ok(event.error instanceof ZmqError);
        assert.equal(event.error.operation, "handshake");
        assert.ok(seen.includes("accept"), String(seen));
        await nextEvent(events, "disconnect");
        await closeAll(server);
      } finally {
        raw?.destroy();
        server.close();
      }
    });
  }

  test("on() and off() deliver events to listeners by type", async () => {
    const server = new Router();
    const client = new Dealer();
    try {
      const seen: string[] = [];
      const onAccept = (event: EventOfType<"accept">) =>
        seen.push(`accept ${event.address}`);
      const onBind = (event: EventOfType<"bind">) =>
        seen.push(`bind ${event.address}`);
      const handshake = new Promise<EventOfType<"handshake">>((resolve) =>
        server.events.on("handshake", resolve)
      );
      server.events.on("accept", onAccept).on("bind", onBind);
      // The same listener twice is called once.
      server.events.on("bind", onBind);
      await server.bind("tcp://127.0.0.1:*");
      const address = server.lastEndpoint;
      client.connect(address);
      assert.deepEqual(await handshake, { type: "handshake", address });
      assert.deepEqual(seen, [`bind ${address}`, `accept ${address}`]);

      // receive() and listeners are exclusive, as in zeromq.js.
      await assert.rejects(
        server.events.receive(),
        (error: unknown) => error instanceof ZmqError && error.code === "EBUSY",
      );
      server.events.off("accept", onAccept).off("bind", onBind);
      const ended = new Promise<Event>((resolve) =>
        server.events.on("end", resolve)
      );
      // A second client's accept is no longer reported to onAccept.
      const second = new Dealer();
      second.connect(address);
      second.close();
      client.close();
      server.close();
      assert.deepEqual(await ended, { type: "end" });
      assert.deepEqual(seen, [`bind ${address}`, `accept ${address}`]);
      assert.throws(
        () => server.events.on("nonsense" as EventType, () => {}),
        TypeError,
      );
    } finally {
      client.close();
      server.close();
    }
  });

  test("on() is refused while receive() waits", async () => {
    const socket = new Push();
    try {
      const controller = new AbortController();
      const pending = socket.events.receive({ signal: controller.signal });
      assert.throws(
        () => socket.events.on("connect", () => {}),
        (error: unknown) => error instanceof ZmqError && error.code === "EBUSY",
      );
      controller.abort(new Error("stop"));
      await assert.rejects(pending, /stop/);
      // Once nothing waits, listeners are accepted.
      const listener = () => {};
      socket.events.on("connect", listener).off("connect", listener);
    } finally {
      socket.close();
    }
  });

  test("concurrent receive() calls resolve in order", async () => {
    const server = new Router();
    try {
      const first = server.events.receive();
      const second = server.events.receive();
      await server.bind("tcp://127.0.0.1:*");
      await server.unbind(server.lastEndpoint);
      assert.equal((await first).type, "bind");
      assert.equal((await second).type, "close");
      await closeAll(server);
    } finally {
      server.close();
    }
  });

  test("there is one observer per socket", () => {
    const socket = new Push();
    try {
      assert.equal(socket.events, socket.events);
      assert.equal(new ObserverClass(socket), socket.events);
      assert.equal(socket.events.socket, socket);
    } finally {
      socket.close();
    }
  });

  test("close() ends the observer; the socket keeps working", async () => {
    const server = new Router();
    try {
      const events = server.events;
      const pending = events.receive();
      const iteration = rest(events);
      events.close();
      events.close(); // idempotent
      assert.equal(events.closed, true);
      await assert.rejects(
        pending,
        (error: unknown) => error instanceof ZmqError && error.code === "EBADF",
      );
      assert.deepEqual(await iteration, []);
      await server.bind("tcp://127.0.0.1:*");
      assert.equal(server.events, events);
      {
        using scoped = new Router();
        scoped.events.receive().catch(() => {});
      }
    } finally {
      server.close();
    }
  });

  test("the observer ends when the socket's context closes", async () => {
    const context = new Context();
    const socket = new Dealer({ context });
    const events = socket.events;
    const iteration = rest(events);
    const pending = events.receive();
    context.close();
    assert.deepEqual(await iteration, []);
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof ZmqError && error.code === "ETERM",
    );
    assert.equal(events.closed, true);
    assert.equal(socket.closed, true);
  });

  test("after close, a receive() loop gets the last events up to end", async () => {
    const server = new Router();
    try {
      const events = server.events;
      await server.bind("tcp://127.0.0.1:*");
      assert.equal((await nextEvent(events, "bind")).type, "bind");
      const types: EventType[] = [];
      const loop = (async () => {
        for (;;) {
          const event = await events.receive();
          types.push(event.type);
          if (event.type === "end") return;
        }
      })();
      server.close();
      await loop;
      // Closing the listener reports `close` before monitoring ends.
      assert.deepEqual(types, ["close", "end"]);
      assert.equal(events.closed, true);
    } finally {
      server.close();
    }
  });

  test("an observer nobody reads ends with its socket", async () => {
    const socket = new Push();
    const events = socket.events;
    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(events.closed, true);
    await assert.rejects(
      events.receive(),
      (error: unknown) => error instanceof ZmqError && error.code === "EBADF",
    );
  });

  test("events of a closed socket cannot be observed", () => {
    const socket = new Push();
    socket.close();
    assert.throws(
      () => socket.events,
      (error: unknown) => error instanceof ZmqError && error.code === "EBADF",
    );
  });

  test("only reading events holds the process: an idle observer never does", async () => {
    const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-observer-"));
    try {
      const file = join(directory, "child.ts");
      const mod = new URL("../mod.ts", import.meta.url).href;
      await writeFile(
        file,
        `import { Dealer, Pull, Router } from ${JSON.stringify(mod)};
const router = new Router();
const idle = router.events; // read once, then left alone
await router.bind("tcp://127.0.0.1:*");
const dealer = new Dealer();
// A listener holds the process until it is removed.
const handshake = new Promise((resolve) => {
  const onHandshake = () => {
    dealer.events.off("handshake", onHandshake);
    resolve(undefined);
  };
  dealer.events.on("handshake", onHandshake);
});
dealer.connect(router.lastEndpoint);
await handshake;
// After close(), a listener still gets the last events, up to "end".
const pull = new Pull();
pull.events.on("end", () => console.log("end"));
pull.close();
console.log("done", idle.closed);
// router and dealer stay open, their observers idle: the process exits.
`,
      );
      const result = await runChild([file], { timeout: 15000 });
      assert.equal(result.signal, null, result.stderr);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split("\n"), ["done false", "end"]);
      assert.ok(result.milliseconds < 10000, `${result.milliseconds} ms`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

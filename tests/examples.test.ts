// The examples, run as programs on the runtime of the tests, with small
// counts. Where an example needs a peer that is not an example itself, the
// test plays that peer with the library.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { capability, Push, XPublisher } from "../mod.ts";
import {
  type ChildResult,
  endpoint,
  lines,
  multicastEndpoint,
  runChild,
  startChild,
} from "./helpers.ts";

const dir = new URL("../examples/", import.meta.url).pathname;
const example = (name: string) => `${dir}${name}.ts`;
const ipc = () => endpoint("ipc");
const SLOW = { timeout: 60000 };

/** Asserts a program exited with `code` and returns its output lines. */
function output(result: ChildResult, code = 0): string[] {
  assert.equal(
    result.code,
    code,
    `exit ${result.code} (${result.signal}), stderr:\n${result.stderr}\nstdout:\n${result.stdout}`,
  );
  return lines(result.stdout);
}

/** Waits until an XPublisher has received a subscription. */
async function subscribed(publisher: XPublisher): Promise<void> {
  for (;;) {
    const [frame] = await publisher.receive();
    if (frame![0] === 1) return;
  }
}

describe("examples", () => {
  test("hwserver answers hwclient", SLOW, async () => {
    const address = ipc();
    const server = startChild([
      example("hwserver"),
      "--bind",
      address,
      "--count",
      "3",
    ]);
    const client = await runChild([
      example("hwclient"),
      "--connect",
      address,
      "--count",
      "3",
    ]);
    assert.deepEqual(output(client), [
      "Connecting to hello world server...",
      "Sending request 0 ...",
      "Received reply 0 [ World ]",
      "Sending request 1 ...",
      "Received reply 1 [ World ]",
      "Sending request 2 ...",
      "Received reply 2 [ World ]",
    ]);
    assert.deepEqual(output(await server.result), [
      "Received request: Hello",
      "Received request: Hello",
      "Received request: Hello",
    ]);
  });

  test("wuclient averages what wuserver publishes", SLOW, async () => {
    const address = ipc();
    const server = startChild([
      example("wuserver"),
      "--bind",
      address,
      "--zip-range",
      "10001-10002",
    ]);
    try {
      const client = await runChild([
        example("wuclient"),
        "--connect",
        address,
        "--zipcode",
        "10001",
        "--count",
        "20",
      ]);
      const [first, average, ...rest] = output(client);
      assert.equal(first, "Collecting updates from weather server...");
      assert.deepEqual(rest, []);
      // The temperatures are random, from -80 to 134.
      const match = /^Average temperature for zipcode '10001' was (-?\d+)F$/
        .exec(average!);
      assert.ok(match, average);
      assert.ok(Number(match[1]) >= -80 && Number(match[1]) <= 134);
    } finally {
      server.stop();
      await server.result;
    }
  });

  test(
    "three wuclients at once average what wuserver publishes over epgm multicast",
    {
      ...SLOW,
      skip: capability.pgm
        ? false
        : "libzmq was built without OpenPGM (capability.pgm is false)",
    },
    async () => {
      const address = multicastEndpoint("epgm");
      // OpenPGM warns on stdout that lo is not multicast-capable; this
      // keeps the output to what the example prints.
      const env = { PGM_MIN_LOG_LEVEL: "ERROR" };
      const server = startChild([
        example("wuserver"),
        "--bind",
        address,
        "--zip-range",
        "10001-10002",
      ], { env });
      try {
        const clients = await Promise.all(
          ["10001", "10002", "10001"].map((zipcode) =>
            runChild([
              example("wuclient"),
              "--connect",
              address,
              "--zipcode",
              zipcode,
              "--count",
              "20",
            ], { env })
          ),
        );
        for (const [index, client] of clients.entries()) {
          const zipcode = index === 1 ? "10002" : "10001";
          const [first, average, ...rest] = output(client);
          assert.equal(first, "Collecting updates from weather server...");
          assert.deepEqual(rest, []);
          const match = new RegExp(
            `^Average temperature for zipcode '${zipcode}' was (-?\\d+)F$`,
          ).exec(average!);
          assert.ok(match, average);
          assert.ok(Number(match[1]) >= -80 && Number(match[1]) <= 134);
        }
      } finally {
        server.stop();
        await server.result;
      }
    },
  );

  test("taskvent, two taskwork and tasksink run a batch", SLOW, async () => {
    const tasks = ipc();
    const results = ipc();
    const sink = startChild([
      example("tasksink"),
      "--bind",
      results,
      "--count",
      "10",
    ]);
    const workers = [1, 2].map(() =>
      startChild([example("taskwork"), "--connect", tasks, "--sink", results])
    );
    try {
      const ventilator = await runChild([
        example("taskvent"),
        "--bind",
        tasks,
        "--sink",
        results,
        "--count",
        "10",
      ]);
      const [sending, cost, ...rest] = output(ventilator);
      assert.equal(sending, "Sending tasks to workers...");
      assert.match(cost!, /^Total expected cost: \d+ msec$/);
      assert.deepEqual(rest, []);
      const [progress, elapsed, ...more] = output(await sink.result);
      assert.equal(progress, ":.........");
      assert.match(elapsed!, /^Total elapsed time: \d+ msec$/);
      assert.deepEqual(more, []);
    } finally {
      for (const worker of workers) worker.stop();
    }
    // A dot per task, shared between the workers.
    const dots = (await Promise.all(workers.map((worker) => worker.result)))
      .map((result) => result.stdout.replace(/[^.]/g, "")).join("");
    assert.equal(dots, "..........");
  });

  test(
    "forwarder passes forwarder_pub's messages to forwarder_pull",
    SLOW,
    async () => {
      const publishers = ipc();
      const clients = ipc();
      const forwarder = startChild([
        example("forwarder"),
        "--bind",
        publishers,
        "--push",
        clients,
        "--count",
        "3",
      ]);
      const consumer = startChild([
        example("forwarder_pull"),
        "--connect",
        clients,
        "--count",
        "3",
      ]);
      const producer = await runChild([
        example("forwarder_pub"),
        "--connect",
        publishers,
        "--topic",
        "news",
        "--count",
        "3",
      ]);
      assert.deepEqual(output(producer), ["Published 3 messages"]);
      assert.deepEqual(output(await forwarder.result), [
        "Forwarded: message 1",
        "Forwarded: message 2",
        "Forwarded: message 3",
      ]);
      assert.deepEqual(output(await consumer.result), [
        "Received: message 1",
        "Received: message 2",
        "Received: message 3",
      ]);
    },
  );

  test("multisub receives from two publishers", SLOW, async () => {
    const publishers = [new XPublisher(), new XPublisher()];
    try {
      const addresses = [ipc(), ipc()];
      await publishers[0]!.bind(addresses[0]!);
      await publishers[1]!.bind(addresses[1]!);
      const subscriber = startChild([
        example("multisub"),
        "--connect",
        addresses[0]!,
        "--connect",
        addresses[1]!,
        "--subscribe",
        "weather",
        "--count",
        "4",
      ]);
      await Promise.all(publishers.map(subscribed));
      for (const [index, publisher] of publishers.entries()) {
        await publisher.send(`sports from ${index}`); // not subscribed
        await publisher.send(`weather 1 from ${index}`);
        await publisher.send(`weather 2 from ${index}`);
      }
      const received = output(await subscriber.result);
      assert.deepEqual([...received].sort(), [
        "Received weather 1 from 0",
        "Received weather 1 from 1",
        "Received weather 2 from 0",
        "Received weather 2 from 1",
      ]);
      for (const index of [0, 1]) {
        const own = received.filter((line) => line.endsWith(`from ${index}`));
        assert.deepEqual(own, [
          `Received weather 1 from ${index}`,
          `Received weather 2 from ${index}`,
        ]);
      }
    } finally {
      for (const publisher of publishers) publisher.close();
    }
  });

  test("multipull pulls from two pushers", SLOW, async () => {
    const pushers = [new Push(), new Push()];
    try {
      const addresses = [ipc(), ipc()];
      await pushers[0]!.bind(addresses[0]!);
      await pushers[1]!.bind(addresses[1]!);
      const pull = startChild([
        example("multipull"),
        "--connect",
        addresses[0]!,
        "--connect",
        addresses[1]!,
        "--count",
        "4",
      ]);
      // A Push waits for a peer, so nothing is lost however slow the start.
      for (const [index, pusher] of pushers.entries()) {
        await pusher.send(`task 1 from ${index}`);
        await pusher.send(`task 2 from ${index}`);
      }
      assert.deepEqual([...output(await pull.result)].sort(), [
        "Received task 1 from 0",
        "Received task 1 from 1",
        "Received task 2 from 0",
        "Received task 2 from 1",
      ]);
    } finally {
      for (const pusher of pushers) pusher.close();
    }
  });

  for (const first of ["server", "client"]) {
    test(
      `inversion: the Request side binds (${first} started first)`,
      SLOW,
      async () => {
        const address = ipc();
        const server = [
          "inversion",
          "server",
          "--connect",
          address,
          "--count",
          "2",
        ];
        const client = [
          "inversion",
          "client",
          "--bind",
          address,
          "--count",
          "2",
        ];
        const [early, late] = first === "server"
          ? [server, client]
          : [client, server];
        const started = startChild([example(early[0]!), ...early.slice(1)]);
        const other = await runChild([example(late[0]!), ...late.slice(1)]);
        const results = first === "server"
          ? [await started.result, other]
          : [other, await started.result];
        assert.deepEqual(output(results[0]!), [
          `Server connecting to ${address}`,
          "Received request: Hello",
          "Received request: Hello",
        ]);
        assert.deepEqual(output(results[1]!), [
          `Client bound to ${address}`,
          "Sending request 0 ...",
          "Received reply 0 [ World ]",
          "Sending request 1 ...",
          "Received reply 1 [ World ]",
        ]);
      },
    );
  }

  test("multipart dumps each frame", SLOW, async () => {
    const result = await runChild([example("multipart"), "--count", "2"]);
    const dump = (n: number) => [
      "----------------------------------------",
      `[009] message ${n}`,
      "[000] ",
      "[008] the body",
    ];
    assert.deepEqual(output(result), [...dump(1), ...dump(2)]);
  });

  test(
    "mspoller reads tasks and weather updates with one Poller",
    SLOW,
    async () => {
      const ventilator = new Push();
      const weather = new XPublisher();
      try {
        const tasks = ipc();
        const updates = ipc();
        await ventilator.bind(tasks);
        await weather.bind(updates);
        const poller = startChild([
          example("mspoller"),
          "--tasks",
          tasks,
          "--weather",
          updates,
          "--zipcode",
          "10001",
          "--count",
          "4",
        ]);
        await subscribed(weather);
        await weather.send("10002 30 40"); // another zipcode: filtered out
        await weather.send("10001 21 50");
        await ventilator.send("17");
        await weather.send("10001 22 51");
        await ventilator.send("42");
        const received = output(await poller.result);
        assert.deepEqual(received.filter((line) => line.includes("task")), [
          "Received task: 17",
          "Received task: 42",
        ]);
        assert.deepEqual(received.filter((line) => line.includes("weather")), [
          "Received weather update: 10001 21 50",
          "Received weather update: 10001 22 51",
        ]);
      } finally {
        ventilator.close();
        weather.close();
      }
    },
  );

  test(
    "rrbroker shares rrclient's requests between two rrworkers",
    SLOW,
    async () => {
      const clients = ipc();
      const workers = ipc();
      const broker = startChild([
        example("rrbroker"),
        "--bind",
        clients,
        "--workers",
        workers,
      ]);
      const repliers = [1, 2].map(() =>
        startChild([example("rrworker"), "--connect", workers])
      );
      try {
        const client = await runChild([
          example("rrclient"),
          "--connect",
          clients,
          "--count",
          "4",
        ]);
        assert.deepEqual(output(client), [
          "Received reply 0 [ World ]",
          "Received reply 1 [ World ]",
          "Received reply 2 [ World ]",
          "Received reply 3 [ World ]",
        ]);
      } finally {
        broker.stop();
        for (const replier of repliers) replier.stop();
      }
      // It stops on SIGTERM by terminating its proxy, then exits with 0
      // (which Deno's child_process reports as the signal it sent).
      const stopped = await broker.result;
      assert.deepEqual(lines(stopped.stdout), [
        `Broker running: clients on ${clients}, workers on ${workers}`,
        "Broker stopped",
      ], stopped.stderr);
      assert.ok(stopped.code === 0 || stopped.signal === "SIGTERM");
      const requests = (await Promise.all(repliers.map((r) => r.result)))
        .flatMap((result) => lines(result.stdout));
      assert.deepEqual(requests, Array(4).fill("Received request: [ Hello ]"));
    },
  );

  test(
    "lpclient survives lpserver crashing and coming back",
    SLOW,
    async () => {
      const address = ipc();
      const crashing = startChild([
        example("lpserver"),
        "--bind",
        address,
        "--crash-after",
        "2",
        "--work",
        "0",
      ]);
      const client = startChild([
        example("lpclient"),
        "--connect",
        address,
        "--timeout",
        "700",
        "--retries",
        "20",
        "--count",
        "4",
      ]);
      // Lazy Pirate is at-least-once: on a busy machine a request whose
      // reply came late is sent again, so a server may see it twice. What
      // must hold: the servers see the requests in order, each at least
      // once, the first one crashes, and the client gets every reply in
      // order, retrying between them.
      const crashed = output(await crashing.result, 1);
      assert.equal(crashed.at(-1), "I: simulating a crash", crashed.join("\n"));
      // The restarted server runs until the client is done.
      const restarted = startChild([
        example("lpserver"),
        "--bind",
        address,
        "--work",
        "0",
      ]);
      const said = output(await client.result);
      restarted.stop();
      const served = (await restarted.result).stdout.trim().split("\n");
      const numbers = [...crashed.slice(0, -1), ...served].map((line) => {
        const match = /^I: normal request \((\d+)\)$/.exec(line);
        assert.ok(match, `unexpected server line: ${line}`);
        return Number(match[1]);
      });
      assert.deepEqual(
        [...new Set(numbers)],
        [1, 2, 3, 4],
        numbers.join(","),
      );
      assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
      assert.equal(said[0], "I: connecting to server...");
      const replies = said.filter((line) =>
        line.startsWith("I: server replied")
      );
      assert.deepEqual(
        replies,
        [1, 2, 3, 4].map((n) => `I: server replied OK (${n})`),
      );
      const retries = said.slice(1).filter((line) =>
        !line.startsWith("I: server replied")
      );
      assert.ok(
        retries.length >= 2 && retries.length % 2 === 0,
        said.join("\n"),
      );
      for (let index = 0; index < retries.length; index += 2) {
        assert.deepEqual(retries.slice(index, index + 2), [
          "W: no response from server, retrying...",
          "I: reconnecting to server...",
        ]);
      }
    },
  );

  test("lpclient abandons when no server answers", SLOW, async () => {
    const result = await runChild([
      example("lpclient"),
      "--connect",
      ipc(),
      "--timeout",
      "100",
      "--retries",
      "2",
    ]);
    assert.deepEqual(output(result, 1), [
      "I: connecting to server...",
      "W: no response from server, retrying...",
      "I: reconnecting to server...",
      "E: server seems to be offline, abandoning",
    ]);
  });

  test(
    "syncpub waits for two syncsubs, which receive every update",
    SLOW,
    async () => {
      const updates = ipc();
      const sync = ipc();
      const subscribers = [1, 2].map(() =>
        startChild([example("syncsub"), "--connect", updates, "--sync", sync])
      );
      const publisher = await runChild([
        example("syncpub"),
        "--bind",
        updates,
        "--sync",
        sync,
        "--subscribers",
        "2",
        "--count",
        "1000",
      ]);
      assert.deepEqual(output(publisher), [
        "Waiting for subscribers",
        "Broadcasting messages",
      ]);
      for (const subscriber of subscribers) {
        assert.deepEqual(output(await subscriber.result), [
          "Received 1000 updates",
        ]);
      }
    },
  );

  test(
    "the launcher lists every example; --help and bad options",
    SLOW,
    async () => {
      const listing = output(await runChild([example("_run")]));
      const files = readdirSync(dir)
        .filter((file) => file.endsWith(".ts") && !file.startsWith("_"))
        .map((file) => file.slice(0, -3));
      for (const name of files) {
        assert.ok(
          listing.some((line) => line.trimStart().startsWith(`${name} `)),
          `${name} is missing from the launcher's list`,
        );
      }
      const help = output(
        await runChild([example("_run"), "hwserver", "--help"]),
      );
      assert.equal(help[0], 'hwserver: answers "World" to each request');
      assert.ok(help.includes("usage: hwserver [options]"));
      const bad = await runChild([example("hwclient"), "--count", "many"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--count needs a whole number, got "many"/);
    },
  );
});

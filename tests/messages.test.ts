// What a message is: frame types, multipart atomicity, empty frames, large
// frames, and that received frames are independent copies.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { Pair, Pull, Push } from "../mod.ts";
import { endpoint, text, texts, type Transport } from "./helpers.ts";

// Generous: 64 MiB over tcp on a loaded machine; a bug still fails, not hangs.
const timeouts = { receiveTimeout: 30000, sendTimeout: 30000 } as const;

/** A connected Push/Pull pair; `using` closes both. */
function pipeline(transport: Transport = "inproc") {
  const pull = new Pull(timeouts);
  const push = new Push(timeouts);
  pull.bindSync(endpoint(transport));
  push.connect(pull.lastEndpoint);
  return {
    push,
    pull,
    [Symbol.dispose]() {
      push.close();
      pull.close();
    },
  };
}

const bytes = (frame: Uint8Array) => [...frame];

describe("multipart messages", () => {
  test("frames of a message arrive together and in order", () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    for (let count = 1; count <= 5; count++) {
      push.sendSync(
        Array.from({ length: count }, (_, index) => `${count}.${index}`),
      );
    }
    for (let count = 1; count <= 5; count++) {
      assert.deepEqual(
        texts(pull.receiveSync()),
        Array.from({ length: count }, (_, index) => `${count}.${index}`),
      );
    }
    assert.equal(pull.tryReceive(), null);
  });

  test("two senders never interleave frames", async () => {
    using pull = new Pull(timeouts);
    using first = new Push(timeouts);
    using second = new Push(timeouts);
    pull.bindSync(endpoint("inproc"));
    first.connect(pull.lastEndpoint);
    second.connect(pull.lastEndpoint);
    const sends: Promise<void>[] = [];
    for (let index = 0; index < 100; index++) {
      sends.push(first.send(["first", String(index), "end"]));
      sends.push(second.send(["second", String(index), "end"]));
    }
    await Promise.all(sends);
    const next = { first: 0, second: 0 };
    for (let index = 0; index < 200; index++) {
      const [sender, number, end, ...rest] = texts(await pull.receive());
      assert.ok(sender === "first" || sender === "second", sender);
      assert.equal(number, String(next[sender]++));
      assert.equal(end, "end");
      assert.deepEqual(rest, []);
    }
  });

  test("empty frames: null, '' and zero-length bytes", async () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    push.sendSync(["", null, new Uint8Array(0), "x", new ArrayBuffer(0)]);
    assert.deepEqual(pull.receiveSync().map((frame) => frame.length), [
      0,
      0,
      0,
      1,
      0,
    ]);
    push.sendSync(null);
    assert.deepEqual(pull.receiveSync().map((frame) => frame.length), [0]);
    await push.send("");
    const frames = await pull.receive();
    assert.equal(frames.length, 1);
    assert.ok(frames[0] instanceof Uint8Array);
    assert.equal(frames[0].length, 0);
  });
});

describe("frame types", () => {
  test("strings are sent as UTF-8, including non-ASCII", () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    const words = ["héllo", "✓ 日本語", "emoji 🎉", "\u0000nul inside"];
    push.sendSync(words);
    const frames = pull.receiveSync();
    assert.deepEqual(texts(frames), words);
    assert.deepEqual(bytes(frames[0]!), [...new TextEncoder().encode("héllo")]);
  });

  test("binary views send exactly their bytes", () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    const backing = Uint8Array.from({ length: 16 }, (_, index) => index);
    const subarray = backing.subarray(3, 7); // byteOffset 3
    const buffer = Uint8Array.of(9, 8, 7).buffer;
    const view = new DataView(backing.buffer, 10, 2);
    const words = new Uint16Array([0x0102, 0x0304]);
    const floats = new Float64Array([1.5]);
    const signed = new Int8Array([-1, -128]);
    push.sendSync([subarray, buffer, view, words, floats, signed]);
    const frames = pull.receiveSync();
    assert.deepEqual(bytes(frames[0]!), [3, 4, 5, 6]);
    assert.deepEqual(bytes(frames[1]!), [9, 8, 7]);
    assert.deepEqual(bytes(frames[2]!), [10, 11]);
    assert.deepEqual(frames[3], new Uint8Array(words.buffer));
    const received = new DataView(frames[4]!.buffer, frames[4]!.byteOffset, 8);
    assert.equal(received.getFloat64(0, true), 1.5);
    assert.deepEqual(bytes(frames[5]!), [255, 128]);
  });

  test("long strings, single and multipart, near internal buffer sizes", () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    for (const length of [255, 256, 257, 21845, 21846, 70000]) {
      for (const unit of ["a", "€", "🎉"]) {
        const word = unit.repeat(length);
        push.sendSync(word);
        const [frame] = pull.receiveSync();
        assert.equal(frame!.length, new TextEncoder().encode(word).length);
        assert.equal(text(frame), word, `${length} x ${unit}`);
        push.sendSync([word, "tail"]);
        assert.deepEqual(texts(pull.receiveSync()), [word, "tail"]);
      }
    }
  });

  test("numbers are sent as their decimal text, null as an empty frame", () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    push.sendSync([42, -1.5, 0, null]);
    assert.deepEqual(texts(pull.receiveSync()), ["42", "-1.5", "0", ""]);
  });

  test("unsupported frames throw TypeError and send nothing", async () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    const invalid: [string, unknown][] = [
      ["undefined", undefined],
      ["object", { hello: "world" }],
      ["boolean", true],
      ["symbol", Symbol("frame")],
      ["bigint", 5n],
      ["NaN", NaN],
      ["Infinity", Infinity],
      ["function", () => "frame"],
      ["empty array", []],
      ["array with one bad frame", ["ok", undefined]],
      ["nested array", [["nested"]]],
    ];
    for (const [name, message] of invalid) {
      const bad = message as string;
      assert.throws(() => push.sendSync(bad), TypeError, `sendSync ${name}`);
      assert.throws(() => push.trySend(bad), TypeError, `trySend ${name}`);
      await assert.rejects(push.send(bad), TypeError, `send ${name}`);
    }
    // The socket still works, and none of the bad messages was half sent.
    push.sendSync(["still", "works"]);
    assert.deepEqual(texts(pull.receiveSync()), ["still", "works"]);
    assert.equal(pull.tryReceive(), null);
  });
});

describe("large frames", () => {
  const size = 64 * 1024 * 1024;
  const samples = [0, 1, 4095, 65536, size / 2 + 7, size - 2, size - 1];

  for (const transport of ["inproc", "tcp"] as const) {
    test(`a 64 MiB frame round trip over ${transport}`, async () => {
      using sockets = pipeline(transport);
      const { push, pull } = sockets;
      let frame: Uint8Array | null = new Uint8Array(size);
      for (const [index, position] of samples.entries()) {
        frame[position] = index + 1;
      }
      await push.send(["head", frame]);
      frame = null; // let the sender's copy go before receiving another
      const [head, received] = await pull.receive();
      assert.equal(text(head), "head");
      assert.equal(received!.length, size);
      for (const [index, position] of samples.entries()) {
        assert.equal(received![position], index + 1, `byte ${position}`);
      }
      assert.equal(received![12345], 0);
    });
  }
});

describe("received frames are independent copies", () => {
  test("frames kept from many messages all keep their contents", async () => {
    using sockets = pipeline();
    const { push, pull } = sockets;
    const sizes = [1, 7, 64, 65, 300, 1000, 1024, 1025, 5000, 70000];
    const kept: Uint8Array[][] = [];
    for (let index = 0; index < 200; index++) {
      const size = sizes[index % sizes.length]!;
      push.sendSync([new Uint8Array(size).fill(index & 0xff), String(index)]);
      kept.push(index % 2 ? pull.receiveSync() : await pull.receive());
    }
    for (const [index, [frame, label]] of kept.entries()) {
      assert.equal(text(label), String(index));
      assert.equal(frame!.length, sizes[index % sizes.length]);
      assert.ok(
        frame!.every((value) => value === (index & 0xff)),
        `message ${index} changed`,
      );
    }
  });

  for (const size of [5, 100_000]) {
    test(`mutating a received ${size}-byte frame changes nothing else`, () => {
      using left = new Pair(timeouts);
      using right = new Pair(timeouts);
      left.bindSync(endpoint("inproc"));
      right.connect(left.lastEndpoint);
      const payload = new Uint8Array(size).fill(7);
      left.sendSync([payload, payload]);
      // The sent buffer was copied when sent: changing it now is not seen.
      payload.fill(1);
      left.sendSync([new Uint8Array(size).fill(7)]);

      const [first, second] = right.receiveSync();
      first!.fill(9);
      assert.ok(second!.every((value) => value === 7));
      const [third] = right.receiveSync();
      assert.ok(third!.every((value) => value === 7));
      second!.fill(8);
      assert.ok(first!.every((value) => value === 9));
      assert.ok(third!.every((value) => value === 7));
    });
  }
});

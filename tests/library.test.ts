// Finding and loading libzmq: version and capabilities, the ZMQ_LIBRARY_PATH
// override, and the error when the library cannot be loaded.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  capability,
  LibraryLoadError,
  libzmqVersion,
  runtimeInfo,
  version,
} from "../mod.ts";
import { modUrl, runScript, runtime } from "./helpers.ts";

describe("the loaded libzmq", () => {
  test("version is the libzmq version", () => {
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.equal(version, libzmqVersion());
    const [major, minor] = version.split(".").map(Number);
    assert.ok(major! > 4 || (major === 4 && minor! >= 2), version);
  });

  test("runtimeInfo names the runtime and the library file", () => {
    const info = runtimeInfo();
    assert.equal(info.runtime, runtime);
    assert.match(info.library, /zmq/);
  });

  test("capability reports what zmq_has says", () => {
    for (
      const name of [
        "ipc",
        "pgm",
        "tipc",
        "norm",
        "ws",
        "wss",
        "vmci",
        "curve",
        "gssapi",
        "draft",
      ] as const
    ) {
      assert.equal(typeof capability[name], "boolean", name);
    }
    // This project's supported platforms all have ipc:// (Linux and macOS).
    assert.equal(capability.ipc, true);
    assert.ok(Object.isFrozen(capability));
  });

  test("ZMQ_LIBRARY_PATH naming a real library is used", async () => {
    const library = runtimeInfo().library;
    const result = await runScript(
      `
      import { Pair, runtimeInfo, version } from "${modUrl}";
      new Pair().close();
      console.log(JSON.stringify({ version, ...runtimeInfo() }));
    `,
      { env: { ZMQ_LIBRARY_PATH: library } },
    );
    assert.equal(result.code, 0, result.stderr);
    const reported = JSON.parse(result.stdout);
    assert.equal(reported.library, library);
    assert.equal(reported.version, version);
  });
});

describe("a libzmq that cannot be loaded", () => {
  test("importing works; the first socket throws LibraryLoadError", async () => {
    const missing = "/nonexistent/libzmq.so";
    const result = await runScript(
      `
      import { Context, LibraryLoadError, Push, version } from "${modUrl}";
      const context = new Context(); // lazy: needs no library yet
      const attempts = [];
      for (const create of [() => new Push(), () => new Push({ context })]) {
        try {
          create();
          attempts.push({ created: true });
        } catch (error) {
          attempts.push({
            isLoadError: error instanceof LibraryLoadError,
            name: error.name,
            message: error.message,
            tried: error.tried,
          });
        }
      }
      console.log(JSON.stringify({ version, attempts }));
    `,
      { env: { ZMQ_LIBRARY_PATH: missing } },
    );
    assert.equal(result.code, 0, result.stderr);
    const { version: reported, attempts } = JSON.parse(result.stdout);
    assert.equal(reported, "");
    assert.equal(attempts.length, 2);
    // Every attempt fails the same way: nothing half-loaded is cached.
    for (const attempt of attempts) {
      assert.equal(attempt.isLoadError, true);
      assert.equal(attempt.name, "LibraryLoadError");
      assert.deepEqual(attempt.tried, [missing]);
      assert.ok(attempt.message.includes(missing), attempt.message);
      assert.match(attempt.message, /ZMQ_LIBRARY_PATH/);
      assert.match(attempt.message, /apt-get install libzmq5/);
      assert.match(attempt.message, /brew install zeromq/);
    }
  });

  test("LibraryLoadError is an Error with the paths tried", () => {
    const error = new LibraryLoadError("nope", ["a.so", "b.so"]);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "LibraryLoadError");
    assert.deepEqual(error.tried, ["a.so", "b.so"]);
  });
});

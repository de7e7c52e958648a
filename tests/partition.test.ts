// A real network partition: two network namespaces joined by a veth pair,
// a PUSH/PULL and a PUB/SUB across them (tests/fixtures/partition_peer.ts),
// the link taken down for a few seconds and brought back. With ZMTP
// heartbeats both sides notice the dead connection (a `disconnect` event),
// and traffic resumes once the link is back, without restarting either side.
//
// Needs root (as CI runs) and iproute2's `ip`; skipped with a message
// otherwise.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { type Peer, startPeer } from "./helpers.ts";

const fixture = new URL("./fixtures/partition_peer.ts", import.meta.url)
  .pathname;
const OUTAGE = 3000;

function skipReason(): string | false {
  if (process.platform !== "linux") return "network namespaces are Linux-only";
  if (process.getuid?.() !== 0) {
    return "needs root for ip netns (CI runs as root)";
  }
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    return "needs iproute2's ip (apt-get install iproute2)";
  }
  return false;
}

const ip = (...args: string[]) =>
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** Two namespaces joined by a veth pair; removes them on dispose. */
function network() {
  const id = `${process.pid % 100000}`;
  const names = { a: `zf${id}a`, b: `zf${id}b` };
  const links = { a: `zfa${id}`, b: `zfb${id}` };
  const addresses = { a: "10.213.7.1", b: "10.213.7.2" };
  const remove = () => {
    for (const name of Object.values(names)) {
      try {
        ip("netns", "del", name);
      } catch {
        // Not there.
      }
    }
  };
  remove(); // leftovers of a killed run
  ip("netns", "add", names.a);
  ip("netns", "add", names.b);
  try {
    ip("link", "add", links.a, "type", "veth", "peer", "name", links.b);
    ip("link", "set", links.a, "netns", names.a);
    ip("link", "set", links.b, "netns", names.b);
    for (const side of ["a", "b"] as const) {
      ip(
        "-n",
        names[side],
        "addr",
        "add",
        `${addresses[side]}/24`,
        "dev",
        links[side],
      );
      ip("-n", names[side], "link", "set", links[side], "up");
      ip("-n", names[side], "link", "set", "lo", "up");
    }
  } catch (error) {
    remove();
    throw error;
  }
  return {
    names,
    addresses,
    /** Takes side a's end of the link down or up. */
    link(state: "up" | "down") {
      ip("-n", names.a, "link", "set", links.a, state);
    },
    [Symbol.dispose]: remove,
  };
}

/** The sequence numbers a peer printed as GOT lines, from line `from` on. */
function received(peer: Peer, from = 0): number[] {
  return peer.lines.slice(from).filter((line) => line.startsWith("GOT "))
    .map((line) => Number(line.slice(4)));
}

/** Waits until `condition` holds, polling; fails after `milliseconds`. */
async function until(
  condition: () => boolean,
  milliseconds: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + milliseconds;
  while (!condition()) {
    assert.ok(performance.now() < deadline, `timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a network partition between two namespaces", () => {
  test(
    "the link goes down for a few seconds: both sides see the disconnect, then PUSH/PULL and PUB/SUB resume without a restart",
    { timeout: 90000, skip: skipReason() },
    async () => {
      using net = network();
      const [port1, port2] = ["5601", "5602"];
      const peers: Peer[] = [];
      try {
        const a = await startPeer(
          [fixture, "a", net.addresses.a, port1, port2],
          { prefix: ["ip", "netns", "exec", net.names.a], limit: 80000 },
        );
        peers.push(a);
        await a.line(/READY/);
        const b = await startPeer(
          [fixture, "b", net.addresses.a, port1, port2],
          { prefix: ["ip", "netns", "exec", net.names.b], limit: 80000 },
        );
        peers.push(b);
        await b.line(/READY/);
        // Traffic flows both ways.
        await until(
          () => received(a).length >= 20 && received(b).length >= 20,
          20000,
          "traffic before the partition",
        );
        const before = { a: a.lines.length, b: b.lines.length };

        net.link("down");
        const downAt = performance.now();
        // Heartbeats notice the dead link on both sides.
        await until(
          () =>
            a.lines.slice(before.a).some((line) =>
              line === "EVENT disconnect pull"
            ) &&
            b.lines.slice(before.b).some((line) =>
              line === "EVENT disconnect push"
            ),
          OUTAGE + 5000,
          "a disconnect event on both sides",
        );
        const noticedAfter = performance.now() - downAt;
        const remaining = OUTAGE - (performance.now() - downAt);
        if (remaining > 0) {
          await new Promise((resolve) => setTimeout(resolve, remaining));
        }
        const during = { a: a.lines.length, b: b.lines.length };
        net.link("up");
        const upAt = performance.now();
        // Traffic resumes: new messages on both, from the same processes.
        await until(
          () =>
            received(a, during.a).length >= 20 &&
            received(b, during.b).length >= 20,
          20000,
          "traffic after the link came back",
        );
        const resumedAfter = performance.now() - upAt;
        assert.equal(a.done, false, "side a was not restarted");
        assert.equal(b.done, false, "side b was not restarted");
        for (const [name, peer] of [["a", a], ["b", b]] as const) {
          const all = received(peer);
          for (let index = 1; index < all.length; index++) {
            assert.ok(
              all[index] > all[index - 1],
              `${name}: ${all[index]} after ${
                all[index - 1]
              } (duplicate or reordered)`,
            );
          }
        }
        assert.ok(
          b.lines.slice(during.b).includes("EVENT handshake sub") ||
            b.lines.slice(before.b).includes("EVENT handshake sub"),
          "the subscriber reconnected",
        );
        console.log(
          `partition: disconnect noticed after ${
            Math.round(noticedAfter)
          } ms, traffic back ${Math.round(resumedAfter)} ms after the link`,
        );
      } finally {
        await Promise.all(peers.map((peer) => peer.kill()));
      }
    },
  );
});

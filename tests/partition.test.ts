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
import {
  namespacePair,
  namespacesSkipReason,
  type Peer,
  startPeer,
  until,
} from "./helpers.ts";

const fixture = new URL("./fixtures/partition_peer.ts", import.meta.url)
  .pathname;
const OUTAGE = 3000;

/** The sequence numbers a peer printed as GOT lines, from line `from` on. */
function received(peer: Peer, from = 0): number[] {
  return peer.lines.slice(from).filter((line) => line.startsWith("GOT "))
    .map((line) => Number(line.slice(4)));
}

describe("a network partition between two namespaces", () => {
  test(
    "the link goes down for a few seconds: both sides see the disconnect, then PUSH/PULL and PUB/SUB resume without a restart",
    { timeout: 90000, skip: namespacesSkipReason() },
    async () => {
      using net = namespacePair();
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
              all[index]! > all[index - 1]!,
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

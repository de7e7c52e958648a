import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { Pull, Push } from "../mod.ts";
import { endpoint, text, transports } from "./helpers.ts";

describe("smoke", () => {
  for (const transport of transports) {
    test(`push/pull over ${transport}`, async () => {
      const pull = new Pull();
      const push = new Push();
      try {
        await pull.bind(endpoint(transport));
        push.connect(pull.lastEndpoint);
        await push.send("hello");
        const [message] = await pull.receive();
        assert.equal(text(message), "hello");
      } finally {
        push.close();
        pull.close();
      }
    });
  }
});

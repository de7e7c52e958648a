/**
 * The draft socket types of the zeromq.js-shaped entry, as zeromq.js's
 * `zeromq/draft`: Server, Client, Radio, Dish, Gather, Scatter and Datagram.
 * They need a libzmq built with the draft API (`capability.draft`); without
 * one, constructing a socket throws a ZmqError with code ENOTSUP that says so.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Client, Server } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const server = new Server();
 *   await server.bind("tcp://127.0.0.1:*");
 *   const client = new Client();
 *   client.connect(server.lastEndpoint!);
 *   await client.send("ping");
 *   const [request, { routingId }] = await server.receive();
 *   console.log(request.toString()); // "ping"
 *   await server.send("pong", { routingId });
 *   client.close();
 *   server.close();
 * }
 * ```
 *
 * @module
 */
export {
  Client,
  Datagram,
  Dish,
  type DishGroupOptions,
  Gather,
  Radio,
  type RadioGroupOptions,
  Scatter,
  Server,
  type ServerRoutingOptions,
  type WritableWith,
} from "./src/compat/draft.ts";

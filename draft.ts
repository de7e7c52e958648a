/**
 * Draft socket types of libzmq: Server, Client, Radio, Dish, Gather, Scatter,
 * Datagram, Peer and Channel. They exist only in a libzmq built with the draft
 * API (`capability.draft`); constructing one without it throws a ZmqError
 * with code ENOTSUP that says so.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Client, Server } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const server = new Server();
 *   await server.bind("tcp://127.0.0.1:*");
 *   const client = new Client();
 *   client.connect(server.lastEndpoint);
 *   client.close();
 *   server.close();
 * }
 * ```
 *
 * @module
 */
export {
  Channel,
  Client,
  Datagram,
  type DatagramMessage,
  Dish,
  Gather,
  type GroupMessage,
  type GroupOptions,
  type GroupSendOptions,
  Peer,
  Radio,
  type RoutedMessage,
  type RoutedSendOptions,
  type RoutingOptions,
  type RoutingSocket,
  Scatter,
  Server,
} from "./src/draft.ts";
export type { MessageMetadata } from "./src/socket_io.ts";

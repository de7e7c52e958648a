/**
 * A ZAP authenticator (ZeroMQ Authentication Protocol, rfc.zeromq.org/spec/27)
 * in the spirit of pyzmq's: it answers libzmq's authentication requests for
 * the sockets of one context, on the thread that created it.
 *
 * @module
 */
import { utf8 } from "./boundary.ts";
import { type Context, context as defaultContext } from "./context.ts";
import { ZmqError } from "./errors.ts";
import { BackgroundReader } from "./background_reader.ts";
import { keyToZ85 } from "./keys.ts";
import { Router } from "./sockets.ts";
import { z85 } from "./z85.ts";

/** The inproc endpoint where libzmq sends ZAP requests (one handler per context). */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

const decoder = new TextDecoder();
const empty = new Uint8Array(0);

/** One authentication decision, as given to the `log` option. It never holds a password or secret key. */
export interface AuthenticationLog {
  /** The ZAP domain of the server socket (its `zapDomain`, "" when unset). */
  domain: string;
  /** The client's IP address ("" for transports without one). */
  address: string;
  /** The security mechanism: "NULL", "PLAIN", "CURVE" or "GSSAPI". */
  mechanism: string;
  /** The identity presented: the PLAIN user name or the CURVE public key (Z85); "" for NULL. */
  userId: string;
  /** The ZAP status answered: 200 allowed, 400 refused, 500 malformed request or internal error. */
  status: 200 | 400 | 500;
  /** Why, in words ("OK", "Address not allowed", "Wrong user name or password", ...). */
  reason: string;
}

/** Options of an {@link Authenticator}. */
export interface AuthenticatorOptions {
  /**
   * The context whose sockets it authenticates (default: the shared
   * `context`). It must be the context of the server sockets.
   */
  context?: Context;
  /** Called with every decision (nothing secret is passed). By default nothing is logged. */
  log?: (entry: AuthenticationLog) => void;
}

interface Decision {
  status: 200 | 400 | 500;
  reason: string;
  userId: string;
}

// An IPv4 client of a socket with `ipv6: true` reaches ZAP as an
// IPv4-mapped IPv6 address ("::ffff:127.0.0.1"): it is the same client, so
// both spellings count as the IPv4 address in allow and deny lists.
function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped === null ? address.toLowerCase() : mapped[1]!;
}

function checkAddresses(addresses: unknown[], operation: string): string[] {
  for (const address of addresses) {
    if (typeof address !== "string" || address.length === 0) {
      throw new TypeError(
        `${operation} takes IP addresses as non-empty strings, e.g. "127.0.0.1"`,
      );
    }
  }
  return (addresses as string[]).map(canonicalAddress);
}

function checkDomain(domain: unknown, operation: string): string {
  if (typeof domain !== "string") {
    throw new TypeError(
      `${operation}: the domain must be a string (a socket's zapDomain, or "*" for every domain)`,
    );
  }
  return domain;
}

// Compares a presented secret with the stored one without stopping at the
// first difference, so the time taken does not reveal how much matched.
function sameSecret(presented: Uint8Array, stored: Uint8Array): boolean {
  let difference = presented.length ^ stored.length;
  for (let index = 0; index < stored.length; index++) {
    difference |= (presented[index] ?? 0) ^ stored[index]!;
  }
  return difference === 0;
}

/**
 * Authenticates the connections of the sockets of a context (ZAP). Create it
 * before binding the server sockets; it answers on `inproc://zeromq.zap.01`
 * from this thread's event loop, so handshakes complete while the event loop
 * turns (await, do not block, while clients connect). It never keeps the
 * process alive on its own.
 *
 * Rules, as in pyzmq: when `allow()` named addresses, only those may connect;
 * otherwise addresses named by `deny()` may not. Then NULL connections are
 * accepted, PLAIN ones need a user and password given to `configurePlain`,
 * CURVE ones a public key given to `configureCurve` (or `"*"` for any key).
 * Settings for a domain apply to server sockets with that `zapDomain`;
 * settings for `"*"` apply to domains without their own. libzmq asks about
 * NULL connections only when the server socket sets a `zapDomain`.
 *
 * Without a handler (before it starts, after `close()`) libzmq 4.3 refuses
 * PLAIN clients but accepts any CURVE client that knows the server's key and
 * any NULL client: close the server sockets before the Authenticator.
 *
 * @example
 * ```ts
 * import { Authenticator, Pull, Push } from "@zmq-ffi/zmq";
 * using auth = new Authenticator();
 * auth.allow("127.0.0.1");
 * auth.configurePlain("*", { alice: "s3cret" });
 *
 * const pull = new Pull({ plainServer: true });
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push({ plainUsername: "alice", plainPassword: "s3cret" });
 * push.connect(pull.lastEndpoint);
 * await push.send("hello");
 * const [message] = await pull.receive();
 * push.close();
 * pull.close();
 * ```
 */
export class Authenticator {
  #router: Router;
  #reader: BackgroundReader;
  #closed = false;
  #allowed = new Set<string>();
  #denied = new Set<string>();
  #passwords = new Map<string, Map<string, Uint8Array>>();
  #curveKeys = new Map<string, Set<string> | "*">();
  #log: ((entry: AuthenticationLog) => void) | undefined;

  /** Starts answering ZAP requests of the context's sockets. Throws EADDRINUSE if it already has a handler. */
  constructor(options: AuthenticatorOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Authenticator options must be an object");
    }
    const { context = defaultContext, log } = options;
    if (log !== undefined && typeof log !== "function") {
      throw new TypeError("The log option must be a function");
    }
    this.#log = log;
    const router = new Router({ context, linger: 0 });
    try {
      router.bindSync(ZAP_ENDPOINT);
    } catch (error) {
      router.close();
      if (error instanceof ZmqError && error.code === "EADDRINUSE") {
        throw new ZmqError(
          "EADDRINUSE",
          "This context already has a ZAP handler (another Authenticator?): close it first, or give this one another context",
          { operation: "start authenticator", endpoint: ZAP_ENDPOINT },
        );
      }
      throw error;
    }
    this.#router = router;
    this.#reader = new BackgroundReader(
      router,
      (frames) => this.#handle(frames),
      () => this.close(),
    );
    this.#reader.start(false);
  }

  /** True once {@link Authenticator.close} was called (or its context closed). */
  get closed(): boolean {
    return this.#closed || this.#router.closed;
  }

  /**
   * Lets only these IP addresses connect (added to earlier ones). While this
   * list is not empty, {@link Authenticator.deny} has no effect.
   */
  allow(...addresses: string[]): this {
    for (const address of checkAddresses(addresses, "allow")) {
      this.#allowed.add(address);
    }
    return this;
  }

  /** Refuses these IP addresses (added to earlier ones); ignored while an allow list exists. */
  deny(...addresses: string[]): this {
    for (const address of checkAddresses(addresses, "deny")) {
      this.#denied.add(address);
    }
    return this;
  }

  /**
   * Sets the PLAIN users of a domain (`"*"`: domains without their own) as
   * `{ user: password }`, replacing earlier ones for that domain.
   */
  configurePlain(domain: string, users: Record<string, string>): this {
    checkDomain(domain, "configurePlain");
    if (typeof users !== "object" || users === null) {
      throw new TypeError(
        "configurePlain takes the users as an object { user: password }",
      );
    }
    const table = new Map<string, Uint8Array>();
    for (const [user, password] of Object.entries(users)) {
      if (typeof password !== "string") {
        throw new TypeError(
          `configurePlain: the password of user ${
            JSON.stringify(user)
          } must be a string`,
        );
      }
      // A lone surrogate would become U+FFFD: "pw\uD800" and "pw\uDBFF"
      // would be the same password.
      table.set(user, utf8(password, "configurePlain: a password"));
    }
    this.#passwords.set(domain, table);
    return this;
  }

  /**
   * Sets the CURVE client public keys (Z85 strings or 32 bytes) a domain
   * accepts, or `"*"` to accept any client that knows the server's key;
   * replaces earlier keys for that domain. `"*"` as domain: domains without
   * their own.
   */
  configureCurve(
    domain: string,
    allowedPublicKeys: readonly (string | Uint8Array)[] | "*",
  ): this {
    checkDomain(domain, "configureCurve");
    if (allowedPublicKeys === "*") {
      this.#curveKeys.set(domain, "*");
      return this;
    }
    if (!Array.isArray(allowedPublicKeys)) {
      throw new TypeError(
        'configureCurve takes an array of public keys, or "*" for any key',
      );
    }
    this.#curveKeys.set(
      domain,
      new Set(allowedPublicKeys.map((key) => keyToZ85(key, "A public key"))),
    );
    return this;
  }

  /** Stops answering ZAP requests; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    // Unbinding frees the endpoint at once (closing frees it later, on
    // libzmq's reaper thread), so a new Authenticator can start right away.
    try {
      this.#router.unbindSync(ZAP_ENDPOINT);
    } catch {
      // the context closed the socket already
    }
    this.#router.close();
  }

  /** Same as {@link Authenticator.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  // One request: [routing id, "", version, request id, domain, address,
  // identity, mechanism, credentials...]; one reply: [routing id, "",
  // version, request id, status code, status text, user id, metadata].
  #handle(frames: Uint8Array[]): void {
    if (frames.length < 4 || frames[1]!.length !== 0) return; // not ZAP: nothing to answer
    const [routingId, , versionFrame, requestId] = frames;
    let decision: Decision;
    let entry: AuthenticationLog | undefined;
    try {
      if (decoder.decode(versionFrame) !== "1.0") {
        decision = {
          status: 500,
          reason: "Unsupported ZAP version",
          userId: "",
        };
      } else if (frames.length < 8) {
        decision = { status: 500, reason: "Malformed ZAP request", userId: "" };
      } else {
        const domain = decoder.decode(frames[4]);
        const address = decoder.decode(frames[5]);
        const mechanism = decoder.decode(frames[7]);
        decision = this.#decide(
          domain,
          canonicalAddress(address),
          mechanism,
          frames.slice(8),
        );
        entry = { domain, address, mechanism, ...decision };
      }
    } catch {
      decision = { status: 500, reason: "Internal error", userId: "" };
    }
    try {
      this.#router.trySend([
        routingId!,
        empty,
        "1.0",
        requestId!,
        String(decision.status),
        decision.reason,
        decision.status === 200 ? decision.userId : "",
        empty,
      ]);
    } catch {
      // closed meanwhile: libzmq fails the handshake on its own
    }
    if (entry !== undefined && this.#log !== undefined) {
      try {
        this.#log(entry);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #decide(
    domain: string,
    address: string,
    mechanism: string,
    credentials: Uint8Array[],
  ): Decision {
    if (this.#allowed.size > 0) {
      if (!this.#allowed.has(address)) {
        return { status: 400, reason: "Address not allowed", userId: "" };
      }
    } else if (this.#denied.has(address)) {
      return { status: 400, reason: "Address denied", userId: "" };
    }
    switch (mechanism) {
      case "NULL":
        return { status: 200, reason: "OK", userId: "" };
      case "PLAIN": {
        if (credentials.length !== 2) {
          return {
            status: 500,
            reason: "Malformed PLAIN credentials",
            userId: "",
          };
        }
        const user = decoder.decode(credentials[0]);
        const users = this.#passwords.get(domain) ?? this.#passwords.get("*");
        if (users === undefined) {
          return {
            status: 400,
            reason: "No PLAIN users configured for this domain",
            userId: user,
          };
        }
        const stored = users.get(user);
        if (stored === undefined || !sameSecret(credentials[1]!, stored)) {
          return {
            status: 400,
            reason: "Wrong user name or password",
            userId: user,
          };
        }
        return { status: 200, reason: "OK", userId: user };
      }
      case "CURVE": {
        if (credentials.length !== 1 || credentials[0]!.length !== 32) {
          return {
            status: 500,
            reason: "Malformed CURVE credentials",
            userId: "",
          };
        }
        const key = z85.encode(credentials[0]!);
        const keys = this.#curveKeys.get(domain) ?? this.#curveKeys.get("*");
        if (keys === undefined) {
          return {
            status: 400,
            reason: "No CURVE keys configured for this domain",
            userId: key,
          };
        }
        if (keys !== "*" && !keys.has(key)) {
          return { status: 400, reason: "Public key not allowed", userId: key };
        }
        return { status: 200, reason: "OK", userId: key };
      }
      case "GSSAPI":
        return {
          status: 400,
          reason: "GSSAPI is not supported by this authenticator",
          userId: "",
        };
      default:
        return { status: 500, reason: "Unknown mechanism", userId: "" };
    }
  }
}

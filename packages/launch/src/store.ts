/**
 * A small key-value store over TCP for the rendezvous of an EP group's processes: rank 0 puts
 * what the others need (an NCCL unique id, say) under a key, the others wait for it. Every
 * connection must first present the job's token; the server binds to the address it is given
 * (loopback by default). Messages are lines of JSON.
 */
import { randomBytes } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { InvalidArgumentError, invalid } from "@lplb/errors";

/** Largest line (one request or reply) accepted, in bytes. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** A running store. */
export interface StoreServer {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** Options of {@link startStore}. */
export interface StoreOptions {
  /** Address to bind; default "127.0.0.1". */
  readonly host?: string;
  /** Port; default 0 (any free port, see {@link StoreServer.port}). */
  readonly port?: number;
  /** The job's token; default 32 random hex digits. */
  readonly token?: string;
}

/** Splits a socket's data into lines, failing the socket on a line over the limit. */
function onLines(socket: Socket, handle: (line: string) => void): void {
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      handle(line);
      newline = buffer.indexOf("\n");
    }
    if (buffer.length > MAX_MESSAGE_BYTES) socket.destroy(new Error("message too long"));
  });
}

function send(socket: Socket, message: object): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

/** Starts a store; resolves once it listens. */
export async function startStore(options: StoreOptions = {}): Promise<StoreServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (typeof host !== "string" || host === "") invalid("options.host", "an address to bind", host);
  if (!Number.isInteger(port) || port < 0 || port > 65535) invalid("options.port", "an integer in [0, 65535]", port);
  const token = options.token ?? randomBytes(16).toString("hex");
  if (typeof token !== "string" || token.length < 8)
    invalid("options.token", "a string of at least 8 characters", token);
  const values = new Map<string, string>();
  const waiting = new Map<string, Array<(value: string) => void>>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let trusted = false;
    onLines(socket, (line) => {
      let message: { token?: unknown; id?: unknown; op?: unknown; key?: unknown; value?: unknown };
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      if (!trusted) {
        // The first message must carry the token; anything else ends the connection.
        if (message.token !== token) {
          send(socket, { error: "the store rejected the connection: wrong or missing job token" });
          socket.end();
          return;
        }
        trusted = true;
        send(socket, { ok: true });
        return;
      }
      const { id, op, key } = message;
      if (typeof key !== "string") {
        send(socket, { id, error: "expected a string key" });
        return;
      }
      if (op === "set" && typeof message.value === "string") {
        values.set(key, message.value);
        for (const wake of waiting.get(key) ?? []) wake(message.value);
        waiting.delete(key);
        send(socket, { id, ok: true });
      } else if (op === "get") {
        const value = values.get(key);
        if (value !== undefined) {
          send(socket, { id, value });
        } else {
          const list = waiting.get(key) ?? [];
          list.push((found) => send(socket, { id, value: found }));
          waiting.set(key, list);
        }
      } else {
        send(socket, { id, error: `unknown request ${JSON.stringify(op)}` });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  return {
    host,
    port: boundPort,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link StoreClient.connect}. */
export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** How long a connection or a request may take before it fails; default 30 000 ms. */
  readonly timeoutMs?: number;
}

/** A connection to a store. */
export class StoreClient {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  #next = 1;
  #closedReason: string | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /** Connects and presents the token; fails with the reason when the store rejects it or does not answer. */
  static async connect(options: ClientOptions): Promise<StoreClient> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) invalid("options.timeoutMs", "a positive integer", timeoutMs);
    const where = `${options.host}:${options.port}`;
    const socket = createConnection({ host: options.host, port: options.port });
    const client = new StoreClient(socket, timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`store ${where}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      let greeted = false;
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`store ${where}: ${error.message}`));
      });
      socket.on("close", () => {
        clearTimeout(timer);
        client.#fail(client.#closedReason ?? `store ${where} closed the connection`);
        if (!greeted) reject(new Error(client.#closedReason ?? `store ${where} closed the connection`));
      });
      onLines(socket, (line) => {
        const message = JSON.parse(line) as { ok?: boolean; error?: string; id?: number; value?: string };
        if (!greeted) {
          clearTimeout(timer);
          if (message.ok) {
            greeted = true;
            resolve();
          } else {
            client.#closedReason = `store ${where}: ${message.error ?? "rejected the connection"}`;
          }
          return;
        }
        const waiter = message.id === undefined ? undefined : client.#pending.get(message.id);
        if (!waiter || message.id === undefined) return;
        client.#pending.delete(message.id);
        if (message.error !== undefined) waiter.reject(new Error(`store ${where}: ${message.error}`));
        else waiter.resolve(message.value ?? "");
      });
      socket.on("connect", () => send(socket, { token: options.token }));
    });
    return client;
  }

  #fail(reason: string): void {
    for (const waiter of this.#pending.values()) waiter.reject(new Error(reason));
    this.#pending.clear();
  }

  #request(op: "set" | "get", key: string, value?: string, timeoutMs = this.#timeoutMs): Promise<string> {
    if (typeof key !== "string" || key === "") invalid("key", "a non-empty string", key);
    if (this.#socket.destroyed) return Promise.reject(new Error(this.#closedReason ?? "store connection closed"));
    const id = this.#next++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new Error(
            op === "get"
              ? `store: timed out after ${timeoutMs} ms waiting for "${key}" (a rank that should set it did not arrive or died)`
              : `store: timed out after ${timeoutMs} ms setting "${key}"`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      send(this.#socket, { id, op, key, value });
    });
  }

  /** Stores `value` under `key` (strings; at most 1 MiB a message). */
  async set(key: string, value: string): Promise<void> {
    if (typeof value !== "string") invalid("value", "a string", value);
    if (value.length > MAX_MESSAGE_BYTES / 2) {
      throw new InvalidArgumentError("value", `expected a value of at most ${MAX_MESSAGE_BYTES / 2} characters`);
    }
    await this.#request("set", key, value);
  }

  /** The value under `key`, waiting until some process sets it (at most `timeoutMs`). */
  get(key: string, timeoutMs?: number): Promise<string> {
    return this.#request("get", key, undefined, timeoutMs);
  }

  close(): void {
    this.#closedReason ??= "store connection closed";
    this.#socket.end();
    this.#socket.destroy();
  }
}

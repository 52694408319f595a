/**
 * Starts one Node.js process per rank of an EP group on this node, the way torchrun does: each
 * gets its rank, the world size, its GPU and the rendezvous store in its environment (see
 * {@link ENV}). Node 0's launcher runs the store; other nodes' launchers point their processes
 * at it. When a process fails, the others are stopped and the launch fails with its exit code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { expectInteger, invalid } from "@lplb/errors";
import { ENV } from "./env.js";
import { startStore } from "./store.js";

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** Processes on this node. */
  readonly nprocs: number;
  /** The script each process runs (with `process.execPath`). */
  readonly script: string;
  readonly args?: readonly string[];
  /** GPUs per node: a process uses GPU `localRank % gpusPerNode`; default nprocs. */
  readonly gpusPerNode?: number;
  /** Nodes in the job and this node's index; default 1 and 0. */
  readonly nnodes?: number;
  readonly nodeRank?: number;
  /** The store's address: bound by node 0 (default "127.0.0.1"), reached by the others. */
  readonly host?: string;
  /** The store's port; default 0 on a single node (any free port), required with several nodes. */
  readonly port?: number;
  /** The job's token; generated on node 0, required on the others. */
  readonly token?: string;
  /** How long a rank may wait for another, in ms; default 60 000. */
  readonly timeoutMs?: number;
  /** Extra environment for the processes. */
  readonly env?: NodeJS.ProcessEnv;
  /** Each output line of a process; default: printed with a `[rank r]` prefix. */
  readonly onLine?: (rank: number, stream: "stdout" | "stderr", line: string) => void;
}

/** How a launch ended. */
export interface LaunchResult {
  /** 0 when every process exited 0; otherwise the first failure's exit code (1 for a signal). */
  readonly exitCode: number;
  /** The rank that failed first, when one did. */
  readonly failedRank?: number;
  readonly reason?: string;
}

/** Time a stopped process gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  const nprocs = expectInteger("options.nprocs", options.nprocs, 1, 4096);
  const nnodes = expectInteger("options.nnodes", options.nnodes ?? 1, 1, 4096);
  const nodeRank = expectInteger("options.nodeRank", options.nodeRank ?? 0, 0, nnodes - 1);
  const gpusPerNode = expectInteger("options.gpusPerNode", options.gpusPerNode ?? nprocs, 1, 4096);
  const timeoutMs = expectInteger("options.timeoutMs", options.timeoutMs ?? 60_000, 1, 2 ** 31 - 1);
  if (typeof options.script !== "string" || options.script === "")
    invalid("options.script", "a script path", options.script);
  const host = options.host ?? "127.0.0.1";
  if (nnodes > 1 && (options.port === undefined || options.port === 0)) {
    invalid("options.port", "a fixed port for a job of several nodes", options.port);
  }
  if (nodeRank > 0 && options.token === undefined) {
    invalid("options.token", "node 0's job token for the other nodes", options.token);
  }
  const store =
    nodeRank === 0
      ? await startStore({ host, port: options.port ?? 0, ...(options.token ? { token: options.token } : {}) })
      : undefined;
  const port = store?.port ?? (options.port as number);
  const token = store?.token ?? (options.token as string);
  const print =
    options.onLine ??
    ((rank: number, stream: "stdout" | "stderr", line: string) =>
      (stream === "stdout" ? process.stdout : process.stderr).write(`[rank ${rank}] ${line}\n`));

  const children: ChildProcess[] = [];
  let result: LaunchResult | undefined;
  const done = new Promise<LaunchResult>((resolve) => {
    let running = nprocs;
    const stopOthers = () => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          setTimeout(
            () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"),
            KILL_GRACE_MS,
          ).unref();
        }
      }
    };
    for (let local = 0; local < nprocs; local++) {
      const rank = nodeRank * nprocs + local;
      const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          ...options.env,
          [ENV.rank]: String(rank),
          [ENV.worldSize]: String(nnodes * nprocs),
          [ENV.localRank]: String(local),
          [ENV.localWorldSize]: String(nprocs),
          [ENV.device]: String(local % gpusPerNode),
          [ENV.storeHost]: host,
          [ENV.storePort]: String(port),
          [ENV.storeToken]: token,
          [ENV.timeoutMs]: String(timeoutMs),
        },
      });
      children.push(child);
      for (const stream of ["stdout", "stderr"] as const) {
        createInterface({ input: child[stream] as NodeJS.ReadableStream }).on("line", (line) =>
          print(rank, stream, line),
        );
      }
      child.on("error", (error) => {
        result ??= { exitCode: 1, failedRank: rank, reason: `rank ${rank} could not start: ${error.message}` };
        stopOthers();
      });
      child.on("exit", (code, signal) => {
        running--;
        if ((code !== 0 || signal !== null) && result === undefined) {
          result = {
            exitCode: code ?? 1,
            failedRank: rank,
            reason: signal !== null ? `rank ${rank} was killed by ${signal}` : `rank ${rank} exited with code ${code}`,
          };
          stopOthers();
        }
        if (running === 0) resolve(result ?? { exitCode: 0 });
      });
    }
  });
  try {
    return await done;
  } finally {
    await store?.close();
  }
}

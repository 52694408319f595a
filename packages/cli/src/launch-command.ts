/** `lplb launch`: one process per rank of an EP group on this node, with a rendezvous store. */
import { launch } from "@lplb/launch";
import { Command } from "commander";
import { integerOption } from "./options.js";

interface LaunchCommandOptions {
  nprocs: number;
  gpusPerNode?: number;
  nnodes: number;
  nodeRank: number;
  host: string;
  port?: number;
  token?: string;
  timeoutMs: number;
}

/** A launch whose processes failed: `lplb` exits with the first failing rank's code. */
export class LaunchFailedError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = "LaunchFailedError";
    this.exitCode = exitCode;
  }
}

/** The `launch` command (commander). */
export function launchCommand(): Command {
  return new Command("launch")
    .description(
      "Start one Node.js process per rank of an EP group on this node, each with LPLB_RANK, LPLB_WORLD_SIZE, " +
        "LPLB_LOCAL_RANK, LPLB_DEVICE and the rendezvous store (LPLB_STORE_HOST, LPLB_STORE_PORT, LPLB_STORE_TOKEN) " +
        "in its environment; node 0 runs the store. When a rank fails the others are stopped and lplb exits with " +
        "its code",
    )
    .argument("<script>", "the script every rank runs")
    .argument("[args...]", "arguments for the script")
    .requiredOption("-n, --nprocs <n>", "processes (ranks) on this node", integerOption("--nprocs", 1, 4096))
    .option(
      "--gpus-per-node <n>",
      "GPUs on this node: a rank uses GPU local-rank mod n (default: --nprocs)",
      integerOption("--gpus-per-node", 1, 4096),
    )
    .option("--nnodes <n>", "nodes in the job", integerOption("--nnodes", 1, 4096), 1)
    .option("--node-rank <n>", "this node's index", integerOption("--node-rank", 0, 4095), 0)
    .option("--host <address>", "address of the store: bound on node 0, reached by the others", "127.0.0.1")
    .option(
      "--port <n>",
      "port of the store (required with several nodes; default any free port)",
      integerOption("--port", 0, 65535),
    )
    .option("--token <token>", "the job's token (printed by node 0; required on the other nodes)")
    .option(
      "--timeout-ms <ms>",
      "how long a rank may wait for another",
      integerOption("--timeout-ms", 1, 2 ** 31 - 1),
      60000,
    )
    .passThroughOptions()
    .action(async (script: string, args: string[], options: LaunchCommandOptions) => {
      const result = await launch({
        nprocs: options.nprocs,
        script,
        args,
        nnodes: options.nnodes,
        nodeRank: options.nodeRank,
        host: options.host,
        timeoutMs: options.timeoutMs,
        ...(options.gpusPerNode === undefined ? {} : { gpusPerNode: options.gpusPerNode }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.token === undefined ? {} : { token: options.token }),
      });
      if (result.exitCode !== 0) throw new LaunchFailedError(result.reason ?? "a rank failed", result.exitCode);
    });
}

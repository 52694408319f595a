/** `lplb simulate`: options, progress display and output of the simulation. */
import { InvalidArgumentError } from "@lplb/errors";
import { SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { DEFAULT_TRACE, readLoadFile, scenarioIndex } from "./loads.js";
import { type SimulationResult, simulate } from "./simulate.js";
import { parseTopology } from "./topology-arg.js";

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(name, `expected an integer >= ${min} for --${name}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

interface SimulateOptions {
  trace: string;
  scenario: string;
  calibration?: string;
  layer: number;
  topology: string;
  epSize?: number;
  redundant: number;
  topK?: number;
  tokensPerRank: number;
  batches: number;
  gpusPerNode: number;
  seed: number;
  json: boolean;
  progress: boolean;
}

export function simulateCommand(): Command {
  return new Command("simulate")
    .description(
      "Replay batches of routed tokens drawn from a load distribution and compare the per-batch balance " +
        "(max rank load / mean) of no redundancy, EPLB's even split across replicas, and LPLB",
    )
    .option("--trace <file>", "JSON load file ([experts], [layers][experts] or [scenarios][layers][experts])", DEFAULT_TRACE)
    .option("--scenario <name|index>", "scenario of the load file that batches are drawn from", "0")
    .option("--calibration <name|index>", "scenario EPLB and LPLB plan placements on (default: --scenario)")
    .option("--layer <index>", "layer of the load file", integer("layer", 0), 1)
    .option("--topology <spec>", "cube | hypercube | ring[:N] | torus:MxN | r2o.json", "cube")
    .option("--ep-size <n>", "EP ranks (default: the topology's group size)", integer("ep-size", 1))
    .option("--redundant <n>", "redundant experts per rank", integer("redundant", 1), 2)
    .option("--top-k <k>", "experts per token (default: the file's top_k, else 8)", integer("top-k", 1))
    .option("--tokens-per-rank <n>", "tokens per rank per batch", integer("tokens-per-rank", 1), 512)
    .option("--batches <n>", "number of batches", integer("batches", 1), 100)
    .option("--gpus-per-node <n>", "GPUs per node (EPLB's node count)", integer("gpus-per-node", 1), 8)
    .option("--seed <n>", "random seed", integer("seed", 0), 1)
    .option("--json", "print the result as JSON on stdout", false)
    .addOption(new Option("--no-progress", "hide the progress bar"))
    .action((options: SimulateOptions) => {
      runSimulate(options);
    });
}

function runSimulate(options: SimulateOptions): void {
  const file = readLoadFile(options.trace);
  const serving = scenarioIndex(file, options.scenario);
  const calibration = scenarioIndex(file, options.calibration ?? options.scenario);
  const layers = file.loads[serving].length;
  if (options.layer >= layers) {
    throw new InvalidArgumentError("layer", `expected an integer in [0, ${layers - 1}] for --layer, got ${options.layer}`);
  }
  const topology = parseTopology(options.topology);
  const epSize = options.epSize ?? topology.groupSize;
  const topK = options.topK ?? file.topK ?? 8;
  const config = {
    calibration: file.loads[calibration][options.layer],
    serving: file.loads[serving][options.layer],
    topology,
    epSize,
    redundantPerRank: options.redundant,
    topK,
    tokensPerRank: options.tokensPerRank,
    batches: options.batches,
    gpusPerNode: options.gpusPerNode,
    seed: options.seed,
  };
  const showProgress = options.progress && !options.json && process.stderr.isTTY === true;
  const bar = showProgress ? new SingleBar({ format: "simulating [{bar}] {value}/{total} batches | ETA {eta}s", hideCursor: true, stream: process.stderr }) : undefined;
  bar?.start(options.batches, 0);
  let result: SimulationResult;
  try {
    result = simulate(config, (done) => bar?.update(done));
  } finally {
    bar?.stop();
  }
  const setup = {
    trace: options.trace,
    model: file.model,
    scenario: file.scenarioNames[serving],
    calibration: file.scenarioNames[calibration],
    layer: options.layer,
    experts: config.serving.length,
    topology: topology.name,
    epSize,
    redundantPerRank: options.redundant,
    topK,
    tokensPerRank: options.tokensPerRank,
    batches: options.batches,
    seed: options.seed,
  };
  if (options.json) {
    const balances = Object.fromEntries(Object.entries(result.balances).map(([k, v]) => [k, Array.from(v)]));
    process.stdout.write(`${JSON.stringify({ setup, ...result, balances }, null, 2)}\n`);
    return;
  }
  const out = process.stdout;
  out.write(
    `${setup.model}, ${setup.scenario} (planned on ${setup.calibration}), layer ${setup.layer}: ` +
      `${setup.experts} experts, top-${topK}\n` +
      `${topology.name} topology, EP${epSize}, ${options.redundant} redundant experts per rank, ` +
      `${options.batches} batches of ${options.tokensPerRank} tokens per rank, seed ${options.seed}\n\n`,
  );
  const header = ["policy", "mean balance", "p99 balance", "max balance"];
  const rows = result.summaries.map((s) => [s.policy, s.meanBalance.toFixed(4), s.p99Balance.toFixed(4), s.maxBalance.toFixed(4)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  out.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const row of rows) out.write(`${line(row)}\n`);
  out.write(
    `\nbalance = max rank load / mean rank load per batch (1.0 is perfect)\n` +
      `LPLB solve (all ${epSize / topology.groupSize} groups): median ${result.solveMicros.median.toFixed(1)} us, ` +
      `p99 ${result.solveMicros.p99.toFixed(1)} us; groups not optimal: ${result.fallbackGroups}\n`,
  );
}

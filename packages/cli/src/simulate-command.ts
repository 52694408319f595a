/** `lplb simulate`: options, input resolution, progress display and output of the simulation. */
import { InvalidArgumentError } from "@lplb/errors";
import type { Topology } from "@lplb/topology";
import { SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { expectWritablePath, writeFileAtomic } from "./atomic-write.js";
import { aggregateLoads, DEFAULT_TRACE, type LoadFile, readLoadFile, scenarioIndex } from "./loads.js";
import { integerOption, listOption, numberOption, parseLayerSelection } from "./options.js";
import { seededRandom, zipfWeights } from "./random.js";
import {
  MAX_TRACE_ASSIGNMENTS,
  POLICIES,
  type Policy,
  type SimulationConfig,
  type SimulationResult,
  simulate,
} from "./simulate.js";
import { formatTable } from "./table.js";
import { parseTopology, TOPOLOGY_SPECS } from "./topology-arg.js";

/** Parsed options of `lplb simulate`. */
interface SimulateOptions {
  trace?: string;
  input: "auto" | "distribution" | "trace";
  zipf?: number;
  experts: number;
  scenario?: string;
  calibration?: string;
  layer?: string;
  topology: string;
  epSize?: number;
  redundant: number;
  expertGroups: number;
  topK?: number;
  tokensPerRank: number;
  batches?: number;
  window: number;
  replanEvery?: number;
  calibrationBatches?: number;
  gpusPerNode: number;
  policies: Policy[];
  seed: number;
  json: boolean;
  report?: string;
  progress: boolean;
}

/** Everything that describes one simulation run, for the text, JSON and HTML outputs. */
export interface SimulationSetup {
  /** `distribution` (batches drawn from aggregates), `trace` (a replayed trace) or `zipf` (synthetic). */
  readonly source: "distribution" | "trace" | "zipf";
  readonly trace: string | null;
  readonly format: string | null;
  readonly model: string;
  /** Scenario batches are drawn from (distribution), or a description of the replayed batches. */
  readonly scenario: string;
  /** Scenario placements are planned on (distribution), or the history rule (trace). */
  readonly calibration: string;
  /** Indices of the simulated layers in the file. */
  readonly layers: number[];
  /** The file's own layer numbers of those layers, when it says. */
  readonly layerIds: number[] | null;
  readonly experts: number;
  readonly topK: number;
  readonly topology: string;
  readonly groupSize: number;
  readonly slots: number;
  readonly epSize: number;
  readonly redundantPerRank: number;
  readonly gpusPerNode: number;
  readonly expertGroups: number;
  readonly tokensPerRank: number | null;
  readonly batches: number;
  readonly window: number | null;
  readonly replanEvery: number | null;
  readonly calibrationBatches: number | null;
  readonly zipfExponent: number | null;
  readonly seed: number;
  readonly policies: Policy[];
  readonly notes: string[];
}

/** The `simulate` command (commander). */
export function simulateCommand(): Command {
  return new Command("simulate")
    .description(
      "Replay batches of routed tokens and compare the per-batch balance (max rank load / mean) of no redundancy, " +
        "EPLB's even split across replicas, LPLB, the LP over EPLB's placement, and the ideal bound",
    )
    .option(
      "--trace <file>",
      "load file: JSON, SGLang JSON, CSV or .npy ([layers][experts] aggregates or [batches][layers][experts] traces) " +
        "(default: the embedded OLMoE-1B-7B routing counts)",
    )
    .addOption(
      new Option(
        "--input <kind>",
        "distribution: draw batches from the file's aggregate loads; trace: replay its batches; " +
          "auto: trace when the file is a time series",
      )
        .choices(["auto", "distribution", "trace"])
        .default("auto"),
    )
    .option(
      "--zipf <s>",
      "synthetic loads instead of a file: Zipf with exponent s over a seeded random expert order",
      numberOption("--zipf", 0, 10),
    )
    .option("--experts <n>", "experts of the synthetic --zipf loads", integerOption("--experts", 1, 4096), 64)
    .option("--scenario <name|index>", "distribution: scenario of the file batches are drawn from (default: the first)")
    .option(
      "--calibration <name|index>",
      "distribution: scenario EPLB and LPLB plan placements on (default: --scenario)",
    )
    .option("--layer <spec>", "layers: an index, a list (0,7,15), a range (0-3) or all (default: the middle layer)")
    .option("--topology <spec>", TOPOLOGY_SPECS, "cube")
    .option("--ep-size <n>", "EP ranks (default: the topology's group size)", integerOption("--ep-size", 1, 65536))
    .option("--redundant <n>", "redundant experts per rank", integerOption("--redundant", 1, 65536), 2)
    .option(
      "--expert-groups <n>",
      "expert groups of the model's group-limited routing, used by the EPLB policies",
      integerOption("--expert-groups", 1, 65536),
      1,
    )
    .option(
      "--top-k <k>",
      "distribution: experts per token (default: the file's top_k, else 8)",
      integerOption("--top-k", 1, 4096),
    )
    .option(
      "--tokens-per-rank <n>",
      "distribution: tokens per rank per batch (the batch size)",
      integerOption("--tokens-per-rank", 1, 1 << 20),
      512,
    )
    .option(
      "--batches <n>",
      "batches to score (default: 100 drawn batches, or every batch of a trace after the calibration batches)",
      integerOption("--batches", 1, 1 << 24),
    )
    .option(
      "--window <n>",
      "trace: batches of history each plan is built from",
      integerOption("--window", 1, 1 << 24),
      16,
    )
    .option(
      "--replan-every <n>",
      "trace: batches between plans (default: --window)",
      integerOption("--replan-every", 1, 1 << 24),
    )
    .option(
      "--calibration-batches <n>",
      "trace: leading batches that only fill the history, not scored (default: --window)",
      integerOption("--calibration-batches", 1, 1 << 24),
    )
    .option("--gpus-per-node <n>", "GPUs per node (EPLB's node count)", integerOption("--gpus-per-node", 1, 65536), 8)
    .addOption(
      new Option("--policies <list>", `comma-separated policies to run, among ${POLICIES.join(", ")}`)
        .argParser(listOption("--policies", POLICIES))
        .default([...POLICIES], "all"),
    )
    .option("--seed <n>", "random seed of the token draws", integerOption("--seed", 0, 2 ** 32 - 1), 1)
    .option("--json", "print the result as JSON on stdout instead of the table", false)
    .option("--report <file>", "also write a self-contained HTML report with charts to this file")
    .addOption(new Option("--no-progress", "hide the progress bar (shown on a terminal for runs over half a second)"))
    .action(async (options: SimulateOptions, command: Command) => {
      await runSimulate(options, givenOptions(command));
    });
}

interface ResolvedRun {
  config: SimulationConfig;
  setup: SimulationSetup;
  topology: Topology;
  /** Things the user should know about the run that do not stop it, printed on stderr. */
  warnings: string[];
}

/**
 * The options the user wrote on the command line: each key of {@link SimulateOptions} given,
 * with its flag as the command declares it (e.g. `topK` -> `--top-k`).
 */
type GivenOptions = ReadonlyMap<string, string>;

/** The options of `command` whose value came from the command line, not from a default. */
function givenOptions(command: Command): GivenOptions {
  const given = new Map<string, string>();
  for (const option of command.options) {
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if (source !== undefined && source !== "default") given.set(key, option.long ?? key);
  }
  return given;
}

/**
 * Rejects the first of `keys` that the user gave: an option that does not apply to this kind of
 * run is an error rather than silently ignored.
 */
function rejectGiven(given: GivenOptions, keys: readonly string[], why: string): void {
  const flag = keys.map((k) => given.get(k)).find((f) => f !== undefined);
  if (flag !== undefined) throw new InvalidArgumentError(flag, `expected no ${flag} ${why}`);
}

function positiveExperts(row: ArrayLike<number>): number {
  let n = 0;
  for (let e = 0; e < row.length; e++) if (row[e] > 0) n++;
  return n;
}

/**
 * Resolves options and files into a simulation config, validating with the user's option names.
 *
 * @param given the options the user wrote (see {@link givenOptions}); one that does not apply to
 *   the run (a distribution option with a replayed trace, a trace option with a distribution,
 *   `--experts` without `--zipf`) is rejected.
 */
export function resolveSimulation(options: SimulateOptions, given: GivenOptions): ResolvedRun {
  if (options.zipf !== undefined && options.trace !== undefined) {
    throw new InvalidArgumentError("--zipf", "expected either --zipf or --trace, not both");
  }
  if (options.zipf === undefined && given.has("experts")) {
    throw new InvalidArgumentError(
      "--experts",
      "expected --experts only with --zipf: a load file sets the number of experts",
    );
  }
  const topology = parseTopology(options.topology);
  const epSize = options.epSize ?? topology.groupSize;
  const notes: string[] = [];
  const warnings: string[] = [];
  let file: LoadFile | undefined;
  let kind: "distribution" | "trace";
  let layerRows: { calibration: Float64Array[]; serving: Float64Array[] } | undefined;
  let traceBatches: Float64Array[][] | undefined;
  let layers: number[];
  let scenario: string;
  let calibration: string;
  let experts: number;
  let topK: number;
  let model: string;
  if (options.zipf !== undefined) {
    if (options.input === "trace")
      throw new InvalidArgumentError("--input", "expected --input auto or distribution with --zipf, got trace");
    rejectGiven(
      given,
      ["scenario", "calibration", "layer"],
      "with --zipf: the synthetic loads are one distribution of one layer",
    );
    kind = "distribution";
    experts = options.experts;
    const weights = zipfWeights(experts, options.zipf, seededRandom(options.seed ^ 0x2545f491));
    layerRows = { calibration: [weights], serving: [weights] };
    layers = [0];
    scenario = `zipf s=${options.zipf}`;
    calibration = scenario;
    topK = options.topK ?? 8;
    model = `synthetic Zipf loads over ${experts} experts`;
  } else {
    file = readLoadFile(options.trace ?? DEFAULT_TRACE);
    notes.push(...file.notes);
    kind = options.input === "auto" ? (file.kind === "trace" ? "trace" : "distribution") : options.input;
    experts = file.experts;
    topK = options.topK ?? file.topK ?? 8;
    model = file.model ?? "unknown model";
    const middle = String(Math.floor(file.layers / 2));
    layers = parseLayerSelection("--layer", options.layer ?? middle, file.layers);
    if (kind === "trace") {
      if (options.scenario !== undefined || options.calibration !== undefined) {
        throw new InvalidArgumentError(
          options.scenario !== undefined ? "--scenario" : "--calibration",
          "expected no --scenario or --calibration when replaying a trace (use --input distribution to draw from one entry)",
        );
      }
      rejectGiven(
        given,
        ["tokensPerRank", "topK"],
        "when replaying a trace: its batches are replayed as recorded (use --input distribution to draw batches from it)",
      );
      if (file.loads.length < 2) {
        throw new InvalidArgumentError(
          "--input",
          `expected a trace of at least 2 batches in ${file.path}, got ${file.loads.length}`,
        );
      }
      traceBatches = file.loads.map((entry) => layers.map((l) => entry[l]));
      scenario = `${file.loads.length} recorded ${file.names[0].startsWith("step") ? "steps" : "batches"}`;
      calibration = "";
    } else if (file.kind === "trace") {
      const total = aggregateLoads(file);
      layerRows = { calibration: layers.map((l) => total[l]), serving: layers.map((l) => total[l]) };
      if (options.scenario !== undefined || options.calibration !== undefined) {
        throw new InvalidArgumentError(
          "--scenario",
          "expected no --scenario with a trace file: its batches are added up into one distribution",
        );
      }
      scenario = `sum of ${file.loads.length} batches`;
      calibration = scenario;
    } else {
      const serving = scenarioIndex(file, options.scenario ?? "0", "--scenario");
      const planned = scenarioIndex(file, options.calibration ?? options.scenario ?? "0", "--calibration");
      layerRows = {
        calibration: layers.map((l) => file!.loads[planned][l]),
        serving: layers.map((l) => file!.loads[serving][l]),
      };
      scenario = file.names[serving];
      calibration = file.names[planned];
    }
  }

  // Checks that need the user's option names; simulate() repeats them for programmatic callers.
  if (epSize % topology.groupSize !== 0) {
    throw new InvalidArgumentError(
      "--ep-size",
      `expected a multiple of the topology's group size ${topology.groupSize} for --ep-size, got ${epSize}`,
    );
  }
  if (experts % epSize !== 0) {
    throw new InvalidArgumentError(
      "--ep-size",
      `expected a divisor of the number of experts (${experts}) for --ep-size, got ${epSize}`,
    );
  }
  const own = experts / epSize;
  if (options.redundant % topology.slots !== 0 || options.redundant > own) {
    throw new InvalidArgumentError(
      "--redundant",
      `expected a multiple of the topology's ${topology.slots} slots, at most ${own} (experts per rank), for --redundant, got ${options.redundant}`,
    );
  }
  if (epSize > options.gpusPerNode && epSize % options.gpusPerNode !== 0) {
    throw new InvalidArgumentError(
      "--gpus-per-node",
      `expected a divisor of the EP size (${epSize}) or a value >= it for --gpus-per-node, got ${options.gpusPerNode}`,
    );
  }
  if (experts % options.expertGroups !== 0) {
    throw new InvalidArgumentError(
      "--expert-groups",
      `expected a divisor of the number of experts (${experts}) for --expert-groups, got ${options.expertGroups}`,
    );
  }

  let source: SimulationConfig["source"];
  let batches: number;
  let window: number | null = null;
  let replanEvery: number | null = null;
  let calibrationBatches: number | null = null;
  if (kind === "trace") {
    window = options.window;
    replanEvery = options.replanEvery ?? window;
    calibrationBatches = options.calibrationBatches ?? Math.min(window, traceBatches!.length - 1);
    const available = traceBatches!.length - calibrationBatches;
    if (available < 1) {
      throw new InvalidArgumentError(
        "--calibration-batches",
        `expected fewer than the trace's ${traceBatches!.length} batches for --calibration-batches, got ${calibrationBatches}`,
      );
    }
    batches = Math.min(available, options.batches ?? available);
    if (file!.kind === "aggregate") {
      warnings.push(
        `--input trace replays the ${traceBatches!.length} scenarios of ${file!.path} as batches in file order: ` +
          `${calibrationBatches} only fill the planning history and ${batches} ${batches === 1 ? "is" : "are"} scored; ` +
          "--input distribution draws batches from one scenario",
      );
    }
    for (let b = 0; b < calibrationBatches + batches; b++) {
      traceBatches![b].forEach((row, l) => {
        const total = row.reduce((sum, v) => sum + v, 0);
        if (total > MAX_TRACE_ASSIGNMENTS) {
          throw new InvalidArgumentError(
            "--trace",
            `${file!.path}: ${file!.names[b]}, layer ${layers[l]}: expected at most ${MAX_TRACE_ASSIGNMENTS} token assignments per batch and layer to replay, got ${total} (use --input distribution to draw batches from it)`,
          );
        }
        for (let e = 0; e < row.length; e++) {
          if (!Number.isInteger(row[e])) {
            throw new InvalidArgumentError(
              "--trace",
              `${file!.path}: ${file!.names[b]}, layer ${layers[l]}, expert ${e}: expected an integer token count to replay, got ${row[e]}`,
            );
          }
        }
      });
    }
    source = {
      kind: "trace",
      batches: traceBatches!.slice(0, calibrationBatches + batches),
      window,
      replanEvery,
      calibrationBatches,
    };
    calibration = `the previous ${window} batches, re-planned every ${replanEvery}; first ${calibrationBatches} batches are history only`;
  } else {
    rejectGiven(
      given,
      ["window", "replanEvery", "calibrationBatches"],
      "when drawing batches from a distribution: it applies to replayed traces (--input trace)",
    );
    batches = options.batches ?? 100;
    for (const [l, row] of layerRows!.serving.entries()) {
      const positive = positiveExperts(row);
      if (topK > positive) {
        throw new InvalidArgumentError(
          "--top-k",
          `expected at most the number of experts with load > 0 in layer ${layers[l]} (${positive}) for --top-k, got ${topK}`,
        );
      }
    }
    source = { kind: "distribution", ...layerRows!, tokensPerRank: options.tokensPerRank, batches };
  }
  if (topK > experts)
    throw new InvalidArgumentError("--top-k", `expected at most ${experts} (the experts) for --top-k, got ${topK}`);

  const config: SimulationConfig = {
    source,
    topology,
    epSize,
    redundantPerRank: options.redundant,
    topK,
    gpusPerNode: options.gpusPerNode,
    expertGroups: options.expertGroups,
    policies: options.policies,
    seed: options.seed,
  };
  const setup: SimulationSetup = {
    source: options.zipf !== undefined ? "zipf" : kind,
    trace: file?.path ?? null,
    format: file?.format ?? null,
    model,
    scenario,
    calibration,
    layers,
    layerIds: file?.layerIds === undefined ? null : layers.map((l) => file!.layerIds![l]),
    experts,
    topK,
    topology: topology.name,
    groupSize: topology.groupSize,
    slots: topology.slots,
    epSize,
    redundantPerRank: options.redundant,
    gpusPerNode: options.gpusPerNode,
    expertGroups: options.expertGroups,
    tokensPerRank: kind === "distribution" ? options.tokensPerRank : null,
    batches,
    window,
    replanEvery,
    calibrationBatches,
    zipfExponent: options.zipf ?? null,
    seed: options.seed,
    policies: options.policies,
    notes,
  };
  return { config, setup, topology, warnings };
}

/** Shows a progress bar on a terminal once a run has taken half a second. */
function progressReporter(enabled: boolean): { update: (done: number, total: number) => void; stop: () => void } {
  if (!enabled || process.stderr.isTTY !== true) return { update: () => {}, stop: () => {} };
  const started = Date.now();
  let bar: SingleBar | undefined;
  return {
    update(done, total) {
      if (bar === undefined) {
        if (Date.now() - started < 500 || done === total) return;
        bar = new SingleBar({
          format: "simulating [{bar}] {value}/{total} batches | ETA {eta}s",
          hideCursor: true,
          stream: process.stderr,
        });
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

async function runSimulate(options: SimulateOptions, given: GivenOptions): Promise<void> {
  const reportPath = options.report === undefined ? undefined : expectWritablePath("--report", options.report);
  const { config, setup, topology, warnings } = resolveSimulation(options, given);
  for (const warning of warnings) process.stderr.write(`lplb: warning: ${warning}\n`);
  const progress = progressReporter(options.progress);
  let result: SimulationResult;
  try {
    result = simulate(config, progress.update);
  } finally {
    progress.stop();
  }
  if (reportPath !== undefined) {
    const { renderSimulationReport } = await import("./report.js");
    const html = await renderSimulationReport({ setup, result, topology });
    writeFileAtomic(reportPath, html);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(simulationJson(setup, result), null, 2)}\n`);
    return;
  }
  process.stdout.write(formatSimulation(setup, result));
  if (reportPath !== undefined) process.stdout.write(`report written to ${options.report}\n`);
}

/** Version of the JSON document printed by `lplb simulate --json`. */
export const SIMULATION_JSON_VERSION = 1;

/** The JSON document of `lplb simulate --json`: plain arrays, no per-solve samples. */
export function simulationJson(setup: SimulationSetup, result: SimulationResult): Record<string, unknown> {
  const lpStats = (stats: SimulationResult["lplb"]) =>
    stats === undefined
      ? undefined
      : {
          solveMicros: { median: stats.solveMicros.median, p99: stats.solveMicros.p99 },
          fallbacks: stats.fallbacks,
          solves: stats.solves,
          maxPredictionGap: stats.maxPredictionGap,
        };
  return {
    version: SIMULATION_JSON_VERSION,
    setup,
    policies: result.policies,
    batches: result.batches,
    plans: result.plans,
    summaries: result.summaries,
    balances: Object.fromEntries(Object.entries(result.balances).map(([k, v]) => [k, Array.from(v)])),
    lplb: lpStats(result.lplb),
    lpEplb: lpStats(result.lpEplb),
    worstBatch:
      result.worstBatch === undefined
        ? undefined
        : {
            batch: result.worstBatch.batch,
            balanceBefore: result.worstBatch.balanceBefore,
            balanceAfter: result.worstBatch.balanceAfter,
            before: result.worstBatch.before.map((row) => Array.from(row)),
            after: result.worstBatch.after.map((row) => Array.from(row)),
          },
  };
}

function layerText(setup: SimulationSetup): string {
  const label = (i: number) =>
    setup.layerIds === null ? String(setup.layers[i]) : `${setup.layers[i]} (model layer ${setup.layerIds[i]})`;
  if (setup.layers.length === 1) return `layer ${label(0)}`;
  if (setup.layers.length > 6) return `${setup.layers.length} layers`;
  return `layers ${setup.layers.map((_, i) => label(i)).join(", ")}`;
}

/** `"1 redundant expert per rank"`, `"2 redundant experts per rank"`. */
function redundantText(perRank: number): string {
  return `${perRank} redundant expert${perRank === 1 ? "" : "s"} per rank`;
}

/** The human-readable summary printed by `lplb simulate`. */
export function formatSimulation(setup: SimulationSetup, result: SimulationResult): string {
  const lines: string[] = [];
  if (setup.source === "trace") {
    lines.push(
      `${setup.model}: replaying ${setup.scenario} of ${setup.trace}, ${layerText(setup)}: ${setup.experts} experts`,
    );
    lines.push(`plans on ${setup.calibration}`);
  } else {
    lines.push(
      `${setup.model}, ${setup.scenario} (planned on ${setup.calibration}), ${layerText(setup)}: ${setup.experts} experts, top-${setup.topK}`,
    );
  }
  const batchText =
    setup.source === "trace"
      ? `${result.batches} scored batch${result.batches === 1 ? "" : "es"}`
      : `${result.batches} batch${result.batches === 1 ? "" : "es"} of ${setup.tokensPerRank} tokens per rank`;
  lines.push(
    `${setup.topology} topology, EP${setup.epSize}, ${redundantText(setup.redundantPerRank)}, ${batchText}, seed ${setup.seed}`,
  );
  for (const note of setup.notes) lines.push(`note: ${note}`);
  lines.push("");
  const rows = result.summaries.map((s) => [
    s.policy === "ideal" ? "ideal (bound)" : s.policy,
    s.meanBalance.toFixed(4),
    s.p50Balance.toFixed(4),
    s.p99Balance.toFixed(4),
    s.maxBalance.toFixed(4),
  ]);
  lines.push(formatTable(["policy", "mean balance", "p50 balance", "p99 balance", "max balance"], rows));
  lines.push("balance = max rank load / mean rank load per batch (1.0 is perfect; the ideal split is the bound)");
  const groups = setup.epSize / setup.groupSize;
  if (result.lplb !== undefined) {
    const s = result.lplb.solveMicros;
    lines.push(
      `LPLB solve (${groups} group${groups === 1 ? "" : "s"} per layer): median ${s.median.toFixed(1)} us, p99 ${s.p99.toFixed(1)} us; ` +
        `LPs not optimal: ${result.lplb.fallbacks} of ${result.lplb.solves}`,
    );
  }
  if (result.lpEplb !== undefined) {
    const s = result.lpEplb.solveMicros;
    lines.push(
      `LP over EPLB's placement (one LP per layer): median ${s.median.toFixed(1)} us, p99 ${s.p99.toFixed(1)} us; ` +
        `LPs not optimal: ${result.lpEplb.fallbacks} of ${result.lpEplb.solves}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

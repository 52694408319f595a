/** `lplb eplb`: plans an EPLB placement from a load file and reports its per-GPU balance. */
import { planLoads, rebalanceExperts } from "@lplb/eplb";
import { InvalidArgumentError } from "@lplb/errors";
import { Command, Option } from "commander";
import { expectWritablePath, writeFileAtomic } from "./atomic-write.js";
import { aggregateLoads, DEFAULT_TRACE, readLoadFile, scenarioIndex } from "./loads.js";
import { integerOption, parseLayerSelection } from "./options.js";
import { formatTable } from "./table.js";

interface EplbOptions {
  scenario?: string;
  window?: number;
  layer: string;
  epSize: number;
  redundant?: number;
  replicas?: number;
  expertGroups: number;
  gpusPerNode: number;
  nodes?: number;
  out?: string;
  format: "lplb" | "sglang";
  json: boolean;
}

/** An EPLB plan as `lplb eplb` writes it (format `lplb`). */
export interface EplbPlanFile {
  readonly version: 1;
  /** The load file planned on. */
  readonly source: string;
  /** Indices (in the load file) of the planned layers, one per row below. */
  readonly layers: number[];
  readonly numExperts: number;
  readonly numReplicas: number;
  readonly numGpus: number;
  readonly numNodes: number;
  readonly numGroups: number;
  /** `"hierarchical"` or `"global"`. */
  readonly policy: string;
  /** `phy2log[layer][physical]`: the logical expert in each physical slot. */
  readonly phy2log: number[][];
  /** `log2phy[layer][expert]`: its physical slots, the original first, padded with -1. */
  readonly log2phy: number[][][];
  /** `logcnt[layer][expert]`: its number of copies. */
  readonly logcnt: number[][];
  /** Per-layer balance (max GPU load / mean) with each expert's load split evenly over its copies. */
  readonly balance: number[];
}

/** The `eplb` command (commander). */
export function eplbCommand(): Command {
  return new Command("eplb")
    .description(
      "Plan an EPLB placement (which experts get extra copies, and which GPU holds each copy) from a load file; " +
        "print each layer's per-GPU balance and write phy2log/log2phy/logcnt JSON",
    )
    .argument("[file]", "load file: JSON, SGLang JSON, CSV or .npy (default: the embedded OLMoE-1B-7B routing counts)")
    .option("--scenario <name|index>", "aggregate files: the scenario to plan on (default: the first)")
    .option(
      "--window <n>",
      "trace files: plan on the sum of the last n batches (default: all)",
      integerOption("--window", 1),
    )
    .option("--layer <spec>", "layers to plan: an index, a list (0,7,15), a range (0-3) or all", "all")
    .option("--ep-size <n>", "GPUs (EP ranks)", integerOption("--ep-size", 1, 65536), 8)
    .addOption(
      new Option("--redundant <n>", "redundant experts per GPU (default 2 when --replicas is not given)")
        .argParser(integerOption("--redundant", 0, 65536))
        .conflicts("replicas"),
    )
    .option(
      "--replicas <n>",
      "physical experts in total, instead of --redundant",
      integerOption("--replicas", 1, 1 << 20),
    )
    .option(
      "--expert-groups <n>",
      "expert groups of the model's group-limited routing (the hierarchical policy needs a multiple of the node count)",
      integerOption("--expert-groups", 1, 65536),
      1,
    )
    .option(
      "--gpus-per-node <n>",
      "GPUs per node; nodes = max(1, ep-size / gpus-per-node)",
      integerOption("--gpus-per-node", 1, 65536),
      8,
    )
    .addOption(
      new Option("--nodes <n>", "nodes, instead of deriving them from --gpus-per-node")
        .argParser(integerOption("--nodes", 1, 65536))
        .conflicts("gpusPerNode"),
    )
    .option("--out <file>", "write the plan as JSON to this file")
    .addOption(
      new Option(
        "--format <format>",
        "plan file format: lplb (phy2log, log2phy, logcnt) or sglang ({ physical_to_logical_map })",
      )
        .choices(["lplb", "sglang"])
        .default("lplb"),
    )
    .option("--json", "print the plan JSON on stdout instead of the table", false)
    .action((file: string | undefined, options: EplbOptions) => {
      runEplb(file, options);
    });
}

function runEplb(path: string | undefined, options: EplbOptions): void {
  const outPath = options.out === undefined ? undefined : expectWritablePath("--out", options.out);
  const file = readLoadFile(path ?? DEFAULT_TRACE, { argument: "file" });
  let weights: Float64Array[];
  let what: string;
  if (file.kind === "trace") {
    if (options.scenario !== undefined)
      throw new InvalidArgumentError("--scenario", "expected --window, not --scenario, with a trace file");
    const count = Math.min(file.loads.length, options.window ?? file.loads.length);
    const first = file.loads.length - count;
    weights = aggregateLoads(
      file,
      Array.from({ length: count }, (_, i) => first + i),
    );
    what = `sum of the last ${count} of ${file.loads.length} batches`;
  } else {
    if (options.window !== undefined)
      throw new InvalidArgumentError("--window", "expected --window only with a trace file");
    const index = scenarioIndex(file, options.scenario ?? "0", "--scenario");
    weights = file.loads[index];
    what = file.names[index];
  }
  const layers = parseLayerSelection("--layer", options.layer, file.layers);
  const E = file.experts;
  const numGpus = options.epSize;
  const redundant = options.redundant ?? 2;
  const numReplicas = options.replicas ?? E + redundant * numGpus;
  if (options.replicas !== undefined && (numReplicas < E || numReplicas % numGpus !== 0)) {
    throw new InvalidArgumentError(
      "--replicas",
      `expected at least ${E} physical experts (one per logical expert), a multiple of --ep-size ${numGpus}, for --replicas, got ${numReplicas}`,
    );
  }
  if (numReplicas % numGpus !== 0) {
    // E + redundant x GPUs is a multiple of the GPUs exactly when E is.
    throw new InvalidArgumentError(
      "--redundant",
      `expected the physical experts to be a multiple of --ep-size ${numGpus}, got ${E} experts + ${redundant} redundant x ${numGpus} GPUs = ${numReplicas}` +
        `${options.redundant === undefined ? " (--redundant defaults to 2)" : ""}; ` +
        `use an --ep-size that divides ${E}, or give the total with --replicas`,
    );
  }
  const numNodes = options.nodes ?? Math.max(1, Math.floor(numGpus / options.gpusPerNode));
  if (numGpus % numNodes !== 0) {
    throw new InvalidArgumentError(
      options.nodes !== undefined ? "--nodes" : "--gpus-per-node",
      `expected a node count that divides --ep-size ${numGpus}, got ${numNodes} nodes`,
    );
  }
  if (E % options.expertGroups !== 0) {
    throw new InvalidArgumentError(
      "--expert-groups",
      `expected a divisor of the number of experts (${E}) for --expert-groups, got ${options.expertGroups}`,
    );
  }
  const rows = layers.map((l) => weights[l]);
  const plan = rebalanceExperts(rows, { numReplicas, numGroups: options.expertGroups, numNodes, numGpus });
  const identity = Int32Array.from({ length: E }, (_, i) => i);
  const ones = new Int32Array(E).fill(1);
  const loads = rows.map((row, i) => planLoads(row, plan.phy2log[i], plan.logcnt[i], numGpus, numNodes));
  const before = rows.map((row) =>
    E % numGpus === 0 ? planLoads(row, identity, ones, numGpus, 1).balance : Number.NaN,
  );
  const planFile: EplbPlanFile = {
    version: 1,
    source: file.path,
    layers,
    numExperts: E,
    numReplicas,
    numGpus,
    numNodes,
    numGroups: options.expertGroups,
    policy: plan.policy,
    phy2log: plan.phy2log.map((row) => Array.from(row)),
    log2phy: plan.log2phy.map((layer) => layer.map((row) => Array.from(row))),
    logcnt: plan.logcnt.map((row) => Array.from(row)),
    balance: loads.map((l) => l.balance),
  };
  const text =
    options.format === "sglang"
      ? `${JSON.stringify({ physical_to_logical_map: planFile.phy2log })}\n`
      : `${JSON.stringify(planFile)}\n`;
  if (options.format === "sglang" && layers.length < file.layers) {
    process.stderr.write(
      `lplb: warning: --format sglang writes physical_to_logical_map for ${layers.length} of the file's ${file.layers} layers ` +
        `(--layer ${options.layer}); SGLang expects a row for every MoE layer, so load it only with --layer all\n`,
    );
  }
  if (outPath !== undefined) writeFileAtomic(outPath, text);
  if (options.json) {
    process.stdout.write(text);
    return;
  }
  const out: string[] = [];
  out.push(
    `${file.model ?? file.path}: ${what}, ${layers.length} layer${layers.length === 1 ? "" : "s"}, ${E} experts`,
    `EPLB (${plan.policy} policy): ${numReplicas} physical experts on ${numGpus} GPUs in ${numNodes} node${numNodes === 1 ? "" : "s"}, ${options.expertGroups} expert group${options.expertGroups === 1 ? "" : "s"}`,
    "",
  );
  const table = rows.map((_, i) => {
    const label = file.layerIds === undefined ? String(layers[i]) : `${layers[i]} (${file.layerIds[layers[i]]})`;
    let maxCopies = 0;
    for (const c of plan.logcnt[i]) maxCopies = Math.max(maxCopies, c);
    return [
      label,
      Number.isNaN(before[i]) ? "-" : before[i].toFixed(4),
      loads[i].balance.toFixed(4),
      loads[i].nodeBalance.toFixed(4),
      String(maxCopies),
    ];
  });
  out.push(formatTable(["layer", "balance before", "balance EPLB", "node balance", "max copies"], table));
  let worst = 0;
  loads.forEach((l, i) => {
    if (l.balance > loads[worst].balance) worst = i;
  });
  const gpu = loads[worst].gpuLoads;
  const mean = gpu.reduce((a, b) => a + b, 0) / gpu.length;
  out.push(
    "balance = max GPU load / mean GPU load, each expert's load split evenly over its copies; before = experts in id order, no copies",
    `per-GPU load / mean in the least balanced layer (${layers[worst]}): ${Array.from(gpu, (v) => (mean > 0 ? v / mean : 1).toFixed(3)).join(" ")}`,
  );
  if (outPath !== undefined) out.push(`plan written to ${options.out} (${options.format} format)`);
  process.stdout.write(`${out.join("\n")}\n`);
}

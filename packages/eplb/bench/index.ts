/**
 * Times rebalanceExperts on DeepSeek-V3-sized inputs (58 MoE layers x 256 experts), one thread.
 * Real loads come from the SGLang expert statistics in the shared data folder (read at run time,
 * never copied); without that file, seeded random loads stand in and a note says so.
 *
 * Run: pnpm --filter @lplb/eplb bench
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { planLoadsAllLayers, type RebalanceOptions, rebalanceExperts } from "../src/index.js";

const LAYERS = 58;
const EXPERTS = 256;
const WARMUP_RUNS = 300;
const TIMED_RUNS = 300;

const tracePath =
  process.env.LPLB_EPLB_TRACE ??
  fileURLToPath(new URL("../../../../shared/data/traces/deepseek-v3-sglang-ep-stats.json", import.meta.url));

/** Deterministic xorshift32 generator in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/** Skewed random integer loads: a few hot experts over a uniform background, like real routing counts. */
function randomScenario(random: () => number): Float64Array[] {
  return Array.from({ length: LAYERS }, () =>
    Float64Array.from({ length: EXPERTS }, () => Math.round(1e5 * (0.2 + random()) * (random() < 0.1 ? 8 : 1))),
  );
}

function loadRealScenarios(): { label: string; scenarios: Float64Array[][] } {
  if (existsSync(tracePath)) {
    const trace = JSON.parse(readFileSync(tracePath, "utf8")) as { loads: number[][][] };
    return {
      label: `real loads: ${trace.loads.length} scenarios from ${tracePath}`,
      scenarios: trace.loads.map((layers) => layers.map((row) => Float64Array.from(row))),
    };
  }
  console.log(`note: ${tracePath} not found; seeded random loads stand in for the real ones`);
  const random = seededRandom(12345);
  return { label: "real loads unavailable", scenarios: Array.from({ length: 12 }, () => randomScenario(random)) };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * The peer timed right before every call: each layer's loads copied into a Float32Array and
 * sorted with the built-in sort (58 sorts of 256 values), fixed work on the same data. On a
 * shared machine whose speed drifts between runs, the peer shows the state a line ran in (it
 * drifts less than the plan itself, so the ratio is a guide, not a constant).
 */
const peerRow = new Float32Array(EXPERTS);
function sortLoads(weight: Float64Array[]): number {
  let checksum = 0;
  for (const row of weight) {
    peerRow.set(row);
    peerRow.sort();
    checksum += peerRow[EXPERTS - 1];
  }
  return checksum;
}

interface Timing {
  plan: number[];
  peer: number[];
}

function timeRuns(scenarios: Float64Array[][], options: RebalanceOptions, withRows: boolean): Timing {
  const plan: number[] = [];
  const peer: number[] = [];
  let rows = 0;
  let checksum = 0;
  for (let run = 0; run < TIMED_RUNS; run++) {
    const weight = scenarios[run % scenarios.length];
    const peerStart = process.hrtime.bigint();
    checksum += sortLoads(weight);
    const start = process.hrtime.bigint();
    const result = rebalanceExperts(weight, options);
    if (withRows) rows += result.log2phy.length;
    const end = process.hrtime.bigint();
    peer.push(Number(start - peerStart) / 1e6);
    plan.push(Number(end - start) / 1e6);
  }
  if (withRows && rows !== TIMED_RUNS * LAYERS) throw new Error("log2phy has the wrong number of layers");
  if (!(checksum > 0)) throw new Error("the peer sorted nothing");
  return { plan: plan.sort((a, b) => a - b), peer: peer.sort((a, b) => a - b) };
}

function meanBalance(scenarios: Float64Array[][], options: RebalanceOptions): number {
  let sum = 0;
  for (const weight of scenarios) {
    const plan = rebalanceExperts(weight, options);
    sum += planLoadsAllLayers(weight, plan.phy2log, plan.logcnt, options.numGpus, options.numNodes).meanBalance;
  }
  return sum / scenarios.length;
}

const real = loadRealScenarios();
const random = seededRandom(2024);
const data: [string, Float64Array[][]][] = [
  ["real", real.scenarios],
  ["random", Array.from({ length: 12 }, () => randomScenario(random))],
];
const cases: [string, RebalanceOptions][] = [
  ["(a) 288 replicas, 8 groups, 4 nodes, 32 GPUs", { numReplicas: 288, numGroups: 8, numNodes: 4, numGpus: 32 }],
  ["(b) 320 replicas, 8 groups, 8 nodes, 64 GPUs", { numReplicas: 320, numGroups: 8, numNodes: 8, numGpus: 64 }],
  [
    "(c) global: 288 replicas, 8 groups, 3 nodes, 48 GPUs",
    { numReplicas: 288, numGroups: 8, numNodes: 3, numGpus: 48 },
  ],
];

console.log(`rebalanceExperts, ${LAYERS} layers x ${EXPERTS} experts, one thread, Node ${process.version}`);
console.log(real.label);
console.log(
  "published reference figure: the PyTorch reference takes about 470 ms for (a) and 530 ms for (b) on a 16-core host",
);
// Warm every case up before timing any, so that all of them run the same optimised code.
for (let run = 0; run < WARMUP_RUNS; run++) {
  for (const [, options] of cases)
    for (const [, scenarios] of data) rebalanceExperts(scenarios[run % 12], options).log2phy;
}
const fmt = (ms: number) => ms.toFixed(3).padStart(6);
for (const [label, options] of cases) {
  for (const [dataLabel, scenarios] of data) {
    const plain = timeRuns(scenarios, options, false);
    const rows = timeRuns(scenarios, options, true);
    const plan = percentile(plain.plan, 0.5),
      peer = percentile(plain.peer, 0.5);
    const rowsPlan = percentile(rows.plan, 0.5),
      rowsPeer = percentile(rows.peer, 0.5);
    console.log(
      `${label}, ${dataLabel.padEnd(6)}: median ${fmt(plan)} ms (p10 ${fmt(percentile(plain.plan, 0.1))}, ` +
        `p90 ${fmt(percentile(plain.plan, 0.9))}), peer ${fmt(peer)} ms, ${(plan / peer).toFixed(2)}x the peer; ` +
        `with log2phy rows: median ${fmt(rowsPlan)} ms (peer ${fmt(rowsPeer)} ms, ${(rowsPlan / rowsPeer).toFixed(2)}x); ` +
        `mean GPU balance ${meanBalance(scenarios, options).toFixed(4)}`,
    );
  }
}
console.log(`${TIMED_RUNS} timed runs per line after ${WARMUP_RUNS} warm-up rounds of every case`);
console.log("peer: each layer's loads sorted with Float32Array.prototype.sort, timed right before every call");

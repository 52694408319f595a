/**
 * EP8 on the cube topology with DeepSeek-V3 loads: 8 ranks, 256 logical experts, 2 redundant
 * experts per rank, top-8 routing of 4096 tokens per rank drawn from one layer of the SGLang
 * DeepSeek-V3 statistics in ../shared/data (read from there, not shipped). Every step checks that
 * all ranks see the same global workload and probabilities, that every mapping is valid, and that
 * the realised load per rank after redirection matches the LP's prediction.
 *
 *   node ep8-cube.mjs simulated [steps]      8 ranks in this process (createSimulatedGroup), CPU
 *   node ep8-cube.mjs nccl [steps]           8 processes through launch(), NcclGroup, backend 'cuda'
 *   node ep8-cube.mjs rank <dir> <steps>     one rank of the nccl run (started by launch)
 *
 * `LPLB_TRACE` overrides the trace path, `LPLB_LAYER` the layer (default 3), `LPLB_SCENARIO`
 * the scenario index (default 0). Results: `ep8-cube.json` in the output directory (`LPLB_OUT`,
 * default the working directory); the last line says PASS or FAIL.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CudaStream, DeviceArray } from "@lplb/ipm";
import { launch } from "@lplb/launch";
import { createSimulatedGroup, NcclGroup, Planner, type RunResult } from "@lplb/planner";
import { median } from "@lplb/test-support";
import { cube } from "@lplb/topology";
import { drawTokens, seededRandom } from "../src/index.js";

const self = fileURLToPath(import.meta.url);
const EP = 8;
const E = 256;
const R = 2;
const TOKENS = 4096;
const TOP_K = 8;
const PER_RANK = (E + R * EP) / EP;
const trace =
  process.env.LPLB_TRACE ??
  fileURLToPath(new URL("../../../../shared/data/traces/deepseek-v3-sglang-ep-stats.json", import.meta.url));
const layer = Number(process.env.LPLB_LAYER ?? 3);
const scenario = Number(process.env.LPLB_SCENARIO ?? 0);
const outDir = process.env.LPLB_OUT ?? ".";

/** The layer's aggregate loads: the routing distribution and EPLB's history. */
function distribution(): Float64Array {
  const data = JSON.parse(readFileSync(trace, "utf8")) as { loads: number[][][] };
  return Float64Array.from(data.loads[scenario][layer]);
}

function timeMedianUs(run: () => void, warmup = 20, samples = 200): number {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    run();
    times.push((performance.now() - start) * 1000);
  }
  return median(times);
}

/** What one rank keeps of one step for the cross-rank checks. */
interface StepRecord {
  workload: number[];
  probs: number[];
  physicalCounts: number[];
  rankLoads: number[];
  invalid: number;
}

function record(ids: Int32Array, result: RunResult, phy2log: Int32Array): StepRecord {
  const physicalCounts = new Array(E + R * EP).fill(0);
  let invalid = 0;
  for (let i = 0; i < ids.length; i++) {
    const p = result.physicalIds[i];
    if (ids[i] < 0 ? p !== -1 : phy2log[p] !== ids[i]) invalid++;
    if (p >= 0) physicalCounts[p]++;
  }
  return {
    workload: Array.from(result.workload),
    probs: Array.from(result.probs),
    physicalCounts,
    rankLoads: Array.from(result.rankLoads),
    invalid,
  };
}

/** Checks one step across ranks; returns the failures. */
function checkStep(step: number, ranks: StepRecord[]): string[] {
  const failures: string[] = [];
  const first = ranks[0];
  ranks.forEach((r, rank) => {
    if (JSON.stringify(r.workload) !== JSON.stringify(first.workload))
      failures.push(`step ${step}: rank ${rank}'s global workload differs from rank 0's`);
    if (JSON.stringify(r.probs) !== JSON.stringify(first.probs))
      failures.push(`step ${step}: rank ${rank}'s probabilities differ from rank 0's`);
    if (r.invalid > 0) failures.push(`step ${step}: rank ${rank} mapped ${r.invalid} ids to a copy of another expert`);
  });
  // Kept tokens are floored per (sending rank, replicated expert): a rank's realised load may
  // differ from the prediction by less than one token per sending rank and replicated slot
  // touching it (its own 2 originals and the 2 copies it holds).
  const realised = new Array(EP).fill(0);
  for (const r of ranks)
    for (let p = 0; p < r.physicalCounts.length; p++) realised[Math.floor(p / PER_RANK)] += r.physicalCounts[p];
  const worst = Math.max(...realised.map((value, rank) => Math.abs(value - first.rankLoads[rank])));
  if (worst >= EP * 2 * R) failures.push(`step ${step}: realised rank loads off the prediction by ${worst} tokens`);
  return failures;
}

async function simulated(steps: number): Promise<void> {
  const weights = distribution();
  const members = createSimulatedGroup(EP);
  const planners = members.map(
    (group) => new Planner({ r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + R * EP, group }),
  );
  for (const planner of planners) planner.updateRedundancyMapping(weights);
  const { phy2log } = planners[0].currentMapping();
  const randoms = planners.map((_, rank) => seededRandom(1000 + rank));
  const failures: string[] = [];
  const balances: number[] = [];
  let ids: Int32Array[] = [];
  for (let step = 0; step < steps; step++) {
    ids = randoms.map((random) => drawTokens(weights, TOKENS, TOP_K, random));
    const results = await Promise.all(planners.map((p, rank) => p.runAsync(ids[rank])));
    failures.push(
      ...checkStep(
        step,
        results.map((result, rank) => record(ids[rank], result, phy2log)),
      ),
    );
    balances.push(results[0].balance);
  }
  // Per-step latency of one rank's pieces on this CPU (the simulated all-reduce is a JS sum).
  const planner = planners[0];
  const mine = ids[0];
  const counts = planner.countWorkload(mine);
  const global = Float64Array.from(counts.counts, (c) => c * EP);
  const probs = planner.solveProbs(global).probs;
  const timing = {
    countUs: timeMedianUs(() => planner.countWorkload(mine)),
    solveUs: timeMedianUs(() => planner.solveProbs(global)),
    mapUs: timeMedianUs(() => planner.weightedSelectTarget(mine, probs, counts)),
  };
  report("simulated", steps, failures, { balanceMedian: median(balances), timing });
  for (const p of planners) p.dispose();
}

async function rankMain(dir: string, steps: number): Promise<void> {
  const weights = distribution();
  const group: NcclGroup = await NcclGroup.fromEnv();
  const options = { r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + R * EP };
  const planner = new Planner({ ...options, group, backend: "cuda" });
  planner.updateRedundancyMapping(weights);
  const { phy2log } = planner.currentMapping();
  const random = seededRandom(1000 + group.rank);
  const records: StepRecord[] = [];
  let ids = new Int32Array(0);
  for (let step = 0; step < steps; step++) {
    ids = drawTokens(weights, TOKENS, TOP_K, random);
    records.push(record(ids, planner.run(ids), phy2log));
  }
  const out = new Int32Array(ids.length);
  const local = new Planner({ ...options, epSize: EP, backend: "cuda" } as const);
  local.updateRedundancyMapping(weights);
  const timing: Record<string, number> = { stepUs: timeMedianUs(() => planner.run(ids, out)) };
  timing.withoutReduceUs = timeMedianUs(() => local.run(ids, out));
  {
    using stream = CudaStream.create();
    using counts = DeviceArray.fromHost(new Int32Array(E).fill(1));
    using sums = DeviceArray.alloc("int32", E);
    timing.reduceUs = timeMedianUs(() => {
      group.allReduceDevice(counts, sums, stream);
      group.synchronize(stream);
    });
  }
  writeFileSync(join(dir, `rank${group.rank}.json`), JSON.stringify({ records, timing }));
  local.dispose();
  planner.dispose();
  group.dispose();
}

async function nccl(steps: number): Promise<void> {
  const dir = join(outDir, "ep8-ranks");
  mkdirSync(dir, { recursive: true });
  const launched = await launch({ nprocs: EP, script: self, args: ["rank", dir, String(steps)], timeoutMs: 120_000 });
  const failures: string[] = [];
  if (launched.exitCode !== 0) failures.push(`launch: ${launched.reason}`);
  const ranks = Array.from({ length: EP }, (_, rank) => {
    try {
      return JSON.parse(readFileSync(join(dir, `rank${rank}.json`), "utf8")) as {
        records: StepRecord[];
        timing: Record<string, number>;
      };
    } catch {
      failures.push(`rank ${rank} wrote no results`);
      return undefined;
    }
  });
  if (ranks.every((r) => r !== undefined)) {
    for (let step = 0; step < steps; step++)
      failures.push(
        ...checkStep(
          step,
          ranks.map((r) => r.records[step]),
        ),
      );
  }
  const timing = ranks.map((r) => r?.timing);
  report("nccl", steps, failures, { timing });
}

function report(mode: string, steps: number, failures: string[], extra: Record<string, unknown>): void {
  mkdirSync(outDir, { recursive: true });
  const summary = {
    mode,
    trace,
    scenario,
    layer,
    ep: EP,
    experts: E,
    redundantPerRank: R,
    tokens: TOKENS,
    topK: TOP_K,
    steps,
    failures,
    ...extra,
  };
  writeFileSync(join(outDir, "ep8-cube.json"), JSON.stringify(summary, null, 2));
  console.log(JSON.stringify(extra));
  for (const failure of failures.slice(0, 10)) console.log(`FAIL ${failure}`);
  console.log(failures.length === 0 ? `PASS (${steps} steps, ${mode})` : `FAIL (${failures.length})`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

const [mode, a, b] = process.argv.slice(2);
if (mode === "rank") await rankMain(a, Number(b));
else if (mode === "nccl") await nccl(Number(a ?? 20));
else await simulated(Number(a ?? 20));

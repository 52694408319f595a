/**
 * Per-LP latency of LPLB group LPs: @lplb/ipm's general solver and its min-max solver (single
 * LPs and batches of 32 groups per call, float64 and float32) against HiGHS (WebAssembly) on the
 * same problems in the same run.
 *
 *   pnpm --filter @lplb/ipm bench
 *
 * Medians over many samples. IPM times include the call from JavaScript (validation of the
 * batch, the native call); HiGHS times are the solve of pre-written LP text (parsing included,
 * writing excluded).
 */
import { toCplexLp } from "@lplb/highs-oracle";
import type { LinearProgram, LpBatch } from "@lplb/lp";
import { median } from "@lplb/test-support";
import loadHighs from "highs";
import {
  capabilities,
  createMinMaxSolver,
  createSolver,
  type IpmPrecision,
  type MinMaxMethod,
  solveBatch,
} from "../src/index.js";
import { packLplb } from "../test/support/batch.js";
import {
  CUBE,
  type GroupLoads,
  HYPERCUBE,
  LOAD_KINDS,
  lplbProgram,
  randomLoads,
  replicaRanks,
  SHIFT_64X4,
  TORUS_8X4,
  type Topology,
} from "../test/support/lplb.js";
import { Rng } from "../test/support/random.js";

const BATCH = 32;
const TARGET_SAMPLE_MS = 400;

/** Median microseconds per LP of `run`, which solves `lpsPerRun` LPs; sampled for ~TARGET_SAMPLE_MS. */
function measure(run: () => void, lpsPerRun: number): number {
  for (let i = 0; i < 5; i++) run();
  const samples: number[] = [];
  const deadline = performance.now() + TARGET_SAMPLE_MS;
  while (samples.length < 15 || (performance.now() < deadline && samples.length < 5000)) {
    const start = performance.now();
    run();
    samples.push(((performance.now() - start) * 1000) / lpsPerRun);
  }
  return median(samples);
}

function single(lp: LinearProgram): LpBatch {
  return packLplb([lp]);
}

interface MinMaxRow {
  topology: string;
  method: MinMaxMethod;
  precision: IpmPrecision;
  single: number;
  batched: number;
  highs: number;
  maxObjectiveError: number;
  meanIterations: number;
}

/** The min-max solver on the same groups: one group per call and all of them in one call. */
function measureMinMax(
  topology: Topology,
  loads: GroupLoads[],
  method: MinMaxMethod,
  precision: IpmPrecision,
  highsObjectives: number[],
) {
  const g = topology.groupSize;
  const slots = topology.columns.length;
  const replicaRank = replicaRanks(topology);
  const solver = createMinMaxSolver({ nRanks: g, nSlots: slots, replicaRank }, { precision, method });
  const fixed = new Float64Array(loads.length * g);
  const slot = new Float64Array(loads.length * g * slots);
  loads.forEach((l, k) => {
    fixed.set(l.f, k * g);
    slot.set(l.w, k * g * slots);
  });
  const result = solver.solve(fixed, slot);
  let maxObjectiveError = 0;
  let iterations = 0;
  for (let b = 0; b < loads.length; b++) {
    const error =
      result.status[b] === "optimal" ? Math.abs(result.maxLoad[b] - highsObjectives[b]) : Number.POSITIVE_INFINITY;
    maxObjectiveError = Math.max(maxObjectiveError, error / Math.max(1, Math.abs(highsObjectives[b])));
    iterations += result.iterations[b];
  }
  const batched = measure(() => solver.solve(fixed, slot), loads.length);
  const singleFixed = loads.map((_, k) => fixed.subarray(k * g, (k + 1) * g));
  const singleSlot = loads.map((_, k) => slot.subarray(k * g * slots, (k + 1) * g * slots));
  let k = 0;
  const single = measure(() => {
    solver.solve(singleFixed[k], singleSlot[k]);
    k = (k + 1) % loads.length;
  }, 1);
  solver.dispose();
  return { single, batched, maxObjectiveError, meanIterations: iterations / loads.length };
}

interface Row {
  topology: string;
  precision: IpmPrecision;
  single: number;
  batched: number;
  oneShot: number;
  highs: number;
  maxObjectiveError: number;
}

const highs = await loadHighs();
const rows: Row[] = [];
const minMaxRows: MinMaxRow[] = [];
const rng = new Rng(20240611);
const topologies: Topology[] = [CUBE, HYPERCUBE, TORUS_8X4, SHIFT_64X4];

for (const topology of topologies) {
  const loads = Array.from({ length: BATCH }, (_, k) => randomLoads(rng, topology, LOAD_KINDS[k % LOAD_KINDS.length]));
  const lps = loads.map((l) => lplbProgram(topology, l));
  const batch = packLplb(lps);
  const singles = lps.map(single);
  const texts = lps.map((lp) => toCplexLp(lp));
  const highsObjectives = texts.map((text) => highs.solve(text, { output_flag: false }).ObjectiveValue as number);
  let next = 0;
  const highsTime = measure(() => {
    highs.solve(texts[next], { output_flag: false });
    next = (next + 1) % texts.length;
  }, 1);

  for (const precision of ["float64", "float32"] as const) {
    const solver = createSolver(batch.shape, { precision, batchCapacity: BATCH });
    const result = solver.solve(batch);
    let maxObjectiveError = 0;
    for (let b = 0; b < BATCH; b++) {
      const error =
        result.statusCodes[b] === 0 ? Math.abs(result.objective[b] - highsObjectives[b]) : Number.POSITIVE_INFINITY;
      maxObjectiveError = Math.max(maxObjectiveError, error / Math.max(1, Math.abs(highsObjectives[b])));
    }
    const batched = measure(() => solver.solve(batch), BATCH);
    let k = 0;
    const singleTime = measure(() => {
      solver.solve(singles[k]);
      k = (k + 1) % singles.length;
    }, 1);
    const oneShot = measure(() => solveBatch(batch, { precision }), BATCH);
    solver.dispose();
    const name = `${topology.name} (${topology.groupSize} ranks, D=${topology.columns.length})`;
    // The exact method runs in float64 whatever the precision: one row.
    for (const method of precision === "float64" ? (["flow", "ipm"] as const) : (["ipm"] as const)) {
      minMaxRows.push({
        topology: name,
        method,
        precision,
        highs: highsTime,
        ...measureMinMax(topology, loads, method, precision, highsObjectives),
      });
    }
    rows.push({
      topology: `${topology.name} (${topology.groupSize} ranks, D=${topology.columns.length})`,
      precision,
      single: singleTime,
      batched,
      oneShot,
      highs: highsTime,
      maxObjectiveError,
    });
  }
}

const caps = capabilities();
console.log(
  `@lplb/ipm ${caps.version} (${caps.bindingPath}), Node ${process.version} ${process.platform}-${process.arch}`,
);
console.log(`median microseconds per LP; batched = ${BATCH} groups per call through one IpmSolver\n`);
const header = [
  "topology".padEnd(34),
  "precision",
  "single".padStart(9),
  "batched".padStart(9),
  "solveBatch".padStart(11),
  "HiGHS".padStart(9),
  "HiGHS/single".padStart(13),
  "HiGHS/batched".padStart(14),
  "max rel obj err".padStart(16),
];
console.log(header.join("  "));
for (const r of rows) {
  console.log(
    [
      r.topology.padEnd(34),
      r.precision.padEnd(9),
      r.single.toFixed(2).padStart(9),
      r.batched.toFixed(2).padStart(9),
      r.oneShot.toFixed(2).padStart(11),
      r.highs.toFixed(1).padStart(9),
      `${(r.highs / r.single).toFixed(0)}x`.padStart(13),
      `${(r.highs / r.batched).toFixed(0)}x`.padStart(14),
      r.maxObjectiveError.toExponential(1).padStart(16),
    ].join("  "),
  );
}

console.log(`\nmin-max solver (createMinMaxSolver), same groups; batched = ${BATCH} groups per call\n`);
console.log(
  [
    "topology".padEnd(34),
    "method",
    "precision",
    "single".padStart(9),
    "batched".padStart(9),
    "HiGHS".padStart(9),
    "HiGHS/single".padStart(13),
    "HiGHS/batched".padStart(14),
    "max rel obj err".padStart(16),
    "iterations or phases".padStart(21),
  ].join("  "),
);
for (const r of minMaxRows) {
  console.log(
    [
      r.topology.padEnd(34),
      r.method.padEnd(6),
      r.precision.padEnd(9),
      r.single.toFixed(2).padStart(9),
      r.batched.toFixed(2).padStart(9),
      r.highs.toFixed(1).padStart(9),
      `${(r.highs / r.single).toFixed(0)}x`.padStart(13),
      `${(r.highs / r.batched).toFixed(0)}x`.padStart(14),
      r.maxObjectiveError.toExponential(1).padStart(16),
      r.meanIterations.toFixed(2).padStart(21),
    ].join("  "),
  );
}

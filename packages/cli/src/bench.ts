/**
 * Micro-benchmarks of the solver and planner: the per-group LPLB LPs and the general LP over
 * EPLB's placement, each solved by `@lplb/ipm` and, in the same run and on the same LPs, by HiGHS
 * when it is installed; the planner's whole per-batch pipeline; and EPLB on a DeepSeek-V3-sized
 * input. Every figure is a median over repeated runs.
 */
import { rebalanceExperts } from "@lplb/eplb";
import { expectInteger, expectOptions } from "@lplb/errors";
import { createMinMaxSolver, createSolver } from "@lplb/ipm";
import { createGeneralLayout, createLplbLayout, type LinearProgram, linearProgramAt } from "@lplb/lp";
import { buildRedundancyMapping, orderExperts, Planner } from "@lplb/planner";
import { cube, hypercube, type Topology, torus2d } from "@lplb/topology";
import type { HighsAvailability } from "./highs.js";
import { toLpFormat } from "./highs.js";
import { drawTokens, seededRandom, zipfWeights } from "./random.js";
import { quantile } from "./simulate.js";

/** One benchmark's result. */
export interface BenchResult {
  /** What was measured. */
  readonly name: string;
  /** Median wall time of `@lplb/ipm` (or of the measured code), microseconds. */
  readonly medianMicros: number;
  /** Median wall time of HiGHS on the same LPs, microseconds; undefined when not measured. */
  readonly highsMedianMicros?: number;
  /** Largest |objective difference| between the two solvers over the runs, when both ran. */
  readonly maxObjectiveGap?: number;
  /** Runs measured. */
  readonly repeats: number;
}

/** Options of {@link runBenchmarks}. */
export interface BenchOptions {
  /** Timed runs per benchmark; default 30. */
  readonly repeats?: number;
  /** Seed of the random workloads; default 1. */
  readonly seed?: number;
  /** HiGHS as returned by `loadHighs()`; HiGHS columns are skipped when unavailable. */
  readonly highs?: HighsAvailability;
  /** Called before each benchmark starts, with its name. */
  readonly onStart?: (name: string) => void;
}

function micros(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

function workloadFor(E: number, tokens: number, topK: number, random: () => number): Float64Array {
  const weights = zipfWeights(E, 1, random);
  const ids = drawTokens(weights, tokens, topK, random);
  const workload = new Float64Array(E);
  for (const e of ids) workload[e]++;
  return workload;
}

function highsObjective(
  highs: HighsAvailability | undefined,
  lps: readonly LinearProgram[],
): { micros: number; objective: number[] } | undefined {
  if (highs === undefined || !highs.available) return undefined;
  const texts = lps.map(toLpFormat);
  const start = process.hrtime.bigint();
  const objective = texts.map((text) => {
    const solution = highs.solver.solve(text, { output_flag: false });
    return solution.Status === "Optimal" ? solution.ObjectiveValue : Number.NaN;
  });
  return { micros: micros(start), objective };
}

interface LpCase {
  readonly name: string;
  readonly topology: Topology;
  readonly epSize: number;
  readonly experts: number;
  readonly redundant: number;
}

/**
 * Runs every benchmark.
 *
 * @returns one result per benchmark, in the order run.
 */
export function runBenchmarks(options?: BenchOptions): BenchResult[] {
  const checked = expectOptions("options", options);
  const repeats = expectInteger("options.repeats", checked.repeats ?? 30, 1, 1_000_000);
  const random = seededRandom(expectInteger("options.seed", checked.seed ?? 1, 0, 2 ** 32 - 1));
  const results: BenchResult[] = [];
  const lplbCases: LpCase[] = [
    { name: "LPLB LPs, cube EP8 (1 group), 64 experts", topology: cube(), epSize: 8, experts: 64, redundant: 2 },
    { name: "LPLB LPs, cube EP32 (4 groups), 256 experts", topology: cube(), epSize: 32, experts: 256, redundant: 2 },
    {
      name: "LPLB LPs, hypercube EP64 (4 groups), 256 experts",
      topology: hypercube(),
      epSize: 64,
      experts: 256,
      redundant: 2,
    },
    {
      name: "LPLB LPs, torus 4x8 EP32 (1 group), 256 experts",
      topology: torus2d(4, 8),
      epSize: 32,
      experts: 256,
      redundant: 2,
    },
  ];
  for (const c of lplbCases) {
    checked.onStart?.(c.name);
    const shape = {
      topology: c.topology,
      nLogicalExperts: c.experts,
      epSize: c.epSize,
      redundantPerRank: c.redundant,
      gpusPerNode: 8,
    };
    const mapping = buildRedundancyMapping(shape, orderExperts(shape));
    const layout = createLplbLayout({
      topology: c.topology,
      nLogicalExperts: c.experts,
      nRoutedExperts: c.experts + c.redundant * c.epSize,
      epSize: c.epSize,
      phy2log: mapping.phy2log,
    });
    using solver = createSolver(layout.shape);
    // The same groups through the solver specialised to them.
    using minMax = createMinMaxSolver({
      nRanks: c.topology.groupSize,
      nSlots: c.topology.slots,
      replicaRank: c.topology.toInt32Array("o2r"),
    });
    const ipmTimes = new Float64Array(repeats);
    const minMaxTimes = new Float64Array(repeats);
    const highsTimes: number[] = [];
    let gap = 0;
    let minMaxGap = 0;
    for (let run = -1; run < repeats; run++) {
      const workload = workloadFor(c.experts, 4096, 8, random);
      const batch = layout.fill(workload);
      const { w, f } = layout.weights(workload);
      const start = process.hrtime.bigint();
      const solution = solver.solve(batch);
      const elapsed = micros(start);
      const minMaxStart = process.hrtime.bigint();
      const split = minMax.solve(f, w);
      const minMaxElapsed = micros(minMaxStart);
      if (run < 0) continue; // warm-up
      ipmTimes[run] = elapsed;
      minMaxTimes[run] = minMaxElapsed;
      const lps = Array.from({ length: batch.count }, (_, g) => linearProgramAt(batch, g));
      const reference = highsObjective(checked.highs, lps);
      if (reference !== undefined) {
        highsTimes.push(reference.micros);
        reference.objective.forEach((objective, g) => {
          gap = Math.max(gap, Math.abs(objective - solution.objective[g]));
          minMaxGap = Math.max(minMaxGap, Math.abs(objective - split.maxLoad[g]));
        });
      }
    }
    results.push(withHighs(c.name, ipmTimes, highsTimes, gap, repeats));
    results.push(withHighs(`${c.name}, min-max solver`, minMaxTimes, highsTimes, minMaxGap, repeats));
  }

  {
    const name = "LP over EPLB's placement, EP32, 256 experts, 64 redundant";
    checked.onStart?.(name);
    const E = 256;
    const epSize = 32;
    const ipmTimes = new Float64Array(repeats);
    const highsTimes: number[] = [];
    let gap = 0;
    for (let run = -1; run < repeats; run++) {
      const workload = workloadFor(E, 8192, 8, random);
      const plan = rebalanceExperts([workload], {
        numReplicas: E + 2 * epSize,
        numGroups: 8,
        numNodes: 4,
        numGpus: epSize,
      });
      const layout = createGeneralLayout({ phy2log: plan.phy2log[0], epSize, nLogicalExperts: E });
      const lp = layout.fill(workload);
      using solver = createSolver(layout.shape);
      const start = process.hrtime.bigint();
      const solution = solver.solve(lp);
      const elapsed = micros(start);
      if (run < 0) continue;
      ipmTimes[run] = elapsed;
      const reference = highsObjective(checked.highs, [lp]);
      if (reference !== undefined) {
        highsTimes.push(reference.micros);
        gap = Math.max(gap, Math.abs(reference.objective[0] - solution.objective[0]));
      }
    }
    results.push(withHighs(name, ipmTimes, highsTimes, gap, repeats));
  }

  {
    const name = "Planner.run, cube EP8, 64 experts, 4096 tokens x top-8 (count, solve, map)";
    checked.onStart?.(name);
    using planner = new Planner({ r2o: cube(), nLogicalExperts: 64, nRoutedExperts: 80, epSize: 8 });
    const weights = zipfWeights(64, 1, random);
    planner.updateRedundancyMapping(weights);
    const times = new Float64Array(repeats);
    for (let run = -1; run < repeats; run++) {
      const ids = drawTokens(weights, 4096, 8, random);
      const start = process.hrtime.bigint();
      planner.run(ids);
      if (run >= 0) times[run] = micros(start);
    }
    results.push({ name, medianMicros: quantile(times, 0.5), repeats });
  }

  {
    const name = "EPLB, 58 layers x 256 experts, 288 replicas, 4 nodes, 32 GPUs";
    checked.onStart?.(name);
    const weight = Array.from({ length: 58 }, () => zipfWeights(256, 1, random).map((w) => w * 1e6));
    const eplbRepeats = Math.max(3, Math.min(repeats, 10));
    const times = new Float64Array(eplbRepeats);
    for (let run = -1; run < eplbRepeats; run++) {
      const start = process.hrtime.bigint();
      rebalanceExperts(weight, { numReplicas: 288, numGroups: 8, numNodes: 4, numGpus: 32 });
      if (run >= 0) times[run] = micros(start);
    }
    results.push({ name, medianMicros: quantile(times, 0.5), repeats: eplbRepeats });
  }
  return results;
}

function withHighs(name: string, ipm: Float64Array, highs: number[], gap: number, repeats: number): BenchResult {
  return {
    name,
    medianMicros: quantile(ipm, 0.5),
    ...(highs.length > 0 ? { highsMedianMicros: quantile(highs, 0.5), maxObjectiveGap: gap } : {}),
    repeats,
  };
}

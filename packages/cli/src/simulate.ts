/**
 * Replays batches of routed tokens through three policies and measures how evenly each spreads the
 * load over EP ranks:
 * - `no-redundancy`: EPLB reordering only (one copy per expert);
 * - `eplb-even`: EPLB with replicas, each expert's tokens split evenly across its copies;
 * - `lplb`: LPLB over an r2o topology, tokens redirected by the planner.
 * Balance is `max rank load / mean rank load` per batch (1.0 is perfect).
 */
import { rebalanceExperts } from "@lplb/eplb";
import { Planner, balanceOf } from "@lplb/planner";
import type { Topology } from "@lplb/topology";
import { drawTokens, seededRandom } from "./random.js";

export const POLICIES = ["no-redundancy", "eplb-even", "lplb"] as const;
export type Policy = (typeof POLICIES)[number];

export interface SimulationConfig {
  /** Load distribution used to plan placements (EPLB and LPLB's reordering). */
  readonly calibration: Float64Array;
  /** Load distribution batches are drawn from (the same as calibration unless modelling drift). */
  readonly serving: Float64Array;
  readonly topology: Topology;
  readonly epSize: number;
  /** Redundant experts per rank. */
  readonly redundantPerRank: number;
  readonly topK: number;
  readonly tokensPerRank: number;
  readonly batches: number;
  readonly gpusPerNode: number;
  readonly seed: number;
}

export interface PolicySummary {
  readonly policy: Policy;
  readonly meanBalance: number;
  readonly p99Balance: number;
  readonly maxBalance: number;
}

export interface SimulationResult {
  readonly summaries: PolicySummary[];
  /** Balance per batch, per policy. */
  readonly balances: Record<Policy, Float64Array>;
  /** Median and p99 wall time of one LPLB solve (all groups), microseconds. */
  readonly solveMicros: { readonly median: number; readonly p99: number };
  /** Groups not solved to optimality over the whole run (each fell back to an even split). */
  readonly fallbackGroups: number;
  /** Largest difference between the LP's predicted and the realised max rank load, in tokens. */
  readonly maxPredictionGap: number;
}

function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs the simulation; `onBatch` is called after every batch (for progress display). */
export function simulate(config: SimulationConfig, onBatch?: (done: number) => void): SimulationResult {
  const { topology, epSize, redundantPerRank: R, topK, tokensPerRank, batches, gpusPerNode } = config;
  const E = config.calibration.length;
  const nRoutedExperts = E + R * epSize;
  const numNodes = Math.max(1, Math.floor(epSize / gpusPerNode));
  const numGroups = epSize / topology.groupSize;

  const eplbPlan = rebalanceExperts([config.calibration], { numReplicas: E, numGroups, numNodes, numGpus: epSize });
  const rankOfExpert = new Int32Array(E);
  eplbPlan.phy2log[0].forEach((e, p) => {
    rankOfExpert[e] = Math.floor(p / (E / epSize));
  });
  const replicaPlan = rebalanceExperts([config.calibration], {
    numReplicas: nRoutedExperts,
    numGroups,
    numNodes,
    numGpus: epSize,
  });
  const replicaPhy2log = replicaPlan.phy2log[0];
  const replicaCount = replicaPlan.logcnt[0];
  const perRank = nRoutedExperts / epSize;

  using planner = new Planner({ r2o: topology, nLogicalExperts: E, nRoutedExperts, epSize, gpusPerNode });
  planner.updateRedundancyMapping(config.calibration);

  const random = seededRandom(config.seed);
  const balances = {
    "no-redundancy": new Float64Array(batches),
    "eplb-even": new Float64Array(batches),
    lplb: new Float64Array(batches),
  } satisfies Record<Policy, Float64Array>;
  const solveTimes = new Float64Array(batches);
  let fallbackGroups = 0;
  let maxPredictionGap = 0;
  const rankLoad = new Float64Array(epSize);
  const idsPerRank: Int32Array[] = new Array(epSize);

  for (let b = 0; b < batches; b++) {
    const workload = new Float64Array(E);
    for (let r = 0; r < epSize; r++) {
      const ids = drawTokens(config.serving, tokensPerRank, topK, random);
      idsPerRank[r] = ids;
      for (let i = 0; i < ids.length; i++) workload[ids[i]]++;
    }

    rankLoad.fill(0);
    for (let e = 0; e < E; e++) rankLoad[rankOfExpert[e]] += workload[e];
    balances["no-redundancy"][b] = balanceOf(rankLoad);

    rankLoad.fill(0);
    for (let p = 0; p < nRoutedExperts; p++) {
      const e = replicaPhy2log[p];
      rankLoad[Math.floor(p / perRank)] += workload[e] / replicaCount[e];
    }
    balances["eplb-even"][b] = balanceOf(rankLoad);

    const start = process.hrtime.bigint();
    const solved = planner.solveProbs(workload);
    solveTimes[b] = Number(process.hrtime.bigint() - start) / 1000;
    fallbackGroups += solved.fallbackGroups.length;
    rankLoad.fill(0);
    for (let r = 0; r < epSize; r++) {
      const ids = idsPerRank[r];
      const counts = planner.countWorkload(ids);
      const physical = planner.weightedSelectTarget(ids, solved.probs, counts);
      for (let i = 0; i < physical.length; i++) rankLoad[Math.floor(physical[i] / perRank)]++;
    }
    balances.lplb[b] = balanceOf(rankLoad);
    let predictedMax = 0;
    let realisedMax = 0;
    for (let r = 0; r < epSize; r++) {
      predictedMax = Math.max(predictedMax, solved.rankLoads[r]);
      realisedMax = Math.max(realisedMax, rankLoad[r]);
    }
    maxPredictionGap = Math.max(maxPredictionGap, Math.abs(predictedMax - realisedMax));
    onBatch?.(b + 1);
  }

  const summaries = POLICIES.map((policy) => {
    const values = balances[policy];
    let sum = 0;
    let max = 0;
    for (const v of values) {
      sum += v;
      max = Math.max(max, v);
    }
    return { policy, meanBalance: sum / values.length, p99Balance: quantile(values, 0.99), maxBalance: max };
  });
  return {
    summaries,
    balances,
    solveMicros: { median: quantile(solveTimes, 0.5), p99: quantile(solveTimes, 0.99) },
    fallbackGroups,
    maxPredictionGap,
  };
}

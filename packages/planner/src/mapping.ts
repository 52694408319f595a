/**
 * Physical expert layout of LPLB (reference section 3.3): which logical expert every physical
 * slot holds, given the r2o topology and, optionally, a load history that reorders experts.
 */
import { rebalanceExperts } from "@lplb/eplb";
import type { Topology } from "@lplb/topology";

/** The placement of logical experts on physical slots. */
export interface RedundancyMapping {
  /** Logical id held by each physical slot, length `nRoutedExperts`. */
  readonly phy2log: Int32Array;
  /** Physical ids of each logical expert, the original first, padded with -1 to length 2. */
  readonly log2phy: Int32Array[];
  /** Number of physical copies (1 or 2) of each logical expert. */
  readonly logcnt: Int32Array;
}

/** Shape of an LPLB placement; every field is validated by the planner before it gets here. */
export interface PlacementShape {
  readonly topology: Topology;
  readonly nLogicalExperts: number;
  readonly epSize: number;
  /** Redundant slots per rank (R). */
  readonly redundantPerRank: number;
  readonly gpusPerNode: number;
}

/** Number of nodes EPLB's reordering assumes: one per `gpusPerNode` ranks, at least one. */
export function nodesFor(epSize: number, gpusPerNode: number): number {
  return Math.max(1, Math.floor(epSize / gpusPerNode));
}

/**
 * Orders logical experts onto ranks: `order[r * perRank + k]` is rank r's k-th own expert.
 * Without history: identity. With history: EPLB reordering (no replicas), then each rank's experts
 * sorted by history load, heaviest first (stable, so ties keep EPLB's order).
 */
export function orderExperts(shape: PlacementShape, history?: ArrayLike<number>): Int32Array {
  const { nLogicalExperts: E, epSize, topology, gpusPerNode } = shape;
  if (history === undefined) return Int32Array.from({ length: E }, (_, i) => i);
  const nGroup = epSize / topology.groupSize;
  const plan = rebalanceExperts([history], {
    numReplicas: E,
    numGroups: nGroup,
    numNodes: nodesFor(epSize, gpusPerNode),
    numGpus: epSize,
  });
  const order = Int32Array.from(plan.phy2log[0]);
  const perRank = E / epSize;
  const scratch: number[] = new Array(perRank);
  for (let rank = 0; rank < epSize; rank++) {
    for (let k = 0; k < perRank; k++) scratch[k] = order[rank * perRank + k];
    scratch.sort((a, b) => history[b] - history[a]);
    for (let k = 0; k < perRank; k++) order[rank * perRank + k] = scratch[k];
  }
  return order;
}

/**
 * Builds `phy2log`, `log2phy` and `logcnt` from an expert order (see {@link orderExperts}).
 * Rank r's physical slots are its `E / epSize` own experts in order, then `R` redundant slots;
 * redundant slot `j * D + d` of group rank i holds the copy of own expert `j * D + d` of group
 * rank `r2o[i][d]`.
 */
export function buildRedundancyMapping(shape: PlacementShape, order: Int32Array): RedundancyMapping {
  const { nLogicalExperts: E, epSize, topology, redundantPerRank: R } = shape;
  const own = E / epSize;
  const perRank = own + R;
  const D = topology.slots;
  const G = topology.groupSize;
  const phy2log = new Int32Array(perRank * epSize);
  for (let rank = 0; rank < epSize; rank++) {
    const groupBase = rank - (rank % G);
    const groupRank = rank % G;
    for (let k = 0; k < own; k++) phy2log[rank * perRank + k] = order[rank * own + k];
    for (let slot = 0; slot < R; slot++) {
      const d = slot % D;
      const source = groupBase + topology.r2o[groupRank][d];
      phy2log[rank * perRank + own + slot] = order[source * own + slot];
    }
  }
  const logcnt = new Int32Array(E);
  const log2phy = Array.from({ length: E }, () => new Int32Array(2).fill(-1));
  // Originals first: a rank's own slots come before any redundant slot in the scan below.
  for (let pass = 0; pass < 2; pass++) {
    for (let rank = 0; rank < epSize; rank++) {
      const start = rank * perRank + (pass === 0 ? 0 : own);
      const end = pass === 0 ? rank * perRank + own : (rank + 1) * perRank;
      for (let p = start; p < end; p++) {
        const e = phy2log[p];
        log2phy[e][logcnt[e]++] = p;
      }
    }
  }
  return { phy2log, log2phy, logcnt };
}

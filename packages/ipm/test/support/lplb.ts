/**
 * LPLB min-max LPs for tests and benchmarks, written directly from the formulation
 * (reference section 3.4), independently of any builder in the project:
 *
 *   minimise z  subject to, for every rank i of the group (s_d = r2o[i][d]):
 *   f[i] + sum_d w[i][d] p[i][d] + sum_d w[s_d][d] (1 - p[s_d][d]) <= z,   0 <= p <= 1.
 *
 * Variables: x[i * D + d] = p[i][d], x[G * D] = z.
 */
import type { LinearProgram } from "@lplb/lp";
import type { Rng } from "./random.js";

/** An r2o matrix as columns: r2o[i][d] = columns[d][i]. */
export interface Topology {
  readonly name: string;
  readonly groupSize: number;
  readonly columns: readonly (readonly number[])[];
}

export const CUBE: Topology = {
  name: "cube",
  groupSize: 8,
  columns: [
    [3, 0, 1, 2, 7, 4, 5, 6],
    [6, 7, 4, 5, 0, 1, 2, 3],
  ],
};

export const HYPERCUBE: Topology = {
  name: "hypercube",
  groupSize: 16,
  columns: [
    [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14],
    [12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  ],
};

export const RING: Topology = { name: "ring", groupSize: 8, columns: [[1, 2, 3, 4, 5, 6, 7, 0]] };

/** 2-D torus m x n: rank i*n+j -> [((i+1) % m)*n + j, i*n + (j+1) % n]. */
export function torus(m: number, n: number): Topology {
  const down: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      down.push(((i + 1) % m) * n + j);
      right.push(i * n + ((j + 1) % n));
    }
  }
  return { name: `torus ${m}x${n}`, groupSize: m * n, columns: [down, right] };
}

export const TORUS_8X4 = torus(8, 4);

/** 64 ranks, D = 4: rank i replicates ranks i+1, i+8, i+16 and i+32 (mod 64). */
export const SHIFT_64X4: Topology = {
  name: "64-rank D=4",
  groupSize: 64,
  columns: [1, 8, 16, 32].map((shift) => Array.from({ length: 64 }, (_, i) => (i + shift) % 64)),
};

/** A random valid r2o: every column a permutation without fixed points. */
export function randomTopology(rng: Rng, maxGroupSize = 24, maxSlots = 3): Topology {
  const groupSize = rng.int(2, maxGroupSize);
  const slots = rng.int(1, maxSlots);
  const columns = Array.from({ length: slots }, () => rng.derangement(groupSize));
  return { name: `random r2o ${groupSize}x${slots}`, groupSize, columns };
}

/** Normalised per-rank loads of one group: w[i * D + d] and f[i]. */
export interface GroupLoads {
  readonly w: Float64Array;
  readonly f: Float64Array;
}

export type LoadKind = "uniform" | "heavy-tailed" | "with zeros" | "dominant";
export const LOAD_KINDS: readonly LoadKind[] = ["uniform", "heavy-tailed", "with zeros", "dominant"];

function expertLoad(rng: Rng, kind: LoadKind): number {
  switch (kind) {
    case "uniform":
      return rng.uniform(0, 1000);
    case "heavy-tailed":
      // Pareto with shape 1.1: occasional loads orders of magnitude above the median.
      return 100 * (1 - rng.next()) ** (-1 / 1.1);
    case "with zeros":
      return rng.chance(0.4) ? 0 : rng.uniform(0, 1000);
    case "dominant":
      return rng.uniform(0, 10);
  }
}

/**
 * Random expert loads for a group: each rank has `ownPerRank` experts, the first
 * `combined * D` of them replicated (expert j*D + d belongs to slot d). Loads are normalised
 * by their maximum, as the reference does (an all-zero workload is left at zero).
 */
export function randomLoads(rng: Rng, topology: Topology, kind: LoadKind): GroupLoads {
  const g = topology.groupSize;
  const slots = topology.columns.length;
  const combined = rng.int(1, 3);
  const ownPerRank = combined * slots + rng.int(0, 4);
  const loads = Array.from({ length: g * ownPerRank }, () => expertLoad(rng, kind));
  if (kind === "dominant") loads[rng.int(0, loads.length - 1)] = 1e6;
  return loadsFromExperts(loads, g, slots, combined, ownPerRank);
}

export function loadsFromExperts(
  loads: readonly number[],
  groupSize: number,
  slots: number,
  combined: number,
  ownPerRank: number,
): GroupLoads {
  const max = loads.reduce((a, b) => Math.max(a, b), 0);
  const scale = max > 0 ? 1 / max : 0;
  const w = new Float64Array(groupSize * slots);
  const f = new Float64Array(groupSize);
  for (let i = 0; i < groupSize; i++) {
    for (let e = 0; e < ownPerRank; e++) {
      const load = loads[i * ownPerRank + e] * scale;
      if (e < combined * slots) w[i * slots + (e % slots)] += load;
      else f[i] += load;
    }
  }
  return { w, f };
}

/**
 * The group's LP. `zLower` is z's lower bound: 0 (as the project's builder writes it) or
 * -Infinity (free z; the constraints bound it).
 */
export function lplbProgram(topology: Topology, loads: GroupLoads, zLower = 0): LinearProgram {
  const g = topology.groupSize;
  const slots = topology.columns.length;
  const nVars = g * slots + 1;
  const z = g * slots;
  const c = new Float64Array(nVars);
  c[z] = 1;
  const aUb = new Float64Array(g * nVars);
  const bUb = new Float64Array(g);
  for (let i = 0; i < g; i++) {
    let rhs = -loads.f[i];
    for (let d = 0; d < slots; d++) {
      const source = topology.columns[d][i];
      aUb[i * nVars + i * slots + d] += loads.w[i * slots + d];
      aUb[i * nVars + source * slots + d] -= loads.w[source * slots + d];
      rhs -= loads.w[source * slots + d];
    }
    aUb[i * nVars + z] = -1;
    bUb[i] = rhs;
  }
  const lower = new Float64Array(nVars);
  lower[z] = zLower;
  const upper = new Float64Array(nVars).fill(1);
  upper[z] = Number.POSITIVE_INFINITY;
  return { nVars, c, aUb, bUb, lower, upper };
}

/** Max rank load of the split `x` (p and z), recomputed from the loads: equals z at the optimum. */
export function maxRankLoad(topology: Topology, loads: GroupLoads, x: ArrayLike<number>): number {
  const g = topology.groupSize;
  const slots = topology.columns.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < g; i++) {
    let load = loads.f[i];
    for (let d = 0; d < slots; d++) {
      const source = topology.columns[d][i];
      load += loads.w[i * slots + d] * x[i * slots + d] + loads.w[source * slots + d] * (1 - x[source * slots + d]);
    }
    max = Math.max(max, load);
  }
  return max;
}

/** The topology's o2r as the min-max solver takes it: replicaRank[source][d] = the rank i with r2o[i][d] = source. */
export function replicaRanks(topology: Topology): Int32Array {
  const slots = topology.columns.length;
  const replica = new Int32Array(topology.groupSize * slots);
  topology.columns.forEach((column, d) => {
    column.forEach((source, i) => {
      replica[source * slots + d] = i;
    });
  });
  return replica;
}

/**
 * Test helpers: seeded randomness, workloads, LPLB placements and independent oracles written
 * straight from the reference formulas (they share no code with src/).
 */
import { InvalidArgumentError } from "@lplb/errors";
import type { OracleLinearProgram } from "@lplb/highs-oracle";
import { mulberry32 } from "@lplb/test-support";
import { expect } from "vitest";
import type { LinearProgram, LpSolution } from "../src/index.js";

export { mulberry32 };

/** A fresh seed per run, printed in failure messages so a failure can be replayed. */
export function freshSeed(): number {
  return (Date.now() * 7919 + Math.floor(Math.random() * 1e6)) >>> 0;
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function shuffle<T>(random: () => number, values: T[]): T[] {
  for (let k = values.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [values[k], values[j]] = [values[j], values[k]];
  }
  return values;
}

export type WorkloadKind = "uniform" | "heavy-tailed" | "zeros" | "some-zeros" | "dominant" | "integer";
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  "uniform",
  "heavy-tailed",
  "zeros",
  "some-zeros",
  "dominant",
  "integer",
];

/** A workload of `length` logical experts of the given kind. */
export function makeWorkload(random: () => number, length: number, kind: WorkloadKind): Float64Array {
  const w = new Float64Array(length);
  for (let e = 0; e < length; e++) {
    switch (kind) {
      case "uniform":
        w[e] = random() * 100;
        break;
      case "heavy-tailed":
        // Pareto with shape 1.1: a few experts carry most tokens.
        w[e] = 1 / (1 - random()) ** (1 / 1.1);
        break;
      case "zeros":
        w[e] = 0;
        break;
      case "some-zeros":
        w[e] = random() < 0.5 ? 0 : random() * 10;
        break;
      case "dominant":
        w[e] = random();
        break;
      case "integer":
        w[e] = Math.floor(random() * 4096);
        break;
    }
  }
  if (kind === "dominant") w[Math.floor(random() * length)] = 1000;
  return w;
}

/** `r2o` as rows of numbers. */
export type Matrix = readonly (readonly number[])[];

/**
 * An LPLB placement written from reference section 3.3: `order` lists the logical experts rank
 * by rank (own experts of rank r are `order[r * own .. (r + 1) * own - 1]`); redundant slot
 * `j * D + d` of group rank i copies own expert `j * D + d` of group rank `r2o[i][d]`.
 */
export function lplbPlacement(
  r2o: Matrix,
  epSize: number,
  order: readonly number[],
  redundantPerRank: number,
): Int32Array {
  const groupSize = r2o.length;
  const D = r2o[0].length;
  const own = order.length / epSize;
  const perRank = own + redundantPerRank;
  const phy2log = new Int32Array(perRank * epSize);
  for (let rank = 0; rank < epSize; rank++) {
    for (let t = 0; t < own; t++) phy2log[rank * perRank + t] = order[rank * own + t];
    const groupBase = rank - (rank % groupSize);
    for (let t = 0; t < redundantPerRank; t++) {
      const source = groupBase + r2o[rank % groupSize][t % D];
      phy2log[rank * perRank + own + t] = order[source * own + t];
    }
  }
  return phy2log;
}

/** Ranks holding a copy of each logical expert, from phy2log alone. */
export function copyRanks(phy2log: ArrayLike<number>, epSize: number, nLogical: number): number[][] {
  const perRank = phy2log.length / epSize;
  const ranks: number[][] = Array.from({ length: nLogical }, () => []);
  for (let p = 0; p < phy2log.length; p++) ranks[phy2log[p]].push(Math.floor(p / perRank));
  return ranks;
}

/**
 * Exact fractional min-max rank load: by the max-flow min-cut theorem for splittable jobs with
 * allowed machine sets, it is the maximum over non-empty rank sets S of
 * (load of experts whose copies all lie in S) / |S|. Brute force over subsets of `ranks`.
 */
export function minMaxBySubsets(loads: ArrayLike<number>, copies: number[][], ranks: readonly number[]): number {
  const position = new Map<number, number>();
  ranks.forEach((rank, k) => {
    position.set(rank, k);
  });
  // total[S] = load of the experts whose rank set is exactly S, then summed over subsets of S.
  const total = new Float64Array(1 << ranks.length);
  for (let e = 0; e < copies.length; e++) {
    if (copies[e].length === 0 || !position.has(copies[e][0])) continue;
    let mask = 0;
    for (const rank of copies[e]) mask |= 1 << position.get(rank)!;
    total[mask] += loads[e];
  }
  for (let bit = 1; bit < total.length; bit <<= 1) {
    for (let subset = 0; subset < total.length; subset++) if (subset & bit) total[subset] += total[subset ^ bit];
  }
  let best = 0;
  for (let subset = 1; subset < total.length; subset++) {
    let size = 0;
    for (let s = subset; s !== 0; s &= s - 1) size++;
    best = Math.max(best, total[subset] / size);
  }
  return best;
}

/**
 * The LPLB split seen from phy2log alone: for each logical expert with two copies, the rank of
 * its original (own slot) and the p variable index (group rank of the original * D + slot d,
 * where d is the copy's redundant position mod D).
 */
export interface SplitModel {
  readonly groupSize: number;
  readonly D: number;
  readonly epSize: number;
  readonly perRank: number;
  readonly own: number;
  /** Per physical id: -1 for an expert with one copy, else its p variable (group-local index). */
  readonly variableOf: Int32Array;
  /** Per physical id: true for the original of a replicated expert, false for its copy. */
  readonly isOriginal: Uint8Array;
}

export function splitModel(
  phy2log: ArrayLike<number>,
  epSize: number,
  nLogical: number,
  groupSize: number,
  D: number,
): SplitModel {
  const perRank = phy2log.length / epSize;
  const own = nLogical / epSize;
  const physicals: number[][] = Array.from({ length: nLogical }, () => []);
  for (let p = 0; p < phy2log.length; p++) physicals[phy2log[p]].push(p);
  const variableOf = new Int32Array(phy2log.length).fill(-1);
  const isOriginal = new Uint8Array(phy2log.length);
  for (const list of physicals) {
    if (list.length === 1) continue;
    if (list.length !== 2) throw new Error("LPLB placements have one or two copies per expert");
    const original = list.find((p) => p % perRank < own)!;
    const copy = list.find((p) => p % perRank >= own)!;
    const d = ((copy % perRank) - own) % D;
    const variable = (Math.floor(original / perRank) % groupSize) * D + d;
    variableOf[original] = variable;
    variableOf[copy] = variable;
    isOriginal[original] = 1;
  }
  return { groupSize, D, epSize, perRank, own, variableOf, isOriginal };
}

/**
 * Per-rank loads of group `group` for the split `p` (group-local, length groupSize * D): the
 * original keeps `p`, the copy gets `1 - p`, single-copy experts stay.
 */
export function groupRankLoads(
  model: SplitModel,
  phy2log: ArrayLike<number>,
  loads: ArrayLike<number>,
  group: number,
  p: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(model.groupSize);
  for (let i = 0; i < model.groupSize; i++) {
    const rank = group * model.groupSize + i;
    for (let slot = 0; slot < model.perRank; slot++) {
      const physical = rank * model.perRank + slot;
      const load = loads[phy2log[physical]];
      const v = model.variableOf[physical];
      if (v < 0) out[i] += load;
      else out[i] += model.isOriginal[physical] ? load * p[v] : load * (1 - p[v]);
    }
  }
  return out;
}

/**
 * The reference LP of one group (`minimise z s.t. load_i(p) <= z`) built by evaluating the
 * affine rank loads at the unit vectors: row i is `load_i(e_k) - load_i(0)` per p variable,
 * `-1` for z, right-hand side `-load_i(0)`.
 */
export function referenceGroupLp(
  model: SplitModel,
  phy2log: ArrayLike<number>,
  normalisedLoads: ArrayLike<number>,
  group: number,
): { c: Float64Array; aUb: Float64Array; bUb: Float64Array; lower: Float64Array; upper: Float64Array } {
  const G = model.groupSize;
  const nP = G * model.D;
  const n = nP + 1;
  const zero = groupRankLoads(model, phy2log, normalisedLoads, group, new Float64Array(nP));
  const aUb = new Float64Array(G * n);
  const bUb = new Float64Array(G);
  for (let k = 0; k < nP; k++) {
    const unit = new Float64Array(nP);
    unit[k] = 1;
    const at = groupRankLoads(model, phy2log, normalisedLoads, group, unit);
    for (let i = 0; i < G; i++) aUb[i * n + k] = at[i] - zero[i];
  }
  for (let i = 0; i < G; i++) {
    aUb[i * n + nP] = -1;
    bUb[i] = -zero[i];
  }
  const c = new Float64Array(n);
  c[nP] = 1;
  const upper = new Float64Array(n).fill(1);
  upper[nP] = Number.POSITIVE_INFINITY;
  return { c, aUb, bUb, lower: new Float64Array(n), upper };
}

export function normalise(workload: ArrayLike<number>): Float64Array {
  const max = Math.max(0, ...Array.from(workload));
  return Float64Array.from(workload, (v) => (max > 0 ? v / max : 0));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k] === b[k] ? 0 : Math.abs(a[k] - b[k]);
    worst = Math.max(worst, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
  }
  return worst;
}

/**
 * The dual of `lp` as an LP for the oracle. With the sign convention of @lplb/lp the dual is
 *
 *   maximise bEq'yEq - bUb'yUb + lower'zL - upper'zU
 *   s.t.     aEq'yEq - aUb'yUb + zL - zU = c,  yUb, zL, zU >= 0 (zL, zU only on finite bounds)
 *
 * written as a minimisation of the negated objective. `unpack` maps its solution back to the
 * multipliers of `lp`.
 */
export function dualProgram(lp: LinearProgram): {
  dual: OracleLinearProgram;
  unpack: (y: Float64Array) => Pick<LpSolution, "yEq" | "yUb" | "zLower" | "zUpper">;
} {
  const n = lp.nVars;
  const mEq = lp.bEq?.length ?? 0;
  const mUb = lp.bUb?.length ?? 0;
  const lowerAt = (j: number) => lp.lower?.[j] ?? 0;
  const upperAt = (j: number) => lp.upper?.[j] ?? Number.POSITIVE_INFINITY;
  const lowerVars: number[] = [];
  const upperVars: number[] = [];
  for (let j = 0; j < n; j++) {
    if (Number.isFinite(lowerAt(j))) lowerVars.push(j);
    if (Number.isFinite(upperAt(j))) upperVars.push(j);
  }
  const nDual = mEq + mUb + lowerVars.length + upperVars.length;
  const c = new Float64Array(nDual);
  const aEq = new Float64Array(n * nDual);
  const lower = new Float64Array(nDual);
  for (let i = 0; i < mEq; i++) {
    c[i] = -lp.bEq![i];
    lower[i] = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) aEq[j * nDual + i] = lp.aEq![i * n + j];
  }
  for (let i = 0; i < mUb; i++) {
    c[mEq + i] = lp.bUb![i];
    for (let j = 0; j < n; j++) aEq[j * nDual + mEq + i] = -lp.aUb![i * n + j];
  }
  lowerVars.forEach((j, k) => {
    const v = mEq + mUb + k;
    c[v] = -lowerAt(j);
    aEq[j * nDual + v] = 1;
  });
  upperVars.forEach((j, k) => {
    const v = mEq + mUb + lowerVars.length + k;
    c[v] = upperAt(j);
    aEq[j * nDual + v] = -1;
  });
  const dual: OracleLinearProgram = {
    nVars: nDual,
    c,
    aEq,
    bEq: Float64Array.from(lp.c),
    lower,
    upper: new Float64Array(nDual).fill(Number.POSITIVE_INFINITY),
  };
  const unpack = (y: Float64Array) => {
    const zLower = new Float64Array(n);
    const zUpper = new Float64Array(n);
    lowerVars.forEach((j, k) => {
      zLower[j] = y[mEq + mUb + k];
    });
    upperVars.forEach((j, k) => {
      zUpper[j] = y[mEq + mUb + lowerVars.length + k];
    });
    return { yEq: y.slice(0, mEq), yUb: y.slice(mEq, mEq + mUb), zLower, zUpper };
  };
  return { dual, unpack };
}

/** Runs `fn` and checks that it throws an InvalidArgumentError for `argument` with a matching message. */
export function expectInvalid(fn: () => unknown, argument: string, message: RegExp | string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(InvalidArgumentError.isInstance(error), `expected an InvalidArgumentError, got ${error}`).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  if (typeof message === "string") expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

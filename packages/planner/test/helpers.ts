/** Shared generators and oracles for the planner tests. */
import type { LinearProgram, LpBatch } from "@lplb/lp";
import { mulberry32 } from "@lplb/test-support";

/** Seeded uniform generator (mulberry32). */
export const rng: (seed: number) => () => number = mulberry32;

/** Standard normal by Box-Muller. */
export function normal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** `max(0, normal(mean, sd)) * scale`, rounded, per expert. */
export function normalLoads(random: () => number, n: number, mean: number, sd: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.round(Math.max(0, mean + sd * normal(random)) * scale));
}

/** LP `index` of a contiguous batch as a standalone LinearProgram (copies). */
export function lpOfBatch(batch: LpBatch, index: number): LinearProgram {
  const { nVars: n, mEq, mUb } = batch.shape;
  const slice = (a: Float64Array | undefined, len: number) =>
    a === undefined ? undefined : a.slice(index * len, (index + 1) * len);
  return {
    nVars: n,
    c: slice(batch.c, n) as Float64Array,
    aEq: mEq > 0 ? slice(batch.aEq, mEq * n) : undefined,
    bEq: mEq > 0 ? slice(batch.bEq, mEq) : undefined,
    aUb: mUb > 0 ? slice(batch.aUb, mUb * n) : undefined,
    bUb: mUb > 0 ? slice(batch.bUb, mUb) : undefined,
    lower: slice(batch.lower, n),
    upper: slice(batch.upper, n),
  };
}

/** Random logical ids in [-1, E) with a share of -1. */
export function randomIds(random: () => number, length: number, experts: number, noneShare = 0.05): Int32Array {
  return Int32Array.from({ length }, () => (random() < noneShare ? -1 : Math.floor(random() * experts)));
}

/** Ids drawn with probability proportional to `weights`. */
export function weightedIds(random: () => number, length: number, weights: ArrayLike<number>): Int32Array {
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    cumulative.push(total);
  }
  return Int32Array.from({ length }, () => {
    const target = random() * total;
    let e = cumulative.findIndex((c) => c > target);
    if (e < 0) e = weights.length - 1;
    return e;
  });
}

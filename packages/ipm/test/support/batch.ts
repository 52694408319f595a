/** Contiguous batches of LPLB LPs for tests and benchmarks. */
import type { LinearProgram, LpBatch } from "@lplb/lp";
import { LOAD_KINDS, lplbProgram, randomLoads, type Topology } from "./lplb.js";
import type { Rng } from "./random.js";

/** Packs LPs of one shape (every one with aUb, bUb, lower and upper) into an LpBatch. */
export function packLplb(lps: readonly LinearProgram[]): LpBatch {
  const { nVars } = lps[0];
  const mUb = lps[0].bUb!.length;
  const count = lps.length;
  const c = new Float64Array(count * nVars);
  const aUb = new Float64Array(count * mUb * nVars);
  const bUb = new Float64Array(count * mUb);
  const lower = new Float64Array(count * nVars);
  const upper = new Float64Array(count * nVars);
  lps.forEach((lp, b) => {
    c.set(lp.c, b * nVars);
    aUb.set(lp.aUb!, b * mUb * nVars);
    bUb.set(lp.bUb!, b * mUb);
    lower.set(lp.lower!, b * nVars);
    upper.set(lp.upper!, b * nVars);
  });
  return { shape: { nVars, mEq: 0, mUb }, count, c, aUb, bUb, lower, upper };
}

/** `count` random LPLB LPs of `topology`, cycling through the load kinds. */
export function randomLplbPrograms(rng: Rng, topology: Topology, count: number): LinearProgram[] {
  return Array.from({ length: count }, (_, k) =>
    lplbProgram(topology, randomLoads(rng, topology, LOAD_KINDS[k % LOAD_KINDS.length])),
  );
}

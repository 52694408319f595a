/**
 * Random generic LPs with a known outcome class, built so that HiGHS and the IPM must agree:
 * feasible and bounded (a dual-feasible cost), primal infeasible (a contradiction added to a
 * feasible system), and unbounded (a feasible system with a descent ray).
 *
 * Constraint data, bounds and the feasible point are dyadic numbers of few bits (multiples of
 * 1/64 or 1/16), so right-hand sides computed from the feasible point are exact in float64 and
 * in float32: feasibility never hinges on rounding, even when the feasible set is a single
 * point or has redundant equalities.
 */
import type { LinearProgram } from "@lplb/lp";
import type { Rng } from "./random.js";

export type GenericKind =
  | "bounded"
  | "bounded-degenerate"
  | "bounded-free"
  | "bounded-zero-cost"
  | "infeasible-rows"
  | "infeasible-bounds"
  | "unbounded";

export const GENERIC_KINDS: readonly GenericKind[] = [
  "bounded",
  "bounded-degenerate",
  "bounded-free",
  "bounded-zero-cost",
  "infeasible-rows",
  "infeasible-bounds",
  "unbounded",
];

/** What HiGHS and a correct solver must report for a kind. */
export function expectedStatus(kind: GenericKind): "optimal" | "primal_infeasible" | "dual_infeasible" {
  if (kind.startsWith("bounded")) return "optimal";
  if (kind.startsWith("infeasible")) return "primal_infeasible";
  return "dual_infeasible";
}

/** A random multiple of 1/`denominator` in [min, max]. */
function dyadic(rng: Rng, min: number, max: number, denominator: number): number {
  return rng.int(Math.ceil(min * denominator), Math.floor(max * denominator)) / denominator;
}

/** A coefficient: often a small integer, sometimes zero, sometimes a multiple of 1/16. */
function coefficient(rng: Rng, density: number): number {
  if (!rng.chance(density)) return 0;
  return rng.chance(0.5) ? rng.int(-5, 5) : dyadic(rng, -10, 10, 16);
}

interface Frame {
  nVars: number;
  mEq: number;
  mUb: number;
  aEq: Float64Array;
  aUb: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** A point within the bounds. */
  x0: Float64Array;
}

type BoundKind = "box" | "lower" | "upper" | "free" | "fixed";

/** Random bounds of every variable and a point within them. */
function frame(rng: Rng, free: boolean): Frame {
  const nVars = rng.int(1, 12);
  const mEq = rng.int(0, Math.min(4, nVars));
  const mUb = rng.int(0, 10);
  const density = rng.uniform(0.3, 1);
  const aEq = Float64Array.from({ length: mEq * nVars }, () => coefficient(rng, density));
  const aUb = Float64Array.from({ length: mUb * nVars }, () => coefficient(rng, density));
  const lower = new Float64Array(nVars);
  const upper = new Float64Array(nVars);
  const x0 = new Float64Array(nVars);
  const kinds: BoundKind[] = free ? ["box", "lower", "upper", "free", "free"] : ["box", "lower", "lower", "fixed"];
  for (let j = 0; j < nVars; j++) {
    const kind = rng.pick(kinds);
    const lo = rng.int(-5, 3);
    const hi = lo + rng.int(1, 8);
    lower[j] = kind === "box" || kind === "lower" || kind === "fixed" ? lo : Number.NEGATIVE_INFINITY;
    upper[j] = kind === "box" || kind === "upper" ? hi : kind === "fixed" ? lo : Number.POSITIVE_INFINITY;
    if (kind === "fixed") x0[j] = lo;
    else if (kind === "box") x0[j] = rng.chance(0.3) ? rng.pick([lo, hi]) : dyadic(rng, lo, hi, 64);
    else if (kind === "lower") x0[j] = lo + (rng.chance(0.3) ? 0 : dyadic(rng, 0, 5, 64));
    else if (kind === "upper") x0[j] = hi - (rng.chance(0.3) ? 0 : dyadic(rng, 0, 5, 64));
    else x0[j] = dyadic(rng, -5, 5, 64);
  }
  return { nVars, mEq, mUb, aEq, aUb, lower, upper, x0 };
}

function multiply(a: Float64Array, rows: number, nVars: number, x: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < nVars; j++) s += a[i * nVars + j] * x[j];
    out[i] = s;
  }
  return out;
}

/** Right-hand sides that make x0 feasible; `tight` rows are active at x0 (slack 0). */
function feasibleRhs(rng: Rng, f: Frame, tightShare: number): { bEq: Float64Array; bUb: Float64Array } {
  const bEq = multiply(f.aEq, f.mEq, f.nVars, f.x0);
  const bUb = multiply(f.aUb, f.mUb, f.nVars, f.x0);
  for (let i = 0; i < f.mUb; i++) if (!rng.chance(tightShare)) bUb[i] += dyadic(rng, 0, 3, 16);
  return { bEq, bUb };
}

/**
 * A cost that is dual feasible, so the LP is bounded: c = aEq' yEq - aUb' yUb + zLower - zUpper
 * with yUb, zLower, zUpper >= 0 and zLower (zUpper) nonzero only on finite lower (upper) bounds.
 */
function boundedCost(rng: Rng, f: Frame): Float64Array {
  const c = new Float64Array(f.nVars);
  for (let i = 0; i < f.mEq; i++) {
    const y = rng.uniform(-3, 3);
    for (let j = 0; j < f.nVars; j++) c[j] += f.aEq[i * f.nVars + j] * y;
  }
  for (let i = 0; i < f.mUb; i++) {
    const y = rng.chance(0.5) ? 0 : rng.uniform(0, 3);
    for (let j = 0; j < f.nVars; j++) c[j] -= f.aUb[i * f.nVars + j] * y;
  }
  for (let j = 0; j < f.nVars; j++) {
    if (Number.isFinite(f.lower[j]) && rng.chance(0.5)) c[j] += rng.uniform(0, 3);
    if (Number.isFinite(f.upper[j]) && rng.chance(0.5)) c[j] -= rng.uniform(0, 3);
  }
  return c;
}

function program(f: Frame, c: Float64Array, bEq: Float64Array, bUb: Float64Array): LinearProgram {
  return {
    nVars: f.nVars,
    c,
    aEq: f.mEq > 0 ? f.aEq : undefined,
    bEq: f.mEq > 0 ? bEq : undefined,
    aUb: f.mUb > 0 ? f.aUb : undefined,
    bUb: f.mUb > 0 ? bUb : undefined,
    lower: f.lower,
    upper: f.upper,
  };
}

/** Appends rows to the inequality block. */
function withRows(f: Frame, bUb: Float64Array, rows: Float64Array[], rhs: number[]): { f: Frame; bUb: Float64Array } {
  const aUb = new Float64Array((f.mUb + rows.length) * f.nVars);
  aUb.set(f.aUb);
  rows.forEach((row, k) => {
    aUb.set(row, (f.mUb + k) * f.nVars);
  });
  const b = new Float64Array(f.mUb + rows.length);
  b.set(bUb);
  b.set(rhs, f.mUb);
  return { f: { ...f, aUb, mUb: f.mUb + rows.length }, bUb: b };
}

/** A random LP of `kind`. */
export function randomGenericLp(rng: Rng, kind: GenericKind): LinearProgram {
  switch (kind) {
    case "bounded":
    case "bounded-free":
    case "bounded-zero-cost": {
      const f = frame(rng, kind === "bounded-free");
      const { bEq, bUb } = feasibleRhs(rng, f, 0.2);
      const c = kind === "bounded-zero-cost" ? new Float64Array(f.nVars) : boundedCost(rng, f);
      return program(f, c, bEq, bUb);
    }
    case "bounded-degenerate": {
      // Many rows active at x0, duplicated rows and a redundant equality.
      let f = frame(rng, rng.chance(0.5));
      const { bEq, bUb } = feasibleRhs(rng, f, 0.9);
      let eq = bEq;
      if (f.mEq >= 2) {
        const aEq = new Float64Array((f.mEq + 1) * f.nVars);
        aEq.set(f.aEq);
        for (let j = 0; j < f.nVars; j++) aEq[f.mEq * f.nVars + j] = f.aEq[j] + f.aEq[f.nVars + j];
        eq = Float64Array.from([...bEq, bEq[0] + bEq[1]]);
        f = { ...f, aEq, mEq: f.mEq + 1 };
      }
      let ub = bUb;
      if (f.mUb >= 1) {
        const duplicated = withRows(f, bUb, [f.aUb.slice(0, f.nVars)], [bUb[0]]);
        f = duplicated.f;
        ub = duplicated.bUb;
      }
      return program(f, boundedCost(rng, f), eq, ub);
    }
    case "infeasible-rows": {
      // a'x <= t and -a'x <= -(t + gap): a'x cannot be both.
      const f = frame(rng, rng.chance(0.5));
      const { bEq, bUb } = feasibleRhs(rng, f, 0.2);
      const row = Float64Array.from({ length: f.nVars }, () => rng.int(-3, 3));
      if (row.every((v) => v === 0)) row[0] = 1;
      const t = dyadic(rng, -5, 5, 16);
      const gap = dyadic(rng, 0.5, 3, 16);
      const extended = withRows(f, bUb, [row, row.map((v) => -v)], [t, -(t + gap)]);
      return program(extended.f, boundedCost(rng, extended.f), bEq, extended.bUb);
    }
    case "infeasible-bounds": {
      // sum of boxed variables forced above what their upper bounds allow.
      const f = frame(rng, false);
      for (let j = 0; j < f.nVars; j++) {
        f.lower[j] = rng.int(-3, 0);
        f.upper[j] = f.lower[j] + rng.int(0, 3);
        f.x0[j] = f.lower[j];
      }
      const { bEq, bUb } = feasibleRhs(rng, f, 0.2);
      const maxSum = f.upper.reduce((a, b) => a + b, 0);
      const extended = withRows(f, bUb, [new Float64Array(f.nVars).fill(-1)], [-(maxSum + dyadic(rng, 0.5, 3, 16))]);
      return program(extended.f, boundedCost(rng, extended.f), bEq, extended.bUb);
    }
    case "unbounded": {
      // Variable k has no upper bound, a cost < 0, no equality coefficients and only
      // non-positive inequality coefficients: x0 + t e_k stays feasible while c'x falls.
      const f = frame(rng, rng.chance(0.5));
      const k = rng.int(0, f.nVars - 1);
      f.upper[k] = Number.POSITIVE_INFINITY;
      if (f.lower[k] === f.upper[k]) f.lower[k] = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < f.mEq; i++) f.aEq[i * f.nVars + k] = 0;
      for (let i = 0; i < f.mUb; i++) f.aUb[i * f.nVars + k] = -Math.abs(f.aUb[i * f.nVars + k]);
      const { bEq, bUb } = feasibleRhs(rng, f, 0.2);
      const c = Float64Array.from({ length: f.nVars }, () => coefficient(rng, 0.7));
      c[k] = -rng.uniform(0.5, 3);
      return program(f, c, bEq, bUb);
    }
  }
}

/**
 * Independent checks of a returned solution, recomputed from the problem in plain float64:
 * feasibility of x, the reported objective, and the dual sign convention of @lplb/lp.
 */
import type { LinearProgram, LpSolution } from "@lplb/lp";

export interface KktReport {
  /** Largest violation of constraints and bounds, relative to 1 + max|b| (finite entries). */
  primal: number;
  /** Largest stationarity violation or wrong-signed multiplier, relative to 1 + max|c|. */
  dual: number;
  /** |c'x - dual objective| / (1 + |c'x|). */
  gap: number;
  /** c'x recomputed. */
  objective: number;
}

export function kkt(lp: LinearProgram, s: LpSolution): KktReport {
  const n = lp.nVars;
  const mEq = lp.bEq?.length ?? 0;
  const mUb = lp.bUb?.length ?? 0;
  const lower = lp.lower ?? new Float64Array(n);
  const upper = lp.upper ?? new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let bScale = 0;
  let primal = 0;
  for (let i = 0; i < mEq; i++) {
    let ax = 0;
    for (let j = 0; j < n; j++) ax += lp.aEq![i * n + j] * s.x[j];
    primal = Math.max(primal, Math.abs(ax - lp.bEq![i]));
    bScale = Math.max(bScale, Math.abs(lp.bEq![i]));
  }
  for (let i = 0; i < mUb; i++) {
    let ax = 0;
    for (let j = 0; j < n; j++) ax += lp.aUb![i * n + j] * s.x[j];
    primal = Math.max(primal, ax - lp.bUb![i]);
    bScale = Math.max(bScale, Math.abs(lp.bUb![i]));
  }
  for (let j = 0; j < n; j++) {
    primal = Math.max(primal, lower[j] - s.x[j], s.x[j] - upper[j]);
    if (Number.isFinite(lower[j])) bScale = Math.max(bScale, Math.abs(lower[j]));
    if (Number.isFinite(upper[j])) bScale = Math.max(bScale, Math.abs(upper[j]));
  }

  let cScale = 0;
  let dual = 0;
  let objective = 0;
  let dualObjective = 0;
  for (let j = 0; j < n; j++) {
    let r = lp.c[j] - s.zLower[j] + s.zUpper[j];
    for (let i = 0; i < mEq; i++) r -= lp.aEq![i * n + j] * s.yEq[i];
    for (let i = 0; i < mUb; i++) r += lp.aUb![i * n + j] * s.yUb[i];
    dual = Math.max(dual, Math.abs(r), -s.zLower[j], -s.zUpper[j]);
    if (!Number.isFinite(lower[j])) dual = Math.max(dual, Math.abs(s.zLower[j]));
    if (!Number.isFinite(upper[j])) dual = Math.max(dual, Math.abs(s.zUpper[j]));
    cScale = Math.max(cScale, Math.abs(lp.c[j]));
    objective += lp.c[j] * s.x[j];
    if (Number.isFinite(lower[j])) dualObjective += lower[j] * s.zLower[j];
    if (Number.isFinite(upper[j])) dualObjective -= upper[j] * s.zUpper[j];
  }
  for (let i = 0; i < mEq; i++) dualObjective += lp.bEq![i] * s.yEq[i];
  for (let i = 0; i < mUb; i++) {
    dual = Math.max(dual, -s.yUb[i]);
    dualObjective -= lp.bUb![i] * s.yUb[i];
  }
  return {
    primal: primal / (1 + bScale),
    dual: dual / (1 + cScale),
    gap: Math.abs(objective - dualObjective) / (1 + Math.abs(objective)),
    objective,
  };
}

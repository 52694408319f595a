/**
 * An independent optimality (KKT) check of an LP solution. It shares no code with any solver:
 * it recomputes every residual from the problem data in plain float64 loops.
 */
import { expectFinite, expectKnownOptions, invalid } from "@lplb/errors";
import type { LinearProgram, LpSolution } from "./types.js";
import { validateLinearProgram } from "./validate.js";

/** Tolerances of {@link verifySolution}; every one is relative, see {@link VerifyReport}. */
export interface VerifyTolerances {
  /** Largest accepted relative primal residual; default `1e-6`. */
  readonly primal?: number;
  /** Largest accepted relative dual residual (stationarity and multiplier signs); default `1e-6`. */
  readonly dual?: number;
  /** Largest accepted relative duality gap; default `1e-6`. */
  readonly gap?: number;
  /** Largest accepted relative complementarity violation; default `1e-6`. */
  readonly complementarity?: number;
}

/** Default tolerances of {@link verifySolution}. */
export const DEFAULT_VERIFY_TOLERANCES: Readonly<Required<VerifyTolerances>> = Object.freeze({
  primal: 1e-6,
  dual: 1e-6,
  gap: 1e-6,
  complementarity: 1e-6,
});

/** Result of {@link verifySolution}. */
export interface VerifyReport {
  /** True when the status is `optimal` and every measure below is within its tolerance. */
  readonly ok: boolean;
  /**
   * Largest constraint or bound violation of `x` (`|aEq x - bEq|`, `max(0, aUb x - bUb)`,
   * `max(0, lower - x)`, `max(0, x - upper)`), divided by `1 + max |b|` over `bEq`, `bUb` and the
   * finite bounds.
   */
  readonly primalResidual: number;
  /**
   * Largest of `|c - aEq' yEq + aUb' yUb - zLower + zUpper|` per variable, of negative parts of
   * `yUb`, `zLower`, `zUpper`, and of multipliers on infinite bounds, divided by `1 + max |c|`.
   */
  readonly dualResidual: number;
  /**
   * Largest product of a multiplier and its constraint's slack (`yUb[i] * (bUb - aUb x)[i]`,
   * `zLower[j] * (x - lower)[j]`, `zUpper[j] * (upper - x)[j]`, absolute values), divided by
   * `1 + |c'x|`.
   */
  readonly complementarity: number;
  /**
   * `|c'x - (bEq' yEq - bUb' yUb + lower' zLower - upper' zUpper)| / (1 + |c'x|)`, finite bounds
   * only in the dual objective.
   */
  readonly gap: number;
  /** One line per failed check (empty when `ok`). */
  readonly messages: string[];
}

function checkTolerances(tolerances: VerifyTolerances | undefined): Required<VerifyTolerances> {
  const options = expectKnownOptions<VerifyTolerances>(
    "tolerances",
    tolerances,
    Object.keys(DEFAULT_VERIFY_TOLERANCES),
  );
  const pick = (key: keyof VerifyTolerances): number => {
    const value = options[key];
    return value === undefined ? DEFAULT_VERIFY_TOLERANCES[key] : expectFinite(`tolerances.${key}`, value, 0);
  };
  return { primal: pick("primal"), dual: pick("dual"), gap: pick("gap"), complementarity: pick("complementarity") };
}

function expectSolutionVector(name: string, value: unknown, length: number): Float64Array {
  if (!(value instanceof Float64Array) || value.length !== length) {
    invalid(name, `a Float64Array of length ${length}`, value);
  }
  return value;
}

/**
 * Checks the Karush-Kuhn-Tucker conditions of `solution` for `lp` with the sign convention of
 * {@link LinearProgram}:
 *
 * ```text
 * c - aEq' yEq + aUb' yUb - zLower + zUpper = 0,   yUb, zLower, zUpper >= 0
 * ```
 *
 * For status `optimal` it checks primal feasibility of `x`, dual feasibility (stationarity and
 * the signs of the multipliers, zero multipliers on infinite bounds), complementarity, a zero
 * duality gap, and that `solution.objective` equals `c'x`. The point is accepted only if every
 * measure is within its tolerance.
 *
 * A KKT check certifies optimality only. It cannot certify `primal_infeasible` or
 * `dual_infeasible` (that would need a Farkas ray, which {@link LpSolution} does not carry),
 * nor any other non-optimal status: for those `ok` is always false, the measures of the given
 * point are still reported, and `messages` says that the status cannot be certified.
 *
 * Inputs are borrowed, never modified; the check allocates only the report.
 *
 * @param lp the problem (validated with {@link validateLinearProgram}).
 * @param solution its claimed solution; `x`, `zLower`, `zUpper` of length `nVars`, `yEq` of length
 *   `mEq`, `yUb` of length `mUb`.
 * @param tolerances see {@link VerifyTolerances}; each defaults to `1e-6` and must be a finite
 *   number >= 0.
 * @throws InvalidArgumentError for a malformed problem, solution or tolerances.
 */
export function verifySolution(lp: LinearProgram, solution: LpSolution, tolerances?: VerifyTolerances): VerifyReport {
  validateLinearProgram(lp);
  const tol = checkTolerances(tolerances);
  if (typeof solution !== "object" || solution === null) invalid("solution", "an LpSolution object", solution);
  const n = lp.nVars;
  const mEq = lp.bEq?.length ?? 0;
  const mUb = lp.bUb?.length ?? 0;
  const x = expectSolutionVector("solution.x", solution.x, n);
  const yEq = expectSolutionVector("solution.yEq", solution.yEq, mEq);
  const yUb = expectSolutionVector("solution.yUb", solution.yUb, mUb);
  const zLower = expectSolutionVector("solution.zLower", solution.zLower, n);
  const zUpper = expectSolutionVector("solution.zUpper", solution.zUpper, n);
  if (typeof solution.objective !== "number") invalid("solution.objective", "a number", solution.objective);

  const { c, aEq, bEq, aUb, bUb } = lp;
  const lowerAt = (j: number): number => (lp.lower === undefined ? 0 : lp.lower[j]);
  const upperAt = (j: number): number => (lp.upper === undefined ? Number.POSITIVE_INFINITY : lp.upper[j]);
  const messages: string[] = [];

  // Scales of the relative measures.
  let bScale = 0;
  for (let i = 0; i < mEq; i++) bScale = Math.max(bScale, Math.abs(bEq![i]));
  for (let i = 0; i < mUb; i++) bScale = Math.max(bScale, Math.abs(bUb![i]));
  let cScale = 0;
  for (let j = 0; j < n; j++) {
    cScale = Math.max(cScale, Math.abs(c[j]));
    if (Number.isFinite(lowerAt(j))) bScale = Math.max(bScale, Math.abs(lowerAt(j)));
    if (Number.isFinite(upperAt(j))) bScale = Math.max(bScale, Math.abs(upperAt(j)));
  }

  let primalObjective = 0;
  for (let j = 0; j < n; j++) primalObjective += c[j] * x[j];
  const objectiveScale = 1 + Math.abs(primalObjective);

  // Primal feasibility; complementarity of the inequality rows on the way.
  let primalViolation = 0;
  let primalWorst = "";
  let complementarity = 0;
  let complementarityWorst = "";
  // A NaN measure counts as infinitely bad, so that it is never replaced by a later finite one.
  const notePrimal = (violation: number, where: string): void => {
    const v = Number.isNaN(violation) ? Number.POSITIVE_INFINITY : violation;
    if (v > primalViolation) {
      primalViolation = v;
      primalWorst = where;
    }
  };
  const noteComplementarity = (product: number, where: string): void => {
    const v = Number.isNaN(product) ? Number.POSITIVE_INFINITY : product;
    if (v > complementarity) {
      complementarity = v;
      complementarityWorst = where;
    }
  };
  for (let i = 0; i < mEq; i++) {
    let activity = 0;
    for (let j = 0; j < n; j++) activity += aEq![i * n + j] * x[j];
    notePrimal(Math.abs(activity - bEq![i]), `equality row ${i}`);
  }
  for (let i = 0; i < mUb; i++) {
    let activity = 0;
    for (let j = 0; j < n; j++) activity += aUb![i * n + j] * x[j];
    const slack = bUb![i] - activity;
    notePrimal(Math.max(0, -slack), `inequality row ${i}`);
    noteComplementarity(Math.abs(yUb[i] * slack), `inequality row ${i}`);
  }
  for (let j = 0; j < n; j++) {
    const lo = lowerAt(j);
    const hi = upperAt(j);
    notePrimal(Math.max(0, lo - x[j]), `lower bound of variable ${j}`);
    notePrimal(Math.max(0, x[j] - hi), `upper bound of variable ${j}`);
    if (Number.isFinite(lo)) noteComplementarity(Math.abs(zLower[j] * (x[j] - lo)), `lower bound of variable ${j}`);
    if (Number.isFinite(hi)) noteComplementarity(Math.abs(zUpper[j] * (hi - x[j])), `upper bound of variable ${j}`);
  }
  const primalResidual = primalViolation / (1 + bScale);
  complementarity /= objectiveScale;

  // Dual feasibility: stationarity per variable and multiplier signs.
  let dualViolation = 0;
  let dualWorst = "";
  const noteDual = (violation: number, where: string): void => {
    const v = Number.isNaN(violation) ? Number.POSITIVE_INFINITY : violation;
    if (v > dualViolation) {
      dualViolation = v;
      dualWorst = where;
    }
  };
  for (let j = 0; j < n; j++) {
    let r = c[j] - zLower[j] + zUpper[j];
    for (let i = 0; i < mEq; i++) r -= aEq![i * n + j] * yEq[i];
    for (let i = 0; i < mUb; i++) r += aUb![i * n + j] * yUb[i];
    noteDual(Math.abs(r), `stationarity of variable ${j}`);
    noteDual(Math.max(0, -zLower[j]), `sign of zLower[${j}]`);
    noteDual(Math.max(0, -zUpper[j]), `sign of zUpper[${j}]`);
    if (!Number.isFinite(lowerAt(j))) noteDual(Math.abs(zLower[j]), `zLower[${j}] on an infinite bound`);
    if (!Number.isFinite(upperAt(j))) noteDual(Math.abs(zUpper[j]), `zUpper[${j}] on an infinite bound`);
  }
  for (let i = 0; i < mEq; i++) noteDual(Number.isFinite(yEq[i]) ? 0 : Number.POSITIVE_INFINITY, `yEq[${i}]`);
  for (let i = 0; i < mUb; i++) noteDual(Math.max(0, -yUb[i]), `sign of yUb[${i}]`);
  const dualResidual = dualViolation / (1 + cScale);

  let dualObjective = 0;
  for (let i = 0; i < mEq; i++) dualObjective += bEq![i] * yEq[i];
  for (let i = 0; i < mUb; i++) dualObjective -= bUb![i] * yUb[i];
  for (let j = 0; j < n; j++) {
    if (Number.isFinite(lowerAt(j))) dualObjective += lowerAt(j) * zLower[j];
    if (Number.isFinite(upperAt(j))) dualObjective -= upperAt(j) * zUpper[j];
  }
  const gap = Math.abs(primalObjective - dualObjective) / objectiveScale;

  const status = solution.status;
  if (status !== "optimal") {
    messages.push(
      `status ${JSON.stringify(status)} cannot be certified by a KKT check; only "optimal" solutions can be verified`,
    );
  }
  // Written as !(a <= b) so that NaN measures fail too.
  if (!(primalResidual <= tol.primal)) {
    messages.push(`primal residual ${primalResidual} exceeds ${tol.primal} (worst: ${primalWorst})`);
  }
  if (!(dualResidual <= tol.dual)) {
    messages.push(`dual residual ${dualResidual} exceeds ${tol.dual} (worst: ${dualWorst})`);
  }
  if (!(complementarity <= tol.complementarity)) {
    messages.push(`complementarity ${complementarity} exceeds ${tol.complementarity} (worst: ${complementarityWorst})`);
  }
  if (!(gap <= tol.gap)) {
    messages.push(`duality gap ${gap} exceeds ${tol.gap} (primal ${primalObjective}, dual ${dualObjective})`);
  }
  const objectiveError = Math.abs(solution.objective - primalObjective) / objectiveScale;
  if (!(objectiveError <= tol.gap)) {
    messages.push(`reported objective ${solution.objective} differs from c'x = ${primalObjective}`);
  }
  return { ok: messages.length === 0, primalResidual, dualResidual, complementarity, gap, messages };
}

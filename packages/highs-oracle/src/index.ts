/**
 * Test oracle: solves a dense LP in the `@lplb/lp` shape with HiGHS (WebAssembly) so that
 * builders and solvers can be cross-checked against a trusted, independent solver.
 *
 * The problem is written as CPLEX LP-format text with every number in its exact shortest
 * round-trip decimal form, so HiGHS reads exactly the doubles it was given.
 *
 * @packageDocumentation
 */
import highsImport from "highs";

/**
 * A dense LP, structurally identical to `LinearProgram` of `@lplb/lp`:
 *
 * ```text
 * minimise c'x  subject to  aEq x = bEq,  aUb x <= bUb,  lower <= x <= upper
 * ```
 *
 * Matrices are row-major (`aUb[i * nVars + j]`). Bounds default to `0 <= x < Infinity` and may
 * be infinite. Every array is borrowed and never modified.
 */
export interface OracleLinearProgram {
  readonly nVars: number;
  readonly c: Float64Array;
  readonly aEq?: Float64Array;
  readonly bEq?: Float64Array;
  readonly aUb?: Float64Array;
  readonly bUb?: Float64Array;
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
}

/**
 * Outcome classes, with the meaning `@lplb/lp` gives them: `primal_infeasible` when no point
 * satisfies the constraints, `dual_infeasible` when the constraints are satisfiable and the
 * objective is unbounded below, `other` for anything HiGHS did not resolve (limits, errors).
 */
export type OracleStatus = "optimal" | "primal_infeasible" | "dual_infeasible" | "other";

/** Result of {@link solveWithHighs}. */
export interface OracleResult {
  readonly status: OracleStatus;
  /** HiGHS's own model status text of the first solve, e.g. `"Optimal"` or `"Primal infeasible or unbounded"`. */
  readonly rawStatus: string;
  /** Optimal objective `c'x` as HiGHS reports it; `NaN` unless `status` is `optimal`. */
  readonly objective: number;
  /** Optimal point, length `nVars`, owned by the caller; all `NaN` unless `status` is `optimal`. */
  readonly x: Float64Array;
}

/**
 * Largest magnitude of a finite number this oracle accepts. HiGHS treats bounds and costs at or
 * above 1e20 as infinite and matrix entries at or above 1e15 as errors, so larger finite numbers
 * cannot be passed through faithfully.
 */
export const ORACLE_MAX_MAGNITUDE = 1e15;

type HighsLoader = typeof highsImport.default;
type Highs = Awaited<ReturnType<HighsLoader>>;

// `highs` ships CommonJS typings: under NodeNext its default import types as the module object,
// while the ESM build's default export is the loader itself. Accept either shape.
const loadHighs: HighsLoader =
  typeof highsImport === "function" ? (highsImport as unknown as HighsLoader) : highsImport.default;

let highsInstance: Promise<Highs> | undefined;

/** Loads the WebAssembly module once per process and reuses it. */
function highs(): Promise<Highs> {
  highsInstance ??= loadHighs();
  return highsInstance;
}

const SOLVE_OPTIONS = {
  output_flag: false,
  // The smallest threshold HiGHS allows, so that tiny coefficients are not silently dropped.
  small_matrix_value: 1e-12,
} as const;

function checkArray(lp: OracleLinearProgram, name: keyof OracleLinearProgram, length: number): Float64Array {
  const value = lp[name];
  if (!(value instanceof Float64Array) || value.length !== length) {
    throw new RangeError(`highs-oracle: expected ${name} to be a Float64Array of length ${length}`);
  }
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const isBound = name === "lower" || name === "upper";
    if (Number.isNaN(v) || (!isBound && !Number.isFinite(v))) {
      throw new RangeError(`highs-oracle: ${name}[${i}] is ${v}`);
    }
    if (Number.isFinite(v) && Math.abs(v) >= ORACLE_MAX_MAGNITUDE) {
      throw new RangeError(`highs-oracle: ${name}[${i}] = ${v} is too large for HiGHS (limit ${ORACLE_MAX_MAGNITUDE})`);
    }
  }
  return value;
}

function rowCount(lp: OracleLinearProgram, matrix: "aEq" | "aUb", rhs: "bEq" | "bUb"): number {
  if (lp[matrix] === undefined && lp[rhs] === undefined) return 0;
  const b = lp[rhs];
  if (!(b instanceof Float64Array)) throw new RangeError(`highs-oracle: ${matrix} is given without ${rhs}`);
  return b.length;
}

/** Exact decimal form of a finite double (shortest string that reads back to the same value). */
function num(value: number): string {
  return String(value);
}

/** Appends `sign coefficient name` terms, a few per line, skipping zeros. */
function writeTerms(
  out: string[],
  coefficients: Float64Array,
  offset: number,
  nVars: number,
  keepZeros: boolean,
): void {
  let written = 0;
  let line = "";
  for (let j = 0; j < nVars; j++) {
    const a = coefficients[offset + j];
    if (a === 0 && !keepZeros) continue;
    const sign = a < 0 ? "-" : "+";
    line += ` ${sign} ${num(Math.abs(a))} x${j}`;
    written++;
    if (written % 8 === 0) {
      out.push(line);
      line = "";
    }
  }
  // A row without any non-zero coefficient still needs a term to be well-formed.
  if (written === 0) line = " + 0 x0";
  if (line !== "") out.push(line);
}

function formatBound(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return num(value);
}

/**
 * Writes `lp` in CPLEX LP format: variables `x0..x{n-1}`, equality rows `e0..`, inequality
 * rows `u0..`, every variable in the objective (possibly with coefficient 0) and in `Bounds`
 * with both of its bounds, so no reader default applies. Throws like {@link solveWithHighs}.
 */
export function toCplexLp(lp: OracleLinearProgram): string {
  return writeModel(lp, false);
}

/** The model text; `zeroObjective` replaces `c` by zeros (the feasibility problem). */
function writeModel(lp: OracleLinearProgram, zeroObjective: boolean): string {
  const n = lp.nVars;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`highs-oracle: nVars must be an integer >= 1, got ${n}`);
  const c = checkArray(lp, "c", n);
  const objective = zeroObjective ? new Float64Array(n) : c;
  const mEq = rowCount(lp, "aEq", "bEq");
  const mUb = rowCount(lp, "aUb", "bUb");
  const aEq = mEq > 0 ? checkArray(lp, "aEq", mEq * n) : undefined;
  const bEq = mEq > 0 ? checkArray(lp, "bEq", mEq) : undefined;
  const aUb = mUb > 0 ? checkArray(lp, "aUb", mUb * n) : undefined;
  const bUb = mUb > 0 ? checkArray(lp, "bUb", mUb) : undefined;
  const lower = lp.lower === undefined ? undefined : checkArray(lp, "lower", n);
  const upper = lp.upper === undefined ? undefined : checkArray(lp, "upper", n);

  const out: string[] = ["Minimize", " obj:"];
  writeTerms(out, objective, 0, n, true);
  out.push("Subject To");
  for (let i = 0; i < mEq; i++) {
    out.push(` e${i}:`);
    writeTerms(out, aEq!, i * n, n, false);
    out.push(` = ${num(bEq![i])}`);
  }
  for (let i = 0; i < mUb; i++) {
    out.push(` u${i}:`);
    writeTerms(out, aUb!, i * n, n, false);
    out.push(` <= ${num(bUb![i])}`);
  }
  out.push("Bounds");
  for (let j = 0; j < n; j++) {
    const lo = lower ? lower[j] : 0;
    const hi = upper ? upper[j] : Number.POSITIVE_INFINITY;
    if (lo === Number.POSITIVE_INFINITY || hi === Number.NEGATIVE_INFINITY) {
      throw new RangeError(`highs-oracle: bounds of x${j} are [${lo}, ${hi}]`);
    }
    out.push(` ${formatBound(lo)} <= x${j} <= ${formatBound(hi)}`);
  }
  out.push("End");
  return out.join("\n");
}

function nanVector(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

/**
 * Solves `lp` with HiGHS. The WebAssembly module is loaded on the first call and reused.
 *
 * Status mapping: `Optimal` becomes `optimal`, `Infeasible` becomes `primal_infeasible`.
 * `Unbounded` and `Primal infeasible or unbounded` are resolved by solving again with a zero
 * objective: if that problem is feasible the original is `dual_infeasible` (unbounded),
 * otherwise `primal_infeasible`. Every other HiGHS status becomes `other`.
 *
 * Inputs are borrowed, never modified. Throws `RangeError` for malformed shapes, NaN, infinite
 * costs or coefficients, and finite numbers of magnitude >= {@link ORACLE_MAX_MAGNITUDE}; throws
 * `Error` if HiGHS cannot read the generated model.
 */
export async function solveWithHighs(lp: OracleLinearProgram): Promise<OracleResult> {
  const solver = await highs();
  const first = solver.solve(writeModel(lp, false), SOLVE_OPTIONS);
  const rawStatus: string = first.Status;
  const n = lp.nVars;

  if (rawStatus === "Optimal") {
    const x = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const column = first.Columns[`x${j}`];
      if (column === undefined || !("Primal" in column)) {
        throw new Error(`highs-oracle: HiGHS returned no value for x${j}`);
      }
      x[j] = column.Primal;
    }
    return { status: "optimal", rawStatus, objective: first.ObjectiveValue, x };
  }
  if (rawStatus === "Infeasible") {
    return { status: "primal_infeasible", rawStatus, objective: Number.NaN, x: nanVector(n) };
  }
  if (rawStatus === "Unbounded" || rawStatus === "Primal infeasible or unbounded") {
    const feasibility = solver.solve(writeModel(lp, true), SOLVE_OPTIONS);
    if (feasibility.Status === "Optimal") {
      return { status: "dual_infeasible", rawStatus, objective: Number.NaN, x: nanVector(n) };
    }
    if (feasibility.Status === "Infeasible") {
      return { status: "primal_infeasible", rawStatus, objective: Number.NaN, x: nanVector(n) };
    }
  }
  return { status: "other", rawStatus, objective: Number.NaN, x: nanVector(n) };
}

/**
 * Cross-checks IPM solutions against HiGHS and against an independent KKT recomputation.
 */
import { solveWithHighs } from "@lplb/highs-oracle";
import type { LinearProgram, LpBatchSolution, LpSolution } from "@lplb/lp";
import type { IpmPrecision } from "../../src/index.js";
import { solveBatch } from "../../src/index.js";
import { kkt } from "./kkt.js";

/** Relative objective agreement with HiGHS, per precision. */
export const OBJECTIVE_TOLERANCE: Readonly<Record<IpmPrecision, number>> = { float64: 1e-7, float32: 1e-4 };
/** Largest accepted independently recomputed KKT residual of an optimal solution, per precision. */
export const KKT_TOLERANCE: Readonly<Record<IpmPrecision, number>> = { float64: 1e-7, float32: 1e-4 };

export interface TestCase {
  readonly label: string;
  readonly lp: LinearProgram;
  /**
   * Extra check of an optimal solution, given the tolerance of its precision; returns a failure
   * message or undefined.
   */
  readonly check?: (solution: LpSolution, tolerance: number) => string | undefined;
}

export interface OracleAnswer {
  readonly status: string;
  readonly objective: number;
}

const oracleCache = new WeakMap<LinearProgram, Promise<OracleAnswer>>();

/** HiGHS's answer for `lp`, computed once per LP object. */
export function oracle(lp: LinearProgram): Promise<OracleAnswer> {
  let answer = oracleCache.get(lp);
  if (answer === undefined) {
    answer = solveWithHighs(lp);
    oracleCache.set(lp, answer);
  }
  return answer;
}

function shapeKey(lp: LinearProgram): string {
  return `${lp.nVars},${lp.bEq?.length ?? 0},${lp.bUb?.length ?? 0}`;
}

/** Solves the cases with solveBatch, one call per shape, and returns solutions in case order. */
export function solveGrouped(cases: readonly TestCase[], precision: IpmPrecision): LpSolution[] {
  const groups = new Map<string, number[]>();
  cases.forEach((c, i) => {
    const key = shapeKey(c.lp);
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  });
  const solutions: LpSolution[] = new Array(cases.length);
  for (const indices of groups.values()) {
    const batch: LpBatchSolution = solveBatch(
      indices.map((i) => cases[i].lp),
      { precision },
    );
    indices.forEach((i, k) => {
      solutions[i] = batch.at(k);
    });
  }
  return solutions;
}

function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

/**
 * Checks every case: the status agrees with HiGHS; for optimal LPs the objective matches within
 * {@link OBJECTIVE_TOLERANCE}, the reported objective is c'x, and the recomputed primal and dual
 * residuals and gap are within {@link KKT_TOLERANCE}. Returns one message per failure.
 */
export async function compareWithHighs(cases: readonly TestCase[], precision: IpmPrecision): Promise<string[]> {
  const solutions = solveGrouped(cases, precision);
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const { label, lp, check } = cases[i];
    const s = solutions[i];
    const expected = await oracle(lp);
    const prefix = `${label} [${precision}]`;
    if (expected.status === "other") {
      failures.push(`${prefix}: HiGHS did not resolve the LP (${JSON.stringify(expected)})`);
      continue;
    }
    if (s.status !== expected.status) {
      failures.push(`${prefix}: status ${s.status} after ${s.iterations} iterations, HiGHS says ${expected.status}`);
      continue;
    }
    // float32 LPs without a verdict are solved again in float64: up to twice the iteration limit.
    const iterationLimit = precision === "float32" ? 200 : 100;
    if (s.iterations < 0 || s.iterations > iterationLimit) failures.push(`${prefix}: ${s.iterations} iterations`);
    if (s.status !== "optimal") continue;
    const objectiveError = relativeDifference(s.objective, expected.objective);
    if (!(objectiveError <= OBJECTIVE_TOLERANCE[precision])) {
      failures.push(
        `${prefix}: objective ${s.objective}, HiGHS ${expected.objective} (relative error ${objectiveError})`,
      );
    }
    const report = kkt(lp, s);
    if (!(relativeDifference(s.objective, report.objective) <= 1e-9)) {
      failures.push(`${prefix}: reported objective ${s.objective} but c'x = ${report.objective}`);
    }
    const limit = KKT_TOLERANCE[precision];
    if (!(report.primal <= limit && report.dual <= limit && report.gap <= limit)) {
      failures.push(`${prefix}: KKT residuals primal ${report.primal}, dual ${report.dual}, gap ${report.gap}`);
    }
    const extra = check?.(s, limit);
    if (extra !== undefined) failures.push(`${prefix}: ${extra}`);
  }
  return failures;
}

/** A failure report that names the seed and shows the first few failures. */
export function describeFailures(failures: readonly string[], seedText: string, total: number): string {
  const shown = failures.slice(0, 8).join("\n  ");
  return `${failures.length} of ${total} LPs failed with ${seedText}:\n  ${shown}`;
}

/**
 * Problem and solution types shared by the solver (`@lplb/ipm`) and the planner.
 *
 * Dense linear programs of the form
 *
 * ```text
 * minimise    c'x
 * subject to  A_eq x  = b_eq
 *             A_ub x <= b_ub
 *             lower <= x <= upper
 * ```
 *
 * Matrices are dense, row-major `Float64Array`s (`aEq[i * nVars + j]`). Bounds may be
 * infinite (`-Infinity` / `Infinity`); every other coefficient must be finite.
 *
 * Dual sign convention (all inequality multipliers are non-negative):
 *
 * ```text
 * c - A_eq' yEq + A_ub' yUb - zLower + zUpper = 0,   yUb, zLower, zUpper >= 0
 * dual objective = b_eq' yEq - b_ub' yUb + lower' zLower - upper' zUpper   (finite bounds only)
 * ```
 */

/** A dense LP. Inputs are borrowed, never modified. */
export interface LinearProgram {
  /** Number of variables `n` (>= 1). */
  readonly nVars: number;
  /** Objective coefficients, length `n`. */
  readonly c: Float64Array;
  /** Equality matrix, row-major `mEq x n`; omit when there are no equalities. */
  readonly aEq?: Float64Array;
  /** Equality right-hand side, length `mEq`. */
  readonly bEq?: Float64Array;
  /** Inequality (`<=`) matrix, row-major `mUb x n`; omit when there are none. */
  readonly aUb?: Float64Array;
  /** Inequality right-hand side, length `mUb`. */
  readonly bUb?: Float64Array;
  /** Lower bounds, length `n`; default 0 for every variable. `-Infinity` allowed. */
  readonly lower?: Float64Array;
  /** Upper bounds, length `n`; default `Infinity` for every variable. */
  readonly upper?: Float64Array;
}

/** Shape shared by every LP of a batch. */
export interface LpShape {
  readonly nVars: number;
  readonly mEq: number;
  readonly mUb: number;
}

/**
 * Outcome of a solve. Infeasibility and unboundedness are statuses, not exceptions.
 * - `optimal`: primal and dual residuals and the relative duality gap are within tolerance.
 * - `primal_infeasible`: no x satisfies the constraints (a Farkas certificate was found).
 * - `dual_infeasible`: the objective is unbounded below on the feasible set (or the dual is infeasible).
 * - `iteration_limit`: the iteration limit was reached before convergence.
 * - `numerical_error`: the method broke down (singular system, non-finite iterate).
 */
export type LpStatus = "optimal" | "primal_infeasible" | "dual_infeasible" | "iteration_limit" | "numerical_error";

/** All statuses, in the order of their native codes (0..4). */
export const LP_STATUSES: readonly LpStatus[] = [
  "optimal",
  "primal_infeasible",
  "dual_infeasible",
  "iteration_limit",
  "numerical_error",
];

/** Solution of one LP; all arrays are owned by the caller. */
export interface LpSolution {
  readonly status: LpStatus;
  /** Primal point, length `n` (the last iterate when not optimal). */
  readonly x: Float64Array;
  /** Equality multipliers, length `mEq`. */
  readonly yEq: Float64Array;
  /** Inequality multipliers (>= 0), length `mUb`. */
  readonly yUb: Float64Array;
  /** Lower-bound multipliers (>= 0), length `n`; 0 where the bound is infinite. */
  readonly zLower: Float64Array;
  /** Upper-bound multipliers (>= 0), length `n`; 0 where the bound is infinite. */
  readonly zUpper: Float64Array;
  /** `c'x`. */
  readonly objective: number;
  /** Max-norm of the primal constraint violation, relative to `1 + max|b|`. */
  readonly primalResidual: number;
  /** Max-norm of the dual residual, relative to `1 + max|c|`. */
  readonly dualResidual: number;
  /** `|primal objective - dual objective| / (1 + |primal objective|)`. */
  readonly dualityGap: number;
  /** Interior-point iterations taken. */
  readonly iterations: number;
}

/**
 * A batch of LPs of one shape stored contiguously, the layout the native solver reads without
 * copying: LP `b`'s `c` is `c.subarray(b * nVars, (b + 1) * nVars)`, its `aUb` is
 * `aUb.subarray(b * mUb * nVars, (b + 1) * mUb * nVars)`, and so on. Omitted bounds default
 * as in {@link LinearProgram}. Arrays are borrowed by the solver, never modified.
 */
export interface LpBatch {
  readonly shape: LpShape;
  /** Number of LPs (>= 1). */
  readonly count: number;
  readonly c: Float64Array;
  readonly aEq?: Float64Array;
  readonly bEq?: Float64Array;
  readonly aUb?: Float64Array;
  readonly bUb?: Float64Array;
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
}

/** Solutions of an {@link LpBatch}, contiguous like the input; `at(b)` views one LP's solution. */
export interface LpBatchSolution {
  readonly shape: LpShape;
  readonly count: number;
  /** Native status codes, index into {@link LP_STATUSES}. */
  readonly statusCodes: Int32Array;
  readonly x: Float64Array;
  readonly yEq: Float64Array;
  readonly yUb: Float64Array;
  readonly zLower: Float64Array;
  readonly zUpper: Float64Array;
  readonly objective: Float64Array;
  readonly primalResidual: Float64Array;
  readonly dualResidual: Float64Array;
  readonly dualityGap: Float64Array;
  readonly iterations: Int32Array;
  /** One LP's solution; its arrays are views into the batch arrays (not copies). */
  at(index: number): LpSolution;
}

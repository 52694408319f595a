/**
 * Helpers between single LPs and contiguous batches.
 */
import { expectInteger, invalid } from "@lplb/errors";
import {
  type LinearProgram,
  LP_STATUSES,
  type LpBatch,
  type LpBatchSolution,
  type LpShape,
  type LpSolution,
} from "./types.js";
import { MAX_LP_ELEMENTS } from "./validate.js";

/**
 * LP `index` of `batch` as a {@link LinearProgram} whose arrays are `subarray` views into the
 * batch arrays (borrowed, not copied: writing to one writes to the other). Blocks with no rows
 * are omitted. The batch itself is not validated; see `validateLpBatch`.
 *
 * @throws InvalidArgumentError when `index` is not an integer in `[0, batch.count - 1]`.
 */
export function linearProgramAt(batch: LpBatch, index: number): LinearProgram {
  expectInteger("index", index, 0, batch.count - 1);
  const { nVars: n, mEq, mUb } = batch.shape;
  const view = (array: Float64Array | undefined, perLp: number): Float64Array | undefined =>
    array === undefined ? undefined : array.subarray(index * perLp, (index + 1) * perLp);
  return {
    nVars: n,
    c: view(batch.c, n)!,
    ...(mEq > 0 ? { aEq: view(batch.aEq, mEq * n), bEq: view(batch.bEq, mEq) } : {}),
    ...(mUb > 0 ? { aUb: view(batch.aUb, mUb * n), bUb: view(batch.bUb, mUb) } : {}),
    ...(batch.lower === undefined ? {} : { lower: view(batch.lower, n) }),
    ...(batch.upper === undefined ? {} : { upper: view(batch.upper, n) }),
  };
}

/**
 * A zero-filled {@link LpBatchSolution} for `count` LPs of `shape`, owned by the caller: every
 * status code is `numerical_error` (4) until written, so an unwritten entry is never mistaken
 * for an optimum. Solvers write into it; {@link LpBatchSolution.at} reads one LP through views.
 *
 * @throws InvalidArgumentError for a shape that is not `{ nVars >= 1, mEq >= 0, mUb >= 0 }` of
 *   integers, or a `count` that is not an integer >= 1.
 */
export function createLpBatchSolution(shape: LpShape, count: number): LpBatchSolution {
  if (typeof shape !== "object" || shape === null) invalid("shape", "an object { nVars, mEq, mUb }", shape);
  const n = expectInteger("shape.nVars", shape.nVars, 1, MAX_LP_ELEMENTS);
  const mEq = expectInteger("shape.mEq", shape.mEq, 0, MAX_LP_ELEMENTS);
  const mUb = expectInteger("shape.mUb", shape.mUb, 0, MAX_LP_ELEMENTS);
  expectInteger("count", count, 1, Math.floor(MAX_LP_ELEMENTS / Math.max(n, mEq, mUb)));
  const frozenShape: LpShape = Object.freeze({ nVars: n, mEq, mUb });
  const statusCodes = new Int32Array(count).fill(LP_STATUSES.indexOf("numerical_error"));
  const x = new Float64Array(count * n);
  const yEq = new Float64Array(count * mEq);
  const yUb = new Float64Array(count * mUb);
  const zLower = new Float64Array(count * n);
  const zUpper = new Float64Array(count * n);
  const objective = new Float64Array(count);
  const primalResidual = new Float64Array(count);
  const dualResidual = new Float64Array(count);
  const dualityGap = new Float64Array(count);
  const iterations = new Int32Array(count);
  return {
    shape: frozenShape,
    count,
    statusCodes,
    x,
    yEq,
    yUb,
    zLower,
    zUpper,
    objective,
    primalResidual,
    dualResidual,
    dualityGap,
    iterations,
    at(index: number): LpSolution {
      return batchSolutionAt(this, index);
    },
  };
}

/** The arrays of an {@link LpBatchSolution}, without its `at` accessor. */
export type LpBatchSolutionArrays = Omit<LpBatchSolution, "at">;

/**
 * LP `index`'s solution read from a batch's arrays; its arrays are views (not copies).
 * @throws InvalidArgumentError unless `index` is an integer in `[0, count)` and its status code is in [0, 4].
 */
export function batchSolutionAt(batch: LpBatchSolutionArrays, index: number): LpSolution {
  const b = expectInteger("index", index, 0, batch.count - 1);
  const { nVars: n, mEq, mUb } = batch.shape;
  const status = LP_STATUSES[batch.statusCodes[b]];
  if (status === undefined) invalid(`statusCodes[${b}]`, "a status code in [0, 4]", batch.statusCodes[b]);
  return {
    status,
    x: batch.x.subarray(b * n, (b + 1) * n),
    yEq: batch.yEq.subarray(b * mEq, (b + 1) * mEq),
    yUb: batch.yUb.subarray(b * mUb, (b + 1) * mUb),
    zLower: batch.zLower.subarray(b * n, (b + 1) * n),
    zUpper: batch.zUpper.subarray(b * n, (b + 1) * n),
    objective: batch.objective[b],
    primalResidual: batch.primalResidual[b],
    dualResidual: batch.dualResidual[b],
    dualityGap: batch.dualityGap[b],
    iterations: batch.iterations[b],
  };
}

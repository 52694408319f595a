/**
 * Batch solution storage: one Float64Array buffer and one Int32Array buffer per allocation,
 * cut into the fields of {@link LpBatchSolution}.
 */
import { batchSolutionAt, type LpBatchSolution, type LpShape, type LpSolution } from "@lplb/lp";
import type { NativeOutputs } from "./binding.js";

/** Output storage for up to `capacity` LPs of one shape. */
export class SolutionStorage {
  readonly shape: LpShape;
  readonly capacity: number;
  private readonly values: Float64Array;
  private readonly integers: Int32Array;

  constructor(shape: LpShape, capacity: number) {
    this.shape = shape;
    this.capacity = capacity;
    const { nVars, mEq, mUb } = shape;
    // x, zLower, zUpper: 3n; yEq: mEq; yUb: mUb; objective and 3 residuals: 4.
    this.values = new Float64Array(capacity * (3 * nVars + mEq + mUb + 4));
    this.integers = new Int32Array(capacity * 2);
  }

  /** A solution of the first `count` LPs whose arrays are views into this storage. */
  view(count: number): BatchSolution {
    const { nVars, mEq, mUb } = this.shape;
    // Fields are laid out at capacity-sized strides so that every count views the same memory.
    let offset = 0;
    const take = (perLp: number): Float64Array => {
      const array = this.values.subarray(offset, offset + count * perLp);
      offset += this.capacity * perLp;
      return array;
    };
    const x = take(nVars);
    const yEq = take(mEq);
    const yUb = take(mUb);
    const zLower = take(nVars);
    const zUpper = take(nVars);
    const objective = take(1);
    const primalResidual = take(1);
    const dualResidual = take(1);
    const dualityGap = take(1);
    const statusCodes = this.integers.subarray(0, count);
    const iterations = this.integers.subarray(this.capacity, this.capacity + count);
    return new BatchSolution(
      this.shape,
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
    );
  }
}

/** {@link LpBatchSolution} over caller-owned (or solver-owned) typed arrays. */
export class BatchSolution implements LpBatchSolution {
  constructor(
    readonly shape: LpShape,
    readonly count: number,
    readonly statusCodes: Int32Array,
    readonly x: Float64Array,
    readonly yEq: Float64Array,
    readonly yUb: Float64Array,
    readonly zLower: Float64Array,
    readonly zUpper: Float64Array,
    readonly objective: Float64Array,
    readonly primalResidual: Float64Array,
    readonly dualResidual: Float64Array,
    readonly dualityGap: Float64Array,
    readonly iterations: Int32Array,
  ) {}

  /**
   * LP `index`'s solution; its arrays are views into this batch's arrays (not copies).
   * @throws InvalidArgumentError unless `index` is an integer in `[0, count)`.
   */
  at(index: number): LpSolution {
    return batchSolutionAt(this, index);
  }

  /** The output arrays in the order the addon takes them. */
  nativeOutputs(): NativeOutputs {
    return [
      this.statusCodes,
      this.x,
      this.yEq,
      this.yUb,
      this.zLower,
      this.zUpper,
      this.objective,
      this.primalResidual,
      this.dualResidual,
      this.dualityGap,
      this.iterations,
    ];
  }
}

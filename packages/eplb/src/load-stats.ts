/**
 * Load statistics to feed EPLB with: per-batch token counts per expert (one row per MoE layer)
 * folded into a load estimate, either a sum over a sliding window of batches or an exponential
 * moving average.
 */
import { expectInteger, expectOptions, invalid } from "@lplb/errors";
import { expectArrayLike } from "./input.js";

/** Batch counts: `numLayers` rows of `numExperts` values, or one flat row-major array of `numLayers * numExperts`. */
export type BatchCounts = readonly ArrayLike<number>[] | ArrayLike<number>;

/** Shape shared by the load statistics. */
interface CountsShape {
  numLayers: number;
  numExperts: number;
}

const MAX_ENTRIES = 2 ** 30;

function readShape(options: { numExperts?: unknown; numLayers?: unknown }): CountsShape {
  const numExperts = expectInteger("options.numExperts", options.numExperts, 1, MAX_ENTRIES);
  const numLayers = expectInteger("options.numLayers", options.numLayers ?? 1, 1, Math.floor(MAX_ENTRIES / numExperts));
  return { numLayers, numExperts };
}

/**
 * Validates a batch (every count finite and >= 0) and copies it into `out` (row-major); returns
 * whether every count is an integer. Nothing is written unless the whole batch is valid.
 */
function readCounts(counts: unknown, shape: CountsShape, out: Float64Array): boolean {
  const { numLayers, numExperts } = shape;
  const what = `${numLayers} rows of ${numExperts} counts, or one array of ${numLayers * numExperts}`;
  const outer = expectArrayLike("counts", counts, what);
  const flat = outer.length > 0 && typeof outer[0] === "number";
  if (flat ? outer.length !== numLayers * numExperts : outer.length !== numLayers) invalid("counts", what, outer);
  let integral = true;
  for (let layer = 0; layer < numLayers; layer++) {
    const row = flat
      ? null
      : (expectArrayLike(`counts[${layer}]`, outer[layer], `an array of ${numExperts} counts`) as ArrayLike<number>);
    if (row !== null && row.length !== numExperts) invalid(`counts[${layer}]`, `an array of ${numExperts} counts`, row);
    for (let e = 0; e < numExperts; e++) {
      const v = row === null ? (outer as ArrayLike<number>)[layer * numExperts + e] : row[e];
      if (typeof v !== "number" || !(v >= 0 && v <= Number.MAX_VALUE)) {
        invalid(
          row === null ? `counts[${layer * numExperts + e}]` : `counts[${layer}][${e}]`,
          "a finite number >= 0",
          v,
        );
      }
      if (integral && !Number.isInteger(v)) integral = false;
    }
  }
  // Second pass: the batch is valid, copy it.
  for (let layer = 0; layer < numLayers; layer++) {
    const base = layer * numExperts;
    if (flat) {
      for (let e = 0; e < numExperts; e++) out[base + e] = (outer as ArrayLike<number>)[base + e] + 0;
    } else {
      const row = outer[layer] as ArrayLike<number>;
      for (let e = 0; e < numExperts; e++) out[base + e] = row[e] + 0;
    }
  }
  return integral;
}

/** Copies `flat` into one row per layer; values below 0 (rounding residue of a running sum) become 0. */
function toRows(flat: Float64Array, shape: CountsShape): Float64Array[] {
  const rows: Float64Array[] = new Array(shape.numLayers);
  for (let layer = 0; layer < shape.numLayers; layer++) {
    const row = flat.slice(layer * shape.numExperts, (layer + 1) * shape.numExperts);
    for (let e = 0; e < row.length; e++) if (row[e] < 0) row[e] = 0;
    rows[layer] = row;
  }
  return rows;
}

/** Options of {@link SlidingWindowLoad}. */
export interface SlidingWindowLoadOptions {
  /** Logical experts per layer. Required. */
  numExperts: number;
  /** MoE layers. Default 1. */
  numLayers?: number;
  /** Batches kept: the load is the sum over the last `windowSize` pushed batches. Required. */
  windowSize: number;
}

/**
 * Sum of per-expert counts over the last `windowSize` batches. Each {@link push} costs
 * O(numLayers * numExperts): the oldest batch is subtracted from a running sum as the new one is added.
 * With integer counts (token counts) the sum is exact; after fractional counts the running sum is
 * recomputed from the stored batches once per window, so rounding drift cannot build up.
 *
 * Memory: `windowSize + 1` copies of one batch.
 */
export class SlidingWindowLoad {
  /** Logical experts per layer. */
  readonly numExperts: number;
  /** MoE layers. */
  readonly numLayers: number;
  /** Capacity of the window, in batches. */
  readonly windowSize: number;

  private readonly shape: CountsShape;
  private readonly history: Float64Array;
  private readonly sum: Float64Array;
  private readonly incoming: Float64Array;
  private next = 0;
  private filled = 0;
  private fractionalSinceResync = false;

  /**
   * @param options - see {@link SlidingWindowLoadOptions}.
   * @throws InvalidArgumentError for a non-integer or non-positive `numExperts`, `numLayers` or `windowSize`.
   */
  constructor(options: SlidingWindowLoadOptions) {
    const opts = expectOptions("options", options);
    this.shape = readShape(opts);
    this.numExperts = this.shape.numExperts;
    this.numLayers = this.shape.numLayers;
    const size = this.numLayers * this.numExperts;
    this.windowSize = expectInteger("options.windowSize", opts.windowSize, 1, Math.floor(MAX_ENTRIES / size));
    this.history = new Float64Array(this.windowSize * size);
    this.sum = new Float64Array(size);
    this.incoming = new Float64Array(size);
  }

  /** Batches currently in the window, at most {@link windowSize}. */
  get batches(): number {
    return this.filled;
  }

  /**
   * Adds one batch and drops the oldest once the window is full.
   *
   * @param counts - `numLayers` rows of `numExperts` finite counts >= 0, or one flat row-major array;
   *   copied.
   * @throws InvalidArgumentError for a wrong shape or a negative or non-finite count; the window is then unchanged.
   */
  push(counts: BatchCounts): void {
    const incoming = this.incoming;
    const integral = readCounts(counts, this.shape, incoming);
    const size = incoming.length;
    const base = this.next * size;
    const { history, sum } = this;
    const full = this.filled === this.windowSize;
    for (let i = 0; i < size; i++) {
      const old = full ? history[base + i] : 0;
      history[base + i] = incoming[i];
      sum[i] += incoming[i] - old;
    }
    if (!integral) this.fractionalSinceResync = true;
    if (!full) this.filled++;
    this.next = (this.next + 1) % this.windowSize;
    if (this.next === 0 && this.fractionalSinceResync) this.resync();
  }

  /** Recomputes the running sum from the stored batches. */
  private resync(): void {
    const size = this.sum.length;
    this.sum.fill(0);
    for (let batch = 0; batch < this.filled; batch++) {
      const base = batch * size;
      for (let i = 0; i < size; i++) this.sum[i] += this.history[base + i];
    }
    this.fractionalSinceResync = false;
  }

  /** The summed load, one fresh `Float64Array` per layer (all zeros before the first push); ready for `rebalanceExperts`. */
  value(): Float64Array[] {
    return toRows(this.sum, this.shape);
  }

  /** Empties the window. */
  reset(): void {
    this.sum.fill(0);
    this.next = 0;
    this.filled = 0;
    this.fractionalSinceResync = false;
  }
}

/** Options of {@link ExponentialMovingLoad}. */
export interface ExponentialMovingLoadOptions {
  /** Logical experts per layer. Required. */
  numExperts: number;
  /** MoE layers. Default 1. */
  numLayers?: number;
  /** Weight of the newest batch, in (0, 1]: `value = alpha * counts + (1 - alpha) * value`. Required. */
  alpha: number;
}

/**
 * Exponential moving average of per-expert counts: after the first batch (which is taken as is, so
 * the estimate is not biased toward zero) each {@link push} sets
 * `value = alpha * counts + (1 - alpha) * value`. A batch `k` pushes ago weighs `alpha * (1 - alpha)^k`;
 * `alpha = 2 / (N + 1)` gives about the memory of an N-batch window. O(numLayers * numExperts) per push.
 */
export class ExponentialMovingLoad {
  /** Logical experts per layer. */
  readonly numExperts: number;
  /** MoE layers. */
  readonly numLayers: number;
  /** Weight of the newest batch. */
  readonly alpha: number;

  private readonly shape: CountsShape;
  private readonly average: Float64Array;
  private readonly incoming: Float64Array;
  private pushed = 0;

  /**
   * @param options - see {@link ExponentialMovingLoadOptions}.
   * @throws InvalidArgumentError for a non-integer or non-positive `numExperts` or `numLayers`, or an
   *   `alpha` outside (0, 1].
   */
  constructor(options: ExponentialMovingLoadOptions) {
    const opts = expectOptions("options", options);
    this.shape = readShape(opts);
    this.numExperts = this.shape.numExperts;
    this.numLayers = this.shape.numLayers;
    const alpha = opts.alpha;
    if (typeof alpha !== "number" || !(alpha > 0 && alpha <= 1)) invalid("options.alpha", "a number in (0, 1]", alpha);
    this.alpha = alpha;
    this.average = new Float64Array(this.numLayers * this.numExperts);
    this.incoming = new Float64Array(this.average.length);
  }

  /** Batches pushed since construction or the last {@link reset}. */
  get batches(): number {
    return this.pushed;
  }

  /**
   * Folds one batch into the average.
   *
   * @param counts - `numLayers` rows of `numExperts` finite counts >= 0, or one flat row-major array;
   *   copied.
   * @throws InvalidArgumentError for a wrong shape or a negative or non-finite count; the average is then unchanged.
   */
  push(counts: BatchCounts): void {
    const incoming = this.incoming;
    readCounts(counts, this.shape, incoming);
    const average = this.average;
    if (this.pushed === 0) {
      average.set(incoming);
    } else {
      const alpha = this.alpha;
      const keep = 1 - alpha;
      for (let i = 0; i < average.length; i++) average[i] = alpha * incoming[i] + keep * average[i];
    }
    this.pushed++;
  }

  /** The average load, one fresh `Float64Array` per layer (all zeros before the first push); ready for `rebalanceExperts`. */
  value(): Float64Array[] {
    return toRows(this.average, this.shape);
  }

  /** Forgets every batch. */
  reset(): void {
    this.average.fill(0);
    this.pushed = 0;
  }
}

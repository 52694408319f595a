/**
 * Shape, type and value checks for {@link LinearProgram} and {@link LpBatch}, run before a
 * problem reaches native code. They allocate nothing unless they throw.
 */
import { expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import type { LinearProgram, LpBatch } from "./types.js";

/**
 * Largest accepted number of coefficients in one array. Keeps a malformed shape from turning
 * validation into an out-of-memory crash or an endless loop.
 */
export const MAX_LP_ELEMENTS = 2 ** 31 - 1;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A Float64Array of exactly `length` elements. */
function expectVector(name: string, value: unknown, length: number): Float64Array {
  if (!(value instanceof Float64Array) || value.length !== length) {
    invalid(name, `a Float64Array of length ${length}`, value);
  }
  return value;
}

/** `undefined`, or a Float64Array of exactly `length` elements. */
function expectOptionalVector(name: string, value: unknown, length: number): Float64Array | undefined {
  if (value === undefined) return undefined;
  return expectVector(name, value, length);
}

/** What the entries of a checked array are, for naming a position in messages. */
type EntryKind = "variable" | "row" | "matrix";

/**
 * Readable position of flat index `k`: "variable 3", "row 1, column 2", prefixed by "LP b, "
 * when the array spans a batch. `perLp` is the entries per LP, `columns` the matrix width.
 */
function positionOf(k: number, kind: EntryKind, perLp: number, columns: number, batched: boolean): string {
  const lp = Math.floor(k / perLp);
  const within = k - lp * perLp;
  const prefix = batched ? `LP ${lp}, ` : "";
  if (kind === "variable") return `${prefix}variable ${within}`;
  if (kind === "row") return `${prefix}row ${within}`;
  return `${prefix}row ${Math.floor(within / columns)}, column ${within % columns}`;
}

/**
 * True when every entry is finite. `0 * v` is NaN exactly when `v` is NaN or infinite, so one
 * branch-free pass decides; four independent sums keep the additions from waiting on each other.
 */
function allFinite(values: Float64Array): boolean {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const length = values.length;
  const unrolled = length - (length & 3);
  let k = 0;
  for (; k < unrolled; k += 4) {
    p0 += 0 * values[k];
    p1 += 0 * values[k + 1];
    p2 += 0 * values[k + 2];
    p3 += 0 * values[k + 3];
  }
  for (; k < length; k++) p0 += 0 * values[k];
  return p0 + p1 + p2 + p3 === 0;
}

/** Throws for the first NaN or infinite entry of `values`, naming its position. */
function expectAllFinite(
  name: string,
  values: Float64Array,
  kind: EntryKind,
  perLp: number,
  columns: number,
  batched: boolean,
): void {
  if (allFinite(values)) return;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v - v !== 0) {
      const where = positionOf(k, kind, perLp, columns, batched);
      throw new InvalidArgumentError(name, `expected a finite number for ${name}[${k}] (${where}), got ${v}`);
    }
  }
}

/** Checks lower/upper bound pairs (either may be absent: defaults 0 and Infinity). */
function expectBounds(
  name: string,
  lower: Float64Array | undefined,
  upper: Float64Array | undefined,
  perLp: number,
  batched: boolean,
): void {
  if (lower === undefined && upper === undefined) return;
  const length = (lower ?? upper)!.length;
  for (let k = 0; k < length; k++) {
    const lo = lower === undefined ? 0 : lower[k];
    const hi = upper === undefined ? Number.POSITIVE_INFINITY : upper[k];
    if (Number.isNaN(lo) || lo === Number.POSITIVE_INFINITY) {
      throw new InvalidArgumentError(
        `${name}.lower`,
        `expected a finite number or -Infinity for ${name}.lower[${k}] (${positionOf(k, "variable", perLp, 1, batched)}), got ${lo}`,
      );
    }
    if (Number.isNaN(hi) || hi === Number.NEGATIVE_INFINITY) {
      throw new InvalidArgumentError(
        `${name}.upper`,
        `expected a finite number or Infinity for ${name}.upper[${k}] (${positionOf(k, "variable", perLp, 1, batched)}), got ${hi}`,
      );
    }
    if (lo > hi && lower === undefined) {
      throw new InvalidArgumentError(
        `${name}.upper`,
        `expected ${name}.upper[${k}] >= 0, the default lower bound (${positionOf(k, "variable", perLp, 1, batched)}), got ${hi}`,
      );
    }
    if (lo > hi) {
      throw new InvalidArgumentError(
        `${name}.lower`,
        `expected ${name}.lower[${k}] <= ${name}.upper[${k}] (${positionOf(k, "variable", perLp, 1, batched)}), got ${lo} > ${hi}`,
      );
    }
  }
}

/**
 * Number of rows of an optional constraint block: both the matrix and the right-hand side must
 * be given, or neither. Returns the row count implied by the right-hand side.
 */
function blockRows(
  name: string,
  matrixKey: string,
  rhsKey: string,
  matrix: unknown,
  rhs: unknown,
  columns: number,
): number {
  if (matrix === undefined && rhs === undefined) return 0;
  if (rhs === undefined) invalid(`${name}.${rhsKey}`, `a Float64Array because ${name}.${matrixKey} is given`, rhs);
  if (!(rhs instanceof Float64Array)) invalid(`${name}.${rhsKey}`, "a Float64Array", rhs);
  if (matrix === undefined && rhs.length > 0) {
    invalid(
      `${name}.${matrixKey}`,
      `a Float64Array of length ${rhs.length * columns} because ${name}.${rhsKey} has ${rhs.length} rows`,
      matrix,
    );
  }
  return rhs.length;
}

/**
 * Checks that `lp` is a well-formed {@link LinearProgram}: `nVars` an integer >= 1; `c`,
 * `lower`, `upper` Float64Arrays of length `nVars`; `aEq`/`bEq` and `aUb`/`bUb` given together,
 * Float64Arrays of lengths `m * nVars` and `m`; every coefficient finite; bounds not NaN, `lower`
 * never `+Infinity`, `upper` never `-Infinity`, and `lower <= upper`.
 *
 * Allocates nothing unless it throws; nothing is copied or kept.
 *
 * @param lp the problem to check (borrowed).
 * @param name how the problem is named in messages; default `"lp"`.
 * @returns `lp`, unchanged, for chaining.
 * @throws InvalidArgumentError naming the first offending field and position, e.g.
 *   `expected a finite number for lp.aUb[5] (row 1, column 2), got NaN`.
 */
export function validateLinearProgram(lp: LinearProgram, name = "lp"): LinearProgram {
  if (!isObject(lp) || Array.isArray(lp) || ArrayBuffer.isView(lp)) invalid(name, "a LinearProgram object", lp);
  const n = expectInteger(`${name}.nVars`, lp.nVars, 1, MAX_LP_ELEMENTS);
  const c = expectVector(`${name}.c`, lp.c, n);
  const mEq = blockRows(name, "aEq", "bEq", lp.aEq, lp.bEq, n);
  const mUb = blockRows(name, "aUb", "bUb", lp.aUb, lp.bUb, n);
  const aEq = mEq > 0 ? expectMatrix(`${name}.aEq`, lp.aEq, mEq, n) : undefined;
  const aUb = mUb > 0 ? expectMatrix(`${name}.aUb`, lp.aUb, mUb, n) : undefined;
  if (mEq === 0 && lp.aEq !== undefined) expectVector(`${name}.aEq`, lp.aEq, 0);
  if (mUb === 0 && lp.aUb !== undefined) expectVector(`${name}.aUb`, lp.aUb, 0);
  const lower = expectOptionalVector(`${name}.lower`, lp.lower, n);
  const upper = expectOptionalVector(`${name}.upper`, lp.upper, n);

  expectAllFinite(`${name}.c`, c, "variable", n, 1, false);
  if (aEq !== undefined) expectAllFinite(`${name}.aEq`, aEq, "matrix", mEq * n, n, false);
  if (mEq > 0) expectAllFinite(`${name}.bEq`, lp.bEq!, "row", mEq, 1, false);
  if (aUb !== undefined) expectAllFinite(`${name}.aUb`, aUb, "matrix", mUb * n, n, false);
  if (mUb > 0) expectAllFinite(`${name}.bUb`, lp.bUb!, "row", mUb, 1, false);
  expectBounds(name, lower, upper, n, false);
  return lp;
}

function expectMatrix(name: string, value: unknown, rows: number, columns: number): Float64Array {
  if (rows * columns > MAX_LP_ELEMENTS) {
    invalid(name, `at most ${MAX_LP_ELEMENTS} coefficients`, `${rows} x ${columns}`);
  }
  if (!(value instanceof Float64Array) || value.length !== rows * columns) {
    invalid(name, `a Float64Array of length ${rows * columns} (${rows} rows x ${columns} columns)`, value);
  }
  return value;
}

/**
 * Checks that `batch` is a well-formed {@link LpBatch}: `shape.nVars` an integer >= 1,
 * `shape.mEq`/`shape.mUb` integers >= 0, `count` an integer >= 1, every array a Float64Array of
 * its batch length (`c`: `count * nVars`, `aUb`: `count * mUb * nVars`, `bUb`: `count * mUb`, ...),
 * `aEq`/`bEq` required when `mEq > 0` (likewise `aUb`/`bUb`), every coefficient finite, and
 * bounds as in {@link validateLinearProgram}.
 *
 * Allocates nothing unless it throws; nothing is copied or kept.
 *
 * @param batch the batch to check (borrowed).
 * @param name how the batch is named in messages; default `"batch"`.
 * @returns `batch`, unchanged, for chaining.
 * @throws InvalidArgumentError naming the first offending field and position, e.g.
 *   `expected a finite number for batch.aUb[17] (LP 1, row 0, column 3), got Infinity`.
 */
export function validateLpBatch(batch: LpBatch, name = "batch"): LpBatch {
  if (!isObject(batch) || Array.isArray(batch) || ArrayBuffer.isView(batch)) invalid(name, "an LpBatch object", batch);
  const shape = batch.shape;
  if (!isObject(shape)) invalid(`${name}.shape`, "an object { nVars, mEq, mUb }", shape);
  const n = expectInteger(`${name}.shape.nVars`, shape.nVars, 1, MAX_LP_ELEMENTS);
  const mEq = expectInteger(`${name}.shape.mEq`, shape.mEq, 0, MAX_LP_ELEMENTS);
  const mUb = expectInteger(`${name}.shape.mUb`, shape.mUb, 0, MAX_LP_ELEMENTS);
  const count = expectInteger(`${name}.count`, batch.count, 1, MAX_LP_ELEMENTS);

  const c = expectBatchVector(`${name}.c`, batch.c, count, n, "variables");
  const aEq = expectBatchBlock(`${name}.aEq`, batch.aEq, count, mEq * n, `${mEq} x ${n}`);
  const bEq = expectBatchBlock(`${name}.bEq`, batch.bEq, count, mEq, `${mEq} rows`);
  const aUb = expectBatchBlock(`${name}.aUb`, batch.aUb, count, mUb * n, `${mUb} x ${n}`);
  const bUb = expectBatchBlock(`${name}.bUb`, batch.bUb, count, mUb, `${mUb} rows`);
  const lower =
    batch.lower === undefined ? undefined : expectBatchVector(`${name}.lower`, batch.lower, count, n, "variables");
  const upper =
    batch.upper === undefined ? undefined : expectBatchVector(`${name}.upper`, batch.upper, count, n, "variables");

  expectAllFinite(`${name}.c`, c, "variable", n, 1, true);
  if (aEq !== undefined) expectAllFinite(`${name}.aEq`, aEq, "matrix", mEq * n, n, true);
  if (bEq !== undefined) expectAllFinite(`${name}.bEq`, bEq, "row", mEq, 1, true);
  if (aUb !== undefined) expectAllFinite(`${name}.aUb`, aUb, "matrix", mUb * n, n, true);
  if (bUb !== undefined) expectAllFinite(`${name}.bUb`, bUb, "row", mUb, 1, true);
  expectBounds(name, lower, upper, n, true);
  return batch;
}

function expectBatchVector(name: string, value: unknown, count: number, perLp: number, what: string): Float64Array {
  const length = count * perLp;
  if (length > MAX_LP_ELEMENTS) invalid(name, `at most ${MAX_LP_ELEMENTS} coefficients`, length);
  if (!(value instanceof Float64Array) || value.length !== length) {
    invalid(name, `a Float64Array of length ${length} (${count} LPs x ${perLp} ${what})`, value);
  }
  return value;
}

/** A block that must be present when `perLp > 0`; when `perLp` is 0 it may be absent or empty. */
function expectBatchBlock(
  name: string,
  value: unknown,
  count: number,
  perLp: number,
  what: string,
): Float64Array | undefined {
  if (perLp === 0) {
    if (value !== undefined) expectVector(name, value, 0);
    return undefined;
  }
  const length = count * perLp;
  if (length > MAX_LP_ELEMENTS) invalid(name, `at most ${MAX_LP_ELEMENTS} coefficients`, length);
  if (!(value instanceof Float64Array) || value.length !== length) {
    invalid(name, `a Float64Array of length ${length} (${count} LPs x ${what})`, value);
  }
  return value;
}

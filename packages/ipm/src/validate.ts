/**
 * Checks of problems and batches before they reach native code, and packing of a list of LPs
 * into one contiguous {@link LpBatch}.
 */
import { expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import type { LinearProgram, LpBatch, LpShape } from "@lplb/lp";
import { MAX_DIMENSION } from "./options.js";

/** Largest accepted number of LPs in one batch (the native batch count is an int32). */
export const MAX_BATCH_COUNT = 2 ** 31 - 1;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Checks an {@link LpShape}; returns a plain copy. */
export function validateShape(shape: unknown, name: string): LpShape {
  if (!isObject(shape) || Array.isArray(shape)) invalid(name, "an LpShape object { nVars, mEq, mUb }", shape);
  return {
    nVars: expectInteger(`${name}.nVars`, shape.nVars, 1, MAX_DIMENSION),
    mEq: expectInteger(`${name}.mEq`, shape.mEq, 0, MAX_DIMENSION),
    mUb: expectInteger(`${name}.mUb`, shape.mUb, 0, MAX_DIMENSION),
  };
}

/** True when both shapes have the same dimensions. */
export function sameShape(a: LpShape, b: LpShape): boolean {
  return a.nVars === b.nVars && a.mEq === b.mEq && a.mUb === b.mUb;
}

/** `{ nVars: 2, mEq: 0, mUb: 1 }`, for messages. */
export function formatShape(shape: LpShape): string {
  return `{ nVars: ${shape.nVars}, mEq: ${shape.mEq}, mUb: ${shape.mUb} }`;
}

function expectVector(name: string, value: unknown, length: number): Float64Array {
  if (!(value instanceof Float64Array) || value.length !== length) {
    invalid(name, `a Float64Array of length ${length}`, value);
  }
  return value;
}

/** How positions inside an array are named in messages. */
type Layout = "variables" | "rows" | "matrix";

/**
 * Human-readable position of flat index `k` of an array holding `perLp` entries per LP:
 * "LP 2, row 1, column 3" (the LP part only when `batched`).
 */
function position(k: number, layout: Layout, perLp: number, nVars: number, batched: boolean): string {
  const lp = Math.floor(k / perLp);
  const within = k - lp * perLp;
  const prefix = batched ? `LP ${lp}, ` : "";
  if (layout === "variables") return `${prefix}variable ${within}`;
  if (layout === "rows") return `${prefix}row ${within}`;
  return `${prefix}row ${Math.floor(within / nVars)}, column ${within % nVars}`;
}

/**
 * True when no entry is NaN or infinite. v * 0 is NaN exactly for those, so one of them poisons
 * a sum; four independent sums keep the branch-free loop from waiting on one addition chain.
 */
function allFinite(values: Float64Array): boolean {
  const length = values.length;
  const unrolled = length - (length % 4);
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let k = 0;
  for (; k < unrolled; k += 4) {
    p0 += values[k] * 0;
    p1 += values[k + 1] * 0;
    p2 += values[k + 2] * 0;
    p3 += values[k + 3] * 0;
  }
  for (; k < length; k++) p0 += values[k] * 0;
  return p0 + p1 + p2 + p3 === 0;
}

function expectFiniteEntries(
  name: string,
  values: Float64Array,
  layout: Layout,
  perLp: number,
  nVars: number,
  batched: boolean,
): void {
  if (allFinite(values)) return;
  for (let k = 0; k < values.length; k++) {
    if (values[k] * 0 !== 0) {
      throw new InvalidArgumentError(
        name,
        `expected a finite number for ${name}[${k}] (${position(k, layout, perLp, nVars, batched)}), got ${values[k]}`,
      );
    }
  }
}

function boundError(
  name: string,
  lower: Float64Array | undefined,
  upper: Float64Array | undefined,
  k: number,
  nVars: number,
  batched: boolean,
): InvalidArgumentError {
  const where = position(k, "variables", nVars, nVars, batched);
  const lo = lower === undefined ? 0 : lower[k];
  const hi = upper === undefined ? Number.POSITIVE_INFINITY : upper[k];
  if (Number.isNaN(lo) || lo === Number.POSITIVE_INFINITY) {
    return new InvalidArgumentError(
      `${name}.lower`,
      `expected a finite number or -Infinity for ${name}.lower[${k}] (${where}), got ${lo}`,
    );
  }
  if (Number.isNaN(hi) || hi === Number.NEGATIVE_INFINITY) {
    return new InvalidArgumentError(
      `${name}.upper`,
      `expected a finite number or Infinity for ${name}.upper[${k}] (${where}), got ${hi}`,
    );
  }
  if (lower === undefined) {
    return new InvalidArgumentError(
      `${name}.upper`,
      `expected ${name}.upper[${k}] >= 0, the default lower bound (${where}), got ${hi}`,
    );
  }
  return new InvalidArgumentError(
    `${name}.lower`,
    `expected ${name}.lower[${k}] <= ${name}.upper[${k}] (${where}), got ${lo} > ${hi}`,
  );
}

/**
 * Bounds must not be NaN, lower never +Infinity, upper never -Infinity, and lower <= upper
 * (with the defaults 0 and Infinity for an omitted side).
 */
function expectBounds(
  name: string,
  lower: Float64Array | undefined,
  upper: Float64Array | undefined,
  nVars: number,
  batched: boolean,
): void {
  const length = lower?.length ?? upper?.length ?? 0;
  for (let k = 0; k < length; k++) {
    const lo = lower === undefined ? 0 : lower[k];
    const hi = upper === undefined ? Number.POSITIVE_INFINITY : upper[k];
    // !(lo <= hi) also catches a NaN on either side.
    if (!(lo <= hi) || lo === Number.POSITIVE_INFINITY || hi === Number.NEGATIVE_INFINITY) {
      throw boundError(name, lower, upper, k, nVars, batched);
    }
  }
}

/** Rows of an optional constraint block of an LP; the matrix and right-hand side come together. */
function blockRows(
  name: string,
  matrixKey: string,
  rhsKey: string,
  matrix: unknown,
  rhs: unknown,
  nVars: number,
): number {
  if (matrix === undefined && rhs === undefined) return 0;
  if (rhs === undefined) invalid(`${name}.${rhsKey}`, `a Float64Array because ${name}.${matrixKey} is given`, rhs);
  if (!(rhs instanceof Float64Array)) invalid(`${name}.${rhsKey}`, "a Float64Array", rhs);
  const rows = rhs.length;
  if (rows > MAX_DIMENSION) invalid(`${name}.${rhsKey}`, `a Float64Array of at most ${MAX_DIMENSION} rows`, rhs);
  if (rows > 0 || matrix !== undefined) expectVector(`${name}.${matrixKey}`, matrix, rows * nVars);
  return rows;
}

/**
 * Checks one {@link LinearProgram}: `nVars` an integer in `[1, MAX_DIMENSION]`; `c`, `lower`,
 * `upper` Float64Arrays of length `nVars`; `aEq`/`bEq` and `aUb`/`bUb` given together with
 * lengths `m * nVars` and `m`; every coefficient finite; bounds not NaN, `lower` never
 * `+Infinity`, `upper` never `-Infinity`, and `lower <= upper` (the default lower bound 0
 * included). Nothing is copied or kept.
 *
 * @returns the LP's shape.
 * @throws InvalidArgumentError naming the field and position, e.g.
 *   `expected a finite number for lps[2].aUb[5] (row 1, column 2), got NaN`.
 */
export function validateLinearProgram(lp: unknown, name: string): LpShape {
  if (!isObject(lp) || Array.isArray(lp) || ArrayBuffer.isView(lp)) invalid(name, "a LinearProgram object", lp);
  const nVars = expectInteger(`${name}.nVars`, lp.nVars, 1, MAX_DIMENSION);
  const c = expectVector(`${name}.c`, lp.c, nVars);
  const mEq = blockRows(name, "aEq", "bEq", lp.aEq, lp.bEq, nVars);
  const mUb = blockRows(name, "aUb", "bUb", lp.aUb, lp.bUb, nVars);
  const lower = lp.lower === undefined ? undefined : expectVector(`${name}.lower`, lp.lower, nVars);
  const upper = lp.upper === undefined ? undefined : expectVector(`${name}.upper`, lp.upper, nVars);

  expectFiniteEntries(`${name}.c`, c, "variables", nVars, nVars, false);
  if (mEq > 0) {
    expectFiniteEntries(`${name}.aEq`, lp.aEq as Float64Array, "matrix", mEq * nVars, nVars, false);
    expectFiniteEntries(`${name}.bEq`, lp.bEq as Float64Array, "rows", mEq, nVars, false);
  }
  if (mUb > 0) {
    expectFiniteEntries(`${name}.aUb`, lp.aUb as Float64Array, "matrix", mUb * nVars, nVars, false);
    expectFiniteEntries(`${name}.bUb`, lp.bUb as Float64Array, "rows", mUb, nVars, false);
  }
  expectBounds(name, lower, upper, nVars, false);
  return { nVars, mEq, mUb };
}

function batchArray(name: string, value: unknown, length: number, required: boolean): Float64Array | undefined {
  if (value === undefined && (!required || length === 0)) return undefined;
  return expectVector(name, value, length);
}

/**
 * Checks an {@link LpBatch} like {@link validateLinearProgram} checks each of its LPs:
 * `shape` valid, `count` an integer >= 1, every array a Float64Array of `count` times the
 * per-LP length, every coefficient finite, bounds consistent. Messages name the LP:
 * `expected a finite number for batch.aUb[37] (LP 2, row 1, column 3), got Infinity`.
 * Nothing is copied or kept.
 */
export function validateBatch(batch: unknown, name: string): LpBatch {
  if (!isObject(batch) || Array.isArray(batch) || ArrayBuffer.isView(batch)) invalid(name, "an LpBatch object", batch);
  const shape = validateShape(batch.shape, `${name}.shape`);
  const count = expectInteger(`${name}.count`, batch.count, 1, MAX_BATCH_COUNT);
  const { nVars, mEq, mUb } = shape;
  const c = batchArray(`${name}.c`, batch.c, count * nVars, true)!;
  const aEq = batchArray(`${name}.aEq`, batch.aEq, count * mEq * nVars, true);
  const bEq = batchArray(`${name}.bEq`, batch.bEq, count * mEq, true);
  const aUb = batchArray(`${name}.aUb`, batch.aUb, count * mUb * nVars, true);
  const bUb = batchArray(`${name}.bUb`, batch.bUb, count * mUb, true);
  const lower = batchArray(`${name}.lower`, batch.lower, count * nVars, false);
  const upper = batchArray(`${name}.upper`, batch.upper, count * nVars, false);

  expectFiniteEntries(`${name}.c`, c, "variables", nVars, nVars, true);
  if (aEq !== undefined) expectFiniteEntries(`${name}.aEq`, aEq, "matrix", mEq * nVars, nVars, true);
  if (bEq !== undefined) expectFiniteEntries(`${name}.bEq`, bEq, "rows", mEq, nVars, true);
  if (aUb !== undefined) expectFiniteEntries(`${name}.aUb`, aUb, "matrix", mUb * nVars, nVars, true);
  if (bUb !== undefined) expectFiniteEntries(`${name}.bUb`, bUb, "rows", mUb, nVars, true);
  expectBounds(name, lower, upper, nVars, true);
  return batch as unknown as LpBatch;
}

/** True when `value` looks like an {@link LpBatch} rather than an array of LPs. */
export function isBatch(value: unknown): boolean {
  return isObject(value) && !Array.isArray(value) && "shape" in value && "count" in value;
}

/**
 * Checks every LP of `lps` (all of one shape) and packs them into one contiguous batch. A
 * single LP is wrapped without copying; otherwise the arrays are copied. Missing bounds are
 * filled with the defaults (0 and Infinity) when some LPs have them and others do not.
 */
export function packLinearPrograms(lps: unknown, name: string): LpBatch {
  if (!Array.isArray(lps)) invalid(name, "an array of LinearPrograms or an LpBatch", lps);
  if (lps.length === 0) invalid(name, "at least one LinearProgram", lps);
  if (lps.length > MAX_BATCH_COUNT) invalid(name, `at most ${MAX_BATCH_COUNT} LinearPrograms`, lps);
  const shape = validateLinearProgram(lps[0], `${name}[0]`);
  for (let b = 1; b < lps.length; b++) {
    const other = validateLinearProgram(lps[b], `${name}[${b}]`);
    if (!sameShape(shape, other)) {
      throw new InvalidArgumentError(
        `${name}[${b}]`,
        `expected every LP of ${name} to have the shape of ${name}[0], ${formatShape(shape)}, got ${formatShape(other)} for ${name}[${b}]`,
      );
    }
  }
  const list = lps as readonly LinearProgram[];
  if (list.length === 1) return singleBatch(list[0], shape);

  const count = list.length;
  const { nVars, mEq, mUb } = shape;
  const anyLower = list.some((lp) => lp.lower !== undefined);
  const anyUpper = list.some((lp) => lp.upper !== undefined);
  const c = new Float64Array(count * nVars);
  const aEq = mEq > 0 ? new Float64Array(count * mEq * nVars) : undefined;
  const bEq = mEq > 0 ? new Float64Array(count * mEq) : undefined;
  const aUb = mUb > 0 ? new Float64Array(count * mUb * nVars) : undefined;
  const bUb = mUb > 0 ? new Float64Array(count * mUb) : undefined;
  const lower = anyLower ? new Float64Array(count * nVars) : undefined;
  const upper = anyUpper ? new Float64Array(count * nVars).fill(Number.POSITIVE_INFINITY) : undefined;
  for (let b = 0; b < count; b++) {
    const lp = list[b];
    c.set(lp.c, b * nVars);
    if (mEq > 0) {
      aEq!.set(lp.aEq!, b * mEq * nVars);
      bEq!.set(lp.bEq!, b * mEq);
    }
    if (mUb > 0) {
      aUb!.set(lp.aUb!, b * mUb * nVars);
      bUb!.set(lp.bUb!, b * mUb);
    }
    if (lp.lower !== undefined) lower!.set(lp.lower, b * nVars);
    if (lp.upper !== undefined) upper!.set(lp.upper, b * nVars);
  }
  return { shape, count, c, aEq, bEq, aUb, bUb, lower, upper };
}

/** An already validated LP as a batch of one; its arrays are borrowed, not copied. */
export function singleBatch(lp: LinearProgram, shape: LpShape): LpBatch {
  return {
    shape,
    count: 1,
    c: lp.c,
    aEq: shape.mEq > 0 ? lp.aEq : undefined,
    bEq: shape.mEq > 0 ? lp.bEq : undefined,
    aUb: shape.mUb > 0 ? lp.aUb : undefined,
    bUb: shape.mUb > 0 ? lp.bUb : undefined,
    lower: lp.lower,
    upper: lp.upper,
  };
}

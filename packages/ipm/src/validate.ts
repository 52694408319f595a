/**
 * Checks of problems and batches before they reach native code, and packing of a list of LPs
 * into one contiguous {@link LpBatch}.
 */
import { expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import {
  validateLinearProgram as checkLinearProgram,
  validateLpBatch as checkLpBatch,
  type LinearProgram,
  type LpBatch,
  type LpShape,
} from "@lplb/lp";
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

/**
 * Checks one {@link LinearProgram} with `@lplb/lp`'s {@link checkLinearProgram} (types, lengths,
 * finite coefficients, consistent bounds), after the native solver's own limit: `nVars` and the
 * row counts at most {@link MAX_DIMENSION}. Nothing is copied or kept.
 *
 * @returns the LP's shape.
 * @throws InvalidArgumentError naming the field and position, e.g.
 *   `expected a finite number for lps[2].aUb[5] (row 1, column 2), got NaN`.
 */
export function validateLinearProgram(lp: unknown, name: string): LpShape {
  if (!isObject(lp) || Array.isArray(lp) || ArrayBuffer.isView(lp)) invalid(name, "a LinearProgram object", lp);
  const nVars = expectInteger(`${name}.nVars`, lp.nVars, 1, MAX_DIMENSION);
  for (const rhsKey of ["bEq", "bUb"] as const) {
    const rhs = lp[rhsKey];
    if (rhs instanceof Float64Array && rhs.length > MAX_DIMENSION) {
      invalid(`${name}.${rhsKey}`, `a Float64Array of at most ${MAX_DIMENSION} rows`, rhs);
    }
  }
  const checked = checkLinearProgram(lp as unknown as LinearProgram, name);
  return { nVars, mEq: checked.bEq?.length ?? 0, mUb: checked.bUb?.length ?? 0 };
}

/**
 * Checks an {@link LpBatch}: its shape within the native limits ({@link validateShape}) and its
 * count at most {@link MAX_BATCH_COUNT}, then everything else with `@lplb/lp`'s
 * {@link checkLpBatch}. Messages name the LP:
 * `expected a finite number for batch.aUb[37] (LP 2, row 1, column 3), got Infinity`.
 * Nothing is copied or kept.
 */
export function validateBatch(batch: unknown, name: string): LpBatch {
  if (!isObject(batch) || Array.isArray(batch) || ArrayBuffer.isView(batch)) invalid(name, "an LpBatch object", batch);
  validateShape(batch.shape, `${name}.shape`);
  expectInteger(`${name}.count`, batch.count, 1, MAX_BATCH_COUNT);
  return checkLpBatch(batch as unknown as LpBatch, name);
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

/** Input validation shared by the public functions. */
import { describe, InvalidArgumentError, invalid } from "@lplb/errors";

/**
 * Largest accepted sum of one row of loads. EPLB adds loads in float32 (largest finite value about
 * 3.4e38); keeping every sum well below that keeps every running sum finite.
 */
export const MAX_LOAD_SUM = 1e38;

/** Largest accepted count of experts or physical slots (ids are stored in `Int32Array`s). */
export const MAX_SLOTS = 2 ** 30;

/** True for an array or typed array, the shapes accepted for a row of numbers. */
function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) &&
    typeof (value as ArrayLike<unknown>).length === "number"
  );
}

/** Checks that `value` is an array or typed array and returns its length. */
export function expectArrayLike(name: string, value: unknown, what: string): ArrayLike<unknown> {
  if (!isArrayLike(value)) invalid(name, what, value);
  return value;
}

/**
 * Validates one row of loads (non-empty; every value a finite number >= 0; sum at most
 * {@link MAX_LOAD_SUM}) and, when `out` is given, stores it at `out[offset...]` rounded to float32,
 * with -0 turned into +0 (float32 bit patterns then order like the values). Returns the row length.
 */
export function readLoadRow(
  name: string,
  value: unknown,
  expectedLength: number | undefined,
  out?: Float32Array,
  offset = 0,
): number {
  const row = expectArrayLike(name, value, "a non-empty array or typed array of loads") as ArrayLike<number>;
  if (expectedLength === undefined) {
    if (row.length === 0) invalid(name, "a non-empty array or typed array of loads", row);
  } else if (row.length !== expectedLength) {
    invalid(name, `an array of ${expectedLength} loads (one per expert, like the first row)`, row);
  }
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    // The comparisons also reject NaN.
    if (typeof v !== "number" || !(v >= 0 && v <= Number.MAX_VALUE))
      invalid(`${name}[${i}]`, "a finite number >= 0", v);
    sum += v;
    if (out !== undefined) out[offset + i] = v + 0;
  }
  if (!(sum <= MAX_LOAD_SUM)) {
    throw new InvalidArgumentError(
      name,
      `expected loads that sum to at most ${MAX_LOAD_SUM} (they are added in float32) for ${name}, got a sum of ${describe(sum)}`,
    );
  }
  return row.length;
}

/**
 * Validates a non-empty list of load rows of one non-zero length and, when `convert` is set,
 * returns them row-major in one `Float32Array` (see {@link readLoadRow}). Returns the row length as
 * `width`.
 */
export function readLoadMatrix(
  name: string,
  value: unknown,
  convert = false,
): { width: number; loads: Float32Array | undefined } {
  const rows = expectArrayLike(name, value, "a non-empty array of load rows (one per layer)");
  if (rows.length === 0) invalid(name, "a non-empty array of load rows (one per layer)", rows);
  const first = expectArrayLike(`${name}[0]`, rows[0], "a non-empty array or typed array of loads");
  if (first.length > MAX_SLOTS) invalid(`${name}[0]`, `at most ${MAX_SLOTS} loads`, first);
  const loads = convert ? new Float32Array(rows.length * first.length) : undefined;
  const width = readLoadRow(`${name}[0]`, first, undefined, loads, 0);
  for (let layer = 1; layer < rows.length; layer++) {
    readLoadRow(`${name}[${layer}]`, rows[layer], width, loads, layer * width);
  }
  return { width, loads };
}

/** Validates an array-like of integer ids in `[0, bound)` of the given length. */
export function readIds(name: string, value: unknown, length: number | undefined, bound: number): ArrayLike<number> {
  const ids = expectArrayLike(name, value, "an array or typed array of integer ids") as ArrayLike<number>;
  if (length !== undefined && ids.length !== length) invalid(name, `an array of length ${length}`, ids);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= bound) {
      invalid(`${name}[${i}]`, `an integer in [0, ${bound - 1}]`, v);
    }
  }
  return ids;
}

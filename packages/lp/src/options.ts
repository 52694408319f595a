/**
 * Option and array checks shared by the LP builders.
 */
import { expectFiniteArray, expectInteger, expectKnownOptions, invalid } from "@lplb/errors";

/** An options bag whose keys are all in `known`; `undefined` is rejected because every builder needs options. */
export function expectBuilderOptions<T extends object>(name: string, value: T, known: readonly string[]): Partial<T> {
  if (value === undefined) invalid(name, "an options object", value);
  return expectKnownOptions<T>(name, value, known);
}

/** Copies an array of integer ids in `[0, limit)` of exactly `length` entries into an Int32Array. */
export function copyIds(name: string, value: unknown, length: number, limit: number, what: string): Int32Array {
  if (value === null || typeof value !== "object" || typeof (value as ArrayLike<unknown>).length !== "number") {
    invalid(name, `an array or Int32Array of ${length} ${what}`, value);
  }
  const array = value as ArrayLike<unknown>;
  if (array.length !== length) invalid(name, `an array of length ${length} (${what})`, value);
  const ids = new Int32Array(length);
  for (let k = 0; k < length; k++) ids[k] = expectInteger(`${name}[${k}]`, array[k], 0, limit - 1);
  return ids;
}

/** A workload: `length` finite loads >= 0 (array or typed array), borrowed. */
export function expectWorkload(value: unknown, length: number): ArrayLike<number> {
  return expectFiniteArray("workload", value, { min: 0, length });
}

/** The largest entry of a non-empty workload (>= 0). */
export function maxLoad(workload: ArrayLike<number>): number {
  let max = 0;
  for (let k = 0; k < workload.length; k++) if (workload[k] > max) max = workload[k];
  return max;
}

/** A Float64Array of exactly `length` entries to write into, or a new one when `out` is undefined. */
export function outputVector(name: string, out: unknown, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (!(out instanceof Float64Array) || out.length !== length) invalid(name, `a Float64Array of length ${length}`, out);
  return out;
}

/** A Float64Array of exactly `length` entries (an array of a batch or LP to overwrite). */
export function expectOutputArray(name: string, value: unknown, length: number): Float64Array {
  if (!(value instanceof Float64Array) || value.length !== length)
    invalid(name, `a Float64Array of length ${length}`, value);
  return value;
}

/** Array-like of finite numbers in [0, 1] of exactly `length` entries, borrowed. */
export function expectFractions(name: string, value: unknown, length: number): ArrayLike<number> {
  const array = expectFiniteArray(name, value, { min: 0, length });
  for (let k = 0; k < length; k++) {
    if (array[k] > 1) invalid(`${name}[${k}]`, "a finite number in [0, 1]", array[k]);
  }
  return array;
}

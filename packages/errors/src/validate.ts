/**
 * Argument validation vocabulary. Every helper throws {@link InvalidArgumentError} with a
 * message of the form `expected <what> for <name>, got <value>`.
 */
import { InvalidArgumentError } from "./errors.js";

/** Short, bounded rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (ArrayBuffer.isView(value)) {
    return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength})`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "function") return "a function";
  return typeof value === "object" ? "an object" : String(value);
}

/** Throws `expected <expected> for <name>, got <describe(value)>`. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(name, `expected ${expected} for ${name}, got ${describe(value)}`);
}

/** An integer in `[min, max]` (inclusive). */
export function expectInteger(
  name: string,
  value: unknown,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range =
      min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER
        ? "an integer"
        : max === Number.MAX_SAFE_INTEGER
          ? `an integer >= ${min}`
          : `an integer in [${min}, ${max}]`;
    invalid(name, range, value);
  }
  return value;
}

/** A finite number in `[min, max]`. */
export function expectFinite(name: string, value: unknown, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range =
      min === -Number.MAX_VALUE && max === Number.MAX_VALUE ? "a finite number" : `a finite number in [${min}, ${max}]`;
    invalid(name, range, value);
  }
  return value;
}

/** One of the listed string literals. */
export function expectOneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    invalid(name, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
  }
  return value as T;
}

/** A plain object (options bag); `undefined` becomes `{}`. */
export function expectOptions<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(name, "an options object", value);
  return value;
}

/** An options bag (`undefined` becomes `{}`) whose keys are all in `known`. */
export function expectKnownOptions<T extends object>(
  name: string,
  value: unknown,
  known: readonly string[],
): Partial<T> {
  const options = expectOptions(name, value as T | undefined);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(
        `${name}.${key}`,
        `unknown option ${JSON.stringify(key)} in ${name}; expected one of ${known.map((k) => JSON.stringify(k)).join(", ")}`,
      );
    }
  }
  return options;
}

/** A non-empty array-like of finite numbers, each `>= min`; returns it unchanged. */
export function expectFiniteArray(
  name: string,
  value: unknown,
  options: { min?: number; length?: number } = {},
): ArrayLike<number> {
  if (value === null || typeof value !== "object" || typeof (value as ArrayLike<number>).length !== "number") {
    invalid(name, "an array or typed array of numbers", value);
  }
  const array = value as ArrayLike<number>;
  if (options.length !== undefined && array.length !== options.length) {
    invalid(name, `an array of length ${options.length}`, value);
  }
  const min = options.min ?? Number.NEGATIVE_INFINITY;
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      const what = min === Number.NEGATIVE_INFINITY ? "a finite number" : `a finite number >= ${min}`;
      invalid(`${name}[${i}]`, what, v);
    }
  }
  return array;
}

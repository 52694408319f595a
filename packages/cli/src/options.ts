/**
 * Parsers for command-line option values. Every parser throws {@link InvalidArgumentError} naming
 * the option and the expected value, which the `lplb` command turns into exit code 2.
 */
import { InvalidArgumentError } from "@lplb/errors";

function rangeText(min: number, max: number, what: string): string {
  if (max === Number.MAX_SAFE_INTEGER || max === Number.POSITIVE_INFINITY) return `${what} >= ${min}`;
  return `${what} in [${min}, ${max}]`;
}

/**
 * A parser for an integer option in `[min, max]` (decimal digits only, so `"0x10"`, `"1e3"` and
 * `""` are rejected).
 *
 * @param flag the option as the user writes it, e.g. `"--ep-size"`; used in messages.
 * @param min smallest accepted value (inclusive).
 * @param max largest accepted value (inclusive); default `Number.MAX_SAFE_INTEGER`.
 */
export function integerOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string): number => parseInteger(flag, value, min, max);
}

/** Parses one integer option value; see {@link integerOption}. */
export function parseInteger(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(
      flag,
      `expected ${rangeText(min, max, "an integer")} for ${flag}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * A parser for a finite number option in `(min, max]` when `exclusiveMin` is set, else `[min, max]`.
 *
 * @param flag the option as the user writes it, e.g. `"--zipf"`.
 */
export function numberOption(flag: string, min: number, max: number, exclusiveMin = false): (value: string) => number {
  return (value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    const low = exclusiveMin ? n > min : n >= min;
    if (!Number.isFinite(n) || !low || n > max) {
      const range = `a number in ${exclusiveMin ? "(" : "["}${min}, ${max}]`;
      throw new InvalidArgumentError(flag, `expected ${range} for ${flag}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * A parser for a comma-separated list whose items are each one of `choices`; duplicates are
 * dropped, the order of `choices` is kept.
 */
export function listOption<T extends string>(flag: string, choices: readonly T[]): (value: string) => T[] {
  return (value: string): T[] => {
    const items = value.split(",").map((item) => item.trim());
    for (const item of items) {
      if (!(choices as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(
          flag,
          `expected a comma-separated list of ${choices.join(", ")} for ${flag}, got ${JSON.stringify(item)}`,
        );
      }
    }
    return choices.filter((choice) => items.includes(choice));
  };
}

/** A parser for one of `choices`. */
export function choiceOption<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(
        flag,
        `expected one of ${choices.join(", ")} for ${flag}, got ${JSON.stringify(value)}`,
      );
    }
    return value as T;
  };
}

/**
 * Parses a layer selection against a file of `layers` layers: an index (`3`), a list (`0,7,15`),
 * a range (`0-3`), a mix of both, or `all`. Returns ascending, distinct indices.
 */
export function parseLayerSelection(flag: string, value: string, layers: number): number[] {
  const spec = value.trim();
  if (spec === "all") return Array.from({ length: layers }, (_, i) => i);
  const picked = new Set<number>();
  const bad = (): never => {
    throw new InvalidArgumentError(
      flag,
      `expected a layer index in [0, ${layers - 1}], a list (0,2), a range (0-2) or "all" for ${flag}, got ${JSON.stringify(value)}`,
    );
  };
  for (const part of spec.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (match === null) bad();
    const first = Number(match![1]);
    const last = match![2] === undefined ? first : Number(match![2]);
    if (first > last || last >= layers) bad();
    for (let layer = first; layer <= last; layer++) picked.add(layer);
  }
  return [...picked].sort((a, b) => a - b);
}

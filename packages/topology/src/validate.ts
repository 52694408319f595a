/**
 * Validation shared by the topology modules: size limits, option bags, EP sizes and node sizes.
 */
import { expectInteger, invalid } from "@lplb/errors";

/**
 * Largest accepted redundancy group (rows of `r2o`). The limit keeps a malformed length from
 * turning validation into an endless loop or an out-of-memory crash.
 */
export const MAX_GROUP_SIZE = 65_536;

/** Largest accepted number of redundant slots per rank (columns of `r2o`). */
export const MAX_SLOTS = 64;

/** Largest accepted expert-parallel size (`epSize`) for groups, placement and DOT drawings. */
export const MAX_EP_SIZE = 65_536;

/** A topology name: a non-empty string. */
export function expectName(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) invalid(name, "a non-empty string", value);
  return value;
}

/** An EP size: a positive multiple of `groupSize`, at most {@link MAX_EP_SIZE}. */
export function expectEpSize(name: string, value: unknown, groupSize: number): number {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < groupSize ||
    value > MAX_EP_SIZE ||
    value % groupSize !== 0
  ) {
    invalid(name, `a multiple of groupSize ${groupSize} in [${groupSize}, ${MAX_EP_SIZE}]`, value);
  }
  return value;
}

/** GPUs per node: an integer in `[1, MAX_EP_SIZE]`. */
export function expectGpusPerNode(name: string, value: unknown): number {
  return expectInteger(name, value, 1, MAX_EP_SIZE);
}

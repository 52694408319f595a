/**
 * Random valid topologies, for tests and experiments.
 */
import { expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import { Topology } from "./topology.js";
import { MAX_GROUP_SIZE, MAX_SLOTS } from "./validate.js";

/** Shuffles tried per column before concluding that `random` cannot produce a derangement. */
const MAX_SHUFFLES = 100;

/**
 * A random valid topology (`"random-<groupSize>x<slots>"`): each column is a derangement drawn
 * uniformly (Fisher-Yates shuffles, rejected while a rank lands on itself, about e tries each).
 *
 * @param groupSize ranks per group, an integer in `[2, MAX_GROUP_SIZE]`.
 * @param slots columns, an integer in `[1, MAX_SLOTS]`.
 * @param random uniform numbers in `[0, 1)`, e.g. `Math.random` or a seeded generator; called
 *   about `e * groupSize` times per column.
 * @throws InvalidArgumentError on bad sizes, when `random()` returns a value outside `[0, 1)`, or
 *   when 100 shuffles of one column all leave a rank on itself (a degenerate generator).
 */
export function randomTopology(groupSize: number, slots: number, random: () => number): Topology {
  expectInteger("groupSize", groupSize, 2, MAX_GROUP_SIZE);
  expectInteger("slots", slots, 1, MAX_SLOTS);
  if (typeof random !== "function") invalid("random", "a function returning numbers in [0, 1)", random);
  const columns: Int32Array[] = [];
  for (let slot = 0; slot < slots; slot++) columns.push(randomDerangement(groupSize, random));
  const r2o = Array.from({ length: groupSize }, (_, i) => columns.map((column) => column[i]));
  return Topology.fromR2o(r2o, { name: `random-${groupSize}x${slots}` });
}

function randomDerangement(size: number, random: () => number): Int32Array {
  const permutation = new Int32Array(size);
  shuffles: for (let attempt = 0; attempt < MAX_SHUFFLES; attempt++) {
    for (let i = 0; i < size; i++) permutation[i] = i;
    // Position i is final once step i has run, so a fixed point restarts at once.
    for (let i = size - 1; i >= 1; i--) {
      const u = random();
      if (typeof u !== "number" || !(u >= 0 && u < 1)) invalid("random()", "a number in [0, 1)", u);
      const j = Math.floor(u * (i + 1));
      const swapped = permutation[j];
      permutation[j] = permutation[i];
      permutation[i] = swapped;
      if (swapped === i) continue shuffles;
    }
    if (permutation[0] !== 0) return permutation;
  }
  throw new InvalidArgumentError(
    "random",
    `expected random to return uniform numbers in [0, 1), but ${MAX_SHUFFLES} shuffles of ${size} ranks all left a rank on itself`,
  );
}

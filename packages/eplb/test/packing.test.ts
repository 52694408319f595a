import { InvalidArgumentError } from "@lplb/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { balancedPacking } from "../src/index.js";
import { naiveBalancedPacking } from "./oracle.js";
import { type LoadKind, randomInt, randomLoads, seededRandom } from "./random.js";

describe("balancedPacking", () => {
  it("fills the lightest open pack, visiting items by weight descending", () => {
    // Sorted: 9 (item 1), 7 (item 4), 5 (item 3), 3 (item 0), 2 (item 2), 1 (item 5).
    // 9 -> pack 0; 7 -> pack 1; 5 -> pack 1 (7 < 9, now 12); 3 -> pack 0 (12); 2 -> tie 12/12 -> pack 0 (full);
    // 1 -> pack 1.
    const { packIndex, rankInPack } = balancedPacking([3, 9, 2, 5, 7, 1], 2);
    expect(Array.from(packIndex)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(rankInPack)).toEqual([1, 0, 2, 1, 0, 2]);
  });

  it("keeps item i in pack i when every pack takes one item", () => {
    const { packIndex, rankInPack } = balancedPacking([1, 5, 3], 3);
    expect(Array.from(packIndex)).toEqual([0, 1, 2]);
    expect(Array.from(rankInPack)).toEqual([0, 0, 0]);
  });

  it("puts everything into one pack in descending order with numPacks = 1", () => {
    const { packIndex, rankInPack } = balancedPacking(Float64Array.of(2, 8, 5, 8), 1);
    expect(Array.from(packIndex)).toEqual([0, 0, 0, 0]);
    // Equal weights 8 (items 1 and 3): the lower index arrives first.
    expect(Array.from(rankInPack)).toEqual([3, 0, 2, 1]);
  });

  it("breaks ties between equal items by lowest index and between equal packs by lowest pack", () => {
    const { packIndex, rankInPack } = balancedPacking([4, 4, 4, 4], 2);
    expect(Array.from(packIndex)).toEqual([0, 1, 0, 1]);
    expect(Array.from(rankInPack)).toEqual([0, 0, 1, 1]);
  });

  it("adds pack sums in float32, where float64 would choose another pack", () => {
    // 2^24 + 1 rounds to 2^24 in float32, so after items 0, 1, 2 both packs weigh 2^24 and item 3
    // goes to pack 0 (the lower index); in float64 pack 0 would weigh 2^24 + 1 and item 3 would go
    // to pack 1.
    const { packIndex } = balancedPacking([16777216, 16777216, 1, 1, 0.5, 0.5], 2);
    expect(Array.from(packIndex)).toEqual([0, 1, 0, 0, 1, 1]);
  });

  it("rounds weights to float32 before comparing them", () => {
    // 1 + 2^-30 and 1 are equal in float32, so they tie and keep index order.
    const { rankInPack } = balancedPacking([1, 1 + 2 ** -30], 1);
    expect(Array.from(rankInPack)).toEqual([0, 1]);
  });

  it("treats -0 like 0", () => {
    const { rankInPack } = balancedPacking([-0, 0, 1], 1);
    expect(Array.from(rankInPack)).toEqual([1, 2, 0]);
  });

  it("equals the naive packing on seeded random rows", () => {
    const kinds: LoadKind[] = ["distinct", "integers", "skewed", "zeros"];
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const numPacks = randomInt(random, 1, 12);
      const n = numPacks * randomInt(random, 1, 12);
      const weight = randomLoads(random, n, kinds[seed % kinds.length]);
      const expected = naiveBalancedPacking(weight, numPacks);
      const actual = balancedPacking(weight, numPacks);
      expect(Array.from(actual.packIndex), `seed ${seed}`).toEqual(expected.packIndex);
      expect(Array.from(actual.rankInPack), `seed ${seed}`).toEqual(expected.rankInPack);
    }
  });

  it("equals the naive packing on large rows (the radix-sort path)", () => {
    for (let seed = 1000; seed < 1010; seed++) {
      const random = seededRandom(seed);
      const numPacks = randomInt(random, 2, 40);
      const n = numPacks * randomInt(random, 2, 30);
      const weight = randomLoads(random, n, seed % 2 === 0 ? "skewed" : "integers");
      const expected = naiveBalancedPacking(weight, numPacks);
      const actual = balancedPacking(weight, numPacks);
      expect(Array.from(actual.packIndex), `seed ${seed}`).toEqual(expected.packIndex);
      expect(Array.from(actual.rankInPack), `seed ${seed}`).toEqual(expected.rankInPack);
    }
  });

  it("fills every pack with exactly n / numPacks items, ranked 0.. in each (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.float({ min: 0, max: 1e6, noNaN: true }), { minLength: 200, maxLength: 200 }),
        (numPacks, perPack, pool) => {
          const weight = pool.slice(0, numPacks * perPack);
          if (weight.length < numPacks * perPack) return;
          const { packIndex, rankInPack } = balancedPacking(weight, numPacks);
          const ranks = Array.from({ length: numPacks }, () => new Set<number>());
          for (let i = 0; i < weight.length; i++) ranks[packIndex[i]].add(rankInPack[i]);
          for (const set of ranks) expect([...set].sort((a, b) => a - b)).toEqual([...Array(perPack).keys()]);
          expect(Array.from(packIndex)).toEqual(naiveBalancedPacking(weight.map(Math.fround), numPacks).packIndex);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("does not modify its input", () => {
    const weight = Float64Array.of(3, 1, 2, 5);
    balancedPacking(weight, 2);
    expect(Array.from(weight)).toEqual([3, 1, 2, 5]);
  });

  it("rejects bad input with the argument and the expectation", () => {
    const cases: [() => unknown, string, string][] = [
      [() => balancedPacking([], 1), "weight", "expected a non-empty array or typed array of loads for weight"],
      [() => balancedPacking("abc" as never, 1), "weight", "expected a non-empty array"],
      [() => balancedPacking([1, -1], 1), "weight[1]", "expected a finite number >= 0 for weight[1], got -1"],
      [() => balancedPacking([1, Number.NaN], 1), "weight[1]", "got NaN"],
      [() => balancedPacking([Number.POSITIVE_INFINITY], 1), "weight[0]", "got Infinity"],
      [() => balancedPacking(["1"] as never, 1), "weight[0]", 'got "1"'],
      [() => balancedPacking([3e38, 3e38], 1), "weight", "sum to at most 1e+38"],
      [() => balancedPacking([1, 2, 3], 2), "numPacks", "expected a divisor of weight.length (3) for numPacks, got 2"],
      [() => balancedPacking([1, 2], 0), "numPacks", "expected an integer in [1, 2] for numPacks, got 0"],
      [() => balancedPacking([1, 2], 3), "numPacks", "got 3"],
      [() => balancedPacking([1, 2], 1.5), "numPacks", "got 1.5"],
    ];
    for (const [call, argument, message] of cases) {
      let error: unknown;
      try {
        call();
      } catch (caught) {
        error = caught;
      }
      expect(InvalidArgumentError.isInstance(error), message).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect((error as Error).message).toContain(message);
    }
  });
});

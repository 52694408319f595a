import { InvalidArgumentError } from "@lplb/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replicateExperts } from "../src/index.js";
import { naiveReplicate } from "./oracle.js";
import { type LoadKind, randomInt, randomLoads, seededRandom } from "./random.js";

/** The smallest achievable max of load / copies with `numPhysical` copies, as an exact fraction, by brute force. */
function optimalMaxRatio(weight: readonly number[], numPhysical: number): [number, number] {
  // Candidates are the fractions w / c; the optimum T is the smallest candidate for which
  // sum_e max(1, ceil(w_e / T)) <= numPhysical.
  const candidates: [number, number][] = [];
  for (const w of weight) for (let c = 1; c <= numPhysical; c++) candidates.push([w, c]);
  candidates.sort((a, b) => a[0] * b[1] - b[0] * a[1]);
  for (const [num, den] of candidates) {
    // copies needed so that w / copies <= num / den: copies >= w * den / num
    let needed = 0;
    for (const w of weight)
      needed += num === 0 ? (w === 0 ? 1 : Number.POSITIVE_INFINITY) : Math.max(1, Math.ceil((w * den) / num));
    if (needed <= numPhysical) return [num, den];
  }
  throw new Error("no feasible candidate");
}

describe("replicateExperts", () => {
  it("gives each extra copy to the expert with the largest load / copies", () => {
    // load/copies: [10, 4, 7] -> copy to 0 (ratios [5, 4, 7]) -> copy to 2 ([5, 4, 3.5]) -> copy to 0.
    const { phy2log, phyRank, logcnt } = replicateExperts([10, 4, 7], 6);
    expect(Array.from(phy2log)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(Array.from(phyRank)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(Array.from(logcnt)).toEqual([3, 1, 2]);
  });

  it("breaks ties by the lowest index", () => {
    const { phy2log } = replicateExperts([6, 6, 3], 5);
    // ratios [6, 6, 3] -> expert 0 ([3, 6, 3]) -> expert 1 ([3, 3, 3]).
    expect(Array.from(phy2log)).toEqual([0, 1, 2, 0, 1]);
    const zeros = replicateExperts([0, 0, 0], 5);
    expect(Array.from(zeros.phy2log)).toEqual([0, 1, 2, 0, 0]);
  });

  it("divides in float32", () => {
    // Expert 1 weighs float32(1/3). After two extra copies expert 0's ratio is float32(1 / 3), the
    // same number, so the tie goes to expert 0; in float64 1 / 3 would be smaller and expert 1 would win.
    const third = Math.fround(1 / 3);
    expect(1 / 3).toBeLessThan(third);
    const { phy2log } = replicateExperts([1, third], 5);
    expect(Array.from(phy2log)).toEqual([0, 1, 0, 0, 0]);
  });

  it("returns the identity when there is no extra copy", () => {
    const { phy2log, phyRank, logcnt } = replicateExperts([5, 1, 3], 3);
    expect(Array.from(phy2log)).toEqual([0, 1, 2]);
    expect(Array.from(phyRank)).toEqual([0, 0, 0]);
    expect(Array.from(logcnt)).toEqual([1, 1, 1]);
  });

  it("equals a naive O(n * r) greedy on seeded random rows", () => {
    const kinds: LoadKind[] = ["distinct", "integers", "skewed", "zeros"];
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const n = randomInt(random, 1, 40);
      const numPhysical = n + randomInt(random, 0, 3 * n);
      const weight = randomLoads(random, n, kinds[seed % kinds.length]);
      const expected = naiveReplicate(weight, numPhysical);
      const actual = replicateExperts(weight, numPhysical);
      expect(Array.from(actual.phy2log), `seed ${seed}`).toEqual(expected.phy2log);
      expect(Array.from(actual.phyRank), `seed ${seed}`).toEqual(expected.phyRank);
      expect(Array.from(actual.logcnt), `seed ${seed}`).toEqual(expected.logcnt);
    }
  });

  it("equals the naive greedy on a wide row (a deep selection tree)", () => {
    const random = seededRandom(77);
    const weight = randomLoads(random, 300, "skewed");
    const expected = naiveReplicate(weight, 400);
    expect(Array.from(replicateExperts(weight, 400).phy2log)).toEqual(expected.phy2log);
  });

  it("reaches the smallest possible max load / copies (property, exact fractions)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        (weight, extra) => {
          const numPhysical = weight.length + extra;
          const { logcnt } = replicateExperts(weight, numPhysical);
          // Largest w / c of the result, compared to the optimum by cross-multiplication.
          let [num, den] = [weight[0], logcnt[0]];
          weight.forEach((w, e) => {
            if (w * den > num * logcnt[e]) [num, den] = [w, logcnt[e]];
          });
          const [optNum, optDen] = optimalMaxRatio(weight, numPhysical);
          expect(num * optDen).toBe(optNum * den);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps its bookkeeping consistent (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 60 }),
        (weight, extra) => {
          const numPhysical = weight.length + extra;
          const { phy2log, phyRank, logcnt } = replicateExperts(weight, numPhysical);
          expect(logcnt.reduce((a, b) => a + b, 0)).toBe(numPhysical);
          const seen = weight.map(() => [] as number[]);
          phy2log.forEach((e, p) => {
            seen[e].push(phyRank[p]);
          });
          seen.forEach((ranks, e) => {
            expect(ranks).toEqual([...Array(logcnt[e]).keys()]);
            expect(phy2log[e]).toBe(e);
            expect(phyRank[e]).toBe(0);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects bad input with the argument and the expectation", () => {
    const cases: [() => unknown, string, string][] = [
      [() => replicateExperts([], 1), "weight", "expected a non-empty array or typed array of loads for weight"],
      [() => replicateExperts([1, -2], 3), "weight[1]", "expected a finite number >= 0 for weight[1], got -2"],
      [() => replicateExperts([Number.NaN], 3), "weight[0]", "got NaN"],
      [
        () => replicateExperts([1, 2, 3], 2),
        "numPhysical",
        "expected an integer in [3, 1073741824] for numPhysical, got 2",
      ],
      [() => replicateExperts([1, 2, 3], 3.5), "numPhysical", "got 3.5"],
      [() => replicateExperts([1, 2, 3], "4" as never), "numPhysical", 'got "4"'],
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

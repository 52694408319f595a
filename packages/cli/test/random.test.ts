import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { drawTokens, seededRandom, shuffle, zipfWeights } from "../src/random.js";
import { testSeed } from "./helpers.js";

describe("seededRandom", () => {
  it("is reproducible per seed, in [0, 1), and roughly uniform", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 20000 }, () => a());
    expect(Array.from({ length: 20000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(xs.slice(0, 20));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Deciles of 20000 uniform draws: each holds 2000 +- 5 sigma (sigma ~ 42).
    const deciles = new Array(10).fill(0);
    for (const x of xs) deciles[Math.floor(x * 10)]++;
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(212);
  });
});

describe("drawTokens", () => {
  it("picks topK distinct experts per token with frequencies proportional to the weights (top-1)", () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const weights = [5, 1, 0, 3, 1];
    const ids = drawTokens(weights, 50000, 1, random);
    const counts = new Array(5).fill(0);
    for (const e of ids) counts[e]++;
    const total = 10;
    for (let e = 0; e < 5; e++) {
      const expected = (50000 * weights[e]) / total;
      const sigma = Math.sqrt(50000 * (weights[e] / total) * (1 - weights[e] / total));
      expect(Math.abs(counts[e] - expected), `seed ${seed}, expert ${e}`).toBeLessThanOrEqual(5 * sigma + 1e-9);
    }
    expect(counts[2]).toBe(0);
  });

  it("never repeats an expert within a token and never picks a zero-weight expert", () => {
    const seed = testSeed();
    const ids = drawTokens([10, 0, 1, 1, 1, 0, 1], 2000, 4, seededRandom(seed));
    expect(ids.length).toBe(8000);
    for (let t = 0; t < 2000; t++) {
      const row = Array.from(ids.subarray(t * 4, t * 4 + 4));
      expect(new Set(row).size, `seed ${seed}`).toBe(4);
      expect(row.includes(1) || row.includes(5)).toBe(false);
    }
  });

  it("rejects bad input with InvalidArgumentError", () => {
    const random = seededRandom(1);
    expect(() => drawTokens([1, 0, 0], 4, 2, random)).toThrow(
      /expected topK at most the number of experts with load > 0 \(1\), got 2/,
    );
    expect(() => drawTokens([1, Number.NaN], 4, 1, random)).toThrow(InvalidArgumentError);
    expect(() => drawTokens([1, -1], 4, 1, random)).toThrow(/weights\[1\]/);
    expect(() => drawTokens([1, 1], -1, 1, random)).toThrow(/tokens/);
    expect(() => drawTokens([1, 1], 1, 0, random)).toThrow(/topK/);
  });
});

describe("zipfWeights", () => {
  it("gives weights 1/(k+1)^s over a permutation, normalised", () => {
    const w = zipfWeights(100, 1.2, seededRandom(5));
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const sorted = Array.from(w).sort((a, b) => b - a);
    for (let k = 1; k < 100; k++) expect(sorted[k - 1] / sorted[k]).toBeCloseTo(((k + 1) / k) ** 1.2, 10);
    // The hottest expert is not expert 0 for every seed: the order is shuffled.
    const hottest = new Set(
      [1, 2, 3, 4, 5].map((seed) =>
        Array.from(zipfWeights(100, 1, seededRandom(seed))).indexOf(
          Math.max(...zipfWeights(100, 1, seededRandom(seed))),
        ),
      ),
    );
    expect(hottest.size).toBeGreaterThan(1);
    expect(Array.from(zipfWeights(4, 0, seededRandom(1)))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(() => zipfWeights(0, 1, seededRandom(1))).toThrow(/experts/);
    expect(() => zipfWeights(4, -1, seededRandom(1))).toThrow(/exponent/);
  });
});

describe("shuffle", () => {
  it("permutes in place", () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => i);
    shuffle(values, seededRandom(3));
    expect(Array.from(values).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(values)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

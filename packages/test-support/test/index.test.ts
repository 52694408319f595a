import { describe, expect, it } from "vitest";
import { median, medianMicroseconds, mulberry32 } from "../src/index.js";

describe("mulberry32", () => {
  it("replays the same sequence from the same seed and another from another", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(first);
  });

  it("gives numbers in [0, 1) spread over the interval", () => {
    const next = mulberry32(Date.now());
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const x = next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      buckets[Math.floor(x * 10)]++;
    }
    // 2000 expected per bucket; 5 standard deviations is about 212.
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(250);
  });

  it("keeps the sequence every seeded test and benchmark was written against", () => {
    // The first three outputs for seed 1, times 2^32: a changed generator changes every seeded
    // input in the repository, so it has to be deliberate.
    const next = mulberry32(1);
    expect([next(), next(), next()].map((x) => x * 4294967296)).toEqual([2693262067, 11749833, 2265367787]);
  });
});

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("leaves its input alone and agrees with a sort on random samples", () => {
    const next = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 30) }, () => next() * 100);
      const copy = [...values];
      const sorted = [...values].sort((a, b) => a - b);
      const n = sorted.length;
      const expected = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      expect(median(values)).toBe(expected);
      expect(values).toEqual(copy);
    }
  });

  it("refuses an empty sample", () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe("medianMicroseconds", () => {
  it("calls the body for the warm-up and every sample, and times a slow body as slow", () => {
    let calls = 0;
    const fast = medianMicroseconds(() => calls++, 3, 5);
    expect(calls).toBe(3 + 3 * 5);
    expect(fast).toBeGreaterThanOrEqual(0);
    const slow = medianMicroseconds(
      () => {
        const until = process.hrtime.bigint() + 2_000_000n;
        while (process.hrtime.bigint() < until) {}
      },
      1,
      3,
    );
    expect(slow).toBeGreaterThanOrEqual(2000);
  });
});

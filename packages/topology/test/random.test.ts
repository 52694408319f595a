import { InvalidArgumentError } from "@lplb/errors";
import { expect, it, describe as suite } from "vitest";
import { randomTopology, Topology } from "../src/index.js";
import { columns, isValidR2o, mulberry32, withSeed } from "./support.js";

suite("randomTopology", () => {
  it("builds valid topologies of the requested shape", () => {
    withSeed((random) => {
      for (let trial = 0; trial < 200; trial++) {
        const groupSize = 2 + Math.floor(random() * 60);
        const slots = 1 + Math.floor(random() * 6);
        const topology = randomTopology(groupSize, slots, random);
        expect(topology).toBeInstanceOf(Topology);
        expect([topology.groupSize, topology.slots, topology.name]).toEqual([
          groupSize,
          slots,
          `random-${groupSize}x${slots}`,
        ]);
        expect(isValidR2o(topology.r2o)).toBe(true);
      }
    });
  });

  it("is reproducible from a seeded generator", () => {
    const first = randomTopology(32, 3, mulberry32(1234));
    const second = randomTopology(32, 3, mulberry32(1234));
    expect(first.r2o).toEqual(second.r2o);
    expect(randomTopology(32, 3, mulberry32(1235)).r2o).not.toEqual(first.r2o);
  });

  it("draws every derangement of 4 ranks about equally often", () => {
    // The 9 derangements of 4 elements; chi-square with 8 degrees of freedom, bound at p = 1e-9.
    withSeed((random) => {
      const draws = 18_000;
      const counts = new Map<string, number>();
      for (let k = 0; k < draws; k++) {
        const key = columns(randomTopology(4, 1, random).r2o)[0].join("");
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(counts.size).toBe(9);
      const expected = draws / 9;
      let chiSquare = 0;
      for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
      expect(chiSquare).toBeLessThan(58.3);
    });
  });

  it("handles extreme but legal generators without hanging", () => {
    // Always 0: every step swaps with position 0, which yields the cycle [1, 2, ..., n-1, 0].
    expect(columns(randomTopology(6, 1, () => 0).r2o)).toEqual([[1, 2, 3, 4, 5, 0]]);
    // Always just below 1: no swap ever happens, so every shuffle is the identity.
    const error = (() => {
      try {
        randomTopology(6, 1, () => 0.999_999);
      } catch (caught) {
        return caught as InvalidArgumentError;
      }
      return undefined;
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error?.argument).toBe("random");
    expect(error?.message).toBe(
      "expected random to return uniform numbers in [0, 1), but 100 shuffles of 6 ranks all left a rank on itself",
    );
  });

  it("validates every argument", () => {
    const random = mulberry32(7);
    expect(() => randomTopology(1, 2, random)).toThrow("expected an integer in [2, 65536] for groupSize, got 1");
    expect(() => randomTopology(8.5, 2, random)).toThrow("for groupSize, got 8.5");
    expect(() => randomTopology(8, 0, random)).toThrow("expected an integer in [1, 64] for slots, got 0");
    expect(() => randomTopology(8, 65, random)).toThrow("for slots, got 65");
    expect(() => randomTopology(8, 2, undefined as unknown as () => number)).toThrow(
      "expected a function returning numbers in [0, 1) for random, got undefined",
    );
    expect(() => randomTopology(8, 2, () => 1)).toThrow("expected a number in [0, 1) for random(), got 1");
    expect(() => randomTopology(8, 2, () => -0.5)).toThrow("for random(), got -0.5");
    expect(() => randomTopology(8, 2, () => Number.NaN)).toThrow("for random(), got NaN");
    expect(() => randomTopology(8, 2, (() => "0.5") as unknown as () => number)).toThrow('for random(), got "0.5"');
  });
});

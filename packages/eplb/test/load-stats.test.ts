import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { ExponentialMovingLoad, rebalanceExperts, SlidingWindowLoad } from "../src/index.js";
import { randomInt, seededRandom } from "./random.js";

function expectInvalid(call: () => unknown, argument: string, message: string): void {
  let error: unknown;
  try {
    call();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error), `${argument}: ${message}`).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  expect((error as Error).message).toContain(message);
}

const rows = (value: Float64Array[]) => value.map((row) => Array.from(row));

describe("SlidingWindowLoad", () => {
  it("sums the last windowSize batches", () => {
    const window = new SlidingWindowLoad({ numExperts: 3, windowSize: 2 });
    expect(rows(window.value())).toEqual([[0, 0, 0]]);
    window.push([[1, 2, 3]]);
    window.push([[10, 20, 30]]);
    expect(rows(window.value())).toEqual([[11, 22, 33]]);
    window.push([[100, 200, 300]]);
    expect(rows(window.value())).toEqual([[110, 220, 330]]);
    expect(window.batches).toBe(2);
    window.reset();
    expect(window.batches).toBe(0);
    expect(rows(window.value())).toEqual([[0, 0, 0]]);
  });

  it("takes rows per layer or one flat row-major array", () => {
    const a = new SlidingWindowLoad({ numExperts: 2, numLayers: 2, windowSize: 3 });
    const b = new SlidingWindowLoad({ numExperts: 2, numLayers: 2, windowSize: 3 });
    a.push([
      [1, 2],
      [3, 4],
    ]);
    b.push(Float64Array.of(1, 2, 3, 4));
    expect(rows(a.value())).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(rows(b.value())).toEqual(rows(a.value()));
  });

  it("equals the plain sum of the last N pushes on seeded random integer counts", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const numExperts = randomInt(random, 1, 12);
      const numLayers = randomInt(random, 1, 3);
      const windowSize = randomInt(random, 1, 6);
      const window = new SlidingWindowLoad({ numExperts, numLayers, windowSize });
      const history: number[][][] = [];
      for (let step = 0; step < 25; step++) {
        const batch = Array.from({ length: numLayers }, () =>
          Array.from({ length: numExperts }, () => randomInt(random, 0, 1000)),
        );
        history.push(batch);
        window.push(batch);
        const recent = history.slice(-windowSize);
        const expected = Array.from({ length: numLayers }, (_, l) =>
          Array.from({ length: numExperts }, (_, e) => recent.reduce((sum, b) => sum + b[l][e], 0)),
        );
        expect(rows(window.value()), `seed ${seed} step ${step}`).toEqual(expected);
      }
    }
  });

  it("stays close to the plain sum and never negative with fractional counts", () => {
    const random = seededRandom(7);
    const window = new SlidingWindowLoad({ numExperts: 4, windowSize: 3 });
    const history: number[][] = [];
    for (let step = 0; step < 200; step++) {
      // Huge then tiny values maximise cancellation error in a running sum.
      const batch = Array.from({ length: 4 }, () => (step % 7 === 0 ? 1e12 * random() : random() * 1e-3));
      history.push(batch);
      window.push([batch]);
      const recent = history.slice(-3);
      const value = window.value()[0];
      for (let e = 0; e < 4; e++) {
        const expected = recent.reduce((sum, b) => sum + b[e], 0);
        expect(value[e]).toBeGreaterThanOrEqual(0);
        expect(Math.abs(value[e] - expected), `step ${step}`).toBeLessThanOrEqual(1e-3 * Math.max(1, expected) + 1e-3);
      }
    }
  });

  it("recomputes the sum from the stored batches once per window after fractional counts", () => {
    const window = new SlidingWindowLoad({ numExperts: 1, windowSize: 2 });
    // 1e16 + 0.5 rounds to 1e16; subtracting 1e16 later leaves the running sum off by 0.5 until
    // the window wraps and the sum is rebuilt from the two stored batches (0.25 and 0.125).
    for (const count of [1e16, 0.5, 0.25, 0.125]) window.push([[count]]);
    expect(window.value()[0][0]).toBe(0.375);
  });

  it("returns copies that callers may modify, ready for rebalanceExperts", () => {
    const window = new SlidingWindowLoad({ numExperts: 4, windowSize: 2 });
    window.push([[5, 1, 1, 1]]);
    const value = window.value();
    value[0][0] = 999;
    expect(window.value()[0][0]).toBe(5);
    expect(Array.from(rebalanceExperts(window.value(), { numReplicas: 5, numGpus: 1 }).logcnt[0])).toEqual([
      2, 1, 1, 1,
    ]);
  });

  it("rejects bad options and bad batches, leaving the window unchanged", () => {
    expectInvalid(() => new SlidingWindowLoad({ numExperts: 0, windowSize: 2 }), "options.numExperts", "got 0");
    expectInvalid(() => new SlidingWindowLoad({ numExperts: 2.5, windowSize: 2 }), "options.numExperts", "got 2.5");
    expectInvalid(() => new SlidingWindowLoad({ numExperts: 2, windowSize: 0 }), "options.windowSize", "got 0");
    expectInvalid(
      () => new SlidingWindowLoad({ numExperts: 2, windowSize: Number.NaN }),
      "options.windowSize",
      "got NaN",
    );
    expectInvalid(
      () => new SlidingWindowLoad({ numExperts: 2, numLayers: 0, windowSize: 1 }),
      "options.numLayers",
      "got 0",
    );
    expectInvalid(() => new SlidingWindowLoad(null as never), "options", "expected an options object");
    const window = new SlidingWindowLoad({ numExperts: 2, numLayers: 2, windowSize: 2 });
    window.push([
      [1, 1],
      [1, 1],
    ]);
    expectInvalid(() => window.push([[1, 1]]), "counts", "expected 2 rows of 2 counts, or one array of 4");
    expectInvalid(() => window.push([1, 2, 3]), "counts", "got an array of length 3");
    expectInvalid(() => window.push(5 as never), "counts", "got 5");
    expectInvalid(() => window.push([[1, 1], [1]]), "counts[1]", "expected an array of 2 counts");
    expectInvalid(
      () =>
        window.push([
          [1, 1],
          [1, -1],
        ]),
      "counts[1][1]",
      "expected a finite number >= 0 for counts[1][1], got -1",
    );
    expectInvalid(() => window.push([1, 1, Number.NaN, 1]), "counts[2]", "got NaN");
    expectInvalid(
      () =>
        window.push([
          [1, 1],
          [1, Number.POSITIVE_INFINITY],
        ]),
      "counts[1][1]",
      "got Infinity",
    );
    expect(window.batches).toBe(1);
    expect(rows(window.value())).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });
});

describe("ExponentialMovingLoad", () => {
  it("takes the first batch as is, then mixes in alpha of each new batch", () => {
    const ema = new ExponentialMovingLoad({ numExperts: 2, alpha: 0.25 });
    expect(rows(ema.value())).toEqual([[0, 0]]);
    ema.push([[8, 0]]);
    expect(rows(ema.value())).toEqual([[8, 0]]);
    ema.push([[0, 8]]);
    expect(rows(ema.value())).toEqual([[6, 2]]);
    expect(ema.batches).toBe(2);
    ema.reset();
    expect(ema.batches).toBe(0);
    ema.push([[4, 4]]);
    expect(rows(ema.value())).toEqual([[4, 4]]);
  });

  it("equals the closed-form weighted sum of past batches", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const alpha = 0.05 + 0.95 * random();
      const ema = new ExponentialMovingLoad({ numExperts: 3, numLayers: 2, alpha });
      const history: number[][] = [];
      for (let step = 0; step < 30; step++) {
        const batch = Array.from({ length: 6 }, () => randomInt(random, 0, 100));
        history.push(batch);
        ema.push(Float64Array.from(batch));
        // value = (1 - alpha)^t * x_0 + sum_{k=1..t} alpha (1 - alpha)^(t - k) x_k
        const t = history.length - 1;
        const value = ema.value();
        for (let i = 0; i < 6; i++) {
          let expected = (1 - alpha) ** t * history[0][i];
          for (let k = 1; k <= t; k++) expected += alpha * (1 - alpha) ** (t - k) * history[k][i];
          expect(value[Math.floor(i / 3)][i % 3], `seed ${seed} step ${step}`).toBeCloseTo(expected, 8);
        }
      }
    }
  });

  it("rejects bad options and bad batches, leaving the average unchanged", () => {
    expectInvalid(
      () => new ExponentialMovingLoad({ numExperts: 2, alpha: 0 }),
      "options.alpha",
      "expected a number in (0, 1]",
    );
    expectInvalid(() => new ExponentialMovingLoad({ numExperts: 2, alpha: 1.5 }), "options.alpha", "got 1.5");
    expectInvalid(() => new ExponentialMovingLoad({ numExperts: 2, alpha: Number.NaN }), "options.alpha", "got NaN");
    expectInvalid(
      () => new ExponentialMovingLoad({ numExperts: 2, alpha: undefined as never }),
      "options.alpha",
      "got undefined",
    );
    expectInvalid(() => new ExponentialMovingLoad({ numExperts: -1, alpha: 0.5 }), "options.numExperts", "got -1");
    expectInvalid(
      () => new ExponentialMovingLoad({ numExperts: 2, numLayers: 1.5, alpha: 0.5 }),
      "options.numLayers",
      "got 1.5",
    );
    const ema = new ExponentialMovingLoad({ numExperts: 2, alpha: 0.5 });
    ema.push([[2, 2]]);
    expectInvalid(() => ema.push([[1, -1]]), "counts[0][1]", "got -1");
    expectInvalid(() => ema.push([[1, 2, 3]]), "counts[0]", "expected an array of 2 counts");
    expect(rows(ema.value())).toEqual([[2, 2]]);
    expect(ema.batches).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { runBenchmarks } from "../src/bench.js";
import { loadHighs, toLpFormat } from "../src/highs.js";

describe("loadHighs", () => {
  it("says clearly when the module is missing, without throwing", async () => {
    const result = await loadHighs("highs-package-that-does-not-exist");
    expect(result.available).toBe(false);
    if (!result.available) {
      expect(result.reason).toMatch(/^the "highs-package-that-does-not-exist" package is not installed \(/);
      expect(result.reason).toMatch(/install it next to @lplb\/cli \(npm install highs\) to compare with HiGHS$/);
    }
  });
});

describe("toLpFormat", () => {
  it("writes LPs HiGHS solves to the optimum computed by hand", async () => {
    const highs = await loadHighs();
    if (!highs.available) {
      expect(highs.reason).toMatch(/not installed/);
      return;
    }
    // min -x - y  s.t.  x + 2y <= 4,  3x + y <= 6,  x, y >= 0: the vertex x = 8/5, y = 6/5, objective -14/5.
    const lp = {
      nVars: 2,
      c: Float64Array.from([-1, -1]),
      aUb: Float64Array.from([1, 2, 3, 1]),
      bUb: Float64Array.from([4, 6]),
    };
    const solution = highs.solver.solve(toLpFormat(lp), { output_flag: false });
    expect(solution.Status).toBe("Optimal");
    expect(solution.ObjectiveValue).toBeCloseTo(-2.8, 9);
    expect(solution.Columns.x0.Primal).toBeCloseTo(1.6, 9);
    // Equalities, a free variable and an upper bound: min x0 + x1  s.t.  x0 - x1 = -3, x1 <= 2, x0 free.
    const eq = {
      nVars: 2,
      c: Float64Array.from([1, 1]),
      aEq: Float64Array.from([1, -1]),
      bEq: Float64Array.from([-3]),
      lower: Float64Array.from([Number.NEGATIVE_INFINITY, 0]),
      upper: Float64Array.from([Number.POSITIVE_INFINITY, 2]),
    };
    const text = toLpFormat(eq);
    expect(text).toContain(" -inf <= x0 <= inf");
    const second = highs.solver.solve(text, { output_flag: false });
    // x0 = x1 - 3, objective 2 x1 - 3, smallest at x1 = 0.
    expect(second.ObjectiveValue).toBeCloseTo(-3, 9);
  });
});

describe("runBenchmarks", () => {
  it("runs every benchmark without HiGHS when it is unavailable", () => {
    const names: string[] = [];
    const results = runBenchmarks({
      repeats: 1,
      highs: { available: false, reason: "test" },
      onStart: (name) => names.push(name),
    });
    // Every announced benchmark has a result; each LPLB case also has a row for the min-max solver.
    expect(results.map((r) => r.name).filter((name) => !name.endsWith(", min-max solver"))).toEqual(names);
    expect(results).toHaveLength(11);
    expect(results.filter((r) => r.name.endsWith(", min-max solver"))).toHaveLength(4);
    for (const r of results) {
      expect(r.highsMedianMicros).toBeUndefined();
      expect(r.medianMicros).toBeGreaterThan(0);
    }
  });
});

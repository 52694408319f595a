import { mulberry32 } from "@lplb/test-support";
import { describe, expect, it } from "vitest";
import { type OracleLinearProgram, solveWithHighs, toCplexLp } from "../src/index.js";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("solveWithHighs on LPs with known answers", () => {
  it("solves a 2-variable LP with two active inequalities", async () => {
    // min -x0 - x1, x0 + 2 x1 <= 4, 3 x0 + x1 <= 6: vertex (1.6, 1.2), value -2.8.
    const result = await solveWithHighs({ nVars: 2, c: f64(-1, -1), aUb: f64(1, 2, 3, 1), bUb: f64(4, 6) });
    expect(result.status).toBe("optimal");
    expect(result.rawStatus).toBe("Optimal");
    expect(result.objective).toBeCloseTo(-2.8, 9);
    expect(result.x[0]).toBeCloseTo(1.6, 9);
    expect(result.x[1]).toBeCloseTo(1.2, 9);
  });

  it("honours equalities", async () => {
    // min x0 + x1, x0 + 2 x1 >= 2, x0 = 0.5: x = (0.5, 0.75), value 1.25.
    const result = await solveWithHighs({
      nVars: 2,
      c: f64(1, 1),
      aEq: f64(1, 0),
      bEq: f64(0.5),
      aUb: f64(-1, -2),
      bUb: f64(-2),
    });
    expect(result.status).toBe("optimal");
    expect(result.objective).toBeCloseTo(1.25, 9);
    expect(Array.from(result.x)).toEqual([expect.closeTo(0.5, 9), expect.closeTo(0.75, 9)]);
  });

  it("honours negative, infinite and finite upper bounds", async () => {
    // min -x0 + x1, x0 + 2 x1 <= 2, -inf <= x0 <= 1.5, -3 <= x1: x = (1.5, -3), value -4.5.
    const result = await solveWithHighs({
      nVars: 2,
      c: f64(-1, 1),
      aUb: f64(1, 2),
      bUb: f64(2),
      lower: f64(Number.NEGATIVE_INFINITY, -3),
      upper: f64(1.5, Number.POSITIVE_INFINITY),
    });
    expect(result.status).toBe("optimal");
    expect(result.objective).toBeCloseTo(-4.5, 9);
    expect(result.x[0]).toBeCloseTo(1.5, 9);
    expect(result.x[1]).toBeCloseTo(-3, 9);
  });

  it("uses the default bounds 0 <= x < inf when none are given", async () => {
    // min x0 - x1 with x1 <= 2 via a row: x = (0, 2), value -2.
    const result = await solveWithHighs({ nVars: 2, c: f64(1, -1), aUb: f64(0, 1), bUb: f64(2) });
    expect(result.status).toBe("optimal");
    expect(result.objective).toBeCloseTo(-2, 9);
    expect(result.x[0]).toBeCloseTo(0, 9);
  });

  it("solves a problem without constraint rows", async () => {
    const result = await solveWithHighs({
      nVars: 2,
      c: f64(1, -1),
      lower: f64(1, Number.NEGATIVE_INFINITY),
      upper: f64(2, 3),
    });
    expect(result.status).toBe("optimal");
    expect(result.objective).toBeCloseTo(-2, 9);
    expect(Array.from(result.x)).toEqual([expect.closeTo(1, 9), expect.closeTo(3, 9)]);
  });

  it("reports an infeasible row as primal_infeasible", async () => {
    const result = await solveWithHighs({ nVars: 1, c: f64(1), aUb: f64(1), bUb: f64(-1) });
    expect(result.status).toBe("primal_infeasible");
    expect(Number.isNaN(result.objective)).toBe(true);
    expect(result.x.length).toBe(1);
  });

  it("reports crossing bounds as primal_infeasible", async () => {
    const result = await solveWithHighs({ nVars: 1, c: f64(1), lower: f64(2), upper: f64(1) });
    expect(result.status).toBe("primal_infeasible");
  });

  it("reports inconsistent equalities as primal_infeasible", async () => {
    const result = await solveWithHighs({ nVars: 2, c: f64(0, 0), aEq: f64(1, 1, 1, 1), bEq: f64(1, 2) });
    expect(result.status).toBe("primal_infeasible");
  });

  it("reports an unbounded objective as dual_infeasible", async () => {
    const result = await solveWithHighs({ nVars: 2, c: f64(-1, 0), aUb: f64(-1, 1), bUb: f64(1) });
    expect(result.status).toBe("dual_infeasible");
    expect(Number.isNaN(result.x[0])).toBe(true);
  });

  it("reports a free unbounded variable without rows as dual_infeasible", async () => {
    const result = await solveWithHighs({
      nVars: 1,
      c: f64(1),
      lower: f64(Number.NEGATIVE_INFINITY),
      upper: f64(Number.POSITIVE_INFINITY),
    });
    expect(result.status).toBe("dual_infeasible");
  });

  it("reports an infeasible problem with an unbounded direction as primal_infeasible", async () => {
    // x0 <= -1 is impossible; x1 alone would be unbounded.
    const result = await solveWithHighs({
      nVars: 2,
      c: f64(0, -1),
      aUb: f64(1, 0),
      bUb: f64(-1),
      lower: f64(0, Number.NEGATIVE_INFINITY),
      upper: f64(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
    });
    expect(result.status).toBe("primal_infeasible");
  });

  it("reports a problem that is both primal and dual infeasible as primal_infeasible", async () => {
    // x0 - x1 <= -1 and x1 - x0 <= -1 contradict each other; the objective direction is unbounded.
    const free = f64(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const result = await solveWithHighs({
      nVars: 2,
      c: f64(-1, -1),
      aUb: f64(1, -1, -1, 1),
      bUb: f64(-1, -1),
      lower: free,
      upper: f64(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
    });
    expect(result.status).toBe("primal_infeasible");
  });

  it("matches the optimum of random LPs built from a known KKT point", async () => {
    // x* in the box [0, 1]^n with some coordinates on a bound, some rows active; duals chosen
    // non-negative on the active set only. Then c = aEq' yEq - aUb' yUb + zL - zU makes x* optimal,
    // so the optimal value is c'x*.
    const seed = (Date.now() ^ 0x5eed) >>> 0;
    const random = mulberry32(seed);
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(random() * 8);
      const mEq = Math.floor(random() * 3);
      const mUb = 1 + Math.floor(random() * 6);
      const x = new Float64Array(n);
      const zL = new Float64Array(n);
      const zU = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const kind = random();
        if (kind < 0.3) {
          x[j] = 0;
          zL[j] = random() * 2;
        } else if (kind < 0.5) {
          x[j] = 1;
          zU[j] = random() * 2;
        } else x[j] = random();
      }
      const aEq = Float64Array.from({ length: mEq * n }, () => random() * 2 - 1);
      const aUb = Float64Array.from({ length: mUb * n }, () => random() * 2 - 1);
      const bEq = new Float64Array(mEq);
      const bUb = new Float64Array(mUb);
      const yEq = Float64Array.from({ length: mEq }, () => random() * 2 - 1);
      const yUb = new Float64Array(mUb);
      for (let i = 0; i < mEq; i++) for (let j = 0; j < n; j++) bEq[i] += aEq[i * n + j] * x[j];
      for (let i = 0; i < mUb; i++) {
        for (let j = 0; j < n; j++) bUb[i] += aUb[i * n + j] * x[j];
        if (random() < 0.5) yUb[i] = random() * 2;
        else bUb[i] += random();
      }
      const c = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        c[j] = zL[j] - zU[j];
        for (let i = 0; i < mEq; i++) c[j] += aEq[i * n + j] * yEq[i];
        for (let i = 0; i < mUb; i++) c[j] -= aUb[i * n + j] * yUb[i];
      }
      let expected = 0;
      for (let j = 0; j < n; j++) expected += c[j] * x[j];
      const lp: OracleLinearProgram = {
        nVars: n,
        c,
        ...(mEq > 0 ? { aEq, bEq } : {}),
        aUb,
        bUb,
        lower: new Float64Array(n),
        upper: new Float64Array(n).fill(1),
      };
      const result = await solveWithHighs(lp);
      const context = `seed ${seed}, trial ${trial}`;
      expect(result.status, context).toBe("optimal");
      expect(Math.abs(result.objective - expected), context).toBeLessThan(1e-6 * (1 + Math.abs(expected)));
      for (let i = 0; i < mUb; i++) {
        let activity = 0;
        for (let j = 0; j < n; j++) activity += aUb[i * n + j] * result.x[j];
        expect(activity, context).toBeLessThanOrEqual(bUb[i] + 1e-6);
      }
    }
  });
});

describe("toCplexLp", () => {
  it("writes numbers exactly and every bound explicitly", () => {
    const text = toCplexLp({
      nVars: 2,
      c: f64(0.1 + 0.2, 0),
      aUb: f64(-1e-7, 0),
      bUb: f64(1 / 3),
      lower: f64(Number.NEGATIVE_INFINITY, -2),
      upper: f64(5, Number.POSITIVE_INFINITY),
    });
    expect(text).toContain("+ 0.30000000000000004 x0");
    expect(text).toContain("+ 0 x1");
    expect(text).toContain("- 1e-7 x0");
    expect(text).toContain(`<= ${1 / 3}`);
    expect(text).toContain("-inf <= x0 <= 5");
    expect(text).toContain("-2 <= x1 <= inf");
  });

  it("rejects malformed problems", () => {
    expect(() => toCplexLp({ nVars: 0, c: f64() })).toThrow(/nVars/);
    expect(() => toCplexLp({ nVars: 2, c: f64(1) })).toThrow(/c to be a Float64Array of length 2/);
    expect(() => toCplexLp({ nVars: 1, c: f64(Number.NaN) })).toThrow(/c\[0\] is NaN/);
    expect(() => toCplexLp({ nVars: 1, c: f64(1), aUb: f64(1) })).toThrow(/aUb is given without bUb/);
    expect(() => toCplexLp({ nVars: 1, c: f64(1), aUb: f64(1, 2), bUb: f64(1) })).toThrow(/aUb/);
    expect(() => toCplexLp({ nVars: 1, c: f64(1), aEq: f64(Number.POSITIVE_INFINITY), bEq: f64(1) })).toThrow(
      /aEq\[0\] is Infinity/,
    );
    expect(() => toCplexLp({ nVars: 1, c: f64(1e16) })).toThrow(/too large/);
    expect(() => toCplexLp({ nVars: 1, c: f64(1), lower: f64(Number.POSITIVE_INFINITY) })).toThrow(/bounds of x0/);
  });
});

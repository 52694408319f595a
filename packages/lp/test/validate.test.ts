import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LinearProgram, type LpBatch, validateLinearProgram, validateLpBatch } from "../src/index.js";
import { expectInvalid } from "./helpers.js";

const f64 = (...values: number[]) => Float64Array.from(values);
const { POSITIVE_INFINITY: INF, NEGATIVE_INFINITY: NINF } = Number;

// 2 variables, 1 equality, 2 inequalities.
const lp: LinearProgram = {
  nVars: 2,
  c: f64(1, 2),
  aEq: f64(1, 1),
  bEq: f64(1),
  aUb: f64(1, 0, 0, 1),
  bUb: f64(3, 4),
  lower: f64(NINF, 0),
  upper: f64(5, INF),
};

// 2 LPs of that shape.
const batch: LpBatch = {
  shape: { nVars: 2, mEq: 1, mUb: 2 },
  count: 2,
  c: f64(1, 2, 3, 4),
  aEq: f64(1, 1, 1, 1),
  bEq: f64(1, 2),
  aUb: f64(1, 0, 0, 1, 1, 0, 0, 1),
  bUb: f64(3, 4, 5, 6),
  lower: f64(NINF, 0, 0, 0),
  upper: f64(5, INF, 1, 1),
};

describe("validateLinearProgram", () => {
  it("accepts well-formed problems and returns them unchanged", () => {
    expect(validateLinearProgram(lp)).toBe(lp);
    expect(validateLinearProgram({ nVars: 1, c: f64(0) })).toBeTruthy();
    expect(validateLinearProgram({ nVars: 1, c: f64(0), aEq: f64(), bEq: f64(), aUb: f64(), bUb: f64() })).toBeTruthy();
    expect(validateLinearProgram({ nVars: 1, c: f64(0), bUb: f64() })).toBeTruthy();
    expect(validateLinearProgram({ nVars: 1, c: f64(0), lower: f64(3), upper: f64(3) })).toBeTruthy();
    expect(validateLinearProgram({ nVars: 1, c: f64(0), upper: f64(-1), lower: f64(NINF) })).toBeTruthy();
  });

  it("rejects a missing or empty problem", () => {
    expectInvalid(() => validateLinearProgram(null as never), "lp", "expected a LinearProgram object for lp, got null");
    expectInvalid(() => validateLinearProgram(3 as never, "problem"), "problem", /for problem, got 3/);
    expectInvalid(
      () => validateLinearProgram({ ...lp, nVars: 0 }),
      "lp.nVars",
      /expected an integer in \[1, \d+\] for lp.nVars, got 0/,
    );
    expectInvalid(() => validateLinearProgram({ ...lp, nVars: 2.5 }), "lp.nVars", /got 2.5/);
    expectInvalid(() => validateLinearProgram({ ...lp, nVars: "2" as never }), "lp.nVars", /got "2"/);
  });

  it("rejects wrong array kinds and lengths", () => {
    expectInvalid(
      () => validateLinearProgram({ ...lp, c: [1, 2] as never }),
      "lp.c",
      "expected a Float64Array of length 2 for lp.c, got an array of length 2",
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, c: new Float32Array(2) as never }),
      "lp.c",
      /got Float32Array\(2\)/,
    );
    expectInvalid(() => validateLinearProgram({ ...lp, c: f64(1) }), "lp.c", /got Float64Array\(1\)/);
    expectInvalid(
      () => validateLinearProgram({ ...lp, aEq: f64(1, 1, 1) }),
      "lp.aEq",
      /length 2 \(1 rows x 2 columns\)/,
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, aUb: f64(1, 1, 1) }),
      "lp.aUb",
      /length 4 \(2 rows x 2 columns\)/,
    );
    expectInvalid(() => validateLinearProgram({ ...lp, bUb: [3, 4] as never }), "lp.bUb", /a Float64Array for lp.bUb/);
    expectInvalid(() => validateLinearProgram({ ...lp, lower: f64(0) }), "lp.lower", /length 2/);
    expectInvalid(
      () => validateLinearProgram({ ...lp, upper: new Int32Array(2) as never }),
      "lp.upper",
      /Int32Array\(2\)/,
    );
    expectInvalid(
      () => validateLinearProgram({ nVars: 1, c: f64(0), aEq: f64(), bEq: f64(), aUb: f64(1), bUb: f64() }),
      "lp.aUb",
      /length 0/,
    );
  });

  it("rejects a matrix without its right-hand side and the reverse", () => {
    expectInvalid(
      () => validateLinearProgram({ ...lp, bEq: undefined }),
      "lp.bEq",
      "expected a Float64Array because lp.aEq is given for lp.bEq, got undefined",
    );
    expectInvalid(() => validateLinearProgram({ ...lp, aUb: undefined }), "lp.aUb", /because lp.bUb has 2 rows/);
  });

  it("names the position of a non-finite coefficient", () => {
    expectInvalid(
      () => validateLinearProgram({ ...lp, c: f64(1, NaN) }),
      "lp.c",
      "expected a finite number for lp.c[1] (variable 1), got NaN",
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, aUb: f64(1, 0, INF, 1) }),
      "lp.aUb",
      "expected a finite number for lp.aUb[2] (row 1, column 0), got Infinity",
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, aEq: f64(1, NINF) }),
      "lp.aEq",
      /lp.aEq\[1\] \(row 0, column 1\), got -Infinity/,
    );
    expectInvalid(() => validateLinearProgram({ ...lp, bEq: f64(NaN) }), "lp.bEq", /lp.bEq\[0\] \(row 0\), got NaN/);
    expectInvalid(
      () => validateLinearProgram({ ...lp, bUb: f64(3, INF) }),
      "lp.bUb",
      /lp.bUb\[1\] \(row 1\), got Infinity/,
    );
  });

  it("rejects bad bounds", () => {
    expectInvalid(
      () => validateLinearProgram({ ...lp, lower: f64(NaN, 0) }),
      "lp.lower",
      "expected a finite number or -Infinity for lp.lower[0] (variable 0), got NaN",
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, lower: f64(0, INF) }),
      "lp.lower",
      /lp.lower\[1\] \(variable 1\), got Infinity/,
    );
    expectInvalid(
      () => validateLinearProgram({ ...lp, upper: f64(NINF, 1) }),
      "lp.upper",
      "expected a finite number or Infinity for lp.upper[0] (variable 0), got -Infinity",
    );
    expectInvalid(() => validateLinearProgram({ ...lp, upper: f64(1, NaN) }), "lp.upper", /got NaN/);
    expectInvalid(
      () => validateLinearProgram({ ...lp, lower: f64(0, 2), upper: f64(5, 1) }),
      "lp.lower",
      "expected lp.lower[1] <= lp.upper[1] (variable 1), got 2 > 1",
    );
    // Without explicit bounds the defaults are 0 and Infinity: a negative upper bound crosses the default lower one.
    expectInvalid(
      () => validateLinearProgram({ nVars: 1, c: f64(0), upper: f64(-1) }),
      "lp.upper",
      "expected lp.upper[0] >= 0, the default lower bound (variable 0), got -1",
    );
  });

  it("finds any single corrupted coefficient (property)", () => {
    const fields = ["c", "aEq", "bEq", "aUb", "bUb"] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom(...fields),
        fc.nat(),
        fc.constantFrom(NaN, INF, NINF),
        (n, mEq, mUb, field, position, bad) => {
          const problem = {
            nVars: n,
            c: new Float64Array(n).fill(1),
            aEq: new Float64Array(mEq * n).fill(2),
            bEq: new Float64Array(mEq).fill(3),
            aUb: new Float64Array(mUb * n).fill(4),
            bUb: new Float64Array(mUb).fill(5),
          };
          validateLinearProgram(problem);
          const target = problem[field];
          if (target.length === 0) return;
          const k = position % target.length;
          target[k] = bad;
          expectInvalid(() => validateLinearProgram(problem), `lp.${field}`, new RegExp(`lp\\.${field}\\[${k}\\] \\(`));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("validateLpBatch", () => {
  it("accepts well-formed batches and returns them unchanged", () => {
    expect(validateLpBatch(batch)).toBe(batch);
    expect(validateLpBatch({ shape: { nVars: 3, mEq: 0, mUb: 0 }, count: 1, c: new Float64Array(3) })).toBeTruthy();
    expect(
      validateLpBatch({
        shape: { nVars: 1, mEq: 0, mUb: 1 },
        count: 2,
        c: f64(1, 1),
        aUb: f64(1, 1),
        bUb: f64(0, 0),
        aEq: f64(),
      }),
    ).toBeTruthy();
  });

  it("rejects a bad shape or count", () => {
    expectInvalid(() => validateLpBatch(undefined as never), "batch", /an LpBatch object for batch/);
    expectInvalid(() => validateLpBatch({ ...batch, shape: null as never }), "batch.shape", /\{ nVars, mEq, mUb \}/);
    expectInvalid(
      () => validateLpBatch({ ...batch, shape: { ...batch.shape, nVars: 0 } }),
      "batch.shape.nVars",
      /got 0/,
    );
    expectInvalid(() => validateLpBatch({ ...batch, shape: { ...batch.shape, mEq: -1 } }), "batch.shape.mEq", /\[0, /);
    expectInvalid(
      () => validateLpBatch({ ...batch, shape: { ...batch.shape, mUb: 1.5 } }),
      "batch.shape.mUb",
      /got 1.5/,
    );
    expectInvalid(() => validateLpBatch({ ...batch, count: 0 }), "batch.count", /\[1, /);
    expectInvalid(() => validateLpBatch({ ...batch, count: NaN }), "batch.count", /got NaN/);
    expectInvalid(() => validateLpBatch({ ...batch, count: 3 }, "lps"), "lps.c", /\(3 LPs x 2 variables\) for lps.c/);
  });

  it("rejects wrong array kinds, lengths and missing blocks", () => {
    expectInvalid(
      () => validateLpBatch({ ...batch, c: f64(1, 2) }),
      "batch.c",
      "expected a Float64Array of length 4 (2 LPs x 2 variables) for batch.c, got Float64Array(2)",
    );
    expectInvalid(() => validateLpBatch({ ...batch, aEq: undefined }), "batch.aEq", /length 4 \(2 LPs x 1 x 2\)/);
    expectInvalid(
      () => validateLpBatch({ ...batch, bEq: [1, 2] as never }),
      "batch.bEq",
      /length 2 \(2 LPs x 1 rows\)/,
    );
    expectInvalid(() => validateLpBatch({ ...batch, aUb: new Float64Array(4) }), "batch.aUb", /length 8/);
    expectInvalid(() => validateLpBatch({ ...batch, bUb: undefined }), "batch.bUb", /length 4/);
    expectInvalid(() => validateLpBatch({ ...batch, lower: f64(0, 0) }), "batch.lower", /length 4/);
    expectInvalid(
      () => validateLpBatch({ ...batch, upper: new Float32Array(4) as never }),
      "batch.upper",
      /Float32Array/,
    );
    expectInvalid(
      () => validateLpBatch({ shape: { nVars: 1, mEq: 0, mUb: 0 }, count: 1, c: f64(1), aEq: f64(1) }),
      "batch.aEq",
      /length 0/,
    );
  });

  it("names the LP and position of a non-finite coefficient or bad bound", () => {
    expectInvalid(
      () => validateLpBatch({ ...batch, c: f64(1, 2, NaN, 4) }),
      "batch.c",
      "expected a finite number for batch.c[2] (LP 1, variable 0), got NaN",
    );
    expectInvalid(
      () => validateLpBatch({ ...batch, aUb: f64(1, 0, 0, 1, 1, 0, 0, INF) }),
      "batch.aUb",
      "expected a finite number for batch.aUb[7] (LP 1, row 1, column 1), got Infinity",
    );
    expectInvalid(
      () => validateLpBatch({ ...batch, aEq: f64(1, 1, NaN, 1) }),
      "batch.aEq",
      /\(LP 1, row 0, column 0\)/,
    );
    expectInvalid(() => validateLpBatch({ ...batch, bEq: f64(1, NINF) }), "batch.bEq", /\(LP 1, row 0\)/);
    expectInvalid(
      () => validateLpBatch({ ...batch, bUb: f64(3, 4, 5, NaN) }),
      "batch.bUb",
      /batch.bUb\[3\] \(LP 1, row 1\)/,
    );
    expectInvalid(
      () => validateLpBatch({ ...batch, lower: f64(NINF, 0, INF, 0) }),
      "batch.lower",
      /batch.lower\[2\] \(LP 1, variable 0\)/,
    );
    expectInvalid(
      () => validateLpBatch({ ...batch, upper: f64(5, INF, NINF, 1) }),
      "batch.upper",
      /batch.upper\[2\] \(LP 1, variable 0\)/,
    );
    expectInvalid(
      () => validateLpBatch({ ...batch, upper: f64(5, INF, 1, -1) }),
      "batch.lower",
      "expected batch.lower[3] <= batch.upper[3] (LP 1, variable 1), got 0 > -1",
    );
  });
});

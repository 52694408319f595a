import { describe, expect, it } from "vitest";
import {
  createLpBatchSolution,
  LP_STATUSES,
  type LpBatch,
  linearProgramAt,
  validateLinearProgram,
} from "../src/index.js";
import { expectInvalid } from "./helpers.js";

const f64 = (...values: number[]) => Float64Array.from(values);

describe("linearProgramAt", () => {
  const batch: LpBatch = {
    shape: { nVars: 2, mEq: 1, mUb: 2 },
    count: 2,
    c: f64(1, 2, 3, 4),
    aEq: f64(1, 1, 2, 2),
    bEq: f64(1, 2),
    aUb: f64(1, 0, 0, 1, 3, 0, 0, 3),
    bUb: f64(3, 4, 5, 6),
    upper: f64(5, 6, 7, 8),
  };

  it("views one LP of a batch without copying", () => {
    const second = linearProgramAt(batch, 1);
    validateLinearProgram(second);
    expect(second.nVars).toBe(2);
    expect(Array.from(second.c)).toEqual([3, 4]);
    expect(Array.from(second.aEq!)).toEqual([2, 2]);
    expect(Array.from(second.bEq!)).toEqual([2]);
    expect(Array.from(second.aUb!)).toEqual([3, 0, 0, 3]);
    expect(Array.from(second.bUb!)).toEqual([5, 6]);
    expect(second.lower).toBeUndefined();
    expect(Array.from(second.upper!)).toEqual([7, 8]);
    expect(second.c.buffer).toBe(batch.c.buffer);
  });

  it("omits blocks without rows", () => {
    const lp = linearProgramAt(
      { shape: { nVars: 1, mEq: 0, mUb: 1 }, count: 1, c: f64(1), aUb: f64(1), bUb: f64(2) },
      0,
    );
    expect("aEq" in lp).toBe(false);
    expect(Array.from(lp.bUb!)).toEqual([2]);
  });

  it("rejects an index out of range", () => {
    expectInvalid(() => linearProgramAt(batch, 2), "index", "expected an integer in [0, 1] for index, got 2");
    expectInvalid(() => linearProgramAt(batch, -1), "index", /got -1/);
    expectInvalid(() => linearProgramAt(batch, 0.5), "index", /got 0.5/);
  });
});

describe("createLpBatchSolution", () => {
  it("allocates zeroed arrays and views one LP through at()", () => {
    const solution = createLpBatchSolution({ nVars: 3, mEq: 1, mUb: 2 }, 2);
    expect(solution.count).toBe(2);
    expect(solution.shape).toEqual({ nVars: 3, mEq: 1, mUb: 2 });
    expect(solution.x.length).toBe(6);
    expect(solution.yEq.length).toBe(2);
    expect(solution.yUb.length).toBe(4);
    expect(solution.zLower.length).toBe(6);
    expect(solution.zUpper.length).toBe(6);
    expect(Array.from(solution.statusCodes)).toEqual([4, 4]);
    expect(solution.at(0).status).toBe("numerical_error");
    solution.statusCodes[1] = LP_STATUSES.indexOf("optimal");
    solution.x.set([7, 8, 9], 3);
    solution.yUb.set([1, 2], 2);
    solution.objective[1] = 42;
    solution.iterations[1] = 11;
    const second = solution.at(1);
    expect(second.status).toBe("optimal");
    expect(Array.from(second.x)).toEqual([7, 8, 9]);
    expect(Array.from(second.yUb)).toEqual([1, 2]);
    expect(second.objective).toBe(42);
    expect(second.iterations).toBe(11);
    // Views, not copies.
    second.x[0] = -1;
    expect(solution.x[3]).toBe(-1);
  });

  it("rejects bad shapes, counts, indices and status codes", () => {
    expectInvalid(() => createLpBatchSolution(null as never, 1), "shape", /\{ nVars, mEq, mUb \}/);
    expectInvalid(() => createLpBatchSolution({ nVars: 0, mEq: 0, mUb: 0 }, 1), "shape.nVars", /got 0/);
    expectInvalid(() => createLpBatchSolution({ nVars: 1, mEq: -1, mUb: 0 }, 1), "shape.mEq", /got -1/);
    expectInvalid(() => createLpBatchSolution({ nVars: 1, mEq: 0, mUb: 0.5 }, 1), "shape.mUb", /got 0.5/);
    expectInvalid(() => createLpBatchSolution({ nVars: 1, mEq: 0, mUb: 0 }, 0), "count", /got 0/);
    const solution = createLpBatchSolution({ nVars: 1, mEq: 0, mUb: 0 }, 1);
    expectInvalid(() => solution.at(1), "index", /\[0, 0\]/);
    solution.statusCodes[0] = 9;
    expectInvalid(() => solution.at(0), "statusCodes[0]", /a status code in \[0, 4\]/);
  });
});

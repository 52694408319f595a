import { InvalidArgumentError } from "@lplb/errors";
import type { LinearProgram, LpBatch } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import { createSolver, solve, solveBatch, solveBatchAsync } from "../src/index.js";

/** min x0 + x1 s.t. x0 + x1 = 1, x0 - x1 <= 0.5, 0 <= x <= 2. */
function goodLp(): LinearProgram {
  return {
    nVars: 2,
    c: new Float64Array([1, 1]),
    aEq: new Float64Array([1, 1]),
    bEq: new Float64Array([1]),
    aUb: new Float64Array([1, -1]),
    bUb: new Float64Array([0.5]),
    lower: new Float64Array([0, 0]),
    upper: new Float64Array([2, 2]),
  };
}

function goodBatch(count = 3): LpBatch {
  const lp = goodLp();
  const repeat = (a: Float64Array) => {
    const out = new Float64Array(a.length * count);
    for (let b = 0; b < count; b++) out.set(a, b * a.length);
    return out;
  };
  return {
    shape: { nVars: 2, mEq: 1, mUb: 1 },
    count,
    c: repeat(lp.c),
    aEq: repeat(lp.aEq!),
    bEq: repeat(lp.bEq!),
    aUb: repeat(lp.aUb!),
    bUb: repeat(lp.bUb!),
    lower: repeat(lp.lower!),
    upper: repeat(lp.upper!),
  };
}

function thrownBy(call: () => unknown): InvalidArgumentError {
  try {
    call();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error), `expected an InvalidArgumentError, got ${String(error)}`).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error("expected the call to throw");
}

/** Both sync single-LP entry points must reject `lp` with `argument` and a message matching `message`. */
function expectLpRejected(lp: unknown, argument: string, message: RegExp): void {
  const single = thrownBy(() => solve(lp as LinearProgram));
  expect(single.argument).toBe(`lp${argument}`);
  expect(single.message).toMatch(message);
  const listed = thrownBy(() => solveBatch([goodLp(), lp as LinearProgram]));
  expect(listed.argument).toBe(`lps[1]${argument}`);
  expect(listed.message).toMatch(message);
}

describe("LinearProgram validation", () => {
  it("names the LP, field and position of a NaN or infinite coefficient", () => {
    const fields: [keyof LinearProgram, number, string][] = [
      ["c", 1, "variable 1"],
      ["aEq", 1, "row 0, column 1"],
      ["bEq", 0, "row 0"],
      ["aUb", 0, "row 0, column 0"],
      ["bUb", 0, "row 0"],
    ];
    for (const [field, index, where] of fields) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const lp = goodLp();
        (lp[field] as Float64Array)[index] = bad;
        expectLpRejected(lp, `.${field}`, new RegExp(`\\.${field}\\[${index}\\] \\(${where}\\), got ${bad}`));
      }
    }
  });

  it("rejects NaN bounds, lower = +Infinity, upper = -Infinity and lower > upper", () => {
    const nanLower = goodLp();
    nanLower.lower![1] = Number.NaN;
    expectLpRejected(
      nanLower,
      ".lower",
      /finite number or -Infinity for lp(s\[1\])?\.lower\[1\] \(variable 1\), got NaN/,
    );
    const infLower = goodLp();
    infLower.lower![0] = Number.POSITIVE_INFINITY;
    expectLpRejected(infLower, ".lower", /lower\[0\] \(variable 0\), got Infinity/);
    const nanUpper = goodLp();
    nanUpper.upper![0] = Number.NaN;
    expectLpRejected(nanUpper, ".upper", /finite number or Infinity for .*upper\[0\].*got NaN/);
    const negUpper = goodLp();
    negUpper.upper![1] = Number.NEGATIVE_INFINITY;
    expectLpRejected(negUpper, ".upper", /upper\[1\] \(variable 1\), got -Infinity/);
    const crossed = goodLp();
    crossed.lower![1] = 3;
    expectLpRejected(crossed, ".lower", /lower\[1\] <= .*upper\[1\] \(variable 1\), got 3 > 2/);
    const belowDefault: LinearProgram = { nVars: 1, c: new Float64Array([1]), upper: new Float64Array([-1]) };
    expectLpRejected(belowDefault, ".upper", /upper\[0\] >= 0, the default lower bound/);
  });

  it("rejects wrong typed-array kinds and plain arrays", () => {
    for (const field of ["c", "aEq", "bEq", "aUb", "bUb", "lower", "upper"] as const) {
      const original = goodLp()[field]!;
      for (const bad of [new Float32Array(original), Array.from(original), new Int32Array(original.length), "x"]) {
        const lp = { ...goodLp(), [field]: bad };
        expectLpRejected(lp, `.${field}`, /expected a Float64Array/);
      }
    }
  });

  it("rejects mismatched dimensions", () => {
    expectLpRejected(
      { ...goodLp(), c: new Float64Array(3) },
      ".c",
      /a Float64Array of length 2 for .*\.c, got Float64Array\(3\)/,
    );
    expectLpRejected(
      { ...goodLp(), aEq: new Float64Array(3) },
      ".aEq",
      /length 2 \(1 rows x 2 columns\) for .*aEq, got Float64Array\(3\)/,
    );
    expectLpRejected({ ...goodLp(), aUb: new Float64Array(4) }, ".aUb", /length 2 \(1 rows x 2 columns\) for .*aUb/);
    expectLpRejected({ ...goodLp(), lower: new Float64Array(1) }, ".lower", /length 2/);
    expectLpRejected({ ...goodLp(), upper: new Float64Array(5) }, ".upper", /length 2/);
    expectLpRejected({ ...goodLp(), bEq: undefined }, ".bEq", /because .*aEq is given/);
    expectLpRejected({ ...goodLp(), aUb: undefined }, ".aUb", /expected a Float64Array of length 2/);
    expectLpRejected({ ...goodLp(), bUb: new Float32Array(1) }, ".bUb", /expected a Float64Array/);
  });

  it("rejects empty and malformed problems", () => {
    expectLpRejected({ ...goodLp(), nVars: 0 }, ".nVars", /expected an integer in \[1, 4096\]/);
    expectLpRejected({ ...goodLp(), nVars: 1.5 }, ".nVars", /got 1\.5/);
    expectLpRejected({ ...goodLp(), nVars: "2" }, ".nVars", /got "2"/);
    expectLpRejected(
      { nVars: 5000, c: new Float64Array(5000) },
      ".nVars",
      /\[1, 4096\] for lps?(\[1\])?\.nVars, got 5000/,
    );
    expectLpRejected(null, "", /expected a LinearProgram object/);
    expectLpRejected([1, 2], "", /expected a LinearProgram object/);
    expect(thrownBy(() => solveBatch([])).message).toMatch(/expected at least one LinearProgram for lps/);
    expect(thrownBy(() => solveBatch("lps" as never)).message).toMatch(/an LpBatch or an array of LinearPrograms/);
  });

  it("rejects a list of LPs of different shapes", () => {
    const other: LinearProgram = { nVars: 2, c: new Float64Array(2) };
    const error = thrownBy(() => solveBatch([goodLp(), goodLp(), other]));
    expect(error.argument).toBe("lps[2]");
    expect(error.message).toMatch(
      /shape of lps\[0\], \{ nVars: 2, mEq: 1, mUb: 1 \}, got \{ nVars: 2, mEq: 0, mUb: 0 \}/,
    );
  });
});

describe("LpBatch validation", () => {
  it("names the LP of a bad coefficient", () => {
    const batch = goodBatch(3);
    (batch.aUb as Float64Array)[5] = Number.NaN;
    const error = thrownBy(() => solveBatch(batch));
    expect(error.argument).toBe("lps.aUb");
    expect(error.message).toBe("expected a finite number for lps.aUb[5] (LP 2, row 0, column 1), got NaN");
    const c = goodBatch(3);
    (c.c as Float64Array)[3] = Number.NEGATIVE_INFINITY;
    expect(thrownBy(() => solveBatch(c)).message).toMatch(/lps\.c\[3\] \(LP 1, variable 1\), got -Infinity/);
    const bounds = goodBatch(2);
    (bounds.lower as Float64Array)[2] = 5;
    expect(thrownBy(() => solveBatch(bounds)).message).toMatch(
      /lps\.lower\[2\] <= lps\.upper\[2\] \(LP 1, variable 0\)/,
    );
  });

  it("rejects bad counts, shapes and array lengths", () => {
    expect(thrownBy(() => solveBatch({ ...goodBatch(), count: 0 })).argument).toBe("lps.count");
    expect(thrownBy(() => solveBatch({ ...goodBatch(), count: 2 })).message).toMatch(
      /length 4 \(2 LPs x 2 variables\) for lps\.c, got Float64Array\(6\)/,
    );
    expect(thrownBy(() => solveBatch({ ...goodBatch(), shape: { nVars: 2, mEq: 1 } as never })).argument).toBe(
      "lps.shape.mUb",
    );
    expect(thrownBy(() => solveBatch({ ...goodBatch(), aEq: undefined })).argument).toBe("lps.aEq");
    expect(thrownBy(() => solveBatch({ ...goodBatch(), bUb: new Float32Array(3) } as never)).message).toMatch(
      /expected a Float64Array of length 3 \(3 LPs x 1 rows\) for lps\.bUb, got Float32Array\(3\)/,
    );
    expect(thrownBy(() => solveBatch({ ...goodBatch(), upper: [1, 2, 3, 4, 5, 6] } as never)).message).toMatch(
      /got an array of length 6/,
    );
  });

  it("rejects the same errors in solveBatchAsync and IpmSolver.solve", async () => {
    const batch = goodBatch(2);
    (batch.bEq as Float64Array)[1] = Number.NaN;
    await expect(solveBatchAsync(batch)).rejects.toThrow(
      "expected a finite number for lps.bEq[1] (LP 1, row 0), got NaN",
    );
    await expect(solveBatchAsync([])).rejects.toThrow(/at least one LinearProgram/);
  });
});

describe("IpmSolver.solve validation", () => {
  it("rejects a batch of another shape and bad batches", () => {
    const solver = createSolver({ nVars: 2, mEq: 1, mUb: 1 });
    const other: LinearProgram = { nVars: 3, c: new Float64Array(3) };
    expect(thrownBy(() => solver.solve([other])).message).toMatch(
      /expected LPs of the solver's shape \{ nVars: 2, mEq: 1, mUb: 1 \} for lps, got \{ nVars: 3, mEq: 0, mUb: 0 \}/,
    );
    const batch = goodBatch(2);
    (batch.c as Float64Array)[0] = Number.NaN;
    expect(thrownBy(() => solver.solve(batch)).message).toMatch(/lps\.c\[0\] \(LP 0, variable 0\), got NaN/);
    solver.dispose();
  });
});

import { InvalidArgumentError } from "@lplb/errors";
import type { LinearProgram } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import {
  createSolver,
  DEFAULT_MAX_ITERATIONS,
  DEFAULT_TOLERANCE,
  solve,
  solveBatch,
  solveBatchAsync,
} from "../src/index.js";
import { resolveOptions } from "../src/options.js";

const lp: LinearProgram = { nVars: 1, c: new Float64Array([1]) };
const shape = { nVars: 1, mEq: 0, mUb: 0 };

/** Every entry point that takes solve options, called so that only the options can be wrong. */
const entryPoints: [string, (options: unknown) => unknown][] = [
  ["solve", (options) => solve(lp, options as never)],
  ["solveBatch", (options) => solveBatch([lp], options as never)],
  ["createSolver", (options) => createSolver(shape, options as never)],
];

function expectInvalid(call: () => unknown, argument: string, message: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(InvalidArgumentError.isInstance(thrown), `expected an InvalidArgumentError, got ${String(thrown)}`).toBe(true);
  expect((thrown as InvalidArgumentError).argument).toBe(argument);
  expect((thrown as Error).message).toMatch(message);
}

describe("resolveOptions", () => {
  it("fills the documented defaults", () => {
    expect(resolveOptions(undefined)).toEqual({
      precision: "float64",
      tolerance: 1e-9,
      maxIterations: DEFAULT_MAX_ITERATIONS,
      backend: "cpu",
    });
    expect(resolveOptions({ precision: "float32" }).tolerance).toBe(1e-6);
    expect(DEFAULT_TOLERANCE).toEqual({ float64: 1e-9, float32: 1e-6 });
    expect(resolveOptions({ tolerance: 1e-4, maxIterations: 7, backend: "cuda" })).toEqual({
      precision: "float64",
      tolerance: 1e-4,
      maxIterations: 7,
      backend: "cuda",
    });
  });
});

describe.each(entryPoints)("%s options", (_name, call) => {
  it("rejects a non-object options bag", () => {
    for (const bad of [null, 5, "float32", [], new Float64Array(1)]) {
      expectInvalid(() => call(bad), "options", /expected an options object or undefined for options/);
    }
  });

  it("rejects unknown option names", () => {
    expectInvalid(() => call({ precison: "float32" }), "options.precison", /options\.precison/);
  });

  it("rejects a bad precision", () => {
    for (const bad of ["float16", "", 64, null]) {
      expectInvalid(() => call({ precision: bad }), "options.precision", /expected one of "float64", "float32"/);
    }
  });

  it("rejects a bad tolerance", () => {
    for (const bad of [0, -1e-9, 1, 2, Number.NaN, Number.POSITIVE_INFINITY, "1e-9", null]) {
      expectInvalid(() => call({ tolerance: bad }), "options.tolerance", /expected a finite number in \(0, 1\)/);
    }
  });

  it("rejects a bad maxIterations", () => {
    for (const bad of [0, -3, 1.5, 10_001, Number.NaN, "100", null]) {
      expectInvalid(() => call({ maxIterations: bad }), "options.maxIterations", /expected an integer in \[1, 10000\]/);
    }
  });

  it("rejects a bad backend", () => {
    for (const bad of ["gpu", "CPU", 1, null]) {
      expectInvalid(() => call({ backend: bad }), "options.backend", /expected one of "cpu", "cuda"/);
    }
  });
});

describe("solveBatchAsync options", () => {
  it("rejects bad options as a rejected promise", async () => {
    const pending = solveBatchAsync([lp], { maxIterations: 0 });
    await expect(pending).rejects.toThrow(/expected an integer in \[1, 10000\] for options.maxIterations, got 0/);
    await expect(solveBatchAsync([lp], { precision: "half" as never })).rejects.toSatisfy((e) =>
      InvalidArgumentError.isInstance(e),
    );
  });
});

describe("createSolver options", () => {
  it("rejects a bad batchCapacity", () => {
    for (const bad of [0, -1, 2.5, 2 ** 20 + 1, Number.NaN, "32"]) {
      expectInvalid(
        () => createSolver(shape, { batchCapacity: bad as never }),
        "options.batchCapacity",
        /expected an integer in \[1, 1048576\]/,
      );
    }
  });

  it("rejects batchCapacity on the one-shot entry points", () => {
    expectInvalid(() => solve(lp, { batchCapacity: 4 } as never), "options.batchCapacity", /options\.batchCapacity/);
  });

  it("rejects a bad shape", () => {
    expectInvalid(() => createSolver(undefined as never), "shape", /expected an LpShape object/);
    expectInvalid(
      () => createSolver({ nVars: 0, mEq: 0, mUb: 0 }),
      "shape.nVars",
      /\[1, 4096\] for shape.nVars, got 0/,
    );
    expectInvalid(() => createSolver({ nVars: 2, mEq: -1, mUb: 0 }), "shape.mEq", /\[0, 4096\] for shape.mEq, got -1/);
    expectInvalid(
      () => createSolver({ nVars: 2, mEq: 0, mUb: 4097 }),
      "shape.mUb",
      /\[0, 4096\] for shape.mUb, got 4097/,
    );
    expectInvalid(() => createSolver({ nVars: 2.5, mEq: 0, mUb: 0 }), "shape.nVars", /got 2\.5/);
  });
});

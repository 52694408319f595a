/**
 * Reusable solvers, the async path and the one-shot entry points' plumbing: results must be
 * identical whichever way a batch is solved.
 */
import { Worker } from "node:worker_threads";
import { InvalidArgumentError, LplbError } from "@lplb/errors";
import type { LinearProgram, LpBatch, LpBatchSolution } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import { nativeBinding } from "../src/binding.js";
import { createSolver, solve, solveBatch, solveBatchAsync } from "../src/index.js";
import { packLplb, randomLplbPrograms } from "./support/batch.js";
import { CUBE, HYPERCUBE } from "./support/lplb.js";
import { Rng, seedLabel, testSeeds } from "./support/random.js";

const FIELDS = [
  "statusCodes",
  "x",
  "yEq",
  "yUb",
  "zLower",
  "zUpper",
  "objective",
  "primalResidual",
  "dualResidual",
  "dualityGap",
  "iterations",
] as const;

/** Same numbers bit for bit (NaN equal to NaN), field by field. */
function expectSameSolution(actual: LpBatchSolution, expected: LpBatchSolution, label: string): void {
  expect(actual.count, label).toBe(expected.count);
  for (const field of FIELDS) {
    expect(Array.from(actual[field]), `${label}: ${field}`).toEqual(Array.from(expected[field]));
  }
}

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

describe("solve and solveBatch", () => {
  it("return solutions with arrays of the LP's sizes, owned by the caller", () => {
    const lp: LinearProgram = {
      nVars: 3,
      c: Float64Array.from([1, 2, 3]),
      aEq: Float64Array.from([1, 1, 1]),
      bEq: Float64Array.from([1]),
    };
    const s = solve(lp);
    expect(s.status).toBe("optimal");
    expect([s.x.length, s.yEq.length, s.yUb.length, s.zLower.length, s.zUpper.length]).toEqual([3, 1, 0, 3, 3]);
    expect(s.x.buffer).not.toBe(lp.c.buffer);
    const batch = solveBatch([lp, lp]);
    expect(batch.shape).toEqual({ nVars: 3, mEq: 1, mUb: 0 });
    expect(batch.at(1).objective).toBe(s.objective);
    expect(() => batch.at(2)).toThrow(/expected an integer in \[0, 1\] for index, got 2/);
    expect(() => batch.at(-1)).toThrow(InvalidArgumentError);
  });

  it("give identical results for a list of LPs, a packed LpBatch and one LP at a time", () => {
    for (const seed of testSeeds()) {
      const lps = randomLplbPrograms(new Rng(seed), CUBE, 24);
      const fromList = solveBatch(lps);
      const fromBatch = solveBatch(packLplb(lps));
      expectSameSolution(fromBatch, fromList, seedLabel(seed));
      lps.forEach((lp, b) => {
        const one = solve(lp);
        expect(one.objective, seedLabel(seed)).toBe(fromList.objective[b]);
        expect(Array.from(one.x), seedLabel(seed)).toEqual(Array.from(fromList.at(b).x));
      });
    }
  });

  it("never modify their inputs", () => {
    const batch = packLplb(randomLplbPrograms(new Rng(7), CUBE, 4));
    const copies = [batch.c, batch.aUb!, batch.bUb!, batch.lower!, batch.upper!].map((a) => a.slice());
    solveBatch(batch);
    [batch.c, batch.aUb!, batch.bUb!, batch.lower!, batch.upper!].forEach((a, k) => {
      expect(Array.from(a)).toEqual(Array.from(copies[k]));
    });
  });

  it("keep working across more shapes and options than the workspace cache holds", () => {
    // min sum x s.t. sum x >= 1, x >= 0: optimum 1 for every n.
    for (let round = 0; round < 2; round++) {
      for (let n = 1; n <= 12; n++) {
        const lp: LinearProgram = {
          nVars: n,
          c: new Float64Array(n).fill(1),
          aUb: new Float64Array(n).fill(-1),
          bUb: Float64Array.from([-1]),
        };
        const s = solve(lp, { maxIterations: 50 + n });
        expect(s.status).toBe("optimal");
        expect(s.objective).toBeCloseTo(1, 8);
      }
    }
  });
});

describe("createSolver", () => {
  it("solves batch after batch into its reused buffers, equal to solveBatch", () => {
    for (const seed of testSeeds()) {
      const rng = new Rng(seed);
      const solver = createSolver({ nVars: 17, mEq: 0, mUb: 8 }, { batchCapacity: 4 });
      expect(solver.options).toEqual({ precision: "float64", tolerance: 1e-9, maxIterations: 100, backend: "cpu" });
      let previous: LpBatchSolution | undefined;
      for (const count of [4, 4, 1, 9, 3, 9, 32]) {
        const batch = packLplb(randomLplbPrograms(rng, CUBE, count));
        const result = solver.solve(batch);
        expectSameSolution(result, solveBatch(batch), `${seedLabel(seed)}, count ${count}`);
        if (previous !== undefined && previous.count === count) expect(result).toBe(previous);
        previous = result;
      }
      solver.dispose();
    }
  });

  it("accepts arrays of LPs and float32", () => {
    const lps = randomLplbPrograms(new Rng(3), HYPERCUBE, 5);
    const solver = createSolver({ nVars: 33, mEq: 0, mUb: 16 }, { precision: "float32" });
    expectSameSolution(solver.solve(lps), solveBatch(lps, { precision: "float32" }), "float32");
    solver.dispose();
  });

  it("rejects inputs that share memory with its output buffers", () => {
    const lps = randomLplbPrograms(new Rng(5), CUBE, 2);
    const solver = createSolver({ nVars: 17, mEq: 0, mUb: 8 });
    const first = solver.solve(lps);
    const aliased: LpBatch = { ...packLplb(lps), c: first.x };
    const error = thrownBy(() => solver.solve(aliased));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/not to share memory with input c/);
    solver.dispose();
  });

  it("throws a clear error after dispose, and disposing twice is harmless", () => {
    const lps = randomLplbPrograms(new Rng(1), CUBE, 1);
    const solver = createSolver({ nVars: 17, mEq: 0, mUb: 8 });
    expect(solver.disposed).toBe(false);
    solver.dispose();
    solver.dispose();
    expect(solver.disposed).toBe(true);
    const error = thrownBy(() => solver.solve(lps));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/dispose\(\) was called; create a new one with createSolver\(\)/);
  });

  it("supports `using` through Symbol.dispose", () => {
    let escaped: ReturnType<typeof createSolver> | undefined;
    {
      using solver = createSolver({ nVars: 1, mEq: 0, mUb: 0 });
      escaped = solver;
      expect(solver.solve([{ nVars: 1, c: Float64Array.from([1]) }]).objective[0]).toBeCloseTo(0, 8);
    }
    expect(escaped.disposed).toBe(true);
  });
});

describe("solveBatchAsync", () => {
  it("gives the same results as solveBatch", async () => {
    for (const seed of testSeeds()) {
      const lps = randomLplbPrograms(new Rng(seed), HYPERCUBE, 40);
      for (const precision of ["float64", "float32"] as const) {
        expectSameSolution(await solveBatchAsync(lps, { precision }), solveBatch(lps, { precision }), seedLabel(seed));
      }
    }
  });

  it("copies the inputs: changing them while the promise is pending has no effect", async () => {
    const batch = packLplb(randomLplbPrograms(new Rng(11), CUBE, 64));
    const expected = solveBatch(batch);
    const pending = solveBatchAsync(batch);
    batch.aUb!.fill(Number.NaN);
    (batch.c as Float64Array).fill(Number.POSITIVE_INFINITY);
    expectSameSolution(await pending, expected, "mutated inputs");
  });

  it("runs several batches concurrently", async () => {
    const batches = [CUBE, HYPERCUBE, CUBE, HYPERCUBE].map((t, k) => packLplb(randomLplbPrograms(new Rng(k), t, 50)));
    const results = await Promise.all(batches.map((b) => solveBatchAsync(b)));
    results.forEach((r, k) => {
      expectSameSolution(r, solveBatch(batches[k]), `batch ${k}`);
    });
  });

  it("does not block the event loop: a timer fires while a large batch is solved", async () => {
    // Size the batch so that solving it takes at least ~150 ms on this machine.
    const unit = packLplb(randomLplbPrograms(new Rng(2), HYPERCUBE, 64));
    const start = performance.now();
    solveBatch(unit);
    const perLp = Math.max((performance.now() - start) / unit.count, 1e-3);
    const count = Math.min(200_000, Math.ceil(150 / perLp));
    const lps = randomLplbPrograms(new Rng(3), HYPERCUBE, 64);
    const big = packLplb(Array.from({ length: count }, (_, k) => lps[k % lps.length]));

    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const began = performance.now();
    const result = await solveBatchAsync(big);
    const elapsed = performance.now() - began;
    clearInterval(timer);
    expect(result.count).toBe(count);
    // A blocked loop would give 0 ticks: the interval could only run after the promise settled.
    expect(ticks, `${ticks} ticks in ${elapsed.toFixed(0)} ms for ${count} LPs`).toBeGreaterThanOrEqual(3);
  });

  it("turns errors thrown by native code into LplbErrors that carry the caller's stack", async () => {
    // A batch whose `c` passes validation and then turns into a Float32Array for the native
    // call, so that the addon's own argument check is what fails.
    const trickyBatch = (): LpBatch => {
      const base = packLplb(randomLplbPrograms(new Rng(17), CUBE, 2));
      let reads = 0;
      return {
        ...base,
        get c() {
          reads++;
          return reads === 1 ? base.c : new Float32Array(base.c);
        },
      };
    };
    const syncError = thrownBy(() => solveBatch(trickyBatch()));
    expect(InvalidArgumentError.isInstance(syncError)).toBe(true);
    expect((syncError as InvalidArgumentError).argument).toBe("c");
    expect((syncError as Error).message).toBe("expected a Float64Array of length 34 for c, got Float32Array(34)");
    expect((syncError as Error).stack).toContain("solver.test.ts");

    let asyncError: unknown;
    await solveBatchAsync(trickyBatch()).catch((error) => {
      asyncError = error;
    });
    expect(InvalidArgumentError.isInstance(asyncError)).toBe(true);
    expect((asyncError as Error).cause).toBeInstanceOf(TypeError);
    expect((asyncError as Error).stack).toMatch(/^InvalidArgumentError: expected a Float64Array of length 34 for c/);
    expect((asyncError as Error).stack).toContain("solver.test.ts");
  });

  it("maps native error codes to error classes", async () => {
    const { fromNativeError } = await import("../src/native-errors.js");
    const native = (code: number) => Object.assign(new Error("boom"), { code: "ERR_LPLB_NATIVE", nativeCode: code });
    expect(InvalidArgumentError.isInstance(fromNativeError(native(1)))).toBe(true);
    expect(fromNativeError(native(2)).code).toBe("ERR_LPLB_NATIVE");
    expect((fromNativeError(native(2)) as { nativeCode?: number }).nativeCode).toBe(2);
    expect(fromNativeError(native(3)).code).toBe("ERR_LPLB_CUDA_UNAVAILABLE");
    expect(fromNativeError(new TypeError("Illegal invocation")).message).toMatch(/native solver failed: Illegal/);
    const withStack = fromNativeError(native(4), "    at callerFrame (caller.ts:1:1)");
    expect(withStack.stack).toBe("NativeError: boom\n    at callerFrame (caller.ts:1:1)");
    expect(LplbError.isInstance(withStack)).toBe(true);
  });
});

describe("worker threads", () => {
  it("load the addon and solve in parallel with the main thread", async () => {
    const { path } = nativeBinding();
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      const binding = require(workerData.path);
      const ws = new binding.Workspace({ nVars: 1, mEq: 0, mUb: 1 });
      const status = new Int32Array(1), x = new Float64Array(1), objective = new Float64Array(1);
      // min -x s.t. x <= 2, x >= 0
      ws.solveBatch(1, Float64Array.of(-1), null, null, Float64Array.of(1), Float64Array.of(2), null, null,
        status, x, null, null, null, null, objective, null, null, null, null);
      parentPort.postMessage({ status: status[0], objective: objective[0] });
    `;
    const run = () =>
      new Promise<{ status: number; objective: number }>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { path } });
        worker.once("message", resolve);
        worker.once("error", reject);
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) {
      expect(r.status).toBe(0);
      expect(r.objective).toBeCloseTo(-2, 8);
    }
  });
});

describe("README example", () => {
  it("gives the values its comments state", () => {
    const s = solve({
      nVars: 2,
      c: Float64Array.of(-1, -1),
      aUb: Float64Array.of(1, 2, 3, 1),
      bUb: Float64Array.of(4, 6),
    });
    expect(s.status).toBe("optimal");
    expect(s.objective).toBeCloseTo(-2.8, 8);
    expect(s.x[0]).toBeCloseTo(1.6, 7);
    expect(s.x[1]).toBeCloseTo(1.2, 7);

    const shape = { nVars: 2, mEq: 0, mUb: 2 };
    using solver = createSolver(shape, { batchCapacity: 32 });
    const result = solver.solve({
      shape,
      count: 2,
      c: Float64Array.of(-1, -1, -1, -2),
      aUb: Float64Array.of(1, 2, 3, 1, 1, 2, 3, 1),
      bUb: Float64Array.of(4, 6, 4, 6),
    });
    expect(result.objective[0]).toBeCloseTo(-2.8, 8);
    expect(result.objective[1]).toBeCloseTo(-4, 8);
    expect(result.at(1).status).toBe("optimal");
  });
});

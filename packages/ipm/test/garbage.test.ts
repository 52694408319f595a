/**
 * Random junk thrown at every exported function and at the raw addon: the only acceptable
 * outcomes are a normal return or a thrown (rejected) exception, never a crash of the process.
 * Seeds are fresh per run; fast-check prints the seed and the failing input on failure.
 */
import { LplbError } from "@lplb/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nativeBinding } from "../src/binding.js";
import { capabilities, createMinMaxSolver, createSolver, solve, solveBatch, solveBatchAsync } from "../src/index.js";

const RUNS = 300;

/** Typed arrays of every kind, small, with special values. */
const typedArray = fc.oneof(
  fc.float64Array({ maxLength: 40 }),
  fc.float64Array({ maxLength: 40, noNaN: true, noDefaultInfinity: true }),
  fc.float32Array({ maxLength: 20 }),
  fc.int32Array({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }),
  fc.constant(new Float64Array(0)),
  fc.constant(new BigInt64Array(2)),
);

const smallInt = fc.oneof(
  fc.integer({ min: -2, max: 6 }),
  fc.constantFrom(0.5, Number.NaN, 2 ** 31, -(2 ** 31), 1e300),
);

const junk = fc.oneof(
  { depthSize: "small" },
  fc.anything({ maxDepth: 2, withTypedArray: true, withBigInt: true, withBoxedValues: true, withMap: true }),
  typedArray,
  smallInt,
);

/** Objects that look like LPs, batches, shapes or options, with junk in some fields. */
const lpLike = fc.record(
  {
    nVars: fc.oneof(smallInt, junk),
    c: fc.oneof(typedArray, junk),
    aEq: fc.oneof(typedArray, junk),
    bEq: fc.oneof(typedArray, junk),
    aUb: fc.oneof(typedArray, junk),
    bUb: fc.oneof(typedArray, junk),
    lower: fc.oneof(typedArray, junk),
    upper: fc.oneof(typedArray, junk),
  },
  { requiredKeys: [] },
);
const shapeLike = fc.record(
  { nVars: fc.oneof(smallInt, junk), mEq: fc.oneof(smallInt, junk), mUb: fc.oneof(smallInt, junk) },
  { requiredKeys: [] },
);
const batchLike = fc.record(
  {
    shape: fc.oneof(shapeLike, junk),
    count: fc.oneof(smallInt, junk),
    c: fc.oneof(typedArray, junk),
    aUb: fc.oneof(typedArray, junk),
    bUb: fc.oneof(typedArray, junk),
    lower: fc.oneof(typedArray, junk),
    upper: fc.oneof(typedArray, junk),
  },
  { requiredKeys: [] },
);
const optionsLike = fc.oneof(
  junk,
  fc.record(
    {
      precision: fc.oneof(fc.constantFrom("float64", "float32"), junk),
      tolerance: fc.oneof(fc.double(), junk),
      maxIterations: fc.oneof(smallInt, junk),
      backend: fc.oneof(fc.constantFrom("cpu", "cuda"), junk),
      batchCapacity: fc.oneof(smallInt, junk),
    },
    { requiredKeys: [] },
  ),
);
const problemLike = fc.oneof(lpLike, batchLike, fc.array(fc.oneof(lpLike, junk), { maxLength: 3 }), junk);

/** Calls `call`; a return is fine, an exception must be an LplbError. */
function expectOnlyLplbErrors(call: () => unknown): void {
  try {
    call();
  } catch (error) {
    if (!LplbError.isInstance(error)) throw new Error(`expected an LplbError, got ${String(error)}`, { cause: error });
  }
}

async function expectOnlyLplbRejections(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!LplbError.isInstance(error)) throw new Error(`expected an LplbError, got ${String(error)}`, { cause: error });
  }
}

describe("junk into the public API", () => {
  it("solve, solveBatch, createSolver and capabilities throw only LplbErrors", () => {
    fc.assert(
      fc.property(problemLike, optionsLike, shapeLike, (problem, options, shape) => {
        expectOnlyLplbErrors(() => solve(problem as never, options as never));
        expectOnlyLplbErrors(() => solveBatch(problem as never, options as never));
        expectOnlyLplbErrors(() => {
          const solver = createSolver(shape as never, options as never);
          try {
            solver.solve(problem as never);
          } finally {
            solver.dispose();
          }
        });
        expectOnlyLplbErrors(() => (capabilities as (...args: unknown[]) => unknown)(problem, options));
      }),
      { numRuns: RUNS },
    );
  });

  it("solveBatchAsync rejects only with LplbErrors", async () => {
    await fc.assert(
      fc.asyncProperty(problemLike, optionsLike, async (problem, options) => {
        await expectOnlyLplbRejections(() => solveBatchAsync(problem as never, options as never));
      }),
      { numRuns: RUNS },
    );
  });

  it("createMinMaxSolver and its solve throw only LplbErrors", () => {
    const groupLike = fc.oneof(
      junk,
      fc.record(
        {
          nRanks: fc.oneof(smallInt, junk),
          nSlots: fc.oneof(smallInt, junk),
          replicaRank: fc.oneof(typedArray, fc.array(smallInt, { maxLength: 8 }), junk),
        },
        { requiredKeys: [] },
      ),
    );
    const valid = createMinMaxSolver({ nRanks: 2, nSlots: 1, replicaRank: [1, 0] });
    fc.assert(
      fc.property(groupLike, optionsLike, junk, junk, (group, options, fixed, slot) => {
        expectOnlyLplbErrors(() => createMinMaxSolver(group as never, options as never).dispose());
        expectOnlyLplbErrors(() => valid.solve(fixed as never, slot as never));
      }),
      { numRuns: RUNS },
    );
    expect(valid.solve(Float64Array.of(10, 0), Float64Array.of(6, 0)).maxLoad[0]).toBeCloseTo(10, 9);
    valid.dispose();
  });

  it("a valid solver survives junk batches and still solves afterwards", () => {
    const solver = createSolver({ nVars: 2, mEq: 0, mUb: 1 });
    fc.assert(
      fc.property(problemLike, (problem) => expectOnlyLplbErrors(() => solver.solve(problem as never))),
      { numRuns: RUNS },
    );
    const result = solver.solve([
      { nVars: 2, c: Float64Array.of(-1, -1), aUb: Float64Array.of(1, 1), bUb: Float64Array.of(1) },
    ]);
    expect(result.statusCodes[0]).toBe(0);
    expect(result.objective[0]).toBeCloseTo(-1, 8);
    solver.dispose();
  });
});

describe("junk into the raw addon", () => {
  const { binding } = nativeBinding();
  const configLike = fc.oneof(
    junk,
    fc.record(
      {
        nVars: fc.oneof(smallInt, junk),
        mEq: fc.oneof(smallInt, junk),
        mUb: fc.oneof(smallInt, junk),
        precision: fc.oneof(fc.constantFrom("float64", "float32"), junk),
        tolerance: fc.oneof(fc.double(), junk),
        maxIterations: fc.oneof(smallInt, junk),
        backend: fc.oneof(fc.constantFrom("cpu", "cuda"), junk),
      },
      { requiredKeys: [] },
    ),
  );
  const argumentList = fc.array(fc.oneof(typedArray, junk, fc.constant(null)), { minLength: 0, maxLength: 22 });

  /** A raw call may throw anything (plain Errors with codes); it must simply not crash. */
  function survive(call: () => unknown): void {
    try {
      call();
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
    }
  }

  it("Workspace, solveBatch, dispose and capabilities survive junk arguments and receivers", () => {
    const valid = new binding.Workspace({
      nVars: 2,
      mEq: 0,
      mUb: 1,
      precision: "float64",
      tolerance: 1e-9,
      maxIterations: 100,
      backend: "cpu",
    });
    const prototype = binding.Workspace.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const disposedGetter = Object.getOwnPropertyDescriptor(binding.Workspace.prototype, "disposed")!.get!;
    fc.assert(
      fc.property(configLike, argumentList, junk, (config, args, receiver) => {
        survive(() => new binding.Workspace(config as never).dispose());
        survive(() => (binding.Workspace as unknown as (c: unknown) => unknown)(config));
        survive(() => (valid.solveBatch as (...a: unknown[]) => unknown)(...args));
        survive(() => prototype.solveBatch.call(receiver, ...args));
        survive(() => prototype.dispose.call(receiver));
        survive(() => disposedGetter.call(receiver));
        survive(() => (binding.capabilities as (...a: unknown[]) => unknown)(...args));
      }),
      { numRuns: RUNS },
    );
    valid.dispose();
    survive(() => valid.solveBatch(1, ...([] as never[])));
  });

  it("MinMaxWorkspace survives junk configurations, arguments and receivers", () => {
    const minMaxConfig = fc.oneof(
      junk,
      fc.record(
        {
          nRanks: fc.oneof(smallInt, junk),
          nSlots: fc.oneof(smallInt, junk),
          replicaRank: fc.oneof(typedArray, junk),
          precision: fc.oneof(fc.constantFrom("float64", "float32"), junk),
          tolerance: fc.oneof(fc.double(), junk),
          maxIterations: fc.oneof(smallInt, junk),
        },
        { requiredKeys: [] },
      ),
    );
    const valid = new binding.MinMaxWorkspace({
      nRanks: 2,
      nSlots: 1,
      replicaRank: Int32Array.of(1, 0),
      precision: "float64",
      tolerance: 1e-9,
      maxIterations: 100,
    });
    const prototype = binding.MinMaxWorkspace.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    fc.assert(
      fc.property(minMaxConfig, argumentList, junk, (config, args, receiver) => {
        survive(() => new binding.MinMaxWorkspace(config as never).dispose());
        survive(() => (valid.solveBatch as (...a: unknown[]) => unknown)(...args));
        survive(() => prototype.solveBatch.call(receiver, ...args));
        survive(() => prototype.dispose.call(receiver));
      }),
      { numRuns: RUNS },
    );
    valid.dispose();
    survive(() => (valid.solveBatch as (...a: unknown[]) => unknown)(1));
  });

  it("countExperts and mapExperts survive junk", () => {
    fc.assert(
      fc.property(argumentList, (args) => {
        survive(() => (binding.countExperts as (...a: unknown[]) => unknown)(...args));
        survive(() => (binding.mapExperts as (...a: unknown[]) => unknown)(...args));
      }),
      { numRuns: RUNS },
    );
    // Right-sized arrays with junk ids: an index comes back, never a crash.
    fc.assert(
      fc.property(fc.int32Array({ minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 40 }), (ids, nExperts) => {
        const counts = new Int32Array(nExperts);
        const bad = binding.countExperts(ids, nExperts, 64, 1, counts, null);
        const firstBad = ids.findIndex((id) => id < -1 || id >= nExperts);
        expect(bad).toBe(firstBad);
        const routes = new Int32Array(5 * nExperts);
        for (let e = 0; e < nExperts; e++) routes.set([1, 0, 1, e, e], 5 * e);
        expect(binding.mapExperts(ids, nExperts, routes, new Int32Array(ids.length))).toBe(firstBad);
      }),
      { numRuns: RUNS },
    );
  });

  it("solveBatchAsync survives junk: it throws or returns a promise", async () => {
    await fc.assert(
      fc.asyncProperty(configLike, argumentList, async (config, args) => {
        let pending: unknown;
        try {
          pending = (binding.solveBatchAsync as (...a: unknown[]) => unknown)(config, ...args);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        try {
          await pending;
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("right-sized random arrays reach the solver and come back as results or errors", () => {
    const shape = { nVars: 3, mEq: 1, mUb: 2 };
    const ws = new binding.Workspace({
      ...shape,
      precision: "float64",
      tolerance: 1e-9,
      maxIterations: 100,
      backend: "cpu",
    });
    const values = (length: number) => fc.float64Array({ minLength: length, maxLength: length });
    fc.assert(
      fc.property(
        fc.tuple(values(3), values(3), values(1), values(6), values(2), values(3), values(3)),
        ([c, aEq, bEq, aUb, bUb, lower, upper]) => {
          const status = new Int32Array(1);
          const x = new Float64Array(3);
          survive(() =>
            ws.solveBatch(
              1,
              c,
              aEq,
              bEq,
              aUb,
              bUb,
              lower,
              upper,
              status,
              x,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
            ),
          );
          expect(status[0] >= 0 && status[0] <= 4).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    ws.dispose();
  });
});

import { solveWithHighs } from "@lplb/highs-oracle";
import { cube, hypercube, randomTopology, ring, type Topology, torus2d } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import {
  balanceOf,
  createLpBatchSolution,
  createLplbLayout,
  type LplbLayout,
  linearProgramAt,
  validateLpBatch,
} from "../src/index.js";
import {
  copyRanks,
  expectInvalid,
  freshSeed,
  groupRankLoads,
  lplbPlacement,
  type Matrix,
  makeWorkload,
  maxAbsDiff,
  minMaxBySubsets,
  mulberry32,
  normalise,
  randomInt,
  referenceGroupLp,
  shuffle,
  splitModel,
  WORKLOAD_KINDS,
  type WorkloadKind,
} from "./helpers.js";

interface Instance {
  topology: Topology;
  r2o: Matrix;
  epSize: number;
  nLogical: number;
  redundantPerRank: number;
  phy2log: Int32Array;
  layout: LplbLayout;
}

/** An LPLB placement on `topology` with `nGroup` groups, random own-expert order. */
function makeInstance(
  random: () => number,
  topology: Topology,
  options: { nGroup?: number; combined?: number; extraOwn?: number } = {},
): Instance {
  const r2o = topology.r2o;
  const G = topology.groupSize;
  const D = topology.slots;
  const nGroup = options.nGroup ?? randomInt(random, 1, 2);
  const combined = options.combined ?? randomInt(random, 1, 2);
  const extraOwn = options.extraOwn ?? randomInt(random, 0, 2);
  const epSize = G * nGroup;
  const own = combined * D + extraOwn;
  const nLogical = own * epSize;
  const redundantPerRank = combined * D;
  const order = shuffle(
    random,
    Array.from({ length: nLogical }, (_, e) => e),
  );
  const phy2log = lplbPlacement(r2o, epSize, order, redundantPerRank);
  const layout = createLplbLayout({
    topology,
    nLogicalExperts: nLogical,
    nRoutedExperts: nLogical + redundantPerRank * epSize,
    epSize,
    phy2log,
  });
  return { topology, r2o, epSize, nLogical, redundantPerRank, phy2log, layout };
}

function referenceTopologies(random: () => number): Topology[] {
  return [
    cube(),
    hypercube(),
    ring(2),
    ring(3),
    ring(8),
    torus2d(2, 3),
    torus2d(4, 2),
    randomTopology(randomInt(random, 2, 9), randomInt(random, 1, 3), random),
    randomTopology(randomInt(random, 3, 6), 2, random),
  ];
}

describe("createLplbLayout: the built LPs match the reference formula", () => {
  it("reports the sizes of the placement", () => {
    const random = mulberry32(1);
    const { layout } = makeInstance(random, cube(), { nGroup: 2, combined: 2, extraOwn: 1 });
    expect(layout.groupSize).toBe(8);
    expect(layout.slots).toBe(2);
    expect(layout.nGroup).toBe(2);
    expect(layout.epSize).toBe(16);
    expect(layout.ownPerRank).toBe(5);
    expect(layout.redundantPerRank).toBe(4);
    expect(layout.perRank).toBe(9);
    expect(layout.combined).toBe(2);
    expect(layout.nLogicalExperts).toBe(80);
    expect(layout.nRoutedExperts).toBe(144);
    expect(layout.shape).toEqual({ nVars: 17, mEq: 0, mUb: 8 });
    expect(layout.zIndex).toBe(16);
    expect(layout.variableIndex(3, 1)).toBe(7);
    expect(layout.topology.name).toBe("cube");
  });

  it("writes, on a fixed ring of 3, exactly the hand-derived LP", () => {
    // ring(3): r2o = [[1], [2], [0]]; E = 6, 2 own experts per rank, 1 redundant slot.
    // Own experts in order: rank 0: [0, 1], rank 1: [2, 3], rank 2: [4, 5].
    // Redundant slot of rank i copies own expert 0 of rank r2o[i][0]: rank 0 holds 2, rank 1 holds 4, rank 2 holds 0.
    const phy2log = Int32Array.from([0, 1, 2, 2, 3, 4, 4, 5, 0]);
    const layout = createLplbLayout({ topology: ring(3), nLogicalExperts: 6, nRoutedExperts: 9, epSize: 3, phy2log });
    const workload = [10, 2, 4, 6, 8, 20]; // max 20
    const batch = layout.fill(workload);
    // w = [0.5, 0.2, 0.4], f = [0.1, 0.3, 1]. Row i: w[i] p[i] - w[s] p[s] - z <= -f[i] - w[s], s = i + 1 mod 3.
    expect(Array.from(batch.c)).toEqual([0, 0, 0, 1]);
    expect(Array.from(batch.lower)).toEqual([0, 0, 0, 0]);
    expect(Array.from(batch.upper)).toEqual([1, 1, 1, Number.POSITIVE_INFINITY]);
    const expectedA = [0.5, -0.2, 0, -1, 0, 0.2, -0.4, -1, -0.5, 0, 0.4, -1];
    const expectedB = [-0.1 - 0.2, -0.3 - 0.4, -1 - 0.5];
    expect(maxAbsDiff(batch.aUb, expectedA)).toBeLessThan(1e-15);
    expect(maxAbsDiff(batch.bUb, expectedB)).toBeLessThan(1e-15);
    const weights = layout.weights(workload);
    expect(maxAbsDiff(weights.w, [0.5, 0.2, 0.4])).toBeLessThan(1e-15);
    expect(maxAbsDiff(weights.f, [0.1, 0.3, 1])).toBeLessThan(1e-15);
    expect(weights.maxLoad).toBe(20);
  });

  it("matches the directly evaluated rank-load rows on random placements and workloads", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    let checked = 0;
    for (let round = 0; round < 4; round++) {
      for (const topology of referenceTopologies(random)) {
        const instance = makeInstance(random, topology);
        const { layout, phy2log, epSize, nLogical } = instance;
        const model = splitModel(phy2log, epSize, nLogical, topology.groupSize, topology.slots);
        for (const kind of WORKLOAD_KINDS) {
          const context = `seed ${seed}, ${topology.name}, epSize ${epSize}, ${kind}`;
          const workload = makeWorkload(random, nLogical, kind);
          const batch = layout.fill(workload);
          validateLpBatch(batch);
          expect(batch.count, context).toBe(layout.nGroup);
          const normalised = normalise(workload);
          for (let g = 0; g < layout.nGroup; g++) {
            const reference = referenceGroupLp(model, phy2log, normalised, g);
            const lp = linearProgramAt(batch, g);
            expect(lp.aEq, context).toBeUndefined();
            expect(maxAbsDiff(lp.c, reference.c), context).toBe(0);
            expect(maxAbsDiff(lp.lower!, reference.lower), context).toBe(0);
            expect(maxAbsDiff(lp.upper!, reference.upper), context).toBe(0);
            expect(maxAbsDiff(lp.aUb!, reference.aUb), context).toBeLessThan(1e-12);
            expect(maxAbsDiff(lp.bUb!, reference.bUb), context).toBeLessThan(1e-12);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("accepts an r2o matrix in place of a Topology", () => {
    const r2o = [
      [1, 2],
      [2, 0],
      [0, 1],
    ];
    const withCopies = lplbPlacement(r2o, 3, [0, 1, 2, 3, 4, 5], 2);
    const layout = createLplbLayout({
      topology: r2o,
      nLogicalExperts: 6,
      nRoutedExperts: 12,
      epSize: 3,
      phy2log: withCopies,
    });
    expect(layout.topology.r2o).toEqual(r2o);
    expect(layout.shape.nVars).toBe(7);
  });

  it("gives an all-zero workload zero loads without dividing by zero", () => {
    const { layout, nLogical } = makeInstance(mulberry32(7), hypercube(), { nGroup: 1 });
    const batch = layout.fill(new Float64Array(nLogical));
    validateLpBatch(batch);
    for (let k = 0; k < batch.aUb.length; k++) {
      const expected = k % layout.shape.nVars === layout.zIndex ? -1 : 0;
      expect(batch.aUb[k]).toBe(expected);
    }
    expect(batch.bUb.every((v) => v === 0)).toBe(true);
    expect(layout.balance(new Float64Array(nLogical), new Float64Array(layout.epSize * layout.slots).fill(0.5))).toBe(
      1,
    );
  });

  it("refreshes a batch in place with the same result as a fresh fill", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    const { layout, nLogical } = makeInstance(random, torus2d(2, 3), { nGroup: 3 });
    const first = makeWorkload(random, nLogical, "uniform");
    const second = makeWorkload(random, nLogical, "heavy-tailed");
    const batch = layout.fill(first);
    const arrays = [batch.c, batch.aUb, batch.bUb, batch.lower, batch.upper];
    // Corrupt everything: a refresh must rewrite every coefficient, not only the changed ones.
    for (const array of arrays) array.fill(Number.NaN);
    const refreshed = layout.fill(second, batch);
    expect(refreshed).toBe(batch);
    expect([refreshed.c, refreshed.aUb, refreshed.bUb, refreshed.lower, refreshed.upper]).toEqual(arrays);
    const fresh = layout.fill(second);
    expect(maxAbsDiff(refreshed.aUb, fresh.aUb), `seed ${seed}`).toBe(0);
    expect(maxAbsDiff(refreshed.bUb, fresh.bUb), `seed ${seed}`).toBe(0);
    expect(maxAbsDiff(refreshed.c, fresh.c)).toBe(0);
    expect(maxAbsDiff(refreshed.lower, fresh.lower)).toBe(0);
    expect(maxAbsDiff(refreshed.upper, fresh.upper)).toBe(0);
  });

  it("computes rank loads and balance like a per-physical-slot sum", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    for (const topology of referenceTopologies(random)) {
      const { layout, phy2log, epSize, nLogical } = makeInstance(random, topology);
      const model = splitModel(phy2log, epSize, nLogical, topology.groupSize, topology.slots);
      const workload = makeWorkload(random, nLogical, "heavy-tailed");
      const probs = Float64Array.from({ length: epSize * topology.slots }, () => random());
      probs[0] = 0;
      probs[probs.length - 1] = 1;
      const loads = layout.rankLoads(workload, probs);
      const perGroup = topology.groupSize * topology.slots;
      let total = 0;
      let max = 0;
      for (let g = 0; g < layout.nGroup; g++) {
        const expected = groupRankLoads(model, phy2log, workload, g, probs.subarray(g * perGroup, (g + 1) * perGroup));
        const actual = loads.subarray(g * topology.groupSize, (g + 1) * topology.groupSize);
        expect(maxAbsDiff(actual, expected), `seed ${seed}, ${topology.name}`).toBeLessThan(
          1e-9 * (1 + Math.max(...expected)),
        );
        for (const v of expected) {
          total += v;
          max = Math.max(max, v);
        }
      }
      let workloadTotal = 0;
      for (const v of workload) workloadTotal += v;
      // Splitting moves tokens between ranks; it never creates or loses any.
      expect(Math.abs(total - workloadTotal)).toBeLessThan(1e-9 * workloadTotal);
      expect(layout.balance(workload, probs)).toBeCloseTo((max * epSize) / total, 9);
      const out = new Float64Array(epSize);
      expect(layout.rankLoads(workload, probs, out)).toBe(out);
      expect(maxAbsDiff(out, loads)).toBe(0);
    }
  });
});

describe("createLplbLayout: HiGHS solves of the built LPs", () => {
  it("reach z = max normalised rank load = the exact min-max on every reference topology and load kind", async () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    const kinds: WorkloadKind[] = ["uniform", "heavy-tailed", "zeros", "some-zeros", "dominant"];
    for (const topology of referenceTopologies(random)) {
      const instance = makeInstance(random, topology);
      const { layout, phy2log, epSize, nLogical } = instance;
      const copies = copyRanks(phy2log, epSize, nLogical);
      for (const kind of kinds) {
        const context = `seed ${seed}, ${topology.name}, epSize ${epSize}, ${kind}`;
        const workload = makeWorkload(random, nLogical, kind);
        const normalised = normalise(workload);
        const batch = layout.fill(workload);
        const solution = createLpBatchSolution(layout.shape, layout.nGroup);
        for (let g = 0; g < layout.nGroup; g++) {
          const result = await solveWithHighs(linearProgramAt(batch, g));
          expect(result.status, context).toBe("optimal");
          solution.x.set(result.x, g * layout.shape.nVars);
          solution.statusCodes[g] = 0;
          solution.objective[g] = result.objective;
        }
        const probs = layout.probsFromSolution(solution);
        const loads = layout.rankLoads(normalised, probs);
        for (let g = 0; g < layout.nGroup; g++) {
          const G = topology.groupSize;
          const groupRanks = Array.from({ length: G }, (_, i) => g * G + i);
          const zStar = solution.objective[g];
          const maxLoad = Math.max(...groupRanks.map((r) => loads[r]));
          expect(Math.abs(zStar - maxLoad), context).toBeLessThan(1e-7);
          expect(Math.abs(zStar - minMaxBySubsets(normalised, copies, groupRanks)), context).toBeLessThan(1e-7);
        }
      }
    }
  });

  it("finds the true min-max of a grid search over p on rings of 2 and 3 ranks", async () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    for (const size of [2, 3]) {
      for (let trial = 0; trial < 3; trial++) {
        const topology = ring(size);
        const { layout, phy2log, epSize, nLogical } = makeInstance(random, topology, { nGroup: 1 });
        const model = splitModel(phy2log, epSize, nLogical, size, 1);
        const workload = makeWorkload(random, nLogical, trial === 0 ? "dominant" : "uniform");
        const normalised = normalise(workload);
        const result = await solveWithHighs(linearProgramAt(layout.fill(workload), 0));
        expect(result.status).toBe("optimal");
        const steps = size === 2 ? 400 : 50;
        const p = new Float64Array(size);
        let gridBest = Number.POSITIVE_INFINITY;
        const visit = (k: number): void => {
          if (k === size) {
            gridBest = Math.min(gridBest, Math.max(...groupRankLoads(model, phy2log, normalised, 0, p)));
            return;
          }
          for (let step = 0; step <= steps; step++) {
            p[k] = step / steps;
            visit(k + 1);
          }
        };
        visit(0);
        // Rank loads change by at most (sum of split loads) * h between grid neighbours.
        const weights = layout.weights(workload);
        let lipschitz = 0;
        for (const v of weights.w) lipschitz += v;
        const context = `seed ${seed}, ring${size}, trial ${trial}`;
        expect(result.objective, context).toBeLessThanOrEqual(gridBest + 1e-9);
        expect(gridBest - result.objective, context).toBeLessThanOrEqual(lipschitz / steps + 1e-9);
      }
    }
  });
});

describe("balanceOf", () => {
  it("is max over mean, 1 for all-zero loads", () => {
    expect(balanceOf([1, 3])).toBe(1.5);
    expect(balanceOf(Float64Array.from([2, 2, 2]))).toBe(1);
    expect(balanceOf([0, 0])).toBe(1);
    expect(balanceOf([0, 0, 6])).toBe(3);
  });

  it("rejects bad loads", () => {
    expectInvalid(() => balanceOf([]), "loads", /non-empty/);
    expectInvalid(() => balanceOf([1, -1]), "loads[1]", />= 0/);
    expectInvalid(() => balanceOf([1, Number.NaN]), "loads[1]", /got NaN/);
    expectInvalid(() => balanceOf(undefined as never), "loads", /array or typed array/);
  });
});

describe("probsFromSolution", () => {
  it("reads p per group, clamps to [0, 1], and falls back to 0.5 for non-optimal groups", () => {
    const { layout } = makeInstance(mulberry32(3), ring(3), { nGroup: 3, combined: 1, extraOwn: 0 });
    const n = layout.shape.nVars;
    const solution = createLpBatchSolution(layout.shape, 3);
    solution.statusCodes.set([0, 3, 0]);
    solution.x.set([0.25, -1e-12, 1 + 1e-12, 0.7], 0);
    solution.x.set([0.1, 0.2, 0.3, 0.4], n);
    solution.x.set([0.1, Number.NaN, 0.3, 0.4], 2 * n);
    const probs = layout.probsFromSolution(solution);
    expect(Array.from(probs)).toEqual([0.25, 0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const out = new Float64Array(9);
    expect(layout.probsFromSolution(solution, out)).toBe(out);
    expect(out).toEqual(probs);
  });
});

describe("createLplbLayout: invalid input", () => {
  const topology = ring(3);
  const phy2log = Int32Array.from([0, 1, 2, 2, 3, 4, 4, 5, 0]);
  const good = { topology, nLogicalExperts: 6, nRoutedExperts: 9, epSize: 3, phy2log };
  it("rejects bad options objects", () => {
    expectInvalid(
      () => createLplbLayout(undefined as never),
      "options",
      "expected an options object for options, got undefined",
    );
    expectInvalid(() => createLplbLayout(null as never), "options", /options object/);
    expectInvalid(() => createLplbLayout({ ...good, extra: 1 } as never), "options.extra", /unknown option "extra"/);
  });

  it("rejects a bad topology", () => {
    expectInvalid(
      () => createLplbLayout({ ...good, topology: undefined as never }),
      "options.topology",
      /Topology or an r2o matrix/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, topology: [[0], [1]] }),
      "options.topology[0][0]",
      /never replicates itself/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, topology: [[1], [0], [0]] }),
      "options.topology[2][0]",
      /permutation/,
    );
  });

  it("rejects a bad epSize", () => {
    expectInvalid(
      () => createLplbLayout({ ...good, epSize: 4 }),
      "options.epSize",
      "expected a multiple of 3 (the topology's groupSize) for options.epSize, got 4",
    );
    expectInvalid(() => createLplbLayout({ ...good, epSize: 2 }), "options.epSize", /an integer in \[3, /);
    expectInvalid(() => createLplbLayout({ ...good, epSize: 3.5 }), "options.epSize", /got 3.5/);
    expectInvalid(() => createLplbLayout({ ...good, epSize: "3" as never }), "options.epSize", /got "3"/);
    expectInvalid(
      () => createLplbLayout({ ...good, topology: ring(20_000), epSize: 20_000 }),
      "options.epSize",
      /fit in 268435456 coefficients/,
    );
  });

  it("rejects a bad nLogicalExperts", () => {
    expectInvalid(
      () => createLplbLayout({ ...good, nLogicalExperts: 7 }),
      "options.nLogicalExperts",
      /multiple of epSize \(3\)/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, nLogicalExperts: 0 }),
      "options.nLogicalExperts",
      /an integer in \[1, /,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, topology: cube(), epSize: 8, nLogicalExperts: 8, nRoutedExperts: 24 }),
      "options.nLogicalExperts",
      /at least epSize \* D = 16/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, nLogicalExperts: Number.NaN }),
      "options.nLogicalExperts",
      /got NaN/,
    );
  });

  it("rejects a bad nRoutedExperts", () => {
    expectInvalid(
      () => createLplbLayout({ ...good, nRoutedExperts: 6 }),
      "options.nRoutedExperts",
      /an integer in \[7, /,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, nRoutedExperts: 10 }),
      "options.nRoutedExperts",
      /R a multiple of D = 1 in \[1, 2\]/,
    );
    expectInvalid(() => createLplbLayout({ ...good, nRoutedExperts: 15 }), "options.nRoutedExperts", /got 15/);
  });

  it("rejects a bad phy2log", () => {
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: phy2log.subarray(1) }),
      "options.phy2log",
      /an array of length 9/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: 5 as never }),
      "options.phy2log",
      /an array or Int32Array of 9/,
    );
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: [0, 1, 2, 2, 3, 4, 4, 6, 0] }),
      "options.phy2log[7]",
      "expected an integer in [0, 5] for options.phy2log[7], got 6",
    );
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: [0, 1, 2, 2, 3, 4, 4, 0.5, 0] }),
      "options.phy2log[7]",
      /got 0.5/,
    );
    // Expert 1 twice among own slots (and expert 5 never).
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: [0, 1, 2, 2, 3, 4, 4, 1, 0] }),
      "options.phy2log",
      /logical expert 1 in both options.phy2log\[1\] and options.phy2log\[7\]/,
    );
    // Rank 1's redundant slot must copy own expert 0 of rank 2 (logical 4), not 3.
    expectInvalid(
      () => createLplbLayout({ ...good, phy2log: [0, 1, 2, 2, 3, 3, 4, 5, 0] }),
      "options.phy2log",
      "expected options.phy2log[5] (rank 1, redundant slot 0) to hold a copy of logical expert 4 (own expert 0 of rank 2, as r2o[1][0] = 2), got 3",
    );
  });

  it("rejects bad arguments of fill, weights, rankLoads, balance, probsFromSolution and variableIndex", () => {
    const layout = createLplbLayout(good);
    const workload = [1, 2, 3, 4, 5, 6];
    const probs = new Float64Array(3).fill(0.5);
    expectInvalid(() => layout.fill([1, 2, 3]), "workload", /an array of length 6/);
    expectInvalid(
      () => layout.fill([1, 2, 3, 4, 5, -1]),
      "workload[5]",
      "expected a finite number >= 0 for workload[5], got -1",
    );
    expectInvalid(() => layout.fill([1, 2, Number.NaN, 4, 5, 6]), "workload[2]", /got NaN/);
    expectInvalid(() => layout.fill([1, 2, Number.POSITIVE_INFINITY, 4, 5, 6]), "workload[2]", /got Infinity/);
    expectInvalid(() => layout.fill(null as never), "workload", /array or typed array/);
    expectInvalid(() => layout.weights([1]), "workload", /length 6/);
    const batch = layout.fill(workload);
    expectInvalid(() => layout.fill(workload, { ...batch, count: 2 }), "out.count", /expected 1 for out.count/);
    expectInvalid(
      () => layout.fill(workload, { ...batch, shape: { nVars: 4, mEq: 0, mUb: 2 } }),
      "out.shape",
      /nVars: 4, mEq: 0, mUb: 3/,
    );
    expectInvalid(() => layout.fill(workload, { ...batch, aUb: new Float64Array(3) }), "out.aUb", /length 12/);
    expectInvalid(() => layout.fill(workload, { ...batch, lower: undefined }), "out.lower", /Float64Array of length 4/);
    expectInvalid(() => layout.fill(workload, 7 as never), "out", /an LpBatch/);
    expectInvalid(() => layout.rankLoads(workload, [0.5, 0.5]), "probs", /length 3/);
    expectInvalid(() => layout.rankLoads(workload, [0.5, 1.5, 0.5]), "probs[1]", /in \[0, 1\]/);
    expectInvalid(() => layout.rankLoads(workload, [0.5, -0.1, 0.5]), "probs[1]", />= 0/);
    expectInvalid(() => layout.rankLoads(workload, probs, new Float64Array(2)), "out", /length 3/);
    expectInvalid(() => layout.rankLoads([1], probs), "workload", /length 6/);
    expectInvalid(() => layout.balance(workload, [Number.NaN, 0, 0]), "probs[0]", /got NaN/);
    const solution = createLpBatchSolution(layout.shape, 1);
    expectInvalid(
      () => layout.probsFromSolution(createLpBatchSolution(layout.shape, 2)),
      "solution.count",
      /1 \(one LP per group\)/,
    );
    expectInvalid(
      () => layout.probsFromSolution(createLpBatchSolution({ nVars: 5, mEq: 0, mUb: 3 }, 1)),
      "solution.shape",
      /nVars: 4/,
    );
    expectInvalid(() => layout.probsFromSolution({ ...solution, x: new Float64Array(2) }), "solution.x", /length 4/);
    expectInvalid(
      () => layout.probsFromSolution({ ...solution, statusCodes: [0] as never }),
      "solution.statusCodes",
      /Int32Array/,
    );
    expectInvalid(() => layout.probsFromSolution(null as never), "solution", /LpBatchSolution/);
    expectInvalid(() => layout.probsFromSolution(solution, new Float64Array(2)), "out", /length 3/);
    expectInvalid(() => layout.variableIndex(3, 0), "rank", /\[0, 2\]/);
    expectInvalid(() => layout.variableIndex(0, 1), "slot", /\[0, 0\]/);
  });
});

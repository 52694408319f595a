import { solveWithHighs } from "@lplb/highs-oracle";
import { cube, randomTopology, ring, torus2d } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import {
  createGeneralLayout,
  createLplbLayout,
  linearProgramAt,
  validateLinearProgram,
  validateLpBatch,
} from "../src/index.js";
import {
  copyRanks,
  expectInvalid,
  freshSeed,
  lplbPlacement,
  makeWorkload,
  maxAbsDiff,
  minMaxBySubsets,
  mulberry32,
  normalise,
  randomInt,
  shuffle,
  WORKLOAD_KINDS,
} from "./helpers.js";

/** A placement with every expert present at least once and the remaining slots filled at random. */
function randomPlacement(random: () => number, epSize: number, perRank: number, nLogical: number): Int32Array {
  const slots = shuffle(
    random,
    Array.from({ length: epSize * perRank }, (_, p) => p),
  );
  const phy2log = new Int32Array(epSize * perRank);
  slots.forEach((p, k) => {
    phy2log[p] = k < nLogical ? k : Math.floor(random() * nLogical);
  });
  return phy2log;
}

describe("createGeneralLayout", () => {
  it("writes the hand-derived LP of a small placement and HiGHS balances it exactly", async () => {
    // Rank 0 holds experts [0, 1], rank 1 holds [2, 0]: expert 0 is replicated on both ranks.
    const layout = createGeneralLayout({ phy2log: [0, 1, 2, 0], epSize: 2, nLogicalExperts: 3 });
    expect(layout.shape).toEqual({ nVars: 3, mEq: 1, mUb: 2 });
    expect(Array.from(layout.sharePhysical)).toEqual([0, 3]);
    expect(Array.from(layout.replicatedExperts)).toEqual([0]);
    expect(Array.from(layout.logcnt)).toEqual([2, 1, 1]);
    expect(layout.zIndex).toBe(2);
    // The arrays are copies: changing them changes nothing.
    layout.sharePhysical[0] = 1;
    layout.replicatedExperts[0] = 2;
    layout.logcnt[0] = 5;
    expect(Array.from(layout.sharePhysical)).toEqual([0, 3]);
    expect(Array.from(layout.replicatedExperts)).toEqual([0]);
    expect(Array.from(layout.logcnt)).toEqual([2, 1, 1]);
    const lp = layout.fill([4, 2, 1]); // normalised [1, 0.5, 0.25]
    expect(Array.from(lp.c)).toEqual([0, 0, 1]);
    expect(Array.from(lp.aEq)).toEqual([1, 1, 0]);
    expect(Array.from(lp.bEq)).toEqual([1]);
    expect(Array.from(lp.aUb)).toEqual([1, 0, -1, 0, 1, -1]);
    expect(Array.from(lp.bUb)).toEqual([-0.5, -0.25]);
    expect(Array.from(lp.lower)).toEqual([0, 0, 0]);
    expect(Array.from(lp.upper)).toEqual([
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(lp.count).toBe(1);
    validateLinearProgram(lp);
    validateLpBatch(lp);
    // Total 1.75 over two ranks: 0.875 each, so rank 0 keeps 0.375 of expert 0's 1.0.
    const result = await solveWithHighs(lp);
    expect(result.status).toBe("optimal");
    expect(result.objective).toBeCloseTo(0.875, 9);
    const fractions = layout.sharesFromSolution(result);
    expect(fractions[0]).toBeCloseTo(0.375, 9);
    expect(fractions[3]).toBeCloseTo(0.625, 9);
    expect(fractions[1]).toBe(1);
    expect(fractions[2]).toBe(1);
    expect(layout.balance([4, 2, 1], fractions)).toBeCloseTo(1, 9);
  });

  it("writes rows whose residuals equal the directly computed rank loads and expert sums", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    for (let trial = 0; trial < 60; trial++) {
      const epSize = randomInt(random, 1, 8);
      const perRank = randomInt(random, 1, 5);
      const nLogical = randomInt(random, 1, epSize * perRank);
      const phy2log = randomPlacement(random, epSize, perRank, nLogical);
      const layout = createGeneralLayout({ phy2log, epSize, nLogicalExperts: nLogical });
      const kind = WORKLOAD_KINDS[trial % WORKLOAD_KINDS.length];
      const workload = makeWorkload(random, nLogical, kind);
      const L = normalise(workload);
      const lp = layout.fill(workload);
      validateLinearProgram(lp);
      const context = `seed ${seed}, trial ${trial}, ${kind}`;
      const copies = copyRanks(phy2log, epSize, nLogical);
      // Share variables: exactly the copies of the replicated experts, by logical then physical id.
      const expectedShares: number[] = [];
      for (let e = 0; e < nLogical; e++) {
        if (copies[e].length < 2) continue;
        for (let p = 0; p < phy2log.length; p++) if (phy2log[p] === e) expectedShares.push(p);
      }
      expect(Array.from(layout.sharePhysical), context).toEqual(expectedShares);
      const n = lp.nVars;
      expect(n, context).toBe(expectedShares.length + 1);
      // Residuals at random points (the rows are affine, so agreement at n + 1 generic points is equality).
      for (let point = 0; point < 4; point++) {
        const x = Float64Array.from({ length: n }, () => random() * 2);
        const load = new Float64Array(epSize);
        const expertSum = new Float64Array(nLogical);
        for (let p = 0; p < phy2log.length; p++)
          if (copies[phy2log[p]].length === 1) load[Math.floor(p / perRank)] += L[phy2log[p]];
        expectedShares.forEach((p, k) => {
          load[Math.floor(p / perRank)] += x[k];
          expertSum[phy2log[p]] += x[k];
        });
        for (let r = 0; r < epSize; r++) {
          let residual = -lp.bUb[r];
          for (let j = 0; j < n; j++) residual += lp.aUb[r * n + j] * x[j];
          expect(Math.abs(residual - (load[r] - x[n - 1])), context).toBeLessThan(1e-12);
        }
        layout.replicatedExperts.forEach((e, row) => {
          let residual = -lp.bEq[row];
          for (let j = 0; j < n; j++) residual += lp.aEq[row * n + j] * x[j];
          expect(Math.abs(residual - (expertSum[e] - L[e])), context).toBeLessThan(1e-12);
        });
      }
      expect(Array.from(lp.c), context).toEqual([...new Array(n - 1).fill(0), 1]);
      expect(lp.lower.every((v) => v === 0)).toBe(true);
      expect(lp.upper.every((v) => v === Number.POSITIVE_INFINITY)).toBe(true);
    }
  });

  it("HiGHS reaches z = max rank load = the exact min-max on random placements", async () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    for (let trial = 0; trial < 40; trial++) {
      const epSize = randomInt(random, 1, 8);
      const perRank = randomInt(random, 1, 4);
      const nLogical = randomInt(random, 1, epSize * perRank);
      const phy2log = randomPlacement(random, epSize, perRank, nLogical);
      const layout = createGeneralLayout({ phy2log, epSize, nLogicalExperts: nLogical });
      const kind = WORKLOAD_KINDS[trial % WORKLOAD_KINDS.length];
      const workload = makeWorkload(random, nLogical, kind);
      const L = normalise(workload);
      const context = `seed ${seed}, trial ${trial}, epSize ${epSize}, ${kind}`;
      const result = await solveWithHighs(layout.fill(workload));
      expect(result.status, context).toBe("optimal");
      const fractions = layout.sharesFromSolution(result);
      const sums = new Float64Array(nLogical);
      for (let p = 0; p < phy2log.length; p++) sums[phy2log[p]] += fractions[p];
      for (let e = 0; e < nLogical; e++) expect(Math.abs(sums[e] - 1), context).toBeLessThan(1e-12);
      const loads = layout.rankLoads(L, fractions);
      const ranks = Array.from({ length: epSize }, (_, r) => r);
      const exact = minMaxBySubsets(L, copyRanks(phy2log, epSize, nLogical), ranks);
      expect(Math.abs(result.objective - Math.max(...loads)), context).toBeLessThan(1e-7);
      expect(Math.abs(result.objective - exact), context).toBeLessThan(1e-7);
    }
  });

  it("agrees with the compact LPLB formulation on LPLB placements", async () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    const topologies = [
      cube(),
      ring(3),
      ring(5),
      torus2d(2, 2),
      randomTopology(4, 2, random),
      randomTopology(6, 3, random),
    ];
    for (const topology of topologies) {
      const G = topology.groupSize;
      const D = topology.slots;
      const nGroup = randomInt(random, 1, 2);
      const combined = randomInt(random, 1, 2);
      const epSize = G * nGroup;
      const own = combined * D + randomInt(random, 0, 1);
      const nLogical = own * epSize;
      const order = shuffle(
        random,
        Array.from({ length: nLogical }, (_, e) => e),
      );
      const phy2log = lplbPlacement(topology.r2o, epSize, order, combined * D);
      const compact = createLplbLayout({
        topology,
        nLogicalExperts: nLogical,
        nRoutedExperts: phy2log.length,
        epSize,
        phy2log,
      });
      const general = createGeneralLayout({ phy2log, epSize, nLogicalExperts: nLogical });
      for (const kind of ["uniform", "heavy-tailed", "dominant"] as const) {
        const workload = makeWorkload(random, nLogical, kind);
        const context = `seed ${seed}, ${topology.name}, epSize ${epSize}, combined ${combined}, ${kind}`;
        const batch = compact.fill(workload);
        let compactBest = 0;
        for (let g = 0; g < nGroup; g++) {
          const result = await solveWithHighs(linearProgramAt(batch, g));
          expect(result.status, context).toBe("optimal");
          compactBest = Math.max(compactBest, result.objective);
        }
        const generalResult = await solveWithHighs(general.fill(workload));
        expect(generalResult.status, context).toBe("optimal");
        // Experts combined in one slot share their pair of ranks, so any split of their total is
        // reachable either way: the optima agree.
        expect(Math.abs(generalResult.objective - compactBest), context).toBeLessThan(1e-7);
      }
    }
  });

  it("handles a placement without replicated experts (only z)", async () => {
    const layout = createGeneralLayout({ phy2log: [2, 0, 1, 3], epSize: 2, nLogicalExperts: 4 });
    expect(layout.shape).toEqual({ nVars: 1, mEq: 0, mUb: 2 });
    const lp = layout.fill([1, 2, 3, 4]);
    validateLinearProgram(lp);
    const result = await solveWithHighs(lp);
    expect(result.status).toBe("optimal");
    // Rank 0 carries experts 2 and 0 (3 + 1 tokens), rank 1 experts 1 and 3 (2 + 4); the maximum load is 4.
    expect(result.objective).toBeCloseTo(6 / 4, 12);
    expect(Array.from(layout.sharesFromSolution(result))).toEqual([1, 1, 1, 1]);
    expect(Array.from(layout.rankLoads([1, 2, 3, 4], [1, 1, 1, 1]))).toEqual([4, 6]);
  });

  it("gives an all-zero workload zero right-hand sides and an even split", () => {
    const layout = createGeneralLayout({ phy2log: [0, 1, 1, 0, 0, 2], epSize: 3, nLogicalExperts: 3 });
    const lp = layout.fill([0, 0, 0]);
    expect(lp.bEq.every((v) => v === 0)).toBe(true);
    expect(lp.bUb.every((v) => v === 0)).toBe(true);
    const fractions = layout.sharesFromSolution({ x: new Float64Array(layout.shape.nVars) });
    expect(Array.from(fractions)).toEqual([1 / 3, 0.5, 0.5, 1 / 3, 1 / 3, 1]);
    expect(layout.balance([0, 0, 0], fractions)).toBe(1);
  });

  it("normalises shares: negatives are clamped and fractions of an expert sum to 1", () => {
    const layout = createGeneralLayout({ phy2log: [0, 1, 1, 0], epSize: 2, nLogicalExperts: 2 });
    // Variables: expert 0 on physical 0 and 3, expert 1 on physical 1 and 2, then z.
    const fractions = layout.sharesFromSolution({ x: Float64Array.from([0.6, -1e-12, 0.1, 0.3, 0.7]) });
    expect(Array.from(fractions)).toEqual([1, 0.25, expect.closeTo(0.75, 15), 0]);
    const out = new Float64Array(4);
    expect(layout.sharesFromSolution({ x: Float64Array.from([0.6, -1e-12, 0.1, 0.3, 0.7]) }, out)).toBe(out);
  });

  it("refreshes an LP in place with the same result as a fresh fill", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    const phy2log = randomPlacement(random, 4, 3, 9);
    const layout = createGeneralLayout({ phy2log, epSize: 4, nLogicalExperts: 9 });
    const lp = layout.fill(makeWorkload(random, 9, "uniform"));
    const arrays = [lp.c, lp.aEq, lp.bEq, lp.aUb, lp.bUb, lp.lower, lp.upper];
    for (const array of arrays) array.fill(Number.NaN);
    const workload = makeWorkload(random, 9, "heavy-tailed");
    const refreshed = layout.fill(workload, lp);
    expect(refreshed).toBe(lp);
    expect([lp.c, lp.aEq, lp.bEq, lp.aUb, lp.bUb, lp.lower, lp.upper]).toEqual(arrays);
    const fresh = layout.fill(workload);
    for (const key of ["c", "aEq", "bEq", "aUb", "bUb", "lower", "upper"] as const) {
      expect(maxAbsDiff(refreshed[key], fresh[key]), `seed ${seed}, ${key}`).toBe(0);
    }
  });

  it("rejects invalid options and arguments", () => {
    const good = { phy2log: [0, 1, 1, 0], epSize: 2, nLogicalExperts: 2 };
    expectInvalid(() => createGeneralLayout(undefined as never), "options", /an options object/);
    expectInvalid(() => createGeneralLayout({ ...good, topology: 1 } as never), "options.topology", /unknown option/);
    expectInvalid(() => createGeneralLayout({ ...good, epSize: 0 }), "options.epSize", /an integer in \[1, /);
    expectInvalid(() => createGeneralLayout({ ...good, epSize: 3 }), "options.phy2log", /multiple of epSize \(3\)/);
    expectInvalid(() => createGeneralLayout({ ...good, nLogicalExperts: 1.5 }), "options.nLogicalExperts", /got 1.5/);
    expectInvalid(
      () => createGeneralLayout({ ...good, nLogicalExperts: 5 }),
      "options.phy2log",
      /at least nLogicalExperts \(5\)/,
    );
    expectInvalid(
      () => createGeneralLayout({ ...good, phy2log: "0110" as never }),
      "options.phy2log",
      /an array or Int32Array/,
    );
    expectInvalid(() => createGeneralLayout({ ...good, phy2log: [0, 1, 2, 0] }), "options.phy2log[2]", /\[0, 1\]/);
    expectInvalid(
      () => createGeneralLayout({ ...good, phy2log: [0, 0, 0, 0] }),
      "options.phy2log",
      /expert 1 has no copy/,
    );
    // 16384 experts with two copies each on one rank: 16385 rows x 32769 variables.
    const huge = Int32Array.from({ length: 32768 }, (_, p) => p >> 1);
    expectInvalid(
      () => createGeneralLayout({ phy2log: huge, epSize: 1, nLogicalExperts: 16384 }),
      "options.phy2log",
      /fits in 268435456 coefficients \(\(16384 replicated experts \+ 1 ranks\) x 32769 variables/,
    );
    const layout = createGeneralLayout(good);
    expectInvalid(() => layout.fill([1]), "workload", /length 2/);
    expectInvalid(() => layout.fill([1, -2]), "workload[1]", />= 0/);
    const lp = layout.fill([1, 2]);
    expectInvalid(() => layout.fill([1, 2], { ...lp, count: 2 }), "out.count", /expected 1/);
    expectInvalid(() => layout.fill([1, 2], { ...lp, nVars: 4 }), "out.nVars", /expected 5/);
    expectInvalid(() => layout.fill([1, 2], { ...lp, shape: { nVars: 5, mEq: 1, mUb: 2 } }), "out.shape", /mEq: 2/);
    expectInvalid(() => layout.fill([1, 2], { ...lp, bEq: new Float64Array(1) }), "out.bEq", /length 2/);
    expectInvalid(() => layout.fill([1, 2], null as never), "out", /fill\(\)/);
    expectInvalid(() => layout.sharesFromSolution({ x: new Float64Array(4) }), "solution.x", /length 5/);
    expectInvalid(
      () => layout.sharesFromSolution({ x: Float64Array.from([0, Number.NaN, 0, 0, 0]) }),
      "solution.x[1]",
      /finite share/,
    );
    expectInvalid(() => layout.sharesFromSolution(undefined as never), "solution", /with x/);
    expectInvalid(() => layout.sharesFromSolution({ x: new Float64Array(5) }, new Float64Array(3)), "out", /length 4/);
    expectInvalid(() => layout.rankLoads([1, 2], [1, 1, 1]), "fractions", /length 4/);
    expectInvalid(() => layout.rankLoads([1, 2], [1, 1, 1, 2]), "fractions[3]", /\[0, 1\]/);
    expectInvalid(() => layout.rankLoads([1, 2], [1, 1, 1, 1], new Float64Array(1)), "out", /length 2/);
    expectInvalid(() => layout.balance([1, Number.NaN], [1, 1, 1, 1]), "workload[1]", /got NaN/);
  });
});

import { rebalanceExperts } from "@lplb/eplb";
import { InvalidArgumentError } from "@lplb/errors";
import { Planner } from "@lplb/planner";
import { cube, ring } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/random.js";
import { type SimulationConfig, simulate, splitTokens, type TraceSource, traceTokens } from "../src/simulate.js";
import { type Highs, importHighs, testSeed } from "./helpers.js";

const { highs, reason: highsMissing } = await importHighs();

/** Random integer counts per expert with a skew, so balancing matters. */
function randomCounts(random: () => number, experts: number, tokens: number): number[] {
  const weights = Array.from({ length: experts }, () => random() ** 3 + 0.02);
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => Math.round((w / total) * tokens));
}

function traceOf(seed: number, batches: number, layers: number, experts: number, tokens: number): number[][][] {
  const random = seededRandom(seed);
  return Array.from({ length: batches }, () =>
    Array.from({ length: layers }, () => randomCounts(random, experts, tokens)),
  );
}

/** Where plans come from for scored batch b of a trace source (the rule under test, restated). */
function historyFor(trace: number[][][], source: Omit<TraceSource, "batches">, b: number, layer: number): number[] {
  const planned = b - (b % source.replanEvery);
  const absolute = source.calibrationBatches + planned;
  const history = new Array(trace[0][layer].length).fill(0);
  for (let h = Math.max(0, absolute - source.window); h < absolute; h++) {
    trace[h][layer].forEach((v, e) => {
      history[e] += v;
    });
  }
  return history;
}

/** max and mean of per-rank loads. */
function maxMean(loads: number[]): [number, number] {
  return [Math.max(...loads), loads.reduce((a, b) => a + b, 0) / loads.length];
}

/**
 * The best possible max rank load for a placement when every replicated expert's tokens may be
 * split freely over its copies: an LP written here from scratch and solved by HiGHS.
 */
function optimalMaxLoad(solver: Highs, phy2log: ArrayLike<number>, epSize: number, workload: number[]): number {
  const perRank = phy2log.length / epSize;
  const copies = new Map<number, number[]>();
  for (let p = 0; p < phy2log.length; p++) copies.set(phy2log[p], [...(copies.get(phy2log[p]) ?? []), p]);
  const fixed = new Array(epSize).fill(0);
  const onRank: string[][] = Array.from({ length: epSize }, () => []);
  const rows: string[] = [];
  for (const [e, ps] of copies) {
    if (ps.length === 1) {
      fixed[Math.floor(ps[0] / perRank)] += workload[e];
      continue;
    }
    rows.push(` s${e}: ${ps.map((p) => `x${p}`).join(" + ")} = ${workload[e]}`);
    for (const p of ps) onRank[Math.floor(p / perRank)].push(`x${p}`);
  }
  for (let r = 0; r < epSize; r++) {
    rows.push(` r${r}: ${onRank[r].map((v) => `${v} + `).join("")}0 dummy - z <= ${-fixed[r]}`);
  }
  const text = ["Minimize", " obj: z", "Subject To", ...rows, "Bounds", " 0 <= dummy <= 0", "End"].join("\n");
  const solution = solver.solve(text, { output_flag: false });
  expect(solution.Status).toBe("Optimal");
  return solution.ObjectiveValue;
}

const base = (source: SimulationConfig["source"]): SimulationConfig => ({
  source,
  topology: cube(),
  epSize: 8,
  redundantPerRank: 2,
  topK: 4,
  gpusPerNode: 8,
});

describe("simulate on a replayed trace, checked against independent computations", () => {
  it.skipIf(highs === undefined)(
    `every policy matches its own oracle on random traces${highs === undefined ? ` (skipped: ${highsMissing})` : ""}`,
    () => {
      for (let round = 0; round < 3; round++) {
        const seed = testSeed();
        const E = 32;
        const epSize = 8;
        const trace = traceOf(seed, 7, 1, E, 3000 + round * 5000);
        const rule = { kind: "trace" as const, window: 1, replanEvery: 1, calibrationBatches: 1 };
        const result = simulate({ ...base({ ...rule, batches: trace }), seed });
        expect(result.batches).toBe(6);
        expect(result.plans).toBe(6);
        for (let b = 0; b < result.batches; b++) {
          const why = `seed ${seed}, batch ${b}`;
          const workload = trace[rule.calibrationBatches + b][0];
          const history = historyFor(trace, rule, b, 0);
          const mean = workload.reduce((a, c) => a + c, 0) / epSize;

          expect(result.balances.ideal![b], why).toBe(1);

          // no-redundancy: EPLB's reordering plan, per-rank sums of whole experts.
          const order = rebalanceExperts([history], { numReplicas: E, numGroups: 1, numNodes: 1, numGpus: epSize });
          const direct = new Array(epSize).fill(0);
          order.phy2log[0].forEach((e, p) => {
            direct[Math.floor(p / (E / epSize))] += workload[e];
          });
          const [directMax, directMean] = maxMean(direct);
          expect(result.balances["no-redundancy"]![b], why).toBeCloseTo(directMax / directMean, 12);

          // eplb-even: within one token per copy of the fractional even split.
          const plan = rebalanceExperts([history], {
            numReplicas: E + 2 * epSize,
            numGroups: 1,
            numNodes: 1,
            numGpus: epSize,
          });
          const perRank = (E + 2 * epSize) / epSize;
          const even = new Array(epSize).fill(0);
          plan.phy2log[0].forEach((e, p) => {
            even[Math.floor(p / perRank)] += workload[e] / plan.logcnt[0][e];
          });
          const evenMax = result.balances["eplb-even"]![b] * mean;
          expect(Math.abs(evenMax - Math.max(...even)), why).toBeLessThanOrEqual(perRank);

          // lp-eplb: the LP optimum over EPLB's placement, realised in whole tokens.
          const lpEplbMax = result.balances["lp-eplb"]![b] * mean;
          const lpEplbBest = optimalMaxLoad(highs!, plan.phy2log[0], epSize, workload);
          expect(lpEplbMax, why).toBeGreaterThanOrEqual(lpEplbBest - 1e-6);
          expect(lpEplbMax, why).toBeLessThanOrEqual(lpEplbBest + perRank);

          // lplb: with R = D = 2 every replicated expert has its own split, so LPLB's LP is the general
          // LP over LPLB's placement; each source rank rounds its split to whole tokens (<= 1/2 each).
          using planner = new Planner({ r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + 2 * epSize, epSize });
          const mapping = planner.updateRedundancyMapping(history);
          const lplbBest = optimalMaxLoad(highs!, mapping.phy2log, epSize, workload);
          const lplbMax = result.balances.lplb![b] * mean;
          expect(lplbMax, why).toBeGreaterThanOrEqual(lplbBest - 1e-6);
          expect(lplbMax, why).toBeLessThanOrEqual(lplbBest + 0.5 * epSize * 4);
          // The LP never does worse than the even split over the same number of copies.
          expect(lplbBest, why).toBeLessThanOrEqual(Math.max(...direct) + 1e-6);
        }
        expect(result.lplb!.fallbacks).toBe(0);
        expect(result.lpEplb!.fallbacks).toBe(0);
        expect(result.lplb!.maxPredictionGap).toBeLessThanOrEqual(0.5 * epSize * 4);
      }
    },
  );

  it("plans on a sliding window, re-planned every replanEvery batches, over several layers", () => {
    const seed = testSeed();
    const E = 16;
    const epSize = 8;
    const trace = traceOf(seed, 12, 2, E, 2000);
    const rule = { kind: "trace" as const, window: 2, replanEvery: 3, calibrationBatches: 2 };
    const result = simulate({
      ...base({ ...rule, batches: trace }),
      redundantPerRank: 2,
      policies: ["no-redundancy", "ideal"],
      seed,
    });
    expect(result.batches).toBe(10);
    expect(result.plans).toBe(4);
    expect(result.policies).toEqual(["no-redundancy", "ideal"]);
    expect(result.lplb).toBeUndefined();
    expect(result.worstBatch).toBeUndefined();
    for (let b = 0; b < result.batches; b++) {
      let sumMax = 0;
      let sumMean = 0;
      for (let layer = 0; layer < 2; layer++) {
        const history = historyFor(trace, rule, b, layer);
        const order = rebalanceExperts([history], { numReplicas: E, numGroups: 1, numNodes: 1, numGpus: epSize });
        const loads = new Array(epSize).fill(0);
        order.phy2log[0].forEach((e, p) => {
          loads[Math.floor(p / (E / epSize))] += trace[rule.calibrationBatches + b][layer][e];
        });
        const [max, mean] = maxMean(loads);
        sumMax += max;
        sumMean += mean;
      }
      expect(result.balances["no-redundancy"]![b], `seed ${seed}, batch ${b}`).toBeCloseTo(sumMax / sumMean, 12);
    }
  });
});

describe("simulate on drawn batches", () => {
  const weights = Array.from({ length: 64 }, (_, e) => 1 + ((e * 37) % 11) ** 2);
  const source = {
    kind: "distribution" as const,
    calibration: [weights],
    serving: [weights],
    tokensPerRank: 256,
    batches: 30,
  };

  it("is reproducible per seed, reports every policy, and LPLB beats the even split on a skewed load", () => {
    const a = simulate({ ...base(source), seed: 7 });
    const b = simulate({ ...base(source), seed: 7 });
    const c = simulate({ ...base(source), seed: 8 });
    expect(Array.from(a.balances.lplb!)).toEqual(Array.from(b.balances.lplb!));
    expect(Array.from(a.balances["eplb-even"]!)).not.toEqual(Array.from(c.balances["eplb-even"]!));
    expect(a.summaries.map((s) => s.policy)).toEqual(["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal"]);
    const mean = (p: string) => a.summaries.find((s) => s.policy === p)!.meanBalance;
    expect(mean("ideal")).toBe(1);
    expect(mean("lplb")).toBeLessThan(mean("eplb-even"));
    expect(mean("lplb")).toBeGreaterThanOrEqual(1);
    for (const s of a.summaries) {
      expect(s.p50Balance).toBeLessThanOrEqual(s.p99Balance);
      expect(s.p99Balance).toBeLessThanOrEqual(s.maxBalance);
      expect(s.meanBalance).toBeLessThanOrEqual(s.maxBalance);
    }
    expect(a.lplb!.solveMicros.samples.length).toBe(30);
    expect(a.lplb!.solves).toBe(30);
    const worst = a.worstBatch!;
    // The LP may keep every token on its original, so after is never worse than before (up to rounding).
    expect(worst.balanceAfter).toBeLessThanOrEqual(worst.balanceBefore + 0.01);
    // Every batch routes epSize * tokensPerRank * topK assignments, and LPLB moves tokens without losing any.
    expect(worst.before[0].reduce((x, y) => x + y, 0)).toBe(8 * 256 * 4);
    expect(worst.after[0].reduce((x, y) => x + y, 0)).toBe(8 * 256 * 4);
    const [max, m] = maxMean(Array.from(worst.after[0]));
    expect(max / m).toBeCloseTo(worst.balanceAfter, 12);
    expect(a.balances.lplb![worst.batch]).toBe(worst.balanceAfter);
  });

  it("models drift: planning on one distribution and serving another", () => {
    const shifted = [...weights.slice(32), ...weights.slice(0, 32)];
    const drifted = simulate({ ...base({ ...source, serving: [shifted] }), policies: ["eplb-even", "lplb"], seed: 3 });
    const matched = simulate({ ...base(source), policies: ["eplb-even", "lplb"], seed: 3 });
    const even = (r: typeof drifted) => r.summaries[0].meanBalance;
    expect(even(drifted)).toBeGreaterThan(even(matched));
  });
});

describe("splitTokens and traceTokens", () => {
  it("splits whole tokens in proportion, within one token of each share", () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    for (let trial = 0; trial < 200; trial++) {
      const copies = 1 + Math.floor(random() * 5);
      const raw = Array.from({ length: copies }, () => random());
      const sum = raw.reduce((a, b) => a + b, 0);
      const fractions = raw.map((r) => r / sum);
      const physical = Array.from({ length: copies }, (_, i) => i);
      const tokens = Math.floor(random() * 1000);
      const got = new Array(copies).fill(0);
      splitTokens(tokens, physical, 0, copies, fractions, (p, t) => {
        got[p] += t;
      });
      expect(
        got.reduce((a, b) => a + b, 0),
        `seed ${seed}`,
      ).toBe(tokens);
      got.forEach((t, i) => {
        expect(Number.isInteger(t)).toBe(true);
        expect(Math.abs(t - tokens * fractions[i]), `seed ${seed}`).toBeLessThan(1);
      });
    }
  });

  it("rebuilds a batch's tokens from its counts and cuts them into near-equal source ranks", () => {
    const counts = [5, 0, 3, 9];
    const parts = traceTokens(counts, 3, seededRandom(1));
    expect(parts.map((p) => p.length)).toEqual([5, 6, 6]);
    const seen = [0, 0, 0, 0];
    for (const part of parts) for (const e of part) seen[e]++;
    expect(seen).toEqual(counts);
  });
});

describe("simulate rejects invalid configurations", () => {
  const weights = Array.from({ length: 16 }, (_, e) => e + 1);
  const source = {
    kind: "distribution" as const,
    calibration: [weights],
    serving: [weights],
    tokensPerRank: 8,
    batches: 2,
  };
  const trace = traceOf(1, 3, 1, 16, 100);
  const traceSource = { kind: "trace" as const, batches: trace, window: 1, replanEvery: 1, calibrationBatches: 1 };
  const cases: [string, Partial<SimulationConfig> & Record<string, unknown>, RegExp][] = [
    ["topology", { topology: [[1], [0]] as never }, /config\.topology/],
    ["epSize group", { epSize: 12 }, /multiple of the topology's group size 8 for config\.epSize/],
    ["epSize experts", { topology: ring(2), epSize: 6 }, /divisor of the number of experts \(16\) for config\.epSize/],
    ["redundant slots", { redundantPerRank: 1 }, /multiple of the topology's 2 slots for config\.redundantPerRank/],
    ["redundant too many", { redundantPerRank: 4 }, /an integer in \[1, 2\] for config\.redundantPerRank/],
    ["topK", { topK: 17 }, /config\.topK/],
    [
      "gpusPerNode",
      { epSize: 16, topology: ring(8), redundantPerRank: 1, gpusPerNode: 5 } as never,
      /config\.gpusPerNode/,
    ],
    ["expertGroups", { expertGroups: 3 }, /divisor of the number of experts \(16\) for config\.expertGroups/],
    ["policies", { policies: ["lplb", "magic"] as never }, /policies among/],
    ["empty policies", { policies: [] }, /config\.policies/],
    ["seed", { seed: -1 }, /config\.seed/],
    ["tokensPerRank", { source: { ...source, tokensPerRank: 0 } }, /config\.source\.tokensPerRank/],
    ["batches", { source: { ...source, batches: 0 } }, /config\.source\.batches/],
    ["serving layers", { source: { ...source, serving: [weights, weights] } }, /config\.source\.serving/],
    [
      "negative load",
      { source: { ...source, calibration: [[-1, ...weights.slice(1)]] } },
      /config\.source\.calibration\[0\]\[0\]/,
    ],
    [
      "too few positive",
      { topK: 4, source: { ...source, serving: [weights.map((_, e) => (e < 3 ? 1 : 0))] } },
      /at least topK \(4\) experts with load > 0/,
    ],
    ["kind", { source: { kind: "magic" } as never }, /config\.source\.kind/],
    [
      "trace fractional",
      { source: { ...traceSource, batches: [[[0.5, ...trace[0][0].slice(1)]], ...trace.slice(1)] } },
      /an integer token count/,
    ],
    ["trace window", { source: { ...traceSource, window: 0 } }, /config\.source\.window/],
    ["trace replan", { source: { ...traceSource, replanEvery: 0 } }, /config\.source\.replanEvery/],
    ["trace calibration", { source: { ...traceSource, calibrationBatches: 3 } }, /config\.source\.calibrationBatches/],
    ["trace too short", { source: { ...traceSource, batches: trace.slice(0, 1) } }, /at least 2 batches/],
  ];
  it.each(cases)("%s", (_, patch, pattern) => {
    const config = { ...base(source), topK: 2, ...patch } as SimulationConfig;
    let error: unknown;
    try {
      simulate(config);
    } catch (caught) {
      error = caught;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(pattern);
  });
});

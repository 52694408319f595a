/** The examples of docs/eplb.md and README.md, run as written (imports aside). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  balancedPacking,
  ExponentialMovingLoad,
  planLoads,
  rebalanceExperts,
  rebalanceExpertsHierarchical,
  replicateExperts,
  SlidingWindowLoad,
} from "../src/index.js";

const list = (array: ArrayLike<number>) => Array.from(array);

describe("docs/eplb.md examples", () => {
  const weight = [
    [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
    [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
  ];

  it("quick start (the reference README example)", () => {
    const plan = rebalanceExperts(weight, { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 });
    expect(list(plan.phy2log[0])).toEqual([5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1]);
    expect(list(plan.phy2log[1])).toEqual([7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1]);
    expect(list(plan.logcnt[0])).toEqual([1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1]);
    expect(list(plan.log2phy[0][5]).sort((a, b) => a - b)).toEqual([0, 2]);
    expect(plan.policy).toBe("hierarchical");
    // log2phyTable section
    expect(plan.maxLogCount).toBe(2);
    const head = list(plan.log2phyTable.subarray(0, 6));
    expect([head.slice(0, 2), head.slice(2, 4), head.slice(4, 6)].map((row) => row.sort((a, b) => a - b))).toEqual([
      [-1, 12],
      [13, 15],
      [-1, 11],
    ]);
  });

  it("building blocks", () => {
    const packing = balancedPacking([3, 9, 2, 5, 7, 1], 2);
    expect(list(packing.packIndex)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(list(packing.rankInPack)).toEqual([1, 0, 2, 1, 0, 2]);
    const replicated = replicateExperts([10, 4, 7], 6);
    expect(list(replicated.phy2log)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(list(replicated.phyRank)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(list(replicated.logcnt)).toEqual([3, 1, 2]);
    expect(list(rebalanceExpertsHierarchical(weight[0], 16, 4, 2, 8).phy2log)).toEqual([
      5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1,
    ]);
  });

  it("measuring a plan", () => {
    const loads = planLoads([6, 2, 4], [0, 0, 1, 2], [2, 1, 1], 4, 2);
    expect(list(loads.gpuLoads)).toEqual([3, 3, 2, 4]);
    expect(list(loads.nodeLoads)).toEqual([6, 6]);
    expect(loads.balance).toBeCloseTo(4 / 3, 15);
    expect(loads.nodeBalance).toBe(1);
  });

  it("feeding EPLB with load statistics", () => {
    const window = new SlidingWindowLoad({ numExperts: 4, windowSize: 2 });
    window.push([[5, 1, 1, 1]]);
    window.push([[3, 1, 1, 1]]);
    window.push([[9, 1, 1, 1]]);
    expect(window.value().map(list)).toEqual([[12, 2, 2, 2]]);
    const plan = rebalanceExperts(window.value(), { numReplicas: 6, numGpus: 2 });
    expect(list(plan.logcnt[0])).toEqual([3, 1, 1, 1]);
    expect(list(plan.phy2log[0])).toEqual([0, 0, 3, 0, 1, 2]);
    const ema = new ExponentialMovingLoad({ numExperts: 4, alpha: 0.5 });
    ema.push([[8, 0, 4, 4]]);
    ema.push([[0, 8, 4, 4]]);
    expect(ema.value().map(list)).toEqual([[4, 4, 4, 4]]);
  });

  it("quotes error messages that the code really produces", () => {
    const doc = readFileSync(new URL("../../../docs/eplb.md", import.meta.url), "utf8");
    const row = (length: number) => Array.from({ length }, () => 1);
    const messageOf = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected an error");
    };
    const nan = Array.from({ length: 4 }, () => row(256));
    nan[3][17] = Number.NaN;
    const messages = [
      messageOf(() => rebalanceExperts(nan, { numReplicas: 256, numGpus: 1 })),
      messageOf(() =>
        rebalanceExperts([row(256), row(256), row(256), row(256), row(256), row(255)], {
          numReplicas: 256,
          numGpus: 1,
        }),
      ),
      messageOf(() => rebalanceExperts([row(256)], { numReplicas: 128, numGpus: 1 })),
      messageOf(() => rebalanceExperts([row(256)], { numReplicas: 300, numGpus: 32 })),
      messageOf(() => rebalanceExperts([row(256)], { numReplicas: 288, numGpus: 32, numNodes: 3 })),
      messageOf(() => rebalanceExperts([row(256)], { numReplicas: 288, numGpus: 32, numGroups: 6 })),
    ];
    for (const message of messages) expect(doc).toContain(message);
    const overflow = messageOf(() => rebalanceExperts([[1e38, 1e38]], { numReplicas: 2, numGpus: 1 }));
    expect(doc).toContain(overflow.slice(0, overflow.indexOf("got")));
  });
});

describe("packages/eplb/README.md example", () => {
  it("runs as written", () => {
    const plan = rebalanceExperts(
      [
        [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
        [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
      ],
      { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 },
    );
    expect(list(plan.phy2log[0])).toEqual([5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1]);
    expect(list(plan.logcnt[1])).toEqual([1, 2, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1]);
  });
});

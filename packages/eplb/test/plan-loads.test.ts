import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { planLoads, planLoadsAllLayers, rebalanceExperts } from "../src/index.js";
import { randomConfig, randomLoads, seededRandom } from "./random.js";

function expectInvalid(call: () => unknown, argument: string, message: string): void {
  let error: unknown;
  try {
    call();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error), `${argument}: ${message}`).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  expect((error as Error).message).toContain(message);
}

/** Straightforward per-GPU sums: each slot adds its expert's load divided by the expert's copy count. */
function naiveGpuLoads(weightRow: number[], phy2log: ArrayLike<number>, numGpus: number): number[] {
  const copies = new Map<number, number>();
  for (const e of Array.from(phy2log)) copies.set(e, (copies.get(e) ?? 0) + 1);
  const perGpu = phy2log.length / numGpus;
  const loads = new Array(numGpus).fill(0);
  Array.from(phy2log).forEach((e, slot) => {
    loads[Math.floor(slot / perGpu)] += weightRow[e] / copies.get(e)!;
  });
  return loads;
}

describe("planLoads", () => {
  it("splits each expert's load evenly over its copies", () => {
    // Expert 0 (load 6) has two copies of 3; GPUs: [3, 3 | 2, 4] with four GPUs on two nodes.
    const result = planLoads([6, 2, 4], [0, 0, 1, 2], [2, 1, 1], 4, 2);
    expect(Array.from(result.gpuLoads)).toEqual([3, 3, 2, 4]);
    expect(Array.from(result.nodeLoads)).toEqual([6, 6]);
    expect(result.balance).toBeCloseTo(4 / 3, 15);
    expect(result.nodeBalance).toBe(1);
    const twoGpus = planLoads([6, 2, 4], Int32Array.of(0, 0, 1, 2), Int32Array.of(2, 1, 1), 2);
    expect(Array.from(twoGpus.gpuLoads)).toEqual([6, 6]);
    expect(twoGpus.balance).toBe(1);
    expect(Array.from(twoGpus.nodeLoads)).toEqual([12]);
  });

  it("defines the balance of an all-zero layer as 1", () => {
    const result = planLoads([0, 0], [0, 1], [1, 1], 2);
    expect(result.balance).toBe(1);
    expect(result.nodeBalance).toBe(1);
  });

  it("matches a naive sum on plans from rebalanceExperts", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = seededRandom(seed);
      const config = randomConfig(random, seed % 2 === 0);
      const weight = [randomLoads(random, config.numExperts, "skewed")];
      const plan = rebalanceExperts(weight, config);
      const result = planLoads(weight[0], plan.phy2log[0], plan.logcnt[0], config.numGpus, config.numNodes);
      const expected = naiveGpuLoads(weight[0], plan.phy2log[0], config.numGpus);
      expected.forEach((load, gpu) => {
        expect(result.gpuLoads[gpu], `seed ${seed} gpu ${gpu}`).toBeCloseTo(load, 6);
      });
      const total = expected.reduce((a, b) => a + b, 0);
      const mean = total / config.numGpus;
      expect(result.balance, `seed ${seed}`).toBeCloseTo(total === 0 ? 1 : Math.max(...expected) / mean, 9);
      const perNode = config.numGpus / config.numNodes;
      for (let node = 0; node < config.numNodes; node++) {
        const sum = expected.slice(node * perNode, (node + 1) * perNode).reduce((a, b) => a + b, 0);
        expect(result.nodeLoads[node], `seed ${seed} node ${node}`).toBeCloseTo(sum, 6);
      }
    }
  });

  it("rejects inconsistent or malformed plans", () => {
    expectInvalid(() => planLoads([], [0], [1], 1), "weightRow", "expected a non-empty array");
    expectInvalid(() => planLoads([1, -1], [0, 1], [1, 1], 1), "weightRow[1]", "got -1");
    expectInvalid(
      () => planLoads([1, 2], [0, 2], [1, 1], 1),
      "phy2log[1]",
      "expected an integer in [0, 1] for phy2log[1], got 2",
    );
    expectInvalid(() => planLoads([1, 2], [0, 0.5], [1, 1], 1), "phy2log[1]", "got 0.5");
    expectInvalid(
      () => planLoads([1, 2], [0, 0], [2, 0], 1),
      "phy2log",
      "expected at least one copy of every expert (expert 1 has none)",
    );
    expectInvalid(
      () => planLoads([1, 2], [0, 1, 1], [1, 1], 1),
      "logcnt[1]",
      "expected the number of copies of expert 1 in phy2log (2) for logcnt[1], got 1",
    );
    expectInvalid(() => planLoads([1, 2], [0, 1], [1], 1), "logcnt", "expected an array of length 2");
    expectInvalid(
      () => planLoads([1, 2], "01" as never, [1, 1], 1),
      "phy2log",
      "expected an array or typed array of integer ids",
    );
    expectInvalid(
      () => planLoads([1, 2], [0, 1, 1], [1, 2], 2),
      "numGpus",
      "expected a divisor of the number of physical slots (3) for numGpus, got 2",
    );
    expectInvalid(
      () => planLoads([1, 2], [0, 1], [1, 1], 0),
      "numGpus",
      "expected an integer in [1, 2] for numGpus, got 0",
    );
    expectInvalid(
      () => planLoads([1, 2], [0, 1], [1, 1], 2, 3),
      "numNodes",
      "expected an integer in [1, 2] for numNodes, got 3",
    );
    expectInvalid(
      () => planLoads([1, 2, 3], [0, 1, 2], [1, 1, 1], 3, 2),
      "numGpus",
      "expected a multiple of numNodes (2) for numGpus, got 3",
    );
    expectInvalid(() => planLoads([1, 2], [0, 1], [1, 1], 2, 1.5), "numNodes", "got 1.5");
  });
});

describe("planLoadsAllLayers", () => {
  it("computes every layer like planLoads, with mean and max balance", () => {
    const random = seededRandom(99);
    const config = { numExperts: 16, numReplicas: 24, numGroups: 4, numNodes: 2, numGpus: 8 };
    const weight = Array.from({ length: 5 }, () => randomLoads(random, 16, "skewed"));
    const plan = rebalanceExperts(weight, config);
    const all = planLoadsAllLayers(weight, plan.phy2log, plan.logcnt, 8, 2);
    const single = weight.map((row, layer) => planLoads(row, plan.phy2log[layer], plan.logcnt[layer], 8, 2));
    expect(all.layers.map((l) => Array.from(l.gpuLoads))).toEqual(single.map((l) => Array.from(l.gpuLoads)));
    expect(Array.from(all.balance)).toEqual(single.map((l) => l.balance));
    expect(all.maxBalance).toBe(Math.max(...single.map((l) => l.balance)));
    expect(all.meanBalance).toBeCloseTo(single.reduce((a, l) => a + l.balance, 0) / 5, 12);
  });

  it("rejects mismatched layer counts and rows", () => {
    const weight = [
      [1, 2],
      [3, 4],
    ];
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [[0, 1]],
          [
            [1, 1],
            [1, 1],
          ],
          1,
        ),
      "phy2log",
      "expected an array of 2 rows",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [
            [0, 1],
            [0, 1],
          ],
          [[1, 1]],
          1,
        ),
      "logcnt",
      "expected an array of 2 rows",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [
            [0, 1],
            [0, 1, 1],
          ],
          [
            [1, 1],
            [1, 2],
          ],
          1,
        ),
      "phy2log[1]",
      "expected an array of length 2 (like phy2log[0])",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [
            [0, 1],
            [0, 0],
          ],
          [
            [1, 1],
            [2, 0],
          ],
          1,
        ),
      "phy2log[1]",
      "expert 1 has none",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          [[1, 2], [3]],
          [
            [0, 1],
            [0, 1],
          ],
          [
            [1, 1],
            [1, 1],
          ],
          1,
        ),
      "weight[1]",
      "expected an array of 2 loads",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [
            [0, 1],
            [0, 1],
          ],
          [
            [1, 1],
            [1, 1],
          ],
          3,
        ),
      "numGpus",
      "got 3",
    );
    expectInvalid(
      () =>
        planLoadsAllLayers(
          weight,
          [
            [0, 1],
            [0, 1],
          ],
          [
            [1, 1],
            [1, 1],
          ],
          2,
          4,
        ),
      "numNodes",
      "got 4",
    );
  });
});

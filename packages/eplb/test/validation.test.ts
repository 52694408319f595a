import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { rebalanceExperts, rebalanceExpertsHierarchical } from "../src/index.js";

function expectInvalid(call: () => unknown, argument: string, message: string): void {
  let error: unknown;
  try {
    call();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error), `${argument}: ${message}`).toBe(true);
  expect((error as InvalidArgumentError).code).toBe("ERR_LPLB_INVALID_ARGUMENT");
  expect((error as InvalidArgumentError).argument).toBe(argument);
  expect((error as Error).message).toContain(message);
}

const weight = [
  [1, 2, 3, 4],
  [4, 3, 2, 1],
];
const good = { numReplicas: 8, numGroups: 2, numNodes: 2, numGpus: 4 };

describe("rebalanceExperts input validation", () => {
  it("accepts the reference configuration", () => {
    expect(rebalanceExperts(weight, good).phy2log.length).toBe(2);
  });

  it("rejects empty, ragged and non-numeric load matrices", () => {
    expectInvalid(() => rebalanceExperts([], good), "weight", "expected a non-empty array of load rows");
    expectInvalid(() => rebalanceExperts(null as never, good), "weight", "expected a non-empty array of load rows");
    expectInvalid(
      () => rebalanceExperts([[]], good),
      "weight[0]",
      "expected a non-empty array or typed array of loads",
    );
    expectInvalid(() => rebalanceExperts([5] as never, good), "weight[0]", "got 5");
    expectInvalid(
      () =>
        rebalanceExperts(
          [
            [1, 2, 3, 4],
            [1, 2, 3],
          ],
          good,
        ),
      "weight[1]",
      "expected an array of 4 loads (one per expert, like the first row) for weight[1], got an array of length 3",
    );
    expectInvalid(() => rebalanceExperts([[1, 2, 3, 4], "abcd"] as never, good), "weight[1]", 'got "abcd"');
  });

  it("rejects negative, non-finite and non-number loads", () => {
    expectInvalid(
      () => rebalanceExperts([[1, 2, -3, 4]], good),
      "weight[0][2]",
      "expected a finite number >= 0 for weight[0][2], got -3",
    );
    expectInvalid(
      () =>
        rebalanceExperts(
          [
            [1, 2, 3, 4],
            [1, Number.NaN, 3, 4],
          ],
          good,
        ),
      "weight[1][1]",
      "got NaN",
    );
    expectInvalid(() => rebalanceExperts([[1, 2, 3, Number.POSITIVE_INFINITY]], good), "weight[0][3]", "got Infinity");
    expectInvalid(() => rebalanceExperts([[1, 2, 3, undefined]] as never, good), "weight[0][3]", "got undefined");
    expectInvalid(() => rebalanceExperts([[1, 2, 3, 4n]] as never, good), "weight[0][3]", "got 4n");
    expectInvalid(() => rebalanceExperts([[1e38, 1e38, 0, 0]], good), "weight[0]", "sum to at most 1e+38");
  });

  it("rejects a missing or malformed options object", () => {
    expectInvalid(() => rebalanceExperts(weight, undefined as never), "options.numReplicas", "got undefined");
    expectInvalid(
      () => rebalanceExperts(weight, 5 as never),
      "options",
      "expected an options object for options, got 5",
    );
  });

  it("rejects bad numReplicas", () => {
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numReplicas: 3 }),
      "options.numReplicas",
      "expected an integer in [4, 1073741824] for options.numReplicas, got 3",
    );
    expectInvalid(() => rebalanceExperts(weight, { ...good, numReplicas: 8.5 }), "options.numReplicas", "got 8.5");
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numReplicas: 10 }),
      "options.numReplicas",
      "expected a multiple of options.numGpus (4) for options.numReplicas, got 10",
    );
  });

  it("rejects bad numGpus", () => {
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numGpus: 0 }),
      "options.numGpus",
      "expected an integer in [1, 8] for options.numGpus, got 0",
    );
    expectInvalid(() => rebalanceExperts(weight, { ...good, numGpus: 16 }), "options.numGpus", "got 16");
    expectInvalid(() => rebalanceExperts(weight, { ...good, numGpus: 2.5 }), "options.numGpus", "got 2.5");
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numGpus: undefined as never }),
      "options.numGpus",
      "got undefined",
    );
  });

  it("rejects bad numNodes", () => {
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numNodes: 3 }),
      "options.numGpus",
      "expected a multiple of options.numNodes (3) for options.numGpus, got 4",
    );
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numNodes: 0 }),
      "options.numNodes",
      "expected an integer in [1, 4] for options.numNodes, got 0",
    );
    expectInvalid(() => rebalanceExperts(weight, { ...good, numNodes: 1.5 }), "options.numNodes", "got 1.5");
    expectInvalid(() => rebalanceExperts(weight, { ...good, numNodes: "2" as never }), "options.numNodes", 'got "2"');
  });

  it("rejects bad numGroups", () => {
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numGroups: 3 }),
      "options.numGroups",
      "expected a divisor of the number of experts (4) for options.numGroups, got 3",
    );
    expectInvalid(
      () => rebalanceExperts(weight, { ...good, numGroups: 0 }),
      "options.numGroups",
      "expected an integer in [1, 4] for options.numGroups, got 0",
    );
    expectInvalid(() => rebalanceExperts(weight, { ...good, numGroups: Number.NaN }), "options.numGroups", "got NaN");
  });

  it("rejects plans too large for typed arrays before allocating them", () => {
    const layers = Array.from({ length: 2048 }, () => [1]);
    expectInvalid(
      () => rebalanceExperts(layers, { numReplicas: 2 ** 20, numGpus: 1 }),
      "options.numReplicas",
      "expected at most 524288 slots per layer for 2048 layers for options.numReplicas, got 1048576",
    );
    // 2^15 experts, all 2^15 extra copies on expert 0: the padded table would need 2^15 x (2^15 + 1) entries.
    const skewed = new Float64Array(2 ** 15);
    skewed[0] = 1e6;
    expectInvalid(
      () => rebalanceExperts([skewed], { numReplicas: 2 ** 16, numGpus: 1 }),
      "weight",
      "padded log2phy (1 x 32768 x 32769)",
    );
  });

  it("changes nothing when it throws", () => {
    const rows = [Float64Array.of(1, 2, 3, 4), Float64Array.of(1, -1, 3, 4)];
    expect(() => rebalanceExperts(rows, good)).toThrow();
    expect(Array.from(rows[0])).toEqual([1, 2, 3, 4]);
  });
});

describe("rebalanceExpertsHierarchical input validation", () => {
  it("names its positional arguments", () => {
    expectInvalid(() => rebalanceExpertsHierarchical([], 8, 2, 2, 4), "weight", "expected a non-empty array");
    expectInvalid(() => rebalanceExpertsHierarchical([1, -1], 8, 2, 2, 4), "weight[1]", "got -1");
    expectInvalid(() => rebalanceExpertsHierarchical([1, 2, 3, 4], 3, 2, 2, 4), "numPhysical", "got 3");
    expectInvalid(
      () => rebalanceExpertsHierarchical([1, 2, 3, 4], 6, 2, 2, 4),
      "numPhysical",
      "expected a multiple of numGpus (4) for numPhysical, got 6",
    );
    expectInvalid(() => rebalanceExpertsHierarchical([1, 2, 3, 4], 8, 2, 2, 0), "numGpus", "got 0");
    expectInvalid(
      () => rebalanceExpertsHierarchical([1, 2, 3, 4], 8, 2, 3, 4),
      "numGpus",
      "expected a multiple of numNodes (3) for numGpus, got 4",
    );
    expectInvalid(() => rebalanceExpertsHierarchical([1, 2, 3, 4], 8, 2, 0, 4), "numNodes", "got 0");
    expectInvalid(
      () => rebalanceExpertsHierarchical([1, 2, 3, 4], 8, 3, 1, 4),
      "numGroups",
      "expected a divisor of the number of experts (4) for numGroups, got 3",
    );
    expectInvalid(
      () => rebalanceExpertsHierarchical([1, 2, 3, 4], 8, 1, 2, 4),
      "numGroups",
      "expected a multiple of numNodes (2) for numGroups, got 1",
    );
  });
});

/** The programmatic API of @lplb/cli rejects bad input with InvalidArgumentError naming the argument. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "@lplb/errors";
import { cube } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

function argumentOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    return (error as InvalidArgumentError).argument;
  }
  throw new Error("expected an InvalidArgumentError");
}

async function argumentOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    return (error as InvalidArgumentError).argument;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("@lplb/cli API validation", () => {
  it("names the offending argument", async () => {
    expect(argumentOf(() => api.parseNpy("not bytes" as never, "x.npy"))).toBe("bytes");
    expect(argumentOf(() => api.encodeNpy([1, 2] as never, [2]))).toBe("data");
    expect(argumentOf(() => api.encodeNpy(Float64Array.from([1, 2]), [0]))).toBe("shape");
    expect(argumentOf(() => api.encodeNpy(Float64Array.from([1, 2]), [3]))).toBe("shape");
    expect(argumentOf(() => api.parseTopology(42 as never))).toBe("--topology");
    expect(argumentOf(() => api.topologySvg(cube(), { epSize: 9 }))).toBe("options.epSize");
    expect(argumentOf(() => api.writeFileAtomic("", "x"))).toBe("path");
    expect(argumentOf(() => api.writeFileAtomic(join(tmpdir(), "x"), 5 as never))).toBe("data");
    expect(argumentOf(() => api.expectWritablePath("--out", ""))).toBe("--out");
    expect(argumentOf(() => api.toLpFormat({ nVars: 0 } as never))).toBe("lp.nVars");
    expect(argumentOf(() => api.runBenchmarks({ repeats: 0 }))).toBe("options.repeats");
    expect(argumentOf(() => api.runBenchmarks({ seed: -1 }))).toBe("options.seed");
    const file = api.readLoadFile(api.DEFAULT_TRACE);
    expect(argumentOf(() => api.aggregateLoads(file, [8]))).toBe("entries[0]");
    expect(argumentOf(() => api.scenarioIndex(file, "x", "--calibration"))).toBe("--calibration");
    expect(argumentOf(() => api.drawTokens([1, 1], 2, 3, api.seededRandom(1)))).toBe("topK");
    expect(argumentOf(() => api.zipfWeights(1.5, 1, api.seededRandom(1)))).toBe("experts");
    const weights = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]];
    const config = {
      source: { kind: "distribution" as const, calibration: weights, serving: weights, tokensPerRank: 4, batches: 1 },
      topology: cube(),
      epSize: 8,
      redundantPerRank: 2,
      topK: 2,
    };
    expect(argumentOf(() => api.simulate(config, 5 as never))).toBe("onBatch");
    expect(await argumentOfAsync(() => api.loadHighs("" as never))).toBe("specifier");
    const result = api.simulate(config);
    expect(await argumentOfAsync(() => api.renderSimulationReport({ result, topology: cube() } as never))).toBe(
      "input.setup",
    );
    expect(await argumentOfAsync(() => api.renderSimulationReport({ result: {}, topology: cube() } as never))).toBe(
      "input.result",
    );
    expect(await argumentOfAsync(() => api.renderSimulationReport({ result, topology: [[1], [0]] } as never))).toBe(
      "input.topology",
    );
    expect(await argumentOfAsync(() => api.renderSimulationReport(null as never))).toBe("input");
  });

  it("writes atomically: the target appears whole, no temporary file is left", () => {
    const dir = mkdtempSync(join(tmpdir(), "lplb-atomic-"));
    const target = join(dir, "out.txt");
    api.writeFileAtomic(target, "first");
    api.writeFileAtomic(target, new TextEncoder().encode("second"));
    expect(readFileSync(target, "utf8")).toBe("second");
    expect(readdirSync(dir)).toEqual(["out.txt"]);
    // A target that cannot be replaced (a directory) fails and leaves everything as it was.
    expect(() => api.writeFileAtomic(dir, "x")).toThrow(/cannot write/);
    expect(readdirSync(dir)).toEqual(["out.txt"]);
  });
});

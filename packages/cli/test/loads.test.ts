import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { aggregateLoads, DEFAULT_TRACE, readLoadFile, scenarioIndex } from "../src/loads.js";
import { encodeNpy } from "../src/npy.js";
import { tempDir } from "./helpers.js";

const dir = tempDir();
let counter = 0;
function fixture(extension: string, content: string | Uint8Array): string {
  const path = join(dir, `fixture-${counter++}${extension}`);
  writeFileSync(path, content);
  return path;
}

function errorOf(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError");
}

const rows = (file: ReturnType<typeof readLoadFile>) => file.loads.map((entry) => entry.map((row) => Array.from(row)));

describe("JSON load files", () => {
  it("reads the embedded OLMoE file: 8 scenarios x 3 layers x 64 experts, top-8, named scenarios", () => {
    const file = readLoadFile(DEFAULT_TRACE);
    expect(file.format).toBe("json");
    expect(file.kind).toBe("aggregate");
    expect([file.loads.length, file.layers, file.experts]).toEqual([8, 3, 64]);
    expect(file.topK).toBe(8);
    expect(file.layerIds).toEqual([0, 7, 15]);
    expect(file.names[0]).toBe("olmoe/arxiv");
    // Each row sums to tokens x top_k (the file's own description says so).
    for (const entry of file.loads) for (const row of entry) expect(row.reduce((a, b) => a + b, 0) % 8).toBe(0);
    expect(scenarioIndex(file, "olmoe/book")).toBe(1);
    expect(scenarioIndex(file, "2")).toBe(2);
  });

  it("reads bare arrays of depth 1, 2 and 3", () => {
    expect(rows(readLoadFile(fixture(".json", "[1, 2, 3]")))).toEqual([[[1, 2, 3]]]);
    expect(rows(readLoadFile(fixture(".json", "[[1, 2], [3, 4]]")))).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const three = readLoadFile(fixture(".json", "[[[1, 2]], [[3, 4]]]"));
    expect(rows(three)).toEqual([[[1, 2]], [[3, 4]]]);
    expect(three.kind).toBe("aggregate");
  });

  it("treats entries as a trace when the file declares a time series", () => {
    const byFlag = readLoadFile(fixture(".json", JSON.stringify({ time_series: true, loads: [[[1, 2]], [[3, 4]]] })));
    expect(byFlag.kind).toBe("trace");
    expect(byFlag.names).toEqual(["batch 0", "batch 1"]);
    const byAxes = readLoadFile(
      fixture(".json", JSON.stringify({ axes: ["step", "layer", "expert"], loads: [[[1, 2]], [[3, 4]]] })),
    );
    expect(byAxes.kind).toBe("trace");
  });

  it("reads SGLang logical_count dumps: 2-D aggregates and 3-D per-step records, dropping empty steps", () => {
    const aggregate = readLoadFile(
      fixture(
        ".json",
        JSON.stringify({
          logical_count: [
            [5, 0, 1],
            [2, 2, 2],
          ],
        }),
      ),
    );
    expect(aggregate.format).toBe("sglang-json");
    expect(aggregate.kind).toBe("aggregate");
    expect(rows(aggregate)).toEqual([
      [
        [5, 0, 1],
        [2, 2, 2],
      ],
    ]);
    const steps = readLoadFile(fixture(".json", JSON.stringify({ logical_count: [[[1, 2]], [[0, 0]], [[3, 4]]] })));
    expect(steps.kind).toBe("trace");
    expect(rows(steps)).toEqual([[[1, 2]], [[3, 4]]]);
    expect(steps.notes).toEqual(["dropped 1 steps without tokens"]);
    expect(steps.names).toEqual(["step 0", "step 1"]);
  });

  it("explains that a placement file holds no loads", () => {
    const path = fixture(".json", JSON.stringify({ physical_to_logical_map: [[0, 1]] }));
    expect(errorOf(() => readLoadFile(path)).message).toMatch(
      /holds a placement \(physical_to_logical_map\), not loads/,
    );
  });

  it("names the file, the position and what was expected for malformed JSON", () => {
    const cases: [string, RegExp][] = [
      ['{"loads": [1, 2,, 3]}', /: line 1, column 17: expected valid JSON/],
      ['{\n  "loads": [\n    [1, 2],\n    [3 4]\n  ]\n}', /: line 4, column 8: expected valid JSON/],
      ['{"loads": [[1, 2], [3]]}', /: loads\[1\]: expected 2 experts like the first row, got 1/],
      ['{"loads": [[1, -2]]}', /: loads\[0\]\[1\]: expected a finite number >= 0, got -2/],
      ['{"loads": [[1, "x"]]}', /: loads\[0\]\[1\]: expected a finite number >= 0, got "x"/],
      [
        '{"loads": [[1e400, 2]]}',
        /: loads\[0\]\[0\]: expected a finite number >= 0, got a number out of range, too large for a double \(JSON\.parse reads it as Infinity\)$/,
      ],
      ['{"loads": [[[1, 2]], [[1, 2], [3, 4]]]}', /: loads\[1\]: expected 1 layers like loads\[0\], got 2/],
      ['{"loads": []}', /: loads: expected a non-empty array/],
      ['{"weights": [1]}', /: top level: expected an object with a "loads" or "logical_count" array, got keys weights/],
      ["42", /: top level: expected an array or an object/],
      [
        "[[[[1]]]]",
        /: loads: expected \[experts\], \[layers\]\[experts\] or \[entries\]\[layers\]\[experts\] numbers, got 4 levels/,
      ],
    ];
    for (const [text, pattern] of cases) {
      const path = fixture(".json", text);
      const error = errorOf(() => readLoadFile(path));
      expect(error.message.startsWith(`${path}: `), text).toBe(true);
      expect(error.message, text).toMatch(pattern);
      expect(error.argument).toBe("--trace");
    }
    expect(errorOf(() => readLoadFile(join(dir, "missing.json"), { argument: "file" })).message).toMatch(
      /missing\.json: cannot read the file/,
    );
  });
});

describe("CSV load files", () => {
  it("reads a matrix (layers x experts) with or without a header", () => {
    expect(rows(readLoadFile(fixture(".csv", "1,2,3\n4,5,6\n")))).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(rows(readLoadFile(fixture(".csv", "e0,e1\r\n1,2\r\n\r\n# comment\n3,4\n")))).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
  });

  it("reads SGLang's layer_id,expert_id,count dumps (long form), adding repeated keys", () => {
    const file = readLoadFile(fixture(".csv", "layer_id,expert_id,count\n3,1,5\n3,0,2\n5,2,7\n3,1,1\n"));
    expect(file.format).toBe("csv-long");
    expect(file.kind).toBe("aggregate");
    expect(file.layerIds).toEqual([3, 5]);
    expect(rows(file)).toEqual([
      [
        [2, 6, 0],
        [0, 0, 7],
      ],
    ]);
  });

  it("reads a long-form trace with a batch column", () => {
    const file = readLoadFile(fixture(".csv", "step,layer,expert,count\n1,0,0,4\n0,0,1,3\n1,0,1,1\n"));
    expect(file.kind).toBe("trace");
    expect(file.names).toEqual(["batch 0", "batch 1"]);
    expect(rows(file)).toEqual([[[0, 3]], [[4, 1]]]);
  });

  it("names the line and column of a malformed value", () => {
    const cases: [string, RegExp][] = [
      ["1,2\n3,x\n", /: line 2, column 2: expected a finite number >= 0, got "x"/],
      ["1,2\n3\n", /: line 2: expected 2 values like line 1, got 1/],
      ["1,-2\n", /: line 1, column 2: expected a finite number >= 0, got "-2"/],
      ["a,1\n2,3\n", /: line 1: expected a header of labels or a row of numbers, not a mix/],
      [
        "layer,expert,count\n0,1.5,3\n",
        /: line 2, column 2: expected an integer expert id in \[0, 16777216\], got "1.5"/,
      ],
      [
        "layer,expert,count\n0,100000000,3\n",
        /: line 2, column 2: expected an integer expert id in \[0, 16777216\], got "100000000"/,
      ],
      ["layer,expert,count\n0,1,-3\n", /: line 2, column 3: expected a finite count >= 0/],
      ['"a",1\n', /: line 1: expected plain comma-separated values/],
      ["# only a comment\n", /: line 1: expected at least one row of numbers/],
    ];
    for (const [text, pattern] of cases) {
      const path = fixture(".csv", text);
      const error = errorOf(() => readLoadFile(path));
      expect(error.message.startsWith(`${path}: `), text).toBe(true);
      expect(error.message, text).toMatch(pattern);
    }
  });
});

describe(".npy load files", () => {
  it("reads [layers][experts] as an aggregate and [batches][layers][experts] as a trace", () => {
    const two = readLoadFile(fixture(".npy", encodeNpy(Float64Array.from([1, 2, 3, 4]), [2, 2])));
    expect(two.kind).toBe("aggregate");
    expect(rows(two)).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const three = readLoadFile(fixture(".npy", encodeNpy(Int32Array.from([1, 2, 3, 4]), [2, 1, 2])));
    expect(three.kind).toBe("trace");
    expect(rows(three)).toEqual([[[1, 2]], [[3, 4]]]);
    expect(aggregateLoads(three).map((r) => Array.from(r))).toEqual([[4, 6]]);
  });

  it("rejects negative and non-finite loads with their index", () => {
    const negative = fixture(".npy", encodeNpy(Float64Array.from([1, 2, -3, 4]), [2, 1, 2]));
    expect(errorOf(() => readLoadFile(negative)).message).toMatch(
      /element \[1\]\[0\]\[0\]: expected a finite load >= 0, got -3/,
    );
    const nan = fixture(".npy", encodeNpy(Float64Array.from([1, Number.NaN]), [2]));
    expect(errorOf(() => readLoadFile(nan)).message).toMatch(/element \[1\]: expected a finite load >= 0, got NaN/);
  });
});

describe("scenarioIndex", () => {
  it("lists the scenarios when nothing matches", () => {
    const file = readLoadFile(DEFAULT_TRACE);
    const error = errorOf(() => scenarioIndex(file, "nope"));
    expect(error.argument).toBe("--scenario");
    expect(error.message).toMatch(
      /expected a scenario name or an index in \[0, 7\] for --scenario, got "nope" \(scenarios: olmoe\/arxiv, /,
    );
    expect(() => scenarioIndex(file, "8")).toThrow(/index in \[0, 7\]/);
    expect(() => scenarioIndex(file, "-1")).toThrow(/index in \[0, 7\]/);
  });
});

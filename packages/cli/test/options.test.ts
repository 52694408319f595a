import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { choiceOption, integerOption, listOption, numberOption, parseLayerSelection } from "../src/options.js";
import { formatTable } from "../src/table.js";

describe("option parsers", () => {
  it("parses integers in range and rejects everything else, naming the option", () => {
    const parse = integerOption("--ep-size", 1, 64);
    expect(parse("8")).toBe(8);
    expect(parse(" 64 ")).toBe(64);
    for (const bad of ["0", "65", "1.5", "0x10", "1e3", "", "eight", "-3"]) {
      expect(() => parse(bad)).toThrow(`expected an integer in [1, 64] for --ep-size, got ${JSON.stringify(bad)}`);
    }
    expect(() => integerOption("--seed", 0)("-1")).toThrow('expected an integer >= 0 for --seed, got "-1"');
    try {
      parse("0");
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe("--ep-size");
    }
  });

  it("parses numbers, lists, choices and layer selections", () => {
    expect(numberOption("--zipf", 0, 10)("1.25")).toBe(1.25);
    expect(() => numberOption("--zipf", 0, 10)("11")).toThrow('expected a number in [0, 10] for --zipf, got "11"');
    expect(() => numberOption("--x", 0, 1, true)("0")).toThrow("(0, 1]");
    expect(() => numberOption("--x", 0, 1)("NaN")).toThrow(/--x/);
    const list = listOption("--policies", ["a", "b", "c"] as const);
    expect(list("c, a,a")).toEqual(["a", "c"]);
    expect(() => list("a,d")).toThrow('expected a comma-separated list of a, b, c for --policies, got "d"');
    expect(choiceOption("--format", ["lplb", "sglang"] as const)("sglang")).toBe("sglang");
    expect(() => choiceOption("--format", ["lplb", "sglang"] as const)("csv")).toThrow(/one of lplb, sglang/);
    expect(parseLayerSelection("--layer", "all", 3)).toEqual([0, 1, 2]);
    expect(parseLayerSelection("--layer", "5,0-2,1", 6)).toEqual([0, 1, 2, 5]);
    for (const bad of ["3", "2-1", "x", "", "1,,2", "-1"]) {
      expect(() => parseLayerSelection("--layer", bad, 3)).toThrow(/expected a layer index in \[0, 2\].* for --layer/);
    }
  });

  it("formats aligned tables", () => {
    expect(
      formatTable(
        ["name", "value"],
        [
          ["a", "1.5"],
          ["long name", "10"],
        ],
      ),
    ).toBe("name       value\n---------  -----\na            1.5\nlong name     10\n");
  });
});

/**
 * Every option of every command rejects invalid values, in-process (fast): the error is an
 * InvalidArgumentError naming the option (exit code 2 in bin.ts), or commander's own usage error.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError, NativeBindingError } from "@lplb/errors";
import { type Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { errorLine, exitCodeOf, runLplb } from "../src/main.js";
import { createProgram } from "../src/program.js";
import { tempDir } from "./helpers.js";

const dir = tempDir();
const badJson = join(dir, "bad.json");
writeFileSync(badJson, '{"loads": [[1, 2], [3]]}');
const trace = join(dir, "trace.json");
const row = (shift: number) => Array.from({ length: 16 }, (_, e) => 1 + ((e + shift) % 16));
writeFileSync(trace, JSON.stringify({ time_series: true, loads: [[row(0)], [row(5)]] }));
const huge = join(dir, "huge.json");
writeFileSync(huge, JSON.stringify({ loads: [[[7e7, ...row(1).slice(1)]], [row(2)]] }));
const badTopology = join(dir, "r2o.json");
writeFileSync(badTopology, JSON.stringify([[0], [1]]));

function silence(command: Command): Command {
  command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const sub of command.commands) silence(sub);
  return command;
}

async function failure(args: string[]): Promise<unknown> {
  try {
    await silence(createProgram()).parseAsync(["node", "lplb", ...args]);
  } catch (error) {
    return error;
  }
  throw new Error(`expected lplb ${args.join(" ")} to fail`);
}

/** [arguments, option named by the error, message pattern]; option "usage" means a commander usage error. */
const cases: [string[], string, RegExp][] = [
  [["simulate", "--trace", join(dir, "missing.json")], "--trace", /missing\.json: cannot read the file/],
  [["simulate", "--trace", badJson], "--trace", /bad\.json: loads\[1\]: expected 2 experts like the first row, got 1/],
  [["simulate", "--input", "sometimes"], "usage", /Allowed choices are auto, distribution, trace/],
  [["simulate", "--zipf", "-1"], "--zipf", /expected a number in \[0, 10\] for --zipf, got "-1"/],
  [["simulate", "--zipf", "1", "--trace", trace], "--zipf", /either --zipf or --trace/],
  [
    ["simulate", "--zipf", "1", "--experts", "0"],
    "--experts",
    /expected an integer in \[1, 4096\] for --experts, got "0"/,
  ],
  [
    ["simulate", "--scenario", "nope"],
    "--scenario",
    /expected a scenario name or an index in \[0, 7\] for --scenario, got "nope"/,
  ],
  [["simulate", "--calibration", "99"], "--calibration", /for --calibration, got "99"/],
  [["simulate", "--layer", "3"], "--layer", /expected a layer index in \[0, 2\].* for --layer, got "3"/],
  [
    ["simulate", "--topology", "sphere"],
    "--topology",
    /expected cube, hypercube, ring\[:N\], torus:MxN, file\.json for --topology, got "sphere"/,
  ],
  [["simulate", "--topology", "ring:1"], "--topology", /--topology ring:1: /],
  [["simulate", "--topology", badTopology], "--topology", /r2o\.json: expected a rank other than 0/],
  [
    ["simulate", "--ep-size", "12"],
    "--ep-size",
    /expected a multiple of the topology's group size 8 for --ep-size, got 12/,
  ],
  [["simulate", "--ep-size", "0"], "--ep-size", /expected an integer in \[1, 65536\] for --ep-size, got "0"/],
  [
    ["simulate", "--ep-size", "128"],
    "--ep-size",
    /expected a divisor of the number of experts \(64\) for --ep-size, got 128/,
  ],
  [
    ["simulate", "--redundant", "3"],
    "--redundant",
    /multiple of the topology's 2 slots, at most 8 \(experts per rank\), for --redundant, got 3/,
  ],
  [["simulate", "--redundant", "x"], "--redundant", /for --redundant, got "x"/],
  [
    ["simulate", "--expert-groups", "5"],
    "--expert-groups",
    /divisor of the number of experts \(64\) for --expert-groups, got 5/,
  ],
  [["simulate", "--top-k", "65"], "--top-k", /for --top-k, got 65/],
  [["simulate", "--top-k", "0"], "--top-k", /expected an integer in \[1, 4096\] for --top-k, got "0"/],
  [["simulate", "--tokens-per-rank", "0"], "--tokens-per-rank", /for --tokens-per-rank, got "0"/],
  [["simulate", "--batches", "1.5"], "--batches", /for --batches, got "1\.5"/],
  [["simulate", "--window", "0"], "--window", /for --window, got "0"/],
  [["simulate", "--replan-every", "-2"], "--replan-every", /for --replan-every, got "-2"/],
  [
    ["simulate", "--trace", trace, "--calibration-batches", "2"],
    "--calibration-batches",
    /fewer than the trace's 2 batches for --calibration-batches, got 2/,
  ],
  [["simulate", "--calibration-batches", "0"], "--calibration-batches", /for --calibration-batches, got "0"/],
  [
    ["simulate", "--trace", trace, "--scenario", "0"],
    "--scenario",
    /no --scenario or --calibration when replaying a trace/,
  ],
  [
    ["simulate", "--trace", huge, "--input", "trace"],
    "--trace",
    /expected at most 67108864 token assignments per batch and layer to replay, got 70000134 /,
  ],
  [
    ["simulate", "--gpus-per-node", "3", "--topology", "hypercube"],
    "--gpus-per-node",
    /divisor of the EP size \(16\) or a value >= it for --gpus-per-node, got 3/,
  ],
  [
    ["simulate", "--policies", "lplb,best"],
    "--policies",
    /comma-separated list of no-redundancy, eplb-even, lplb, lp-eplb, ideal for --policies, got "best"/,
  ],
  [["simulate", "--seed", "-1"], "--seed", /for --seed, got "-1"/],
  [
    ["simulate", "--report", join(dir, "no", "such", "dir", "r.html")],
    "--report",
    /expected a writable file path for --report/,
  ],
  [["simulate", "--report", dir], "--report", /it is a directory/],
  [["simulate", "--json=yes"], "usage", /.+/],
  [["simulate", "--progress"], "usage", /unknown option '--progress'/],
  [["eplb", badJson], "file", /bad\.json: loads\[1\]/],
  [["eplb", "--scenario", "x"], "--scenario", /for --scenario, got "x"/],
  [["eplb", "--window", "3"], "--window", /--window only with a trace file/],
  [["eplb", trace, "--scenario", "0"], "--scenario", /expected --window, not --scenario/],
  [["eplb", "--layer", "0-9"], "--layer", /for --layer, got "0-9"/],
  [["eplb", "--ep-size", "7"], "--redundant", /a multiple of --ep-size 7, got 78/],
  [["eplb", "--ep-size", "0"], "--ep-size", /for --ep-size, got "0"/],
  [["eplb", "--redundant", "-1"], "--redundant", /for --redundant, got "-1"/],
  [["eplb", "--replicas", "10"], "--replicas", /at least 64 physical experts/],
  [["eplb", "--redundant", "2", "--replicas", "80"], "usage", /cannot be used with option/],
  [
    ["eplb", "--expert-groups", "3"],
    "--expert-groups",
    /divisor of the number of experts \(64\) for --expert-groups, got 3/,
  ],
  [["eplb", "--gpus-per-node", "0"], "--gpus-per-node", /for --gpus-per-node, got "0"/],
  [["eplb", "--nodes", "3"], "--nodes", /a node count that divides --ep-size 8, got 3 nodes/],
  [["eplb", "--out", join(dir, "missing", "plan.json")], "--out", /expected a writable file path for --out/],
  [["eplb", "--format", "csv"], "usage", /Allowed choices are lplb, sglang/],
  [["topology"], "usage", /missing required argument 'spec'/],
  [["topology", "blob"], "spec", /for spec, got "blob"/],
  [["topology", "torus:1x4"], "spec", /torus:1x4: /],
  [["topology", badTopology], "spec", /r2o\.json: expected a rank other than 0/],
  [
    ["topology", "cube", "--ep-size", "12"],
    "--ep-size",
    /multiple of the topology's group size 8 for --ep-size, got 12/,
  ],
  [["topology", "cube", "--gpus-per-node", "0"], "--gpus-per-node", /for --gpus-per-node, got "0"/],
  [["topology", "cube", "--svg", join(dir, "missing", "t.svg")], "--svg", /writable file path for --svg/],
  [["topology", "cube", "--dot", join(dir, "missing", "t.dot")], "--dot", /writable file path for --dot/],
  [["inspect", "--verbose"], "usage", /unknown option '--verbose'/],
  [["bench", "--repeats", "0"], "--repeats", /for --repeats, got "0"/],
  [["bench", "--seed", "x"], "--seed", /for --seed, got "x"/],
  [["frobnicate"], "usage", /unknown command 'frobnicate'/],
];

describe("invalid options", () => {
  it.each(cases)("lplb %j", async (args, option, pattern) => {
    const error = await failure(args);
    if (option === "usage") {
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).not.toBe(0);
      expect((error as CommanderError).message).toMatch(pattern);
    } else {
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(option);
      expect((error as InvalidArgumentError).message).toMatch(pattern);
    }
  });
});

describe("exit codes", () => {
  it("maps help to 0, usage and invalid input to 2, and runtime failures to 1", () => {
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", "help"))).toBe(0);
    expect(exitCodeOf(new CommanderError(1, "commander.unknownOption", "unknown option"))).toBe(2);
    expect(exitCodeOf(new InvalidArgumentError("--x", "expected y for --x, got z"))).toBe(2);
    const binding = new NativeBindingError("cannot load lplb_ipm.node: tried build/Release/lplb_ipm.node (not found)");
    expect(exitCodeOf(binding)).toBe(1);
    expect(errorLine(binding)).toBe("lplb: cannot load lplb_ipm.node: tried build/Release/lplb_ipm.node (not found)\n");
    expect(exitCodeOf(new Error("disk full"))).toBe(1);
    expect(errorLine(new Error("disk full"))).toMatch(/^lplb: Error: disk full\n {4}at /);
    expect(errorLine(new CommanderError(1, "x", "y"))).toBeUndefined();
  });

  it("runs the program and prints invalid input on stderr", async () => {
    const lines: string[] = [];
    const code = await runLplb(["node", "lplb", "topology", "cube", "--ep-size", "4"], {
      write: (t: string) => lines.push(t),
    });
    expect(code).toBe(2);
    expect(lines).toEqual(["lplb: expected a multiple of the topology's group size 8 for --ep-size, got 4\n"]);
  });
});

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
const threeExperts = join(dir, "three.json");
writeFileSync(threeExperts, JSON.stringify({ loads: [[1, 2, 3]] }));

/** A topology file holding an object: `r2o` (left out when undefined) and other fields. */
/** r2o of 3 ranks and 2 slots, [[1, 2], [2, 0], [0, 1]]: its o2r, [[2, 1], [0, 2], [1, 0]], differs from it. */
const CYCLE3 = [0, 1, 2].map((i) => [(i + 1) % 3, (i + 2) % 3]);

let objects = 0;
function topologyObject(r2o: number[][] | undefined, fields: Record<string, unknown> = {}): string {
  const path = join(dir, `object-${objects++}.json`);
  writeFileSync(path, JSON.stringify({ ...fields, ...(r2o === undefined ? {} : { r2o }) }));
  return path;
}

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
  // Options that do not apply to the run are rejected when given, not ignored.
  [
    ["simulate", "--trace", trace, "--tokens-per-rank", "512"],
    "--tokens-per-rank",
    /^expected no --tokens-per-rank when replaying a trace: its batches are replayed as recorded \(use --input distribution to draw batches from it\)$/,
  ],
  [["simulate", "--trace", trace, "--top-k", "2"], "--top-k", /^expected no --top-k when replaying a trace/],
  [
    ["simulate", "--window", "16"],
    "--window",
    /^expected no --window when drawing batches from a distribution: it applies to replayed traces \(--input trace\)$/,
  ],
  [["simulate", "--zipf", "1", "--replan-every", "4"], "--replan-every", /^expected no --replan-every when drawing/],
  [
    ["simulate", "--trace", trace, "--input", "distribution", "--calibration-batches", "1"],
    "--calibration-batches",
    /^expected no --calibration-batches when drawing batches from a distribution/,
  ],
  [
    ["simulate", "--experts", "64"],
    "--experts",
    /^expected --experts only with --zipf: a load file sets the number of experts$/,
  ],
  [["simulate", "--trace", trace, "--experts", "16"], "--experts", /^expected --experts only with --zipf/],
  [
    ["simulate", "--zipf", "1", "--scenario", "0"],
    "--scenario",
    /^expected no --scenario with --zipf: the synthetic loads are one distribution of one layer$/,
  ],
  [["simulate", "--zipf", "1", "--calibration", "0"], "--calibration", /^expected no --calibration with --zipf/],
  [["simulate", "--zipf", "1", "--layer", "0"], "--layer", /^expected no --layer with --zipf/],
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
  [
    ["eplb", "--ep-size", "7"],
    "--redundant",
    /^expected the physical experts to be a multiple of --ep-size 7, got 64 experts \+ 2 redundant x 7 GPUs = 78 \(--redundant defaults to 2\); use an --ep-size that divides 64, or give the total with --replicas$/,
  ],
  [
    ["eplb", threeExperts],
    "--redundant",
    /multiple of --ep-size 8, got 3 experts \+ 2 redundant x 8 GPUs = 19 \(--redundant defaults to 2\)/,
  ],
  [
    ["eplb", threeExperts, "--redundant", "1"],
    "--redundant",
    /multiple of --ep-size 8, got 3 experts \+ 1 redundant x 8 GPUs = 11; use an --ep-size that divides 3/,
  ],
  [["eplb", "--ep-size", "0"], "--ep-size", /for --ep-size, got "0"/],
  [["eplb", "--redundant", "-1"], "--redundant", /for --redundant, got "-1"/],
  [["eplb", "--replicas", "10"], "--replicas", /at least 64 physical experts/],
  [["eplb", "--replicas", "81"], "--replicas", /a multiple of --ep-size 8, for --replicas, got 81/],
  [["eplb", "--redundant", "2", "--replicas", "80"], "usage", /cannot be used with option/],
  [
    ["eplb", "--expert-groups", "3"],
    "--expert-groups",
    /divisor of the number of experts \(64\) for --expert-groups, got 3/,
  ],
  [["eplb", "--gpus-per-node", "0"], "--gpus-per-node", /for --gpus-per-node, got "0"/],
  [["eplb", "--nodes", "3"], "--nodes", /a node count that divides --ep-size 8, got 3 nodes/],
  [
    ["eplb", "--nodes", "2", "--gpus-per-node", "4"],
    "usage",
    /option '--nodes <n>' cannot be used with option '--gpus-per-node <n>'/,
  ],
  [["eplb", "--out", join(dir, "missing", "plan.json")], "--out", /expected a writable file path for --out/],
  [["eplb", "--format", "csv"], "usage", /Allowed choices are lplb, sglang/],
  [["topology"], "usage", /missing required argument 'spec'/],
  [["topology", "blob"], "spec", /for spec, got "blob"/],
  [["topology", "torus:1x4"], "spec", /torus:1x4: /],
  [
    ["topology", "torus"],
    "spec",
    /^expected torus:MxN for spec, a torus of M rows and N columns of ranks \(M, N >= 2; e\.g\. torus:4x8 for 32 ranks\), got "torus"$/,
  ],
  [["simulate", "--topology", "torus:4"], "--topology", /expected torus:MxN for --topology, .*got "torus:4"$/],
  [["topology", "ring:x"], "spec", /^expected ring or ring:N for spec, a ring of N ranks .*got "ring:x"$/],
  [
    ["topology", topologyObject([[1], [1]])],
    "spec",
    /object-\d+\.json: expected a rank other than 1 \(a rank never replicates itself\) for r2o\[1\]\[0\], got 1$/,
  ],
  [
    ["topology", topologyObject([[1], [0]], { name: "" })],
    "spec",
    /object-\d+\.json: expected a non-empty string for field "name" \(or no "name"\), got ""$/,
  ],
  [
    ["topology", topologyObject(undefined, { name: "x" })],
    "spec",
    /object-\d+\.json: missing field "r2o"; expected an r2o matrix/,
  ],
  [
    ["topology", topologyObject([[1], [0]], { extra: 1 })],
    "spec",
    /object-\d+\.json: unknown field "extra"; expected an r2o matrix \[\[\.\.\.\], \.\.\.\] or an object \{ "name" \(optional\), "r2o" \}$/,
  ],
  [
    ["topology", topologyObject([[1], [0]], { slots: 2 })],
    "spec",
    /object-\d+\.json: expected field "slots" to agree with r2o \(1\), got 2$/,
  ],
  [
    // o2r copied from r2o instead of inverted.
    ["topology", topologyObject(CYCLE3, { o2r: CYCLE3 })],
    "spec",
    /object-\d+\.json: expected field "o2r" to be the inverse of r2o, \[\[2,1\],\[0,2\],\[1,0\]\]$/,
  ],
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

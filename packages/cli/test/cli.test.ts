/** End-to-end: the built `lplb` binary, its exit codes, outputs and files. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { planLoads } from "@lplb/eplb";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRACE } from "../src/loads.js";
import { encodeNpy } from "../src/npy.js";
import { seededRandom } from "../src/random.js";
import { REPO_DIR, runCli, tempDir } from "./helpers.js";

const dir = tempDir();
const POLICY_ROWS = ["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal (bound)"];

describe("lplb simulate", () => {
  it("runs the main job with no arguments: a readable summary table, exit 0", async () => {
    const run = await runCli(["simulate"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^OLMoE-1B-7B-0924 .*olmoe\/arxiv \(planned on olmoe\/arxiv\), layer 1 \(model layer 7\): 64 experts, top-8$/,
    );
    expect(lines[1]).toBe(
      "cube topology, EP8, 2 redundant experts per rank, 100 batches of 512 tokens per rank, seed 1",
    );
    const header = lines.findIndex((l) => l.startsWith("policy"));
    expect(lines[header]).toMatch(/^policy\s+mean balance\s+p50 balance\s+p99 balance\s+max balance$/);
    const rows = lines.slice(header + 2, header + 7);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(POLICY_ROWS);
    for (const row of rows) {
      const values = row
        .split(/\s{2,}/)
        .slice(1)
        .map(Number);
      expect(values).toHaveLength(4);
      for (const v of values) expect(v).toBeGreaterThanOrEqual(1);
    }
    expect(rows[4]).toMatch(/1\.0000\s+1\.0000\s+1\.0000\s+1\.0000$/);
    expect(run.stdout).toMatch(
      /LPLB solve \(1 group per layer\): median [\d.]+ us, p99 [\d.]+ us; LPs not optimal: 0 of 100/,
    );
    // The getting-started guide shows this very table.
    const guide = readFileSync(join(REPO_DIR, "docs", "guide", "getting-started.md"), "utf8");
    expect(guide).toContain(lines.slice(header, header + 7).join("\n"));
  });

  it("prints a JSON document whose summaries agree with its per-batch balances", async () => {
    const run = await runCli(["simulate", "--json", "--batches", "20", "--layer", "0,2"]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.version).toBe(1);
    expect(json.setup).toMatchObject({
      source: "distribution",
      layers: [0, 2],
      layerIds: [0, 15],
      epSize: 8,
      experts: 64,
      topK: 8,
    });
    expect(json.policies).toEqual(["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal"]);
    expect(json.batches).toBe(20);
    for (const summary of json.summaries) {
      const values: number[] = json.balances[summary.policy];
      expect(values).toHaveLength(20);
      expect(summary.meanBalance).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 20, 12);
      expect(summary.maxBalance).toBe(Math.max(...values));
      expect(summary.p50Balance).toBe([...values].sort((a, b) => a - b)[9]);
    }
    expect(json.lplb).toMatchObject({ fallbacks: 0, solves: 40 });
    expect(typeof json.lplb.solveMicros.median).toBe("number");
    expect(json.lpEplb).toMatchObject({ fallbacks: 0, solves: 40 });
    expect(json.worstBatch.before).toHaveLength(2);
    expect(json.worstBatch.after[1]).toHaveLength(8);
    expect(json.balances.lplb[json.worstBatch.batch]).toBe(json.worstBatch.balanceAfter);
  });

  it("replays a per-batch .npy trace on a sliding window", async () => {
    const random = seededRandom(11);
    const batches = 6;
    const data = new Float64Array(batches * 2 * 16);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 50);
    const path = join(dir, "trace.npy");
    writeFileSync(path, encodeNpy(data, [batches, 2, 16]));
    const run = await runCli([
      "simulate",
      "--trace",
      path,
      "--layer",
      "all",
      "--window",
      "2",
      "--replan-every",
      "1",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.setup).toMatchObject({
      source: "trace",
      format: "npy",
      window: 2,
      replanEvery: 1,
      calibrationBatches: 2,
      batches: 4,
    });
    expect(json.plans).toBe(4);
    const text = await runCli(["simulate", "--trace", path, "--window", "2"]);
    expect(text.stdout).toMatch(/replaying 6 recorded batches of .*trace\.npy/);
    expect(text.stdout).toMatch(
      /plans on the previous 2 batches, re-planned every 2; first 2 batches are history only/,
    );
  });

  it("draws from synthetic Zipf loads", async () => {
    const run = await runCli(["simulate", "--zipf", "1.2", "--experts", "32", "--batches", "5", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.setup).toMatchObject({ source: "zipf", zipfExponent: 1.2, experts: 32, trace: null });
  });

  it("exits 2 with the option and expected value on invalid input, writing nothing", async () => {
    const report = join(dir, "never.html");
    const run = await runCli(["simulate", "--ep-size", "12", "--report", report]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("lplb: expected a multiple of the topology's group size 8 for --ep-size, got 12\n");
    expect(existsSync(report)).toBe(false);
    const unknown = await runCli(["simulate", "--frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);
    const malformed = join(dir, "malformed.csv");
    writeFileSync(malformed, "1,2\n3,oops\n");
    const bad = await runCli(["simulate", "--trace", malformed]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`lplb: ${malformed}: line 2, column 2: expected a finite number >= 0, got "oops"\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("warns on stderr when --input trace replays an aggregate file's scenarios as batches", async () => {
    const run = await runCli(["simulate", "--input", "trace", "--batches", "2"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(
      `lplb: warning: --input trace replays the 8 scenarios of ${DEFAULT_TRACE} as batches in file order: ` +
        "7 only fill the planning history and 1 is scored; --input distribution draws batches from one scenario\n",
    );
    expect(run.stdout).toMatch(/, 1 scored batch, seed 1$/m);
  });

  it("says redundant expert and batch in the singular for one", async () => {
    const run = await runCli(["simulate", "--topology", "ring", "--redundant", "1", "--batches", "1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^ring8 topology, EP8, 1 redundant expert per rank, 1 batch of 512 tokens per rank, seed 1$/m,
    );
  });

  it("writes a self-contained HTML report", async () => {
    const report = join(dir, "report.html");
    const run = await runCli(["simulate", "--batches", "10", "--report", report]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/report written to .*report\.html/);
    const html = readFileSync(report, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/data-plot="/g)).toHaveLength(6);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("shows help for every command, and the version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["simulate", "eplb", "topology", "inspect", "bench"]) expect(help.stdout).toContain(command);
    const sub = await runCli(["simulate", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("--tokens-per-rank <n>");
    // Every default is shown once, --policies' too.
    const policies = sub.stdout.slice(sub.stdout.indexOf("--policies"), sub.stdout.indexOf("--seed"));
    expect(policies.match(/\(default:/g)).toEqual(["(default:"]);
    expect(policies.replace(/\s+/g, " ")).toMatch(/ideal \(default: all\) $/);
    const version = await runCli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version,
    );
  });
});

describe("lplb eplb", () => {
  it("plans a placement, prints per-GPU balance and writes a consistent plan file", async () => {
    const out = join(dir, "plan.json");
    const run = await runCli(["eplb", "--ep-size", "8", "--redundant", "2", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/EPLB \(hierarchical policy\): 80 physical experts on 8 GPUs in 1 node/);
    expect(run.stdout).toMatch(/^layer\s+balance before\s+balance EPLB\s+node balance\s+max copies$/m);
    const plan = JSON.parse(readFileSync(out, "utf8"));
    expect(plan).toMatchObject({
      version: 1,
      numExperts: 64,
      numReplicas: 80,
      numGpus: 8,
      numNodes: 1,
      layers: [0, 1, 2],
    });
    const loads = JSON.parse(readFileSync(DEFAULT_TRACE, "utf8")).loads[0];
    plan.phy2log.forEach((phy2log: number[], layer: number) => {
      expect(phy2log).toHaveLength(80);
      const counted = new Array(64).fill(0);
      for (const e of phy2log) counted[e]++;
      expect(counted).toEqual(plan.logcnt[layer]);
      plan.log2phy[layer].forEach((row: number[], e: number) => {
        const copies = row.filter((p) => p >= 0);
        expect(copies).toHaveLength(plan.logcnt[layer][e]);
        for (const p of copies) expect(phy2log[p]).toBe(e);
      });
      // The printed balance: max over GPUs of the even-split load, over the mean, recomputed here.
      const gpu = new Array(8).fill(0);
      phy2log.forEach((e, p) => {
        gpu[Math.floor(p / 10)] += loads[layer][e] / plan.logcnt[layer][e];
      });
      const mean = gpu.reduce((a, b) => a + b, 0) / 8;
      expect(plan.balance[layer]).toBeCloseTo(Math.max(...gpu) / mean, 9);
      expect(plan.balance[layer]).toBeCloseTo(planLoads(loads[layer], phy2log, plan.logcnt[layer], 8, 1).balance, 12);
    });
  });

  it("writes SGLang's physical_to_logical_map form and reads traces", async () => {
    const run = await runCli(["eplb", "--format", "sglang", "--json", "--layer", "1"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "lplb: warning: --format sglang writes physical_to_logical_map for 1 of the file's 3 layers (--layer 1); " +
        "SGLang expects a row for every MoE layer, so load it only with --layer all\n",
    );
    const all = await runCli(["eplb", "--format", "sglang", "--json"]);
    expect(all.code).toBe(0);
    expect(all.stderr).toBe("");
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(["physical_to_logical_map"]);
    expect(json.physical_to_logical_map[0]).toHaveLength(80);
    const trace = join(dir, "eplb-trace.json");
    writeFileSync(trace, JSON.stringify({ logical_count: [[[4, 0, 0, 0, 1, 1, 1, 1]], [[0, 4, 0, 0, 1, 1, 1, 1]]] }));
    const traced = await runCli(["eplb", trace, "--ep-size", "4", "--redundant", "1", "--window", "1"]);
    expect(traced.code, traced.stderr).toBe(0);
    expect(traced.stdout).toMatch(/sum of the last 1 of 2 batches/);
  });

  it("leaves no output behind when planning fails", async () => {
    const out = join(dir, "failed-plan.json");
    const bad = join(dir, "bad-loads.json");
    writeFileSync(bad, '{"loads": [[1, 2, 3, 4, 5, 6, 7, -8]]}');
    const run = await runCli(["eplb", bad, "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`lplb: ${bad}: loads[0][7]: expected a finite number >= 0, got -8\n`);
    expect(existsSync(out)).toBe(false);
    const existing = join(dir, "kept.json");
    writeFileSync(existing, "old");
    const again = await runCli(["eplb", "--layer", "7", "--out", existing]);
    expect(again.code).toBe(2);
    expect(readFileSync(existing, "utf8")).toBe("old");
  });
});

describe("lplb topology", () => {
  it("describes the reference topologies and counts edges inside and across nodes", async () => {
    const cube = await runCli(["topology", "cube"]);
    expect(cube.code).toBe(0);
    expect(cube.stdout).toMatch(/cube: valid r2o, 8 ranks per redundancy group, 2 slots/);
    expect(cube.stdout).toMatch(/replication edges over EP8: 16, 16 inside a node, 0 across nodes/);
    const torus = await runCli(["topology", "torus:4x8", "--ep-size", "32", "--json"]);
    const json = JSON.parse(torus.stdout);
    // Rank i*n+j copies ((i+1)%m)*n+j (slot 0, the next node for n = 8) and i*n+(j+1)%n (slot 1, same node).
    expect(json.r2o[9]).toEqual([17, 10]);
    expect(json.placement).toMatchObject({ nodes: 4, intraNode: 32, interNode: 32 });
    const ring = await runCli(["topology", "ring:4", "--gpus-per-node", "2"]);
    expect(ring.stdout).toMatch(/replication edges over EP4: 4, 2 inside a node, 2 across nodes/);
  });

  it("reads r2o files and draws SVG and DOT", async () => {
    const file = join(dir, "swap.json");
    writeFileSync(file, JSON.stringify({ name: "swap", r2o: [[1], [0]] }));
    const svg = join(dir, "swap.svg");
    const dot = join(dir, "swap.dot");
    const run = await runCli(["topology", file, "--svg", svg, "--dot", dot]);
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(svg, "utf8");
    expect(text.startsWith("<svg")).toBe(true);
    expect(text.match(/class="edge"/g)).toHaveLength(2);
    expect(readFileSync(dot, "utf8")).toMatch(/^digraph "swap"/);
  });

  it("reads a topology file without a name, and the --json output, naming it after the file", async () => {
    const file = join(dir, "nameless.json");
    writeFileSync(file, '{"r2o":[[1,2],[2,3],[3,0],[0,1]]}');
    const run = await runCli(["topology", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(
      `${file}: valid r2o, 4 ranks per redundancy group, 2 slots (every column is a permutation without fixed points)`,
    );
    const saved = join(dir, "torus.json");
    writeFileSync(saved, (await runCli(["topology", "torus:2x4", "--json"])).stdout);
    const again = await runCli(["topology", saved, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ name: "torus2d-2x4", groupSize: 8, slots: 2 });
    const bad = join(dir, "bad-r2o.json");
    writeFileSync(bad, '{"r2o":[[1,2],[2,3],[3,3],[0,1]]}');
    const failed = await runCli(["topology", bad]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(
      `lplb: ${bad}: expected column 1 of r2o to be a permutation of 0..3, got 3 in both r2o[1][1] and r2o[2][1] (so no rank copies slot 1 of rank 0)\n`,
    );
  });

  it("warns when the ranks of a group split into parts that no copy links", async () => {
    const file = join(dir, "pairs.json");
    writeFileSync(file, JSON.stringify([[1], [0], [3], [2]]));
    const warning =
      "warning: the ranks of a group split into 2 parts that no copy links (0 1 | 2 3): LPLB cannot move load from one part to another";
    const run = await runCli(["topology", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`\n${warning}\n`);
    const json = await runCli(["topology", file, "--json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(`lplb: ${warning}\n`);
    for (const spec of ["cube", "hypercube", "ring", "torus:4x8"]) {
      const connected = await runCli(["topology", spec]);
      expect(connected.stdout, spec).not.toContain("warning");
    }
  });
});

describe("lplb inspect and bench", () => {
  it("reports the native solver's backends", async () => {
    const run = await runCli(["inspect", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.native.cpu).toBe(true);
    expect(typeof json.native.cuda.usable).toBe("boolean");
    if (!json.native.cuda.usable) expect(json.native.cuda.reason).not.toBe("");
    const text = await runCli(["inspect"]);
    expect(text.stdout).toMatch(/CPU backend: available/);
    expect(text.stdout).toMatch(/CUDA backend: /);
  });

  it("measures the solvers and HiGHS in one run, agreeing on every objective", async () => {
    const run = await runCli(["bench", "--repeats", "2", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    // 4 LPLB cases by both solvers, the LP over EPLB's placement, the planner, EPLB.
    expect(json.results.length).toBe(11);
    for (const result of json.results) expect(result.medianMicros).toBeGreaterThan(0);
    if (json.highs.available) {
      const lps = json.results.filter((r: { highsMedianMicros?: number }) => r.highsMedianMicros !== undefined);
      expect(lps.length).toBe(9);
      for (const r of lps) expect(r.maxObjectiveGap).toBeLessThan(1e-6);
    } else {
      expect(json.highs.reason).toMatch(/not installed/);
    }
  });
});

describe("lplb launch", () => {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "launched.mjs");

  it("starts one process per rank with its place, and passes the script's options through", async () => {
    const run = await runCli(["launch", "-n", "2", "--gpus-per-node", "1", fixture, "--flag", "x"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("[rank 0] rank 0 of 2 device 0 args --flag x");
    expect(run.stdout).toContain("[rank 1] rank 1 of 2 device 0 args --flag x");
  });

  it("exits with the failing rank's code and says which", async () => {
    const run = await runCli(["launch", "-n", "3", fixture, "--fail-rank=2"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("lplb: rank 2 exited with code 4");
  });

  it("rejects a job of several nodes without a port", async () => {
    const run = await runCli(["launch", "-n", "2", "--nnodes", "2", fixture]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/options\.port/);
  });
});

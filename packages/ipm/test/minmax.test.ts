/**
 * The specialised min-max solver against HiGHS on the LPLB LP of the same groups: the known
 * topologies, the 64-rank D=4 group and random r2o, every load kind, both precisions; plus its
 * certificate, degenerate groups and argument checks.
 */

import { CudaUnavailableError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import {
  capabilities,
  createMinMaxSolver,
  type IpmPrecision,
  type MinMaxMethod,
  type MinMaxSolution,
} from "../src/index.js";
import { OBJECTIVE_TOLERANCE, oracle } from "./support/compare.js";
import {
  CUBE,
  type GroupLoads,
  HYPERCUBE,
  LOAD_KINDS,
  loadsFromExperts,
  lplbProgram,
  maxRankLoad,
  RING,
  randomLoads,
  randomTopology,
  replicaRanks,
  SHIFT_64X4,
  TORUS_8X4,
  type Topology,
} from "./support/lplb.js";
import { Rng, seedLabel, testSeeds } from "./support/random.js";

interface Case {
  readonly label: string;
  readonly topology: Topology;
  readonly loads: GroupLoads;
}

const METHODS: readonly MinMaxMethod[] = ["flow", "ipm"];

/**
 * Solves every case of one topology in one batch by each method and checks each answer against
 * HiGHS (solved once per case).
 */
async function check(cases: readonly Case[], precision: IpmPrecision): Promise<string[]> {
  const failures: string[] = [];
  const byTopology = new Map<Topology, Case[]>();
  for (const c of cases) byTopology.set(c.topology, [...(byTopology.get(c.topology) ?? []), c]);
  for (const [topology, group] of byTopology) {
    const g = topology.groupSize;
    const slots = topology.columns.length;
    const fixed = new Float64Array(group.length * g);
    const slot = new Float64Array(group.length * g * slots);
    group.forEach((c, k) => {
      fixed.set(c.loads.f, k * g);
      slot.set(c.loads.w, k * g * slots);
    });
    const answers = [];
    for (const c of group) answers.push(await oracle(lplbProgram(topology, c.loads)));
    for (const method of METHODS) {
      const replicaRank = replicaRanks(topology);
      using solver = createMinMaxSolver({ nRanks: g, nSlots: slots, replicaRank }, { precision, method });
      const result = solver.solve(fixed, slot);
      failures.push(...checkResults(group, answers, result, precision, solver.options.tolerance, method));
    }
  }
  return failures;
}

function checkResults(
  group: readonly Case[],
  answers: readonly { objective: number }[],
  result: MinMaxSolution,
  precision: IpmPrecision,
  tolerance: number,
  method: MinMaxMethod,
): string[] {
  const failures: string[] = [];
  for (let k = 0; k < group.length; k++) {
    const c = group[k];
    const { topology } = c;
    const g = topology.groupSize;
    const slots = topology.columns.length;
    const label = `${c.label} [${precision}, ${method}]`;
    const keep = result.keep.subarray(k * g * slots, (k + 1) * g * slots);
    const answer = answers[k];
    if (result.status[k] !== "optimal") {
      failures.push(`${label}: status ${result.status[k]}`);
      continue;
    }
    if (!keep.every((p) => p >= 0 && p <= 1)) failures.push(`${label}: keep outside [0, 1]`);
    const recomputed = maxRankLoad(topology, c.loads, [...keep, 0]);
    if (Math.abs(recomputed - result.maxLoad[k]) > 1e-12 * (1 + recomputed)) {
      failures.push(`${label}: maxLoad ${result.maxLoad[k]}, recomputed ${recomputed}`);
    }
    const optimum = answer.objective;
    const relative = Math.abs(result.maxLoad[k] - optimum) / Math.max(1, Math.abs(optimum));
    if (relative > OBJECTIVE_TOLERANCE[precision]) {
      failures.push(`${label}: maxLoad ${result.maxLoad[k]}, HiGHS ${optimum} (relative error ${relative})`);
    }
    if (result.lowerBound[k] > optimum + 1e-9 * (1 + optimum)) {
      failures.push(`${label}: lower bound ${result.lowerBound[k]} above the HiGHS optimum ${optimum}`);
    }
    if (!(result.gap[k] <= tolerance)) failures.push(`${label}: gap ${result.gap[k]} with status optimal`);
  }
  return failures;
}

function randomCases(seed: number, perKind: number, randomCount: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (const topology of [CUBE, HYPERCUBE, RING, TORUS_8X4]) {
    for (const kind of LOAD_KINDS) {
      for (let k = 0; k < perKind; k++) {
        cases.push({ label: `${topology.name}, ${kind} #${k}`, topology, loads: randomLoads(rng, topology, kind) });
      }
    }
  }
  for (let k = 0; k < randomCount; k++) {
    const topology = randomTopology(rng);
    const kind = rng.pick(LOAD_KINDS);
    cases.push({ label: `${topology.name}, ${kind} #${k}`, topology, loads: randomLoads(rng, topology, kind) });
  }
  return cases;
}

describe("min-max solver against HiGHS", () => {
  for (const seed of testSeeds()) {
    it(`float64, known and random topologies, ${seedLabel(seed)}`, async () => {
      const failures = await check(randomCases(seed, 25, 150), "float64");
      expect(failures, `${seedLabel(seed)}`).toEqual([]);
    });
    it(`float32, ${seedLabel(seed)}`, async () => {
      const failures = await check(randomCases(seed ^ 0x68e31da4, 8, 50), "float32");
      expect(failures, `${seedLabel(seed)}`).toEqual([]);
    });
    it(`64-rank D=4 groups, ${seedLabel(seed)}`, async () => {
      const rng = new Rng(seed);
      const cases = LOAD_KINDS.map((kind) => ({
        label: `64x4, ${kind}`,
        topology: SHIFT_64X4,
        loads: randomLoads(rng, SHIFT_64X4, kind),
      }));
      expect(await check(cases, "float64"), seedLabel(seed)).toEqual([]);
    });
  }

  it("degenerate groups: all zero, nothing replicated, one rank or one expert with everything", async () => {
    const cases: Case[] = [];
    for (const topology of [CUBE, RING, SHIFT_64X4]) {
      const g = topology.groupSize;
      const slots = topology.columns.length;
      const ownPerRank = 2 * slots + 2;
      const experts = (load: (rank: number, expert: number) => number) =>
        Array.from({ length: g * ownPerRank }, (_, k) => load(Math.floor(k / ownPerRank), k % ownPerRank));
      const add = (name: string, loads: number[]) =>
        cases.push({
          label: `${topology.name}, ${name}`,
          topology,
          loads: loadsFromExperts(loads, g, slots, 2, ownPerRank),
        });
      add(
        "all zero",
        experts(() => 0),
      );
      add(
        "nothing replicated",
        experts((rank, e) => (e < 2 * slots ? 0 : 1 + rank)),
      );
      add(
        "one rank",
        experts((rank) => (rank === g - 1 ? 5 : 0)),
      );
      add(
        "one expert",
        experts((rank, e) => (rank === 0 && e === 0 ? 7 : 0)),
      );
    }
    expect(await check(cases, "float64")).toEqual([]);
    expect(await check(cases, "float32")).toEqual([]);
  });

  it("gives an all-zero group max load 0 and an even split, never NaN", () => {
    using solver = createMinMaxSolver({ nRanks: 2, nSlots: 1, replicaRank: [1, 0] });
    const result = solver.solve(new Float64Array(2), new Float64Array(2));
    expect(result.status).toEqual(["optimal"]);
    expect(Array.from(result.keep)).toEqual([0.5, 0.5]);
    expect(result.maxLoad[0]).toBe(0);
    expect(result.gap[0]).toBe(0);
  });

  it("solves the documented two-rank example", () => {
    using solver = createMinMaxSolver({ nRanks: 2, nSlots: 1, replicaRank: [1, 0] });
    const { keep, maxLoad } = solver.solve(Float64Array.of(10, 0), Float64Array.of(6, 0));
    expect(keep[0]).toBeCloseTo(0, 9);
    expect(maxLoad[0]).toBeCloseTo(10, 9);
  });
});

describe("min-max solver arguments", () => {
  const group = { nRanks: 2, nSlots: 1, replicaRank: [1, 0] };

  it("rejects malformed groups with the offending field", () => {
    expect(() => createMinMaxSolver({ ...group, nRanks: 0 })).toThrow(/group\.nRanks/);
    expect(() => createMinMaxSolver({ ...group, replicaRank: [1] })).toThrow(/group\.replicaRank/);
    expect(() => createMinMaxSolver({ ...group, replicaRank: [1, 2] })).toThrow(/group\.replicaRank\[1\]/);
    expect(() => createMinMaxSolver({ nRanks: 1024, nSlots: 17, replicaRank: [] })).toThrow(
      /nRanks \* nSlots <= 16384/,
    );
    expect(() => createMinMaxSolver(null as never)).toThrow(/group/);
  });

  it("rejects unknown options, and backend cuda without a usable device", () => {
    expect(() => createMinMaxSolver(group, { tolerence: 1e-3 } as never)).toThrow(/options\.tolerence/);
    expect(() => createMinMaxSolver(group, { backend: "gpu" } as never)).toThrow(/options\.backend/);
    if (!capabilities().cuda.usable) {
      expect(() => createMinMaxSolver(group, { backend: "cuda" })).toThrow(CudaUnavailableError);
    }
    expect(() => createMinMaxSolver(group, { precision: "float16" } as never)).toThrow(/options\.precision/);
    expect(() => createMinMaxSolver(group, { method: "simplex" } as never)).toThrow(/options\.method/);
    using chosen = createMinMaxSolver(group, { method: "ipm" });
    expect(chosen.options.method).toBe("ipm");
    using defaulted = createMinMaxSolver(group);
    expect(defaulted.options.method).toBe("flow");
  });

  it("rejects bad loads before native code, naming the index", () => {
    using solver = createMinMaxSolver(group);
    expect(() => solver.solve(Float64Array.of(1, Number.NaN), Float64Array.of(1, 1))).toThrow(/fixedLoad\[1\]/);
    expect(() => solver.solve(Float64Array.of(1, 1), Float64Array.of(-1, 1))).toThrow(/slotLoad\[0\]/);
    expect(() => solver.solve(Float64Array.of(1, 1), Float64Array.of(1, Number.POSITIVE_INFINITY))).toThrow(
      /slotLoad\[1\]/,
    );
    expect(() => solver.solve(Float64Array.of(1, 1, 1), Float64Array.of(1, 1))).toThrow(/fixedLoad/);
    expect(() => solver.solve(Float64Array.of(1, 1), Float64Array.of(1, 1, 1, 1))).toThrow(/slotLoad/);
    expect(() => solver.solve([1, 1] as never, Float64Array.of(1, 1))).toThrow(/Float64Array/);
  });

  it("refuses to solve after dispose", () => {
    const solver = createMinMaxSolver(group);
    solver.dispose();
    solver.dispose();
    expect(solver.disposed).toBe(true);
    expect(() => solver.solve(Float64Array.of(1, 1), Float64Array.of(1, 1))).toThrow(/disposed/);
  });

  it("reuses its buffers: a result is a view overwritten by the next solve", () => {
    using solver = createMinMaxSolver(group);
    const first = solver.solve(Float64Array.of(10, 0), Float64Array.of(6, 0));
    const maxLoad = first.maxLoad[0];
    solver.solve(Float64Array.of(0, 10), Float64Array.of(0, 6));
    expect(first.maxLoad[0]).toBeCloseTo(maxLoad, 9);
    const many = solver.solve(new Float64Array(200).fill(1), new Float64Array(200).fill(1));
    expect(many.count).toBe(100);
    expect(many.status.every((s) => s === "optimal")).toBe(true);
  });
});

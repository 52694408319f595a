/**
 * LPLB min-max LPs (reference section 3.4) on the known topologies and random ones, against
 * HiGHS, plus hand-solved degenerate cases.
 */
import type { LpSolution } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import type { IpmPrecision } from "../src/index.js";
import { solve } from "../src/index.js";
import { compareWithHighs, describeFailures, oracle, type TestCase } from "./support/compare.js";
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
  SHIFT_64X4,
  TORUS_8X4,
  type Topology,
} from "./support/lplb.js";
import { Rng, seedLabel, testSeeds } from "./support/random.js";

const KNOWN_TOPOLOGIES = [CUBE, HYPERCUBE, RING, TORUS_8X4];

/** The split must lie in [0, 1] and z must equal the recomputed max rank load. */
function splitCheck(topology: Topology, loads: GroupLoads): (s: LpSolution, tolerance: number) => string | undefined {
  return (s, tolerance) => {
    const pCount = topology.groupSize * topology.columns.length;
    for (let k = 0; k < pCount; k++) {
      if (!(s.x[k] >= -tolerance && s.x[k] <= 1 + tolerance)) return `p[${k}] = ${s.x[k]} outside [0, 1]`;
    }
    const load = maxRankLoad(topology, loads, s.x);
    if (!(Math.abs(load - s.objective) <= tolerance * Math.max(1, load))) {
      return `max rank load of the split ${load} differs from z = ${s.objective}`;
    }
    return undefined;
  };
}

function lplbCase(label: string, topology: Topology, loads: GroupLoads, zLower = 0): TestCase {
  return { label, lp: lplbProgram(topology, loads, zLower), check: splitCheck(topology, loads) };
}

function randomCases(seed: number, perKind: number, randomCount: number): TestCase[] {
  const rng = new Rng(seed);
  const cases: TestCase[] = [];
  for (const topology of KNOWN_TOPOLOGIES) {
    for (const kind of LOAD_KINDS) {
      for (let k = 0; k < perKind; k++) {
        const zLower = rng.chance(0.25) ? Number.NEGATIVE_INFINITY : 0;
        cases.push(
          lplbCase(`${topology.name}, ${kind} loads #${k}`, topology, randomLoads(rng, topology, kind), zLower),
        );
      }
    }
  }
  for (let k = 0; k < randomCount; k++) {
    const topology = randomTopology(rng);
    const kind = rng.pick(LOAD_KINDS);
    cases.push(lplbCase(`${topology.name}, ${kind} loads #${k}`, topology, randomLoads(rng, topology, kind)));
  }
  return cases;
}

/** Workloads that break naive implementations: all zero, nothing replicated, one rank loaded. */
function degenerateCases(topologies: readonly Topology[]): TestCase[] {
  const cases: TestCase[] = [];
  for (const topology of topologies) {
    const g = topology.groupSize;
    const slots = topology.columns.length;
    const ownPerRank = 2 * slots + 2;
    const experts = (load: (rank: number, expert: number) => number) =>
      Array.from({ length: g * ownPerRank }, (_, k) => load(Math.floor(k / ownPerRank), k % ownPerRank));
    const make = (name: string, loads: number[]) =>
      lplbCase(`${topology.name}, ${name}`, topology, loadsFromExperts(loads, g, slots, 2, ownPerRank));
    cases.push(
      make(
        "all-zero workload",
        experts(() => 0),
      ),
    );
    cases.push(
      make(
        "no replicated load",
        experts((rank, e) => (e < 2 * slots ? 0 : 1 + rank)),
      ),
    );
    cases.push(
      make(
        "one rank with everything",
        experts((rank) => (rank === g - 1 ? 5 : 0)),
      ),
    );
    cases.push(
      make(
        "one expert with everything",
        experts((rank, e) => (rank === 0 && e === 0 ? 7 : 0)),
      ),
    );
    cases.push(
      make(
        "equal loads",
        experts(() => 3),
      ),
    );
  }
  return cases;
}

async function expectAgreement(cases: TestCase[], precision: IpmPrecision, seedText: string): Promise<void> {
  const failures = await compareWithHighs(cases, precision);
  expect(failures, describeFailures(failures, seedText, cases.length)).toEqual([]);
}

describe("LPLB LPs against HiGHS", () => {
  for (const seed of testSeeds()) {
    it(`float64 on cube, hypercube, ring, torus 8x4 and random r2o, ${seedLabel(seed)}`, async () => {
      await expectAgreement(randomCases(seed, 30, 250), "float64", seedLabel(seed));
    });
    it(`float32, ${seedLabel(seed)}`, async () => {
      await expectAgreement(randomCases(seed ^ 0x5bd1e995, 8, 60), "float32", seedLabel(seed));
    });
  }

  it("degenerate workloads, float64 and float32", async () => {
    const cases = degenerateCases([...KNOWN_TOPOLOGIES, SHIFT_64X4]);
    await expectAgreement(cases, "float64", "fixed cases");
    await expectAgreement(cases, "float32", "fixed cases");
  });

  it("64-rank D=4 groups", async () => {
    for (const seed of testSeeds()) {
      const rng = new Rng(seed);
      const cases = LOAD_KINDS.map((kind) => lplbCase(`64x4, ${kind}`, SHIFT_64X4, randomLoads(rng, SHIFT_64X4, kind)));
      await expectAgreement(cases, "float64", seedLabel(seed));
    }
  });
});

describe("LPLB LPs with hand-derived optima", () => {
  it("equal loads balance perfectly: z = f + sum_d w", async () => {
    const g = CUBE.groupSize;
    const loads = { w: new Float64Array(g * 2).fill(0.25), f: new Float64Array(g).fill(0.5) };
    const lp = lplbProgram(CUBE, loads);
    const s = solve(lp);
    expect(s.status).toBe("optimal");
    expect(s.objective).toBeCloseTo(1.0, 9);
    expect((await oracle(lp)).objective).toBeCloseTo(1.0, 9);
  });

  it("one loaded rank on the ring splits its slot with its copy: z = 1/2", async () => {
    const w = new Float64Array(8);
    w[0] = 1;
    const loads = { w, f: new Float64Array(8) };
    const lp = lplbProgram(RING, loads);
    const s = solve(lp);
    expect(s.status).toBe("optimal");
    expect(s.objective).toBeCloseTo(0.5, 9);
    // Rank 0 keeps half of its slot; the other half goes to rank 7, whose copy it is (r2o[7] = 0).
    expect(s.x[0]).toBeCloseTo(0.5, 7);
    expect((await oracle(lp)).objective).toBeCloseTo(0.5, 9);
  });

  it("an all-zero workload has optimum 0 with z >= 0 and with z free", () => {
    for (const zLower of [0, Number.NEGATIVE_INFINITY]) {
      const loads = { w: new Float64Array(16), f: new Float64Array(8) };
      const s = solve(lplbProgram(CUBE, loads, zLower));
      expect(s.status).toBe("optimal");
      expect(Math.abs(s.objective)).toBeLessThan(1e-9);
    }
  });
});

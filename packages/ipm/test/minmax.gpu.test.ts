/**
 * The min-max solver on the GPU (backend "cuda") against the CPU on the same groups. Skipped,
 * with the reason, where no CUDA device is usable (CI has none); run on a machine with one.
 */
import { describe, expect, it } from "vitest";
import { capabilities, createMinMaxSolver, type IpmPrecision } from "../src/index.js";
import {
  CUBE,
  HYPERCUBE,
  LOAD_KINDS,
  maxRankLoad,
  RING,
  randomLoads,
  replicaRanks,
  TORUS_8X4,
} from "./support/lplb.js";
import { Rng, seedLabel, testSeeds } from "./support/random.js";

const cuda = capabilities().cuda;

describe.skipIf(!cuda.usable)(`min-max solver on the GPU${cuda.usable ? "" : ` (skipped: ${cuda.reason})`}`, () => {
  for (const seed of testSeeds()) {
    for (const precision of ["float64", "float32"] as IpmPrecision[]) {
      it(`agrees with the CPU on cube, hypercube, ring and torus 8x4, ${precision}, ${seedLabel(seed)}`, () => {
        const rng = new Rng(seed);
        for (const topology of [CUBE, HYPERCUBE, RING, TORUS_8X4]) {
          const g = topology.groupSize;
          const slots = topology.columns.length;
          const count = 40;
          const loads = Array.from({ length: count }, (_, k) => randomLoads(rng, topology, LOAD_KINDS[k % 4]));
          const fixed = new Float64Array(count * g);
          const slot = new Float64Array(count * g * slots);
          loads.forEach((l, k) => {
            fixed.set(l.f, k * g);
            slot.set(l.w, k * g * slots);
          });
          const group = { nRanks: g, nSlots: slots, replicaRank: replicaRanks(topology) };
          using gpu = createMinMaxSolver(group, { precision, backend: "cuda" });
          using cpu = createMinMaxSolver(group);
          const onGpu = gpu.solve(fixed, slot);
          const gpuMax = Float64Array.from(onGpu.maxLoad);
          const gpuKeep = Float64Array.from(onGpu.keep);
          const onCpu = cpu.solve(fixed, slot);
          const tolerance = precision === "float64" ? 1e-9 : 1e-6;
          for (let k = 0; k < count; k++) {
            const label = `${topology.name} #${k}, ${seedLabel(seed)}`;
            expect(onGpu.status[k], label).toBe("optimal");
            expect(Math.abs(gpuMax[k] - onCpu.maxLoad[k]), label).toBeLessThanOrEqual(
              2 * tolerance * Math.max(1, onCpu.maxLoad[k]),
            );
            const keep = gpuKeep.subarray(k * g * slots, (k + 1) * g * slots);
            expect(Math.abs(maxRankLoad(topology, loads[k], [...keep, 0]) - gpuMax[k]), label).toBeLessThanOrEqual(
              1e-9,
            );
          }
        }
      });
    }
  }

  it("refuses groups larger than the kernel takes", () => {
    const ranks = 64;
    expect(() =>
      createMinMaxSolver(
        { nRanks: ranks, nSlots: 1, replicaRank: Int32Array.from({ length: ranks }, (_, i) => (i + 1) % ranks) },
        { backend: "cuda" },
      ),
    ).toThrow(/32 ranks/);
  });
});

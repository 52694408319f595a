/**
 * End-to-end check of the min-max solver's CUDA backend from JavaScript, for machines that have
 * a GPU but no package registry (bundle it first; see docs/benchmarks.md): the addon is found
 * through LPLB_IPM_BINDING. Solves random groups with backend "cuda" and "cpu" and compares
 * them, then times one call of each for EP32 (4 cube groups) and EP256 (32 cube groups),
 * host arrays in and out (the copies to and from the device included).
 */

import { median } from "@lplb/test-support";
import { capabilities, createMinMaxSolver } from "../src/index.js";
import {
  CUBE,
  HYPERCUBE,
  LOAD_KINDS,
  randomLoads,
  replicaRanks,
  TORUS_8X4,
  type Topology,
} from "../test/support/lplb.js";
import { Rng } from "../test/support/random.js";

function batch(rng: Rng, topology: Topology, count: number) {
  const g = topology.groupSize;
  const slots = topology.columns.length;
  const fixed = new Float64Array(count * g);
  const slot = new Float64Array(count * g * slots);
  for (let k = 0; k < count; k++) {
    const l = randomLoads(rng, topology, LOAD_KINDS[k % 4]);
    fixed.set(l.f, k * g);
    slot.set(l.w, k * g * slots);
  }
  return { fixed, slot };
}

const caps = capabilities();
console.log(`@lplb/ipm ${caps.version}, CUDA built ${caps.cuda.built}, usable ${caps.cuda.usable} ${caps.cuda.reason}`);
let failures = 0;
const rng = new Rng(20261128);
for (const topology of [CUBE, HYPERCUBE, TORUS_8X4]) {
  for (const precision of ["float64", "float32"] as const) {
    const group = { nRanks: topology.groupSize, nSlots: topology.columns.length, replicaRank: replicaRanks(topology) };
    using gpu = createMinMaxSolver(group, { precision, backend: "cuda" });
    using cpu = createMinMaxSolver(group);
    const { fixed, slot } = batch(rng, topology, 200);
    const onGpu = gpu.solve(fixed, slot);
    const gpuMax = Float64Array.from(onGpu.maxLoad);
    const statuses = [...onGpu.status];
    const onCpu = cpu.solve(fixed, slot);
    let worst = 0;
    for (let k = 0; k < 200; k++) {
      worst = Math.max(worst, Math.abs(gpuMax[k] - onCpu.maxLoad[k]) / Math.max(1, onCpu.maxLoad[k]));
    }
    const optimal = statuses.filter((s) => s === "optimal").length;
    const ok = optimal === 200 && worst <= (precision === "float64" ? 2e-9 : 2e-6);
    failures += ok ? 0 : 1;
    console.log(
      `${ok ? "PASS" : "FAIL"} ${topology.name} ${precision}: optimal ${optimal}/200, worst max-load difference ${worst.toExponential(2)}`,
    );
  }
}
for (const count of [4, 32]) {
  const group = { nRanks: 8, nSlots: 2, replicaRank: replicaRanks(CUBE) };
  const { fixed, slot } = batch(rng, CUBE, count);
  for (const backend of ["cuda", "cpu"] as const) {
    using solver = createMinMaxSolver(group, { backend });
    for (let i = 0; i < 50; i++) solver.solve(fixed, slot);
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      solver.solve(fixed, slot);
      samples.push((performance.now() - start) * 1000);
    }
    console.log(
      `EP${count * 8} cube (${count} groups), backend ${backend}: median ${median(samples).toFixed(1)} us per solve() from JavaScript`,
    );
  }
}
console.log(failures === 0 ? "PASS" : `FAIL (${failures})`);
process.exitCode = failures === 0 ? 0 : 1;

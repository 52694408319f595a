/**
 * Benchmarks of @lplb/lp. Prints the median time of each case over repeated runs.
 * Run with `pnpm --filter @lplb/lp bench`.
 */

import { medianMicroseconds, mulberry32 } from "@lplb/test-support";
import { cube, hypercube, type Topology, torus2d } from "@lplb/topology";
import {
  createGeneralLayout,
  createLpBatchSolution,
  createLplbLayout,
  linearProgramAt,
  validateLinearProgram,
  validateLpBatch,
  verifySolution,
} from "../src/index.js";

/** An LPLB placement (logical ids in order, as without history). */
function placement(topology: Topology, epSize: number, nLogical: number, redundantPerRank: number): Int32Array {
  const G = topology.groupSize;
  const D = topology.slots;
  const own = nLogical / epSize;
  const perRank = own + redundantPerRank;
  const phy2log = new Int32Array(perRank * epSize);
  for (let rank = 0; rank < epSize; rank++) {
    for (let t = 0; t < own; t++) phy2log[rank * perRank + t] = rank * own + t;
    const base = rank - (rank % G);
    for (let t = 0; t < redundantPerRank; t++) {
      phy2log[rank * perRank + own + t] = (base + topology.r2o[rank % G][t % D]) * own + t;
    }
  }
  return phy2log;
}

const random = mulberry32(2024);
const E = 256;
const configs = [
  { name: "cube EP32 R2", topology: cube(), epSize: 32, R: 2 },
  { name: "cube EP64 R4", topology: cube(), epSize: 64, R: 4 },
  { name: "hypercube EP16 R2", topology: hypercube(), epSize: 16, R: 2 },
  { name: "torus 8x4 EP32 R2", topology: torus2d(8, 4), epSize: 32, R: 2 },
];

const cases: [string, () => unknown, number][] = [];
for (const { name, topology, epSize, R } of configs) {
  const phy2log = placement(topology, epSize, E, R);
  const options = { topology, nLogicalExperts: E, nRoutedExperts: phy2log.length, epSize, phy2log };
  const layout = createLplbLayout(options);
  const workload = Float64Array.from({ length: E }, () => Math.floor(random() * 4096));
  const batch = layout.fill(workload);
  const solution = createLpBatchSolution(layout.shape, layout.nGroup);
  solution.x.fill(0.5);
  const probs = layout.probsFromSolution(solution);
  const loads = new Float64Array(epSize);
  cases.push([`createLplbLayout ${name}`, () => createLplbLayout(options), 200]);
  cases.push([`fill (new batch) ${name}`, () => layout.fill(workload), 2_000]);
  cases.push([`fill (in place) ${name}`, () => layout.fill(workload, batch), 2_000]);
  cases.push([`validateLpBatch ${name}`, () => validateLpBatch(batch), 2_000]);
  cases.push([`probsFromSolution ${name}`, () => layout.probsFromSolution(solution, probs), 5_000]);
  cases.push([`rankLoads ${name}`, () => layout.rankLoads(workload, probs, loads), 5_000]);
}

{
  const topology = cube();
  const phy2log = placement(topology, 32, E, 2);
  const general = createGeneralLayout({ phy2log, epSize: 32, nLogicalExperts: E });
  const workload = Float64Array.from({ length: E }, () => Math.floor(random() * 4096));
  const lp = general.fill(workload);
  cases.push([
    "createGeneralLayout cube EP32 R2",
    () => createGeneralLayout({ phy2log, epSize: 32, nLogicalExperts: E }),
    200,
  ]);
  cases.push(["general fill (new LP) cube EP32 R2", () => general.fill(workload), 500]);
  cases.push(["general fill (in place) cube EP32 R2", () => general.fill(workload, lp), 500]);
  cases.push(["validateLinearProgram general EP32", () => validateLinearProgram(lp), 500]);
}

{
  const topology = cube();
  const phy2log = placement(topology, 8, 64, 2);
  const layout = createLplbLayout({
    topology,
    nLogicalExperts: 64,
    nRoutedExperts: phy2log.length,
    epSize: 8,
    phy2log,
  });
  const lp = linearProgramAt(layout.fill(Float64Array.from({ length: 64 }, () => random())), 0);
  const n = lp.nVars;
  const solution = {
    status: "optimal" as const,
    x: new Float64Array(n).fill(0.5),
    yEq: new Float64Array(0),
    yUb: new Float64Array(8).fill(1 / 8),
    zLower: new Float64Array(n),
    zUpper: new Float64Array(n),
    objective: 0.5,
    primalResidual: 0,
    dualResidual: 0,
    dualityGap: 0,
    iterations: 0,
  };
  cases.push(["verifySolution cube group LP (17 vars)", () => verifySolution(lp, solution), 5_000]);
}

console.log(`@lplb/lp benchmarks (node ${process.version}), E = ${E}, median of 31 samples`);
for (const [name, body, inner] of cases) {
  const micros = medianMicroseconds(body, inner);
  const shown = micros >= 1000 ? `${(micros / 1000).toFixed(2)} ms` : `${micros.toFixed(2)} us`;
  console.log(`${name.padEnd(44)} ${shown.padStart(12)}`);
}

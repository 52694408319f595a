/**
 * Benchmarks of @lplb/topology. Prints the median time of each case over repeated runs.
 * Run with `pnpm --filter @lplb/topology bench`.
 */

import { medianMicroseconds, mulberry32 } from "@lplb/test-support";
import { cube, randomTopology, Topology, torus2d } from "../src/index.js";

const random = mulberry32(2024);
const cubeRows = cube().toJSON().r2o;
const big = randomTopology(1024, 4, random);
const bigRows = big.toJSON().r2o;
const huge = randomTopology(65_536, 4, random);
const hugeRows = huge.toJSON().r2o;
const torus = torus2d(8, 4);
const bigJson = JSON.stringify(big);

const cases: [string, () => unknown, number][] = [
  ["fromR2o cube (8x2)", () => Topology.fromR2o(cubeRows), 20_000],
  ["fromR2o 1024x4", () => Topology.fromR2o(bigRows), 200],
  ["fromR2o 65536x4", () => Topology.fromR2o(hugeRows), 3],
  ["randomTopology 1024x4", () => randomTopology(1024, 4, random), 200],
  ["placement torus 8x4, EP 256, 8/node", () => torus.placement(256, 8), 2_000],
  ["placement 1024x4, EP 65536, 8/node", () => big.placement(65_536, 8), 3],
  ["toDot torus 8x4, EP 256, 8/node", () => torus.toDot({ epSize: 256, gpusPerNode: 8 }), 500],
  ["JSON round trip 1024x4", () => Topology.fromJSON(JSON.parse(bigJson)), 200],
  ["toInt32Array 65536x4", () => huge.toInt32Array(), 20],
];

console.log(`@lplb/topology benchmarks (node ${process.version}), median of 31 samples`);
for (const [name, body, inner] of cases) {
  const micros = medianMicroseconds(body, inner);
  const shown = micros >= 1000 ? `${(micros / 1000).toFixed(2)} ms` : `${micros.toFixed(2)} us`;
  console.log(`${name.padEnd(40)} ${shown.padStart(12)}`);
}

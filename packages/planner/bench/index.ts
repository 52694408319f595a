/**
 * Planner benchmark: `run` for one rank of EP32 cube (256 logical experts, 2 redundant per rank)
 * with 4096 tokens x top-8 (32768 ids), and its breakdown count / solve / map.
 * Run: pnpm --filter @lplb/planner bench
 */

import { median } from "@lplb/test-support";
import { cube } from "@lplb/topology";
import { Planner } from "../src/index.js";
import { rng } from "../test/helpers.js";

function time(fn: () => void, samples: number, inner: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    out.push(Number(process.hrtime.bigint() - start) / 1000 / inner);
  }
  return out;
}

const random = rng(42);
const E = 256;
const epSize = 32;
const planner = new Planner({ r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + 2 * epSize, epSize });
planner.updateRedundancyMapping(Float64Array.from({ length: E }, () => 1e6 * (0.5 + random())));
const weights = Float64Array.from({ length: E }, () => 0.3 + random() ** 3);
let total = 0;
const cumulative = weights.map((w) => (total += w));
const ids = Int32Array.from({ length: 4096 * 8 }, () => {
  const target = random() * total;
  const e = cumulative.findIndex((c) => c > target);
  return e < 0 ? E - 1 : e;
});
// Scale the local counts to a global workload as the EP all-reduce would.
const counts = planner.countWorkload(ids);
const global = counts.counts.map((c) => c * epSize);
const solved = planner.solveProbs(global);

const physical = new Int32Array(ids.length);
for (let warm = 0; warm < 300; warm++) planner.run(ids);
const rows = [
  ["run (count + solve + map)", median(time(() => planner.run(ids), 101, 10))],
  ["run with a reused output", median(time(() => planner.run(ids, physical), 101, 10))],
  ["countWorkload", median(time(() => planner.countWorkload(ids), 101, 10))],
  ["solveProbs (4 groups)", median(time(() => planner.solveProbs(global), 101, 10))],
  ["weightedSelectTarget", median(time(() => planner.weightedSelectTarget(ids, solved.probs, counts), 101, 10))],
] as const;
console.log(`planner, EP32 cube, 256 experts, R=2, 4096 tokens x top-8 per rank (node ${process.version})`);
for (const [name, us] of rows) console.log(`${name.padEnd(28)} median ${us.toFixed(1).padStart(7)} us`);
console.log("(weightedSelectTarget validates idx and counts by recounting; run() does not)");
planner.dispose();

/**
 * Benchmarks of @lplb/cli: the solver and planner micro-benchmarks of `lplb bench` (with HiGHS
 * on the same LPs when installed) and the wall time of whole simulations, main job included.
 * Prints medians. Run with `pnpm --filter @lplb/cli bench`.
 */
import { cube } from "@lplb/topology";
import { runBenchmarks } from "../src/bench.js";
import { loadHighs } from "../src/highs.js";
import { DEFAULT_TRACE, readLoadFile } from "../src/loads.js";
import { quantile, simulate } from "../src/simulate.js";
import { formatTable } from "../src/table.js";

const repeats = Number(process.env.LPLB_BENCH_REPEATS ?? 30);
const highs = await loadHighs();
const results = runBenchmarks({ repeats, highs });
const rows = results.map((r) => [
  r.name,
  `${r.medianMicros.toFixed(1)} us`,
  r.highsMedianMicros === undefined ? "-" : `${r.highsMedianMicros.toFixed(1)} us`,
]);

const file = readLoadFile(DEFAULT_TRACE);
const layer = file.loads[0][1];
const cases = [
  {
    name: "simulate, main job (EP8 cube, 100 batches x 512 tokens/rank, 5 policies)",
    tokensPerRank: 512,
    batches: 100,
  },
  { name: "simulate, EP8 cube, 20 batches x 8192 tokens/rank, 5 policies", tokensPerRank: 8192, batches: 20 },
];
for (const c of cases) {
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    simulate({
      source: {
        kind: "distribution",
        calibration: [layer],
        serving: [layer],
        tokensPerRank: c.tokensPerRank,
        batches: c.batches,
      },
      topology: cube(),
      epSize: 8,
      redundantPerRank: 2,
      topK: 8,
    });
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  rows.push([c.name, `${(quantile(times, 0.5) / 1000).toFixed(1)} ms`, "-"]);
}
process.stdout.write(formatTable(["benchmark (median)", "lplb", "HiGHS"], rows));
process.stdout.write(
  highs.available
    ? `HiGHS ${highs.version}, ${repeats} runs per micro-benchmark\n`
    : `HiGHS not measured: ${highs.reason}\n`,
);

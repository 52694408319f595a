/** `lplb bench`: solver and planner micro-benchmarks, with HiGHS measured in the same run. */
import { Command } from "commander";
import { type BenchResult, runBenchmarks } from "./bench.js";
import { loadHighs } from "./highs.js";
import { integerOption } from "./options.js";
import { formatTable } from "./table.js";

interface BenchCommandOptions {
  repeats: number;
  seed: number;
  json: boolean;
}

/** The `bench` command (commander). */
export function benchCommand(): Command {
  return new Command("bench")
    .description(
      "Micro-benchmarks: per-group LPLB LPs (by the general native interior-point solver and by the min-max solver) " +
        "and the LP over EPLB's placement, against HiGHS (WebAssembly) on the same LPs; the planner's per-batch " +
        "pipeline; EPLB; prints medians",
    )
    .option("--repeats <n>", "timed runs per benchmark", integerOption("--repeats", 1, 100000), 30)
    .option("--seed <n>", "seed of the random workloads", integerOption("--seed", 0, 2 ** 32 - 1), 1)
    .option("--json", "print the results as JSON", false)
    .action(async (options: BenchCommandOptions) => {
      await runBench(options);
    });
}

function formatMicros(us: number | undefined): string {
  if (us === undefined) return "-";
  return us >= 10000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} us`;
}

async function runBench(options: BenchCommandOptions): Promise<void> {
  const highs = await loadHighs();
  const onStart =
    options.json || process.stderr.isTTY !== true
      ? undefined
      : (name: string) => process.stderr.write(`running: ${name}\n`);
  const results: BenchResult[] = runBenchmarks({ repeats: options.repeats, seed: options.seed, highs, onStart });
  if (options.json) {
    const json = {
      highs: highs.available ? { available: true, version: highs.version } : { available: false, reason: highs.reason },
      results,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const rows = results.map((r) => [
    r.name,
    formatMicros(r.medianMicros),
    formatMicros(r.highsMedianMicros),
    r.highsMedianMicros === undefined ? "-" : `${(r.highsMedianMicros / r.medianMicros).toFixed(1)}x`,
    r.maxObjectiveGap === undefined ? "-" : r.maxObjectiveGap.toExponential(1),
  ]);
  process.stdout.write(
    formatTable(["benchmark (median of runs)", "lplb", "HiGHS", "HiGHS / lplb", "max |objective gap|"], rows),
  );
  process.stdout.write(
    highs.available
      ? `HiGHS ${highs.version} (WebAssembly; LP text parsed and solved per LP, text written outside the timing), ${options.repeats} runs each\n`
      : `HiGHS not measured: ${highs.reason}\n`,
  );
}

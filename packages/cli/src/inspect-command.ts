/** `lplb inspect`: what the native solver addon and the environment can do. */

import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { capabilities, type IpmCapabilities } from "@lplb/ipm";
import { Command } from "commander";
import { loadHighs } from "./highs.js";

interface InspectOptions {
  json: boolean;
}

/** Version of @lplb/cli from its package.json. */
export function cliVersion(): string {
  const json = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return json.version;
}

/** The `inspect` command (commander). */
export function inspectCommand(): Command {
  return new Command("inspect")
    .description(
      "Show what the native solver can do here: CPU and CUDA backends, CUDA devices, with reasons; and whether HiGHS is installed",
    )
    .option("--json", "print the report as JSON", false)
    .action(async (options: InspectOptions) => {
      await runInspect(options);
    });
}

async function runInspect(options: InspectOptions): Promise<void> {
  // capabilities() throws NativeBindingError (exit 1) with every path tried when the addon is missing.
  const native: IpmCapabilities = capabilities();
  const highs = await loadHighs();
  const processors = cpus();
  const report = {
    cli: cliVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: { model: processors[0]?.model.trim() ?? "unknown", count: processors.length },
    native,
    highs: highs.available ? { available: true, version: highs.version } : { available: false, reason: highs.reason },
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const cuda = native.cuda;
  const cudaLine = cuda.usable
    ? `usable, ${cuda.deviceCount} device${cuda.deviceCount === 1 ? "" : "s"}`
    : cuda.built
      ? `built but not usable: ${cuda.reason}`
      : `not available: ${cuda.reason || "built without CUDA"}`;
  process.stdout.write(
    `${[
      `@lplb/cli ${report.cli} on Node.js ${report.node}, ${report.platform}`,
      `CPU: ${report.cpu.model} (${report.cpu.count} logical CPUs)`,
      `native solver core ${native.version}, loaded from ${native.bindingPath}`,
      "  CPU backend: available",
      `  CUDA backend: ${cudaLine}`,
      `NCCL (for multi-process EP groups): ${native.nccl.usable ? `usable, version ${native.nccl.version}` : native.nccl.reason}`,
      `HiGHS (lplb bench's reference): ${highs.available ? `installed, version ${highs.version}` : highs.reason}`,
    ].join("\n")}\n`,
  );
}

/** Shared test helpers: running the built `lplb` binary, temp dirs, seeded inputs, HiGHS. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const BIN = join(PACKAGE_DIR, "dist", "bin.js");
export const REPO_DIR = join(PACKAGE_DIR, "..", "..");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/bin.js ...args` and collects its output (never throws on a non-zero exit). */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PACKAGE_DIR,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory removed after the test file. */
export function tempDir(prefix = "lplb-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A seed for randomized tests: LPLB_TEST_SEED when set, else a fresh one (printed on failure by the caller). */
export function testSeed(): number {
  const fixed = process.env.LPLB_TEST_SEED;
  return fixed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fixed);
}

/** The part of HiGHS the tests use. */
export interface Highs {
  solve(
    problem: string,
    options?: Record<string, unknown>,
  ): {
    Status: string;
    ObjectiveValue: number;
    Columns: Record<string, { Primal: number }>;
  };
}

/** Loads HiGHS (the npm package), or undefined with the reason when it is not installed. */
export async function importHighs(): Promise<{ highs?: Highs; reason: string }> {
  try {
    const module = (await import("highs" as string)) as { default: () => Promise<Highs> };
    return { highs: await module.default(), reason: "" };
  } catch (error) {
    return { reason: `HiGHS is not installed (${(error as Error).message.split("\n")[0]})` };
  }
}

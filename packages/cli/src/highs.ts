/**
 * Optional HiGHS (WebAssembly) for `lplb bench`: loaded on demand, and reported as missing with
 * an explanation when the `highs` package is not installed.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { invalid } from "@lplb/errors";
import { type LinearProgram, validateLinearProgram } from "@lplb/lp";

/** The part of HiGHS's solution object `lplb` reads. */
export interface HighsSolution {
  readonly Status: string;
  readonly ObjectiveValue: number;
  readonly Columns: Record<string, { readonly Primal: number }>;
}

/** A loaded HiGHS module. */
export interface HighsSolver {
  /** Solves a model in CPLEX LP format (synchronously). */
  solve(problem: string, options?: Record<string, unknown>): HighsSolution;
}

/** Result of {@link loadHighs}: the solver and its version, or why it is unavailable. */
export type HighsAvailability =
  | { readonly available: true; readonly solver: HighsSolver; readonly version: string }
  | { readonly available: false; readonly reason: string };

/**
 * Loads HiGHS if it is installed.
 *
 * @param specifier module to import; default `"highs"` (the npm package).
 * @returns `{ available: false, reason }` when the module cannot be imported or loaded; never throws.
 */
export async function loadHighs(specifier = "highs"): Promise<HighsAvailability> {
  if (typeof specifier !== "string" || specifier === "") invalid("specifier", "a module name", specifier);
  let module: unknown;
  try {
    module = await import(specifier);
  } catch (error) {
    return {
      available: false,
      reason:
        `the "${specifier}" package is not installed (${(error as Error).message.split("\n")[0]}); ` +
        "install it next to @lplb/cli (npm install highs) to compare with HiGHS",
    };
  }
  try {
    const exported = module as { default?: unknown };
    const loader = (typeof exported.default === "function" ? exported.default : module) as () => Promise<HighsSolver>;
    if (typeof loader !== "function") throw new Error("it exports no loader function");
    const solver = await loader();
    return { available: true, solver, version: packageVersion(specifier) };
  } catch (error) {
    return { available: false, reason: `the "${specifier}" package failed to load: ${(error as Error).message}` };
  }
}

/** Version from the package.json above the resolved module, or "unknown". */
function packageVersion(specifier: string): string {
  try {
    let directory = dirname(fileURLToPath(import.meta.resolve(specifier)));
    for (let i = 0; i < 6; i++) {
      try {
        const json = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
          name?: string;
          version?: string;
        };
        if (json.name === specifier && typeof json.version === "string") return json.version;
      } catch {
        // keep walking up
      }
      directory = dirname(directory);
    }
  } catch {
    // fall through
  }
  return "unknown";
}

/**
 * Writes a dense LP (the `@lplb/lp` form) in CPLEX LP format with variables `x0..x{n-1}`; every
 * number is written in its shortest round-trip decimal form so HiGHS reads the same doubles.
 */
export function toLpFormat(lp: LinearProgram): string {
  validateLinearProgram(lp, "lp");
  const n = lp.nVars;
  const terms = (row: Float64Array, offset: number, keepZeros: boolean): string => {
    let text = "";
    let written = 0;
    for (let j = 0; j < n; j++) {
      const a = row[offset + j];
      if (a === 0 && !keepZeros) continue;
      text += `${a < 0 ? " -" : " +"} ${Math.abs(a)} x${j}`;
      if (++written % 8 === 0) text += "\n";
    }
    return written === 0 ? " + 0 x0" : text;
  };
  const lines = ["Minimize", ` obj:${terms(lp.c, 0, true)}`, "Subject To"];
  const mEq = lp.bEq?.length ?? 0;
  const mUb = lp.bUb?.length ?? 0;
  for (let i = 0; i < mEq; i++) lines.push(` e${i}:${terms(lp.aEq!, i * n, false)} = ${lp.bEq![i]}`);
  for (let i = 0; i < mUb; i++) lines.push(` u${i}:${terms(lp.aUb!, i * n, false)} <= ${lp.bUb![i]}`);
  lines.push("Bounds");
  const bound = (v: number) =>
    v === Number.POSITIVE_INFINITY ? "inf" : v === Number.NEGATIVE_INFINITY ? "-inf" : String(v);
  for (let j = 0; j < n; j++) {
    lines.push(` ${bound(lp.lower?.[j] ?? 0)} <= x${j} <= ${bound(lp.upper?.[j] ?? Number.POSITIVE_INFINITY)}`);
  }
  lines.push("End");
  return lines.join("\n");
}

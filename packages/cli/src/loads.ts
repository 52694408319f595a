/**
 * Load files: JSON with a `loads` array of expert-load rows, `[experts]`, `[layers][experts]` or
 * `[scenarios][layers][experts]` (the layout of the embedded OLMoE file), with optional
 * `scenarios` (objects with a `name`), `top_k` and `model` fields.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "@lplb/errors";

/** Path of the embedded default distribution (OLMoE-1B-7B routing counts, Apache-2.0). */
export const DEFAULT_TRACE = fileURLToPath(new URL("../data/olmoe-1b-7b-domain-counts.json", import.meta.url));

export interface LoadFile {
  readonly path: string;
  readonly model: string;
  readonly topK: number | undefined;
  readonly scenarioNames: string[];
  /** `[scenario][layer][expert]`. */
  readonly loads: Float64Array[][];
}

function fail(path: string, where: string, expected: string): never {
  throw new InvalidArgumentError("trace", `${path}: ${where}: expected ${expected}`);
}

function toRow(path: string, where: string, value: unknown): Float64Array {
  if (!Array.isArray(value) || value.length === 0) fail(path, where, "a non-empty array of numbers");
  const row = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(path, `${where}[${i}]`, "a finite number >= 0");
    row[i] = v;
  }
  return row;
}

/** Reads and validates a load file; errors name the file, the position and what was expected. */
export function readLoadFile(path: string): LoadFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InvalidArgumentError("trace", `${path}: cannot read the file (${(error as Error).message})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError("trace", `${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const root = (Array.isArray(json) ? { loads: json } : json) as Record<string, unknown>;
  if (typeof root !== "object" || root === null || !("loads" in root)) fail(path, "top level", 'an array or an object with a "loads" array');
  const raw = root.loads;
  if (!Array.isArray(raw) || raw.length === 0) fail(path, "loads", "a non-empty array");
  const depth = Array.isArray(raw[0]) ? (Array.isArray(raw[0][0]) ? 3 : 2) : 1;
  const nested: unknown[][] = depth === 3 ? (raw as unknown[][]) : depth === 2 ? [raw] : [[raw]];
  const loads = nested.map((scenario, s) => {
    if (!Array.isArray(scenario) || scenario.length === 0) fail(path, `loads[${s}]`, "a non-empty array of layers");
    return scenario.map((layer, l) => toRow(path, depth === 3 ? `loads[${s}][${l}]` : depth === 2 ? `loads[${l}]` : "loads", layer));
  });
  const experts = loads[0][0].length;
  loads.forEach((scenario, s) =>
    scenario.forEach((row, l) => {
      if (row.length !== experts) fail(path, `loads[${s}][${l}]`, `${experts} experts like loads[0][0], got ${row.length}`);
    }),
  );
  const scenarios = Array.isArray(root.scenarios) ? root.scenarios : [];
  const scenarioNames = loads.map((_, s) => {
    const entry = scenarios[s] as { name?: unknown } | undefined;
    return typeof entry?.name === "string" ? entry.name : `scenario ${s}`;
  });
  const topK = typeof root.top_k === "number" && Number.isInteger(root.top_k) ? root.top_k : undefined;
  const model = typeof root.model === "string" ? root.model : "unknown model";
  return { path, model, topK, scenarioNames, loads };
}

/** Finds a scenario by name or index. */
export function scenarioIndex(file: LoadFile, selector: string): number {
  const byName = file.scenarioNames.indexOf(selector);
  if (byName >= 0) return byName;
  const index = Number(selector);
  if (Number.isInteger(index) && index >= 0 && index < file.loads.length) return index;
  throw new InvalidArgumentError(
    "scenario",
    `expected a scenario name or an index in [0, ${file.loads.length - 1}] for scenario, got ${JSON.stringify(selector)} (scenarios: ${file.scenarioNames.join(", ")})`,
  );
}

/**
 * Load files: expert loads per layer, as one or more aggregates (scenarios) or as a per-batch
 * trace. Formats (chosen by extension, JSON otherwise):
 *
 * - JSON: `{ "loads": ... }` or a bare array, `[experts]`, `[layers][experts]` or
 *   `[entries][layers][experts]`, with optional `scenarios` (objects with a `name`), `top_k`,
 *   `model`, `layer_ids`, `axes` and `time_series` fields. The entries are a trace (batches in
 *   time order) when `time_series` is true or `axes[0]` is `"step"`, `"batch"` or `"pass"`,
 *   else scenarios.
 * - SGLang JSON: `{ "logical_count": [layers][experts] }` (an aggregate) or
 *   `[steps][layers][experts]` (one row per forward pass, as SGLang's expert-distribution recorder
 *   accumulates them), the form `--init-expert-location` accepts. Steps with no tokens at all
 *   (unfilled slots of the recorder's circular buffer) are dropped.
 * - CSV: a matrix with one row per layer and one column per expert (an optional header row of
 *   labels), or the long form with a header naming `layer` (or `layer_id`), `expert` (or
 *   `expert_id`), `count` (or `load`) and optionally `batch` (or `step`), one line per value;
 *   repeated keys add up. SGLang's older `layer_id,expert_id,count` dumps are the long form.
 * - NumPy `.npy`: `[experts]`, `[layers][experts]` (an aggregate) or `[batches][layers][experts]`
 *   (a trace); see {@link parseNpy}.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "@lplb/errors";
import { jsonErrorOffset } from "./json-error.js";
import { parseNpy } from "./npy.js";

/** Path of the embedded default distribution (OLMoE-1B-7B routing counts, Apache-2.0). */
export const DEFAULT_TRACE = fileURLToPath(new URL("../data/olmoe-1b-7b-domain-counts.json", import.meta.url));

/** Which reader parsed a load file. */
export type LoadFormat = "json" | "sglang-json" | "csv" | "csv-long" | "npy";

/** What the entries of a load file are. */
export type LoadKind = "aggregate" | "trace";

/** A parsed, validated load file. */
export interface LoadFile {
  /** The path as given. */
  readonly path: string;
  readonly format: LoadFormat;
  /** `aggregate`: each entry is one scenario's total; `trace`: one entry per batch, in time order. */
  readonly kind: LoadKind;
  /** The file's `model` field, if any. */
  readonly model: string | undefined;
  /** The file's `top_k` field, if any. */
  readonly topK: number | undefined;
  /** A name per entry: scenario names, or `batch <i>` / `step <i>`. */
  readonly names: string[];
  /** Original layer numbers of the rows, when the file says (`layer_ids`, or the long CSV's layer ids). */
  readonly layerIds: number[] | undefined;
  /** Layers per entry. */
  readonly layers: number;
  /** Experts per layer. */
  readonly experts: number;
  /** `loads[entry][layer][expert]`, finite and >= 0 (fresh arrays owned by the caller). */
  readonly loads: Float64Array[][];
  /** Remarks about what was dropped or assumed while reading (e.g. empty SGLang steps). */
  readonly notes: string[];
}

/** Options of {@link readLoadFile}. */
export interface ReadLoadFileOptions {
  /** Option name carried by errors; default `"--trace"`. */
  readonly argument?: string;
}

/** Builds the error thrown for a malformed file: `<path>: <where>: expected <what>`. */
function failer(path: string, argument: string) {
  return (where: string, expected: string): never => {
    throw new InvalidArgumentError(argument, `${path}: ${where}: expected ${expected}`);
  };
}

type Fail = ReturnType<typeof failer>;

/**
 * Reads and validates a load file (JSON, SGLang JSON, CSV or `.npy`; see the module docs).
 *
 * @param path the file; read once, never written.
 * @returns the parsed file (fresh arrays).
 * @throws InvalidArgumentError naming the file, the position (JSON path, line and column, or
 *   byte offset) and what was expected, for an unreadable or malformed file.
 */
export function readLoadFile(path: string, options: ReadLoadFileOptions = {}): LoadFile {
  const argument = options.argument ?? "--trace";
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InvalidArgumentError(argument, `${path}: cannot read the file (${(error as Error).message})`, {
      cause: error,
    });
  }
  const extension = extname(path).toLowerCase();
  if (extension === ".npy") return fromNpy(path, bytes, argument);
  const text = bytes.toString("utf8");
  if (extension === ".csv") return fromCsv(path, text, failer(path, argument));
  return fromJsonText(path, text, argument);
}

function fromNpy(path: string, bytes: Uint8Array, argument: string): LoadFile {
  const array = parseNpy(bytes, path, argument);
  const fail = failer(path, argument);
  const shape = array.shape;
  const [entries, layers, experts] =
    shape.length === 3 ? shape : shape.length === 2 ? [1, shape[0], shape[1]] : [1, 1, shape[0]];
  const loads: Float64Array[][] = [];
  for (let b = 0; b < entries; b++) {
    const entry: Float64Array[] = [];
    for (let l = 0; l < layers; l++) {
      const start = (b * layers + l) * experts;
      const row = array.data.slice(start, start + experts);
      for (let e = 0; e < experts; e++) {
        if (!(row[e] >= 0 && Number.isFinite(row[e]))) {
          const index = shape.length === 3 ? `[${b}][${l}][${e}]` : shape.length === 2 ? `[${l}][${e}]` : `[${e}]`;
          fail(`element ${index}`, `a finite load >= 0, got ${row[e]}`);
        }
      }
      entry.push(row);
    }
    loads.push(entry);
  }
  const kind: LoadKind = shape.length === 3 ? "trace" : "aggregate";
  return finish(path, "npy", kind, loads, { names: names(kind, entries) });
}

function names(kind: LoadKind, count: number, prefix = "batch"): string[] {
  return Array.from({ length: count }, (_, i) => (kind === "trace" ? `${prefix} ${i}` : `scenario ${i}`));
}

function finish(
  path: string,
  format: LoadFormat,
  kind: LoadKind,
  loads: Float64Array[][],
  extra: { names: string[]; model?: string; topK?: number; layerIds?: number[]; notes?: string[] },
): LoadFile {
  return {
    path,
    format,
    kind,
    model: extra.model,
    topK: extra.topK,
    names: extra.names,
    layerIds: extra.layerIds,
    layers: loads[0].length,
    experts: loads[0][0].length,
    loads,
    notes: extra.notes ?? [],
  };
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

function fromJsonText(path: string, text: string, argument: string): LoadFile {
  const fail = failer(path, argument);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const offset = jsonErrorOffset(text);
    const where = offset < 0 ? "JSON syntax" : lineColumn(text, offset);
    throw new InvalidArgumentError(argument, `${path}: ${where}: expected valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (Array.isArray(json)) return fromJsonLoads(path, "json", json, "loads", {}, fail);
  if (typeof json !== "object" || json === null) fail("top level", 'an array or an object with a "loads" array');
  const root = json as Record<string, unknown>;
  if ("loads" in root) return fromJsonLoads(path, "json", root.loads, "loads", root, fail);
  if ("logical_count" in root)
    return fromJsonLoads(path, "sglang-json", root.logical_count, "logical_count", root, fail);
  if ("physical_to_logical_map" in root) {
    fail(
      "top level",
      'expert loads ("loads" or "logical_count"); this file holds a placement (physical_to_logical_map), not loads',
    );
  }
  return fail(
    "top level",
    `an object with a "loads" or "logical_count" array, got keys ${Object.keys(root).join(", ") || "none"}`,
  );
}

function depthOf(value: unknown): number {
  let depth = 0;
  let cursor = value;
  while (Array.isArray(cursor) && cursor.length > 0) {
    depth++;
    cursor = cursor[0];
  }
  return depth;
}

function toRow(fail: Fail, where: string, value: unknown, experts: number | undefined): Float64Array {
  if (!Array.isArray(value) || value.length === 0) fail(where, "a non-empty array of numbers");
  const array = value as unknown[];
  if (experts !== undefined && array.length !== experts)
    fail(where, `${experts} experts like the first row, got ${array.length}`);
  const row = new Float64Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      // JSON has no infinities: a literal too large for a double (1e400) parses as one.
      const got =
        typeof v === "number" && !Number.isFinite(v)
          ? `a number out of range, too large for a double (JSON.parse reads it as ${v})`
          : (JSON.stringify(v) ?? String(v));
      fail(`${where}[${i}]`, `a finite number >= 0, got ${got}`);
    }
    row[i] = v as number;
  }
  return row;
}

function fromJsonLoads(
  path: string,
  format: LoadFormat,
  raw: unknown,
  key: string,
  root: Record<string, unknown>,
  fail: Fail,
): LoadFile {
  if (!Array.isArray(raw) || raw.length === 0) fail(key, "a non-empty array");
  const depth = depthOf(raw);
  if (depth < 1 || depth > 3)
    fail(key, `[experts], [layers][experts] or [entries][layers][experts] numbers, got ${depth} levels`);
  const nested = (depth === 3 ? raw : depth === 2 ? [raw] : [[raw]]) as unknown[];
  let experts: number | undefined;
  let layers: number | undefined;
  const loads: Float64Array[][] = nested.map((entry, s) => {
    const at = depth === 3 ? `${key}[${s}]` : key;
    if (!Array.isArray(entry) || entry.length === 0) fail(at, "a non-empty array of layers");
    const rows = entry as unknown[];
    if (layers !== undefined && rows.length !== layers) fail(at, `${layers} layers like ${key}[0], got ${rows.length}`);
    layers = rows.length;
    return rows.map((layer, l) => {
      const row = toRow(fail, depth === 1 ? key : `${at}[${l}]`, layer, experts);
      experts = row.length;
      return row;
    });
  });
  const axes = Array.isArray(root.axes) ? root.axes : [];
  let kind: LoadKind = "aggregate";
  if (depth === 3) {
    if (format === "sglang-json") kind = "trace";
    else if (root.time_series === true || ["step", "batch", "pass"].includes(String(axes[0]))) kind = "trace";
  }
  const notes: string[] = [];
  let kept = loads;
  if (format === "sglang-json" && depth === 3) {
    kept = loads.filter((entry) => entry.some((row) => row.some((v) => v > 0)));
    if (kept.length === 0) fail(key, "at least one step with a non-zero count");
    if (kept.length < loads.length) notes.push(`dropped ${loads.length - kept.length} steps without tokens`);
  }
  const scenarios = Array.isArray(root.scenarios) ? root.scenarios : [];
  const entryNames = kept.map((_, s) => {
    const entry = scenarios[s] as { name?: unknown } | undefined;
    if (kind === "aggregate" && typeof entry?.name === "string") return entry.name;
    return kind === "trace" ? `${format === "sglang-json" ? "step" : "batch"} ${s}` : `scenario ${s}`;
  });
  const topK =
    typeof root.top_k === "number" && Number.isInteger(root.top_k) && root.top_k >= 1 ? root.top_k : undefined;
  const model = typeof root.model === "string" ? root.model : undefined;
  const ids = root.layer_ids;
  const layerIds =
    Array.isArray(ids) && ids.length === kept[0].length && ids.every((id) => Number.isInteger(id))
      ? (ids as number[])
      : undefined;
  return finish(path, format, kind, kept, { names: entryNames, model, topK, layerIds, notes });
}

const LONG_COLUMNS = {
  batch: ["batch", "step", "batch_id", "step_id", "forward_pass_id"],
  layer: ["layer", "layer_id", "layer_idx"],
  expert: ["expert", "expert_id", "expert_idx"],
  count: ["count", "load", "tokens"],
} as const;

function fromCsv(path: string, text: string, fail: Fail): LoadFile {
  const lines: { number: number; cells: string[] }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (trimmed.includes('"')) fail(`line ${i + 1}`, "plain comma-separated values (quoted fields are not supported)");
    lines.push({ number: i + 1, cells: trimmed.split(",").map((cell) => cell.trim()) });
  });
  if (lines.length === 0) fail("line 1", "at least one row of numbers");
  const isNumber = (cell: string) => cell !== "" && Number.isFinite(Number(cell));
  const first = lines[0];
  const hasHeader = !first.cells.every(isNumber);
  if (hasHeader) {
    const header = first.cells.map((cell) => cell.toLowerCase());
    const column = (names: readonly string[]) => header.findIndex((cell) => names.includes(cell));
    const layer = column(LONG_COLUMNS.layer);
    const expert = column(LONG_COLUMNS.expert);
    const count = column(LONG_COLUMNS.count);
    if (layer >= 0 && expert >= 0 && count >= 0) {
      return fromLongCsv(path, lines, { batch: column(LONG_COLUMNS.batch), layer, expert, count }, fail);
    }
    if (first.cells.some(isNumber)) {
      fail(`line ${first.number}`, "a header of labels or a row of numbers, not a mix");
    }
  }
  const rows = hasHeader ? lines.slice(1) : lines;
  if (rows.length === 0) fail(`line ${first.number + 1}`, "a row of numbers after the header");
  const width = rows[0].cells.length;
  const layers = rows.map(({ number, cells }) => {
    if (cells.length !== width)
      fail(`line ${number}`, `${width} values like line ${rows[0].number}, got ${cells.length}`);
    const row = new Float64Array(width);
    cells.forEach((cell, c) => {
      const v = cell === "" ? Number.NaN : Number(cell);
      if (!(Number.isFinite(v) && v >= 0))
        fail(`line ${number}, column ${c + 1}`, `a finite number >= 0, got ${JSON.stringify(cell)}`);
      row[c] = v;
    });
    return row;
  });
  return finish(path, "csv", "aggregate", [layers], { names: ["scenario 0"] });
}

/** Largest batch, layer or expert id of a long-form CSV file (ids index dense arrays). */
const MAX_CSV_ID = 1 << 24;

function fromLongCsv(
  path: string,
  lines: { number: number; cells: string[] }[],
  columns: { batch: number; layer: number; expert: number; count: number },
  fail: Fail,
): LoadFile {
  const header = lines[0];
  const records: [number, number, number, number][] = [];
  const readId = (cells: string[], index: number, number: number, what: string): number => {
    const cell = cells[index];
    const v = /^\d+$/.test(cell ?? "") ? Number(cell) : Number.NaN;
    if (!Number.isSafeInteger(v) || v > MAX_CSV_ID)
      fail(
        `line ${number}, column ${index + 1}`,
        `an integer ${what} id in [0, ${MAX_CSV_ID}], got ${JSON.stringify(cell ?? "")}`,
      );
    return v;
  };
  for (const { number, cells } of lines.slice(1)) {
    if (cells.length !== header.cells.length)
      fail(`line ${number}`, `${header.cells.length} values like the header, got ${cells.length}`);
    const batch = columns.batch >= 0 ? readId(cells, columns.batch, number, "batch") : 0;
    const layer = readId(cells, columns.layer, number, "layer");
    const expert = readId(cells, columns.expert, number, "expert");
    const raw = cells[columns.count];
    const count = raw === "" ? Number.NaN : Number(raw);
    if (!(Number.isFinite(count) && count >= 0))
      fail(`line ${number}, column ${columns.count + 1}`, `a finite count >= 0, got ${JSON.stringify(raw)}`);
    records.push([batch, layer, expert, count]);
  }
  if (records.length === 0) fail(`line ${header.number + 1}`, "at least one row after the header");
  const batchIds = [...new Set(records.map((r) => r[0]))].sort((a, b) => a - b);
  const layerIds = [...new Set(records.map((r) => r[1]))].sort((a, b) => a - b);
  let experts = 0;
  for (const r of records) experts = Math.max(experts, r[2] + 1);
  const batchIndex = new Map(batchIds.map((id, i) => [id, i]));
  const layerIndex = new Map(layerIds.map((id, i) => [id, i]));
  const loads = batchIds.map(() => layerIds.map(() => new Float64Array(experts)));
  for (const [batch, layer, expert, count] of records)
    loads[batchIndex.get(batch)!][layerIndex.get(layer)!][expert] += count;
  const kind: LoadKind = columns.batch >= 0 ? "trace" : "aggregate";
  return finish(path, "csv-long", kind, loads, {
    names: kind === "trace" ? batchIds.map((id) => `batch ${id}`) : ["scenario 0"],
    layerIds,
  });
}

/**
 * Finds an entry (scenario) of a load file by name or index.
 *
 * @param flag option name used in the error, e.g. `"--scenario"`.
 * @throws InvalidArgumentError listing the valid names when nothing matches.
 */
export function scenarioIndex(file: LoadFile, selector: string, flag = "--scenario"): number {
  const byName = file.names.indexOf(selector);
  if (byName >= 0) return byName;
  const index = /^\d+$/.test(selector) ? Number(selector) : Number.NaN;
  if (Number.isInteger(index) && index >= 0 && index < file.loads.length) return index;
  const list = file.names.length > 12 ? `${file.names.slice(0, 12).join(", ")}, ...` : file.names.join(", ");
  throw new InvalidArgumentError(
    flag,
    `expected a scenario name or an index in [0, ${file.loads.length - 1}] for ${flag}, got ${JSON.stringify(selector)} (scenarios: ${list})`,
  );
}

/**
 * Sums the entries of a load file (all scenarios or batches) into one `[layer][expert]` aggregate.
 *
 * @param entries indices of the entries to add up; default all.
 * @returns fresh arrays.
 */
export function aggregateLoads(file: LoadFile, entries?: readonly number[]): Float64Array[] {
  const picked = entries ?? file.loads.map((_, i) => i);
  picked.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0 || s >= file.loads.length) {
      throw new InvalidArgumentError(
        `entries[${i}]`,
        `expected an entry index in [0, ${file.loads.length - 1}] for entries[${i}], got ${String(s)}`,
      );
    }
  });
  const total = Array.from({ length: file.layers }, () => new Float64Array(file.experts));
  for (const s of picked) {
    for (let l = 0; l < file.layers; l++) {
      const row = file.loads[s][l];
      for (let e = 0; e < file.experts; e++) total[l][e] += row[e];
    }
  }
  return total;
}

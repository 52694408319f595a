/** Parses a topology argument: cube | hypercube | ring[:N] | torus:MxN | path/to/topology.json. */
import { readFileSync } from "node:fs";
import { describe, InvalidArgumentError } from "@lplb/errors";
import { cube, hypercube, ring, type Topology, Topology as TopologyClass, torus2d } from "@lplb/topology";

/** The topology specs {@link parseTopology} understands, for help texts. */
export const TOPOLOGY_SPECS = "cube | hypercube | ring[:N] | torus:MxN | file.json";

/** Fields of a topology file object besides `name` and `r2o`: what `lplb topology --json` also prints. */
const DERIVED_FIELDS = ["groupSize", "slots", "o2r", "placement"];

function sameMatrix(a: unknown, b: readonly (readonly number[])[]): boolean {
  return (
    Array.isArray(a) &&
    a.length === b.length &&
    a.every((row, i) => Array.isArray(row) && row.length === b[i].length && row.every((v, d) => v === b[i][d]))
  );
}

/**
 * A topology from the parsed JSON of a topology file: an r2o matrix, or an object with `r2o` and
 * an optional `name` (default: the path). The derived fields that `lplb topology --json` prints
 * (`groupSize`, `slots`, `o2r`, `placement`) may be present; the first three must agree with `r2o`.
 */
function topologyFromFile(path: string, json: unknown): Topology {
  if (Array.isArray(json)) return TopologyClass.fromR2o(json, { name: path });
  const form = 'an r2o matrix [[...], ...] or an object { "name" (optional), "r2o" }';
  if (typeof json !== "object" || json === null)
    throw new InvalidArgumentError("r2o", `expected ${form}, got ${describe(json)}`);
  const fields = json as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => key !== "name" && key !== "r2o" && !DERIVED_FIELDS.includes(key));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknown, `unknown field ${JSON.stringify(unknown)}; expected ${form}`);
  }
  if (!("r2o" in fields)) throw new InvalidArgumentError("r2o", `missing field "r2o"; expected ${form}`);
  const name = fields.name ?? path;
  if (typeof name !== "string" || name === "") {
    throw new InvalidArgumentError(
      "name",
      `expected a non-empty string for field "name" (or no "name"), got ${describe(name)}`,
    );
  }
  const topology = TopologyClass.fromR2o(fields.r2o as ArrayLike<ArrayLike<number>>, { name });
  const derived: [string, unknown, unknown][] = [
    ["groupSize", fields.groupSize, topology.groupSize],
    ["slots", fields.slots, topology.slots],
  ];
  for (const [key, value, expected] of derived) {
    if (value !== undefined && value !== expected) {
      throw new InvalidArgumentError(
        key,
        `expected field "${key}" to agree with r2o (${expected}), got ${describe(value)}`,
      );
    }
  }
  if (fields.o2r !== undefined && !sameMatrix(fields.o2r, topology.o2r)) {
    throw new InvalidArgumentError(
      "o2r",
      `expected field "o2r" to be the inverse of r2o, ${JSON.stringify(topology.o2r)}`,
    );
  }
  return topology;
}

/**
 * Builds a topology from a command-line spec: `cube` (8 ranks), `hypercube` (16), `ring` or
 * `ring:N` (N ranks, default 8), `torus:MxN`, or a JSON file holding either an r2o matrix
 * (`[[...], ...]`) or an object `{ "name", "r2o" }` whose `name` is optional (default: the path).
 *
 * @param flag option name carried by errors; default `"--topology"`.
 * @throws InvalidArgumentError for an unknown spec, an unreadable file or an invalid r2o.
 */
export function parseTopology(spec: string, flag = "--topology"): Topology {
  if (typeof spec !== "string") {
    throw new InvalidArgumentError(
      flag,
      `expected ${TOPOLOGY_SPECS.replaceAll(" |", ",")} for ${flag}, got ${describe(spec)}`,
    );
  }
  try {
    if (spec === "cube") return cube();
    if (spec === "hypercube") return hypercube();
    const ringMatch = /^ring(?::(\d+))?$/.exec(spec);
    if (ringMatch) return ring(ringMatch[1] === undefined ? 8 : Number(ringMatch[1]));
    const torusMatch = /^torus:(\d+)x(\d+)$/.exec(spec);
    if (torusMatch) return torus2d(Number(torusMatch[1]), Number(torusMatch[2]));
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) {
      throw new InvalidArgumentError(flag, `${flag} ${spec}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (/^torus(?::|$)/.test(spec)) {
    throw new InvalidArgumentError(
      flag,
      `expected torus:MxN for ${flag}, a torus of M rows and N columns of ranks (M, N >= 2; e.g. torus:4x8 for 32 ranks), got ${JSON.stringify(spec)}`,
    );
  }
  if (/^ring:/.test(spec)) {
    throw new InvalidArgumentError(
      flag,
      `expected ring or ring:N for ${flag}, a ring of N ranks (N >= 2; ring alone is 8), got ${JSON.stringify(spec)}`,
    );
  }
  if (spec.endsWith(".json")) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(spec, "utf8"));
    } catch (error) {
      throw new InvalidArgumentError(flag, `${spec}: cannot read a topology (${(error as Error).message})`, {
        cause: error,
      });
    }
    try {
      return topologyFromFile(spec, json);
    } catch (error) {
      if (InvalidArgumentError.isInstance(error)) {
        throw new InvalidArgumentError(flag, `${spec}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  throw new InvalidArgumentError(
    flag,
    `expected ${TOPOLOGY_SPECS.replaceAll(" |", ",")} for ${flag}, got ${JSON.stringify(spec)}`,
  );
}

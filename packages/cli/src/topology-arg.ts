/** Parses a topology argument: cube | hypercube | ring[:N] | torus:MxN | path/to/topology.json. */
import { readFileSync } from "node:fs";
import { describe, InvalidArgumentError } from "@lplb/errors";
import { cube, hypercube, ring, type Topology, Topology as TopologyClass, torus2d } from "@lplb/topology";

/** The topology specs {@link parseTopology} understands, for help texts. */
export const TOPOLOGY_SPECS = "cube | hypercube | ring[:N] | torus:MxN | file.json";

/**
 * Builds a topology from a command-line spec: `cube` (8 ranks), `hypercube` (16), `ring` or
 * `ring:N` (N ranks, default 8), `torus:MxN`, or a JSON file holding either an r2o matrix
 * (`[[...], ...]`) or a topology object `{ "name", "r2o" }`.
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
      return Array.isArray(json) ? TopologyClass.fromR2o(json, { name: spec }) : TopologyClass.fromJSON(json);
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

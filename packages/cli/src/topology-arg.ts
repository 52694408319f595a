/** Parses a topology argument: cube | hypercube | ring[:N] | torus:MxN | path/to/r2o.json. */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "@lplb/errors";
import { type Topology, cube, hypercube, ring, torus2d, Topology as TopologyClass } from "@lplb/topology";

export function parseTopology(spec: string): Topology {
  if (spec === "cube") return cube();
  if (spec === "hypercube") return hypercube();
  const ringMatch = /^ring(?::(\d+))?$/.exec(spec);
  if (ringMatch) return ring(ringMatch[1] === undefined ? 8 : Number(ringMatch[1]));
  const torusMatch = /^torus:(\d+)x(\d+)$/.exec(spec);
  if (torusMatch) return torus2d(Number(torusMatch[1]), Number(torusMatch[2]));
  if (spec.endsWith(".json")) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(spec, "utf8"));
    } catch (error) {
      throw new InvalidArgumentError("topology", `${spec}: cannot read a topology (${(error as Error).message})`, {
        cause: error,
      });
    }
    return Array.isArray(json) ? TopologyClass.fromR2o(json, { name: spec }) : TopologyClass.fromJSON(json);
  }
  throw new InvalidArgumentError(
    "topology",
    `expected cube, hypercube, ring[:N], torus:MxN or a .json r2o file for topology, got ${JSON.stringify(spec)}`,
  );
}

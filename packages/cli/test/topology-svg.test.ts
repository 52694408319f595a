import { InvalidArgumentError } from "@lplb/errors";
import { cube, hypercube, SLOT_COLORS, Topology, torus2d } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import { topologySvg } from "../src/topology-svg.js";

interface Edge {
  slot: number;
  original: number;
  replica: number;
  interNode: boolean;
  stroke: string;
  dashed: boolean;
  start: [number, number];
  end: [number, number];
}

function parse(svg: string) {
  const circles = new Map<number, [number, number]>();
  for (const m of svg.matchAll(/<circle class="rank" data-rank="(\d+)" cx="([\d.]+)" cy="([\d.]+)"/g)) {
    circles.set(Number(m[1]), [Number(m[2]), Number(m[3])]);
  }
  const edges: Edge[] = [];
  for (const m of svg.matchAll(/<path class="edge" ([^>]*)>/g)) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    const d = /^M([\d.-]+),([\d.-]+) Q[\d.-]+,[\d.-]+ ([\d.-]+),([\d.-]+)$/.exec(attrs.d)!;
    edges.push({
      slot: Number(attrs["data-slot"]),
      original: Number(attrs["data-original"]),
      replica: Number(attrs["data-replica"]),
      interNode: attrs["data-inter-node"] === "true",
      stroke: attrs.stroke,
      dashed: "stroke-dasharray" in attrs,
      start: [Number(d[1]), Number(d[2])],
      end: [Number(d[3]), Number(d[4])],
    });
  }
  const nodes = [
    ...svg.matchAll(
      /<rect class="node" data-node="(\d+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g,
    ),
  ].map((m) => m.slice(2).map(Number));
  return { circles, edges, nodes };
}

const distance = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

describe("topologySvg", () => {
  it("draws one arrow per replication edge, from the original's circle to the replica's, coloured by slot", () => {
    for (const [topology, epSize, gpusPerNode] of [
      [cube(), 8, 8],
      [hypercube(), 16, 8],
      [torus2d(4, 4), 32, 8],
    ] as const) {
      const svg = topologySvg(topology, { epSize, gpusPerNode });
      const { circles, edges, nodes } = parse(svg);
      expect(circles.size).toBe(epSize);
      expect(nodes).toHaveLength(Math.ceil(epSize / gpusPerNode));
      expect(edges).toHaveLength(epSize * topology.slots);
      const expected = new Set<string>();
      for (let rank = 0; rank < epSize; rank++) {
        const base = rank - (rank % topology.groupSize);
        for (let d = 0; d < topology.slots; d++)
          expected.add(`${d}:${base + topology.r2o[rank % topology.groupSize][d]}->${rank}`);
      }
      expect(new Set(edges.map((e) => `${e.slot}:${e.original}->${e.replica}`))).toEqual(expected);
      for (const edge of edges) {
        expect(edge.stroke).toBe(SLOT_COLORS[edge.slot]);
        const crosses = Math.floor(edge.original / gpusPerNode) !== Math.floor(edge.replica / gpusPerNode);
        expect(edge.interNode).toBe(crosses);
        expect(edge.dashed).toBe(crosses);
        // Starts on the original's rim and ends on the replica's rim (radius 15 + 1).
        expect(distance(edge.start, circles.get(edge.original)!)).toBeCloseTo(16, 0);
        expect(distance(edge.end, circles.get(edge.replica)!)).toBeCloseTo(16, 0);
      }
      // Every rank's circle lies inside its node's box.
      circles.forEach(([x, y], rank) => {
        const [nx, ny, w, h] = nodes[Math.floor(rank / gpusPerNode)];
        expect(x > nx && x < nx + w && y > ny && y < ny + h).toBe(true);
      });
    }
  });

  it("escapes names and references nothing outside itself", () => {
    const svg = topologySvg(Topology.fromR2o([[1], [0]], { name: 'a<b & "c"' }));
    expect(svg).toContain("a&lt;b &amp; &quot;c&quot;");
    expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:|href="(?!#)/);
  });

  it("rejects a bad EP size or GPUs per node", () => {
    expect(() => topologySvg(cube(), { epSize: 12 })).toThrow(
      /multiple of the topology's group size 8 for options\.epSize, got 12/,
    );
    expect(() => topologySvg(cube(), { epSize: 4 })).toThrow(InvalidArgumentError);
    expect(() => topologySvg(cube(), { gpusPerNode: 0 })).toThrow(/options\.gpusPerNode/);
  });
});

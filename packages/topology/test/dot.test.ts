import { InvalidArgumentError } from "@lplb/errors";
import { expect, it, describe as suite } from "vitest";
import { cube, randomTopology, SLOT_COLORS, Topology, torus2d } from "../src/index.js";
import { withSeed } from "./support.js";

const NODE_LINE = /^\s*r(\d+) \[label="(\d+)"\];$/;
const EDGE_LINE =
  /^\s*r(\d+) -> r(\d+) \[label="slot (\d+)", color="([^"]+)", fontcolor="([^"]+)"(, style=dashed)?\];$/;

interface ParsedDot {
  header: string;
  nodes: number[];
  edges: { original: number; replica: number; slot: number; color: string; dashed: boolean }[];
  clusters: Map<number, number[]>;
}

/** A small reader for the DOT subset the package writes; fails on any line it does not expect. */
function parseDot(text: string): ParsedDot {
  const lines = text.trimEnd().split("\n");
  expect(lines.at(-1)).toBe("}");
  const parsed: ParsedDot = { header: lines[0], nodes: [], edges: [], clusters: new Map() };
  let cluster: number[] | undefined;
  for (const line of lines.slice(1, -1)) {
    const node = NODE_LINE.exec(line);
    const edge = EDGE_LINE.exec(line);
    const open = /^ {2}subgraph cluster_node(\d+) \{$/.exec(line);
    if (node) {
      expect(node[2]).toBe(node[1]);
      parsed.nodes.push(Number(node[1]));
      cluster?.push(Number(node[1]));
    } else if (edge) {
      expect(edge[5]).toBe(edge[4]);
      parsed.edges.push({
        original: Number(edge[1]),
        replica: Number(edge[2]),
        slot: Number(edge[3]),
        color: edge[4],
        dashed: edge[6] !== undefined,
      });
    } else if (open) {
      cluster = [];
      parsed.clusters.set(Number(open[1]), cluster);
    } else if (line === "  }") {
      cluster = undefined;
    } else {
      expect(line).toMatch(/^ {2}(graph \[label=".*", labelloc=t\]|node \[shape=circle\]);$|^ {4}label="node \d+";$/);
    }
  }
  return parsed;
}

const edgeKey = (original: number, replica: number, slot: number) => `${original}->${replica}@${slot}`;

suite("toDot", () => {
  it("draws one group: a node per rank and an edge per (original -> replica, slot)", () => {
    const dot = cube().toDot();
    const parsed = parseDot(dot);
    expect(parsed.header).toBe('digraph "cube" {');
    expect(dot).toContain('graph [label="cube: 8 ranks per group, 2 slots", labelloc=t];');
    expect(parsed.nodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parsed.clusters.size).toBe(0);
    // Reference columns [3,0,1,2,7,4,5,6] and [6,7,4,5,0,1,2,3]: rank i copies column[i].
    const expected = [
      [3, 0, 1, 2, 7, 4, 5, 6],
      [6, 7, 4, 5, 0, 1, 2, 3],
    ].flatMap((column, slot) => column.map((original, replica) => edgeKey(original, replica, slot)));
    expect(parsed.edges.map((e) => edgeKey(e.original, e.replica, e.slot)).sort()).toEqual(expected.sort());
    expect(dot).toContain('r3 -> r0 [label="slot 0", color="#1f77b4", fontcolor="#1f77b4"];');
    expect(parsed.edges.some((e) => e.dashed)).toBe(false);
  });

  it("colours edges by slot", () => {
    withSeed((random) => {
      const topology = randomTopology(12, 10, random);
      const parsed = parseDot(topology.toDot());
      for (const edge of parsed.edges) expect(edge.color).toBe(SLOT_COLORS[edge.slot % SLOT_COLORS.length]);
      expect(new Set(parsed.edges.filter((e) => e.slot < 8).map((e) => e.color)).size).toBe(8);
    });
  });

  it("draws every group and boxes ranks by node", () => {
    const parsed = parseDot(torus2d(8, 4).toDot({ epSize: 64, gpusPerNode: 8 }));
    expect(parsed.nodes).toEqual(Array.from({ length: 64 }, (_, rank) => rank));
    expect([...parsed.clusters.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [node, ranks] of parsed.clusters) {
      expect(ranks).toEqual(Array.from({ length: 8 }, (_, k) => node * 8 + k));
    }
    expect(parsed.edges).toHaveLength(128);
    // Torus slot 0 copies rank r+4 of the same group onto r; it crosses nodes exactly when r % 8 >= 4.
    for (const e of parsed.edges) {
      expect(e.dashed).toBe(Math.floor(e.original / 8) !== Math.floor(e.replica / 8));
    }
    expect(parsed.edges.filter((e) => e.dashed)).toHaveLength(32);
    expect(parsed.edges.some((e) => e.original === 32 && e.replica === 60 && e.dashed)).toBe(true);
  });

  it("matches an independent rendering of the edges of random topologies over several groups", () => {
    withSeed((random) => {
      for (let trial = 0; trial < 20; trial++) {
        const groupSize = 2 + Math.floor(random() * 10);
        const topology = randomTopology(groupSize, 1 + Math.floor(random() * 3), random);
        const epSize = groupSize * (1 + Math.floor(random() * 3));
        const gpusPerNode = 1 + Math.floor(random() * 8);
        const parsed = parseDot(topology.toDot({ epSize, gpusPerNode }));
        const expected: string[] = [];
        for (let rank = 0; rank < epSize; rank++) {
          const start = rank - (rank % groupSize);
          topology.r2o[rank % groupSize].forEach((original, slot) => {
            expected.push(edgeKey(start + original, rank, slot));
          });
        }
        expect(parsed.edges.map((e) => edgeKey(e.original, e.replica, e.slot)).sort()).toEqual(expected.sort());
        expect([...parsed.clusters.values()].flat()).toEqual(Array.from({ length: epSize }, (_, rank) => rank));
        expect(parsed.clusters.size).toBe(Math.ceil(epSize / gpusPerNode));
      }
    });
  });

  it("draws all groups without node boxes when only epSize is given", () => {
    const dot = cube().toDot({ epSize: 16 });
    const parsed = parseDot(dot);
    expect(parsed.nodes).toHaveLength(16);
    expect(parsed.clusters.size).toBe(0);
    expect(dot).toContain('graph [label="cube: 8 ranks per group, 2 slots, epSize 16 (2 groups)", labelloc=t];');
    expect(parsed.edges.some((e) => e.original === 11 && e.replica === 8 && e.slot === 0)).toBe(true);
  });

  it("escapes the topology name", () => {
    const topology = Topology.fromR2o([[1], [0]], { name: 'a "b" \\ c\nd' });
    expect(topology.toDot().split("\n")[0]).toBe('digraph "a \\"b\\" \\\\ c\\nd" {');
  });

  it("validates its options", () => {
    expect(() => cube().toDot({ epSize: 12 })).toThrow(
      "expected a multiple of groupSize 8 in [8, 65536] for options.epSize, got 12",
    );
    expect(() => cube().toDot({ gpusPerNode: 0 })).toThrow(
      "expected an integer in [1, 65536] for options.gpusPerNode, got 0",
    );
    expect(() => cube().toDot({ gpusPerNode: Number.NaN })).toThrow("for options.gpusPerNode, got NaN");
    expect(() => cube().toDot({ epsize: 16 } as never)).toThrow(
      'unknown option "epsize" in options; expected one of "epSize", "gpusPerNode"',
    );
    expect(() => cube().toDot(16 as never)).toThrow(InvalidArgumentError);
  });
});

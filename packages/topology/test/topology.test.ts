import { InvalidArgumentError } from "@lplb/errors";
import { expect, it, describe as suite } from "vitest";
import {
  cube,
  hypercube,
  isTopology,
  type PlacedEdge,
  randomTopology,
  ring,
  Topology,
  torus2d,
  toTopology,
} from "../src/index.js";
import { withSeed } from "./support.js";

const CUBE_R2O = [
  [3, 6],
  [0, 7],
  [1, 4],
  [2, 5],
  [7, 0],
  [4, 1],
  [5, 2],
  [6, 3],
];

/** The InvalidArgumentError thrown by `body`, failing the test when it throws anything else. */
function invalidArgument(body: () => unknown): InvalidArgumentError {
  try {
    body();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError, nothing was thrown");
}

suite("Topology.fromR2o", () => {
  it("keeps a frozen copy of the matrix and a default name", () => {
    const input = CUBE_R2O.map((row) => [...row]);
    const topology = Topology.fromR2o(input);
    input[0][0] = 1;
    expect(topology.r2o[0]).toEqual([3, 6]);
    expect(topology.name).toBe("custom");
    expect([topology.groupSize, topology.slots]).toEqual([8, 2]);
    expect(Object.isFrozen(topology)).toBe(true);
    expect(Object.isFrozen(topology.r2o)).toBe(true);
    expect(Object.isFrozen(topology.r2o[0])).toBe(true);
    expect(Object.isFrozen(topology.o2r[7])).toBe(true);
    expect(() => {
      (topology.r2o[0] as number[])[0] = 5;
    }).toThrow(TypeError);
    expect(Topology.fromR2o(CUBE_R2O, { name: "mine" }).name).toBe("mine");
    expect(Topology.fromR2o(CUBE_R2O, { name: undefined }).name).toBe("custom");
  });

  it("accepts typed-array rows and normalises -0", () => {
    const topology = Topology.fromR2o([Int32Array.of(1), Float64Array.of(-0)]);
    expect(topology.r2o).toEqual([[1], [0]]);
    expect(Object.is(topology.r2o[1][0], 0)).toBe(true);
  });

  it("o2r inverts every column of the reference topologies", () => {
    for (const topology of [cube(), hypercube(), ring(8), torus2d(8, 4)]) {
      for (let i = 0; i < topology.groupSize; i++) {
        for (let d = 0; d < topology.slots; d++) {
          expect(topology.o2r[topology.r2o[i][d]][d]).toBe(i);
          expect(topology.r2o[topology.o2r[i][d]][d]).toBe(i);
        }
      }
    }
    // By hand: rank 0's slot 0 is copied to rank 1, its slot 1 to rank 4.
    expect(cube().o2r[0]).toEqual([1, 4]);
  });

  it("o2r inverts every column of random topologies", () => {
    withSeed((random) => {
      for (let trial = 0; trial < 50; trial++) {
        const topology = randomTopology(2 + Math.floor(random() * 40), 1 + Math.floor(random() * 4), random);
        for (let i = 0; i < topology.groupSize; i++) {
          for (let d = 0; d < topology.slots; d++) expect(topology.o2r[topology.r2o[i][d]][d]).toBe(i);
        }
      }
    });
  });

  it("rejects a matrix of the wrong shape, naming rows and lengths", () => {
    expect(() => Topology.fromR2o([])).toThrow(
      "expected at least 2 rows (one per rank of a redundancy group) for r2o, got an array of length 0",
    );
    expect(() => Topology.fromR2o([[1]])).toThrow("expected at least 2 rows");
    expect(() => Topology.fromR2o([[], []])).toThrow(
      "expected at least 1 slot (column) for r2o[0], got an array of length 0",
    );
    expect(() => Topology.fromR2o([[1, 2], [2, 0], [0]])).toThrow(
      "expected 2 slots like r2o[0] for r2o[2], got an array of length 1",
    );
    expect(() => Topology.fromR2o([[1], 0 as unknown as number[]])).toThrow(
      "expected an array of ranks (one per slot) for r2o[1], got 0",
    );
    expect(() => Topology.fromR2o(null as unknown as number[][])).toThrow(
      "expected a [groupSize][slots] matrix of ranks (an array of integer rows) for r2o, got null",
    );
    expect(() => Topology.fromR2o("01" as unknown as number[][])).toThrow("for r2o, got");
    expect(() => Topology.fromR2o({ length: 1e12 } as unknown as number[][])).toThrow(
      "expected at most 65536 rows for r2o",
    );
    const wide = [Array.from({ length: 65 }, () => 1), Array.from({ length: 65 }, () => 0)];
    expect(() => Topology.fromR2o(wide)).toThrow("expected at most 64 slots (columns) for r2o[0]");
  });

  it("rejects entries that are not integer ranks of the group, naming row, column and value", () => {
    const withEntry = (value: unknown) => {
      const rows: unknown[][] = CUBE_R2O.map((row) => [...row]);
      rows[5][1] = value;
      return rows as number[][];
    };
    expect(() => Topology.fromR2o(withEntry(8))).toThrow("expected an integer in [0, 7] for r2o[5][1], got 8");
    expect(() => Topology.fromR2o(withEntry(-1))).toThrow("expected an integer in [0, 7] for r2o[5][1], got -1");
    expect(() => Topology.fromR2o(withEntry(1.5))).toThrow("for r2o[5][1], got 1.5");
    expect(() => Topology.fromR2o(withEntry(Number.NaN))).toThrow("for r2o[5][1], got NaN");
    expect(() => Topology.fromR2o(withEntry(Number.POSITIVE_INFINITY))).toThrow("for r2o[5][1], got Infinity");
    expect(() => Topology.fromR2o(withEntry("1"))).toThrow('for r2o[5][1], got "1"');
    expect(() => Topology.fromR2o(withEntry(undefined))).toThrow("for r2o[5][1], got undefined");
    expect(invalidArgument(() => Topology.fromR2o(withEntry(9))).argument).toBe("r2o[5][1]");
  });

  it("rejects a rank that replicates itself", () => {
    const rows = CUBE_R2O.map((row) => [...row]);
    rows[6][0] = 6;
    const error = invalidArgument(() => Topology.fromR2o(rows));
    expect(error.message).toBe("expected a rank other than 6 (a rank never replicates itself) for r2o[6][0], got 6");
    expect(error.argument).toBe("r2o[6][0]");
  });

  it("rejects a column that is not a permutation, naming the duplicated value, its rows and the missing rank", () => {
    const rows = CUBE_R2O.map((row) => [...row]);
    rows[7][1] = 2; // column 1 now holds 2 in rows 6 and 7, and never 3
    const error = invalidArgument(() => Topology.fromR2o(rows));
    expect(error.message).toBe(
      "expected column 1 of r2o to be a permutation of 0..7, got 2 in both r2o[6][1] and r2o[7][1] " +
        "(so no rank copies slot 1 of rank 3)",
    );
    expect(error.argument).toBe("r2o[7][1]");
  });

  it("reports the first problem in reading order: entries before permutations", () => {
    const rows = CUBE_R2O.map((row) => [...row]);
    rows[0][1] = 7; // a duplicate of r2o[1][1]
    rows[4][0] = 4; // a self-replication, later in reading order
    expect(invalidArgument(() => Topology.fromR2o(rows)).argument).toBe("r2o[4][0]");
  });

  it("validates options", () => {
    expect(() => Topology.fromR2o(CUBE_R2O, { name: "" })).toThrow(
      'expected a non-empty string for options.name, got ""',
    );
    expect(() => Topology.fromR2o(CUBE_R2O, { name: 3 as unknown as string })).toThrow(
      "expected a non-empty string for options.name, got 3",
    );
    const unknown = invalidArgument(() => Topology.fromR2o(CUBE_R2O, { nam: "x" } as unknown as { name: string }));
    expect(unknown.message).toBe('unknown option "nam" in options; expected one of "name"');
    expect(unknown.argument).toBe("options.nam");
    expect(() => Topology.fromR2o(CUBE_R2O, "cube" as unknown as { name: string })).toThrow(
      'expected an options object for options, got "cube"',
    );
  });
});

suite("edges", () => {
  it("lists (slot, original, replica) ordered by slot then replica", () => {
    const edges = cube().edges();
    expect(edges).toHaveLength(16);
    expect(edges.slice(0, 3)).toEqual([
      { slot: 0, original: 3, replica: 0 },
      { slot: 0, original: 0, replica: 1 },
      { slot: 0, original: 1, replica: 2 },
    ]);
    expect(edges[8]).toEqual({ slot: 1, original: 6, replica: 0 });
    expect(edges[15]).toEqual({ slot: 1, original: 3, replica: 7 });
    for (const { slot, original, replica } of edges) expect(CUBE_R2O[replica][slot]).toBe(original);
  });

  it("is a fresh array per call", () => {
    const topology = ring(4);
    const edges = topology.edges();
    edges.pop();
    expect(topology.edges()).toHaveLength(4);
  });
});

suite("redundancyGroups", () => {
  it("cuts the EP ranks into consecutive groups", () => {
    expect(cube().redundancyGroups(8)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(ring(4).redundancyGroups(12)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    const groups = cube().redundancyGroups(32);
    expect(groups).toHaveLength(4);
    expect(groups.flat()).toEqual(Array.from({ length: 32 }, (_, rank) => rank));
  });

  it("rejects an EP size that is not a multiple of the group size", () => {
    expect(() => cube().redundancyGroups(12)).toThrow(
      "expected a multiple of groupSize 8 in [8, 65536] for epSize, got 12",
    );
    expect(() => cube().redundancyGroups(4)).toThrow("for epSize, got 4");
    expect(() => cube().redundancyGroups(0)).toThrow("for epSize, got 0");
    expect(() => cube().redundancyGroups(16.5)).toThrow("for epSize, got 16.5");
    expect(() => cube().redundancyGroups(65_544)).toThrow("for epSize, got 65544");
    expect(() => cube().redundancyGroups("16" as unknown as number)).toThrow('for epSize, got "16"');
    expect(invalidArgument(() => cube().redundancyGroups(-8)).argument).toBe("epSize");
  });
});

/** Independent oracle: the edges of every group as global ranks, and whether each stays on a node. */
function oraclePlacement(r2o: readonly (readonly number[])[], epSize: number, gpusPerNode: number) {
  const groupSize = r2o.length;
  const result: { edge: string; intra: boolean }[] = [];
  for (let rank = 0; rank < epSize; rank++) {
    const groupStart = rank - (rank % groupSize);
    r2o[rank % groupSize].forEach((groupOriginal, slot) => {
      const original = groupStart + groupOriginal;
      result.push({
        edge: `${groupStart / groupSize}/${slot}/${original}->${rank}`,
        intra: Math.trunc(original / gpusPerNode) === Math.trunc(rank / gpusPerNode),
      });
    });
  }
  return result.sort((a, b) => (a.edge < b.edge ? -1 : 1));
}

function summarise(edges: PlacedEdge[]) {
  return edges
    .map((e) => ({ edge: `${e.group}/${e.slot}/${e.original}->${e.replica}`, intra: e.intraNode }))
    .sort((a, b) => (a.edge < b.edge ? -1 : 1));
}

suite("placement", () => {
  it("keeps every copy of cube EP32 inside its 8-GPU node", () => {
    const placement = cube().placement(32, 8);
    expect(placement.edges).toHaveLength(64);
    expect(placement.intraNode).toBe(64);
    expect(placement.interNode).toBe(0);
    expect(placement.nodes).toBe(4);
    expect(placement.edges.every((e) => e.originalNode === e.replicaNode && e.intraNode)).toBe(true);
    expect(placement.edges[0]).toEqual({
      group: 0,
      slot: 0,
      original: 3,
      replica: 0,
      originalNode: 0,
      replicaNode: 0,
      intraNode: true,
    });
    expect(placement.edges[16]).toMatchObject({ group: 1, slot: 0, original: 11, replica: 8, replicaNode: 1 });
  });

  it("puts half of torus 8x4's slot-0 copies across nodes on 8-GPU nodes", () => {
    // Slot 0 copies rank r+4 (mod 32) onto r: it leaves the node exactly when r % 8 >= 4 (16 of 32).
    // Slot 1 stays within a row of 4 ranks, which never straddles a node of 8.
    const placement = torus2d(8, 4).placement(32, 8);
    expect(placement.edges).toHaveLength(64);
    expect(placement.interNode).toBe(16);
    expect(placement.intraNode).toBe(48);
    const crossing = placement.edges.filter((e) => !e.intraNode);
    expect(crossing.every((e) => e.slot === 0 && e.replica % 8 >= 4)).toBe(true);
    expect(crossing.find((e) => e.replica === 28)).toMatchObject({ original: 0, originalNode: 0, replicaNode: 3 });
    const twoGroups = torus2d(8, 4).placement(64, 8);
    expect([twoGroups.intraNode, twoGroups.interNode]).toEqual([96, 32]);
    // One GPU per node: every copy crosses; one huge node: none does.
    expect(torus2d(8, 4).placement(32, 1).interNode).toBe(64);
    expect(torus2d(8, 4).placement(32, 64).intraNode).toBe(64);
  });

  it("matches an independent oracle on random topologies and node sizes", () => {
    withSeed((random) => {
      for (let trial = 0; trial < 40; trial++) {
        const groupSize = 2 + Math.floor(random() * 20);
        const topology = randomTopology(groupSize, 1 + Math.floor(random() * 3), random);
        const epSize = groupSize * (1 + Math.floor(random() * 4));
        const gpusPerNode = 1 + Math.floor(random() * 12);
        const placement = topology.placement(epSize, gpusPerNode);
        const oracle = oraclePlacement(topology.r2o, epSize, gpusPerNode);
        expect(summarise(placement.edges)).toEqual(oracle);
        expect(placement.intraNode).toBe(oracle.filter((e) => e.intra).length);
        expect(placement.interNode).toBe(oracle.filter((e) => !e.intra).length);
        expect(placement.nodes).toBe(Math.ceil(epSize / gpusPerNode));
        for (const e of placement.edges) {
          expect(e.group).toBe(Math.floor(e.replica / groupSize));
          expect([e.originalNode, e.replicaNode]).toEqual([
            Math.floor(e.original / gpusPerNode),
            Math.floor(e.replica / gpusPerNode),
          ]);
        }
      }
    });
  });

  it("validates epSize and gpusPerNode", () => {
    expect(() => cube().placement(20, 8)).toThrow(
      "expected a multiple of groupSize 8 in [8, 65536] for epSize, got 20",
    );
    expect(() => cube().placement(32, 0)).toThrow("expected an integer in [1, 65536] for gpusPerNode, got 0");
    expect(() => cube().placement(32, 2.5)).toThrow("for gpusPerNode, got 2.5");
    expect(() => cube().placement(32, Number.NaN)).toThrow("for gpusPerNode, got NaN");
    expect(() => cube().placement(32, undefined as unknown as number)).toThrow("for gpusPerNode, got undefined");
    expect(invalidArgument(() => cube().placement(32, -8)).argument).toBe("gpusPerNode");
  });
});

suite("JSON", () => {
  it("round-trips exactly through JSON text", () => {
    for (const topology of [cube(), hypercube(), ring(5), torus2d(8, 4)]) {
      const back = Topology.fromJSON(JSON.parse(JSON.stringify(topology)));
      expect(back.name).toBe(topology.name);
      expect(back.r2o).toEqual(topology.r2o);
      expect(back.o2r).toEqual(topology.o2r);
    }
    expect(JSON.parse(JSON.stringify(ring(3)))).toEqual({ name: "ring3", r2o: [[1], [2], [0]] });
  });

  it("toJSON returns fresh mutable arrays", () => {
    const topology = cube();
    const json = topology.toJSON();
    json.r2o[0][0] = 5;
    expect(topology.r2o[0][0]).toBe(3);
  });

  it("fromJSON validates untrusted input", () => {
    expect(() => Topology.fromJSON('{"name":"cube"}')).toThrow(
      'expected a topology object { name, r2o } (parse JSON text with JSON.parse first) for value, got "{\\"name\\":\\"cube\\"}"',
    );
    expect(() => Topology.fromJSON(null)).toThrow("expected a topology object { name, r2o } for value, got null");
    expect(() => Topology.fromJSON([[1], [0]])).toThrow("for value, got an array of length 2");
    expect(() => Topology.fromJSON(7)).toThrow("for value, got 7");
    expect(() => Topology.fromJSON({ r2o: [[1], [0]] })).toThrow(
      "expected a non-empty string for value.name, got undefined",
    );
    expect(() => Topology.fromJSON({ name: "x" })).toThrow("for value.r2o, got undefined");
    expect(() => Topology.fromJSON({ name: "x", r2o: [[1], [1]] })).toThrow(
      "expected a rank other than 1 (a rank never replicates itself) for value.r2o[1][0], got 1",
    );
    expect(() => Topology.fromJSON({ name: "x", r2o: [[1], ["0"]] })).toThrow(
      'expected an integer in [0, 1] for value.r2o[1][0], got "0"',
    );
    const extra = invalidArgument(() => Topology.fromJSON({ name: "x", r2o: [[1], [0]], slots: 1 }));
    expect(extra.message).toBe('unknown option "slots" in value; expected one of "name", "r2o"');
  });
});

suite("isTopology and toTopology", () => {
  it("recognises topologies, also from another copy of the package", () => {
    const foreign = { [Symbol.for("@lplb/topology")]: true, name: "elsewhere", r2o: [[1], [0]] };
    expect(isTopology(cube())).toBe(true);
    expect(isTopology(foreign)).toBe(true);
    expect(isTopology(CUBE_R2O)).toBe(false);
    expect(isTopology(null)).toBe(false);
    expect(isTopology("cube")).toBe(false);
  });

  it("passes a Topology through, rebuilds a foreign one and validates a matrix", () => {
    const topology = cube();
    expect(toTopology(topology)).toBe(topology);
    const foreign = { [Symbol.for("@lplb/topology")]: true, name: "elsewhere", r2o: [[1], [0]] };
    const rebuilt = toTopology(foreign as unknown as Topology);
    expect(rebuilt).toBeInstanceOf(Topology);
    expect([rebuilt.name, rebuilt.r2o]).toEqual(["elsewhere", [[1], [0]]]);
    const fromMatrix = toTopology(CUBE_R2O);
    expect([fromMatrix.name, fromMatrix.r2o]).toEqual(["custom", CUBE_R2O]);
  });

  it("names the caller's argument in errors", () => {
    expect(() => toTopology([[1], [2]], "options.topology")).toThrow(
      "expected an integer in [0, 1] for options.topology[1][0], got 2",
    );
    expect(() => toTopology([[0], [1]])).toThrow("for r2o[0][0], got 0");
    const badForeign = { [Symbol.for("@lplb/topology")]: true, name: "elsewhere", r2o: [[0], [1]] };
    expect(() => toTopology(badForeign as unknown as Topology, "topology")).toThrow("for topology.r2o[0][0], got 0");
    expect(() => toTopology(CUBE_R2O, "")).toThrow('expected a non-empty string for argumentName, got ""');
  });
});

suite("toInt32Array", () => {
  it("flattens r2o and o2r row-major", () => {
    const topology = cube();
    expect([...topology.toInt32Array()]).toEqual(CUBE_R2O.flat());
    const o2r = topology.toInt32Array("o2r");
    expect(o2r).toBeInstanceOf(Int32Array);
    for (let i = 0; i < 8; i++) {
      for (let d = 0; d < 2; d++) expect(o2r[CUBE_R2O[i][d] * 2 + d]).toBe(i);
    }
    expect(() => topology.toInt32Array("r2O" as "r2o")).toThrow('expected one of "r2o", "o2r" for which, got "r2O"');
  });
});

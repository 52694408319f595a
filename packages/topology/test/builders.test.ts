import { InvalidArgumentError } from "@lplb/errors";
import { expect, it, describe as suite } from "vitest";
import { cube, hypercube, ring, Topology, torus2d } from "../src/index.js";
import { columns, isValidR2o } from "./support.js";

// Literal columns from the reference (lplb-reference.md, section 3.1).
const CUBE_COLUMNS = [
  [3, 0, 1, 2, 7, 4, 5, 6],
  [6, 7, 4, 5, 0, 1, 2, 3],
];
const HYPERCUBE_COLUMNS = [
  [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14],
  [12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
];
const RING8_COLUMNS = [[1, 2, 3, 4, 5, 6, 7, 0]];

/** The reference's torus rule, rank i*n+j -> [((i+1) % m)*n + j, i*n + (j+1) % n]. */
function referenceTorus(m: number, n: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) rows.push([((i + 1) % m) * n + j, i * n + ((j + 1) % n)]);
  }
  return rows;
}

suite("reference topologies", () => {
  it("cube reproduces the reference columns", () => {
    const topology = cube();
    expect(topology.name).toBe("cube");
    expect(topology.groupSize).toBe(8);
    expect(topology.slots).toBe(2);
    expect(columns(topology.r2o)).toEqual(CUBE_COLUMNS);
  });

  it("hypercube reproduces the reference columns", () => {
    const topology = hypercube();
    expect(topology.name).toBe("hypercube");
    expect([topology.groupSize, topology.slots]).toEqual([16, 2]);
    expect(columns(topology.r2o)).toEqual(HYPERCUBE_COLUMNS);
  });

  it("ring() is the 8-rank reference ring", () => {
    const topology = ring();
    expect(topology.name).toBe("ring8");
    expect([topology.groupSize, topology.slots]).toEqual([8, 1]);
    expect(columns(topology.r2o)).toEqual(RING8_COLUMNS);
  });

  it("ring(n) has the column [1..n-1, 0] for every size", () => {
    expect(ring(2).r2o).toEqual([[1], [0]]);
    expect(columns(ring(3).r2o)).toEqual([[1, 2, 0]]);
    for (const n of [4, 5, 16, 33, 1000]) {
      const expected = [...Array.from({ length: n - 1 }, (_, k) => k + 1), 0];
      expect(columns(ring(n).r2o)).toEqual([expected]);
      expect(ring(n).name).toBe(`ring${n}`);
    }
  });

  it("torus2d matches hand-written small tori", () => {
    // 2x3: rank (i, j) copies (i+1, j) and (i, j+1), worked out by hand.
    expect(columns(torus2d(2, 3).r2o)).toEqual([
      [3, 4, 5, 0, 1, 2],
      [1, 2, 0, 4, 5, 3],
    ]);
    expect(columns(torus2d(3, 2).r2o)).toEqual([
      [2, 3, 4, 5, 0, 1],
      [1, 0, 3, 2, 5, 4],
    ]);
    expect(torus2d(2, 2).r2o).toEqual([
      [2, 1],
      [3, 0],
      [0, 3],
      [1, 2],
    ]);
  });

  it("torus2d follows the reference rule for many shapes, and is named after it", () => {
    for (const [m, n] of [
      [8, 4],
      [4, 8],
      [2, 16],
      [5, 7],
      [16, 2],
    ]) {
      const topology = torus2d(m, n);
      expect(topology.r2o).toEqual(referenceTorus(m, n));
      expect(topology.name).toBe(`torus2d-${m}x${n}`);
      expect(isValidR2o(topology.r2o)).toBe(true);
    }
  });

  it("builders return independent, frozen topologies", () => {
    expect(cube()).not.toBe(cube());
    expect(cube()).toBeInstanceOf(Topology);
    expect(Object.isFrozen(hypercube().r2o[3])).toBe(true);
  });

  it("rejects invalid sizes with the argument named", () => {
    expect(() => ring(1)).toThrow("expected an integer in [2, 65536] for n, got 1");
    expect(() => ring(2.5)).toThrow("expected an integer in [2, 65536] for n, got 2.5");
    expect(() => ring(Number.NaN)).toThrow("for n, got NaN");
    expect(() => ring(65_537)).toThrow(InvalidArgumentError);
    expect(() => ring("8" as unknown as number)).toThrow('for n, got "8"');
    expect(() => torus2d(1, 4)).toThrow("expected an integer in [2, 32768] for m, got 1");
    expect(() => torus2d(8, 0)).toThrow("expected an integer in [2, 32768] for n, got 0");
    expect(() => torus2d(8, undefined as unknown as number)).toThrow("for n, got undefined");
    expect(() => torus2d(512, 256)).toThrow("expected an integer with m * n <= 65536 (m = 512) for n, got 256");
    try {
      torus2d(3, -1);
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe("n");
    }
  });
});

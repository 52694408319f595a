import { InvalidArgumentError } from "@lplb/errors";
import fc from "fast-check";
import { expect, it, describe as suite } from "vitest";
import { randomTopology, Topology } from "../src/index.js";
import { fcOptions, isValidR2o, mulberry32 } from "./support.js";

/** Every matrix with `rows` rows and `slots` columns of entries in [0, rows). */
function* allMatrices(rows: number, slots: number): Generator<number[][]> {
  const cells = rows * slots;
  for (let code = 0; code < rows ** cells; code++) {
    const matrix: number[][] = [];
    let rest = code;
    for (let i = 0; i < rows; i++) {
      const row: number[] = [];
      for (let d = 0; d < slots; d++) {
        row.push(rest % rows);
        rest = Math.floor(rest / rows);
      }
      matrix.push(row);
    }
    yield matrix;
  }
}

function accepts(matrix: unknown): boolean {
  try {
    Topology.fromR2o(matrix as number[][]);
    return true;
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
    return false;
  }
}

/** A valid r2o: each column a derangement, drawn from a seed. */
const validR2o = fc
  .record({ groupSize: fc.integer({ min: 2, max: 12 }), slots: fc.integer({ min: 1, max: 4 }), seed: fc.integer() })
  .map(({ groupSize, slots, seed }) => randomTopology(groupSize, slots, mulberry32(seed)).toJSON().r2o);

suite("validation, exhaustively on small matrices", () => {
  it("accepts exactly the derangement columns (counts: !4 = 9, !5 = 44, (!3)^2 = 4)", () => {
    for (const [rows, slots, derangements] of [
      [4, 1, 9],
      [5, 1, 44],
      [3, 2, 4],
      [2, 3, 1],
    ]) {
      let accepted = 0;
      for (const matrix of allMatrices(rows, slots)) {
        const ok = accepts(matrix);
        expect(ok, JSON.stringify(matrix)).toBe(isValidR2o(matrix));
        if (ok) accepted++;
      }
      expect(accepted).toBe(derangements);
    }
  });
});

suite("validation, property-based", () => {
  it("agrees with the independent oracle on arbitrary small matrices", () => {
    const entry = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -1, max: 6 }) },
      { weight: 1, arbitrary: fc.constantFrom(0.5, Number.NaN, Number.POSITIVE_INFINITY, -0) },
    );
    const matrix = fc.array(fc.array(entry, { minLength: 0, maxLength: 3 }), { minLength: 0, maxLength: 6 });
    fc.assert(
      fc.property(matrix, (rows) => {
        expect(accepts(rows)).toBe(isValidR2o(rows));
      }),
      { ...fcOptions, numRuns: 1000 },
    );
  });

  it("accepts every valid matrix, copies it and inverts it", () => {
    fc.assert(
      fc.property(validR2o, (r2o) => {
        const topology = Topology.fromR2o(r2o);
        expect(topology.r2o).toEqual(r2o);
        for (let i = 0; i < r2o.length; i++) {
          for (let d = 0; d < r2o[0].length; d++) expect(topology.o2r[r2o[i][d]][d]).toBe(i);
        }
      }),
      fcOptions,
    );
  });

  it("names the entry of an out-of-range or self-replicating mutation", () => {
    fc.assert(
      fc.property(validR2o, fc.nat(), fc.nat(), fc.boolean(), (r2o, rowPick, slotPick, outOfRange) => {
        const i = rowPick % r2o.length;
        const d = slotPick % r2o[0].length;
        const bad = outOfRange ? r2o.length + (rowPick % 3) : i;
        r2o[i][d] = bad;
        try {
          Topology.fromR2o(r2o);
          expect.unreachable();
        } catch (error) {
          expect(InvalidArgumentError.isInstance(error)).toBe(true);
          expect((error as InvalidArgumentError).argument).toBe(`r2o[${i}][${d}]`);
          expect((error as Error).message).toContain(`got ${bad}`);
        }
      }),
      fcOptions,
    );
  });

  it("names the duplicated value, both rows and the rank left without a copy", () => {
    fc.assert(
      fc.property(validR2o, fc.nat(), fc.nat(), fc.nat(), (r2o, rowPick, otherPick, slotPick) => {
        const i = rowPick % r2o.length;
        const k = (i + 1 + (otherPick % (r2o.length - 1))) % r2o.length;
        const d = slotPick % r2o[0].length;
        const duplicated = r2o[k][d];
        fc.pre(duplicated !== i); // copying it into row i would be a self-replication instead
        const lost = r2o[i][d];
        r2o[i][d] = duplicated;
        try {
          Topology.fromR2o(r2o);
          expect.unreachable();
        } catch (error) {
          expect(InvalidArgumentError.isInstance(error)).toBe(true);
          const [first, second] = [Math.min(i, k), Math.max(i, k)];
          expect((error as InvalidArgumentError).argument).toBe(`r2o[${second}][${d}]`);
          expect((error as Error).message).toBe(
            `expected column ${d} of r2o to be a permutation of 0..${r2o.length - 1}, got ${duplicated} in both ` +
              `r2o[${first}][${d}] and r2o[${second}][${d}] (so no rank copies slot ${d} of rank ${lost})`,
          );
        }
      }),
      fcOptions,
    );
  });

  it("names the row of a ragged matrix", () => {
    fc.assert(
      fc.property(validR2o, fc.nat(), fc.boolean(), (r2o, rowPick, longer) => {
        const i = 1 + (rowPick % (r2o.length - 1));
        if (longer) r2o[i].push(0);
        else r2o[i].pop();
        expect(() => Topology.fromR2o(r2o)).toThrow(
          `expected ${r2o[0].length} slots like r2o[0] for r2o[${i}], got an array of length ${r2o[i].length}`,
        );
      }),
      fcOptions,
    );
  });
});

suite("JSON, property-based", () => {
  it("round-trips random topologies and names exactly through JSON text", () => {
    fc.assert(
      fc.property(validR2o, fc.string({ minLength: 1, maxLength: 30 }), (r2o, name) => {
        const topology = Topology.fromR2o(r2o, { name });
        const back = Topology.fromJSON(JSON.parse(JSON.stringify(topology)));
        expect(back.name).toBe(name);
        expect(back.r2o).toEqual(r2o);
        expect(back.toJSON()).toEqual({ name, r2o });
      }),
      fcOptions,
    );
  });
});

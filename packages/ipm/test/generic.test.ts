/**
 * Generic LPs against HiGHS: feasible (with degenerate vertices, free variables, infinite
 * bounds, equalities, zero costs), infeasible and unbounded; plus hand-solved textbook LPs.
 */
import type { LinearProgram } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import type { IpmPrecision } from "../src/index.js";
import { solve } from "../src/index.js";
import { compareWithHighs, describeFailures, oracle, type TestCase } from "./support/compare.js";
import { expectedStatus, GENERIC_KINDS, randomGenericLp } from "./support/generic.js";
import { Rng, seedLabel, testSeeds } from "./support/random.js";

function randomCases(seed: number, perKind: number): TestCase[] {
  const rng = new Rng(seed);
  const cases: TestCase[] = [];
  for (const kind of GENERIC_KINDS) {
    for (let k = 0; k < perKind; k++) {
      const lp = randomGenericLp(rng, kind);
      cases.push({
        label: `${kind} #${k} (n=${lp.nVars}, mEq=${lp.bEq?.length ?? 0}, mUb=${lp.bUb?.length ?? 0})`,
        lp,
      });
    }
  }
  return cases;
}

async function expectAgreement(cases: TestCase[], precision: IpmPrecision, seedText: string): Promise<void> {
  const failures = await compareWithHighs(cases, precision);
  expect(failures, describeFailures(failures, seedText, cases.length)).toEqual([]);
}

describe("generic LPs against HiGHS", () => {
  for (const seed of testSeeds()) {
    it(`the generator's classes are what HiGHS says, ${seedLabel(seed)}`, async () => {
      // Guards the test itself: a generator bug would otherwise weaken every comparison.
      const rng = new Rng(seed);
      for (const kind of GENERIC_KINDS) {
        for (let k = 0; k < 20; k++) {
          const answer = await oracle(randomGenericLp(rng, kind));
          expect(answer.status, `${kind} #${k}, ${seedLabel(seed)}`).toBe(expectedStatus(kind));
        }
      }
    });
    it(`float64, ${seedLabel(seed)}`, async () => {
      await expectAgreement(randomCases(seed, 120), "float64", seedLabel(seed));
    });
    it(`float32, ${seedLabel(seed)}`, async () => {
      await expectAgreement(randomCases(seed ^ 0x2545f491, 30), "float32", seedLabel(seed));
    });
  }
});

const f = (...values: number[]) => Float64Array.from(values);
const INF = Number.POSITIVE_INFINITY;

/** Textbook LPs whose answers were worked out by hand. */
const HAND_SOLVED: { name: string; lp: LinearProgram; status: string; objective?: number; x?: number[] }[] = [
  {
    // Vertex of x + 2y = 4 and 3x + y = 6.
    name: "two inequalities",
    lp: { nVars: 2, c: f(-1, -1), aUb: f(1, 2, 3, 1), bUb: f(4, 6) },
    status: "optimal",
    objective: -2.8,
    x: [1.6, 1.2],
  },
  {
    name: "simplex equality picks the cheapest variable",
    lp: { nVars: 3, c: f(1, 2, 3), aEq: f(1, 1, 1), bEq: f(1) },
    status: "optimal",
    objective: 1,
    x: [1, 0, 0],
  },
  {
    name: "free variable bounded by a row",
    lp: { nVars: 1, c: f(1), aUb: f(-1), bUb: f(3), lower: f(Number.NEGATIVE_INFINITY) },
    status: "optimal",
    objective: -3,
    x: [-3],
  },
  {
    name: "bounds only",
    lp: { nVars: 3, c: f(1, -2, 0), lower: f(-1, 0, 3), upper: f(2, 5, 4) },
    status: "optimal",
    objective: -11,
  },
  {
    name: "fixed variable",
    lp: { nVars: 2, c: f(2, 1), aUb: f(-1, -1), bUb: f(-3), lower: f(1, 0), upper: f(1, INF) },
    status: "optimal",
    objective: 4,
    x: [1, 2],
  },
  {
    name: "contradictory rows",
    lp: { nVars: 2, c: f(1, 1), aUb: f(1, 1, -1, -1), bUb: f(1, -2) },
    status: "primal_infeasible",
  },
  {
    name: "infeasible equality under bounds",
    lp: { nVars: 2, c: f(0, 0), aEq: f(1, 1), bEq: f(5), upper: f(2, 2) },
    status: "primal_infeasible",
  },
  {
    name: "unbounded ray",
    lp: { nVars: 2, c: f(-1, 0), aUb: f(1, -1), bUb: f(1) },
    status: "dual_infeasible",
  },
  {
    name: "unbounded free variable",
    lp: { nVars: 1, c: f(1), lower: f(Number.NEGATIVE_INFINITY) },
    status: "dual_infeasible",
  },
];

describe("hand-solved LPs", () => {
  for (const precision of ["float64", "float32"] as const) {
    const digits = precision === "float64" ? 7 : 4;
    for (const { name, lp, status, objective, x } of HAND_SOLVED) {
      it(`${name} (${precision})`, async () => {
        const s = solve(lp, { precision });
        expect(s.status).toBe(status);
        expect((await oracle(lp)).status).toBe(status);
        if (objective !== undefined) {
          expect(s.objective).toBeCloseTo(objective, digits);
          expect((await oracle(lp)).objective).toBeCloseTo(objective, 9);
        }
        x?.forEach((value, j) => {
          expect(s.x[j]).toBeCloseTo(value, digits - 1);
        });
      });
    }
  }
});

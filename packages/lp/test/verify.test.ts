import { solveWithHighs } from "@lplb/highs-oracle";
import { cube, ring, torus2d } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import {
  createGeneralLayout,
  createLplbLayout,
  DEFAULT_VERIFY_TOLERANCES,
  type LinearProgram,
  type LpSolution,
  type LpStatus,
  linearProgramAt,
  verifySolution,
} from "../src/index.js";
import {
  dualProgram,
  expectInvalid,
  freshSeed,
  lplbPlacement,
  makeWorkload,
  mulberry32,
  randomInt,
  shuffle,
} from "./helpers.js";

const f64 = (...values: number[]) => Float64Array.from(values);

function solutionOf(
  lp: LinearProgram,
  parts: Partial<Omit<LpSolution, "objective">> & { x: Float64Array },
  status: LpStatus = "optimal",
): LpSolution {
  const n = lp.nVars;
  let objective = 0;
  for (let j = 0; j < n; j++) objective += lp.c[j] * parts.x[j];
  return {
    status,
    yEq: parts.yEq ?? new Float64Array(lp.bEq?.length ?? 0),
    yUb: parts.yUb ?? new Float64Array(lp.bUb?.length ?? 0),
    zLower: parts.zLower ?? new Float64Array(n),
    zUpper: parts.zUpper ?? new Float64Array(n),
    primalResidual: 0,
    dualResidual: 0,
    dualityGap: 0,
    iterations: 0,
    ...parts,
    objective,
  };
}

// min -x0 - x1  s.t.  x0 + 2 x1 <= 4,  3 x0 + x1 <= 6,  x >= 0.
// Optimum x = (1.6, 1.2), value -2.8; yUb = (0.4, 0.2) solves c + aUb' yUb = 0; dual value -b'y = -2.8.
const twoRows: LinearProgram = { nVars: 2, c: f64(-1, -1), aUb: f64(1, 2, 3, 1), bUb: f64(4, 6) };
const twoRowsOptimum = () => solutionOf(twoRows, { x: f64(1.6, 1.2), yUb: f64(0.4, 0.2) });

describe("verifySolution on hand-solved LPs", () => {
  it("accepts the optimum of a 2-variable LP with its duals", () => {
    const report = verifySolution(twoRows, twoRowsOptimum());
    expect(report.messages).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.primalResidual).toBeLessThan(1e-15);
    expect(report.dualResidual).toBeLessThan(1e-15);
    expect(report.gap).toBeLessThan(1e-15);
    expect(report.complementarity).toBeLessThan(1e-15);
  });

  it("accepts an optimum with an equality and an active lower bound", () => {
    // min x0 + 2 x1 s.t. x0 + x1 = 1, x >= 0: x = (1, 0), yEq = 1, zLower = (0, 1); dual value b'y = 1.
    const lp: LinearProgram = { nVars: 2, c: f64(1, 2), aEq: f64(1, 1), bEq: f64(1) };
    const report = verifySolution(lp, solutionOf(lp, { x: f64(1, 0), yEq: f64(1), zLower: f64(0, 1) }));
    expect(report.ok, report.messages.join("; ")).toBe(true);
  });

  it("accepts an optimum at an upper bound with a free variable", () => {
    // min -x0 s.t. x0 <= 2 (bound), x1 free and absent from the objective: zUpper = (1, 0); dual value -2.
    const lp: LinearProgram = {
      nVars: 2,
      c: f64(-1, 0),
      lower: f64(0, Number.NEGATIVE_INFINITY),
      upper: f64(2, Number.POSITIVE_INFINITY),
    };
    const report = verifySolution(lp, solutionOf(lp, { x: f64(2, 17), zUpper: f64(1, 0) }));
    expect(report.ok, report.messages.join("; ")).toBe(true);
  });

  it("rejects an infeasible point", () => {
    const report = verifySolution(twoRows, solutionOf(twoRows, { x: f64(1.7, 1.2), yUb: f64(0.4, 0.2) }));
    expect(report.ok).toBe(false);
    expect(report.primalResidual).toBeCloseTo(0.3 / 7, 12);
    expect(report.messages.join("\n")).toMatch(/primal residual .* \(worst: inequality row 1\)/);
  });

  it("rejects a feasible but suboptimal point through the gap and complementarity", () => {
    const report = verifySolution(twoRows, solutionOf(twoRows, { x: f64(1, 1), yUb: f64(0.4, 0.2) }));
    expect(report.ok).toBe(false);
    expect(report.primalResidual).toBe(0);
    expect(report.messages.join("\n")).toMatch(/duality gap/);
    expect(report.messages.join("\n")).toMatch(/complementarity/);
  });

  it("rejects multipliers of the wrong sign", () => {
    // y = (-0.4, -0.2) with c flipped would be stationary; here it breaks both stationarity and signs.
    const flipped: LinearProgram = { ...twoRows, c: f64(1, 1) };
    const report = verifySolution(flipped, solutionOf(flipped, { x: f64(0, 0), yUb: f64(-0.4, -0.2) }));
    expect(report.ok).toBe(false);
    expect(report.dualResidual).toBeCloseTo(0.4 / 2, 12);
    expect(report.messages.join("\n")).toMatch(/dual residual .* \(worst: sign of yUb\[0\]\)/);
  });

  it("rejects non-stationary multipliers", () => {
    const report = verifySolution(twoRows, solutionOf(twoRows, { x: f64(1.6, 1.2), yUb: f64(0.4, 0.3) }));
    expect(report.ok).toBe(false);
    expect(report.messages.join("\n")).toMatch(/worst: stationarity of variable/);
  });

  it("rejects a multiplier on an infinite bound", () => {
    const lp: LinearProgram = { nVars: 1, c: f64(0), lower: f64(Number.NEGATIVE_INFINITY), upper: f64(1) };
    const report = verifySolution(lp, solutionOf(lp, { x: f64(0), zLower: f64(1), zUpper: f64(1) }));
    expect(report.ok).toBe(false);
    expect(report.messages.join("\n")).toMatch(/zLower\[0\] on an infinite bound/);
  });

  it("rejects a reported objective that is not c'x", () => {
    const report = verifySolution(twoRows, { ...twoRowsOptimum(), objective: -2.5 });
    expect(report.ok).toBe(false);
    expect(report.messages).toEqual(["reported objective -2.5 differs from c'x = -2.8"]);
  });

  it("rejects NaN anywhere in the solution", () => {
    for (const key of ["x", "yUb", "zLower", "zUpper"] as const) {
      const solution = twoRowsOptimum();
      solution[key][0] = Number.NaN;
      const report = verifySolution(twoRows, solution);
      expect(report.ok, key).toBe(false);
    }
    expect(verifySolution(twoRows, { ...twoRowsOptimum(), objective: Number.NaN }).ok).toBe(false);
  });

  it("cannot certify statuses other than optimal", () => {
    for (const status of ["primal_infeasible", "dual_infeasible", "iteration_limit", "numerical_error"] as const) {
      const report = verifySolution(twoRows, { ...twoRowsOptimum(), status });
      expect(report.ok).toBe(false);
      expect(report.messages).toEqual([
        `status "${status}" cannot be certified by a KKT check; only "optimal" solutions can be verified`,
      ]);
      // The measures of the point are still reported.
      expect(report.gap).toBeLessThan(1e-15);
    }
  });

  it("applies the given tolerances", () => {
    const solution = solutionOf(twoRows, { x: f64(1.6 + 1e-5, 1.2), yUb: f64(0.4, 0.2) });
    expect(verifySolution(twoRows, solution).ok).toBe(false);
    const loose = { primal: 1e-4, dual: 1e-4, gap: 1e-4, complementarity: 1e-4 };
    expect(verifySolution(twoRows, solution, loose).ok).toBe(true);
    expect(verifySolution(twoRows, twoRowsOptimum(), { primal: 1e-14 }).ok).toBe(true);
    expect(verifySolution(twoRows, solution, { primal: 1e-4 }).ok).toBe(false);
    expect(DEFAULT_VERIFY_TOLERANCES).toEqual({ primal: 1e-6, dual: 1e-6, gap: 1e-6, complementarity: 1e-6 });
  });
});

describe("verifySolution on random LPs with a known KKT point", () => {
  it("accepts the constructed optimum and rejects each kind of perturbation", () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    for (let trial = 0; trial < 50; trial++) {
      const n = randomInt(random, 2, 8);
      const mEq = randomInt(random, 0, 2);
      const mUb = randomInt(random, 1, 5);
      const x = new Float64Array(n);
      const zLower = new Float64Array(n);
      const zUpper = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const kind = random();
        if (kind < 0.3) zLower[j] = 0.1 + random();
        else if (kind < 0.5) {
          x[j] = 1;
          zUpper[j] = 0.1 + random();
        } else x[j] = random();
      }
      const aEq = Float64Array.from({ length: mEq * n }, () => random() * 2 - 1);
      const aUb = Float64Array.from({ length: mUb * n }, () => random() * 2 - 1);
      const bEq = new Float64Array(mEq);
      const bUb = new Float64Array(mUb);
      const yEq = Float64Array.from({ length: mEq }, () => random() * 2 - 1);
      const yUb = new Float64Array(mUb);
      for (let i = 0; i < mEq; i++) for (let j = 0; j < n; j++) bEq[i] += aEq[i * n + j] * x[j];
      for (let i = 0; i < mUb; i++) {
        for (let j = 0; j < n; j++) bUb[i] += aUb[i * n + j] * x[j];
        if (random() < 0.5) yUb[i] = 0.1 + random();
        else bUb[i] += 0.1 + random();
      }
      const c = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        c[j] = zLower[j] - zUpper[j];
        for (let i = 0; i < mEq; i++) c[j] += aEq[i * n + j] * yEq[i];
        for (let i = 0; i < mUb; i++) c[j] -= aUb[i * n + j] * yUb[i];
      }
      const lp: LinearProgram = {
        nVars: n,
        c,
        ...(mEq > 0 ? { aEq, bEq } : {}),
        aUb,
        bUb,
        lower: new Float64Array(n),
        upper: new Float64Array(n).fill(1),
      };
      const optimum = () =>
        solutionOf(lp, {
          x: x.slice(),
          yEq: yEq.slice(),
          yUb: yUb.slice(),
          zLower: zLower.slice(),
          zUpper: zUpper.slice(),
        });
      const context = `seed ${seed}, trial ${trial}`;
      const accepted = verifySolution(lp, optimum());
      expect(accepted.ok, `${context}: ${accepted.messages.join("; ")}`).toBe(true);

      // Leaving a bound: primal infeasible.
      const outside = optimum();
      const j = randomInt(random, 0, n - 1);
      outside.x[j] = x[j] < 0.5 ? -1e-3 : 1 + 1e-3;
      expect(verifySolution(lp, solutionOf(lp, outside)).ok, context).toBe(false);
      // Violating an active row: move along the row's normal.
      const active = Array.from(yUb).findIndex((v) => v > 0);
      if (active >= 0) {
        const moved = optimum();
        for (let k = 0; k < n; k++) moved.x[k] += 1e-3 * aUb[active * n + k];
        const report = verifySolution(lp, solutionOf(lp, moved));
        expect(report.ok, context).toBe(false);
      }
      // A multiplier that breaks stationarity.
      const bent = optimum();
      bent.zLower[j] += 1e-3;
      expect(verifySolution(lp, bent).ok, context).toBe(false);
      // A negative inequality multiplier (changing c to keep stationarity, so only the sign fails).
      const negative = optimum();
      negative.yUb[0] = -1e-3;
      const shifted = Float64Array.from(c, (v, k) => v - aUb[k] * (-1e-3 - yUb[0]));
      const signReport = verifySolution({ ...lp, c: shifted }, solutionOf({ ...lp, c: shifted }, negative));
      expect(signReport.ok, context).toBe(false);
      expect(signReport.messages.join("\n"), context).toMatch(/sign of yUb\[0\]/);
    }
  });
});

describe("verifySolution on HiGHS solutions of the LPLB LPs", () => {
  it("accepts HiGHS primal optima paired with HiGHS dual optima, and rejects perturbed ones", async () => {
    const seed = freshSeed();
    const random = mulberry32(seed);
    const programs: { name: string; lp: LinearProgram }[] = [];
    for (const topology of [cube(), ring(3), torus2d(2, 3)]) {
      const G = topology.groupSize;
      const D = topology.slots;
      const own = D + randomInt(random, 0, 2);
      const nLogical = own * G;
      const order = shuffle(
        random,
        Array.from({ length: nLogical }, (_, e) => e),
      );
      const phy2log = lplbPlacement(topology.r2o, G, order, D);
      const options = { nLogicalExperts: nLogical, epSize: G, phy2log };
      const compact = createLplbLayout({ ...options, topology, nRoutedExperts: phy2log.length });
      const general = createGeneralLayout(options);
      for (const kind of ["uniform", "heavy-tailed", "dominant", "zeros"] as const) {
        const workload = makeWorkload(random, nLogical, kind);
        programs.push({ name: `${topology.name} compact ${kind}`, lp: linearProgramAt(compact.fill(workload), 0) });
        programs.push({ name: `${topology.name} general ${kind}`, lp: general.fill(workload) });
      }
    }
    for (const { name, lp } of programs) {
      const context = `seed ${seed}, ${name}`;
      const primal = await solveWithHighs(lp);
      const { dual, unpack } = dualProgram(lp);
      const dualResult = await solveWithHighs(dual);
      expect(primal.status, context).toBe("optimal");
      expect(dualResult.status, context).toBe("optimal");
      // Strong duality between the two oracle solves (the dual was written as a minimisation of -value).
      expect(Math.abs(primal.objective + dualResult.objective), context).toBeLessThan(1e-7);
      const solution = solutionOf(lp, { x: primal.x, ...unpack(dualResult.x) });
      const report = verifySolution(lp, solution);
      expect(report.ok, `${context}: ${report.messages.join("; ")}`).toBe(true);

      // z below its optimum: some rank row is violated.
      const lowered = solutionOf(lp, { ...solution, x: primal.x.slice() });
      lowered.x[lp.nVars - 1] -= 1e-3;
      const loweredReport = verifySolution(lp, solutionOf(lp, lowered));
      expect(loweredReport.ok, context).toBe(false);
      expect(loweredReport.primalResidual, context).toBeGreaterThan(1e-4);
      // z above its optimum: still feasible but not optimal.
      const raised = solutionOf(lp, { ...solution, x: primal.x.slice() });
      raised.x[lp.nVars - 1] += 1e-3;
      const raisedReport = verifySolution(lp, solutionOf(lp, raised));
      expect(raisedReport.ok, context).toBe(false);
      expect(raisedReport.primalResidual, context).toBeLessThan(1e-7);
      // A larger row multiplier breaks stationarity on z (its column is -1 in every row).
      const bumped = { ...solution, yUb: solution.yUb.slice() };
      bumped.yUb[0] += 1e-3;
      expect(verifySolution(lp, bumped).ok, context).toBe(false);
    }
  });
});

describe("verifySolution: invalid input", () => {
  it("rejects malformed problems, solutions and tolerances", () => {
    const good = twoRowsOptimum();
    expectInvalid(() => verifySolution({ ...twoRows, c: f64(1) }, good), "lp.c", /length 2/);
    expectInvalid(() => verifySolution(twoRows, null as never), "solution", /an LpSolution object/);
    expectInvalid(() => verifySolution(twoRows, { ...good, x: f64(1) }), "solution.x", /length 2/);
    expectInvalid(() => verifySolution(twoRows, { ...good, yUb: f64(1) }), "solution.yUb", /length 2/);
    expectInvalid(() => verifySolution(twoRows, { ...good, yEq: f64(1) }), "solution.yEq", /length 0/);
    expectInvalid(
      () => verifySolution(twoRows, { ...good, zLower: [0, 0] as never }),
      "solution.zLower",
      /Float64Array/,
    );
    expectInvalid(() => verifySolution(twoRows, { ...good, zUpper: f64() }), "solution.zUpper", /length 2/);
    expectInvalid(
      () => verifySolution(twoRows, { ...good, objective: "1" as never }),
      "solution.objective",
      /a number/,
    );
    expectInvalid(() => verifySolution(twoRows, good, 1e-6 as never), "tolerances", /an options object/);
    expectInvalid(() => verifySolution(twoRows, good, { primal: -1 }), "tolerances.primal", /\[0, /);
    expectInvalid(() => verifySolution(twoRows, good, { dual: Number.NaN }), "tolerances.dual", /got NaN/);
    expectInvalid(() => verifySolution(twoRows, good, { gap: Number.POSITIVE_INFINITY }), "tolerances.gap", /Infinity/);
    expectInvalid(
      () => verifySolution(twoRows, good, { complementarity: "0" as never }),
      "tolerances.complementarity",
      /"0"/,
    );
    expectInvalid(
      () => verifySolution(twoRows, good, { primary: 1 } as never),
      "tolerances.primary",
      /unknown option "primary"/,
    );
  });
});

/**
 * The general (SGLang-style) formulation: one LP over all ranks for any placement where a
 * logical expert has one or more copies on arbitrary ranks.
 */
import { expectInteger, invalid } from "@lplb/errors";
import { balanceOf, MAX_EXPERTS, MAX_LAYOUT_COEFFICIENTS } from "./lplb.js";
import {
  copyIds,
  expectBuilderOptions,
  expectFractions,
  expectOutputArray,
  expectWorkload,
  maxLoad,
  outputVector,
} from "./options.js";
import type { LinearProgram, LpBatch, LpShape } from "./types.js";

/** Options of {@link createGeneralLayout}. */
export interface GeneralLayoutOptions {
  /**
   * Physical id to logical id (array or typed array; copied). Its length is a multiple of
   * `epSize`; rank `r` holds physical ids `r * perRank .. (r + 1) * perRank - 1`. Every logical
   * expert has at least one copy.
   */
  readonly phy2log: ArrayLike<number>;
  /** Expert-parallel ranks, an integer >= 1 dividing `phy2log.length`. */
  readonly epSize: number;
  /** Logical experts `E`, an integer >= 1. */
  readonly nLogicalExperts: number;
}

/** The LP written by {@link GeneralLayout.fill}: both a {@link LinearProgram} and an {@link LpBatch} of one LP. */
export interface GeneralLp extends LinearProgram, LpBatch {
  readonly c: Float64Array;
  readonly aEq: Float64Array;
  readonly bEq: Float64Array;
  readonly aUb: Float64Array;
  readonly bUb: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * A placement prepared for the general LP. Every method validates its arguments and throws
 * `InvalidArgumentError` for bad input.
 *
 * Variables: one share per copy of each replicated expert (an expert with two or more copies),
 * ordered by logical id and then by physical id, then `z` last. Share `k` is the part of its
 * expert's normalised load sent to physical expert `sharePhysical[k]`. The LP:
 *
 * ```text
 * minimise z  s.t.  sum of the shares of e = L[e]                      for every replicated e
 *                   F[r] + sum of the shares placed on rank r <= z       for every rank r
 *                   shares >= 0,  z >= 0
 * ```
 *
 * where `L` is the workload divided by its maximum and `F[r]` the normalised load of the
 * non-replicated experts on rank `r`. Rows are written as `shares - z <= -F[r]`.
 */
export interface GeneralLayout {
  /** Expert-parallel ranks. */
  readonly epSize: number;
  /** Logical experts `E`. */
  readonly nLogicalExperts: number;
  /** Physical experts, `phy2log.length`. */
  readonly nPhysicalExperts: number;
  /** Physical slots per rank. */
  readonly perRank: number;
  /** Number of copies of each logical expert, length `E` (a copy; modifying it changes nothing). */
  readonly logcnt: Int32Array;
  /** Logical ids of the replicated experts, ascending; row `k` of `aEq` belongs to `replicatedExperts[k]` (a copy). */
  readonly replicatedExperts: Int32Array;
  /** Physical id of each share variable, length `nVars - 1` (a copy). */
  readonly sharePhysical: Int32Array;
  /** Shape of the LP: `{ nVars: shares + 1, mEq: replicated experts, mUb: epSize }`. */
  readonly shape: LpShape;
  /** Index of `z` in `x` (the last variable). */
  readonly zIndex: number;
  /**
   * Writes the LP of one batch. Only the right-hand sides depend on the workload; the matrices,
   * objective and bounds are copied from templates built once for the placement.
   *
   * @param workload tokens per logical expert, length `E`, finite and >= 0 (borrowed). It is
   *   divided by its maximum; an all-zero workload is not divided and gives zero loads.
   * @param out an LP from an earlier `fill` of this layout to overwrite in place (no
   *   allocation); default: a new LP.
   * @returns `out` or the new LP (owned by the caller).
   */
  fill(workload: ArrayLike<number>, out?: GeneralLp): GeneralLp;
  /**
   * Per physical expert, the fraction of its logical expert's load it receives, from a solution
   * `x` of the LP: 1 for a non-replicated expert; for a replicated one its share (clamped to >= 0)
   * over the sum of its expert's shares, or `1 / copies` when that sum is 0 (a load of zero).
   * Fractions of one expert sum to 1.
   *
   * @param solution anything with the LP's `x` (an `LpSolution`, a HiGHS result), borrowed.
   * @param out array of length `nPhysicalExperts` to write into; default: a new one.
   * @throws InvalidArgumentError when `x` has the wrong length or a non-finite share.
   */
  sharesFromSolution(solution: { readonly x: Float64Array }, out?: Float64Array): Float64Array;
  /**
   * Per-rank token load in the workload's units: `sum over physical p on rank r of
   * workload[phy2log[p]] * fractions[p]`.
   *
   * @param fractions per physical expert, in [0, 1] (as {@link GeneralLayout.sharesFromSolution} returns), borrowed.
   * @param out array of length `epSize` to write into; default: a new one.
   */
  rankLoads(workload: ArrayLike<number>, fractions: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** Max over mean of {@link GeneralLayout.rankLoads}; 1 when the workload is all zero. */
  balance(workload: ArrayLike<number>, fractions: ArrayLike<number>): number;
}

const KNOWN_OPTIONS = ["phy2log", "epSize", "nLogicalExperts"] as const;

/**
 * Prepares the general LP for a placement in which each logical expert has one or more copies
 * on any ranks (two copies may even share a rank).
 *
 * @param options see {@link GeneralLayoutOptions}; `phy2log` is copied.
 * @throws InvalidArgumentError naming the offending option, e.g. when a logical expert has no copy.
 */
export function createGeneralLayout(options: GeneralLayoutOptions): GeneralLayout {
  const o = expectBuilderOptions("options", options, KNOWN_OPTIONS);
  const nLogical = expectInteger("options.nLogicalExperts", o.nLogicalExperts, 1, MAX_EXPERTS);
  const epSize = expectInteger("options.epSize", o.epSize, 1, MAX_EXPERTS);
  const raw = o.phy2log;
  if (raw === null || typeof raw !== "object" || typeof raw.length !== "number") {
    invalid("options.phy2log", "an array or Int32Array of logical expert ids", raw);
  }
  const nPhysical = raw.length;
  if (nPhysical < nLogical || nPhysical % epSize !== 0 || nPhysical > MAX_EXPERTS) {
    invalid(
      "options.phy2log",
      `a length that is a multiple of epSize (${epSize}) and at least nLogicalExperts (${nLogical})`,
      raw,
    );
  }
  const phy2log = copyIds("options.phy2log", raw, nPhysical, nLogical, "logical expert ids");
  const logcnt = new Int32Array(nLogical);
  for (let p = 0; p < nPhysical; p++) logcnt[phy2log[p]]++;
  for (let e = 0; e < nLogical; e++) {
    if (logcnt[e] === 0) invalid("options.phy2log", `an id for every logical expert; expert ${e} has no copy`, raw);
  }
  let replicated = 0;
  let shares = 0;
  for (let e = 0; e < nLogical; e++) {
    if (logcnt[e] >= 2) {
      replicated++;
      shares += logcnt[e];
    }
  }
  if ((replicated + epSize) * (shares + 1) > MAX_LAYOUT_COEFFICIENTS) {
    invalid(
      "options.phy2log",
      `a placement whose LP fits in ${MAX_LAYOUT_COEFFICIENTS} coefficients ` +
        `((${replicated} replicated experts + ${epSize} ranks) x ${shares + 1} variables is too many)`,
      raw,
    );
  }
  return new SharesLayout(phy2log, logcnt, epSize, nLogical);
}

class SharesLayout implements GeneralLayout {
  readonly nPhysicalExperts: number;
  readonly perRank: number;
  readonly shape: LpShape;
  readonly zIndex: number;
  readonly #phy2log: Int32Array;
  readonly #logcnt: Int32Array;
  readonly #replicatedExperts: Int32Array;
  readonly #sharePhysical: Int32Array;
  /** Row of `aEq` per logical expert, -1 when not replicated. */
  readonly #eqRow: Int32Array;
  /** First share variable of each replicated expert (`replicated + 1` entries, CSR style). */
  readonly #shareStart: Int32Array;
  readonly #template: { c: Float64Array; aEq: Float64Array; aUb: Float64Array; upper: Float64Array };

  constructor(
    phy2log: Int32Array,
    logcnt: Int32Array,
    readonly epSize: number,
    readonly nLogicalExperts: number,
  ) {
    this.#phy2log = phy2log;
    this.#logcnt = logcnt;
    this.nPhysicalExperts = phy2log.length;
    this.perRank = phy2log.length / epSize;

    const eqRow = new Int32Array(nLogicalExperts).fill(-1);
    let replicated = 0;
    let shares = 0;
    for (let e = 0; e < nLogicalExperts; e++) {
      if (logcnt[e] >= 2) {
        eqRow[e] = replicated++;
        shares += logcnt[e];
      }
    }
    const replicatedExperts = new Int32Array(replicated);
    const shareStart = new Int32Array(replicated + 1);
    for (let e = 0, k = 0; e < nLogicalExperts; e++) {
      if (eqRow[e] >= 0) {
        replicatedExperts[k] = e;
        shareStart[k + 1] = shareStart[k] + logcnt[e];
        k++;
      }
    }
    // Physical ids ascending within each expert, because p runs in order.
    const sharePhysical = new Int32Array(shares);
    const cursor = shareStart.slice(0, replicated);
    for (let p = 0; p < phy2log.length; p++) {
      const row = eqRow[phy2log[p]];
      if (row >= 0) sharePhysical[cursor[row]++] = p;
    }
    this.#eqRow = eqRow;
    this.#shareStart = shareStart;
    this.#replicatedExperts = replicatedExperts;
    this.#sharePhysical = sharePhysical;

    const n = shares + 1;
    this.zIndex = shares;
    this.shape = Object.freeze({ nVars: n, mEq: replicated, mUb: epSize });
    const c = new Float64Array(n);
    c[shares] = 1;
    const aEq = new Float64Array(replicated * n);
    for (let row = 0; row < replicated; row++) {
      for (let k = shareStart[row]; k < shareStart[row + 1]; k++) aEq[row * n + k] = 1;
    }
    const aUb = new Float64Array(epSize * n);
    for (let k = 0; k < shares; k++) {
      const rank = Math.floor(sharePhysical[k] / this.perRank);
      aUb[rank * n + k] += 1;
    }
    for (let r = 0; r < epSize; r++) aUb[r * n + shares] = -1;
    const upper = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.#template = { c, aEq, aUb, upper };
  }

  get logcnt(): Int32Array {
    return this.#logcnt.slice();
  }

  get replicatedExperts(): Int32Array {
    return this.#replicatedExperts.slice();
  }

  get sharePhysical(): Int32Array {
    return this.#sharePhysical.slice();
  }

  fill(workload: ArrayLike<number>, out?: GeneralLp): GeneralLp {
    expectWorkload(workload, this.nLogicalExperts);
    const lp = out === undefined ? this.#allocate() : this.#expectOut(out);
    const template = this.#template;
    lp.c.set(template.c);
    lp.aEq.set(template.aEq);
    lp.aUb.set(template.aUb);
    lp.lower.fill(0);
    lp.upper.set(template.upper);
    const max = maxLoad(workload);
    const divisor = max > 0 ? max : 1;
    const phy2log = this.#phy2log;
    const eqRow = this.#eqRow;
    const replicated = this.#replicatedExperts;
    for (let row = 0; row < replicated.length; row++) lp.bEq[row] = workload[replicated[row]] / divisor;
    lp.bUb.fill(0);
    for (let p = 0; p < phy2log.length; p++) {
      const e = phy2log[p];
      if (eqRow[e] < 0) lp.bUb[Math.floor(p / this.perRank)] -= workload[e] / divisor;
    }
    return lp;
  }

  #allocate(): GeneralLp {
    const { nVars: n, mEq, mUb } = this.shape;
    const c = new Float64Array(n);
    const aEq = new Float64Array(mEq * n);
    const bEq = new Float64Array(mEq);
    const aUb = new Float64Array(mUb * n);
    const bUb = new Float64Array(mUb);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    return { nVars: n, shape: this.shape, count: 1, c, aEq, bEq, aUb, bUb, lower, upper };
  }

  #expectOut(out: GeneralLp): GeneralLp {
    if (typeof out !== "object" || out === null) invalid("out", "an LP from this layout's fill()", out);
    const { nVars: n, mEq, mUb } = this.shape;
    if (out.nVars !== n) invalid("out.nVars", `${n}`, out.nVars);
    const s = out.shape;
    if (typeof s !== "object" || s === null || s.nVars !== n || s.mEq !== mEq || s.mUb !== mUb) {
      invalid("out.shape", `{ nVars: ${n}, mEq: ${mEq}, mUb: ${mUb} }`, s);
    }
    if (out.count !== 1) invalid("out.count", "1", out.count);
    expectOutputArray("out.c", out.c, n);
    expectOutputArray("out.aEq", out.aEq, mEq * n);
    expectOutputArray("out.bEq", out.bEq, mEq);
    expectOutputArray("out.aUb", out.aUb, mUb * n);
    expectOutputArray("out.bUb", out.bUb, mUb);
    expectOutputArray("out.lower", out.lower, n);
    expectOutputArray("out.upper", out.upper, n);
    return out;
  }

  sharesFromSolution(solution: { readonly x: Float64Array }, out?: Float64Array): Float64Array {
    if (typeof solution !== "object" || solution === null) invalid("solution", "an object with x", solution);
    const x = solution.x;
    if (!(x instanceof Float64Array) || x.length !== this.shape.nVars) {
      invalid("solution.x", `a Float64Array of length ${this.shape.nVars}`, x);
    }
    for (let k = 0; k < this.zIndex; k++) {
      if (!Number.isFinite(x[k])) invalid(`solution.x[${k}]`, "a finite share", x[k]);
    }
    const fractions = outputVector("out", out, this.nPhysicalExperts);
    fractions.fill(1);
    const start = this.#shareStart;
    const physical = this.#sharePhysical;
    for (let row = 0; row + 1 < start.length; row++) {
      let sum = 0;
      for (let k = start[row]; k < start[row + 1]; k++) sum += Math.max(0, x[k]);
      const copies = start[row + 1] - start[row];
      for (let k = start[row]; k < start[row + 1]; k++) {
        fractions[physical[k]] = sum > 0 ? Math.max(0, x[k]) / sum : 1 / copies;
      }
    }
    return fractions;
  }

  rankLoads(workload: ArrayLike<number>, fractions: ArrayLike<number>, out?: Float64Array): Float64Array {
    expectWorkload(workload, this.nLogicalExperts);
    expectFractions("fractions", fractions, this.nPhysicalExperts);
    const loads = outputVector("out", out, this.epSize);
    loads.fill(0);
    const phy2log = this.#phy2log;
    for (let p = 0; p < phy2log.length; p++) {
      loads[Math.floor(p / this.perRank)] += workload[phy2log[p]] * fractions[p];
    }
    return loads;
  }

  balance(workload: ArrayLike<number>, fractions: ArrayLike<number>): number {
    return balanceOf(this.rankLoads(workload, fractions));
  }
}

/**
 * The compact per-group LPLB formulation: one small LP per redundancy group, built once per
 * placement and refreshed per batch without allocation.
 */
import { expectFiniteArray, expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import { type Topology, toTopology } from "@lplb/topology";
import {
  copyIds,
  expectBuilderOptions,
  expectFractions,
  expectOutputArray,
  expectWorkload,
  maxLoad,
  outputVector,
} from "./options.js";
import { LP_STATUSES, type LpBatch, type LpBatchSolution, type LpShape } from "./types.js";

/** Options of {@link createLplbLayout}. */
export interface LplbLayoutOptions {
  /** The replica topology: a `Topology` or its `r2o` matrix `[groupSize][D]` (validated, copied). */
  readonly topology: Topology | ArrayLike<ArrayLike<number>>;
  /** Logical experts `E`, a multiple of `epSize`. */
  readonly nLogicalExperts: number;
  /** Physical experts `E + R * epSize`, where `R` (redundant slots per rank) is a positive multiple of `D`. */
  readonly nRoutedExperts: number;
  /** Expert-parallel ranks, a multiple of the topology's `groupSize`. */
  readonly epSize: number;
  /**
   * Physical id to logical id, length `nRoutedExperts` (array or typed array; copied). Rank `r`
   * holds physical ids `r * perRank .. (r + 1) * perRank - 1`: first its `E / epSize` own logical
   * experts (every logical expert is own to exactly one rank), then its `R` redundant slots.
   */
  readonly phy2log: ArrayLike<number>;
}

/** A batch written by {@link LplbLayout.fill}; every array is present. */
export interface LplbBatch extends LpBatch {
  readonly c: Float64Array;
  readonly aUb: Float64Array;
  readonly bUb: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** The normalised loads behind the LPs, for diagnostics. */
export interface LplbWeights {
  /** `w[(g * groupSize + i) * D + d]`: summed normalised load of the `combined` experts in slot `d` of rank `i` of group `g`. */
  readonly w: Float64Array;
  /** `f[g * groupSize + i]`: normalised load of the never-replicated experts of rank `i` of group `g`. */
  readonly f: Float64Array;
  /** The divisor used to normalise: the largest load of the workload (0 for an all-zero workload, which is then not divided). */
  readonly maxLoad: number;
}

/**
 * A placement prepared for per-batch LPLB LPs. Every method validates its arguments and throws
 * `InvalidArgumentError` for bad input.
 *
 * Variable order of each group's LP (`n = groupSize * D + 1`):
 * `x = [p[0][0], p[0][1], ..., p[0][D-1], p[1][0], ..., p[groupSize-1][D-1], z]`, so `p[i][d]` is
 * `x[i * D + d]` ({@link LplbLayout.variableIndex}) and `z` is `x[groupSize * D]`. `p[i][d]` is
 * the fraction of slot `d`'s load that group rank `i` keeps; the rest goes to its copy on rank
 * `o2r[i][d]`.
 */
export interface LplbLayout {
  /** The validated topology. */
  readonly topology: Topology;
  /** Logical experts `E`. */
  readonly nLogicalExperts: number;
  /** Physical experts. */
  readonly nRoutedExperts: number;
  /** Expert-parallel ranks. */
  readonly epSize: number;
  /** Ranks per redundancy group (`topology.groupSize`). */
  readonly groupSize: number;
  /** Redundant slots per rank in the topology, `D`. */
  readonly slots: number;
  /** Redundancy groups, `epSize / groupSize`: the number of LPs per batch. */
  readonly nGroup: number;
  /** Physical slots per rank, `nRoutedExperts / epSize`. */
  readonly perRank: number;
  /** Own (original) logical experts per rank, `E / epSize`. */
  readonly ownPerRank: number;
  /** Redundant physical slots per rank, `R`. */
  readonly redundantPerRank: number;
  /** Experts combined into each topology slot, `R / D`. */
  readonly combined: number;
  /** Shape of every LP: `{ nVars: groupSize * D + 1, mEq: 0, mUb: groupSize }`. */
  readonly shape: LpShape;
  /** Index of `z` in `x`: `groupSize * D`. */
  readonly zIndex: number;
  /** Index of `p[rank][slot]` in `x` (group rank `rank`): `rank * D + slot`. */
  variableIndex(rank: number, slot: number): number;
  /**
   * Writes the `nGroup` LPs of one batch. The workload is normalised by its maximum (an all-zero
   * workload is not divided: every LP then has zero loads and is still a valid LP). Group `g`'s
   * LP is, for every group rank `i` with `s_d = r2o[i][d]`:
   *
   * ```text
   * minimise z  s.t.  sum_d w[i][d] p[i][d] - sum_d w[s_d][d] p[s_d][d] - z <= -f[i] - sum_d w[s_d][d]
   *                   0 <= p <= 1,  z >= 0
   * ```
   *
   * @param workload tokens per logical expert, length `E`, finite and >= 0 (borrowed).
   * @param out a batch from an earlier `fill` of this layout to overwrite in place (no
   *   allocation); default: a new batch.
   * @returns `out` or the new batch (owned by the caller).
   */
  fill(workload: ArrayLike<number>, out?: LpBatch): LplbBatch;
  /** The normalised `w` and `f` of every group for `workload` (see {@link LplbWeights}); new arrays. */
  weights(workload: ArrayLike<number>): LplbWeights;
  /**
   * The split `probs[nGroup][groupSize][D]` (flat, `probs[(g * groupSize + i) * D + d]`) from a
   * solved batch. Values are clamped to [0, 1]. A group whose status is not `optimal`, or whose
   * `p` is not finite, gets the reference fallback 0.5 everywhere.
   *
   * @param solution the solved batch (borrowed); its shape and count must be this layout's.
   * @param out array of length `nGroup * groupSize * D` to write into; default: a new one.
   */
  probsFromSolution(solution: LpBatchSolution, out?: Float64Array): Float64Array;
  /**
   * Per-rank token load after the split, in the workload's units (not normalised): rank `i` of
   * group `g` carries its never-replicated load, the kept fraction `p[i][d]` of each of its slots,
   * and the fraction `1 - p[s][d]` of slot `d` of rank `s = r2o[i][d]`.
   *
   * @param workload tokens per logical expert, length `E` (borrowed).
   * @param probs `[nGroup][groupSize][D]`, values in [0, 1] (borrowed).
   * @param out array of length `epSize` to write into; default: a new one.
   */
  rankLoads(workload: ArrayLike<number>, probs: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** Max over mean of {@link LplbLayout.rankLoads}; 1 when the workload is all zero. */
  balance(workload: ArrayLike<number>, probs: ArrayLike<number>): number;
}

const KNOWN_OPTIONS = ["topology", "nLogicalExperts", "nRoutedExperts", "epSize", "phy2log"] as const;

/** Largest accepted `nLogicalExperts` / `nRoutedExperts` (and `epSize`). */
export const MAX_EXPERTS = 1 << 24;

/**
 * Largest number of constraint coefficients a layout's LPs may have in all (2^28, 2 GiB of
 * float64). Larger placements are rejected when the layout is created rather than failing to
 * allocate later.
 */
export const MAX_LAYOUT_COEFFICIENTS = 2 ** 28;

/**
 * Prepares the compact LPLB formulation for one placement. Validates that `phy2log` is an LPLB
 * placement of `topology`: every logical expert is own to exactly one rank, and redundant slot
 * `j * D + d` of group rank `i` holds a copy of own expert `j * D + d` of group rank `r2o[i][d]`.
 *
 * @param options see {@link LplbLayoutOptions}; nothing is borrowed (the topology is immutable,
 *   `phy2log` is copied).
 * @throws InvalidArgumentError naming the offending option, e.g.
 *   `expected a multiple of 8 (the topology's groupSize) for options.epSize, got 12`.
 */
export function createLplbLayout(options: LplbLayoutOptions): LplbLayout {
  const o = expectBuilderOptions("options", options, KNOWN_OPTIONS);
  if (o.topology === undefined) invalid("options.topology", "a Topology or an r2o matrix", o.topology);
  const topology = toTopology(o.topology, "options.topology");
  const groupSize = topology.groupSize;
  const slots = topology.slots;
  const epSize = expectInteger("options.epSize", o.epSize, groupSize, MAX_EXPERTS);
  if (epSize % groupSize !== 0) {
    invalid("options.epSize", `a multiple of ${groupSize} (the topology's groupSize)`, epSize);
  }
  if (epSize * (groupSize * slots + 1) > MAX_LAYOUT_COEFFICIENTS) {
    invalid(
      "options.epSize",
      `an epSize whose LPs fit in ${MAX_LAYOUT_COEFFICIENTS} coefficients (epSize * (groupSize * D + 1), groupSize = ${groupSize}, D = ${slots})`,
      epSize,
    );
  }
  const nLogical = expectInteger("options.nLogicalExperts", o.nLogicalExperts, 1, MAX_EXPERTS);
  if (nLogical % epSize !== 0 || nLogical < epSize * slots) {
    invalid(
      "options.nLogicalExperts",
      `a multiple of epSize (${epSize}) of at least epSize * D = ${epSize * slots} (D own experts per rank to replicate)`,
      nLogical,
    );
  }
  const nRouted = expectInteger("options.nRoutedExperts", o.nRoutedExperts, nLogical + 1, MAX_EXPERTS);
  const ownPerRank = nLogical / epSize;
  const redundantTotal = nRouted - nLogical;
  const step = epSize * slots;
  if (redundantTotal % step !== 0 || redundantTotal / epSize > ownPerRank) {
    invalid(
      "options.nRoutedExperts",
      `nLogicalExperts + R * epSize with R a multiple of D = ${slots} in [${slots}, ${ownPerRank - (ownPerRank % slots)}] ` +
        `(nLogicalExperts = ${nLogical}, epSize = ${epSize})`,
      nRouted,
    );
  }
  const redundantPerRank = redundantTotal / epSize;
  const perRank = nRouted / epSize;
  const phy2log = copyIds("options.phy2log", o.phy2log, nRouted, nLogical, "logical expert ids");
  const r2o = topology.toInt32Array("r2o");
  checkPlacement(phy2log, r2o, { epSize, groupSize, slots, perRank, ownPerRank, redundantPerRank, nLogical });
  return new CompactLayout(topology, r2o, phy2log, nLogical, nRouted, epSize, redundantPerRank);
}

interface PlacementShape {
  epSize: number;
  groupSize: number;
  slots: number;
  perRank: number;
  ownPerRank: number;
  redundantPerRank: number;
  nLogical: number;
}

function checkPlacement(phy2log: Int32Array, r2o: Int32Array, shape: PlacementShape): void {
  const { epSize, groupSize, slots, perRank, ownPerRank, redundantPerRank, nLogical } = shape;
  const ownSlot = new Int32Array(nLogical).fill(-1);
  for (let rank = 0; rank < epSize; rank++) {
    for (let t = 0; t < ownPerRank; t++) {
      const physical = rank * perRank + t;
      const logical = phy2log[physical];
      if (ownSlot[logical] !== -1) {
        throw new InvalidArgumentError(
          "options.phy2log",
          `expected every logical expert in exactly one own slot (the first ${ownPerRank} slots of each rank), ` +
            `got logical expert ${logical} in both options.phy2log[${ownSlot[logical]}] and options.phy2log[${physical}]`,
        );
      }
      ownSlot[logical] = physical;
    }
  }
  // Own slots are epSize * ownPerRank = nLogical distinct ids, so every expert appears: no check needed.
  for (let rank = 0; rank < epSize; rank++) {
    const groupBase = rank - (rank % groupSize);
    const i = rank - groupBase;
    for (let t = 0; t < redundantPerRank; t++) {
      const d = t % slots;
      const source = groupBase + r2o[i * slots + d];
      const physical = rank * perRank + ownPerRank + t;
      const expected = phy2log[source * perRank + t];
      if (phy2log[physical] !== expected) {
        throw new InvalidArgumentError(
          "options.phy2log",
          `expected options.phy2log[${physical}] (rank ${rank}, redundant slot ${t}) to hold a copy of logical expert ` +
            `${expected} (own expert ${t} of rank ${source}, as r2o[${i}][${d}] = ${source - groupBase}), ` +
            `got ${phy2log[physical]}`,
        );
      }
    }
  }
}

function expectBatch(name: string, out: unknown, shape: LpShape, count: number): LplbBatch {
  if (typeof out !== "object" || out === null) invalid(name, "an LpBatch from this layout's fill()", out);
  const batch = out as LplbBatch;
  const s = batch.shape;
  if (typeof s !== "object" || s === null || s.nVars !== shape.nVars || s.mEq !== shape.mEq || s.mUb !== shape.mUb) {
    invalid(`${name}.shape`, `{ nVars: ${shape.nVars}, mEq: ${shape.mEq}, mUb: ${shape.mUb} }`, s);
  }
  if (batch.count !== count) invalid(`${name}.count`, `${count}`, batch.count);
  expectOutputArray(`${name}.c`, batch.c, count * shape.nVars);
  expectOutputArray(`${name}.aUb`, batch.aUb, count * shape.mUb * shape.nVars);
  expectOutputArray(`${name}.bUb`, batch.bUb, count * shape.mUb);
  expectOutputArray(`${name}.lower`, batch.lower, count * shape.nVars);
  expectOutputArray(`${name}.upper`, batch.upper, count * shape.nVars);
  return batch;
}

class CompactLayout implements LplbLayout {
  readonly groupSize: number;
  readonly slots: number;
  readonly nGroup: number;
  readonly perRank: number;
  readonly ownPerRank: number;
  readonly combined: number;
  readonly shape: LpShape;
  readonly zIndex: number;
  /** Scratch `[groupSize][D]` w and `[groupSize]` f of one group, reused by every fill. */
  readonly #w: Float64Array;
  readonly #f: Float64Array;
  readonly #r2o: Int32Array;
  readonly #phy2log: Int32Array;

  constructor(
    readonly topology: Topology,
    r2o: Int32Array,
    phy2log: Int32Array,
    readonly nLogicalExperts: number,
    readonly nRoutedExperts: number,
    readonly epSize: number,
    readonly redundantPerRank: number,
  ) {
    this.groupSize = topology.groupSize;
    this.slots = topology.slots;
    this.nGroup = epSize / this.groupSize;
    this.perRank = nRoutedExperts / epSize;
    this.ownPerRank = nLogicalExperts / epSize;
    this.combined = redundantPerRank / this.slots;
    this.zIndex = this.groupSize * this.slots;
    this.shape = Object.freeze({ nVars: this.zIndex + 1, mEq: 0, mUb: this.groupSize });
    this.#w = new Float64Array(this.groupSize * this.slots);
    this.#f = new Float64Array(this.groupSize);
    this.#r2o = r2o;
    this.#phy2log = phy2log;
  }

  variableIndex(rank: number, slot: number): number {
    expectInteger("rank", rank, 0, this.groupSize - 1);
    expectInteger("slot", slot, 0, this.slots - 1);
    return rank * this.slots + slot;
  }

  /**
   * Writes w and f of group `group` into `w`/`f` at `offset` (in ranks), loads divided by
   * `divisor` (1 for raw loads).
   */
  #groupLoads(
    workload: ArrayLike<number>,
    divisor: number,
    group: number,
    w: Float64Array,
    f: Float64Array,
    offset: number,
  ): void {
    const { groupSize, slots, perRank, ownPerRank, redundantPerRank } = this;
    const phy2log = this.#phy2log;
    for (let i = 0; i < groupSize; i++) {
      const base = (group * groupSize + i) * perRank;
      const wRow = (offset + i) * slots;
      for (let d = 0; d < slots; d++) w[wRow + d] = 0;
      for (let t = 0; t < redundantPerRank; t++) w[wRow + (t % slots)] += workload[phy2log[base + t]] / divisor;
      let rest = 0;
      for (let t = redundantPerRank; t < ownPerRank; t++) rest += workload[phy2log[base + t]] / divisor;
      f[offset + i] = rest;
    }
  }

  fill(workload: ArrayLike<number>, out?: LpBatch): LplbBatch {
    expectWorkload(workload, this.nLogicalExperts);
    const { shape, nGroup, groupSize, slots, zIndex } = this;
    const n = shape.nVars;
    const batch: LplbBatch =
      out === undefined
        ? {
            shape,
            count: nGroup,
            c: new Float64Array(nGroup * n),
            aUb: new Float64Array(nGroup * groupSize * n),
            bUb: new Float64Array(nGroup * groupSize),
            lower: new Float64Array(nGroup * n),
            upper: new Float64Array(nGroup * n),
          }
        : expectBatch("out", out, shape, nGroup);
    const max = maxLoad(workload);
    const divisor = max > 0 ? max : 1;
    const w = this.#w;
    const f = this.#f;
    const r2o = this.#r2o;
    const { c, aUb, bUb, lower, upper } = batch;
    for (let g = 0; g < nGroup; g++) {
      this.#groupLoads(workload, divisor, g, w, f, 0);
      const lp = g * n;
      c.fill(0, lp, lp + zIndex);
      c[lp + zIndex] = 1;
      lower.fill(0, lp, lp + n);
      upper.fill(1, lp, lp + zIndex);
      upper[lp + zIndex] = Number.POSITIVE_INFINITY;
      for (let i = 0; i < groupSize; i++) {
        const row = (g * groupSize + i) * n;
        aUb.fill(0, row, row + n);
        let rhs = -f[i];
        for (let d = 0; d < slots; d++) {
          const s = r2o[i * slots + d];
          aUb[row + i * slots + d] += w[i * slots + d];
          aUb[row + s * slots + d] -= w[s * slots + d];
          rhs -= w[s * slots + d];
        }
        aUb[row + zIndex] = -1;
        bUb[g * groupSize + i] = rhs;
      }
    }
    return batch;
  }

  weights(workload: ArrayLike<number>): LplbWeights {
    expectWorkload(workload, this.nLogicalExperts);
    const max = maxLoad(workload);
    const w = new Float64Array(this.epSize * this.slots);
    const f = new Float64Array(this.epSize);
    for (let g = 0; g < this.nGroup; g++) this.#groupLoads(workload, max > 0 ? max : 1, g, w, f, g * this.groupSize);
    return { w, f, maxLoad: max };
  }

  probsFromSolution(solution: LpBatchSolution, out?: Float64Array): Float64Array {
    const { shape, nGroup, zIndex } = this;
    if (typeof solution !== "object" || solution === null) invalid("solution", "an LpBatchSolution", solution);
    const s = solution.shape;
    if (typeof s !== "object" || s === null || s.nVars !== shape.nVars || s.mEq !== shape.mEq || s.mUb !== shape.mUb) {
      invalid("solution.shape", `{ nVars: ${shape.nVars}, mEq: ${shape.mEq}, mUb: ${shape.mUb} }`, s);
    }
    if (solution.count !== nGroup) invalid("solution.count", `${nGroup} (one LP per group)`, solution.count);
    if (!(solution.statusCodes instanceof Int32Array) || solution.statusCodes.length !== nGroup) {
      invalid("solution.statusCodes", `an Int32Array of length ${nGroup}`, solution.statusCodes);
    }
    if (!(solution.x instanceof Float64Array) || solution.x.length !== nGroup * shape.nVars) {
      invalid("solution.x", `a Float64Array of length ${nGroup * shape.nVars}`, solution.x);
    }
    const probs = outputVector("out", out, nGroup * zIndex);
    const optimal = LP_STATUSES.indexOf("optimal");
    for (let g = 0; g < nGroup; g++) {
      const x = g * shape.nVars;
      let usable = solution.statusCodes[g] === optimal;
      for (let k = 0; usable && k < zIndex; k++) usable = Number.isFinite(solution.x[x + k]);
      for (let k = 0; k < zIndex; k++) {
        probs[g * zIndex + k] = usable ? Math.min(1, Math.max(0, solution.x[x + k])) : 0.5;
      }
    }
    return probs;
  }

  rankLoads(workload: ArrayLike<number>, probs: ArrayLike<number>, out?: Float64Array): Float64Array {
    expectWorkload(workload, this.nLogicalExperts);
    const { epSize, groupSize, slots, nGroup } = this;
    expectFractions("probs", probs, epSize * slots);
    const loads = outputVector("out", out, epSize);
    const w = this.#w;
    const f = this.#f;
    const r2o = this.#r2o;
    for (let g = 0; g < nGroup; g++) {
      this.#groupLoads(workload, 1, g, w, f, 0);
      const p = g * groupSize * slots;
      for (let i = 0; i < groupSize; i++) {
        let load = f[i];
        for (let d = 0; d < slots; d++) {
          const s = r2o[i * slots + d];
          load += w[i * slots + d] * probs[p + i * slots + d];
          load += w[s * slots + d] * (1 - probs[p + s * slots + d]);
        }
        loads[g * groupSize + i] = load;
      }
    }
    return loads;
  }

  balance(workload: ArrayLike<number>, probs: ArrayLike<number>): number {
    return balanceOf(this.rankLoads(workload, probs));
  }
}

/**
 * Max over mean of per-rank loads (1 is perfect balance); 1 when every load is zero.
 *
 * @param loads per-rank loads, a non-empty array or typed array of finite numbers >= 0 (borrowed).
 * @throws InvalidArgumentError for an empty array or a negative or non-finite load.
 */
export function balanceOf(loads: ArrayLike<number>): number {
  expectFiniteArray("loads", loads, { min: 0 });
  if (loads.length === 0) invalid("loads", "a non-empty array of loads", loads);
  let max = 0;
  let sum = 0;
  for (let k = 0; k < loads.length; k++) {
    sum += loads[k];
    if (loads[k] > max) max = loads[k];
  }
  return sum > 0 ? (max * loads.length) / sum : 1;
}

/**
 * The LPLB min-max LP of a redundancy group through the native solver specialised to it.
 */
import {
  CudaUnavailableError,
  describe,
  expectInteger,
  expectOneOf,
  InvalidArgumentError,
  invalid,
} from "@lplb/errors";
import { LP_STATUSES, type LpStatus } from "@lplb/lp";
import { type NativeMinMaxWorkspace, nativeBinding } from "./binding.js";
import { capabilities } from "./capabilities.js";
import { callNative } from "./native-errors.js";
import { type IpmOptions, type ResolvedIpmOptions, resolveOptions } from "./options.js";

/** Largest accepted `nRanks`. */
export const MINMAX_MAX_RANKS = 1024;
/** Largest accepted `nRanks * nSlots`. */
export const MINMAX_MAX_EDGES = 16384;

/**
 * The structure of a redundancy group: `nRanks` ranks with `nSlots` redundant slots each; slot
 * `d` of rank `i` has its copy on rank `replicaRank[i * nSlots + d]` (the topology's `o2r`).
 */
export interface MinMaxGroup {
  readonly nRanks: number;
  readonly nSlots: number;
  /** Flat `[nRanks][nSlots]`, integers in `[0, nRanks)` (copied). */
  readonly replicaRank: ArrayLike<number>;
}

/**
 * How a group is solved, on the CPU and in the CUDA kernel alike:
 * - `"flow"` (default): exact augmenting paths. The optimum is the largest density of a set of
 *   ranks (their fixed loads plus the loads of slots with both ends inside, per rank); the
 *   method raises a level through such densities and moves load along paths of slots until no
 *   rank is above it. Degenerate optima are no harder than others.
 * - `"ipm"`: a Mehrotra interior-point method specialised to the LP's structure.
 *
 * Either way a group the method leaves uncertified falls back to the other solvers (the IPM
 * iterations, then the general solver), and every answer is certified the same way. `"flow"`
 * works in float64 whatever `precision` says (which then only sets the default tolerance), its
 * rounds are limited by the group's size rather than `maxIterations`, and it settles
 * groups down to tolerances of about 1e-12 (below that it may leave them to the fallbacks).
 */
export type MinMaxMethod = "flow" | "ipm";

const MINMAX_METHODS: readonly MinMaxMethod[] = ["flow", "ipm"];

/**
 * Options of {@link createMinMaxSolver}: precision, tolerance, iteration limit, backend and
 * method. With `backend: "cuda"` the groups are solved by one kernel launch on the GPU (groups of
 * up to 32 ranks and 128 slots in all) and any group it leaves without a certified answer is
 * solved again on the CPU by `method`.
 */
export interface MinMaxOptions extends IpmOptions {
  /** `"flow"` (default) or `"ipm"`: see {@link MinMaxMethod}. */
  readonly method?: MinMaxMethod;
}

/** {@link MinMaxOptions} with every default filled in. */
export interface ResolvedMinMaxOptions extends ResolvedIpmOptions {
  readonly method: MinMaxMethod;
}

function resolveMinMaxOptions(options: unknown): ResolvedMinMaxOptions {
  const resolved = resolveOptions(options, "options", ["method"]);
  const method = (options as { method?: unknown } | undefined)?.method;
  return { ...resolved, method: method === undefined ? "flow" : expectOneOf("options.method", method, MINMAX_METHODS) };
}

/**
 * Results of one {@link MinMaxSolver.solve} call for `count` groups. Arrays are views into the
 * solver's buffers, overwritten by the next call.
 */
export interface MinMaxSolution {
  readonly count: number;
  /** Per group: "optimal", "iteration_limit" or "numerical_error". */
  readonly status: readonly LpStatus[];
  /** Native status codes, index into `LP_STATUSES` of `@lplb/lp`. */
  readonly statusCodes: Int32Array;
  /**
   * `[count][nRanks][nSlots]`: the fraction of each slot's load its original rank keeps, in
   * [0, 1]. A slot with no load gets 0.5. Not optimal groups still get a valid split (the best
   * one found).
   */
  readonly keep: Float64Array;
  /** Largest rank load of `keep`, evaluated in float64 on the caller's loads. */
  readonly maxLoad: Float64Array;
  /**
   * A proven lower bound on the optimum: a Lagrangian bound from the solver's multipliers (for
   * `"flow"`, the density of the set of ranks it found).
   */
  readonly lowerBound: Float64Array;
  /** `(maxLoad - lowerBound) / maxLoad`, 0 when `maxLoad` is 0; at most the tolerance when optimal. */
  readonly gap: Float64Array;
  /**
   * Work per group: rounds of moving load (`"flow"`: push-relabel rounds for groups of up to 64
   * ranks on the CPU and on the GPU, search phases for larger ones; a level rise counts as one) or
   * iterations (`"ipm"`), plus the iterations of any fallback.
   */
  readonly iterations: Int32Array;
}

/**
 * A reusable solver for the min-max LP of one group structure:
 *
 * ```text
 * load[r] = fixedLoad[r] + sum_d slotLoad[r][d] keep[r][d]
 *         + sum over (i, d) with replicaRank[i][d] = r of slotLoad[i][d] (1 - keep[i][d])
 * minimise max_r load[r]  over  0 <= keep <= 1
 * ```
 *
 * It is the LP that `createLplbLayout` of `@lplb/lp` writes in general form, solved by a method
 * specialised to its structure (see {@link MinMaxMethod}), with a certified answer: the status
 * is "optimal" only when `maxLoad - lowerBound <= tolerance * maxLoad`.
 */
export interface MinMaxSolver extends Disposable {
  readonly group: { readonly nRanks: number; readonly nSlots: number; readonly replicaRank: Int32Array };
  readonly options: ResolvedMinMaxOptions;
  readonly disposed: boolean;
  /**
   * Solves `count` groups: `fixedLoad` is `[count][nRanks]`, `slotLoad` `[count][nRanks][nSlots]`,
   * finite and >= 0 (borrowed for the duration of the call).
   *
   * @throws InvalidArgumentError for arrays of the wrong kind or length, or bad loads.
   */
  solve(fixedLoad: Float64Array, slotLoad: Float64Array): MinMaxSolution;
  dispose(): void;
}

function expectGroup(group: unknown): { nRanks: number; nSlots: number; replicaRank: Int32Array } {
  if (typeof group !== "object" || group === null) invalid("group", "a { nRanks, nSlots, replicaRank } object", group);
  const { nRanks, nSlots, replicaRank } = group as Partial<MinMaxGroup>;
  expectInteger("group.nRanks", nRanks, 1, MINMAX_MAX_RANKS);
  expectInteger("group.nSlots", nSlots, 1, MINMAX_MAX_EDGES);
  const edges = (nRanks as number) * (nSlots as number);
  if (edges > MINMAX_MAX_EDGES) {
    invalid("group.nSlots", `an integer with nRanks * nSlots <= ${MINMAX_MAX_EDGES} (nRanks is ${nRanks})`, nSlots);
  }
  if (
    replicaRank === null ||
    typeof replicaRank !== "object" ||
    typeof (replicaRank as ArrayLike<number>).length !== "number" ||
    replicaRank.length !== edges
  ) {
    invalid("group.replicaRank", `an array of ${edges} ranks (nRanks * nSlots)`, replicaRank);
  }
  const copy = new Int32Array(edges);
  for (let k = 0; k < edges; k++) {
    const rank = (replicaRank as ArrayLike<number>)[k];
    if (!Number.isInteger(rank) || rank < 0 || rank >= (nRanks as number)) {
      invalid(`group.replicaRank[${k}]`, `a rank in [0, ${(nRanks as number) - 1}]`, rank);
    }
    copy[k] = rank;
  }
  return { nRanks: nRanks as number, nSlots: nSlots as number, replicaRank: copy };
}

function expectLoads(name: string, value: unknown, per: number): number {
  if (!(value instanceof Float64Array)) invalid(name, "a Float64Array", value);
  if (value.length === 0 || value.length % per !== 0) {
    invalid(name, `a Float64Array whose length is a positive multiple of ${per}`, value);
  }
  // One pass: NaN and negative values fail `v >= 0`, Infinity fails the finite check.
  for (let k = 0; k < value.length; k++) {
    const v = value[k];
    if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) invalid(`${name}[${k}]`, "a finite number >= 0", v);
  }
  return value.length / per;
}

class NativeMinMaxSolver implements MinMaxSolver {
  readonly group: { readonly nRanks: number; readonly nSlots: number; readonly replicaRank: Int32Array };
  readonly options: ResolvedMinMaxOptions;
  private workspace: NativeMinMaxWorkspace | undefined;
  private capacity = 0;
  private statusCodes = new Int32Array(0);
  private keep = new Float64Array(0);
  private maxLoad = new Float64Array(0);
  private lowerBound = new Float64Array(0);
  private gap = new Float64Array(0);
  private iterations = new Int32Array(0);

  constructor(group: unknown, options: unknown) {
    this.group = expectGroup(group);
    this.options = resolveMinMaxOptions(options);
    if (this.options.backend === "cuda") {
      const cuda = capabilities().cuda;
      if (!cuda.usable) {
        throw new CudaUnavailableError(`backend "cuda" is not available: ${cuda.reason}; use backend "cpu"`);
      }
    }
    const { binding } = nativeBinding();
    this.workspace = callNative(() => new binding.MinMaxWorkspace({ ...this.group, ...this.options }));
  }

  get disposed(): boolean {
    return this.workspace === undefined;
  }

  private ensureCapacity(count: number): void {
    if (count <= this.capacity) return;
    const capacity = Math.max(count, 2 * this.capacity, 4);
    const edges = this.group.nRanks * this.group.nSlots;
    this.statusCodes = new Int32Array(capacity);
    this.keep = new Float64Array(capacity * edges);
    this.maxLoad = new Float64Array(capacity);
    this.lowerBound = new Float64Array(capacity);
    this.gap = new Float64Array(capacity);
    this.iterations = new Int32Array(capacity);
    this.capacity = capacity;
  }

  solve(fixedLoad: Float64Array, slotLoad: Float64Array): MinMaxSolution {
    const workspace = this.workspace;
    if (workspace === undefined) {
      throw new InvalidArgumentError("solver", "expected a live solver, got one that was disposed");
    }
    const { nRanks, nSlots } = this.group;
    const count = expectLoads("fixedLoad", fixedLoad, nRanks);
    const slotCount = expectLoads("slotLoad", slotLoad, nRanks * nSlots);
    if (slotCount !== count) {
      throw new InvalidArgumentError(
        "slotLoad",
        `expected ${count * nRanks * nSlots} values for slotLoad (${count} groups, as in fixedLoad), got ${describe(slotLoad)}`,
      );
    }
    this.ensureCapacity(count);
    const edges = nRanks * nSlots;
    const statusCodes = this.statusCodes.subarray(0, count);
    const keep = this.keep.subarray(0, count * edges);
    const maxLoad = this.maxLoad.subarray(0, count);
    const lowerBound = this.lowerBound.subarray(0, count);
    const gap = this.gap.subarray(0, count);
    const iterations = this.iterations.subarray(0, count);
    callNative(() =>
      workspace.solveBatch(count, fixedLoad, slotLoad, statusCodes, keep, maxLoad, lowerBound, gap, iterations),
    );
    const status = Array.from(statusCodes, (code) => LP_STATUSES[code] ?? "numerical_error");
    return { count, status, statusCodes, keep, maxLoad, lowerBound, gap, iterations };
  }

  dispose(): void {
    this.workspace?.dispose();
    this.workspace = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Creates a {@link MinMaxSolver} for one group structure.
 *
 * @param group sizes and the rank of each slot's copy (validated, copied).
 * @param options precision (default float64), tolerance on the certified relative gap (default
 *   1e-9 in float64, 1e-6 in float32), iteration limit (default 100), backend (default cpu) and
 *   method (default flow).
 * @throws InvalidArgumentError for a malformed group or options (or a group too large for the
 *   CUDA kernel); CudaUnavailableError for backend "cuda" without a usable device;
 *   NativeBindingError when the addon cannot be loaded.
 *
 * @example
 * ```ts
 * import { createMinMaxSolver } from "@lplb/ipm";
 * // Two ranks, one slot each; each slot's copy is on the other rank.
 * using solver = createMinMaxSolver({ nRanks: 2, nSlots: 1, replicaRank: [1, 0] });
 * const { keep, maxLoad } = solver.solve(Float64Array.of(10, 0), Float64Array.of(6, 0));
 * // rank 0 carries 10 + 6 keep, rank 1 carries 6 (1 - keep): keep = 0, max load 10.
 * ```
 */
export function createMinMaxSolver(group: MinMaxGroup, options?: MinMaxOptions): MinMaxSolver {
  return new NativeMinMaxSolver(group, options);
}

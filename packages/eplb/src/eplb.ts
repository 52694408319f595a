/**
 * EPLB, DeepSeek's greedy Expert Parallelism Load Balancer: from estimated per-expert loads, decide
 * how many copies each logical expert gets and which GPU slot holds each copy.
 *
 * Arithmetic follows the reference exactly: loads are rounded to float32 (the reference's
 * `weight.float()`), and group sums, pack sums and `load / copies` are float32 operations. Ties go
 * to the lowest index everywhere (sorting by load is stable).
 */
import { expectInteger, expectOptions, InvalidArgumentError, invalid } from "@lplb/errors";
import { expectArrayLike, MAX_SLOTS, readLoadMatrix, readLoadRow } from "./input.js";
import {
  BalancedPackingScratch,
  packBalanced,
  ReplicateScratch,
  replicateSorted,
  SortScratch,
  sortDescending,
} from "./kernels.js";
import { Planner, type PlanShape } from "./planner.js";

/** Result of {@link balancedPacking}. */
export interface PackingResult {
  /** Pack of each item, in `[0, numPacks)`. */
  packIndex: Int32Array;
  /** Position of each item within its pack, in `[0, items / numPacks)` (order of arrival). */
  rankInPack: Int32Array;
}

/** Result of {@link replicateExperts} and {@link rebalanceExpertsHierarchical} for one layer. */
export interface ReplicationResult {
  /** Logical expert held by each physical slot. */
  phy2log: Int32Array;
  /** Replica rank of each physical slot: 0 for an expert's original copy, 1 for its first extra copy, ... */
  phyRank: Int32Array;
  /** Number of copies of each logical expert (at least 1). */
  logcnt: Int32Array;
}

/** Options of {@link rebalanceExperts}. */
export interface RebalanceOptions {
  /** Physical expert slots in total, at least the number of logical experts and a multiple of `numGpus`. Required. */
  numReplicas: number;
  /** Expert groups of the model's group-limited routing; must divide the number of experts. Default 1. */
  numGroups?: number;
  /** Server nodes (fast intra-node links); must divide `numGpus`. Default 1. */
  numNodes?: number;
  /** GPUs (expert-parallel ranks) in total. Required. */
  numGpus: number;
}

/**
 * Result of {@link rebalanceExperts}. Every array is freshly allocated and owned by the caller; the
 * per-layer rows are views into one buffer per field.
 */
export interface RebalanceResult {
  /**
   * `phy2log[layer][slot]`: the logical expert in each of the `numReplicas` physical slots. Slot `s`
   * is on GPU `floor(s / (numReplicas / numGpus))`.
   */
  readonly phy2log: Int32Array[];
  /**
   * `log2phy[layer][expert]`: the physical slots of the expert by replica rank (rank 0, the
   * original, first), padded with -1 to {@link maxLogCount}. A view of {@link log2phyTable}.
   *
   * The rows (one small typed array per layer and expert, about 15,000 for DeepSeek-V3) are created
   * on first access, which adds about a third to the plan's time; read `log2phyTable` where speed
   * matters. The property is an own enumerable accessor, so spreading, `structuredClone` and
   * `JSON.stringify` see it.
   */
  readonly log2phy: Int32Array[][];
  /**
   * The same as {@link log2phy} in one row-major buffer: the slot of replica rank `r` of `expert`
   * in `layer` is at `(layer * numExperts + expert) * maxLogCount + r`, or -1.
   */
  readonly log2phyTable: Int32Array;
  /** Largest copy count of any expert over all layers: the row width of `log2phy`. */
  readonly maxLogCount: number;
  /** `logcnt[layer][expert]`: number of copies of each logical expert (at least 1). */
  readonly logcnt: Int32Array[];
  /** Which policy ran: `"hierarchical"` when `numGroups % numNodes === 0`, else `"global"`. */
  readonly policy: "hierarchical" | "global";
}

/** Validates one row of loads and returns it rounded to float32 (see `readLoadRow`). */
function copyLoads(name: string, weight: unknown): Float32Array {
  const row = expectArrayLike(name, weight, "a non-empty array or typed array of loads");
  if (row.length > MAX_SLOTS) invalid(name, `at most ${MAX_SLOTS} loads`, row);
  const loads = new Float32Array(row.length);
  readLoadRow(name, row, undefined, loads);
  return loads;
}

/**
 * Packs `weight.length` weighted items into `numPacks` packs of exactly `weight.length / numPacks`
 * items each, balancing the pack sums greedily: items are visited by weight descending (equal
 * weights by lowest index) and each goes to the lightest pack that is not yet full (ties to the
 * lowest pack index). With one item per pack, item `i` goes to pack `i`.
 *
 * Weights are rounded to float32 and the pack sums are float32, as in the reference.
 *
 * @param weight - one row of non-negative finite weights; borrowed, never modified or kept.
 * @param numPacks - number of packs, a divisor of `weight.length`.
 * @returns fresh arrays `packIndex` and `rankInPack`, one entry per item.
 * @throws InvalidArgumentError for an empty, non-numeric, negative or non-finite `weight`, or a
 * `numPacks` that does not divide `weight.length`.
 */
export function balancedPacking(weight: ArrayLike<number>, numPacks: number): PackingResult {
  const values = copyLoads("weight", weight);
  const n = values.length;
  expectInteger("numPacks", numPacks, 1, n);
  if (n % numPacks !== 0) invalid("numPacks", `a divisor of weight.length (${n})`, numPacks);
  const position = new Int32Array(n);
  packBalanced(values, new Int32Array(values.buffer), n, numPacks, position, new BalancedPackingScratch(n, numPacks));
  const perPack = n / numPacks;
  const packIndex = new Int32Array(n);
  const rankInPack = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    packIndex[i] = Math.floor(position[i] / perPack);
    rankInPack[i] = position[i] - packIndex[i] * perPack;
  }
  return { packIndex, rankInPack };
}

/**
 * Replicates `weight.length` logical experts into `numPhysical` physical experts so that the largest
 * `load / copies` is as small as possible: every expert starts with one copy, then each extra copy
 * goes to the expert with the largest `load / copies` (ties to the lowest index). Physical slot `i <
 * weight.length` holds expert `i`'s original; extra copies follow in the order they were added.
 *
 * Loads are rounded to float32 and `load / copies` is a float32 division, as in the reference.
 *
 * @param weight - one row of non-negative finite loads; borrowed, never modified or kept.
 * @param numPhysical - physical expert count, at least `weight.length`.
 * @returns fresh arrays `phy2log` and `phyRank` (length `numPhysical`) and `logcnt` (length `weight.length`).
 * @throws InvalidArgumentError for bad loads or `numPhysical < weight.length`.
 */
export function replicateExperts(weight: ArrayLike<number>, numPhysical: number): ReplicationResult {
  const load = copyLoads("weight", weight);
  const n = load.length;
  expectInteger("numPhysical", numPhysical, n, MAX_SLOTS);
  const phy2log = new Int32Array(numPhysical);
  const phyRank = new Int32Array(numPhysical);
  const logcnt = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) phy2log[i] = i;
  const extras = numPhysical - n;
  if (extras === 0) return { phy2log, phyRank, logcnt };
  const order = new Int32Array(n);
  sortDescending(load, new Int32Array(load.buffer), n, n, order, new SortScratch(n));
  const scratch = new ReplicateScratch(n, extras);
  const replicated = replicateSorted(load, order, 0, n, extras, scratch);
  for (let t = 0; t < extras; t++) {
    phy2log[n + t] = order[scratch.extraPlace[t]];
    phyRank[n + t] = scratch.extraRank[t];
  }
  for (let q = 0; q < replicated; q++) logcnt[order[q]] = scratch.copies[q];
  return { phy2log, phyRank, logcnt };
}

/** Largest plan (layers x physical slots) whose planner is kept for the next call: about 30 bytes each. */
const MAX_KEPT_PLANNER_SLOTS = 2 ** 18;

/**
 * The planner of the latest call, kept for the next call of the same shape, which then allocates no
 * scratch buffers (a few hundred kilobytes for DeepSeek-V3). Planning runs no user code (all
 * arguments are read before), so two calls never use it at once.
 */
let keptPlanner: Planner | undefined;

/** A planner for `shape` and `numLayers`: the kept one if it fits. */
function plannerFor(shape: PlanShape, numLayers: number): Planner {
  if (keptPlanner?.fits(shape, numLayers)) return keptPlanner;
  const planner = new Planner(shape, numLayers);
  if (numLayers * shape.numPhysical <= MAX_KEPT_PLANNER_SLOTS) keptPlanner = planner;
  return planner;
}

/** Validates the counts of a plan and returns its shape (throws with the caller's argument names). */
function readShape(
  numExperts: number,
  numPhysical: unknown,
  numGroups: unknown,
  numNodes: unknown,
  numGpus: unknown,
  names: { numPhysical: string; numGroups: string; numNodes: string; numGpus: string },
): PlanShape {
  const physical = expectInteger(names.numPhysical, numPhysical, numExperts, MAX_SLOTS);
  const gpus = expectInteger(names.numGpus, numGpus, 1, physical);
  if (physical % gpus !== 0) invalid(names.numPhysical, `a multiple of ${names.numGpus} (${gpus})`, physical);
  const nodes = expectInteger(names.numNodes, numNodes, 1, gpus);
  if (gpus % nodes !== 0) invalid(names.numGpus, `a multiple of ${names.numNodes} (${nodes})`, gpus);
  const groups = expectInteger(names.numGroups, numGroups, 1, numExperts);
  if (numExperts % groups !== 0) invalid(names.numGroups, `a divisor of the number of experts (${numExperts})`, groups);
  return { numExperts, numPhysical: physical, numGroups: groups, numNodes: nodes, numGpus: gpus };
}

/**
 * The hierarchical EPLB policy for one layer:
 * 1. expert groups (consecutive blocks of `weight.length / numGroups` experts) are packed onto
 *    nodes by their float32 load sums with {@link balancedPacking} (`numGroups / numNodes` groups per
 *    node), and experts are renumbered node by node;
 * 2. each node's experts are replicated onto `numPhysical / numNodes` slots with {@link replicateExperts};
 * 3. each node's physical experts, weighing `load / copies`, are packed onto the node's GPUs with
 *    {@link balancedPacking}; a copy's slot on its GPU is its rank in the pack.
 *
 * Physical slot `s` lies on GPU `floor(s / (numPhysical / numGpus))`, and GPU `g` on node
 * `floor(g / (numGpus / numNodes))`.
 *
 * @param weight - one row of non-negative finite loads, one per logical expert; borrowed.
 * @param numPhysical - physical slots, at least `weight.length` and a multiple of `numGpus`.
 * @param numGroups - expert groups, a divisor of `weight.length` and a multiple of `numNodes`.
 * @param numNodes - nodes, a divisor of `numGpus`.
 * @param numGpus - GPUs in total.
 * @returns fresh `phy2log` and `phyRank` (length `numPhysical`) and `logcnt` (length `weight.length`).
 * @throws InvalidArgumentError for bad loads or counts that do not divide as stated.
 */
export function rebalanceExpertsHierarchical(
  weight: ArrayLike<number>,
  numPhysical: number,
  numGroups: number,
  numNodes: number,
  numGpus: number,
): ReplicationResult {
  const loads = copyLoads("weight", weight);
  const numExperts = loads.length;
  const shape = readShape(numExperts, numPhysical, numGroups, numNodes, numGpus, {
    numPhysical: "numPhysical",
    numGroups: "numGroups",
    numNodes: "numNodes",
    numGpus: "numGpus",
  });
  if (shape.numGroups % shape.numNodes !== 0) {
    invalid("numGroups", `a multiple of numNodes (${shape.numNodes})`, shape.numGroups);
  }
  const phy2log = new Int32Array(shape.numPhysical);
  const logcnt = new Int32Array(numExperts).fill(1);
  const planner = plannerFor(shape, 1);
  const width = planner.replicate(loads, logcnt);
  const log2phy = new Int32Array(numExperts * width);
  planner.place(phy2log, log2phy, width);
  // The replica rank of a slot is its place in its expert's log2phy row.
  const phyRank = new Int32Array(shape.numPhysical);
  for (let e = 0; e < numExperts; e++) {
    for (let rank = 0; rank < logcnt[e]; rank++) phyRank[log2phy[e * width + rank]] = rank;
  }
  return { phy2log, phyRank, logcnt };
}

/**
 * Plans expert placement for every layer with EPLB. When `numGroups % numNodes === 0` the
 * hierarchical policy runs (see {@link rebalanceExpertsHierarchical}); otherwise the global policy,
 * which is the same procedure with one group and one node (GPUs are still `numGpus`).
 *
 * The result equals the reference implementation's (DeepSeek's `rebalance_experts`) bit for bit in
 * `phy2log` and `logcnt`, given the same float32 group sums (see the docs on group sums).
 *
 * @param weight - `weight[layer][expert]`, non-negative finite loads, every row of the same
 *   non-zero length; borrowed, never modified or kept.
 * @param options - see {@link RebalanceOptions}; `numGroups` and `numNodes` default to 1.
 * @returns fresh arrays, see {@link RebalanceResult}.
 * @throws InvalidArgumentError for an empty or ragged `weight`, a negative or non-finite load, a
 *   non-integer count, `numReplicas` below the expert count or not a multiple of `numGpus`, `numGpus`
 *   not a multiple of `numNodes`, or a `numGroups` that does not divide the expert count.
 */
export function rebalanceExperts(weight: readonly ArrayLike<number>[], options: RebalanceOptions): RebalanceResult {
  const opts = expectOptions("options", options);
  const { width: numExperts, loads } = readLoadMatrix("weight", weight, true);
  const shape = readShape(numExperts, opts.numReplicas, opts.numGroups ?? 1, opts.numNodes ?? 1, opts.numGpus, {
    numPhysical: "options.numReplicas",
    numGroups: "options.numGroups",
    numNodes: "options.numNodes",
    numGpus: "options.numGpus",
  });
  const hierarchical = shape.numGroups % shape.numNodes === 0;
  const numLayers = weight.length;
  const numReplicas = shape.numPhysical;
  if (numLayers * numReplicas > MAX_SLOTS) {
    invalid(
      "options.numReplicas",
      `at most ${Math.floor(MAX_SLOTS / numLayers)} slots per layer for ${numLayers} layers`,
      numReplicas,
    );
  }
  const planner = plannerFor(hierarchical ? shape : { ...shape, numGroups: 1, numNodes: 1 }, numLayers);
  const logcntAll = new Int32Array(numLayers * numExperts).fill(1);
  const maxLogCount = planner.replicate(loads!, logcntAll);
  if (numLayers * numExperts * maxLogCount > MAX_SLOTS) {
    throw new InvalidArgumentError(
      "weight",
      `expected a plan whose padded log2phy (${numLayers} x ${numExperts} x ${maxLogCount}) has at most ${MAX_SLOTS} entries for weight; ` +
        "fewer layers per call or fewer replicas keep it smaller",
    );
  }
  const phy2logAll = new Int32Array(numLayers * numReplicas);
  const log2phyTable = new Int32Array(numLayers * numExperts * maxLogCount);
  planner.place(phy2logAll, log2phyTable, maxLogCount);
  const phy2log: Int32Array[] = new Array(numLayers);
  const logcnt: Int32Array[] = new Array(numLayers);
  // The (buffer, offset, length) constructor is cheaper than subarray.
  const phy2logBuffer = phy2logAll.buffer;
  const logcntBuffer = logcntAll.buffer;
  for (let layer = 0; layer < numLayers; layer++) {
    phy2log[layer] = new Int32Array(phy2logBuffer, layer * numReplicas * 4, numReplicas);
    logcnt[layer] = new Int32Array(logcntBuffer, layer * numExperts * 4, numExperts);
  }

  const result = {
    phy2log,
    log2phyTable,
    maxLogCount,
    logcnt,
    policy: hierarchical ? "hierarchical" : "global",
  } as Omit<RebalanceResult, "log2phy">;
  return Object.defineProperty(result, "log2phy", {
    enumerable: true,
    configurable: true,
    get: readLog2phyRows,
  }) as RebalanceResult;
}

/**
 * The getter of `log2phy`: builds the rows from the plan's `log2phyTable` and stores them as a plain
 * value for later reads. It is one function for all plans, reading the plan from `this`: V8 keeps an
 * accessor in the object's hidden class, so a closure per plan would give each plan its own hidden
 * class, which holds the plan and its rows until a full garbage collection (every minor collection
 * then copies about 15,000 rows per plan made since the last full one).
 */
function readLog2phyRows(this: RebalanceResult): Int32Array[][] {
  const rows = log2phyRows(this.log2phyTable, this.phy2log.length, this.logcnt[0].length, this.maxLogCount);
  Object.defineProperty(this, "log2phy", { value: rows, enumerable: true, writable: false, configurable: false });
  return rows;
}

/** Views of `table` as `rows[layer][expert]`, each `width` wide. */
function log2phyRows(table: Int32Array, numLayers: number, numExperts: number, width: number): Int32Array[][] {
  // The (buffer, offset, length) constructor is cheaper than subarray for many small views, and
  // reading `table.buffer` once instead of per row halves the cost.
  const buffer = table.buffer;
  const rowBytes = width * Int32Array.BYTES_PER_ELEMENT;
  const rows: Int32Array[][] = new Array(numLayers);
  let byteOffset = table.byteOffset;
  for (let layer = 0; layer < numLayers; layer++) {
    const layerRows: Int32Array[] = new Array(numExperts);
    for (let e = 0; e < numExperts; e++) {
      layerRows[e] = new Int32Array(buffer, byteOffset, width);
      byteOffset += rowBytes;
    }
    rows[layer] = layerRows;
  }
  return rows;
}

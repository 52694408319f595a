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
import { PackScratch, packBalanced, ReplicateScratch, replicate, SortScratch } from "./kernels.js";
import { LayerPlanner, type PlanShape } from "./layer-planner.js";

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
   * on first access, which costs about as much as the whole plan; read `log2phyTable` where speed
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
  packBalanced(
    values,
    new Uint32Array(values.buffer),
    n,
    numPacks,
    position,
    new Int32Array(n),
    new SortScratch(n, 1),
    new PackScratch(numPacks),
  );
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
  const logcnt = new Int32Array(n);
  replicate(load, n, numPhysical, phy2log, phyRank, logcnt, new ReplicateScratch(n));
  return { phy2log, phyRank, logcnt };
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
  const phyRank = new Int32Array(shape.numPhysical);
  const logcnt = new Int32Array(numExperts);
  new LayerPlanner(shape).plan(loads, 0, phy2log, phyRank, 0, logcnt, 0);
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
  const planner = new LayerPlanner(hierarchical ? shape : { ...shape, numGroups: 1, numNodes: 1 });

  const numLayers = weight.length;
  const numReplicas = shape.numPhysical;
  if (numLayers * numReplicas > MAX_SLOTS) {
    invalid(
      "options.numReplicas",
      `at most ${Math.floor(MAX_SLOTS / numLayers)} slots per layer for ${numLayers} layers`,
      numReplicas,
    );
  }
  const phy2logAll = new Int32Array(numLayers * numReplicas);
  const phyRankAll = new Int32Array(numLayers * numReplicas);
  const logcntAll = new Int32Array(numLayers * numExperts);
  const phy2log: Int32Array[] = new Array(numLayers);
  const logcnt: Int32Array[] = new Array(numLayers);
  for (let layer = 0; layer < numLayers; layer++) {
    const physicalOffset = layer * numReplicas;
    const logicalOffset = layer * numExperts;
    planner.plan(loads!, logicalOffset, phy2logAll, phyRankAll, physicalOffset, logcntAll, logicalOffset);
    phy2log[layer] = phy2logAll.subarray(physicalOffset, physicalOffset + numReplicas);
    logcnt[layer] = logcntAll.subarray(logicalOffset, logicalOffset + numExperts);
  }
  let maxLogCount = 1;
  for (let i = 0; i < logcntAll.length; i++) if (logcntAll[i] > maxLogCount) maxLogCount = logcntAll[i];

  if (numLayers * numExperts * maxLogCount > MAX_SLOTS) {
    throw new InvalidArgumentError(
      "weight",
      `expected a plan whose padded log2phy (${numLayers} x ${numExperts} x ${maxLogCount}) has at most ${MAX_SLOTS} entries for weight; ` +
        "fewer layers per call or fewer replicas keep it smaller",
    );
  }
  const log2phyTable = new Int32Array(numLayers * numExperts * maxLogCount).fill(-1);
  for (let layer = 0; layer < numLayers; layer++) {
    const physicalOffset = layer * numReplicas;
    const tableOffset = layer * numExperts * maxLogCount;
    for (let slot = 0; slot < numReplicas; slot++) {
      const p = physicalOffset + slot;
      log2phyTable[tableOffset + phy2logAll[p] * maxLogCount + phyRankAll[p]] = slot;
    }
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
    get(): Int32Array[][] {
      const rows = log2phyRows(log2phyTable, numLayers, numExperts, maxLogCount);
      // Later reads get the rows as a plain value.
      Object.defineProperty(result, "log2phy", { value: rows, enumerable: true, writable: false, configurable: false });
      return rows;
    },
  }) as RebalanceResult;
}

/** Views of `table` as `rows[layer][expert]`, each `width` wide. */
function log2phyRows(table: Int32Array, numLayers: number, numExperts: number, width: number): Int32Array[][] {
  const rows: Int32Array[][] = new Array(numLayers);
  for (let layer = 0; layer < numLayers; layer++) {
    const layerRows: Int32Array[] = new Array(numExperts);
    for (let e = 0; e < numExperts; e++) {
      // The (buffer, offset, length) constructor is cheaper than subarray for many small views.
      layerRows[e] = new Int32Array(table.buffer, (layer * numExperts + e) * width * 4, width);
    }
    rows[layer] = layerRows;
  }
  return rows;
}

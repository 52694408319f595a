/**
 * Plan quality: the load each GPU and node would carry under a placement, assuming the tokens of a
 * logical expert split evenly over its copies (what EPLB's own objective assumes).
 */

import { expectInteger, invalid } from "@lplb/errors";
import { expectArrayLike, readIds, readLoadMatrix, readLoadRow } from "./input.js";

/** Loads of one layer under a placement; see {@link planLoads}. */
export interface PlanLoads {
  /** Load per GPU: the sum of `load[e] / logcnt[e]` over the copies on the GPU. */
  gpuLoads: Float64Array;
  /** Load per node: the sum of its GPUs' loads. */
  nodeLoads: Float64Array;
  /** Max over GPUs of the GPU load divided by the mean GPU load; 1 when every load is 0. */
  balance: number;
  /** Max over nodes of the node load divided by the mean node load; 1 when every load is 0. */
  nodeBalance: number;
}

/** Loads of every layer under a plan; see {@link planLoadsAllLayers}. */
export interface PlanLoadsAllLayers {
  /** Per-layer loads, in layer order. */
  layers: PlanLoads[];
  /** `balance` of each layer. */
  balance: Float64Array;
  /** Mean of the per-layer `balance`. */
  meanBalance: number;
  /** Largest per-layer `balance`. */
  maxBalance: number;
}

/** max / mean of `loads`, 1 when they are all 0. */
function maxOverMean(loads: Float64Array): number {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < loads.length; i++) {
    sum += loads[i];
    if (loads[i] > max) max = loads[i];
  }
  return sum === 0 ? 1 : max / (sum / loads.length);
}

function checkTopology(numSlots: number, numGpus: unknown, numNodes: unknown): void {
  const gpus = expectInteger("numGpus", numGpus, 1, Math.max(1, numSlots));
  if (numSlots % gpus !== 0) invalid("numGpus", `a divisor of the number of physical slots (${numSlots})`, gpus);
  const nodes = expectInteger("numNodes", numNodes, 1, gpus);
  if (gpus % nodes !== 0) invalid("numGpus", `a multiple of numNodes (${nodes})`, gpus);
}

/** Computes the loads; inputs are validated. */
function computeLoads(
  weightRow: ArrayLike<number>,
  phy2log: ArrayLike<number>,
  logcnt: ArrayLike<number>,
  numGpus: number,
  numNodes: number,
): PlanLoads {
  const slotsPerGpu = phy2log.length / numGpus;
  const gpusPerNode = numGpus / numNodes;
  const gpuLoads = new Float64Array(numGpus);
  for (let slot = 0; slot < phy2log.length; slot++) {
    const expert = phy2log[slot];
    gpuLoads[Math.floor(slot / slotsPerGpu)] += weightRow[expert] / logcnt[expert];
  }
  const nodeLoads = new Float64Array(numNodes);
  for (let gpu = 0; gpu < numGpus; gpu++) nodeLoads[Math.floor(gpu / gpusPerNode)] += gpuLoads[gpu];
  return { gpuLoads, nodeLoads, balance: maxOverMean(gpuLoads), nodeBalance: maxOverMean(nodeLoads) };
}

/** Validates one layer's placement: ids in range and `logcnt` equal to the copy counts of `phy2log`. */
function checkLayer(
  names: { phy2log: string; logcnt: string },
  weightRow: ArrayLike<number>,
  phy2log: unknown,
  logcnt: unknown,
): void {
  const numExperts = weightRow.length;
  const slots = readIds(names.phy2log, phy2log, undefined, numExperts);
  const counts = readIds(names.logcnt, logcnt, numExperts, slots.length + 1);
  const copies = new Int32Array(numExperts);
  for (let slot = 0; slot < slots.length; slot++) copies[slots[slot]]++;
  for (let e = 0; e < numExperts; e++) {
    if (copies[e] === 0) invalid(names.phy2log, `at least one copy of every expert (expert ${e} has none)`, phy2log);
    if (counts[e] !== copies[e]) {
      invalid(
        `${names.logcnt}[${e}]`,
        `the number of copies of expert ${e} in ${names.phy2log} (${copies[e]})`,
        counts[e],
      );
    }
  }
}

/**
 * Per-GPU and per-node load of one layer under a placement, in float64. Each copy of logical expert
 * `e` carries `weightRow[e] / logcnt[e]`; slot `s` lies on GPU `floor(s / (phy2log.length / numGpus))`
 * and GPU `g` on node `floor(g / (numGpus / numNodes))`.
 *
 * @param weightRow - loads of the layer's logical experts (non-negative, finite); borrowed.
 * @param phy2log - logical expert of every physical slot; borrowed.
 * @param logcnt - copies of each logical expert; must match `phy2log` (every expert at least once).
 * @param numGpus - GPUs; must divide `phy2log.length`.
 * @param numNodes - nodes; must divide `numGpus`. Default 1.
 * @returns fresh `gpuLoads` and `nodeLoads` with `balance` and `nodeBalance` (max / mean, 1 for all-zero loads).
 * @throws InvalidArgumentError for bad loads, out-of-range ids, a `logcnt` that disagrees with
 *   `phy2log`, or counts that do not divide.
 */
export function planLoads(
  weightRow: ArrayLike<number>,
  phy2log: ArrayLike<number>,
  logcnt: ArrayLike<number>,
  numGpus: number,
  numNodes = 1,
): PlanLoads {
  readLoadRow("weightRow", weightRow, undefined);
  checkLayer({ phy2log: "phy2log", logcnt: "logcnt" }, weightRow, phy2log, logcnt);
  checkTopology(phy2log.length, numGpus, numNodes);
  return computeLoads(weightRow, phy2log, logcnt, numGpus, numNodes);
}

/**
 * {@link planLoads} for every layer, e.g. of a {@link rebalanceExperts} result, with the mean and
 * the largest per-layer balance.
 *
 * @param weight - `weight[layer][expert]` loads; borrowed.
 * @param phy2log - `phy2log[layer]`, one row per layer, all of one length; borrowed.
 * @param logcnt - `logcnt[layer]`, one row per layer; borrowed.
 * @param numGpus - GPUs; must divide the row length of `phy2log`.
 * @param numNodes - nodes; must divide `numGpus`. Default 1.
 * @throws InvalidArgumentError as {@link planLoads}, and when the three inputs differ in layer count.
 */
export function planLoadsAllLayers(
  weight: readonly ArrayLike<number>[],
  phy2log: readonly ArrayLike<number>[],
  logcnt: readonly ArrayLike<number>[],
  numGpus: number,
  numNodes = 1,
): PlanLoadsAllLayers {
  readLoadMatrix("weight", weight, false);
  const numLayers = weight.length;
  const what = `an array of ${numLayers} rows (one per layer of weight)`;
  if (expectArrayLike("phy2log", phy2log, what).length !== numLayers) invalid("phy2log", what, phy2log);
  if (expectArrayLike("logcnt", logcnt, what).length !== numLayers) invalid("logcnt", what, logcnt);
  for (let layer = 0; layer < numLayers; layer++) {
    checkLayer(
      { phy2log: `phy2log[${layer}]`, logcnt: `logcnt[${layer}]` },
      weight[layer],
      phy2log[layer],
      logcnt[layer],
    );
    if (phy2log[layer].length !== phy2log[0].length) {
      invalid(`phy2log[${layer}]`, `an array of length ${phy2log[0].length} (like phy2log[0])`, phy2log[layer]);
    }
  }
  checkTopology(phy2log[0].length, numGpus, numNodes);
  const layers: PlanLoads[] = new Array(numLayers);
  const balance = new Float64Array(numLayers);
  let sum = 0;
  let max = 0;
  for (let layer = 0; layer < numLayers; layer++) {
    layers[layer] = computeLoads(weight[layer], phy2log[layer], logcnt[layer], numGpus, numNodes);
    balance[layer] = layers[layer].balance;
    sum += balance[layer];
    if (balance[layer] > max) max = balance[layer];
  }
  return { layers, balance, meanBalance: sum / numLayers, maxBalance: max };
}

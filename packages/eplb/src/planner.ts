/**
 * The hierarchical EPLB procedure for all layers of one call, in phases that each run over every
 * layer. A planner allocates its buffers once, for one shape and layer count, and can serve any
 * number of calls of that shape.
 */
import {
  BalancedPackingScratch,
  type CopyList,
  listCopies,
  PackScratch,
  packBalanced,
  packGreedy,
  ReplicateScratch,
  replicateSorted,
  SortScratch,
  sortDescending,
} from "./kernels.js";

/** Validated shape of a hierarchical plan. */
export interface PlanShape {
  numExperts: number;
  numPhysical: number;
  numGroups: number;
  numNodes: number;
  numGpus: number;
}

/**
 * Plans the layers of one call with the hierarchical procedure (the global policy is the shape with
 * one group and one node): {@link Planner.replicate}, then {@link Planner.place}.
 *
 * A node of a layer is a "segment": segment `s` is node `s % numNodes` of layer
 * `floor(s / numNodes)`. Its experts, renumbered node-major as in the reference, are the m ids
 * `[s, s + 1) * logicalPerNode` (ids count across layers: `layer * numExperts + id`). The experts of
 * all segments are sorted by load in one radix sort, which shares its work over all layers; each
 * segment's replication then looks only at the head of its sorted list, and its physical experts
 * come out already in packing order, `physicalPerNode` per segment.
 */
export class Planner {
  private readonly numLayers: number;
  private readonly numExperts: number;
  private readonly numPhysical: number;
  private readonly numGroups: number;
  private readonly numNodes: number;
  private readonly numGpus: number;
  private readonly groupSize: number;
  private readonly groupsPerNode: number;
  private readonly logicalPerNode: number;
  private readonly physicalPerNode: number;
  private readonly gpusPerNode: number;
  private readonly physicalPerGpu: number;
  private readonly extrasPerNode: number;

  private readonly groupLoad: Float32Array;
  private readonly groupLoadBits: Int32Array;
  /** Place of each group in the node-major group order: node * groupsPerNode + rank in the node. */
  private readonly groupPosition: Int32Array;
  private readonly groupPacking: BalancedPackingScratch;
  /** m id -> original id (the identity with one group per node, set once). */
  private readonly mlog2log: Int32Array;
  /** Loads by m id (float32, never -0), and their bit patterns; unused with one group per node. */
  private readonly mload: Float32Array;
  private readonly mloadBits: Int32Array;
  /** m ids of each segment by load descending, then m id. */
  private readonly expertOrder: Int32Array;
  /**
   * Per segment, its physical experts in packing order (or by physical id with one slot per GPU):
   * load per copy, original id within the layer, replica rank.
   */
  private readonly copyLoad: Float32Array;
  private readonly copyList: CopyList;
  /** Slot in its node of each of one layer's physical experts, in packing order. */
  private readonly sequenceSlot: Int32Array;
  private readonly sortScratch: SortScratch;
  private readonly packScratch: PackScratch;
  private readonly replicateScratch: ReplicateScratch;

  constructor(shape: PlanShape, numLayers: number) {
    const { numExperts, numPhysical, numGroups, numNodes, numGpus } = shape;
    this.numLayers = numLayers;
    this.numExperts = numExperts;
    this.numPhysical = numPhysical;
    this.numGroups = numGroups;
    this.numNodes = numNodes;
    this.numGpus = numGpus;
    // Exact quotients (validated divisors) below 2^31, kept as small integers.
    this.groupSize = (numExperts / numGroups) | 0;
    this.groupsPerNode = (numGroups / numNodes) | 0;
    this.logicalPerNode = (numExperts / numNodes) | 0;
    this.physicalPerNode = (numPhysical / numNodes) | 0;
    this.gpusPerNode = (numGpus / numNodes) | 0;
    this.physicalPerGpu = (numPhysical / numGpus) | 0;
    this.extrasPerNode = this.physicalPerNode - this.logicalPerNode;

    this.groupLoad = new Float32Array(numGroups);
    this.groupLoadBits = new Int32Array(this.groupLoad.buffer);
    this.groupPosition = new Int32Array(numGroups);
    this.groupPacking = new BalancedPackingScratch(numGroups, numNodes);
    const renumbered = this.groupsPerNode > 1;
    this.mlog2log = new Int32Array(numLayers * numExperts);
    if (!renumbered) for (let m = 0; m < this.mlog2log.length; m++) this.mlog2log[m] = m;
    this.mload = new Float32Array(renumbered ? numLayers * numExperts : 0);
    this.mloadBits = new Int32Array(this.mload.buffer);
    this.expertOrder = new Int32Array(numLayers * numExperts);
    this.copyLoad = new Float32Array(numLayers * numPhysical);
    this.copyList = {
      loadBits: new Int32Array(this.copyLoad.buffer),
      expert: new Int32Array(numLayers * numPhysical),
      rank: new Int32Array(numLayers * numPhysical),
    };
    this.sequenceSlot = new Int32Array(numPhysical);
    this.sortScratch = new SortScratch(numLayers * numExperts);
    this.packScratch = new PackScratch(this.gpusPerNode, numNodes);
    this.replicateScratch = new ReplicateScratch(this.logicalPerNode, this.extrasPerNode);
  }

  /** True when this planner was made for exactly this shape and layer count. */
  fits(shape: PlanShape, numLayers: number): boolean {
    return (
      numLayers === this.numLayers &&
      shape.numExperts === this.numExperts &&
      shape.numPhysical === this.numPhysical &&
      shape.numGroups === this.numGroups &&
      shape.numNodes === this.numNodes &&
      shape.numGpus === this.numGpus
    );
  }

  /**
   * Steps 1 and 2 for all layers: packs expert groups onto nodes, replicates each node's experts, and
   * lists each node's physical experts in packing order for {@link Planner.place}. `loads` holds
   * `numLayers` rows of float32 loads (never -0); `logcnt` (`numLayers * numExperts`, every entry 1)
   * receives the copy counts. Returns the largest copy count.
   */
  replicate(loads: Float32Array, logcnt: Int32Array): number {
    let mload = loads;
    let mloadBits: Int32Array;
    if (this.groupsPerNode > 1) {
      for (let layer = 0; layer < this.numLayers; layer++) this.renumberLayer(loads, layer);
      mload = this.mload;
      mloadBits = this.mloadBits;
    } else {
      // Group g goes to node g: m ids are the original ids.
      mloadBits = new Int32Array(loads.buffer, loads.byteOffset, loads.length);
    }
    // Replication needs the sorted list only when there are extra copies, packing only with several
    // slots per GPU (with one, the reference keeps the physical order).
    const sorted = this.physicalPerGpu > 1;
    if (sorted || this.extrasPerNode > 0) {
      sortDescending(mload, mloadBits, mload.length, this.logicalPerNode, this.expertOrder, this.sortScratch);
    }
    let maxLogCount = 1;
    for (let segment = 0; segment < this.numLayers * this.numNodes; segment++) {
      const segmentMax = this.replicateSegment(mload, mloadBits, segment, sorted, logcnt);
      if (segmentMax > maxLogCount) maxLogCount = segmentMax;
    }
    return maxLogCount;
  }

  /**
   * Step 3 for all layers, after {@link Planner.replicate}: packs each node's physical experts onto
   * its GPUs (a physical expert's slot on its GPU is its rank in the pack). Writes `phy2log`
   * (`numLayers * numPhysical`) and `log2phy` (`numLayers * numExperts` rows of `width`: the slots
   * by replica rank, then -1).
   */
  place(phy2log: Int32Array, log2phy: Int32Array, width: number): void {
    const { numNodes, numPhysical, numExperts, physicalPerNode, copyLoad, sequenceSlot } = this;
    const { expert: copyExpert, rank: copyRank } = this.copyList;
    const inOrder = this.physicalPerGpu === 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const physicalBase = layer * numPhysical;
      const rowBase = layer * numExperts;
      // Layer by layer, so that the rows are still in the cache when the slots are written.
      log2phy.fill(-1, rowBase * width, (rowBase + numExperts) * width);
      // Each node's physical experts onto its GPUs, all nodes side by side.
      if (!inOrder) {
        packGreedy(copyLoad, physicalBase, numNodes, physicalPerNode, this.gpusPerNode, sequenceSlot, this.packScratch);
      }
      for (let node = 0, q = 0; node < numNodes; node++) {
        const nodeSlot = node * physicalPerNode;
        for (const end = q + physicalPerNode; q < end; q++) {
          const slot = inOrder ? q : nodeSlot + sequenceSlot[q];
          const expert = copyExpert[physicalBase + q];
          phy2log[physicalBase + slot] = expert;
          log2phy[(rowBase + expert) * width + copyRank[physicalBase + q]] = slot;
        }
      }
    }
  }

  /**
   * Step 1 for one layer with several groups per node: packs its expert groups onto nodes and writes
   * its m ids' original ids and loads. (With one group per node, group `g` goes to node `g`.)
   */
  private renumberLayer(loads: Float32Array, layer: number): void {
    const { groupSize, groupPosition, mlog2log, mload, numGroups, groupLoad } = this;
    const layerBase = layer * this.numExperts;
    // Each group's float32 sum accumulates its experts in index order (the reference's vectorised
    // sum may round differently); the groups advance side by side so that their chains overlap.
    groupLoad.fill(0, 0, numGroups);
    for (let k = 0; k < groupSize; k++) {
      for (let g = 0, e = layerBase + k; g < numGroups; g++, e += groupSize) groupLoad[g] += loads[e];
    }
    packBalanced(groupLoad, this.groupLoadBits, numGroups, this.numNodes, groupPosition, this.groupPacking);
    for (let g = 0; g < numGroups; g++) {
      const first = layerBase + g * groupSize;
      const base = layerBase + groupPosition[g] * groupSize;
      for (let k = 0; k < groupSize; k++) {
        mlog2log[base + k] = first + k;
        mload[base + k] = loads[first + k];
      }
    }
  }

  /**
   * Step 2 for one segment: replicates its experts (copy counts into `logcnt`, by original id) and
   * lists its physical experts, in packing order when `sorted`. Returns its largest copy count.
   */
  private replicateSegment(
    mload: Float32Array,
    mloadBits: Int32Array,
    segment: number,
    sorted: boolean,
    logcnt: Int32Array,
  ): number {
    const { mlog2log, logicalPerNode, extrasPerNode, expertOrder } = this;
    const scratch = this.replicateScratch;
    const segmentBase = segment * logicalPerNode;
    const layerBase = ((segment / this.numNodes) | 0) * this.numExperts;
    const replicated = replicateSorted(mload, expertOrder, segmentBase, logicalPerNode, extrasPerNode, scratch);
    listCopies(
      mloadBits,
      expertOrder,
      segmentBase,
      logicalPerNode,
      extrasPerNode,
      replicated,
      sorted,
      mlog2log,
      layerBase,
      this.copyList,
      segment * this.physicalPerNode,
      scratch,
    );
    const { copies, leafItem } = scratch;
    let maxLogCount = 1;
    for (let q = 0; q < replicated; q++) {
      logcnt[mlog2log[leafItem[q]]] = copies[q];
      if (copies[q] > maxLogCount) maxLogCount = copies[q];
    }
    return maxLogCount;
  }
}

/**
 * The hierarchical EPLB procedure for all layers of one call, in phases that each run over every
 * layer. A planner allocates its buffers once, for one shape and layer count, and can serve any
 * number of calls of that shape.
 */
import {
  BalancedPackingScratch,
  PackScratch,
  packBalanced,
  packGreedy,
  ReplicateScratch,
  replicate,
  SortScratch,
  sortDescending,
} from "./kernels.js";

/** Stands for the loads between calls, so that a kept planner keeps no caller's loads alive. */
const NO_LOADS = new Float32Array(0);

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
 * `[s, s + 1) * logicalPerNode`, and its physical experts the physical ids `[s, s + 1) *
 * physicalPerNode` (the originals by m id, then the extra copies in the order they were added). The
 * physical experts of all segments are sorted by load in one radix sort, which shares its work over
 * all layers. Ids count across layers: `layer * numExperts + id`, `layer * numPhysical + id`.
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

  /** Loads of all layers by original id (float32, never -0), while {@link Planner.replicate} runs. */
  private loads: Float32Array;
  private readonly groupLoad: Float32Array;
  private readonly groupLoadBits: Int32Array;
  /** Place of each group in the node-major group order: node * groupsPerNode + rank in the node. */
  private readonly groupPosition: Int32Array;
  private readonly groupPacking: BalancedPackingScratch;
  /** m id -> original id (the identity with one group per node, set once). */
  private readonly mlog2log: Int32Array;
  /**
   * Per physical id: load per copy (with bit patterns), original id within the layer, replica rank;
   * and the physical ids sorted by segment, load descending, physical id.
   */
  private readonly physicalLoad: Float32Array;
  private readonly physicalLoadBits: Int32Array;
  private readonly physicalExpert: Int32Array;
  private readonly physicalRank: Int32Array;
  private readonly physicalOrder: Int32Array;
  /** One segment's extra copies: the expert's node-local id and the replica rank. */
  private readonly extraExpert: Int32Array;
  private readonly extraRank: Int32Array;
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

    this.loads = NO_LOADS;
    this.groupLoad = new Float32Array(numGroups);
    this.groupLoadBits = new Int32Array(this.groupLoad.buffer);
    this.groupPosition = new Int32Array(numGroups);
    this.groupPacking = new BalancedPackingScratch(numGroups, numNodes);
    this.mlog2log = new Int32Array(numLayers * numExperts);
    if (this.groupsPerNode === 1) for (let m = 0; m < this.mlog2log.length; m++) this.mlog2log[m] = m;
    this.physicalLoad = new Float32Array(numLayers * numPhysical);
    this.physicalLoadBits = new Int32Array(this.physicalLoad.buffer);
    this.physicalExpert = new Int32Array(numLayers * numPhysical);
    this.physicalRank = new Int32Array(numLayers * numPhysical);
    this.physicalOrder = new Int32Array(numLayers * numPhysical);
    this.extraExpert = new Int32Array(this.extrasPerNode);
    this.extraRank = new Int32Array(this.extrasPerNode);
    this.sequenceSlot = new Int32Array(numPhysical);
    this.sortScratch = new SortScratch(numLayers * numPhysical);
    this.packScratch = new PackScratch(this.gpusPerNode, numNodes);
    this.replicateScratch = new ReplicateScratch(this.logicalPerNode);
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
   * sorts each node's physical experts by load for {@link Planner.place}. `loads` holds `numLayers`
   * rows of float32 loads (never -0); `logcnt` (`numLayers * numExperts`, every entry 1) receives
   * the copy counts. Returns the largest copy count.
   */
  replicate(loads: Float32Array, logcnt: Int32Array): number {
    this.loads = loads;
    if (this.groupsPerNode > 1) for (let layer = 0; layer < this.numLayers; layer++) this.renumberLayer(layer);
    let maxLogCount = 1;
    for (let segment = 0; segment < this.numLayers * this.numNodes; segment++) {
      const segmentMax = this.replicateSegment(segment, logcnt);
      if (segmentMax > maxLogCount) maxLogCount = segmentMax;
    }
    this.loads = NO_LOADS;
    // With one slot per GPU, the reference keeps the physical order and needs no sort.
    if (this.physicalPerGpu > 1) {
      const { physicalLoad, physicalLoadBits, physicalOrder, sortScratch } = this;
      sortDescending(
        physicalLoad,
        physicalLoadBits,
        physicalLoad.length,
        this.physicalPerNode,
        physicalOrder,
        sortScratch,
      );
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
    const { numNodes, numPhysical, numExperts, physicalPerNode, physicalExpert, physicalRank, physicalLoad } = this;
    const { physicalOrder, sequenceSlot } = this;
    const inOrder = this.physicalPerGpu === 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const physicalBase = layer * numPhysical;
      const rowBase = layer * numExperts;
      // Layer by layer, so that the rows are still in the cache when the slots are written.
      log2phy.fill(-1, rowBase * width, (rowBase + numExperts) * width);
      // Each node's physical experts onto its GPUs, all nodes side by side.
      if (!inOrder) {
        packGreedy(
          physicalLoad,
          physicalOrder,
          physicalBase,
          numNodes,
          physicalPerNode,
          this.gpusPerNode,
          sequenceSlot,
          this.packScratch,
        );
      }
      for (let node = 0, q = 0; node < numNodes; node++) {
        const nodeSlot = node * physicalPerNode;
        for (const end = q + physicalPerNode; q < end; q++) {
          const physical = inOrder ? physicalBase + q : physicalOrder[physicalBase + q];
          const slot = inOrder ? q : nodeSlot + sequenceSlot[q];
          const expert = physicalExpert[physical];
          phy2log[physicalBase + slot] = expert;
          log2phy[(rowBase + expert) * width + physicalRank[physical]] = slot;
        }
      }
    }
  }

  /**
   * Step 1 for one layer with several groups per node: packs its expert groups onto nodes and writes
   * its m ids' original ids. (With one group per node, group `g` goes to node `g`.)
   */
  private renumberLayer(layer: number): void {
    const { groupSize, groupPosition, mlog2log, numGroups, groupLoad, loads } = this;
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
      for (let k = 0; k < groupSize; k++) mlog2log[base + k] = first + k;
    }
  }

  /**
   * Step 2 for one segment: replicates its experts (copy counts into `logcnt`, by original id) and
   * lists its physical experts. Returns its largest copy count.
   */
  private replicateSegment(segment: number, logcnt: Int32Array): number {
    const { mlog2log, logicalPerNode, extrasPerNode, extraExpert, extraRank } = this;
    const { physicalLoad, physicalExpert, physicalRank } = this;
    const segmentBase = segment * logicalPerNode;
    const layerBase = ((segment / this.numNodes) | 0) * this.numExperts;
    replicate(
      this.loads,
      logcnt,
      mlog2log,
      segmentBase,
      logicalPerNode,
      extrasPerNode,
      extraExpert,
      extraRank,
      this.replicateScratch,
    );
    // Every copy of an expert weighs its final load per copy.
    const ratio = this.replicateScratch.ratio;
    let physical = segment * this.physicalPerNode;
    for (let j = 0; j < logicalPerNode; j++, physical++) {
      physicalLoad[physical] = ratio[j];
      physicalExpert[physical] = mlog2log[segmentBase + j] - layerBase;
      physicalRank[physical] = 0;
    }
    let maxLogCount = 1;
    for (let t = 0; t < extrasPerNode; t++, physical++) {
      const j = extraExpert[t];
      physicalLoad[physical] = ratio[j];
      physicalExpert[physical] = mlog2log[segmentBase + j] - layerBase;
      physicalRank[physical] = extraRank[t];
      if (extraRank[t] >= maxLogCount) maxLogCount = extraRank[t] + 1;
    }
    return maxLogCount;
  }
}

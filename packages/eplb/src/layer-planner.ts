/**
 * The hierarchical EPLB procedure for one layer, with every buffer allocated once per shape and
 * reused across layers.
 */
import {
  PackScratch,
  packBalanced,
  packGreedy,
  ReplicateScratch,
  replicate,
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
 * Plans layers of one shape with the hierarchical procedure (the global policy is the shape with
 * one group and one node). All scratch buffers are allocated by the constructor; {@link plan} allocates nothing.
 */
export class LayerPlanner {
  private readonly numExperts: number;
  private readonly numPhysical: number;
  private readonly numGroups: number;
  private readonly numNodes: number;
  private readonly groupSize: number;
  private readonly groupsPerNode: number;
  private readonly logicalPerNode: number;
  private readonly physicalPerNode: number;
  private readonly gpusPerNode: number;
  private readonly physicalPerGpu: number;

  private readonly groupLoad: Float32Array;
  private readonly groupLoadBits: Uint32Array;
  /** Place of each group in the node-major group order: node * groupsPerNode + rank in the node. */
  private readonly groupPosition: Int32Array;
  private readonly groupOrder: Int32Array;
  /** Original logical id -> node-major ("m") logical id, and its inverse. */
  private readonly log2mlog: Int32Array;
  private readonly mlog2log: Int32Array;
  /** Copies per node-major logical id, all nodes. */
  private readonly mlogcnt: Int32Array;
  /** One node's loads, copy counts, and replication result (node-local ids). */
  private readonly nodeLoad: Float32Array;
  private readonly nodeCount: Int32Array;
  private readonly nodePhy2log: Int32Array;
  private readonly nodePhyRank: Int32Array;
  /** Physical experts of all nodes, node by node: node-major logical id, replica rank, load per copy. */
  private readonly phyMlog: Int32Array;
  private readonly phyRank: Int32Array;
  private readonly phyLoad: Float32Array;
  private readonly phyLoadBits: Uint32Array;
  private readonly phyOrder: Int32Array;
  /** Slot of each physical expert within its node: GPU in the node * physicalPerGpu + slot on the GPU. */
  private readonly phyPosition: Int32Array;
  private readonly sortScratch: SortScratch;
  private readonly packScratch: PackScratch;
  private readonly replicateScratch: ReplicateScratch;

  constructor(shape: PlanShape) {
    const { numExperts, numPhysical, numGroups, numNodes, numGpus } = shape;
    this.numExperts = numExperts;
    this.numPhysical = numPhysical;
    this.numGroups = numGroups;
    this.numNodes = numNodes;
    // Exact quotients (validated divisors) below 2^31, kept as small integers.
    this.groupSize = (numExperts / numGroups) | 0;
    this.groupsPerNode = (numGroups / numNodes) | 0;
    this.logicalPerNode = (numExperts / numNodes) | 0;
    this.physicalPerNode = (numPhysical / numNodes) | 0;
    this.gpusPerNode = (numGpus / numNodes) | 0;
    this.physicalPerGpu = (numPhysical / numGpus) | 0;

    this.groupLoad = new Float32Array(numGroups);
    this.groupLoadBits = new Uint32Array(this.groupLoad.buffer);
    this.groupPosition = new Int32Array(numGroups);
    this.groupOrder = new Int32Array(numGroups);
    this.log2mlog = new Int32Array(numExperts);
    this.mlog2log = new Int32Array(numExperts);
    this.mlogcnt = new Int32Array(numExperts);
    this.nodeLoad = new Float32Array(this.logicalPerNode);
    this.nodeCount = new Int32Array(this.logicalPerNode);
    this.nodePhy2log = new Int32Array(this.physicalPerNode);
    this.nodePhyRank = new Int32Array(this.physicalPerNode);
    this.phyMlog = new Int32Array(numPhysical);
    this.phyRank = new Int32Array(numPhysical);
    this.phyLoad = new Float32Array(numPhysical);
    this.phyLoadBits = new Uint32Array(this.phyLoad.buffer);
    this.phyOrder = new Int32Array(numPhysical);
    this.phyPosition = new Int32Array(numPhysical);
    this.sortScratch = new SortScratch(Math.max(numGroups, numPhysical), numNodes);
    this.packScratch = new PackScratch(Math.max(numNodes, this.gpusPerNode));
    this.replicateScratch = new ReplicateScratch(this.logicalPerNode);
  }

  /**
   * Plans the layer whose float32 loads (never -0) are `loads[loadOffset...]`. Writes
   * `numPhysical` entries of `phy2log` and `phyRank` from `physicalOffset` and `numExperts` entries
   * of `logcnt` from `logicalOffset`.
   */
  plan(
    loads: Float32Array,
    loadOffset: number,
    phy2log: Int32Array,
    phyRank: Int32Array,
    physicalOffset: number,
    logcnt: Int32Array,
    logicalOffset: number,
  ): void {
    const { groupSize, log2mlog, mlog2log, mlogcnt } = this;

    // Step 1: pack expert groups onto nodes and renumber the experts node-major.
    const groupPosition = this.groupPosition;
    if (this.groupsPerNode === 1) {
      for (let g = 0; g < this.numGroups; g++) groupPosition[g] = g;
    } else {
      // Each group's float32 sum accumulates its experts in index order (the reference's vectorised
      // sum may round differently); the groups advance side by side so that their chains overlap.
      const groupLoad = this.groupLoad;
      const numGroups = this.numGroups;
      groupLoad.fill(0, 0, numGroups);
      for (let k = 0; k < groupSize; k++) {
        for (let g = 0, e = loadOffset + k; g < numGroups; g++, e += groupSize) groupLoad[g] += loads[e];
      }
      packBalanced(
        groupLoad,
        this.groupLoadBits,
        this.numGroups,
        this.numNodes,
        groupPosition,
        this.groupOrder,
        this.sortScratch,
        this.packScratch,
      );
    }
    for (let g = 0; g < this.numGroups; g++) {
      const first = g * groupSize;
      const base = groupPosition[g] * groupSize;
      for (let k = 0; k < groupSize; k++) {
        log2mlog[first + k] = base + k;
        mlog2log[base + k] = first + k;
      }
    }

    // Step 2: replicate each node's experts onto its physical slots; a copy weighs load / copies.
    const { logicalPerNode, physicalPerNode, nodeLoad, nodeCount, nodePhy2log, nodePhyRank } = this;
    const { phyMlog, phyLoad } = this;
    const phyRankAll = this.phyRank;
    for (let node = 0; node < this.numNodes; node++) {
      const logicalBase = node * logicalPerNode;
      for (let j = 0; j < logicalPerNode; j++) nodeLoad[j] = loads[loadOffset + mlog2log[logicalBase + j]];
      replicate(nodeLoad, logicalPerNode, physicalPerNode, nodePhy2log, nodePhyRank, nodeCount, this.replicateScratch);
      for (let j = 0; j < logicalPerNode; j++) mlogcnt[logicalBase + j] = nodeCount[j];
      const physicalBase = node * physicalPerNode;
      for (let p = 0; p < physicalPerNode; p++) {
        const m = nodePhy2log[p];
        phyMlog[physicalBase + p] = logicalBase + m;
        phyRankAll[physicalBase + p] = nodePhyRank[p];
        phyLoad[physicalBase + p] = nodeLoad[m] / nodeCount[m];
      }
    }

    // Step 3: pack each node's physical experts onto the node's GPUs (all nodes sorted in one pass).
    const { phyOrder, phyPosition } = this;
    const numPhysical = this.numPhysical;
    if (this.physicalPerGpu === 1) {
      for (let q = 0; q < numPhysical; q++) phyPosition[q] = q - physicalPerNode * ((q / physicalPerNode) | 0);
    } else {
      sortDescending(phyLoad, this.phyLoadBits, numPhysical, physicalPerNode, phyOrder, this.sortScratch);
      for (let node = 0; node < this.numNodes; node++) {
        packGreedy(
          phyLoad,
          phyOrder,
          node * physicalPerNode,
          physicalPerNode,
          this.gpusPerNode,
          phyPosition,
          this.packScratch,
        );
      }
    }
    for (let nodeBase = 0; nodeBase < numPhysical; nodeBase += physicalPerNode) {
      const nodeEnd = nodeBase + physicalPerNode;
      const slotBase = physicalOffset + nodeBase;
      for (let q = nodeBase; q < nodeEnd; q++) {
        const slot = slotBase + phyPosition[q];
        phy2log[slot] = mlog2log[phyMlog[q]];
        phyRank[slot] = phyRankAll[q];
      }
    }
    for (let e = 0; e < this.numExperts; e++) logcnt[logicalOffset + e] = mlogcnt[log2mlog[e]];
  }
}

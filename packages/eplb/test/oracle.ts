/**
 * A naive, literal port of the reference EPLB (deepseek-ai/EPLB `eplb.py`), step by step in its
 * tensor vocabulary (unflatten/sum, inverse permutations, gathers), with plain arrays, no reuse of
 * buffers and the slow obvious loops. It shares no code with src/ and serves as the oracle.
 * float32 arithmetic is spelled out with Math.fround at every operation the reference does in float32.
 */

export interface NaivePacking {
  packIndex: number[];
  rankInPack: number[];
}

/** `balanced_packing` for one row of (already float32) weights. */
export function naiveBalancedPacking(weight: readonly number[], numPacks: number): NaivePacking {
  const n = weight.length;
  const perPack = n / numPacks;
  if (perPack === 1) {
    return { packIndex: weight.map((_, i) => i), rankInPack: weight.map(() => 0) };
  }
  // Stable sort, descending: equal weights keep index order.
  const indices = weight.map((_, i) => i).sort((a, b) => weight[b] - weight[a] || a - b);
  const packWeights: number[] = new Array(numPacks).fill(0);
  const packItems: number[] = new Array(numPacks).fill(0);
  const packIndex: number[] = new Array(n).fill(-1);
  const rankInPack: number[] = new Array(n).fill(-1);
  for (const item of indices) {
    let pack = -1;
    for (let p = 0; p < numPacks; p++) {
      if (packItems[p] < perPack && (pack === -1 || packWeights[p] < packWeights[pack])) pack = p;
    }
    packIndex[item] = pack;
    rankInPack[item] = packItems[pack];
    packWeights[pack] = Math.fround(packWeights[pack] + weight[item]);
    packItems[pack] += 1;
  }
  return { packIndex, rankInPack };
}

export interface NaiveReplication {
  phy2log: number[];
  phyRank: number[];
  logcnt: number[];
}

/** `replicate_experts` for one row: every step recomputes all `weight / logcnt` and takes the first maximum. */
export function naiveReplicate(weight: readonly number[], numPhysical: number): NaiveReplication {
  const numLogical = weight.length;
  const phy2log = Array.from({ length: numPhysical }, (_, i) => i);
  const phyRank: number[] = new Array(numPhysical).fill(0);
  const logcnt: number[] = new Array(numLogical).fill(1);
  for (let i = numLogical; i < numPhysical; i++) {
    const ratios = weight.map((w, j) => Math.fround(w / logcnt[j]));
    let best = 0;
    for (let j = 1; j < numLogical; j++) if (ratios[j] > ratios[best]) best = j;
    phy2log[i] = best;
    phyRank[i] = logcnt[best];
    logcnt[best] += 1;
  }
  return { phy2log, phyRank, logcnt };
}

function inverse(permutation: readonly number[]): number[] {
  const result: number[] = new Array(permutation.length).fill(-1);
  permutation.forEach((target, i) => {
    result[target] = i;
  });
  return result;
}

/** `rebalance_experts_hierarchical` for one layer. */
export function naiveHierarchical(
  weightRow: readonly number[],
  numPhysical: number,
  numGroups: number,
  numNodes: number,
  numGpus: number,
): NaiveReplication {
  const weight = weightRow.map((w) => Math.fround(w));
  const numLogical = weight.length;
  const groupSize = numLogical / numGroups;
  const groupsPerNode = numGroups / numNodes;
  const phyPerGpu = numPhysical / numGpus;

  // Step 1: pack groups to nodes.
  const tokensPerGroup: number[] = [];
  for (let g = 0; g < numGroups; g++) {
    let sum = 0;
    for (let k = 0; k < groupSize; k++) sum = Math.fround(sum + weight[g * groupSize + k]);
    tokensPerGroup.push(sum);
  }
  const groupPacking = naiveBalancedPacking(tokensPerGroup, numNodes);
  const log2mlog: number[] = [];
  for (let g = 0; g < numGroups; g++) {
    for (let k = 0; k < groupSize; k++) {
      log2mlog.push((groupPacking.packIndex[g] * groupsPerNode + groupPacking.rankInPack[g]) * groupSize + k);
    }
  }
  const mlog2log = inverse(log2mlog);

  // Step 2: replicate within nodes.
  const perNode = numLogical / numNodes;
  const tokensPerMlog = mlog2log.map((log) => weight[log]);
  const nodeRows = Array.from({ length: numNodes }, (_, n) => tokensPerMlog.slice(n * perNode, (n + 1) * perNode));
  const replicated = nodeRows.map((row) => naiveReplicate(row, numPhysical / numNodes));

  // Step 3: pack physical experts to GPUs within nodes.
  const pphy2mlog: number[] = [];
  const pphyRank: number[] = [];
  nodeRows.forEach((row, node) => {
    const { phy2log: phy2mlog, phyRank, logcnt: mlogcnt } = replicated[node];
    const tokensPerPhy = phy2mlog.map((m) => Math.fround(row[m] / mlogcnt[m]));
    const packing = naiveBalancedPacking(tokensPerPhy, numGpus / numNodes);
    const phy2pphy = packing.packIndex.map((pack, p) => pack * phyPerGpu + packing.rankInPack[p]);
    const pphy2phy = inverse(phy2pphy);
    for (const phy of pphy2phy) {
      pphy2mlog.push(phy2mlog[phy] + node * perNode);
      pphyRank.push(phyRank[phy]);
    }
  });
  const mlogcntFlat = replicated.flatMap((r) => r.logcnt);
  return {
    phy2log: pphy2mlog.map((m) => mlog2log[m]),
    phyRank: pphyRank,
    logcnt: log2mlog.map((m) => mlogcntFlat[m]),
  };
}

export interface NaivePlan {
  phy2log: number[][];
  log2phy: number[][][];
  logcnt: number[][];
}

/** `rebalance_experts`: policy choice and the -1 padded `log2phy`. */
export function naiveRebalanceExperts(
  weight: readonly (readonly number[])[],
  numReplicas: number,
  numGroups: number,
  numNodes: number,
  numGpus: number,
): NaivePlan {
  const hierarchical = numGroups % numNodes === 0;
  const layers = weight.map((row) =>
    hierarchical
      ? naiveHierarchical(row, numReplicas, numGroups, numNodes, numGpus)
      : naiveHierarchical(row, numReplicas, 1, 1, numGpus),
  );
  const maxCount = Math.max(...layers.flatMap((layer) => layer.logcnt));
  const log2phy = layers.map((layer) => {
    const rows = layer.logcnt.map(() => new Array(maxCount).fill(-1));
    layer.phy2log.forEach((log, phy) => {
      rows[log][layer.phyRank[phy]] = phy;
    });
    return rows;
  });
  return { phy2log: layers.map((l) => l.phy2log), log2phy, logcnt: layers.map((l) => l.logcnt) };
}

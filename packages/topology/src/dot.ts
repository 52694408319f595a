/**
 * Graphviz DOT rendering of a topology (see `Topology.toDot`).
 */

import { expectKnownOptions } from "@lplb/errors";
import type { Topology } from "./topology.js";
import { expectEpSize, expectGpusPerNode } from "./validate.js";

/** Options of `Topology.toDot`. */
export interface DotOptions {
  /**
   * Draw every redundancy group of this EP size, with global ranks. A multiple of `groupSize`.
   * Default `groupSize` (one group).
   */
  epSize?: number;
  /**
   * Box ranks by node (`floor(rank / gpusPerNode)`) and dash the edges that cross nodes.
   * Default: no node boxes.
   */
  gpusPerNode?: number;
}

/** Edge colours by slot (cycled when there are more slots than colours). */
export const SLOT_COLORS: readonly string[] = Object.freeze([
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
]);

/** A DOT double-quoted string. */
function quote(text: string): string {
  return `"${text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, "\\n")}"`;
}

/** Renders `topology` as Graphviz DOT text; validates `options` first. */
export function renderDot(topology: Topology, options?: DotOptions): string {
  const checked = expectKnownOptions<DotOptions>("options", options, ["epSize", "gpusPerNode"]);
  const { groupSize, slots, r2o } = topology;
  const epSize = checked.epSize === undefined ? groupSize : expectEpSize("options.epSize", checked.epSize, groupSize);
  const gpusPerNode =
    checked.gpusPerNode === undefined ? undefined : expectGpusPerNode("options.gpusPerNode", checked.gpusPerNode);

  const groups = epSize / groupSize;
  const caption = [`${topology.name}: ${groupSize} ranks per group, ${slots} slot${slots === 1 ? "" : "s"}`];
  if (checked.epSize !== undefined) caption.push(`epSize ${epSize} (${groups} group${groups === 1 ? "" : "s"})`);
  if (gpusPerNode !== undefined) caption.push(`${gpusPerNode} GPUs per node`);

  const lines = [
    `digraph ${quote(topology.name)} {`,
    `  graph [label=${quote(caption.join(", "))}, labelloc=t];`,
    "  node [shape=circle];",
  ];
  const rankLine = (rank: number, indent: string) => `${indent}r${rank} [label="${rank}"];`;
  if (gpusPerNode === undefined) {
    for (let rank = 0; rank < epSize; rank++) lines.push(rankLine(rank, "  "));
  } else {
    for (let node = 0, first = 0; first < epSize; node++, first += gpusPerNode) {
      lines.push(`  subgraph cluster_node${node} {`, `    label="node ${node}";`);
      for (let rank = first; rank < Math.min(first + gpusPerNode, epSize); rank++) lines.push(rankLine(rank, "    "));
      lines.push("  }");
    }
  }
  for (let base = 0; base < epSize; base += groupSize) {
    for (let slot = 0; slot < slots; slot++) {
      const color = SLOT_COLORS[slot % SLOT_COLORS.length];
      for (let groupRank = 0; groupRank < groupSize; groupRank++) {
        const original = base + r2o[groupRank][slot];
        const replica = base + groupRank;
        const crossesNodes =
          gpusPerNode !== undefined && Math.floor(original / gpusPerNode) !== Math.floor(replica / gpusPerNode);
        const style = crossesNodes ? ", style=dashed" : "";
        lines.push(
          `  r${original} -> r${replica} [label="slot ${slot}", color="${color}", fontcolor="${color}"${style}];`,
        );
      }
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

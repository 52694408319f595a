/** `lplb topology`: validates a topology, describes its edges and draws it. */

import { InvalidArgumentError } from "@lplb/errors";
import { Command } from "commander";
import { expectWritablePath, writeFileAtomic } from "./atomic-write.js";
import { integerOption } from "./options.js";
import { formatTable } from "./table.js";
import { parseTopology, TOPOLOGY_SPECS } from "./topology-arg.js";
import { topologySvg } from "./topology-svg.js";

interface TopologyOptions {
  epSize?: number;
  gpusPerNode: number;
  svg?: string;
  dot?: string;
  json: boolean;
}

/** The `topology` command (commander). */
export function topologyCommand(): Command {
  return new Command("topology")
    .description(
      "Validate a redundancy topology (r2o), describe which replication edges stay inside a node and which cross nodes, " +
        "and draw it as SVG or Graphviz DOT",
    )
    .argument("<spec>", TOPOLOGY_SPECS)
    .option(
      "--ep-size <n>",
      "EP ranks to lay the topology over (default: its group size)",
      integerOption("--ep-size", 1, 1024),
    )
    .option("--gpus-per-node <n>", "GPUs per node", integerOption("--gpus-per-node", 1, 1024), 8)
    .option("--svg <file>", "write a drawing: GPUs boxed by node, edges coloured by slot")
    .option("--dot <file>", "write Graphviz DOT text")
    .option("--json", "print { name, r2o, o2r, placement } as JSON", false)
    .action((spec: string, options: TopologyOptions) => {
      runTopology(spec, options);
    });
}

/**
 * The ranks of one redundancy group split into parts that no copy links (connected components of
 * the replication edges), each sorted; one part when every rank can pass load to every other.
 */
function disconnectedParts(r2o: readonly (readonly number[])[]): number[][] {
  const parent = r2o.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  r2o.forEach((row, i) => {
    for (const original of row) parent[find(i)] = find(original);
  });
  const parts = new Map<number, number[]>();
  r2o.forEach((_, i) => {
    const root = find(i);
    const part = parts.get(root);
    if (part === undefined) parts.set(root, [i]);
    else part.push(i);
  });
  return [...parts.values()];
}

/** The warning for a topology whose ranks split into parts, or undefined when they do not. */
function disconnectedWarning(r2o: readonly (readonly number[])[]): string | undefined {
  const parts = disconnectedParts(r2o);
  if (parts.length < 2) return undefined;
  const list = parts.map((part) => (part.length > 8 ? `${part.slice(0, 8).join(" ")} ...` : part.join(" ")));
  return (
    `warning: the ranks of a group split into ${parts.length} parts that no copy links (${list.join(" | ")}): ` +
    "LPLB cannot move load from one part to another"
  );
}

function runTopology(spec: string, options: TopologyOptions): void {
  const svgPath = options.svg === undefined ? undefined : expectWritablePath("--svg", options.svg);
  const dotPath = options.dot === undefined ? undefined : expectWritablePath("--dot", options.dot);
  const topology = parseTopology(spec, "spec");
  const epSize = options.epSize ?? topology.groupSize;
  if (epSize % topology.groupSize !== 0) {
    throw new InvalidArgumentError(
      "--ep-size",
      `expected a multiple of the topology's group size ${topology.groupSize} for --ep-size, got ${epSize}`,
    );
  }
  const placement = topology.placement(epSize, options.gpusPerNode);
  const svg = svgPath === undefined ? undefined : topologySvg(topology, { epSize, gpusPerNode: options.gpusPerNode });
  const dot = dotPath === undefined ? undefined : topology.toDot({ epSize, gpusPerNode: options.gpusPerNode });
  if (svgPath !== undefined) writeFileAtomic(svgPath, svg!);
  if (dotPath !== undefined) writeFileAtomic(dotPath, dot!);
  if (options.json) {
    const json = {
      name: topology.name,
      groupSize: topology.groupSize,
      slots: topology.slots,
      r2o: topology.r2o,
      o2r: topology.o2r,
      placement: {
        epSize,
        gpusPerNode: options.gpusPerNode,
        nodes: placement.nodes,
        intraNode: placement.intraNode,
        interNode: placement.interNode,
        edges: placement.edges,
      },
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    const warning = disconnectedWarning(topology.r2o);
    if (warning !== undefined) process.stderr.write(`lplb: ${warning}\n`);
    return;
  }
  const groups = epSize / topology.groupSize;
  const out: string[] = [];
  out.push(
    `${topology.name}: valid r2o, ${topology.groupSize} ranks per redundancy group, ${topology.slots} slot${topology.slots === 1 ? "" : "s"} ` +
      "(every column is a permutation without fixed points)",
    `EP${epSize}: ${groups} group${groups === 1 ? "" : "s"} of ${topology.groupSize} consecutive ranks, ` +
      `${options.gpusPerNode} GPUs per node (${placement.nodes} node${placement.nodes === 1 ? "" : "s"})`,
    "",
    "r2o of one group: rank i hosts, in redundant slot d, a copy of slot d of rank r2o[i][d]",
  );
  const slotHeaders = Array.from({ length: topology.slots }, (_, d) => `slot ${d} copies rank`);
  out.push(
    formatTable(
      ["rank", ...slotHeaders],
      topology.r2o.map((row, i) => [String(i), ...row.map(String)]),
    ),
  );
  const perSlot = Array.from({ length: topology.slots }, () => ({ intra: 0, inter: 0 }));
  for (const edge of placement.edges) {
    if (edge.intraNode) perSlot[edge.slot].intra++;
    else perSlot[edge.slot].inter++;
  }
  out.push(
    `replication edges over EP${epSize}: ${placement.edges.length}, ${placement.intraNode} inside a node, ${placement.interNode} across nodes`,
    formatTable(
      ["slot", "inside a node", "across nodes"],
      perSlot.map((s, d) => [String(d), String(s.intra), String(s.inter)]),
    ).trimEnd(),
  );
  const warning = disconnectedWarning(topology.r2o);
  if (warning !== undefined) out.push("", warning);
  if (svgPath !== undefined) out.push(`drawing written to ${options.svg}`);
  if (dotPath !== undefined) out.push(`DOT written to ${options.dot}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

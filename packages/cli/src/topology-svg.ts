/**
 * Draws a redundancy topology as a standalone SVG: GPUs as circles boxed by node, one arrow per
 * replication edge from the original's rank to the rank holding the copy, coloured by slot and
 * dashed when it crosses nodes.
 */
import { expectInteger, InvalidArgumentError } from "@lplb/errors";
import { SLOT_COLORS, type Topology } from "@lplb/topology";

/** Options of {@link topologySvg}. */
export interface TopologySvgOptions {
  /** EP ranks to draw, a multiple of the group size; default the group size (one group). */
  readonly epSize?: number;
  /** GPUs per node, for the node boxes; default 8. */
  readonly gpusPerNode?: number;
  /** Caption drawn above the picture; default a description of the topology. */
  readonly title?: string;
}

const RADIUS = 15;
const SPACING = 72;
const PAD = 26;
const LABEL = 22;
const NODE_GAP = 36;
const MARGIN = 16;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Renders `topology` over `epSize` ranks as SVG text (no external references, so it can be
 * inlined in HTML or saved as a `.svg` file).
 *
 * Elements carry data attributes for tools and tests: `circle.rank[data-rank]`,
 * `rect.node[data-node]`, and `path.edge[data-slot][data-original][data-replica][data-inter-node]`.
 *
 * @param topology a validated topology (borrowed).
 * @param options see {@link TopologySvgOptions}.
 * @throws InvalidArgumentError for an `epSize` that is not a multiple of the group size, or a bad `gpusPerNode`.
 */
export function topologySvg(topology: Topology, options: TopologySvgOptions = {}): string {
  const epSize = options.epSize ?? topology.groupSize;
  expectInteger("options.epSize", epSize, topology.groupSize, 1024);
  if (epSize % topology.groupSize !== 0) {
    throw new InvalidArgumentError(
      "options.epSize",
      `expected a multiple of the topology's group size ${topology.groupSize} for options.epSize, got ${epSize}`,
    );
  }
  const gpusPerNode = expectInteger("options.gpusPerNode", options.gpusPerNode ?? 8, 1, 1024);
  const placement = topology.placement(epSize, gpusPerNode);
  const perNode = Math.min(gpusPerNode, epSize);
  const columns = perNode <= 4 ? perNode : perNode <= 16 ? 4 : Math.ceil(Math.sqrt(perNode));
  const rowsPerNode = Math.ceil(perNode / columns);
  const nodeWidth = 2 * PAD + (columns - 1) * SPACING;
  const nodeHeight = LABEL + 2 * PAD + (rowsPerNode - 1) * SPACING;
  const nodes = placement.nodes;
  const nodesPerRow = Math.min(nodes, Math.max(1, Math.floor(1100 / (nodeWidth + NODE_GAP))));
  const nodeRows = Math.ceil(nodes / nodesPerRow);
  const titleHeight = 30;
  const legendHeight = 28;
  const groups = epSize / topology.groupSize;
  const title =
    options.title ??
    `${topology.name}: ${topology.groupSize} ranks per group, ${topology.slots} slot${topology.slots === 1 ? "" : "s"}; ` +
      `EP${epSize} (${groups} group${groups === 1 ? "" : "s"}), ${gpusPerNode} GPUs per node`;
  const legendText = "crosses nodes; arrows point from the original to its copy";
  // Text widths are estimated (about 0.6 em per character), which is enough to keep it inside.
  const textWidth = (text: string, size: number) => Math.ceil(text.length * size * 0.6);
  const width = Math.max(
    2 * MARGIN + nodesPerRow * nodeWidth + (nodesPerRow - 1) * NODE_GAP,
    2 * MARGIN + textWidth(title, 14),
    2 * MARGIN + topology.slots * 80 + 28 + textWidth(legendText, 12),
  );
  const height = 2 * MARGIN + titleHeight + nodeRows * nodeHeight + (nodeRows - 1) * NODE_GAP + legendHeight;

  const nodeOrigin = (node: number) => ({
    x: MARGIN + (node % nodesPerRow) * (nodeWidth + NODE_GAP),
    y: MARGIN + titleHeight + Math.floor(node / nodesPerRow) * (nodeHeight + NODE_GAP),
  });
  const position = (rank: number) => {
    const node = Math.floor(rank / gpusPerNode);
    const local = rank % gpusPerNode;
    const origin = nodeOrigin(node);
    return {
      x: origin.x + PAD + (local % columns) * SPACING,
      y: origin.y + LABEL + PAD + Math.floor(local / columns) * SPACING,
    };
  };

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    "<defs>",
  );
  for (let slot = 0; slot < topology.slots; slot++) {
    const color = SLOT_COLORS[slot % SLOT_COLORS.length];
    parts.push(
      `<marker id="arrow-${slot}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
        `<path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    );
  }
  parts.push("</defs>", `<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${MARGIN}" y="${MARGIN + 14}" font-size="14" fill="#222">${escapeXml(title)}</text>`);
  for (let node = 0; node < nodes; node++) {
    const { x, y } = nodeOrigin(node);
    parts.push(
      `<rect class="node" data-node="${node}" x="${x}" y="${y}" width="${nodeWidth}" height="${nodeHeight}" rx="10" fill="#f6f7f9" stroke="#9aa3ad"/>`,
      `<text x="${x + 10}" y="${y + 16}" font-size="12" fill="#555">node ${node}</text>`,
    );
  }
  for (const edge of placement.edges) {
    const from = position(edge.original);
    const to = position(edge.replica);
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy) || 1;
    // Bend each edge to its right by an amount that depends on the slot, so an edge and its
    // reverse, or edges of two slots between the same ranks, do not overlap.
    const bend = (0.18 + 0.12 * edge.slot) * Math.min(length, 260);
    const cx = (from.x + to.x) / 2 - (dy / length) * bend;
    const cy = (from.y + to.y) / 2 + (dx / length) * bend;
    // Start and end on the circles' rims, aiming at the control point.
    const rim = (p: { x: number; y: number }) => {
      const ux = cx - p.x;
      const uy = cy - p.y;
      const ul = Math.hypot(ux, uy) || 1;
      return { x: p.x + (ux / ul) * (RADIUS + 1), y: p.y + (uy / ul) * (RADIUS + 1) };
    };
    const a = rim(from);
    const b = rim(to);
    const color = SLOT_COLORS[edge.slot % SLOT_COLORS.length];
    const dash = edge.intraNode ? "" : ' stroke-dasharray="6 4"';
    parts.push(
      `<path class="edge" data-slot="${edge.slot}" data-original="${edge.original}" data-replica="${edge.replica}" data-inter-node="${!edge.intraNode}" ` +
        `d="M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}" ` +
        `fill="none" stroke="${color}" stroke-width="1.6"${dash} marker-end="url(#arrow-${edge.slot})">` +
        `<title>slot ${edge.slot}: rank ${edge.original} is copied to rank ${edge.replica}</title></path>`,
    );
  }
  for (let rank = 0; rank < epSize; rank++) {
    const { x, y } = position(rank);
    parts.push(
      `<circle class="rank" data-rank="${rank}" cx="${x}" cy="${y}" r="${RADIUS}" fill="white" stroke="#333" stroke-width="1.4"/>`,
      `<text x="${x}" y="${y + 4}" font-size="12" text-anchor="middle" fill="#111">${rank}</text>`,
    );
  }
  let legendX = MARGIN;
  const legendY = height - MARGIN - 6;
  for (let slot = 0; slot < topology.slots; slot++) {
    const color = SLOT_COLORS[slot % SLOT_COLORS.length];
    parts.push(
      `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 22}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 28}" y="${legendY}" font-size="12" fill="#333">slot ${slot}</text>`,
    );
    legendX += 80;
  }
  parts.push(
    `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 22}" y2="${legendY - 4}" stroke="#555" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${legendX + 28}" y="${legendY}" font-size="12" fill="#333">${legendText}</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

export { cube, hypercube, ring, torus2d } from "./builders.js";
export { type DotOptions, SLOT_COLORS } from "./dot.js";
export { randomTopology } from "./random.js";
export {
  isTopology,
  type PlacedEdge,
  type Placement,
  type RankMatrix,
  Topology,
  type TopologyEdge,
  type TopologyJson,
  type TopologyOptions,
  toTopology,
} from "./topology.js";
export { MAX_EP_SIZE, MAX_GROUP_SIZE, MAX_SLOTS } from "./validate.js";

export { type Group, LocalGroup, SimulatedGroupMember, createSimulatedGroup } from "./group.js";
export { type RedundancyMapping, buildRedundancyMapping, orderExperts } from "./mapping.js";
export {
  Planner,
  type PlannerBackend,
  type PlannerOptions,
  type ProbsResult,
  type RunResult,
  balanceOf,
} from "./planner.js";
export { type ExpertIds, type TokenCounts, keptTokens, spreadStride } from "./tokens.js";

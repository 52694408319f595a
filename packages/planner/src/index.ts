export { balanceOf } from "@lplb/lp";
export {
  createSimulatedGroup,
  type DeviceGroup,
  type Group,
  isDeviceGroup,
  LocalGroup,
  SimulatedGroupMember,
} from "./group.js";
export { buildRedundancyMapping, orderExperts, type RedundancyMapping } from "./mapping.js";
export { NcclGroup, type NcclGroupFromEnvOptions } from "./nccl-group.js";
export {
  Planner,
  type PlannerBackend,
  type PlannerOptions,
  type ProbsResult,
  type RunResult,
} from "./planner.js";
export { type ExpertIds, keptTokens, spreadStride, type TokenCounts } from "./tokens.js";

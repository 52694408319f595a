/**
 * @lplb/eplb: an exact and fast EPLB (DeepSeek's Expert Parallelism Load Balancer), with
 * plan-quality helpers and the load statistics that feed it.
 *
 * @packageDocumentation
 */
export {
  balancedPacking,
  type PackingResult,
  type RebalanceOptions,
  type RebalanceResult,
  type ReplicationResult,
  rebalanceExperts,
  rebalanceExpertsHierarchical,
  replicateExperts,
} from "./eplb.js";
export {
  type BatchCounts,
  ExponentialMovingLoad,
  type ExponentialMovingLoadOptions,
  SlidingWindowLoad,
  type SlidingWindowLoadOptions,
} from "./load-stats.js";
export { type PlanLoads, type PlanLoadsAllLayers, planLoads, planLoadsAllLayers } from "./plan-loads.js";

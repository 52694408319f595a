/**
 * @lplb/ipm: a batched dense interior-point LP solver with a native C++ core.
 *
 * - {@link solve}: one LP, synchronously.
 * - {@link solveBatch}: many LPs of one shape, synchronously (the hot path).
 * - {@link solveBatchAsync}: a batch on a worker thread, without blocking the event loop.
 * - {@link createSolver}: a reusable solver with preallocated buffers for one shape.
 * - {@link createMinMaxSolver}: the LPLB min-max LP of a redundancy group, by a solver
 *   specialised to its structure, with a certified answer.
 * - {@link countExperts}, {@link mapExperts}: the native token routing kernels.
 * - {@link DeviceArray}, {@link CudaStream}, {@link createDeviceStep}: device memory and the whole
 *   LPLB step on the GPU.
 * - {@link capabilities}: version and backends of the loaded addon.
 *
 * Problems and solutions use the types of `@lplb/lp`. Infeasible, unbounded and unconverged
 * LPs are statuses in the result; exceptions (from `@lplb/errors`) are for bad input and broken
 * environments.
 *
 * @packageDocumentation
 */
export type {
  LinearProgram,
  LpBatch,
  LpBatchSolution,
  LpShape,
  LpSolution,
  LpStatus,
} from "@lplb/lp";
export {
  capabilities,
  type IpmCapabilities,
  type IpmCudaCapabilities,
  type IpmNcclCapabilities,
} from "./capabilities.js";
export {
  CudaStream,
  createDeviceStep,
  DeviceArray,
  type DeviceArrayKind,
  type DeviceStep,
  type DeviceStepLayout,
  type DeviceStepResult,
  setDevice,
} from "./device.js";
export {
  createMinMaxSolver,
  MINMAX_MAX_EDGES,
  MINMAX_MAX_RANKS,
  type MinMaxGroup,
  type MinMaxMethod,
  type MinMaxOptions,
  type MinMaxSolution,
  type MinMaxSolver,
  type ResolvedMinMaxOptions,
} from "./minmax.js";
export {
  NCCL_UNIQUE_ID_BYTES,
  NcclCommunicator,
  type NcclCommunicatorOptions,
  ncclUniqueId,
} from "./nccl.js";
export {
  DEFAULT_MAX_ITERATIONS,
  DEFAULT_TOLERANCE,
  type IpmBackend,
  type IpmOptions,
  type IpmPrecision,
  MAX_DIMENSION,
  MAX_ITERATIONS_LIMIT,
  type ResolvedIpmOptions,
} from "./options.js";
export { countExperts, type ExpertIdArray, mapExperts } from "./routing.js";
export {
  createSolver,
  type IpmSolver,
  type IpmSolverOptions,
  solve,
  solveBatch,
  solveBatchAsync,
} from "./solver.js";

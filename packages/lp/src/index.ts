export { batchSolutionAt, createLpBatchSolution, type LpBatchSolutionArrays, linearProgramAt } from "./batch.js";
export { createGeneralLayout, type GeneralLayout, type GeneralLayoutOptions, type GeneralLp } from "./general.js";
export {
  balanceOf,
  createLplbLayout,
  type LplbBatch,
  type LplbLayout,
  type LplbLayoutOptions,
  type LplbWeights,
  MAX_EXPERTS,
  MAX_LAYOUT_COEFFICIENTS,
} from "./lplb.js";
export * from "./types.js";
export { MAX_LP_ELEMENTS, validateLinearProgram, validateLpBatch } from "./validate.js";
export {
  DEFAULT_VERIFY_TOLERANCES,
  type VerifyReport,
  type VerifyTolerances,
  verifySolution,
} from "./verify.js";

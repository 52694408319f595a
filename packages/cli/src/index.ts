/**
 * @lplb/cli: the `lplb` command, and the pieces behind it for programmatic use: load-file
 * readers, the policy simulation, the HTML report and the topology drawing.
 *
 * @packageDocumentation
 */
export { expectWritablePath, writeFileAtomic } from "./atomic-write.js";
export { type BenchOptions, type BenchResult, runBenchmarks } from "./bench.js";
export { cliReferenceMarkdown } from "./cli-reference.js";
export type { EplbPlanFile } from "./eplb-command.js";
export { type HighsAvailability, type HighsSolution, type HighsSolver, loadHighs, toLpFormat } from "./highs.js";
export {
  aggregateLoads,
  DEFAULT_TRACE,
  type LoadFile,
  type LoadFormat,
  type LoadKind,
  type ReadLoadFileOptions,
  readLoadFile,
  scenarioIndex,
} from "./loads.js";
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, errorLine, exitCodeOf, runLplb } from "./main.js";
export { encodeNpy, type NpyArray, parseNpy } from "./npy.js";
export { createProgram } from "./program.js";
export { drawTokens, seededRandom, zipfWeights } from "./random.js";
export { type ReportInput, renderSimulationReport } from "./report.js";
export {
  type DistributionSource,
  type LatencySummary,
  type LpPolicyStats,
  MAX_TRACE_ASSIGNMENTS,
  POLICIES,
  type Policy,
  type PolicySummary,
  type SimulationConfig,
  type SimulationResult,
  simulate,
  type TraceSource,
  type WorstBatch,
} from "./simulate.js";
export type { SimulationSetup } from "./simulate-command.js";
export { parseTopology, TOPOLOGY_SPECS } from "./topology-arg.js";
export { type TopologySvgOptions, topologySvg } from "./topology-svg.js";

export { DEFAULT_TRACE, type LoadFile, readLoadFile, scenarioIndex } from "./loads.js";
export { drawTokens, seededRandom } from "./random.js";
export { POLICIES, type Policy, type PolicySummary, type SimulationConfig, type SimulationResult, simulate } from "./simulate.js";
export { parseTopology } from "./topology-arg.js";

/**
 * Replays batches of routed tokens through load-balancing policies and measures how evenly each
 * spreads the tokens over the EP ranks:
 *
 * - `no-redundancy`: EPLB reordering only (one copy per expert, `numReplicas = E`);
 * - `eplb-even`: EPLB with `R` redundant experts per rank; each expert's tokens are split evenly
 *   over its copies by a round-robin dispatcher (what vLLM and SGLang do by default);
 * - `lplb`: LPLB over an r2o topology: the planner solves one LP per redundancy group and every
 *   token is mapped to a physical expert by the planner itself;
 * - `lp-eplb`: the general LP (`@lplb/lp` `createGeneralLayout`) over EPLB's own replica
 *   placement, solved by `@lplb/ipm`, tokens split over the copies in the LP's proportions
 *   (largest-remainder rounding);
 * - `ideal`: every rank carries `total / epSize`; its balance is 1 by definition, the bound.
 *
 * Balance of one batch is `sum over layers of max rank load / sum over layers of mean rank load`
 * (with one layer: max / mean). 1.0 is perfect; it is the ratio of the time the slowest rank
 * needs to the time a perfectly balanced step would take, when time is linear in tokens.
 */
import { rebalanceExperts } from "@lplb/eplb";
import { expectInteger, expectOptions, InvalidArgumentError, invalid } from "@lplb/errors";
import { solve } from "@lplb/ipm";
import { createGeneralLayout, type GeneralLayout, type GeneralLp } from "@lplb/lp";
import { Planner } from "@lplb/planner";
import { isTopology, type Topology } from "@lplb/topology";
import { drawTokens, seededRandom, shuffle } from "./random.js";

/** Every policy, in display order. */
export const POLICIES = ["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal"] as const;

/** A load-balancing policy compared by {@link simulate}. */
export type Policy = (typeof POLICIES)[number];

/**
 * Batches drawn from aggregate load distributions: every batch, each of the `epSize` ranks routes
 * `tokensPerRank` tokens, each to `topK` distinct experts drawn in proportion to `serving`.
 */
export interface DistributionSource {
  readonly kind: "distribution";
  /** `[layer][expert]` loads the placements are planned on (borrowed). */
  readonly calibration: readonly ArrayLike<number>[];
  /** `[layer][expert]` loads batches are drawn from (borrowed); the same as `calibration` unless modelling drift. */
  readonly serving: readonly ArrayLike<number>[];
  /** Tokens per rank per batch, an integer >= 1. */
  readonly tokensPerRank: number;
  /** Number of batches, an integer >= 1. */
  readonly batches: number;
}

/**
 * A recorded per-batch trace replayed batch by batch. Placements are planned on the sum of the
 * last `window` batches (never the batch being served), re-planned every `replanEvery` batches;
 * the first `calibrationBatches` batches only fill that history and are not scored.
 */
export interface TraceSource {
  readonly kind: "trace";
  /** `[batch][layer][expert]` token counts, integers >= 0 (borrowed). */
  readonly batches: readonly (readonly ArrayLike<number>[])[];
  /** Batches of history a plan is built from, an integer >= 1. */
  readonly window: number;
  /** Batches between two plans, an integer >= 1. */
  readonly replanEvery: number;
  /** Leading batches used only as history, an integer in `[1, batches.length - 1]`. */
  readonly calibrationBatches: number;
}

/** Options of {@link simulate}. */
export interface SimulationConfig {
  /** Where the batches come from. */
  readonly source: DistributionSource | TraceSource;
  /** The LPLB redundancy topology (the `lplb` policy). */
  readonly topology: Topology;
  /** EP ranks, a multiple of the topology's group size that divides the number of experts. */
  readonly epSize: number;
  /** Redundant experts per rank `R`: a positive multiple of the topology's slots, at most `experts / epSize`. */
  readonly redundantPerRank: number;
  /** Experts per token when drawing batches (distribution sources only), an integer >= 1. */
  readonly topK: number;
  /** GPUs per node (EPLB's node count is `max(1, epSize / gpusPerNode)`); default 8. */
  readonly gpusPerNode?: number;
  /** Expert groups of the model's group-limited routing, for the EPLB policies; default 1. */
  readonly expertGroups?: number;
  /** Policies to run; default all of {@link POLICIES}. */
  readonly policies?: readonly Policy[];
  /** Seed of the token draws and of the trace's token order; default 1. */
  readonly seed?: number;
}

/** Balance statistics of one policy over the scored batches. */
export interface PolicySummary {
  readonly policy: Policy;
  readonly meanBalance: number;
  /** Median (nearest rank). */
  readonly p50Balance: number;
  /** 99th percentile (nearest rank). */
  readonly p99Balance: number;
  readonly maxBalance: number;
}

/** Wall time of the solves of one policy, microseconds. */
export interface LatencySummary {
  readonly median: number;
  /** 99th percentile (nearest rank). */
  readonly p99: number;
  /** Every solve's time, in order (one per scored batch and layer). */
  readonly samples: Float64Array;
}

/** Diagnostics of an LP-based policy. */
export interface LpPolicyStats {
  /** Time of one solve: for `lplb` all redundancy groups of one layer, for `lp-eplb` the one LP of a layer. */
  readonly solveMicros: LatencySummary;
  /** LPs that were not solved to optimality and fell back to an even split. */
  readonly fallbacks: number;
  /** LPs solved (`lplb`: groups x layers x batches; `lp-eplb`: layers x batches). */
  readonly solves: number;
  /** Largest difference between the LP's predicted and the realised max rank load, in tokens. */
  readonly maxPredictionGap: number;
}

/** Rank loads of the batch where LPLB's placement alone is the most unbalanced. */
export interface WorstBatch {
  /** Index of the scored batch (0 = first scored batch). */
  readonly batch: number;
  /** Balance with every token on its original copy (LPLB's placement, before the LP split). */
  readonly balanceBefore: number;
  /** Balance after LPLB. */
  readonly balanceAfter: number;
  /** `before[layer][rank]`: tokens per rank with every token on its original copy. */
  readonly before: Float64Array[];
  /** `after[layer][rank]`: tokens per rank after LPLB. */
  readonly after: Float64Array[];
}

/** Result of {@link simulate}; every array is owned by the caller. */
export interface SimulationResult {
  /** The policies run, in display order. */
  readonly policies: Policy[];
  /** Layers simulated per batch. */
  readonly layers: number;
  /** Logical experts `E`. */
  readonly experts: number;
  /** Batches scored. */
  readonly batches: number;
  /** Placements planned (1 for distribution sources). */
  readonly plans: number;
  readonly summaries: PolicySummary[];
  /** Balance of every scored batch, per policy run. */
  readonly balances: Partial<Record<Policy, Float64Array>>;
  /** Present when `lplb` ran. */
  readonly lplb?: LpPolicyStats;
  /** Present when `lp-eplb` ran. */
  readonly lpEplb?: LpPolicyStats;
  /** Present when `lplb` ran. */
  readonly worstBatch?: WorstBatch;
}

/** Largest number of token assignments one batch and layer of a trace may hold. */
export const MAX_TRACE_ASSIGNMENTS = 1 << 26;

/** Quantile by the nearest-rank method. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function latency(samples: Float64Array): LatencySummary {
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99), samples };
}

interface Shape {
  readonly E: number;
  readonly epSize: number;
  readonly R: number;
  readonly numNodes: number;
  readonly expertGroups: number;
  readonly gpusPerNode: number;
  readonly topology: Topology;
}

/** Per-layer state: the placements of every policy and their per-batch rank loads. */
class LayerSimulator implements Disposable {
  readonly loads: Record<Policy, Float64Array>;
  /** Rank loads under LPLB's placement with every token on its original. */
  readonly before: Float64Array;
  lplbSolveMicros = 0;
  lplbFallbacks = 0;
  lplbGap = 0;
  lpEplbSolveMicros = 0;
  lpEplbFallback = false;
  lpEplbGap = 0;

  private readonly perRank: number;
  private ownRank = new Int32Array(0);
  private copyStart = new Int32Array(0);
  private copyPhysical = new Int32Array(0);
  private roundRobin = new Int32Array(0);
  private general: GeneralLayout | undefined;
  private generalLp: GeneralLp | undefined;
  private readonly fractions: Float64Array;
  private readonly planner: Planner | undefined;
  private originalRank = new Int32Array(0);

  constructor(
    private readonly shape: Shape,
    private readonly policies: ReadonlySet<Policy>,
  ) {
    const { E, epSize, R } = shape;
    const nRouted = E + R * epSize;
    this.perRank = nRouted / epSize;
    this.loads = Object.fromEntries(POLICIES.map((p) => [p, new Float64Array(epSize)])) as Record<Policy, Float64Array>;
    this.before = new Float64Array(epSize);
    this.fractions = new Float64Array(nRouted);
    if (policies.has("lplb")) {
      this.planner = new Planner({
        r2o: shape.topology,
        nLogicalExperts: E,
        nRoutedExperts: nRouted,
        epSize,
        gpusPerNode: shape.gpusPerNode,
      });
    }
  }

  /** Plans every placement on `history` (tokens per logical expert). */
  plan(history: Float64Array): void {
    const { E, epSize, R, numNodes, expertGroups } = this.shape;
    if (this.policies.has("no-redundancy")) {
      const plan = rebalanceExperts([history], { numReplicas: E, numGroups: expertGroups, numNodes, numGpus: epSize });
      const own = E / epSize;
      this.ownRank = new Int32Array(E);
      plan.phy2log[0].forEach((e, p) => {
        this.ownRank[e] = Math.floor(p / own);
      });
    }
    if (this.policies.has("eplb-even") || this.policies.has("lp-eplb")) {
      const plan = rebalanceExperts([history], {
        numReplicas: E + R * epSize,
        numGroups: expertGroups,
        numNodes,
        numGpus: epSize,
      });
      const phy2log = plan.phy2log[0];
      const logcnt = plan.logcnt[0];
      this.copyStart = new Int32Array(E + 1);
      for (let e = 0; e < E; e++) this.copyStart[e + 1] = this.copyStart[e] + logcnt[e];
      this.copyPhysical = new Int32Array(phy2log.length);
      const cursor = this.copyStart.slice(0, E);
      for (let p = 0; p < phy2log.length; p++) this.copyPhysical[cursor[phy2log[p]]++] = p;
      this.roundRobin = new Int32Array(E);
      if (this.policies.has("lp-eplb")) {
        this.general = createGeneralLayout({ phy2log, epSize, nLogicalExperts: E });
        this.generalLp = undefined;
      }
    }
    if (this.planner !== undefined) {
      const mapping = this.planner.updateRedundancyMapping(history);
      this.originalRank = new Int32Array(E);
      for (let e = 0; e < E; e++) this.originalRank[e] = Math.floor(mapping.log2phy[e][0] / this.perRank);
      // One untimed solve, so first-use costs (workspace set-up) stay out of the latency figures.
      this.planner.solveProbs(history);
    }
    if (this.general !== undefined && this.policies.has("lp-eplb")) solve(this.general.fill(history));
  }

  /** Serves one batch of this layer: `ids[r]` are the logical ids routed by source rank r. */
  serve(ids: readonly Int32Array[], workload: Float64Array): void {
    const { E, epSize } = this.shape;
    const loads = this.loads;
    if (this.policies.has("no-redundancy")) {
      const out = loads["no-redundancy"].fill(0);
      for (let e = 0; e < E; e++) out[this.ownRank[e]] += workload[e];
    }
    if (this.policies.has("eplb-even")) {
      const out = loads["eplb-even"].fill(0);
      for (let e = 0; e < E; e++) {
        const start = this.copyStart[e];
        const copies = this.copyStart[e + 1] - start;
        const tokens = workload[e];
        const base = Math.floor(tokens / copies);
        const extra = tokens - base * copies;
        // A round-robin dispatcher: the extra tokens go to the copies next in turn.
        for (let i = 0; i < copies; i++) {
          const turn = (i - this.roundRobin[e] + copies) % copies;
          out[Math.floor(this.copyPhysical[start + i] / this.perRank)] += base + (turn < extra ? 1 : 0);
        }
        this.roundRobin[e] = (this.roundRobin[e] + extra) % copies;
      }
    }
    if (this.policies.has("lp-eplb")) this.serveLpEplb(workload);
    if (this.planner !== undefined) {
      const planner = this.planner;
      const started = process.hrtime.bigint();
      const solved = planner.solveProbs(workload);
      this.lplbSolveMicros = Number(process.hrtime.bigint() - started) / 1000;
      this.lplbFallbacks = solved.fallbackGroups.length;
      const out = loads.lplb.fill(0);
      for (let r = 0; r < ids.length; r++) {
        const counts = planner.countWorkload(ids[r]);
        const physical = planner.weightedSelectTarget(ids[r], solved.probs, counts);
        for (let i = 0; i < physical.length; i++) {
          if (physical[i] >= 0) out[Math.floor(physical[i] / this.perRank)]++;
        }
      }
      this.lplbGap = Math.abs(maxOf(solved.rankLoads) - maxOf(out));
      this.before.fill(0);
      for (let e = 0; e < E; e++) this.before[this.originalRank[e]] += workload[e];
    }
    if (this.policies.has("ideal")) {
      let total = 0;
      for (let e = 0; e < E; e++) total += workload[e];
      loads.ideal.fill(total / epSize);
    }
  }

  private serveLpEplb(workload: Float64Array): void {
    const general = this.general!;
    const { E } = this.shape;
    const started = process.hrtime.bigint();
    this.generalLp = general.fill(workload, this.generalLp);
    const solution = solve(this.generalLp);
    this.lpEplbFallback = solution.status !== "optimal";
    if (this.lpEplbFallback) {
      for (let e = 0; e < E; e++) {
        const start = this.copyStart[e];
        const copies = this.copyStart[e + 1] - start;
        for (let i = 0; i < copies; i++) this.fractions[this.copyPhysical[start + i]] = 1 / copies;
      }
    } else {
      general.sharesFromSolution(solution, this.fractions);
    }
    this.lpEplbSolveMicros = Number(process.hrtime.bigint() - started) / 1000;
    const predicted = general.rankLoads(workload, this.fractions);
    const out = this.loads["lp-eplb"].fill(0);
    for (let e = 0; e < E; e++) {
      const start = this.copyStart[e];
      const end = this.copyStart[e + 1];
      splitTokens(workload[e], this.copyPhysical, start, end, this.fractions, (p, tokens) => {
        out[Math.floor(p / this.perRank)] += tokens;
      });
    }
    this.lpEplbGap = Math.abs(maxOf(predicted) - maxOf(out));
  }

  [Symbol.dispose](): void {
    this.planner?.dispose();
  }
}

/**
 * Splits `tokens` (an integer) over the physical copies `physical[start..end)` in proportion to
 * `fractions[p]` (which sum to 1 over the copies): each copy gets the floor of its share, and the
 * tokens left over go one each to the copies with the largest remainders (ties: the earlier copy).
 */
export function splitTokens(
  tokens: number,
  physical: ArrayLike<number>,
  start: number,
  end: number,
  fractions: ArrayLike<number>,
  add: (physicalId: number, tokens: number) => void,
): void {
  const copies = end - start;
  if (copies === 1) {
    add(physical[start], tokens);
    return;
  }
  const base: number[] = [];
  const remainder: number[] = [];
  let left = tokens;
  for (let i = 0; i < copies; i++) {
    const share = tokens * fractions[physical[start + i]];
    const whole = Math.min(left, Math.floor(share));
    base.push(whole);
    remainder.push(share - whole);
    left -= whole;
  }
  const order = base.map((_, i) => i).sort((a, b) => remainder[b] - remainder[a] || a - b);
  for (let k = 0; left > 0; k = (k + 1) % copies, left--) base[order[k]]++;
  for (let i = 0; i < copies; i++) add(physical[start + i], base[i]);
}

function maxOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

function expectRows(name: string, rows: unknown, experts: number | undefined): ArrayLike<number>[] {
  if (!Array.isArray(rows) || rows.length === 0) invalid(name, "a non-empty array of [expert] load rows", rows);
  (rows as unknown[]).forEach((row, l) => {
    const r = row as ArrayLike<number> | null;
    if (r === null || typeof r !== "object" || typeof r.length !== "number" || r.length === 0) {
      invalid(`${name}[${l}]`, "an array of loads", row);
    }
    if (experts !== undefined && r.length !== experts) invalid(`${name}[${l}]`, `an array of ${experts} loads`, row);
    for (let e = 0; e < r.length; e++) {
      if (!(Number.isFinite(r[e]) && r[e] >= 0)) invalid(`${name}[${l}][${e}]`, "a finite load >= 0", r[e]);
    }
  });
  return rows as ArrayLike<number>[];
}

interface Validated {
  shape: Shape;
  policies: Policy[];
  seed: number;
  layers: number;
}

function validate(config: SimulationConfig): Validated {
  const c = expectOptions("config", config);
  if (!isTopology(c.topology)) invalid("config.topology", "a Topology from @lplb/topology", c.topology);
  const topology = c.topology as Topology;
  const source = c.source;
  if (source === null || typeof source !== "object") invalid("config.source", "a distribution or trace source", source);
  let experts: number;
  let layers: number;
  if (source!.kind === "distribution") {
    const calibration = expectRows("config.source.calibration", source.calibration, undefined);
    experts = calibration[0].length;
    layers = calibration.length;
    expectRows("config.source.calibration", calibration, experts);
    const serving = expectRows("config.source.serving", source.serving, experts);
    if (serving.length !== layers)
      invalid("config.source.serving", `${layers} layers like calibration`, source.serving);
    expectInteger("config.source.tokensPerRank", source.tokensPerRank, 1, 1 << 24);
    expectInteger("config.source.batches", source.batches, 1, 1 << 24);
  } else if (source!.kind === "trace") {
    const batches = source.batches;
    if (!Array.isArray(batches) || batches.length < 2)
      invalid("config.source.batches", "an array of at least 2 batches", batches);
    const first = expectRows("config.source.batches[0]", batches[0], undefined);
    experts = first[0].length;
    layers = first.length;
    batches.forEach((batch, b) => {
      const rows = expectRows(`config.source.batches[${b}]`, batch, experts);
      if (rows.length !== layers) invalid(`config.source.batches[${b}]`, `${layers} layers like batches[0]`, batch);
      rows.forEach((row, l) => {
        let total = 0;
        for (let e = 0; e < experts; e++) {
          if (!Number.isInteger(row[e]))
            invalid(`config.source.batches[${b}][${l}][${e}]`, "an integer token count", row[e]);
          total += row[e];
        }
        if (total > MAX_TRACE_ASSIGNMENTS) {
          invalid(`config.source.batches[${b}][${l}]`, `at most ${MAX_TRACE_ASSIGNMENTS} token assignments`, total);
        }
      });
    });
    expectInteger("config.source.window", source.window, 1);
    expectInteger("config.source.replanEvery", source.replanEvery, 1);
    expectInteger("config.source.calibrationBatches", source.calibrationBatches, 1, batches.length - 1);
  } else {
    return invalid("config.source.kind", '"distribution" or "trace"', (source as { kind?: unknown }).kind);
  }
  const epSize = expectInteger("config.epSize", c.epSize, 1, 1 << 16);
  if (epSize % topology.groupSize !== 0) {
    invalid("config.epSize", `a multiple of the topology's group size ${topology.groupSize}`, epSize);
  }
  if (experts % epSize !== 0) invalid("config.epSize", `a divisor of the number of experts (${experts})`, epSize);
  const R = expectInteger("config.redundantPerRank", c.redundantPerRank, 1, experts / epSize);
  if (R % topology.slots !== 0)
    invalid("config.redundantPerRank", `a multiple of the topology's ${topology.slots} slots`, R);
  const topK = expectInteger("config.topK", c.topK, 1, experts);
  if (source!.kind === "distribution") {
    for (const [name, rows] of [["serving", source.serving]] as const) {
      rows.forEach((row, l) => {
        let positive = 0;
        for (let e = 0; e < row.length; e++) if (row[e] > 0) positive++;
        if (positive < topK) {
          invalid(
            `config.source.${name}[${l}]`,
            `at least topK (${topK}) experts with load > 0`,
            `${positive} such experts`,
          );
        }
      });
    }
  }
  const gpusPerNode = expectInteger("config.gpusPerNode", c.gpusPerNode ?? 8, 1, 1 << 16);
  if (epSize > gpusPerNode && epSize % gpusPerNode !== 0) {
    invalid("config.gpusPerNode", `a divisor of epSize (${epSize}) or a value >= it`, gpusPerNode);
  }
  const expertGroups = expectInteger("config.expertGroups", c.expertGroups ?? 1, 1, experts);
  if (experts % expertGroups !== 0)
    invalid("config.expertGroups", `a divisor of the number of experts (${experts})`, expertGroups);
  const requested = c.policies ?? POLICIES;
  if (!Array.isArray(requested) || requested.length === 0)
    invalid("config.policies", "a non-empty array of policies", requested);
  for (const p of requested as unknown[]) {
    if (!(POLICIES as readonly unknown[]).includes(p))
      invalid("config.policies", `policies among ${POLICIES.join(", ")}`, p);
  }
  const policies = POLICIES.filter((p) => (requested as readonly string[]).includes(p));
  const seed = expectInteger("config.seed", c.seed ?? 1, 0, 2 ** 32 - 1);
  const numNodes = Math.max(1, Math.floor(epSize / gpusPerNode));
  return {
    shape: { E: experts, epSize, R, numNodes, expertGroups, gpusPerNode, topology },
    policies,
    seed,
    layers,
  };
}

/**
 * Runs the simulation.
 *
 * @param config see {@link SimulationConfig}; every load array is borrowed, never modified.
 * @param onBatch called after every scored batch with the number done and the total (for
 *   progress display).
 * @returns fresh results; see {@link SimulationResult}.
 * @throws InvalidArgumentError naming the offending field (`config.epSize`, ...) for bad input.
 */
export function simulate(config: SimulationConfig, onBatch?: (done: number, total: number) => void): SimulationResult {
  const { shape, policies, seed, layers } = validate(config);
  if (onBatch !== undefined && typeof onBatch !== "function") invalid("onBatch", "a function", onBatch);
  const { E, epSize } = shape;
  const source = config.source;
  const enabled = new Set(policies);
  const random = seededRandom(seed);
  const totalBatches =
    source.kind === "distribution" ? source.batches : source.batches.length - source.calibrationBatches;
  const balances = Object.fromEntries(policies.map((p) => [p, new Float64Array(totalBatches)])) as Record<
    Policy,
    Float64Array
  >;
  const lplbTimes = new Float64Array(enabled.has("lplb") ? totalBatches * layers : 0);
  const lpEplbTimes = new Float64Array(enabled.has("lp-eplb") ? totalBatches * layers : 0);
  let lplbFallbacks = 0;
  let lpEplbFallbacks = 0;
  let lplbGap = 0;
  let lpEplbGap = 0;
  let plans = 0;
  let worst: WorstBatch | undefined;

  const simulators: LayerSimulator[] = [];
  try {
    for (let l = 0; l < layers; l++) simulators.push(new LayerSimulator(shape, enabled));
    const planAll = (history: (l: number) => Float64Array) => {
      for (let l = 0; l < layers; l++) simulators[l].plan(history(l));
      plans++;
    };
    if (source.kind === "distribution") planAll((l) => Float64Array.from(source.calibration[l]));

    const sumMax = new Float64Array(POLICIES.length);
    const sumMean = new Float64Array(POLICIES.length);
    const workload = new Float64Array(E);
    for (let b = 0; b < totalBatches; b++) {
      const absolute = source.kind === "trace" ? source.calibrationBatches + b : b;
      if (source.kind === "trace" && b % source.replanEvery === 0) {
        const from = Math.max(0, absolute - source.window);
        planAll((l) => {
          const history = new Float64Array(E);
          for (let h = from; h < absolute; h++) {
            const row = source.batches[h][l];
            for (let e = 0; e < E; e++) history[e] += row[e];
          }
          return history;
        });
      }
      sumMax.fill(0);
      sumMean.fill(0);
      let beforeMax = 0;
      let beforeMean = 0;
      for (let l = 0; l < layers; l++) {
        let ids: Int32Array[];
        if (source.kind === "distribution") {
          ids = [];
          for (let r = 0; r < epSize; r++)
            ids.push(drawTokens(source.serving[l], source.tokensPerRank, config.topK, random));
          workload.fill(0);
          for (const rankIds of ids) for (let i = 0; i < rankIds.length; i++) workload[rankIds[i]]++;
        } else {
          const counts = source.batches[absolute][l];
          for (let e = 0; e < E; e++) workload[e] = counts[e];
          ids = traceTokens(counts, epSize, random);
        }
        const sim = simulators[l];
        sim.serve(ids, workload);
        policies.forEach((p) => {
          const k = POLICIES.indexOf(p);
          sumMax[k] += maxOf(sim.loads[p]);
          sumMean[k] += meanOf(sim.loads[p]);
        });
        if (enabled.has("lplb")) {
          lplbTimes[b * layers + l] = sim.lplbSolveMicros;
          lplbFallbacks += sim.lplbFallbacks;
          lplbGap = Math.max(lplbGap, sim.lplbGap);
          beforeMax += maxOf(sim.before);
          beforeMean += meanOf(sim.before);
        }
        if (enabled.has("lp-eplb")) {
          lpEplbTimes[b * layers + l] = sim.lpEplbSolveMicros;
          if (sim.lpEplbFallback) lpEplbFallbacks++;
          lpEplbGap = Math.max(lpEplbGap, sim.lpEplbGap);
        }
      }
      for (const p of policies) {
        const k = POLICIES.indexOf(p);
        balances[p][b] = p === "ideal" ? 1 : sumMean[k] > 0 ? sumMax[k] / sumMean[k] : 1;
      }
      if (enabled.has("lplb")) {
        const balanceBefore = beforeMean > 0 ? beforeMax / beforeMean : 1;
        if (worst === undefined || balanceBefore > worst.balanceBefore) {
          worst = {
            batch: b,
            balanceBefore,
            balanceAfter: balances.lplb[b],
            before: simulators.map((s) => Float64Array.from(s.before)),
            after: simulators.map((s) => Float64Array.from(s.loads.lplb)),
          };
        }
      }
      onBatch?.(b + 1, totalBatches);
    }
  } finally {
    for (const sim of simulators) sim[Symbol.dispose]();
  }

  const summaries = policies.map((policy) => {
    const values = balances[policy];
    let sum = 0;
    let max = 0;
    for (const v of values) {
      sum += v;
      max = Math.max(max, v);
    }
    return {
      policy,
      meanBalance: sum / values.length,
      p50Balance: quantile(values, 0.5),
      p99Balance: quantile(values, 0.99),
      maxBalance: max,
    };
  });
  const nGroups = epSize / shape.topology.groupSize;
  return {
    policies,
    layers,
    experts: E,
    batches: totalBatches,
    plans,
    summaries,
    balances,
    ...(enabled.has("lplb")
      ? {
          lplb: {
            solveMicros: latency(lplbTimes),
            fallbacks: lplbFallbacks,
            solves: totalBatches * layers * nGroups,
            maxPredictionGap: lplbGap,
          },
          worstBatch: worst,
        }
      : {}),
    ...(enabled.has("lp-eplb")
      ? {
          lpEplb: {
            solveMicros: latency(lpEplbTimes),
            fallbacks: lpEplbFallbacks,
            solves: totalBatches * layers,
            maxPredictionGap: lpEplbGap,
          },
        }
      : {}),
  };
}

/**
 * Tokens of one recorded batch, as the source ranks would have routed them: expert `e` appears
 * `counts[e]` times, in a seeded random order, cut into `epSize` near-equal contiguous parts.
 */
export function traceTokens(counts: ArrayLike<number>, epSize: number, random: () => number): Int32Array[] {
  let total = 0;
  for (let e = 0; e < counts.length; e++) total += counts[e];
  if (total > MAX_TRACE_ASSIGNMENTS) {
    throw new InvalidArgumentError(
      "counts",
      `expected at most ${MAX_TRACE_ASSIGNMENTS} token assignments, got ${total}`,
    );
  }
  const all = new Int32Array(total);
  for (let e = 0, k = 0; e < counts.length; e++) {
    all.fill(e, k, k + counts[e]);
    k += counts[e];
  }
  shuffle(all, random);
  const parts: Int32Array[] = [];
  for (let r = 0; r < epSize; r++) {
    parts.push(all.subarray(Math.floor((r * total) / epSize), Math.floor(((r + 1) * total) / epSize)));
  }
  return parts;
}

/**
 * The LPLB planner: count -> all-reduce -> solve -> map, per batch.
 */
import {
  CudaUnavailableError,
  describe,
  expectFinite,
  expectFiniteArray,
  expectInteger,
  expectOneOf,
  expectOptions,
  InvalidArgumentError,
} from "@lplb/errors";
import {
  CudaStream,
  capabilities,
  createDeviceStep,
  createMinMaxSolver,
  DeviceArray,
  type DeviceStep,
  type DeviceStepResult,
  type MinMaxSolver,
} from "@lplb/ipm";
import { balanceOf, createLplbLayout, LP_STATUSES, type LplbLayout, type LpStatus } from "@lplb/lp";
import { type Topology, toTopology } from "@lplb/topology";
import { type DeviceGroup, type Group, isDeviceGroup, LocalGroup } from "./group.js";
import { buildRedundancyMapping, orderExperts, type RedundancyMapping } from "./mapping.js";
import {
  countTokens,
  type ExpertIds,
  expectExpertIds,
  type RoutingTable,
  selectTargets,
  type TokenCounts,
} from "./tokens.js";

/** Where the planner runs its pipeline. */
export type PlannerBackend = "cpu" | "cuda" | "auto";

/** Options of {@link Planner}. Everything is validated when the planner is built. */
export interface PlannerOptions {
  /** Redundancy topology: an r2o matrix `[groupSize][D]` or a Topology from `@lplb/topology` (copied). */
  readonly r2o: Topology | ArrayLike<ArrayLike<number>>;
  /** Physical experts over the whole EP group: `E + R * epSize`. */
  readonly nRoutedExperts: number;
  /** Logical experts `E`. */
  readonly nLogicalExperts: number;
  /** EP size; optional when `group` gives it (then both must agree). */
  readonly epSize?: number;
  /** EP group for the workload all-reduce; default: this process only ({@link LocalGroup}). */
  readonly group?: Group;
  /** GPUs per node, used by the EPLB reordering; default 8. */
  readonly gpusPerNode?: number;
  /**
   * Backend; default `'cpu'`. `'cuda'` runs count, solve and map of {@link Planner.run} on the
   * GPU (one device step with buffers allocated once; groups of up to 32 ranks, up to 8192
   * logical experts). `'auto'` picks CUDA where it is usable and the group can take part
   * (one process, or a {@link DeviceGroup} such as `NcclGroup`), else the CPU, and says why in
   * {@link Planner.backendReason}.
   */
  readonly backend?: PlannerBackend;
  /** LP solver arithmetic; default `'float64'`. */
  readonly precision?: "float64" | "float32";
  /** Solver tolerance; default 1e-9 (float64) or 1e-6 (float32). */
  readonly tolerance?: number;
  /** Solver iteration limit; default 100. */
  readonly maxIterations?: number;
}

/** Result of {@link Planner.solveProbs}. All arrays are fresh copies owned by the caller. */
export interface ProbsResult {
  /** Fraction of each replicated slot's load kept on the original rank, row-major `[nGroup][groupSize][D]`. */
  readonly probs: Float64Array;
  /** The global workload the LPs were built from (tokens per logical expert). */
  readonly workload: Float64Array;
  /** LP status of each redundancy group. */
  readonly status: LpStatus[];
  /** Optimal max rank load of each group, normalised by the largest expert load (NaN when not optimal). */
  readonly objective: Float64Array;
  /** Groups solved to optimality (the original's success counter). */
  readonly optimalGroups: number;
  /** Groups whose LP was not optimal and fell back to an even split (p = 0.5). */
  readonly fallbackGroups: number[];
  /** Predicted tokens per rank after the split, length epSize. */
  readonly rankLoads: Float64Array;
  /** `max(rankLoads) / mean(rankLoads)`, 1 when there is no load. */
  readonly balance: number;
}

/** Result of {@link Planner.run}. */
export interface RunResult extends ProbsResult {
  /** Physical expert id of every entry of `idx` (-1 stays -1), same length as `idx`. */
  readonly physicalIds: Int32Array;
  /** This rank's token counts per logical expert (before the all-reduce). */
  readonly localCounts: Float64Array;
}

/**
 * LPLB for one EP rank: places experts and their copies over an r2o topology, and for every batch
 * solves one small LP per redundancy group to split the tokens of replicated experts between
 * original and copy so that the most loaded rank is as light as possible, then rewrites each
 * token's logical expert id to a physical one.
 *
 * ```ts
 * const planner = new Planner({ r2o: cube(), nLogicalExperts: 64, nRoutedExperts: 80, epSize: 8 });
 * const { physicalIds, balance } = planner.run(idx);
 * ```
 */
export class Planner {
  /** The validated topology. */
  readonly topology: Topology;
  readonly nLogicalExperts: number;
  readonly nRoutedExperts: number;
  readonly epSize: number;
  readonly gpusPerNode: number;
  /** Redundant slots per rank (R). */
  readonly redundantPerRank: number;
  /** Redundancy groups (`epSize / groupSize`). */
  readonly nGroups: number;
  /** The backend in use, after resolving `'auto'`. */
  readonly backend: "cpu" | "cuda";
  /** Why this backend was picked (for `'auto'`), e.g. "CUDA not usable: not built". */
  readonly backendReason: string;
  readonly group: Group;

  private mapping!: RedundancyMapping;
  private layout!: LplbLayout;
  private table!: RoutingTable;
  private readonly solver: MinMaxSolver;
  private readonly solverOptions: { precision: "float64" | "float32"; tolerance?: number; maxIterations?: number };
  /** Backend 'cuda': the device step of the current placement and its id buffers (grown on demand). */
  private device:
    | {
        step: DeviceStep;
        ids: DeviceArray;
        out: DeviceArray<"int32">;
        stream: CudaStream;
        counts?: DeviceArray<"int32">;
      }
    | undefined;

  constructor(options: PlannerOptions) {
    const o = expectOptions("options", options);
    if (o.r2o === undefined)
      throw new InvalidArgumentError(
        "options.r2o",
        "expected an r2o matrix or a Topology for options.r2o, got undefined",
      );
    this.topology = toTopology(o.r2o, "options.r2o");
    this.group = o.group ?? new LocalGroup();
    if (typeof this.group.allReduceSum !== "function") {
      throw new InvalidArgumentError(
        "options.group",
        `expected a Group with allReduceSum() for options.group, got ${describe(o.group)}`,
      );
    }
    const groupSize = expectInteger("options.group.size", this.group.size, 1);
    expectInteger("options.group.rank", this.group.rank, 0, groupSize - 1);
    const epSize = o.epSize === undefined ? groupSize : expectInteger("options.epSize", o.epSize, 1);
    if (o.group !== undefined && groupSize !== 1 && groupSize !== epSize) {
      throw new InvalidArgumentError(
        "options.epSize",
        `expected options.epSize to equal the group size ${groupSize}, got ${epSize}`,
      );
    }
    const G = this.topology.groupSize;
    const D = this.topology.slots;
    if (epSize % G !== 0) {
      throw new InvalidArgumentError(
        "options.epSize",
        `expected a multiple of the topology's group size ${G} for options.epSize, got ${epSize}`,
      );
    }
    const E = expectInteger("options.nLogicalExperts", o.nLogicalExperts, 1);
    if (E % epSize !== 0) {
      throw new InvalidArgumentError(
        "options.nLogicalExperts",
        `expected a multiple of epSize ${epSize} for options.nLogicalExperts, got ${E}`,
      );
    }
    const nRouted = expectInteger("options.nRoutedExperts", o.nRoutedExperts, E + 1);
    const R = (nRouted - E) / epSize;
    if (!Number.isInteger(R) || R % D !== 0) {
      throw new InvalidArgumentError(
        "options.nRoutedExperts",
        `expected nLogicalExperts + R * epSize with R a multiple of the topology's ${D} slots for options.nRoutedExperts, got ${nRouted} (R = ${R})`,
      );
    }
    if (R > E / epSize) {
      throw new InvalidArgumentError(
        "options.nRoutedExperts",
        `expected at most ${E / epSize} redundant slots per rank (one per own expert) for options.nRoutedExperts, got R = ${R}`,
      );
    }
    this.gpusPerNode = o.gpusPerNode === undefined ? 8 : expectInteger("options.gpusPerNode", o.gpusPerNode, 1);
    if (epSize > this.gpusPerNode && epSize % this.gpusPerNode !== 0) {
      throw new InvalidArgumentError(
        "options.gpusPerNode",
        `expected a divisor of epSize ${epSize} or a value >= it for options.gpusPerNode, got ${this.gpusPerNode}`,
      );
    }
    const backend = expectOneOf("options.backend", o.backend ?? "cpu", ["cpu", "cuda", "auto"] as const);
    const precision = expectOneOf("options.precision", o.precision ?? "float64", ["float64", "float32"] as const);
    const tolerance =
      o.tolerance === undefined ? undefined : expectFinite("options.tolerance", o.tolerance, 1e-14, 0.1);
    const maxIterations =
      o.maxIterations === undefined ? undefined : expectInteger("options.maxIterations", o.maxIterations, 1, 10_000);

    const cuda = capabilities().cuda;
    const cudaReason = !cuda.usable
      ? cuda.reason
      : G > 32
        ? `the CUDA step takes groups of up to 32 ranks, this topology has ${G}`
        : E > 8192
          ? `the CUDA step takes up to 8192 logical experts, got ${E}`
          : "";
    if (backend === "cuda" && cudaReason !== "") {
      throw new CudaUnavailableError(`backend 'cuda' is not available: ${cudaReason}; use backend 'cpu'`);
    }
    // 'auto' takes CUDA only where run() works with it: one process, or a group that reduces on
    // the device (a host-side group of several ranks would need runAsync()).
    const hostGroup = this.group.size > 1 && !isDeviceGroup(this.group);
    const autoReason =
      cudaReason !== ""
        ? `CUDA not usable: ${cudaReason}`
        : hostGroup
          ? "CUDA usable, but the EP group's all-reduce runs on the host; ask for backend 'cuda' and use runAsync(), or use a DeviceGroup such as NcclGroup"
          : "CUDA usable";
    this.backend = backend === "cuda" || (backend === "auto" && autoReason === "CUDA usable") ? "cuda" : "cpu";
    this.backendReason = backend === "auto" ? autoReason : "requested";
    this.solverOptions = {
      precision,
      ...(tolerance === undefined ? {} : { tolerance }),
      ...(maxIterations === undefined ? {} : { maxIterations }),
    };

    this.nLogicalExperts = E;
    this.nRoutedExperts = nRouted;
    this.epSize = epSize;
    this.redundantPerRank = R;
    this.nGroups = epSize / G;
    // The group LP of every redundancy group has the same structure (the topology): one
    // min-max solver serves them all, a batch of nGroups LPs per step.
    this.solver = createMinMaxSolver(
      { nRanks: G, nSlots: D, replicaRank: this.topology.toInt32Array("o2r") },
      {
        precision,
        ...(tolerance === undefined ? {} : { tolerance }),
        ...(maxIterations === undefined ? {} : { maxIterations }),
      },
    );
    this.place(orderExperts(this.shape()));
  }

  private shape() {
    return {
      topology: this.topology,
      nLogicalExperts: this.nLogicalExperts,
      epSize: this.epSize,
      redundantPerRank: this.redundantPerRank,
      gpusPerNode: this.gpusPerNode,
    };
  }

  private place(order: Int32Array): void {
    const mapping = buildRedundancyMapping(this.shape(), order);
    this.layout = createLplbLayout({
      topology: this.topology,
      nLogicalExperts: this.nLogicalExperts,
      nRoutedExperts: this.nRoutedExperts,
      epSize: this.epSize,
      phy2log: mapping.phy2log,
    });
    const E = this.nLogicalExperts;
    const originalOf = new Int32Array(E);
    const copyOf = new Int32Array(E).fill(-1);
    const probIndexOf = new Int32Array(E).fill(-1);
    const own = E / this.epSize;
    const perRank = this.nRoutedExperts / this.epSize;
    const D = this.topology.slots;
    for (let e = 0; e < E; e++) {
      const original = mapping.log2phy[e][0];
      originalOf[e] = original;
      copyOf[e] = mapping.log2phy[e][1];
      if (copyOf[e] >= 0) {
        // The original sits in own slot j*D+d of its rank; probs is indexed [rank][d] (group-major = rank-major).
        const rank = Math.floor(original / perRank);
        const slotInRank = original - rank * perRank;
        if (slotInRank >= own) throw new Error("internal: an original copy sits in a redundant slot");
        probIndexOf[e] = rank * D + (slotInRank % D);
      }
    }
    this.mapping = mapping;
    this.releaseDevice();
    this.table = { originalOf, copyOf, probIndexOf };
  }

  /**
   * Places experts: without history, logical ids in order; with a load history (one value per
   * logical expert, e.g. a sliding-window sum), EPLB reordering across ranks and, per rank, experts
   * sorted heaviest first. Returns fresh copies of the new placement.
   */
  updateRedundancyMapping(workloadHistory?: ArrayLike<number>): RedundancyMapping {
    let history: ArrayLike<number> | undefined;
    if (workloadHistory !== undefined) {
      history = expectFiniteArray("workloadHistory", workloadHistory, { min: 0, length: this.nLogicalExperts });
    }
    this.place(orderExperts(this.shape(), history));
    return this.currentMapping();
  }

  /** The current placement (fresh copies). */
  currentMapping(): RedundancyMapping {
    return {
      phy2log: Int32Array.from(this.mapping.phy2log),
      log2phy: this.mapping.log2phy.map((row) => Int32Array.from(row)),
      logcnt: Int32Array.from(this.mapping.logcnt),
    };
  }

  /**
   * Counts this rank's tokens per logical expert. `idx` (borrowed) holds logical ids, -1 = none;
   * `nChunks` (default 1) cuts it into chunks and returns each chunk's prefix counts.
   */
  countWorkload(idx: ExpertIds, nChunks = 1): TokenCounts {
    expectExpertIds("idx", idx);
    expectInteger("nChunks", nChunks, 1, 1 << 20);
    return countTokens(idx, this.nLogicalExperts, nChunks);
  }

  /**
   * Solves one LP per redundancy group for a global workload (tokens per logical expert, borrowed).
   * A group whose LP is not optimal falls back to an even split and is listed in `fallbackGroups`.
   */
  solveProbs(workload: ArrayLike<number>): ProbsResult {
    expectFiniteArray("workload", workload, { min: 0, length: this.nLogicalExperts });
    const global = Float64Array.from(workload);
    const { w, f } = this.layout.weights(global);
    const solution = this.solver.solve(f, w);
    // The loads were normalised by the largest expert load: maxLoad is already in those units.
    return this.probsResult(global, Float64Array.from(solution.keep), solution.status, solution.maxLoad, 1);
  }

  /**
   * The {@link ProbsResult} of solved groups: objectives in units of the largest expert load
   * (`maxLoad / scale`), an even split for every group that is not optimal, predicted rank loads.
   */
  private probsResult(
    global: Float64Array,
    probs: Float64Array,
    status: readonly LpStatus[],
    maxLoad: Float64Array,
    scale: number,
  ): ProbsResult {
    const perGroup = this.topology.groupSize * this.topology.slots;
    const objective = new Float64Array(this.nGroups);
    const fallbackGroups: number[] = [];
    for (let g = 0; g < this.nGroups; g++) {
      if (status[g] === "optimal") {
        objective[g] = scale > 0 ? maxLoad[g] / scale : 0;
      } else {
        objective[g] = Number.NaN;
        fallbackGroups.push(g);
        probs.fill(0.5, g * perGroup, (g + 1) * perGroup);
      }
    }
    const rankLoads = this.layout.rankLoads(global, probs);
    return {
      probs,
      workload: global,
      status: [...status],
      objective,
      optimalGroups: this.nGroups - fallbackGroups.length,
      fallbackGroups,
      rankLoads,
      balance: balanceOf(rankLoads),
    };
  }

  /**
   * Rewrites logical ids to physical ids (a new Int32Array, same length as `idx`; -1 stays -1).
   * `probs` comes from {@link solveProbs}, `counts` from {@link countWorkload} on the same `idx`.
   */
  weightedSelectTarget(idx: ExpertIds, probs: Float64Array, counts: TokenCounts, nChunks?: number): Int32Array {
    expectExpertIds("idx", idx);
    const expected = this.nGroups * this.topology.groupSize * this.topology.slots;
    if (!(probs instanceof Float64Array) || probs.length !== expected) {
      throw new InvalidArgumentError(
        "probs",
        `expected a Float64Array of length ${expected} for probs, got ${describe(probs)}`,
      );
    }
    for (let i = 0; i < probs.length; i++) {
      if (!(probs[i] >= 0 && probs[i] <= 1)) {
        throw new InvalidArgumentError(
          `probs[${i}]`,
          `expected a number in [0, 1] for probs[${i}], got ${describe(probs[i])}`,
        );
      }
    }
    if (
      typeof counts !== "object" ||
      counts === null ||
      !(counts.counts instanceof Float64Array) ||
      counts.counts.length !== this.nLogicalExperts
    ) {
      throw new InvalidArgumentError(
        "counts",
        `expected the result of countWorkload() for counts, got ${describe(counts)}`,
      );
    }
    if (nChunks !== undefined && nChunks !== counts.nChunks) {
      throw new InvalidArgumentError(
        "nChunks",
        `expected ${counts.nChunks} (the chunk count used by countWorkload) for nChunks, got ${describe(nChunks)}`,
      );
    }
    // Recount to validate ids and check that `counts` belongs to this idx before writing anything.
    const fresh = countTokens(idx, this.nLogicalExperts, 1).counts;
    for (let e = 0; e < fresh.length; e++) {
      if (fresh[e] !== counts.counts[e]) {
        throw new InvalidArgumentError(
          "counts",
          `expected counts of this idx for counts, but expert ${e} has ${fresh[e]} tokens in idx and ${counts.counts[e]} in counts`,
        );
      }
    }
    return selectTargets(idx, fresh, probs, this.table, freshIds(idx.length));
  }

  /**
   * count -> all-reduce -> solve -> map, with a synchronous group (the default local one).
   *
   * @param idx logical expert ids (borrowed), -1 = none.
   * @param out where to write the physical ids: an Int32Array of `idx.length` (it may be `idx`
   *   itself), returned as `physicalIds`; default a new array. Reusing one saves the
   *   allocation of a large array per step.
   */
  run(idx: ExpertIds, out?: Int32Array): RunResult {
    expectExpertIds("idx", idx);
    const target = this.outputFor(idx, out);
    if (this.backend === "cuda") {
      if (isDeviceGroup(this.group)) return this.runOnStream(idx, target, this.group);
      if (this.group.size > 1) {
        throw new InvalidArgumentError(
          "options.group",
          "expected runAsync() for an EP group of several ranks with backend 'cuda' (its all-reduce runs on the host), or a DeviceGroup such as NcclGroup",
        );
      }
      return this.runOnStream(idx, target, undefined);
    }
    const local = countTokens(idx, this.nLogicalExperts, 1);
    const global = Float64Array.from(local.counts);
    const pending = this.group.allReduceSum(global);
    if (pending !== undefined) {
      throw new InvalidArgumentError(
        "options.group",
        "expected a synchronous group for run(); this group's allReduceSum returns a promise, use runAsync()",
      );
    }
    return this.finish(idx, local, global, target);
  }

  /** Like {@link run}, awaiting the group's all-reduce (simulated or networked groups). */
  async runAsync(idx: ExpertIds, out?: Int32Array): Promise<RunResult> {
    expectExpertIds("idx", idx);
    const target = this.outputFor(idx, out);
    if (this.backend === "cuda") {
      if (isDeviceGroup(this.group)) return this.runOnStream(idx, target, this.group);
      if (this.group.size === 1) return this.runOnStream(idx, target, undefined);
      return this.runOnDevice(idx, target, async (counts) => {
        await this.group.allReduceSum(counts);
      });
    }
    const local = countTokens(idx, this.nLogicalExperts, 1);
    const global = Float64Array.from(local.counts);
    await this.group.allReduceSum(global);
    return this.finish(idx, local, global, target);
  }

  private outputFor(idx: ExpertIds, out: Int32Array | undefined): Int32Array {
    if (out === undefined) return freshIds(idx.length);
    if (!(out instanceof Int32Array) || out.length !== idx.length) {
      throw new InvalidArgumentError(
        "out",
        `expected an Int32Array of length ${idx.length} (idx.length) for out, got ${describe(out)}`,
      );
    }
    return out;
  }

  private finish(idx: ExpertIds, local: TokenCounts, global: Float64Array, out: Int32Array): RunResult {
    const solved = this.solveProbs(global);
    const physicalIds = selectTargets(idx, local.counts, solved.probs, this.table, out);
    return { ...solved, physicalIds, localCounts: local.counts };
  }

  /** The device step of the current placement, with id buffers for at least `length` ids. */
  private deviceFor(length: number, kind: "int32" | "int64") {
    const current = this.device;
    if (current && current.step.maxIds >= length && current.ids.kind === kind) return current;
    this.releaseDevice();
    const capacity = Math.max(length, 2 * (current?.step.maxIds ?? 0), 1024);
    const G = this.topology.groupSize;
    const perRank = this.nRoutedExperts / this.epSize;
    const { originalOf, copyOf, probIndexOf } = this.table;
    const step = createDeviceStep(
      {
        nExperts: this.nLogicalExperts,
        nGroups: this.nGroups,
        nRanks: G,
        nSlots: this.topology.slots,
        replicaRank: this.topology.toInt32Array("o2r"),
        slotIndex: probIndexOf,
        rankIndex: Int32Array.from(originalOf, (physical) => Math.floor(physical / perRank)),
        originalOf,
        copyOf: Int32Array.from(copyOf, (c, e) => (c >= 0 ? c : originalOf[e])),
      },
      { maxIds: capacity, nChunks: 128 },
      this.solverOptions,
    );
    this.device = {
      step,
      ids: DeviceArray.alloc(kind, capacity),
      out: DeviceArray.alloc("int32", capacity),
      stream: CudaStream.create(),
    };
    return this.device;
  }

  private releaseDevice(): void {
    if (!this.device) return;
    this.device.step.dispose();
    this.device.ids.dispose();
    this.device.out.dispose();
    this.device.counts?.dispose();
    this.device.stream.dispose();
    this.device = undefined;
  }

  /**
   * One step on the GPU with an EP group that reduces on the host: upload the ids, count, read
   * the local counts, all-reduce them with `reduce`, upload the sum, solve and map, read back.
   */
  private runOnDevice(
    idx: ExpertIds,
    out: Int32Array,
    reduce: (counts: Float64Array) => Promise<void>,
  ): Promise<RunResult> {
    const n = idx.length;
    const device = this.deviceFor(n, idx instanceof BigInt64Array ? "int64" : "int32");
    if (n > 0) device.ids.copyFromHost(idx as never);
    device.step.count(device.ids as DeviceArray<"int32">, n);
    // Invalid ids are reported before anything reaches the EP group's all-reduce.
    const { badIndex } = device.step.read();
    if (badIndex >= 0) {
      throw new InvalidArgumentError(
        "idx",
        `expected an expert id in [-1, ${this.nLogicalExperts - 1}] for idx[${badIndex}], got ${describe(idx[badIndex])}`,
      );
    }
    const localCounts = Float64Array.from(device.step.localCounts().toHost());
    const global = Float64Array.from(localCounts);
    return reduce(global).then(() => {
      expectFiniteArray("the group's all-reduced counts", global, { min: 0, length: this.nLogicalExperts });
      device.counts ??= DeviceArray.alloc("int32", this.nLogicalExperts);
      device.counts.copyFromHost(Int32Array.from(global));
      device.step.solveAndMap(device.ids as DeviceArray<"int32">, device.out, {
        length: n,
        globalCounts: device.counts,
      });
      const result = device.step.read();
      if (n > 0) device.out.toHost(out);
      return this.deviceRunResult(global, result, out, localCounts);
    });
  }

  /**
   * One step on the GPU, enqueued on the planner's stream: count, the all-reduce of a
   * {@link DeviceGroup} if there is one, solve and map; then the host waits once (through the
   * group, which fails instead of hanging when a peer does) and reads the results. Invalid ids
   * are reported after the step, so that every rank takes part in the collective and the group
   * stays in step.
   */
  private runOnStream(idx: ExpertIds, out: Int32Array, group: DeviceGroup | undefined): RunResult {
    const n = idx.length;
    const device = this.deviceFor(n, idx instanceof BigInt64Array ? "int64" : "int32");
    const { stream } = device;
    const ids = device.ids as DeviceArray<"int32">;
    if (n > 0) device.ids.copyFromHost(idx as never, stream);
    device.step.count(ids, n, stream);
    const localDevice = device.step.localCounts();
    let globalCounts = localDevice;
    if (group !== undefined) {
      device.counts ??= DeviceArray.alloc("int32", this.nLogicalExperts);
      group.allReduceDevice(localDevice, device.counts, stream);
      globalCounts = device.counts;
    }
    device.step.solveAndMap(ids, device.out, { length: n, globalCounts, stream });
    group?.synchronize(stream);
    const result = device.step.read(stream);
    if (result.badIndex >= 0) {
      throw new InvalidArgumentError(
        "idx",
        `expected an expert id in [-1, ${this.nLogicalExperts - 1}] for idx[${result.badIndex}], got ${describe(idx[result.badIndex])}`,
      );
    }
    const localCounts = Float64Array.from(localDevice.toHost(undefined, stream));
    const global = group === undefined ? localCounts : Float64Array.from(globalCounts.toHost(undefined, stream));
    if (n > 0) device.out.toHost(out, stream);
    return this.deviceRunResult(global, result, out, localCounts);
  }

  /** The {@link RunResult} of a device step's results. */
  private deviceRunResult(
    global: Float64Array,
    result: DeviceStepResult,
    physicalIds: Int32Array,
    localCounts: Float64Array,
  ): RunResult {
    let largest = 0;
    for (const value of global) largest = Math.max(largest, value);
    const status = Array.from(result.status, (code) => LP_STATUSES[code] ?? "numerical_error");
    const solved = this.probsResult(global, result.keep, status, result.maxLoad, largest);
    return { ...solved, physicalIds, localCounts };
  }

  /** Frees the native solver workspace and any device memory. The planner cannot be used afterwards. */
  dispose(): void {
    this.solver.dispose();
    this.releaseDevice();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * A new Int32Array for `length` physical ids, not zeroed: every entry is written by the
 * mapping before the array is returned (on a failure it is dropped). Skipping the zeroing of a
 * large array saves a measurable part of a step.
 */
function freshIds(length: number): Int32Array {
  const bytes = Buffer.allocUnsafeSlow(length * Int32Array.BYTES_PER_ELEMENT);
  return new Int32Array(bytes.buffer, bytes.byteOffset, length);
}

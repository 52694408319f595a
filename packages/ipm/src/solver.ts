/**
 * Entry points: one-shot solves (sync and async) and reusable solvers.
 */
import { CudaUnavailableError, expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import type { LinearProgram, LpBatch, LpBatchSolution, LpShape, LpSolution } from "@lplb/lp";
import { type NativeInputs, type NativeWorkspace, type NativeWorkspaceConfig, nativeBinding } from "./binding.js";
import { capabilities } from "./capabilities.js";
import { callNative, captureCallerStack, fromNativeError } from "./native-errors.js";
import { type IpmOptions, type ResolvedIpmOptions, resolveOptions } from "./options.js";
import { type BatchSolution, SolutionStorage } from "./solution.js";
import {
  formatShape,
  isBatch,
  packLinearPrograms,
  sameShape,
  singleBatch,
  validateBatch,
  validateLinearProgram,
  validateShape,
} from "./validate.js";

/** Options of {@link createSolver}: the solve options plus the initial output capacity. */
export interface IpmSolverOptions extends IpmOptions {
  /**
   * Number of LPs the preallocated output buffers hold, an integer in `[1, 1048576]`;
   * default 32. A larger batch grows them (to at least twice the size).
   */
  readonly batchCapacity?: number;
}

/**
 * A reusable solver for LPs of one shape: a native workspace plus preallocated output
 * buffers. Not safe to share between worker threads (each thread creates its own).
 */
export interface IpmSolver extends Disposable {
  /** The shape every batch must have. */
  readonly shape: LpShape;
  /** The resolved options (defaults filled in). */
  readonly options: ResolvedIpmOptions;
  /** True after {@link IpmSolver.dispose}. */
  readonly disposed: boolean;
  /**
   * Solves a batch synchronously. An {@link LpBatch} is passed to native code without copying;
   * an array of LPs is packed first. Inputs are borrowed for the duration of the call.
   *
   * The result's arrays are views into the solver's buffers: they stay readable, but the next
   * `solve` overwrites them (copy what you need to keep). Inputs must not share memory with
   * those buffers.
   *
   * @throws InvalidArgumentError for a malformed batch or one of another shape, or when the
   *   solver was disposed.
   */
  solve(lps: LpBatch | readonly LinearProgram[]): LpBatchSolution;
  /** Frees the native workspace now (idempotent); the garbage collector does it otherwise. */
  dispose(): void;
}

const DEFAULT_BATCH_CAPACITY = 32;
const MAX_BATCH_CAPACITY = 1 << 20;
/** Workspaces kept for the one-shot entry points, most recently used last. */
const WORKSPACE_CACHE_SIZE = 8;
const workspaceCache = new Map<string, NativeWorkspace>();

function workspaceConfig(shape: LpShape, options: ResolvedIpmOptions): NativeWorkspaceConfig {
  return { nVars: shape.nVars, mEq: shape.mEq, mUb: shape.mUb, ...options };
}

function checkBackend(options: ResolvedIpmOptions): void {
  if (options.backend !== "cuda") return;
  const cuda = capabilities().cuda;
  if (!cuda.usable) {
    throw new CudaUnavailableError(
      `backend "cuda" is not available: ${cuda.reason || "no usable CUDA device"}; use backend "cpu"`,
    );
  }
}

function createWorkspace(shape: LpShape, options: ResolvedIpmOptions): NativeWorkspace {
  checkBackend(options);
  const { binding } = nativeBinding();
  return callNative(() => new binding.Workspace(workspaceConfig(shape, options)));
}

function cachedWorkspace(shape: LpShape, options: ResolvedIpmOptions): NativeWorkspace {
  const key = `${shape.nVars},${shape.mEq},${shape.mUb},${options.precision},${options.tolerance},${options.maxIterations},${options.backend}`;
  const cached = workspaceCache.get(key);
  if (cached !== undefined) {
    workspaceCache.delete(key);
    workspaceCache.set(key, cached);
    return cached;
  }
  const workspace = createWorkspace(shape, options);
  workspaceCache.set(key, workspace);
  if (workspaceCache.size > WORKSPACE_CACHE_SIZE) {
    const [oldestKey, oldest] = workspaceCache.entries().next().value!;
    workspaceCache.delete(oldestKey);
    oldest.dispose();
  }
  return workspace;
}

function allocateStorage(shape: LpShape, capacity: number, name: string): SolutionStorage {
  try {
    return new SolutionStorage(shape, capacity);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InvalidArgumentError(
        name,
        `expected a batch whose solutions fit in memory for ${name}, got ${capacity} LPs of shape ${formatShape(shape)}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Validates `lps` and returns it as one batch (packed when it is an array of several LPs). */
function toBatch(lps: unknown, name: string): LpBatch {
  if (isBatch(lps)) return validateBatch(lps, name);
  if (Array.isArray(lps)) return packLinearPrograms(lps, name);
  invalid(name, "an LpBatch or an array of LinearPrograms", lps);
}

/** The batch's arrays in the order the addon takes them. */
function nativeInputs(batch: LpBatch): NativeInputs {
  return [
    batch.c,
    batch.aEq ?? null,
    batch.bEq ?? null,
    batch.aUb ?? null,
    batch.bUb ?? null,
    batch.lower ?? null,
    batch.upper ?? null,
  ];
}

function runBatch(workspace: NativeWorkspace, batch: LpBatch, out: BatchSolution): void {
  callNative(() => workspace.solveBatch(batch.count, ...nativeInputs(batch), ...out.nativeOutputs()));
}

/**
 * Solves one LP synchronously on the CPU.
 *
 * @param lp the problem; its arrays are borrowed for the duration of the call, never modified.
 * @param options see {@link IpmOptions}; defaults: float64, tolerance 1e-9, 100 iterations, cpu.
 * @returns the solution, with arrays owned by the caller. Infeasibility, unboundedness and the
 *   iteration limit are statuses, not exceptions.
 * @throws InvalidArgumentError for a malformed LP (NaN or infinite coefficients, wrong array
 *   kinds or lengths, lower > upper) or options; NativeBindingError when the addon cannot be
 *   loaded; CudaUnavailableError for backend "cuda" without a usable device.
 */
export function solve(lp: LinearProgram, options?: IpmOptions): LpSolution {
  const resolved = resolveOptions(options);
  const shape = validateLinearProgram(lp, "lp");
  const workspace = cachedWorkspace(shape, resolved);
  const out = allocateStorage(shape, 1, "lp").view(1);
  runBatch(workspace, singleBatch(lp, shape), out);
  return out.at(0);
}

/**
 * Solves a batch of LPs of one shape synchronously; the hot path for many small LPs.
 *
 * @param lps an {@link LpBatch} (passed to native code without copying) or an array of LPs of
 *   one shape (packed into one batch first). Inputs are borrowed for the duration of the call.
 * @param options see {@link IpmOptions}.
 * @returns solutions in fresh arrays owned by the caller.
 * @throws like {@link solve}; messages name the LP and position of a bad coefficient.
 */
export function solveBatch(lps: LpBatch | readonly LinearProgram[], options?: IpmOptions): LpBatchSolution {
  const resolved = resolveOptions(options);
  const batch = toBatch(lps, "lps");
  const workspace = cachedWorkspace(batch.shape, resolved);
  const out = allocateStorage(batch.shape, batch.count, "lps").view(batch.count);
  runBatch(workspace, batch, out);
  return out;
}

/**
 * Solves a batch on a libuv worker thread, so the event loop keeps running while it works.
 * Worth it for batches that take longer than a millisecond or so; small batches are faster
 * with {@link solveBatch}.
 *
 * The inputs are validated and copied before this function returns: the caller may change
 * them while the promise is pending.
 *
 * @returns a promise of solutions in fresh arrays owned by the caller. It rejects (never throws)
 *   with the errors {@link solveBatch} throws; errors from native code carry the caller's stack.
 */
export async function solveBatchAsync(
  lps: LpBatch | readonly LinearProgram[],
  options?: IpmOptions,
): Promise<LpBatchSolution> {
  const callerStack = captureCallerStack(solveBatchAsync);
  const resolved = resolveOptions(options);
  const batch = toBatch(lps, "lps");
  checkBackend(resolved);
  const { binding } = nativeBinding();
  const out = allocateStorage(batch.shape, batch.count, "lps").view(batch.count);
  let pending: Promise<void>;
  try {
    pending = binding.solveBatchAsync(
      workspaceConfig(batch.shape, resolved),
      batch.count,
      ...nativeInputs(batch),
      ...out.nativeOutputs(),
    );
  } catch (error) {
    throw fromNativeError(error, callerStack);
  }
  try {
    await pending;
  } catch (error) {
    throw fromNativeError(error, callerStack);
  }
  return out;
}

class NativeIpmSolver implements IpmSolver {
  readonly shape: LpShape;
  readonly options: ResolvedIpmOptions;
  private workspace: NativeWorkspace | undefined;
  private storage: SolutionStorage;
  private lastView: BatchSolution | undefined;

  constructor(shape: LpShape, options: ResolvedIpmOptions, capacity: number) {
    this.shape = shape;
    this.options = options;
    this.storage = allocateStorage(shape, capacity, "options.batchCapacity");
    this.workspace = createWorkspace(shape, options);
  }

  get disposed(): boolean {
    return this.workspace === undefined;
  }

  solve(lps: LpBatch | readonly LinearProgram[]): LpBatchSolution {
    const workspace = this.workspace;
    if (workspace === undefined) {
      throw new InvalidArgumentError(
        "solver",
        "expected an IpmSolver that has not been disposed, got one on which dispose() was called; create a new one with createSolver()",
      );
    }
    const batch = toBatch(lps, "lps");
    if (!sameShape(batch.shape, this.shape)) {
      throw new InvalidArgumentError(
        "lps",
        `expected LPs of the solver's shape ${formatShape(this.shape)} for lps, got ${formatShape(batch.shape)}`,
      );
    }
    if (batch.count > this.storage.capacity) {
      this.storage = allocateStorage(this.shape, Math.max(batch.count, 2 * this.storage.capacity), "lps");
      this.lastView = undefined;
    }
    let out = this.lastView;
    if (out === undefined || out.count !== batch.count) {
      out = this.storage.view(batch.count);
      this.lastView = out;
    }
    runBatch(workspace, batch, out);
    return out;
  }

  dispose(): void {
    this.workspace?.dispose();
    this.workspace = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Creates a reusable solver for LPs of `shape`, holding a native workspace and preallocated
 * output buffers; the fastest way to solve batch after batch of one shape.
 *
 * @param shape `{ nVars, mEq, mUb }`, copied; `nVars` in `[1, 4096]`, `mEq` and `mUb` in
 *   `[0, 4096]`.
 * @param options see {@link IpmSolverOptions}.
 * @throws InvalidArgumentError for a bad shape or options; NativeBindingError when the addon
 *   cannot be loaded; CudaUnavailableError for backend "cuda" without a usable device.
 */
export function createSolver(shape: LpShape, options?: IpmSolverOptions): IpmSolver {
  const resolved = resolveOptions(options, "options", ["batchCapacity"]);
  const capacityOption = options?.batchCapacity;
  const capacity =
    capacityOption === undefined
      ? DEFAULT_BATCH_CAPACITY
      : expectInteger("options.batchCapacity", capacityOption, 1, MAX_BATCH_CAPACITY);
  return new NativeIpmSolver(validateShape(shape, "shape"), resolved, capacity);
}

/**
 * The one module that loads the native addon `lplb_ipm.node`. Everything else in this package
 * goes through {@link nativeBinding}.
 *
 * Candidate paths, in order: the `LPLB_IPM_BINDING` environment variable (when set and not
 * empty), `build/Release/lplb_ipm.node` and `build/Debug/lplb_ipm.node` of this package. The
 * first one that loads and speaks {@link BINDING_VERSION} wins; if none does, one
 * {@link NativeBindingError} lists the runtime, every path tried and why it failed.
 *
 * @internal
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { NativeBindingError } from "@lplb/errors";

/** Protocol version of the addon's exports this module is written against. */
export const BINDING_VERSION = 7;

/** Environment variable naming an addon file to try first. */
export const BINDING_ENV_VARIABLE = "LPLB_IPM_BINDING";

/** Workspace configuration as the addon reads it. */
export interface NativeWorkspaceConfig {
  readonly nVars: number;
  readonly mEq: number;
  readonly mUb: number;
  readonly precision: "float64" | "float32";
  readonly tolerance: number;
  readonly maxIterations: number;
  readonly backend: "cpu" | "cuda";
}

/** Optional arrays may be `null` (absent). */
type In = Float64Array | null;
type Out = Float64Array | null;

/** Input arrays of a batch call, in the order the addon takes them. */
export type NativeInputs = [c: Float64Array, aEq: In, bEq: In, aUb: In, bUb: In, lower: In, upper: In];

/** Output arrays of a batch call, in the order the addon takes them. */
export type NativeOutputs = [
  status: Int32Array,
  x: Out,
  yEq: Out,
  yUb: Out,
  zLower: Out,
  zUpper: Out,
  objective: Out,
  primalResidual: Out,
  dualResidual: Out,
  dualityGap: Out,
  iterations: Int32Array | null,
];

/** Arguments of a batch call after the count: inputs, then outputs. */
export type NativeBatchArguments = [...NativeInputs, ...NativeOutputs];

/** A native `lplb_ipm_workspace`; solveBatch borrows every array for the duration of the call. */
export interface NativeWorkspace {
  solveBatch(count: number, ...args: NativeBatchArguments): void;
  dispose(): void;
  readonly disposed: boolean;
}

/** Configuration of a native min-max workspace. */
export interface NativeMinMaxConfig {
  readonly nRanks: number;
  readonly nSlots: number;
  readonly replicaRank: Int32Array;
  readonly precision: "float64" | "float32";
  readonly tolerance: number;
  readonly maxIterations: number;
  readonly backend: "cpu" | "cuda";
  readonly method: "flow" | "ipm";
}

/** A native `lplb_minmax_workspace`; solveBatch borrows every array for the duration of the call. */
export interface NativeMinMaxWorkspace {
  solveBatch(
    count: number,
    fixedLoad: Float64Array,
    slotLoad: Float64Array,
    status: Int32Array,
    keep: Float64Array,
    maxLoad: Float64Array | null,
    lowerBound: Float64Array | null,
    gap: Float64Array | null,
    iterations: Int32Array | null,
  ): void;
  dispose(): void;
  readonly disposed: boolean;
}

/** A native `lplb_step` (see `native/addon/device.h`). */
export interface NativeDeviceStep {
  count(ids: bigint, length: number, width: number, stream: bigint | null): void;
  localCounts(): bigint;
  solveMap(
    ids: bigint,
    length: number,
    width: number,
    globalCounts: bigint | null,
    out: bigint,
    stream: bigint | null,
  ): void;
  read(
    keep: Float64Array | null,
    status: Int32Array | null,
    maxLoad: Float64Array | null,
    stream: bigint | null,
  ): number;
  dispose(): void;
  readonly disposed: boolean;
}

/** A native `lplb_nccl_comm` (see `native/addon/device.h`). */
export interface NativeNcclComm {
  allReduceSum(send: bigint, recv: bigint, count: number, type: 0 | 1, stream: bigint | null): void;
  synchronize(stream: bigint | null, timeoutMs: number): void;
  abort(): void;
  dispose(): void;
  readonly live: boolean;
}

/** What `lplb_get_capabilities` reports. */
export interface NativeCapabilities {
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionPatch: number;
  readonly cpu: boolean;
  readonly cudaBuilt: boolean;
  readonly cudaUsable: boolean;
  readonly cudaDeviceCount: number;
  readonly cudaReason: string;
  readonly ncclUsable: boolean;
  readonly ncclVersion: number;
  readonly ncclReason: string;
}

/** The addon's exports. */
export interface NativeBinding {
  readonly bindingVersion: number;
  capabilities(): NativeCapabilities;
  solveBatchAsync(config: NativeWorkspaceConfig, count: number, ...args: NativeBatchArguments): Promise<void>;
  readonly Workspace: new (config: NativeWorkspaceConfig) => NativeWorkspace;
  readonly MinMaxWorkspace: new (config: NativeMinMaxConfig) => NativeMinMaxWorkspace;
  countExperts(
    ids: Int32Array | BigInt64Array,
    nExperts: number,
    chunkSize: number,
    nChunks: number,
    counts: Int32Array,
    chunkOffsets: Int32Array | null,
  ): number;
  mapExperts(ids: Int32Array | BigInt64Array, nExperts: number, routes: Int32Array, out: Int32Array): number;
  deviceAlloc(bytes: number): bigint;
  deviceFree(pointer: bigint): void;
  copyToDevice(pointer: bigint, source: ArrayBufferView, stream: bigint | null, wait: boolean): void;
  copyToHost(destination: ArrayBufferView, pointer: bigint, stream: bigint | null, wait: boolean): void;
  streamCreate(): bigint;
  streamDestroy(stream: bigint): void;
  streamSynchronize(stream: bigint | null): void;
  readonly DeviceStep: new (config: Record<string, unknown>) => NativeDeviceStep;
  deviceSet(device: number): void;
  ncclUniqueId(): Uint8Array;
  readonly NcclComm: new (id: Uint8Array, size: number, rank: number, timeoutMs: number) => NativeNcclComm;
}

/** A loaded addon and where it came from. */
export interface LoadedBinding {
  readonly binding: NativeBinding;
  readonly path: string;
}

const packageRoot = fileURLToPath(new URL("../", import.meta.url));
const requireNative = createRequire(import.meta.url);

/** The default candidate paths, in the order they are tried. */
export function bindingCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  const fromEnv = env[BINDING_ENV_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== "") candidates.push(fromEnv);
  candidates.push(`${packageRoot}build/Release/lplb_ipm.node`, `${packageRoot}build/Debug/lplb_ipm.node`);
  return candidates;
}

function runtimeDescription(): string {
  return `Node.js ${process.version} on ${process.platform}-${process.arch}, Node-API ${process.versions.napi ?? "unknown"}`;
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? message;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function isBinding(value: unknown): value is NativeBinding {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<NativeBinding>;
  return (
    typeof candidate.capabilities === "function" &&
    typeof candidate.solveBatchAsync === "function" &&
    typeof candidate.Workspace === "function" &&
    typeof candidate.MinMaxWorkspace === "function" &&
    typeof candidate.countExperts === "function" &&
    typeof candidate.mapExperts === "function" &&
    typeof candidate.DeviceStep === "function"
  );
}

/**
 * Tries `candidates` in order and returns the first addon that loads and speaks
 * {@link BINDING_VERSION}. Throws one {@link NativeBindingError} describing every attempt.
 */
export function loadBinding(candidates: readonly string[]): LoadedBinding {
  const failures: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      failures.push(`  ${path}: not found`);
      continue;
    }
    let loaded: unknown;
    try {
      loaded = requireNative(path);
    } catch (error) {
      failures.push(`  ${path}: failed to load: ${firstLine(error instanceof Error ? error.message : String(error))}`);
      continue;
    }
    if (!isBinding(loaded)) {
      failures.push(`  ${path}: loaded, but it is not the lplb_ipm addon`);
      continue;
    }
    if (loaded.bindingVersion !== BINDING_VERSION) {
      failures.push(
        `  ${path}: binding version ${String(loaded.bindingVersion)}, expected ${BINDING_VERSION} (a stale build)`,
      );
      continue;
    }
    return { binding: loaded, path };
  }
  throw new NativeBindingError(
    [
      `Could not load the native solver addon lplb_ipm.node (${runtimeDescription()}).`,
      "Paths tried:",
      ...failures,
      "Build it with `pnpm --filter @lplb/ipm build:native` (needs CMake and a C++17 compiler),",
      `or set ${BINDING_ENV_VARIABLE} to the path of a built lplb_ipm.node.`,
    ].join("\n"),
  );
}

let cached: LoadedBinding | undefined;

/**
 * The loaded addon, loaded on first use and kept. A failed load is not remembered: the next
 * call tries again (so an addon built meanwhile is picked up) and throws a fresh
 * {@link NativeBindingError} with the caller's stack if it fails again.
 */
export function nativeBinding(): LoadedBinding {
  cached ??= loadBinding(bindingCandidates());
  return cached;
}

/**
 * GPU memory, streams and the whole LPLB step on the GPU (the native `lplb/step.h`). Everything
 * here needs a build with CUDA and a usable device (`capabilities().cuda`); otherwise it throws
 * {@link CudaUnavailableError} with the reason.
 */
import { CudaUnavailableError, describe, expectInteger, InvalidArgumentError, invalid } from "@lplb/errors";
import { type NativeDeviceStep, nativeBinding } from "./binding.js";
import { capabilities } from "./capabilities.js";
import { callNative as call } from "./native-errors.js";
import { type IpmOptions, resolveOptions } from "./options.js";

/** Element types a {@link DeviceArray} holds. */
export type DeviceArrayKind = "int32" | "int64" | "float64";

type HostArray<K extends DeviceArrayKind> = K extends "int32"
  ? Int32Array
  : K extends "int64"
    ? BigInt64Array
    : Float64Array;

const BYTES: Readonly<Record<DeviceArrayKind, number>> = { int32: 4, int64: 8, float64: 8 };

// Set once CUDA has been found usable, so that copies and allocations do not ask the driver
// again every time.
let cudaUsable = false;

function native() {
  if (!cudaUsable) {
    const cuda = capabilities().cuda;
    if (!cuda.usable) throw new CudaUnavailableError(`CUDA is not available: ${cuda.reason}; use backend "cpu"`);
    cudaUsable = true;
  }
  return nativeBinding().binding;
}

function kindOf(array: unknown): DeviceArrayKind {
  if (array instanceof Int32Array) return "int32";
  if (array instanceof BigInt64Array) return "int64";
  if (array instanceof Float64Array) return "float64";
  invalid("array", "an Int32Array, BigInt64Array or Float64Array", array);
}

/**
 * Makes `device` the current CUDA device of this thread: device arrays, streams, steps and
 * communicators created afterwards live there. Call it before anything else touches the GPU.
 */
export function setDevice(device: number): void {
  expectInteger("device", device, 0, 1023);
  const binding = native();
  call(() => binding.deviceSet(device));
}

/** A CUDA stream (or a wrapped one of other CUDA code in the process). */
export class CudaStream implements Disposable {
  #pointer: bigint | undefined;
  readonly owned: boolean;

  private constructor(pointer: bigint, owned: boolean) {
    this.#pointer = pointer;
    this.owned = owned;
  }

  /** A new non-blocking stream on the current device. */
  static create(): CudaStream {
    const binding = native();
    return new CudaStream(
      call(() => binding.streamCreate()),
      true,
    );
  }

  /** Wraps a `cudaStream_t` of other CUDA code (not destroyed by {@link dispose}). */
  static wrap(pointer: bigint): CudaStream {
    if (typeof pointer !== "bigint" || pointer < 0n)
      invalid("pointer", "a cudaStream_t as a non-negative bigint", pointer);
    return new CudaStream(pointer, false);
  }

  /** The `cudaStream_t`, for other CUDA code. */
  get pointer(): bigint {
    if (this.#pointer === undefined)
      throw new InvalidArgumentError("stream", "expected a live stream, got a disposed one");
    return this.#pointer;
  }

  /** Waits until the stream has done all its work. */
  synchronize(): void {
    const binding = native();
    call(() => binding.streamSynchronize(this.pointer));
  }

  dispose(): void {
    if (this.#pointer !== undefined && this.owned) native().streamDestroy(this.#pointer);
    this.#pointer = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Device memory of `length` elements of one kind; freed by {@link dispose} (when owned). */
export class DeviceArray<K extends DeviceArrayKind = DeviceArrayKind> implements Disposable {
  readonly kind: K;
  readonly length: number;
  readonly owned: boolean;
  #pointer: bigint | undefined;

  private constructor(kind: K, length: number, pointer: bigint, owned: boolean) {
    this.kind = kind;
    this.length = length;
    this.#pointer = pointer;
    this.owned = owned;
  }

  /** Allocates `length` elements on the current device (contents undefined). */
  static alloc<K extends DeviceArrayKind>(kind: K, length: number): DeviceArray<K> {
    if (!(kind in BYTES)) invalid("kind", '"int32", "int64" or "float64"', kind);
    expectInteger("length", length, 0, 2 ** 40);
    const binding = native();
    return new DeviceArray(
      kind,
      length,
      call(() => binding.deviceAlloc(length * BYTES[kind])),
      true,
    );
  }

  /** A device copy of `array` (waits for the copy). */
  static fromHost<A extends Int32Array | BigInt64Array | Float64Array>(array: A): DeviceArray {
    const device = DeviceArray.alloc(kindOf(array), array.length);
    device.copyFromHost(array);
    return device;
  }

  /** Wraps device memory of other CUDA code (not freed by {@link dispose}). */
  static wrap<K extends DeviceArrayKind>(pointer: bigint, kind: K, length: number): DeviceArray<K> {
    if (typeof pointer !== "bigint" || pointer <= 0n)
      invalid("pointer", "a device pointer as a positive bigint", pointer);
    if (!(kind in BYTES)) invalid("kind", '"int32", "int64" or "float64"', kind);
    expectInteger("length", length, 0, 2 ** 40);
    return new DeviceArray(kind, length, pointer, false);
  }

  /** The device address, for other CUDA code. */
  get pointer(): bigint {
    if (this.#pointer === undefined)
      throw new InvalidArgumentError("array", "expected a live DeviceArray, got a disposed one");
    return this.#pointer;
  }

  get byteLength(): number {
    return this.length * BYTES[this.kind];
  }

  private expectHost(name: string, array: unknown): void {
    if (kindOf(array) !== this.kind || (array as HostArray<K>).length > this.length) {
      throw new InvalidArgumentError(
        name,
        `expected a ${this.kind} typed array of at most ${this.length} elements for ${name}, got ${describe(array)}`,
      );
    }
  }

  /**
   * Copies `array` (same kind, at most this long) to the start of the device memory; waits
   * unless a stream is given.
   */
  copyFromHost(array: HostArray<K>, stream?: CudaStream): void {
    this.expectHost("array", array);
    const binding = native();
    call(() => binding.copyToDevice(this.pointer, array, stream?.pointer ?? null, stream === undefined));
  }

  /**
   * Copies the contents (or their first `out.length` elements) to the host, into a new array or
   * `out`, after the work queued on `stream`.
   */
  toHost(out?: HostArray<K>, stream?: CudaStream): HostArray<K> {
    const target =
      out ??
      ((this.kind === "int32"
        ? new Int32Array(this.length)
        : this.kind === "int64"
          ? new BigInt64Array(this.length)
          : new Float64Array(this.length)) as HostArray<K>);
    this.expectHost("out", target);
    const binding = native();
    call(() => binding.copyToHost(target, this.pointer, stream?.pointer ?? null, true));
    return target;
  }

  dispose(): void {
    if (this.#pointer !== undefined && this.owned) native().deviceFree(this.#pointer);
    this.#pointer = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The placement a {@link DeviceStep} routes over (see `lplb_step_layout` in `lplb/step.h`). */
export interface DeviceStepLayout {
  readonly nExperts: number;
  readonly nGroups: number;
  readonly nRanks: number;
  readonly nSlots: number;
  /** `[nRanks][nSlots]`: the group rank holding each slot's copy (the topology's o2r). */
  readonly replicaRank: Int32Array;
  /** Per expert: the flat slot `(g * nRanks + i) * nSlots + d` it adds to, or -1. */
  readonly slotIndex: Int32Array;
  /** Per expert: the flat rank `g * nRanks + i` of its original. */
  readonly rankIndex: Int32Array;
  readonly originalOf: Int32Array;
  readonly copyOf: Int32Array;
}

/** Results of a step, read back by {@link DeviceStep.read}. */
export interface DeviceStepResult {
  /** `[nGroups][nRanks][nSlots]`, after the even-split fallback of groups not optimal. */
  readonly keep: Float64Array;
  /** Native status codes per group (0 = optimal). */
  readonly status: Int32Array;
  /** Each group's largest rank load after the split, in tokens of the global counts. */
  readonly maxLoad: Float64Array;
  /** -1, or the smallest index of an id outside `[-1, nExperts)`. */
  readonly badIndex: number;
}

/**
 * The whole LPLB step on the GPU with buffers allocated once: {@link count} the ids, let the EP
 * group all-reduce {@link localCounts} if there is one, then {@link solveAndMap}. Nothing waits
 * for the device until {@link read}; the enqueued work can be captured in a CUDA graph.
 */
export interface DeviceStep extends Disposable {
  readonly maxIds: number;
  count(ids: DeviceArray<"int32" | "int64">, length?: number, stream?: CudaStream): void;
  /** The step's local counts (`int32`, `nExperts`), owned by the step. */
  localCounts(): DeviceArray<"int32">;
  solveAndMap(
    ids: DeviceArray<"int32" | "int64">,
    out: DeviceArray<"int32">,
    options?: { readonly length?: number; readonly globalCounts?: DeviceArray<"int32">; readonly stream?: CudaStream },
  ): void;
  read(stream?: CudaStream): DeviceStepResult;
  dispose(): void;
}

/**
 * Creates a {@link DeviceStep} for a placement, for up to `maxIds` ids cut into `nChunks` chunks
 * (one thread block each). Options: precision, tolerance and iteration limit of the min-max
 * kernel.
 */
export function createDeviceStep(
  layout: DeviceStepLayout,
  capacity: { readonly maxIds: number; readonly nChunks?: number },
  options?: Omit<IpmOptions, "backend">,
): DeviceStep {
  const binding = native();
  const resolved = resolveOptions(options ?? {}, "options");
  const maxIds = expectInteger("capacity.maxIds", capacity.maxIds, 0, 2 ** 31 - 1);
  const nChunks = expectInteger("capacity.nChunks", capacity.nChunks ?? 128, 1, 65536);
  const step: NativeDeviceStep = call(
    () =>
      new binding.DeviceStep({
        ...layout,
        maxIds,
        nChunks,
        precision: resolved.precision,
        tolerance: resolved.tolerance,
        maxIterations: resolved.maxIterations,
      }),
  );
  const slotsTotal = layout.nGroups * layout.nRanks * layout.nSlots;
  const width = (ids: DeviceArray) => (ids.kind === "int64" ? 8 : 4);
  const length = (ids: DeviceArray, given: number | undefined) =>
    given === undefined ? ids.length : expectInteger("length", given, 0, ids.length);
  const counts = DeviceArray.wrap(step.localCounts(), "int32", layout.nExperts);
  return {
    maxIds,
    count(ids, n, stream) {
      call(() => step.count(ids.pointer, length(ids, n), width(ids), stream?.pointer ?? null));
    },
    localCounts: () => counts,
    solveAndMap(ids, out, options = {}) {
      const n = length(ids, options.length);
      if (out.kind !== "int32" || out.length < n) invalid("out", `an int32 DeviceArray of at least ${n} elements`, out);
      call(() =>
        step.solveMap(
          ids.pointer,
          n,
          width(ids),
          options.globalCounts?.pointer ?? null,
          out.pointer,
          options.stream?.pointer ?? null,
        ),
      );
    },
    read(stream) {
      const keep = new Float64Array(slotsTotal);
      const status = new Int32Array(layout.nGroups);
      const maxLoad = new Float64Array(layout.nGroups);
      const badIndex = call(() => step.read(keep, status, maxLoad, stream?.pointer ?? null));
      return { keep, status, maxLoad, badIndex };
    },
    dispose: () => step.dispose(),
    [Symbol.dispose]: () => step.dispose(),
  };
}

/**
 * NCCL communicators on device memory: the transport of an EP group whose ranks are separate
 * processes, one GPU each. NCCL is loaded at run time (`capabilities().nccl` says whether it can
 * be); communicators are non-blocking, so every wait has a timeout and a peer that dies or never
 * arrives ends in a {@link GroupError} instead of a hang.
 *
 * The rendezvous (sharing the unique id) is the caller's: `@lplb/launch` provides a store, and
 * `@lplb/planner`'s `NcclGroup.fromEnv()` does the whole thing.
 */
import { CudaUnavailableError, expectInteger, invalid } from "@lplb/errors";
import { type NativeNcclComm, nativeBinding } from "./binding.js";
import { capabilities } from "./capabilities.js";
import type { CudaStream, DeviceArray } from "./device.js";
import { callNative as call } from "./native-errors.js";

/** Size of an NCCL unique id in bytes. */
export const NCCL_UNIQUE_ID_BYTES = 128;

function ncclBinding() {
  const caps = capabilities();
  if (!caps.cuda.usable)
    throw new CudaUnavailableError(`NCCL groups need CUDA, which is not available: ${caps.cuda.reason}`);
  if (!caps.nccl.usable) throw new CudaUnavailableError(`NCCL is not available: ${caps.nccl.reason}`);
  return nativeBinding().binding;
}

/** A new NCCL unique id; rank 0 makes it and every rank passes the same bytes to {@link NcclCommunicator.create}. */
export function ncclUniqueId(): Uint8Array {
  const binding = ncclBinding();
  return call(() => binding.ncclUniqueId());
}

/** Options of {@link NcclCommunicator.create}. */
export interface NcclCommunicatorOptions {
  /** The unique id from rank 0's {@link ncclUniqueId}. */
  readonly id: Uint8Array;
  /** Number of ranks. */
  readonly size: number;
  /** This process's rank in `[0, size)`. */
  readonly rank: number;
  /** Longest wait for the other ranks, in ms (joining and every later {@link NcclCommunicator.synchronize}). */
  readonly timeoutMs: number;
}

/**
 * One rank's NCCL communicator on the current device. {@link allReduceSum} is stream-ordered and
 * returns at once; {@link synchronize} waits for a stream while watching for failed peers.
 */
export class NcclCommunicator implements Disposable {
  readonly rank: number;
  readonly size: number;
  readonly timeoutMs: number;
  #native: NativeNcclComm | undefined;

  private constructor(native: NativeNcclComm, options: NcclCommunicatorOptions) {
    this.#native = native;
    this.rank = options.rank;
    this.size = options.size;
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * Joins the communicator: blocks until every rank has joined, at most `timeoutMs`.
   *
   * @throws GroupError when the others do not join in time or NCCL fails.
   * @throws CudaUnavailableError without CUDA or NCCL.
   */
  static create(options: NcclCommunicatorOptions): NcclCommunicator {
    if (typeof options !== "object" || options === null) invalid("options", "an options object", options);
    const { id } = options;
    if (!(id instanceof Uint8Array) || id.length !== NCCL_UNIQUE_ID_BYTES) {
      invalid("options.id", `a Uint8Array of ${NCCL_UNIQUE_ID_BYTES} bytes (from ncclUniqueId())`, id);
    }
    const size = expectInteger("options.size", options.size, 1, 1 << 20);
    expectInteger("options.rank", options.rank, 0, size - 1);
    expectInteger("options.timeoutMs", options.timeoutMs, 1, 2 ** 40);
    const binding = ncclBinding();
    const native = call(() => new binding.NcclComm(id, size, options.rank, options.timeoutMs));
    return new NcclCommunicator(native, options);
  }

  private live(): NativeNcclComm {
    if (this.#native === undefined) invalid("communicator", "a live NcclCommunicator", "a disposed one");
    return this.#native;
  }

  /** False once aborted (after a failure or {@link abort}) or disposed. */
  get usable(): boolean {
    return this.#native?.live === true;
  }

  /**
   * Enqueues the sum over all ranks of `send` into `recv` (same kind, `int32` or `float64`; they
   * may be the same array) on `stream`; returns without waiting.
   */
  allReduceSum(
    send: DeviceArray<"int32"> | DeviceArray<"float64">,
    recv: DeviceArray<"int32"> | DeviceArray<"float64">,
    options: { readonly count?: number; readonly stream?: CudaStream } = {},
  ): void {
    const native = this.live();
    const kind: string = send.kind;
    if (kind !== "int32" && kind !== "float64") invalid("send", 'an "int32" or "float64" DeviceArray', kind);
    if (recv.kind !== send.kind) invalid("recv", `a "${send.kind}" DeviceArray like send`, recv.kind);
    const count = expectInteger("options.count", options.count ?? send.length, 0, Math.min(send.length, recv.length));
    call(() =>
      native.allReduceSum(
        send.pointer,
        recv.pointer,
        count,
        send.kind === "int32" ? 0 : 1,
        options.stream?.pointer ?? null,
      ),
    );
  }

  /**
   * Waits until `stream` (default: the default stream) has finished, at most `timeoutMs`
   * (default: the communicator's).
   *
   * @throws GroupError when a peer failed or the time ran out; the communicator is then aborted.
   */
  synchronize(stream?: CudaStream, timeoutMs: number = this.timeoutMs): void {
    const native = this.live();
    expectInteger("timeoutMs", timeoutMs, 1, 2 ** 40);
    call(() => native.synchronize(stream?.pointer ?? null, timeoutMs));
  }

  /** Aborts the communicator: this rank stops, peers waiting on it fail or time out. */
  abort(): void {
    this.#native?.abort();
  }

  dispose(): void {
    this.#native?.dispose();
    this.#native = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

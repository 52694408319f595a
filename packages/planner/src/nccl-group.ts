/**
 * An EP group of processes, one GPU each, summing workloads over NCCL.
 */
import { expectInteger, invalid } from "@lplb/errors";
import {
  type CudaStream,
  DeviceArray,
  NCCL_UNIQUE_ID_BYTES,
  NcclCommunicator,
  ncclUniqueId,
  setDevice,
} from "@lplb/ipm";
import { connectStore, type LaunchedRank, launchedRank } from "@lplb/launch";
import type { DeviceGroup } from "./group.js";

/** Options of {@link NcclGroup.fromEnv}. */
export interface NcclGroupFromEnvOptions {
  /** Where `lplb launch` wrote the rank's place; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Longest wait on the other ranks, in ms; default the launch's `LPLB_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
  /**
   * Names this communicator in the store, so that one job can build several groups one after
   * the other; every rank must pass the same name. Default `"default"`.
   */
  readonly name?: string;
}

/**
 * One rank of an EP group over NCCL: implements the planner's {@link DeviceGroup}, so with
 * backend `'cuda'` `planner.run` counts, all-reduces, solves and maps on the device and the host
 * waits once per step. The host-side {@link allReduceSum} (backend `'cpu'`) goes through the GPU
 * as well.
 *
 * Faults do not hang: a peer that never joins, dies or stops calling makes every wait fail with
 * `GroupError` within `timeoutMs`, and the group is aborted on that rank.
 *
 * ```ts
 * // started by: lplb launch -n 2 step.js
 * await using group = await NcclGroup.fromEnv();
 * const planner = new Planner({ r2o: [[1], [0]], nLogicalExperts: 8, nRoutedExperts: 10, group, backend: "cuda" });
 * const { probs, physicalIds } = planner.run(localIds);
 * ```
 */
export class NcclGroup implements DeviceGroup, Disposable, AsyncDisposable {
  readonly rank: number;
  readonly size: number;
  /** The CUDA device this rank uses. */
  readonly device: number;
  readonly timeoutMs: number;
  readonly communicator: NcclCommunicator;
  #host: DeviceArray<"float64"> | undefined;

  private constructor(communicator: NcclCommunicator, device: number) {
    this.communicator = communicator;
    this.rank = communicator.rank;
    this.size = communicator.size;
    this.timeoutMs = communicator.timeoutMs;
    this.device = device;
  }

  /**
   * Joins the group of a process started by `lplb launch`: selects the rank's GPU
   * (`LPLB_DEVICE`), and rank 0 publishes a new NCCL unique id in the job's store, which the
   * others read; then every rank joins (all within the timeout).
   *
   * @throws InvalidArgumentError when the environment lacks the launch's variables.
   * @throws GroupError when the others do not join in time.
   * @throws CudaUnavailableError without CUDA or NCCL.
   */
  static async fromEnv(options: NcclGroupFromEnvOptions = {}): Promise<NcclGroup> {
    const place: LaunchedRank = launchedRank(options.env ?? process.env);
    const timeoutMs = expectInteger("options.timeoutMs", options.timeoutMs ?? place.timeoutMs, 1, 2 ** 40);
    const name = options.name ?? "default";
    if (typeof name !== "string" || !/^[\w.-]{1,64}$/.test(name)) {
      invalid("options.name", "1 to 64 letters, digits, '_', '.' or '-'", name);
    }
    setDevice(place.device);
    const store = await connectStore({ ...place, timeoutMs });
    let id: Uint8Array;
    try {
      const key = `lplb/nccl/${name}/unique-id`;
      if (place.rank === 0) {
        id = ncclUniqueId();
        await store.set(key, Buffer.from(id).toString("base64"));
      } else {
        id = new Uint8Array(Buffer.from(await store.get(key, timeoutMs), "base64"));
        if (id.length !== NCCL_UNIQUE_ID_BYTES) {
          throw new Error(`the store held a ${id.length}-byte NCCL id under ${key}, expected ${NCCL_UNIQUE_ID_BYTES}`);
        }
      }
    } finally {
      store.close();
    }
    return NcclGroup.create({ id, rank: place.rank, size: place.worldSize, device: place.device, timeoutMs });
  }

  /**
   * Joins a group with an id shared by the caller's own rendezvous (rank 0's
   * `ncclUniqueId()` from `@lplb/ipm`); selects `device` first when given.
   */
  static create(options: {
    readonly id: Uint8Array;
    readonly rank: number;
    readonly size: number;
    readonly timeoutMs: number;
    readonly device?: number;
  }): NcclGroup {
    if (options.device !== undefined) setDevice(options.device);
    const communicator = NcclCommunicator.create(options);
    return new NcclGroup(communicator, options.device ?? 0);
  }

  allReduceDevice(local: DeviceArray<"int32">, global: DeviceArray<"int32">, stream?: CudaStream): void {
    if (global.length !== local.length) {
      invalid("global", `an int32 DeviceArray of ${local.length} elements like local`, `${global.length} elements`);
    }
    this.communicator.allReduceSum(local, global, stream ? { stream } : {});
  }

  synchronize(stream?: CudaStream): void {
    this.communicator.synchronize(stream);
  }

  /** Sums `values` over all ranks in place, through the GPU; waits (at most `timeoutMs`). */
  allReduceSum(values: Float64Array): void {
    if (!(values instanceof Float64Array)) invalid("values", "a Float64Array", values);
    if (this.#host === undefined || this.#host.length < values.length) {
      this.#host?.dispose();
      this.#host = DeviceArray.alloc("float64", Math.max(values.length, 1));
    }
    const buffer = this.#host;
    buffer.copyFromHost(values);
    this.communicator.allReduceSum(buffer, buffer, { count: values.length });
    this.communicator.synchronize();
    buffer.toHost(values);
  }

  /** Aborts the group on this rank (peers waiting on it then fail or time out). */
  abort(): void {
    this.communicator.abort();
  }

  dispose(): void {
    this.#host?.dispose();
    this.#host = undefined;
    this.communicator.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}

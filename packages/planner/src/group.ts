/**
 * EP groups: the ranks whose token counts are summed before every rank solves the same LPs.
 */
import { expectInteger } from "@lplb/errors";
import type { CudaStream, DeviceArray } from "@lplb/ipm";

/**
 * An expert-parallel group as the planner sees it: this process's rank, the group size, and an
 * element-wise sum all-reduce of the workload vector.
 *
 * `allReduceSum` sums `values` over all ranks in place. It may complete synchronously (return
 * `undefined`, e.g. a single process or a stream-ordered device collective) or return a promise
 * (an in-process simulation, a network transport); {@link Planner.run} needs the synchronous kind,
 * {@link Planner.runAsync} accepts both.
 */
export interface Group {
  readonly rank: number;
  readonly size: number;
  allReduceSum(values: Float64Array): void | Promise<void>;
}

/**
 * A group whose all-reduce also runs on the GPU, stream-ordered ({@link NcclGroup}). With backend
 * `'cuda'` the planner then keeps a whole step on the device: count, all-reduce, solve and map are
 * enqueued on one stream, and the host waits once, through {@link DeviceGroup.synchronize}, which
 * fails instead of hanging when a peer does.
 */
export interface DeviceGroup extends Group {
  /** Enqueues the sum over all ranks of `local` into `global` (int32, same length) on `stream`. */
  allReduceDevice(local: DeviceArray<"int32">, global: DeviceArray<"int32">, stream?: CudaStream): void;
  /** Waits until `stream` has finished; throws `GroupError` when a peer fails or time runs out. */
  synchronize(stream?: CudaStream): void;
}

/** True when `group` can all-reduce on the device ({@link DeviceGroup}). */
export function isDeviceGroup(group: Group): group is DeviceGroup {
  const candidate = group as Partial<DeviceGroup>;
  return typeof candidate.allReduceDevice === "function" && typeof candidate.synchronize === "function";
}

/** The group of one process: `rank` 0 of `size` 1, the reduction is the identity. */
export class LocalGroup implements Group {
  readonly rank = 0;
  readonly size = 1;

  allReduceSum(_values: Float64Array): void {}
}

/**
 * An in-process group of `size` simulated ranks sharing one reduction, for simulations and tests.
 * Each member is handed to its own planner; a member's `allReduceSum` resolves once every member
 * has contributed the same round, and all of them then see the same sum.
 *
 * ```ts
 * const members = createSimulatedGroup(4);
 * const planners = members.map((group) => new Planner({ ...options, group }));
 * const results = await Promise.all(planners.map((p, r) => p.runAsync(localIds[r])));
 * ```
 */
export function createSimulatedGroup(size: number): SimulatedGroupMember[] {
  expectInteger("size", size, 1, 1 << 16);
  const round = new SimulatedRound(size);
  return Array.from({ length: size }, (_, rank) => new SimulatedGroupMember(rank, size, round));
}

/** One rank of a group made by {@link createSimulatedGroup}. */
export class SimulatedGroupMember implements Group {
  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly round: SimulatedRound,
  ) {}

  allReduceSum(values: Float64Array): Promise<void> {
    return this.round.contribute(this.rank, values);
  }
}

/** Collects one contribution per rank, then writes the sum into every contributor's buffer. */
class SimulatedRound {
  private buffers: (Float64Array | undefined)[];
  private waiters: (() => void)[] = [];
  private failers: ((error: Error) => void)[] = [];
  private arrived = 0;

  constructor(private readonly size: number) {
    this.buffers = new Array(size);
  }

  contribute(rank: number, values: Float64Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const first = this.buffers.find((b) => b !== undefined);
      if (this.buffers[rank] !== undefined) {
        reject(new Error(`rank ${rank} contributed twice to one all-reduce round`));
        return;
      }
      if (first !== undefined && first.length !== values.length) {
        const error = new Error(
          `all-reduce length mismatch: rank ${rank} sent ${values.length} values, others ${first.length}`,
        );
        for (const fail of this.failers) fail(error);
        this.reset();
        reject(error);
        return;
      }
      this.buffers[rank] = values;
      this.waiters.push(resolve);
      this.failers.push(reject);
      this.arrived++;
      if (this.arrived === this.size) this.complete();
    });
  }

  private complete(): void {
    const buffers = this.buffers as Float64Array[];
    const sum = new Float64Array(buffers[0].length);
    for (const buffer of buffers) for (let i = 0; i < sum.length; i++) sum[i] += buffer[i];
    for (const buffer of buffers) buffer.set(sum);
    const waiters = this.waiters;
    this.reset();
    for (const wake of waiters) wake();
  }

  private reset(): void {
    this.buffers = new Array(this.size);
    this.waiters = [];
    this.failers = [];
    this.arrived = 0;
  }
}

/**
 * NCCL communicators: argument checks everywhere; without CUDA or NCCL every entry point throws
 * CudaUnavailableError with the reason; with both (the GPU machine), a one-rank communicator
 * sums on the device and a two-rank one whose second rank never comes times out. The two-process
 * checks are in packages/planner/bench/nccl-check.ts.
 */
import { CudaUnavailableError, GroupError, InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import {
  CudaStream,
  capabilities,
  DeviceArray,
  NCCL_UNIQUE_ID_BYTES,
  NcclCommunicator,
  ncclUniqueId,
  setDevice,
} from "../src/index.js";

const caps = capabilities();
const usable = caps.cuda.usable && caps.nccl.usable;
const reason = caps.cuda.usable ? caps.nccl.reason : caps.cuda.reason;

describe("NcclCommunicator arguments", () => {
  const id = new Uint8Array(NCCL_UNIQUE_ID_BYTES);
  it.each([
    [{ id: new Uint8Array(12), size: 2, rank: 0, timeoutMs: 1000 }, "options.id"],
    [{ id: new Int8Array(NCCL_UNIQUE_ID_BYTES), size: 2, rank: 0, timeoutMs: 1000 }, "options.id"],
    [{ id, size: 0, rank: 0, timeoutMs: 1000 }, "options.size"],
    [{ id, size: 2, rank: 2, timeoutMs: 1000 }, "options.rank"],
    [{ id, size: 2, rank: 1.5, timeoutMs: 1000 }, "options.rank"],
    [{ id, size: 2, rank: 0, timeoutMs: 0 }, "options.timeoutMs"],
  ])("rejects %o naming %s", (options, argument) => {
    const attempt = () => NcclCommunicator.create(options as never);
    expect(attempt).toThrow(InvalidArgumentError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
  });

  it("rejects a device index out of range before anything else", () => {
    expect(() => setDevice(-1)).toThrow(InvalidArgumentError);
    expect(() => setDevice(0.5)).toThrow(InvalidArgumentError);
  });
});

describe.skipIf(usable)("NCCL without CUDA or NCCL", () => {
  it("throws CudaUnavailableError with the reason", () => {
    expect(() => ncclUniqueId()).toThrow(CudaUnavailableError);
    expect(() => ncclUniqueId()).toThrow(reason.slice(0, 20));
    const id = new Uint8Array(NCCL_UNIQUE_ID_BYTES);
    expect(() => NcclCommunicator.create({ id, size: 1, rank: 0, timeoutMs: 1000 })).toThrow(CudaUnavailableError);
    if (!caps.cuda.usable) expect(() => setDevice(0)).toThrow(CudaUnavailableError);
  });
});

describe.skipIf(!usable)(`NCCL on the GPU${usable ? "" : ` (skipped: ${reason})`}`, () => {
  it("sums over a one-rank communicator on a stream", () => {
    setDevice(0);
    using comm = NcclCommunicator.create({ id: ncclUniqueId(), size: 1, rank: 0, timeoutMs: 20_000 });
    expect(comm.usable).toBe(true);
    using stream = CudaStream.create();
    using ints = DeviceArray.fromHost(Int32Array.of(3, 0, 7));
    using sums = DeviceArray.alloc("int32", 3);
    using reals = DeviceArray.fromHost(Float64Array.of(0.5, -2));
    comm.allReduceSum(ints, sums, { stream });
    comm.allReduceSum(reals, reals, { stream });
    comm.synchronize(stream);
    expect(Array.from(sums.toHost())).toEqual([3, 0, 7]);
    expect(Array.from(reals.toHost())).toEqual([0.5, -2]);
    expect(() => comm.allReduceSum(ints, reals as never)).toThrow(InvalidArgumentError);
  });

  it("fails with GroupError when a rank never joins", () => {
    const start = performance.now();
    let caught: unknown;
    try {
      NcclCommunicator.create({ id: ncclUniqueId(), size: 2, rank: 0, timeoutMs: 1500 });
    } catch (error) {
      caught = error;
    }
    expect(GroupError.isInstance(caught)).toBe(true);
    expect((caught as GroupError).failure).toBe("timeout");
    expect(performance.now() - start).toBeLessThan(15_000);
  });
});

/**
 * NcclGroup and DeviceGroup on any machine: the launch environment is checked, a machine without
 * CUDA or NCCL is told so, and a group that reduces on the device is recognised. Two processes on
 * two GPUs are exercised by bench/nccl-check.ts on the GPU machine.
 */
import { CudaUnavailableError, InvalidArgumentError } from "@lplb/errors";
import { capabilities } from "@lplb/ipm";
import { describe, expect, it } from "vitest";
import { type DeviceGroup, isDeviceGroup, LocalGroup, NcclGroup, Planner } from "../src/index.js";

const caps = capabilities();
const ncclUsable = caps.cuda.usable && caps.nccl.usable;

describe("NcclGroup.fromEnv", () => {
  it("names the missing launch variable", async () => {
    await expect(NcclGroup.fromEnv({ env: {} })).rejects.toThrow(/LPLB_WORLD_SIZE/);
    await expect(NcclGroup.fromEnv({ env: {} })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("rejects a bad group name", async () => {
    const env = {
      LPLB_RANK: "0",
      LPLB_WORLD_SIZE: "1",
      LPLB_LOCAL_RANK: "0",
      LPLB_LOCAL_WORLD_SIZE: "1",
      LPLB_DEVICE: "0",
      LPLB_STORE_HOST: "127.0.0.1",
      LPLB_STORE_PORT: "1",
      LPLB_STORE_TOKEN: "t",
      LPLB_TIMEOUT_MS: "1000",
    };
    await expect(NcclGroup.fromEnv({ env, name: "a b" })).rejects.toThrow(/options.name/);
    if (!caps.cuda.usable) await expect(NcclGroup.fromEnv({ env })).rejects.toBeInstanceOf(CudaUnavailableError);
  });

  it.skipIf(ncclUsable)("says why without CUDA or NCCL", () => {
    expect(() => NcclGroup.create({ id: new Uint8Array(128), rank: 0, size: 1, timeoutMs: 1000 })).toThrow(
      CudaUnavailableError,
    );
  });
});

describe("DeviceGroup", () => {
  it("is recognised by its two methods, and a plain group is not one", () => {
    expect(isDeviceGroup(new LocalGroup())).toBe(false);
    const fake: DeviceGroup = {
      rank: 0,
      size: 1,
      allReduceSum: () => {},
      allReduceDevice: () => {},
      synchronize: () => {},
    };
    expect(isDeviceGroup(fake)).toBe(true);
  });

  it("backend 'cpu' uses a device group's host all-reduce", () => {
    let calls = 0;
    const group: DeviceGroup = {
      rank: 0,
      size: 1,
      allReduceSum: (values) => {
        calls++;
        values[0] += 1000; // a peer's tokens of expert 0
      },
      allReduceDevice: () => {
        throw new Error("not on the CPU backend");
      },
      synchronize: () => {},
    };
    using planner = new Planner({ r2o: [[1], [0]], nLogicalExperts: 8, nRoutedExperts: 10, group, epSize: 2 });
    const result = planner.run(Int32Array.of(0, 1, 2, 3));
    expect(calls).toBe(1);
    expect(result.workload[0]).toBe(1001);
    expect(Array.from(result.localCounts.slice(0, 4))).toEqual([1, 1, 1, 1]);
  });
});

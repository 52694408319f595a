/**
 * DeviceArray, CudaStream and the GPU step. Skipped, with the reason, where no CUDA device is
 * usable (CI has none); without one, every entry point must throw CudaUnavailableError.
 */
import { CudaUnavailableError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { CudaStream, capabilities, DeviceArray } from "../src/index.js";

const cuda = capabilities().cuda;

describe.skipIf(cuda.usable)("device memory without a usable device", () => {
  it("throws CudaUnavailableError with the reason", () => {
    expect(() => DeviceArray.alloc("int32", 4)).toThrow(CudaUnavailableError);
    expect(() => CudaStream.create()).toThrow(CudaUnavailableError);
    expect(() => DeviceArray.fromHost(Float64Array.of(1))).toThrow(cuda.reason.slice(0, 20));
  });
});

describe.skipIf(!cuda.usable)(`device memory${cuda.usable ? "" : ` (skipped: ${cuda.reason})`}`, () => {
  it("round-trips every kind, on a stream and through a wrapped pointer", () => {
    using stream = CudaStream.create();
    using a = DeviceArray.fromHost(Float64Array.of(1, 2, 3, 4));
    expect(Array.from(a.toHost(undefined, stream))).toEqual([1, 2, 3, 4]);
    using b = DeviceArray.alloc("int64", 3);
    b.copyFromHost(BigInt64Array.of(5n, -1n, 7n), stream);
    stream.synchronize();
    expect(Array.from(b.toHost())).toEqual([5n, -1n, 7n]);
    const view = DeviceArray.wrap(a.pointer, "float64", 2);
    expect(Array.from(view.toHost())).toEqual([1, 2]);
    view.dispose();
    expect(a.toHost()[3]).toBe(4);
    expect(() => a.copyFromHost(new Float64Array(5) as never)).toThrow(/at most 4/);
    expect(() => a.copyFromHost(new Int32Array(2) as never)).toThrow(/float64/);
  });
});

describe("DeviceArray and CudaStream arguments (no device needed)", () => {
  it("wrap checks the pointer, kind and length before anything reaches native code", () => {
    expect(() => DeviceArray.wrap(0n, "int32", 4)).toThrow(/positive bigint/);
    expect(() => DeviceArray.wrap(1 as never, "int32", 4)).toThrow(/bigint/);
    expect(() => DeviceArray.wrap(4096n, "float32" as never, 4)).toThrow(/kind/);
    expect(() => DeviceArray.wrap(4096n, "int32", -1)).toThrow(/length/);
    const view = DeviceArray.wrap(4096n, "float64", 3);
    expect(view.owned).toBe(false);
    expect(view.byteLength).toBe(24);
    expect(view.pointer).toBe(4096n);
    view.dispose(); // a wrap frees nothing
    expect(() => view.pointer).toThrow(/disposed/);
    expect(() => CudaStream.wrap(-1n)).toThrow(/bigint/);
    expect(CudaStream.wrap(0n).owned).toBe(false);
  });
});

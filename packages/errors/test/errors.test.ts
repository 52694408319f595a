import { expect, it, describe as suite } from "vitest";
import {
  CudaUnavailableError,
  expectFinite,
  expectFiniteArray,
  expectInteger,
  expectOneOf,
  GroupError,
  InvalidArgumentError,
  LplbError,
  NativeBindingError,
} from "../src/index.js";

suite("LplbError", () => {
  it("carries a code and a cause and is recognised through the marker", () => {
    const cause = new Error("root");
    const error = new NativeBindingError("cannot load", { cause });
    expect(error.code).toBe("ERR_LPLB_NATIVE_BINDING");
    expect(error.cause).toBe(cause);
    expect(error.name).toBe("NativeBindingError");
    expect(LplbError.isInstance(error)).toBe(true);
    expect(NativeBindingError.isInstance(error)).toBe(true);
    expect(InvalidArgumentError.isInstance(error)).toBe(false);
    expect(CudaUnavailableError.isInstance(new CudaUnavailableError("x"))).toBe(true);
    const group = new GroupError("timeout", "rank 1 of 2: no answer");
    expect(group.code).toBe("ERR_LPLB_GROUP");
    expect(group.failure).toBe("timeout");
    expect(GroupError.isInstance(group)).toBe(true);
    expect(GroupError.isInstance(error)).toBe(false);
  });

  it("recognises an error built by another copy of the package", () => {
    const foreign = Object.assign(new Error("x"), {
      [Symbol.for("@lplb/error")]: true,
      code: "ERR_LPLB_INVALID_ARGUMENT",
    });
    expect(InvalidArgumentError.isInstance(foreign)).toBe(true);
    expect(LplbError.isInstance(new Error("plain"))).toBe(false);
    expect(LplbError.isInstance(null)).toBe(false);
  });
});

suite("validation vocabulary", () => {
  it("names the argument, the expectation and the value", () => {
    expect(() => expectInteger("groupSize", 0, 1, 64)).toThrow("expected an integer in [1, 64] for groupSize, got 0");
    expect(() => expectInteger("n", 1.5)).toThrow("expected an integer for n, got 1.5");
    expect(() => expectInteger("n", -1, 0)).toThrow("expected an integer >= 0 for n, got -1");
    expect(() => expectFinite("tol", Number.NaN)).toThrow("expected a finite number for tol, got NaN");
    expect(() => expectOneOf("backend", "gpu", ["cpu", "cuda"])).toThrow(
      'expected one of "cpu", "cuda" for backend, got "gpu"',
    );
    expect(() => expectFiniteArray("load", [1, -2], { min: 0 })).toThrow(
      "expected a finite number >= 0 for load[1], got -2",
    );
    expect(() => expectFiniteArray("load", [1], { length: 2 })).toThrow("expected an array of length 2 for load");
  });

  it("returns valid values unchanged", () => {
    expect(expectInteger("n", 3, 1, 4)).toBe(3);
    expect(expectFinite("x", 0.5, 0, 1)).toBe(0.5);
    expect(expectOneOf("b", "cpu", ["cpu", "cuda"])).toBe("cpu");
    const arr = new Float64Array([1, 2]);
    expect(expectFiniteArray("a", arr)).toBe(arr);
  });

  it("thrown errors are InvalidArgumentError with the argument name", () => {
    try {
      expectInteger("options.numGpus", "8");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe("options.numGpus");
    }
  });
});

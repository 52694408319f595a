import { readFileSync } from "node:fs";
import { CudaUnavailableError } from "@lplb/errors";
import type { LinearProgram } from "@lplb/lp";
import { describe, expect, it } from "vitest";
import { capabilities, createSolver, solve, solveBatch, solveBatchAsync } from "../src/index.js";

/** The version the C header declares, read from the header itself. */
function headerVersion(): string {
  const header = readFileSync(new URL("../../../native/include/lplb/ipm.h", import.meta.url), "utf8");
  const part = (name: string) => header.match(new RegExp(`#define LPLB_VERSION_${name} (\\d+)`))![1];
  return `${part("MAJOR")}.${part("MINOR")}.${part("PATCH")}`;
}

describe("capabilities", () => {
  it("reports the core's version, the CPU backend and CUDA availability", () => {
    const caps = capabilities();
    expect(caps.version).toBe(headerVersion());
    expect(caps.cpu).toBe(true);
    expect(typeof caps.cuda.built).toBe("boolean");
    expect(typeof caps.cuda.usable).toBe("boolean");
    expect(Number.isInteger(caps.cuda.deviceCount)).toBe(true);
    if (caps.cuda.usable) {
      expect(caps.cuda.built).toBe(true);
      expect(caps.cuda.deviceCount).toBeGreaterThan(0);
      expect(caps.cuda.reason).toBe("");
    } else {
      expect(caps.cuda.reason.length).toBeGreaterThan(0);
    }
    expect(caps.bindingPath).toMatch(/lplb_ipm\.node$/);
    expect(capabilities()).not.toBe(caps);
  });

  it("says whether NCCL can be loaded, with its version or why not", () => {
    const { nccl } = capabilities();
    if (nccl.usable) {
      expect(nccl.version).toMatch(/^2\.\d+\.\d+$/);
      expect(nccl.reason).toBe("");
    } else {
      expect(nccl.version).toBe("");
      expect(nccl.reason).toMatch(/libnccl\.so\.2/);
    }
  });
});

describe("backend: cuda", () => {
  const caps = capabilities();
  const lp: LinearProgram = { nVars: 1, c: new Float64Array([1]) };
  it.skipIf(caps.cuda.usable)("throws CudaUnavailableError with the reason when CUDA is not usable", async () => {
    const expectUnavailable = (call: () => unknown) => {
      try {
        call();
        expect.unreachable("expected CudaUnavailableError");
      } catch (error) {
        expect(CudaUnavailableError.isInstance(error)).toBe(true);
        expect((error as Error).message).toContain(caps.cuda.reason);
        expect((error as Error).message).toContain('use backend "cpu"');
      }
    };
    expectUnavailable(() => solve(lp, { backend: "cuda" }));
    expectUnavailable(() => solveBatch([lp, lp], { backend: "cuda" }));
    expectUnavailable(() => createSolver({ nVars: 1, mEq: 0, mUb: 0 }, { backend: "cuda" }));
    await expect(solveBatchAsync([lp], { backend: "cuda" })).rejects.toSatisfy((e) =>
      CudaUnavailableError.isInstance(e),
    );
  });
});

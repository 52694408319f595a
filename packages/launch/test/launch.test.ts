import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { launch, launchedRank } from "../src/index.js";

const script = fileURLToPath(new URL("./fixtures/rendezvous.mjs", import.meta.url));

function collect() {
  const lines: string[] = [];
  return { lines, onLine: (rank: number, _stream: string, line: string) => lines.push(`${rank}: ${line}`) };
}

describe("launch", () => {
  it("starts every rank with its place in the job; they meet through the store", async () => {
    const { lines, onLine } = collect();
    const result = await launch({ nprocs: 3, gpusPerNode: 2, script, onLine, timeoutMs: 10_000 });
    expect(result).toEqual({ exitCode: 0 });
    for (const rank of [0, 1, 2]) {
      expect(lines).toContain(`${rank}: rank ${rank} of 3, device ${rank % 2}, sum 60`);
    }
  });

  it("stops the others when a rank fails, and reports it", async () => {
    const { lines, onLine } = collect();
    const result = await launch({ nprocs: 3, script, onLine, timeoutMs: 60_000, env: { FIXTURE_FAIL_RANK: "1" } });
    expect(result.exitCode).toBe(3);
    expect(result.failedRank).toBe(1);
    expect(result.reason).toBe("rank 1 exited with code 3");
    expect(lines).toContain("1: failing on purpose");
  });

  it("fails the waiting ranks within the timeout when one never arrives", async () => {
    const { lines, onLine } = collect();
    const started = Date.now();
    const result = await launch({ nprocs: 3, script, onLine, timeoutMs: 1000, env: { FIXTURE_ABSENT_RANK: "2" } });
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lines.join("\n")).toMatch(/timed out after 1000 ms waiting for "value\/2"/);
  });

  it("checks its options", async () => {
    await expect(launch({ nprocs: 0, script })).rejects.toThrow(/options\.nprocs/);
    await expect(launch({ nprocs: 2, nnodes: 2, script })).rejects.toThrow(/options\.port/);
    await expect(launch({ nprocs: 2, nnodes: 2, nodeRank: 1, port: 29500, script })).rejects.toThrow(/options\.token/);
  });
});

describe("launchedRank", () => {
  it("reads the launcher's environment and names what is missing", () => {
    const env = {
      LPLB_RANK: "1",
      LPLB_WORLD_SIZE: "2",
      LPLB_LOCAL_RANK: "1",
      LPLB_LOCAL_WORLD_SIZE: "2",
      LPLB_DEVICE: "1",
      LPLB_STORE_HOST: "127.0.0.1",
      LPLB_STORE_PORT: "29500",
      LPLB_STORE_TOKEN: "token-token",
      LPLB_TIMEOUT_MS: "5000",
    };
    expect(launchedRank(env)).toEqual({
      rank: 1,
      worldSize: 2,
      localRank: 1,
      localWorldSize: 2,
      device: 1,
      timeoutMs: 5000,
      store: { host: "127.0.0.1", port: 29500, token: "token-token" },
    });
    expect(() => launchedRank({ ...env, LPLB_RANK: "2" })).toThrow(/below LPLB_WORLD_SIZE/);
    expect(() => launchedRank({ ...env, LPLB_WORLD_SIZE: undefined })).toThrow(/LPLB_WORLD_SIZE/);
    expect(() => launchedRank({ ...env, LPLB_STORE_TOKEN: "" })).toThrow(/LPLB_STORE_TOKEN/);
  });
});

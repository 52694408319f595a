/**
 * Backend 'cuda' against backend 'cpu' on the same ids: balance, mapping validity, the CPU
 * mapping of the device's probabilities equal to the device's physical ids, invalid ids, an EP
 * group through runAsync. Skipped, with the reason, where no CUDA device is usable.
 */
import { capabilities } from "@lplb/ipm";
import { cube } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import { createSimulatedGroup, Planner } from "../src/index.js";
import { rng } from "./helpers.js";

const cuda = capabilities().cuda;

describe.skipIf(!cuda.usable)(`planner backend 'cuda'${cuda.usable ? "" : ` (skipped: ${cuda.reason})`}`, () => {
  for (const [epSize, E] of [
    [32, 256],
    [256, 2048],
  ] as const) {
    it(`EP${epSize} cube: same balance as the CPU, same mapping for the same probabilities`, () => {
      const seed = Date.now() >>> 0;
      const random = rng(seed);
      const options = { r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + 2 * epSize, epSize };
      using gpu = new Planner({ ...options, backend: "cuda" });
      using cpu = new Planner(options);
      const history = Float64Array.from({ length: E }, () => 1e6 * (0.5 + random()));
      gpu.updateRedundancyMapping(history);
      cpu.updateRedundancyMapping(history);
      const ids = Int32Array.from({ length: 4096 * 8 }, () => (random() < 0.02 ? -1 : Math.floor(random() ** 1.7 * E)));
      const onGpu = gpu.run(ids);
      const onCpu = cpu.run(ids);
      expect(onGpu.optimalGroups, `seed ${seed}`).toBe(epSize / 8);
      expect(Math.abs(onGpu.balance - onCpu.balance), `seed ${seed}`).toBeLessThanOrEqual(1e-6 * onCpu.balance);
      const again = cpu.weightedSelectTarget(ids, onGpu.probs, cpu.countWorkload(ids));
      expect(Array.from(onGpu.physicalIds)).toEqual(Array.from(again));
      const { phy2log } = gpu.currentMapping();
      ids.forEach((id, i) => {
        if (id < 0) expect(onGpu.physicalIds[i]).toBe(-1);
        else expect(phy2log[onGpu.physicalIds[i]]).toBe(id);
      });
      const broken = new Int32Array(100).fill(1);
      broken[37] = E;
      expect(() => gpu.run(broken)).toThrow("idx[37]");
    });
  }

  it("runs an EP group of 4 simulated ranks through runAsync", async () => {
    const members = createSimulatedGroup(4);
    const planners = members.map(
      (group) =>
        new Planner({ r2o: cube(), nLogicalExperts: 64, nRoutedExperts: 80, epSize: 8, group, backend: "cuda" }),
    );
    const random = rng(5);
    const results = await Promise.all(
      planners.map((p) => p.runAsync(Int32Array.from({ length: 4096 }, () => Math.floor(random() * 64)))),
    );
    for (const r of results) expect(Array.from(r.probs)).toEqual(Array.from(results[0].probs));
    for (const p of planners) p.dispose();
  });
});

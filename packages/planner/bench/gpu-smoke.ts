/**
 * Backend 'cuda' of the planner against backend 'cpu' on the same ids, for a GPU machine without
 * a package registry (bundled with esbuild; the addon found through LPLB_IPM_BINDING): the
 * balance each reaches, mapping validity, the CPU mapping of the device's probabilities equal to
 * the device's physical ids, invalid ids, DeviceArray round trips; then `run` timed on both.
 */
import { CudaStream, capabilities, DeviceArray } from "@lplb/ipm";
import { cube } from "@lplb/topology";
import { Planner } from "../src/index.js";
import { rng } from "../test/helpers.js";

let failures = 0;
const check = (ok: boolean, what: string) => {
  if (!ok) {
    failures++;
    console.log(`FAIL ${what}`);
  }
};

const caps = capabilities();
console.log(`CUDA built ${caps.cuda.built}, usable ${caps.cuda.usable} ${caps.cuda.reason}`);

// DeviceArray and CudaStream.
{
  using stream = CudaStream.create();
  using a = DeviceArray.fromHost(Float64Array.of(1, 2, 3, 4));
  const back = a.toHost(undefined, stream);
  check(back.join() === "1,2,3,4", "DeviceArray float64 round trip");
  using b = DeviceArray.alloc("int64", 3);
  b.copyFromHost(BigInt64Array.of(5n, -1n, 7n), stream);
  stream.synchronize();
  check(b.toHost().join() === "5,-1,7", "DeviceArray int64 round trip on a stream");
  const wrapped = DeviceArray.wrap(a.pointer, "float64", 2);
  check(wrapped.toHost().join() === "1,2", "wrapped pointer reads the first elements");
  wrapped.dispose();
  check(a.toHost()[3] === 4, "disposing a wrap does not free the memory");
}

const random = rng(20261128);
for (const [epSize, E] of [
  [32, 256],
  [256, 2048],
] as const) {
  const options = { r2o: cube(), nLogicalExperts: E, nRoutedExperts: E + 2 * epSize, epSize };
  using gpu = new Planner({ ...options, backend: "cuda" });
  using cpu = new Planner(options);
  check(gpu.backend === "cuda", `EP${epSize}: backend ${gpu.backend}`);
  {
    using auto = new Planner({ ...options, backend: "auto" });
    check(auto.backend === "cuda", `EP${epSize}: 'auto' picked ${auto.backend} (${auto.backendReason})`);
  }
  const history = Float64Array.from({ length: E }, () => 1e6 * (0.5 + random()));
  gpu.updateRedundancyMapping(history);
  cpu.updateRedundancyMapping(history);
  for (let trial = 0; trial < 3; trial++) {
    const ids = Int32Array.from({ length: 4096 * 8 }, () => (random() < 0.02 ? -1 : Math.floor(random() ** 1.7 * E)));
    const onGpu = gpu.run(ids);
    const onCpu = cpu.run(ids);
    const name = `EP${epSize} trial ${trial}`;
    check(onGpu.optimalGroups === epSize / 8, `${name}: optimal groups ${onGpu.optimalGroups}`);
    check(
      Math.abs(onGpu.balance - onCpu.balance) <= 1e-6 * onCpu.balance + 1e-12,
      `${name}: balance ${onGpu.balance} vs CPU ${onCpu.balance}`,
    );
    const counts = cpu.countWorkload(ids);
    const again = cpu.weightedSelectTarget(ids, onGpu.probs, counts);
    let same = true;
    for (let i = 0; i < ids.length; i++) same &&= again[i] === onGpu.physicalIds[i];
    check(same, `${name}: the CPU mapping of the device's probabilities differs from the device's ids`);
    const { phy2log } = gpu.currentMapping();
    let valid = true;
    for (let i = 0; i < ids.length; i++)
      valid &&= ids[i] < 0 ? onGpu.physicalIds[i] === -1 : phy2log[onGpu.physicalIds[i]] === ids[i];
    check(valid, `${name}: a physical id is not a copy of its expert`);
    console.log(`${name}: balance ${onGpu.balance.toFixed(6)} (CPU ${onCpu.balance.toFixed(6)})`);
  }
  const broken = new Int32Array(100).fill(1);
  broken[37] = E;
  let message = "";
  try {
    gpu.run(broken);
  } catch (error) {
    message = String(error);
  }
  check(message.includes("idx[37]"), `EP${epSize}: invalid id reported as ${message}`);
  // Timing: run on both backends, host arrays in and out.
  const ids = Int32Array.from({ length: 4096 * 8 }, () => Math.floor(random() ** 1.7 * E));
  const out = new Int32Array(ids.length);
  for (const [name, planner] of [
    ["cuda", gpu],
    ["cpu", cpu],
  ] as const) {
    for (let i = 0; i < 30; i++) planner.run(ids, out);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      planner.run(ids, out);
      samples.push((performance.now() - start) * 1000);
    }
    samples.sort((a, b) => a - b);
    console.log(`EP${epSize} run(ids, out) backend ${name}: median ${samples[100].toFixed(1)} us`);
  }
}
console.log(failures === 0 ? "PASS" : `FAIL (${failures})`);
process.exitCode = failures === 0 ? 0 : 1;

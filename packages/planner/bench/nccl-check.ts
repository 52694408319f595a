/**
 * The NCCL EP group on a machine with at least two GPUs, for a machine without a package
 * registry (bundled with esbuild; the addon found through LPLB_IPM_BINDING):
 *
 *   node nccl-check.mjs [outDir]               the driver: runs every scenario below
 *   node nccl-check.mjs rank <scenario> <dir>  one rank (started by the driver)
 *
 * Scenarios, each with two processes on two GPUs and the 2-rank ring r2o = [[1], [0]]:
 * - `normal` (through `launch`, what `lplb launch -n 2` runs): both ranks see the same global
 *   workload and probabilities at every step, the probabilities match the CPU solver's for that
 *   workload within 1e-4, every mapping is valid and equals the CPU mapping of the same
 *   probabilities, and the realised load per rank equals the prediction; then per-step latency.
 * - `die`: rank 1 kills itself (SIGKILL) after a few steps; rank 0 must fail with GroupError
 *   within its timeout. `hang`: rank 1 stops calling; same expectation. `missing`: rank 1 never
 *   starts; rank 0 must fail while joining. These start the ranks without `launch`, which would
 *   stop the survivor itself.
 * Results go to `<outDir>/nccl-check.json`; the last line says PASS or FAIL.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GroupError } from "@lplb/errors";
import { CudaStream, capabilities, DeviceArray } from "@lplb/ipm";
import { ENV, launch, startStore } from "@lplb/launch";
import { median } from "@lplb/test-support";
import { NcclGroup, Planner } from "../src/index.js";
import { rng } from "../test/helpers.js";

const self = fileURLToPath(import.meta.url);
const E = 64;
const EP = 2;
const RING = [[1], [0]];
const TOKENS = 4096;
const TOP_K = 8;
const FAULT_TIMEOUT_MS = 5000;

/** Skewed top-k ids of one rank's batch (a few -1 for dropped tokens). */
function batch(random: () => number): Int32Array {
  return Int32Array.from({ length: TOKENS * TOP_K }, () => (random() < 0.01 ? -1 : Math.floor(random() ** 2.2 * E)));
}

async function rank(scenario: string, outDir: string): Promise<void> {
  const started = performance.now();
  let group: NcclGroup;
  const me = Number(process.env[ENV.rank]);
  const report: Record<string, unknown> = { rank: me, scenario };
  const write = () => writeFileSync(join(outDir, `${scenario}-rank${me}.json`), JSON.stringify(report));
  try {
    group = await NcclGroup.fromEnv();
  } catch (error) {
    report.joinError = String(error);
    report.groupError = GroupError.isInstance(error);
    report.failedAfterMs = performance.now() - started;
    write();
    process.exit(3);
  }
  report.joinMs = performance.now() - started;
  const options = { r2o: RING, nLogicalExperts: E, nRoutedExperts: E + EP, epSize: EP };
  const planner = new Planner({ ...options, group, backend: "cuda" });
  const reference = new Planner(options); // CPU, this process only: the oracle for each step
  const history = Float64Array.from({ length: E }, (_, e) => 1e6 * (1 + Math.sin(e)) + 1e3 * e);
  planner.updateRedundancyMapping(history);
  reference.updateRedundancyMapping(history);
  const { phy2log } = planner.currentMapping();
  const random = rng(1000 + me);
  const failures: string[] = [];
  const globals: number[][] = [];
  const probs: number[][] = [];
  let physicalCounts: number[] = [];
  let rankLoads: number[] = [];
  const steps = scenario === "normal" ? 20 : 5;
  for (let step = 0; step < steps; step++) {
    const ids = batch(random);
    const result = planner.run(ids);
    globals.push(Array.from(result.workload));
    physicalCounts = new Array(E + EP).fill(0);
    for (const p of result.physicalIds) if (p >= 0) physicalCounts[p]++;
    rankLoads = Array.from(result.rankLoads);
    probs.push(Array.from(result.probs));
    const cpu = reference.solveProbs(result.workload);
    for (let i = 0; i < cpu.probs.length; i++) {
      if (Math.abs(cpu.probs[i] - result.probs[i]) > 1e-4) {
        failures.push(`step ${step}: probs[${i}] ${result.probs[i]} vs CPU ${cpu.probs[i]}`);
      }
    }
    const again = reference.weightedSelectTarget(ids, result.probs, reference.countWorkload(ids));
    let same = true;
    let valid = true;
    for (let i = 0; i < ids.length; i++) {
      same &&= again[i] === result.physicalIds[i];
      valid &&= ids[i] < 0 ? result.physicalIds[i] === -1 : phy2log[result.physicalIds[i]] === ids[i];
    }
    if (!same) failures.push(`step ${step}: the CPU mapping of the same probabilities differs`);
    if (!valid) failures.push(`step ${step}: a physical id is not a copy of its expert`);
  }
  report.globals = globals;
  report.probs = probs;
  report.physicalCounts = physicalCounts;
  report.rankLoads = rankLoads;
  report.failures = failures;
  if (scenario === "normal") {
    const ids = batch(random);
    const out = new Int32Array(ids.length);
    const time = (run: () => void) => {
      for (let i = 0; i < 30; i++) run();
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) {
        const start = performance.now();
        run();
        samples.push((performance.now() - start) * 1000);
      }
      return median(samples);
    };
    report.stepUs = time(() => planner.run(ids, out));
    const local = new Planner({ ...options, epSize: EP, backend: "cuda" });
    local.updateRedundancyMapping(history);
    report.stepWithoutReduceUs = time(() => local.run(ids, out));
    report.reduceHostUs = time(() => group.allReduceSum(new Float64Array(E)));
    {
      using stream = CudaStream.create();
      using localCounts = DeviceArray.fromHost(new Int32Array(E).fill(1));
      using globalCounts = DeviceArray.alloc("int32", E);
      report.reduceDeviceUs = time(() => {
        group.allReduceDevice(localCounts, globalCounts, stream);
        group.synchronize(stream);
      });
    }
    local.dispose();
    write();
    planner.dispose();
    group.dispose();
    return;
  }
  if (me === 1) {
    write();
    if (scenario === "die") process.kill(process.pid, "SIGKILL");
    // hang: stays alive without calling the group again, until the driver kills it.
    setInterval(() => {}, 1000);
    return;
  }
  const ids = batch(random);
  const start = performance.now();
  try {
    for (let i = 0; i < 1000; i++) planner.run(ids);
    report.error = "no error after 1000 steps";
  } catch (error) {
    report.failedAfterMs = performance.now() - start;
    report.error = String(error);
    report.groupError = GroupError.isInstance(error);
  }
  write();
  process.exit(report.groupError === true ? 0 : 1);
}

/** Starts ranks without `launch` (which would stop the survivor): store + environment by hand. */
async function manual(scenario: string, outDir: string, ranks: number[], worldSize: number) {
  const store = await startStore();
  const children = ranks.map((r) =>
    spawn(process.execPath, [self, "rank", scenario, outDir], {
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        [ENV.rank]: String(r),
        [ENV.worldSize]: String(worldSize),
        [ENV.localRank]: String(r),
        [ENV.localWorldSize]: String(worldSize),
        [ENV.device]: String(r),
        [ENV.storeHost]: store.host,
        [ENV.storePort]: String(store.port),
        [ENV.storeToken]: store.token,
        [ENV.timeoutMs]: String(FAULT_TIMEOUT_MS),
      },
    }),
  );
  const rank0 = new Promise<number>((resolve) => children[0].on("exit", (code) => resolve(code ?? 1)));
  const started = performance.now();
  const code = await rank0;
  const wallMs = performance.now() - started;
  for (const child of children.slice(1)) child.kill("SIGKILL");
  await store.close();
  return { code, wallMs };
}

function read(outDir: string, name: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(outDir, name), "utf8"));
  } catch {
    return undefined;
  }
}

async function driver(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const caps = capabilities();
  console.log(
    `CUDA usable ${caps.cuda.usable} (${caps.cuda.deviceCount} devices), NCCL ${caps.nccl.version || caps.nccl.reason}`,
  );
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  };
  const launched = await launch({ nprocs: 2, script: self, args: ["rank", "normal", outDir], timeoutMs: 60_000 });
  check(launched.exitCode === 0, `normal run through launch: exit ${launched.exitCode} ${launched.reason ?? ""}`);
  const r0 = read(outDir, "normal-rank0.json");
  const r1 = read(outDir, "normal-rank1.json");
  const summary: Record<string, unknown> = { nccl: caps.nccl.version, launched };
  if (r0 && r1) {
    check(
      JSON.stringify(r0.globals) === JSON.stringify(r1.globals),
      "both ranks see the same global workload at every step",
    );
    check(JSON.stringify(r0.probs) === JSON.stringify(r1.probs), "both ranks get the same probabilities at every step");
    // Realised load per rank after redirection (the last step), summed over both ranks' ids,
    // against the LP's prediction: kept tokens are floored per rank and replicated expert, so
    // they may differ by less than one token per (rank, replicated slot).
    const perRank = (E + EP) / EP;
    const realised = new Array(EP).fill(0);
    const c0 = r0.physicalCounts as number[];
    const c1 = r1.physicalCounts as number[];
    for (let p = 0; p < E + EP; p++) realised[Math.floor(p / perRank)] += c0[p] + c1[p];
    const predicted = r0.rankLoads as number[];
    const worst = Math.max(...realised.map((value, r) => Math.abs(value - predicted[r])));
    check(
      worst <= EP * EP,
      `realised rank loads ${realised.join(", ")} vs predicted ${predicted.map((v) => v.toFixed(1)).join(", ")}`,
    );
    summary.realised = { realised, predicted };
    const f0 = r0.failures as string[];
    const f1 = r1.failures as string[];
    check(
      f0.length === 0 && f1.length === 0,
      `per-rank checks (CPU probs within 1e-4, same mapping, valid ids): ${[...f0, ...f1].slice(0, 3).join("; ") || "none failed"}`,
    );
    summary.timing = {
      rank0: {
        stepUs: r0.stepUs,
        withoutReduceUs: r0.stepWithoutReduceUs,
        reduceDeviceUs: r0.reduceDeviceUs,
        reduceHostUs: r0.reduceHostUs,
      },
      rank1: {
        stepUs: r1.stepUs,
        withoutReduceUs: r1.stepWithoutReduceUs,
        reduceDeviceUs: r1.reduceDeviceUs,
        reduceHostUs: r1.reduceHostUs,
      },
    };
    console.log(`timing ${JSON.stringify(summary.timing)}`);
  } else {
    check(false, "both ranks wrote their reports");
  }
  for (const scenario of ["die", "hang"]) {
    const { code, wallMs } = await manual(scenario, outDir, [0, 1], 2);
    const report = read(outDir, `${scenario}-rank0.json`);
    summary[scenario] = { code, wallMs, ...report, globals: undefined, probs: undefined };
    check(
      code === 0 && report?.groupError === true && (report.failedAfterMs as number) < FAULT_TIMEOUT_MS + 3000,
      `${scenario}: rank 0 failed with GroupError after ${Math.round(report?.failedAfterMs as number)} ms (timeout ${FAULT_TIMEOUT_MS}): ${report?.error}`,
    );
  }
  {
    const { code, wallMs } = await manual("missing", outDir, [0], 2);
    const report = read(outDir, "missing-rank0.json");
    summary.missing = { code, wallMs, ...report };
    check(
      code === 3 && report?.groupError === true && (report.failedAfterMs as number) < FAULT_TIMEOUT_MS + 3000,
      `missing: rank 0 failed joining with GroupError after ${Math.round(report?.failedAfterMs as number)} ms: ${report?.joinError}`,
    );
  }
  summary.failures = failures;
  writeFileSync(join(outDir, "nccl-check.json"), JSON.stringify(summary, null, 2));
  console.log(failures.length === 0 ? "PASS" : `FAIL (${failures.length})`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

if (process.argv[2] === "rank") await rank(process.argv[3], process.argv[4]);
else await driver(process.argv[2] ?? ".");

// The CUDA min-max kernel against the CPU min-max solver, and its timing.
//
// Correctness: random groups on the cube, hypercube, ring, torus 8x4 and random topologies of
// up to 32 ranks, every load kind, both methods (flow, ipm), float64 and float32 iterations. Through the device-array
// entry point (no CPU re-solve), every group must come back certified optimal with max_load
// equal to the CPU's within twice the tolerance, keep in [0, 1], and max_load equal to the
// largest rank load of keep recomputed here; a second solve of the same groups must give the same
// split bit for bit. The host entry point must agree too.
//
// Timing (--bench): one step = all groups of EP32 (4 cube groups) or EP256 (32 cube groups) in
// one launch, by each method, captured in a CUDA graph and replayed; median of 20 timings of 200 replays each,
// by CUDA events; plain launches and the CPU solver on the same groups in the same run.
//
// Exits 77 (skipped) when no CUDA device is usable.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cuda_test_support.h"
#include "lplb/minmax.h"
#include "lplb_group_lp.h"

namespace {

using lplb_cuda_test::fail;

struct Group {
  std::string name;
  int ranks, slots;
  std::vector<int32_t> replica;  // [ranks][slots]
};

Group from_r2o(const std::string& name, int ranks, int slots, const std::vector<int>& r2o) {
  return Group{name, ranks, slots, lplb_group_lp::replica_from_r2o(r2o, ranks, slots)};
}

Group cube() { return from_r2o("cube", 8, 2, lplb_group_lp::cube_r2o()); }

Group torus(int m, int n) {
  std::vector<int> r2o(static_cast<size_t>(m) * n * 2);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      r2o[(i * n + j) * 2] = ((i + 1) % m) * n + j;
      r2o[(i * n + j) * 2 + 1] = i * n + (j + 1) % n;
    }
  return from_r2o("torus " + std::to_string(m) + "x" + std::to_string(n), m * n, 2, r2o);
}

Group ring(int n) {
  std::vector<int> r2o(n);
  for (int i = 0; i < n; ++i) r2o[i] = (i + 1) % n;
  return from_r2o("ring " + std::to_string(n), n, 1, r2o);
}

// A random group of `ranks` x `slots`, or of random size (2 to 32 ranks, 1 to 4 slots) when 0.
Group random_group(std::mt19937_64& rng, int ranks = 0, int slots = 0) {
  if (ranks == 0) {
    ranks = 2 + static_cast<int>(rng() % 31);
    slots = 1 + static_cast<int>(rng() % std::min(4, 128 / ranks));
  }
  return Group{"random " + std::to_string(ranks) + "x" + std::to_string(slots), ranks, slots,
               lplb_group_lp::random_group(rng, ranks, slots).replica};
}

// Loads of `count` groups: uniform, heavy-tailed, with zeros, one dominant slot, all zero.
void random_loads(std::mt19937_64& rng, const Group& g, int count, std::vector<double>* fixed, std::vector<double>* slot) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int edges = g.ranks * g.slots;
  fixed->assign(static_cast<size_t>(count) * g.ranks, 0.0);
  slot->assign(static_cast<size_t>(count) * edges, 0.0);
  for (int b = 0; b < count; ++b) {
    const int kind = b % 5;
    auto draw = [&]() {
      const double u = unit(rng);
      if (kind == 1) return 100 * std::pow(1 - u, -1 / 1.1);
      if (kind == 2) return unit(rng) < 0.4 ? 0.0 : 1000 * u;
      if (kind == 4) return 0.0;
      return 1000 * u;
    };
    for (int r = 0; r < g.ranks; ++r) (*fixed)[static_cast<size_t>(b) * g.ranks + r] = draw();
    for (int e = 0; e < edges; ++e) (*slot)[static_cast<size_t>(b) * edges + e] = draw();
    if (kind == 3) (*slot)[static_cast<size_t>(b) * edges + rng() % edges] = 1e6;
  }
}

double heaviest(const Group& g, const double* fixed, const double* slot, const double* keep) {
  std::vector<double> load(fixed, fixed + g.ranks);
  for (int e = 0; e < g.ranks * g.slots; ++e) {
    load[e / g.slots] += slot[e] * keep[e];
    load[g.replica[e]] += slot[e] * (1 - keep[e]);
  }
  return *std::max_element(load.begin(), load.end());
}

struct Results {
  std::vector<int32_t> status, iterations;
  std::vector<double> keep, max_load, lower, gap;
  void resize(int count, int edges) {
    status.assign(count, -1);
    iterations.assign(count, 0);
    keep.assign(static_cast<size_t>(count) * edges, -1);
    max_load.assign(count, 0);
    lower.assign(count, 0);
    gap.assign(count, 0);
  }
  lplb_minmax_solution view() {
    return {status.data(), keep.data(), max_load.data(), lower.data(), gap.data(), iterations.data()};
  }
};

lplb_minmax_workspace* workspace(const Group& g, lplb_precision precision, lplb_backend backend,
                                 lplb_minmax_method method = LPLB_MINMAX_METHOD_FLOW) {
  lplb_minmax_shape shape{g.ranks, g.slots, g.replica.data()};
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(precision, &settings);
  settings.backend = backend;
  lplb_minmax_workspace* ws = nullptr;
  if (lplb_minmax_workspace_create(&shape, &settings, &ws) != LPLB_OK) {
    std::fprintf(stderr, "workspace: %s\n", lplb_last_error_message());
    std::exit(1);
  }
  if (lplb_minmax_workspace_set_method(ws, method) != LPLB_OK) fail("set_method");
  return ws;
}

// Device buffers of one batch and its results.
struct DeviceBatch {
  double* fixed = nullptr;
  double* slot = nullptr;
  double* keep = nullptr;
  double* doubles = nullptr;  // max_load, lower, gap
  int32_t* ints = nullptr;    // status, iterations
  int count = 0;
  DeviceBatch(const Group& g, const std::vector<double>& f, const std::vector<double>& s, int n) : count(n) {
    const size_t edges = static_cast<size_t>(n) * g.ranks * g.slots;
    CUDA_OK(cudaMalloc(&fixed, sizeof(double) * f.size()));
    CUDA_OK(cudaMalloc(&slot, sizeof(double) * edges));
    CUDA_OK(cudaMalloc(&keep, sizeof(double) * edges));
    CUDA_OK(cudaMalloc(&doubles, sizeof(double) * 3 * n));
    CUDA_OK(cudaMalloc(&ints, sizeof(int32_t) * 2 * n));
    CUDA_OK(cudaMemcpy(fixed, f.data(), sizeof(double) * f.size(), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(slot, s.data(), sizeof(double) * edges, cudaMemcpyHostToDevice));
  }
  ~DeviceBatch() {
    cudaFree(fixed);
    cudaFree(slot);
    cudaFree(keep);
    cudaFree(doubles);
    cudaFree(ints);
  }
  lplb_minmax_batch groups() const { return {count, fixed, slot}; }
  lplb_minmax_solution out() const { return {ints, keep, doubles, doubles + count, doubles + 2 * count, ints + count}; }
  void download(Results* r, int edges) const {
    r->resize(count, edges);
    CUDA_OK(cudaMemcpy(r->status.data(), ints, sizeof(int32_t) * count, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(r->iterations.data(), ints + count, sizeof(int32_t) * count, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(r->keep.data(), keep, sizeof(double) * count * edges, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(r->max_load.data(), doubles, sizeof(double) * count, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(r->lower.data(), doubles + count, sizeof(double) * count, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(r->gap.data(), doubles + 2 * count, sizeof(double) * count, cudaMemcpyDeviceToHost));
  }
};

void check_group(const Group& g, std::mt19937_64& rng, int count, lplb_precision precision, lplb_minmax_method method,
                 int* device_optimal, int* total, double* worst, long* iterations) {
  std::vector<double> fixed, slot;
  random_loads(rng, g, count, &fixed, &slot);
  const int edges = g.ranks * g.slots;
  const double tolerance = precision == LPLB_PRECISION_FLOAT64 ? 1e-9 : 1e-6;
  // The reference: the CPU solver by the exact method, whichever method the device runs.
  Results cpu;
  cpu.resize(count, edges);
  lplb_minmax_workspace* cpu_ws = workspace(g, LPLB_PRECISION_FLOAT64, LPLB_BACKEND_CPU);
  lplb_minmax_batch host{count, fixed.data(), slot.data()};
  lplb_minmax_solution cpu_out = cpu.view();
  if (lplb_minmax_solve_batch(cpu_ws, &host, &cpu_out) != LPLB_OK) fail("cpu solve");
  lplb_minmax_workspace_destroy(cpu_ws);

  lplb_minmax_workspace* gpu_ws = workspace(g, precision, LPLB_BACKEND_CUDA, method);
  DeviceBatch device(g, fixed, slot, count);
  const lplb_minmax_batch device_groups = device.groups();
  const lplb_minmax_solution device_out = device.out();
  if (lplb_minmax_solve_device(gpu_ws, &device_groups, &device_out, nullptr) != LPLB_OK) {
    fail(std::string("solve_device: ") + lplb_last_error_message());
  }
  CUDA_OK(cudaDeviceSynchronize());
  Results gpu;
  device.download(&gpu, edges);
  // The same groups again give the same split, bit for bit (the flow kernel's atomics in shared
  // memory must not make it depend on the run).
  if (lplb_minmax_solve_device(gpu_ws, &device_groups, &device_out, nullptr) != LPLB_OK) fail("second solve_device");
  Results again;
  device.download(&again, edges);
  if (again.keep != gpu.keep || again.max_load != gpu.max_load) fail(g.name + ": a second solve gave another split");
  // The host entry point (device, then CPU for anything unsettled) must agree as well.
  Results host_gpu;
  host_gpu.resize(count, edges);
  lplb_minmax_solution host_out = host_gpu.view();
  if (lplb_minmax_solve_batch(gpu_ws, &host, &host_out) != LPLB_OK) fail("host solve with backend CUDA");
  lplb_minmax_workspace_destroy(gpu_ws);

  const std::string label = std::string(precision == LPLB_PRECISION_FLOAT64 ? "float64" : "float32") +
                            (method == LPLB_MINMAX_METHOD_FLOW ? " flow" : " ipm");
  for (int b = 0; b < count; ++b) {
    const std::string where = g.name + " " + label + " group " + std::to_string(b);
    *total += 1;
    *iterations += gpu.iterations[b];
    if (host_gpu.status[b] != LPLB_STATUS_OPTIMAL) fail(where + ": host path status " + std::to_string(host_gpu.status[b]));
    if (gpu.status[b] != LPLB_STATUS_OPTIMAL) {
      const std::string miss = where + ": device status " + std::to_string(gpu.status[b]) + " after " +
                               std::to_string(gpu.iterations[b]) + " iterations, gap " + std::to_string(gpu.gap[b]);
      // The exact method must settle every group on the device. The interior-point kernel leaves
      // a rare near-degenerate group uncertified (about one in a few thousand); it says so in its
      // status and the host path re-solves it (checked above), so a miss is reported, not failed.
      if (method == LPLB_MINMAX_METHOD_FLOW) {
        fail(miss);
      } else {
        std::printf("note: %s (re-solved on the host)\n", miss.c_str());
      }
      continue;
    }
    *device_optimal += 1;
    const double* keep = gpu.keep.data() + static_cast<size_t>(b) * edges;
    for (int e = 0; e < edges; ++e)
      if (!(keep[e] >= 0 && keep[e] <= 1)) fail(where + ": keep outside [0, 1]");
    const double recomputed =
        heaviest(g, fixed.data() + static_cast<size_t>(b) * g.ranks, slot.data() + static_cast<size_t>(b) * edges, keep);
    if (std::abs(recomputed - gpu.max_load[b]) > 1e-9 * (1 + recomputed)) {
      fail(where + ": max_load " + std::to_string(gpu.max_load[b]) + " but keep gives " + std::to_string(recomputed));
    }
    const double relative = std::abs(gpu.max_load[b] - cpu.max_load[b]) / std::max(1.0, cpu.max_load[b]);
    *worst = std::max(*worst, relative);
    if (relative > 2 * tolerance + 1e-12) {
      fail(where + ": max_load " + std::to_string(gpu.max_load[b]) + ", CPU " + std::to_string(cpu.max_load[b]));
    }
    if (gpu.gap[b] > tolerance) fail(where + ": gap " + std::to_string(gpu.gap[b]) + " with status optimal");
    // The device's lower bound must not pass the CPU's certified max load (the optimum is between).
    if (gpu.lower[b] > cpu.max_load[b] * (1 + 1e-12) + 1e-300) {
      fail(where + ": lower bound " + std::to_string(gpu.lower[b]) + " above the CPU's max load " +
           std::to_string(cpu.max_load[b]));
    }
    const double host_relative = std::abs(host_gpu.max_load[b] - cpu.max_load[b]) / std::max(1.0, cpu.max_load[b]);
    if (host_relative > 2 * tolerance + 1e-12) fail(where + ": host path max_load differs from the CPU's");
  }
}

void bench(int groups, lplb_precision precision, lplb_minmax_method method) {
  std::mt19937_64 rng(20261128);
  const Group g = cube();
  std::vector<double> fixed, slot;
  random_loads(rng, g, groups, &fixed, &slot);
  for (int b = 0; b < groups; ++b) {  // uniform loads only: a step's groups all carry tokens
    for (int r = 0; r < g.ranks; ++r) fixed[b * g.ranks + r] = 1000.0 * ((b * 7 + r * 13) % 17 + 1);
    for (int e = 0; e < 16; ++e) slot[b * 16 + e] = 500.0 * ((b * 5 + e * 11) % 19 + 1);
  }
  lplb_minmax_workspace* ws = workspace(g, precision, LPLB_BACKEND_CUDA, method);
  DeviceBatch device(g, fixed, slot, groups);
  const lplb_minmax_batch device_groups = device.groups();
  const lplb_minmax_solution device_out = device.out();
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const double launch_us = lplb_cuda_test::us_per_call(
      stream, 200, [&] { lplb_minmax_solve_device(ws, &device_groups, &device_out, stream); });
  // One step captured in a graph, replayed.
  const double graph_us = lplb_cuda_test::us_per_graph_replay(stream, 200, [&] {
    if (lplb_minmax_solve_device(ws, &device_groups, &device_out, stream) != LPLB_OK) fail("capture");
  });
  Results r;
  device.download(&r, 16);
  int optimal = 0;
  long iterations = 0;
  int most_iterations = 0;
  for (int b = 0; b < groups; ++b) {
    optimal += r.status[b] == LPLB_STATUS_OPTIMAL;
    iterations += r.iterations[b];
    most_iterations = std::max(most_iterations, r.iterations[b]);
  }
  // The CPU solver on the same groups by the same method, in the same run.
  lplb_minmax_workspace* cpu_ws = workspace(g, LPLB_PRECISION_FLOAT64, LPLB_BACKEND_CPU, method);
  Results cpu;
  cpu.resize(groups, 16);
  lplb_minmax_batch host{groups, fixed.data(), slot.data()};
  lplb_minmax_solution cpu_out = cpu.view();
  std::vector<double> cpu_us;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < 50; ++k) lplb_minmax_solve_batch(cpu_ws, &host, &cpu_out);
    cpu_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 50);
  }
  lplb_minmax_workspace_destroy(cpu_ws);
  std::printf("EP%-4d cube, %2d groups, %s %s: graph replay %7.2f us/step, plain launch %7.2f us/step, CPU (this "
              "host, float64) %8.2f us/step; optimal %d/%d, iterations mean %.2f, most %d\n",
              groups * 8, groups, method == LPLB_MINMAX_METHOD_FLOW ? "flow" : "ipm",
              precision == LPLB_PRECISION_FLOAT64 ? "float64" : "float32", graph_us,
              launch_us, lplb_cuda_test::median(cpu_us), optimal, groups, static_cast<double>(iterations) / groups, most_iterations);
  CUDA_OK(cudaStreamDestroy(stream));
  lplb_minmax_workspace_destroy(ws);
}

}  // namespace

int main(int argc, char** argv) {
  lplb_capabilities caps;
  lplb_get_capabilities(&caps);
  if (!caps.cuda_built || !caps.cuda_usable) {
    std::printf("SKIP: CUDA not usable: %s\n", caps.cuda_reason);
    return 77;
  }
  cudaDeviceProp prop;
  CUDA_OK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
  const bool only_bench = argc > 1 && std::strcmp(argv[1], "--bench") == 0;
  const int per_group = argc > 2 ? std::atoi(argv[2]) : 60;
  if (!only_bench) {
    const uint64_t seed = lplb_cuda_test::seed();
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    // The flow method's small-group kernel takes the cube (4 lanes per rank), ring(8) (2) and the
    // random 4x4 below (up to 8); the others take the rank-per-lane kernel.
    std::vector<Group> groups{cube(), torus(4, 4), torus(8, 4), ring(8), ring(32), random_group(rng, 4, 4)};
    for (int k = 0; k < 12; ++k) groups.push_back(random_group(rng));
    // Ranks with more than 8 edges, and more edge classes than the flow kernel holds in registers.
    groups.push_back(random_group(rng, 4, 32));
    groups.push_back(random_group(rng, 16, 8));
    // Slots whose copy sits on their own rank (the C API allows them; both parts stay there).
    Group self = random_group(rng, 6, 2);
    self.name = "random 6x2 with self-edges";
    self.replica[0 * 2 + 1] = 0;
    self.replica[3 * 2 + 0] = 3;
    groups.push_back(self);
    for (lplb_minmax_method method : {LPLB_MINMAX_METHOD_FLOW, LPLB_MINMAX_METHOD_IPM}) {
      for (lplb_precision precision : {LPLB_PRECISION_FLOAT64, LPLB_PRECISION_FLOAT32}) {
        int optimal = 0, total = 0;
        double worst = 0;
        long iterations = 0;
        for (const Group& g : groups) {
          check_group(g, rng, per_group, precision, method, &optimal, &total, &worst, &iterations);
        }
        std::printf("%s %s: device optimal %d/%d, worst relative max_load difference vs CPU %.2e, mean iterations %.2f\n",
                    method == LPLB_MINMAX_METHOD_FLOW ? "flow" : "ipm",
                    precision == LPLB_PRECISION_FLOAT64 ? "float64" : "float32", optimal, total, worst,
                    static_cast<double>(iterations) / total);
      }
    }
    // Argument checks of the device entry point.
    const Group g = cube();
    lplb_minmax_workspace* cpu_ws = workspace(g, LPLB_PRECISION_FLOAT64, LPLB_BACKEND_CPU);
    lplb_minmax_batch empty{0, nullptr, nullptr};
    lplb_minmax_solution none{};
    if (lplb_minmax_solve_device(cpu_ws, &empty, &none, nullptr) != LPLB_ERR_INVALID_ARGUMENT) fail("CPU workspace");
    lplb_minmax_workspace_destroy(cpu_ws);
    Group big = torus(8, 8);
    lplb_minmax_shape shape{big.ranks, big.slots, big.replica.data()};
    lplb_ipm_settings settings;
    lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, &settings);
    settings.backend = LPLB_BACKEND_CUDA;
    lplb_minmax_workspace* ws = nullptr;
    if (lplb_minmax_workspace_create(&shape, &settings, &ws) != LPLB_ERR_INVALID_ARGUMENT) fail("64 ranks on CUDA");
  }
  if (only_bench || (argc > 1 && std::strcmp(argv[1], "--with-bench") == 0)) {
    for (int groups : {4, 32}) {
      bench(groups, LPLB_PRECISION_FLOAT64, LPLB_MINMAX_METHOD_FLOW);
      bench(groups, LPLB_PRECISION_FLOAT64, LPLB_MINMAX_METHOD_IPM);
      bench(groups, LPLB_PRECISION_FLOAT32, LPLB_MINMAX_METHOD_IPM);
    }
  }
  return lplb_cuda_test::finish();
}

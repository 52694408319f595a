// The GPU step (lplb/step.h) against the CPU pieces on the same ids: EP32 and EP256 cube
// placements with 256 and 2048 logical experts, 2 redundant slots per rank, 4096 tokens x top-8
// per rank, skewed expert loads. Checks: every physical id is a copy of its logical expert;
// the device's split reaches the CPU min-max optimum of the same group loads (within 1e-9
// relative); mapping the ids on the CPU with routes built from the device's split gives exactly
// the device's physical ids; invalid ids are reported by their smallest index. --bench times
// count + solve + map as one captured CUDA graph. Where NCCL loads, the step with a one-rank
// NCCL all-reduce of the counts between count and solve is captured in a CUDA graph and replayed,
// and must give the ids of the uncaptured step. Exits 77 without a usable CUDA device.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cuda_test_support.h"
#include "lplb/nccl.h"
#include "lplb/step.h"

namespace {

using lplb_cuda_test::fail;

// A placement like @lplb/planner's without history: rank r owns experts r*own .. r*own+own-1;
// its first R are replicated, expert j of the rank into slot j % D; copies over the cube.
struct Placement {
  int E, ep, G = 8, D = 2, R = 2, own, per_rank;
  std::vector<int32_t> o2r, slot_index, rank_index, original_of, copy_of;
};

Placement cube_placement(int ep, int E) {
  Placement p;
  p.E = E;
  p.ep = ep;
  p.own = E / ep;
  p.per_rank = p.own + p.R;
  const int c0[8] = {3, 0, 1, 2, 7, 4, 5, 6}, c1[8] = {6, 7, 4, 5, 0, 1, 2, 3};
  p.o2r.assign(16, 0);
  for (int i = 0; i < 8; ++i) {
    p.o2r[c0[i] * 2] = i;
    p.o2r[c1[i] * 2 + 1] = i;
  }
  p.slot_index.assign(E, -1);
  p.rank_index.assign(E, 0);
  p.original_of.assign(E, 0);
  p.copy_of.assign(E, -1);
  std::vector<int> next_redundant(ep, 0);
  for (int e = 0; e < E; ++e) {
    const int r = e / p.own, j = e % p.own, g = r / 8, i = r % 8;
    p.rank_index[e] = r;
    p.original_of[e] = r * p.per_rank + j;
    if (j < p.R) {
      const int d = j % p.D;
      p.slot_index[e] = (g * 8 + i) * p.D + d;
      const int holder = g * 8 + p.o2r[i * 2 + d];
      p.copy_of[e] = holder * p.per_rank + p.own + next_redundant[holder]++;
    }
  }
  return p;
}

std::vector<int32_t> skewed_ids(std::mt19937_64& rng, int n, int E) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<int32_t> ids(n);
  for (int32_t& id : ids) id = unit(rng) < 0.02 ? -1 : std::min(E - 1, static_cast<int>(std::pow(unit(rng), 1.7) * E));
  return ids;
}

int spread_stride(int total) {
  if (total <= 2) return 1;
  int stride = static_cast<int>(std::floor(total * 0.6180339887498949 + 0.5));
  while (std::gcd(stride, total) != 1) ++stride;
  return stride;
}

void check(const Placement& p, const std::vector<int32_t>& ids, const std::string& name) {
  const int nG = p.ep / 8, n = static_cast<int>(ids.size());
  lplb_step_layout layout{p.E, nG, 8, 2, p.o2r.data(), p.slot_index.data(), p.rank_index.data(), p.original_of.data(),
                          p.copy_of.data()};
  lplb_step* step = nullptr;
  if (lplb_step_create(&layout, nullptr, n, 128, &step) != LPLB_OK) {
    fail(name + ": create: " + lplb_last_error_message());
    return;
  }
  int32_t *d_ids, *d_out;
  CUDA_OK(cudaMalloc(&d_ids, sizeof(int32_t) * n));
  CUDA_OK(cudaMalloc(&d_out, sizeof(int32_t) * n));
  CUDA_OK(cudaMemcpy(d_ids, ids.data(), sizeof(int32_t) * n, cudaMemcpyHostToDevice));
  lplb_expert_ids view{d_ids, n, 4};
  if (lplb_step_count(step, &view, nullptr) != LPLB_OK) fail(name + ": count");
  if (lplb_step_solve_map(step, &view, nullptr, d_out, nullptr) != LPLB_OK) fail(name + ": solve_map " + lplb_last_error_message());
  std::vector<double> keep(static_cast<size_t>(nG) * 16), max_load(nG);
  std::vector<int32_t> status(nG), out(n);
  int64_t bad = 0;
  if (lplb_step_read(step, keep.data(), status.data(), max_load.data(), &bad, nullptr) != LPLB_OK) fail(name + ": read");
  CUDA_OK(cudaMemcpy(out.data(), d_out, sizeof(int32_t) * n, cudaMemcpyDeviceToHost));
  if (bad != -1) fail(name + ": bad index " + std::to_string(bad));
  // CPU counts and group loads, and the CPU optimum of the same groups.
  std::vector<int32_t> counts(p.E);
  int64_t cpu_bad = 0;
  lplb_expert_ids host{ids.data(), n, 4};
  lplb_count_experts(&host, p.E, n, 1, counts.data(), nullptr, &cpu_bad);
  std::vector<double> fixed(nG * 8, 0.0), slot(nG * 16, 0.0);
  for (int e = 0; e < p.E; ++e) {
    if (p.slot_index[e] >= 0) {
      slot[p.slot_index[e]] += counts[e];
    } else {
      fixed[p.rank_index[e]] += counts[e];
    }
  }
  lplb_minmax_shape shape{8, 2, p.o2r.data()};
  lplb_minmax_workspace* ws = nullptr;
  lplb_minmax_workspace_create(&shape, nullptr, &ws);
  std::vector<double> cpu_keep(nG * 16), cpu_max(nG);
  std::vector<int32_t> cpu_status(nG);
  lplb_minmax_batch batch{nG, fixed.data(), slot.data()};
  lplb_minmax_solution sol{cpu_status.data(), cpu_keep.data(), cpu_max.data(), nullptr, nullptr, nullptr};
  lplb_minmax_solve_batch(ws, &batch, &sol);
  lplb_minmax_workspace_destroy(ws);
  for (int g = 0; g < nG; ++g) {
    if (status[g] != LPLB_STATUS_OPTIMAL) fail(name + ": group " + std::to_string(g) + " not optimal on the device");
    // Largest rank load of the device split.
    double heaviest = 0;
    for (int i = 0; i < 8; ++i) {
      double load = fixed[g * 8 + i];
      for (int d = 0; d < 2; ++d) load += slot[(g * 8 + i) * 2 + d] * keep[(g * 8 + i) * 2 + d];
      for (int j = 0; j < 8; ++j)
        for (int d = 0; d < 2; ++d)
          if (p.o2r[j * 2 + d] == i) load += slot[(g * 8 + j) * 2 + d] * (1 - keep[(g * 8 + j) * 2 + d]);
      heaviest = std::max(heaviest, load);
    }
    if (std::abs(heaviest - cpu_max[g]) > 1e-9 * std::max(1.0, cpu_max[g]) || std::abs(max_load[g] - heaviest) > 1e-6 * heaviest)
      fail(name + ": group " + std::to_string(g) + " max load " + std::to_string(heaviest) + " vs CPU optimum " +
           std::to_string(cpu_max[g]));
  }
  // The CPU mapping with routes from the device's split must give the device's ids.
  std::vector<lplb_route> routes(p.E);
  for (int e = 0; e < p.E; ++e) {
    const int total = counts[e];
    if (p.slot_index[e] < 0 || total <= 0) {
      routes[e] = {1, 0, 1, p.original_of[e], p.original_of[e]};
    } else {
      const double q = keep[p.slot_index[e]];
      routes[e] = {std::min(total, static_cast<int>(std::floor(q * total + 0.5))), spread_stride(total) % total, total,
                   p.original_of[e], p.copy_of[e]};
    }
  }
  std::vector<int32_t> cpu_out(n);
  lplb_map_experts(&host, p.E, routes.data(), cpu_out.data(), &cpu_bad);
  if (cpu_out != out) fail(name + ": device physical ids differ from the CPU mapping of the device's split");
  for (int k = 0; k < n; ++k) {
    const int e = ids[k];
    if (e < 0 ? out[k] != -1 : (out[k] != p.original_of[e] && out[k] != p.copy_of[e])) {
      fail(name + ": id " + std::to_string(k) + " maps to a physical expert that is not a copy of it");
      break;
    }
  }
  // Invalid ids.
  std::vector<int32_t> broken = ids;
  broken[n / 3] = p.E;
  broken[n / 2] = -7;
  CUDA_OK(cudaMemcpy(d_ids, broken.data(), sizeof(int32_t) * n, cudaMemcpyHostToDevice));
  lplb_step_count(step, &view, nullptr);
  lplb_step_solve_map(step, &view, nullptr, d_out, nullptr);
  lplb_step_read(step, nullptr, nullptr, nullptr, &bad, nullptr);
  if (bad != n / 3) fail(name + ": invalid ids reported at " + std::to_string(bad) + ", expected " + std::to_string(n / 3));
  std::printf("%s: %d groups optimal on the device, %d ids mapped\n", name.c_str(),
              static_cast<int>(std::count(status.begin(), status.end(), LPLB_STATUS_OPTIMAL)), n);
  cudaFree(d_ids);
  cudaFree(d_out);
  lplb_step_destroy(step);
}

void bench(const Placement& p, const std::vector<int32_t>& ids, const std::string& name, lplb_minmax_method method) {
  const int n = static_cast<int>(ids.size());
  lplb_step_layout layout{p.E, p.ep / 8, 8, 2, p.o2r.data(), p.slot_index.data(), p.rank_index.data(),
                          p.original_of.data(), p.copy_of.data()};
  lplb_step* step = nullptr;
  if (lplb_step_create(&layout, nullptr, n, 128, &step) != LPLB_OK) return fail("bench create");
  if (lplb_step_set_method(step, method) != LPLB_OK) return fail("bench set_method");
  int32_t *d_ids, *d_out;
  CUDA_OK(cudaMalloc(&d_ids, sizeof(int32_t) * n));
  CUDA_OK(cudaMalloc(&d_out, sizeof(int32_t) * n));
  CUDA_OK(cudaMemcpy(d_ids, ids.data(), sizeof(int32_t) * n, cudaMemcpyHostToDevice));
  lplb_expert_ids view{d_ids, n, 4};
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const double us = lplb_cuda_test::us_per_graph_replay(stream, 100, [&] {
    lplb_step_count(step, &view, stream);
    lplb_step_solve_map(step, &view, nullptr, d_out, stream);
  });
  std::printf("%s, solve by %s: whole step (count + group loads + solve + routes + map) %.2f us per graph replay "
              "(median)\n",
              name.c_str(), method == LPLB_MINMAX_METHOD_FLOW ? "flow" : "ipm", us);
  CUDA_OK(cudaStreamDestroy(stream));
  cudaFree(d_ids);
  cudaFree(d_out);
  lplb_step_destroy(step);
}

// count -> NCCL all-reduce (one rank) -> solve and map, captured in a graph: the replays must
// give the physical ids and splits of the uncaptured step without a group.
void captured_with_nccl(const Placement& p, const std::vector<int32_t>& ids, const std::string& name) {
  char reason[256];
  if (!lplb_nccl_status(nullptr, reason, sizeof reason)) {
    std::printf("%s: skipped: %s\n", name.c_str(), reason);
    return;
  }
  const int nG = p.ep / 8, n = static_cast<int>(ids.size());
  lplb_step_layout layout{p.E, nG, 8, 2, p.o2r.data(), p.slot_index.data(), p.rank_index.data(), p.original_of.data(),
                          p.copy_of.data()};
  lplb_step* step = nullptr;
  uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES];
  lplb_nccl_comm* comm = nullptr;
  if (lplb_step_create(&layout, nullptr, n, 128, &step) != LPLB_OK || lplb_nccl_unique_id(id) != LPLB_OK ||
      lplb_nccl_comm_create(id, 1, 0, 20000, &comm) != LPLB_OK) {
    fail(name + ": setup: " + lplb_last_error_message());
    lplb_step_destroy(step);
    return;
  }
  int32_t *d_ids, *d_out, *d_global;
  CUDA_OK(cudaMalloc(&d_ids, sizeof(int32_t) * n));
  CUDA_OK(cudaMalloc(&d_out, sizeof(int32_t) * n));
  CUDA_OK(cudaMalloc(&d_global, sizeof(int32_t) * p.E));
  CUDA_OK(cudaMemcpy(d_ids, ids.data(), sizeof(int32_t) * n, cudaMemcpyHostToDevice));
  lplb_expert_ids view{d_ids, n, 4};
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  // The uncaptured step without a group.
  std::vector<double> keep(static_cast<size_t>(nG) * 16), keep_graph(keep.size());
  std::vector<int32_t> out(n), out_graph(n, -2);
  lplb_step_count(step, &view, stream);
  lplb_step_solve_map(step, &view, nullptr, d_out, stream);
  int64_t bad = 0;
  lplb_step_read(step, keep.data(), nullptr, nullptr, &bad, stream);
  CUDA_OK(cudaMemcpy(out.data(), d_out, sizeof(int32_t) * n, cudaMemcpyDeviceToHost));
  CUDA_OK(cudaMemset(d_out, 0xff, sizeof(int32_t) * n));
  // The same with the all-reduce, captured.
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  lplb_error enqueued = lplb_step_count(step, &view, stream);
  if (enqueued == LPLB_OK)
    enqueued = lplb_nccl_all_reduce_sum(comm, lplb_step_local_counts(step), d_global, p.E, LPLB_NCCL_INT32, stream);
  if (enqueued == LPLB_OK) enqueued = lplb_step_solve_map(step, &view, d_global, d_out, stream);
  const std::string enqueue_error = enqueued == LPLB_OK ? "" : lplb_last_error_message();
  CUDA_OK(cudaStreamEndCapture(stream, &graph));
  if (enqueued != LPLB_OK) {
    fail(name + ": enqueueing under capture: " + enqueue_error);
  } else {
    CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
    for (int replay = 0; replay < 3; ++replay) CUDA_OK(cudaGraphLaunch(exec, stream));
    if (lplb_nccl_synchronize(comm, stream, 20000) != LPLB_OK) fail(name + ": synchronize: " + lplb_last_error_message());
    lplb_step_read(step, keep_graph.data(), nullptr, nullptr, &bad, stream);
    CUDA_OK(cudaMemcpy(out_graph.data(), d_out, sizeof(int32_t) * n, cudaMemcpyDeviceToHost));
    if (out_graph != out) fail(name + ": the graph's physical ids differ from the uncaptured step's");
    if (keep_graph != keep) fail(name + ": the graph's splits differ from the uncaptured step's");
    const double us = lplb_cuda_test::us_per_call(stream, 100, [&] { CUDA_OK(cudaGraphLaunch(exec, stream)); });
    std::printf("%s: count + NCCL all-reduce + solve + map replayed from a CUDA graph, %.2f us per replay (median)\n",
                name.c_str(), us);
    CUDA_OK(cudaGraphExecDestroy(exec));
  }
  CUDA_OK(cudaGraphDestroy(graph));
  CUDA_OK(cudaStreamDestroy(stream));
  cudaFree(d_ids);
  cudaFree(d_out);
  cudaFree(d_global);
  lplb_nccl_comm_destroy(comm);
  lplb_step_destroy(step);
}

}  // namespace

int main(int argc, char** argv) {
  if (!lplb_cuda_test::device_usable()) return 77;
  const uint64_t seed = lplb_cuda_test::seed();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const Placement ep32 = cube_placement(32, 256), ep256 = cube_placement(256, 2048);
  for (int trial = 0; trial < 3; ++trial) {
    check(ep32, skewed_ids(rng, 4096 * 8, 256), "EP32 cube trial " + std::to_string(trial));
    check(ep256, skewed_ids(rng, 4096 * 8, 2048), "EP256 cube trial " + std::to_string(trial));
  }
  captured_with_nccl(ep32, skewed_ids(rng, 4096 * 8, 256), "EP32 cube with NCCL, captured");
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    const std::vector<int32_t> ep32_ids = skewed_ids(rng, 4096 * 8, 256), ep256_ids = skewed_ids(rng, 4096 * 8, 2048);
    for (lplb_minmax_method method : {LPLB_MINMAX_METHOD_FLOW, LPLB_MINMAX_METHOD_IPM}) {
      bench(ep32, ep32_ids, "EP32 cube, 4096 x 8 ids", method);
      bench(ep256, ep256_ids, "EP256 cube, 4096 x 8 ids", method);
    }
  }
  return lplb_cuda_test::finish();
}

// The device routing kernels (lplb/routing.h) against the CPU ones on the same ids: counts,
// chunk offsets and physical ids must be identical, for int32 and int64 ids, skewed and uniform
// experts, up to 300 experts, 769-1024 and above 1024 (each of the three mapping kernels), chunk
// sizes from 1 to many; invalid ids give the smallest bad index and nothing is written out of
// bounds (compute-sanitizer runs this too). --bench times count and map for 4096 tokens x top-8
// (32 768 ids, 128 chunks of 256) against an empty kernel and a plain copy of the ids on the same
// grid, all timed in turn.
// Exits 77 (skipped) without a usable CUDA device.
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
#include "lplb/routing.h"

__global__ void empty_kernel() {}

// The least any mapping kernel must do: read each id and write one int for it, same grid.
__global__ void copy_kernel(const int32_t* ids, int64_t length, int32_t* out) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < length) out[i] = ids[i];
}

namespace {

using lplb_cuda_test::fail;
using lplb_cuda_test::download;
using lplb_cuda_test::upload;

struct Outcome {
  std::vector<int32_t> counts, offsets, out;
  int64_t bad;
};

template <typename Id>
Outcome run_device(const std::vector<Id>& ids, int n_experts, int64_t chunk_size, int n_chunks,
                   const std::vector<lplb_route>& routes) {
  Id* d_ids = upload(ids);
  int32_t *counts, *chunk_counts, *offsets, *out;
  int64_t* bad;
  CUDA_OK(cudaMalloc(&counts, sizeof(int32_t) * n_experts));
  CUDA_OK(cudaMalloc(&chunk_counts, sizeof(int32_t) * n_experts * n_chunks));
  CUDA_OK(cudaMalloc(&offsets, sizeof(int32_t) * n_experts * n_chunks));
  CUDA_OK(cudaMalloc(&out, sizeof(int32_t) * std::max<size_t>(ids.size(), 1)));
  const int64_t init = INT64_MAX;
  bad = upload(std::vector<int64_t>{init});
  lplb_route* d_routes = upload(routes);
  lplb_expert_ids view{d_ids, static_cast<int64_t>(ids.size()), static_cast<int32_t>(sizeof(Id))};
  if (lplb_count_experts_device(&view, n_experts, chunk_size, n_chunks, counts, chunk_counts, offsets, bad, nullptr) !=
      LPLB_OK)
    fail(std::string("count_device: ") + lplb_last_error_message());
  if (lplb_map_experts_device(&view, n_experts, d_routes, offsets, chunk_size, n_chunks, out, bad, nullptr) != LPLB_OK)
    fail(std::string("map_device: ") + lplb_last_error_message());
  CUDA_OK(cudaDeviceSynchronize());
  Outcome o{download(counts, n_experts), download(offsets, static_cast<size_t>(n_experts) * n_chunks),
            download(out, ids.size()), download(bad, 1)[0]};
  cudaFree(d_ids);
  cudaFree(counts);
  cudaFree(chunk_counts);
  cudaFree(offsets);
  cudaFree(out);
  cudaFree(bad);
  cudaFree(d_routes);
  return o;
}

template <typename Id>
void compare(std::mt19937_64& rng, int trial) {
  // Each mapping kernel: up to 768 experts the block-per-chunk one with the route table in shared
  // memory, up to 1024 the same without, above that one warp per chunk.
  const int band = static_cast<int>(rng() % 6);
  const int n_experts = band == 0   ? 1025 + static_cast<int>(rng() % 3000)
                        : band == 1 ? 769 + static_cast<int>(rng() % 256)
                                    : 1 + static_cast<int>(rng() % 300);
  const int length = static_cast<int>(rng() % 20000);
  const bool skewed = trial % 2 == 1;
  std::vector<Id> ids(length);
  std::uniform_real_distribution<double> unit(0, 1);
  for (Id& id : ids) {
    if (unit(rng) < 0.05) {
      id = -1;
    } else {
      const double u = unit(rng);
      id = static_cast<Id>(std::min(n_experts - 1, static_cast<int>((skewed ? u * u * u : u) * n_experts)));
    }
  }
  // Every fifth trial has thousands of chunks: the prefix kernel's segments are then tens of
  // chunks long, and a mapping block's chunk is a few ids.
  const int n_chunks = trial % 5 == 4 ? 1000 + static_cast<int>(rng() % 2000) : 1 + static_cast<int>(rng() % 150);
  const int64_t chunk_size = std::max<int64_t>(1, (length + n_chunks - 1) / n_chunks);
  std::vector<int32_t> counts(n_experts), offsets(static_cast<size_t>(n_experts) * n_chunks), out(length);
  int64_t bad = 0;
  lplb_expert_ids host{ids.data(), length, static_cast<int32_t>(sizeof(Id))};
  if (lplb_count_experts(&host, n_experts, chunk_size, n_chunks, counts.data(), offsets.data(), &bad) != LPLB_OK)
    fail("cpu count");
  std::vector<lplb_route> routes(n_experts);
  for (int e = 0; e < n_experts; ++e) {
    const int32_t total = std::max(1, counts[e]);
    int32_t stride = static_cast<int32_t>(std::llround(total * 0.6180339887498949)) % total;
    while (std::gcd(stride, total) != 1 && total > 1) stride = (stride + 1) % total;
    routes[e] = {static_cast<int32_t>(rng() % (total + 1)), total > 1 ? stride : 0, total, 1000 + e, 5000 + e};
  }
  if (lplb_map_experts(&host, n_experts, routes.data(), out.data(), &bad) != LPLB_OK) fail("cpu map");
  const Outcome d = run_device(ids, n_experts, chunk_size, n_chunks, routes);
  const std::string where = "trial " + std::to_string(trial) + " (" + std::to_string(sizeof(Id) * 8) + "-bit ids, " +
                            std::to_string(length) + " ids, " + std::to_string(n_chunks) + " chunks)";
  if (d.bad != INT64_MAX) fail(where + ": bad index " + std::to_string(d.bad) + " for valid ids");
  if (d.counts != counts) fail(where + ": counts differ");
  if (d.offsets != offsets) fail(where + ": chunk offsets differ");
  if (d.out != out) fail(where + ": physical ids differ");
}

// Routes whose ordinal x stride passes 2^32 (totals near 2^30), where the map kernel takes its
// 64-bit remainder: the same ids as the CPU's recurrence.
void large_totals(std::mt19937_64& rng) {
  const int n_experts = 4, length = 30000;
  std::vector<int32_t> ids(length);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % n_experts);
  std::vector<lplb_route> routes(n_experts);
  for (int e = 0; e < n_experts; ++e) {
    const int32_t total = (1 << 30) - static_cast<int32_t>(rng() % 1000);
    int32_t stride = total - 1 - static_cast<int32_t>(rng() % 100000);
    while (std::gcd(stride, total) != 1) --stride;
    routes[e] = {static_cast<int32_t>(rng() % (total + 1)), stride, total, 100 + e, 200 + e};
  }
  std::vector<int32_t> out(length);
  int64_t bad = 0;
  lplb_expert_ids host{ids.data(), length, 4};
  if (lplb_map_experts(&host, n_experts, routes.data(), out.data(), &bad) != LPLB_OK) fail("cpu map, large totals");
  const Outcome d = run_device(ids, n_experts, 1000, 30, routes);
  if (d.out != out) fail("large totals: physical ids differ from the CPU's");
}

void invalid_ids() {
  std::vector<int32_t> ids(5000, 3);
  ids[4321] = 64;
  ids[777] = -2;
  std::vector<lplb_route> routes(64, lplb_route{1, 0, 1, 7, 7});
  const Outcome d = run_device(ids, 64, 100, 50, routes);
  if (d.bad != 777) fail("bad index " + std::to_string(d.bad) + ", expected 777");
  std::vector<int64_t> wide(300, 1);
  wide[299] = int64_t{1} << 40;
  const Outcome w = run_device(wide, 64, 256, 2, routes);
  if (w.bad != 299) fail("64-bit bad index " + std::to_string(w.bad) + ", expected 299");
  lplb_expert_ids none{nullptr, 10, 4};
  int64_t* bad = nullptr;
  if (lplb_count_experts_device(&none, 64, 10, 1, nullptr, nullptr, nullptr, bad, nullptr) != LPLB_ERR_INVALID_ARGUMENT)
    fail("NULL ids accepted");
}

void bench() {
  const int n_experts = 256, length = 4096 * 8, n_chunks = 128;
  const int64_t chunk_size = 256;
  std::mt19937_64 rng(7);
  std::vector<int32_t> ids(length);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % n_experts);
  std::vector<lplb_route> routes(n_experts, lplb_route{60, 77, 128, 1, 2});
  std::vector<int32_t> counts(n_experts);
  int64_t bad_host = 0;
  lplb_expert_ids host{ids.data(), length, 4};
  lplb_count_experts(&host, n_experts, length, 1, counts.data(), nullptr, &bad_host);
  for (int e = 0; e < n_experts; ++e) routes[e] = {counts[e] / 2, counts[e] > 1 ? 1 : 0, std::max(1, counts[e]), e, e + 300};
  int32_t* d_ids = upload(ids);
  lplb_route* d_routes = upload(routes);
  int32_t *d_counts, *d_chunk_counts, *d_offsets, *d_out;
  CUDA_OK(cudaMalloc(&d_counts, sizeof(int32_t) * n_experts));
  CUDA_OK(cudaMalloc(&d_chunk_counts, sizeof(int32_t) * n_experts * n_chunks));
  CUDA_OK(cudaMalloc(&d_offsets, sizeof(int32_t) * n_experts * n_chunks));
  CUDA_OK(cudaMalloc(&d_out, sizeof(int32_t) * length));
  int64_t* d_bad = upload(std::vector<int64_t>{INT64_MAX});
  lplb_expert_ids view{d_ids, length, 4};
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  // The empty launch, count and map timed in turn, 20 rounds, ratios taken per round: one call per
  // graph (back-to-back replays, where the host's graph launches can set the pace of the empty
  // one), then 20 calls captured in one graph (the GPU's own time per call).
  auto timed = [&](int calls) {
    const std::vector<std::vector<double>> us = lplb_cuda_test::us_per_graph_replay_interleaved(
        stream, calls == 1 ? 200 : 20,
        {[&] {
           for (int c = 0; c < calls; ++c) empty_kernel<<<n_chunks, 256, 0, stream>>>();
         },
         [&] {
           for (int c = 0; c < calls; ++c)
             lplb_count_experts_device(&view, n_experts, chunk_size, n_chunks, d_counts, d_chunk_counts, d_offsets,
                                       d_bad, stream);
         },
         [&] {
           for (int c = 0; c < calls; ++c)
             lplb_map_experts_device(&view, n_experts, d_routes, d_offsets, chunk_size, n_chunks, d_out, d_bad, stream);
         },
         [&] {
           for (int c = 0; c < calls; ++c) copy_kernel<<<n_chunks, 256, 0, stream>>>(d_ids, length, d_out);
         }});
    std::vector<double> count_ratio, map_ratio;
    for (size_t round = 0; round < us[0].size(); ++round) {
      count_ratio.push_back(us[1][round] / us[0][round]);
      map_ratio.push_back(us[2][round] / us[0][round]);
    }
    std::printf("32768 ids, 256 experts, 128 chunks, %s: empty kernel %.2f us, count (2 kernels) %.2f us = %.2fx empty, "
                "map %.2f us = %.2fx empty (20 interleaved rounds, median ratio of a round); a plain copy of the ids "
                "%.2f us\n",
                calls == 1 ? "one call per graph replay" : "20 calls in one graph", lplb_cuda_test::median(us[0]) / calls,
                lplb_cuda_test::median(us[1]) / calls, lplb_cuda_test::median(count_ratio),
                lplb_cuda_test::median(us[2]) / calls, lplb_cuda_test::median(map_ratio),
                lplb_cuda_test::median(us[3]) / calls);
  };
  timed(1);
  timed(20);
  std::vector<double> cpu;
  std::vector<int32_t> out(length);
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < 50; ++k) {
      lplb_count_experts(&host, n_experts, length, 1, counts.data(), nullptr, &bad_host);
      lplb_map_experts(&host, n_experts, routes.data(), out.data(), &bad_host);
    }
    cpu.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 50);
  }
  std::printf("CPU count + map (this host) %.2f us\n", lplb_cuda_test::median(cpu));
  cudaFree(d_ids);
  cudaFree(d_routes);
  cudaFree(d_counts);
  cudaFree(d_chunk_counts);
  cudaFree(d_offsets);
  cudaFree(d_out);
  cudaFree(d_bad);
  CUDA_OK(cudaStreamDestroy(stream));
}

}  // namespace

int main(int argc, char** argv) {
  if (!lplb_cuda_test::device_usable()) return 77;
  const bool with_bench = argc > 1 && std::strcmp(argv[1], "--bench") == 0;
  const uint64_t seed = lplb_cuda_test::seed();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const int trials = argc > 2 ? std::atoi(argv[2]) : 40;
  for (int t = 0; t < trials; ++t) {
    compare<int32_t>(rng, t);
    compare<int64_t>(rng, t);
  }
  invalid_ids();
  large_totals(rng);
  if (with_bench) bench();
  return lplb_cuda_test::finish();
}

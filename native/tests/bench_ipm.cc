// Benchmark of lplb_ipm_solve_batch (the general solver) and lplb_minmax_solve_batch (the
// specialised one) on LPLB min-max LPs (reference section 3.4): random loads
// w ~ U(0,1) per replicated slot and f ~ U(0,1) per rank, normalised by their maximum, solved
// in batches of 32 through the public API (validation included). Prints the median time per LP
// over many batches, for float64 and float32, for the cube topology (8 ranks, D = 2: 17
// variables, 8 rows) and a 64-rank D = 4 group (257 variables, 64 rows).
//
// Usage: lplb_bench [batches] [cube|64]   (default 400 batches of 32 LPs per configuration; the
// optional second argument runs only that topology)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lplb/ipm.h"
#include "lplb/minmax.h"
#include "lplb_group_lp.h"

namespace {

constexpr int kBatch = 32;

struct Topology {
  const char* name;
  int ranks;
  int slots;
  std::vector<int> r2o;  // [ranks][slots]
};

Topology cube() { return Topology{"cube (8 ranks, D=2)", 8, 2, lplb_group_lp::cube_r2o()}; }

// 64 ranks, D = 4: slot d of rank i replicates rank (i + 2^d) mod 64 (no fixed points).
Topology group64() {
  Topology t{"64 ranks, D=4", 64, 4, std::vector<int>(256)};
  for (int i = 0; i < 64; ++i)
    for (int d = 0; d < 4; ++d) t.r2o[i * 4 + d] = (i + (1 << d)) % 64;
  return t;
}

void run(const Topology& t, lplb_precision precision, int batches) {
  const int n = t.ranks * t.slots + 1, m = t.ranks;
  const size_t count = static_cast<size_t>(kBatch) * static_cast<size_t>(batches);
  std::vector<double> c(count * n), a(count * m * n), b(count * m), lower(count * n), upper(count * n);
  std::mt19937_64 rng(20240611);
  std::vector<double> w(static_cast<size_t>(t.ranks) * t.slots), f(static_cast<size_t>(t.ranks));
  for (size_t k = 0; k < count; ++k) {
    lplb_group_lp::random_loads(rng, t.ranks, t.slots, w.data(), f.data());
    lplb_group_lp::fill_lplb_lp(t.r2o.data(), t.ranks, t.slots, w.data(), f.data(), &c[k * n], &a[k * m * n], &b[k * m],
                                &lower[k * n], &upper[k * n]);
  }
  lplb_shape shape{n, 0, m};
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(precision, &settings);
  lplb_ipm_workspace* workspace = nullptr;
  if (lplb_ipm_workspace_create(&shape, &settings, &workspace) != LPLB_OK) {
    std::fprintf(stderr, "workspace_create failed: %s\n", lplb_last_error_message());
    std::exit(1);
  }
  std::vector<int32_t> status(kBatch), iterations(kBatch);
  std::vector<double> x(static_cast<size_t>(kBatch) * n), objective(kBatch);
  lplb_solution_batch out{};
  out.status = status.data();
  out.x = x.data();
  out.objective = objective.data();
  out.iterations = iterations.data();
  std::vector<double> per_lp_us;
  per_lp_us.reserve(static_cast<size_t>(batches));
  long optimal = 0, total_iterations = 0;
  for (int batch = 0; batch < batches; ++batch) {
    const size_t first = static_cast<size_t>(batch) * kBatch;
    lplb_lp_batch lps{kBatch, &c[first * n], nullptr, nullptr, &a[first * m * n], &b[first * m], &lower[first * n],
                      &upper[first * n]};
    const auto start = std::chrono::steady_clock::now();
    const lplb_error error = lplb_ipm_solve_batch(workspace, &lps, &out);
    const auto stop = std::chrono::steady_clock::now();
    if (error != LPLB_OK) {
      std::fprintf(stderr, "solve_batch failed: %s\n", lplb_last_error_message());
      std::exit(1);
    }
    per_lp_us.push_back(std::chrono::duration<double, std::micro>(stop - start).count() / kBatch);
    for (int k = 0; k < kBatch; ++k) {
      optimal += status[k] == LPLB_STATUS_OPTIMAL;
      total_iterations += iterations[k];
    }
  }
  lplb_ipm_workspace_destroy(workspace);
  std::sort(per_lp_us.begin(), per_lp_us.end());
  const double median = per_lp_us[per_lp_us.size() / 2];
  std::printf("%-22s %-8s median %8.2f us/LP   (%zu LPs in batches of %d, optimal %ld, mean iterations %.2f)\n",
              t.name, precision == LPLB_PRECISION_FLOAT64 ? "float64" : "float32", median, count, kBatch, optimal,
              static_cast<double>(total_iterations) / static_cast<double>(count));
}

// The same LPs through the specialised solver.
void run_minmax(const Topology& t, lplb_precision precision, lplb_minmax_method method, int batches) {
  const int edges = t.ranks * t.slots;
  const size_t count = static_cast<size_t>(kBatch) * static_cast<size_t>(batches);
  std::vector<double> w(count * edges), f(count * t.ranks);
  std::mt19937_64 rng(20240611);
  for (size_t k = 0; k < count; ++k) lplb_group_lp::random_loads(rng, t.ranks, t.slots, &w[k * edges], &f[k * t.ranks]);
  const std::vector<int32_t> replica = lplb_group_lp::replica_from_r2o(t.r2o, t.ranks, t.slots);
  lplb_minmax_shape shape{t.ranks, t.slots, replica.data()};
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(precision, &settings);
  lplb_minmax_workspace* workspace = nullptr;
  if (lplb_minmax_workspace_create(&shape, &settings, &workspace) != LPLB_OK) {
    std::fprintf(stderr, "minmax_workspace_create failed: %s\n", lplb_last_error_message());
    std::exit(1);
  }
  if (lplb_minmax_workspace_set_method(workspace, method) != LPLB_OK) {
    std::fprintf(stderr, "minmax_workspace_set_method failed: %s\n", lplb_last_error_message());
    std::exit(1);
  }
  std::vector<int32_t> status(kBatch), iterations(kBatch);
  std::vector<double> keep(static_cast<size_t>(kBatch) * edges), max_load(kBatch);
  lplb_minmax_solution out{status.data(), keep.data(), max_load.data(), nullptr, nullptr, iterations.data()};
  std::vector<double> per_lp_us;
  long optimal = 0, total_iterations = 0;
  for (int batch = 0; batch < batches; ++batch) {
    const size_t first = static_cast<size_t>(batch) * kBatch;
    lplb_minmax_batch groups{kBatch, &f[first * t.ranks], &w[first * edges]};
    const auto start = std::chrono::steady_clock::now();
    const lplb_error error = lplb_minmax_solve_batch(workspace, &groups, &out);
    const auto stop = std::chrono::steady_clock::now();
    if (error != LPLB_OK) {
      std::fprintf(stderr, "minmax_solve_batch failed: %s\n", lplb_last_error_message());
      std::exit(1);
    }
    per_lp_us.push_back(std::chrono::duration<double, std::micro>(stop - start).count() / kBatch);
    for (int k = 0; k < kBatch; ++k) {
      optimal += status[k] == LPLB_STATUS_OPTIMAL;
      total_iterations += iterations[k];
    }
  }
  lplb_minmax_workspace_destroy(workspace);
  std::sort(per_lp_us.begin(), per_lp_us.end());
  std::printf("%-22s %-8s median %8.2f us/LP   (min-max %s, optimal %ld of %zu, mean steps %.2f)\n", t.name,
              precision == LPLB_PRECISION_FLOAT64 ? "float64" : "float32", per_lp_us[per_lp_us.size() / 2],
              method == LPLB_MINMAX_METHOD_FLOW ? "flow" : "ipm", optimal, count,
              static_cast<double>(total_iterations) / static_cast<double>(count));
}

}  // namespace

int main(int argc, char** argv) {
  const int batches = argc > 1 ? std::max(1, std::atoi(argv[1])) : 400;
  std::printf("lplb_ipm_solve_batch, CPU backend, single thread\n");
  const std::string only = argc > 2 ? argv[2] : "";
  const Topology topologies[] = {cube(), group64()};
  for (const Topology& t : topologies) {
    if (only == "cube" && t.ranks != 8) continue;
    if (only == "64" && t.ranks != 64) continue;
    const int topology_batches = t.ranks > 8 ? std::max(1, batches / 8) : batches;
    run(t, LPLB_PRECISION_FLOAT64, topology_batches);
    run(t, LPLB_PRECISION_FLOAT32, topology_batches);
    run_minmax(t, LPLB_PRECISION_FLOAT64, LPLB_MINMAX_METHOD_IPM, topology_batches);
    run_minmax(t, LPLB_PRECISION_FLOAT32, LPLB_MINMAX_METHOD_IPM, topology_batches);
    run_minmax(t, LPLB_PRECISION_FLOAT64, LPLB_MINMAX_METHOD_FLOW, topology_batches);
  }
  return 0;
}

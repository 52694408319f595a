// The min-max tests' shared pieces (lplb/minmax.h): random groups with their LPs, and a batch
// solve of one group's loads through the C API.
#ifndef LPLB_TESTS_MINMAX_TEST_SUPPORT_H
#define LPLB_TESTS_MINMAX_TEST_SUPPORT_H

#include <cstdint>
#include <random>
#include <vector>

#include "lplb/minmax.h"
#include "lplb_group_lp.h"
#include "test_support.h"

namespace lplb_test {

// `cases` LPs of one random group of ranks x slots, the loads of the four kinds in turn, all
// from one generator seeded with `seed`.
struct DrawnGroup {
  lplb_group_lp::RandomGroup group;
  std::vector<std::vector<double>> ws, fs;
  std::vector<Lp> lps;
};

inline DrawnGroup draw_group(uint64_t seed, int ranks, int slots, int cases) {
  std::mt19937_64 rng(seed);
  DrawnGroup drawn{lplb_group_lp::random_group(rng, ranks, slots), {}, {}, {}};
  for (int k = 0; k < cases; ++k) {
    std::vector<double> w, f;
    lplb_group_lp::kind_loads(rng, k % 4, ranks, slots, &w, &f);
    drawn.lps.push_back(make_lplb(drawn.group.r2o, ranks, slots, w, f));
    drawn.ws.push_back(w);
    drawn.fs.push_back(f);
  }
  return drawn;
}

struct MinMaxResult {
  int32_t status;
  std::vector<double> keep;
  double max_load, lower_bound, gap;
  int32_t iterations;
};

// Every load set of `ws` / `fs` on group g, in one batch of the min-max solver.
inline std::vector<MinMaxResult> solve_minmax(const lplb_group_lp::RandomGroup& g,
                                              const std::vector<std::vector<double>>& ws,
                                              const std::vector<std::vector<double>>& fs, lplb_precision precision,
                                              lplb_minmax_method method = LPLB_MINMAX_METHOD_FLOW) {
  const int n = static_cast<int>(ws.size()), edges = g.ranks * g.slots;
  lplb_minmax_shape shape{g.ranks, g.slots, g.replica.data()};
  lplb_ipm_settings settings = settings_for(precision);
  lplb_minmax_workspace* workspace = nullptr;
  CHECK(lplb_minmax_workspace_create(&shape, &settings, &workspace) == LPLB_OK);
  CHECK(lplb_minmax_workspace_set_method(workspace, method) == LPLB_OK);
  std::vector<double> fixed, slot;
  for (int k = 0; k < n; ++k) {
    fixed.insert(fixed.end(), fs[k].begin(), fs[k].end());
    slot.insert(slot.end(), ws[k].begin(), ws[k].end());
  }
  std::vector<int32_t> status(n), iterations(n);
  std::vector<double> keep(static_cast<size_t>(n) * edges), max_load(n), lower(n), gap(n);
  lplb_minmax_batch batch{n, fixed.data(), slot.data()};
  lplb_minmax_solution out{status.data(), keep.data(), max_load.data(), lower.data(), gap.data(), iterations.data()};
  CHECK(lplb_minmax_solve_batch(workspace, &batch, &out) == LPLB_OK);
  lplb_minmax_workspace_destroy(workspace);
  std::vector<MinMaxResult> results;
  for (int k = 0; k < n; ++k) {
    results.push_back({status[k], std::vector<double>(keep.begin() + k * edges, keep.begin() + (k + 1) * edges),
                       max_load[k], lower[k], gap[k], iterations[k]});
  }
  return results;
}

}  // namespace lplb_test

#endif  // LPLB_TESTS_MINMAX_TEST_SUPPORT_H

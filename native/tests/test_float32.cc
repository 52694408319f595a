// LPLB_PRECISION_FLOAT32: the iterations run in float arithmetic (as a GPU kernel would), the
// report is still float64 against the float64 data. Checked on hand-derived LPs, on the cube
// LPLB LP and on constructed random LPs: status, objective to 1e-5 relative and the KKT
// conditions to float32-sized tolerances.
#include "test_support.h"

using namespace lplb_test;

namespace {

constexpr double kObjectiveTolerance = 1e-5;
constexpr double kKktTolerance = 1e-4;

}  // namespace

// Same LP as in test_known_lps: optimum -5 at (3, 1).
TEST(known_lp_float32) {
  Lp lp(2, 0, 2);
  lp.c = {-1, -2};
  lp.a_ub = {1, 1, 1, 3};
  lp.b_ub = {4, 6};
  const Result r = solve_one(lp, LPLB_PRECISION_FLOAT32);
  CHECK(r.status == LPLB_STATUS_OPTIMAL);
  CHECK_NEAR(r.objective, -5, kObjectiveTolerance);
  CHECK_NEAR(r.x[0], 3, 1e-5);
  CHECK_NEAR(r.x[1], 1, 1e-5);
}

TEST(default_settings_float32) {
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT32, &settings);
  CHECK(settings.precision == LPLB_PRECISION_FLOAT32);
  CHECK(settings.tolerance == 1e-6);
  CHECK(settings.max_iterations == 100);
  CHECK(settings.backend == LPLB_BACKEND_CPU);
}

TEST(cube_float32) {
  const std::vector<int> r2o = cube_r2o();
  std::mt19937_64 rng(21);
  std::vector<Lp> lps;
  for (int t = 0; t < 64; ++t) {
    std::vector<double> w, f;
    random_loads(rng, 8, 2, &w, &f);
    lps.push_back(make_lplb(r2o, 8, 2, w, f));
  }
  const std::vector<Result> single = solve_all(lps, settings_for(LPLB_PRECISION_FLOAT32));
  const std::vector<Result> dbl = solve_all(lps, settings_for(LPLB_PRECISION_FLOAT64));
  for (size_t t = 0; t < lps.size(); ++t) {
    context() = seed_context(21, static_cast<int>(t));
    CHECK(single[t].status == LPLB_STATUS_OPTIMAL);
    if (single[t].status != LPLB_STATUS_OPTIMAL) continue;
    const Kkt k = kkt_violation(lps[t], single[t]);
    CHECK_MSG(k.worst() <= kKktTolerance, "KKT violation " + std::to_string(k.worst()));
    // The float64 solve (itself KKT-checked elsewhere) gives the reference value.
    CHECK_NEAR(single[t].objective, dbl[t].objective, kObjectiveTolerance);
  }
}

TEST(constructed_float32) {
  std::mt19937_64 rng(22);
  int optimal = 0, total = 0;
  for (int t = 0; t < 120; ++t) {
    context() = seed_context(22, t);
    std::uniform_int_distribution<int> pick_n(1, 8), pick_eq(0, 2), pick_ub(0, 8);
    const int n = pick_n(rng);
    const Constructed made = make_optimal(rng, n, std::min(pick_eq(rng), n), pick_ub(rng), BoundMix::kMixed, false);
    const Result r = solve_one(made.lp, LPLB_PRECISION_FLOAT32);
    ++total;
    CHECK(r.status != LPLB_STATUS_PRIMAL_INFEASIBLE && r.status != LPLB_STATUS_DUAL_INFEASIBLE);
    if (r.status != LPLB_STATUS_OPTIMAL) continue;
    ++optimal;
    CHECK_NEAR(r.objective, made.optimal_objective, 1e-4);
  }
  // float32 may stop short on a hard instance (iteration limit or numerical error, never a
  // wrong status); nearly all of these reach the tolerance.
  CHECK_MSG(optimal >= total * 95 / 100, "optimal " + std::to_string(optimal) + " of " + std::to_string(total));
}

TEST(infeasible_and_unbounded_float32) {
  std::mt19937_64 rng(23);
  for (int t = 0; t < 30; ++t) {
    context() = seed_context(23, t);
    const Lp infeasible = make_infeasible(rng, 5, 1, 4);
    const Result a = solve_one(infeasible, LPLB_PRECISION_FLOAT32);
    CHECK(a.status == LPLB_STATUS_PRIMAL_INFEASIBLE);
    const Lp unbounded = make_unbounded(rng, 5, 1, 4);
    const Result b = solve_one(unbounded, LPLB_PRECISION_FLOAT32);
    CHECK(b.status == LPLB_STATUS_DUAL_INFEASIBLE);
  }
}

LPLB_TEST_MAIN

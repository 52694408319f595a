// A batch mixing outcomes: optimal, primal infeasible and dual infeasible LPs of one shape in
// one call, each with the status and answer it gets when solved alone; and the same workspace
// reused across batches of different sizes.
#include "test_support.h"

using namespace lplb_test;

namespace {

// Three LPs of shape n = 2, m_ub = 2 (x >= 0):
//   optimal:    min -x1 - 2 x2, x1 + x2 <= 4, x1 + 3 x2 <= 6             -> -5
//   infeasible: min x1 + x2,    x1 + x2 <= 1, -x1 - x2 <= -2
//   unbounded:  min -x1,        x1 - x2 <= 1, 0 <= 1
std::vector<Lp> mixed() {
  Lp optimal(2, 0, 2), infeasible(2, 0, 2), unbounded(2, 0, 2);
  optimal.c = {-1, -2};
  optimal.a_ub = {1, 1, 1, 3};
  optimal.b_ub = {4, 6};
  infeasible.c = {1, 1};
  infeasible.a_ub = {1, 1, -1, -1};
  infeasible.b_ub = {1, -2};
  unbounded.c = {-1, 0};
  unbounded.a_ub = {1, -1, 0, 0};
  unbounded.b_ub = {1, 1};
  return {optimal, infeasible, unbounded};
}

}  // namespace

TEST(mixed_statuses_in_one_batch) {
  std::vector<Lp> lps;
  for (int repeat = 0; repeat < 4; ++repeat) {
    for (const Lp& lp : mixed()) lps.push_back(lp);
  }
  const std::vector<Result> results = solve_all(lps, settings_for(LPLB_PRECISION_FLOAT64));
  for (size_t b = 0; b < results.size(); ++b) {
    context() = "lp " + std::to_string(b);
    const int expected[3] = {LPLB_STATUS_OPTIMAL, LPLB_STATUS_PRIMAL_INFEASIBLE, LPLB_STATUS_DUAL_INFEASIBLE};
    CHECK(results[b].status == expected[b % 3]);
    // Each LP gets exactly what it gets alone: LPs of a batch do not influence each other.
    const Result alone = solve_one(lps[b]);
    CHECK(alone.status == results[b].status);
    CHECK(alone.objective == results[b].objective);
    CHECK(alone.iterations == results[b].iterations);
    for (int j = 0; j < 2; ++j) CHECK(alone.x[j] == results[b].x[j]);
  }
  CHECK_NEAR(results[0].objective, -5, 1e-8);
  CHECK(results[1].objective == kInf);
  CHECK(results[2].objective == -kInf);
}

TEST(workspace_reused_across_batches) {
  const std::vector<Lp> lps = mixed();
  lplb_shape shape{2, 0, 2};
  lplb_ipm_workspace* workspace = nullptr;
  CHECK(lplb_ipm_workspace_create(&shape, nullptr, &workspace) == LPLB_OK);
  for (int size : {1, 3, 2, 3}) {
    std::vector<double> c, a, b;
    for (int k = 0; k < size; ++k) {
      const Lp& lp = lps[static_cast<size_t>(k % 3)];
      c.insert(c.end(), lp.c.begin(), lp.c.end());
      a.insert(a.end(), lp.a_ub.begin(), lp.a_ub.end());
      b.insert(b.end(), lp.b_ub.begin(), lp.b_ub.end());
    }
    std::vector<int32_t> status(static_cast<size_t>(size), -1);
    std::vector<double> objective(static_cast<size_t>(size));
    lplb_lp_batch in{size, c.data(), nullptr, nullptr, a.data(), b.data(), nullptr, nullptr};
    lplb_solution_batch out{};
    out.status = status.data();
    out.objective = objective.data();
    CHECK(lplb_ipm_solve_batch(workspace, &in, &out) == LPLB_OK);
    for (int k = 0; k < size; ++k) {
      const int expected[3] = {LPLB_STATUS_OPTIMAL, LPLB_STATUS_PRIMAL_INFEASIBLE, LPLB_STATUS_DUAL_INFEASIBLE};
      CHECK(status[static_cast<size_t>(k)] == expected[k % 3]);
    }
    CHECK_NEAR(objective[0], -5, 1e-8);
  }
  lplb_ipm_workspace_destroy(workspace);
}

TEST(iteration_limit_status) {
  Lp lp = mixed()[0];
  lplb_ipm_settings settings = settings_for(LPLB_PRECISION_FLOAT64);
  settings.max_iterations = 1;
  const Result r = solve_all({lp}, settings).front();
  CHECK(r.status == LPLB_STATUS_ITERATION_LIMIT || r.status == LPLB_STATUS_OPTIMAL);
  CHECK(r.iterations <= 1);
  // The report describes what was returned: finite numbers, primal residual above tolerance
  // unless the single step (and polish) already finished.
  CHECK(std::isfinite(r.objective) && std::isfinite(r.primal_residual) && std::isfinite(r.dual_residual));
  for (double v : r.x) CHECK(std::isfinite(v));
}

TEST(tighter_tolerance_is_met) {
  Lp lp = mixed()[0];
  lplb_ipm_settings settings = settings_for(LPLB_PRECISION_FLOAT64);
  settings.tolerance = 1e-12;
  const Result r = solve_all({lp}, settings).front();
  CHECK(r.status == LPLB_STATUS_OPTIMAL);
  CHECK(r.primal_residual <= 1e-12 && r.dual_residual <= 1e-12 && r.duality_gap <= 1e-12);
}

LPLB_TEST_MAIN

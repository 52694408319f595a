// Infeasible and unbounded LPs: the status, the objective convention (+inf / -inf), and the
// certificate returned with it, checked independently (a Farkas certificate in the duals for
// primal infeasibility, an improving ray in x for dual infeasibility).
#include "test_support.h"

using namespace lplb_test;

namespace {

constexpr double kCertificateTolerance = 1e-7;

void check_primal_infeasible(const Lp& lp) {
  const Result r = solve_one(lp);
  CHECK(r.error == LPLB_OK);
  CHECK(r.status == LPLB_STATUS_PRIMAL_INFEASIBLE);
  if (r.status != LPLB_STATUS_PRIMAL_INFEASIBLE) return;
  CHECK(r.objective == kInf);
  const double violation = farkas_violation(lp, r);
  CHECK_MSG(violation <= kCertificateTolerance, "Farkas certificate violation " + std::to_string(violation));
}

void check_unbounded(const Lp& lp) {
  const Result r = solve_one(lp);
  CHECK(r.error == LPLB_OK);
  CHECK(r.status == LPLB_STATUS_DUAL_INFEASIBLE);
  if (r.status != LPLB_STATUS_DUAL_INFEASIBLE) return;
  CHECK(r.objective == -kInf);
  const double violation = ray_violation(lp, r.x);
  CHECK_MSG(violation <= kCertificateTolerance, "ray violation " + std::to_string(violation));
  double cd = 0;
  for (int j = 0; j < lp.n; ++j) cd += lp.c[j] * r.x[j];
  CHECK_NEAR(cd, -1, 1e-9);  // the ray is scaled so that c'd = -1
}

}  // namespace

// x1 + x2 <= 1 and x1 + x2 >= 2 (written -x1 - x2 <= -2), x >= 0: adding the rows gives 0 <= -1.
TEST(contradicting_inequalities) {
  Lp lp(2, 0, 2);
  lp.c = {1, 1};
  lp.a_ub = {1, 1, -1, -1};
  lp.b_ub = {1, -2};
  check_primal_infeasible(lp);
}

// x1 + x2 = 1 and x1 + x2 = 2: inconsistent equalities (caught before the iterations).
TEST(inconsistent_equalities) {
  Lp lp(2, 2, 0);
  lp.c = {1, 0};
  lp.a_eq = {1, 1, 1, 1};
  lp.b_eq = {1, 2};
  lp.lower = {-kInf, -kInf};
  check_primal_infeasible(lp);
  const Result r = solve_one(lp);
  CHECK(r.iterations == 0);
}

// x in [0, 1]^2 with x1 + x2 = 3: the bounds cap the sum at 2.
TEST(equality_beyond_bounds) {
  Lp lp(2, 1, 0);
  lp.c = {1, -1};
  lp.a_eq = {1, 1};
  lp.b_eq = {3};
  lp.upper = {1, 1};
  check_primal_infeasible(lp);
}

// A square equality system whose unique solution (x1 = 1, x2 = -1) violates x2 >= 0.
TEST(unique_point_outside_bounds) {
  Lp lp(2, 2, 0);
  lp.c = {1, 1};
  lp.a_eq = {1, 1, 1, -1};
  lp.b_eq = {0, 2};
  lp.lower = {-kInf, 0};
  check_primal_infeasible(lp);
}

// min -x1 s.t. x1 - x2 <= 1, x >= 0: x = (1 + t, t) is feasible for every t >= 0 and the
// objective falls without bound along d = (1, 1).
TEST(unbounded_along_a_ray) {
  Lp lp(2, 0, 1);
  lp.c = {-1, 0};
  lp.a_ub = {1, -1};
  lp.b_ub = {1};
  check_unbounded(lp);
}

// min x1 with x1 free and no rows.
TEST(unbounded_free_variable) {
  Lp lp(1, 0, 0);
  lp.c = {1};
  lp.lower = {-kInf};
  check_unbounded(lp);
}

// min -x1 - x2 s.t. x1 - x2 = 0, x >= 0: x = (t, t) is feasible for every t >= 0, so the
// objective is unbounded along (1, 1).
TEST(unbounded_with_equality) {
  Lp lp(2, 1, 0);
  lp.c = {-1, -1};
  lp.a_eq = {1, -1};
  lp.b_eq = {0};
  check_unbounded(lp);
}

// Both infeasible and unbounded in direction: x2 <= -1 with x2 >= 0 is infeasible, while x1
// alone would be unbounded. No feasible point exists, so the answer is primal infeasible.
TEST(infeasible_and_dual_infeasible_reports_primal_infeasible) {
  Lp lp(2, 0, 1);
  lp.c = {-1, 0};
  lp.a_ub = {0, 1};
  lp.b_ub = {-1};
  check_primal_infeasible(lp);
}

// Infeasible through a fixed variable: x1 fixed at 1, so x1 + x2 <= 0 forces x2 <= -1 while
// x2 >= 0. The certificate carries the fixed variable's multiplier on its bound.
TEST(infeasible_through_fixed_variable) {
  Lp lp(2, 0, 1);
  lp.c = {0, 1};
  lp.a_ub = {1, 1};
  lp.b_ub = {0};
  lp.lower = {1, 0};
  lp.upper = {1, kInf};
  check_primal_infeasible(lp);
}

LPLB_TEST_MAIN

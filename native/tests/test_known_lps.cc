// Small LPs whose optimal values are derived by hand (derivations in the comments), checked for
// status, objective, the unique optimal point where there is one, and the KKT conditions.
#include "test_support.h"

using namespace lplb_test;

namespace {

constexpr double kObjectiveTolerance = 1e-8;
constexpr double kKktTolerance = 1e-8;

void check_optimal(const Lp& lp, double expected_objective, const std::vector<double>* expected_x = nullptr) {
  const Result r = solve_one(lp);
  CHECK(r.error == LPLB_OK);
  CHECK(r.status == LPLB_STATUS_OPTIMAL);
  if (r.status != LPLB_STATUS_OPTIMAL) return;
  CHECK_NEAR(r.objective, expected_objective, kObjectiveTolerance);
  if (expected_x) {
    for (int j = 0; j < lp.n; ++j) CHECK_NEAR(r.x[j], (*expected_x)[j], 1e-7);
  }
  const Kkt k = kkt_violation(lp, r);
  CHECK_MSG(k.worst() <= kKktTolerance, "KKT violation " + std::to_string(k.worst()));
  // The reported residuals agree with the tolerance the status promises.
  CHECK(r.primal_residual <= 1e-8 && r.dual_residual <= 1e-8 && r.duality_gap <= 1e-8);
}

}  // namespace

// min -x1 - 2 x2  s.t.  x1 + x2 <= 4,  x1 + 3 x2 <= 6,  x >= 0.
// Vertices: (0,0) -> 0, (4,0) -> -4, (0,2) -> -4, and where both rows bind: x2 = 1, x1 = 3
// -> -5. Optimum -5 at (3, 1); multipliers from -1 + y1 + y2 = 0, -2 + y1 + 3 y2 = 0: y = (1/2, 1/2).
TEST(two_variable_inequalities) {
  Lp lp(2, 0, 2);
  lp.c = {-1, -2};
  lp.a_ub = {1, 1, 1, 3};
  lp.b_ub = {4, 6};
  const std::vector<double> x = {3, 1};
  check_optimal(lp, -5, &x);
  const Result r = solve_one(lp);
  CHECK_NEAR(r.y_ub[0], 0.5, 1e-7);
  CHECK_NEAR(r.y_ub[1], 0.5, 1e-7);
}

// Equalities only: min x1 + 2 x2 + 3 x3  s.t.  x1 + x2 + x3 = 1, x >= 0. Every feasible point is
// a convex combination of the unit vectors, so the minimum is the smallest cost, 1, at (1,0,0).
TEST(equality_only) {
  Lp lp(3, 1, 0);
  lp.c = {1, 2, 3};
  lp.a_eq = {1, 1, 1};
  lp.b_eq = {1};
  const std::vector<double> x = {1, 0, 0};
  check_optimal(lp, 1, &x);
}

// Bounds only: min 2 x1 - 3 x2 + x3 with x1 in [-1, 4], x2 in [-2, 5], x3 in [0, inf). The
// objective separates: x1 at its lower bound (-2), x2 at its upper bound (-15), x3 = 0.
// Optimum -17 at (-1, 5, 0).
TEST(bounds_only) {
  Lp lp(3, 0, 0);
  lp.c = {2, -3, 1};
  lp.lower = {-1, -2, 0};
  lp.upper = {4, 5, kInf};
  const std::vector<double> x = {-1, 5, 0};
  check_optimal(lp, -17, &x);
}

// Free variables: min x1 + x2  s.t.  x1 - x2 = 1,  -x1 - x2 <= 3, both free. The objective is
// bounded by the row x1 + x2 >= -3; with x1 - x2 = 1 that gives x1 = -1, x2 = -2, value -3.
TEST(free_variables) {
  Lp lp(2, 1, 1);
  lp.c = {1, 1};
  lp.a_eq = {1, -1};
  lp.b_eq = {1};
  lp.a_ub = {-1, -1};
  lp.b_ub = {3};
  lp.lower = {-kInf, -kInf};
  const std::vector<double> x = {-1, -2};
  check_optimal(lp, -3, &x);
}

// A free variable that only appears in an equality: min x1 + x3  s.t.  x1 + x2 - x3 = 2,
// x1, x3 >= 0, x2 free with zero cost. x2 absorbs the row, so x1 = x3 = 0 and the minimum is 0
// at (0, 2, 0).
TEST(free_variable_in_equality_only) {
  Lp lp(3, 1, 0);
  lp.c = {1, 0, 1};
  lp.a_eq = {1, 1, -1};
  lp.b_eq = {2};
  lp.lower = {0, -kInf, 0};
  const std::vector<double> x = {0, 2, 0};
  check_optimal(lp, 0, &x);
}

// Primal degenerate vertex: min -x1 - x2  s.t.  x1 <= 1,  x2 <= 1,  x1 + x2 <= 2, x >= 0. All
// three rows bind at (1, 1) in two dimensions; the optimum is -2 there.
TEST(degenerate_vertex) {
  Lp lp(2, 0, 3);
  lp.c = {-1, -1};
  lp.a_ub = {1, 0, 0, 1, 1, 1};
  lp.b_ub = {1, 1, 2};
  const std::vector<double> x = {1, 1};
  check_optimal(lp, -2, &x);
}

// Dual degenerate (a whole edge optimal): min -x1 - x2  s.t.  x1 + x2 <= 1, x >= 0. Every point
// of the edge x1 + x2 = 1 is optimal, value -1; only the value is unique.
TEST(optimal_face) {
  Lp lp(2, 0, 1);
  lp.c = {-1, -1};
  lp.a_ub = {1, 1};
  lp.b_ub = {1};
  check_optimal(lp, -1);
}

// Fixed and upper-bounded variables: min x1 - x2 + 0 x3  s.t.  x1 + x2 <= 3, x1 fixed at 2,
// x2 <= 10 with no lower bound, x3 in [0, 1] not in any row. x2 = 3 - 2 = 1 is its largest
// feasible value, so the optimum is 2 - 1 = 1 at (2, 1, anything in [0, 1]).
TEST(fixed_and_upper_bounded) {
  Lp lp(3, 0, 1);
  lp.c = {1, -1, 0};
  lp.a_ub = {1, 1, 0};
  lp.b_ub = {3};
  lp.lower = {2, -kInf, 0};
  lp.upper = {2, 10, 1};
  check_optimal(lp, 1);
  const Result r = solve_one(lp);
  CHECK_NEAR(r.x[0], 2, 1e-12);
  CHECK_NEAR(r.x[1], 1, 1e-7);
}

// Dependent but consistent equalities: x1 + x2 = 2 and 2 x1 + 2 x2 = 4, min x1 + 2 x2, x >= 0.
// The second row repeats the first; the cheaper variable takes everything: x = (2, 0), value 2.
TEST(dependent_equalities) {
  Lp lp(2, 2, 0);
  lp.c = {1, 2};
  lp.a_eq = {1, 1, 2, 2};
  lp.b_eq = {2, 4};
  const std::vector<double> x = {2, 0};
  check_optimal(lp, 2, &x);
}

// Zero cost: any feasible point is optimal with value 0. x1 + x2 >= 1, x in [0, 3]^2.
TEST(zero_cost) {
  Lp lp(2, 0, 1);
  lp.a_ub = {-1, -1};
  lp.b_ub = {-1};
  lp.upper = {3, 3};
  check_optimal(lp, 0);
}

// Badly scaled rows and costs: min -1e4 x1 - x2 with 1e-3 x1 + 1e-3 x2 <= 1e-3 (x1 + x2 <= 1)
// and 1e3 x1 <= 500 (x1 <= 0.5), x >= 0. x1 = 0.5, x2 = 0.5: value -5000.5.
TEST(badly_scaled) {
  Lp lp(2, 0, 2);
  lp.c = {-1e4, -1};
  lp.a_ub = {1e-3, 1e-3, 1e3, 0};
  lp.b_ub = {1e-3, 500};
  const std::vector<double> x = {0.5, 0.5};
  check_optimal(lp, -5000.5, &x);
}

// A transportation problem: 2 sources (supply 30, 20), 3 sinks (demand 10, 25, 15), costs
// [[8, 6, 10], [9, 12, 13]]. Sinks 1 and 3 are cheaper from source 1 by 1 and 3, sink 2 by 6;
// source 1 can ship 30. Sending sink 2 (25) and 5 of sink 3 from source 1, the rest from
// source 2 (sink 1: 10, sink 3: 10) costs 150 + 50 + 90 + 130 = 420; moving any unit between
// sources along an alternating cycle costs at least 1 more, so 420 is optimal.
TEST(transportation) {
  Lp lp(6, 5, 0);  // x[s][t] at s * 3 + t
  const double cost[6] = {8, 6, 10, 9, 12, 13};
  lp.c.assign(cost, cost + 6);
  const double supply[2] = {30, 20}, demand[3] = {10, 25, 15};
  for (int s = 0; s < 2; ++s) {
    for (int t = 0; t < 3; ++t) lp.eq(s, s * 3 + t) = 1;
    lp.b_eq[s] = supply[s];
  }
  for (int t = 0; t < 3; ++t) {
    for (int s = 0; s < 2; ++s) lp.eq(2 + t, s * 3 + t) = 1;
    lp.b_eq[2 + t] = demand[t];
  }
  check_optimal(lp, 420);
}

LPLB_TEST_MAIN

// Randomised LPs whose answer is known by construction (see test_support.h): optimal ones with
// a planted primal-dual solution (the optimal value is known exactly), infeasible ones with two
// contradicting rows, and unbounded ones with a planted improving ray. Shapes cover equality-
// only, bounds-only, mixed bounds (free, boxed, upper-only, fixed) and degenerate solutions.
// Fixed seeds run every time, plus one fresh seed per run (printed; set LPLB_TEST_SEED to
// replay it).

#include "test_support.h"

using namespace lplb_test;

namespace {

const uint64_t kFreshSeed = fresh_seed();

std::vector<uint64_t> seeds() { return {1, 2, 3, kFreshSeed}; }

struct ShapeRange {
  int max_n, max_eq, max_ub;
};

void run_optimal(const ShapeRange& range, BoundMix mix, bool degenerate, int cases_per_seed) {
  for (uint64_t seed : seeds()) {
    std::mt19937_64 rng(seed);
    for (int t = 0; t < cases_per_seed; ++t) {
      context() = seed_context(seed, t);
      std::uniform_int_distribution<int> pick_n(1, range.max_n), pick_eq(0, range.max_eq), pick_ub(0, range.max_ub);
      const int n = pick_n(rng);
      const int me = std::min(pick_eq(rng), n);  // more equalities than variables would be dependent
      const int mu = pick_ub(rng);
      const Constructed made = make_optimal(rng, n, me, mu, mix, degenerate);
      const Result r = solve_one(made.lp);
      CHECK(r.error == LPLB_OK);
      CHECK_MSG(r.status == LPLB_STATUS_OPTIMAL, "status " + std::to_string(r.status));
      if (r.status != LPLB_STATUS_OPTIMAL) continue;
      CHECK_NEAR(r.objective, made.optimal_objective, 1e-7);
      const Kkt k = kkt_violation(made.lp, r);
      CHECK_MSG(k.worst() <= 1e-7, "KKT violation " + std::to_string(k.worst()));
    }
  }
}

}  // namespace

TEST(prints_fresh_seed) { std::printf("fresh seed %llu (LPLB_TEST_SEED to replay)\n", static_cast<unsigned long long>(kFreshSeed)); }

TEST(optimal_nonnegative) { run_optimal({12, 4, 12}, BoundMix::kNonNegative, false, 60); }

TEST(optimal_mixed_bounds) { run_optimal({12, 4, 12}, BoundMix::kMixed, false, 60); }

TEST(optimal_degenerate) { run_optimal({12, 4, 12}, BoundMix::kMixed, true, 60); }

TEST(optimal_equality_only) { run_optimal({10, 6, 0}, BoundMix::kMixed, false, 40); }

TEST(optimal_bounds_only) { run_optimal({10, 0, 0}, BoundMix::kMixed, false, 40); }

TEST(optimal_many_rows) { run_optimal({8, 2, 40}, BoundMix::kMixed, true, 15); }

TEST(optimal_larger) { run_optimal({60, 20, 60}, BoundMix::kMixed, true, 3); }

TEST(infeasible) {
  for (uint64_t seed : seeds()) {
    std::mt19937_64 rng(seed);
    for (int t = 0; t < 40; ++t) {
      context() = seed_context(seed, t);
      std::uniform_int_distribution<int> pick_n(1, 10), pick_eq(0, 3), pick_ub(0, 8);
      const int n = pick_n(rng);
      const Lp lp = make_infeasible(rng, n, std::min(pick_eq(rng), n), pick_ub(rng));
      const Result r = solve_one(lp);
      CHECK_MSG(r.status == LPLB_STATUS_PRIMAL_INFEASIBLE, "status " + std::to_string(r.status));
      if (r.status != LPLB_STATUS_PRIMAL_INFEASIBLE) continue;
      const double violation = farkas_violation(lp, r);
      CHECK_MSG(violation <= 1e-6, "Farkas violation " + std::to_string(violation));
    }
  }
}

TEST(unbounded) {
  for (uint64_t seed : seeds()) {
    std::mt19937_64 rng(seed);
    for (int t = 0; t < 40; ++t) {
      context() = seed_context(seed, t);
      std::uniform_int_distribution<int> pick_n(2, 10), pick_eq(0, 3), pick_ub(0, 8);
      const int n = pick_n(rng);
      const Lp lp = make_unbounded(rng, n, std::min(pick_eq(rng), n - 1), pick_ub(rng));
      const Result r = solve_one(lp);
      CHECK_MSG(r.status == LPLB_STATUS_DUAL_INFEASIBLE, "status " + std::to_string(r.status));
      if (r.status != LPLB_STATUS_DUAL_INFEASIBLE) continue;
      const double violation = ray_violation(lp, r.x);
      CHECK_MSG(violation <= 1e-6, "ray violation " + std::to_string(violation));
    }
  }
}

LPLB_TEST_MAIN

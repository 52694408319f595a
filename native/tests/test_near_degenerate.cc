// Near-degenerate LPLB LPs: min-max LPs of random redundancy groups (drawn as test_minmax draws
// them) on which the interior-point iterations break down next to the optimum, so that the
// general solver has to finish them by crossover to a basic solution. Every answer is checked
// against the exact min-max solver (lplb/minmax.h, flow method), which certifies an interval
// [lower_bound, max_load] around the optimum: the objective must lie in it and match max_load,
// the point must be feasible, and z must be the heaviest rank load of the returned split.
// Answers that come from the crossover also meet the KKT conditions to near rounding. The
// crossover is also run on its own (cpu/crossover.h) on random degenerate LPs with equality rows
// from rough starting points.
#include <algorithm>
#include <numeric>

#include "cpu/crossover.h"
#include "minmax_test_support.h"

using namespace lplb_test;

namespace {

using lplb_group_lp::heaviest_rank;

// The exact min-max solver's certified interval for every LP of `drawn`.
std::vector<MinMaxResult> flow_bounds(const DrawnGroup& drawn) {
  return solve_minmax(drawn.group, drawn.ws, drawn.fs, LPLB_PRECISION_FLOAT64);
}

std::string scientific(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

// An optimal answer of the general solver against the flow's interval.
void check_optimal(const DrawnGroup& drawn, int k, const Result& r, const MinMaxResult& flow, double tolerance) {
  CHECK_MSG(r.status == LPLB_STATUS_OPTIMAL, "status " + std::to_string(r.status));
  CHECK_MSG(flow.status == LPLB_STATUS_OPTIMAL, "flow status " + std::to_string(flow.status));
  if (r.status != LPLB_STATUS_OPTIMAL || flow.status != LPLB_STATUS_OPTIMAL) return;
  // A point within the tolerance of feasibility can be that much better than the optimum.
  const double optimum = flow.max_load, slack = 2 * tolerance * (1 + optimum);
  CHECK_MSG(r.objective >= flow.lower_bound - slack && r.objective <= flow.max_load + slack,
            "objective " + std::to_string(r.objective) + " outside the flow's [" + std::to_string(flow.lower_bound) +
                ", " + std::to_string(flow.max_load) + "]");
  CHECK_NEAR(r.objective, optimum, 2 * tolerance);
  CHECK_MSG(kkt_violation(drawn.lps[k], r).primal <= tolerance, "infeasible point");
  // z = x[n - 1] is the objective; it must be the heaviest rank load of the split, not above it.
  CHECK_NEAR(heaviest_rank(drawn.group, drawn.ws[k], drawn.fs[k], r.x), r.objective, 2 * tolerance);
}

struct Failed {
  uint64_t seed;
  int ranks, slots, index;
};

// LPs on which the iterations break down near the optimum, their best point a little off (so
// that only the crossover finishes them). Seeds are test_minmax's base + ranks * 31 or 37 + slots.
const Failed kFailed[] = {
    {21586526269944ull + 32 * 37 + 2, 32, 2, 6},  // best point 2.3e-6 below the optimum 3974.894410286
    {16498135373221ull + 12 * 31 + 3, 12, 3, 54},
    {70000189ull + 32 * 37 + 2, 32, 2, 13},
    {86000237ull + 12 * 37 + 3, 12, 3, 57},
    {122000345ull + 16 * 31 + 2, 16, 2, 74},
    {127000360ull + 32 * 37 + 2, 32, 2, 22},
    {321000942ull + 32 * 37 + 2, 32, 2, 10},
    {339000996ull + 16 * 31 + 2, 16, 2, 30},  // best point 8e-6 (relative) below the optimum
    {389001146ull + 16 * 31 + 2, 16, 2, 38},
};

// An LP in the crossover's form, minimise c'x s.t. A x + s = b, 0 <= x <= u, s = 0 on the first
// `equalities` rows and s >= 0 on the others, with a known optimum: x* (some columns at a bound
// without a multiplier, some inequality rows tight without one), multipliers complementary to
// it, c from stationarity and b from x*.
struct InternalLp {
  int rows, equalities, columns;
  std::vector<int32_t> start, row;
  std::vector<double> value, c, upper, b, x, slack;
  double optimum = 0;
};

InternalLp make_internal(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0), sym(-1.0, 1.0);
  InternalLp lp;
  lp.rows = 1 + static_cast<int>(rng() % 30);
  lp.equalities = static_cast<int>(rng() % static_cast<uint64_t>(lp.rows / 2 + 1));
  lp.columns = lp.rows + 1 + static_cast<int>(rng() % 40);
  std::vector<double> dense(static_cast<size_t>(lp.rows) * lp.columns, 0.0), y(lp.rows, 0.0);
  for (double& a : dense) a = unit(rng) < 0.5 ? sym(rng) : 0.0;
  lp.start.push_back(0);
  for (int j = 0; j < lp.columns; ++j) {
    for (int i = 0; i < lp.rows; ++i) {
      if (dense[static_cast<size_t>(i) * lp.columns + j] == 0) continue;
      lp.row.push_back(i);
      lp.value.push_back(dense[static_cast<size_t>(i) * lp.columns + j]);
    }
    lp.start.push_back(static_cast<int32_t>(lp.row.size()));
  }
  for (int i = 0; i < lp.rows; ++i) {
    const bool tight = i < lp.equalities || unit(rng) < 0.6;
    lp.slack.push_back(tight ? 0.0 : 0.1 + unit(rng));
    // An inequality row's logical has reduced cost -y >= 0 when tight, 0 otherwise.
    if (i < lp.equalities) y[i] = 2 * sym(rng);
    else if (tight && unit(rng) < 0.7) y[i] = -(0.1 + unit(rng));
  }
  for (int j = 0; j < lp.columns; ++j) {
    const double u = unit(rng) < 0.5 ? INFINITY : 0.5 + 2 * unit(rng);
    const double pick = unit(rng), multiplier = unit(rng) < 0.3 ? 0.0 : 0.1 + unit(rng);
    double x = 0, reduced = 0;
    if (pick < 0.4) {
      reduced = multiplier;
    } else if (pick < 0.6 && u < INFINITY) {
      x = u;
      reduced = -multiplier;
    } else {
      x = (u < INFINITY ? u : 3.0) * (0.1 + 0.8 * unit(rng));
    }
    double c = reduced;
    for (int p = lp.start[j]; p < lp.start[j + 1]; ++p) c += lp.value[p] * y[lp.row[p]];
    lp.upper.push_back(u);
    lp.x.push_back(x);
    lp.c.push_back(c);
    lp.optimum += c * x;
  }
  lp.b = lp.slack;
  for (int j = 0; j < lp.columns; ++j)
    for (int p = lp.start[j]; p < lp.start[j + 1]; ++p) lp.b[lp.row[p]] += lp.value[p] * lp.x[j];
  return lp;
}

}  // namespace

TEST(breakdowns_near_the_optimum_end_optimal) {
  for (const Failed& failed : kFailed) {
    const DrawnGroup drawn = draw_group(failed.seed, failed.ranks, failed.slots, failed.index + 1);
    const std::vector<MinMaxResult> flow = flow_bounds(drawn);
    const Lp& lp = drawn.lps[failed.index];
    const Result r = solve_one(lp);
    context() = seed_context(failed.seed, failed.index);
    check_optimal(drawn, failed.index, r, flow[failed.index], 1e-9);
    // A vertex: the optimality conditions hold to near rounding, duals included.
    const Kkt k = kkt_violation(lp, r);
    CHECK_MSG(k.worst() <= 1e-10, "KKT violation " + scientific(k.worst()));
    CHECK_MSG(r.primal_residual <= 1e-9 && r.dual_residual <= 1e-9 && r.duality_gap <= 1e-9,
              "reported residuals " + scientific(r.primal_residual) + ", " + scientific(r.dual_residual) + ", gap " +
                  scientific(r.duality_gap));
  }
}

// Fresh groups of the shapes where breakdowns occur, all four load kinds. The second pass stops
// the iterations early (the run then ends at its limit, where the best iterate goes to polish and
// to the crossover), so that many answers come from the crossover: every one reported optimal
// must be, and none may claim anything else (these LPs are feasible and bounded).
TEST(fresh_near_degenerate_groups) {
  const uint64_t base = fresh_seed();
  std::printf("fresh seed %llu (LPLB_TEST_SEED to replay)\n", static_cast<unsigned long long>(base));
  const int shapes[][2] = {{8, 2}, {16, 2}, {32, 2}, {12, 3}};
  const int short_limits[] = {6, 8, 10};
  int finished_early = 0, stopped = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& shape : shapes) {
      const int ranks = shape[0], slots = shape[1];
      const uint64_t seed = base + static_cast<uint64_t>(round) * 1000003u + static_cast<uint64_t>(ranks * 31 + slots);
      const DrawnGroup drawn = draw_group(seed, ranks, slots, 240);
      const std::vector<MinMaxResult> flow = flow_bounds(drawn);
      const std::string where = " (LPLB_TEST_SEED=" + std::to_string(base) + "), " + std::to_string(ranks) +
                                " ranks x " + std::to_string(slots) + " slots";
      const std::vector<Result> full = solve_all(drawn.lps, settings_for(LPLB_PRECISION_FLOAT64));
      lplb_ipm_settings short_run = settings_for(LPLB_PRECISION_FLOAT64);
      short_run.max_iterations = short_limits[round];
      const std::vector<Result> early = solve_all(drawn.lps, short_run);
      for (size_t k = 0; k < drawn.lps.size(); ++k) {
        const int index = static_cast<int>(k);
        context() = seed_context(seed, index) + where;
        check_optimal(drawn, index, full[k], flow[k], 1e-9);
        context() += ", iteration limit " + std::to_string(short_run.max_iterations);
        if (early[k].status == LPLB_STATUS_OPTIMAL) {
          check_optimal(drawn, index, early[k], flow[k], 1e-9);
          finished_early += early[k].iterations == short_run.max_iterations ? 1 : 0;
        } else {
          CHECK_MSG(early[k].status == LPLB_STATUS_ITERATION_LIMIT || early[k].status == LPLB_STATUS_NUMERICAL_ERROR,
                    "status " + std::to_string(early[k].status));
          ++stopped;
        }
      }
    }
  }
  std::printf("short runs: %d finished at the limit, %d stopped without an answer\n", finished_early, stopped);
}

// The crossover alone from points near x* (scores from x*: interior columns first) and from
// random points with random scores (a basis far from optimal, phase one first). Its answer must
// be a feasible vertex with the known optimal value, reduced costs of the right signs and
// c - A'y recomputed here.
TEST(crossover_from_rough_points) {
  const uint64_t seed = fresh_seed();
  std::printf("fresh seed %llu (LPLB_TEST_SEED to replay)\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0), sym(-1.0, 1.0);
  lplb::cpu::Crossover<double> crossover(30, 80);
  const double tolerance = 1e-11;
  for (int t = 0; t < 400; ++t) {
    const InternalLp lp = make_internal(rng);
    const bool rough = t % 2 == 1;
    context() = "seed " + std::to_string(seed) + ", LP " + std::to_string(t) + (rough ? ", random start" : ", near x*");
    CHECK(crossover.set_problem(lp.rows, lp.equalities, lp.columns, lp.start.data(), lp.row.data(), lp.value.data()));
    const int total = lp.columns + lp.rows;
    // A column's upper bound, logicals included: 0 for an equality row's, none for the others.
    auto upper_of = [&](int j) {
      return j < lp.columns ? lp.upper[j] : (j - lp.columns < lp.equalities ? 0.0 : INFINITY);
    };
    for (int j = 0; j < lp.columns; ++j) {
      crossover.cost()[j] = lp.c[j];
      crossover.upper()[j] = lp.upper[j];
    }
    for (int i = 0; i < lp.rows; ++i) crossover.rhs()[i] = lp.b[i];
    for (int j = 0; j < total; ++j) {
      const double x = j < lp.columns ? lp.x[j] : lp.slack[j - lp.columns];
      const double u = upper_of(j);
      const bool inside = x > 0 && x < u;
      crossover.value()[j] = rough ? 3 * unit(rng) : std::max(x + 1e-4 * sym(rng), 0.0);
      crossover.score()[j] = rough ? unit(rng) : (inside ? 0.9 : 0.1) + 0.05 * sym(rng);
    }
    if (!crossover.solve(tolerance, tolerance, 10 * total)) {
      CHECK_MSG(false, "no basic solution");
      continue;
    }
    const double* x = crossover.value();
    const double* y = crossover.row_dual();
    const double* reduced = crossover.reduced_cost();
    std::vector<double> residual(lp.b);
    double objective = 0;
    for (int j = 0; j < total; ++j) {
      const bool logical = j >= lp.columns;
      const double u = upper_of(j);
      CHECK_MSG(x[j] >= -1e-9 && x[j] <= u + 1e-9, "column " + std::to_string(j) + " outside its bounds");
      double d = logical ? -y[j - lp.columns] : lp.c[j];
      if (logical) {
        residual[j - lp.columns] -= x[j];
      } else {
        objective += lp.c[j] * x[j];
        for (int p = lp.start[j]; p < lp.start[j + 1]; ++p) {
          residual[lp.row[p]] -= lp.value[p] * x[j];
          d -= lp.value[p] * y[lp.row[p]];
        }
      }
      CHECK_NEAR(reduced[j], d, 1e-9);
      if (u == 0) continue;  // an equality row's logical: its multiplier is free
      if (x[j] > 1e-9) CHECK_MSG(d <= 1e-9, "column " + std::to_string(j) + " above 0 with reduced cost " + scientific(d));
      if (x[j] < u - 1e-9) CHECK_MSG(d >= -1e-9, "column " + std::to_string(j) + " below u with reduced cost " + scientific(d));
    }
    for (double r : residual) CHECK_MSG(std::fabs(r) <= 1e-9, "row residual " + scientific(r));
    CHECK_NEAR(objective, lp.optimum, 1e-9);
  }
}

// A problem larger than the buffers is refused before anything is written: more rows, or more
// structural columns, than the crossover was built for.
TEST(crossover_refuses_problems_larger_than_its_buffers) {
  lplb::cpu::Crossover<double> crossover(2, 3);
  const std::vector<int32_t> start{0, 1, 2, 3, 4}, row{0, 1, 0, 1};
  const std::vector<double> value{1, 1, 1, 1};
  CHECK(crossover.set_problem(2, 1, 3, start.data(), row.data(), value.data()));
  CHECK(!crossover.set_problem(3, 1, 3, start.data(), row.data(), value.data()));
  CHECK(!crossover.set_problem(2, 1, 4, start.data(), row.data(), value.data()));
}

LPLB_TEST_MAIN

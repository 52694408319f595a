// Shared pieces of the C++ tests: a dense LP container, a wrapper around the public C API, and
// independent checks of what the solver returns (KKT conditions, Farkas certificates, rays).
// Nothing here uses solver code: the checks are plain arithmetic on the original data.
#ifndef LPLB_TESTS_TEST_SUPPORT_H
#define LPLB_TESTS_TEST_SUPPORT_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lplb/ipm.h"
#include "lplb_group_lp.h"
#include "test_harness.h"

namespace lplb_test {

constexpr double kInf = INFINITY;

// minimise c'x  s.t.  a_eq x = b_eq,  a_ub x <= b_ub,  lower <= x <= upper  (row-major).
struct Lp {
  int n = 0, m_eq = 0, m_ub = 0;
  std::vector<double> c, a_eq, b_eq, a_ub, b_ub, lower, upper;

  Lp() = default;
  Lp(int vars, int equalities, int inequalities)
      : n(vars),
        m_eq(equalities),
        m_ub(inequalities),
        c(vars, 0.0),
        a_eq(static_cast<size_t>(equalities) * vars, 0.0),
        b_eq(equalities, 0.0),
        a_ub(static_cast<size_t>(inequalities) * vars, 0.0),
        b_ub(inequalities, 0.0),
        lower(vars, 0.0),
        upper(vars, kInf) {}

  double& eq(int i, int j) { return a_eq[static_cast<size_t>(i) * n + j]; }
  double& ub(int i, int j) { return a_ub[static_cast<size_t>(i) * n + j]; }
  double eq(int i, int j) const { return a_eq[static_cast<size_t>(i) * n + j]; }
  double ub(int i, int j) const { return a_ub[static_cast<size_t>(i) * n + j]; }
};

struct Result {
  lplb_error error = LPLB_OK;
  int status = -1;
  std::vector<double> x, y_eq, y_ub, z_lower, z_upper;
  double objective = 0, primal_residual = 0, dual_residual = 0, duality_gap = 0;
  int iterations = 0;
};

inline lplb_ipm_settings settings_for(lplb_precision precision) {
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(precision, &settings);
  return settings;
}

// The arrays of LPs of one shape laid end to end, as lplb_lp_batch reads them.
struct BatchArrays {
  std::vector<double> c, a_eq, b_eq, a_ub, b_ub, lower, upper;
};

inline BatchArrays concatenate(const std::vector<Lp>& lps) {
  BatchArrays a;
  for (const Lp& lp : lps) {
    a.c.insert(a.c.end(), lp.c.begin(), lp.c.end());
    a.a_eq.insert(a.a_eq.end(), lp.a_eq.begin(), lp.a_eq.end());
    a.b_eq.insert(a.b_eq.end(), lp.b_eq.begin(), lp.b_eq.end());
    a.a_ub.insert(a.a_ub.end(), lp.a_ub.begin(), lp.a_ub.end());
    a.b_ub.insert(a.b_ub.end(), lp.b_ub.begin(), lp.b_ub.end());
    a.lower.insert(a.lower.end(), lp.lower.begin(), lp.lower.end());
    a.upper.insert(a.upper.end(), lp.upper.begin(), lp.upper.end());
  }
  return a;
}

// Solves LPs of one shape in one batch through the public API.
inline std::vector<Result> solve_all(const std::vector<Lp>& lps, const lplb_ipm_settings& settings) {
  const Lp& first = lps.front();
  const int n = first.n, me = first.m_eq, mu = first.m_ub, count = static_cast<int>(lps.size());
  BatchArrays a = concatenate(lps);
  const size_t batch = lps.size();
  std::vector<int32_t> status(batch), iterations(batch);
  std::vector<double> x(batch * n), y_eq(batch * me), y_ub(batch * mu), z_lower(batch * n), z_upper(batch * n);
  std::vector<double> objective(batch), primal(batch), dual(batch), gap(batch);
  lplb_shape shape{n, me, mu};
  lplb_ipm_workspace* workspace = nullptr;
  std::vector<Result> results(batch);
  lplb_error error = lplb_ipm_workspace_create(&shape, &settings, &workspace);
  if (error == LPLB_OK) {
    lplb_lp_batch in{count, a.c.data(), me ? a.a_eq.data() : nullptr, me ? a.b_eq.data() : nullptr,
                     mu ? a.a_ub.data() : nullptr, mu ? a.b_ub.data() : nullptr, a.lower.data(), a.upper.data()};
    lplb_solution_batch out{status.data(),  x.data(),   y_eq.data(),   y_ub.data(),   z_lower.data(), z_upper.data(),
                            objective.data(), primal.data(), dual.data(), gap.data(), iterations.data()};
    error = lplb_ipm_solve_batch(workspace, &in, &out);
    lplb_ipm_workspace_destroy(workspace);
  }
  for (size_t b = 0; b < batch; ++b) {
    Result& r = results[b];
    r.error = error;
    if (error != LPLB_OK) continue;
    r.status = status[b];
    r.x.assign(x.begin() + b * n, x.begin() + (b + 1) * n);
    r.y_eq.assign(y_eq.begin() + b * me, y_eq.begin() + (b + 1) * me);
    r.y_ub.assign(y_ub.begin() + b * mu, y_ub.begin() + (b + 1) * mu);
    r.z_lower.assign(z_lower.begin() + b * n, z_lower.begin() + (b + 1) * n);
    r.z_upper.assign(z_upper.begin() + b * n, z_upper.begin() + (b + 1) * n);
    r.objective = objective[b];
    r.primal_residual = primal[b];
    r.dual_residual = dual[b];
    r.duality_gap = gap[b];
    r.iterations = iterations[b];
  }
  return results;
}

inline Result solve_one(const Lp& lp, lplb_precision precision = LPLB_PRECISION_FLOAT64) {
  return solve_all({lp}, settings_for(precision)).front();
}

// Violations of the optimality conditions of `r` for `lp`, each relative to the size of the
// data it involves. Written from the definitions, independently of the solver:
//   primal feasibility, dual feasibility with the sign convention of ipm.h
//   (c - A_eq'y_eq + A_ub'y_ub - z_lower + z_upper = 0, y_ub, z_lower, z_upper >= 0, and no
//   multiplier on an infinite bound), complementary slackness and the duality gap.
struct Kkt {
  double primal = 0, dual = 0, sign = 0, complementarity = 0, gap = 0;
  double worst() const { return std::max({primal, dual, sign, complementarity, gap}); }
};

inline Kkt kkt_violation(const Lp& lp, const Result& r) {
  Kkt k;
  const int n = lp.n;
  double b_scale = 1, c_scale = 1;
  for (double v : lp.b_eq) b_scale = std::max(b_scale, std::fabs(v));
  for (double v : lp.b_ub) b_scale = std::max(b_scale, std::fabs(v));
  for (double v : lp.c) c_scale = std::max(c_scale, std::fabs(v));
  double x_scale = 1;
  for (double v : r.x) x_scale = std::max(x_scale, std::fabs(v));
  std::vector<double> slack(lp.m_ub);
  for (int i = 0; i < lp.m_eq; ++i) {
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.eq(i, j) * r.x[j];
    k.primal = std::max(k.primal, std::fabs(ax - lp.b_eq[i]) / b_scale);
  }
  for (int i = 0; i < lp.m_ub; ++i) {
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.ub(i, j) * r.x[j];
    slack[i] = lp.b_ub[i] - ax;
    k.primal = std::max(k.primal, -slack[i] / b_scale);
  }
  for (int j = 0; j < n; ++j) {
    k.primal = std::max(k.primal, (lp.lower[j] - r.x[j]) / b_scale);
    k.primal = std::max(k.primal, (r.x[j] - lp.upper[j]) / b_scale);
  }
  double y_scale = 1;
  for (double v : r.y_eq) y_scale = std::max(y_scale, std::fabs(v));
  for (double v : r.y_ub) y_scale = std::max(y_scale, std::fabs(v));
  for (int j = 0; j < n; ++j) {
    double stationarity = lp.c[j] - r.z_lower[j] + r.z_upper[j];
    for (int i = 0; i < lp.m_eq; ++i) stationarity -= lp.eq(i, j) * r.y_eq[i];
    for (int i = 0; i < lp.m_ub; ++i) stationarity += lp.ub(i, j) * r.y_ub[i];
    k.dual = std::max(k.dual, std::fabs(stationarity) / c_scale);
    k.sign = std::max(k.sign, std::max(-r.z_lower[j], -r.z_upper[j]) / c_scale);
    if (!std::isfinite(lp.lower[j])) k.sign = std::max(k.sign, std::fabs(r.z_lower[j]) / c_scale);
    if (!std::isfinite(lp.upper[j])) k.sign = std::max(k.sign, std::fabs(r.z_upper[j]) / c_scale);
    if (std::isfinite(lp.lower[j])) {
      k.complementarity = std::max(k.complementarity, r.z_lower[j] * std::max(r.x[j] - lp.lower[j], 0.0) / (c_scale * x_scale));
    }
    if (std::isfinite(lp.upper[j])) {
      k.complementarity = std::max(k.complementarity, r.z_upper[j] * std::max(lp.upper[j] - r.x[j], 0.0) / (c_scale * x_scale));
    }
  }
  for (int i = 0; i < lp.m_ub; ++i) {
    k.sign = std::max(k.sign, -r.y_ub[i] / y_scale);
    k.complementarity = std::max(k.complementarity, r.y_ub[i] * std::max(slack[i], 0.0) / (y_scale * b_scale));
  }
  double primal_objective = 0, dual_objective = 0;
  for (int j = 0; j < n; ++j) primal_objective += lp.c[j] * r.x[j];
  for (int i = 0; i < lp.m_eq; ++i) dual_objective += lp.b_eq[i] * r.y_eq[i];
  for (int i = 0; i < lp.m_ub; ++i) dual_objective -= lp.b_ub[i] * r.y_ub[i];
  for (int j = 0; j < n; ++j) {
    if (std::isfinite(lp.lower[j])) dual_objective += lp.lower[j] * r.z_lower[j];
    if (std::isfinite(lp.upper[j])) dual_objective -= lp.upper[j] * r.z_upper[j];
  }
  k.gap = std::fabs(primal_objective - dual_objective) / (1 + std::fabs(primal_objective));
  return k;
}

// Residual of a Farkas certificate of primal infeasibility: (y_eq, y_ub >= 0, z_lower >= 0,
// z_upper >= 0) with A_eq'y_eq - A_ub'y_ub + z_lower - z_upper = 0 and
// b_eq'y_eq - b_ub'y_ub + lower'z_lower - upper'z_upper > 0. Returns the stationarity residual
// relative to that positive value (infinity when the value is not positive or a sign is wrong).
inline double farkas_violation(const Lp& lp, const Result& r) {
  double value = 0;
  for (int i = 0; i < lp.m_eq; ++i) value += lp.b_eq[i] * r.y_eq[i];
  for (int i = 0; i < lp.m_ub; ++i) value -= lp.b_ub[i] * r.y_ub[i];
  double scale = 0;
  for (int j = 0; j < lp.n; ++j) {
    if (r.z_lower[j] < 0 || r.z_upper[j] < 0) return kInf;
    if (!std::isfinite(lp.lower[j]) && r.z_lower[j] != 0) return kInf;
    if (!std::isfinite(lp.upper[j]) && r.z_upper[j] != 0) return kInf;
    if (std::isfinite(lp.lower[j])) value += lp.lower[j] * r.z_lower[j];
    if (std::isfinite(lp.upper[j])) value -= lp.upper[j] * r.z_upper[j];
  }
  for (double y : r.y_ub) {
    if (y < 0) return kInf;
  }
  if (!(value > 0)) return kInf;
  double worst = 0;
  for (int j = 0; j < lp.n; ++j) {
    double sum = r.z_lower[j] - r.z_upper[j], magnitude = std::fabs(r.z_lower[j]) + std::fabs(r.z_upper[j]);
    for (int i = 0; i < lp.m_eq; ++i) {
      sum += lp.eq(i, j) * r.y_eq[i];
      magnitude += std::fabs(lp.eq(i, j) * r.y_eq[i]);
    }
    for (int i = 0; i < lp.m_ub; ++i) {
      sum -= lp.ub(i, j) * r.y_ub[i];
      magnitude += std::fabs(lp.ub(i, j) * r.y_ub[i]);
    }
    worst = std::max(worst, std::fabs(sum));
    scale = std::max(scale, magnitude);
  }
  (void)scale;
  return worst / value;
}

// Residual of a ray d (in r.x) proving dual infeasibility: A_eq d = 0, A_ub d <= 0, d >= 0
// where the lower bound is finite, d <= 0 where the upper bound is finite, c'd < 0. Returns the
// largest violation relative to -c'd (infinity when c'd >= 0).
inline double ray_violation(const Lp& lp, const std::vector<double>& d) {
  double cd = 0;
  for (int j = 0; j < lp.n; ++j) cd += lp.c[j] * d[j];
  if (!(cd < 0)) return kInf;
  double worst = 0;
  for (int i = 0; i < lp.m_eq; ++i) {
    double ad = 0;
    for (int j = 0; j < lp.n; ++j) ad += lp.eq(i, j) * d[j];
    worst = std::max(worst, std::fabs(ad));
  }
  for (int i = 0; i < lp.m_ub; ++i) {
    double ad = 0;
    for (int j = 0; j < lp.n; ++j) ad += lp.ub(i, j) * d[j];
    worst = std::max(worst, ad);
  }
  for (int j = 0; j < lp.n; ++j) {
    if (std::isfinite(lp.lower[j])) worst = std::max(worst, -d[j]);
    if (std::isfinite(lp.upper[j])) worst = std::max(worst, d[j]);
  }
  return worst / -cd;
}

// ----------------------------------------------------------------------------------------
// Random LPs whose answer is known by construction.

struct Constructed {
  Lp lp;
  double optimal_objective = 0;  // meaningful for optimal ones
};

enum class BoundMix { kNonNegative, kMixed };

// An LP with a known optimal solution: pick x*, then multipliers that satisfy complementary
// slackness with it (a bound or row carries a positive multiplier only where x* is at it),
// then c from stationarity and b from x*. The optimal value is c'x*. `degenerate` also puts
// some x* at bounds with zero multiplier and makes some rows active with zero multiplier.
inline Constructed make_optimal(std::mt19937_64& rng, int n, int m_eq, int m_ub, BoundMix mix, bool degenerate) {
  std::uniform_real_distribution<double> unit(0.0, 1.0), sym(-1.0, 1.0);
  Constructed out{Lp(n, m_eq, m_ub), 0};
  Lp& lp = out.lp;
  std::vector<double> x(n), z_lower(n, 0.0), z_upper(n, 0.0);
  for (int j = 0; j < n; ++j) {
    const int kind = mix == BoundMix::kNonNegative ? 0 : static_cast<int>(unit(rng) * 5);
    double lo = 0, hi = kInf;
    if (kind == 1) {
      lo = -kInf;  // free
    } else if (kind == 2) {
      lo = -1 - 2 * unit(rng);
      hi = lo + 0.5 + 3 * unit(rng);
    } else if (kind == 3) {
      lo = -kInf;
      hi = 2 * sym(rng);
    } else if (kind == 4) {
      lo = sym(rng);
      hi = lo;  // fixed
    }
    lp.lower[j] = lo;
    lp.upper[j] = hi;
    // Where x* sits: at a finite bound (with a multiplier, or without one when degenerate) or
    // strictly inside.
    const double pick = unit(rng);
    const bool zero_multiplier = degenerate && unit(rng) < 0.3;
    if (lo == hi) {
      x[j] = lo;
      (sym(rng) > 0 ? z_lower : z_upper)[j] = zero_multiplier ? 0.0 : unit(rng);
    } else if (std::isfinite(lo) && pick < 0.4) {
      x[j] = lo;
      z_lower[j] = zero_multiplier ? 0.0 : 0.1 + unit(rng);
    } else if (std::isfinite(hi) && pick > 0.6) {
      x[j] = hi;
      z_upper[j] = zero_multiplier ? 0.0 : 0.1 + unit(rng);
    } else {
      const double from = std::isfinite(lo) ? lo : (std::isfinite(hi) ? hi - 3 : -2);
      const double to = std::isfinite(hi) ? hi : from + 3;
      x[j] = from + (to - from) * (0.1 + 0.8 * unit(rng));
    }
  }
  std::vector<double> y_eq(m_eq), y_ub(m_ub);
  for (double& a : lp.a_eq) a = sym(rng);
  for (double& a : lp.a_ub) a = sym(rng);
  for (int i = 0; i < m_eq; ++i) {
    y_eq[i] = 2 * sym(rng);
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.eq(i, j) * x[j];
    lp.b_eq[i] = ax;
  }
  for (int i = 0; i < m_ub; ++i) {
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.ub(i, j) * x[j];
    const bool active = unit(rng) < 0.5;
    y_ub[i] = active && !(degenerate && unit(rng) < 0.3) ? 0.1 + unit(rng) : 0.0;
    lp.b_ub[i] = active ? ax : ax + 0.1 + unit(rng);
  }
  for (int j = 0; j < n; ++j) {
    double c = z_lower[j] - z_upper[j];
    for (int i = 0; i < m_eq; ++i) c += lp.eq(i, j) * y_eq[i];
    for (int i = 0; i < m_ub; ++i) c -= lp.ub(i, j) * y_ub[i];
    lp.c[j] = c;
    out.optimal_objective += c * x[j];
  }
  return out;
}

// An infeasible LP: random rows around a point, plus two inequality rows that contradict each
// other (a'x <= beta and a'x >= beta + gap), so no x satisfies them.
inline Lp make_infeasible(std::mt19937_64& rng, int n, int m_eq, int m_ub) {
  std::uniform_real_distribution<double> unit(0.0, 1.0), sym(-1.0, 1.0);
  Constructed base = make_optimal(rng, n, m_eq, m_ub, BoundMix::kMixed, false);
  Lp lp = base.lp;
  Lp out(n, m_eq, m_ub + 2);
  out.c = lp.c;
  out.a_eq = lp.a_eq;
  out.b_eq = lp.b_eq;
  out.lower = lp.lower;
  out.upper = lp.upper;
  std::copy(lp.a_ub.begin(), lp.a_ub.end(), out.a_ub.begin());
  std::copy(lp.b_ub.begin(), lp.b_ub.end(), out.b_ub.begin());
  double beta = sym(rng);
  for (int j = 0; j < n; ++j) {
    const double a = sym(rng);
    out.ub(m_ub, j) = a;
    out.ub(m_ub + 1, j) = -a;
  }
  out.b_ub[m_ub] = beta;
  out.b_ub[m_ub + 1] = -(beta + 0.5 + unit(rng));
  return out;
}

// A feasible LP with an improving ray d: rows are made orthogonal to d (equalities) or
// non-increasing along it (inequalities), bounds allow it, and c'd < 0.
inline Lp make_unbounded(std::mt19937_64& rng, int n, int m_eq, int m_ub) {
  std::uniform_real_distribution<double> unit(0.0, 1.0), sym(-1.0, 1.0);
  Lp lp(n, m_eq, m_ub);
  std::vector<double> d(n), x(n);
  for (int j = 0; j < n; ++j) {
    const double pick = unit(rng);
    if (pick < 0.4) {
      d[j] = unit(rng);  // lower bound only
      lp.lower[j] = -unit(rng);
      lp.upper[j] = kInf;
      x[j] = lp.lower[j] + unit(rng);
    } else if (pick < 0.6) {
      d[j] = -unit(rng);  // upper bound only
      lp.lower[j] = -kInf;
      lp.upper[j] = unit(rng);
      x[j] = lp.upper[j] - unit(rng);
    } else if (pick < 0.8) {
      d[j] = sym(rng);  // free
      lp.lower[j] = -kInf;
      lp.upper[j] = kInf;
      x[j] = sym(rng);
    } else {
      d[j] = 0;  // boxed
      lp.lower[j] = -1;
      lp.upper[j] = 1;
      x[j] = sym(rng);
    }
  }
  d[0] = 1;  // a lower-bounded variable that certainly moves
  lp.lower[0] = 0;
  lp.upper[0] = kInf;
  x[0] = unit(rng);
  double dd = 0;
  for (double v : d) dd += v * v;
  for (int i = 0; i < m_eq; ++i) {
    double ad = 0;
    for (int j = 0; j < n; ++j) ad += (lp.eq(i, j) = sym(rng)) * d[j];
    for (int j = 0; j < n; ++j) lp.eq(i, j) -= ad / dd * d[j];  // orthogonal to d
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.eq(i, j) * x[j];
    lp.b_eq[i] = ax;
  }
  for (int i = 0; i < m_ub; ++i) {
    double ad = 0;
    for (int j = 0; j < n; ++j) ad += (lp.ub(i, j) = sym(rng)) * d[j];
    if (ad > 0)
      for (int j = 0; j < n; ++j) lp.ub(i, j) = -lp.ub(i, j);
    double ax = 0;
    for (int j = 0; j < n; ++j) ax += lp.ub(i, j) * x[j];
    lp.b_ub[i] = ax + unit(rng);
  }
  double cd = 0;
  for (int j = 0; j < n; ++j) cd += (lp.c[j] = sym(rng)) * d[j];
  const double shift = (cd + 0.5 + unit(rng)) / dd;  // makes c'd = -(0.5 + u)
  for (int j = 0; j < n; ++j) lp.c[j] -= shift * d[j];
  return lp;
}

// ----------------------------------------------------------------------------------------
// The LPLB min-max LP of one redundancy group (reference section 3.4), as an Lp.

inline Lp make_lplb(const std::vector<int>& r2o, int ranks, int slots, const std::vector<double>& w,
                    const std::vector<double>& f) {
  Lp lp(ranks * slots + 1, 0, ranks);
  lplb_group_lp::fill_lplb_lp(r2o.data(), ranks, slots, w.data(), f.data(), lp.c.data(), lp.a_ub.data(),
                              lp.b_ub.data(), lp.lower.data(), lp.upper.data());
  return lp;
}

using lplb_group_lp::cube_r2o;

inline void random_loads(std::mt19937_64& rng, int ranks, int slots, std::vector<double>* w, std::vector<double>* f) {
  w->assign(static_cast<size_t>(ranks) * slots, 0.0);
  f->assign(ranks, 0.0);
  lplb_group_lp::random_loads(rng, ranks, slots, w->data(), f->data());
}

inline std::string seed_context(uint64_t seed, int index) {
  return "seed " + std::to_string(seed) + ", case " + std::to_string(index);
}

}  // namespace lplb_test

#endif  // LPLB_TESTS_TEST_SUPPORT_H

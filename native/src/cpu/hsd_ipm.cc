// Homogeneous self-dual embedding (Xu-Hung-Ye, Andersen-Andersen) of the internal problem of
// hsd_problem.cc, solved by a Mehrotra predictor-corrector method on dense normal equations.
//
// The embedding adds tau, kappa >= 0 and looks for a point where
//
//     Fp = A x - b tau = 0,   Fu = x_B + w - u tau = 0,   Fd = A'y - E'v + z - c tau = 0,
//     Fg = c'x - b'y + u'v + kappa = 0,   x z = 0,  w v = 0,  tau kappa = 0.
//
// tau > 0 at the end gives an optimal solution (x, y, z, v) / tau; kappa > 0 gives a
// certificate of primal infeasibility (b'y - u'v > 0) or of dual infeasibility (c'x < 0).
// Every Newton system reduces to [-D A'; A 0] [p; q] = [f; g] with D = Z/X + V/W, solved
// through a regularised normal matrix plus iterative refinement; the tau column is one more
// such solve per iteration.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/dense.h"
#include "cpu/hsd_ipm.h"

namespace lplb {
namespace cpu {
namespace {

// Fraction of the way to the boundary taken by a step.
constexpr double kStepFactor = 0.99;
// Refinement of the Newton systems starts once mu (relative to its start at 1) is below this.
constexpr double kRefineBelowMu = 1e-2;
// Steps shorter than this, kStallSteps times in a row, end the iterations as stalled.
constexpr double kTinyStep = 1e-6;
constexpr int kStallSteps = 8;
// The best iterate of a run that ends without converging is polished when its optimality
// measure is below this; a measure this many times above that best ends the run.
constexpr double kPolishThreshold = 1e-3;
constexpr double kRegression = 1e3;
// The crossover's feasibility and optimality tolerances, as a fraction of the tolerance (with a
// floor near the rounding of its float64 arithmetic), and its simplex steps per column.
constexpr double kCrossoverTolerance = 1e-2;
constexpr double kCrossoverToleranceFloor = 1e-13;
constexpr int kCrossoverPivotsPerColumn = 10;
// Polish is also tried on an improving iterate below this measure, at most so many times.
constexpr double kEarlyPolish = 1e-1;
constexpr int kMaxEarlyPolishes = 3;
// Fraction of the tolerance the internal measures must reach.
constexpr double kToleranceMargin = 0.5;
// Residuals within this factor of the tolerance are checked against the rounding allowance.
constexpr double kRoundingWindow = 1e3;
// Largest starting multiplier of a narrow box.
constexpr double kMaxStartMultiplier = 1e3;

// True when every value is finite; one pass without branches (x * 0 is 0 unless x is inf or
// NaN, which turn the sum into NaN).
template <typename T>
bool all_finite(const T* values, int count) {
  T sum = 0;
  for (int k = 0; k < count; ++k) sum += values[k] * T(0);
  return sum == T(0);
}

// Rounding allowance of a sum of `terms` products in T: a few units in the last place.
template <typename T>
T rounding_allowance(int terms) {
  return (T(2) + std::sqrt(static_cast<T>(terms))) * std::numeric_limits<T>::epsilon();
}

}  // namespace

template <typename T>
void HsdIpm<T>::initial_point() {
  const int nc = nc_, N = N_;
  for (int k = 0; k < N; ++k) {
    x_[k] = 1;
    z_[k] = 1;
  }
  int pairs = 1 + N;  // tau kappa, x z
  // Boxed columns start with x + w = u exactly, so Fu stays zero throughout (every residual
  // of the embedding shrinks by the same factor each step); a narrow box starts in its middle
  // with multipliers that keep x z = w v = 1 (capped), so the point stays centred.
  for (int k = 0; k < nc; ++k) {
    if (kind_[k] != kBoxed) {
      w_[k] = 0;
      v_[k] = 0;
      continue;
    }
    const T width = width_[k];
    const bool narrow = width <= T(2);
    x_[k] = narrow ? width / 2 : T(1);
    w_[k] = width - x_[k];
    const T multiplier = min_of(T(1) / min_of(x_[k], w_[k]), static_cast<T>(kMaxStartMultiplier));
    z_[k] = narrow ? multiplier : T(1);
    v_[k] = narrow ? multiplier : T(1);
    ++pairs;
  }
  for (int i = 0; i < m_; ++i) y_[i] = 0;
  tau_ = 1;
  kappa_ = 1;
  complementarity_pairs_ = pairs;
}

// Fp, Fu, Fd, Fg and the objectives c'x and b'y - u'v at the current iterate.
template <typename T>
void HsdIpm<T>::compute_residuals() {
  const int nc = nc_, m = m_, me = m_eq_;
  const T tau = tau_;
  multiply(x_.data(), fp_.data());
  for (int i = 0; i < m; ++i) fp_[i] -= b_[i] * tau;
  for (int i = me; i < m; ++i) fp_[i] += x_[nc + i - me];
  for (int k = 0; k < nc; ++k) {
    fu_[k] = box_[k] * (x_[k] + w_[k] - width_[k] * tau);
    fd_[k] = z_[k] - v_[k] - c_[k] * tau;
  }
  multiply_transpose_add(y_.data(), T(1), fd_.data());
  for (int i = 0; i < m_ub_; ++i) fd_[nc + i] = y_[me + i] + z_[nc + i];
  primal_objective_ = dot(c_.data(), x_.data(), nc);
  dual_objective_ = dot(b_.data(), y_.data(), m) - dot(width_.data(), v_.data(), nc);
  fg_ = primal_objective_ - dual_objective_ + kappa_;
}

// out = A x over the structural columns (all rows).
template <typename T>
void HsdIpm<T>::multiply(const T* x, T* out) const {
  const int nc = nc_, m = m_;
  if (sparse_) {
    for (int i = 0; i < m; ++i) {
      T sum = 0;
      for (int p = csr_start_[i]; p < csr_start_[i + 1]; ++p) sum += csr_value_[p] * x[csr_column_[p]];
      out[i] = sum;
    }
  } else {
    for (int i = 0; i < m; ++i) out[i] = dot(a_.data() + static_cast<size_t>(i) * nc, x, nc);
  }
}

// out += alpha A'y over the structural columns.
template <typename T>
void HsdIpm<T>::multiply_transpose_add(const T* y, T alpha, T* out) const {
  const int nc = nc_, m = m_;
  if (sparse_) {
    for (int k = 0; k < nc; ++k) {
      T sum = 0;
      for (int p = csc_start_[k]; p < csc_start_[k + 1]; ++p) sum += csc_value_[p] * y[csc_row_[p]];
      out[k] += alpha * sum;
    }
  } else {
    for (int i = 0; i < m; ++i) axpy(alpha * y[i], a_.data() + static_cast<size_t>(i) * nc, out, nc);
  }
}

template <typename T>
T HsdIpm<T>::complementarity() const {
  T sum = tau_ * kappa_ + dot(x_.data(), z_.data(), N_) + dot(w_.data(), v_.data(), nc_);
  return sum;
}

// Dual residual of column k; a free variable has no bound multiplier, so for its two halves
// the z is part of the residual.
template <typename T>
T HsdIpm<T>::dual_residual(int k) const {
  return k < nc_ && kind_[k] == kSplitFree ? fd_[k] - z_[k] : fd_[k];
}

// |c'x - b'y + u'v| / tau relative to 1 + |c'x / tau|, in the caller's units (the offset of the
// shifted bounds cancels in the difference and is left out of it).
template <typename T>
T HsdIpm<T>::objective_gap() const {
  const T objective_scale = static_cast<T>(cost_scale_ * rhs_scale_);
  const T pobj = objective_scale * primal_objective_ / tau_ + static_cast<T>(objective_offset_);
  return objective_scale * std::fabs(primal_objective_ - dual_objective_) / tau_ / (1 + std::fabs(pobj));
}

// True when the iterate is optimal (to the tolerance, measured as in the report) or an
// infeasibility certificate; *status says which. *merit is the optimality measure.
template <typename T>
bool HsdIpm<T>::check_termination(lplb_status* status, T* merit) {
  // Half the tolerance: the report recomputes the measures in float64 from the mapped-back
  // point (bounds clipped, y_ub clipped at zero), which can move them by a little.
  const T tol = static_cast<T>(kToleranceMargin * options_.tolerance);
  T primal = 0, dual = 0;
  for (int i = 0; i < m_; ++i) primal = max_of(primal, std::fabs(fp_[i]) * row_weight_[i]);
  for (int k = 0; k < nc_; ++k) primal = max_of(primal, std::fabs(fu_[k]) * width_weight_[k]);
  for (int k = 0; k < N_; ++k) dual = max_of(dual, std::fabs(dual_residual(k)) * column_weight_[k]);
  primal /= tau_;
  dual /= tau_;
  const T gap = objective_gap();
  *merit = max_of(primal, max_of(dual, gap));
  if (*merit <= tol || (*merit <= static_cast<T>(kRoundingWindow) * tol && within_rounding(tol))) {
    *status = LPLB_STATUS_OPTIMAL;
    return true;
  }
  // Farkas certificate: A'y - E'v + z = 0 with b'y - u'v > 0 proves the primal infeasible.
  farkas_ratio_ = std::numeric_limits<T>::infinity();
  ray_ratio_ = std::numeric_limits<T>::infinity();
  if (dual_objective_ > 0) {
    const T bound = infeasibility_tolerance_ * dual_objective_;
    T residual = 0;
    for (int k = 0; k < N_; ++k) residual = max_of(residual, std::fabs(fd_[k] + c_[k] * tau_));
    farkas_ratio_ = residual / dual_objective_;
    if (residual <= bound ||
        (residual <= static_cast<T>(kRoundingWindow) * bound && farkas_within_rounding(bound))) {
      *status = LPLB_STATUS_PRIMAL_INFEASIBLE;
      return true;
    }
  }
  // Ray: A x = 0, x_B + w = 0 with c'x < 0 proves the dual infeasible.
  if (primal_objective_ < 0) {
    const T bound = infeasibility_tolerance_ * -primal_objective_;
    T residual = 0;
    for (int i = 0; i < m_; ++i) residual = max_of(residual, std::fabs(fp_[i] + b_[i] * tau_));
    for (int k = 0; k < nc_; ++k) residual = max_of(residual, std::fabs(fu_[k] + width_[k] * tau_));
    ray_ratio_ = residual / -primal_objective_;
    if (residual <= bound || (residual <= static_cast<T>(kRoundingWindow) * bound && ray_within_rounding(bound))) {
      *status = LPLB_STATUS_DUAL_INFEASIBLE;
      return true;
    }
  }
  return false;
}

// True when every residual and the gap are within the tolerance once the rounding error of
// computing them in T is allowed for: each may exceed its bound by a few units in the last
// place of the magnitudes summed. In float64 the allowance is negligible; in float32 it is
// what tells a converged iterate from one that can still improve.
template <typename T>
bool HsdIpm<T>::within_rounding(T tol) {
  const int nc = nc_, m = m_, me = m_eq_, N = N_;
  const T allowance = rounding_allowance<T>(nc + m);
  const T* a = a_.data();
  for (int i = 0; i < m; ++i) {
    const T* row = a + static_cast<size_t>(i) * nc;
    T magnitude = std::fabs(b_[i]) * tau_ + (i >= me ? x_[nc + i - me] : T(0));
    for (int k = 0; k < nc; ++k) magnitude += std::fabs(row[k]) * x_[k];
    if ((std::fabs(fp_[i]) - allowance * magnitude) * row_weight_[i] > tol * tau_) return false;
  }
  for (int k = 0; k < nc; ++k) {
    const T magnitude = x_[k] + w_[k] + width_[k] * tau_;
    if ((std::fabs(fu_[k]) - allowance * magnitude) * width_weight_[k] > tol * tau_) return false;
  }
  T* magnitude = tmp_n_.data();
  for (int k = 0; k < nc; ++k) magnitude[k] = z_[k] + v_[k] + std::fabs(c_[k]) * tau_;
  for (int i = 0; i < m; ++i) {
    const T* row = a + static_cast<size_t>(i) * nc;
    const T weight = std::fabs(y_[i]);
    for (int k = 0; k < nc; ++k) magnitude[k] += std::fabs(row[k]) * weight;
  }
  for (int k = 0; k < N; ++k) {
    const T column_magnitude = k < nc ? magnitude[k] : std::fabs(y_[me + k - nc]) + z_[k];
    if ((std::fabs(dual_residual(k)) - allowance * column_magnitude) * column_weight_[k] > tol * tau_) return false;
  }
  T gap_magnitude = 0;
  for (int k = 0; k < nc; ++k) gap_magnitude += std::fabs(c_[k]) * x_[k] + width_[k] * v_[k];
  for (int i = 0; i < m; ++i) gap_magnitude += std::fabs(b_[i] * y_[i]);
  const T objective_scale = static_cast<T>(cost_scale_ * rhs_scale_);
  const T pobj = objective_scale * primal_objective_ / tau_ + static_cast<T>(objective_offset_);
  const T gap_excess = std::fabs(primal_objective_ - dual_objective_) - allowance * gap_magnitude;
  return objective_scale * gap_excess / tau_ / (1 + std::fabs(pobj)) <= tol;
}

// Farkas residual A'y - E'v + z within `bound` once rounding of its terms is allowed for.
template <typename T>
bool HsdIpm<T>::farkas_within_rounding(T bound) {
  const int nc = nc_, m = m_, me = m_eq_, N = N_;
  const T allowance = rounding_allowance<T>(nc + m);
  T* magnitude = tmp_n_.data();
  for (int k = 0; k < nc; ++k) magnitude[k] = z_[k] + v_[k] + std::fabs(c_[k]) * tau_;
  for (int i = 0; i < m; ++i) {
    const T* row = a_.data() + static_cast<size_t>(i) * nc;
    const T weight = std::fabs(y_[i]);
    for (int k = 0; k < nc; ++k) magnitude[k] += std::fabs(row[k]) * weight;
  }
  for (int k = 0; k < N; ++k) {
    const T column_magnitude = k < nc ? magnitude[k] : std::fabs(y_[me + k - nc]) + z_[k];
    if (std::fabs(fd_[k] + c_[k] * tau_) - allowance * column_magnitude > bound) return false;
  }
  return true;
}

// Ray residuals A x and x_B + w within `bound` once rounding of their terms is allowed for.
template <typename T>
bool HsdIpm<T>::ray_within_rounding(T bound) {
  const int nc = nc_, m = m_, me = m_eq_;
  const T allowance = rounding_allowance<T>(nc + m);
  for (int i = 0; i < m; ++i) {
    const T* row = a_.data() + static_cast<size_t>(i) * nc;
    T magnitude = std::fabs(b_[i]) * tau_ + (i >= me ? x_[nc + i - me] : T(0));
    for (int k = 0; k < nc; ++k) magnitude += std::fabs(row[k]) * x_[k];
    if (std::fabs(fp_[i] + b_[i] * tau_) - allowance * magnitude > bound) return false;
  }
  for (int k = 0; k < nc; ++k) {
    const T magnitude = x_[k] + w_[k] + width_[k] * tau_;
    if (std::fabs(fu_[k] + width_[k] * tau_) - allowance * magnitude > bound) return false;
  }
  return true;
}

// Forms and factors the normal matrix for the current scaling D = Z/X + V/W.
template <typename T>
bool HsdIpm<T>::factor() {
  const int nc = nc_, m = m_, me = m_eq_, mu = m_ub_, N = N_;
  const T rho = regularization_primal_, delta = regularization_dual_;
  for (int k = 0; k < N; ++k) {
    inv_x_[k] = T(1) / x_[k];
    zx_[k] = z_[k] * inv_x_[k];
  }
  for (int k = 0; k < nc; ++k) {
    inv_w_[k] = kind_[k] == kBoxed ? T(1) / w_[k] : T(0);
    vw_[k] = v_[k] * inv_w_[k];
  }
  for (int k = 0; k < N; ++k) d_[k] = zx_[k] + (k < nc ? vw_[k] : T(0));
  for (int k = 0; k < N; ++k) theta_[k] = T(1) / (d_[k] + rho);
  if (!all_finite(d_.data(), N)) return false;
  T* normal = normal_.data();
  if (form_ == NormalForm::kRows) {
    // M = A_x Theta_x A_x' + Theta_s (inequality rows) + delta I, lower triangle.
    if (sparse_) {
      // Sum of theta_k a_k a_k' over the columns, touching only their nonzeros.
      for (int i = 0; i < m; ++i)
        for (int j = 0; j <= i; ++j) normal[i * m + j] = 0;
      for (int k = 0; k < nc; ++k) {
        const int begin = csc_start_[k], end = csc_start_[k + 1];
        for (int p = begin; p < end; ++p) {
          const T scaled = csc_value_[p] * theta_[k];
          T* row = normal + static_cast<size_t>(csc_row_[p]) * m;
          for (int q = begin; q <= p; ++q) row[csc_row_[q]] += scaled * csc_value_[q];
        }
      }
    } else {
      for (int i = 0; i < m; ++i) {
        const T* row = a_.data() + static_cast<size_t>(i) * nc;
        T* out = scaled_.data() + static_cast<size_t>(i) * nc;
        for (int k = 0; k < nc; ++k) out[k] = row[k] * theta_[k];
      }
      for (int i = 0; i < m; ++i) {
        const T* row_i = a_.data() + static_cast<size_t>(i) * nc;
        for (int j = 0; j <= i; ++j) normal[i * m + j] = dot(row_i, scaled_.data() + static_cast<size_t>(j) * nc, nc);
      }
    }
    for (int i = 0; i < m; ++i) normal[i * m + i] += delta + (i >= me ? theta_[nc + i - me] : T(0));
    cholesky_factor(normal, inv_diag_.data(), m, pivot_floor_);
  } else {
    // K = D_x + rho + A_ub' (Ds + rho) A_ub, lower triangle (no equality rows in this form).
    if (sparse_) {
      for (int k = 0; k < nc; ++k)
        for (int l = 0; l <= k; ++l) normal[k * nc + l] = 0;
      for (int i = 0; i < mu; ++i) {
        const T weight = d_[nc + i] + rho;
        const int begin = csr_start_[i], end = csr_start_[i + 1];
        for (int p = begin; p < end; ++p) {
          const T scaled = csr_value_[p] * weight;
          T* row = normal + static_cast<size_t>(csr_column_[p]) * nc;
          for (int q = begin; q <= p; ++q) row[csr_column_[q]] += scaled * csr_value_[q];
        }
      }
    } else {
      for (int k = 0; k < nc; ++k) {
        const T* col = at_.data() + static_cast<size_t>(k) * m;
        T* out = scaled_.data() + static_cast<size_t>(k) * mu;
        for (int i = 0; i < mu; ++i) out[i] = col[i] * (d_[nc + i] + rho);
      }
      for (int k = 0; k < nc; ++k) {
        const T* col_k = at_.data() + static_cast<size_t>(k) * m;
        for (int l = 0; l <= k; ++l) normal[k * nc + l] = dot(col_k, scaled_.data() + static_cast<size_t>(l) * mu, mu);
      }
    }
    for (int k = 0; k < nc; ++k) normal[k * nc + k] += d_[k] + rho;
    cholesky_factor(normal, inv_diag_.data(), nc, pivot_floor_);
  }
  return true;
}

// One solve of the regularised reduced system [-D A'; A 0] [p; q] = [f; g] with the factors.
template <typename T>
void HsdIpm<T>::base_solve(const T* f, const T* g, T* p, T* q) {
  const int nc = nc_, m = m_, me = m_eq_, mu = m_ub_;
  T* work = work_m_.data();
  if (form_ == NormalForm::kRows) {
    // q = M^-1 (g + A Theta f),  p = Theta (A'q - f).
    T* t = tmp_n_.data();
    for (int k = 0; k < nc; ++k) t[k] = theta_[k] * f[k];
    multiply(t, q);
    for (int i = 0; i < m; ++i) q[i] += g[i];
    for (int i = 0; i < mu; ++i) q[me + i] += theta_[nc + i] * f[nc + i];
    cholesky_solve(normal_.data(), inv_diag_.data(), q, m);
    for (int k = 0; k < nc; ++k) p[k] = -f[k];
    multiply_transpose_add(q, T(1), p);
    for (int k = 0; k < nc; ++k) p[k] *= theta_[k];
    for (int i = 0; i < mu; ++i) p[nc + i] = theta_[nc + i] * (q[me + i] - f[nc + i]);
  } else {
    // K p_x = A_ub'(Ds g + f_s) - f_x,  p_s = g - A_ub p_x,  q = f_s + Ds p_s.
    const T rho = regularization_primal_;
    for (int i = 0; i < mu; ++i) work[i] = (d_[nc + i] + rho) * g[i] + f[nc + i];
    for (int k = 0; k < nc; ++k) p[k] = -f[k];
    multiply_transpose_add(work, T(1), p);
    cholesky_solve(normal_.data(), inv_diag_.data(), p, nc);
    multiply(p, work);
    for (int i = 0; i < mu; ++i) {
      const T slack = g[i] - work[i];
      p[nc + i] = slack;
      q[i] = f[nc + i] + (d_[nc + i] + rho) * slack;
    }
  }
}

// Solves [-D A'; A 0] [p; q] = [f; g] for the unregularised D by the regularised factorisation
// and refinement_steps_ steps of iterative refinement.
template <typename T>
void HsdIpm<T>::solve_augmented(const T* f, const T* g, T* p, T* q) {
  const int nc = nc_, m = m_, me = m_eq_, mu = m_ub_, N = N_;
  base_solve(f, g, p, q);
  for (int step = 0; step < refinement_steps_; ++step) {
    // rf = f - (-D p + A'q),  rg = g - A p.
    T* rf = rf_.data();
    T* rg = rg_.data();
    for (int k = 0; k < nc; ++k) rf[k] = f[k] + d_[k] * p[k];
    multiply_transpose_add(q, T(-1), rf);
    for (int i = 0; i < mu; ++i) rf[nc + i] = f[nc + i] + d_[nc + i] * p[nc + i] - q[me + i];
    multiply(p, rg);
    for (int i = 0; i < m; ++i) rg[i] = g[i] - rg[i];
    for (int i = 0; i < mu; ++i) rg[me + i] -= p[nc + i];
    base_solve(rf, rg, ep_.data(), eq_.data());
    for (int k = 0; k < N; ++k) p[k] += ep_[k];
    for (int i = 0; i < m; ++i) q[i] += eq_[i];
  }
}

// Solution [p1; q1] for the tau column, [-D A'; A 0] [p1; q1] = [c - E'(V/W)u; b], and the
// denominator of dtau. A boxed column near its upper bound (V/W large) is solved for p1 - u
// instead, whose right-hand side carries Z/X u (small there) in place of V/W u.
template <typename T>
bool HsdIpm<T>::solve_tau_column() {
  const int nc = nc_, m = m_, N = N_;
  T* shift = p1_over_.data();  // becomes p1 - u below
  for (int k = 0; k < nc; ++k) {
    const bool near_upper = kind_[k] == kBoxed && w_[k] < x_[k];
    shift[k] = near_upper ? width_[k] : T(0);
    c_hat_[k] = c_[k] + (near_upper ? zx_[k] : -vw_[k]) * width_[k];
  }
  for (int k = nc; k < N; ++k) c_hat_[k] = 0;
  multiply(shift, tau_rhs_.data());
  for (int i = 0; i < m; ++i) tau_rhs_[i] = b_[i] - tau_rhs_[i];
  solve_augmented(c_hat_.data(), tau_rhs_.data(), p1_.data(), q1_.data());
  for (int k = 0; k < nc; ++k) {
    const T solved = p1_[k];
    const bool shifted = shift[k] != T(0);
    p1_[k] = solved + shift[k];
    p1_over_[k] = box_[k] * (shifted ? solved : solved - width_[k]);
  }
  // c'p1 + u'(V/W)p1_B - b'q1 - u'(V/W)u - kappa/tau, written as the negative sum of squares
  // it equals for an exact p1: no cancellation between terms that grow like V/W.
  T weighted = 0;
  for (int k = 0; k < N; ++k) weighted += zx_[k] * p1_[k] * p1_[k];
  for (int k = 0; k < nc; ++k) weighted += vw_[k] * p1_over_[k] * p1_over_[k];
  tau_denominator_ = -weighted - kappa_ / tau_;
  return std::isfinite(tau_denominator_) && tau_denominator_ < 0;
}

// Newton direction for residual reduction `eta` and centring target `sigma_mu`; `corrector`
// (0 or 1) adds Mehrotra's second-order term from the stored affine direction.
template <typename T>
bool HsdIpm<T>::direction(T eta, T sigma_mu, T corrector) {
  const int nc = nc_, m = m_, N = N_;
  // Local restrict pointers: the members' arrays never overlap, which the compiler cannot see
  // through `this`, and without which it would not vectorise these loops.
  const T* __restrict x = x_.data();
  const T* __restrict z = z_.data();
  const T* __restrict w = w_.data();
  const T* __restrict v = v_.data();
  const T* __restrict inv_x = inv_x_.data();
  const T* __restrict inv_w = inv_w_.data();
  const T* __restrict box = box_.data();
  const T* __restrict fd = fd_.data();
  const T* __restrict fu = fu_.data();
  const T* __restrict dx_aff = dx_aff_.data();
  const T* __restrict dz_aff = dz_aff_.data();
  const T* __restrict dw_aff = dw_aff_.data();
  const T* __restrict dv_aff = dv_aff_.data();
  const T* __restrict p1 = p1_.data();
  const T* __restrict p2 = p2_.data();
  const T* __restrict width = width_.data();
  T* __restrict rxz = rxz_.data();
  T* __restrict rhs_d = rhs_d_.data();
  T* __restrict rwv = rwv_.data();
  T* __restrict ru = ru_.data();
  T* __restrict folded = folded_.data();
  for (int k = 0; k < N; ++k) {
    rxz[k] = sigma_mu - x[k] * z[k] - corrector * dx_aff[k] * dz_aff[k];
    rhs_d[k] = -eta * fd[k] - rxz[k] * inv_x[k];
  }
  for (int k = 0; k < nc; ++k) {
    rwv[k] = box[k] * (sigma_mu - w[k] * v[k] - corrector * dw_aff[k] * dv_aff[k]);
    ru[k] = -eta * fu[k];
    folded[k] = (rwv[k] - v[k] * ru[k]) * inv_w[k];
  }
  rtk_ = sigma_mu - tau_ * kappa_ - corrector * dtau_aff_ * dkappa_aff_;
  // dtau from the gap equation, in the form that for exact p1, p2 equals
  //   (R_g - u'W^-1(R_wv - V R_u) - R_tk/tau - (c + E'(V/W)u)'p2 + b'q2) / tau_denominator
  // but has no terms growing like Z/X or V/W that cancel.
  T numerator = -eta * fg_ - rtk_ / tau_ + eta * dot(q1_.data(), fp_.data(), m) + dot(p1, rhs_d, N) +
                dot(p1_over_.data(), folded, nc);
  for (int k = 0; k < nc; ++k) rhs_d[k] += folded[k];
  for (int i = 0; i < m; ++i) tmp_m_[i] = -eta * fp_[i];
  solve_augmented(rhs_d, tmp_m_.data(), p2_.data(), q2_.data());
  const T* __restrict zx = zx_.data();
  const T* __restrict vw = vw_.data();
  const T* __restrict p1_over = p1_over_.data();
  T curvature = 0;
  for (int k = 0; k < N; ++k) curvature += zx[k] * p1[k] * p2[k];
  for (int k = 0; k < nc; ++k) curvature += vw[k] * p1_over[k] * p2[k];
  numerator += 2 * curvature;
  const T dtau = numerator / tau_denominator_;
  dtau_ = dtau;
  T* __restrict dx = dx_.data();
  T* __restrict dz = dz_.data();
  T* __restrict dw = dw_.data();
  T* __restrict dv = dv_.data();
  T* __restrict dy = dy_.data();
  const T* __restrict q1 = q1_.data();
  const T* __restrict q2 = q2_.data();
  for (int k = 0; k < N; ++k) dx[k] = p2[k] + p1[k] * dtau;
  for (int i = 0; i < m; ++i) dy[i] = q2[i] + q1[i] * dtau;
  for (int k = 0; k < N; ++k) dz[k] = (rxz[k] - z[k] * dx[k]) * inv_x[k];
  for (int k = 0; k < nc; ++k) {
    dw[k] = box[k] * (ru[k] - dx[k] + width[k] * dtau);
    dv[k] = (rwv[k] - v[k] * dw[k]) * inv_w[k];
  }
  dkappa_ = (rtk_ - kappa_ * dtau) / tau_;
  return std::isfinite(dtau_ + dkappa_) && all_finite(dx, N) && all_finite(dz, N) && all_finite(dy, m) &&
         all_finite(dv, nc);
}

// Largest step keeping every bounded variable non-negative (capped at 1e30). Columns without
// a box have w = v = dw = dv = 0 and do not limit it.
template <typename T>
T HsdIpm<T>::max_step() const {
  // The step to the boundary is 1 / max over the ratios -d/x (reciprocals computed in factor()).
  const T* __restrict inv_x = inv_x_.data();
  const T* __restrict inv_w = inv_w_.data();
  const T* __restrict z = z_.data();
  const T* __restrict v = v_.data();
  const T* __restrict dx = dx_.data();
  const T* __restrict dz = dz_.data();
  const T* __restrict dw = dw_.data();
  const T* __restrict dv = dv_.data();
  T largest = 0;
  for (int k = 0; k < N_; ++k) {
    largest = max_of(largest, -dx[k] * inv_x[k]);
    largest = max_of(largest, -dz[k] / z[k]);
  }
  for (int k = 0; k < nc_; ++k) {
    largest = max_of(largest, -dw[k] * inv_w[k]);
    largest = max_of(largest, v[k] > 0 ? -dv[k] / v[k] : T(0));
  }
  largest = max_of(largest, -dtau_ / tau_);
  largest = max_of(largest, -dkappa_ / kappa_);
  return largest > T(1e-30) ? T(1) / largest : T(1e30);
}

// Runs at most `max_iterations` interior-point iterations from the standard starting point;
// returns the outcome and the number taken.
template <typename T>
lplb_status HsdIpm<T>::run(int max_iterations, int* iterations) {
  initial_point();
  const int nc = nc_, N = N_, m = m_;
  lplb_status status = LPLB_STATUS_ITERATION_LIMIT;
  int iteration = 0;
  // The iterate with the smallest optimality measure is kept: when the method stalls (in
  // float32 at the limit of its precision) it is polished, or reported.
  T best_merit = std::numeric_limits<T>::infinity();
  // The best certificate seen, in case the run stalls before one meets the tolerance.
  T best_certificate = std::numeric_limits<T>::infinity();
  bool certificate_is_farkas = false;
  int tiny_steps = 0;
  int early_polishes = 0;
  for (;; ++iteration) {
    compute_residuals();
    T merit = 0;
    if (check_termination(&status, &merit)) break;
    const T certificate = min_of(farkas_ratio_, ray_ratio_);
    if (certificate < best_certificate && certificate <= loose_infeasibility_tolerance_) {
      best_certificate = certificate;
      certificate_is_farkas = farkas_ratio_ <= ray_ratio_;
      save(&certificate_);
    }
    if (merit < best_merit) {
      best_merit = merit;
      save(&best_);
      // Close to the solution the active set is usually clear already: polishing then ends the
      // run a few iterations early.
      if (merit <= static_cast<T>(kEarlyPolish) && early_polishes < kMaxEarlyPolishes) {
        ++early_polishes;
        if (polish()) {
          status = LPLB_STATUS_OPTIMAL;
          break;
        }
        restore(best_);
        compute_residuals();
      }
    }
    const bool regressed =
        best_merit <= static_cast<T>(kPolishThreshold) && merit > static_cast<T>(kRegression) * best_merit;
    const bool stalled = tiny_steps >= kStallSteps || regressed;
    if (stalled || iteration >= max_iterations) {
      status = stalled ? LPLB_STATUS_NUMERICAL_ERROR : LPLB_STATUS_ITERATION_LIMIT;
      if (best_merit < merit) restore(best_);
      if (best_merit <= static_cast<T>(kPolishThreshold)) {
        if (polish()) {
          status = LPLB_STATUS_OPTIMAL;
          break;
        }
        restore(best_);
        // The active set was guessed wrong (near-degenerate LPs); the simplex finds one.
        if (crossover()) {
          status = LPLB_STATUS_OPTIMAL;
          break;
        }
        restore(best_);
      }
      // Cut short by the precision of the arithmetic, a certificate a little above the
      // tolerance still decides the status.
      if (best_certificate <= loose_infeasibility_tolerance_) {
        restore(certificate_);
        status = certificate_is_farkas ? LPLB_STATUS_PRIMAL_INFEASIBLE : LPLB_STATUS_DUAL_INFEASIBLE;
      }
      break;
    }
    const T total = complementarity();
    const T mu = total / static_cast<T>(complementarity_pairs_);
    // Early directions need little accuracy; refinement is spent once mu is small.
    refinement_steps_ = mu > static_cast<T>(kRefineBelowMu) ? 0 : max_refinement_steps_;
    if (!factor() || !solve_tau_column()) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }

    // Predictor (affine scaling) direction, then the centring parameter from how far it gets.
    if (!direction(T(1), T(0), T(0))) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }
    const T alpha_aff = min_of(T(1), max_step());
    T total_aff = (tau_ + alpha_aff * dtau_) * (kappa_ + alpha_aff * dkappa_);
    for (int k = 0; k < N; ++k) total_aff += (x_[k] + alpha_aff * dx_[k]) * (z_[k] + alpha_aff * dz_[k]);
    for (int k = 0; k < nc; ++k) total_aff += (w_[k] + alpha_aff * dw_[k]) * (v_[k] + alpha_aff * dv_[k]);
    const T ratio = max_of(T(0), min_of(T(1), total_aff / total));
    const T sigma = ratio * ratio * ratio;
    std::copy(dx_.begin(), dx_.begin() + N, dx_aff_.begin());
    std::copy(dz_.begin(), dz_.begin() + N, dz_aff_.begin());
    std::copy(dw_.begin(), dw_.begin() + nc, dw_aff_.begin());
    std::copy(dv_.begin(), dv_.begin() + nc, dv_aff_.begin());
    dtau_aff_ = dtau_;
    dkappa_aff_ = dkappa_;

    // Corrector: centring plus the second-order term.
    if (!direction(T(1) - sigma, sigma * mu, T(1))) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }
    const T alpha = min_of(T(1), static_cast<T>(kStepFactor) * max_step());
    axpy(alpha, dx_.data(), x_.data(), N);
    axpy(alpha, dz_.data(), z_.data(), N);
    axpy(alpha, dw_.data(), w_.data(), nc);
    axpy(alpha, dv_.data(), v_.data(), nc);
    axpy(alpha, dy_.data(), y_.data(), m);
    tau_ += alpha * dtau_;
    kappa_ += alpha * dkappa_;
    tiny_steps = alpha < static_cast<T>(kTinyStep) ? tiny_steps + 1 : 0;
  }
  *iterations = iteration;
  return status;
}

// Active-set polish of the iterate: a column whose x is below its z is put at its lower bound,
// a boxed column whose w is below its v at its upper bound, the others (F) stay free; an
// inequality row whose slack is below its multiplier is active (R holds those and the
// equalities), the other rows get y = 0. Then x_F moves the least that makes
// A_RF x_F = b_R - A_RU u_U, and y_R the least that solves A_RF' y_R = c_F in the least-squares
// sense, both through the smaller of A_RF A_RF' + delta I and A_RF' A_RF + delta I with
// iterative refinement. Returns true when the polished point passes the termination test;
// otherwise the iterate is left changed (the caller restores it).
template <typename T>
bool HsdIpm<T>::polish() {
  const int nc = nc_, m = m_, me = m_eq_, N = N_;
  const T inv_tau = T(1) / tau_;
  for (int k = 0; k < N; ++k) {
    x_[k] *= inv_tau;
    z_[k] *= inv_tau;
  }
  for (int k = 0; k < nc; ++k) {
    w_[k] *= inv_tau;
    v_[k] *= inv_tau;
  }
  for (int i = 0; i < m; ++i) y_[i] *= inv_tau;
  tau_ = 1;
  kappa_ = 0;

  int* free_columns = polish_columns_.data();
  int* active_rows = polish_rows_.data();
  int n_free = 0, n_rows = 0;
  for (int k = 0; k < nc; ++k) {
    uint8_t state = kAtLower;
    if (kind_[k] == kBoxed && w_[k] < v_[k] && w_[k] < x_[k]) {
      state = kAtUpper;
    } else if (x_[k] >= z_[k]) {
      state = kFreeColumn;
      free_columns[n_free++] = k;
    }
    polish_state_[k] = state;
  }
  for (int i = 0; i < m; ++i) {
    if (i < me || x_[nc + i - me] < z_[nc + i - me]) active_rows[n_rows++] = i;
  }

  // P = A[R, F] is used through the nonzero lists with slot maps (position in R or F, or -1).
  // Right-hand sides: b_R - A_RU u_U and c_F.
  int* row_slot = polish_row_slot_.data();
  int* column_slot = polish_column_slot_.data();
  for (int i = 0; i < m; ++i) row_slot[i] = -1;
  for (int r = 0; r < n_rows; ++r) row_slot[active_rows[r]] = r;
  for (int k = 0; k < nc; ++k) column_slot[k] = -1;
  for (int f = 0; f < n_free; ++f) column_slot[free_columns[f]] = f;
  T* primal_rhs = tmp_m_.data();
  T* dual_rhs = tmp_n_.data();
  for (int r = 0; r < n_rows; ++r) {
    const int i = active_rows[r];
    T rhs = b_[i];
    for (int p = csr_start_[i]; p < csr_start_[i + 1]; ++p) {
      const int k = csr_column_[p];
      if (polish_state_[k] == kAtUpper) rhs -= csr_value_[p] * width_[k];
    }
    primal_rhs[r] = rhs;
  }
  for (int f = 0; f < n_free; ++f) dual_rhs[f] = c_[free_columns[f]];
  // out = P v (length n_rows) and out = P' u (length n_free).
  auto times_p = [&](const T* vec, T* out) {
    for (int r = 0; r < n_rows; ++r) {
      const int i = active_rows[r];
      T sum = 0;
      for (int p = csr_start_[i]; p < csr_start_[i + 1]; ++p) {
        const int slot = column_slot[csr_column_[p]];
        sum += slot >= 0 ? csr_value_[p] * vec[slot] : T(0);
      }
      out[r] = sum;
    }
  };
  auto times_pt = [&](const T* vec, T* out) {
    for (int f = 0; f < n_free; ++f) {
      const int k = free_columns[f];
      T sum = 0;
      for (int p = csc_start_[k]; p < csc_start_[k + 1]; ++p) {
        const int slot = row_slot[csc_row_[p]];
        sum += slot >= 0 ? csc_value_[p] * vec[slot] : T(0);
      }
      out[f] = sum;
    }
  };
  // G = P P' + delta I (n_rows <= n_free) or H = P'P + delta I, whichever is smaller, as a sum
  // of outer products of the columns (rows) of P; slots increase with the index, so each
  // product fills the lower triangle.
  const bool by_rows = n_rows <= n_free;
  const int dim = by_rows ? n_rows : n_free;
  T* gram = normal_.data();
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j <= i; ++j) gram[i * dim + j] = 0;
  if (by_rows) {
    for (int f = 0; f < n_free; ++f) {
      const int k = free_columns[f], begin = csc_start_[k], end = csc_start_[k + 1];
      for (int p = begin; p < end; ++p) {
        const int slot_p = row_slot[csc_row_[p]];
        if (slot_p < 0) continue;
        for (int q = begin; q <= p; ++q) {
          const int slot_q = row_slot[csc_row_[q]];
          if (slot_q >= 0) gram[slot_p * dim + slot_q] += csc_value_[p] * csc_value_[q];
        }
      }
    }
  } else {
    for (int r = 0; r < n_rows; ++r) {
      const int i = active_rows[r], begin = csr_start_[i], end = csr_start_[i + 1];
      for (int p = begin; p < end; ++p) {
        const int slot_p = column_slot[csr_column_[p]];
        if (slot_p < 0) continue;
        for (int q = begin; q <= p; ++q) {
          const int slot_q = column_slot[csr_column_[q]];
          if (slot_q >= 0) gram[slot_p * dim + slot_q] += csr_value_[p] * csr_value_[q];
        }
      }
    }
  }
  for (int i = 0; i < dim; ++i) gram[i * dim + i] += regularization_dual_;
  cholesky_factor(gram, inv_diag_.data(), dim, pivot_floor_);

  T* x_free = p1_.data();
  T* y_rows = q1_.data();
  T* residual_rows = q2_.data();
  T* residual_cols = p2_.data();
  T* correction_rows = eq_.data();
  T* correction_cols = ep_.data();
  for (int f = 0; f < n_free; ++f) x_free[f] = x_[free_columns[f]];
  for (int r = 0; r < n_rows; ++r) y_rows[r] = y_[active_rows[r]];
  // Refinement stops once the corrections are at the rounding level of the point, or once the
  // last one, shrinking at the rate from the one before, predicts a next one that small.
  const T negligible = T(4) * std::numeric_limits<T>::epsilon();
  T previous_primal = std::numeric_limits<T>::infinity(), previous_dual = std::numeric_limits<T>::infinity();
  for (int step = 0; step <= max_refinement_steps_ + 1; ++step) {
    // Primal: r = b' - P x_F; x_F += P' G^-1 r = H^-1 P' r.
    times_p(x_free, residual_rows);
    for (int r = 0; r < n_rows; ++r) residual_rows[r] = primal_rhs[r] - residual_rows[r];
    if (by_rows) {
      cholesky_solve(gram, inv_diag_.data(), residual_rows, dim);
      times_pt(residual_rows, correction_cols);
    } else {
      times_pt(residual_rows, correction_cols);
      cholesky_solve(gram, inv_diag_.data(), correction_cols, dim);
    }
    T primal_size = 0, primal_change = 0;
    for (int f = 0; f < n_free; ++f) {
      x_free[f] += correction_cols[f];
      primal_size = max_of(primal_size, std::fabs(x_free[f]));
      primal_change = max_of(primal_change, std::fabs(correction_cols[f]));
    }
    // Dual: s = c_F - P'y; y += G^-1 P s = P H^-1 s.
    times_pt(y_rows, residual_cols);
    for (int f = 0; f < n_free; ++f) residual_cols[f] = dual_rhs[f] - residual_cols[f];
    if (by_rows) {
      times_p(residual_cols, correction_rows);
      cholesky_solve(gram, inv_diag_.data(), correction_rows, dim);
    } else {
      cholesky_solve(gram, inv_diag_.data(), residual_cols, dim);
      times_p(residual_cols, correction_rows);
    }
    T dual_size = 0, dual_change = 0;
    for (int r = 0; r < n_rows; ++r) {
      y_rows[r] += correction_rows[r];
      dual_size = max_of(dual_size, std::fabs(y_rows[r]));
      dual_change = max_of(dual_change, std::fabs(correction_rows[r]));
    }
    const T primal_next = min_of(primal_change, primal_change * primal_change / previous_primal);
    const T dual_next = min_of(dual_change, dual_change * dual_change / previous_dual);
    if (step > 0 && primal_next <= negligible * (1 + primal_size) && dual_next <= negligible * (1 + dual_size)) break;
    previous_primal = primal_change;
    previous_dual = dual_change;
  }

  // The polished point, clipped to the bounds (what that leaves over shows in the residuals).
  for (int k = 0; k < nc; ++k) x_[k] = polish_state_[k] == kAtUpper ? width_[k] : T(0);
  for (int f = 0; f < n_free; ++f) {
    const int k = free_columns[f];
    const T upper = kind_[k] == kBoxed ? width_[k] : std::numeric_limits<T>::infinity();
    x_[k] = min_of(max_of(x_free[f], T(0)), upper);
  }
  for (int k = 0; k < nc; ++k) w_[k] = box_[k] * (width_[k] - x_[k]);
  for (int i = 0; i < m; ++i) y_[i] = 0;
  for (int r = 0; r < n_rows; ++r) y_[active_rows[r]] = y_rows[r];
  for (int i = me; i < m; ++i) {
    // Slack of an inequality row: zero when active, what the row leaves over otherwise.
    const int k = nc + i - me;
    const bool active = x_[k] < z_[k];
    T row_value = 0;
    for (int p = csr_start_[i]; p < csr_start_[i + 1]; ++p) row_value += csr_value_[p] * x_[csr_column_[p]];
    const T slack = b_[i] - row_value;
    x_[k] = active ? T(0) : max_of(slack, T(0));
    z_[k] = active ? max_of(-y_[i], T(0)) : T(0);
  }
  T* reduced = residual_cols;
  for (int k = 0; k < nc; ++k) {
    T sum = 0;
    for (int p = csc_start_[k]; p < csc_start_[k + 1]; ++p) sum += csc_value_[p] * y_[csc_row_[p]];
    reduced[k] = c_[k] - sum;
  }
  for (int k = 0; k < nc; ++k) {
    const uint8_t state = polish_state_[k];
    z_[k] = state == kAtLower ? max_of(reduced[k], T(0)) : T(0);
    v_[k] = state == kAtUpper ? max_of(-reduced[k], T(0)) : T(0);
  }
  return passes_as_optimal();
}

// Crossover of the iterate to an optimal basic solution (crossover.h): a basis from how far
// inside its bounds each column is relative to its multiplier, then simplex steps until the
// basic solution is primal and dual feasible. Returns true when that solution, as an iterate
// with tau = 1, passes the termination test; otherwise the iterate is left changed (the caller
// restores it).
template <typename T>
bool HsdIpm<T>::crossover() {
  const int nc = nc_, m = m_, me = m_eq_;
  // False for more rows than its dense basis inverse was sized for.
  if (!crossover_.set_problem(m, me, nc, csc_start_.data(), csc_row_.data(), csc_value_.data())) return false;
  double* cost = crossover_.cost();
  double* upper = crossover_.upper();
  double* rhs = crossover_.rhs();
  double* value = crossover_.value();
  double* score = crossover_.score();
  const double inv_tau = 1.0 / static_cast<double>(tau_);
  // x / (x + z): near 1 for a basic column, near 0 at its bound (tau cancels).
  auto inside = [](T primal, T dual) {
    const double sum = static_cast<double>(primal) + static_cast<double>(dual);
    return sum > 0 ? static_cast<double>(primal) / sum : 0.0;
  };
  for (int k = 0; k < nc; ++k) {
    const bool boxed = kind_[k] == kBoxed;
    cost[k] = static_cast<double>(c_[k]);
    upper[k] = boxed ? static_cast<double>(width_[k]) : std::numeric_limits<double>::infinity();
    value[k] = static_cast<double>(x_[k]) * inv_tau;
    score[k] = boxed ? min_of(inside(x_[k], z_[k]), inside(w_[k], v_[k])) : inside(x_[k], z_[k]);
  }
  for (int i = 0; i < m; ++i) {
    rhs[i] = static_cast<double>(b_[i]);
    // An equality row's logical is fixed at zero: it only fills rows the columns leave over.
    const int slack = nc + i - me;
    value[nc + i] = i < me ? 0.0 : static_cast<double>(x_[slack]) * inv_tau;
    score[nc + i] = i < me ? -1.0 : inside(x_[slack], z_[slack]);
  }
  const double tolerance = max_of(kCrossoverTolerance * options_.tolerance, kCrossoverToleranceFloor);
  if (!crossover_.solve(tolerance, tolerance, kCrossoverPivotsPerColumn * (nc + m))) return false;

  // The basic solution as an iterate with tau = 1: a column's reduced cost goes to the
  // multiplier of the bound it is at.
  const double* reduced = crossover_.reduced_cost();
  const double* row_dual = crossover_.row_dual();
  for (int k = 0; k < nc; ++k) {
    const bool boxed = kind_[k] == kBoxed;
    const double x = max_of(value[k], 0.0);
    const bool at_upper = boxed && x >= upper[k];
    x_[k] = static_cast<T>(at_upper ? upper[k] : x);
    w_[k] = box_[k] * (width_[k] - x_[k]);
    z_[k] = at_upper ? T(0) : static_cast<T>(max_of(reduced[k], 0.0));
    v_[k] = at_upper ? static_cast<T>(max_of(-reduced[k], 0.0)) : T(0);
  }
  for (int i = 0; i < m; ++i) y_[i] = static_cast<T>(row_dual[i]);
  for (int i = me; i < m; ++i) {
    x_[nc + i - me] = static_cast<T>(max_of(value[nc + i], 0.0));
    z_[nc + i - me] = static_cast<T>(max_of(-row_dual[i], 0.0));
  }
  tau_ = 1;
  kappa_ = 0;
  return passes_as_optimal();
}

template <typename T>
bool HsdIpm<T>::passes_as_optimal() {
  compute_residuals();
  lplb_status status = LPLB_STATUS_ITERATION_LIMIT;
  T merit = 0;
  return check_termination(&status, &merit) && status == LPLB_STATUS_OPTIMAL;
}

template <typename T>
void HsdIpm<T>::save(Snapshot* snapshot) const {
  std::copy(x_.begin(), x_.begin() + N_, snapshot->x.begin());
  std::copy(z_.begin(), z_.begin() + N_, snapshot->z.begin());
  std::copy(w_.begin(), w_.begin() + nc_, snapshot->w.begin());
  std::copy(v_.begin(), v_.begin() + nc_, snapshot->v.begin());
  std::copy(y_.begin(), y_.begin() + m_, snapshot->y.begin());
  snapshot->tau = tau_;
  snapshot->kappa = kappa_;
}

template <typename T>
void HsdIpm<T>::restore(const Snapshot& snapshot) {
  std::copy(snapshot.x.begin(), snapshot.x.begin() + N_, x_.begin());
  std::copy(snapshot.z.begin(), snapshot.z.begin() + N_, z_.begin());
  std::copy(snapshot.w.begin(), snapshot.w.begin() + nc_, w_.begin());
  std::copy(snapshot.v.begin(), snapshot.v.begin() + nc_, v_.begin());
  std::copy(snapshot.y.begin(), snapshot.y.begin() + m_, y_.begin());
  tau_ = snapshot.tau;
  kappa_ = snapshot.kappa;
}

// The members defined in this file; hsd_problem.cc instantiates the others.
#define LPLB_INSTANTIATE_ITERATIONS(T)                                  \
  template lplb_status HsdIpm<T>::run(int, int*);                      \
  template void HsdIpm<T>::initial_point();                            \
  template void HsdIpm<T>::compute_residuals();                        \
  template void HsdIpm<T>::multiply(const T*, T*) const;               \
  template void HsdIpm<T>::multiply_transpose_add(const T*, T, T*) const; \
  template T HsdIpm<T>::complementarity() const;                       \
  template T HsdIpm<T>::dual_residual(int) const;                      \
  template T HsdIpm<T>::objective_gap() const;                         \
  template bool HsdIpm<T>::check_termination(lplb_status*, T*);        \
  template bool HsdIpm<T>::within_rounding(T);                         \
  template bool HsdIpm<T>::farkas_within_rounding(T);                  \
  template bool HsdIpm<T>::ray_within_rounding(T);                     \
  template bool HsdIpm<T>::factor();                                   \
  template void HsdIpm<T>::base_solve(const T*, const T*, T*, T*);     \
  template void HsdIpm<T>::solve_augmented(const T*, const T*, T*, T*); \
  template bool HsdIpm<T>::solve_tau_column();                         \
  template bool HsdIpm<T>::direction(T, T, T);                         \
  template T HsdIpm<T>::max_step() const;                              \
  template bool HsdIpm<T>::polish();                                   \
  template bool HsdIpm<T>::crossover();                                \
  template void HsdIpm<T>::save(Snapshot*) const;                      \
  template void HsdIpm<T>::restore(const Snapshot&);
LPLB_INSTANTIATE_ITERATIONS(double)
LPLB_INSTANTIATE_ITERATIONS(float)
#undef LPLB_INSTANTIATE_ITERATIONS

}  // namespace cpu
}  // namespace lplb

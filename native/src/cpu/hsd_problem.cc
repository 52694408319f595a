// The internal problem of an LP and the way back to the caller's variables.
//
// Internal standard form, after fixed variables are removed, the others shifted or flipped
// onto x' >= 0 (free ones split as x+ - x-), slacks added to the inequality rows, dependent
// equalities dropped and the data equilibrated:
//
//     minimise c'x  subject to  A x = b,  x_B + w = u (boxed columns B),  x, w >= 0.
//
// The caller's variable j is x_j = shift_j + sum over its columns k of sign_k * sb * C_k * x_k
// (C the column scale, sb the right-hand-side scale); its row multipliers and bound
// multipliers follow from the internal ones by the row, column and cost scales.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cpu/dense.h"
#include "cpu/hsd_ipm.h"

namespace lplb {
namespace cpu {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr int kMaxEquilibrationPasses = 10;
// Relative size below which a reduced equality row counts as a combination of earlier rows.
constexpr double kDependentRowTolerance = 1e-10;
// Right-hand sides below this fraction of the terms they were computed from count as zero when
// choosing the right-hand-side scale.
constexpr double kNegligibleRhs = 1e-10;
// Below this fraction of nonzeros the products with A and the normal matrix skip the zeros.
constexpr double kSparseDensity = 0.3;
// Most rows for which the crossover's dense basis inverse (rows^2 values) is kept.
constexpr int kMaxCrossoverRows = 512;

// Exponent of the power of two nearest to `value` (a positive normal double), read from its
// bits: value = 1.f * 2^e, rounded up when 1.f >= sqrt(2).
int nearest_power_of_two_exponent(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
  constexpr uint64_t kSqrt2Mantissa = 0x6a09e667f3bcdULL;  // fraction bits of sqrt(2)
  return exponent + (mantissa >= kSqrt2Mantissa ? 1 : 0);
}

// 2^exponent for exponents of normal doubles.
double power_of_two_from_exponent(int exponent) {
  exponent = exponent < -1022 ? -1022 : (exponent > 1023 ? 1023 : exponent);
  const uint64_t bits = static_cast<uint64_t>(exponent + 1023) << 52;
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// A power of two close to 1 / sqrt(value), so that scaling is exact in binary arithmetic.
double inverse_sqrt_power_of_two(double value) {
  const int exponent = nearest_power_of_two_exponent(value);
  return power_of_two_from_exponent(exponent >= 0 ? -(exponent / 2) : (-exponent + 1) / 2);
}

double power_of_two(double value) { return power_of_two_from_exponent(nearest_power_of_two_exponent(value)); }

}  // namespace

NormalForm choose_normal_form(int n_vars, int m_eq, int m_ub) {
  // The columns form takes no equality rows: eliminating them through a Schur complement of
  // D + A_ub' Ds A_ub is unstable when free or basic columns leave that matrix near singular.
  if (m_eq > 0) return NormalForm::kRows;
  const double n = n_vars, m = m_ub;
  const double rows_cost = 0.5 * m * m * (n + m) + m * m * m / 6.0;
  const double columns_cost = 0.5 * n * n * m + n * n * n / 6.0;
  return columns_cost < rows_cost ? NormalForm::kColumns : NormalForm::kRows;
}

template <typename T>
HsdIpm<T>::HsdIpm(const lplb_shape& shape, const IpmOptions& options)
    : n_(shape.n_vars),
      m_eq_(shape.m_eq),
      m_ub_(shape.m_ub),
      m_(shape.m_eq + shape.m_ub),
      options_(options),
      form_(choose_normal_form(shape.n_vars, shape.m_eq, shape.m_ub)),
      crossover_(m_ <= kMaxCrossoverRows ? m_ : 0, m_ <= kMaxCrossoverRows ? 2 * n_ : 0) {
  // float32 needs more regularisation and refinement to keep its Newton systems usable.
  const bool is_float = sizeof(T) == sizeof(float);
  regularization_primal_ = is_float ? T(1e-6) : T(1e-10);
  regularization_dual_ = is_float ? T(1e-6) : T(1e-10);
  pivot_floor_ = is_float ? T(1e-6) : T(1e-13);
  infeasibility_tolerance_ = static_cast<T>(max_of(options.tolerance, is_float ? 1e-5 : 1e-7));
  loose_infeasibility_tolerance_ = static_cast<T>(100) * infeasibility_tolerance_;
  max_refinement_steps_ = is_float ? 2 : 1;

  const size_t n = static_cast<size_t>(n_), n2 = 2 * n, m = static_cast<size_t>(m_);
  const size_t me = static_cast<size_t>(m_eq_), mu = static_cast<size_t>(m_ub_);
  const size_t cols = n2 + mu;
  column_of_.resize(n2);
  kind_.resize(n2);
  sign_.resize(n2);
  column_scale_.resize(n2);
  row_scale_.resize(m);
  shift_.resize(n);
  a64_.resize(m * n2);
  a64_start_.resize(m + 1);
  a64_column_.resize(m * n2);
  a_.resize(m * n2);
  if (form_ == NormalForm::kColumns) at_.resize(n2 * m);
  b_.resize(m);
  row_weight_.resize(m);
  work_row_.resize(m);
  work_magnitude_.resize(m);
  work_col_.resize(n2);
  work_norm_.resize(n2);
  elimination_rows_.resize(me * n2);
  elimination_combo_.resize(me * me);
  elimination_rhs_.resize(me);
  pivot_column_.resize(me);
  for (auto* vec : {&report_x_, &report_z_lower_, &report_z_upper_, &report_reduced_}) vec->resize(n);
  report_y_.resize(m);
  if (form_ == NormalForm::kRows) {
    normal_.resize(m * m);
    scaled_.resize(m * n2);
  } else {
    normal_.resize(n2 * n2);
    scaled_.resize(n2 * mu);
  }
  inv_diag_.resize(std::max(n2, m));
  for (auto* vec : {&c_, &column_weight_, &x_, &z_, &fd_, &inv_x_, &zx_, &d_, &theta_, &p1_, &p2_, &rf_, &ep_, &c_hat_,
                    &rxz_, &rhs_d_, &dx_, &dz_, &dx_aff_, &dz_aff_, &ray_, &best_.x, &best_.z,
                    &certificate_.x, &certificate_.z}) {
    vec->resize(cols);
  }
  for (auto* vec : {&y_, &fp_, &q1_, &q2_, &rg_, &eq_, &tmp_m_, &work_m_, &tau_rhs_, &dy_, &best_.y, &certificate_.y}) {
    vec->resize(m);
  }
  for (auto* vec : {&width_, &box_, &width_weight_, &w_, &v_, &fu_, &inv_w_, &vw_, &tmp_n_, &p1_over_, &rwv_, &ru_,
                    &folded_, &dw_, &dv_, &dw_aff_, &dv_aff_, &best_.w, &best_.v, &certificate_.w, &certificate_.v}) {
    vec->resize(n2);
  }
  polish_columns_.resize(n2 + 1);
  csr_start_.resize(m + 1);
  csc_start_.resize(n2 + 1);
  for (auto* vec : {&csr_column_, &csc_row_}) vec->resize(m * n2);
  csr_value_.resize(m * n2);
  csc_value_.resize(m * n2);
  polish_rows_.resize(m);
  polish_row_slot_.resize(m);
  polish_column_slot_.resize(n2);
  polish_state_.resize(n2);
}

template <typename T>
void HsdIpm<T>::solve(const LpView& lp, const SolutionView& out) {
  if (!transform(lp)) {
    // Inconsistent equalities or an impossible empty row: y_ already holds the certificate.
    std::fill(x_.begin(), x_.begin() + N_, T(0));
    std::fill(z_.begin(), z_.begin() + N_, T(0));
    std::fill(v_.begin(), v_.begin() + nc_, T(0));
    tau_ = 1;
    write_solution(lp, out, LPLB_STATUS_PRIMAL_INFEASIBLE, 0);
    return;
  }
  int iterations = 0;
  lplb_status status = run(options_.max_iterations, &iterations);
  if (status == LPLB_STATUS_DUAL_INFEASIBLE) {
    // The ray proves the dual infeasible; the primal may be infeasible too. Settle which with
    // the feasibility problem (zero cost), so that "dual infeasible" means "unbounded".
    std::copy(x_.begin(), x_.begin() + N_, ray_.begin());
    std::fill(c_.begin(), c_.begin() + N_, T(0));
    int phase_one_iterations = 0;
    const lplb_status feasibility = run(options_.max_iterations - iterations, &phase_one_iterations);
    iterations += phase_one_iterations;
    if (feasibility == LPLB_STATUS_PRIMAL_INFEASIBLE) {
      status = LPLB_STATUS_PRIMAL_INFEASIBLE;
    } else {
      std::copy(ray_.begin(), ray_.begin() + N_, x_.begin());
    }
  }
  write_solution(lp, out, status, iterations);
}

// Builds the internal problem of `lp`: removes fixed variables, shifts finite lower bounds to
// zero, flips variables that only have an upper bound, splits free ones, then equilibrates.
template <typename T>
bool HsdIpm<T>::transform(const LpView& lp) {
  const int n = n_, m = m_;
  int nc = 0;
  objective_offset_ = 0;
  c_norm_ = 0;
  for (int j = 0; j < n; ++j) c_norm_ = max_of(c_norm_, std::fabs(lp.c[j]));
  auto add_column = [&](int j, Kind kind, double sign, double width) {
    column_of_[nc] = j;
    kind_[nc] = kind;
    sign_[nc] = sign;
    work_col_[nc] = width;
    ++nc;
  };
  for (int j = 0; j < n; ++j) {
    const double lower = lp.lower ? lp.lower[j] : 0.0;
    const double upper = lp.upper ? lp.upper[j] : kInfinity;
    double shift = 0;
    if (lower == upper) {
      shift = lower;  // fixed: no column
    } else if (std::isfinite(lower)) {
      shift = lower;
      if (std::isfinite(upper)) {
        add_column(j, kBoxed, 1.0, upper - lower);
      } else {
        add_column(j, kLowerBounded, 1.0, 0.0);
      }
    } else if (std::isfinite(upper)) {
      shift = upper;
      add_column(j, kLowerBounded, -1.0, 0.0);
    } else {
      add_column(j, kSplitFree, 1.0, 0.0);
      add_column(j, kSplitFree, -1.0, 0.0);
    }
    shift_[j] = shift;
    objective_offset_ += lp.c[j] * shift;
  }
  nc_ = nc;
  N_ = nc + m_ub_;

  // Signed active columns in float64 (their nonzeros by rows), and the right-hand side with the
  // shifts moved over; the report measures against max |b| before shifting.
  b_norm_ = 0;
  int count = 0;
  a64_start_[0] = 0;
  for (int i = 0; i < m; ++i) {
    const bool is_eq = i < m_eq_;
    const double* row = is_eq ? lp.a_eq + static_cast<size_t>(i) * n : lp.a_ub + static_cast<size_t>(i - m_eq_) * n;
    double rhs = is_eq ? lp.b_eq[i] : lp.b_ub[i - m_eq_];
    b_norm_ = max_of(b_norm_, std::fabs(rhs));
    double magnitude = std::fabs(rhs);
    for (int j = 0; j < n; ++j) {
      rhs -= row[j] * shift_[j];
      magnitude += std::fabs(row[j] * shift_[j]);
    }
    work_row_[i] = rhs;
    work_magnitude_[i] = magnitude;
    // Nonzeros of the row, in increasing column order.
    for (int k = 0; k < nc; ++k) {
      const double value = sign_[k] * row[column_of_[k]];
      if (value == 0) continue;
      a64_column_[count] = k;
      a64_[count] = value;
      ++count;
    }
    a64_start_[i + 1] = count;
  }

  equilibrate_and_store(lp);
  if (!settle_empty_rows() || !drop_dependent_equalities()) return false;
  index_nonzeros();
  return true;
}

// Lists the nonzeros of the scaled matrix by rows and by columns (in increasing index order)
// and picks the sparse products when they are a small part of it.
template <typename T>
void HsdIpm<T>::index_nonzeros() {
  const int nc = nc_, m = m_;
  int count = 0;
  for (int k = 0; k <= nc; ++k) csc_start_[k] = 0;
  csr_start_[0] = 0;
  for (int i = 0; i < m; ++i) {
    const T* row = a_.data() + static_cast<size_t>(i) * nc;
    for (int p = a64_start_[i]; p < a64_start_[i + 1]; ++p) {
      const int k = a64_column_[p];
      if (row[k] == T(0)) continue;
      csr_column_[count] = k;
      csr_value_[count] = row[k];
      ++count;
      ++csc_start_[k + 1];
    }
    csr_start_[i + 1] = count;
  }
  for (int k = 0; k < nc; ++k) csc_start_[k + 1] += csc_start_[k];
  int* fill = polish_columns_.data();  // free until polish(); holds nc + 1 <= 2 n entries
  for (int k = 0; k < nc; ++k) fill[k] = csc_start_[k];
  for (int i = 0; i < m; ++i) {
    for (int p = csr_start_[i]; p < csr_start_[i + 1]; ++p) {
      const int at = fill[csr_column_[p]]++;
      csc_row_[at] = i;
      csc_value_[at] = csr_value_[p];
    }
  }
  sparse_ = static_cast<double>(count) <= kSparseDensity * static_cast<double>(m) * static_cast<double>(nc);
}

// An inequality row with no active coefficient says 0 <= b. It proves the LP infeasible when b
// is negative beyond the tolerance (y_ then holds the certificate and this returns false);
// otherwise it constrains nothing, and its right-hand side is raised to 1 so that its slack
// stays away from zero instead of being pinned there (which would stall the iterations).
template <typename T>
bool HsdIpm<T>::settle_empty_rows() {
  const int nc = nc_;
  for (int i = m_eq_; i < m_; ++i) {
    const T* row = a_.data() + static_cast<size_t>(i) * nc;
    bool empty = true;
    for (int p = a64_start_[i]; p < a64_start_[i + 1]; ++p) empty = empty && row[a64_column_[p]] == T(0);
    if (!empty) continue;
    if (-work_row_[i] > options_.tolerance * (1 + b_norm_)) {
      for (int r = 0; r < m_; ++r) y_[r] = r == i ? T(-1) : T(0);  // y_ub = -y_int = 1
      return false;
    }
    b_[i] = 1;
  }
  return true;
}

// Ruiz equilibration of the structural columns (powers of two, so exact), then scaling of the
// cost and of the right-hand side to unit max-norm; stores the scaled problem in T.
template <typename T>
void HsdIpm<T>::equilibrate_and_store(const LpView& lp) {
  const int nc = nc_, m = m_;
  const double* a64 = a64_.data();
  const int32_t* start = a64_start_.data();
  const int32_t* column = a64_column_.data();
  double* row_scale = row_scale_.data();
  double* col_scale = column_scale_.data();
  double* col_norm = work_norm_.data();
  for (int i = 0; i < m; ++i) row_scale[i] = 1;
  for (int k = 0; k < nc; ++k) col_scale[k] = 1;
  for (int pass = 0; pass < kMaxEquilibrationPasses && nc > 0 && m > 0; ++pass) {
    bool balanced = true;
    for (int i = 0; i < m; ++i) {
      double norm = 0;
      for (int p = start[i]; p < start[i + 1]; ++p) norm = max_of(norm, std::fabs(a64[p]) * col_scale[column[p]]);
      norm *= row_scale[i];
      if (norm > 0) {
        balanced = balanced && norm >= 0.5 && norm <= 2.0;
        row_scale[i] *= inverse_sqrt_power_of_two(norm);
      }
    }
    for (int k = 0; k < nc; ++k) col_norm[k] = 0;
    for (int i = 0; i < m; ++i) {
      const double scale = row_scale[i];
      for (int p = start[i]; p < start[i + 1]; ++p) {
        const int k = column[p];
        col_norm[k] = max_of(col_norm[k], std::fabs(a64[p]) * scale);
      }
    }
    for (int k = 0; k < nc; ++k) {
      const double norm = col_norm[k] * col_scale[k];
      if (norm > 0) {
        balanced = balanced && norm >= 0.5 && norm <= 2.0;
        col_scale[k] *= inverse_sqrt_power_of_two(norm);
      }
    }
    if (balanced) break;
  }

  double c_max = 0, b_max = 0, width_max = 0;
  for (int k = 0; k < nc; ++k) {
    c_max = max_of(c_max, std::fabs(lp.c[column_of_[k]]) * col_scale[k]);
    width_max = max_of(width_max, work_col_[k] / col_scale[k]);
  }
  double magnitude_max = 0;
  for (int i = 0; i < m; ++i) {
    b_max = max_of(b_max, std::fabs(work_row_[i]) * row_scale[i]);
    magnitude_max = max_of(magnitude_max, work_magnitude_[i] * row_scale[i]);
  }
  // A right-hand side that is only the rounding left from moving the bounds over is not
  // scaled up to size one: it stays as small as it is next to the terms it came from.
  b_max = max_of(b_max, kNegligibleRhs * magnitude_max);
  b_max = max_of(b_max, width_max);
  cost_scale_ = c_max > 0 ? power_of_two(c_max) : 1.0;
  rhs_scale_ = b_max > 0 ? power_of_two(b_max) : (width_max > 0 ? power_of_two(width_max) : 1.0);
  const double sc = cost_scale_, sb = rhs_scale_;

  std::fill(a_.begin(), a_.begin() + static_cast<size_t>(m) * nc, T(0));
  for (int i = 0; i < m; ++i) {
    T* out = a_.data() + static_cast<size_t>(i) * nc;
    const double scale = row_scale[i];
    for (int p = start[i]; p < start[i + 1]; ++p) out[column[p]] = static_cast<T>(a64[p] * scale * col_scale[column[p]]);
    b_[i] = static_cast<T>(work_row_[i] * scale / sb);
    row_weight_[i] = static_cast<T>(sb / scale / (1 + b_norm_));
  }
  for (int k = 0; k < nc; ++k) {
    c_[k] = static_cast<T>(lp.c[column_of_[k]] * sign_[k] * col_scale[k] / sc);
    width_[k] = static_cast<T>(work_col_[k] / col_scale[k] / sb);
    box_[k] = kind_[k] == kBoxed ? T(1) : T(0);
    column_weight_[k] = static_cast<T>(sc / col_scale[k] / (1 + c_norm_));
    width_weight_[k] = static_cast<T>(sb * col_scale[k] / (1 + b_norm_));
  }
  for (int i = 0; i < m_ub_; ++i) {
    c_[nc + i] = 0;
    column_weight_[nc + i] = static_cast<T>(sc * row_scale[m_eq_ + i] / (1 + c_norm_));
  }
  if (form_ == NormalForm::kColumns) {
    for (int k = 0; k < nc; ++k)
      for (int i = 0; i < m; ++i) at_[static_cast<size_t>(k) * m + i] = a_[static_cast<size_t>(i) * nc + k];
  }
}

// Gaussian elimination with partial pivoting over the scaled equality rows, in float64. A row
// that is a combination of earlier ones is zeroed (its y stays 0) when its right-hand side
// agrees, and proves the LP infeasible when it does not: then y_ holds that combination, a
// Farkas certificate, and this returns false.
template <typename T>
bool HsdIpm<T>::drop_dependent_equalities() {
  const int nc = nc_, me = m_eq_;
  if (me == 0) return true;
  double* rows = elimination_rows_.data();          // [accepted][nc], reduced and normalised
  double* combination = elimination_combo_.data();  // [accepted][me], each in original rows
  double* rhs = elimination_rhs_.data();            // [accepted]
  int accepted = 0;
  // Right-hand sides agree when they differ by no more than rounding of the terms they came from.
  double rhs_magnitude = 1;
  for (int i = 0; i < me; ++i) rhs_magnitude = max_of(rhs_magnitude, work_magnitude_[i] * row_scale_[i] / rhs_scale_);
  for (int i = 0; i < me; ++i) {
    double* row = rows + static_cast<size_t>(accepted) * nc;
    double* combo = combination + static_cast<size_t>(accepted) * me;
    double row_max = 0;
    for (int k = 0; k < nc; ++k) row[k] = 0;
    for (int p = a64_start_[i]; p < a64_start_[i + 1]; ++p) {
      const int k = a64_column_[p];
      row[k] = a64_[p] * row_scale_[i] * column_scale_[k];
      row_max = max_of(row_max, std::fabs(row[k]));
    }
    for (int r = 0; r < me; ++r) combo[r] = r == i ? 1.0 : 0.0;
    double value = work_row_[i] * row_scale_[i] / rhs_scale_;
    for (int r = 0; r < accepted; ++r) {
      const double factor = row[pivot_column_[r]];
      if (factor == 0) continue;
      axpy(-factor, rows + static_cast<size_t>(r) * nc, row, nc);
      axpy(-factor, combination + static_cast<size_t>(r) * me, combo, me);
      value -= factor * rhs[r];
    }
    int pivot = -1;
    double pivot_max = 0;
    for (int k = 0; k < nc; ++k) {
      if (std::fabs(row[k]) > pivot_max) {
        pivot_max = std::fabs(row[k]);
        pivot = k;
      }
    }
    if (pivot_max > kDependentRowTolerance * max_of(row_max, 1.0)) {
      const double inverse = 1.0 / row[pivot];
      for (int k = 0; k < nc; ++k) row[k] *= inverse;
      for (int r = 0; r < me; ++r) combo[r] *= inverse;
      rhs[accepted] = value * inverse;
      pivot_column_[accepted++] = pivot;
      continue;
    }
    if (std::fabs(value) > kDependentRowTolerance * rhs_magnitude) {
      // combo' A_eq = 0 while combo' b_eq = value != 0.
      const double sign = value > 0 ? 1.0 : -1.0;
      for (int r = 0; r < m_; ++r) y_[r] = r < me ? static_cast<T>(sign * combo[r]) : T(0);
      return false;
    }
    T* target = a_.data() + static_cast<size_t>(i) * nc;
    for (int k = 0; k < nc; ++k) target[k] = 0;
    b_[i] = 0;
  }
  return true;
}

// Maps the internal iterate back to the caller's variables and writes the report, computed in
// float64 against the original data. Optimal and unfinished solves report the iterate divided
// by tau; a primal infeasibility report carries the Farkas certificate in the duals (scaled so
// that the dual objective is 1) and a dual infeasibility report carries the ray in x (scaled so
// that c'x = -1).
template <typename T>
void HsdIpm<T>::write_solution(const LpView& lp, const SolutionView& out, lplb_status status, int iterations) {
  const int n = n_, nc = nc_, me = m_eq_, mu = m_ub_;
  const double sc = cost_scale_, sb = rhs_scale_;
  const double tau = static_cast<double>(tau_);
  const double inv_tau = (tau > 0 && std::isfinite(1.0 / tau)) ? 1.0 / tau : 1.0;
  const bool ray = status == LPLB_STATUS_DUAL_INFEASIBLE;
  const bool farkas = status == LPLB_STATUS_PRIMAL_INFEASIBLE;
  const double primal_factor = ray ? 1.0 : inv_tau;
  const double dual_factor = farkas ? 1.0 : inv_tau;
  double* x = report_x_.data();
  double* y = report_y_.data();  // y_eq then y_ub, in the public sign convention
  double* z_lower = report_z_lower_.data();
  double* z_upper = report_z_upper_.data();
  double* reduced = report_reduced_.data();
  auto lower_of = [&lp](int j) { return lp.lower ? lp.lower[j] : 0.0; };
  auto upper_of = [&lp](int j) { return lp.upper ? lp.upper[j] : kInfinity; };
  auto eq_row = [&lp, n](int i) { return lp.a_eq + static_cast<size_t>(i) * n; };
  auto ub_row = [&lp, n](int i) { return lp.a_ub + static_cast<size_t>(i) * n; };

  // Primal point, or ray.
  for (int j = 0; j < n; ++j) x[j] = ray ? 0.0 : shift_[j];
  for (int k = 0; k < nc; ++k) {
    x[column_of_[k]] += sign_[k] * sb * column_scale_[k] * static_cast<double>(x_[k]) * primal_factor;
  }
  if (ray) {
    const double cx = dot(lp.c, x, n);
    if (cx < 0)
      for (int j = 0; j < n; ++j) x[j] /= -cx;
  } else {
    // Bounds hold exactly: x' >= 0 already does, this trims what x' + w = u leaves over.
    for (int j = 0; j < n; ++j) x[j] = min_of(max_of(x[j], lower_of(j)), upper_of(j));
  }

  // Duals. The internal row multipliers y_int satisfy A'y_int + z = c, so y_eq = y_int and
  // y_ub = -y_int, clipped at 0 (its sign constraint).
  for (int i = 0; i < me + mu; ++i) {
    const double value = sc * row_scale_[i] * static_cast<double>(y_[i]) * dual_factor;
    y[i] = i < me ? value : max_of(0.0, -value);
  }
  for (int j = 0; j < n; ++j) {
    z_lower[j] = 0;
    z_upper[j] = 0;
  }
  for (int k = 0; k < nc; ++k) {
    const int j = column_of_[k];
    const double unscale = sc / column_scale_[k] * dual_factor;
    const double zk = unscale * static_cast<double>(z_[k]);
    if (kind_[k] == kBoxed) {
      z_lower[j] = zk;
      z_upper[j] = unscale * static_cast<double>(v_[k]);
    } else if (kind_[k] == kLowerBounded) {
      (sign_[k] > 0 ? z_lower : z_upper)[j] = zk;
    }
  }
  // Fixed variables carry their whole reduced cost on the bound it pushes against.
  for (int j = 0; j < n; ++j) reduced[j] = farkas ? 0.0 : lp.c[j];
  for (int i = 0; i < me; ++i) axpy(-y[i], eq_row(i), reduced, n);
  for (int i = 0; i < mu; ++i) axpy(y[me + i], ub_row(i), reduced, n);
  for (int j = 0; j < n; ++j) {
    if (lower_of(j) == upper_of(j)) {
      z_lower[j] = max_of(reduced[j], 0.0);
      z_upper[j] = max_of(-reduced[j], 0.0);
    }
  }
  auto dual_objective = [&]() {
    double value = 0;
    for (int i = 0; i < me; ++i) value += lp.b_eq[i] * y[i];
    for (int i = 0; i < mu; ++i) value -= lp.b_ub[i] * y[me + i];
    for (int j = 0; j < n; ++j) {
      if (std::isfinite(lower_of(j))) value += lower_of(j) * z_lower[j];
      if (std::isfinite(upper_of(j))) value -= upper_of(j) * z_upper[j];
    }
    return value;
  };
  if (farkas) {
    const double value = dual_objective();
    if (value > 0) {
      for (int i = 0; i < me + mu; ++i) y[i] /= value;
      for (int j = 0; j < n; ++j) {
        z_lower[j] /= value;
        z_upper[j] /= value;
      }
    }
  }

  // Report against the original data.
  const double primal_objective = dot(lp.c, x, n);
  double violation = 0;
  for (int i = 0; i < me; ++i) violation = max_of(violation, std::fabs(dot(eq_row(i), x, n) - lp.b_eq[i]));
  for (int i = 0; i < mu; ++i) violation = max_of(violation, dot(ub_row(i), x, n) - lp.b_ub[i]);
  for (int j = 0; j < n; ++j) violation = max_of(violation, max_of(lower_of(j) - x[j], x[j] - upper_of(j)));
  for (int j = 0; j < n; ++j) reduced[j] = lp.c[j] - z_lower[j] + z_upper[j];
  for (int i = 0; i < me; ++i) axpy(-y[i], eq_row(i), reduced, n);
  for (int i = 0; i < mu; ++i) axpy(y[me + i], ub_row(i), reduced, n);
  double dual_violation = 0;
  for (int j = 0; j < n; ++j) dual_violation = max_of(dual_violation, std::fabs(reduced[j]));
  const double gap = std::fabs(primal_objective - dual_objective()) / (1 + std::fabs(primal_objective));
  auto not_nan = [](double value) { return std::isnan(value) ? kInfinity : value; };

  *out.status = status;
  if (out.x) std::copy(x, x + n, out.x);
  if (out.y_eq) std::copy(y, y + me, out.y_eq);
  if (out.y_ub) std::copy(y + me, y + me + mu, out.y_ub);
  if (out.z_lower) std::copy(z_lower, z_lower + n, out.z_lower);
  if (out.z_upper) std::copy(z_upper, z_upper + n, out.z_upper);
  if (out.objective) *out.objective = farkas ? kInfinity : ray ? -kInfinity : primal_objective;
  if (out.primal_residual) *out.primal_residual = not_nan(violation / (1 + b_norm_));
  if (out.dual_residual) *out.dual_residual = not_nan(dual_violation / (1 + c_norm_));
  if (out.duality_gap) *out.duality_gap = not_nan(gap);
  if (out.iterations) *out.iterations = iterations;
}

// The members defined in this file; hsd_ipm.cc instantiates the others.
#define LPLB_INSTANTIATE_PROBLEM(T)                                                                        \
  template HsdIpm<T>::HsdIpm(const lplb_shape&, const IpmOptions&);                                        \
  template void HsdIpm<T>::solve(const LpView&, const SolutionView&);                                      \
  template bool HsdIpm<T>::transform(const LpView&);                                                       \
  template void HsdIpm<T>::equilibrate_and_store(const LpView&);                                           \
  template bool HsdIpm<T>::drop_dependent_equalities();                                       \
  template bool HsdIpm<T>::settle_empty_rows();                                                            \
  template void HsdIpm<T>::index_nonzeros();                                                               \
  template void HsdIpm<T>::write_solution(const LpView&, const SolutionView&, lplb_status, int);
LPLB_INSTANTIATE_PROBLEM(double)
LPLB_INSTANTIATE_PROBLEM(float)
#undef LPLB_INSTANTIATE_PROBLEM

}  // namespace cpu
}  // namespace lplb

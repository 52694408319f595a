// Crossover by a dense bounded-variable primal simplex; see crossover.h.
//
// Every column has the lower bound 0 and the upper bound upper_j (+inf or, for an equality
// row's logical, 0). The basis inverse is kept explicitly, updated by one elimination step per
// pivot and recomputed from the columns every kRefactorInterval updates, which also recomputes
// the basic values from the nonbasic ones. Each step prices with phase-one costs (-1 below 0,
// +1 above the upper bound, for the basic variables) while a basic variable is out of its
// bounds, else with c; the ratio test is Harris's two passes, so that among the nearly tied
// blocking variables the one with the largest pivot leaves.
#include "cpu/crossover.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/dense.h"

namespace lplb {
namespace cpu {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// A column joins the starting basis only when what is left of it after elimination against the
// columns already in has an entry this large relative to its own largest one.
constexpr double kCrashPivot = 1e-6;
// Entries of B^-1 a_q below this fraction of the largest one are never pivots.
constexpr double kPivotTolerance = 1e-9;
// A pivot of the refactorisation below this (columns are equilibrated) means a singular basis.
constexpr double kSingularPivot = 1e-13;
// The inverse is recomputed after this many updates.
constexpr int kRefactorInterval = 50;
// Steps no longer than this, or too short to move the leaving variable by the primal tolerance
// (the Harris ratio test takes such steps), count as degenerate; after kDegenerateLimit of them
// in a row the columns are picked by smallest index (Bland's rule), which cannot cycle.
constexpr double kDegenerateStep = 1e-12;
constexpr int kDegenerateLimit = 50;

// Step at which a basic variable with value x in [0, upper], moving at `rate` per unit step,
// reaches the bound that blocks it (*bound); infinite when none does. A variable outside its
// bounds (phase one) is blocked where it comes back in, and not at all while it moves away.
// `relax` widens the bounds, for the first pass of the ratio test.
double blocking_step(double x, double upper, double rate, double tolerance, double relax, double* bound) {
  if (rate < 0) {
    if (x > upper + tolerance) {
      *bound = upper;
      return std::max((x - upper + relax) / -rate, 0.0);
    }
    if (x >= -tolerance) {
      *bound = 0;
      return std::max((x + relax) / -rate, 0.0);
    }
    return kInfinity;
  }
  if (x < -tolerance) {
    *bound = 0;
    return std::max((relax - x) / rate, 0.0);
  }
  if (x <= upper + tolerance && upper < kInfinity) {
    *bound = upper;
    return std::max((upper - x + relax) / rate, 0.0);
  }
  return kInfinity;
}

}  // namespace

template <typename T>
Crossover<T>::Crossover(int max_rows, int max_columns) : max_rows_(max_rows), max_columns_(max_columns) {
  const size_t rows = static_cast<size_t>(max_rows), total = static_cast<size_t>(max_columns) + rows;
  for (auto* vec : {&cost_, &upper_, &value_, &score_, &reduced_}) vec->resize(total);
  for (auto* vec : {&rhs_, &row_dual_, &basic_cost_, &alpha_, &work_}) vec->resize(rows);
  inverse_.resize(rows * rows);
  scratch_.resize(rows * rows);
  basic_.resize(rows);
  position_.resize(total);
  order_.resize(total);
  pivot_row_.resize(rows);
  row_taken_.resize(rows);
}

template <typename T>
bool Crossover<T>::set_problem(int rows, int equalities, int columns, const int32_t* column_start,
                               const int32_t* row_index, const T* value) {
  if (rows > max_rows_ || columns > max_columns_) return false;
  rows_ = rows;
  columns_ = columns;
  total_ = columns + rows;
  column_start_ = column_start;
  row_index_ = row_index;
  matrix_value_ = value;
  for (int i = 0; i < rows; ++i) {
    cost_[columns + i] = 0;
    upper_[columns + i] = i < equalities ? 0.0 : kInfinity;
  }
  return true;
}

// Column j of [A I] as a dense vector.
template <typename T>
void Crossover<T>::load_column(int j, double* dense) const {
  std::fill(dense, dense + rows_, 0.0);
  if (j >= columns_) {
    dense[j - columns_] = 1;
    return;
  }
  for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) dense[row_index_[p]] = static_cast<double>(matrix_value_[p]);
}

template <typename T>
double Crossover<T>::column_dot(int j, const double* row_vector) const {
  if (j >= columns_) return row_vector[j - columns_];
  double sum = 0;
  for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) sum += static_cast<double>(matrix_value_[p]) * row_vector[row_index_[p]];
  return sum;
}

template <typename T>
void Crossover<T>::inverse_times_column(int j, double* out) const {
  const int rows = rows_;
  const double* inverse = inverse_.data();
  if (j >= columns_) {
    for (int i = 0; i < rows; ++i) out[i] = inverse[static_cast<size_t>(i) * rows + (j - columns_)];
    return;
  }
  std::fill(out, out + rows, 0.0);
  for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) {
    const double a = static_cast<double>(matrix_value_[p]);
    const double* column = inverse + row_index_[p];
    for (int i = 0; i < rows; ++i) out[i] += column[static_cast<size_t>(i) * rows] * a;
  }
}

// Starting basis: columns by decreasing score, each kept when it is independent of those kept
// before (Gaussian elimination with partial pivoting over the rows not yet pivoted on). A
// logical's unit column is independent of everything whenever its row is not yet pivoted on, so
// the logicals, which are among the candidates, always complete the basis.
template <typename T>
void Crossover<T>::crash() {
  const int rows = rows_, total = total_;
  double* score = score_.data();
  int32_t* order = order_.data();
  for (int j = 0; j < total; ++j) {
    order[j] = j;
    if (!std::isfinite(score[j])) score[j] = -1;  // keeps the order strict and weak
  }
  std::sort(order, order + total, [score](int32_t a, int32_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  std::fill(row_taken_.begin(), row_taken_.begin() + rows, uint8_t{0});
  double* candidate = work_.data();
  double* kept = scratch_.data();  // [accepted][rows], each reduced and with 1 at its pivot row
  int accepted = 0;
  for (int t = 0; t < total && accepted < rows; ++t) {
    const int j = order[t];
    load_column(j, candidate);
    double size = 0;
    for (int i = 0; i < rows; ++i) size = std::max(size, std::fabs(candidate[i]));
    if (size == 0) continue;
    for (int r = 0; r < accepted; ++r) {
      const double factor = candidate[pivot_row_[r]];
      if (factor != 0) axpy(-factor, kept + static_cast<size_t>(r) * rows, candidate, rows);
    }
    int pivot = -1;
    double largest = 0;
    for (int i = 0; i < rows; ++i) {
      if (!row_taken_[i] && std::fabs(candidate[i]) > largest) {
        largest = std::fabs(candidate[i]);
        pivot = i;
      }
    }
    if (!(largest > kCrashPivot * size)) continue;
    const double inverse = 1.0 / candidate[pivot];
    double* row = kept + static_cast<size_t>(accepted) * rows;
    for (int i = 0; i < rows; ++i) row[i] = candidate[i] * inverse;
    pivot_row_[accepted] = pivot;
    row_taken_[pivot] = 1;
    basic_[accepted++] = j;
  }
  std::fill(position_.begin(), position_.begin() + total, -1);
  for (int r = 0; r < rows; ++r) position_[basic_[r]] = r;
}

// Inverse of the basis matrix by Gauss-Jordan elimination with partial pivoting; false when the
// basis is singular.
template <typename T>
bool Crossover<T>::refactor() {
  const int rows = rows_;
  const size_t stride = static_cast<size_t>(rows);
  double* b = scratch_.data();
  double* inverse = inverse_.data();
  double* column = work_.data();
  for (int r = 0; r < rows; ++r) {
    load_column(basic_[r], column);
    for (int i = 0; i < rows; ++i) b[i * stride + r] = column[i];
  }
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < rows; ++k) inverse[i * stride + k] = i == k ? 1.0 : 0.0;
  for (int c = 0; c < rows; ++c) {
    int pivot = c;
    for (int i = c + 1; i < rows; ++i) {
      if (std::fabs(b[i * stride + c]) > std::fabs(b[pivot * stride + c])) pivot = i;
    }
    const double value = b[pivot * stride + c];
    if (!(std::fabs(value) > kSingularPivot) || !std::isfinite(value)) return false;
    if (pivot != c) {
      // Rows at or below c are zero left of column c.
      std::swap_ranges(b + pivot * stride + c, b + pivot * stride + rows, b + c * stride + c);
      std::swap_ranges(inverse + pivot * stride, inverse + pivot * stride + rows, inverse + c * stride);
    }
    const double scale = 1.0 / value;
    double* b_row = b + c * stride;
    double* inverse_row = inverse + c * stride;
    for (int k = c; k < rows; ++k) b_row[k] *= scale;
    for (int k = 0; k < rows; ++k) inverse_row[k] *= scale;
    for (int i = 0; i < rows; ++i) {
      const double factor = b[i * stride + c];
      if (i == c || factor == 0) continue;
      axpy(-factor, b_row + c, b + i * stride + c, rows - c);
      axpy(-factor, inverse_row, inverse + i * stride, rows);
    }
  }
  return true;
}

// x_B = B^-1 (b - N x_N).
template <typename T>
void Crossover<T>::compute_basic_values() {
  const int rows = rows_;
  double* remainder = work_.data();
  std::copy(rhs_.begin(), rhs_.begin() + rows, remainder);
  for (int j = 0; j < total_; ++j) {
    const double x = value_[j];
    if (position_[j] >= 0 || x == 0) continue;
    if (j >= columns_) {
      remainder[j - columns_] -= x;
      continue;
    }
    for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) remainder[row_index_[p]] -= static_cast<double>(matrix_value_[p]) * x;
  }
  for (int r = 0; r < rows; ++r) value_[basic_[r]] = dot(inverse_.data() + static_cast<size_t>(r) * rows, remainder, rows);
}

// y' = c_B' B^-1.
template <typename T>
void Crossover<T>::compute_row_dual(const double* basic_cost) {
  const int rows = rows_;
  double* y = row_dual_.data();
  std::fill(y, y + rows, 0.0);
  for (int r = 0; r < rows; ++r) {
    if (basic_cost[r] != 0) axpy(basic_cost[r], inverse_.data() + static_cast<size_t>(r) * rows, y, rows);
  }
}

// B^-1 after the column at `position` is replaced by the one with B^-1 a = alpha.
template <typename T>
void Crossover<T>::update_inverse(int position, const double* alpha) {
  const int rows = rows_;
  double* pivot_row = inverse_.data() + static_cast<size_t>(position) * rows;
  const double scale = 1.0 / alpha[position];
  for (int k = 0; k < rows; ++k) pivot_row[k] *= scale;
  for (int i = 0; i < rows; ++i) {
    if (i != position && alpha[i] != 0) axpy(-alpha[i], pivot_row, inverse_.data() + static_cast<size_t>(i) * rows, rows);
  }
}

template <typename T>
bool Crossover<T>::solve(double primal_tolerance, double dual_tolerance, int max_pivots) {
  const int rows = rows_, total = total_;
  double* value = value_.data();
  const double* upper = upper_.data();
  const double* cost = cost_.data();
  double* reduced = reduced_.data();
  double* alpha = alpha_.data();
  crash();
  // Nonbasic columns start at their point, moved onto a bound when within the tolerance of it.
  for (int j = 0; j < total; ++j) {
    if (position_[j] >= 0) continue;
    const double x = value[j];
    value[j] = !(x > primal_tolerance) ? 0.0 : (x >= upper[j] - primal_tolerance ? upper[j] : x);
  }
  if (!refactor()) return false;
  compute_basic_values();
  int updates = 0, degenerate_steps = 0;
  for (int pivots = 0;;) {
    if (updates >= kRefactorInterval) {
      if (!refactor()) return false;
      compute_basic_values();
      updates = 0;
    }
    bool phase_one = false;
    for (int r = 0; r < rows; ++r) {
      const int j = basic_[r];
      const double x = value[j];
      if (!std::isfinite(x)) return false;
      basic_cost_[r] = x < -primal_tolerance ? -1.0 : (x > upper[j] + primal_tolerance ? 1.0 : 0.0);
      phase_one = phase_one || basic_cost_[r] != 0;
    }
    if (!phase_one) {
      for (int r = 0; r < rows; ++r) basic_cost_[r] = cost[basic_[r]];
    }
    compute_row_dual(basic_cost_.data());

    // Pricing: the largest reduced cost that improves (Dantzig), or the first one (Bland).
    const bool bland = degenerate_steps >= kDegenerateLimit;
    int entering = -1, superbasic = -1;
    double direction = 0, best_gain = 0;
    for (int j = 0; j < total; ++j) {
      if (position_[j] >= 0 || upper[j] == 0) continue;
      const double d = (phase_one ? 0.0 : cost[j]) - column_dot(j, row_dual_.data());
      const bool at_lower = value[j] <= 0, at_upper = value[j] >= upper[j];
      if (!at_lower && !at_upper && superbasic < 0) superbasic = j;
      double gain = 0, sense = 0;
      if (d < -dual_tolerance && !at_upper) {
        gain = -d;
        sense = 1;
      } else if (d > dual_tolerance && !at_lower) {
        gain = d;
        sense = -1;
      }
      if (sense == 0 || (bland && entering >= 0) || (!bland && gain <= best_gain)) continue;
      entering = j;
      direction = sense;
      best_gain = gain;
    }
    if (entering < 0 && superbasic >= 0) {
      // No price prefers a direction: it goes to its nearer bound.
      entering = superbasic;
      direction = upper[superbasic] - value[superbasic] < value[superbasic] ? 1.0 : -1.0;
    }
    if (entering < 0) {
      // Confirmed on fresh basic values before it counts.
      if (updates > 0) {
        updates = kRefactorInterval;
        continue;
      }
      if (phase_one) return false;
      for (int j = 0; j < total; ++j) reduced[j] = cost[j] - column_dot(j, row_dual_.data());
      return true;
    }
    if (pivots++ >= max_pivots) return false;

    // Ratio test: the first pass finds the longest step within the bounds widened by the
    // tolerance, the second the largest pivot among the variables that block within it.
    inverse_times_column(entering, alpha);
    double largest_alpha = 0;
    for (int r = 0; r < rows; ++r) largest_alpha = std::max(largest_alpha, std::fabs(alpha[r]));
    const double pivot_floor = kPivotTolerance * std::max(1.0, largest_alpha);
    const double entering_step = direction > 0 ? upper[entering] - value[entering] : value[entering];
    double relaxed_step = kInfinity;
    for (int r = 0; r < rows; ++r) {
      if (std::fabs(alpha[r]) <= pivot_floor) continue;
      const int j = basic_[r];
      double bound = 0;
      relaxed_step = std::min(relaxed_step, blocking_step(value[j], upper[j], -direction * alpha[r], primal_tolerance,
                                                          primal_tolerance, &bound));
    }
    int leaving = -1;
    double step = entering_step, leaving_bound = 0, leaving_pivot = 0;
    if (entering_step > relaxed_step) {
      for (int r = 0; r < rows; ++r) {
        if (std::fabs(alpha[r]) <= pivot_floor) continue;
        const int j = basic_[r];
        double bound = 0;
        const double exact = blocking_step(value[j], upper[j], -direction * alpha[r], primal_tolerance, 0.0, &bound);
        if (exact > relaxed_step) continue;
        const bool better = leaving < 0 || (bland ? j < basic_[leaving] : std::fabs(alpha[r]) > leaving_pivot);
        if (!better) continue;
        leaving = r;
        leaving_pivot = std::fabs(alpha[r]);
        leaving_bound = bound;
        step = exact;
      }
    }
    if (!(step < kInfinity)) return false;  // unbounded along the entering column

    value[entering] += direction * step;
    for (int r = 0; r < rows; ++r) value[basic_[r]] -= direction * alpha[r] * step;
    if (leaving >= 0) {
      const int left = basic_[leaving];
      value[left] = leaving_bound;
      position_[left] = -1;
      basic_[leaving] = entering;
      position_[entering] = leaving;
      update_inverse(leaving, alpha);
    } else {
      value[entering] = direction > 0 ? upper[entering] : 0.0;
    }
    ++updates;
    const double short_step = leaving >= 0 ? primal_tolerance / leaving_pivot : 0.0;
    degenerate_steps = step <= std::max(kDegenerateStep, short_step) ? degenerate_steps + 1 : 0;
  }
}

template class Crossover<double>;
template class Crossover<float>;

}  // namespace cpu
}  // namespace lplb

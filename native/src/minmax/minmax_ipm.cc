// Mehrotra predictor-corrector iterations for the min-max LP of minmax_ipm.h.
//
// Standard form, with z = z_low + zeta (z_low a lower bound on the optimum) and a slack s_r per
// rank:  minimise zeta  s.t.  (B p)_r - zeta + s_r = z_low - g_r,  p + t = 1,  p, t, zeta, s >= 0.
// Multipliers: y (rows, free), zp and v (p >= 0 and p <= 1), zz (zeta), zs (s). Eliminating
// everything but dy leaves M dy = rhs with
//
//     M = sum_e theta_e w_e^2 (u_from - u_to)(u_from - u_to)' + theta_zeta 1 1' + diag(theta_s),
//
// theta the inverse of the usual Z/X (+ V/T) per column: O(E + G^2) to form, G^3/6 to factor.
#include "minmax/minmax_ipm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/dense.h"

namespace lplb {
namespace minmax {
namespace {

// Fraction of the way to the boundary taken by a step.
constexpr double kStepFactor = 0.995;
// Both steps shorter than this, or the total complementarity not below kProgress times its
// smallest value so far, kStallSteps times in a row, end the run as stalled (in float32 the
// iterations can circle at the limit of the arithmetic).
constexpr double kTinyStep = 1e-8;
constexpr double kProgress = 0.9;
constexpr int kStallSteps = 5;
// The certificate is evaluated once the total complementarity is below this multiple of the
// tolerance times z.
constexpr double kCertifyBelow = 100;
// Polish is tried once the total complementarity is below this fraction of z, then again each
// time it has fallen by kPolishSpacing more (the active set is clearer), at most kMaxPolishes
// times a run; it refines its solves kPolishPasses times.
constexpr double kPolishBelow = 1e-1;
constexpr double kPolishSpacing = 1e-2;
constexpr int kMaxPolishes = 3;
// The run ends once the total complementarity is below this multiple of the tolerance times z.
constexpr double kGiveUpBelow = 1e-6;
constexpr int kPolishPasses = 2;
// Added to the diagonal of the polish Gram matrix: dependent rows or columns (a degenerate
// optimum) then get the least-norm answer instead of a breakdown.
constexpr double kPolishRegularization = 1e-12;
// Passes of the multiplier search over the groups of ranks.
constexpr int kSearchPasses = 3;

// Largest of largest_ratio and -change / value over the entries, given 1 / value.
template <typename T>
T step_to_boundary(const T* inverse, const T* change, int count, T largest_ratio) {
  for (int k = 0; k < count; ++k) largest_ratio = cpu::max_of(largest_ratio, -change[k] * inverse[k]);
  return largest_ratio;
}

// Cholesky factor (cpu::cholesky_factor) and solve for the normal matrix. Orders up to 24 use
// plain loops (the vectorised kernels of cpu/dense.h cost more to set up than an 8 x 8 matrix
// takes to factor).
constexpr int kSmallOrder = 24;

template <typename T>
void solve_normal(const T* l, const T* inv_diag, T* r, int n) {
  if (n > kSmallOrder) {
    cpu::cholesky_solve(l, inv_diag, r, n);
    return;
  }
  for (int i = 0; i < n; ++i) {
    T sum = r[i];
    for (int k = 0; k < i; ++k) sum -= l[i * n + k] * r[k];
    r[i] = sum * inv_diag[i];
  }
  for (int i = n - 1; i >= 0; --i) {
    T sum = r[i];
    for (int k = i + 1; k < n; ++k) sum -= l[k * n + i] * r[k];
    r[i] = sum * inv_diag[i];
  }
}

}  // namespace

double max_rank_load(const ScaledProblem& problem, const double* keep, double* loads) {
  for (int r = 0; r < problem.n_ranks; ++r) loads[r] = problem.base[r];
  for (int e = 0; e < problem.n_edges; ++e) {
    const double kept = problem.weight[e] * std::min(1.0, std::max(0.0, keep[e]));
    loads[problem.from[e]] += kept;
    loads[problem.to[e]] -= kept;
  }
  double largest = 0;
  for (int r = 0; r < problem.n_ranks; ++r) largest = std::max(largest, loads[r]);
  return largest;
}

double lagrangian_bound(const ScaledProblem& problem, const double* y) {
  double total = 0;
  for (int r = 0; r < problem.n_ranks; ++r) total += std::max(0.0, -y[r]);
  if (!(total > 0) || !std::isfinite(total)) return 0;
  const double inv = 1 / total;
  double bound = 0;
  for (int r = 0; r < problem.n_ranks; ++r) bound += std::max(0.0, -y[r]) * inv * problem.base[r];
  for (int e = 0; e < problem.n_edges; ++e) {
    const double difference = (std::max(0.0, -y[problem.from[e]]) - std::max(0.0, -y[problem.to[e]])) * inv;
    bound += problem.weight[e] * std::min(0.0, difference);
  }
  return bound;
}

template <typename T>
MinMaxIpm<T>::MinMaxIpm(int max_ranks, int max_edges, int max_iterations, double tolerance)
    : max_ranks_(max_ranks), max_edges_(max_edges), max_iterations_(max_iterations), tolerance_(tolerance) {
  pivot_floor_ = std::is_same<T, float>::value ? T(1e-7) : T(1e-14);
  const size_t G = static_cast<size_t>(max_ranks), E = static_cast<size_t>(max_edges);
  for (auto* edges : {&p_, &t_, &zp_, &v_, &rd_p_, &ru_, &theta_p_, &dp_, &dt_, &dzp_, &dv_, &dp_aff_, &dt_aff_,
                      &dzp_aff_, &dv_aff_, &h_p_, &rxz_p_, &rtv_, &inv_p_, &inv_t_, &inv_zp_, &inv_v_})
    edges->resize(E);
  for (auto* ranks : {&s_, &zs_, &y_, &rp_, &rd_s_, &inv_diag_, &theta_s_, &ds_, &dzs_, &dy_, &ds_aff_, &dzs_aff_,
                      &h_s_, &rxz_s_, &inv_s_, &inv_zs_})
    ranks->resize(G);
  normal_.resize(G * G);
  point_.resize(E);
  best_keep_.resize(E);
  multipliers_.resize(G);
  best_y_.resize(G);
  loads_.resize(G);
  polish_rows_.resize(G);
  polish_slot_rank_.resize(G);
  polish_columns_.resize(E);
  polish_slot_edge_.resize(E);
  polish_gram_.resize(G * G);
  polish_inv_diag_.resize(G);
  polish_row_vec_.resize(G);
  polish_col_vec_.resize(E + 1);
  polish_unknowns_.resize(E + 1);
  polish_lambda_.resize(G);
  group_of_rank_.resize(G);
  group_value_.resize(G);
}

// A strictly feasible, nearly centred start: p = t = 1/2; z a little above the max load of that
// p; y_r = -mu / s_r, which centres every slack pair and, with mu = zeta / (1 + zeta sum 1/s),
// the zeta pair too; zp - v = -w (y_from - y_to) keeps the dual rows of p satisfied.
template <typename T>
void MinMaxIpm<T>::start(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  // Rank r carries at least g_r minus everything its copies could send back, and the max
  // load is at least the mean: z_low is the larger of those bounds.
  double total = 0;
  for (int r = 0; r < G; ++r) {
    loads_[r] = problem.base[r];
    total += problem.base[r];
  }
  for (int e = 0; e < E; ++e) loads_[problem.to[e]] -= problem.weight[e];
  double fixed_max = 0;
  for (int r = 0; r < G; ++r) fixed_max = std::max(fixed_max, loads_[r]);
  // Loads at p = 1/2.
  for (int e = 0; e < E; ++e) {
    loads_[problem.from[e]] += 0.5 * problem.weight[e];
    loads_[problem.to[e]] += 0.5 * problem.weight[e];
  }
  double z_start = 0;
  for (int r = 0; r < G; ++r) z_start = std::max(z_start, loads_[r]);
  const double mean = total / G;
  const double z_low = std::max(mean, fixed_max);
  const double margin = 0.1 * (z_start - z_low) + 0.01 * z_start + 1e-3;
  z_low_ = static_cast<T>(z_low);
  zeta_ = static_cast<T>(z_start + margin - z_low);
  double inverse_sum = 0;
  for (int r = 0; r < G; ++r) {
    s_[r] = static_cast<T>(z_start + margin - loads_[r]);
    inverse_sum += 1 / static_cast<double>(s_[r]);
  }
  const double mu = static_cast<double>(zeta_) / (1 + static_cast<double>(zeta_) * inverse_sum);
  for (int r = 0; r < G; ++r) {
    y_[r] = static_cast<T>(-mu / static_cast<double>(s_[r]));
    zs_[r] = -y_[r];
  }
  zz_ = static_cast<T>(1 / (1 + static_cast<double>(zeta_) * inverse_sum));
  for (int e = 0; e < E; ++e) {
    p_[e] = T(0.5);
    t_[e] = T(0.5);
    const T reduced = -static_cast<T>(problem.weight[e]) * (y_[problem.from[e]] - y_[problem.to[e]]);
    zp_[e] = static_cast<T>(2 * mu) + cpu::max_of(reduced, T(0));
    v_[e] = static_cast<T>(2 * mu) + cpu::max_of(-reduced, T(0));
  }
}

template <typename T>
void MinMaxIpm<T>::compute_residuals(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  T y_sum = 0;
  for (int r = 0; r < G; ++r) {
    rp_[r] = z_low_ - static_cast<T>(problem.base[r]) + zeta_ - s_[r];
    rd_s_[r] = -y_[r] - zs_[r];
    y_sum += y_[r];
  }
  for (int e = 0; e < E; ++e) {
    const T w = static_cast<T>(problem.weight[e]);
    const int from = problem.from[e], to = problem.to[e];
    rp_[from] -= w * p_[e];
    rp_[to] += w * p_[e];
    rd_p_[e] = -w * (y_[from] - y_[to]) - zp_[e] + v_[e];
    ru_[e] = T(1) - p_[e] - t_[e];
  }
  rd_zeta_ = T(1) + y_sum - zz_;
}

// Records the bounds of the current iterate, keeping the best of each seen.
template <typename T>
void MinMaxIpm<T>::record_bounds(const ScaledProblem& problem) {
  for (int e = 0; e < problem.n_edges; ++e) point_[e] = static_cast<double>(p_[e]);
  for (int r = 0; r < problem.n_ranks; ++r) multipliers_[r] = static_cast<double>(y_[r]);
  record_candidate(problem);
}

// Evaluates point_ and multipliers_, keeping each when it improves on the best so far.
template <typename T>
void MinMaxIpm<T>::record_candidate(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  const double max_load = max_rank_load(problem, point_.data(), loads_.data());
  if (max_load < best_max_load_) {
    best_max_load_ = max_load;
    std::copy(point_.begin(), point_.begin() + E, best_keep_.begin());
  }
  const double bound = lagrangian_bound(problem, multipliers_.data());
  if (bound > best_lower_bound_) {
    best_lower_bound_ = bound;
    std::copy(multipliers_.begin(), multipliers_.begin() + G, best_y_.begin());
  }
}

template <typename T>
bool MinMaxIpm<T>::factor(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  T* normal = normal_.data();
  // Reciprocals of every bounded variable, used by both directions and step lengths.
  inv_zeta_ = T(1) / zeta_;
  inv_zz_ = T(1) / zz_;
  theta_zeta_ = zeta_ * inv_zz_;
  for (int i = 0; i < G; ++i) {
    inv_s_[i] = T(1) / s_[i];
    inv_zs_[i] = T(1) / zs_[i];
    theta_s_[i] = s_[i] * inv_zs_[i];
  }
  for (int e = 0; e < E; ++e) {
    inv_p_[e] = T(1) / p_[e];
    inv_t_[e] = T(1) / t_[e];
    inv_zp_[e] = T(1) / zp_[e];
    inv_v_[e] = T(1) / v_[e];
    theta_p_[e] = T(1) / (zp_[e] * inv_p_[e] + v_[e] * inv_t_[e]);
  }
  for (int i = 0; i < G; ++i) {
    for (int j = 0; j < i; ++j) normal[i * G + j] = theta_zeta_;
    normal[i * G + i] = theta_zeta_ + theta_s_[i];
  }
  for (int e = 0; e < E; ++e) {
    const T theta = theta_p_[e];
    const T w = static_cast<T>(problem.weight[e]);
    const T weight = theta * w * w;
    const int from = problem.from[e], to = problem.to[e];
    normal[from * G + from] += weight;
    normal[to * G + to] += weight;
    normal[std::max(from, to) * G + std::min(from, to)] -= weight;
  }
  if (!std::isfinite(theta_zeta_)) return false;
  cpu::cholesky_factor(normal, inv_diag_.data(), G, pivot_floor_, kSmallOrder);
  for (int i = 0; i < G; ++i)
    if (!std::isfinite(inv_diag_[i])) return false;
  return true;
}

// Newton direction for centring target `sigma_mu`; `corrector` adds Mehrotra's second-order
// term from the stored affine direction.
template <typename T>
void MinMaxIpm<T>::direction(const ScaledProblem& problem, T sigma_mu, bool corrector) {
  const int G = problem.n_ranks, E = problem.n_edges;
  const T c = corrector ? T(1) : T(0);
  rxz_zeta_ = sigma_mu - zeta_ * zz_ - c * dzeta_aff_ * dzz_aff_;
  h_zeta_ = rd_zeta_ - rxz_zeta_ * inv_zeta_;
  const T zeta_term = theta_zeta_ * h_zeta_;
  for (int r = 0; r < G; ++r) {
    rxz_s_[r] = sigma_mu - s_[r] * zs_[r] - c * ds_aff_[r] * dzs_aff_[r];
    h_s_[r] = rd_s_[r] - rxz_s_[r] * inv_s_[r];
    dy_[r] = rp_[r] + theta_s_[r] * h_s_[r] - zeta_term;
  }
  for (int e = 0; e < E; ++e) {
    rxz_p_[e] = sigma_mu - p_[e] * zp_[e] - c * dp_aff_[e] * dzp_aff_[e];
    rtv_[e] = sigma_mu - t_[e] * v_[e] - c * dt_aff_[e] * dv_aff_[e];
    h_p_[e] = rd_p_[e] - rxz_p_[e] * inv_p_[e] + (rtv_[e] - v_[e] * ru_[e]) * inv_t_[e];
    const T moved = static_cast<T>(problem.weight[e]) * theta_p_[e] * h_p_[e];
    dy_[problem.from[e]] += moved;
    dy_[problem.to[e]] -= moved;
  }
  solve_normal(normal_.data(), inv_diag_.data(), dy_.data(), G);
  T dy_sum = 0;
  for (int r = 0; r < G; ++r) {
    dy_sum += dy_[r];
    ds_[r] = theta_s_[r] * (dy_[r] - h_s_[r]);
    dzs_[r] = (rxz_s_[r] - zs_[r] * ds_[r]) * inv_s_[r];
  }
  dzeta_ = theta_zeta_ * (-dy_sum - h_zeta_);
  dzz_ = (rxz_zeta_ - zz_ * dzeta_) * inv_zeta_;
  for (int e = 0; e < E; ++e) {
    const T w = static_cast<T>(problem.weight[e]);
    dp_[e] = theta_p_[e] * (w * (dy_[problem.from[e]] - dy_[problem.to[e]]) - h_p_[e]);
    dzp_[e] = (rxz_p_[e] - zp_[e] * dp_[e]) * inv_p_[e];
    dt_[e] = ru_[e] - dp_[e];
    dv_[e] = (rtv_[e] - v_[e] * dt_[e]) * inv_t_[e];
  }
}

// Longest primal and dual steps (at most 1) that keep the bounded variables non-negative.
template <typename T>
void MinMaxIpm<T>::step_lengths(T* primal, T* dual) const {
  T largest_primal = 0, largest_dual = 0;
  largest_primal = step_to_boundary(inv_p_.data(), dp_.data(), n_edges_, largest_primal);
  largest_primal = step_to_boundary(inv_t_.data(), dt_.data(), n_edges_, largest_primal);
  largest_primal = step_to_boundary(inv_s_.data(), ds_.data(), n_ranks_, largest_primal);
  largest_primal = cpu::max_of(largest_primal, -dzeta_ * inv_zeta_);
  largest_dual = step_to_boundary(inv_zp_.data(), dzp_.data(), n_edges_, largest_dual);
  largest_dual = step_to_boundary(inv_v_.data(), dv_.data(), n_edges_, largest_dual);
  largest_dual = step_to_boundary(inv_zs_.data(), dzs_.data(), n_ranks_, largest_dual);
  largest_dual = cpu::max_of(largest_dual, -dzz_ * inv_zz_);
  *primal = largest_primal > T(1) ? T(1) / largest_primal : T(1);
  *dual = largest_dual > T(1) ? T(1) / largest_dual : T(1);
}

// Active-set polish, in float64. Near the optimum the iterate tells which ranks are at the max
// load (R: slack below its multiplier, in their natural units), which edges sit at p = 0 or
// p = 1, and whether z is at its lower bound; the others (F) are free. With P the matrix of
// the rows R over the free edges (and z when it is free), the point moves the least that makes
// every rank of R carry exactly z, and the multipliers lambda of R move the least that makes
// them stationary for the free columns (lambda_from = lambda_to on a free edge, sum lambda = 1
// when z is free), both through P P' (regularised: at a degenerate optimum the rows of R can
// be dependent). The certificate then decides
// whether the guess was right; the iterate itself is not changed.
template <typename T>
bool MinMaxIpm<T>::polish(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  const double z_current = static_cast<double>(z_low_) + static_cast<double>(zeta_);
  const bool z_free = !(static_cast<double>(zeta_) < static_cast<double>(zz_) * z_current);
  int n_rows = 0, n_free = 0;
  for (int r = 0; r < G; ++r) {
    polish_slot_rank_[r] = -1;
    if (static_cast<double>(s_[r]) < static_cast<double>(zs_[r]) * z_current) {
      polish_slot_rank_[r] = n_rows;
      polish_rows_[n_rows++] = r;
    }
  }
  for (int e = 0; e < E; ++e) {
    const double w = problem.weight[e];
    polish_slot_edge_[e] = -1;
    if (static_cast<double>(p_[e]) * w < static_cast<double>(zp_[e])) {
      point_[e] = 0;
    } else if (static_cast<double>(t_[e]) * w < static_cast<double>(v_[e])) {
      point_[e] = 1;
    } else {
      point_[e] = static_cast<double>(p_[e]);
      polish_slot_edge_[e] = n_free;
      polish_columns_[n_free++] = e;
    }
  }
  const int n_cols = n_free + (z_free ? 1 : 0);
  if (n_rows == 0 || n_cols == 0) return false;
  // P (rows R, columns [F, z]) is used through the edge lists: a free edge has w at its
  // original's row and -w at its copy's row (when those ranks are in R), z has -1 everywhere.
  const int32_t* slot_rank = polish_slot_rank_.data();
  auto times_p = [&](const double* x, double* out) {  // out = P x
    const double z_part = z_free ? -x[n_free] : 0.0;
    for (int k = 0; k < n_rows; ++k) out[k] = z_part;
    for (int f = 0; f < n_free; ++f) {
      const int e = polish_columns_[f];
      const double moved = problem.weight[e] * x[f];
      const int row_from = slot_rank[problem.from[e]], row_to = slot_rank[problem.to[e]];
      if (row_from >= 0) out[row_from] += moved;
      if (row_to >= 0) out[row_to] -= moved;
    }
  };
  auto times_pt = [&](const double* x, double* out) {  // out = P' x
    double total = 0;
    for (int k = 0; k < n_rows; ++k) total += x[k];
    for (int f = 0; f < n_free; ++f) {
      const int e = polish_columns_[f];
      const int row_from = slot_rank[problem.from[e]], row_to = slot_rank[problem.to[e]];
      out[f] = problem.weight[e] * ((row_from >= 0 ? x[row_from] : 0.0) - (row_to >= 0 ? x[row_to] : 0.0));
    }
    if (z_free) out[n_free] = -total;
  };
  // K = P P' + delta I: a weighted Laplacian of the free edges within R, plus 1 1' for z.
  const int dim = n_rows;
  double* K = polish_gram_.data();
  const double z_weight = z_free ? 1.0 : 0.0;
  for (int i = 0; i < dim; ++i) {
    for (int j = 0; j < i; ++j) K[i * dim + j] = z_weight;
    K[i * dim + i] = z_weight + kPolishRegularization;
  }
  for (int f = 0; f < n_free; ++f) {
    const int e = polish_columns_[f];
    const double w2 = problem.weight[e] * problem.weight[e];
    const int row_from = slot_rank[problem.from[e]], row_to = slot_rank[problem.to[e]];
    if (row_from >= 0) K[row_from * dim + row_from] += w2;
    if (row_to >= 0) K[row_to * dim + row_to] += w2;
    if (row_from >= 0 && row_to >= 0) K[std::max(row_from, row_to) * dim + std::min(row_from, row_to)] -= w2;
  }
  cpu::cholesky_factor(K, polish_inv_diag_.data(), dim, 1e-14, kSmallOrder);
  double* row_vec = polish_row_vec_.data();    // [n_rows]
  double* col_vec = polish_col_vec_.data();    // [n_cols]
  double* unknowns = polish_unknowns_.data();  // [n_cols] p_F, then z when free
  double* lambda = polish_lambda_.data();      // [n_rows]
  for (int f = 0; f < n_free; ++f) unknowns[f] = point_[polish_columns_[f]];
  if (z_free) unknowns[n_free] = z_current;
  for (int k = 0; k < n_rows; ++k) lambda[k] = std::max(0.0, static_cast<double>(zs_[polish_rows_[k]]));
  for (int pass = 0; pass < kPolishPasses; ++pass) {
    // Primal: every rank of R at z (z_low when z is fixed). P u = z - load for the change u.
    for (int r = 0; r < G; ++r) loads_[r] = problem.base[r];
    for (int e = 0; e < E; ++e) {
      const double value = polish_slot_edge_[e] >= 0 ? unknowns[polish_slot_edge_[e]] : point_[e];
      loads_[problem.from[e]] += problem.weight[e] * value;
      loads_[problem.to[e]] -= problem.weight[e] * value;
    }
    const double z = z_free ? unknowns[n_free] : static_cast<double>(z_low_);
    for (int k = 0; k < n_rows; ++k) row_vec[k] = z - loads_[polish_rows_[k]];
    solve_normal(K, polish_inv_diag_.data(), row_vec, dim);
    times_pt(row_vec, col_vec);
    for (int c = 0; c < n_cols; ++c) unknowns[c] += col_vec[c];
    // Dual: P' lambda = 0 on the free edges and -1 on z.
    times_pt(lambda, col_vec);
    for (int c = 0; c < n_cols; ++c) col_vec[c] = (c == n_free ? -1.0 : 0.0) - col_vec[c];
    times_p(col_vec, row_vec);
    solve_normal(K, polish_inv_diag_.data(), row_vec, dim);
    for (int k = 0; k < n_rows; ++k) lambda[k] += row_vec[k];
  }
  for (int f = 0; f < n_free; ++f) point_[polish_columns_[f]] = std::min(1.0, std::max(0.0, unknowns[f]));
  for (int r = 0; r < G; ++r) multipliers_[r] = 0;
  for (int k = 0; k < n_rows; ++k) multipliers_[polish_rows_[k]] = -std::max(0.0, lambda[k]);
  record_candidate(problem);
  if (best_max_load_ - best_lower_bound_ > tolerance_ * best_max_load_) search_multipliers(problem);
  return best_max_load_ - best_lower_bound_ <= tolerance_ * best_max_load_;
}

// Near a degenerate optimum a rank can be tight only to within rounding: the iterate then keeps
// some weight on it although every optimal multiplier vector puts none there, and the bound
// stays off by that weight times a tiny slope. Ranks joined by a free edge (strictly inside its
// bounds at the iterate) share one multiplier at an optimum, so the search works on those
// groups: the bound is piecewise linear in one group's value, with kinks only where it meets a
// neighbouring group's value, and positively homogeneous (normalising is free), so the best
// value along that coordinate is 0 or a neighbour's value. A few exact passes over the groups,
// starting from the best multipliers seen, recover the bound in such cases.
template <typename T>
void MinMaxIpm<T>::search_multipliers(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  int32_t* group = group_of_rank_.data();
  for (int r = 0; r < G; ++r) group[r] = r;
  auto root = [&](int r) {
    while (group[r] != r) r = group[r] = group[group[r]];
    return r;
  };
  for (int e = 0; e < E; ++e) {
    const double w = problem.weight[e];
    const bool free = !(static_cast<double>(p_[e]) * w < static_cast<double>(zp_[e])) &&
                      !(static_cast<double>(t_[e]) * w < static_cast<double>(v_[e]));
    if (free) group[root(problem.from[e])] = root(problem.to[e]);
  }
  // Each group starts at the mean of its members' multipliers.
  double* value = group_value_.data();
  double* count = loads_.data();  // scratch
  for (int r = 0; r < G; ++r) value[r] = count[r] = 0;
  for (int r = 0; r < G; ++r) {
    group[r] = root(r);
    value[group[r]] += std::max(0.0, -best_y_[r]);
    count[group[r]] += 1;
  }
  for (int r = 0; r < G; ++r) value[r] = count[r] > 0 ? value[r] / count[r] : 0.0;
  auto bound_of_values = [&]() {
    for (int r = 0; r < G; ++r) multipliers_[r] = -value[group[r]];
    return lagrangian_bound(problem, multipliers_.data());
  };
  auto keep_if_better = [&](double bound) {
    if (bound > best_lower_bound_) {
      best_lower_bound_ = bound;
      std::copy(multipliers_.begin(), multipliers_.begin() + G, best_y_.begin());
    }
  };
  double current = bound_of_values();
  keep_if_better(current);
  for (int pass = 0; pass < kSearchPasses; ++pass) {
    bool improved = false;
    for (int c = 0; c < G; ++c) {
      if (group[c] != c) continue;
      const double original = value[c];
      double best_value = original, best_bound = current;
      auto try_value = [&](double candidate) {
        if (candidate == best_value) return;
        value[c] = candidate;
        const double bound = bound_of_values();
        if (bound > best_bound) {
          best_bound = bound;
          best_value = candidate;
        }
      };
      try_value(0.0);
      for (int e = 0; e < E; ++e) {
        const int a = group[problem.from[e]], b = group[problem.to[e]];
        if (a == c && b != c) try_value(value[b]);
        if (b == c && a != c) try_value(value[a]);
      }
      value[c] = best_value;
      if (best_bound > current) {
        current = best_bound;
        improved = true;
      }
    }
    if (!improved) break;
  }
  keep_if_better(bound_of_values());
}

// Ends a run that cannot go on: the last finite iterate still counts for the certificate.
template <typename T>
RunStatus MinMaxIpm<T>::stalled(const ScaledProblem& problem) {
  bool finite = std::isfinite(zeta_) && std::isfinite(zz_);
  for (int e = 0; e < problem.n_edges; ++e) finite = finite && std::isfinite(p_[e]);
  for (int r = 0; r < problem.n_ranks; ++r) finite = finite && std::isfinite(y_[r]);
  if (finite) record_bounds(problem);
  if (finite && best_max_load_ - best_lower_bound_ > tolerance_ * best_max_load_) search_multipliers(problem);
  return best_max_load_ - best_lower_bound_ <= tolerance_ * best_max_load_ ? RunStatus::kConverged : RunStatus::kStalled;
}

template <typename T>
RunStatus MinMaxIpm<T>::solve(const ScaledProblem& problem) {
  const int G = problem.n_ranks, E = problem.n_edges;
  n_ranks_ = G;
  n_edges_ = E;
  best_max_load_ = std::numeric_limits<double>::infinity();
  best_lower_bound_ = -std::numeric_limits<double>::infinity();
  for (int e = 0; e < E; ++e) best_keep_[e] = 0.5;
  for (int r = 0; r < G; ++r) best_y_[r] = 0;
  start(problem);
  const T pairs = static_cast<T>(2 * E + 1 + G);
  int tiny_steps = 0, polishes = 0, idle_steps = 0;
  double polish_below = kPolishBelow * static_cast<double>(z_low_ + zeta_);
  T smallest_total = std::numeric_limits<T>::infinity();
  for (iterations_ = 0;; ++iterations_) {
    compute_residuals(problem);
    T total = zeta_ * zz_;
    for (int r = 0; r < G; ++r) total += s_[r] * zs_[r];
    for (int e = 0; e < E; ++e) total += p_[e] * zp_[e] + t_[e] * v_[e];
    // For a feasible iterate the total complementarity is the duality gap: the certificate is
    // worth evaluating only once that is near the tolerance (or the run must end).
    const bool last = iterations_ >= max_iterations_;
    if (last || static_cast<double>(total) <= kCertifyBelow * tolerance_ * (static_cast<double>(z_low_ + zeta_))) {
      record_bounds(problem);
      if (best_max_load_ - best_lower_bound_ <= tolerance_ * best_max_load_) return RunStatus::kConverged;
    }
    if (last) return RunStatus::kIterationLimit;
    // Far below the tolerance the iterate has nothing more to give: the arithmetic, not the
    // complementarity, limits what is left.
    if (static_cast<double>(total) <= kGiveUpBelow * tolerance_ * static_cast<double>(z_low_ + zeta_)) return stalled(problem);
    if (polishes < kMaxPolishes && static_cast<double>(total) <= polish_below) {
      ++polishes;
      polish_below = kPolishSpacing * static_cast<double>(total);
      if (polish(problem)) return RunStatus::kConverged;
    }
    idle_steps = total < static_cast<T>(kProgress) * smallest_total ? 0 : idle_steps + 1;
    smallest_total = cpu::min_of(smallest_total, total);
    if (idle_steps >= kStallSteps) return stalled(problem);
    const T mu = total / pairs;
    if (!factor(problem)) return stalled(problem);

    // Predictor, then the centring parameter from how far it gets.
    direction(problem, T(0), false);
    T alpha_primal = 0, alpha_dual = 0;
    step_lengths(&alpha_primal, &alpha_dual);
    T total_aff = (zeta_ + alpha_primal * dzeta_) * (zz_ + alpha_dual * dzz_);
    for (int r = 0; r < G; ++r) total_aff += (s_[r] + alpha_primal * ds_[r]) * (zs_[r] + alpha_dual * dzs_[r]);
    for (int e = 0; e < E; ++e) {
      total_aff += (p_[e] + alpha_primal * dp_[e]) * (zp_[e] + alpha_dual * dzp_[e]);
      total_aff += (t_[e] + alpha_primal * dt_[e]) * (v_[e] + alpha_dual * dv_[e]);
    }
    const T ratio = cpu::max_of(T(0), cpu::min_of(T(1), total_aff / total));
    const T sigma = ratio * ratio * ratio;
    std::copy(dp_.begin(), dp_.begin() + E, dp_aff_.begin());
    std::copy(dt_.begin(), dt_.begin() + E, dt_aff_.begin());
    std::copy(dzp_.begin(), dzp_.begin() + E, dzp_aff_.begin());
    std::copy(dv_.begin(), dv_.begin() + E, dv_aff_.begin());
    std::copy(ds_.begin(), ds_.begin() + G, ds_aff_.begin());
    std::copy(dzs_.begin(), dzs_.begin() + G, dzs_aff_.begin());
    dzeta_aff_ = dzeta_;
    dzz_aff_ = dzz_;

    // Corrector: centring plus the second-order term.
    direction(problem, sigma * mu, true);
    step_lengths(&alpha_primal, &alpha_dual);
    alpha_primal *= static_cast<T>(kStepFactor);
    alpha_dual *= static_cast<T>(kStepFactor);
    if (!std::isfinite(alpha_primal) || !std::isfinite(alpha_dual)) return stalled(problem);
    for (int e = 0; e < E; ++e) {
      p_[e] += alpha_primal * dp_[e];
      t_[e] += alpha_primal * dt_[e];
      zp_[e] += alpha_dual * dzp_[e];
      v_[e] += alpha_dual * dv_[e];
    }
    for (int r = 0; r < G; ++r) {
      s_[r] += alpha_primal * ds_[r];
      zs_[r] += alpha_dual * dzs_[r];
      y_[r] += alpha_dual * dy_[r];
    }
    zeta_ += alpha_primal * dzeta_;
    zz_ += alpha_dual * dzz_;
    const bool tiny = alpha_primal < static_cast<T>(kTinyStep) && alpha_dual < static_cast<T>(kTinyStep);
    tiny_steps = tiny ? tiny_steps + 1 : 0;
    if (tiny_steps >= kStallSteps) return stalled(problem);
  }
}

template class MinMaxIpm<double>;
template class MinMaxIpm<float>;

}  // namespace minmax
}  // namespace lplb

// Interior-point method specialised to the LPLB min-max LP of one redundancy group:
//
//     minimise z  subject to  g_r + (B p)_r <= z  for every rank r,   0 <= p <= 1,
//
// where edge e moves load w_e between its original rank from_e (which keeps the fraction p_e)
// and its copy's rank to_e: B[from_e][e] = w_e, B[to_e][e] = -w_e, and g_r is rank r's load
// when every edge sends everything to the copy. The LP is always feasible and bounded, so no
// homogeneous embedding is needed: a Mehrotra predictor-corrector method starts from a strictly
// feasible point, and its normal matrix is the G x G weighted graph Laplacian of the edges plus
// a diagonal and a rank-one term.
//
// Every iterate gives a certified answer: the max rank load of p (clipped to [0, 1]) is an
// upper bound on the optimum, and any lambda >= 0 summing to 1 gives the lower bound
// lambda'g + sum_e w_e min(0, lambda_from - lambda_to) (a Lagrangian bound); lambda is the
// normalised -y. The method stops when the two are within the tolerance, and keeps the best of
// each seen, so its answer never depends on residuals being small.
#ifndef LPLB_SRC_MINMAX_MINMAX_IPM_H
#define LPLB_SRC_MINMAX_MINMAX_IPM_H

#include <cstdint>
#include <vector>

namespace lplb {
namespace minmax {

// Outcome of one run of the iterations.
enum class RunStatus : uint8_t {
  kConverged,       // certified gap within the tolerance
  kIterationLimit,  // ran out of iterations
  kStalled,         // steps became too short, or the arithmetic broke down
};

// One LP in the scaled form the iterations use (largest load about 1). Edges with no load are
// left out by the caller: they cannot change any load.
struct ScaledProblem {
  int n_ranks;
  int n_edges;
  const int32_t* from;  // [n_edges]
  const int32_t* to;    // [n_edges]
  const double* weight; // [n_edges] > 0
  const double* base;   // [n_ranks] g
};

// Upper and lower bound of a point, in the problem's units.
struct Certificate {
  double max_load;     // max_r g_r + (B p)_r, p clipped to [0, 1]
  double lower_bound;  // the Lagrangian bound of lambda
};

// max rank load of `keep` (clipped to [0, 1]); `loads` is scratch of n_ranks.
double max_rank_load(const ScaledProblem& problem, const double* keep, double* loads);
// Lagrangian lower bound of the optimum for the multipliers max(-y, 0), normalised to sum 1
// (0 when they are all zero).
double lagrangian_bound(const ScaledProblem& problem, const double* y);

template <typename T>
class MinMaxIpm {
 public:
  // Buffers for groups of up to `max_ranks` ranks and `max_edges` edges.
  MinMaxIpm(int max_ranks, int max_edges, int max_iterations, double tolerance);

  // Runs the iterations on `problem`. On return keep() holds the p with the smallest max load
  // seen and y() the multipliers with the largest bound; certificate() holds both bounds.
  RunStatus solve(const ScaledProblem& problem);

  const double* keep() const { return best_keep_.data(); }
  const double* y() const { return best_y_.data(); }
  Certificate certificate() const { return {best_max_load_, best_lower_bound_}; }
  int iterations() const { return iterations_; }

 private:
  void start(const ScaledProblem& problem);
  void compute_residuals(const ScaledProblem& problem);
  bool factor(const ScaledProblem& problem);
  void direction(const ScaledProblem& problem, T sigma_mu, bool corrector);
  void step_lengths(T* primal, T* dual) const;
  void record_bounds(const ScaledProblem& problem);
  RunStatus stalled(const ScaledProblem& problem);
  void record_candidate(const ScaledProblem& problem);
  bool polish(const ScaledProblem& problem);
  void search_multipliers(const ScaledProblem& problem);

  int max_ranks_, max_edges_, max_iterations_;
  double tolerance_;
  T pivot_floor_;
  int iterations_ = 0;
  int n_ranks_ = 0, n_edges_ = 0;  // of the LP being solved

  // Iterate: edges (p, t = 1 - p, their multipliers zp and v), the shifted objective
  // zeta = z - z_low with multiplier zz, rank slacks s with multipliers zs, row duals y.
  std::vector<T> p_, t_, zp_, v_, s_, zs_, y_;
  T zeta_ = 1, zz_ = 1, z_low_ = 0;
  // Residuals: rows b - A x, dual rows c - A'y - zd + v, and 1 - p - t.
  std::vector<T> rp_, rd_p_, rd_s_, ru_;
  T rd_zeta_ = 0;
  // Normal matrix and its factor; theta = 1 / D per column.
  std::vector<T> normal_, inv_diag_, theta_p_, theta_s_;
  T theta_zeta_ = 0;
  // Reciprocals of the bounded variables at the current iterate.
  std::vector<T> inv_p_, inv_t_, inv_zp_, inv_v_, inv_s_, inv_zs_;
  T inv_zeta_ = 1, inv_zz_ = 1;
  // Directions, the affine ones kept for the corrector, and scratch.
  std::vector<T> dp_, dt_, dzp_, dv_, ds_, dzs_, dy_;
  T dzeta_ = 0, dzz_ = 0;
  std::vector<T> dp_aff_, dt_aff_, dzp_aff_, dv_aff_, ds_aff_, dzs_aff_;
  T dzeta_aff_ = 0, dzz_aff_ = 0;
  std::vector<T> h_p_, h_s_, rxz_p_, rtv_, rxz_s_;
  T h_zeta_ = 0, rxz_zeta_ = 0;
  // Certificates, computed in float64.
  std::vector<double> point_, multipliers_, loads_, best_keep_, best_y_;
  double best_max_load_ = 0, best_lower_bound_ = 0;
  // Polish: rows R and free columns F with their slots, P P' and vectors.
  std::vector<int32_t> polish_rows_, polish_slot_rank_, polish_columns_, polish_slot_edge_;
  std::vector<double> polish_gram_, polish_inv_diag_, polish_row_vec_, polish_col_vec_;
  std::vector<double> polish_unknowns_, polish_lambda_;
  // Multiplier search: each rank's group (ranks joined by free edges) and each group's value.
  std::vector<int32_t> group_of_rank_;
  std::vector<double> group_value_;
};

}  // namespace minmax
}  // namespace lplb

#endif  // LPLB_SRC_MINMAX_MINMAX_IPM_H

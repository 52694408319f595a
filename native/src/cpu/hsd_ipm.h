// Homogeneous self-dual interior-point method for one dense LP at a time, templated on the
// arithmetic (double, or float to mirror the GPU kernel). All memory is sized at construction
// for one shape; solve() does not allocate.
//
// hsd_problem.cc builds the internal problem and maps results back; hsd_ipm.cc iterates;
// crossover.h finishes a run that stalls next to an optimum it cannot reach.
#ifndef LPLB_SRC_CPU_HSD_IPM_H
#define LPLB_SRC_CPU_HSD_IPM_H

#include <cstdint>
#include <vector>

#include "cpu/crossover.h"
#include "lplb/ipm.h"

namespace lplb {
namespace cpu {

// One LP of a batch in the caller's float64 layout (see lplb_lp_batch); optional arrays may be
// null exactly as in the public API.
struct LpView {
  const double* c;
  const double* a_eq;
  const double* b_eq;
  const double* a_ub;
  const double* b_ub;
  const double* lower;
  const double* upper;
};

// Where one LP's results go; any pointer but `status` may be null.
struct SolutionView {
  int32_t* status;
  double* x;
  double* y_eq;
  double* y_ub;
  double* z_lower;
  double* z_upper;
  double* objective;
  double* primal_residual;
  double* dual_residual;
  double* duality_gap;
  int32_t* iterations;
};

struct IpmOptions {
  int max_iterations;
  double tolerance;
};

// How the Newton systems are reduced to a symmetric positive definite one.
enum class NormalForm : uint8_t {
  kRows,     // (m_eq + m_ub) x (m_eq + m_ub): A Theta A' over all rows
  kColumns,  // n x n: D + A_ub' Ds A_ub, for LPs without equality rows
};

// Picks the cheaper normal form for a shape from a flop estimate of forming and factoring it.
NormalForm choose_normal_form(int n_vars, int m_eq, int m_ub);

template <typename T>
class HsdIpm {
 public:
  // Allocates every buffer for LPs of `shape` (throws std::bad_alloc when memory is short).
  HsdIpm(const lplb_shape& shape, const IpmOptions& options);

  // Solves one validated LP and writes every non-null field of `out`.
  void solve(const LpView& lp, const SolutionView& out);

  NormalForm normal_form() const { return form_; }

 private:
  // Internal columns: x' >= 0 (shifted lower bound or flipped upper bound), x' in [0, u]
  // (both bounds), or one half of a free variable split as x = x+ - x-.
  enum Kind : uint8_t { kLowerBounded = 0, kBoxed = 1, kSplitFree = 2 };
  // Where polish() puts a column.
  enum PolishState : uint8_t { kAtLower = 0, kAtUpper = 1, kFreeColumn = 2 };

  // hsd_problem.cc: building the internal problem (false when the equalities alone are
  // inconsistent; y_ then holds the certificate) and writing the results.
  bool transform(const LpView& lp);
  void equilibrate_and_store(const LpView& lp);
  bool drop_dependent_equalities();
  bool settle_empty_rows();
  void index_nonzeros();
  void write_solution(const LpView& lp, const SolutionView& out, lplb_status status, int iterations);

  // hsd_ipm.cc: the iterations.
  lplb_status run(int max_iterations, int* iterations);
  void initial_point();
  void compute_residuals();
  void multiply(const T* x, T* out) const;
  void multiply_transpose_add(const T* y, T alpha, T* out) const;
  bool check_termination(lplb_status* status, T* merit);
  bool within_rounding(T tol);
  bool farkas_within_rounding(T bound);
  bool ray_within_rounding(T bound);
  T dual_residual(int k) const;
  T objective_gap() const;
  T complementarity() const;
  bool factor();
  void base_solve(const T* f, const T* g, T* p, T* q);
  void solve_augmented(const T* f, const T* g, T* p, T* q);
  bool solve_tau_column();
  bool direction(T eta, T sigma_mu, T corrector);
  T max_step() const;
  bool polish();
  bool crossover();
  // The current iterate's residuals, then whether the termination test finds it optimal.
  bool passes_as_optimal();
  struct Snapshot;
  void save(Snapshot* snapshot) const;
  void restore(const Snapshot& snapshot);

  // Shape and options.
  int n_, m_eq_, m_ub_, m_;
  IpmOptions options_;
  NormalForm form_;
  T regularization_primal_, regularization_dual_, pivot_floor_, infeasibility_tolerance_;
  T loose_infeasibility_tolerance_;  // accepted for a certificate only when the run stalls
  int max_refinement_steps_;
  int refinement_steps_ = 0;  // iterative refinement steps per Newton solve, set per iteration

  // Internal problem of the current LP: nc_ structural columns (fixed variables removed, free
  // ones split in two), then m_ub_ slack columns; N_ = nc_ + m_ub_. Sizes below use
  // n2 = 2 n_, the most structural columns there can be.
  int nc_ = 0, N_ = 0;
  std::vector<int32_t> column_of_;    // [n2] original variable of column k
  std::vector<uint8_t> kind_;         // [n2] Kind
  std::vector<double> sign_;          // [n2] x_j = shift_j + sign_k * x'_k
  std::vector<double> column_scale_;  // [n2]
  std::vector<double> row_scale_;     // [m]
  std::vector<double> shift_;         // [n] by original index
  double cost_scale_ = 1, rhs_scale_ = 1, objective_offset_ = 0;
  double b_norm_ = 0, c_norm_ = 0;    // max |b| and max |c| of the original LP
  std::vector<double> a64_;           // [m*n2] nonzeros of the signed active columns of A by rows, float64
  std::vector<int32_t> a64_start_, a64_column_;  // [m+1], [m*n2] their row starts and columns
  std::vector<T> a_;                  // [m][nc] scaled matrix, row-major with stride nc_
  std::vector<T> at_;                 // [nc][m] its transpose (columns form only)
  std::vector<T> b_, c_, width_;      // [m], [N] (slacks cost 0), [n2] upper - lower (boxed)
  std::vector<T> box_;                // [n2] 1 for boxed columns, else 0
  // The nonzeros of a_ by rows and by columns; used instead of a_ when they are few.
  bool sparse_ = false;
  std::vector<int32_t> csr_start_, csr_column_, csc_start_, csc_row_;  // [m+1], [m*n2], [n2+1], [m*n2]
  std::vector<T> csr_value_, csc_value_;                               // [m*n2]
  // Weights turning internal residuals into the relative measures of the report.
  std::vector<T> row_weight_, column_weight_, width_weight_;  // [m], [N], [n2]
  std::vector<double> work_row_, work_col_, work_norm_;       // [m], [n2] shifted b, widths; [n2] scratch
  std::vector<double> work_magnitude_;                        // [m] |b| + sum |a shift| per row
  std::vector<double> elimination_rows_, elimination_combo_, elimination_rhs_;  // [m_eq][n2], [m_eq]^2, [m_eq]
  std::vector<int32_t> pivot_column_;                                           // [m_eq]
  std::vector<double> report_x_, report_y_, report_z_lower_, report_z_upper_, report_reduced_;

  // Iterate.
  std::vector<T> x_, z_, w_, v_, y_;  // [N], [N], [n2], [n2], [m]
  T tau_ = 1, kappa_ = 1;
  int complementarity_pairs_ = 1;
  // Residuals of the embedding and the two objectives c'x and b'y - u'v.
  std::vector<T> fp_, fu_, fd_;  // [m], [n2], [N]
  T fg_ = 0, primal_objective_ = 0, dual_objective_ = 0;
  // Newton systems.
  std::vector<T> inv_x_, zx_, inv_w_, vw_;  // [N] 1/x, Z/X; [n2] 1/w, V/W (0 off boxes)
  std::vector<T> d_, theta_;                // [N] Z/X + V/W and 1 / (that + regularisation)
  std::vector<T> normal_;                   // rows form [m][m], columns form [nc][nc]
  std::vector<T> scaled_;                   // rows form A Theta [m][nc], columns form Ds A_ub' [nc][m_ub]
  std::vector<T> inv_diag_;                 // [max(m, n2)]
  std::vector<T> p1_, q1_, p2_, q2_, rf_, rg_, ep_, eq_, tmp_n_, tmp_m_, work_m_;
  std::vector<T> c_hat_, tau_rhs_;  // [N], [m] right-hand side of the tau column
  std::vector<T> p1_over_;          // [n2] p1 - u on boxed columns
  T tau_denominator_ = 0;
  std::vector<T> rxz_, rwv_, ru_, folded_, rhs_d_;  // [N], [n2], [n2], [n2], [N]
  T rtk_ = 0;
  std::vector<T> dx_, dz_, dw_, dv_, dy_;  // [N], [N], [n2], [n2], [m]
  T dtau_ = 0, dkappa_ = 0;
  std::vector<T> dx_aff_, dz_aff_, dw_aff_, dv_aff_;
  T dtau_aff_ = 0, dkappa_aff_ = 0;
  // A copy of the iterate.
  struct Snapshot {
    std::vector<T> x, z, w, v, y;  // [N], [N], [n2], [n2], [m]
    T tau = 1, kappa = 1;
  };
  Snapshot best_;         // smallest optimality measure of the run
  Snapshot certificate_;  // smallest infeasibility certificate residual of the run
  // Certificate residuals of the current iterate relative to b'y - u'v and -c'x (infinite when
  // that value is not positive), set by check_termination().
  T farkas_ratio_ = 0, ray_ratio_ = 0;
  std::vector<int32_t> polish_columns_, polish_rows_;  // [n2 + 1], [m]
  std::vector<int32_t> polish_row_slot_, polish_column_slot_;  // [m], [n2]
  std::vector<uint8_t> polish_state_;                 // [n2]
  std::vector<T> ray_;  // [N] x of a dual infeasibility certificate, kept across phase one
  Crossover<T> crossover_;  // sized for m rows and n2 columns when m is small enough, else empty
};

}  // namespace cpu
}  // namespace lplb

#endif  // LPLB_SRC_CPU_HSD_IPM_H

// Crossover from an approximate interior-point optimum to an optimal basic solution, for the
// internal problem of hsd_problem.cc written with one logical column per row:
//
//     minimise c'x  subject to  A x + s = b,  0 <= x <= u,  0 <= s <= r,
//
// where r_i = 0 on an equality row and +inf on an inequality row (s is then its slack). A basis
// is picked from the point: the columns farthest inside their bounds relative to their
// multipliers first, as long as they are independent, completed with logicals. A bounded-variable
// primal simplex on the dense basis inverse then makes it primal feasible (phase one minimises
// the bound violations of the basic variables) and dual feasible. Columns inside their bounds
// that did not enter the basis keep their values until pricing pushes them to a bound.
//
// Meant for the small LPs the interior-point iterations fail to finish (near-degenerate ones),
// where a vertex settles what a central path cannot: dense, all memory sized at construction.
#ifndef LPLB_SRC_CPU_CROSSOVER_H
#define LPLB_SRC_CPU_CROSSOVER_H

#include <cstdint>
#include <vector>

namespace lplb {
namespace cpu {

// T is the type of the matrix values; the simplex itself computes in float64.
template <typename T>
class Crossover {
 public:
  // Allocates every buffer for up to `max_rows` rows and `max_columns` structural columns.
  Crossover(int max_rows, int max_columns);

  // The problem of the next solve(): `rows` rows, the first `equalities` of them equalities, and
  // `columns` structural columns whose nonzeros are given by columns (start, row index, value);
  // these arrays are read during solve(), not copied. Sets the logicals' costs and bounds; the
  // caller then fills cost(), upper() and rhs(). False, and nothing set, for more rows or
  // columns than the buffers were allocated for.
  bool set_problem(int rows, int equalities, int columns, const int32_t* column_start, const int32_t* row_index,
                   const T* value);

  // Per column, structural ones first and then one logical per row: cost and upper bound (only
  // the structural entries are the caller's), the starting point (in; the basic solution after a
  // successful solve()) and how far inside its bounds the point has the column relative to its
  // multipliers (in [0, 1]; larger is more likely basic). rhs() has one entry per row.
  double* cost() { return cost_.data(); }
  double* upper() { return upper_.data(); }
  double* rhs() { return rhs_.data(); }
  double* value() { return value_.data(); }
  double* score() { return score_.data(); }

  // Runs at most `max_pivots` simplex steps. True when the basic solution is primal feasible
  // within `primal_tolerance` and dual feasible within `dual_tolerance`; value(), row_dual() and
  // reduced_cost() (c - A'y per column, logicals included) then hold it.
  bool solve(double primal_tolerance, double dual_tolerance, int max_pivots);

  const double* row_dual() const { return row_dual_.data(); }
  const double* reduced_cost() const { return reduced_.data(); }

 private:
  void load_column(int j, double* dense) const;
  double column_dot(int j, const double* row_vector) const;
  void inverse_times_column(int j, double* out) const;
  void crash();
  bool refactor();
  void compute_basic_values();
  void compute_row_dual(const double* basic_cost);
  void update_inverse(int position, const double* alpha);

  int max_rows_, max_columns_, rows_ = 0, columns_ = 0, total_ = 0;
  const int32_t* column_start_ = nullptr;
  const int32_t* row_index_ = nullptr;
  const T* matrix_value_ = nullptr;
  std::vector<double> cost_, upper_, value_, score_, reduced_;  // [max_columns + max_rows]
  std::vector<double> rhs_, row_dual_, basic_cost_, alpha_, work_;  // [max_rows]
  std::vector<double> inverse_, scratch_;                          // [max_rows]^2, row-major
  std::vector<int32_t> basic_;                                     // [max_rows] column at each position
  std::vector<int32_t> position_, order_;                          // [max_columns + max_rows]
  std::vector<int32_t> pivot_row_;                                 // [max_rows]
  std::vector<uint8_t> row_taken_;                                 // [max_rows]
};

}  // namespace cpu
}  // namespace lplb

#endif  // LPLB_SRC_CPU_CROSSOVER_H

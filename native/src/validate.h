// Argument checks of the C API. Each returns LPLB_OK, or LPLB_ERR_INVALID_ARGUMENT (or
// LPLB_ERR_OUT_OF_MEMORY for shapes too large to hold) with a last-error message that names
// the argument, the LP and the position, and what was expected.
#ifndef LPLB_SRC_VALIDATE_H
#define LPLB_SRC_VALIDATE_H

#include "lplb/ipm.h"

namespace lplb {

// Largest n_vars, m_eq or m_ub accepted.
constexpr int32_t kMaxDimension = 1 << 20;
// Largest number of dense matrix entries (n_vars * (m_eq + m_ub)) a workspace may hold; the
// workspace keeps several dense copies of that size (about 100 bytes per entry in all).
constexpr double kMaxMatrixEntries = 16777216.0;  // 2^24

lplb_error validate_shape(const lplb_shape* shape);
// The caller's settings, or the float64 defaults where it passed NULL (not yet validated).
lplb_ipm_settings settings_or_defaults(const lplb_ipm_settings* settings);
lplb_error validate_settings(const lplb_ipm_settings& settings);
// Checks every pointer and every coefficient of every LP; reads only.
lplb_error validate_batch(const lplb_shape& shape, const lplb_lp_batch* lps, const lplb_solution_batch* out);

}  // namespace lplb

#endif  // LPLB_SRC_VALIDATE_H

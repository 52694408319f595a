// Backend interface: one implementation per device kind (native/src/cpu, later native/src/cuda).
// A backend is created for one shape and settings and then solves validated batches.
#ifndef LPLB_SRC_BACKEND_H
#define LPLB_SRC_BACKEND_H

#include <memory>

#include "lplb/ipm.h"

namespace lplb {

class Backend {
 public:
  virtual ~Backend() = default;
  // Solves every LP of an already validated batch. Returns LPLB_OK, or an error code with the
  // last-error message set.
  virtual lplb_error solve_batch(const lplb_lp_batch& lps, const lplb_solution_batch& out) = 0;
};

// Creates the backend named by settings.backend for LPs of `shape` (both validated). On
// failure returns the error code with the last-error message set and leaves *out empty.
lplb_error create_backend(const lplb_shape& shape, const lplb_ipm_settings& settings, std::unique_ptr<Backend>* out);

namespace cpu {
lplb_error create_cpu_backend(const lplb_shape& shape, const lplb_ipm_settings& settings,
                              std::unique_ptr<Backend>* out);
}  // namespace cpu

// Fills the CUDA fields of the capabilities (this build: not compiled in).
void fill_cuda_capabilities(lplb_capabilities* capabilities);

}  // namespace lplb

#endif  // LPLB_SRC_BACKEND_H

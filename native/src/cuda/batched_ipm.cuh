// Batched LP solver on the GPU: one kernel launch solves every LP of a batch, one thread block
// per LP. The block keeps its LP in shared memory (float32) and runs the homogeneous self-dual
// embedding with Mehrotra's predictor-corrector, like the CPU method of native/src/cpu: each
// Newton system is reduced to the regularised normal matrix A Theta A' + delta I of the
// inequality rows (slack columns included), assembled and Cholesky-factored in shared memory by
// the block's threads, and corrected by iterative refinement. The answer is checked in float64
// against the caller's data before it is reported optimal.
//
// Scope of this version: LPs without equality rows whose variables all have a finite lower
// bound and an upper bound that is +INFINITY or above the lower bound (the LPLB shape family:
// 0 <= p <= 1, z >= 0, inequality rows). Anything else (m_eq > 0, a lower bound of -INFINITY,
// a fixed variable) is reported per LP as LPLB_STATUS_NUMERICAL_ERROR. Infeasibility and
// unboundedness certificates are not produced yet: an LP whose embedding drives tau to zero is
// reported as LPLB_STATUS_NUMERICAL_ERROR too.
//
// solve() is upload-free (device pointers in, device pointers out), synchronises nothing and
// allocates nothing, so it can be captured in a CUDA graph. Inputs are assumed validated (finite
// coefficients, lower <= upper) as the C API's lplb_ipm_solve_batch validates them.
#ifndef LPLB_SRC_CUDA_BATCHED_IPM_CUH
#define LPLB_SRC_CUDA_BATCHED_IPM_CUH

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lplb/ipm.h"

namespace lplb {
namespace cuda {

struct BatchedIpmOptions {
  int max_iterations = 100;
  // Stopping measure of the float32 iterations (relative residuals and gap, internal data).
  float tolerance = 1e-6f;
  // The float64 check of the answer: primal infeasibility / (1 + max|b|), dual infeasibility /
  // (1 + max|c|) and |c'x - dual objective| / (1 + |c'x|) must all be within this.
  double check_tolerance = 1e-5;
};

// A batch on the device, laid out as lplb_lp_batch (every array contiguous over the batch).
// lower NULL means 0, upper NULL means +INFINITY; a_eq/b_eq are unused (m_eq must be 0 to be
// solved).
struct DeviceLpBatch {
  int32_t batch;
  const double* c;
  const double* a_eq;
  const double* b_eq;
  const double* a_ub;
  const double* b_ub;
  const double* lower;
  const double* upper;
};

// Device outputs, laid out as lplb_solution_batch; any pointer but `status` may be NULL.
// y_ub follows the C API's sign convention (non-negative multipliers of A_ub x <= b_ub).
struct DeviceSolutionBatch {
  int32_t* status;          // [batch] lplb_status
  double* x;                // [batch][n_vars]
  double* y_ub;             // [batch][m_ub]
  double* objective;        // [batch] c'x
  double* primal_residual;  // [batch] float64 check values (see BatchedIpmOptions)
  double* dual_residual;    // [batch]
  double* duality_gap;      // [batch]
  int32_t* iterations;      // [batch]
};

class BatchedIpm {
 public:
  // Prepares the kernel for LPs of `shape` on the current device. Fails with
  // LPLB_ERR_BACKEND_UNAVAILABLE when there is no usable device and LPLB_ERR_INVALID_ARGUMENT
  // when the shape is invalid or its shared-memory footprint exceeds what one block may use;
  // *message says why.
  static lplb_error create(const lplb_shape& shape, const BatchedIpmOptions& options,
                           std::unique_ptr<BatchedIpm>* out, std::string* message);

  // Enqueues one launch on `stream` that solves every LP of `lps` and writes `out`. Returns the
  // launch error (cudaSuccess when enqueued); batch 0 enqueues nothing.
  cudaError_t solve(const DeviceLpBatch& lps, const DeviceSolutionBatch& out, cudaStream_t stream) const;

  const lplb_shape& shape() const { return shape_; }
  size_t shared_bytes() const { return shared_bytes_; }
  int threads_per_block() const { return threads_; }

 private:
  BatchedIpm() = default;
  lplb_shape shape_{};
  BatchedIpmOptions options_{};
  size_t shared_bytes_ = 0;
  int threads_ = 0;
};

// Shared memory one block needs for `shape` (bytes).
size_t batched_ipm_shared_bytes(const lplb_shape& shape);

}  // namespace cuda
}  // namespace lplb

#endif  // LPLB_SRC_CUDA_BATCHED_IPM_CUH

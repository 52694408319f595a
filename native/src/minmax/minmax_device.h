// Seam between the min-max C API and its CUDA implementation (native/src/cuda). Without CUDA
// in the build, minmax_device_stub.cc says so.
#ifndef LPLB_SRC_MINMAX_MINMAX_DEVICE_H
#define LPLB_SRC_MINMAX_MINMAX_DEVICE_H

#include <memory>

#include "lplb/minmax.h"

namespace lplb {
namespace minmax {

class DeviceSolver {
 public:
  virtual ~DeviceSolver() = default;
  // Host arrays in and out: uploads, solves and downloads, then waits for the device.
  virtual lplb_error solve_host(const lplb_minmax_batch& groups, const lplb_minmax_solution& out) = 0;
  // Device arrays in and out, enqueued on `stream` (a cudaStream_t): no synchronisation, no
  // allocation.
  virtual lplb_error solve_device(const lplb_minmax_batch& groups, const lplb_minmax_solution& out, void* stream) = 0;
  // The method the kernel runs (LPLB_MINMAX_METHOD_FLOW by default).
  virtual void set_method(lplb_minmax_method method) = 0;
};

// Creates the device solver for groups of `shape` (validated) on the current CUDA device; on
// failure sets the last error and returns its code.
lplb_error create_device_solver(const lplb_minmax_shape& shape, const lplb_ipm_settings& settings,
                                std::unique_ptr<DeviceSolver>* out);

}  // namespace minmax
}  // namespace lplb

#endif  // LPLB_SRC_MINMAX_MINMAX_DEVICE_H

// The device seam of a build without CUDA.
#include "last_error.h"
#include "minmax/minmax_device.h"

namespace lplb {
namespace minmax {

lplb_error create_device_solver(const lplb_minmax_shape&, const lplb_ipm_settings&, std::unique_ptr<DeviceSolver>*) {
  return set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE,
                        "backend CUDA is unavailable: this build of lplb has no CUDA backend (configured without CUDA); "
                        "use backend CPU");
}

}  // namespace minmax
}  // namespace lplb

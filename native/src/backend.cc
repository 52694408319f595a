#include "backend.h"

#include <cstdio>

#include "last_error.h"

#ifndef LPLB_CUDA_BUILT
#define LPLB_CUDA_BUILT 0
#endif

namespace lplb {
namespace {

constexpr const char* kCudaNotBuilt =
    "this build of lplb has no CUDA backend (configured without CUDA); use backend CPU";
// With CUDA built, the device serves the min-max solver (lplb/minmax.h) only.
constexpr const char* kCudaMinMaxOnly =
    "the CUDA backend of this build solves the LPLB min-max LP (lplb/minmax.h); general LPs run on backend CPU";

}  // namespace

#if LPLB_CUDA_BUILT
namespace cuda {
void query_devices(lplb_capabilities* capabilities);
}  // namespace cuda
#endif

lplb_error create_backend(const lplb_shape& shape, const lplb_ipm_settings& settings, std::unique_ptr<Backend>* out) {
  switch (settings.backend) {
    case LPLB_BACKEND_CPU:
      return cpu::create_cpu_backend(shape, settings, out);
    case LPLB_BACKEND_CUDA:
      return set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "backend CUDA is unavailable: %s",
                            LPLB_CUDA_BUILT ? kCudaMinMaxOnly : kCudaNotBuilt);
  }
  return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "settings.backend: expected LPLB_BACKEND_CPU (0) or LPLB_BACKEND_CUDA (1), got %d",
                        static_cast<int>(settings.backend));
}

void fill_cuda_capabilities(lplb_capabilities* capabilities) {
  capabilities->cuda_built = LPLB_CUDA_BUILT;
#if LPLB_CUDA_BUILT
  cuda::query_devices(capabilities);
#else
  capabilities->cuda_usable = 0;
  capabilities->cuda_device_count = 0;
  std::snprintf(capabilities->cuda_reason, sizeof(capabilities->cuda_reason), "%s", kCudaNotBuilt);
#endif
}

}  // namespace lplb

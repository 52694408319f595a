// CUDA driver and device status for lplb_get_capabilities.
#include <cuda_runtime.h>

#include <cstdio>

#include "lplb/ipm.h"

namespace lplb {
namespace cuda {

void query_devices(lplb_capabilities* capabilities) {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  capabilities->cuda_device_count = error == cudaSuccess ? count : 0;
  capabilities->cuda_usable = error == cudaSuccess && count > 0 ? 1 : 0;
  if (error != cudaSuccess) {
    std::snprintf(capabilities->cuda_reason, sizeof capabilities->cuda_reason, "no usable CUDA driver or device: %s",
                  cudaGetErrorString(error));
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
  } else if (count == 0) {
    std::snprintf(capabilities->cuda_reason, sizeof capabilities->cuda_reason, "no CUDA device");
  } else {
    capabilities->cuda_reason[0] = '\0';
  }
}

}  // namespace cuda
}  // namespace lplb

// The CUDA implementation of minmax/minmax_device.h: device copies of the group structure and,
// for host calls, staging buffers that grow with the batch.
#include <cuda_runtime.h>

#include <vector>

#include "last_error.h"
#include "minmax/minmax_device.h"
#include "minmax_kernel.cuh"

namespace lplb {
namespace minmax {
namespace {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(data_); }
  cudaError_t reserve(size_t count) {
    if (count <= capacity_) return cudaSuccess;
    cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
    const cudaError_t error = cudaMalloc(&data_, count * sizeof(T));
    if (error == cudaSuccess) capacity_ = count;
    return error;
  }
  T* get() const { return data_; }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

lplb_error cuda_failure(const char* what, cudaError_t error) {
  return set_last_error(error == cudaErrorMemoryAllocation ? LPLB_ERR_OUT_OF_MEMORY : LPLB_ERR_BACKEND_UNAVAILABLE,
                        "%s failed: %s", what, cudaGetErrorString(error));
}

class CudaMinMax final : public DeviceSolver {
 public:
  lplb_error init(const lplb_minmax_shape& shape, const lplb_ipm_settings& settings) {
    n_ranks_ = shape.n_ranks;
    n_slots_ = shape.n_slots;
    const int edges = n_ranks_ * n_slots_;
    options_.max_iterations = settings.max_iterations;
    options_.tolerance = settings.tolerance;
    options_.single_precision = settings.precision == LPLB_PRECISION_FLOAT32;
    // Per rank, the edges whose copy it holds, in edge order.
    std::vector<int32_t> start(n_ranks_ + 1, 0), in_edge(edges);
    for (int e = 0; e < edges; ++e) ++start[shape.replica_rank[e] + 1];
    for (int r = 0; r < n_ranks_; ++r) start[r + 1] += start[r];
    std::vector<int32_t> fill(start.begin(), start.end() - 1);
    for (int e = 0; e < edges; ++e) in_edge[fill[shape.replica_rank[e]]++] = e;
    cudaError_t error = structure_.reserve(static_cast<size_t>(edges) * 2 + n_ranks_ + 1);
    if (error != cudaSuccess) return cuda_failure("cudaMalloc of the group structure", error);
    int32_t* base = structure_.get();
    error = cudaMemcpy(base, shape.replica_rank, sizeof(int32_t) * edges, cudaMemcpyHostToDevice);
    if (error == cudaSuccess) error = cudaMemcpy(base + edges, start.data(), sizeof(int32_t) * (n_ranks_ + 1), cudaMemcpyHostToDevice);
    if (error == cudaSuccess)
      error = cudaMemcpy(base + edges + n_ranks_ + 1, in_edge.data(), sizeof(int32_t) * edges, cudaMemcpyHostToDevice);
    if (error != cudaSuccess) return cuda_failure("cudaMemcpy of the group structure", error);
    device_shape_ = {n_ranks_, n_slots_, base, base + edges, base + edges + n_ranks_ + 1};
    return LPLB_OK;
  }

  lplb_error solve_device(const lplb_minmax_batch& groups, const lplb_minmax_solution& out, void* stream) override {
    const cudaError_t error =
        cuda::launch_minmax(device_shape_, options_, groups, out, static_cast<cudaStream_t>(stream));
    return error == cudaSuccess ? LPLB_OK : cuda_failure("the min-max kernel launch", error);
  }

  lplb_error solve_host(const lplb_minmax_batch& groups, const lplb_minmax_solution& out) override {
    const size_t count = static_cast<size_t>(groups.batch);
    const size_t ranks = count * n_ranks_, edges = ranks * n_slots_;
    cudaError_t error = doubles_.reserve(ranks + 2 * edges + 3 * count);
    if (error == cudaSuccess) error = ints_.reserve(2 * count);
    if (error != cudaSuccess) return cuda_failure("cudaMalloc of the batch", error);
    double* fixed = doubles_.get();
    double* slot = fixed + ranks;
    double* keep = slot + edges;
    double* max_load = keep + edges;
    double* lower = max_load + count;
    double* gap = lower + count;
    int32_t* status = ints_.get();
    int32_t* iterations = status + count;
    error = cudaMemcpy(fixed, groups.fixed_load, sizeof(double) * ranks, cudaMemcpyHostToDevice);
    if (error == cudaSuccess) error = cudaMemcpy(slot, groups.slot_load, sizeof(double) * edges, cudaMemcpyHostToDevice);
    if (error != cudaSuccess) return cuda_failure("cudaMemcpy of the batch", error);
    const lplb_minmax_batch device_groups{groups.batch, fixed, slot};
    const lplb_minmax_solution device_out{status, keep, max_load, lower, gap, iterations};
    error = cuda::launch_minmax(device_shape_, options_, device_groups, device_out, nullptr);
    if (error != cudaSuccess) return cuda_failure("the min-max kernel launch", error);
    error = cudaMemcpy(out.status, status, sizeof(int32_t) * count, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess) error = cudaMemcpy(out.keep, keep, sizeof(double) * edges, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess && out.max_load) error = cudaMemcpy(out.max_load, max_load, sizeof(double) * count, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess && out.lower_bound) error = cudaMemcpy(out.lower_bound, lower, sizeof(double) * count, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess && out.gap) error = cudaMemcpy(out.gap, gap, sizeof(double) * count, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess && out.iterations)
      error = cudaMemcpy(out.iterations, iterations, sizeof(int32_t) * count, cudaMemcpyDeviceToHost);
    if (error != cudaSuccess) return cuda_failure("the min-max kernel or its download", error);
    return LPLB_OK;
  }

 private:
  int n_ranks_ = 0, n_slots_ = 0;
  cuda::MinMaxKernelOptions options_;
  cuda::DeviceMinMaxShape device_shape_{};
  DeviceBuffer<int32_t> structure_;
  DeviceBuffer<double> doubles_;
  DeviceBuffer<int32_t> ints_;
};

}  // namespace

lplb_error create_device_solver(const lplb_minmax_shape& shape, const lplb_ipm_settings& settings,
                                std::unique_ptr<DeviceSolver>* out) {
  if (!cuda::minmax_kernel_supports(shape.n_ranks, shape.n_slots)) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                          "shape: the CUDA min-max kernel takes groups of up to %d ranks and %d slots in all, got %d "
                          "ranks x %d slots; use backend CPU",
                          cuda::kMinMaxMaxRanks, cuda::kMinMaxMaxEdges, shape.n_ranks, shape.n_slots);
  }
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess || devices == 0) {
    return set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "backend CUDA is unavailable: %s",
                          error != cudaSuccess ? cudaGetErrorString(error) : "no CUDA device");
  }
  auto solver = std::make_unique<CudaMinMax>();
  const lplb_error status = solver->init(shape, settings);
  if (status != LPLB_OK) return status;
  *out = std::move(solver);
  return LPLB_OK;
}

}  // namespace minmax
}  // namespace lplb

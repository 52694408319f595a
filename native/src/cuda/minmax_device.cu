// The CUDA implementation of minmax/minmax_device.h: device copies of the group structure and,
// for host calls, staging buffers that grow with the batch.
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "last_error.h"
#include "minmax/minmax_device.h"
#include "minmax/minmax_flow.h"
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

// Greedy colouring of the edges that join two ranks: each edge takes the first class with
// neither of its ranks, so a class is a matching and its edges can be levelled side by side.
void colour_edges(const std::vector<int32_t>& from, const int32_t* to, std::vector<int32_t>* offset,
                  std::vector<int32_t>* edge_of_class) {
  const int edges = static_cast<int>(from.size());
  std::vector<int32_t> colour(edges, -1);
  std::vector<uint64_t> ranks_of_class;  // bit r: rank r has an edge of the class (ranks < 64)
  for (int e = 0; e < edges; ++e) {
    if (from[e] == to[e]) continue;
    const uint64_t ends = (uint64_t{1} << from[e]) | (uint64_t{1} << to[e]);
    size_t c = 0;
    while (c < ranks_of_class.size() && (ranks_of_class[c] & ends) != 0) ++c;
    if (c == ranks_of_class.size()) ranks_of_class.push_back(0);
    ranks_of_class[c] |= ends;
    colour[e] = static_cast<int32_t>(c);
  }
  offset->assign(ranks_of_class.size() + 1, 0);
  for (int e = 0; e < edges; ++e)
    if (colour[e] >= 0) ++(*offset)[colour[e] + 1];
  for (size_t c = 0; c < ranks_of_class.size(); ++c) (*offset)[c + 1] += (*offset)[c];
  edge_of_class->assign((*offset)[ranks_of_class.size()], 0);
  std::vector<int32_t> fill(offset->begin(), offset->end() - 1);
  for (int e = 0; e < edges; ++e)
    if (colour[e] >= 0) (*edge_of_class)[fill[colour[e]]++] = e;
}

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
    // Both ends' incidence, for the exact method.
    std::vector<int32_t> from(edges), flow_offset(n_ranks_ + 1), flow_incident(2 * static_cast<size_t>(edges));
    for (int e = 0; e < edges; ++e) from[e] = e / n_slots_;
    flow::build_incidence(n_ranks_, edges, from.data(), shape.replica_rank, flow_offset.data(), flow_incident.data());
    options_.flow_max_steps = flow::max_phases(n_ranks_, edges);
    int32_t max_degree = 0;
    for (int r = 0; r < n_ranks_; ++r) max_degree = std::max(max_degree, flow_offset[r + 1] - flow_offset[r]);
    std::vector<int32_t> colour_offset, colour_edge;
    colour_edges(from, shape.replica_rank, &colour_offset, &colour_edge);
    colour_edge.resize(edges, 0);
    // One allocation: replica_rank, in_start, in_edge, flow_offset, flow_incident, colour_offset,
    // colour_edge, from.
    constexpr int kParts = 8;
    const size_t sizes[kParts] = {static_cast<size_t>(edges),      static_cast<size_t>(n_ranks_) + 1,
                                  static_cast<size_t>(edges),      static_cast<size_t>(n_ranks_) + 1,
                                  2 * static_cast<size_t>(edges),  colour_offset.size(),
                                  static_cast<size_t>(edges),      static_cast<size_t>(edges)};
    const int32_t* sources[kParts] = {shape.replica_rank,   start.data(),         in_edge.data(),    flow_offset.data(),
                                      flow_incident.data(), colour_offset.data(), colour_edge.data(), from.data()};
    size_t total = 0;
    for (size_t size : sizes) total += size;
    cudaError_t error = structure_.reserve(total);
    if (error != cudaSuccess) return cuda_failure("cudaMalloc of the group structure", error);
    int32_t* parts[kParts];
    int32_t* cursor = structure_.get();
    for (int k = 0; k < kParts && error == cudaSuccess; ++k) {
      parts[k] = cursor;
      error = cudaMemcpy(cursor, sources[k], sizeof(int32_t) * sizes[k], cudaMemcpyHostToDevice);
      cursor += sizes[k];
    }
    if (error != cudaSuccess) return cuda_failure("cudaMemcpy of the group structure", error);
    device_shape_ = {n_ranks_, n_slots_, parts[0], parts[1], parts[2], parts[3], parts[4],
                     static_cast<int32_t>(colour_offset.size()) - 1, parts[5], parts[6], parts[7],
                     flow_offset[n_ranks_], colour_offset.back(), max_degree};
    return LPLB_OK;
  }

  lplb_error solve_device(const lplb_minmax_batch& groups, const lplb_minmax_solution& out, void* stream) override {
    const cudaError_t error = launch(groups, out, static_cast<cudaStream_t>(stream));
    return error == cudaSuccess ? LPLB_OK : cuda_failure("the min-max kernel launch", error);
  }

  void set_method(lplb_minmax_method method) override { method_ = method; }

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
    error = launch(device_groups, device_out, nullptr);
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
  cudaError_t launch(const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream) const {
    return method_ == LPLB_MINMAX_METHOD_FLOW ? cuda::launch_minmax_flow(device_shape_, options_, groups, out, stream)
                                              : cuda::launch_minmax(device_shape_, options_, groups, out, stream);
  }

  lplb_minmax_method method_ = LPLB_MINMAX_METHOD_FLOW;
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

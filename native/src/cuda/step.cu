// lplb/step.h: the per-batch LPLB step on the GPU, built from the routing kernels, a min-max
// workspace of backend CUDA and two small kernels of its own (group loads from counts, routes
// from splits).
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "last_error.h"
#include "lplb/step.h"
#include "validate.h"

namespace lplb {
namespace cuda {
namespace {

constexpr int kMaxStepExperts = 8192;

// Per flat slot, the summed counts of its experts; per flat rank, those of its experts without a
// copy. One thread per slot or rank, each summing its own list in order (deterministic).
__global__ void group_loads(const int32_t* counts, int32_t n_slots_total, int32_t n_ranks_total,
                            const int32_t* slot_start, const int32_t* slot_expert, const int32_t* rank_start,
                            const int32_t* rank_expert, double* slot_load, double* fixed_load) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < n_slots_total) {
    double sum = 0;
    for (int j = slot_start[k]; j < slot_start[k + 1]; ++j) sum += counts[slot_expert[j]];
    slot_load[k] = sum;
  } else if (k < n_slots_total + n_ranks_total) {
    const int r = k - n_slots_total;
    double sum = 0;
    for (int j = rank_start[r]; j < rank_start[r + 1]; ++j) sum += counts[rank_expert[j]];
    fixed_load[r] = sum;
  }
}

__device__ inline int gcd(int a, int b) {
  while (b != 0) {
    const int rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

// The stride of @lplb/planner's spreadStride: near total / phi, coprime with total.
__device__ inline int spread_stride(int total) {
  if (total <= 2) return 1;
  int stride = static_cast<int>(floor(total * 0.6180339887498949 + 0.5));
  while (gcd(stride, total) != 1) ++stride;
  return stride;
}

// Routes of every expert from its local token count and its group's split (even when the
// group's LP is not certified), as @lplb/planner's selectTargets builds them.
__global__ void expert_routes(const int32_t* local_counts, int32_t n_experts, int32_t per_group,
                              const int32_t* slot_index, const int32_t* original_of, const int32_t* copy_of,
                              const double* keep, const int32_t* status, lplb_route* routes) {
  const int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= n_experts) return;
  const int slot = slot_index[e];
  const int total = local_counts[e];
  if (slot < 0 || total <= 0) {
    routes[e] = lplb_route{1, 0, 1, original_of[e], original_of[e]};
    return;
  }
  const double p = status[slot / per_group] == LPLB_STATUS_OPTIMAL ? keep[slot] : 0.5;
  const int kept = min(total, static_cast<int>(floor(p * total + 0.5)));
  routes[e] = lplb_route{kept, spread_stride(total) % total, total, original_of[e], copy_of[e]};
}

}  // namespace
}  // namespace cuda
}  // namespace lplb

struct lplb_step {
  lplb_step_layout sizes{};
  int64_t max_ids = 0;
  int32_t n_chunks = 1;
  int64_t chunk_size = 1;
  lplb_minmax_workspace* solver = nullptr;
  void* block = nullptr;  // one device allocation for every buffer below
  int32_t *slot_index, *original_of, *copy_of, *slot_start, *slot_expert, *rank_start, *rank_expert;
  int32_t *counts, *chunk_counts, *chunk_offsets, *status, *iterations;
  double *slot_load, *fixed_load, *keep, *max_load;
  lplb_route* routes;
  // The results, contiguous so that lplb_step_read copies them in one transfer: status,
  // keep, max_load, bad_index (at `results`, `results_bytes` long), staged in pinned memory.
  void* results = nullptr;
  size_t results_bytes = 0;
  char* staging = nullptr;
  size_t keep_offset = 0, max_load_offset = 0, bad_index_offset = 0;
  int64_t* bad_index;
};

namespace {

lplb_error cuda_failure(const char* what, cudaError_t error) {
  return lplb::set_last_error(error == cudaErrorMemoryAllocation ? LPLB_ERR_OUT_OF_MEMORY : LPLB_ERR_BACKEND_UNAVAILABLE,
                              "%s failed: %s", what, cudaGetErrorString(error));
}

// The arguments every step call that takes ids shares.
lplb_error check_ids(const lplb_step* step, const lplb_expert_ids* ids) {
  if (!step) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "step is NULL");
  if (!ids || ids->length > step->max_ids) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids: expected at most %lld ids (the step's max_ids)",
                                static_cast<long long>(step->max_ids));
  }
  return LPLB_OK;
}

lplb_error check_layout(const lplb_step_layout* layout) {
  if (!layout) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout is NULL");
  const int32_t E = layout->n_experts;
  if (E < 1 || E > lplb::cuda::kMaxStepExperts) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout.n_experts: expected an integer in [1, %d], got %d",
                                lplb::cuda::kMaxStepExperts, E);
  }
  if (layout->n_groups < 1 || layout->n_ranks < 1 || layout->n_slots < 1 ||
      static_cast<int64_t>(layout->n_groups) * layout->n_ranks * layout->n_slots > (int64_t{1} << 24)) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout: expected n_groups, n_ranks, n_slots >= 1, got %d, %d, %d",
                                layout->n_groups, layout->n_ranks, layout->n_slots);
  }
  if (!layout->replica_rank || !layout->slot_index || !layout->rank_index || !layout->original_of || !layout->copy_of) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout: every array must be given");
  }
  const int32_t slots_total = layout->n_groups * layout->n_ranks * layout->n_slots;
  const int32_t ranks_total = layout->n_groups * layout->n_ranks;
  for (int32_t e = 0; e < E; ++e) {
    if (layout->slot_index[e] < -1 || layout->slot_index[e] >= slots_total) {
      return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout.slot_index[%d] is %d, expected -1 or a slot in [0, %d)", e,
                                  layout->slot_index[e], slots_total);
    }
    if (layout->rank_index[e] < 0 || layout->rank_index[e] >= ranks_total) {
      return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "layout.rank_index[%d] is %d, expected a rank in [0, %d)", e,
                                  layout->rank_index[e], ranks_total);
    }
  }
  return LPLB_OK;
}

}  // namespace

extern "C" {

lplb_error lplb_step_create(const lplb_step_layout* layout, const lplb_ipm_settings* settings, int64_t max_ids,
                            int32_t n_chunks, lplb_step** out) {
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  lplb_error error = check_layout(layout);
  if (error != LPLB_OK) return error;
  if (max_ids < 0 || max_ids > INT32_MAX || n_chunks < 1 || n_chunks > (1 << 16)) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "max_ids in [0, %d] and n_chunks in [1, 65536] expected, got %lld and %d",
                                INT32_MAX, static_cast<long long>(max_ids), n_chunks);
  }
  lplb_ipm_settings chosen = lplb::settings_or_defaults(settings);
  chosen.backend = LPLB_BACKEND_CUDA;
  const lplb_minmax_shape shape{layout->n_ranks, layout->n_slots, layout->replica_rank};
  lplb_minmax_workspace* solver = nullptr;
  error = lplb_minmax_workspace_create(&shape, &chosen, &solver);
  if (error != LPLB_OK) return error;

  const int32_t E = layout->n_experts, G = layout->n_ranks, D = layout->n_slots, nG = layout->n_groups;
  const int32_t slots_total = nG * G * D, ranks_total = nG * G;
  // Per slot and per rank, their experts (host lists, uploaded once).
  std::vector<int32_t> slot_start(slots_total + 1, 0), rank_start(ranks_total + 1, 0);
  for (int32_t e = 0; e < E; ++e) {
    if (layout->slot_index[e] >= 0) {
      ++slot_start[layout->slot_index[e] + 1];
    } else {
      ++rank_start[layout->rank_index[e] + 1];
    }
  }
  for (int32_t k = 0; k < slots_total; ++k) slot_start[k + 1] += slot_start[k];
  for (int32_t k = 0; k < ranks_total; ++k) rank_start[k + 1] += rank_start[k];
  std::vector<int32_t> slot_expert(std::max(slot_start[slots_total], 1)), rank_expert(std::max(rank_start[ranks_total], 1));
  std::vector<int32_t> slot_fill(slot_start.begin(), slot_start.end() - 1), rank_fill(rank_start.begin(), rank_start.end() - 1);
  for (int32_t e = 0; e < E; ++e) {
    if (layout->slot_index[e] >= 0) {
      slot_expert[slot_fill[layout->slot_index[e]]++] = e;
    } else {
      rank_expert[rank_fill[layout->rank_index[e]]++] = e;
    }
  }

  auto* step = new (std::nothrow) lplb_step();
  if (!step) {
    lplb_minmax_workspace_destroy(solver);
    return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory for the step");
  }
  step->sizes = *layout;
  step->sizes.replica_rank = step->sizes.slot_index = step->sizes.rank_index = nullptr;
  step->sizes.original_of = step->sizes.copy_of = nullptr;
  step->max_ids = max_ids;
  step->n_chunks = n_chunks;
  step->chunk_size = std::max<int64_t>(1, (max_ids + n_chunks - 1) / n_chunks);
  step->solver = solver;
  // One allocation: int32 arrays, then doubles, routes and the flag, each 16-byte aligned.
  const size_t ints[] = {static_cast<size_t>(E), static_cast<size_t>(E), static_cast<size_t>(E), slot_start.size(),
                         slot_expert.size(), rank_start.size(), rank_expert.size(), static_cast<size_t>(E),
                         static_cast<size_t>(E) * n_chunks, static_cast<size_t>(E) * n_chunks, static_cast<size_t>(nG)};
  const size_t doubles[] = {static_cast<size_t>(slots_total), static_cast<size_t>(ranks_total)};
  auto round_up = [](size_t bytes) { return (bytes + 15) & ~size_t{15}; };
  size_t bytes = 0;
  for (size_t n : ints) bytes += round_up(n * sizeof(int32_t));
  for (size_t n : doubles) bytes += round_up(n * sizeof(double));
  bytes += round_up(sizeof(lplb_route) * E);
  // The results region: status, keep, max_load, bad_index.
  step->keep_offset = round_up(sizeof(int32_t) * nG);
  step->max_load_offset = step->keep_offset + round_up(sizeof(double) * slots_total);
  step->bad_index_offset = step->max_load_offset + round_up(sizeof(double) * nG);
  step->results_bytes = step->bad_index_offset + sizeof(int64_t);
  bytes += round_up(step->results_bytes);
  cudaError_t cuda_error = cudaMalloc(&step->block, bytes);
  if (cuda_error == cudaSuccess) {
    void* staging = nullptr;
    cuda_error = cudaMallocHost(&staging, step->results_bytes);
    step->staging = static_cast<char*>(staging);
  }
  if (cuda_error != cudaSuccess) {
    lplb_step_destroy(step);
    return cuda_failure("cudaMalloc of the step buffers", cuda_error);
  }
  char* at = static_cast<char*>(step->block);
  auto take = [&](size_t size) {
    char* here = at;
    at += round_up(size);
    return here;
  };
  int32_t** int_fields[] = {&step->slot_index, &step->original_of, &step->copy_of,    &step->slot_start,
                            &step->slot_expert, &step->rank_start,  &step->rank_expert, &step->counts,
                            &step->chunk_counts, &step->chunk_offsets, &step->iterations};
  for (int k = 0; k < 11; ++k) *int_fields[k] = reinterpret_cast<int32_t*>(take(ints[k] * sizeof(int32_t)));
  double** double_fields[] = {&step->slot_load, &step->fixed_load};
  for (int k = 0; k < 2; ++k) *double_fields[k] = reinterpret_cast<double*>(take(doubles[k] * sizeof(double)));
  step->routes = reinterpret_cast<lplb_route*>(take(sizeof(lplb_route) * E));
  char* results = take(step->results_bytes);
  step->results = results;
  step->status = reinterpret_cast<int32_t*>(results);
  step->keep = reinterpret_cast<double*>(results + step->keep_offset);
  step->max_load = reinterpret_cast<double*>(results + step->max_load_offset);
  step->bad_index = reinterpret_cast<int64_t*>(results + step->bad_index_offset);
  const std::pair<int32_t*, const int32_t*> uploads[] = {
      {step->slot_index, layout->slot_index}, {step->original_of, layout->original_of}, {step->copy_of, layout->copy_of},
      {step->slot_start, slot_start.data()},  {step->slot_expert, slot_expert.data()}, {step->rank_start, rank_start.data()},
      {step->rank_expert, rank_expert.data()}};
  const size_t upload_sizes[] = {ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6]};
  for (int k = 0; k < 7 && cuda_error == cudaSuccess; ++k) {
    cuda_error = cudaMemcpy(uploads[k].first, uploads[k].second, upload_sizes[k] * sizeof(int32_t), cudaMemcpyHostToDevice);
  }
  if (cuda_error != cudaSuccess) {
    lplb_step_destroy(step);
    return cuda_failure("cudaMemcpy of the layout", cuda_error);
  }
  *out = step;
  return LPLB_OK;
}

lplb_error lplb_step_set_method(lplb_step* step, int32_t method) {
  lplb::clear_last_error();
  if (!step) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "step is NULL");
  return lplb_minmax_workspace_set_method(step->solver, method);
}

lplb_error lplb_step_count(lplb_step* step, const lplb_expert_ids* ids, void* stream) {
  lplb::clear_last_error();
  if (const lplb_error error = check_ids(step, ids)) return error;
  // All bits set: the largest value for the kernels' unsigned atomicMin (a memset, unlike a copy
  // from pageable host memory, does not wait for the stream).
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const cudaError_t error = cudaMemsetAsync(step->bad_index, 0xff, sizeof(int64_t), s);
  if (error != cudaSuccess) return cuda_failure("resetting the invalid-id flag", error);
  return lplb_count_experts_device(ids, step->sizes.n_experts, step->chunk_size, step->n_chunks, step->counts,
                                   step->chunk_counts, step->chunk_offsets, step->bad_index, stream);
}

int32_t* lplb_step_local_counts(lplb_step* step) { return step ? step->counts : nullptr; }

lplb_error lplb_step_solve_map(lplb_step* step, const lplb_expert_ids* ids, const int32_t* global_counts, int32_t* out,
                               void* stream) {
  lplb::clear_last_error();
  if (const lplb_error error = check_ids(step, ids)) return error;
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const lplb_step_layout& L = step->sizes;
  const int32_t slots_total = L.n_groups * L.n_ranks * L.n_slots, ranks_total = L.n_groups * L.n_ranks;
  const int32_t threads = 128;
  lplb::cuda::group_loads<<<(slots_total + ranks_total + threads - 1) / threads, threads, 0, s>>>(
      global_counts ? global_counts : step->counts, slots_total, ranks_total, step->slot_start, step->slot_expert,
      step->rank_start, step->rank_expert, step->slot_load, step->fixed_load);
  cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess) return cuda_failure("the group-load kernel launch", error);
  const lplb_minmax_batch groups{L.n_groups, step->fixed_load, step->slot_load};
  const lplb_minmax_solution solution{step->status, step->keep, step->max_load, nullptr, nullptr, step->iterations};
  lplb_error status = lplb_minmax_solve_device(step->solver, &groups, &solution, stream);
  if (status != LPLB_OK) return status;
  lplb::cuda::expert_routes<<<(L.n_experts + threads - 1) / threads, threads, 0, s>>>(
      step->counts, L.n_experts, L.n_ranks * L.n_slots, step->slot_index, step->original_of, step->copy_of, step->keep,
      step->status, step->routes);
  error = cudaGetLastError();
  if (error != cudaSuccess) return cuda_failure("the route kernel launch", error);
  return lplb_map_experts_device(ids, L.n_experts, step->routes, step->chunk_offsets, step->chunk_size, step->n_chunks,
                                 out, step->bad_index, stream);
}

lplb_error lplb_step_read(lplb_step* step, double* keep, int32_t* status, double* max_load, int64_t* bad_index,
                          void* stream) {
  lplb::clear_last_error();
  if (!step) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "step is NULL");
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  cudaError_t error = cudaMemcpyAsync(step->staging, step->results, step->results_bytes, cudaMemcpyDeviceToHost, s);
  if (error == cudaSuccess) error = cudaStreamSynchronize(s);
  if (error != cudaSuccess) return cuda_failure("reading the step's results", error);
  const lplb_step_layout& L = step->sizes;
  const size_t slots_total = static_cast<size_t>(L.n_groups) * L.n_ranks * L.n_slots;
  const auto* statuses = reinterpret_cast<const int32_t*>(step->staging);
  if (status) std::copy(statuses, statuses + L.n_groups, status);
  if (keep) {
    std::memcpy(keep, step->staging + step->keep_offset, sizeof(double) * slots_total);
    const size_t per_group = static_cast<size_t>(L.n_ranks) * L.n_slots;
    for (int32_t g = 0; g < L.n_groups; ++g)
      if (statuses[g] != LPLB_STATUS_OPTIMAL) std::fill(keep + g * per_group, keep + (g + 1) * per_group, 0.5);
  }
  if (max_load) std::memcpy(max_load, step->staging + step->max_load_offset, sizeof(double) * L.n_groups);
  int64_t flag = 0;
  std::memcpy(&flag, step->staging + step->bad_index_offset, sizeof flag);
  if (bad_index) *bad_index = flag < 0 || flag == INT64_MAX ? -1 : flag;
  return LPLB_OK;
}

void lplb_step_destroy(lplb_step* step) {
  if (!step) return;
  cudaFree(step->block);
  cudaFreeHost(step->staging);
  lplb_minmax_workspace_destroy(step->solver);
  delete step;
}

}  // extern "C"

extern "C" {

lplb_error lplb_device_alloc(size_t bytes, void** out) {
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  const cudaError_t error = cudaMalloc(out, bytes == 0 ? 1 : bytes);
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaMalloc", error);
}

lplb_error lplb_device_set(int32_t device) {
  lplb::clear_last_error();
  int count = 0;
  const cudaError_t counted = cudaGetDeviceCount(&count);
  if (counted != cudaSuccess) return cuda_failure("cudaGetDeviceCount", counted);
  if (device < 0 || device >= count) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "device %d is not in [0, %d): this machine has %d CUDA device(s)",
                                device, count, count);
  }
  const cudaError_t error = cudaSetDevice(device);
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaSetDevice", error);
}

lplb_error lplb_device_free(void* pointer) {
  lplb::clear_last_error();
  const cudaError_t error = cudaFree(pointer);
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaFree", error);
}

lplb_error lplb_device_copy(void* destination, const void* source, size_t bytes, int32_t to_device, void* stream,
                            int32_t wait) {
  lplb::clear_last_error();
  if (bytes == 0) return LPLB_OK;
  if (!destination || !source) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "NULL source or destination");
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  cudaError_t error = cudaMemcpyAsync(destination, source, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s);
  if (error == cudaSuccess && wait) error = cudaStreamSynchronize(s);
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaMemcpyAsync", error);
}

lplb_error lplb_stream_create(void** out) {
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  cudaStream_t stream = nullptr;
  const cudaError_t error = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  *out = stream;
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaStreamCreate", error);
}

lplb_error lplb_stream_destroy(void* stream) {
  lplb::clear_last_error();
  const cudaError_t error = cudaStreamDestroy(static_cast<cudaStream_t>(stream));
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaStreamDestroy", error);
}

lplb_error lplb_stream_synchronize(void* stream) {
  lplb::clear_last_error();
  const cudaError_t error = cudaStreamSynchronize(static_cast<cudaStream_t>(stream));
  return error == cudaSuccess ? LPLB_OK : cuda_failure("cudaStreamSynchronize", error);
}

}  // extern "C"

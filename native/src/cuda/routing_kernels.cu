// Token routing on the GPU (the device half of lplb/routing.h). Counting: one block per chunk
// builds the chunk's histogram in shared memory, then a scan over the chunks turns the chunk
// counts into prefix offsets. Mapping: one block per chunk walks it in rounds of kMapWarps x 32
// ids, in order; in each round every warp takes 32 consecutive ids, __match_any_sync finds its
// lanes holding the same expert, and the warps' per-expert counts, summed over the warps before
// it, place each warp after them: a token's ordinal is the expert's running count, plus the
// earlier warps' tokens of it, plus its rank among its warp's, as in the CPU loop.
#include <cuda_runtime.h>

#include <cstdint>

#include "last_error.h"
#include "lplb/routing.h"
#include "routing/routing_checks.h"

namespace lplb {
namespace cuda {
namespace {

constexpr int kMaxExperts = 8192;
constexpr int kCountThreads = 256;
// Warps of a mapping block; its shared memory holds the running counts and one count row per
// warp, so experts x (warps + 1) ints.
constexpr int kMapWarps = 8;
constexpr int kMapThreads = kMapWarps * 32;
// Above this many experts the rows do not fit in the 48 KiB of shared memory a launch gets
// without opting in: map_chunks_warp, one warp per chunk, takes those.
constexpr int kMapWideExperts = 1024;
// Up to this many experts the route table fits in shared memory beside the rows (56 bytes an
// expert, 42 KiB here).
constexpr int kMapSharedRoutesExperts = 768;

__device__ inline void note_bad(int64_t* bad_index, int64_t index) {
  atomicMin(reinterpret_cast<unsigned long long*>(bad_index), static_cast<unsigned long long>(index));
}

// The expert of id i, or -1 for an absent slot (i past the end), a -1 id or an id out of range
// (reported through bad_index and *invalid).
template <typename Id>
__device__ inline int read_key(const Id* ids, int64_t i, bool present, uint64_t limit, int64_t* bad_index,
                               bool* invalid) {
  const int64_t id = present ? static_cast<int64_t>(ids[i]) : -1;
  *invalid = present && static_cast<uint64_t>(id) + 1 > limit;
  if (*invalid) note_bad(bad_index, i);
  return present && !*invalid && id >= 0 ? static_cast<int>(id) : -1;
}

// The route an absent key (a -1 or invalid id) carries along; write_route never uses it.
__device__ constexpr lplb_route kAbsentRoute{0, 0, 1, -1, -1};

// The route of a key, read as soon as the key is known so that the read overlaps the counting
// in shared memory.
__device__ inline lplb_route route_of(const lplb_route* routes, int key) {
  return key >= 0 ? routes[key] : kAbsentRoute;
}

// The physical id of the token with this ordinal among its expert's (key >= 0), -1 for a -1 id
// (writes only where `writes`, a present and valid id).
__device__ inline void write_route(const lplb_route& route, int key, int ordinal, bool writes, int32_t* out) {
  if (key >= 0) {
    const int64_t total = route.total > 0 ? route.total : 1;
    const int64_t h = static_cast<int64_t>(ordinal) * route.stride % total;
    *out = h < route.keep ? route.first : route.second;
  } else if (writes) {
    *out = -1;
  }
}

template <typename Id>
__global__ void count_chunks(const Id* ids, int64_t length, int32_t n_experts, int64_t chunk_size,
                             int32_t* chunk_counts, int64_t* bad_index) {
  extern __shared__ int32_t histogram[];
  for (int e = threadIdx.x; e < n_experts; e += blockDim.x) histogram[e] = 0;
  __syncthreads();
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * chunk_size;
  const int64_t end = begin + chunk_size < length ? begin + chunk_size : length;
  const uint64_t limit = static_cast<uint64_t>(n_experts);
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const int64_t id = static_cast<int64_t>(ids[i]);
    if (static_cast<uint64_t>(id) + 1 > limit) {
      note_bad(bad_index, i);
    } else if (id >= 0) {
      atomicAdd(&histogram[id], 1);
    }
  }
  __syncthreads();
  int32_t* row = chunk_counts + static_cast<size_t>(blockIdx.x) * n_experts;
  for (int e = threadIdx.x; e < n_experts; e += blockDim.x) row[e] = histogram[e];
}

// Chunk counts to prefix offsets: a block takes 32 experts (x) and cuts the chunks into 32
// contiguous segments (y); each thread sums its segment, the segment sums are scanned in shared
// memory, and each thread writes its segment's offsets. Two passes of a few independent loads
// per thread instead of one serial pass over every chunk.
__global__ void prefix_chunks(const int32_t* chunk_counts, int32_t n_chunks, int32_t n_experts, int32_t* counts,
                              int32_t* chunk_offsets) {
  __shared__ int32_t segment_sum[32][33];
  const int e = blockIdx.x * 32 + threadIdx.x;
  const int y = threadIdx.y;
  const int per_segment = (n_chunks + 31) / 32;
  const int first = y * per_segment;
  const int last = min(n_chunks, first + per_segment);
  const bool expert = e < n_experts;
  int32_t sum = 0;
  if (expert)
    for (int c = first; c < last; ++c) sum += chunk_counts[static_cast<size_t>(c) * n_experts + e];
  segment_sum[y][threadIdx.x] = sum;
  __syncthreads();
  int32_t running = 0;
  for (int k = 0; k < y; ++k) running += segment_sum[k][threadIdx.x];
  if (!expert) return;
  for (int c = first; c < last; ++c) {
    chunk_offsets[static_cast<size_t>(c) * n_experts + e] = running;
    running += chunk_counts[static_cast<size_t>(c) * n_experts + e];
  }
  if (y == 31) counts[e] = running;
}

// A round's id and route for one thread: what the mapping loops read from global memory, issued
// a round ahead of its use.
struct MapRead {
  int key;
  bool present, invalid;
  lplb_route route;
};

// With the route table in shared memory (`ReadRoute` false) the round reads only its ids.
template <bool ReadRoute = true, typename Id>
__device__ inline MapRead read_round(const Id* ids, int64_t i, int64_t end, uint64_t limit, const lplb_route* routes,
                                     int64_t* bad_index) {
  MapRead read;
  read.present = i < end;
  read.key = read_key(ids, i, read.present, limit, bad_index, &read.invalid);
  if (ReadRoute) read.route = route_of(routes, read.key);
  return read;
}

// With `SharedRoutes` (up to kMapSharedRoutesExperts experts) every block first copies the whole
// route table into shared memory, with its offsets and its first ids, so that a token's route is
// a shared-memory read instead of a second trip to global memory after its id.
template <bool SharedRoutes, typename Id>
__global__ void __launch_bounds__(kMapThreads) map_chunks_block(const Id* ids, int64_t length, int32_t n_experts,
                                                          const lplb_route* routes, const int32_t* chunk_offsets,
                                                          int64_t chunk_size, int32_t* out, int64_t* bad_index) {
  extern __shared__ int32_t shared[];
  constexpr int kStaged = kMapWideExperts / kMapThreads;
  constexpr int kStagedRoutes = SharedRoutes ? kMapSharedRoutesExperts / kMapThreads : 0;
  int32_t* running = shared;                 // [n_experts]
  int32_t* warp_counts = shared + n_experts;  // [kMapWarps][n_experts], zero between rounds
  lplb_route* table = reinterpret_cast<lplb_route*>(shared + (kMapWarps + 1) * n_experts);  // [n_experts]
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int32_t* offsets = chunk_offsets + static_cast<size_t>(blockIdx.x) * n_experts;
  // The chunk's offsets, the routes and the first round's ids are read together, before
  // anything waits.
  int32_t staged[kStaged];
#pragma unroll
  for (int k = 0; k < kStaged; ++k) {
    const int e = threadIdx.x + k * kMapThreads;
    staged[k] = e < n_experts ? offsets[e] : 0;
  }
  lplb_route staged_routes[kStagedRoutes > 0 ? kStagedRoutes : 1];
#pragma unroll
  for (int k = 0; k < kStagedRoutes; ++k) {
    const int e = threadIdx.x + k * kMapThreads;
    if (e < n_experts) staged_routes[k] = routes[e];
  }
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * chunk_size;
  const int64_t end = begin + chunk_size < length ? begin + chunk_size : length;
  const uint64_t limit = static_cast<uint64_t>(n_experts);
  const unsigned below = (1u << lane) - 1;
  MapRead read = read_round<!SharedRoutes>(ids, begin + threadIdx.x, end, limit, routes, bad_index);
#pragma unroll
  for (int k = 0; k < kStaged; ++k) {
    const int e = threadIdx.x + k * kMapThreads;
    if (e < n_experts) running[e] = staged[k];
  }
#pragma unroll
  for (int k = 0; k < kStagedRoutes; ++k) {
    const int e = threadIdx.x + k * kMapThreads;
    if (e < n_experts) table[e] = staged_routes[k];
  }
  for (int k = threadIdx.x; k < kMapWarps * n_experts; k += kMapThreads) warp_counts[k] = 0;
  __syncthreads();
  for (int64_t base = begin; base < end; base += kMapThreads) {
    const int64_t i = base + threadIdx.x;
    const MapRead now = read;
    const unsigned peers = __match_any_sync(0xffffffffu, now.key);
    if (now.key >= 0 && __ffs(peers) - 1 == lane) warp_counts[warp * n_experts + now.key] = __popc(peers);
    __syncthreads();
    int ordinal = 0;
    if (now.key >= 0) {
      ordinal = running[now.key] + __popc(peers & below);
      for (int w = 0; w < warp; ++w) ordinal += warp_counts[w * n_experts + now.key];
    }
    if (base + kMapThreads < end) {
      read = read_round<!SharedRoutes>(ids, i + kMapThreads, end, limit, routes, bad_index);
      __syncthreads();
      // The round's tokens join the running counts; the rows are zero again for the next round.
      // The last round skips this (a chunk of one round, the usual case, never does it): nothing
      // reads them after it.
      for (int e = threadIdx.x; e < n_experts; e += kMapThreads) {
        int32_t sum = 0;
        for (int w = 0; w < kMapWarps; ++w) {
          sum += warp_counts[w * n_experts + e];
          warp_counts[w * n_experts + e] = 0;
        }
        running[e] += sum;
      }
      __syncthreads();
    }
    const lplb_route route = SharedRoutes ? route_of(table, now.key) : now.route;
    write_route(route, now.key, ordinal, now.present && !now.invalid, out + i);
  }
}

// One warp per chunk, rounds of 32 ids: for expert counts whose per-warp rows would not fit in
// shared memory.
template <typename Id>
__global__ void __launch_bounds__(32) map_chunks_warp(const Id* ids, int64_t length, int32_t n_experts,
                                                 const lplb_route* routes, const int32_t* chunk_offsets,
                                                 int64_t chunk_size, int32_t* out, int64_t* bad_index) {
  extern __shared__ int32_t running[];
  const int lane = threadIdx.x;
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * chunk_size;
  const int64_t end = begin + chunk_size < length ? begin + chunk_size : length;
  const uint64_t limit = static_cast<uint64_t>(n_experts);
  const unsigned below = (1u << lane) - 1;
  MapRead read = read_round(ids, begin + lane, end, limit, routes, bad_index);
  const int32_t* offsets = chunk_offsets + static_cast<size_t>(blockIdx.x) * n_experts;
  for (int e = lane; e < n_experts; e += 32) running[e] = offsets[e];
  __syncwarp();
  for (int64_t base = begin; base < end; base += 32) {
    const int64_t i = base + lane;
    const MapRead now = read;
    if (base + 32 < end) read = read_round(ids, i + 32, end, limit, routes, bad_index);
    const unsigned peers = __match_any_sync(0xffffffffu, now.key);
    const int ordinal = now.key >= 0 ? running[now.key] + __popc(peers & below) : 0;
    __syncwarp();
    if (now.key >= 0 && __ffs(peers) - 1 == lane) running[now.key] += __popc(peers);
    __syncwarp();
    write_route(now.route, now.key, ordinal, now.present && !now.invalid, out + i);
  }
}

lplb_error check(const lplb_expert_ids* ids, int32_t n_experts, int64_t chunk_size, int32_t n_chunks,
                 const int64_t* bad_index) {
  lplb_error error = routing::check_id_array(ids);
  if (error != LPLB_OK) return error;
  if (n_experts < 1 || n_experts > kMaxExperts) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "n_experts: expected an integer in [1, %d], got %d", kMaxExperts,
                          n_experts);
  }
  error = routing::check_chunks(*ids, chunk_size, n_chunks);
  if (error != LPLB_OK) return error;
  if (!bad_index) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "bad_index is NULL");
  return LPLB_OK;
}

lplb_error launched(const char* what) {
  const cudaError_t error = cudaGetLastError();
  if (error == cudaSuccess) return LPLB_OK;
  return set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "%s launch failed: %s", what, cudaGetErrorString(error));
}

}  // namespace
}  // namespace cuda
}  // namespace lplb

extern "C" {

lplb_error lplb_count_experts_device(const lplb_expert_ids* ids, int32_t n_experts, int64_t chunk_size,
                                     int32_t n_chunks, int32_t* counts, int32_t* chunk_counts,
                                     int32_t* chunk_offsets, int64_t* bad_index, void* stream) {
  lplb::clear_last_error();
  const lplb_error error = lplb::cuda::check(ids, n_experts, chunk_size, n_chunks, bad_index);
  if (error != LPLB_OK) return error;
  if (!counts || !chunk_counts || !chunk_offsets) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "counts, chunk_counts and chunk_offsets must not be NULL");
  }
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const size_t shared = sizeof(int32_t) * static_cast<size_t>(n_experts);
  if (ids->width == 4) {
    lplb::cuda::count_chunks<<<n_chunks, lplb::cuda::kCountThreads, shared, s>>>(
        static_cast<const int32_t*>(ids->data), ids->length, n_experts, chunk_size, chunk_counts, bad_index);
  } else {
    lplb::cuda::count_chunks<<<n_chunks, lplb::cuda::kCountThreads, shared, s>>>(
        static_cast<const int64_t*>(ids->data), ids->length, n_experts, chunk_size, chunk_counts, bad_index);
  }
  lplb::cuda::prefix_chunks<<<(n_experts + 31) / 32, dim3(32, 32), 0, s>>>(chunk_counts, n_chunks, n_experts, counts,
                                                                           chunk_offsets);
  return lplb::cuda::launched("the count kernels");
}

lplb_error lplb_map_experts_device(const lplb_expert_ids* ids, int32_t n_experts, const lplb_route* routes,
                                   const int32_t* chunk_offsets, int64_t chunk_size, int32_t n_chunks, int32_t* out,
                                   int64_t* bad_index, void* stream) {
  lplb::clear_last_error();
  const lplb_error error = lplb::cuda::check(ids, n_experts, chunk_size, n_chunks, bad_index);
  if (error != LPLB_OK) return error;
  if (!routes || !chunk_offsets || (!out && ids->length > 0)) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "routes, chunk_offsets and out must not be NULL");
  }
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const size_t row = sizeof(int32_t) * static_cast<size_t>(n_experts);
  auto launch = [&](auto* typed_ids) {
    if (n_experts <= lplb::cuda::kMapSharedRoutesExperts) {
      const size_t shared = row * (lplb::cuda::kMapWarps + 1) + sizeof(lplb_route) * static_cast<size_t>(n_experts);
      lplb::cuda::map_chunks_block<true><<<n_chunks, lplb::cuda::kMapThreads, shared, s>>>(
          typed_ids, ids->length, n_experts, routes, chunk_offsets, chunk_size, out, bad_index);
    } else if (n_experts <= lplb::cuda::kMapWideExperts) {
      lplb::cuda::map_chunks_block<false><<<n_chunks, lplb::cuda::kMapThreads, row * (lplb::cuda::kMapWarps + 1), s>>>(
          typed_ids, ids->length, n_experts, routes, chunk_offsets, chunk_size, out, bad_index);
    } else {
      lplb::cuda::map_chunks_warp<<<n_chunks, 32, row, s>>>(typed_ids, ids->length, n_experts, routes, chunk_offsets,
                                                            chunk_size, out, bad_index);
    }
  };
  if (ids->width == 4) {
    launch(static_cast<const int32_t*>(ids->data));
  } else {
    launch(static_cast<const int64_t*>(ids->data));
  }
  return lplb::cuda::launched("the map kernel");
}

}  // extern "C"

// The C API of include/lplb/routing.h.
#include "lplb/routing.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "last_error.h"
#include "routing/routing_checks.h"

namespace lplb {
namespace routing {

lplb_error check_id_array(const lplb_expert_ids* ids) {
  if (!ids) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids is NULL");
  if (ids->width != 4 && ids->width != 8) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids.width: expected 4 or 8 bytes, got %d", ids->width);
  }
  if (ids->length < 0 || ids->length > INT32_MAX) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids.length: expected an integer in [0, %d], got %lld", INT32_MAX,
                          static_cast<long long>(ids->length));
  }
  if (ids->length > 0 && !ids->data) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids.data is NULL");
  return LPLB_OK;
}

lplb_error check_chunks(const lplb_expert_ids& ids, int64_t chunk_size, int32_t n_chunks) {
  if (n_chunks < 1 || chunk_size < 1 || chunk_size * n_chunks < ids.length) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                          "chunks: expected n_chunks >= 1 chunks of chunk_size >= 1 covering %lld ids, got %d of %lld",
                          static_cast<long long>(ids.length), n_chunks, static_cast<long long>(chunk_size));
  }
  return LPLB_OK;
}

namespace {

lplb_error check_ids(const lplb_expert_ids* ids, int32_t n_experts, int64_t* bad_index) {
  if (!bad_index) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "bad_index is NULL");
  *bad_index = -1;
  const lplb_error error = check_id_array(ids);
  if (error != LPLB_OK) return error;
  if (n_experts < 1) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "n_experts: expected >= 1, got %d", n_experts);
  return LPLB_OK;
}

// Reports the invalid id at `index`.
lplb_error bad_id(const lplb_expert_ids& ids, int64_t index, int32_t n_experts, int64_t* bad_index) {
  *bad_index = index;
  const long long value = ids.width == 4 ? static_cast<const int32_t*>(ids.data)[index]
                                         : static_cast<long long>(static_cast<const int64_t*>(ids.data)[index]);
  return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "ids[%lld] is %lld, expected an expert id in [-1, %d]",
                        static_cast<long long>(index), value, n_experts - 1);
}

// Counts ids[begin, end) into counts; returns the index of the first invalid id, or -1. An id
// is valid when it is -1 or in [0, n): as unsigned, e + 1 <= n, and it is counted in slot
// e + 1 of `lanes` histograms of n + 1 slots (slot 0 takes the -1s) used in turn, so that a run
// of equal ids is not one chain of dependent increments.
constexpr int kLanes = 4;

template <typename Id>
int64_t count_range(const Id* ids, int64_t begin, int64_t end, int32_t n_experts, int32_t* lanes) {
  const uint64_t limit = static_cast<uint64_t>(n_experts);
  const size_t stride = static_cast<size_t>(n_experts) + 1;
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    uint64_t shifted[kLanes];
    bool bad = false;
    for (int lane = 0; lane < kLanes; ++lane) {
      shifted[lane] = static_cast<uint64_t>(static_cast<int64_t>(ids[i + lane])) + 1;
      bad = bad || shifted[lane] > limit;
    }
    if (bad) break;
    for (int lane = 0; lane < kLanes; ++lane) ++lanes[lane * stride + shifted[lane]];
  }
  for (; i < end; ++i) {
    const uint64_t shifted = static_cast<uint64_t>(static_cast<int64_t>(ids[i])) + 1;
    if (shifted > limit) return i;
    ++lanes[shifted];
  }
  return -1;
}

template <typename Id>
int64_t count_all(const lplb_expert_ids& ids, int32_t n_experts, int64_t chunk_size, int32_t n_chunks, int32_t* counts,
                  int32_t* chunk_offsets, int32_t* lanes) {
  const Id* data = static_cast<const Id*>(ids.data);
  const size_t stride = static_cast<size_t>(n_experts) + 1;
  std::fill(lanes, lanes + kLanes * stride, 0);
  for (int32_t c = 0; c < n_chunks; ++c) {
    if (chunk_offsets) {
      int32_t* offsets = chunk_offsets + static_cast<size_t>(c) * n_experts;
      for (int32_t e = 0; e < n_experts; ++e) {
        int32_t sum = 0;
        for (int lane = 0; lane < kLanes; ++lane) sum += lanes[lane * stride + e + 1];
        offsets[e] = sum;
      }
    }
    const int64_t begin = std::min(ids.length, static_cast<int64_t>(c) * chunk_size);
    const int64_t end = std::min(ids.length, begin + chunk_size);
    const int64_t bad = count_range(data, begin, end, n_experts, lanes);
    if (bad >= 0) return bad;
  }
  for (int32_t e = 0; e < n_experts; ++e) {
    int32_t sum = 0;
    for (int lane = 0; lane < kLanes; ++lane) sum += lanes[lane * stride + e + 1];
    counts[e] = sum;
  }
  return -1;
}

// One expert's route with its position in the permutation, in one 32-byte slot; slot 0 is for
// the id -1 (always to -1), slot e + 1 for expert e.
struct alignas(32) Slot {
  int32_t state, keep, stride, total, first, second, unused[2];
};

void fill_slots(const lplb_route* routes, int32_t n_experts, Slot* slots) {
  slots[0] = Slot{0, 0, 0, 1, -1, -1, {0, 0}};
  for (int32_t e = 0; e < n_experts; ++e) {
    const lplb_route& r = routes[e];
    slots[e + 1] = Slot{0, r.keep, r.stride, r.total, r.first, r.second, {0, 0}};
  }
}

// The selection loop, without branches on the outcome: which copy a token takes is close to a
// coin flip, so a branch on it would mispredict half the time.
template <typename Id>
int64_t map_all(const lplb_expert_ids& ids, int32_t n_experts, Slot* slots, int32_t* out) {
  const Id* data = static_cast<const Id*>(ids.data);
  const uint64_t limit = static_cast<uint64_t>(n_experts);
  for (int64_t i = 0; i < ids.length; ++i) {
    const uint64_t shifted = static_cast<uint64_t>(static_cast<int64_t>(data[i])) + 1;
    if (shifted > limit) return i;
    Slot& slot = slots[shifted];
    const int32_t current = slot.state;
    const int32_t next = current + slot.stride;
    // Masks instead of conditionals, which compilers may turn into branches: all ones when
    // next < total (no wrap) and when current < keep (the first copy). No overflow: all values
    // are below total <= INT32_MAX / 2 after the check in lplb_map_experts.
    const int32_t no_wrap = (next - slot.total) >> 31;
    slot.state = next - (slot.total & ~no_wrap);
    const int32_t to_first = (current - slot.keep) >> 31;
    out[i] = (slot.first & to_first) | (slot.second & ~to_first);
  }
  return -1;
}

}  // namespace
}  // namespace routing
}  // namespace lplb

extern "C" {

lplb_error lplb_count_experts(const lplb_expert_ids* ids, int32_t n_experts, int64_t chunk_size, int32_t n_chunks,
                              int32_t* counts, int32_t* chunk_offsets, int64_t* bad_index) {
  lplb::clear_last_error();
  lplb_error error = lplb::routing::check_ids(ids, n_experts, bad_index);
  if (error != LPLB_OK) return error;
  if (!counts) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "counts is NULL");
  error = lplb::routing::check_chunks(*ids, chunk_size, n_chunks);
  if (error != LPLB_OK) return error;
  // The lane histograms: on the stack for up to 1023 experts, else on the heap.
  constexpr size_t kStackSlots = 4 * 1024;
  int32_t stack_lanes[kStackSlots];
  const size_t slots = static_cast<size_t>(lplb::routing::kLanes) * (static_cast<size_t>(n_experts) + 1);
  int32_t* lanes = slots <= kStackSlots ? stack_lanes : new (std::nothrow) int32_t[slots];
  if (!lanes) return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory counting %d experts", n_experts);
  const int64_t bad =
      ids->width == 4
          ? lplb::routing::count_all<int32_t>(*ids, n_experts, chunk_size, n_chunks, counts, chunk_offsets, lanes)
          : lplb::routing::count_all<int64_t>(*ids, n_experts, chunk_size, n_chunks, counts, chunk_offsets, lanes);
  if (lanes != stack_lanes) delete[] lanes;
  if (bad < 0) return LPLB_OK;
  return lplb::routing::bad_id(*ids, bad, n_experts, bad_index);
}

lplb_error lplb_map_experts(const lplb_expert_ids* ids, int32_t n_experts, const lplb_route* routes, int32_t* out,
                            int64_t* bad_index) {
  lplb::clear_last_error();
  lplb_error error = lplb::routing::check_ids(ids, n_experts, bad_index);
  if (error != LPLB_OK) return error;
  if (!routes) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "routes is NULL");
  if (!out && ids->length > 0) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  // Keeps current + stride (below 2 total) within int32.
  constexpr int32_t kMaxTotal = 1 << 30;
  for (int32_t e = 0; e < n_experts; ++e) {
    const lplb_route& route = routes[e];
    if (route.total < 1 || route.total > kMaxTotal || route.stride < 0 || route.stride >= route.total ||
        route.keep < 0 || route.keep > route.total) {
      return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                                  "routes[%d]: expected total in [1, %d], stride in [0, total) and keep in [0, total], got "
                                  "total %d, stride %d, keep %d",
                                  e, kMaxTotal, route.total, route.stride, route.keep);
    }
  }
  // Experts are few next to tokens: their slots live on the stack up to 1023 experts.
  using lplb::routing::Slot;
  constexpr int32_t kStackSlots = 1024;
  Slot stack_slots[kStackSlots];
  Slot* slots = n_experts < kStackSlots ? stack_slots : new (std::nothrow) Slot[static_cast<size_t>(n_experts) + 1];
  if (!slots) return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory for %d experts", n_experts);
  lplb::routing::fill_slots(routes, n_experts, slots);
  const int64_t bad = ids->width == 4 ? lplb::routing::map_all<int32_t>(*ids, n_experts, slots, out)
                                      : lplb::routing::map_all<int64_t>(*ids, n_experts, slots, out);
  if (slots != stack_slots) delete[] slots;
  if (bad < 0) return LPLB_OK;
  return lplb::routing::bad_id(*ids, bad, n_experts, bad_index);
}

}  // extern "C"

#if !LPLB_CUDA_BUILT
// Without CUDA in the build the device entry points only say so.
extern "C" {

lplb_error lplb_count_experts_device(const lplb_expert_ids*, int32_t, int64_t, int32_t, int32_t*, int32_t*, int32_t*,
                                     int64_t*, void*) {
  lplb::clear_last_error();
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE,
                              "backend CUDA is unavailable: this build of lplb has no CUDA backend (configured without CUDA)");
}

lplb_error lplb_map_experts_device(const lplb_expert_ids*, int32_t, const lplb_route*, const int32_t*, int64_t, int32_t,
                                   int32_t*, int64_t*, void*) {
  lplb::clear_last_error();
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE,
                              "backend CUDA is unavailable: this build of lplb has no CUDA backend (configured without CUDA)");
}

}  // extern "C"
#endif

#if !LPLB_CUDA_BUILT
#include "lplb/step.h"
// The GPU step of a build without CUDA.
extern "C" {

lplb_error lplb_step_create(const lplb_step_layout*, const lplb_ipm_settings*, int64_t, int32_t, lplb_step** out) {
  lplb::clear_last_error();
  if (out) *out = nullptr;
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE,
                              "backend CUDA is unavailable: this build of lplb has no CUDA backend (configured without CUDA)");
}
lplb_error lplb_step_set_method(lplb_step*, int32_t) { return LPLB_ERR_BACKEND_UNAVAILABLE; }
lplb_error lplb_step_count(lplb_step*, const lplb_expert_ids*, void*) { return LPLB_ERR_BACKEND_UNAVAILABLE; }
int32_t* lplb_step_local_counts(lplb_step*) { return nullptr; }
lplb_error lplb_step_solve_map(lplb_step*, const lplb_expert_ids*, const int32_t*, int32_t*, void*) {
  return LPLB_ERR_BACKEND_UNAVAILABLE;
}
lplb_error lplb_step_read(lplb_step*, double*, int32_t*, double*, int64_t*, void*) { return LPLB_ERR_BACKEND_UNAVAILABLE; }
void lplb_step_destroy(lplb_step*) {}
lplb_error lplb_device_alloc(size_t, void** out) {
  if (out) *out = nullptr;
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "backend CUDA is unavailable: this build of lplb has no CUDA backend");
}
lplb_error lplb_device_set(int32_t) {
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "backend CUDA is unavailable: this build of lplb has no CUDA backend");
}
lplb_error lplb_device_free(void*) { return LPLB_OK; }
lplb_error lplb_device_copy(void*, const void*, size_t, int32_t, void*, int32_t) { return LPLB_ERR_BACKEND_UNAVAILABLE; }
lplb_error lplb_stream_create(void** out) {
  if (out) *out = nullptr;
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "backend CUDA is unavailable: this build of lplb has no CUDA backend");
}
lplb_error lplb_stream_destroy(void*) { return LPLB_OK; }
lplb_error lplb_stream_synchronize(void*) { return LPLB_OK; }

}  // extern "C"
#endif

/* Token routing of LPLB on the CPU: counting tokens per logical expert, and rewriting each
 * token's logical expert id to a physical one.
 *
 * Ids are int32 or int64 (`width` 4 or 8 bytes); -1 means "no expert". Any other id outside
 * [0, n_experts) makes a call fail with LPLB_ERR_INVALID_ARGUMENT and report its index, without
 * any read or write out of bounds.
 */
#ifndef LPLB_ROUTING_H
#define LPLB_ROUTING_H

#include "lplb/ipm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lplb_expert_ids {
  const void* data; /* `length` ids of `width` bytes each (may be NULL when length is 0) */
  int64_t length;   /* in [0, INT32_MAX] */
  int32_t width;    /* 4 (int32) or 8 (int64) */
} lplb_expert_ids;

/* counts[e] = number of ids equal to e. The ids are cut into n_chunks chunks of chunk_size
 * (chunk c is ids[c * chunk_size, (c + 1) * chunk_size)); when chunk_offsets is not NULL,
 * chunk_offsets[c][e] = number of ids equal to e before chunk c. On an invalid id, *bad_index is
 * its index (else -1) and counts are unspecified. */
lplb_error lplb_count_experts(const lplb_expert_ids* ids, int32_t n_experts, int64_t chunk_size, int32_t n_chunks,
                              int32_t* counts, int32_t* chunk_offsets, int64_t* bad_index);

/* One row of a routing plan, per logical expert: the token of ordinal k among the expert's
 * tokens (in id order) goes to physical id `first` when h(k) < keep, else to `second`, where
 * h(0) = 0 and h(k + 1) = (h(k) + stride) mod total. With stride coprime to total, h is a
 * permutation of 0..total-1, so exactly `keep` of `total` tokens go to `first`. */
typedef struct lplb_route {
  int32_t keep;   /* in [0, total] */
  int32_t stride; /* in [0, total) */
  int32_t total;  /* in [1, 2^30] */
  int32_t first;
  int32_t second;
} lplb_route;

/* out[i] = the physical id of ids[i] by `routes[ids[i]]`, -1 for -1. On an invalid id,
 * *bad_index is its index (else -1) and out is unspecified. */
lplb_error lplb_map_experts(const lplb_expert_ids* ids, int32_t n_experts, const lplb_route* routes, int32_t* out,
                            int64_t* bad_index);

/* The same two steps on the GPU (builds with CUDA; LPLB_ERR_BACKEND_UNAVAILABLE otherwise): every
 * pointer is device memory, the work is enqueued on `stream` (a cudaStream_t, NULL for the
 * default stream) and nothing is synchronised or allocated, so the calls can be captured in a
 * CUDA graph. The ids are cut into n_chunks chunks of chunk_size (one thread block each).
 *
 * lplb_count_experts_device writes counts[n_experts] and chunk_offsets[n_chunks][n_experts]
 * (both required; chunk_counts[n_chunks][n_experts] is scratch). lplb_map_experts_device takes
 * the chunk_offsets of the same ids, so that the ordinal of a token among its expert's tokens is
 * the same as in lplb_map_experts, and gives the same out. An invalid id is never used as an
 * index: the smallest index of one is stored in *bad_index (device memory; the caller sets it to
 * INT64_MAX before the calls), and the outputs are then unspecified. n_experts is at most 8192. */
lplb_error lplb_count_experts_device(const lplb_expert_ids* ids, int32_t n_experts, int64_t chunk_size,
                                     int32_t n_chunks, int32_t* counts, int32_t* chunk_counts,
                                     int32_t* chunk_offsets, int64_t* bad_index, void* stream);
lplb_error lplb_map_experts_device(const lplb_expert_ids* ids, int32_t n_experts, const lplb_route* routes,
                                   const int32_t* chunk_offsets, int64_t chunk_size, int32_t n_chunks, int32_t* out,
                                   int64_t* bad_index, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_ROUTING_H */

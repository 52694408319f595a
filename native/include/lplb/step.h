/* One LPLB step on the GPU, from the router's expert ids to physical ids, with every buffer
 * allocated once: count the ids (per chunk), build each redundancy group's loads from the
 * (global) counts, solve all groups' min-max LPs in one launch, turn the splits into per-expert
 * routes and map the ids. Nothing synchronises the host until lplb_step_read, and the enqueued
 * work can be captured in a CUDA graph. Builds without CUDA return LPLB_ERR_BACKEND_UNAVAILABLE.
 *
 * The layout describes the placement (as @lplb/planner builds it): expert e's original copy has
 * physical id original_of[e] on flat rank rank_index[e] (group rank_index / n_ranks, rank
 * rank_index % n_ranks in the group); when the expert is replicated, slot_index[e] is the flat
 * slot (g * n_ranks + i) * n_slots + d whose load it adds to and copy_of[e] its copy's physical
 * id; otherwise slot_index[e] is -1 and its load is the rank's fixed load. A group whose LP is
 * not certified optimal splits evenly (keep 0.5), as the CPU planner does.
 */
#ifndef LPLB_STEP_H
#define LPLB_STEP_H

#include <stddef.h>

#include "lplb/minmax.h"
#include "lplb/routing.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device memory and streams for callers without the CUDA runtime of their own (the Node addon):
 * thin wrappers of cudaMalloc, cudaFree, cudaMemcpyAsync, cudaStreamCreate and
 * cudaStreamSynchronize on the current device. Builds without CUDA return
 * LPLB_ERR_BACKEND_UNAVAILABLE. */
lplb_error lplb_device_alloc(size_t bytes, void** out);
/* Makes `device` the calling thread's current device (cudaSetDevice), for everything after. */
lplb_error lplb_device_set(int32_t device);
lplb_error lplb_device_free(void* pointer);
/* Copies between host and device (to_device selects the direction) on `stream`; waits for it
 * when `wait` is nonzero. */
lplb_error lplb_device_copy(void* destination, const void* source, size_t bytes, int32_t to_device, void* stream,
                            int32_t wait);
lplb_error lplb_stream_create(void** out);
lplb_error lplb_stream_destroy(void* stream);
lplb_error lplb_stream_synchronize(void* stream);

typedef struct lplb_step_layout {
  int32_t n_experts;            /* logical experts, in [1, 8192] */
  int32_t n_groups;             /* redundancy groups, >= 1 */
  int32_t n_ranks;              /* ranks per group (the CUDA kernel takes up to 32) */
  int32_t n_slots;              /* redundant slots per rank of the topology */
  const int32_t* replica_rank;  /* [n_ranks][n_slots]: the group rank holding each slot's copy */
  const int32_t* slot_index;    /* [n_experts], -1 or in [0, n_groups * n_ranks * n_slots) */
  const int32_t* rank_index;    /* [n_experts], in [0, n_groups * n_ranks) */
  const int32_t* original_of;   /* [n_experts] */
  const int32_t* copy_of;       /* [n_experts] (read where slot_index >= 0) */
} lplb_step_layout;

typedef struct lplb_step lplb_step;

/* Allocates the device buffers for up to max_ids ids cut into n_chunks chunks (host arrays of
 * the layout are copied). */
lplb_error lplb_step_create(const lplb_step_layout* layout, const lplb_ipm_settings* settings, int64_t max_ids,
                            int32_t n_chunks, lplb_step** out);

/* The min-max method of the step's solve (an lplb_minmax_method of lplb/minmax.h;
 * LPLB_MINMAX_METHOD_FLOW by default). */
lplb_error lplb_step_set_method(lplb_step* step, int32_t method);

/* Counts `ids` (device memory, at most max_ids) into the step's local counts; resets the
 * invalid-id flag first. */
lplb_error lplb_step_count(lplb_step* step, const lplb_expert_ids* ids, void* stream);

/* Device pointer to the step's local counts [n_experts] (int32): an EP group all-reduces these
 * (in place or into its own buffer) before lplb_step_solve_map. */
int32_t* lplb_step_local_counts(lplb_step* step);

/* Solves with the global counts (device memory, [n_experts] int32; NULL: the local counts) and
 * maps the same `ids` that were counted into `out` (device memory, ids->length int32). */
lplb_error lplb_step_solve_map(lplb_step* step, const lplb_expert_ids* ids, const int32_t* global_counts, int32_t* out,
                               void* stream);

/* Waits for `stream` and copies the results of the last step to the host (any pointer may be
 * NULL): keep [n_groups][n_ranks][n_slots] (after the even-split fallback), status [n_groups],
 * max_load [n_groups] (in tokens of the global counts), and *bad_index: -1, or the smallest
 * index of an id outside [-1, n_experts) (then the other results are unspecified). */
lplb_error lplb_step_read(lplb_step* step, double* keep, int32_t* status, double* max_load, int64_t* bad_index,
                          void* stream);

void lplb_step_destroy(lplb_step* step);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_STEP_H */

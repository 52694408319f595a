/* NCCL, loaded at run time: lplb builds and loads without it, and says whether it can use it.
 *
 * An EP group over NCCL: rank 0 makes a unique id, every rank passes the same bytes (sent over
 * any channel, e.g. the @lplb/launch store) to lplb_nccl_comm_create on its own GPU, then sums
 * device vectors with lplb_nccl_all_reduce_sum, stream-ordered and without waiting on the host.
 * Communicators are non-blocking: a wait (creation, lplb_nccl_synchronize) that outlasts its
 * timeout, or an error a peer reports, aborts the communicator and returns LPLB_ERR_TIMEOUT or
 * LPLB_ERR_COMMUNICATION instead of hanging. An aborted communicator only accepts destroy. */
#ifndef LPLB_NCCL_H
#define LPLB_NCCL_H

#include <stddef.h>
#include <stdint.h>

#include "lplb/ipm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tries to load libnccl.so.2 (once per process; later calls report the first result). Returns 1
 * and sets *version (NCCL's code, e.g. 22305 for 2.23.5) when it loads and answers
 * ncclGetVersion; otherwise returns 0 and writes why into reason (reason_size bytes, NUL
 * terminated). Any pointer may be NULL. */
int32_t lplb_nccl_status(int32_t* version, char* reason, size_t reason_size);

#define LPLB_NCCL_UNIQUE_ID_BYTES 128

typedef enum lplb_nccl_type { LPLB_NCCL_INT32 = 0, LPLB_NCCL_FLOAT64 = 1 } lplb_nccl_type;

typedef struct lplb_nccl_comm lplb_nccl_comm;

/* A new unique id (rank 0 calls this once per communicator). */
lplb_error lplb_nccl_unique_id(uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES]);

/* Joins the communicator `id` as `rank` of `n_ranks` on the calling thread's current device
 * (lplb_device_set), waiting at most timeout_ms (> 0) for every rank to join. */
lplb_error lplb_nccl_comm_create(const uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES], int32_t n_ranks, int32_t rank,
                                 int64_t timeout_ms, lplb_nccl_comm** out);

/* Enqueues the element-wise sum of `count` values of `type` over all ranks on `stream` (NULL:
 * the default stream); `send` and `recv` are device memory and may be the same. Returns once
 * enqueued: the result is ready when the stream reaches it. */
lplb_error lplb_nccl_all_reduce_sum(lplb_nccl_comm* comm, const void* send, void* recv, size_t count,
                                    lplb_nccl_type type, void* stream);

/* Waits until `stream` has finished its work, watching the communicator: LPLB_OK when it has;
 * LPLB_ERR_COMMUNICATION when NCCL reports an error (a peer died), LPLB_ERR_TIMEOUT after
 * timeout_ms (> 0) without finishing. Both abort the communicator. */
lplb_error lplb_nccl_synchronize(lplb_nccl_comm* comm, void* stream, int64_t timeout_ms);

/* This rank and the communicator's size; -1 for an aborted communicator. */
int32_t lplb_nccl_comm_rank(const lplb_nccl_comm* comm);
int32_t lplb_nccl_comm_size(const lplb_nccl_comm* comm);

/* Aborts the communicator at once (peers waiting on it then fail or time out). */
void lplb_nccl_comm_abort(lplb_nccl_comm* comm);

/* Releases the communicator (a live one is destroyed, an aborted one only freed). NULL is ignored. */
void lplb_nccl_comm_destroy(lplb_nccl_comm* comm);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_NCCL_H */

/* NCCL, loaded at run time: lplb builds and loads without it, and says whether it can use it.
 * The EP group that all-reduces workloads over NCCL builds on this. */
#ifndef LPLB_NCCL_H
#define LPLB_NCCL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tries to load libnccl.so.2 (once per process; later calls report the first result). Returns 1
 * and sets *version (NCCL's code, e.g. 22305 for 2.23.5) when it loads and answers
 * ncclGetVersion; otherwise returns 0 and writes why into reason (reason_size bytes, NUL
 * terminated). Any pointer may be NULL. */
int32_t lplb_nccl_status(int32_t* version, char* reason, size_t reason_size);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_NCCL_H */

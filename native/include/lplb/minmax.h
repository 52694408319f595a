/* The LPLB min-max LP of a redundancy group, solved exactly and certified.
 *
 * A group has n_ranks ranks with n_slots redundant slots each. Slot d of rank i carries the load
 * slot_load[i][d], of which the fraction keep[i][d] in [0, 1] stays on rank i and the rest goes
 * to the copy on rank replica_rank[i][d]; every rank also carries its fixed_load[i]. The solver
 * finds the keep that minimises the largest rank load:
 *
 *     load_r = fixed_load[r] + sum_{d} slot_load[r][d] keep[r][d]
 *            + sum_{(i,d): replica_rank[i][d] = r} slot_load[i][d] (1 - keep[i][d])
 *     minimise max_r load_r  over  0 <= keep <= 1.
 *
 * This is the LP of lplb_ipm_solve_batch with n_vars = n_ranks * n_slots + 1 and m_ub = n_ranks
 * (as @lplb/lp writes it), solved in a fraction of the time by one of two methods:
 *   FLOW (default)  augmenting paths: the optimum is the largest density (fixed loads plus the
 *                   loads of slots with both ends inside, per rank) of a set of ranks; the method
 *                   raises a level through such densities and moves load along paths until no
 *                   rank is above it. Exact up to rounding, whatever the degeneracy.
 *   IPM             a Mehrotra interior-point method specialised to the LP's structure.
 * Every answer is certified: the result holds max_load (the largest rank load of keep, evaluated
 * in float64 on the caller's data) and lower_bound (a Lagrangian bound on the optimum, also
 * evaluated on the caller's data: for FLOW, the density of its set), and the status is OPTIMAL
 * only when max_load - lower_bound <= tolerance * max_load. A group the chosen method does not
 * settle falls back to the specialised iterations (float32 first falls back to float64), then
 * to the general solver of ipm.h.
 */
#ifndef LPLB_MINMAX_H
#define LPLB_MINMAX_H

#include "lplb/ipm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest n_ranks and n_ranks * n_slots accepted. */
#define LPLB_MINMAX_MAX_RANKS 1024
#define LPLB_MINMAX_MAX_EDGES 16384

typedef struct lplb_minmax_shape {
  int32_t n_ranks;             /* >= 1 */
  int32_t n_slots;             /* >= 1 */
  const int32_t* replica_rank; /* [n_ranks][n_slots], values in [0, n_ranks); copied */
} lplb_minmax_shape;

/* `batch` groups of one shape, contiguous over the batch. Loads are finite and >= 0. */
typedef struct lplb_minmax_batch {
  int32_t batch;
  const double* fixed_load; /* [batch][n_ranks] */
  const double* slot_load;  /* [batch][n_ranks][n_slots] */
} lplb_minmax_batch;

/* Caller-allocated results; any pointer but `status` and `keep` may be NULL. A slot with no load
 * gets keep 0.5. For a status other than OPTIMAL, keep is the best point found (smallest
 * max_load) and still a valid split. */
typedef struct lplb_minmax_solution {
  int32_t* status;      /* [batch] lplb_status: OPTIMAL, ITERATION_LIMIT or NUMERICAL_ERROR */
  double* keep;         /* [batch][n_ranks][n_slots] */
  double* max_load;     /* [batch] */
  double* lower_bound;  /* [batch] */
  double* gap;          /* [batch] (max_load - lower_bound) / max_load, 0 when max_load is 0 */
  int32_t* iterations;  /* [batch] search phases (FLOW) or iterations (IPM), plus any of the fallbacks */
} lplb_minmax_solution;

typedef struct lplb_minmax_workspace lplb_minmax_workspace;

typedef enum lplb_minmax_method {
  LPLB_MINMAX_METHOD_FLOW = 0, /* augmenting paths, exact (default) */
  LPLB_MINMAX_METHOD_IPM = 1   /* the specialised interior-point iterations */
} lplb_minmax_method;

/* Creates a workspace for groups of `shape` (settings NULL: float64 defaults; backend CPU).
 * Backend CUDA needs a build with CUDA and a device (else LPLB_ERR_BACKEND_UNAVAILABLE) and
 * groups of up to 32 ranks and 128 slots in all (else LPLB_ERR_INVALID_ARGUMENT). */
lplb_error lplb_minmax_workspace_create(const lplb_minmax_shape* shape, const lplb_ipm_settings* settings,
                                        lplb_minmax_workspace** out);

/* Solves every group of the batch (host arrays); errors as in lplb_ipm_solve_batch. With backend
 * CUDA the groups are solved on the device and any group it leaves without a certified answer
 * is solved again on the CPU. */
lplb_error lplb_minmax_solve_batch(lplb_minmax_workspace* workspace, const lplb_minmax_batch* groups,
                                   const lplb_minmax_solution* out);

/* Backend CUDA only: solves `groups` held in device memory into `out` (device memory), enqueued
 * on `stream` (a cudaStream_t; NULL for the default stream). Nothing is synchronised, copied or
 * allocated, so the call can be captured in a CUDA graph; the loads are not validated (they must
 * be finite and >= 0) and groups without a certified answer are not re-solved (their status
 * says so). A workspace of backend CUDA takes groups of up to 32 ranks and 128 slots in all. */
lplb_error lplb_minmax_solve_device(lplb_minmax_workspace* workspace, const lplb_minmax_batch* groups,
                                    const lplb_minmax_solution* out, void* stream);

/* Chooses the method (an lplb_minmax_method; any other value is LPLB_ERR_INVALID_ARGUMENT, hence
 * the plain integer), on the CPU and in the CUDA kernel alike (a group the kernel leaves
 * unsettled in lplb_minmax_solve_batch is solved again on the CPU). FLOW works in float64
 * whatever the precision (which then only sets the default tolerance); its search phases are
 * limited by the group's size (16 x (n_ranks + n_ranks x n_slots) + 64), not by max_iterations.
 * It settles groups down to tolerances of about 1e-12; below that it may leave them to the
 * fallbacks. */
lplb_error lplb_minmax_workspace_set_method(lplb_minmax_workspace* workspace, int32_t method);

void lplb_minmax_workspace_destroy(lplb_minmax_workspace* workspace);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_MINMAX_H */

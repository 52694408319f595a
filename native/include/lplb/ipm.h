/*
 * lplb: batched dense interior-point LP solver, public C API.
 *
 * Solves LPs of the form
 *
 *     minimise    c'x
 *     subject to  A_eq x  = b_eq          (m_eq rows)
 *                 A_ub x <= b_ub          (m_ub rows)
 *                 lower <= x <= upper     (bounds may be -INFINITY / INFINITY)
 *
 * with dense row-major matrices. A workspace is created once for a shape (n, m_eq, m_ub),
 * backend and precision, then solves any number of batches of LPs of that shape with new
 * coefficients, without allocating.
 *
 * Duals follow one sign convention (all inequality multipliers are non-negative):
 *     c - A_eq' y_eq + A_ub' y_ub - z_lower + z_upper = 0,   y_ub, z_lower, z_upper >= 0.
 *
 * Errors (bad arguments, out of memory) are returned as lplb_error codes; the outcome of a
 * solve (optimal, infeasible, ...) is a per-LP lplb_status, never an error.
 */
#ifndef LPLB_IPM_H
#define LPLB_IPM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LPLB_VERSION_MAJOR 0
#define LPLB_VERSION_MINOR 1
#define LPLB_VERSION_PATCH 0

/* Error codes of API calls. */
typedef enum lplb_error {
  LPLB_OK = 0,
  LPLB_ERR_INVALID_ARGUMENT = 1, /* null pointer, bad dimension, non-finite coefficient */
  LPLB_ERR_OUT_OF_MEMORY = 2,
  LPLB_ERR_BACKEND_UNAVAILABLE = 3, /* e.g. CUDA requested but not built or no device */
  LPLB_ERR_INTERNAL = 4,
  LPLB_ERR_TIMEOUT = 5,      /* an EP group's peers did not answer within the timeout; the group is aborted */
  LPLB_ERR_COMMUNICATION = 6 /* an EP group's collective failed (a peer died, NCCL reported an error); aborted */
} lplb_error;

/* Outcome of one LP. Values match @lplb/lp's LP_STATUSES order. */
typedef enum lplb_status {
  LPLB_STATUS_OPTIMAL = 0,
  LPLB_STATUS_PRIMAL_INFEASIBLE = 1,
  LPLB_STATUS_DUAL_INFEASIBLE = 2,
  LPLB_STATUS_ITERATION_LIMIT = 3,
  LPLB_STATUS_NUMERICAL_ERROR = 4
} lplb_status;

typedef enum lplb_backend { LPLB_BACKEND_CPU = 0, LPLB_BACKEND_CUDA = 1 } lplb_backend;

/* Arithmetic of the iterations. FLOAT32 mirrors the GPU kernel; residuals are still reported
 * in float64 against the float64 input. An LP whose float32 iterations end without a verdict
 * (iteration limit or numerical error), or as optimal with a float64 residual or gap above 10x the tolerance,
 * is solved again in float64 (the iteration count then includes both runs). */
typedef enum lplb_precision { LPLB_PRECISION_FLOAT64 = 0, LPLB_PRECISION_FLOAT32 = 1 } lplb_precision;

typedef struct lplb_shape {
  int32_t n_vars; /* >= 1 */
  int32_t m_eq;   /* >= 0 */
  int32_t m_ub;   /* >= 0 */
} lplb_shape;

typedef struct lplb_ipm_settings {
  int32_t max_iterations;     /* default 100 */
  double tolerance;           /* relative residual and gap tolerance; default 1e-9 (float64), 1e-6 (float32) */
  lplb_precision precision;   /* default FLOAT64 */
  lplb_backend backend;       /* default CPU */
} lplb_ipm_settings;

/* Fills *settings with the defaults for `precision`. */
void lplb_ipm_default_settings(lplb_precision precision, lplb_ipm_settings* settings);

/* Batch input: `batch` LPs of one shape, each array contiguous over the batch
 * (LP b's c is c + b * n_vars, its A_eq is a_eq + b * m_eq * n_vars, ...).
 * a_eq/b_eq may be NULL when m_eq == 0, a_ub/b_ub when m_ub == 0.
 * lower NULL means 0 for every variable, upper NULL means +INFINITY. */
typedef struct lplb_lp_batch {
  int32_t batch;
  const double* c;
  const double* a_eq;
  const double* b_eq;
  const double* a_ub;
  const double* b_ub;
  const double* lower;
  const double* upper;
} lplb_lp_batch;

/* Batch output, caller-allocated, contiguous over the batch like the input. Any pointer but
 * `status` may be NULL when the caller does not need that field.
 *
 * What the fields hold for each status:
 *   OPTIMAL            x, y, z form an optimal primal-dual pair; residuals and gap are within
 *                      the tolerance; objective = c'x.
 *   PRIMAL_INFEASIBLE  y_eq, y_ub, z_lower, z_upper hold a Farkas certificate:
 *                      A_eq'y_eq - A_ub'y_ub + z_lower - z_upper ~ 0 with the signs above and
 *                      b_eq'y_eq - b_ub'y_ub + lower'z_lower - upper'z_upper = 1;
 *                      x is the last iterate; objective = +INFINITY.
 *   DUAL_INFEASIBLE    x holds an improving ray d (A_eq d ~ 0, A_ub d <= ~0, d >= 0 where
 *                      lower is finite, d <= 0 where upper is finite) scaled so that c'd = -1;
 *                      the LP was also solved for feasibility (zero cost): when that found it
 *                      infeasible the status is PRIMAL_INFEASIBLE instead, so this status means
 *                      unbounded below unless the feasibility solve itself ran out of
 *                      iterations; objective = -INFINITY.
 *   ITERATION_LIMIT,   the best iterate found (smallest optimality measure); objective = c'x.
 *   NUMERICAL_ERROR
 * Residuals are computed in float64 against the caller's data for the values returned; "b" in
 * their definitions is b_eq and b_ub together. */
typedef struct lplb_solution_batch {
  int32_t* status;          /* [batch] lplb_status */
  double* x;                /* [batch][n_vars] */
  double* y_eq;             /* [batch][m_eq] */
  double* y_ub;             /* [batch][m_ub] */
  double* z_lower;          /* [batch][n_vars] */
  double* z_upper;          /* [batch][n_vars] */
  double* objective;        /* [batch] */
  double* primal_residual;  /* [batch] max violation / (1 + max|b|) */
  double* dual_residual;    /* [batch] max dual residual / (1 + max|c|) */
  double* duality_gap;      /* [batch] |pobj - dobj| / (1 + |pobj|) */
  int32_t* iterations;      /* [batch] */
} lplb_solution_batch;

typedef struct lplb_ipm_workspace lplb_ipm_workspace;

/* Creates a workspace for LPs of `shape`; settings NULL means defaults for FLOAT64. */
lplb_error lplb_ipm_workspace_create(const lplb_shape* shape, const lplb_ipm_settings* settings,
                                     lplb_ipm_workspace** out);

/* Solves every LP of the batch. Validates all inputs first (finite coefficients, lower <= upper,
 * lower < +inf, upper > -inf); on LPLB_ERR_INVALID_ARGUMENT nothing is written.
 * The CPU backend solves the LPs one after another on the calling thread and allocates no
 * memory. A workspace must not be used by two threads at once; separate workspaces may. */
lplb_error lplb_ipm_solve_batch(lplb_ipm_workspace* workspace, const lplb_lp_batch* lps,
                                const lplb_solution_batch* out);

void lplb_ipm_workspace_destroy(lplb_ipm_workspace* workspace);

/* Human-readable text of the last error on this thread ("" when none). */
const char* lplb_last_error_message(void);

/* Static text for an error code or a status. */
const char* lplb_error_string(lplb_error error);
const char* lplb_status_string(lplb_status status);

/* What this build can do. */
typedef struct lplb_capabilities {
  int32_t version_major, version_minor, version_patch;
  int32_t cpu;               /* always 1 */
  int32_t cuda_built;        /* 1 when compiled with the CUDA backend */
  int32_t cuda_usable;       /* 1 when a driver and at least one device are present */
  int32_t cuda_device_count;
  char cuda_reason[256];     /* why CUDA is not usable, "" otherwise */
} lplb_capabilities;

void lplb_get_capabilities(lplb_capabilities* capabilities);

#ifdef __cplusplus
}
#endif

#endif /* LPLB_IPM_H */

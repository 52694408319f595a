// Argument checking for the addon: workspace configurations and batch arrays.
//
// Everything that reaches the C API has been checked here first: kinds and lengths of typed
// arrays, integer ranges, and that no output shares memory with an input or another output.
#ifndef LPLB_ADDON_ARGUMENTS_H
#define LPLB_ADDON_ARGUMENTS_H

#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "lplb/ipm.h"
#include "lplb/minmax.h"

namespace lplb_addon {

// Largest accepted n_vars, m_eq or m_ub; keeps dense per-LP storage within reason (a workspace
// holds a few (n + m)-sized square matrices).
constexpr int32_t kMaxDimension = 4096;
// Largest accepted max_iterations.
constexpr int32_t kMaxIterations = 10000;

// A workspace configuration: the shape and the solver settings.
struct WorkspaceConfig {
  lplb_shape shape;
  lplb_ipm_settings settings;
};

// Reads `{ nVars, mEq, mUb, precision?, tolerance?, maxIterations?, backend? }` where precision
// is "float64" | "float32" and backend "cpu" | "cuda"; omitted settings take the C API defaults.
WorkspaceConfig ParseWorkspaceConfig(const Napi::Value& value, const char* name);

// A min-max workspace configuration: sizes, the replica ranks (borrowed from the caller's
// Int32Array until the workspace is created) and the solver settings.
struct MinMaxConfig {
  lplb_minmax_shape shape;
  lplb_ipm_settings settings;
  lplb_minmax_method method;
};

// Reads `{ nRanks, nSlots, replicaRank: Int32Array(nRanks * nSlots), precision?, tolerance?,
// maxIterations?, backend?, method? }` where method is "flow" (default) | "ipm".
MinMaxConfig ParseMinMaxConfig(const Napi::Value& value, const char* name);

// The checked arguments of one min-max batch call, borrowing the caller's typed arrays.
struct MinMaxArguments {
  lplb_minmax_batch groups;
  lplb_minmax_solution out;
};

// Reads info[0 .. 9) as (count, fixedLoad, slotLoad, status, keep, maxLoad, lowerBound, gap,
// iterations); the last four outputs may be null or undefined.
MinMaxArguments ParseMinMaxArguments(const Napi::CallbackInfo& info, const lplb_minmax_shape& shape);

// A memory range of one argument, for the overlap check and for copying.
struct ArraySpan {
  const char* name;
  void* data;    // nullptr when absent
  size_t bytes;  // 0 when absent
};

constexpr size_t kBatchInputCount = 7;    // c, aEq, bEq, aUb, bUb, lower, upper
constexpr size_t kBatchOutputCount = 11;  // status, x, yEq, yUb, zLower, zUpper, objective, 3 residuals, iterations
// Arguments of a batch call: count, the inputs, then the outputs.
constexpr size_t kBatchArgumentCount = 1 + kBatchInputCount + kBatchOutputCount;

// The checked arguments of one batch call. Pointers borrow the caller's typed arrays.
struct BatchArguments {
  int32_t count;
  lplb_lp_batch lps;
  lplb_solution_batch out;
  ArraySpan inputs[kBatchInputCount];
  ArraySpan outputs[kBatchOutputCount];
};

// Reads arguments info[first .. first + kBatchArgumentCount) as
// (count, c, aEq, bEq, aUb, bUb, lower, upper,
//  status, x, yEq, yUb, zLower, zUpper, objective, primalResidual, dualResidual, dualityGap, iterations)
// for LPs of `shape`. Inputs and `status` are required except aEq/bEq (when m_eq == 0),
// aUb/bUb (when m_ub == 0), lower and upper; other outputs may be null or undefined.
BatchArguments ParseBatchArguments(const Napi::CallbackInfo& info, size_t first, const lplb_shape& shape);

// Points `out` at the output spans of `args` (used after the outputs were moved elsewhere).
void BindOutputs(const ArraySpan (&outputs)[kBatchOutputCount], lplb_solution_batch* out);

}  // namespace lplb_addon

#endif  // LPLB_ADDON_ARGUMENTS_H

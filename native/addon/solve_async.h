// solveBatchAsync(config, count, c, aEq, bEq, aUb, bUb, lower, upper,
//                 status, x, yEq, yUb, zLower, zUpper, objective,
//                 primalResidual, dualResidual, dualityGap, iterations) -> Promise<undefined>
//
// Solves a batch on a libuv worker thread with a workspace of its own, so the event loop keeps
// running. The inputs are copied when the call is made (the caller may change or detach them
// afterwards); results are computed into native memory and copied into the caller's output
// arrays on the main thread just before the promise resolves.
#ifndef LPLB_ADDON_SOLVE_ASYNC_H
#define LPLB_ADDON_SOLVE_ASYNC_H

#include <napi.h>

namespace lplb_addon {

Napi::Value SolveBatchAsync(const Napi::CallbackInfo& info);

}  // namespace lplb_addon

#endif  // LPLB_ADDON_SOLVE_ASYNC_H

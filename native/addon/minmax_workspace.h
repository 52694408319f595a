// `MinMaxWorkspace`: a native lplb_minmax_workspace owned by a JavaScript object.
//
//   new MinMaxWorkspace({ nRanks, nSlots, replicaRank, precision?, tolerance?, maxIterations? })
//   workspace.solveBatch(count, fixedLoad, slotLoad, status, keep, maxLoad, lowerBound, gap,
//                        iterations)   // -> undefined
//   workspace.dispose()              // idempotent; the finalizer frees it otherwise
//   workspace.disposed               // boolean
//
// solveBatch borrows every typed array for the duration of the call and writes the results
// into the caller's output arrays.
#ifndef LPLB_ADDON_MINMAX_WORKSPACE_H
#define LPLB_ADDON_MINMAX_WORKSPACE_H

#include <napi.h>

#include "lplb/minmax.h"

namespace lplb_addon {

class MinMaxWorkspace : public Napi::ObjectWrap<MinMaxWorkspace> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit MinMaxWorkspace(const Napi::CallbackInfo& info);
  ~MinMaxWorkspace() override;

  MinMaxWorkspace(const MinMaxWorkspace&) = delete;
  MinMaxWorkspace& operator=(const MinMaxWorkspace&) = delete;

 private:
  Napi::Value SolveBatch(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  void Release();

  lplb_minmax_workspace* workspace_ = nullptr;
  lplb_minmax_shape shape_{};  // sizes only; replica_rank is not kept
};

}  // namespace lplb_addon

#endif  // LPLB_ADDON_MINMAX_WORKSPACE_H

// `Workspace`: a native lplb_ipm_workspace owned by a JavaScript object.
//
//   new Workspace({ nVars, mEq, mUb, precision?, tolerance?, maxIterations?, backend? })
//   workspace.solveBatch(count, c, aEq, bEq, aUb, bUb, lower, upper,
//                        status, x, yEq, yUb, zLower, zUpper, objective,
//                        primalResidual, dualResidual, dualityGap, iterations)   // -> undefined
//   workspace.dispose()          // idempotent; the finalizer frees it otherwise
//   workspace.disposed           // boolean
//
// solveBatch borrows every typed array for the duration of the call (no copies) and writes the
// results into the caller's output arrays.
#ifndef LPLB_ADDON_WORKSPACE_H
#define LPLB_ADDON_WORKSPACE_H

#include <napi.h>

#include "lplb/ipm.h"

namespace lplb_addon {

class Workspace : public Napi::ObjectWrap<Workspace> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit Workspace(const Napi::CallbackInfo& info);
  ~Workspace() override;

  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

 private:
  Napi::Value SolveBatch(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  void Release();

  lplb_ipm_workspace* workspace_ = nullptr;
  lplb_shape shape_{};
};

}  // namespace lplb_addon

#endif  // LPLB_ADDON_WORKSPACE_H

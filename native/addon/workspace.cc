#include "workspace.h"

#include "arguments.h"
#include "errors.h"

namespace lplb_addon {

Napi::Function Workspace::Define(Napi::Env env) {
  return DefineClass(env, "Workspace",
                     {
                         InstanceMethod<&Workspace::SolveBatch>("solveBatch"),
                         InstanceMethod<&Workspace::Dispose>("dispose"),
                         InstanceAccessor<&Workspace::Disposed>("disposed"),
                     });
}

Workspace::Workspace(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Workspace>(info) {
  const WorkspaceConfig config = ParseWorkspaceConfig(info[0], "config");
  lplb_ipm_workspace* created = nullptr;
  const lplb_error error = lplb_ipm_workspace_create(&config.shape, &config.settings, &created);
  if (error != LPLB_OK) throw NativeFailure(info.Env(), error, LastErrorText(error));
  workspace_ = created;
  shape_ = config.shape;
}

Workspace::~Workspace() { Release(); }

void Workspace::Release() {
  if (workspace_ != nullptr) {
    lplb_ipm_workspace_destroy(workspace_);
    workspace_ = nullptr;
  }
}

Napi::Value Workspace::SolveBatch(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (workspace_ == nullptr) {
    ThrowInvalidArgumentText(env, "workspace", "expected a live workspace, got one that was disposed");
  }
  const BatchArguments args = ParseBatchArguments(info, 0, shape_);
  const lplb_error error = lplb_ipm_solve_batch(workspace_, &args.lps, &args.out);
  if (error != LPLB_OK) throw NativeFailure(env, error, LastErrorText(error));
  return env.Undefined();
}

Napi::Value Workspace::Dispose(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value Workspace::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), workspace_ == nullptr);
}

}  // namespace lplb_addon

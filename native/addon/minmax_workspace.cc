#include "minmax_workspace.h"

#include "arguments.h"
#include "errors.h"

namespace lplb_addon {

Napi::Function MinMaxWorkspace::Define(Napi::Env env) {
  return DefineClass(env, "MinMaxWorkspace",
                     {
                         InstanceMethod<&MinMaxWorkspace::SolveBatch>("solveBatch"),
                         InstanceMethod<&MinMaxWorkspace::Dispose>("dispose"),
                         InstanceAccessor<&MinMaxWorkspace::Disposed>("disposed"),
                     });
}

MinMaxWorkspace::MinMaxWorkspace(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MinMaxWorkspace>(info) {
  const MinMaxConfig config = ParseMinMaxConfig(info[0], "config");
  lplb_minmax_workspace* created = nullptr;
  lplb_error error = lplb_minmax_workspace_create(&config.shape, &config.settings, &created);
  if (error != LPLB_OK) throw NativeFailure(info.Env(), error, LastErrorText(error));
  error = lplb_minmax_workspace_set_method(created, config.method);
  if (error != LPLB_OK) {
    lplb_minmax_workspace_destroy(created);
    throw NativeFailure(info.Env(), error, LastErrorText(error));
  }
  workspace_ = created;
  shape_ = {config.shape.n_ranks, config.shape.n_slots, nullptr};
}

MinMaxWorkspace::~MinMaxWorkspace() { Release(); }

void MinMaxWorkspace::Release() {
  if (workspace_ != nullptr) {
    lplb_minmax_workspace_destroy(workspace_);
    workspace_ = nullptr;
  }
}

Napi::Value MinMaxWorkspace::SolveBatch(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (workspace_ == nullptr) {
    ThrowInvalidArgumentText(env, "workspace", "expected a live workspace, got one that was disposed");
  }
  const MinMaxArguments args = ParseMinMaxArguments(info, shape_);
  const lplb_error error = lplb_minmax_solve_batch(workspace_, &args.groups, &args.out);
  if (error != LPLB_OK) throw NativeFailure(env, error, LastErrorText(error));
  return env.Undefined();
}

Napi::Value MinMaxWorkspace::Dispose(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value MinMaxWorkspace::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), workspace_ == nullptr);
}

}  // namespace lplb_addon

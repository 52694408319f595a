// Entry point of lplb_ipm.node, the Node-API binding of the lplb interior-point solver.
//
// Exports:
//   bindingVersion   protocol version of this glue; @lplb/ipm refuses a binary with another one
//   capabilities()   { versionMajor, versionMinor, versionPatch, cpu, cudaBuilt, cudaUsable,
//                      cudaDeviceCount, cudaReason, ncclUsable, ncclVersion, ncclReason }
//   Workspace        see workspace.h
//   solveBatchAsync  see solve_async.h
//   MinMaxWorkspace  see minmax_workspace.h
//   countExperts, mapExperts  see routing.h
//   device memory, streams, DeviceStep, deviceSet, ncclUniqueId, NcclComm  see device.h
#include <napi.h>

#include "device.h"
#include "lplb/ipm.h"
#include "lplb/nccl.h"
#include "minmax_workspace.h"
#include "routing.h"
#include "solve_async.h"
#include "workspace.h"

namespace lplb_addon {
namespace {

// Bump when the argument layout of any export changes.
constexpr int kBindingVersion = 7;

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  lplb_capabilities capabilities{};
  lplb_get_capabilities(&capabilities);
  capabilities.cuda_reason[sizeof capabilities.cuda_reason - 1] = '\0';
  Napi::Object result = Napi::Object::New(env);
  result.Set("versionMajor", capabilities.version_major);
  result.Set("versionMinor", capabilities.version_minor);
  result.Set("versionPatch", capabilities.version_patch);
  result.Set("cpu", capabilities.cpu != 0);
  result.Set("cudaBuilt", capabilities.cuda_built != 0);
  result.Set("cudaUsable", capabilities.cuda_usable != 0);
  result.Set("cudaDeviceCount", capabilities.cuda_device_count);
  result.Set("cudaReason", capabilities.cuda_reason);
  int32_t nccl_version = 0;
  char nccl_reason[256];
  result.Set("ncclUsable", lplb_nccl_status(&nccl_version, nccl_reason, sizeof nccl_reason) != 0);
  result.Set("ncclVersion", nccl_version);
  result.Set("ncclReason", nccl_reason);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("bindingVersion", Napi::Number::New(env, kBindingVersion));
  exports.Set("capabilities", Napi::Function::New<Capabilities>(env, "capabilities"));
  exports.Set("solveBatchAsync", Napi::Function::New<SolveBatchAsync>(env, "solveBatchAsync"));
  exports.Set("Workspace", Workspace::Define(env));
  exports.Set("MinMaxWorkspace", MinMaxWorkspace::Define(env));
  exports.Set("countExperts", Napi::Function::New<CountExperts>(env, "countExperts"));
  exports.Set("mapExperts", Napi::Function::New<MapExperts>(env, "mapExperts"));
  exports.Set("deviceAlloc", Napi::Function::New<DeviceAlloc>(env, "deviceAlloc"));
  exports.Set("deviceFree", Napi::Function::New<DeviceFree>(env, "deviceFree"));
  exports.Set("copyToDevice", Napi::Function::New<CopyToDevice>(env, "copyToDevice"));
  exports.Set("copyToHost", Napi::Function::New<CopyToHost>(env, "copyToHost"));
  exports.Set("streamCreate", Napi::Function::New<StreamCreate>(env, "streamCreate"));
  exports.Set("streamDestroy", Napi::Function::New<StreamDestroy>(env, "streamDestroy"));
  exports.Set("streamSynchronize", Napi::Function::New<StreamSynchronize>(env, "streamSynchronize"));
  exports.Set("DeviceStep", DeviceStep::Define(env));
  exports.Set("deviceSet", Napi::Function::New<DeviceSet>(env, "deviceSet"));
  exports.Set("ncclUniqueId", Napi::Function::New<NcclUniqueId>(env, "ncclUniqueId"));
  exports.Set("NcclComm", NcclComm::Define(env));
  return exports;
}

}  // namespace
}  // namespace lplb_addon

// NODE_API_MODULE pastes the init function's name into an identifier, so it needs a plain name.
static Napi::Object InitLplbIpm(Napi::Env env, Napi::Object exports) { return lplb_addon::Init(env, exports); }

NODE_API_MODULE(lplb_ipm, InitLplbIpm)

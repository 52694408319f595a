// Device memory, streams and the GPU step (lplb/step.h) for @lplb/ipm's DeviceArray,
// CudaStream and DeviceStep. Pointers cross as BigInt; @lplb/ipm owns their validity.
//
//   deviceAlloc(bytes) -> bigint                 deviceFree(pointer)
//   copyToDevice(pointer, typedArray, stream, wait)   copyToHost(typedArray, pointer, stream, wait)
//   streamCreate() -> bigint   streamDestroy(stream)   streamSynchronize(stream)
//   new DeviceStep({ nExperts, nGroups, nRanks, nSlots, replicaRank, slotIndex, rankIndex,
//                    originalOf, copyOf, maxIds, nChunks, precision?, tolerance?, maxIterations? })
//   step.count(ids, length, width, stream)        step.localCounts() -> bigint
//   step.solveMap(ids, length, width, globalCounts, out, stream)
//   step.read(keep, status, maxLoad, stream) -> -1 or the smallest invalid index
//   step.dispose(), step.disposed
//   deviceSet(device)
//   ncclUniqueId() -> Uint8Array(128)
//   new NcclComm(id, size, rank, timeoutMs)      (waits for every rank to join, at most timeoutMs)
//   comm.allReduceSum(send, recv, count, type, stream)   type 0 = int32, 1 = float64
//   comm.synchronize(stream, timeoutMs), comm.abort(), comm.dispose(), comm.live
// `stream` is a bigint or null (the default stream).
#ifndef LPLB_ADDON_DEVICE_H
#define LPLB_ADDON_DEVICE_H

#include <napi.h>

#include "lplb/nccl.h"
#include "lplb/step.h"

namespace lplb_addon {

Napi::Value DeviceAlloc(const Napi::CallbackInfo& info);
Napi::Value DeviceFree(const Napi::CallbackInfo& info);
Napi::Value CopyToDevice(const Napi::CallbackInfo& info);
Napi::Value CopyToHost(const Napi::CallbackInfo& info);
Napi::Value StreamCreate(const Napi::CallbackInfo& info);
Napi::Value StreamDestroy(const Napi::CallbackInfo& info);
Napi::Value StreamSynchronize(const Napi::CallbackInfo& info);
Napi::Value DeviceSet(const Napi::CallbackInfo& info);
Napi::Value NcclUniqueId(const Napi::CallbackInfo& info);

class NcclComm : public Napi::ObjectWrap<NcclComm> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NcclComm(const Napi::CallbackInfo& info);
  ~NcclComm() override;
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

 private:
  Napi::Value AllReduceSum(const Napi::CallbackInfo& info);
  Napi::Value Synchronize(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Live(const Napi::CallbackInfo& info);
  lplb_nccl_comm* Get(Napi::Env env) const;

  lplb_nccl_comm* comm_ = nullptr;
};

class DeviceStep : public Napi::ObjectWrap<DeviceStep> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DeviceStep(const Napi::CallbackInfo& info);
  ~DeviceStep() override;
  DeviceStep(const DeviceStep&) = delete;
  DeviceStep& operator=(const DeviceStep&) = delete;

 private:
  Napi::Value Count(const Napi::CallbackInfo& info);
  Napi::Value LocalCounts(const Napi::CallbackInfo& info);
  Napi::Value SolveMap(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  lplb_step* Live(Napi::Env env) const;

  lplb_step* step_ = nullptr;
  int32_t n_groups_ = 0, slots_total_ = 0;
};

}  // namespace lplb_addon

#endif  // LPLB_ADDON_DEVICE_H

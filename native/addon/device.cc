#include "device.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "errors.h"
#include "lplb/nccl.h"

namespace lplb_addon {
namespace {

void* ReadPointer(const Napi::Value& value, const char* name, bool nullable) {
  if (nullable && (value.IsNull() || value.IsUndefined())) return nullptr;
  if (!value.IsBigInt()) ThrowInvalidArgument(value.Env(), name, "a bigint device pointer", value);
  bool lossless = false;
  const uint64_t raw = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless || (raw == 0 && !nullable)) ThrowInvalidArgument(value.Env(), name, "a nonzero 64-bit pointer", value);
  return reinterpret_cast<void*>(static_cast<uintptr_t>(raw));
}

Napi::Value PointerValue(Napi::Env env, const void* pointer) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer)));
}

double ReadCount(const Napi::Value& value, const char* name, double max) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : std::nan("");
  if (!(number >= 0 && number <= max) || std::floor(number) != number) {
    ThrowInvalidArgument(value.Env(), name, "an integer in [0, " + std::to_string(static_cast<long long>(max)) + "]", value);
  }
  return number;
}

struct Bytes {
  void* data;
  size_t bytes;
};

Bytes ReadTypedBytes(const Napi::Value& value, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!value.IsTypedArray() ||
      napi_get_typedarray_info(value.Env(), value, &type, &length, &data, nullptr, nullptr) != napi_ok) {
    ThrowInvalidArgument(value.Env(), name, "a typed array", value);
  }
  return {data, length * value.As<Napi::TypedArray>().ElementSize()};
}

template <typename T>
T* ReadOptional(const Napi::Value& value, const char* name, napi_typedarray_type wanted, size_t length) {
  if (value.IsNull() || value.IsUndefined()) return nullptr;
  napi_typedarray_type type;
  size_t actual = 0;
  void* data = nullptr;
  if (!value.IsTypedArray() ||
      napi_get_typedarray_info(value.Env(), value, &type, &actual, &data, nullptr, nullptr) != napi_ok || type != wanted ||
      actual != length) {
    ThrowInvalidArgument(value.Env(), name, "a typed array of length " + std::to_string(length) + " or null", value);
  }
  return static_cast<T*>(data);
}

void Check(Napi::Env env, lplb_error error) {
  if (error != LPLB_OK) throw NativeFailure(env, error, LastErrorText(error));
}

lplb_expert_ids ReadIds(const Napi::CallbackInfo& info, size_t first) {
  void* pointer = ReadPointer(info[first], "ids", true);
  const double length = ReadCount(info[first + 1], "length", 2147483647.0);
  const double width = ReadCount(info[first + 2], "width", 8);
  if (width != 4 && width != 8) ThrowInvalidArgument(info.Env(), "width", "4 or 8", info[first + 2]);
  return {pointer, static_cast<int64_t>(length), static_cast<int32_t>(width)};
}

}  // namespace

Napi::Value DeviceAlloc(const Napi::CallbackInfo& info) {
  const double bytes = ReadCount(info[0], "bytes", 1099511627776.0);
  void* pointer = nullptr;
  Check(info.Env(), lplb_device_alloc(static_cast<size_t>(bytes), &pointer));
  return PointerValue(info.Env(), pointer);
}

Napi::Value DeviceFree(const Napi::CallbackInfo& info) {
  Check(info.Env(), lplb_device_free(ReadPointer(info[0], "pointer", false)));
  return info.Env().Undefined();
}

Napi::Value CopyToDevice(const Napi::CallbackInfo& info) {
  void* destination = ReadPointer(info[0], "pointer", false);
  const Bytes source = ReadTypedBytes(info[1], "source");
  Check(info.Env(), lplb_device_copy(destination, source.data, source.bytes, 1, ReadPointer(info[2], "stream", true),
                                     info[3].ToBoolean() ? 1 : 0));
  return info.Env().Undefined();
}

Napi::Value CopyToHost(const Napi::CallbackInfo& info) {
  const Bytes destination = ReadTypedBytes(info[0], "destination");
  const void* source = ReadPointer(info[1], "pointer", false);
  Check(info.Env(), lplb_device_copy(destination.data, source, destination.bytes, 0, ReadPointer(info[2], "stream", true),
                                     info[3].ToBoolean() ? 1 : 0));
  return info.Env().Undefined();
}

Napi::Value StreamCreate(const Napi::CallbackInfo& info) {
  void* stream = nullptr;
  Check(info.Env(), lplb_stream_create(&stream));
  return PointerValue(info.Env(), stream);
}

Napi::Value StreamDestroy(const Napi::CallbackInfo& info) {
  Check(info.Env(), lplb_stream_destroy(ReadPointer(info[0], "stream", false)));
  return info.Env().Undefined();
}

Napi::Value StreamSynchronize(const Napi::CallbackInfo& info) {
  Check(info.Env(), lplb_stream_synchronize(ReadPointer(info[0], "stream", true)));
  return info.Env().Undefined();
}

Napi::Value DeviceSet(const Napi::CallbackInfo& info) {
  Check(info.Env(), lplb_device_set(static_cast<int32_t>(ReadCount(info[0], "device", 1023))));
  return info.Env().Undefined();
}

Napi::Value NcclUniqueId(const Napi::CallbackInfo& info) {
  Napi::Uint8Array id = Napi::Uint8Array::New(info.Env(), LPLB_NCCL_UNIQUE_ID_BYTES);
  Check(info.Env(), lplb_nccl_unique_id(id.Data()));
  return id;
}

Napi::Function NcclComm::Define(Napi::Env env) {
  return DefineClass(env, "NcclComm",
                     {InstanceMethod<&NcclComm::AllReduceSum>("allReduceSum"),
                      InstanceMethod<&NcclComm::Synchronize>("synchronize"), InstanceMethod<&NcclComm::Abort>("abort"),
                      InstanceMethod<&NcclComm::Dispose>("dispose"), InstanceAccessor<&NcclComm::Live>("live")});
}

NcclComm::NcclComm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NcclComm>(info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[0].As<Napi::Uint8Array>().ElementLength() != LPLB_NCCL_UNIQUE_ID_BYTES) {
    ThrowInvalidArgument(env, "id", "a Uint8Array of " + std::to_string(LPLB_NCCL_UNIQUE_ID_BYTES) + " bytes", info[0]);
  }
  const int32_t size = static_cast<int32_t>(ReadCount(info[1], "size", 1 << 20));
  const int32_t rank = static_cast<int32_t>(ReadCount(info[2], "rank", 1 << 20));
  const int64_t timeout = static_cast<int64_t>(ReadCount(info[3], "timeoutMs", 1e12));
  Check(env, lplb_nccl_comm_create(info[0].As<Napi::Uint8Array>().Data(), size, rank, timeout, &comm_));
}

NcclComm::~NcclComm() { lplb_nccl_comm_destroy(comm_); }

lplb_nccl_comm* NcclComm::Get(Napi::Env env) const {
  if (!comm_) throw Napi::Error::New(env, "the NCCL communicator was disposed");
  return comm_;
}

Napi::Value NcclComm::AllReduceSum(const Napi::CallbackInfo& info) {
  lplb_nccl_comm* comm = Get(info.Env());
  const void* send = ReadPointer(info[0], "send", false);
  void* recv = ReadPointer(info[1], "recv", false);
  const double count = ReadCount(info[2], "count", 1099511627776.0);
  const double type = ReadCount(info[3], "type", 1);
  Check(info.Env(), lplb_nccl_all_reduce_sum(comm, send, recv, static_cast<size_t>(count),
                                             static_cast<lplb_nccl_type>(static_cast<int>(type)),
                                             ReadPointer(info[4], "stream", true)));
  return info.Env().Undefined();
}

Napi::Value NcclComm::Synchronize(const Napi::CallbackInfo& info) {
  lplb_nccl_comm* comm = Get(info.Env());
  void* stream = ReadPointer(info[0], "stream", true);
  const int64_t timeout = static_cast<int64_t>(ReadCount(info[1], "timeoutMs", 1e12));
  Check(info.Env(), lplb_nccl_synchronize(comm, stream, timeout));
  return info.Env().Undefined();
}

Napi::Value NcclComm::Abort(const Napi::CallbackInfo& info) {
  lplb_nccl_comm_abort(comm_);
  return info.Env().Undefined();
}

Napi::Value NcclComm::Dispose(const Napi::CallbackInfo& info) {
  lplb_nccl_comm_destroy(comm_);
  comm_ = nullptr;
  return info.Env().Undefined();
}

Napi::Value NcclComm::Live(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), comm_ != nullptr && lplb_nccl_comm_rank(comm_) >= 0);
}

Napi::Function DeviceStep::Define(Napi::Env env) {
  return DefineClass(env, "DeviceStep",
                     {InstanceMethod<&DeviceStep::Count>("count"), InstanceMethod<&DeviceStep::LocalCounts>("localCounts"),
                      InstanceMethod<&DeviceStep::SolveMap>("solveMap"), InstanceMethod<&DeviceStep::Read>("read"),
                      InstanceMethod<&DeviceStep::Dispose>("dispose"), InstanceAccessor<&DeviceStep::Disposed>("disposed")});
}

DeviceStep::DeviceStep(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceStep>(info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject()) ThrowInvalidArgument(env, "config", "a device step configuration object", info[0]);
  const Napi::Object config = info[0].As<Napi::Object>();
  auto count = [&](const char* key, double max) { return static_cast<int32_t>(ReadCount(config.Get(key), key, max)); };
  lplb_step_layout layout{};
  layout.n_experts = count("nExperts", 8192);
  layout.n_groups = count("nGroups", 1 << 20);
  layout.n_ranks = count("nRanks", 1024);
  layout.n_slots = count("nSlots", 16384);
  const size_t E = static_cast<size_t>(layout.n_experts);
  auto ints = [&](const char* key, size_t length) {
    int32_t* data = ReadOptional<int32_t>(config.Get(key), key, napi_int32_array, length);
    if (!data) ThrowInvalidArgument(env, key, "an Int32Array of length " + std::to_string(length), config.Get(key));
    return data;
  };
  layout.replica_rank = ints("replicaRank", static_cast<size_t>(layout.n_ranks) * layout.n_slots);
  layout.slot_index = ints("slotIndex", E);
  layout.rank_index = ints("rankIndex", E);
  layout.original_of = ints("originalOf", E);
  layout.copy_of = ints("copyOf", E);
  const double max_ids = ReadCount(config.Get("maxIds"), "maxIds", 2147483647.0);
  const int32_t n_chunks = count("nChunks", 65536);
  lplb_ipm_settings settings;
  const Napi::Value precision = config.Get("precision");
  const bool single = precision.IsString() && precision.As<Napi::String>().Utf8Value() == "float32";
  lplb_ipm_default_settings(single ? LPLB_PRECISION_FLOAT32 : LPLB_PRECISION_FLOAT64, &settings);
  if (config.Get("tolerance").IsNumber()) settings.tolerance = config.Get("tolerance").As<Napi::Number>().DoubleValue();
  if (config.Get("maxIterations").IsNumber()) settings.max_iterations = count("maxIterations", 10000);
  lplb_step* created = nullptr;
  Check(env, lplb_step_create(&layout, &settings, static_cast<int64_t>(max_ids), n_chunks, &created));
  step_ = created;
  n_groups_ = layout.n_groups;
  slots_total_ = layout.n_groups * layout.n_ranks * layout.n_slots;
}

DeviceStep::~DeviceStep() { lplb_step_destroy(step_); }

lplb_step* DeviceStep::Live(Napi::Env env) const {
  if (!step_) ThrowInvalidArgumentText(env, "step", "expected a live device step, got one that was disposed");
  return step_;
}

Napi::Value DeviceStep::Count(const Napi::CallbackInfo& info) {
  lplb_step* step = Live(info.Env());
  const lplb_expert_ids ids = ReadIds(info, 0);
  Check(info.Env(), lplb_step_count(step, &ids, ReadPointer(info[3], "stream", true)));
  return info.Env().Undefined();
}

Napi::Value DeviceStep::LocalCounts(const Napi::CallbackInfo& info) {
  return PointerValue(info.Env(), lplb_step_local_counts(Live(info.Env())));
}

Napi::Value DeviceStep::SolveMap(const Napi::CallbackInfo& info) {
  lplb_step* step = Live(info.Env());
  const lplb_expert_ids ids = ReadIds(info, 0);
  const int32_t* global = static_cast<const int32_t*>(ReadPointer(info[3], "globalCounts", true));
  int32_t* out = static_cast<int32_t*>(ReadPointer(info[4], "out", ids.length == 0));
  Check(info.Env(), lplb_step_solve_map(step, &ids, global, out, ReadPointer(info[5], "stream", true)));
  return info.Env().Undefined();
}

Napi::Value DeviceStep::Read(const Napi::CallbackInfo& info) {
  lplb_step* step = Live(info.Env());
  double* keep = ReadOptional<double>(info[0], "keep", napi_float64_array, static_cast<size_t>(slots_total_));
  int32_t* status = ReadOptional<int32_t>(info[1], "status", napi_int32_array, static_cast<size_t>(n_groups_));
  double* max_load = ReadOptional<double>(info[2], "maxLoad", napi_float64_array, static_cast<size_t>(n_groups_));
  int64_t bad = -1;
  Check(info.Env(), lplb_step_read(step, keep, status, max_load, &bad, ReadPointer(info[3], "stream", true)));
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

Napi::Value DeviceStep::Dispose(const Napi::CallbackInfo& info) {
  lplb_step_destroy(step_);
  step_ = nullptr;
  return info.Env().Undefined();
}

Napi::Value DeviceStep::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), step_ == nullptr); }

}  // namespace lplb_addon

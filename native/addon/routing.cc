#include "routing.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "errors.h"
#include "lplb/routing.h"

namespace lplb_addon {
namespace {

struct Typed {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

bool ReadTyped(const Napi::Value& value, Typed* out) {
  return !value.IsEmpty() && value.IsTypedArray() &&
         napi_get_typedarray_info(value.Env(), value, &out->type, &out->length, &out->data, nullptr, nullptr) == napi_ok;
}

lplb_expert_ids ReadIds(const Napi::Value& value) {
  Typed typed{};
  if (!ReadTyped(value, &typed) || (typed.type != napi_int32_array && typed.type != napi_bigint64_array) ||
      typed.length > INT32_MAX) {
    ThrowInvalidArgument(value.Env(), "ids", "an Int32Array or BigInt64Array of at most 2147483647 ids", value);
  }
  return {typed.data, static_cast<int64_t>(typed.length), typed.type == napi_int32_array ? 4 : 8};
}

int32_t* ReadInt32Array(const Napi::Value& value, const char* name, uint64_t length, bool optional) {
  Typed typed{};
  if (optional && (value.IsNull() || value.IsUndefined())) return nullptr;
  if (!ReadTyped(value, &typed) || typed.type != napi_int32_array || typed.length != length) {
    ThrowInvalidArgument(value.Env(), name, "an Int32Array of length " + std::to_string(length), value);
  }
  return static_cast<int32_t*>(typed.data);
}

double ReadNumber(const Napi::Value& value, const char* name, double min, double max) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : std::nan("");
  if (!(number >= min && number <= max) || std::floor(number) != number) {
    ThrowInvalidArgument(value.Env(), name,
                         "an integer in [" + std::to_string(static_cast<long long>(min)) + ", " +
                             std::to_string(static_cast<long long>(max)) + "]",
                         value);
  }
  return number;
}

bool Overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const auto a_begin = reinterpret_cast<uintptr_t>(a), b_begin = reinterpret_cast<uintptr_t>(b);
  return a_bytes > 0 && b_bytes > 0 && a_begin < b_begin + b_bytes && b_begin < a_begin + a_bytes;
}

Napi::Value Finish(Napi::Env env, lplb_error error, int64_t bad_index) {
  if (error == LPLB_OK) return Napi::Number::New(env, -1);
  if (error == LPLB_ERR_INVALID_ARGUMENT && bad_index >= 0) return Napi::Number::New(env, static_cast<double>(bad_index));
  throw NativeFailure(env, error, LastErrorText(error));
}

}  // namespace

Napi::Value CountExperts(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const lplb_expert_ids ids = ReadIds(info[0]);
  const int32_t n_experts = static_cast<int32_t>(ReadNumber(info[1], "nExperts", 1, 1 << 24));
  const int64_t chunk_size = static_cast<int64_t>(ReadNumber(info[2], "chunkSize", 1, INT32_MAX));
  const int32_t n_chunks = static_cast<int32_t>(ReadNumber(info[3], "nChunks", 1, 1 << 20));
  if (static_cast<double>(n_chunks) * n_experts > INT32_MAX) {
    ThrowInvalidArgumentText(env, "nChunks", "expected nChunks * nExperts to fit an Int32Array");
  }
  int32_t* counts = ReadInt32Array(info[4], "counts", static_cast<uint64_t>(n_experts), false);
  int32_t* offsets =
      ReadInt32Array(info[5], "chunkOffsets", static_cast<uint64_t>(n_chunks) * static_cast<uint64_t>(n_experts), true);
  const size_t id_bytes = static_cast<size_t>(ids.length) * static_cast<size_t>(ids.width);
  if (Overlap(counts, sizeof(int32_t) * n_experts, ids.data, id_bytes) ||
      (offsets && (Overlap(offsets, sizeof(int32_t) * n_chunks * static_cast<size_t>(n_experts), ids.data, id_bytes) ||
                   Overlap(offsets, sizeof(int32_t) * n_chunks * static_cast<size_t>(n_experts), counts,
                           sizeof(int32_t) * n_experts)))) {
    ThrowInvalidArgumentText(env, "counts", "expected counts and chunkOffsets not to share memory with ids or each other");
  }
  int64_t bad_index = -1;
  const lplb_error error = lplb_count_experts(&ids, n_experts, chunk_size, n_chunks, counts, offsets, &bad_index);
  return Finish(env, error, bad_index);
}

Napi::Value MapExperts(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const lplb_expert_ids ids = ReadIds(info[0]);
  const int32_t n_experts = static_cast<int32_t>(ReadNumber(info[1], "nExperts", 1, 1 << 24));
  static_assert(sizeof(lplb_route) == 5 * sizeof(int32_t), "lplb_route is five int32 fields");
  const int32_t* routes = ReadInt32Array(info[2], "routes", 5 * static_cast<uint64_t>(n_experts), false);
  int32_t* out = ReadInt32Array(info[3], "out", static_cast<uint64_t>(ids.length), false);
  const size_t id_bytes = static_cast<size_t>(ids.length) * static_cast<size_t>(ids.width);
  // Writing out[i] after reading ids[i] allows out to be ids itself, but not a shifted view.
  const bool same = ids.width == 4 && static_cast<const void*>(out) == ids.data;
  if ((!same && Overlap(out, sizeof(int32_t) * ids.length, ids.data, id_bytes)) ||
      Overlap(out, sizeof(int32_t) * ids.length, routes, sizeof(int32_t) * 5 * n_experts)) {
    ThrowInvalidArgumentText(env, "out", "expected out to be ids itself or not to share memory with ids and routes");
  }
  int64_t bad_index = -1;
  const lplb_error error =
      lplb_map_experts(&ids, n_experts, reinterpret_cast<const lplb_route*>(routes), out, &bad_index);
  return Finish(env, error, bad_index);
}

}  // namespace lplb_addon

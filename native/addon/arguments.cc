#include "arguments.h"

#include <cmath>
#include <string>

#include "errors.h"

namespace lplb_addon {
namespace {

int32_t ReadInteger(const Napi::Object& object, const char* key, const std::string& prefix, int32_t min,
                    int32_t max) {
  const Napi::Value value = object.Get(key);
  const std::string name = prefix + "." + key;
  const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!value.IsNumber()) ThrowInvalidArgument(object.Env(), name, expected, value);
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || std::floor(number) != number) {
    ThrowInvalidArgument(object.Env(), name, expected, value);
  }
  return static_cast<int32_t>(number);
}

// Reads a string property that must be one of two choices; returns 0 for the first, 1 for the second.
int ReadChoice(const Napi::Object& object, const char* key, const std::string& prefix, const char* first,
               const char* second, int fallback) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  const std::string name = prefix + "." + key;
  if (value.IsString()) {
    const std::string text = value.As<Napi::String>().Utf8Value();
    if (text == first) return 0;
    if (text == second) return 1;
  }
  ThrowInvalidArgument(object.Env(), name, std::string("one of \"") + first + "\", \"" + second + "\"", value);
}

bool IsAbsent(const Napi::Value& value) { return value.IsUndefined() || value.IsNull(); }

[[noreturn]] void ThrowWrongArray(const Napi::Value& value, const char* name, const char* type_name, uint64_t length) {
  ThrowInvalidArgument(value.Env(), name, std::string("a ") + type_name + " of length " + std::to_string(length), value);
}

// Reads a typed array of `type` with exactly `length` elements; `optional` also accepts null
// and undefined (absent). A zero-length array is reported as absent (nullptr). One napi call
// yields kind, length and the data pointer (already offset into its buffer) and fails for
// anything that is not a typed array; messages are built only on failure.
ArraySpan ReadArray(const Napi::Value& value, const char* name, napi_typedarray_type type, const char* type_name,
                    uint64_t length, bool optional) {
  napi_typedarray_type actual_type;
  size_t actual_length = 0;
  void* data = nullptr;
  const bool is_typed_array =
      !value.IsEmpty() &&
      napi_get_typedarray_info(value.Env(), value, &actual_type, &actual_length, &data, nullptr, nullptr) == napi_ok;
  if (!is_typed_array) {
    if (optional && IsAbsent(value)) return ArraySpan{name, nullptr, 0};
    ThrowWrongArray(value, name, type_name, length);
  }
  if (actual_type != type || static_cast<uint64_t>(actual_length) != length) {
    ThrowWrongArray(value, name, type_name, length);
  }
  if (length == 0) return ArraySpan{name, nullptr, 0};
  const size_t element_bytes = type == napi_int32_array ? sizeof(int32_t) : sizeof(double);
  return ArraySpan{name, data, actual_length * element_bytes};
}

// Inputs are required unless they hold no elements for this shape (aEq/bEq when m_eq == 0,
// aUb/bUb when m_ub == 0); `required` false makes them optional regardless.
ArraySpan ReadFloat64(const Napi::Value& value, const char* name, uint64_t length, bool required) {
  return ReadArray(value, name, napi_float64_array, "Float64Array", length, !required || length == 0);
}

ArraySpan ReadInt32(const Napi::Value& value, const char* name, uint64_t length, bool required) {
  return ReadArray(value, name, napi_int32_array, "Int32Array", length, !required);
}

bool Overlaps(const ArraySpan& a, const ArraySpan& b) {
  if (a.bytes == 0 || b.bytes == 0) return false;
  const auto a_begin = reinterpret_cast<uintptr_t>(a.data);
  const auto b_begin = reinterpret_cast<uintptr_t>(b.data);
  return a_begin < b_begin + b.bytes && b_begin < a_begin + a.bytes;
}

// Reads precision, tolerance and maxIterations (and backend when `with_backend`) of a
// configuration object; omitted settings take the C API defaults.
lplb_ipm_settings ReadSettings(const Napi::Object& object, const char* name, bool with_backend) {
  const Napi::Env env = object.Env();
  lplb_ipm_settings settings{};
  const int precision = ReadChoice(object, "precision", name, "float64", "float32", 0);
  lplb_ipm_default_settings(precision == 0 ? LPLB_PRECISION_FLOAT64 : LPLB_PRECISION_FLOAT32, &settings);
  if (with_backend) {
    settings.backend = ReadChoice(object, "backend", name, "cpu", "cuda", 0) == 0 ? LPLB_BACKEND_CPU : LPLB_BACKEND_CUDA;
  }
  if (!object.Get("maxIterations").IsUndefined()) {
    settings.max_iterations = ReadInteger(object, "maxIterations", name, 1, kMaxIterations);
  }
  const Napi::Value tolerance = object.Get("tolerance");
  if (!tolerance.IsUndefined()) {
    const double number = tolerance.IsNumber() ? tolerance.As<Napi::Number>().DoubleValue() : std::nan("");
    if (!(number > 0 && number < 1)) {
      ThrowInvalidArgument(env, std::string(name) + ".tolerance", "a finite number in (0, 1)", tolerance);
    }
    settings.tolerance = number;
  }
  return settings;
}

[[noreturn]] void ThrowSharedMemory(Napi::Env env, const ArraySpan& later, const ArraySpan& earlier, const char* kind) {
  ThrowInvalidArgumentText(env, later.name,
                           std::string("expected ") + later.name + " not to share memory with " + kind + " " + earlier.name);
}

}  // namespace

MinMaxConfig ParseMinMaxConfig(const Napi::Value& value, const char* name) {
  const Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray() || value.IsFunction()) {
    ThrowInvalidArgument(env, name, "a min-max workspace configuration object", value);
  }
  const Napi::Object object = value.As<Napi::Object>();
  MinMaxConfig config{};
  config.shape.n_ranks = ReadInteger(object, "nRanks", name, 1, LPLB_MINMAX_MAX_RANKS);
  config.shape.n_slots = ReadInteger(object, "nSlots", name, 1, LPLB_MINMAX_MAX_EDGES);
  const uint64_t edges = static_cast<uint64_t>(config.shape.n_ranks) * static_cast<uint64_t>(config.shape.n_slots);
  const std::string replica_name = std::string(name) + ".replicaRank";
  const ArraySpan replica = ReadInt32(object.Get("replicaRank"), replica_name.c_str(), edges, true);
  config.shape.replica_rank = static_cast<const int32_t*>(replica.data);
  config.settings = ReadSettings(object, name, true);
  config.method = ReadChoice(object, "method", name, "flow", "ipm", 0) == 0 ? LPLB_MINMAX_METHOD_FLOW : LPLB_MINMAX_METHOD_IPM;
  return config;
}

MinMaxArguments ParseMinMaxArguments(const Napi::CallbackInfo& info, const lplb_minmax_shape& shape) {
  const Napi::Env env = info.Env();
  constexpr size_t kArguments = 9;
  if (info.Length() < kArguments) {
    ThrowInvalidArgumentText(env, "arguments",
                             "expected " + std::to_string(kArguments) + " arguments, got " + std::to_string(info.Length()));
  }
  const Napi::Value count_value = info[0];
  const double count_number = count_value.IsNumber() ? count_value.As<Napi::Number>().DoubleValue() : std::nan("");
  if (!(count_number >= 1 && count_number <= INT32_MAX) || std::floor(count_number) != count_number) {
    ThrowInvalidArgument(env, "count", "an integer in [1, 2147483647]", count_value);
  }
  const uint64_t count = static_cast<uint64_t>(count_number);
  const uint64_t ranks = static_cast<uint64_t>(shape.n_ranks);
  const uint64_t edges = ranks * static_cast<uint64_t>(shape.n_slots);
  const ArraySpan in[2] = {ReadFloat64(info[1], "fixedLoad", count * ranks, true),
                           ReadFloat64(info[2], "slotLoad", count * edges, true)};
  const ArraySpan out[6] = {ReadInt32(info[3], "status", count, true),       ReadFloat64(info[4], "keep", count * edges, true),
                            ReadFloat64(info[5], "maxLoad", count, false),   ReadFloat64(info[6], "lowerBound", count, false),
                            ReadFloat64(info[7], "gap", count, false),       ReadInt32(info[8], "iterations", count, false)};
  for (size_t o = 0; o < 6; o++) {
    for (const ArraySpan& input : in)
      if (Overlaps(out[o], input)) ThrowSharedMemory(env, out[o], input, "input");
    for (size_t k = o + 1; k < 6; k++)
      if (Overlaps(out[o], out[k])) ThrowSharedMemory(env, out[k], out[o], "output");
  }
  MinMaxArguments args{};
  args.groups = {static_cast<int32_t>(count), static_cast<const double*>(in[0].data), static_cast<const double*>(in[1].data)};
  args.out = {static_cast<int32_t*>(out[0].data), static_cast<double*>(out[1].data), static_cast<double*>(out[2].data),
              static_cast<double*>(out[3].data),  static_cast<double*>(out[4].data), static_cast<int32_t*>(out[5].data)};
  return args;
}

WorkspaceConfig ParseWorkspaceConfig(const Napi::Value& value, const char* name) {
  const Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray() || value.IsFunction()) {
    ThrowInvalidArgument(env, name, "a workspace configuration object", value);
  }
  const Napi::Object object = value.As<Napi::Object>();
  WorkspaceConfig config{};
  config.shape.n_vars = ReadInteger(object, "nVars", name, 1, kMaxDimension);
  config.shape.m_eq = ReadInteger(object, "mEq", name, 0, kMaxDimension);
  config.shape.m_ub = ReadInteger(object, "mUb", name, 0, kMaxDimension);
  config.settings = ReadSettings(object, name, true);
  return config;
}

BatchArguments ParseBatchArguments(const Napi::CallbackInfo& info, size_t first, const lplb_shape& shape) {
  const Napi::Env env = info.Env();
  if (info.Length() < first + kBatchArgumentCount) {
    ThrowInvalidArgumentText(env, "arguments",
                             "expected " + std::to_string(first + kBatchArgumentCount) + " arguments, got " +
                                 std::to_string(info.Length()));
  }
  BatchArguments args{};
  const Napi::Value count_value = info[first];
  const double count_number = count_value.IsNumber() ? count_value.As<Napi::Number>().DoubleValue() : std::nan("");
  if (!(count_number >= 1 && count_number <= INT32_MAX) || std::floor(count_number) != count_number) {
    ThrowInvalidArgument(env, "count", "an integer in [1, 2147483647]", count_value);
  }
  args.count = static_cast<int32_t>(count_number);

  const uint64_t count = static_cast<uint64_t>(args.count);
  const uint64_t n = static_cast<uint64_t>(shape.n_vars);
  const uint64_t m_eq = static_cast<uint64_t>(shape.m_eq);
  const uint64_t m_ub = static_cast<uint64_t>(shape.m_ub);
  size_t i = first + 1;

  ArraySpan* in = args.inputs;
  in[0] = ReadFloat64(info[i++], "c", count * n, true);
  in[1] = ReadFloat64(info[i++], "aEq", count * m_eq * n, true);
  in[2] = ReadFloat64(info[i++], "bEq", count * m_eq, true);
  in[3] = ReadFloat64(info[i++], "aUb", count * m_ub * n, true);
  in[4] = ReadFloat64(info[i++], "bUb", count * m_ub, true);
  in[5] = ReadFloat64(info[i++], "lower", count * n, false);
  in[6] = ReadFloat64(info[i++], "upper", count * n, false);

  ArraySpan* out = args.outputs;
  out[0] = ReadInt32(info[i++], "status", count, true);
  out[1] = ReadFloat64(info[i++], "x", count * n, false);
  out[2] = ReadFloat64(info[i++], "yEq", count * m_eq, false);
  out[3] = ReadFloat64(info[i++], "yUb", count * m_ub, false);
  out[4] = ReadFloat64(info[i++], "zLower", count * n, false);
  out[5] = ReadFloat64(info[i++], "zUpper", count * n, false);
  out[6] = ReadFloat64(info[i++], "objective", count, false);
  out[7] = ReadFloat64(info[i++], "primalResidual", count, false);
  out[8] = ReadFloat64(info[i++], "dualResidual", count, false);
  out[9] = ReadFloat64(info[i++], "dualityGap", count, false);
  out[10] = ReadInt32(info[i++], "iterations", count, false);

  // The solver may write an output before it has read all of its inputs.
  for (size_t o = 0; o < kBatchOutputCount; o++) {
    for (size_t k = 0; k < kBatchInputCount; k++) {
      if (Overlaps(out[o], in[k])) {
        ThrowInvalidArgumentText(env, out[o].name,
                                 std::string("expected ") + out[o].name + " not to share memory with input " +
                                     in[k].name);
      }
    }
    for (size_t k = o + 1; k < kBatchOutputCount; k++) {
      if (Overlaps(out[o], out[k])) {
        ThrowInvalidArgumentText(env, out[k].name,
                                 std::string("expected ") + out[k].name + " not to share memory with output " +
                                     out[o].name);
      }
    }
  }

  args.lps.batch = args.count;
  args.lps.c = static_cast<const double*>(in[0].data);
  args.lps.a_eq = static_cast<const double*>(in[1].data);
  args.lps.b_eq = static_cast<const double*>(in[2].data);
  args.lps.a_ub = static_cast<const double*>(in[3].data);
  args.lps.b_ub = static_cast<const double*>(in[4].data);
  args.lps.lower = static_cast<const double*>(in[5].data);
  args.lps.upper = static_cast<const double*>(in[6].data);
  BindOutputs(args.outputs, &args.out);
  return args;
}

void BindOutputs(const ArraySpan (&outputs)[kBatchOutputCount], lplb_solution_batch* out) {
  out->status = static_cast<int32_t*>(outputs[0].data);
  out->x = static_cast<double*>(outputs[1].data);
  out->y_eq = static_cast<double*>(outputs[2].data);
  out->y_ub = static_cast<double*>(outputs[3].data);
  out->z_lower = static_cast<double*>(outputs[4].data);
  out->z_upper = static_cast<double*>(outputs[5].data);
  out->objective = static_cast<double*>(outputs[6].data);
  out->primal_residual = static_cast<double*>(outputs[7].data);
  out->dual_residual = static_cast<double*>(outputs[8].data);
  out->duality_gap = static_cast<double*>(outputs[9].data);
  out->iterations = static_cast<int32_t*>(outputs[10].data);
}

}  // namespace lplb_addon

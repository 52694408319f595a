#include "errors.h"

#include <cmath>
#include <cstdio>

namespace lplb_addon {
namespace {

const char* TypedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    default:
      return "TypedArray";
  }
}

Napi::Error WithCode(Napi::Error error, const char* code) {
  error.Value().Set("code", Napi::String::New(error.Env(), code));
  return error;
}

}  // namespace

std::string Describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) {
    const double number = value.As<Napi::Number>().DoubleValue();
    if (std::isnan(number)) return "NaN";
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", number);
    return text;
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return "\"" + text + "\"";
  }
  if (value.IsTypedArray()) {
    const Napi::TypedArray array = value.As<Napi::TypedArray>();
    return std::string(TypedArrayName(array.TypedArrayType())) + "(" + std::to_string(array.ElementLength()) + ")";
  }
  if (value.IsArray()) return "an array of length " + std::to_string(value.As<Napi::Array>().Length());
  if (value.IsFunction()) return "a function";
  if (value.IsObject()) return "an object";
  return "a value of another type";
}

void ThrowInvalidArgumentText(Napi::Env env, const std::string& argument, const std::string& message) {
  Napi::Error error = WithCode(Napi::TypeError::New(env, message), "ERR_LPLB_INVALID_ARGUMENT");
  error.Value().Set("argument", Napi::String::New(env, argument));
  throw error;
}

void ThrowInvalidArgument(Napi::Env env, const std::string& argument, const std::string& expected,
                          const Napi::Value& value) {
  ThrowInvalidArgumentText(env, argument, "expected " + expected + " for " + argument + ", got " + Describe(value));
}

Napi::Error NativeFailure(Napi::Env env, lplb_error error, const std::string& message) {
  Napi::Error result = WithCode(Napi::Error::New(env, message), "ERR_LPLB_NATIVE");
  result.Value().Set("nativeCode", Napi::Number::New(env, static_cast<double>(error)));
  result.Value().Set("nativeError", Napi::String::New(env, lplb_error_string(error)));
  return result;
}

std::string LastErrorText(lplb_error error) {
  const char* last = lplb_last_error_message();
  std::string text = lplb_error_string(error);
  if (last != nullptr && last[0] != '\0') text += ": " + std::string(last);
  return text;
}

}  // namespace lplb_addon

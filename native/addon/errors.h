// JavaScript errors thrown by the addon.
//
// Every error carries a string `code` matching @lplb/errors (`ERR_LPLB_INVALID_ARGUMENT`,
// `ERR_LPLB_NATIVE`); argument errors also carry `argument`, native failures `nativeCode`
// (the lplb_error value). @lplb/ipm turns them into its error classes.
#ifndef LPLB_ADDON_ERRORS_H
#define LPLB_ADDON_ERRORS_H

#include <napi.h>

#include <string>

#include "lplb/ipm.h"

namespace lplb_addon {

// Short rendering of a JS value for messages: `undefined`, `3`, `"abc"`, `Float32Array(4)`.
std::string Describe(const Napi::Value& value);

// Throws a TypeError `expected <expected> for <argument>, got <Describe(value)>`.
[[noreturn]] void ThrowInvalidArgument(Napi::Env env, const std::string& argument, const std::string& expected,
                                       const Napi::Value& value);

// Same message and code, for cases where the offending value is already described.
[[noreturn]] void ThrowInvalidArgumentText(Napi::Env env, const std::string& argument, const std::string& message);

// An error for a failed C API call: the thread's last error message (or the code's text),
// `code` = ERR_LPLB_NATIVE, `nativeCode` = error.
Napi::Error NativeFailure(Napi::Env env, lplb_error error, const std::string& message);

// The message to report for `error` right after the failing call on this thread.
std::string LastErrorText(lplb_error error);

}  // namespace lplb_addon

#endif  // LPLB_ADDON_ERRORS_H

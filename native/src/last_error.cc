#include "last_error.h"

#include <cstdarg>
#include <cstdio>

namespace lplb {
namespace {

constexpr int kMessageCapacity = 512;
thread_local char last_message[kMessageCapacity] = "";

}  // namespace

lplb_error set_last_error(lplb_error error, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(last_message, kMessageCapacity, format, args);
  va_end(args);
  return error;
}

void clear_last_error() { last_message[0] = '\0'; }

const char* last_error_message() { return last_message; }

}  // namespace lplb

// Loads libnccl.so.2 with dlopen, so that nothing links against NCCL.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "lplb/nccl.h"
#include "nccl/nccl_library.h"

namespace lplb {
namespace nccl {
namespace {

template <typename Function>
bool resolve(void* handle, const char* name, Function* out, std::string* missing) {
  *out = reinterpret_cast<Function>(dlsym(handle, name));
  if (!*out) *missing += std::string(missing->empty() ? "" : ", ") + name;
  return *out != nullptr;
}

}  // namespace

const Library& library() {
  static Library loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* error = dlerror();
      loaded.reason = std::string("libnccl.so.2 could not be loaded: ") + (error ? error : "unknown error") +
                      " (install NCCL or add its directory to LD_LIBRARY_PATH)";
      return;
    }
    using GetVersion = int (*)(int*);
    GetVersion get_version = nullptr;
    std::string missing;
    if (!resolve(handle, "ncclGetVersion", &get_version, &missing)) {
      loaded.reason = "libnccl.so.2 has no ncclGetVersion: not a usable NCCL";
      return;
    }
    int version = 0;
    if (get_version(&version) != 0) {
      loaded.reason = "ncclGetVersion failed";
      return;
    }
    loaded.version = version;
    resolve(handle, "ncclGetUniqueId", &loaded.get_unique_id, &missing);
    resolve(handle, "ncclCommInitRankConfig", &loaded.comm_init_rank_config, &missing);
    resolve(handle, "ncclCommGetAsyncError", &loaded.comm_get_async_error, &missing);
    resolve(handle, "ncclAllReduce", &loaded.all_reduce, &missing);
    resolve(handle, "ncclCommAbort", &loaded.comm_abort, &missing);
    resolve(handle, "ncclGetErrorString", &loaded.get_error_string, &missing);
    if (!missing.empty()) {
      loaded.reason = "libnccl.so.2 lacks " + missing;
      return;
    }
    if (version < kOldestVersion) {
      char text[160];
      std::snprintf(text, sizeof text, "NCCL %d.%d.%d is too old: EP groups need NCCL 2.18 or newer", version / 10000,
                    version / 100 % 100, version % 100);
      loaded.reason = text;
      return;
    }
    loaded.usable = true;
  });
  return loaded;
}

}  // namespace nccl
}  // namespace lplb

extern "C" int32_t lplb_nccl_status(int32_t* version, char* reason, size_t reason_size) {
  const lplb::nccl::Library& loaded = lplb::nccl::library();
  if (version) *version = loaded.version;
  if (reason && reason_size > 0) std::snprintf(reason, reason_size, "%s", loaded.reason.c_str());
  return loaded.usable ? 1 : 0;
}

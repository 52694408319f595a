// Loads libnccl.so.2 with dlopen, so that nothing links against NCCL.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "lplb/nccl.h"

namespace lplb {
namespace nccl {
namespace {

struct Loaded {
  bool usable = false;
  int32_t version = 0;
  std::string reason;
};

const Loaded& load() {
  static Loaded loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* error = dlerror();
      loaded.reason = std::string("libnccl.so.2 could not be loaded: ") + (error ? error : "unknown error") +
                      " (install NCCL or add its directory to LD_LIBRARY_PATH)";
      return;
    }
    using GetVersion = int (*)(int*);
    auto get_version = reinterpret_cast<GetVersion>(dlsym(library, "ncclGetVersion"));
    if (!get_version) {
      loaded.reason = "libnccl.so.2 has no ncclGetVersion: not a usable NCCL";
      return;
    }
    int version = 0;
    if (get_version(&version) != 0) {
      loaded.reason = "ncclGetVersion failed";
      return;
    }
    loaded.usable = true;
    loaded.version = version;
  });
  return loaded;
}

}  // namespace
}  // namespace nccl
}  // namespace lplb

extern "C" int32_t lplb_nccl_status(int32_t* version, char* reason, size_t reason_size) {
  const lplb::nccl::Loaded& loaded = lplb::nccl::load();
  if (version) *version = loaded.version;
  if (reason && reason_size > 0) std::snprintf(reason, reason_size, "%s", loaded.reason.c_str());
  return loaded.usable ? 1 : 0;
}

// The parts of NCCL's C API that lplb calls, resolved with dlsym from libnccl.so.2 so that
// nothing links against NCCL. Types mirror nccl.h (stable since NCCL 2.18).
#ifndef LPLB_SRC_NCCL_NCCL_LIBRARY_H
#define LPLB_SRC_NCCL_NCCL_LIBRARY_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace lplb {
namespace nccl {

using Result = int;  // ncclResult_t
constexpr Result kSuccess = 0;
constexpr Result kInProgress = 7;
constexpr int kInt32 = 2;    // ncclInt32
constexpr int kFloat64 = 8;  // ncclFloat64
constexpr int kSum = 0;      // ncclSum
// Non-blocking communicators and this configuration layout exist from NCCL 2.18.
constexpr int32_t kOldestVersion = 21800;

struct UniqueId {
  char internal[128];
};
using Comm = void*;

// ncclConfig_t as of NCCL 2.18; newer libraries read it by its size and version fields.
struct Config {
  size_t size;
  unsigned int magic;
  unsigned int version;
  int blocking;
  int cga_cluster_size;
  int min_ctas;
  int max_ctas;
  const char* net_name;
  int split_share;
};

struct Library {
  bool usable = false;
  int32_t version = 0;
  std::string reason;
  Result (*get_unique_id)(UniqueId*) = nullptr;
  Result (*comm_init_rank_config)(Comm*, int, UniqueId, int, Config*) = nullptr;
  Result (*comm_get_async_error)(Comm, Result*) = nullptr;
  Result (*all_reduce)(const void*, void*, size_t, int, int, Comm, void*) = nullptr;
  Result (*comm_abort)(Comm) = nullptr;
  const char* (*get_error_string)(Result) = nullptr;
};

// Loads the library once per process; later calls return the first result.
const Library& library();

}  // namespace nccl
}  // namespace lplb

#endif  // LPLB_SRC_NCCL_NCCL_LIBRARY_H

// EP-group communicators over NCCL (lplb/nccl.h). Every wait polls with a deadline, so a peer
// that dies or never arrives ends in an aborted communicator and an error, not a hang.
#include <chrono>
#include <climits>
#include <cstring>
#include <new>
#include <thread>

#include "last_error.h"
#include "lplb/nccl.h"
#include "nccl/nccl_library.h"

#if LPLB_CUDA_BUILT
#include <cuda_runtime.h>
#endif

struct lplb_nccl_comm {
  lplb::nccl::Comm comm = nullptr;
  int32_t rank = 0, size = 0;
  bool aborted = false;
};

namespace lplb {
namespace nccl {
namespace {

using Clock = std::chrono::steady_clock;

const char* error_text(const Library& lib, Result result) {
  const char* text = lib.get_error_string ? lib.get_error_string(result) : nullptr;
  return text ? text : "unknown NCCL error";
}

lplb_error unavailable(const Library& lib) {
  return set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "NCCL is unavailable: %s", lib.reason.c_str());
}

void abort_comm(lplb_nccl_comm* handle) {
  if (handle->aborted) return;
  handle->aborted = true;
  if (handle->comm) library().comm_abort(handle->comm);
  handle->comm = nullptr;
}

// Waits between polls: spins briefly (a step's collective takes microseconds), then sleeps.
class Poller {
 public:
  explicit Poller(int64_t timeout_ms) : start_(Clock::now()), deadline_(start_ + std::chrono::milliseconds(timeout_ms)) {}
  bool expired() const { return Clock::now() >= deadline_; }
  void pause() {
    if (Clock::now() - start_ < std::chrono::milliseconds(2)) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

 private:
  Clock::time_point start_, deadline_;
};

// The communicator's asynchronous state (ncclInProgress while work is pending).
Result async_state(const lplb_nccl_comm* handle) {
  Result state = kSuccess;
  const Result queried = library().comm_get_async_error(handle->comm, &state);
  return queried != kSuccess ? queried : state;
}

// Aborts the communicator and reports that `what` failed with NCCL's `state`.
lplb_error failed(lplb_nccl_comm* handle, const char* what, Result state) {
  abort_comm(handle);
  return set_last_error(LPLB_ERR_COMMUNICATION, "rank %d of %d: %s failed: %s (the EP group is aborted)", handle->rank,
                        handle->size, what, error_text(library(), state));
}

// Aborts the communicator and reports that `what` outlasted `timeout_ms`.
lplb_error timed_out(lplb_nccl_comm* handle, const char* what, int64_t timeout_ms) {
  abort_comm(handle);
  return set_last_error(LPLB_ERR_TIMEOUT,
                        "rank %d of %d: %s did not finish within %lld ms: a peer is missing, dead or stuck "
                        "(the EP group is aborted)",
                        handle->rank, handle->size, what, static_cast<long long>(timeout_ms));
}

// Polls the communicator's asynchronous state until it leaves ncclInProgress or the deadline
// passes (the communicator is then aborted). `what` names the operation for messages.
lplb_error settle(lplb_nccl_comm* handle, int64_t timeout_ms, const char* what) {
  Poller poller(timeout_ms);
  for (;;) {
    const Result state = async_state(handle);
    if (state == kSuccess) return LPLB_OK;
    if (state != kInProgress) return failed(handle, what, state);
    if (poller.expired()) return timed_out(handle, what, timeout_ms);
    poller.pause();
  }
}

lplb_error check_live(const lplb_nccl_comm* comm) {
  if (!comm) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "comm is NULL");
  if (comm->aborted) {
    return set_last_error(LPLB_ERR_COMMUNICATION, "rank %d of %d: the EP group was aborted after an earlier failure",
                          comm->rank, comm->size);
  }
  return LPLB_OK;
}

lplb_error check_timeout(int64_t timeout_ms) {
  if (timeout_ms <= 0) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "timeout_ms must be positive, got %lld",
                          static_cast<long long>(timeout_ms));
  }
  return LPLB_OK;
}

}  // namespace
}  // namespace nccl
}  // namespace lplb

extern "C" {

lplb_error lplb_nccl_unique_id(uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES]) {
  using namespace lplb::nccl;
  lplb::clear_last_error();
  if (!id) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "id is NULL");
  const Library& lib = library();
  if (!lib.usable) return unavailable(lib);
  UniqueId unique{};
  const Result result = lib.get_unique_id(&unique);
  if (result != kSuccess) {
    return lplb::set_last_error(LPLB_ERR_COMMUNICATION, "ncclGetUniqueId failed: %s", error_text(lib, result));
  }
  std::memcpy(id, unique.internal, sizeof unique.internal);
  return LPLB_OK;
}

lplb_error lplb_nccl_comm_create(const uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES], int32_t n_ranks, int32_t rank,
                                 int64_t timeout_ms, lplb_nccl_comm** out) {
  using namespace lplb::nccl;
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!id) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "id is NULL");
  if (n_ranks < 1 || rank < 0 || rank >= n_ranks) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "rank %d is not in [0, n_ranks = %d)", rank, n_ranks);
  }
  if (const lplb_error error = check_timeout(timeout_ms)) return error;
#if !LPLB_CUDA_BUILT
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE,
                              "NCCL groups need the CUDA backend: this build of lplb has no CUDA backend");
#else
  const Library& lib = library();
  if (!lib.usable) return unavailable(lib);
  auto* handle = new (std::nothrow) lplb_nccl_comm;
  if (!handle) return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of host memory");
  handle->rank = rank;
  handle->size = n_ranks;
  UniqueId unique{};
  std::memcpy(unique.internal, id, sizeof unique.internal);
  Config config{sizeof(Config), 0xcafebeefu, static_cast<unsigned int>(kOldestVersion), 0, INT_MIN, INT_MIN, INT_MIN,
                nullptr, INT_MIN};
  const Result result = lib.comm_init_rank_config(&handle->comm, n_ranks, unique, rank, &config);
  const lplb_error error = result != kSuccess && result != kInProgress
                               ? failed(handle, "ncclCommInitRankConfig", result)
                               : settle(handle, timeout_ms, "joining the NCCL communicator");
  if (error != LPLB_OK) {
    delete handle;
    return error;
  }
  *out = handle;
  return LPLB_OK;
#endif
}

lplb_error lplb_nccl_all_reduce_sum(lplb_nccl_comm* comm, const void* send, void* recv, size_t count,
                                    lplb_nccl_type type, void* stream) {
  using namespace lplb::nccl;
  lplb::clear_last_error();
  if (const lplb_error error = check_live(comm)) return error;
  if (!send || !recv) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "send and recv must be device pointers");
  if (type != LPLB_NCCL_INT32 && type != LPLB_NCCL_FLOAT64) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "type must be LPLB_NCCL_INT32 or LPLB_NCCL_FLOAT64");
  }
  const Library& lib = library();
  const Result result =
      lib.all_reduce(send, recv, count, type == LPLB_NCCL_INT32 ? kInt32 : kFloat64, kSum, comm->comm, stream);
  if (result == kSuccess) return LPLB_OK;
  if (result != kInProgress) return failed(comm, "ncclAllReduce", result);
  // A non-blocking communicator may finish enqueueing in the background (the first collective
  // connects the peers): wait for that, bounded like every other wait.
  return settle(comm, 60000, "enqueueing the all-reduce");
}

lplb_error lplb_nccl_synchronize(lplb_nccl_comm* comm, void* stream, int64_t timeout_ms) {
  using namespace lplb::nccl;
  lplb::clear_last_error();
  if (const lplb_error error = check_live(comm)) return error;
  if (const lplb_error error = check_timeout(timeout_ms)) return error;
#if !LPLB_CUDA_BUILT
  (void)stream;
  return lplb::set_last_error(LPLB_ERR_BACKEND_UNAVAILABLE, "this build of lplb has no CUDA backend");
#else
  Poller poller(timeout_ms);
  for (int polls = 0;; ++polls) {
    const cudaError_t state = cudaStreamQuery(static_cast<cudaStream_t>(stream));
    if (state == cudaSuccess) return LPLB_OK;
    if (state != cudaErrorNotReady) {
      abort_comm(comm);
      return lplb::set_last_error(LPLB_ERR_INTERNAL, "rank %d of %d: cudaStreamQuery failed: %s (the EP group is aborted)",
                                  comm->rank, comm->size, cudaGetErrorString(state));
    }
    if (polls % 16 == 0) {
      const Result async = async_state(comm);
      if (async != kSuccess && async != kInProgress) return failed(comm, "the step", async);
    }
    if (poller.expired()) return timed_out(comm, "the step", timeout_ms);
    poller.pause();
  }
#endif
}

int32_t lplb_nccl_comm_rank(const lplb_nccl_comm* comm) { return comm && !comm->aborted ? comm->rank : -1; }
int32_t lplb_nccl_comm_size(const lplb_nccl_comm* comm) { return comm && !comm->aborted ? comm->size : -1; }

void lplb_nccl_comm_abort(lplb_nccl_comm* comm) {
  if (comm) lplb::nccl::abort_comm(comm);
}

void lplb_nccl_comm_destroy(lplb_nccl_comm* comm) {
  if (!comm) return;
  // Abort rather than destroy: it frees the same resources without waiting on peers that may
  // be gone. Callers synchronize before they release a communicator they still trust.
  lplb::nccl::abort_comm(comm);
  delete comm;
}

}  // extern "C"

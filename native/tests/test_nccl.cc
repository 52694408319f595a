// lplb/nccl.h: the status (a verdict and a reason or a version, stable across calls, NULL-safe),
// argument checks of the communicator API (everywhere), and, where NCCL and a GPU are usable, a
// one-rank communicator's all-reduce and a two-rank one whose second rank never comes, which
// must time out instead of hanging.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "lplb/nccl.h"
#include "lplb/step.h"
#include "test_harness.h"

namespace {

// True when NCCL loads and a CUDA device is selected; otherwise says why the GPU cases skip.
bool nccl_and_gpu() {
  char reason[256];
  if (!lplb_nccl_status(nullptr, reason, sizeof reason)) {
    std::printf("skipping the communicator cases: %s\n", reason);
    return false;
  }
  if (lplb_device_set(0) != LPLB_OK) {
    std::printf("skipping the communicator cases: %s\n", lplb_last_error_message());
    return false;
  }
  return true;
}

}  // namespace

TEST(status_is_a_verdict_with_its_reason) {
  int32_t version = -1;
  char reason[256];
  std::memset(reason, 'x', sizeof reason);
  const int32_t usable = lplb_nccl_status(&version, reason, sizeof reason);
  CHECK(usable == 0 || usable == 1);
  CHECK(std::memchr(reason, '\0', sizeof reason) != nullptr);
  if (usable) {
    CHECK(version >= 20000);  // NCCL 2.x codes
    CHECK(reason[0] == '\0');
  } else {
    CHECK(std::string(reason).find("NCCL") != std::string::npos || std::string(reason).find("nccl") != std::string::npos);
  }
  int32_t again = -2;
  CHECK(lplb_nccl_status(&again, nullptr, 0) == usable);
  CHECK(again == version);
  CHECK(lplb_nccl_status(nullptr, nullptr, 0) == usable);
}

TEST(communicator_arguments_are_checked) {
  uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES] = {};
  lplb_nccl_comm* comm = reinterpret_cast<lplb_nccl_comm*>(&id);  // must be reset to NULL
  CHECK(lplb_nccl_comm_create(id, 2, 2, 1000, &comm) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(comm == nullptr);
  CHECK(std::string(lplb_last_error_message()).find("rank 2") != std::string::npos);
  CHECK(lplb_nccl_comm_create(id, 2, -1, 1000, &comm) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_comm_create(id, 0, 0, 1000, &comm) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_comm_create(id, 1, 0, 0, &comm) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_comm_create(nullptr, 1, 0, 1000, &comm) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_comm_create(id, 1, 0, 1000, nullptr) == LPLB_ERR_INVALID_ARGUMENT);
  int32_t value = 0;
  CHECK(lplb_nccl_all_reduce_sum(nullptr, &value, &value, 1, LPLB_NCCL_INT32, nullptr) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_synchronize(nullptr, nullptr, 1000) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_unique_id(nullptr) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_nccl_comm_rank(nullptr) == -1 && lplb_nccl_comm_size(nullptr) == -1);
  lplb_nccl_comm_abort(nullptr);
  lplb_nccl_comm_destroy(nullptr);
  if (!lplb_nccl_status(nullptr, nullptr, 0)) {
    CHECK(lplb_nccl_unique_id(id) == LPLB_ERR_BACKEND_UNAVAILABLE);
    CHECK(std::string(lplb_last_error_message()).find("NCCL") != std::string::npos);
  }
}

TEST(one_rank_all_reduce_on_the_gpu) {
  if (!nccl_and_gpu()) return;
  uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES];
  CHECK(lplb_nccl_unique_id(id) == LPLB_OK);
  lplb_nccl_comm* comm = nullptr;
  CHECK(lplb_nccl_comm_create(id, 1, 0, 20000, &comm) == LPLB_OK);
  if (!comm) return;
  CHECK(lplb_nccl_comm_rank(comm) == 0 && lplb_nccl_comm_size(comm) == 1);
  const std::vector<int32_t> counts{3, 0, 7, 1 << 20};
  const std::vector<double> loads{0.5, -2.25, 1e300};
  void *ints = nullptr, *reals = nullptr;
  CHECK(lplb_device_alloc(counts.size() * sizeof(int32_t), &ints) == LPLB_OK);
  CHECK(lplb_device_alloc(loads.size() * sizeof(double), &reals) == LPLB_OK);
  CHECK(lplb_device_copy(ints, counts.data(), counts.size() * sizeof(int32_t), 1, nullptr, 1) == LPLB_OK);
  CHECK(lplb_device_copy(reals, loads.data(), loads.size() * sizeof(double), 1, nullptr, 1) == LPLB_OK);
  CHECK(lplb_nccl_all_reduce_sum(comm, ints, ints, counts.size(), LPLB_NCCL_INT32, nullptr) == LPLB_OK);
  CHECK(lplb_nccl_all_reduce_sum(comm, reals, reals, loads.size(), LPLB_NCCL_FLOAT64, nullptr) == LPLB_OK);
  CHECK(lplb_nccl_synchronize(comm, nullptr, 20000) == LPLB_OK);
  std::vector<int32_t> counts_back(counts.size());
  std::vector<double> loads_back(loads.size());
  CHECK(lplb_device_copy(counts_back.data(), ints, counts.size() * sizeof(int32_t), 0, nullptr, 1) == LPLB_OK);
  CHECK(lplb_device_copy(loads_back.data(), reals, loads.size() * sizeof(double), 0, nullptr, 1) == LPLB_OK);
  CHECK(counts_back == counts);  // the sum over one rank is the rank's own vector
  CHECK(loads_back == loads);
  lplb_nccl_comm_destroy(comm);
  lplb_device_free(ints);
  lplb_device_free(reals);
}

TEST(a_missing_rank_times_out) {
  if (!nccl_and_gpu()) return;
  uint8_t id[LPLB_NCCL_UNIQUE_ID_BYTES];
  CHECK(lplb_nccl_unique_id(id) == LPLB_OK);
  lplb_nccl_comm* comm = nullptr;
  const auto start = std::chrono::steady_clock::now();
  const lplb_error error = lplb_nccl_comm_create(id, 2, 0, 1500, &comm);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(error == LPLB_ERR_TIMEOUT);
  CHECK(comm == nullptr);
  CHECK_MSG(seconds >= 1.4 && seconds < 15, "gave up after " + std::to_string(seconds) + " s");
  CHECK(std::string(lplb_last_error_message()).find("1500 ms") != std::string::npos);
}

LPLB_TEST_MAIN

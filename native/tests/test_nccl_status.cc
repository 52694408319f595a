// lplb_nccl_status: a verdict and a reason or a version, stable across calls, NULL-safe.
#include <cstring>
#include <string>

#include "lplb/nccl.h"
#include "test_harness.h"

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

LPLB_TEST_MAIN

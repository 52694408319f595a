// Capabilities of this build, the text of error codes and statuses, default settings, and the
// thread-local last-error message.
#include <cstring>
#include <string>
#include <thread>

#include "test_support.h"

using namespace lplb_test;

// LPLB_TEST_CUDA_BUILT says how this build was configured (tests/CMakeLists.txt).
TEST(capabilities_report_the_build_and_the_device) {
  lplb_capabilities caps;
  std::memset(&caps, 0x5a, sizeof caps);
  lplb_get_capabilities(&caps);
  CHECK(caps.version_major == LPLB_VERSION_MAJOR);
  CHECK(caps.version_minor == LPLB_VERSION_MINOR);
  CHECK(caps.version_patch == LPLB_VERSION_PATCH);
  CHECK(caps.cpu == 1);
  CHECK(caps.cuda_built == LPLB_TEST_CUDA_BUILT);
  CHECK(std::memchr(caps.cuda_reason, '\0', sizeof caps.cuda_reason) != nullptr);
  if (!caps.cuda_built) {
    CHECK(caps.cuda_usable == 0);
    CHECK(caps.cuda_device_count == 0);
  }
  CHECK(caps.cuda_usable == (caps.cuda_device_count > 0 ? 1 : 0));
  // A reason exactly when CUDA cannot be used.
  CHECK((std::string(caps.cuda_reason).find("CUDA") != std::string::npos) == (caps.cuda_usable == 0));
  lplb_get_capabilities(nullptr);  // a no-op
}

TEST(error_strings) {
  CHECK(std::string(lplb_error_string(LPLB_OK)) == "ok");
  CHECK(std::string(lplb_error_string(LPLB_ERR_INVALID_ARGUMENT)) == "invalid argument");
  CHECK(std::string(lplb_error_string(LPLB_ERR_OUT_OF_MEMORY)) == "out of memory");
  CHECK(std::string(lplb_error_string(LPLB_ERR_BACKEND_UNAVAILABLE)) == "backend unavailable");
  CHECK(std::string(lplb_error_string(LPLB_ERR_INTERNAL)) == "internal error");
}

// The status texts are the names @lplb/lp uses (LP_STATUSES, in code order).
TEST(status_strings) {
  const char* names[] = {"optimal", "primal_infeasible", "dual_infeasible", "iteration_limit", "numerical_error"};
  for (int code = 0; code < 5; ++code) {
    CHECK(std::string(lplb_status_string(static_cast<lplb_status>(code))) == names[code]);
  }
}

TEST(default_settings) {
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, &settings);
  CHECK(settings.max_iterations == 100);
  CHECK(settings.tolerance == 1e-9);
  CHECK(settings.precision == LPLB_PRECISION_FLOAT64);
  CHECK(settings.backend == LPLB_BACKEND_CPU);
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT32, &settings);
  CHECK(settings.tolerance == 1e-6);
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, nullptr);  // a no-op
}

TEST(last_error_is_per_thread) {
  lplb_shape bad{0, 0, 0};
  lplb_ipm_workspace* workspace = nullptr;
  CHECK(lplb_ipm_workspace_create(&bad, nullptr, &workspace) == LPLB_ERR_INVALID_ARGUMENT);
  const std::string here = lplb_last_error_message();
  CHECK(!here.empty());
  std::string there = "unset";
  std::thread other([&there] { there = lplb_last_error_message(); });
  other.join();
  CHECK(there.empty());
  CHECK(std::string(lplb_last_error_message()) == here);
}

LPLB_TEST_MAIN

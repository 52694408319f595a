// Argument validation of the C API: every rejected input returns LPLB_ERR_INVALID_ARGUMENT (or
// the documented code) with a message naming the argument, the LP and the position, and
// nothing is written to the outputs.
#include <cstring>
#include <string>

#include "test_support.h"

using namespace lplb_test;

namespace {

constexpr double kSentinel = -12345.678;

// A valid batch of two LPs with 3 variables, 1 equality and 2 inequalities, and outputs
// filled with a sentinel.
struct Fixture {
  static constexpr int kN = 3, kEq = 1, kUb = 2, kBatch = 2;
  std::vector<double> c, a_eq, b_eq, a_ub, b_ub, lower, upper;
  std::vector<int32_t> status, iterations;
  std::vector<double> x, y_eq, y_ub, z_lower, z_upper, objective, primal, dual, gap;
  lplb_lp_batch lps{};
  lplb_solution_batch out{};
  lplb_ipm_workspace* workspace = nullptr;

  Fixture() {
    c.assign(kBatch * kN, 1.0);
    a_eq.assign(kBatch * kEq * kN, 1.0);
    b_eq.assign(kBatch * kEq, 1.0);
    a_ub.assign(kBatch * kUb * kN, 1.0);
    b_ub.assign(kBatch * kUb, 2.0);
    lower.assign(kBatch * kN, 0.0);
    upper.assign(kBatch * kN, 5.0);
    status.assign(kBatch, -7);
    iterations.assign(kBatch, -7);
    for (auto* v : {&x, &z_lower, &z_upper}) v->assign(kBatch * kN, kSentinel);
    y_eq.assign(kBatch * kEq, kSentinel);
    y_ub.assign(kBatch * kUb, kSentinel);
    for (auto* v : {&objective, &primal, &dual, &gap}) v->assign(kBatch, kSentinel);
    lps = {kBatch, c.data(), a_eq.data(), b_eq.data(), a_ub.data(), b_ub.data(), lower.data(), upper.data()};
    out = {status.data(), x.data(),      y_eq.data(), y_ub.data(), z_lower.data(),   z_upper.data(),
           objective.data(), primal.data(), dual.data(), gap.data(), iterations.data()};
    lplb_shape shape{kN, kEq, kUb};
    if (lplb_ipm_workspace_create(&shape, nullptr, &workspace) != LPLB_OK) workspace = nullptr;
  }
  ~Fixture() { lplb_ipm_workspace_destroy(workspace); }

  bool untouched() const {
    for (int32_t v : status) if (v != -7) return false;
    for (int32_t v : iterations) if (v != -7) return false;
    for (const auto* v : {&x, &y_eq, &y_ub, &z_lower, &z_upper, &objective, &primal, &dual, &gap}) {
      for (double value : *v) if (value != kSentinel) return false;
    }
    return true;
  }

  // Solves, expects `expected` and a message containing every one of `parts`.
  void expect_error(lplb_error expected, const std::vector<std::string>& parts) {
    const lplb_error error = lplb_ipm_solve_batch(workspace, &lps, &out);
    CHECK_MSG(error == expected, std::string("error ") + lplb_error_string(error));
    const std::string message = lplb_last_error_message();
    for (const std::string& part : parts) {
      CHECK_MSG(message.find(part) != std::string::npos, "message '" + message + "' lacks '" + part + "'");
    }
    CHECK_MSG(untouched(), "outputs were written on error: " + message);
  }
};

void expect_create_error(const lplb_shape* shape, const lplb_ipm_settings* settings, lplb_error expected,
                         const std::string& part) {
  lplb_ipm_workspace* workspace = reinterpret_cast<lplb_ipm_workspace*>(0x1);
  const lplb_error error = lplb_ipm_workspace_create(shape, settings, &workspace);
  CHECK_MSG(error == expected, std::string("error ") + lplb_error_string(error));
  CHECK(workspace == nullptr);
  const std::string message = lplb_last_error_message();
  CHECK_MSG(message.find(part) != std::string::npos, "message '" + message + "' lacks '" + part + "'");
}

}  // namespace

TEST(valid_batch_solves) {
  Fixture fx;
  CHECK(fx.workspace != nullptr);
  CHECK(lplb_ipm_solve_batch(fx.workspace, &fx.lps, &fx.out) == LPLB_OK);
  CHECK(std::string(lplb_last_error_message()).empty());
  CHECK(fx.status[0] == LPLB_STATUS_OPTIMAL && fx.status[1] == LPLB_STATUS_OPTIMAL);
}

TEST(rejects_non_finite_coefficients) {
  struct Case {
    const char* field;
    std::vector<double> Fixture::*array;
    size_t index;  // into the whole batch
    double value;
    std::vector<std::string> parts;
  };
  const double nan = std::nan("");
  const std::vector<Case> cases = {
      {"c", &Fixture::c, 4, nan, {"lp 1", "c[1]", "nan", "finite"}},
      {"c", &Fixture::c, 0, kInf, {"lp 0", "c[0]", "inf"}},
      {"a_eq", &Fixture::a_eq, 5, -kInf, {"lp 1", "a_eq[0][2]", "-inf"}},
      {"b_eq", &Fixture::b_eq, 1, nan, {"lp 1", "b_eq[0]"}},
      {"a_ub", &Fixture::a_ub, 5, nan, {"lp 0", "a_ub[1][2]"}},
      {"b_ub", &Fixture::b_ub, 3, kInf, {"lp 1", "b_ub[1]"}},
  };
  for (const Case& test : cases) {
    Fixture fx;
    (fx.*(test.array))[test.index] = test.value;
    context() = test.field;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, test.parts);
  }
}

TEST(rejects_bad_bounds) {
  {
    Fixture fx;
    fx.lower[4] = std::nan("");
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 1", "lower[1]", "nan"});
  }
  {
    Fixture fx;
    fx.upper[2] = std::nan("");
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 0", "upper[2]", "nan"});
  }
  {
    Fixture fx;
    fx.lower[1] = kInf;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 0", "lower[1]", "inf", "-INFINITY"});
  }
  {
    Fixture fx;
    fx.upper[5] = -kInf;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 1", "upper[2]", "-inf", "+INFINITY"});
  }
  {
    Fixture fx;
    fx.lower[3] = 6;  // upper[3] = 5
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 1", "lower[0] = 6", "upper[0] = 5", "lower <= upper"});
  }
}

TEST(rejects_null_pointers) {
  {
    Fixture fx;
    fx.lps.c = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.c", "NULL"});
  }
  {
    Fixture fx;
    fx.lps.a_eq = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.a_eq", "m_eq > 0"});
  }
  {
    Fixture fx;
    fx.lps.b_eq = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.b_eq"});
  }
  {
    Fixture fx;
    fx.lps.a_ub = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.a_ub", "m_ub > 0"});
  }
  {
    Fixture fx;
    fx.lps.b_ub = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.b_ub"});
  }
  {
    Fixture fx;
    fx.out.status = nullptr;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"out.status"});
  }
  {
    Fixture fx;
    CHECK(lplb_ipm_solve_batch(fx.workspace, nullptr, &fx.out) == LPLB_ERR_INVALID_ARGUMENT);
    CHECK(std::string(lplb_last_error_message()).find("lps is NULL") != std::string::npos);
    CHECK(lplb_ipm_solve_batch(fx.workspace, &fx.lps, nullptr) == LPLB_ERR_INVALID_ARGUMENT);
    CHECK(std::string(lplb_last_error_message()).find("out is NULL") != std::string::npos);
    CHECK(lplb_ipm_solve_batch(nullptr, &fx.lps, &fx.out) == LPLB_ERR_INVALID_ARGUMENT);
    CHECK(std::string(lplb_last_error_message()).find("workspace is NULL") != std::string::npos);
    CHECK(fx.untouched());
  }
}

TEST(rejects_bad_batch_size) {
  for (int batch : {0, -3}) {
    Fixture fx;
    fx.lps.batch = batch;
    fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lps.batch", ">= 1", std::to_string(batch)});
  }
}

// The whole batch is checked before anything is solved: a bad value in the last LP leaves the
// first LP's outputs untouched too.
TEST(validates_whole_batch_first) {
  Fixture fx;
  fx.b_ub[3] = std::nan("");
  fx.expect_error(LPLB_ERR_INVALID_ARGUMENT, {"lp 1"});
  CHECK(fx.status[0] == -7);
}

TEST(optional_arrays_may_be_null) {
  Fixture fx;
  fx.lps.lower = nullptr;  // means 0
  fx.lps.upper = nullptr;  // means +inf
  fx.out.x = nullptr;
  fx.out.y_eq = nullptr;
  fx.out.iterations = nullptr;
  CHECK(lplb_ipm_solve_batch(fx.workspace, &fx.lps, &fx.out) == LPLB_OK);
  CHECK(fx.status[0] == LPLB_STATUS_OPTIMAL);
  CHECK(fx.y_eq[0] == kSentinel && fx.x[0] == kSentinel && fx.iterations[0] == -7);
  // min x1 + x2 + x3 with x1 + x2 + x3 = 1 and x >= 0: value 1.
  CHECK_NEAR(fx.objective[0], 1.0, 1e-8);
  // With no equality or inequality rows their arrays may be NULL.
  Lp lp(2, 0, 0);
  lp.c = {1, 1};
  const Result r = solve_all({lp}, settings_for(LPLB_PRECISION_FLOAT64)).front();
  CHECK(r.error == LPLB_OK && r.status == LPLB_STATUS_OPTIMAL);
}

TEST(rejects_bad_shapes) {
  expect_create_error(nullptr, nullptr, LPLB_ERR_INVALID_ARGUMENT, "shape is NULL");
  lplb_shape zero_vars{0, 0, 1};
  expect_create_error(&zero_vars, nullptr, LPLB_ERR_INVALID_ARGUMENT, "shape.n_vars: expected an integer in [1,");
  lplb_shape negative_eq{3, -1, 0};
  expect_create_error(&negative_eq, nullptr, LPLB_ERR_INVALID_ARGUMENT, "shape.m_eq");
  lplb_shape negative_ub{3, 0, -2};
  expect_create_error(&negative_ub, nullptr, LPLB_ERR_INVALID_ARGUMENT, "shape.m_ub");
  lplb_shape huge{1 << 20, 1 << 20, 0};
  expect_create_error(&huge, nullptr, LPLB_ERR_OUT_OF_MEMORY, "dense matrix entries");
  lplb_shape fine{3, 1, 1};
  CHECK(lplb_ipm_workspace_create(&fine, nullptr, nullptr) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(std::string(lplb_last_error_message()).find("out is NULL") != std::string::npos);
}

TEST(rejects_bad_settings) {
  lplb_shape shape{3, 1, 1};
  lplb_ipm_settings settings = settings_for(LPLB_PRECISION_FLOAT64);
  settings.max_iterations = 0;
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.max_iterations: expected an integer in [1, 1000000], got 0");
  settings = settings_for(LPLB_PRECISION_FLOAT64);
  settings.tolerance = 0;
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.tolerance: expected a number in (0, 1)");
  settings.tolerance = std::nan("");
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.tolerance");
  settings.tolerance = 1.5;
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.tolerance");
  // Out-of-range enum values, stored as a C or JavaScript caller would store them.
  settings = settings_for(LPLB_PRECISION_FLOAT64);
  const int bad_precision = 7, bad_backend = 9;
  std::memcpy(&settings.precision, &bad_precision, sizeof bad_precision);
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.precision: expected LPLB_PRECISION_FLOAT64 (0) or LPLB_PRECISION_FLOAT32 (1), got 7");
  settings = settings_for(LPLB_PRECISION_FLOAT64);
  std::memcpy(&settings.backend, &bad_backend, sizeof bad_backend);
  expect_create_error(&shape, &settings, LPLB_ERR_INVALID_ARGUMENT, "settings.backend: expected LPLB_BACKEND_CPU (0) or LPLB_BACKEND_CUDA (1), got 9");
}

TEST(cuda_backend_is_unavailable) {
  lplb_shape shape{3, 1, 1};
  lplb_ipm_settings settings = settings_for(LPLB_PRECISION_FLOAT64);
  settings.backend = LPLB_BACKEND_CUDA;
  expect_create_error(&shape, &settings, LPLB_ERR_BACKEND_UNAVAILABLE, "CUDA");
}

TEST(last_error_clears_on_success) {
  lplb_shape bad{0, 0, 0};
  lplb_ipm_workspace* workspace = nullptr;
  CHECK(lplb_ipm_workspace_create(&bad, nullptr, &workspace) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(std::strlen(lplb_last_error_message()) > 0);
  lplb_shape good{2, 0, 1};
  CHECK(lplb_ipm_workspace_create(&good, nullptr, &workspace) == LPLB_OK);
  CHECK(std::strlen(lplb_last_error_message()) == 0);
  lplb_ipm_workspace_destroy(workspace);
  lplb_ipm_workspace_destroy(nullptr);  // a no-op
}

LPLB_TEST_MAIN

// A self-contained test harness: TEST(name) registers a case, CHECK / CHECK_NEAR record
// failures with file and line, and LPLB_TEST_MAIN runs every case and returns non-zero when
// any failed. Seeds of randomised cases are printed with their failures by the cases.
#ifndef LPLB_TESTS_TEST_HARNESS_H
#define LPLB_TESTS_TEST_HARNESS_H

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace lplb_test {

struct TestCase {
  const char* name;
  void (*body)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> cases;
  return cases;
}

inline int& failures() {
  static int count = 0;
  return count;
}

// Context printed with every failure (for example the seed of a random case).
inline std::string& context() {
  static std::string text;
  return text;
}

// The seed of a randomised case: LPLB_TEST_SEED when set (to replay a failure), else fresh.
inline uint64_t fresh_seed() {
  if (const char* text = std::getenv("LPLB_TEST_SEED")) return std::strtoull(text, nullptr, 10);
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

struct Registrar {
  Registrar(const char* name, void (*body)()) { registry().push_back({name, body}); }
};

inline void fail(const char* file, int line, const std::string& message) {
  ++failures();
  std::fprintf(stderr, "%s:%d: FAILED: %s%s%s\n", file, line, message.c_str(), context().empty() ? "" : " | ",
               context().c_str());
}

inline int run_all() {
  int failed_cases = 0;
  for (const TestCase& test : registry()) {
    const int before = failures();
    context().clear();
    test.body();
    const bool ok = failures() == before;
    failed_cases += ok ? 0 : 1;
    std::printf("[%s] %s\n", ok ? "  OK  " : "FAILED", test.name);
  }
  std::printf("%zu cases, %d failed, %d failed checks\n", registry().size(), failed_cases, failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace lplb_test

#define LPLB_CONCAT_INNER(a, b) a##b
#define LPLB_CONCAT(a, b) LPLB_CONCAT_INNER(a, b)

#define TEST(name)                                                                   \
  static void name();                                                                \
  static const lplb_test::Registrar LPLB_CONCAT(registrar_, name)(#name, &name);     \
  static void name()

#define CHECK(condition)                                                             \
  do {                                                                               \
    if (!(condition)) lplb_test::fail(__FILE__, __LINE__, "CHECK(" #condition ")");  \
  } while (0)

#define CHECK_MSG(condition, message)                                                \
  do {                                                                               \
    if (!(condition)) lplb_test::fail(__FILE__, __LINE__, (message));                \
  } while (0)

// |actual - expected| <= tolerance * max(1, |expected|)
#define CHECK_NEAR(actual, expected, tolerance)                                                            \
  do {                                                                                                     \
    const double lplb_actual = (actual), lplb_expected = (expected);                                       \
    const double lplb_bound = (tolerance) * std::fmax(1.0, std::fabs(lplb_expected));                      \
    if (!(std::fabs(lplb_actual - lplb_expected) <= lplb_bound)) {                                         \
      char lplb_text[256];                                                                                 \
      std::snprintf(lplb_text, sizeof lplb_text, "CHECK_NEAR(%s, %s): %.17g vs %.17g (tolerance %.3g)",    \
                    #actual, #expected, lplb_actual, lplb_expected, static_cast<double>(tolerance));       \
      lplb_test::fail(__FILE__, __LINE__, lplb_text);                                                      \
    }                                                                                                      \
  } while (0)

#define LPLB_TEST_MAIN \
  int main() { return lplb_test::run_all(); }

#endif  // LPLB_TESTS_TEST_HARNESS_H
